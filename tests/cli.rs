//! The `fluxval build` command as a user meets it: output, error format, exit codes, and hostile
//! inputs that must fail fast with a clear message naming the file — never a panic or a hang.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn fluxval(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxval"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run fluxval")
}

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A throw-away repository: a directory with a `.git` folder so it is its own root.
fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    d
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a build that must fail: exit 1, no panic, a message naming `file`, within seconds.
fn assert_fails_naming(dir: &Path, root: &str, file: &str, words: &str) {
    let start = Instant::now();
    let out = fluxval(&["build", root], dir);
    let err = stderr(&out);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    assert!(err.contains(file), "error does not name {file}: {err}");
    assert!(err.contains(words), "error does not say {words:?}: {err}");
    assert!(out.stdout.is_empty(), "printed output despite the error");
}

#[test]
fn builds_the_example_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = fluxval(
        &["build", "examples/d1-apps/components/web/production"],
        root,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.contains("kind: HelmRelease"));
    assert!(yaml.contains("host: web.example.com"));
    // The generated ConfigMap carries a hash suffix and the HelmRelease refers to it.
    let line = yaml
        .lines()
        .find(|l| l.contains("name: web-values-"))
        .expect("hashed name");
    let hashed = line.trim().trim_start_matches("name: ");
    assert_eq!(yaml.matches(hashed).count(), 2, "{yaml}");
}

#[test]
fn errors_are_located_and_exit_1() {
    let d = repo();
    write(
        d.path(),
        "app/kustomization.yaml",
        b"resources:\n  - missing.yaml\n",
    );
    let out = fluxval(&["build", "app"], d.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("app/kustomization.yaml:2:5: error: "),
        "{err}"
    );
    assert!(err.contains("missing.yaml"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let d = repo();
    let out = fluxval(&["build", ".", "--load-restrictor", "Bogus"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let out = fluxval(&["frobnicate"], d.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_field_names_its_line() {
    let d = repo();
    write(
        d.path(),
        "kustomization.yaml",
        b"resources: []\nnamespace: x\nfoo: bar\n",
    );
    let out = fluxval(&["build", "."], d.path());
    assert!(
        stderr(&out).starts_with("kustomization.yaml:3:1: error:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn alias_bomb_is_refused() {
    let d = repo();
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        s.push_str(&format!(
            "  a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    write(d.path(), "kustomization.yaml", b"resources:\n- bomb.yaml\n");
    write(d.path(), "bomb.yaml", s.as_bytes());
    assert_fails_naming(d.path(), ".", "bomb.yaml", "alias");
}

#[test]
fn deep_nesting_is_refused() {
    let d = repo();
    let s = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    write(d.path(), "kustomization.yaml", b"resources:\n- deep.yaml\n");
    write(d.path(), "deep.yaml", s.as_bytes());
    assert_fails_naming(d.path(), ".", "deep.yaml", "");
}

#[test]
fn invalid_utf8_and_binary_files_are_refused() {
    let d = repo();
    write(d.path(), "kustomization.yaml", b"resources:\n- bad.yaml\n");
    write(
        d.path(),
        "bad.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n",
    );
    assert_fails_naming(d.path(), ".", "bad.yaml:4", "UTF-8");
    write(d.path(), "bad.yaml", b"\x7fELF\x00\x00\x01binary");
    assert_fails_naming(d.path(), ".", "bad.yaml", "binary");
}

#[test]
fn escaping_the_repository_is_refused_and_reveals_nothing() {
    let outer = tempfile::tempdir().unwrap();
    write(
        outer.path(),
        "secret.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\ndata:\n  token: c2VjcmV0\n",
    );
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(
        &repo,
        "kustomization.yaml",
        b"resources:\n- ../secret.yaml\n",
    );
    let out = fluxval(&["build", "."], &repo);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("outside the repository"), "{err}");
    assert!(
        !err.contains("c2VjcmV0") && out.stdout.is_empty(),
        "leaked the secret: {err}"
    );
    // The same through a symlink that points outside.
    std::os::unix::fs::symlink(outer.path().join("secret.yaml"), repo.join("link.yaml")).unwrap();
    write(&repo, "kustomization.yaml", b"resources:\n- link.yaml\n");
    let out = fluxval(&["build", "."], &repo);
    assert!(
        stderr(&out).contains("outside the repository"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn symlink_loops_fail_cleanly() {
    let d = repo();
    std::os::unix::fs::symlink("loop-b", d.path().join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", d.path().join("loop-b")).unwrap();
    write(d.path(), "kustomization.yaml", b"resources:\n- loop-a\n");
    assert_fails_naming(d.path(), ".", "kustomization.yaml", "loop-a");
}

#[test]
fn kustomization_cycles_are_reported() {
    let d = repo();
    write(d.path(), "a/kustomization.yaml", b"resources:\n- ../b\n");
    write(d.path(), "b/kustomization.yaml", b"resources:\n- ../a\n");
    assert_fails_naming(d.path(), "a", "b/kustomization.yaml", "cycle");
}

#[test]
fn remote_resources_are_refused_without_network() {
    let d = repo();
    write(d.path(), "kustomization.yaml", b"resources:\n- https://github.com/fluxcd/flux2//manifests/install?ref=v2.4.0\n- github.com/org/repo/base?ref=main\n");
    assert_fails_naming(d.path(), ".", "kustomization.yaml:2:3", "remote resource");
}

#[test]
fn empty_and_non_mapping_kustomizations_are_errors() {
    let d = repo();
    write(d.path(), "kustomization.yaml", b"");
    assert_fails_naming(d.path(), ".", "kustomization.yaml", "empty");
    write(d.path(), "kustomization.yaml", b"- a\n- b\n");
    assert_fails_naming(d.path(), ".", "kustomization.yaml", "mapping");
    write(d.path(), "kustomization.yaml", b"resources:\n\t- a.yaml\n");
    assert_fails_naming(d.path(), ".", "kustomization.yaml", "");
}

#[test]
fn huge_scalar_is_handled() {
    let d = repo();
    let big = "x".repeat(8 * 1024 * 1024);
    let s =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: {big}\n");
    write(d.path(), "kustomization.yaml", b"resources:\n- big.yaml\n");
    write(d.path(), "big.yaml", s.as_bytes());
    let start = Instant::now();
    let out = fluxval(&["build", "."], d.path());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.len() > big.len());
}
