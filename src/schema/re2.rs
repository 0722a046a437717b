//! Go RE2 pattern meaning on the Rust `regex` engine.
//!
//! Schemas written for Go (Kubernetes, kubeconform) use RE2, whose Perl classes are ASCII-only
//! (`\d` is `[0-9]`), whose `\b` is an ASCII word boundary, and which has `\Q…\E` literals and
//! octal escapes. The `regex` crate reads the same text with Unicode classes and without those
//! escapes; this rewrites a pattern so it means what RE2 means.

/// The pattern rewritten for the `regex` crate with RE2's meaning.
pub fn re2_to_rust(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let e = chars[i + 1];
                i += 2;
                match (e, in_class) {
                    ('d', false) => out.push_str("[0-9]"),
                    ('D', false) => out.push_str("[^0-9]"),
                    ('w', false) => out.push_str("[0-9A-Za-z_]"),
                    ('W', false) => out.push_str("[^0-9A-Za-z_]"),
                    ('s', false) => out.push_str(r"[\t\n\f\r ]"),
                    ('S', false) => out.push_str(r"[^\t\n\f\r ]"),
                    ('d', true) => out.push_str("0-9"),
                    ('w', true) => out.push_str("0-9A-Za-z_"),
                    ('s', true) => out.push_str(r"\t\n\f\r "),
                    ('D', true) => out.push_str("[:^digit:]"),
                    ('W', true) => out.push_str("[:^word:]"),
                    ('S', true) => out.push_str("[:^space:]"),
                    ('b', false) => out.push_str(r"(?-u:\b)"),
                    ('B', false) => out.push_str(r"(?-u:\B)"),
                    ('Q', _) => {
                        // Everything up to \E (or the end) is literal.
                        while i < chars.len()
                            && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E'))
                        {
                            out.push_str(&regex_escape(chars[i]));
                            i += 1;
                        }
                        i = (i + 2).min(chars.len().max(i));
                    }
                    ('0'..='7', _) => {
                        // RE2 reads up to three octal digits (\0, \12, \123).
                        let mut v = e.to_digit(8).unwrap_or(0);
                        let mut n = 1;
                        while n < 3 && i < chars.len() && chars[i].is_digit(8) {
                            v = v * 8 + chars[i].to_digit(8).unwrap_or(0);
                            i += 1;
                            n += 1;
                        }
                        out.push_str(&format!(r"\x{{{v:x}}}"));
                    }
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                i += 1;
                // A leading `^` and a `]` right after it are part of the class syntax.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
                continue;
            }
            '[' if in_class && chars.get(i + 1) == Some(&':') => {
                // A POSIX class inside a class: copy through its closing `:]`.
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == ':' && chars[j + 1] == ']');
                let stop = end.map_or(chars.len(), |j| j + 2);
                out.extend(&chars[i..stop]);
                i = stop;
                continue;
            }
            '[' if in_class => {
                // RE2 reads a nested `[` as a literal; the regex crate would nest a class.
                out.push_str(r"\[");
            }
            '&' | '-' | '~' if in_class && chars.get(i + 1) == Some(&c) => {
                // `&&`, `--`, `~~` are set operations in the regex crate, literals in RE2.
                out.push('\\');
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn regex_escape(c: char) -> String {
    regex::escape(c.encode_utf8(&mut [0; 4]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn m(pattern: &str, text: &str) -> bool {
        Regex::new(&re2_to_rust(pattern))
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .is_match(text)
    }

    #[test]
    fn perl_classes_are_ascii() {
        assert!(m(r"^\d+$", "123"));
        assert!(
            !m(r"^\d+$", "١٢٣"),
            "Arabic-Indic digits are not RE2 digits"
        );
        assert!(!m(r"^\w+$", "é"));
        assert!(m(r"^[\d.]+$", "1.2"));
        assert!(!m(r"^[\w]+$", "é"));
        assert!(m(r"^[^\d]+$", "abc"));
        assert!(m(r"^[\D]+$", "abc"));
        assert!(!m(r"\bé", "é"));
    }

    #[test]
    fn re2_escapes_and_literals() {
        assert!(m(r"^\Qa.b*\E$", "a.b*"));
        assert!(!m(r"^\Qa.b\E$", "axb"));
        assert!(m(r"^\101$", "A"));
        assert!(m(r"^[a&&b]+$", "a&b"));
        assert!(m(r"^[a[b]+$", "[b"));
        assert!(m(r"^[[:alpha:]]+$", "abc"));
        assert!(m(r"^[]a]+$", "]a"));
        assert!(m(r"^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$", r"a.b[0]/c"));
        assert!(m(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$", "1.5h30m"));
    }
}
