//! Whether a string may be printed plain: go-yaml v2 (YAML 1.1) must read the plain text back as
//! the same string. Anything it would read as null, a boolean, a number or a timestamp (and
//! base-60 numbers, which it no longer reads but still quotes) is written double-quoted.

/// Whether go-yaml v2 would print `s` quoted because, plain, it reads as something else.
pub(super) fn needs_quotes(s: &str) -> bool {
    resolves_to_non_string(s) || is_base60_float(s)
}

/// go-yaml v2's `resolve("", s)` returns a tag other than `!!str`.
fn resolves_to_non_string(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return true; // empty plain scalar is null
    };
    // go-yaml only looks further at scalars whose first byte can start a non-string.
    let hint = match first {
        b'+' | b'-' | b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => return false,
    };
    if is_special_word(s) {
        return true;
    }
    match hint {
        b'M' => false,
        b'.' => go_parse_float(s).is_some(),
        _ => {
            if is_go_timestamp(s) {
                return true;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            go_parse_int(&plain)
                || (crate::yaml::resolve::is_yaml_float(&plain) && go_parse_float(&plain).is_some())
        }
    }
}

/// The words go-yaml v2 resolves by table (YAML 1.1 booleans, nulls, special floats).
fn is_special_word(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds.
fn go_parse_int(s: &str) -> bool {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => (Some(true), &s[1..]),
        Some(b'+') => (Some(false), &s[1..]),
        _ => (None, s),
    };
    if body.is_empty() {
        return false;
    }
    let b = body.as_bytes();
    let (radix, digits) = if b[0] == b'0' {
        match b.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if b.len() >= 3 => (2, &body[2..]),
            Some(b'o') if b.len() >= 3 => (8, &body[2..]),
            Some(b'x') if b.len() >= 3 => (16, &body[2..]),
            // A lone "0" leaves no digits, which Go reads as 0.
            _ => (8, &body[1..]),
        }
    } else {
        (10, body)
    };
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    let magnitude = if digits.is_empty() {
        0
    } else {
        match u64::from_str_radix(digits, radix) {
            Ok(m) => m,
            Err(_) => return false,
        }
    };
    match sign {
        Some(true) => magnitude <= 1u64 << 63,
        Some(false) => magnitude < 1u64 << 63,
        None => true,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text (the only kind reaching it here): digits
/// with optional `_` separators between digits, an optional point and exponent. Overflow to
/// infinity is an error in Go.
fn go_parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut mantissa_digits = 0;
    let mut seen_point = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => mantissa_digits += 1,
            b'_' => {}
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
        if !b[start..i].iter().any(u8::is_ascii_digit) {
            return None;
        }
    }
    if i != b.len() || (s.contains('_') && !underscores_ok(s)) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    clean.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's rule for `_` in numbers: only between two digits.
fn underscores_ok(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    // What came last: '^' start, '0' digit, '_' underscore, '!' anything else.
    let mut saw = '^';
    for c in body.chars() {
        if c.is_ascii_digit() {
            saw = '0';
        } else if c == '_' {
            if saw != '0' {
                return false;
            }
            saw = '_';
        } else {
            if saw == '_' {
                return false;
            }
            saw = '!';
        }
    }
    saw != '_'
}

/// go-yaml v2's base-60 pattern `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let d = |k: usize| b.get(k).copied().filter(u8::is_ascii_digit);
        match (d(i), d(i + 1)) {
            (Some(x), Some(_)) if x <= b'5' => i += 2,
            (Some(_), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Go's `time.Parse` accepts `s` with one of go-yaml v2's timestamp layouts:
/// `2006-1-2T15:4:5.999999999Z07:00`, the same with `t`, `2006-1-2 15:4:5.999999999`, `2006-1-2`.
fn is_go_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let mut p = Cursor { b, i: 5 };
    let Some(month) = p.num() else { return false };
    if !p.eat(b'-') {
        return false;
    }
    let Some(day) = p.num() else { return false };
    let year: u32 = s[..4].parse().unwrap_or(0);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if p.done() {
        return true;
    }
    let zoned = match p.next() {
        Some(b'T' | b't') => true,
        Some(b' ') => {
            // A layout space matches any run of spaces.
            while p.peek() == Some(b' ') {
                p.i += 1;
            }
            false
        }
        _ => return false,
    };
    let Some(hour) = p.num() else { return false };
    if !p.eat(b':') {
        return false;
    }
    let Some(min) = p.num() else { return false };
    if !p.eat(b':') {
        return false;
    }
    let Some(sec) = p.num() else { return false };
    if hour > 23 || min > 59 || sec > 59 {
        return false;
    }
    if matches!(p.peek(), Some(b'.' | b',')) && b.get(p.i + 1).is_some_and(u8::is_ascii_digit) {
        p.i += 1;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
    }
    if zoned {
        match p.next() {
            Some(b'Z') => {}
            Some(b'+' | b'-') => {
                let rest = &b[p.i..];
                if rest.len() < 5 || rest[2] != b':' {
                    return false;
                }
                let two = |x: &[u8]| {
                    (x[0].is_ascii_digit() && x[1].is_ascii_digit())
                        .then(|| u32::from(x[0] - b'0') * 10 + u32::from(x[1] - b'0'))
                };
                match (two(&rest[0..2]), two(&rest[3..5])) {
                    (Some(h), Some(m)) if h <= 24 && m <= 60 => p.i += 5,
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    p.done()
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn eat(&mut self, c: u8) -> bool {
        let ok = self.peek() == Some(c);
        self.i += usize::from(ok);
        ok
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    /// Go's `getnum(s, false)`: one digit, or two when two follow.
    fn num(&mut self) -> Option<u32> {
        let d0 = self.peek().filter(u8::is_ascii_digit)?;
        self.i += 1;
        let mut v = u32::from(d0 - b'0');
        if let Some(d1) = self.peek().filter(u8::is_ascii_digit) {
            self.i += 1;
            v = v * 10 + u32::from(d1 - b'0');
        }
        Some(v)
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_words_need_quotes() {
        for s in [
            "", "y", "Y", "yes", "on", "Off", "n", "NO", "true", "False", "~", "null", "NULL",
            ".inf", "-.Inf", ".nan",
        ] {
            assert!(needs_quotes(s), "{s:?}");
        }
        for s in ["yess", "nay", "o", "tRue", "<<", "hello", "Null0", "-", "."] {
            assert!(!needs_quotes(s), "{s:?}");
        }
    }

    #[test]
    fn numbers_need_quotes() {
        for s in [
            "0",
            "1",
            "-1",
            "+1",
            "0755",
            "08",
            "1_000",
            "0x1F",
            "0o17",
            "0b101",
            "-0b1",
            "1.5",
            ".5",
            "1e3",
            "1.",
            "-.5e-3",
            "18446744073709551615",
            "99999999999999999999",
            ".5_5",
            "1_0.5",
            "1__",
        ] {
            assert!(needs_quotes(s), "{s:?}");
        }
        for s in [
            "1e400",
            "0x1FFFFFFFFFFFFFFFFF",
            "1.2.3",
            "0x",
            "1e",
            "-",
            "+",
            "1a",
            "._5",
            ".e5",
            "0b2",
            "--1",
        ] {
            assert!(!needs_quotes(s), "{s:?}");
        }
    }

    #[test]
    fn base60_needs_quotes() {
        for s in ["1:20", "-1:20", "190:20:30", "1:2", "1:59.5", "1_0:30"] {
            assert!(needs_quotes(s), "{s:?}");
        }
        for s in ["1:60", "1:", ":20", "1:2:", "a:1", "1:123"] {
            assert!(!needs_quotes(s), "{s:?}");
        }
    }

    #[test]
    fn timestamps_need_quotes() {
        for s in [
            "2001-12-14",
            "2001-1-2",
            "2001-12-14T21:59:43Z",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10",
            "2001-12-14   1:2:3",
            "2000-02-29",
            "2001-12-14T21:59:43,5+24:00",
        ] {
            assert!(needs_quotes(s), "{s:?}");
        }
        for s in [
            "2001-02-29",
            "2001-13-01",
            "2001-12-14T21:59:43",
            "2001-12-14 21:59:43Z",
            "20011-12-14",
            "2001-12-14x",
            "2001-12-14T24:00:00Z",
            "2001-12-14T21:59:43+5:00",
        ] {
            assert!(!needs_quotes(s), "{s:?}");
        }
    }
}
