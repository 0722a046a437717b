use super::*;
use crate::yaml::{Limits, Profile, parse_str};

fn doc(text: &str) -> Node {
    parse_str(text, "t.yaml", Profile::Kustomize, Limits::default())
        .expect("valid yaml")
        .remove(0)
}

fn run(target: &str, patch: &str) -> Result<Node> {
    let mut t = doc(target);
    let ops = parse_ops(&doc(patch))?;
    apply(&mut t, &ops)?;
    Ok(t)
}

#[test]
fn add_appends_with_dash_and_inserts_at_index() {
    let out = run(
        "l: [a, b]",
        r#"[{"op":"add","path":"/l/-","value":"c"},{"op":"add","path":"/l/0","value":"z"}]"#,
    )
    .unwrap();
    assert!(json_equal(&out, &doc("l: [z, a, b, c]")));
}

#[test]
fn escapes_decode_slash_and_tilde() {
    let out = run(
        "m: {a/b: 1, c~d: 2}",
        r#"[{"op":"remove","path":"/m/a~1b"},{"op":"replace","path":"/m/c~0d","value":3}]"#,
    )
    .unwrap();
    assert!(json_equal(&out, &doc("m: {c~d: 3}")));
}

#[test]
fn replace_of_missing_key_adds_it_but_missing_index_fails() {
    let out = run("m: {}", r#"[{"op":"replace","path":"/m/x","value":1}]"#).unwrap();
    assert!(json_equal(&out, &doc("m: {x: 1}")));
    let e = run("l: [a]", r#"[{"op":"replace","path":"/l/3","value":1}]"#).unwrap_err();
    assert_eq!(
        e.message,
        "replace operation does not apply: doc is missing key: /l/3: missing value"
    );
}

#[test]
fn remove_of_missing_key_fails_at_the_op() {
    let e = run("m: {}", "- op: remove\n  path: /m/zz\n").unwrap_err();
    assert_eq!(
        e.message,
        "error in remove for path: '/m/zz': Unable to remove nonexistent key: zz: missing value"
    );
    assert_eq!((e.span.line, e.span.col), (1, 3));
}

#[test]
fn failing_test_aborts_and_passing_test_continues() {
    let e = run(
        "a: 1",
        r#"[{"op":"test","path":"/a","value":2},{"op":"add","path":"/b","value":1}]"#,
    )
    .unwrap_err();
    assert_eq!(e.message, "testing value /a failed: test failed");
    let out = run(
        "a: 1",
        r#"[{"op":"test","path":"/a","value":1.0},{"op":"add","path":"/b","value":1}]"#,
    )
    .unwrap();
    assert!(json_equal(&out, &doc("{a: 1, b: 1}")));
}

#[test]
fn move_and_copy() {
    let out = run(
        "{a: 1, l: [x]}",
        r#"[{"op":"move","from":"/a","path":"/m"},{"op":"copy","from":"/l","path":"/c"}]"#,
    )
    .unwrap();
    assert!(json_equal(&out, &doc("{m: 1, l: [x], c: [x]}")));
}

#[test]
fn unknown_op_and_missing_path_are_errors() {
    let e = parse_ops(&doc(r#"[{"op":"bogus","path":"/a"}]"#)).unwrap_err();
    assert_eq!(e.message, "Unexpected kind: bogus");
    assert!(parse_ops(&doc(r#"[{"op":"add","value":1}]"#)).is_err());
}

#[test]
fn inserted_values_keep_patch_spans() {
    let mut t = doc("a: 1");
    let p = parse_str(
        "- op: add\n  path: /b\n  value: {x: 1}\n",
        "p.yaml",
        Profile::Kustomize,
        Limits::default(),
    )
    .unwrap();
    apply(&mut t, &parse_ops(&p[0]).unwrap()).unwrap();
    let b = t.get_path(&["b", "x"]).unwrap();
    assert_eq!(&*b.span.as_ref().unwrap().file, "p.yaml");
}

#[test]
fn json_patch_detection() {
    assert!(looks_like_json_patch(&doc("- op: add\n  path: /a\n")));
    assert!(!looks_like_json_patch(&doc("kind: X")));
    assert!(!looks_like_json_patch(&doc("- a\n- b")));
}

#[test]
fn library_quirks_kubectl_shows() {
    // add at a negative index counts from the end of the grown array: -1 appends.
    let out = run("l: [a, b]", r#"[{"op":"add","path":"/l/-1","value":"c"}]"#).unwrap();
    assert!(json_equal(&out, &doc("l: [a, b, c]")));
    // copy from a missing key inserts null.
    let out = run(
        "{m: {}, l: [a]}",
        r#"[{"op":"copy","from":"/m/none","path":"/l/0"}]"#,
    )
    .unwrap();
    assert!(json_equal(&out, &doc("{m: {}, l: [null, a]}")));
    // a pointer without a leading slash loses its first segment.
    let out = run("{data: {}}", r#"[{"op":"add","path":"data/x","value":1}]"#).unwrap();
    assert!(json_equal(&out, &doc("{data: {}, x: 1}")));
    // a test against null passes for missing keys and null values.
    run(
        "{a: null}",
        r#"[{"op":"test","path":"/a","value":null},{"op":"test","path":"/b","value":null}]"#,
    )
    .unwrap();
    // a test without a value on a missing key crashes kustomize: an error here.
    assert!(run("{a: 1}", r#"[{"op":"test","path":"/b"}]"#).is_err());
    // the empty pointer names the whole document.
    let out = run(
        "{a: 1}",
        r#"[{"op":"test","path":"","value":{"a":1}},{"op":"replace","path":"","value":{"b":2}}]"#,
    )
    .unwrap();
    assert!(json_equal(&out, &doc("{b: 2}")));
}

#[test]
fn missing_fields_are_worded_like_the_library() {
    let e = parse_ops(&doc(r#"[{"path":"/a"}]"#)).unwrap_err();
    assert_eq!(e.message, "Unexpected kind: unknown");
    let e = parse_ops(&doc(r#"[{"op":"move","path":"/a"}]"#)).unwrap_err();
    assert_eq!(
        e.message,
        "move operation failed to decode from: operation missing from field: missing value"
    );
    let e = parse_ops(&doc(r#"[{"op":"add","value":1}]"#)).unwrap_err();
    assert_eq!(
        e.message,
        "add operation failed to decode path: missing value"
    );
}
