use super::descriptor::{message_index, module_of, GROUP_VERSIONS};
use super::*;
use serde_json::json;

/// A protobuf message under construction, written the way Go's generated marshallers do.
#[derive(Clone, Default)]
struct Pb(Vec<u8>);

impl Pb {
    fn new() -> Self {
        Self::default()
    }

    fn raw_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn key(mut self, tag: u32, wire: u8) -> Self {
        self.raw_varint(u64::from(tag) << 3 | u64::from(wire));
        self
    }

    fn int(self, tag: u32, v: i64) -> Self {
        let mut s = self.key(tag, 0);
        s.raw_varint(v as u64);
        s
    }

    fn bool(self, tag: u32, b: bool) -> Self {
        self.int(tag, i64::from(b))
    }

    fn bytes(self, tag: u32, b: &[u8]) -> Self {
        let mut s = self.key(tag, 2);
        s.raw_varint(b.len() as u64);
        s.0.extend_from_slice(b);
        s
    }

    fn str(self, tag: u32, v: &str) -> Self {
        self.bytes(tag, v.as_bytes())
    }

    fn msg(self, tag: u32, m: Pb) -> Self {
        self.bytes(tag, &m.0)
    }

    fn double(self, tag: u32, v: f64) -> Self {
        let mut s = self.key(tag, 1);
        s.0.extend_from_slice(&v.to_bits().to_le_bytes());
        s
    }

    fn entry(self, tag: u32, k: &str, v: &str) -> Self {
        self.msg(tag, Pb::new().str(1, k).str(2, v))
    }

    fn entry_msg(self, tag: u32, k: &str, v: Pb) -> Self {
        self.msg(tag, Pb::new().str(1, k).msg(2, v))
    }
}

fn envelope(api_version: &str, kind: &str, raw: Pb) -> Vec<u8> {
    let unknown = Pb::new()
        .msg(1, Pb::new().str(1, api_version).str(2, kind))
        .msg(2, raw)
        .str(3, "")
        .str(4, "");
    [MAGIC.as_slice(), &unknown.0].concat()
}

/// `ObjectMeta` as Go writes it: every non-pointer field, zero or not.
fn go_meta(name: &str, namespace: &str) -> Pb {
    Pb::new()
        .str(1, name)
        .str(2, "")
        .str(3, namespace)
        .str(4, "")
        .str(5, "")
        .str(6, "")
        .int(7, 0)
        .msg(8, Pb::new())
}

fn quantity(s: &str) -> Pb {
    Pb::new().str(1, s)
}

fn int_or_string_int(v: i32) -> Pb {
    Pb::new().int(1, 0).int(2, i64::from(v)).str(3, "")
}

fn int_or_string_str(v: &str) -> Pb {
    Pb::new().int(1, 1).int(2, 0).str(3, v)
}

fn time(seconds: i64, nanos: i32) -> Pb {
    Pb::new().int(1, seconds).int(2, i64::from(nanos))
}

/// 2026-11-22T06:00:00Z.
const T0: i64 = 1_795_327_200;

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/protobuf/testdata")
        .join(name);
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode_protobuf(&body).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// Bodies captured from kubectl 1.35 (`kubectl create ...` against a recording listener);
// the expected JSON is what `kubectl create ... --dry-run=client -o json` prints.

#[test]
fn kubectl_configmap() {
    let got = fixture("configmap.pb");
    // Key order matters to readers of stored objects: apiVersion, kind, then Go's order.
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","creationTimestamp":null},"data":{"a":"b","c":"d"}}"#
    );
}

#[test]
fn kubectl_secret_with_binary_data() {
    assert_eq!(
        fixture("secret.pb"),
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "s1", "creationTimestamp": null},
               "data": {"bin": "AAH//mJpbg==", "k": "dg=="}})
    );
}

#[test]
fn kubectl_namespace() {
    assert_eq!(
        fixture("namespace.pb"),
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": "ns1", "creationTimestamp": null}, "spec": {}, "status": {}})
    );
}

#[test]
fn kubectl_deployments_keep_explicit_zero_replicas() {
    let template = |name: &str, ports: Option<Value>| {
        let mut container = json!({"name": "nginx", "image": "nginx:1.27", "resources": {}});
        if let Some(ports) = ports {
            container["ports"] = ports;
        }
        json!({"metadata": {"creationTimestamp": null, "labels": {"app": name}},
               "spec": {"containers": [container]}})
    };
    assert_eq!(
        fixture("deployment_default.pb"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web2", "creationTimestamp": null, "labels": {"app": "web2"}},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web2"}},
                        "template": template("web2", None), "strategy": {}},
               "status": {}})
    );
    assert_eq!(
        fixture("deployment_replicas0.pb"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "creationTimestamp": null, "labels": {"app": "web"}},
               "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                        "template": template("web", Some(json!([{"containerPort": 80}]))), "strategy": {}},
               "status": {}})
    );
}

#[test]
fn kubectl_auth_can_i() {
    assert_eq!(
        fixture("ssar.pb"),
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
               "metadata": {"creationTimestamp": null},
               "spec": {"resourceAttributes": {"namespace": "default", "verb": "create", "resource": "pods"}},
               "status": {"allowed": false}})
    );
}

#[test]
fn kubectl_service_targets_int_or_string() {
    assert_eq!(
        fixture("service.pb"),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "svc", "creationTimestamp": null, "labels": {"app": "svc"}},
               "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                        "selector": {"app": "svc"}, "type": "ClusterIP"},
               "status": {"loadBalancer": {}}})
    );
}

#[test]
fn kubectl_rbac_policy_scheduling_batch() {
    assert_eq!(
        fixture("clusterrole.pb"),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": "cr", "creationTimestamp": null},
               "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}]})
    );
    // PodDisruptionBudgetStatus' counters have no omitempty: Go writes their zeros.
    assert_eq!(
        fixture("pdb.pb"),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "pdb", "creationTimestamp": null},
               "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}},
               "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}})
    );
    assert_eq!(
        fixture("priorityclass.pb"),
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
               "metadata": {"name": "pc", "creationTimestamp": null},
               "value": 1000, "description": "hi", "preemptionPolicy": "PreemptLowerPriority"})
    );
    assert_eq!(
        fixture("job.pb"),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j1", "creationTimestamp": null},
               "spec": {"template": {"metadata": {"creationTimestamp": null},
                                     "spec": {"containers": [{"name": "j1", "image": "busybox",
                                                              "command": ["echo", "hi"], "resources": {}}],
                                              "restartPolicy": "Never"}}},
               "status": {}})
    );
    assert_eq!(
        fixture("cronjob.pb"),
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj", "creationTimestamp": null},
               "spec": {"schedule": "*/5 * * * *",
                        "jobTemplate": {"metadata": {"name": "cj", "creationTimestamp": null},
                                        "spec": {"template": {"metadata": {"creationTimestamp": null},
                                                              "spec": {"containers": [{"name": "cj", "image": "busybox", "resources": {}}],
                                                                       "restartPolicy": "OnFailure"}}}}},
               "status": {}})
    );
}

#[test]
fn kubectl_token_request_writes_nil_required_fields_as_null() {
    assert_eq!(
        fixture("tokenrequest.pb"),
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
               "metadata": {"creationTimestamp": null},
               "spec": {"audiences": null, "expirationSeconds": 3600},
               "status": {"token": "", "expirationTimestamp": null}})
    );
}

#[test]
fn delete_options_with_preconditions_and_zero_grace_period() {
    let body = Pb::new()
        .int(1, 0)
        .msg(2, Pb::new().str(1, "0c5e-uid").str(2, "42"))
        .str(4, "Foreground")
        .str(5, "All");
    let expected = |api_version: &str| {
        json!({"apiVersion": api_version, "kind": "DeleteOptions", "gracePeriodSeconds": 0,
               "preconditions": {"uid": "0c5e-uid", "resourceVersion": "42"},
               "propagationPolicy": "Foreground", "dryRun": ["All"]})
    };
    // Typed clients stamp DeleteOptions with their own group version or meta.k8s.io/v1.
    for api_version in ["v1", "apps/v1", "meta.k8s.io/v1"] {
        assert_eq!(
            decode_protobuf(&envelope(api_version, "DeleteOptions", body.clone())).unwrap(),
            expected(api_version)
        );
    }
    let orphan = Pb::new().bool(3, false);
    assert_eq!(
        decode_protobuf(&envelope("v1", "DeleteOptions", orphan)).unwrap(),
        json!({"apiVersion": "v1", "kind": "DeleteOptions", "orphanDependents": false})
    );
}

#[test]
fn eviction_binding_and_scale() {
    let eviction = Pb::new()
        .msg(1, go_meta("web-1", "shop"))
        .msg(2, Pb::new().int(1, 30));
    assert_eq!(
        decode_protobuf(&envelope("policy/v1", "Eviction", eviction)).unwrap(),
        json!({"apiVersion": "policy/v1", "kind": "Eviction",
               "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": null},
               "deleteOptions": {"gracePeriodSeconds": 30}})
    );

    let target = Pb::new()
        .str(1, "Node")
        .str(2, "")
        .str(3, "node-a")
        .str(4, "")
        .str(5, "")
        .str(6, "")
        .str(7, "");
    let binding = Pb::new().msg(1, go_meta("web-1", "shop")).msg(2, target);
    assert_eq!(
        decode_protobuf(&envelope("v1", "Binding", binding)).unwrap(),
        json!({"apiVersion": "v1", "kind": "Binding",
               "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": null},
               "target": {"kind": "Node", "name": "node-a"}})
    );

    // ScaleSpec.replicas is not a pointer: a zero is omitted, as Go's JSON does.
    for (replicas, spec) in [(5, json!({"replicas": 5})), (0, json!({}))] {
        let scale = Pb::new()
            .msg(1, go_meta("web", "shop"))
            .msg(2, Pb::new().int(1, replicas))
            .msg(3, Pb::new().int(1, 3).str(2, "app=web"));
        assert_eq!(
            decode_protobuf(&envelope("autoscaling/v1", "Scale", scale)).unwrap(),
            json!({"apiVersion": "autoscaling/v1", "kind": "Scale",
                   "metadata": {"name": "web", "namespace": "shop", "creationTimestamp": null},
                   "spec": spec, "status": {"replicas": 3, "selector": "app=web"}})
        );
    }
}

#[test]
fn pod_with_times_managed_fields_volumes_and_pointers() {
    let meta = go_meta("web-1", "shop")
        .msg(8, time(T0, 0))
        .msg(9, time(T0 + 90, 999_000_000))
        .int(10, 0)
        .entry(11, "app", "web")
        .str(14, "example.com/guard")
        .msg(
            17,
            Pb::new()
                .str(1, "kubectl-create")
                .str(2, "Update")
                .str(3, "v1")
                .msg(4, time(T0, 0))
                .str(6, "FieldsV1")
                .msg(
                    7,
                    Pb::new().bytes(1, br#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}"#),
                )
                .str(8, ""),
        );
    let container = Pb::new()
        .str(1, "app")
        .str(2, "busybox")
        .str(3, "sleep")
        .str(3, "3600")
        .msg(
            6,
            Pb::new()
                .str(1, "")
                .int(2, 0)
                .int(3, 8080)
                .str(4, "TCP")
                .str(5, ""),
        )
        .msg(
            8,
            Pb::new().entry_msg(1, "cpu", quantity("500m")).entry_msg(
                1,
                "memory",
                quantity("128Mi"),
            ),
        )
        .msg(
            9,
            Pb::new()
                .str(1, "data")
                .bool(2, false)
                .str(3, "/data")
                .str(4, ""),
        )
        .str(13, "/dev/termination-log")
        .bool(16, false)
        .bool(17, false)
        .bool(18, false);
    let volume = Pb::new()
        .str(1, "data")
        .msg(2, Pb::new().msg(2, Pb::new().str(1, "")));
    let spec = Pb::new()
        .msg(1, volume)
        .msg(2, container)
        .str(3, "Always")
        .int(4, 0)
        .str(6, "ClusterFirst")
        .bool(11, false)
        .msg(14, Pb::new().int(2, 0).bool(3, false))
        .bool(21, false)
        .int(25, -5);
    let pod = Pb::new().msg(1, meta).msg(2, spec).msg(3, Pb::new());
    assert_eq!(
        decode_protobuf(&envelope("v1", "Pod", pod)).unwrap(),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "web-1", "namespace": "shop",
                            "creationTimestamp": "2026-11-22T06:00:00Z",
                            "deletionTimestamp": "2026-11-22T06:01:30Z",
                            "deletionGracePeriodSeconds": 0,
                            "labels": {"app": "web"},
                            "finalizers": ["example.com/guard"],
                            "managedFields": [{"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
                                               "time": "2026-11-22T06:00:00Z", "fieldsType": "FieldsV1",
                                               "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}]},
               "spec": {"volumes": [{"name": "data", "emptyDir": {}}],
                        "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"],
                                        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                                        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                                        "terminationMessagePath": "/dev/termination-log"}],
                        "restartPolicy": "Always",
                        "terminationGracePeriodSeconds": 0,
                        "dnsPolicy": "ClusterFirst",
                        "automountServiceAccountToken": false,
                        "securityContext": {"runAsUser": 0, "runAsNonRoot": false},
                        "priority": -5},
               "status": {}})
    );
}

#[test]
fn deployment_rolling_update_int_or_string_and_quantities() {
    let container = Pb::new().str(1, "web").str(2, "nginx").msg(
        8,
        Pb::new()
            .entry_msg(1, "cpu", quantity("1"))
            .entry_msg(2, "memory", quantity("64Mi")),
    );
    let template = Pb::new()
        .msg(1, Pb::new().msg(8, Pb::new()).entry(11, "app", "web"))
        .msg(2, Pb::new().msg(2, container));
    let strategy = Pb::new().str(1, "RollingUpdate").msg(
        2,
        Pb::new()
            .msg(1, int_or_string_int(0))
            .msg(2, int_or_string_str("25%")),
    );
    let spec = Pb::new()
        .int(1, 3)
        .msg(2, Pb::new().entry(1, "app", "web"))
        .msg(3, template)
        .msg(4, strategy)
        .int(5, 0)
        .int(6, 0)
        .bool(7, false)
        .int(9, 600);
    let deployment = Pb::new().msg(1, go_meta("web", "shop")).msg(2, spec);
    assert_eq!(
        decode_protobuf(&envelope("apps/v1", "Deployment", deployment)).unwrap(),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "creationTimestamp": null},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": "nginx",
                                                              "resources": {"limits": {"cpu": "1"},
                                                                            "requests": {"memory": "64Mi"}}}]}},
                        "strategy": {"type": "RollingUpdate",
                                     "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
                        "revisionHistoryLimit": 0,
                        "progressDeadlineSeconds": 600}})
    );
}

#[test]
fn subject_access_review_extra_is_a_plain_array() {
    let spec = Pb::new()
        .msg(2, Pb::new().str(1, "/healthz").str(2, "get"))
        .str(3, "jane")
        .str(4, "devs")
        .entry_msg(5, "scopes", Pb::new().str(1, "read").str(1, "write"))
        .str(6, "");
    let review = Pb::new().msg(1, go_meta("", "")).msg(2, spec);
    assert_eq!(
        decode_protobuf(&envelope(
            "authorization.k8s.io/v1",
            "SubjectAccessReview",
            review
        ))
        .unwrap(),
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
               "metadata": {"creationTimestamp": null},
               "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"},
                        "user": "jane", "groups": ["devs"], "extra": {"scopes": ["read", "write"]}}})
    );
}

#[test]
fn lease_micro_time_keeps_microseconds() {
    let spec = Pb::new()
        .str(1, "node-a")
        .int(2, 40)
        .msg(3, time(T0, 0))
        .msg(4, time(T0 + 1, 123_456_789))
        .int(5, 0);
    let lease = Pb::new()
        .msg(1, go_meta("node-a", "kube-node-lease"))
        .msg(2, spec);
    assert_eq!(
        decode_protobuf(&envelope("coordination.k8s.io/v1", "Lease", lease)).unwrap(),
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
               "metadata": {"name": "node-a", "namespace": "kube-node-lease", "creationTimestamp": null},
               "spec": {"holderIdentity": "node-a", "leaseDurationSeconds": 40,
                        "acquireTime": "2026-11-22T06:00:00.000000Z",
                        "renewTime": "2026-11-22T06:00:01.123456Z",
                        "leaseTransitions": 0}})
    );
}

#[test]
fn zero_times_are_null() {
    let go_zero = Pb::new().int(1, GO_ZERO_TIME_SECONDS).int(2, 0);
    let meta = Pb::new().str(1, "cm").msg(8, go_zero);
    assert_eq!(
        decode_protobuf(&envelope("v1", "ConfigMap", Pb::new().msg(1, meta))).unwrap(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "creationTimestamp": null}})
    );
    let before_epoch = Pb::new().str(1, "cm").msg(8, time(-1, 0));
    assert_eq!(
        decode_protobuf(&envelope("v1", "ConfigMap", Pb::new().msg(1, before_epoch))).unwrap()
            ["metadata"]["creationTimestamp"],
        json!("1969-12-31T23:59:59Z")
    );
}

#[test]
fn raw_extension_holds_embedded_json_or_protobuf() {
    let revision = Pb::new()
        .msg(1, go_meta("web-7d9", "shop"))
        .msg(
            2,
            Pb::new().bytes(
                1,
                br#"{"spec":{"template":{"metadata":{"labels":{"app":"web"}}}}}"#,
            ),
        )
        .int(3, 2);
    assert_eq!(
        decode_protobuf(&envelope("apps/v1", "ControllerRevision", revision)).unwrap(),
        json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
               "metadata": {"name": "web-7d9", "namespace": "shop", "creationTimestamp": null},
               "data": {"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}},
               "revision": 2})
    );
    let inner = envelope("v1", "ConfigMap", Pb::new().msg(1, go_meta("inner", "")));
    let revision = Pb::new()
        .msg(1, go_meta("r", ""))
        .msg(2, Pb::new().bytes(1, &inner))
        .int(3, 0);
    assert_eq!(
        decode_protobuf(&envelope("apps/v1", "ControllerRevision", revision)).unwrap(),
        json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
               "metadata": {"name": "r", "creationTimestamp": null},
               "data": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "inner", "creationTimestamp": null}},
               "revision": 0})
    );
}

#[test]
fn crd_schema_special_types() {
    let string_prop = Pb::new()
        .str(5, "string")
        .double(9, 0.0)
        .double(11, 1.5)
        .int(14, 0);
    let schema = Pb::new()
        .str(5, "object")
        .entry_msg(29, "size", string_prop)
        .msg(30, Pb::new().bool(1, true))
        .msg(33, Pb::new().bool(1, false))
        .msg(24, Pb::new().msg(1, Pb::new().str(5, "integer")))
        .msg(8, Pb::new().bytes(1, br#"{"size":"1"}"#))
        .entry_msg(32, "size", Pb::new().str(2, "replicas"))
        .bool(38, true)
        .bool(39, false);
    let version = Pb::new()
        .str(1, "v1")
        .bool(2, true)
        .bool(3, true)
        .msg(4, Pb::new().msg(1, schema));
    let spec = Pb::new()
        .str(1, "example.com")
        .msg(
            3,
            Pb::new()
                .str(1, "widgets")
                .str(2, "widget")
                .str(4, "Widget")
                .str(5, "WidgetList"),
        )
        .str(4, "Namespaced")
        .msg(7, version)
        .bool(10, false);
    let crd = Pb::new()
        .msg(1, go_meta("widgets.example.com", ""))
        .msg(2, spec);
    let got = decode_protobuf(&envelope(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        crd,
    ))
    .unwrap();
    assert_eq!(
        got["spec"]["versions"][0]["schema"]["openAPIV3Schema"],
        json!({"type": "object",
               "default": {"size": "1"},
               "items": {"type": "integer"},
               "properties": {"size": {"type": "string", "maximum": 0, "minimum": 1.5, "minLength": 0}},
               "additionalProperties": true,
               "additionalItems": false,
               "dependencies": {"size": ["replicas"]},
               "x-kubernetes-preserve-unknown-fields": true})
    );
    assert_eq!(
        got["spec"]["names"],
        json!({"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"})
    );
    assert_eq!(got["spec"]["versions"][0]["served"], json!(true));
}

#[test]
fn packed_and_unpacked_repeated_integers() {
    let mut packed_values = Pb::new();
    for v in [1i64, 2, 300] {
        packed_values.raw_varint(v as u64);
    }
    for body in [
        Pb::new().str(2, "In").int(3, 1).int(3, 2).int(3, 300),
        Pb::new().str(2, "In").bytes(3, &packed_values.0),
    ] {
        let index =
            message_index("api::batch::v1", "PodFailurePolicyOnExitCodesRequirement").unwrap();
        assert_eq!(
            decode_message(index, &body.0, 0).unwrap(),
            json!({"operator": "In", "values": [1, 2, 300]})
        );
    }
}

#[test]
fn go_duration_strings() {
    let cases = [
        (0, "0s"),
        (3_600_000_000_000, "1h0m0s"),
        (90_000_000_000, "1m30s"),
        (1_500_000_000, "1.5s"),
        (500_000_000, "500ms"),
        (1_000, "1µs"),
        (2, "2ns"),
        (-1_000_000_000, "-1s"),
        (5_400_000_000_000 + 250_000_000, "1h30m0.25s"),
    ];
    for (nanos, want) in cases {
        assert_eq!(go_duration(nanos), want, "{nanos}ns");
    }
    let index = message_index(META_V1, "Duration").unwrap();
    assert_eq!(
        decode_message(index, &Pb::new().int(1, 300_000_000_000).0, 0).unwrap(),
        json!("5m0s")
    );
}

#[test]
fn content_type_detection() {
    assert!(is_protobuf("application/vnd.kubernetes.protobuf"));
    assert!(is_protobuf(
        "application/vnd.kubernetes.protobuf; charset=utf-8"
    ));
    assert!(is_protobuf("Application/VND.Kubernetes.Protobuf"));
    assert!(!is_protobuf("application/json"));
    assert!(!is_protobuf("application/vnd.kubernetes.protobuf+json"));
    assert!(!is_protobuf(""));
}

#[test]
fn malformed_bodies_are_errors() {
    assert!(matches!(
        decode_protobuf(b"{\"kind\":\"Pod\"}"),
        Err(ProtobufError::MissingMagic)
    ));
    let good = envelope("v1", "ConfigMap", Pb::new().msg(1, go_meta("cm", "")));
    assert!(matches!(
        decode_protobuf(&good[..good.len() - 9]),
        Err(ProtobufError::Malformed(_))
    ));
    assert!(matches!(
        decode_protobuf(&envelope("example.com/v1", "Widget", Pb::new())),
        Err(ProtobufError::UnknownKind { .. })
    ));
    assert!(matches!(
        decode_protobuf(&envelope("", "", Pb::new())),
        Err(ProtobufError::MissingTypeMeta)
    ));
    let gzip = Pb::new()
        .msg(1, Pb::new().str(1, "v1").str(2, "ConfigMap"))
        .bytes(2, b"..")
        .str(3, "gzip");
    assert!(matches!(
        decode_protobuf(&[MAGIC.as_slice(), &gzip.0].concat()),
        Err(ProtobufError::UnsupportedEncoding(_))
    ));
    // A string field holding a varint is a type confusion, not data to guess at.
    let confused = envelope("v1", "ConfigMap", Pb::new().msg(1, Pb::new().int(1, 5)));
    assert!(matches!(
        decode_protobuf(&confused),
        Err(ProtobufError::Malformed(_))
    ));
    let bad_json = envelope(
        "apps/v1",
        "ControllerRevision",
        Pb::new().msg(2, Pb::new().bytes(1, b"{nope")),
    );
    assert!(matches!(
        decode_protobuf(&bad_json),
        Err(ProtobufError::EmbeddedJson { .. })
    ));
}

#[test]
fn unknown_fields_are_skipped() {
    let cm = Pb::new()
        .msg(1, go_meta("cm", ""))
        .int(99, 7)
        .str(100, "future")
        .entry(2, "k", "v");
    assert_eq!(
        decode_protobuf(&envelope("v1", "ConfigMap", cm)).unwrap(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "creationTimestamp": null}, "data": {"k": "v"}})
    );
}

#[test]
fn kinds_are_found_despite_prost_recasing() {
    // prost names these `CsiDriver`, `ApiService`, `IpAddress`; kinds arrive as Kubernetes spells them.
    for (api_version, kind) in [
        ("storage.k8s.io/v1", "CSIDriver"),
        ("apiregistration.k8s.io/v1", "APIService"),
        ("networking.k8s.io/v1", "IPAddress"),
        ("v1", "Pod"),
        ("apps/v1", "StatefulSet"),
    ] {
        let index =
            find_message(api_version, kind).unwrap_or_else(|| panic!("{api_version} {kind}"));
        assert!(
            MESSAGES[index].path.ends_with(&format!("::{kind}")),
            "{}",
            MESSAGES[index].path
        );
    }
}

#[test]
fn descriptor_table_matches_the_decoder_assumptions() {
    assert_eq!(module_of("v1"), Some("api::core::v1"));
    assert_eq!(module_of("apps/v1"), Some("api::apps::v1"));
    for (_, module) in GROUP_VERSIONS {
        assert!(
            MESSAGES
                .iter()
                .any(|m| m.path.starts_with(&format!("{module}::"))),
            "{module}"
        );
    }
    let layout = |m: &descriptor::Message| -> Vec<(u32, Shape)> {
        m.fields.iter().map(|f| (f.tag, f.shape)).collect()
    };
    for m in MESSAGES {
        let expected: Option<Vec<(u32, Shape)>> = match m.special {
            Special::Time | Special::MicroTime => Some(vec![
                (1, Shape::Single(Ty::Int64)),
                (2, Shape::Single(Ty::Int32)),
            ]),
            Special::Duration => Some(vec![(1, Shape::Single(Ty::Int64))]),
            Special::Quantity => Some(vec![(1, Shape::Single(Ty::String))]),
            Special::IntOrString => Some(vec![
                (1, Shape::Single(Ty::Int64)),
                (2, Shape::Single(Ty::Int32)),
                (3, Shape::Single(Ty::String)),
            ]),
            Special::RawJson => Some(vec![(1, Shape::Single(Ty::Bytes))]),
            Special::ListWrapper => {
                assert!(
                    matches!(m.fields, [f] if f.tag == 1 && matches!(f.shape, Shape::Repeated(_))),
                    "{}",
                    m.path
                );
                None
            }
            Special::SchemaOrArray | Special::SchemaOrStringArray => {
                assert_eq!(m.fields.len(), 2, "{}", m.path);
                assert!(
                    matches!(m.fields[0].shape, Shape::Single(Ty::Message(_))),
                    "{}",
                    m.path
                );
                assert!(
                    matches!(m.fields[1].shape, Shape::Repeated(_)),
                    "{}",
                    m.path
                );
                None
            }
            Special::SchemaOrBool => {
                assert_eq!(m.fields.len(), 2, "{}", m.path);
                assert_eq!(
                    (m.fields[0].tag, m.fields[0].shape),
                    (1, Shape::Single(Ty::Bool)),
                    "{}",
                    m.path
                );
                assert!(
                    matches!(m.fields[1].shape, Shape::Single(Ty::Message(_))),
                    "{}",
                    m.path
                );
                None
            }
            Special::None => None,
        };
        if let Some(expected) = expected {
            assert_eq!(layout(m), expected, "{}", m.path);
        }
    }
    let special_count = |s: Special| MESSAGES.iter().filter(|m| m.special == s).count();
    assert_eq!(special_count(Special::Time), 1);
    assert_eq!(special_count(Special::IntOrString), 1);
    assert!(special_count(Special::ListWrapper) >= 4);
}

#[test]
fn helm_release_secrets() {
    // Captured from helm 4.1 (`helm install demo ./chart`): the release record is created,
    // then replaced once deployed, both as protobuf Secrets.
    for (name, status, time_label) in [
        ("helm_release_create.pb", "pending-install", "createdAt"),
        ("helm_release_update.pb", "deployed", "modifiedAt"),
    ] {
        let got = fixture(name);
        assert_eq!(got["type"], json!("helm.sh/release.v1"), "{name}");
        assert_eq!(
            got["metadata"],
            json!({"name": "sh.helm.release.v1.demo.v1", "creationTimestamp": null,
                   "labels": {time_label: "1795328621", "name": "demo", "owner": "helm",
                              "status": status, "version": "1"}}),
            "{name}"
        );
        let data = got["data"].as_object().unwrap();
        assert_eq!(data.keys().collect::<Vec<_>>(), ["release"]);
        let release = base64::engine::general_purpose::STANDARD
            .decode(data["release"].as_str().unwrap())
            .unwrap();
        // Helm stores base64(gzip(JSON)); gzip's magic in base64 is "H4sI".
        assert!(release.starts_with(b"H4sI"), "{name}");
    }
}

#[test]
fn decoded_fixtures_deserialize_into_k8s_openapi_types() {
    use k8s_openapi::api as k;
    fn check<T: serde::de::DeserializeOwned>(name: &str) {
        if let Err(e) = serde_json::from_value::<T>(fixture(name)) {
            panic!("{name}: {e}");
        }
    }
    check::<k::core::v1::ConfigMap>("configmap.pb");
    check::<k::core::v1::Secret>("secret.pb");
    check::<k::core::v1::Secret>("helm_release_create.pb");
    check::<k::core::v1::Namespace>("namespace.pb");
    check::<k::core::v1::Service>("service.pb");
    check::<k::apps::v1::Deployment>("deployment_default.pb");
    check::<k::apps::v1::Deployment>("deployment_replicas0.pb");
    check::<k::authorization::v1::SelfSubjectAccessReview>("ssar.pb");
    // Not TokenRequest: its status.expirationTimestamp is a required Time, which Go (and so
    // this decoder, and kubectl's own JSON) writes as null when zero, and k8s-openapi refuses.
    check::<k::rbac::v1::ClusterRole>("clusterrole.pb");
    check::<k::policy::v1::PodDisruptionBudget>("pdb.pb");
    check::<k::scheduling::v1::PriorityClass>("priorityclass.pb");
    check::<k::batch::v1::Job>("job.pb");
    check::<k::batch::v1::CronJob>("cronjob.pb");
}
