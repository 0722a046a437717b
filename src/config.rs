//! The config file, `.fluxval.yaml` at the repository root (or `--config FILE`).
//!
//! Every long option of `fluxval validate` can be set there under its own name. The set of keys,
//! their types and their accepted values all come from the clap definitions in [`crate::cli`], so
//! a new flag is settable (and in the published JSON schema) without touching this module. The
//! file is applied by adding its settings to the command line, right after `validate`, for every
//! option the command line does not give itself: flags given on the command line win, and clap
//! parses and checks every value the same way whichever place it came from.

use std::any::TypeId;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, Args, CommandFactory};
use serde_json::{Value as Json, json};

use crate::cli::{Cli, ValidateArgs};
use crate::error::Error;
use crate::yaml::{Limits, Node, Profile, Span, Value};

/// The config file's name at the repository root.
pub const FILE_NAME: &str = ".fluxval.yaml";

/// Options that make no sense in the file: the ones choosing the file, and clap's own.
const NOT_IN_FILE: &[&str] = &["config", "no-config", "help", "version"];

/// The shape of an option's value in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A flag: `true` or `false`.
    Bool,
    /// A counted flag (`-vvv`): a non-negative integer.
    Count,
    /// One value.
    Single,
    /// A repeatable option: one value or a list.
    List,
}

/// `fluxval validate`'s command, as clap defines it.
fn validate_command() -> clap::Command {
    ValidateArgs::augment_args(clap::Command::new("validate"))
}

/// The options the file can set, with their key (the long flag name) and kind.
fn settable(cmd: &clap::Command) -> Vec<(&str, Kind, &Arg)> {
    cmd.get_arguments()
        .filter(|a| !a.is_positional())
        .filter_map(|a| {
            let long = a.get_long()?;
            let kind = match a.get_action() {
                ArgAction::SetTrue | ArgAction::SetFalse => Kind::Bool,
                ArgAction::Count => Kind::Count,
                ArgAction::Set => Kind::Single,
                ArgAction::Append => Kind::List,
                _ => return None,
            };
            (!NOT_IN_FILE.contains(&long)).then_some((long, kind, a))
        })
        .collect()
}

/// Whether the option's values are integers.
fn is_integer(arg: &Arg) -> bool {
    let t = arg.get_value_parser().type_id();
    [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
    ]
    .iter()
    .any(|id| t == *id)
}

/// Whether the option's values name files: relative ones are relative to the config file.
fn is_path(arg: &Arg) -> bool {
    arg.get_value_parser().type_id() == TypeId::of::<PathBuf>()
        || matches!(
            arg.get_value_hint(),
            clap::ValueHint::AnyPath | clap::ValueHint::FilePath | clap::ValueHint::DirPath
        )
}

/// The command line `argv` with the config file's settings added where it is silent.
///
/// Only `fluxval validate` reads a config file; anything else (and a command line clap rejects,
/// which clap then reports itself) is returned unchanged. The error is ready to print.
pub fn with_config(argv: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let Ok(matches) = Cli::command().try_get_matches_from(&argv) else {
        return Ok(argv);
    };
    let Some(("validate", sub)) = matches.subcommand() else {
        return Ok(argv);
    };
    if sub.get_flag("no_config") {
        return Ok(argv);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let file = match sub.get_one::<PathBuf>("config") {
        Some(f) => f.clone(),
        None => {
            let first = sub
                .get_many::<PathBuf>("paths")
                .and_then(|mut p| p.next().cloned())
                .unwrap_or_else(|| PathBuf::from("."));
            // A path that does not exist is reported by the run itself.
            let Ok(root) = crate::repo::find_root(&first) else {
                return Ok(argv);
            };
            let f = root.join(FILE_NAME);
            if !f.is_file() {
                return Ok(argv);
            }
            f
        }
    };
    let shown = crate::pipeline::relative_to(&file, &cwd)
        .display()
        .to_string();
    let text = std::fs::read_to_string(&file).map_err(|e| format!("error: {shown}: {e}"))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let given = |id: &str| sub.value_source(id) == Some(ValueSource::CommandLine);
    let extra = settings(&text, &shown, dir, &given).map_err(|e| e.to_string())?;
    let mut argv = argv;
    // `validate` is the first word after the program name: `fluxval` has no options of its
    // own that take a value.
    let at = argv
        .iter()
        .skip(1)
        .position(|a| a == "validate")
        .map_or(argv.len(), |i| i + 2);
    argv.splice(at..at, extra);
    Ok(argv)
}

/// The command-line words the config file `text` stands for, leaving out options `given` on the
/// command line. Every value is checked, also the ones the command line overrides.
fn settings(
    text: &str,
    shown: &str,
    dir: &Path,
    given: &dyn Fn(&str) -> bool,
) -> Result<Vec<OsString>, Error> {
    let docs = crate::yaml::parse_str(text, shown, Profile::Kubernetes, Limits::default())?;
    let file_span = || Span::file(shown.into());
    if let Some(second) = docs.get(1) {
        return Err(Error::new(
            second.span.clone().unwrap_or_else(file_span),
            "the config file must be a single YAML document",
        ));
    }
    let Some(root) = docs.first().filter(|d| !d.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(map) = root.as_map() else {
        return Err(Error::new(
            root.span.clone().unwrap_or_else(file_span),
            format!(
                "the config file must be a mapping of option names to values, not a {}",
                root.type_name()
            ),
        ));
    };
    let cmd = validate_command();
    let options = settable(&cmd);
    let mut out = Vec::new();
    for entry in map.entries() {
        let key_span = entry.key_span.clone().unwrap_or_else(file_span);
        let Some(&(long, kind, arg)) = options.iter().find(|(l, _, _)| *l == entry.key) else {
            return Err(Error::new(
                key_span,
                format!(
                    "unknown option {:?}{}",
                    entry.key,
                    crate::validate::did_you_mean(&entry.key, options.iter().map(|o| o.0))
                ),
            ));
        };
        let value = &entry.value;
        let at = || value.span.clone().unwrap_or_else(|| key_span.clone());
        let words: Vec<String> = match (kind, &value.value) {
            (Kind::Bool, Value::Bool(b)) => {
                let on = *b == matches!(arg.get_action(), ArgAction::SetTrue);
                on.then(|| format!("--{long}")).into_iter().collect()
            }
            (Kind::Bool, _) => {
                return Err(Error::new(
                    at(),
                    format!("{long:?} must be true or false, not {}", describe(value)),
                ));
            }
            (Kind::Count, Value::Int(n)) if (0..=255).contains(n) => {
                vec![format!("--{long}"); *n as usize]
            }
            (Kind::Count, _) => {
                return Err(Error::new(
                    at(),
                    format!("{long:?} must be a small non-negative integer"),
                ));
            }
            (Kind::List, Value::Seq(items)) => {
                let mut words = Vec::new();
                for item in items {
                    words.push(option_word(&cmd, long, arg, item, dir, &key_span)?);
                }
                words
            }
            (Kind::Single | Kind::List, _) => {
                vec![option_word(&cmd, long, arg, value, dir, &key_span)?]
            }
        };
        if !given(arg.get_id().as_str()) {
            out.extend(words.into_iter().map(OsString::from));
        }
    }
    Ok(out)
}

/// `--long=value` for one value of an option, checked by the option's clap value parser.
fn option_word(
    cmd: &clap::Command,
    long: &str,
    arg: &Arg,
    node: &Node,
    dir: &Path,
    key_span: &Span,
) -> Result<String, Error> {
    let at = node.span.clone().unwrap_or_else(|| key_span.clone());
    let text = match &node.value {
        Value::Str(s) => s.to_string(),
        Value::Int(i) if is_integer(arg) => i.to_string(),
        _ => {
            let want = if is_integer(arg) {
                "an integer"
            } else {
                "a string (quote it)"
            };
            return Err(Error::new(
                at,
                format!("{long:?} must be {want}, not {}", describe(node)),
            ));
        }
    };
    let text = if is_path(arg) && !crate::schema::is_url(&text) && Path::new(&text).is_relative() {
        dir.join(&text).display().to_string()
    } else {
        text
    };
    let word = format!("--{long}={text}");
    // clap's own parser is the one truth about which values an option accepts.
    if let Err(e) = cmd
        .clone()
        .no_binary_name(true)
        .try_get_matches_from([word.as_str()])
    {
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| p.get_name().to_string())
            .collect();
        let why = if !possible.is_empty() {
            format!("must be one of {}", possible.join(", "))
        } else if let Some(source) = std::error::Error::source(&e) {
            source.to_string()
        } else {
            e.kind().to_string()
        };
        return Err(Error::new(
            at,
            format!("invalid value {text:?} for {long:?}: {why}"),
        ));
    }
    Ok(word)
}

/// `a string`, `the boolean true`, … for type errors.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("the string {s:?}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Int(i) => format!("the number {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Null => "null".to_string(),
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
    }
}

/// The JSON schema (draft-07) of the config file, made from the same clap definitions, so that
/// editors complete and check it. `docs/fluxval.schema.json` is this, committed.
pub fn json_schema() -> Json {
    let cmd = validate_command();
    let mut properties = serde_json::Map::new();
    for (long, kind, arg) in settable(&cmd) {
        let scalar = {
            let possible: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|p| !p.is_hide_set())
                .map(|p| p.get_name().to_string())
                .collect();
            if !possible.is_empty() {
                json!({"type": "string", "enum": possible})
            } else if is_integer(arg) {
                json!({"type": "integer"})
            } else {
                json!({"type": "string"})
            }
        };
        let mut schema = match kind {
            Kind::Bool => json!({"type": "boolean"}),
            Kind::Count => json!({"type": "integer", "minimum": 0, "maximum": 255}),
            Kind::Single => scalar,
            Kind::List => json!({"anyOf": [scalar.clone(), {"type": "array", "items": scalar}]}),
        };
        if let Some(obj) = schema.as_object_mut() {
            if let Some(help) = arg.get_long_help().or(arg.get_help()) {
                obj.insert("description".into(), Json::String(help.to_string()));
            }
            if let [default] = arg.get_default_values()
                && matches!(kind, Kind::Single)
            {
                obj.insert(
                    "default".into(),
                    Json::String(default.to_string_lossy().into_owned()),
                );
            }
        }
        properties.insert(long.to_string(), schema);
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "fluxval configuration (.fluxval.yaml)",
        "description": "Settings for `fluxval validate`: every long option under its own name. Flags given on the command line win.",
        "type": ["object", "null"],
        "additionalProperties": false,
        "properties": properties,
    })
}

#[cfg(test)]
mod tests;
