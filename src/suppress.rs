//! Turning findings off: `--disable RULE` (also `disable:` in the config file) for a whole run,
//! and `# fluxval:ignore RULE` comments for one line.
//!
//! A rule selector is a rule id (`schema/unknown-field`) or a whole domain (`schema/*`). An ignore
//! comment written after content covers its own line; a comment alone on its line covers the next
//! line that is not itself a comment, so several ignore comments can be stacked above one line.
//! `# fluxval:ignore` without a selector covers every finding on that line. Text after `--` is a
//! free-form reason. An ignore comment that covers nothing in this run is reported as
//! `control/unused-ignore`, so stale ones get cleaned up.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::repo::Repo;
use crate::rules::Rule;
use crate::validate::{did_you_mean, edit_distance};
use crate::yaml::Span;

/// The rule id of an ignore comment that suppresses nothing.
pub const UNUSED_IGNORE: &str = "control/unused-ignore";

/// Rules about fluxval's own controls.
pub const RULES: &[Rule] = &[Rule {
    id: UNUSED_IGNORE,
    severity: Severity::Warning,
    summary: "a fluxval:ignore comment suppresses nothing",
    help: "No finding of the named rule is reported on the line the comment covers (in this run, with these flags), or the comment names no known rule. Remove the stale comment or fix its rule id; if the finding only appears with other flags (e.g. --tenant), disable this rule with --disable control/unused-ignore for the run without them.",
}];

/// Whether `selector` (`domain/name` or `domain/*`) selects `rule`.
pub fn selects(selector: &str, rule: &str) -> bool {
    match selector.strip_suffix("/*") {
        Some(domain) => rule.split_once('/').is_some_and(|(d, _)| d == domain),
        None => selector == rule,
    }
}

/// Checks a rule selector against the catalogue ([`crate::rules::all`]): an unknown id is an
/// error naming the closest known ids.
pub fn check_selector(selector: &str) -> Result<(), String> {
    if let Some(domain) = selector.strip_suffix("/*") {
        if crate::rules::all().any(|r| r.id.split_once('/').is_some_and(|(d, _)| d == domain)) {
            return Ok(());
        }
        let mut domains: Vec<&str> = crate::rules::all()
            .filter_map(|r| r.id.split_once('/').map(|(d, _)| d))
            .collect();
        domains.dedup();
        return Err(format!(
            "unknown rule domain {domain:?}{}",
            did_you_mean(domain, domains.into_iter())
        ));
    }
    if crate::rules::rule(selector).is_some() {
        return Ok(());
    }
    let close = close_matches(selector);
    Err(if close.is_empty() {
        format!("unknown rule {selector:?} (docs/rules.md lists every rule)")
    } else {
        format!(
            "unknown rule {selector:?} (did you mean {}?)",
            close.join(" or ")
        )
    })
}

/// Known rule ids a person may have meant by `unknown`, best first: small edit distance on the
/// whole id, or the same name in another domain.
fn close_matches(unknown: &str) -> Vec<String> {
    let name = unknown.rsplit('/').next().unwrap_or(unknown);
    let limit = (unknown.chars().count() / 4).clamp(1, 4);
    let mut scored: Vec<(usize, &str)> = crate::rules::all()
        .filter_map(|r| {
            let d = edit_distance(unknown, r.id);
            let same_name = r.id.rsplit('/').next() == Some(name);
            (d <= limit || same_name).then_some((if same_name { 0 } else { d }, r.id))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, id)| format!("{id:?}"))
        .collect()
}

/// clap value parser of `--disable`: every comma-separated part must be a known selector.
pub fn parse_disable(value: &str) -> Result<String, String> {
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        check_selector(part)?;
    }
    Ok(value.to_string())
}

/// One `# fluxval:ignore …` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignore {
    /// Line of the comment (1-based).
    pub line: u32,
    /// Column of its `#` (1-based, in characters).
    pub col: u32,
    /// The line it covers; 0 when it covers none (a comment block at the end of the file).
    pub target: u32,
    /// Rule selectors; empty means every rule.
    pub selectors: Vec<String>,
}

/// The ignore comments of a file's text, in order.
pub fn parse_ignores(text: &str) -> Vec<Ignore> {
    let lines: Vec<&str> = text.lines().collect();
    let comment_only = |l: &str| l.trim_start().starts_with('#');
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((at, rest)) = ignore_comment(line) else {
            continue;
        };
        let own_line = line[..at].trim().is_empty();
        let target = if own_line {
            (i + 1..lines.len())
                .find(|&j| !comment_only(lines[j]))
                .map_or(0, |j| j as u32 + 1)
        } else {
            i as u32 + 1
        };
        let selectors = rest
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            // `--` starts a reason; another `#` another comment (e.g. a test marker).
            .take_while(|t| *t != "--" && !t.starts_with('#'))
            .map(str::to_string)
            .collect();
        out.push(Ignore {
            line: i as u32 + 1,
            col: line[..at].chars().count() as u32 + 1,
            target,
            selectors,
        });
    }
    out
}

/// The byte offset of a `# fluxval:ignore` comment in `line` and the text after the directive.
/// A `#` starts a YAML comment at the start of a line or after white space.
fn ignore_comment(line: &str) -> Option<(usize, &str)> {
    line.char_indices()
        .filter(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(|p: char| p.is_whitespace())))
        .find_map(|(i, _)| {
            let rest = line[i + 1..].trim_start().strip_prefix("fluxval:ignore")?;
            (rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace())).then_some((i, rest))
        })
}

/// The ignore comments of one file and which of their selectors suppressed something.
struct FileIgnores {
    shown: Arc<str>,
    ignores: Vec<Ignore>,
    /// Per ignore, per selector (or one flag for a bare ignore): whether it suppressed a finding.
    used: Vec<Vec<bool>>,
}

/// Ignore comments by file, each file read at most once.
#[derive(Default)]
struct Comments {
    files: Vec<FileIgnores>,
    /// Canonical path → index in `files` (`None`: unreadable), so two spellings of one file
    /// share their comments.
    by_path: HashMap<PathBuf, Option<usize>>,
    by_shown: HashMap<Arc<str>, Option<usize>>,
}

impl Comments {
    fn load(&mut self, shown: &Arc<str>) -> Option<usize> {
        if let Some(&i) = self.by_shown.get(shown) {
            return i;
        }
        let path = Path::new(&**shown);
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let index = match self.by_path.get(&key) {
            Some(&i) => i,
            None => {
                // An unreadable file simply has no ignore comments; the run goes on.
                let i = std::fs::read_to_string(path).ok().map(|text| {
                    let ignores = parse_ignores(&text);
                    let used = ignores
                        .iter()
                        .map(|g| vec![false; g.selectors.len().max(1)])
                        .collect();
                    self.files.push(FileIgnores {
                        shown: shown.clone(),
                        ignores,
                        used,
                    });
                    self.files.len() - 1
                });
                self.by_path.insert(key, i);
                i
            }
        };
        self.by_shown.insert(shown.clone(), index);
        index
    }

    /// Whether an ignore comment covers `d`; marks every selector that does as used.
    fn covers(&mut self, d: &Diagnostic) -> bool {
        let Some(span) = d.span.as_ref().filter(|s| s.line > 0) else {
            return false;
        };
        let Some(i) = self.load(&span.file) else {
            return false;
        };
        let file = &mut self.files[i];
        let mut covered = false;
        for (g, used) in file.ignores.iter().zip(file.used.iter_mut()) {
            if g.target != span.line {
                continue;
            }
            if g.selectors.is_empty() {
                used[0] = true;
                covered = true;
            }
            for (s, u) in g.selectors.iter().zip(used.iter_mut()) {
                if selects(s, &d.rule) {
                    *u = true;
                    covered = true;
                }
            }
        }
        covered
    }

    /// `control/unused-ignore` for every selector that suppressed nothing or names no rule.
    fn unused(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for f in &self.files {
            for (g, used) in f.ignores.iter().zip(&f.used) {
                let span = Some(Span::new(f.shown.clone(), g.line, g.col));
                if g.selectors.is_empty() && !used[0] {
                    out.push(Diagnostic::warning(
                        UNUSED_IGNORE,
                        "fluxval:ignore suppresses nothing on the line it covers",
                        span.clone(),
                    ));
                }
                for (s, u) in g.selectors.iter().zip(used) {
                    let message = match check_selector(s) {
                        Err(e) => format!("fluxval:ignore names an {e}"),
                        Ok(()) if !u => {
                            format!("fluxval:ignore {s} suppresses nothing on the line it covers")
                        }
                        Ok(()) => continue,
                    };
                    out.push(Diagnostic::warning(UNUSED_IGNORE, message, span.clone()));
                }
            }
        }
        out
    }
}

/// Every file the repositories' kustomizations read and every YAML file discovery found, as
/// paths relative to `cwd`: where stale ignore comments are looked for.
pub fn repo_files(repos: &[Repo], cwd: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = repos
        .iter()
        .flat_map(|r| {
            r.kustomize_roots
                .iter()
                .flat_map(|k| std::iter::once(&k.file).chain(k.reads.iter().map(|f| &f.path)))
                .chain(&r.plain_yaml)
                .chain(r.non_resource_yaml.iter().map(|(p, _)| p))
        })
        .map(|p| crate::pipeline::relative_to(p, cwd))
        .collect();
    files.sort();
    files.dedup();
    files
}

/// Drops the findings an ignore comment covers and those of `disable`d rules, and adds a
/// `control/unused-ignore` warning for every ignore comment (in the files of `diags` and in
/// `scan`) that covered nothing. The result is sorted.
pub fn apply(diags: Vec<Diagnostic>, disable: &[String], scan: &[PathBuf]) -> Vec<Diagnostic> {
    let disabled = |rule: &str| disable.iter().any(|s| selects(s, rule));
    let mut comments = Comments::default();
    let mut out: Vec<Diagnostic> = diags.into_iter().filter(|d| !comments.covers(d)).collect();
    if !disabled(UNUSED_IGNORE) {
        for f in scan {
            comments.load(&Arc::from(f.display().to_string()));
        }
        out.extend(comments.unused());
    }
    out.retain(|d| !disabled(&d.rule));
    out.sort_by_key(Diagnostic::sort_key);
    out
}

#[cfg(test)]
mod tests;
