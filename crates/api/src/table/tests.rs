use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::format::canonical_quantity;
use super::*;

fn info(group: &'static str, version: &'static str, kind: &'static str) -> ResourceInfo {
    ResourceInfo {
        group,
        version,
        kind,
        plural: "things",
        singular: "thing",
        namespaced: true,
        verbs: &[],
        short_names: &[],
        categories: &[],
        subresources: &[],
        has_status: false,
    }
}

fn now() -> DateTime<Utc> {
    "2026-01-10T12:00:00Z".parse().unwrap()
}

/// RFC 3339 text of `now - d`.
fn ago(d: Duration) -> String {
    (now() - d).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn cells(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    obj: &Value,
) -> Vec<Value> {
    row_cells(&info(group, version, kind), obj, now())
}

fn column_names(group: &'static str, version: &'static str, kind: &'static str) -> Vec<String> {
    column_definitions(&info(group, version, kind))
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// Names of the columns shown without `-o wide`.
fn narrow_names(group: &'static str, kind: &'static str) -> Vec<String> {
    column_definitions(&info(group, "v1", kind))
        .iter()
        .filter(|c| c["priority"] == 0)
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- human_duration

#[test]
fn human_duration_boundaries() {
    let cases: &[(i64, &str)] = &[
        (-5, "<invalid>"),
        (-2, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (59, "59s"),
        (60, "60s"),
        (119, "119s"),
        (120, "2m"),
        (123, "2m3s"),
        (599, "9m59s"),
        (600, "10m"),
        (659, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 5 * 60, "3h5m"),
        (8 * 3600 - 1, "7h59m"),
        (8 * 3600, "8h"),
        (25 * 3600, "25h"),
        (48 * 3600 - 1, "47h"),
        (48 * 3600, "2d"),
        (51 * 3600, "2d3h"),
        (8 * 86400 - 1, "7d23h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (765 * 86400, "2y35d"),
        (8 * 365 * 86400, "8y"),
        (9 * 365 * 86400 + 100 * 86400, "9y"),
    ];
    for (secs, want) in cases {
        assert_eq!(human_duration(Duration::seconds(*secs)), *want, "{secs}s");
    }
    // Sub-second parts are dropped, toward zero.
    assert_eq!(human_duration(Duration::milliseconds(-1999)), "0s");
    assert_eq!(human_duration(Duration::milliseconds(59_999)), "59s");
}

#[test]
fn quantities_print_canonically() {
    let cases = [
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("512", "512"),
        ("2000", "2k"),
        ("1000m", "1"),
        ("1500m", "1500m"),
        ("0.5", "500m"),
        ("100m", "100m"),
        ("0", "0"),
        ("10G", "10G"),
        ("1e3", "1e3"),
        ("500Ki", "500Ki"),
        ("not-a-quantity", "not-a-quantity"),
    ];
    for (input, want) in cases {
        assert_eq!(canonical_quantity(input), want, "{input}");
    }
}

// ---------------------------------------------------------------- default printer

#[test]
fn kinds_without_printer_use_name_and_created_at() {
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "reader", "creationTimestamp": "2026-01-02T03:04:05Z"}
    });
    let i = info("rbac.authorization.k8s.io", "v1", "Role");
    assert!(!has_printer(&i));
    let cols = column_definitions(&i);
    assert_eq!(cols.len(), 2);
    assert_eq!(cols[0]["name"], "Name");
    assert_eq!(cols[0]["format"], "name");
    assert_eq!(cols[1]["name"], "Created At");
    assert_eq!(cols[1]["type"], "date");
    assert!(cols[1]["description"]
        .as_str()
        .unwrap()
        .starts_with("CreationTimestamp is a timestamp"));
    assert_eq!(
        row_cells(&i, &role, now()),
        vec![json!("reader"), json!("2026-01-02T03:04:05Z")]
    );
    assert_eq!(column_names("", "v1", "LimitRange"), ["Name", "Created At"]);
}

#[test]
fn every_printer_has_one_cell_per_column() {
    let kinds: &[(&str, &str)] = &[
        ("", "Pod"),
        ("", "PodTemplate"),
        ("", "ReplicationController"),
        ("", "Service"),
        ("", "Endpoints"),
        ("", "Node"),
        ("", "Event"),
        ("", "Namespace"),
        ("", "Secret"),
        ("", "ServiceAccount"),
        ("", "PersistentVolume"),
        ("", "PersistentVolumeClaim"),
        ("", "ComponentStatus"),
        ("", "ConfigMap"),
        ("", "ResourceQuota"),
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("apps", "ControllerRevision"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("networking.k8s.io", "IPAddress"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "CSIStorageCapacity"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("policy", "PodDisruptionBudget"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("coordination.k8s.io", "Lease"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("events.k8s.io", "Event"),
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration",
        ),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        (
            "admissionregistration.k8s.io",
            "ValidatingAdmissionPolicyBinding",
        ),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        (
            "admissionregistration.k8s.io",
            "MutatingAdmissionPolicyBinding",
        ),
        ("node.k8s.io", "RuntimeClass"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("apiregistration.k8s.io", "APIService"),
    ];
    let empty = json!({"metadata": {"name": "x"}});
    for (group, kind) in kinds {
        let i = ResourceInfo {
            group,
            kind,
            ..info("", "v1", "")
        };
        assert!(has_printer(&i), "{group}/{kind}");
        let cols = column_definitions(&i);
        let row = row_cells(&i, &empty, now());
        assert_eq!(cols.len(), row.len(), "{group}/{kind}");
        for c in &cols {
            for key in ["name", "type", "format", "description", "priority"] {
                assert!(c.get(key).is_some(), "{group}/{kind} column lacks {key}");
            }
        }
    }
}

// ---------------------------------------------------------------- pods

fn pod(status: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": ago(Duration::minutes(10))},
        "spec": {"nodeName": "node1", "containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]},
        "status": status
    })
}

/// READY, STATUS, RESTARTS of a pod.
fn pod_summary(p: &Value) -> (String, String, String) {
    let c = cells("", "v1", "Pod", p);
    (
        c[1].as_str().unwrap().to_string(),
        c[2].as_str().unwrap().to_string(),
        c[3].as_str().unwrap().to_string(),
    )
}

fn summary(ready: &str, status: &str, restarts: &str) -> (String, String, String) {
    (ready.to_string(), status.to_string(), restarts.to_string())
}

fn running(name: &str, ready: bool, restarts: i64) -> Value {
    json!({"name": name, "ready": ready, "restartCount": restarts, "state": {"running": {"startedAt": ago(Duration::minutes(9))}}})
}

#[test]
fn pod_columns_match_kubernetes() {
    assert_eq!(
        narrow_names("", "Pod"),
        ["Name", "Ready", "Status", "Restarts", "Age"]
    );
    assert_eq!(
        column_names("", "v1", "Pod"),
        [
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            "IP",
            "Node",
            "Nominated Node",
            "Readiness Gates"
        ]
    );
    let cols = column_definitions(&info("", "v1", "Pod"));
    assert_eq!(cols[3]["type"], "string");
    assert_eq!(cols[5]["priority"], 1);
}

#[test]
fn running_pod_with_one_ready_container() {
    let p = pod(json!({
        "phase": "Running", "podIP": "10.42.0.5", "podIPs": [{"ip": "10.42.0.5"}],
        "containerStatuses": [running("a", true, 0), running("b", false, 0)]
    }));
    let c = cells("", "v1", "Pod", &p);
    assert_eq!(
        c,
        vec![
            json!("web"),
            json!("1/2"),
            json!("Running"),
            json!("0"),
            json!("10m"),
            json!("10.42.0.5"),
            json!("node1"),
            json!("<none>"),
            json!("<none>")
        ]
    );
}

#[test]
fn pod_restarts_show_when_the_last_one_was() {
    let mut b = running("b", true, 1);
    b["lastState"] =
        json!({"terminated": {"exitCode": 1, "finishedAt": ago(Duration::minutes(5))}});
    let mut a = running("a", true, 2);
    a["lastState"] =
        json!({"terminated": {"exitCode": 1, "finishedAt": ago(Duration::minutes(30))}});
    let p = pod(json!({"phase": "Running", "containerStatuses": [a, b]}));
    assert_eq!(pod_summary(&p), summary("2/2", "Running", "3 (5m ago)"));
    // Restarts without a recorded termination time print the bare count.
    let p = pod(
        json!({"phase": "Running", "containerStatuses": [running("a", true, 4), running("b", true, 0)]}),
    );
    assert_eq!(pod_summary(&p).2, "4");
}

#[test]
fn pod_waiting_and_terminated_reasons() {
    let crash = json!({"name": "a", "ready": false, "restartCount": 7,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(Duration::seconds(40))}}});
    let p = pod(json!({"phase": "Running", "containerStatuses": [crash, running("b", true, 0)]}));
    assert_eq!(
        pod_summary(&p),
        summary("1/2", "CrashLoopBackOff", "7 (40s ago)")
    );

    let signal = json!({"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}});
    let p = pod(json!({"phase": "Failed", "containerStatuses": [signal]}));
    assert_eq!(pod_summary(&p).1, "Signal:9");

    let code = json!({"name": "a", "state": {"terminated": {"exitCode": 3}}});
    let p = pod(json!({"phase": "Failed", "containerStatuses": [code]}));
    assert_eq!(pod_summary(&p).1, "ExitCode:3");

    let pulling = json!({"name": "a", "state": {"waiting": {"reason": "ContainerCreating"}}});
    let p = pod(json!({"phase": "Pending", "containerStatuses": [pulling]}));
    assert_eq!(pod_summary(&p), summary("0/2", "ContainerCreating", "0"));
}

#[test]
fn completed_pod_and_completed_container_beside_a_running_one() {
    let done =
        json!({"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}});
    let p = pod(json!({"phase": "Succeeded", "containerStatuses": [done.clone(), done.clone()]}));
    assert_eq!(pod_summary(&p), summary("0/2", "Completed", "0"));
    let i = info("", "v1", "Pod");
    assert_eq!(row_conditions(&i, &p)[0]["reason"], "Succeeded");

    // Statuses are read last to first, so the first container's reason wins.
    let p = pod(
        json!({"phase": "Running", "containerStatuses": [done.clone(), running("b", true, 0)],
        "conditions": [{"type": "Ready", "status": "True"}]}),
    );
    assert_eq!(pod_summary(&p), summary("1/2", "Running", "0"));
    let p = pod(
        json!({"phase": "Running", "containerStatuses": [done, running("b", true, 0)],
        "conditions": [{"type": "Ready", "status": "False"}]}),
    );
    assert_eq!(pod_summary(&p).1, "NotReady");
}

fn pod_with_inits(inits: Value, init_statuses: Value, statuses: Value) -> Value {
    let mut p = pod(
        json!({"phase": "Pending", "initContainerStatuses": init_statuses, "containerStatuses": statuses}),
    );
    p["spec"]["initContainers"] = inits;
    p
}

#[test]
fn pod_init_container_progress() {
    let inits = json!([{"name": "i1", "image": "x"}, {"name": "i2", "image": "x"}]);
    let waiting_app = json!([{"name": "a", "state": {"waiting": {"reason": "PodInitializing"}}},
                             {"name": "b", "state": {"waiting": {"reason": "PodInitializing"}}}]);

    let p = pod_with_inits(
        inits.clone(),
        json!([
            {"name": "i1", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "i2", "state": {"running": {}}}
        ]),
        waiting_app.clone(),
    );
    assert_eq!(pod_summary(&p), summary("0/2", "Init:1/2", "0"));

    let p = pod_with_inits(
        inits.clone(),
        json!([
            {"name": "i1", "state": {"waiting": {"reason": "PodInitializing"}}},
            {"name": "i2", "state": {"waiting": {"reason": "PodInitializing"}}}
        ]),
        waiting_app.clone(),
    );
    assert_eq!(pod_summary(&p).1, "Init:0/2");

    let p = pod_with_inits(
        inits.clone(),
        json!([
            {"name": "i1", "restartCount": 2, "state": {"terminated": {"exitCode": 1, "reason": "Error"}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(Duration::minutes(2))}}},
            {"name": "i2", "state": {"waiting": {"reason": "PodInitializing"}}}
        ]),
        waiting_app.clone(),
    );
    assert_eq!(pod_summary(&p), summary("0/2", "Init:Error", "2 (2m ago)"));

    let p = pod_with_inits(
        inits.clone(),
        json!([
            {"name": "i1", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
            {"name": "i2", "state": {"waiting": {"reason": "PodInitializing"}}}
        ]),
        waiting_app.clone(),
    );
    assert_eq!(pod_summary(&p).1, "Init:CrashLoopBackOff");

    let p = pod_with_inits(
        inits.clone(),
        json!([
            {"name": "i1", "state": {"terminated": {"exitCode": 2}}}
        ]),
        waiting_app.clone(),
    );
    assert_eq!(pod_summary(&p).1, "Init:ExitCode:2");
    let p = pod_with_inits(
        inits.clone(),
        json!([
            {"name": "i1", "state": {"terminated": {"exitCode": 137, "signal": 9}}}
        ]),
        waiting_app.clone(),
    );
    assert_eq!(pod_summary(&p).1, "Init:Signal:9");

    // All init containers done: the app containers' own reason shows.
    let p = pod_with_inits(
        inits,
        json!([
            {"name": "i1", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "i2", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
        ]),
        waiting_app,
    );
    assert_eq!(pod_summary(&p).1, "PodInitializing");
}

#[test]
fn pod_sidecar_counts_as_a_container() {
    let inits = json!([{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]);
    let mut sidecar = running("proxy", true, 1);
    sidecar["started"] = json!(true);
    sidecar["lastState"] =
        json!({"terminated": {"exitCode": 1, "finishedAt": ago(Duration::minutes(3))}});
    let mut p = pod_with_inits(
        inits,
        json!([sidecar]),
        json!([running("a", true, 0), running("b", true, 0)]),
    );
    p["status"]["phase"] = json!("Running");
    p["status"]["conditions"] =
        json!([{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}]);
    assert_eq!(pod_summary(&p), summary("3/3", "Running", "1 (3m ago)"));
}

#[test]
fn pod_terminating_unknown_and_gated() {
    let mut p = pod(
        json!({"phase": "Running", "containerStatuses": [running("a", true, 0), running("b", true, 0)]}),
    );
    p["metadata"]["deletionTimestamp"] = json!(ago(Duration::seconds(5)));
    assert_eq!(pod_summary(&p).1, "Terminating");

    p["status"]["reason"] = json!("NodeLost");
    assert_eq!(pod_summary(&p).1, "Unknown");

    let mut done = pod(json!({"phase": "Succeeded", "containerStatuses": [
        {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}));
    done["metadata"]["deletionTimestamp"] = json!(ago(Duration::seconds(5)));
    assert_eq!(pod_summary(&done).1, "Completed");

    let evicted = pod(json!({"phase": "Failed", "reason": "Evicted"}));
    assert_eq!(pod_summary(&evicted), summary("0/2", "Evicted", "0"));

    let gated = pod(json!({"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}));
    assert_eq!(pod_summary(&gated).1, "SchedulingGated");
}

#[test]
fn pending_pod_wide_columns() {
    let mut p = pod(json!({"phase": "Pending", "nominatedNodeName": "node2",
        "conditions": [{"type": "gate-a", "status": "True"}, {"type": "gate-b", "status": "False"}]}));
    p["spec"].as_object_mut().unwrap().remove("nodeName");
    p["spec"]["readinessGates"] = json!([{"conditionType": "gate-a"}, {"conditionType": "gate-b"}]);
    p["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("creationTimestamp");
    let c = cells("", "v1", "Pod", &p);
    assert_eq!(c[4], "<unknown>");
    assert_eq!(
        &c[5..],
        &[
            json!("<none>"),
            json!("<none>"),
            json!("node2"),
            json!("1/2")
        ]
    );
}

// ---------------------------------------------------------------- services, endpoints

fn service(spec: Value, status: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "svc", "creationTimestamp": ago(Duration::hours(3))},
        "spec": spec, "status": status})
}

#[test]
fn service_rows() {
    assert_eq!(
        narrow_names("", "Service"),
        [
            "Name",
            "Type",
            "Cluster-IP",
            "External-IP",
            "Port(s)",
            "Age"
        ]
    );
    let s = service(
        json!({"type": "ClusterIP", "clusterIP": "10.43.0.10", "clusterIPs": ["10.43.0.10"],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        "selector": {"k8s-app": "kube-dns", "app": "dns"}}),
        json!({}),
    );
    assert_eq!(
        cells("", "v1", "Service", &s),
        vec![
            json!("svc"),
            json!("ClusterIP"),
            json!("10.43.0.10"),
            json!("<none>"),
            json!("53/UDP,53/TCP"),
            json!("3h"),
            json!("app=dns,k8s-app=kube-dns")
        ]
    );

    let s = service(
        json!({"type": "NodePort", "clusterIPs": ["10.43.1.1"], "externalIPs": ["1.2.3.4"],
        "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]}),
        json!({}),
    );
    let c = cells("", "v1", "Service", &s);
    assert_eq!(
        (&c[3], &c[4], &c[6]),
        (
            &json!("1.2.3.4"),
            &json!("80:30080/TCP,443/TCP"),
            &json!("<none>")
        )
    );

    let pending = service(
        json!({"type": "LoadBalancer", "clusterIPs": ["10.43.1.2"], "ports": []}),
        json!({}),
    );
    let c = cells("", "v1", "Service", &pending);
    assert_eq!((&c[3], &c[4]), (&json!("<pending>"), &json!("<none>")));

    let lb = service(
        json!({"type": "LoadBalancer", "clusterIPs": ["10.43.1.2"], "externalIPs": ["9.9.9.9"]}),
        json!({"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}, {"ip": "1.1.1.1"}]}}),
    );
    assert_eq!(
        cells("", "v1", "Service", &lb)[3],
        "1.1.1.1,5.6.7.8,lb.example.com,9.9.9.9"
    );

    let ext = service(
        json!({"type": "ExternalName", "externalName": "db.example.com"}),
        json!({}),
    );
    let c = cells("", "v1", "Service", &ext);
    assert_eq!((&c[2], &c[3]), (&json!("<none>"), &json!("db.example.com")));

    let headless = service(
        json!({"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"],
        "ports": [{"port": 80, "protocol": "TCP"}]}),
        json!({}),
    );
    assert_eq!(cells("", "v1", "Service", &headless)[2], "None");
}

#[test]
fn endpoints_are_truncated_after_three() {
    let ep = json!({"metadata": {"name": "web", "creationTimestamp": ago(Duration::days(3))},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}],
                     "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}]});
    assert_eq!(
        cells("", "v1", "Endpoints", &ep),
        vec![
            json!("web"),
            json!("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more..."),
            json!("3d")
        ]
    );
    let few = json!({"metadata": {"name": "x"}, "subsets": [
        {"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 8080}]},
        {"addresses": [{"ip": "10.0.0.9"}]}]});
    assert_eq!(
        cells("", "v1", "Endpoints", &few)[1],
        "[fd00::1]:8080,10.0.0.9"
    );
    let none = json!({"metadata": {"name": "x"}});
    assert_eq!(cells("", "v1", "Endpoints", &none)[1], "<none>");
}

#[test]
fn endpoint_slice_rows() {
    let eps = json!({"metadata": {"name": "web-abc", "creationTimestamp": ago(Duration::minutes(1))},
        "addressType": "IPv4", "ports": [{"name": "http", "port": 80}, {"name": "named"}, {}, {"port": 9}],
        "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2", "10.0.0.3"]}, {"addresses": ["10.0.0.4"]}]});
    assert_eq!(
        cells("discovery.k8s.io", "v1", "EndpointSlice", &eps),
        vec![
            json!("web-abc"),
            json!("IPv4"),
            json!("80,named,* + 1 more..."),
            json!("10.0.0.1,10.0.0.2,10.0.0.3 + 1 more..."),
            json!("60s")
        ]
    );
    let empty = json!({"metadata": {"name": "e"}, "addressType": "IPv6"});
    let c = cells("discovery.k8s.io", "v1", "EndpointSlice", &empty);
    assert_eq!((&c[2], &c[3]), (&json!("<unset>"), &json!("<unset>")));
}

// ---------------------------------------------------------------- nodes

#[test]
fn node_rows() {
    assert_eq!(
        narrow_names("", "Node"),
        ["Name", "Status", "Roles", "Age", "Version"]
    );
    let node = json!({"metadata": {"name": "n1", "creationTimestamp": ago(Duration::days(40)),
            "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "true",
                       "kubernetes.io/role": "etcd", "node-role.kubernetes.io/": "x"}},
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}, {"type": "Hostname", "address": "n1"}],
            "nodeInfo": {"kubeletVersion": "v1.35.0", "osImage": "Debian GNU/Linux 13", "kernelVersion": "6.12.0",
                         "containerRuntimeVersion": "rkube://0.1.0"}}});
    assert_eq!(
        cells("", "v1", "Node", &node),
        vec![
            json!("n1"),
            json!("Ready,SchedulingDisabled"),
            json!("control-plane,etcd,master"),
            json!("40d"),
            json!("v1.35.0"),
            json!("192.168.1.10"),
            json!("<none>"),
            json!("Debian GNU/Linux 13"),
            json!("6.12.0"),
            json!("rkube://0.1.0")
        ]
    );
    let not_ready = json!({"metadata": {"name": "n2"}, "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}});
    let c = cells("", "v1", "Node", &not_ready);
    assert_eq!(
        (&c[1], &c[2], &c[4], &c[7]),
        (
            &json!("NotReady"),
            &json!("<none>"),
            &json!(""),
            &json!("<unknown>")
        )
    );
    let fresh = json!({"metadata": {"name": "n3"}});
    assert_eq!(cells("", "v1", "Node", &fresh)[1], "Unknown");
}

// ---------------------------------------------------------------- events

#[test]
fn core_event_rows() {
    assert_eq!(
        narrow_names("", "Event"),
        ["Last Seen", "Type", "Reason", "Object", "Message"]
    );
    assert_eq!(
        column_names("", "v1", "Event"),
        [
            "Last Seen",
            "Type",
            "Reason",
            "Object",
            "Subobject",
            "Source",
            "Message",
            "First Seen",
            "Count",
            "Name"
        ]
    );
    let ev = json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web.1234", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{nginx}"},
        "reason": "Pulled", "message": "  Successfully pulled image \"nginx\"\n", "type": "Normal",
        "source": {"component": "kubelet", "host": "node1"},
        "firstTimestamp": ago(Duration::minutes(12)), "lastTimestamp": ago(Duration::seconds(30)), "count": 4});
    assert_eq!(
        cells("", "v1", "Event", &ev),
        vec![
            json!("30s"),
            json!("Normal"),
            json!("Pulled"),
            json!("pod/web"),
            json!("spec.containers{nginx}"),
            json!("kubelet, node1"),
            json!("Successfully pulled image \"nginx\""),
            json!("12m"),
            json!(4),
            json!("web.1234")
        ]
    );

    // A new-style event: eventTime only, no count, reporting controller as source.
    let ev = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e2"},
        "involvedObject": {"kind": "Node"}, "reason": "Starting", "type": "Normal", "message": "",
        "eventTime": "2026-01-10T11:57:59.500000Z", "reportingComponent": "x",
        "reportingController": "rkube-proxy", "reportingInstance": ""});
    let c = cells("", "v1", "Event", &ev);
    assert_eq!(
        (&c[0], &c[3], &c[5], &c[7], &c[8]),
        (
            &json!("2m"),
            &json!("node"),
            &json!("rkube-proxy"),
            &json!("2m"),
            &json!(1)
        )
    );
}

#[test]
fn events_api_event_with_series() {
    let ev = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e3"},
        "regarding": {"kind": "Deployment", "name": "web"}, "reason": "ScalingReplicaSet", "type": "Normal",
        "note": "Scaled up", "eventTime": ago(Duration::hours(2)),
        "series": {"count": 9, "lastObservedTime": ago(Duration::minutes(4))},
        "reportingController": "deployment-controller"});
    assert_eq!(
        cells("events.k8s.io", "v1", "Event", &ev),
        vec![
            json!("4m"),
            json!("Normal"),
            json!("ScalingReplicaSet"),
            json!("deployment/web"),
            json!(""),
            json!("deployment-controller"),
            json!("Scaled up"),
            json!("120m"),
            json!(9),
            json!("e3")
        ]
    );
}

// ---------------------------------------------------------------- workloads

fn template(containers: Value) -> Value {
    json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers, "nodeSelector": {"disk": "ssd"}}})
}

#[test]
fn deployment_replicaset_statefulset_daemonset_rows() {
    let selector = json!({"matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}, {"key": "canary", "operator": "DoesNotExist"}]});
    let containers =
        json!([{"name": "nginx", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]);
    let deploy = json!({"metadata": {"name": "web", "creationTimestamp": ago(Duration::hours(26))},
        "spec": {"replicas": 3, "selector": selector, "template": template(containers.clone())},
        "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
    assert_eq!(
        narrow_names("apps", "Deployment"),
        ["Name", "Ready", "Up-to-date", "Available", "Age"]
    );
    assert_eq!(
        cells("apps", "v1", "Deployment", &deploy),
        vec![
            json!("web"),
            json!("2/3"),
            json!(3),
            json!(2),
            json!("26h"),
            json!("nginx,log"),
            json!("nginx:1.27,busybox"),
            json!("app=web,!canary,tier in (be,fe)")
        ]
    );

    let rs = json!({"metadata": {"name": "web-5d8"}, "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": template(containers.clone())}, "status": {"replicas": 3, "readyReplicas": 3}});
    assert_eq!(
        narrow_names("apps", "ReplicaSet"),
        ["Name", "Desired", "Current", "Ready", "Age"]
    );
    let c = cells("apps", "v1", "ReplicaSet", &rs);
    assert_eq!(&c[1..4], &[json!(3), json!(3), json!(3)]);
    assert_eq!(c[7], "app=web");

    let sts = json!({"metadata": {"name": "db"}, "spec": {"replicas": 2, "template": template(containers.clone())},
        "status": {"readyReplicas": 1}});
    assert_eq!(
        narrow_names("apps", "StatefulSet"),
        ["Name", "Ready", "Age"]
    );
    assert_eq!(cells("apps", "v1", "StatefulSet", &sts)[1], "1/2");

    let ds = json!({"metadata": {"name": "proxy"}, "spec": {"selector": {"matchLabels": {"app": "proxy"}},
        "template": template(containers)},
        "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1,
                   "updatedNumberScheduled": 2, "numberAvailable": 1}});
    assert_eq!(
        narrow_names("apps", "DaemonSet"),
        [
            "Name",
            "Desired",
            "Current",
            "Ready",
            "Up-to-date",
            "Available",
            "Node Selector",
            "Age"
        ]
    );
    let c = cells("apps", "v1", "DaemonSet", &ds);
    assert_eq!(
        &c[1..7],
        &[
            json!(2),
            json!(2),
            json!(1),
            json!(2),
            json!(1),
            json!("disk=ssd")
        ]
    );
    assert_eq!(c[10], "app=proxy");
}

#[test]
fn controller_revision_and_replication_controller_rows() {
    let cr = json!({"metadata": {"name": "web-7c9", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true}]}, "revision": 3});
    assert_eq!(
        cells("apps", "v1", "ControllerRevision", &cr)[1..3],
        [json!("statefulset.apps/web"), json!(3)]
    );
    let orphan = json!({"metadata": {"name": "x"}, "revision": 1});
    assert_eq!(
        cells("apps", "v1", "ControllerRevision", &orphan)[1],
        "<none>"
    );

    let rc = json!({"metadata": {"name": "old"}, "spec": {"replicas": 2, "selector": {"app": "old"},
        "template": template(json!([{"name": "c", "image": "i"}]))}, "status": {"replicas": 2, "readyReplicas": 1}});
    assert_eq!(
        cells("", "v1", "ReplicationController", &rc)[1..4],
        [json!(2), json!(2), json!(1)]
    );
    assert_eq!(cells("", "v1", "ReplicationController", &rc)[7], "app=old");

    let pt = json!({"metadata": {"name": "tpl"}, "template": template(json!([{"name": "c", "image": "i"}]))});
    assert_eq!(
        cells("", "v1", "PodTemplate", &pt),
        vec![json!("tpl"), json!("c"), json!("i"), json!("app=web")]
    );
}

#[test]
fn job_rows() {
    assert_eq!(
        narrow_names("batch", "Job"),
        ["Name", "Status", "Completions", "Duration", "Age"]
    );
    let job = |spec: Value, status: Value| {
        json!({"metadata": {"name": "pi", "creationTimestamp": ago(Duration::minutes(5))},
        "spec": spec, "status": status})
    };
    let done = job(
        json!({"completions": 1, "parallelism": 1}),
        json!({"succeeded": 1,
        "startTime": ago(Duration::minutes(5)), "completionTime": ago(Duration::seconds(5)),
        "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}),
    );
    assert_eq!(
        cells("batch", "v1", "Job", &done)[1..5],
        [json!("Complete"), json!("1/1"), json!("4m55s"), json!("5m")]
    );

    let running = job(
        json!({"completions": 3, "parallelism": 1}),
        json!({"succeeded": 1, "active": 1,
        "startTime": ago(Duration::seconds(90))}),
    );
    assert_eq!(
        cells("batch", "v1", "Job", &running)[1..4],
        [json!("Running"), json!("1/3"), json!("90s")]
    );

    let failed = job(
        json!({"parallelism": 4}),
        json!({"startTime": ago(Duration::hours(1)),
        "conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}),
    );
    assert_eq!(
        cells("batch", "v1", "Job", &failed)[1..4],
        [json!("Failed"), json!("0/1 of 4"), json!("60m")]
    );

    let suspended = job(
        json!({"completions": 2, "suspend": true}),
        json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
    );
    assert_eq!(
        cells("batch", "v1", "Job", &suspended)[1..4],
        [json!("Suspended"), json!("0/2"), json!("")]
    );

    let target = job(
        json!({}),
        json!({"conditions": [{"type": "FailureTarget", "status": "True"}]}),
    );
    assert_eq!(
        cells("batch", "v1", "Job", &target)[1..3],
        [json!("FailureTarget"), json!("0/1")]
    );

    let mut deleting = job(json!({"completions": 1}), json!({}));
    deleting["metadata"]["deletionTimestamp"] = json!(ago(Duration::seconds(1)));
    assert_eq!(cells("batch", "v1", "Job", &deleting)[1], "Terminating");
}

#[test]
fn cron_job_rows() {
    assert_eq!(
        narrow_names("batch", "CronJob"),
        [
            "Name",
            "Schedule",
            "Timezone",
            "Suspend",
            "Active",
            "Last Schedule",
            "Age"
        ]
    );
    let cj = json!({"metadata": {"name": "hello", "creationTimestamp": ago(Duration::days(2))},
        "spec": {"schedule": "*/5 * * * *", "suspend": false, "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "h", "image": "busybox"}]}}}}},
        "status": {"active": [{"name": "hello-1"}], "lastScheduleTime": ago(Duration::seconds(65))}});
    assert_eq!(
        cells("batch", "v1", "CronJob", &cj),
        vec![
            json!("hello"),
            json!("*/5 * * * *"),
            json!("<none>"),
            json!("False"),
            json!(1),
            json!("65s"),
            json!("2d"),
            json!("h"),
            json!("busybox"),
            json!("<none>")
        ]
    );
    let never = json!({"metadata": {"name": "n"}, "spec": {"schedule": "@daily", "timeZone": "Etc/UTC", "suspend": true}});
    assert_eq!(
        cells("batch", "v1", "CronJob", &never)[2..6],
        [json!("Etc/UTC"), json!("True"), json!(0), json!("<none>")]
    );
}

// ---------------------------------------------------------------- config and storage

#[test]
fn config_and_namespace_rows() {
    let cm = json!({"metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
    assert_eq!(cells("", "v1", "ConfigMap", &cm)[1], 3);
    let secret = json!({"metadata": {"name": "tok"}, "type": "kubernetes.io/service-account-token", "data": {"token": "eA=="}});
    assert_eq!(
        cells("", "v1", "Secret", &secret)[1..3],
        [json!("kubernetes.io/service-account-token"), json!(1)]
    );
    let sa = json!({"metadata": {"name": "default"}});
    assert_eq!(cells("", "v1", "ServiceAccount", &sa)[1], 0);
    let ns = json!({"metadata": {"name": "kube-system", "creationTimestamp": ago(Duration::days(800))}, "status": {"phase": "Active"}});
    assert_eq!(
        cells("", "v1", "Namespace", &ns),
        vec![json!("kube-system"), json!("Active"), json!("2y70d")]
    );
    assert_eq!(narrow_names("", "Secret"), ["Name", "Type", "Data", "Age"]);
}

#[test]
fn lease_and_resource_quota_rows() {
    let lease = json!({"metadata": {"name": "node1"}, "spec": {"holderIdentity": "node1", "leaseDurationSeconds": 40}});
    assert_eq!(
        cells("coordination.k8s.io", "v1", "Lease", &lease)[1],
        "node1"
    );
    let unheld = json!({"metadata": {"name": "x"}, "spec": {}});
    assert_eq!(cells("coordination.k8s.io", "v1", "Lease", &unheld)[1], "");

    let rq = json!({"metadata": {"name": "quota"}, "status": {
        "hard": {"requests.cpu": "2", "limits.memory": "2Gi", "pods": "10", "limits.cpu": "4000m"},
        "used": {"requests.cpu": "500m", "limits.memory": "1024Mi", "pods": "3"}}});
    assert_eq!(
        cells("", "v1", "ResourceQuota", &rq)[1..3],
        [
            json!("pods: 3/10, requests.cpu: 500m/2"),
            json!("limits.cpu: 0/4, limits.memory: 1Gi/2Gi")
        ]
    );
}

#[test]
fn volume_and_claim_rows() {
    assert_eq!(
        narrow_names("", "PersistentVolume"),
        [
            "Name",
            "Capacity",
            "Access Modes",
            "Reclaim Policy",
            "Status",
            "Claim",
            "StorageClass",
            "VolumeAttributesClass",
            "Reason",
            "Age"
        ]
    );
    let pv = json!({"metadata": {"name": "pv1"}, "spec": {"capacity": {"storage": "10240Mi"},
        "accessModes": ["ReadWriteMany", "ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Retain",
        "claimRef": {"namespace": "default", "name": "data"}, "storageClassName": "local-path", "volumeMode": "Filesystem"},
        "status": {"phase": "Bound"}});
    assert_eq!(
        cells("", "v1", "PersistentVolume", &pv),
        vec![
            json!("pv1"),
            json!("10Gi"),
            json!("RWO,RWX"),
            json!("Retain"),
            json!("Bound"),
            json!("default/data"),
            json!("local-path"),
            json!("<unset>"),
            json!(""),
            json!("<unknown>"),
            json!("Filesystem")
        ]
    );

    let pending = json!({"metadata": {"name": "data", "annotations": {"volume.beta.kubernetes.io/storage-class": "fast"}},
        "spec": {"storageClassName": "slow", "resources": {"requests": {"storage": "1Gi"}}}, "status": {"phase": "Pending"}});
    assert_eq!(
        cells("", "v1", "PersistentVolumeClaim", &pending)[1..6],
        [
            json!("Pending"),
            json!(""),
            json!(""),
            json!(""),
            json!("fast")
        ]
    );
    let mut bound = json!({"metadata": {"name": "data"}, "spec": {"volumeName": "pv1", "storageClassName": "local-path",
        "volumeMode": "Filesystem"}, "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}});
    assert_eq!(
        cells("", "v1", "PersistentVolumeClaim", &bound)[1..7],
        [
            json!("Bound"),
            json!("pv1"),
            json!("1Gi"),
            json!("RWO"),
            json!("local-path"),
            json!("<unset>")
        ]
    );
    bound["metadata"]["deletionTimestamp"] = json!(ago(Duration::seconds(3)));
    assert_eq!(
        cells("", "v1", "PersistentVolumeClaim", &bound)[1],
        "Terminating"
    );
}

#[test]
fn storage_class_rows() {
    let sc = json!({"metadata": {"name": "local-path", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"});
    assert_eq!(
        cells("storage.k8s.io", "v1", "StorageClass", &sc)[..5],
        [
            json!("local-path (default)"),
            json!("rancher.io/local-path"),
            json!("Delete"),
            json!("WaitForFirstConsumer"),
            json!(false)
        ]
    );
    let plain = json!({"metadata": {"name": "slow"}, "provisioner": "p", "reclaimPolicy": "Retain", "allowVolumeExpansion": true});
    assert_eq!(
        cells("storage.k8s.io", "v1", "StorageClass", &plain)[..5],
        [
            json!("slow"),
            json!("p"),
            json!("Retain"),
            json!("Immediate"),
            json!(true)
        ]
    );
}

// ---------------------------------------------------------------- networking, rbac, policy, scaling

#[test]
fn ingress_and_network_policy_rows() {
    assert_eq!(
        narrow_names("networking.k8s.io", "Ingress"),
        ["Name", "Class", "Hosts", "Address", "Ports", "Age"]
    );
    let ing = json!({"metadata": {"name": "web"}, "spec": {"ingressClassName": "traefik",
        "rules": [{"host": "a.example.com"}, {}, {"host": "b.example.com"}, {"host": "c.example.com"}, {"host": "d.example.com"}],
        "tls": [{"hosts": ["a.example.com"]}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.10"}]}}});
    assert_eq!(
        cells("networking.k8s.io", "v1", "Ingress", &ing)[1..5],
        [
            json!("traefik"),
            json!("a.example.com,b.example.com,c.example.com + 2 more..."),
            json!("192.168.1.10"),
            json!("80, 443")
        ]
    );
    let bare = json!({"metadata": {"name": "x"}, "spec": {}});
    assert_eq!(
        cells("networking.k8s.io", "v1", "Ingress", &bare)[1..5],
        [json!("<none>"), json!("*"), json!(""), json!("80")]
    );

    let class = json!({"metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx",
        "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}}});
    assert_eq!(
        cells("networking.k8s.io", "v1", "IngressClass", &class)[1..3],
        [
            json!("k8s.io/ingress-nginx"),
            json!("IngressParameters.k8s.example.com/external-lb")
        ]
    );

    let np = json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}}});
    assert_eq!(
        cells("networking.k8s.io", "v1", "NetworkPolicy", &np)[1],
        "<none>"
    );
    let np = json!({"metadata": {"name": "db"}, "spec": {"podSelector": {"matchExpressions": [{"key": "role", "operator": "NotIn", "values": ["x"]}, {"key": "app", "operator": "Exists"}]}}});
    assert_eq!(
        cells("networking.k8s.io", "v1", "NetworkPolicy", &np)[1],
        "app,role notin (x)"
    );
}

#[test]
fn binding_rows() {
    assert_eq!(
        narrow_names("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ["Name", "Role", "Age"]
    );
    let rb = json!({"metadata": {"name": "admins"}, "roleRef": {"kind": "ClusterRole", "name": "admin", "apiGroup": "rbac.authorization.k8s.io"},
        "subjects": [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"}, {"kind": "Group", "name": "ops"},
                     {"kind": "ServiceAccount", "name": "ci", "namespace": "build"}]});
    assert_eq!(
        cells("rbac.authorization.k8s.io", "v1", "RoleBinding", &rb)[1..],
        [
            json!("ClusterRole/admin"),
            json!("<unknown>"),
            json!("alice, bob"),
            json!("ops"),
            json!("build/ci")
        ]
    );
}

#[test]
fn pdb_priority_class_rows() {
    let pdb = json!({"metadata": {"name": "web"}, "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
    assert_eq!(
        cells("policy", "v1", "PodDisruptionBudget", &pdb)[1..4],
        [json!("50%"), json!("N/A"), json!(1)]
    );
    let pdb = json!({"metadata": {"name": "db"}, "spec": {"maxUnavailable": 1}});
    assert_eq!(
        cells("policy", "v1", "PodDisruptionBudget", &pdb)[1..4],
        [json!("N/A"), json!("1"), json!(0)]
    );

    let pc = json!({"metadata": {"name": "system-node-critical"}, "value": 2000001000, "preemptionPolicy": "PreemptLowerPriority"});
    assert_eq!(
        cells("scheduling.k8s.io", "v1", "PriorityClass", &pc),
        vec![
            json!("system-node-critical"),
            json!(2000001000),
            json!(false),
            json!("<unknown>"),
            json!("PreemptLowerPriority")
        ]
    );
}

#[test]
fn hpa_rows_v1_and_v2() {
    assert_eq!(
        narrow_names("autoscaling", "HorizontalPodAutoscaler"),
        [
            "Name",
            "Reference",
            "Targets",
            "MinPods",
            "MaxPods",
            "Replicas",
            "Age"
        ]
    );
    let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
                 "targetCPUUtilizationPercentage": 80},
        "status": {"currentReplicas": 2}});
    assert_eq!(
        cells("autoscaling", "v1", "HorizontalPodAutoscaler", &v1)[1..6],
        [
            json!("Deployment/web"),
            json!("cpu: <unknown>/80%"),
            json!("1"),
            json!(5),
            json!(2)
        ]
    );

    let v2 = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "api"},
    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"}, "maxReplicas": 10, "metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "512Mi"}}},
        {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}
    ]},
    "status": {"currentReplicas": 3, "currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "450m"}}},
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "256Mi"}}}
    ]}});
    assert_eq!(
        cells("autoscaling", "v2", "HorizontalPodAutoscaler", &v2)[2..4],
        [
            json!("cpu: 45%/60%, memory: 256Mi/512Mi + 1 more..."),
            json!("<unset>")
        ]
    );
    let none = json!({"apiVersion": "autoscaling/v2", "metadata": {"name": "n"}, "spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "db"}, "maxReplicas": 2}});
    assert_eq!(
        cells("autoscaling", "v2", "HorizontalPodAutoscaler", &none)[2],
        "<none>"
    );
}

#[test]
fn misc_cluster_rows() {
    let csr = json!({"metadata": {"name": "csr-1"}, "spec": {"signerName": "kubernetes.io/kube-apiserver-client",
        "username": "system:admin", "expirationSeconds": 86400},
        "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0t"}});
    assert_eq!(
        cells(
            "certificates.k8s.io",
            "v1",
            "CertificateSigningRequest",
            &csr
        )[2..],
        [
            json!("kubernetes.io/kube-apiserver-client"),
            json!("system:admin"),
            json!("24h"),
            json!("Approved,Issued")
        ]
    );
    let api = json!({"metadata": {"name": "v1.apps"}, "status": {"conditions": [{"type": "Available", "status": "True"}]}});
    assert_eq!(
        cells("apiregistration.k8s.io", "v1", "APIService", &api)[1..3],
        [json!("Local"), json!("True")]
    );
    let api = json!({"metadata": {"name": "v1beta1.metrics.k8s.io"}, "spec": {"service": {"namespace": "kube-system", "name": "metrics-server"}},
        "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}});
    assert_eq!(
        cells("apiregistration.k8s.io", "v1", "APIService", &api)[1..3],
        [
            json!("kube-system/metrics-server"),
            json!("False (MissingEndpoints)")
        ]
    );
    let wh = json!({"metadata": {"name": "hooks"}, "webhooks": [{"name": "a"}, {"name": "b"}]});
    assert_eq!(
        cells(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingWebhookConfiguration",
            &wh
        )[1],
        2
    );
    let rc = json!({"metadata": {"name": "runc"}, "handler": "runc"});
    assert_eq!(cells("node.k8s.io", "v1", "RuntimeClass", &rc)[1], "runc");
    let ip = json!({"metadata": {"name": "10.43.0.1"}, "spec": {"parentRef": {"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"}}});
    assert_eq!(
        cells("networking.k8s.io", "v1", "IPAddress", &ip),
        vec![json!("10.43.0.1"), json!("services/default/kubernetes")]
    );
}

#[test]
fn resource_claim_states() {
    let pending = json!({"metadata": {"name": "gpu"}, "spec": {}});
    assert_eq!(
        cells("resource.k8s.io", "v1", "ResourceClaim", &pending)[1],
        "pending"
    );
    let reserved = json!({"metadata": {"name": "gpu"}, "status": {"allocation": {"devices": {}}, "reservedFor": [{"resource": "pods", "name": "p"}]}});
    assert_eq!(
        cells("resource.k8s.io", "v1", "ResourceClaim", &reserved)[1],
        "allocated,reserved"
    );
    let deleted =
        json!({"metadata": {"name": "gpu", "deletionTimestamp": ago(Duration::seconds(1))}});
    assert_eq!(
        cells("resource.k8s.io", "v1", "ResourceClaim", &deleted)[1],
        "deleted"
    );
    let scale =
        json!({"metadata": {"name": "web"}, "spec": {"replicas": 3}, "status": {"replicas": 2}});
    assert_eq!(
        cells("autoscaling", "v1", "Scale", &scale)[..3],
        [json!("web"), json!(3), json!(2)]
    );
}

#[test]
fn explicit_nulls_read_as_absent() {
    let p = pod(json!({"phase": "Running", "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}, "terminated": null, "waiting": null}},
        {"name": "b", "ready": true, "restartCount": 0, "state": {"running": {}}}
    ]}));
    let mut p = p;
    p["metadata"]["deletionTimestamp"] = Value::Null;
    assert_eq!(pod_summary(&p), summary("2/2", "Running", "0"));
    let svc = service(
        json!({"type": "ClusterIP", "clusterIPs": ["10.43.0.1"], "selector": null}),
        json!({}),
    );
    assert_eq!(cells("", "v1", "Service", &svc)[6], "<none>");
}
