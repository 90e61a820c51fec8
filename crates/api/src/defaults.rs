//! TEMPORARY minimal version on main; replaced by the api-core branch at merge.
use serde_json::Value;
use crate::ResourceInfo;
pub fn apply_defaults(_info: &ResourceInfo, _obj: &mut Value) {}
