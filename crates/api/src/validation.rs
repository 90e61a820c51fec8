//! TEMPORARY minimal version on main; replaced by the api-core branch at merge.
use serde_json::Value;
use crate::ResourceInfo;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType { FieldValueRequired, FieldValueInvalid }
impl ErrorType { pub fn reason(&self) -> &'static str { match self { ErrorType::FieldValueRequired => "FieldValueRequired", ErrorType::FieldValueInvalid => "FieldValueInvalid" } } }
#[derive(Clone, Debug)]
pub struct FieldError { pub kind: ErrorType, pub field: String, pub bad_value: Option<Value>, pub detail: String, pub go_value: Option<String> }
impl std::fmt::Display for FieldError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{}: {}", self.field, self.detail) } }
impl FieldError {
    pub fn reason(&self) -> &'static str { self.kind.reason() }
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self { FieldError { kind: ErrorType::FieldValueRequired, field: field.into(), bad_value: None, detail: detail.into(), go_value: None } }
    pub fn invalid(field: impl Into<String>, value: impl Into<Value>, detail: impl Into<String>) -> Self { FieldError { kind: ErrorType::FieldValueInvalid, field: field.into(), bad_value: Some(value.into()), detail: detail.into(), go_value: None } }
    pub fn body(&self) -> String { self.detail.clone() }
}
pub fn invalid_message(kind: &str, name: &str, errs: &[FieldError]) -> String {
    let parts: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    if parts.len() == 1 { format!("{kind} \"{name}\" is invalid: {}", parts[0]) } else { format!("{kind} \"{name}\" is invalid: [{}]", parts.join(", ")) }
}
pub fn validate_create(_info: &ResourceInfo, obj: &Value) -> Vec<FieldError> {
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() { return vec![FieldError::required("metadata.name", "Required value: name or generateName is required")]; }
    vec![]
}
pub fn validate_update(_info: &ResourceInfo, _old: &Value, _new: &Value) -> Vec<FieldError> { vec![] }
pub fn validate_status_update(_info: &ResourceInfo, _old: &Value, _new: &Value) -> Vec<FieldError> { vec![] }
