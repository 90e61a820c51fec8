//! TEMPORARY minimal version on main; replaced by the api-table branch at merge.
use serde_json::{json, Value};
use chrono::{DateTime, Utc};
use crate::ResourceInfo;
pub fn column_definitions(_info: &ResourceInfo) -> Vec<Value> {
    vec![json!({"name":"Name","type":"string","format":"name","description":"","priority":0}), json!({"name":"Age","type":"string","format":"","description":"","priority":0})]
}
pub fn row_cells(_info: &ResourceInfo, obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let name = obj.pointer("/metadata/name").cloned().unwrap_or(json!(""));
    let age = obj.pointer("/metadata/creationTimestamp").and_then(Value::as_str).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| human_duration(now - t.with_timezone(&Utc))).unwrap_or_else(|| "<unknown>".into());
    vec![name, json!(age)]
}
pub fn human_duration(d: chrono::Duration) -> String { format!("{}s", d.num_seconds()) }
