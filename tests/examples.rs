//! The example repositories in `examples/`: the README's clean run and broken run, through the
//! binary with the shared schemas.

mod common;

use std::process::Command;

fn validate(example: &str) -> (i32, String) {
    let shared = common::shared_dir()
        .expect("checked by the caller")
        .canonicalize()
        .expect("shared dir");
    let s = shared.join("schemas");
    let t = "{{ .ResourceKind }}{{ .KindSuffix }}.json";
    let out = Command::new(env!("CARGO_BIN_EXE_fluxval"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", "--offline", "--no-config", "--color", "never"])
        .args(["--kubernetes-version", "1.35.0", "--schema-location"])
        .arg(format!(
            "{}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/{t}",
            s.display()
        ))
        .arg("--schema-location")
        .arg(format!("{}/flux/{t}", s.display()))
        .arg(format!("examples/{example}"))
        .output()
        .expect("fluxval runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_clean_example_has_no_finding() {
    if common::shared_dir().is_none() {
        println!("SKIP: ../shared not found (set FLUXVAL_SHARED)");
        return;
    }
    let (code, out) = validate("d1-apps");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn the_broken_example_reports_each_planted_defect_where_it_was_written() {
    if common::shared_dir().is_none() {
        println!("SKIP: ../shared not found (set FLUXVAL_SHARED)");
        return;
    }
    let (code, out) = validate("d1-broken");
    assert_eq!(code, 1, "{out}");
    for want in [
        "examples/d1-broken/components/cache/staging/redis-values.yaml:1:13: error[api/removed]",
        "examples/d1-broken/components/web/base/release.yaml:11:26: error[marker/unknown-policy]",
        "examples/d1-broken/components/web/base/release.yaml:14:15: error[ref/missing]",
        "examples/d1-broken/components/web/staging/web-values.yaml:6:13: error[schema/pattern]",
        "examples/d1-broken/update/web.yaml:17:16: error[regex/invalid]",
        "examples/d1-broken/update/web.yaml:21:14: error[source/semver]",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(out.contains("fluxval: 7 errors, 0 warnings"), "{out}");
}
