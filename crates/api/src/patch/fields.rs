//! Field paths and field sets as server-side apply records them: the `FieldsV1` encoding
//! of `metadata.managedFields[].fieldsV1` (`f:` field, `k:` key of an associative list
//! element, `v:` member of a set, `i:` index, `.` the node itself) and the `.spec.replicas`
//! / `[name="nginx"]` form used in conflict messages.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

/// One step of a field path. The derived order (fields, then keys, values, indexes) is
/// the order Kubernetes serialises sets in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A field of a map or struct.
    Field(String),
    /// An element of an associative list, by its key fields: compact JSON of an object
    /// with the key fields in name order, e.g. `{"name":"nginx"}`.
    Key(String),
    /// A member of a set: compact JSON of the value.
    Value(String),
    /// An element of a list by position (lists with neither keys nor set semantics).
    Index(usize),
}

/// A path from the object root.
pub type FieldPath = Vec<PathElement>;

/// A field path displayed as Kubernetes prints it in conflicts, e.g.
/// `.spec.template.spec.containers[name="nginx"].image`.
pub struct DisplayPath<'a>(pub &'a [PathElement]);

impl fmt::Display for DisplayPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for pe in self.0 {
            match pe {
                PathElement::Field(name) => write!(f, ".{name}")?,
                PathElement::Key(json) => {
                    let parsed: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                    let pairs: Vec<String> = parsed
                        .as_object()
                        .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect())
                        .unwrap_or_default();
                    write!(f, "[{}]", pairs.join(","))?;
                }
                PathElement::Value(json) => write!(f, "[={json}]")?,
                PathElement::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A set of field paths. A path in the set means its node is owned; its ancestors are
/// only owned if they are in the set themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet(pub BTreeSet<FieldPath>);

/// A `fieldsV1` value that cannot be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FieldsError {
    #[error("expected an object in fieldsV1 at {0}")]
    NotAnObject(String),
    #[error("unknown path element {0:?} in fieldsV1")]
    BadElement(String),
}

impl FieldSet {
    pub fn new() -> Self {
        FieldSet::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn insert(&mut self, path: FieldPath) {
        self.0.insert(path);
    }

    pub fn contains(&self, path: &[PathElement]) -> bool {
        self.0.contains(path)
    }

    pub fn union(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.union(&other.0).cloned().collect())
    }

    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.difference(&other.0).cloned().collect())
    }

    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.intersection(&other.0).cloned().collect())
    }

    /// Some member is `path` or lies below it.
    pub fn has_at_or_below(&self, path: &[PathElement]) -> bool {
        self.0
            .range(path.to_vec()..)
            .next()
            .is_some_and(|p| p.starts_with(path))
    }

    /// Removes every member that is `prefix` or lies below it.
    pub fn remove_at_or_below(&mut self, prefix: &[PathElement]) {
        self.0.retain(|p| !p.starts_with(prefix));
    }

    /// Encodes the set as `fieldsV1`.
    pub fn to_fields_v1(&self) -> Value {
        let mut root = Map::new();
        for path in &self.0 {
            let mut node = &mut root;
            for pe in path {
                let key = encode_element(pe);
                node = node
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("fieldsV1 nodes are objects");
            }
            // The node is a member itself; `.` says so when it also has children. Added
            // here, fixed up below once children are known.
            node.insert(".".to_string(), Value::Object(Map::new()));
        }
        Value::Object(finish(root))
    }

    /// Decodes `fieldsV1`.
    pub fn from_fields_v1(v: &Value) -> Result<FieldSet, FieldsError> {
        let mut set = FieldSet::new();
        let Value::Object(map) = v else {
            return Err(FieldsError::NotAnObject(String::new()));
        };
        let mut path = Vec::new();
        decode_node(map, &mut path, &mut set)?;
        Ok(set)
    }
}

/// Sorts children (`.` first, then elements in set order) and drops `.` from nodes that
/// have no other children: a leaf member is written `{}`.
fn finish(node: Map<String, Value>) -> Map<String, Value> {
    let member = node.contains_key(".");
    let mut children: Vec<(PathElement, String, Value)> = node
        .into_iter()
        .filter(|(k, _)| k != ".")
        .filter_map(|(k, v)| decode_element(&k).ok().map(|pe| (pe, k, v)))
        .collect();
    children.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Map::new();
    if member && !children.is_empty() {
        out.insert(".".to_string(), Value::Object(Map::new()));
    }
    for (_, k, v) in children {
        let v = match v {
            Value::Object(m) => Value::Object(finish(m)),
            other => other,
        };
        out.insert(k, v);
    }
    out
}

fn decode_node(
    map: &Map<String, Value>,
    path: &mut FieldPath,
    set: &mut FieldSet,
) -> Result<(), FieldsError> {
    if map.is_empty() && !path.is_empty() {
        set.insert(path.clone());
        return Ok(());
    }
    for (k, v) in map {
        if k == "." {
            if !path.is_empty() {
                set.insert(path.clone());
            }
            continue;
        }
        let pe = decode_element(k)?;
        let Value::Object(child) = v else {
            return Err(FieldsError::NotAnObject(k.clone()));
        };
        path.push(pe);
        decode_node(child, path, set)?;
        path.pop();
    }
    Ok(())
}

fn encode_element(pe: &PathElement) -> String {
    match pe {
        PathElement::Field(n) => format!("f:{n}"),
        PathElement::Key(j) => format!("k:{j}"),
        PathElement::Value(j) => format!("v:{j}"),
        PathElement::Index(i) => format!("i:{i}"),
    }
}

fn decode_element(s: &str) -> Result<PathElement, FieldsError> {
    let bad = || FieldsError::BadElement(s.to_string());
    let (prefix, rest) = s.split_once(':').ok_or_else(bad)?;
    match prefix {
        "f" => Ok(PathElement::Field(rest.to_string())),
        "k" => {
            let v: Value = serde_json::from_str(rest).map_err(|_| bad())?;
            let Value::Object(m) = v else {
                return Err(bad());
            };
            Ok(PathElement::Key(key_json(m.into_iter().collect())))
        }
        "v" => {
            let v: Value = serde_json::from_str(rest).map_err(|_| bad())?;
            Ok(PathElement::Value(v.to_string()))
        }
        "i" => rest.parse().map(PathElement::Index).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// The canonical compact JSON of an associative-list key: fields in name order.
pub fn key_json(mut fields: Vec<(String, Value)>) -> String {
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let map: Map<String, Value> = fields.into_iter().collect();
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(n: &str) -> PathElement {
        PathElement::Field(n.to_string())
    }

    #[test]
    fn round_trip_fields_v1() {
        let v1 = json!({
            "f:metadata": {"f:finalizers": {"v:\"a\"": {}}, "f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}, "f:name": {}}
                }}}
            }
        });
        let set = FieldSet::from_fields_v1(&v1).unwrap();
        assert!(set.contains(&[f("spec"), f("replicas")]));
        assert!(set.contains(&[f("metadata"), f("labels")]));
        assert!(!set.contains(&[f("spec")]));
        assert_eq!(set.to_fields_v1(), v1);
        assert_eq!(
            set.to_fields_v1().to_string(),
            v1.to_string(),
            "serialised in Kubernetes' order"
        );
    }

    #[test]
    fn display_paths() {
        let p = vec![
            f("spec"),
            f("containers"),
            PathElement::Key(key_json(vec![
                ("protocol".into(), json!("TCP")),
                ("containerPort".into(), json!(80)),
            ])),
            f("image"),
        ];
        assert_eq!(
            DisplayPath(&p).to_string(),
            ".spec.containers[containerPort=80,protocol=\"TCP\"].image"
        );
        let s = vec![
            f("metadata"),
            f("finalizers"),
            PathElement::Value("\"x\"".into()),
        ];
        assert_eq!(DisplayPath(&s).to_string(), ".metadata.finalizers[=\"x\"]");
    }
}
