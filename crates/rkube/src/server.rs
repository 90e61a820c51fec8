//! `rkube server`: validates its configuration, opens the store, prepares certificates,
//! serves the API, creates the start-up objects, writes the kubeconfig, and shuts down
//! cleanly on SIGTERM/SIGINT within the grace period.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{bail, Context};
use rkube_apiserver::{bootstrap, pki, serve, AppState, Config, Ipv4Cidr, TokenAuthenticator, UserInfo};
use rkube_controllers::leader::{run_elected, ElectionConfig, KubeLeaseApi};
use rkube_store::embedded::{EmbeddedOptions, EmbeddedStore};
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::cli::ServerFlags;

/// The server's configuration after validation.
#[derive(Debug)]
struct ServerConfig {
    data_dir: PathBuf,
    bind: IpAddr,
    port: u16,
    advertise: IpAddr,
    service_cidr: Ipv4Cidr,
    cluster_cidr: Ipv4Cidr,
    cluster_dns: IpAddr,
    node_name: String,
    token: Option<String>,
    grace: Duration,
    log_level: String,
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
        .to_lowercase()
}

/// This host's IPv4 addresses other than loopback, in interface order.
fn host_ipv4s() -> Vec<Ipv4Addr> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else { return Vec::new() };
    addrs
        .filter_map(|a| a.address.and_then(|s| s.as_sockaddr_in().map(|sin| sin.ip())))
        .filter(|ip| !ip.is_loopback() && !ip.is_link_local())
        .collect()
}

impl ServerConfig {
    fn from_flags(f: ServerFlags) -> anyhow::Result<Self> {
        if f.datastore_endpoint.is_some() {
            bail!("--datastore-endpoint (etcd) is not supported by this build yet; omit it to use the embedded store");
        }
        let service_cidr: Ipv4Cidr = f.service_cidr.parse().map_err(|e: String| anyhow::anyhow!("--service-cidr: {e}"))?;
        let cluster_cidr: Ipv4Cidr = f.cluster_cidr.parse().map_err(|e: String| anyhow::anyhow!("--cluster-cidr: {e}"))?;
        if service_cidr.contains(cluster_cidr.network) || cluster_cidr.contains(service_cidr.network) {
            bail!("--service-cidr {service_cidr} and --cluster-cidr {cluster_cidr} overlap");
        }
        let cluster_dns = f.cluster_dns.unwrap_or(IpAddr::V4(service_cidr.nth(10)));
        if let IpAddr::V4(ip) = cluster_dns {
            if !service_cidr.contains(ip) {
                bail!("--cluster-dns {ip} is not inside --service-cidr {service_cidr}");
            }
        }
        if f.port == 0 {
            bail!("--port must be a port number between 1 and 65535");
        }
        let advertise = match f.advertise_address {
            Some(a) => a,
            None if !f.bind_address.is_unspecified() => f.bind_address,
            None => host_ipv4s().first().map(|ip| IpAddr::V4(*ip)).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        };
        Ok(ServerConfig {
            data_dir: f.data_dir,
            bind: f.bind_address,
            port: f.port,
            advertise,
            service_cidr,
            cluster_cidr,
            cluster_dns,
            node_name: f.node_name.unwrap_or_else(hostname),
            token: f.token,
            grace: f.shutdown_grace_period,
            log_level: f.log_level,
        })
    }
}

fn init_tracing(level: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(level).with_context(|| format!("--log-level {level:?}"))?;
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
    Ok(())
}

pub fn run(flags: ServerFlags) -> anyhow::Result<()> {
    let cfg = ServerConfig::from_flags(flags)?;
    init_tracing(&cfg.log_level)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rkube")
        .build()
        .context("starting the async runtime")?
        .block_on(serve_until_signalled(cfg))
}

async fn shutdown_signal() -> anyhow::Result<&'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}

async fn serve_until_signalled(cfg: ServerConfig) -> anyhow::Result<()> {
    std::fs::create_dir_all(&cfg.data_dir).with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    let data_dir = cfg.data_dir.canonicalize().context("resolving --data-dir")?;
    info!(
        data_dir = %data_dir.display(),
        node = %cfg.node_name,
        service_cidr = %cfg.service_cidr,
        cluster_cidr = %cfg.cluster_cidr,
        cluster_dns = %cfg.cluster_dns,
        "starting rkube server"
    );

    // Bind first: a taken port should fail before anything else is touched.
    let listener = tokio::net::TcpListener::bind((cfg.bind, cfg.port))
        .await
        .with_context(|| format!("binding {}:{}", cfg.bind, cfg.port))?;

    let store_dir = data_dir.join("db");
    let store = EmbeddedStore::open(&store_dir, EmbeddedOptions::default())
        .await
        .with_context(|| format!("opening the store in {}", store_dir.display()))?;
    info!(component = "store", path = %store_dir.display(), "store ready");

    let mut hostnames = vec![cfg.node_name.clone(), hostname()];
    hostnames.dedup();
    let mut ips: Vec<IpAddr> = vec![cfg.advertise, IpAddr::V4(cfg.service_cidr.nth(1))];
    if !cfg.bind.is_unspecified() {
        ips.push(cfg.bind);
    }
    ips.extend(host_ipv4s().into_iter().map(IpAddr::V4));
    let names = pki::ServingNames::for_cluster(&hostnames, &ips);
    let cluster_pki = pki::ClusterPki::load_or_create(&data_dir, &names).context("preparing certificates")?;
    let token = pki::load_or_create_token(&data_dir.join("token"), cfg.token.as_deref(), &cluster_pki.ca.cert_pem)
        .context("writing the join token")?;
    info!(component = "pki", dir = %cluster_pki.dir.display(), "certificates ready");

    let mut tokens = TokenAuthenticator::new();
    // Until RBAC and node authorization exist, the join token acts as an administrator.
    tokens.add(
        &token,
        UserInfo { username: "system:admin".into(), groups: vec!["system:masters".into(), "system:authenticated".into()] },
    );

    let shutdown = CancellationToken::new();
    let mut api_config = Config::new(cfg.service_cidr, cfg.advertise, cfg.port);
    api_config.version = format!("v1.35.0+rkube.{}", env!("CARGO_PKG_VERSION"));
    let state = AppState::new(api_config, store.clone(), tokens, shutdown.clone());
    let tls = serve::tls_config(&cluster_pki).context("configuring TLS")?;
    let router = rkube_apiserver::router(state.clone());
    let server = tokio::spawn(serve::serve(listener, tls, router, shutdown.clone(), cfg.grace));
    info!(component = "apiserver", address = %format!("{}:{}", cfg.bind, cfg.port), "API server listening");

    // Start-up objects; the store may be busy right after a crash, so retry briefly.
    let mut attempt = 0;
    loop {
        match bootstrap::run(&state).await {
            Ok(()) => break,
            Err(e) if attempt < 20 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "creating start-up objects failed; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => bail!("creating start-up objects: {e}"),
        }
    }
    state.ready.store(true, Ordering::Release);
    tokio::spawn(bootstrap::compaction_loop(state.clone(), state.config.compaction_interval));
    info!(component = "bootstrap", "start-up objects ready");

    let server_host = if cfg.bind.is_unspecified() || cfg.bind.is_loopback() {
        "127.0.0.1".to_string()
    } else {
        match cfg.bind {
            IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        }
    };
    let kubeconfig_path = data_dir.join("kubeconfig.yaml");
    let kubeconfig = cluster_pki.admin_kubeconfig(&format!("https://{server_host}:{}", cfg.port));
    pki::write_file_atomic(&kubeconfig_path, kubeconfig.as_bytes(), 0o600).context("writing the kubeconfig")?;
    info!(
        component = "kubeconfig",
        path = %kubeconfig_path.display(),
        "rkube is ready: export KUBECONFIG={} and run kubectl get namespaces",
        kubeconfig_path.display()
    );

    // The controller manager is a client of the API server like any other (no shortcut into
    // the store), with its own identity.
    let cm_cert = pki::issue_client_cert(&cluster_pki.ca, "system:kube-controller-manager", &[])
        .context("issuing the controller manager's certificate")?;
    let cm_kubeconfig = pki::kubeconfig(
        &format!("https://127.0.0.1:{}", cfg.port),
        &cluster_pki.ca.cert_pem,
        "default",
        "system:kube-controller-manager",
        &cm_cert,
    );
    let client = kube_client(&cm_kubeconfig).await.context("connecting the controller manager")?;
    // Exactly one controller manager is active among servers sharing a datastore; with one
    // server the election is won at once.
    let controllers_stop = CancellationToken::new();
    let identity = format!("{}_{}", cfg.node_name, uuid::Uuid::new_v4());
    let election = ElectionConfig::new("kube-system", "kube-controller-manager", &identity);
    let lease_api = KubeLeaseApi::new(client.clone(), "kube-system", "kube-controller-manager");
    let controllers_config = rkube_controllers::Config { ca_pem: cluster_pki.ca.cert_pem.clone() };
    let controllers = tokio::spawn(run_elected(lease_api, election, controllers_stop.clone(), move |token| {
        rkube_controllers::run(client.clone(), controllers_config.clone(), token)
    }));

    let signal = shutdown_signal().await?;
    info!(signal, grace_seconds = cfg.grace.as_secs(), "shutting down");
    // Controllers first, while the API server can still take the Lease release.
    controllers_stop.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(3), controllers).await;
    shutdown.cancel();
    let _ = tokio::time::timeout(cfg.grace + Duration::from_secs(1), server).await;
    drop(state);
    drop(store);
    info!("stopped");
    Ok(())
}

/// A kube client from a kubeconfig document.
async fn kube_client(kubeconfig: &str) -> anyhow::Result<kube::Client> {
    let kc = kube::config::Kubeconfig::from_yaml(kubeconfig)?;
    let config = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default()).await?;
    Ok(kube::Client::try_from(config)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn flags(args: &[&str]) -> ServerFlags {
        let mut all = vec!["rkube", "server"];
        all.extend_from_slice(args);
        let Command::Server(f) = Cli::parse_from(all).command;
        f
    }

    #[test]
    fn validates_ranges() {
        let cfg = ServerConfig::from_flags(flags(&["--bind-address", "127.0.0.1"])).unwrap();
        assert_eq!(cfg.cluster_dns.to_string(), "10.43.0.10");
        assert_eq!(cfg.advertise.to_string(), "127.0.0.1");
        assert!(ServerConfig::from_flags(flags(&["--service-cidr", "10.42.0.0/16"])).is_err());
        assert!(ServerConfig::from_flags(flags(&["--service-cidr", "nope"])).is_err());
        assert!(ServerConfig::from_flags(flags(&["--cluster-dns", "10.99.0.10"])).is_err());
        assert!(ServerConfig::from_flags(flags(&["--datastore-endpoint", "http://127.0.0.1:2379"])).is_err());
    }
}
