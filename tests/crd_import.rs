//! CRD conversion matches openapi2jsonschema byte for byte: the Flux CRDs in the shared data
//! convert to exactly the files of the Flux schema asset made from them.

use std::path::{Path, PathBuf};

use fluxval::schema::crd::{crd_file_name, crd_schemas, to_schema_file};
use fluxval::yaml::{Limits, Profile, parse_file};

fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    p.join("schemas/flux-crds").is_dir().then_some(p)
}

#[test]
fn flux_crds_convert_to_the_release_asset_files() {
    let Some(shared) = shared() else {
        println!("SKIP: shared schemas not found (set FLUXVAL_SHARED)");
        return;
    };
    let dir = shared.join("schemas/flux-crds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut compared = 0;
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let docs = parse_file(
            &bytes,
            &f.display().to_string(),
            Profile::Kubernetes,
            Limits::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for doc in docs.iter().filter(|d| !d.is_null()) {
            for (gvk, schema) in crd_schemas(doc).unwrap() {
                let name = crd_file_name(&gvk);
                let want = std::fs::read_to_string(shared.join("schemas/flux").join(&name))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let got = to_schema_file(&schema);
                if got != want {
                    let at = got
                        .bytes()
                        .zip(want.bytes())
                        .position(|(a, b)| a != b)
                        .unwrap_or(0);
                    panic!(
                        "{name} differs at byte {at}:\n got: {}\nwant: {}",
                        &got[at.saturating_sub(80)..(at + 80).min(got.len())],
                        &want[at.saturating_sub(80)..(at + 80).min(want.len())]
                    );
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 15, "one schema per Flux kind");
}

#[test]
fn flux_crds_validate_against_the_crd_schema() {
    use std::sync::Arc;

    use fluxval::diagnostic::Severity;
    use fluxval::schema::{LocalSource, Registry, RegistryOptions};
    use fluxval::validate::{ValidateOptions, read_documents, validate_resource};

    let Some(shared) = shared() else {
        println!("SKIP: shared schemas not found (set FLUXVAL_SHARED)");
        return;
    };
    let extra = shared.join("schemas/kubernetes/extra");
    let reg = Registry::new(
        RegistryOptions {
            locations: vec![format!(
                "{}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
                extra.display()
            )],
            ..RegistryOptions::default()
        },
        Arc::new(LocalSource),
    )
    .unwrap();
    let dir = shared.join("schemas/flux-crds");
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let f = e.unwrap().path();
        let bytes = std::fs::read(&f).unwrap();
        for r in read_documents(&bytes, &f.display().to_string()) {
            let r = r.unwrap_or_else(|d| panic!("{}", d.message));
            let diags = validate_resource(&r, None, &reg, &ValidateOptions::default()).unwrap();
            let errors: Vec<String> = diags
                .iter()
                .filter(|d| d.severity != Severity::Note)
                .map(|d| format!("{:?}: {} {}", d.span, d.rule, d.message))
                .collect();
            assert!(errors.is_empty(), "{}", errors.join("\n"));
            checked += 1;
        }
    }
    assert_eq!(checked, 15);
    // And a broken one is caught: a version whose `served` is a string.
    let broken = std::fs::read_to_string(dir.join("helm.toolkit.fluxcd.io_helmreleases.yaml"))
        .unwrap()
        .replacen("served: true", "served: \"yes\"", 1);
    let r = read_documents(broken.as_bytes(), "hr-crd.yaml")
        .remove(0)
        .unwrap();
    let diags = validate_resource(&r, None, &reg, &ValidateOptions::default()).unwrap();
    assert_eq!(
        diags.iter().map(|d| d.rule.as_str()).collect::<Vec<_>>(),
        vec!["schema/type"],
        "{diags:#?}"
    );
}
