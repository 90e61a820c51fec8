//! Watch: a chunked stream of newline-delimited JSON `{"type":..., "object":...}` events, as
//! Kubernetes serves it. Covers resuming from a resourceVersion (410 Expired when compacted),
//! initial state (synthetic ADDED events, `sendInitialEvents` with its end-of-initial-events
//! bookmark), bookmarks, selector transitions (an object leaving a selector is DELETED for
//! that watcher), Table rendering and `timeoutSeconds`. Each watch has a bounded buffer; a
//! client that stops reading is dropped rather than growing memory.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use rand::Rng;
use rkube_api::ResourceInfo;
use rkube_store::{Error as StoreError, Event, EventKind};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::error::ApiError;
use crate::metrics::WatchLabels;
use crate::ops::{self, ListQuery};
use crate::request::Rendering;
use crate::rest::{partial_metadata, table_for, Call};
use crate::{storage, AppState};

/// Events buffered per watcher before the stream waits on the client.
const WATCH_BUFFER: usize = 128;
/// How often a bookmark is sent when the client allows them.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);

/// How a watch renders objects.
#[derive(Clone)]
struct Renderer {
    info: ResourceInfo,
    rendering: Rendering,
    include_object: Option<String>,
}

impl Renderer {
    fn render(&self, obj: &Value, first: &mut bool) -> Value {
        match self.rendering {
            Rendering::Object => obj.clone(),
            Rendering::PartialObjectMetadata => partial_metadata(obj),
            Rendering::Table => {
                let meta = json!({"resourceVersion": obj.pointer("/metadata/resourceVersion").cloned().unwrap_or(json!(""))});
                let with_columns = std::mem::replace(first, false);
                table_for(&self.info, std::slice::from_ref(obj), meta, self.include_object.as_deref(), with_columns)
            }
        }
    }

    fn bookmark(&self, rv: i64, initial_end: bool) -> Value {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        json!({"kind": self.info.kind, "apiVersion": self.info.api_version(), "metadata": meta})
    }
}

fn line(kind: &str, object: Value) -> Bytes {
    let mut v = serde_json::to_vec(&json!({"type": kind, "object": object})).expect("JSON values serialise");
    v.push(b'\n');
    Bytes::from(v)
}

fn expired(message: String) -> Bytes {
    line("ERROR", ApiError::gone(message).to_status())
}

/// Decrements the open-watch gauge when the watch ends.
struct WatchGuard {
    state: Arc<AppState>,
    resource: String,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.state.metrics.watches.get_or_create(&WatchLabels { resource: self.resource.clone() }).dec();
    }
}

pub async fn serve(call: Call) -> Result<Response, ApiError> {
    let info = call.info().clone();
    let mut q = ListQuery::from_params(&info, &call.params)?;
    if let Some(name) = &call.path.name {
        let fs = format!("metadata.name={name}");
        let combined = match call.params.field_selector.as_deref().filter(|s| !s.is_empty()) {
            Some(existing) => format!("{existing},{fs}"),
            None => fs,
        };
        q.field = ops::parse_field_selector(&info, Some(&combined))?;
    }
    let send_initial = call.params.send_initial_events;
    let rv_param = call.params.resource_version.clone();
    if send_initial.is_some() && call.params.resource_version_match.as_deref() != Some("NotOlderThan") {
        return Err(ApiError::new(
            422,
            "Invalid",
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        ));
    }
    if send_initial == Some(true) && !call.params.allow_watch_bookmarks {
        return Err(ApiError::new(
            422,
            "Invalid",
            "ListOptions.meta.k8s.io \"\" is invalid: allowWatchBookmarks: Forbidden: sendInitialEvents requires allowWatchBookmarks",
        ));
    }
    // Where the stream starts: with the current state (synthetic ADDED events) or after a
    // given revision.
    let initial_state = match (send_initial, rv_param.as_deref()) {
        (Some(b), _) => b,
        (None, None | Some("0")) => true,
        (None, Some(_)) => false,
    };
    let state = call.state.clone();
    let prefix = storage::collection_prefix(&info, call.ns());
    let (initial, start_rev) = if initial_state {
        let mut lq = q.clone();
        lq.limit = None;
        let listed = ops::list(&state, &info, call.ns(), &lq).await?;
        (listed.items, listed.resource_version)
    } else {
        match rv_param.as_deref() {
            Some(rv) if rv != "0" => {
                let rev: i64 = rv.parse().map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))?;
                (Vec::new(), rev)
            }
            _ => (Vec::new(), state.store.current_revision().await?),
        }
    };
    let timeout = match call.params.timeout_seconds {
        Some(t) => Duration::from_secs(t),
        // Kubernetes spreads watch lifetimes over [30 min, 60 min).
        None => Duration::from_secs(rand::rng().random_range(1800..3600)),
    };
    let renderer = Renderer {
        info: info.clone(),
        rendering: call.rendering,
        include_object: call.params.include_object.clone(),
    };
    let bookmarks = call.params.allow_watch_bookmarks;
    let resource = info.plural.to_string();
    state.metrics.watches.get_or_create(&WatchLabels { resource: resource.clone() }).inc();
    let guard = WatchGuard { state: state.clone(), resource };

    let store_watch = state.store.watch(&prefix, start_rev).await;
    let (tx, rx) = mpsc::channel::<Bytes>(WATCH_BUFFER);
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        let _guard = guard;
        let mut first = true;
        let mut events = match store_watch {
            Ok(s) => s,
            Err(StoreError::Compacted { requested, compacted }) => {
                let _ = tx
                    .send(expired(format!("too old resource version: {requested} ({compacted})")))
                    .await;
                return;
            }
            Err(e) => {
                let _ = tx.send(line("ERROR", ApiError::from(e).to_status())).await;
                return;
            }
        };
        for obj in &initial {
            if tx.send(line("ADDED", renderer.render(obj, &mut first))).await.is_err() {
                return;
            }
        }
        if send_initial == Some(true) {
            if tx.send(line("BOOKMARK", renderer.bookmark(start_rev, true))).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(BOOKMARK_INTERVAL);
        ticker.tick().await;
        let mut last_rev = start_rev;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = shutdown.cancelled() => return,
                _ = ticker.tick(), if bookmarks => {
                    if tx.send(line("BOOKMARK", renderer.bookmark(last_rev, false))).await.is_err() {
                        return;
                    }
                }
                ev = events.next() => {
                    match ev {
                        None => return,
                        Some(Err(StoreError::WatchLagged)) => {
                            let _ = tx.send(expired(format!("too old resource version: {last_rev}: the watcher fell behind"))).await;
                            return;
                        }
                        Some(Err(e)) => {
                            let _ = tx.send(line("ERROR", ApiError::from(e).to_status())).await;
                            return;
                        }
                        Some(Ok(ev)) => {
                            last_rev = ev.revision();
                            if let Some((kind, obj)) = translate(&renderer.info, &ev, &q) {
                                if tx.send(line(kind, renderer.render(&obj, &mut first))).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            }
        }
    });
    let body = Body::from_stream(ReceiverStream::new(rx).map(Ok::<Bytes, std::convert::Infallible>));
    let mut resp = (
        [(http::header::CONTENT_TYPE, "application/json"), (http::header::CACHE_CONTROL, "no-cache, private")],
        body,
    )
        .into_response();
    resp.headers_mut().insert("X-Content-Type-Options", http::HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// Turns a store event into what this watcher sees, if anything.
fn translate(info: &ResourceInfo, ev: &Event, q: &ListQuery) -> Option<(&'static str, Value)> {
    let prev = ev.prev_kv.as_ref().and_then(|kv| storage::decode(info, kv).ok());
    let prev_matches = prev.as_ref().is_some_and(|p| q.matches(p));
    match ev.kind {
        EventKind::Put => {
            let obj = storage::decode(info, &ev.kv).ok()?;
            match (prev.is_some(), prev_matches, q.matches(&obj)) {
                (false, _, true) => Some(("ADDED", obj)),
                (true, true, true) => Some(("MODIFIED", obj)),
                (true, false, true) => Some(("ADDED", obj)),
                (true, true, false) => Some(("DELETED", obj)),
                _ => None,
            }
        }
        EventKind::Delete => {
            let mut obj = prev?;
            if !prev_matches {
                return None;
            }
            storage::set_resource_version(&mut obj, ev.kv.mod_revision);
            Some(("DELETED", obj))
        }
    }
}
