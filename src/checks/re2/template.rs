//! Go's `Regexp.Expand` template syntax, which ImagePolicy `filterTags.extract` uses.
//!
//! `$$` is a literal `$`; `$name` takes the longest run of letters, digits and `_` (so `$1x` is
//! the group named `1x`, not group 1 then `x`); `${name}` delimits it. A name of decimal digits
//! without a leading zero (at most nine digits) is a group number. A `$` followed by nothing usable, or
//! `${` without `}`, is copied as text. A reference to a group the pattern lacks expands to "".

/// One `$` construct of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateRef {
    /// `$3`, `${3}`: a group by number.
    Index {
        /// The number.
        index: usize,
        /// Byte offset of the `$`.
        offset: usize,
    },
    /// `$name`, `${name}`: a group by name.
    Name {
        /// The name.
        name: String,
        /// Byte offset of the `$`.
        offset: usize,
    },
    /// A `$` Go copies literally because no name follows (`$`, `$-`, `${x`, `${}`); `$$` is
    /// not reported.
    Malformed {
        /// Byte offset of the `$`.
        offset: usize,
    },
}

/// The references in `template`, in order.
pub fn template_refs(template: &str) -> Vec<TemplateRef> {
    let mut out = Vec::new();
    let b = template.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        match reference(&template[i..]) {
            Some((name, len)) => {
                out.push(match number(name) {
                    Some(index) => TemplateRef::Index { index, offset: i },
                    None => TemplateRef::Name {
                        name: name.to_string(),
                        offset: i,
                    },
                });
                i += len;
            }
            None => {
                out.push(TemplateRef::Malformed { offset: i });
                i += 1;
            }
        }
    }
    out
}

/// The name after a leading `$` and the length of the whole reference.
fn reference(s: &str) -> Option<(&str, usize)> {
    let rest = s.get(1..)?;
    let (brace, body) = match rest.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, rest),
    };
    // Go's unicode.IsLetter / IsDigit are Unicode-wide, as Rust's alphabetic/numeric are close
    // to; only ASCII names can match a group anyway.
    let len: usize = body
        .chars()
        .take_while(|c| c.is_alphabetic() || c.is_numeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    if brace {
        if body.as_bytes().get(len) != Some(&b'}') {
            return None;
        }
        Some((name, 1 + 1 + len + 1))
    } else {
        Some((name, 1 + len))
    }
}

/// A group number: decimal digits without a leading zero; Go gives up (and reads a name) once
/// the value reaches 10^8 with digits still to come, so at most nine digits.
fn number(name: &str) -> Option<usize> {
    if name.len() > 9
        || !name.bytes().all(|b| b.is_ascii_digit())
        || (name.len() > 1 && name.starts_with('0'))
    {
        return None;
    }
    name.parse::<usize>().ok()
}
