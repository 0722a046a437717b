//! Where go-yaml (as kustomize uses it) reads YAML differently from saphyr, reproduced.

/// The value a folded scalar has after go-yaml v3 writes it in folded style and reads it back.
///
/// v3's folded writer means to add a blank line before each line break that its reader would
/// fold, but it tests the first line of the whole value where it should test the line after the
/// break. So when the value does not start with a blank, a line break (after a line that does
/// not start with a blank) gets an extra blank line even where the reader keeps the break: before
/// a more-indented line, and before kept trailing breaks. Reading that back adds a `\n` there.
pub fn refold_like_kyaml(value: &str) -> String {
    let b = value.as_bytes();
    let first = b.iter().position(|&c| c != b'\n').map(|i| b[i]);
    if matches!(first, None | Some(b' ' | b'\t')) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 8);
    let mut breaks = true;
    let mut leading_blank = true;
    for (i, ch) in value.char_indices() {
        if ch == '\n' {
            if !breaks && !leading_blank {
                let run = b[i..].iter().take_while(|&&c| c == b'\n').count();
                let at_end = i + run == b.len();
                let next_blank = matches!(b.get(i + run), Some(b' ' | b'\t'));
                if next_blank || (at_end && run >= 2) {
                    out.push('\n');
                }
            }
            breaks = true;
        } else {
            if breaks {
                leading_blank = ch == ' ' || ch == '\t';
            }
            breaks = false;
        }
        out.push(ch);
    }
    out
}

/// Indents every continuation line of the quoted scalar opening at `line`:`col` past the
/// opening quote. `None` when there is no quoted scalar there.
pub(super) fn indent_quoted(text: &str, line: usize, col: usize) -> Option<String> {
    let start_line = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum::<usize>();
    let rest = &text[start_line..];
    let quote_at = start_line + rest.char_indices().nth(col).map(|(i, _)| i)?;
    let quote = text[quote_at..].chars().next()?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let pad = " ".repeat(col + 1);
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(&text[..=quote_at]);
    let mut chars = text[quote_at + 1..].char_indices().peekable();
    let mut end = text.len();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                out.push(c);
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                    if n == '\n' {
                        out.push_str(&pad);
                    }
                }
            }
            '\'' if quote == '\'' => {
                out.push(c);
                if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    end = quote_at + 1 + i + 1;
                    break;
                }
            }
            '"' if quote == '"' => {
                out.push(c);
                end = quote_at + 1 + i + 1;
                break;
            }
            '\n' => {
                out.push(c);
                out.push_str(&pad);
            }
            _ => out.push(c),
        }
    }
    out.push_str(&text[end.min(text.len())..]);
    Some(out)
}
