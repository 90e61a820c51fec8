//! Printers of the `apps` group: deployments, replica sets, stateful sets, daemon
//! sets, controller revisions.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::descriptions as d;
use super::format::{
    container_cells, format_label_selector, format_labels, get, int_at, map_at, selector_string,
    str_at,
};
use super::{
    age_cell, name_cell, CellsFn, Column, ColumnsFn, Printer, AGE, CONTAINERS, IMAGES, NAME,
};

pub(super) fn printer(kind: &str) -> Option<Printer> {
    let (columns, cells): (ColumnsFn, CellsFn) = match kind {
        "Deployment" => (deployment_columns, deployment_cells),
        "ReplicaSet" => (replica_set_columns, replica_set_cells),
        "StatefulSet" => (stateful_set_columns, stateful_set_cells),
        "DaemonSet" => (daemon_set_columns, daemon_set_cells),
        "ControllerRevision" => (controller_revision_columns, controller_revision_cells),
        _ => return None,
    };
    Some(Printer { columns, cells })
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

fn template_spec(obj: &Value) -> Option<&Value> {
    get(obj, &["spec", "template", "spec"])
}

fn deployment_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Ready", "string", "Number of the pod with ready state"),
        Column::new("Up-to-date", "string", d::DEPLOY_UPDATED),
        Column::new("Available", "string", d::DEPLOY_AVAILABLE),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", d::DEPLOY_SELECTOR).wide(),
    ]
}

fn deployment_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let (names, images) = container_cells(template_spec(obj));
    // Deployments print the bare selector string: empty, not `<none>`.
    let selector = selector_string(get(obj, &["spec", "selector"]))
        .unwrap_or_else(|()| "<invalid>".to_string());
    vec![
        name_cell(obj),
        s(format!(
            "{}/{}",
            int_at(obj, &["status", "readyReplicas"]),
            int_at(obj, &["spec", "replicas"])
        )),
        json!(int_at(obj, &["status", "updatedReplicas"])),
        json!(int_at(obj, &["status", "availableReplicas"])),
        age_cell(obj, now),
        s(names),
        s(images),
        s(selector),
    ]
}

fn replica_set_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Desired", "integer", d::RS_SPEC_REPLICAS),
        Column::new("Current", "integer", d::RS_STATUS_REPLICAS),
        Column::new("Ready", "integer", d::RS_STATUS_READY),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", d::RS_SPEC_SELECTOR).wide(),
    ]
}

fn replica_set_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let (names, images) = container_cells(template_spec(obj));
    vec![
        name_cell(obj),
        json!(int_at(obj, &["spec", "replicas"])),
        json!(int_at(obj, &["status", "replicas"])),
        json!(int_at(obj, &["status", "readyReplicas"])),
        age_cell(obj, now),
        s(names),
        s(images),
        s(format_label_selector(get(obj, &["spec", "selector"]))),
    ]
}

fn stateful_set_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Ready", "string", "Number of the pod with ready state"),
        AGE,
        CONTAINERS,
        IMAGES,
    ]
}

fn stateful_set_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let (names, images) = container_cells(template_spec(obj));
    vec![
        name_cell(obj),
        s(format!(
            "{}/{}",
            int_at(obj, &["status", "readyReplicas"]),
            int_at(obj, &["spec", "replicas"])
        )),
        age_cell(obj, now),
        s(names),
        s(images),
    ]
}

fn daemon_set_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Desired", "integer", d::DS_DESIRED),
        Column::new("Current", "integer", d::DS_CURRENT),
        Column::new("Ready", "integer", d::DS_READY),
        Column::new("Up-to-date", "integer", d::DS_UPDATED),
        Column::new("Available", "integer", d::DS_AVAILABLE),
        Column::new("Node Selector", "string", d::POD_SPEC_NODE_SELECTOR),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", d::DS_SELECTOR).wide(),
    ]
}

fn daemon_set_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let (names, images) = container_cells(template_spec(obj));
    vec![
        name_cell(obj),
        json!(int_at(obj, &["status", "desiredNumberScheduled"])),
        json!(int_at(obj, &["status", "currentNumberScheduled"])),
        json!(int_at(obj, &["status", "numberReady"])),
        json!(int_at(obj, &["status", "updatedNumberScheduled"])),
        json!(int_at(obj, &["status", "numberAvailable"])),
        s(format_labels(map_at(
            obj,
            &["spec", "template", "spec", "nodeSelector"],
        ))),
        age_cell(obj, now),
        s(names),
        s(images),
        s(format_label_selector(get(obj, &["spec", "selector"]))),
    ]
}

fn controller_revision_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Controller", "string", "Controller of the object"),
        Column::new("Revision", "string", d::CR_REVISION),
        AGE,
    ]
}

/// `kind.group/name` (lower-cased) of the controlling owner, `<none>` without one.
fn controller_name(obj: &Value) -> String {
    let owner = super::format::arr_at(obj, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true));
    let Some(owner) = owner else {
        return "<none>".to_string();
    };
    let api_version = str_at(owner, &["apiVersion"]);
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    let kind = str_at(owner, &["kind"]);
    let name = str_at(owner, &["name"]);
    if kind.is_empty() && group.is_empty() {
        return name.to_string();
    }
    let group_kind = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    format!("{}/{name}", group_kind.to_lowercase())
}

fn controller_revision_cells(obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name_cell(obj),
        s(controller_name(obj)),
        json!(int_at(obj, &["revision"])),
        age_cell(obj, now),
    ]
}
