//! Kubernetes' defaulting (`SetDefaults_*` of `pkg/apis/*/v1/defaults.go`), plus
//! the few values kube-apiserver's create strategies and built-in admission fill in
//! without looking anything up (pod `status.phase`/`qosClass`, `priority` for no or a
//! system priority class, the `default` service account name, namespace
//! `spec.finalizers`, claim phases). Pure: allocations (cluster IPs, node ports),
//! uids, timestamps, generations and lookups of other objects are the server's.
//! [`prepare_create`] adds what needs the new object's uid (a Job's generated
//! selector); [`strategy`] holds the per-kind create/update/status-update rules.

pub mod strategy;

use crate::registry::ResourceInfo;
use serde_json::{json, Map, Value};

/// Applies every default Kubernetes applies to an object of `info`'s kind.
pub fn apply_defaults(info: &ResourceInfo, obj: &mut Value) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    match (info.group, info.version, info.kind) {
        ("", _, "Pod") => default_pod(root),
        ("", _, "PodTemplate") => {
            if let Some(t) = root.get_mut("template") {
                default_template(t);
            }
        }
        ("", _, "ReplicationController") => default_rc(root),
        ("", _, "Service") => default_service(root),
        ("", _, "Namespace") => default_namespace(root),
        ("", _, "Secret") => set_str(root, "type", "Opaque"),
        ("", _, "PersistentVolumeClaim") => default_pvc(root),
        ("", _, "PersistentVolume") => {
            let spec = child(root, "spec");
            set_str(spec, "persistentVolumeReclaimPolicy", "Retain");
            set_str(spec, "volumeMode", "Filesystem");
            set_str(child(root, "status"), "phase", "Pending");
        }
        ("", _, "Node") => default_node(root),
        ("", _, "Endpoints") => {
            for subset in array_mut(root, "subsets") {
                if let Some(s) = subset.as_object_mut() {
                    default_protocols(s, "ports");
                }
            }
        }
        ("", _, "LimitRange") => default_limit_range(root),
        ("apps", _, "Deployment") => default_deployment(root),
        ("apps", _, "ReplicaSet") => {
            let spec = child(root, "spec");
            set(spec, "replicas", json!(1));
            template_in(spec);
            ensure(root, "status");
        }
        ("apps", _, "StatefulSet") => default_statefulset(root),
        ("apps", _, "DaemonSet") => default_daemonset(root),
        ("batch", _, "Job") => default_job(root),
        ("batch", _, "CronJob") => default_cronjob(root),
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => {
            set(child(root, "spec"), "minReplicas", json!(1));
            ensure(root, "status");
        }
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => default_hpa_v2(root),
        ("networking.k8s.io", _, "NetworkPolicy") => default_network_policy(root),
        ("networking.k8s.io", _, "IngressClass") => {
            if let Some(p) = root
                .get_mut("spec")
                .and_then(|s| s.get_mut("parameters"))
                .and_then(Value::as_object_mut)
            {
                set_str(p, "scope", "Cluster");
            }
        }
        ("networking.k8s.io", _, "Ingress") => ensure(root, "status"),
        ("storage.k8s.io", _, "StorageClass") => {
            set_str(root, "reclaimPolicy", "Delete");
            set_str(root, "volumeBindingMode", "Immediate");
        }
        ("scheduling.k8s.io", _, "PriorityClass") => {
            set_str(root, "preemptionPolicy", "PreemptLowerPriority")
        }
        ("discovery.k8s.io", _, "EndpointSlice") => {
            for p in array_mut(root, "ports") {
                if let Some(p) = p.as_object_mut() {
                    set_str(p, "protocol", "TCP");
                    set(p, "name", json!(""));
                }
            }
        }
        ("rbac.authorization.k8s.io", _, "RoleBinding" | "ClusterRoleBinding") => {
            set_str(
                child(root, "roleRef"),
                "apiGroup",
                "rbac.authorization.k8s.io",
            );
            for s in array_mut(root, "subjects") {
                if let Some(s) = s.as_object_mut() {
                    let kind = s.get("kind").and_then(Value::as_str).unwrap_or_default();
                    if kind == "User" || kind == "Group" {
                        set_str(s, "apiGroup", "rbac.authorization.k8s.io");
                    }
                }
            }
        }
        ("policy", _, "PodDisruptionBudget") => ensure(root, "status"),
        _ => {}
    }
}

/// The part of Kubernetes' create strategies that needs the identity the server has
/// just assigned (`metadata.name` and `metadata.uid`): a Job without
/// `manualSelector: true` gets its selector generated from its uid and the matching
/// labels on its template (`batch.kubernetes.io/controller-uid`,
/// `batch.kubernetes.io/job-name` and their legacy forms). Kubernetes applies
/// defaults again when it reads the object back, so this re-applies
/// [`apply_defaults`] (which then copies the template labels to the Job). Call it
/// after setting uid and name and before validation.
pub fn prepare_create(info: &ResourceInfo, obj: &mut Value) {
    if (info.group, info.kind) == ("batch", "Job") {
        generate_job_selector(obj);
    }
    apply_defaults(info, obj);
}

fn generate_job_selector(obj: &mut Value) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root.get("metadata");
    let uid = meta
        .and_then(|m| m.get("uid"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let spec = child(root, "spec");
    if spec.get("manualSelector").and_then(Value::as_bool) == Some(true) || uid.is_empty() {
        return;
    }
    let template = child(spec, "template");
    let labels = child(child(template, "metadata"), "labels");
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", &uid),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("job-name", &name),
    ] {
        labels.entry(k).or_insert_with(|| Value::String(v.clone()));
    }
    if spec.get("selector").is_none_or(Value::is_null) {
        spec.insert(
            "selector".into(),
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
        );
    }
}

/// Sets `key` when it is absent or `null`.
fn set(obj: &mut Map<String, Value>, key: &str, v: Value) {
    if obj.get(key).is_none_or(Value::is_null) {
        obj.insert(key.to_string(), v);
    }
}

/// Sets a string `key` when absent, `null` or empty (Go's zero value).
fn set_str(obj: &mut Map<String, Value>, key: &str, v: &str) {
    if obj
        .get(key)
        .is_none_or(|x| x.is_null() || x.as_str() == Some(""))
    {
        obj.insert(key.to_string(), Value::String(v.to_string()));
    }
}

/// Makes `key` an (empty if new) object.
fn ensure(obj: &mut Map<String, Value>, key: &str) {
    if !obj.get(key).is_some_and(Value::is_object) {
        obj.insert(key.to_string(), json!({}));
    }
}

/// The object at `key`, created empty if absent.
fn child<'a>(obj: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    ensure(obj, key);
    obj.get_mut(key)
        .and_then(Value::as_object_mut)
        .expect("just ensured")
}

fn array_mut<'a>(
    obj: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Value> {
    obj.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn default_protocols(obj: &mut Map<String, Value>, key: &str) {
    for p in array_mut(obj, key) {
        if let Some(p) = p.as_object_mut() {
            set_str(p, "protocol", "TCP");
        }
    }
}

/// `Always` for `:latest` or an untagged image without digest, else `IfNotPresent`.
pub fn default_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    // A tag follows the last ':' after the last '/' (a registry port comes before it).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

fn default_probe(c: &mut Map<String, Value>, key: &str) {
    let Some(p) = c.get_mut(key).and_then(Value::as_object_mut) else {
        return;
    };
    set(p, "timeoutSeconds", json!(1));
    set(p, "periodSeconds", json!(10));
    set(p, "successThreshold", json!(1));
    set(p, "failureThreshold", json!(3));
    if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
        set_str(h, "path", "/");
        set_str(h, "scheme", "HTTP");
    }
    if let Some(g) = p.get_mut("grpc").and_then(Value::as_object_mut) {
        set(g, "service", json!(""));
    }
}

fn default_handler(c: &mut Map<String, Value>) {
    let Some(l) = c.get_mut("lifecycle").and_then(Value::as_object_mut) else {
        return;
    };
    for hook in ["postStart", "preStop"] {
        if let Some(h) = l
            .get_mut(hook)
            .and_then(|h| h.get_mut("httpGet"))
            .and_then(Value::as_object_mut)
        {
            set_str(h, "path", "/");
            set_str(h, "scheme", "HTTP");
        }
    }
}

fn default_container(c: &mut Value, host_network: bool) {
    let Some(c) = c.as_object_mut() else { return };
    let image = c
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    set_str(c, "imagePullPolicy", default_pull_policy(&image));
    set_str(c, "terminationMessagePath", "/dev/termination-log");
    set_str(c, "terminationMessagePolicy", "File");
    ensure(c, "resources");
    for p in array_mut(c, "ports") {
        if let Some(p) = p.as_object_mut() {
            set_str(p, "protocol", "TCP");
            if host_network {
                if let Some(cp) = p.get("containerPort").cloned() {
                    if p.get("hostPort")
                        .is_none_or(|h| h.is_null() || h.as_i64() == Some(0))
                    {
                        p.insert("hostPort".into(), cp);
                    }
                }
            }
        }
    }
    for e in array_mut(c, "env") {
        if let Some(fr) = e
            .pointer_mut("/valueFrom/fieldRef")
            .and_then(Value::as_object_mut)
        {
            set_str(fr, "apiVersion", "v1");
        }
        if let Some(rr) = e
            .pointer_mut("/valueFrom/resourceFieldRef")
            .and_then(Value::as_object_mut)
        {
            set(rr, "divisor", json!("0"));
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        default_probe(c, probe);
    }
    default_handler(c);
}

fn default_volume(v: &mut Value) {
    let Some(v) = v.as_object_mut() else { return };
    if v.keys().all(|k| k == "name") {
        v.insert("emptyDir".into(), json!({}));
    }
    for key in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(src) = v.get_mut(key).and_then(Value::as_object_mut) {
            set(src, "defaultMode", json!(420));
        }
    }
    if let Some(items) = v
        .get_mut("downwardAPI")
        .and_then(|d| d.get_mut("items"))
        .and_then(Value::as_array_mut)
    {
        for item in items {
            if let Some(fr) = item.get_mut("fieldRef").and_then(Value::as_object_mut) {
                set_str(fr, "apiVersion", "v1");
            }
        }
    }
    if let Some(h) = v.get_mut("hostPath").and_then(Value::as_object_mut) {
        set(h, "type", json!(""));
    }
    if let Some(e) = v.get_mut("iscsi").and_then(Value::as_object_mut) {
        set_str(e, "iscsiInterface", "default");
    }
}

/// `SetDefaults_PodSpec` (used for pods and every pod template).
fn default_pod_spec(spec: &mut Map<String, Value>) {
    set_str(spec, "dnsPolicy", "ClusterFirst");
    set_str(spec, "restartPolicy", "Always");
    set(spec, "terminationGracePeriodSeconds", json!(30));
    set_str(spec, "schedulerName", "default-scheduler");
    ensure(spec, "securityContext");
    let host_network = spec.get("hostNetwork").and_then(Value::as_bool) == Some(true);
    for key in ["initContainers", "containers", "ephemeralContainers"] {
        for c in array_mut(spec, key) {
            default_container(c, host_network && key != "ephemeralContainers");
        }
    }
    for v in array_mut(spec, "volumes") {
        default_volume(v);
    }
}

/// A pod template: `SetDefaults_PodSpec` on its spec.
fn default_template(t: &mut Value) {
    let Some(t) = t.as_object_mut() else { return };
    default_pod_spec(child(t, "spec"));
}

fn template_in(spec: &mut Map<String, Value>) {
    if let Some(t) = spec.get_mut("template") {
        default_template(t);
    }
}

/// Copies limits into missing requests for every container (`SetDefaults_Pod`).
fn requests_from_limits(spec: &mut Map<String, Value>) {
    for key in ["initContainers", "containers"] {
        for c in array_mut(spec, key) {
            let Some(res) = c.get_mut("resources").and_then(Value::as_object_mut) else {
                continue;
            };
            let Some(limits) = res.get("limits").and_then(Value::as_object).cloned() else {
                continue;
            };
            let requests = child(res, "requests");
            for (k, v) in limits {
                requests.entry(k).or_insert(v);
            }
        }
    }
}

/// Kubernetes' QoS class from the containers' requests and limits.
fn qos_class(spec: &Map<String, Value>) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    let containers = ["initContainers", "containers"]
        .iter()
        .flat_map(|k| spec.get(*k).and_then(Value::as_array).into_iter().flatten());
    for c in containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        let relevant = |m: Option<&Map<String, Value>>| {
            m.map(|m| {
                m.iter()
                    .filter(|(k, _)| *k == "cpu" || *k == "memory")
                    .count()
            })
            .unwrap_or(0)
        };
        if relevant(req) > 0 || relevant(lim) > 0 {
            any = true;
        }
        for r in ["cpu", "memory"] {
            let l = lim.and_then(|m| m.get(r));
            let q = req.and_then(|m| m.get(r));
            if l.is_none() || (q.is_some() && q != l) {
                guaranteed = false;
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn default_pod(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    default_pod_spec(spec);
    set(spec, "enableServiceLinks", json!(true));
    requests_from_limits(spec);
    // The ServiceAccount admission plugin names the default account; the deprecated
    // `serviceAccount` field mirrors it.
    let legacy = spec
        .get("serviceAccount")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !legacy.is_empty() {
        set_str(spec, "serviceAccountName", &legacy);
    }
    set_str(spec, "serviceAccountName", "default");
    let sa = spec["serviceAccountName"].clone();
    spec.insert("serviceAccount".into(), sa);
    // The Priority admission plugin, for the cases that need no lookup.
    let class = spec
        .get("priorityClassName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let priority = match class {
        "" => Some(0),
        "system-node-critical" => Some(2_000_001_000),
        "system-cluster-critical" => Some(2_000_000_000),
        _ => None,
    };
    if let Some(p) = priority {
        set(spec, "priority", json!(p));
        set_str(spec, "preemptionPolicy", "PreemptLowerPriority");
    }
    let qos = qos_class(spec);
    let status = child(root, "status");
    set_str(status, "phase", "Pending");
    set_str(status, "qosClass", qos);
}

/// Template labels become the selector and the object's labels when those are
/// empty (`SetDefaults_ReplicationController`).
fn default_rc(root: &mut Map<String, Value>) {
    let labels = root
        .get("spec")
        .and_then(|s| s.pointer("/template/metadata/labels"))
        .and_then(Value::as_object)
        .filter(|l| !l.is_empty())
        .cloned();
    if let Some(labels) = labels {
        let spec = child(root, "spec");
        if spec
            .get("selector")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
        {
            spec.insert("selector".into(), Value::Object(labels.clone()));
        }
        let meta = child(root, "metadata");
        if meta
            .get("labels")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
        {
            meta.insert("labels".into(), Value::Object(labels));
        }
    }
    let spec = child(root, "spec");
    set(spec, "replicas", json!(1));
    template_in(spec);
    ensure(root, "status");
}

fn default_deployment(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    set(spec, "replicas", json!(1));
    let strategy = child(spec, "strategy");
    set_str(strategy, "type", "RollingUpdate");
    if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
        let ru = child(strategy, "rollingUpdate");
        set(ru, "maxUnavailable", json!("25%"));
        set(ru, "maxSurge", json!("25%"));
    }
    set(spec, "revisionHistoryLimit", json!(10));
    set(spec, "progressDeadlineSeconds", json!(600));
    template_in(spec);
    ensure(root, "status");
}

fn default_pvc_body(pvc: &mut Map<String, Value>) {
    set_str(child(pvc, "spec"), "volumeMode", "Filesystem");
    set_str(child(pvc, "status"), "phase", "Pending");
}

fn default_pvc(root: &mut Map<String, Value>) {
    default_pvc_body(root);
}

fn default_statefulset(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    set_str(spec, "podManagementPolicy", "OrderedReady");
    let us = child(spec, "updateStrategy");
    set_str(us, "type", "RollingUpdate");
    if us.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
        set(child(us, "rollingUpdate"), "partition", json!(0));
    }
    let policy = child(spec, "persistentVolumeClaimRetentionPolicy");
    set_str(policy, "whenDeleted", "Retain");
    set_str(policy, "whenScaled", "Retain");
    set(spec, "replicas", json!(1));
    set(spec, "revisionHistoryLimit", json!(10));
    for t in array_mut(spec, "volumeClaimTemplates") {
        if let Some(t) = t.as_object_mut() {
            default_pvc_body(t);
        }
    }
    template_in(spec);
    ensure(root, "status");
}

fn default_daemonset(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    let us = child(spec, "updateStrategy");
    set_str(us, "type", "RollingUpdate");
    if us.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
        let ru = child(us, "rollingUpdate");
        set(ru, "maxUnavailable", json!(1));
        set(ru, "maxSurge", json!(0));
    }
    set(spec, "revisionHistoryLimit", json!(10));
    template_in(spec);
    ensure(root, "status");
}

fn default_job(root: &mut Map<String, Value>) {
    // Template labels become the Job's labels when it has none (`SetDefaults_Job`).
    let labels = root
        .get("spec")
        .and_then(|s| s.pointer("/template/metadata/labels"))
        .and_then(Value::as_object)
        .filter(|l| !l.is_empty())
        .cloned();
    if let Some(labels) = labels {
        let meta = child(root, "metadata");
        if meta
            .get("labels")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
        {
            meta.insert("labels".into(), Value::Object(labels));
        }
    }
    let spec = child(root, "spec");
    set_str(spec, "completionMode", "NonIndexed");
    let unset = |k: &str, s: &Map<String, Value>| s.get(k).is_none_or(Value::is_null);
    if unset("completions", spec) && unset("parallelism", spec) {
        spec.insert("completions".into(), json!(1));
        spec.insert("parallelism".into(), json!(1));
    }
    set(spec, "parallelism", json!(1));
    let indexed_per_index = spec.get("completionMode").and_then(Value::as_str) == Some("Indexed")
        && !unset("backoffLimitPerIndex", spec);
    set(
        spec,
        "backoffLimit",
        json!(if indexed_per_index {
            i64::from(i32::MAX)
        } else {
            6
        }),
    );
    set(spec, "suspend", json!(false));
    let has_failure_policy = !unset("podFailurePolicy", spec);
    set_str(
        spec,
        "podReplacementPolicy",
        if has_failure_policy {
            "Failed"
        } else {
            "TerminatingOrFailed"
        },
    );
    if let Some(rules) = spec
        .get_mut("podFailurePolicy")
        .and_then(|p| p.get_mut("rules"))
        .and_then(Value::as_array_mut)
    {
        for r in rules {
            if let Some(conds) = r.get_mut("onPodConditions").and_then(Value::as_array_mut) {
                for c in conds {
                    if let Some(c) = c.as_object_mut() {
                        set_str(c, "status", "True");
                    }
                }
            }
        }
    }
    template_in(spec);
    ensure(root, "status");
}

fn default_cronjob(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    set_str(spec, "concurrencyPolicy", "Allow");
    set(spec, "suspend", json!(false));
    set(spec, "successfulJobsHistoryLimit", json!(3));
    set(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(t) = spec
        .get_mut("jobTemplate")
        .and_then(|j| j.get_mut("spec"))
        .and_then(Value::as_object_mut)
    {
        template_in(t);
    }
    ensure(root, "status");
}

fn default_service(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    set_str(spec, "type", "ClusterIP");
    set_str(spec, "sessionAffinity", "None");
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if spec.get("sessionAffinity").and_then(Value::as_str) == Some("ClientIP") {
        let cfg = child(child(spec, "sessionAffinityConfig"), "clientIP");
        set(cfg, "timeoutSeconds", json!(10800));
    }
    for p in array_mut(spec, "ports") {
        let Some(p) = p.as_object_mut() else { continue };
        set_str(p, "protocol", "TCP");
        let unset = match p.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if unset {
            if let Some(port) = p.get("port").cloned() {
                p.insert("targetPort".into(), port);
            }
        }
    }
    if ty == "NodePort" || ty == "LoadBalancer" {
        set_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if ty != "ExternalName" {
        set_str(spec, "internalTrafficPolicy", "Cluster");
        set_str(spec, "ipFamilyPolicy", "SingleStack");
        if spec
            .get("ipFamilies")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            spec.insert("ipFamilies".into(), json!(["IPv4"]));
        }
    }
    if ty == "LoadBalancer" {
        set(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    let status = child(root, "status");
    ensure(status, "loadBalancer");
}

fn default_namespace(root: &mut Map<String, Value>) {
    let name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        let labels = child(child(root, "metadata"), "labels");
        labels.insert("kubernetes.io/metadata.name".into(), Value::String(name));
    }
    let spec = child(root, "spec");
    if spec
        .get("finalizers")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        spec.insert("finalizers".into(), json!(["kubernetes"]));
    }
    set_str(child(root, "status"), "phase", "Active");
}

fn default_node(root: &mut Map<String, Value>) {
    let status = child(root, "status");
    if status.get("allocatable").is_none_or(Value::is_null) {
        if let Some(cap) = status.get("capacity").cloned() {
            status.insert("allocatable".into(), cap);
        }
    }
}

fn default_limit_range(root: &mut Map<String, Value>) {
    let Some(items) = root
        .get_mut("spec")
        .and_then(|s| s.get_mut("limits"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for item in items {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        if item.get("type").and_then(Value::as_str) != Some("Container") {
            continue;
        }
        let max = item
            .get("max")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let min = item
            .get("min")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let default = child(item, "default");
        for (k, v) in max {
            default.entry(k).or_insert(v);
        }
        let default = default.clone();
        let request = child(item, "defaultRequest");
        for (k, v) in default.into_iter().chain(min) {
            request.entry(k).or_insert(v);
        }
    }
}

fn default_hpa_v2(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    set(spec, "minReplicas", json!(1));
    if spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        );
    }
    if let Some(b) = spec.get_mut("behavior").and_then(Value::as_object_mut) {
        let up = child(b, "scaleUp");
        set(up, "stabilizationWindowSeconds", json!(0));
        set_str(up, "selectPolicy", "Max");
        set(
            up,
            "policies",
            json!([{"type": "Pods", "value": 4, "periodSeconds": 15},
                   {"type": "Percent", "value": 100, "periodSeconds": 15}]),
        );
        let down = child(b, "scaleDown");
        set(down, "stabilizationWindowSeconds", json!(300));
        set_str(down, "selectPolicy", "Max");
        set(
            down,
            "policies",
            json!([{"type": "Percent", "value": 100, "periodSeconds": 15}]),
        );
    }
    ensure(root, "status");
}

fn default_network_policy(root: &mut Map<String, Value>) {
    let spec = child(root, "spec");
    for dir in ["ingress", "egress"] {
        for rule in array_mut(spec, dir) {
            if let Some(r) = rule.as_object_mut() {
                default_protocols(r, "ports");
            }
        }
    }
    if spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        let mut types = vec![json!("Ingress")];
        if spec
            .get("egress")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty())
        {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".into(), Value::Array(types));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;

    fn defaulted(group: &str, version: &str, plural: &str, mut obj: Value) -> Value {
        let reg = Registry::builtin();
        apply_defaults(reg.lookup(group, version, plural).unwrap(), &mut obj);
        obj
    }

    #[test]
    fn job_selector_generation() {
        let reg = Registry::builtin();
        let jobs = reg.lookup("batch", "v1", "jobs").unwrap();
        let mut j = json!({"metadata": {"name": "pi", "uid": "u1"}, "spec": {"template": {"spec": {"containers": []}}}});
        apply_defaults(jobs, &mut j);
        prepare_create(jobs, &mut j);
        assert_eq!(
            j["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}})
        );
        let labels = &j["spec"]["template"]["metadata"]["labels"];
        assert_eq!(labels["job-name"], "pi");
        assert_eq!(labels["batch.kubernetes.io/controller-uid"], "u1");
        assert_eq!(&j["metadata"]["labels"], labels);
        assert!(crate::validation::validate_create(jobs, &{
            let mut j = j.clone();
            j["metadata"]["namespace"] = json!("d");
            j["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
            j["spec"]["template"]["spec"]["containers"] = json!([{"name": "c", "image": "x"}]);
            j
        })
        .is_empty());
        let mut manual =
            json!({"metadata": {"name": "m", "uid": "u2"}, "spec": {"manualSelector": true}});
        prepare_create(jobs, &mut manual);
        assert!(manual["spec"].get("selector").is_none());
    }

    #[test]
    fn pull_policy_by_tag() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.25"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/busybox"), "Always");
        assert_eq!(
            default_pull_policy("localhost:5000/busybox:1"),
            "IfNotPresent"
        );
        assert_eq!(default_pull_policy("busybox@sha256:abc"), "IfNotPresent");
    }

    #[test]
    fn pods() {
        let pod = defaulted(
            "",
            "v1",
            "pods",
            json!({"metadata": {"name": "p"}, "spec": {
            "containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}],
                "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                "livenessProbe": {"httpGet": {"port": 80}}}],
            "volumes": [{"name": "v"}, {"name": "s", "secret": {"secretName": "x"}}]}}),
        );
        let spec = &pod["spec"];
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["terminationGracePeriodSeconds"], 30);
        assert_eq!(spec["schedulerName"], "default-scheduler");
        assert_eq!(spec["securityContext"], json!({}));
        assert_eq!(spec["enableServiceLinks"], true);
        assert_eq!(spec["priority"], 0);
        assert_eq!(spec["preemptionPolicy"], "PreemptLowerPriority");
        assert_eq!(spec["serviceAccountName"], "default");
        assert_eq!(spec["serviceAccount"], "default");
        let c = &spec["containers"][0];
        assert_eq!(c["imagePullPolicy"], "Always");
        assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(c["terminationMessagePolicy"], "File");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(
            c["resources"]["requests"],
            json!({"cpu": "1", "memory": "1Gi"})
        );
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/");
        assert_eq!(c["livenessProbe"]["periodSeconds"], 10);
        assert_eq!(spec["volumes"][0]["emptyDir"], json!({}));
        assert_eq!(spec["volumes"][1]["secret"]["defaultMode"], 420);
        assert_eq!(
            pod["status"],
            json!({"phase": "Pending", "qosClass": "Guaranteed"})
        );
        assert!(spec.get("tolerations").is_none());
        let host = defaulted(
            "",
            "v1",
            "pods",
            json!({"spec": {"hostNetwork": true, "restartPolicy": "Never",
            "containers": [{"name": "c", "image": "x:1", "ports": [{"containerPort": 53}]}]}}),
        );
        assert_eq!(host["spec"]["containers"][0]["ports"][0]["hostPort"], 53);
        assert_eq!(host["spec"]["restartPolicy"], "Never");
        assert_eq!(host["status"]["qosClass"], "BestEffort");
    }

    #[test]
    fn deployments_and_templates() {
        let d = defaulted(
            "apps",
            "v1",
            "deployments",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}),
        );
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        let t = &d["spec"]["template"]["spec"];
        assert_eq!(t["restartPolicy"], "Always");
        assert_eq!(t["containers"][0]["imagePullPolicy"], "IfNotPresent");
        assert!(
            t.get("enableServiceLinks").is_none(),
            "only pods get enableServiceLinks"
        );
        let r = defaulted(
            "apps",
            "v1",
            "deployments",
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
        );
        assert!(r["spec"]["strategy"].get("rollingUpdate").is_none());
    }

    #[test]
    fn statefulsets_daemonsets() {
        let s = defaulted(
            "apps",
            "v1",
            "statefulsets",
            json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}, "spec": {}}]}}),
        );
        assert_eq!(s["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            s["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            s["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(s["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(
            s["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"],
            "Filesystem"
        );
        assert_eq!(
            s["spec"]["volumeClaimTemplates"][0]["status"]["phase"],
            "Pending"
        );
        let d = defaulted("apps", "v1", "daemonsets", json!({}));
        assert_eq!(
            d["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
    }

    #[test]
    fn jobs_cronjobs_rcs() {
        let j = defaulted(
            "batch",
            "v1",
            "jobs",
            json!({"spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}}}),
        );
        assert_eq!(j["metadata"]["labels"], json!({"a": "b"}));
        for (k, v) in [
            ("parallelism", json!(1)),
            ("completions", json!(1)),
            ("backoffLimit", json!(6)),
            ("completionMode", json!("NonIndexed")),
            ("suspend", json!(false)),
            ("podReplacementPolicy", json!("TerminatingOrFailed")),
        ] {
            assert_eq!(j["spec"][k], v, "{k}");
        }
        assert!(j["spec"].get("manualSelector").is_none());
        let par = defaulted("batch", "v1", "jobs", json!({"spec": {"parallelism": 3}}));
        assert!(par["spec"].get("completions").is_none());
        let cj = defaulted(
            "batch",
            "v1",
            "cronjobs",
            json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}}),
        );
        assert_eq!(cj["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(cj["spec"]["successfulJobsHistoryLimit"], 3);
        assert_eq!(cj["spec"]["failedJobsHistoryLimit"], 1);
        assert_eq!(
            cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"],
            "Always"
        );
        let rc = defaulted(
            "",
            "v1",
            "replicationcontrollers",
            json!({"spec": {"template": {"metadata": {"labels": {"app": "x"}}}}}),
        );
        assert_eq!(rc["spec"]["selector"], json!({"app": "x"}));
        assert_eq!(rc["metadata"]["labels"], json!({"app": "x"}));
        assert_eq!(rc["spec"]["replicas"], 1);
    }

    #[test]
    fn services_namespaces_and_others() {
        let s = defaulted(
            "",
            "v1",
            "services",
            json!({"spec": {"type": "NodePort", "ports": [{"port": 80}, {"port": 81, "targetPort": "http"}]}}),
        );
        let spec = &s["spec"];
        assert_eq!(
            spec["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        assert_eq!(spec["ports"][1]["targetPort"], "http");
        assert_eq!(spec["sessionAffinity"], "None");
        assert_eq!(spec["externalTrafficPolicy"], "Cluster");
        assert_eq!(spec["internalTrafficPolicy"], "Cluster");
        assert_eq!(spec["ipFamilyPolicy"], "SingleStack");
        assert_eq!(spec["ipFamilies"], json!(["IPv4"]));
        let c = defaulted(
            "",
            "v1",
            "services",
            json!({"spec": {"ports": [{"port": 80}]}}),
        );
        assert_eq!(c["spec"]["type"], "ClusterIP");
        assert!(c["spec"].get("externalTrafficPolicy").is_none());
        let ns = defaulted("", "v1", "namespaces", json!({"metadata": {"name": "dev"}}));
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(
            ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
            "dev"
        );
        assert_eq!(defaulted("", "v1", "secrets", json!({}))["type"], "Opaque");
        let pvc = defaulted("", "v1", "persistentvolumeclaims", json!({}));
        assert_eq!(
            (
                pvc["spec"]["volumeMode"].clone(),
                pvc["status"]["phase"].clone()
            ),
            (json!("Filesystem"), json!("Pending"))
        );
        let sc = defaulted(
            "storage.k8s.io",
            "v1",
            "storageclasses",
            json!({"provisioner": "x"}),
        );
        assert_eq!(
            (sc["reclaimPolicy"].clone(), sc["volumeBindingMode"].clone()),
            (json!("Delete"), json!("Immediate"))
        );
        let hpa = defaulted(
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            json!({"spec": {}}),
        );
        assert_eq!(hpa["spec"]["minReplicas"], 1);
        assert_eq!(
            hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
        let np = defaulted(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            json!({"spec": {"egress": [{"ports": [{"port": 53}]}]}}),
        );
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert_eq!(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
        let rb = defaulted(
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            json!({"roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "User", "name": "u"}]}),
        );
        assert_eq!(rb["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
        assert_eq!(rb["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
        let lr = defaulted(
            "",
            "v1",
            "limitranges",
            json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "1Mi"}}]}}),
        );
        assert_eq!(lr["spec"]["limits"][0]["default"], json!({"cpu": "2"}));
        assert_eq!(
            lr["spec"]["limits"][0]["defaultRequest"],
            json!({"cpu": "2", "memory": "1Mi"})
        );
    }
}
