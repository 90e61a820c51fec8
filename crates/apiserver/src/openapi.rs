//! The OpenAPI documents the server publishes: `/openapi/v3` (an index of one
//! OpenAPI 3.0 document per group-version) and `/openapi/v2` (one Swagger 2.0 JSON
//! document), as kubectl reads them for `explain`, for detecting server-side field
//! validation and for client-side validation.
//!
//! Schemas come from `k8s-openapi`'s `JsonSchema` implementations (already named the
//! Kubernetes way, e.g. `io.k8s.api.core.v1.Pod`, with Kubernetes' descriptions); this
//! module adds what those lack: `x-kubernetes-group-version-kind`, the `...List` kinds,
//! Kubernetes' `$ref` style per dialect, and the REST paths ([`paths`]).
//!
//! Building is expensive, so [`OpenApi::build`] renders every v3 document once into
//! bytes with a stable hash; the v2 document is rendered on its first request.

mod kinds;
mod patch_meta;
mod paths;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use bytes::Bytes;
use k8s_openapi::schemars::generate::SchemaSettings;
use k8s_openapi::schemars::{JsonSchema, SchemaGenerator};
use rkube_api::ResourceInfo;
use serde_json::{json, Map, Value};

use crate::discovery::{fnv1a64, ordered_groups, subresource, ResourceSource};
use paths::{Dialect, KindNames};

/// Media type of the protobuf form of `/openapi/v2`, the only one client-go's
/// `OpenAPISchema()` asks for. rkube serves the documents as JSON only, so such a
/// request gets 406 Not Acceptable (kubectl then falls back to its compiled-in types).
pub const OPENAPI_V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

/// Whether an `Accept` header lets the server answer an OpenAPI document as JSON, as
/// Kubernetes negotiates it: an absent or empty header, or any media range with q > 0
/// that is `application/json`, `application/*` or `*/*`. `false` means 406.
pub fn accepts_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return true;
    };
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let base = parts.next().unwrap_or_default().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("q")
                    && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            })
        });
        !refused && matches!(base.as_str(), "application/json" | "application/*" | "*/*")
    })
}

/// One rendered document and its hash (used in `?hash=` URLs and as the ETag).
#[derive(Clone)]
struct Document {
    bytes: Bytes,
    hash: String,
}

impl Document {
    fn from_bytes(bytes: Vec<u8>) -> Document {
        let hash = format!("{:016X}", fnv1a64(&bytes));
        Document {
            bytes: Bytes::from(bytes),
            hash,
        }
    }
}

/// The resources of each group-version, in discovery order. Documents are generated
/// one group-version at a time to bound the memory the schema trees take.
fn group_versions(
    resources: &[ResourceInfo],
) -> Vec<(&'static str, &'static str, Vec<ResourceInfo>)> {
    let mut out = Vec::new();
    for (group, versions) in ordered_groups(resources) {
        for version in versions {
            let gv: Vec<ResourceInfo> = resources
                .iter()
                .filter(|r| r.group == group && r.version == version)
                .cloned()
                .collect();
            out.push((group, version, gv));
        }
    }
    out
}

/// Every OpenAPI document of a set of resources, rendered once.
pub struct OpenApi {
    resources: Vec<ResourceInfo>,
    /// Keyed by index path: `api/v1`, `apis/apps/v1`.
    v3: BTreeMap<String, Document>,
    v3_index: Value,
    v3_index_doc: Document,
    v2: OnceLock<Document>,
}

impl OpenApi {
    /// Renders the v3 documents of every group-version served (a `Registry`, or a
    /// list of resources).
    pub fn build(source: &(impl ResourceSource + ?Sized)) -> OpenApi {
        let resources = source.resources();
        let mut v3 = BTreeMap::new();
        let mut index = Map::new();
        for (group, version, gv_resources) in group_versions(resources) {
            let key = gv_path(group, version);
            let value = Schemas::generate(&gv_resources).into_v3_document(&gv_resources);
            let doc = Document::from_bytes(to_json(&value));
            drop(value);
            index.insert(
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", doc.hash)}),
            );
            v3.insert(key, doc);
        }
        let v3_index = json!({"paths": index});
        OpenApi {
            resources: resources.to_vec(),
            v3,
            v3_index_doc: Document::from_bytes(to_json(&v3_index)),
            v3_index,
            v2: OnceLock::new(),
        }
    }

    /// `GET /openapi/v3`: `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}, ...}}`.
    pub fn v3_index(&self) -> Value {
        self.v3_index.clone()
    }

    /// The same index, serialized, for the response body.
    pub fn v3_index_json(&self) -> Bytes {
        self.v3_index_doc.bytes.clone()
    }

    /// The hash (ETag) of the index; it changes when any document changes.
    pub fn v3_index_hash(&self) -> &str {
        &self.v3_index_doc.hash
    }

    /// `GET /openapi/v3/{path}` with `path` like `api/v1` or `apis/apps/v1` (a leading
    /// `/` is tolerated): the JSON document, `None` for an unknown group-version.
    pub fn v3_document(&self, path: &str) -> Option<Bytes> {
        self.v3
            .get(path.trim_start_matches('/'))
            .map(|d| d.bytes.clone())
    }

    /// The current hash of a v3 document (the `hash` query parameter of its
    /// `serverRelativeURL`, and its ETag).
    pub fn v3_hash(&self, path: &str) -> Option<&str> {
        self.v3
            .get(path.trim_start_matches('/'))
            .map(|d| d.hash.as_str())
    }

    /// `GET /openapi/v2` as JSON (rendered on first use, then kept).
    pub fn v2_json(&self) -> Bytes {
        self.v2_doc().bytes.clone()
    }

    /// The hash (ETag) of the v2 document.
    pub fn v2_hash(&self) -> &str {
        &self.v2_doc().hash
    }

    fn v2_doc(&self) -> &Document {
        self.v2.get_or_init(|| {
            let mut parts = V2Parts::default();
            for (_, _, gv_resources) in group_versions(&self.resources) {
                Schemas::generate(&gv_resources).add_to_v2(&gv_resources, &mut parts);
            }
            Document::from_bytes(parts.into_bytes())
        })
    }

    /// Approximate bytes held by the rendered documents (the v2 document counts once
    /// rendered).
    pub fn retained_bytes(&self) -> usize {
        let v3: usize = self
            .v3
            .iter()
            .map(|(k, d)| k.len() + d.bytes.len() + d.hash.len())
            .sum();
        // The index is kept as bytes and as a `Value` (roughly twice the bytes).
        let index = 3 * self.v3_index_doc.bytes.len();
        v3 + index + self.v2.get().map(|d| d.bytes.len()).unwrap_or(0)
    }
}

impl std::fmt::Debug for OpenApi {
    // The documents are megabytes; show what is there, not the bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApi")
            .field("v3", &self.v3.keys().collect::<Vec<_>>())
            .field("v2_rendered", &self.v2.get().is_some())
            .field("retained_bytes", &self.retained_bytes())
            .finish()
    }
}

/// `api/v1` or `apis/{group}/{version}`.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Schema names (and their sources) of one served kind.
struct KindEntry {
    kind_schema: String,
    list_schema: String,
    /// Schema from `k8s-openapi` (a built-in kind), not the generic object schema.
    builtin: bool,
}

/// Every schema, named the Kubernetes way, with `$ref`s as `#/components/schemas/NAME`
/// (turned into each dialect's style when a document is rendered).
struct Schemas {
    all: BTreeMap<String, Value>,
    /// (group, version, kind) -> the kind's schema names.
    kinds: BTreeMap<(String, String, String), KindEntry>,
}

const V3_PREFIX: &str = "#/components/schemas/";
const COMMON: &[&str] = &[paths::STATUS, paths::DELETE_OPTIONS, paths::PATCH];

impl Schemas {
    fn generate(resources: &[ResourceInfo]) -> Schemas {
        let mut settings = SchemaSettings::draft2020_12();
        settings.definitions_path = "/components/schemas".into();
        settings.meta_schema = None;
        let mut generator = SchemaGenerator::new(settings);
        // gvk lists per schema name, for x-kubernetes-group-version-kind
        let mut gvks: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
        let mut kinds = BTreeMap::new();
        let mut custom: BTreeMap<String, Value> = BTreeMap::new();

        let mut wanted: Vec<(&str, &str, &str)> = Vec::new();
        for r in resources {
            wanted.push((r.group, r.version, r.kind));
            for sub in r.subresources {
                let s = subresource(r, sub);
                wanted.push((s.group, s.version, s.kind));
            }
        }
        for (group, version, kind) in wanted {
            let key = (group.to_string(), version.to_string(), kind.to_string());
            if kinds.contains_key(&key) {
                continue;
            }
            let builtin = kinds::find(group, version, kind);
            let name = match builtin {
                Some(k) => {
                    let r = (k.add)(&mut generator);
                    r.get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|s| s.strip_prefix(V3_PREFIX))
                        .map(str::to_string)
                }
                // Only kinds the registry actually serves get a generic schema;
                // subresource option kinds (PodExecOptions...) have none, as in Kubernetes.
                None if resources
                    .iter()
                    .any(|r| r.group == group && r.version == version && r.kind == kind) =>
                {
                    let name = custom_schema_name(group, version, kind);
                    custom.insert(name.clone(), generic_object_schema(kind));
                    Some(name)
                }
                None => None,
            };
            let Some(name) = name else { continue };
            gvks.entry(name.clone()).or_default().push(key.clone());
            let list_schema = format!("{name}List");
            kinds.insert(
                key,
                KindEntry {
                    kind_schema: name,
                    list_schema,
                    builtin: builtin.is_some(),
                },
            );
        }
        generator.subschema_for::<k8s_openapi::apimachinery::pkg::apis::meta::v1::Status>();
        generator.subschema_for::<k8s_openapi::apimachinery::pkg::apis::meta::v1::DeleteOptions>();
        generator.subschema_for::<k8s_openapi::apimachinery::pkg::apis::meta::v1::Patch>();
        generator.subschema_for::<k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta>();
        // The generic schema of custom kinds refers to it.
        generator.subschema_for::<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>();

        let mut all: BTreeMap<String, Value> =
            generator.take_definitions(false).into_iter().collect();
        all.extend(custom);
        for (schema, property, strategy, merge_key) in patch_meta::PATCH_META {
            let pointer = format!("/properties/{property}");
            let Some(Value::Object(prop)) =
                all.get_mut(*schema).and_then(|s| s.pointer_mut(&pointer))
            else {
                continue;
            };
            if let Some(key) = merge_key {
                prop.insert("x-kubernetes-patch-merge-key".into(), (*key).into());
            }
            prop.insert("x-kubernetes-patch-strategy".into(), (*strategy).into());
        }
        for (schema, property, values) in patch_meta::ENUMS {
            let pointer = format!("/properties/{property}");
            let Some(Value::Object(prop)) =
                all.get_mut(*schema).and_then(|s| s.pointer_mut(&pointer))
            else {
                continue;
            };
            if prop.get("type").and_then(Value::as_str) == Some("string") {
                prop.insert("enum".into(), json!(values));
            }
        }

        // Lists and the GVK extension, only for kinds the registry lists as resources
        // (a subresource's kind such as Scale gets its GVK but no list).
        for r in resources {
            let key = (
                r.group.to_string(),
                r.version.to_string(),
                r.kind.to_string(),
            );
            let Some(entry) = kinds.get(&key) else {
                continue;
            };
            if all.contains_key(&entry.list_schema) {
                continue;
            }
            let list = list_schema(r, &entry.kind_schema);
            all.insert(entry.list_schema.clone(), list);
            gvks.entry(entry.list_schema.clone()).or_default().push((
                key.0.clone(),
                key.1.clone(),
                format!("{}List", r.kind),
            ));
        }
        for (name, list) in gvks {
            let Some(Value::Object(schema)) = all.get_mut(&name) else {
                continue;
            };
            // k8s-openapi marks `metadata` required because its Rust field is not an
            // Option; Kubernetes does not (generateName, defaulting).
            if let Some(Value::Array(req)) = schema.get_mut("required") {
                req.retain(|f| f != "metadata");
                if req.is_empty() {
                    schema.remove("required");
                }
            }
            let ext: Vec<Value> = list
                .iter()
                .map(|(g, v, k)| json!({"group": g, "kind": k, "version": v}))
                .collect();
            schema.insert("x-kubernetes-group-version-kind".into(), Value::Array(ext));
        }
        Schemas { all, kinds }
    }

    /// Names of every schema reachable from `roots`.
    fn closure(&self, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = roots.into_iter().collect();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = self.all.get(&name) {
                collect_refs(schema, &mut stack);
            }
        }
        seen.retain(|n| self.all.contains_key(n));
        seen
    }

    fn roots_and_paths(
        &self,
        infos: &[&ResourceInfo],
        dialect: Dialect,
    ) -> (Vec<String>, Map<String, Value>) {
        let mut roots: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
        let mut path_items: Vec<paths::PathItem> = Vec::new();
        let schema_of = |g: &str, v: &str, k: &str| -> Option<String> {
            self.kinds
                .get(&(g.to_string(), v.to_string(), k.to_string()))
                .map(|e| e.kind_schema.clone())
        };
        for info in infos {
            let key = (
                info.group.to_string(),
                info.version.to_string(),
                info.kind.to_string(),
            );
            let Some(entry) = self.kinds.get(&key) else {
                continue;
            };
            roots.push(entry.kind_schema.clone());
            roots.push(entry.list_schema.clone());
            for sub in info.subresources {
                let s = subresource(info, sub);
                if let Some(name) = schema_of(s.group, s.version, s.kind) {
                    roots.push(name);
                }
            }
            let names = KindNames {
                kind: &entry.kind_schema,
                list: &entry.list_schema,
                strategic: entry.builtin,
            };
            path_items.extend(paths::resource_paths(info, &names, &schema_of));
        }
        path_items.sort_by(|a, b| a.path.cmp(&b.path));
        let rendered = path_items
            .iter()
            .map(|item| (item.path.clone(), paths::render(item, dialect)))
            .collect();
        (roots, rendered)
    }

    /// The v3 document of the group-version these schemas were generated for
    /// (consumes the schemas so no copy of them is made).
    fn into_v3_document(mut self, resources: &[ResourceInfo]) -> Value {
        let infos: Vec<&ResourceInfo> = resources.iter().collect();
        let (roots, paths) = self.roots_and_paths(&infos, Dialect::V3);
        let schemas: Map<String, Value> = self
            .closure(roots)
            .into_iter()
            .filter_map(|name| {
                let mut s = self.all.remove(&name)?;
                wrap_ref_siblings(&mut s);
                Some((name, s))
            })
            .collect();
        json!({
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "unversioned"},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"BearerToken": bearer_token()}
            },
            "security": [{"BearerToken": []}]
        })
    }

    /// Adds this group-version's paths and (not yet present) definitions, in v2 form
    /// and already serialized, to `out`.
    fn add_to_v2(mut self, resources: &[ResourceInfo], out: &mut V2Parts) {
        let infos: Vec<&ResourceInfo> = resources.iter().collect();
        let (roots, paths) = self.roots_and_paths(&infos, Dialect::V2);
        for name in self.closure(roots) {
            if out.definitions.contains_key(&name) {
                continue;
            }
            if let Some(mut s) = self.all.remove(&name) {
                rewrite_refs(&mut s, "#/definitions/");
                out.definitions.insert(name, to_json(&s));
            }
        }
        for (path, item) in paths {
            out.paths.insert(path, to_json(&item));
        }
    }
}

/// The pieces of the v2 document, each serialized, gathered group-version by
/// group-version so that only one group-version's schemas are in memory at a time.
#[derive(Default)]
struct V2Parts {
    paths: BTreeMap<String, Vec<u8>>,
    definitions: BTreeMap<String, Vec<u8>>,
}

impl V2Parts {
    fn into_bytes(self) -> Vec<u8> {
        fn object(out: &mut Vec<u8>, entries: BTreeMap<String, Vec<u8>>) {
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(to_json(&Value::String(key)));
                out.push(b':');
                out.extend(value);
            }
            out.push(b'}');
        }
        let mut out = Vec::new();
        out.extend_from_slice(
            br#"{"swagger":"2.0","info":{"title":"Kubernetes","version":"unversioned"},"paths":"#,
        );
        object(&mut out, self.paths);
        out.extend_from_slice(br#","definitions":"#);
        object(&mut out, self.definitions);
        out.extend_from_slice(br#","securityDefinitions":{"BearerToken":"#);
        out.extend(to_json(&bearer_token()));
        out.extend_from_slice(br#"},"security":[{"BearerToken":[]}]}"#);
        out
    }
}

fn bearer_token() -> Value {
    json!({"type": "apiKey", "description": "Bearer Token authentication", "name": "authorization", "in": "header"})
}

fn to_json(v: &Value) -> Vec<u8> {
    // Serializing a `Value` cannot fail (its map keys are strings).
    serde_json::to_vec(v).unwrap_or_default()
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                // A string `$ref` is a reference; an object one is a property named
                // `$ref` (JSONSchemaProps has one).
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => {
                        if let Some(name) = r.strip_prefix(V3_PREFIX) {
                            out.push(name.to_string());
                        }
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// OpenAPI 3.0 ignores keys beside `$ref`, so Kubernetes writes a described reference
/// as `{"allOf": [{"$ref": ...}], "description": ...}`; kubectl explain reads that form.
fn wrap_ref_siblings(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (_, child) in m.iter_mut() {
                wrap_ref_siblings(child);
            }
            if m.len() > 1 && m.get("$ref").is_some_and(Value::is_string) {
                if let Some(r) = m.shift_remove("$ref") {
                    m.insert("allOf".into(), json!([{"$ref": r}]));
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(wrap_ref_siblings),
        _ => {}
    }
}

fn rewrite_refs(v: &mut Value, prefix: &str) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                match (k.as_str(), child.as_str()) {
                    ("$ref", Some(r)) => {
                        if let Some(name) = r.strip_prefix(V3_PREFIX) {
                            *child = Value::String(format!("{prefix}{name}"));
                        }
                    }
                    _ => rewrite_refs(child, prefix),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| rewrite_refs(c, prefix)),
        _ => {}
    }
}

/// Kubernetes names schemas of kinds outside its own API groups by the reversed group:
/// `example.com/v1` `Widget` is `com.example.v1.Widget`.
fn custom_schema_name(group: &str, version: &str, kind: &str) -> String {
    let mut parts: Vec<&str> = group.split('.').filter(|s| !s.is_empty()).collect();
    parts.reverse();
    parts.push(version);
    parts.push(kind);
    parts.join(".")
}

fn object_meta_ref(description: &str) -> Value {
    json!({
        "$ref": format!("{V3_PREFIX}{}", <k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta as JsonSchema>::schema_name()),
        "description": description
    })
}

const API_VERSION_DESCRIPTION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DESCRIPTION: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

/// The schema of a served kind that `k8s-openapi` does not know: any object.
fn generic_object_schema(kind: &str) -> Value {
    json!({
        "description": format!("{kind} is served by this cluster without a published schema."),
        "type": "object",
        "properties": {
            "apiVersion": {"description": API_VERSION_DESCRIPTION, "type": "string"},
            "kind": {"description": KIND_DESCRIPTION, "type": "string"},
            "metadata": object_meta_ref("Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
        },
        "x-kubernetes-preserve-unknown-fields": true
    })
}

fn list_schema(info: &ResourceInfo, kind_schema: &str) -> Value {
    let list_meta =
        <k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta as JsonSchema>::schema_name();
    json!({
        "description": format!("{}List is a list of {} objects.", info.kind, info.kind),
        "type": "object",
        "properties": {
            "apiVersion": {"description": API_VERSION_DESCRIPTION, "type": "string"},
            "items": {
                "description": format!("List of {}.", info.plural),
                "type": "array",
                "items": {"$ref": format!("{V3_PREFIX}{kind_schema}")}
            },
            "kind": {"description": KIND_DESCRIPTION, "type": "string"},
            "metadata": {
                "$ref": format!("{V3_PREFIX}{list_meta}"),
                "description": "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
            }
        },
        "required": ["items"]
    })
}

#[cfg(test)]
mod tests;
