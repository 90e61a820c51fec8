//! Request bodies to objects: [`parse_body`] reads JSON or YAML into a
//! `serde_json::Value` while noting duplicate keys, and [`decode`] passes an object
//! through the `k8s-openapi` type of its kind, so that wrong JSON types are refused
//! with a Kubernetes-like message and fields Kubernetes does not know are dropped and
//! reported (for `fieldValidation=Strict|Warn`). Decoding also does what
//! Kubernetes' conversion into its internal types does: quantities are checked and
//! put in canonical form ([`quantity`]) and a Secret's `stringData` is folded into
//! `data`. [`convert`] moves objects between the versions that share storage.

pub mod convert;
pub mod quantity;

use crate::registry::ResourceInfo;
use k8s_openapi::api;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The media type a body arrived in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Yaml,
}

/// A body read into a JSON object.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedBody {
    /// The object; for a key given twice the last value wins, as in Kubernetes.
    pub value: Value,
    /// Paths of keys given more than once, e.g. `metadata.name`,
    /// `spec.containers[0].image`.
    pub duplicate_fields: Vec<String>,
}

/// An object after its typed round-trip.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The object as Kubernetes would hold it: unknown fields dropped, `apiVersion`
    /// and `kind` those of the resource.
    pub object: Value,
    /// Paths of the fields that were dropped, e.g. `spec.foo`,
    /// `spec.containers[0].imagee`.
    pub unknown_fields: Vec<String>,
}

/// Why a body could not be read. Every variant is the client's fault (400
/// BadRequest) and retrying the same body cannot help; `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not valid JSON.
    #[error("couldn't get version/kind; json parse error: {0}")]
    Json(String),
    /// The bytes are not valid YAML.
    #[error("error converting YAML to JSON: yaml: {0}")]
    Yaml(String),
    /// The body parsed, but is not a JSON object.
    #[error("couldn't get version/kind; json parse error: json: cannot unmarshal {0} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}")]
    NotAnObject(&'static str),
    /// The body is `null` or empty.
    #[error("Object 'Kind' is missing in '{0}'")]
    Empty(String),
    /// A field has the wrong type or an unreadable value. `Display` is the cause
    /// alone (`json: cannot unmarshal ...`); Kubernetes' full text, which the server
    /// sends, is [`DecodeError::full_message`].
    #[error("{message}")]
    Type {
        kind: String,
        version: String,
        message: String,
    },
    /// rkube has no type for this group, version and kind.
    #[error("no kind \"{kind}\" is registered for version \"{api_version}\"")]
    UnknownKind { api_version: String, kind: String },
}

impl DecodeError {
    /// The complete Kubernetes message: for a typed-decoding failure
    /// `Pod in version "v1" cannot be handled as a Pod: <cause>`, otherwise the
    /// `Display` text.
    pub fn full_message(&self) -> String {
        match self {
            DecodeError::Type {
                kind,
                version,
                message,
            } => {
                format!("{kind} in version \"{version}\" cannot be handled as a {kind}: {message}")
            }
            other => other.to_string(),
        }
    }
}

/// Reads a request body into a JSON object, recording duplicate keys.
pub fn parse_body(bytes: &[u8], format: BodyFormat) -> Result<ParsedBody, DecodeError> {
    let mut dups = Vec::new();
    let value = match format {
        BodyFormat::Json => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let v = Builder {
                path: String::new(),
                dups: &mut dups,
            }
            .deserialize(&mut de)
            .map_err(|e| DecodeError::Json(json_error_text(&e, bytes)))?;
            de.end()
                .map_err(|e| DecodeError::Json(json_error_text(&e, bytes)))?;
            v
        }
        BodyFormat::Yaml => {
            let mut docs = serde_yaml::Deserializer::from_slice(bytes);
            match docs.next() {
                None => Value::Null,
                Some(doc) => Builder {
                    path: String::new(),
                    dups: &mut dups,
                }
                .deserialize(doc)
                .map_err(|e| DecodeError::Yaml(yaml_error_text(&e)))?,
            }
        }
    };
    match &value {
        Value::Object(_) => Ok(ParsedBody {
            value,
            duplicate_fields: dups,
        }),
        Value::Null => Err(DecodeError::Empty(
            String::from_utf8_lossy(bytes).trim().to_string(),
        )),
        Value::Array(_) => Err(DecodeError::NotAnObject("array")),
        Value::String(_) => Err(DecodeError::NotAnObject("string")),
        Value::Number(_) => Err(DecodeError::NotAnObject("number")),
        Value::Bool(_) => Err(DecodeError::NotAnObject("bool")),
    }
}

/// serde_json's messages, in the words Go's decoder uses for the common cases.
fn json_error_text(e: &serde_json::Error, bytes: &[u8]) -> String {
    if e.is_eof() {
        return "unexpected end of JSON input".to_string();
    }
    let msg = e.to_string();
    if msg.starts_with("expected value") || msg.starts_with("trailing characters") {
        // Go names the offending character.
        let offset = line_col_offset(bytes, e.line(), e.column());
        if let Some(&c) = offset.and_then(|o| bytes.get(o)) {
            let what = if msg.starts_with("trailing") {
                "after top-level value"
            } else {
                "looking for beginning of value"
            };
            return format!("invalid character '{}' {what}", c as char);
        }
    }
    msg
}

/// libyaml's message in go-yaml's shape: `line 3: did not find expected key`.
fn yaml_error_text(e: &serde_yaml::Error) -> String {
    let msg = e.to_string();
    let core = msg.split(" at line ").next().unwrap_or(&msg);
    let core = core.split(", while ").next().unwrap_or(core);
    match e.location() {
        Some(loc) => format!("line {}: {core}", loc.line()),
        None => core.to_string(),
    }
}

fn line_col_offset(bytes: &[u8], line: usize, col: usize) -> Option<usize> {
    let mut cur_line = 1;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if cur_line == line {
            break;
        }
        if b == b'\n' {
            cur_line += 1;
            start = i + 1;
        }
    }
    (col > 0).then(|| start + col - 1)
}

/// Builds a `Value` from any serde format, noting keys that repeat within one
/// mapping. serde_json's own `Value` silently keeps the last, and serde_yaml's
/// refuses the whole document; Kubernetes keeps the last and can warn.
struct Builder<'a> {
    path: String,
    dups: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Builder<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Builder<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let path = format!("{}[{}]", self.path, out.len());
            match seq.next_element_seed(Builder {
                path,
                dups: &mut *self.dups,
            })? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(KeyText(key)) = map.next_key()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            let dup = out.contains_key(&key);
            let v = map.next_value_seed(Builder {
                path: path.clone(),
                dups: &mut *self.dups,
            })?;
            if dup {
                self.dups.push(path);
                // Keep the key's first position, as Go's decoder does for structs.
                out.insert(key, v);
            } else {
                out.insert(key, v);
            }
        }
        Ok(Value::Object(out))
    }
}

/// A mapping key as text: YAML allows numbers, booleans and null as keys, which
/// Kubernetes' YAML-to-JSON conversion turns into their text.
struct KeyText(String);

impl<'de> serde::Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A failed typed round-trip: where and why.
struct TypedError {
    /// `None` when serialising back failed (no path to report).
    path: Option<serde_path_to_error::Path>,
    inner: serde_json::Error,
}

fn roundtrip_as<T>(v: Value) -> Result<Value, TypedError>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let typed: T = serde_path_to_error::deserialize(v).map_err(|e| TypedError {
        path: Some(e.path().clone()),
        inner: e.into_inner(),
    })?;
    serde_json::to_value(&typed).map_err(|inner| TypedError { path: None, inner })
}

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::SchemaGenerator::default().into_root_schema_for::<T>())
        .unwrap_or(Value::Null)
}

macro_rules! typed_kinds {
    ($(($group:literal, $version:literal, $kind:literal) => $ty:ty,)*) => {
        fn roundtrip(group: &str, version: &str, kind: &str, v: Value) -> Option<Result<Value, TypedError>> {
            Some(match (group, version, kind) {
                $(($group, $version, $kind) => roundtrip_as::<$ty>(v),)*
                _ => return None,
            })
        }

        /// The kind's JSON schema. Generating one is costly (milliseconds for a Pod), so
        /// each kind's is built on first use and kept: it is a constant of the type.
        fn schema(group: &str, version: &str, kind: &str) -> &'static Value {
            static NONE: Value = Value::Null;
            match (group, version, kind) {
                $(($group, $version, $kind) => {
                    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
                    SCHEMA.get_or_init(schema_of::<$ty>)
                })*
                _ => &NONE,
            }
        }

        /// Whether [`decode_kind`] knows a type for this group, version and kind.
        pub fn is_known_kind(group: &str, version: &str, kind: &str) -> bool {
            matches!((group, version, kind), $(($group, $version, $kind))|*)
        }
    };
}

typed_kinds! {
    ("", "v1", "Binding") => api::core::v1::Binding,
    ("", "v1", "ConfigMap") => api::core::v1::ConfigMap,
    ("", "v1", "Endpoints") => api::core::v1::Endpoints,
    ("", "v1", "Event") => api::core::v1::Event,
    ("", "v1", "LimitRange") => api::core::v1::LimitRange,
    ("", "v1", "Namespace") => api::core::v1::Namespace,
    ("", "v1", "Node") => api::core::v1::Node,
    ("", "v1", "PersistentVolumeClaim") => api::core::v1::PersistentVolumeClaim,
    ("", "v1", "PersistentVolume") => api::core::v1::PersistentVolume,
    ("", "v1", "Pod") => api::core::v1::Pod,
    ("", "v1", "PodTemplate") => api::core::v1::PodTemplate,
    ("", "v1", "ReplicationController") => api::core::v1::ReplicationController,
    ("", "v1", "ResourceQuota") => api::core::v1::ResourceQuota,
    ("", "v1", "Secret") => api::core::v1::Secret,
    ("", "v1", "ServiceAccount") => api::core::v1::ServiceAccount,
    ("", "v1", "Service") => api::core::v1::Service,
    ("apps", "v1", "ControllerRevision") => api::apps::v1::ControllerRevision,
    ("apps", "v1", "DaemonSet") => api::apps::v1::DaemonSet,
    ("apps", "v1", "Deployment") => api::apps::v1::Deployment,
    ("apps", "v1", "ReplicaSet") => api::apps::v1::ReplicaSet,
    ("apps", "v1", "StatefulSet") => api::apps::v1::StatefulSet,
    ("authentication.k8s.io", "v1", "SelfSubjectReview") => api::authentication::v1::SelfSubjectReview,
    ("authentication.k8s.io", "v1", "TokenRequest") => api::authentication::v1::TokenRequest,
    ("authorization.k8s.io", "v1", "SelfSubjectAccessReview") => api::authorization::v1::SelfSubjectAccessReview,
    ("autoscaling", "v1", "HorizontalPodAutoscaler") => api::autoscaling::v1::HorizontalPodAutoscaler,
    ("autoscaling", "v1", "Scale") => api::autoscaling::v1::Scale,
    ("autoscaling", "v2", "HorizontalPodAutoscaler") => api::autoscaling::v2::HorizontalPodAutoscaler,
    ("batch", "v1", "CronJob") => api::batch::v1::CronJob,
    ("batch", "v1", "Job") => api::batch::v1::Job,
    ("coordination.k8s.io", "v1", "Lease") => api::coordination::v1::Lease,
    ("discovery.k8s.io", "v1", "EndpointSlice") => api::discovery::v1::EndpointSlice,
    ("events.k8s.io", "v1", "Event") => api::events::v1::Event,
    ("networking.k8s.io", "v1", "IngressClass") => api::networking::v1::IngressClass,
    ("networking.k8s.io", "v1", "Ingress") => api::networking::v1::Ingress,
    ("networking.k8s.io", "v1", "NetworkPolicy") => api::networking::v1::NetworkPolicy,
    ("policy", "v1", "Eviction") => api::policy::v1::Eviction,
    ("policy", "v1", "PodDisruptionBudget") => api::policy::v1::PodDisruptionBudget,
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => api::rbac::v1::ClusterRoleBinding,
    ("rbac.authorization.k8s.io", "v1", "ClusterRole") => api::rbac::v1::ClusterRole,
    ("rbac.authorization.k8s.io", "v1", "RoleBinding") => api::rbac::v1::RoleBinding,
    ("rbac.authorization.k8s.io", "v1", "Role") => api::rbac::v1::Role,
    ("scheduling.k8s.io", "v1", "PriorityClass") => api::scheduling::v1::PriorityClass,
    ("storage.k8s.io", "v1", "StorageClass") => api::storage::v1::StorageClass,
}

/// Round-trips an object of the resource `info` through its typed form.
pub fn decode(info: &ResourceInfo, value: Value) -> Result<Decoded, DecodeError> {
    decode_kind(info.group, info.version, info.kind, value)
}

/// [`decode`] for kinds that are not resources of their own but travel in
/// subresource bodies: `autoscaling/v1` `Scale`, `policy/v1` `Eviction`,
/// `authentication.k8s.io/v1` `TokenRequest`, `v1` `Binding`.
pub fn decode_kind(
    group: &str,
    version: &str,
    kind: &str,
    mut value: Value,
) -> Result<Decoded, DecodeError> {
    if let Some(obj) = value.as_object_mut() {
        // The typed form insists on its own apiVersion and kind; the server checks
        // that the body's match the URL before calling us.
        obj.shift_remove("apiVersion");
        obj.shift_remove("kind");
    }
    let input = value.clone();
    let object = match roundtrip(group, version, kind, value) {
        None => {
            let api_version = if group.is_empty() {
                version.to_string()
            } else {
                format!("{group}/{version}")
            };
            return Err(DecodeError::UnknownKind {
                api_version,
                kind: kind.to_string(),
            });
        }
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            let message = type_error_message(group, version, kind, &input, &e);
            return Err(DecodeError::Type {
                kind: kind.to_string(),
                version: version.to_string(),
                message,
            });
        }
    };
    let mut object = object;
    let mut unknown_fields = Vec::new();
    dropped_fields(&input, &object, "", &mut unknown_fields);
    if (group, kind) == ("", "Secret") {
        merge_string_data(&mut object);
    }
    let root = schema(group, version, kind);
    if let Err(e) = canonical_quantities(root, root, &mut object) {
        return Err(DecodeError::Type {
            kind: kind.to_string(),
            version: version.to_string(),
            message: e.to_string(),
        });
    }
    Ok(Decoded {
        object,
        unknown_fields,
    })
}

/// For `fieldValidation=Strict`: the 400 Kubernetes returns when a body repeats or
/// invents fields; its `Display` is `strict decoding error: unknown field
/// "spec.foo"` and its [`full_message`](DecodeError::full_message) the complete
/// `Pod in version "v1" cannot be handled as a Pod: strict decoding error: ...`.
/// `None` when there is nothing to report.
pub fn strict_error(
    info: &ResourceInfo,
    duplicate_fields: &[String],
    unknown_fields: &[String],
) -> Option<DecodeError> {
    let problems = field_warnings(duplicate_fields, unknown_fields);
    if problems.is_empty() {
        return None;
    }
    Some(DecodeError::Type {
        kind: info.kind.to_string(),
        version: info.version.to_string(),
        message: format!("strict decoding error: {}", problems.join(", ")),
    })
}

/// For `fieldValidation=Warn`: one `Warning` header text per field, as Kubernetes
/// words them (`duplicate field "metadata.name"`, `unknown field "spec.foo"`).
pub fn field_warnings(duplicate_fields: &[String], unknown_fields: &[String]) -> Vec<String> {
    let dups = duplicate_fields
        .iter()
        .map(|f| format!("duplicate field {}", crate::selectors::go_quote(f)));
    let unknown = unknown_fields
        .iter()
        .map(|f| format!("unknown field {}", crate::selectors::go_quote(f)));
    dups.chain(unknown).collect()
}

/// A Secret's write-only `stringData` is folded into `data` (base64), overriding
/// keys present in both, and never stored or returned — as Kubernetes' conversion
/// of the v1 Secret does.
fn merge_string_data(object: &mut Value) {
    use base64::Engine as _;
    let Some(m) = object.as_object_mut() else {
        return;
    };
    let Some(Value::Object(sd)) = m.shift_remove("stringData") else {
        return;
    };
    let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    if let Some(data) = data.as_object_mut() {
        for (k, v) in sd {
            let text = v.as_str().unwrap_or_default();
            let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            data.insert(k, Value::String(encoded));
        }
    }
}

const QUANTITY_SCHEMA: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// Checks every `resource.Quantity` in the object and rewrites it in Kubernetes'
/// canonical form, finding them through the kind's schema.
fn canonical_quantities(
    root: &Value,
    schema: &Value,
    v: &mut Value,
) -> Result<(), quantity::QuantityError> {
    let (s, name) = resolve(root, schema);
    if name == Some(QUANTITY_SCHEMA) {
        if let Value::String(text) = v {
            *text = quantity::Quantity::parse(text)?.canonical();
        }
        return Ok(());
    }
    match v {
        Value::Object(m) => {
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (k, child) in m.iter_mut() {
                    if let Some(ps) = props.get(k) {
                        canonical_quantities(root, ps, child)?;
                    }
                }
            } else if let Some(ap) = s.get("additionalProperties").filter(|a| a.is_object()) {
                for child in m.values_mut() {
                    canonical_quantities(root, ap, child)?;
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.get("items") {
                for child in a {
                    canonical_quantities(root, items, child)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A value that a typed round-trip may drop without losing anything: `null`, or an
/// object holding only such values.
fn vanishes(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().all(vanishes),
        _ => false,
    }
}

fn dropped_fields(input: &Value, output: &Value, path: &str, out: &mut Vec<String>) {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match b.get(k) {
                    None if !vanishes(v) => out.push(child),
                    None => {}
                    Some(w) => dropped_fields(v, w, &child, out),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                dropped_fields(v, w, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The JSON kind of a value in Go's words.
fn json_kind(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(_)) => "string".into(),
        Some(Value::Number(_)) => "number".into(),
        Some(Value::Bool(_)) => "bool".into(),
        Some(Value::Array(_)) => "array".into(),
        Some(Value::Object(_)) => "object".into(),
        Some(Value::Null) | None => "null".into(),
    }
}

/// Resolves `$ref` against the root's `$defs`, returning the schema and the
/// definition's name if it was a reference.
fn resolve<'a>(root: &'a Value, s: &'a Value) -> (&'a Value, Option<&'a str>) {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or(r);
            let def = root
                .get("$defs")
                .and_then(|d| d.get(name))
                .unwrap_or(&Value::Null);
            (def, Some(name))
        }
        None => (s, None),
    }
}

/// Go's name for a type given its schema, e.g. `[]v1.Container`, `map[string]string`.
fn go_type(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        let mut parts = name.rsplit('.');
        let ty = parts.next().unwrap_or(name);
        let pkg = parts.next().unwrap_or("");
        return format!("{pkg}.{ty}");
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or(""),
        _ => "",
    };
    match ty {
        "array" => format!("[]{}", go_type(s.get("items").unwrap_or(&Value::Null))),
        "object" => match s.get("additionalProperties") {
            Some(a) if a.is_object() => format!("map[string]{}", go_type(a)),
            _ => "map[string]interface {}".into(),
        },
        "string" if s.get("format").and_then(Value::as_str) == Some("byte") => "[]uint8".into(),
        "string" => "string".into(),
        "integer" => match s.get("format").and_then(Value::as_str) {
            Some("int32") => "int32".into(),
            _ => "int64".into(),
        },
        "number" => "float64".into(),
        "boolean" => "bool".into(),
        _ => "interface {}".into(),
    }
}

/// Kubernetes reports a wrong JSON type the way Go's `encoding/json` does:
/// `json: cannot unmarshal string into Go struct field PodSpec.spec.containers of
/// type []v1.Container`. Other failures keep the decoder's own words.
fn type_error_message(
    group: &str,
    version: &str,
    kind: &str,
    input: &Value,
    e: &TypedError,
) -> String {
    let inner = e.inner.to_string();
    let Some(path) = e.path.as_ref().filter(|_| {
        inner.starts_with("invalid type") || inner.starts_with("invalid value: integer")
    }) else {
        return inner;
    };
    let root = schema(group, version, kind);
    let mut cur = root;
    let mut struct_name = kind.to_string();
    let mut parent = String::new();
    let mut fields: Vec<String> = Vec::new();
    let mut value = Some(input);
    for seg in path.iter() {
        use serde_path_to_error::Segment;
        let (resolved, _) = resolve(&root, cur);
        match seg {
            Segment::Map { key } => {
                value = value.and_then(|v| v.get(key));
                if let Some(p) = resolved.get("properties").and_then(|p| p.get(key)) {
                    parent = struct_name.clone();
                    fields.push(key.clone());
                    cur = p;
                } else if let Some(a) = resolved.get("additionalProperties") {
                    cur = a;
                } else {
                    return inner;
                }
            }
            Segment::Seq { index } => {
                value = value.and_then(|v| v.get(index));
                match resolved.get("items") {
                    Some(i) => cur = i,
                    None => return inner,
                }
            }
            _ => return inner,
        }
        if let (_, Some(name)) = resolve(&root, cur) {
            struct_name = name.rsplit('.').next().unwrap_or(name).to_string();
        }
    }
    let ty = go_type(cur);
    let mut what = json_kind(value);
    if let Some(Value::Number(n)) = value {
        let out_of_range = inner.starts_with("invalid value: integer");
        if (n.is_f64() || out_of_range) && (ty.starts_with("int") || ty.starts_with("uint")) {
            what = format!("number {n}");
        }
    }
    if fields.is_empty() {
        format!("json: cannot unmarshal {what} into Go value of type {ty}")
    } else {
        format!(
            "json: cannot unmarshal {what} into Go struct field {parent}.{} of type {ty}",
            fields.join(".")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;
    use serde_json::json;

    fn pods() -> ResourceInfo {
        Registry::builtin()
            .lookup("", "v1", "pods")
            .unwrap()
            .clone()
    }

    #[test]
    fn json_duplicates_are_reported_last_wins() {
        let body = br#"{"kind":"Pod","metadata":{"name":"a","name":"b"},
            "spec":{"containers":[{"name":"c","image":"x","image":"y"}]}}"#;
        let p = parse_body(body, BodyFormat::Json).unwrap();
        assert_eq!(
            p.duplicate_fields,
            ["metadata.name", "spec.containers[0].image"]
        );
        assert_eq!(p.value["metadata"]["name"], "b");
        assert_eq!(p.value["spec"]["containers"][0]["image"], "y");
    }

    #[test]
    fn yaml_duplicates_and_keys() {
        let body = b"kind: Pod\nmetadata:\n  name: a\n  name: b\n  labels:\n    1: x\n";
        let p = parse_body(body, BodyFormat::Yaml).unwrap();
        assert_eq!(p.duplicate_fields, ["metadata.name"]);
        assert_eq!(p.value["metadata"]["name"], "b");
        assert_eq!(p.value["metadata"]["labels"]["1"], "x");
    }

    #[test]
    fn bodies_that_are_not_objects() {
        assert_eq!(
            parse_body(b"[1]", BodyFormat::Json).unwrap_err().to_string(),
            "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }"
        );
        assert!(matches!(
            parse_body(b"\"x\"", BodyFormat::Json),
            Err(DecodeError::NotAnObject("string"))
        ));
        assert!(matches!(
            parse_body(b"- a", BodyFormat::Yaml),
            Err(DecodeError::NotAnObject("array"))
        ));
        assert_eq!(
            parse_body(b"{", BodyFormat::Json).unwrap_err().to_string(),
            "couldn't get version/kind; json parse error: unexpected end of JSON input"
        );
        assert_eq!(
            parse_body(b"{} x", BodyFormat::Json).unwrap_err().to_string(),
            "couldn't get version/kind; json parse error: invalid character 'x' after top-level value"
        );
        assert_eq!(
            parse_body(b"a: b: c", BodyFormat::Yaml).unwrap_err().to_string(),
            "error converting YAML to JSON: yaml: line 1: mapping values are not allowed in this context"
        );
    }

    #[test]
    fn unknown_fields_are_dropped_and_listed() {
        let v = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "creationTimestamp": null, "bogus": 1},
            "spec": {"foo": {"a": 1}, "empty": {}, "containers": [{"name": "c", "imagee": "x", "ports": [{"containerPort": 80, "x": true}]}]}});
        let d = decode(&pods(), v).unwrap();
        assert_eq!(
            d.unknown_fields,
            [
                "metadata.bogus",
                "spec.foo",
                "spec.containers[0].imagee",
                "spec.containers[0].ports[0].x"
            ]
        );
        assert_eq!(d.object["apiVersion"], "v1");
        assert_eq!(d.object["kind"], "Pod");
        assert!(d.object["spec"].get("foo").is_none());
        assert_eq!(
            d.object["spec"]["containers"][0]["ports"][0]["containerPort"],
            80
        );
    }

    #[test]
    fn wrong_types_read_like_kubernetes() {
        let v = json!({"metadata": {"name": "p"}, "spec": {"containers": "x"}});
        assert_eq!(
            decode(&pods(), v).unwrap_err().full_message(),
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container"
        );
        let v = json!({"spec": {"containers": [{"name": 5}]}});
        assert_eq!(
            decode(&pods(), v).unwrap_err().full_message(),
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string"
        );
        let v = json!({"metadata": {"labels": {"a": 1}}});
        assert_eq!(
            decode(&pods(), v).unwrap_err().full_message(),
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"
        );
        let deploy = Registry::builtin()
            .lookup("apps", "v1", "deployments")
            .unwrap()
            .clone();
        let v = json!({"spec": {"replicas": 1.5}});
        assert_eq!(
            decode(&deploy, v).unwrap_err().full_message(),
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"
        );
        let v = json!({"spec": {"replicas": 3_000_000_000u64}});
        assert_eq!(
            decode(&deploy, v).unwrap_err().full_message(),
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32"
        );
    }

    #[test]
    fn type_errors_display_the_cause_alone() {
        let v = json!({"spec": {"containers": "x"}});
        assert_eq!(
            decode(&pods(), v).unwrap_err().to_string(),
            "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container"
        );
    }

    #[test]
    fn strict_and_warn_texts() {
        let dups = vec!["metadata.name".to_string()];
        let unknown = vec!["spec.containers[0].imagee".to_string()];
        assert_eq!(
            strict_error(&pods(), &dups, &unknown).unwrap().full_message(),
            "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: duplicate field \"metadata.name\", unknown field \"spec.containers[0].imagee\""
        );
        assert!(strict_error(&pods(), &[], &[]).is_none());
        assert_eq!(
            field_warnings(&[], &unknown),
            ["unknown field \"spec.containers[0].imagee\""]
        );
    }

    #[test]
    fn every_registered_resource_has_a_type() {
        for r in Registry::builtin().all() {
            assert!(is_known_kind(r.group, r.version, r.kind), "{}", r.kind);
            let d = decode(r, json!({"metadata": {"name": "x"}})).unwrap();
            assert_eq!(d.object["kind"], r.kind);
            assert_eq!(d.object["apiVersion"], r.api_version());
        }
        assert!(matches!(
            decode_kind("x", "v1", "Y", json!({})),
            Err(DecodeError::UnknownKind { .. })
        ));
        let scale = decode_kind(
            "autoscaling",
            "v1",
            "Scale",
            json!({"spec": {"replicas": 3}}),
        )
        .unwrap();
        assert_eq!(scale.object["spec"]["replicas"], 3);
    }

    #[test]
    fn quantities_are_checked_and_canonical() {
        let v = json!({"spec": {"containers": [{"name": "c", "resources": {
            "limits": {"cpu": "0.5", "memory": "1024Mi"}, "requests": {"cpu": 1000}}}]}});
        let d = decode(&pods(), v).unwrap();
        let res = &d.object["spec"]["containers"][0]["resources"];
        assert_eq!(res["limits"], json!({"cpu": "500m", "memory": "1Gi"}));
        assert_eq!(res["requests"]["cpu"], "1k");
        let bad = json!({"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]}});
        assert_eq!(
            decode(&pods(), bad).unwrap_err().full_message(),
            "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        let pvcs = Registry::builtin()
            .lookup("", "v1", "persistentvolumeclaims")
            .unwrap()
            .clone();
        let d = decode(
            &pvcs,
            json!({"spec": {"resources": {"requests": {"storage": "1.5Gi"}}}}),
        )
        .unwrap();
        assert_eq!(
            d.object["spec"]["resources"]["requests"]["storage"],
            "1536Mi"
        );
    }

    #[test]
    fn secret_string_data_folds_into_data() {
        let secrets = Registry::builtin()
            .lookup("", "v1", "secrets")
            .unwrap()
            .clone();
        let v = json!({"data": {"a": "eA==", "b": "eA=="}, "stringData": {"b": "hello", "c": "x"}});
        let d = decode(&secrets, v).unwrap();
        assert_eq!(
            d.object["data"],
            json!({"a": "eA==", "b": "aGVsbG8=", "c": "eA=="})
        );
        assert!(d.object.get("stringData").is_none());
        assert!(d.unknown_fields.is_empty());
    }

    #[test]
    fn quantities_accept_numbers_and_secrets_keep_base64() {
        let v =
            json!({"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": 1}}}]}});
        let d = decode(&pods(), v).unwrap();
        assert_eq!(
            d.object["spec"]["containers"][0]["resources"]["limits"]["cpu"],
            "1"
        );
        let secrets = Registry::builtin()
            .lookup("", "v1", "secrets")
            .unwrap()
            .clone();
        let d = decode(&secrets, json!({"data": {"k": "aGVsbG8="}})).unwrap();
        assert_eq!(d.object["data"]["k"], "aGVsbG8=");
    }
}
