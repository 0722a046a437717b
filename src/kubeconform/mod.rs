//! `fluxval kubeconform`: a drop-in for kubeconform v0.7.0, so scripts switch by renaming the
//! binary.
//!
//! Everything around validation is kubeconform's: its Go-style flags, how it finds files and
//! splits streams, how it reads a resource's kind and name, `List` expansion, `-skip`/`-reject`,
//! `-ignore-missing-schemas`, `-strict` duplicate keys, its five output formats and exit codes.
//! Schema lookup and validation itself sits behind [`DocValidator`], which the caller supplies.

pub mod adapter;
mod docs;
mod flags;
mod input;
mod output;
#[cfg(test)]
mod tests;
mod wording;

use std::io::{self, Read, Write};

use rayon::prelude::*;

use crate::yaml::Node;
pub use adapter::SchemaValidator;
pub use flags::{Config, Parsed, parse as parse_flags, usage};
pub use input::{Chunk, split_documents};

use docs::{KResult, Pending, Rules, Sig, Status};
use input::Found;
use output::{Format, Output};

/// The program name kubeconform's usage text shows.
pub const PROG: &str = "kubeconform";

/// The version `-v` prints: the kubeconform release whose behaviour this reproduces.
pub const VERSION: &str = "v0.7.0";

/// A resource ready for schema validation, with the signature kubeconform read from it.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file it came from as kubeconform prints it (`stdin` for standard input).
    pub path: String,
    /// The decoded resource (a mapping), spans pointing into `path`.
    pub node: Node,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name` (`<generateName>{{ generateName }}` when generated).
    pub name: String,
    /// `metadata.namespace`, or empty.
    pub namespace: String,
}

/// One schema violation, as kubeconform reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// Where in the resource: an RFC 6901 JSON pointer (`/metadata/annotations/a~1b`), `""` for
    /// the root.
    pub path: String,
    /// The message, in santhosh-tekuri/jsonschema's words ("got string, want integer").
    pub msg: String,
    /// Nested causes (e.g. each branch of a failed `oneOf`); shown indented in the message.
    pub causes: Vec<ValidationError>,
}

impl ValidationError {
    /// An error without nested causes.
    pub fn new(path: impl Into<String>, msg: impl Into<String>) -> ValidationError {
        ValidationError {
            path: path.into(),
            msg: msg.into(),
            causes: Vec::new(),
        }
    }

    /// The `path` kubeconform's JSON output shows: pointer tokens unescaped, joined with `/`.
    pub fn kubeconform_path(&self) -> String {
        self.path
            .split('/')
            .skip(1)
            .map(|t| format!("/{}", t.replace("~1", "/").replace("~0", "~")))
            .collect()
    }
}

/// What a [`DocValidator`] says about one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The schema accepts it.
    Valid,
    /// The schema rejects it.
    Invalid {
        /// The schema's URL as kubeconform names it (an `https://` URL, or `file:///abs/path`
        /// for a schema read from disk); it appears in the message.
        schema: String,
        /// The top-level errors, in order.
        errors: Vec<ValidationError>,
    },
    /// No schema location has a schema for it (`could not find schema`, or skipped with
    /// `-ignore-missing-schemas`).
    NotFound,
    /// Validation could not run (e.g. a location failed); the text is printed as is.
    Error(String),
    /// Not validated on purpose.
    Skipped,
    /// Nothing to validate.
    Empty,
}

/// Schema lookup and validation for one document; shared by the worker threads.
pub trait DocValidator: Sync {
    /// Validates `doc` against its schema.
    fn validate(&self, doc: &Document) -> Outcome;
}

impl<T: DocValidator + ?Sized> DocValidator for &T {
    fn validate(&self, doc: &Document) -> Outcome {
        (**self).validate(doc)
    }
}

impl<T: DocValidator + ?Sized> DocValidator for Box<T> {
    fn validate(&self, doc: &Document) -> Outcome {
        (**self).validate(doc)
    }
}

/// The schema location kubeconform uses when `-schema-location` is not given.
pub const DEFAULT_LOCATION: &str = "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";

impl Config {
    /// The schema locations to try in order: the `-schema-location`s given, or kubeconform's
    /// default (Kubernetes schemas only, no Flux schemas) when there are none.
    pub fn locations(&self) -> Vec<String> {
        if self.schema_locations.is_empty() {
            vec![DEFAULT_LOCATION.to_string()]
        } else {
            self.schema_locations.clone()
        }
    }
}

/// Builds the validator from the parsed flags; an `Err` is printed to stderr, exit code 1
/// (kubeconform's "failed initialising ..." errors).
pub type Factory<'v> = dyn FnMut(&Config) -> Result<Box<dyn DocValidator + 'v>, String> + 'v;

/// The message kubeconform's jsonschema library gives a failed validation (before kubeconform
/// folds its lines): `jsonschema validation failed with '<schema>#'` and one `- at '<pointer>':
/// <msg>` line per error, nested causes indented.
pub fn invalid_message(schema: &str, errors: &[ValidationError]) -> String {
    fn lines(out: &mut String, errors: &[ValidationError], indent: usize) {
        for e in errors {
            out.push('\n');
            for _ in 1..indent {
                out.push_str("  ");
            }
            out.push_str("- at ");
            out.push_str(&single_quote(&e.path));
            out.push_str(": ");
            out.push_str(&e.msg);
            lines(out, &e.causes, indent + 1);
        }
    }
    let location = if schema.contains('#') {
        schema.to_string()
    } else {
        format!("{schema}#")
    };
    let mut out = format!(
        "jsonschema validation failed with {}",
        single_quote(&location)
    );
    lines(&mut out, errors, 1);
    out
}

/// The jsonschema library's `quote`: Go's `%q` turned into single quotes.
fn single_quote(s: &str) -> String {
    let q = flags::go_quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

/// Runs kubeconform with `args` (flags and paths, without the program name) against
/// `validator`; returns the exit code. Standard input is never treated as a terminal.
pub fn run(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    validator: &dyn DocValidator,
) -> i32 {
    let mut factory = |_: &Config| Ok(Box::new(validator) as Box<dyn DocValidator + '_>);
    run_with(args, stdin, false, stdout, stderr, &mut factory)
}

/// [`run`] on the process's standard streams, refusing a terminal on stdin as kubeconform does.
pub fn run_cli(args: &[String], factory: &mut Factory<'_>) -> i32 {
    use std::io::IsTerminal;
    let stdin = io::stdin();
    let tty = stdin.is_terminal();
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let mut stderr = io::stderr();
    let code = run_with(
        args,
        &mut stdin.lock(),
        tty,
        &mut stdout,
        &mut stderr,
        factory,
    );
    let _ = stdout.flush();
    code
}

/// The whole of kubeconform's `main`, with the validator built by `factory` once flags are read.
pub fn run_with(
    args: &[String],
    stdin: &mut dyn Read,
    stdin_is_terminal: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    factory: &mut Factory<'_>,
) -> i32 {
    let parsed = flags::parse(PROG, args);
    let cfg = parsed.config;
    if !parsed.out.is_empty() {
        // Go's Println adds a newline after text that already ends in one.
        if cfg.help {
            let _ = writeln!(stdout, "{}", parsed.out);
            return 0;
        }
        let _ = writeln!(stderr, "{}", parsed.out);
        return 1;
    }
    if cfg.version {
        let _ = writeln!(stdout, "{VERSION}");
        return 0;
    }
    if let Some(e) = parsed.error {
        let _ = writeln!(stderr, "failed parsing command line: {e}");
        return 1;
    }
    let use_stdin = cfg.files.is_empty() || (cfg.files.len() == 1 && cfg.files[0] == "-");
    if use_stdin && stdin_is_terminal {
        let _ = writeln!(stderr, "{} failing to read data from stdin", go_log_time());
        return 1;
    }
    let format = match Format::parse(&cfg.output) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(stderr, "{e}");
            return 1;
        }
    };
    let validator = match factory(&cfg) {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(stderr, "{e}");
            return 1;
        }
    };
    if let Err(e) = check_cache_dir(&cfg.cache) {
        let _ = writeln!(stderr, "{e}");
        return 1;
    }
    let rules = Rules {
        strict: cfg.strict,
        ignore_missing_schemas: cfg.ignore_missing_schemas,
        skip: &cfg.skip_kinds,
        reject: &cfg.reject_kinds,
    };
    let mut out = Output::new(format, cfg.summary, use_stdin, cfg.verbose);
    let results = collect(&cfg, use_stdin, stdin, &rules, &*validator);
    let results = match results {
        Some(r) => r,
        None => {
            // No worker ever reads the resources: the Go runtime gives up.
            let _ = writeln!(stderr, "fatal error: all goroutines are asleep - deadlock!");
            return 2;
        }
    };
    let mut success = true;
    for r in results {
        if matches!(r.status, Status::Error | Status::Invalid) {
            success = false;
        }
        if out.write(r, stdout).is_err() {
            let _ = writeln!(stderr, "failed writing log");
        }
        if !success && cfg.exit_on_error {
            break;
        }
    }
    let _ = out.flush(stdout);
    if success { 0 } else { 1 }
}

/// kubeconform's cache folder check (its "not a directory" message prints a nil error).
pub fn check_cache_dir(dir: &str) -> Result<(), String> {
    if dir.is_empty() {
        return Ok(());
    }
    match std::fs::metadata(dir) {
        Err(e) => Err(format!(
            "failed opening cache folder {dir}: stat {dir}: {}",
            input::go_io_error(&e)
        )),
        Ok(m) if !m.is_dir() => Err("cache folder %!s(<nil>) is not a directory".to_string()),
        Ok(_) => Ok(()),
    }
}

/// Every result in output order; `None` when `-n` leaves no worker for a resource.
fn collect(
    cfg: &Config,
    use_stdin: bool,
    stdin: &mut dyn Read,
    rules: &Rules<'_>,
    validator: &dyn DocValidator,
) -> Option<Vec<KResult>> {
    let mut data = Vec::new();
    let mut found = Vec::new();
    let read = if use_stdin {
        stdin
            .read_to_end(&mut data)
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        let ignore = input::patterns(&cfg.ignore_filename_patterns);
        for p in &cfg.files {
            input::walk(p, &ignore, &mut found);
        }
        Ok(())
    };
    let has_resource = if use_stdin {
        !split_documents(&data).is_empty()
    } else {
        found.iter().any(|f| matches!(f, Found::File(_)))
    };
    if cfg.workers <= 0 && has_resource {
        return None;
    }
    let work = || -> Vec<Vec<KResult>> {
        if use_stdin {
            if let Err(e) = &read {
                return vec![vec![KResult::error("stdin", Sig::default(), e.clone())]];
            }
            // Unlike files, every piece of the stream is a resource, even an empty one.
            vec![stream_results(&data, "stdin", false, rules, validator)]
        } else {
            found
                .par_iter()
                .map(|f| match f {
                    Found::File(p) => file_results(p, rules, validator),
                    Found::Error { path, message } => {
                        vec![KResult::error(path, Sig::default(), message.clone())]
                    }
                })
                .collect()
        }
    };
    let threads = cfg.workers.clamp(1, 256) as usize;
    let batches = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    Some(batches.into_iter().flatten().collect())
}

fn file_results(path: &str, rules: &Rules<'_>, validator: &dyn DocValidator) -> Vec<KResult> {
    match std::fs::read(path) {
        Ok(data) => stream_results(&data, path, true, rules, validator),
        Err(e) => {
            if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
                // Opening works; the scanner's read fails, and the file still counts as parsed.
                vec![
                    KResult::error(path, Sig::default(), format!("read {path}: is a directory")),
                    docs::validate(Pending::Empty, path, rules, validator),
                ]
            } else {
                let msg = format!("open {path}: {}", input::go_io_error(&e));
                vec![KResult::error(path, Sig::default(), msg)]
            }
        }
    }
}

fn stream_results(
    data: &[u8],
    path: &str,
    is_file: bool,
    rules: &Rules<'_>,
    validator: &dyn DocValidator,
) -> Vec<KResult> {
    let chunks: Vec<Chunk<'_>> = split_documents(data)
        .into_iter()
        .filter(|c| !is_file || !c.bytes.is_empty())
        .collect();
    let per_chunk: Vec<Vec<KResult>> = chunks
        .par_iter()
        .map(|c| {
            docs::resources(c.bytes, path, c.line_offset, rules.strict)
                .into_iter()
                .map(|p| docs::validate(p, path, rules, validator))
                .collect()
        })
        .collect();
    let mut results: Vec<KResult> = per_chunk.into_iter().flatten().collect();
    if is_file && results.is_empty() {
        results.push(docs::validate(Pending::Empty, path, rules, validator));
    }
    results
}

/// The `YYYY/MM/DD HH:MM:SS` prefix of Go's `log` package (in UTC here).
fn go_log_time() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
