//! Label selectors (`-l`, `labelSelector=`, `metav1.LabelSelector`) and field
//! selectors (`--field-selector`, `fieldSelector=`), with Kubernetes' grammar, the
//! fields each kind supports and Kubernetes' error texts.
//!
//! Both parsers run in one linear pass and refuse selectors beyond
//! [`MAX_SELECTOR_LEN`] bytes or [`MAX_REQUIREMENTS`] terms, so an enormous query
//! string costs a clean 400 instead of CPU.

use crate::registry::ResourceInfo;
use crate::validation::names::{is_qualified_name, is_valid_label_value};
use serde_json::{Map, Value};
use std::fmt;

/// Longest selector string accepted, in bytes.
pub const MAX_SELECTOR_LEN: usize = 256 * 1024;
/// Most requirements (comma-separated terms, or values in one set) accepted.
pub const MAX_REQUIREMENTS: usize = 4096;

/// Why a selector was refused. `Display` is the text Kubernetes puts in its 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// A label selector that does not parse (Kubernetes' own parser message).
    #[error("{0}")]
    LabelSyntax(String),
    /// A field selector that does not parse.
    #[error("{0}")]
    FieldSyntax(String),
    /// A field the kind does not support selecting on.
    #[error("{0}")]
    UnsupportedField(String),
    /// The selector is longer or has more terms than rkube accepts.
    #[error("{what} selector is too large: at most {max} {unit} allowed")]
    TooLarge {
        what: &'static str,
        max: usize,
        unit: &'static str,
    },
}

/// A label selector operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One requirement of a label selector; values are sorted and de-duplicated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    fn has_value(&self, v: &str) -> bool {
        self.values.binary_search_by(|x| x.as_str().cmp(v)).is_ok()
    }

    fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let val = labels
            .and_then(|l| l.get(&self.key))
            .and_then(Value::as_str);
        let present = labels.is_some_and(|l| l.contains_key(&self.key));
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                val.is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => !val.is_some_and(|v| self.has_value(v)),
            Operator::Exists => present,
            Operator::DoesNotExist => !present,
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(have)) = val.map(str::parse::<i64>) else {
                    return false;
                };
                let Some(Ok(want)) = self.values.first().map(|s| s.parse::<i64>()) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let joined = self.values.join(",");
        match self.operator {
            Operator::Exists | Operator::DoesNotExist => Ok(()),
            Operator::Equals => write!(f, "={joined}"),
            Operator::DoubleEquals => write!(f, "=={joined}"),
            Operator::NotEquals => write!(f, "!={joined}"),
            Operator::GreaterThan => write!(f, ">{joined}"),
            Operator::LessThan => write!(f, "<{joined}"),
            Operator::In => write!(f, " in ({joined})"),
            Operator::NotIn => write!(f, " notin ({joined})"),
        }
    }
}

/// A parsed label selector: the AND of its requirements.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    /// A `null` `metav1.LabelSelector` selects nothing, unlike an empty one.
    nothing: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    End,
    ClosedPar,
    Comma,
    Bang,
    DoubleEquals,
    Equals,
    Gt,
    Ident,
    In,
    Lt,
    NotEquals,
    NotIn,
    OpenPar,
    Error,
}

fn special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn symbol_token(s: &[u8]) -> Option<Tok> {
    Some(match s {
        b")" => Tok::ClosedPar,
        b"," => Tok::Comma,
        b"!" => Tok::Bang,
        b"==" => Tok::DoubleEquals,
        b"=" => Tok::Equals,
        b">" => Tok::Gt,
        b"<" => Tok::Lt,
        b"!=" => Tok::NotEquals,
        b"(" => Tok::OpenPar,
        _ => return None,
    })
}

/// Splits a label selector into tokens as Kubernetes' lexer does.
fn lex(s: &str) -> Vec<(Tok, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            out.push((Tok::End, String::new()));
            return out;
        }
        if special(b[i]) {
            // Longest run of symbols that still forms a known operator.
            let start = i;
            let mut last: Option<(Tok, usize)> = None;
            let mut j = i;
            while j < b.len() && special(b[j]) {
                j += 1;
                if let Some(t) = symbol_token(&b[start..j]) {
                    last = Some((t, j));
                } else if last.is_some() {
                    break;
                }
            }
            match last {
                Some((t, end)) => {
                    out.push((t, s[start..end].to_string()));
                    i = end;
                }
                None => {
                    out.push((
                        Tok::Error,
                        format!("error expected: keyword found '{}'", &s[start..j]),
                    ));
                    i = j;
                }
            }
        } else {
            let start = i;
            while i < b.len() && !special(b[i]) && !space(b[i]) {
                i += 1;
            }
            let word = &s[start..i];
            let tok = match word {
                "in" => Tok::In,
                "notin" => Tok::NotIn,
                _ => Tok::Ident,
            };
            out.push((tok, word.to_string()));
        }
    }
}

struct Parser {
    items: Vec<(Tok, String)>,
    pos: usize,
}

impl Parser {
    /// In value position `in` and `notin` are ordinary identifiers.
    fn values_tok(t: Tok) -> Tok {
        match t {
            Tok::In | Tok::NotIn => Tok::Ident,
            t => t,
        }
    }

    fn lookahead(&self, values: bool) -> (Tok, &str) {
        let (t, l) = &self.items[self.pos.min(self.items.len() - 1)];
        (if values { Self::values_tok(*t) } else { *t }, l)
    }

    fn consume(&mut self, values: bool) -> (Tok, String) {
        let idx = self.pos.min(self.items.len() - 1);
        self.pos += 1;
        let (t, l) = &self.items[idx];
        (if values { Self::values_tok(*t) } else { *t }, l.clone())
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(true);
            match tok {
                Tok::Ident | Tok::Bang => {
                    let r = self
                        .requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(true);
                    match t {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(true);
                            if t2 != Tok::Ident && t2 != Tok::Bang {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::End => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ))
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let mut op = None;
        let (mut tok, mut key) = self.consume(true);
        if tok == Tok::Bang {
            op = Some(Operator::DoesNotExist);
            (tok, key) = self.consume(true);
        }
        if tok != Tok::Ident {
            return Err(format!("found '{key}', expected: identifier"));
        }
        let key_errs = is_qualified_name(&key);
        if !key_errs.is_empty() {
            return Err(format!(
                "<nil>: Invalid value: {}: {}",
                go_quote(&key),
                key_errs.join("; ")
            ));
        }
        let (next, _) = self.lookahead(true);
        if next == Tok::End || next == Tok::Comma {
            let operator = op.unwrap_or(Operator::Exists);
            return Ok(Requirement {
                key,
                operator,
                values: Vec::new(),
            });
        }
        let (tok, lit) = self.consume(false);
        let operator = match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::Gt => Operator::GreaterThan,
            Tok::Lt => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => {
                return Err(format!(
                    "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
                ));
            }
        };
        let mut values = match operator {
            Operator::In | Operator::NotIn => self.set_values()?,
            _ => self.exact_value()?,
        };
        values.sort();
        values.dedup();
        new_requirement(key, operator, values)
    }

    fn set_values(&mut self) -> Result<Vec<String>, String> {
        let (tok, lit) = self.consume(true);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(true);
        let lit = lit.to_string();
        match tok {
            Tok::Ident | Tok::Comma => {
                let s = self.identifiers()?;
                if self.consume(true).0 != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Tok::ClosedPar => {
                self.consume(true);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn identifiers(&mut self) -> Result<Vec<String>, String> {
        let mut s: Vec<String> = Vec::new();
        loop {
            if s.len() > MAX_REQUIREMENTS {
                return Err(format!(
                    "too many values: at most {MAX_REQUIREMENTS} allowed"
                ));
            }
            let (tok, lit) = self.consume(true);
            match tok {
                Tok::Ident => {
                    s.push(lit);
                    let (t2, l2) = self.lookahead(true);
                    match t2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if s.is_empty() {
                        s.push(String::new());
                    }
                    let (t2, _) = self.lookahead(true);
                    if t2 == Tok::ClosedPar {
                        s.push(String::new());
                        return Ok(s);
                    }
                    if t2 == Tok::Comma {
                        s.push(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn exact_value(&mut self) -> Result<Vec<String>, String> {
        let (tok, _) = self.lookahead(true);
        if tok == Tok::End || tok == Tok::Comma {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(true);
        if tok == Tok::Ident {
            return Ok(vec![lit]);
        }
        Err(format!("found '{lit}', expected: identifier"))
    }
}

/// Go's `%q` for the strings that reach messages (ASCII printable in practice).
pub(crate) fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Kubernetes' `NewRequirement` checks on an already-tokenised requirement.
fn new_requirement(
    key: String,
    operator: Operator,
    values: Vec<String>,
) -> Result<Requirement, String> {
    let mut errs: Vec<String> = Vec::new();
    let key_errs = is_qualified_name(&key);
    if !key_errs.is_empty() {
        errs.push(format!(
            "key: Invalid value: {}: {}",
            go_quote(&key),
            key_errs.join("; ")
        ));
    }
    let vals_go = || {
        let quoted: Vec<String> = values.iter().map(|v| go_quote(v)).collect();
        format!("[{}]", quoted.join(","))
    };
    match operator {
        Operator::In | Operator::NotIn if values.is_empty() => errs.push(format!(
            "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
            vals_go()
        )),
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
            errs.push(format!(
                "values: Invalid value: {}: exact-match compatibility requires one single value",
                vals_go()
            ))
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => errs.push(format!(
            "values: Invalid value: {}: values set must be empty for exists and does not exist",
            vals_go()
        )),
        Operator::GreaterThan | Operator::LessThan => {
            if values.len() != 1 {
                errs.push(format!(
                    "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                    vals_go()
                ));
            }
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(format!(
                        "values[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                        go_quote(v)
                    ));
                }
            }
        }
        _ => {}
    }
    for (i, v) in values.iter().enumerate() {
        let v_errs = is_valid_label_value(v);
        if !v_errs.is_empty() {
            errs.push(format!(
                "values[{i}][{key}]: Invalid value: {}: {}",
                go_quote(v),
                v_errs.join("; ")
            ));
        }
    }
    errs.dedup();
    match errs.len() {
        0 => Ok(Requirement {
            key,
            operator,
            values,
        }),
        1 => Err(errs.remove(0)),
        _ => Err(format!("[{}]", errs.join(", "))),
    }
}

impl LabelSelector {
    /// Parses the string form (`a=b,c in (d,e),!f`).
    pub fn parse(s: &str) -> Result<LabelSelector, SelectorError> {
        if s.len() > MAX_SELECTOR_LEN {
            return Err(SelectorError::TooLarge {
                what: "label",
                max: MAX_SELECTOR_LEN,
                unit: "bytes",
            });
        }
        let mut p = Parser {
            items: lex(s),
            pos: 0,
        };
        if p.items.iter().filter(|(t, _)| *t == Tok::Comma).count() > 2 * MAX_REQUIREMENTS {
            return Err(too_many_terms("label"));
        }
        match p.parse() {
            Ok(requirements) if requirements.len() > MAX_REQUIREMENTS => {
                Err(too_many_terms("label"))
            }
            Ok(mut requirements) => {
                requirements.sort_by(|a, b| a.key.cmp(&b.key));
                Ok(LabelSelector {
                    requirements,
                    nothing: false,
                })
            }
            Err(e) => Err(SelectorError::LabelSyntax(e)),
        }
    }

    /// Builds a selector from a `metav1.LabelSelector` object (`matchLabels`,
    /// `matchExpressions`). `null` selects nothing; `{}` selects everything.
    pub fn from_api(sel: &Value) -> Result<LabelSelector, SelectorError> {
        let Some(obj) = sel.as_object() else {
            return Ok(LabelSelector {
                requirements: Vec::new(),
                nothing: true,
            });
        };
        let mut requirements = Vec::new();
        if let Some(ml) = obj.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in ml {
                let v = v.as_str().unwrap_or_default().to_string();
                let r = new_requirement(k.clone(), Operator::Equals, vec![v])
                    .map_err(SelectorError::LabelSyntax)?;
                requirements.push(r);
            }
        }
        if let Some(exprs) = obj.get("matchExpressions").and_then(Value::as_array) {
            for e in exprs {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let op_str = e
                    .get("operator")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let operator = match op_str {
                    "In" => Operator::In,
                    "NotIn" => Operator::NotIn,
                    "Exists" => Operator::Exists,
                    "DoesNotExist" => Operator::DoesNotExist,
                    other => {
                        return Err(SelectorError::LabelSyntax(format!(
                            "{} is not a valid label selector operator",
                            go_quote(other)
                        )))
                    }
                };
                let mut values: Vec<String> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                values.sort();
                values.dedup();
                requirements.push(
                    new_requirement(key, operator, values).map_err(SelectorError::LabelSyntax)?,
                );
            }
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector {
            requirements,
            nothing: false,
        })
    }

    /// A selector requiring every `key: value` of a plain map (Service and
    /// ReplicationController selectors, `SelectorFromSet`); an empty map selects
    /// everything. Values are not checked, as in Kubernetes.
    pub fn from_set(set: &Map<String, Value>) -> LabelSelector {
        let mut requirements: Vec<Requirement> = set
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.as_str().unwrap_or_default().to_string()],
            })
            .collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        LabelSelector {
            requirements,
            nothing: false,
        }
    }

    /// Whether an object with these labels (`metadata.labels`, possibly absent) is
    /// selected.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// True when the selector selects everything.
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// The value a selector requires for `key` exactly (`key=v` or `key in (v)`).
    pub fn exact_match(&self, key: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key == key)?;
        match r.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In if r.values.len() == 1 => {
                Some(&r.values[0])
            }
            _ => None,
        }
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

fn too_many_terms(what: &'static str) -> SelectorError {
    SelectorError::TooLarge {
        what,
        max: MAX_REQUIREMENTS,
        unit: "terms",
    }
}

/// One `field=value` or `field!=value` term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTerm {
    pub field: String,
    pub value: String,
    pub negated: bool,
}

/// A parsed field selector for one kind: the AND of its terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
    /// `(group, kind)` the fields are read from.
    group: &'static str,
    kind: &'static str,
}

/// The fields Kubernetes lets a kind be selected on, beyond `metadata.name` and
/// `metadata.namespace`. `None` means the kind has no conversion function of its
/// own, which changes the error text.
fn extra_fields(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    Some(match (group, kind) {
        ("", "Pod") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        ("events.k8s.io", "Event") => &[
            "regarding.kind",
            "regarding.namespace",
            "regarding.name",
            "regarding.uid",
            "regarding.apiVersion",
            "regarding.resourceVersion",
            "regarding.fieldPath",
            "reason",
            "reportingController",
            "type",
        ],
        ("", "Event") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "Secret") => &["type"],
        ("", "Node") => &["spec.unschedulable"],
        ("", "Namespace") => &["status.phase"],
        ("", "ReplicationController") | ("apps", "ReplicaSet") => &["status.replicas"],
        ("batch", "Job") => &["status.successful"],
        ("", "Service") => &["spec.clusterIP", "spec.type"],
        _ => return None,
    })
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let value = t
                .value
                .replace('\\', "\\\\")
                .replace(',', "\\,")
                .replace('=', "\\=");
            write!(
                f,
                "{}{}{value}",
                t.field,
                if t.negated { "!=" } else { "=" }
            )?;
        }
        Ok(())
    }
}

fn unescape_field_value(v: &str) -> Result<String, SelectorError> {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('\\' | ',' | '=')) => out.push(e),
                other => {
                    let seq = format!("\\{}", other.map(String::from).unwrap_or_default());
                    return Err(SelectorError::FieldSyntax(format!(
                        "invalid field selector: invalid escape sequence: {seq}"
                    )));
                }
            },
            ',' | '=' => {
                return Err(SelectorError::FieldSyntax(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                )))
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Splits on commas that are not escaped with a backslash.
fn split_terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    out.push(&s[start..]);
    out
}

/// Finds the first unescaped operator of a term: `!=`, `==` or `=`.
fn split_term(term: &str) -> Option<(&str, bool, &str)> {
    let b = term.as_bytes();
    let mut escaped = false;
    for i in 0..b.len() {
        if escaped {
            escaped = false;
            continue;
        }
        match b[i] {
            b'\\' => escaped = true,
            b'!' if b.get(i + 1) == Some(&b'=') => return Some((&term[..i], true, &term[i + 2..])),
            b'=' if b.get(i + 1) == Some(&b'=') => {
                return Some((&term[..i], false, &term[i + 2..]))
            }
            b'=' => return Some((&term[..i], false, &term[i + 1..])),
            _ => {}
        }
    }
    None
}

impl FieldSelector {
    /// Parses a field selector for the kind `info`, refusing fields the kind does not
    /// support with Kubernetes' message.
    pub fn parse(info: &ResourceInfo, s: &str) -> Result<FieldSelector, SelectorError> {
        if s.len() > MAX_SELECTOR_LEN {
            return Err(SelectorError::TooLarge {
                what: "field",
                max: MAX_SELECTOR_LEN,
                unit: "bytes",
            });
        }
        let mut terms = Vec::new();
        let parts = split_terms(s);
        if parts.len() > MAX_REQUIREMENTS {
            return Err(too_many_terms("field"));
        }
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((field, negated, raw)) = split_term(part) else {
                return Err(SelectorError::FieldSyntax(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                )));
            };
            let value = unescape_field_value(raw)?;
            let field = field.to_string();
            let supported = field == "metadata.name" || field == "metadata.namespace";
            match extra_fields(info.group, info.kind) {
                Some(extra) if !supported && !extra.contains(&field.as_str()) => {
                    return Err(SelectorError::UnsupportedField(format!(
                        "field label not supported: {field}"
                    )));
                }
                None if !supported => {
                    return Err(SelectorError::UnsupportedField(format!(
                        "\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                    )));
                }
                _ => {}
            }
            terms.push(FieldTerm {
                field,
                value,
                negated,
            });
        }
        terms.sort_by(|a, b| a.field.cmp(&b.field));
        Ok(FieldSelector {
            terms,
            group: info.group,
            kind: info.kind,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    /// The value an `=`/`==` term requires for `field`, to narrow a store read.
    pub fn exact_field(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.field == field && !t.negated)
            .map(|t| t.value.as_str())
    }

    /// Whether `obj` satisfies every term. A field absent from the object reads as
    /// `""` (Go's zero value), booleans and numbers as their decimal text.
    pub fn matches(&self, obj: &Value) -> bool {
        self.terms.iter().all(|t| {
            let values = field_values(self.group, self.kind, obj, &t.field);
            let hit = values.contains(&t.value);
            hit != t.negated
        })
    }
}

fn text_at(obj: &Value, path: &[&str]) -> String {
    let mut cur = obj;
    for p in path {
        match cur.get(p) {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The values a field selector compares `field` against (several only for
/// `status.podIPs`).
fn field_values(group: &str, kind: &str, obj: &Value, field: &str) -> Vec<String> {
    let one = |path: &[&str]| vec![text_at(obj, path)];
    match (group, kind, field) {
        (_, _, "metadata.name") => one(&["metadata", "name"]),
        (_, _, "metadata.namespace") => one(&["metadata", "namespace"]),
        ("", "Pod", "spec.hostNetwork") | ("", "Node", "spec.unschedulable") => {
            let v = obj.pointer(&format!("/{}", field.replace('.', "/")));
            vec![v.and_then(Value::as_bool).unwrap_or(false).to_string()]
        }
        ("", "Pod", "status.podIP") => {
            let first = obj.pointer("/status/podIPs/0/ip").and_then(Value::as_str);
            let legacy = obj.pointer("/status/podIP").and_then(Value::as_str);
            vec![first.or(legacy).unwrap_or_default().to_string()]
        }
        ("", "Pod", "status.podIPs") => {
            let ips: Vec<String> = obj
                .pointer("/status/podIPs")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|ip| text_at(ip, &["ip"])).collect())
                .unwrap_or_default();
            if ips.is_empty() {
                vec![String::new()]
            } else {
                ips
            }
        }
        ("", "ReplicationController", "status.replicas")
        | ("apps", "ReplicaSet", "status.replicas")
        | ("batch", "Job", "status.successful") => {
            let v = obj.pointer(&format!("/{}", field.replace('.', "/")));
            vec![v.and_then(Value::as_i64).unwrap_or(0).to_string()]
        }
        (_, "Event", f) if group.is_empty() || group == "events.k8s.io" => {
            // Both groups serve the same stored Events; read the field from whichever
            // shape the object has.
            let core_name = match f {
                "reportingController" => "reportingComponent".to_string(),
                f => match f.strip_prefix("regarding.") {
                    Some(rest) => format!("involvedObject.{rest}"),
                    None => f.to_string(),
                },
            };
            let new_shape = match obj.get("apiVersion").and_then(Value::as_str) {
                Some(av) => av == "events.k8s.io/v1",
                None => group == "events.k8s.io",
            };
            let path: Vec<&str> = match (core_name.as_str(), new_shape) {
                ("reportingComponent", true) => vec!["reportingController"],
                ("source", true) => vec!["deprecatedSource", "component"],
                ("source", false) => vec!["source", "component"],
                (name, shape) => match name.strip_prefix("involvedObject.") {
                    Some(rest) => vec![if shape { "regarding" } else { "involvedObject" }, rest],
                    None => name.split('.').collect(),
                },
            };
            one(&path)
        }
        (_, _, f) => {
            let path: Vec<&str> = f.split('.').collect();
            one(&path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn lerr(s: &str) -> String {
        LabelSelector::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn label_equality_and_sets() {
        let l = labels(json!({"app": "web", "tier": "fe", "n": "5"}));
        let ok = |s: &str| LabelSelector::parse(s).unwrap().matches(Some(&l));
        assert!(ok("app=web"));
        assert!(ok("app==web"));
        assert!(!ok("app!=web"));
        assert!(ok("app in (web, db)"));
        assert!(!ok("app notin (web)"));
        assert!(ok("tier,!missing"));
        assert!(!ok("!tier"));
        assert!(ok("missing notin (x)"));
        assert!(ok("n>4,n<6"));
        assert!(ok(""));
        assert!(!ok("x in (in, notin),app"));
        assert!(LabelSelector::parse("").unwrap().is_empty());
        assert!(!LabelSelector::parse("a").unwrap().matches(None));
        assert!(LabelSelector::parse("!a").unwrap().matches(None));
        let s = LabelSelector::parse("b in (y,x),a=1").unwrap();
        assert_eq!(s.to_string(), "a=1,b in (x,y)");
        assert_eq!(s.exact_match("a"), Some("1"));
        assert_eq!(s.exact_match("b"), None);
        assert!(LabelSelector::parse("a=")
            .unwrap()
            .matches(Some(&labels(json!({"a": ""})))));
    }

    #[test]
    fn label_parse_errors_match_kubernetes() {
        assert_eq!(
            lerr("a in"),
            "unable to parse requirement: found '' expected: '('"
        );
        assert_eq!(
            lerr("a b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(lerr("a=b c"), "found 'c', expected: ',' or 'end of string'");
        assert_eq!(lerr("a,"), "found '', expected: identifier after ','");
        assert_eq!(
            lerr("=a"),
            "found '=', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            lerr("a (b)"),
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(
            lerr("a in (b c)"),
            "unable to parse requirement: found 'c', expected: ',' or ')'"
        );
        assert!(lerr("a_=b").starts_with(
            "unable to parse requirement: <nil>: Invalid value: \"a_\": name part must consist of"
        ));
        assert!(lerr("a=b_").starts_with(
            "unable to parse requirement: values[0][a]: Invalid value: \"b_\": a valid label must be"
        ));
        assert_eq!(
            lerr("a>b"),
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
    }

    #[test]
    fn label_selector_from_api() {
        let sel = json!({"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]});
        let s = LabelSelector::from_api(&sel).unwrap();
        assert!(s.matches(Some(&labels(json!({"app": "web", "tier": "be"})))));
        assert!(!s.matches(Some(&labels(json!({"app": "web"})))));
        assert!(!LabelSelector::from_api(&Value::Null)
            .unwrap()
            .matches(Some(&Map::new())));
        assert!(LabelSelector::from_api(&json!({})).unwrap().matches(None));
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Foo"}]});
        assert_eq!(
            LabelSelector::from_api(&bad).unwrap_err().to_string(),
            "\"Foo\" is not a valid label selector operator"
        );
    }

    #[test]
    fn enormous_selectors_are_refused_cleanly() {
        let long = "a,".repeat(MAX_REQUIREMENTS + 10) + "a";
        assert!(matches!(
            LabelSelector::parse(&long),
            Err(SelectorError::TooLarge { .. })
        ));
        let huge = "a".repeat(MAX_SELECTOR_LEN + 1);
        assert!(matches!(
            LabelSelector::parse(&huge),
            Err(SelectorError::TooLarge { .. })
        ));
        let reg = Registry::builtin();
        let pods = reg.lookup("", "v1", "pods").unwrap();
        let many = "metadata.name=a,".repeat(MAX_REQUIREMENTS + 1);
        assert!(matches!(
            FieldSelector::parse(pods, &many),
            Err(SelectorError::TooLarge { .. })
        ));
        let set = format!("a in ({})", vec!["v"; MAX_REQUIREMENTS + 5].join(","));
        assert!(LabelSelector::parse(&set).is_err());
    }

    #[test]
    fn field_selectors() {
        let reg = Registry::builtin();
        let pods = reg.lookup("", "v1", "pods").unwrap();
        let pod = json!({"metadata": {"name": "p", "namespace": "d"},
            "spec": {"nodeName": "n1", "restartPolicy": "Always"},
            "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]}});
        let m = |s: &str| FieldSelector::parse(pods, s).unwrap().matches(&pod);
        assert!(m("spec.nodeName=n1"));
        assert!(m("spec.nodeName==n1,metadata.namespace=d"));
        assert!(!m("spec.nodeName!=n1"));
        assert!(m("status.phase!=Pending"));
        assert!(m("spec.hostNetwork=false"));
        assert!(m("status.podIP=10.0.0.1"));
        assert!(m("status.podIPs=fd00::1"));
        assert!(m("spec.schedulerName="));
        assert!(m(""));
        let fs = FieldSelector::parse(pods, "spec.nodeName=n1,metadata.name!=x").unwrap();
        assert_eq!(fs.exact_field("spec.nodeName"), Some("n1"));
        assert_eq!(fs.exact_field("metadata.name"), None);
        assert_eq!(
            FieldSelector::parse(pods, "foo=bar")
                .unwrap_err()
                .to_string(),
            "field label not supported: foo"
        );
        let cms = reg.lookup("", "v1", "configmaps").unwrap();
        assert_eq!(
            FieldSelector::parse(cms, "data.x=1").unwrap_err().to_string(),
            "\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        assert_eq!(
            FieldSelector::parse(pods, "spec.nodeName")
                .unwrap_err()
                .to_string(),
            "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'"
        );
        let esc = FieldSelector::parse(cms, r"metadata.name=a\,b").unwrap();
        assert_eq!(esc.exact_field("metadata.name"), Some("a,b"));
        assert!(FieldSelector::parse(cms, "metadata.name=a=b").is_err());
    }

    #[test]
    fn set_selectors_and_display() {
        let set = labels(json!({"app": "web", "tier": "fe"}));
        let s = LabelSelector::from_set(&set);
        assert!(s.matches(Some(&labels(json!({"app": "web", "tier": "fe", "x": "y"})))));
        assert!(!s.matches(Some(&labels(json!({"app": "web"})))));
        assert!(LabelSelector::from_set(&Map::new()).is_empty());
        let reg = Registry::builtin();
        let pods = reg.lookup("", "v1", "pods").unwrap();
        let fs = FieldSelector::parse(pods, r"spec.nodeName!=a\,b,metadata.name=x").unwrap();
        assert_eq!(fs.to_string(), r"metadata.name=x,spec.nodeName!=a\,b");
    }

    #[test]
    fn event_field_selectors_for_both_groups() {
        let reg = Registry::builtin();
        let core = reg.lookup("", "v1", "events").unwrap();
        let new = reg.lookup("events.k8s.io", "v1", "events").unwrap();
        let core_ev = json!({"involvedObject": {"kind": "Pod", "name": "p"}, "reason": "Started",
            "source": {"component": "kubelet"}, "type": "Normal"});
        let new_ev = json!({"regarding": {"kind": "Pod", "name": "p"}, "reason": "Started",
            "deprecatedSource": {"component": "kubelet"}, "reportingController": "kubelet"});
        let sel = "involvedObject.kind=Pod,involvedObject.name=p,source=kubelet";
        assert!(FieldSelector::parse(core, sel).unwrap().matches(&core_ev));
        let mut core_ev = core_ev;
        core_ev["apiVersion"] = json!("v1");
        core_ev["reportingComponent"] = json!("kubelet");
        assert!(FieldSelector::parse(core, "reportingComponent=kubelet")
            .unwrap()
            .matches(&core_ev));
        let sel_new =
            "regarding.kind=Pod,regarding.name=p,reportingController=kubelet,reason=Started";
        assert!(FieldSelector::parse(new, sel_new).unwrap().matches(&new_ev));
        // The stored (core) shape answers events.k8s.io selectors too.
        assert!(FieldSelector::parse(new, sel_new)
            .unwrap()
            .matches(&core_ev));
        assert_eq!(
            FieldSelector::parse(new, "involvedObject.name=p")
                .unwrap_err()
                .to_string(),
            "field label not supported: involvedObject.name"
        );
        let secrets = reg.lookup("", "v1", "secrets").unwrap();
        let s = json!({"type": "Opaque"});
        assert!(FieldSelector::parse(secrets, "type=Opaque")
            .unwrap()
            .matches(&s));
        let rs = reg.lookup("apps", "v1", "replicasets").unwrap();
        assert!(FieldSelector::parse(rs, "status.replicas=0")
            .unwrap()
            .matches(&json!({})));
    }
}
