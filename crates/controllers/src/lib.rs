//! rkube's controller manager. Each controller is a module with a `reconcile` function
//! driven by kube-runtime's `Controller`, talking only to the API server (even when it runs
//! in the same process as the server). Start reading at [`run`], then a controller module
//! such as [`namespace`].

pub mod leader;
pub mod namespace;
pub mod namespace_defaults;

use kube::Client;
use tokio_util::sync::CancellationToken;

/// What the controllers need to know about the cluster beyond its API.
#[derive(Clone, Debug)]
pub struct Config {
    /// The cluster CA (PEM), published into every namespace.
    pub ca_pem: String,
}

/// Runs every controller until `shutdown`.
pub async fn run(client: Client, config: Config, shutdown: CancellationToken) {
    tracing::info!(
        component = "controller-manager",
        controllers = "namespace,serviceaccount,root-ca-publisher",
        "controllers started"
    );
    tokio::join!(
        namespace::run(client.clone(), shutdown.clone()),
        namespace_defaults::run(client, config.ca_pem, shutdown),
    );
}
