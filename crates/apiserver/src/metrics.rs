//! `/metrics` in the Prometheus text format: requests by verb, resource and code, their
//! latencies, store latencies and open watches. The registry belongs to the server state
//! (no globals).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub verb: String,
    pub resource: String,
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatencyLabels {
    pub verb: String,
    pub resource: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StoreLabels {
    pub operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WatchLabels {
    pub resource: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub request_duration: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    pub store_duration: Family<StoreLabels, Histogram, fn() -> Histogram>,
    pub watches: Family<WatchLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let request_duration =
            Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let store_duration =
            Family::<StoreLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let watches = Family::<WatchLabels, Gauge>::default();
        registry.register("apiserver_request", "Requests by verb, resource and HTTP code", requests.clone());
        registry.register(
            "apiserver_request_duration_seconds",
            "Request latency by verb and resource (watches: time to first byte)",
            request_duration.clone(),
        );
        registry.register(
            "apiserver_storage_duration_seconds",
            "Store operation latency",
            store_duration.clone(),
        );
        registry.register("apiserver_registered_watchers", "Open watches by resource", watches.clone());
        Metrics { registry, requests, request_duration, store_duration, watches }
    }

    pub fn observe_store(&self, operation: &str, started: Instant) {
        self.store_duration
            .get_or_create(&StoreLabels { operation: operation.to_string() })
            .observe(started.elapsed().as_secs_f64());
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String");
        out
    }
}

/// The verb Kubernetes would log for this request (get/list/watch/create/update/patch/delete).
fn verb_of(method: &http::Method, path: &str, query: &str) -> &'static str {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let is_watch = query.contains("watch=true") || query.contains("watch=1") || parts.contains(&"watch");
    // Collection paths have an even number of segments after the group/version prefix
    // (`/api/v1/pods`, `/api/v1/namespaces/x/pods`).
    let after = if parts.first() == Some(&"api") { 2 } else { 3 };
    let rest = parts.len().saturating_sub(after);
    let collection = rest == 1 || (rest == 3 && parts.get(after) == Some(&"namespaces"));
    match *method {
        http::Method::GET if is_watch => "WATCH",
        http::Method::GET if collection => "LIST",
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE if collection => "DELETECOLLECTION",
        http::Method::DELETE => "DELETE",
        _ => "OTHER",
    }
}

fn resource_of(path: &str) -> String {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let after = match parts.first() {
        Some(&"api") => 2,
        Some(&"apis") => 3,
        _ => return String::new(),
    };
    let mut rest = &parts[after.min(parts.len())..];
    if rest.first() == Some(&"watch") {
        rest = &rest[1..];
    }
    if rest.len() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize" {
        rest = &rest[2..];
    }
    rest.first().map(|s| s.to_string()).unwrap_or_default()
}

/// Middleware: counts and times every request.
pub async fn record(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_string();
    let verb = verb_of(req.method(), &path, req.uri().query().unwrap_or(""));
    let resource = resource_of(&path);
    let resp = next.run(req).await;
    let m = &state.metrics;
    m.requests
        .get_or_create(&RequestLabels {
            verb: verb.to_string(),
            resource: resource.clone(),
            code: resp.status().as_u16().to_string(),
        })
        .inc();
    m.request_duration
        .get_or_create(&LatencyLabels { verb: verb.to_string(), resource })
        .observe(started.elapsed().as_secs_f64());
    resp
}

pub async fn serve(State(state): State<Arc<AppState>>) -> Response {
    (
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs() {
        use http::Method;
        assert_eq!(verb_of(&Method::GET, "/api/v1/pods", ""), "LIST");
        assert_eq!(verb_of(&Method::GET, "/api/v1/namespaces/a/pods", ""), "LIST");
        assert_eq!(verb_of(&Method::GET, "/api/v1/namespaces/a/pods/b", ""), "GET");
        assert_eq!(verb_of(&Method::GET, "/api/v1/namespaces/a", ""), "GET");
        assert_eq!(verb_of(&Method::GET, "/apis/apps/v1/deployments", "watch=true"), "WATCH");
        assert_eq!(resource_of("/apis/apps/v1/namespaces/a/deployments/x"), "deployments");
        assert_eq!(resource_of("/api/v1/namespaces/a"), "namespaces");
    }
}
