//! Strategic merge patch (`application/strategic-merge-patch+json`) for the built-in
//! types.
//!
//! Maps merge recursively and `null` deletes a key. Lists merge according to the field's
//! patch strategy from [`super::schema`]: lists of maps with a merge key merge element by
//! element, primitive lists tagged `merge` are unions, all other lists are replaced.
//! Directives: `$patch: replace|delete|merge` (in a map or as a list element),
//! `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
//!
//! Kubernetes refuses strategic merge patches for custom resources (415); for a kind
//! without tags rkube falls back to merge-patch semantics (maps merge, lists replace),
//! which is what a strategic merge patch without directives means for untagged fields.

use serde_json::{Map, Value};

use super::schema::{list_kind, map_replaced_by_smp, ListKind};
use super::PatchError;

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE: &str = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";

/// Applies `patch` to `target`, an object of kind `kind`.
pub fn apply(kind: &str, target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let (Value::Object(target), Value::Object(patch)) = (target, patch) else {
        return Err(PatchError::BadRequest("invalid JSON document".to_string()));
    };
    let mut ctx = Ctx {
        kind,
        path: Vec::new(),
    };
    Ok(Value::Object(ctx.merge_map(target.clone(), patch)?))
}

struct Ctx<'a> {
    kind: &'a str,
    path: Vec<String>,
}

fn is_directive(key: &str) -> bool {
    key == PATCH
        || key == RETAIN_KEYS
        || key.starts_with(DELETE_FROM_PRIMITIVE)
        || key.starts_with(SET_ELEMENT_ORDER)
}

fn bad_patch_type(kind: &Value, map: &Map<String, Value>) -> PatchError {
    PatchError::Internal(format!(
        "unknown patch type: {} in map: {}",
        go_fmt(kind),
        go_fmt(&Value::Object(map.clone()))
    ))
}

impl Ctx<'_> {
    fn path_refs(&self) -> Vec<&str> {
        self.path.iter().map(String::as_str).collect()
    }

    fn merge_map(
        &mut self,
        mut original: Map<String, Value>,
        patch: &Map<String, Value>,
    ) -> Result<Map<String, Value>, PatchError> {
        if let Some(directive) = patch.get(PATCH) {
            match directive.as_str() {
                Some("replace") => {
                    let mut replaced = patch.clone();
                    replaced.remove(PATCH);
                    return self.merge_map(Map::new(), &replaced);
                }
                Some("delete") => return Ok(Map::new()),
                Some("merge") => {}
                _ => return Err(bad_patch_type(directive, patch)),
            }
        }

        if let Some(retain) = patch.get(RETAIN_KEYS) {
            let Value::Array(items) = retain else {
                return Err(PatchError::BadRequest(
                    "invalid patch format of retainKeys".into(),
                ));
            };
            let mut keys = Vec::with_capacity(items.len());
            for item in items {
                let Some(k) = item.as_str() else {
                    return Err(PatchError::BadRequest(
                        "invalid patch format of retainKeys".into(),
                    ));
                };
                keys.push(k);
            }
            if patch
                .keys()
                .any(|k| !is_directive(k) && !keys.contains(&k.as_str()))
            {
                return Err(PatchError::unprocessable(
                    "patch content doesn't match retainKeys list",
                ));
            }
            original.retain(|k, _| keys.contains(&k.as_str()));
        }

        let mut orders: Vec<(&str, &Vec<Value>)> = Vec::new();
        for (k, v) in patch {
            if let Some(field) = k.strip_prefix(DELETE_FROM_PRIMITIVE) {
                let Value::Array(gone) = v else {
                    return Err(PatchError::BadRequest(
                        "invalid patch format of primitive list".into(),
                    ));
                };
                if gone.iter().any(|g| g.is_object() || g.is_array()) {
                    return Err(PatchError::BadRequest(
                        "invalid patch format of primitive list".into(),
                    ));
                }
                if let Some(Value::Array(items)) = original.get_mut(field) {
                    items.retain(|item| !gone.contains(item));
                }
            } else if let Some(field) = k.strip_prefix(SET_ELEMENT_ORDER) {
                let Value::Array(order) = v else {
                    return Err(PatchError::BadRequest(
                        "invalid patch format of setElementOrder list".into(),
                    ));
                };
                orders.push((field, order));
            }
        }

        for (k, pv) in patch {
            if is_directive(k) {
                continue;
            }
            if pv.is_null() {
                original.remove(k);
                continue;
            }
            let order = orders.iter().find(|(f, _)| *f == k).map(|(_, o)| *o);
            self.path.push(k.clone());
            let merged = match original.remove(k) {
                Some(Value::Object(om)) if pv.is_object() => {
                    let pm = pv.as_object().expect("checked");
                    if map_replaced_by_smp(self.kind, &self.path_refs()) {
                        Value::Object(self.merge_map(Map::new(), pm)?)
                    } else {
                        Value::Object(self.merge_map(om, pm)?)
                    }
                }
                Some(Value::Array(ol)) if pv.is_array() => {
                    Value::Array(self.merge_list(ol, pv.as_array().expect("checked"), order)?)
                }
                _ => self.fresh(pv, order)?,
            };
            self.path.pop();
            original.insert(k.clone(), merged);
        }

        // An order for a list the patch does not otherwise touch still reorders it.
        for (field, order) in orders {
            if patch.contains_key(field) {
                continue;
            }
            if let Some(Value::Array(items)) = original.remove(field) {
                self.path.push(field.to_string());
                let reordered = self.merge_list(items, &[], Some(order));
                self.path.pop();
                original.insert(field.to_string(), Value::Array(reordered?));
            }
        }
        Ok(original)
    }

    /// A patch value for a key the original lacks (or holds with another type): the value
    /// merged into nothing, so directives and nulls inside it take effect.
    fn fresh(&mut self, pv: &Value, order: Option<&Vec<Value>>) -> Result<Value, PatchError> {
        Ok(match pv {
            Value::Object(pm) => Value::Object(self.merge_map(Map::new(), pm)?),
            Value::Array(pl) => Value::Array(self.merge_list(Vec::new(), pl, order)?),
            other => other.clone(),
        })
    }

    fn merge_list(
        &mut self,
        original: Vec<Value>,
        patch: &[Value],
        order: Option<&Vec<Value>>,
    ) -> Result<Vec<Value>, PatchError> {
        let kind = list_kind(self.kind, &self.path_refs());
        let replace = patch.iter().any(|e| {
            e.as_object()
                .and_then(|m| m.get(PATCH))
                .and_then(Value::as_str)
                .is_some_and(|d| d == "replace")
                && e.as_object().is_some_and(|m| m.len() == 1)
        });
        let (original, patch): (Vec<Value>, Vec<&Value>) = if replace {
            let rest = patch
                .iter()
                .filter(|e| {
                    !e.as_object()
                        .is_some_and(|m| m.len() == 1 && m.contains_key(PATCH))
                })
                .collect();
            (Vec::new(), rest)
        } else {
            (original, patch.iter().collect())
        };
        let mut result = match kind {
            ListKind::Atomic => {
                let mut out = Vec::with_capacity(patch.len());
                for pv in patch {
                    out.push(self.fresh(pv, None)?);
                }
                if replace || !out.is_empty() || order.is_none() {
                    return Ok(out);
                }
                // Only an order for an atomic list: keep it as it is.
                return Ok(original);
            }
            ListKind::Set => {
                let mut out = original;
                for pv in patch {
                    if pv.is_object() || pv.is_array() {
                        return Err(PatchError::BadRequest(
                            "invalid patch format of primitive list".into(),
                        ));
                    }
                    if !out.contains(pv) {
                        out.push(pv.clone());
                    }
                }
                out
            }
            ListKind::Map { smp_key, .. } => self.merge_keyed(original, &patch, smp_key)?,
        };
        if let Some(order) = order {
            let merge_key = match kind {
                ListKind::Map { smp_key, .. } => Some(smp_key),
                _ => None,
            };
            let mut ranks = Vec::with_capacity(order.len());
            for o in order {
                let id = match (merge_key, o) {
                    (Some(k), Value::Object(m)) => m.get(k).cloned(),
                    (None, v) if !v.is_object() && !v.is_array() => Some(v.clone()),
                    _ => None,
                };
                let Some(id) = id else {
                    return Err(PatchError::BadRequest(
                        "invalid patch format of setElementOrder list".into(),
                    ));
                };
                ranks.push(id);
            }
            let rank = |v: &Value| -> usize {
                let id = match merge_key {
                    Some(k) => v.get(k),
                    None => Some(v),
                };
                id.and_then(|id| ranks.iter().position(|r| r == id))
                    .unwrap_or(usize::MAX)
            };
            result.sort_by_key(|v| rank(v));
        }
        Ok(result)
    }

    fn merge_keyed(
        &mut self,
        original: Vec<Value>,
        patch: &[&Value],
        merge_key: &str,
    ) -> Result<Vec<Value>, PatchError> {
        if original
            .iter()
            .chain(patch.iter().copied())
            .any(Value::is_array)
        {
            return Err(PatchError::unprocessable(
                "lists of lists are not supported",
            ));
        }
        if patch.iter().any(|p| !p.is_object()) {
            // Primitives in a list declared as keyed: nothing to merge by.
            let mut out = Vec::with_capacity(patch.len());
            for pv in patch {
                out.push(self.fresh(pv, None)?);
            }
            return Ok(out);
        }
        let mut result = original;
        for pv in patch {
            let pm = pv.as_object().expect("checked above");
            let Some(id) = pm.get(merge_key) else {
                return Err(PatchError::Internal(format!(
                    "map: {} does not contain declared merge key: {merge_key}",
                    go_fmt(pv)
                )));
            };
            let found = result.iter().position(|e| e.get(merge_key) == Some(id));
            match pm.get(PATCH).map(|d| (d, d.as_str())) {
                Some((_, Some("delete"))) => {
                    result.retain(|e| e.get(merge_key) != Some(id));
                }
                Some((_, Some("replace"))) => {
                    let mut replaced = pm.clone();
                    replaced.remove(PATCH);
                    let value = Value::Object(self.merge_map(Map::new(), &replaced)?);
                    match found {
                        Some(i) => result[i] = value,
                        None => result.push(value),
                    }
                }
                Some((_, Some("merge"))) | None => match found {
                    Some(i) => {
                        let om = match std::mem::take(&mut result[i]) {
                            Value::Object(m) => m,
                            _ => Map::new(),
                        };
                        result[i] = Value::Object(self.merge_map(om, pm)?);
                    }
                    None => {
                        let value = Value::Object(self.merge_map(Map::new(), pm)?);
                        result.push(value);
                    }
                },
                Some((d, _)) => return Err(bad_patch_type(d, pm)),
            }
        }
        Ok(result)
    }
}

/// A value as Go's `%v` prints a decoded JSON value (`map[k:v]`, `[a b]`), for error
/// texts that Kubernetes builds that way.
pub(crate) fn go_fmt(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_fmt).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_fmt(&m[*k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "finalizers": ["a"]},
            "spec": {
                "replicas": 1,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "template": {"spec": {"containers": [
                    {"name": "nginx", "image": "nginx:1", "env": [{"name": "A", "value": "1"}]},
                    {"name": "sidecar", "image": "busybox"}
                ], "tolerations": [{"key": "x", "operator": "Exists"}]}}
            }
        })
    }

    fn containers(v: &Value) -> &Vec<Value> {
        v["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
    }

    #[test]
    fn containers_merge_by_name() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]},
            {"name": "new", "image": "alpine"}
        ]}}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        let cs = containers(&out);
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[0]["image"], "nginx:2");
        assert_eq!(
            cs[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
        );
        assert_eq!(cs[1]["name"], "sidecar");
        assert_eq!(cs[2]["name"], "new");
        assert_eq!(out["spec"]["replicas"], 1);
    }

    #[test]
    fn untagged_list_is_replaced() {
        let patch = json!({"spec": {"template": {"spec": {"tolerations": [{"key": "y", "operator": "Exists"}]}}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["tolerations"],
            json!([{"key": "y", "operator": "Exists"}])
        );
    }

    #[test]
    fn patch_delete_removes_a_container() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "$patch": "delete"}
        ]}}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        let cs = containers(&out);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0]["name"], "nginx");
    }

    #[test]
    fn patch_replace_in_list_and_map() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"$patch": "replace"}, {"name": "only", "image": "x"}
        ]}}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        assert_eq!(
            containers(&out),
            &vec![json!({"name": "only", "image": "x"})]
        );

        let patch = json!({"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn set_element_order_reorders() {
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}],
            "containers": [{"name": "nginx", "image": "nginx:3"}]
        }}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        let cs = containers(&out);
        assert_eq!(cs[0]["name"], "sidecar");
        assert_eq!(cs[1]["name"], "nginx");
        assert_eq!(cs[1]["image"], "nginx:3");

        let bad = json!({"spec": {"template": {"spec": {"$setElementOrder/containers": "x"}}}});
        assert_eq!(
            apply("Deployment", &deployment(), &bad).unwrap_err(),
            PatchError::BadRequest("invalid patch format of setElementOrder list".into())
        );
    }

    #[test]
    fn finalizers_merge_and_delete_from_primitive_list() {
        let patch = json!({"metadata": {"finalizers": ["b", "a"]}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]));

        let patch = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["c"]}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["c"]));
    }

    #[test]
    fn retain_keys_on_strategy_change() {
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));

        let null_form = json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": null}}});
        let out = apply("Deployment", &deployment(), &null_form).unwrap();
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));

        let mismatch =
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}});
        assert_eq!(
            apply("Deployment", &deployment(), &mismatch).unwrap_err(),
            PatchError::Unprocessable {
                detail: "patch content doesn't match retainKeys list".into()
            }
        );
    }

    #[test]
    fn missing_merge_key_and_bad_directive() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
        let err = apply("Deployment", &deployment(), &patch).unwrap_err();
        assert_eq!(
            err.to_string(),
            "map: map[image:x] does not contain declared merge key: name"
        );
        let patch = json!({"spec": {"$patch": "bogus"}});
        let err = apply("Deployment", &deployment(), &patch).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown patch type: bogus in map: map[$patch:bogus]"
        );
    }

    #[test]
    fn null_deletes_and_unknown_kind_falls_back_to_merge_patch() {
        let obj = json!({"spec": {"a": 1, "b": 2, "list": [1, 2]}});
        let out = apply("Widget", &obj, &json!({"spec": {"a": null, "list": [3]}})).unwrap();
        assert_eq!(out, json!({"spec": {"b": 2, "list": [3]}}));
    }

    #[test]
    fn new_keyed_list_drops_directives() {
        let obj = json!({"spec": {}});
        let patch = json!({"spec": {"containers": [{"name": "a", "image": "x", "env": [{"name": "E", "value": null}]}]}});
        let out = apply("Pod", &obj, &patch).unwrap();
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "a", "image": "x", "env": [{"name": "E"}]}])
        );
    }
}
