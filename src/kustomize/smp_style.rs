//! kyaml's scalar style rule: a patched scalar takes the style of the scalar it replaces.
//!
//! The tree keeps no styles, so the rule is applied by looking at the source text behind
//! spans: a replaced value written quoted (or as a block scalar) turns a patched number or
//! boolean into the string of its own source text, exactly as kustomize prints it.

use std::collections::HashMap;

use crate::yaml::{Node, Profile, Span, Value, resolve_plain};

/// The text of the files that spans name.
pub trait SourceText {
    /// The whole text of `file`, named as in [`Span::file`], if known.
    fn text(&self, file: &str) -> Option<&str>;
}

/// No source text: scalars keep their patched type.
pub struct NoSources;

impl SourceText for NoSources {
    fn text(&self, _file: &str) -> Option<&str> {
        None
    }
}

impl SourceText for HashMap<String, String> {
    fn text(&self, file: &str) -> Option<&str> {
        self.get(file).map(String::as_str)
    }
}

/// The rest of the line a span starts on, from the span's column.
fn at<'a>(sources: &'a dyn SourceText, span: &Span) -> Option<&'a str> {
    if span.line == 0 || span.col == 0 {
        return None;
    }
    let line = sources
        .text(&span.file)?
        .lines()
        .nth(span.line as usize - 1)?;
    let start = line
        .char_indices()
        .nth(span.col as usize - 1)
        .map(|(i, _)| i)?;
    Some(&line[start..])
}

/// The text of a plain scalar starting `rest`: up to a comment, a flow indicator or the end of
/// the line (numbers and booleans, the only values this is used for, contain none of them).
fn plain_token(rest: &str) -> &str {
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if matches!(c, ',' | ']' | '}') || (c == '#' && i > 0 && rest[..i].ends_with([' ', '\t'])) {
            end = i;
            break;
        }
    }
    rest[..end].trim_end()
}

/// Whether the string `old` carries a quoting style: written quoted or as a block scalar, or
/// written plain with text that only stays a string because an earlier patch quoted it.
fn quoted(sources: &dyn SourceText, key: Option<&Span>, old: &Node) -> bool {
    let Some(span) = old.span.as_ref() else {
        return false;
    };
    // A block scalar's span is its first content line; its indicator follows the key.
    if let Some(k) = key.filter(|k| k.file == span.file && k.line != 0 && k.line < span.line) {
        let after_key = at(sources, k)
            .and_then(|r| r.split_once(':'))
            .map(|(_, r)| r.trim());
        if after_key.is_some_and(|r| r.starts_with(['|', '>'])) {
            return true;
        }
    }
    let Some(rest) = at(sources, span) else {
        return false;
    };
    match rest.chars().next() {
        Some('"' | '\'' | '|' | '>') => true,
        Some(_) => !matches!(
            resolve_plain(plain_token(rest), Profile::Kustomize),
            Value::Str(_)
        ),
        None => false,
    }
}

/// The value kyaml leaves when `new` replaces `old` in a mapping.
pub(super) fn inherit(sources: &dyn SourceText, key: Option<&Span>, old: &Node, new: Node) -> Node {
    if !matches!(old.value, Value::Str(_))
        || !matches!(new.value, Value::Int(_) | Value::Float(_) | Value::Bool(_))
        || !quoted(sources, key, old)
    {
        return new;
    }
    let written = new
        .span
        .as_ref()
        .and_then(|s| at(sources, s))
        .map(plain_token)
        .filter(|t| resolve_plain(t, Profile::Kustomize) == new.value);
    let text = match (written, &new.value) {
        (Some(t), _) => t.to_string(),
        (None, Value::Int(i)) => i.to_string(),
        (None, Value::Bool(b)) => b.to_string(),
        (None, Value::Float(f)) => f.to_string(),
        (None, _) => return new,
    };
    Node::spanned(Value::Str(text.into()), new.span)
}
