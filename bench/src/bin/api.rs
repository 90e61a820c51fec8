//! API server benchmark: drives a real rkube API server through the `kube`
//! client and prints its figures.
//!
//! - create throughput and latency: `--clients` concurrent clients (32)
//!   creating `--objects` (10,000) ConfigMaps of `--payload` bytes (1 KiB);
//! - the time to list all of them, in one request and in pages of 500;
//! - `--watchers` (1,000) concurrent watches, one change, and how long each
//!   watcher took to see it (p50/p99/max);
//! - the server's resident memory (VmRSS) idle and with the objects stored.
//!
//! Point it at a running server with `--kubeconfig PATH` (and `--server-pid`
//! for the memory figures), or let it start its own `rkube server` on a
//! temporary data dir (`--rkube-bin`, default: `rkube` beside this binary).
//! Timings are printed, never asserted.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, ObjectMeta, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

#[derive(Parser, Debug)]
#[command(about = "Benchmark the rkube API server")]
struct Args {
    /// Kubeconfig of a running server; without it, a server is started.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// PID of the server behind --kubeconfig, for the memory figures.
    #[arg(long)]
    server_pid: Option<u32>,
    /// The rkube binary to start when no --kubeconfig is given.
    #[arg(long)]
    rkube_bin: Option<PathBuf>,
    /// Concurrent creating clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// ConfigMaps to create (and then list).
    #[arg(long, default_value_t = 10_000)]
    objects: usize,
    /// Bytes of data in each ConfigMap.
    #[arg(long, default_value_t = 1024)]
    payload: usize,
    /// Concurrent watchers waiting for one change.
    #[arg(long, default_value_t = 1_000)]
    watchers: usize,
}

/// A server this benchmark started; killed when dropped.
struct OwnServer {
    child: Child,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn default_rkube_bin() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("benchmark binary has no parent dir")?;
    Ok(dir.join("rkube"))
}

async fn start_server(bin: &Path) -> Result<OwnServer> {
    let dir = tempfile::Builder::new().prefix("rkube-bench-").tempdir()?;
    let data = dir.path().join("data");
    let port = free_port()?;
    let log = std::fs::File::create(dir.path().join("server.log"))?;
    let child = Command::new(bin)
        .args(["server", "--data-dir"])
        .arg(&data)
        .args([
            "--port",
            &port.to_string(),
            "--bind-address",
            "127.0.0.1",
            "--disable-agent",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut server = OwnServer {
        child,
        kubeconfig: data.join("kubeconfig.yaml"),
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server.kubeconfig.exists() {
        if let Some(status) = server.child.try_wait()? {
            bail!("rkube server exited with {status} before it was ready");
        }
        if Instant::now() > deadline {
            bail!("rkube server wrote no kubeconfig within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "started rkube server pid {} on port {port}",
        server.child.id()
    );
    Ok(server)
}

async fn client_from(path: &Path) -> Result<Client> {
    let kubeconfig = Kubeconfig::read_from(path)?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

async fn wait_ready(client: &Client) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let req = http::Request::get("/readyz").body(Vec::new())?;
        match client.request_text(req).await {
            Ok(body) if body.trim() == "ok" => return Ok(()),
            _ if Instant::now() > deadline => bail!("server not ready within 60 s"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn print_rss(pid: Option<u32>, label: &str) {
    match pid.and_then(rss_kib) {
        Some(kib) => println!("rss: {label}: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("rss: {label}: unknown (give --server-pid)"),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

async fn create_namespace(client: &Client, name: &str) -> Result<()> {
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await?;
    Ok(())
}

fn config_map(name: String, payload: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name),
            ..Default::default()
        },
        data: Some([("payload".to_owned(), payload.to_owned())].into()),
        ..Default::default()
    }
}

async fn bench_creates(kubeconfig: &Path, ns: &str, args: &Args) -> Result<()> {
    let payload = "x".repeat(args.payload);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        // Each simulated client has its own connection pool, like separate processes.
        let api: Api<ConfigMap> = Api::namespaced(client_from(kubeconfig).await?, ns);
        let next = next.clone();
        let payload = payload.clone();
        let total = args.objects;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let cm = config_map(format!("cm-{i:06}"), &payload);
                let t0 = Instant::now();
                api.create(&PostParams::default(), &cm).await?;
                latencies.push(t0.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(args.objects);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "create: {} ConfigMaps of {} B by {} clients in {:.2} s: {:.0} creates/s, p50 {}, p99 {}, max {}",
        latencies.len(),
        args.payload,
        args.clients,
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
    Ok(())
}

async fn bench_lists(client: &Client, ns: &str) -> Result<()> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let t0 = Instant::now();
    let all = api.list(&ListParams::default()).await?;
    let whole = t0.elapsed();
    let t0 = Instant::now();
    let mut pages = 0;
    let mut paged = 0;
    let mut lp = ListParams::default().limit(500);
    loop {
        let page = api.list(&lp).await?;
        pages += 1;
        paged += page.items.len();
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => lp = lp.continue_token(&token),
            _ => break,
        }
    }
    let chunked = t0.elapsed();
    println!(
        "list: {} objects in one request in {}; {} objects in {} pages of 500 in {}",
        all.items.len(),
        ms(whole),
        paged,
        pages,
        ms(chunked)
    );
    Ok(())
}

async fn bench_watchers(client: &Client, watchers: usize, pid: Option<u32>) -> Result<()> {
    let ns = "bench-watch";
    create_namespace(client, ns).await?;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let rv = api
        .list(&ListParams::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();

    // Open every watch first: `watch()` resolves once the server has answered.
    let wp = WatchParams::default().timeout(120);
    let opened = Instant::now();
    let streams = futures::stream::iter(0..watchers)
        .map(|_| {
            let api = api.clone();
            let wp = wp.clone();
            let rv = rv.clone();
            async move { api.watch(&wp, &rv).await.map(|s| s.boxed()) }
        })
        .buffer_unordered(64)
        .try_collect::<Vec<_>>()
        .await?;
    println!(
        "watch: {} watches open in {}",
        streams.len(),
        ms(opened.elapsed())
    );
    print_rss(pid, &format!("with {} open watches", streams.len()));

    let changed_at = Instant::now();
    let mut tasks = Vec::with_capacity(streams.len());
    for mut stream in streams {
        tasks.push(tokio::spawn(async move {
            while let Some(ev) = stream.next().await {
                match ev? {
                    WatchEvent::Added(_) | WatchEvent::Modified(_) => {
                        return anyhow::Ok(Some(Instant::now()))
                    }
                    WatchEvent::Bookmark(_) => continue,
                    WatchEvent::Deleted(_) => continue,
                    WatchEvent::Error(e) => bail!("watch error: {e}"),
                }
            }
            Ok(None)
        }));
    }
    api.create(&PostParams::default(), &config_map("ping".to_owned(), "1"))
        .await?;
    let mut delays = Vec::with_capacity(tasks.len());
    let mut missed = 0;
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(60), t).await {
            Ok(Ok(Ok(Some(at)))) => delays.push(at - changed_at),
            _ => missed += 1,
        }
    }
    delays.sort();
    println!(
        "watch: one change delivered to {} of {} watchers: p50 {}, p99 {}, max {}{}",
        delays.len(),
        watchers,
        ms(percentile(&delays, 50.0)),
        ms(percentile(&delays, 99.0)),
        ms(delays.last().copied().unwrap_or_default()),
        if missed > 0 {
            format!(" ({missed} never saw it)")
        } else {
            String::new()
        },
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (own, kubeconfig, pid) = match &args.kubeconfig {
        Some(path) => (None, path.clone(), args.server_pid),
        None => {
            let bin = match &args.rkube_bin {
                Some(b) => b.clone(),
                None => default_rkube_bin()?,
            };
            let server = start_server(&bin).await?;
            let path = server.kubeconfig.clone();
            let pid = server.child.id();
            (Some(server), path, Some(pid))
        }
    };
    let client = client_from(&kubeconfig).await?;
    wait_ready(&client).await?;

    print_rss(pid, "idle");

    let ns = format!("bench-{}", std::process::id());
    create_namespace(&client, &ns).await?;
    bench_creates(&kubeconfig, &ns, &args).await?;
    print_rss(pid, &format!("with {} ConfigMaps", args.objects));
    bench_lists(&client, &ns).await?;
    bench_watchers(&client, args.watchers, pid).await?;
    drop(own);
    Ok(())
}
