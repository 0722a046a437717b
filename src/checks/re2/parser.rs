//! The parser: one left-to-right pass with an explicit stack of open groups, so that deeply
//! nested input cannot exhaust the call stack. It follows the order in which Go's parser meets
//! each error, so the first problem reported is the one Go reports.

use super::{Assertion, ErrorCode, Expr, Group, Kind, Parsed, Re2Error};

/// Largest count in `{n,m}`, and largest product of nested counts.
const MAX_REPEAT: u32 = 1000;
/// Highest syntax tree Go builds.
const MAX_HEIGHT: u32 = 1000;
/// Go's budget for the compiled program: 128 MiB of 40-byte instructions.
const MAX_SIZE: u64 = (128 << 20) / 40;

/// An item of a sequence being built; `loose` literals may still take more characters, and a
/// repetition applies to their last character only.
struct Item {
    expr: Expr,
    loose: bool,
}

/// An open group (the whole pattern is the bottom one).
pub(super) struct Frame {
    /// Offset of its `(`.
    open: usize,
    /// For a capture group: its index and name.
    capture: Option<(usize, Option<String>)>,
    /// Alternatives finished by `|`.
    alts: Vec<Expr>,
    /// The sequence being built.
    items: Vec<Item>,
}

impl Frame {
    pub(super) fn new_capture(open: usize, index: usize, name: Option<String>) -> Frame {
        Frame::new(open, Some((index, name)))
    }

    pub(super) fn new(open: usize, capture: Option<(usize, Option<String>)>) -> Frame {
        Frame {
            open,
            capture,
            alts: Vec::new(),
            items: Vec::new(),
        }
    }
}

pub(super) struct Parser<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
    pub(super) groups: Vec<Group>,
    frames: Vec<Frame>,
    /// Byte offset of the first `:]` at or after `.0` (`None`: there is none), so that a run of
    /// `[:` without a closing `:]` does not rescan the rest of the pattern each time.
    pub(super) posix_close: Option<(usize, Option<usize>)>,
}

pub(super) fn err(code: ErrorCode, expr: &str, offset: usize) -> Re2Error {
    Re2Error {
        code,
        expr: expr.to_string(),
        offset,
    }
}

pub(super) fn unhex(c: char) -> Option<u32> {
    c.to_digit(16)
}

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str) -> Parser<'a> {
        Parser {
            src,
            pos: 0,
            groups: Vec::new(),
            frames: vec![Frame::new(0, None)],
            posix_close: None,
        }
    }

    /// The offset of the first `:]` at or after `from`.
    pub(super) fn find_posix_close(&mut self, from: usize) -> Option<usize> {
        if let Some((start, found)) = self.posix_close
            && start <= from
            && found.is_none_or(|f| f >= from)
        {
            return found;
        }
        let found = self.src.get(from..)?.find(":]").map(|i| from + i);
        self.posix_close = Some((from, found));
        found
    }

    pub(super) fn open_frame(&mut self, frame: Frame) {
        self.frames.push(frame);
    }

    pub(super) fn char_at(&self, at: usize) -> Option<char> {
        self.src.get(at..).and_then(|s| s.chars().next())
    }

    pub(super) fn byte_at(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// Builds a node, enforcing Go's height and size limits.
    pub(super) fn make(&self, kind: Kind) -> Result<Expr, Re2Error> {
        let subs: Vec<&Expr> = match &kind {
            Kind::Capture { sub, .. } | Kind::Repeat { sub, .. } => vec![sub],
            Kind::Concat(v) | Kind::Alternate(v) => v.iter().collect(),
            _ => Vec::new(),
        };
        let height = 1 + subs.iter().map(|e| e.height).max().unwrap_or(0);
        let sum = |v: &[Expr]| v.iter().fold(0u64, |a, e| a.saturating_add(e.size));
        let size = match &kind {
            Kind::Literal(s) => s.chars().count() as u64,
            Kind::Capture { sub, .. } => sub.size.saturating_add(2),
            Kind::Repeat {
                min,
                max,
                counted,
                sub,
            } => {
                let (min, s) = (u64::from(*min), sub.size);
                match (max, counted) {
                    (None, false) if min == 0 => s.saturating_add(2),
                    (_, false) => s.saturating_add(1),
                    (None, true) if min == 0 => s.saturating_add(2),
                    (None, true) => min.saturating_mul(s).saturating_add(1),
                    (Some(max), true) => {
                        let max = u64::from(*max);
                        max.saturating_mul(s).saturating_add(max - min.min(max))
                    }
                }
            }
            Kind::Concat(v) => sum(v),
            Kind::Alternate(v) => sum(v).saturating_add(v.len().saturating_sub(1) as u64),
            _ => 0,
        }
        .max(1);
        if height > MAX_HEIGHT {
            return Err(err(ErrorCode::NestingDepth, self.src, self.pos));
        }
        if size > MAX_SIZE {
            return Err(err(ErrorCode::Large, self.src, self.pos));
        }
        Ok(Expr { kind, height, size })
    }

    pub(super) fn frame(&mut self) -> &mut Frame {
        // The bottom frame is never popped, so there is always one.
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    pub(super) fn push(&mut self, expr: Expr) {
        self.frame().items.push(Item { expr, loose: false });
    }

    pub(super) fn push_char(&mut self, c: char) -> Result<(), Re2Error> {
        if let Some(Item {
            expr:
                Expr {
                    kind: Kind::Literal(s),
                    size,
                    ..
                },
            loose: true,
        }) = self.frame().items.last_mut()
        {
            s.push(c);
            *size += 1;
            return Ok(());
        }
        let e = self.make(Kind::Literal(c.to_string()))?;
        self.frame().items.push(Item {
            expr: e,
            loose: true,
        });
        Ok(())
    }

    fn concat(&self, items: Vec<Item>) -> Result<Expr, Re2Error> {
        let mut v: Vec<Expr> = Vec::with_capacity(items.len());
        for it in items {
            match it.expr.kind {
                Kind::Concat(inner) => v.extend(inner),
                _ => v.push(it.expr),
            }
        }
        match v.len() {
            0 => self.make(Kind::Empty),
            1 => Ok(v.remove(0)),
            _ => self.make(Kind::Concat(v)),
        }
    }

    /// Closes the current frame's sequence and alternatives into one node.
    fn finish(&mut self, frame: Frame) -> Result<Expr, Re2Error> {
        let mut alts = frame.alts;
        alts.push(self.concat(frame.items)?);
        let body = if alts.len() == 1 {
            alts.remove(0)
        } else {
            let mut v = Vec::with_capacity(alts.len());
            for a in alts {
                match a.kind {
                    Kind::Alternate(inner) => v.extend(inner),
                    _ => v.push(a),
                }
            }
            self.make(Kind::Alternate(v))?
        };
        match frame.capture {
            Some((index, name)) => self.make(Kind::Capture {
                index,
                name,
                sub: Box::new(body),
            }),
            None => Ok(body),
        }
    }

    pub(super) fn parse(mut self) -> Result<Parsed, Re2Error> {
        // Where the previous token, if it was a repetition operator, began.
        let mut last_repeat: Option<usize> = None;
        while let Some(c) = self.char_at(self.pos) {
            let start = self.pos;
            let mut repeat = None;
            match c {
                '(' => {
                    if self.byte_at(start + 1) == Some(b'?') {
                        self.perl_group()?;
                    } else {
                        let index = self.groups.len() + 1;
                        self.groups.push(Group {
                            index,
                            name: None,
                            offset: start,
                        });
                        self.frames.push(Frame::new(start, Some((index, None))));
                        self.pos += 1;
                    }
                }
                '|' => {
                    let items = std::mem::take(&mut self.frame().items);
                    let e = self.concat(items)?;
                    self.frame().alts.push(e);
                    self.pos += 1;
                }
                ')' => {
                    if self.frames.len() == 1 {
                        return Err(err(ErrorCode::UnexpectedParen, self.src, start));
                    }
                    let frame = self.frames.pop().ok_or_else(|| {
                        err(ErrorCode::UnexpectedParen, self.src, start) // unreachable: checked above
                    })?;
                    let e = self.finish(frame)?;
                    self.push(e);
                    self.pos += 1;
                }
                '^' | '$' => {
                    let a = if c == '^' {
                        Assertion::Begin
                    } else {
                        Assertion::End
                    };
                    let e = self.make(Kind::Assertion(a))?;
                    self.push(e);
                    self.pos += 1;
                }
                '.' => {
                    let e = self.make(Kind::AnyChar)?;
                    self.push(e);
                    self.pos += 1;
                }
                '[' => {
                    let class = self.class()?;
                    let e = self.make(Kind::Class(class))?;
                    self.push(e);
                }
                '*' | '+' | '?' => {
                    let (min, max) = match c {
                        '*' => (0, None),
                        '+' => (1, None),
                        _ => (0, Some(1)),
                    };
                    self.repeat(start, start + 1, min, max, false, last_repeat)?;
                    repeat = Some(start);
                }
                '{' => match self.counts(start) {
                    Some((min, max, end)) => {
                        let max = match max {
                            Max::Same => Some(min),
                            Max::Unbounded => None,
                            Max::Value(v) => Some(v),
                        };
                        let (Some(min), false) = (min, matches!(max, Some(None))) else {
                            // A count too long to read.
                            return Err(err(
                                ErrorCode::InvalidRepeatSize,
                                &self.src[start..end],
                                start,
                            ));
                        };
                        let max = max.flatten();
                        if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT || min > m) {
                            return Err(err(
                                ErrorCode::InvalidRepeatSize,
                                &self.src[start..end],
                                start,
                            ));
                        }
                        self.repeat(start, end, min, max, true, last_repeat)?;
                        repeat = Some(start);
                    }
                    None => {
                        self.push_char('{')?;
                        self.pos += 1;
                    }
                },
                '\\' => self.escape()?,
                _ => {
                    self.push_char(c)?;
                    self.pos += c.len_utf8();
                }
            }
            last_repeat = repeat;
        }
        if self.frames.len() > 1 {
            let open = self.frames.last().map_or(0, |f| f.open);
            return Err(err(ErrorCode::MissingParen, self.src, open));
        }
        let frame = self.frames.pop().unwrap_or_else(|| Frame::new(0, None));
        let root = self.finish(frame)?;
        Ok(Parsed {
            groups: self.groups,
            root,
        })
    }

    /// Applies a repetition operator spanning `start..end` (a `?` after it makes it lazy).
    fn repeat(
        &mut self,
        start: usize,
        end: usize,
        min: u32,
        max: Option<u32>,
        counted: bool,
        last_repeat: Option<usize>,
    ) -> Result<(), Re2Error> {
        let mut after = end;
        if self.byte_at(after) == Some(b'?') {
            after += 1;
        }
        if let Some(lr) = last_repeat {
            // Perl forbids stacking operators: `a**` is an error, `a++` would be possessive.
            return Err(err(ErrorCode::InvalidRepeatOp, &self.src[lr..after], lr));
        }
        let Some(mut item) = self.frame().items.pop() else {
            return Err(err(
                ErrorCode::MissingRepeatArgument,
                &self.src[start..after],
                start,
            ));
        };
        if let (Kind::Literal(s), true) = (&mut item.expr.kind, item.loose)
            && s.chars().count() > 1
        {
            // Only the last character of a literal run is repeated.
            let last = s.pop().unwrap_or_default();
            item.expr.size = item.expr.size.saturating_sub(1);
            self.frame().items.push(Item {
                expr: item.expr,
                loose: false,
            });
            item = Item {
                expr: self.make(Kind::Literal(last.to_string()))?,
                loose: false,
            };
        }
        let e = self.make(Kind::Repeat {
            min,
            max,
            counted,
            sub: Box::new(item.expr),
        })?;
        if counted && (min >= 2 || max.is_some_and(|m| m >= 2)) && !repeat_is_valid(&e, MAX_REPEAT)
        {
            return Err(err(
                ErrorCode::InvalidRepeatSize,
                &self.src[start..after],
                start,
            ));
        }
        self.push(e);
        self.pos = after;
        Ok(())
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at `at`: the least count (`None` when too long to read),
    /// the most, and the end. `None` when the text is not of that form: the `{` is a literal.
    fn counts(&self, at: usize) -> Option<(Option<u32>, Max, usize)> {
        let (min, mut i) = self.int(at + 1)?;
        let max = if self.byte_at(i)? == b',' {
            i += 1;
            if self.byte_at(i)? == b'}' {
                Max::Unbounded
            } else {
                let (m, next) = self.int(i)?;
                i = next;
                Max::Value(m)
            }
        } else {
            Max::Same
        };
        if self.byte_at(i)? != b'}' {
            return None;
        }
        Some((min, max, i + 1))
    }

    /// A decimal number without leading zeros at `at`: its value (`None` past nine digits,
    /// where Go stops reading at 10^8) and its end.
    fn int(&self, at: usize) -> Option<(Option<u32>, usize)> {
        let b = self.src.as_bytes();
        let digits = b
            .get(at..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || (digits > 1 && b[at] == b'0') {
            return None;
        }
        let value = if digits > 9 {
            None
        } else {
            self.src[at..at + digits].parse::<u32>().ok()
        };
        Some((value, at + digits))
    }
}

/// The most count of `{…}`.
enum Max {
    /// `{n}`.
    Same,
    /// `{n,}`.
    Unbounded,
    /// `{n,m}`; `None` when too long to read.
    Value(Option<u32>),
}

/// Whether the nested counted repetitions in `e` stay within `n` copies of their innermost
/// part (Go's rule; `{0}` ends the walk, `{n,}` counts as `n`).
fn repeat_is_valid(e: &Expr, mut n: u32) -> bool {
    match &e.kind {
        Kind::Repeat {
            min,
            max,
            counted: true,
            sub,
        } => {
            let m = match max {
                Some(0) => return true,
                Some(m) => *m,
                None => *min,
            };
            if m > n {
                return false;
            }
            // `{0,}` (m = 0) leaves the budget as it is.
            n = n.checked_div(m).unwrap_or(n);
            repeat_is_valid(sub, n)
        }
        Kind::Repeat { sub, .. } | Kind::Capture { sub, .. } => repeat_is_valid(sub, n),
        Kind::Concat(v) | Kind::Alternate(v) => v.iter().all(|s| repeat_is_valid(s, n)),
        _ => true,
    }
}
