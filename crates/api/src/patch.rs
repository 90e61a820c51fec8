//! The four patch types of the Kubernetes API: JSON patch (RFC 6902), JSON merge patch
//! (RFC 7386), strategic merge patch for the built-in types ([`strategic`]) and
//! server-side apply with field ownership in `metadata.managedFields` ([`managed`]).
//!
//! Errors carry the HTTP status Kubernetes answers with ([`PatchError::code`]); their
//! texts are Kubernetes' own, because clients show them to users.

pub mod fields;
pub mod managed;
pub(crate) mod schema;
pub mod strategic;

use serde_json::Value;

use crate::registry::ResourceInfo;

/// The patch types, chosen by the request's `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`
    Json,
    /// `application/merge-patch+json`
    Merge,
    /// `application/strategic-merge-patch+json`
    StrategicMerge,
    /// `application/apply-patch+yaml` (server-side apply)
    Apply,
}

impl PatchType {
    /// The patch type of a `Content-Type` header value (parameters such as `charset` are
    /// ignored). CBOR variants and anything else give `None`; the server then answers
    /// 415 with [`PatchType::unsupported_message`].
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        let media = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::StrategicMerge),
            "application/apply-patch+yaml" => Some(PatchType::Apply),
            _ => None,
        }
    }

    /// The media type of this patch type.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }

    /// Kubernetes' 415 message for a patch with an unsupported media type. Custom
    /// resources do not accept strategic merge patches (`strategic: false`).
    pub fn unsupported_message(strategic: bool) -> String {
        let mut accepted = vec![
            "application/json-patch+json",
            "application/merge-patch+json",
        ];
        if strategic {
            accepted.push("application/strategic-merge-patch+json");
        }
        accepted.push("application/apply-patch+yaml");
        format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted.join(", ")
        )
    }
}

/// Why a patch could not be applied. None of these is helped by retrying: the patch or
/// the object must change.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PatchError {
    /// The patch document itself is malformed (HTTP 400 BadRequest).
    #[error("{0}")]
    BadRequest(String),
    /// The patch is well formed but does not apply to this object (HTTP 422). Kubernetes
    /// answers with a generic message and puts `detail` in a cause of type
    /// `UnexpectedServerResponse`.
    #[error("the server rejected our request due to an error in our request")]
    Unprocessable { detail: String },
    /// The patch could not be merged for a reason Kubernetes reports as an internal
    /// error (HTTP 500), e.g. an element missing its merge key.
    #[error("{0}")]
    Internal(String),
    /// A JSON patch with more operations than Kubernetes accepts (HTTP 413).
    #[error("Request entity too large: The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {0}")]
    TooManyOperations(usize),
}

/// The most operations Kubernetes applies from one JSON patch.
pub const MAX_JSON_PATCH_OPERATIONS: usize = 10000;

impl PatchError {
    /// HTTP status code Kubernetes answers with.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::BadRequest(_) => 400,
            PatchError::Unprocessable { .. } => 422,
            PatchError::Internal(_) => 500,
            PatchError::TooManyOperations(_) => 413,
        }
    }

    /// The `Status.reason` Kubernetes answers with.
    pub fn reason(&self) -> &'static str {
        match self {
            PatchError::BadRequest(_) => "BadRequest",
            PatchError::Unprocessable { .. } => "Invalid",
            PatchError::Internal(_) => "InternalError",
            PatchError::TooManyOperations(_) => "RequestEntityTooLarge",
        }
    }

    /// The cause `(type, message)` Kubernetes attaches, if any.
    pub fn cause(&self) -> Option<(&'static str, &str)> {
        match self {
            PatchError::Unprocessable { detail } => Some(("UnexpectedServerResponse", detail)),
            _ => None,
        }
    }

    fn unprocessable(detail: impl Into<String>) -> Self {
        PatchError::Unprocessable {
            detail: detail.into(),
        }
    }
}

const OPS: &[&str] = &["add", "remove", "replace", "move", "copy", "test"];

/// Applies an RFC 6902 JSON patch. Operations run in order; if one fails nothing is
/// applied and the error names the operation as Kubernetes (evanphx/json-patch) does.
pub fn apply_json_patch(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let Value::Array(raw_ops) = patch else {
        if patch.is_null() {
            // A JSON `null` decodes to an empty patch in Go.
            return Ok(target.clone());
        }
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            json_type(patch)
        )));
    };
    if raw_ops.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(PatchError::TooManyOperations(raw_ops.len()));
    }
    // Operations are decoded one by one as they are applied, so a malformed operation
    // is only reported if every operation before it applied.
    let mut ops = Vec::with_capacity(raw_ops.len());
    let mut malformed = None;
    for raw in raw_ops {
        match decode_operation(raw) {
            Ok(op) => ops.push(op),
            Err(e) => {
                malformed = Some(e);
                break;
            }
        }
    }
    let mut doc = target.clone();
    match json_patch::patch(&mut doc, &ops) {
        Ok(()) => match malformed {
            None => Ok(doc),
            Some(e) => Err(e),
        },
        Err(err) => {
            // The library rolled `doc` back; replay the operations before the failing one
            // to see the document it failed on and word the error as Kubernetes does.
            let mut before = target.clone();
            let failed = err.operation.min(ops.len().saturating_sub(1));
            json_patch::patch(&mut before, &ops[..failed])
                .map_err(|e| PatchError::unprocessable(e.to_string()))?;
            Err(PatchError::unprocessable(describe_json_patch_failure(
                &before,
                &ops[failed],
            )))
        }
    }
}

/// One JSON patch operation, with Kubernetes' errors for missing members. A missing
/// `value` is JSON `null`, as in Kubernetes.
fn decode_operation(raw: &Value) -> Result<json_patch::PatchOperation, PatchError> {
    let Value::Object(fields) = raw else {
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
            json_type(raw)
        )));
    };
    let kind = fields
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    if !OPS.contains(&kind) {
        return Err(PatchError::unprocessable(format!(
            "Unexpected kind: {kind}"
        )));
    }
    const NO_PATH: &str = "operation missing path field: missing value";
    const NO_FROM: &str = "operation, missing from field: missing value";
    if matches!(kind, "move" | "copy") && fields.get("from").and_then(Value::as_str).is_none() {
        return Err(PatchError::unprocessable(format!(
            "{kind} operation failed to decode from: {NO_FROM}"
        )));
    }
    if fields.get("path").and_then(Value::as_str).is_none() {
        return Err(PatchError::unprocessable(match kind {
            "add" | "remove" | "copy" => {
                format!("{kind} operation failed to decode path: missing value")
            }
            _ => format!("{kind} operation failed to decode path: {NO_PATH}"),
        }));
    }
    let mut fields = fields.clone();
    if matches!(kind, "add" | "replace" | "test") && !fields.contains_key("value") {
        fields.insert("value".to_string(), Value::Null);
    }
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| PatchError::unprocessable(e.to_string()))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// Where a JSON pointer lands in `doc`.
enum Landing<'a> {
    /// The parent container is missing (or is a scalar).
    NoParent,
    /// The parent exists, the last token is not in it.
    Missing {
        parent: &'a Value,
        token: String,
    },
    Found,
}

fn land<'a>(doc: &'a Value, pointer: &str) -> Landing<'a> {
    if pointer.is_empty() {
        return Landing::Found;
    }
    let (parent_ptr, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let token = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer(parent_ptr) {
        Some(parent @ Value::Object(map)) => {
            if map.contains_key(&token) {
                Landing::Found
            } else {
                Landing::Missing { parent, token }
            }
        }
        Some(parent @ Value::Array(items)) => match token.parse::<usize>() {
            Ok(i) if i < items.len() => Landing::Found,
            _ => Landing::Missing { parent, token },
        },
        _ => Landing::NoParent,
    }
}

fn invalid_index(token: &str) -> String {
    let idx = token
        .parse::<i64>()
        .map(|i| i.to_string())
        .unwrap_or_else(|_| token.to_string());
    format!("Unable to access invalid index: {idx}: invalid index referenced")
}

fn describe_json_patch_failure(doc: &Value, op: &json_patch::PatchOperation) -> String {
    use json_patch::PatchOperation as Op;
    match op {
        Op::Add(add) => {
            let path = add.path.as_str();
            match land(doc, path) {
                Landing::NoParent => {
                    format!("add operation does not apply: doc is missing path: \"{path}\": missing value")
                }
                Landing::Missing { token, .. } => {
                    format!("error in add for path: '{path}': {}", invalid_index(&token))
                }
                Landing::Found => format!("error in add for path: '{path}'"),
            }
        }
        Op::Remove(rm) => {
            let path = rm.path.as_str();
            match land(doc, path) {
                Landing::NoParent => format!(
                    "remove operation does not apply: doc is missing path: \"{path}\": missing value"
                ),
                Landing::Missing { parent: Value::Object(_), token } => format!(
                    "error in remove for path: '{path}': Unable to remove nonexistent key: {token}: missing value"
                ),
                Landing::Missing { token, .. } => {
                    format!("error in remove for path: '{path}': {}", invalid_index(&token))
                }
                Landing::Found => format!("error in remove for path: '{path}'"),
            }
        }
        Op::Replace(rep) => {
            let path = rep.path.as_str();
            match land(doc, path) {
                Landing::NoParent => format!(
                    "replace operation does not apply: doc is missing path: {path}: missing value"
                ),
                _ => format!(
                    "replace operation does not apply: doc is missing key: {path}: missing value"
                ),
            }
        }
        Op::Move(mv) => {
            let (from, path) = (mv.from.as_str(), mv.path.as_str());
            if !matches!(land(doc, from), Landing::Found) {
                format!("move operation does not apply: doc is missing from path: {from}: missing value")
            } else if path.starts_with(from) && path.len() > from.len() {
                format!("error in move for path: '{path}': cannot move the value inside itself")
            } else {
                format!("move operation does not apply: doc is missing destination path: {path}: missing value")
            }
        }
        Op::Copy(cp) => {
            let (from, path) = (cp.from.as_str(), cp.path.as_str());
            if !matches!(land(doc, from), Landing::Found) {
                format!("copy operation does not apply: doc is missing from path: {from}: missing value")
            } else {
                format!("copy operation does not apply: doc is missing destination path: {path}: missing value")
            }
        }
        Op::Test(t) => {
            let path = t.path.as_str();
            match land(doc, path) {
                Landing::NoParent => {
                    format!("test operation does not apply: is missing path: {path}: missing value")
                }
                _ => format!("testing value {path} failed: test failed"),
            }
        }
    }
}

/// Applies an RFC 7386 JSON merge patch: maps merge recursively, `null` deletes a key,
/// everything else (lists included) is replaced.
pub fn apply_merge_patch(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    if patch.is_null() {
        return Err(PatchError::BadRequest("Invalid JSON Patch".to_string()));
    }
    let mut doc = target.clone();
    json_patch::merge(&mut doc, patch);
    Ok(doc)
}

/// Applies a strategic merge patch using the patch strategies and merge keys of
/// `info`'s kind. See [`strategic`] for the directives supported. Kinds or fields with
/// no strategy behave as in a JSON merge patch (maps merge, lists are replaced).
pub fn apply_strategic_merge_patch(
    info: &ResourceInfo,
    target: &Value,
    patch: &Value,
) -> Result<Value, PatchError> {
    strategic::apply(info.kind, target, patch)
}

#[cfg(test)]
mod tests;
