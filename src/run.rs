//! Running subcommands: the glue between the CLI and the library, returning exit codes.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::kustomize::{self, BuildOptions, LoadRestrictor};

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
