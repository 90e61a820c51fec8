//! The built-in resources: group, version, kind, plural, scope, verbs, short names,
//! subresources.

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
        Registry { resources: builtin_resources() }
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

// TEMPORARY short list on main; the api-core branch replaces it with every resource.
fn builtin_resources() -> Vec<ResourceInfo> {
    const RW: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    let r = |group, version, kind, plural, singular, namespaced, short: &'static [&'static str], sub: &'static [&'static str], has_status| ResourceInfo {
        group, version, kind, plural, singular, namespaced, verbs: RW, short_names: short, categories: &[], subresources: sub, has_status,
    };
    vec![
        r("", "v1", "Namespace", "namespaces", "namespace", false, &["ns"], &["status", "finalize"], true),
        r("", "v1", "Pod", "pods", "pod", true, &["po"], &["status", "binding", "eviction"], true),
        r("", "v1", "ConfigMap", "configmaps", "configmap", true, &["cm"], &[], false),
        r("", "v1", "Secret", "secrets", "secret", true, &[], &[], false),
        r("", "v1", "Service", "services", "service", true, &["svc"], &["status"], true),
        r("", "v1", "Endpoints", "endpoints", "endpoints", true, &["ep"], &[], false),
        r("", "v1", "Event", "events", "event", true, &["ev"], &[], false),
        r("", "v1", "Node", "nodes", "node", false, &["no"], &["status"], true),
        r("apps", "v1", "Deployment", "deployments", "deployment", true, &["deploy"], &["status", "scale"], true),
        r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", true, &[], &[], false),
        r("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", "selfsubjectaccessreview", false, &[], &[], false),
        r("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview", false, &[], &[], false),
    ]
}
