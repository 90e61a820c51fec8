use chrono::TimeZone;
use serde_json::json;

use super::*;

fn deployments() -> Resource<'static> {
    Resource {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        has_status: true,
    }
}

/// The public entry points take the registry's `ResourceInfo`; the tests use the
/// `Resource` forms so that they do not depend on the registry's contents.
fn apply(
    info: &Resource<'_>,
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Value, ApplyError> {
    apply_to(info, live, applied, manager, force, now)
}

fn record_update(
    info: &Resource<'_>,
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: DateTime<Utc>,
) {
    record_update_to(info, old, new, manager, subresource, now)
}

fn t(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, minute, 0).unwrap()
}

fn config(replicas: Option<i64>, image: &str) -> Value {
    let mut spec = json!({
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": image}]}
        }
    });
    if let Some(r) = replicas {
        spec["replicas"] = json!(r);
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": spec
    })
}

fn entries(obj: &Value) -> Vec<Value> {
    obj["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn entry<'a>(obj: &'a Value, manager: &str) -> Option<&'a Value> {
    obj["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager)
}

fn owns(obj: &Value, manager: &str, pointer: &str) -> bool {
    entry(obj, manager).is_some_and(|e| e["fieldsV1"].pointer(pointer).is_some())
}

/// The object as the store would hold it after a create: the server adds metadata.
fn stored(mut obj: Value) -> Value {
    obj["metadata"]["uid"] = json!("u-1");
    obj["metadata"]["resourceVersion"] = json!("5");
    obj["metadata"]["creationTimestamp"] = json!("2026-01-02T03:00:00Z");
    obj
}

#[test]
fn apply_creates_with_kubectl_ownership() {
    let obj = apply(
        &deployments(),
        None,
        &config(Some(2), "nginx:1"),
        "kubectl",
        false,
        t(1),
    )
    .unwrap();
    assert_eq!(obj["spec"]["replicas"], 2);
    assert_eq!(
        obj["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1"
    );
    assert_eq!(
        entries(&obj),
        vec![json!({
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "apps/v1",
            "time": "2026-01-02T03:01:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:template": {
                        "f:metadata": {"f:labels": {"f:app": {}}},
                        "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                            ".": {}, "f:image": {}, "f:name": {}
                        }}}
                    }
                }
            }
        })]
    );
}

#[test]
fn reapply_without_a_field_removes_it_and_noop_keeps_time() {
    let info = deployments();
    let live = stored(
        apply(
            &info,
            None,
            &config(Some(2), "nginx:1"),
            "kubectl",
            false,
            t(1),
        )
        .unwrap(),
    );
    let again = apply(
        &info,
        Some(&live),
        &config(Some(2), "nginx:1"),
        "kubectl",
        false,
        t(9),
    )
    .unwrap();
    assert_eq!(
        again, live,
        "a no-op apply changes nothing, not even the time"
    );

    let out = apply(
        &info,
        Some(&live),
        &config(None, "nginx:1"),
        "kubectl",
        false,
        t(2),
    )
    .unwrap();
    assert!(out["spec"].get("replicas").is_none());
    assert!(!owns(&out, "kubectl", "/f:spec/f:replicas"));
    assert_eq!(
        entry(&out, "kubectl").unwrap()["time"],
        "2026-01-02T03:02:00Z"
    );
}

#[test]
fn client_side_apply_create_records_update_ownership() {
    let info = deployments();
    let mut created = config(Some(1), "nginx:1");
    created["spec"]["strategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}});
    created["status"] = json!({"replicas": 0});
    record_update(
        &info,
        None,
        &mut created,
        "kubectl-client-side-apply",
        None,
        t(0),
    );
    assert_eq!(
        entries(&created),
        vec![json!({
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": "2026-01-02T03:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}}, "f:type": {}},
                    "f:template": {
                        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                            ".": {}, "f:image": {}, "f:name": {}
                        }}}
                    }
                }
            }
        })]
    );

    // Writing the same object again changes nothing.
    let before = stored(created);
    let mut same = before.clone();
    record_update(
        &info,
        Some(&before),
        &mut same,
        "kubectl-client-side-apply",
        None,
        t(30),
    );
    assert_eq!(same, before);
}

fn created_by_client_side_apply(replicas: i64) -> Value {
    let mut obj = config(Some(replicas), "nginx:1");
    record_update(
        &deployments(),
        None,
        &mut obj,
        "kubectl-client-side-apply",
        None,
        t(0),
    );
    stored(obj)
}

#[test]
fn conflict_with_another_manager_has_kubernetes_message() {
    let live = created_by_client_side_apply(1);
    let err = apply(
        &deployments(),
        Some(&live),
        &config(Some(3), "nginx:1"),
        "kubectl",
        false,
        t(1),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );
    assert_eq!(err.code(), 409);
    let ApplyError::Conflicts(conflicts) = err else {
        panic!("conflicts expected")
    };
    assert_eq!(conflicts[0].field, ".spec.replicas");
    assert_eq!(
        conflicts[0].message,
        "conflict with \"kubectl-client-side-apply\" using apps/v1"
    );
}

#[test]
fn several_conflicts_are_listed_by_manager() {
    let live = created_by_client_side_apply(1);
    let err = apply(
        &deployments(),
        Some(&live),
        &config(Some(3), "nginx:2"),
        "kubectl",
        false,
        t(1),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n\
         - .spec.replicas\n\
         - .spec.template.spec.containers[name=\"nginx\"].image"
    );
}

#[test]
fn force_moves_ownership() {
    let live = created_by_client_side_apply(1);
    let out = apply(
        &deployments(),
        Some(&live),
        &config(Some(3), "nginx:1"),
        "kubectl",
        true,
        t(1),
    )
    .unwrap();
    assert_eq!(out["spec"]["replicas"], 3);
    assert!(owns(&out, "kubectl", "/f:spec/f:replicas"));
    assert!(!owns(
        &out,
        "kubectl-client-side-apply",
        "/f:spec/f:replicas"
    ));
    // Fields applied with the same value are shared.
    assert!(owns(
        &out,
        "kubectl-client-side-apply",
        "/f:spec/f:selector"
    ));
    assert!(owns(&out, "kubectl", "/f:spec/f:selector"));
    // Apply entries sort before Update entries.
    assert_eq!(entries(&out)[0]["operation"], "Apply");
    assert_eq!(entries(&out)[1]["operation"], "Update");
}

#[test]
fn shared_field_survives_when_one_owner_stops_applying_it() {
    let info = deployments();
    let live = stored(
        apply(
            &info,
            None,
            &config(Some(2), "nginx:1"),
            "alice",
            false,
            t(1),
        )
        .unwrap(),
    );
    let live = apply(
        &info,
        Some(&live),
        &config(Some(2), "nginx:1"),
        "bob",
        false,
        t(2),
    )
    .unwrap();
    assert!(owns(&live, "alice", "/f:spec/f:replicas"));
    assert!(owns(&live, "bob", "/f:spec/f:replicas"));

    let out = apply(
        &info,
        Some(&live),
        &config(None, "nginx:1"),
        "alice",
        false,
        t(3),
    )
    .unwrap();
    assert_eq!(out["spec"]["replicas"], 2, "bob still owns replicas");
    assert!(!owns(&out, "alice", "/f:spec/f:replicas"));

    let out = apply(
        &info,
        Some(&out),
        &config(None, "nginx:1"),
        "bob",
        false,
        t(4),
    )
    .unwrap();
    assert!(
        out["spec"].get("replicas").is_none(),
        "nobody owns replicas any more"
    );
}

#[test]
fn update_by_another_manager_takes_the_field() {
    let info = deployments();
    let live = stored(
        apply(
            &info,
            None,
            &config(Some(2), "nginx:1"),
            "kubectl",
            false,
            t(1),
        )
        .unwrap(),
    );
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(5);
    record_update(&info, Some(&live), &mut scaled, "kubectl-edit", None, t(2));
    assert!(!owns(&scaled, "kubectl", "/f:spec/f:replicas"));
    assert!(owns(&scaled, "kubectl-edit", "/f:spec/f:replicas"));
    let edit = entry(&scaled, "kubectl-edit").unwrap();
    assert_eq!(edit["operation"], "Update");
    assert_eq!(edit["time"], "2026-01-02T03:02:00Z");
    assert_eq!(edit["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    // The applier's entry keeps its time: only its set shrank.
    assert_eq!(
        entry(&scaled, "kubectl").unwrap()["time"],
        "2026-01-02T03:01:00Z"
    );

    let err = apply(
        &info,
        Some(&scaled),
        &config(Some(2), "nginx:1"),
        "kubectl",
        false,
        t(3),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas"
    );
}

#[test]
fn status_writes_track_status_only() {
    let info = deployments();
    let live = created_by_client_side_apply(1);
    let mut with_status = live.clone();
    with_status["status"] =
        json!({"replicas": 1, "conditions": [{"type": "Available", "status": "True"}]});
    with_status["spec"]["replicas"] = json!(9);
    record_update(
        &info,
        Some(&live),
        &mut with_status,
        "kube-controller-manager",
        Some("status"),
        t(4),
    );
    let e = entry(&with_status, "kube-controller-manager").unwrap();
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {".": {}, "f:conditions": {".": {}, "k:{\"type\":\"Available\"}": {
            ".": {}, "f:status": {}, "f:type": {}
        }}, "f:replicas": {}}})
    );
}

#[test]
fn sets_and_bad_configs() {
    let info = deployments();
    let mut cfg = config(Some(1), "nginx:1");
    cfg["metadata"]["finalizers"] = json!(["example.com/a"]);
    let obj = apply(&info, None, &cfg, "kubectl", false, t(1)).unwrap();
    assert!(owns(
        &obj,
        "kubectl",
        "/f:metadata/f:finalizers/v:\"example.com~1a\""
    ));

    let mut bad = config(Some(1), "nginx:1");
    bad["spec"]["template"]["spec"]["containers"] = json!([{"image": "x"}]);
    let err = apply(&info, None, &bad, "kubectl", false, t(1)).unwrap_err();
    assert_eq!(err.code(), 500);
    assert_eq!(
        err.to_string(),
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): \
         .spec.template.spec.containers: element 0: associative list with keys has an element \
         that omits all key fields [\"name\"] (and doesn't have default values for any key fields)"
    );

    let mut dup = config(Some(1), "nginx:1");
    dup["spec"]["template"]["spec"]["containers"] =
        json!([{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]);
    assert_eq!(
        apply(&info, None, &dup, "kubectl", false, t(1))
            .unwrap_err()
            .to_string(),
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): \
         .spec.template.spec.containers: duplicate entries for key [name=\"a\"]"
    );

    let mut old_version = config(Some(1), "nginx:1");
    old_version["apiVersion"] = json!("apps/v1beta2");
    assert_eq!(
        apply(&info, None, &old_version, "kubectl", false, t(1)).unwrap_err(),
        ApplyError::BadRequest(
            "Incorrect version specified in apply patch. Specified patch version: apps/v1beta2, expected: apps/v1"
                .into()
        )
    );

    let mut with_fields = config(Some(1), "nginx:1");
    with_fields["metadata"]["managedFields"] = json!([]);
    assert_eq!(
        apply(&info, None, &with_fields, "kubectl", false, t(1)).unwrap_err(),
        ApplyError::BadRequest("metadata.managedFields must be nil".into())
    );
}

#[test]
fn ports_key_includes_defaulted_protocol() {
    let info = deployments();
    let mut cfg = config(Some(1), "nginx:1");
    cfg["spec"]["template"]["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80}]);
    let obj = apply(&info, None, &cfg, "kubectl", false, t(1)).unwrap();
    let containers = &entry(&obj, "kubectl").unwrap()["fieldsV1"]["f:spec"]["f:template"]["f:spec"]
        ["f:containers"];
    assert_eq!(
        containers["k:{\"name\":\"nginx\"}"]["f:ports"],
        json!({"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}})
    );
}

#[test]
fn merged_lists_follow_the_applied_order_and_keep_live_only_items_in_place() {
    let pe = |n: &str| PathElement::Key(format!("{{\"name\":\"{n}\"}}"));
    let (a, b, c, x) = (pe("a"), pe("b"), pe("c"), pe("x"));
    // live [a, x, b], applied [b, a, c]: x only lives on the server.
    let order = merged_list_order(&[a.clone(), x.clone(), b.clone()], &[b, a.clone(), c]);
    // x, b, a, c: structured-merge-diff emits x before the first shared item it sees.
    assert_eq!(
        order,
        vec![
            (Some(1), None),
            (Some(2), Some(0)),
            (Some(0), Some(1)),
            (None, Some(2))
        ]
    );
    let order = merged_list_order(&[a.clone(), x], &[a]);
    assert_eq!(order, vec![(Some(0), Some(0)), (Some(1), None)]);
}

#[test]
fn apply_merges_containers_into_live_object_and_owns_empty_maps() {
    let info = deployments();
    let mut live = config(Some(1), "nginx:1");
    live["spec"]["template"]["spec"]["containers"] = json!([
        {"name": "nginx", "image": "nginx:1", "imagePullPolicy": "IfNotPresent"},
        {"name": "sidecar", "image": "busybox"}
    ]);
    record_update(&info, None, &mut live, "kubectl-create", None, t(0));
    let live = stored(live);

    let mut cfg = config(Some(1), "nginx:1");
    cfg["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({});
    let out = apply(&info, Some(&live), &cfg, "kubectl", false, t(1)).unwrap();
    let cs = out["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(cs.len(), 2, "the sidecar is someone else's");
    assert_eq!(
        cs[0]["imagePullPolicy"], "IfNotPresent",
        "fields not applied are kept"
    );
    assert!(owns(
        &out,
        "kubectl",
        "/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"nginx\"}/f:resources"
    ));
}

#[test]
fn dropping_a_struct_removes_it_with_its_unowned_defaults() {
    let info = deployments();
    let mut cfg = config(Some(1), "nginx:1");
    cfg["spec"]["template"]["spec"]["containers"][0]["livenessProbe"] =
        json!({"httpGet": {"path": "/", "port": 80}});
    let live = stored(apply(&info, None, &cfg, "kubectl", false, t(1)).unwrap());
    // The server defaults the probe; nobody owns the defaults.
    let mut live = live;
    live["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["periodSeconds"] = json!(10);
    live["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["scheme"] =
        json!("HTTP");
    // Someone else labels the object: that label is theirs.
    let mut labelled = live.clone();
    labelled["metadata"]["labels"]["extra"] = json!("x");
    record_update(
        &info,
        Some(&live),
        &mut labelled,
        "kubectl-label",
        None,
        t(1),
    );
    let live = labelled;

    let mut cfg = config(Some(1), "nginx:1");
    cfg["metadata"].as_object_mut().unwrap().remove("labels");
    let out = apply(&info, Some(&live), &cfg, "kubectl", false, t(2)).unwrap();
    let c = &out["spec"]["template"]["spec"]["containers"][0];
    assert!(c.get("livenessProbe").is_none(), "probe removed whole: {c}");
    assert_eq!(out["metadata"]["name"], "web");
    assert_eq!(
        out["metadata"]["labels"],
        json!({"extra": "x"}),
        "a free-form map loses only the applied keys"
    );
}

#[test]
fn service_selector_is_atomic_and_ports_key_on_port_and_protocol() {
    let info = Resource {
        group: "",
        version: "v1",
        kind: "Service",
        has_status: true,
    };
    let cfg = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}
    });
    let obj = apply(&info, None, &cfg, "kubectl", false, t(1)).unwrap();
    assert_eq!(
        entry(&obj, "kubectl").unwrap()["fieldsV1"],
        json!({"f:spec": {
            "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}, "f:targetPort": {}}},
            "f:selector": {}
        }})
    );
}

/// The API server runs every write, applies included, through `record_update` after
/// defaulting: the apply's ownership stays as apply recorded it.
#[test]
fn record_update_after_apply_keeps_the_apply_record() {
    let info = deployments();
    // Create by apply, then defaulting, then the create path's record_update.
    let mut created = apply(
        &info,
        None,
        &config(Some(2), "nginx:1"),
        "kubectl",
        false,
        t(1),
    )
    .unwrap();
    let recorded_by_apply = entries(&created);
    created["spec"]["progressDeadlineSeconds"] = json!(600);
    record_update(&info, None, &mut created, "kubectl", None, t(2));
    assert_eq!(entries(&created), recorded_by_apply);
    let live = stored(created);

    // Update by apply, same flow.
    let mut updated = apply(
        &info,
        Some(&live),
        &config(Some(3), "nginx:1"),
        "kubectl",
        false,
        t(3),
    )
    .unwrap();
    let recorded_by_apply = entries(&updated);
    updated["spec"]["revisionHistoryLimit"] = json!(10);
    record_update(&info, Some(&live), &mut updated, "kubectl", None, t(4));
    assert_eq!(entries(&updated), recorded_by_apply);
    assert_eq!(recorded_by_apply.len(), 1);

    // A no-op apply passes through unchanged.
    let live = stored(updated);
    let mut same = apply(
        &info,
        Some(&live),
        &config(Some(3), "nginx:1"),
        "kubectl",
        false,
        t(5),
    )
    .unwrap();
    record_update(&info, Some(&live), &mut same, "kubectl", None, t(5));
    assert_eq!(same, live);
}

#[test]
fn conflicts_list_members_before_deeper_fields() {
    let f = |n: &str| PathElement::Field(n.to_string());
    let mut paths = [
        vec![f("spec"), f("a"), f("b")],
        vec![f("spec"), f("z")],
        vec![f("metadata"), f("labels"), f("x")],
    ];
    paths.sort_by(|a, b| set_order(a, b));
    let shown: Vec<String> = paths.iter().map(|p| DisplayPath(p).to_string()).collect();
    assert_eq!(shown, [".metadata.labels.x", ".spec.z", ".spec.a.b"]);
}

fn created_by_client_side_apply_with_annotation(replicas: i64) -> Value {
    let cfg = config(Some(replicas), "nginx:1");
    let mut obj = cfg.clone();
    obj["metadata"]["annotations"] =
        json!({ "kubectl.kubernetes.io/last-applied-configuration": format!("{cfg}\n") });
    record_update(
        &deployments(),
        None,
        &mut obj,
        "kubectl-client-side-apply",
        None,
        t(0),
    );
    stored(obj)
}

#[test]
fn kubectl_takes_over_fields_its_last_applied_annotation_describes() {
    let info = deployments();
    let live = created_by_client_side_apply_with_annotation(1);
    let out = apply(
        &info,
        Some(&live),
        &config(Some(3), "nginx:1"),
        "kubectl",
        false,
        t(1),
    )
    .unwrap();
    assert_eq!(out["spec"]["replicas"], 3);
    assert!(owns(&out, "kubectl", "/f:spec/f:replicas"));
    assert!(!owns(
        &out,
        "kubectl-client-side-apply",
        "/f:spec/f:replicas"
    ));
    // The annotation now records this apply, for a later client-side apply.
    let recorded = out["metadata"]["annotations"]
        ["kubectl.kubernetes.io/last-applied-configuration"]
        .as_str()
        .unwrap();
    assert!(recorded.ends_with("}\n"));
    let recorded: Value = serde_json::from_str(recorded).unwrap();
    assert_eq!(recorded, config(Some(3), "nginx:1"));

    // Another manager gets no such allowance.
    let err = apply(
        &info,
        Some(&live),
        &config(Some(3), "nginx:1"),
        "other",
        false,
        t(1),
    )
    .unwrap_err();
    assert!(matches!(err, ApplyError::Conflicts(_)));

    // A field changed since the annotation was written still conflicts.
    let mut drifted = live.clone();
    drifted["spec"]["replicas"] = json!(2);
    record_update(
        &info,
        Some(&live),
        &mut drifted,
        "kubectl-client-side-apply",
        None,
        t(1),
    );
    let err = apply(
        &info,
        Some(&drifted),
        &config(Some(3), "nginx:1"),
        "kubectl",
        false,
        t(2),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );
}

#[test]
fn last_applied_is_go_json() {
    let v = json!({"b": "<&>", "a": {"d": 1, "c": [2]}, "metadata": {"annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": "old"
    }}});
    assert_eq!(
        build_last_applied(&v),
        "{\"a\":{\"c\":[2],\"d\":1},\"b\":\"\\u003c\\u0026\\u003e\",\"metadata\":{}}\n"
    );
}

#[test]
fn update_entries_are_capped_at_ten() {
    let info = deployments();
    let mut live = created_by_client_side_apply(1);
    for i in 0..11u32 {
        let mut next = live.clone();
        next["metadata"]["labels"][format!("l{i}")] = json!("x");
        record_update(
            &info,
            Some(&live),
            &mut next,
            &format!("m{i:02}"),
            None,
            t(i + 1),
        );
        live = next;
    }
    let all = entries(&live);
    assert_eq!(all.len(), 10);
    let ancient = entry(&live, "ancient-changes").unwrap();
    // The eleventh entry folded the create and m00 into the bucket; the twelfth then
    // folded m01 into it.
    for folded in [
        "/f:spec/f:replicas",
        "/f:metadata/f:labels/f:l0",
        "/f:metadata/f:labels/f:l1",
    ] {
        assert!(ancient["fieldsV1"].pointer(folded).is_some(), "{folded}");
    }
    assert_eq!(ancient["time"], "2026-01-02T03:02:00Z");
    for gone in ["kubectl-client-side-apply", "m00", "m01"] {
        assert!(entry(&live, gone).is_none(), "{gone}");
    }
    assert!(entry(&live, "m02").is_some());
}
