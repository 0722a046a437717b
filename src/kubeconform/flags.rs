//! kubeconform v0.7.0's command line, parsed with Go `flag` package semantics.
//!
//! Scripts written for kubeconform pass single-dash flags, `-flag value` and `-flag=value`, and
//! rely on flag parsing stopping at the first path. Go's rules differ from clap's (a non-bool flag
//! takes the next argument even when it starts with a dash; `--` ends flags; `-` is a path), so
//! this is a small hand-written parser with Go's error texts.

use std::collections::BTreeSet;

/// Everything kubeconform's command line says, for the integration code to turn into registry
/// options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `-cache DIR`: where downloaded schemas are cached (file name = sha256 of the URL).
    pub cache: String,
    /// `-debug`.
    pub debug: bool,
    /// `-exit-on-error`: stop after the first invalid resource or error.
    pub exit_on_error: bool,
    /// The paths after the flags (empty or `["-"]` → stdin).
    pub files: Vec<String>,
    /// `-h`.
    pub help: bool,
    /// `-ignore-filename-pattern RE`, in order.
    pub ignore_filename_patterns: Vec<String>,
    /// `-ignore-missing-schemas`.
    pub ignore_missing_schemas: bool,
    /// `-kubernetes-version`: `master` (default) or `x.y.z`.
    pub kubernetes_version: String,
    /// `-n`: number of concurrent workers (default 4).
    pub workers: i64,
    /// `-output`: json, junit, pretty, tap or text (checked when the output is created).
    pub output: String,
    /// `-reject`: kinds or `apiVersion/Kind`s that are errors.
    pub reject_kinds: BTreeSet<String>,
    /// `-schema-location`, in the order given (empty → kubeconform's default location).
    pub schema_locations: Vec<String>,
    /// `-skip`: kinds or `apiVersion/Kind`s that are skipped.
    pub skip_kinds: BTreeSet<String>,
    /// `-insecure-skip-tls-verify`.
    pub skip_tls: bool,
    /// `-strict`: duplicate keys are errors and the `-strict` schemas are chosen.
    pub strict: bool,
    /// `-summary`.
    pub summary: bool,
    /// `-verbose`.
    pub verbose: bool,
    /// `-v`.
    pub version: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            cache: String::new(),
            debug: false,
            exit_on_error: false,
            files: Vec::new(),
            help: false,
            ignore_filename_patterns: Vec::new(),
            ignore_missing_schemas: false,
            kubernetes_version: "master".to_string(),
            workers: 4,
            output: "text".to_string(),
            reject_kinds: BTreeSet::new(),
            schema_locations: Vec::new(),
            skip_kinds: BTreeSet::new(),
            skip_tls: false,
            strict: false,
            summary: false,
            verbose: false,
            version: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Str,
    Int,
    /// Go's `TextVar` and custom `Var`s: shown as `value` in the usage text.
    Value,
}

struct Flag {
    name: &'static str,
    kind: Kind,
    usage: &'static str,
    /// The default as the usage text shows it, `None` when it is the type's zero value.
    default: Option<&'static str>,
}

/// Sorted by name, as Go's `PrintDefaults` lists them.
const FLAGS: &[Flag] = &[
    Flag {
        name: "cache",
        kind: Kind::Str,
        usage: "cache schemas downloaded via HTTP to this folder",
        default: None,
    },
    Flag {
        name: "debug",
        kind: Kind::Bool,
        usage: "print debug information",
        default: None,
    },
    Flag {
        name: "exit-on-error",
        kind: Kind::Bool,
        usage: "immediately stop execution when the first error is encountered",
        default: None,
    },
    Flag {
        name: "h",
        kind: Kind::Bool,
        usage: "show help information",
        default: None,
    },
    Flag {
        name: "ignore-filename-pattern",
        kind: Kind::Value,
        usage: "regular expression specifying paths to ignore (can be specified multiple times)",
        default: None,
    },
    Flag {
        name: "ignore-missing-schemas",
        kind: Kind::Bool,
        usage: "skip files with missing schemas instead of failing",
        default: None,
    },
    Flag {
        name: "insecure-skip-tls-verify",
        kind: Kind::Bool,
        usage: "disable verification of the server's SSL certificate. This will make your HTTPS connections insecure",
        default: None,
    },
    Flag {
        name: "kubernetes-version",
        kind: Kind::Value,
        usage: "version of Kubernetes to validate against, e.g.: 1.18.0",
        default: Some("master"),
    },
    Flag {
        name: "n",
        kind: Kind::Int,
        usage: "number of goroutines to run concurrently",
        default: Some("4"),
    },
    Flag {
        name: "output",
        kind: Kind::Str,
        usage: "output format - json, junit, pretty, tap, text",
        default: Some("text"),
    },
    Flag {
        name: "reject",
        kind: Kind::Str,
        usage: "comma-separated list of kinds or GVKs to reject",
        default: None,
    },
    Flag {
        name: "schema-location",
        kind: Kind::Value,
        usage: "override schemas location search path (can be specified multiple times)",
        default: None,
    },
    Flag {
        name: "skip",
        kind: Kind::Str,
        usage: "comma-separated list of kinds or GVKs to ignore",
        default: None,
    },
    Flag {
        name: "strict",
        kind: Kind::Bool,
        usage: "disallow additional properties not in schema or duplicated keys",
        default: None,
    },
    Flag {
        name: "summary",
        kind: Kind::Bool,
        usage: "print a summary at the end (ignored for junit output)",
        default: None,
    },
    Flag {
        name: "v",
        kind: Kind::Bool,
        usage: "show version information",
        default: None,
    },
    Flag {
        name: "verbose",
        kind: Kind::Bool,
        usage: "print results for all resources (ignored for tap and junit output)",
        default: None,
    },
];

/// The usage text `-h` prints (Go's `PrintDefaults` layout), ending with a newline.
pub fn usage(prog: &str) -> String {
    let mut out = format!("Usage: {prog} [OPTION]... [FILE OR FOLDER]...\n");
    for f in FLAGS {
        let mut line = format!("  -{}", f.name);
        let type_name = match f.kind {
            Kind::Bool => "",
            Kind::Str => "string",
            Kind::Int => "int",
            Kind::Value => "value",
        };
        if !type_name.is_empty() {
            line.push(' ');
            line.push_str(type_name);
        }
        // Go puts a one-letter flag's usage on the same line: "  -x" is 4 bytes.
        if line.len() <= 4 {
            line.push('\t');
        } else {
            line.push_str("\n    \t");
        }
        line.push_str(f.usage);
        if let Some(d) = f.default {
            if f.kind == Kind::Str {
                line.push_str(&format!(" (default \"{d}\")"));
            } else {
                line.push_str(&format!(" (default {d})"));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// What parsing produced: the configuration, the text Go's flag package would have written to
/// its output buffer (errors and usage), and whether parsing failed.
#[derive(Debug)]
pub struct Parsed {
    /// The configuration (partial when parsing failed, as in Go).
    pub config: Config,
    /// Text for the user: error line(s) and usage, or usage for `-h`; empty otherwise.
    pub out: String,
    /// The parse error, if any.
    pub error: Option<String>,
}

/// Parses `args` (without the program name) as kubeconform v0.7.0 does.
pub fn parse(prog: &str, args: &[String]) -> Parsed {
    let mut c = Config::default();
    let mut out = String::new();
    let mut skip_csv = String::new();
    let mut reject_csv = String::new();
    let mut error = None;
    let mut i = 0;
    while i < args.len() {
        let s = &args[i];
        if s.len() < 2 || !s.starts_with('-') {
            break;
        }
        let mut minuses = 1;
        if s.as_bytes()[1] == b'-' {
            minuses = 2;
            if s.len() == 2 {
                i += 1;
                break;
            }
        }
        let name_value = &s[minuses..];
        if name_value.starts_with('-') || name_value.starts_with('=') {
            let msg = format!("bad flag syntax: {s}");
            fail(&mut out, &msg, prog);
            error = Some(msg);
            break;
        }
        i += 1;
        let (name, value) = match name_value.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (name_value, None),
        };
        let Some(flag) = FLAGS.iter().find(|f| f.name == name) else {
            if name == "help" {
                out.push_str(&usage(prog));
                error = Some("flag: help requested".to_string());
                break;
            }
            let msg = format!("flag provided but not defined: -{name}");
            fail(&mut out, &msg, prog);
            error = Some(msg);
            break;
        };
        let value = if flag.kind == Kind::Bool {
            match value {
                None => "true".to_string(),
                Some(v) => {
                    if parse_bool(&v).is_none() {
                        let msg = format!(
                            "invalid boolean value {} for -{name}: parse error",
                            go_quote(&v)
                        );
                        fail(&mut out, &msg, prog);
                        error = Some(msg);
                        break;
                    }
                    v
                }
            }
        } else {
            match value {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => {
                    let msg = format!("flag needs an argument: -{name}");
                    fail(&mut out, &msg, prog);
                    error = Some(msg);
                    break;
                }
            }
        };
        if let Err(e) = set(&mut c, &mut skip_csv, &mut reject_csv, name, &value) {
            let msg = format!("invalid value {} for flag -{name}: {e}", go_quote(&value));
            fail(&mut out, &msg, prog);
            error = Some(msg);
            break;
        }
    }
    c.skip_kinds = split_csv(&skip_csv);
    c.reject_kinds = split_csv(&reject_csv);
    c.files = if error.is_none() {
        args[i.min(args.len())..].to_vec()
    } else {
        Vec::new()
    };
    if c.help {
        out.push_str(&usage(prog));
    }
    Parsed {
        config: c,
        out,
        error,
    }
}

fn fail(out: &mut String, msg: &str, prog: &str) {
    out.push_str(msg);
    out.push('\n');
    out.push_str(&usage(prog));
}

fn set(
    c: &mut Config,
    skip: &mut String,
    reject: &mut String,
    name: &str,
    value: &str,
) -> Result<(), String> {
    let b = || parse_bool(value).unwrap_or(false);
    match name {
        "cache" => c.cache = value.to_string(),
        "debug" => c.debug = b(),
        "exit-on-error" => c.exit_on_error = b(),
        "h" => c.help = b(),
        "ignore-filename-pattern" => c.ignore_filename_patterns.push(value.to_string()),
        "ignore-missing-schemas" => c.ignore_missing_schemas = b(),
        "insecure-skip-tls-verify" => c.skip_tls = b(),
        "kubernetes-version" => {
            if !is_k8s_version(value) {
                return Err(format!(
                    "{value} is not a valid version. Valid values are \"master\" (default) or full version x.y.z (e.g. \"1.27.2\")"
                ));
            }
            c.kubernetes_version = value.to_string();
        }
        "n" => c.workers = parse_go_int(value)?,
        "output" => c.output = value.to_string(),
        "reject" => *reject = value.to_string(),
        "schema-location" => c.schema_locations.push(value.to_string()),
        "skip" => *skip = value.to_string(),
        "strict" => c.strict = b(),
        "summary" => c.summary = b(),
        "v" => c.version = b(),
        "verbose" => c.verbose = b(),
        _ => return Err("unknown flag".to_string()),
    }
    Ok(())
}

/// `^(master|\d+\.\d+\.\d+)$` with Go's ASCII `\d`.
fn is_k8s_version(v: &str) -> bool {
    if v == "master" {
        return true;
    }
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` with the flag package's short error texts.
fn parse_go_int(s: &str) -> Result<i64, String> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.to_ascii_lowercase();
    // A base prefix (or legacy octal's leading 0) counts as a digit for underscore placement.
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d, true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d, true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    let digits = if digits.contains('_') {
        let ok = !digits.ends_with('_')
            && !digits.contains("__")
            && (prefixed || !digits.starts_with('_'));
        if !ok {
            return Err("parse error".to_string());
        }
        digits.replace('_', "")
    } else {
        digits.to_string()
    };
    if digits.is_empty() || !digits.chars().all(|ch| ch.is_digit(radix)) {
        return Err("parse error".to_string());
    }
    let mag = u128::from_str_radix(&digits, radix).map_err(|_| "value out of range".to_string())?;
    let limit = if neg { 1u128 << 63 } else { (1u128 << 63) - 1 };
    if mag > limit {
        return Err("value out of range".to_string());
    }
    let v = mag as i128;
    Ok(if neg { -v } else { v } as i64)
}

/// kubeconform's `splitCSV`: trimmed, non-empty entries.
fn split_csv(s: &str) -> BTreeSet<String> {
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// Go's `%q` for the strings flag errors quote.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
