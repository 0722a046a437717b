//! The pre-commit hook (`.pre-commit-hooks.yaml`) through the real `pre-commit try-repo`: it
//! installs fluxval with `cargo install --path`, passes when the staged change is clean, and
//! fails naming the file and line when it is not.
//!
//! Two concessions to CI time and its lack of network, neither of which changes what is tested:
//! `cargo` on the hook's PATH is a wrapper that adds `--debug --locked --offline` to
//! `cargo install` and builds with `target/` as cargo's build directory (so the dependencies
//! `cargo test` compiled are reused and only fluxval itself is compiled), and the schema cache is seeded with a ConfigMap schema, as a
//! user's cache is after the first online run; a proxy that refuses every connection proves
//! that the hook then needs no network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{CONFIGMAP_SCHEMA, CONFIGMAP_URL, git, on_path, write};

struct Setup {
    _dir: tempfile::TempDir,
    sample: PathBuf,
    env: Vec<(String, String)>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The cargo wrapper.
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("cargo");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\n\
         # Installs as pre-commit asks, as a debug build in a kept target directory.\n\
         if [ \"$1\" = install ]; then shift; set -- install --debug --locked --offline \"$@\"; fi\n\
         exec \"$FLUXVAL_REAL_CARGO\" \"$@\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The seeded schema cache.
    let cache = root.join("cache");
    write(
        &cache,
        &format!("fluxval/{}", fluxval::schema::cache_key(CONFIGMAP_URL)),
        CONFIGMAP_SCHEMA,
    );
    // The sample repository: a base and an overlay.
    let sample = root.join("sample");
    write(
        &sample,
        "apps/base/kustomization.yaml",
        "resources:\n  - configmap.yaml\n",
    );
    write(
        &sample,
        "apps/base/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  replicas: \"1\"\n",
    );
    write(
        &sample,
        "apps/staging/kustomization.yaml",
        "namespace: staging\nresources:\n  - ../base\n",
    );
    git(&sample, &["init", "-q"]);
    git(&sample, &["add", "-A"]);
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&path));
    let env = vec![
        (
            "PATH".to_string(),
            std::env::join_paths(paths)
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        ),
        (
            "FLUXVAL_REAL_CARGO".to_string(),
            std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()),
        ),
        (
            "CARGO_TARGET_DIR".to_string(),
            manifest
                .join("target/pre-commit-hook")
                .display()
                .to_string(),
        ),
        // Intermediate artifacts in the test run's own target directory: the dependencies
        // `cargo test` compiled are reused, and only fluxval itself is compiled again.
        (
            "CARGO_BUILD_BUILD_DIR".to_string(),
            manifest.join("target").display().to_string(),
        ),
        (
            "PRE_COMMIT_HOME".to_string(),
            root.join("pre-commit").display().to_string(),
        ),
        ("XDG_CACHE_HOME".to_string(), cache.display().to_string()),
        // Any download attempt fails at once.
        ("HTTPS_PROXY".to_string(), "http://127.0.0.1:9".to_string()),
        ("HTTP_PROXY".to_string(), "http://127.0.0.1:9".to_string()),
    ];
    Setup {
        _dir: dir,
        sample,
        env,
    }
}

fn try_repo(s: &Setup, files: &[&str]) -> Output {
    Command::new("pre-commit")
        .arg("try-repo")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("fluxval")
        .arg("--files")
        .args(files)
        .current_dir(&s.sample)
        .envs(s.env.iter().map(|(k, v)| (k, v)))
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("run pre-commit")
}

#[test]
fn the_hook_passes_a_clean_change_and_fails_a_broken_one_at_its_line() {
    if !on_path("git") || !on_path("pre-commit") {
        println!("SKIP: pre-commit or git not found on PATH (.ci/run installs pre-commit)");
        return;
    }
    if !Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        println!("SKIP: the fluxval source is not a git repository, which try-repo needs");
        return;
    }
    let s = setup();
    let out = try_repo(&s, &["apps/base/configmap.yaml"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "a clean change passes:\n{text}");
    assert!(text.contains("Passed"), "{text}");

    write(
        &s.sample,
        "apps/base/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  replicas: 1\n",
    );
    git(&s.sample, &["add", "-A"]);
    let out = try_repo(&s, &["apps/base/configmap.yaml"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "a broken change fails:\n{text}");
    assert!(
        text.contains("apps/base/configmap.yaml:6:13: error[schema/type]"),
        "the finding names the file and line:\n{text}"
    );
    assert!(text.contains("overlays: apps/staging"), "{text}");
}
