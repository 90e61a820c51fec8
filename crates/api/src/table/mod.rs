//! Server-side printing: the `Table` columns and cells of each kind, so that
//! `kubectl get` (which asks for `application/json;as=Table;v=v1;g=meta.k8s.io`)
//! prints what it prints against Kubernetes.
//!
//! The column sets and cell texts follow Kubernetes' printers
//! (pkg/printers/internalversion). As Kubernetes does on the server, every row
//! carries all cells including the `-o wide` ones (priority 1); kubectl drops those
//! columns unless asked for wide output. Kinds without a printer get Kubernetes'
//! default convertor: `Name` and `Created At` (RFC 3339).
//!
//! Printers are keyed by (group, kind), one module per API group family:
//! [`core`] for the core group, [`apps`], [`batch`], and [`other`] for the rest.

mod apps;
mod batch;
mod core;
mod descriptions;
mod format;
mod other;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::registry::ResourceInfo;

pub use format::human_duration;

use descriptions as d;

/// One `TableColumnDefinition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    name: &'static str,
    type_: &'static str,
    format: &'static str,
    description: &'static str,
    priority: i32,
}

impl Column {
    /// A column shown by default.
    pub(crate) const fn new(
        name: &'static str,
        type_: &'static str,
        description: &'static str,
    ) -> Self {
        Column {
            name,
            type_,
            format: "",
            description,
            priority: 0,
        }
    }

    /// The same column shown only with `-o wide`.
    pub(crate) const fn wide(mut self) -> Self {
        self.priority = 1;
        self
    }

    /// The column marked as the object's name (`format: name`).
    pub(crate) const fn named(mut self) -> Self {
        self.format = "name";
        self
    }

    fn to_json(self) -> Value {
        json!({
            "name": self.name,
            "type": self.type_,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// The `Name` column most kinds start with.
pub(crate) const NAME: Column = Column::new("Name", "string", d::META_NAME).named();
/// The `Age` column.
pub(crate) const AGE: Column = Column::new("Age", "string", d::META_CREATION);
/// `Containers` (wide) of kinds with a pod template.
pub(crate) const CONTAINERS: Column = Column::new(
    "Containers",
    "string",
    "Names of each container in the template.",
)
.wide();
/// `Images` (wide) of kinds with a pod template.
pub(crate) const IMAGES: Column = Column::new(
    "Images",
    "string",
    "Images referenced by each container in the template.",
)
.wide();

/// Builds the columns of one kind.
pub(crate) type ColumnsFn = fn() -> Vec<Column>;
/// Builds the cells of one object at the given time.
pub(crate) type CellsFn = fn(&Value, DateTime<Utc>) -> Vec<Value>;

/// How one kind is printed: its columns and the cells of one object.
pub(crate) struct Printer {
    pub(crate) columns: ColumnsFn,
    pub(crate) cells: CellsFn,
}

/// The printer of a kind, `None` for kinds printed with the default columns.
fn printer(group: &str, kind: &str) -> Option<Printer> {
    match group {
        "" => core::printer(kind),
        "apps" => apps::printer(kind),
        "batch" => batch::printer(kind),
        _ => other::printer(group, kind),
    }
}

/// Kubernetes' `TableColumnDefinition`s (`name`, `type`, `format`, `description`,
/// `priority`) for the resource's kind, including the `-o wide` ones (priority 1).
pub fn column_definitions(info: &ResourceInfo) -> Vec<Value> {
    let columns = match printer(info.group, info.kind) {
        Some(p) => (p.columns)(),
        None => default_columns(),
    };
    columns.into_iter().map(Column::to_json).collect()
}

/// The cells of one object's row, in the order of [`column_definitions`], typed as
/// Kubernetes sends them (integers as numbers, booleans as booleans, text as strings).
pub fn row_cells(info: &ResourceInfo, obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    match printer(info.group, info.kind) {
        Some(p) => (p.cells)(obj, now),
        None => default_cells(obj),
    }
}

/// Whether the kind has a dedicated printer (otherwise `Name` + `Created At`).
pub fn has_printer(info: &ResourceInfo) -> bool {
    printer(info.group, info.kind).is_some()
}

/// The row `conditions` Kubernetes attaches: a finished pod's row carries
/// `Completed=True` (reason `Succeeded` or `Failed`), which clients may use to hide it.
pub fn row_conditions(info: &ResourceInfo, obj: &Value) -> Vec<Value> {
    if !info.group.is_empty() || info.kind != "Pod" {
        return Vec::new();
    }
    let (reason, message) = match format::str_at(obj, &["status", "phase"]) {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return Vec::new(),
    };
    vec![json!({"type": "Completed", "status": "True", "reason": reason, "message": message})]
}

/// Columns of Kubernetes' default table convertor, used for kinds without a printer.
fn default_columns() -> Vec<Column> {
    vec![NAME, Column::new("Created At", "date", d::META_CREATION)]
}

fn default_cells(obj: &Value) -> Vec<Value> {
    let created = format::time_at(obj, &["metadata", "creationTimestamp"])
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        // Go formats a zero time, which is what a missing timestamp is.
        .unwrap_or_else(|| "0001-01-01T00:00:00Z".to_string());
    vec![name_cell(obj), Value::String(created)]
}

/// The object's name as a cell.
pub(crate) fn name_cell(obj: &Value) -> Value {
    Value::String(format::str_at(obj, &["metadata", "name"]).to_string())
}

/// The object's age as a cell.
pub(crate) fn age_cell(obj: &Value, now: DateTime<Utc>) -> Value {
    Value::String(format::age(obj, now))
}

#[cfg(test)]
mod tests;
