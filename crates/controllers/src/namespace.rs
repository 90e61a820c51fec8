//! The namespace controller: when a namespace is being deleted, delete everything in it,
//! wait until it is all gone, then remove the `kubernetes` finalizer through
//! `namespaces/{name}/finalize` (the API server removes the namespace once no finalizer is
//! left). The cluster is reached through [`NamespaceApi`], so the reconcile logic is tested
//! against a recording fake.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, PostParams};
use kube::discovery::{verbs, Discovery, Scope};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::Client;
use tokio_util::sync::CancellationToken;

/// The finalizer Kubernetes puts in every namespace's `spec.finalizers`.
pub const FINALIZER: &str = "kubernetes";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A call to the API server failed; retrying later may succeed.
    #[error("API request failed while {action}: {source}")]
    Api {
        action: String,
        #[source]
        source: kube::Error,
    },
}

/// What the namespace controller needs from the cluster.
pub trait NamespaceApi: Send + Sync + 'static {
    /// Every namespaced resource that can be listed and deleted by collection.
    fn namespaced_resources(&self) -> impl Future<Output = Result<Vec<ApiResource>, Error>> + Send;
    /// Deletes every object of `res` in namespace `ns`.
    fn delete_all(&self, ns: &str, res: &ApiResource) -> impl Future<Output = Result<(), Error>> + Send;
    /// Whether any object of `res` is left in `ns`.
    fn any_left(&self, ns: &str, res: &ApiResource) -> impl Future<Output = Result<bool, Error>> + Send;
    /// Replaces the namespace's `spec.finalizers` through the finalize subresource.
    fn set_finalizers(&self, ns: &Namespace, finalizers: Vec<String>) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Shared state of the reconcile loop.
pub struct Context<A> {
    pub api: A,
    /// How soon to look again while content is still being removed.
    pub recheck: Duration,
}

fn spec_finalizers(ns: &Namespace) -> Vec<String> {
    ns.spec.as_ref().and_then(|s| s.finalizers.clone()).unwrap_or_default()
}

/// Reconciles one namespace; idempotent, reads current state each time.
pub async fn reconcile<A: NamespaceApi>(ns: Arc<Namespace>, ctx: Arc<Context<A>>) -> Result<Action, Error> {
    if ns.metadata.deletion_timestamp.is_none() {
        return Ok(Action::await_change());
    }
    let finalizers = spec_finalizers(&ns);
    if !finalizers.iter().any(|f| f == FINALIZER) {
        return Ok(Action::await_change());
    }
    let name = ns.metadata.name.clone().unwrap_or_default();
    let resources = ctx.api.namespaced_resources().await?;
    for res in &resources {
        ctx.api.delete_all(&name, res).await?;
    }
    let mut remaining = Vec::new();
    for res in &resources {
        if ctx.api.any_left(&name, res).await? {
            remaining.push(res.plural.clone());
        }
    }
    if !remaining.is_empty() {
        tracing::debug!(namespace = %name, remaining = ?remaining, "namespace content still being removed");
        return Ok(Action::requeue(ctx.recheck));
    }
    let rest: Vec<String> = finalizers.into_iter().filter(|f| f != FINALIZER).collect();
    ctx.api.set_finalizers(&ns, rest).await?;
    tracing::info!(namespace = %name, "namespace content removed; finalized");
    Ok(Action::await_change())
}

pub fn error_policy<A: NamespaceApi>(_ns: Arc<Namespace>, err: &Error, _ctx: Arc<Context<A>>) -> Action {
    tracing::warn!(error = %err, "namespace reconcile failed; retrying");
    Action::requeue(Duration::from_secs(5))
}

/// [`NamespaceApi`] over a real API server.
#[derive(Clone)]
pub struct KubeNamespaceApi {
    pub client: Client,
}

fn api_err(action: &str) -> impl FnOnce(kube::Error) -> Error + '_ {
    move |source| Error::Api { action: action.to_string(), source }
}

/// 404 and 405 mean the resource cannot hold anything here; nothing to do.
fn ignorable(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404 || s.code == 405)
}

impl NamespaceApi for KubeNamespaceApi {
    async fn namespaced_resources(&self) -> Result<Vec<ApiResource>, Error> {
        let discovery = Discovery::new(self.client.clone()).run().await.map_err(api_err("discovering resources"))?;
        let mut out = Vec::new();
        for group in discovery.groups() {
            for (ar, caps) in group.recommended_resources() {
                if caps.scope == Scope::Namespaced
                    && caps.supports_operation(verbs::DELETE_COLLECTION)
                    && caps.supports_operation(verbs::LIST)
                {
                    out.push(ar);
                }
            }
        }
        Ok(out)
    }

    async fn delete_all(&self, ns: &str, res: &ApiResource) -> Result<(), Error> {
        let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), ns, res);
        match api.delete_collection(&DeleteParams::background(), &ListParams::default()).await {
            Ok(_) => Ok(()),
            Err(e) if ignorable(&e) => Ok(()),
            Err(e) => Err(api_err("deleting namespace content")(e)),
        }
    }

    async fn any_left(&self, ns: &str, res: &ApiResource) -> Result<bool, Error> {
        let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), ns, res);
        match api.list_metadata(&ListParams::default().limit(1)).await {
            Ok(list) => Ok(!list.items.is_empty()),
            Err(e) if ignorable(&e) => Ok(false),
            Err(e) => Err(api_err("listing namespace content")(e)),
        }
    }

    async fn set_finalizers(&self, ns: &Namespace, finalizers: Vec<String>) -> Result<(), Error> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let mut desired = ns.clone();
        desired.spec.get_or_insert_with(Default::default).finalizers = Some(finalizers);
        let name = ns.metadata.name.clone().unwrap_or_default();
        match api.replace_subresource("finalize", &name, &PostParams::default(), &desired).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(api_err("finalizing the namespace")(e)),
        }
    }
}

/// Runs the namespace controller until `shutdown`.
pub async fn run(client: Client, shutdown: CancellationToken) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ctx = Arc::new(Context { api: KubeNamespaceApi { client }, recheck: Duration::from_secs(2) });
    Controller::new(namespaces, watcher::Config::default())
        .graceful_shutdown_on(async move { shutdown.cancelled().await })
        .run(reconcile, error_policy, ctx)
        .for_each(|res| async move {
            if let Err(e) = res {
                tracing::debug!(error = %e, "namespace controller event");
            }
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::NamespaceSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use std::sync::Mutex;

    /// Records calls; objects of a resource disappear after `deletes_needed` delete calls.
    struct Fake {
        resources: Vec<ApiResource>,
        deletes_needed: usize,
        calls: Mutex<Vec<String>>,
    }

    impl Fake {
        fn deletes(&self) -> usize {
            self.calls.lock().unwrap().iter().filter(|c| c.starts_with("delete")).count()
        }
    }

    impl NamespaceApi for Fake {
        async fn namespaced_resources(&self) -> Result<Vec<ApiResource>, Error> {
            Ok(self.resources.clone())
        }
        async fn delete_all(&self, ns: &str, res: &ApiResource) -> Result<(), Error> {
            self.calls.lock().unwrap().push(format!("delete {ns}/{}", res.plural));
            Ok(())
        }
        async fn any_left(&self, _ns: &str, _res: &ApiResource) -> Result<bool, Error> {
            Ok(self.deletes() < self.deletes_needed * self.resources.len())
        }
        async fn set_finalizers(&self, ns: &Namespace, finalizers: Vec<String>) -> Result<(), Error> {
            self.calls.lock().unwrap().push(format!(
                "finalize {} {:?}",
                ns.metadata.name.as_deref().unwrap_or(""),
                finalizers
            ));
            Ok(())
        }
    }

    fn ar(plural: &str) -> ApiResource {
        ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: plural.to_string(),
            plural: plural.to_string(),
        }
    }

    fn ns(deleting: bool, finalizers: &[&str]) -> Arc<Namespace> {
        let mut n = Namespace::default();
        n.metadata.name = Some("team".into());
        if deleting {
            n.metadata.deletion_timestamp = Some(Time(k8s_openapi::jiff::Timestamp::now()));
        }
        n.spec = Some(NamespaceSpec { finalizers: Some(finalizers.iter().map(|s| s.to_string()).collect()) });
        Arc::new(n)
    }

    fn ctx(deletes_needed: usize) -> Arc<Context<Fake>> {
        Arc::new(Context {
            api: Fake { resources: vec![ar("pods"), ar("configmaps")], deletes_needed, calls: Mutex::new(Vec::new()) },
            recheck: Duration::from_secs(1),
        })
    }

    #[tokio::test]
    async fn live_namespace_is_left_alone() {
        let c = ctx(1);
        reconcile(ns(false, &[FINALIZER]), c.clone()).await.unwrap();
        assert!(c.api.calls.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn empties_then_finalizes_keeping_other_finalizers() {
        let c = ctx(1);
        reconcile(ns(true, &[FINALIZER, "example.com/x"]), c.clone()).await.unwrap();
        let calls = c.api.calls.lock().unwrap().clone();
        assert_eq!(calls, vec![
            "delete team/pods".to_string(),
            "delete team/configmaps".to_string(),
            "finalize team [\"example.com/x\"]".to_string(),
        ]);
    }

    #[tokio::test]
    async fn waits_while_content_remains() {
        let c = ctx(2);
        let action = reconcile(ns(true, &[FINALIZER]), c.clone()).await.unwrap();
        assert_eq!(action, Action::requeue(Duration::from_secs(1)));
        assert!(!c.api.calls.lock().unwrap().iter().any(|c| c.starts_with("finalize")));
        reconcile(ns(true, &[FINALIZER]), c.clone()).await.unwrap();
        assert!(c.api.calls.lock().unwrap().iter().any(|c| c.starts_with("finalize")));
    }

    #[tokio::test]
    async fn already_finalized_is_a_no_op() {
        let c = ctx(1);
        reconcile(ns(true, &["example.com/x"]), c.clone()).await.unwrap();
        assert!(c.api.calls.lock().unwrap().is_empty());
    }
}
