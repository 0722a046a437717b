//! From one split document to kubeconform results: YAML decoding as sigs.k8s.io/yaml does it,
//! the two ways kubeconform reads a resource's signature, `List` expansion, skip/reject, and the
//! validator's answer turned into a status and message.

use crate::yaml::{Limits, Node, Profile, Value, parse_file};

use super::{DocValidator, Document, Outcome, ValidationError};

/// kubeconform's validation statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Valid,
    Invalid,
    Error,
    Skipped,
    Empty,
}

/// What identifies a resource in the output: kubeconform's `Signature`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sig {
    pub kind: String,
    pub version: String,
    pub namespace: String,
    pub name: String,
}

/// One line of kubeconform's results.
#[derive(Clone, Debug)]
pub(crate) struct KResult {
    pub path: String,
    pub sig: Sig,
    pub status: Status,
    pub err: String,
    pub errors: Vec<ValidationError>,
}

impl KResult {
    pub fn error(path: &str, sig: Sig, err: String) -> KResult {
        KResult {
            path: path.to_string(),
            sig,
            status: Status::Error,
            err,
            errors: Vec::new(),
        }
    }
    fn plain(path: &str, sig: Sig, status: Status) -> KResult {
        KResult {
            path: path.to_string(),
            sig,
            status,
            err: String::new(),
            errors: Vec::new(),
        }
    }
}

/// The options that decide a result besides the validator.
pub(crate) struct Rules<'a> {
    pub strict: bool,
    pub ignore_missing_schemas: bool,
    pub skip: &'a std::collections::BTreeSet<String>,
    pub reject: &'a std::collections::BTreeSet<String>,
}

/// A resource waiting for validation.
pub(crate) enum Pending {
    /// A document as split from the stream.
    Doc {
        /// Zero bytes long (an empty piece of stdin).
        empty: bool,
        /// The decode validation uses (strict with -strict), or its error message.
        decoded: Result<Node, String>,
        sig: Sig,
        sig_err: Option<String>,
    },
    /// An item of a `List`, already decoded.
    Item(Node),
    /// A file without any resource ("counted as parsed").
    Empty,
}

fn limits(allow_duplicate_keys: bool) -> Limits {
    Limits {
        allow_duplicate_keys,
        ..Limits::default()
    }
}

/// Parses one document: its first YAML document, `null` when there is none.
fn decode(bytes: &[u8], path: &str, line_offset: u32, strict: bool) -> Result<Node, String> {
    match parse_file(bytes, path, Profile::Kubernetes, limits(!strict)) {
        Ok(docs) => {
            let mut node = docs.into_iter().next().unwrap_or(Node::new(Value::Null));
            shift_lines(&mut node, line_offset);
            Ok(node)
        }
        Err(e) => {
            let line = e.span.line.max(1);
            let msg = e
                .message
                .strip_prefix("invalid YAML: ")
                .unwrap_or(&e.message);
            // go-yaml v2 words a strict duplicate as a collected "unmarshal error".
            if let Some(rest) = msg.strip_prefix("duplicate key ") {
                let key = rest.split(" (first defined").next().unwrap_or(rest);
                return Err(format!(
                    "error converting YAML to JSON: yaml: unmarshal errors:\n  line {line}: key {key} already set in map"
                ));
            }
            let (line, msg) = go_yaml_problem(line, msg);
            Err(format!(
                "error converting YAML to JSON: yaml: line {line}: {msg}"
            ))
        }
    }
}

/// Rewords a parse error as go-yaml v2 prints it: the problem without its "while ..." context,
/// parser errors at the 0-based line go-yaml reports, libyaml's word for a bad character.
fn go_yaml_problem(line: u32, msg: &str) -> (u32, String) {
    let (parser, problem) = match msg.split_once(", ") {
        Some((ctx, p)) if ctx.starts_with("while parsing") => (true, p),
        Some((ctx, p)) if ctx.starts_with("while scanning") => (false, p),
        _ => (false, msg),
    };
    let problem =
        if problem.starts_with("unexpected character") || problem.starts_with("tabs disallowed") {
            "found character that cannot start any token"
        } else {
            problem
        };
    let line = if parser && line > 1 { line - 1 } else { line };
    (line, problem.to_string())
}

/// Moves spans from document-relative lines to file lines.
fn shift_lines(node: &mut Node, offset: u32) {
    if offset == 0 {
        return;
    }
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if let Some(s) = &mut n.span
            && s.line > 0
        {
            s.line += offset;
        }
        match &mut n.value {
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(m) => {
                for e in m.entries_mut() {
                    if let Some(s) = &mut e.key_span
                        && s.line > 0
                    {
                        s.line += offset;
                    }
                    stack.push(&mut e.value);
                }
            }
            _ => {}
        }
    }
}

/// Splits a document into the resources kubeconform validates (`List` items, or itself).
pub(crate) fn resources(bytes: &[u8], path: &str, line_offset: u32, strict: bool) -> Vec<Pending> {
    // The signature and `List` detection always decode leniently; validation decodes strictly
    // with -strict. One parse serves both unless the strict one fails.
    let first = decode(bytes, path, line_offset, strict);
    let (decoded, lenient) = match first {
        Err(e) if strict => (Err(e), decode(bytes, path, line_offset, false)),
        other => (other, Err(String::new())),
    };
    let sig_source = if decoded.is_ok() { &decoded } else { &lenient };
    let (sig, sig_err) = match sig_source {
        Ok(node) => struct_signature(node),
        Err(e) => (Sig::default(), Some(e.clone())),
    };
    if sig_err.is_none()
        && sig.kind.to_lowercase() == "list"
        && let Ok(node) = sig_source
    {
        return list_items(node).into_iter().map(Pending::Item).collect();
    }
    vec![Pending::Doc {
        empty: bytes.is_empty(),
        decoded,
        sig,
        sig_err,
    }]
}

/// A `List`'s items: `items` matched case-insensitively as Go's JSON decoder does; anything but
/// a sequence yields none.
fn list_items(node: &Node) -> Vec<Node> {
    let Some(map) = node.as_map() else {
        return Vec::new();
    };
    let mut entries: Vec<_> = map.entries().iter().collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let mut items = Vec::new();
    for e in entries {
        if e.key.eq_ignore_ascii_case("items") {
            items = match &e.value.value {
                Value::Seq(s) => s.clone(),
                _ => Vec::new(),
            };
        }
    }
    items
}

/// JSON's name for a value's type, as Go's decoder names it in errors.
fn json_type(n: &Node) -> &'static str {
    match n.value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

const METADATA_TYPE: &str = "struct { Name string \"yaml:\\\"name\\\"\"; Namespace string \"yaml:\\\"namespace\\\"\"; GenerateName string \"yaml:\\\"generateName\\\"\" }";

fn json_err(detail: String) -> String {
    format!("error unmarshaling JSON: while decoding JSON: json: {detail}")
}

/// Decodes a scalar into a Go string field: numbers and booleans become their text
/// (sigs.k8s.io/yaml converts them for string targets), null leaves the field alone.
fn assign(field: &mut String, n: &Node, path: &str, err: &mut Option<String>) {
    match &n.value {
        Value::Null => {}
        Value::Str(s) => *field = s.to_string(),
        Value::Int(i) => *field = i.to_string(),
        Value::Float(f) => *field = (*f as f32).to_string(),
        Value::Bool(b) => *field = b.to_string(),
        Value::Seq(_) | Value::Map(_) => {
            if err.is_none() {
                *err = Some(json_err(format!(
                    "cannot unmarshal {} into Go struct field .{path} of type string",
                    json_type(n)
                )));
            }
        }
    }
}

fn sorted_entries(map: &crate::yaml::Mapping) -> Vec<&crate::yaml::Entry> {
    let mut v: Vec<_> = map.entries().iter().collect();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    v
}

/// kubeconform's `Resource.Signature`: a lenient decode into a struct whose fields match keys
/// case-insensitively, then the "missing 'kind' key" / "missing 'apiVersion' key" checks.
pub(crate) fn struct_signature(node: &Node) -> (Sig, Option<String>) {
    let mut sig = Sig::default();
    let mut err = None;
    let mut generate_name = String::new();
    match &node.value {
        Value::Null => {}
        Value::Map(map) => {
            for e in sorted_entries(map) {
                if e.key.eq_ignore_ascii_case("apiVersion") {
                    assign(&mut sig.version, &e.value, "APIVersion", &mut err);
                } else if e.key.eq_ignore_ascii_case("kind") {
                    assign(&mut sig.kind, &e.value, "Kind", &mut err);
                } else if e.key.eq_ignore_ascii_case("metadata") {
                    match &e.value.value {
                        Value::Null => {}
                        Value::Map(meta) => {
                            for m in sorted_entries(meta) {
                                if m.key.eq_ignore_ascii_case("name") {
                                    assign(&mut sig.name, &m.value, "Metadata.Name", &mut err);
                                } else if m.key.eq_ignore_ascii_case("namespace") {
                                    assign(
                                        &mut sig.namespace,
                                        &m.value,
                                        "Metadata.Namespace",
                                        &mut err,
                                    );
                                } else if m.key.eq_ignore_ascii_case("generateName") {
                                    assign(
                                        &mut generate_name,
                                        &m.value,
                                        "Metadata.GenerateName",
                                        &mut err,
                                    );
                                }
                            }
                        }
                        _ => {
                            if err.is_none() {
                                err = Some(json_err(format!(
                                    "cannot unmarshal {} into Go struct field .Metadata of type {METADATA_TYPE}",
                                    json_type(&e.value)
                                )));
                            }
                        }
                    }
                }
            }
        }
        _ => {
            err = Some(json_err(format!(
                "cannot unmarshal {} into Go value of type struct",
                json_type(node)
            )));
        }
    }
    if !generate_name.is_empty() {
        sig.name = format!("{generate_name}{{{{ generateName }}}}");
    }
    if err.is_none() {
        if sig.kind.is_empty() {
            err = Some("missing 'kind' key".to_string());
        } else if sig.version.is_empty() {
            err = Some("missing 'apiVersion' key".to_string());
        }
    }
    (sig, err)
}

/// kubeconform's `SignatureFromMap`, used for `List` items: exact keys, strings only.
fn map_signature(node: &Node) -> Result<Sig, String> {
    let kind = node.str_at(&["kind"]).ok_or("missing 'kind' key")?;
    let version = node
        .str_at(&["apiVersion"])
        .ok_or("missing 'apiVersion' key")?;
    let mut sig = Sig {
        kind: kind.to_string(),
        version: version.to_string(),
        ..Sig::default()
    };
    if node
        .get_path(&["metadata"])
        .and_then(Node::as_map)
        .is_some()
    {
        sig.name = node.str_at(&["metadata", "name"]).unwrap_or("").to_string();
        sig.namespace = node
            .str_at(&["metadata", "namespace"])
            .unwrap_or("")
            .to_string();
        if let Some(g) = node.str_at(&["metadata", "generateName"]) {
            sig.name = format!("{g}{{{{ generateName }}}}");
        }
    }
    Ok(sig)
}

/// Validates one pending resource as kubeconform's `ValidateResource` does.
pub(crate) fn validate(
    p: Pending,
    path: &str,
    rules: &Rules<'_>,
    validator: &dyn DocValidator,
) -> KResult {
    let (node, sig) = match p {
        Pending::Empty => return KResult::plain(path, Sig::default(), Status::Empty),
        Pending::Doc {
            empty,
            decoded,
            sig,
            sig_err,
        } => {
            if empty {
                return KResult::plain(path, sig, Status::Empty);
            }
            let node = match decoded {
                Ok(n) => n,
                Err(e) => {
                    return KResult::error(path, sig, format!("error unmarshalling resource: {e}"));
                }
            };
            if let Some(r) = not_an_object(&node, path, &sig) {
                return r;
            }
            if let Some(e) = sig_err {
                return KResult::error(path, sig, format!("error while parsing: {e}"));
            }
            (node, sig)
        }
        Pending::Item(node) => {
            if let Some(r) = not_an_object(&node, path, &Sig::default()) {
                return r;
            }
            match map_signature(&node) {
                Ok(sig) => (node, sig),
                Err(e) => {
                    // The output then reads the item's signature the lenient way.
                    let (sig, _) = struct_signature(&node);
                    return KResult::error(path, sig, format!("error while parsing: {e}"));
                }
            }
        }
    };
    let listed = |set: &std::collections::BTreeSet<String>| {
        set.contains(&format!("{}/{}", sig.version, sig.kind)) || set.contains(&sig.kind)
    };
    if listed(rules.skip) {
        return KResult::plain(path, sig, Status::Skipped);
    }
    if listed(rules.reject) {
        let msg = format!("prohibited resource kind {}", sig.kind);
        return KResult::error(path, sig, msg);
    }
    let doc = Document {
        path: path.to_string(),
        api_version: sig.version.clone(),
        kind: sig.kind.clone(),
        name: sig.name.clone(),
        namespace: sig.namespace.clone(),
        node,
    };
    match validator.validate(&doc) {
        Outcome::Valid => KResult::plain(path, sig, Status::Valid),
        Outcome::Skipped => KResult::plain(path, sig, Status::Skipped),
        Outcome::Empty => KResult::plain(path, sig, Status::Empty),
        Outcome::Error(e) => KResult::error(path, sig, e),
        Outcome::NotFound => {
            if rules.ignore_missing_schemas {
                KResult::plain(path, sig, Status::Skipped)
            } else {
                let msg = format!("could not find schema for {}", sig.kind);
                KResult::error(path, sig, msg)
            }
        }
        Outcome::Invalid { schema, errors } => KResult {
            path: path.to_string(),
            sig,
            status: Status::Invalid,
            err: format!(
                "problem validating schema. Check JSON formatting: {}",
                super::invalid_message(&schema, &errors).replace('\n', " ")
            ),
            errors,
        },
    }
}

/// `null` is an empty resource; anything but a mapping cannot decode into Go's map.
fn not_an_object(node: &Node, path: &str, sig: &Sig) -> Option<KResult> {
    match node.value {
        Value::Null => Some(KResult::plain(path, sig.clone(), Status::Empty)),
        Value::Map(_) => None,
        _ => Some(KResult::error(
            path,
            sig.clone(),
            format!(
                "error unmarshalling resource: {}",
                json_err(format!(
                    "cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_type(node)
                ))
            ),
        )),
    }
}
