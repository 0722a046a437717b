//! `markdown`: a job summary (e.g. appended to `$GITHUB_STEP_SUMMARY`).
//!
//! A `## fluxval` heading, the summary sentence in bold, then one table per severity present
//! (errors, warnings, notes), each finding a row: location, rule, message (with field and related
//! places on further lines), resource, overlays. Paths are repository-relative. Every cell is
//! escaped so that no message can break the table, start markup or inject HTML.

use std::io::{self, Write};

use super::{RenderOptions, Summary, location_text, repo_path, resource_label, summary_sentence};
use crate::diagnostic::{Diagnostic, Severity};

pub(super) fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut m = String::from("## fluxval\n\n");
    m.push_str(&format!("**{}**\n", cell(&summary_sentence(summary))));
    if diags.is_empty() {
        m.push_str("\nNo findings.\n");
    }
    for (severity, title) in [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Note, "Notes"),
    ] {
        let rows: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity == severity).collect();
        if rows.is_empty() {
            continue;
        }
        m.push_str(&format!("\n### {title} ({})\n\n", rows.len()));
        m.push_str("| Location | Rule | Message | Resource | Overlays |\n");
        m.push_str("| --- | --- | --- | --- | --- |\n");
        for d in rows {
            let location = d
                .span
                .as_ref()
                .map_or_else(String::new, |s| location_text(s, opts));
            let mut message = cell(&d.message);
            if let Some(p) = &d.pointer {
                message.push_str(&format!("<br>field: {}", cell(p)));
            }
            for l in &d.related {
                message.push_str(&format!(
                    "<br>note: {}: {}",
                    cell(&location_text(&l.span, opts)),
                    cell(&l.message)
                ));
            }
            let resource = d
                .resource
                .as_ref()
                .map_or_else(String::new, |id| cell(&resource_label(id)));
            let roots: Vec<String> = d.roots.iter().map(|r| cell(&repo_path(r, opts))).collect();
            m.push_str(&format!(
                "| {} | {} | {message} | {resource} | {} |\n",
                cell(&location),
                cell(&d.rule),
                roots.join(", ")
            ));
        }
    }
    out.write_all(m.as_bytes())
}

/// Text safe inside a table cell: Markdown punctuation backslash-escaped, HTML's `&<>` as
/// entities, line breaks as `<br>`, other control characters dropped.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            // `$` starts GitHub's math; the rest are Markdown's inline punctuation.
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(
            cell("a|b <script> *x* `y`\nz\r $m$"),
            "a\\|b &lt;script&gt; \\*x\\* \\`y\\`<br>z \\$m\\$"
        );
    }
}
