//! Reports: one [`Diagnostic`] list, rendered in the format a person or a CI system reads.
//!
//! Every format renders the findings in the order it is given them (the caller passes
//! [`crate::diagnostic::dedupe`]'s sorted list) and ends with, or carries, the run's [`Summary`].
//! Error, warning and note counts are always recounted from the findings, so a report can never
//! disagree with itself.
//!
//! Paths: `text` and `tap` print each file as the span names it (a path the user can open from
//! where fluxval ran); the formats read by CI systems (`json`, `sarif`, `junit`, `github`,
//! `markdown`) print it relative to [`RenderOptions::repo_root`] with `/` separators, because
//! that is how code hosts name files.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::resource::ResId;
use crate::yaml::Span;

mod github;
mod json;
mod junit;
mod markdown;
mod sarif;
mod tap;
mod text;
mod writer;

pub use github::{escape_data, escape_property};

/// An output format (`--output`/`-o`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: error[rule]: message`, for people.
    Text,
    /// A documented, stable JSON document (see `docs/json-output.md`).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// TAP version 13.
    Tap,
    /// GitHub Actions workflow commands (`::error file=…::…`), which annotate pull requests.
    Github,
    /// A Markdown summary, for `$GITHUB_STEP_SUMMARY` and similar job summaries.
    Markdown,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Tap,
        Format::Github,
        Format::Markdown,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Tap => "tap",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    /// Parses a command-line name; the error lists the accepted names.
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown output format `{s}`; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a run looked at and found, for the closing line of a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Resources validated.
    pub resources: usize,
    /// Kustomize roots built.
    pub roots: usize,
    /// Plain YAML files read outside roots.
    pub files: usize,
    /// Error-level findings (recounted from the findings when rendering).
    pub errors: usize,
    /// Warning-level findings (recounted from the findings when rendering).
    pub warnings: usize,
    /// Note-level findings (recounted from the findings when rendering).
    pub notes: usize,
    /// Resources whose schema could not be found or fetched, so were not schema-checked.
    pub skipped_schemas: usize,
    /// Wall time of the run.
    pub duration: Duration,
}

impl Summary {
    /// This summary with `errors`, `warnings` and `notes` counted from `diags`.
    pub fn counted(&self, diags: &[Diagnostic]) -> Summary {
        let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            ..self.clone()
        }
    }
}

/// How to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in `text` output. The caller decides: stdout is a terminal and `NO_COLOR`
    /// is unset or empty.
    pub color: bool,
    /// The repository root that machine-read formats make paths relative to.
    pub repo_root: PathBuf,
    /// fluxval's version, named by SARIF and JSON reports.
    pub tool_version: &'static str,
    /// `text` prints the findings only, without the closing summary line (`--quiet`).
    pub quiet: bool,
}

impl Default for RenderOptions {
    /// No colour, the current directory as repository root, this crate's version.
    fn default() -> RenderOptions {
        RenderOptions {
            color: false,
            repo_root: PathBuf::from("."),
            tool_version: env!("CARGO_PKG_VERSION"),
            quiet: false,
        }
    }
}

/// Writes `diags` and `summary` to `out` in `format`.
pub fn render(
    format: Format,
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let summary = summary.counted(diags);
    // Reports are written whole, then once: a broken pipe midway leaves no half-escaped line.
    let mut buf: Vec<u8> = Vec::new();
    match format {
        Format::Text => text::render(diags, &summary, opts, &mut buf)?,
        Format::Json => json::render(diags, &summary, opts, &mut buf)?,
        Format::Sarif => sarif::render(diags, &summary, opts, &mut buf)?,
        Format::Junit => junit::render(diags, &summary, opts, &mut buf)?,
        Format::Tap => tap::render(diags, &summary, opts, &mut buf)?,
        Format::Github => github::render(diags, &summary, opts, &mut buf)?,
        Format::Markdown => markdown::render(diags, &summary, opts, &mut buf)?,
    }
    out.write_all(&buf)?;
    out.flush()
}

/// The process exit code for these findings: 1 when any is an error, else 0. (2, "could not
/// run", is the caller's: no report is rendered then.)
pub fn exit_code(diags: &[Diagnostic]) -> i32 {
    i32::from(diags.iter().any(|d| d.severity == Severity::Error))
}

/// Whether `text` output should be coloured: the stream is a terminal and `NO_COLOR` (given
/// as the variable's value, if set) is unset or empty, as no-color.org asks.
pub fn color_allowed(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// [`color_allowed`] for this process's stdout and environment.
pub fn stdout_color() -> bool {
    use std::io::IsTerminal;
    color_allowed(
        io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// `n word` with an English plural: `1 error`, `2 errors`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The one closing sentence every human-read format ends with.
fn summary_sentence(s: &Summary) -> String {
    let mut line = format!(
        "{}, {}, {}; {} validated from {} and {}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
        plural(s.resources, "resource"),
        plural(s.roots, "kustomize root"),
        plural(s.files, "plain file"),
    );
    if s.skipped_schemas > 0 {
        line.push_str(&format!(
            " ({} without a schema)",
            plural(s.skipped_schemas, "resource")
        ));
    }
    line.push_str(&format!(" in {:.2}s", s.duration.as_secs_f64()));
    line
}

/// A resource as people name it: `HelmRelease flux-system/podinfo`.
fn resource_label(id: &ResId) -> String {
    if id.namespace.is_empty() {
        format!("{} {}", id.gvk.kind, id.name)
    } else {
        format!("{} {}/{}", id.gvk.kind, id.namespace, id.name)
    }
}

/// `file` relative to `root`, `/`-separated, when it lies inside `root`; `None` otherwise.
/// Purely lexical, except that a relative path is taken relative to the current directory when
/// the other one is absolute.
fn relative_to(file: &str, root: &Path) -> Option<String> {
    let file = Path::new(file);
    let (file, root) = match (file.is_absolute(), root.is_absolute()) {
        (true, false) => (file.to_path_buf(), std::env::current_dir().ok()?.join(root)),
        (false, true) => (std::env::current_dir().ok()?.join(file), root.to_path_buf()),
        _ => (file.to_path_buf(), root.to_path_buf()),
    };
    let file = normalize(&file);
    let root = normalize(&root);
    let rest = file.strip_prefix(&root).ok()?;
    if rest.components().next() == Some(Component::ParentDir) {
        return None;
    }
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Removes `.` and resolves `..` lexically; a relative path keeps its leading `..`s.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path machine-read formats print: repository-relative when inside the repository, as the
/// span names it otherwise (with `/` separators).
fn repo_path(file: &str, opts: &RenderOptions) -> String {
    match relative_to(file, &opts.repo_root) {
        Some(rel) if rel.is_empty() => ".".to_string(),
        Some(rel) => rel,
        None if cfg!(windows) => file.replace('\\', "/"),
        None => file.to_string(),
    }
}

/// `path:line:col` with the repository-relative path (see [`with_position`]).
fn location_text(span: &Span, opts: &RenderOptions) -> String {
    with_position(repo_path(&span.file, opts), span)
}

/// `path:line:col` with the path as the span names it (see [`with_position`]).
fn span_text(span: &Span) -> String {
    with_position(span.file.to_string(), span)
}

/// `path:line:col`; `path:line` when the column is unknown, `path` when the line is.
fn with_position(path: String, span: &Span) -> String {
    match (span.line, span.col) {
        (0, _) => path,
        (l, 0) => format!("{path}:{l}"),
        (l, c) => format!("{path}:{l}:{c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_the_root_become_repo_relative() {
        let root = Path::new("/repo");
        assert_eq!(
            relative_to("/repo/apps/./base/x.yaml", root).as_deref(),
            Some("apps/base/x.yaml")
        );
        assert_eq!(relative_to("/other/x.yaml", root), None);
        assert_eq!(
            relative_to("/repo/apps/../x.yaml", root).as_deref(),
            Some("x.yaml")
        );
        assert_eq!(
            relative_to("./apps/x.yaml", Path::new(".")).as_deref(),
            Some("apps/x.yaml")
        );
        assert_eq!(
            relative_to("apps/x.yaml", Path::new("apps")).as_deref(),
            Some("x.yaml")
        );
        // Climbing out of a relative root is outside it.
        assert_eq!(relative_to("../x.yaml", Path::new(".")), None);
        assert_eq!(relative_to("a/../../x.yaml", Path::new("")), None);
        assert_eq!(
            relative_to("../repo/./a/x.yaml", Path::new("../repo")).as_deref(),
            Some("a/x.yaml")
        );
        assert_eq!(relative_to("../other/x.yaml", Path::new("../repo")), None);
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(
                <Format as clap::ValueEnum>::from_str(f.name(), false),
                Ok(f)
            );
        }
        assert!("xml".parse::<Format>().unwrap_err().contains("sarif"));
    }

    #[test]
    fn no_color_turns_colour_off_unless_empty() {
        use std::ffi::OsStr;
        assert!(color_allowed(true, None));
        assert!(color_allowed(true, Some(OsStr::new(""))));
        assert!(!color_allowed(true, Some(OsStr::new("1"))));
        assert!(!color_allowed(false, None));
    }

    #[test]
    fn only_errors_make_exit_code_one() {
        assert_eq!(exit_code(&[]), 0);
        assert_eq!(exit_code(&[Diagnostic::warning("a/b", "x", None)]), 0);
        assert_eq!(
            exit_code(&[
                Diagnostic::note("a/b", "x", None),
                Diagnostic::error("a/b", "x", None)
            ]),
            1
        );
    }

    #[test]
    fn counts_come_from_the_findings() {
        let d = vec![
            Diagnostic::error("a/b", "x", None),
            Diagnostic::warning("a/b", "x", None),
            Diagnostic::warning("a/b", "y", None),
        ];
        let s = Summary {
            errors: 9,
            ..Summary::default()
        }
        .counted(&d);
        assert_eq!((s.errors, s.warnings, s.notes), (1, 2, 0));
    }
}
