//! Scalar resolution: what type a plain YAML scalar has.
//!
//! Two tools read a manifest on its way to a cluster and they disagree. kustomize decodes with
//! go-yaml v3 (YAML 1.2-ish core schema, but 1.1 octals such as `0755` still become numbers and
//! plain timestamps become RFC 3339 strings once they pass through JSON). The API server and
//! kubeconform decode with sigs.k8s.io/yaml on go-yaml v2 (YAML 1.1: `yes`/`on`/`y` are booleans,
//! timestamps stay strings). [`Profile`] picks one.

use super::node::Value;

/// Which decoder's rules to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// go-yaml v3 into `interface{}`, then JSON: what `kustomize build` does.
    Kustomize,
    /// go-yaml v2 (YAML 1.1) as sigs.k8s.io/yaml: what the API server and kubeconform do.
    Kubernetes,
}

/// Resolves a plain (unquoted, untagged) scalar under `profile`.
pub fn resolve_plain(text: &str, profile: Profile) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if profile == Profile::Kubernetes {
        match text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Value::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Value::Bool(false),
            _ => {}
        }
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Value::Str(text.into());
    }
    if profile == Profile::Kustomize
        && let Some(ts) = timestamp_rfc3339(text)
    {
        return Value::Str(ts.into());
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(i) = parse_go_int(&plain) {
        return Value::Int(i);
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.into())
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`: sign, then `0x`, `0o`, `0b` or
/// a leading `0` (octal) prefix, else decimal.
fn parse_go_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()? as i128;
    let v = if neg { -magnitude } else { magnitude };
    // ParseInt covers the int64 range; ParseUint (non-negative only) the rest of uint64.
    if v < i64::MIN as i128 {
        return None;
    }
    Some(v)
}

/// go-yaml's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub(crate) fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A plain YAML timestamp (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`, `2001-12-14 21:59:43.10`)
/// as Go's `time.Time` marshals it to JSON (RFC 3339 with nanoseconds, zeros trimmed).
fn timestamp_rfc3339(s: &str) -> Option<String> {
    // go-yaml only tries timestamps that start with four digits and a dash.
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { s: b, i: 0 };
    let year = p.digits(4, 4)?;
    p.eat(b'-')?;
    let month = p.digits(1, 2)?;
    p.eat(b'-')?;
    let day = p.digits(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if p.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    // Separator: 'T', 't' (zone required) or one space (zone not allowed by go-yaml's layouts).
    let sep = p.next()?;
    let needs_zone = match sep {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    let hour = p.digits(1, 2)?;
    p.eat(b':')?;
    let min = p.digits(1, 2)?;
    p.eat(b':')?;
    let sec = p.digits(1, 2)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut frac = String::new();
    if p.peek() == Some(b'.') {
        p.i += 1;
        let start = p.i;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
        if p.i == start || p.i - start > 9 {
            return None;
        }
        frac = String::from_utf8_lossy(&b[start..p.i])
            .trim_end_matches('0')
            .to_string();
    }
    let zone = if needs_zone {
        match p.next()? {
            b'Z' => "Z".to_string(),
            c @ (b'+' | b'-') => {
                let zh = p.digits(2, 2)?;
                p.eat(b':')?;
                let zm = p.digits(2, 2)?;
                if zh == 0 && zm == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{zh:02}:{zm:02}", c as char)
                }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    if !p.done() {
        return None;
    }
    let frac = if frac.is_empty() {
        frac
    } else {
        format!(".{frac}")
    };
    Some(format!("{date}T{hour:02}:{min:02}:{sec:02}{frac}{zone}"))
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
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

    fn k(s: &str) -> Value {
        resolve_plain(s, Profile::Kustomize)
    }
    fn kube(s: &str) -> Value {
        resolve_plain(s, Profile::Kubernetes)
    }

    #[test]
    fn kustomize_profile_matches_go_yaml_v3() {
        assert_eq!(k("0755"), Value::Int(493));
        assert_eq!(k("1_000"), Value::Int(1000));
        assert_eq!(k("yes"), Value::Str("yes".into()));
        assert_eq!(k("on"), Value::Str("on".into()));
        assert_eq!(k("True"), Value::Bool(true));
        assert_eq!(k("0x1F"), Value::Int(31));
        assert_eq!(k("0o17"), Value::Int(15));
        assert_eq!(k("0b101"), Value::Int(5));
        assert_eq!(k("08"), Value::Float(8.0));
        assert_eq!(k("1e3"), Value::Float(1000.0));
        assert_eq!(k(".5"), Value::Float(0.5));
        assert_eq!(k("12345678901234567890"), Value::Int(12345678901234567890));
        assert_eq!(k("1:20"), Value::Str("1:20".into()));
        assert_eq!(k("~"), Value::Null);
        assert_eq!(k("2001-12-14"), Value::Str("2001-12-14T00:00:00Z".into()));
        assert_eq!(
            k("2001-12-14T21:59:43.10-05:00"),
            Value::Str("2001-12-14T21:59:43.1-05:00".into())
        );
        assert_eq!(k("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(k("-"), Value::Str("-".into()));
    }

    #[test]
    fn kubernetes_profile_is_yaml_1_1() {
        assert_eq!(kube("yes"), Value::Bool(true));
        assert_eq!(kube("off"), Value::Bool(false));
        assert_eq!(kube("y"), Value::Bool(true));
        assert_eq!(kube("0755"), Value::Int(493));
        assert_eq!(kube("2001-12-14"), Value::Str("2001-12-14".into()));
    }
}
