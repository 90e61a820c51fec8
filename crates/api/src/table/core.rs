//! Printers of the core group: pods, services, endpoints, nodes, events, namespaces,
//! config maps, secrets, service accounts, replication controllers, volumes and
//! claims, resource quotas, pod templates, component statuses.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::descriptions as d;
use super::format::{
    access_modes, arr_at, bool_at, canonical_quantity, container_cells, format_labels, get, int_at,
    join_host_port, len_at, map_at, opt_str, quantity_in, since, str_at, time_at,
};
use super::{
    age_cell, name_cell, CellsFn, Column, ColumnsFn, Printer, AGE, CONTAINERS, IMAGES, NAME,
};

pub(super) fn printer(kind: &str) -> Option<Printer> {
    let (columns, cells): (ColumnsFn, CellsFn) = match kind {
        "Pod" => (pod_columns, pod_cells),
        "PodTemplate" => (pod_template_columns, pod_template_cells),
        "ReplicationController" => (rc_columns, rc_cells),
        "Service" => (service_columns, service_cells),
        "Endpoints" => (endpoints_columns, endpoints_cells),
        "Node" => (node_columns, node_cells),
        "Event" => (event_columns, event_cells),
        "Namespace" => (namespace_columns, namespace_cells),
        "Secret" => (secret_columns, secret_cells),
        "ServiceAccount" => (service_account_columns, service_account_cells),
        "PersistentVolume" => (pv_columns, pv_cells),
        "PersistentVolumeClaim" => (pvc_columns, pvc_cells),
        "ComponentStatus" => (component_status_columns, component_status_cells),
        "ConfigMap" => (config_map_columns, config_map_cells),
        "ResourceQuota" => (resource_quota_columns, resource_quota_cells),
        _ => return None,
    };
    Some(Printer { columns, cells })
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

// ---------------------------------------------------------------- pods

fn pod_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
        Column::new("Status", "string", "The aggregate status of the containers in this pod."),
        Column::new(
            "Restarts",
            "string",
            "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        ),
        AGE,
        Column::new("IP", "string", d::POD_STATUS_POD_IP).wide(),
        Column::new("Node", "string", d::POD_SPEC_NODE_NAME).wide(),
        Column::new("Nominated Node", "string", d::POD_STATUS_NOMINATED).wide(),
        Column::new("Readiness Gates", "string", d::POD_SPEC_READINESS_GATES).wide(),
    ]
}

/// A sidecar: an init container with `restartPolicy: Always`.
fn is_restartable_init(container: Option<&Value>) -> bool {
    container.is_some_and(|c| str_at(c, &["restartPolicy"]) == "Always")
}

/// Whether any condition of `type_` is True (`hasPodReadyCondition`).
fn pod_condition_true(pod: &Value, type_: &str) -> bool {
    arr_at(pod, &["status", "conditions"])
        .iter()
        .any(|c| str_at(c, &["type"]) == type_ && str_at(c, &["status"]) == "True")
}

/// Whether the first condition of `type_` is True (`isPodInitializedConditionTrue`).
fn first_pod_condition_true(pod: &Value, type_: &str) -> bool {
    arr_at(pod, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

fn later(
    current: Option<DateTime<Utc>>,
    candidate: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match (current, candidate) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The `finishedAt` of a container status' last termination.
fn last_terminated_at(status: &Value) -> Option<DateTime<Utc>> {
    time_at(status, &["lastState", "terminated", "finishedAt"])
}

/// The READY, STATUS and RESTARTS cells of a pod, with Kubernetes' reason logic.
fn pod_status_cells(pod: &Value, now: DateTime<Utc>) -> (String, String, String) {
    let phase = str_at(pod, &["status", "phase"]);
    let status_reason = str_at(pod, &["status", "reason"]);
    let mut reason = if status_reason.is_empty() {
        phase.to_string()
    } else {
        status_reason.to_string()
    };

    for cond in arr_at(pod, &["status", "conditions"]) {
        if str_at(cond, &["type"]) == "PodScheduled"
            && str_at(cond, &["reason"]) == "SchedulingGated"
        {
            reason = "SchedulingGated".to_string();
        }
    }

    let init_specs = arr_at(pod, &["spec", "initContainers"]);
    let init_spec = |name: &str| init_specs.iter().find(|c| str_at(c, &["name"]) == name);
    let total = arr_at(pod, &["spec", "containers"]).len()
        + init_specs
            .iter()
            .filter(|c| is_restartable_init(Some(c)))
            .count();
    let mut ready = 0usize;
    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last_restart: Option<DateTime<Utc>> = None;
    let mut last_sidecar_restart: Option<DateTime<Utc>> = None;

    let mut initializing = false;
    for (i, status) in arr_at(pod, &["status", "initContainerStatuses"])
        .iter()
        .enumerate()
    {
        let count = int_at(status, &["restartCount"]);
        restarts += count;
        last_restart = later(last_restart, last_terminated_at(status));
        let sidecar = is_restartable_init(init_spec(str_at(status, &["name"])));
        if sidecar {
            sidecar_restarts += count;
            last_sidecar_restart = later(last_sidecar_restart, last_terminated_at(status));
        }
        let terminated = get(status, &["state", "terminated"]);
        let waiting_reason = str_at(status, &["state", "waiting", "reason"]);
        if terminated.is_some_and(|t| int_at(t, &["exitCode"]) == 0) {
            continue;
        }
        if sidecar && bool_at(status, &["started"]) {
            if bool_at(status, &["ready"]) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            let r = str_at(t, &["reason"]);
            reason = if !r.is_empty() {
                format!("Init:{r}")
            } else if int_at(t, &["signal"]) != 0 {
                format!("Init:Signal:{}", int_at(t, &["signal"]))
            } else {
                format!("Init:ExitCode:{}", int_at(t, &["exitCode"]))
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || first_pod_condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for status in arr_at(pod, &["status", "containerStatuses"]).iter().rev() {
            restarts += int_at(status, &["restartCount"]);
            last_restart = later(last_restart, last_terminated_at(status));
            let waiting_reason = str_at(status, &["state", "waiting", "reason"]);
            let terminated = get(status, &["state", "terminated"]);
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                let r = str_at(t, &["reason"]);
                reason = if !r.is_empty() {
                    r.to_string()
                } else if int_at(t, &["signal"]) != 0 {
                    format!("Signal:{}", int_at(t, &["signal"]))
                } else {
                    format!("ExitCode:{}", int_at(t, &["exitCode"]))
                };
            } else if bool_at(status, &["ready"]) && get(status, &["state", "running"]).is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if pod_condition_true(pod, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_string();
        }
    }

    let deleting = get(pod, &["metadata", "deletionTimestamp"]).is_some();
    if deleting && status_reason == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Failed" && phase != "Succeeded" {
        reason = "Terminating".to_string();
    }

    let restarts_text = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", since(Some(t), now)),
        _ => restarts.to_string(),
    };
    (format!("{ready}/{total}"), reason, restarts_text)
}

fn pod_cells(pod: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let (ready, status, restarts) = pod_status_cells(pod, now);
    let pod_ip = arr_at(pod, &["status", "podIPs"])
        .first()
        .map(|ip| str_at(ip, &["ip"]))
        .filter(|ip| !ip.is_empty())
        .or_else(|| opt_str(pod, &["status", "podIP"]).filter(|ip| !ip.is_empty()))
        .unwrap_or("<none>");
    let or_none = |v: &str| {
        if v.is_empty() {
            "<none>".to_string()
        } else {
            v.to_string()
        }
    };
    let gates = arr_at(pod, &["spec", "readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conditions = arr_at(pod, &["status", "conditions"]);
        let true_count = gates
            .iter()
            .filter(|g| {
                let t = str_at(g, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| str_at(c, &["type"]) == t)
                    .is_some_and(|c| str_at(c, &["status"]) == "True")
            })
            .count();
        format!("{true_count}/{}", gates.len())
    };
    vec![
        name_cell(pod),
        s(ready),
        s(status),
        s(restarts),
        age_cell(pod, now),
        s(pod_ip),
        s(or_none(str_at(pod, &["spec", "nodeName"]))),
        s(or_none(str_at(pod, &["status", "nominatedNodeName"]))),
        s(readiness_gates),
    ]
}

// ---------------------------------------------------------------- pod templates

fn pod_template_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Containers",
            "string",
            "Names of each container in the template.",
        ),
        Column::new(
            "Images",
            "string",
            "Images referenced by each container in the template.",
        ),
        Column::new("Pod Labels", "string", "The labels for the pod template."),
    ]
}

fn pod_template_cells(obj: &Value, _now: DateTime<Utc>) -> Vec<Value> {
    let (names, images) = container_cells(get(obj, &["template", "spec"]));
    vec![
        name_cell(obj),
        s(names),
        s(images),
        s(format_labels(map_at(
            obj,
            &["template", "metadata", "labels"],
        ))),
    ]
}

// ---------------------------------------------------------------- replication controllers

fn rc_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Desired", "integer", d::RC_SPEC_REPLICAS),
        Column::new("Current", "integer", d::RC_STATUS_REPLICAS),
        Column::new("Ready", "integer", d::RC_STATUS_READY),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", d::RC_SPEC_SELECTOR).wide(),
    ]
}

fn rc_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let (names, images) = container_cells(get(obj, &["spec", "template", "spec"]));
    vec![
        name_cell(obj),
        json!(int_at(obj, &["spec", "replicas"])),
        json!(int_at(obj, &["status", "replicas"])),
        json!(int_at(obj, &["status", "readyReplicas"])),
        age_cell(obj, now),
        s(names),
        s(images),
        s(format_labels(map_at(obj, &["spec", "selector"]))),
    ]
}

// ---------------------------------------------------------------- services

fn service_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Type", "string", d::SVC_TYPE),
        Column::new("Cluster-IP", "string", d::SVC_CLUSTER_IP),
        Column::new("External-IP", "string", d::SVC_EXTERNAL_IPS),
        Column::new("Port(s)", "string", d::SVC_PORTS),
        AGE,
        Column::new("Selector", "string", d::SVC_SELECTOR).wide(),
    ]
}

/// Load-balancer ingress points: IPs, else hostnames, deduplicated and sorted.
pub(super) fn load_balancer_ingress(status: Option<&Value>) -> String {
    let set: BTreeSet<&str> = status
        .map(|s| arr_at(s, &["ingress"]))
        .unwrap_or(&[])
        .iter()
        .filter_map(|i| {
            let ip = str_at(i, &["ip"]);
            let host = str_at(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip)
            } else if !host.is_empty() {
                Some(host)
            } else {
                None
            }
        })
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

fn service_external_ip(svc: &Value) -> String {
    let external_ips: Vec<&str> = arr_at(svc, &["spec", "externalIPs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    match str_at(svc, &["spec", "type"]) {
        "ClusterIP" | "NodePort" | "" => {
            if external_ips.is_empty() {
                "<none>".to_string()
            } else {
                external_ips.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_ingress(get(svc, &["status", "loadBalancer"]));
            if !external_ips.is_empty() {
                let mut all: Vec<&str> = if lb.is_empty() {
                    Vec::new()
                } else {
                    lb.split(',').collect()
                };
                all.extend(external_ips);
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".to_string()
            }
        }
        "ExternalName" => str_at(svc, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    }
}

fn service_ports(svc: &Value) -> String {
    let pieces: Vec<String> = arr_at(svc, &["spec", "ports"])
        .iter()
        .map(|p| {
            let port = int_at(p, &["port"]);
            let protocol = opt_str(p, &["protocol"]).unwrap_or("TCP");
            let node_port = int_at(p, &["nodePort"]);
            if node_port > 0 {
                format!("{port}:{node_port}/{protocol}")
            } else {
                format!("{port}/{protocol}")
            }
        })
        .collect();
    if pieces.is_empty() {
        "<none>".to_string()
    } else {
        pieces.join(",")
    }
}

fn service_cells(svc: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let cluster_ip = arr_at(svc, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .or_else(|| opt_str(svc, &["spec", "clusterIP"]).filter(|ip| !ip.is_empty()))
        .unwrap_or("<none>");
    // The type defaults to ClusterIP; a stored object always carries it.
    let svc_type = opt_str(svc, &["spec", "type"]).unwrap_or("ClusterIP");
    vec![
        name_cell(svc),
        s(svc_type),
        s(cluster_ip),
        s(service_external_ip(svc)),
        s(service_ports(svc)),
        age_cell(svc, now),
        s(format_labels(map_at(svc, &["spec", "selector"]))),
    ]
}

// ---------------------------------------------------------------- endpoints

fn endpoints_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Endpoints", "string", d::ENDPOINTS_SUBSETS),
        AGE,
    ]
}

/// `ip:port` for every address and port, the first three shown, then `+ N more...`.
fn format_endpoints(obj: &Value) -> String {
    let subsets = arr_at(obj, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for ss in subsets {
        let addresses = arr_at(ss, &["addresses"]);
        let ports = arr_at(ss, &["ports"]);
        if ports.is_empty() {
            // Headless services may have no ports: list the bare addresses.
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(str_at(a, &["ip"]).to_string());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(str_at(a, &["ip"]), int_at(port, &["port"])));
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - MAX)
    } else {
        ret
    }
}

fn endpoints_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![name_cell(obj), s(format_endpoints(obj)), age_cell(obj, now)]
}

// ---------------------------------------------------------------- nodes

fn node_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Status", "string", "The status of the node"),
        Column::new("Roles", "string", "The roles of the node"),
        AGE,
        Column::new("Version", "string", d::NODE_KUBELET_VERSION),
        Column::new("Internal-IP", "string", d::NODE_ADDRESSES).wide(),
        Column::new("External-IP", "string", d::NODE_ADDRESSES).wide(),
        Column::new("OS-Image", "string", d::NODE_OS_IMAGE).wide(),
        Column::new("Kernel-Version", "string", d::NODE_KERNEL).wide(),
        Column::new("Container-Runtime", "string", d::NODE_RUNTIME).wide(),
    ]
}

/// Roles from `node-role.kubernetes.io/<role>` label keys and the
/// `kubernetes.io/role` label value, sorted and deduplicated.
fn node_roles(node: &Value) -> String {
    let mut roles = BTreeSet::new();
    for (k, v) in map_at(node, &["metadata", "labels"]).into_iter().flatten() {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if k == "kubernetes.io/role" {
            if let Some(v) = v.as_str().filter(|v| !v.is_empty()) {
                roles.insert(v.to_string());
            }
        }
    }
    if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    }
}

fn node_status(node: &Value) -> String {
    // Only the Ready condition counts; the last one of that type wins.
    let ready = arr_at(node, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| str_at(c, &["type"]) == "Ready");
    let mut status = match ready {
        Some(c) if str_at(c, &["status"]) == "True" => vec!["Ready"],
        Some(_) => vec!["NotReady"],
        None => vec!["Unknown"],
    };
    if bool_at(node, &["spec", "unschedulable"]) {
        status.push("SchedulingDisabled");
    }
    status.join(",")
}

fn node_address(node: &Value, type_: &str) -> String {
    arr_at(node, &["status", "addresses"])
        .iter()
        .find(|a| str_at(a, &["type"]) == type_)
        .map(|a| str_at(a, &["address"]).to_string())
        .unwrap_or_else(|| "<none>".to_string())
}

fn node_cells(node: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let info = |field: &str| {
        let v = str_at(node, &["status", "nodeInfo", field]);
        if v.is_empty() {
            "<unknown>".to_string()
        } else {
            v.to_string()
        }
    };
    vec![
        name_cell(node),
        s(node_status(node)),
        s(node_roles(node)),
        age_cell(node, now),
        s(str_at(node, &["status", "nodeInfo", "kubeletVersion"])),
        s(node_address(node, "InternalIP")),
        s(node_address(node, "ExternalIP")),
        s(info("osImage")),
        s(info("kernelVersion")),
        s(info("containerRuntimeVersion")),
    ]
}

// ---------------------------------------------------------------- events

fn event_columns() -> Vec<Column> {
    vec![
        Column::new("Last Seen", "string", d::EVENT_LAST),
        Column::new("Type", "string", d::EVENT_TYPE),
        Column::new("Reason", "string", d::EVENT_REASON),
        Column::new("Object", "string", d::EVENT_INVOLVED),
        Column::new("Subobject", "string", d::OBJREF_FIELD_PATH).wide(),
        Column::new("Source", "string", d::EVENT_SOURCE).wide(),
        Column::new("Message", "string", d::EVENT_MESSAGE),
        Column::new("First Seen", "string", d::EVENT_FIRST).wide(),
        Column::new("Count", "string", d::EVENT_COUNT).wide(),
        NAME.wide(),
    ]
}

/// The fields of an Event the printer reads, whichever API (core/v1 or
/// events.k8s.io/v1) it was read through.
struct EventView<'a> {
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    event_time: Option<DateTime<Utc>>,
    count: i64,
    series: Option<&'a Value>,
    regarding: Option<&'a Value>,
    message: &'a str,
    component: &'a str,
    host: &'a str,
}

impl<'a> EventView<'a> {
    fn of(ev: &'a Value) -> Self {
        let new_api = str_at(ev, &["apiVersion"]).starts_with("events.k8s.io/");
        if new_api {
            EventView {
                first: time_at(ev, &["deprecatedFirstTimestamp"]),
                last: time_at(ev, &["deprecatedLastTimestamp"]),
                event_time: time_at(ev, &["eventTime"]),
                count: int_at(ev, &["deprecatedCount"]),
                series: get(ev, &["series"]),
                regarding: get(ev, &["regarding"]),
                message: str_at(ev, &["note"]),
                component: str_at(ev, &["deprecatedSource", "component"]),
                host: str_at(ev, &["deprecatedSource", "host"]),
            }
        } else {
            EventView {
                first: time_at(ev, &["firstTimestamp"]),
                last: time_at(ev, &["lastTimestamp"]),
                event_time: time_at(ev, &["eventTime"]),
                count: int_at(ev, &["count"]),
                series: get(ev, &["series"]),
                regarding: get(ev, &["involvedObject"]),
                message: str_at(ev, &["message"]),
                component: str_at(ev, &["source", "component"]),
                host: str_at(ev, &["source", "host"]),
            }
        }
    }
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() {
        b
    } else {
        a
    }
}

fn event_cells(ev: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let view = EventView::of(ev);
    let first_seen = if view.first.is_some() {
        since(view.first, now)
    } else {
        since(view.event_time, now)
    };
    let mut last_seen = if view.last.is_some() {
        since(view.last, now)
    } else {
        first_seen.clone()
    };
    let mut count = view.count;
    if let Some(series) = view.series {
        last_seen = since(time_at(series, &["lastObservedTime"]), now);
        count = int_at(series, &["count"]);
    } else if count == 0 {
        // Singleton events of the new API carry no count.
        count = 1;
    }
    let kind = view
        .regarding
        .map(|r| str_at(r, &["kind"]))
        .unwrap_or("")
        .to_lowercase();
    let name = view.regarding.map(|r| str_at(r, &["name"])).unwrap_or("");
    let target = if name.is_empty() {
        kind
    } else {
        format!("{kind}/{name}")
    };
    let field_path = view
        .regarding
        .map(|r| str_at(r, &["fieldPath"]))
        .unwrap_or("");
    let component = first_non_empty(view.component, str_at(ev, &["reportingController"]));
    let instance = first_non_empty(view.host, str_at(ev, &["reportingInstance"]));
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    vec![
        s(last_seen),
        s(str_at(ev, &["type"])),
        s(str_at(ev, &["reason"])),
        s(target),
        s(field_path),
        s(source),
        s(view.message.trim()),
        s(first_seen),
        json!(count),
        name_cell(ev),
    ]
}

// ---------------------------------------------------------------- namespaces, config

fn namespace_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Status", "string", "The status of the namespace"),
        AGE,
    ]
}

fn namespace_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(str_at(obj, &["status", "phase"])),
        age_cell(obj, now),
    ]
}

fn secret_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Type", "string", d::SECRET_TYPE),
        Column::new("Data", "string", d::SECRET_DATA),
        AGE,
    ]
}

fn secret_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(str_at(obj, &["type"])),
        json!(len_at(obj, &["data"])),
        age_cell(obj, now),
    ]
}

fn service_account_columns() -> Vec<Column> {
    vec![NAME, Column::new("Secrets", "string", d::SA_SECRETS), AGE]
}

fn service_account_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        json!(len_at(obj, &["secrets"])),
        age_cell(obj, now),
    ]
}

fn config_map_columns() -> Vec<Column> {
    vec![NAME, Column::new("Data", "string", d::CM_DATA), AGE]
}

fn config_map_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let n = len_at(obj, &["data"]) + len_at(obj, &["binaryData"]);
    vec![name_cell(obj), json!(n), age_cell(obj, now)]
}

// ---------------------------------------------------------------- volumes

fn pv_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Capacity", "string", d::PV_CAPACITY),
        Column::new("Access Modes", "string", d::PV_ACCESS_MODES),
        Column::new("Reclaim Policy", "string", d::PV_RECLAIM),
        Column::new("Status", "string", d::PV_PHASE),
        Column::new("Claim", "string", d::PV_CLAIM_REF),
        Column::new("StorageClass", "string", "StorageClass of the pv"),
        Column::new(
            "VolumeAttributesClass",
            "string",
            "VolumeAttributesClass of the pv",
        ),
        Column::new("Reason", "string", d::PV_REASON),
        AGE,
        Column::new("VolumeMode", "string", d::PV_VOLUME_MODE).wide(),
    ]
}

fn is_deleting(obj: &Value) -> bool {
    get(obj, &["metadata", "deletionTimestamp"]).is_some()
}

/// The storage class of a volume or claim: the beta annotation wins over the field.
fn storage_class_of(obj: &Value) -> String {
    if let Some(class) = opt_str(
        obj,
        &[
            "metadata",
            "annotations",
            "volume.beta.kubernetes.io/storage-class",
        ],
    ) {
        return class.to_string();
    }
    str_at(obj, &["spec", "storageClassName"]).to_string()
}

fn pv_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let claim = match get(obj, &["spec", "claimRef"]) {
        Some(r) => {
            format!("{}/{}", str_at(r, &["namespace"]), str_at(r, &["name"]))
        }
        _ => String::new(),
    };
    let phase = if is_deleting(obj) {
        "Terminating"
    } else {
        str_at(obj, &["status", "phase"])
    };
    vec![
        name_cell(obj),
        s(quantity_in(get(obj, &["spec", "capacity"]), "storage")),
        s(access_modes(arr_at(obj, &["spec", "accessModes"]))),
        s(str_at(obj, &["spec", "persistentVolumeReclaimPolicy"])),
        s(phase),
        s(claim),
        s(storage_class_of(obj)),
        s(opt_str(obj, &["spec", "volumeAttributesClassName"]).unwrap_or("<unset>")),
        s(str_at(obj, &["status", "reason"])),
        age_cell(obj, now),
        s(opt_str(obj, &["spec", "volumeMode"]).unwrap_or("<unset>")),
    ]
}

fn pvc_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Status", "string", d::PVC_PHASE),
        Column::new("Volume", "string", d::PVC_VOLUME_NAME),
        Column::new("Capacity", "string", d::PVC_CAPACITY),
        Column::new("Access Modes", "string", d::PVC_ACCESS_MODES),
        Column::new("StorageClass", "string", "StorageClass of the pvc"),
        Column::new(
            "VolumeAttributesClass",
            "string",
            "VolumeAttributesClass of the pvc",
        ),
        AGE,
        Column::new("VolumeMode", "string", d::PVC_VOLUME_MODE).wide(),
    ]
}

fn pvc_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let phase = if is_deleting(obj) {
        "Terminating"
    } else {
        str_at(obj, &["status", "phase"])
    };
    let volume = str_at(obj, &["spec", "volumeName"]);
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity_in(get(obj, &["status", "capacity"]), "storage"),
            access_modes(arr_at(obj, &["status", "accessModes"])),
        )
    };
    vec![
        name_cell(obj),
        s(phase),
        s(volume),
        s(capacity),
        s(modes),
        s(storage_class_of(obj)),
        s(opt_str(obj, &["spec", "volumeAttributesClassName"]).unwrap_or("<unset>")),
        age_cell(obj, now),
        s(opt_str(obj, &["spec", "volumeMode"]).unwrap_or("<unset>")),
    ]
}

// ---------------------------------------------------------------- component statuses, quotas

fn component_status_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Status", "string", "Status of the component conditions"),
        Column::new("Message", "string", "Message of the component conditions"),
        Column::new("Error", "string", "Error of the component conditions"),
    ]
}

fn component_status_cells(obj: &Value, _now: DateTime<Utc>) -> Vec<Value> {
    let healthy = arr_at(obj, &["conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Healthy");
    let (status, message, error) = match healthy {
        Some(c) => (
            if str_at(c, &["status"]) == "True" {
                "Healthy"
            } else {
                "Unhealthy"
            },
            str_at(c, &["message"]),
            str_at(c, &["error"]),
        ),
        None => ("Unknown", "", ""),
    };
    vec![name_cell(obj), s(status), s(message), s(error)]
}

fn resource_quota_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Request",
            "string",
            "Request represents a minimum amount of cpu/memory that a container may consume.",
        ),
        Column::new(
            "Limit",
            "string",
            "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
        ),
        AGE,
    ]
}

fn resource_quota_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let hard = map_at(obj, &["status", "hard"]);
    let used = get(obj, &["status", "used"]);
    let mut names: Vec<&String> = hard.into_iter().flatten().map(|(k, _)| k).collect();
    names.sort();
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    for name in names {
        let hard_q = hard
            .and_then(|h| h.get(name.as_str()))
            .and_then(Value::as_str)
            .map(canonical_quantity)
            .unwrap_or_else(|| "0".to_string());
        let entry = format!("{name}: {}/{hard_q}", quantity_in(used, name));
        let pieces: Vec<&str> = name.split('.').collect();
        if pieces.len() > 1 && pieces[0] == "limits" {
            limits.push(entry);
        } else {
            requests.push(entry);
        }
    }
    vec![
        name_cell(obj),
        s(requests.join(", ")),
        s(limits.join(", ")),
        age_cell(obj, now),
    ]
}
