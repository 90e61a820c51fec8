//! Printers of the `batch` group: jobs and cron jobs.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::descriptions as d;
use super::format::{
    arr_at, container_cells, format_label_selector, get, human_duration, int_at, opt_int, opt_str,
    since, str_at, time_at,
};
use super::{
    age_cell, name_cell, CellsFn, Column, ColumnsFn, Printer, AGE, CONTAINERS, IMAGES, NAME,
};

pub(super) fn printer(kind: &str) -> Option<Printer> {
    let (columns, cells): (ColumnsFn, CellsFn) = match kind {
        "Job" => (job_columns, job_cells),
        "CronJob" => (cron_job_columns, cron_job_cells),
        _ => return None,
    };
    Some(Printer { columns, cells })
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

fn job_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Status", "string", "Status of the job."),
        Column::new("Completions", "string", d::JOB_SUCCEEDED),
        Column::new("Duration", "string", "Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", d::JOB_SELECTOR).wide(),
    ]
}

/// Whether the job has a condition of `type_`; the first such condition decides.
fn job_condition(job: &Value, type_: &str) -> bool {
    arr_at(job, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

fn job_status(job: &Value) -> &'static str {
    if job_condition(job, "Complete") {
        "Complete"
    } else if job_condition(job, "Failed") {
        "Failed"
    } else if get(job, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else if job_condition(job, "Suspended") {
        "Suspended"
    } else if job_condition(job, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

fn job_cells(job: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let succeeded = int_at(job, &["status", "succeeded"]);
    let completions = match opt_int(job, &["spec", "completions"]) {
        Some(c) => format!("{succeeded}/{c}"),
        None => {
            let parallelism = int_at(job, &["spec", "parallelism"]);
            if parallelism > 1 {
                format!("{succeeded}/1 of {parallelism}")
            } else {
                format!("{succeeded}/1")
            }
        }
    };
    let duration = match (
        time_at(job, &["status", "startTime"]),
        time_at(job, &["status", "completionTime"]),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now - start),
        (Some(start), Some(done)) => human_duration(done - start),
    };
    let (names, images) = container_cells(get(job, &["spec", "template", "spec"]));
    vec![
        name_cell(job),
        s(job_status(job)),
        s(completions),
        s(duration),
        age_cell(job, now),
        s(names),
        s(images),
        s(format_label_selector(get(job, &["spec", "selector"]))),
    ]
}

fn cron_job_columns() -> Vec<Column> {
    vec![
        NAME,
        Column::new("Schedule", "string", d::CJ_SCHEDULE),
        Column::new("Timezone", "string", d::CJ_TIMEZONE),
        Column::new("Suspend", "boolean", d::CJ_SUSPEND),
        Column::new("Active", "integer", d::CJ_ACTIVE),
        Column::new("Last Schedule", "string", d::CJ_LAST_SCHEDULE),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", d::JOB_SELECTOR).wide(),
    ]
}

fn cron_job_cells(cj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let last_schedule = match time_at(cj, &["status", "lastScheduleTime"]) {
        Some(t) => since(Some(t), now),
        None => "<none>".to_string(),
    };
    // A `*bool` printed as text: True, False, or <unset> when absent.
    let suspend = match get(cj, &["spec", "suspend"]).and_then(Value::as_bool) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let job_spec = get(cj, &["spec", "jobTemplate", "spec"]);
    let (names, images) = container_cells(job_spec.and_then(|j| get(j, &["template", "spec"])));
    vec![
        name_cell(cj),
        s(str_at(cj, &["spec", "schedule"])),
        s(opt_str(cj, &["spec", "timeZone"]).unwrap_or("<none>")),
        s(suspend),
        json!(arr_at(cj, &["status", "active"]).len()),
        s(last_schedule),
        age_cell(cj, now),
        s(names),
        s(images),
        s(format_label_selector(
            job_spec.and_then(|j| get(j, &["selector"])),
        )),
    ]
}
