//! Reading `--vars` files: the values Flux would take from `postBuild.substitute` and
//! `substituteFrom`.
//!
//! A file ending in `.yaml`, `.yml` or `.json` is YAML: either a map of names to strings, or
//! ConfigMap/Secret manifests (what `substituteFrom` reads: ConfigMap `data`, Secret `data`
//! base64-decoded and `stringData`), several documents allowed. Any other file is dotenv:
//! `KEY=value` lines, blank lines and `#` comments, an optional `export ` prefix, values in
//! single quotes (literal) or double quotes (`\"`, `\\`, `\n`, `\$` escapes), and unquoted values
//! with trailing blanks and ` # comments` removed.
//!
//! Later files override earlier ones. Names must be valid Flux variable names
//! (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`, ASCII), since kustomize-controller refuses the whole
//! substitution otherwise. As Flux does, line breaks are removed from values. A file that cannot
//! be read or parsed stops the run (exit 2) with an error at its file:line:col: these files are
//! fluxval's input, like its flags, not part of the repository being checked.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::yaml::{Limits, Node, Profile, Span, Value, parse_str};

/// Variable values, each with the place that set it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars {
    values: BTreeMap<String, String>,
    origins: BTreeMap<String, Span>,
}

impl Vars {
    /// Reads `files` in order, later values overriding earlier ones. `shown` turns a path into
    /// the name used in messages.
    pub fn load(files: &[impl AsRef<Path>], shown: impl Fn(&Path) -> String) -> Result<Vars> {
        let mut vars = Vars::default();
        for f in files {
            let path = f.as_ref();
            let name = shown(path);
            let bytes = std::fs::read(path)
                .map_err(|e| Error::in_file(&name, format!("cannot read vars file: {e}")))?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| Error::in_file(&name, "vars file is not UTF-8 text"))?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext, "yaml" | "yml" | "json") {
                vars.read_yaml(text, &name)?;
            } else {
                vars.read_dotenv(text, &name)?;
            }
        }
        Ok(vars)
    }

    /// Sets `name` to `value` (without line breaks, as Flux stores it).
    pub fn insert(&mut self, name: &str, value: &str, origin: Span) {
        self.values
            .insert(name.to_string(), value.replace('\n', ""));
        self.origins.insert(name.to_string(), origin);
    }

    /// The values by name.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    /// Where `name` was set.
    pub fn origin(&self, name: &str) -> Option<&Span> {
        self.origins.get(name)
    }

    /// Whether no variable is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn set(&mut self, name: &str, value: &str, at: Span) -> Result<()> {
        if !valid_name(name) {
            return Err(Error::new(
                at,
                format!(
                    "invalid variable name {name:?}: Flux requires ^[_[:alpha:]][_[:alpha:][:digit:]]*$"
                ),
            ));
        }
        self.insert(name, value, at);
        Ok(())
    }

    fn read_dotenv(&mut self, text: &str, file: &str) -> Result<()> {
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim_start();
            let indent = raw.chars().count() - line.chars().count();
            let at =
                |extra: usize| Span::new(file.into(), n as u32 + 1, (indent + extra) as u32 + 1);
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (line, skipped) = match line.strip_prefix("export") {
                Some(rest) if rest.starts_with([' ', '\t']) => {
                    let body = rest.trim_start();
                    (body, line.chars().count() - body.chars().count())
                }
                _ => (line, 0),
            };
            let Some((key, value)) = line.split_once('=') else {
                return Err(Error::new(
                    at(skipped),
                    format!("expected NAME=value, found {line:?}"),
                ));
            };
            let key = key.trim_end();
            let value_col = skipped + line[..line.len() - value.len()].chars().count();
            let value =
                dotenv_value(value.trim_start()).map_err(|why| Error::new(at(value_col), why))?;
            self.set(key, &value, at(skipped))?;
        }
        Ok(())
    }

    fn read_yaml(&mut self, text: &str, file: &str) -> Result<()> {
        let docs = parse_str(text, file, Profile::Kubernetes, Limits::default())?;
        for doc in docs {
            if doc.is_null() {
                continue;
            }
            let Some(map) = doc.as_map() else {
                return Err(Error::new(
                    span_or_file(&doc, file),
                    "a vars file holds a mapping of names to values, or ConfigMap and Secret manifests",
                ));
            };
            match map.get("kind").and_then(Node::as_str) {
                Some("ConfigMap") => self.read_data(&doc, &["data"], false, file)?,
                Some("Secret") => {
                    self.read_data(&doc, &["data"], true, file)?;
                    self.read_data(&doc, &["stringData"], false, file)?;
                }
                Some(other) if map.contains_key("apiVersion") => {
                    return Err(Error::new(
                        span_or_file(&doc, file),
                        format!(
                            "a {other} does not hold variables: use a ConfigMap, a Secret or a plain mapping"
                        ),
                    ));
                }
                _ => {
                    for e in map.entries() {
                        let at = e.key_span.clone().unwrap_or(Span::file(file.into()));
                        let value = scalar_text(&e.value).ok_or_else(|| {
                            Error::new(
                                span_or(&e.value, &at),
                                format!("the value of {} must be a string", e.key),
                            )
                        })?;
                        self.set(&e.key, &value, at)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The string entries of a ConfigMap's or Secret's `data`-like field.
    fn read_data(&mut self, doc: &Node, path: &[&str], base64: bool, file: &str) -> Result<()> {
        let Some(node) = doc.get_path(path) else {
            return Ok(());
        };
        let Some(map) = node.as_map() else {
            return Err(Error::new(
                span_or_file(node, file),
                format!("{} must be a mapping", path.join(".")),
            ));
        };
        for e in map.entries() {
            let at = e.key_span.clone().unwrap_or(Span::file(file.into()));
            let Some(text) = e.value.as_str() else {
                return Err(Error::new(
                    span_or(&e.value, &at),
                    format!("the value of {} must be a string", e.key),
                ));
            };
            let value = if base64 {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|_| {
                        Error::new(
                            span_or(&e.value, &at),
                            format!("{} is not valid base64", e.key),
                        )
                    })?;
                String::from_utf8(bytes).map_err(|_| {
                    Error::new(
                        span_or(&e.value, &at),
                        format!("{} is not UTF-8 text", e.key),
                    )
                })?
            } else {
                text.to_string()
            };
            self.set(&e.key, &value, at)?;
        }
        Ok(())
    }
}

/// Whether `name` is a variable name kustomize-controller accepts.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// A plain map's value as text: strings as they are, numbers and booleans as written canonically
/// (a vars file is not a manifest; `REPLICAS: 3` is meant as "3").
fn scalar_text(n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn span_or(n: &Node, fallback: &Span) -> Span {
    n.span.clone().unwrap_or_else(|| fallback.clone())
}

fn span_or_file(n: &Node, file: &str) -> Span {
    n.span.clone().unwrap_or_else(|| Span::file(file.into()))
}

/// The value of a dotenv line after `=`.
fn dotenv_value(v: &str) -> std::result::Result<String, String> {
    let mut chars = v.chars();
    match chars.next() {
        Some('\'') => {
            let rest: &str = chars.as_str();
            let end = rest.find('\'').ok_or("unterminated single-quoted value")?;
            after_quote(&rest[end + 1..])?;
            Ok(rest[..end].to_string())
        }
        Some('"') => {
            let mut out = String::new();
            let mut it = chars.as_str().char_indices();
            while let Some((i, c)) = it.next() {
                match c {
                    '"' => {
                        after_quote(&chars.as_str()[i + 1..])?;
                        return Ok(out);
                    }
                    '\\' => match it.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, e @ ('"' | '\\' | '$' | '`'))) => out.push(e),
                        Some((_, e)) => {
                            out.push('\\');
                            out.push(e);
                        }
                        None => break,
                    },
                    c => out.push(c),
                }
            }
            Err("unterminated double-quoted value".into())
        }
        _ => {
            // An unquoted value ends at a ` #` comment.
            let end = v
                .char_indices()
                .find(|&(i, c)| c == '#' && i > 0 && v[..i].ends_with([' ', '\t']))
                .map_or(v.len(), |(i, _)| i);
            Ok(v[..end].trim_end().to_string())
        }
    }
}

/// Only blanks and a comment may follow a closing quote.
fn after_quote(rest: &str) -> std::result::Result<(), String> {
    let rest = rest.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("unexpected {rest:?} after the closing quote"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn load(files: &[std::path::PathBuf]) -> Result<Vars> {
        Vars::load(files, |p| {
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
    }

    #[test]
    fn dotenv_lines() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            &dir,
            "staging.env",
            "# cluster values\n\nexport CLUSTER_DOMAIN=staging.example.com\nREPLICAS = 3\nQUOTED=\"a \\\"b\\\" $c\" # note\nSINGLE='x # y'\nTRAILING=value # comment\nHASH=a#b\nEMPTY=\n  INDENTED=yes\nMULTI=\"a\\nb\"\n",
        );
        let v = load(&[f]).unwrap();
        let get = |k: &str| v.values().get(k).map(String::as_str);
        assert_eq!(get("CLUSTER_DOMAIN"), Some("staging.example.com"));
        assert_eq!(get("REPLICAS"), Some("3"));
        assert_eq!(get("QUOTED"), Some("a \"b\" $c"));
        assert_eq!(get("SINGLE"), Some("x # y"));
        assert_eq!(get("TRAILING"), Some("value"));
        assert_eq!(get("HASH"), Some("a#b"));
        assert_eq!(get("EMPTY"), Some(""));
        assert_eq!(get("INDENTED"), Some("yes"));
        // Flux removes line breaks from values.
        assert_eq!(get("MULTI"), Some("ab"));
        assert_eq!(v.origin("REPLICAS").unwrap().to_string(), "staging.env:4:1");
        assert_eq!(
            v.origin("CLUSTER_DOMAIN").unwrap().to_string(),
            "staging.env:3:8"
        );
    }

    #[test]
    fn dotenv_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("A=1\nNOVALUE\n", "bad.env:2:1: error: expected NAME=value"),
            (
                "1ABC=x\n",
                "bad.env:1:1: error: invalid variable name \"1ABC\"",
            ),
            (
                "A.B=x\n",
                "bad.env:1:1: error: invalid variable name \"A.B\"",
            ),
            (
                "A='open\n",
                "bad.env:1:3: error: unterminated single-quoted value",
            ),
            (
                "A=\"x\" y\n",
                "bad.env:1:3: error: unexpected \"y\" after the closing quote",
            ),
        ];
        for (text, want) in cases {
            let f = write(&dir, "bad.env", text);
            let err = load(&[f]).unwrap_err().to_string();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn yaml_maps_and_manifests_later_files_win() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(&dir, "a.yaml", "A: one\nB: 2\nC: true\n");
        let b = write(
            &dir,
            "b.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\ndata:\n  A: two\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  TOKEN: c2VjcmV0\nstringData:\n  USER: admin\n",
        );
        let v = load(&[a, b]).unwrap();
        let get = |k: &str| v.values().get(k).map(String::as_str);
        assert_eq!(get("A"), Some("two"));
        assert_eq!(get("B"), Some("2"));
        assert_eq!(get("C"), Some("true"));
        assert_eq!(get("TOKEN"), Some("secret"));
        assert_eq!(get("USER"), Some("admin"));
        assert_eq!(v.origin("A").unwrap().to_string(), "b.yaml:6:3");
    }

    #[test]
    fn yaml_errors_name_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("- a\n", "bad.yaml:1:1: error: a vars file holds a mapping"),
            (
                "A: [1]\n",
                "bad.yaml:1:4: error: the value of A must be a string",
            ),
            (
                "bad-name: x\n",
                "bad.yaml:1:1: error: invalid variable name \"bad-name\"",
            ),
            (
                "apiVersion: v1\nkind: Secret\ndata:\n  T: '%%%'\n",
                "bad.yaml:4:6: error: T is not valid base64",
            ),
            ("A: [\n", "bad.yaml:"),
        ];
        for (text, want) in cases {
            let f = write(&dir, "bad.yaml", text);
            let err = load(&[f]).unwrap_err().to_string();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
        let err = load(&[dir.path().join("missing.env")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("missing.env: error: cannot read vars file")
        );
    }

    #[test]
    fn flux_variable_names() {
        for ok in ["A", "_a", "cluster_env", "A1_B2"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "1A", "A-B", "A.B", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
