//! Generated ConfigMaps and Secrets compared with `kubectl kustomize` (kustomize v5.5.0): the name
//! hash suffix, data, binaryData, labels, annotations, type and immutable must be the same.
//!
//! A small driver stands in for the build: it reads `resources:` (files and directories),
//! `configMapGenerator:`, `secretGenerator:` and `generatorOptions:`, and applies `behavior:`
//! against earlier resources of the same id, as kustomize's accumulator does. Everything else in
//! a kustomization is ignored, which is fine because nothing else changes the hash of the
//! fixtures used here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use fluxval::error::{Error, Result};
use fluxval::kustomize::generator::{
    GeneratedKind, generate, merge_into, missing_error, parse_generator_args,
    parse_generator_options,
};
use fluxval::kustomize::hash::name_hash;
use fluxval::resource::{Behavior, Resource};
use fluxval::yaml::{Limits, Node, Profile, Span, Value, parse_str};

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `kubectl kustomize dir`: Ok(stdout) or Err(stderr).
fn kubectl(dir: &Path) -> std::result::Result<String, String> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).expect("utf8 output"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn read_yaml(path: &Path, profile: Profile) -> Vec<Node> {
    let text = std::fs::read_to_string(path).expect("readable yaml");
    parse_str(
        &text,
        &path.display().to_string(),
        profile,
        Limits::default(),
    )
    .expect("valid yaml")
}

/// The stand-in build: resources, then ConfigMap generators, then Secret generators.
fn build(dir: &Path, with_resources: bool) -> Result<Vec<Resource>> {
    let kust = read_yaml(&dir.join("kustomization.yaml"), Profile::Kubernetes).remove(0);
    let mut out: Vec<Resource> = Vec::new();
    if with_resources {
        for r in kust
            .get_path(&["resources"])
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
        {
            let path = dir.join(r.as_str().expect("resource path"));
            if path.is_dir() {
                out.extend(build(&path, true)?);
            } else {
                for doc in read_yaml(&path, Profile::Kustomize) {
                    let span = doc.span.clone().expect("span");
                    out.push(Resource::new(doc, span));
                }
            }
        }
    }
    let global = match kust.get_path(&["generatorOptions"]) {
        Some(g) => Some(parse_generator_options(g)?),
        None => None,
    };
    for kind in [GeneratedKind::ConfigMap, GeneratedKind::Secret] {
        let entries = kust.get_path(&[kind.list_field()]).and_then(Node::as_seq);
        for entry in entries.into_iter().flatten() {
            let args = parse_generator_args(entry, kind)?;
            let mut read = |p: &str, span: &Span| -> Result<(Vec<u8>, Arc<str>)> {
                let full: PathBuf = dir.join(p);
                let bytes = std::fs::read(&full)
                    .map_err(|e| Error::new(span.clone(), format!("{}: {e}", full.display())))?;
                Ok((bytes, Arc::from(full.display().to_string())))
            };
            let res = generate(&args, kind, global.as_ref(), &mut read)?;
            let behavior = res
                .generated
                .as_ref()
                .map(|g| g.behavior)
                .unwrap_or_default();
            let id = res.id();
            match out
                .iter_mut()
                .find(|r| r.id() == id || r.original_id() == id)
            {
                Some(existing) => merge_into(existing, res)?,
                None if behavior != Behavior::Create => {
                    return Err(missing_error(&id, args.span.clone()));
                }
                None => out.push(res),
            }
        }
    }
    Ok(out)
}

/// A node as JSON, without spans, for comparing values.
fn json(n: Option<&Node>) -> serde_json::Value {
    let Some(n) = n else {
        return serde_json::Value::Null;
    };
    match &n.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::String(format!("int:{i}")),
        Value::Float(f) => serde_json::Value::String(format!("float:{f}")),
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::Seq(items) => items.iter().map(|i| json(Some(i))).collect(),
        Value::Map(m) => m
            .entries()
            .iter()
            .map(|e| (e.key.to_string(), json(Some(&e.value))))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// Builds `dir` both ways and checks every generated resource against kubectl's output; returns
/// how many were checked.
fn assert_parity(dir: &Path, with_resources: bool) -> usize {
    let printed =
        kubectl(dir).unwrap_or_else(|e| panic!("kubectl failed on {}: {e}", dir.display()));
    let docs = parse_str(
        &printed,
        "kubectl-output",
        Profile::Kustomize,
        Limits::default(),
    )
    .expect("kubectl output parses");
    let ours = build(dir, with_resources).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut checked = 0;
    for res in ours.iter().filter(|r| r.generated.is_some()) {
        let hash_only = res.name() == "separators";
        let hash = name_hash(&res.node).expect("hash");
        let wants_hash = res.generated.as_ref().is_some_and(|g| g.hash_suffix);
        let kind = res.gvk().kind;
        let same_kind = || docs.iter().filter(|d| d.str_at(&["kind"]) == Some(&kind));
        let name = if wants_hash {
            format!("{}-{hash}", res.name())
        } else {
            res.name().to_string()
        };
        let Some(doc) = same_kind().find(|d| d.str_at(&["metadata", "name"]) == Some(&name)) else {
            let names: Vec<_> = same_kind()
                .filter_map(|d| d.str_at(&["metadata", "name"]))
                .collect();
            panic!(
                "{}: we expect {kind} {name}; kubectl printed {names:?}",
                dir.display()
            );
        };
        if hash_only {
            checked += 1;
            continue;
        }
        for path in [
            &["data"][..],
            &["binaryData"],
            &["type"],
            &["immutable"],
            &["metadata", "labels"],
            &["metadata", "annotations"],
        ] {
            assert_eq!(
                json(res.node.get_path(path)),
                json(doc.get_path(path)),
                "{}: {kind} {name}: {path:?} differs",
                dir.display()
            );
        }
        checked += 1;
    }
    checked
}

/// Writes `files` (path, bytes) under a new temp dir.
fn fixture(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, bytes) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, bytes).expect("write");
    }
    dir
}

#[test]
fn literals_files_envs_and_options_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let binary: Vec<u8> = (0u8..=255).rev().collect();
    let kust = r#"
generatorOptions:
  labels: {team: platform, shared: global}
  annotations: {note: "from global"}
configMapGenerator:
- name: literals
  literals:
  - plain=value
  - eq=a=b=c
  - 'dq="double quoted"'
  - "sq='single quoted'"
  - "mixed='x\""
  - "x y=key with a space"
  - "html=<a href='x'>&amp;</a>"
  - "ctl=tab\there\bback\fform\u0001one\rcr"
  - "multi=first\nsecond\n"
  - "empty="
  - "num=1"
  - "yes=yes"
# go-yaml v2 prints U+2028/U+2029 as line breaks followed by indentation, which a YAML 1.2
# reader keeps as spaces: only this generator's hash is compared, not its printed data.
- name: separators
  literals: ["seps=line\u2028para\u2029end é ✓"]
- name: files
  files:
  - config/app.properties
  - renamed=config/app.properties
  - crlf.txt
  - blob.bin
  - big=big.bin
- name: envs
  envs: [one.env, two.env]
  env: three.env
- name: opts
  namespace: other
  literals: [a=1]
  options:
    labels: {shared: local, app: demo}
    annotations: {"example.com/x": "y"}
    immutable: true
- name: nohash
  literals: [a=1]
  options:
    disableNameSuffixHash: true
- name: empty
secretGenerator:
- name: tls
  type: kubernetes.io/tls
  literals: [tls.crt=CERT, tls.key=KEY]
- name: opaque
  files: [config/app.properties, blob.bin, big.bin]
  literals: ["long=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
  envs: [one.env]
- name: none
- name: imm
  options: {immutable: true, disableNameSuffixHash: false}
  literals: [k=v]
"#;
    let dir = fixture(&[
        ("kustomization.yaml", kust.as_bytes()),
        ("config/app.properties", b"a.b=c\nx = y\n# not a comment here\n"),
        ("crlf.txt", b"line one\r\nline two\r\n"),
        ("blob.bin", b"\x00\x01\x02\xff\xfe"),
        ("big.bin", &binary),
        (
            "one.env",
            b"\xef\xbb\xbf# leading comment\n\n   INDENTED=value with spaces   \nQUOTED=\"kept\"\nNOVALUE\n=skipped\nURL=http://x/?a=b&c=d\r\n",
        ),
        ("two.env", b"\t# tab comment\nTWO=2\n  \n"),
        ("three.env", b"THREE=3"),
    ]);
    let checked = assert_parity(dir.path(), true);
    assert_eq!(checked, 11);
}

#[test]
fn behavior_merge_and_replace_over_a_base_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let dir = fixture(&[
        (
            "base/kustomization.yaml",
            br#"
resources: [plain.yaml]
configMapGenerator:
- name: gen
  literals: [a=1, b=2]
  options:
    labels: {l1: base, shared: base}
    annotations: {an: base}
- name: repl
  literals: [old=1]
  options:
    labels: {keep: me}
secretGenerator:
- name: sec
  type: kubernetes.io/tls
  literals: [tls.crt=x, tls.key=y]
- name: empty
"#,
        ),
        (
            "base/plain.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  labels: {pl: x}\ndata:\n  p: 5\n  r: true\n  q: hello\n",
        ),
        (
            "overlay/kustomization.yaml",
            br#"
resources: [../base]
configMapGenerator:
- name: gen
  behavior: merge
  literals: [b=3, c=4]
  options:
    labels: {shared: ov}
- name: repl
  behavior: replace
  literals: [new=2]
- name: plain
  behavior: merge
  literals: [q=bye]
secretGenerator:
- name: sec
  behavior: merge
  literals: [extra=z]
- name: empty
  behavior: merge
"#,
        ),
    ]);
    assert_eq!(assert_parity(&dir.path().join("overlay"), true), 5);
    assert_eq!(assert_parity(&dir.path().join("base"), true), 4);
}

#[test]
fn errors_match_kubectl_messages() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let cases: &[&str] = &[
        "configMapGenerator:\n- name: cm\n  literals: [a=1, a=2]\n",
        "secretGenerator:\n- name: s\n  literals: [k=1]\n  envs: [e.env]\n",
        "configMapGenerator:\n- name: cm\n  literals: [abc]\n",
        "configMapGenerator:\n- name: cm\n  files: [a=b=c]\n",
        "configMapGenerator:\n- name: cm\n  files: [=e.env]\n",
        "configMapGenerator:\n- name: cm\n  files: [k=]\n",
        "configMapGenerator:\n- literals: [a=b]\n",
        "configMapGenerator:\n- name: cm\n  bogus: 1\n",
        "configMapGenerator:\n- name: cm\n  type: x\n",
        "generatorOptions:\n  foo: 1\n",
        "configMapGenerator:\n- name: cm\n  behavior: merge\n",
        "configMapGenerator:\n- name: cm\n- name: cm\n",
    ];
    for kust in cases {
        let dir = fixture(&[("kustomization.yaml", kust.as_bytes()), ("e.env", b"k=2\n")]);
        // kubectl logs the message Go-quoted: `\"` for `"`.
        let theirs = kubectl(dir.path())
            .expect_err("kubectl refuses")
            .replace("\\\"", "\"");
        let ours = build(dir.path(), true).expect_err("we refuse");
        // kubectl prints ids as Go structs; we print kustomize's short id form, so compare after it.
        let expected = match ours.message.strip_prefix("id ") {
            Some(rest) => rest.split_once(' ').map_or(rest, |(_, tail)| tail),
            None => &ours.message,
        };
        assert!(
            theirs.contains(expected),
            "for {kust:?}\nours:   {}\nkubectl: {theirs}",
            ours.message
        );
    }
}

#[test]
fn d1_infra_corpus_hashes_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let root =
        Path::new("/work/shared/corpus/controlplaneio-fluxcd__d1-infra/components/monitoring");
    if !root.is_dir() {
        println!("SKIP: corpus not found");
        return;
    }
    let mut checked = 0;
    for entry in std::fs::read_dir(root).expect("readable corpus") {
        let base = entry.expect("dir entry").path().join("base");
        if base.join("kustomization.yaml").is_file() {
            // Plain resources are left out: only generated ConfigMaps are compared.
            checked += assert_parity(&base, false);
        }
    }
    assert!(
        checked >= 2,
        "expected generators in the corpus, checked {checked}"
    );
}
