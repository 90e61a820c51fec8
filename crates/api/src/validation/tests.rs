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
