//! kubeconform's wording and layout of schema violations (santhosh-tekuri/jsonschema v6), from
//! fluxval's compiled schemas.

use serde_json::{Value as Json, json};

use crate::kubeconform::adapter::schema_errors;
use crate::kubeconform::{ValidationError, invalid_message};
use crate::schema::Schema;

const URL: &str = "https://example.test/thing-v1.json";

/// What kubeconform's Kubernetes schemas declare: the newest draft, formats not asserted.
/// Without `$schema` a schema is draft 4 (no `const`, boolean `exclusiveMinimum`).
const LATEST: &str = "http://json-schema.org/schema#";

fn errors(schema: Json, instance: Json) -> Vec<ValidationError> {
    let schema = Schema::compile_exact(schema, URL).expect("schema compiles");
    schema_errors(&schema, &instance)
}

/// The one `(path, message)` a schema reports for `instance`.
fn only(schema: Json, instance: Json) -> (String, String) {
    let errs = errors(schema, instance);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].causes.is_empty(), "{errs:?}");
    (errs[0].path.clone(), errs[0].msg.clone())
}

/// The whole text kubeconform prints after `Check JSON formatting: `.
fn printed(schema: Json, instance: Json) -> String {
    invalid_message(URL, &errors(schema, instance)).replace('\n', " ")
}

fn at(path: &str, msg: &str) -> (String, String) {
    (path.to_string(), msg.to_string())
}

#[test]
fn type_names_got_and_wanted_types_in_v6_order() {
    let s = json!({"type": "object", "properties": {"r": {"type": ["integer", "null"]}}});
    assert_eq!(
        only(s.clone(), json!({"r": "2"})),
        at("/r", "got string, want null or integer")
    );
    // Every number is a `number` to v6, whole or not.
    assert_eq!(
        only(s, json!({"r": 1.5})),
        at("/r", "got number, want null or integer")
    );
    let s = json!({"properties": {"k": {"type": ["string", "null"]}}});
    assert_eq!(
        only(s, json!({"k": 1})),
        at("/k", "got number, want null or string")
    );
    let s = json!({"properties": {"o": {"type": "object"}}});
    assert_eq!(
        only(s, json!({"o": [1]})),
        at("/o", "got array, want object")
    );
}

#[test]
fn additional_properties_listed_in_document_order() {
    let s = json!({"properties": {"a": {}}, "additionalProperties": false});
    assert_eq!(
        only(s.clone(), json!({"zz": 1, "a": 1, "b": 2})),
        at("", "additional properties 'zz', 'b' not allowed")
    );
    assert_eq!(
        only(s, json!({"it's": 1})),
        at("", "additional properties 'it\\'s' not allowed")
    );
}

#[test]
fn required_names_every_missing_property_once() {
    let s = json!({"required": ["a", "b", "c"]});
    assert_eq!(
        only(s.clone(), json!({"b": 1})),
        at("", "missing properties 'a', 'c'")
    );
    assert_eq!(
        only(s, json!({"a": 1, "b": 1})),
        at("", "missing property 'c'")
    );
}

#[test]
fn enum_and_const_show_the_allowed_values() {
    let s = json!({"properties": {"p": {"enum": ["Always", "Never", 3, true, null]}}});
    assert_eq!(
        only(s, json!({"p": "Sometimes"})),
        at(
            "/p",
            "value must be one of 'Always', 'Never', 3, true, <nil>"
        )
    );
    let s = json!({"properties": {"p": {"enum": ["Deployment"]}}});
    assert_eq!(
        only(s, json!({"p": "Job"})),
        at("/p", "value must be 'Deployment'")
    );
    let s = json!({"properties": {"p": {"enum": [[1], "x"]}}});
    assert_eq!(only(s, json!({"p": "y"})), at("/p", "enum failed"));
    let s = json!({"$schema": LATEST, "properties": {"p": {"const": "v1"}}});
    assert_eq!(only(s, json!({"p": "v2"})), at("/p", "value must be 'v1'"));
    let s = json!({"$schema": LATEST, "properties": {"p": {"const": {"a": 1}}}});
    assert_eq!(only(s, json!({"p": 1})), at("/p", "const failed"));
}

#[test]
fn pattern_is_quoted_as_the_schema_wrote_it() {
    // The pattern is rewritten for RE2 meaning; the message shows the original, Go-quoted.
    let s = json!({"properties": {"d": {"type": "string", "pattern": "^\\d+(ms|s)$"}}});
    assert_eq!(
        only(s, json!({"d": "5m"})),
        at("/d", "'5m' does not match pattern '^\\\\d+(ms|s)$'")
    );
}

#[test]
fn bounds_and_lengths_use_the_english_printer() {
    let s = json!({"properties": {"n": {"minimum": 1, "maximum": 65535}}});
    assert_eq!(
        only(s.clone(), json!({"n": 0})),
        at("/n", "minimum: got 0, want 1")
    );
    assert_eq!(
        only(s, json!({"n": 70000})),
        at("/n", "maximum: got 70,000, want 65,535")
    );
    let s = json!({"$schema": LATEST, "properties": {"n": {"exclusiveMinimum": 0.5}}});
    assert_eq!(
        only(s, json!({"n": 0.25})),
        at("/n", "exclusiveMinimum: got 0.25, want 0.5")
    );
    let s = json!({"properties": {"s": {"minLength": 2, "maxLength": 3}}});
    assert_eq!(
        only(s.clone(), json!({"s": "abcd"})),
        at("/s", "maxLength: got 4, want 3")
    );
    assert_eq!(
        only(s, json!({"s": "é"})),
        at("/s", "minLength: got 1, want 2")
    );
    let s = json!({"properties": {"l": {"minItems": 1, "maxItems": 1}}});
    assert_eq!(
        only(s.clone(), json!({"l": []})),
        at("/l", "minItems: got 0, want 1")
    );
    assert_eq!(
        only(s, json!({"l": [1, 2]})),
        at("/l", "maxItems: got 2, want 1")
    );
    let s = json!({"properties": {"s": {"maxLength": 999}}});
    assert_eq!(
        only(s, json!({"s": "x".repeat(1000)})),
        at("/s", "maxLength: got 1,000, want 999")
    );
}

#[test]
fn formats_name_the_reason_when_asserted() {
    // No `$schema`: draft 4, formats asserted (kubeconform's default draft).
    let s = json!({"properties": {"t": {"type": "string", "format": "date-time"}}});
    assert_eq!(
        only(s.clone(), json!({"t": "2024-01-01"})),
        at(
            "/t",
            "'2024-01-01' is not valid date-time: less than 20 characters long"
        )
    );
    assert_eq!(
        only(s, json!({"t": "2024-01-01 10:00:00Z"})),
        at(
            "/t",
            "'2024-01-01 10:00:00Z' is not valid date-time: 11th character must be t or T"
        )
    );
    let s = json!({"properties": {"d": {"type": "string", "format": "duration"}}});
    assert_eq!(
        only(s.clone(), json!({"d": "5 minutes"})),
        at("/d", "'5 minutes' is not valid duration: must start with P")
    );
    assert_eq!(
        only(s, json!({"d": "PT5X"})),
        at("/d", "'PT5X' is not valid duration: invalid unit 'X'")
    );
}

#[test]
fn one_of_and_any_of_hold_one_cause_per_branch() {
    let s = json!({"properties": {"port": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}});
    assert_eq!(
        printed(s, json!({"port": true})),
        format!(
            "jsonschema validation failed with '{URL}#' - at '/port': oneOf failed, none matched   - at '/port': got boolean, want string   - at '/port': got boolean, want integer"
        )
    );
    let s = json!({"properties": {"q": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[0-9]+m$"}]}}});
    assert_eq!(
        printed(s, json!({"q": "1x"})),
        format!(
            "jsonschema validation failed with '{URL}#' - at '/q': anyOf failed   - at '/q': got string, want integer   - at '/q': '1x' does not match pattern '^[0-9]+m$'"
        )
    );
    let s = json!({"properties": {"v": {"oneOf": [{"type": "integer"}, {"minimum": 0}]}}});
    assert_eq!(
        only(s, json!({"v": 3})),
        at("/v", "oneOf failed, subschemas 0, 1 matched")
    );
}

#[test]
fn a_failed_type_hides_the_rest_of_that_schema() {
    let s = json!({"properties": {"p": {"type": "string", "enum": ["a"], "minLength": 3}}});
    assert_eq!(
        only(s, json!({"p": 5})),
        at("/p", "got number, want string")
    );
    let s = json!({"properties": {"p": {"enum": ["a"], "pattern": "^b"}}});
    assert_eq!(only(s, json!({"p": "c"})), at("/p", "value must be 'a'"));
}

#[test]
fn several_errors_of_one_value_form_a_group() {
    let s = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "kind": {"type": "string"},
            "spec": {
                "type": "object",
                "additionalProperties": false,
                "required": ["selector"],
                "properties": {"replicas": {"type": ["integer", "null"]}, "selector": {}}
            }
        }
    });
    let doc = json!({"kind": "Deployment", "extra": 1, "spec": {"replicas": "2", "foo": 1}});
    assert_eq!(
        printed(s.clone(), doc),
        format!(
            "jsonschema validation failed with '{URL}#' - at '/spec': validation failed   - at '/spec': missing property 'selector'   - at '/spec/replicas': got string, want null or integer   - at '/spec': additional properties 'foo' not allowed - at '': additional properties 'extra' not allowed"
        )
    );
    // The JSON output lists only the top level.
    let errs = errors(
        s,
        json!({"kind": 1, "spec": {"replicas": "2", "selector": {}}}),
    );
    let top: Vec<(String, String)> = errs
        .iter()
        .map(|e| (e.path.clone(), e.msg.clone()))
        .collect();
    assert_eq!(
        top,
        vec![
            at("/kind", "got number, want string"),
            at("/spec/replicas", "got string, want null or integer"),
        ]
    );
}

#[test]
fn pointers_escape_slashes_and_tildes() {
    let s = json!({"properties": {"metadata": {"properties": {"annotations": {"additionalProperties": {"type": "string"}}}}}});
    let errs = errors(s, json!({"metadata": {"annotations": {"a/b~c": 1}}}));
    assert_eq!(errs[0].path, "/metadata/annotations/a~1b~0c");
    assert_eq!(errs[0].kubeconform_path(), "/metadata/annotations/a/b~c");
}

#[test]
fn property_names_name_the_key_at_the_root_of_its_own_run() {
    let s =
        json!({"$schema": LATEST, "properties": {"labels": {"propertyNames": {"maxLength": 3}}}});
    let errs = errors(s, json!({"labels": {"ok": 1, "toolong": 2}}));
    assert_eq!(
        errs,
        vec![ValidationError {
            path: String::new(),
            msg: "invalid propertyName 'toolong'".to_string(),
            causes: vec![ValidationError::new("", "maxLength: got 7, want 3")],
        }]
    );
}

#[test]
fn whole_floats_are_integers_as_for_go() {
    // sigs.k8s.io/yaml hands kubeconform float64s; v6 takes a whole one as an integer in any
    // draft.
    let s = json!({"properties": {"r": {"type": "integer", "enum": [2, 3]}}});
    assert!(errors(s.clone(), json!({"r": 2.0})).is_empty());
    assert_eq!(
        only(s, json!({"r": 2.5})),
        at("/r", "got number, want integer")
    );
}

#[test]
fn a_failed_type_behind_a_ref_hides_the_rest_of_that_schema() {
    let s = json!({
        "$schema": LATEST,
        "$defs": {"name": {"type": "string", "minLength": 3, "enum": ["abc"]}},
        "properties": {"a": {"$ref": "#/$defs/name"}, "b": {"$ref": "#/$defs/name"}}
    });
    let errs = errors(s, json!({"a": 1, "b": "xy"}));
    let got: Vec<(String, String)> = errs
        .iter()
        .map(|e| (e.path.clone(), e.msg.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            at("/a", "got number, want string"),
            at("/b", "value must be 'abc'"),
        ]
    );
}

#[test]
fn all_of_holds_one_cause_per_failing_branch() {
    let s = json!({
        "$schema": LATEST,
        "properties": {"spec": {"allOf": [
            {"required": ["a"]},
            {"properties": {"b": {"type": "string"}, "c": {"type": "string"}}},
            {"properties": {"b": {"maxLength": 1}}}
        ]}}
    });
    assert_eq!(
        printed(s, json!({"spec": {"b": 1, "c": 2}})),
        format!(
            "jsonschema validation failed with '{URL}#' - at '/spec': allOf failed   - at '/spec': missing property 'a'   - at '/spec': validation failed     - at '/spec/b': got number, want string     - at '/spec/c': got number, want string"
        )
    );
}
