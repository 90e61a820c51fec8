//! What a fresh (or restarted) API server makes sure of before it reports ready: the
//! system namespaces, the `kubernetes` Service with its Endpoints and EndpointSlice pointing
//! at this server, and the allocators rebuilt from stored Services. Also the periodic
//! compaction of old revisions, as kube-apiserver does.

use std::sync::Arc;
use std::time::Duration;

use rkube_api::ResourceInfo;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::ops::{self, WriteOptions};
use crate::AppState;

const MANAGER: &str = "kube-apiserver";

fn lookup(state: &AppState, group: &str, version: &str, plural: &str) -> ResourceInfo {
    state
        .registry
        .lookup(group, version, plural)
        .unwrap_or_else(|| panic!("{group}/{version} {plural} is a built-in resource"))
        .clone()
}

/// Creates `obj` unless it exists; replaces it when `reconcile` says the stored one is stale.
async fn ensure(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    obj: Value,
    stale: impl Fn(&Value) -> bool,
) -> Result<(), ApiError> {
    let name = ops::name_of(&obj).to_string();
    let opts = WriteOptions::internal(MANAGER);
    match ops::get(state, info, ns, &name).await? {
        None => match ops::create(state, info, ns, obj, &opts).await {
            Ok(_) => Ok(()),
            Err(e) if e.code == 409 => Ok(()),
            Err(e) => Err(e),
        },
        Some(existing) if stale(&existing) => {
            let mut desired = obj;
            desired["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"].clone();
            ops::update(state, info, ns, &name, None, desired, &opts).await.map(|_| ())
        }
        Some(_) => Ok(()),
    }
}

/// Brings the cluster's start-up objects into being; idempotent.
pub async fn run(state: &Arc<AppState>) -> Result<(), ApiError> {
    // Allocators first, so the kubernetes Service cannot collide with a stored one.
    let services = lookup(state, "", "v1", "services");
    let listed = ops::list(state, &services, None, &ops::ListQuery::default()).await?;
    for svc in &listed.items {
        state.allocators.mark(svc);
    }

    let namespaces = lookup(state, "", "v1", "namespaces");
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        ensure(
            state,
            &namespaces,
            None,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}),
            |_| false,
        )
        .await?;
    }

    let port = state.config.port;
    let address = state.config.advertise_address.to_string();
    let first_ip = state.allocators.first_ip().to_string();
    ensure(
        state,
        &services,
        Some("default"),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": first_ip,
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
                "sessionAffinity": "None",
            },
        }),
        |_| false,
    )
    .await?;

    let endpoints = lookup(state, "", "v1", "endpoints");
    let want_addr = address.clone();
    ensure(
        state,
        &endpoints,
        Some("default"),
        json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": address}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}],
        }),
        move |existing| {
            existing.pointer("/subsets/0/addresses/0/ip").and_then(Value::as_str) != Some(want_addr.as_str())
                || existing.pointer("/subsets/0/ports/0/port").and_then(Value::as_u64) != Some(port as u64)
        },
    )
    .await?;

    let slices = lookup(state, "discovery.k8s.io", "v1", "endpointslices");
    let want_addr = address.clone();
    ensure(
        state,
        &slices,
        Some("default"),
        json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes",
                                    "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [address], "conditions": {"ready": true}}],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        }),
        move |existing| {
            existing.pointer("/endpoints/0/addresses/0").and_then(Value::as_str) != Some(want_addr.as_str())
                || existing.pointer("/ports/0/port").and_then(Value::as_u64) != Some(port as u64)
        },
    )
    .await?;
    Ok(())
}

/// Every `interval`, compacts away revisions older than the previous tick's revision, so
/// history is kept for at least one interval (kube-apiserver compacts every 5 minutes).
pub async fn compaction_loop(state: Arc<AppState>, interval: Duration) {
    let mut previous: Option<i64> = None;
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        if let Some(rev) = previous {
            match state.store.compact(rev).await {
                Ok(()) => tracing::debug!(revision = rev, "compacted"),
                Err(e) => tracing::warn!(error = %e, revision = rev, "compaction failed"),
            }
        }
        match state.store.current_revision().await {
            Ok(rev) => previous = Some(rev),
            Err(e) => tracing::warn!(error = %e, "reading the current revision for compaction failed"),
        }
    }
}
