//! rkube's Kubernetes API server.
//!
//! The only door to the store: authentication ([`auth`]), then the generic REST registry
//! ([`rest`]) over [`rkube_store::Store`], with admission ([`admission`]) and watch
//! streaming ([`watch`]). Start reading at [`router`]; [`serve`] runs it over TLS.
//! Per-kind knowledge (decoding, defaults, validation, selectors, patches, tables) lives
//! in the `rkube-api` crate.

pub mod admission;
pub mod auth;
pub mod bootstrap;
pub mod discovery;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod pki;
pub mod request;
pub mod rest;
pub mod serve;
pub mod storage;
pub mod subresources;
pub mod watch;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rkube_api::Registry;
use rkube_store::Store;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

pub use auth::{TokenAuthenticator, UserInfo};
pub use error::ApiError;

/// An IPv4 CIDR such as `10.43.0.0/16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Cidr {
    pub network: Ipv4Addr,
    pub prefix: u8,
}

impl std::str::FromStr for Ipv4Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (ip, prefix) = s.split_once('/').ok_or_else(|| format!("{s:?} is not a CIDR (want a.b.c.d/n)"))?;
        let ip: Ipv4Addr = ip.parse().map_err(|_| format!("{s:?}: bad IPv4 address"))?;
        let prefix: u8 = prefix.parse().map_err(|_| format!("{s:?}: bad prefix length"))?;
        if prefix > 30 || prefix < 8 {
            return Err(format!("{s:?}: prefix length must be between 8 and 30"));
        }
        let mask = u32::MAX << (32 - prefix);
        Ok(Ipv4Cidr { network: Ipv4Addr::from(u32::from(ip) & mask), prefix })
    }
}

impl std::fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Ipv4Cidr {
    /// Number of addresses in the range.
    pub fn size(&self) -> u32 {
        1u32 << (32 - self.prefix)
    }

    /// The `n`th address of the range (0 is the network address).
    pub fn nth(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) + n)
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::MAX << (32 - self.prefix);
        u32::from(ip) & mask == u32::from(self.network)
    }
}

/// The API server's configuration; parsed and validated before anything binds.
#[derive(Clone, Debug)]
pub struct Config {
    pub service_cidr: Ipv4Cidr,
    /// The address other components reach the API server on (the `kubernetes` Endpoints).
    pub advertise_address: IpAddr,
    pub port: u16,
    pub node_port_range: (u16, u16),
    /// At most this many requests (other than watches) are served at once; more get 429.
    pub max_requests_inflight: usize,
    /// How long Events live.
    pub event_ttl: Duration,
    /// How often old revisions are compacted away.
    pub compaction_interval: Duration,
    /// `/version`'s gitVersion.
    pub version: String,
}

impl Config {
    pub fn new(service_cidr: Ipv4Cidr, advertise_address: IpAddr, port: u16) -> Self {
        Config {
            service_cidr,
            advertise_address,
            port,
            node_port_range: (30000, 32767),
            max_requests_inflight: 400,
            event_ttl: Duration::from_secs(3600),
            compaction_interval: Duration::from_secs(300),
            version: "v1.35.0+rkube".to_string(),
        }
    }
}

/// Shared by every request.
pub struct AppState {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub registry: Registry,
    pub tokens: TokenAuthenticator,
    pub metrics: metrics::Metrics,
    pub allocators: admission::Allocators,
    /// Built on first use: the documents are large and most clients never ask.
    pub openapi: OnceLock<openapi::OpenApi>,
    pub inflight: Semaphore,
    pub shutdown: CancellationToken,
    /// Set once start-up objects exist; `/readyz` says ok from then on.
    pub ready: std::sync::atomic::AtomicBool,
}

impl AppState {
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        tokens: TokenAuthenticator,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let inflight = Semaphore::new(config.max_requests_inflight);
        let allocators = admission::Allocators::new(config.service_cidr, config.node_port_range);
        Arc::new(AppState {
            config,
            store,
            registry: Registry::builtin(),
            tokens,
            metrics: metrics::Metrics::new(),
            allocators,
            openapi: OnceLock::new(),
            inflight,
            shutdown,
            ready: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The OpenAPI documents, built on first use on a blocking thread (it takes a while and
    /// most clients never ask).
    pub async fn openapi(&self) -> &openapi::OpenApi {
        if self.openapi.get().is_none() {
            let resources = self.registry.all().to_vec();
            let built = tokio::task::spawn_blocking(move || openapi::OpenApi::build(&resources))
                .await
                .expect("building the OpenAPI documents does not panic");
            let _ = self.openapi.set(built);
        }
        self.openapi.get().expect("set above")
    }
}

/// Every route of the API server. Tests call it with `oneshot`, no socket.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/livez", get(livez))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/version", get(version))
        .route("/version/", get(version))
        .route("/metrics", get(metrics::serve))
        .route("/openapi/v2", get(openapi_v2))
        .route("/openapi/v3", get(openapi_v3_index))
        .route("/openapi/v3/{*path}", get(openapi_v3_doc))
        .fallback(rest::dispatch)
        .layer(middleware::from_fn_with_state(state.clone(), limit_inflight))
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::record))
        .with_state(state)
}

/// The checks behind `/readyz` (`/livez` and `/healthz` use the first two).
async fn checks(state: &AppState, readiness: bool) -> Vec<(&'static str, bool)> {
    let mut out = vec![("ping", true), ("store", state.store.current_revision().await.is_ok())];
    if readiness {
        out.push(("startup-objects", state.ready.load(std::sync::atomic::Ordering::Acquire)));
        out.push(("shutdown", !state.shutdown.is_cancelled()));
    }
    out
}

/// Kubernetes' health answer: `ok`, or with `?verbose` one `[+]check ok` line per check
/// and `<name> check passed`; failing checks give 500 with `[-]check failed` lines.
async fn health_answer(state: &AppState, name: &str, readiness: bool, query: Option<&str>) -> Response {
    let results = checks(state, readiness).await;
    let healthy = results.iter().all(|(_, ok)| *ok);
    let verbose = query.is_some_and(|q| q.split('&').any(|p| p == "verbose" || p.starts_with("verbose=")));
    let mut body = String::new();
    if verbose || !healthy {
        for (check, ok) in &results {
            if *ok {
                body.push_str(&format!("[+]{check} ok\n"));
            } else {
                body.push_str(&format!("[-]{check} failed: reason withheld\n"));
            }
        }
        if healthy {
            body.push_str(&format!("{name} check passed\n"));
        } else {
            body.push_str(&format!("{name} check failed\n"));
        }
    } else {
        body.push_str("ok");
    }
    let code = if healthy { http::StatusCode::OK } else { http::StatusCode::INTERNAL_SERVER_ERROR };
    (code, [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

async fn livez(State(state): State<Arc<AppState>>, req: Request) -> Response {
    health_answer(&state, "livez", false, req.uri().query()).await
}

async fn healthz(State(state): State<Arc<AppState>>, req: Request) -> Response {
    health_answer(&state, "healthz", false, req.uri().query()).await
}

async fn readyz(State(state): State<Arc<AppState>>, req: Request) -> Response {
    health_answer(&state, "readyz", true, req.uri().query()).await
}

async fn version(State(state): State<Arc<AppState>>) -> Response {
    let v = &state.config.version;
    let minor = v.trim_start_matches('v').split('.').nth(1).unwrap_or("35").to_string();
    axum::Json(serde_json::json!({
        "major": "1",
        "minor": minor,
        "emulationMajor": "1",
        "emulationMinor": minor,
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": minor,
        "gitVersion": v,
        "gitCommit": option_env!("RKUBE_GIT_COMMIT").unwrap_or("unknown"),
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "rust",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, go_arch()),
    }))
    .into_response()
}

/// Architecture names as Go (and so Kubernetes) spells them.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

fn json_bytes(body: bytes::Bytes, etag: Option<&str>) -> Response {
    let mut resp = ([(http::header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(tag) = etag.and_then(|t| http::HeaderValue::from_str(&format!("\"{t}\"")).ok()) {
        resp.headers_mut().insert(http::header::ETAG, tag);
    }
    resp
}

fn accept_of(req: &Request) -> Option<String> {
    req.headers().get(http::header::ACCEPT).and_then(|a| a.to_str().ok()).map(str::to_string)
}

async fn openapi_v2(State(state): State<Arc<AppState>>, req: Request) -> Response {
    // Only JSON is served; kubectl asks /openapi/v3 first and uses v2 only as a fallback.
    let accept = accept_of(&req);
    if !openapi::accepts_json(accept.as_deref()) {
        return ApiError::not_acceptable(accept.as_deref().unwrap_or("")).into_response();
    }
    let doc = state.openapi().await;
    json_bytes(doc.v2_json(), Some(doc.v2_hash()))
}

async fn openapi_v3_index(State(state): State<Arc<AppState>>) -> Response {
    let doc = state.openapi().await;
    json_bytes(doc.v3_index_json(), Some(doc.v3_index_hash()))
}

/// One group-version's document. Clients address it by content hash: a stale hash is
/// redirected to the current one, a current one may be cached for good.
async fn openapi_v3_doc(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(path): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let accept = accept_of(&req);
    if !openapi::accepts_json(accept.as_deref()) {
        return ApiError::not_acceptable(accept.as_deref().unwrap_or("")).into_response();
    }
    let doc = state.openapi().await;
    let (Some(body), Some(hash)) = (doc.v3_document(&path), doc.v3_hash(&path)) else {
        return ApiError::path_not_found().into_response();
    };
    let asked = req
        .uri()
        .query()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "hash").map(|(_, v)| v.into_owned()));
    match asked {
        Some(h) if h != hash => {
            let location = format!("/openapi/v3/{}?hash={hash}", path.trim_start_matches('/'));
            (http::StatusCode::MOVED_PERMANENTLY, [(http::header::LOCATION, location)]).into_response()
        }
        Some(_) => {
            let mut resp = json_bytes(body, Some(hash));
            let expires = (chrono::Utc::now() + chrono::Duration::days(365)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            resp.headers_mut().insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("public, immutable"));
            if let Ok(v) = http::HeaderValue::from_str(&expires) {
                resp.headers_mut().insert(http::header::EXPIRES, v);
            }
            resp
        }
        None => json_bytes(body, Some(hash)),
    }
}

/// Bounds concurrent non-watch requests; the overflow gets 429 with Retry-After, as
/// Kubernetes' max-in-flight filter does. Watches and health checks are exempt.
async fn limit_inflight(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let q = req.uri().query().unwrap_or("");
    let long_running = q.contains("watch=true") || q.contains("watch=1") || req.uri().path().contains("/watch/");
    if long_running || !req.uri().path().starts_with("/api") {
        return next.run(req).await;
    }
    match state.inflight.try_acquire() {
        Ok(_permit) => next.run(req).await,
        Err(_) => ApiError::too_many_requests().into_response(),
    }
}
