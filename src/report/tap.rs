//! `tap`: TAP version 13, one test point per finding.
//!
//! ```text
//! TAP version 13
//! 1..2
//! not ok 1 - apps/base/release.yaml:12:7: error[schema/type]: expected string, got integer
//!   ---
//!   severity: "error"
//!   …
//!   ...
//! ok 2 - apps/base/cm.yaml:3:1: warning[schema/missing]: no schema for Foo
//! # fluxval: 1 error, 1 warning, …
//! ```
//!
//! Errors are `not ok`; warnings and notes are `ok` points, so only errors fail a TAP consumer.
//! Every point carries a YAML diagnostic block whose strings are double-quoted (JSON-escaped, so
//! any message is valid YAML). A run without findings is the single point `ok 1 - no findings`.

use std::io::{self, Write};

use super::writer::Json;
use super::{RenderOptions, Summary, resource_label, span_text, summary_sentence};
use crate::diagnostic::{Diagnostic, Severity};

pub(super) fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    _opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut t = String::from("TAP version 13\n");
    if diags.is_empty() {
        t.push_str("1..1\nok 1 - no findings\n");
    } else {
        t.push_str(&format!("1..{}\n", diags.len()));
    }
    for (i, d) in diags.iter().enumerate() {
        let status = if d.severity == Severity::Error {
            "not ok"
        } else {
            "ok"
        };
        let mut desc = String::new();
        if let Some(span) = &d.span {
            desc.push_str(&format!("{}: ", span_text(span)));
        }
        desc.push_str(&format!("{}[{}]: {}", d.severity, d.rule, d.message));
        t.push_str(&format!("{status} {} - {}\n", i + 1, description(&desc)));
        yaml_block(&mut t, d);
    }
    t.push_str(&format!("# fluxval: {}\n", summary_sentence(summary)));
    out.write_all(t.as_bytes())
}

fn yaml_block(t: &mut String, d: &Diagnostic) {
    t.push_str("  ---\n");
    t.push_str(&format!("  severity: {}\n", quoted(d.severity.as_str())));
    t.push_str(&format!("  rule: {}\n", quoted(&d.rule)));
    t.push_str(&format!("  message: {}\n", quoted(&d.message)));
    if let Some(span) = &d.span {
        t.push_str(&format!("  file: {}\n", quoted(&span.file)));
        if span.line > 0 {
            t.push_str(&format!("  line: {}\n", span.line));
            if span.col > 0 {
                t.push_str(&format!("  column: {}\n", span.col));
            }
        }
    }
    if let Some(id) = &d.resource {
        t.push_str(&format!("  resource: {}\n", quoted(&resource_label(id))));
        t.push_str(&format!(
            "  apiVersion: {}\n",
            quoted(&id.gvk.api_version())
        ));
    }
    if let Some(p) = &d.pointer {
        t.push_str(&format!("  field: {}\n", quoted(p)));
    }
    if !d.roots.is_empty() {
        let roots: Vec<String> = d.roots.iter().map(|r| quoted(r)).collect();
        t.push_str(&format!("  overlays: [{}]\n", roots.join(", ")));
    }
    if !d.related.is_empty() {
        t.push_str("  related:\n");
        for l in &d.related {
            t.push_str(&format!("    - at: {}\n", quoted(&span_text(&l.span))));
            t.push_str(&format!("      message: {}\n", quoted(&l.message)));
        }
    }
    t.push_str("  ...\n");
}

/// A YAML double-quoted scalar: JSON's string escaping is a subset of YAML's.
fn quoted(s: &str) -> String {
    Json::str(s).to_pretty().trim_end().to_string()
}

/// A test point description: one line, with TAP's `#` (directive) and `\` escaped.
fn description(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '#' => out.push_str("\\#"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_cannot_start_a_directive_or_a_new_line() {
        assert_eq!(description("a # SKIP\nnot ok 2"), "a \\# SKIP\\nnot ok 2");
        assert_eq!(description("c:\\x"), "c:\\\\x");
    }
}
