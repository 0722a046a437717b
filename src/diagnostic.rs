//! The one finding type. Every check produces [`Diagnostic`]s and every report renders them.

use std::fmt;

use crate::resource::ResId;
use crate::yaml::Span;

/// How serious a finding is. Only errors make the exit code 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Must be fixed: the repository would not reconcile, or would do something unintended.
    Error,
    /// Probably a mistake, or something that will break in a later Flux release.
    Warning,
    /// Information (e.g. a reference resolved outside this repository, a skipped schema).
    Note,
}

impl Severity {
    /// The lowercase name used in every output format: `error`, `warning`, `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place that explains a finding ("first defined here", "the patch that set it").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What it shows.
    pub message: String,
}

/// One finding, at the place a person wrote the thing it is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// How serious.
    pub severity: Severity,
    /// Stable rule id, e.g. `schema/unknown-field` (see [`crate::rules`]).
    pub rule: String,
    /// One sentence, no trailing period.
    pub message: String,
    /// Where it was written. `None` only for findings about no file at all.
    pub span: Option<Span>,
    /// The resource it concerns, if any.
    pub resource: Option<ResId>,
    /// The kustomize roots (overlays) whose build produced it; empty for plain files.
    pub roots: Vec<String>,
    /// Secondary places.
    pub related: Vec<Label>,
    /// JSON pointer of the field inside the resource, when the finding is about a field.
    pub pointer: Option<String>,
}

impl Diagnostic {
    /// A finding of `rule` with `severity` at `span`.
    pub fn new(
        severity: Severity,
        rule: impl Into<String>,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            rule: rule.into(),
            message: message.into(),
            span,
            resource: None,
            roots: Vec::new(),
            related: Vec::new(),
            pointer: None,
        }
    }

    /// An error.
    pub fn error(
        rule: impl Into<String>,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Error, rule, message, span)
    }

    /// A warning.
    pub fn warning(
        rule: impl Into<String>,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Warning, rule, message, span)
    }

    /// A note.
    pub fn note(
        rule: impl Into<String>,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Note, rule, message, span)
    }

    /// Sets the resource it concerns.
    pub fn with_resource(mut self, id: ResId) -> Diagnostic {
        self.resource = Some(id);
        self
    }

    /// Sets the JSON pointer of the field.
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Diagnostic {
        self.pointer = Some(pointer.into());
        self
    }

    /// Adds a secondary place.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sort key: file, line, column, rule, message — the order every report uses.
    pub fn sort_key(&self) -> (String, u32, u32, String, String) {
        let (f, l, c) = match &self.span {
            Some(s) => (s.file.to_string(), s.line, s.col),
            None => (String::new(), 0, 0),
        };
        (f, l, c, self.rule.clone(), self.message.clone())
    }
}

impl From<crate::error::Error> for Diagnostic {
    /// A build error (a problem in a kustomization or a file it reads).
    fn from(e: crate::error::Error) -> Diagnostic {
        Diagnostic::error("build/error", e.message, Some(e.span))
    }
}

/// Merges findings that come from the same source place in several overlays into one, listing
/// every overlay, and sorts them.
pub fn dedupe(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by_key(Diagnostic::sort_key);
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    for d in diags {
        if let Some(last) = out.last_mut()
            && last.severity == d.severity
            && last.rule == d.rule
            && last.message == d.message
            && last.span == d.span
            && last.pointer == d.pointer
        {
            for r in d.roots {
                if !last.roots.contains(&r) {
                    last.roots.push(r);
                }
            }
            continue;
        }
        out.push(d);
    }
    for d in &mut out {
        d.roots.sort();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_finding_in_two_overlays_is_reported_once() {
        let span = Span::new("base/release.yaml".into(), 12, 7);
        let mut a = Diagnostic::error("schema/type", "expected string", Some(span.clone()));
        a.roots = vec!["staging".into()];
        let mut b = a.clone();
        b.roots = vec!["production".into()];
        let c = Diagnostic::error(
            "schema/type",
            "expected string",
            Some(Span::new("x.yaml".into(), 1, 1)),
        );
        let out = dedupe(vec![a, b, c]);
        assert_eq!(out.len(), 2);
        let merged = out.iter().find(|d| d.span == Some(span.clone())).unwrap();
        assert_eq!(
            merged.roots,
            vec!["production".to_string(), "staging".to_string()]
        );
    }
}
