use std::path::Path;

use super::*;
use crate::schema::LocalSource;
use crate::yaml::{Limits, Profile, parse_str};

fn gvk(av: &str, kind: &str) -> Gvk {
    Gvk::from_api_version(av, kind)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn registry(locations: Vec<String>, source: Arc<dyn SchemaSource>) -> Registry {
    Registry::new(
        RegistryOptions {
            locations,
            kubernetes_version: "1.35.0".into(),
            strict: true,
            exact_kubeconform: false,
        },
        source,
    )
    .unwrap()
}

#[test]
fn locations_are_tried_in_order_and_missing_or_broken_ones_fall_through() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    // Not JSON in the first location: kubeconform moves on.
    write(&a, "v1.35.0-standalone-strict/configmap-v1.json", "<html>");
    write(
        &b,
        "v1.35.0-standalone-strict/configmap-v1.json",
        r#"{"type": "object"}"#,
    );
    write(
        &b,
        "v1.35.0-standalone-strict/secret-v1.json",
        r#"{"type": "object"}"#,
    );
    let r = registry(
        vec![a.display().to_string(), b.display().to_string()],
        Arc::new(LocalSource),
    );
    match r.lookup(&gvk("v1", "ConfigMap")).unwrap() {
        Lookup::Found(s) => assert!(s.location.starts_with(&b.display().to_string())),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        r.lookup(&gvk("apps/v1", "Deployment")).unwrap(),
        Lookup::NotFound
    ));
    // Each kind compiles once: the same Arc comes back.
    let (Lookup::Found(x), Lookup::Found(y)) = (
        r.lookup(&gvk("v1", "Secret")).unwrap(),
        r.lookup(&gvk("v1", "Secret")).unwrap(),
    ) else {
        panic!("not found")
    };
    assert!(Arc::ptr_eq(&x, &y));
}

struct Offline;
impl SchemaSource for Offline {
    fn get(&self, _: &str) -> Result<Option<Vec<u8>>, SchemaError> {
        Ok(None)
    }
    fn unavailable(&self, location: &str) -> Option<String> {
        location
            .starts_with("https://")
            .then(|| format!("offline and not cached: {location}"))
    }
}

struct Failing;
impl SchemaSource for Failing {
    fn get(&self, location: &str) -> Result<Option<Vec<u8>>, SchemaError> {
        Err(SchemaError::new(location, "HTTP 500"))
    }
}

#[test]
fn offline_is_unavailable_and_source_failures_stop() {
    let r = registry(vec!["default".into()], Arc::new(Offline));
    match r.lookup(&gvk("v1", "Pod")).unwrap() {
        Lookup::Unavailable(why) => assert!(why.contains("v1.35.0-standalone-strict/pod-v1.json")),
        other => panic!("{other:?}"),
    }
    let r = registry(vec!["/x".into()], Arc::new(Failing));
    assert_eq!(r.lookup(&gvk("v1", "Pod")).unwrap_err().message, "HTTP 500");
    assert!(
        Registry::new(
            RegistryOptions {
                locations: vec!["x/{{ .Nope }}.json".into()],
                ..Default::default()
            },
            Arc::new(LocalSource)
        )
        .is_err()
    );
}

/// A stand-in for the gzip reader: the "tarball" is a JSON object of file name to schema.
fn fake_tarball(bytes: &[u8], what: &str) -> Result<BTreeMap<String, Vec<u8>>, SchemaError> {
    let v: BTreeMap<String, Json> =
        serde_json::from_slice(bytes).map_err(|e| SchemaError::new(what, e.to_string()))?;
    Ok(v.into_iter()
        .map(|(k, v)| (k, v.to_string().into_bytes()))
        .collect())
}

#[test]
fn tarball_entries_are_found_by_kubeconform_name() {
    let tmp = tempfile::tempdir().unwrap();
    let tgz = tmp.path().join("schemas.tar.gz");
    std::fs::write(&tgz, r#"{"helmrelease-helm-v2.json": {"type": "object"}}"#).unwrap();
    let loc = tgz.display().to_string();
    let r = registry(vec![loc.clone()], Arc::new(LocalSource));
    assert!(
        r.lookup(&gvk("helm.toolkit.fluxcd.io/v2", "HelmRelease"))
            .is_err(),
        "not a gzip tarball"
    );
    let r = registry(vec![loc], Arc::new(LocalSource)).with_tarball_reader(fake_tarball);
    assert!(matches!(
        r.lookup(&gvk("helm.toolkit.fluxcd.io/v2", "HelmRelease"))
            .unwrap(),
        Lookup::Found(_)
    ));
    assert!(matches!(
        r.lookup(&gvk("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease"))
            .unwrap(),
        Lookup::NotFound
    ));
}

#[test]
fn crds_win_over_locations() {
    let crd = "spec:\n  group: example.com\n  names: {kind: Widget}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec: {type: object, properties: {size: {type: integer}}}\n";
    let doc = parse_str(crd, "crd.yaml", Profile::Kubernetes, Limits::default()).unwrap();
    let r = registry(vec!["/nowhere".into()], Arc::new(LocalSource));
    let w = gvk("example.com/v1", "Widget");
    assert!(matches!(r.lookup(&w).unwrap(), Lookup::NotFound));
    assert_eq!(r.add_crd(&doc[0]).unwrap(), vec![w.clone()]);
    let Lookup::Found(s) = r.lookup(&w).unwrap() else {
        panic!("not found")
    };
    assert!(
        !s.validator()
            .is_valid(&serde_json::json!({"spec": {"size": "x"}}))
    );
    assert!(
        !s.validator()
            .is_valid(&serde_json::json!({"spec": {"sise": 1}}))
    );
}

#[test]
fn drafts_and_formats_as_kubeconform() {
    // No $schema: draft 4, formats asserted.
    let s = Schema::compile(serde_json::json!({"format": "date-time"}), "x").unwrap();
    assert!(!s.validator().is_valid(&serde_json::json!("yesterday")));
    let s = Schema::compile(serde_json::json!({"format": "duration"}), "x").unwrap();
    assert!(s.validator().is_valid(&serde_json::json!("1h30m")));
    assert!(s.validator().is_valid(&serde_json::json!("PT1H30M")));
    assert!(!s.validator().is_valid(&serde_json::json!("1d")));
    // kubeconform's Kubernetes schemas: 2020-12, formats are annotations only.
    let s = Schema::compile(
        serde_json::json!({"$schema": "http://json-schema.org/schema#", "format": "date-time"}),
        "x",
    )
    .unwrap();
    assert!(s.validator().is_valid(&serde_json::json!("yesterday")));
    // RE2-style escapes in patterns compile.
    let s = Schema::compile(
        serde_json::json!({"pattern": r"^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$"}),
        "x",
    )
    .unwrap();
    assert!(s.validator().is_valid(&serde_json::json!("a.b[0]/c")));
}

#[test]
fn go_and_iso_durations() {
    for ok in [
        "0",
        "1h",
        "1.5h",
        "-2m3s",
        "300ms",
        "1us",
        "1µs",
        "P1W",
        "P1Y2M3DT4H5M6S",
        "PT5M",
    ] {
        assert!(valid_duration(ok), "{ok}");
    }
    for bad in [
        "", "1d", "h", "1", ".s", "P", "PT", "P1H", "PT1M1H", "P1DT", "1hh",
    ] {
        assert!(!valid_duration(bad), "{bad}");
    }
}

#[test]
fn registry_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Registry>();
}

#[test]
fn preserved_unknown_fields_and_nullable_are_accepted_as_the_api_server_does() {
    let raw = serde_json::json!({"properties": {"spec": {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
        "properties": {
            "a": {"type": "string", "nullable": true},
            "default": {"type": "string", "pattern": "^\\d$", "default": {"pattern": "\\d"}}
        },
        "additionalProperties": false
    }}});
    let s = Schema::compile(raw.clone(), "x").unwrap();
    // kubeconform's reading: closed, and null is not a string.
    let exact = Schema::compile_exact(raw, "x").unwrap();
    assert!(
        !exact
            .validator()
            .is_valid(&serde_json::json!({"spec": {"b": 1}}))
    );
    assert!(
        !exact
            .validator()
            .is_valid(&serde_json::json!({"spec": {"a": null}}))
    );
    assert!(
        s.validator()
            .is_valid(&serde_json::json!({"spec": {"a": null, "b": 1}}))
    );
    assert!(
        !s.validator()
            .is_valid(&serde_json::json!({"spec": {"a": 1}}))
    );
}

#[test]
fn the_flux_release_tarball_is_read_in_memory() {
    let shared = std::env::var_os("FLUXVAL_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let tgz = shared.join("schemas/flux-crd-schemas.tar.gz");
    if !tgz.is_file() {
        println!("SKIP: {} not found (set FLUXVAL_SHARED)", tgz.display());
        return;
    }
    let r = registry(vec![tgz.display().to_string()], Arc::new(LocalSource));
    let Lookup::Found(s) = r
        .lookup(&gvk("helm.toolkit.fluxcd.io/v2", "HelmRelease"))
        .unwrap()
    else {
        panic!("HelmRelease not in the tarball")
    };
    assert!(s.location.ends_with("#helmrelease-helm-v2.json"));
    assert!(s.cel.is_some(), "the HelmRelease schema carries CEL rules");
    assert!(matches!(
        r.lookup(&gvk("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease"))
            .unwrap(),
        Lookup::NotFound
    ));
}
