//! Subresources with behaviour of their own (`scale`, `pods/binding`, `pods/eviction`,
//! `namespaces/finalize`) and the virtual resources that are answered but never stored
//! (`bindings`, access reviews, self-subject reviews).

use axum::response::Response;
use http::{Method, StatusCode};
use rkube_api::patch::PatchType;
use rkube_api::selectors::LabelSelector;
use rkube_api::ResourceInfo;
use serde_json::{json, Map, Value};

use crate::error::{ApiError, Cause};
use crate::ops::{self, meta_mut, DeleteOptions, Transform};
use crate::rest::{self, json_response, Call};
use crate::AppState;

fn is(info: &ResourceInfo, group: &str, plural: &str) -> bool {
    info.group == group && info.plural == plural
}

/// Answers requests to resources that only exist as verbs. `None`: not such a resource.
pub async fn virtual_create(call: &mut Call) -> Result<Option<Response>, ApiError> {
    let info = call.info().clone();
    let virtual_kind = is(&info, "authorization.k8s.io", "selfsubjectaccessreviews")
        || is(&info, "authentication.k8s.io", "selfsubjectreviews")
        || is(&info, "", "bindings");
    if !virtual_kind {
        return Ok(None);
    }
    if call.method != Method::POST || call.path.name.is_some() {
        return Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    let (mut body, _) = rest::parse_body(call).await?;
    ops::check_type(&info, &mut body)?;
    let user = call.user.clone().unwrap_or(crate::auth::UserInfo {
        username: "system:anonymous".into(),
        groups: vec![],
    });
    let resp = match info.plural {
        "selfsubjectaccessreviews" => {
            // Every authenticated user is an administrator until RBAC is enforced.
            let mut out = body.clone();
            out["metadata"] = json!({"creationTimestamp": null});
            out["status"] = json!({"allowed": true});
            json_response(StatusCode::CREATED, &out, &[])
        }
        "selfsubjectreviews" => {
            let out = json!({
                "kind": "SelfSubjectReview",
                "apiVersion": info.api_version(),
                "metadata": {"creationTimestamp": null},
                "status": {"userInfo": {"username": user.username, "groups": user.groups}},
            });
            json_response(StatusCode::CREATED, &out, &[])
        }
        _ => {
            let name = body
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let ns = call.ns().map(str::to_string);
            bind(&call.state, ns.as_deref(), &name, &body).await?
        }
    };
    Ok(Some(resp))
}

/// Subresources other than status.
pub async fn handle(mut call: Call, name: &str, sub: &str) -> Result<Response, ApiError> {
    let info = call.info().clone();
    match (sub, &call.method) {
        ("scale", &Method::GET) => {
            let obj = ops::get_required(&call.state, &info, call.ns(), name).await?;
            Ok(json_response(StatusCode::OK, &scale_of(&info, &obj), &[]))
        }
        ("scale", &Method::PUT) | ("scale", &Method::PATCH) => scale_write(&mut call, name).await,
        ("binding", &Method::POST) => {
            let (body, _) = rest::parse_body(&mut call).await?;
            bind(&call.state, call.ns(), name, &body).await
        }
        ("eviction", &Method::POST) => evict(&mut call, name).await,
        ("finalize", &Method::PUT) if is(&info, "", "namespaces") => {
            finalize_namespace(&mut call, name).await
        }
        ("log" | "exec" | "attach" | "portforward" | "proxy", _) => {
            let obj = ops::get_required(&call.state, &info, call.ns(), name).await?;
            let node = obj
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .unwrap_or("");
            if is(&info, "", "pods") && node.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "pod {name} does not have a host assigned"
                )));
            }
            Err(ApiError::new(
                503,
                "ServiceUnavailable",
                format!(
                    "no node agent connection is available for {sub} on {}",
                    info.plural
                ),
            ))
        }
        _ => Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        )),
    }
}

/// `Scale.status.selector`: the object's selector as Kubernetes prints a label selector
/// (`a=b,c in (d,e)`, sorted by key). A ReplicationController's selector is a plain map.
fn scale_selector(info: &ResourceInfo, sel: &Value) -> String {
    let selector = if is(info, "", "replicationcontrollers") {
        Ok(LabelSelector::from_set(
            &sel.as_object().cloned().unwrap_or_default(),
        ))
    } else {
        LabelSelector::from_api(sel)
    };
    selector.map(|s| s.to_string()).unwrap_or_default()
}

/// The `autoscaling/v1` Scale of a scalable object.
fn scale_of(info: &ResourceInfo, obj: &Value) -> Value {
    let meta = obj.get("metadata").cloned().unwrap_or(json!({}));
    let mut m = Map::new();
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    let selector = obj
        .pointer("/spec/selector")
        .map(|sel| scale_selector(info, sel))
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": m,
        "spec": {"replicas": obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)},
        "status": {
            "replicas": obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0),
            "selector": selector,
        },
    })
}

async fn scale_write(call: &mut Call, name: &str) -> Result<Response, ApiError> {
    let info = call.info().clone();
    let opts = call.write_options()?;
    let (kind, body) = if call.method == Method::PATCH {
        let (pt, body) = rest::patch_body(call).await?;
        (Some(pt), body)
    } else {
        let (body, _) = rest::parse_body(call).await?;
        (None, body)
    };
    let state = call.state.clone();
    let info2 = info.clone();
    let transform: Transform<'_> = Box::new(move |current: &Value| {
        let scale = scale_of(&info2, current);
        let desired = match kind {
            None => body.clone(),
            Some(PatchType::Apply) => {
                return Err(ApiError::unsupported_media_type(
                    "application/apply-patch+yaml",
                ));
            }
            Some(pt) => ops::apply_patch(&info2, &scale, pt, &body)?,
        };
        let replicas = desired
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if replicas < 0 {
            return Err(ApiError::new(
                422,
                "Invalid",
                format!("Scale.autoscaling \"{}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0", ops::name_of(current)),
            ));
        }
        let mut new = current.clone();
        new["spec"]["replicas"] = json!(replicas);
        // A Scale PUT may pin the object's resourceVersion.
        match desired
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
        {
            Some(rv) if !rv.is_empty() && kind.is_none() => {
                meta_mut(&mut new).insert("resourceVersion".into(), json!(rv));
            }
            _ => {
                meta_mut(&mut new).remove("resourceVersion");
            }
        }
        Ok(new)
    });
    let updated = ops::update_with(&state, &info, call.ns(), name, None, &opts, transform).await?;
    Ok(json_response(
        StatusCode::OK,
        &scale_of(&info, &updated),
        &[],
    ))
}

/// Assigns a pod to a node (`pods/binding`, or the `bindings` resource).
async fn bind(
    state: &AppState,
    ns: Option<&str>,
    name: &str,
    binding: &Value,
) -> Result<Response, ApiError> {
    let pods = state
        .registry
        .lookup("", "v1", "pods")
        .expect("pods are always registered")
        .clone();
    let node = binding
        .pointer("/target/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if node.is_empty() {
        return Err(ApiError::new(
            422,
            "Invalid",
            format!("Binding \"{name}\" is invalid: target.name: Required value"),
        ));
    }
    let annotations = binding.pointer("/metadata/annotations").cloned();
    let name_owned = name.to_string();
    let transform: Transform<'_> = Box::new(move |pod: &Value| {
        if pod.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(ApiError::conflict(
                &ops::subject_named("pods/binding", ""),
                &name_owned,
                &format!("pod {name_owned} is being deleted, cannot be assigned to a host"),
            ));
        }
        if let Some(existing) = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        {
            return Err(ApiError::conflict(
                &ops::subject_named("pods/binding", ""),
                &name_owned,
                &format!("pod {name_owned} is already assigned to node \"{existing}\""),
            ));
        }
        let mut new = pod.clone();
        new["spec"]["nodeName"] = json!(node);
        if let Some(Value::Object(a)) = &annotations {
            let m = meta_mut(&mut new);
            let entry = m.entry("annotations").or_insert_with(|| json!({}));
            for (k, v) in a {
                entry[k] = v.clone();
            }
        }
        set_condition(&mut new, "PodScheduled", "True", None);
        Ok(new)
    });
    ops::raw_update(state, &pods, ns, name, transform).await?;
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201});
    Ok(json_response(StatusCode::CREATED, &status, &[]))
}

/// Sets or replaces one status condition.
pub fn set_condition(obj: &mut Value, kind: &str, status: &str, reason: Option<&str>) {
    if !obj.get("status").is_some_and(Value::is_object) {
        obj["status"] = json!({});
    }
    let conds = obj["status"]
        .as_object_mut()
        .expect("status is an object")
        .entry("conditions")
        .or_insert_with(|| json!([]));
    let Some(list) = conds.as_array_mut() else {
        return;
    };
    let now = ops::now_rfc3339();
    let mut cond =
        json!({"type": kind, "status": status, "lastProbeTime": null, "lastTransitionTime": now});
    if let Some(r) = reason {
        cond["reason"] = json!(r);
    }
    match list
        .iter_mut()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
    {
        Some(existing) => {
            if existing.get("status").and_then(Value::as_str) != Some(status) {
                *existing = cond;
            }
        }
        None => list.push(cond),
    }
}

/// `pods/eviction`: delete a pod unless a PodDisruptionBudget forbids it.
async fn evict(call: &mut Call, name: &str) -> Result<Response, ApiError> {
    let (body, _) = rest::parse_body(call).await?;
    let info = call.info().clone();
    let pod = ops::get_required(&call.state, &info, call.ns(), name).await?;
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("");
    let terminal = matches!(phase, "Succeeded" | "Failed");
    if !terminal && pod.pointer("/metadata/deletionTimestamp").is_none() {
        if let Some(pdb_info) = call
            .state
            .registry
            .lookup("policy", "v1", "poddisruptionbudgets")
            .cloned()
        {
            let listed = ops::list(
                &call.state,
                &pdb_info,
                call.ns(),
                &ops::ListQuery::default(),
            )
            .await?;
            let labels = pod.pointer("/metadata/labels").and_then(Value::as_object);
            for pdb in &listed.items {
                let Some(sel) = pdb.pointer("/spec/selector") else {
                    continue;
                };
                let Ok(sel) = LabelSelector::from_api(sel) else {
                    continue;
                };
                if sel.is_empty() || !sel.matches(labels) {
                    continue;
                }
                let allowed = pdb
                    .pointer("/status/disruptionsAllowed")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                if allowed < 1 {
                    let pdb_name = ops::name_of(pdb);
                    let healthy = pdb
                        .pointer("/status/currentHealthy")
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    let desired = pdb
                        .pointer("/status/desiredHealthy")
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    let mut e = ApiError::new(
                        429,
                        "TooManyRequests",
                        "Cannot evict pod as it would violate the pod's disruption budget.",
                    );
                    e.details.causes = vec![Cause {
                        reason: "DisruptionBudget".into(),
                        message: format!(
                            "The disruption budget {pdb_name} needs {desired} healthy pods and has {healthy} currently"
                        ),
                        field: String::new(),
                    }];
                    return Err(e);
                }
            }
        }
    }
    let opts = DeleteOptions::from_parts(&call.params, body.get("deleteOptions"))?;
    ops::delete(&call.state, &info, call.ns(), name, &opts).await?;
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201});
    Ok(json_response(StatusCode::CREATED, &status, &[]))
}

/// `namespaces/finalize`: sets `spec.finalizers`; a terminating namespace with none left is
/// removed.
async fn finalize_namespace(call: &mut Call, name: &str) -> Result<Response, ApiError> {
    let (body, _) = rest::parse_body(call).await?;
    let info = call.info().clone();
    let fins = body
        .pointer("/spec/finalizers")
        .cloned()
        .unwrap_or(json!([]));
    let transform: Transform<'_> = Box::new(move |ns: &Value| {
        let mut new = ns.clone();
        new["spec"]["finalizers"] = fins.clone();
        meta_mut(&mut new).remove("resourceVersion");
        Ok(new)
    });
    let updated = ops::raw_update(&call.state, &info, None, name, transform).await?;
    let done = updated.pointer("/metadata/deletionTimestamp").is_some()
        && updated
            .pointer("/spec/finalizers")
            .and_then(Value::as_array)
            .is_none_or(|a| a.is_empty())
        && ops::finalizers(&updated).is_empty();
    if done {
        let deleted = ops::delete(&call.state, &info, None, name, &DeleteOptions::default()).await;
        match deleted {
            Ok(_) | Err(ApiError { code: 404, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(json_response(StatusCode::OK, &updated, &[]))
}
