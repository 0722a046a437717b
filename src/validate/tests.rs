use std::sync::Arc;

use super::*;
use crate::schema::{LocalSource, RegistryOptions};
use crate::yaml::{Limits, Profile, parse_str};

/// A registry whose only location is a directory with a Widget schema that has a CEL rule.
fn setup() -> (tempfile::TempDir, Registry) {
    let tmp = tempfile::tempdir().unwrap();
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "properties": {
                    "size": {"type": "integer"},
                    "mode": {"type": "string", "enum": ["a", "b"]},
                    "a": {"type": "string"}, "b": {"type": "string"},
                    "ports": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["port", "protocol"],
                        "items": {"type": "object", "properties": {
                            "port": {"type": "integer"}, "protocol": {"type": "string"}
                        }}
                    },
                    "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}
                },
                "required": ["size"],
                "additionalProperties": false,
                "x-kubernetes-validations": [{"rule": "has(self.a) || has(self.b)", "message": "a or b"}]
            }
        }
    });
    std::fs::write(
        tmp.path().join("widget-example-v1.json"),
        serde_json::to_vec(&schema).unwrap(),
    )
    .unwrap();
    let loc = format!(
        "{}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
        tmp.path().display()
    );
    let reg = Registry::new(
        RegistryOptions {
            locations: vec![loc],
            ..Default::default()
        },
        Arc::new(LocalSource),
    )
    .unwrap();
    (tmp, reg)
}

fn check(text: &str, opts: &ValidateOptions) -> Vec<String> {
    let (_tmp, reg) = setup();
    let doc = parse_str(text, "w.yaml", Profile::Kubernetes, Limits::default())
        .unwrap()
        .remove(0);
    let res = Resource::new(doc, crate::yaml::Span::new("w.yaml".into(), 1, 1));
    let mut out: Vec<String> = validate_resource(&res, Some("root"), &reg, opts)
        .unwrap()
        .into_iter()
        .map(|d| {
            assert_eq!(d.roots, vec!["root".to_string()]);
            format!(
                "{} {} {}",
                d.span.map(|s| s.to_string()).unwrap_or_default(),
                d.severity,
                d.rule
            )
        })
        .collect();
    out.sort();
    out
}

const HEAD: &str = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";

#[test]
fn each_kind_of_error_at_its_place() {
    let text =
        format!("{HEAD}  lables: {{}}\nspecs: 1\nspec:\n  size: \"3\"\n  mode: c\n  extra: 1\n");
    assert_eq!(
        check(&text, &ValidateOptions::default()),
        vec![
            "w.yaml:10:3 error schema/unknown-field",
            "w.yaml:5:3 error schema/unknown-field",
            "w.yaml:6:1 error schema/unknown-field",
            "w.yaml:7:1 error schema/cel",
            "w.yaml:8:9 error schema/type",
            "w.yaml:9:9 error schema/enum",
        ]
    );
    // Not strict: the open root and metadata are left alone, as kubeconform leaves them.
    let loose = ValidateOptions {
        strict: false,
        skip_cel: true,
        ..Default::default()
    };
    assert_eq!(
        check(&text, &loose),
        vec![
            "w.yaml:10:3 error schema/unknown-field",
            "w.yaml:8:9 error schema/type",
            "w.yaml:9:9 error schema/enum",
        ]
    );
}

#[test]
fn schema_only_checks_what_kubeconform_checks() {
    let text = format!(
        "{HEAD}  labels: {{\"bad key\": x}}\n  lables: {{}}\nspecs: 1\nspec:\n  size: \"3\"\n"
    );
    let opts = ValidateOptions {
        schema_only: true,
        ..Default::default()
    };
    assert_eq!(check(&text, &opts), vec!["w.yaml:9:9 error schema/type"]);
}

#[test]
fn skip_reject_and_missing_schemas() {
    let text = format!("{HEAD}spec: {{size: 1, a: x}}\n");
    assert_eq!(
        check(&text, &ValidateOptions::default()),
        Vec::<String>::new()
    );
    let skip = ValidateOptions {
        skip: vec!["example.com/v1/Widget".into()],
        ..Default::default()
    };
    assert_eq!(
        check(&format!("{HEAD}bad: 1\n"), &skip),
        Vec::<String>::new()
    );
    let reject = ValidateOptions {
        reject: vec!["Widget".into()],
        ..Default::default()
    };
    assert_eq!(
        check(&text, &reject),
        vec!["w.yaml:2:7 error schema/rejected"]
    );
    let other = "apiVersion: example.com/v2\nkind: Widget\nmetadata: {name: w}\n";
    assert_eq!(
        check(other, &ValidateOptions::default()),
        vec!["w.yaml:2:7 warning schema/missing"]
    );
    let req = ValidateOptions {
        require_schemas: true,
        ..Default::default()
    };
    assert_eq!(check(other, &req), vec!["w.yaml:2:7 error schema/missing"]);
}

#[test]
fn sops_documents_and_skipped_paths() {
    let text = format!(
        "{HEAD}spec:\n  size: ENC[AES256_GCM,data:Zm9v,type:int]\n  a: x\nsops:\n  version: 3.8.1\n"
    );
    assert_eq!(
        check(&text, &ValidateOptions::default()),
        Vec::<String>::new()
    );
    let text = format!("{HEAD}spec:\n  size: 1\n  a: x\n  extra: {{deep: 1}}\n");
    assert_eq!(
        check(&text, &ValidateOptions::default()),
        vec!["w.yaml:8:3 error schema/unknown-field"]
    );
    let opts = ValidateOptions {
        skip_json_paths: vec!["Widget:/spec/extra".into()],
        ..Default::default()
    };
    assert_eq!(check(&text, &opts), Vec::<String>::new());
    let opts = ValidateOptions {
        skip_json_paths: vec!["Gadget:/spec/extra".into()],
        ..Default::default()
    };
    assert_eq!(check(&text, &opts).len(), 1);
    let opts = ValidateOptions {
        skip_json_paths: vec!["/spec/*".into()],
        ..Default::default()
    };
    // Everything under spec removed: size is now missing.
    assert_eq!(
        check(&text, &opts),
        vec![
            "w.yaml:5:1 error schema/cel",
            "w.yaml:5:1 error schema/required"
        ]
    );
}

#[test]
fn metadata_rules() {
    let text = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: Bad_Name\n  namespace: ${ns}\n  labels:\n    ok: \"\"\n    bad key: x\n    v: -x\n  annotations:\n    \"a/b/c\": x\nspec: {size: 1, a: x}\n";
    assert_eq!(
        check(text, &ValidateOptions::default()),
        vec![
            "w.yaml:11:5 error metadata/annotation",
            "w.yaml:4:9 error metadata/name",
            "w.yaml:8:5 error metadata/label",
            "w.yaml:9:8 error metadata/label",
        ]
    );
}

#[test]
fn parallel_validation_gives_the_sequential_findings() {
    let (_tmp, reg) = setup();
    let texts = [
        format!("{HEAD}spec: {{size: x}}\n"),
        format!("{HEAD}spec: {{size: 1, a: x}}\n"),
        format!("{HEAD}spec: {{mode: z, b: y}}\n"),
    ];
    let resources: Vec<Resource> = texts
        .iter()
        .map(|t| {
            let doc = parse_str(t, "w.yaml", Profile::Kubernetes, Limits::default())
                .unwrap()
                .remove(0);
            Resource::new(doc, crate::yaml::Span::new("w.yaml".into(), 1, 1))
        })
        .collect();
    let opts = ValidateOptions::default();
    let seq: Vec<Diagnostic> = resources
        .iter()
        .flat_map(|r| validate_resource(r, None, &reg, &opts).unwrap())
        .collect();
    // `b: y` is a YAML 1.1 boolean to the API server: a type error.
    assert_eq!(seq.len(), 5, "{seq:#?}");
    assert_eq!(validate_all(&resources, None, &reg, &opts).unwrap(), seq);
}

#[test]
fn list_map_and_set_duplicates() {
    let text = format!(
        "{HEAD}spec:\n  size: 1\n  a: x\n  ports:\n  - port: 80\n  - port: 80\n    protocol: UDP\n  - port: 80\n  tags: [a, b, a]\n"
    );
    assert_eq!(
        check(&text, &ValidateOptions::default()),
        vec![
            "w.yaml:12:5 error schema/value",
            "w.yaml:13:16 error schema/value"
        ]
    );
}

#[test]
fn unknown_fields_suggest_the_intended_name() {
    let (_tmp, reg) = setup();
    let text = format!(
        "{HEAD}  lables: {{}}\nspec:\n  size: 1\n  a: x\n  mdoe: a\n  colour: red\n  mode: B\n"
    );
    let doc = parse_str(&text, "w.yaml", Profile::Kubernetes, Limits::default())
        .unwrap()
        .remove(0);
    let res = Resource::new(doc, crate::yaml::Span::new("w.yaml".into(), 1, 1));
    let msgs: Vec<String> = validate_resource(&res, None, &reg, &ValidateOptions::default())
        .unwrap()
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert_eq!(
        msgs,
        vec![
            "spec.mode: \"B\" is not one of \"a\" or \"b\" (did you mean \"b\"?)",
            "unknown field \"mdoe\" in spec (did you mean \"mode\"?)",
            "unknown field \"colour\" in spec",
            "unknown field \"lables\" in metadata (did you mean \"labels\"?)",
        ]
    );
}
