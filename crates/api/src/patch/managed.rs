//! Field ownership: `metadata.managedFields` and server-side apply
//! (`application/apply-patch+yaml`), with the semantics of Kubernetes'
//! structured-merge-diff.
//!
//! Every write records which manager set which fields. [`apply`] merges an applied
//! configuration into the live object, removes fields the same manager applied before
//! and now omits (unless someone else also owns them), and refuses to change a field
//! another manager owns unless forced. [`record_update`] records ordinary
//! create/update/patch writes (operation `Update`), taking changed fields away from
//! other managers.
//!
//! As in Kubernetes, `kubectl` applying server-side to an object that client-side
//! `kubectl apply` manages may take the fields its last-applied annotation still
//! describes, and keeps that annotation up to date.
//!
//! Beyond ten `Update` entries the oldest are folded into `ancient-changes`.
//!
//! Not modelled: the `before-first-apply` manager Kubernetes invents for objects that
//! predate field tracking (every object rkube stores went through [`record_update`]).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::fields::{key_json, DisplayPath, FieldPath, FieldSet, PathElement};
use super::schema::{is_free_form_map, list_kind, map_is_atomic, ListKind};
use crate::registry::ResourceInfo;

/// One field another manager owns with a different value than the one applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyConflict {
    /// The manager as Kubernetes prints it: `"kubectl"` for an applier,
    /// `"kubectl-client-side-apply" using apps/v1` for an updater.
    pub manager: String,
    /// The field, e.g. `.spec.replicas` (the `field` of the Status cause).
    pub field: String,
    /// `conflict with "kubectl-client-side-apply" using apps/v1` (the `message` of the
    /// Status cause, whose type is `FieldManagerConflict`).
    pub message: String,
}

/// Why an apply was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApplyError {
    /// Other managers own fields the apply would change (HTTP 409 Conflict). Retrying
    /// with `force=true` takes the fields over.
    #[error("{}", conflict_message(.0))]
    Conflicts(Vec<ApplyConflict>),
    /// The applied configuration is unusable (HTTP 400 BadRequest).
    #[error("{0}")]
    BadRequest(String),
    /// The applied configuration does not fit the type, e.g. a list element without
    /// its keys (Kubernetes answers HTTP 500 InternalError with this text).
    #[error("{0}")]
    Malformed(String),
}

impl ApplyError {
    /// HTTP status code Kubernetes answers with.
    pub fn code(&self) -> u16 {
        match self {
            ApplyError::Conflicts(_) => 409,
            ApplyError::BadRequest(_) => 400,
            ApplyError::Malformed(_) => 500,
        }
    }

    /// The `Status.reason` Kubernetes answers with.
    pub fn reason(&self) -> &'static str {
        match self {
            ApplyError::Conflicts(_) => "Conflict",
            ApplyError::BadRequest(_) => "BadRequest",
            ApplyError::Malformed(_) => "InternalError",
        }
    }
}

fn conflict_message(conflicts: &[ApplyConflict]) -> String {
    if let [one] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            one.manager, one.field
        );
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
    managers.sort();
    managers.dedup();
    let mut lines = Vec::new();
    for m in managers {
        lines.push(format!("conflicts with {m}:"));
        for c in conflicts.iter().filter(|c| c.manager == m) {
            lines.push(format!("- {}", c.field));
        }
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// Server-side apply of `applied` (already parsed from YAML) by `manager`. With
/// `live: None` the result is the object to create. Returns the new object with
/// `metadata.managedFields` updated; the server defaults, validates and stores it.
pub fn apply(
    info: &ResourceInfo,
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Value, ApplyError> {
    apply_to(&Resource::of(info), live, applied, manager, force, now)
}

/// What field tracking needs to know about a resource; built from a
/// [`ResourceInfo`], or by hand for resources the registry does not list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
    /// Status is written through the `status` subresource only, so writes to the main
    /// resource do not own it.
    pub has_status: bool,
}

impl<'a> Resource<'a> {
    pub fn of(info: &'a ResourceInfo) -> Self {
        Resource {
            group: info.group,
            version: info.version,
            kind: info.kind,
            has_status: info.has_status,
        }
    }

    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// [`apply`] for a [`Resource`].
pub fn apply_to(
    info: &Resource<'_>,
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Value, ApplyError> {
    let Value::Object(applied_map) = applied else {
        return Err(ApplyError::BadRequest(
            "error decoding YAML: the applied configuration is not an object".to_string(),
        ));
    };
    let patch_version = applied_map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if patch_version != info.api_version() {
        return Err(ApplyError::BadRequest(format!(
            "Incorrect version specified in apply patch. Specified patch version: {patch_version}, expected: {}",
            info.api_version()
        )));
    }
    if let Some(kind) = applied_map.get("kind").and_then(Value::as_str) {
        if kind != info.kind {
            return Err(ApplyError::BadRequest(format!(
                "the kind of the applied object ({kind}) does not match the resource's kind ({})",
                info.kind
            )));
        }
    }
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|m| !m.is_null())
    {
        return Err(ApplyError::BadRequest(
            "metadata.managedFields must be nil".to_string(),
        ));
    }

    let walker = Walker { kind: info.kind };
    let live_obj = live.cloned().unwrap_or_else(|| skeleton(info));
    let mut entries = decode_entries(&live_obj);
    let api_version = info.api_version();

    let mut applied_set = FieldSet::new();
    walker
        .to_set(applied, &mut Vec::new(), &mut Vec::new(), &mut applied_set)
        .map_err(|e| {
            let meta = |k: &str| {
                applied
                    .pointer(&format!("/metadata/{k}"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let gvk = if info.group.is_empty() {
                format!("/{}, Kind={}", info.version, info.kind)
            } else {
                format!("{}/{}, Kind={}", info.group, info.version, info.kind)
            };
            ApplyError::Malformed(format!(
                "failed to create typed patch object ({}/{}; {gvk}): {e}",
                meta("namespace"),
                meta("name")
            ))
        })?;
    let applied_set = without_ignored(&applied_set, info, None);

    let mut merged = walker.merge(Some(&live_obj), applied, &mut Vec::new());
    // The merged object carries the live ownership until it is rewritten below.
    set_managed_fields_raw(
        &mut merged,
        live_obj.pointer("/metadata/managedFields").cloned(),
    );

    let me = entries.iter().position(|e| e.is(manager, "Apply", "", ""));
    let last_set = me.map(|i| entries[i].set.clone());
    let previous_entry = me.map(|i| entries[i].clone());
    let me = match me {
        Some(i) => {
            entries[i].set = applied_set.clone();
            entries[i].api_version = api_version.clone();
            i
        }
        None => {
            entries.push(Entry {
                manager: manager.to_string(),
                operation: "Apply".to_string(),
                api_version: api_version.clone(),
                subresource: String::new(),
                time: None,
                set: applied_set.clone(),
            });
            entries.len() - 1
        }
    };

    if let Some(last) = last_set {
        let owned = entries
            .iter()
            .fold(FieldSet::new(), |acc, e| acc.union(&e.set));
        // What the manager applied last time and nobody owns now goes, and so does every
        // struct field on the way to it that nobody owns anything under: a probe whose
        // handler is no longer applied is removed whole, defaulted fields included.
        let mut gone: Vec<FieldPath> = walker
            .with_named_ancestors(&last)
            .0
            .into_iter()
            .filter(|p| !owned.has_at_or_below(p))
            .filter(|p| (p.len() > 1 && !is_ignored(p, info, None)) || is_plain_top(p))
            .collect();
        gone.sort_by_key(Vec::len);
        let mut removed: Vec<FieldPath> = Vec::new();
        for path in gone {
            if removed.iter().any(|r| path.starts_with(r)) {
                continue;
            }
            walker.remove(&mut merged, &path, &mut Vec::new());
            removed.push(path);
        }
    }

    let cmp = Comparison::of(&walker, &live_obj, &merged, info, None);
    let changed = cmp.modified.union(&cmp.added);
    let mut conflicts: Vec<(&FieldPath, ApplyConflict)> = Vec::new();
    let mut clashes = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if i != me {
            clashes.push((e.display(), e.set.intersection(&changed)));
        }
    }
    for (who, clash) in &clashes {
        let mut paths: Vec<&FieldPath> = clash.0.iter().collect();
        paths.sort_by(|a, b| set_order(a, b));
        for path in paths {
            conflicts.push((
                path,
                ApplyConflict {
                    field: DisplayPath(path).to_string(),
                    message: format!("conflict with {who}"),
                    manager: who.clone(),
                },
            ));
        }
    }
    if !conflicts.is_empty() && !force {
        // kubectl moving from client-side to server-side apply: fields its
        // last-applied annotation still describes truthfully are its own to take.
        let allowed = if manager == KUBECTL {
            fields_from_last_applied(&walker, info, &live_obj)
        } else {
            None
        };
        let remaining: Vec<ApplyConflict> = conflicts
            .into_iter()
            .filter(|(p, _)| !allowed.as_ref().is_some_and(|a| a.contains(p)))
            .map(|(_, c)| c)
            .collect();
        if !remaining.is_empty() {
            return Err(ApplyError::Conflicts(remaining));
        }
    }
    for (i, e) in entries.iter_mut().enumerate() {
        if i != me {
            e.set = e.set.difference(&changed).difference(&cmp.removed);
        }
    }

    let object_changed = !same_ignoring_managed_fields(&live_obj, &merged);
    let entry_changed = previous_entry
        .as_ref()
        .is_none_or(|p| p.set != entries[me].set || p.api_version != entries[me].api_version);
    if object_changed || entry_changed || entries[me].time.is_none() {
        entries[me].time = Some(now.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    entries.retain(|e| !e.set.is_empty());
    cap_update_entries(&mut entries);
    write_entries(&mut merged, entries);
    if manager == KUBECTL && last_applied(&live_obj).is_some() {
        set_last_applied(&mut merged, build_last_applied(applied));
    }
    Ok(merged)
}

/// The field manager of `kubectl apply --server-side`.
const KUBECTL: &str = "kubectl";
/// The annotation client-side `kubectl apply` keeps its last configuration in.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn last_applied(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn set_last_applied(obj: &mut Value, value: String) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(a) = annotations.as_object_mut() {
        a.insert(LAST_APPLIED.to_string(), Value::String(value));
    }
}

/// The applied configuration as client-side apply would have recorded it: Go's JSON of
/// the object without the annotation itself (keys sorted, HTML characters escaped,
/// a final newline), so a later client-side apply diffs against what was applied.
fn build_last_applied(applied: &Value) -> String {
    let mut obj = applied.clone();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if let Some(Value::Object(a)) = meta.get_mut("annotations") {
            a.shift_remove(LAST_APPLIED);
            if a.is_empty() {
                meta.shift_remove("annotations");
            }
        }
    }
    let json = sorted_keys(&obj).to_string();
    let mut out = String::with_capacity(json.len() + 1);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted_keys(&m[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// The fields of the live object's last-applied annotation whose live values still
/// match it, or `None` without a usable annotation.
fn fields_from_last_applied(
    walker: &Walker<'_>,
    info: &Resource<'_>,
    live: &Value,
) -> Option<FieldSet> {
    let recorded: Value = serde_json::from_str(last_applied(live)?).ok()?;
    if recorded.get("apiVersion").and_then(Value::as_str) != Some(info.api_version().as_str()) {
        return None;
    }
    let mut set = FieldSet::new();
    walker
        .to_set(&recorded, &mut Vec::new(), &mut Vec::new(), &mut set)
        .ok()?;
    let mut cmp = Comparison {
        added: FieldSet::new(),
        modified: FieldSet::new(),
        removed: FieldSet::new(),
    };
    walker.compare(
        Some(&recorded),
        Some(live),
        &mut Vec::new(),
        &mut Vec::new(),
        &mut cmp,
    );
    Some(
        set.difference(&cmp.modified)
            .difference(&cmp.added)
            .difference(&cmp.removed),
    )
}

/// Records a non-apply write (create, update, patch) by `manager` in
/// `metadata.managedFields` of `new` (operation `Update`). `old` is the stored object,
/// `None` for a create. Fields this write changes are taken from other managers; a write
/// that changes nothing leaves managedFields as they were. If `new` carries non-empty
/// managedFields that differ from `old`'s, the client is replacing the ownership record
/// and those are used (`[{}]` clears it), as in Kubernetes; if among them the manager's
/// own Apply entry is new or changed, `new` is the result of [`apply`] and is left as
/// apply recorded it, so the server may pass every write through this function.
pub fn record_update(
    info: &ResourceInfo,
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: DateTime<Utc>,
) {
    record_update_to(&Resource::of(info), old, new, manager, subresource, now)
}

/// [`record_update`] for a [`Resource`].
pub fn record_update_to(
    info: &Resource<'_>,
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: DateTime<Utc>,
) {
    if !new.is_object() {
        return;
    }
    let old_obj = old.cloned().unwrap_or_else(|| skeleton(info));
    let sent = new.pointer("/metadata/managedFields").cloned();
    let stored = old_obj.pointer("/metadata/managedFields").cloned();
    let stored_entries = decode_entries(&old_obj);
    let sub = subresource.unwrap_or("");
    let mut entries = match &sent {
        Some(Value::Array(items)) if !items.is_empty() && sent != stored => {
            let sent_entries = decode_entries_from(items);
            // The write is the server-side apply that produced these entries (the
            // manager's Apply entry is new or changed): apply has recorded ownership
            // already, and what defaulting added after it belongs to nobody.
            let own_apply = |list: &[Entry]| {
                list.iter()
                    .find(|e| e.is(manager, "Apply", "", ""))
                    .cloned()
            };
            let applied_now = own_apply(&sent_entries);
            if sub.is_empty() && applied_now.is_some() && applied_now != own_apply(&stored_entries)
            {
                let mut kept = sent_entries;
                kept.retain(|e| !e.set.is_empty());
                write_entries(new, kept);
                return;
            }
            sent_entries
        }
        _ => stored_entries,
    };
    let walker = Walker { kind: info.kind };
    let cmp = Comparison::of(&walker, &old_obj, new, info, subresource);
    let mut changed = cmp.modified.union(&cmp.added);
    // Kubernetes would move these into an Update entry of the same name; keeping them
    // with the manager's Apply entry is what the manager means, and it lets the server
    // record every write, applies included, through this one function.
    let own_apply = entries
        .iter()
        .position(|e| sub.is_empty() && e.is(manager, "Apply", "", ""));
    if let Some(i) = own_apply {
        changed = changed.difference(&entries[i].set);
    }
    for e in entries.iter_mut() {
        e.set = e.set.difference(&changed).difference(&cmp.removed);
    }
    if !changed.is_empty() {
        let api_version = info.api_version();
        match entries
            .iter_mut()
            .find(|e| e.is(manager, "Update", &api_version, sub))
        {
            Some(e) => {
                e.set = e.set.union(&changed);
                e.time = Some(now.to_rfc3339_opts(SecondsFormat::Secs, true));
            }
            None => entries.push(Entry {
                manager: manager.to_string(),
                operation: "Update".to_string(),
                api_version,
                subresource: sub.to_string(),
                time: Some(now.to_rfc3339_opts(SecondsFormat::Secs, true)),
                set: changed,
            }),
        }
    }
    entries.retain(|e| !e.set.is_empty());
    cap_update_entries(&mut entries);
    write_entries(new, entries);
}

/// The zero value of the kind as Kubernetes' Go types serialise it: the structs that
/// are not pointers exist, empty. Field ownership of a create compares against it, so a
/// created object owns `f:spec` only through its leaves, but owns new maps such as
/// `f:labels` (`.`) themselves.
fn skeleton(info: &Resource<'_>) -> Value {
    let template = || serde_json::json!({"metadata": {}, "spec": {"containers": null}});
    let mut obj = Map::new();
    obj.insert("metadata".into(), Value::Object(Map::new()));
    let empty = || Value::Object(Map::new());
    let (spec, status): (Option<Value>, Option<Value>) = match info.kind {
        "Pod" => (Some(serde_json::json!({"containers": null})), Some(empty())),
        "ReplicationController"
        | "Namespace"
        | "PersistentVolume"
        | "ResourceQuota"
        | "PodDisruptionBudget"
        | "CertificateSigningRequest" => (Some(empty()), Some(empty())),
        "Deployment" => (
            Some(serde_json::json!({"template": template(), "strategy": {}})),
            Some(empty()),
        ),
        "StatefulSet" | "DaemonSet" => (
            Some(serde_json::json!({"template": template(), "updateStrategy": {}})),
            Some(empty()),
        ),
        "ReplicaSet" | "Job" => (
            Some(serde_json::json!({"template": template()})),
            Some(empty()),
        ),
        "CronJob" => (
            Some(
                serde_json::json!({"jobTemplate": {"metadata": {}, "spec": {"template": template()}}}),
            ),
            Some(empty()),
        ),
        "Service" | "Ingress" => (Some(empty()), Some(serde_json::json!({"loadBalancer": {}}))),
        "Node" => (
            Some(empty()),
            Some(serde_json::json!({"daemonEndpoints": {"kubeletEndpoint": {}}, "nodeInfo": {}})),
        ),
        "PersistentVolumeClaim" => (Some(serde_json::json!({"resources": {}})), Some(empty())),
        "HorizontalPodAutoscaler" => (
            Some(serde_json::json!({"scaleTargetRef": {}})),
            Some(empty()),
        ),
        "NetworkPolicy" => (Some(serde_json::json!({"podSelector": {}})), None),
        "LimitRange" | "Lease" | "PodTemplate" => (None, None),
        _ => (None, None),
    };
    if let Some(spec) = spec {
        obj.insert("spec".into(), spec);
    }
    if let Some(status) = status {
        obj.insert("status".into(), status);
    }
    match info.kind {
        "PodTemplate" => {
            obj.insert("template".into(), template());
        }
        "LimitRange" | "Lease" => {
            obj.insert("spec".into(), empty());
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            obj.insert("roleRef".into(), empty());
        }
        "Event" => {
            obj.insert("involvedObject".into(), empty());
            obj.insert("source".into(), empty());
        }
        _ => {}
    }
    Value::Object(obj)
}

fn same_ignoring_managed_fields(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("managedFields");
        }
        v
    };
    strip(a) == strip(b)
}

/// Fields Kubernetes never tracks (identity and bookkeeping of the object), and the
/// fields a write through the other endpoint owns: `status` for the main resource of a
/// kind with a status subresource, everything but `status` for the status subresource.
fn is_ignored(path: &[PathElement], info: &Resource<'_>, subresource: Option<&str>) -> bool {
    let field = |i: usize| match path.get(i) {
        Some(PathElement::Field(f)) => Some(f.as_str()),
        _ => None,
    };
    match (field(0), path.len()) {
        (Some("apiVersion" | "kind"), _) => return true,
        (Some("metadata"), 1) => return true,
        (Some("metadata"), _) => {
            if matches!(
                field(1),
                Some(
                    "name"
                        | "namespace"
                        | "creationTimestamp"
                        | "selfLink"
                        | "uid"
                        | "clusterName"
                        | "generation"
                        | "managedFields"
                        | "resourceVersion"
                )
            ) {
                return true;
            }
        }
        _ => {}
    }
    match subresource {
        Some("status") => field(0) != Some("status"),
        None => info.has_status && field(0) == Some("status"),
        Some(_) => false,
    }
}

fn without_ignored(set: &FieldSet, info: &Resource<'_>, subresource: Option<&str>) -> FieldSet {
    FieldSet(
        set.0
            .iter()
            .filter(|p| !is_ignored(p, info, subresource))
            .cloned()
            .collect(),
    )
}

/// The difference between two versions of an object, as field sets.
struct Comparison {
    added: FieldSet,
    modified: FieldSet,
    removed: FieldSet,
}

impl Comparison {
    fn of(
        walker: &Walker<'_>,
        old: &Value,
        new: &Value,
        info: &Resource<'_>,
        subresource: Option<&str>,
    ) -> Comparison {
        let mut cmp = Comparison {
            added: FieldSet::new(),
            modified: FieldSet::new(),
            removed: FieldSet::new(),
        };
        walker.compare(
            Some(old),
            Some(new),
            &mut Vec::new(),
            &mut Vec::new(),
            &mut cmp,
        );
        cmp.added = without_ignored(&cmp.added, info, subresource);
        cmp.modified = without_ignored(&cmp.modified, info, subresource);
        cmp.removed = without_ignored(&cmp.removed, info, subresource);
        cmp
    }
}

/// One `managedFields` entry.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    subresource: String,
    time: Option<String>,
    set: FieldSet,
}

impl Entry {
    /// Kubernetes identifies an appliers by name and subresource, an updater also by
    /// apiVersion.
    fn is(&self, manager: &str, operation: &str, api_version: &str, subresource: &str) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource == subresource
            && (operation == "Apply" || self.api_version == api_version)
    }

    /// The manager as conflict messages print it.
    fn display(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if !self.subresource.is_empty() {
            s = format!("{s} with subresource {:?}", self.subresource);
        }
        if self.operation == "Update" {
            s = format!("{s} using {}", self.api_version);
        }
        s
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), Value::String(self.manager.clone()));
        m.insert("operation".into(), Value::String(self.operation.clone()));
        m.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        if let Some(t) = &self.time {
            m.insert("time".into(), Value::String(t.clone()));
        }
        m.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        m.insert("fieldsV1".into(), self.set.to_fields_v1());
        if !self.subresource.is_empty() {
            m.insert(
                "subresource".into(),
                Value::String(self.subresource.clone()),
            );
        }
        Value::Object(m)
    }
}

fn decode_entries(obj: &Value) -> Vec<Entry> {
    match obj.pointer("/metadata/managedFields") {
        Some(Value::Array(items)) => decode_entries_from(items),
        _ => Vec::new(),
    }
}

/// Entries Kubernetes could not use (no manager, other fields types, broken sets) are
/// dropped, as Kubernetes resets ownership it cannot decode.
fn decode_entries_from(items: &[Value]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for item in items {
        let s = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        if s("fieldsType") != "FieldsV1" {
            continue;
        }
        let Ok(set) = FieldSet::from_fields_v1(item.get("fieldsV1").unwrap_or(&Value::Null)) else {
            continue;
        };
        let entry = Entry {
            manager: s("manager"),
            operation: s("operation"),
            api_version: s("apiVersion"),
            subresource: s("subresource"),
            time: item.get("time").and_then(Value::as_str).map(str::to_string),
            set,
        };
        if !matches!(entry.operation.as_str(), "Apply" | "Update") {
            continue;
        }
        match out.iter_mut().find(|e| {
            e.is(
                &entry.manager,
                &entry.operation,
                &entry.api_version,
                &entry.subresource,
            )
        }) {
            Some(e) => e.set = e.set.union(&entry.set),
            None => out.push(entry),
        }
    }
    out
}

/// Kubernetes keeps at most this many `Update` entries.
const MAX_UPDATE_ENTRIES: usize = 10;
/// The entry older updates are folded into beyond that.
const ANCIENT_CHANGES: &str = "ancient-changes";

/// Folds the oldest `Update` entries into one `ancient-changes` entry per apiVersion
/// until at most [`MAX_UPDATE_ENTRIES`] remain, as Kubernetes does.
fn cap_update_entries(entries: &mut Vec<Entry>) {
    let mut updaters: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].operation == "Update")
        .collect();
    if updaters.len() <= MAX_UPDATE_ENTRIES {
        return;
    }
    let seconds = |e: &Entry| {
        e.time
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp())
            .unwrap_or(0)
    };
    updaters.sort_by(|&a, &b| {
        let (ea, eb) = (&entries[a], &entries[b]);
        (seconds(ea), &ea.manager, &ea.api_version, &ea.subresource).cmp(&(
            seconds(eb),
            &eb.manager,
            &eb.api_version,
            &eb.subresource,
        ))
    });
    let mut remaining = updaters.len();
    // Per apiVersion, the oldest entry seen: it becomes the bucket when a second one of
    // that version has to go.
    let mut first_of_version: Vec<(String, usize)> = Vec::new();
    let mut gone: Vec<usize> = Vec::new();
    for &i in &updaters {
        if remaining <= MAX_UPDATE_ENTRIES {
            break;
        }
        let version = entries[i].api_version.clone();
        let Some(&(_, first)) = first_of_version.iter().find(|(v, _)| *v == version) else {
            first_of_version.push((version, i));
            continue;
        };
        let bucket = match entries
            .iter()
            .position(|e| e.is(ANCIENT_CHANGES, "Update", &version, ""))
        {
            Some(b) => b,
            None => {
                entries[first].manager = ANCIENT_CHANGES.to_string();
                entries[first].subresource = String::new();
                first
            }
        };
        entries[bucket].set = entries[bucket].set.union(&entries[i].set);
        entries[bucket].time = entries[i].time.clone();
        gone.push(i);
        remaining -= 1;
    }
    let mut index = 0;
    entries.retain(|_| {
        let keep = !gone.contains(&index);
        index += 1;
        keep
    });
}

/// Writes entries in Kubernetes' order: by operation, time, manager, apiVersion,
/// subresource.
fn write_entries(obj: &mut Value, mut entries: Vec<Entry>) {
    entries.sort_by(|a, b| {
        (
            &a.operation,
            &a.time,
            &a.manager,
            &a.api_version,
            &a.subresource,
        )
            .cmp(&(
                &b.operation,
                &b.time,
                &b.manager,
                &b.api_version,
                &b.subresource,
            ))
    });
    let value = if entries.is_empty() {
        None
    } else {
        Some(Value::Array(entries.iter().map(Entry::to_value).collect()))
    };
    set_managed_fields_raw(obj, value);
}

fn set_managed_fields_raw(obj: &mut Value, value: Option<Value>) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    match value {
        Some(v) => {
            meta.insert("managedFields".into(), v);
        }
        None => {
            meta.remove("managedFields");
        }
    }
}

/// Walks values with the schema facts of one kind.
struct Walker<'a> {
    kind: &'a str,
}

impl Walker<'_> {
    fn list_kind(&self, names: &[String]) -> ListKind {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        list_kind(self.kind, &refs)
    }

    fn map_atomic(&self, names: &[String]) -> bool {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        map_is_atomic(self.kind, &refs)
    }

    /// The path element of an associative-list item, or `None` when a key is missing
    /// and has no default.
    fn item_key(&self, item: &Value, keys: &[super::schema::MapKey]) -> Option<PathElement> {
        let map = item.as_object()?;
        let mut fields = Vec::with_capacity(keys.len());
        for k in keys {
            // A key field neither set nor defaulted is left out of the key.
            match (map.get(k.name), k.default) {
                (Some(v), _) => fields.push((k.name.to_string(), v.clone())),
                (None, Some(d)) => fields.push((k.name.to_string(), Value::String(d.to_string()))),
                (None, None) => {}
            }
        }
        if fields.is_empty() {
            return None;
        }
        Some(PathElement::Key(key_json(fields)))
    }

    /// `set` plus every ancestor of its members that is a named field of a struct (not
    /// a key of a free-form map, not a list element), as structured-merge-diff's
    /// `EnsureNamedFieldsAreMembers` does.
    fn with_named_ancestors(&self, set: &FieldSet) -> FieldSet {
        let mut out = set.clone();
        for path in &set.0 {
            let mut names: Vec<String> = Vec::new();
            for (i, pe) in path.iter().enumerate() {
                if let PathElement::Field(f) = pe {
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    if !is_free_form_map(self.kind, &refs) {
                        out.insert(path[..=i].to_vec());
                    }
                    names.push(f.clone());
                }
            }
        }
        out
    }

    /// The fields an applied configuration sets: its leaves, atomic lists and maps, set
    /// members and associative-list items.
    fn to_set(
        &self,
        v: &Value,
        names: &mut Vec<String>,
        path: &mut FieldPath,
        out: &mut FieldSet,
    ) -> Result<(), ApplyError> {
        match v {
            Value::Object(m) if !self.map_atomic(names) => {
                for (k, child) in m {
                    names.push(k.clone());
                    path.push(PathElement::Field(k.clone()));
                    if child.as_object().is_some_and(Map::is_empty) {
                        out.insert(path.clone());
                    }
                    let r = self.to_set(child, names, path, out);
                    path.pop();
                    names.pop();
                    r?;
                }
            }
            Value::Array(items) => match self.list_kind(names) {
                ListKind::Atomic => out.insert(path.clone()),
                ListKind::Set => {
                    for item in items {
                        let mut p = path.clone();
                        p.push(PathElement::Value(item.to_string()));
                        out.insert(p);
                    }
                }
                ListKind::Map { keys, .. } => {
                    let mut seen = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let Some(pe) = self.item_key(item, keys) else {
                            let names: Vec<String> =
                                keys.iter().map(|k| format!("{:?}", k.name)).collect();
                            let why = if item.is_object() {
                                format!(
                                    "associative list with keys has an element that omits all key fields [{}] (and doesn't have default values for any key fields)",
                                    names.join(" ")
                                )
                            } else if item.is_null() {
                                "associative list with keys may not have a null element".to_string()
                            } else {
                                "associative list with keys may not have non-map elements"
                                    .to_string()
                            };
                            return Err(ApplyError::Malformed(format!(
                                "{}: element {i}: {why}",
                                DisplayPath(path)
                            )));
                        };
                        if seen.contains(&pe) {
                            return Err(ApplyError::Malformed(format!(
                                "{}: duplicate entries for key {}",
                                DisplayPath(path),
                                DisplayPath(std::slice::from_ref(&pe))
                            )));
                        }
                        seen.push(pe.clone());
                        path.push(pe);
                        out.insert(path.clone());
                        let r = self.to_set(item, names, path, out);
                        path.pop();
                        r?;
                    }
                }
            },
            _ => out.insert(path.clone()),
        }
        Ok(())
    }

    /// Merges an applied configuration into the live object: maps merge, associative
    /// lists merge by key, sets are unions, everything else is replaced. `null` in the
    /// configuration removes the field.
    fn merge(&self, live: Option<&Value>, applied: &Value, names: &mut Vec<String>) -> Value {
        match applied {
            Value::Object(am) if !self.map_atomic(names) => {
                let mut out = match live {
                    Some(Value::Object(lm)) => lm.clone(),
                    _ => Map::new(),
                };
                for (k, av) in am {
                    if av.is_null() {
                        out.shift_remove(k);
                        continue;
                    }
                    names.push(k.clone());
                    let merged = self.merge(out.get(k), av, names);
                    names.pop();
                    out.insert(k.clone(), merged);
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let Some(Value::Array(live_items)) = live else {
                    return self.merge_fresh_list(items, names);
                };
                let element = |i: usize, v: &Value| -> Option<PathElement> {
                    match self.list_kind(names) {
                        ListKind::Atomic => None,
                        ListKind::Set => Some(PathElement::Value(v.to_string())),
                        ListKind::Map { keys, .. } => {
                            Some(self.item_key(v, keys).unwrap_or(PathElement::Index(i)))
                        }
                    }
                };
                let lhs: Option<Vec<PathElement>> = live_items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| element(i, v))
                    .collect();
                let rhs: Option<Vec<PathElement>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| element(i, v))
                    .collect();
                let (Some(lhs), Some(rhs)) = (lhs, rhs) else {
                    return applied.clone();
                };
                let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
                for (l, r) in merged_list_order(&lhs, &rhs) {
                    out.push(match (l, r) {
                        (l, Some(r)) => self.merge(l.map(|l| &live_items[l]), &items[r], names),
                        (Some(l), None) => live_items[l].clone(),
                        (None, None) => continue,
                    });
                }
                Value::Array(out)
            }
            other => other.clone(),
        }
    }

    fn merge_fresh_list(&self, items: &[Value], names: &mut Vec<String>) -> Value {
        Value::Array(items.iter().map(|i| self.merge(None, i, names)).collect())
    }

    /// Removes the node at `path` from `obj`.
    fn remove(&self, obj: &mut Value, path: &[PathElement], names: &mut Vec<String>) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        match (first, obj) {
            (PathElement::Field(f), Value::Object(m)) => {
                if rest.is_empty() {
                    m.shift_remove(f);
                } else if let Some(child) = m.get_mut(f) {
                    names.push(f.clone());
                    self.remove(child, rest, names);
                    names.pop();
                }
            }
            (PathElement::Key(_), Value::Array(items)) => {
                let ListKind::Map { keys, .. } = self.list_kind(names) else {
                    return;
                };
                let Some(i) = items
                    .iter()
                    .position(|it| self.item_key(it, keys).as_ref() == Some(first))
                else {
                    return;
                };
                if rest.is_empty() {
                    items.remove(i);
                } else {
                    self.remove(&mut items[i], rest, names);
                }
            }
            (PathElement::Value(json), Value::Array(items)) if rest.is_empty() => {
                let member: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                items.retain(|it| *it != member);
            }
            (PathElement::Index(i), Value::Array(items)) => {
                if rest.is_empty() {
                    if *i < items.len() {
                        items.remove(*i);
                    }
                } else if let Some(child) = items.get_mut(*i) {
                    self.remove(child, rest, names);
                }
            }
            _ => {}
        }
    }

    /// Records what changed from `lhs` to `rhs` below `path`.
    fn compare(
        &self,
        lhs: Option<&Value>,
        rhs: Option<&Value>,
        names: &mut Vec<String>,
        path: &mut FieldPath,
        cmp: &mut Comparison,
    ) {
        match (lhs, rhs) {
            (None, None) => {}
            (Some(Value::Object(l)), Some(Value::Object(r))) if !self.map_atomic(names) => {
                self.compare_maps(Some(l), Some(r), names, path, cmp);
            }
            // A null map or list (a Go field without omitempty) exists: filling it in
            // adds its contents, not the node itself.
            (Some(Value::Null), Some(Value::Object(r)))
                if !self.map_atomic(names) && !r.is_empty() =>
            {
                self.compare_maps(None, Some(r), names, path, cmp);
            }
            (Some(Value::Object(l)), Some(Value::Null))
                if !self.map_atomic(names) && !l.is_empty() =>
            {
                self.compare_maps(Some(l), None, names, path, cmp);
            }
            (Some(Value::Null), Some(Value::Array(r)))
                if self.list_kind(names) != ListKind::Atomic && !r.is_empty() =>
            {
                self.compare_lists(&[], r, names, path, cmp);
            }
            (Some(Value::Array(l)), Some(Value::Null))
                if self.list_kind(names) != ListKind::Atomic && !l.is_empty() =>
            {
                self.compare_lists(l, &[], names, path, cmp);
            }
            (None, Some(Value::Object(r))) if !self.map_atomic(names) => {
                if !path.is_empty() {
                    cmp.added.insert(path.clone());
                }
                self.compare_maps(None, Some(r), names, path, cmp);
            }
            (Some(Value::Object(l)), None) if !self.map_atomic(names) => {
                if !path.is_empty() {
                    cmp.removed.insert(path.clone());
                }
                self.compare_maps(Some(l), None, names, path, cmp);
            }
            (l, r) if self.is_granular_list(l, r, names) => {
                let empty = Vec::new();
                let li = l.and_then(Value::as_array).unwrap_or(&empty);
                let ri = r.and_then(Value::as_array).unwrap_or(&empty);
                if l.is_none() {
                    cmp.added.insert(path.clone());
                }
                if r.is_none() {
                    cmp.removed.insert(path.clone());
                }
                self.compare_lists(li, ri, names, path, cmp);
            }
            (None, Some(_)) => cmp.added.insert(path.clone()),
            (Some(_), None) => cmp.removed.insert(path.clone()),
            (Some(l), Some(r)) => {
                if l != r {
                    cmp.modified.insert(path.clone());
                }
            }
        }
    }

    fn is_granular_list(&self, l: Option<&Value>, r: Option<&Value>, names: &[String]) -> bool {
        let ok = |v: Option<&Value>| v.is_none_or(Value::is_array);
        ok(l) && ok(r) && (l.is_some() || r.is_some()) && self.list_kind(names) != ListKind::Atomic
    }

    fn compare_maps(
        &self,
        l: Option<&Map<String, Value>>,
        r: Option<&Map<String, Value>>,
        names: &mut Vec<String>,
        path: &mut FieldPath,
        cmp: &mut Comparison,
    ) {
        let mut keys: Vec<&String> = l.map(|m| m.keys().collect()).unwrap_or_default();
        if let Some(r) = r {
            for k in r.keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        for k in keys {
            names.push(k.clone());
            path.push(PathElement::Field(k.clone()));
            self.compare(
                l.and_then(|m| m.get(k)),
                r.and_then(|m| m.get(k)),
                names,
                path,
                cmp,
            );
            path.pop();
            names.pop();
        }
    }

    fn compare_lists(
        &self,
        l: &[Value],
        r: &[Value],
        names: &mut Vec<String>,
        path: &mut FieldPath,
        cmp: &mut Comparison,
    ) {
        let element = |i: usize, item: &Value| -> PathElement {
            match self.list_kind(names) {
                ListKind::Set => PathElement::Value(item.to_string()),
                ListKind::Map { keys, .. } => {
                    self.item_key(item, keys).unwrap_or(PathElement::Index(i))
                }
                ListKind::Atomic => PathElement::Index(i),
            }
        };
        let le: Vec<(PathElement, &Value)> = l
            .iter()
            .enumerate()
            .map(|(i, v)| (element(i, v), v))
            .collect();
        let re: Vec<(PathElement, &Value)> = r
            .iter()
            .enumerate()
            .map(|(i, v)| (element(i, v), v))
            .collect();
        let is_set = self.list_kind(names) == ListKind::Set;
        for (pe, lv) in &le {
            let rv = re.iter().find(|(p, _)| p == pe).map(|(_, v)| *v);
            path.push(pe.clone());
            if is_set {
                if rv.is_none() {
                    cmp.removed.insert(path.clone());
                }
            } else {
                match rv {
                    Some(rv) => self.compare_item(Some(lv), Some(rv), names, path, cmp),
                    None => {
                        cmp.removed.insert(path.clone());
                        self.compare_item(Some(lv), None, names, path, cmp);
                    }
                }
            }
            path.pop();
        }
        for (pe, rv) in &re {
            if le.iter().any(|(p, _)| p == pe) {
                continue;
            }
            path.push(pe.clone());
            cmp.added.insert(path.clone());
            if !is_set {
                self.compare_item(None, Some(rv), names, path, cmp);
            }
            path.pop();
        }
    }

    /// Compares the fields of two associative-list items (the item path itself is
    /// handled by the caller).
    fn compare_item(
        &self,
        l: Option<&Value>,
        r: Option<&Value>,
        names: &mut Vec<String>,
        path: &mut FieldPath,
        cmp: &mut Comparison,
    ) {
        match (l, r) {
            (l @ (Some(Value::Object(_)) | None), r @ (Some(Value::Object(_)) | None)) => {
                self.compare_maps(
                    l.and_then(Value::as_object),
                    r.and_then(Value::as_object),
                    names,
                    path,
                    cmp,
                );
            }
            (Some(l), Some(r)) if l != r => cmp.modified.insert(path.clone()),
            _ => {}
        }
    }
}

/// The order structured-merge-diff walks a set in: at each level the members first,
/// then the deeper paths, each group by element.
fn set_order(a: &[PathElement], b: &[PathElement]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match (a.len() == i, b.len() == i) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => {
            let (a_member, b_member) = (a.len() == i + 1, b.len() == i + 1);
            match (a_member, b_member) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => a[i].cmp(&b[i]),
            }
        }
    }
}

/// A top-level field an applier may stop applying (`spec`, `data`, ...), as opposed to
/// the object's identity (`apiVersion`, `kind`, `metadata`).
fn is_plain_top(path: &[PathElement]) -> bool {
    matches!(path, [PathElement::Field(f)] if !matches!(f.as_str(), "apiVersion" | "kind" | "metadata" | "status"))
}

/// The order of a merged associative list or set, as structured-merge-diff produces
/// it: pairs of (live index, applied index). Applied items come in applied order; items
/// only in the live list stay where they were relative to them.
fn merged_list_order(
    lhs: &[PathElement],
    rhs: &[PathElement],
) -> Vec<(Option<usize>, Option<usize>)> {
    let in_rhs = |pe: &PathElement| rhs.iter().position(|r| r == pe);
    let in_lhs = |pe: &PathElement| lhs.iter().position(|l| l == pe);
    let mut shared = rhs.iter().filter(|pe| in_lhs(pe).is_some());
    let mut next_shared = shared.next();
    let mut merged_rhs: Vec<&PathElement> = Vec::new();
    let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
    let (mut li, mut ri) = (0, 0);
    while li < lhs.len() || ri < rhs.len() {
        if li < lhs.len() && ri < rhs.len() {
            let pe = &lhs[li];
            if *pe == rhs[ri] {
                merged_rhs.push(pe);
                out.push((Some(li), Some(ri)));
                li += 1;
                ri += 1;
                next_shared = shared.next();
                continue;
            }
            if in_rhs(pe).is_some() && next_shared.is_some_and(|n| n != pe) {
                // Shared, but not the one wanted in this round.
                li += 1;
                continue;
            }
        }
        if li < lhs.len() {
            let pe = &lhs[li];
            if in_rhs(pe).is_none() {
                out.push((Some(li), None));
                li += 1;
                continue;
            } else if merged_rhs.contains(&pe) {
                li += 1;
            }
        }
        if ri < rhs.len() {
            let pe = &rhs[ri];
            merged_rhs.push(pe);
            out.push((in_lhs(pe), Some(ri)));
            ri += 1;
            if next_shared == Some(pe) {
                next_shared = shared.next();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
