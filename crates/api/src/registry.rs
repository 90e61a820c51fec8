//! The built-in resources: group, version, kind, plural, scope, verbs, short names,
//! categories and subresources, as Kubernetes' discovery lists them, plus what the
//! server needs beyond discovery: which resources share storage across groups or
//! versions ([`ResourceInfo::storage_resource`]) and which are never stored
//! ([`ResourceInfo::is_virtual`]).

/// Everything the API server needs to know to serve one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group; `""` for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// Lower-case plural used in URLs, e.g. `deployments`.
    pub plural: &'static str,
    /// Lower-case singular, e.g. `deployment`.
    pub singular: &'static str,
    pub namespaced: bool,
    /// Verbs as discovery lists them (`create`, `delete`, `deletecollection`, `get`,
    /// `list`, `patch`, `update`, `watch`).
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    /// Discovery categories, e.g. `["all"]`.
    pub categories: &'static [&'static str],
    /// Subresources this resource serves, e.g. `["status", "scale"]`.
    pub subresources: &'static [&'static str],
    /// The kind's status is only written through the `status` subresource.
    pub has_status: bool,
}

impl ResourceInfo {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `pods` for the core group (the form used in error messages).
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// The set of resources served. Built once at start and shared read-only.
#[derive(Clone, Debug)]
pub struct Registry {
    resources: Vec<ResourceInfo>,
}

impl Registry {
    /// All built-in resources rkube serves.
    pub fn builtin() -> Self {
        Registry {
            resources: builtin_resources(),
        }
    }

    pub fn all(&self) -> &[ResourceInfo] {
        &self.resources
    }

    /// Look a resource up by the URL parts `group`, `version`, `plural`.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    }

    /// Look a resource up by `apiVersion` and `kind`.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.kind == kind && r.api_version() == api_version)
    }
}

/// What discovery says about one subresource (`pods/log`, `deployments/scale`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubresourceInfo {
    /// The subresource name, e.g. `scale`.
    pub name: &'static str,
    /// Group of the kind the subresource takes or returns (`""` for core).
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
}

impl ResourceInfo {
    /// The kind of a list of this resource, e.g. `PodList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// Where objects of this resource are stored. Kubernetes keeps one copy of a
    /// resource that is served under several groups or versions: core `v1` Events and
    /// `events.k8s.io/v1` Events are the same objects (stored as `events`), and
    /// `autoscaling/v1` and `autoscaling/v2` HorizontalPodAutoscalers too (stored as
    /// `horizontalpodautoscalers.autoscaling`). Everything else is stored under its
    /// own [`group_resource`](Self::group_resource). The server must key its store by
    /// this and convert between the versions on read.
    pub fn storage_resource(&self) -> String {
        match (self.group, self.plural) {
            ("events.k8s.io", "events") => "events".to_string(),
            _ => self.group_resource(),
        }
    }

    /// The `apiVersion` objects of this resource are stored in when several versions
    /// share storage (see [`storage_resource`](Self::storage_resource)); the
    /// resource's own `apiVersion` otherwise. Kubernetes stores Events as core `v1`
    /// and HorizontalPodAutoscalers as `autoscaling/v2`.
    pub fn storage_api_version(&self) -> String {
        match (self.group, self.plural) {
            ("events.k8s.io", "events") => "v1".to_string(),
            ("autoscaling", "horizontalpodautoscalers") => "autoscaling/v2".to_string(),
            _ => self.api_version(),
        }
    }

    /// Resources that only accept `create` and are never persisted: reviews
    /// (`selfsubjectaccessreviews`, `selfsubjectreviews`) answer in the response, and
    /// `bindings` act on the named pod instead of being stored.
    pub fn is_virtual(&self) -> bool {
        self.verbs == ["create"]
    }

    /// Whether discovery lists `verb` for this resource.
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs.contains(&verb)
    }

    /// Discovery data for one of this resource's subresources, `None` if the resource
    /// does not serve it.
    pub fn subresource(&self, name: &str) -> Option<SubresourceInfo> {
        if !self.subresources.contains(&name) {
            return None;
        }
        let (group, version, kind, verbs): (_, _, _, &'static [&'static str]) = match name {
            "status" => (self.group, self.version, self.kind, GET_PATCH_UPDATE),
            "scale" => ("autoscaling", "v1", "Scale", GET_PATCH_UPDATE),
            "finalize" => ("", "v1", "Namespace", &["update"]),
            "binding" => ("", "v1", "Binding", &["create"]),
            "eviction" => ("policy", "v1", "Eviction", &["create"]),
            "log" => ("", "v1", "Pod", &["get"]),
            "exec" => ("", "v1", "PodExecOptions", &["create", "get"]),
            "attach" => ("", "v1", "PodAttachOptions", &["create", "get"]),
            "portforward" => ("", "v1", "PodPortForwardOptions", &["create", "get"]),
            "ephemeralcontainers" | "resize" => ("", "v1", "Pod", GET_PATCH_UPDATE),
            "token" => ("authentication.k8s.io", "v1", "TokenRequest", &["create"]),
            "proxy" => {
                let kind = match self.kind {
                    "Pod" => "PodProxyOptions",
                    "Service" => "ServiceProxyOptions",
                    _ => "NodeProxyOptions",
                };
                (
                    "",
                    "v1",
                    kind,
                    &["create", "delete", "get", "patch", "update"],
                )
            }
            _ => return None,
        };
        let name = self.subresources.iter().copied().find(|s| *s == name)?;
        Some(SubresourceInfo {
            name,
            group,
            version,
            kind,
            verbs,
        })
    }
}

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
const NAMESPACE_VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const CREATE_ONLY: &[&str] = &["create"];
const GET_PATCH_UPDATE: &[&str] = &["get", "patch", "update"];
const ALL: &[&str] = &["all"];
const NONE: &[&str] = &[];
const STATUS: &[&str] = &["status"];
const SCALE_STATUS: &[&str] = &["scale", "status"];

/// Scope of a resource, to keep the table below readable.
#[derive(Clone, Copy)]
enum Scope {
    Namespaced,
    Cluster,
}

#[allow(clippy::too_many_arguments)]
fn res(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    scope: Scope,
    verbs: &'static [&'static str],
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [&'static str],
) -> ResourceInfo {
    ResourceInfo {
        group,
        version,
        kind,
        plural,
        singular: singular_of(kind),
        namespaced: matches!(scope, Scope::Namespaced),
        verbs,
        short_names,
        categories,
        subresources,
        has_status: subresources.contains(&"status"),
    }
}

/// Kubernetes' singular resource name is the lower-cased kind.
fn singular_of(kind: &'static str) -> &'static str {
    match kind {
        "Binding" => "binding",
        "ClusterRole" => "clusterrole",
        "ClusterRoleBinding" => "clusterrolebinding",
        "ConfigMap" => "configmap",
        "ControllerRevision" => "controllerrevision",
        "CronJob" => "cronjob",
        "DaemonSet" => "daemonset",
        "Deployment" => "deployment",
        "EndpointSlice" => "endpointslice",
        "Endpoints" => "endpoints",
        "Event" => "event",
        "HorizontalPodAutoscaler" => "horizontalpodautoscaler",
        "Ingress" => "ingress",
        "IngressClass" => "ingressclass",
        "Job" => "job",
        "Lease" => "lease",
        "LimitRange" => "limitrange",
        "Namespace" => "namespace",
        "NetworkPolicy" => "networkpolicy",
        "Node" => "node",
        "PersistentVolume" => "persistentvolume",
        "PersistentVolumeClaim" => "persistentvolumeclaim",
        "Pod" => "pod",
        "PodDisruptionBudget" => "poddisruptionbudget",
        "PodTemplate" => "podtemplate",
        "PriorityClass" => "priorityclass",
        "ReplicaSet" => "replicaset",
        "ReplicationController" => "replicationcontroller",
        "ResourceQuota" => "resourcequota",
        "Role" => "role",
        "RoleBinding" => "rolebinding",
        "Secret" => "secret",
        "SelfSubjectAccessReview" => "selfsubjectaccessreview",
        "SelfSubjectReview" => "selfsubjectreview",
        "Service" => "service",
        "ServiceAccount" => "serviceaccount",
        "StatefulSet" => "statefulset",
        "StorageClass" => "storageclass",
        _ => "",
    }
}

fn builtin_resources() -> Vec<ResourceInfo> {
    use Scope::{Cluster, Namespaced as Ns};
    vec![
        // core/v1
        res(
            "",
            "v1",
            "Binding",
            "bindings",
            Ns,
            CREATE_ONLY,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "",
            "v1",
            "ConfigMap",
            "configmaps",
            Ns,
            ALL_VERBS,
            &["cm"],
            NONE,
            NONE,
        ),
        res(
            "",
            "v1",
            "Endpoints",
            "endpoints",
            Ns,
            ALL_VERBS,
            &["ep"],
            NONE,
            NONE,
        ),
        res(
            "",
            "v1",
            "Event",
            "events",
            Ns,
            ALL_VERBS,
            &["ev"],
            NONE,
            NONE,
        ),
        res(
            "",
            "v1",
            "LimitRange",
            "limitranges",
            Ns,
            ALL_VERBS,
            &["limits"],
            NONE,
            NONE,
        ),
        res(
            "",
            "v1",
            "Namespace",
            "namespaces",
            Cluster,
            NAMESPACE_VERBS,
            &["ns"],
            NONE,
            &["finalize", "status"],
        ),
        res(
            "",
            "v1",
            "Node",
            "nodes",
            Cluster,
            ALL_VERBS,
            &["no"],
            NONE,
            &["proxy", "status"],
        ),
        res(
            "",
            "v1",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            Ns,
            ALL_VERBS,
            &["pvc"],
            NONE,
            STATUS,
        ),
        res(
            "",
            "v1",
            "PersistentVolume",
            "persistentvolumes",
            Cluster,
            ALL_VERBS,
            &["pv"],
            NONE,
            STATUS,
        ),
        res(
            "",
            "v1",
            "Pod",
            "pods",
            Ns,
            ALL_VERBS,
            &["po"],
            ALL,
            &[
                "attach",
                "binding",
                "ephemeralcontainers",
                "eviction",
                "exec",
                "log",
                "portforward",
                "proxy",
                "resize",
                "status",
            ],
        ),
        res(
            "",
            "v1",
            "PodTemplate",
            "podtemplates",
            Ns,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "",
            "v1",
            "ReplicationController",
            "replicationcontrollers",
            Ns,
            ALL_VERBS,
            &["rc"],
            ALL,
            SCALE_STATUS,
        ),
        res(
            "",
            "v1",
            "ResourceQuota",
            "resourcequotas",
            Ns,
            ALL_VERBS,
            &["quota"],
            NONE,
            STATUS,
        ),
        res(
            "", "v1", "Secret", "secrets", Ns, ALL_VERBS, NONE, NONE, NONE,
        ),
        res(
            "",
            "v1",
            "ServiceAccount",
            "serviceaccounts",
            Ns,
            ALL_VERBS,
            &["sa"],
            NONE,
            &["token"],
        ),
        res(
            "",
            "v1",
            "Service",
            "services",
            Ns,
            ALL_VERBS,
            &["svc"],
            ALL,
            &["proxy", "status"],
        ),
        // apps/v1
        res(
            "apps",
            "v1",
            "ControllerRevision",
            "controllerrevisions",
            Ns,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "apps",
            "v1",
            "DaemonSet",
            "daemonsets",
            Ns,
            ALL_VERBS,
            &["ds"],
            ALL,
            STATUS,
        ),
        res(
            "apps",
            "v1",
            "Deployment",
            "deployments",
            Ns,
            ALL_VERBS,
            &["deploy"],
            ALL,
            SCALE_STATUS,
        ),
        res(
            "apps",
            "v1",
            "ReplicaSet",
            "replicasets",
            Ns,
            ALL_VERBS,
            &["rs"],
            ALL,
            SCALE_STATUS,
        ),
        res(
            "apps",
            "v1",
            "StatefulSet",
            "statefulsets",
            Ns,
            ALL_VERBS,
            &["sts"],
            ALL,
            SCALE_STATUS,
        ),
        // authentication / authorization
        res(
            "authentication.k8s.io",
            "v1",
            "SelfSubjectReview",
            "selfsubjectreviews",
            Cluster,
            CREATE_ONLY,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "authorization.k8s.io",
            "v1",
            "SelfSubjectAccessReview",
            "selfsubjectaccessreviews",
            Cluster,
            CREATE_ONLY,
            NONE,
            NONE,
            NONE,
        ),
        // autoscaling
        res(
            "autoscaling",
            "v1",
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
            Ns,
            ALL_VERBS,
            &["hpa"],
            ALL,
            STATUS,
        ),
        res(
            "autoscaling",
            "v2",
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
            Ns,
            ALL_VERBS,
            &["hpa"],
            ALL,
            STATUS,
        ),
        // batch/v1
        res(
            "batch",
            "v1",
            "CronJob",
            "cronjobs",
            Ns,
            ALL_VERBS,
            &["cj"],
            ALL,
            STATUS,
        ),
        res(
            "batch", "v1", "Job", "jobs", Ns, ALL_VERBS, NONE, ALL, STATUS,
        ),
        // coordination, discovery, events
        res(
            "coordination.k8s.io",
            "v1",
            "Lease",
            "leases",
            Ns,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "discovery.k8s.io",
            "v1",
            "EndpointSlice",
            "endpointslices",
            Ns,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "events.k8s.io",
            "v1",
            "Event",
            "events",
            Ns,
            ALL_VERBS,
            &["ev"],
            NONE,
            NONE,
        ),
        // networking.k8s.io/v1
        res(
            "networking.k8s.io",
            "v1",
            "IngressClass",
            "ingressclasses",
            Cluster,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "networking.k8s.io",
            "v1",
            "Ingress",
            "ingresses",
            Ns,
            ALL_VERBS,
            &["ing"],
            NONE,
            STATUS,
        ),
        res(
            "networking.k8s.io",
            "v1",
            "NetworkPolicy",
            "networkpolicies",
            Ns,
            ALL_VERBS,
            &["netpol"],
            NONE,
            NONE,
        ),
        // policy/v1
        res(
            "policy",
            "v1",
            "PodDisruptionBudget",
            "poddisruptionbudgets",
            Ns,
            ALL_VERBS,
            &["pdb"],
            NONE,
            STATUS,
        ),
        // rbac.authorization.k8s.io/v1
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRoleBinding",
            "clusterrolebindings",
            Cluster,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRole",
            "clusterroles",
            Cluster,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "RoleBinding",
            "rolebindings",
            Ns,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "Role",
            "roles",
            Ns,
            ALL_VERBS,
            NONE,
            NONE,
            NONE,
        ),
        // scheduling, storage
        res(
            "scheduling.k8s.io",
            "v1",
            "PriorityClass",
            "priorityclasses",
            Cluster,
            ALL_VERBS,
            &["pc"],
            NONE,
            NONE,
        ),
        res(
            "storage.k8s.io",
            "v1",
            "StorageClass",
            "storageclasses",
            Cluster,
            ALL_VERBS,
            &["sc"],
            NONE,
            NONE,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_version_plural_is_unique() {
        let reg = Registry::builtin();
        let mut seen = std::collections::HashSet::new();
        for r in reg.all() {
            assert!(
                seen.insert((r.group, r.version, r.plural)),
                "duplicate {}",
                r.plural
            );
            assert_eq!(r.singular, r.kind.to_ascii_lowercase());
        }
        assert_eq!(reg.all().len(), 40);
    }

    #[test]
    fn lookups() {
        let reg = Registry::builtin();
        let deploy = reg.lookup("apps", "v1", "deployments").unwrap();
        assert_eq!(deploy.kind, "Deployment");
        assert_eq!(deploy.short_names, ["deploy"]);
        assert_eq!(deploy.categories, ["all"]);
        assert!(deploy.has_status);
        assert_eq!(reg.by_kind("v1", "Pod").unwrap().plural, "pods");
        assert_eq!(
            reg.by_kind("autoscaling/v2", "HorizontalPodAutoscaler")
                .unwrap()
                .version,
            "v2"
        );
        assert!(reg.lookup("", "v1", "deployments").is_none());
        let ns = reg.by_kind("v1", "Namespace").unwrap();
        assert!(!ns.namespaced && !ns.has_verb("deletecollection"));
        assert_eq!(reg.by_kind("v1", "Pod").unwrap().list_kind(), "PodList");
    }

    #[test]
    fn shared_storage_and_virtual_resources() {
        let reg = Registry::builtin();
        let core_ev = reg.lookup("", "v1", "events").unwrap();
        let ev = reg.lookup("events.k8s.io", "v1", "events").unwrap();
        assert_eq!(core_ev.storage_resource(), ev.storage_resource());
        assert_eq!(ev.storage_api_version(), "v1");
        let h1 = reg
            .lookup("autoscaling", "v1", "horizontalpodautoscalers")
            .unwrap();
        let h2 = reg
            .lookup("autoscaling", "v2", "horizontalpodautoscalers")
            .unwrap();
        assert_eq!(h1.storage_resource(), h2.storage_resource());
        assert_eq!(h1.storage_api_version(), "autoscaling/v2");
        assert_eq!(
            reg.lookup("apps", "v1", "deployments")
                .unwrap()
                .storage_resource(),
            "deployments.apps"
        );
        let virt: Vec<_> = reg
            .all()
            .iter()
            .filter(|r| r.is_virtual())
            .map(|r| r.plural)
            .collect();
        assert_eq!(
            virt,
            ["bindings", "selfsubjectreviews", "selfsubjectaccessreviews"]
        );
    }

    #[test]
    fn subresource_discovery() {
        let reg = Registry::builtin();
        let pods = reg.lookup("", "v1", "pods").unwrap();
        let exec = pods.subresource("exec").unwrap();
        assert_eq!(
            (exec.kind, exec.verbs),
            ("PodExecOptions", &["create", "get"][..])
        );
        assert_eq!(pods.subresource("proxy").unwrap().kind, "PodProxyOptions");
        assert!(pods.subresource("scale").is_none());
        let scale = reg
            .lookup("apps", "v1", "deployments")
            .unwrap()
            .subresource("scale")
            .unwrap();
        assert_eq!(
            (scale.group, scale.version, scale.kind),
            ("autoscaling", "v1", "Scale")
        );
        let token = reg
            .lookup("", "v1", "serviceaccounts")
            .unwrap()
            .subresource("token")
            .unwrap();
        assert_eq!(token.kind, "TokenRequest");
    }
}
