//! The `fluxval` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use fluxval::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            dir,
            load_restrictor,
        } => fluxval::run::build(&dir, &load_restrictor),
    }
}
