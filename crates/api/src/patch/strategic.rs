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

use super::schema::{list_kind, map_replaced_by_smp, retains_keys, ListKind};
use super::PatchError;

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE: &str = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";

/// The patch strategy of one field of a built-in kind, as its Go struct tags declare it.
/// Clients that compute strategic merge patches (three-way diffs) need these facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldStrategy {
    /// The list merges element by element on this key (`patchMergeKey`).
    pub merge_key: Option<&'static str>,
    /// The list merges (`patchStrategy:"merge"`): by `merge_key`, or as a set of
    /// primitives when there is no key.
    pub merge: bool,
    /// The map (or each element of the list) carries `$retainKeys` when a client
    /// switches between members of a union (`patchStrategy:"retainKeys"`).
    pub retain_keys: bool,
    /// The map is replaced whole (`patchStrategy:"replace"`).
    pub replace: bool,
}

/// The strategy of the field at `path` (field names from the root; list elements add
/// no name) of `kind`. Fields without tags merge as maps or are replaced as lists.
pub fn field_strategy(kind: &str, path: &[&str]) -> FieldStrategy {
    let (merge, merge_key) = match list_kind(kind, path) {
        ListKind::Atomic => (false, None),
        ListKind::Set => (true, None),
        ListKind::Map { smp_key, .. } => (true, Some(smp_key)),
    };
    FieldStrategy {
        merge_key,
        merge,
        retain_keys: retains_keys(kind, path),
        replace: map_replaced_by_smp(kind, path),
    }
}

/// Applies `patch` to `target`, an object of kind `kind`.
pub fn apply(kind: &str, target: &Value, patch: &Value) -> Result<Value, PatchError> {
    apply_with(&BuiltIn(kind), target, patch)
}

/// Where the patch strategies come from: the built-in kinds' tags, or a test schema.
pub(crate) trait PatchMeta {
    /// How the list at `path` (field names from the root) merges.
    fn list_kind(&self, path: &[&str]) -> ListKind;
    /// The map at `path` is replaced whole.
    fn replaces_map(&self, path: &[&str]) -> bool;
}

/// The strategies of one built-in kind.
struct BuiltIn<'a>(&'a str);

impl PatchMeta for BuiltIn<'_> {
    fn list_kind(&self, path: &[&str]) -> ListKind {
        list_kind(self.0, path)
    }

    fn replaces_map(&self, path: &[&str]) -> bool {
        map_replaced_by_smp(self.0, path)
    }
}

pub(crate) fn apply_with(
    meta: &dyn PatchMeta,
    target: &Value,
    patch: &Value,
) -> Result<Value, PatchError> {
    let (Value::Object(target), Value::Object(patch)) = (target, patch) else {
        return Err(PatchError::BadRequest("invalid JSON document".to_string()));
    };
    let mut ctx = Ctx {
        meta,
        path: Vec::new(),
    };
    Ok(Value::Object(ctx.merge_map(target.clone(), patch)?))
}

struct Ctx<'a> {
    meta: &'a dyn PatchMeta,
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

    fn merge_key(&self) -> Option<&'static str> {
        match self.meta.list_kind(&self.path_refs()) {
            ListKind::Map { smp_key, .. } => Some(smp_key),
            _ => None,
        }
    }

    fn merge_map(
        &mut self,
        mut original: Map<String, Value>,
        patch: &Map<String, Value>,
    ) -> Result<Map<String, Value>, PatchError> {
        if let Some(directive) = patch.get(PATCH) {
            return match directive.as_str() {
                Some("replace") => {
                    let mut replaced = patch.clone();
                    replaced.shift_remove(PATCH);
                    self.merge_map(Map::new(), &replaced)
                }
                Some("delete") => Ok(Map::new()),
                _ => Err(bad_patch_type(directive, patch)),
            };
        }

        if let Some(retain) = patch.get(RETAIN_KEYS) {
            let bad = || PatchError::BadRequest("invalid patch format of retainKeys".into());
            let Value::Array(items) = retain else {
                return Err(bad());
            };
            let keys: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            if keys.len() != items.len() {
                return Err(bad());
            }
            if patch
                .iter()
                .any(|(k, v)| !is_directive(k) && !v.is_null() && !keys.contains(&k.as_str()))
            {
                return Err(bad());
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
                if let Some(Value::Array(items)) = original.get_mut(field) {
                    items.retain(|item| !gone.contains(item));
                }
            } else if let Some(field) = k.strip_prefix(SET_ELEMENT_ORDER) {
                let Value::Array(order) = v else {
                    return Err(PatchError::Internal(format!(
                        "expected a slice, but received a {}",
                        go_kind(v)
                    )));
                };
                orders.push((field, order));
            }
        }

        for (k, pv) in patch {
            if is_directive(k) {
                continue;
            }
            if pv.is_null() {
                original.shift_remove(k);
                continue;
            }
            let order = orders.iter().find(|(f, _)| *f == k).map(|(_, o)| *o);
            self.path.push(k.clone());
            let old = original.get_mut(k).map(std::mem::take);
            let merged = match (old, pv) {
                (Some(Value::Object(om)), Value::Object(pm)) => {
                    if self.meta.replaces_map(&self.path_refs()) {
                        Some(Value::Object(self.merge_map(Map::new(), pm)?))
                    } else {
                        Some(Value::Object(self.merge_map(om, pm)?))
                    }
                }
                (Some(Value::Array(ol)), Value::Array(pl)) => {
                    Some(Value::Array(self.merge_list(ol, pl, order)?))
                }
                _ => self.fresh(pv, order)?,
            };
            self.path.pop();
            match merged {
                Some(v) => {
                    original.insert(k.clone(), v);
                }
                None => {
                    original.shift_remove(k);
                }
            }
        }

        // An order for a list the patch does not otherwise touch still reorders it.
        for (field, order) in orders {
            if patch.contains_key(field) {
                continue;
            }
            if let Some(Value::Array(items)) = original.get_mut(field) {
                let items = std::mem::take(items);
                self.path.push(field.to_string());
                let merge_key = self.merge_key();
                self.path.pop();
                let before = items.clone();
                original.insert(
                    field.to_string(),
                    Value::Array(normalize_order(items, order, &before, merge_key)),
                );
            }
        }
        Ok(original)
    }

    /// A patch value for a key the original lacks (or holds with another type): the
    /// value without directives and nulls, as Kubernetes' `removeDirectives` leaves it.
    /// `None` when the value is itself a directive.
    fn fresh(
        &mut self,
        pv: &Value,
        order: Option<&Vec<Value>>,
    ) -> Result<Option<Value>, PatchError> {
        Ok(Some(match pv {
            Value::Object(pm) if pm.contains_key(PATCH) => return Ok(None),
            Value::Object(pm) => Value::Object(self.merge_map(Map::new(), pm)?),
            Value::Array(pl) => {
                let mut out = Vec::with_capacity(pl.len());
                for item in pl {
                    if let Some(v) = self.fresh(item, None)? {
                        out.push(v);
                    }
                }
                if let Some(order) = order {
                    out = normalize_order(out, order, &[], self.merge_key());
                }
                Value::Array(out)
            }
            other => other.clone(),
        }))
    }

    /// Merges a patch list into the list of the field at `self.path`, then orders the
    /// result as Kubernetes' `normalizeElementOrder` does.
    fn merge_list(
        &mut self,
        original: Vec<Value>,
        patch: &[Value],
        order: Option<&Vec<Value>>,
    ) -> Result<Vec<Value>, PatchError> {
        let merge_key = match self.meta.list_kind(&self.path_refs()) {
            ListKind::Atomic => {
                let mut out = Vec::with_capacity(patch.len());
                for pv in patch {
                    if let Some(v) = self.fresh(pv, None)? {
                        out.push(v);
                    }
                }
                return Ok(out);
            }
            ListKind::Set => None,
            ListKind::Map { smp_key, .. } => Some(smp_key),
        };
        if original.is_empty() && patch.is_empty() {
            return Ok(original);
        }
        check_element_types(&original, patch)?;
        if let Some(order) = order {
            check_order(patch, order, merge_key)?;
        }
        let (mut merged, server_order) = match merge_key {
            None => {
                let before = original.clone();
                (self.merge_primitives(original, patch)?, before)
            }
            Some(key) => self.merge_keyed(original, patch, key)?,
        };
        if let Some(order) = order {
            merged = normalize_order(merged, order, &server_order, merge_key);
        }
        Ok(merged)
    }

    fn merge_primitives(
        &mut self,
        original: Vec<Value>,
        patch: &[Value],
    ) -> Result<Vec<Value>, PatchError> {
        if original.iter().chain(patch).any(Value::is_object) {
            return Err(PatchError::Internal(format!(
                "cannot merge lists without merge key for {}",
                self.path.join(".")
            )));
        }
        let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
        for v in original.iter().chain(patch) {
            if !merged.contains(v) {
                merged.push(v.clone());
            }
        }
        Ok(normalize_order(merged, patch, &original, None))
    }

    fn merge_keyed(
        &mut self,
        mut original: Vec<Value>,
        patch: &[Value],
        merge_key: &str,
    ) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
        // Kubernetes deletes and appends in place, in the array the caller later orders
        // `$setElementOrder` against, so that order sees the list as edited in place
        // (survivors shifted left, new items written into the freed slots). Mirroring
        // it keeps the resulting order identical.
        let mut in_place = InPlace::new(&original, merge_key);
        let mut replace = false;
        let mut plain: Vec<&Map<String, Value>> = Vec::with_capacity(patch.len());
        for pv in patch {
            let Value::Object(pm) = pv else {
                // check_element_types: all elements are maps when one is.
                continue;
            };
            let Some(directive) = pm.get(PATCH) else {
                plain.push(pm);
                continue;
            };
            match directive.as_str() {
                Some("delete") => {
                    let Some(id) = pm.get(merge_key) else {
                        return Err(no_merge_key(pm, merge_key));
                    };
                    while let Some(i) = original.iter().position(|e| e.get(merge_key) == Some(id)) {
                        original.remove(i);
                        in_place.remove(i);
                    }
                }
                Some("replace") => replace = true,
                Some("merge") => {
                    return Err(PatchError::Internal(
                        "merging lists cannot yet be specified in the patch".to_string(),
                    ))
                }
                _ => return Err(bad_patch_type(directive, pm)),
            }
        }
        if replace {
            let mut out = Vec::with_capacity(plain.len());
            for pm in plain {
                out.push(Value::Object(self.merge_map(Map::new(), pm)?));
            }
            return Ok((out, in_place.finish()));
        }
        if original.iter().any(|v| !v.is_object()) {
            // Primitives where maps are declared: nothing to merge by key.
            return Err(no_merge_key(&Map::new(), merge_key));
        }
        let before = original.clone();
        for pm in &plain {
            let Some(id) = pm.get(merge_key) else {
                return Err(no_merge_key(pm, merge_key));
            };
            match original.iter().position(|e| e.get(merge_key) == Some(id)) {
                Some(i) => {
                    let om = match std::mem::take(&mut original[i]) {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    };
                    original[i] = Value::Object(self.merge_map(om, pm)?);
                }
                None => {
                    original.push(Value::Object(self.merge_map(Map::new(), pm)?));
                    in_place.push(id);
                }
            }
        }
        let patch_items: Vec<Value> = plain
            .into_iter()
            .map(|m| Value::Object(m.clone()))
            .collect();
        let merged = normalize_order(original, &patch_items, &before, Some(merge_key));
        Ok((merged, in_place.finish()))
    }
}

/// The merge keys of a list being edited the way Go edits a slice in place: its length
/// is fixed to the original's, deletions shift the rest left (leaving the last slot as
/// it was), appends fill the slots deletions freed.
struct InPlace<'a> {
    key: &'a str,
    ids: Vec<Option<Value>>,
    len: usize,
}

impl<'a> InPlace<'a> {
    fn new(original: &[Value], key: &'a str) -> Self {
        let ids: Vec<Option<Value>> = original.iter().map(|v| v.get(key).cloned()).collect();
        let len = ids.len();
        InPlace { key, ids, len }
    }

    fn remove(&mut self, i: usize) {
        if i < self.len {
            for j in i..self.len - 1 {
                self.ids[j] = self.ids[j + 1].clone();
            }
            self.len -= 1;
        }
    }

    fn push(&mut self, id: &Value) {
        if self.len < self.ids.len() {
            self.ids[self.len] = Some(id.clone());
            self.len += 1;
        }
    }

    /// The edited slots as items carrying only their key.
    fn finish(self) -> Vec<Value> {
        let key = self.key;
        self.ids
            .into_iter()
            .map(|id| {
                let mut m = Map::new();
                if let Some(id) = id {
                    m.insert(key.to_string(), id);
                }
                Value::Object(m)
            })
            .collect()
    }
}

/// The patch list names its items in the relative order of `$setElementOrder`, and
/// only items the order lists (deletions aside).
fn check_order(
    patch: &[Value],
    order: &[Value],
    merge_key: Option<&str>,
) -> Result<(), PatchError> {
    if patch.is_empty() || order.is_empty() {
        return Ok(());
    }
    let is_delete = |v: &Value| v.get(PATCH).and_then(Value::as_str) == Some("delete");
    let items: Vec<&Value> = match merge_key {
        Some(_) => patch.iter().filter(|v| !is_delete(v)).collect(),
        None => patch.iter().collect(),
    };
    let same = |item: &Value, listed: &Value| -> Result<bool, PatchError> {
        let Some(key) = merge_key else {
            return Ok(item == listed);
        };
        let id = |v: &Value| match v {
            Value::Object(m) => m.get(key).cloned().ok_or_else(|| no_merge_key(m, key)),
            other => Err(PatchError::Internal(format!(
                "expected a map, but received a {}",
                go_kind(other)
            ))),
        };
        Ok(id(item)? == id(listed)?)
    };
    let (mut pi, mut si) = (0, 0);
    while pi < items.len() && si < order.len() {
        if items[pi].get(PATCH).is_some() {
            pi += 1;
            continue;
        }
        if same(items[pi], &order[si])? {
            pi += 1;
        }
        si += 1;
    }
    if pi < items.len() {
        return Err(PatchError::Internal(format!(
            "The order in patch list:\n{}\n doesn't match $setElementOrder list:\n{}\n",
            go_fmt(&Value::Array(patch.to_vec())),
            go_fmt(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn no_merge_key(map: &Map<String, Value>, merge_key: &str) -> PatchError {
    PatchError::Internal(format!(
        "map: {} does not contain declared merge key: {merge_key}",
        go_fmt(&Value::Object(map.clone()))
    ))
}

/// Go's name for the kind of a decoded JSON value.
fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

/// All elements of both lists are of one JSON type, and not lists.
fn check_element_types(original: &[Value], patch: &[Value]) -> Result<(), PatchError> {
    let mut all = original.iter().chain(patch);
    let Some(first) = all.next() else {
        return Ok(());
    };
    if first.is_array() {
        return Err(PatchError::unprocessable(
            "lists of lists are not supported",
        ));
    }
    if all.any(|v| go_kind(v) != go_kind(first)) {
        return Err(PatchError::Internal(format!(
            "list element types are not identical: [{} {}]",
            go_fmt(&Value::Array(original.to_vec())),
            go_fmt(&Value::Array(patch.to_vec()))
        )));
    }
    Ok(())
}

/// Orders `items`: those named in `order` (by merge key, or by value for primitives)
/// follow `order`; the others keep their order on the server and are interleaved: each
/// goes before the first ordered item that came after it on the server.
fn normalize_order(
    items: Vec<Value>,
    order: &[Value],
    server: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let id = |v: &Value| -> Option<Value> {
        match merge_key {
            Some(k) => v.get(k).cloned(),
            None => Some(v.clone()),
        }
    };
    let order_ids: Vec<Value> = order.iter().filter_map(id).collect();
    let server_ids: Vec<Option<Value>> = server.iter().map(id).collect();
    let order_pos = |v: &Value| id(v).and_then(|i| order_ids.iter().position(|o| *o == i));
    let server_pos =
        |v: &Value| id(v).and_then(|i| server_ids.iter().position(|s| s.as_ref() == Some(&i)));
    let (mut ordered, mut rest): (Vec<Value>, Vec<Value>) =
        items.into_iter().partition(|v| order_pos(v).is_some());
    ordered.sort_by_key(|v| order_pos(v));
    rest.sort_by_key(|v| server_pos(v).unwrap_or(usize::MAX));

    let mut out = Vec::with_capacity(ordered.len() + rest.len());
    let mut left = rest.into_iter().peekable();
    let mut right = ordered.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                matches!((server_pos(l), server_pos(r)), (Some(a), Some(b)) if a < b)
            }
        };
        out.extend(if take_left { left.next() } else { right.next() });
    }
    out
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
    fn field_strategies() {
        let volumes = field_strategy("Deployment", &["spec", "template", "spec", "volumes"]);
        assert_eq!(
            volumes,
            FieldStrategy {
                merge_key: Some("name"),
                merge: true,
                retain_keys: true,
                replace: false
            }
        );
        let strategy = field_strategy("Deployment", &["spec", "strategy"]);
        assert!(strategy.retain_keys && !strategy.merge);
        assert!(field_strategy("Node", &["spec", "podCIDRs"]).merge);
        assert!(field_strategy("PodDisruptionBudget", &["spec", "selector"]).replace);
        assert_eq!(
            field_strategy("Pod", &["spec", "tolerations"]).merge_key,
            None
        );
    }

    #[test]
    fn containers_merge_by_name() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]},
            {"name": "new", "image": "alpine"}
        ]}}}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        let cs = containers(&out);
        // Kubernetes puts patch items first, in patch order, and slots items only on the
        // server in before the first patch item that followed them there.
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[0]["image"], "nginx:2");
        assert_eq!(
            cs[0]["env"],
            json!([{"name": "B", "value": "2"}, {"name": "A", "value": "1"}])
        );
        assert_eq!(cs[1]["name"], "new");
        assert_eq!(cs[2]["name"], "sidecar");
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
            PatchError::Internal("expected a slice, but received a string".into())
        );
    }

    #[test]
    fn set_element_order_must_agree_with_the_patch_list() {
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
            "containers": [{"name": "sidecar", "image": "b"}, {"name": "nginx", "image": "a"}]
        }}}});
        let err = apply("Deployment", &deployment(), &patch).unwrap_err();
        assert_eq!(err.code(), 500);
        assert_eq!(
            err.to_string(),
            "The order in patch list:\n[map[image:b name:sidecar] map[image:a name:nginx]]\n \
             doesn't match $setElementOrder list:\n[map[name:nginx] map[name:sidecar]]\n"
        );
    }

    /// A schema where every `items` list merges by `id`.
    struct Items;
    impl PatchMeta for Items {
        fn list_kind(&self, path: &[&str]) -> ListKind {
            const ID: &[super::super::schema::MapKey] = &[super::super::schema::MapKey {
                name: "id",
                default: None,
            }];
            match path.last() {
                Some(&"items") => ListKind::Map {
                    smp_key: "id",
                    keys: ID,
                },
                _ => ListKind::Atomic,
            }
        }
        fn replaces_map(&self, _path: &[&str]) -> bool {
            false
        }
    }

    #[test]
    fn deleting_and_adding_with_an_order_edits_the_list_in_place() {
        // Kubernetes orders against the list as edited in place: 3 takes the slot 1
        // left, so 4 (which stayed before it) stays before it.
        let orig = json!({"items": [{"id": 1}, {"id": 2, "v": "b"}, {"id": 4, "v": "c"}]});
        let patch = json!({
            "$setElementOrder/items": [{"id": 2}, {"id": 3}],
            "items": [{"id": 3}, {"id": 1, "$patch": "delete"}]
        });
        let out = apply_with(&Items, &orig, &patch).unwrap();
        assert_eq!(
            out,
            json!({"items": [{"id": 2, "v": "b"}, {"id": 4, "v": "c"}, {"id": 3}]})
        );
    }

    #[test]
    fn finalizers_merge_and_delete_from_primitive_list() {
        let patch = json!({"metadata": {"finalizers": ["b", "a"]}});
        let out = apply("Deployment", &deployment(), &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["b", "a"]));

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
            PatchError::BadRequest("invalid patch format of retainKeys".into())
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
