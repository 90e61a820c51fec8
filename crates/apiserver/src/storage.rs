//! How objects sit in the store: one key per object under `/registry/...`, the JSON of the
//! object without its resourceVersion (the store's mod_revision is the resourceVersion,
//! set again on every read).

use bytes::Bytes;
use rkube_api::ResourceInfo;
use rkube_store::KeyValue;
use serde_json::Value;

use crate::error::ApiError;

/// `/registry/{group}/{resource}/` (`core` for the core group), the prefix of every key
/// of one resource. Kinds served under several versions share one prefix.
pub fn resource_prefix(info: &ResourceInfo) -> String {
    let group = if info.group.is_empty() { "core" } else { info.group };
    format!("/registry/{}/{}/", group, storage_resource(info))
}

/// The resource name objects are stored under. autoscaling/v1 and v2 HPAs are one
/// resource (their schemas differ; v2 is stored, v1 reads of v2 objects are future work),
/// so they are kept apart by version for now.
fn storage_resource(info: &ResourceInfo) -> String {
    if info.group == "autoscaling" {
        format!("{}.{}", info.plural, info.version)
    } else {
        info.plural.to_string()
    }
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

/// Serialises an object for the store, leaving out its resourceVersion.
pub fn encode(obj: &Value) -> Bytes {
    let mut obj = obj.clone();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    Bytes::from(serde_json::to_vec(&obj).expect("a JSON value always serialises"))
}

/// Reads an object back and stamps its resourceVersion.
pub fn decode(kv: &KeyValue) -> Result<Value, ApiError> {
    let mut obj: Value = serde_json::from_slice(&kv.value).map_err(|e| ApiError::internal("decoding stored object", &e))?;
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
        let obj = serde_json::json!({"metadata": {"name": "a", "resourceVersion": "5"}});
        let b = encode(&obj);
        assert!(!String::from_utf8_lossy(&b).contains("resourceVersion"));
        let kv = KeyValue { key: "k".into(), value: b, create_revision: 3, mod_revision: 9 };
        assert_eq!(decode(&kv).unwrap()["metadata"]["resourceVersion"], "9");
    }
}
