//! Command-line flags (the contract in shared/DESIGN.md). Only parsing here; validation
//! into typed configuration happens in each role before anything binds.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rkube",
    version,
    about = "Kubernetes in one binary",
    long_about = "rkube is Kubernetes rewritten in Rust and shipped as one binary. `rkube server` runs a \
                  control plane (API server on an embedded durable store); the official kubectl, helm \
                  and client libraries work against it unchanged."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a control plane: API server, controllers, scheduler (and the node agent unless --disable-agent).
    Server(ServerFlags),
}

#[derive(Debug, Args)]
pub struct ServerFlags {
    /// Directory for the store, certificates, kubeconfig and token.
    #[arg(long, default_value = "/var/lib/rkube", value_name = "DIR")]
    pub data_dir: PathBuf,

    /// HTTPS port of the API server.
    #[arg(long, default_value_t = 6443)]
    pub port: u16,

    /// Address the API server listens on.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind_address: IpAddr,

    /// Address advertised to the cluster (the `kubernetes` Service's endpoint); default: the
    /// bind address, or this host's first non-loopback IPv4 address when binding to all.
    #[arg(long)]
    pub advertise_address: Option<IpAddr>,

    /// Do not run the node agent, DNS and service proxy in this process (control plane only).
    #[arg(long)]
    pub disable_agent: bool,

    /// etcd endpoints (comma-separated URLs). Absent: the embedded store in --data-dir.
    #[arg(long, value_name = "URLS")]
    pub datastore_endpoint: Option<String>,

    /// Pod network range.
    #[arg(long, default_value = "10.42.0.0/16", value_name = "CIDR")]
    pub cluster_cidr: String,

    /// Service ClusterIP range.
    #[arg(long, default_value = "10.43.0.0/16", value_name = "CIDR")]
    pub service_cidr: String,

    /// Cluster DNS service IP (default: the .10 address of the service range).
    #[arg(long, value_name = "IP")]
    pub cluster_dns: Option<IpAddr>,

    /// This node's name (default: the host name).
    #[arg(long)]
    pub node_name: Option<String>,

    /// Shared secret agents join with (default: generated into DIR/token).
    #[arg(long, env = "RKUBE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Pull images only through the mirrors in DIR/registries.yaml, never from upstream.
    #[arg(long)]
    pub disable_default_registry_endpoint: bool,

    /// Log filter: error, warn, info, debug, trace, or a tracing directive list.
    #[arg(long, default_value = "info", env = "RKUBE_LOG")]
    pub log_level: String,

    /// On SIGTERM, how long open requests may take to finish.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub shutdown_grace_period: Duration,
}

/// `10s`, `500ms`, `2m`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit()).map(|i| s.split_at(i)).unwrap_or((s, "s"));
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a duration (e.g. 10s, 500ms, 2m)"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("{s:?}: unknown unit {unit:?} (use ms, s, m or h)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("x").is_err());
    }

    #[test]
    fn server_defaults_follow_the_contract() {
        let cli = Cli::parse_from(["rkube", "server"]);
        let Command::Server(f) = cli.command;
        assert_eq!(f.data_dir, PathBuf::from("/var/lib/rkube"));
        assert_eq!(f.port, 6443);
        assert_eq!(f.service_cidr, "10.43.0.0/16");
        assert_eq!(f.cluster_cidr, "10.42.0.0/16");
    }
}
