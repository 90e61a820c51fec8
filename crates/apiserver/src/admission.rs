//! Admission: what Kubernetes' default admission plugins do before an object is stored —
//! namespace lifecycle (no objects in missing or terminating namespaces, immortal system
//! namespaces), service ClusterIP and NodePort allocation, and the pod plugins
//! (ServiceAccount name, DefaultTolerationSeconds, Priority).

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::Mutex;

use rand::Rng;
use rkube_api::validation::FieldError;
use rkube_api::ResourceInfo;
use serde_json::{json, Value};

use crate::error::{ApiError, Subject};
use crate::ops::{self, name_of};
use crate::{AppState, Ipv4Cidr};

/// Namespaces that can never be deleted.
const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

fn is(info: &ResourceInfo, group: &str, plural: &str) -> bool {
    info.group == group && info.plural == plural
}

fn namespaces_subject() -> Subject {
    Subject {
        group_resource: "namespaces".into(),
        group: String::new(),
        resource: "namespaces".into(),
    }
}

/// Refuses objects in missing or terminating namespaces.
async fn check_namespace(
    state: &AppState,
    info: &ResourceInfo,
    ns: &str,
    name: &str,
) -> Result<(), ApiError> {
    let ns_info = state
        .registry
        .lookup("", "v1", "namespaces")
        .expect("namespaces are always registered")
        .clone();
    let Some(namespace) = ops::get(state, &ns_info, None, ns).await? else {
        return Err(ApiError::not_found(&namespaces_subject(), ns));
    };
    let terminating = namespace.pointer("/metadata/deletionTimestamp").is_some()
        || namespace.pointer("/status/phase").and_then(Value::as_str) == Some("Terminating");
    if terminating {
        return Err(ApiError::forbidden(
            &ops::subject(info),
            name,
            &format!(
                "unable to create new content in namespace {ns} because it is being terminated"
            ),
        ));
    }
    Ok(())
}

/// Mutating and validating admission on create.
pub async fn admit_create(
    state: &AppState,
    info: &ResourceInfo,
    ns: Option<&str>,
    obj: &mut Value,
) -> Result<(), ApiError> {
    let name = name_of(obj).to_string();
    if let (true, Some(ns)) = (info.namespaced, ns) {
        check_namespace(state, info, ns, &name).await?;
    }
    if is(info, "", "pods") {
        admit_pod(state, info, obj).await?;
    }
    Ok(())
}

/// Admission on delete: the system namespaces are immortal.
pub fn admit_delete(info: &ResourceInfo, name: &str) -> Result<(), ApiError> {
    if is(info, "", "namespaces") && IMMORTAL_NAMESPACES.contains(&name) {
        return Err(ApiError::forbidden(
            &ops::subject(info),
            name,
            "this namespace may not be deleted",
        ));
    }
    Ok(())
}

/// Built-in priority classes that exist without objects.
fn builtin_priority(name: &str) -> Option<i64> {
    match name {
        "system-node-critical" => Some(2_000_001_000),
        "system-cluster-critical" => Some(2_000_000_000),
        _ => None,
    }
}

async fn admit_pod(state: &AppState, info: &ResourceInfo, pod: &mut Value) -> Result<(), ApiError> {
    let name = name_of(pod).to_string();
    let spec = pod
        .get_mut("spec")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| ops::invalid(info, &name, &[required("spec")]))?;
    // ServiceAccount: every pod runs as a service account, `default` unless named.
    let sa = spec
        .get("serviceAccountName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            spec.get("serviceAccount")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or("default")
        .to_string();
    spec.insert("serviceAccountName".into(), json!(sa));
    spec.insert("serviceAccount".into(), json!(sa));
    // DefaultTolerationSeconds: tolerate a not-ready or unreachable node for 300 s.
    let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
    if let Some(list) = tolerations.as_array_mut() {
        for key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            let present = list.iter().any(|t| {
                let k = t.get("key").and_then(Value::as_str);
                let op = t.get("operator").and_then(Value::as_str).unwrap_or("Equal");
                let effect = t.get("effect").and_then(Value::as_str).unwrap_or("");
                (k == Some(key) || (k.is_none() && op == "Exists"))
                    && (effect.is_empty() || effect == "NoExecute")
            });
            if !present {
                list.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
            }
        }
    }
    // Priority: resolved from the PriorityClass.
    let class = spec
        .get("priorityClassName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if class.is_empty() {
        spec.entry("priority").or_insert(json!(0));
    } else {
        let (value, policy) = match builtin_priority(&class) {
            Some(v) => (v, "PreemptLowerPriority".to_string()),
            None => {
                let pc_info = state
                    .registry
                    .lookup("scheduling.k8s.io", "v1", "priorityclasses")
                    .cloned();
                let pc = match pc_info {
                    Some(i) => ops::get(state, &i, None, &class).await?,
                    None => None,
                };
                let Some(pc) = pc else {
                    return Err(ApiError::forbidden(
                        &ops::subject(info),
                        &name,
                        &format!("no PriorityClass with name {class} was found"),
                    ));
                };
                (
                    pc.get("value").and_then(Value::as_i64).unwrap_or(0),
                    pc.get("preemptionPolicy")
                        .and_then(Value::as_str)
                        .unwrap_or("PreemptLowerPriority")
                        .to_string(),
                )
            }
        };
        let spec = pod["spec"].as_object_mut().expect("checked above");
        spec.insert("priority".into(), json!(value));
        spec.entry("preemptionPolicy").or_insert(json!(policy));
    }
    Ok(())
}

fn required(field: &str) -> FieldError {
    FieldError::required(field, "")
}

/// Service ClusterIPs and NodePorts in use. Rebuilt from the stored Services at start.
pub struct Allocators {
    cidr: Ipv4Cidr,
    port_range: (u16, u16),
    inner: Mutex<AllocState>,
}

#[derive(Default)]
struct AllocState {
    ips: HashSet<Ipv4Addr>,
    ports: HashSet<u16>,
}

/// What one write allocated (freed again if the write fails) and what it gave up (freed
/// once the write is committed).
#[derive(Default, Debug)]
#[must_use]
pub struct Allocation {
    ips: Vec<Ipv4Addr>,
    ports: Vec<u16>,
    free_ips: Vec<Ipv4Addr>,
    free_ports: Vec<u16>,
}

impl Allocation {
    /// The write failed: give back what it took.
    pub fn release(self, state: &AppState) {
        let mut s = state
            .allocators
            .inner
            .lock()
            .expect("allocator lock poisoned");
        for ip in self.ips {
            s.ips.remove(&ip);
        }
        for p in self.ports {
            s.ports.remove(&p);
        }
    }

    /// The write is stored: free what it gave up.
    pub fn commit_with(self, state: &AppState) {
        let mut s = state
            .allocators
            .inner
            .lock()
            .expect("allocator lock poisoned");
        for ip in self.free_ips {
            s.ips.remove(&ip);
        }
        for p in self.free_ports {
            s.ports.remove(&p);
        }
    }
}

impl Allocators {
    pub fn new(cidr: Ipv4Cidr, port_range: (u16, u16)) -> Self {
        Allocators {
            cidr,
            port_range,
            inner: Mutex::new(AllocState::default()),
        }
    }

    /// The first address of the range, reserved for the `kubernetes` Service.
    pub fn first_ip(&self) -> Ipv4Addr {
        self.cidr.nth(1)
    }

    /// Records a stored Service's addresses and ports as in use.
    pub fn mark(&self, svc: &Value) {
        let mut s = self.inner.lock().expect("allocator lock poisoned");
        for ip in service_ips(svc) {
            s.ips.insert(ip);
        }
        for p in node_ports(svc) {
            s.ports.insert(p);
        }
    }

    fn take_ip(&self, requested: Option<Ipv4Addr>) -> Result<Ipv4Addr, String> {
        let mut s = self.inner.lock().expect("allocator lock poisoned");
        if let Some(ip) = requested {
            if !self.cidr.contains(ip)
                || ip == self.cidr.network
                || ip == self.cidr.nth(self.cidr.size() - 1)
            {
                return Err(format!(
                    "failed to allocate IP {ip}: provided IP is not in the valid range. The range of valid IPs is {}",
                    self.cidr
                ));
            }
            if !s.ips.insert(ip) {
                return Err(format!(
                    "failed to allocate IP {ip}: provided IP is already allocated"
                ));
            }
            return Ok(ip);
        }
        let size = self.cidr.size();
        let usable = size.saturating_sub(2);
        if s.ips.len() as u32 >= usable {
            return Err("failed to allocate a serviceIP: range is full".into());
        }
        // Random probing, like Kubernetes' bitmap allocator; the low addresses (the first
        // 1/16th, at most 256) are left for static assignment such as the DNS service.
        let reserved = (size / 16).clamp(2, 256);
        let mut rng = rand::rng();
        for _ in 0..size * 2 {
            let n = rng.random_range(reserved..size - 1);
            let ip = self.cidr.nth(n);
            if s.ips.insert(ip) {
                return Ok(ip);
            }
        }
        for n in 1..size - 1 {
            let ip = self.cidr.nth(n);
            if s.ips.insert(ip) {
                return Ok(ip);
            }
        }
        Err("failed to allocate a serviceIP: range is full".into())
    }

    fn take_port(&self, requested: Option<u16>) -> Result<u16, String> {
        let (lo, hi) = self.port_range;
        let mut s = self.inner.lock().expect("allocator lock poisoned");
        if let Some(p) = requested {
            if p < lo || p > hi {
                return Err(format!("provided port is not in the valid range. The range of valid ports is {lo}-{hi}"));
            }
            if !s.ports.insert(p) {
                return Err("provided port is already allocated".into());
            }
            return Ok(p);
        }
        let mut rng = rand::rng();
        for _ in 0..(hi - lo) as u32 * 2 {
            let p = rng.random_range(lo..=hi);
            if s.ports.insert(p) {
                return Ok(p);
            }
        }
        (lo..=hi)
            .find(|p| s.ports.insert(*p))
            .ok_or_else(|| "range is full".to_string())
    }
}

fn service_ips(svc: &Value) -> Vec<Ipv4Addr> {
    let mut out: Vec<Ipv4Addr> = svc
        .pointer("/spec/clusterIPs")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    if let Some(ip) = svc
        .pointer("/spec/clusterIP")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
    {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

fn node_ports(svc: &Value) -> Vec<u16> {
    svc.pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("nodePort").and_then(Value::as_u64).map(|n| n as u16))
                .collect()
        })
        .unwrap_or_default()
}

fn svc_type(svc: &Value) -> &str {
    svc.pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
}

fn needs_node_ports(svc: &Value) -> bool {
    matches!(svc_type(svc), "NodePort" | "LoadBalancer")
}

fn field_invalid(field: &str, value: Value, detail: String) -> FieldError {
    FieldError::invalid(field, value, detail)
}

/// Allocates a Service's ClusterIP and NodePorts (create, or update from `old`).
pub fn allocate(
    state: &AppState,
    info: &ResourceInfo,
    old: Option<&Value>,
    svc: &mut Value,
) -> Result<Allocation, ApiError> {
    let mut alloc = Allocation::default();
    if !is(info, "", "services") {
        return Ok(alloc);
    }
    match allocate_service(state, old, svc, &mut alloc) {
        Ok(()) => Ok(alloc),
        Err(errs) => {
            alloc.release(state);
            Err(ops::invalid(info, name_of(svc), &errs))
        }
    }
}

fn allocate_service(
    state: &AppState,
    old: Option<&Value>,
    svc: &mut Value,
    alloc: &mut Allocation,
) -> Result<(), Vec<FieldError>> {
    let allocators = &state.allocators;
    let external_name = svc_type(svc) == "ExternalName";
    // ClusterIP: carried over on update, allocated on create, none for ExternalName.
    let old_ips = old.map(service_ips).unwrap_or_default();
    let requested = svc
        .pointer("/spec/clusterIP")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let old_headless = old
        .and_then(|o| o.pointer("/spec/clusterIP"))
        .and_then(Value::as_str)
        == Some("None");
    if external_name {
        alloc.free_ips.extend(old_ips.iter().copied());
        if let Some(spec) = svc.get_mut("spec").and_then(Value::as_object_mut) {
            if requested.is_empty() {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            }
        }
    } else if requested == "None" || (requested.is_empty() && old_headless) {
        svc["spec"]["clusterIP"] = json!("None");
        svc["spec"]["clusterIPs"] = json!(["None"]);
    } else if let Some(ip) = old_ips
        .first()
        .filter(|ip| requested.is_empty() || requested == ip.to_string())
    {
        svc["spec"]["clusterIP"] = json!(ip.to_string());
        svc["spec"]["clusterIPs"] = json!([ip.to_string()]);
    } else if old.is_some() && !old_ips.is_empty() {
        // Changing the address of an existing Service is refused by validation; keep it.
        return Err(vec![field_invalid(
            "spec.clusterIPs[0]",
            json!(requested),
            "may not change once set".into(),
        )]);
    } else {
        let want = if requested.is_empty() {
            None
        } else {
            match requested.parse::<Ipv4Addr>() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    return Err(vec![field_invalid(
                        "spec.clusterIPs[0]",
                        json!(requested),
                        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".into(),
                    )])
                }
            }
        };
        match allocators.take_ip(want) {
            Ok(ip) => {
                alloc.ips.push(ip);
                svc["spec"]["clusterIP"] = json!(ip.to_string());
                svc["spec"]["clusterIPs"] = json!([ip.to_string()]);
            }
            Err(msg) => {
                return Err(vec![field_invalid(
                    "spec.clusterIPs",
                    json!([requested]),
                    msg,
                )]);
            }
        }
    }
    // NodePorts.
    let old_ports: Vec<(i64, String, u16)> = old
        .filter(|o| needs_node_ports(o))
        .and_then(|o| o.pointer("/spec/ports").and_then(Value::as_array))
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some((
                        p.get("port")?.as_i64()?,
                        p.get("protocol")
                            .and_then(Value::as_str)
                            .unwrap_or("TCP")
                            .to_string(),
                        p.get("nodePort")?.as_u64()? as u16,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut kept: Vec<u16> = Vec::new();
    let mut errs = Vec::new();
    if needs_node_ports(svc) {
        if let Some(ports) = svc.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
            for (i, p) in ports.iter_mut().enumerate() {
                let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                let proto = p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_string();
                let requested = p
                    .get("nodePort")
                    .and_then(Value::as_u64)
                    .filter(|n| *n != 0)
                    .map(|n| n as u16);
                let previous = old_ports
                    .iter()
                    .find(|(op, opr, _)| *op == port && *opr == proto)
                    .map(|(_, _, n)| *n);
                let owned = old_ports.iter().map(|(_, _, n)| *n).collect::<Vec<_>>();
                match (requested, previous) {
                    (Some(r), _) if owned.contains(&r) => {
                        kept.push(r);
                    }
                    (None, Some(prev)) => {
                        p["nodePort"] = json!(prev);
                        kept.push(prev);
                    }
                    (req, _) => match allocators.take_port(req) {
                        Ok(n) => {
                            alloc.ports.push(n);
                            p["nodePort"] = json!(n);
                        }
                        Err(msg) => errs.push(field_invalid(
                            &format!("spec.ports[{i}].nodePort"),
                            json!(req.unwrap_or(0)),
                            msg,
                        )),
                    },
                }
            }
        }
    } else if let Some(ports) = svc.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut() {
            if let Some(o) = p.as_object_mut() {
                o.remove("nodePort");
            }
        }
    }
    for (_, _, n) in &old_ports {
        if !kept.contains(n) {
            alloc.free_ports.push(*n);
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(())
}

/// Frees what a deleted object held.
pub fn release_deleted(state: &AppState, info: &ResourceInfo, obj: &Value) {
    if !is(info, "", "services") {
        return;
    }
    let alloc = Allocation {
        free_ips: service_ips(obj),
        free_ports: node_ports(obj),
        ..Default::default()
    };
    alloc.commit_with(state);
}
