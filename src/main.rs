//! The `fluxval` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use fluxval::cli::{Cli, Command, SchemasCommand};
use fluxval::run;

/// A build allocates millions of small tree nodes from several threads and frees most of them
/// in waves; mimalloc keeps peak memory about a third lower than glibc's per-thread arenas on
/// large repositories, and is faster on small ones (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The config file's settings join the command line where it is silent.
    let argv = match fluxval::config::with_config(std::env::args_os().collect()) {
        Ok(argv) => argv,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(run::EXIT_ERROR);
        }
    };
    let cli = Cli::parse_from(argv);
    match cli.command {
        Command::Build {
            dir,
            load_restrictor,
        } => run::build(&dir, &load_restrictor),
        Command::Validate(args) => run::validate(&args),
        Command::Schemas(SchemasCommand::Import { crds, output_dir }) => {
            run::schemas_import(&crds, &output_dir)
        }
        Command::Migrate(args) => run::migrate(&args),
        Command::Kubeconform { args } => run::kubeconform(&args),
        Command::Completions { shell } => run::completions(shell),
        Command::Man => run::man(),
    }
}
