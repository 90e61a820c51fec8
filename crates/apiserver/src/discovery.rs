//! TEMPORARY minimal version on main; replaced by the openapi branch at merge.
use rkube_api::Registry;
use serde_json::{json, Value};
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregatedVersion { V2, V2Beta1 }
pub fn api_versions(addr: &str) -> Value {
    json!({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":addr}]})
}
fn groups(reg: &Registry) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = vec![];
    for r in reg.all() { if r.group.is_empty() { continue; }
        match out.iter_mut().find(|(g, _)| g == r.group) { Some((_, vs)) => if !vs.contains(&r.version.to_string()) { vs.push(r.version.to_string()) }, None => out.push((r.group.to_string(), vec![r.version.to_string()])) } }
    out
}
fn group_json(g: &str, vs: &[String]) -> Value {
    let versions: Vec<Value> = vs.iter().map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v})).collect();
    json!({"name": g, "versions": versions, "preferredVersion": versions[0]})
}
pub fn api_group_list(reg: &Registry) -> Value {
    let gs: Vec<Value> = groups(reg).iter().map(|(g, vs)| group_json(g, vs)).collect();
    json!({"kind":"APIGroupList","apiVersion":"v1","groups":gs})
}
pub fn api_group(reg: &Registry, group: &str) -> Option<Value> {
    groups(reg).iter().find(|(g, _)| g == group).map(|(g, vs)| { let mut v = group_json(g, vs); v["kind"] = json!("APIGroup"); v["apiVersion"] = json!("v1"); v })
}
pub fn api_resource_list(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let rs: Vec<Value> = reg.all().iter().filter(|r| r.group == group && r.version == version).flat_map(|r| {
        let mut v = vec![json!({"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind, "verbs": r.verbs, "shortNames": r.short_names})];
        for s in r.subresources { v.push(json!({"name": format!("{}/{}", r.plural, s), "singularName": "", "namespaced": r.namespaced, "kind": r.kind, "verbs": ["get","patch","update"]})); }
        v }).collect();
    if rs.is_empty() { return None; }
    let gv = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    Some(json!({"kind":"APIResourceList","apiVersion":"v1","groupVersion":gv,"resources":rs}))
}
pub fn aggregated_discovery(_reg: &Registry, _legacy: bool, _v: AggregatedVersion) -> Value { json!({"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[]}) }
