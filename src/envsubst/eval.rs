//! Evaluating parsed templates with the fork's semantics, quirks included, since the point is to
//! predict what kustomize-controller produces:
//! - every default operator (`:=`, `:-`, `=`, `:?`, `:+`) gives the value when it is not empty,
//!   else the default: `${X:+alt}` is X when X is set, and `${X:?msg}` never fails;
//! - arguments (defaults included) are evaluated before the variable is looked up, so a nested
//!   `${B}` in `${A:=${B}}` counts as a use of B even when A is set;
//! - lengths and substring offsets count bytes;
//! - `#`/`##` try prefixes of at least one character (so `${X#*}` drops the first character),
//!   and `%`/`%%` reverse both the value and the pattern, then trim a prefix.

use std::collections::BTreeMap;

use super::grammar::{CaseKind, Expr, Op, Piece, ReplaceKind};

/// A variable a template reads but the values do not define, where no default covers it
/// (what Flux's strict mode rejects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unset {
    /// Its name.
    pub name: String,
}

/// Evaluates `pieces` with `vars`. Unset variables read as empty (Flux's default, non-strict
/// mode); each one read without a default operator is pushed to `unset`.
pub fn eval(pieces: &[Piece], vars: &BTreeMap<String, String>, unset: &mut Vec<Unset>) -> String {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Expr(e) => out.push_str(&eval_expr(e, vars, unset)),
        }
    }
    out
}

fn eval_expr(e: &Expr, vars: &BTreeMap<String, String>, unset: &mut Vec<Unset>) -> String {
    let args: Vec<String> = e.args.iter().map(|a| eval(a, vars, unset)).collect();
    let value = match vars.get(&e.name) {
        Some(v) => v.as_str(),
        None => {
            if !matches!(e.op, Op::Default(_)) {
                unset.push(Unset {
                    name: e.name.clone(),
                });
            }
            ""
        }
    };
    apply(value, e.op, &args)
}

/// The result of `op` on `value` with evaluated `args`.
fn apply(value: &str, op: Op, args: &[String]) -> String {
    match op {
        Op::Value => value.to_string(),
        Op::Length => value.len().to_string(),
        Op::Default(_) => {
            if value.is_empty() {
                args.concat()
            } else {
                value.to_string()
            }
        }
        Op::Substring => substring(value, args),
        Op::Case(kind) => case(value, kind),
        Op::TrimPrefix { longest } => match args.first() {
            Some(p) => trim_prefix(value, p, longest),
            None => value.to_string(),
        },
        Op::TrimSuffix { longest } => match args.first() {
            Some(p) => {
                let rev = |s: &str| s.chars().rev().collect::<String>();
                rev(&trim_prefix(&rev(value), &rev(p), longest))
            }
            None => value.to_string(),
        },
        Op::Replace(kind) => replace(value, kind, args),
    }
}

/// Go's `strconv.Atoi`: optional sign, decimal digits.
fn atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn substring(value: &str, args: &[String]) -> String {
    let bytes = value.as_bytes();
    let len = bytes.len() as i64;
    let cut = |a: i64, b: i64| String::from_utf8_lossy(&bytes[a as usize..b as usize]).into_owned();
    // An offset or length that is not a number leaves the value as it is, like bash.
    let Some(mut pos) = args.first().and_then(|a| atoi(a)) else {
        return value.to_string();
    };
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let Some(length) = args.get(1) else {
        return if pos < len {
            cut(pos, len)
        } else {
            String::new()
        };
    };
    let Some(length) = atoi(length) else {
        return value.to_string();
    };
    if length < 0 {
        let end = len + length;
        return if end < pos {
            String::new()
        } else {
            cut(pos.min(len), end)
        };
    }
    if pos.saturating_add(length) >= len {
        return if pos < len {
            cut(pos, len)
        } else {
            String::new()
        };
    }
    cut(pos, pos + length)
}

fn case(value: &str, kind: CaseKind) -> String {
    let first = |upper: bool| {
        let mut chars = value.chars();
        match chars.next() {
            Some(c) if upper => c.to_uppercase().chain(chars).collect(),
            Some(c) => c.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    };
    match kind {
        CaseKind::Upper => value.to_uppercase(),
        CaseKind::Lower => value.to_lowercase(),
        CaseKind::UpperFirst => first(true),
        CaseKind::LowerFirst => first(false),
        CaseKind::Mixed => value.to_string(),
    }
}

fn replace(value: &str, kind: ReplaceKind, args: &[String]) -> String {
    let (pattern, with) = match args {
        [] => return value.to_string(),
        [p] => (p.as_str(), ""),
        [p, w, ..] => (p.as_str(), w.as_str()),
    };
    match kind {
        ReplaceKind::First => value.replacen(pattern, with, 1),
        ReplaceKind::All => value.replace(pattern, with),
        // Anchored replacements need both arguments, else the value is left alone.
        _ if args.len() != 2 => value.to_string(),
        ReplaceKind::Prefix => match value.strip_prefix(pattern) {
            Some(rest) => format!("{with}{rest}"),
            None => value.to_string(),
        },
        ReplaceKind::Suffix => match value.strip_suffix(pattern) {
            Some(rest) => format!("{rest}{with}"),
            None => value.to_string(),
        },
    }
}

/// Removes the shortest (or longest) non-empty prefix of `value` that `pattern` matches. A
/// malformed pattern leaves the value as it is.
fn trim_prefix(value: &str, pattern: &str, longest: bool) -> String {
    let Ok(glob) = Glob::new(pattern) else {
        return value.to_string();
    };
    let mut ends: Vec<usize> = value
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    if longest {
        ends.reverse();
    }
    match ends.into_iter().find(|&end| glob.matches(&value[..end])) {
        Some(end) => value[end..].to_string(),
        None => value.to_string(),
    }
}

/// A shell glob (`*`, `?`, `[a-z]`, `[^x]`, `\c`) matched against a whole string. Unlike
/// `path.Match`, the fork lets `*` and `?` match `/` too.
#[derive(Debug)]
struct Glob(Vec<Tok>);

#[derive(Debug)]
enum Tok {
    Star,
    Any,
    Char(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Glob {
    fn new(pattern: &str) -> Result<Glob, ()> {
        let p: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        let mut out = Vec::new();
        while i < p.len() {
            match p[i] {
                '*' => out.push(Tok::Star),
                '?' => out.push(Tok::Any),
                '\\' => {
                    i += 1;
                    out.push(Tok::Char(*p.get(i).ok_or(())?));
                }
                '[' => {
                    i += 1;
                    let negated = p.get(i) == Some(&'^');
                    if negated {
                        i += 1;
                    }
                    let mut ranges = Vec::new();
                    loop {
                        match p.get(i) {
                            Some(']') if !ranges.is_empty() => break,
                            None | Some('-' | ']') => return Err(()),
                            _ => {}
                        }
                        let lo = class_char(&p, &mut i)?;
                        let hi = if p.get(i) == Some(&'-') {
                            i += 1;
                            class_char(&p, &mut i)?
                        } else {
                            lo
                        };
                        ranges.push((lo, hi));
                    }
                    out.push(Tok::Class { negated, ranges });
                }
                c => out.push(Tok::Char(c)),
            }
            i += 1;
        }
        Ok(Glob(out))
    }

    fn matches(&self, s: &str) -> bool {
        let s: Vec<char> = s.chars().collect();
        // Iterative wildcard matching with one backtrack point per star.
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while si < s.len() {
            let one = |t: &Tok, c: char| match t {
                Tok::Any => true,
                Tok::Char(x) => *x == c,
                Tok::Class { negated, ranges } => {
                    ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
                }
                Tok::Star => false,
            };
            match self.0.get(pi) {
                Some(Tok::Star) => {
                    star = Some((pi, si));
                    pi += 1;
                }
                Some(t) if one(t, s[si]) => {
                    pi += 1;
                    si += 1;
                }
                _ => match star {
                    Some((sp, ss)) => {
                        pi = sp + 1;
                        si = ss + 1;
                        star = Some((sp, ss + 1));
                    }
                    None => return false,
                },
            }
        }
        self.0[pi..].iter().all(|t| matches!(t, Tok::Star))
    }
}

/// One possibly escaped character of a class; `i` moves past it.
fn class_char(p: &[char], i: &mut usize) -> Result<char, ()> {
    let mut c = *p.get(*i).ok_or(())?;
    if c == '\\' {
        *i += 1;
        c = *p.get(*i).ok_or(())?;
    }
    *i += 1;
    // A class must be closed.
    if *i >= p.len() {
        return Err(());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::super::grammar::parse;
    use super::*;

    /// A template, the variables set, the expected result.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

    fn run(src: &str, vars: &[(&str, &str)]) -> (String, Vec<String>) {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut unset = Vec::new();
        let out = eval(&parse(src).unwrap(), &vars, &mut unset);
        (out, unset.into_iter().map(|u| u.name).collect())
    }

    #[test]
    fn values_and_defaults() {
        let cases: &[Case] = &[
            ("plain", &[], "plain"),
            ("${A}", &[("A", "x")], "x"),
            ("${A}", &[], ""),
            ("pre-${A}-post", &[("A", "x")], "pre-x-post"),
            ("${A:=d}", &[], "d"),
            ("${A:=d}", &[("A", "")], "d"),
            ("${A:=d}", &[("A", "x")], "x"),
            ("${A:-d}", &[], "d"),
            ("${A=d}", &[], "d"),
            ("${A=d}", &[("A", "")], "d"),
            ("${A:?msg}", &[], "msg"),
            ("${A:?msg}", &[("A", "x")], "x"),
            // Not bash: `:+` gives the value when set.
            ("${A:+alt}", &[("A", "x")], "x"),
            ("${A:+alt}", &[], "alt"),
            ("${A:=${B}}", &[("B", "b")], "b"),
            ("${A:=pre-${B}-suf}", &[("B", "b")], "pre-b-suf"),
            ("${A:=${B:=${C^^}}}", &[("C", "c")], "C"),
            ("$${A}", &[("A", "x")], "${A}"),
            ("$A", &[("A", "x")], "$A"),
            ("$${A=${B}}", &[("B", "b")], "${A=b}"),
        ];
        for (src, vars, want) in cases {
            assert_eq!(run(src, vars).0, *want, "{src}");
        }
    }

    #[test]
    fn string_functions() {
        let path = [("P", "/home/bozo/ideas/thoughts.for.today")];
        let f = [("F", "bash.string.txt")];
        let z = [("Z", "abcABC123ABCabc")];
        let cases: &[Case] = &[
            ("${#A}", &[("A", "abcdEFGH28ij")], "12"),
            ("${#A}", &[("A", "é")], "2"),
            ("${A^}", &[("A", "abc")], "Abc"),
            ("${A^^}", &[("A", "abc")], "ABC"),
            ("${A,}", &[("A", "ABC")], "aBC"),
            ("${A,,}", &[("A", "ABC")], "abc"),
            ("${A,^}", &[("A", "aBc")], "aBc"),
            ("${P:11}", &path, "ideas/thoughts.for.today"),
            ("${P:11:5}", &path, "ideas"),
            ("${P:-5}", &path, "/home/bozo/ideas/thoughts.for.today"),
            ("${A:1:-1}", &[("A", "abcd")], "bc"),
            ("${A:3:-2}", &[("A", "abcd")], ""),
            ("${A:10}", &[("A", "abcd")], ""),
            ("${A:2:10}", &[("A", "abcd")], "cd"),
            ("${A:x}", &[("A", "abcd")], "abcd"),
            ("${A:${N}}", &[("A", "abcd"), ("N", "2")], "cd"),
            ("${F#*.}", &f, "string.txt"),
            ("${F##*.}", &f, "txt"),
            ("${F%.*}", &f, "bash.string"),
            ("${F%%.*}", &f, "bash"),
            ("${F#*}", &f, "ash.string.txt"),
            ("${F#nomatch}", &f, "bash.string.txt"),
            ("${F#[a-c]a}", &f, "sh.string.txt"),
            ("${F#[}", &f, "bash.string.txt"),
            ("${A#*/}", &[("A", "path/to/file")], "to/file"),
            ("${A##*/}", &[("A", "/path/to/file")], "file"),
            ("${Z/abc/xyz}", &z, "xyzABC123ABCabc"),
            ("${Z//abc/xyz}", &z, "xyzABC123ABCxyz"),
            ("${Z/#abc/XYZ}", &z, "XYZABC123ABCabc"),
            ("${Z/%abc/XYZ}", &z, "abcABC123ABCXYZ"),
            ("${Z/#ABC/XYZ}", &z, "abcABC123ABCabc"),
            ("${Z/#abc/}", &z, "abcABC123ABCabc"),
            ("${A/./}", &[("A", "foo.bar")], "foobar"),
            (r"${A//\//-}", &[("A", "foo/bar/baz")], "foo-bar-baz"),
            ("${A/#/x}", &[("A", "ab")], "xab"),
        ];
        for (src, vars, want) in cases {
            assert_eq!(run(src, vars).0, *want, "{src}");
        }
    }

    #[test]
    fn unset_variables_are_those_without_a_default() {
        assert_eq!(run("${A}", &[]).1, vec!["A"]);
        assert_eq!(run("${A}", &[("A", "")]).1, Vec::<String>::new());
        assert_eq!(run("${A:=d}", &[]).1, Vec::<String>::new());
        assert_eq!(run("${A=d} ${B:-d}", &[]).1, Vec::<String>::new());
        for op in ["${#A}", "${A^^}", "${A,}", "${A:0:1}", "${A/x/y}", "${A%x}"] {
            assert_eq!(run(op, &[]).1, vec!["A"], "{op}");
        }
        // The default is evaluated even when A is set.
        assert_eq!(run("${A:=${B}}", &[("A", "a")]).1, vec!["B"]);
    }

    #[test]
    fn globs() {
        let m = |p: &str, s: &str| Glob::new(p).unwrap().matches(s);
        assert!(m("*", ""));
        assert!(m("a*c", "abbbc"));
        assert!(m("a*c", "a/c"));
        assert!(m("?", "/"));
        assert!(!m("a?c", "ac"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[^a-c]x", "bx"));
        assert!(m(r"\*", "*"));
        assert!(m("*.txt", "a.b.txt"));
        assert!(!m("*.txt", "a.txt.gz"));
        assert!(Glob::new("[").is_err());
        assert!(Glob::new("[]").is_err());
        assert!(Glob::new("\\").is_err());
    }
}
