use super::*;

fn m(name: &str) -> Option<String> {
    (name == "A").then(|| "x".to_string())
}

#[test]
fn expansion_rules() {
    assert_eq!(expand("a$(A)b$(B)", &m), "ax".to_string() + "b$(B)");
    assert_eq!(expand("$$(A)", &m), "$(A)");
    assert_eq!(expand("$(A", &m), "$(A");
    assert_eq!(expand("cost $5", &m), "cost $5");
    assert_eq!(expand("end$", &m), "end$");
}

fn docs(text: &str, file: &str) -> Vec<Node> {
    crate::yaml::parse_str(
        text,
        file,
        crate::yaml::Profile::Kustomize,
        crate::yaml::Limits::default(),
    )
    .unwrap()
}

const RES: &str = "apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  ports:
  - port: 5432
---
apiVersion: example.com/v1
kind: App
metadata:
  name: app
spec:
  dsn: postgres://$(DB_HOST):$(DB_PORT)/x
  port: $(DB_PORT)
";

const VARS: &str = "- name: DB_HOST
  objref: {kind: Service, name: db, apiVersion: v1}
- name: DB_PORT
  objref: {kind: Service, name: db, apiVersion: v1}
  fieldref: {fieldPath: 'spec.ports[0].port'}
";

#[test]
fn extra_field_specs_reach_custom_resources() {
    let mut res = crate::kustomize::resources::parse_resources(RES.as_bytes(), "res.yaml").unwrap();
    let vars = parse_vars(docs(VARS, "k.yaml")[0].as_seq().unwrap(), "k.yaml").unwrap();
    let spec = |path: &str| VarRefSpec {
        group: String::new(),
        version: String::new(),
        kind: "App".into(),
        path: path.into(),
    };
    resolve_vars(&mut res, &vars, &[]).unwrap();
    assert_eq!(res[1].node.str_at(&["spec", "port"]), Some("$(DB_PORT)"));
    resolve_vars(&mut res, &vars, &[spec("spec/dsn"), spec("spec/port")]).unwrap();
    assert_eq!(
        res[1].node.str_at(&["spec", "dsn"]),
        Some("postgres://db:5432/x")
    );
    // A field that is exactly one var takes its value, type and origin.
    let port = res[1].node.get_path(&["spec", "port"]).unwrap();
    assert_eq!(port.value, Value::Int(5432));
    assert_eq!(port.span.as_ref().map(|s| s.line), Some(7));
}

#[test]
fn duplicate_names_point_at_the_second() {
    let text = format!("{VARS}- name: DB_HOST\n  objref: {{kind: Service, name: db}}\n");
    let e = parse_vars(docs(&text, "k.yaml")[0].as_seq().unwrap(), "k.yaml").unwrap_err();
    assert_eq!(e.message, "var 'DB_HOST' already encountered");
    assert_eq!(e.span.line, 6);
}

#[test]
fn var_paths_split_indexes() {
    assert_eq!(
        var_path("spec.ports[0].port"),
        vec!["spec", "ports", "0", "port"]
    );
}
