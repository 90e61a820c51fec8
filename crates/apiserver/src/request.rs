//! What a request is about: the resource, namespace, name and subresource parsed from the
//! URL path (as Kubernetes' RequestInfo resolver does), and its query parameters.

use rkube_api::{Registry, ResourceInfo};

use crate::error::ApiError;

/// The resource a `/api/...` or `/apis/...` path addresses.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// `/api`, `/apis`, `/apis/{group}`, `/api/v1`, `/apis/{group}/{version}`.
    Discovery { group: Option<String>, version: Option<String>, legacy: bool },
    Resource(ResourcePath),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourcePath {
    pub info: ResourceInfo,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The rest of the path after a `proxy` subresource.
    pub rest: Vec<String>,
    /// The deprecated `/watch/` path prefix was used.
    pub watch_prefix: bool,
}

/// Kubernetes' name rules for path segments: no `.`/`..`, no `/` or `%`.
fn check_segment(s: &str) -> Result<(), ApiError> {
    if s == "." || s == ".." {
        return Err(ApiError::bad_request(format!("invalid path segment {s:?}: may not be '.' or '..'")));
    }
    if s.contains('/') || s.contains('%') {
        return Err(ApiError::bad_request(format!("invalid path segment {s:?}: may not contain '/' or '%'")));
    }
    if s.is_empty() {
        return Err(ApiError::path_not_found());
    }
    Ok(())
}

fn decode_segment(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Parses an API path (without query). `None` when the path is not under `/api` or `/apis`.
pub fn parse_path(registry: &Registry, path: &str) -> Result<Target, ApiError> {
    let raw: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let parts: Vec<String> = raw.iter().map(|s| decode_segment(s)).collect();
    let (group, version, mut rest, legacy) = match parts.first().map(String::as_str) {
        Some("api") => match parts.get(1) {
            None => return Ok(Target::Discovery { group: None, version: None, legacy: true }),
            Some(v) if v.is_empty() => return Ok(Target::Discovery { group: None, version: None, legacy: true }),
            Some(v) => (String::new(), v.clone(), &parts[2..], true),
        },
        Some("apis") => match (parts.get(1), parts.get(2)) {
            (None, _) => return Ok(Target::Discovery { group: None, version: None, legacy: false }),
            (Some(g), _) if g.is_empty() => {
                return Ok(Target::Discovery { group: None, version: None, legacy: false })
            }
            (Some(g), None) => {
                return Ok(Target::Discovery { group: Some(g.clone()), version: None, legacy: false })
            }
            (Some(g), Some(v)) if v.is_empty() => {
                return Ok(Target::Discovery { group: Some(g.clone()), version: None, legacy: false })
            }
            (Some(g), Some(v)) => (g.clone(), v.clone(), &parts[3..], false),
        },
        _ => return Err(ApiError::path_not_found()),
    };
    // A trailing slash leaves one empty segment.
    if rest.last().is_some_and(|s| s.is_empty()) && rest.len() <= 1 {
        rest = &rest[..rest.len() - 1];
    }
    if rest.is_empty() {
        return Ok(Target::Discovery { group: Some(group), version: Some(version), legacy });
    }
    let mut watch_prefix = false;
    if rest[0] == "watch" {
        watch_prefix = true;
        rest = &rest[1..];
    }
    let mut namespace = None;
    // `/namespaces/{ns}/{resource}...`, but `/namespaces/{name}/status|finalize` is the
    // namespace's own subresource.
    if rest.len() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize" {
        check_segment(&rest[1])?;
        namespace = Some(rest[1].clone());
        rest = &rest[2..];
    }
    let plural = &rest[0];
    let info = registry
        .lookup(&group, &version, plural)
        .ok_or_else(ApiError::path_not_found)?
        .clone();
    if namespace.is_some() && !info.namespaced {
        return Err(ApiError::path_not_found());
    }
    let name = match rest.get(1) {
        Some(n) => {
            check_segment(n)?;
            Some(n.clone())
        }
        None => None,
    };
    let subresource = rest.get(2).cloned();
    let extra: Vec<String> = rest.iter().skip(3).cloned().collect();
    if let Some(sub) = &subresource {
        if !info.subresources.iter().any(|s| s == sub) {
            return Err(ApiError::path_not_found());
        }
        if sub != "proxy" && !extra.is_empty() {
            return Err(ApiError::path_not_found());
        }
    }
    Ok(Target::Resource(ResourcePath { info, namespace, name, subresource, rest: extra, watch_prefix }))
}

/// The query parameters Kubernetes' REST handlers take.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<i64>,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub watch: bool,
    pub allow_watch_bookmarks: bool,
    pub send_initial_events: Option<bool>,
    pub timeout_seconds: Option<u64>,
    pub dry_run: bool,
    pub field_manager: Option<String>,
    pub field_validation: Option<String>,
    pub force: bool,
    pub grace_period_seconds: Option<i64>,
    pub propagation_policy: Option<String>,
    pub orphan_dependents: Option<bool>,
    pub include_object: Option<String>,
}

fn parse_bool(key: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_request(format!("invalid value {v:?} for boolean parameter {key}"))),
    }
}

fn parse_int<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, ApiError> {
    v.parse()
        .map_err(|_| ApiError::bad_request(format!("invalid value {v:?} for integer parameter {key}")))
}

impl Params {
    pub fn parse(query: Option<&str>) -> Result<Params, ApiError> {
        let mut p = Params::default();
        let Some(q) = query else { return Ok(p) };
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            let v = v.as_ref();
            match k.as_ref() {
                "labelSelector" => p.label_selector = Some(v.to_string()),
                "fieldSelector" => p.field_selector = Some(v.to_string()),
                "limit" => p.limit = Some(parse_int("limit", v)?),
                "continue" => p.continue_token = Some(v.to_string()).filter(|s| !s.is_empty()),
                "resourceVersion" => p.resource_version = Some(v.to_string()).filter(|s| !s.is_empty()),
                "resourceVersionMatch" => {
                    p.resource_version_match = Some(v.to_string()).filter(|s| !s.is_empty())
                }
                "watch" => p.watch = parse_bool("watch", v)?,
                "allowWatchBookmarks" => p.allow_watch_bookmarks = parse_bool("allowWatchBookmarks", v)?,
                "sendInitialEvents" => p.send_initial_events = Some(parse_bool("sendInitialEvents", v)?),
                "timeoutSeconds" => p.timeout_seconds = Some(parse_int("timeoutSeconds", v)?),
                "dryRun" => {
                    if v == "All" {
                        p.dry_run = true;
                    } else if !v.is_empty() {
                        return Err(ApiError::bad_request(format!(
                            "Invalid dry run value: {v}. Supported values: All"
                        )));
                    }
                }
                "fieldManager" => p.field_manager = Some(v.to_string()).filter(|s| !s.is_empty()),
                "fieldValidation" => p.field_validation = Some(v.to_string()).filter(|s| !s.is_empty()),
                "force" => p.force = parse_bool("force", v)?,
                "gracePeriodSeconds" => p.grace_period_seconds = Some(parse_int("gracePeriodSeconds", v)?),
                "propagationPolicy" => p.propagation_policy = Some(v.to_string()),
                "orphanDependents" => p.orphan_dependents = Some(parse_bool("orphanDependents", v)?),
                "includeObject" => p.include_object = Some(v.to_string()),
                _ => {}
            }
        }
        Ok(p)
    }
}

/// What the client asked to get back, from the `Accept` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendering {
    Object,
    Table,
    PartialObjectMetadata,
}

/// Picks the first acceptable representation in the client's order of preference.
pub fn negotiate(accept: Option<&str>) -> Result<Rendering, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return Ok(Rendering::Object) };
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let mut as_ = None;
        let mut g = None;
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                match k.trim() {
                    "as" => as_ = Some(v.trim()),
                    "g" => g = Some(v.trim()),
                    _ => {}
                }
            }
        }
        let json_like = matches!(media, "application/json" | "application/*" | "*/*" | "application/yaml");
        if !json_like {
            continue;
        }
        match (as_, g) {
            (None, _) => return Ok(Rendering::Object),
            (Some("Table"), Some("meta.k8s.io")) => return Ok(Rendering::Table),
            (Some("PartialObjectMetadata" | "PartialObjectMetadataList"), Some("meta.k8s.io")) => {
                return Ok(Rendering::PartialObjectMetadata)
            }
            _ => continue,
        }
    }
    Err(ApiError::not_acceptable(accept))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        Registry::builtin()
    }

    fn res(path: &str) -> ResourcePath {
        match parse_path(&reg(), path).unwrap() {
            Target::Resource(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_paths() {
        let r = res("/api/v1/namespaces/default/pods/web");
        assert_eq!((r.info.plural, r.namespace.as_deref(), r.name.as_deref()), ("pods", Some("default"), Some("web")));
        let r = res("/api/v1/namespaces/kube-system");
        assert_eq!((r.info.plural, r.namespace, r.name.as_deref()), ("namespaces", None, Some("kube-system")));
        let r = res("/api/v1/namespaces/x/status");
        assert_eq!((r.info.plural, r.name.as_deref(), r.subresource.as_deref()), ("namespaces", Some("x"), Some("status")));
        let r = res("/apis/apps/v1/namespaces/a/deployments/d/scale");
        assert_eq!(r.subresource.as_deref(), Some("scale"));
        let r = res("/api/v1/pods");
        assert_eq!((r.info.plural, r.namespace, r.name), ("pods", None, None));
        let r = res("/api/v1/watch/namespaces/a/pods");
        assert!(r.watch_prefix);
        assert!(matches!(parse_path(&reg(), "/apis/apps/v1").unwrap(), Target::Discovery { .. }));
        assert!(matches!(parse_path(&reg(), "/api").unwrap(), Target::Discovery { legacy: true, .. }));
    }

    #[test]
    fn rejects_bad_paths() {
        assert_eq!(parse_path(&reg(), "/api/v1/nope").unwrap_err().code, 404);
        assert_eq!(parse_path(&reg(), "/api/v1/namespaces/default/pods/..").unwrap_err().code, 400);
        assert_eq!(parse_path(&reg(), "/api/v1/namespaces/default/pods/a%2Fb").unwrap_err().code, 400);
        assert_eq!(parse_path(&reg(), "/api/v1/namespaces/default/pods/x/bogus").unwrap_err().code, 404);
        assert_eq!(parse_path(&reg(), "/api/v1/namespaces/default/nodes").unwrap_err().code, 404);
    }

    #[test]
    fn negotiates_tables() {
        let a = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(Some(a)).unwrap(), Rendering::Table);
        assert_eq!(negotiate(Some("application/json")).unwrap(), Rendering::Object);
        assert_eq!(negotiate(None).unwrap(), Rendering::Object);
        assert_eq!(negotiate(Some("application/vnd.kubernetes.protobuf, application/json")).unwrap(), Rendering::Object);
        assert_eq!(negotiate(Some("application/vnd.kubernetes.protobuf")).unwrap_err().code, 406);
    }

    #[test]
    fn params() {
        let p = Params::parse(Some("labelSelector=app%3Dweb&limit=5&dryRun=All&watch=true")).unwrap();
        assert_eq!(p.label_selector.as_deref(), Some("app=web"));
        assert_eq!(p.limit, Some(5));
        assert!(p.dry_run && p.watch);
        assert_eq!(Params::parse(Some("limit=x")).unwrap_err().code, 400);
    }
}
