//! What kube-apiserver's per-kind strategies do to an object around a write, beyond
//! defaulting: a new object starts with its initial status and `generation` 1; an
//! update cannot touch status (that is the `status` subresource's job) and bumps
//! `generation` when the spec changes; a status update cannot touch the spec or the
//! object's labels, annotations, finalizers and owners. The server calls these
//! before validation (`prepare_for_create` after it has set `metadata.uid` and
//! `metadata.name`).

use crate::registry::ResourceInfo;
use serde_json::{json, Map, Value};

/// Kinds whose `metadata.generation` counts spec changes.
fn tracks_generation(info: &ResourceInfo) -> bool {
    matches!(
        (info.group, info.kind),
        ("", "Pod" | "ReplicationController" | "PodTemplate")
            | (
                "apps",
                "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
            )
            | ("batch", "Job" | "CronJob")
            | ("policy", "PodDisruptionBudget")
            | ("networking.k8s.io", "Ingress" | "NetworkPolicy")
            | ("discovery.k8s.io", "EndpointSlice")
    )
}

/// The part of an object whose change bumps `generation`.
fn generation_inputs(info: &ResourceInfo, obj: &Value) -> Value {
    match (info.group, info.kind) {
        ("", "PodTemplate") => obj.get("template").cloned().unwrap_or(Value::Null),
        ("discovery.k8s.io", "EndpointSlice") => json!([
            obj.get("endpoints").cloned().unwrap_or(Value::Null),
            obj.get("ports").cloned().unwrap_or(Value::Null),
            obj.get("addressType").cloned().unwrap_or(Value::Null),
        ]),
        // A rollback is requested through an annotation, so annotations count.
        ("apps", "Deployment") => json!([
            obj.get("spec").cloned().unwrap_or(Value::Null),
            obj.pointer("/metadata/annotations")
                .cloned()
                .unwrap_or(Value::Null),
        ]),
        _ => obj.get("spec").cloned().unwrap_or(Value::Null),
    }
}

/// The status a new object starts with, for kinds whose status only the
/// `status` subresource writes. `None`: the kind keeps what the client sent
/// (Nodes register with their status) or has no status.
fn initial_status(info: &ResourceInfo) -> Option<Value> {
    if !info.has_status || (info.group, info.kind) == ("", "Node") {
        return None;
    }
    Some(match (info.group, info.kind) {
        ("", "Namespace") => json!({"phase": "Active"}),
        ("", "PersistentVolume" | "PersistentVolumeClaim") => json!({"phase": "Pending"}),
        ("", "Service") => json!({"loadBalancer": {}}),
        _ => json!({}),
    })
}

fn meta_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let m = obj.as_object_mut()?;
    let meta = m.entry("metadata").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    meta.as_object_mut()
}

/// Create-time strategy: initial status, `generation` 1, no deletion fields, then
/// the create-time defaults that need the object's identity
/// ([`prepare_create`](super::prepare_create)).
pub fn prepare_for_create(info: &ResourceInfo, obj: &mut Value) {
    if let Some(status) = initial_status(info) {
        if let Some(m) = obj.as_object_mut() {
            m.insert("status".into(), status);
        }
    }
    let track = tracks_generation(info);
    if let Some(meta) = meta_mut(obj) {
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        if track {
            meta.insert("generation".into(), json!(1));
        } else {
            meta.remove("generation");
        }
    }
    if (info.group, info.kind) == ("", "Namespace") {
        // `kubernetes` is always among a new namespace's finalizers.
        let fins = obj
            .pointer_mut("/spec/finalizers")
            .and_then(Value::as_array_mut);
        match fins {
            Some(f) if f.iter().any(|x| x == "kubernetes") => {}
            Some(f) => f.push(json!("kubernetes")),
            None => {
                if let Some(m) = obj.as_object_mut() {
                    let spec = m.entry("spec").or_insert_with(|| json!({}));
                    if let Some(s) = spec.as_object_mut() {
                        s.insert("finalizers".into(), json!(["kubernetes"]));
                    }
                }
            }
        }
    }
    super::prepare_create(info, obj);
}

/// Copies `key` of `old`'s metadata into `new`'s, or removes it if `old` has none.
fn keep_meta(old: &Value, new: &mut Value, key: &str) {
    let value = old.get("metadata").and_then(|m| m.get(key)).cloned();
    if let Some(meta) = meta_mut(new) {
        match value {
            Some(v) => {
                meta.insert(key.to_string(), v);
            }
            None => {
                meta.remove(key);
            }
        }
    }
}

/// Update-time strategy (`PUT`/`PATCH` of the main resource): identity and deletion
/// fields carry over, status stays as stored for kinds with a status subresource,
/// and `generation` is the stored one, plus one if the spec changed.
pub fn prepare_for_update(info: &ResourceInfo, old: &Value, new: &mut Value) {
    for key in ["uid", "creationTimestamp"] {
        let absent = new
            .pointer(&format!("/metadata/{key}"))
            .is_none_or(Value::is_null);
        if absent {
            keep_meta(old, new, key);
        }
    }
    if old.pointer("/metadata/deletionTimestamp").is_some() {
        keep_meta(old, new, "deletionTimestamp");
    }
    if old
        .pointer("/metadata/deletionGracePeriodSeconds")
        .is_some()
        && new
            .pointer("/metadata/deletionGracePeriodSeconds")
            .is_none()
    {
        keep_meta(old, new, "deletionGracePeriodSeconds");
    }
    if info.has_status {
        if let Some(m) = new.as_object_mut() {
            match old.get("status") {
                Some(s) => {
                    m.insert("status".into(), s.clone());
                }
                None => {
                    m.remove("status");
                }
            }
        }
    }
    if (info.group, info.kind) == ("", "Namespace") {
        // Finalizers change only through `namespaces/finalize`.
        let fins = old.pointer("/spec/finalizers").cloned();
        if let Some(spec) = new
            .as_object_mut()
            .map(|m| m.entry("spec").or_insert_with(|| json!({})))
        {
            if let (Some(s), Some(f)) = (spec.as_object_mut(), fins) {
                s.insert("finalizers".into(), f);
            }
        }
    }
    let old_gen = old
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let changed =
        tracks_generation(info) && generation_inputs(info, old) != generation_inputs(info, new);
    let generation = if changed { old_gen + 1 } else { old_gen };
    if let Some(meta) = meta_mut(new) {
        if generation == 0 {
            meta.remove("generation");
        } else {
            meta.insert("generation".into(), json!(generation));
        }
    }
}

/// Status-update strategy (`PUT`/`PATCH` of `.../status`): everything but the status
/// comes from the stored object (Pods may still change their labels and
/// annotations, as kubelets do).
pub fn prepare_for_status_update(info: &ResourceInfo, old: &Value, new: &mut Value) {
    prepare_for_update_identity(old, new);
    if let Some(m) = new.as_object_mut() {
        match old.get("spec") {
            Some(v) => {
                m.insert("spec".to_string(), v.clone());
            }
            None => {
                m.remove("spec");
            }
        }
    }
    let keys: &[&str] = if (info.group, info.kind) == ("", "Pod") {
        &["ownerReferences", "deletionTimestamp", "generation"]
    } else {
        &[
            "labels",
            "annotations",
            "finalizers",
            "ownerReferences",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ]
    };
    for key in keys {
        keep_meta(old, new, key);
    }
}

fn prepare_for_update_identity(old: &Value, new: &mut Value) {
    for key in ["uid", "creationTimestamp"] {
        if new
            .pointer(&format!("/metadata/{key}"))
            .is_none_or(Value::is_null)
        {
            keep_meta(old, new, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;

    fn info(group: &str, version: &str, plural: &str) -> ResourceInfo {
        Registry::builtin()
            .lookup(group, version, plural)
            .unwrap()
            .clone()
    }

    #[test]
    fn create_resets_status_and_sets_generation() {
        let d = info("apps", "v1", "deployments");
        let mut obj = json!({"metadata": {"name": "d", "generation": 7, "deletionTimestamp": "x"},
            "spec": {}, "status": {"replicas": 3}});
        prepare_for_create(&d, &mut obj);
        assert_eq!(obj["status"], json!({}));
        assert_eq!(obj["metadata"]["generation"], 1);
        assert!(obj["metadata"].get("deletionTimestamp").is_none());
        let cm = info("", "v1", "configmaps");
        let mut c = json!({"metadata": {"name": "c", "generation": 3}});
        prepare_for_create(&cm, &mut c);
        assert!(c["metadata"].get("generation").is_none());
        let node = info("", "v1", "nodes");
        let mut n = json!({"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "2"}}});
        prepare_for_create(&node, &mut n);
        assert_eq!(n["status"]["capacity"]["cpu"], "2");
        let ns = info("", "v1", "namespaces");
        let mut o = json!({"metadata": {"name": "x"}, "spec": {"finalizers": ["example.com/f"]}});
        prepare_for_create(&ns, &mut o);
        assert_eq!(
            o["spec"]["finalizers"],
            json!(["example.com/f", "kubernetes"])
        );
        assert_eq!(o["status"]["phase"], "Active");
    }

    #[test]
    fn update_keeps_status_and_counts_spec_changes() {
        let d = info("apps", "v1", "deployments");
        let old = json!({"metadata": {"name": "d", "uid": "u", "generation": 2}, "spec": {"replicas": 1}, "status": {"replicas": 1}});
        let mut same = json!({"metadata": {"name": "d", "generation": 9}, "spec": {"replicas": 1}, "status": {"replicas": 5}});
        prepare_for_update(&d, &old, &mut same);
        assert_eq!(same["metadata"]["generation"], 2);
        assert_eq!(same["metadata"]["uid"], "u");
        assert_eq!(same["status"], json!({"replicas": 1}));
        let mut scaled = json!({"metadata": {"name": "d"}, "spec": {"replicas": 3}});
        prepare_for_update(&d, &old, &mut scaled);
        assert_eq!(scaled["metadata"]["generation"], 3);
        let mut annotated =
            json!({"metadata": {"name": "d", "annotations": {"a": "b"}}, "spec": {"replicas": 1}});
        prepare_for_update(&d, &old, &mut annotated);
        assert_eq!(annotated["metadata"]["generation"], 3);
    }

    #[test]
    fn status_update_keeps_spec_and_metadata() {
        let d = info("apps", "v1", "deployments");
        let old = json!({"metadata": {"name": "d", "labels": {"a": "1"}, "generation": 4}, "spec": {"replicas": 1}});
        let mut new = json!({"metadata": {"name": "d", "labels": {"a": "2"}}, "spec": {"replicas": 9}, "status": {"replicas": 1}});
        prepare_for_status_update(&d, &old, &mut new);
        assert_eq!(new["spec"], json!({"replicas": 1}));
        assert_eq!(new["metadata"]["labels"], json!({"a": "1"}));
        assert_eq!(new["metadata"]["generation"], 4);
        assert_eq!(new["status"], json!({"replicas": 1}));
        let p = info("", "v1", "pods");
        let old =
            json!({"metadata": {"name": "p", "labels": {"a": "1"}}, "spec": {"nodeName": "n"}});
        let mut new = json!({"metadata": {"name": "p", "labels": {"a": "2"}}, "spec": {}, "status": {"phase": "Running"}});
        prepare_for_status_update(&p, &old, &mut new);
        assert_eq!(new["metadata"]["labels"], json!({"a": "2"}));
        assert_eq!(new["spec"]["nodeName"], "n");
    }
}
