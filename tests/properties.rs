//! Property tests: invariants of the emitter and of patching that must hold for any input, not
//! only the cases someone thought of.
//!
//! - Printing a document and parsing it back gives the same values (the emitter's quoting and
//!   folding never change meaning).
//! - A strategic merge patch equal to its target, or empty, changes nothing; applying the same
//!   patch twice is the same as once.
//! - A JSON patch `add` followed by `remove` of the same new key restores the target; `test`
//!   of a value just read succeeds.

use proptest::prelude::*;

use fluxval::kustomize::jsonpatch;
use fluxval::kustomize::smp;
use fluxval::resource::Gvk;
use fluxval::validate::node_to_json;
use fluxval::yaml::{Limits, Mapping, Node, Profile, Value, emit_document, parse_str};

/// Strings that stress quoting: YAML indicators, keywords of YAML 1.1 and 1.2, numbers-looking
/// text, leading and trailing spaces, line breaks, long words that fold, non-ASCII text.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _.:/#&*!|>'\"%@`,\\[\\]{}?-]{0,24}",
        Just("yes".to_string()),
        Just("No".to_string()),
        Just("~".to_string()),
        Just("null".to_string()),
        Just("0755".to_string()),
        Just("1e3".to_string()),
        Just("2001-12-14".to_string()),
        Just(" lead".to_string()),
        Just("trail ".to_string()),
        Just("- item".to_string()),
        Just("key: value".to_string()),
        "([a-z]{1,12} ){6,14}[a-z]{1,12}",
        "[a-z]{0,8}\n[a-z ]{0,8}\n?",
        "[äöüßéπ漢字 ]{0,10}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-zA-Z0-9_.-]{0,10}", text()]
}

/// Values without floats: JSON prints 1.0 as 1, a change of form the emitter copies on purpose.
fn value() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        Just(Node::new(Value::Null)),
        any::<bool>().prop_map(|b| Node::new(Value::Bool(b))),
        any::<i64>().prop_map(|i| Node::new(Value::Int(i as i128))),
        text().prop_map(|s| Node::new(Value::Str(s.into()))),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| Node::new(Value::Seq(v))),
            prop::collection::vec((key(), inner), 0..5).prop_map(map),
        ]
    })
}

fn map(pairs: Vec<(String, Node)>) -> Node {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    Node::new(Value::Map(m))
}

/// A document as kustomize holds one: a mapping at the top.
fn document() -> impl Strategy<Value = Node> {
    prop::collection::vec((key(), value()), 0..6).prop_map(map)
}

fn reparse(text: &str) -> Node {
    let mut docs = parse_str(text, "emitted.yaml", Profile::Kustomize, Limits::default())
        .unwrap_or_else(|e| panic!("printed YAML does not parse: {e}\n{text}"));
    assert_eq!(docs.len(), 1, "{text}");
    docs.remove(0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_keeps_every_value(doc in document()) {
        let text = emit_document(&doc).expect("prints");
        let back = reparse(&text);
        // An empty mapping prints `{}`; everything else must come back equal.
        prop_assert_eq!(node_to_json(&doc), node_to_json(&back), "printed:\n{}", text);
        // And printing is stable: the second print is the first.
        prop_assert_eq!(emit_document(&back).expect("prints"), text);
    }

    #[test]
    fn merging_a_document_into_itself_changes_nothing(doc in document()) {
        // In a patch, null deletes and `$` keys are directives: a document holding either is
        // not a no-op patch of itself.
        let json = node_to_json(&doc).to_string();
        prop_assume!(!json.contains("null") && !json.contains("\"$"));
        for gvk in [
            Gvk::from_api_version("example.com/v1", "Widget"),
            Gvk::from_api_version("v1", "ConfigMap"),
        ] {
            let mut t = doc.clone();
            smp::merge(&mut t, &doc, &gvk).expect("merges");
            prop_assert_eq!(node_to_json(&t), node_to_json(&doc));
            let mut e = doc.clone();
            smp::merge(&mut e, &map(Vec::new()), &gvk).expect("merges");
            prop_assert_eq!(node_to_json(&e), node_to_json(&doc));
        }
    }

    #[test]
    fn a_merge_patch_applied_twice_is_applied_once(target in document(), patch in document()) {
        // Keys starting with `$` are directives; null deletes. Both are idempotent too, but a
        // directive's meaning depends on the key, so keep patches plain.
        let plain = !node_to_json(&patch).to_string().contains("\"$");
        // A null in the patch deletes; the second application then finds nothing to delete,
        // which is the same result, so nulls may stay.
        prop_assume!(plain);
        let gvk = Gvk::from_api_version("example.com/v1", "Widget");
        let mut once = target.clone();
        if smp::merge(&mut once, &patch, &gvk).is_err() {
            return Ok(());
        }
        let mut twice = once.clone();
        smp::merge(&mut twice, &patch, &gvk).expect("second merge succeeds when the first did");
        prop_assert_eq!(node_to_json(&twice), node_to_json(&once));
    }

    #[test]
    fn json_patch_add_then_remove_restores_the_target(
        target in document(),
        value in value(),
    ) {
        let key = "fluxval-prop-new-key";
        prop_assume!(target.as_map().is_some_and(|m| !m.contains_key(key)));
        let ops_text = format!(
            "- op: add\n  path: /{key}\n  value: {}\n- op: test\n  path: /{key}\n  value: {}\n- op: remove\n  path: /{key}\n",
            node_to_json(&value),
            node_to_json(&value),
        );
        let ops_doc = parse_str(&ops_text, "ops.yaml", Profile::Kubernetes, Limits::default())
            .expect("ops parse")
            .remove(0);
        let ops = jsonpatch::parse_ops(&ops_doc).expect("ops");
        let mut t = target.clone();
        jsonpatch::apply(&mut t, &ops).expect("applies");
        prop_assert_eq!(node_to_json(&t), node_to_json(&target));
    }
}
