//! Fixture repositories for the Flux checks: each finding at its exact file:line:col, and none
//! other.
//!
//! Each directory under `tests/fixtures/checks/` is a small repository (often in the d1 layout).
//! A line that should carry findings ends with `# expect: RULE@COL …` (several allowed), or
//! the line above it is `# expect-next: RULE@COL …` (for lines whose own comment is tested); a file
//! that cannot hold comments (a dotenv file) is asserted through a YAML file's marker instead. An
//! optional `fluxval.args` file holds `fluxval validate` flags for the run, one per line
//! (`--tenant`, `--vars staging.env`). The repository is copied into a temporary directory of
//! its own, so discovery sees exactly the fixture.

mod common;

use common::copy_tree;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser;
use fluxval::cli::{Cli, Command};
use fluxval::diagnostic::Diagnostic;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks")
}

/// `file:line:col rule` for every marker under `dir`, paths relative to `dir`.
fn expected(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            for (i, line) in text.lines().enumerate() {
                // `# expect-next:` on its own line asserts findings on the line below, for lines
                // whose own comment is under test (an image-policy marker must end its line).
                let (target, marks) = match (
                    line.split_once("# expect: "),
                    line.split_once("# expect-next: "),
                ) {
                    (Some((_, m)), _) => (i + 1, m),
                    (None, Some((_, m))) => (i + 2, m),
                    (None, None) => continue,
                };
                for m in marks.split_whitespace() {
                    let (rule, col) = m.split_once('@').expect("RULE@COL");
                    out.insert(format!("{rel}:{target}:{col} {rule}"));
                }
            }
        }
    }
    out
}

fn show(d: &Diagnostic, root: &Path) -> String {
    let Some(s) = d.span.as_ref() else {
        return format!("<no place> {} {}", d.rule, d.message);
    };
    let file = Path::new(&*s.file);
    let rel = file
        .strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string();
    format!("{rel}:{}:{} {}", s.line, s.col, d.rule)
}

/// Runs `fluxval validate` (as a library) on a copy of fixture `name`; returns the findings as
/// `file:line:col rule` and the copy's root.
pub fn run_fixture(name: &str, shared: &Path) -> (BTreeSet<String>, Vec<Diagnostic>) {
    let src = fixtures().join(name);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    copy_tree(&src, &root);
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let mut argv = vec!["fluxval".to_string(), "validate".to_string()];
    if let Ok(text) = std::fs::read_to_string(src.join("fluxval.args")) {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            for (i, word) in line.split_whitespace().enumerate() {
                // Values naming files are relative to the fixture.
                if i > 0 && root.join(word).exists() {
                    argv.push(root.join(word).display().to_string());
                } else {
                    argv.push(word.to_string());
                }
            }
        }
    }
    argv.push(root.display().to_string());
    let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{name}: {e}"));
    let Command::Validate(args) = cli.command else {
        unreachable!()
    };
    let config = fluxval::run::pipeline_config(&args).unwrap_or_else(|e| panic!("{name}: {e}"));
    let outcome = fluxval::pipeline::run(&config, &common::local_registry(shared, false))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let got = outcome.diagnostics.iter().map(|d| show(d, &root)).collect();
    (got, outcome.diagnostics)
}

#[test]
fn every_fixture_reports_exactly_its_marked_findings() {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared not found (set FLUXVAL_SHARED)");
        return;
    };
    if !fixtures().is_dir() {
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let (got, diags) = run_fixture(name, &shared);
        let want = expected(&fixtures().join(name));
        if got != want {
            let detail: Vec<String> = diags
                .iter()
                .map(|d| format!("  {} {}: {}", d.rule, d.severity, d.message))
                .collect();
            failures.push(format!(
                "{name}:\n missing: {:#?}\n unexpected: {:#?}\n all findings:\n{}",
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>(),
                detail.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
