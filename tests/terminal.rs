//! Terminal behaviour of `fluxval`: colour only when asked or on a terminal (never with
//! NO_COLOR), `--quiet`, the closing summary line, shell completions and the manual page.

use std::process::{Command, Output};

fn fluxval(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxval"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("run fluxval")
}

/// A repository with one broken manifest, validated offline with an empty cache.
fn broken_repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::write(
        d.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [\n",
    )
    .unwrap();
    d
}

fn validate(dir: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> String {
    let cache = dir.join(".git/cache");
    let mut args = vec![
        "validate",
        "--offline",
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.push(dir.to_str().unwrap());
    let out = fluxval(&args, env);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_text_report_ends_with_the_summary_line_unless_quiet() {
    let d = broken_repo();
    let out = validate(d.path(), &[], &[]);
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("fluxval: 1 error, 0 warnings, 0 notes; 0 resources validated from 0 kustomize roots and 1 plain file in "),
        "{out}"
    );
    let quiet = validate(d.path(), &["--quiet"], &[]);
    assert!(!quiet.contains("fluxval:"), "{quiet}");
    assert!(
        quiet.contains("cm.yaml:6:1: error[yaml/invalid]"),
        "the finding is still printed: {quiet}"
    );
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let d = broken_repo();
    // Not a terminal: no colour.
    assert!(!validate(d.path(), &[], &[]).contains('\x1b'));
    assert!(validate(d.path(), &["--color", "always"], &[]).contains('\x1b'));
    assert!(!validate(d.path(), &["--color", "never"], &[]).contains('\x1b'));
    assert!(!validate(d.path(), &[], &[("NO_COLOR", "1")]).contains('\x1b'));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef fluxval"),
        ("fish", "complete -c fluxval"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = fluxval(&["completions", shell], &[]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}: no {marker:?}");
        assert!(
            text.contains("changed-since"),
            "{shell} completes validate's flags"
        );
    }
    let out = fluxval(&["completions", "tcsh"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_manual_page_documents_the_subcommands_and_their_flags() {
    let out = fluxval(&["man"], &[]);
    assert!(out.status.success(), "{out:?}");
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH fluxval"),
        "{page}"
    );
    assert!(page.contains(".SH \"FLUXVAL VALIDATE\""), "{page}");
    assert!(
        page.contains("changed\\-since"),
        "validate's flags are listed"
    );
}

#[test]
fn a_report_flag_needs_a_known_format_and_a_file() {
    for bad in ["sarif", "xml=out.xml", "sarif="] {
        let out = fluxval(&["validate", "--report", bad, "."], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
    }
}
