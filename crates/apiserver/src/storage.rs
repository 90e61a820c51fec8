//! How objects sit in the store: one key per object under `/registry/...`, the JSON of the
//! object without its resourceVersion (the store's mod_revision is the resourceVersion,
//! set again on every read).

use bytes::Bytes;
use rkube_api::decode::convert;
use rkube_api::ResourceInfo;
use rkube_store::KeyValue;
use serde_json::Value;

use crate::error::ApiError;

/// `/registry/{resource}.{group}/` (`/registry/{resource}/` for the core group), the prefix
/// of every key of one resource. A resource served in several versions or groups (Events,
/// HorizontalPodAutoscalers) is stored once, under one prefix, in its storage version.
pub fn resource_prefix(info: &ResourceInfo) -> String {
    format!("/registry/{}/", info.storage_resource())
}

/// The prefix of a collection: all objects, or one namespace's.
pub fn collection_prefix(info: &ResourceInfo, namespace: Option<&str>) -> String {
    match (info.namespaced, namespace) {
        (true, Some(ns)) => format!("{}{}/", resource_prefix(info), ns),
        _ => resource_prefix(info),
    }
}

pub fn object_key(info: &ResourceInfo, namespace: Option<&str>, name: &str) -> String {
    match (info.namespaced, namespace) {
        (true, Some(ns)) => format!("{}{}/{}", resource_prefix(info), ns, name),
        _ => format!("{}{}", resource_prefix(info), name),
    }
}

/// Serialises an object for the store in the resource's storage version, leaving out its
/// resourceVersion.
pub fn encode(info: &ResourceInfo, obj: &Value) -> Bytes {
    let mut obj = obj.clone();
    let storage_version = info.storage_api_version();
    if storage_version != info.api_version() {
        match convert::convert(obj.clone(), &storage_version) {
            Ok(converted) => obj = converted,
            Err(e) => tracing::error!(error = %e, kind = info.kind, "converting to the storage version failed; storing as served"),
        }
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    Bytes::from(serde_json::to_vec(&obj).expect("a JSON value always serialises"))
}

/// Reads an object back in the version the client asked for and stamps its resourceVersion.
pub fn decode(info: &ResourceInfo, kv: &KeyValue) -> Result<Value, ApiError> {
    let mut obj: Value = serde_json::from_slice(&kv.value).map_err(|e| ApiError::internal("decoding stored object", &e))?;
    let wanted = info.api_version();
    if obj.get("apiVersion").and_then(Value::as_str).is_some_and(|av| av != wanted) {
        obj = convert::convert(obj, &wanted).map_err(|e| ApiError::internal("converting a stored object", &e))?;
    }
    set_resource_version(&mut obj, kv.mod_revision);
    Ok(obj)
}

pub fn set_resource_version(obj: &mut Value, rv: i64) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}

/// The object's resourceVersion as a revision, if it has a valid one.
pub fn resource_version(obj: &Value) -> Result<Option<i64>, ApiError> {
    match obj.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_without_rv() {
        let info = rkube_api::Registry::builtin().lookup("", "v1", "configmaps").unwrap().clone();
        let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "5"}});
        let b = encode(&info, &obj);
        assert!(!String::from_utf8_lossy(&b).contains("resourceVersion"));
        let kv = KeyValue { key: "k".into(), value: b, create_revision: 3, mod_revision: 9 };
        assert_eq!(decode(&info, &kv).unwrap()["metadata"]["resourceVersion"], "9");
    }

    #[test]
    fn events_are_stored_once_and_served_in_either_version() {
        let reg = rkube_api::Registry::builtin();
        let core = reg.lookup("", "v1", "events").unwrap().clone();
        let new = reg.lookup("events.k8s.io", "v1", "events").unwrap().clone();
        assert_eq!(resource_prefix(&core), resource_prefix(&new));
        let ev = serde_json::json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "default"}, "note": "hello", "reason": "Started",
            "regarding": {"kind": "Pod", "name": "p"}, "eventTime": "2026-01-01T00:00:00.000000Z",
            "reportingController": "rkube", "reportingInstance": "n", "action": "Start", "type": "Normal"});
        let kv = KeyValue { key: "k".into(), value: encode(&new, &ev), create_revision: 2, mod_revision: 2 };
        let as_core = decode(&core, &kv).unwrap();
        assert_eq!(as_core["apiVersion"], "v1");
        assert_eq!(as_core["message"], "hello");
        assert_eq!(as_core["involvedObject"]["name"], "p");
        assert_eq!(decode(&new, &kv).unwrap()["note"], "hello");
    }
}
