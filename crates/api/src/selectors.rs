//! TEMPORARY minimal version on main; replaced by the api-core branch at merge.
use serde_json::{Map, Value};
use crate::ResourceInfo;
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);
#[derive(Clone, Debug, Default)]
pub struct LabelSelector { terms: Vec<(String, String)> }
impl LabelSelector {
    pub fn parse(s: &str) -> Result<LabelSelector, SelectorError> {
        let mut terms = vec![];
        for t in s.split(',').filter(|t| !t.is_empty()) {
            let (k, v) = t.split_once('=').ok_or_else(|| SelectorError(format!("bad selector {t}")))?;
            terms.push((k.to_string(), v.trim_start_matches('=').to_string()));
        }
        Ok(LabelSelector { terms })
    }
    pub fn from_api(sel: &Value) -> Result<LabelSelector, SelectorError> {
        let terms = sel.get("matchLabels").and_then(Value::as_object).map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect()).unwrap_or_default();
        Ok(LabelSelector { terms })
    }
    pub fn is_empty(&self) -> bool { self.terms.is_empty() }
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        self.terms.iter().all(|(k, v)| labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(v.as_str()))
    }
}
#[derive(Clone, Debug, Default)]
pub struct FieldSelector { terms: Vec<(String, String)> }
impl FieldSelector {
    pub fn parse(_info: &ResourceInfo, s: &str) -> Result<FieldSelector, SelectorError> {
        let mut terms = vec![];
        for t in s.split(',').filter(|t| !t.is_empty()) {
            let (k, v) = t.split_once('=').ok_or_else(|| SelectorError(format!("bad selector {t}")))?;
            if k != "metadata.name" && k != "metadata.namespace" { return Err(SelectorError(format!("field label not supported: {k}"))); }
            terms.push((k.to_string(), v.trim_start_matches('=').to_string()));
        }
        Ok(FieldSelector { terms })
    }
    pub fn is_empty(&self) -> bool { self.terms.is_empty() }
    pub fn matches(&self, obj: &Value) -> bool {
        self.terms.iter().all(|(k, v)| obj.pointer(&format!("/{}", k.replace('.', "/"))).and_then(Value::as_str).unwrap_or("") == v)
    }
    pub fn exact_field(&self, field: &str) -> Option<&str> { self.terms.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str()) }
}
