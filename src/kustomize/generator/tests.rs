use std::collections::HashMap;

use super::*;
use crate::kustomize::hash::name_hash;
use crate::yaml::{Limits, Profile, parse_str};

fn node(text: &str) -> Node {
    parse_str(
        text,
        "kustomization.yaml",
        Profile::Kubernetes,
        Limits::default(),
    )
    .expect("yaml")
    .remove(0)
}

/// Runs one generator entry against an in-memory set of files.
fn run(
    entry: &str,
    kind: GeneratedKind,
    global: Option<&str>,
    files: &[(&str, &[u8])],
) -> Result<Resource> {
    let files: HashMap<String, Vec<u8>> = files
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect();
    let args = parse_generator_args(&node(entry), kind)?;
    let global = match global {
        Some(g) => Some(parse_generator_options(&node(g))?),
        None => None,
    };
    let mut read = |path: &str, span: &Span| -> Result<(Vec<u8>, Arc<str>)> {
        files
            .get(path)
            .map(|b| (b.clone(), Arc::from(path)))
            .ok_or_else(|| Error::new(span.clone(), format!("no file {path}")))
    };
    generate(&args, kind, global.as_ref(), &mut read)
}

#[test]
fn configmap_from_every_source_matches_kubectl() {
    // `kubectl kustomize` printed cm-t246c9bggh for this generator and env file.
    let env: &[u8] =
        b"\xef\xbb\xbf  # comment\n\nFOO=bar baz \n  SPACE = x\nNOEQ\nQ=\"quoted\"\na/b=slash\n";
    let r = run(
        "name: cm\nenvs: [e.env]\nliterals:\n- \"x y=1\"\n- \"q='single'\"\n- 'eq=a=b=c'\n- 'amp=<a&b>'\n",
        GeneratedKind::ConfigMap,
        None,
        &[("e.env", env)],
    )
    .expect("generate");
    let data = r
        .node
        .get_path(&["data"])
        .and_then(Node::as_map)
        .expect("data");
    let keys: Vec<&str> = data.keys().collect();
    assert_eq!(
        keys,
        ["FOO", "NOEQ", "Q", "SPACE ", "a/b", "amp", "eq", "q", "x y"]
    );
    assert_eq!(r.node.str_at(&["data", "Q"]), Some("\"quoted\""));
    assert_eq!(r.node.str_at(&["data", "SPACE "]), Some(" x"));
    assert_eq!(name_hash(&r.node).expect("hash"), "t246c9bggh");
    // Spans: env values at their line in the env file, literals at the literal.
    let foo = data.get("FOO").and_then(|n| n.span.clone()).expect("span");
    assert_eq!((&*foo.file, foo.line), ("e.env", 3));
    let eq = data.get("eq").and_then(|n| n.span.clone()).expect("span");
    assert_eq!((&*eq.file, eq.line), ("kustomization.yaml", 6));
    assert_eq!(r.name(), "cm");
    assert_eq!(
        r.generated,
        Some(Generated {
            hash_suffix: true,
            behavior: Behavior::Create
        })
    );
}

#[test]
fn files_with_and_without_keys_and_binary_content() {
    let r = run(
        "name: cm\nfiles: [dir/a.txt, k=b.bin]\n",
        GeneratedKind::ConfigMap,
        None,
        &[("dir/a.txt", b"hello\n"), ("b.bin", b"\xff\x00\x01")],
    )
    .expect("generate");
    assert_eq!(r.node.str_at(&["data", "a.txt"]), Some("hello\n"));
    assert_eq!(r.node.str_at(&["binaryData", "k"]), Some("/wAB"));
    assert_eq!(r.node.get_path(&["data", "k"]), None);
    // Without text values `data` is omitted.
    let r = run(
        "name: cm\nfiles: [b.bin]\n",
        GeneratedKind::ConfigMap,
        None,
        &[("b.bin", b"\xff")],
    )
    .expect("generate");
    assert_eq!(r.node.get_path(&["data"]), None);
}

#[test]
fn secret_values_are_base64_with_type_and_always_have_data() {
    let r = run(
        "name: s\ntype: kubernetes.io/tls\nliterals: [tls.crt=x, tls.key=y]\n",
        GeneratedKind::Secret,
        None,
        &[],
    )
    .expect("generate");
    assert_eq!(r.node.str_at(&["type"]), Some("kubernetes.io/tls"));
    assert_eq!(r.node.str_at(&["data", "tls.crt"]), Some("eA=="));
    let r = run("name: s\n", GeneratedKind::Secret, None, &[]).expect("generate");
    assert_eq!(r.node.str_at(&["type"]), Some("Opaque"));
    assert!(r.node.get_path(&["data"]).and_then(Node::as_map).is_some());
    assert_eq!(name_hash(&r.node).expect("hash"), "46f8b28mk5");
}

#[test]
fn options_merge_with_global_ones() {
    let r = run(
        "name: cm\nnamespace: ns\nliterals: [a=1]\noptions:\n  labels: {shared: local}\n  immutable: false\n",
        GeneratedKind::ConfigMap,
        Some("labels: {shared: global, g: \"1\"}\nannotations: {an: x}\nimmutable: true\ndisableNameSuffixHash: true\n"),
        &[],
    )
    .expect("generate");
    assert_eq!(
        r.node.str_at(&["metadata", "labels", "shared"]),
        Some("local")
    );
    assert_eq!(r.node.str_at(&["metadata", "labels", "g"]), Some("1"));
    assert_eq!(r.node.str_at(&["metadata", "annotations", "an"]), Some("x"));
    assert_eq!(r.node.str_at(&["metadata", "namespace"]), Some("ns"));
    assert_eq!(
        r.node.get_path(&["immutable"]).map(|n| &n.value),
        Some(&Value::Bool(true))
    );
    assert_eq!(r.generated.map(|g| g.hash_suffix), Some(false));
}

#[test]
fn errors_carry_kustomize_messages_and_spans() {
    let e = run("literals: [a=b]\n", GeneratedKind::Secret, None, &[]).expect_err("no name");
    assert_eq!(e.message, "a configmap must have a name");
    let e = run(
        "name: cm\nliterals: [a=1, a=2]\n",
        GeneratedKind::ConfigMap,
        None,
        &[],
    )
    .expect_err("dup");
    assert_eq!(e.message, "configmap cm illegally repeats the key `a`");
    assert_eq!(e.span.col, 17);
    let e = run(
        "name: cm\nliterals:\n- abc\n",
        GeneratedKind::ConfigMap,
        None,
        &[],
    )
    .expect_err("literal");
    assert_eq!(e.message, "invalid literal source abc, expected key=value");
    assert_eq!(e.span.line, 3);
    // Env values come before literals, so the literal is the repeat.
    let e = run(
        "name: cm\nliterals: [A=2]\nenvs: [a.env]\n",
        GeneratedKind::ConfigMap,
        None,
        &[("a.env", b"A=1\n")],
    )
    .expect_err("dup");
    assert_eq!(e.span.line, 2);
    let e = run(
        "name: cm\nfiles: [missing]\n",
        GeneratedKind::ConfigMap,
        None,
        &[],
    )
    .expect_err("read");
    assert_eq!(e.message, "no file missing");
    let e = run(
        "name: cm\nfiles: [a=b=c]\n",
        GeneratedKind::ConfigMap,
        None,
        &[],
    )
    .expect_err("source");
    assert!(e.message.contains("contains '='"), "{}", e.message);
}

#[test]
fn read_gets_the_path_part_of_keyed_file_sources() {
    let mut seen = Vec::new();
    let args = parse_generator_args(
        &node("name: cm\nfiles: [k=sub/f]\nenv: e\n"),
        GeneratedKind::ConfigMap,
    )
    .expect("args");
    let mut read = |path: &str, _: &Span| -> Result<(Vec<u8>, Arc<str>)> {
        seen.push(path.to_string());
        Ok((b"X=1".to_vec(), Arc::from(path)))
    };
    generate(&args, GeneratedKind::ConfigMap, None, &mut read).expect("generate");
    assert_eq!(seen, ["e", "sub/f"]);
}
