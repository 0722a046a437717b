//! `text`: for people at a terminal, shaped like rustc's diagnostics.
//!
//! ```text
//! apps/base/release.yaml:12:7: error[schema/type]: expected string, got integer
//!   = resource: HelmRelease flux-system/podinfo
//!   = field: /spec/values/replicas
//!   = overlays: clusters/production, clusters/staging
//!   = note: apps/base/patch.yaml:3:5: the patch that set it
//!
//! fluxval: 1 error, 0 warnings, 0 notes; …
//! ```
//!
//! The first line of a finding is the one editors and `grep` match. Colour (bold, red, yellow,
//! cyan) is written only when [`RenderOptions::color`] says so; control characters from the
//! user's files are shown escaped, so a key cannot rewrite the terminal.

use std::io::{self, Write};

use super::{
    RenderOptions, Summary, location_text, repo_path, resource_label, span_text, summary_sentence,
};
use crate::diagnostic::{Diagnostic, Severity};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const BOLD_RED: &str = "\x1b[1;31m";
const BOLD_YELLOW: &str = "\x1b[1;33m";
const BOLD_CYAN: &str = "\x1b[1;36m";

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.on && !text.is_empty() {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn severity_style(s: Severity) -> &'static str {
        match s {
            Severity::Error => BOLD_RED,
            Severity::Warning => BOLD_YELLOW,
            Severity::Note => BOLD_CYAN,
        }
    }
}

pub(super) fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let p = Paint { on: opts.color };
    for d in diags {
        out.write_all(block(d, opts.color, None).as_bytes())?;
        writeln!(out)?;
    }
    if opts.quiet {
        return Ok(());
    }
    let style = if summary.errors > 0 {
        BOLD_RED
    } else if summary.warnings > 0 {
        BOLD_YELLOW
    } else {
        BOLD
    };
    writeln!(
        out,
        "{} {}",
        p.paint(style, "fluxval:"),
        summary_sentence(summary)
    )
}

/// One finding: its head line and its `  = …` lines, each ending with a newline. Paths are as
/// the spans name them, or repository-relative when `relative_to` gives the options.
pub(super) fn block(d: &Diagnostic, color: bool, relative_to: Option<&RenderOptions>) -> String {
    let p = Paint { on: color };
    let place = |span: &crate::yaml::Span| match relative_to {
        Some(opts) => location_text(span, opts),
        None => span_text(span),
    };
    let mut s = String::new();
    if let Some(span) = &d.span {
        s.push_str(&p.paint(BOLD, &format!("{}:", clean(&place(span)))));
        s.push(' ');
    }
    s.push_str(&p.paint(
        Paint::severity_style(d.severity),
        &format!("{}[{}]", d.severity, clean(&d.rule)),
    ));
    s.push_str(&p.paint(BOLD, ":"));
    s.push(' ');
    s.push_str(&p.paint(BOLD, &clean(&d.message)));
    s.push('\n');
    let eq = p.paint(BOLD_CYAN, "=");
    if let Some(id) = &d.resource {
        s.push_str(&format!(
            "  {eq} resource: {}\n",
            clean(&resource_label(id))
        ));
    }
    if let Some(ptr) = &d.pointer {
        s.push_str(&format!("  {eq} field: {}\n", clean(ptr)));
    }
    if !d.roots.is_empty() {
        let roots: Vec<String> = d
            .roots
            .iter()
            .map(|r| match relative_to {
                Some(opts) => clean(&repo_path(r, opts)),
                None => clean(r),
            })
            .collect();
        s.push_str(&format!("  {eq} overlays: {}\n", roots.join(", ")));
    }
    for label in &d.related {
        s.push_str(&format!(
            "  {eq} {} {}: {}\n",
            p.paint(BOLD, "note:"),
            clean(&place(&label.span)),
            clean(&label.message)
        ));
    }
    s
}

/// Shows control characters as `\u{..}` escapes; a newline continues on an indented line.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\n    "),
            '\t' => out.push('\t'),
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
    fn terminal_control_characters_are_escaped() {
        assert_eq!(clean("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(clean("a\nb"), "a\n    b");
        assert_eq!(clean("\r"), "\\u{d}");
    }

    #[test]
    fn no_escape_codes_without_colour() {
        let d = vec![Diagnostic::error("schema/type", "bad", None)];
        let mut buf = Vec::new();
        render(
            &d,
            &Summary::default().counted(&d),
            &RenderOptions::default(),
            &mut buf,
        )
        .unwrap();
        assert!(!buf.contains(&0x1b));
        let mut buf = Vec::new();
        let opts = RenderOptions {
            color: true,
            ..RenderOptions::default()
        };
        render(&d, &Summary::default().counted(&d), &opts, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(
            s.starts_with("\x1b[1;31merror[schema/type]\x1b[0m"),
            "{s:?}"
        );
    }
}
