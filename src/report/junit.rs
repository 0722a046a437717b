//! `junit`: JUnit XML for CI test reports (valid against the schema kubeconform's tests use).
//!
//! One `<testsuite>` per file with findings (named by its repository-relative path, in the order
//! the findings come), one `<testcase>` per finding. Errors are `<failure>`s whose body is the
//! finding as `text` prints it; warnings and notes are passing cases that carry it in
//! `<system-out>`, so they show in the report without failing the build. A run without findings
//! is one suite `fluxval` holding one passing case, so dashboards still record the run.

use std::io::{self, Write};

use super::{RenderOptions, Summary, repo_path, resource_label, summary_sentence, text};
use crate::diagnostic::{Diagnostic, Severity};

/// The suite for findings about no file.
const NO_FILE_SUITE: &str = "fluxval";

pub(super) fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Suites in the order their files first appear.
    let mut suites: Vec<(String, Vec<&Diagnostic>)> = Vec::new();
    for d in diags {
        let name = d
            .span
            .as_ref()
            .map_or_else(|| NO_FILE_SUITE.to_string(), |s| repo_path(&s.file, opts));
        match suites.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(d),
            None => suites.push((name, vec![d])),
        }
    }
    let tests = diags.len().max(1);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"fluxval\" tests=\"{tests}\" failures=\"{}\" errors=\"0\" time=\"{:.3}\">\n",
        summary.errors,
        summary.duration.as_secs_f64()
    ));
    if diags.is_empty() {
        x.push_str(&format!(
            "  <testsuite name=\"{NO_FILE_SUITE}\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n"
        ));
        x.push_str("    <testcase name=\"no findings\" classname=\"fluxval\">\n");
        x.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            text_escape(&summary_sentence(summary))
        ));
        x.push_str("    </testcase>\n  </testsuite>\n");
    }
    for (name, list) in &suites {
        let failures = list
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
            attr_escape(name),
            list.len()
        ));
        for d in list {
            testcase(&mut x, d, name, opts);
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    out.write_all(x.as_bytes())
}

fn testcase(x: &mut String, d: &Diagnostic, suite: &str, opts: &RenderOptions) {
    let mut name = format!("{}[{}]", d.severity, d.rule);
    if let Some(s) = d.span.as_ref().filter(|s| s.line > 0) {
        if s.col > 0 {
            name.push_str(&format!(" at {}:{}", s.line, s.col));
        } else {
            name.push_str(&format!(" at line {}", s.line));
        }
    }
    if let Some(id) = &d.resource {
        name.push_str(&format!(" in {}", resource_label(id)));
    }
    x.push_str(&format!(
        "    <testcase name=\"{}\" classname=\"{}\">\n",
        attr_escape(&name),
        attr_escape(suite)
    ));
    let body = text_escape(&text::block(d, false, Some(opts)));
    if d.severity == Severity::Error {
        x.push_str(&format!(
            "      <failure type=\"{}\" message=\"{}\">{body}</failure>\n",
            attr_escape(&d.rule),
            attr_escape(&d.message)
        ));
    } else {
        x.push_str(&format!("      <system-out>{body}</system-out>\n"));
    }
    x.push_str("    </testcase>\n");
}

/// Characters XML 1.0 cannot carry at all become U+FFFD.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

fn text_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A bare CR in element content would be normalised to LF by every parser.
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Attribute values also escape quotes and the whitespace that parsers would otherwise fold into
/// spaces.
fn attr_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            attr_escape("a\"<b>&\n\u{1}"),
            "a&quot;&lt;b&gt;&amp;&#10;\u{FFFD}"
        );
        assert_eq!(text_escape("]]> & \r"), "]]&gt; &amp; &#13;");
    }
}
