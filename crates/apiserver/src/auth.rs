//! Authentication: who is asking. A client certificate signed by the cluster CA (CN is the
//! user, O the groups, as Kubernetes reads them) or a bearer token. Authorization is a later
//! addition (RBAC); until then every authenticated user may do everything.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use crate::error::ApiError;
use crate::AppState;

/// An authenticated user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub username: String,
    pub groups: Vec<String>,
}

/// Inserted per connection by the TLS acceptor: the verified client certificate's identity.
#[derive(Clone, Debug, Default)]
pub struct PeerIdentity(pub Option<UserInfo>);

/// Bearer tokens the server accepts and whom they stand for.
#[derive(Clone, Debug, Default)]
pub struct TokenAuthenticator {
    tokens: HashMap<String, UserInfo>,
}

impl TokenAuthenticator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, token: &str, user: UserInfo) {
        self.tokens.insert(token.to_string(), user);
    }

    pub fn authenticate(&self, token: &str) -> Option<&UserInfo> {
        self.tokens.get(token)
    }
}

/// Reads the user from a DER client certificate (already verified by rustls).
pub fn user_from_cert(der: &[u8]) -> Option<UserInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let username = cert.subject().iter_common_name().next()?.as_str().ok()?.to_string();
    let mut groups: Vec<String> = cert
        .subject()
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    groups.push("system:authenticated".to_string());
    Some(UserInfo { username, groups })
}

/// Paths anyone may read, as Kubernetes' `system:public-info-viewer` allows.
fn is_public(path: &str) -> bool {
    matches!(path, "/livez" | "/readyz" | "/healthz" | "/version" | "/version/")
        || path.starts_with("/livez/")
        || path.starts_with("/readyz/")
        || path.starts_with("/healthz/")
}

/// Middleware: resolves the user or answers 401.
pub async fn authenticate(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let from_cert = req.extensions().get::<PeerIdentity>().and_then(|p| p.0.clone());
    let from_token = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .and_then(|t| state.tokens.authenticate(t.trim()).cloned());
    match from_cert.or(from_token) {
        Some(user) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        None if is_public(req.uri().path()) => next.run(req).await,
        None => ApiError::unauthorized().into_response(),
    }
}
