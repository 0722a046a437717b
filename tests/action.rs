//! The GitHub Action's script (`action/run.sh`, which `action.yml` runs) end to end on a sample
//! repository, with the variables GitHub sets faked: annotations on the changed lines, the
//! Markdown job summary, the SARIF file and the step outputs.
//!
//! The schema cache is seeded with a ConfigMap schema and downloads are made to fail, so the
//! test needs no network (see tests/pre_commit.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{CONFIGMAP_SCHEMA, CONFIGMAP_URL, git, on_path, write};

/// awk has no common `--version` flag (mawk rejects it): ask the shell.
fn has_awk() -> bool {
    Command::new("bash")
        .args(["-c", "command -v awk"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn configmap(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  replicas: {value}\n"
    )
}

struct Run {
    out: Output,
    stdout: String,
    summary: String,
    outputs: String,
    workspace: PathBuf,
}

/// A repository whose `main` already has a finding (`old.yaml:6`), and a branch that adds one
/// (`web.yaml:6`) in the same root; the script runs with `env`.
fn run(env: &[(&str, &str)]) -> Run {
    let d = tempfile::tempdir().unwrap().keep();
    let ws = d.join("ws");
    write(
        &ws,
        "apps/base/kustomization.yaml",
        "resources:\n  - web.yaml\n  - old.yaml\n",
    );
    write(&ws, "apps/base/web.yaml", &configmap("web", "\"1\""));
    write(&ws, "apps/base/old.yaml", &configmap("old", "2"));
    write(
        &ws,
        "apps/staging/kustomization.yaml",
        "namespace: staging\nresources:\n  - ../base\n",
    );
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-q", "-m", "base"]);
    git(&ws, &["checkout", "-q", "-b", "change"]);
    write(&ws, "apps/base/web.yaml", &configmap("web", "1"));
    git(&ws, &["commit", "-q", "-am", "break web"]);
    let cache = d.join("cache");
    write(
        &cache,
        &format!("fluxval/{}", fluxval::schema::cache_key(CONFIGMAP_URL)),
        CONFIGMAP_SCHEMA,
    );
    let summary = d.join("summary.md");
    let outputs = d.join("outputs");
    let runner_temp = d.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("action/run.sh");
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(&d)
        .env("FLUXVAL", env!("CARGO_BIN_EXE_fluxval"))
        .env("GITHUB_WORKSPACE", &ws)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("RUNNER_TEMP", &runner_temp)
        .env("XDG_CACHE_HOME", &cache)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("run bash");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        workspace: ws,
        out,
    }
}

fn annotations(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("::")).collect()
}

macro_rules! need_tools {
    () => {
        if !on_path("git") || !on_path("bash") || !has_awk() {
            println!("SKIP: git, bash or awk not found on PATH");
            return;
        }
    };
}

#[test]
fn a_pull_request_is_annotated_on_its_changed_lines_only() {
    need_tools!();
    let r = run(&[("INPUT_BASE", "main")]);
    let stderr = String::from_utf8_lossy(&r.out.stderr);
    assert_eq!(r.out.status.code(), Some(1), "{}\n{stderr}", r.stdout);
    // The job log has both findings of the affected root...
    assert!(
        r.stdout
            .contains("apps/base/web.yaml:6:13: error[schema/type]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("apps/base/old.yaml:6:13: error[schema/type]"),
        "{}",
        r.stdout
    );
    // ...but only the changed line is annotated.
    let ann = annotations(&r.stdout);
    assert_eq!(ann.len(), 1, "{ann:#?}");
    assert!(
        ann[0].starts_with("::error file=apps/base/web.yaml,line=6,col=13,"),
        "{}",
        ann[0]
    );
    // The job summary and the SARIF file carry both.
    assert!(r.summary.starts_with("## fluxval"), "{}", r.summary);
    assert!(
        r.summary.contains("apps/base/web.yaml:6:13"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("apps/base/old.yaml:6:13"),
        "{}",
        r.summary
    );
    assert!(
        r.outputs.lines().any(|l| l == "sarif-file=fluxval.sarif"),
        "{}",
        r.outputs
    );
    assert!(
        r.outputs.lines().any(|l| l == "exit-code=1"),
        "{}",
        r.outputs
    );
    let sarif = std::fs::read_to_string(r.workspace.join("fluxval.sarif")).unwrap();
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif:#}");
}

#[test]
fn without_a_base_everything_is_validated_and_annotated() {
    need_tools!();
    let r = run(&[("INPUT_SARIF_FILE", "out/report.sarif")]);
    assert_eq!(
        r.out.status.code(),
        Some(2),
        "a missing directory cannot be written to"
    );
    let r = run(&[("INPUT_ARGS", "--kubernetes-version master")]);
    assert_eq!(r.out.status.code(), Some(1), "{}", r.stdout);
    let ann = annotations(&r.stdout);
    assert_eq!(ann.len(), 2, "{ann:#?}");
    assert!(r.outputs.contains("exit-code=1"));
}

#[test]
fn a_clean_change_passes_with_an_empty_annotation_set() {
    need_tools!();
    // The change touches nothing fluxval reads: nothing is validated, nothing annotated.
    let r = run(&[("INPUT_BASE", "HEAD"), ("INPUT_ANNOTATE", "changed")]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stdout);
    assert!(annotations(&r.stdout).is_empty(), "{}", r.stdout);
    assert!(r.summary.contains("No findings"), "{}", r.summary);
    assert!(r.outputs.contains("exit-code=0"));
}

#[test]
fn bad_inputs_stop_with_a_clear_error() {
    need_tools!();
    let r = run(&[("INPUT_TENANT", "yes")]);
    assert_eq!(r.out.status.code(), Some(2));
    assert!(
        r.stdout.contains("tenant must be true or false"),
        "{}",
        r.stdout
    );
}

#[test]
fn action_yml_passes_every_input_the_script_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let script = std::fs::read_to_string(root.join("action/run.sh")).unwrap();
    let used: std::collections::BTreeSet<&str> = regex::Regex::new(r"\bINPUT_[A-Z_]+")
        .unwrap()
        .find_iter(&script)
        .map(|m| m.as_str())
        .collect();
    assert!(used.len() >= 9, "{used:?}");
    for var in used {
        let input = var
            .trim_start_matches("INPUT_")
            .to_lowercase()
            .replace('_', "-");
        assert!(
            action.contains(&format!("{var}: ${{{{ inputs.{input} }}}}")),
            "action.yml does not pass {var} from inputs.{input}"
        );
        assert!(
            action.contains(&format!("\n  {input}:\n")),
            "action.yml does not declare the input {input}"
        );
    }
    for output in ["sarif-file", "exit-code"] {
        assert!(
            script.contains(&format!("echo \"{output}="))
                || script.contains(&format!("echo {output}=")),
            "{output}"
        );
        assert!(
            action.contains(&format!("steps.run.outputs.{output}")),
            "{output}"
        );
    }
}
