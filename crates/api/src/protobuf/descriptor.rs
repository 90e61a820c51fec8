//! The static description of every Kubernetes protobuf message, generated at build time
//! by `crates/api/build.rs` from the k8s-pb and k8s-openapi crates' sources.

/// A scalar or message type as it appears on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ty {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Double,
    /// Index into [`MESSAGES`].
    Message(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    Single(Ty),
    Repeated(Ty),
    /// A `map<K, V>`: on the wire, repeated entries with the key as field 1 and the value as 2.
    Map(Ty, Ty),
}

/// Messages whose JSON form is not an object of their fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Special {
    None,
    /// `meta/v1.Time`: `{seconds, nanos}` -> RFC 3339 in seconds.
    Time,
    /// `meta/v1.MicroTime`: `{seconds, nanos}` -> RFC 3339 in microseconds.
    MicroTime,
    /// `meta/v1.Duration`: `{duration}` in nanoseconds -> Go duration string.
    Duration,
    /// `resource.Quantity`: `{string}` -> the string.
    Quantity,
    /// `intstr.IntOrString`: `{type, intVal, strVal}` -> a number or a string.
    IntOrString,
    /// `runtime.RawExtension`, `meta/v1.FieldsV1`, apiextensions `JSON`: `{raw}` -> embedded JSON.
    RawJson,
    /// A Go named slice (`ExtraValue`, `Verbs`): `{items}` -> the array.
    ListWrapper,
    /// apiextensions `JSONSchemaPropsOrArray`: `{schema, jSONSchemas}`.
    SchemaOrArray,
    /// apiextensions `JSONSchemaPropsOrBool`: `{allows, schema}`.
    SchemaOrBool,
    /// apiextensions `JSONSchemaPropsOrStringArray`: `{schema, property}`.
    SchemaOrStringArray,
}

#[derive(Debug)]
pub(super) struct Field {
    pub(super) tag: u32,
    /// The field's name in Kubernetes' JSON.
    pub(super) json: &'static str,
    pub(super) shape: Shape,
    /// Required in the OpenAPI schema, i.e. no `omitempty` in Go: zero values and empty
    /// lists are written too.
    pub(super) required: bool,
    /// A Go pointer whose zero value is meaningful (see `pointer_fields.txt`).
    pub(super) keep_zero: bool,
    /// A Go embedded struct: its fields are written into the parent's JSON object.
    pub(super) inline: bool,
}

#[derive(Debug)]
pub(super) struct Message {
    /// `path` with the type name case-folded: what kinds are looked up by.
    pub(super) key: &'static str,
    /// Module in k8s-pb (mirrors the proto package) and Kubernetes' type name, e.g.
    /// `api::core::v1::ClientIPConfig`.
    pub(super) path: &'static str,
    pub(super) special: Special,
    pub(super) fields: &'static [Field],
}

/// The module holding `meta.k8s.io/v1`, whose option kinds every group version accepts.
pub(super) const META_V1: &str = "apimachinery::pkg::apis::meta::v1";

// Defines `MESSAGES` (sorted by key) and `GROUP_VERSIONS` (apiVersion -> module, sorted).
include!(concat!(env!("OUT_DIR"), "/protobuf_descriptors.rs"));

/// The index of the message named `name` (any case) in `module`.
pub(super) fn message_index(module: &str, name: &str) -> Option<usize> {
    let key = format!("{module}::{}", name.to_ascii_lowercase());
    MESSAGES.binary_search_by(|m| m.key.cmp(key.as_str())).ok()
}

/// The k8s-pb module that holds the kinds of `api_version`.
pub(super) fn module_of(api_version: &str) -> Option<&'static str> {
    match api_version {
        "meta.k8s.io/v1" => Some(META_V1),
        "meta.k8s.io/v1beta1" => Some("apimachinery::pkg::apis::meta::v1beta1"),
        _ => GROUP_VERSIONS
            .binary_search_by(|(v, _)| (*v).cmp(api_version))
            .ok()
            .map(|i| GROUP_VERSIONS[i].1),
    }
}
