//! Conversion between the versions of a resource that Kubernetes stores once and
//! serves under two groups or versions (see
//! [`ResourceInfo::storage_resource`](crate::registry::ResourceInfo::storage_resource)):
//! core `v1` Events and `events.k8s.io/v1` Events, and `autoscaling/v1` and
//! `autoscaling/v2` HorizontalPodAutoscalers. As in Kubernetes, what `autoscaling/v1`
//! cannot express (metrics other than CPU utilisation, behaviour, conditions) travels
//! in `autoscaling.alpha.kubernetes.io/*` annotations so that a round-trip through
//! v1 loses nothing.

use serde_json::{json, Map, Value};

/// Why an object could not be converted. Retrying cannot help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// No conversion exists between these two versions of the kind.
    #[error("converting ({from}) {kind} to {to}: unknown conversion")]
    Unsupported {
        kind: String,
        from: String,
        to: String,
    },
}

const ANN_METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";
const ANN_BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";
const ANN_CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";
const ANN_CURRENT_METRICS: &str = "autoscaling.alpha.kubernetes.io/current-metrics";

/// Converts `obj` (with its `apiVersion` and `kind`) to `to_api_version`.
pub fn convert(obj: Value, to_api_version: &str) -> Result<Value, ConvertError> {
    let from = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if from == to_api_version {
        return Ok(obj);
    }
    let Value::Object(m) = obj else {
        return Err(ConvertError::Unsupported {
            kind,
            from,
            to: to_api_version.to_string(),
        });
    };
    let out = match (kind.as_str(), from.as_str(), to_api_version) {
        ("Event", "v1", "events.k8s.io/v1") => rename(m, EVENT_FIELDS, false),
        ("Event", "events.k8s.io/v1", "v1") => rename(m, EVENT_FIELDS, true),
        ("HorizontalPodAutoscaler", "autoscaling/v2", "autoscaling/v1") => hpa_v2_to_v1(m),
        ("HorizontalPodAutoscaler", "autoscaling/v1", "autoscaling/v2") => hpa_v1_to_v2(m),
        _ => {
            return Err(ConvertError::Unsupported {
                kind,
                from,
                to: to_api_version.to_string(),
            })
        }
    };
    let mut result = Map::new();
    result.insert(
        "apiVersion".into(),
        Value::String(to_api_version.to_string()),
    );
    result.insert("kind".into(), Value::String(kind));
    for (k, v) in out {
        if k != "kind" && k != "apiVersion" {
            result.insert(k, v);
        }
    }
    Ok(Value::Object(result))
}

/// Core field name, events.k8s.io field name.
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

fn rename(m: Map<String, Value>, pairs: &[(&str, &str)], reverse: bool) -> Map<String, Value> {
    m.into_iter()
        .map(|(k, v)| {
            let renamed = pairs.iter().find_map(|(a, b)| {
                let (from, to) = if reverse { (b, a) } else { (a, b) };
                (k == *from).then(|| to.to_string())
            });
            (renamed.unwrap_or(k), v)
        })
        .collect()
}

fn is_cpu_utilization(m: &Value) -> bool {
    m.get("type").and_then(Value::as_str) == Some("Resource")
        && m.pointer("/resource/name").and_then(Value::as_str) == Some("cpu")
        && m.pointer("/resource/target/type").and_then(Value::as_str) == Some("Utilization")
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<&Value>) {
    if let Some(v) = v.filter(|v| !v.is_null()) {
        m.insert(key.to_string(), v.clone());
    }
}

/// A v2 `MetricSpec` in the v1 (alpha annotation) form.
fn metric_spec_to_v1(m: &Value) -> Value {
    let ty = m.get("type").and_then(Value::as_str).unwrap_or_default();
    let mut out = Map::new();
    out.insert("type".into(), json!(ty));
    let mut body = Map::new();
    match ty {
        "Resource" | "ContainerResource" => {
            let key = if ty == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let r = m.get(key).unwrap_or(&Value::Null);
            put(&mut body, "name", r.get("name"));
            put(&mut body, "container", r.get("container"));
            put(
                &mut body,
                "targetAverageUtilization",
                r.pointer("/target/averageUtilization"),
            );
            put(
                &mut body,
                "targetAverageValue",
                r.pointer("/target/averageValue"),
            );
            out.insert(key.into(), Value::Object(body));
        }
        "Pods" => {
            let p = m.get("pods").unwrap_or(&Value::Null);
            put(&mut body, "metricName", p.pointer("/metric/name"));
            put(&mut body, "selector", p.pointer("/metric/selector"));
            put(
                &mut body,
                "targetAverageValue",
                p.pointer("/target/averageValue"),
            );
            out.insert("pods".into(), Value::Object(body));
        }
        "Object" => {
            let o = m.get("object").unwrap_or(&Value::Null);
            put(&mut body, "target", o.get("describedObject"));
            put(&mut body, "metricName", o.pointer("/metric/name"));
            put(&mut body, "selector", o.pointer("/metric/selector"));
            put(&mut body, "targetValue", o.pointer("/target/value"));
            put(&mut body, "averageValue", o.pointer("/target/averageValue"));
            out.insert("object".into(), Value::Object(body));
        }
        "External" => {
            let e = m.get("external").unwrap_or(&Value::Null);
            put(&mut body, "metricName", e.pointer("/metric/name"));
            put(&mut body, "metricSelector", e.pointer("/metric/selector"));
            put(&mut body, "targetValue", e.pointer("/target/value"));
            put(
                &mut body,
                "targetAverageValue",
                e.pointer("/target/averageValue"),
            );
            out.insert("external".into(), Value::Object(body));
        }
        _ => {}
    }
    Value::Object(out)
}

/// A v1 (alpha annotation) `MetricSpec` in the v2 form.
fn metric_spec_to_v2(m: &Value) -> Value {
    let ty = m.get("type").and_then(Value::as_str).unwrap_or_default();
    let target = |util: Option<&Value>, avg: Option<&Value>, value: Option<&Value>| {
        let mut t = Map::new();
        if let Some(u) = util.filter(|v| !v.is_null()) {
            t.insert("type".into(), json!("Utilization"));
            t.insert("averageUtilization".into(), u.clone());
        } else if let Some(a) = avg.filter(|v| !v.is_null()) {
            t.insert("type".into(), json!("AverageValue"));
            t.insert("averageValue".into(), a.clone());
        } else if let Some(v) = value.filter(|v| !v.is_null()) {
            t.insert("type".into(), json!("Value"));
            t.insert("value".into(), v.clone());
        }
        Value::Object(t)
    };
    let metric = |name: Option<&Value>, sel: Option<&Value>| {
        let mut id = Map::new();
        put(&mut id, "name", name);
        put(&mut id, "selector", sel);
        Value::Object(id)
    };
    let mut out = Map::new();
    out.insert("type".into(), json!(ty));
    match ty {
        "Resource" | "ContainerResource" => {
            let key = if ty == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let r = m.get(key).unwrap_or(&Value::Null);
            let mut body = Map::new();
            put(&mut body, "name", r.get("name"));
            put(&mut body, "container", r.get("container"));
            body.insert(
                "target".into(),
                target(
                    r.get("targetAverageUtilization"),
                    r.get("targetAverageValue"),
                    None,
                ),
            );
            out.insert(key.into(), Value::Object(body));
        }
        "Pods" => {
            let p = m.get("pods").unwrap_or(&Value::Null);
            out.insert(
                "pods".into(),
                json!({"metric": metric(p.get("metricName"), p.get("selector")),
                       "target": target(None, p.get("targetAverageValue"), None)}),
            );
        }
        "Object" => {
            let o = m.get("object").unwrap_or(&Value::Null);
            out.insert(
                "object".into(),
                json!({"describedObject": o.get("target").cloned().unwrap_or(json!({})),
                       "metric": metric(o.get("metricName"), o.get("selector")),
                       "target": target(None, o.get("averageValue"), o.get("targetValue"))}),
            );
        }
        "External" => {
            let e = m.get("external").unwrap_or(&Value::Null);
            out.insert(
                "external".into(),
                json!({"metric": metric(e.get("metricName"), e.get("metricSelector")),
                       "target": target(None, e.get("targetAverageValue"), e.get("targetValue"))}),
            );
        }
        _ => {}
    }
    Value::Object(out)
}

fn annotations(m: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let meta = m.entry("metadata").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    let meta = meta.as_object_mut().expect("object");
    let ann = meta.entry("annotations").or_insert_with(|| json!({}));
    if !ann.is_object() {
        *ann = json!({});
    }
    ann.as_object_mut().expect("object")
}

fn drop_empty_annotations(m: &mut Map<String, Value>) {
    if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
        if meta
            .get("annotations")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            meta.remove("annotations");
        }
    }
}

fn hpa_v2_to_v1(mut m: Map<String, Value>) -> Map<String, Value> {
    let spec = m.remove("spec").unwrap_or(json!({}));
    let status = m.remove("status");
    let mut v1spec = Map::new();
    put(&mut v1spec, "scaleTargetRef", spec.get("scaleTargetRef"));
    put(&mut v1spec, "minReplicas", spec.get("minReplicas"));
    put(&mut v1spec, "maxReplicas", spec.get("maxReplicas"));
    let metrics = spec
        .get("metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut others = Vec::new();
    for metric in &metrics {
        if is_cpu_utilization(metric) && !v1spec.contains_key("targetCPUUtilizationPercentage") {
            put(
                &mut v1spec,
                "targetCPUUtilizationPercentage",
                metric.pointer("/resource/target/averageUtilization"),
            );
        } else {
            others.push(metric_spec_to_v1(metric));
        }
    }
    {
        let ann = annotations(&mut m);
        if !others.is_empty() {
            ann.insert(
                ANN_METRICS.into(),
                Value::String(Value::Array(others).to_string()),
            );
        }
        if let Some(b) = spec.get("behavior").filter(|b| !b.is_null()) {
            ann.insert(ANN_BEHAVIOR.into(), Value::String(b.to_string()));
        }
        if let Some(c) = status
            .as_ref()
            .and_then(|s| s.get("conditions"))
            .filter(|c| !c.is_null())
        {
            ann.insert(ANN_CONDITIONS.into(), Value::String(c.to_string()));
        }
    }
    m.insert("spec".into(), Value::Object(v1spec));
    if let Some(status) = status {
        let mut v1status = Map::new();
        for key in [
            "observedGeneration",
            "lastScaleTime",
            "currentReplicas",
            "desiredReplicas",
        ] {
            put(&mut v1status, key, status.get(key));
        }
        let mut other_current = Vec::new();
        for cm in status
            .get("currentMetrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let cpu = cm.get("type").and_then(Value::as_str) == Some("Resource")
                && cm.pointer("/resource/name").and_then(Value::as_str) == Some("cpu");
            match cm.pointer("/resource/current/averageUtilization") {
                Some(u) if cpu && !v1status.contains_key("currentCPUUtilizationPercentage") => {
                    v1status.insert("currentCPUUtilizationPercentage".into(), u.clone());
                }
                _ => other_current.push(cm.clone()),
            }
        }
        if !other_current.is_empty() {
            annotations(&mut m).insert(
                ANN_CURRENT_METRICS.into(),
                Value::String(Value::Array(other_current).to_string()),
            );
        }
        m.insert("status".into(), Value::Object(v1status));
    }
    drop_empty_annotations(&mut m);
    m
}

fn take_json_annotation(m: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let raw = m
        .get_mut("metadata")
        .and_then(|meta| meta.get_mut("annotations"))
        .and_then(Value::as_object_mut)
        .and_then(|a| a.remove(key))?;
    raw.as_str().and_then(|s| serde_json::from_str(s).ok())
}

fn hpa_v1_to_v2(mut m: Map<String, Value>) -> Map<String, Value> {
    let spec = m.remove("spec").unwrap_or(json!({}));
    let status = m.remove("status");
    let others = take_json_annotation(&mut m, ANN_METRICS);
    let behavior = take_json_annotation(&mut m, ANN_BEHAVIOR);
    let conditions = take_json_annotation(&mut m, ANN_CONDITIONS);
    let current = take_json_annotation(&mut m, ANN_CURRENT_METRICS);
    drop_empty_annotations(&mut m);
    let mut v2spec = Map::new();
    put(&mut v2spec, "scaleTargetRef", spec.get("scaleTargetRef"));
    put(&mut v2spec, "minReplicas", spec.get("minReplicas"));
    put(&mut v2spec, "maxReplicas", spec.get("maxReplicas"));
    let mut metrics = Vec::new();
    if let Some(cpu) = spec
        .get("targetCPUUtilizationPercentage")
        .filter(|v| !v.is_null())
    {
        metrics.push(json!({"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": cpu}}}));
    }
    metrics.extend(
        others
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(metric_spec_to_v2),
    );
    if !metrics.is_empty() {
        v2spec.insert("metrics".into(), Value::Array(metrics));
    }
    put(&mut v2spec, "behavior", behavior.as_ref());
    m.insert("spec".into(), Value::Object(v2spec));
    if let Some(status) = status {
        let mut v2status = Map::new();
        for key in [
            "observedGeneration",
            "lastScaleTime",
            "currentReplicas",
            "desiredReplicas",
        ] {
            put(&mut v2status, key, status.get(key));
        }
        let mut cms = Vec::new();
        if let Some(u) = status
            .get("currentCPUUtilizationPercentage")
            .filter(|v| !v.is_null())
        {
            cms.push(json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": u}}}));
        }
        cms.extend(
            current
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .cloned(),
        );
        if !cms.is_empty() {
            v2status.insert("currentMetrics".into(), Value::Array(cms));
        }
        put(&mut v2status, "conditions", conditions.as_ref());
        m.insert("status".into(), Value::Object(v2status));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_both_ways() {
        let core = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "d"},
            "involvedObject": {"kind": "Pod", "name": "p"}, "message": "hi", "reason": "Started",
            "source": {"component": "kubelet"}, "count": 2, "type": "Normal", "reportingComponent": "kubelet"});
        let new = convert(core.clone(), "events.k8s.io/v1").unwrap();
        assert_eq!(new["apiVersion"], "events.k8s.io/v1");
        assert_eq!(new["regarding"]["name"], "p");
        assert_eq!(new["note"], "hi");
        assert_eq!(new["deprecatedCount"], 2);
        assert_eq!(new["reportingController"], "kubelet");
        assert_eq!(convert(new, "v1").unwrap(), core);
    }

    #[test]
    fn hpa_round_trips_through_v1() {
        let v2 = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
                "minReplicas": 1, "maxReplicas": 5,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
                    {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
            "status": {"currentReplicas": 2, "desiredReplicas": 3,
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 50}}}]}});
        let v1 = convert(v2.clone(), "autoscaling/v1").unwrap();
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 70);
        assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 50);
        let ann = &v1["metadata"]["annotations"];
        assert!(ann[ANN_METRICS]
            .as_str()
            .unwrap()
            .contains("\"metricName\":\"qps\""));
        let back = convert(v1, "autoscaling/v2").unwrap();
        assert_eq!(back, v2);
        assert!(convert(json!({"apiVersion": "v1", "kind": "Pod"}), "apps/v1").is_err());
    }
}
