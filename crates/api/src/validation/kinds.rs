//! Validation of the kinds that do not own pods: Services, ConfigMaps, Secrets,
//! Namespaces, volumes and claims, RBAC, scheduling, storage, networking,
//! coordination, discovery, autoscaling and policy objects.

use super::names::{
    inclusive_range_error, is_dns1123_label, is_dns1123_subdomain, is_qualified_name,
    is_valid_port_name, max_len_error, regex_error,
};
use super::{immutable, json_string_slice, str_at, validate_labels, FieldError};
use crate::registry::ResourceInfo;
use serde_json::Value;
use std::collections::HashSet;

/// Most bytes a ConfigMap's or Secret's data may hold.
pub const MAX_DATA_SIZE: usize = 1024 * 1024;

const SERVICE_TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const ACCESS_MODES: &[&str] = &[
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];
const IMMUTABLE_DATA: &str = "field is immutable when `immutable` is set";

/// Kubernetes' text for a claim spec change outside the mutable fields.
pub const PVC_UPDATE_FORBIDDEN: &str = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

fn enum_field(obj: &Value, key: &str, path: &str, allowed: &[&str], errs: &mut Vec<FieldError>) {
    if let Some(v) = obj.get(key).and_then(Value::as_str) {
        if !allowed.contains(&v) {
            errs.push(FieldError::not_supported(path, v, allowed));
        }
    }
}

/// Kubernetes' `IsConfigMapKey`.
pub fn is_config_map_key(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if key.len() > 253 {
        errs.push(max_len_error(253));
    }
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        errs.push(regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    if key == "." {
        errs.push("must not be '.'".to_string());
    } else if key == ".." {
        errs.push("must not be '..'".to_string());
    } else if key.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

/// Keys and total size of `data`/`binaryData`/`stringData`.
fn validate_data(obj: &Value, keys: &[&str], errs: &mut Vec<FieldError>) {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut total = 0;
    for field in keys {
        let Some(m) = obj.get(*field).and_then(Value::as_object) else {
            continue;
        };
        for (k, v) in m {
            for msg in is_config_map_key(k) {
                errs.push(FieldError::invalid(
                    format!("{field}[{k}]"),
                    k.as_str(),
                    msg,
                ));
            }
            if *field != "stringData" && !seen.insert(k) {
                errs.push(FieldError::invalid(
                    format!("{field}[{k}]"),
                    k.as_str(),
                    format!("duplicate of key present in {}", keys[0]),
                ));
            }
            total += v.as_str().map_or(0, str::len);
        }
    }
    if total > MAX_DATA_SIZE {
        errs.push(FieldError::too_long("data", MAX_DATA_SIZE));
    }
}

fn data_has(obj: &Value, key: &str) -> bool {
    ["data", "stringData"]
        .iter()
        .any(|f| obj.get(*f).and_then(|d| d.get(key)).is_some())
}

fn validate_service(spec: &Value, errs: &mut Vec<FieldError>) {
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    if !SERVICE_TYPES.contains(&ty) {
        errs.push(FieldError::not_supported("spec.type", ty, SERVICE_TYPES));
    }
    enum_field(
        spec,
        "sessionAffinity",
        "spec.sessionAffinity",
        &["ClientIP", "None"],
        errs,
    );
    let headless = str_at(spec, "clusterIP") == "None";
    let ports = spec
        .get("ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if ty == "ExternalName" {
        let en = str_at(spec, "externalName");
        if en.is_empty() {
            errs.push(FieldError::required("spec.externalName", ""));
        } else {
            for msg in is_dns1123_subdomain(en.trim_end_matches('.')) {
                errs.push(FieldError::invalid("spec.externalName", en, msg));
            }
        }
    } else if ports.is_empty() && !headless {
        errs.push(FieldError::required("spec.ports", ""));
    }
    let mut names = HashSet::new();
    let mut pairs = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        let name = str_at(p, "name");
        if ports.len() > 1 && name.is_empty() {
            errs.push(FieldError::required(format!("{path}.name"), ""));
        } else if !name.is_empty() {
            for msg in is_dns1123_label(name) {
                errs.push(FieldError::invalid(format!("{path}.name"), name, msg));
            }
            if !names.insert(name.to_string()) {
                errs.push(FieldError::duplicate(format!("{path}.name"), name));
            }
        }
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            errs.push(FieldError::invalid(
                format!("{path}.port"),
                port,
                inclusive_range_error(1, 65535),
            ));
        }
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        if !PROTOCOLS.contains(&proto) {
            errs.push(FieldError::not_supported(
                format!("{path}.protocol"),
                proto,
                PROTOCOLS,
            ));
        }
        if !pairs.insert((port, proto.to_string())) {
            errs.push(FieldError::duplicate(
                path.to_string(),
                format!("{port}/{proto}"),
            ));
        }
        match p.get("targetPort") {
            Some(Value::Number(n)) => {
                let n = n.as_i64().unwrap_or(0);
                if !(1..=65535).contains(&n) {
                    errs.push(FieldError::invalid(
                        format!("{path}.targetPort"),
                        n,
                        inclusive_range_error(1, 65535),
                    ));
                }
            }
            Some(Value::String(s)) => {
                for msg in is_valid_port_name(s) {
                    errs.push(FieldError::invalid(
                        format!("{path}.targetPort"),
                        s.as_str(),
                        msg,
                    ));
                }
            }
            _ => {}
        }
        if let Some(np) = p
            .get("nodePort")
            .and_then(Value::as_i64)
            .filter(|n| *n != 0)
        {
            if ty == "ClusterIP" || ty == "ExternalName" {
                errs.push(FieldError::forbidden(
                    format!("{path}.nodePort"),
                    format!("may not be used when `type` is '{ty}'"),
                ));
            } else if !(1..=65535).contains(&np) {
                errs.push(FieldError::invalid(
                    format!("{path}.nodePort"),
                    np,
                    inclusive_range_error(1, 65535),
                ));
            }
        }
    }
    validate_labels(spec.get("selector"), "spec.selector", errs);
    for key in ["externalTrafficPolicy", "internalTrafficPolicy"] {
        enum_field(
            spec,
            key,
            &format!("spec.{key}"),
            &["Cluster", "Local"],
            errs,
        );
    }
    if let Some(p) = spec.get("externalTrafficPolicy").and_then(Value::as_str) {
        if ty == "ClusterIP" || ty == "ExternalName" {
            errs.push(FieldError::invalid(
                "spec.externalTrafficPolicy",
                p,
                "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
            ));
        }
    }
    enum_field(
        spec,
        "ipFamilyPolicy",
        "spec.ipFamilyPolicy",
        &["SingleStack", "PreferDualStack", "RequireDualStack"],
        errs,
    );
    for (i, f) in spec
        .get("ipFamilies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let f = f.as_str().unwrap_or_default();
        if f != "IPv4" && f != "IPv6" {
            errs.push(FieldError::not_supported(
                format!("spec.ipFamilies[{i}]"),
                f,
                &["IPv4", "IPv6"],
            ));
        }
    }
}

fn validate_secret(obj: &Value, errs: &mut Vec<FieldError>) {
    validate_data(obj, &["data", "stringData"], errs);
    let ty = obj.get("type").and_then(Value::as_str).unwrap_or("Opaque");
    let need = |key: &str, errs: &mut Vec<FieldError>| {
        if !data_has(obj, key) {
            errs.push(FieldError::required(format!("data[{key}]"), ""));
        }
    };
    match ty {
        "kubernetes.io/service-account-token" => {
            let ann = obj.pointer("/metadata/annotations/kubernetes.io~1service-account.name");
            if ann.and_then(Value::as_str).is_none_or(str::is_empty) {
                errs.push(FieldError::required(
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" => need(".dockercfg", errs),
        "kubernetes.io/dockerconfigjson" => need(".dockerconfigjson", errs),
        "kubernetes.io/basic-auth" if !data_has(obj, "username") && !data_has(obj, "password") => {
            errs.push(FieldError::required("data[username]", ""));
            errs.push(FieldError::required("data[password]", ""));
        }
        "kubernetes.io/ssh-auth" => need("ssh-privatekey", errs),
        "kubernetes.io/tls" => {
            need("tls.crt", errs);
            need("tls.key", errs);
        }
        _ => {}
    }
}

fn validate_rules(rules: Option<&Value>, namespaced: bool, errs: &mut Vec<FieldError>) {
    for (i, r) in rules
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("rules[{i}]");
        let list = |k: &str| {
            r.get(k)
                .and_then(Value::as_array)
                .map(Vec::len)
                .unwrap_or(0)
        };
        if list("verbs") == 0 {
            errs.push(FieldError::required(
                format!("{p}.verbs"),
                "verbs must contain at least one value",
            ));
        }
        let urls = list("nonResourceURLs");
        if urls > 0 {
            if namespaced {
                let v = r
                    .get("nonResourceURLs")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                errs.push(FieldError::invalid_rendered(
                    format!("{p}.nonResourceURLs"),
                    json_string_slice(v.iter().filter_map(Value::as_str)),
                    "namespaced rules cannot apply to non-resource URLs",
                ));
            }
            if list("apiGroups") > 0 || list("resources") > 0 || list("resourceNames") > 0 {
                errs.push(FieldError::invalid_rendered(
                    format!("{p}.nonResourceURLs"),
                    json_string_slice(
                        r["nonResourceURLs"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str),
                    ),
                    "rules cannot apply to both regular resources and non-resource URLs",
                ));
            }
        } else if list("apiGroups") == 0 {
            errs.push(FieldError::required(
                format!("{p}.apiGroups"),
                "resource rules must supply at least one api group",
            ));
        } else if list("resources") == 0 {
            errs.push(FieldError::required(
                format!("{p}.resources"),
                "resource rules must supply at least one resource",
            ));
        }
    }
}

fn validate_binding(obj: &Value, cluster: bool, errs: &mut Vec<FieldError>) {
    let rr = obj.get("roleRef").unwrap_or(&Value::Null);
    let kinds: &[&str] = if cluster {
        &["ClusterRole"]
    } else {
        &["Role", "ClusterRole"]
    };
    let kind = str_at(rr, "kind");
    if !kinds.contains(&kind) {
        errs.push(FieldError::not_supported("roleRef.kind", kind, kinds));
    }
    let group = str_at(rr, "apiGroup");
    if group != "rbac.authorization.k8s.io" {
        errs.push(FieldError::not_supported(
            "roleRef.apiGroup",
            group,
            &["rbac.authorization.k8s.io"],
        ));
    }
    if str_at(rr, "name").is_empty() {
        errs.push(FieldError::required("roleRef.name", ""));
    }
    for (i, s) in obj
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("subjects[{i}]");
        let name = str_at(s, "name");
        if name.is_empty() {
            errs.push(FieldError::required(format!("{p}.name"), ""));
        }
        match str_at(s, "kind") {
            "ServiceAccount" => {
                if !name.is_empty() {
                    for msg in is_dns1123_subdomain(name) {
                        errs.push(FieldError::invalid(format!("{p}.name"), name, msg));
                    }
                }
                if cluster && str_at(s, "namespace").is_empty() {
                    errs.push(FieldError::required(format!("{p}.namespace"), ""));
                }
            }
            "User" | "Group" => {
                if str_at(s, "apiGroup") != "rbac.authorization.k8s.io" {
                    errs.push(FieldError::not_supported(
                        format!("{p}.apiGroup"),
                        str_at(s, "apiGroup"),
                        &["rbac.authorization.k8s.io"],
                    ));
                }
            }
            other => errs.push(FieldError::not_supported(
                format!("{p}.kind"),
                other,
                &["ServiceAccount", "User", "Group"],
            )),
        }
    }
}

fn positive(obj: &Value, key: &str, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(n) = obj.get(key).and_then(Value::as_i64) {
        if n <= 0 {
            errs.push(FieldError::invalid(path, n, "must be greater than 0"));
        }
    }
}

/// Create (and the shape part of update) validation for the non-workload kinds.
pub fn validate(info: &ResourceInfo, obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    match (info.group, info.kind) {
        ("", "Service") => validate_service(spec, errs),
        ("", "ConfigMap") => validate_data(obj, &["data", "binaryData"], errs),
        ("", "Secret") => validate_secret(obj, errs),
        ("", "Namespace") => {
            for (i, f) in spec
                .get("finalizers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let f = f.as_str().unwrap_or_default();
                let msgs = if f.contains('/') {
                    is_qualified_name(f)
                } else {
                    Vec::new()
                };
                let msgs = if f == "kubernetes" || !msgs.is_empty() || f.contains('/') {
                    msgs
                } else {
                    vec![
                        "name is neither a standard finalizer name nor is it fully qualified"
                            .to_string(),
                    ]
                };
                for msg in msgs {
                    errs.push(FieldError::invalid(format!("spec.finalizers[{i}]"), f, msg));
                }
            }
        }
        ("", "PersistentVolumeClaim") => {
            let modes = spec.get("accessModes").and_then(Value::as_array);
            if modes.is_none_or(Vec::is_empty) && spec.get("dataSourceRef").is_none() {
                errs.push(FieldError::required(
                    "spec.accessModes",
                    "at least 1 access mode is required",
                ));
            }
            for m in modes.into_iter().flatten() {
                let m = m.as_str().unwrap_or_default();
                if !ACCESS_MODES.contains(&m) {
                    errs.push(FieldError::not_supported(
                        "spec.accessModes",
                        m,
                        ACCESS_MODES,
                    ));
                }
            }
            if spec.pointer("/resources/requests/storage").is_none() {
                errs.push(FieldError::required("spec.resources[storage]", ""));
            }
            enum_field(
                spec,
                "volumeMode",
                "spec.volumeMode",
                &["Block", "Filesystem"],
                errs,
            );
        }
        ("", "PersistentVolume") => {
            if spec.pointer("/capacity/storage").is_none() {
                errs.push(FieldError::required("spec.capacity", ""));
            }
            let modes = spec.get("accessModes").and_then(Value::as_array);
            if modes.is_none_or(Vec::is_empty) {
                errs.push(FieldError::required("spec.accessModes", ""));
            }
            for m in modes.into_iter().flatten() {
                let m = m.as_str().unwrap_or_default();
                if !ACCESS_MODES.contains(&m) {
                    errs.push(FieldError::not_supported(
                        "spec.accessModes",
                        m,
                        ACCESS_MODES,
                    ));
                }
            }
            enum_field(
                spec,
                "persistentVolumeReclaimPolicy",
                "spec.persistentVolumeReclaimPolicy",
                &["Delete", "Recycle", "Retain"],
                errs,
            );
            enum_field(
                spec,
                "volumeMode",
                "spec.volumeMode",
                &["Block", "Filesystem"],
                errs,
            );
            let non_source = [
                "capacity",
                "accessModes",
                "claimRef",
                "persistentVolumeReclaimPolicy",
                "storageClassName",
                "mountOptions",
                "volumeMode",
                "nodeAffinity",
                "volumeAttributesClassName",
            ];
            let sources = spec.as_object().map_or(0, |m| {
                m.keys()
                    .filter(|k| !non_source.contains(&k.as_str()))
                    .count()
            });
            if sources == 0 {
                errs.push(FieldError::required("spec", "must specify a volume type"));
            }
        }
        ("", "ServiceAccount") => {
            for (i, s) in obj
                .get("secrets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if str_at(s, "name").is_empty() {
                    errs.push(FieldError::required(format!("secrets[{i}].name"), ""));
                }
            }
        }
        ("rbac.authorization.k8s.io", "Role") => validate_rules(obj.get("rules"), true, errs),
        ("rbac.authorization.k8s.io", "ClusterRole") => {
            validate_rules(obj.get("rules"), false, errs)
        }
        ("rbac.authorization.k8s.io", "RoleBinding") => validate_binding(obj, false, errs),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => validate_binding(obj, true, errs),
        ("scheduling.k8s.io", "PriorityClass") => {
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let value = obj.get("value").and_then(Value::as_i64).unwrap_or(0);
            if name.starts_with("system-")
                && name != "system-node-critical"
                && name != "system-cluster-critical"
            {
                errs.push(FieldError::invalid(
                    "metadata.name",
                    name,
                    "priority class names with 'system-' prefix are reserved",
                ));
            } else if !name.starts_with("system-") && value > 1_000_000_000 {
                errs.push(FieldError::forbidden(
                    "value",
                    "maximum allowed value of a user defined priority is 1000000000",
                ));
            }
            enum_field(
                obj,
                "preemptionPolicy",
                "preemptionPolicy",
                &["Never", "PreemptLowerPriority"],
                errs,
            );
        }
        ("storage.k8s.io", "StorageClass") => {
            let prov = str_at(obj, "provisioner");
            if prov.is_empty() {
                errs.push(FieldError::required("provisioner", ""));
            } else {
                for msg in is_qualified_name(&prov.to_lowercase()) {
                    errs.push(FieldError::invalid("provisioner", prov, msg));
                }
            }
            enum_field(
                obj,
                "reclaimPolicy",
                "reclaimPolicy",
                &["Delete", "Retain"],
                errs,
            );
            enum_field(
                obj,
                "volumeBindingMode",
                "volumeBindingMode",
                &["Immediate", "WaitForFirstConsumer"],
                errs,
            );
        }
        ("networking.k8s.io", "IngressClass") => {
            let c = str_at(spec, "controller");
            if c.is_empty() {
                errs.push(FieldError::required("spec.controller", ""));
            } else {
                for msg in is_qualified_name(c) {
                    errs.push(FieldError::invalid("spec.controller", c, msg));
                }
            }
        }
        ("networking.k8s.io", "Ingress") => {
            let rules = spec.get("rules").and_then(Value::as_array);
            if rules.is_none_or(Vec::is_empty) && spec.get("defaultBackend").is_none() {
                errs.push(FieldError::invalid_rendered(
                    "spec.rules",
                    "null".to_string(),
                    "either `defaultBackend` or `rules` must be specified",
                ));
            }
            for (i, r) in rules.into_iter().flatten().enumerate() {
                let host = str_at(r, "host");
                if !host.is_empty() {
                    let h = host.strip_prefix("*.").unwrap_or(host);
                    for msg in is_dns1123_subdomain(h) {
                        errs.push(FieldError::invalid(
                            format!("spec.rules[{i}].host"),
                            host,
                            msg,
                        ));
                    }
                }
                for (j, p) in r
                    .pointer("/http/paths")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let base = format!("spec.rules[{i}].http.paths[{j}]");
                    let pt = str_at(p, "pathType");
                    if pt.is_empty() {
                        errs.push(FieldError::required(
                            format!("{base}.pathType"),
                            "pathType must be specified",
                        ));
                    } else if !["Exact", "ImplementationSpecific", "Prefix"].contains(&pt) {
                        errs.push(FieldError::not_supported(
                            format!("{base}.pathType"),
                            pt,
                            &["Exact", "ImplementationSpecific", "Prefix"],
                        ));
                    }
                    let path = str_at(p, "path");
                    if pt != "ImplementationSpecific" && !path.starts_with('/') {
                        errs.push(FieldError::invalid(
                            format!("{base}.path"),
                            path,
                            "must be an absolute path",
                        ));
                    }
                }
            }
        }
        ("networking.k8s.io", "NetworkPolicy") => {
            for (i, t) in spec
                .get("policyTypes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let t = t.as_str().unwrap_or_default();
                if t != "Ingress" && t != "Egress" {
                    errs.push(FieldError::not_supported(
                        format!("spec.policyTypes[{i}]"),
                        t,
                        &["Ingress", "Egress"],
                    ));
                }
            }
        }
        ("coordination.k8s.io", "Lease") => {
            positive(
                spec,
                "leaseDurationSeconds",
                "spec.leaseDurationSeconds",
                errs,
            );
            if let Some(n) = spec
                .get("leaseTransitions")
                .and_then(Value::as_i64)
                .filter(|n| *n < 0)
            {
                errs.push(FieldError::invalid(
                    "spec.leaseTransitions",
                    n,
                    "must be greater than or equal to 0",
                ));
            }
        }
        ("discovery.k8s.io", "EndpointSlice") => {
            let at = str_at(obj, "addressType");
            if !["FQDN", "IPv4", "IPv6"].contains(&at) {
                errs.push(FieldError::not_supported(
                    "addressType",
                    at,
                    &["FQDN", "IPv4", "IPv6"],
                ));
            }
            for (i, e) in obj
                .get("endpoints")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let n = e
                    .get("addresses")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if n == 0 {
                    errs.push(FieldError::required(
                        format!("endpoints[{i}].addresses"),
                        "must contain at least 1 address",
                    ));
                } else if n > 100 {
                    errs.push(FieldError::too_many(
                        format!("endpoints[{i}].addresses"),
                        n,
                        100,
                    ));
                }
            }
        }
        ("autoscaling", "HorizontalPodAutoscaler") => {
            let r = spec.get("scaleTargetRef").unwrap_or(&Value::Null);
            if str_at(r, "kind").is_empty() {
                errs.push(FieldError::required("spec.scaleTargetRef.kind", ""));
            }
            if str_at(r, "name").is_empty() {
                errs.push(FieldError::required("spec.scaleTargetRef.name", ""));
            }
            let min = spec.get("minReplicas").and_then(Value::as_i64);
            let max = spec.get("maxReplicas").and_then(Value::as_i64).unwrap_or(0);
            if let Some(m) = min.filter(|m| *m < 1) {
                errs.push(FieldError::invalid(
                    "spec.minReplicas",
                    m,
                    "must be greater than or equal to 1",
                ));
            }
            if max < 1 {
                errs.push(FieldError::invalid(
                    "spec.maxReplicas",
                    max,
                    "must be greater than 0",
                ));
            } else if min.is_some_and(|m| max < m) {
                errs.push(FieldError::invalid(
                    "spec.maxReplicas",
                    max,
                    "must be greater than or equal to `minReplicas`",
                ));
            }
        }
        ("policy", "PodDisruptionBudget")
            if spec.get("minAvailable").is_some() && spec.get("maxUnavailable").is_some() =>
        {
            errs.push(FieldError::invalid_rendered(
                "spec",
                super::render_value(spec),
                "minAvailable and maxUnavailable cannot be both set",
            ));
        }
        ("events.k8s.io", "Event") => validate_new_event(obj, errs),
        ("", "Event") => {
            let ns = obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let io_ns = obj
                .pointer("/involvedObject/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !io_ns.is_empty() && io_ns != ns {
                errs.push(FieldError::invalid(
                    "involvedObject.namespace",
                    io_ns,
                    "does not match event.namespace",
                ));
            }
        }
        ("", "Node") => {
            let cidr = str_at(spec, "podCIDR");
            if !cidr.is_empty() && !cidr.contains('/') {
                errs.push(FieldError::invalid(
                    "spec.podCIDR",
                    cidr,
                    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                ));
            }
        }
        ("", "Endpoints") => {
            for (i, s) in obj
                .get("subsets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (j, p) in s
                    .get("ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                    if !(1..=65535).contains(&port) {
                        errs.push(FieldError::invalid(
                            format!("subsets[{i}].ports[{j}].port"),
                            port,
                            inclusive_range_error(1, 65535),
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}

/// The strict checks Kubernetes applies to Events created through events.k8s.io.
fn validate_new_event(obj: &Value, errs: &mut Vec<FieldError>) {
    if obj.get("eventTime").is_none_or(Value::is_null) {
        errs.push(FieldError::required("eventTime", ""));
    }
    let ty = str_at(obj, "type");
    if ty != "Normal" && ty != "Warning" {
        errs.push(FieldError::invalid(
            "type",
            "",
            format!("has invalid value: {ty}"),
        ));
    }
    for key in [
        "deprecatedFirstTimestamp",
        "deprecatedLastTimestamp",
        "deprecatedCount",
        "deprecatedSource",
    ] {
        if obj
            .get(key)
            .is_some_and(|v| !v.is_null() && v != &Value::from(0) && v != &serde_json::json!({}))
        {
            errs.push(FieldError::invalid(key, "", "needs to be unset"));
        }
    }
    let rc = str_at(obj, "reportingController");
    if rc.is_empty() {
        errs.push(FieldError::required("reportingController", ""));
    }
    for msg in is_qualified_name(rc) {
        errs.push(FieldError::invalid("reportingController", rc, msg));
    }
    for (key, limit) in [("reportingInstance", 128), ("action", 128), ("reason", 128)] {
        let v = str_at(obj, key);
        if v.is_empty() {
            errs.push(FieldError::required(key, ""));
        }
        if v.len() > limit {
            errs.push(FieldError::invalid(
                key,
                "",
                format!("can have at most {limit} characters"),
            ));
        }
    }
    if str_at(obj, "note").len() > 1024 {
        errs.push(FieldError::invalid(
            "note",
            "",
            "can have at most 1024 characters",
        ));
    }
}

fn data_of(obj: &Value) -> (Option<&Value>, Option<&Value>) {
    (obj.get("data"), obj.get("binaryData"))
}

/// Immutable fields of the non-workload kinds.
pub fn validate_update(info: &ResourceInfo, old: &Value, new: &Value, errs: &mut Vec<FieldError>) {
    let os = old.get("spec").unwrap_or(&Value::Null);
    let ns = new.get("spec").unwrap_or(&Value::Null);
    match (info.group, info.kind) {
        ("", "Service") => {
            let (ot, nt) = (str_at(os, "type"), str_at(ns, "type"));
            let (oip, nip) = (str_at(os, "clusterIP"), str_at(ns, "clusterIP"));
            if ot != "ExternalName"
                && nt != "ExternalName"
                && !oip.is_empty()
                && !nip.is_empty()
                && oip != nip
            {
                let ips: Vec<&str> = ns
                    .get("clusterIPs")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_else(|| vec![nip]);
                errs.push(FieldError::invalid_rendered(
                    "spec.clusterIPs[0]",
                    json_string_slice(ips.into_iter()),
                    "may not change once set",
                ));
            }
        }
        ("", "ConfigMap") | ("", "Secret") => {
            let was = old.get("immutable").and_then(Value::as_bool) == Some(true);
            if was {
                if new.get("immutable").and_then(Value::as_bool) != Some(true) {
                    errs.push(FieldError::forbidden("immutable", IMMUTABLE_DATA));
                }
                if data_of(old) != data_of(new) {
                    errs.push(FieldError::forbidden("data", IMMUTABLE_DATA));
                }
            }
            if info.kind == "Secret" {
                let (ot, nt) = (
                    old.get("type").and_then(Value::as_str).unwrap_or("Opaque"),
                    new.get("type").and_then(Value::as_str).unwrap_or("Opaque"),
                );
                if ot != nt {
                    errs.push(immutable("type", Value::from(nt)));
                }
            }
        }
        ("", "PersistentVolumeClaim") => {
            let strip = |s: &Value| {
                let mut s = s.clone();
                if let Some(m) = s.as_object_mut() {
                    m.remove("volumeAttributesClassName");
                    if let Some(r) = m.get_mut("resources").and_then(Value::as_object_mut) {
                        r.remove("requests");
                    }
                    // Binding fills volumeName once.
                    if m.get("volumeName").is_some() {
                        m.remove("volumeName");
                    }
                }
                s
            };
            let bound_change = !str_at(os, "volumeName").is_empty()
                && str_at(os, "volumeName") != str_at(ns, "volumeName");
            if strip(os) != strip(ns) || bound_change {
                errs.push(FieldError::forbidden("spec", PVC_UPDATE_FORBIDDEN));
            }
        }
        ("", "PersistentVolume") => {
            let src = |s: &Value| {
                let mut s = s.clone();
                if let Some(m) = s.as_object_mut() {
                    for k in [
                        "capacity",
                        "accessModes",
                        "claimRef",
                        "persistentVolumeReclaimPolicy",
                        "storageClassName",
                        "mountOptions",
                        "nodeAffinity",
                        "volumeAttributesClassName",
                    ] {
                        m.remove(k);
                    }
                }
                s
            };
            if src(os) != src(ns) {
                errs.push(FieldError::forbidden(
                    "spec.persistentvolumesource",
                    "spec.persistentvolumesource is immutable after creation",
                ));
            }
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding")
            if old.get("roleRef") != new.get("roleRef") =>
        {
            let rr = new.get("roleRef").unwrap_or(&Value::Null);
            let go = format!(
                "{{\"APIGroup\":{},\"Kind\":{},\"Name\":{}}}",
                crate::selectors::go_quote(str_at(rr, "apiGroup")),
                crate::selectors::go_quote(str_at(rr, "kind")),
                crate::selectors::go_quote(str_at(rr, "name"))
            );
            errs.push(FieldError::invalid_rendered(
                "roleRef",
                go,
                "cannot change roleRef",
            ));
        }
        ("scheduling.k8s.io", "PriorityClass") => {
            if old.get("value") != new.get("value") {
                errs.push(FieldError::forbidden(
                    "value",
                    "may not be changed in an update.",
                ));
            }
            if old.get("preemptionPolicy") != new.get("preemptionPolicy") {
                errs.push(immutable(
                    "preemptionPolicy",
                    new.get("preemptionPolicy").cloned().unwrap_or(Value::Null),
                ));
            }
        }
        ("storage.k8s.io", "StorageClass") => {
            for key in ["parameters", "provisioner", "reclaimPolicy"] {
                if old.get(key) != new.get(key) {
                    errs.push(FieldError::forbidden(
                        key,
                        format!("updates to {key} are forbidden."),
                    ));
                }
            }
            if old.get("volumeBindingMode") != new.get("volumeBindingMode") {
                errs.push(FieldError::forbidden(
                    "volumeBindingMode",
                    "field is immutable",
                ));
            }
        }
        ("networking.k8s.io", "IngressClass")
            if str_at(os, "controller") != str_at(ns, "controller") =>
        {
            errs.push(immutable(
                "spec.controller",
                Value::from(str_at(ns, "controller")),
            ));
        }
        ("discovery.k8s.io", "EndpointSlice")
            if str_at(old, "addressType") != str_at(new, "addressType") =>
        {
            errs.push(immutable(
                "addressType",
                Value::from(str_at(new, "addressType")),
            ));
        }
        _ => {}
    }
}
