//! Discovery documents: what `/api`, `/apis`, `/apis/{group}`, `/api/v1` and
//! `/apis/{group}/{version}` answer, in the plain (`APIVersions`, `APIGroupList`,
//! `APIGroup`, `APIResourceList`) and aggregated (`APIGroupDiscoveryList`,
//! `apidiscovery.k8s.io/v2` and `v2beta1`) forms.
//!
//! Everything is derived from the registry's resources (`Registry::all()`); the functions are pure and cheap enough
//! to call per request. Content negotiation (which form a client asked for) is
//! [`AggregatedVersion::from_accept`]; the router owns the HTTP side.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use base64::Engine as _;
use rkube_api::{Registry, ResourceInfo};
use serde_json::{json, Map, Value};

/// The served resources, as the document builders read them: a [`Registry`] in the
/// server, a plain list in tests and tools.
pub trait ResourceSource {
    fn resources(&self) -> &[ResourceInfo];
}

impl ResourceSource for Registry {
    fn resources(&self) -> &[ResourceInfo] {
        self.all()
    }
}

impl ResourceSource for [ResourceInfo] {
    fn resources(&self) -> &[ResourceInfo] {
        self
    }
}

impl ResourceSource for Vec<ResourceInfo> {
    fn resources(&self) -> &[ResourceInfo] {
        self
    }
}

/// The aggregated discovery API version a client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregatedVersion {
    /// `apidiscovery.k8s.io/v2` (what kubectl 1.35 asks for).
    V2,
    /// `apidiscovery.k8s.io/v2beta1` (older clients).
    V2Beta1,
}

impl AggregatedVersion {
    /// `apidiscovery.k8s.io/v2` or `apidiscovery.k8s.io/v2beta1`.
    pub fn api_version(self) -> &'static str {
        match self {
            AggregatedVersion::V2 => "apidiscovery.k8s.io/v2",
            AggregatedVersion::V2Beta1 => "apidiscovery.k8s.io/v2beta1",
        }
    }

    /// The `Content-Type` the response must carry: client-go decides from this header
    /// alone whether it received the aggregated form.
    pub fn content_type(self) -> &'static str {
        match self {
            AggregatedVersion::V2 => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
            AggregatedVersion::V2Beta1 => {
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            }
        }
    }

    /// Picks the aggregated form from an `Accept` header, honouring the client's order
    /// (the first acceptable media range wins, as Kubernetes' negotiation does).
    /// `None` means the client wants (or accepts) the plain documents: a plain
    /// `application/json` or `*/*` listed before any aggregated type, or no aggregated
    /// type at all. Media ranges with `profile=nopeer` are served like the plain v2
    /// form (rkube has no peer servers to exclude).
    pub fn from_accept(accept: &str) -> Option<AggregatedVersion> {
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let base = parts.next().unwrap_or_default().to_ascii_lowercase();
            let mut g = None;
            let mut v = None;
            let mut as_kind = None;
            let mut q_zero = false;
            for p in parts {
                let Some((k, val)) = p.split_once('=') else {
                    continue;
                };
                let val = val.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "g" => g = Some(val.to_string()),
                    "v" => v = Some(val.to_string()),
                    "as" => as_kind = Some(val.to_string()),
                    "q" => q_zero = val.parse::<f32>().map(|q| q <= 0.0).unwrap_or(false),
                    _ => {}
                }
            }
            if q_zero {
                continue;
            }
            if base != "application/json" && base != "application/*" && base != "*/*" {
                continue;
            }
            match (g.as_deref(), v.as_deref(), as_kind.as_deref()) {
                (Some("apidiscovery.k8s.io"), Some("v2"), Some("APIGroupDiscoveryList")) => {
                    return Some(AggregatedVersion::V2)
                }
                (Some("apidiscovery.k8s.io"), Some("v2beta1"), Some("APIGroupDiscoveryList")) => {
                    return Some(AggregatedVersion::V2Beta1)
                }
                (None, None, None) => return None,
                // Some other typed form (e.g. as=Table) that discovery does not serve.
                _ => continue,
            }
        }
        None
    }
}

/// `GET /api`: the `APIVersions` of the core group.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ]
    })
}

/// `GET /apis`: every named group with its versions, in Kubernetes' group order.
pub fn api_group_list(source: &(impl ResourceSource + ?Sized)) -> Value {
    let resources = source.resources();
    let groups: Vec<Value> = ordered_groups(resources)
        .into_iter()
        .filter(|(group, _)| !group.is_empty())
        .map(|(group, versions)| group_body(group, &versions))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`: one `APIGroup`, `None` if the registry has no such group.
pub fn api_group(source: &(impl ResourceSource + ?Sized), group: &str) -> Option<Value> {
    let resources = source.resources();
    if group.is_empty() {
        return None;
    }
    let (_, versions) = ordered_groups(resources)
        .into_iter()
        .find(|(g, _)| *g == group)?;
    let mut body = Map::new();
    body.insert("kind".into(), "APIGroup".into());
    body.insert("apiVersion".into(), "v1".into());
    if let Value::Object(rest) = group_body(group, &versions) {
        body.extend(rest);
    }
    Some(Value::Object(body))
}

/// `GET /api/v1` (`group == ""`) or `GET /apis/{group}/{version}`: the resources of
/// one group-version, subresources included, sorted by name as Kubernetes sorts them.
/// `None` if the registry serves nothing in that group-version.
pub fn api_resource_list(
    source: &(impl ResourceSource + ?Sized),
    group: &str,
    version: &str,
) -> Option<Value> {
    let resources = source.resources();
    let infos: Vec<&ResourceInfo> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if infos.is_empty() {
        return None;
    }
    let mut resources: Vec<(String, Value)> = Vec::new();
    for info in &infos {
        let mut r = Map::new();
        r.insert("name".into(), info.plural.into());
        r.insert("singularName".into(), info.singular.into());
        r.insert("namespaced".into(), info.namespaced.into());
        r.insert("kind".into(), info.kind.into());
        r.insert("verbs".into(), strings(info.verbs));
        if !info.short_names.is_empty() {
            r.insert("shortNames".into(), strings(info.short_names));
        }
        if !info.categories.is_empty() {
            r.insert("categories".into(), strings(info.categories));
        }
        // Only stored resources have a storage version; Kubernetes' virtual ones
        // (bindings, tokenreviews, componentstatuses...) cannot be watched and have none.
        if info.verbs.contains(&"watch") {
            r.insert(
                "storageVersionHash".into(),
                storage_version_hash(info).into(),
            );
        }
        resources.push((info.plural.to_string(), Value::Object(r)));
        for sub in info.subresources {
            let s = subresource(info, sub);
            let name = format!("{}/{}", info.plural, sub);
            let mut r = Map::new();
            r.insert("name".into(), name.clone().into());
            r.insert("singularName".into(), "".into());
            r.insert("namespaced".into(), info.namespaced.into());
            if s.group != info.group || s.version != info.version {
                r.insert("group".into(), s.group.into());
                r.insert("version".into(), s.version.into());
            }
            r.insert("kind".into(), s.kind.into());
            r.insert("verbs".into(), strings(s.verbs));
            resources.push((name, Value::Object(r)));
        }
    }
    resources.sort_by(|a, b| a.0.cmp(&b.0));
    let resources: Vec<Value> = resources.into_iter().map(|(_, v)| v).collect();
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    // Kubernetes omits apiVersion on the legacy /api/v1 list and sets it on /apis/...
    Some(if group.is_empty() {
        json!({"kind": "APIResourceList", "groupVersion": gv, "resources": resources})
    } else {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
    })
}

/// Aggregated discovery (`APIGroupDiscoveryList`): for `/api` when `legacy` (the core
/// group only) or for `/apis` (every named group, in group order).
pub fn aggregated_discovery(
    source: &(impl ResourceSource + ?Sized),
    legacy: bool,
    version: AggregatedVersion,
) -> Value {
    let resources = source.resources();
    let items: Vec<Value> = ordered_groups(resources)
        .into_iter()
        .filter(|(g, _)| g.is_empty() == legacy)
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let mut infos: Vec<&ResourceInfo> = resources
                        .iter()
                        .filter(|r| r.group == group && r.version == *v)
                        .collect();
                    infos.sort_by(|a, b| a.plural.cmp(b.plural));
                    let resources: Vec<Value> =
                        infos.into_iter().map(aggregated_resource).collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            let metadata = if group.is_empty() {
                json!({"creationTimestamp": null})
            } else {
                json!({"name": group, "creationTimestamp": null})
            };
            json!({"metadata": metadata, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": version.api_version(),
        "metadata": {},
        "items": items
    })
}

fn aggregated_resource(info: &ResourceInfo) -> Value {
    let mut r = Map::new();
    r.insert("resource".into(), info.plural.into());
    r.insert(
        "responseKind".into(),
        json!({"group": info.group, "version": info.version, "kind": info.kind}),
    );
    r.insert(
        "scope".into(),
        if info.namespaced {
            "Namespaced"
        } else {
            "Cluster"
        }
        .into(),
    );
    r.insert("singularResource".into(), info.singular.into());
    r.insert("verbs".into(), strings(info.verbs));
    if !info.short_names.is_empty() {
        r.insert("shortNames".into(), strings(info.short_names));
    }
    if !info.categories.is_empty() {
        r.insert("categories".into(), strings(info.categories));
    }
    let mut subs: Vec<&&str> = info.subresources.iter().collect();
    subs.sort();
    let subs: Vec<Value> = subs
        .into_iter()
        .map(|sub| {
            let s = subresource(info, sub);
            json!({
                "subresource": sub,
                "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                "verbs": strings(s.verbs),
            })
        })
        .collect();
    if !subs.is_empty() {
        r.insert("subresources".into(), Value::Array(subs));
    }
    Value::Object(r)
}

pub use rkube_api::registry::SubresourceInfo;

/// The kind, group-version and verbs Kubernetes lists for `parent/sub` (e.g.
/// `deployments/scale` answers `autoscaling/v1` `Scale`), from the registry. A subresource
/// the registry does not describe reads and writes the parent object itself.
pub fn subresource(parent: &ResourceInfo, sub: &str) -> SubresourceInfo {
    parent.subresource(sub).unwrap_or_else(|| SubresourceInfo {
        name: parent
            .subresources
            .iter()
            .copied()
            .find(|s| *s == sub)
            .unwrap_or(""),
        group: parent.group,
        version: parent.version,
        kind: parent.kind,
        verbs: &["get", "patch", "update"],
    })
}

/// Groups and their versions (preferred first), in the order Kubernetes lists them:
/// the core group, then named groups by Kubernetes' fixed group priorities, then any
/// other group alphabetically.
pub fn ordered_groups(
    source: &(impl ResourceSource + ?Sized),
) -> Vec<(&'static str, Vec<&'static str>)> {
    let resources = source.resources();
    let mut groups: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for r in resources {
        let versions = groups.entry(r.group).or_default();
        if !versions.contains(&r.version) {
            versions.push(r.version);
        }
    }
    let mut out: Vec<(&'static str, Vec<&'static str>)> = groups
        .into_iter()
        .map(|(g, mut vs)| {
            vs.sort_by(|a, b| compare_versions(a, b));
            (g, vs)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| group_rank(a).cmp(&group_rank(b)).then_with(|| a.cmp(b)));
    out
}

/// Kubernetes' group order (the aggregator's group priorities, highest first; groups
/// of equal priority by name).
const GROUP_ORDER: &[&str] = &[
    "",
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "resource.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "storagemigration.k8s.io",
];

fn group_rank(group: &str) -> usize {
    GROUP_ORDER
        .iter()
        .position(|g| *g == group)
        .unwrap_or(GROUP_ORDER.len())
}

/// Kubernetes' version priority: GA before beta before alpha, higher numbers first,
/// versions that do not look like `vN[alpha|betaM]` last and alphabetically.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (parse_version(a), parse_version(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// (stability: 2 GA / 1 beta / 0 alpha, major, minor), larger is preferred.
fn parse_version(v: &str) -> Option<(u8, u64, u64)> {
    let rest = v.strip_prefix('v')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let major: u64 = rest[..digits].parse().ok()?;
    if major == 0 {
        return None;
    }
    let tail = &rest[digits..];
    if tail.is_empty() {
        return Some((2, major, 0));
    }
    let (stability, num) = if let Some(n) = tail.strip_prefix("beta") {
        (1, n)
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (0, n)
    } else {
        return None;
    };
    let minor: u64 = num.parse().ok()?;
    Some((stability, major, minor))
}

fn group_body(group: &str, versions: &[&str]) -> Value {
    let gvs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = gvs.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": gvs, "preferredVersion": preferred})
}

fn strings(items: &[&str]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| Value::String((*s).to_string()))
            .collect(),
    )
}

/// A stable 8-byte hash of the storage group-version-kind, base64-encoded like
/// Kubernetes' `storageVersionHash` (clients only compare it for equality).
pub fn storage_version_hash(info: &ResourceInfo) -> String {
    let key = format!("{}/{}/{}", info.group, info.version, info.kind);
    base64::engine::general_purpose::STANDARD.encode(fnv1a64(key.as_bytes()).to_be_bytes())
}

/// FNV-1a, 64 bits: stable across builds and platforms, unlike `DefaultHasher`.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const ALL_VERBS: &[&str] = &[
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ];

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn res(
        group: &'static str,
        version: &'static str,
        kind: &'static str,
        plural: &'static str,
        singular: &'static str,
        namespaced: bool,
        short_names: &'static [&'static str],
        subresources: &'static [&'static str],
    ) -> ResourceInfo {
        ResourceInfo {
            group,
            version,
            kind,
            plural,
            singular,
            namespaced,
            verbs: ALL_VERBS,
            short_names,
            categories: if namespaced { &["all"] } else { &[] },
            subresources,
            has_status: subresources.contains(&"status"),
        }
    }

    /// A small registry shaped like Kubernetes' (the real list is `Registry::builtin`).
    pub(crate) fn test_registry() -> Vec<ResourceInfo> {
        vec![
            res("batch", "v1", "Job", "jobs", "job", true, &[], &["status"]),
            res(
                "",
                "v1",
                "Pod",
                "pods",
                "pod",
                true,
                &["po"],
                &[
                    "status",
                    "log",
                    "exec",
                    "attach",
                    "portforward",
                    "proxy",
                    "binding",
                    "eviction",
                    "ephemeralcontainers",
                    "resize",
                ],
            ),
            res(
                "",
                "v1",
                "Namespace",
                "namespaces",
                "namespace",
                false,
                &["ns"],
                &["status", "finalize"],
            ),
            ResourceInfo {
                verbs: &["create"],
                categories: &[],
                ..res("", "v1", "Binding", "bindings", "binding", true, &[], &[])
            },
            res(
                "",
                "v1",
                "ConfigMap",
                "configmaps",
                "configmap",
                true,
                &["cm"],
                &[],
            ),
            res(
                "",
                "v1",
                "ServiceAccount",
                "serviceaccounts",
                "serviceaccount",
                true,
                &["sa"],
                &["token"],
            ),
            res(
                "apps",
                "v1",
                "Deployment",
                "deployments",
                "deployment",
                true,
                &["deploy"],
                &["status", "scale"],
            ),
            res(
                "autoscaling",
                "v1",
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
                "horizontalpodautoscaler",
                true,
                &["hpa"],
                &["status"],
            ),
            res(
                "autoscaling",
                "v2",
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
                "horizontalpodautoscaler",
                true,
                &["hpa"],
                &["status"],
            ),
            res(
                "rbac.authorization.k8s.io",
                "v1",
                "ClusterRole",
                "clusterroles",
                "clusterrole",
                false,
                &[],
                &[],
            ),
            res(
                "example.com",
                "v1",
                "Widget",
                "widgets",
                "widget",
                true,
                &[],
                &[],
            ),
        ]
    }

    #[test]
    fn api_versions_lists_v1_and_address() {
        let v = api_versions("10.0.0.1:6443");
        assert_eq!(v["kind"], "APIVersions");
        assert_eq!(v["versions"], json!(["v1"]));
        assert_eq!(
            v["serverAddressByClientCIDRs"][0]["serverAddress"],
            "10.0.0.1:6443"
        );
        assert_eq!(
            v["serverAddressByClientCIDRs"][0]["clientCIDR"],
            "0.0.0.0/0"
        );
    }

    #[test]
    fn group_list_follows_kubernetes_order_and_prefers_newest_version() {
        let v = api_group_list(&test_registry());
        let names: Vec<&str> = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "apps",
                "autoscaling",
                "batch",
                "rbac.authorization.k8s.io",
                "example.com"
            ]
        );
        let autoscaling = &v["groups"][1];
        assert_eq!(
            autoscaling["preferredVersion"],
            json!({"groupVersion": "autoscaling/v2", "version": "v2"})
        );
        assert_eq!(autoscaling["versions"][1]["groupVersion"], "autoscaling/v1");
        assert_eq!(v["kind"], "APIGroupList");
    }

    #[test]
    fn api_group_for_one_group() {
        let reg = test_registry();
        let g = api_group(&reg, "apps").unwrap();
        assert_eq!(g["kind"], "APIGroup");
        assert_eq!(g["apiVersion"], "v1");
        assert_eq!(g["name"], "apps");
        assert_eq!(g["preferredVersion"]["groupVersion"], "apps/v1");
        assert!(api_group(&reg, "nope").is_none());
        assert!(api_group(&reg, "").is_none());
    }

    #[test]
    fn version_priority() {
        let mut vs = vec!["v1alpha1", "v1", "v2beta1", "v2", "foo", "v1beta2", "v10"];
        vs.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(
            vs,
            ["v10", "v2", "v1", "v2beta1", "v1beta2", "v1alpha1", "foo"]
        );
    }

    #[test]
    fn resource_list_has_subresources_like_kubernetes() {
        let reg = test_registry();
        let v = api_resource_list(&reg, "", "v1").unwrap();
        assert_eq!(v["groupVersion"], "v1");
        assert!(v.get("apiVersion").is_none());
        let res = v["resources"].as_array().unwrap();
        let names: Vec<&str> = res.iter().map(|r| r["name"].as_str().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        let find = |n: &str| res.iter().find(|r| r["name"] == n).unwrap().clone();
        let pods = find("pods");
        assert_eq!(pods["singularName"], "pod");
        assert_eq!(pods["namespaced"], true);
        assert_eq!(pods["shortNames"], json!(["po"]));
        assert_eq!(pods["categories"], json!(["all"]));
        assert!(pods["storageVersionHash"].as_str().unwrap().len() == 12);
        assert_eq!(find("pods/status")["kind"], "Pod");
        assert_eq!(
            find("pods/status")["verbs"],
            json!(["get", "patch", "update"])
        );
        assert_eq!(find("pods/status")["singularName"], "");
        assert!(find("pods/status").get("storageVersionHash").is_none());
        assert!(find("bindings").get("storageVersionHash").is_none());
        assert_eq!(find("bindings")["verbs"], json!(["create"]));
        assert_eq!(find("pods/log")["verbs"], json!(["get"]));
        assert_eq!(find("pods/log")["kind"], "Pod");
        assert_eq!(find("pods/exec")["kind"], "PodExecOptions");
        assert_eq!(find("pods/exec")["verbs"], json!(["create", "get"]));
        assert_eq!(find("pods/binding")["kind"], "Binding");
        let ev = find("pods/eviction");
        assert_eq!(
            (
                ev["group"].as_str(),
                ev["version"].as_str(),
                ev["kind"].as_str()
            ),
            (Some("policy"), Some("v1"), Some("Eviction"))
        );
        assert!(find("pods/log").get("group").is_none());
        assert_eq!(find("namespaces/finalize")["verbs"], json!(["update"]));
        assert_eq!(find("namespaces")["namespaced"], false);
        assert_eq!(
            find("serviceaccounts/token")["group"],
            "authentication.k8s.io"
        );

        let apps = api_resource_list(&reg, "apps", "v1").unwrap();
        assert_eq!(apps["apiVersion"], "v1");
        assert_eq!(apps["groupVersion"], "apps/v1");
        let scale = apps["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "deployments/scale")
            .unwrap();
        assert_eq!(scale["kind"], "Scale");
        assert_eq!(scale["group"], "autoscaling");
        assert_eq!(scale["version"], "v1");
        assert!(api_resource_list(&reg, "apps", "v2").is_none());
    }

    #[test]
    fn aggregated_discovery_shapes() {
        let reg = test_registry();
        let legacy = aggregated_discovery(&reg, true, AggregatedVersion::V2);
        assert_eq!(legacy["kind"], "APIGroupDiscoveryList");
        assert_eq!(legacy["apiVersion"], "apidiscovery.k8s.io/v2");
        let items = legacy["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert!(items[0]["metadata"].get("name").is_none());
        let v1 = &items[0]["versions"][0];
        assert_eq!(v1["version"], "v1");
        assert_eq!(v1["freshness"], "Current");
        let pods = v1["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "pods")
            .unwrap();
        assert_eq!(pods["scope"], "Namespaced");
        assert_eq!(pods["singularResource"], "pod");
        assert_eq!(
            pods["responseKind"],
            json!({"group": "", "version": "v1", "kind": "Pod"})
        );
        let ev = pods["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["subresource"] == "eviction")
            .unwrap();
        assert_eq!(
            ev["responseKind"],
            json!({"group": "policy", "version": "v1", "kind": "Eviction"})
        );
        let ns = v1["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "namespaces")
            .unwrap();
        assert_eq!(ns["scope"], "Cluster");
        assert!(v1["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "configmaps")
            .unwrap()
            .get("subresources")
            .is_none());

        let apis = aggregated_discovery(&reg, false, AggregatedVersion::V2Beta1);
        assert_eq!(apis["apiVersion"], "apidiscovery.k8s.io/v2beta1");
        let names: Vec<&str> = apis["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "apps",
                "autoscaling",
                "batch",
                "rbac.authorization.k8s.io",
                "example.com"
            ]
        );
        let autoscaling = &apis["items"][1];
        assert_eq!(autoscaling["versions"][0]["version"], "v2");
        assert_eq!(autoscaling["versions"][1]["version"], "v1");
    }

    #[test]
    fn accept_negotiation() {
        let kubectl =
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            AggregatedVersion::from_accept(kubectl),
            Some(AggregatedVersion::V2)
        );
        let nopeer = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            AggregatedVersion::from_accept(nopeer),
            Some(AggregatedVersion::V2)
        );
        let old = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            AggregatedVersion::from_accept(old),
            Some(AggregatedVersion::V2Beta1)
        );
        assert_eq!(AggregatedVersion::from_accept("application/json"), None);
        assert_eq!(AggregatedVersion::from_accept("*/*"), None);
        assert_eq!(AggregatedVersion::from_accept("application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"), None);
        assert_eq!(AggregatedVersion::from_accept("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"), Some(AggregatedVersion::V2));
        assert_eq!(AggregatedVersion::from_accept("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/json"), None);
    }

    #[test]
    fn storage_version_hash_is_stable() {
        let r = res(
            "apps",
            "v1",
            "Deployment",
            "deployments",
            "deployment",
            true,
            &[],
            &[],
        );
        assert_eq!(storage_version_hash(&r), storage_version_hash(&r.clone()));
        let other = res(
            "apps",
            "v1",
            "ReplicaSet",
            "replicasets",
            "replicaset",
            true,
            &[],
            &[],
        );
        assert_ne!(storage_version_hash(&r), storage_version_hash(&other));
    }

    /// Whatever the built-in registry holds, every listed group and version resolves.
    #[test]
    fn builtin_registry_is_consistent() {
        let reg = Registry::builtin();
        let list = api_group_list(&reg);
        for group in list["groups"].as_array().unwrap() {
            let name = group["name"].as_str().unwrap();
            assert_eq!(api_group(&reg, name).unwrap()["name"], name);
            for v in group["versions"].as_array().unwrap() {
                let version = v["version"].as_str().unwrap();
                let rl = api_resource_list(&reg, name, version).unwrap();
                assert_eq!(rl["groupVersion"], v["groupVersion"]);
            }
        }
        let has_core = reg.all().iter().any(|r| r.group.is_empty());
        assert_eq!(api_resource_list(&reg, "", "v1").is_some(), has_core);
        let agg = aggregated_discovery(&reg, false, AggregatedVersion::V2);
        assert_eq!(
            agg["items"].as_array().unwrap().len(),
            list["groups"].as_array().unwrap().len()
        );
    }
}
