//! What happens to a string between kustomize's JSON and go-yaml v2's reading of it.
//!
//! Go's JSON encoder escapes C0 controls, quotes, backslashes and U+2028/U+2029, but writes every
//! other character raw. go-yaml v2 then reads the JSON as YAML: it refuses some raw characters
//! outright, and treats a raw NEL (U+0085) inside the quoted string as a line break, which YAML
//! line folding turns into a space (or into newlines when several follow each other).

use std::borrow::Cow;

const NEL: char = '\u{85}';

/// The string go-yaml v2 reads back, or the reason kustomize fails on it.
pub(super) fn json_string(s: &str) -> Result<Cow<'_, str>, String> {
    if let Some(c) = s.chars().find(|&c| refused_by_reader(c)) {
        return Err(format!(
            "cannot print a string containing U+{:04X}: kustomize's YAML reader refuses it \
             (yaml: control characters are not allowed)",
            c as u32
        ));
    }
    if !s.contains(NEL) {
        return Ok(Cow::Borrowed(s));
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' && chars[i] != NEL {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i] == ' ' || chars[i] == NEL) {
            i += 1;
        }
        let run = &chars[start..i];
        let breaks = run.iter().filter(|&&c| c == NEL).count();
        match breaks {
            0 => out.extend(run),
            // Spaces around the breaks are dropped; one break folds to a space, more keep all
            // but the first as newlines.
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
        // A line starting with a document marker ends the document, inside a quoted scalar too.
        if breaks > 0 && run.last() == Some(&NEL) {
            let rest = &chars[i..];
            let marker = rest.starts_with(&['-', '-', '-']) || rest.starts_with(&['.', '.', '.']);
            if marker && matches!(rest.get(3).copied(), Some(' ' | NEL)) {
                return Err(
                    "cannot print a string with a line starting `---` or `...` after \
                     U+0085: kustomize's YAML reader fails on it (yaml: found unexpected \
                     document indicator)"
                        .to_string(),
                );
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// Characters that reach go-yaml v2's reader raw and that it refuses as control characters.
fn refused_by_reader(c: char) -> bool {
    matches!(c, '\u{7F}'..='\u{84}' | '\u{86}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        json_string(s).expect("accepted").into_owned()
    }

    #[test]
    fn next_line_characters_fold() {
        assert_eq!(ok("plain"), "plain");
        assert_eq!(ok("a \u{85} b"), "a b");
        assert_eq!(ok("a\u{85}\u{85}b"), "a\nb");
        assert_eq!(ok("a  \u{85}\u{85}  \u{85} b"), "a\n\nb");
        assert_eq!(ok("a\u{85}"), "a ");
        assert_eq!(ok("\u{85}a"), " a");
        assert_eq!(ok("a\t\u{85}b"), "a\t b");
        assert_eq!(ok("a\u{85}---x"), "a ---x");
        assert_eq!(ok("a\u{85} --- x"), "a --- x");
    }

    #[test]
    fn refused_characters_and_markers_fail() {
        for s in ["del\u{7f}", "\u{80}", "\u{9f}", "\u{fffe}", "x\u{ffff}"] {
            assert!(
                json_string(s).unwrap_err().contains("control characters"),
                "{s:?}"
            );
        }
        for s in ["a\u{85}--- x", "a\u{85}...\u{85}"] {
            assert!(
                json_string(s).unwrap_err().contains("document indicator"),
                "{s:?}"
            );
        }
        assert!(json_string("nel\u{85}ok and \u{a0} \u{feff}").is_ok());
    }
}
