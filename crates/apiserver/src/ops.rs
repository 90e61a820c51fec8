//! The generic registry: create, read, update, patch, delete and list any kind against the
//! store, with Kubernetes' semantics (uid, creationTimestamp, generation, status split,
//! optimistic concurrency, finalizers, graceful deletion, managed fields). Handlers in
//! [`crate::rest`] are thin wrappers; start-up code calls these directly.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use rand::Rng;
use rkube_api::decode;
use rkube_api::patch::{self, managed, PatchType};
use rkube_api::selectors::{FieldSelector, LabelSelector};
use rkube_api::validation::{self, FieldError};
use rkube_api::{defaults, ResourceInfo};
use rkube_store::{Error as StoreError, ListOptions};
use serde_json::{json, Map, Value};

use crate::admission;
use crate::error::{ApiError, Cause, Subject};
use crate::storage;
use crate::AppState;

/// How unknown and duplicate fields in a body are treated (`fieldValidation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

impl FieldValidation {
    pub fn parse(v: Option<&str>) -> Result<Self, ApiError> {
        match v {
            None | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation parameter unsupported: {other:?}. Supported values: Ignore, Warn, Strict"
            ))),
        }
    }
}

/// Options common to writes.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_manager: String,
    pub field_validation: FieldValidation,
    /// The object comes from server-side apply, which already recorded its managed fields.
    pub applied: bool,
}

impl WriteOptions {
    pub fn internal(manager: &str) -> Self {
        WriteOptions {
            dry_run: false,
            field_manager: manager.to_string(),
            field_validation: FieldValidation::Ignore,
            applied: false,
        }
    }
}

/// A successful write and the warnings to send back (`Warning: 299 - "..."`).
#[derive(Debug)]
pub struct Written {
    pub object: Value,
    pub warnings: Vec<String>,
}

pub fn subject(info: &ResourceInfo) -> Subject {
    Subject {
        group_resource: info.group_resource(),
        group: info.group.to_string(),
        resource: info.plural.to_string(),
    }
}

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn meta(obj: &Value) -> Option<&Map<String, Value>> {
    obj.get("metadata").and_then(Value::as_object)
}

pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"]
        .as_object_mut()
        .expect("metadata is an object")
}

pub fn name_of(obj: &Value) -> &str {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Kinds whose `metadata.generation` tracks spec changes.
fn tracks_generation(info: &ResourceInfo) -> bool {
    matches!(
        (info.group, info.plural),
        ("apps", _)
            | ("batch", _)
            | ("", "replicationcontrollers")
            | ("", "pods")
            | ("autoscaling", _)
            | ("policy", "poddisruptionbudgets")
            | ("networking.k8s.io", "ingresses")
            | ("networking.k8s.io", "networkpolicies")
    ) && info.plural != "controllerrevisions"
}

/// Everything but metadata and status: what `generation` counts changes of.
fn spec_part(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    o
}

/// Random suffix characters Kubernetes uses for generateName (no vowels, no confusables).
fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Builds the 422 Invalid error for field errors.
pub fn invalid(info: &ResourceInfo, name: &str, errs: &[FieldError]) -> ApiError {
    let message = validation::invalid_message(&validation::qualified_kind(info), name, errs);
    let causes = errs
        .iter()
        .map(|e| Cause {
            reason: e.reason().to_string(),
            message: cause_message(e),
            field: e.field.clone(),
        })
        .collect();
    ApiError::invalid(&subject(info), info.kind, name, message, causes)
}

/// The cause message is the error without its field prefix.
fn cause_message(e: &FieldError) -> String {
    e.body()
}

/// Checks apiVersion/kind of a body against the endpoint, filling them when absent.
pub fn check_type(info: &ResourceInfo, obj: &mut Value) -> Result<(), ApiError> {
    let want_av = info.api_version();
    let av = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !av.is_empty() && av != want_av {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({want_av})"
        )));
    }
    if !kind.is_empty() && kind != info.kind {
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"{}\" cannot be handled as a {}: the kind in the data ({kind}) does not match the expected kind ({})",
            info.version, info.kind, info.kind
        )));
    }
    obj["apiVersion"] = json!(want_av);
    obj["kind"] = json!(info.kind);
    Ok(())
}

/// Decodes a body value as the endpoint's kind, applying fieldValidation.
pub fn decode_body(
    info: &ResourceInfo,
    mut value: Value,
    duplicates: &[String],
    fv: FieldValidation,
    warnings: &mut Vec<String>,
) -> Result<Value, ApiError> {
    check_type(info, &mut value)?;
    let decoded = decode::decode(info, value).map_err(|e| {
        ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: {}",
            info.kind, info.version, info.kind, e
        ))
    })?;
    let mut problems: Vec<String> = duplicates
        .iter()
        .map(|d| format!("duplicate field \"{d}\""))
        .collect();
    problems.extend(
        decoded
            .unknown_fields
            .iter()
            .map(|u| format!("unknown field \"{u}\"")),
    );
    if !problems.is_empty() {
        match fv {
            FieldValidation::Strict => {
                return Err(ApiError::bad_request(format!(
                    "{} in version \"{}\" cannot be handled as a {}: strict decoding error: {}",
                    info.kind,
                    info.version,
                    info.kind,
                    problems.join(", ")
                )))
            }
            FieldValidation::Warn => warnings.extend(problems),
            FieldValidation::Ignore => {}
        }
    }
    Ok(decoded.object)
}

/// Reads one object. `Ok(None)` when absent.
pub async fn get(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    name: &str,
) -> Result<Option<Value>, ApiError> {
    let key = storage::object_key(info, ns, name);
    let started = Instant::now();
    let kv = state.store.get(&key).await?;
    state.metrics.observe_store("get", started);
    kv.as_ref().map(|kv| storage::decode(info, kv)).transpose()
}

pub async fn get_required(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    name: &str,
) -> Result<Value, ApiError> {
    get(state, info, ns, name)
        .await?
        .ok_or_else(|| ApiError::not_found(&subject(info), name))
}

fn event_ttl(state: &AppState, info: &ResourceInfo) -> Option<Duration> {
    (info.plural == "events").then_some(state.config.event_ttl)
}

/// Create: the full Kubernetes create path for an already-decoded object.
pub async fn create(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    mut obj: Value,
    opts: &WriteOptions,
) -> Result<Value, ApiError> {
    // Namespace of the request vs the body.
    if info.namespaced {
        let ns = ns.ok_or_else(ApiError::path_not_found)?;
        match obj.pointer("/metadata/namespace").and_then(Value::as_str) {
            Some(body_ns) if !body_ns.is_empty() && body_ns != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            _ => {
                meta_mut(&mut obj).insert("namespace".into(), json!(ns));
            }
        }
    } else {
        meta_mut(&mut obj).remove("namespace");
    }
    prepare_for_create(info, &mut obj);
    defaults::apply_defaults(info, &mut obj);
    if name_of(&obj).is_empty() {
        if let Some(prefix) = obj
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        {
            let name = format!("{prefix}{}", random_suffix(5));
            meta_mut(&mut obj).insert("name".into(), json!(name));
        }
    }
    // Server-generated parts of the spec that need the uid (a Job's selector).
    defaults::prepare_create(info, &mut obj);
    let name = name_of(&obj).to_string();
    admission::admit_create(state, info, ns, &mut obj).await?;
    let errs = validation::validate_create(info, &obj);
    if !errs.is_empty() {
        return Err(invalid(info, &name, &errs));
    }
    // Allocations (service IPs and ports) come last so nothing leaks on a validation error.
    let allocation = admission::allocate(state, info, None, &mut obj)?;
    if !opts.applied {
        managed::record_update(info, None, &mut obj, &opts.field_manager, None, Utc::now());
    }
    if opts.dry_run {
        allocation.release(state);
        return Ok(obj);
    }
    let key = storage::object_key(info, ns, &name);
    let started = Instant::now();
    let res = state
        .store
        .create(&key, storage::encode(info, &obj), event_ttl(state, info))
        .await;
    state.metrics.observe_store("create", started);
    match res {
        Ok(rv) => {
            allocation.commit_with(state);
            storage::set_resource_version(&mut obj, rv);
            Ok(obj)
        }
        Err(e) => {
            allocation.release(state);
            Err(match e {
                StoreError::AlreadyExists { .. } => ApiError::already_exists(&subject(info), &name),
                other => other.into(),
            })
        }
    }
}

/// Metadata the server owns on create.
fn prepare_for_create(info: &ResourceInfo, obj: &mut Value) {
    let now = now_rfc3339();
    let m = meta_mut(obj);
    m.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    m.insert("creationTimestamp".into(), json!(now));
    m.remove("resourceVersion");
    m.remove("deletionTimestamp");
    m.remove("deletionGracePeriodSeconds");
    m.remove("selfLink");
    if tracks_generation(info) {
        m.insert("generation".into(), json!(1));
    } else {
        m.remove("generation");
    }
    // Every namespace is created with the `kubernetes` finalizer, which the namespace
    // controller removes once the namespace's content is gone.
    if info.group.is_empty() && info.plural == "namespaces" {
        obj["spec"] = json!({"finalizers": ["kubernetes"]});
    }
    if info.has_status {
        let status = match (info.group, info.plural) {
            ("", "pods") => json!({"phase": "Pending"}),
            ("", "namespaces") => json!({"phase": "Active"}),
            ("", "persistentvolumeclaims") => json!({"phase": "Pending"}),
            ("", "persistentvolumes") => json!({"phase": "Pending"}),
            // Nodes and a few others keep the status their creator wrote (the kubelet
            // registers its node with its status).
            ("", "nodes") | ("", "services") => {
                obj.get("status").cloned().unwrap_or_else(|| json!({}))
            }
            _ => json!({}),
        };
        if status.as_object().is_some_and(|s| s.is_empty()) && info.plural != "services" {
            obj.as_object_mut().expect("object").remove("status");
        } else {
            obj["status"] = status;
        }
    }
}

/// Merges what an update may change into the current object.
fn prepare_for_update(
    info: &ResourceInfo,
    current: &Value,
    desired: Value,
    sub: Option<&str>,
) -> Value {
    let mut new = match sub {
        // The status subresource changes status (and nothing else).
        Some("status") => {
            let mut n = current.clone();
            match desired.get("status") {
                Some(s) => n["status"] = s.clone(),
                None => {
                    n.as_object_mut().expect("object").remove("status");
                }
            }
            n
        }
        _ => {
            let mut n = desired;
            if info.has_status {
                match current.get("status") {
                    Some(s) => n["status"] = s.clone(),
                    None => {
                        if let Some(o) = n.as_object_mut() {
                            o.remove("status");
                        }
                    }
                }
            }
            n
        }
    };
    let cur_meta = meta(current).cloned().unwrap_or_default();
    let m = meta_mut(&mut new);
    for k in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
        "name",
    ] {
        match cur_meta.get(k) {
            Some(v) => {
                m.insert(k.into(), v.clone());
            }
            None => {
                m.remove(k);
            }
        }
    }
    m.remove("selfLink");
    if tracks_generation(info) && sub.is_none() && spec_part(current) != spec_part(&new) {
        let g = cur_meta
            .get("generation")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            + 1;
        meta_mut(&mut new).insert("generation".into(), json!(g));
    }
    new
}

fn strip_rv(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    o
}

/// The finalizers field, as a list of strings.
pub fn finalizers(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// How a write should be turned into the new desired object, given the current one.
pub type Transform<'a> = Box<dyn FnMut(&Value) -> Result<Value, ApiError> + Send + 'a>;

/// The outcome of a compare-and-swap write: `Some(revision)` when it landed, `None` when
/// the object changed in the meantime (read it again and retry), an error when it is gone
/// or the store failed.
fn cas_outcome(
    res: Result<i64, StoreError>,
    info: &ResourceInfo,
    name: &str,
) -> Result<Option<i64>, ApiError> {
    match res {
        Ok(rv) => Ok(Some(rv)),
        Err(StoreError::Conflict { .. }) => Ok(None),
        Err(StoreError::NotFound { .. }) => Err(ApiError::not_found(&subject(info), name)),
        Err(e) => Err(e.into()),
    }
}

/// Read-modify-write with optimistic concurrency (Kubernetes' GuaranteedUpdate): retried on
/// store conflicts unless the caller pinned a resourceVersion.
pub async fn update_with(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    name: &str,
    sub: Option<&str>,
    opts: &WriteOptions,
    mut transform: Transform<'_>,
) -> Result<Value, ApiError> {
    let key = storage::object_key(info, ns, name);
    for _attempt in 0..64 {
        let started = Instant::now();
        let kv = state.store.get(&key).await?;
        state.metrics.observe_store("get", started);
        let Some(kv) = kv else {
            return Err(ApiError::not_found(&subject(info), name));
        };
        let current = storage::decode(info, &kv)?;
        let mut desired = transform(&current)?;
        let pinned = storage::resource_version(&desired)?;
        if let Some(rv) = pinned {
            if rv != kv.mod_revision {
                return Err(ApiError::conflict_modified(&subject(info), name));
            }
        }
        // Defaulting comes first, as Kubernetes defaults while decoding: a write that only
        // drops defaulted fields is no spec change and must not bump the generation.
        if sub.is_none() {
            defaults::apply_defaults(info, &mut desired);
        }
        let mut new = prepare_for_update(info, &current, desired, sub);
        let errs = if sub == Some("status") {
            validation::validate_status_update(info, &current, &new)
        } else {
            validation::validate_update(info, &current, &new)
        };
        if !errs.is_empty() {
            return Err(invalid(info, name, &errs));
        }
        let allocation = admission::allocate(state, info, Some(&current), &mut new)?;
        managed::record_update(
            info,
            Some(&current),
            &mut new,
            &opts.field_manager,
            sub,
            Utc::now(),
        );
        if strip_rv(&new) == strip_rv(&current) {
            allocation.release(state);
            return Ok(current);
        }
        // An object being deleted goes away once its last finalizer is removed.
        let finished = new.pointer("/metadata/deletionTimestamp").is_some()
            && finalizers(&new).is_empty()
            && !finalizers(&current).is_empty()
            && new
                .pointer("/metadata/deletionGracePeriodSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                == 0;
        if opts.dry_run {
            allocation.release(state);
            return Ok(new);
        }
        let started = Instant::now();
        let res = if finished {
            // An object being deleted goes away once its last finalizer is removed.
            state
                .store
                .delete(&key, Some(kv.mod_revision))
                .await
                .map(|(rv, _)| rv)
        } else {
            state
                .store
                .update(&key, storage::encode(info, &new), kv.mod_revision)
                .await
        };
        state
            .metrics
            .observe_store(if finished { "delete" } else { "update" }, started);
        match cas_outcome(res, info, name) {
            Ok(Some(rv)) => {
                if finished {
                    allocation.release(state);
                    admission::release_deleted(state, info, &new);
                } else {
                    allocation.commit_with(state);
                }
                storage::set_resource_version(&mut new, rv);
                return Ok(new);
            }
            Ok(None) if pinned.is_none() => allocation.release(state),
            Ok(None) => {
                allocation.release(state);
                return Err(ApiError::conflict_modified(&subject(info), name));
            }
            Err(e) => {
                allocation.release(state);
                return Err(e);
            }
        }
    }
    Err(ApiError::conflict_modified(&subject(info), name))
}

/// Replace (PUT) with a decoded object.
pub async fn update(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    name: &str,
    sub: Option<&str>,
    obj: Value,
    opts: &WriteOptions,
) -> Result<Value, ApiError> {
    let body_name = name_of(&obj);
    if !body_name.is_empty() && body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    if let (Some(ns), Some(body_ns)) = (
        ns,
        obj.pointer("/metadata/namespace").and_then(Value::as_str),
    ) {
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    update_with(
        state,
        info,
        ns,
        name,
        sub,
        opts,
        Box::new(move |_cur| Ok(obj.clone())),
    )
    .await
}

/// Applies a patch of any type to the current object (not used for `Apply`).
pub fn apply_patch(
    info: &ResourceInfo,
    current: &Value,
    pt: PatchType,
    patch_body: &Value,
) -> Result<Value, ApiError> {
    let res = match pt {
        PatchType::Json => patch::apply_json_patch(current, patch_body),
        PatchType::Merge => patch::apply_merge_patch(current, patch_body),
        PatchType::StrategicMerge => patch::apply_strategic_merge_patch(info, current, patch_body),
        PatchType::Apply => unreachable!("apply patches go through server-side apply"),
    };
    let patched = res.map_err(|e| {
        let mut err = ApiError::new(e.code(), e.reason(), e.to_string());
        if let Some((reason, message)) = e.cause() {
            err.details.causes = vec![Cause {
                reason: reason.to_string(),
                message: message.to_string(),
                field: String::new(),
            }];
        }
        err
    })?;
    if !patched.is_object() {
        return Err(ApiError::bad_request("the patch did not produce an object"));
    }
    Ok(patched)
}

/// Kubernetes refuses to change an object's identity through a patch.
fn keep_identity(
    info: &ResourceInfo,
    current: &Value,
    patched: &mut Value,
) -> Result<(), ApiError> {
    check_type(info, patched)?;
    let name = name_of(current).to_string();
    let pname = name_of(patched);
    if !pname.is_empty() && pname != name {
        return Err(invalid(
            info,
            &name,
            &[FieldError::invalid(
                "metadata.name",
                json!(pname),
                "field is immutable",
            )],
        ));
    }
    meta_mut(patched).insert("name".into(), json!(name));
    Ok(())
}

fn apply_error(info: &ResourceInfo, name: &str, e: managed::ApplyError) -> ApiError {
    match e {
        managed::ApplyError::Conflicts(conflicts) => {
            let mut err = ApiError::new(
                409,
                "Conflict",
                managed::ApplyError::Conflicts(conflicts.clone()).to_string(),
            );
            err.details.name = Some(name.to_string());
            err.details.group = Some(info.group.to_string()).filter(|g| !g.is_empty());
            err.details.kind = Some(info.plural.to_string());
            err.details.causes = conflicts
                .into_iter()
                .map(|c| Cause {
                    reason: "FieldManagerConflict".into(),
                    message: c.message,
                    field: c.field,
                })
                .collect();
            err
        }
        managed::ApplyError::Malformed(m) => ApiError::new(500, "InternalError", m),
        other => ApiError::bad_request(other.to_string()),
    }
}

/// PATCH of the object or its status. Server-side apply creates the object when absent.
#[allow(clippy::too_many_arguments)]
pub async fn patch(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    name: &str,
    sub: Option<&str>,
    pt: PatchType,
    patch_body: Value,
    force: bool,
    opts: &WriteOptions,
) -> Result<(Value, bool), ApiError> {
    if pt == PatchType::Apply {
        let current = get(state, info, ns, name).await?;
        if current.is_none() {
            if sub.is_some() {
                return Err(ApiError::not_found(&subject(info), name));
            }
            let mut applied = patch_body.clone();
            check_type(info, &mut applied)?;
            let body_name = name_of(&applied).to_string();
            if !body_name.is_empty() && body_name != name {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({body_name}) does not match the name on the URL ({name})"
                )));
            }
            meta_mut(&mut applied).insert("name".into(), json!(name));
            let obj = managed::apply(info, None, &applied, &opts.field_manager, force, Utc::now())
                .map_err(|e| apply_error(info, name, e))?;
            // The create path records no Update entry for an apply-created object.
            let create_opts = WriteOptions {
                applied: true,
                ..opts.clone()
            };
            let created = create_applied(state, info, ns, obj, &create_opts).await?;
            return Ok((created, true));
        }
    }
    let mgr = opts.field_manager.clone();
    let body = patch_body;
    let transform: Transform<'_> = Box::new(move |current: &Value| {
        let mut patched = if pt == PatchType::Apply {
            let mut applied = body.clone();
            check_type(info, &mut applied)?;
            managed::apply(info, Some(current), &applied, &mgr, force, Utc::now())
                .map_err(|e| apply_error(info, name_of(current), e))?
        } else {
            apply_patch(info, current, pt, &body)?
        };
        keep_identity(info, current, &mut patched)?;
        // A patch that does not mention resourceVersion must not pin it.
        let pinned_by_patch = match pt {
            PatchType::Json => body.to_string().contains("/metadata/resourceVersion"),
            _ => body.pointer("/metadata/resourceVersion").is_some(),
        };
        if !pinned_by_patch {
            meta_mut(&mut patched).remove("resourceVersion");
        }
        let decoded = decode::decode(info, patched).map_err(|e| {
            ApiError::bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: {}",
                info.kind, info.version, info.kind, e
            ))
        })?;
        Ok(decoded.object)
    });
    let obj = update_with(state, info, ns, name, sub, opts, transform).await?;
    Ok((obj, false))
}

/// Creates an object produced by server-side apply (its managedFields already set).
async fn create_applied(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    obj: Value,
    opts: &WriteOptions,
) -> Result<Value, ApiError> {
    let obj = decode::decode(info, obj)
        .map_err(|e| {
            ApiError::bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: {}",
                info.kind, info.version, info.kind, e
            ))
        })?
        .object;
    create(state, info, ns, obj, opts).await
}

/// Options of a delete.
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    pub grace_period_seconds: Option<i64>,
    pub propagation_policy: Option<String>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    pub dry_run: bool,
}

impl DeleteOptions {
    /// Reads a `DeleteOptions` body (if any) over the query parameters.
    pub fn from_parts(
        params: &crate::request::Params,
        body: Option<&Value>,
    ) -> Result<Self, ApiError> {
        let mut o = DeleteOptions {
            grace_period_seconds: params.grace_period_seconds,
            propagation_policy: params.propagation_policy.clone(),
            dry_run: params.dry_run,
            ..Default::default()
        };
        if params.orphan_dependents == Some(true) && o.propagation_policy.is_none() {
            o.propagation_policy = Some("Orphan".into());
        }
        if let Some(b) = body {
            if let Some(g) = b.get("gracePeriodSeconds").and_then(Value::as_i64) {
                o.grace_period_seconds = Some(g);
            }
            if let Some(p) = b.get("propagationPolicy").and_then(Value::as_str) {
                o.propagation_policy = Some(p.to_string());
            }
            if b.get("orphanDependents").and_then(Value::as_bool) == Some(true)
                && o.propagation_policy.is_none()
            {
                o.propagation_policy = Some("Orphan".into());
            }
            if let Some(u) = b.pointer("/preconditions/uid").and_then(Value::as_str) {
                o.precondition_uid = Some(u.to_string());
            }
            if let Some(r) = b
                .pointer("/preconditions/resourceVersion")
                .and_then(Value::as_str)
            {
                o.precondition_rv = Some(r.to_string());
            }
            if let Some(d) = b.get("dryRun").and_then(Value::as_array) {
                o.dry_run |= d.iter().any(|v| v == "All");
            }
        }
        match o.propagation_policy.as_deref() {
            None | Some("Orphan" | "Background" | "Foreground") => {}
            Some(other) => {
                return Err(ApiError::new(
                    422,
                    "Invalid",
                    format!("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
                ))
            }
        }
        if let Some(g) = o.grace_period_seconds {
            if g < 0 {
                o.grace_period_seconds = Some(1);
            }
        }
        Ok(o)
    }
}

/// The outcome of a delete: the object (as deleted, or marked for deletion) and whether it
/// is gone from the store.
#[derive(Debug)]
pub struct Deleted {
    pub object: Value,
    pub gone: bool,
}

/// Delete with preconditions, finalizers, propagation policy and graceful pod termination.
pub async fn delete(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Deleted, ApiError> {
    admission::admit_delete(info, name)?;
    let key = storage::object_key(info, ns, name);
    for _attempt in 0..64 {
        let Some(kv) = state.store.get(&key).await? else {
            return Err(ApiError::not_found(&subject(info), name));
        };
        let current = storage::decode(info, &kv)?;
        if let Some(uid) = &opts.precondition_uid {
            let actual = current
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or("");
            if uid != actual {
                return Err(ApiError::conflict(
                    &subject(info),
                    name,
                    &format!("Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"),
                ));
            }
        }
        if let Some(rv) = &opts.precondition_rv {
            let actual = kv.mod_revision.to_string();
            if *rv != actual {
                return Err(ApiError::conflict(
                    &subject(info),
                    name,
                    &format!("Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"),
                ));
            }
        }
        let mut new = current.clone();
        let mut fins = finalizers(&current);
        match opts.propagation_policy.as_deref() {
            Some("Foreground") if !fins.iter().any(|f| f == "foregroundDeletion") => {
                fins.retain(|f| f != "orphan");
                fins.push("foregroundDeletion".into());
            }
            Some("Orphan") if !fins.iter().any(|f| f == "orphan") => {
                fins.retain(|f| f != "foregroundDeletion");
                fins.push("orphan".into());
            }
            Some("Background") => fins.retain(|f| f != "orphan" && f != "foregroundDeletion"),
            _ => {}
        }
        let already_deleting = current.pointer("/metadata/deletionTimestamp").is_some();
        // Graceful deletion: a pod on a node is marked and its node agent finishes the job.
        let grace = graceful_period(info, &current, opts);
        let namespace_terminating = info.group.is_empty() && info.plural == "namespaces";
        let spec_finalizers = namespace_terminating
            && current
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
        if fins.is_empty() && grace == 0 && !spec_finalizers {
            if opts.dry_run {
                return Ok(Deleted {
                    object: current,
                    gone: true,
                });
            }
            let started = Instant::now();
            let res = state.store.delete(&key, Some(kv.mod_revision)).await;
            state.metrics.observe_store("delete", started);
            if let Some(rv) = cas_outcome(res.map(|(rv, _)| rv), info, name)? {
                admission::release_deleted(state, info, &current);
                let mut obj = current;
                storage::set_resource_version(&mut obj, rv);
                return Ok(Deleted {
                    object: obj,
                    gone: true,
                });
            }
            continue;
        }
        // Mark for deletion: deletionTimestamp (now + grace), finalizers from the policy.
        let m = meta_mut(&mut new);
        if fins.is_empty() {
            m.remove("finalizers");
        } else {
            m.insert("finalizers".into(), json!(fins));
        }
        let shorten = already_deleting
            && grace
                < current
                    .pointer("/metadata/deletionGracePeriodSeconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::MAX);
        if !already_deleting || shorten {
            let at = Utc::now() + chrono::Duration::seconds(grace);
            m.insert(
                "deletionTimestamp".into(),
                json!(at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            );
            m.insert("deletionGracePeriodSeconds".into(), json!(grace));
        }
        if namespace_terminating {
            new["status"] = json!({"phase": "Terminating"});
        }
        if strip_rv(&new) == strip_rv(&current) {
            return Ok(Deleted {
                object: current,
                gone: false,
            });
        }
        if opts.dry_run {
            return Ok(Deleted {
                object: new,
                gone: false,
            });
        }
        let res = state
            .store
            .update(&key, storage::encode(info, &new), kv.mod_revision)
            .await;
        if let Some(rv) = cas_outcome(res, info, name)? {
            storage::set_resource_version(&mut new, rv);
            return Ok(Deleted {
                object: new,
                gone: false,
            });
        }
    }
    Err(ApiError::conflict_modified(&subject(info), name))
}

/// The grace period a delete gets: only pods that may still run on a node have one.
fn graceful_period(info: &ResourceInfo, obj: &Value, opts: &DeleteOptions) -> i64 {
    if !(info.group.is_empty() && info.plural == "pods") {
        return 0;
    }
    let bound = obj
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let finished = matches!(
        obj.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded") | Some("Failed")
    );
    if !bound || finished {
        return 0;
    }
    opts.grace_period_seconds
        .or_else(|| {
            obj.pointer("/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_i64)
        })
        .unwrap_or(30)
        .max(0)
}

/// A parsed list request.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub label: LabelSelector,
    pub field: Option<FieldSelector>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
}

impl ListQuery {
    pub fn from_params(info: &ResourceInfo, p: &crate::request::Params) -> Result<Self, ApiError> {
        Ok(ListQuery {
            label: parse_label_selector(p.label_selector.as_deref())?,
            field: parse_field_selector(info, p.field_selector.as_deref())?,
            limit: p.limit.filter(|l| *l > 0).map(|l| l as usize),
            continue_token: p.continue_token.clone(),
            resource_version: p.resource_version.clone(),
            resource_version_match: p.resource_version_match.clone(),
        })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.label
            .matches(obj.pointer("/metadata/labels").and_then(Value::as_object))
            && self.field.as_ref().is_none_or(|f| f.matches(obj))
    }
}

pub fn parse_label_selector(s: Option<&str>) -> Result<LabelSelector, ApiError> {
    LabelSelector::parse(s.unwrap_or("")).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// A field selector, `None` when the request has none.
pub fn parse_field_selector(
    info: &ResourceInfo,
    s: Option<&str>,
) -> Result<Option<FieldSelector>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => FieldSelector::parse(info, s)
            .map(Some)
            .map_err(|e| ApiError::bad_request(e.to_string())),
    }
}

/// The opaque continue token: where the next page starts and at which revision.
fn encode_continue(rv: i64, start_after: &str) -> String {
    use base64::Engine;
    let body = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start_after}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
}

fn decode_continue(token: &str, prefix: &str) -> Result<(i64, String), ApiError> {
    use base64::Engine;
    let bad = || {
        ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rv = v.get("rv").and_then(Value::as_i64).ok_or_else(bad)?;
    let start = v
        .get("start")
        .and_then(Value::as_str)
        .ok_or_else(bad)?
        .to_string();
    if !start.starts_with(prefix) || start.contains("/../") {
        return Err(bad());
    }
    Ok((rv, start))
}

/// The result of a list: matching objects, the list's resourceVersion, and paging state.
#[derive(Debug)]
pub struct Listed {
    pub items: Vec<Value>,
    pub resource_version: i64,
    pub continue_token: Option<String>,
    pub remaining: Option<i64>,
}

/// List with selectors, paging and resourceVersion semantics.
/// Where a list starts: the revision to read at (`None`: current) and the key to start after.
async fn list_start(
    state: &AppState,
    prefix: &str,
    q: &ListQuery,
) -> Result<(Option<i64>, Option<String>), ApiError> {
    if let Some(token) = &q.continue_token {
        let (rv, start) = decode_continue(token, prefix)?;
        return Ok((Some(rv), Some(start)));
    }
    let Some(rv) = q.resource_version.as_deref().filter(|rv| *rv != "0") else {
        return Ok((None, None));
    };
    let rv: i64 = rv
        .parse()
        .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))?;
    match q.resource_version_match.as_deref() {
        Some("Exact") => Ok((Some(rv), None)),
        None | Some("NotOlderThan") => {
            let current = state.store.current_revision().await?;
            if rv > current {
                return Err(ApiError::timeout(format!(
                    "Too large resource version: {rv}, current: {current}"
                )));
            }
            Ok((None, None))
        }
        Some(other) => Err(ApiError::bad_request(format!(
            "unsupported resourceVersionMatch {other:?}"
        ))),
    }
}

/// One page of a store read, mapping compaction of a continued list to 410.
async fn read_page(
    state: &AppState,
    prefix: &str,
    opts: ListOptions,
    continued: bool,
) -> Result<rkube_store::ListResult, ApiError> {
    let started = Instant::now();
    let res = state.store.list(prefix, opts).await;
    state.metrics.observe_store("list", started);
    match res {
        Ok(r) => Ok(r),
        Err(StoreError::Compacted { .. }) if continued => Err(ApiError::gone(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Store pages read by a streamed list.
const STREAM_PAGE: usize = 500;

/// An unlimited list as a stream of JSON chunks: the list head, then the items page by
/// page at one revision, then the tail. Memory stays at one page however large the list.
/// The first page is read before returning, so request errors still get a status code.
pub async fn list_stream(
    state: std::sync::Arc<AppState>,
    info: &ResourceInfo,
    ns: Option<&str>,
    q: ListQuery,
) -> Result<tokio::sync::mpsc::Receiver<bytes::Bytes>, ApiError> {
    let prefix = storage::collection_prefix(info, ns);
    let (revision, start_after) = list_start(&state, &prefix, &q).await?;
    let continued = q.continue_token.is_some();
    let first = read_page(
        &state,
        &prefix,
        ListOptions {
            revision,
            start_after,
            limit: Some(STREAM_PAGE),
        },
        continued,
    )
    .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(4);
    let head = format!(
        "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{{\"resourceVersion\":\"{}\"}},\"items\":[",
        info.kind,
        info.api_version(),
        first.revision
    );
    let info = info.clone();
    tokio::spawn(async move {
        let info = &info;
        if tx.send(bytes::Bytes::from(head)).await.is_err() {
            return;
        }
        let mut page = first;
        let mut wrote_any = false;
        loop {
            let mut chunk =
                Vec::with_capacity(page.items.iter().map(|kv| kv.value.len() + 32).sum());
            for kv in &page.items {
                let Ok(mut obj) = storage::decode(info, kv) else {
                    continue;
                };
                if !q.matches(&obj) {
                    continue;
                }
                if let Some(m) = obj.as_object_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                }
                if wrote_any {
                    chunk.push(b',');
                }
                wrote_any = true;
                serde_json::to_writer(&mut chunk, &obj).expect("JSON values serialise");
            }
            if !chunk.is_empty() && tx.send(bytes::Bytes::from(chunk)).await.is_err() {
                return;
            }
            let Some(last) = page.items.last().map(|kv| kv.key.clone()) else {
                break;
            };
            if page.remaining == 0 {
                break;
            }
            let opts = ListOptions {
                revision: Some(page.revision),
                start_after: Some(last),
                limit: Some(STREAM_PAGE),
            };
            page = match read_page(&state, &prefix, opts, true).await {
                Ok(p) => p,
                // The body is already under way: ending it early is all that is left to do.
                Err(e) => {
                    tracing::warn!(error = %e, "streamed list ended early");
                    return;
                }
            };
        }
        let _ = tx.send(bytes::Bytes::from_static(b"]}")).await;
    });
    Ok(rx)
}

/// List with selectors, paging and resourceVersion semantics.
pub async fn list(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    q: &ListQuery,
) -> Result<Listed, ApiError> {
    let prefix = storage::collection_prefix(info, ns);
    let (revision, mut start_after) = list_start(state, &prefix, q).await?;
    let filtering = !q.label.is_empty() || q.field.as_ref().is_some_and(|f| !f.is_empty());
    let mut items = Vec::new();
    let mut list_rev = revision;
    let page = q.limit.map(|l| if filtering { (l * 2).max(64) } else { l });
    loop {
        let opts = ListOptions {
            revision: list_rev,
            start_after: start_after.clone(),
            limit: page,
        };
        let res = read_page(state, &prefix, opts, q.continue_token.is_some()).await?;
        list_rev = Some(res.revision);
        let n = res.items.len();
        let last_key = res.items.last().map(|kv| kv.key.clone());
        for (idx, kv) in res.items.iter().enumerate() {
            // Namespaced resources listed across namespaces are under one prefix; a key
            // never crosses into another resource because every prefix ends with '/'.
            let obj = storage::decode(info, kv)?;
            if q.matches(&obj) {
                items.push(obj);
                if let Some(limit) = q.limit {
                    if items.len() == limit {
                        let left = res.remaining + (n - idx - 1);
                        let more = left > 0;
                        let token = more.then(|| encode_continue(res.revision, &kv.key));
                        // Only an unfiltered list knows how many items remain.
                        let remaining = (!filtering && more).then_some(left as i64);
                        return Ok(Listed {
                            items,
                            resource_version: res.revision,
                            continue_token: token,
                            remaining,
                        });
                    }
                }
            }
        }
        if res.remaining == 0 || n == 0 || page.is_none() {
            return Ok(Listed {
                items,
                resource_version: res.revision,
                continue_token: None,
                remaining: None,
            });
        }
        start_after = last_key;
    }
}

/// The `metadata` of a list response.
pub fn list_meta(listed: &Listed) -> Value {
    let mut m = json!({"resourceVersion": listed.resource_version.to_string()});
    if let Some(c) = &listed.continue_token {
        m["continue"] = json!(c);
    }
    if let Some(r) = listed.remaining {
        m["remainingItemCount"] = json!(r);
    }
    m
}

/// Items of a typed list carry no apiVersion/kind, as Kubernetes serves them.
pub fn list_object(info: &ResourceInfo, listed: Listed) -> Value {
    let meta = list_meta(&listed);
    let items: Vec<Value> = listed
        .items
        .into_iter()
        .map(|mut o| {
            if let Some(m) = o.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
            }
            o
        })
        .collect();
    json!({"kind": format!("{}List", info.kind), "apiVersion": info.api_version(), "metadata": meta, "items": items})
}

/// Deletes every object of a collection matching the query; returns the deleted objects.
pub async fn delete_collection(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    q: &ListQuery,
    opts: &DeleteOptions,
) -> Result<Vec<Value>, ApiError> {
    let mut q = q.clone();
    q.limit = None;
    q.continue_token = None;
    let listed = list(state, info, ns, &q).await?;
    let mut out = Vec::new();
    for obj in listed.items {
        let name = name_of(&obj).to_string();
        let ons = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        match delete(state, info, ons.as_deref().or(ns), &name, opts).await {
            Ok(d) => out.push(d.object),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// An error subject for something that is not a registered resource (`pods/binding`).
pub fn subject_named(group_resource: &str, group: &str) -> Subject {
    Subject {
        group_resource: group_resource.to_string(),
        group: group.to_string(),
        resource: group_resource.to_string(),
    }
}

/// Read-modify-write of server-owned fields (binding, namespace finalizers) that bypasses
/// the update strategy and validation, retrying on conflicts.
pub async fn raw_update(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    name: &str,
    mut transform: Transform<'_>,
) -> Result<Value, ApiError> {
    let key = storage::object_key(info, ns, name);
    for _attempt in 0..64 {
        let Some(kv) = state.store.get(&key).await? else {
            return Err(ApiError::not_found(&subject(info), name));
        };
        let current = storage::decode(info, &kv)?;
        let mut new = transform(&current)?;
        if strip_rv(&new) == strip_rv(&current) {
            return Ok(current);
        }
        let res = state
            .store
            .update(&key, storage::encode(info, &new), kv.mod_revision)
            .await;
        if let Some(rv) = cas_outcome(res, info, name)? {
            storage::set_resource_version(&mut new, rv);
            return Ok(new);
        }
    }
    Err(ApiError::conflict_modified(&subject(info), name))
}
