//! `fluxval migrate`: rewrite removed or deprecated Flux `apiVersion`s in a repository's files,
//! changing nothing else.
//!
//! The files are the ones Flux reads as resources: every kustomization file, the files its
//! `resources`, patches, `replacements` and `configurations` name, and the plain manifests
//! outside every kustomize root. In each, every mapping that names a Flux kind is migrated
//! consistently, wherever it stands:
//!
//! - `apiVersion` + `kind` (documents, Kustomization `healthChecks`, patch documents, and the
//!   documents of inline patches written as literal block scalars in a kustomization file);
//! - `group` + `version` (+ `kind`): kustomize patch targets and replacement selectors, which
//!   would stop matching a resource whose version changed without them.
//!
//! Only the bytes of the old value are replaced: quotes, comments, line ends, a byte-order mark
//! and every other byte stay as they were. Fields the new version no longer has are listed for a
//! manual change, never rewritten.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::checks::apiversions::{self, DROPPED_FIELDS, Release, Status};
use crate::repo::{self, FileRole};
use crate::yaml::{Limits, Node, Profile, Span, Value, parse_str};

/// One replacement inside a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// 1-based line of the value.
    pub line: u32,
    /// Byte range of the old text in the file (a byte-order mark included).
    pub range: std::ops::Range<usize>,
    /// The old text.
    pub from: String,
    /// The new text.
    pub to: String,
}

/// Something to do by hand, or a value that could not be rewritten safely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// 1-based line.
    pub line: u32,
    /// One sentence.
    pub message: String,
}

/// The migration of one file.
#[derive(Clone, Debug)]
pub struct FilePlan {
    /// The file as discovery found it.
    pub path: PathBuf,
    /// The file as shown to the user (relative to the working directory when below it).
    pub shown: String,
    /// The bytes the edits were planned against.
    pub original: Vec<u8>,
    /// Replacements, in file order, non-overlapping.
    pub edits: Vec<Edit>,
    /// Manual changes and values left alone, in file order.
    pub notices: Vec<Notice>,
}

/// Everything `fluxval migrate` found.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Files with edits or notices, sorted by path.
    pub files: Vec<FilePlan>,
    /// Files that could not be read or parsed (`path:line:col: error: …`); nothing is written
    /// while there are any.
    pub errors: Vec<String>,
}

/// Finds every rewrite that moves the repository holding `path` (or the part under it) to the
/// versions `target` serves. `cwd` is used to shorten the paths shown.
pub fn plan(path: &Path, cwd: &Path, target: Release) -> Result<Plan, String> {
    let root = repo::find_root(path).map_err(|e| e.to_string())?;
    if !root.is_dir() {
        return Err(format!("{}: not a directory", path.display()));
    }
    let found = repo::discover(&root, path).map_err(|e| e.to_string())?;
    let mut files: BTreeSet<(PathBuf, bool)> = BTreeSet::new();
    for r in &with_includers(&root, &found)? {
        files.insert((r.file.clone(), true));
        for read in &r.reads {
            let wanted = matches!(
                read.role,
                FileRole::Resource
                    | FileRole::Patch
                    | FileRole::Replacement
                    | FileRole::Configuration
            );
            if wanted && repo::is_yaml_name(&read.path.to_string_lossy()) {
                files.insert((read.path.clone(), false));
            }
        }
    }
    for p in &found.plain_yaml {
        files.insert((p.clone(), false));
    }
    let mut out = Plan::default();
    let mut done = BTreeSet::new();
    for (file, is_kustomization) in files {
        if !done.insert(file.clone()) || !inside_without_links(&root, &file) {
            // Links are never followed: the target may be outside the repository, or shared.
            continue;
        }
        let shown = crate::pipeline::relative_to(&file, cwd)
            .display()
            .to_string();
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                out.errors.push(format!("{shown}: error: cannot read: {e}"));
                continue;
            }
        };
        match plan_file(&bytes, &shown, target, is_kustomization) {
            Ok((edits, notices)) => {
                if !edits.is_empty() || !notices.is_empty() {
                    out.files.push(FilePlan {
                        path: file,
                        shown,
                        original: bytes,
                        edits,
                        notices,
                    });
                }
            }
            Err(e) => out.errors.push(e),
        }
    }
    out.files
        .retain(|f| !f.edits.is_empty() || !f.notices.is_empty());
    Ok(out)
}

/// The kustomize roots of `found` plus every root of the repository that includes one of them,
/// directly or not: a base migrated alone would no longer match the patches (by apiVersion or
/// by target version) of the overlays outside PATH that build on it.
fn with_includers(root: &Path, found: &repo::Repo) -> Result<Vec<repo::KustomizeRoot>, String> {
    let mut out = found.kustomize_roots.clone();
    if found.start == root {
        return Ok(out);
    }
    let whole = repo::discover(root, root).map_err(|e| e.to_string())?;
    let mut dirs: BTreeSet<PathBuf> = out.iter().map(|r| r.dir.clone()).collect();
    loop {
        let more: Vec<&repo::KustomizeRoot> = whole
            .kustomize_roots
            .iter()
            .filter(|r| !dirs.contains(&r.dir) && r.references.iter().any(|d| dirs.contains(d)))
            .collect();
        if more.is_empty() {
            return Ok(out);
        }
        for r in more {
            dirs.insert(r.dir.clone());
            out.push(r.clone());
        }
    }
}

/// Whether `file` is a regular file below `root` reached through no symbolic link.
fn inside_without_links(root: &Path, file: &Path) -> bool {
    let Ok(rel) = file.strip_prefix(root) else {
        return false;
    };
    let mut at = root.to_path_buf();
    for c in rel.components() {
        match c {
            std::path::Component::Normal(n) => at.push(n),
            _ => return false,
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if !m.file_type().is_symlink() => {}
            _ => return false,
        }
    }
    std::fs::symlink_metadata(file).is_ok_and(|m| m.file_type().is_file())
}

impl Plan {
    /// Number of replacements.
    pub fn rewrite_count(&self) -> usize {
        self.files.iter().map(|f| f.edits.len()).sum()
    }

    /// Writes the listing: `path:line: old -> new` per replacement and `path:line: warning: …`
    /// per notice, in file order.
    pub fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        for f in &self.files {
            let mut lines: Vec<(u32, u8, String)> = Vec::new();
            for e in &f.edits {
                lines.push((e.line, 0, format!("{} -> {}", e.from, e.to)));
            }
            for n in &f.notices {
                lines.push((n.line, 1, format!("warning: {}", n.message)));
            }
            lines.sort();
            for (line, _, text) in lines {
                writeln!(out, "{}:{line}: {text}", f.shown)?;
            }
        }
        Ok(())
    }

    /// Applies every replacement: each file is written to a temporary file beside it, given the
    /// original's permissions, and renamed over it. A file changed since it was read is an error
    /// and is left alone.
    pub fn apply(&self) -> Result<(), String> {
        for f in self.files.iter().filter(|f| !f.edits.is_empty()) {
            let now = std::fs::read(&f.path).map_err(|e| format!("{}: {e}", f.shown))?;
            if now != f.original {
                return Err(format!("{}: changed while migrating; run again", f.shown));
            }
            let bytes = apply_edits(&f.original, &f.edits);
            write_replacing(&f.path, &bytes).map_err(|e| format!("{}: {e}", f.shown))?;
        }
        Ok(())
    }
}

/// `bytes` with every edit applied.
pub fn apply_edits(bytes: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for e in edits {
        out.extend_from_slice(&bytes[at..e.range.start]);
        out.extend_from_slice(e.to.as_bytes());
        at = e.range.end;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let perms = std::fs::metadata(path)?.permissions();
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.fluxval-migrate.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The edits and notices for one file's bytes; an error line when it cannot be parsed.
pub fn plan_file(
    bytes: &[u8],
    shown: &str,
    target: Release,
    is_kustomization: bool,
) -> Result<(Vec<Edit>, Vec<Notice>), String> {
    let bom = if bytes.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let text = std::str::from_utf8(&bytes[bom..])
        .map_err(|_| format!("{shown}: error: file is not valid UTF-8 text"))?;
    let limits = Limits {
        allow_duplicate_keys: true,
        ..Limits::default()
    };
    let docs = parse_str(text, shown, Profile::Kubernetes, limits).map_err(|e| {
        let at = e.span.to_string();
        format!("{at}: error: {}", e.message)
    })?;
    let lines = LineIndex::new(text);
    let mut w = Walker {
        text,
        bom,
        target,
        edits: Vec::new(),
        notices: Vec::new(),
        line_offset: 0,
    };
    let direct = |line: u32, col: u32| lines.offset(line, col);
    for doc in &docs {
        w.walk(doc, true, &direct);
        if is_kustomization {
            w.inline_patches(doc, &lines);
        }
    }
    let mut edits = w.edits;
    edits.sort_by_key(|e| e.range.start);
    edits.dedup_by_key(|e| e.range.start);
    let mut notices = w.notices;
    notices.sort_by(|a, b| (a.line, &a.message).cmp(&(b.line, &b.message)));
    notices.dedup();
    Ok((edits, notices))
}

/// Byte offsets of line starts, to turn a line and a character column into a byte offset.
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> LineIndex<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The text of 1-based `line` without its line end.
    fn line(&self, line: u32) -> Option<(usize, &'t str)> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).map_or(self.text.len(), |e| e - 1);
        let s = self.text.get(start..end)?;
        Some((start, s.strip_suffix('\r').unwrap_or(s)))
    }

    /// Byte offset of 1-based `line` and character `col`.
    fn offset(&self, line: u32, col: u32) -> Option<usize> {
        let (start, s) = self.line(line)?;
        let c = (col as usize).checked_sub(1)?;
        let within = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .nth(c)?;
        Some(start + within)
    }
}

struct Walker<'t> {
    text: &'t str,
    bom: usize,
    target: Release,
    edits: Vec<Edit>,
    notices: Vec<Notice>,
    /// Added to every line: the header line of the inline patch being walked, else 0.
    line_offset: u32,
}

/// Where a value's span lands in the file, or `None` when it cannot be mapped back.
type Locate<'a> = dyn Fn(u32, u32) -> Option<usize> + 'a;

impl Walker<'_> {
    fn notice(&mut self, line: u32, message: String) {
        let line = line + self.line_offset;
        self.notices.push(Notice { line, message });
    }

    /// Visits every mapping of `node`; `is_doc` for a document's top.
    fn walk(&mut self, node: &Node, is_doc: bool, locate: &Locate) {
        match &node.value {
            Value::Map(m) => {
                let s = |k: &str| m.get(k).and_then(Node::as_str);
                if let (Some(api), Some(kind)) = (s("apiVersion"), s("kind")) {
                    self.api_version(node, api, kind, is_doc, locate);
                }
                if let (Some(group), Some(version)) = (s("group"), s("version")) {
                    self.selector(node, group, version, s("kind"), locate);
                }
                for e in m.entries() {
                    self.walk(&e.value, false, locate);
                }
            }
            Value::Seq(items) => {
                for n in items {
                    self.walk(n, false, locate);
                }
            }
            _ => {}
        }
    }

    fn api_version(&mut self, node: &Node, api: &str, kind: &str, is_doc: bool, locate: &Locate) {
        let Some((group, version)) = api.rsplit_once('/') else {
            return;
        };
        let Some(value) = node.get_path(&["apiVersion"]) else {
            return;
        };
        let line = value.span.as_ref().map_or(0, |s| s.line);
        match apiversions::status(group, version, kind, self.target) {
            Status::Removed { use_version, .. } | Status::Deprecated { use_version, .. } => {
                let to = format!("{group}/{use_version}");
                if self.replace(value, api, &to, locate) && is_doc {
                    self.dropped_fields(node, group, kind, &to);
                }
            }
            Status::Unknown { use_version } | Status::NotYet { use_version, .. } => {
                self.notice(
                    line,
                    format!(
                        "{api} {kind} is not served by Flux {}: not rewritten (the version to use is {group}/{use_version})",
                        self.target
                    ),
                );
            }
            Status::NotFlux | Status::Current => {}
        }
    }

    /// A kustomize selector (`group`, `version`, optional `kind`): patch targets and replacement
    /// selectors must follow the resources they select.
    fn selector(
        &mut self,
        node: &Node,
        group: &str,
        version: &str,
        kind: Option<&str>,
        locate: &Locate,
    ) {
        if !apiversions::GROUPS.contains(&group) {
            return;
        }
        let Some(value) = node.get_path(&["version"]) else {
            return;
        };
        let line = value.span.as_ref().map_or(0, |s| s.line);
        let kinds: BTreeSet<&str> = match kind {
            Some(k) => BTreeSet::from([k]),
            None => apiversions::TABLE
                .iter()
                .filter(|e| e.group == group && e.version == version)
                .map(|e| e.kind)
                .collect(),
        };
        let mut targets = BTreeSet::new();
        for k in &kinds {
            match apiversions::status(group, version, k, self.target) {
                Status::Removed { use_version, .. } | Status::Deprecated { use_version, .. } => {
                    targets.insert(use_version);
                }
                _ => return,
            }
        }
        match targets.len() {
            0 => {}
            1 => {
                let to = targets.into_iter().next().unwrap_or_default();
                self.replace(value, version, to, locate);
            }
            _ => self.notice(
                line,
                format!(
                    "the selector {group}/{version} without a kind covers kinds that migrate to different versions ({}): add a kind and change it by hand",
                    targets.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }

    /// Replaces the scalar `value` (text `from`) by `to` when its bytes in the file are exactly
    /// `from`, optionally quoted; otherwise leaves a notice.
    fn replace(&mut self, value: &Node, from: &str, to: &str, locate: &Locate) -> bool {
        let Some(span) = value.span.as_ref() else {
            return false;
        };
        let found = locate(span.line, span.col).and_then(|at| {
            let rest = self.text.get(at..)?;
            let (quote, body) = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => (Some(q), &rest[1..]),
                _ => (None, rest),
            };
            let after = body.strip_prefix(from)?.chars().next();
            let ends = match quote {
                Some(q) => after == Some(q),
                None => {
                    after.is_none_or(|c| matches!(c, '\n' | '\r' | ' ' | '\t' | ',' | '}' | ']'))
                }
            };
            ends.then(|| at + quote.map_or(0, char::len_utf8))
        });
        match found {
            Some(start) => {
                self.edits.push(Edit {
                    line: span.line + self.line_offset,
                    range: self.bom + start..self.bom + start + from.len(),
                    from: from.to_string(),
                    to: to.to_string(),
                });
                true
            }
            None => {
                self.notice(
                    span.line,
                    format!("{from} is written in a form fluxval does not rewrite: change it to {to} by hand"),
                );
                false
            }
        }
    }

    /// Notices for fields of `node` that version `to` no longer has.
    fn dropped_fields(&mut self, node: &Node, group: &str, kind: &str, to: &str) {
        for f in DROPPED_FIELDS
            .iter()
            .filter(|f| f.group == group && f.kind == kind)
        {
            let mut found = Vec::new();
            find_keys(node, f.path, &mut found);
            for span in found {
                self.notice(
                    span.line,
                    format!(
                        "{} is not part of {to} {kind}: {}",
                        f.path.join(".").replace(".*.", "[]."),
                        f.advice
                    ),
                );
            }
        }
    }

    /// Inline patches of a kustomization file (`patches[].patch`, `patchesStrategicMerge[]`):
    /// YAML documents inside literal block scalars.
    fn inline_patches(&mut self, doc: &Node, lines: &LineIndex) {
        let mut scalars = Vec::new();
        if let Some(items) = doc.get_path(&["patches"]).and_then(Node::as_seq) {
            scalars.extend(items.iter().filter_map(|i| i.get_path(&["patch"])));
        }
        if let Some(items) = doc
            .get_path(&["patchesStrategicMerge"])
            .and_then(Node::as_seq)
        {
            scalars.extend(items.iter());
        }
        for s in scalars {
            let (Some(text), Some(span)) = (s.as_str(), s.span.as_ref()) else {
                continue;
            };
            if !text.contains('\n') {
                continue;
            }
            let Ok(inner) = parse_str(text, &span.file, Profile::Kubernetes, Limits::default())
            else {
                continue;
            };
            let inner_lines: Vec<&str> = text.split('\n').collect();
            // The scalar's span is its first content line: content line k is the file's line
            // header + k, indented (checked below: a folded or quoted scalar does not map).
            let header = span.line.saturating_sub(1);
            let locate = |line: u32, col: u32| -> Option<usize> {
                let inner_line = inner_lines.get((line as usize).checked_sub(1)?)?;
                let (start, file_line) = lines.line(header + line)?;
                let indent = file_line.strip_suffix(inner_line)?;
                if !indent.chars().all(|c| c == ' ') {
                    return None;
                }
                let c = (col as usize).checked_sub(1)?;
                let within = inner_line
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(inner_line.len()))
                    .nth(c)?;
                Some(start + indent.len() + within)
            };
            // Spans inside the patch count from its first line: report file lines.
            self.line_offset = header;
            for d in &inner {
                self.walk(d, true, &locate);
            }
            self.line_offset = 0;
        }
    }
}

/// Key spans of every field at `path` (`*` = every list item).
fn find_keys(node: &Node, path: &[&str], out: &mut Vec<Span>) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if *first == "*" {
        for item in node.as_seq().into_iter().flatten() {
            find_keys(item, rest, out);
        }
        return;
    }
    let Some(entry) = node.as_map().and_then(|m| m.entry(first)) else {
        return;
    };
    if rest.is_empty() {
        if let Some(s) = entry.key_span.clone().or(entry.value.span.clone()) {
            out.push(s);
        }
    } else {
        find_keys(&entry.value, rest, out);
    }
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
