//! `fluxval validate --changed-since REF` and `--changed-files` on a throw-away git repository:
//! a changed base re-validates every overlay including it, a changed overlay or values file only
//! its own root, an unrelated change nothing, and findings in unaffected roots stay unreported.

use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::{git, on_path, write};

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n";

/// Two overlays of one base (staging with a values file in a generator), an unrelated root,
/// a plain manifest and a README, committed on `main`.
fn sample() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "README.md", "# sample\n");
    write(
        p,
        "apps/base/kustomization.yaml",
        "resources:\n  - configmap.yaml\n",
    );
    write(p, "apps/base/configmap.yaml", CONFIGMAP);
    write(
        p,
        "apps/staging/kustomization.yaml",
        "namespace: staging\nresources:\n  - ../base\nconfigMapGenerator:\n  - name: values\n    files:\n      - values.yaml\n",
    );
    write(p, "apps/staging/values.yaml", "replicas: 1\n");
    write(
        p,
        "apps/production/kustomization.yaml",
        "namespace: production\nresources:\n  - ../base\n",
    );
    write(
        p,
        "infra/kustomization.yaml",
        "resources:\n  - namespace.yaml\n",
    );
    write(
        p,
        "infra/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: infra\n",
    );
    write(
        p,
        "plain/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: plain\n",
    );
    git(p, &["init", "-q"]);
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "sample"]);
    git(p, &["checkout", "-q", "-b", "change"]);
    d
}

/// `fluxval validate` in `dir`, offline with an empty schema cache (kinds are skipped with a
/// warning: these tests are about which roots run, not about schemas).
fn validate(dir: &Path, extra: &[&str]) -> Output {
    let cache = dir.join(".git/fluxval-cache");
    Command::new(env!("CARGO_BIN_EXE_fluxval"))
        .args(["validate", "--offline", "--color", "never", "--cache-dir"])
        .arg(&cache)
        .args(extra)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("run fluxval")
}

/// (exit code, stdout) of `--changed-since main`, after committing the change on the branch.
fn changed_since_main(dir: &Path) -> (i32, String) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "change"]);
    let out = validate(dir, &["--changed-since", "main"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(code != 2, "could not run: {stderr}\n{stdout}");
    (code, stdout)
}

/// The counts of the closing summary line: (resources, roots, plain files).
fn counts(stdout: &str) -> (usize, usize, usize) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("fluxval: "))
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    let number_before = |word: &str| -> usize {
        let at = line
            .find(word)
            .unwrap_or_else(|| panic!("no {word:?} in {line}"));
        line[..at]
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count before {word:?} in {line}"))
    };
    (
        number_before(" resource"),
        number_before(" kustomize root"),
        number_before(" plain file"),
    )
}

macro_rules! need_git {
    () => {
        if !on_path("git") {
            println!("SKIP: git not found on PATH");
            return;
        }
    };
}

#[test]
fn a_base_change_validates_every_overlay_including_it() {
    need_git!();
    let d = sample();
    write(
        d.path(),
        "apps/base/configmap.yaml",
        &CONFIGMAP.replace("a: b", "a: c"),
    );
    let (code, out) = changed_since_main(d.path());
    assert_eq!(code, 0, "{out}");
    // staging: the ConfigMap and the generated one; production: the ConfigMap.
    assert_eq!(counts(&out), (3, 2, 0), "{out}");
}

#[test]
fn an_overlay_change_validates_that_overlay_only() {
    need_git!();
    let d = sample();
    write(
        d.path(),
        "apps/production/kustomization.yaml",
        "namespace: prod\nresources:\n  - ../base\n",
    );
    let (code, out) = changed_since_main(d.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(counts(&out), (1, 1, 0), "{out}");
}

#[test]
fn a_values_change_validates_the_root_of_its_generator() {
    need_git!();
    let d = sample();
    write(d.path(), "apps/staging/values.yaml", "replicas: 2\n");
    let (code, out) = changed_since_main(d.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(counts(&out), (2, 1, 0), "{out}");
}

#[test]
fn an_unrelated_change_validates_nothing() {
    need_git!();
    let d = sample();
    write(d.path(), "README.md", "# sample, edited\n");
    let (code, out) = changed_since_main(d.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(counts(&out), (0, 0, 0), "{out}");
}

#[test]
fn a_plain_manifest_change_validates_that_file() {
    need_git!();
    let d = sample();
    write(
        d.path(),
        "plain/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: plain2\n",
    );
    let (code, out) = changed_since_main(d.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(counts(&out), (1, 0, 1), "{out}");
}

#[test]
fn a_broken_change_is_reported_at_its_line_and_unaffected_roots_stay_quiet() {
    need_git!();
    let d = sample();
    // An existing problem in a root the change does not touch...
    write(
        d.path(),
        "infra/kustomization.yaml",
        "resources:\n  - missing.yaml\n",
    );
    git(
        d.path(),
        &["commit", "-q", "-am", "break infra on the base branch"],
    );
    git(d.path(), &["branch", "-f", "main", "HEAD"]);
    let full = validate(d.path(), &[]);
    assert_eq!(
        full.status.code(),
        Some(1),
        "a full run sees the infra error"
    );
    // ...and a new one in the base.
    write(
        d.path(),
        "apps/base/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata: [\n",
    );
    let (code, out) = changed_since_main(d.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("apps/base/configmap.yaml:"),
        "the finding names the changed file:\n{out}"
    );
    assert!(!out.contains("infra"), "infra is not affected:\n{out}");
}

#[test]
fn uncommitted_and_untracked_files_count_as_changed() {
    need_git!();
    let d = sample();
    write(
        d.path(),
        "plain/new.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: new\n",
    );
    let out = validate(d.path(), &["--changed-since", "main"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(counts(&stdout), (1, 0, 1), "{stdout}");
}

#[test]
fn changed_files_on_the_command_line_select_the_same_way() {
    need_git!();
    let d = sample();
    let out = validate(d.path(), &["--changed-files", "apps/base/configmap.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(counts(&stdout), (3, 2, 0), "{stdout}");
    let out = validate(d.path(), &["--changed-files", "README.md"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(counts(&stdout), (0, 0, 0), "{stdout}");
}

#[test]
fn an_unknown_revision_is_a_clear_error() {
    need_git!();
    let d = sample();
    let out = validate(d.path(), &["--changed-since", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no merge base") && stderr.contains("no-such-branch"),
        "{stderr}"
    );
}
