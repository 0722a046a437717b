//! The `${…}` grammar of Flux's post-build substitution (fluxcd/pkg/envsubst, a fork of
//! drone/envsubst), parsed into [`Piece`]s.
//!
//! The rules follow that scanner's behaviour rather than bash's, because what matters is what
//! kustomize-controller accepts:
//! - only `${` starts an expression; a bare `$VAR` is text, and `$$` is an escaped `$` (outside
//!   expressions only);
//! - a name is one or more Unicode letters, digits or `_` (the vars' own names are checked
//!   separately against `^[_[:alpha:]][_[:alpha:][:digit:]]*$`);
//! - after the name: `}`; `:=`, `:-`, `:?`, `:+` or `=` and a default made of text and nested
//!   expressions; `:pos` or `:pos:len`; `^`, `^^`, `,`, `,,`; `#`/`##`/`%`/`%%` and a glob;
//!   `/`, `//`, `/#`, `/%` with a pattern and a replacement (where `\/` and `\\` escape);
//! - `${#VAR}` is the length. Anything else is an error: notably `${VAR-x}`, `${VAR+x}` and
//!   `${VAR?x}` (bash has them, the fork's parser stops at the name and wants `}`).

use std::fmt;

/// One part of a template: literal text or an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text copied as it is (escapes already removed).
    Text(String),
    /// A `${…}` expression.
    Expr(Expr),
}

/// A `${…}` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// The variable's name.
    pub name: String,
    /// What is done with its value.
    pub op: Op,
    /// The operator's arguments, each a sequence of pieces (a default may mix text and nested
    /// expressions; the other operators take one piece per argument).
    pub args: Vec<Vec<Piece>>,
}

/// The operator of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `${VAR}`.
    Value,
    /// `${#VAR}`: the length in bytes.
    Length,
    /// `${VAR:=d}`, `${VAR:-d}`, `${VAR=d}`, `${VAR:?d}`, `${VAR:+d}`. The fork gives all five
    /// the same meaning: the value when it is not empty, else the default.
    Default(DefaultKind),
    /// `${VAR:pos}` or `${VAR:pos:len}`.
    Substring,
    /// `${VAR^}`, `${VAR^^}`, `${VAR,}`, `${VAR,,}` (and mixes such as `,^`, which change
    /// nothing).
    Case(CaseKind),
    /// `${VAR#glob}` (shortest) or `${VAR##glob}` (longest) removed from the start.
    TrimPrefix {
        /// `##`.
        longest: bool,
    },
    /// `${VAR%glob}` or `${VAR%%glob}` removed from the end.
    TrimSuffix {
        /// `%%`.
        longest: bool,
    },
    /// `${VAR/p/r}`, `${VAR//p/r}`, `${VAR/#p/r}`, `${VAR/%p/r}`: literal replacement.
    Replace(ReplaceKind),
}

/// The spelling of a default operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultKind {
    /// `:=`
    ColonEquals,
    /// `:-`
    ColonDash,
    /// `:?`
    ColonQuestion,
    /// `:+`
    ColonPlus,
    /// `=`
    Equals,
}

/// A case operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseKind {
    /// `^`
    UpperFirst,
    /// `^^`
    Upper,
    /// `,`
    LowerFirst,
    /// `,,`
    Lower,
    /// `,^` or `^,`: accepted, changes nothing.
    Mixed,
}

/// Which occurrence a replacement replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaceKind {
    /// `/`: the first.
    First,
    /// `//`: all.
    All,
    /// `/#`: a prefix.
    Prefix,
    /// `/%`: a suffix.
    Suffix,
}

/// Why a template does not parse, and where (a character offset into the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub kind: SyntaxErrorKind,
    /// Character offset of the `${` that starts the broken expression.
    pub offset: usize,
}

/// The kinds of syntax error, named after the fork's errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// `${` not followed by a name (`${}`, `${ X}`, `${-X}`).
    VariableName,
    /// A name followed by something that is neither an operator nor `}` (`${X-d}`, `${X`).
    MissingClosingBrace,
    /// An operator without the argument it needs (`${X:}`, `${X#}`), or an unterminated one.
    FunctionArgument,
    /// Any other malformed expression (`${#}`, `${X^^^}`, `${X/a}`).
    BadSubstitution,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            SyntaxErrorKind::VariableName => "unable to parse variable name",
            SyntaxErrorKind::MissingClosingBrace => "missing closing brace",
            SyntaxErrorKind::FunctionArgument => "unable to parse substitution within function",
            SyntaxErrorKind::BadSubstitution => "bad substitution",
        };
        f.write_str(what)
    }
}

/// Parses `text` into pieces.
pub fn parse(text: &str) -> Result<Vec<Piece>, SyntaxError> {
    let mut p = Parser {
        s: text.chars().collect(),
        i: 0,
        start: 0,
    };
    p.top()
}

struct Parser {
    s: Vec<char>,
    i: usize,
    /// Offset of the outermost `${` being parsed, for errors.
    start: usize,
}

fn is_ident(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_'
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn at_open(&self) -> bool {
        self.peek() == Some('$') && self.peek_at(1) == Some('{')
    }

    fn err(&self, kind: SyntaxErrorKind) -> SyntaxError {
        SyntaxError {
            kind,
            offset: self.start,
        }
    }

    /// Text and expressions up to the end.
    fn top(&mut self) -> Result<Vec<Piece>, SyntaxError> {
        let mut out = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if self.at_open() {
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                self.start = self.i;
                self.i += 2;
                out.push(Piece::Expr(self.expr()?));
            } else if c == '$' && self.peek_at(1) == Some('$') {
                text.push('$');
                self.i += 2;
            } else {
                text.push(c);
                self.i += 1;
            }
        }
        if !text.is_empty() {
            out.push(Piece::Text(text));
        }
        Ok(out)
    }

    /// One expression; `${` already consumed.
    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        use SyntaxErrorKind::*;
        if self.peek() == Some('#') {
            self.i += 1;
            let name = self.ident().ok_or(self.err(BadSubstitution))?;
            self.close(BadSubstitution)?;
            return Ok(Expr {
                name,
                op: Op::Length,
                args: Vec::new(),
            });
        }
        let name = self.ident().ok_or(self.err(VariableName))?;
        let expr = |op, args| Expr {
            name: name.clone(),
            op,
            args,
        };
        match self.peek() {
            Some('}') => {
                self.i += 1;
                Ok(expr(Op::Value, Vec::new()))
            }
            Some(':') => match self.peek_at(1) {
                Some(c @ ('=' | '-' | '?' | '+')) => {
                    self.i += 2;
                    let kind = match c {
                        '=' => DefaultKind::ColonEquals,
                        '-' => DefaultKind::ColonDash,
                        '?' => DefaultKind::ColonQuestion,
                        _ => DefaultKind::ColonPlus,
                    };
                    Ok(expr(Op::Default(kind), vec![self.default_word()?]))
                }
                _ => {
                    self.i += 1;
                    let mut args = vec![self.param(|c| c != ':' && c != '}', false)?];
                    // The delimiter scan takes a run of colons, then the length runs to `}`.
                    if self.peek() == Some('}') {
                        self.i += 1;
                        return Ok(expr(Op::Substring, args));
                    }
                    if self.peek() != Some(':') {
                        return Err(self.err(BadSubstitution));
                    }
                    while self.peek() == Some(':') {
                        self.i += 1;
                    }
                    args.push(self.param(|c| c != '}', false)?);
                    self.close(BadSubstitution)?;
                    Ok(expr(Op::Substring, args))
                }
            },
            Some('=') => {
                self.i += 1;
                Ok(expr(
                    Op::Default(DefaultKind::Equals),
                    vec![self.default_word()?],
                ))
            }
            Some(',' | '^') => {
                let mut ops = String::new();
                while ops.len() < 2
                    && let Some(c @ (',' | '^')) = self.peek()
                {
                    ops.push(c);
                    self.i += 1;
                }
                let kind = match ops.as_str() {
                    "^" => CaseKind::UpperFirst,
                    "^^" => CaseKind::Upper,
                    "," => CaseKind::LowerFirst,
                    ",," => CaseKind::Lower,
                    _ => CaseKind::Mixed,
                };
                self.close(BadSubstitution)?;
                Ok(expr(Op::Case(kind), Vec::new()))
            }
            Some('/') => {
                self.i += 1;
                let kind = match self.peek() {
                    Some('/') => ReplaceKind::All,
                    Some('#') => ReplaceKind::Prefix,
                    Some('%') => ReplaceKind::Suffix,
                    _ => ReplaceKind::First,
                };
                if kind != ReplaceKind::First {
                    self.i += 1;
                }
                // An empty pattern (`${X/#/p}`) is allowed; a pattern may contain `}`.
                let pattern = if self.peek() == Some('/') {
                    vec![Piece::Text(String::new())]
                } else {
                    self.param(|c| c != '/', true)?
                };
                if self.peek() != Some('/') {
                    return Err(self.err(BadSubstitution));
                }
                self.i += 1;
                let mut args = vec![pattern];
                if self.peek() == Some('}') {
                    self.i += 1;
                    return Ok(expr(Op::Replace(kind), args));
                }
                args.push(self.param(|c| c != '}', true)?);
                self.close(BadSubstitution)?;
                Ok(expr(Op::Replace(kind), args))
            }
            Some(c @ ('#' | '%')) => {
                self.i += 1;
                let longest = self.peek() == Some(c);
                if longest {
                    self.i += 1;
                }
                let args = vec![self.param(|c| c != '}', false)?];
                self.close(BadSubstitution)?;
                let op = if c == '#' {
                    Op::TrimPrefix { longest }
                } else {
                    Op::TrimSuffix { longest }
                };
                Ok(expr(op, args))
            }
            _ => Err(self.err(MissingClosingBrace)),
        }
    }

    fn ident(&mut self) -> Option<String> {
        let from = self.i;
        while self.peek().is_some_and(is_ident) {
            self.i += 1;
        }
        (self.i > from).then(|| self.s[from..self.i].iter().collect())
    }

    fn close(&mut self, kind: SyntaxErrorKind) -> Result<(), SyntaxError> {
        if self.peek() == Some('}') {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(kind))
        }
    }

    /// A default: text and nested expressions up to the closing `}` (which it consumes).
    fn default_word(&mut self) -> Result<Vec<Piece>, SyntaxError> {
        let mut out = Vec::new();
        loop {
            if self.peek() == Some('}') {
                self.i += 1;
                return Ok(out);
            }
            out.extend(self.param(|c| c != '}', false)?);
        }
    }

    /// One argument: a nested expression, or a non-empty run of text accepted by `accept` that
    /// stops before `${`. With `escapes`, `\/`, `\\` and `$$` stand for `/`, `\` and `$`.
    fn param(
        &mut self,
        accept: impl Fn(char) -> bool,
        escapes: bool,
    ) -> Result<Vec<Piece>, SyntaxError> {
        if self.at_open() {
            self.i += 2;
            return Ok(vec![Piece::Expr(self.expr()?)]);
        }
        let mut text = String::new();
        let mut any = false;
        while let Some(c) = self.peek() {
            if self.at_open() {
                break;
            }
            let next = self.peek_at(1);
            let escaped = escapes
                && ((c == '\\' && matches!(next, Some('/' | '\\')))
                    || (c == '$' && next == Some('$')));
            if escaped {
                // The escape character is dropped and the next one taken as it is.
                text.push(next.unwrap_or(c));
                self.i += 2;
                any = true;
                continue;
            }
            if !accept(c) {
                break;
            }
            text.push(c);
            self.i += 1;
            any = true;
        }
        if !any {
            return Err(self.err(SyntaxErrorKind::FunctionArgument));
        }
        Ok(vec![Piece::Text(text)])
    }
}

/// Whether `text` holds at least one expression (and parses).
pub fn has_expression(text: &str) -> bool {
    text.contains("${") && parse(text).is_ok_and(|p| p.iter().any(|x| matches!(x, Piece::Expr(_))))
}

/// Whether `text` is made of expressions only (`${REPLICAS}`, `${q}${id}${q}`), so that after
/// substitution it may be of any type.
pub fn is_only_expressions(text: &str) -> bool {
    text.starts_with("${")
        && parse(text).is_ok_and(|p| p.iter().all(|x| matches!(x, Piece::Expr(_))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Piece {
        Piece::Text(s.into())
    }

    fn e(name: &str, op: Op, args: Vec<Vec<Piece>>) -> Piece {
        Piece::Expr(Expr {
            name: name.into(),
            op,
            args,
        })
    }

    fn v(name: &str) -> Piece {
        e(name, Op::Value, vec![])
    }

    #[test]
    fn text_and_escapes() {
        let cases: &[(&str, Vec<Piece>)] = &[
            ("plain text", vec![t("plain text")]),
            ("}text", vec![t("}text")]),
            (
                "$VAR is not substituted",
                vec![t("$VAR is not substituted")],
            ),
            ("$${VAR}", vec![t("${VAR}")]),
            ("$$VAR", vec![t("$VAR")]),
            ("$$$${X}", vec![t("$${X}")]),
            ("$$${X}", vec![t("$"), v("X")]),
            ("cost: 5$", vec![t("cost: 5$")]),
            (r"\\.\pipe", vec![t(r"\\.\pipe")]),
            ("a ${B} c", vec![t("a "), v("B"), t(" c")]),
        ];
        for (src, want) in cases {
            assert_eq!(&parse(src).unwrap(), want, "{src}");
        }
    }

    #[test]
    fn every_operator() {
        use DefaultKind::*;
        let d = |k| Op::Default(k);
        let cases: &[(&str, Piece)] = &[
            ("${VAR}", v("VAR")),
            ("${_x1}", v("_x1")),
            ("${1A}", v("1A")),
            ("${#VAR}", e("VAR", Op::Length, vec![])),
            (
                "${VAR:=dflt}",
                e("VAR", d(ColonEquals), vec![vec![t("dflt")]]),
            ),
            (
                "${VAR:-dflt}",
                e("VAR", d(ColonDash), vec![vec![t("dflt")]]),
            ),
            (
                "${VAR:?msg}",
                e("VAR", d(ColonQuestion), vec![vec![t("msg")]]),
            ),
            ("${VAR:+alt}", e("VAR", d(ColonPlus), vec![vec![t("alt")]])),
            ("${VAR=dflt}", e("VAR", d(Equals), vec![vec![t("dflt")]])),
            ("${VAR==x}", e("VAR", d(Equals), vec![vec![t("=x")]])),
            ("${VAR:=}", e("VAR", d(ColonEquals), vec![vec![]])),
            (
                "${VAR:=a b:c}",
                e("VAR", d(ColonEquals), vec![vec![t("a b:c")]]),
            ),
            ("${VAR:2}", e("VAR", Op::Substring, vec![vec![t("2")]])),
            (
                "${VAR:2:3}",
                e("VAR", Op::Substring, vec![vec![t("2")], vec![t("3")]]),
            ),
            ("${VAR:-2}", e("VAR", d(ColonDash), vec![vec![t("2")]])),
            ("${VAR^}", e("VAR", Op::Case(CaseKind::UpperFirst), vec![])),
            ("${VAR^^}", e("VAR", Op::Case(CaseKind::Upper), vec![])),
            ("${VAR,}", e("VAR", Op::Case(CaseKind::LowerFirst), vec![])),
            ("${VAR,,}", e("VAR", Op::Case(CaseKind::Lower), vec![])),
            ("${VAR,^}", e("VAR", Op::Case(CaseKind::Mixed), vec![])),
            (
                "${VAR#*.}",
                e(
                    "VAR",
                    Op::TrimPrefix { longest: false },
                    vec![vec![t("*.")]],
                ),
            ),
            (
                "${VAR##*.}",
                e("VAR", Op::TrimPrefix { longest: true }, vec![vec![t("*.")]]),
            ),
            (
                "${VAR%.*}",
                e(
                    "VAR",
                    Op::TrimSuffix { longest: false },
                    vec![vec![t(".*")]],
                ),
            ),
            (
                "${VAR%%.*}",
                e("VAR", Op::TrimSuffix { longest: true }, vec![vec![t(".*")]]),
            ),
            (
                "${VAR#$%:*{}",
                e(
                    "VAR",
                    Op::TrimPrefix { longest: false },
                    vec![vec![t("$%:*{")]],
                ),
            ),
            (
                "${VAR/a/b}",
                e(
                    "VAR",
                    Op::Replace(ReplaceKind::First),
                    vec![vec![t("a")], vec![t("b")]],
                ),
            ),
            (
                "${VAR//a/b}",
                e(
                    "VAR",
                    Op::Replace(ReplaceKind::All),
                    vec![vec![t("a")], vec![t("b")]],
                ),
            ),
            (
                "${VAR/#a/b}",
                e(
                    "VAR",
                    Op::Replace(ReplaceKind::Prefix),
                    vec![vec![t("a")], vec![t("b")]],
                ),
            ),
            (
                "${VAR/%a/b}",
                e(
                    "VAR",
                    Op::Replace(ReplaceKind::Suffix),
                    vec![vec![t("a")], vec![t("b")]],
                ),
            ),
            (
                "${VAR/./}",
                e("VAR", Op::Replace(ReplaceKind::First), vec![vec![t(".")]]),
            ),
            (
                "${VAR/#/x}",
                e(
                    "VAR",
                    Op::Replace(ReplaceKind::Prefix),
                    vec![vec![t("")], vec![t("x")]],
                ),
            ),
            (
                r"${VAR/\//-}",
                e(
                    "VAR",
                    Op::Replace(ReplaceKind::First),
                    vec![vec![t("/")], vec![t("-")]],
                ),
            ),
            (
                r"${VAR/a\\/\/b}",
                e(
                    "VAR",
                    Op::Replace(ReplaceKind::First),
                    vec![vec![t(r"a\")], vec![t("/b")]],
                ),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(parse(src).unwrap(), vec![want.clone()], "{src}");
        }
    }

    #[test]
    fn nesting() {
        use DefaultKind::*;
        assert_eq!(
            parse("${A:=${B}}").unwrap(),
            vec![e("A", Op::Default(ColonEquals), vec![vec![v("B")]])]
        );
        assert_eq!(
            parse("${A=pre-${B}-suf}").unwrap(),
            vec![e(
                "A",
                Op::Default(Equals),
                vec![vec![t("pre-"), v("B"), t("-suf")]]
            )]
        );
        assert_eq!(
            parse("${A=${B:=${C^^}}}").unwrap(),
            vec![e(
                "A",
                Op::Default(Equals),
                vec![vec![e(
                    "B",
                    Op::Default(ColonEquals),
                    vec![vec![e("C", Op::Case(CaseKind::Upper), vec![])]]
                )]]
            )]
        );
        assert_eq!(
            parse("${S:${P}:${L,,}}").unwrap(),
            vec![e(
                "S",
                Op::Substring,
                vec![
                    vec![v("P")],
                    vec![e("L", Op::Case(CaseKind::Lower), vec![])]
                ]
            )]
        );
        assert_eq!(
            parse("${S//${P}/${R}}").unwrap(),
            vec![e(
                "S",
                Op::Replace(ReplaceKind::All),
                vec![vec![v("P")], vec![v("R")]]
            )]
        );
    }

    #[test]
    fn malformed_expressions() {
        use SyntaxErrorKind::*;
        let cases: &[(&str, SyntaxErrorKind, usize)] = &[
            ("${", VariableName, 0),
            ("${}", VariableName, 0),
            ("${ X}", VariableName, 0),
            ("a ${-X}", VariableName, 2),
            ("${X", MissingClosingBrace, 0),
            ("${X-default}", MissingClosingBrace, 0),
            ("${X+alt}", MissingClosingBrace, 0),
            ("${X?msg}", MissingClosingBrace, 0),
            ("${X.Y}", MissingClosingBrace, 0),
            ("${arr[0]}", MissingClosingBrace, 0),
            ("${X:=abc", FunctionArgument, 0),
            ("${X:}", FunctionArgument, 0),
            ("${X::2}", FunctionArgument, 0),
            ("${X#}", FunctionArgument, 0),
            ("${#}", BadSubstitution, 0),
            ("${#X:1}", BadSubstitution, 0),
            ("${X^^^}", BadSubstitution, 0),
            ("${X/a}", BadSubstitution, 0),
            ("${X//a}", BadSubstitution, 0),
            ("${X:1${Y}}", BadSubstitution, 0),
            ("${X#a${Y}}", BadSubstitution, 0),
            ("ok ${A} ${B", MissingClosingBrace, 8),
        ];
        for (src, kind, offset) in cases {
            let err = parse(src).unwrap_err();
            assert_eq!((err.kind, err.offset), (*kind, *offset), "{src}");
        }
    }

    #[test]
    fn placeholders() {
        assert!(has_expression("podinfo.${CLUSTER_DOMAIN}"));
        assert!(!has_expression("$${ESCAPED}"));
        assert!(!has_expression("${broken"));
        assert!(!has_expression("$PLAIN"));
        assert!(is_only_expressions("${REPLICAS}"));
        assert!(is_only_expressions("${q}${id}${q}"));
        assert!(is_only_expressions("${R:=3}"));
        assert!(!is_only_expressions("${R} "));
        assert!(!is_only_expressions("x${R}"));
        assert!(!is_only_expressions("$${R}"));
    }
}
