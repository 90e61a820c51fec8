//! Benchmark of the embedded store: the durable-commit floor of the candidate engines,
//! concurrent durable creates, lists of 10,000 keys and watch fan-out to many watchers.
//!
//! Run with `cargo run --release -p rkube-bench --bin store`. Figures are printed; nothing
//! is asserted.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use clap::Parser;
use futures::StreamExt;
use rkube_store::embedded::{EmbeddedOptions, EmbeddedStore};
use rkube_store::{ListOptions, Store};

#[derive(Parser, Debug)]
#[command(about = "Benchmark rkube's embedded store")]
struct Args {
    /// Directory for the data (default: a temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Concurrent writers.
    #[arg(long, default_value_t = 32)]
    writers: usize,
    /// Durable creates in the write test (also the number of keys listed).
    #[arg(long, default_value_t = 10_000)]
    creates: usize,
    /// Watchers in the fan-out test.
    #[arg(long, default_value_t = 1_000)]
    watchers: usize,
    /// Events written in the fan-out test.
    #[arg(long, default_value_t = 500)]
    events: usize,
    /// Commits per engine in the engine comparison.
    #[arg(long, default_value_t = 300)]
    commits: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(mut lat: Vec<Duration>) -> String {
    lat.sort();
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    )
}

fn rss_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| format!("{:.1} MiB", kib / 1024.0))
        .unwrap_or_else(|| "unknown".into())
}

/// The durable-commit cost of each engine candidate, one commit at a time.
fn engines(dir: &Path, commits: usize) -> anyhow::Result<()> {
    println!("== engine: one durable commit at a time ({commits} commits each)");
    let value = vec![b'x'; 1024];

    let path = dir.join("plain.log");
    let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
    let page = vec![b'x'; 4096];
    let mut lat = Vec::with_capacity(commits);
    for _ in 0..commits {
        let t = Instant::now();
        file.write_all(&page)?;
        file.sync_data()?;
        lat.push(t.elapsed());
    }
    println!("plain file, append 4 KiB + fdatasync : {}", summary(lat));

    let db = redb::Database::create(dir.join("engine.redb"))?;
    let table: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("t");
    for batch in [1usize, 32] {
        let mut lat = Vec::with_capacity(commits);
        for i in 0..commits {
            let t = Instant::now();
            let txn = db.begin_write()?;
            {
                let mut tbl = txn.open_table(table)?;
                for j in 0..batch {
                    tbl.insert(
                        format!("/k/{batch}/{i:06}/{j:02}").as_str(),
                        value.as_slice(),
                    )?;
                }
            }
            txn.commit()?;
            lat.push(t.elapsed());
        }
        println!(
            "redb, {batch:>2} x 1 KiB per commit         : {}",
            summary(lat)
        );
    }
    Ok(())
}

async fn writes(store: &Arc<EmbeddedStore>, writers: usize, creates: usize) -> anyhow::Result<()> {
    println!("== store: {creates} durable creates of 1 KiB from {writers} concurrent writers");
    let value = Bytes::from(vec![b'v'; 1024]);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let value = value.clone();
        let n = creates / writers + usize::from(w < creates % writers);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(n);
            for i in 0..n {
                let t = Instant::now();
                store
                    .create(
                        &format!("/registry/pods/ns{w:02}/pod-{i:06}"),
                        value.clone(),
                        None,
                    )
                    .await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let elapsed = start.elapsed();
    println!(
        "throughput {:.0} creates/s ({} in {:.2} s), latency {}",
        lat.len() as f64 / elapsed.as_secs_f64(),
        lat.len(),
        elapsed.as_secs_f64(),
        summary(lat)
    );
    println!("process RSS with {creates} keys: {}", rss_mib());
    Ok(())
}

async fn lists(store: &Arc<EmbeddedStore>) -> anyhow::Result<()> {
    let n = store.count("/registry/pods/").await?;
    println!("== store: list {n} keys");
    let mut lat = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = store
            .list("/registry/pods/", ListOptions::default())
            .await?;
        lat.push(t.elapsed());
        anyhow::ensure!(r.items.len() == n, "listed {} of {n}", r.items.len());
    }
    println!("full list at the current revision     : {}", summary(lat));

    // Paged like kubectl (500 per page), continuing at the first page's revision while
    // 1,000 updates land in between.
    let first = store
        .list(
            "/registry/pods/",
            ListOptions {
                limit: Some(500),
                ..Default::default()
            },
        )
        .await?;
    let at = first.revision;
    let keys: Vec<_> = first
        .items
        .iter()
        .take(100)
        .map(|kv| (kv.key.clone(), kv.mod_revision))
        .collect();
    for round in 0..10 {
        for (key, _) in &keys {
            let cur = store.get(key).await?.context("key vanished")?;
            store
                .update(
                    key,
                    Bytes::from(format!("update {round}")),
                    cur.mod_revision,
                )
                .await?;
        }
    }
    let t = Instant::now();
    let mut pages = 1;
    let mut total = first.items.len();
    let mut last = first.items.last().map(|kv| kv.key.clone());
    let mut remaining = first.remaining;
    while remaining > 0 {
        let page = store
            .list(
                "/registry/pods/",
                ListOptions {
                    revision: Some(at),
                    start_after: last.clone(),
                    limit: Some(500),
                },
            )
            .await?;
        pages += 1;
        total += page.items.len();
        remaining = page.remaining;
        last = page.items.last().map(|kv| kv.key.clone());
    }
    anyhow::ensure!(total == n, "paged list returned {total} of {n}");
    println!(
        "paged list (500/page) at an old revision, 1,000 writes behind: {pages} pages in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

async fn fan_out(store: &Arc<EmbeddedStore>, watchers: usize, events: usize) -> anyhow::Result<()> {
    println!("== store: watch fan-out of {events} events to {watchers} watchers");
    let base = Instant::now();
    let from = store.current_revision().await?;
    let mut tasks = Vec::new();
    for _ in 0..watchers {
        let mut w = store.watch("/registry/events/", from).await?;
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(events);
            while lat.len() < events {
                let ev = w.next().await.context("watch ended")??;
                let sent = u64::from_le_bytes(ev.kv.value[..8].try_into()?);
                lat.push(base.elapsed().saturating_sub(Duration::from_nanos(sent)));
            }
            anyhow::Ok(lat)
        }));
    }
    // Eight writers, so events arrive in batches as they would from a busy API server.
    let start = Instant::now();
    let mut writers = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for i in (w..events).step_by(8) {
                let mut value = (base.elapsed().as_nanos() as u64).to_le_bytes().to_vec();
                value.resize(1024, b'e');
                store
                    .create(
                        &format!("/registry/events/e{i:06}"),
                        Bytes::from(value),
                        None,
                    )
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for w in writers {
        w.await??;
    }
    let write_time = start.elapsed();
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    println!(
        "{} deliveries; writes took {:.2} s; write-to-delivery latency {}",
        lat.len(),
        write_time.as_secs_f64(),
        summary(lat)
    );
    println!("process RSS: {}", rss_mib());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tmp = tempfile::tempdir()?;
    let dir = args.dir.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    println!("data directory: {}", dir.display());

    let engine_dir = dir.join("engines");
    std::fs::create_dir_all(&engine_dir)?;
    engines(&engine_dir, args.commits)?;
    std::fs::remove_dir_all(&engine_dir)?;

    let store = EmbeddedStore::open(&dir.join("store"), EmbeddedOptions::default()).await?;
    writes(&store, args.writers, args.creates).await?;
    lists(&store).await?;
    fan_out(&store, args.watchers, args.events).await?;
    Ok(())
}
