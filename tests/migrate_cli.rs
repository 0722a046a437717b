//! `fluxval migrate` as a user runs it: the listing and exit 1 on a dry run, byte-exact rewrites
//! with `--write` (only the apiVersion values change), exit 0 once nothing is left, and a
//! migrated legacy repository that validates without api/* findings.

mod common;

use common::copy_tree;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every file under `dir`, relative, sorted (the `.git` marker left out).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A temporary repository holding a copy of `src`.
fn repo_copy(src: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(src, tmp.path());
    std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
    tmp
}

fn migrate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxval"))
        .current_dir(dir)
        .arg("migrate")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn migrate_lists_then_writes_only_the_api_versions() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let tmp = repo_copy(&fixtures.join("checks/api-removed"));
    let dir = tmp.path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let f = dir.join("components/web/staging/web-values.yaml");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    }

    let dry = migrate(dir, &[]);
    assert_eq!(dry.status.code(), Some(1), "{}", text(&dry.stderr));
    let out = text(&dry.stdout);
    let expected_lines = [
        "components/web/base/release.yaml:2: helm.toolkit.fluxcd.io/v2beta1 -> helm.toolkit.fluxcd.io/v2",
        "components/web/base/release.yaml:12: warning: spec.chart.spec.valuesFile is not part of helm.toolkit.fluxcd.io/v2 HelmRelease: move it into the list spec.chart.spec.valuesFiles",
        "components/web/base/repository.yaml:1: source.toolkit.fluxcd.io/v1beta2 -> source.toolkit.fluxcd.io/v1",
        "components/web/production/kustomization.yaml:7: helm.toolkit.fluxcd.io/v2beta1 -> helm.toolkit.fluxcd.io/v2",
        "components/web/staging/kustomization.yaml:9: v2beta1 -> v2",
        "components/web/staging/web-values.yaml:1: helm.toolkit.fluxcd.io/v2beta1 -> helm.toolkit.fluxcd.io/v2",
        "notifications/alerts.yaml:2: notification.toolkit.fluxcd.io/v1beta2 -> notification.toolkit.fluxcd.io/v1beta3",
        "notifications/alerts.yaml:11: notification.toolkit.fluxcd.io/v1beta1 -> notification.toolkit.fluxcd.io/v1beta3",
        "notifications/alerts.yaml:23: warning: image.toolkit.fluxcd.io/v3 ImagePolicy is not served by Flux v2.9: not rewritten (the version to use is image.toolkit.fluxcd.io/v1)",
        "7 apiVersion rewrites pending in 6 files; run with --write to apply",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected_lines);
    // A dry run changes nothing.
    for f in files(dir) {
        assert_eq!(
            std::fs::read(dir.join(&f)).unwrap(),
            std::fs::read(fixtures.join("checks/api-removed").join(&f)).unwrap(),
            "{}",
            f.display()
        );
    }

    let wrote = migrate(dir, &["--write", "."]);
    assert_eq!(wrote.status.code(), Some(0), "{}", text(&wrote.stderr));
    assert!(text(&wrote.stdout).ends_with("rewrote 7 apiVersions in 6 files\n"));
    let want = fixtures.join("migrate/api-removed.expected");
    assert_eq!(files(dir), files(&want), "no file added or removed");
    for f in files(&want) {
        assert_eq!(
            text(&std::fs::read(dir.join(&f)).unwrap()),
            text(&std::fs::read(want.join(&f)).unwrap()),
            "{}",
            f.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let f = dir.join("components/web/staging/web-values.yaml");
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640, "permissions kept");
    }

    let again = migrate(dir, &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    assert!(text(&again.stdout).ends_with("nothing to migrate\n"));
}

#[test]
fn migrate_reports_bad_input_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
    std::fs::write(tmp.path().join("bad.yaml"), "a: [\n").unwrap();
    let out = migrate(tmp.path(), &["--write"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("bad.yaml:"),
        "{}",
        text(&out.stderr)
    );
    let out = migrate(tmp.path(), &["--flux-version", "3.1"]);
    assert_eq!(out.status.code(), Some(2));
    let out = migrate(tmp.path(), &["does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn migrate_never_writes_through_a_symbolic_link() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("hr.yaml");
    let old = "apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\n";
    std::fs::write(&target, old).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
    std::os::unix::fs::symlink(&target, tmp.path().join("hr.yaml")).unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "resources:\n  - hr.yaml\n",
    )
    .unwrap();
    let out = migrate(tmp.path(), &["--write"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), old);
}

fn api_findings(shared: &Path, dir: &Path) -> Vec<String> {
    let config = fluxval::pipeline::Config {
        paths: vec![dir.to_path_buf()],
        ..Default::default()
    };
    fluxval::pipeline::run(&config, &common::local_registry(shared, false))
        .unwrap()
        .diagnostics
        .into_iter()
        .filter(|d| d.rule.starts_with("api/") || d.rule == "schema/missing")
        .map(|d| format!("{:?} {} {}", d.span, d.rule, d.message))
        .collect()
}

/// The legacy tenant branch of flux2-multi-tenancy uses removed versions; migrated, it has none.
#[test]
fn the_legacy_corpus_repository_migrates_clean() {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared not found (set FLUXVAL_SHARED)");
        return;
    };
    let src = shared.join("corpus/fluxcd__flux2-multi-tenancy__dev-team");
    let tmp = repo_copy(&src);
    let dir = tmp.path().canonicalize().unwrap();
    let before = api_findings(&shared, &dir);
    assert_eq!(before.len(), 3, "{before:#?}");
    let dry = migrate(&dir, &[]);
    assert_eq!(dry.status.code(), Some(1), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains(
        "base/podinfo-repository.yaml:1: source.toolkit.fluxcd.io/v1beta1 -> source.toolkit.fluxcd.io/v1"
    ));
    let wrote = migrate(&dir, &["--write"]);
    assert_eq!(wrote.status.code(), Some(0), "{}", text(&wrote.stderr));
    assert!(text(&wrote.stdout).ends_with("rewrote 4 apiVersions in 4 files\n"));
    let after = api_findings(&shared, &dir);
    assert!(after.is_empty(), "{after:#?}");
    // Only the apiVersion lines changed.
    for f in files(&dir) {
        let old = std::fs::read_to_string(src.join(&f)).unwrap();
        let new = std::fs::read_to_string(dir.join(&f)).unwrap();
        let changed: Vec<(&str, &str)> = old
            .lines()
            .zip(new.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(old.lines().count(), new.lines().count());
        for (a, b) in changed {
            assert!(
                a.starts_with("apiVersion: ") && b.starts_with("apiVersion: "),
                "{a} -> {b}"
            );
        }
    }
}

/// Migrating one overlay migrates its base, so every other overlay of that base follows: their
/// patches would stop matching otherwise.
#[test]
fn migrating_an_overlay_takes_the_other_overlays_of_its_base_along() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let tmp = repo_copy(&fixtures.join("checks/api-removed"));
    let out = migrate(tmp.path(), &["components/web/staging"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        listing.contains("components/web/production/kustomization.yaml:7: helm.toolkit.fluxcd.io/v2beta1 -> helm.toolkit.fluxcd.io/v2"),
        "{listing}"
    );
    assert!(!listing.contains("notifications/"), "{listing}");
}
