//! Key/value sources of a generator: `literals:`, `files:` entries and env files.
//!
//! kustomize (api/kv) is lenient in ways users come to rely on: keys are not validated, a line of
//! an env file without `=` yields an empty value, and a line starting with `=` is skipped. These
//! functions keep that behaviour so a build here prints what `kustomize build` prints.

use std::sync::Arc;

use base64::Engine;

use crate::error::{Error, Result};
use crate::yaml::Span;

/// One key and the bytes it maps to, with the place that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pair {
    pub key: String,
    pub value: Vec<u8>,
    pub span: Span,
}

/// Splits a `literals:` entry at its first `=` and strips one pair of matching quotes from the
/// value. The error is kustomize's message.
pub(crate) fn parse_literal(source: &str) -> Result<(String, String), String> {
    match source.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), remove_quotes(value))),
        _ => Err(format!(
            "invalid literal source {source}, expected key=value"
        )),
    }
}

/// kustomize strips quotes only when the first and last bytes are the same quote character, and
/// only one pair: `"'x'"` keeps its inner single quotes.
fn remove_quotes(value: &str) -> String {
    let b = value.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        value[1..value.len() - 1].to_string()
    } else {
        value.to_string()
    }
}

/// Splits a `files:` entry into its key and path: `path` (key is the base name) or `key=path`.
/// The error is kustomize's message.
pub(crate) fn parse_file_source(source: &str) -> Result<(String, &str), String> {
    match source.matches('=').count() {
        0 => Ok((go_path_base(source), source)),
        1 => {
            let (key, path) = source.split_once('=').unwrap_or((source, ""));
            if key.is_empty() {
                Err(format!(
                    "missing key name for file path {path:?} in source {source:?}"
                ))
            } else if path.is_empty() {
                Err(format!(
                    "missing file path for key name {key:?} in source {source:?}"
                ))
            } else {
                Ok((key.to_string(), path))
            }
        }
        _ => Err(format!(
            "source {source:?} key name or file path contains '='"
        )),
    }
}

/// Go's `path.Base`: the last slash-separated element, ignoring trailing slashes.
fn go_path_base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rsplit_once('/') {
        Some((_, base)) => base.to_string(),
        None => trimmed.to_string(),
    }
}

/// Longest line Go's `bufio.Scanner` accepts with its default buffer; kustomize ignores the
/// scanner's error, so an env file silently ends before a longer line.
const MAX_SCAN_LINE: usize = 64 * 1024 - 1;

/// Reads the `KEY=value` lines of an env file (`envs:`), as kustomize does.
///
/// A UTF-8 byte-order mark is removed from the first line, leading white space from every line;
/// blank lines and lines starting with `#` are skipped; the value is everything after the first
/// `=`, untrimmed and unquoted; a line without `=` gives an empty value (kustomize v5.5 does not
/// consult the environment); a line whose key is empty (`=x`) is skipped.
pub(crate) fn parse_env_file(content: &[u8], file: &Arc<str>) -> Result<Vec<Pair>> {
    let mut pairs = Vec::new();
    for (index, raw) in scan_lines(content).enumerate() {
        if raw.len() > MAX_SCAN_LINE {
            break;
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Ok(mut line) = std::str::from_utf8(raw) else {
            return Err(Error::new(
                Span::new(file.clone(), line_no, 1),
                format!("line {line_no} has invalid utf8 bytes"),
            ));
        };
        if index == 0 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line[..line.len() - trimmed.len()].chars().count();
        let (key, value) = trimmed.split_once('=').unwrap_or((trimmed, ""));
        if key.is_empty() {
            continue;
        }
        let col = u32::try_from(indent + 1).unwrap_or(u32::MAX);
        pairs.push(Pair {
            key: key.to_string(),
            value: value.as_bytes().to_vec(),
            span: Span::new(file.clone(), line_no, col),
        });
    }
    Ok(pairs)
}

/// Lines as Go's `bufio.ScanLines` sees them (the caller drops one trailing `\r`): split at `\n`,
/// and no empty last line after a final newline.
fn scan_lines(content: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = content.strip_suffix(b"\n").unwrap_or(content);
    let lines = if content.is_empty() {
        None
    } else {
        Some(body.split(|&b| b == b'\n'))
    };
    lines.into_iter().flatten()
}

/// Base64 as kustomize writes generated values: standard alphabet, and when the encoding is 70
/// characters or longer, broken into 70-character lines each ending in `\n`.
pub(crate) fn base64_wrapped(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(bytes);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    // Base64 output is ASCII, so byte chunks are whole characters.
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_splits_at_first_equals_and_strips_one_quote_pair() {
        assert_eq!(parse_literal("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert_eq!(parse_literal("a=\"x\""), Ok(("a".into(), "x".into())));
        assert_eq!(parse_literal("a='x'"), Ok(("a".into(), "x".into())));
        assert_eq!(parse_literal("a=\"'x'\""), Ok(("a".into(), "'x'".into())));
        assert_eq!(parse_literal("a='x\""), Ok(("a".into(), "'x\"".into())));
        assert_eq!(parse_literal("a=\""), Ok(("a".into(), "\"".into())));
        assert_eq!(parse_literal("a="), Ok(("a".into(), "".into())));
        assert_eq!(parse_literal("x y=1"), Ok(("x y".into(), "1".into())));
        assert_eq!(
            parse_literal("abc"),
            Err("invalid literal source abc, expected key=value".into())
        );
        assert!(parse_literal("=abc").is_err());
    }

    #[test]
    fn file_source_forms() {
        assert_eq!(
            parse_file_source("dir/sub/f.json"),
            Ok(("f.json".into(), "dir/sub/f.json"))
        );
        assert_eq!(parse_file_source("k=dir/f"), Ok(("k".into(), "dir/f")));
        assert_eq!(parse_file_source("dir/"), Ok(("dir".into(), "dir/")));
        assert_eq!(
            parse_file_source("=f.txt"),
            Err("missing key name for file path \"f.txt\" in source \"=f.txt\"".into())
        );
        assert_eq!(
            parse_file_source("k="),
            Err("missing file path for key name \"k\" in source \"k=\"".into())
        );
        assert_eq!(
            parse_file_source("a=b=c"),
            Err("source \"a=b=c\" key name or file path contains '='".into())
        );
    }

    fn env(text: &[u8]) -> Vec<(String, String, u32, u32)> {
        parse_env_file(text, &Arc::from("e.env"))
            .expect("valid env file")
            .into_iter()
            .map(|p| {
                (
                    p.key,
                    String::from_utf8(p.value).expect("utf8"),
                    p.span.line,
                    p.span.col,
                )
            })
            .collect()
    }

    #[test]
    fn env_file_rules() {
        let got = env(b"\xef\xbb\xbf  # c\n\nFOO=bar baz \r\n  SP = x\nNOEQ\n=skipped\n\tT=a=b");
        assert_eq!(
            got,
            vec![
                ("FOO".into(), "bar baz ".into(), 3, 1),
                ("SP ".into(), " x".into(), 4, 3),
                ("NOEQ".into(), "".into(), 5, 1),
                ("T".into(), "a=b".into(), 7, 2),
            ]
        );
        // A byte-order mark is only special on the first line.
        let got = env(b"A=1\n\xef\xbb\xbfB=2\n");
        assert_eq!(got[1].0, "\u{feff}B");
        assert!(env(b"").is_empty());
        assert!(env(b"\n\n").is_empty());
    }

    #[test]
    fn env_file_rejects_invalid_utf8_at_its_line() {
        let err = parse_env_file(b"A=1\nB=\xff\n", &Arc::from("e.env")).expect_err("invalid");
        assert_eq!(err.span.line, 2);
        assert!(err.message.contains("invalid utf8"), "{}", err.message);
    }

    #[test]
    fn env_file_stops_before_an_overlong_line_like_bufio() {
        let mut text = b"A=1\nB=".to_vec();
        text.extend(std::iter::repeat_n(b'x', 70_000));
        text.extend(b"\nC=3\n");
        let got = env(&text);
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn base64_wraps_at_70() {
        assert_eq!(base64_wrapped(b"1"), "MQ==");
        let long = base64_wrapped(&[b'a'; 120]);
        let lines: Vec<&str> = long.split_terminator('\n').collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].len(), 70);
        assert!(long.ends_with('\n'));
        // 68 characters stay on one line without a newline; 72 become 70 + 2, both terminated.
        assert_eq!(base64_wrapped(&[0u8; 51]).len(), 68);
        let wrapped = base64_wrapped(&[0u8; 54]);
        assert_eq!(wrapped, format!("{}\n{}\n", "A".repeat(70), "AA"));
    }

    #[test]
    fn path_base() {
        assert_eq!(go_path_base(""), ".");
        assert_eq!(go_path_base("///"), "/");
        assert_eq!(go_path_base("a/b/"), "b");
        assert_eq!(go_path_base("b"), "b");
    }
}
