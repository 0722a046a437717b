//! Places inside a scalar: the column of the n-th byte of a string value, read back from the
//! source line, so a finding about part of a value (the `\Z` in a regular expression) points
//! at that part rather than at the start of the value.

use crate::yaml::Span;

/// The place of byte `offset` of `value`, whose node starts at `span`. When the value is not a
/// plain, single- or double-quoted scalar on that one line (a block scalar, a folded or
/// substituted value), the value's own place.
pub fn offset_span(span: &Span, value: &str, offset: usize) -> Span {
    if span.line == 0 || span.col == 0 {
        return span.clone();
    }
    let Ok(text) = std::fs::read_to_string(&*span.file) else {
        return span.clone();
    };
    let Some(line) = text.lines().nth(span.line as usize - 1) else {
        return span.clone();
    };
    match column_in_line(line, span.col as usize, value, offset) {
        Some(col) => Span::new(span.file.clone(), span.line, col as u32),
        None => span.clone(),
    }
}

/// The 1-based character column of byte `offset` of `value`, which starts at character column
/// `col` of `line`; `None` when the line does not hold `value` there in one of the inline styles.
pub fn column_in_line(line: &str, col: usize, value: &str, offset: usize) -> Option<usize> {
    let raw: Vec<char> = line.chars().skip(col - 1).collect();
    // For each decoded byte position, the raw character index it came from.
    let mut decoded = String::new();
    let mut starts: Vec<usize> = Vec::new();
    let emit = |s: &mut String, starts: &mut Vec<usize>, c: char, at: usize| {
        for _ in 0..c.len_utf8() {
            starts.push(at);
        }
        s.push(c);
    };
    match raw.first() {
        Some('\'') => {
            let mut i = 1;
            loop {
                match (raw.get(i), raw.get(i + 1)) {
                    (Some('\''), Some('\'')) => {
                        emit(&mut decoded, &mut starts, '\'', i);
                        i += 2;
                    }
                    (Some('\''), _) => break,
                    (Some(c), _) => {
                        emit(&mut decoded, &mut starts, *c, i);
                        i += 1;
                    }
                    (None, _) => return None,
                }
            }
        }
        Some('"') => {
            let mut i = 1;
            loop {
                match raw.get(i) {
                    Some('"') => break,
                    Some('\\') => {
                        let c = match raw.get(i + 1)? {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            '/' => '/',
                            '\\' => '\\',
                            '"' => '"',
                            ' ' => ' ',
                            // Numeric escapes are rare in patterns; give up rather than guess.
                            _ => return None,
                        };
                        emit(&mut decoded, &mut starts, c, i);
                        i += 2;
                    }
                    Some(c) => {
                        emit(&mut decoded, &mut starts, *c, i);
                        i += 1;
                    }
                    None => return None,
                }
            }
        }
        _ => {
            for (i, c) in raw.iter().enumerate() {
                emit(&mut decoded, &mut starts, *c, i);
            }
            // A plain scalar ends before a comment and trailing blanks.
            if let Some(cut) = plain_end(&decoded) {
                decoded.truncate(cut);
                starts.truncate(cut);
            }
        }
    }
    if decoded != value {
        return None;
    }
    let at = if offset >= starts.len() {
        starts.last().map_or(0, |s| s + 1)
    } else {
        starts[offset]
    };
    Some(col + at)
}

/// Where a plain scalar written on one line ends: before ` #` and trailing blanks.
fn plain_end(s: &str) -> Option<usize> {
    let end = s.find(" #").or_else(|| s.find("\t#")).unwrap_or(s.len());
    Some(s[..end].trim_end().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_each_inline_style() {
        // pattern: ^v\Z   (the `\` is byte 2)
        assert_eq!(
            column_in_line(r"    pattern: ^v\Z", 14, r"^v\Z", 2),
            Some(16)
        );
        assert_eq!(
            column_in_line(r"    pattern: ^v\Z # why", 14, r"^v\Z", 2),
            Some(16)
        );
        assert_eq!(
            column_in_line(r"    pattern: '^v\Z'", 14, r"^v\Z", 2),
            Some(17)
        );
        assert_eq!(column_in_line(r"  p: 'it''s\Z'", 6, r"it's\Z", 4), Some(12));
        assert_eq!(column_in_line(r#"  p: "^v\\Z""#, 6, r"^v\Z", 2), Some(9));
        assert_eq!(column_in_line(r#"  p: "^v\\Z""#, 6, r"^v\Z", 3), Some(11));
        assert_eq!(column_in_line("  p: é\\Z", 6, "é\\Z", 2), Some(7));
        // Not the same value on this line (a block scalar): no column.
        assert_eq!(column_in_line("  p: |", 6, r"^v\Z", 2), None);
    }
}
