//! Leader election through a `coordination.k8s.io/v1` Lease, as Kubernetes' components do
//! it, so that exactly one controller manager (or scheduler) is active among several
//! servers. A candidate takes the Lease when it is free or when its holder has not renewed
//! it for `lease_duration` as observed on the candidate's own clock (never comparing clocks
//! across machines); the leader renews every `retry_period` and steps down if it cannot
//! renew within `renew_deadline`. On shutdown the leader releases the Lease so a successor
//! need not wait.

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Api, PostParams};
use kube::Client;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Timing and identity of one election.
#[derive(Clone, Debug)]
pub struct ElectionConfig {
    pub namespace: String,
    /// The Lease's name, e.g. `kube-controller-manager`.
    pub name: String,
    /// This candidate's identity, unique among candidates (host name plus a random suffix).
    pub identity: String,
    pub lease_duration: Duration,
    pub renew_deadline: Duration,
    pub retry_period: Duration,
}

impl ElectionConfig {
    /// Kubernetes' defaults: 15 s lease, 10 s renew deadline, 2 s retry.
    pub fn new(namespace: &str, name: &str, identity: &str) -> Self {
        ElectionConfig {
            namespace: namespace.to_string(),
            name: name.to_string(),
            identity: identity.to_string(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Someone else wrote the Lease first; re-read and try again.
    #[error("the lease was modified concurrently")]
    Conflict,
    /// The API server could not be reached or refused; retrying later may succeed.
    #[error("lease request failed: {0}")]
    Api(#[source] kube::Error),
}

/// What an election needs from the cluster: read, create and replace one Lease.
pub trait LeaseApi: Send + Sync + 'static {
    fn get(&self) -> impl Future<Output = Result<Option<Lease>, LeaseError>> + Send;
    fn create(&self, lease: &Lease) -> impl Future<Output = Result<Lease, LeaseError>> + Send;
    /// Replaces the Lease if its resourceVersion still matches `lease`'s.
    fn replace(&self, lease: &Lease) -> impl Future<Output = Result<Lease, LeaseError>> + Send;
}

/// [`LeaseApi`] over the API server.
pub struct KubeLeaseApi {
    api: Api<Lease>,
    name: String,
}

impl KubeLeaseApi {
    pub fn new(client: Client, namespace: &str, name: &str) -> Self {
        KubeLeaseApi { api: Api::namespaced(client, namespace), name: name.to_string() }
    }
}

fn lease_err(e: kube::Error) -> LeaseError {
    match &e {
        kube::Error::Api(s) if s.code == 409 => LeaseError::Conflict,
        _ => LeaseError::Api(e),
    }
}

impl LeaseApi for KubeLeaseApi {
    async fn get(&self) -> Result<Option<Lease>, LeaseError> {
        self.api.get_opt(&self.name).await.map_err(LeaseError::Api)
    }
    async fn create(&self, lease: &Lease) -> Result<Lease, LeaseError> {
        self.api.create(&PostParams::default(), lease).await.map_err(lease_err)
    }
    async fn replace(&self, lease: &Lease) -> Result<Lease, LeaseError> {
        self.api.replace(&self.name, &PostParams::default(), lease).await.map_err(lease_err)
    }
}

fn now_micro() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

/// One candidate's view of the Lease: the last record seen and when (on our clock) it
/// last changed.
struct Observed {
    record: Option<LeaseSpec>,
    at: Instant,
}

struct Elector<A> {
    api: A,
    cfg: ElectionConfig,
    observed: Observed,
}

impl<A: LeaseApi> Elector<A> {
    fn spec(&self, acquire: bool, current: Option<&LeaseSpec>) -> LeaseSpec {
        let now = now_micro();
        let transitions = current.and_then(|c| c.lease_transitions).unwrap_or(0);
        LeaseSpec {
            holder_identity: Some(self.cfg.identity.clone()),
            lease_duration_seconds: Some(self.cfg.lease_duration.as_secs() as i32),
            acquire_time: if acquire { Some(now.clone()) } else { current.and_then(|c| c.acquire_time.clone()) },
            renew_time: Some(now),
            lease_transitions: Some(if acquire && current.is_some() { transitions + 1 } else { transitions }),
            ..Default::default()
        }
    }

    /// One attempt to take or keep the Lease. `Ok(true)`: we hold it now.
    async fn try_acquire_or_renew(&mut self) -> Result<bool, LeaseError> {
        let Some(mut lease) = self.api.get().await? else {
            let mut lease = Lease::default();
            lease.metadata.name = Some(self.cfg.name.clone());
            lease.metadata.namespace = Some(self.cfg.namespace.clone());
            lease.spec = Some(self.spec(true, None));
            let created = self.api.create(&lease).await?;
            self.observe(created.spec);
            return Ok(true);
        };
        let record = lease.spec.clone().unwrap_or_default();
        if self.observed.record.as_ref() != Some(&record) {
            self.observe(Some(record.clone()));
        }
        let holder = record.holder_identity.clone().unwrap_or_default();
        let ours = holder == self.cfg.identity;
        let duration = Duration::from_secs(record.lease_duration_seconds.unwrap_or(0).max(0) as u64);
        let expired = self.observed.at + duration <= Instant::now();
        if !holder.is_empty() && !ours && !expired {
            return Ok(false);
        }
        lease.spec = Some(self.spec(!ours, Some(&record)));
        let replaced = self.api.replace(&lease).await?;
        self.observe(replaced.spec);
        Ok(true)
    }

    fn observe(&mut self, record: Option<LeaseSpec>) {
        self.observed = Observed { record, at: Instant::now() };
    }

    /// Gives the Lease up so a successor can take it at once.
    async fn release(&mut self) {
        let Ok(Some(mut lease)) = self.api.get().await else { return };
        let spec = lease.spec.get_or_insert_with(Default::default);
        if spec.holder_identity.as_deref() != Some(self.cfg.identity.as_str()) {
            return;
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(now_micro());
        if let Err(e) = self.api.replace(&lease).await {
            tracing::debug!(error = %e, lease = %self.cfg.name, "releasing the lease failed");
        }
    }
}

/// Runs `work` only while this candidate leads. `work` gets a token that is cancelled when
/// leadership is lost or on shutdown; it is started again if leadership is regained.
pub async fn run_elected<A, F, Fut>(api: A, cfg: ElectionConfig, shutdown: CancellationToken, mut work: F)
where
    A: LeaseApi,
    F: FnMut(CancellationToken) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut elector = Elector { api, cfg, observed: Observed { record: None, at: Instant::now() } };
    let retry = elector.cfg.retry_period;
    loop {
        // Candidate: try until we lead or are told to stop.
        loop {
            match elector.try_acquire_or_renew().await {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => tracing::debug!(error = %e, lease = %elector.cfg.name, "acquiring the lease failed"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(retry) => {}
            }
        }
        tracing::info!(lease = %elector.cfg.name, identity = %elector.cfg.identity, "became leader");
        let leading = shutdown.child_token();
        let task = tokio::spawn(work(leading.clone()));
        // Leader: renew until the deadline passes without a successful renewal.
        let mut last_renew = Instant::now();
        let stopping = loop {
            tokio::select! {
                _ = shutdown.cancelled() => break true,
                _ = tokio::time::sleep(retry) => {}
            }
            match elector.try_acquire_or_renew().await {
                Ok(true) => last_renew = Instant::now(),
                Ok(false) => break false,
                Err(e) => tracing::debug!(error = %e, lease = %elector.cfg.name, "renewing the lease failed"),
            }
            if last_renew.elapsed() > elector.cfg.renew_deadline {
                break false;
            }
        };
        leading.cancel();
        let _ = task.await;
        if stopping {
            elector.release().await;
            return;
        }
        tracing::warn!(lease = %elector.cfg.name, identity = %elector.cfg.identity, "lost leadership");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    /// One Lease in memory with resourceVersion checks; `down` makes a client's calls fail.
    #[derive(Default)]
    struct Cluster {
        lease: Mutex<Option<Lease>>,
        rv: AtomicUsize,
    }

    struct Client {
        cluster: Arc<Cluster>,
        down: Arc<AtomicBool>,
    }

    fn unavailable() -> LeaseError {
        LeaseError::Api(kube::Error::Api(Box::new(kube::core::Status::failure("down", "ServiceUnavailable").with_code(503))))
    }

    impl LeaseApi for Client {
        async fn get(&self) -> Result<Option<Lease>, LeaseError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(unavailable());
            }
            Ok(self.cluster.lease.lock().unwrap().clone())
        }
        async fn create(&self, lease: &Lease) -> Result<Lease, LeaseError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(unavailable());
            }
            let mut slot = self.cluster.lease.lock().unwrap();
            if slot.is_some() {
                return Err(LeaseError::Conflict);
            }
            let mut l = lease.clone();
            l.metadata.resource_version = Some(self.cluster.rv.fetch_add(1, Ordering::SeqCst).to_string());
            *slot = Some(l.clone());
            Ok(l)
        }
        async fn replace(&self, lease: &Lease) -> Result<Lease, LeaseError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(unavailable());
            }
            let mut slot = self.cluster.lease.lock().unwrap();
            let current = slot.as_ref().and_then(|l| l.metadata.resource_version.clone());
            if current != lease.metadata.resource_version {
                return Err(LeaseError::Conflict);
            }
            let mut l = lease.clone();
            l.metadata.resource_version = Some(self.cluster.rv.fetch_add(1, Ordering::SeqCst).to_string());
            *slot = Some(l.clone());
            Ok(l)
        }
    }

    fn holder(c: &Cluster) -> Option<String> {
        c.lease.lock().unwrap().as_ref().and_then(|l| l.spec.as_ref()?.holder_identity.clone())
    }

    /// Starts a candidate whose work counts how many of its runs are active.
    fn candidate(
        cluster: &Arc<Cluster>,
        id: &str,
        active: Arc<AtomicUsize>,
    ) -> (Arc<AtomicBool>, CancellationToken, tokio::task::JoinHandle<()>) {
        let down = Arc::new(AtomicBool::new(false));
        let stop = CancellationToken::new();
        let api = Client { cluster: cluster.clone(), down: down.clone() };
        let cfg = ElectionConfig::new("kube-system", "kube-controller-manager", id);
        let handle = tokio::spawn(run_elected(api, cfg, stop.clone(), move |token| {
            let active = active.clone();
            async move {
                active.fetch_add(1, Ordering::SeqCst);
                token.cancelled().await;
                active.fetch_sub(1, Ordering::SeqCst);
            }
        }));
        (down, stop, handle)
    }

    #[tokio::test(start_paused = true)]
    async fn one_leader_and_failover_after_the_lease_expires() {
        let cluster = Arc::new(Cluster::default());
        let active = Arc::new(AtomicUsize::new(0));
        let (down_a, _stop_a, _a) = candidate(&cluster, "a", active.clone());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_down_b, _stop_b, _b) = candidate(&cluster, "b", active.clone());
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(holder(&cluster).as_deref(), Some("a"));
        assert_eq!(active.load(Ordering::SeqCst), 1, "exactly one leader runs");

        // a loses the API server: it steps down after the renew deadline, and b takes over
        // once the lease has gone unrenewed for its duration (well within 20 s).
        down_a.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(20)).await;
        assert_eq!(holder(&cluster).as_deref(), Some("b"));
        assert_eq!(active.load(Ordering::SeqCst), 1);
        let transitions = cluster.lease.lock().unwrap().as_ref().unwrap().spec.as_ref().unwrap().lease_transitions;
        assert_eq!(transitions, Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_releases_the_lease_for_a_quick_successor() {
        let cluster = Arc::new(Cluster::default());
        let active = Arc::new(AtomicUsize::new(0));
        let (_da, stop_a, a) = candidate(&cluster, "a", active.clone());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_db, _sb, _b) = candidate(&cluster, "b", active.clone());
        tokio::time::sleep(Duration::from_secs(5)).await;
        stop_a.cancel();
        a.await.unwrap();
        assert_eq!(holder(&cluster), None, "released on shutdown");
        // b sees the released (1 s) lease and takes it within a few retry periods.
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(holder(&cluster).as_deref(), Some("b"));
        assert_eq!(active.load(Ordering::SeqCst), 1);
    }
}
