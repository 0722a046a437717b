//! Parity of `replacements:` and `vars:` with `kubectl kustomize` (kustomize v5.5.0).
//!
//! Each case is a kustomize root without namespace, prefixes or labels, so replacements and vars
//! are the only transformations. Our side parses the resource files, applies our functions, and
//! the result must equal kubectl's output, mappings compared without regard to key order.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use fluxval::error::{Error, Result};
use fluxval::kustomize::kustomization::Kustomization;
use fluxval::kustomize::replacements::{apply_replacements, parse_replacements};
use fluxval::kustomize::resources::parse_resources;
use fluxval::kustomize::vars::{parse_vars, resolve_vars};
use fluxval::resource::Resource;
use fluxval::yaml::{self, Limits, Node, Profile, Value};

fn kubectl_present() -> bool {
    Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// kubectl's output parsed, or its error text.
fn kubectl(dir: &Path) -> std::result::Result<Vec<Node>, String> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(
        yaml::parse_str(&text, "kubectl", Profile::Kustomize, Limits::default())
            .expect("kubectl output parses")
            .into_iter()
            .filter(|d| !d.is_null())
            .collect(),
    )
}

/// Our build of the root: resources, then replacements, then vars.
fn ours(dir: &Path) -> Result<Vec<Node>> {
    let kfile = dir.join("kustomization.yaml");
    let text = std::fs::read_to_string(&kfile).expect("kustomization readable");
    let display = kfile.display().to_string();
    let doc = yaml::parse_str(&text, &display, Profile::Kustomize, Limits::default())?.remove(0);
    let k = Kustomization::from_node(doc, &display)?;
    let mut res: Vec<Resource> = Vec::new();
    for (f, _) in k.string_list("resources")? {
        let path = dir.join(f);
        let bytes = std::fs::read(&path).expect("resource readable");
        res.extend(parse_resources(&bytes, &path.display().to_string())?);
    }
    let mut read = |p: &str, span: &fluxval::yaml::Span| -> Result<(Vec<u8>, Arc<str>)> {
        let path = dir.join(p);
        let bytes =
            std::fs::read(&path).map_err(|e| Error::new(span.clone(), format!("{p}: {e}")))?;
        Ok((bytes, Arc::from(path.display().to_string())))
    };
    let reps = parse_replacements(k.list("replacements")?, &display, &mut read)?;
    apply_replacements(&mut res, &reps)?;
    let vars = parse_vars(k.list("vars")?, &display)?;
    resolve_vars(&mut res, &vars, &[])?;
    Ok(res.into_iter().map(|r| r.node).collect())
}

fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.entries()
                    .iter()
                    .all(|e| y.get(&e.key).is_some_and(|v| same(&e.value, v)))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        // kustomize prints through JSON, so a float with an integral value comes out as an
        // integer: the emitter's business, not a difference in the tree.
        (Value::Int(i), Value::Float(f)) | (Value::Float(f), Value::Int(i)) => *i as f64 == *f,
        (x, y) => x == y,
    }
}

/// A compact rendering for failure messages.
fn json(n: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &n.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::String(format!("int:{i}")),
        Value::Float(f) => J::String(format!("float:{f}")),
        Value::Str(s) => J::String(s.to_string()),
        Value::Seq(items) => J::Array(items.iter().map(json).collect()),
        Value::Map(m) => J::Object(
            m.entries()
                .iter()
                .map(|e| (e.key.to_string(), json(&e.value)))
                .collect(),
        ),
    }
}

fn key(n: &Node) -> (String, String, String) {
    let s = |p: &[&str]| n.str_at(p).unwrap_or_default().to_string();
    (s(&["apiVersion"]), s(&["kind"]), s(&["metadata", "name"]))
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write fixture");
    }
}

/// Builds the root both ways; both must succeed with equal output, or both fail. Returns our
/// error when both failed.
fn check(files: &[(&str, &str)]) -> Option<Error> {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), files);
    let theirs = kubectl(tmp.path());
    let mine = ours(tmp.path());
    match (theirs, mine) {
        (Ok(mut t), Ok(mut m)) => {
            t.sort_by_key(key);
            m.sort_by_key(key);
            assert_eq!(t.len(), m.len(), "resource count differs");
            for (x, y) in t.iter().zip(&m) {
                assert!(
                    same(x, y),
                    "differs from kubectl:\nkubectl: {}\nours:    {}",
                    json(x),
                    json(y)
                );
            }
            None
        }
        (Err(t), Err(e)) => {
            println!("kubectl: {t}\nours: {e}");
            Some(e)
        }
        (Ok(_), Err(e)) => panic!("kubectl succeeded, we failed: {e}"),
        (Err(t), Ok(_)) => panic!("kubectl failed, we succeeded: {t}"),
    }
}

const RES: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  image: registry.example.com/web:2.4.1
  tag: 2.4.1
  port: \"8080\"
  host: web.example.com
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.0
        env:
        - name: PORT
          value: \"80\"
        - name: HOST
          value: localhost
      - name: web-sidecar
        image: envoy:1.0
        args: [\"--port\", \"$(PORT)\"]
      - name: logger
        image: fluentd:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  template:
    spec:
      containers:
      - name: worker
        image: worker:1.0
        command: [\"run\", \"--listen=$(HOST):$(PORT)\", \"$$(NOT)\", \"$(UNKNOWN)\"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
    targetPort: $(PORT)
";

fn skip() -> bool {
    if !kubectl_present() {
        println!("SKIP: kubectl not found");
        return true;
    }
    false
}

#[test]
fn configmap_value_into_env_and_image_tag() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
replacements:
- source: {kind: ConfigMap, name: settings, fieldPath: data.port}
  targets:
  - select: {kind: Deployment, name: web}
    fieldPaths:
    - spec.template.spec.containers.[name=web].env.[name=PORT].value
- source: {kind: ConfigMap, name: settings, fieldPath: data.image, options: {delimiter: ':', index: 1}}
  targets:
  - select: {kind: Deployment, name: web}
    fieldPaths: ['spec.template.spec.containers.[name=web].image']
    options: {delimiter: ':', index: 1}
  - select: {kind: Deployment, name: worker}
    fieldPaths: [spec.template.spec.containers.0.image]
    options: {delimiter: ':', index: -1}
  - select: {kind: Deployment, name: worker}
    fieldPaths: ['spec.template.spec.containers.*.image']
    options: {delimiter: ':', index: 9}
";
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", RES)]).is_none());
}

#[test]
fn select_by_kind_and_reject_by_name() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
replacements:
- source: {kind: ConfigMap, fieldPath: data.tag}
  targets:
  - select: {kind: Deployment}
    reject: [{name: worker}]
    fieldPaths: [spec.template.metadata.labels.app]
  - select: {version: v1}
    reject: [{kind: Service}, {kind: ConfigMap}]
    fieldPaths: [metadata.annotations.version]
    options: {create: true}
  # v5.5.0 compares names exactly, so this pattern selects nothing (and nothing fails).
  - select: {name: 'wor.*'}
    fieldPaths: [spec.missing]
";
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", RES)]).is_none());
}

#[test]
fn create_makes_missing_fields_with_plain_yaml_types() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment, name: worker}
    fieldPaths:
    - spec.replicas
    - spec.template.spec.containers.[name=worker].ports.[containerPort=9000].hostPort
    - metadata.labels.port
    options: {create: true}
- source: {kind: Deployment, name: web, fieldPath: spec.template.metadata.labels}
  targets:
  - select: {kind: Deployment, name: worker}
    fieldPaths: [spec.selector.matchLabels]
    options: {create: true}
";
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", RES)]).is_none());
}

#[test]
fn missing_target_field_without_create_fails_in_both() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
replacements:
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Deployment, name: worker}
    fieldPaths: [spec.replicas]
";
    let e = check(&[("kustomization.yaml", k), ("res.yaml", RES)]).expect("both fail");
    assert!(e.message.contains("unable to find field"), "{e}");
}

#[test]
fn unanchored_list_matchers_and_typed_targets() {
    if skip() {
        return;
    }
    // `[name=web]` is a regular expression kustomize does not anchor: it also matches
    // `web-sidecar`. An int target takes a numeric string and stays an int.
    let k = "resources: [res.yaml]
replacements:
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment, name: web}
    fieldPaths: ['spec.template.spec.containers.[name=web].env.[name=HOST].value']
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: data.port}
  targets:
  - select: {kind: Service}
    fieldPaths: ['spec.ports.[port=80].port', 'spec.ports.0.targetPort']
";
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", RES)]).is_none());
    let bad = k.replace("data.port}", "data.host}");
    let e = check(&[("kustomization.yaml", &bad), ("res.yaml", RES)]).expect("both fail");
    assert!(e.message.contains("as a !!int"), "{e}");
}

#[test]
fn replacements_from_a_path_file() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
replacements:
- path: one.yaml
- path: many.yaml
";
    // A file holding one replacement (extra documents and unknown fields are ignored, as
    // kustomize decodes it loosely), and one holding a list.
    let one = "source: {kind: ConfigMap, fieldPath: data.tag, note: ignored}
targets:
- select: {kind: Deployment, name: web}
  fieldPaths: [metadata.annotations.tag]
  options: {create: true}
---
source: {kind: ConfigMap, fieldPath: data.nothing}
targets: [{select: {kind: Service}}]
";
    let many = "- source: {kind: Service}
  targets:
  - select: {kind: ConfigMap}
    fieldPaths: [data.service]
    options: {create: true}
- source: {kind: ConfigMap, fieldPath: data.host}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [metadata.annotations.host]
    options: {create: true}
";
    assert!(
        check(&[
            ("kustomization.yaml", k),
            ("res.yaml", RES),
            ("one.yaml", one),
            ("many.yaml", many),
        ])
        .is_none()
    );
}

#[test]
fn source_selecting_nothing_or_several_fails_in_both() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
replacements:
- source: {kind: Secret, name: settings}
  targets: [{select: {kind: Deployment}}]
";
    let e = check(&[("kustomization.yaml", k), ("res.yaml", RES)]).expect("both fail");
    assert_eq!(
        e.message,
        "nothing selected by Secret.[noVer].[noGrp]/settings.[noNs]"
    );
    let k = k.replace("kind: Secret, name: settings", "kind: Deployment");
    let e = check(&[("kustomization.yaml", &k), ("res.yaml", RES)]).expect("both fail");
    assert!(e.message.starts_with("multiple matches"), "{e}");
    let k = "resources: [res.yaml]
replacements:
- source: {kind: ConfigMap, fieldPath: data.image, options: {delimiter: ':', index: 4}}
  targets: [{select: {kind: Deployment}}]
";
    let e = check(&[("kustomization.yaml", k), ("res.yaml", RES)]).expect("both fail");
    assert!(e.message.contains("out of bounds"), "{e}");
}

#[test]
fn vars_in_args_command_and_service_ports() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
vars:
- name: PORT
  objref: {kind: ConfigMap, name: settings, apiVersion: v1}
  fieldref: {fieldpath: data.port}
- name: HOST
  objref: {kind: ConfigMap, name: settings, apiVersion: v1}
  fieldref: {fieldpath: data.host}
- name: REPLICAS
  objref: {kind: Deployment, name: web, apiVersion: apps/v1}
  fieldref: {fieldpath: spec.replicas}
";
    let k = k.replace("fieldpath", "fieldPath");
    let res = RES.replace("value: localhost", "value: $(REPLICAS)");
    assert!(check(&[("kustomization.yaml", &k), ("res.yaml", &res)]).is_none());
}

#[test]
fn var_naming_a_missing_object_fails_in_both() {
    if skip() {
        return;
    }
    let k = "resources: [res.yaml]
vars:
- name: PORT
  objref: {kind: ConfigMap, name: nothing, apiVersion: v1}
";
    let e = check(&[("kustomization.yaml", k), ("res.yaml", RES)]).expect("both fail");
    assert!(e.message.contains("cannot be mapped"), "{e}");
}

#[test]
fn whole_maps_and_lists_and_label_selectors() {
    if skip() {
        return;
    }
    // A mapping or list replaces a mapping or list target whole; written into a string target it
    // leaves the empty string (kustomize copies only the scalar text, which a mapping lacks).
    let k = "resources: [res.yaml]
replacements:
- source: {kind: Deployment, name: web, fieldPath: spec.template.spec.containers.0.env}
  targets:
  - select: {kind: Deployment, labelSelector: 'team=a'}
    fieldPaths: [spec.template.spec.containers.0.env, spec.template.spec.containers.0.image]
    options: {create: true}
  - select: {kind: Deployment}
    reject: [{labelSelector: 'team=a'}, {name: web}]
    fieldPaths: [spec.template.spec.containers.0.command]
";
    let res = RES.replace(
        "  name: worker\n",
        "  name: worker\n  labels:\n    team: a\n",
    );
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", &res)]).is_none());
}

#[test]
fn created_scalars_take_the_type_of_their_text() {
    if skip() {
        return;
    }
    let keys = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    // Under metadata.annotations kustomize keeps the text as a string instead.
    let paths = |key: &str| format!("data.{key}, metadata.annotations.{key}");
    let res = "apiVersion: v1
kind: ConfigMap
metadata:
  name: src
data:
  a: \"null\"
  b: \"~\"
  c: \"true\"
  d: \"0x1F\"
  e: \"1.5\"
  f: \"0755\"
  g: \"yes\"
  h: \"2001-12-14\"
  i: \"1e3\"
  j: \"\"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dst
";
    let mut k = String::from("resources: [res.yaml]\nreplacements:\n");
    for key in keys {
        k.push_str(&format!(
            "- source: {{name: src, fieldPath: data.{key}}}\n  targets: [{{select: {{name: dst}}, fieldPaths: [{}], options: {{create: true}}}}]\n",
            paths(key)
        ));
    }
    assert!(check(&[("kustomization.yaml", &k), ("res.yaml", res)]).is_none());
    // An empty inline target list is refused, like a missing one.
    let k = "resources: [res.yaml]\nreplacements:\n- source: {name: src}\n  targets: []\n";
    let e = check(&[("kustomization.yaml", k), ("res.yaml", res)]).expect("both fail");
    assert!(e.message.contains("at least one target"), "{e}");
}

#[test]
fn source_paths_are_exact_and_target_paths_are_patterns() {
    if skip() {
        return;
    }
    let res = "apiVersion: v1
kind: ConfigMap
metadata:
  name: src
  annotations:
    a.b/c: dotted
data:
  list: [one, two, three]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.0
        args: [\"--port\", \"80\", \"--x\"]
      - name: webby
        image: foo:1.0
";
    let k = "resources: [res.yaml]
replacements:
- source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.-.image'}
  targets: [{select: {kind: Deployment}, fieldPaths: ['spec.template.spec.containers.0.args.[=--p.*]']}]
- source: {kind: ConfigMap, fieldPath: 'metadata.annotations.[a.b/c]'}
  targets: [{select: {kind: Deployment}, fieldPaths: ['spec.template.spec.containers.1.args.[=new]'], options: {create: true}}]
- source: {kind: ConfigMap, fieldPath: data.list.1}
  targets: [{select: {kind: Deployment}, fieldPaths: [spec.template.spec.containers.1.args.1], options: {create: true}}]
";
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", res)]).is_none());
    // In a source, `[name=we]` must equal the name; it is not a pattern there.
    let k = "resources: [res.yaml]
replacements:
- source: {kind: Deployment, fieldPath: 'spec.template.spec.containers.[name=we].image'}
  targets: [{select: {kind: ConfigMap}, fieldPaths: [data.x], options: {create: true}}]
";
    let e = check(&[("kustomization.yaml", k), ("res.yaml", res)]).expect("both fail");
    assert!(
        e.message.contains("is missing for replacement source"),
        "{e}"
    );
    let k = k.replace("[name=we].image", "*.image");
    let e = check(&[("kustomization.yaml", &k), ("res.yaml", res)]).expect("both fail");
    assert!(e.message.contains("wildcard is not supported"), "{e}");
}

#[test]
fn vars_keep_types_in_maps_and_leave_other_fields() {
    if skip() {
        return;
    }
    // A field that is exactly `$(VAR)` takes the var's type (labels included); vars reach only
    // kustomize's varReference fields (not ConfigMap data); a var holding a mapping is left as
    // written; an objref without apiVersion matches nothing.
    let res = "apiVersion: v1
kind: Service
metadata:
  name: svc
  namespace: ns1
  labels:
    x: $(PORT)
  annotations:
    y: \"port $(PORT)\"
spec:
  ports:
  - port: 8080
    targetPort: $(NAME)
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  k: $(PORT)
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ing
spec:
  rules:
  - host: $(NAME).example.com
  tls:
  - hosts: [$(NAME).example.com, \"$(MAP)\"]
    secretName: $(PORT)
";
    let k = "resources: [res.yaml]
vars:
- name: PORT
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldPath: 'spec.ports[0].port'}
- name: NAME
  objref: {kind: Service, name: svc, apiVersion: v1, namespace: ns1}
- name: MAP
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldPath: metadata.labels}
";
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", res)]).is_none());
    let bad = k.replace("apiVersion: v1, namespace: ns1", "namespace: ns1");
    let e = check(&[("kustomization.yaml", &bad), ("res.yaml", res)]).expect("both fail");
    assert_eq!(
        e.message,
        "var '{NAME Service.[noVer].[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
    );
    let dup = format!("{k}- name: NAME\n  objref: {{kind: ConfigMap, name: cm, apiVersion: v1}}\n");
    let e = check(&[("kustomization.yaml", &dup), ("res.yaml", res)]).expect("both fail");
    assert_eq!(e.message, "var 'NAME' already encountered");
}

#[test]
fn var_lists_must_hold_strings() {
    if skip() {
        return;
    }
    let res = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    metadata:
      annotations: {a: \"$(VAR)\", b: 5}
    spec:
      containers:
      - name: c
        args: [1, \"$(VAR)\"]
        env:
        - {name: X, value: \"$(VAR)\"}
        - {name: Z}
";
    let k = "resources: [res.yaml]
vars:
- name: VAR
  objref: {kind: Deployment, name: d, apiVersion: apps/v1}
";
    let e = check(&[("kustomization.yaml", k), ("res.yaml", res)]).expect("both fail");
    assert!(
        e.message.contains("invalid value type expect a string"),
        "{e}"
    );
    let res = res.replace("[1, ", "[");
    assert!(check(&[("kustomization.yaml", k), ("res.yaml", &res)]).is_none());
}
