//! The `fluxval` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use fluxval::cli::{Cli, Command, SchemasCommand};
use fluxval::run;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            dir,
            load_restrictor,
        } => run::build(&dir, &load_restrictor),
        Command::Validate(args) => run::validate(&args),
        Command::Schemas(SchemasCommand::Import { crds, output_dir }) => {
            run::schemas_import(&crds, &output_dir)
        }
        Command::Kubeconform { args } => run::kubeconform(&args),
        Command::Completions { shell } => run::completions(shell),
        Command::Man => run::man(),
    }
}
