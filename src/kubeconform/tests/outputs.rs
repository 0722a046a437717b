//! The output formats, byte for byte.

use super::*;

#[test]
fn tap_output() {
    let t = fixtures();
    let r = kc(t.path(), &["-output", "tap", "DIR/valid.yaml"]);
    assert_eq!(
        (r.code, r.out.as_str()),
        (
            0,
            "TAP version 13\nok 1 - DIR/valid.yaml (v1/ReplicationController//bob)\n1..1\n"
        )
    );
    let r = kc(
        t.path(),
        &[
            "-output",
            "tap",
            "-skip",
            "Service",
            "DIR/blank.yaml",
            "DIR/multi.yaml",
            "DIR/crd.yaml",
        ],
    );
    assert_eq!(
        r.out,
        "TAP version 13\nok 1 - DIR/blank.yaml (empty)\nok 2 - DIR/multi.yaml (v1/Service//a) # skip\nok 3 - DIR/multi.yaml (v1/ConfigMap//b)\nok 4 - DIR/multi.yaml (empty)\nok 5 - DIR/multi.yaml (apps/v1/Deployment/prod/c)\nnot ok 6 - DIR/crd.yaml: could not find schema for Widget\n1..6\n"
    );
    let r = run_args(t.path(), &["-output", "tap"], "", &Fake::new());
    assert_eq!(r.out, "1..0\n");
}

#[test]
fn json_output() {
    let t = fixtures();
    let r = kc(t.path(), &["-output", "json", "DIR/valid.yaml"]);
    assert_eq!((r.code, r.out.as_str()), (0, "{\n  \"resources\": []\n}\n"));
    let r = kc(
        t.path(),
        &[
            "-output",
            "json",
            "-summary",
            "DIR/invalid.yaml",
            "DIR/crd.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    let want = r#"{
  "resources": [
    {
      "filename": "DIR/invalid.yaml",
      "kind": "Bad",
      "name": "x",
      "version": "v1",
      "status": "statusInvalid",
      "msg": "problem validating schema. Check JSON formatting: jsonschema validation failed with 'https://example.test/master-standalone/bad-v1.json#' - at '/spec/replicas': got string, want null or integer",
      "validationErrors": [
        {
          "path": "/spec/replicas",
          "msg": "got string, want null or integer"
        }
      ]
    },
    {
      "filename": "DIR/crd.yaml",
      "kind": "Widget",
      "name": "w",
      "version": "example.com/v1",
      "status": "statusError",
      "msg": "could not find schema for Widget"
    }
  ],
  "summary": {
    "valid": 0,
    "invalid": 1,
    "errors": 1,
    "skipped": 0
  }
}
"#;
    assert_eq!(r.out, want);
    // Verbose lists valid, skipped and even empty documents (with an empty status).
    let r = kc(
        t.path(),
        &[
            "-output",
            "json",
            "-verbose",
            "-skip",
            "Service",
            "DIR/multi.yaml",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&r.out).expect("json");
    let statuses: Vec<&str> = v["resources"]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        statuses,
        ["statusSkipped", "statusValid", "", "statusValid"]
    );
}

#[test]
fn json_strings_escape_like_go() {
    assert_eq!(
        output::go_json_string("a<b>&\"\\\n\u{1}"),
        "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001\""
    );
    let e = ValidationError::new("/metadata/annotations/a~1b~0c", "m");
    assert_eq!(e.kubeconform_path(), "/metadata/annotations/a/b~c");
    assert_eq!(ValidationError::new("", "m").kubeconform_path(), "");
    let nested = ValidationError {
        path: "/spec".into(),
        msg: "oneOf failed, none matched".into(),
        causes: vec![ValidationError::new("/spec/x", "it's wrong")],
    };
    assert_eq!(
        invalid_message("file:///s.json", &[nested]),
        "jsonschema validation failed with 'file:///s.json#'\n- at '/spec': oneOf failed, none matched\n  - at '/spec/x': it's wrong"
    );
    assert_eq!(single_quote("a'b\"c"), "'a\\'b\"c'");
}

#[test]
fn junit_output() {
    let t = fixtures();
    let r = kc(
        t.path(),
        &[
            "-output",
            "junit",
            "-skip",
            "Service",
            "DIR/blank.yaml",
            "DIR/multi.yaml",
            "DIR/invalid.yaml",
            "DIR/crd.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    let (head, rest) = r.out.split_once("\" tests=").expect("time attribute");
    assert!(head.starts_with("<testsuites name=\"kubeconform\" time=\""));
    let time = &head["<testsuites name=\"kubeconform\" time=\"".len()..];
    assert!(time.parse::<f64>().is_ok(), "{time}");
    let want = r#""5" failures="1" disabled="1" errors="1">
  <testsuite name="DIR/blank.yaml" id="1" tests="0" failures="0" errors="0" disabled="0" skipped="0"></testsuite>
  <testsuite name="DIR/multi.yaml" id="2" tests="3" failures="0" errors="0" disabled="0" skipped="1">
    <testcase name="a" classname="Service@v1" time="0">
      <skipped message=""></skipped>
    </testcase>
    <testcase name="b" classname="ConfigMap@v1" time="0"></testcase>
    <testcase name="prod/c" classname="Deployment@apps/v1" time="0"></testcase>
  </testsuite>
  <testsuite name="DIR/invalid.yaml" id="3" tests="1" failures="1" errors="0" disabled="0" skipped="0">
    <testcase name="x" classname="Bad@v1" time="0">
      <failure message="problem validating schema. Check JSON formatting: jsonschema validation failed with &#39;https://example.test/master-standalone/bad-v1.json#&#39; - at &#39;/spec/replicas&#39;: got string, want null or integer" type=""></failure>
    </testcase>
  </testsuite>
  <testsuite name="DIR/crd.yaml" id="4" tests="1" failures="0" errors="1" disabled="0" skipped="0">
    <testcase name="w" classname="Widget@example.com/v1" time="0">
      <error message="could not find schema for Widget" type=""></error>
    </testcase>
  </testsuite>
</testsuites>
"#;
    assert_eq!(rest, want);
}

#[test]
fn pretty_output_colours() {
    let t = fixtures();
    let r = kc(
        t.path(),
        &[
            "-output",
            "pretty",
            "-verbose",
            "-summary",
            "-skip",
            "Service",
            "DIR/valid.yaml",
            "DIR/invalid.yaml",
            "DIR/crd.yaml",
            "DIR/multi.yaml",
            "DIR/missing_kind.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    let want = concat!(
        "\x1b[32m\u{2714}\x1b[0m DIR/valid.yaml: \x1b[32mReplicationController bob is valid\x1b[0m\n",
        "\x1b[31m\u{2716}\x1b[0m DIR/invalid.yaml: \x1b[31mBad x is invalid: problem validating schema. Check JSON formatting: jsonschema validation failed with 'https://example.test/master-standalone/bad-v1.json#' - at '/spec/replicas': got string, want null or integer\x1b[0m\n",
        "\x1b[31m\u{2716}\x1b[0m DIR/crd.yaml: \x1b[31mWidget failed validation: w could not find schema for Widget\x1b[0m\n",
        "\x1b[33m-\x1b[0m DIR/multi.yaml: \x1b[33mService a skipped\x1b[0m\n",
        "\x1b[32m\u{2714}\x1b[0m DIR/multi.yaml: \x1b[32mConfigMap b is valid\x1b[0m\n",
        "\x1b[32m\u{2714}\x1b[0m DIR/multi.yaml: \x1b[32mDeployment c is valid\x1b[0m\n",
        "\x1b[31m\u{2716}\x1b[0m DIR/missing_kind.yaml: \x1b[31mfailed validation: k error while parsing: missing 'kind' key\x1b[0m\n",
        "Summary: 7 resources found in 5 files - Valid: 3, Invalid: 1, Errors: 2, Skipped: 1\n",
    );
    assert_eq!(r.out, want);
}

#[test]
fn exit_on_error_stops_at_the_first_failure() {
    let t = fixtures();
    let r = kc(
        t.path(),
        &[
            "-exit-on-error",
            "-summary",
            "DIR/valid.yaml",
            "DIR/crd.yaml",
            "DIR/invalid.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        format!(
            "DIR/crd.yaml - Widget w failed validation: could not find schema for Widget\n{}",
            summary(2, 2, 1, 0, 1, 0)
        )
    );
}

#[test]
fn stdin_empty_documents_count_in_tap() {
    let fake = Fake::new();
    let t = fixtures();
    let r = run_args(
        t.path(),
        &["-output", "tap"],
        "\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
        &fake,
    );
    assert_eq!(
        r.out,
        "TAP version 13\nok 1 - stdin (empty)\nok 2 - stdin (v1/Service//s)\n1..2\n"
    );
}
