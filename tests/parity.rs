//! Build parity: `fluxval build` must print exactly what `kubectl kustomize` (kustomize v5.5.0)
//! prints, for every kustomize root of the shared corpus and of our own fixtures, and must fail
//! where kustomize fails.

mod common;

use std::path::Path;

use common::*;

/// Compares every root under `repo` (each built with `repo` as the repository root).
fn compare_all(repo: &Path, restrictor: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for root in kustomize_roots(repo) {
        let want = kubectl_build(&root, restrictor);
        let got = fluxval_build(&root, repo, restrictor);
        match (&want, &got) {
            (Ok(w), Ok(g)) if w == g => {}
            (Err(_), Err(_)) => {}
            (Ok(w), Ok(g)) => failures.push(format!(
                "{}: output differs at {}",
                root.display(),
                first_difference(w, g)
            )),
            (Ok(_), Err(e)) => failures.push(format!(
                "{}: kubectl built it, fluxval failed: {e}",
                root.display()
            )),
            (Err(e), Ok(_)) => failures.push(format!(
                "{}: kubectl failed, fluxval built it; kubectl said: {e}",
                root.display()
            )),
        }
    }
    failures
}

#[test]
fn corpus_builds_byte_identical() {
    if !have_kubectl() {
        println!("SKIP: kubectl not found; build parity not checked");
        return;
    }
    let Some(shared) = shared_dir() else {
        println!("SKIP: ../shared not found; corpus parity not checked");
        return;
    };
    let corpus = shared.join("corpus");
    let mut roots = 0;
    let mut failures = Vec::new();
    for repo in std::fs::read_dir(&corpus).expect("corpus").flatten() {
        if repo.path().is_dir() {
            roots += kustomize_roots(&repo.path()).len();
            failures.extend(compare_all(&repo.path(), "LoadRestrictionsNone"));
        }
    }
    assert!(
        roots >= 43,
        "expected at least 43 corpus roots, found {roots}"
    );
    assert!(
        failures.is_empty(),
        "{} of {roots} roots differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixtures_build_byte_identical() {
    if !have_kubectl() {
        println!("SKIP: kubectl not found; build parity not checked");
        return;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build");
    let mut failures = Vec::new();
    let mut cases = 0;
    let located = regex::Regex::new(r"^\S+:\d+:\d+: error: \S").expect("regex");
    for case in std::fs::read_dir(&fixtures).expect("fixtures").flatten() {
        let repo = case.path();
        if !repo.is_dir() {
            continue;
        }
        cases += 1;
        // An error case must fail at its top kustomization (or, without one, at each of its
        // roots) with a message located at file:line:col.
        if case.file_name().to_string_lossy().starts_with("error-") {
            let roots = kustomize_roots(&repo);
            let tops: Vec<_> = if roots.contains(&repo) {
                vec![repo.clone()]
            } else {
                roots
            };
            for top in tops {
                match fluxval_build(&top, &repo, "LoadRestrictionsNone") {
                    Ok(_) => failures.push(format!("{}: built, but should fail", top.display())),
                    Err(e) if !located.is_match(&e) => failures.push(format!(
                        "{}: error without file:line:col: {e}",
                        top.display()
                    )),
                    Err(_) => {}
                }
            }
        }
        let restrictor = if repo.join(".root-only").exists() {
            "LoadRestrictionsRootOnly"
        } else {
            "LoadRestrictionsNone"
        };
        failures.extend(compare_all(&repo, restrictor));
    }
    assert!(cases > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
