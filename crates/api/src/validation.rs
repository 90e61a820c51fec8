//! Kubernetes' validation of objects on create, update and status update, with its
//! field paths, error types and messages, so that the 422 `Invalid` a client sees
//! reads exactly as kube-apiserver's.
//!
//! Start at [`validate_create`]; per-kind rules live in the submodules
//! ([`pods`] for pod specs and templates, [`workloads`] for controllers,
//! [`kinds`] for everything else), the syntax checks in [`names`].

pub mod kinds;
pub mod names;
pub mod pods;
pub mod workloads;

use crate::registry::ResourceInfo;
use crate::selectors::go_quote;
use names::{
    is_dns1035_label, is_dns1123_label, is_dns1123_subdomain, is_path_segment_name,
    is_qualified_name, is_valid_label_value,
};
use serde_json::{Map, Value};
use std::fmt;

/// Kubernetes' field error types (`field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    FieldValueNotFound,
    FieldValueRequired,
    FieldValueDuplicate,
    FieldValueInvalid,
    FieldValueNotSupported,
    FieldValueForbidden,
    FieldValueTooLong,
    FieldValueTooMany,
    InternalError,
}

impl ErrorType {
    /// The cause `reason` in a Status, e.g. `FieldValueRequired`.
    pub fn reason(self) -> &'static str {
        match self {
            ErrorType::FieldValueNotFound => "FieldValueNotFound",
            ErrorType::FieldValueRequired => "FieldValueRequired",
            ErrorType::FieldValueDuplicate => "FieldValueDuplicate",
            ErrorType::FieldValueInvalid => "FieldValueInvalid",
            ErrorType::FieldValueNotSupported => "FieldValueNotSupported",
            ErrorType::FieldValueForbidden => "FieldValueForbidden",
            ErrorType::FieldValueTooLong => "FieldValueTooLong",
            ErrorType::FieldValueTooMany => "FieldValueTooMany",
            ErrorType::InternalError => "InternalError",
        }
    }

    /// The human text, e.g. `Required value`.
    pub fn text(self) -> &'static str {
        match self {
            ErrorType::FieldValueNotFound => "Not found",
            ErrorType::FieldValueRequired => "Required value",
            ErrorType::FieldValueDuplicate => "Duplicate value",
            ErrorType::FieldValueInvalid => "Invalid value",
            ErrorType::FieldValueNotSupported => "Unsupported value",
            ErrorType::FieldValueForbidden => "Forbidden",
            ErrorType::FieldValueTooLong => "Too long",
            ErrorType::FieldValueTooMany => "Too many",
            ErrorType::InternalError => "Internal error",
        }
    }
}

/// One field-level validation error.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub kind: ErrorType,
    /// The field path, e.g. `spec.containers[0].image`.
    pub field: String,
    /// The offending value, shown for the types whose message shows it.
    pub bad_value: Option<Value>,
    pub detail: String,
    /// Kubernetes' rendering of a bad value that is a Go struct (e.g. a label
    /// selector, whose field order and omitted empties a JSON value cannot carry);
    /// shown instead of `bad_value` when set.
    pub rendered_value: Option<String>,
}

impl FieldError {
    fn new(
        kind: ErrorType,
        field: impl Into<String>,
        bad_value: Option<Value>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            kind,
            field: field.into(),
            bad_value,
            detail: detail.into(),
            rendered_value: None,
        }
    }

    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::FieldValueRequired, field, None, detail)
    }

    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<Value>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(
            ErrorType::FieldValueInvalid,
            field,
            Some(value.into()),
            detail,
        )
    }

    /// An invalid value already rendered as Kubernetes prints it.
    pub fn invalid_rendered(
        field: impl Into<String>,
        rendered_value: String,
        detail: impl Into<String>,
    ) -> Self {
        let mut e = Self::new(ErrorType::FieldValueInvalid, field, None, detail);
        e.rendered_value = Some(rendered_value);
        e
    }

    pub fn not_supported(
        field: impl Into<String>,
        value: impl Into<Value>,
        valid: &[&str],
    ) -> Self {
        let detail = if valid.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(
            ErrorType::FieldValueNotSupported,
            field,
            Some(value.into()),
            detail,
        )
    }

    pub fn duplicate(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::new(
            ErrorType::FieldValueDuplicate,
            field,
            Some(value.into()),
            "",
        )
    }

    pub fn not_found(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::new(ErrorType::FieldValueNotFound, field, Some(value.into()), "")
    }

    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::FieldValueForbidden, field, None, detail)
    }

    /// Kubernetes' `TooLong`: the value is never shown.
    pub fn too_long(field: impl Into<String>, max_bytes: usize) -> Self {
        Self::new(
            ErrorType::FieldValueTooLong,
            field,
            None,
            format!("must have at most {max_bytes} bytes"),
        )
    }

    pub fn too_many(field: impl Into<String>, actual: usize, max: usize) -> Self {
        Self::new(
            ErrorType::FieldValueTooMany,
            field,
            Some(Value::from(actual)),
            format!("must have at most {max} items"),
        )
    }

    pub fn internal(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::InternalError, field, None, detail)
    }

    /// The cause `reason` for the Status, e.g. `FieldValueRequired`.
    pub fn reason(&self) -> &'static str {
        self.kind.reason()
    }

    /// The message without the field, as Kubernetes puts it in a Status cause.
    pub fn body(&self) -> String {
        let mut s = match self.kind {
            ErrorType::FieldValueRequired
            | ErrorType::FieldValueForbidden
            | ErrorType::FieldValueTooLong
            | ErrorType::InternalError => self.kind.text().to_string(),
            _ => match (&self.rendered_value, &self.bad_value) {
                (Some(go), _) => format!("{}: {go}", self.kind.text()),
                (None, Some(v)) => format!("{}: {}", self.kind.text(), render_value(v)),
                (None, None) => self.kind.text().to_string(),
            },
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Renders a bad value as Kubernetes prints it in a field error: strings quoted
/// (Go's `%q`), numbers and booleans plain, `null`, and anything else as compact
/// JSON with map keys sorted (as Go's `encoding/json` writes maps).
pub fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => go_quote(s),
        other => sorted_json(other),
    }
}

/// Compact JSON with object keys sorted.
fn sorted_json(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", go_quote(k), sorted_json(&m[*k])))
                .collect();
            format!("{{{}}}", items.join(","))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(sorted_json).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// A `[]string` as Kubernetes prints it: `["a","b"]`.
pub fn json_string_slice<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.map(go_quote).collect();
    format!("[{}]", quoted.join(","))
}

/// A `map[string]string` as Kubernetes prints it: `{"a":"b","c":"d"}`, or `null`.
pub fn json_string_map(m: Option<&Map<String, Value>>) -> String {
    match m {
        None => "null".to_string(),
        Some(m) => sorted_json(&Value::Object(m.clone())),
    }
}

/// A `metav1.LabelSelector` as Kubernetes prints it (struct field order, empty
/// fields omitted): `{"matchLabels":{"app":"x"}}`.
pub fn json_label_selector(sel: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(ml) = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
    {
        parts.push(format!("\"matchLabels\":{}", json_string_map(Some(ml))));
    }
    if let Some(list) = sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
    {
        let items: Vec<String> = list
            .iter()
            .map(|e| {
                let mut fields = vec![
                    format!("\"key\":{}", go_quote(str_at(e, "key"))),
                    format!("\"operator\":{}", go_quote(str_at(e, "operator"))),
                ];
                if let Some(vs) = e
                    .get("values")
                    .and_then(Value::as_array)
                    .filter(|v| !v.is_empty())
                {
                    fields.push(format!(
                        "\"values\":{}",
                        json_string_slice(vs.iter().filter_map(Value::as_str))
                    ));
                }
                format!("{{{}}}", fields.join(","))
            })
            .collect();
        parts.push(format!("\"matchExpressions\":[{}]", items.join(",")));
    }
    format!("{{{}}}", parts.join(","))
}

/// The message of Kubernetes' `Invalid` StatusError:
/// `Pod "x" is invalid: spec.containers[0].image: Required value`, or with several
/// errors `... is invalid: [a, b]`. `kind` is the qualified kind Kubernetes prints:
/// `Pod`, `Deployment.apps` (see [`qualified_kind`]). Repeated messages are shown once.
pub fn invalid_message(kind: &str, name: &str, errs: &[FieldError]) -> String {
    let mut msgs: Vec<String> = Vec::new();
    for e in errs {
        let m = e.to_string();
        if !msgs.contains(&m) {
            msgs.push(m);
        }
    }
    let head = format!("{kind} {} is invalid", go_quote(name));
    match msgs.len() {
        0 => head,
        1 => format!("{head}: {}", msgs[0]),
        _ => format!("{head}: [{}]", msgs.join(", ")),
    }
}

/// `Kind` for the core group, `Kind.group` otherwise: what Kubernetes names a kind
/// in `Invalid` messages.
pub fn qualified_kind(info: &ResourceInfo) -> String {
    if info.group.is_empty() {
        info.kind.to_string()
    } else {
        format!("{}.{}", info.kind, info.group)
    }
}

pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Which name rule a kind's `metadata.name` follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameRule {
    Subdomain,
    Label,
    Dns1035,
    PathSegment,
}

fn name_rule(info: &ResourceInfo) -> NameRule {
    match (info.group, info.kind) {
        ("", "Namespace") => NameRule::Label,
        ("", "Service") => NameRule::Dns1035,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        ("authorization.k8s.io", _) | ("authentication.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

fn name_errors(rule: NameRule, name: &str) -> Vec<String> {
    match rule {
        NameRule::Subdomain => is_dns1123_subdomain(name),
        NameRule::Label => is_dns1123_label(name),
        NameRule::Dns1035 => is_dns1035_label(name),
        NameRule::PathSegment => is_path_segment_name(name),
    }
}

/// Most bytes all annotations of an object may take together.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// Kubernetes' `ValidateLabels` at `path`.
pub fn validate_labels(labels: Option<&Value>, path: &str, errs: &mut Vec<FieldError>) {
    let Some(m) = labels.and_then(Value::as_object) else {
        return;
    };
    for (k, v) in m {
        for msg in is_qualified_name(k) {
            errs.push(FieldError::invalid(path, k.as_str(), msg));
        }
        let val = v.as_str().unwrap_or_default();
        for msg in is_valid_label_value(val) {
            errs.push(FieldError::invalid(path, val, msg));
        }
    }
}

/// Kubernetes' `ValidateAnnotations` at `path`.
pub fn validate_annotations(annotations: Option<&Value>, path: &str, errs: &mut Vec<FieldError>) {
    let Some(m) = annotations.and_then(Value::as_object) else {
        return;
    };
    let mut total = 0;
    for (k, v) in m {
        for msg in is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(path, k.as_str(), msg));
        }
        total += k.len() + v.as_str().map_or(0, str::len);
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
}

/// `metadata` checks shared by every kind: name, namespace, labels, annotations,
/// finalizers, ownerReferences.
fn validate_object_meta(info: &ResourceInfo, obj: &Value, errs: &mut Vec<FieldError>) {
    let meta = obj.get("metadata").unwrap_or(&Value::Null);
    let name = str_at(meta, "name");
    let generate_name = str_at(meta, "generateName");
    if name.is_empty() {
        if generate_name.is_empty() {
            errs.push(FieldError::required(
                "metadata.name",
                "name or generateName is required",
            ));
        }
    } else {
        for msg in name_errors(name_rule(info), name) {
            errs.push(FieldError::invalid("metadata.name", name, msg));
        }
    }
    if !generate_name.is_empty() && name.is_empty() {
        // The server appends five characters; the prefix must already be valid
        // with a trailing alphanumeric added.
        let probe = format!("{}a", generate_name);
        for msg in name_errors(name_rule(info), &probe) {
            errs.push(FieldError::invalid(
                "metadata.generateName",
                generate_name,
                msg,
            ));
        }
    }
    let ns = str_at(meta, "namespace");
    if info.namespaced {
        if ns.is_empty() {
            errs.push(FieldError::required("metadata.namespace", ""));
        } else {
            for msg in is_dns1123_label(ns) {
                errs.push(FieldError::invalid("metadata.namespace", ns, msg));
            }
        }
    } else if !ns.is_empty() {
        errs.push(FieldError::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        ));
    }
    validate_labels(meta.get("labels"), "metadata.labels", errs);
    validate_annotations(meta.get("annotations"), "metadata.annotations", errs);
    if let Some(fins) = meta.get("finalizers").and_then(Value::as_array) {
        for (i, f) in fins.iter().enumerate() {
            let f = f.as_str().unwrap_or_default();
            for msg in is_qualified_name(f) {
                errs.push(FieldError::invalid(
                    format!("metadata.finalizers[{i}]"),
                    f,
                    msg,
                ));
            }
        }
    }
    if let Some(refs) = meta.get("ownerReferences").and_then(Value::as_array) {
        let mut controllers = 0;
        for (i, r) in refs.iter().enumerate() {
            let p = format!("metadata.ownerReferences[{i}]");
            if str_at(r, "apiVersion").is_empty() {
                errs.push(FieldError::invalid(
                    format!("{p}.apiVersion"),
                    str_at(r, "apiVersion"),
                    "version must not be empty",
                ));
            }
            if str_at(r, "kind").is_empty() {
                errs.push(FieldError::invalid(
                    format!("{p}.kind"),
                    "",
                    "kind must not be empty",
                ));
            }
            if str_at(r, "name").is_empty() {
                errs.push(FieldError::invalid(
                    format!("{p}.name"),
                    "",
                    "name must not be empty",
                ));
            }
            if str_at(r, "uid").is_empty() {
                errs.push(FieldError::invalid(
                    format!("{p}.uid"),
                    "",
                    "uid must not be empty",
                ));
            }
            if r.get("controller").and_then(Value::as_bool) == Some(true) {
                controllers += 1;
            }
        }
        if controllers > 1 {
            errs.push(FieldError::invalid_rendered(
                "metadata.ownerReferences",
                render_value(&Value::Array(refs.clone())),
                "Only one reference can have Controller set to true",
            ));
        }
    }
}

/// Kubernetes' `ValidateObjectMetaUpdate`: identity fields never change.
fn validate_object_meta_update(old: &Value, new: &Value, errs: &mut Vec<FieldError>) {
    let om = old.get("metadata").unwrap_or(&Value::Null);
    let nm = new.get("metadata").unwrap_or(&Value::Null);
    // creationTimestamp and generation are not checked: Kubernetes overwrites them
    // with the stored values before validating, so a client cannot change them.
    for (key, path) in [
        ("name", "metadata.name"),
        ("namespace", "metadata.namespace"),
        ("uid", "metadata.uid"),
    ] {
        let (o, n) = (str_at(om, key), str_at(nm, key));
        // An absent uid in the request means "keep"; the server carries it over.
        if o != n && !(n.is_empty() && key == "uid") {
            errs.push(immutable(path, Value::from(n)));
        }
    }
}

/// `field is immutable`
pub(crate) fn immutable(path: &str, value: Value) -> FieldError {
    FieldError::invalid(path, value, "field is immutable")
}

/// Validates a new object (after defaulting) before it is created.
pub fn validate_create(info: &ResourceInfo, obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(info, obj, &mut errs);
    validate_spec(info, obj, &mut errs);
    errs
}

/// Validates an update of `old` to `new` (both after defaulting), including the
/// fields Kubernetes makes immutable.
pub fn validate_update(info: &ResourceInfo, old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut meta_errs = Vec::new();
    validate_object_meta(info, new, &mut meta_errs);
    // Name rules of objects created before a rule tightened are not re-checked.
    meta_errs.retain(|e| e.field != "metadata.name" || e.kind == ErrorType::FieldValueRequired);
    errs.extend(meta_errs);
    validate_object_meta_update(old, new, &mut errs);
    validate_spec(info, new, &mut errs);
    match (info.group, info.kind) {
        ("", "Pod") => pods::validate_pod_update(old, new, &mut errs),
        ("apps", _) | ("batch", _) | ("", "ReplicationController") => {
            workloads::validate_update(info, old, new, &mut errs)
        }
        _ => kinds::validate_update(info, old, new, &mut errs),
    }
    errs
}

/// Validates a write to the `status` subresource: identity is unchanged and the
/// status itself is well-formed.
pub fn validate_status_update(info: &ResourceInfo, old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta_update(old, new, &mut errs);
    let status = new.get("status").unwrap_or(&Value::Null);
    match (info.group, info.kind) {
        ("apps", _) | ("", "ReplicationController") => {
            for key in [
                "replicas",
                "readyReplicas",
                "availableReplicas",
                "updatedReplicas",
                "currentReplicas",
                "fullyLabeledReplicas",
                "observedGeneration",
                "currentNumberScheduled",
                "numberMisscheduled",
                "desiredNumberScheduled",
                "numberReady",
                "numberAvailable",
                "numberUnavailable",
                "updatedNumberScheduled",
            ] {
                non_negative(status, key, "status", &mut errs);
            }
        }
        ("batch", "Job") => {
            for key in ["active", "succeeded", "failed"] {
                non_negative(status, key, "status", &mut errs);
            }
        }
        ("", "Pod") => pods::validate_pod_status(status, &mut errs),
        _ => {}
    }
    errs
}

/// `must be greater than or equal to 0` for an integer field if present.
pub(crate) fn non_negative(obj: &Value, key: &str, base: &str, errs: &mut Vec<FieldError>) {
    if let Some(n) = obj.get(key).and_then(Value::as_i64) {
        if n < 0 {
            errs.push(FieldError::invalid(
                format!("{base}.{key}"),
                n,
                "must be greater than or equal to 0",
            ));
        }
    }
}

fn validate_spec(info: &ResourceInfo, obj: &Value, errs: &mut Vec<FieldError>) {
    match (info.group, info.kind) {
        ("", "Pod") => {
            let spec = obj.get("spec").unwrap_or(&Value::Null);
            pods::validate_pod_spec(spec, "spec", errs);
        }
        ("", "PodTemplate") => {
            pods::validate_pod_template(obj.get("template"), "template", errs);
        }
        ("apps", _) | ("batch", _) | ("", "ReplicationController") => {
            workloads::validate(info, obj, errs)
        }
        _ => kinds::validate(info, obj, errs),
    }
}

#[cfg(test)]
mod tests;
