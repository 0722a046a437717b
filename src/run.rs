//! Running subcommands: the glue between the CLI and the library, returning exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{ColorChoice, ValidateArgs};
use crate::kubeconform::DocValidator;
use crate::kustomize::{self, BuildOptions, LoadRestrictor};
use crate::pipeline;
use crate::report::{self, Format, RenderOptions, Summary};
use crate::schema::{FetchOptions, Fetcher, Registry, RegistryOptions, read_schema_tarball};
use crate::validate::ValidateOptions;

/// Exit code: no findings.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings (or a build error in the user's files).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: fluxval could not run.
pub const EXIT_ERROR: u8 = 2;

/// `fluxval build DIR`: print the build, or the error at its place, exit 1.
pub fn build(dir: &Path, restrictor: &str) -> ExitCode {
    let Some(load_restrictor) = LoadRestrictor::parse(restrictor) else {
        eprintln!("error: unknown load restrictor {restrictor:?}");
        return ExitCode::from(EXIT_ERROR);
    };
    let root = match crate::repo::find_root(dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let options = BuildOptions { load_restrictor };
    let result =
        kustomize::build(dir, &root, &options).and_then(|b| Ok((b.to_yaml()?, b.warnings)));
    match result {
        Ok((yaml, warnings)) => {
            for w in warnings {
                eprintln!("{w}");
            }
            let mut out = std::io::stdout().lock();
            if out
                .write_all(yaml.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return ExitCode::from(EXIT_ERROR);
            }
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(EXIT_FINDINGS)
        }
    }
}

/// `fluxval validate`: build, validate, report. Exit 0 clean, 1 errors found, 2 could not run.
pub fn validate(args: &ValidateArgs) -> ExitCode {
    match validate_inner(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.contains(": error: ") => {
            // Already located (`path:line:col: error: …`).
            eprintln!("{e}");
            ExitCode::from(EXIT_ERROR)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn validate_inner(args: &ValidateArgs) -> Result<u8, String> {
    // Flags first: a bad flag value must not wait for a download.
    let config = pipeline_config(args)?;
    let fetcher = Arc::new(
        Fetcher::new(FetchOptions {
            cache_dir: args
                .cache_dir
                .clone()
                .or_else(crate::schema::default_cache_dir),
            offline: args.offline,
            progress: !args.quiet && FetchOptions::default().progress,
            ..FetchOptions::default()
        })
        .map_err(|e| e.to_string())?,
    );
    let registry = Registry::new(
        RegistryOptions {
            locations: args.schema_locations.clone(),
            kubernetes_version: args.kubernetes_version.clone(),
            strict: !args.no_strict,
            exact_kubeconform: false,
        },
        fetcher.clone(),
    )
    .map_err(|e| e.to_string())?
    .with_tarball_reader(read_schema_tarball);
    for crd in &args.crd {
        load_crds(&registry, &fetcher, crd)?;
    }
    let outcome = pipeline::run(&config, &registry).map_err(|e| e.to_string())?;
    for w in fetcher.take_warnings() {
        eprintln!("warning: {w}");
    }
    let summary = Summary {
        resources: outcome.totals.resources,
        roots: outcome.totals.roots,
        files: outcome.totals.files,
        skipped_schemas: outcome
            .diagnostics
            .iter()
            .filter(|d| d.rule == "schema/skipped" || d.rule == "schema/missing")
            .count(),
        duration: outcome.totals.duration,
        ..Summary::default()
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => report::stdout_color(),
    };
    let repo_root = args
        .paths
        .first()
        .and_then(|p| crate::repo::find_root(p).ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let opts = RenderOptions {
        color: color && args.output == Format::Text,
        repo_root,
        quiet: args.quiet,
        ..RenderOptions::default()
    };
    let mut out = std::io::stdout().lock();
    report::render(args.output, &outcome.diagnostics, &summary, &opts, &mut out)
        .and_then(|_| out.flush())
        .map_err(|e| format!("cannot write the report: {e}"))?;
    write_reports(&args.report, &outcome.diagnostics, &summary, &opts)?;
    Ok(report::exit_code(&outcome.diagnostics) as u8)
}

/// The pipeline configuration `fluxval validate` flags describe (schema sources aside).
pub fn pipeline_config(args: &ValidateArgs) -> Result<pipeline::Config, String> {
    let load_restrictor = LoadRestrictor::parse(&args.load_restrictor)
        .ok_or_else(|| format!("unknown load restrictor {:?}", args.load_restrictor))?;
    Ok(pipeline::Config {
        // With `--changed-files` the paths name changed files: the repository is the current
        // directory's.
        paths: if args.changed_files {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        },
        build: BuildOptions { load_restrictor },
        validate: ValidateOptions {
            strict: !args.no_strict,
            skip_cel: args.skip_cel,
            skip: split_kinds(&args.skip),
            reject: split_kinds(&args.reject),
            skip_json_paths: args.skip_json_path.clone(),
            require_schemas: args.require_schemas,
            schema_only: false,
            // Without values, `${VAR}` placeholders stay in the resources (see `envsubst`).
            placeholders: args.vars.is_empty(),
        },
        checks: crate::checks::CheckOptions {
            tenant: args.tenant,
            disable: split_kinds(&args.disable),
            flux_version: args
                .flux_version
                .as_deref()
                .map(parse_flux_version)
                .transpose()?,
        },
        vars: args.vars.clone(),
        only_files: changed_files(args)?,
    })
}

/// `--flux-version`: `2.7`, `v2.7` or `v2.7.3`.
fn parse_flux_version(text: &str) -> Result<crate::checks::apiversions::Release, String> {
    crate::checks::apiversions::Release::parse(text).ok_or_else(|| {
        format!("invalid --flux-version {text:?}: expected a Flux v2 release such as 2.7 or v2.7.3")
    })
}

/// `fluxval migrate [PATH] [--write]`: list (or apply) the apiVersion rewrites. Exit 0 when
/// nothing is left to do, 1 when rewrites are pending without `--write`, 2 on error.
pub fn migrate(args: &crate::cli::MigrateArgs) -> ExitCode {
    let target = match args.flux_version.as_deref().map(parse_flux_version) {
        None => crate::checks::apiversions::Release::LATEST,
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let plan = match crate::migrate::plan(&args.path, &cwd, target) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut out = std::io::stdout().lock();
    let shown = plan.render(&mut out).and_then(|_| out.flush());
    if shown.is_err() {
        return ExitCode::from(EXIT_ERROR);
    }
    if !plan.errors.is_empty() {
        for e in &plan.errors {
            eprintln!("{e}");
        }
        return ExitCode::from(EXIT_ERROR);
    }
    let (rewrites, files) = (plan.rewrite_count(), plan.files.len());
    if rewrites == 0 {
        println!("nothing to migrate");
        return ExitCode::from(EXIT_OK);
    }
    let s = |n: usize| if n == 1 { "" } else { "s" };
    if !args.write {
        println!(
            "{rewrites} apiVersion rewrite{} pending in {files} file{}; run with --write to apply",
            s(rewrites),
            s(files)
        );
        return ExitCode::from(EXIT_FINDINGS);
    }
    if let Err(e) = plan.apply() {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    println!(
        "rewrote {rewrites} apiVersion{} in {files} file{}",
        s(rewrites),
        s(files)
    );
    ExitCode::from(EXIT_OK)
}

/// The changed files of a changed-only run (`--changed-since`, `--changed-files`), or `None`.
fn changed_files(args: &ValidateArgs) -> Result<Option<Vec<PathBuf>>, String> {
    if let Some(rev) = &args.changed_since {
        let dir = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
        return crate::changed::files_since(dir, rev).map(Some);
    }
    Ok(args.changed_files.then(|| args.paths.clone()))
}

/// `--report FORMAT=FILE`: the same findings in further formats, each written whole.
fn write_reports(
    reports: &[(Format, PathBuf)],
    diags: &[crate::diagnostic::Diagnostic],
    summary: &Summary,
    opts: &RenderOptions,
) -> Result<(), String> {
    let opts = RenderOptions {
        color: false,
        ..opts.clone()
    };
    for (format, file) in reports {
        let mut buf = Vec::new();
        report::render(*format, diags, summary, &opts, &mut buf)
            .and_then(|_| std::fs::write(file, &buf))
            .map_err(|e| format!("cannot write the {format} report {}: {e}", file.display()))?;
    }
    Ok(())
}

/// Splits kubeconform-style comma lists (`--skip A,B --skip C`).
fn split_kinds(list: &[String]) -> Vec<String> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Registers the CRDs in a file, a directory (recursively, `.yaml`/`.yml`/`.json`) or a URL.
fn load_crds(registry: &Registry, fetcher: &Fetcher, what: &str) -> Result<(), String> {
    let add = |bytes: &[u8], display: &str| {
        registry
            .add_crd_documents(bytes, display)
            .map(|_| ())
            .map_err(|e| format!("{display}: {e}"))
    };
    if crate::schema::is_url(what) {
        return match fetcher.fetch(what).map_err(|e| e.to_string())? {
            crate::schema::Fetched::Bytes(b) => add(&b, what),
            crate::schema::Fetched::NotFound => Err(format!("{what}: not found")),
            crate::schema::Fetched::Offline => Err(format!("{what}: offline and not cached")),
        };
    }
    let path = Path::new(what);
    let mut files = Vec::new();
    if path.is_dir() {
        let mut stack = vec![path.to_path_buf()];
        while let Some(d) = stack.pop() {
            let rd = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
            for e in rd.flatten() {
                let p = e.path();
                let ft = e.file_type().map_err(|e| format!("{}: {e}", p.display()))?;
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file()
                    && p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                {
                    files.push(p);
                }
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        add(&bytes, &f.display().to_string())?;
    }
    Ok(())
}

/// `fluxval schemas import CRD… --output-dir DIR`: one kubeconform-named file per CRD version.
pub fn schemas_import(crds: &[PathBuf], output_dir: &Path) -> ExitCode {
    let mut files = Vec::new();
    for c in crds {
        if c.is_dir() {
            let mut stack = vec![c.clone()];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p
                        .extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                    {
                        files.push(p);
                    }
                }
            }
        } else {
            files.push(c.clone());
        }
    }
    files.sort();
    if let Err(e) = std::fs::create_dir_all(output_dir) {
        eprintln!("error: {}: {e}", output_dir.display());
        return ExitCode::from(EXIT_ERROR);
    }
    let mut written = 0;
    let mut failed = false;
    for f in files {
        let shown = f.display().to_string();
        let bytes = match std::fs::read(&f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {shown}: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        };
        let docs = match crate::yaml::parse_file(
            &bytes,
            &shown,
            crate::yaml::Profile::Kubernetes,
            crate::yaml::Limits::default(),
        ) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                failed = true;
                continue;
            }
        };
        for doc in docs
            .iter()
            .filter(|d| d.str_at(&["kind"]) == Some("CustomResourceDefinition"))
        {
            match crate::schema::crd_schemas(doc) {
                Ok(schemas) => {
                    for (gvk, json) in schemas {
                        let name = crate::schema::location::schema_file_name(&gvk);
                        let text = serde_json::to_string_pretty(&json).unwrap_or_default();
                        let target = output_dir.join(&name);
                        if let Err(e) = std::fs::write(&target, text) {
                            eprintln!("error: {}: {e}", target.display());
                            return ExitCode::from(EXIT_ERROR);
                        }
                        println!("{}", target.display());
                        written += 1;
                    }
                }
                Err(e) => {
                    let at = doc
                        .span
                        .clone()
                        .map(|s| s.to_string())
                        .unwrap_or(shown.clone());
                    eprintln!("{at}: error: {e}");
                    failed = true;
                }
            }
        }
    }
    if written == 0 && !failed {
        eprintln!("error: no CustomResourceDefinition found");
        return ExitCode::from(EXIT_FINDINGS);
    }
    ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// `fluxval kubeconform …`: kubeconform's front end on fluxval's schemas and validator.
pub fn kubeconform(args: &[String]) -> ExitCode {
    let mut factory = |cfg: &crate::kubeconform::Config| -> Result<Box<dyn DocValidator>, String> {
        let cache_dir = (!cfg.cache.is_empty()).then(|| PathBuf::from(&cfg.cache));
        let fetcher = Fetcher::new(FetchOptions {
            // kubeconform caches only with -cache.
            cache_dir,
            progress: false,
            ..FetchOptions::default()
        })
        .map_err(|e| e.to_string())?;
        let registry = Registry::new(
            RegistryOptions {
                locations: cfg.locations(),
                kubernetes_version: cfg.kubernetes_version.clone(),
                strict: cfg.strict,
                // kubeconform's reading of CRD schemas, without the API-server corrections.
                exact_kubeconform: true,
            },
            Arc::new(fetcher),
        )
        .map_err(|e| e.to_string())?
        .with_tarball_reader(read_schema_tarball);
        Ok(Box::new(crate::kubeconform::SchemaValidator::new(registry)))
    };
    let code = crate::kubeconform::run_cli(args, &mut factory);
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// `fluxval completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, "fluxval", &mut std::io::stdout());
    ExitCode::from(EXIT_OK)
}

/// `fluxval man`: the manual page (roff) on stdout, subcommands included as sections.
pub fn man() -> ExitCode {
    let cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    let written = clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .and_then(|_| render_subcommand_sections(&cmd, &mut buf));
    let mut out = std::io::stdout().lock();
    match written
        .and_then(|_| out.write_all(&buf))
        .and_then(|_| out.flush())
    {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("error: cannot write the manual page: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// One `.SH` section per subcommand with its options, so that `man fluxval` documents
/// `fluxval validate`'s flags too (clap_mangen renders only the top command's).
fn render_subcommand_sections(cmd: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("fluxval {}", sub.get_name());
        let sub = sub.clone().bin_name(name.clone());
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        if let Some(about) = sub.get_about() {
            writeln!(out, "{}", roff_text(&about.to_string()))?;
        }
        let man = clap_mangen::Man::new(sub);
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_options_section(&mut part)?;
        // Subsections of this subcommand's section, not new top-level sections.
        for line in String::from_utf8_lossy(&part).lines() {
            match line.strip_prefix(".SH ") {
                Some(title) => writeln!(out, ".SS {title}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    Ok(())
}

/// Text safe for a roff line: no leading `.` or `'`, backslashes escaped.
fn roff_text(s: &str) -> String {
    let s = s.replace('\\', "\\\\");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}
