//! Errors as Kubernetes renders them: a `Status` object with reason, code, message and
//! details. Handlers return [`ApiError`]; it never leaks internals (store errors are logged
//! and answered as 500 InternalError with a generic text).

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{json, Value};

/// One cause in `details.causes`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub reason: String,
    pub message: String,
    pub field: String,
}

/// A failed API request, carrying what the client sees.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub code: u16,
    /// Kubernetes' StatusReason (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`...).
    pub reason: &'static str,
    pub message: String,
    /// `details` fields: name, group, kind, causes.
    pub name: Option<String>,
    pub group: Option<String>,
    pub kind: Option<String>,
    pub causes: Vec<Cause>,
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Identifies the resource an error is about, for the `details` of the Status.
#[derive(Clone, Debug)]
pub struct Subject {
    /// `pods`, `deployments.apps`...
    pub group_resource: String,
    pub group: String,
    /// Plural resource name, used as details.kind as Kubernetes does.
    pub resource: String,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            name: None,
            group: None,
            kind: None,
            causes: Vec::new(),
            retry_after: None,
        }
    }

    fn about(mut self, subject: &Subject, name: &str) -> Self {
        self.name = Some(name.to_string());
        self.group = Some(subject.group.clone()).filter(|g| !g.is_empty());
        self.kind = Some(subject.resource.clone());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn not_found(subject: &Subject, name: &str) -> Self {
        ApiError::new(404, "NotFound", format!("{} \"{}\" not found", subject.group_resource, name))
            .about(subject, name)
    }

    /// 404 for a path that names no resource at all.
    pub fn path_not_found() -> Self {
        ApiError::new(404, "NotFound", "the server could not find the requested resource")
    }

    pub fn already_exists(subject: &Subject, name: &str) -> Self {
        ApiError::new(409, "AlreadyExists", format!("{} \"{}\" already exists", subject.group_resource, name))
            .about(subject, name)
    }

    /// The optimistic-concurrency conflict every client retries on.
    pub fn conflict_modified(subject: &Subject, name: &str) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                subject.group_resource, name
            ),
        )
        .about(subject, name)
    }

    pub fn conflict(subject: &Subject, name: &str, detail: &str) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {} \"{}\": {}", subject.group_resource, name, detail),
        )
        .about(subject, name)
    }

    /// 422 with field causes; `message` is already formatted (`Pod "x" is invalid: ...`).
    pub fn invalid(subject: &Subject, kind: &str, name: &str, message: String, causes: Vec<Cause>) -> Self {
        let mut e = ApiError::new(422, "Invalid", message).about(subject, name);
        e.kind = Some(kind.to_string());
        e.causes = causes;
        e
    }

    pub fn forbidden(subject: &Subject, name: &str, detail: &str) -> Self {
        let what = if name.is_empty() {
            subject.group_resource.clone()
        } else {
            format!("{} \"{}\"", subject.group_resource, name)
        };
        ApiError::new(403, "Forbidden", format!("{what} is forbidden: {detail}")).about(subject, name)
    }

    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        ApiError::new(405, "MethodNotAllowed", detail)
    }

    pub fn gone(message: impl Into<String>) -> Self {
        ApiError::new(410, "Expired", message)
    }

    pub fn too_large(limit: usize) -> Self {
        ApiError::new(413, "RequestEntityTooLarge", format!("Request entity too large: limit is {limit}"))
    }

    pub fn unsupported_media_type(ct: &str) -> Self {
        ApiError::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (not supported by this server: {ct})"))
    }

    pub fn not_acceptable(accept: &str) -> Self {
        ApiError::new(
            406,
            "NotAcceptable",
            format!("only the following media types are accepted: application/json, application/yaml (requested {accept})"),
        )
    }

    pub fn too_many_requests() -> Self {
        let mut e = ApiError::new(429, "TooManyRequests", "Too many requests, please try again later.");
        e.retry_after = Some(1);
        e
    }

    pub fn unauthorized() -> Self {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    /// A failure inside the server. The cause is logged; the client gets a generic text.
    pub fn internal(context: &str, err: &dyn std::error::Error) -> Self {
        tracing::error!(error = %err, context, "internal error");
        ApiError::new(500, "InternalError", format!("Internal error occurred: {context}"))
    }

    pub fn timeout(message: impl Into<String>) -> Self {
        ApiError::new(504, "Timeout", message)
    }

    /// The Status object as JSON.
    pub fn to_status(&self) -> Value {
        let mut details = serde_json::Map::new();
        if let Some(n) = &self.name {
            details.insert("name".into(), json!(n));
        }
        if let Some(g) = &self.group {
            details.insert("group".into(), json!(g));
        }
        if let Some(k) = &self.kind {
            details.insert("kind".into(), json!(k));
        }
        if !self.causes.is_empty() {
            details.insert(
                "causes".into(),
                Value::Array(
                    self.causes
                        .iter()
                        .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                        .collect(),
                ),
            );
        }
        if let Some(r) = self.retry_after {
            details.insert("retryAfterSeconds".into(), json!(r));
        }
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if !details.is_empty() {
            status["details"] = Value::Object(details);
        }
        if self.reason.is_empty() {
            status.as_object_mut().expect("object").remove("reason");
        }
        status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.to_status()).unwrap_or_default();
        let mut resp = (code, [(http::header::CONTENT_TYPE, "application/json")], body).into_response();
        if let Some(r) = self.retry_after {
            resp.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(r));
        }
        resp
    }
}

impl From<rkube_store::Error> for ApiError {
    fn from(e: rkube_store::Error) -> Self {
        match &e {
            rkube_store::Error::Compacted { requested, compacted } => ApiError::gone(format!(
                "The resourceVersion for the provided list is too old. (requested {requested}, compacted {compacted})"
            )),
            rkube_store::Error::FutureRevision { requested, current } => ApiError::timeout(format!(
                "Too large resource version: {requested}, current: {current}"
            )),
            rkube_store::Error::Closed => ApiError::new(503, "ServiceUnavailable", "the server is shutting down"),
            _ => ApiError::internal("storage", &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods() -> Subject {
        Subject { group_resource: "pods".into(), group: "".into(), resource: "pods".into() }
    }

    #[test]
    fn not_found_matches_kubernetes() {
        let s = ApiError::not_found(&pods(), "x").to_status();
        assert_eq!(s["message"], "pods \"x\" not found");
        assert_eq!(s["reason"], "NotFound");
        assert_eq!(s["code"], 404);
        assert_eq!(s["details"]["name"], "x");
        assert_eq!(s["details"]["kind"], "pods");
        assert!(s["details"].get("group").is_none());
    }

    #[test]
    fn conflict_text() {
        let deps = Subject { group_resource: "deployments.apps".into(), group: "apps".into(), resource: "deployments".into() };
        let s = ApiError::conflict_modified(&deps, "web").to_status();
        assert_eq!(
            s["message"],
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
        );
        assert_eq!(s["details"]["group"], "apps");
    }
}
