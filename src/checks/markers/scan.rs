//! Reading image-policy markers from YAML source text: where the comments are, what each
//! comment is attached to, and what a marker says.
//!
//! Builds drop comments, so markers are found in the files as written. The controller
//! (image-automation-controller with kyaml's field metadata) reads the line comment or the head
//! comment of a scalar node, strips leading `#`s and decodes the rest as a JSON object of
//! strings: `{"$imagepolicy": "NS:NAME[:tag|:name|:digest]"}`, or the long form
//! `{"$ref": "#/definitions/io.k8s.cli.setters.NS:NAME[...]"}`. Anything else is silently
//! ignored there, which is why a near-miss is worth reporting.

/// Which part of the image reference a marker sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `NS:NAME`: the whole reference, `name:tag` (with `@digest` when reflected).
    Image,
    /// `:tag`.
    Tag,
    /// `:name`: the repository without tag.
    Name,
    /// `:digest`: needs the policy's `digestReflectionPolicy`.
    Digest,
}

/// A well-formed marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The ImagePolicy's namespace.
    pub namespace: String,
    /// The ImagePolicy's name.
    pub name: String,
    /// The part it sets.
    pub field: Field,
    /// Written as `{"$ref": "#/definitions/io.k8s.cli.setters.…"}`.
    pub long_form: bool,
}

/// A comment meant as a marker that the controller would not read as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkerError {
    /// Why, one sentence.
    pub message: String,
}

/// Where a marker's JSON starts inside its comment, in characters after the `#`…
fn json_start(comment: &str) -> usize {
    let body = comment.trim_start_matches('#');
    let skipped = comment.len() - body.len();
    let ws = body.len() - body.trim_start().len();
    comment[..skipped + ws].chars().count()
}

/// Parses a comment (its text from the first `#`). `None` when it is not meant as a marker (it
/// mentions neither `$imagepolicy` nor `io.k8s.cli.setters`); otherwise the marker or why
/// the controller would ignore it. Never panics.
pub fn parse_marker(comment: &str) -> Option<Result<Marker, MarkerError>> {
    let lower = comment.to_ascii_lowercase();
    if !lower.contains("$imagepolicy") && !lower.contains("io.k8s.cli.setters") {
        return None;
    }
    Some(parse_json(comment.trim_start_matches('#')))
}

/// The character offset of the marker's `{` (or first text) inside `comment`.
pub fn marker_offset(comment: &str) -> usize {
    json_start(comment)
}

fn fail<T>(message: impl Into<String>) -> Result<T, MarkerError> {
    Err(MarkerError {
        message: message.into(),
    })
}

fn parse_json(body: &str) -> Result<Marker, MarkerError> {
    let value: serde_json::Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => {
            return fail(format!(
                "image policy marker is not a JSON object ({e}), so Flux ignores it"
            ));
        }
    };
    let Some(obj) = value.as_object() else {
        return fail("image policy marker is not a JSON object, so Flux ignores it");
    };
    if let Some(v) = obj.get("$imagepolicy") {
        // Go decodes the comment into map[string]string: one value of another type and the
        // whole comment is ignored.
        if let Some((k, _)) = obj.iter().find(|(_, v)| !v.is_string()) {
            return fail(format!(
                "image policy marker has a value that is not a string (key {k:?}), so Flux ignores it"
            ));
        }
        let name = v.as_str().unwrap_or_default();
        return setter(name, false);
    }
    if let Some(k) = obj
        .keys()
        .find(|k| k.eq_ignore_ascii_case("$imagepolicy") || k.eq_ignore_ascii_case("imagepolicy"))
    {
        return fail(format!(
            "image policy marker key is {k:?}; Flux only reads \"$imagepolicy\""
        ));
    }
    if let Some(r) = obj.get("$ref") {
        let Some(r) = r.as_str() else {
            return fail("image policy marker's $ref is not a string, so Flux ignores it");
        };
        const PREFIX: &str = "#/definitions/io.k8s.cli.setters.";
        let Some(name) = r.strip_prefix(PREFIX) else {
            return fail(format!(
                "image policy marker $ref {r:?} does not start with {PREFIX:?}, so Flux ignores it"
            ));
        };
        return setter(name, true);
    }
    fail(
        "image policy marker has neither a \"$imagepolicy\" nor a \"$ref\" key, so Flux ignores it",
    )
}

/// Whether `s` is a DNS-1123 label (namespaces).
fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Whether `s` is a DNS-1123 subdomain (object names).
fn dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(dns_label)
}

fn setter(name: &str, long_form: bool) -> Result<Marker, MarkerError> {
    let parts: Vec<&str> = name.split(':').collect();
    let shape = || {
        fail(format!(
            "image policy marker {name:?} is not NAMESPACE:NAME with an optional :tag, :name or :digest, so no policy matches it"
        ))
    };
    let field = match parts.as_slice() {
        [_, _] => Field::Image,
        [_, _, "tag"] => Field::Tag,
        [_, _, "name"] => Field::Name,
        [_, _, "digest"] => Field::Digest,
        [_, _, other] => {
            return fail(format!(
                "image policy marker {name:?} has an unknown suffix :{other} (Flux knows :tag, :name and :digest), so no policy matches it"
            ));
        }
        _ => return shape(),
    };
    if !dns_label(parts[0]) || !dns_subdomain(parts[1]) {
        return shape();
    }
    Ok(Marker {
        namespace: parts[0].to_string(),
        name: parts[1].to_string(),
        field,
        long_form,
    })
}

/// What the code on a line (before any comment) holds, as far as markers care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Nothing: a blank or comment-only line.
    None,
    /// A scalar value without a key: `- value`, a bare continuation value.
    Scalar,
    /// `key: value`, `- key: value`: a line comment is the value's, a head comment above it
    /// belongs to the key or the item.
    KeyScalar,
    /// No scalar: `key:` (value below), a bare `-`, a flow collection, an alias, `---`.
    Other,
}

/// One line of a YAML file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// What its code holds.
    pub code: Code,
    /// Its comment: 1-based character column of the `#`, and the text from it.
    pub comment: Option<(usize, String)>,
}

/// Splits `text` into lines with their code kind and comment. Content of block scalars (`|`,
/// `>`) is neither code nor comment.
pub fn scan(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    // The indentation a line must exceed to belong to the current block scalar.
    let mut block: Option<usize> = None;
    for raw in text.lines() {
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if raw.trim().is_empty() || indent > parent {
                out.push(Line {
                    code: Code::None,
                    comment: None,
                });
                continue;
            }
            block = None;
        }
        let (code, comment) = split_comment(raw);
        let trimmed = code.trim();
        let kind = classify(trimmed);
        if let Some(parent) = block_parent(code) {
            block = Some(parent);
        }
        out.push(Line {
            code: kind,
            comment,
        });
    }
    out
}

/// The code and the comment (column, text) of a line.
fn split_comment(line: &str) -> (&str, Option<(usize, String)>) {
    let mut quote: Option<char> = None;
    let mut prev: Option<char> = None;
    // Whether the next non-blank character starts a value (where a quote opens a scalar).
    let mut value_start = true;
    for (col, (i, c)) in line.char_indices().enumerate() {
        match quote {
            Some('\'') if c == '\'' => quote = None,
            Some('"') if c == '"' && prev != Some('\\') => quote = None,
            Some(_) => {}
            None => {
                if c == '#' && prev.is_none_or(char::is_whitespace) {
                    return (&line[..i], Some((col + 1, line[i..].to_string())));
                }
                if (c == '\'' || c == '"') && value_start {
                    quote = Some(c);
                }
                if !c.is_whitespace() {
                    value_start = matches!(c, ':' | '-' | '[' | '{' | ',' | '?');
                }
            }
        }
        prev = Some(c);
    }
    (line, None)
}

/// Where the value of `code` starts: after the sequence dashes and the first `key: `.
fn value_of(code: &str) -> (bool, &str) {
    let mut rest = code;
    while let Some(r) = rest.strip_prefix('-') {
        if r.is_empty() || r.starts_with(' ') {
            rest = r.trim_start();
        } else {
            break;
        }
    }
    let mut has_key = false;
    if let Some(i) = key_colon(rest) {
        has_key = true;
        rest = rest[i + 1..].trim_start();
    }
    (has_key, rest)
}

/// The byte index of the `:` ending a plain or quoted key at the start of `s`.
fn key_colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    if let Some(&q @ (b'"' | b'\'')) = b.first() {
        i = 1 + s[1..].find(char::from(q))? + 1;
        return (b.get(i) == Some(&b':') && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()))
            .then_some(i);
    }
    if matches!(
        b.first(),
        Some(b'[' | b'{' | b'|' | b'>' | b'*' | b'&' | b'!')
    ) {
        return None;
    }
    while i < b.len() {
        if b[i] == b':' && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn classify(code: &str) -> Code {
    if code.is_empty() {
        return Code::None;
    }
    if code.starts_with("---") || code.starts_with("...") || code.starts_with('%') {
        return Code::Other;
    }
    let (has_key, value) = value_of(code);
    // Tags and anchors precede the value.
    let mut value = value;
    while value.starts_with('!') || value.starts_with('&') {
        value = value.split_once(' ').map_or("", |(_, r)| r.trim_start());
    }
    if value.is_empty()
        || value.starts_with('[')
        || value.starts_with('{')
        || value.starts_with('*')
    {
        return Code::Other;
    }
    // `- key: value` too: a head comment above it belongs to the item, not to the value.
    if has_key {
        Code::KeyScalar
    } else {
        Code::Scalar
    }
}

/// For a block-scalar header (`key: |`, `- >-`), the indentation its content must exceed.
fn block_parent(code: &str) -> Option<usize> {
    let trimmed = code.trim_end();
    let last = trimmed.rsplit([' ', '\t']).next()?;
    let mut chars = last.chars();
    if !matches!(chars.next(), Some('|' | '>'))
        || !chars.all(|c| matches!(c, '-' | '+' | '0'..='9'))
    {
        return None;
    }
    let before = trimmed[..trimmed.len() - last.len()].trim_end();
    if !(before.ends_with(':') || before.ends_with('-') || before.is_empty()) {
        return None;
    }
    // The parent is the key (its column) or, for `- |`, the dash.
    let indent = code.len() - code.trim_start().len();
    let mut col = indent;
    let mut rest = &code[indent..];
    while let Some(r) = rest.strip_prefix("- ") {
        let ws = r.len() - r.trim_start().len();
        if r.trim_start().starts_with(['|', '>']) {
            return Some(col);
        }
        col += 2 + ws;
        rest = r.trim_start();
    }
    Some(col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(c: &str) -> Result<Marker, String> {
        parse_marker(c)
            .expect("meant as a marker")
            .map_err(|e| e.message)
    }

    #[test]
    fn markers_in_every_form() {
        let k = |ns: &str, n: &str, f| Marker {
            namespace: ns.into(),
            name: n.into(),
            field: f,
            long_form: false,
        };
        assert_eq!(
            m(r#"# {"$imagepolicy": "apps-update:frontend-podinfo:tag"}"#),
            Ok(k("apps-update", "frontend-podinfo", Field::Tag))
        );
        assert_eq!(
            m(r#"#{"$imagepolicy":"a:b"}"#),
            Ok(k("a", "b", Field::Image))
        );
        assert_eq!(
            m(r#"## {"$imagepolicy": "a:b:name"} "#),
            Ok(k("a", "b", Field::Name))
        );
        assert_eq!(
            m(r#"# {"$imagepolicy": "a:b.c:digest"}"#),
            Ok(k("a", "b.c", Field::Digest))
        );
        let long = m(r##"# {"$ref": "#/definitions/io.k8s.cli.setters.a:b:tag"}"##).unwrap();
        assert!(long.long_form && long.field == Field::Tag);
        assert_eq!(parse_marker("# a normal comment"), None);
        assert_eq!(marker_offset(r#"#  {"$imagepolicy": "a:b"}"#), 3);
    }

    #[test]
    fn near_misses_are_reported() {
        for bad in [
            r#"# {"$imagepolicy": "a:b"} # trailing"#,
            r#"# {"$imagepolicy": "a:b""#,
            r#"# {'$imagepolicy': 'a:b'}"#,
            r#"# $imagepolicy: a:b"#,
            r#"# {"$imagepolicy": "a:b:version"}"#,
            r#"# {"$imagepolicy": "podinfo"}"#,
            r#"# {"$imagepolicy": "a:b:c:tag"}"#,
            r#"# {"$imagepolicy": "A:b"}"#,
            r#"# {"$imagepolicy": ":b"}"#,
            r#"# {"$imagepolicy": ""}"#,
            r#"# {"$imagepolicy": "a:b", "n": 1}"#,
            r#"# {"$imagePolicy": "a:b"}"#,
            r##"# {"$ref": "io.k8s.cli.setters.a:b"}"##,
            r#"# ["$imagepolicy", "a:b"]"#,
        ] {
            assert!(m(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scan_finds_comments_and_what_they_sit_on() {
        let text = "spec: # {\"x\": 1}\n  image: nginx:1.0 # c1\n  args:\n    # head\n    - \"a # b\" # c2\n    - x: 'y' # c3\n  script: |\n    # not a comment\n  flow: [a, b] # c4\n  url: http://x#y\n";
        let lines = scan(text);
        let codes: Vec<Code> = lines.iter().map(|l| l.code).collect();
        assert_eq!(
            codes,
            vec![
                Code::Other,
                Code::KeyScalar,
                Code::Other,
                Code::None,
                Code::Scalar,
                Code::KeyScalar,
                Code::KeyScalar,
                Code::None,
                Code::Other,
                Code::KeyScalar,
            ]
        );
        let comments: Vec<Option<usize>> = lines
            .iter()
            .map(|l| l.comment.as_ref().map(|c| c.0))
            .collect();
        assert_eq!(
            comments,
            vec![
                Some(7),
                Some(20),
                None,
                Some(5),
                Some(15),
                Some(14),
                None,
                None,
                Some(16),
                None
            ]
        );
    }
}
