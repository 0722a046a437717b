//! `github`: GitHub Actions workflow commands, which become annotations on the pull request.
//!
//! ```text
//! ::error file=apps/base/release.yaml,line=12,col=7,title=schema/type::expected string%0A…
//! ```
//!
//! Errors, warnings and notes map to `::error`, `::warning` and `::notice`. Paths are
//! repository-relative, as GitHub matches them against the diff. The message is followed by the
//! resource, field, overlays and related places on further lines (escaped as `%0A`). A plain
//! summary line closes the output; it cannot start a command, since it never starts with `::`.

use std::io::{self, Write};

use super::{RenderOptions, Summary, repo_path, resource_label, summary_sentence};
use crate::diagnostic::{Diagnostic, Severity};

pub(super) fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut s = String::new();
    for d in diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props: Vec<(&str, String)> = Vec::new();
        if let Some(span) = &d.span {
            props.push(("file", repo_path(&span.file, opts)));
            if span.line > 0 {
                props.push(("line", span.line.to_string()));
                if span.col > 0 {
                    props.push(("col", span.col.to_string()));
                }
            }
        }
        props.push(("title", format!("fluxval {}", d.rule)));
        let props: Vec<String> = props
            .iter()
            .map(|(k, v)| format!("{k}={}", escape_property(v)))
            .collect();
        let mut message = d.message.clone();
        if let Some(id) = &d.resource {
            message.push_str(&format!("\nresource: {}", resource_label(id)));
        }
        if let Some(p) = &d.pointer {
            message.push_str(&format!("\nfield: {p}"));
        }
        if !d.roots.is_empty() {
            let roots: Vec<String> = d.roots.iter().map(|r| repo_path(r, opts)).collect();
            message.push_str(&format!("\noverlays: {}", roots.join(", ")));
        }
        for l in &d.related {
            message.push_str(&format!(
                "\nnote: {}: {}",
                super::location_text(&l.span, opts),
                l.message
            ));
        }
        s.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    s.push_str(&format!("fluxval: {}\n", summary_sentence(summary)));
    out.write_all(s.as_bytes())
}

/// Escapes a workflow command's message (data) as the Actions runner decodes it:
/// `%` → `%25`, CR → `%0D`, LF → `%0A`.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value: as [`escape_data`], plus `:` → `%3A` and
/// `,` → `%2C`, which would otherwise end the value.
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50%\r\na:b,c"), "50%25%0D%0Aa:b,c");
        assert_eq!(escape_property("50%\r\na:b,c"), "50%25%0D%0Aa%3Ab%2Cc");
        // Already-escaped text is escaped again, so it decodes to itself.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
