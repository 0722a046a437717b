//! Where kubeconform finds resources: files and directories walked like Go's `filepath.Walk`,
//! streams split on `\n---` like Kubernetes' `splitYAMLDocument`, and `List`s expanded.

use std::fs;
use std::io;
use std::path::Path;

use regex::Regex;

/// One piece of a stream between `\n---` separators, with the 0-based line it starts on.
#[derive(Debug, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// The bytes of the document (may be empty).
    pub bytes: &'a [u8],
    /// Lines before it in the stream, to put file positions on parsed nodes.
    pub line_offset: u32,
}

/// Splits a stream as kubeconform's scanner does.
///
/// A separator is `\n---` followed by anything up to the end of its line; the rest of that line
/// is dropped. A leading `---` (no newline before it) is left to the YAML parser. When the last
/// separator line has no newline after it, the scanner gives up on everything before it: that is
/// what kubeconform does, so it is what we do.
pub fn split_documents(data: &[u8]) -> Vec<Chunk<'_>> {
    const SEP: &[u8] = b"\n---";
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line = 0u32;
    while pos < data.len() {
        let rest = &data[pos..];
        match find(rest, SEP) {
            Some(i) => {
                let after = &rest[i + SEP.len()..];
                if after.is_empty() {
                    out.push(Chunk {
                        bytes: &rest[..i],
                        line_offset: line,
                    });
                    break;
                }
                let Some(j) = after.iter().position(|&b| b == b'\n') else {
                    // The scanner needs more data, gets EOF, and stops without a token.
                    break;
                };
                out.push(Chunk {
                    bytes: &rest[..i],
                    line_offset: line,
                });
                let advance = i + SEP.len() + j + 1;
                line += count_lines(&rest[..advance]);
                pos += advance;
            }
            None => {
                out.push(Chunk {
                    bytes: rest,
                    line_offset: line,
                });
                break;
            }
        }
    }
    out
}

fn count_lines(b: &[u8]) -> u32 {
    b.iter().filter(|&&c| c == b'\n').count() as u32
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What walking the command-line paths finds, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A `.yaml`, `.yml` or `.json` file to read, by the path kubeconform prints.
    File(String),
    /// A path that could not be walked, with Go's error text (`lstat x: no such file or directory`).
    Error {
        /// The command-line path the walk started from.
        path: String,
        /// The error text.
        message: String,
    },
}

fn is_resource_file(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

/// Walks one command-line path as `filepath.Walk` does: lexical order, symlinks not followed
/// (a symlink with a YAML name is read as a file), the first error aborting that path.
pub fn walk(root: &str, ignore: &[Pattern], found: &mut Vec<Found>) {
    let mut files = Vec::new();
    if let Err(message) = walk_path(root, ignore, &mut files) {
        found.extend(files.into_iter().map(Found::File));
        found.push(Found::Error {
            path: root.to_string(),
            message,
        });
    } else {
        found.extend(files.into_iter().map(Found::File));
    }
}

fn walk_path(p: &str, ignore: &[Pattern], files: &mut Vec<String>) -> Result<(), String> {
    // Walk hands any lstat error to kubeconform's callback, which returns it: the walk stops.
    let meta = fs::symlink_metadata(p).map_err(|e| format!("lstat {p}: {}", go_io_error(&e)))?;
    if meta.is_dir() {
        let mut names: Vec<String> = match fs::read_dir(p) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) => return Err(format!("open {p}: {}", go_io_error(&e))),
        };
        names.sort();
        for name in names {
            let child = go_join(p, &name);
            walk_path(&child, ignore, files)?;
        }
        return Ok(());
    }
    let name = Path::new(p)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_resource_file(&name) {
        return Ok(());
    }
    for pat in ignore {
        // Go compiles the pattern for each file, so a bad one is an error only once a file is met.
        if pat.as_ref().map_err(Clone::clone)?.is_match(p) {
            return Ok(());
        }
    }
    files.push(p.to_string());
    Ok(())
}

/// A compiled `-ignore-filename-pattern`, or Go's error for it.
pub type Pattern = Result<Regex, String>;

/// Compiles the `-ignore-filename-pattern`s.
pub fn patterns(pats: &[String]) -> Vec<Pattern> {
    pats.iter()
        .map(|p| Regex::new(p).map_err(|e| go_regexp_error(p, &e.to_string())))
        .collect()
}

/// Go's `regexp` error text for the mistakes people make in patterns; other errors keep the
/// Rust wording under Go's prefix.
fn go_regexp_error(pat: &str, rust: &str) -> String {
    let last = rust.lines().last().unwrap_or(rust).trim();
    let what = last.strip_prefix("error: ").unwrap_or(last);
    let detail = match what {
        "unclosed group" => format!("missing closing ): `{pat}`"),
        "unopened group" => format!("unexpected ): `{pat}`"),
        "unclosed character class" => {
            let class = pat.rfind('[').map_or(pat, |i| &pat[i..]);
            format!("missing closing ]: `{class}`")
        }
        "repetition operator missing expression" => {
            let op = pat
                .chars()
                .find(|c| matches!(c, '*' | '+' | '?'))
                .unwrap_or('*');
            format!("missing argument to repetition operator: `{op}`")
        }
        other => other.to_string(),
    };
    format!("error parsing regexp: {detail}")
}

/// Go's `filepath.Join(dir, name)`, which cleans the result.
fn go_join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        return go_clean(name);
    }
    go_clean(&format!("{dir}/{name}"))
}

/// Go's `filepath.Clean` for Unix paths.
pub fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// The text Go's `syscall.Errno` prints for common I/O errors.
pub fn go_io_error(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(2) => "no such file or directory".to_string(),
        Some(13) => "permission denied".to_string(),
        Some(20) => "not a directory".to_string(),
        Some(21) => "is a directory".to_string(),
        Some(40) => "too many levels of symbolic links".to_string(),
        Some(36) => "file name too long".to_string(),
        _ => {
            let s = e.to_string();
            // Rust appends " (os error N)" and capitalises; Go does neither.
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut chars = s.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
                None => s,
            }
        }
    }
}
