//! The parts of the grammar that start with `(?`, `\` and `[`.

use super::names;
use super::parser::{Frame, Parser, err, unhex};
use super::{Assertion, Class, ClassItem, ErrorCode, Group, Kind, Re2Error};

/// Whether `c` is one of Go's Perl class letters (`\d`, `\s`, `\w` and their negations).
fn perl_class(c: Option<u8>) -> Option<char> {
    match c {
        Some(c @ (b'd' | b'D' | b's' | b'S' | b'w' | b'W')) => Some(char::from(c)),
        _ => None,
    }
}

impl Parser<'_> {
    /// `(?…`: a named group, a non-capturing group, or a flag change.
    pub(super) fn perl_group(&mut self) -> Result<(), Re2Error> {
        let start = self.pos;
        let t = &self.src[start..];
        let b = t.as_bytes();
        let with_p = b.len() > 4 && b[2] == b'P' && b[3] == b'<';
        let with_name = b.len() > 3 && b[2] == b'<';
        if with_p || with_name {
            let name_start = if with_p { 4 } else { 3 };
            let Some(end) = t.find('>') else {
                return Err(err(ErrorCode::InvalidNamedCapture, t, start));
            };
            let name = &t[name_start..end];
            if name.is_empty() || !name.bytes().all(|c| c == b'_' || c.is_ascii_alphanumeric()) {
                return Err(err(ErrorCode::InvalidNamedCapture, &t[..=end], start));
            }
            let index = self.groups.len() + 1;
            self.groups.push(Group {
                index,
                name: Some(name.to_string()),
                offset: start,
            });
            self.open_frame(Frame::new_capture(start, index, Some(name.to_string())));
            self.pos = start + end + 1;
            return Ok(());
        }
        // Flags `imsU`, optionally negated after one `-`, then `)` or `:`.
        let mut i = 2;
        let mut negated = false;
        let mut saw = false;
        while let Some(c) = t[i..].chars().next() {
            i += c.len_utf8();
            match c {
                'i' | 'm' | 's' | 'U' => saw = true,
                '-' if !negated => {
                    negated = true;
                    saw = false;
                }
                ':' | ')' if !negated || saw => {
                    if c == ':' {
                        self.open_frame(Frame::new(start, None));
                    }
                    self.pos = start + i;
                    return Ok(());
                }
                _ => break,
            }
        }
        Err(err(ErrorCode::InvalidPerlOp, &t[..i], start))
    }

    /// A `\` outside a class.
    pub(super) fn escape(&mut self) -> Result<(), Re2Error> {
        let start = self.pos;
        let next = self.byte_at(start + 1);
        let assertion = match next {
            Some(b'A') => Some(Assertion::Begin),
            Some(b'z') => Some(Assertion::End),
            Some(b'b') => Some(Assertion::WordBoundary),
            Some(b'B') => Some(Assertion::NotWordBoundary),
            _ => None,
        };
        if let Some(a) = assertion {
            let e = self.make(Kind::Assertion(a))?;
            self.push(e);
            self.pos += 2;
            return Ok(());
        }
        match next {
            Some(b'C') => {
                // Go does not support matching single bytes.
                return Err(err(
                    ErrorCode::InvalidEscape,
                    &self.src[start..start + 2],
                    start,
                ));
            }
            Some(b'Q') => {
                // Everything up to `\E` (or the end) is literal text.
                let body = &self.src[start + 2..];
                let (lit, used) = match body.find(r"\E") {
                    Some(e) => (&body[..e], e + 2),
                    None => (body, body.len()),
                };
                for c in lit.chars() {
                    self.push_char(c)?;
                }
                self.pos = start + 2 + used;
                return Ok(());
            }
            Some(b'p' | b'P') => {
                let (item, end) = self.unicode_class(start)?;
                let e = self.make(Kind::Class(Class {
                    negated: false,
                    items: vec![item],
                }))?;
                self.push(e);
                self.pos = end;
                return Ok(());
            }
            _ => {}
        }
        if let Some(p) = perl_class(next) {
            let e = self.make(Kind::Class(Class {
                negated: false,
                items: vec![ClassItem::Perl(p)],
            }))?;
            self.push(e);
            self.pos += 2;
            return Ok(());
        }
        let (c, end) = self.single_escape(start)?;
        self.push_char(c)?;
        self.pos = end;
        Ok(())
    }

    /// An escape standing for one character, at `at` (the `\`): the character and the end.
    fn single_escape(&self, at: usize) -> Result<(char, usize), Re2Error> {
        let mut t = at + 1;
        let Some(c) = self.char_at(t) else {
            return Err(err(ErrorCode::TrailingBackslash, "", at));
        };
        t += c.len_utf8();
        let bad = |t: usize| err(ErrorCode::InvalidEscape, &self.src[at..t], at);
        let is_octal = |b: Option<u8>| matches!(b, Some(b'0'..=b'7'));
        match c {
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c, t)),
            // `\1`…`\7` alone would be a backreference, which Go does not support.
            '1'..='7' if !is_octal(self.byte_at(t)) => Err(bad(t)),
            '0'..='7' => {
                let mut r = c as u32 - '0' as u32;
                for _ in 1..3 {
                    match self.byte_at(t) {
                        Some(d @ b'0'..=b'7') => {
                            r = r * 8 + u32::from(d - b'0');
                            t += 1;
                        }
                        _ => break,
                    }
                }
                Ok((char::from_u32(r).unwrap_or('\u{fffd}'), t))
            }
            'x' => {
                let Some(c) = self.char_at(t) else {
                    return Err(bad(t));
                };
                t += c.len_utf8();
                if c == '{' {
                    let mut r: u32 = 0;
                    let mut n = 0;
                    loop {
                        let Some(c) = self.char_at(t) else {
                            return Err(bad(t));
                        };
                        t += c.len_utf8();
                        if c == '}' {
                            break;
                        }
                        let Some(v) = unhex(c) else {
                            return Err(bad(t));
                        };
                        r = r * 16 + v;
                        if r > 0x10FFFF {
                            return Err(bad(t));
                        }
                        n += 1;
                    }
                    if n == 0 {
                        return Err(bad(t));
                    }
                    return Ok((char::from_u32(r).unwrap_or('\u{fffd}'), t));
                }
                let x = unhex(c);
                let d = self.char_at(t);
                if let Some(d) = d {
                    t += d.len_utf8();
                }
                match (x, d.and_then(unhex)) {
                    (Some(x), Some(y)) => Ok((char::from_u32(x * 16 + y).unwrap_or('\u{fffd}'), t)),
                    _ => Err(bad(t)),
                }
            }
            'a' => Ok(('\u{7}', t)),
            'f' => Ok(('\u{c}', t)),
            'n' => Ok(('\n', t)),
            'r' => Ok(('\r', t)),
            't' => Ok(('\t', t)),
            'v' => Ok(('\u{b}', t)),
            _ => Err(bad(t)),
        }
    }

    /// `\pX`, `\p{Name}`, `\PX`, `\P{^Name}` at `at`: the class item and its end.
    fn unicode_class(&self, at: usize) -> Result<(ClassItem, usize), Re2Error> {
        let mut negated = self.byte_at(at + 1) == Some(b'P');
        let t = at + 2;
        let (seq_end, name) = match self.char_at(t) {
            Some('{') => {
                let Some(close) = self.src[at..].find('}') else {
                    return Err(err(ErrorCode::InvalidCharRange, &self.src[at..], at));
                };
                (at + close + 1, &self.src[t + 1..at + close])
            }
            Some(c) => (t + c.len_utf8(), &self.src[t..t + c.len_utf8()]),
            None => (t, ""),
        };
        let name = match name.strip_prefix('^') {
            Some(rest) => {
                negated = !negated;
                rest
            }
            None => name,
        };
        if !names::unicode_class(name) {
            return Err(err(ErrorCode::InvalidCharRange, &self.src[at..seq_end], at));
        }
        Ok((
            ClassItem::Unicode {
                name: name.to_string(),
                negated,
            },
            seq_end,
        ))
    }

    /// A bracketed class at the current position.
    pub(super) fn class(&mut self) -> Result<Class, Re2Error> {
        let start = self.pos;
        let src = self.src;
        let missing = || err(ErrorCode::MissingBracket, &src[start..], start);
        let mut t = start + 1;
        let negated = self.byte_at(t) == Some(b'^');
        if negated {
            t += 1;
        }
        let mut items = Vec::new();
        // `]` (and `-`) right after the opening are literals.
        let mut first = true;
        loop {
            let Some(c) = self.char_at(t) else {
                return Err(missing());
            };
            if c == ']' && !first {
                break;
            }
            first = false;
            let rest = &src[t..];
            if rest.len() > 2
                && rest.starts_with("[:")
                && let Some(i) = self.find_posix_close(t + 2).map(|c| c - t - 2)
            {
                let whole = &rest[..i + 4];
                let inner = &rest[2..i + 2];
                let (negated, name) = match inner.strip_prefix('^') {
                    Some(n) => (true, n),
                    None => (false, inner),
                };
                if !names::posix_class(name) {
                    return Err(err(ErrorCode::InvalidCharRange, whole, t));
                }
                items.push(ClassItem::Posix {
                    name: name.to_string(),
                    negated,
                });
                t += whole.len();
                continue;
            }
            if c == '\\' && matches!(self.byte_at(t + 1), Some(b'p' | b'P')) {
                let (item, end) = self.unicode_class(t)?;
                items.push(item);
                t = end;
                continue;
            }
            if c == '\\'
                && let Some(p) = perl_class(self.byte_at(t + 1))
            {
                items.push(ClassItem::Perl(p));
                t += 2;
                continue;
            }
            let range_start = t;
            let (lo, next) = self.class_char(t).map_err(|e| e.unwrap_or_else(missing))?;
            t = next;
            let mut hi = lo;
            if self.byte_at(t) == Some(b'-') && self.byte_at(t + 1).is_some_and(|b| b != b']') {
                let (h, next) = self
                    .class_char(t + 1)
                    .map_err(|e| e.unwrap_or_else(missing))?;
                t = next;
                if h < lo {
                    return Err(err(
                        ErrorCode::InvalidCharRange,
                        &self.src[range_start..t],
                        range_start,
                    ));
                }
                hi = h;
            }
            items.push(ClassItem::Range(lo, hi));
        }
        self.pos = t + 1;
        Ok(Class { negated, items })
    }

    /// One character of a class at `at`; `Err(None)` at the end of the pattern.
    fn class_char(&self, at: usize) -> Result<(char, usize), Option<Re2Error>> {
        match self.char_at(at) {
            None => Err(None),
            Some('\\') => self.single_escape(at).map_err(Some),
            Some(c) => Ok((c, at + c.len_utf8())),
        }
    }
}
