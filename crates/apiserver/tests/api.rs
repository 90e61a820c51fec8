//! The API server's REST semantics, driven through the router in process (`oneshot`, no
//! socket) over a real embedded store in a temporary directory.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use futures::StreamExt;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use rkube_apiserver::{bootstrap, AppState, Config, TokenAuthenticator, UserInfo};
use rkube_store::embedded::{EmbeddedOptions, EmbeddedStore};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

const TOKEN: &str = "test-token";

struct Server {
    router: Router,
    state: Arc<AppState>,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path(), EmbeddedOptions::default()).await.unwrap();
    let mut tokens = TokenAuthenticator::new();
    tokens.add(TOKEN, UserInfo { username: "admin".into(), groups: vec!["system:masters".into()] });
    let config = Config::new("10.43.0.0/16".parse().unwrap(), "127.0.0.1".parse().unwrap(), 6443);
    let state = AppState::new(config, store, tokens, CancellationToken::new());
    bootstrap::run(&state).await.unwrap();
    state.ready.store(true, std::sync::atomic::Ordering::Release);
    Server { router: rkube_apiserver::router(state.clone()), state, _dir: dir }
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Value,
}

impl Server {
    async fn call(&self, method: &str, uri: &str, ct: Option<&str>, body: Option<Vec<u8>>, accept: Option<&str>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri).header("Authorization", format!("Bearer {TOKEN}"));
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let req = req.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Reply { status, headers, body }
    }

    async fn get(&self, uri: &str) -> Reply {
        self.call("GET", uri, None, None, None).await
    }

    async fn post(&self, uri: &str, body: Value) -> Reply {
        self.call("POST", uri, Some("application/json"), Some(body.to_string().into_bytes()), None).await
    }

    async fn put(&self, uri: &str, body: Value) -> Reply {
        self.call("PUT", uri, Some("application/json"), Some(body.to_string().into_bytes()), None).await
    }

    async fn patch(&self, uri: &str, ct: &str, body: Value) -> Reply {
        self.call("PATCH", uri, Some(ct), Some(body.to_string().into_bytes()), None).await
    }

    async fn delete(&self, uri: &str) -> Reply {
        self.call("DELETE", uri, None, None, None).await
    }
}

fn cm(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})
}

#[tokio::test]
async fn create_get_and_errors_match_kubernetes() {
    let s = server().await;
    let r = s.post("/api/v1/namespaces/default/configmaps", cm("a", json!({}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rv: i64 = r.body["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap();
    assert!(rv > 1);
    assert!(r.body["metadata"]["uid"].as_str().unwrap().len() == 36);
    assert!(r.body["metadata"]["creationTimestamp"].as_str().unwrap().ends_with('Z'));

    let g = s.get("/api/v1/namespaces/default/configmaps/a").await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.body["data"]["k"], "v");
    assert_eq!(g.body["metadata"]["resourceVersion"], r.body["metadata"]["resourceVersion"]);

    let dup = s.post("/api/v1/namespaces/default/configmaps", cm("a", json!({}))).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.body["reason"], "AlreadyExists");
    assert_eq!(dup.body["message"], "configmaps \"a\" already exists");

    let nf = s.get("/api/v1/namespaces/default/configmaps/nope").await;
    assert_eq!(nf.status, StatusCode::NOT_FOUND);
    assert_eq!(nf.body["message"], "configmaps \"nope\" not found");
    assert_eq!(nf.body["kind"], "Status");

    let ns = s.post("/api/v1/namespaces/nope/configmaps", cm("a", json!({}))).await;
    assert_eq!(ns.status, StatusCode::NOT_FOUND);
    assert_eq!(ns.body["message"], "namespaces \"nope\" not found");
}

#[tokio::test]
async fn startup_objects_exist() {
    let s = server().await;
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        assert_eq!(s.get(&format!("/api/v1/namespaces/{ns}")).await.status, StatusCode::OK, "{ns}");
    }
    let svc = s.get("/api/v1/namespaces/default/services/kubernetes").await;
    assert_eq!(svc.body["spec"]["clusterIP"], "10.43.0.1");
    let ep = s.get("/api/v1/namespaces/default/endpoints/kubernetes").await;
    assert_eq!(ep.body["subsets"][0]["ports"][0]["port"], 6443);
}

#[tokio::test]
async fn optimistic_concurrency() {
    let s = server().await;
    let created = s.post("/api/v1/namespaces/default/configmaps", cm("c", json!({}))).await.body;
    let mut stale = created.clone();
    let mut fresh = created.clone();
    fresh["data"]["k"] = json!("v2");
    assert_eq!(s.put("/api/v1/namespaces/default/configmaps/c", fresh).await.status, StatusCode::OK);
    stale["data"]["k"] = json!("v3");
    let r = s.put("/api/v1/namespaces/default/configmaps/c", stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["message"],
        "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again"
    );
    // Without a resourceVersion the update is unconditional.
    let mut unconditional = created;
    unconditional["metadata"].as_object_mut().unwrap().remove("resourceVersion");
    unconditional["data"]["k"] = json!("v4");
    let r = s.put("/api/v1/namespaces/default/configmaps/c", unconditional).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["data"]["k"], "v4");
}

#[tokio::test]
async fn generation_and_status_split() {
    let s = server().await;
    let dep = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
        "status": {"replicas": 99},
    });
    let r = s.post("/apis/apps/v1/namespaces/default/deployments", dep).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["metadata"]["generation"], 1);
    assert!(r.body["status"].get("replicas").is_none(), "status is reset on create: {}", r.body["status"]);

    // A status write changes status only, and not the generation.
    let mut st = r.body.clone();
    st["status"] = json!({"replicas": 3});
    st["spec"]["replicas"] = json!(7);
    let r2 = s.put("/apis/apps/v1/namespaces/default/deployments/web/status", st).await;
    assert_eq!(r2.status, StatusCode::OK, "{}", r2.body);
    assert_eq!(r2.body["status"]["replicas"], 3);
    assert_eq!(r2.body["spec"]["replicas"], 1);
    assert_eq!(r2.body["metadata"]["generation"], 1);

    // A spec write bumps the generation and keeps the status.
    let r3 = s
        .patch("/apis/apps/v1/namespaces/default/deployments/web", "application/merge-patch+json", json!({"spec": {"replicas": 2}, "status": {"replicas": 0}}))
        .await;
    assert_eq!(r3.status, StatusCode::OK, "{}", r3.body);
    assert_eq!(r3.body["metadata"]["generation"], 2);
    assert_eq!(r3.body["status"]["replicas"], 3);

    // scale subresource
    let sc = s.get("/apis/apps/v1/namespaces/default/deployments/web/scale").await;
    assert_eq!(sc.body["kind"], "Scale");
    assert_eq!(sc.body["spec"]["replicas"], 2);
    assert_eq!(sc.body["status"]["selector"], "app=web");
    let sc2 = s
        .patch("/apis/apps/v1/namespaces/default/deployments/web/scale", "application/merge-patch+json", json!({"spec": {"replicas": 5}}))
        .await;
    assert_eq!(sc2.body["spec"]["replicas"], 5, "{}", sc2.body);
    assert_eq!(s.get("/apis/apps/v1/namespaces/default/deployments/web").await.body["spec"]["replicas"], 5);
}

#[tokio::test]
async fn patches() {
    let s = server().await;
    s.post("/api/v1/namespaces/default/configmaps", cm("p", json!({"a": "1"}))).await;
    let r = s
        .patch("/api/v1/namespaces/default/configmaps/p", "application/json-patch+json", json!([{"op": "add", "path": "/data/x", "value": "y"}]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["data"]["x"], "y");
    let r = s
        .patch("/api/v1/namespaces/default/configmaps/p", "application/merge-patch+json", json!({"metadata": {"labels": {"a": null, "b": "2"}}}))
        .await;
    assert_eq!(r.body["metadata"]["labels"], json!({"b": "2"}));
    let r = s.patch("/api/v1/namespaces/default/configmaps/p", "text/plain", json!({})).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = s.patch("/api/v1/namespaces/default/configmaps/missing", "application/merge-patch+json", json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_select_and_page() {
    let s = server().await;
    for i in 0..7 {
        let tier = if i % 2 == 0 { "even" } else { "odd" };
        let r = s.post("/api/v1/namespaces/default/configmaps", cm(&format!("cm{i}"), json!({"tier": tier}))).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let all = s.get("/api/v1/namespaces/default/configmaps").await.body;
    assert_eq!(all["kind"], "ConfigMapList");
    assert_eq!(all["items"].as_array().unwrap().len(), 7);
    assert!(all["items"][0].get("kind").is_none(), "list items carry no kind");
    let even = s.get("/api/v1/namespaces/default/configmaps?labelSelector=tier%3Deven").await.body;
    assert_eq!(even["items"].as_array().unwrap().len(), 4);
    let named = s.get("/api/v1/configmaps?fieldSelector=metadata.name%3Dcm3").await.body;
    assert_eq!(named["items"].as_array().unwrap().len(), 1);
    let bad = s.get("/api/v1/configmaps?fieldSelector=spec.bogus%3Dx").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Paging at a fixed revision: a write between pages does not show up.
    let p1 = s.get("/api/v1/namespaces/default/configmaps?limit=3").await.body;
    assert_eq!(p1["items"].as_array().unwrap().len(), 3);
    assert_eq!(p1["metadata"]["remainingItemCount"], 4);
    let token = p1["metadata"]["continue"].as_str().unwrap().to_string();
    s.post("/api/v1/namespaces/default/configmaps", cm("zz-late", json!({}))).await;
    let mut names: Vec<String> = p1["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap().to_string()).collect();
    let mut next = token;
    loop {
        let p = s.get(&format!("/api/v1/namespaces/default/configmaps?limit=3&continue={next}")).await.body;
        names.extend(p["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap().to_string()));
        match p["metadata"]["continue"].as_str() {
            Some(c) if !c.is_empty() => next = c.to_string(),
            _ => break,
        }
    }
    assert_eq!(names, (0..7).map(|i| format!("cm{i}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn finalizers_hold_deletion() {
    let s = server().await;
    let mut obj = cm("f", json!({}));
    obj["metadata"]["finalizers"] = json!(["example.com/hold"]);
    s.post("/api/v1/namespaces/default/configmaps", obj).await;
    let d = s.delete("/api/v1/namespaces/default/configmaps/f").await;
    assert_eq!(d.status, StatusCode::OK);
    let still = s.get("/api/v1/namespaces/default/configmaps/f").await;
    assert_eq!(still.status, StatusCode::OK);
    assert!(still.body["metadata"]["deletionTimestamp"].is_string());
    let r = s
        .patch("/api/v1/namespaces/default/configmaps/f", "application/merge-patch+json", json!({"metadata": {"finalizers": null}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(s.get("/api/v1/namespaces/default/configmaps/f").await.status, StatusCode::NOT_FOUND);

    // Foreground propagation is recorded as the foregroundDeletion finalizer.
    s.post("/api/v1/namespaces/default/configmaps", cm("g", json!({}))).await;
    let d = s
        .call("DELETE", "/api/v1/namespaces/default/configmaps/g", Some("application/json"), Some(json!({"propagationPolicy": "Foreground"}).to_string().into_bytes()), None)
        .await;
    assert_eq!(d.body["metadata"]["finalizers"], json!(["foregroundDeletion"]));

    // Immortal namespaces.
    let r = s.delete("/api/v1/namespaces/kube-system").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["message"], "namespaces \"kube-system\" is forbidden: this namespace may not be deleted");
}

#[tokio::test]
async fn pods_delete_gracefully_only_when_bound() {
    let s = server().await;
    let pod = |name: &str| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
    let r = s.post("/api/v1/namespaces/default/pods", pod("unbound")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"]["phase"], "Pending");
    assert_eq!(r.body["spec"]["serviceAccountName"], "default");
    assert!(r.body["spec"]["tolerations"].as_array().unwrap().iter().any(|t| t["key"] == "node.kubernetes.io/unreachable"));
    assert_eq!(s.delete("/api/v1/namespaces/default/pods/unbound").await.status, StatusCode::OK);
    assert_eq!(s.get("/api/v1/namespaces/default/pods/unbound").await.status, StatusCode::NOT_FOUND);

    s.post("/api/v1/namespaces/default/pods", pod("bound")).await;
    let b = s
        .post("/api/v1/namespaces/default/pods/bound/binding", json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bound"}, "target": {"kind": "Node", "name": "n1"}}))
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
    let again = s
        .post("/api/v1/namespaces/default/pods/bound/binding", json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bound"}, "target": {"kind": "Node", "name": "n2"}}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let d = s.delete("/api/v1/namespaces/default/pods/bound").await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body["metadata"]["deletionGracePeriodSeconds"], 30);
    assert_eq!(s.get("/api/v1/namespaces/default/pods/bound").await.status, StatusCode::OK);
    // Force deletion with grace 0 removes it.
    let d = s.delete("/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=0").await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(s.get("/api/v1/namespaces/default/pods/bound").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn services_get_addresses_and_ports() {
    let s = server().await;
    let svc = |name: &str, extra: Value| {
        let mut v = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                           "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}});
        if let Value::Object(m) = extra {
            for (k, val) in m {
                v["spec"][k] = val;
            }
        }
        v
    };
    let a = s.post("/api/v1/namespaces/default/services", svc("a", json!({}))).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let ip = a.body["spec"]["clusterIP"].as_str().unwrap().to_string();
    assert!(ip.starts_with("10.43."), "{ip}");
    assert_ne!(ip, "10.43.0.1");
    let dup = s.post("/api/v1/namespaces/default/services", svc("b", json!({"clusterIP": ip}))).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", dup.body);
    assert!(dup.body["message"].as_str().unwrap().contains("provided IP is already allocated"), "{}", dup.body["message"]);
    let np = s.post("/api/v1/namespaces/default/services", svc("np", json!({"type": "NodePort"}))).await;
    let port = np.body["spec"]["ports"][0]["nodePort"].as_u64().unwrap();
    assert!((30000..=32767).contains(&port));
    let clash = s.post("/api/v1/namespaces/default/services", svc("np2", json!({"type": "NodePort", "ports": [{"port": 81, "nodePort": port}]}))).await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Deleting releases both.
    assert_eq!(s.delete("/api/v1/namespaces/default/services/a").await.status, StatusCode::OK);
    assert_eq!(s.delete("/api/v1/namespaces/default/services/np").await.status, StatusCode::OK);
    let reuse = s.post("/api/v1/namespaces/default/services", svc("c", json!({"clusterIP": ip, "type": "NodePort", "ports": [{"port": 80, "nodePort": port}]}))).await;
    assert_eq!(reuse.status, StatusCode::CREATED, "{}", reuse.body);
    let headless = s.post("/api/v1/namespaces/default/services", svc("h", json!({"clusterIP": "None"}))).await;
    assert_eq!(headless.body["spec"]["clusterIP"], "None");
}

#[tokio::test]
async fn dry_run_does_not_persist() {
    let s = server().await;
    let r = s.post("/api/v1/namespaces/default/configmaps?dryRun=All", cm("dry", json!({}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(s.get("/api/v1/namespaces/default/configmaps/dry").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_requests_get_clean_statuses() {
    let s = server().await;
    let r = s.call("POST", "/api/v1/namespaces/default/configmaps", Some("application/json"), Some(b"{not json".to_vec()), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["kind"], "Status");
    let r = s.call("POST", "/api/v1/namespaces/default/configmaps", Some("application/xml"), Some(b"<x/>".to_vec()), None).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = vec![b' '; 3 * 1024 * 1024 + 10];
    let r = s.call("POST", "/api/v1/namespaces/default/configmaps", Some("application/json"), Some(big), None).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = s.post("/api/v1/namespaces/default/configmaps", json!({"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = s.get("/api/v1/namespaces/default/configmaps/..").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = s.get("/api/v1/namespaces/default/nonsense").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Unauthenticated.
    let req = Request::builder().uri("/api/v1/namespaces").body(Body::empty()).unwrap();
    let resp = s.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    for open in ["/readyz", "/livez", "/healthz", "/version"] {
        let req = Request::builder().uri(open).body(Body::empty()).unwrap();
        assert_eq!(s.router.clone().oneshot(req).await.unwrap().status(), StatusCode::OK, "{open}");
    }
}

#[tokio::test]
async fn tables_and_metadata() {
    let s = server().await;
    s.post("/api/v1/namespaces/default/configmaps", cm("t", json!({}))).await;
    let r = s
        .call("GET", "/api/v1/namespaces/default/configmaps", None, None, Some("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"))
        .await;
    assert_eq!(r.body["kind"], "Table");
    let cols: Vec<&str> = r.body["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(cols, vec!["Name", "Data", "Age"]);
    assert_eq!(r.body["rows"][0]["cells"][0], "t");
    assert_eq!(r.body["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let r = s
        .call("GET", "/api/v1/namespaces/default/configmaps", None, None, Some("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"))
        .await;
    assert_eq!(r.body["kind"], "PartialObjectMetadataList");
    assert!(r.body["items"][0].get("data").is_none());
}

async fn next_event(body: &mut axum::body::BodyDataStream, buf: &mut Vec<u8>) -> Value {
    loop {
        if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            return serde_json::from_slice(&line).unwrap();
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next()).await.expect("event in time").expect("stream open").unwrap();
        buf.extend_from_slice(&chunk);
    }
}

#[tokio::test]
async fn watch_streams_changes_and_expires() {
    let s = server().await;
    let created = s.post("/api/v1/namespaces/default/configmaps", cm("w", json!({"app": "x"}))).await.body;
    let rv = created["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    let req = Request::builder()
        .uri(format!("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&labelSelector=app%3Dx"))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let resp = s.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body().into_data_stream();
    let mut buf = Vec::new();
    s.patch("/api/v1/namespaces/default/configmaps/w", "application/merge-patch+json", json!({"data": {"k": "2"}})).await;
    let ev = next_event(&mut body, &mut buf).await;
    assert_eq!(ev["type"], "MODIFIED");
    assert_eq!(ev["object"]["data"]["k"], "2");
    // Leaving the selector is a DELETED for this watcher.
    s.patch("/api/v1/namespaces/default/configmaps/w", "application/merge-patch+json", json!({"metadata": {"labels": {"app": "y"}}})).await;
    let ev = next_event(&mut body, &mut buf).await;
    assert_eq!(ev["type"], "DELETED");
    s.patch("/api/v1/namespaces/default/configmaps/w", "application/merge-patch+json", json!({"metadata": {"labels": {"app": "x"}}})).await;
    assert_eq!(next_event(&mut body, &mut buf).await["type"], "ADDED");
    s.delete("/api/v1/namespaces/default/configmaps/w").await;
    let ev = next_event(&mut body, &mut buf).await;
    assert_eq!(ev["type"], "DELETED");
    assert_eq!(ev["object"]["metadata"]["name"], "w");

    // A compacted revision answers 410 Expired in the stream.
    let current = s.state.store.current_revision().await.unwrap();
    s.state.store.compact(current).await.unwrap();
    let req = Request::builder()
        .uri("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2")
        .header("Authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let resp = s.router.clone().oneshot(req).await.unwrap();
    let mut body = resp.into_body().into_data_stream();
    let mut buf = Vec::new();
    let ev = next_event(&mut body, &mut buf).await;
    assert_eq!(ev["type"], "ERROR");
    assert_eq!(ev["object"]["code"], 410);
    assert_eq!(ev["object"]["reason"], "Expired");
}

#[tokio::test]
async fn reviews_answer_without_storing() {
    let s = server().await;
    let r = s
        .post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {"resourceAttributes": {"verb": "create", "resource": "pods"}}}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"]["allowed"], true);
    let r = s
        .post("/apis/authentication.k8s.io/v1/selfsubjectreviews", json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
        .await;
    assert_eq!(r.body["status"]["userInfo"]["username"], "admin");
}

#[tokio::test]
async fn metrics_count_requests() {
    let s = server().await;
    s.get("/api/v1/namespaces").await;
    let req = Request::builder().uri("/metrics").header("Authorization", format!("Bearer {TOKEN}")).body(Body::empty()).unwrap();
    let resp = s.router.clone().oneshot(req).await.unwrap();
    let text = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.contains("apiserver_request_total{verb=\"LIST\",resource=\"namespaces\",code=\"200\"}"), "{text}");
    assert!(text.contains("apiserver_storage_duration_seconds"));
}

#[tokio::test]
async fn field_validation_warns_or_refuses_unknown_fields() {
    let s = server().await;
    let mut obj = cm("fv", json!({}));
    obj["bogus"] = json!(1);
    let r = s.post("/api/v1/namespaces/default/configmaps", obj.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let warning = r.headers.get("Warning").map(|w| w.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(warning.contains("unknown field \\\"bogus\\\""), "{warning}");
    obj["metadata"]["name"] = json!("fv2");
    let r = s.post("/api/v1/namespaces/default/configmaps?fieldValidation=Strict", obj).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["message"].as_str().unwrap().contains("strict decoding error: unknown field \"bogus\""), "{}", r.body["message"]);
}

#[tokio::test]
async fn openapi_v3_is_addressed_by_hash() {
    let s = server().await;
    let index = s.get("/openapi/v3").await;
    assert_eq!(index.status, StatusCode::OK);
    let url = index.body["paths"]["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap().to_string();
    let doc = s.get(&url).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.headers.get("Cache-Control").unwrap(), "public, immutable");
    assert!(doc.body["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());
    let stale = s.get("/openapi/v3/apis/apps/v1?hash=stale").await;
    assert_eq!(stale.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(stale.headers.get("Location").unwrap().to_str().unwrap(), url);
    let proto_only = s.call("GET", "/openapi/v2", None, None, Some("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")).await;
    assert_eq!(proto_only.status, StatusCode::NOT_ACCEPTABLE);
    let groups = s.call("GET", "/apis", None, None, Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")).await;
    assert_eq!(groups.body["kind"], "APIGroupDiscoveryList");
    assert!(groups.headers.get("Content-Type").unwrap().to_str().unwrap().contains("as=APIGroupDiscoveryList"));
}
