//! Go's regular-expression grammar (`regexp/syntax` with Perl flags, as `regexp.Compile` uses it),
//! for the patterns Flux's image-reflector-controller compiles: ImagePolicy `filterTags.pattern`
//! and ImageRepository `exclusionList`.
//!
//! The `regex` crate accepts a different language: it has class set operations (`[a&&b]`),
//! `(?x)`, script short names and binary properties, and rejects `\Q…\E`, octal escapes and group
//! names starting with a digit. A pattern fluxval accepts must be one Go accepts, so this module
//! validates with Go's own rules (error wording included) instead of asking the `regex` crate.
//! It returns the capture groups, which `extract` templates refer to, and a small syntax tree for
//! the checks that look at anchoring. Matching, when needed, goes through
//! [`crate::schema::re2::re2_to_rust`].

mod escapes;
mod names;
mod parser;
mod template;

#[cfg(test)]
mod tests;

use std::fmt;

pub use template::{TemplateRef, template_refs};

/// Why Go rejects a pattern, worded as Go's `regexp/syntax.ErrorCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// `invalid character class range`: `[z-a]`, an unknown `[:name:]` or `\p{Name}`.
    InvalidCharRange,
    /// `invalid escape sequence`: `\Z`, `\1`, `\e`, `\b` inside a class, ...
    InvalidEscape,
    /// `invalid named capture`: `(?P<>x)`, `(?<a-b>x)`, or no closing `>`.
    InvalidNamedCapture,
    /// `invalid or unsupported Perl syntax`: lookaround, atomic groups, `(?x)`, `(?#…)`.
    InvalidPerlOp,
    /// `invalid nested repetition operator`: `a**`, possessive `a++`.
    InvalidRepeatOp,
    /// `invalid repeat count`: a count over 1000, `{2,1}`, nested counts whose product passes 1000.
    InvalidRepeatSize,
    /// `missing closing ]`.
    MissingBracket,
    /// `missing closing )`.
    MissingParen,
    /// `missing argument to repetition operator`: `*a`, `(|+)`.
    MissingRepeatArgument,
    /// `trailing backslash at end of expression`.
    TrailingBackslash,
    /// `unexpected )`.
    UnexpectedParen,
    /// `expression nests too deeply`: a syntax tree more than 1000 levels high.
    NestingDepth,
    /// `expression too large`: the compiled program would pass Go's size budget.
    Large,
}

impl ErrorCode {
    /// Go's text for the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCharRange => "invalid character class range",
            ErrorCode::InvalidEscape => "invalid escape sequence",
            ErrorCode::InvalidNamedCapture => "invalid named capture",
            ErrorCode::InvalidPerlOp => "invalid or unsupported Perl syntax",
            ErrorCode::InvalidRepeatOp => "invalid nested repetition operator",
            ErrorCode::InvalidRepeatSize => "invalid repeat count",
            ErrorCode::MissingBracket => "missing closing ]",
            ErrorCode::MissingParen => "missing closing )",
            ErrorCode::MissingRepeatArgument => "missing argument to repetition operator",
            ErrorCode::TrailingBackslash => "trailing backslash at end of expression",
            ErrorCode::UnexpectedParen => "unexpected )",
            ErrorCode::NestingDepth => "expression nests too deeply",
            ErrorCode::Large => "expression too large",
        }
    }
}

/// A pattern Go would not compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Re2Error {
    /// What is wrong.
    pub code: ErrorCode,
    /// The offending text, as Go quotes it in its message (for a missing `)` or an unexpected
    /// one Go quotes the whole pattern).
    pub expr: String,
    /// Byte offset in the pattern where the problem is: the start of `expr`, or for parentheses
    /// the unmatched one itself.
    pub offset: usize,
}

impl fmt::Display for Re2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`", self.code.as_str(), self.expr)
    }
}

impl std::error::Error for Re2Error {}

/// A capture group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// 1-based index, in order of the opening parentheses (what `$1` refers to).
    pub index: usize,
    /// The name of `(?P<name>…)` or `(?<name>…)`. Go allows the same name twice; `$name` then
    /// means the leftmost group of that name that took part in the match.
    pub name: Option<String>,
    /// Byte offset of its `(`.
    pub offset: usize,
}

/// A zero-width assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assertion {
    /// `^` (beginning of text, or of a line under `(?m)`), `\A`.
    Begin,
    /// `$` (end of text, or of a line under `(?m)`), `\z`.
    End,
    /// `\b`.
    WordBoundary,
    /// `\B`.
    NotWordBoundary,
}

/// One member of a character class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassItem {
    /// A character or a range `a-z` (both ends included).
    Range(char, char),
    /// A Perl class: `d`, `D`, `s`, `S`, `w`, `W` (all ASCII in Go).
    Perl(char),
    /// A POSIX class `[:alpha:]`; `negated` for `[:^alpha:]`.
    Posix {
        /// The name between the colons.
        name: String,
        /// `[:^name:]`.
        negated: bool,
    },
    /// A Unicode class `\pL`, `\p{Greek}`; `negated` for `\P` or `\p{^…}`.
    Unicode {
        /// The name as written.
        name: String,
        /// Negated.
        negated: bool,
    },
}

/// A character class: `[…]`, or a single escape such as `\d` or `\pL` outside brackets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    /// `[^…]`.
    pub negated: bool,
    /// Its members.
    pub items: Vec<ClassItem>,
}

/// A node of the syntax tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Matches the empty string (`()`, `a|`).
    Empty,
    /// Literal text.
    Literal(String),
    /// A character class.
    Class(Class),
    /// `.`.
    AnyChar,
    /// `^`, `$`, `\A`, `\z`, `\b`, `\B`.
    Assertion(Assertion),
    /// A capture group.
    Capture {
        /// Its index.
        index: usize,
        /// Its name, if any.
        name: Option<String>,
        /// What it holds.
        sub: Box<Expr>,
    },
    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`.
    Repeat {
        /// Least count.
        min: u32,
        /// Most count; `None` for unbounded.
        max: Option<u32>,
        /// Written with braces (`{n,m}`); Go limits only those counts.
        counted: bool,
        /// What is repeated.
        sub: Box<Expr>,
    },
    /// A sequence.
    Concat(Vec<Expr>),
    /// Alternatives.
    Alternate(Vec<Expr>),
}

/// A syntax-tree node with the measures Go limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What it is.
    pub kind: Kind,
    /// Height of the tree below and including it.
    height: u32,
    /// Go's estimate of its compiled size, in instructions.
    size: u64,
}

impl Expr {
    /// Whether every match must start at the beginning of the text (`^…`, `\A…`).
    pub fn anchored_start(&self) -> bool {
        match &self.kind {
            Kind::Assertion(Assertion::Begin) => true,
            Kind::Concat(v) => v.first().is_some_and(Expr::anchored_start),
            Kind::Alternate(v) => v.iter().all(Expr::anchored_start),
            Kind::Capture { sub, .. } => sub.anchored_start(),
            _ => false,
        }
    }

    /// Whether every match must end at the end of the text (`…$`, `…\z`).
    pub fn anchored_end(&self) -> bool {
        match &self.kind {
            Kind::Assertion(Assertion::End) => true,
            Kind::Concat(v) => v.last().is_some_and(Expr::anchored_end),
            Kind::Alternate(v) => v.iter().all(Expr::anchored_end),
            Kind::Capture { sub, .. } => sub.anchored_end(),
            _ => false,
        }
    }

    /// Whether it starts with `.*`, which makes an unanchored search the same as an anchored one.
    pub fn starts_with_any_star(&self) -> bool {
        match &self.kind {
            Kind::Repeat {
                min: 0,
                max: None,
                sub,
                ..
            } => sub.kind == Kind::AnyChar,
            Kind::Concat(v) => v.first().is_some_and(Expr::starts_with_any_star),
            Kind::Capture { sub, .. } => sub.starts_with_any_star(),
            _ => false,
        }
    }

    /// Whether every character it can match satisfies `ok` (assertions match none).
    pub fn only_chars(&self, ok: &dyn Fn(char) -> bool) -> bool {
        match &self.kind {
            Kind::Empty | Kind::Assertion(_) => true,
            Kind::Literal(s) => s.chars().all(ok),
            Kind::AnyChar => false,
            Kind::Class(c) => {
                !c.negated
                    && c.items.iter().all(|i| match i {
                        ClassItem::Range(lo, hi) => (*lo..=*hi).all(ok),
                        ClassItem::Perl('d') => ('0'..='9').all(ok),
                        ClassItem::Posix { name, negated } => {
                            !negated && name == "digit" && ('0'..='9').all(ok)
                        }
                        _ => false,
                    })
            }
            Kind::Capture { sub, .. } | Kind::Repeat { sub, .. } => sub.only_chars(ok),
            Kind::Concat(v) | Kind::Alternate(v) => v.iter().all(|e| e.only_chars(ok)),
        }
    }
}

/// A pattern Go accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Its capture groups, by index (group 0, the whole match, is not listed).
    pub groups: Vec<Group>,
    /// Its syntax tree.
    pub root: Expr,
}

impl Parsed {
    /// Whether `$n` names a group (0 is the whole match).
    pub fn has_index(&self, n: usize) -> bool {
        n <= self.groups.len()
    }

    /// Whether `$name` names a group.
    pub fn has_name(&self, name: &str) -> bool {
        self.groups.iter().any(|g| g.name.as_deref() == Some(name))
    }
}

/// Parses `pattern` as Go's `regexp.Compile` does: `Ok` exactly when Go accepts it.
///
/// Never panics, whatever the input; the work is linear in the pattern's length apart from
/// the repetition-count check, which Go bounds the same way.
pub fn parse(pattern: &str) -> Result<Parsed, Re2Error> {
    parser::Parser::new(pattern).parse()
}
