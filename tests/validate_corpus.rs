//! The whole shared corpus validates against the real schemas with no error-level finding.

mod common;

use std::path::{Path, PathBuf};

use fluxval::diagnostic::{Diagnostic, Severity};
use fluxval::kustomize::{BuildOptions, build_all};
use fluxval::repo::discover;
use fluxval::resource::Resource;
use fluxval::validate::{ValidateOptions, add_crds, read_documents, validate_resource};

/// `$FLUXVAL_SHARED`, else `<manifest>/../shared`, when it holds what the test needs.
fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    (p.join("schemas/flux").is_dir() && p.join("corpus").is_dir()).then_some(p)
}

/// Every resource of every root (and plain file) of one repository, with its root.
fn resources(repo_dir: &Path) -> Vec<(Resource, Option<String>)> {
    let repo = discover(repo_dir, repo_dir).unwrap_or_else(|e| panic!("{e}"));
    // Every root that kustomize can build on its own (components cannot), not only the
    // top-level ones: a base must validate by itself too.
    let dirs: Vec<PathBuf> = repo
        .kustomize_roots
        .iter()
        .filter(|r| !r.is_component)
        .map(|r| r.dir.clone())
        .collect();
    let builds =
        build_all(&dirs, repo_dir, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for (dir, b) in dirs.iter().zip(builds) {
        let b = b.unwrap_or_else(|e| panic!("build {}: {e}", dir.display()));
        let root = repo.relative(dir).display().to_string();
        out.extend(b.resources.into_iter().map(|r| (r, Some(root.clone()))));
    }
    for f in &repo.plain_yaml {
        let bytes = std::fs::read(repo_dir.join(f)).unwrap_or_else(|e| panic!("{e}"));
        for r in read_documents(&bytes, &f.display().to_string()) {
            out.push((
                r.unwrap_or_else(|d| panic!("{}: {}", f.display(), d.message)),
                None,
            ));
        }
    }
    out
}

fn show(d: &Diagnostic) -> String {
    format!(
        "{}: {}[{}]: {} ({:?})",
        d.span.as_ref().map(|s| s.to_string()).unwrap_or_default(),
        d.severity,
        d.rule,
        d.message,
        d.roots
    )
}

#[test]
fn corpus_has_no_schema_errors() {
    let Some(shared) = shared() else {
        println!("SKIP: shared schemas and corpus not found (set FLUXVAL_SHARED)");
        return;
    };
    let opts = ValidateOptions::default();
    let mut errors = Vec::new();
    let mut total = 0;
    let mut found_schema = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(shared.join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for repo_dir in entries {
        let reg = common::local_registry(&shared, true);
        let rs = resources(&repo_dir);
        errors.extend(add_crds(&reg, rs.iter().map(|(r, _)| r)).iter().map(show));
        for (r, root) in &rs {
            total += 1;
            let diags = validate_resource(r, root.as_deref(), &reg, &opts).expect("schema source");
            if !diags.iter().any(|d| d.rule == "schema/missing") {
                found_schema += 1;
            }
            for d in diags {
                if d.severity == Severity::Error {
                    errors.push(format!("{}: {}", repo_dir.display(), show(&d)));
                } else {
                    println!("{}", show(&d));
                }
            }
        }
    }
    println!("{total} resources, {found_schema} with a schema");
    assert!(total > 100, "only {total} resources built from the corpus");
    assert!(
        found_schema * 2 > total,
        "most resources should have a schema"
    );
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
