//! `fluxval validate --vars` as a user runs it: substituted values are validated where they were
//! written, and a broken vars file stops the run with exit code 2 at its file:line.

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// A repository with one overlay over a Deployment whose replicas come from a variable.
fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let w = |p: &str, text: &str| {
        let p = d.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    std::fs::create_dir(d.path().join(".git")).unwrap();
    w(
        "apps/base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n",
    );
    w(
        "apps/base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: web\nspec:\n  replicas: ${REPLICAS}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: web:1\n",
    );
    w(
        "apps/staging/kustomization.yaml",
        "resources:\n  - ../base\n",
    );
    d
}

fn validate(dir: &Path, extra: &[&str]) -> Option<Output> {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared not found (set FLUXVAL_SHARED)");
        return None;
    };
    let s = shared.join("schemas").canonicalize().ok()?;
    let k8s = format!(
        "{}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
        s.display()
    );
    let mut args = vec![
        "validate",
        "apps",
        "--offline",
        "--kubernetes-version",
        "1.35.0",
        "--schema-location",
        &k8s,
    ];
    args.extend_from_slice(extra);
    Some(
        Command::new(env!("CARGO_BIN_EXE_fluxval"))
            .args(&args)
            .current_dir(dir)
            .output()
            .expect("run fluxval"),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_substituted_value_is_a_schema_error_at_the_place_it_was_written() {
    let d = repo();
    std::fs::write(d.path().join("staging.env"), "REPLICAS=abc\n").unwrap();
    let Some(out) = validate(d.path(), &["--vars", "staging.env"]) else {
        return;
    };
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "apps/base/deployment.yaml:7:13: error[schema/type]: spec.replicas: got string \"abc\", want integer"
        ),
        "{stdout}"
    );
}

#[test]
fn a_number_substitutes_as_a_number_and_placeholders_pass_without_values() {
    let d = repo();
    std::fs::write(d.path().join("staging.yaml"), "REPLICAS: \"3\"\n").unwrap();
    for extra in [&["--vars", "staging.yaml"][..], &[]] {
        let Some(out) = validate(d.path(), extra) else {
            return;
        };
        assert_eq!(
            out.status.code(),
            Some(0),
            "{extra:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

#[test]
fn a_broken_vars_file_stops_the_run_at_its_line() {
    let d = repo();
    std::fs::write(d.path().join("bad.env"), "REPLICAS=3\nnot a pair\n").unwrap();
    let Some(out) = validate(d.path(), &["--vars", "bad.env"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.env:2:1: error: expected NAME=value"),
        "{stderr}"
    );
}
