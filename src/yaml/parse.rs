//! Building spanned [`Node`] trees from saphyr's event stream.
//!
//! saphyr-parser (maintained successor of yaml-rust) gives every event a span; this module turns
//! events into trees and adds what the Go decoders do and saphyr leaves to its users: merge keys,
//! duplicate-key errors naming both lines, and limits so hostile input is refused, not expanded.

use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan, Tag};

use super::node::{CompactString, Entry, Mapping, Node, Span, Value};
use super::quirks::indent_quoted;
pub use super::quirks::refold_like_kyaml;
use super::resolve::{Profile, resolve_plain};
use crate::error::{Error, Result};

/// Bounds on what one file may make us build.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of collections accepted. Real manifests stay far below; the bound keeps
    /// every recursive walk of a tree (merge, emit) safe from stack overflow.
    pub max_depth: usize,
    /// Most nodes aliases may copy in one document (alias bombs grow exponentially).
    pub max_alias_nodes: usize,
    /// Accept duplicate keys, the later one winning (sigs.k8s.io/yaml's non-strict decoding,
    /// which kustomize uses for its own file). Otherwise a duplicate key is an error.
    pub allow_duplicate_keys: bool,
    /// Give folded (`>`) scalars the value they have after kustomize's round trip through
    /// go-yaml v3's emitter and parser (see [`refold_like_kyaml`]). kustomize does this to
    /// resources and strategic-merge patches, not to its own file or JSON patches.
    pub kyaml_refold: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
            allow_duplicate_keys: false,
            kyaml_refold: false,
        }
    }
}

/// Reads `path` and parses every YAML document in it.
///
/// `display` is the name used in spans and errors. Invalid UTF-8 and binary content are errors
/// naming the file and line; a UTF-8 byte-order mark is skipped.
pub fn parse_file(
    bytes: &[u8],
    display: &str,
    profile: Profile,
    limits: Limits,
) -> Result<Vec<Node>> {
    let text = decode(bytes, display)?;
    parse_str(text, display, profile, limits)
}

/// Checks that `bytes` are UTF-8 text and strips a byte-order mark.
pub(crate) fn decode<'a>(bytes: &'a [u8], display: &str) -> Result<&'a str> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let col = String::from_utf8_lossy(good.rsplit(|&b| b == b'\n').next().unwrap_or(&[]))
                .chars()
                .count() as u32
                + 1;
            return Err(Error::new(
                Span::new(display.into(), line, col),
                "file is not valid UTF-8 text (is it binary?)",
            ));
        }
    };
    if let Some(pos) = text.find('\0') {
        let line = text[..pos].matches('\n').count() as u32 + 1;
        return Err(Error::new(
            Span::new(display.into(), line, 1),
            "file contains a NUL byte: binary files are not YAML",
        ));
    }
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Parses every document of `text`. An empty or comment-only document gives a `null` node.
pub fn parse_str(text: &str, display: &str, profile: Profile, limits: Limits) -> Result<Vec<Node>> {
    // go-yaml accepts continuation lines of a quoted scalar at any indentation; saphyr wants
    // them indented past the enclosing block. Their leading blanks are not part of the value,
    // so indenting them changes nothing but saphyr's mind.
    let mut text = std::borrow::Cow::Borrowed(text);
    let mut last = None;
    for _ in 0..10_000 {
        match parse_once(&text, display, profile, limits) {
            Err(Retry::QuotedIndent { line, col }) => match indent_quoted(&text, line, col) {
                // A scalar already re-indented and still refused is really wrong.
                Some(fixed) if last != Some((line, col)) => {
                    last = Some((line, col));
                    text = std::borrow::Cow::Owned(fixed);
                }
                _ => return Err(quoted_indent_error(display, line, col)),
            },
            Err(Retry::Fail(e)) => return Err(e),
            Ok(docs) => return Ok(docs),
        }
    }
    Err(Error::new(
        Span::file(display.into()),
        "invalid YAML: too many badly indented quoted scalars",
    ))
}

/// What a mapping key spelled `<<` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MergeKey {
    /// Not `<<`.
    No,
    /// A plain `<<`: a merge key.
    Merge,
    /// A quoted or tagged `<<`: an ordinary key to YAML.
    Quoted,
}

enum Retry {
    /// saphyr refused a quoted scalar's indentation; its opening quote is at this 1-based
    /// line and 0-based character column.
    QuotedIndent {
        line: usize,
        col: usize,
    },
    Fail(Error),
}

fn quoted_indent_error(display: &str, line: usize, col: usize) -> Error {
    Error::new(
        Span::new(display.into(), line as u32, col as u32 + 1),
        "invalid YAML: invalid indentation in quoted scalar",
    )
}

fn parse_once(
    text: &str,
    display: &str,
    profile: Profile,
    limits: Limits,
) -> std::result::Result<Vec<Node>, Retry> {
    let file: Arc<str> = display.into();
    let mut b = Builder {
        file: file.clone(),
        profile,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        alias_nodes: 0,
        plain_key: false,
        unterminated_end: (!text.ends_with('\n') && !text.ends_with('\r'))
            .then(|| text.chars().count()),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| {
            let m = e.marker();
            if e.info() == "invalid indentation in quoted scalar" {
                return Retry::QuotedIndent {
                    line: m.line(),
                    col: m.col(),
                };
            }
            Retry::Fail(Error::new(
                Span::new(file.clone(), m.line() as u32, m.col() as u32 + 1),
                format!("invalid YAML: {}", e.info()),
            ))
        })?;
        b.event(ev, span).map_err(Retry::Fail)?;
    }
    Ok(b.docs)
}

struct Builder {
    file: Arc<str>,
    profile: Profile,
    limits: Limits,
    stack: Vec<Frame>,
    /// Anchor id → (node, number of nodes in it).
    anchors: HashMap<usize, (Node, usize)>,
    docs: Vec<Node>,
    alias_nodes: usize,
    /// Whether the scalar being pushed was plain and untagged (a `<<` key then merges).
    plain_key: bool,
    /// The text's length in characters when its last line has no line break: a block scalar
    /// ending there has no final line break to keep (saphyr adds one; go-yaml does not).
    unterminated_end: Option<usize>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
        size: usize,
    },
    Map {
        map: Mapping,
        span: Span,
        anchor: usize,
        size: usize,
        /// The key read, waiting for its value.
        key: Option<(CompactString, Span)>,
        /// What the pending key is when it reads `<<`.
        merge_key: MergeKey,
        /// Merge sources (`<<`) in order; applied when the mapping ends.
        merges: Vec<Node>,
        /// Line of each explicit key, for duplicate-key errors.
        lines: HashMap<CompactString, u32>,
    },
}

impl Builder {
    fn span(&self, s: &PSpan) -> Span {
        Span::new(
            self.file.clone(),
            s.start.line() as u32,
            s.start.col() as u32 + 1,
        )
    }

    fn event(&mut self, ev: Event<'_>, pspan: PSpan) -> Result<()> {
        let span = self.span(&pspan);
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.alias_nodes = 0;
            }
            Event::DocumentEnd => {}
            Event::Scalar(mut text, style, anchor, tag) => {
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && self.unterminated_end == Some(pspan.end.index())
                    && text.ends_with('\n')
                {
                    text.to_mut().pop();
                }
                if style == ScalarStyle::Folded && self.limits.kyaml_refold {
                    text = refold_like_kyaml(&text).into();
                }
                let value = self.scalar(&text, style, tag.as_deref(), &span)?;
                let node = Node::spanned(value, Some(span.clone()));
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.plain_key = style == ScalarStyle::Plain && tag.is_none();
                let pushed = self.push(node, 1, Some(CompactString::from(&*text)));
                self.plain_key = false;
                pushed?;
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id).cloned() else {
                    return Err(Error::new(span, "alias names an unknown anchor"));
                };
                self.alias_nodes += size;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(Error::new(
                        span,
                        format!(
                            "document expands aliases to more than {} nodes (an alias bomb?)",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                let text = scalar_key_text(&node.value);
                self.push(node, size, text)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(&span)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    span,
                    anchor,
                    size: 1,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(&span)?;
                self.stack.push(Frame::Map {
                    map: Mapping::new(),
                    span,
                    anchor,
                    size: 1,
                    key: None,
                    merge_key: MergeKey::No,
                    merges: Vec::new(),
                    lines: HashMap::new(),
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    items,
                    span,
                    anchor,
                    size,
                }) = self.stack.pop()
                else {
                    return Err(Error::new(span, "invalid YAML: unbalanced sequence"));
                };
                let mut items = items;
                items.shrink_to_fit();
                let node = Node::spanned(Value::Seq(items), Some(span));
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                self.push(node, size, None)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    mut map,
                    span,
                    anchor,
                    size,
                    merges,
                    ..
                }) = self.stack.pop()
                else {
                    return Err(Error::new(span, "invalid YAML: unbalanced mapping"));
                };
                apply_merges(&mut map, merges)?;
                map.shrink_to_fit();
                let node = Node::spanned(Value::Map(map), Some(span));
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                self.push(node, size, None)?;
            }
        }
        Ok(())
    }

    fn check_depth(&self, span: &Span) -> Result<()> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error::new(
                span.clone(),
                format!(
                    "YAML nested deeper than {} levels is not accepted",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: &Span,
    ) -> Result<Value> {
        if let Some(tag) = tag
            && let Some(core) = core_tag(tag)
        {
            let resolved = resolve_plain(text, self.profile);
            let bad = || Error::new(span.clone(), format!("cannot decode {text:?} as !!{core}"));
            return match core {
                "str" | "timestamp" => Ok(Value::Str(text.into())),
                // go-yaml decodes !!binary into the bytes it spells (as a string).
                "binary" => {
                    use base64::Engine as _;
                    // Go's decoder skips line breaks, nothing else.
                    let clean: String =
                        text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
                    base64::engine::general_purpose::STANDARD
                        .decode(clean.as_bytes())
                        .map(|b| Value::Str(String::from_utf8_lossy(&b).into_owned().into()))
                        .map_err(|_| {
                            Error::new(span.clone(), "!!binary value contains invalid base64 data")
                        })
                }
                "null" => Ok(Value::Null),
                "bool" => match resolved {
                    Value::Bool(_) => Ok(resolved),
                    _ => Err(bad()),
                },
                "int" => match resolved {
                    Value::Int(_) => Ok(resolved),
                    _ => Err(bad()),
                },
                "float" => match resolved {
                    Value::Int(i) => Ok(Value::Float(i as f64)),
                    Value::Float(_) => Ok(resolved),
                    _ => Err(bad()),
                },
                // !!map / !!seq on a scalar, or an unknown core tag.
                _ => Err(Error::new(
                    span.clone(),
                    format!("tag !!{core} does not fit a scalar"),
                )),
            };
        }
        Ok(match style {
            ScalarStyle::Plain if tag.is_none() => resolve_plain(text, self.profile),
            _ => Value::Str(text.into()),
        })
    }

    /// Adds a finished node to its parent (or makes it a document). `key_text` is the scalar's
    /// source text, used when the node is a mapping key.
    fn push(&mut self, node: Node, size: usize, key_text: Option<CompactString>) -> Result<()> {
        let allow_dups = self.limits.allow_duplicate_keys;
        let profile = self.profile;
        match self.stack.last_mut() {
            None => {
                self.docs.push(node);
                Ok(())
            }
            Some(Frame::Seq { items, size: s, .. }) => {
                *s += size;
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                map,
                key,
                merges,
                lines,
                size: s,
                merge_key,
                ..
            }) => {
                *s += size;
                match key.take() {
                    None => {
                        let span = node.span.clone().expect("parsed nodes have spans");
                        let Some(text) = key_text.or_else(|| scalar_key_text(&node.value)) else {
                            return Err(Error::new(
                                span,
                                format!("a {} cannot be a mapping key", node.type_name()),
                            ));
                        };
                        *merge_key = match (text == "<<", self.plain_key) {
                            (false, _) => MergeKey::No,
                            (true, true) => MergeKey::Merge,
                            (true, false) => MergeKey::Quoted,
                        };
                        *key = Some((text, span));
                        Ok(())
                    }
                    Some((k, kspan)) => {
                        match merge_key {
                            MergeKey::Merge => {
                                if !matches!(node.value, Value::Map(_) | Value::Seq(_)) {
                                    return Err(Error::new(
                                        node.span.clone().unwrap_or(kspan),
                                        "map merge requires map or sequence of maps as the value",
                                    ));
                                }
                                merges.push(node);
                                return Ok(());
                            }
                            // kustomize drops a quoted or tagged `<<` key with its value,
                            // unless a merge key came before it in the mapping.
                            MergeKey::Quoted
                                if profile == Profile::Kustomize && merges.is_empty() =>
                            {
                                return Ok(());
                            }
                            _ => {}
                        }
                        if allow_dups && lines.contains_key(&k) {
                            map.remove(&k);
                        } else if let Some(first) = lines.get(&k) {
                            return Err(Error::new(
                                kspan,
                                format!("duplicate key {k:?} (first defined at line {first})"),
                            ));
                        }
                        lines.insert(k.clone(), kspan.line);
                        map.push_growing(Entry {
                            key: k,
                            key_span: Some(kspan),
                            value: node,
                        });
                        Ok(())
                    }
                }
            }
        }
    }
}

/// The name of a YAML core-schema tag (`!!str` → `str`), if `tag` is one.
fn core_tag(tag: &Tag) -> Option<&str> {
    if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        Some(tag.suffix.as_str())
    } else {
        None
    }
}

/// Text of a scalar used as a key when we no longer have its source text (aliases).
fn scalar_key_text(v: &Value) -> Option<CompactString> {
    match v {
        Value::Null => Some(CompactString::default()),
        Value::Bool(b) => Some(b.to_string().into()),
        Value::Int(i) => Some(i.to_string().into()),
        Value::Float(f) => Some(f.to_string().into()),
        Value::Str(s) => Some(s.clone()),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// Applies `<<` merge keys as go-yaml does: explicit keys win, then earlier merge sources.
fn apply_merges(map: &mut Mapping, merges: Vec<Node>) -> Result<()> {
    for source in merges {
        let span = source.span.clone();
        let sources: Vec<Node> = match source.value {
            Value::Map(_) => vec![source],
            Value::Seq(items) => items,
            // Only mappings and sequences are collected as merge sources.
            _ => continue,
        };
        for s in sources {
            let Value::Map(m) = s.value else {
                return Err(Error::new(
                    span.clone().expect("parsed nodes have spans"),
                    "map merge requires map or sequence of maps as the value",
                ));
            };
            for e in m.entries() {
                if !map.contains_key(&e.key) {
                    map.push(e.clone());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Node>> {
        parse_str(s, "t.yaml", Profile::Kustomize, Limits::default())
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let docs = parse("a: 1\nb:\n  c: x\n").unwrap();
        let m = docs[0].as_map().unwrap();
        let b = m.entry("b").unwrap();
        assert_eq!(b.key_span.as_ref().unwrap().line, 2);
        let c = b.value.as_map().unwrap().get("c").unwrap();
        assert_eq!(c.span.as_ref().unwrap().to_string(), "t.yaml:3:6");
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.span.line, 3);
        assert!(
            e.message.contains("first defined at line 1"),
            "{}",
            e.message
        );
    }

    #[test]
    fn merge_keys_fill_missing_keys_only() {
        let docs = parse("base: &b\n  x: 1\n  y: 2\nd:\n  <<: *b\n  y: 3\n").unwrap();
        let d = docs[0]
            .as_map()
            .unwrap()
            .get("d")
            .unwrap()
            .as_map()
            .unwrap();
        assert_eq!(d.get("x").unwrap().value, Value::Int(1));
        assert_eq!(d.get("y").unwrap().value, Value::Int(3));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            s.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("alias"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let s = "[".repeat(20_000) + &"]".repeat(20_000);
        let e = parse(&s).unwrap_err();
        assert!(
            e.message.contains("nested deeper") || e.message.contains("recursion limit"),
            "{}",
            e.message
        );
        // Block style is limited by our own depth bound.
        let mut s = String::new();
        for i in 0..300 {
            s.push_str(&" ".repeat(i));
            s.push_str("a:\n");
        }
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{}", e.message);
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let docs = parse_file(
            b"\xef\xbb\xbfa: 1\r\nb: two\r\n",
            "t.yaml",
            Profile::Kustomize,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(docs[0].str_at(&["b"]), Some("two"));
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = parse_file(
            b"a: 1\nb: \xff\n",
            "t.yaml",
            Profile::Kustomize,
            Limits::default(),
        )
        .unwrap_err();
        assert_eq!(e.span.line, 2);
    }

    #[test]
    fn multiple_documents_and_empty_ones() {
        let docs = parse("a: 1\n---\n# only a comment\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[1].is_null());
    }

    #[test]
    fn block_scalar_at_unterminated_end_has_no_final_break() {
        let docs = parse("a: |\n  x\n  y").unwrap();
        assert_eq!(docs[0].str_at(&["a"]), Some("x\ny"));
        let docs = parse("a: |\n  x\n  y\n").unwrap();
        assert_eq!(docs[0].str_at(&["a"]), Some("x\ny\n"));
        let docs = parse("a: >\n  x\n  y\nb: 1").unwrap();
        assert_eq!(docs[0].str_at(&["a"]), Some("x y\n"));
    }

    #[test]
    fn folded_scalars_gain_kyamls_blank_lines() {
        for (from, to) in [
            ("a\n b\nc", "a\n\n b\nc"),
            ("a\n\n b\nc", "a\n\n\n b\nc"),
            (" b\nc", " b\nc"),
            ("a\n b\n c\nd", "a\n\n b\n c\nd"),
            ("a b\n\n\n", "a b\n\n\n\n"),
            ("a b\n", "a b\n"),
            ("\na\n b\n", "\na\n\n b\n"),
            ("a b\n\tc", "a b\n\n\tc"),
        ] {
            assert_eq!(refold_like_kyaml(from), to, "{from:?}");
        }
        let limits = Limits {
            kyaml_refold: true,
            ..Limits::default()
        };
        let docs = parse_str(
            "a: >-\n  x\n   y\nb: |-\n  x\n   y\n",
            "t",
            Profile::Kustomize,
            limits,
        )
        .unwrap();
        assert_eq!(docs[0].str_at(&["a"]), Some("x\n\n y"));
        assert_eq!(docs[0].str_at(&["b"]), Some("x\n y"));
    }

    #[test]
    fn quoted_scalars_continue_at_any_indentation() {
        let docs =
            parse("a:\n  b: 'one\n  two'\n  c: \"x\n y\\\n   z\"\n  d: 'it''s\nok'\n").unwrap();
        assert_eq!(docs[0].str_at(&["a", "b"]), Some("one two"));
        assert_eq!(docs[0].str_at(&["a", "c"]), Some("x yz"));
        assert_eq!(docs[0].str_at(&["a", "d"]), Some("it's ok"));
    }

    #[test]
    fn quoted_and_tagged_scalars_stay_strings() {
        let docs = parse("a: \"1\"\nb: !!str 2\nc: '0755'\nd: 0755\n").unwrap();
        let m = docs[0].as_map().unwrap();
        assert_eq!(m.get("a").unwrap().value, Value::Str("1".into()));
        assert_eq!(m.get("b").unwrap().value, Value::Str("2".into()));
        assert_eq!(m.get("c").unwrap().value, Value::Str("0755".into()));
        assert_eq!(m.get("d").unwrap().value, Value::Int(493));
    }
}
