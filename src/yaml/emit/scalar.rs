//! Scalars: which styles can hold a text (libyaml's scalar analysis) and how each style writes it,
//! folding long lines at spaces past column 80.

use super::{BEST_INDENT, BEST_WIDTH, Writer};

/// A scalar style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What libyaml's analysis found out about a text (block context only: this emitter never writes
/// scalars inside flow collections).
#[derive(Debug)]
pub(super) struct Analysis {
    /// Contains a line break.
    pub(super) multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// libyaml's printable set: what may appear unescaped in the output. Tabs, other C0/C1 controls,
/// DEL, the byte-order mark, U+FFFE/U+FFFF and everything beyond the BMP (emoji) are not.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Blank, break or NUL.
fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}

/// libyaml's `yaml_emitter_analyze_scalar`.
pub(super) fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| is_blank(n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// libyaml's `yaml_emitter_select_scalar_style` for untagged scalars in block context.
pub(super) fn select_style(requested: Style, a: &Analysis, text: &str, simple_key: bool) -> Style {
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (text.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

/// Plain: folds at the first space of a run once past column 80 (when breaks are allowed).
pub(super) fn write_plain(w: &mut Writer, text: &str, allow_breaks: bool) {
    if !w.whitespace {
        w.put(' ');
    }
    write_flowing(w, text, allow_breaks, false);
    w.whitespace = false;
    w.indention = false;
}

/// Single-quoted: like plain, with `'` doubled and no fold at the first or last character.
pub(super) fn write_single(w: &mut Writer, text: &str, allow_breaks: bool) {
    w.write_indicator("'", true, false, false);
    write_flowing(w, text, allow_breaks, true);
    w.write_indicator("'", false, false, false);
    w.whitespace = false;
    w.indention = false;
}

/// The shared body of the plain and single-quoted writers.
fn write_flowing(w: &mut Writer, text: &str, allow_breaks: bool, quoted: bool) {
    let chars: Vec<char> = text.chars().collect();
    let (mut spaces, mut breaks) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next_is_space = chars.get(i + 1) == Some(&' ');
            let inner = !quoted || (i > 0 && i + 1 < chars.len());
            if allow_breaks && !spaces && w.column > BEST_WIDTH && inner && !next_is_space {
                w.write_indent();
            } else {
                w.put(c);
            }
            spaces = true;
        } else if is_break(c) {
            // A lone newline folds to a space when read back, so it is written twice.
            if !breaks && c == '\n' {
                w.put_break();
            }
            w.write_break(c);
            w.indention = true;
            breaks = true;
        } else {
            if breaks {
                w.write_indent();
            }
            if quoted && c == '\'' {
                w.put('\'');
            }
            w.put(c);
            w.indention = false;
            spaces = false;
            breaks = false;
        }
    }
}

/// Double-quoted: escapes what is not printable, line breaks, `"` and `\`; folds at a space past
/// column 80, escaping a following space so the fold does not eat it.
pub(super) fn write_double(w: &mut Writer, text: &str, allow_breaks: bool) {
    w.write_indicator("\"", true, false, false);
    // libyaml tests for a byte-order mark at the start of the text, not at each character, so a
    // text starting with one has every character escaped.
    let bom = text.starts_with('\u{FEFF}');
    let chars: Vec<char> = text.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
            write_escape(w, c);
            spaces = false;
        } else if c == ' ' {
            if allow_breaks && !spaces && w.column > BEST_WIDTH && i > 0 && i + 1 < chars.len() {
                w.write_indent();
                if chars.get(i + 1) == Some(&' ') {
                    w.put('\\');
                }
            } else {
                w.put(c);
            }
            spaces = true;
        } else {
            w.put(c);
            spaces = false;
        }
    }
    w.write_indicator("\"", false, false, false);
    w.whitespace = false;
    w.indention = false;
}

fn write_escape(w: &mut Writer, c: char) {
    w.put('\\');
    let short = match c {
        '\0' => Some('0'),
        '\u{7}' => Some('a'),
        '\u{8}' => Some('b'),
        '\t' => Some('t'),
        '\n' => Some('n'),
        '\u{b}' => Some('v'),
        '\u{c}' => Some('f'),
        '\r' => Some('r'),
        '\u{1b}' => Some('e'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '\u{85}' => Some('N'),
        '\u{a0}' => Some('_'),
        '\u{2028}' => Some('L'),
        '\u{2029}' => Some('P'),
        _ => None,
    };
    if let Some(s) = short {
        w.put(s);
        return;
    }
    let v = c as u32;
    let (letter, digits) = if v <= 0xFF {
        ('x', 2)
    } else if v <= 0xFFFF {
        ('u', 4)
    } else {
        ('U', 8)
    };
    w.put(letter);
    for k in (0..digits).rev() {
        let d = (v >> (4 * k)) & 0xF;
        w.put(char::from_digit(d, 16).unwrap_or('0').to_ascii_uppercase());
    }
}

/// Literal block (`|`): an indentation hint when the text starts with a space or break, and a
/// chomping hint (`-` no final newline, `+` more than one).
pub(super) fn write_literal(w: &mut Writer, text: &str) {
    w.write_indicator("|", true, false, false);
    let chars: Vec<char> = text.chars().collect();
    if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
        let hint = char::from_digit(BEST_INDENT as u32, 10).unwrap_or('2');
        w.write_indicator(&hint.to_string(), false, false, false);
    }
    let n = chars.len();
    let chomp = match (n.checked_sub(2).map(|i| chars[i]), chars.last()) {
        (_, None) => Some("-"),
        (_, Some(&last)) if !is_break(last) => Some("-"),
        (None, Some(_)) => Some("+"),
        (Some(prev), Some(_)) if is_break(prev) => Some("+"),
        _ => None,
    };
    if let Some(chomp) = chomp {
        w.write_indicator(chomp, false, false, false);
    }
    w.put_break();
    w.indention = true;
    w.whitespace = true;
    let mut breaks = true;
    for &c in &chars {
        if is_break(c) {
            w.write_break(c);
            w.indention = true;
            breaks = true;
        } else {
            if breaks {
                w.write_indent();
            }
            w.put(c);
            w.indention = false;
            breaks = false;
        }
    }
}
