//! TEMPORARY minimal version on main; replaced by the api-core branch at merge.
use serde_json::Value;
use crate::ResourceInfo;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType { Json, Merge, StrategicMerge, Apply }
impl PatchType {
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        match ct.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::StrategicMerge),
            "application/apply-patch+yaml" => Some(PatchType::Apply),
            _ => None,
        }
    }
}
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PatchError(pub String);
pub fn apply_json_patch(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let p: json_patch::Patch = serde_json::from_value(patch.clone()).map_err(|e| PatchError(e.to_string()))?;
    let mut t = target.clone();
    json_patch::patch(&mut t, &p).map_err(|e| PatchError(e.to_string()))?;
    Ok(t)
}
pub fn apply_merge_patch(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let mut t = target.clone(); json_patch::merge(&mut t, patch); Ok(t)
}
pub fn apply_strategic_merge_patch(_info: &ResourceInfo, target: &Value, patch: &Value) -> Result<Value, PatchError> { apply_merge_patch(target, patch) }
pub mod managed {
    use super::*;
    use chrono::{DateTime, Utc};
    #[derive(Debug, Clone)]
    pub struct ApplyConflict { pub field: String, pub message: String }
    #[derive(Debug, thiserror::Error)]
    pub enum ApplyError { #[error("conflicts")] Conflicts(Vec<ApplyConflict>), #[error("{0}")] Invalid(String) }
    pub fn apply(_info: &ResourceInfo, live: Option<&Value>, applied: &Value, _manager: &str, _force: bool, _now: DateTime<Utc>) -> Result<Value, ApplyError> {
        let mut t = live.cloned().unwrap_or(Value::Object(Default::default())); json_patch::merge(&mut t, applied); Ok(t)
    }
    pub fn record_update(_info: &ResourceInfo, _old: Option<&Value>, _new: &mut Value, _manager: &str, _subresource: Option<&str>, _now: DateTime<Utc>) {}
}
