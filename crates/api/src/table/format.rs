//! Small formatters shared by the printers: JSON access, ages, label maps and
//! selectors, quantities, access modes. Each reproduces the exact text Kubernetes'
//! printers produce, because `kubectl get` shows these strings unchanged.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The value at `path` (object keys) inside `v`; an explicit `null` counts as absent,
/// as it does for Kubernetes' typed decoding.
pub(super) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(v, |cur, key| cur.get(key))
        .filter(|v| !v.is_null())
}

/// The string at `path`, `""` when absent or not a string (Go's zero value).
pub(super) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    get(v, path).and_then(Value::as_str).unwrap_or("")
}

/// The string at `path` when present (a Go `*string`).
pub(super) fn opt_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

/// The integer at `path`, 0 when absent (Go's zero value).
pub(super) fn int_at(v: &Value, path: &[&str]) -> i64 {
    get(v, path).and_then(Value::as_i64).unwrap_or(0)
}

/// The integer at `path` when present (a Go `*int32`).
pub(super) fn opt_int(v: &Value, path: &[&str]) -> Option<i64> {
    get(v, path).and_then(Value::as_i64)
}

/// The boolean at `path`, false when absent.
pub(super) fn bool_at(v: &Value, path: &[&str]) -> bool {
    get(v, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The array at `path`, empty when absent.
pub(super) fn arr_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The object at `path` when present.
pub(super) fn map_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Map<String, Value>> {
    get(v, path).and_then(Value::as_object)
}

/// Number of entries of the map (or list) at `path`.
pub(super) fn len_at(v: &Value, path: &[&str]) -> usize {
    match get(v, path) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

/// Parses a `metav1.Time` / `metav1.MicroTime` (RFC 3339).
pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The time at `path`, `None` when absent or unparsable (Go's zero time).
pub(super) fn time_at(v: &Value, path: &[&str]) -> Option<DateTime<Utc>> {
    opt_str(v, path).and_then(parse_time)
}

/// Kubernetes' `translateTimestampSince`: the age of `t` at `now`, `<unknown>` for
/// a missing time.
pub(super) fn since(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        Some(t) => human_duration(now - t),
        None => "<unknown>".to_string(),
    }
}

/// The age of the object (`metadata.creationTimestamp`) at `now`.
pub(super) fn age(obj: &Value, now: DateTime<Utc>) -> String {
    since(time_at(obj, &["metadata", "creationTimestamp"]), now)
}

/// Kubernetes' `HumanDuration` (k8s.io/apimachinery/pkg/util/duration): about two
/// significant figures, e.g. `59s`, `2m3s`, `10m`, `3h5m`, `25h`, `2d3h`, `8d`,
/// `2y35d`. A clock skew of up to one second reads as `0s`; more as `<invalid>`.
pub fn human_duration(d: chrono::Duration) -> String {
    let seconds = d.num_seconds();
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{h}h")
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        let dy = days % 365;
        return if dy == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{dy}d")
        };
    }
    format!("{years}y")
}

/// `labels.FormatLabels`: `k=v` pairs sorted and comma-joined, `<none>` when empty.
pub(super) fn format_labels(m: Option<&Map<String, Value>>) -> String {
    let mut pairs: Vec<String> = m
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    if pairs.is_empty() {
        return "<none>".to_string();
    }
    pairs.sort();
    pairs.join(",")
}

/// The string form of a `metav1.LabelSelector` as `labels.Selector.String()` gives
/// it: requirements sorted by key, `k=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`.
/// `Err(())` for a selector Kubernetes cannot convert (unknown operator).
pub(super) fn selector_string(sel: Option<&Value>) -> Result<String, ()> {
    let Some(sel) = sel.filter(|s| !s.is_null()) else {
        return Ok(String::new());
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    for (k, v) in map_at(sel, &["matchLabels"]).into_iter().flatten() {
        reqs.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or(""))));
    }
    for expr in arr_at(sel, &["matchExpressions"]) {
        let key = str_at(expr, &["key"]);
        let mut values: Vec<&str> = arr_at(expr, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        values.dedup();
        let text = match str_at(expr, &["operator"]) {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return Err(()),
        };
        reqs.push((key.to_string(), text));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(reqs
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(","))
}

/// `metav1.FormatLabelSelector`: the selector string, `<none>` when it selects
/// everything or nothing, `<error>` when it cannot be converted.
pub(super) fn format_label_selector(sel: Option<&Value>) -> String {
    match selector_string(sel) {
        Ok(s) if s.is_empty() => "<none>".to_string(),
        Ok(s) => s,
        Err(()) => "<error>".to_string(),
    }
}

/// Joins `list` with `,` and, when `more`, appends ` + N more...` as the
/// endpoint-like printers do; `<unset>` for an empty list.
pub(super) fn list_with_more(list: &[String], more: bool, count: usize, max: usize) -> String {
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count - max);
    }
    if ret.is_empty() {
        "<unset>".to_string()
    } else {
        ret
    }
}

/// Container names and images of a pod spec, comma-joined (`layoutContainerCells`).
pub(super) fn container_cells(pod_spec: Option<&Value>) -> (String, String) {
    let containers = pod_spec.map(|s| arr_at(s, &["containers"])).unwrap_or(&[]);
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, &["image"])).collect();
    (names.join(","), images.join(","))
}

/// `helper.GetAccessModesAsString`: `RWO,ROX,RWX,RWOP` in that fixed order.
pub(super) fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v.as_str() == Some(m));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| has(m))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// An `IntOrString` as `intstr.IntOrString.String()` prints it.
pub(super) fn int_or_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// `net.JoinHostPort`: brackets around IPv6 hosts.
pub(super) fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// How a quantity was written, which decides how it is printed back.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum QuantityFormat {
    BinarySi,
    DecimalSi,
    DecimalExponent,
}

const NANO: i128 = 1_000_000_000;

/// A quantity's value in units of 10^-9, and its format.
fn parse_quantity(s: &str) -> Option<(i128, QuantityFormat)> {
    let s = s.trim();
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(num_end);
    if number.is_empty() || number == "." {
        return None;
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if frac_part.contains('.') {
        return None;
    }
    // Work in units of 10^-9 with the fraction rounded up, as Kubernetes does when it
    // cannot represent a value exactly at nano scale.
    let mut nanos: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse::<i128>().ok()?.checked_mul(NANO)?
    };
    let mut scale = NANO / 10;
    let mut round_up = false;
    for c in frac_part.chars() {
        let d = i128::from(c.to_digit(10)?);
        if scale == 0 {
            round_up |= d != 0;
        } else {
            nanos += d * scale;
            scale /= 10;
        }
    }
    if round_up {
        nanos += 1;
    }
    let (mul, div, format): (i128, i128, QuantityFormat) = match suffix {
        "" => (1, 1, QuantityFormat::DecimalSi),
        "n" => (1, NANO, QuantityFormat::DecimalSi),
        "u" => (1, 1_000_000, QuantityFormat::DecimalSi),
        "m" => (1, 1_000, QuantityFormat::DecimalSi),
        "k" => (1_000, 1, QuantityFormat::DecimalSi),
        "M" => (1_000_000, 1, QuantityFormat::DecimalSi),
        "G" => (1_000_000_000, 1, QuantityFormat::DecimalSi),
        "T" => (1_000_000_000_000, 1, QuantityFormat::DecimalSi),
        "P" => (1_000_000_000_000_000, 1, QuantityFormat::DecimalSi),
        "E" => (1_000_000_000_000_000_000, 1, QuantityFormat::DecimalSi),
        "Ki" => (1 << 10, 1, QuantityFormat::BinarySi),
        "Mi" => (1 << 20, 1, QuantityFormat::BinarySi),
        "Gi" => (1 << 30, 1, QuantityFormat::BinarySi),
        "Ti" => (1 << 40, 1, QuantityFormat::BinarySi),
        "Pi" => (1 << 50, 1, QuantityFormat::BinarySi),
        "Ei" => (1 << 60, 1, QuantityFormat::BinarySi),
        exp if exp.starts_with(['e', 'E']) => {
            let e: i32 = exp[1..].parse().ok()?;
            if !(-9..=18).contains(&e) {
                return None;
            }
            if e >= 0 {
                (
                    10i128.pow(e.unsigned_abs()),
                    1,
                    QuantityFormat::DecimalExponent,
                )
            } else {
                (
                    1,
                    10i128.pow(e.unsigned_abs()),
                    QuantityFormat::DecimalExponent,
                )
            }
        }
        _ => return None,
    };
    let scaled = nanos.checked_mul(mul)?;
    // Dividing rounds up, like Kubernetes' rounding of sub-nano precision.
    let value = (scaled + div - 1) / div;
    Some((if negative { -value } else { value }, format))
}

/// `resource.Quantity.String()`: the canonical form of a quantity, e.g. `1Gi` stays
/// `1Gi`, `1024Mi` becomes `1Gi`, `1000m` becomes `1`, `1.5Gi` becomes `1536Mi`.
/// Text that is not a quantity is returned unchanged.
pub(super) fn canonical_quantity(s: &str) -> String {
    let Some((nanos, mut format)) = parse_quantity(s) else {
        return s.to_string();
    };
    if format == QuantityFormat::BinarySi && (nanos.abs() < 1024 * NANO || nanos % NANO != 0) {
        format = QuantityFormat::DecimalSi;
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.abs();
    if abs == 0 {
        return "0".to_string();
    }
    match format {
        QuantityFormat::BinarySi => {
            let mut bytes = abs / NANO;
            let mut exp = 0usize;
            while exp < 6 && bytes % 1024 == 0 {
                bytes /= 1024;
                exp += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exp];
            format!("{sign}{bytes}{suffix}")
        }
        QuantityFormat::DecimalSi | QuantityFormat::DecimalExponent => {
            // Largest power-of-1000 exponent (from 10^-9) that keeps an integer mantissa.
            let mut mantissa = abs;
            let mut exp: i32 = -9;
            while exp < 18 && mantissa % 1000 == 0 {
                mantissa /= 1000;
                exp += 3;
            }
            let suffix = if format == QuantityFormat::DecimalExponent {
                if exp == 0 {
                    String::new()
                } else {
                    format!("e{exp}")
                }
            } else {
                match exp {
                    -9 => "n",
                    -6 => "u",
                    -3 => "m",
                    0 => "",
                    3 => "k",
                    6 => "M",
                    9 => "G",
                    12 => "T",
                    15 => "P",
                    _ => "E",
                }
                .to_string()
            };
            format!("{sign}{mantissa}{suffix}")
        }
    }
}

/// The quantity at `key` of a resource list (e.g. `capacity.storage`), canonical, or
/// `0` when absent (a zero `Quantity`).
pub(super) fn quantity_in(list: Option<&Value>, key: &str) -> String {
    match list.and_then(|l| l.get(key)) {
        Some(Value::String(s)) => canonical_quantity(s),
        Some(Value::Number(n)) => canonical_quantity(&n.to_string()),
        _ => "0".to_string(),
    }
}
