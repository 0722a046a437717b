//! The shared corpus of real Flux repositories, through the whole pipeline (schemas and Flux
//! checks): no false errors, with `--tenant` where the repository is a tenant's (d1-apps).

mod common;

use std::path::Path;

use clap::Parser;
use fluxval::cli::{Cli, Command};
use fluxval::diagnostic::{Diagnostic, Severity};

fn findings(shared: &Path, repo: &str, flags: &[&str]) -> Vec<Diagnostic> {
    let dir = shared.join("corpus").join(repo);
    let mut argv = vec!["fluxval", "validate"];
    argv.extend_from_slice(flags);
    let dir_s = dir.display().to_string();
    argv.push(&dir_s);
    let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{e}"));
    let Command::Validate(args) = cli.command else {
        unreachable!()
    };
    let config = fluxval::run::pipeline_config(&args).expect("config");
    fluxval::pipeline::run(&config, &common::local_registry(shared, true))
        .unwrap_or_else(|e| panic!("{repo}: {e}"))
        .diagnostics
}

fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{} {}: {}",
                d.span.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                d.rule,
                d.message
            )
        })
        .collect()
}

/// Repositories that follow current Flux: no error at all.
const CURRENT: &[&str] = &[
    "controlplaneio-fluxcd__d1-apps",
    "controlplaneio-fluxcd__d1-infra",
    "controlplaneio-fluxcd__d1-fleet",
    "fluxcd__flux2-kustomize-helm-example",
    "fluxcd__flux2-multi-tenancy",
];

/// True errors in those repositories: `(repository, "file:line:col rule")`.
const KNOWN_ERRORS: &[(&str, &str)] = &[(
    "fluxcd__flux2-multi-tenancy",
    "infrastructure/kyverno/source.yaml:1:13 api/removed",
)];

#[test]
fn current_repositories_have_no_error() {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared not found (set FLUXVAL_SHARED)");
        return;
    };
    // Findings name files as the pipeline shows them; an absolute corpus path keeps that
    // independent of where the tests run.
    let shared = shared.canonicalize().expect("shared dir");
    let mut bad = Vec::new();
    for repo in CURRENT {
        let mut e = errors(&findings(&shared, repo, &[]));
        // Real findings, not false ones: upstream still uses an API version Flux v2.8 removed.
        let known: Vec<String> = KNOWN_ERRORS
            .iter()
            .filter(|(r, _)| r == repo)
            .map(|(_, place)| format!("{}/{place}", shared.join("corpus").join(repo).display()))
            .collect();
        for k in &known {
            let before = e.len();
            e.retain(|line| !line.starts_with(k.as_str()));
            assert_eq!(before, e.len() + 1, "{repo}: expected the finding {k}");
        }
        if !e.is_empty() {
            bad.push(format!("{repo}:\n  {}", e.join("\n  ")));
        }
    }
    assert!(bad.is_empty(), "false errors:\n{}", bad.join("\n"));
}

#[test]
fn the_tenant_repository_passes_tenant_mode() {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared not found (set FLUXVAL_SHARED)");
        return;
    };
    // Findings name files as the pipeline shows them; an absolute corpus path keeps that
    // independent of where the tests run.
    let shared = shared.canonicalize().expect("shared dir");
    let e = errors(&findings(
        &shared,
        "controlplaneio-fluxcd__d1-apps",
        &["--tenant"],
    ));
    assert!(
        e.is_empty(),
        "false errors in tenant mode:\n{}",
        e.join("\n")
    );
}
