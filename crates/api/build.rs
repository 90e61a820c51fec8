//! Generates the protobuf descriptor table used by `src/protobuf.rs`.
//!
//! Kubernetes publishes its wire schema as `.proto` files; rkube commits none. Instead this
//! script reads two crates.io dependencies that cargo has already downloaded:
//! - `k8s-pb`: prost-generated structs, one per Kubernetes message. Each field carries
//!   `#[prost(<type>, optional|repeated, tag = "N")]` and a snake_case Rust name; each
//!   top-level kind has `impl Resource` with its `API_VERSION`.
//! - `k8s-openapi` (the enabled `v1_NN` version): for every definition, the exact JSON
//!   name of each field (`"volumeID" => Field::Key_volume_id`) and whether it is required.
//!
//! A k8s-pb field is matched to its JSON name by comparing names with everything but
//! letters and digits removed, case-folded (`pod_i_ps` ~ `podIPs`). The result is written
//! to `$OUT_DIR/protobuf_descriptors.rs` as static tables. Sources are located with
//! `cargo metadata`, so vendored or relocated registries work too.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/protobuf/pointer_fields.txt");

    let sources = locate_sources();
    let mut messages = BTreeMap::new();
    let mut group_versions = BTreeMap::new();
    let pb_src = sources.k8s_pb.join("src");
    for file in rust_files(&pb_src) {
        let module = module_path(&pb_src, &file);
        parse_pb_file(&file, &module, &mut messages, &mut group_versions);
    }
    let openapi_src = sources
        .k8s_openapi
        .join("src")
        .join(&sources.openapi_version);
    let mut openapi = HashMap::new();
    for file in rust_files(&openapi_src) {
        parse_openapi_file(&openapi_src, &file, &mut openapi);
    }
    let pointer_fields = read_pointer_fields(Path::new("src/protobuf/pointer_fields.txt"));
    let out = generate(&messages, &group_versions, &openapi, &pointer_fields);
    let out_path =
        PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("protobuf_descriptors.rs");
    std::fs::write(&out_path, out).expect("write protobuf_descriptors.rs");
}

struct Sources {
    k8s_pb: PathBuf,
    k8s_openapi: PathBuf,
    /// Directory of the enabled Kubernetes version inside k8s-openapi's `src`, e.g. `v1_35`.
    openapi_version: String,
}

/// Asks cargo where the resolved `k8s-pb` and `k8s-openapi` packages live and which
/// k8s-openapi version feature is on. Offline first (everything needed for this build is
/// downloaded already); online only when the workspace has packages not yet fetched.
fn locate_sources() -> Sources {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"))
        .join("Cargo.toml");
    let target = std::env::var("TARGET").expect("TARGET");
    let run = |offline: bool| {
        let mut cmd = Command::new(&cargo);
        cmd.args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &target,
            "--manifest-path",
        ])
        .arg(&manifest);
        if offline {
            cmd.arg("--offline");
        }
        cmd.output().ok().filter(|o| o.status.success())
    };
    let output = run(true)
        .or_else(|| run(false))
        .expect("`cargo metadata` failed; cannot locate k8s-pb sources");
    let meta: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata output is JSON");

    let this_id = meta["resolve"]["root"].as_str().map(str::to_owned);
    let nodes = meta["resolve"]["nodes"].as_array().expect("resolve.nodes");
    // Prefer the exact packages this crate depends on, in case several versions are in the graph.
    let this_node = nodes.iter().find(|n| {
        n["id"].as_str() == this_id.as_deref()
            || n["id"]
                .as_str()
                .is_some_and(|id| id.contains("rkube-api") || id.contains("crates/api#"))
    });
    let dep_ids: BTreeSet<&str> = this_node
        .and_then(|n| n["deps"].as_array())
        .map(|deps| deps.iter().filter_map(|d| d["pkg"].as_str()).collect())
        .unwrap_or_default();
    let package = |name: &str| -> (String, PathBuf) {
        let packages = meta["packages"].as_array().expect("packages");
        let candidates: Vec<_> = packages.iter().filter(|p| p["name"] == name).collect();
        let chosen = candidates
            .iter()
            .find(|p| p["id"].as_str().is_some_and(|id| dep_ids.contains(id)))
            .or(candidates.first())
            .unwrap_or_else(|| panic!("package {name} not in cargo metadata"));
        let manifest = PathBuf::from(chosen["manifest_path"].as_str().expect("manifest_path"));
        (
            chosen["id"].as_str().unwrap_or_default().to_owned(),
            manifest.parent().expect("package dir").to_path_buf(),
        )
    };
    let (_, k8s_pb) = package("k8s-pb");
    let (openapi_id, k8s_openapi) = package("k8s-openapi");
    let openapi_version = nodes
        .iter()
        .find(|n| n["id"].as_str() == Some(openapi_id.as_str()))
        .and_then(|n| n["features"].as_array())
        .and_then(|features| {
            features
                .iter()
                .filter_map(|f| f.as_str())
                .find(|f| f.starts_with("v1_"))
                .map(str::to_owned)
        })
        .expect("no v1_NN feature enabled on k8s-openapi");
    Sources {
        k8s_pb,
        k8s_openapi,
        openapi_version,
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `src/api/core/v1/mod.rs` -> `api::core::v1`.
fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).expect("file under root");
    let mut segments: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = segments.pop().expect("file name");
    if last != "mod.rs" && last != "lib.rs" {
        segments.push(last.trim_end_matches(".rs").to_owned());
    }
    segments
}

#[derive(Clone, Debug)]
enum PbType {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Double,
    /// Full Rust path of the message struct inside k8s-pb, e.g. `api::core::v1::PodSpec`.
    Message(String),
}

#[derive(Debug)]
enum PbShape {
    Single(PbType),
    Repeated(PbType),
    Map(PbType, PbType),
}

#[derive(Debug)]
struct PbField {
    rust_name: String,
    tag: u32,
    shape: PbShape,
}

#[derive(Debug)]
struct PbMessage {
    /// `+protobuf.nullable=true` marks Go named slice types (`ExtraValue`, `Verbs`) that
    /// proto wraps in a message with one repeated field but JSON writes as a plain array.
    list_wrapper: bool,
    fields: Vec<PbField>,
}

fn parse_pb_file(
    file: &Path,
    module: &[String],
    messages: &mut BTreeMap<String, PbMessage>,
    group_versions: &mut BTreeMap<String, String>,
) {
    let text = std::fs::read_to_string(file).expect("read k8s-pb source");
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("parse {}: {e}", file.display()));
    let module_str = module.join("::");
    for item in &ast.items {
        match item {
            syn::Item::Struct(s) if derives_message(&s.attrs) => {
                let docs = doc_text(&s.attrs);
                let mut fields = Vec::new();
                for f in &s.fields {
                    let Some(ident) = &f.ident else { continue };
                    let rust_name = ident.to_string().trim_start_matches("r#").to_owned();
                    if let Some(field) = parse_pb_field(rust_name, &f.attrs, &f.ty, module) {
                        fields.push(field);
                    }
                }
                let list_wrapper = docs.contains("+protobuf.nullable=true")
                    && fields.len() == 1
                    && matches!(fields[0].shape, PbShape::Repeated(_));
                messages.insert(
                    format!("{module_str}::{}", s.ident),
                    PbMessage {
                        list_wrapper,
                        fields,
                    },
                );
            }
            syn::Item::Impl(imp) => {
                let is_resource = imp
                    .trait_
                    .as_ref()
                    .and_then(|(_, path, _)| path.segments.last())
                    .is_some_and(|seg| seg.ident == "Resource");
                if !is_resource {
                    continue;
                }
                for impl_item in &imp.items {
                    if let syn::ImplItem::Const(c) = impl_item {
                        if c.ident == "API_VERSION" {
                            if let syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s),
                                ..
                            }) = &c.expr
                            {
                                group_versions
                                    .entry(s.value())
                                    .or_insert_with(|| module_str.clone());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn derives_message(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive") && {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                if meta
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Message")
                {
                    found = true;
                }
                Ok(())
            });
            found
        }
    })
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut out = String::new();
    for a in attrs {
        if let syn::Meta::NameValue(nv) = &a.meta {
            if nv.path.is_ident("doc") {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    out.push_str(&s.value());
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn parse_pb_field(
    rust_name: String,
    attrs: &[syn::Attribute],
    ty: &syn::Type,
    module: &[String],
) -> Option<PbField> {
    let attr = attrs.iter().find(|a| a.path().is_ident("prost"))?;
    let mut kind: Option<String> = None;
    let mut map: Option<String> = None;
    let mut repeated = false;
    let mut tag = None;
    attr.parse_nested_meta(|meta| {
        let name = meta
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match name.as_str() {
            "tag" => {
                let lit: syn::LitStr = meta.value()?.parse()?;
                tag = Some(lit.value().parse::<u32>().expect("numeric tag"));
            }
            "btree_map" | "map" | "hash_map" => {
                let lit: syn::LitStr = meta.value()?.parse()?;
                map = Some(lit.value());
            }
            "repeated" => repeated = true,
            "boxed" => {}
            "optional" | "required" => {}
            "packed" => {
                let _: syn::LitStr = meta.value()?.parse()?;
            }
            other => {
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::LitStr = meta.value()?.parse()?;
                }
                kind = Some(other.to_owned());
            }
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("prost attribute of {rust_name}: {e}"));
    let tag = tag.unwrap_or_else(|| panic!("field {rust_name} has no tag"));
    let message_path = || innermost_path(ty, module);
    let scalar = |k: &str| -> PbType {
        match k {
            "string" => PbType::String,
            "bytes" => PbType::Bytes,
            "bool" => PbType::Bool,
            "int32" => PbType::Int32,
            "int64" => PbType::Int64,
            "double" => PbType::Double,
            "message" => PbType::Message(message_path()),
            other => panic!("unsupported prost type {other} on {rust_name}"),
        }
    };
    let shape = if let Some(map) = map {
        let (k, v) = map.split_once(',').expect("map = \"k, v\"");
        PbShape::Map(scalar(k.trim()), scalar(v.trim()))
    } else {
        let t = scalar(
            kind.as_deref()
                .unwrap_or_else(|| panic!("field {rust_name} has no type")),
        );
        if repeated {
            PbShape::Repeated(t)
        } else {
            PbShape::Single(t)
        }
    };
    Some(PbField {
        rust_name,
        tag,
        shape,
    })
}

/// The message type named by a field's Rust type: the last generic argument through
/// `Option`, `Vec`, `Box` and `BTreeMap`, resolved against `super::` and `crate::`.
fn innermost_path(ty: &syn::Type, module: &[String]) -> String {
    let syn::Type::Path(tp) = ty else {
        panic!("unexpected field type")
    };
    let last = tp.path.segments.last().expect("path segment");
    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
        let inner = args.args.iter().rev().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        });
        if let Some(inner) = inner {
            return innermost_path(inner, module);
        }
    }
    let mut resolved: Vec<String> = module.to_vec();
    let segments: Vec<String> = tp
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let mut rest = segments.as_slice();
    if rest.first().is_some_and(|s| s == "crate") {
        resolved.clear();
        rest = &rest[1..];
    }
    while rest.first().is_some_and(|s| s == "super") {
        resolved.pop();
        rest = &rest[1..];
    }
    resolved.extend(rest.iter().cloned());
    resolved.join("::")
}

/// JSON facts about one k8s-openapi definition, keyed by normalised field name.
struct OpenApiType {
    /// The definition's name as Kubernetes spells it, e.g. `ClientIPConfig`.
    name: String,
    fields: HashMap<String, (String, bool)>,
}

fn parse_openapi_file(root: &Path, file: &Path, out: &mut HashMap<String, OpenApiType>) {
    let text = std::fs::read_to_string(file).expect("read k8s-openapi source");
    if !text.starts_with("// Generated from definition ") {
        return;
    }
    let module = module_path(root, file);
    let module = &module[..module.len().saturating_sub(1)];
    let mut struct_name = None;
    let mut field_types: HashMap<String, bool> = HashMap::new();
    let mut in_struct = false;
    let mut json_names: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if struct_name.is_none() {
            if let Some(rest) = line.strip_prefix("pub struct ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                in_struct = rest.trim_end().ends_with('{');
                struct_name = Some(name);
            }
            continue;
        }
        if in_struct {
            if line.starts_with('}') {
                in_struct = false;
            } else if let Some(rest) = line.trim_start().strip_prefix("pub ") {
                if let Some((name, ty)) = rest.split_once(": ") {
                    field_types.insert(name.to_owned(), !ty.starts_with("Option<"));
                }
            }
            continue;
        }
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix('"') {
            if let Some((json, rust)) = rest.split_once("\" => Field::Key_") {
                let rust = rust.trim_end_matches(',');
                json_names.push((json.to_owned(), rust.to_owned()));
            }
        }
    }
    let Some(name) = struct_name else { return };
    let mut fields = HashMap::new();
    for (json, rust) in json_names {
        // Resources' type meta is not a struct field; `apiVersion` of an ObjectReference is.
        if (json == "apiVersion" || json == "kind") && !field_types.contains_key(&rust) {
            continue;
        }
        let required = field_types.get(&rust).copied().unwrap_or(false);
        let key = normalise(&json);
        if let Some((previous, _)) = fields.insert(key, (json.clone(), required)) {
            panic!("k8s-openapi {name}: JSON names {previous} and {json} normalise alike");
        }
    }
    let key = format!("{}::{}", module.join("::"), normalise(&name));
    out.insert(key, OpenApiType { name, fields });
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `snake_case` -> `lowerCamel`, for the few messages k8s-openapi does not model
/// (option types such as `ListOptions`, internal types).
fn lower_camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `Message.jsonField` entries: Go pointer fields whose zero value is meaningful.
fn read_pointer_fields(path: &Path) -> BTreeSet<(String, String)> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (m, f) = l
                .split_once('.')
                .unwrap_or_else(|| panic!("pointer_fields.txt: bad line {l}"));
            (m.to_owned(), f.to_owned())
        })
        .collect()
}

const META_V1: &str = "apimachinery::pkg::apis::meta::v1";

/// `key` is `module::casefoldedname`.
fn special_of(key: &str, message: &PbMessage) -> &'static str {
    let (module, name) = key.rsplit_once("::").unwrap_or(("", key));
    let apiextensions = module.starts_with("apiextensions_apiserver::");
    match (module, name) {
        (META_V1, "time") => "Time",
        (META_V1, "microtime") => "MicroTime",
        (META_V1, "duration") => "Duration",
        (META_V1, "fieldsv1") => "RawJson",
        ("apimachinery::pkg::runtime", "rawextension") => "RawJson",
        ("apimachinery::pkg::api::resource", "quantity" | "quantityvalue") => "Quantity",
        ("apimachinery::pkg::util::intstr", "intorstring") => "IntOrString",
        (_, "json") if apiextensions => "RawJson",
        (_, "jsonschemapropsorarray") if apiextensions => "SchemaOrArray",
        (_, "jsonschemapropsorbool") if apiextensions => "SchemaOrBool",
        (_, "jsonschemapropsorstringarray") if apiextensions => "SchemaOrStringArray",
        _ if message.list_wrapper => "ListWrapper",
        _ => "None",
    }
}

fn generate(
    messages: &BTreeMap<String, PbMessage>,
    group_versions: &BTreeMap<String, String>,
    openapi: &HashMap<String, OpenApiType>,
    pointer_fields: &BTreeSet<(String, String)>,
) -> String {
    // Kubernetes' own type names (`ClientIPConfig`) where k8s-openapi knows the type; prost
    // re-cases them (`ClientIpConfig`). The table is sorted by module and case-folded name,
    // which is how the decoder looks kinds up.
    let mut named: Vec<(String, String, &String, &PbMessage)> = messages
        .iter()
        .map(|(rust_path, message)| {
            let (module, rust_name) = rust_path.rsplit_once("::").unwrap_or(("", rust_path));
            let key = format!("{module}::{}", normalise(rust_name));
            let name = openapi.get(&key).map_or(rust_name, |t| t.name.as_str());
            (key, format!("{module}::{name}"), rust_path, message)
        })
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    for pair in named.windows(2) {
        assert!(
            pair[0].0 != pair[1].0,
            "k8s-pb messages {} and {} differ only in case",
            pair[0].2,
            pair[1].2
        );
    }
    let index: HashMap<&str, usize> = named
        .iter()
        .enumerate()
        .map(|(i, n)| (n.2.as_str(), i))
        .collect();
    // Embedded Go structs (`VolumeSource` in `Volume`) have no OpenAPI definition of their
    // own; their JSON names are those of the parent's definition, which inlines them.
    let mut inline_parent: HashMap<&str, &OpenApiType> = HashMap::new();
    for (key, _, _, message) in &named {
        let Some(parent) = openapi.get(key) else {
            continue;
        };
        for f in &message.fields {
            if let PbShape::Single(PbType::Message(child)) = &f.shape {
                if !parent.fields.contains_key(&normalise(&f.rust_name)) {
                    let child_key = &named[index[child.as_str()]].0;
                    if !openapi.contains_key(child_key) {
                        inline_parent.entry(child_key.as_str()).or_insert(parent);
                    }
                }
            }
        }
    }
    let ty = |t: &PbType| -> String {
        match t {
            PbType::String => "Ty::String".into(),
            PbType::Bytes => "Ty::Bytes".into(),
            PbType::Bool => "Ty::Bool".into(),
            PbType::Int32 => "Ty::Int32".into(),
            PbType::Int64 => "Ty::Int64".into(),
            PbType::Double => "Ty::Double".into(),
            PbType::Message(p) => {
                format!(
                    "Ty::Message({})",
                    index
                        .get(p.as_str())
                        .unwrap_or_else(|| panic!("unknown message {p}"))
                )
            }
        }
    };
    let mut used_pointer_fields = BTreeSet::new();
    let mut unmatched = Vec::new();

    let mut out = String::new();
    out.push_str("// Generated by crates/api/build.rs from the k8s-pb and k8s-openapi sources.\n");
    let _ = writeln!(out, "pub(super) static MESSAGES: &[Message] = &[");
    for (key, path, _, message) in &named {
        let special = special_of(key, message);
        let short = path.rsplit("::").next().unwrap_or(path);
        let json_type = openapi
            .get(key)
            .or_else(|| inline_parent.get(key.as_str()).copied());
        let _ = writeln!(
            out,
            "    Message {{ key: {key:?}, path: {path:?}, special: Special::{special}, fields: &["
        );
        for f in &message.fields {
            let matched = json_type.and_then(|t| t.fields.get(&normalise(&f.rust_name)));
            // A message field that k8s-openapi's type lacks is a Go embedded struct
            // (`LocalObjectReference` in `SecretKeySelector`, `VolumeSource` in `Volume`):
            // JSON inlines its fields into the parent's.
            let inline = json_type.is_some()
                && matched.is_none()
                && matches!(f.shape, PbShape::Single(PbType::Message(_)));
            let (json, required) = matched.cloned().unwrap_or_else(|| {
                if json_type.is_some() && !inline && special == "None" {
                    unmatched.push(format!("{path}.{}", f.rust_name));
                }
                (lower_camel(&f.rust_name), false)
            });
            let keep_zero = pointer_fields.contains(&(short.to_owned(), json.clone()));
            if keep_zero {
                used_pointer_fields.insert((short.to_owned(), json.clone()));
            }
            let shape = match &f.shape {
                PbShape::Single(t) => format!("Shape::Single({})", ty(t)),
                PbShape::Repeated(t) => format!("Shape::Repeated({})", ty(t)),
                PbShape::Map(k, v) => format!("Shape::Map({}, {})", ty(k), ty(v)),
            };
            let _ = writeln!(
                out,
                "        Field {{ tag: {}, json: {json:?}, shape: {shape}, required: {required}, keep_zero: {keep_zero}, inline: {inline} }},",
                f.tag
            );
        }
        let _ = writeln!(out, "    ] }},");
    }
    let _ = writeln!(out, "];");
    let unknown: Vec<String> = pointer_fields
        .difference(&used_pointer_fields)
        .map(|(m, f)| format!("{m}.{f}"))
        .collect();
    assert!(
        unknown.is_empty(),
        "pointer_fields.txt names fields no k8s-pb message has: {unknown:?}"
    );
    // Fields of types k8s-openapi models but under no JSON name it knows: named by
    // camel-casing the Rust name. Only a version skew between the two crates causes these.
    if !unmatched.is_empty() {
        println!("cargo::warning=protobuf: JSON names guessed for {unmatched:?}; are k8s-pb and k8s-openapi the same Kubernetes version?");
    }
    let _ = writeln!(out, "// Fields with guessed JSON names: {unmatched:?}");
    let _ = writeln!(
        out,
        "pub(super) static GROUP_VERSIONS: &[(&str, &str)] = &["
    );
    for (api_version, module) in group_versions {
        let _ = writeln!(out, "    ({api_version:?}, {module:?}),");
    }
    let _ = writeln!(out, "];");
    out
}
