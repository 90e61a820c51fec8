//! Controllers that own pods: Deployments, ReplicaSets, StatefulSets, DaemonSets,
//! ControllerRevisions, Jobs, CronJobs and ReplicationControllers. Selectors must
//! match the template's labels and never change; templates are pod templates with
//! the restart policies each controller allows.

use super::pods::validate_pod_template;
use super::{
    immutable, json_label_selector, json_string_map, non_negative, str_at, validate_labels,
    FieldError,
};
use crate::registry::ResourceInfo;
use crate::selectors::LabelSelector;
use serde_json::{Map, Value};

const NOT_MATCH: &str = "`selector` does not match template `labels`";

/// Kubernetes' text for a StatefulSet spec change outside the mutable fields.
pub const STATEFULSET_UPDATE_FORBIDDEN: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

fn template_labels(spec: &Value) -> Option<&Map<String, Value>> {
    spec.pointer("/template/metadata/labels")
        .and_then(Value::as_object)
}

/// `metav1.LabelSelector` checks: required, non-empty, valid, matching the template.
fn validate_selector(spec: &Value, kind_word: &str, required: bool, errs: &mut Vec<FieldError>) {
    let Some(sel) = spec.get("selector").filter(|s| !s.is_null()) else {
        if required {
            errs.push(FieldError::required("spec.selector", ""));
        }
        return;
    };
    validate_labels(sel.get("matchLabels"), "spec.selector.matchLabels", errs);
    let empty_labels = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    let empty_exprs = sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if empty_labels && empty_exprs {
        errs.push(FieldError::invalid_rendered(
            "spec.selector",
            json_label_selector(sel),
            format!("empty selector is invalid for {kind_word}"),
        ));
        return;
    }
    match LabelSelector::from_api(sel) {
        Err(e) => errs.push(FieldError::invalid_rendered(
            "spec.selector",
            json_label_selector(sel),
            e.to_string(),
        )),
        Ok(s) => {
            if !s.matches(template_labels(spec)) {
                errs.push(FieldError::invalid_rendered(
                    "spec.template.metadata.labels",
                    json_string_map(template_labels(spec)),
                    NOT_MATCH,
                ));
            }
        }
    }
}

/// A StatefulSet's template with its volume claim templates added as volumes, as
/// Kubernetes validates it (mounts may name a claim template).
fn with_claim_volumes(spec: &Value) -> Option<Value> {
    let mut t = spec.get("template")?.clone();
    let claims: Vec<Value> = spec
        .get("volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.pointer("/metadata/name").and_then(Value::as_str))
        .map(|n| serde_json::json!({"name": n, "persistentVolumeClaim": {"claimName": n}}))
        .collect();
    if !claims.is_empty() {
        if let Some(pod_spec) = t.get_mut("spec").and_then(Value::as_object_mut) {
            let vols = pod_spec
                .entry("volumes")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(v) = vols.as_array_mut() {
                v.extend(claims);
            }
        }
    }
    Some(t)
}

fn restart_policy(spec: &Value, allowed: &[&str], errs: &mut Vec<FieldError>) {
    let p = spec
        .pointer("/template/spec/restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !allowed.contains(&p) {
        errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            p,
            allowed,
        ));
    }
}

fn enum_field(obj: &Value, key: &str, path: &str, allowed: &[&str], errs: &mut Vec<FieldError>) {
    if let Some(v) = obj.get(key).and_then(Value::as_str) {
        if !allowed.contains(&v) {
            errs.push(FieldError::not_supported(path, v, allowed));
        }
    }
}

/// An int-or-percent (`maxSurge`, `maxUnavailable`): its integer value, or its
/// percentage if it is one; `Err` with Kubernetes' message if malformed.
fn int_or_percent(v: &Value) -> Result<(i64, bool), String> {
    match v {
        Value::Number(n) => Ok((n.as_i64().unwrap_or(0), false)),
        Value::String(s) => match s.strip_suffix('%').and_then(|n| n.parse::<i64>().ok()) {
            Some(n) => Ok((n, true)),
            None => Err("a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')".into()),
        },
        _ => Ok((0, false)),
    }
}

fn validate_rolling(ru: &Value, base: &str, errs: &mut Vec<FieldError>) {
    let mut values = Vec::new();
    for key in ["maxUnavailable", "maxSurge"] {
        let Some(v) = ru.get(key) else {
            values.push(None);
            continue;
        };
        let p = format!("{base}.{key}");
        match int_or_percent(v) {
            Err(msg) => {
                errs.push(FieldError::invalid(&p, v.clone(), msg));
                values.push(None);
            }
            Ok((n, pct)) => {
                if n < 0 {
                    errs.push(FieldError::invalid(
                        &p,
                        v.clone(),
                        "must be greater than or equal to 0",
                    ));
                }
                if pct && n > 100 && key == "maxUnavailable" {
                    errs.push(FieldError::invalid(
                        &p,
                        v.clone(),
                        "must not be greater than 100%",
                    ));
                }
                values.push(Some(n));
            }
        }
    }
    if values.len() == 2 && values[0] == Some(0) && values[1] == Some(0) {
        errs.push(FieldError::invalid(
            format!("{base}.maxUnavailable"),
            ru.get("maxUnavailable").cloned().unwrap_or(Value::Null),
            "may not be 0 when `maxSurge` is 0",
        ));
    }
}

/// Validation of the workload kinds on create and update.
pub fn validate(info: &ResourceInfo, obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    match (info.group, info.kind) {
        ("apps", "Deployment") => {
            for key in [
                "replicas",
                "minReadySeconds",
                "revisionHistoryLimit",
                "progressDeadlineSeconds",
            ] {
                non_negative(spec, key, "spec", errs);
            }
            validate_selector(spec, "deployment", true, errs);
            validate_pod_template(spec.get("template"), "spec.template", errs);
            restart_policy(spec, &["Always"], errs);
            let strategy = spec.get("strategy").unwrap_or(&Value::Null);
            enum_field(
                strategy,
                "type",
                "spec.strategy.type",
                &["Recreate", "RollingUpdate"],
                errs,
            );
            if let Some(ru) = strategy.get("rollingUpdate").filter(|r| !r.is_null()) {
                if str_at(strategy, "type") == "Recreate" {
                    errs.push(FieldError::forbidden(
                        "spec.strategy.rollingUpdate",
                        "may not be specified when strategy `type` is 'Recreate'",
                    ));
                } else {
                    validate_rolling(ru, "spec.strategy.rollingUpdate", errs);
                }
            }
            if let (Some(pd), Some(mr)) = (
                spec.get("progressDeadlineSeconds").and_then(Value::as_i64),
                spec.get("minReadySeconds").and_then(Value::as_i64),
            ) {
                if pd <= mr {
                    errs.push(FieldError::invalid(
                        "spec.progressDeadlineSeconds",
                        pd,
                        "must be greater than minReadySeconds",
                    ));
                }
            }
        }
        ("apps", "ReplicaSet") => {
            non_negative(spec, "replicas", "spec", errs);
            non_negative(spec, "minReadySeconds", "spec", errs);
            validate_selector(spec, "deployment", true, errs);
            validate_pod_template(spec.get("template"), "spec.template", errs);
            restart_policy(spec, &["Always"], errs);
        }
        ("apps", "StatefulSet") => {
            non_negative(spec, "replicas", "spec", errs);
            non_negative(spec, "minReadySeconds", "spec", errs);
            enum_field(
                spec,
                "podManagementPolicy",
                "spec.podManagementPolicy",
                &["OrderedReady", "Parallel"],
                errs,
            );
            let us = spec.get("updateStrategy").unwrap_or(&Value::Null);
            enum_field(
                us,
                "type",
                "spec.updateStrategy.type",
                &["OnDelete", "RollingUpdate"],
                errs,
            );
            if let Some(p) = us
                .pointer("/rollingUpdate/partition")
                .and_then(Value::as_i64)
            {
                if p < 0 {
                    errs.push(FieldError::invalid(
                        "spec.updateStrategy.rollingUpdate.partition",
                        p,
                        "must be greater than or equal to 0",
                    ));
                }
            }
            validate_selector(spec, "statefulset", true, errs);
            let template = with_claim_volumes(spec);
            validate_pod_template(template.as_ref(), "spec.template", errs);
            restart_policy(spec, &["Always"], errs);
            let policy = spec
                .get("persistentVolumeClaimRetentionPolicy")
                .unwrap_or(&Value::Null);
            for key in ["whenDeleted", "whenScaled"] {
                enum_field(
                    policy,
                    key,
                    &format!("spec.persistentVolumeClaimRetentionPolicy.{key}"),
                    &["Retain", "Delete"],
                    errs,
                );
            }
        }
        ("apps", "DaemonSet") => {
            non_negative(spec, "minReadySeconds", "spec", errs);
            validate_selector(spec, "daemonset", true, errs);
            validate_pod_template(spec.get("template"), "spec.template", errs);
            restart_policy(spec, &["Always"], errs);
            let us = spec.get("updateStrategy").unwrap_or(&Value::Null);
            enum_field(
                us,
                "type",
                "spec.updateStrategy.type",
                &["OnDelete", "RollingUpdate"],
                errs,
            );
            if let Some(ru) = us.get("rollingUpdate").filter(|r| r.is_object()) {
                validate_rolling(ru, "spec.updateStrategy.rollingUpdate", errs);
            }
        }
        ("apps", "ControllerRevision") => {
            if let Some(r) = obj
                .get("revision")
                .and_then(Value::as_i64)
                .filter(|r| *r < 0)
            {
                errs.push(FieldError::invalid(
                    "revision",
                    r,
                    "must be greater than or equal to 0",
                ));
            }
        }
        ("batch", "Job") => validate_job_spec(spec, "spec", true, errs),
        ("batch", "CronJob") => {
            let schedule = str_at(spec, "schedule");
            if schedule.is_empty() {
                errs.push(FieldError::required("spec.schedule", ""));
            } else if let Err(msg) = check_schedule(schedule) {
                errs.push(FieldError::invalid("spec.schedule", schedule, msg));
            }
            enum_field(
                spec,
                "concurrencyPolicy",
                "spec.concurrencyPolicy",
                &["Allow", "Forbid", "Replace"],
                errs,
            );
            for key in [
                "startingDeadlineSeconds",
                "successfulJobsHistoryLimit",
                "failedJobsHistoryLimit",
            ] {
                non_negative(spec, key, "spec", errs);
            }
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if name.len() > 52 {
                errs.push(FieldError::invalid(
                    "metadata.name",
                    name,
                    "must be no more than 52 characters",
                ));
            }
            match spec.get("jobTemplate").filter(|t| t.is_object()) {
                None => errs.push(FieldError::required("spec.jobTemplate", "")),
                Some(jt) => {
                    let jspec = jt.get("spec").unwrap_or(&Value::Null);
                    let mut sub = Vec::new();
                    validate_job_spec(jspec, "spec.jobTemplate.spec", false, &mut sub);
                    errs.extend(sub);
                }
            }
        }
        ("", "ReplicationController") => {
            non_negative(spec, "replicas", "spec", errs);
            non_negative(spec, "minReadySeconds", "spec", errs);
            let sel = spec
                .get("selector")
                .and_then(Value::as_object)
                .filter(|m| !m.is_empty());
            match sel {
                None => errs.push(FieldError::required("spec.selector", "")),
                Some(sel) => {
                    validate_labels(spec.get("selector"), "spec.selector", errs);
                    let labels = template_labels(spec);
                    let ok = sel
                        .iter()
                        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
                    if spec.get("template").is_some() && !ok {
                        errs.push(FieldError::invalid_rendered(
                            "spec.template.metadata.labels",
                            json_string_map(labels),
                            NOT_MATCH,
                        ));
                    }
                }
            }
            validate_pod_template(spec.get("template"), "spec.template", errs);
            restart_policy(spec, &["Always"], errs);
        }
        _ => {}
    }
}

fn validate_job_spec(
    spec: &Value,
    base: &str,
    selector_required: bool,
    errs: &mut Vec<FieldError>,
) {
    for key in [
        "parallelism",
        "completions",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ] {
        non_negative(spec, key, base, errs);
    }
    if let Some(n) = spec.get("activeDeadlineSeconds").and_then(Value::as_i64) {
        if n <= 0 {
            errs.push(FieldError::invalid(
                format!("{base}.activeDeadlineSeconds"),
                n,
                "must be greater than 0",
            ));
        }
    }
    enum_field(
        spec,
        "completionMode",
        &format!("{base}.completionMode"),
        &["NonIndexed", "Indexed"],
        errs,
    );
    if str_at(spec, "completionMode") == "Indexed"
        && spec.get("completions").is_none_or(Value::is_null)
    {
        errs.push(FieldError::required(
            format!("{base}.completions"),
            "when completion mode is Indexed",
        ));
    }
    let mut sub = Vec::new();
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if selector_required || spec.get("selector").is_some_and(|s| !s.is_null()) {
        validate_selector(spec, "job", selector_required && manual, &mut sub);
    }
    validate_pod_template(spec.get("template"), "spec.template", &mut sub);
    restart_policy(spec, &["OnFailure", "Never"], &mut sub);
    // The sub-checks are written against `spec.`; re-root them under `base`.
    for mut e in sub {
        if base != "spec" {
            if let Some(rest) = e.field.strip_prefix("spec.") {
                e.field = format!("{base}.{rest}");
            }
        }
        errs.push(e);
    }
}

/// A cron schedule as Kubernetes' cron library parses it: five fields (minute,
/// hour, day of month, month, day of week) or an `@` descriptor; the error texts
/// are that library's. `TZ=`/`CRON_TZ=` prefixes are refused in favour of
/// `spec.timeZone`.
fn check_schedule(s: &str) -> Result<(), String> {
    if s.contains("TZ") {
        return Err("cannot use TZ or CRON_TZ in schedule, use timeZone field instead".to_string());
    }
    if s.trim().is_empty() {
        return Err("empty spec string".to_string());
    }
    if let Some(m) = s.strip_prefix('@') {
        return match m {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => {
                Ok(())
            }
            _ if m.starts_with("every ") => Ok(()),
            _ => Err(format!("unrecognized descriptor: {s}")),
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    const MONTHS: &[&str] = &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let bounds: [(i64, i64, &[&str], i64); 5] = [
        (0, 59, &[], 0),
        (0, 23, &[], 0),
        (1, 31, &[], 0),
        (1, 12, MONTHS, 1),
        (0, 6, DAYS, 0),
    ];
    for (field, (min, max, names, base)) in fields.iter().zip(bounds) {
        for expr in field.split(',') {
            cron_range(expr, min, max, names, base)?;
        }
    }
    Ok(())
}

fn cron_int(expr: &str, names: &[&str], base: i64) -> Result<i64, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(expr)) {
        return Ok(i as i64 + base);
    }
    let n: i64 = expr.parse().map_err(|_| {
        format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {}: invalid syntax",
            crate::selectors::go_quote(expr)
        )
    })?;
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {expr}"));
    }
    Ok(n)
}

fn cron_range(expr: &str, min: i64, max: i64, names: &[&str], base: i64) -> Result<(), String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end) = if low_high[0] == "*" || low_high[0] == "?" {
        (min, max)
    } else {
        let start = cron_int(low_high[0], names, base)?;
        let end = match low_high.len() {
            1 => start,
            2 => cron_int(low_high[1], names, base)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        (start, end)
    };
    match range_and_step.len() {
        1 => {}
        2 => {
            let step = cron_int(range_and_step[1], &[], 0)?;
            if step == 0 {
                return Err(format!("step of range should be a positive number: {expr}"));
            }
            if single && low_high[0] != "*" && low_high[0] != "?" {
                end = max;
            }
        }
        _ => return Err(format!("too many slashes: {expr}")),
    }
    if start < min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({min}): {expr}"
        ));
    }
    if end > max {
        return Err(format!(
            "end of range ({end}) above maximum ({max}): {expr}"
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    Ok(())
}

/// Update checks: selectors never change; StatefulSets and Jobs keep most of
/// their spec.
pub fn validate_update(info: &ResourceInfo, old: &Value, new: &Value, errs: &mut Vec<FieldError>) {
    let os = old.get("spec").unwrap_or(&Value::Null);
    let ns = new.get("spec").unwrap_or(&Value::Null);
    match (info.group, info.kind) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") | ("batch", "Job") => {
            let (a, b) = (os.get("selector"), ns.get("selector"));
            if a != b {
                errs.push(FieldError::invalid_rendered(
                    "spec.selector",
                    json_label_selector(b.unwrap_or(&Value::Null)),
                    "field is immutable",
                ));
            }
        }
        _ => {}
    }
    match (info.group, info.kind) {
        ("apps", "StatefulSet") => {
            let strip = |s: &Value| {
                let mut s = s.clone();
                if let Some(m) = s.as_object_mut() {
                    for key in [
                        "replicas",
                        "ordinals",
                        "template",
                        "updateStrategy",
                        "revisionHistoryLimit",
                        "persistentVolumeClaimRetentionPolicy",
                        "minReadySeconds",
                        "selector",
                    ] {
                        m.remove(key);
                    }
                }
                s
            };
            if strip(os) != strip(ns) {
                errs.push(FieldError::forbidden("spec", STATEFULSET_UPDATE_FORBIDDEN));
            }
        }
        ("batch", "Job") => {
            // Kubernetes lets a suspended job that never started change its
            // template's scheduling directives; rkube keeps the template fixed.
            if os.get("template") != ns.get("template") {
                let suspended = os.get("suspend").and_then(Value::as_bool) == Some(true);
                let o = os.get("template").map(strip_scheduling);
                let n = ns.get("template").map(strip_scheduling);
                if !suspended || o != n {
                    errs.push(FieldError::invalid(
                        "spec.template",
                        ns.get("template").cloned().unwrap_or(Value::Null),
                        "field is immutable",
                    ));
                }
            }
            if str_at(os, "completionMode") != str_at(ns, "completionMode") {
                errs.push(immutable(
                    "spec.completionMode",
                    Value::from(str_at(ns, "completionMode")),
                ));
            }
            if os.get("completions") != ns.get("completions")
                && str_at(ns, "completionMode") != "Indexed"
            {
                errs.push(immutable(
                    "spec.completions",
                    ns.get("completions").cloned().unwrap_or(Value::Null),
                ));
            }
        }
        _ => {}
    }
}

fn strip_scheduling(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(spec) = t.get_mut("spec").and_then(Value::as_object_mut) {
        for key in ["nodeSelector", "affinity", "tolerations", "schedulingGates"] {
            spec.remove(key);
        }
    }
    if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("labels");
        meta.remove("annotations");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::check_schedule;

    #[test]
    fn cron_schedules() {
        for ok in [
            "*/5 * * * *",
            "0 0 1 jan-mar MON-FRI",
            "@hourly",
            "15 2 * * 0,6",
            "0 0 ? * *",
            "5/15 * * * *",
        ] {
            assert_eq!(check_schedule(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            check_schedule("bad"),
            Err("expected exactly 5 fields, found 1: [bad]".to_string())
        );
        assert_eq!(
            check_schedule("60 * * * *"),
            Err("end of range (60) above maximum (59): 60".to_string())
        );
        assert_eq!(
            check_schedule("* * 0 * *"),
            Err("beginning of range (0) below minimum (1): 0".to_string())
        );
        assert_eq!(
            check_schedule("5-1 * * * *"),
            Err("beginning of range (5) beyond end of range (1): 5-1".to_string())
        );
        assert_eq!(
            check_schedule("x * * * *"),
            Err(
                "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"
                    .to_string()
            )
        );
        assert_eq!(
            check_schedule("@often"),
            Err("unrecognized descriptor: @often".to_string())
        );
        assert!(check_schedule("TZ=UTC 0 * * * *").is_err());
    }
}
