use super::*;
use crate::discovery::tests::test_registry;

fn doc(api: &OpenApi, path: &str) -> Value {
    serde_json::from_slice(&api.v3_document(path).expect(path)).unwrap()
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"][name]
}

/// Follows kubectl's `supportsQueryParamV3`: the first PATCH operation whose
/// `x-kubernetes-group-version-kind` is the kind must list the query parameter.
fn supports_query_param(doc: &Value, g: &str, v: &str, k: &str, param: &str) -> bool {
    for item in doc["paths"].as_object().unwrap().values() {
        let Some(op) = item.get("patch") else {
            continue;
        };
        let gvk = &op["x-kubernetes-group-version-kind"];
        if gvk != &json!({"group": g, "version": v, "kind": k}) {
            continue;
        }
        return op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == param && p["in"] == "query");
    }
    false
}

fn all_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_string()),
                    _ => all_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| all_refs(v, out)),
        _ => {}
    }
}

fn no_ref_siblings(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            (!m.get("$ref").is_some_and(Value::is_string) || m.len() == 1)
                && m.values().all(no_ref_siblings)
        }
        Value::Array(a) => a.iter().all(no_ref_siblings),
        _ => true,
    }
}

#[test]
fn v3_index_lists_every_group_version() {
    let api = OpenApi::build(&test_registry());
    let index = api.v3_index();
    let keys: Vec<&String> = index["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "api/v1",
            "apis/apps/v1",
            "apis/autoscaling/v2",
            "apis/autoscaling/v1",
            "apis/batch/v1",
            "apis/rbac.authorization.k8s.io/v1",
            "apis/example.com/v1"
        ]
    );
    for key in keys {
        let url = index["paths"][key]["serverRelativeURL"].as_str().unwrap();
        assert_eq!(
            url,
            format!("/openapi/v3/{key}?hash={}", api.v3_hash(key).unwrap())
        );
        assert!(api.v3_document(key).is_some());
    }
    assert!(api.v3_document("/apis/apps/v1").is_some());
    let index_bytes: Value = serde_json::from_slice(&api.v3_index_json()).unwrap();
    assert_eq!(index_bytes, index);
    assert_eq!(api.v3_index_hash().len(), 16);
    assert!(api.v3_document("apis/apps/v2").is_none());
}

#[test]
fn pod_schema_is_what_kubectl_explain_reads() {
    let api = OpenApi::build(&test_registry());
    let core = doc(&api, "api/v1");
    assert_eq!(core["openapi"], "3.0.0");
    let pod = schema(&core, "io.k8s.api.core.v1.Pod");
    assert_eq!(
        pod["x-kubernetes-group-version-kind"],
        json!([{"group": "", "kind": "Pod", "version": "v1"}])
    );
    assert!(pod["description"]
        .as_str()
        .unwrap()
        .starts_with("Pod is a collection of containers"));
    assert!(
        pod.get("required").is_none(),
        "metadata must not be required"
    );
    assert_eq!(
        pod["properties"]["spec"]["allOf"],
        json!([{"$ref": "#/components/schemas/io.k8s.api.core.v1.PodSpec"}])
    );
    assert!(pod["properties"]["spec"]["description"]
        .as_str()
        .unwrap()
        .contains("desired behavior"));
    let containers = &schema(&core, "io.k8s.api.core.v1.PodSpec")["properties"]["containers"];
    assert!(containers["description"]
        .as_str()
        .unwrap()
        .starts_with("List of containers"));
    assert_eq!(
        containers["items"]["$ref"],
        "#/components/schemas/io.k8s.api.core.v1.Container"
    );
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
    let volumes = &schema(&core, "io.k8s.api.core.v1.PodSpec")["properties"]["volumes"];
    assert_eq!(volumes["x-kubernetes-patch-strategy"], "merge,retainKeys");
    let meta = schema(&core, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    assert_eq!(
        meta["properties"]["ownerReferences"]["x-kubernetes-patch-merge-key"],
        "uid"
    );
    assert!(
        schema(&core, "io.k8s.api.core.v1.Container")["properties"]["image"]["description"]
            .is_string()
    );
    assert!(
        schema(&core, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")["properties"]["name"]
            .is_object()
    );
    let list = schema(&core, "io.k8s.api.core.v1.PodList");
    assert_eq!(
        list["x-kubernetes-group-version-kind"],
        json!([{"group": "", "kind": "PodList", "version": "v1"}])
    );
    assert_eq!(
        list["properties"]["items"]["items"]["$ref"],
        "#/components/schemas/io.k8s.api.core.v1.Pod"
    );
    // explain finds the kind through the GVK of the collection path's operations.
    assert_eq!(
        core["paths"]["/api/v1/pods"]["get"]["x-kubernetes-group-version-kind"],
        json!({"group": "", "kind": "Pod", "version": "v1"})
    );
    assert_eq!(
        core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["get"]
            ["x-kubernetes-group-version-kind"]["kind"],
        "Pod"
    );
    // Subresource kinds of other groups are published in the document that serves them.
    assert_eq!(
        schema(&core, "io.k8s.api.policy.v1.Eviction")["x-kubernetes-group-version-kind"],
        json!([{"group": "policy", "kind": "Eviction", "version": "v1"}])
    );
    assert_eq!(
        core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]["operationId"],
        "createCoreV1NamespacedPodEviction"
    );
    assert_eq!(
        core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/exec"]["get"]
            ["x-kubernetes-action"],
        "connect"
    );
    assert!(core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"].is_object());
}

#[test]
fn deployment_has_gvk_scale_and_field_validation() {
    let api = OpenApi::build(&test_registry());
    let apps = doc(&api, "apis/apps/v1");
    assert_eq!(
        schema(&apps, "io.k8s.api.apps.v1.Deployment")["x-kubernetes-group-version-kind"],
        json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
    assert_eq!(
        schema(&apps, "io.k8s.api.autoscaling.v1.Scale")["x-kubernetes-group-version-kind"],
        json!([{"group": "autoscaling", "kind": "Scale", "version": "v1"}])
    );
    assert!(
        schema(&apps, "io.k8s.api.core.v1.PodSpec").is_object(),
        "referenced schemas are included"
    );
    assert!(
        schema(&apps, "io.k8s.api.core.v1.Pod").is_null(),
        "only reachable schemas are included"
    );
    assert!(supports_query_param(
        &apps,
        "apps",
        "v1",
        "Deployment",
        "fieldValidation"
    ));
    let patch = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert_eq!(patch["operationId"], "patchAppsV1NamespacedDeployment");
    assert!(patch["requestBody"]["content"]["application/apply-patch+yaml"].is_object());
    assert!(patch["requestBody"]["content"]["application/strategic-merge-patch+json"].is_object());
    let strategy = &schema(&apps, "io.k8s.api.apps.v1.DeploymentSpec")["properties"]["strategy"];
    assert_eq!(strategy["x-kubernetes-patch-strategy"], "retainKeys");
    let strategy_type =
        &schema(&apps, "io.k8s.api.apps.v1.DeploymentStrategy")["properties"]["type"];
    assert_eq!(strategy_type["enum"], json!(["Recreate", "RollingUpdate"]));
    assert!(strategy["allOf"].is_array());
    let scale =
        &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["put"];
    assert_eq!(
        scale["x-kubernetes-group-version-kind"],
        json!({"group": "autoscaling", "kind": "Scale", "version": "v1"})
    );
    assert_eq!(
        scale["requestBody"]["content"]["*/*"]["schema"]["$ref"],
        "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"
    );

    let core = doc(&api, "api/v1");
    for kind in ["Pod", "Namespace", "ConfigMap", "ServiceAccount"] {
        assert!(
            supports_query_param(&core, "", "v1", kind, "fieldValidation"),
            "{kind}"
        );
    }
    assert!(!supports_query_param(
        &core,
        "",
        "v1",
        "Secret",
        "fieldValidation"
    ));
    let rbac = doc(&api, "apis/rbac.authorization.k8s.io/v1");
    assert!(supports_query_param(
        &rbac,
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "fieldValidation"
    ));
    assert!(rbac["paths"]["/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"].is_object());
    assert_eq!(
        rbac["paths"]["/apis/rbac.authorization.k8s.io/v1/clusterroles"]["get"]["operationId"],
        "listRbacAuthorizationV1ClusterRole"
    );
}

#[test]
fn every_ref_resolves_and_refs_have_no_siblings() {
    let api = OpenApi::build(&test_registry());
    for key in api.v3_index()["paths"].as_object().unwrap().keys() {
        let d = doc(&api, key);
        let mut refs = Vec::new();
        all_refs(&d, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{key}: {r}"));
            assert!(schema(&d, name).is_object(), "{key}: dangling {r}");
        }
        assert!(no_ref_siblings(&d), "{key}");
    }
}

#[test]
fn custom_kind_gets_a_generic_schema() {
    let api = OpenApi::build(&test_registry());
    let d = doc(&api, "apis/example.com/v1");
    let widget = schema(&d, "com.example.v1.Widget");
    assert_eq!(
        widget["x-kubernetes-group-version-kind"],
        json!([{"group": "example.com", "kind": "Widget", "version": "v1"}])
    );
    assert_eq!(widget["x-kubernetes-preserve-unknown-fields"], true);
    assert!(supports_query_param(
        &d,
        "example.com",
        "v1",
        "Widget",
        "fieldValidation"
    ));
    // Custom kinds take merge patches but not strategic ones, as in Kubernetes.
    let patch = &d["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"];
    let content = &patch["requestBody"]["content"];
    assert!(content["application/merge-patch+json"].is_object());
    assert!(content
        .get("application/strategic-merge-patch+json")
        .is_none());
}

#[test]
fn v2_document_uses_definitions() {
    let api = OpenApi::build(&test_registry());
    let v2: Value = serde_json::from_slice(&api.v2_json()).unwrap();
    assert_eq!(v2["swagger"], "2.0");
    let defs = &v2["definitions"];
    assert_eq!(
        defs["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"],
        json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
    // Swagger 2.0 keeps the description beside the $ref, as Kubernetes' swagger.json does.
    assert_eq!(
        defs["io.k8s.api.core.v1.Pod"]["properties"]["spec"]["$ref"],
        "#/definitions/io.k8s.api.core.v1.PodSpec"
    );
    let mut refs = Vec::new();
    all_refs(&v2, &mut refs);
    for r in refs {
        let name = r
            .strip_prefix("#/definitions/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(defs[name].is_object(), "dangling {r}");
    }
    let patch = &v2["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert!(patch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["in"] == "body"));
    assert!(patch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "fieldValidation" && p["type"] == "string"));
    assert_eq!(api.v2_hash(), api.v2_hash());
}

#[test]
fn hashes_are_stable_across_builds() {
    let a = OpenApi::build(&test_registry());
    let b = OpenApi::build(&test_registry());
    assert_eq!(a.v3_index(), b.v3_index());
    assert_eq!(a.v2_hash(), b.v2_hash());
    assert_ne!(a.v3_hash("api/v1"), a.v3_hash("apis/apps/v1"));
}

/// Every kind `k8s-openapi` knows, as resources (names invented where the registry
/// would give them): the worst case for document size.
fn every_kind() -> Vec<ResourceInfo> {
    kinds::KINDS
        .iter()
        .filter(|k| !matches!(k.kind, "Scale" | "Eviction" | "TokenRequest"))
        .map(|k| {
            let lower: &'static str = Box::leak(k.kind.to_ascii_lowercase().into_boxed_str());
            let plural: &'static str = Box::leak(format!("{lower}s").into_boxed_str());
            ResourceInfo {
                group: k.group,
                version: k.version,
                kind: k.kind,
                plural,
                singular: lower,
                namespaced: true,
                verbs: &[
                    "create",
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "update",
                    "watch",
                ],
                short_names: &[],
                categories: &[],
                subresources: &["status"],
                has_status: true,
            }
        })
        .collect()
}

#[test]
fn every_known_kind_builds_and_size_is_bounded() {
    let resources = every_kind();
    let api = OpenApi::build(&resources);
    let v3 = api.retained_bytes();
    let v2 = api.v2_json().len();
    let crd = doc(&api, "apis/apiextensions.k8s.io/v1");
    let props = &schema(
        &crd,
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
    )["properties"];
    assert!(
        props["$ref"]["type"] == "string",
        "a property named $ref stays a property"
    );
    assert!(no_ref_siblings(&crd));
    let total = api.retained_bytes();
    eprintln!(
        "openapi: v3 documents {v3} bytes, v2 document {v2} bytes, retained total {total} bytes"
    );
    assert!(total < 24 << 20, "documents use {total} bytes");
    for key in api.v3_index()["paths"].as_object().unwrap().keys() {
        let d = doc(&api, key);
        let mut refs = Vec::new();
        all_refs(&d, &mut refs);
        for r in refs {
            let name = r.strip_prefix("#/components/schemas/").unwrap();
            assert!(schema(&d, name).is_object(), "{key}: dangling {r}");
        }
    }
}

#[test]
fn field_metadata_tables_match_the_schemas() {
    let schemas = Schemas::generate(&every_kind());
    let mut applied = 0;
    for (schema, property, strategy, _) in patch_meta::PATCH_META {
        let Some(s) = schemas.all.get(*schema) else {
            continue;
        };
        let prop = &s["properties"][*property];
        assert_eq!(
            prop["x-kubernetes-patch-strategy"], *strategy,
            "{schema}.{property}"
        );
        applied += 1;
    }
    assert!(applied > 50, "only {applied} patch rows applied");
    let mut applied = 0;
    for (schema, property, values) in patch_meta::ENUMS {
        let Some(s) = schemas.all.get(*schema) else {
            continue;
        };
        assert_eq!(
            s["properties"][*property]["enum"],
            json!(values),
            "{schema}.{property}"
        );
        applied += 1;
    }
    assert!(applied > 50, "only {applied} enum rows applied");
}

#[test]
fn json_negotiation() {
    assert!(accepts_json(None));
    assert!(accepts_json(Some("")));
    assert!(accepts_json(Some("application/json")));
    assert!(accepts_json(Some("application/json, */*")));
    assert!(accepts_json(Some("*/*")));
    assert!(accepts_json(Some(
        "application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json;q=0.9"
    )));
    assert!(!accepts_json(Some(OPENAPI_V2_PROTOBUF)));
    assert!(!accepts_json(Some("application/yaml")));
    assert!(!accepts_json(Some("application/json;q=0")));
}

#[test]
fn shareable_between_request_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<OpenApi>();
}

/// Whatever the built-in registry holds, every document builds and every `$ref` in it
/// resolves.
#[test]
fn builtin_registry_documents_resolve() {
    let reg = rkube_api::Registry::builtin();
    let api = OpenApi::build(&reg);
    for key in api.v3_index()["paths"].as_object().unwrap().keys() {
        let d = doc(&api, key);
        let mut refs = Vec::new();
        all_refs(&d, &mut refs);
        for r in refs {
            let name = r.strip_prefix("#/components/schemas/").unwrap();
            assert!(schema(&d, name).is_object(), "{key}: dangling {r}");
        }
    }
    for r in reg.all() {
        let d = doc(&api, &gv_path(r.group, r.version));
        let gvk = json!({"group": r.group, "kind": r.kind, "version": r.version});
        let found = d["components"]["schemas"]
            .as_object()
            .unwrap()
            .values()
            .any(|s| {
                s["x-kubernetes-group-version-kind"]
                    .as_array()
                    .is_some_and(|a| a.contains(&gvk))
            });
        assert!(found, "no schema for {gvk}");
    }
}
