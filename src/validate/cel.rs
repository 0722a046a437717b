//! CRD `x-kubernetes-validations`: CEL rules evaluated as the API server evaluates them.
//!
//! Each rule applies to the value at the schema node that carries it, with `self` bound to that
//! value after the schema's `default`s are applied (the API server defaults before it validates).
//! Transition rules (those using `oldSelf`) need the live object and are skipped, as are rules on
//! `null` values. A rule the evaluator cannot run is a warning, never a silent pass.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cel::extractors::This;
use cel::{Context, Env, ExecutionError, Program, Value as Cel};
use serde_json::Value as Json;

use super::json::escape_token;

/// The rules of one schema, in a tree shaped like the parts of the schema that hold rules.
pub(crate) struct CelTree {
    rules: Vec<Rule>,
    properties: Vec<(String, CelTree)>,
    items: Option<Box<CelTree>>,
    additional: Option<Box<CelTree>>,
}

struct Rule {
    program: Result<Program, String>,
    rule: String,
    message: String,
    /// `messageExpression`: the API server prefers its result (a string) to `message`.
    message_expression: Option<Program>,
    field_path: Option<String>,
}

/// One failed (or unevaluable) rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CelFinding {
    /// JSON pointer of the value the rule is about (its `fieldPath` applied when given).
    pub pointer: String,
    /// The rule's message, or why it could not be evaluated.
    pub message: String,
    /// False when the rule failed; true when it could not be evaluated.
    pub unevaluable: bool,
}

fn env() -> &'static Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // The extension libraries Kubernetes enables that cel-rust has.
        for ext in [
            cel::extensions::strings as fn(&mut Env) -> _,
            cel::extensions::lists,
            cel::extensions::math,
        ] {
            let _ = env.add_extension(ext);
        }
        Arc::new(env)
    })
}

impl CelTree {
    /// The rules of `schema`, or `None` when it has none.
    pub(crate) fn from_schema(schema: &Json) -> Option<CelTree> {
        let Json::Object(m) = schema else {
            return None;
        };
        let mut rules = Vec::new();
        if let Some(Json::Array(list)) = m.get("x-kubernetes-validations") {
            for r in list {
                let Some(rule) = r.get("rule").and_then(Json::as_str) else {
                    continue;
                };
                let program = env().compile(rule).map_err(|e| e.to_string());
                if program
                    .as_ref()
                    .is_ok_and(|p| p.references().has_variable("oldSelf"))
                {
                    continue;
                }
                let message = r
                    .get("message")
                    .and_then(Json::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("failed rule: {rule}"));
                rules.push(Rule {
                    program,
                    rule: rule.to_string(),
                    message,
                    message_expression: r
                        .get("messageExpression")
                        .and_then(Json::as_str)
                        .and_then(|e| env().compile(e).ok()),
                    field_path: r
                        .get("fieldPath")
                        .and_then(Json::as_str)
                        .map(str::to_string),
                });
            }
        }
        let mut properties = Vec::new();
        if let Some(Json::Object(props)) = m.get("properties") {
            for (k, v) in props {
                if let Some(t) = CelTree::from_schema(v) {
                    properties.push((k.clone(), t));
                }
            }
        }
        let items = m.get("items").and_then(CelTree::from_schema).map(Box::new);
        let additional = m
            .get("additionalProperties")
            .and_then(CelTree::from_schema)
            .map(Box::new);
        if rules.is_empty() && properties.is_empty() && items.is_none() && additional.is_none() {
            return None;
        }
        Some(CelTree {
            rules,
            properties,
            items,
            additional,
        })
    }

    /// Evaluates every rule against `value` (already defaulted).
    pub(crate) fn check(&self, value: &Json) -> Vec<CelFinding> {
        let mut out = Vec::new();
        self.walk(value, String::new(), &mut out);
        out
    }

    fn walk(&self, value: &Json, pointer: String, out: &mut Vec<CelFinding>) {
        if value.is_null() {
            return;
        }
        if !self.rules.is_empty() {
            let mut ctx = Context::with_env(env().clone());
            add_kubernetes_functions(&mut ctx);
            ctx.add_variable_from_value("self", to_cel(value));
            for r in &self.rules {
                let at = match &r.field_path {
                    Some(fp) => format!("{pointer}{}", field_path_pointer(fp)),
                    None => pointer.clone(),
                };
                let result = match &r.program {
                    Ok(p) => p.execute(&ctx),
                    Err(e) => {
                        out.push(CelFinding {
                            pointer: at,
                            message: format!("rule {:?} does not compile: {e}", r.rule),
                            unevaluable: true,
                        });
                        continue;
                    }
                };
                match result {
                    Ok(Cel::Bool(true)) => {}
                    Ok(Cel::Bool(false)) => {
                        let message = match r.message_expression.as_ref().map(|p| p.execute(&ctx)) {
                            Some(Ok(Cel::String(m))) if !m.trim().is_empty() => m.to_string(),
                            _ => r.message.clone(),
                        };
                        out.push(CelFinding {
                            pointer: at,
                            message,
                            unevaluable: false,
                        })
                    }
                    // The API server rejects an object whose rule reads a field that is not
                    // there: that is a finding too, not a tool failure.
                    Err(ExecutionError::NoSuchKey(k)) => out.push(CelFinding {
                        pointer: at,
                        message: format!("{} (rule {:?}: no such key: {k})", r.message, r.rule),
                        unevaluable: false,
                    }),
                    Ok(other) => out.push(CelFinding {
                        pointer: at,
                        message: format!("rule {:?} gave {other:?}, not a boolean", r.rule),
                        unevaluable: true,
                    }),
                    Err(e) => out.push(CelFinding {
                        pointer: at,
                        message: format!("rule {:?} could not be evaluated: {e}", r.rule),
                        unevaluable: true,
                    }),
                }
            }
        }
        match value {
            Json::Object(m) => {
                for (k, v) in m {
                    let child = format!("{pointer}/{}", escape_token(k));
                    if let Some((_, t)) = self.properties.iter().find(|(p, _)| p == k) {
                        t.walk(v, child, out);
                    } else if let Some(t) = &self.additional {
                        t.walk(v, child, out);
                    }
                }
            }
            Json::Array(items) => {
                if let Some(t) = &self.items {
                    for (i, v) in items.iter().enumerate() {
                        t.walk(v, format!("{pointer}/{i}"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Kubernetes' own CEL libraries that cel-rust lacks: the list functions `isSorted`, `sum`,
/// `min`, `max` and the regex functions `find`, `findAll`.
fn add_kubernetes_functions(ctx: &mut Context<'_, '_>) {
    let _ = ctx.add_function("isSorted", |This(list): This<Arc<Vec<Cel>>>| {
        list.windows(2)
            .all(|w| w[0].partial_cmp(&w[1]).is_some_and(|o| o.is_le()))
    });
    let _ = ctx.add_function(
        "sum",
        |This(list): This<Arc<Vec<Cel>>>| -> Result<Cel, ExecutionError> {
            let mut acc = Cel::Int(0);
            for (i, v) in list.iter().enumerate() {
                acc = match (i, &acc, v) {
                    (0, _, v) => v.clone(),
                    (_, Cel::Int(a), Cel::Int(b)) => {
                        Cel::Int(a.checked_add(*b).ok_or_else(|| {
                            ExecutionError::function_error("sum", "integer overflow")
                        })?)
                    }
                    (_, Cel::UInt(a), Cel::UInt(b)) => {
                        Cel::UInt(a.checked_add(*b).ok_or_else(|| {
                            ExecutionError::function_error("sum", "integer overflow")
                        })?)
                    }
                    (_, Cel::Float(a), Cel::Float(b)) => Cel::Float(a + b),
                    _ => {
                        return Err(ExecutionError::function_error(
                            "sum",
                            "list elements must be numbers of one type",
                        ));
                    }
                };
            }
            Ok(acc)
        },
    );
    for (name, want_less) in [("min", true), ("max", false)] {
        let _ = ctx.add_function(
            name,
            move |This(list): This<Arc<Vec<Cel>>>| -> Result<Cel, ExecutionError> {
                let mut best: Option<&Cel> = None;
                for v in list.iter() {
                    best = match best {
                        None => Some(v),
                        Some(b) => match v.partial_cmp(b) {
                            Some(o) if o.is_lt() == want_less && o.is_ne() => Some(v),
                            Some(_) => Some(b),
                            None => {
                                return Err(ExecutionError::function_error(
                                    name,
                                    "elements are not comparable",
                                ));
                            }
                        },
                    };
                }
                best.cloned()
                    .ok_or_else(|| ExecutionError::function_error(name, "empty list"))
            },
        );
    }
    let _ = ctx.add_function(
        "find",
        |This(s): This<Arc<String>>, re: Arc<String>| -> Result<Cel, ExecutionError> {
            let re = regex::Regex::new(&re)
                .map_err(|e| ExecutionError::function_error("find", e.to_string()))?;
            Ok(Cel::String(Arc::new(
                re.find(&s)
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default(),
            )))
        },
    );
    let _ = ctx.add_function(
        "findAll",
        |This(s): This<Arc<String>>, re: Arc<String>| -> Result<Cel, ExecutionError> {
            let re = regex::Regex::new(&re)
                .map_err(|e| ExecutionError::function_error("findAll", e.to_string()))?;
            Ok(Cel::List(Arc::new(
                re.find_iter(&s)
                    .map(|m| Cel::String(Arc::new(m.as_str().to_string())))
                    .collect(),
            )))
        },
    );
}

/// `.spec.foo['bar']` → `/spec/foo/bar` (fieldPath is relative to the rule's value).
fn field_path_pointer(fp: &str) -> String {
    let mut out = String::new();
    let mut rest = fp;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            out.push('/');
            out.push_str(&escape_token(&r[..end]));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            let key = r[..end].trim_matches(['\'', '"']);
            out.push('/');
            out.push_str(&escape_token(key));
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            break;
        }
    }
    out
}

fn to_cel(v: &Json) -> Cel {
    match v {
        Json::Null => Cel::Null,
        Json::Bool(b) => Cel::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Cel::Int(i)
            } else if let Some(u) = n.as_u64() {
                Cel::UInt(u)
            } else {
                Cel::Float(n.as_f64().unwrap_or_default())
            }
        }
        Json::String(s) => Cel::String(Arc::new(s.clone())),
        Json::Array(items) => Cel::List(Arc::new(items.iter().map(to_cel).collect())),
        Json::Object(m) => {
            let map: HashMap<String, Cel> = m.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Cel::Map(map.into())
        }
    }
}

/// Applies `default`s from `schema` to `value` as the API server's structural defaulting does:
/// a missing property of a present object gets its default; then every present child is
/// defaulted by its own schema.
pub(crate) fn apply_defaults(value: &mut Json, schema: &Json) {
    let Json::Object(s) = schema else { return };
    match value {
        Json::Object(obj) => {
            if let Some(Json::Object(props)) = s.get("properties") {
                for (k, ps) in props {
                    if !obj.contains_key(k)
                        && let Some(d) = ps.get("default")
                    {
                        obj.insert(k.clone(), d.clone());
                    }
                }
                for (k, v) in obj.iter_mut() {
                    if let Some(ps) = props.get(k) {
                        apply_defaults(v, ps);
                    } else if let Some(ap) = s.get("additionalProperties") {
                        apply_defaults(v, ap);
                    }
                }
            } else if let Some(ap) = s.get("additionalProperties") {
                for (_, v) in obj.iter_mut() {
                    apply_defaults(v, ap);
                }
            }
        }
        Json::Array(items) => {
            if let Some(is) = s.get("items") {
                for v in items.iter_mut() {
                    apply_defaults(v, is);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tree(rules: Json) -> CelTree {
        CelTree::from_schema(&json!({
            "type": "object",
            "properties": {"spec": {
                "type": "object",
                "properties": {
                    "provider": {"type": "string", "default": "generic"},
                    "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
                },
                "x-kubernetes-validations": rules
            }}
        }))
        .unwrap()
    }

    #[test]
    fn rules_see_defaults_and_report_their_message() {
        let t = tree(json!([
            {"rule": "self.provider == 'aws' || !has(self.sts)", "message": "sts needs aws"},
            {"rule": "self.items.all(a, a.name.matches('^[a-z]+$'))", "message": "bad names"},
            {"rule": "size(self.items) > 0 && self.items[0].name.startsWith('a')", "message": "first"},
            {"rule": "self == oldSelf", "message": "immutable"},
            {"rule": "self.provider != 'gcp'", "messageExpression": "'provider ' + self.provider + ' is retired'"}
        ]));
        let schema =
            json!({"properties": {"spec": {"properties": {"provider": {"default": "generic"}}}}});
        let mut ok = json!({"spec": {"provider": "aws", "sts": {}, "items": [{"name": "abc"}]}});
        apply_defaults(&mut ok, &schema);
        assert_eq!(t.check(&ok), vec![]);
        let mut bad = json!({"spec": {"sts": {}, "items": [{"name": "B"}]}});
        apply_defaults(&mut bad, &schema);
        assert_eq!(bad["spec"]["provider"], "generic");
        let f = t.check(&bad);
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(msgs, vec!["sts needs aws", "bad names", "first"]);
        assert!(f.iter().all(|f| f.pointer == "/spec" && !f.unevaluable));
        let gcp = json!({"spec": {"provider": "gcp", "items": []}});
        let f = t.check(&gcp);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[1].message, "provider gcp is retired");
    }

    #[test]
    fn missing_keys_fail_and_unknown_functions_are_unevaluable() {
        let t = tree(json!([
            {"rule": "self.type == 'x'", "message": "type must be x"},
            {"rule": "self.nosuchfunction()", "message": "m", "fieldPath": ".items[0]"}
        ]));
        let f = t.check(&json!({"spec": {}}));
        assert_eq!(f.len(), 2);
        assert!(!f[0].unevaluable && f[0].message.starts_with("type must be x"));
        assert!(f[1].unevaluable);
        assert_eq!(f[1].pointer, "/spec/items/0");
    }

    #[test]
    fn kubernetes_library_functions() {
        let t = tree(json!([
            {"rule": "self.items.map(i, i.name).isSorted()", "message": "sorted"},
            {"rule": "[1, 2, 3].sum() == 6 && [3, 1].min() == 1 && ['a', 'b'].max() == 'b'", "message": "lists"},
            {"rule": "self.provider.find('[a-z]+') == 'aws' && 'a1b2'.findAll('[0-9]').size() == 2", "message": "regex"},
            {"rule": "self.provider.startsWith('a') && self.provider.lowerAscii().matches('^aws$')", "message": "strings"}
        ]));
        let ok = json!({"spec": {"provider": "aws", "items": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(t.check(&ok), vec![]);
        let bad = json!({"spec": {"provider": "aws", "items": [{"name": "b"}, {"name": "a"}]}});
        assert_eq!(t.check(&bad).len(), 1);
    }
}
