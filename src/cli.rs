//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

/// Validate Flux CD GitOps repositories before they reach a cluster.
#[derive(Debug, Parser)]
#[command(name = "fluxval", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// fluxval's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a kustomize root in-process and print the YAML, byte-identical to `kustomize build`.
    Build {
        /// The directory holding kustomization.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// kustomize's load restrictor. The default is Flux's: LoadRestrictionsNone.
        #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsNone",
              value_parser = ["LoadRestrictionsNone", "LoadRestrictionsRootOnly"])]
        load_restrictor: String,
    },
    /// Build every kustomize root and validate every resource against its schema.
    Validate(Box<ValidateArgs>),
    /// Work with schemas.
    #[command(subcommand)]
    Schemas(SchemasCommand),
    /// Rewrite removed or deprecated Flux apiVersions to the current ones, changing nothing else.
    Migrate(MigrateArgs),
    /// A drop-in for kubeconform v0.7.0: same flags, same output, same exit codes.
    #[command(disable_help_flag = true)]
    Kubeconform {
        /// kubeconform's flags and paths, e.g. `-strict -summary deploy/`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Print a shell completion script, e.g. `fluxval completions bash > /etc/bash_completion.d/fluxval`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `fluxval man > fluxval.1`.
    Man,
}

/// `fluxval schemas …`.
#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Convert CustomResourceDefinitions into kubeconform-named JSON schema files.
    Import {
        /// CRD files or directories.
        #[arg(required = true)]
        crds: Vec<PathBuf>,
        /// Where to write the schema files.
        #[arg(long, value_name = "DIR")]
        output_dir: PathBuf,
    },
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Flags of `fluxval validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or directories to validate.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Where schemas are: a kubeconform template, a directory, a .json file, a .tar.gz, or an
    /// alias (`default`, `flux`, `flux@vX.Y.Z`). Repeatable; tried in order. Default: default, flux.
    #[arg(long = "schema-location", value_name = "LOCATION")]
    pub schema_locations: Vec<String>,
    /// Kubernetes version of the schemas (`master` or x.y.z).
    #[arg(long, value_name = "VERSION", default_value = "master")]
    pub kubernetes_version: String,
    /// Make no network connection: use cached schemas only.
    #[arg(long)]
    pub offline: bool,
    /// Schema cache directory (default: the user's cache directory).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// CustomResourceDefinitions to validate custom kinds with (file, directory or URL).
    #[arg(long, value_name = "FILE|DIR|URL", value_hint = clap::ValueHint::AnyPath)]
    pub crd: Vec<String>,
    /// A kind with no schema is an error instead of a warning.
    #[arg(long)]
    pub require_schemas: bool,
    /// Accept unknown fields and duplicate keys.
    #[arg(long)]
    pub no_strict: bool,
    /// Do not evaluate CRD x-kubernetes-validations (CEL) rules.
    #[arg(long)]
    pub skip_cel: bool,
    /// Kinds not to validate (`Kind` or `apiVersion/Kind`, comma-separated; repeatable).
    #[arg(long, value_name = "KINDS")]
    pub skip: Vec<String>,
    /// Kinds that must not appear (`Kind` or `apiVersion/Kind`, comma-separated; repeatable).
    #[arg(long, value_name = "KINDS")]
    pub reject: Vec<String>,
    /// Remove a field before validation: `[apiVersion/Kind:]/json/pointer` (repeatable).
    #[arg(long, value_name = "PATH")]
    pub skip_json_path: Vec<String>,
    /// kustomize's load restrictor. The default is Flux's: LoadRestrictionsNone.
    #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsNone",
          value_parser = ["LoadRestrictionsNone", "LoadRestrictionsRootOnly"])]
    pub load_restrictor: String,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The repository is reconciled by Flux as namespace admin: no cluster-scoped objects, no
    /// cross-namespace references.
    #[arg(long)]
    pub tenant: bool,
    /// Values for Flux postBuild substitution: a dotenv file or a YAML map (repeatable).
    #[arg(long, value_name = "FILE")]
    pub vars: Vec<PathBuf>,
    /// Turn off a rule by id, e.g. `schema/unknown-field`, or a domain, `schema/*`
    /// (comma-separated; repeatable).
    #[arg(long, value_name = "RULE", value_parser = crate::suppress::parse_disable)]
    pub disable: Vec<String>,
    /// The Flux release the cluster runs (`2.7`, `v2.7.3`): decides which API versions are
    /// removed or deprecated. Default: the latest fluxval knows (v2.9).
    #[arg(long, value_name = "VERSION")]
    pub flux_version: Option<String>,
    /// Read settings from FILE instead of `.fluxval.yaml` at the repository root.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Do not read `.fluxval.yaml`.
    #[arg(long)]
    pub no_config: bool,
    // --- changed-only runs, extra reports, quiet (CI integration) ---
    /// Validate only what changed since the merge base of HEAD and REF (git): the kustomize
    /// roots whose build reads a changed file, and changed plain manifests.
    #[arg(long, value_name = "REF", conflicts_with = "changed_files")]
    pub changed_since: Option<String>,
    /// The paths are changed files (as pre-commit passes them), not what to validate: validate
    /// the repository in the current directory, restricted to what those files affect.
    #[arg(long)]
    pub changed_files: bool,
    /// Also write a report in FORMAT to FILE, e.g. `sarif=fluxval.sarif` (repeatable).
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub report: Vec<(Format, PathBuf)>,
    /// Print findings only: no closing summary line, no progress.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Parses `--report FORMAT=FILE`.
fn parse_report(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=FILE, e.g. sarif=fluxval.sarif, got `{s}`"))?;
    if file.is_empty() {
        return Err(format!("no file named in `{s}`"));
    }
    Ok((format.parse::<Format>()?, PathBuf::from(file)))
}

/// Flags of `fluxval migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The repository, or a directory inside it, whose files to migrate.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Rewrite the files in place (only the apiVersion values change). Without it, list the
    /// rewrites and exit 1 when there are any.
    #[arg(long)]
    pub write: bool,
    /// The Flux release to migrate to (`2.7`, `v2.7.3`). Default: the latest fluxval knows.
    #[arg(long, value_name = "VERSION")]
    pub flux_version: Option<String>,
}
