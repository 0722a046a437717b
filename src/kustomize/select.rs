//! Patch targets: kustomize's selector (anchored regexes plus label and annotation selectors).

use regex::Regex;

use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::yaml::{Node, Span, Value};

/// A parsed `target:` of a patch or replacement.
#[derive(Clone, Debug)]
pub struct Selector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
    /// Whether `name` was given (patchesJson6902 requires it).
    pub has_name: bool,
}

const FIELDS: &[&str] = &[
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "labelSelector",
    "annotationSelector",
];

impl Selector {
    /// Reads a `target:` mapping.
    pub fn parse(node: &Node, file: &str) -> Result<Selector> {
        let span = node.span.clone().unwrap_or_else(|| Span::file(file.into()));
        let Value::Map(m) = &node.value else {
            return Err(Error::new(span, "target must be a mapping"));
        };
        for e in m.entries() {
            if !FIELDS.contains(&e.key.as_str()) {
                return Err(Error::new(
                    e.key_span.clone().unwrap_or(span.clone()),
                    format!("target: unknown field {:?}", e.key),
                ));
            }
        }
        let text = |key: &str| -> Result<Option<(String, Span)>> {
            match m.get(key) {
                None => Ok(None),
                Some(n) => {
                    let at = n.span.clone().unwrap_or(span.clone());
                    match &n.value {
                        Value::Null => Ok(None),
                        Value::Str(s) if s.is_empty() => Ok(None),
                        Value::Str(s) => Ok(Some((s.to_string(), at))),
                        _ => Err(Error::new(at, format!("target.{key} must be a string"))),
                    }
                }
            }
        };
        let re = |key: &str| -> Result<Option<Regex>> {
            text(key)?
                .map(|(s, at)| {
                    Regex::new(&format!("^(?:{s})$")).map_err(|e| {
                        Error::new(
                            at,
                            format!("target.{key} is not a valid regular expression: {e}"),
                        )
                    })
                })
                .transpose()
        };
        let sel = |key: &str| -> Result<Option<LabelSelector>> {
            text(key)?
                .map(|(s, at)| {
                    LabelSelector::parse(&s)
                        .map_err(|e| Error::new(at, format!("target.{key}: {e}")))
                })
                .transpose()
        };
        Ok(Selector {
            group: re("group")?,
            version: re("version")?,
            kind: re("kind")?,
            has_name: text("name")?.is_some(),
            name: re("name")?,
            namespace: re("namespace")?,
            labels: sel("labelSelector")?,
            annotations: sel("annotationSelector")?,
        })
    }

    /// Whether `r` is selected. Names and namespaces are tried against the original id, then
    /// the current one, as kustomize does.
    pub fn matches(&self, r: &Resource) -> bool {
        let cur = r.id();
        let org = r.original_id();
        let hit = |re: &Option<Regex>, s: &str| re.as_ref().is_none_or(|re| re.is_match(s));
        let eff_ns = |ns: &str| {
            if ns.is_empty() {
                "default".to_string()
            } else {
                ns.to_string()
            }
        };
        if self.namespace.is_some()
            && !hit(&self.namespace, &eff_ns(&org.namespace))
            && !hit(&self.namespace, &eff_ns(&cur.namespace))
        {
            return false;
        }
        if !hit(&self.name, &org.name) && !hit(&self.name, &cur.name) {
            return false;
        }
        if !hit(&self.group, &cur.gvk.group)
            || !hit(&self.version, &cur.gvk.version)
            || !hit(&self.kind, &cur.gvk.kind)
        {
            return false;
        }
        let pairs = |key: &str| -> Vec<(String, String)> {
            r.node
                .get_path(&["metadata", key])
                .and_then(Node::as_map)
                .map(|m| {
                    m.entries()
                        .iter()
                        .filter_map(|e| {
                            e.value.as_str().map(|v| (e.key.to_string(), v.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        if let Some(ls) = &self.labels
            && !ls.matches(&pairs("labels"))
        {
            return false;
        }
        if let Some(asel) = &self.annotations
            && !asel.matches(&pairs("annotations"))
        {
            return false;
        }
        true
    }
}

/// A Kubernetes label selector in its string form: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl LabelSelector {
    /// Parses the string form.
    pub fn parse(s: &str) -> std::result::Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        for part in split_top(s)? {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("empty requirement in selector {s:?}"));
            }
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement::NotExists(check_key(key.trim())?)
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotIn(check_key(k.trim())?, vec![v.trim().to_string()])
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::In(check_key(k.trim())?, vec![v.trim().to_string()])
            } else if let Some((k, rest)) = split_word(part, "notin") {
                Requirement::NotIn(check_key(k)?, set(rest)?)
            } else if let Some((k, rest)) = split_word(part, "in") {
                Requirement::In(check_key(k)?, set(rest)?)
            } else {
                Requirement::Exists(check_key(part)?)
            };
            reqs.push(req);
        }
        Ok(LabelSelector { reqs })
    }

    /// Whether a set of labels satisfies every requirement.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .find(|(lk, _)| lk == k)
                .map(|(_, v)| v.as_str())
        };
        self.reqs.iter().all(|r| match r {
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }
}

/// Splits at commas outside parentheses.
fn split_top(s: &str) -> std::result::Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced ')' in selector {s:?}"));
                }
            }
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("unbalanced '(' in selector {s:?}"));
    }
    parts.push(&s[start..]);
    Ok(parts)
}

fn split_word<'a>(part: &'a str, word: &str) -> Option<(&'a str, &'a str)> {
    let mut it = part.splitn(2, char::is_whitespace);
    let key = it.next()?;
    let rest = it.next()?.trim_start();
    let rest = rest.strip_prefix(word)?;
    rest.trim_start()
        .starts_with('(')
        .then_some((key, rest.trim()))
}

fn set(s: &str) -> std::result::Result<Vec<String>, String> {
    let inner = s
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| format!("expected a parenthesised set, got {s:?}"))?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

fn check_key(k: &str) -> std::result::Result<String, String> {
    if k.is_empty() || k.contains(char::is_whitespace) {
        return Err(format!("invalid label key {k:?}"));
    }
    Ok(k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn label_selector_forms() {
        let s =
            LabelSelector::parse("app=web,tier!=db,env in (prod, staging),!legacy,team").unwrap();
        assert!(s.matches(&l(&[("app", "web"), ("env", "prod"), ("team", "a")])));
        assert!(!s.matches(&l(&[("app", "web"), ("env", "dev"), ("team", "a")])));
        assert!(!s.matches(&l(&[
            ("app", "web"),
            ("env", "prod"),
            ("team", "a"),
            ("legacy", "")
        ])));
        assert!(LabelSelector::parse("a in (x").is_err());
    }
}
