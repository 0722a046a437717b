//! Post-build substitution applied to built resources, scalar by scalar.
//!
//! kustomize-controller prints each built resource as YAML (`res.AsYAML()`: JSON, then
//! sigs.k8s.io/yaml, so the quotes a person wrote are gone and a string is quoted only when
//! plain text would read back as something else), runs envsubst over the whole text, and parses
//! the result again with YAML 1.1 rules. fluxval instead substitutes inside each string scalar of
//! the spanned tree, so a substituted value keeps the file:line:col where it was written:
//! 1. the string is printed alone exactly as Flux prints it (our kustomize emitter), so
//!    `replicas: "${REPLICAS}"` in the source is plain `${REPLICAS}` as in Flux, and
//!    `"${A}: b"` stays single-quoted;
//! 2. the expressions in that text are evaluated;
//! 3. the result is parsed again as one YAML document: `3` becomes the integer 3, `"123"` (the
//!    `${quote}${id}${quote}` idiom Flux documents) a string, `[a, b]` a sequence.
//!
//! Where this differs from Flux's text-level substitution: a value that turns a scalar into a
//! block mapping (`a: b`), a broken quote or an unknown alias makes Flux's whole document invalid;
//! here it is a `vars/yaml` finding at the scalar and the value stays the substituted string.
//! A value cannot break out of its line (Flux removes line breaks from values) nor merge into a
//! neighbouring key. Mapping keys are substituted as text and stay strings, as JSON keys do.
//!
//! Resources labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left
//! alone, as Flux leaves them.

use super::eval::{Unset, eval};
use super::grammar::{Piece, SyntaxError, SyntaxErrorKind, parse};
use super::vars::Vars;
use crate::diagnostic::Diagnostic;
use crate::resource::Resource;
use crate::yaml::{Limits, Node, Profile, Span, Value, emit_document, parse_str};

/// The label and annotation that turn substitution off for one resource.
pub const DISABLE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// Substitutes `vars` in every resource, or, without values, only checks the expressions'
/// syntax. `roots` names the environment the resources were built in (for merging findings).
pub fn substitute(
    resources: &mut [Resource],
    vars: Option<&Vars>,
    roots: &[String],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for res in resources {
        if disabled(&res.node) {
            continue;
        }
        let mut found = Vec::new();
        let fallback = res.origin.clone();
        walk(&mut res.node, vars, &fallback, &mut found);
        let id = res.id();
        out.extend(found.into_iter().map(|mut d| {
            d.roots = roots.to_vec();
            d.with_resource(id.clone())
        }));
    }
    out
}

/// Whether Flux skips substitution for this resource.
pub fn disabled(node: &Node) -> bool {
    ["labels", "annotations"]
        .iter()
        .any(|m| node.str_at(&["metadata", m, DISABLE_KEY]) == Some("disabled"))
}

fn walk(node: &mut Node, vars: Option<&Vars>, fallback: &Span, out: &mut Vec<Diagnostic>) {
    let here = node.span.clone().unwrap_or_else(|| fallback.clone());
    match &mut node.value {
        Value::Map(m) => {
            // Only entries with a `$` below them are taken mutably: the rest of the tree stays
            // shared with the other builds of the same base.
            for i in 0..m.len() {
                let e = &m.entries()[i];
                if !e.key.contains('$') && !has_dollar(&e.value) {
                    continue;
                }
                let e = &mut m.entries_mut()[i];
                if e.key.contains('$') {
                    let at = e.key_span.clone().unwrap_or_else(|| here.clone());
                    if let Some(k) = text(&e.key, vars, &at, out) {
                        e.key = k.into();
                    }
                }
                walk(&mut e.value, vars, &here, out);
            }
        }
        Value::Seq(items) => {
            for item in items.iter_mut().filter(|i| has_dollar(i)) {
                walk(item, vars, &here, out);
            }
        }
        Value::Str(s) if s.contains('$') => {
            if let Some(new) = scalar(s, vars, &here, out) {
                *node = new;
            }
        }
        _ => {}
    }
}

/// Whether a key or string anywhere in `node` has a `$`, the only thing substitution acts on.
fn has_dollar(node: &Node) -> bool {
    match &node.value {
        Value::Map(m) => m
            .entries()
            .iter()
            .any(|e| e.key.contains('$') || has_dollar(&e.value)),
        Value::Seq(items) => items.iter().any(has_dollar),
        Value::Str(s) => s.contains('$'),
        _ => false,
    }
}

/// A key: checked, and substituted as plain text.
fn text(s: &str, vars: Option<&Vars>, at: &Span, out: &mut Vec<Diagnostic>) -> Option<String> {
    let pieces = checked(s, at, out)?;
    let vars = vars?;
    let mut unset = Vec::new();
    let value = eval(&pieces, vars.values(), &mut unset);
    report_unset(unset, at, out);
    Some(value)
}

/// A string scalar: checked, and with values, substituted and read again.
fn scalar(s: &str, vars: Option<&Vars>, at: &Span, out: &mut Vec<Diagnostic>) -> Option<Node> {
    let pieces = checked(s, at, out)?;
    let vars = vars?;
    let mut unset = Vec::new();
    // What Flux sees of this string; a string the emitter refuses is substituted bare.
    let printed = emit_document(&Node::string(s)).ok();
    let printed_pieces = printed.as_deref().and_then(|p| parse(p).ok());
    let node = match printed_pieces {
        Some(pp) => {
            let text = eval(&pp, vars.values(), &mut unset);
            reread(&text, at).unwrap_or_else(|why| {
                let value = eval(&pieces, vars.values(), &mut Vec::new());
                out.push(Diagnostic::error(
                    "vars/yaml",
                    format!("after substitution {value:?} is not a valid YAML value here: {why}"),
                    Some(at.clone()),
                ));
                Node::spanned(Value::Str(value.into()), Some(at.clone()))
            })
        }
        None => Node::spanned(
            Value::Str(eval(&pieces, vars.values(), &mut unset).into()),
            Some(at.clone()),
        ),
    };
    report_unset(unset, at, out);
    Some(node)
}

/// The pieces of `s`, or a `vars/syntax` finding.
fn checked(s: &str, at: &Span, out: &mut Vec<Diagnostic>) -> Option<Vec<Piece>> {
    match parse(s) {
        Ok(p) => Some(p),
        Err(e) => {
            out.push(Diagnostic::error(
                "vars/syntax",
                syntax_message(s, &e),
                Some(at.clone()),
            ));
            None
        }
    }
}

fn syntax_message(s: &str, e: &SyntaxError) -> String {
    let rest: String = s.chars().skip(e.offset).collect();
    // Show the expression up to its first `}` (or a bounded part of the rest).
    let shown: String = match rest.find('}') {
        Some(i) if i < 60 => rest[..=i].to_string(),
        _ => rest.chars().take(40).collect(),
    };
    let name_end = rest
        .chars()
        .skip(2)
        .position(|c| !(c.is_alphanumeric() || c == '_'));
    let after = name_end.and_then(|n| rest.chars().nth(n + 2));
    let hint = match (e.kind, after) {
        (SyntaxErrorKind::MissingClosingBrace, Some(c @ ('-' | '+' | '?'))) => {
            format!(" (Flux does not support ${{VAR{c}…}}; write ${{VAR:{c}…}})")
        }
        (SyntaxErrorKind::MissingClosingBrace | SyntaxErrorKind::VariableName, _) => {
            " (write $${…} for a literal ${…})".to_string()
        }
        _ => String::new(),
    };
    format!("invalid substitution {shown:?}: {e}{hint}")
}

fn report_unset(unset: Vec<Unset>, at: &Span, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<String> = Vec::new();
    for u in unset {
        if seen.contains(&u.name) {
            continue;
        }
        out.push(Diagnostic::warning(
            "vars/unset",
            format!(
                "variable {:?} is not set in the vars files and has no default: Flux substitutes an empty string (and fails in strict mode)",
                u.name
            ),
            Some(at.clone()),
        ));
        seen.push(u.name);
    }
}

/// `text` read back as one YAML value with go-yaml v2's rules, every node placed at `at`.
fn reread(text: &str, at: &Span) -> Result<Node, String> {
    let mut docs =
        parse_str(text, &at.file, Profile::Kubernetes, Limits::default()).map_err(|e| e.message)?;
    // An empty value reads as null, as `key: ` does.
    if docs.is_empty() {
        return Ok(Node::spanned(Value::Null, Some(at.clone())));
    }
    if docs.len() != 1 {
        return Err("it reads as several documents".into());
    }
    let mut node = docs.remove(0);
    let flow = matches!(text.trim_start().chars().next(), Some('[' | '{'));
    if (node.as_map().is_some() || node.as_seq().is_some()) && !flow {
        return Err("it reads as a block collection, which cannot stand after a key".into());
    }
    place(&mut node, at);
    Ok(node)
}

fn place(node: &mut Node, at: &Span) {
    node.span = Some(at.clone());
    match &mut node.value {
        Value::Map(m) => {
            for e in m.entries_mut() {
                e.key_span = Some(at.clone());
                place(&mut e.value, at);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|n| place(n, at)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Resource {
        let node = parse_str(text, "d.yaml", Profile::Kubernetes, Limits::default())
            .unwrap()
            .remove(0);
        Resource::new(node, Span::file("d.yaml".into()))
    }

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        let mut v = Vars::default();
        for (k, val) in pairs {
            v.insert(k, val, Span::file("v.env".into()));
        }
        v
    }

    fn run(text: &str, pairs: Option<&[(&str, &str)]>) -> (Node, Vec<String>) {
        let mut res = vec![doc(text)];
        let v = pairs.map(vars);
        let diags = substitute(&mut res, v.as_ref(), &[]);
        let shown = diags
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}",
                    d.rule,
                    d.span.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                    d.message
                )
            })
            .collect();
        (res.remove(0).node, shown)
    }

    #[test]
    fn substituted_scalars_are_read_again_and_keep_their_place() {
        let text = "kind: Deployment\nspec:\n  replicas: ${REPLICAS}\n  quoted: \"${REPLICAS}\"\n  flag: ${FLAG}\n  id: ${q}${ID}${q}\n  host: podinfo.${DOMAIN}\n  list: ${LIST}\n  colon: \"${A}: b\"\n";
        let (node, diags) = run(
            text,
            Some(&[
                ("REPLICAS", "3"),
                ("FLAG", "yes"),
                ("q", "\""),
                ("ID", "123"),
                ("DOMAIN", "example.com"),
                ("LIST", "[a, b]"),
                ("A", "7"),
            ]),
        );
        assert!(diags.is_empty(), "{diags:?}");
        let at = |k: &str| node.get_path(&["spec", k]).unwrap();
        assert_eq!(at("replicas").value, Value::Int(3));
        assert_eq!(
            at("replicas").span.as_ref().unwrap().to_string(),
            "d.yaml:3:13"
        );
        // Flux prints the string without the quotes a person wrote.
        assert_eq!(at("quoted").value, Value::Int(3));
        assert_eq!(at("flag").value, Value::Bool(true));
        assert_eq!(at("id").value, Value::Str("123".into()));
        assert_eq!(at("host").value, Value::Str("podinfo.example.com".into()));
        assert_eq!(at("list").as_seq().map(Vec::len), Some(2));
        assert_eq!(at("colon").value, Value::Str("7: b".into()));
    }

    #[test]
    fn unset_variables_warn_only_when_values_are_given() {
        let text = "kind: ConfigMap\ndata:\n  a: ${MISSING}\n  b: ${WITH:=default}\n  ${KEY}: x\n";
        let (node, diags) = run(text, Some(&[("OTHER", "1")]));
        assert_eq!(
            diags,
            vec![
                "vars/unset d.yaml:3:6 variable \"MISSING\" is not set in the vars files and has no default: Flux substitutes an empty string (and fails in strict mode)",
                "vars/unset d.yaml:5:3 variable \"KEY\" is not set in the vars files and has no default: Flux substitutes an empty string (and fails in strict mode)",
            ]
        );
        assert_eq!(node.get_path(&["data", "a"]).unwrap().value, Value::Null);
        assert_eq!(node.str_at(&["data", "b"]), Some("default"));
        let (node, diags) = run(text, None);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(node.str_at(&["data", "a"]), Some("${MISSING}"));
    }

    #[test]
    fn syntax_errors_are_reported_with_or_without_values() {
        let text = "kind: ConfigMap\ndata:\n  a: ${X-default}\n  b: $${ESCAPED}\n  c: ${}\n";
        for pairs in [None, Some(&[("X", "1")][..])] {
            let (node, diags) = run(text, pairs);
            assert_eq!(
                diags,
                vec![
                    "vars/syntax d.yaml:3:6 invalid substitution \"${X-default}\": missing closing brace (Flux does not support ${VAR-…}; write ${VAR:-…})",
                    "vars/syntax d.yaml:5:6 invalid substitution \"${}\": unable to parse variable name (write $${…} for a literal ${…})",
                ]
            );
            assert_eq!(node.str_at(&["data", "a"]), Some("${X-default}"));
            let b = if pairs.is_some() {
                "${ESCAPED}"
            } else {
                "$${ESCAPED}"
            };
            assert_eq!(node.str_at(&["data", "b"]), Some(b));
        }
    }

    #[test]
    fn values_that_break_the_yaml_are_reported() {
        let (node, diags) = run("kind: X\nspec:\n  v: ${V}\n", Some(&[("V", "a: b")]));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].starts_with("vars/yaml d.yaml:3:6 after substitution \"a: b\""));
        assert_eq!(node.str_at(&["spec", "v"]), Some("a: b"));
    }

    #[test]
    fn block_scalars_stay_strings() {
        let text = "kind: ConfigMap\ndata:\n  run.sh: |\n    echo ${GREETING}\n    echo $${HOME} $PATH\n  n: |\n    ${N}\n";
        let (node, diags) = run(text, Some(&[("GREETING", "hi"), ("N", "3")]));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            node.str_at(&["data", "run.sh"]),
            Some("echo hi\necho ${HOME} $PATH\n")
        );
        assert_eq!(node.str_at(&["data", "n"]), Some("3\n"));
    }

    #[test]
    fn disabled_resources_are_left_alone() {
        for m in ["labels", "annotations"] {
            let text = format!(
                "kind: ConfigMap\nmetadata:\n  {m}:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  a: ${{X}}\n  b: ${{X-d}}\n"
            );
            let (node, diags) = run(&text, Some(&[("X", "1")]));
            assert!(diags.is_empty(), "{diags:?}");
            assert_eq!(node.str_at(&["data", "a"]), Some("${X}"));
        }
    }
}
