//! Printing resources byte-for-byte as `kubectl kustomize` does.
//!
//! kustomize prints a resource by encoding it to JSON and converting that JSON to YAML with
//! sigs.k8s.io/yaml, which reads it with go-yaml v2 and prints it with go-yaml v2's port of
//! libyaml's emitter. The visible consequences, all reproduced here:
//! - mapping keys in go-yaml v2's "natural" order (digit runs compare as numbers);
//! - numbers as they survive JSON (`1.0` prints `1`, large floats `1e+21`);
//! - YAML 1.1 quoting (`"yes"`, `"0755"`, `"2001-12-14"` are quoted), libyaml's choice between
//!   plain, single-quoted, double-quoted and literal block scalars, and its line folding at 80
//!   columns;
//! - 2-space indentation with sequences not indented under their key;
//! - what go-yaml v2 makes of the JSON text: a raw NEL (U+0085) in a string is a line break to it,
//!   folded to a space.
//!
//! The emitter below keeps the same state libyaml does (column, indentation stack, whether the
//! last thing written was whitespace or indentation) because the exact bytes depend on it.

mod number;
mod quote;
mod reread;
mod scalar;

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::node::{Node, Span, Value};
use crate::error::{Error, Result};
use scalar::Style;

/// libyaml's indentation step.
const BEST_INDENT: i64 = 2;
/// libyaml's preferred line width: plain and quoted scalars fold at a space past this column.
const BEST_WIDTH: usize = 80;
/// Keys longer than this (in bytes) are written in the explicit `? key` form.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Prints one resource exactly as `kubectl kustomize` prints it (ending with a newline).
///
/// Fails where kustomize fails, at the span of the value or key: NaN and infinite floats (Go's
/// JSON encoder refuses them), and strings go-yaml v2 cannot read back from that JSON (DEL, C1
/// controls other than NEL, U+FFFE, U+FFFF; a NEL followed by a `---`/`...` line).
pub fn emit_document(node: &Node) -> Result<String> {
    let mut w = Writer::new();
    w.node(node, Ctx::default())?;
    // Document end: finish the last line.
    w.write_indent();
    Ok(w.out)
}

/// Prints resources as `kubectl kustomize` does: each document as [`emit_document`], separated by
/// `---` lines. No resources print nothing.
pub fn emit_documents<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> Result<String> {
    let mut out = String::new();
    for (i, node) in nodes.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&emit_document(node)?);
    }
    Ok(out)
}

/// Where a node sits, as libyaml tracks it: as a mapping key or value, and as a "simple" key
/// (written inline before `:`, so no line breaks are allowed in it).
#[derive(Clone, Copy, Default)]
struct Ctx {
    mapping: bool,
    simple_key: bool,
}

/// libyaml's emitter state, reduced to what block-style output of plain data needs.
struct Writer {
    out: String,
    /// Characters (not bytes) written on the current line.
    column: usize,
    /// The last thing written was whitespace (so an indicator needs no space before it).
    whitespace: bool,
    /// Only indentation (and indicators like `-`) has been written on the current line.
    indention: bool,
    /// Current indentation; -1 before the root node.
    indent: i64,
    indents: Vec<i64>,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Copies a line-break character of a scalar: `\n` as a newline, others (U+2028 ...) as they
    /// are, after which libyaml believes it is at the start of a line.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        if let Some(i) = self.indents.pop() {
            self.indent = i;
        }
    }

    fn node(&mut self, node: &Node, ctx: Ctx) -> Result<()> {
        match &node.value {
            Value::Null => self.scalar("null", Style::Plain, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Value::Int(i) => self.scalar(&number::int_text(*i), Style::Plain, ctx),
            Value::Float(f) => match number::float_text(*f) {
                Some(text) => self.scalar(&text, Style::Plain, ctx),
                None => return Err(unsupported(node, *f)),
            },
            Value::Str(s) => self.string(&reread(s, node.span.as_ref())?, ctx),
            Value::Seq(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Seq(items) => {
                self.increase_indent(false, ctx.mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Ctx::default())?;
                }
                self.pop_indent();
            }
            Value::Map(m) if m.is_empty() => self.empty_flow("{", "}"),
            Value::Map(m) => {
                let keys = m
                    .entries()
                    .iter()
                    .map(|e| reread(&e.key, e.key_span.as_ref()))
                    .collect::<Result<Vec<_>>>()?;
                self.increase_indent(false, false);
                for i in sorted_order(&keys) {
                    let (key, value) = (&keys[i], &m.entries()[i].value);
                    self.write_indent();
                    if is_simple_key(key) {
                        self.string(
                            key,
                            Ctx {
                                mapping: true,
                                simple_key: true,
                            },
                        );
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.string(
                            key,
                            Ctx {
                                mapping: true,
                                simple_key: false,
                            },
                        );
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(
                        value,
                        Ctx {
                            mapping: true,
                            simple_key: false,
                        },
                    )?;
                }
                self.pop_indent();
            }
        }
        Ok(())
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    /// A string as go-yaml v2 asks for it: a literal block when it has a newline, double-quoted
    /// when plain text would read back as another type, plain otherwise. The emitter may still
    /// pick another style when the requested one cannot hold the text.
    fn string(&mut self, s: &str, ctx: Ctx) {
        let requested = if s.contains('\n') {
            Style::Literal
        } else if quote::needs_quotes(s) {
            Style::Double
        } else {
            Style::Plain
        };
        self.scalar(s, requested, ctx);
    }

    fn scalar(&mut self, text: &str, requested: Style, ctx: Ctx) {
        let analysis = scalar::analyze(text);
        let style = scalar::select_style(requested, &analysis, text, ctx.simple_key);
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => scalar::write_plain(self, text, allow_breaks),
            Style::Single => scalar::write_single(self, text, allow_breaks),
            Style::Double => scalar::write_double(self, text, allow_breaks),
            Style::Literal => scalar::write_literal(self, text),
        }
        self.pop_indent();
    }
}

/// libyaml writes a key inline (`key: value`) only when it is one line and at most 128 bytes.
fn is_simple_key(key: &str) -> bool {
    key.len() <= MAX_SIMPLE_KEY_LEN && !scalar::analyze(key).multiline
}

fn unsupported(node: &Node, f: f64) -> Error {
    let what = if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    };
    let span = node
        .span
        .clone()
        .unwrap_or_else(|| Span::file("<generated>".into()));
    Error::new(
        span,
        format!("cannot print {what}: JSON has no such number (json: unsupported value: {what})"),
    )
}

/// The place reported for values that carry no span of their own.
fn generated() -> Span {
    Span::file("<generated>".into())
}

/// A string as go-yaml v2 reads it back from kustomize's JSON, or kustomize's failure on it.
fn reread<'a>(s: &'a str, span: Option<&Span>) -> Result<Cow<'a, str>> {
    reread::json_string(s).map_err(|msg| Error::new(span.cloned().unwrap_or_else(generated), msg))
}

/// The order in which go-yaml v2 prints these keys.
fn sorted_order<K: AsRef<str>>(keys: &[K]) -> Vec<usize> {
    let keys: Vec<Vec<char>> = keys.iter().map(|k| k.as_ref().chars().collect()).collect();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    merge_sort(&mut order, &|&a, &b| key_less(&keys[a], &keys[b]));
    order
}

/// A stable merge sort by a "less" predicate. go-yaml's key order is not guaranteed to be a total
/// order for odd keys, and std's sorts may panic on such orders; this one never does.
fn merge_sort<T: Copy>(v: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    if v.len() <= 1 {
        return;
    }
    let mid = v.len() / 2;
    merge_sort(&mut v[..mid], less);
    merge_sort(&mut v[mid..], less);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        if less(&v[j], &v[i]) {
            merged.push(v[j]);
            j += 1;
        } else {
            merged.push(v[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&v[i..mid]);
    merged.extend_from_slice(&v[j..]);
    v.copy_from_slice(&merged);
}

/// Go's `unicode.IsLetter` (general category L).
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_class(c, &LETTER, r"\p{L}")
    }
}

/// Go's `unicode.IsDigit` (general category Nd).
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_class(c, &DECIMAL_DIGIT, r"\p{Nd}")
    }
}

static LETTER: OnceLock<Option<Regex>> = OnceLock::new();
static DECIMAL_DIGIT: OnceLock<Option<Regex>> = OnceLock::new();

/// Whether `c` is in a Unicode general category. Rust's std has no general-category test (its
/// `is_alphabetic` also counts combining marks and letter numerals); the regex crate's tables do.
fn in_class(c: char, cell: &'static OnceLock<Option<Regex>>, class: &str) -> bool {
    let re = cell.get_or_init(|| Regex::new(&format!("^{class}$")).ok());
    let mut buf = [0u8; 4];
    re.as_ref()
        .is_some_and(|re| re.is_match(c.encode_utf8(&mut buf)))
}

/// go-yaml v2's string key order: letters after non-letters, runs of digits compared by value.
fn key_less(a: &[char], b: &[char]) -> bool {
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            continue;
        }
        let (al, bl) = (is_letter(a[i]), is_letter(b[i]));
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            return bl;
        }
        // A digit run that continues earlier non-zero digits is not a leading-zero run: count it
        // as starting from 1 so that "10" and "1" compare after their common prefix.
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if a[i] == '0' || b[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(a[j - 1]) {
                j -= 1;
                if a[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let run = |s: &[char], n: &mut i64| {
            let mut k = i;
            while k < s.len() && is_digit(s[k]) {
                let d = i64::from(s[k] as i32 - '0' as i32);
                *n = n.wrapping_mul(10).wrapping_add(d);
                k += 1;
            }
            k
        };
        let ai = run(a, &mut an);
        let bi = run(b, &mut bn);
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

/// The key order as an `Ordering`, for tests.
#[cfg(test)]
fn key_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if key_less(&a, &b) {
        Ordering::Less
    } else if key_less(&b, &a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests;
