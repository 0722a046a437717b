//! `fluxval validate`, `fluxval schemas import` and `fluxval kubeconform` as a user runs them:
//! exit codes, where findings point, offline behaviour, unreachable schema sources.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fluxval(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxval"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run fluxval")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Schema locations pointing at the shared schemas (Kubernetes 1.35.0 and Flux), or None.
fn shared_locations() -> Option<(String, String)> {
    let s = common::shared_dir()?.join("schemas");
    let s = s.canonicalize().ok()?;
    Some((
        format!(
            "{}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
            s.display()
        ),
        format!(
            "{}/flux/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
            s.display()
        ),
    ))
}

fn validate_with_shared(path: &str, extra: &[&str]) -> Option<Output> {
    let Some((k8s, flux)) = shared_locations() else {
        println!("SKIP: ../shared/schemas not found");
        return None;
    };
    let mut args = vec![
        "validate",
        path,
        "--offline",
        "--kubernetes-version",
        "1.35.0",
        "--schema-location",
        &k8s,
        "--schema-location",
        &flux,
    ];
    args.extend_from_slice(extra);
    Some(fluxval(&args))
}

/// A copy of the example repository with `edit` applied, in a temp dir.
fn broken_example(edit: impl Fn(&Path)) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/d1-apps"),
        d.path(),
    );
    std::fs::create_dir(d.path().join(".git")).unwrap();
    edit(d.path());
    d
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn replace(file: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(file).unwrap();
    assert!(s.contains(from), "{from:?} not in {}", file.display());
    std::fs::write(file, s.replacen(from, to, 1)).unwrap();
}

#[test]
fn clean_example_validates_and_exits_0() {
    let Some(out) = validate_with_shared("examples/d1-apps", &[]) else {
        return;
    };
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("0 errors"), "{stdout}");
    assert!(stdout.contains("12 resources"), "{stdout}");
}

#[test]
fn findings_point_at_the_line_in_base_and_overlay_patch() {
    let repo = broken_example(|d| {
        replace(
            &d.join("components/web/base/release.yaml"),
            "interval: 30m",
            "interval: 1d",
        );
        replace(
            &d.join("components/web/production/web-values.yaml"),
            "  values:\n",
            "  timeout: five\n  values:\n",
        );
    });
    let path = repo.path().to_str().unwrap();
    let Some(out) = validate_with_shared(path, &[]) else {
        return;
    };
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let base = format!("{path}/components/web/base/release.yaml:6:13: error[schema/pattern]");
    assert!(stdout.contains(&base), "{stdout}");
    let patch =
        format!("{path}/components/web/production/web-values.yaml:9:12: error[schema/pattern]");
    assert!(stdout.contains(&patch), "{stdout}");
    // The base finding is one finding naming both overlays.
    assert_eq!(stdout.matches("release.yaml:6:13").count(), 1, "{stdout}");
}

#[test]
fn sarif_output_is_sarif() {
    let repo = broken_example(|d| {
        replace(
            &d.join("components/cache/base/redis.yaml"),
            "interval: 30m",
            "intervall: 30m",
        );
    });
    let Some(out) = validate_with_shared(repo.path().to_str().unwrap(), &["-o", "sarif"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "schema/unknown-field")
        .expect("the unknown field is reported");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "components/cache/base/redis.yaml"
    );
    assert_eq!(loc["region"]["startLine"], 6);
    assert_eq!(loc["region"]["startColumn"], 3);
}

#[test]
fn offline_without_cache_skips_schemas_and_runs_everything_else() {
    let cache = tempfile::tempdir().unwrap();
    let out = fluxval(&[
        "validate",
        "examples/d1-apps",
        "--offline",
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("note[schema/skipped]"), "{stdout}");
    // Builds still ran: a broken kustomization is still an error offline.
    let repo = broken_example(|d| {
        replace(
            &d.join("components/web/staging/kustomization.yaml"),
            "../base",
            "../nowhere",
        )
    });
    let out = fluxval(&[
        "validate",
        repo.path().to_str().unwrap(),
        "--offline",
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("error[build/error]"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn unreachable_schema_source_is_exit_2_naming_the_url() {
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/schemas/{{{{ .ResourceKind }}}}.json");
    let cache = tempfile::tempdir().unwrap();
    let out = fluxval(&[
        "validate",
        "examples/d1-apps/update",
        "--schema-location",
        &url,
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains(&format!("127.0.0.1:{port}")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn schemas_import_reproduces_the_flux_release_asset() {
    let Some(shared) = common::shared_dir() else {
        println!("SKIP: ../shared not found");
        return;
    };
    let out_dir = tempfile::tempdir().unwrap();
    let crds: PathBuf = shared.join("schemas/flux-crds");
    let out = fluxval(&[
        "schemas",
        "import",
        crds.to_str().unwrap(),
        "--output-dir",
        out_dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for name in [
        "helmrelease-helm-v2.json",
        "kustomization-kustomize-v1.json",
        "ocirepository-source-v1.json",
    ] {
        let ours = std::fs::read(out_dir.path().join(name)).expect(name);
        let theirs = std::fs::read(shared.join("schemas/flux").join(name)).unwrap();
        let a: serde_json::Value = serde_json::from_slice(&ours).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&theirs).unwrap();
        assert_eq!(a, b, "{name} differs from the release asset");
    }
}

#[test]
fn kubeconform_drop_in_summary_and_exit_codes() {
    let Some((k8s, flux)) = shared_locations() else {
        println!("SKIP: ../shared/schemas not found");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(
        &good,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n",
    )
    .unwrap();
    let args = [
        "kubeconform",
        "-strict",
        "-summary",
        "-kubernetes-version",
        "1.35.0",
        "-schema-location",
        &k8s,
        "-schema-location",
        &flux,
    ];
    let mut a: Vec<&str> = args.to_vec();
    a.push(good.to_str().unwrap());
    let out = fluxval(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains(
            "Summary: 1 resource found in 1 file - Valid: 1, Invalid: 0, Errors: 0, Skipped: 0"
        ),
        "{}",
        text(&out.stdout)
    );
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: 1\n",
    )
    .unwrap();
    let mut a: Vec<&str> = args.to_vec();
    a.push(bad.to_str().unwrap());
    let out = fluxval(&a);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("ConfigMap a is invalid"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_file_named_on_the_command_line_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cm.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
    )
    .unwrap();
    let Some(out) = validate_with_shared(file.to_str().unwrap(), &[]) else {
        return;
    };
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("cm.yaml:4:9: error[metadata/name]"),
        "{stdout}"
    );
    assert!(stdout.contains("1 resource"), "{stdout}");
}

/// The drop-in's messages for invalid resources are kubeconform v0.7.0's, word for word.
#[test]
fn kubeconform_drop_in_prints_kubeconform_error_text() {
    let Some((k8s, flux)) = shared_locations() else {
        println!("SKIP: ../shared/schemas not found");
        return;
    };
    let Some(schemas) = common::shared_dir().and_then(|d| d.join("schemas").canonicalize().ok())
    else {
        println!("SKIP: ../shared/schemas not found");
        return;
    };
    let schema_url = |file: &str| {
        format!(
            "file://{}/kubernetes/v1.35.0-standalone-strict/{file}#",
            schemas.display()
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: 1\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: \"2\"\n  \
         unknownField: true\n  selector:\n    matchLabels:\n      app: web\n  template:\n    \
         metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        \
         image: nginx\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = fluxval(&[
        "kubeconform",
        "-strict",
        "-kubernetes-version",
        "1.35.0",
        "-schema-location",
        &k8s,
        "-schema-location",
        &flux,
        path,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!(
                "{path} - ConfigMap cm is invalid: problem validating schema. Check JSON formatting: \
                 jsonschema validation failed with '{}' - at '/data/k': got number, want null or string",
                schema_url("configmap-v1.json")
            ),
            format!(
                "{path} - Deployment web is invalid: problem validating schema. Check JSON formatting: \
                 jsonschema validation failed with '{}' - at '/spec': validation failed   \
                 - at '/spec/replicas': got string, want null or integer   \
                 - at '/spec': additional properties 'unknownField' not allowed",
                schema_url("deployment-apps-v1.json")
            ),
        ],
        "{stdout}"
    );
}
