//! `.fluxval.yaml` as a user meets it through the binary: settings apply, command-line flags
//! win, and mistakes in the file stop the run (exit 2) at their line.

use std::path::Path;
use std::process::{Command, Output};

fn fluxval(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxval"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run fluxval")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A repository with a ConfigMap carrying an unknown field and a local schema for it, so runs
/// need no network.
fn repo(config: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    write(
        d.path(),
        "schemas/configmap-v1.json",
        r#"{"type": "object", "additionalProperties": false,
            "properties": {"apiVersion": {}, "kind": {}, "metadata": {}, "data": {}}}"#,
    );
    write(
        d.path(),
        "app/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ncolour: blue\n",
    );
    write(d.path(), ".fluxval.yaml", config);
    d
}

const BASE: &str = "\
offline: true
cache-dir: cache
schema-location: schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json
";

#[test]
fn settings_apply_and_command_line_flags_win() {
    let d = repo(&format!(
        "{BASE}output: text\ndisable: [schema/unknown-field]\n"
    ));
    // From the file: text output, the finding disabled.
    let out = fluxval(&["validate"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("fluxval: 0 errors"),
        "{}",
        stdout(&out)
    );
    // --output on the command line wins over `output: text`.
    let out = fluxval(&["validate", "--output", "json"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    assert!(json.is_object());
    // A repeatable option given on the command line replaces the file's list.
    let out = fluxval(&["validate", "--disable", "yaml/invalid"], d.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("app/settings.yaml:5:1: error[schema/unknown-field]"),
        "{}",
        stdout(&out)
    );
    // --no-config ignores the file (the flags it set are given here instead).
    let out = fluxval(
        &[
            "validate",
            "--no-config",
            "--offline",
            "--cache-dir",
            "cache",
            "--schema-location",
            "schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn unknown_keys_and_bad_types_are_errors_at_their_line() {
    let d = repo(&format!("{BASE}tenat: true\n"));
    let out = fluxval(&["validate"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        ".fluxval.yaml:4:1: error: unknown option \"tenat\" (did you mean \"tenant\"?)\n"
    );
    let d = repo("offline: \"yes\"\n");
    let out = fluxval(&["validate"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        ".fluxval.yaml:1:10: error: \"offline\" must be true or false, not the string \"yes\"\n"
    );
    // A broken file is not read with --no-config.
    let out = fluxval(
        &[
            "validate",
            "--no-config",
            "--offline",
            "--cache-dir",
            "c",
            "--schema-location",
            "schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            "--disable",
            "schema/*",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn config_flag_names_the_file_and_its_relative_paths_are_relative_to_it() {
    let d = repo("");
    write(
        d.path(),
        "conf/fluxval.yaml",
        &format!("{BASE}crd: missing-crds.yaml\n"),
    );
    let out = fluxval(&["validate", "--config", "conf/fluxval.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("conf/missing-crds.yaml"),
        "{}",
        stderr(&out)
    );
    let out = fluxval(&["validate", "--config", "nope.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: nope.yaml: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_rule_in_disable_is_a_usage_error_naming_close_ids() {
    let d = repo(BASE);
    let out = fluxval(&["validate", "--disable", "schema/unknwon-field"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "unknown rule \"schema/unknwon-field\" (did you mean \"schema/unknown-field\"?)"
        ),
        "{}",
        stderr(&out)
    );
    // In the file, the same check points at the value.
    let d = repo(&format!("{BASE}disable: schema/unknwon-field\n"));
    let out = fluxval(&["validate"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(".fluxval.yaml:4:10: error: invalid value"),
        "{}",
        stderr(&out)
    );
}
