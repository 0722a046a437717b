//! kubeconform's five output formats, byte for byte: text and pretty (line per result, summary
//! line), tap (streamed), json and junit (written at the end, Go's indentation and escaping).

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::time::Instant;

use super::docs::{KResult, Status};

/// The output formats kubeconform knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Junit,
    Pretty,
    Tap,
    Text,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, String> {
        match s {
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "pretty" => Ok(Format::Pretty),
            "tap" => Ok(Format::Tap),
            "text" => Ok(Format::Text),
            _ => {
                Err("'outputFormat' must be 'json', 'junit', 'pretty', 'tap' or 'text'".to_string())
            }
        }
    }
}

/// Collects results and writes them in the chosen format.
pub(crate) struct Output {
    format: Format,
    summary: bool,
    stdin: bool,
    verbose: bool,
    files: HashSet<String>,
    valid: usize,
    invalid: usize,
    errors: usize,
    skipped: usize,
    index: usize,
    kept: Vec<KResult>,
    started: Instant,
}

impl Output {
    pub fn new(format: Format, summary: bool, stdin: bool, verbose: bool) -> Output {
        Output {
            format,
            summary,
            stdin,
            verbose,
            files: HashSet::new(),
            valid: 0,
            invalid: 0,
            errors: 0,
            skipped: 0,
            index: 0,
            kept: Vec::new(),
            started: Instant::now(),
        }
    }

    fn count(&mut self, r: &KResult) {
        match r.status {
            Status::Valid => self.valid += 1,
            Status::Invalid => self.invalid += 1,
            Status::Error => self.errors += 1,
            Status::Skipped => self.skipped += 1,
            Status::Empty => {}
        }
    }

    /// Writes (or keeps, for json and junit) one result.
    pub fn write(&mut self, r: KResult, w: &mut dyn Write) -> io::Result<()> {
        self.count(&r);
        match self.format {
            Format::Text => {
                self.files.insert(r.path.clone());
                self.text(&r, w)
            }
            Format::Pretty => {
                self.files.insert(r.path.clone());
                self.pretty(&r, w)
            }
            Format::Tap => self.tap(&r, w),
            Format::Json => {
                let shown = !matches!(r.status, Status::Valid | Status::Skipped | Status::Empty);
                if self.verbose || shown {
                    self.kept.push(r);
                }
                Ok(())
            }
            Format::Junit => {
                // Empty results still open their file's suite.
                self.kept.push(r);
                Ok(())
            }
        }
    }

    fn text(&self, r: &KResult, w: &mut dyn Write) -> io::Result<()> {
        let s = &r.sig;
        match r.status {
            Status::Valid if self.verbose => {
                writeln!(w, "{} - {} {} is valid", r.path, s.kind, s.name)
            }
            Status::Invalid => writeln!(
                w,
                "{} - {} {} is invalid: {}",
                r.path, s.kind, s.name, r.err
            ),
            Status::Error if !s.kind.is_empty() && !s.name.is_empty() => writeln!(
                w,
                "{} - {} {} failed validation: {}",
                r.path, s.kind, s.name, r.err
            ),
            Status::Error => writeln!(w, "{} - failed validation: {}", r.path, r.err),
            Status::Skipped if self.verbose => {
                writeln!(w, "{} - {} {} skipped", r.path, s.name, s.kind)
            }
            _ => Ok(()),
        }
    }

    fn pretty(&self, r: &KResult, w: &mut dyn Write) -> io::Result<()> {
        const CHECK: &str = "\u{2714}";
        const CROSS: &str = "\u{2716}";
        const RESET: &str = "\x1b[0m";
        const RED: &str = "\x1b[31m";
        const GREEN: &str = "\x1b[32m";
        const YELLOW: &str = "\x1b[33m";
        let s = &r.sig;
        let p = &r.path;
        match r.status {
            Status::Valid if self.verbose => writeln!(
                w,
                "{GREEN}{CHECK}{RESET} {p}: {GREEN}{} {} is valid{RESET}",
                s.kind, s.name
            ),
            Status::Invalid => writeln!(
                w,
                "{RED}{CROSS}{RESET} {p}: {RED}{} {} is invalid: {}{RESET}",
                s.kind, s.name, r.err
            ),
            // kubeconform prints the name after "failed validation:" here; kept as it does.
            Status::Error if !s.kind.is_empty() && !s.name.is_empty() => writeln!(
                w,
                "{RED}{CROSS}{RESET} {p}: {RED}{} failed validation: {} {}{RESET}",
                s.kind, s.name, r.err
            ),
            Status::Error => writeln!(
                w,
                "{RED}{CROSS}{RESET} {p}: {RED}failed validation: {} {}{RESET}",
                s.name, r.err
            ),
            Status::Skipped if self.verbose => {
                write!(w, "{YELLOW}-{RESET} {p}: ")?;
                if !s.kind.is_empty() && !s.name.is_empty() {
                    writeln!(w, "{YELLOW}{} {} skipped{RESET}", s.kind, s.name)
                } else if !s.kind.is_empty() {
                    writeln!(w, "{YELLOW}{} skipped{RESET}", s.kind)
                } else {
                    writeln!(w, "{YELLOW}skipped{RESET}")
                }
            }
            _ => Ok(()),
        }
    }

    fn tap(&mut self, r: &KResult, w: &mut dyn Write) -> io::Result<()> {
        self.index += 1;
        if self.index == 1 {
            writeln!(w, "TAP version 13")?;
        }
        let s = &r.sig;
        let q = format!("{}/{}/{}/{}", s.version, s.kind, s.namespace, s.name);
        let (i, p) = (self.index, &r.path);
        match r.status {
            Status::Valid => writeln!(w, "ok {i} - {p} ({q})"),
            Status::Invalid => writeln!(w, "not ok {i} - {p} ({q}): {}", r.err),
            Status::Empty => writeln!(w, "ok {i} - {p} (empty)"),
            Status::Error => writeln!(w, "not ok {i} - {p}: {}", r.err),
            Status::Skipped => writeln!(w, "ok {i} - {p} ({q}) # skip"),
        }
    }

    /// Writes what is written at the end: the summary line, the TAP plan, the JSON or XML.
    pub fn flush(&mut self, w: &mut dyn Write) -> io::Result<()> {
        match self.format {
            Format::Text | Format::Pretty => {
                if self.summary {
                    let n = self.valid + self.invalid + self.errors + self.skipped;
                    let rs = if n > 1 { "s" } else { "" };
                    let nf = self.files.len();
                    let fs = if nf > 1 { "s" } else { "" };
                    let counts = format!(
                        "Valid: {}, Invalid: {}, Errors: {}, Skipped: {}",
                        self.valid, self.invalid, self.errors, self.skipped
                    );
                    if self.stdin {
                        writeln!(
                            w,
                            "Summary: {n} resource{rs} found parsing stdin - {counts}"
                        )?;
                    } else {
                        writeln!(
                            w,
                            "Summary: {n} resource{rs} found in {nf} file{fs} - {counts}"
                        )?;
                    }
                }
                Ok(())
            }
            Format::Tap => writeln!(w, "1..{}", self.index),
            Format::Json => self.json(w),
            Format::Junit => {
                let secs = self.started.elapsed().as_secs_f64();
                w.write_all(junit(&self.kept, secs).as_bytes())
            }
        }
    }

    fn json(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut out = String::from("{\n  \"resources\": [");
        for (i, r) in self.kept.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            let (status, msg) = match r.status {
                Status::Valid => ("statusValid", ""),
                Status::Invalid => ("statusInvalid", r.err.as_str()),
                Status::Error => ("statusError", r.err.as_str()),
                Status::Skipped => ("statusSkipped", ""),
                Status::Empty => ("", ""),
            };
            out.push_str("    {\n");
            for (k, v) in [
                ("filename", r.path.as_str()),
                ("kind", &r.sig.kind),
                ("name", &r.sig.name),
                ("version", &r.sig.version),
                ("status", status),
            ] {
                out.push_str(&format!("      \"{k}\": {},\n", go_json_string(v)));
            }
            out.push_str(&format!("      \"msg\": {}", go_json_string(msg)));
            if !r.errors.is_empty() {
                out.push_str(",\n      \"validationErrors\": [");
                for (j, e) in r.errors.iter().enumerate() {
                    out.push_str(if j == 0 { "\n" } else { ",\n" });
                    out.push_str(&format!(
                        "        {{\n          \"path\": {},\n          \"msg\": {}\n        }}",
                        go_json_string(&e.kubeconform_path()),
                        go_json_string(&e.msg)
                    ));
                }
                out.push_str("\n      ]");
            }
            out.push_str("\n    }");
        }
        if self.kept.is_empty() {
            out.push(']');
        } else {
            out.push_str("\n  ]");
        }
        if self.summary {
            out.push_str(&format!(
                ",\n  \"summary\": {{\n    \"valid\": {},\n    \"invalid\": {},\n    \"errors\": {},\n    \"skipped\": {}\n  }}",
                self.valid, self.invalid, self.errors, self.skipped
            ));
        }
        out.push_str("\n}\n");
        w.write_all(out.as_bytes())
    }
}

/// A string as Go's `encoding/json` writes it (HTML-safe: `<`, `>`, `&` escaped).
pub(crate) fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", ch as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An attribute value as Go's `encoding/xml` escapes it.
fn xml_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

fn is_xml_char(c: char) -> bool {
    let u = c as u32;
    u == 0x09
        || u == 0x0A
        || u == 0x0D
        || (0x20..=0xD7FF).contains(&u)
        || (0xE000..=0xFFFD).contains(&u)
        || (0x10000..=0x10FFFF).contains(&u)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for the non-negative durations we print.
fn go_float(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    let exp = f.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", e.abs());
    }
    format!("{f}")
}

/// kubeconform's JUnit report: one suite per file, in the order files first gave a result.
fn junit(results: &[KResult], secs: f64) -> String {
    struct Suite<'a> {
        name: &'a str,
        cases: Vec<&'a KResult>,
        failures: usize,
        errors: usize,
        skipped: usize,
    }
    let mut suites: Vec<Suite<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for r in results {
        let i = *index.entry(&r.path).or_insert_with(|| {
            suites.push(Suite {
                name: &r.path,
                cases: Vec::new(),
                failures: 0,
                errors: 0,
                skipped: 0,
            });
            suites.len() - 1
        });
        let s = &mut suites[i];
        match r.status {
            Status::Invalid => s.failures += 1,
            Status::Error => s.errors += 1,
            Status::Skipped => s.skipped += 1,
            Status::Empty => continue,
            Status::Valid => {}
        }
        s.cases.push(r);
    }
    let count = |st: Status| results.iter().filter(|r| r.status == st).count();
    let (valid, invalid, errors, skipped) = (
        count(Status::Valid),
        count(Status::Invalid),
        count(Status::Error),
        count(Status::Skipped),
    );
    let mut out = format!(
        "<testsuites name=\"kubeconform\" time=\"{}\" tests=\"{}\" failures=\"{invalid}\" disabled=\"{skipped}\" errors=\"{errors}\">",
        go_float(secs),
        valid + invalid + errors + skipped
    );
    for (id, s) in suites.iter().enumerate() {
        out.push_str(&format!(
            "\n  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" disabled=\"0\" skipped=\"{}\">",
            xml_attr(s.name),
            id + 1,
            s.cases.len(),
            s.failures,
            s.errors,
            s.skipped
        ));
        for r in &s.cases {
            let object = if r.sig.namespace.is_empty() {
                r.sig.name.clone()
            } else {
                format!("{}/{}", r.sig.namespace, r.sig.name)
            };
            let class = format!("{}@{}", r.sig.kind, r.sig.version);
            out.push_str(&format!(
                "\n    <testcase name=\"{}\" classname=\"{}\" time=\"0\">",
                xml_attr(&object),
                xml_attr(&class)
            ));
            let child = match r.status {
                Status::Invalid => Some(format!(
                    "<failure message=\"{}\" type=\"\"></failure>",
                    xml_attr(&r.err)
                )),
                Status::Error => Some(format!(
                    "<error message=\"{}\" type=\"\"></error>",
                    xml_attr(&r.err)
                )),
                Status::Skipped => Some("<skipped message=\"\"></skipped>".to_string()),
                _ => None,
            };
            match child {
                Some(c) => out.push_str(&format!("\n      {c}\n    </testcase>")),
                None => out.push_str("</testcase>"),
            }
        }
        if s.cases.is_empty() {
            out.push_str("</testsuite>");
        } else {
            out.push_str("\n  </testsuite>");
        }
    }
    if suites.is_empty() {
        out.push_str("</testsuites>\n");
    } else {
        out.push_str("\n</testsuites>\n");
    }
    out
}
