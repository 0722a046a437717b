//! The words santhosh-tekuri/jsonschema v6 (kubeconform v0.7.0's validator) gives each kind of
//! schema violation, printed with an English `golang.org/x/text/message` printer (so integers
//! are grouped by thousands: `maxLength: got 1,024, want 63`).

use jsonschema::error::{TypeKind, ValidationErrorKind as K};
use serde_json::Value as Json;

use super::single_quote as quote;

/// The message for one error kind, `instance` being the value it is about; `pattern` gives back
/// a compiled pattern as the schema wrote it.
pub(super) fn message(kind: &K, instance: &Json, pattern: &dyn Fn(&str) -> String) -> String {
    match kind {
        K::Type { kind } => format!("got {}, want {}", got_type(instance), want_types(kind)),
        K::Required { property } => missing(&[property.as_str().unwrap_or_default().to_string()]),
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            additional(unexpected)
        }
        K::Enum { options } => enum_message(options),
        K::Constant { expected_value } => match expected_value.as_ref() {
            Json::Array(_) | Json::Object(_) => "const failed".to_string(),
            v => format!("value must be {}", display(v)),
        },
        K::Pattern { pattern: p } => format!(
            "{} does not match pattern {}",
            quote(instance.as_str().unwrap_or_default()),
            quote(&pattern(p))
        ),
        K::Format { format } => format!(
            "{} is not valid {format}: {}",
            display(instance),
            format_reason(format, instance)
        ),
        K::MinLength { limit } => counted("minLength", str_len(instance), *limit),
        K::MaxLength { limit } => counted("maxLength", str_len(instance), *limit),
        K::MinItems { limit } => counted("minItems", arr_len(instance), *limit),
        K::MaxItems { limit } => counted("maxItems", arr_len(instance), *limit),
        K::MinProperties { limit } => counted("minProperties", obj_len(instance), *limit),
        K::MaxProperties { limit } => counted("maxProperties", obj_len(instance), *limit),
        K::Minimum { limit } => bound("minimum", instance, limit),
        K::Maximum { limit } => bound("maximum", instance, limit),
        K::ExclusiveMinimum { limit } => bound("exclusiveMinimum", instance, limit),
        K::ExclusiveMaximum { limit } => bound("exclusiveMaximum", instance, limit),
        K::MultipleOf { multiple_of } => format!(
            "multipleOf: got {}, want {}",
            number(instance.as_f64().unwrap_or_default()),
            number(*multiple_of)
        ),
        K::UniqueItems => unique_items(instance),
        K::AdditionalItems { limit } => format!(
            "last {} additionalItem(s) not allowed",
            group(arr_len(instance).saturating_sub(*limit as u64))
        ),
        K::Contains => "no items match contains schema".to_string(),
        K::Not { .. } => "not failed".to_string(),
        K::FalseSchema => "false schema".to_string(),
        K::AnyOf { .. } => "anyOf failed".to_string(),
        K::OneOfNotValid { .. } => "oneOf failed, none matched".to_string(),
        K::OneOfMultipleValid { context } => {
            let valid: Vec<usize> = (0..context.len())
                .filter(|&i| context[i].is_empty())
                .collect();
            match valid.as_slice() {
                [a, b, ..] => format!("oneOf failed, subschemas {a}, {b} matched"),
                _ => "oneOf failed, none matched".to_string(),
            }
        }
        K::PropertyNames { error } => format!(
            "invalid propertyName {}",
            quote(error.instance().as_str().unwrap_or_default())
        ),
        other => format!("{} failed", other.keyword()),
    }
}

/// `missing property 'a'` / `missing properties 'a', 'b'`.
pub(super) fn missing(names: &[String]) -> String {
    match names {
        [one] => format!("missing property {}", quote(one)),
        many => format!("missing properties {}", joined(many)),
    }
}

/// `additional properties 'a', 'b' not allowed`.
pub(super) fn additional(names: &[String]) -> String {
    format!("additional properties {} not allowed", joined(names))
}

fn joined(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The type v6 says a value has: every number is a `number`, whole or not.
fn got_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// The wanted types in v6's fixed order, joined with `or`.
fn want_types(kind: &TypeKind) -> String {
    const ORDER: [&str; 7] = [
        "null", "boolean", "number", "integer", "string", "array", "object",
    ];
    let names: Vec<String> = match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    };
    ORDER
        .iter()
        .filter(|o| names.iter().any(|n| n == *o))
        .copied()
        .collect::<Vec<_>>()
        .join(" or ")
}

fn enum_message(options: &Json) -> String {
    let Some(list) = options.as_array() else {
        return "enum failed".to_string();
    };
    if list.iter().any(|v| v.is_array() || v.is_object()) {
        return "enum failed".to_string();
    }
    match list.as_slice() {
        [one] => format!("value must be {}", display(one)),
        many => format!(
            "value must be one of {}",
            many.iter().map(display).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A primitive as v6's `display` shows it: strings quoted, the rest as Go's `%v` (`<nil>`).
pub(super) fn display(v: &Json) -> String {
    match v {
        Json::String(s) => quote(s),
        Json::Array(_) | Json::Object(_) => "value".to_string(),
        Json::Null => "<nil>".to_string(),
        Json::Bool(b) => b.to_string(),
        // Schemas are read with json.Number: numbers print as written.
        Json::Number(n) => n.to_string(),
    }
}

fn str_len(v: &Json) -> u64 {
    v.as_str().map_or(0, |s| s.chars().count() as u64)
}

fn arr_len(v: &Json) -> u64 {
    v.as_array().map_or(0, |a| a.len() as u64)
}

fn obj_len(v: &Json) -> u64 {
    v.as_object().map_or(0, |o| o.len() as u64)
}

fn counted(keyword: &str, got: u64, want: u64) -> String {
    format!("{keyword}: got {}, want {}", group(got), group(want))
}

fn bound(keyword: &str, instance: &Json, limit: &Json) -> String {
    format!(
        "{keyword}: got {}, want {}",
        number(instance.as_f64().unwrap_or_default()),
        number(limit.as_f64().unwrap_or_default())
    )
}

fn unique_items(instance: &Json) -> String {
    let items = instance.as_array().map(Vec::as_slice).unwrap_or_default();
    for j in 1..items.len() {
        for i in 0..j {
            if items[i] == items[j] {
                return format!(
                    "items at {} and {} are equal",
                    group(i as u64),
                    group(j as u64)
                );
            }
        }
    }
    "uniqueItems failed".to_string()
}

/// An integer as the English printer writes `%d`: thousands separated by commas.
pub(super) fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A float as the English printer writes `%v`: shortest digits, grouped integer part; Go's
/// scientific form from an exponent of 6 or below -4.
pub(super) fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let exp = if f == 0.0 {
        0
    } else {
        f.abs().log10().floor() as i32
    };
    if !(-4..6).contains(&exp) {
        let s = format!("{f:e}");
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", e.abs());
    }
    let s = format!("{}", f.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let int: u64 = int.parse().unwrap_or(0);
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    out.push_str(&group(int));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Why a string fails a format, in the words of the format's checker.
fn format_reason(format: &str, instance: &Json) -> String {
    let s = instance.as_str().unwrap_or_default();
    match format {
        "duration" => iso_duration_reason(s),
        "date-time" if s.chars().count() < 20 => "less than 20 characters long".to_string(),
        "date-time" if !matches!(s.as_bytes().get(10), Some(b't' | b'T')) => {
            "11th character must be t or T".to_string()
        }
        "date-time" => "invalid date or time element".to_string(),
        _ => format!("not a valid {format}"),
    }
}

/// kubeconform's `duration` checker: once Go's duration parser failed, why the text is not an
/// ISO 8601 duration either.
fn iso_duration_reason(s: &str) -> String {
    let Some(rest) = s.strip_prefix('P') else {
        return "must start with P".to_string();
    };
    if rest.is_empty() {
        return "nothing after P".to_string();
    }
    if let Some(weeks) = rest.strip_suffix('W') {
        if weeks.is_empty() {
            return "no number in week".to_string();
        }
        if !weeks.bytes().all(|b| b.is_ascii_digit()) {
            return "invalid week".to_string();
        }
        return "invalid duration".to_string();
    }
    const UNITS: [&str; 2] = ["YMD", "HMS"];
    for (i, part) in rest.split('T').enumerate() {
        if i != 0 && part.is_empty() {
            return "no time elements".to_string();
        }
        let Some(all) = UNITS.get(i) else {
            return "more than one T".to_string();
        };
        let mut units: &str = all;
        let mut p = part;
        while !p.is_empty() {
            let digits = p.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return "missing number".to_string();
            }
            p = &p[digits..];
            let Some(unit) = p.chars().next() else {
                return "missing unit".to_string();
            };
            match units.find(unit) {
                Some(j) => units = &units[j + 1..],
                None if all.contains(unit) => {
                    return format!("unit {} out of order", go_char(unit));
                }
                None => return format!("invalid unit {}", go_char(unit)),
            }
            p = &p[unit.len_utf8()..];
        }
    }
    "invalid duration".to_string()
}

/// Go's `%q` of a byte: `'X'`.
fn go_char(c: char) -> String {
    format!("'{c}'")
}
