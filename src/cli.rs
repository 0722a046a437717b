//! Command-line definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
}
