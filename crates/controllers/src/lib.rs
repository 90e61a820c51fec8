//! rkube's controller manager. Each controller is a module with a `reconcile` function
//! driven by kube-runtime's `Controller`, talking only to the API server (even when it runs
//! in the same process as the server). Start reading at [`run`], then a controller module
//! such as [`namespace`].

pub mod leader;
pub mod namespace;

use kube::Client;
use tokio_util::sync::CancellationToken;

/// Runs every controller until `shutdown`.
pub async fn run(client: Client, shutdown: CancellationToken) {
    tracing::info!(component = "controller-manager", controllers = "namespace", "controllers started");
    namespace::run(client, shutdown).await;
}
