//! Pod specs and pod templates: containers, ports, volumes and mounts, environment,
//! policies, and the narrow set of fields a pod update may change.

use super::names::{
    inclusive_range_error, is_dns1123_label, is_dns1123_subdomain, is_valid_port_name,
};
use super::{str_at, validate_annotations, validate_labels, FieldError};
use crate::decode::quantity::Quantity;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashSet;

const RESTART_POLICIES: &[&str] = &["Always", "OnFailure", "Never"];
const DNS_POLICIES: &[&str] = &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const TERMINATION_MESSAGE_POLICIES: &[&str] = &["FallbackToLogsOnError", "File"];

/// Kubernetes' text for a pod spec change outside the mutable fields.
pub const POD_UPDATE_FORBIDDEN: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

fn port_num(v: i64, path: String, errs: &mut Vec<FieldError>) {
    if !(1..=65535).contains(&v) {
        errs.push(FieldError::invalid(
            path,
            v,
            inclusive_range_error(1, 65535),
        ));
    }
}

/// A pod template (`spec.template` of the workload kinds).
pub fn validate_pod_template(tmpl: Option<&Value>, path: &str, errs: &mut Vec<FieldError>) {
    let Some(tmpl) = tmpl.filter(|t| t.is_object()) else {
        errs.push(FieldError::required(path, ""));
        return;
    };
    let meta = tmpl.get("metadata").unwrap_or(&Value::Null);
    validate_labels(meta.get("labels"), &format!("{path}.metadata.labels"), errs);
    validate_annotations(
        meta.get("annotations"),
        &format!("{path}.metadata.annotations"),
        errs,
    );
    validate_pod_spec(
        tmpl.get("spec").unwrap_or(&Value::Null),
        &format!("{path}.spec"),
        errs,
    );
}

/// Kubernetes' `ValidatePodSpec` for the fields rkube checks.
pub fn validate_pod_spec(spec: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let volumes = validate_volumes(spec.get("volumes"), &format!("{path}.volumes"), errs);
    let mut names = HashSet::new();
    let containers = spec.get("containers").and_then(Value::as_array);
    if containers.is_none_or(Vec::is_empty) {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    for (key, list) in [
        (
            "initContainers",
            spec.get("initContainers").and_then(Value::as_array),
        ),
        ("containers", containers),
    ] {
        for (i, c) in list.into_iter().flatten().enumerate() {
            validate_container(c, &format!("{path}.{key}[{i}]"), &volumes, &mut names, errs);
        }
    }
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for key in ["initContainers", "containers"] {
            for (i, c) in spec
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (j, port) in c
                    .get("ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let cp = port
                        .get("containerPort")
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    let hp = port.get("hostPort").and_then(Value::as_i64).unwrap_or(0);
                    if hp != 0 && hp != cp {
                        errs.push(FieldError::invalid(
                            format!("{path}.{key}[{i}].ports[{j}].hostPort"),
                            hp,
                            "must match `containerPort` when `hostNetwork` is true",
                        ));
                    }
                }
            }
        }
    }
    if let Some(p) = spec.get("restartPolicy").and_then(Value::as_str) {
        if !RESTART_POLICIES.contains(&p) {
            errs.push(FieldError::not_supported(
                format!("{path}.restartPolicy"),
                p,
                RESTART_POLICIES,
            ));
        }
    }
    if let Some(p) = spec.get("dnsPolicy").and_then(Value::as_str) {
        if !DNS_POLICIES.contains(&p) {
            errs.push(FieldError::not_supported(
                format!("{path}.dnsPolicy"),
                p,
                DNS_POLICIES,
            ));
        }
    }
    if let Some(n) = spec.get("activeDeadlineSeconds").and_then(Value::as_i64) {
        if !(1..=i64::from(i32::MAX)).contains(&n) {
            errs.push(FieldError::invalid(
                format!("{path}.activeDeadlineSeconds"),
                n,
                inclusive_range_error(1, i64::from(i32::MAX)),
            ));
        }
    }
    for key in ["hostname", "subdomain"] {
        let v = str_at(spec, key);
        if !v.is_empty() {
            for msg in is_dns1123_label(v) {
                errs.push(FieldError::invalid(format!("{path}.{key}"), v, msg));
            }
        }
    }
    for key in ["serviceAccountName", "nodeName", "priorityClassName"] {
        let v = str_at(spec, key);
        if !v.is_empty() {
            for msg in is_dns1123_subdomain(v) {
                errs.push(FieldError::invalid(format!("{path}.{key}"), v, msg));
            }
        }
    }
    validate_labels(
        spec.get("nodeSelector"),
        &format!("{path}.nodeSelector"),
        errs,
    );
    if let Some(tols) = spec.get("tolerations").and_then(Value::as_array) {
        for (i, t) in tols.iter().enumerate() {
            let p = format!("{path}.tolerations[{i}]");
            let op = str_at(t, "operator");
            match op {
                "" | "Equal" => {
                    if str_at(t, "key").is_empty() && !op.is_empty() {
                        errs.push(FieldError::invalid(format!("{p}.operator"), op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
                    }
                }
                "Exists" => {
                    if !str_at(t, "value").is_empty() {
                        errs.push(FieldError::invalid(
                            format!("{p}.operator"),
                            str_at(t, "value"),
                            "value must be empty when `operator` is 'Exists'",
                        ));
                    }
                }
                other => errs.push(FieldError::not_supported(
                    format!("{p}.operator"),
                    other,
                    &["Equal", "Exists"],
                )),
            }
            let effect = str_at(t, "effect");
            if !effect.is_empty()
                && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect)
            {
                errs.push(FieldError::not_supported(
                    format!("{p}.effect"),
                    effect,
                    &["NoSchedule", "PreferNoSchedule", "NoExecute"],
                ));
            }
        }
    }
}

/// Returns the declared volume names.
fn validate_volumes(
    volumes: Option<&Value>,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> HashSet<String> {
    let mut names = HashSet::new();
    for (i, v) in volumes
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("{path}[{i}]");
        let name = str_at(v, "name");
        if name.is_empty() {
            errs.push(FieldError::required(format!("{p}.name"), ""));
        } else {
            for msg in is_dns1123_label(name) {
                errs.push(FieldError::invalid(format!("{p}.name"), name, msg));
            }
            if !names.insert(name.to_string()) {
                errs.push(FieldError::duplicate(format!("{p}.name"), name));
            }
        }
        let sources = v
            .as_object()
            .map_or(0, |m| m.keys().filter(|k| *k != "name").count());
        if sources == 0 {
            errs.push(FieldError::required(p, "must specify a volume type"));
        }
    }
    names
}

fn validate_container(
    c: &Value,
    path: &str,
    volumes: &HashSet<String>,
    names: &mut HashSet<String>,
    errs: &mut Vec<FieldError>,
) {
    let name = str_at(c, "name");
    if name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    } else {
        let msgs = is_dns1123_label(name);
        let valid = msgs.is_empty();
        for msg in msgs {
            errs.push(FieldError::invalid(format!("{path}.name"), name, msg));
        }
        if valid && !names.insert(name.to_string()) {
            errs.push(FieldError::duplicate(format!("{path}.name"), name));
        }
    }
    let image = str_at(c, "image");
    if image.is_empty() {
        errs.push(FieldError::required(format!("{path}.image"), ""));
    } else if image.trim() != image {
        errs.push(FieldError::invalid(
            format!("{path}.image"),
            image,
            "must not have leading or trailing whitespace",
        ));
    }
    if let Some(p) = c.get("imagePullPolicy").and_then(Value::as_str) {
        if !PULL_POLICIES.contains(&p) {
            errs.push(FieldError::not_supported(
                format!("{path}.imagePullPolicy"),
                p,
                PULL_POLICIES,
            ));
        }
    }
    if let Some(p) = c.get("terminationMessagePolicy").and_then(Value::as_str) {
        if !TERMINATION_MESSAGE_POLICIES.contains(&p) {
            errs.push(FieldError::not_supported(
                format!("{path}.terminationMessagePolicy"),
                p,
                TERMINATION_MESSAGE_POLICIES,
            ));
        }
    }
    validate_resources(c.get("resources"), &format!("{path}.resources"), errs);
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get(probe).filter(|p| p.is_object()) {
            validate_handler(p, &format!("{path}.{probe}"), errs);
            for key in [
                "initialDelaySeconds",
                "timeoutSeconds",
                "periodSeconds",
                "successThreshold",
                "failureThreshold",
            ] {
                if let Some(n) = p.get(key).and_then(Value::as_i64).filter(|n| *n < 0) {
                    errs.push(FieldError::invalid(
                        format!("{path}.{probe}.{key}"),
                        n,
                        "must be greater than or equal to 0",
                    ));
                }
            }
            if probe != "readinessProbe" {
                if let Some(n) = p
                    .get("successThreshold")
                    .and_then(Value::as_i64)
                    .filter(|n| *n != 1)
                {
                    errs.push(FieldError::invalid(
                        format!("{path}.{probe}.successThreshold"),
                        n,
                        "must be 1",
                    ));
                }
            }
        }
    }
    if let Some(l) = c.get("lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(h) = l.get(hook).filter(|h| h.is_object()) {
                validate_handler(h, &format!("{path}.lifecycle.{hook}"), errs);
            }
        }
    }
    let mut port_names = HashSet::new();
    for (i, port) in c
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("{path}.ports[{i}]");
        let pname = str_at(port, "name");
        if !pname.is_empty() {
            for msg in is_valid_port_name(pname) {
                errs.push(FieldError::invalid(format!("{p}.name"), pname, msg));
            }
            if !port_names.insert(pname.to_string()) {
                errs.push(FieldError::duplicate(format!("{p}.name"), pname));
            }
        }
        match port
            .get("containerPort")
            .and_then(Value::as_i64)
            .unwrap_or(0)
        {
            0 => errs.push(FieldError::required(format!("{p}.containerPort"), "")),
            n => port_num(n, format!("{p}.containerPort"), errs),
        }
        if let Some(h) = port
            .get("hostPort")
            .and_then(Value::as_i64)
            .filter(|h| *h != 0)
        {
            port_num(h, format!("{p}.hostPort"), errs);
        }
        match port.get("protocol").and_then(Value::as_str) {
            None | Some("") => {}
            Some(proto) if PROTOCOLS.contains(&proto) => {}
            Some(proto) => errs.push(FieldError::not_supported(
                format!("{p}.protocol"),
                proto,
                PROTOCOLS,
            )),
        }
    }
    for (i, env) in c
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("{path}.env[{i}].name");
        let n = str_at(env, "name");
        if n.is_empty() {
            errs.push(FieldError::required(p, ""));
        } else if !n.bytes().all(|b| (32..=126).contains(&b) && b != b'=') {
            errs.push(FieldError::invalid(p, n, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
        }
    }
    let mut mount_paths = HashSet::new();
    for (i, m) in c
        .get("volumeMounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("{path}.volumeMounts[{i}]");
        let n = str_at(m, "name");
        if n.is_empty() {
            errs.push(FieldError::required(format!("{p}.name"), ""));
        } else if !volumes.contains(n) {
            errs.push(FieldError::not_found(format!("{p}.name"), n));
        }
        let mp = str_at(m, "mountPath");
        if mp.is_empty() {
            errs.push(FieldError::required(format!("{p}.mountPath"), ""));
        } else if !mount_paths.insert(mp.to_string()) {
            errs.push(FieldError::invalid(
                format!("{p}.mountPath"),
                mp,
                "must be unique",
            ));
        }
    }
}

/// Resource names whose requests may be below their limits (native resources other
/// than huge pages); other requests must equal their limits.
fn overcommit_allowed(name: &str) -> bool {
    let native = !name.contains('/') || name.contains("kubernetes.io/");
    native && !name.starts_with("hugepages-")
}

/// Kubernetes' `ValidateResourceRequirements` for the quantity rules.
fn validate_resources(res: Option<&Value>, path: &str, errs: &mut Vec<FieldError>) {
    let Some(res) = res else { return };
    let parse = |v: &Value| v.as_str().and_then(|s| Quantity::parse(s).ok());
    let limits = res.get("limits").and_then(Value::as_object);
    for (name, v) in limits.into_iter().flatten() {
        if let Some(q) = parse(v).filter(Quantity::is_negative) {
            errs.push(FieldError::invalid(
                format!("{path}.limits[{name}]"),
                q.canonical(),
                "must be greater than or equal to 0",
            ));
        }
    }
    for (name, v) in res
        .get("requests")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(q) = parse(v) else { continue };
        if q.is_negative() {
            errs.push(FieldError::invalid(
                format!("{path}.requests[{name}]"),
                q.canonical(),
                "must be greater than or equal to 0",
            ));
        }
        let Some(limit) = limits.and_then(|l| l.get(name)).and_then(parse) else {
            continue;
        };
        match q.cmp_value(&limit) {
            Some(Ordering::Equal) | None => {}
            Some(_) if !overcommit_allowed(name) => errs.push(FieldError::invalid(
                format!("{path}.requests"),
                q.canonical(),
                format!("must be equal to {name} limit of {}", limit.canonical()),
            )),
            Some(Ordering::Greater) => errs.push(FieldError::invalid(
                format!("{path}.requests"),
                q.canonical(),
                format!(
                    "must be less than or equal to {name} limit of {}",
                    limit.canonical()
                ),
            )),
            Some(Ordering::Less) => {}
        }
    }
}

/// Exactly one handler (`exec`, `httpGet`, `tcpSocket`, `grpc`, `sleep`) per probe
/// or lifecycle hook.
fn validate_handler(h: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let kinds = ["exec", "httpGet", "tcpSocket", "grpc", "sleep"];
    let present: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|k| h.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    match present.len() {
        0 => errs.push(FieldError::required(path, "must specify a handler type")),
        1 => {}
        _ => errs.push(FieldError::forbidden(
            format!("{path}.{}", present[1]),
            "may not specify more than 1 handler type",
        )),
    }
}

/// Status of a pod written through `pods/status`.
pub fn validate_pod_status(status: &Value, errs: &mut Vec<FieldError>) {
    if let Some(phase) = status.get("phase").and_then(Value::as_str) {
        let valid = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
        if !valid.contains(&phase) {
            errs.push(FieldError::not_supported("status.phase", phase, &valid));
        }
    }
}

/// Pod updates may only change container images, `activeDeadlineSeconds`, add
/// tolerations and lower a negative grace period; everything else in `spec` is fixed.
pub fn validate_pod_update(old: &Value, new: &Value, errs: &mut Vec<FieldError>) {
    let (Some(os), Some(ns)) = (old.get("spec"), new.get("spec")) else {
        return;
    };
    let mut a = os.clone();
    let mut b = ns.clone();
    for spec in [&mut a, &mut b] {
        for key in ["containers", "initContainers"] {
            if let Some(list) = spec.get_mut(key).and_then(Value::as_array_mut) {
                for c in list {
                    if let Some(m) = c.as_object_mut() {
                        m.remove("image");
                    }
                }
            }
        }
        if let Some(m) = spec.as_object_mut() {
            m.remove("activeDeadlineSeconds");
            m.remove("tolerations");
            m.remove("terminationGracePeriodSeconds");
            m.remove("schedulingGates");
        }
    }
    // The scheduler's binding sets nodeName once; setting it on an unbound pod is
    // the `binding` subresource's job, not an update.
    if a != b {
        errs.push(FieldError::forbidden("spec", POD_UPDATE_FORBIDDEN));
    }
    if let Some(n) = ns.get("activeDeadlineSeconds").and_then(Value::as_i64) {
        if let Some(o) = os.get("activeDeadlineSeconds").and_then(Value::as_i64) {
            if n > o {
                errs.push(FieldError::invalid(
                    "spec.activeDeadlineSeconds",
                    n,
                    "must be less than or equal to previous value",
                ));
            }
        }
    } else if os.get("activeDeadlineSeconds").is_some() {
        errs.push(FieldError::invalid(
            "spec.activeDeadlineSeconds",
            Value::Null,
            "must not update from a positive integer to nil value",
        ));
    }
    let old_tols = os
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let new_tols = ns
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if old_tols.iter().any(|t| !new_tols.contains(t)) {
        errs.push(FieldError::forbidden(
            "spec.tolerations",
            "existing toleration can not be modified except its tolerationSeconds",
        ));
    }
    // Scheduling gates may only be removed.
    let old_gates = os
        .get("schedulingGates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, g) in ns
        .get("schedulingGates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let known = old_gates.iter().any(|o| o.get("name") == g.get("name"));
        if !known {
            let name = g.get("name").and_then(Value::as_str).unwrap_or_default();
            errs.push(FieldError::forbidden(
                format!("spec.schedulingGates[{i}]"),
                format!("only deletion is allowed, but found new scheduling gate '{name}'"),
            ));
        }
    }
    let old_grace = os
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    let new_grace = ns
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    let grace_ok =
        old_grace == new_grace || (old_grace.is_some_and(|g| g < 0) && new_grace == Some(1));
    if !grace_ok && a == b {
        errs.push(FieldError::forbidden("spec", POD_UPDATE_FORBIDDEN));
    }
}
