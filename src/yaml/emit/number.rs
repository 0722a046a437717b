//! Numbers as they come out of kustomize's double conversion.
//!
//! kustomize writes a resource as JSON (Go `encoding/json`), then sigs.k8s.io/yaml reads that JSON
//! back with go-yaml v2 and prints it. A float therefore changes type on the way: `1.0` is written
//! to JSON as `1`, which go-yaml v2 reads as an integer, so it prints `1`; `1234567.5` stays a float
//! and is printed with Go's shortest `%g` (`1.2345675e+06`).

/// The shortest decimal digits of a finite, non-zero `f` (no leading or trailing zeros) and the
/// position of the decimal point: `f = 0.DIGITS × 10^dp`.
fn shortest_digits(f: f64) -> (Vec<u8>, i32) {
    // Rust's `{:e}` prints the shortest digits that read back as the same float, the same digits
    // Go's strconv picks for precision -1.
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    (digits, exp + 1)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for a finite, non-zero `f`.
fn format_g(f: f64) -> String {
    let (digits, dp) = shortest_digits(f);
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    let exp = dp - 1;
    // With the shortest precision Go switches to exponent form from exponent 6 upward (not at the
    // digit count, as a fixed precision would).
    if !(-4..6).contains(&exp) {
        out.push(digits[0] as char);
        if digits.len() > 1 {
            out.push('.');
            out.extend(digits[1..].iter().map(|&d| d as char));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else {
        out.push_str(&fixed(&digits, dp));
    }
    out
}

/// The digits written out in positional form without an exponent (Go's `%f` with just enough
/// precision): `0.00012`, `1234.5`, `100`.
fn fixed(digits: &[u8], dp: i32) -> String {
    let mut out = String::new();
    let nd = digits.len() as i32;
    if dp <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-dp) as usize));
        out.extend(digits.iter().map(|&d| d as char));
    } else {
        for i in 0..dp {
            out.push(if i < nd {
                digits[i as usize] as char
            } else {
                '0'
            });
        }
        if nd > dp {
            out.push('.');
            out.extend(digits[dp as usize..].iter().map(|&d| d as char));
        }
    }
    out
}

/// How kustomize prints a float: `None` for NaN and infinities, which Go's JSON encoder refuses.
pub(super) fn float_text(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        // JSON `0` or `-0`; both read back as the integer 0.
        return Some("0".to_string());
    }
    let abs = f.abs();
    if !(1e-6..1e21).contains(&abs) {
        // JSON uses exponent form here, which go-yaml v2 reads as a float.
        return Some(format_g(f));
    }
    let (digits, dp) = shortest_digits(f);
    if digits.len() as i32 > dp {
        // A fraction: JSON `12.5` reads back as a float.
        return Some(format_g(f));
    }
    // An integral value is written to JSON without a point; go-yaml v2 reads it as an int64 or
    // uint64 when it fits, as a float otherwise.
    let text = fixed(&digits, dp);
    let fits = match text.parse::<u64>() {
        Ok(m) if f < 0.0 => m <= 1u64 << 63,
        Ok(_) => true,
        Err(_) => false,
    };
    Some(if !fits {
        format_g(f)
    } else if f < 0.0 {
        format!("-{text}")
    } else {
        text
    })
}

/// How kustomize prints an integer. Values beyond Go's `int64`/`uint64` cannot come from a
/// decoder; should one be built, it goes the way JSON would take it: read back as a float.
pub(super) fn int_text(i: i128) -> String {
    if i >= i64::MIN as i128 && i <= u64::MAX as i128 {
        i.to_string()
    } else {
        format_g(i as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ft(f: f64) -> String {
        float_text(f).expect("finite")
    }

    #[test]
    fn integral_floats_print_as_integers() {
        assert_eq!(ft(1.0), "1");
        assert_eq!(ft(-0.0), "0");
        assert_eq!(ft(0.0), "0");
        assert_eq!(ft(-42.0), "-42");
        assert_eq!(ft(1234567.0), "1234567");
        // JSON writes the shortest digits padded with zeros, not the exact value.
        assert_eq!(ft(1.2345678901234567e18), "1234567890123456800");
        assert_eq!(ft(9223372036854775808.0), "9223372036854776000");
        // Below int64 after rounding to shortest digits: read back as a float.
        assert_eq!(ft(-9223372036854775808.0), "-9.223372036854776e+18");
        // Past uint64 JSON's integer reads back as a float.
        assert_eq!(ft(2e19), "2e+19");
        assert_eq!(ft(-1e19), "-1e+19");
    }

    #[test]
    fn floats_use_go_shortest_g() {
        assert_eq!(ft(1.5), "1.5");
        assert_eq!(ft(123456.5), "123456.5");
        assert_eq!(ft(1234567.5), "1.2345675e+06");
        assert_eq!(ft(0.0001), "0.0001");
        assert_eq!(ft(0.00001), "1e-05");
        assert_eq!(ft(0.000001), "1e-06");
        assert_eq!(ft(0.0000001), "1e-07");
        assert_eq!(ft(-2.5e-10), "-2.5e-10");
        assert_eq!(ft(1e20), "1e+20");
        assert_eq!(ft(1e21), "1e+21");
        assert_eq!(ft(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(ft(0.1), "0.1");
    }

    #[test]
    fn non_finite_floats_are_refused() {
        assert_eq!(float_text(f64::NAN), None);
        assert_eq!(float_text(f64::INFINITY), None);
        assert_eq!(float_text(f64::NEG_INFINITY), None);
    }

    #[test]
    fn integers_keep_their_digits() {
        assert_eq!(int_text(0), "0");
        assert_eq!(int_text(-5), "-5");
        assert_eq!(int_text(u64::MAX as i128), "18446744073709551615");
        assert_eq!(int_text(i64::MIN as i128), "-9223372036854775808");
        assert_eq!(int_text(u64::MAX as i128 * 10), "1.844674407370955e+20");
    }
}
