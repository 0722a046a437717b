//! Hand-written broken fixtures: every finding has the right rule at the exact file:line:col.
//!
//! Each fixture line that should carry findings ends with `# expect: RULE@COL …`; the test
//! collects these markers and compares them with what validation reports, both ways.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fluxval::kustomize::{BuildOptions, build};
use fluxval::resource::Resource;
use fluxval::schema::Registry;
use fluxval::validate::{ValidateOptions, read_documents, validate_resource};

fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    p.join("schemas/flux").is_dir().then_some(p)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

/// `file:line:col rule` for every marker in the files under `dir`.
fn expected(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let rel = p.strip_prefix(fixtures()).unwrap().display().to_string();
            for (i, line) in text.lines().enumerate() {
                let Some((_, marks)) = line.split_once("# expect: ") else {
                    continue;
                };
                for m in marks.split_whitespace() {
                    let (rule, col) = m.split_once('@').expect("RULE@COL");
                    out.insert(format!("{rel}:{}:{col} {rule}", i + 1));
                }
            }
        }
    }
    out
}

fn actual(resources: &[Resource], root: Option<&str>, reg: &Registry) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in resources {
        for d in validate_resource(r, root, reg, &ValidateOptions::default()).unwrap() {
            out.insert(show(&d));
        }
    }
    out
}

fn show(d: &fluxval::diagnostic::Diagnostic) -> String {
    let s = d.span.as_ref().expect("every finding has a place");
    let file = Path::new(&*s.file);
    let rel = file
        .strip_prefix(fixtures())
        .unwrap_or(file)
        .display()
        .to_string();
    format!("{rel}:{}:{} {}", s.line, s.col, d.rule)
}

#[test]
fn plain_files_report_each_error_at_its_place() {
    let Some(shared) = shared() else {
        println!("SKIP: shared schemas not found (set FLUXVAL_SHARED)");
        return;
    };
    let reg = common::local_registry(&shared, false);
    let dir = fixtures().join("plain");
    let mut got = BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        let mut resources = Vec::new();
        for r in read_documents(&bytes, &p.display().to_string()) {
            match r {
                Ok(r) => resources.push(r),
                Err(d) => {
                    got.insert(show(&d));
                }
            }
        }
        got.extend(actual(&resources, None, &reg));
    }
    let want = expected(&dir);
    assert_eq!(
        got.iter().collect::<Vec<_>>(),
        want.iter().collect::<Vec<_>>(),
        "\nmissing: {:#?}\nunexpected: {:#?}",
        want.difference(&got).collect::<Vec<_>>(),
        got.difference(&want).collect::<Vec<_>>()
    );
}

#[test]
fn errors_set_by_overlay_patches_are_reported_in_the_patch() {
    let Some(shared) = shared() else {
        println!("SKIP: shared schemas not found (set FLUXVAL_SHARED)");
        return;
    };
    let reg = common::local_registry(&shared, false);
    let repo = fixtures().join("overlay");
    let b = build(&repo.join("prod"), &repo, &BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let got = actual(&b.resources, Some("prod"), &reg);
    let want = expected(&repo);
    assert_eq!(
        got.iter().collect::<Vec<_>>(),
        want.iter().collect::<Vec<_>>(),
        "\nmissing: {:#?}\nunexpected: {:#?}",
        want.difference(&got).collect::<Vec<_>>(),
        got.difference(&want).collect::<Vec<_>>()
    );
    // The base alone is valid: the findings come from the overlay.
    let base = build(&repo.join("base"), &repo, &BuildOptions::default()).unwrap();
    assert!(actual(&base.resources, Some("base"), &reg).is_empty());
}

#[test]
fn a_base_error_seen_by_two_overlays_is_reported_once() {
    let Some(shared) = shared() else {
        println!("SKIP: shared schemas not found (set FLUXVAL_SHARED)");
        return;
    };
    let reg = common::local_registry(&shared, false);
    let repo = fixtures().join("two-overlays");
    let mut diags = Vec::new();
    for overlay in ["staging", "production"] {
        let b = build(&repo.join(overlay), &repo, &BuildOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        for r in &b.resources {
            diags.extend(
                validate_resource(r, Some(overlay), &reg, &ValidateOptions::default()).unwrap(),
            );
        }
    }
    assert_eq!(diags.len(), 2);
    let diags = fluxval::diagnostic::dedupe(diags);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(
        diags[0].roots,
        vec!["production".to_string(), "staging".to_string()]
    );
    let got: BTreeSet<String> = diags.iter().map(show).collect();
    assert_eq!(got, expected(&repo));
}
