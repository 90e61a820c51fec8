//! Printers of the remaining groups: networking, RBAC, storage, policy,
//! scheduling, autoscaling, coordination, discovery, events.k8s.io, admission
//! registration, node, flow control, certificates, API registration.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::descriptions as d;
use super::format::{
    arr_at, bool_at, canonical_quantity, format_label_selector, get, human_duration, int_at,
    int_or_string, list_with_more, opt_int, opt_str, selector_string, str_at,
};
use super::{age_cell, name_cell, CellsFn, Column, ColumnsFn, Printer, AGE, NAME};

pub(super) fn printer(group: &str, kind: &str) -> Option<Printer> {
    let (columns, cells): (ColumnsFn, CellsFn) = match (group, kind) {
        ("networking.k8s.io", "Ingress") => (ingress_columns, ingress_cells),
        ("networking.k8s.io", "IngressClass") => (ingress_class_columns, ingress_class_cells),
        ("networking.k8s.io", "NetworkPolicy") => (network_policy_columns, network_policy_cells),
        ("networking.k8s.io", "ServiceCIDR") => (service_cidr_columns, service_cidr_cells),
        ("networking.k8s.io", "IPAddress") => (ip_address_columns, ip_address_cells),
        ("rbac.authorization.k8s.io", "RoleBinding") => (role_binding_columns, binding_cells),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            (cluster_role_binding_columns, binding_cells)
        }
        ("storage.k8s.io", "StorageClass") => (storage_class_columns, storage_class_cells),
        ("storage.k8s.io", "VolumeAttachment") => {
            (volume_attachment_columns, volume_attachment_cells)
        }
        ("storage.k8s.io", "CSIDriver") => (csi_driver_columns, csi_driver_cells),
        ("storage.k8s.io", "CSINode") => (csi_node_columns, csi_node_cells),
        ("storage.k8s.io", "CSIStorageCapacity") => {
            (csi_storage_capacity_columns, csi_storage_capacity_cells)
        }
        ("storage.k8s.io", "VolumeAttributesClass") => (vac_columns, vac_cells),
        ("policy", "PodDisruptionBudget") => (pdb_columns, pdb_cells),
        ("scheduling.k8s.io", "PriorityClass") => (priority_class_columns, priority_class_cells),
        ("autoscaling", "HorizontalPodAutoscaler") => (hpa_columns, hpa_cells),
        ("coordination.k8s.io", "Lease") => (lease_columns, lease_cells),
        ("discovery.k8s.io", "EndpointSlice") => (endpoint_slice_columns, endpoint_slice_cells),
        ("events.k8s.io", "Event") => return super::core::printer("Event"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration")
        | ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration") => {
            (webhook_columns, webhook_cells)
        }
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy") => (vap_columns, vap_cells),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding") => {
            (vapb_columns, vapb_cells)
        }
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy") => (map_columns, map_cells),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding") => {
            (vapb_columns, vapb_cells)
        }
        ("node.k8s.io", "RuntimeClass") => (runtime_class_columns, runtime_class_cells),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema") => (flow_schema_columns, flow_schema_cells),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration") => (plc_columns, plc_cells),
        ("certificates.k8s.io", "CertificateSigningRequest") => (csr_columns, csr_cells),
        ("apiregistration.k8s.io", "APIService") => (api_service_columns, api_service_cells),
        ("certificates.k8s.io", "ClusterTrustBundle") => (ctb_columns, ctb_cells),
        ("coordination.k8s.io", "LeaseCandidate") => {
            (lease_candidate_columns, lease_candidate_cells)
        }
        ("autoscaling", "Scale") => (scale_columns, scale_cells),
        ("resource.k8s.io", "DeviceClass") | ("resource.k8s.io", "ResourceClaimTemplate") => {
            (name_age_columns, name_age_cells)
        }
        ("resource.k8s.io", "ResourceClaim") => (resource_claim_columns, resource_claim_cells),
        ("resource.k8s.io", "ResourceSlice") => (resource_slice_columns, resource_slice_cells),
        _ => return None,
    };
    Some(Printer { columns, cells })
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

// ---------------------------------------------------------------- networking

fn ingress_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
        Column::new("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
        Column::new("Address", "string", "Address is a list containing ingress points for the load-balancer"),
        Column::new("Ports", "string", "Ports of TLS configurations that open"),
        AGE,
    ]
}

/// The first three rule hosts, `+ N more...` counting all rules, `*` for none.
fn ingress_hosts(obj: &Value) -> String {
    const MAX: usize = 3;
    let rules = arr_at(obj, &["spec", "rules"]);
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = str_at(rule, &["host"]);
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_string();
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", rules.len() - MAX)
    } else {
        ret
    }
}

fn ingress_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let ports = if arr_at(obj, &["spec", "tls"]).is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        name_cell(obj),
        s(opt_str(obj, &["spec", "ingressClassName"]).unwrap_or("<none>")),
        s(ingress_hosts(obj)),
        s(super::core::load_balancer_ingress(get(
            obj,
            &["status", "loadBalancer"],
        ))),
        s(ports),
        age_cell(obj, now),
    ]
}

fn ingress_class_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Controller",
            "string",
            "Controller that is responsible for handling this class",
        ),
        Column::new(
            "Parameters",
            "string",
            "A reference to a resource with additional parameters",
        ),
        AGE,
    ]
}

fn ingress_class_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let parameters = match get(obj, &["spec", "parameters"]) {
        Some(p) => {
            let mut text = str_at(p, &["kind"]).to_string();
            if let Some(group) = opt_str(p, &["apiGroup"]) {
                text = format!("{text}.{group}");
            }
            format!("{text}/{}", str_at(p, &["name"]))
        }
        _ => "<none>".to_string(),
    };
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "controller"])),
        s(parameters),
        age_cell(obj, now),
    ]
}

fn network_policy_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Pod-Selector", "string", d::NETPOL_POD_SELECTOR),
        AGE,
    ]
}

fn network_policy_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    // The pod selector is a value, not a pointer: absent means "everything".
    let selector = get(obj, &["spec", "podSelector"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    vec![
        name_cell(obj),
        s(format_label_selector(Some(&selector))),
        age_cell(obj, now),
    ]
}

fn service_cidr_columns() -> Vec<Column> {
    vec![NAME, Column::new("CIDRs", "string", d::SVCCIDR_CIDRS), AGE]
}

fn service_cidr_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let cidrs: Vec<&str> = arr_at(obj, &["spec", "cidrs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    vec![name_cell(obj), s(cidrs.join(",")), age_cell(obj, now)]
}

fn ip_address_columns() -> Vec<Column> {
    vec![NAME, Column::new("ParentRef", "string", d::IPADDR_PARENT)]
}

fn ip_address_cells(obj: &Value, _now: DateTime<Utc>) -> Vec<Value> {
    let parent = match get(obj, &["spec", "parentRef"]) {
        Some(p) => {
            let group = str_at(p, &["group"]);
            let resource = str_at(p, &["resource"]);
            let mut text = if group.is_empty() {
                resource.to_string()
            } else {
                format!("{resource}.{group}")
            }
            .to_lowercase();
            let ns = str_at(p, &["namespace"]);
            if !ns.is_empty() {
                text = format!("{text}/{ns}");
            }
            format!("{text}/{}", str_at(p, &["name"]))
        }
        _ => "<none>".to_string(),
    };
    vec![name_cell(obj), s(parent)]
}

// ---------------------------------------------------------------- rbac

fn binding_columns(role_ref: &'static str, what: &'static str) -> Vec<Column> {
    let (users, groups, sas) = match what {
        "roleBinding" => (
            "Users in the roleBinding",
            "Groups in the roleBinding",
            "ServiceAccounts in the roleBinding",
        ),
        _ => (
            "Users in the clusterRoleBinding",
            "Groups in the clusterRoleBinding",
            "ServiceAccounts in the clusterRoleBinding",
        ),
    };
    vec![
        NAME,
        Column::new("Role", "string", role_ref),
        AGE,
        Column::new("Users", "string", users).wide(),
        Column::new("Groups", "string", groups).wide(),
        Column::new("ServiceAccounts", "string", sas).wide(),
    ]
}

fn role_binding_columns() -> Vec<Column> {
    binding_columns(d::RB_ROLE_REF, "roleBinding")
}

fn cluster_role_binding_columns() -> Vec<Column> {
    binding_columns(d::CRB_ROLE_REF, "clusterRoleBinding")
}

fn binding_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut sas = Vec::new();
    for subject in arr_at(obj, &["subjects"]) {
        let name = str_at(subject, &["name"]);
        match str_at(subject, &["kind"]) {
            "User" => users.push(name.to_string()),
            "Group" => groups.push(name.to_string()),
            "ServiceAccount" => {
                let ns = str_at(subject, &["namespace"]);
                sas.push(if ns.is_empty() {
                    name.to_string()
                } else {
                    format!("{ns}/{name}")
                });
            }
            _ => {}
        }
    }
    vec![
        name_cell(obj),
        s(format!(
            "{}/{}",
            str_at(obj, &["roleRef", "kind"]),
            str_at(obj, &["roleRef", "name"])
        )),
        age_cell(obj, now),
        s(users.join(", ")),
        s(groups.join(", ")),
        s(sas.join(", ")),
    ]
}

// ---------------------------------------------------------------- storage

fn storage_class_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Provisioner", "string", d::SC_PROVISIONER),
        Column::new("ReclaimPolicy", "string", d::SC_RECLAIM),
        Column::new("VolumeBindingMode", "string", d::SC_BINDING_MODE),
        Column::new("AllowVolumeExpansion", "string", d::SC_EXPANSION),
        AGE,
    ]
}

/// Whether a storage class carries the default-class annotation (GA or beta).
pub(crate) fn is_default_storage_class(obj: &Value) -> bool {
    [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|a| opt_str(obj, &["metadata", "annotations", a]) == Some("true"))
}

fn storage_class_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let mut name = str_at(obj, &["metadata", "name"]).to_string();
    if is_default_storage_class(obj) {
        name.push_str(" (default)");
    }
    vec![
        s(name),
        s(str_at(obj, &["provisioner"])),
        s(opt_str(obj, &["reclaimPolicy"]).unwrap_or("Delete")),
        s(opt_str(obj, &["volumeBindingMode"]).unwrap_or("Immediate")),
        json!(bool_at(obj, &["allowVolumeExpansion"])),
        age_cell(obj, now),
    ]
}

fn volume_attachment_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Attacher", "string", d::VA_ATTACHER).named(),
        Column::new("PV", "string", d::VA_PV),
        Column::new("Node", "string", d::VA_NODE),
        Column::new("Attached", "boolean", d::VA_ATTACHED),
        AGE,
    ]
}

fn volume_attachment_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "attacher"])),
        s(str_at(obj, &["spec", "source", "persistentVolumeName"])),
        s(str_at(obj, &["spec", "nodeName"])),
        json!(bool_at(obj, &["status", "attached"])),
        age_cell(obj, now),
    ]
}

fn csi_driver_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("AttachRequired", "boolean", d::CSID_ATTACH),
        Column::new("PodInfoOnMount", "boolean", d::CSID_POD_INFO),
        Column::new("StorageCapacity", "boolean", d::CSID_CAPACITY),
        Column::new("TokenRequests", "string", d::CSID_TOKEN),
        Column::new("RequiresRepublish", "boolean", d::CSID_REPUBLISH),
        Column::new("Modes", "string", d::CSID_MODES),
        AGE,
    ]
}

fn csi_driver_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let flag = |field: &str, default: bool| {
        get(obj, &["spec", field])
            .and_then(Value::as_bool)
            .unwrap_or(default)
    };
    let modes: Vec<&str> = arr_at(obj, &["spec", "volumeLifecycleModes"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let modes = if modes.is_empty() {
        "<none>".to_string()
    } else {
        modes.join(",")
    };
    let tokens = match get(obj, &["spec", "tokenRequests"]).and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .map(|t| str_at(t, &["audience"]))
            .collect::<Vec<_>>()
            .join(","),
        None => "<unset>".to_string(),
    };
    vec![
        name_cell(obj),
        json!(flag("attachRequired", true)),
        json!(flag("podInfoOnMount", false)),
        json!(flag("storageCapacity", false)),
        s(tokens),
        json!(flag("requiresRepublish", false)),
        s(modes),
        age_cell(obj, now),
    ]
}

fn csi_node_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Drivers",
            "integer",
            "Drivers indicates the number of CSI drivers registered on the node",
        ),
        AGE,
    ]
}

fn csi_node_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        json!(arr_at(obj, &["spec", "drivers"]).len()),
        age_cell(obj, now),
    ]
}

fn csi_storage_capacity_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("StorageClassName", "string", d::CSISC_CLASS),
        Column::new("Capacity", "string", d::CSISC_CAPACITY),
    ]
}

fn csi_storage_capacity_cells(obj: &Value, _now: DateTime<Utc>) -> Vec<Value> {
    let capacity = opt_str(obj, &["capacity"])
        .map(canonical_quantity)
        .unwrap_or_else(|| "<unset>".to_string());
    vec![
        name_cell(obj),
        s(str_at(obj, &["storageClassName"])),
        s(capacity),
    ]
}

fn vac_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("DriverName", "string", d::VAC_DRIVER),
        AGE,
    ]
}

fn vac_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let mut name = str_at(obj, &["metadata", "name"]).to_string();
    let default = [
        "resource.kubernetes.io/is-default-class",
        "storageclass.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|a| opt_str(obj, &["metadata", "annotations", a]) == Some("true"));
    if default {
        name.push_str(" (default)");
    }
    vec![s(name), s(str_at(obj, &["driverName"])), age_cell(obj, now)]
}

// ---------------------------------------------------------------- policy, scheduling

fn pdb_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Min Available",
            "string",
            "The minimum number of pods that must be available.",
        ),
        Column::new(
            "Max Unavailable",
            "string",
            "The maximum number of pods that may be unavailable.",
        ),
        Column::new(
            "Allowed Disruptions",
            "integer",
            "Calculated number of pods that may be disrupted at this time.",
        ),
        AGE,
    ]
}

fn pdb_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let bound = |field: &str| match get(obj, &["spec", field]) {
        Some(v) => int_or_string(v),
        _ => "N/A".to_string(),
    };
    vec![
        name_cell(obj),
        s(bound("minAvailable")),
        s(bound("maxUnavailable")),
        json!(int_at(obj, &["status", "disruptionsAllowed"])),
        age_cell(obj, now),
    ]
}

fn priority_class_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Value", "integer", d::PC_VALUE),
        Column::new("Global-Default", "boolean", d::PC_GLOBAL_DEFAULT),
        AGE,
        Column::new("PreemptionPolicy", "string", d::PC_PREEMPTION),
    ]
}

fn priority_class_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        json!(int_at(obj, &["value"])),
        json!(bool_at(obj, &["globalDefault"])),
        age_cell(obj, now),
        s(str_at(obj, &["preemptionPolicy"])),
    ]
}

// ---------------------------------------------------------------- autoscaling

fn hpa_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Reference", "string", d::HPA_SCALE_TARGET),
        Column::new("Targets", "string", d::HPA_METRICS),
        Column::new("MinPods", "string", d::HPA_MIN),
        Column::new("MaxPods", "string", d::HPA_MAX),
        Column::new("Replicas", "string", d::HPA_CURRENT),
        AGE,
    ]
}

/// A quantity field of a metric target or current value, canonical.
fn q(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => canonical_quantity(s),
        Some(Value::Number(n)) => canonical_quantity(&n.to_string()),
        _ => "0".to_string(),
    }
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// One autoscaling/v2 metric spec with its status, as the TARGETS column shows it.
fn format_metric(spec: &Value, status: Option<&Value>) -> String {
    let unknown = || "<unknown>".to_string();
    match str_at(spec, &["type"]) {
        "External" | "Object" => {
            let field = if str_at(spec, &["type"]) == "External" {
                "external"
            } else {
                "object"
            };
            let target = get(spec, &[field, "target"]);
            let current = status.and_then(|st| present(get(st, &[field])));
            if let Some(avg) = present(target.and_then(|t| t.get("averageValue"))) {
                let cur = current
                    .and_then(|c| present(get(c, &["current", "averageValue"])))
                    .map(|v| q(Some(v)))
                    .unwrap_or_else(unknown);
                format!("{cur}/{} (avg)", q(Some(avg)))
            } else {
                let cur = current
                    .map(|c| q(get(c, &["current", "value"])))
                    .unwrap_or_else(unknown);
                format!("{cur}/{}", q(target.and_then(|t| t.get("value"))))
            }
        }
        "Pods" => {
            let cur = status
                .and_then(|st| present(get(st, &["pods"])))
                .map(|p| q(get(p, &["current", "averageValue"])))
                .unwrap_or_else(unknown);
            format!(
                "{cur}/{}",
                q(get(spec, &["pods", "target", "averageValue"]))
            )
        }
        "Resource" | "ContainerResource" => {
            let field = if str_at(spec, &["type"]) == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let name = str_at(spec, &[field, "name"]);
            let target = get(spec, &[field, "target"]);
            let current = status.and_then(|st| present(get(st, &[field])));
            if let Some(avg) = present(target.and_then(|t| t.get("averageValue"))) {
                let cur = current
                    .map(|c| q(get(c, &["current", "averageValue"])))
                    .unwrap_or_else(unknown);
                format!("{name}: {cur}/{}", q(Some(avg)))
            } else {
                let cur = current
                    .and_then(|c| opt_int(c, &["current", "averageUtilization"]))
                    .map(|u| format!("{u}%"))
                    .unwrap_or_else(unknown);
                let tgt = target
                    .and_then(|t| opt_int(t, &["averageUtilization"]))
                    .map(|u| format!("{u}%"))
                    .unwrap_or_else(|| "<auto>".to_string());
                format!("{name}: {cur}/{tgt}")
            }
        }
        _ => "<unknown type>".to_string(),
    }
}

fn hpa_targets(obj: &Value) -> String {
    let v1 = str_at(obj, &["apiVersion"]) == "autoscaling/v1"
        || (get(obj, &["spec", "metrics"]).is_none()
            && get(obj, &["spec", "targetCPUUtilizationPercentage"]).is_some());
    let (specs, statuses): (Vec<Value>, Vec<Value>) = if v1 {
        // autoscaling/v1 only knows a CPU utilization target.
        match opt_int(obj, &["spec", "targetCPUUtilizationPercentage"]) {
            Some(target) => {
                let spec = json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}});
                let statuses = match opt_int(obj, &["status", "currentCPUUtilizationPercentage"]) {
                    Some(cur) => vec![
                        json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": cur}}}),
                    ],
                    None => Vec::new(),
                };
                (vec![spec], statuses)
            }
            None => (Vec::new(), Vec::new()),
        }
    } else {
        (
            arr_at(obj, &["spec", "metrics"]).to_vec(),
            arr_at(obj, &["status", "currentMetrics"]).to_vec(),
        )
    };
    if specs.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 2;
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| format_metric(spec, statuses.get(i)))
        .collect();
    let count = list.len();
    if count > MAX {
        format!("{} + {} more...", list[..MAX].join(", "), count - MAX)
    } else {
        list.join(", ")
    }
}

fn hpa_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let reference = format!(
        "{}/{}",
        str_at(obj, &["spec", "scaleTargetRef", "kind"]),
        str_at(obj, &["spec", "scaleTargetRef", "name"])
    );
    let min = opt_int(obj, &["spec", "minReplicas"])
        .map(|m| m.to_string())
        .unwrap_or_else(|| "<unset>".to_string());
    vec![
        name_cell(obj),
        s(reference),
        s(hpa_targets(obj)),
        s(min),
        json!(int_at(obj, &["spec", "maxReplicas"])),
        json!(int_at(obj, &["status", "currentReplicas"])),
        age_cell(obj, now),
    ]
}

// ---------------------------------------------------------------- coordination, discovery

fn lease_columns() -> Vec<Column> {
    vec![NAME, Column::new("Holder", "string", d::LEASE_HOLDER), AGE]
}

fn lease_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "holderIdentity"])),
        age_cell(obj, now),
    ]
}

fn endpoint_slice_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("AddressType", "string", d::EPS_ADDRESS_TYPE),
        Column::new("Ports", "string", d::EPS_PORTS),
        Column::new("Endpoints", "string", d::EPS_ENDPOINTS),
        AGE,
    ]
}

fn endpoint_slice_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    const MAX: usize = 3;
    let ports = arr_at(obj, &["ports"]);
    let port_list: Vec<String> = ports
        .iter()
        .take(MAX)
        .map(|p| match (opt_int(p, &["port"]), opt_str(p, &["name"])) {
            (Some(n), _) => n.to_string(),
            (None, Some(name)) => name.to_string(),
            (None, None) => "*".to_string(),
        })
        .collect();
    let addresses: Vec<String> = arr_at(obj, &["endpoints"])
        .iter()
        .flat_map(|e| arr_at(e, &["addresses"]).iter().filter_map(Value::as_str))
        .map(str::to_string)
        .collect();
    let shown: Vec<String> = addresses.iter().take(MAX).cloned().collect();
    vec![
        name_cell(obj),
        s(str_at(obj, &["addressType"])),
        s(list_with_more(
            &port_list,
            ports.len() > MAX,
            ports.len(),
            MAX,
        )),
        s(list_with_more(
            &shown,
            addresses.len() > MAX,
            addresses.len(),
            MAX,
        )),
        age_cell(obj, now),
    ]
}

// ---------------------------------------------------------------- admission registration

fn webhook_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Webhooks",
            "integer",
            "Webhooks indicates the number of webhooks registered in this configuration",
        ),
        AGE,
    ]
}

fn webhook_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        json!(arr_at(obj, &["webhooks"]).len()),
        age_cell(obj, now),
    ]
}

const PARAM_KIND_DESC: &str =
    "ParamKind specifies the kind of resources used to parameterize this policy";

fn vap_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Validations",
            "integer",
            "Validations indicates the number of validation rules defined in this configuration",
        ),
        Column::new("ParamKind", "string", PARAM_KIND_DESC),
        AGE,
    ]
}

fn map_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Mutations",
            "integer",
            "Mutation indicates the number of mutations rules defined in this configuration",
        ),
        Column::new("ParamKind", "string", PARAM_KIND_DESC),
        AGE,
    ]
}

fn param_kind(obj: &Value) -> String {
    match get(obj, &["spec", "paramKind"]) {
        Some(p) => {
            format!("{}/{}", str_at(p, &["apiVersion"]), str_at(p, &["kind"]))
        }
        _ => "<unset>".to_string(),
    }
}

fn vap_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        json!(arr_at(obj, &["spec", "validations"]).len()),
        s(param_kind(obj)),
        age_cell(obj, now),
    ]
}

fn map_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        json!(arr_at(obj, &["spec", "mutations"]).len()),
        s(param_kind(obj)),
        age_cell(obj, now),
    ]
}

fn vapb_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "PolicyName",
            "string",
            "PolicyName indicates the policy definition which the policy binding binded to",
        ),
        Column::new(
            "ParamRef",
            "string",
            "ParamRef indicates the param resource which sets the configration param",
        ),
        AGE,
    ]
}

fn vapb_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let param = match get(obj, &["spec", "paramRef"]) {
        Some(p) => {
            let name = str_at(p, &["name"]);
            let ns = str_at(p, &["namespace"]);
            if !name.is_empty() {
                if ns.is_empty() {
                    format!("*/{name}")
                } else {
                    format!("{ns}/{name}")
                }
            } else if let Some(sel) = present(get(p, &["selector"])) {
                selector_string(Some(sel)).unwrap_or_default()
            } else {
                "<unset>".to_string()
            }
        }
        _ => "<unset>".to_string(),
    };
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "policyName"])),
        s(param),
        age_cell(obj, now),
    ]
}

// ---------------------------------------------------------------- node, flow control

fn runtime_class_columns() -> Vec<Column> {
    // Kubernetes looks this description up under a key ObjectMeta does not have.
    vec![NAME, Column::new("Handler", "string", ""), AGE]
}

fn runtime_class_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(str_at(obj, &["handler"])),
        age_cell(obj, now),
    ]
}

fn flow_schema_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("PriorityLevel", "string", d::FS_PL),
        Column::new("MatchingPrecedence", "string", d::FS_PRECEDENCE),
        Column::new("DistinguisherMethod", "string", d::FS_DISTINGUISHER),
        AGE,
        Column::new(
            "MissingPL",
            "string",
            "references a broken or non-existent PriorityLevelConfiguration",
        ),
    ]
}

fn flow_schema_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let distinguisher = opt_str(obj, &["spec", "distinguisherMethod", "type"]).unwrap_or("<none>");
    let missing = arr_at(obj, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Dangling")
        .map(|c| str_at(c, &["status"]))
        .unwrap_or("?");
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "priorityLevelConfiguration", "name"])),
        json!(int_at(obj, &["spec", "matchingPrecedence"])),
        s(distinguisher),
        age_cell(obj, now),
        s(missing),
    ]
}

fn plc_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Type", "string", d::PL_TYPE),
        Column::new("NominalConcurrencyShares", "string", d::PL_NCS),
        Column::new("Queues", "string", d::PL_QUEUES),
        Column::new("HandSize", "string", d::PL_HAND),
        Column::new("QueueLengthLimit", "string", d::PL_QLL),
        AGE,
    ]
}

fn plc_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let none = || s("<none>");
    let mut cells = [none(), none(), none(), none()];
    if let Some(limited) = present(get(obj, &["spec", "limited"])) {
        cells[0] = json!(int_at(limited, &["nominalConcurrencyShares"]));
        if let Some(queuing) = present(get(limited, &["limitResponse", "queuing"])) {
            cells[1] = json!(int_at(queuing, &["queues"]));
            cells[2] = json!(int_at(queuing, &["handSize"]));
            cells[3] = json!(int_at(queuing, &["queueLengthLimit"]));
        }
    }
    let [ncs, queues, hand, qll] = cells;
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "type"])),
        ncs,
        queues,
        hand,
        qll,
        age_cell(obj, now),
    ]
}

// ---------------------------------------------------------------- certificates, API services

fn csr_columns() -> Vec<Column> {
    vec![
        NAME,
        AGE,
        Column::new("SignerName", "string", d::CSR_SIGNER),
        Column::new("Requestor", "string", d::CSR_REQUEST),
        Column::new("RequestedDuration", "string", d::CSR_EXPIRATION),
        Column::new("Condition", "string", d::CSR_CONDITIONS),
    ]
}

fn csr_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let types: BTreeSet<&str> = arr_at(obj, &["status", "conditions"])
        .iter()
        .map(|c| str_at(c, &["type"]))
        .collect();
    let mut status = if types.contains("Denied") {
        "Denied"
    } else if types.contains("Approved") {
        "Approved"
    } else {
        "Pending"
    }
    .to_string();
    if types.contains("Failed") {
        status.push_str(",Failed");
    }
    if !str_at(obj, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    let signer = opt_str(obj, &["spec", "signerName"])
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>");
    let duration = opt_int(obj, &["spec", "expirationSeconds"])
        .map(|secs| human_duration(chrono::Duration::seconds(secs)))
        .unwrap_or_else(|| "<none>".to_string());
    vec![
        name_cell(obj),
        age_cell(obj, now),
        s(signer),
        s(str_at(obj, &["spec", "username"])),
        s(duration),
        s(status),
    ]
}

fn api_service_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "Service",
            "string",
            "The reference to the service that hosts this API endpoint.",
        ),
        Column::new("Available", "string", "Whether this service is available."),
        AGE,
    ]
}

fn api_service_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let service = match present(get(obj, &["spec", "service"])) {
        Some(svc) => format!("{}/{}", str_at(svc, &["namespace"]), str_at(svc, &["name"])),
        None => "Local".to_string(),
    };
    let available = match arr_at(obj, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Available")
    {
        None => "Unknown".to_string(),
        Some(c) if str_at(c, &["status"]) == "True" || str_at(c, &["reason"]).is_empty() => {
            str_at(c, &["status"]).to_string()
        }
        Some(c) => format!("{} ({})", str_at(c, &["status"]), str_at(c, &["reason"])),
    };
    vec![name_cell(obj), s(service), s(available), age_cell(obj, now)]
}

fn ctb_columns() -> Vec<Column> {
    vec![NAME, Column::new("SignerName", "string", d::CTB_SIGNER)]
}

fn ctb_cells(obj: &Value, _now: DateTime<Utc>) -> Vec<Value> {
    let signer = opt_str(obj, &["spec", "signerName"])
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>");
    vec![name_cell(obj), s(signer)]
}

fn lease_candidate_columns() -> Vec<Column> {
    // Kubernetes looks the version descriptions up under keys ObjectMeta does not have.
    vec![
        NAME,
        Column::new("LeaseName", "string", d::LEASECAND_LEASE),
        Column::new("BinaryVersion", "string", ""),
        Column::new("EmulationVersion", "string", ""),
        AGE,
    ]
}

fn lease_candidate_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "leaseName"])),
        s(str_at(obj, &["spec", "binaryVersion"])),
        s(str_at(obj, &["spec", "emulationVersion"])),
        age_cell(obj, now),
    ]
}

fn scale_columns() -> Vec<Column> {
    // The scale table's name column carries no `name` format in Kubernetes.
    vec![
        Column::new("Name", "string", d::META_NAME),
        Column::new("Desired", "integer", d::SCALE_SPEC_REPLICAS),
        Column::new("Available", "integer", d::SCALE_STATUS_REPLICAS),
        AGE,
    ]
}

fn scale_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        json!(int_at(obj, &["spec", "replicas"])),
        json!(int_at(obj, &["status", "replicas"])),
        age_cell(obj, now),
    ]
}

fn name_age_columns() -> Vec<Column> {
    vec![NAME, AGE]
}

fn name_age_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![name_cell(obj), age_cell(obj, now)]
}

fn resource_claim_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new(
            "State",
            "string",
            "A summary of the current state (allocated, pending, reserved, etc.).",
        ),
        AGE,
    ]
}

fn resource_claim_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let deleted = present(get(obj, &["metadata", "deletionTimestamp"])).is_some();
    let mut states = Vec::new();
    if deleted {
        states.push("deleted");
    }
    if present(get(obj, &["status", "allocation"])).is_none() {
        if !deleted {
            states.push("pending");
        }
    } else {
        states.push("allocated");
        if !arr_at(obj, &["status", "reservedFor"]).is_empty() {
            states.push("reserved");
        }
    }
    vec![name_cell(obj), s(states.join(",")), age_cell(obj, now)]
}

fn resource_slice_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Node", "string", d::RSLICE_NODE),
        Column::new("Driver", "string", d::RSLICE_DRIVER),
        Column::new("Pool", "string", d::RPOOL_NAME),
        AGE,
    ]
}

fn resource_slice_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(str_at(obj, &["spec", "nodeName"])),
        s(str_at(obj, &["spec", "driver"])),
        s(str_at(obj, &["spec", "pool", "name"])),
        age_cell(obj, now),
    ]
}
