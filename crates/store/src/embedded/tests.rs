use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;

use super::{EmbeddedOptions, EmbeddedStore};
use crate::{Error, EventKind, ListOptions, Store, WatchStream};

fn opts() -> EmbeddedOptions {
    EmbeddedOptions {
        auto_compact_interval: None,
        ..EmbeddedOptions::default()
    }
}

fn val(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

async fn next(w: &mut WatchStream) -> crate::Result<crate::Event> {
    tokio::time::timeout(Duration::from_secs(10), w.next())
        .await
        .expect("watch event within 10s")
        .expect("stream not ended")
}

#[tokio::test]
async fn fresh_store_starts_at_one_and_first_write_gets_two() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    assert_eq!(s.current_revision().await.unwrap(), 1);
    assert_eq!(s.compacted_revision().await.unwrap(), 0);
    assert_eq!(s.create("/a", val("1"), None).await.unwrap(), 2);
    assert_eq!(s.current_revision().await.unwrap(), 2);
}

#[tokio::test]
async fn create_get_update_delete_and_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    let r1 = s.create("/k", val("v1"), None).await.unwrap();
    assert!(matches!(
        s.create("/k", val("x"), None).await,
        Err(Error::AlreadyExists { key }) if key == "/k"
    ));
    let kv = s.get("/k").await.unwrap().unwrap();
    assert_eq!(
        (kv.value.as_ref(), kv.create_revision, kv.mod_revision),
        (&b"v1"[..], r1, r1)
    );
    assert_eq!(s.get("/missing").await.unwrap(), None);

    let r2 = s.update("/k", val("v2"), r1).await.unwrap();
    assert_eq!(r2, r1 + 1);
    match s.update("/k", val("v3"), r1).await {
        Err(Error::Conflict {
            key,
            expected,
            actual,
        }) => {
            assert_eq!((key.as_str(), expected, actual), ("/k", r1, r2))
        }
        other => panic!("expected conflict, got {other:?}"),
    }
    assert!(matches!(
        s.update("/nope", val("x"), 1).await,
        Err(Error::NotFound { .. })
    ));
    let kv = s.get("/k").await.unwrap().unwrap();
    assert_eq!(
        (kv.value.as_ref(), kv.create_revision, kv.mod_revision),
        (&b"v2"[..], r1, r2)
    );

    assert!(matches!(
        s.delete("/k", Some(r1)).await,
        Err(Error::Conflict { expected, actual, .. }) if expected == r1 && actual == r2
    ));
    assert!(matches!(
        s.delete("/nope", None).await,
        Err(Error::NotFound { .. })
    ));
    let (rd, prev) = s.delete("/k", Some(r2)).await.unwrap();
    assert_eq!(rd, r2 + 1);
    assert_eq!((prev.value.as_ref(), prev.mod_revision), (&b"v2"[..], r2));
    assert_eq!(s.get("/k").await.unwrap(), None);
    // Failed writes do not consume revisions.
    assert_eq!(s.current_revision().await.unwrap(), rd);
    // Delete without precondition, and re-create gets a fresh create_revision.
    let r4 = s.create("/k", val("again"), None).await.unwrap();
    assert_eq!(s.get("/k").await.unwrap().unwrap().create_revision, r4);
    s.delete("/k", None).await.unwrap();
}

#[tokio::test]
async fn list_and_count_with_paging_at_current_revision() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    for i in 0..25 {
        s.create(&format!("/pods/ns/p{i:02}"), val("x"), None)
            .await
            .unwrap();
    }
    s.create("/pods/other", val("x"), None).await.unwrap();
    s.create("/pods0", val("x"), None).await.unwrap();
    s.create("/svc/a", val("x"), None).await.unwrap();
    assert_eq!(s.count("/pods/ns/").await.unwrap(), 25);
    assert_eq!(s.count("/pods/").await.unwrap(), 26);
    assert_eq!(s.count("/nothing/").await.unwrap(), 0);

    let all = s.list("/pods/ns/", ListOptions::default()).await.unwrap();
    assert_eq!(all.items.len(), 25);
    assert_eq!(all.remaining, 0);
    assert_eq!(all.revision, s.current_revision().await.unwrap());
    assert!(all.items.windows(2).all(|w| w[0].key < w[1].key));

    let mut keys = Vec::new();
    let mut start_after = None;
    loop {
        let page = s
            .list(
                "/pods/ns/",
                ListOptions {
                    revision: None,
                    start_after: start_after.clone(),
                    limit: Some(10),
                },
            )
            .await
            .unwrap();
        keys.extend(page.items.iter().map(|kv| kv.key.clone()));
        assert_eq!(page.remaining, 25 - keys.len());
        if page.remaining == 0 {
            break;
        }
        start_after = Some(page.items.last().unwrap().key.clone());
    }
    assert_eq!(
        keys,
        all.items
            .iter()
            .map(|kv| kv.key.clone())
            .collect::<Vec<_>>()
    );

    let cur = s.current_revision().await.unwrap();
    assert!(matches!(
        s.list("/pods/", ListOptions { revision: Some(cur + 1), ..Default::default() }).await,
        Err(Error::FutureRevision { requested, current }) if requested == cur + 1 && current == cur
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paged_list_at_old_revision_ignores_concurrent_writes() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..60 {
        let key = format!("/cm/k{i:03}");
        let rev = s.create(&key, val(&format!("v{i}")), None).await.unwrap();
        expected.insert(key, (format!("v{i}"), rev));
    }
    let first = s
        .list(
            "/cm/",
            ListOptions {
                limit: Some(7),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let at = first.revision;

    // Writers change the same keys while we page.
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                let key = format!("/cm/k{i:03}");
                let cur = s.get(&key).await.unwrap().unwrap();
                if i % 3 == 0 {
                    s.delete(&key, None).await.unwrap();
                } else {
                    s.update(&key, val("changed"), cur.mod_revision)
                        .await
                        .unwrap();
                }
                s.create(&format!("/cm/k{i:03}x"), val("new"), None)
                    .await
                    .unwrap();
            }
        })
    };
    let mut got: Vec<_> = first.items.clone();
    let mut remaining = first.remaining;
    while remaining > 0 {
        let page = s
            .list(
                "/cm/",
                ListOptions {
                    revision: Some(at),
                    start_after: Some(got.last().unwrap().key.clone()),
                    limit: Some(7),
                },
            )
            .await
            .unwrap();
        assert_eq!(page.revision, at);
        assert_eq!(page.remaining + page.items.len(), remaining);
        remaining = page.remaining;
        got.extend(page.items);
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();
    let got: BTreeMap<_, _> = got
        .into_iter()
        .map(|kv| {
            (
                kv.key,
                (
                    String::from_utf8(kv.value.to_vec()).unwrap(),
                    kv.mod_revision,
                ),
            )
        })
        .collect();
    assert_eq!(got, expected);

    // The same revision read in one go after all writes, and the current state differs.
    let again = s
        .list(
            "/cm/",
            ListOptions {
                revision: Some(at),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(again.items.len(), 60);
    let now = s.list("/cm/", ListOptions::default()).await.unwrap();
    assert_eq!(now.items.len(), 40 + 60);
}

#[tokio::test]
async fn watch_live_and_resume_from_memory_and_disk() {
    let dir = tempfile::tempdir().unwrap();
    // A window of 4 events forces older resumes to read the log on disk.
    let s = EmbeddedStore::open(
        dir.path(),
        EmbeddedOptions {
            event_window: 4,
            ..opts()
        },
    )
    .await
    .unwrap();
    let start = s.current_revision().await.unwrap();
    let mut live = s.watch("/w/", start).await.unwrap();
    let r1 = s.create("/w/a", val("1"), None).await.unwrap();
    s.create("/other/x", val("1"), None).await.unwrap();
    let r2 = s.update("/w/a", val("2"), r1).await.unwrap();
    let (r3, _) = s.delete("/w/a", None).await.unwrap();
    for i in 0..10 {
        s.create(&format!("/w/n{i}"), val("n"), None).await.unwrap();
    }

    let e = next(&mut live).await.unwrap();
    assert_eq!(
        (e.kind, e.kv.key.as_str(), e.revision(), e.prev_kv.is_none()),
        (EventKind::Put, "/w/a", r1, true)
    );
    let e = next(&mut live).await.unwrap();
    assert_eq!(
        (
            e.kind,
            e.revision(),
            e.prev_kv.as_ref().unwrap().value.as_ref()
        ),
        (EventKind::Put, r2, &b"1"[..])
    );
    assert_eq!(e.kv.create_revision, r1);
    let e = next(&mut live).await.unwrap();
    assert_eq!(
        (e.kind, e.revision(), e.kv.value.len()),
        (EventKind::Delete, r3, 0)
    );
    assert_eq!(e.prev_kv.as_ref().unwrap().mod_revision, r2);

    // From disk (older than the window): every event strictly after r1.
    let mut old = s.watch("/w/", r1).await.unwrap();
    let mut revs = Vec::new();
    for _ in 0..12 {
        revs.push(next(&mut old).await.unwrap().revision());
    }
    assert_eq!(revs[0], r2);
    assert_eq!(revs[1], r3);
    assert!(revs.windows(2).all(|w| w[0] < w[1]));
    // Then live.
    let r4 = s.create("/w/live", val("l"), None).await.unwrap();
    assert_eq!(next(&mut old).await.unwrap().revision(), r4);

    // From the window: only the last events.
    let cur = s.current_revision().await.unwrap();
    let mut recent = s.watch("/w/", cur - 2).await.unwrap();
    assert_eq!(next(&mut recent).await.unwrap().revision(), cur - 1);
    assert_eq!(next(&mut recent).await.unwrap().revision(), cur);
}

#[tokio::test]
async fn reopen_keeps_revision_data_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let (r1, r2, last) = {
        let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
        let r1 = s.create("/a", val("1"), None).await.unwrap();
        let r2 = s.update("/a", val("2"), r1).await.unwrap();
        s.create("/b", val("b"), None).await.unwrap();
        let (last, _) = s.delete("/b", None).await.unwrap();
        (r1, r2, last)
    };
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    assert_eq!(s.current_revision().await.unwrap(), last);
    let kv = s.get("/a").await.unwrap().unwrap();
    assert_eq!(
        (kv.value.as_ref(), kv.create_revision, kv.mod_revision),
        (&b"2"[..], r1, r2)
    );
    assert_eq!(s.get("/b").await.unwrap(), None);
    assert_eq!(s.create("/c", val("c"), None).await.unwrap(), last + 1);

    // Watch resume across the restart comes from the log on disk.
    let mut w = s.watch("/", r1).await.unwrap();
    let revs: Vec<i64> = vec![
        next(&mut w).await.unwrap().revision(),
        next(&mut w).await.unwrap().revision(),
        next(&mut w).await.unwrap().revision(),
        next(&mut w).await.unwrap().revision(),
    ];
    assert_eq!(revs, vec![r2, r2 + 1, last, last + 1]);
    // And a list at an old revision.
    let old = s
        .list(
            "/",
            ListOptions {
                revision: Some(r1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(old.items.len(), 1);
    assert_eq!(old.items[0].value.as_ref(), b"1");
}

#[tokio::test]
async fn compaction_forgets_history_but_keeps_current_values() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(
        dir.path(),
        EmbeddedOptions {
            event_window: 2,
            ..opts()
        },
    )
    .await
    .unwrap();
    let r1 = s.create("/a", val("1"), None).await.unwrap();
    let r2 = s.update("/a", val("2"), r1).await.unwrap();
    let r3 = s.create("/b", val("b"), None).await.unwrap();
    let r4 = s.update("/b", val("b2"), r3).await.unwrap();

    assert!(matches!(
        s.compact(r4 + 1).await,
        Err(Error::FutureRevision { .. })
    ));
    s.compact(r3).await.unwrap();
    assert_eq!(s.compacted_revision().await.unwrap(), r3);
    s.compact(r2).await.unwrap(); // older: no-op
    assert_eq!(s.compacted_revision().await.unwrap(), r3);

    assert_eq!(s.get("/a").await.unwrap().unwrap().value.as_ref(), b"2");
    assert_eq!(s.count("/").await.unwrap(), 2);
    assert!(matches!(
        s.list("/", ListOptions { revision: Some(r2), ..Default::default() }).await,
        Err(Error::Compacted { requested, compacted }) if requested == r2 && compacted == r3
    ));
    let at = s
        .list(
            "/",
            ListOptions {
                revision: Some(r3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        at.items
            .iter()
            .map(|kv| kv.value.as_ref())
            .collect::<Vec<_>>(),
        vec![&b"2"[..], &b"b"[..]]
    );
    assert!(matches!(
        s.watch("/", r2).await,
        Err(Error::Compacted { .. })
    ));
    let mut w = s.watch("/", r3).await.unwrap();
    assert_eq!(next(&mut w).await.unwrap().revision(), r4);

    // The compaction point survives a restart.
    drop(w);
    drop(s);
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    assert_eq!(s.compacted_revision().await.unwrap(), r3);
    assert!(matches!(
        s.watch("/", r1).await,
        Err(Error::Compacted { .. })
    ));
    assert_eq!(s.get("/b").await.unwrap().unwrap().value.as_ref(), b"b2");
}

#[tokio::test]
async fn history_limit_compacts_automatically() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(
        dir.path(),
        EmbeddedOptions {
            max_history: Some(8),
            ..opts()
        },
    )
    .await
    .unwrap();
    for i in 0..40 {
        s.create(&format!("/k{i}"), val("x"), None).await.unwrap();
    }
    let cur = s.current_revision().await.unwrap();
    let compacted = s.compacted_revision().await.unwrap();
    assert!(
        compacted > 0 && cur - compacted <= 9,
        "current {cur}, compacted {compacted}"
    );
    assert_eq!(s.count("/").await.unwrap(), 40);
    assert!(matches!(
        s.watch("/", 1).await,
        Err(Error::Compacted { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn interval_compaction_runs_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let o = EmbeddedOptions {
        auto_compact_interval: Some(Duration::from_secs(60)),
        ..opts()
    };
    let s = EmbeddedStore::open(dir.path(), o).await.unwrap();
    let r = s.create("/a", val("1"), None).await.unwrap();
    // The first tick records the revision, the second compacts to it.
    tokio::time::advance(Duration::from_secs(61)).await;
    s.create("/b", val("1"), None).await.unwrap();
    assert_eq!(s.compacted_revision().await.unwrap(), 0);
    tokio::time::advance(Duration::from_secs(60)).await;
    // Writes queue behind the compaction request, so one of them sees it done.
    for i in 0..10 {
        if s.compacted_revision().await.unwrap() == r {
            break;
        }
        s.create(&format!("/c{i}"), val("1"), None).await.unwrap();
    }
    assert_eq!(s.compacted_revision().await.unwrap(), r);
}

#[tokio::test(start_paused = true)]
async fn ttl_keys_expire_with_a_delete_event() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    let t0 = tokio::time::Instant::now();
    let r1 = s
        .create("/events/e1", val("e"), Some(Duration::from_secs(3600)))
        .await
        .unwrap();
    s.create("/events/keep", val("k"), None).await.unwrap();
    // An update keeps the key's TTL, as a lease does.
    let r2 = s.update("/events/e1", val("e2"), r1).await.unwrap();
    let mut w = s.watch("/events/", r2).await.unwrap();
    tokio::time::advance(Duration::from_secs(3599)).await;
    assert!(s.get("/events/e1").await.unwrap().is_some());
    tokio::time::advance(Duration::from_secs(2)).await;
    let e = next(&mut w).await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_secs(3600),
        "expired after {:?}",
        t0.elapsed()
    );
    assert_eq!(
        (e.kind, e.kv.key.as_str(), e.revision()),
        (EventKind::Delete, "/events/e1", r2 + 1)
    );
    assert_eq!(e.prev_kv.unwrap().value.as_ref(), b"e2");
    assert_eq!(s.get("/events/e1").await.unwrap(), None);
    assert!(s.get("/events/keep").await.unwrap().is_some());
    // Removed for good: a restart does not bring it back.
    drop(w);
    drop(s);
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    assert_eq!(s.get("/events/e1").await.unwrap(), None);
    assert_eq!(s.current_revision().await.unwrap(), r2 + 1);
}

#[tokio::test(start_paused = true)]
async fn ttl_deadline_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    let r = s
        .create("/events/e", val("e"), Some(Duration::from_secs(60)))
        .await
        .unwrap();
    drop(s);
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    assert!(s.get("/events/e").await.unwrap().is_some());
    let mut w = s.watch("/events/", r).await.unwrap();
    tokio::time::advance(Duration::from_secs(61)).await;
    let e = next(&mut w).await.unwrap();
    assert_eq!(e.kind, EventKind::Delete);
    assert_eq!(s.get("/events/e").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_watchers_each_see_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    let start = s.current_revision().await.unwrap();
    let mut watchers = Vec::new();
    for _ in 0..1000 {
        watchers.push(s.watch("/fan/", start).await.unwrap());
    }
    for i in 0..5 {
        s.create(&format!("/fan/{i}"), val("x"), None)
            .await
            .unwrap();
    }
    for w in &mut watchers {
        for i in 0..5 {
            assert_eq!(next(w).await.unwrap().revision(), start + 1 + i);
        }
    }
}

#[tokio::test]
async fn slow_watcher_is_dropped_with_watch_lagged_while_writes_continue() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(
        dir.path(),
        EmbeddedOptions {
            watch_buffer: 4,
            ..opts()
        },
    )
    .await
    .unwrap();
    let start = s.current_revision().await.unwrap();
    let mut slow = s.watch("/s/", start).await.unwrap();
    let mut fast = s.watch("/s/", start).await.unwrap();
    for i in 0..20 {
        tokio::time::timeout(
            Duration::from_secs(10),
            s.create(&format!("/s/{i:02}"), val("x"), None),
        )
        .await
        .expect("writes do not wait for watchers")
        .unwrap();
        assert_eq!(next(&mut fast).await.unwrap().revision(), start + 1 + i);
    }
    for i in 0..4 {
        assert_eq!(next(&mut slow).await.unwrap().revision(), start + 1 + i);
    }
    assert!(matches!(next(&mut slow).await, Err(Error::WatchLagged)));
    assert!(slow.next().await.is_none());
}

#[tokio::test]
async fn closing_the_store_ends_watches() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
    let mut w = s.watch("/", 1).await.unwrap();
    drop(s);
    assert!(matches!(next(&mut w).await, Err(Error::Closed)));
    assert!(w.next().await.is_none());
}

const CRASH_ENV: &str = "RKUBE_STORE_CRASH_DIR";
const CRASH_ROUND_ENV: &str = "RKUBE_STORE_CRASH_ROUND";

/// The child half of `acknowledged_writes_survive_sigkill`: writes until killed and prints
/// every acknowledged key. Ignored so that it only runs when the parent asks for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by acknowledged_writes_survive_sigkill in a child process"]
async fn crash_child() {
    let dir = std::env::var(CRASH_ENV).expect("parent sets the store dir");
    let round = std::env::var(CRASH_ROUND_ENV).expect("parent sets the round");
    let s = EmbeddedStore::open(std::path::Path::new(&dir), opts())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for t in 0..32 {
        let s = s.clone();
        let round = round.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                let key = format!("/crash/{round}/{t:02}/{n:06}");
                let rev = s
                    .create(&key, Bytes::from(vec![b'x'; 1024]), None)
                    .await
                    .unwrap();
                let mut out = std::io::stdout().lock();
                writeln!(out, "ACK {key} {rev}").unwrap();
                out.flush().unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut total = 0;
    for (round, kill_after) in [150usize, 400, 60, 700, 250].into_iter().enumerate() {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "embedded::tests::crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_ENV, dir.path())
            .env(CRASH_ROUND_ENV, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acked: Vec<(String, i64)> = Vec::new();
        let parse = |line: &str| {
            let mut parts = line.strip_prefix("ACK ")?.split(' ');
            Some((parts.next()?.to_owned(), parts.next()?.parse::<i64>().ok()?))
        };
        for line in lines.by_ref() {
            if let Some(a) = parse(&line.unwrap()) {
                acked.push(a);
                if acked.len() >= kill_after {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Acknowledgements printed before the kill are still in the pipe.
        for line in lines {
            let Ok(line) = line else { break };
            if let Some(a) = parse(&line) {
                acked.push(a);
            }
        }
        assert!(
            acked.len() >= kill_after,
            "round {round}: child printed only {} acks",
            acked.len()
        );

        let s = EmbeddedStore::open(dir.path(), opts()).await.unwrap();
        let cur = s.current_revision().await.unwrap();
        for (key, rev) in &acked {
            let kv = s
                .get(key)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("round {round}: lost {key}"));
            assert_eq!(kv.mod_revision, *rev, "round {round}: {key}");
            assert!(*rev <= cur);
        }
        total += acked.len();
        // The reopened store accepts writes with a later revision.
        assert_eq!(
            s.create(&format!("/after/{round}"), val("x"), None)
                .await
                .unwrap(),
            cur + 1
        );
    }
    assert!(total >= 1560);
}

#[tokio::test]
async fn compaction_during_a_disk_replay_ends_the_watch_with_compacted() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(
        dir.path(),
        EmbeddedOptions {
            event_window: 2,
            ..opts()
        },
    )
    .await
    .unwrap();
    let start = s.current_revision().await.unwrap();
    for i in 0..10 {
        s.create(&format!("/r/{i}"), val("x"), None).await.unwrap();
    }
    // The replay reads the disk lazily, so compaction can overtake it.
    let mut w = s.watch("/r/", start).await.unwrap();
    s.compact(start + 5).await.unwrap();
    assert!(matches!(
        next(&mut w).await,
        Err(Error::Compacted { requested, compacted }) if requested == start && compacted == start + 5
    ));
    assert!(w.next().await.is_none());
}
