use super::*;
use crate::Registry;
use serde_json::json;

fn info(group: &str, plural: &str) -> ResourceInfo {
    let version = match group {
        "" | "apps" | "batch" => "v1",
        _ => "v1",
    };
    Registry::builtin()
        .lookup(group, version, plural)
        .unwrap()
        .clone()
}

fn msgs(errs: &[FieldError]) -> Vec<String> {
    errs.iter().map(ToString::to_string).collect()
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": spec})
}

#[test]
fn error_display_and_reasons() {
    let e = FieldError::required("spec.containers[0].image", "");
    assert_eq!(e.to_string(), "spec.containers[0].image: Required value");
    assert_eq!(e.reason(), "FieldValueRequired");
    let e = FieldError::invalid("spec.replicas", -1, "must be greater than or equal to 0");
    assert_eq!(
        e.to_string(),
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    let e = FieldError::not_supported("spec.restartPolicy", "x", &["Always", "OnFailure", "Never"]);
    assert_eq!(
        e.body(),
        "Unsupported value: \"x\": supported values: \"Always\", \"OnFailure\", \"Never\""
    );
    assert_eq!(
        FieldError::too_long("metadata.annotations", 262144).to_string(),
        "metadata.annotations: Too long: must have at most 262144 bytes"
    );
    assert_eq!(
        FieldError::duplicate("spec.containers[1].name", "c").to_string(),
        "spec.containers[1].name: Duplicate value: \"c\""
    );
    assert_eq!(
        FieldError::too_many("x", 5, 3).to_string(),
        "x: Too many: 5: must have at most 3 items"
    );
    assert_eq!(
        FieldError::forbidden("metadata.namespace", "not allowed on this type").body(),
        "Forbidden: not allowed on this type"
    );
}

#[test]
fn invalid_message_formats() {
    let one = [FieldError::required("spec.containers[0].image", "")];
    assert_eq!(
        invalid_message("Pod", "x", &one),
        "Pod \"x\" is invalid: spec.containers[0].image: Required value"
    );
    let two = [
        FieldError::required("spec.containers[0].image", ""),
        FieldError::required("spec.containers[0].image", ""),
        FieldError::required("spec.containers[0].name", ""),
    ];
    assert_eq!(
        invalid_message("Deployment.apps", "d", &two),
        "Deployment.apps \"d\" is invalid: [spec.containers[0].image: Required value, spec.containers[0].name: Required value]"
    );
    assert_eq!(invalid_message("Pod", "x", &[]), "Pod \"x\" is invalid");
    assert_eq!(
        qualified_kind(&info("apps", "deployments")),
        "Deployment.apps"
    );
    assert_eq!(qualified_kind(&info("", "pods")), "Pod");
}

#[test]
fn names_per_kind() {
    let bad = json!({"metadata": {"name": "Bad_Name", "namespace": "default"}, "data": {}});
    let errs = validate_create(&info("", "configmaps"), &bad);
    assert_eq!(msgs(&errs), ["metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]);
    let svc =
        json!({"metadata": {"name": "1svc", "namespace": "d"}, "spec": {"ports": [{"port": 80}]}});
    let errs = validate_create(&info("", "services"), &svc);
    assert!(errs[0]
        .to_string()
        .starts_with("metadata.name: Invalid value: \"1svc\": a DNS-1035 label must consist of"));
    let ns = json!({"metadata": {"name": "a.b"}});
    assert_eq!(
        msgs(&validate_create(&info("", "namespaces"), &ns)),
        ["metadata.name: Invalid value: \"a.b\": must not contain dots"]
    );
    let role = json!({"metadata": {"name": "system:Weird", "namespace": "d"}, "rules": []});
    assert!(validate_create(&info("rbac.authorization.k8s.io", "roles"), &role).is_empty());
    let role = json!({"metadata": {"name": "a/b", "namespace": "d"}});
    assert_eq!(
        msgs(&validate_create(
            &info("rbac.authorization.k8s.io", "roles"),
            &role
        )),
        ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]
    );
    let none = json!({"metadata": {"namespace": "d"}});
    assert_eq!(
        msgs(&validate_create(&info("", "configmaps"), &none)),
        ["metadata.name: Required value: name or generateName is required"]
    );
    let no_ns = json!({"metadata": {"name": "a"}});
    assert_eq!(
        msgs(&validate_create(&info("", "configmaps"), &no_ns)),
        ["metadata.namespace: Required value"]
    );
    let cluster = json!({"metadata": {"name": "n", "namespace": "d"}});
    assert_eq!(
        msgs(&validate_create(&info("", "nodes"), &cluster)),
        ["metadata.namespace: Forbidden: not allowed on this type"]
    );
}

#[test]
fn labels_and_annotations() {
    let obj = json!({"metadata": {"name": "a", "namespace": "d", "labels": {"ok": "v", "bad key": "x", "k": "bad value"},
        "annotations": {"big": "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT)}}});
    let m = msgs(&validate_create(&info("", "configmaps"), &obj));
    assert!(
        m[0].starts_with("metadata.labels: Invalid value: \"bad key\": name part must consist of"),
        "{m:?}"
    );
    assert!(
        m[1].starts_with(
            "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string"
        ),
        "{m:?}"
    );
    assert_eq!(
        m[2],
        "metadata.annotations: Too long: must have at most 262144 bytes"
    );
}

#[test]
fn pod_required_fields_and_containers() {
    let p = info("", "pods");
    assert_eq!(
        msgs(&validate_create(&p, &pod(json!({})))),
        ["spec.containers: Required value"]
    );
    let spec = json!({"containers": [{"name": "c"}, {"name": "c", "image": "x", "ports": [{"containerPort": 0}, {"containerPort": 70000, "protocol": "ICMP"}]}],
        "restartPolicy": "Sometimes"});
    assert_eq!(msgs(&validate_create(&p, &pod(spec))), [
        "spec.containers[0].image: Required value",
        "spec.containers[1].name: Duplicate value: \"c\"",
        "spec.containers[1].ports[0].containerPort: Required value",
        "spec.containers[1].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        "spec.containers[1].ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
        "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
    ]);
    let spec = json!({"containers": [{"name": "c", "image": "x", "volumeMounts": [{"name": "v", "mountPath": "/a"}]}]});
    assert_eq!(
        msgs(&validate_create(&p, &pod(spec))),
        ["spec.containers[0].volumeMounts[0].name: Not found: \"v\""]
    );
    let spec = json!({"containers": [{"name": "Bad", "image": "x"}]});
    assert!(msgs(&validate_create(&p, &pod(spec)))[0].starts_with(
        "spec.containers[0].name: Invalid value: \"Bad\": a lowercase RFC 1123 label"
    ));
}

#[test]
fn pod_updates_only_change_images() {
    let p = info("", "pods");
    let old =
        pod(json!({"containers": [{"name": "c", "image": "a", "ports": [{"containerPort": 80}]}]}));
    let mut new = old.clone();
    new["spec"]["containers"][0]["image"] = json!("b");
    assert!(validate_update(&p, &old, &new).is_empty());
    new["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(81);
    let errs = validate_update(&p, &old, &new);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs[0].to_string(),
        format!("spec: Forbidden: {}", pods::POD_UPDATE_FORBIDDEN)
    );
    let mut gated = old.clone();
    gated["spec"]["schedulingGates"] = json!([{"name": "a"}, {"name": "b"}]);
    let mut ungated = gated.clone();
    ungated["spec"]["schedulingGates"] = json!([{"name": "b"}]);
    assert!(validate_update(&p, &gated, &ungated).is_empty());
    assert_eq!(
        msgs(&validate_update(&p, &ungated, &gated)),
        ["spec.schedulingGates[0]: Forbidden: only deletion is allowed, but found new scheduling gate 'a'"]
    );
    let mut renamed = old.clone();
    renamed["metadata"]["name"] = json!("q");
    assert_eq!(
        msgs(&validate_update(&p, &old, &renamed)),
        ["metadata.name: Invalid value: \"q\": field is immutable"]
    );
}

fn deployment(sel: Value, labels: Value) -> Value {
    json!({"metadata": {"name": "d", "namespace": "default"}, "spec": {"replicas": 1, "selector": sel,
        "template": {"metadata": {"labels": labels}, "spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "x"}]}}}})
}

#[test]
fn deployment_selector_rules() {
    let d = info("apps", "deployments");
    assert!(validate_create(
        &d,
        &deployment(json!({"matchLabels": {"app": "a"}}), json!({"app": "a"}))
    )
    .is_empty());
    assert_eq!(
        msgs(&validate_create(&d, &deployment(json!({"matchLabels": {"app": "a"}}), json!({"app": "b"})))),
        ["spec.template.metadata.labels: Invalid value: {\"app\":\"b\"}: `selector` does not match template `labels`"]
    );
    let mut no_sel = deployment(json!(null), json!({"app": "a"}));
    no_sel["spec"].as_object_mut().unwrap().remove("selector");
    assert_eq!(
        msgs(&validate_create(&d, &no_sel)),
        ["spec.selector: Required value"]
    );
    assert_eq!(
        msgs(&validate_create(
            &d,
            &deployment(json!({}), json!({"app": "a"}))
        )),
        ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]
    );
    let old = deployment(
        json!({"matchLabels": {"app": "a"}}),
        json!({"app": "a", "b": "c"}),
    );
    let new = deployment(
        json!({"matchLabels": {"app": "a", "b": "c"}}),
        json!({"app": "a", "b": "c"}),
    );
    assert_eq!(
        msgs(&validate_update(&d, &old, &new)),
        ["spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"a\",\"b\":\"c\"}}: field is immutable"]
    );
    let mut bad = deployment(json!({"matchLabels": {"app": "a"}}), json!({"app": "a"}));
    bad["spec"]["replicas"] = json!(-1);
    bad["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
    assert_eq!(msgs(&validate_create(&d, &bad)), [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
    ]);
}

#[test]
fn jobs_and_cronjobs() {
    let j = info("batch", "jobs");
    let job = json!({"metadata": {"name": "j", "namespace": "d"}, "spec": {"selector": {"matchLabels": {"x": "y"}},
        "template": {"metadata": {"labels": {"x": "y"}}, "spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "i"}]}}}});
    assert_eq!(msgs(&validate_create(&j, &job)), ["spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""]);
    let cj = info("batch", "cronjobs");
    let cron = json!({"metadata": {"name": "c", "namespace": "d"}, "spec": {"schedule": "",
        "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "i"}]}}}}}});
    assert_eq!(msgs(&validate_create(&cj, &cron)), [
        "spec.schedule: Required value",
        "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
    ]);
}

#[test]
fn services() {
    let s = info("", "services");
    let svc = json!({"metadata": {"name": "s", "namespace": "d"}, "spec": {"type": "ClusterIP"}});
    assert_eq!(
        msgs(&validate_create(&s, &svc)),
        ["spec.ports: Required value"]
    );
    let svc = json!({"metadata": {"name": "s", "namespace": "d"}, "spec": {"ports": [{"port": 80}, {"port": 0, "name": "b", "nodePort": 30000}]}});
    assert_eq!(
        msgs(&validate_create(&s, &svc)),
        [
            "spec.ports[0].name: Required value",
            "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
        ]
    );
    let old = json!({"metadata": {"name": "s", "namespace": "d"}, "spec": {"clusterIP": "10.43.0.5", "clusterIPs": ["10.43.0.5"], "ports": [{"port": 80}]}});
    let mut new = old.clone();
    new["spec"]["clusterIP"] = json!("10.43.0.6");
    new["spec"]["clusterIPs"] = json!(["10.43.0.6"]);
    assert_eq!(
        msgs(&validate_update(&s, &old, &new)),
        ["spec.clusterIPs[0]: Invalid value: [\"10.43.0.6\"]: may not change once set"]
    );
}

#[test]
fn configmaps_and_secrets() {
    let c = info("", "configmaps");
    let cm = json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"bad key": "v", "ok": "v"}, "binaryData": {"ok": "dg=="}});
    let m = msgs(&validate_create(&c, &cm));
    assert_eq!(m[0], "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    assert_eq!(
        m[1],
        "binaryData[ok]: Invalid value: \"ok\": duplicate of key present in data"
    );
    let old =
        json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"a": "1"}, "immutable": true});
    let mut new = old.clone();
    new["data"]["a"] = json!("2");
    assert_eq!(
        msgs(&validate_update(&c, &old, &new)),
        ["data: Forbidden: field is immutable when `immutable` is set"]
    );
    let s = info("", "secrets");
    let tls = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}});
    assert_eq!(
        msgs(&validate_create(&s, &tls)),
        ["data[tls.key]: Required value"]
    );
    let mut changed = tls.clone();
    changed["type"] = json!("Opaque");
    assert_eq!(
        msgs(&validate_update(&s, &tls, &changed)),
        ["type: Invalid value: \"Opaque\": field is immutable"]
    );
}

#[test]
fn pvc_and_rbac() {
    let p = info("", "persistentvolumeclaims");
    let pvc = json!({"metadata": {"name": "c", "namespace": "d"}, "spec": {}});
    assert_eq!(
        msgs(&validate_create(&p, &pvc)),
        [
            "spec.accessModes: Required value: at least 1 access mode is required",
            "spec.resources[storage]: Required value"
        ]
    );
    let old = json!({"metadata": {"name": "c", "namespace": "d"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    let mut new = old.clone();
    new["spec"]["resources"]["requests"]["storage"] = json!("2Gi");
    assert!(validate_update(&p, &old, &new).is_empty());
    new["spec"]["accessModes"] = json!(["ReadWriteMany"]);
    assert_eq!(
        msgs(&validate_update(&p, &old, &new)),
        [format!("spec: Forbidden: {}", kinds::PVC_UPDATE_FORBIDDEN)]
    );
    let rb = info("rbac.authorization.k8s.io", "rolebindings");
    let b = json!({"metadata": {"name": "b", "namespace": "d"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "d"}]});
    assert!(validate_create(&rb, &b).is_empty());
    let mut b2 = b.clone();
    b2["roleRef"]["name"] = json!("other");
    assert_eq!(msgs(&validate_update(&rb, &b, &b2)), ["roleRef: Invalid value: {\"APIGroup\":\"rbac.authorization.k8s.io\",\"Kind\":\"Role\",\"Name\":\"other\"}: cannot change roleRef"]);
    let r = info("rbac.authorization.k8s.io", "roles");
    let role = json!({"metadata": {"name": "r", "namespace": "d"}, "rules": [{"apiGroups": [""], "resources": ["pods"]}]});
    assert_eq!(
        msgs(&validate_create(&r, &role)),
        ["rules[0].verbs: Required value: verbs must contain at least one value"]
    );
}

#[test]
fn status_updates() {
    let d = info("apps", "deployments");
    let old = deployment(json!({"matchLabels": {"app": "a"}}), json!({"app": "a"}));
    let mut new = old.clone();
    new["status"] = json!({"replicas": -1});
    assert_eq!(
        msgs(&validate_status_update(&d, &old, &new)),
        ["status.replicas: Invalid value: -1: must be greater than or equal to 0"]
    );
}

#[test]
fn requests_within_limits() {
    let p = info("", "pods");
    let spec = json!({"containers": [{"name": "c", "image": "x", "resources": {
        "limits": {"cpu": "1", "nvidia.com/gpu": "1"}, "requests": {"cpu": "2", "nvidia.com/gpu": "0", "memory": "-1"}}}]});
    assert_eq!(msgs(&validate_create(&p, &pod(spec))), [
        "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1",
        "spec.containers[0].resources.requests: Invalid value: \"0\": must be equal to nvidia.com/gpu limit of 1",
        "spec.containers[0].resources.requests[memory]: Invalid value: \"-1\": must be greater than or equal to 0",
    ]);
}

/// Objects as kubectl's generators and typical manifests send them must pass the
/// whole decode → default → validate pipeline without a single error.
#[test]
fn typical_objects_pass_the_pipeline() {
    let reg = Registry::builtin();
    let cases: Vec<(&str, Value)> = vec![
        (
            "apps/v1",
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"}, "creationTimestamp": null},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "nginx"}}, "strategy": {},
                "template": {"metadata": {"labels": {"app": "nginx"}, "creationTimestamp": null}, "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]}}},
            "status": {}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "busybox", "namespace": "default", "labels": {"run": "busybox"}},
            "spec": {"containers": [{"name": "busybox", "image": "busybox:1.36", "command": ["sleep", "3600"],
                "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                "livenessProbe": {"exec": {"command": ["true"]}}}],
                "volumes": [{"name": "data", "emptyDir": {}}], "restartPolicy": "Never", "dnsPolicy": "ClusterFirst"}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}], "selector": {"app": "nginx"}, "type": "NodePort"}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "default"},
            "spec": {"clusterIP": "None", "selector": {"app": "db"}}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"}, "data": {"a.txt": "x", "KEY": "v"}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"}, "data": {"password": "cGFzcw=="}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "reg", "namespace": "default"}, "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": "e30="}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}, "spec": {}, "status": {}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespace": "default"}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/pv1"}}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "default"}, "spec": {"hard": {"pods": "10", "cpu": "4"}}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "l", "namespace": "default"}, "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}}]}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc", "namespace": "default"},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "rc"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}}}),
        ),
        (
            "batch/v1",
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "namespace": "default", "uid": "1234"},
            "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}], "restartPolicy": "Never"}}, "backoffLimit": 4}}),
        ),
        (
            "batch/v1",
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello", "namespace": "default"},
            "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"metadata": {"name": "hello"}, "spec": {"template": {"spec": {"containers": [{"name": "hello", "image": "busybox"}], "restartPolicy": "OnFailure"}}}}}}),
        ),
        (
            "apps/v1",
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"serviceName": "web", "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx", "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}),
        ),
        (
            "apps/v1",
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds", "namespace": "kube-system"},
            "spec": {"selector": {"matchExpressions": [{"key": "name", "operator": "In", "values": ["ds"]}]},
                "template": {"metadata": {"labels": {"name": "ds"}}, "spec": {"hostNetwork": true, "tolerations": [{"operator": "Exists"}],
                    "containers": [{"name": "c", "image": "x:1", "ports": [{"containerPort": 8080, "name": "http"}], "resources": {"limits": {"memory": "200Mi"}, "requests": {"cpu": "100m", "memory": "200Mi"}}}]}}}}),
        ),
        (
            "rbac.authorization.k8s.io/v1",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader", "namespace": "default"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]}]}),
        ),
        (
            "rbac.authorization.k8s.io/v1",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:metrics"},
            "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]}),
        ),
        (
            "rbac.authorization.k8s.io/v1",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}, {"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"}]}),
        ),
        (
            "networking.k8s.io/v1",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ing", "namespace": "default"},
            "spec": {"rules": [{"host": "foo.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "svc", "port": {"number": 80}}}}]}}]}}),
        ),
        (
            "networking.k8s.io/v1",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "default"},
            "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}),
        ),
        (
            "networking.k8s.io/v1",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}}),
        ),
        (
            "scheduling.k8s.io/v1",
            json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000000, "globalDefault": false}),
        ),
        (
            "storage.k8s.io/v1",
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local-path"}, "provisioner": "rancher.io/local-path"}),
        ),
        (
            "policy/v1",
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb", "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}}}),
        ),
        (
            "autoscaling/v2",
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h", "namespace": "default"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx"}, "minReplicas": 1, "maxReplicas": 5}}),
        ),
        (
            "autoscaling/v1",
            json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h", "namespace": "default"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx"}, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}}),
        ),
        (
            "coordination.k8s.io/v1",
            json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "node1", "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": "node1", "leaseDurationSeconds": 40}}),
        ),
        (
            "discovery.k8s.io/v1",
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "svc-abc", "namespace": "default"},
            "addressType": "IPv4", "endpoints": [{"addresses": ["10.42.0.5"], "conditions": {"ready": true}}], "ports": [{"port": 80}]}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "p.1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"}, "reason": "Started", "message": "ok", "type": "Normal"}),
        ),
        (
            "events.k8s.io/v1",
            json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "p.2", "namespace": "default"},
            "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "kubelet", "reportingInstance": "n1", "action": "Started", "reason": "Started",
            "regarding": {"kind": "Pod", "name": "p", "namespace": "default"}, "type": "Normal"}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1", "labels": {"kubernetes.io/hostname": "node1"}},
            "spec": {"podCIDR": "10.42.0.0/24"}, "status": {"capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"}}}),
        ),
        (
            "v1",
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "kubernetes", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": 6443}]}]}),
        ),
        (
            "apps/v1",
            json!({"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": "web-1", "namespace": "default"}, "revision": 1, "data": {"spec": {}}}),
        ),
        (
            "authorization.k8s.io/v1",
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "default"}}}),
        ),
    ];
    for (api_version, body) in cases {
        let kind = body["kind"].as_str().unwrap().to_string();
        let info = reg
            .by_kind(api_version, &kind)
            .unwrap_or_else(|| panic!("{api_version} {kind}"));
        let bytes = serde_json::to_vec(&body).unwrap();
        let parsed = crate::decode::parse_body(&bytes, crate::decode::BodyFormat::Json).unwrap();
        assert!(parsed.duplicate_fields.is_empty());
        let decoded =
            crate::decode::decode(info, parsed.value).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(
            decoded.unknown_fields.is_empty(),
            "{kind}: {:?}",
            decoded.unknown_fields
        );
        let mut obj = decoded.object;
        crate::defaults::apply_defaults(info, &mut obj);
        crate::defaults::prepare_create(info, &mut obj);
        if info.is_virtual() {
            continue;
        }
        let errs = validate_create(info, &obj);
        assert!(
            errs.is_empty(),
            "{kind}: {}",
            invalid_message(&qualified_kind(info), "x", &errs)
        );
        // Decoding the defaulted object again changes nothing: defaults survive the
        // typed round-trip and are stable.
        let again = crate::decode::decode(info, obj.clone()).unwrap();
        assert!(
            again.unknown_fields.is_empty(),
            "{kind} defaults invented {:?}",
            again.unknown_fields
        );
        let mut once = again.object;
        crate::defaults::apply_defaults(info, &mut once);
        let mut twice = crate::decode::decode(info, once.clone()).unwrap().object;
        crate::defaults::apply_defaults(info, &mut twice);
        assert_eq!(once, twice, "{kind}");
        assert!(
            validate_update(info, &obj, &obj).is_empty(),
            "{kind}: no-op update"
        );
    }
}

#[test]
fn probes_host_ports_and_new_events() {
    let p = info("", "pods");
    let spec = json!({"hostNetwork": true, "containers": [{"name": "c", "image": "x",
        "ports": [{"containerPort": 80, "hostPort": 81}],
        "livenessProbe": {"periodSeconds": 5},
        "readinessProbe": {"exec": {"command": ["true"]}, "httpGet": {"port": 80}}}]});
    assert_eq!(msgs(&validate_create(&p, &pod(spec))), [
        "spec.containers[0].livenessProbe: Required value: must specify a handler type",
        "spec.containers[0].readinessProbe.httpGet: Forbidden: may not specify more than 1 handler type",
        "spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true",
    ]);
    let ev = Registry::builtin()
        .lookup("events.k8s.io", "v1", "events")
        .unwrap()
        .clone();
    let e = json!({"metadata": {"name": "e", "namespace": "d"}, "type": "Odd", "reason": "R"});
    assert_eq!(msgs(&validate_create(&ev, &e)), [
        "eventTime: Required value",
        "type: Invalid value: \"\": has invalid value: Odd",
        "reportingController: Required value",
        "reportingController: Invalid value: \"\": name part must be non-empty",
        "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "reportingInstance: Required value",
        "action: Required value",
    ]);
}
