//! The REST paths and operations of the published OpenAPI documents: one path item per
//! collection, object and subresource URL, with Kubernetes' operation ids, actions,
//! `x-kubernetes-group-version-kind` and query parameters, rendered either as
//! OpenAPI 3.0 (`/openapi/v3`) or Swagger 2.0 (`/openapi/v2`).
//!
//! kubectl reads these: `explain` takes a resource's kind from the
//! `x-kubernetes-group-version-kind` of its collection or object operations, and
//! `apply`/`create` enable server-side field validation when the PATCH operation of the
//! kind lists the `fieldValidation` query parameter.

use rkube_api::ResourceInfo;
use serde_json::{json, Map, Value};

use crate::discovery::{subresource, SubresourceInfo};

/// Content types of PATCH bodies the server accepts, in Kubernetes' order.
pub(crate) const PATCH_CONTENT_TYPES: &[&str] = &[
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    STRATEGIC_MERGE_PATCH,
];

pub(crate) const STRATEGIC_MERGE_PATCH: &str = "application/strategic-merge-patch+json";

/// Response media types the server produces.
const PRODUCES: &[&str] = &["application/json", "application/yaml"];
const PRODUCES_LIST: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/json;stream=watch",
];

#[derive(Clone, Copy)]
enum Ty {
    String,
    Boolean,
    Integer,
}

#[derive(Clone, Copy)]
struct Param {
    name: &'static str,
    ty: Ty,
    description: &'static str,
}

const fn p(name: &'static str, ty: Ty, description: &'static str) -> Param {
    Param {
        name,
        ty,
        description,
    }
}

const PRETTY: Param = p(
    "pretty",
    Ty::String,
    "If 'true', then the output is pretty printed.",
);
const DRY_RUN: Param = p(
    "dryRun",
    Ty::String,
    "When present, indicates that modifications should not be persisted. Valid value: All (process every stage of the request without persisting it).",
);
const FIELD_MANAGER: Param = p(
    "fieldManager",
    Ty::String,
    "A name for the actor making the change, recorded in managedFields.",
);
const FIELD_VALIDATION: Param = p(
    "fieldValidation",
    Ty::String,
    "How the server treats unknown or duplicate fields in the request body: Ignore (drop them silently), Warn (drop them and return a warning per field) or Strict (fail the request).",
);
const FORCE: Param = p(
    "force",
    Ty::Boolean,
    "Force an apply request to take ownership of conflicting fields. Only valid for apply patches.",
);
const LIST_PARAMS: &[Param] = &[
    p(
        "allowWatchBookmarks",
        Ty::Boolean,
        "Ask a watch for BOOKMARK events.",
    ),
    p(
        "continue",
        Ty::String,
        "The continue token of a previous paged list call.",
    ),
    p(
        "fieldSelector",
        Ty::String,
        "Restrict the returned objects by their fields.",
    ),
    p(
        "labelSelector",
        Ty::String,
        "Restrict the returned objects by their labels.",
    ),
    p(
        "limit",
        Ty::Integer,
        "The maximum number of objects to return in one page.",
    ),
    p(
        "resourceVersion",
        Ty::String,
        "Which resource version the list or watch starts from.",
    ),
    p(
        "resourceVersionMatch",
        Ty::String,
        "How resourceVersion applies to a list: Exact or NotOlderThan.",
    ),
    p(
        "sendInitialEvents",
        Ty::Boolean,
        "Start a watch with synthetic events for the current state.",
    ),
    p(
        "timeoutSeconds",
        Ty::Integer,
        "Timeout for the list or watch call.",
    ),
    p(
        "watch",
        Ty::Boolean,
        "Watch for changes and return them as a stream of events.",
    ),
];
const DELETE_PARAMS: &[Param] = &[
    DRY_RUN,
    p(
        "gracePeriodSeconds",
        Ty::Integer,
        "Seconds before the object is deleted; 0 means immediately.",
    ),
    p(
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        Ty::Boolean,
        "Delete an object whose stored data cannot be read. Dangerous.",
    ),
    p(
        "orphanDependents",
        Ty::Boolean,
        "Deprecated: use propagationPolicy.",
    ),
    p(
        "propagationPolicy",
        Ty::String,
        "Garbage collection of dependents: Orphan, Background or Foreground.",
    ),
];
const LOG_PARAMS: &[Param] = &[
    p("container", Ty::String, "The container to stream logs of."),
    p("follow", Ty::Boolean, "Follow the log stream."),
    p(
        "insecureSkipTLSVerifyBackend",
        Ty::Boolean,
        "Do not verify the serving certificate of the kubelet.",
    ),
    p(
        "limitBytes",
        Ty::Integer,
        "Maximum number of bytes to return.",
    ),
    p(
        "previous",
        Ty::Boolean,
        "Return the logs of the previous, terminated container.",
    ),
    p(
        "sinceSeconds",
        Ty::Integer,
        "Only logs newer than this many seconds.",
    ),
    p(
        "sinceTime",
        Ty::String,
        "Only logs after this RFC3339 time.",
    ),
    p(
        "stream",
        Ty::String,
        "Which stream to return: All, Stdout or Stderr.",
    ),
    p(
        "tailLines",
        Ty::Integer,
        "Number of lines from the end of the log to show.",
    ),
    p(
        "timestamps",
        Ty::Boolean,
        "Prefix every line with its RFC3339 timestamp.",
    ),
];
const EXEC_PARAMS: &[Param] = &[
    p(
        "command",
        Ty::String,
        "The command to run (one parameter per argument).",
    ),
    p("container", Ty::String, "The container to run it in."),
    p("stderr", Ty::Boolean, "Redirect standard error."),
    p("stdin", Ty::Boolean, "Redirect standard input."),
    p("stdout", Ty::Boolean, "Redirect standard output."),
    p("tty", Ty::Boolean, "Allocate a terminal."),
];
const ATTACH_PARAMS: &[Param] = &[
    p("container", Ty::String, "The container to attach to."),
    p("stderr", Ty::Boolean, "Attach standard error."),
    p("stdin", Ty::Boolean, "Attach standard input."),
    p("stdout", Ty::Boolean, "Attach standard output."),
    p("tty", Ty::Boolean, "The container's stdin is a terminal."),
];
const PORTFORWARD_PARAMS: &[Param] = &[p(
    "ports",
    Ty::Integer,
    "The ports to forward (one parameter per port).",
)];
const PROXY_PARAMS: &[Param] = &[p("path", Ty::String, "The path to proxy to.")];

/// What an operation's body or response is.
#[derive(Clone)]
enum Payload {
    /// A schema by its Kubernetes name.
    Schema(String),
    /// A PATCH body (`io.k8s.apimachinery.pkg.apis.meta.v1.Patch`); `strategic` when the
    /// kind supports strategic merge patch (built-in kinds, not custom ones).
    Patch { strategic: bool },
    /// Plain text / a stream (logs, exec, proxy).
    Text,
}

struct Operation {
    method: &'static str,
    action: &'static str,
    operation_id: String,
    description: String,
    gvk: (&'static str, &'static str, &'static str),
    params: Vec<Param>,
    body: Option<(Payload, bool)>,
    response: Payload,
    list: bool,
}

/// One URL of the API with its operations.
pub(crate) struct PathItem {
    pub path: String,
    namespaced: bool,
    named: bool,
    ops: Vec<Operation>,
}

/// The schema names that a resource's kind and its list have in the documents.
pub(crate) struct KindNames<'a> {
    pub kind: &'a str,
    pub list: &'a str,
    /// Built-in kind with strategic-merge-patch metadata in its schema.
    pub strategic: bool,
}

/// Resolves the schema name of a group/version/kind (for subresource kinds).
pub(crate) type SchemaNameOf<'a> = dyn Fn(&str, &str, &str) -> Option<String> + 'a;

/// All path items of one resource.
pub(crate) fn resource_paths(
    info: &ResourceInfo,
    names: &KindNames<'_>,
    schema_of: &SchemaNameOf<'_>,
) -> Vec<PathItem> {
    let prefix = if info.group.is_empty() {
        format!("/api/{}", info.version)
    } else {
        format!("/apis/{}/{}", info.group, info.version)
    };
    let scope = if info.namespaced {
        "/namespaces/{namespace}"
    } else {
        ""
    };
    let collection = format!("{prefix}{scope}/{}", info.plural);
    let object = format!("{collection}/{{name}}");
    let gv_id = gv_op_part(info.group, info.version);
    let ns_word = if info.namespaced { "Namespaced" } else { "" };
    let id = |verb: &str, extra: &str| format!("{verb}{gv_id}{extra}{ns_word}{}", info.kind);
    let gvk = (info.group, info.version, info.kind);
    let has = |v: &str| info.verbs.contains(&v);
    let kind_ref = Payload::Schema(names.kind.to_string());
    let mut items = Vec::new();

    let mut coll_ops = Vec::new();
    if has("list") {
        coll_ops.push(Operation {
            method: "get",
            action: "list",
            operation_id: id("list", ""),
            description: format!("list or watch objects of kind {}", info.kind),
            gvk,
            params: LIST_PARAMS.to_vec(),
            body: None,
            response: Payload::Schema(names.list.to_string()),
            list: true,
        });
    }
    if has("create") {
        coll_ops.push(Operation {
            method: "post",
            action: "post",
            operation_id: id("create", ""),
            description: format!("create a {}", info.kind),
            gvk,
            params: vec![DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
            body: Some((kind_ref.clone(), true)),
            response: kind_ref.clone(),
            list: false,
        });
    }
    if has("deletecollection") {
        let mut params = DELETE_PARAMS.to_vec();
        params.extend(
            LIST_PARAMS
                .iter()
                .filter(|p| !matches!(p.name, "watch" | "allowWatchBookmarks")),
        );
        params.sort_by_key(|p| p.name);
        coll_ops.push(Operation {
            method: "delete",
            action: "deletecollection",
            operation_id: id("delete", "Collection"),
            description: format!("delete collection of {}", info.kind),
            gvk,
            params,
            body: Some((Payload::Schema(DELETE_OPTIONS.into()), false)),
            response: Payload::Schema(STATUS.into()),
            list: false,
        });
    }
    if !coll_ops.is_empty() {
        items.push(PathItem {
            path: collection.clone(),
            namespaced: info.namespaced,
            named: false,
            ops: coll_ops,
        });
    }
    if info.namespaced && has("list") {
        items.push(PathItem {
            path: format!("{prefix}/{}", info.plural),
            namespaced: false,
            named: false,
            ops: vec![Operation {
                method: "get",
                action: "list",
                operation_id: format!("list{gv_id}{}ForAllNamespaces", info.kind),
                description: format!("list or watch objects of kind {}", info.kind),
                gvk,
                params: LIST_PARAMS.to_vec(),
                body: None,
                response: Payload::Schema(names.list.to_string()),
                list: true,
            }],
        });
    }

    let mut obj_ops = Vec::new();
    if has("get") {
        obj_ops.push(read_op(
            id("read", ""),
            format!("read the specified {}", info.kind),
            gvk,
            kind_ref.clone(),
        ));
    }
    if has("update") {
        obj_ops.push(replace_op(
            id("replace", ""),
            format!("replace the specified {}", info.kind),
            gvk,
            kind_ref.clone(),
        ));
    }
    if has("patch") {
        obj_ops.push(patch_op(
            id("patch", ""),
            format!("partially update the specified {}", info.kind),
            gvk,
            kind_ref.clone(),
            names.strategic,
        ));
    }
    if has("delete") {
        obj_ops.push(Operation {
            method: "delete",
            action: "delete",
            operation_id: id("delete", ""),
            description: format!("delete a {}", info.kind),
            gvk,
            params: DELETE_PARAMS.to_vec(),
            body: Some((Payload::Schema(DELETE_OPTIONS.into()), false)),
            response: Payload::Schema(STATUS.into()),
            list: false,
        });
    }
    if !obj_ops.is_empty() {
        items.push(PathItem {
            path: object.clone(),
            namespaced: info.namespaced,
            named: true,
            ops: obj_ops,
        });
    }

    for sub in info.subresources {
        let s = subresource(info, sub);
        let sub_id = |verb: &str| format!("{verb}{gv_id}{ns_word}{}{}", info.kind, capitalize(sub));
        let sub_gvk = (s.group, s.version, s.kind);
        let sub_ref = schema_of(s.group, s.version, s.kind)
            .map(Payload::Schema)
            .unwrap_or(Payload::Text);
        let path = format!("{object}/{sub}");
        let desc = |what: &str| format!("{what} {sub} of the specified {}", info.kind);
        let ops = match *sub {
            "log" => vec![Operation {
                method: "get",
                action: "get",
                operation_id: sub_id("read"),
                description: format!("read log of the specified {}", info.kind),
                gvk: sub_gvk,
                params: LOG_PARAMS.to_vec(),
                body: None,
                response: Payload::Text,
                list: false,
            }],
            "exec" | "attach" | "portforward" => {
                let params = match *sub {
                    "exec" => EXEC_PARAMS,
                    "attach" => ATTACH_PARAMS,
                    _ => PORTFORWARD_PARAMS,
                };
                ["get", "post"]
                    .into_iter()
                    .map(|m| connect_op(info, sub, m, &gv_id, ns_word, sub_gvk, params, ""))
                    .collect()
            }
            "proxy" => {
                let methods = ["get", "put", "post", "delete", "options", "head", "patch"];
                let ops: Vec<Operation> = methods
                    .iter()
                    .map(|m| connect_op(info, sub, m, &gv_id, ns_word, sub_gvk, PROXY_PARAMS, ""))
                    .collect();
                items.push(PathItem {
                    path: path.clone(),
                    namespaced: info.namespaced,
                    named: true,
                    ops,
                });
                let with_path: Vec<Operation> = methods
                    .iter()
                    .map(|m| {
                        connect_op(
                            info,
                            sub,
                            m,
                            &gv_id,
                            ns_word,
                            sub_gvk,
                            PROXY_PARAMS,
                            "WithPath",
                        )
                    })
                    .collect();
                items.push(PathItem {
                    path: format!("{path}/{{path}}"),
                    namespaced: info.namespaced,
                    named: true,
                    ops: with_path,
                });
                continue;
            }
            _ => sub_rest_ops(&s, sub_gvk, &sub_ref, names.strategic, &sub_id, &desc),
        };
        items.push(PathItem {
            path,
            namespaced: info.namespaced,
            named: true,
            ops,
        });
    }
    items
}

fn sub_rest_ops(
    s: &SubresourceInfo,
    gvk: (&'static str, &'static str, &'static str),
    body: &Payload,
    strategic: bool,
    sub_id: &dyn Fn(&str) -> String,
    desc: &dyn Fn(&str) -> String,
) -> Vec<Operation> {
    let mut ops = Vec::new();
    if s.verbs.contains(&"get") {
        ops.push(read_op(sub_id("read"), desc("read"), gvk, body.clone()));
    }
    if s.verbs.contains(&"update") {
        ops.push(replace_op(
            sub_id("replace"),
            desc("replace"),
            gvk,
            body.clone(),
        ));
    }
    if s.verbs.contains(&"patch") {
        ops.push(patch_op(
            sub_id("patch"),
            desc("partially update"),
            gvk,
            body.clone(),
            strategic,
        ));
    }
    if s.verbs.contains(&"create") {
        ops.push(Operation {
            method: "post",
            action: "post",
            operation_id: sub_id("create"),
            description: desc("create"),
            gvk,
            params: vec![DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
            body: Some((body.clone(), true)),
            response: body.clone(),
            list: false,
        });
    }
    ops
}

#[allow(clippy::too_many_arguments)]
fn connect_op(
    info: &ResourceInfo,
    sub: &str,
    method: &'static str,
    gv_id: &str,
    ns_word: &str,
    gvk: (&'static str, &'static str, &'static str),
    params: &[Param],
    suffix: &str,
) -> Operation {
    Operation {
        method,
        action: "connect",
        operation_id: format!(
            "connect{gv_id}{}{ns_word}{}{}{suffix}",
            capitalize(method),
            info.kind,
            capitalize(sub)
        ),
        description: format!(
            "connect {} requests to {} of {}",
            method.to_uppercase(),
            sub,
            info.kind
        ),
        gvk,
        params: params.to_vec(),
        body: None,
        response: Payload::Text,
        list: false,
    }
}

fn read_op(
    id: String,
    description: String,
    gvk: (&'static str, &'static str, &'static str),
    kind: Payload,
) -> Operation {
    Operation {
        method: "get",
        action: "get",
        operation_id: id,
        description,
        gvk,
        params: vec![],
        body: None,
        response: kind,
        list: false,
    }
}

fn replace_op(
    id: String,
    description: String,
    gvk: (&'static str, &'static str, &'static str),
    kind: Payload,
) -> Operation {
    Operation {
        method: "put",
        action: "put",
        operation_id: id,
        description,
        gvk,
        params: vec![DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
        body: Some((kind.clone(), true)),
        response: kind,
        list: false,
    }
}

fn patch_op(
    id: String,
    description: String,
    gvk: (&'static str, &'static str, &'static str),
    kind: Payload,
    strategic: bool,
) -> Operation {
    Operation {
        method: "patch",
        action: "patch",
        operation_id: id,
        description,
        gvk,
        params: vec![DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
        body: Some((Payload::Patch { strategic }, true)),
        response: kind,
        list: false,
    }
}

pub(crate) const STATUS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
pub(crate) const DELETE_OPTIONS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
pub(crate) const PATCH: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

/// `CoreV1`, `AppsV1`, `RbacAuthorizationV1`, `FlowcontrolApiserverV1`: the group-version
/// part of Kubernetes' operation ids.
fn gv_op_part(group: &str, version: &str) -> String {
    let group = if group.is_empty() {
        "core"
    } else {
        group.strip_suffix(".k8s.io").unwrap_or(group)
    };
    let mut out: String = group.split(['.', '-']).map(capitalize).collect();
    out.push_str(&capitalize(version));
    out
}

/// `core_v1`, `apps_v1`, `rbacAuthorization_v1`: Kubernetes' operation tags.
fn tag(group: &str, version: &str) -> String {
    let g = gv_op_part(group, "");
    let mut chars = g.chars();
    let first = chars
        .next()
        .map(|c| c.to_ascii_lowercase())
        .unwrap_or_default();
    format!("{first}{}_{version}", chars.as_str())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Which document dialect to render.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    V2,
    V3,
}

impl Dialect {
    pub(crate) fn schema_ref(self, name: &str) -> Value {
        match self {
            Dialect::V2 => json!({"$ref": format!("#/definitions/{name}")}),
            Dialect::V3 => json!({"$ref": format!("#/components/schemas/{name}")}),
        }
    }
}

fn param_json(dialect: Dialect, param: &Param, location: &str, required: bool) -> Value {
    let ty = match param.ty {
        Ty::String => "string",
        Ty::Boolean => "boolean",
        Ty::Integer => "integer",
    };
    let mut m = Map::new();
    m.insert("name".into(), param.name.into());
    m.insert("in".into(), location.into());
    m.insert("description".into(), param.description.into());
    if required {
        m.insert("required".into(), true.into());
    }
    match dialect {
        Dialect::V2 => {
            m.insert("type".into(), ty.into());
            m.insert("uniqueItems".into(), true.into());
        }
        Dialect::V3 => {
            m.insert("schema".into(), json!({"type": ty, "uniqueItems": true}));
        }
    }
    Value::Object(m)
}

fn payload_schema(dialect: Dialect, payload: &Payload) -> Value {
    match payload {
        Payload::Schema(name) => dialect.schema_ref(name),
        Payload::Patch { .. } => dialect.schema_ref(PATCH),
        Payload::Text => json!({"type": "string"}),
    }
}

/// Renders one path item (a JSON object of operations plus the path-level parameters).
pub(crate) fn render(item: &PathItem, dialect: Dialect) -> Value {
    let mut out = Map::new();
    let mut ops: Vec<&Operation> = item.ops.iter().collect();
    let order = ["get", "put", "post", "delete", "options", "head", "patch"];
    ops.sort_by_key(|o| order.iter().position(|m| *m == o.method));
    for op in ops {
        out.insert(op.method.into(), render_op(op, dialect));
    }
    let mut params = Vec::new();
    if item.named {
        params.push(param_json(
            dialect,
            &p("name", Ty::String, "name of the object"),
            "path",
            true,
        ));
    }
    if item.namespaced {
        params.push(param_json(
            dialect,
            &p(
                "namespace",
                Ty::String,
                "object name and auth scope, such as for teams and projects",
            ),
            "path",
            true,
        ));
    }
    if item.path.ends_with("/{path}") {
        params.push(param_json(
            dialect,
            &p("path", Ty::String, "path to the resource"),
            "path",
            true,
        ));
    }
    params.push(param_json(dialect, &PRETTY, "query", false));
    out.insert("parameters".into(), Value::Array(params));
    Value::Object(out)
}

fn render_op(op: &Operation, dialect: Dialect) -> Value {
    let (group, version, kind) = op.gvk;
    let mut m = Map::new();
    m.insert("tags".into(), json!([tag(group, version)]));
    m.insert("description".into(), op.description.clone().into());
    m.insert("operationId".into(), op.operation_id.clone().into());
    let produces: Vec<&str> = match op.response {
        Payload::Text => vec!["*/*"],
        _ if op.list => PRODUCES_LIST.to_vec(),
        _ => PRODUCES.to_vec(),
    };
    let consumes: Vec<&str> = match &op.body {
        Some((Payload::Patch { strategic: true }, _)) => PATCH_CONTENT_TYPES.to_vec(),
        Some((Payload::Patch { strategic: false }, _)) => PATCH_CONTENT_TYPES
            .iter()
            .copied()
            .filter(|ct| *ct != STRATEGIC_MERGE_PATCH)
            .collect(),
        _ => vec!["*/*"],
    };
    let mut params: Vec<Value> = Vec::new();
    if let (Dialect::V2, Some((payload, required))) = (dialect, &op.body) {
        let mut body = Map::new();
        body.insert("name".into(), "body".into());
        body.insert("in".into(), "body".into());
        if *required {
            body.insert("required".into(), true.into());
        }
        body.insert("schema".into(), payload_schema(dialect, payload));
        params.push(Value::Object(body));
    }
    params.extend(
        op.params
            .iter()
            .map(|p| param_json(dialect, p, "query", false)),
    );
    if dialect == Dialect::V2 {
        m.insert("consumes".into(), json!(consumes));
        m.insert("produces".into(), json!(produces));
        m.insert("schemes".into(), json!(["https"]));
    }
    if !params.is_empty() {
        m.insert("parameters".into(), Value::Array(params));
    }
    if let (Dialect::V3, Some((payload, required))) = (dialect, &op.body) {
        let schema = payload_schema(dialect, payload);
        let content: Map<String, Value> = consumes
            .iter()
            .map(|ct| ((*ct).to_string(), json!({"schema": schema})))
            .collect();
        let mut body = Map::new();
        body.insert("content".into(), Value::Object(content));
        if *required {
            body.insert("required".into(), true.into());
        }
        m.insert("requestBody".into(), Value::Object(body));
    }
    let response_schema = payload_schema(dialect, &op.response);
    let ok = |description: &str| match dialect {
        Dialect::V2 => json!({"description": description, "schema": response_schema}),
        Dialect::V3 => {
            let content: Map<String, Value> = produces
                .iter()
                .map(|ct| ((*ct).to_string(), json!({"schema": response_schema})))
                .collect();
            json!({"description": description, "content": content})
        }
    };
    let mut responses = Map::new();
    responses.insert("200".into(), ok("OK"));
    match op.action {
        "post" => {
            responses.insert("201".into(), ok("Created"));
            responses.insert("202".into(), ok("Accepted"));
        }
        "put" | "patch" => {
            responses.insert("201".into(), ok("Created"));
        }
        "delete" => {
            responses.insert("202".into(), ok("Accepted"));
        }
        _ => {}
    }
    responses.insert("401".into(), json!({"description": "Unauthorized"}));
    m.insert("responses".into(), Value::Object(responses));
    m.insert("x-kubernetes-action".into(), op.action.into());
    m.insert(
        "x-kubernetes-group-version-kind".into(),
        json!({"group": group, "kind": kind, "version": version}),
    );
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_id_parts() {
        assert_eq!(gv_op_part("", "v1"), "CoreV1");
        assert_eq!(
            gv_op_part("rbac.authorization.k8s.io", "v1"),
            "RbacAuthorizationV1"
        );
        assert_eq!(
            gv_op_part("flowcontrol.apiserver.k8s.io", "v1"),
            "FlowcontrolApiserverV1"
        );
        assert_eq!(gv_op_part("apps", "v1"), "AppsV1");
        assert_eq!(tag("", "v1"), "core_v1");
        assert_eq!(
            tag("rbac.authorization.k8s.io", "v1"),
            "rbacAuthorization_v1"
        );
    }
}
