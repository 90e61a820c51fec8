//! Objects every live namespace has in Kubernetes: the `default` ServiceAccount (the
//! ServiceAccount controller's job) and the `kube-root-ca.crt` ConfigMap holding the cluster
//! CA (the root-CA publisher's job). One reconcile per namespace creates what is missing and
//! puts back a CA bundle that was changed; a deleted object is recreated because its deletion
//! re-triggers its namespace.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
use kube::api::{Api, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::Client;
use tokio_util::sync::CancellationToken;

pub const SERVICE_ACCOUNT: &str = "default";
pub const ROOT_CA_CONFIGMAP: &str = "kube-root-ca.crt";
const DESCRIPTION_ANNOTATION: &str = "kubernetes.io/description";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A call to the API server failed; retrying later may succeed.
    #[error("API request failed while {action}: {source}")]
    Api {
        action: &'static str,
        #[source]
        source: kube::Error,
    },
}

/// What the controller needs from the cluster, per namespace.
pub trait DefaultsApi: Send + Sync + 'static {
    fn service_account_exists(&self, ns: &str) -> impl Future<Output = Result<bool, Error>> + Send;
    fn create_service_account(&self, ns: &str) -> impl Future<Output = Result<(), Error>> + Send;
    fn root_ca(&self, ns: &str) -> impl Future<Output = Result<Option<ConfigMap>, Error>> + Send;
    fn create_root_ca(&self, ns: &str, cm: &ConfigMap) -> impl Future<Output = Result<(), Error>> + Send;
    fn replace_root_ca(&self, ns: &str, cm: &ConfigMap) -> impl Future<Output = Result<(), Error>> + Send;
}

pub struct Context<A> {
    pub api: A,
    /// The cluster CA certificate (PEM) published as `ca.crt`.
    pub ca_pem: String,
}

fn root_ca_data(ca_pem: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("ca.crt".to_string(), ca_pem.to_string())])
}

fn desired_root_ca(ns: &str, ca_pem: &str) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(ROOT_CA_CONFIGMAP.into());
    cm.metadata.namespace = Some(ns.into());
    cm.metadata.annotations = Some(BTreeMap::from([(
        DESCRIPTION_ANNOTATION.to_string(),
        "The cluster's CA bundle, for verifying the API server at kubernetes.default.svc from inside pods."
            .to_string(),
    )]));
    cm.data = Some(root_ca_data(ca_pem));
    cm
}

pub async fn reconcile<A: DefaultsApi>(ns: Arc<Namespace>, ctx: Arc<Context<A>>) -> Result<Action, Error> {
    if ns.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let name = ns.metadata.name.clone().unwrap_or_default();
    if !ctx.api.service_account_exists(&name).await? {
        ctx.api.create_service_account(&name).await?;
    }
    match ctx.api.root_ca(&name).await? {
        None => ctx.api.create_root_ca(&name, &desired_root_ca(&name, &ctx.ca_pem)).await?,
        Some(mut cm) if cm.data.as_ref() != Some(&root_ca_data(&ctx.ca_pem)) => {
            cm.data = Some(root_ca_data(&ctx.ca_pem));
            ctx.api.replace_root_ca(&name, &cm).await?;
        }
        Some(_) => {}
    }
    Ok(Action::await_change())
}

pub fn error_policy<A: DefaultsApi>(_ns: Arc<Namespace>, err: &Error, _ctx: Arc<Context<A>>) -> Action {
    tracing::warn!(error = %err, "namespace defaults reconcile failed; retrying");
    Action::requeue(Duration::from_secs(5))
}

/// [`DefaultsApi`] over the API server.
pub struct KubeDefaultsApi {
    pub client: Client,
}

/// A create that lost a race with another writer has nothing left to do.
fn ok_if_exists(action: &'static str, r: Result<(), kube::Error>) -> Result<(), Error> {
    match r {
        Err(kube::Error::Api(s)) if s.code == 409 => Ok(()),
        // The namespace went away meanwhile.
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 403 => Ok(()),
        Err(source) => Err(Error::Api { action, source }),
        Ok(()) => Ok(()),
    }
}

impl DefaultsApi for KubeDefaultsApi {
    async fn service_account_exists(&self, ns: &str) -> Result<bool, Error> {
        let api: Api<ServiceAccount> = Api::namespaced(self.client.clone(), ns);
        api.get_opt(SERVICE_ACCOUNT)
            .await
            .map(|sa| sa.is_some())
            .map_err(|source| Error::Api { action: "reading the default service account", source })
    }

    async fn create_service_account(&self, ns: &str) -> Result<(), Error> {
        let api: Api<ServiceAccount> = Api::namespaced(self.client.clone(), ns);
        let mut sa = ServiceAccount::default();
        sa.metadata.name = Some(SERVICE_ACCOUNT.into());
        ok_if_exists("creating the default service account", api.create(&PostParams::default(), &sa).await.map(|_| ()))
    }

    async fn root_ca(&self, ns: &str) -> Result<Option<ConfigMap>, Error> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        api.get_opt(ROOT_CA_CONFIGMAP)
            .await
            .map_err(|source| Error::Api { action: "reading the root CA config map", source })
    }

    async fn create_root_ca(&self, ns: &str, cm: &ConfigMap) -> Result<(), Error> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        ok_if_exists("creating the root CA config map", api.create(&PostParams::default(), cm).await.map(|_| ()))
    }

    async fn replace_root_ca(&self, ns: &str, cm: &ConfigMap) -> Result<(), Error> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        ok_if_exists(
            "updating the root CA config map",
            api.replace(ROOT_CA_CONFIGMAP, &PostParams::default(), cm).await.map(|_| ()),
        )
    }
}

/// Runs the controller until `shutdown`.
pub async fn run(client: Client, ca_pem: String, shutdown: CancellationToken) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let service_accounts: Api<ServiceAccount> = Api::all(client.clone());
    let config_maps: Api<ConfigMap> = Api::all(client.clone());
    let ctx = Arc::new(Context { api: KubeDefaultsApi { client }, ca_pem });
    let owner = |ns: Option<String>| ns.map(|n| ObjectRef::<Namespace>::new(&n));
    Controller::new(namespaces, watcher::Config::default())
        .watches(
            service_accounts,
            watcher::Config::default().fields(&format!("metadata.name={SERVICE_ACCOUNT}")),
            move |sa: ServiceAccount| owner(sa.metadata.namespace),
        )
        .watches(
            config_maps,
            watcher::Config::default().fields(&format!("metadata.name={ROOT_CA_CONFIGMAP}")),
            move |cm: ConfigMap| owner(cm.metadata.namespace),
        )
        .graceful_shutdown_on(async move { shutdown.cancelled().await })
        .run(reconcile, error_policy, ctx)
        .for_each(|res| async move {
            if let Err(e) = res {
                tracing::debug!(error = %e, "namespace defaults controller event");
            }
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Fake {
        service_accounts: Mutex<Vec<String>>,
        config_maps: Mutex<HashMap<String, ConfigMap>>,
        writes: Mutex<Vec<String>>,
    }

    impl DefaultsApi for Fake {
        async fn service_account_exists(&self, ns: &str) -> Result<bool, Error> {
            Ok(self.service_accounts.lock().unwrap().iter().any(|n| n == ns))
        }
        async fn create_service_account(&self, ns: &str) -> Result<(), Error> {
            self.service_accounts.lock().unwrap().push(ns.into());
            self.writes.lock().unwrap().push(format!("create sa {ns}"));
            Ok(())
        }
        async fn root_ca(&self, ns: &str) -> Result<Option<ConfigMap>, Error> {
            Ok(self.config_maps.lock().unwrap().get(ns).cloned())
        }
        async fn create_root_ca(&self, ns: &str, cm: &ConfigMap) -> Result<(), Error> {
            self.config_maps.lock().unwrap().insert(ns.into(), cm.clone());
            self.writes.lock().unwrap().push(format!("create cm {ns}"));
            Ok(())
        }
        async fn replace_root_ca(&self, ns: &str, cm: &ConfigMap) -> Result<(), Error> {
            self.config_maps.lock().unwrap().insert(ns.into(), cm.clone());
            self.writes.lock().unwrap().push(format!("replace cm {ns}"));
            Ok(())
        }
    }

    fn ns(name: &str, deleting: bool) -> Arc<Namespace> {
        let mut n = Namespace::default();
        n.metadata.name = Some(name.into());
        if deleting {
            n.metadata.deletion_timestamp =
                Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now()));
        }
        Arc::new(n)
    }

    #[tokio::test]
    async fn creates_missing_objects_once() {
        let ctx = Arc::new(Context { api: Fake::default(), ca_pem: "PEM".into() });
        reconcile(ns("team", false), ctx.clone()).await.unwrap();
        reconcile(ns("team", false), ctx.clone()).await.unwrap();
        assert_eq!(*ctx.api.writes.lock().unwrap(), vec!["create sa team", "create cm team"]);
        let cm = ctx.api.config_maps.lock().unwrap()["team"].clone();
        assert_eq!(cm.data.unwrap()["ca.crt"], "PEM");
    }

    #[tokio::test]
    async fn restores_a_changed_ca_bundle() {
        let ctx = Arc::new(Context { api: Fake::default(), ca_pem: "PEM".into() });
        reconcile(ns("team", false), ctx.clone()).await.unwrap();
        ctx.api.config_maps.lock().unwrap().get_mut("team").unwrap().data = Some(root_ca_data("tampered"));
        reconcile(ns("team", false), ctx.clone()).await.unwrap();
        assert_eq!(ctx.api.writes.lock().unwrap().last().unwrap(), "replace cm team");
        assert_eq!(ctx.api.config_maps.lock().unwrap()["team"].data.as_ref().unwrap()["ca.crt"], "PEM");
    }

    #[tokio::test]
    async fn terminating_namespaces_get_nothing() {
        let ctx = Arc::new(Context { api: Fake::default(), ca_pem: "PEM".into() });
        reconcile(ns("gone", true), ctx.clone()).await.unwrap();
        assert!(ctx.api.writes.lock().unwrap().is_empty());
    }
}
