//! The REST surface: maps an HTTP request under `/api` and `/apis` to a discovery document
//! or to an operation of [`crate::ops`], and renders the answer (object, list, Table,
//! PartialObjectMetadata, or Status). Handlers stay thin.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::Utc;
use http::{Method, StatusCode};
use futures::StreamExt;
use http_body_util::BodyExt;
use rkube_api::decode::{self, BodyFormat};
use rkube_api::patch::PatchType;
use rkube_api::protobuf;
use rkube_api::{table, ResourceInfo};
use serde_json::{json, Value};

use crate::auth::UserInfo;
use crate::error::ApiError;
use crate::ops::{self, DeleteOptions, FieldValidation, ListQuery, WriteOptions};
use crate::request::{self, negotiate, Params, Rendering, ResourcePath, Target};
use crate::{discovery, subresources, watch, AppState};

/// Bodies larger than this are refused with 413, as Kubernetes does.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Entry point for everything under `/api` and `/apis`.
pub async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match handle(state, req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

/// Everything a handler needs about one request.
pub struct Call {
    pub state: Arc<AppState>,
    pub method: Method,
    pub path: ResourcePath,
    pub params: Params,
    pub rendering: Rendering,
    pub user: Option<UserInfo>,
    pub user_agent: String,
    pub content_type: String,
    pub body: Body,
}

async fn handle(state: Arc<AppState>, req: Request) -> Result<Response, ApiError> {
    let path = req.uri().path().to_string();
    if !(path == "/api" || path == "/apis" || path.starts_with("/api/") || path.starts_with("/apis/")) {
        return Err(ApiError::path_not_found());
    }
    let accept = req.headers().get(http::header::ACCEPT).and_then(|a| a.to_str().ok()).map(str::to_string);
    let target = request::parse_path(&state.registry, &path)?;
    let rp = match target {
        Target::Discovery { group, version, legacy } => {
            if req.method() != Method::GET {
                return Err(ApiError::method_not_allowed("the server does not allow this method on the requested resource"));
            }
            return discovery_response(&state, group, version, legacy, accept.as_deref(), &req);
        }
        Target::Resource(rp) => rp,
    };
    let params = Params::parse(req.uri().query())?;
    let rendering = negotiate(accept.as_deref())?;
    let user_agent = header(&req, http::header::USER_AGENT);
    let content_type = header(&req, http::header::CONTENT_TYPE);
    let method = req.method().clone();
    let user = req.extensions().get::<UserInfo>().cloned();
    let call = Call {
        state,
        method,
        path: rp,
        params,
        rendering,
        user,
        user_agent,
        content_type,
        body: req.into_body(),
    };
    route(call).await
}

fn header(req: &Request, name: http::header::HeaderName) -> String {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

fn discovery_response(
    state: &AppState,
    group: Option<String>,
    version: Option<String>,
    legacy: bool,
    accept: Option<&str>,
    req: &Request,
) -> Result<Response, ApiError> {
    let reg = state.registry.all();
    let aggregated = accept.and_then(discovery::AggregatedVersion::from_accept);
    let body = match (group, version) {
        (None, None) if aggregated.is_some() => {
            let v = aggregated.expect("checked");
            let doc = discovery::aggregated_discovery(reg, legacy, v);
            let mut resp = json_response(StatusCode::OK, &doc, &[]);
            resp.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(v.content_type()));
            resp.headers_mut().insert("Vary", http::HeaderValue::from_static("Accept"));
            return Ok(resp);
        }
        (None, None) if legacy => {
            let host = req.headers().get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
            let addr = if host.is_empty() {
                format!("{}:{}", state.config.advertise_address, state.config.port)
            } else {
                host.to_string()
            };
            discovery::api_versions(&addr)
        }
        (None, None) => discovery::api_group_list(reg),
        (Some(g), None) => discovery::api_group(reg, &g).ok_or_else(ApiError::path_not_found)?,
        (g, Some(v)) => {
            discovery::api_resource_list(reg, g.as_deref().unwrap_or(""), &v).ok_or_else(ApiError::path_not_found)?
        }
    };
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// A JSON response with Kubernetes' `Warning` headers.
pub fn json_response(code: StatusCode, body: &Value, warnings: &[String]) -> Response {
    let bytes = serde_json::to_vec(body).expect("JSON values serialise");
    let mut resp = (code, [(http::header::CONTENT_TYPE, "application/json")], bytes).into_response();
    for w in warnings {
        let text = format!("299 - {}", serde_json::to_string(w).expect("string"));
        if let Ok(v) = http::HeaderValue::from_str(&text) {
            resp.headers_mut().append("Warning", v);
        }
    }
    resp
}

/// Reads a request body, refusing more than [`MAX_BODY_BYTES`].
pub async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            Err(ApiError::too_large(MAX_BODY_BYTES))
        }
        Err(_) => Err(ApiError::bad_request("unable to read the request body")),
    }
}

/// The body format from `Content-Type`.
pub fn body_format(content_type: &str) -> Result<BodyFormat, ApiError> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    match media {
        "" | "application/json" | "*/*" => Ok(BodyFormat::Json),
        "application/yaml" | "application/x-yaml" | "text/yaml" => Ok(BodyFormat::Yaml),
        other => Err(ApiError::unsupported_media_type(other)),
    }
}

/// A protobuf body (what Go clients send for built-in kinds) as Kubernetes JSON.
fn decode_protobuf_body(bytes: &[u8]) -> Result<Value, ApiError> {
    protobuf::decode_protobuf(bytes).map_err(|e| ApiError::bad_request(format!("unable to decode the protobuf body: {e}")))
}

/// Parses a body into a value (with duplicate-field detection for JSON and YAML).
pub async fn parse_body(call: &mut Call) -> Result<(Value, Vec<String>), ApiError> {
    let protobuf_body = protobuf::is_protobuf(&call.content_type);
    let format = if protobuf_body { BodyFormat::Json } else { body_format(&call.content_type)? };
    let body = std::mem::replace(&mut call.body, Body::empty());
    let bytes = read_body(body).await?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request("the body of the request was empty"));
    }
    if protobuf_body {
        // Kubernetes checks no unknown or duplicate fields in protobuf bodies.
        return Ok((decode_protobuf_body(&bytes)?, Vec::new()));
    }
    let parsed = decode::parse_body(&bytes, format).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((parsed.value, parsed.duplicate_fields))
}

impl Call {
    pub fn info(&self) -> &ResourceInfo {
        &self.path.info
    }

    pub fn ns(&self) -> Option<&str> {
        self.path.namespace.as_deref()
    }

    /// The field manager of a write: the `fieldManager` parameter, else the client's name
    /// from its User-Agent (as Kubernetes does: `kubectl-create`, `kubectl-edit`...).
    pub fn field_manager(&self) -> String {
        if let Some(m) = &self.params.field_manager {
            return m.clone();
        }
        let ua = self.user_agent.split('/').next().unwrap_or("").trim();
        if ua.is_empty() {
            "unknown".into()
        } else {
            ua.chars().take(128).collect()
        }
    }

    pub fn write_options(&self) -> Result<WriteOptions, ApiError> {
        Ok(WriteOptions {
            dry_run: self.params.dry_run,
            field_manager: self.field_manager(),
            field_validation: FieldValidation::parse(self.params.field_validation.as_deref())?,
            applied: false,
        })
    }

    /// Renders one object as the client asked (object, Table row, or metadata only).
    pub fn render_one(&self, obj: &Value) -> Value {
        match self.rendering {
            Rendering::Object => obj.clone(),
            Rendering::Table => {
                let meta = json!({"resourceVersion": obj.pointer("/metadata/resourceVersion").cloned().unwrap_or(json!(""))});
                table_for(self.info(), std::slice::from_ref(obj), meta, self.params.include_object.as_deref(), true)
            }
            Rendering::PartialObjectMetadata => partial_metadata(obj),
        }
    }
}

/// `PartialObjectMetadata` of an object.
pub fn partial_metadata(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
    })
}

/// A `meta.k8s.io/v1` Table of `items`.
pub fn table_for(info: &ResourceInfo, items: &[Value], meta: Value, include: Option<&str>, with_columns: bool) -> Value {
    let now = Utc::now();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row = json!({"cells": table::row_cells(info, o, now)});
            let conditions = table::row_conditions(info, o);
            if !conditions.is_empty() {
                row["conditions"] = Value::Array(conditions);
            }
            match include.unwrap_or("Metadata") {
                "None" => {}
                "Object" => {
                    let mut full = o.clone();
                    full["apiVersion"] = json!(info.api_version());
                    full["kind"] = json!(info.kind);
                    row["object"] = full;
                }
                _ => row["object"] = partial_metadata(o),
            }
            row
        })
        .collect();
    let columns = if with_columns { table::column_definitions(info) } else { Vec::new() };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

async fn route(mut call: Call) -> Result<Response, ApiError> {
    let name = call.path.name.clone();
    let sub = call.path.subresource.clone();
    let method = call.method.clone();
    // Virtual resources: reviews and bindings are answered, never stored.
    if let Some(resp) = subresources::virtual_create(&mut call).await? {
        return Ok(resp);
    }
    match (&method, name.as_deref(), sub.as_deref()) {
        (&Method::GET, None, None) if call.params.watch || call.path.watch_prefix => watch::serve(call).await,
        (&Method::GET, None, None) => list(call).await,
        (&Method::GET, Some(_), None) if call.params.watch || call.path.watch_prefix => watch::serve(call).await,
        (&Method::GET, Some(n), None | Some("status")) => {
            let obj = ops::get_required(&call.state, call.info(), call.ns(), n).await?;
            Ok(json_response(StatusCode::OK, &call.render_one(&obj), &[]))
        }
        (&Method::POST, None, None) => create(call).await,
        (&Method::PUT, Some(n), None | Some("status")) => {
            let n = n.to_string();
            update(call, &n, sub.as_deref()).await
        }
        (&Method::PATCH, Some(n), None | Some("status")) => {
            let n = n.to_string();
            patch(call, &n, sub.as_deref()).await
        }
        (&Method::DELETE, Some(n), None) => {
            let n = n.to_string();
            delete(call, &n).await
        }
        (&Method::DELETE, None, None) => delete_collection(call).await,
        (_, Some(n), Some(s)) => {
            let (n, s) = (n.to_string(), s.to_string());
            subresources::handle(call, &n, &s).await
        }
        _ => Err(ApiError::method_not_allowed("the server does not allow this method on the requested resource")),
    }
}

async fn list(call: Call) -> Result<Response, ApiError> {
    let info = call.info().clone();
    let q = ListQuery::from_params(&info, &call.params)?;
    if call.rendering == Rendering::Object && q.limit.is_none() {
        // Whole collections are streamed page by page rather than built in memory.
        let rx = ops::list_stream(call.state.clone(), &info, call.ns(), q).await?;
        let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok::<Bytes, std::convert::Infallible>);
        let resp = ([(http::header::CONTENT_TYPE, "application/json")], Body::from_stream(stream)).into_response();
        return Ok(resp);
    }
    let listed = ops::list(&call.state, &info, call.ns(), &q).await?;
    let body = match call.rendering {
        Rendering::Object => ops::list_object(&info, listed),
        Rendering::Table => {
            let meta = ops::list_meta(&listed);
            table_for(&info, &listed.items, meta, call.params.include_object.as_deref(), true)
        }
        Rendering::PartialObjectMetadata => {
            let meta = ops::list_meta(&listed);
            let items: Vec<Value> = listed.items.iter().map(partial_metadata).collect();
            json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items})
        }
    };
    Ok(json_response(StatusCode::OK, &body, &[]))
}

async fn create(mut call: Call) -> Result<Response, ApiError> {
    let info = call.info().clone();
    if info.namespaced && call.ns().is_none() {
        return Err(ApiError::method_not_allowed("the server does not allow this method on the requested resource"));
    }
    let opts = call.write_options()?;
    let (value, dups) = parse_body(&mut call).await?;
    let mut warnings = Vec::new();
    let obj = ops::decode_body(&info, value, &dups, opts.field_validation, &mut warnings)?;
    let created = ops::create(&call.state, &info, call.ns(), obj, &opts).await?;
    Ok(json_response(StatusCode::CREATED, &call.render_one(&created), &warnings))
}

async fn update(mut call: Call, name: &str, sub: Option<&str>) -> Result<Response, ApiError> {
    let info = call.info().clone();
    let opts = call.write_options()?;
    let (value, dups) = parse_body(&mut call).await?;
    let mut warnings = Vec::new();
    let obj = ops::decode_body(&info, value, &dups, opts.field_validation, &mut warnings)?;
    let updated = ops::update(&call.state, &info, call.ns(), name, sub, obj, &opts).await?;
    Ok(json_response(StatusCode::OK, &call.render_one(&updated), &warnings))
}

/// Parses a PATCH body by its patch type.
pub async fn patch_body(call: &mut Call) -> Result<(PatchType, Value), ApiError> {
    let pt = PatchType::from_content_type(&call.content_type)
        .ok_or_else(|| ApiError::unsupported_media_type(&call.content_type))?;
    let body = std::mem::replace(&mut call.body, Body::empty());
    let bytes = read_body(body).await?;
    let format = if pt == PatchType::Apply { BodyFormat::Yaml } else { BodyFormat::Json };
    let value: Value = if pt == PatchType::Json {
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?
    } else {
        decode::parse_body(&bytes, format)
            .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?
            .value
    };
    Ok((pt, value))
}

async fn patch(mut call: Call, name: &str, sub: Option<&str>) -> Result<Response, ApiError> {
    let info = call.info().clone();
    let mut opts = call.write_options()?;
    let (pt, body) = patch_body(&mut call).await?;
    if pt == PatchType::Apply {
        match &call.params.field_manager {
            Some(m) => opts.field_manager = m.clone(),
            None => {
                return Err(ApiError::new(
                    422,
                    "Invalid",
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                ))
            }
        }
    } else if call.params.force {
        return Err(ApiError::new(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch",
        ));
    }
    let (obj, created) =
        ops::patch(&call.state, &info, call.ns(), name, sub, pt, body, call.params.force, &opts).await?;
    let code = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(json_response(code, &call.render_one(&obj), &[]))
}

/// Kinds whose delete answers with the object rather than a Status, as in Kubernetes.
fn returns_deleted_object(info: &ResourceInfo) -> bool {
    info.group.is_empty() && matches!(info.plural, "pods" | "services" | "namespaces")
}

/// The optional `DeleteOptions` body of a DELETE.
async fn delete_options(call: &mut Call) -> Result<DeleteOptions, ApiError> {
    let body = std::mem::replace(&mut call.body, Body::empty());
    let bytes = read_body(body).await?;
    let value = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else if protobuf::is_protobuf(&call.content_type) {
        Some(decode_protobuf_body(&bytes)?)
    } else {
        Some(serde_json::from_slice::<Value>(&bytes).map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?)
    };
    DeleteOptions::from_parts(&call.params, value.as_ref())
}

async fn delete(mut call: Call, name: &str) -> Result<Response, ApiError> {
    let info = call.info().clone();
    let opts = delete_options(&mut call).await?;
    let deleted = ops::delete(&call.state, &info, call.ns(), name, &opts).await?;
    if !deleted.gone {
        // Marked for deletion (finalizers or a grace period): Kubernetes answers 200 with the
        // object as it now is.
        return Ok(json_response(StatusCode::OK, &call.render_one(&deleted.object), &[]));
    }
    if returns_deleted_object(&info) {
        return Ok(json_response(StatusCode::OK, &call.render_one(&deleted.object), &[]));
    }
    let mut details = json!({"name": name, "kind": info.plural});
    if !info.group.is_empty() {
        details["group"] = json!(info.group);
    }
    if let Some(uid) = deleted.object.pointer("/metadata/uid") {
        details["uid"] = uid.clone();
    }
    let status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    });
    Ok(json_response(StatusCode::OK, &status, &[]))
}

async fn delete_collection(mut call: Call) -> Result<Response, ApiError> {
    let info = call.info().clone();
    let opts = delete_options(&mut call).await?;
    let q = ListQuery::from_params(&info, &call.params)?;
    let items = ops::delete_collection(&call.state, &info, call.ns(), &q, &opts).await?;
    let rv = call.state.store.current_revision().await?;
    let body = json!({
        "kind": format!("{}List", info.kind),
        "apiVersion": info.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": items,
    });
    Ok(json_response(StatusCode::OK, &body, &[]))
}
#[allow(dead_code)]
fn _send_check(state: Arc<AppState>, req: Request) {
    fn is_send<T: Send>(_: &T) {}
    let f = handle(state, req);
    is_send(&f);
}
