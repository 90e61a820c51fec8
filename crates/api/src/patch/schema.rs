//! The patch-relevant facts of the built-in types: which list fields merge by key (and by
//! which key), which merge as sets of primitives, which maps are replaced whole, and which
//! maps are atomic for server-side apply.
//!
//! The facts come from the `patchStrategy` / `patchMergeKey` tags and the
//! `listType` / `listMapKey` / `structType` markers of k8s.io/api. A field is addressed by
//! its kind and the chain of field names from the object root; list elements add no
//! name, so `spec.template.spec.containers.env` is the env list of any container of a
//! Deployment. Anything not listed is a granular map or an atomic (replaced) list, which
//! is also what Kubernetes does for types it has no tags for.

/// How a list field merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListKind {
    /// Replaced whole by a patch; one leaf for field ownership.
    Atomic,
    /// A set of primitives (`patchStrategy:"merge"` on a `[]string`, `listType=set`).
    Set,
    /// Elements are maps identified by key fields. `smp_key` is the strategic merge
    /// patch key; `keys` are the server-side apply map keys (may be more than one).
    Map {
        smp_key: &'static str,
        keys: &'static [MapKey],
    },
}

/// One key field of an associative list, with the default the API fills in when the
/// element omits it (e.g. a port's `protocol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MapKey {
    pub name: &'static str,
    pub default: Option<&'static str>,
}

const fn key(name: &'static str) -> MapKey {
    MapKey {
        name,
        default: None,
    }
}

const NAME: &[MapKey] = &[key("name")];
const TYPE: &[MapKey] = &[key("type")];
const IP: &[MapKey] = &[key("ip")];
const UID: &[MapKey] = &[key("uid")];
const MOUNT_PATH: &[MapKey] = &[key("mountPath")];
const DEVICE_PATH: &[MapKey] = &[key("devicePath")];
const CONTAINER_PORT: &[MapKey] = &[
    key("containerPort"),
    MapKey {
        name: "protocol",
        default: Some("TCP"),
    },
];
const SERVICE_PORT: &[MapKey] = &[
    key("port"),
    MapKey {
        name: "protocol",
        default: Some("TCP"),
    },
];
const SPREAD: &[MapKey] = &[key("topologyKey"), key("whenUnsatisfiable")];

const fn by(smp_key: &'static str, keys: &'static [MapKey]) -> ListKind {
    ListKind::Map { smp_key, keys }
}

/// Lists of a pod spec, relative to the spec.
const POD_SPEC_LISTS: &[(&str, ListKind)] = &[
    ("containers", by("name", NAME)),
    ("initContainers", by("name", NAME)),
    ("ephemeralContainers", by("name", NAME)),
    ("volumes", by("name", NAME)),
    ("imagePullSecrets", by("name", NAME)),
    ("hostAliases", by("ip", IP)),
    ("topologySpreadConstraints", by("topologyKey", SPREAD)),
    ("schedulingGates", by("name", NAME)),
    ("resourceClaims", by("name", NAME)),
];

/// Lists of a container (any of the three container lists), relative to the container.
const CONTAINER_LISTS: &[(&str, ListKind)] = &[
    ("ports", by("containerPort", CONTAINER_PORT)),
    ("env", by("name", NAME)),
    ("volumeMounts", by("mountPath", MOUNT_PATH)),
    ("volumeDevices", by("devicePath", DEVICE_PATH)),
];

/// Lists of a pod status, relative to `status`.
const POD_STATUS_LISTS: &[(&str, ListKind)] = &[
    ("conditions", by("type", TYPE)),
    ("podIPs", by("ip", IP)),
    ("hostIPs", by("ip", IP)),
    ("resourceClaimStatuses", by("name", NAME)),
    (
        "containerStatuses.volumeMounts",
        by("mountPath", MOUNT_PATH),
    ),
    (
        "initContainerStatuses.volumeMounts",
        by("mountPath", MOUNT_PATH),
    ),
    (
        "ephemeralContainerStatuses.volumeMounts",
        by("mountPath", MOUNT_PATH),
    ),
    (
        "containerStatuses.allocatedResourcesStatus",
        by("name", NAME),
    ),
    (
        "initContainerStatuses.allocatedResourcesStatus",
        by("name", NAME),
    ),
    (
        "ephemeralContainerStatuses.allocatedResourcesStatus",
        by("name", NAME),
    ),
];

/// Kinds whose `status.conditions` merge by `type`.
const KINDS_WITH_TYPED_CONDITIONS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "HorizontalPodAutoscaler",
    "PersistentVolumeClaim",
    "Node",
    "Namespace",
    "Service",
    "ComponentStatus",
    "PodDisruptionBudget",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "StorageVersionMigration",
    "ServiceCIDR",
];

/// Other per-kind list fields, from the object root.
const KIND_LISTS: &[(&str, &str, ListKind)] = &[
    ("Service", "spec.ports", by("port", SERVICE_PORT)),
    ("ServiceAccount", "secrets", by("name", NAME)),
    ("Node", "spec.podCIDRs", ListKind::Set),
    ("Node", "status.addresses", by("type", TYPE)),
    (
        "ValidatingWebhookConfiguration",
        "webhooks",
        by("name", NAME),
    ),
    (
        "ValidatingWebhookConfiguration",
        "webhooks.matchConditions",
        by("name", NAME),
    ),
    ("MutatingWebhookConfiguration", "webhooks", by("name", NAME)),
    (
        "MutatingWebhookConfiguration",
        "webhooks.matchConditions",
        by("name", NAME),
    ),
    (
        "ValidatingAdmissionPolicy",
        "spec.matchConditions",
        by("name", NAME),
    ),
    (
        "ValidatingAdmissionPolicy",
        "spec.variables",
        by("name", NAME),
    ),
    (
        "MutatingAdmissionPolicy",
        "spec.matchConditions",
        by("name", NAME),
    ),
    (
        "MutatingAdmissionPolicy",
        "spec.variables",
        by("name", NAME),
    ),
    ("CSINode", "spec.drivers", by("name", NAME)),
    ("ResourceClaim", "status.reservedFor", by("uid", UID)),
    ("ResourceClaim", "status.conditions", by("type", TYPE)),
];

/// Maps that a strategic merge patch replaces whole (`patchStrategy:"replace"`).
const KIND_REPLACED_MAPS: &[(&str, &str)] = &[("PodDisruptionBudget", "spec.selector")];

/// Maps whose retainKeys strategy applies (`patchStrategy:"retainKeys"`); kubectl sends
/// `$retainKeys` for these, the server honours the directive wherever it appears.
const KIND_RETAIN_KEYS: &[(&str, &str)] = &[("Deployment", "spec.strategy")];

/// Where the pod spec of a kind lives.
fn pod_spec_prefix(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "PodTemplate" => &["template", "spec"],
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

fn strip<'a, 'b>(path: &'a [&'b str], prefix: &[&str]) -> Option<&'a [&'b str]> {
    if path.len() >= prefix.len() && path[..prefix.len()] == *prefix {
        Some(&path[prefix.len()..])
    } else {
        None
    }
}

fn joined_is(path: &[&str], dotted: &str) -> bool {
    let mut parts = dotted.split('.');
    let mut n = 0;
    for p in path {
        match parts.next() {
            Some(d) if d == *p => n += 1,
            _ => return false,
        }
    }
    parts.next().is_none() && n == path.len()
}

/// The list kind of the field at `path` (field names from the root) of `kind`.
pub(crate) fn list_kind(kind: &str, path: &[&str]) -> ListKind {
    // ObjectMeta, at the root or in a template.
    if let [.., "metadata", last] = path {
        match *last {
            "finalizers" => return ListKind::Set,
            "ownerReferences" => return by("uid", UID),
            _ => {}
        }
    }
    if let Some(prefix) = pod_spec_prefix(kind) {
        if let Some(rel) = strip(path, prefix) {
            for (p, k) in POD_SPEC_LISTS {
                if joined_is(rel, p) {
                    return *k;
                }
            }
            if let [c, rest @ ..] = rel {
                if matches!(*c, "containers" | "initContainers" | "ephemeralContainers") {
                    for (p, k) in CONTAINER_LISTS {
                        if joined_is(rest, p) {
                            return *k;
                        }
                    }
                }
            }
        }
    }
    if kind == "Pod" {
        if let Some(rel) = strip(path, &["status"]) {
            for (p, k) in POD_STATUS_LISTS {
                if joined_is(rel, p) {
                    return *k;
                }
            }
        }
    }
    if path == ["status", "conditions"] && KINDS_WITH_TYPED_CONDITIONS.contains(&kind) {
        return by("type", TYPE);
    }
    for (k, p, l) in KIND_LISTS {
        if *k == kind && joined_is(path, p) {
            return *l;
        }
    }
    ListKind::Atomic
}

/// A strategic merge patch replaces this map instead of merging into it.
pub(crate) fn map_replaced_by_smp(kind: &str, path: &[&str]) -> bool {
    KIND_REPLACED_MAPS
        .iter()
        .any(|(k, p)| *k == kind && joined_is(path, p))
}

/// The map's patch strategy includes retainKeys (elements of volumes and resource claims,
/// a deployment's strategy).
pub(crate) fn retains_keys(kind: &str, path: &[&str]) -> bool {
    if KIND_RETAIN_KEYS
        .iter()
        .any(|(k, p)| *k == kind && joined_is(path, p))
    {
        return true;
    }
    if let Some(prefix) = pod_spec_prefix(kind) {
        if let Some(rel) = strip(path, prefix) {
            return matches!(rel, ["volumes"] | ["resourceClaims"]);
        }
    }
    false
}

/// The map at `path` is atomic for server-side apply (owned and replaced as one value):
/// label selectors (`metav1.LabelSelector` is `structType=atomic`), the `map[string]string`
/// selectors of services, replication controllers and pod specs (`mapType=atomic`),
/// node selectors of node affinity and object references (`structType=atomic`).
pub(crate) fn map_is_atomic(_kind: &str, path: &[&str]) -> bool {
    matches!(
        path.last(),
        Some(
            &"selector"
                | &"labelSelector"
                | &"namespaceSelector"
                | &"podSelector"
                | &"nodeSelector"
                | &"requiredDuringSchedulingIgnoredDuringExecution"
                | &"involvedObject"
                | &"targetRef"
        )
    )
}

/// The map at `path` has arbitrary keys (`map[string]...` in Go) rather than named
/// struct fields: its children are keys. Server-side apply only removes whole struct
/// fields, never a free-form map because one of its keys went.
pub(crate) fn is_free_form_map(kind: &str, path: &[&str]) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    match *last {
        "labels" | "annotations" | "nodeSelector" | "matchLabels" | "limits" | "requests"
        | "capacity" | "allocatable" | "hard" | "used" | "overhead" | "volumeAttributes"
        | "allocatedResources" | "binaryData" | "stringData" | "parameters" => true,
        "data" => path.len() == 1,
        "selector" => {
            path == ["spec", "selector"] && matches!(kind, "Service" | "ReplicationController")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_and_nested_lists_by_kind() {
        assert_eq!(
            list_kind("Deployment", &["spec", "template", "spec", "containers"]),
            by("name", NAME)
        );
        assert_eq!(
            list_kind(
                "CronJob",
                &[
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "spec",
                    "containers",
                    "env"
                ]
            ),
            by("name", NAME)
        );
        assert_eq!(
            list_kind("Pod", &["spec", "containers", "ports"]),
            by("containerPort", CONTAINER_PORT)
        );
        assert_eq!(list_kind("Pod", &["spec", "tolerations"]), ListKind::Atomic);
        assert_eq!(
            list_kind("Pod", &["spec", "containers", "args"]),
            ListKind::Atomic
        );
        assert_eq!(
            list_kind("ConfigMap", &["metadata", "finalizers"]),
            ListKind::Set
        );
        assert_eq!(
            list_kind(
                "Deployment",
                &["spec", "template", "metadata", "ownerReferences"]
            ),
            by("uid", UID)
        );
        assert_eq!(
            list_kind("Service", &["spec", "ports"]),
            by("port", SERVICE_PORT)
        );
        assert_eq!(list_kind("Foo", &["spec", "containers"]), ListKind::Atomic);
    }

    #[test]
    fn retain_keys_and_replaced_maps() {
        assert!(retains_keys("Deployment", &["spec", "strategy"]));
        assert!(retains_keys("Pod", &["spec", "volumes"]));
        assert!(!retains_keys("Pod", &["spec", "containers"]));
        assert!(map_replaced_by_smp(
            "PodDisruptionBudget",
            &["spec", "selector"]
        ));
        assert!(map_is_atomic("Deployment", &["spec", "selector"]));
    }
}
