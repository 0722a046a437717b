//! Expected outputs below were produced by `kubectl kustomize` (kustomize v5.5.0) on the same
//! input; tests/emit_parity.rs re-checks such cases against the live binary when it is present.

use super::*;
use crate::yaml::{Limits, Mapping, Profile, parse_str};
use std::cmp::Ordering;

fn emit(src: &str) -> String {
    let docs = parse_str(src, "t.yaml", Profile::Kustomize, Limits::default()).expect("parse");
    emit_document(&docs[0]).expect("emit")
}

/// Emits `{k: value}` and returns the line(s) after the key.
fn value(v: Node) -> String {
    let mut m = Mapping::new();
    m.insert("k", v);
    emit_document(&Node::new(Value::Map(m))).expect("emit")
}

fn s(text: &str) -> String {
    value(Node::string(text))
}

#[test]
fn layout_matches_go_yaml_v2() {
    let src = "b: 1\na:\n  x: [1, 2]\n  y: [[a, b], {p: 1, q: [1]}]\n  e: []\n  m: {}\n  n: null\n  t: true\n";
    assert_eq!(
        emit(src),
        "a:\n  e: []\n  m: {}\n  \"n\": null\n  t: true\n  x:\n  - 1\n  - 2\n  \"y\":\n  - - a\n    - b\n  - p: 1\n    q:\n    - 1\nb: 1\n"
    );
}

#[test]
fn root_values() {
    assert_eq!(emit("{}"), "{}\n");
    assert_eq!(emit("[]"), "[]\n");
    assert_eq!(emit("- a\n- b: 1\n"), "- a\n- b: 1\n");
    assert_eq!(emit("x"), "x\n");
    assert_eq!(emit("null"), "null\n");
    assert_eq!(emit("\"a\\nb\""), "|-\n  a\n  b\n");
}

#[test]
fn documents_are_joined_with_separators() {
    let a = Node::string("a");
    let b = Node::new(Value::Int(1));
    assert_eq!(emit_documents([&a, &b]).unwrap(), "a\n---\n1\n");
    assert_eq!(emit_documents(std::iter::empty::<&Node>()).unwrap(), "");
}

#[test]
fn keys_sort_naturally() {
    let mut keys = vec![
        "a1", "a01", "a001", "b", "A", "_x", "1", "10", "9", "a10", "a9", "ab", "a",
    ];
    keys.sort_by(|a, b| key_cmp(a, b));
    assert_eq!(
        keys,
        [
            "_x", "1", "9", "10", "A", "a", "a1", "a01", "a001", "a9", "a10", "ab", "b"
        ]
    );
    // Non-letters sort before letters; at equal value a shorter digit run first.
    assert_eq!(key_cmp("a-b", "ab"), Ordering::Less);
    assert_eq!(key_cmp("x10y", "x010y"), Ordering::Less);
    assert_eq!(key_cmp("v100", "v20"), Ordering::Greater);
    assert_eq!(key_cmp("a", "a"), Ordering::Equal);
    // Go's categories beyond ASCII: letters are category L only; digits are category Nd and
    // count by their code point's distance from '0'.
    let mut keys = vec!["ß", "ǅ", "\u{345}", "٣", "²", "Ⅷ", "a٣", "a3", "a²", "ʰ"];
    keys.sort_by(|a, b| key_cmp(a, b));
    assert_eq!(
        keys,
        ["²", "\u{345}", "Ⅷ", "٣", "a²", "a3", "a٣", "ß", "ǅ", "ʰ"]
    );
}

#[test]
fn numbers_survive_json() {
    assert_eq!(value(Node::new(Value::Float(1.0))), "k: 1\n");
    assert_eq!(
        value(Node::new(Value::Float(1234567.5))),
        "k: 1.2345675e+06\n"
    );
    assert_eq!(value(Node::new(Value::Float(1e-7))), "k: 1e-07\n");
    assert_eq!(
        value(Node::new(Value::Int(u64::MAX as i128))),
        "k: 18446744073709551615\n"
    );
    assert_eq!(value(Node::new(Value::Int(-3))), "k: -3\n");
}

#[test]
fn non_finite_floats_fail_at_their_span() {
    let docs = parse_str(
        "a:\n  b: .nan\n",
        "f.yaml",
        Profile::Kustomize,
        Limits::default(),
    )
    .expect("parse");
    let err = emit_document(&docs[0]).unwrap_err();
    assert_eq!((err.span.line, err.span.col), (2, 6));
    assert!(err.message.contains("NaN"), "{}", err.message);
    let inf = Node::new(Value::Float(f64::NEG_INFINITY));
    assert!(emit_documents([&inf]).unwrap_err().message.contains("-Inf"));
}

#[test]
fn strings_that_read_as_other_types_are_double_quoted() {
    for t in [
        "yes", "on", "y", "N", "~", "null", "true", "1", "0755", "1_000", ".5", "1:20",
    ] {
        assert_eq!(s(t), format!("k: \"{t}\"\n"));
    }
    assert_eq!(s("2001-12-14"), "k: \"2001-12-14\"\n");
    assert_eq!(s("2001-12-14T00:00:00Z"), "k: \"2001-12-14T00:00:00Z\"\n");
    assert_eq!(s(""), "k: \"\"\n");
    assert_eq!(s("1e400"), "k: 1e400\n");
    assert_eq!(s("yess"), "k: yess\n");
    assert_eq!(s("0x1FFFFFFFFFFFFFFFFF"), "k: 0x1FFFFFFFFFFFFFFFFF\n");
}

#[test]
fn indicators_force_single_quotes() {
    for t in [
        "*", "- a", "&x", "!t", "|", ">", "%", "@", "`", "{a}", "[a]", "#c", "? x", ": x",
    ] {
        let quoted = t.replace('\'', "''");
        assert_eq!(s(t), format!("k: '{quoted}'\n"), "{t:?}");
    }
    assert_eq!(s("'q'"), "k: '''q'''\n");
    assert_eq!(s("\"q\""), "k: '\"q\"'\n");
    assert_eq!(s(" lead"), "k: ' lead'\n");
    assert_eq!(s("trail "), "k: 'trail '\n");
    assert_eq!(s("a: b"), "k: 'a: b'\n");
    assert_eq!(s("a #b"), "k: 'a #b'\n");
    assert_eq!(s("---x"), "k: '---x'\n");
    // Allowed plain.
    for t in [
        "a:b",
        "a#b",
        "-a",
        "?a",
        "a,b",
        "a]b",
        "http://x/y?z=1",
        "é ü 中文",
    ] {
        assert_eq!(s(t), format!("k: {t}\n"), "{t:?}");
    }
}

#[test]
fn special_characters_force_double_quotes() {
    assert_eq!(s("a\tb"), "k: \"a\\tb\"\n");
    assert_eq!(s("bell\u{7}\u{1b}\u{1}"), "k: \"bell\\a\\e\\x01\"\n");
    assert_eq!(s("nul\u{0}"), "k: \"nul\\0\"\n");
    assert_eq!(s("hi 😀"), "k: \"hi \\U0001F600\"\n");
    assert_eq!(s("\u{feff}ab c"), "k: \"\\uFEFF\\x61\\x62\\x20\\x63\"\n");
    assert_eq!(s("cr\r"), "k: \"cr\\r\"\n");
    assert_eq!(s("q\"\\ \t"), "k: \"q\\\"\\\\ \\t\"\n");
}

#[test]
fn multi_line_strings_are_literal_blocks() {
    assert_eq!(s("a\nb"), "k: |-\n  a\n  b\n");
    assert_eq!(s("a\nb\n"), "k: |\n  a\n  b\n");
    assert_eq!(s("a\n\n"), "k: |+\n  a\n\n");
    assert_eq!(s("\n"), "k: |2+\n\n");
    assert_eq!(s("  lead\nb\n\n"), "k: |2+\n    lead\n  b\n\n");
    assert_eq!(s("\nx"), "k: |2-\n\n  x\n");
    // Not allowed as a block: trailing space, space before a newline, special characters.
    assert_eq!(s("a\nb "), "k: \"a\\nb \"\n");
    assert_eq!(s("a \nb"), "k: \"a \\nb\"\n");
    assert_eq!(s("a\tb\nc"), "k: \"a\\tb\\nc\"\n");
    // A leading space after a newline is fine in a block.
    assert_eq!(s("a\n b"), "k: |-\n  a\n   b\n");
}

#[test]
fn long_lines_fold_at_80_columns() {
    let words = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt";
    assert_eq!(
        s(words),
        "k: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq rrrr ssss tttt\n"
    );
    let dq = "tab\there and a long long long long long long long long long long long long long long long long  text";
    assert_eq!(
        s(dq),
        "k: \"tab\\there and a long long long long long long long long long long long long long\n  long long long  text\"\n"
    );
    // A fold before a space escapes that space.
    let spaced = format!("\t{}  x", "y".repeat(85));
    assert_eq!(
        s(&spaced),
        format!("k: \"\\t{}\n  \\ x\"\n", "y".repeat(85))
    );
    let single = format!("- {} z", "w".repeat(80));
    assert_eq!(s(&single), format!("k: '- {}\n  z'\n", "w".repeat(80)));
    // No space, no fold.
    let long = "x".repeat(200);
    assert_eq!(s(&long), format!("k: {long}\n"));
}

#[test]
fn keys_are_simple_up_to_128_bytes() {
    let mut m = Mapping::new();
    m.insert("y", Node::string("n"));
    m.insert("", Node::string("empty"));
    m.insert("- a", Node::string("v"));
    m.insert("x".repeat(128), Node::string("v"));
    m.insert("z".repeat(129), Node::string("v"));
    m.insert("a\nb", Node::new(Value::Seq(vec![Node::string("s")])));
    let out = emit_document(&Node::new(Value::Map(m))).unwrap();
    let expected = format!(
        "\"\": empty\n'- a': v\n? |-\n  a\n  b\n: - s\n{}: v\n\"y\": \"n\"\n? {}\n: v\n",
        "x".repeat(128),
        "z".repeat(129)
    );
    assert_eq!(out, expected);
}

#[test]
fn unicode_line_separators_are_kept_raw_outside_double_quotes() {
    assert_eq!(s("a\u{2028}b"), "k: 'a\u{2028}  b'\n");
}

#[test]
fn strings_kustomize_cannot_reread_fail_or_fold() {
    let docs = parse_str(
        "a:\n  b: \"x\\x7Fy\"\n",
        "f.yaml",
        Profile::Kustomize,
        Limits::default(),
    )
    .expect("parse");
    let err = emit_document(&docs[0]).unwrap_err();
    assert_eq!((err.span.line, err.span.col), (2, 6));
    assert!(err.message.contains("U+007F"), "{}", err.message);
    let mut m = Mapping::new();
    m.insert("bad\u{9f}", Node::string("v"));
    assert!(emit_document(&Node::new(Value::Map(m))).is_err());
    // A raw NEL in JSON is a line break to go-yaml v2, folded like any other.
    assert_eq!(s("nel\u{85}x"), "k: nel x\n");
    assert_eq!(s("a\u{85}\u{85}b"), "k: |-\n  a\n  b\n");
}
