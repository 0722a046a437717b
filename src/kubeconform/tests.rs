//! kubeconform's documented behaviour (its acceptance tests and output code) against a fake
//! validator: kinds listed in `KNOWN` are valid, `Bad` is invalid, `Boom` fails, others have no
//! schema.

use std::fs;
use std::path::Path;
use std::sync::Mutex;

use super::*;

const KNOWN: &[&str] = &[
    "ReplicationController",
    "Service",
    "Deployment",
    "ConfigMap",
    "Job",
];

const SCHEMA: &str = "https://example.test/master-standalone/bad-v1.json";

struct Fake {
    seen: Mutex<Vec<(String, String, u32)>>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl DocValidator for Fake {
    fn validate(&self, doc: &Document) -> Outcome {
        let line = doc
            .node
            .get_path(&["kind"])
            .and_then(|n| n.span.as_ref())
            .map_or(0, |s| s.line);
        if let Ok(mut seen) = self.seen.lock() {
            seen.push((doc.kind.clone(), doc.name.clone(), line));
        }
        match doc.kind.as_str() {
            k if KNOWN.contains(&k) => Outcome::Valid,
            "Bad" => Outcome::Invalid {
                schema: SCHEMA.to_string(),
                errors: vec![ValidationError::new(
                    "/spec/replicas",
                    "got string, want null or integer",
                )],
            },
            "Boom" => Outcome::Error("Get \"https://x\": connection refused".to_string()),
            _ => Outcome::NotFound,
        }
    }
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run_args(dir: &Path, args: &[&str], stdin: &str, fake: &Fake) -> Run {
    let d = dir.to_string_lossy().into_owned();
    let args: Vec<String> = args.iter().map(|a| a.replace("DIR", &d)).collect();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = run(&args, &mut stdin.as_bytes(), &mut out, &mut err, fake);
    Run {
        code,
        out: String::from_utf8_lossy(&out).replace(&d, "DIR"),
        err: String::from_utf8_lossy(&err).replace(&d, "DIR"),
    }
}

fn kc(dir: &Path, args: &[&str]) -> Run {
    run_args(dir, args, "", &Fake::new())
}

const VALID: &str =
    "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: bob\nspec:\n  replicas: 2\n";

const MULTI: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: c\n  namespace: prod\n";

fn fixtures() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let p = t.path();
    let w = |name: &str, text: &str| {
        let path = p.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, text).expect("write");
    };
    w("valid.yaml", VALID);
    w("multi.yaml", MULTI);
    w("blank.yaml", "");
    w("comment.yaml", "# nothing here\n");
    w(
        "invalid.yaml",
        "apiVersion: v1\nkind: Bad\nmetadata:\n  name: x\nspec:\n  replicas: \"2\"\n",
    );
    w(
        "crd.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
    );
    w(
        "missing_kind.yaml",
        "apiVersion: v1\nmetadata:\n  name: k\n",
    );
    w(
        "missing_version.yaml",
        "kind: Service\nmetadata:\n  name: s\n",
    );
    w(
        "generate_name.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\n",
    );
    w(
        "dup.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: d\nspec:\n  type: A\n  type: B\n",
    );
    w(
        "list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: one\n- apiVersion: v1\n  kind: Bad\n  metadata:\n    name: two\n",
    );
    w("list_empty.yaml", "apiVersion: v1\nkind: List\nitems: []\n");
    w(
        "folder/a.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n",
    );
    w(
        "folder/sub/b.json",
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"j\"}\n}\n",
    );
    w("folder/notes.txt", "kind: Bad\n");
    w(
        "folder/Chart.YML",
        "apiVersion: v1\nkind: Job\nmetadata:\n  name: upper\n",
    );
    t
}

fn summary(n: usize, files: usize, v: usize, i: usize, e: usize, s: usize) -> String {
    let rs = if n > 1 { "s" } else { "" };
    let fs = if files > 1 { "s" } else { "" };
    format!(
        "Summary: {n} resource{rs} found in {files} file{fs} - Valid: {v}, Invalid: {i}, Errors: {e}, Skipped: {s}\n"
    )
}

#[test]
fn help_goes_to_stdout_with_exit_0() {
    let t = fixtures();
    let r = kc(t.path(), &["-h"]);
    assert_eq!(r.code, 0);
    assert!(r.err.is_empty());
    assert!(r.out.starts_with("Usage: kubeconform [OPTION]... [FILE OR FOLDER]...\n  -cache string\n    \tcache schemas downloaded via HTTP to this folder\n"));
    assert!(r.out.contains("\n  -h\tshow help information\n"));
    assert!(r.out.contains("\n  -kubernetes-version value\n    \tversion of Kubernetes to validate against, e.g.: 1.18.0 (default master)\n"));
    assert!(
        r.out
            .contains("\n  -n int\n    \tnumber of goroutines to run concurrently (default 4)\n")
    );
    assert!(r.out.contains("\n  -output string\n    \toutput format - json, junit, pretty, tap, text (default \"text\")\n"));
    // Go's Println after usage text that ends in a newline.
    assert!(r.out.ends_with("(ignored for tap and junit output)\n\n"));
}

#[test]
fn unknown_flag_prints_error_and_usage_to_stderr() {
    let t = fixtures();
    let r = kc(t.path(), &["-xyz", "DIR/valid.yaml"]);
    assert_eq!(r.code, 1);
    assert!(r.out.is_empty());
    let mut lines = r.err.lines();
    assert_eq!(lines.next(), Some("flag provided but not defined: -xyz"));
    assert_eq!(
        lines.next(),
        Some("Usage: kubeconform [OPTION]... [FILE OR FOLDER]...")
    );
    let r = kc(t.path(), &["--help"]);
    assert_eq!(r.code, 1);
    assert!(r.err.starts_with("Usage: kubeconform"));
}

#[test]
fn bad_flag_values_use_go_messages() {
    let t = fixtures();
    let r = kc(t.path(), &["-kubernetes-version", "1.25", "DIR/valid.yaml"]);
    assert_eq!(r.code, 1);
    let mut lines = r.err.lines();
    assert_eq!(
        lines.next(),
        Some(
            "invalid value \"1.25\" for flag -kubernetes-version: 1.25 is not a valid version. Valid values are \"master\" (default) or full version x.y.z (e.g. \"1.27.2\")"
        )
    );
    assert!(lines.next().is_some_and(|l| l.starts_with("Usage:")));
    let r = kc(t.path(), &["-n", "many", "DIR/valid.yaml"]);
    assert!(
        r.err
            .starts_with("invalid value \"many\" for flag -n: parse error\n")
    );
    let r = kc(t.path(), &["-strict=maybe"]);
    assert!(
        r.err
            .starts_with("invalid boolean value \"maybe\" for -strict: parse error\n")
    );
    let r = kc(t.path(), &["-output"]);
    assert!(r.err.starts_with("flag needs an argument: -output\n"));
    let r = kc(t.path(), &["---summary"]);
    assert!(r.err.starts_with("bad flag syntax: ---summary\n"));
    assert_eq!(r.code, 1);
}

#[test]
fn flag_forms_and_flags_stop_at_the_first_path() {
    let t = fixtures();
    let want = summary(1, 1, 1, 0, 0, 0);
    for args in [
        &["-summary", "DIR/valid.yaml"][..],
        &["--summary", "DIR/valid.yaml"],
        &["-summary=true", "-n=2", "DIR/valid.yaml"],
        &["-output", "text", "-summary", "--", "DIR/valid.yaml"],
    ] {
        let r = kc(t.path(), args);
        assert_eq!((r.code, r.out.as_str()), (0, want.as_str()), "{args:?}");
    }
    // A flag after a path is a path.
    let r = kc(t.path(), &["DIR/valid.yaml", "-summary"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "-summary - failed validation: lstat -summary: no such file or directory\n"
    );
    let parsed = parse_flags(
        PROG,
        &[
            "-skip",
            "A, v1/B,,",
            "-schema-location",
            "x",
            "-schema-location",
            "default",
            "f",
        ]
        .map(String::from),
    );
    assert_eq!(parsed.config.schema_locations, vec!["x", "default"]);
    assert_eq!(
        parsed.config.skip_kinds.iter().collect::<Vec<_>>(),
        vec!["A", "v1/B"]
    );
    assert_eq!(parsed.config.files, vec!["f"]);
}

#[test]
fn version_flag() {
    let t = fixtures();
    let r = kc(t.path(), &["-v"]);
    assert_eq!((r.code, r.out.as_str()), (0, "v0.7.0\n"));
}

#[test]
fn files_folders_and_summaries() {
    let t = fixtures();
    let r = kc(t.path(), &["-summary", "DIR/folder"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.out, summary(4, 3, 4, 0, 0, 0));
    let r = kc(t.path(), &["-summary", "DIR/multi.yaml"]);
    assert_eq!(r.out, summary(3, 1, 3, 0, 0, 0));
    for f in ["blank.yaml", "comment.yaml", "list_empty.yaml"] {
        let r = kc(t.path(), &["-summary", &format!("DIR/{f}")]);
        assert_eq!(
            (r.code, r.out.as_str()),
            (0, summary(0, 1, 0, 0, 0, 0).as_str()),
            "{f}"
        );
    }
    let r = kc(t.path(), &["-verbose", "DIR/folder/"]);
    assert_eq!(
        r.out,
        "DIR/folder/Chart.YML - Job upper is valid\nDIR/folder/a.yaml - Service a is valid\nDIR/folder/a.yaml - Service b is valid\nDIR/folder/sub/b.json - ConfigMap j is valid\n"
    );
}

#[test]
fn verbose_text_lines() {
    let t = fixtures();
    let r = kc(t.path(), &["-verbose", "DIR/valid.yaml"]);
    assert_eq!(
        r.out,
        "DIR/valid.yaml - ReplicationController bob is valid\n"
    );
    let r = kc(t.path(), &["-verbose", "DIR/generate_name.yaml"]);
    assert_eq!(
        r.out,
        "DIR/generate_name.yaml - Job pi-{{ generateName }} is valid\n"
    );
}

#[test]
fn missing_files_and_keys_are_errors() {
    let t = fixtures();
    let r = kc(t.path(), &["DIR/not-here"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "DIR/not-here - failed validation: lstat DIR/not-here: no such file or directory\n"
    );
    let r = kc(t.path(), &["-summary", "DIR/missing_kind.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        format!(
            "DIR/missing_kind.yaml - failed validation: error while parsing: missing 'kind' key\n{}",
            summary(1, 1, 0, 0, 1, 0)
        )
    );
    let r = kc(t.path(), &["DIR/missing_version.yaml"]);
    assert_eq!(
        r.out,
        "DIR/missing_version.yaml - Service s failed validation: error while parsing: missing 'apiVersion' key\n"
    );
}

#[test]
fn missing_schemas() {
    let t = fixtures();
    let r = kc(t.path(), &["DIR/crd.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "DIR/crd.yaml - Widget w failed validation: could not find schema for Widget\n"
    );
    let r = kc(
        t.path(),
        &["-ignore-missing-schemas", "-verbose", "DIR/crd.yaml"],
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.out, "DIR/crd.yaml - w Widget skipped\n");
}

#[test]
fn validator_errors_are_printed_as_given() {
    let t = fixtures();
    fs::write(
        t.path().join("boom.yaml"),
        "apiVersion: v1\nkind: Boom\nmetadata:\n  name: b\n",
    )
    .expect("write");
    let r = kc(t.path(), &["DIR/boom.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "DIR/boom.yaml - Boom b failed validation: Get \"https://x\": connection refused\n"
    );
}

#[test]
fn strict_rejects_duplicate_keys() {
    let t = fixtures();
    let r = kc(t.path(), &["DIR/dup.yaml"]);
    assert_eq!((r.code, r.out.as_str()), (0, ""));
    let r = kc(t.path(), &["-strict", "DIR/dup.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "DIR/dup.yaml - Service d failed validation: error unmarshalling resource: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key \"type\" already set in map\n"
    );
}

#[test]
fn stdin_implicit_and_explicit() {
    let t = fixtures();
    let fake = Fake::new();
    for args in [&["-summary"][..], &["-summary", "-"]] {
        let r = run_args(t.path(), args, VALID, &fake);
        assert_eq!(r.code, 0);
        assert_eq!(
            r.out,
            "Summary: 1 resource found parsing stdin - Valid: 1, Invalid: 0, Errors: 0, Skipped: 0\n"
        );
    }
    let bad = fs::read_to_string(t.path().join("list.yaml")).expect("read");
    let r = run_args(t.path(), &["-summary", "-"], &bad, &fake);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "stdin - Bad two is invalid: problem validating schema. Check JSON formatting: jsonschema validation failed with 'https://example.test/master-standalone/bad-v1.json#' - at '/spec/replicas': got string, want null or integer\nSummary: 2 resources found parsing stdin - Valid: 1, Invalid: 1, Errors: 0, Skipped: 0\n"
    );
}

#[test]
fn terminal_stdin_is_refused() {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let fake = Fake::new();
    let mut factory = |_: &Config| Ok(Box::new(&fake) as Box<dyn DocValidator + '_>);
    let code = run_with(
        &["-summary".to_string()],
        &mut &b""[..],
        true,
        &mut out,
        &mut err,
        &mut factory,
    );
    assert_eq!(code, 1);
    assert!(out.is_empty());
    let err = String::from_utf8_lossy(&err);
    assert!(err.ends_with(" failing to read data from stdin\n"), "{err}");
}

#[test]
fn factory_and_cache_errors_stop_before_reading() {
    let t = fixtures();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut factory = |c: &Config| -> Result<Box<dyn DocValidator>, String> {
        Err(format!(
            "failed initialising schema location registry: {:?}",
            c.schema_locations
        ))
    };
    let args = ["-schema-location", "foo {{ .Foo }}", "x.yaml"].map(String::from);
    let code = run_with(
        &args,
        &mut &b""[..],
        false,
        &mut out,
        &mut err,
        &mut factory,
    );
    assert_eq!(code, 1);
    assert_eq!(
        String::from_utf8_lossy(&err),
        "failed initialising schema location registry: [\"foo {{ .Foo }}\"]\n"
    );
    let r = kc(
        t.path(),
        &["-cache", "DIR/nope", "-summary", "DIR/valid.yaml"],
    );
    assert_eq!(r.code, 1);
    assert!(r.out.is_empty());
    assert_eq!(
        r.err,
        "failed opening cache folder DIR/nope: stat DIR/nope: no such file or directory\n"
    );
    let r = kc(t.path(), &["-cache", "DIR", "-summary", "DIR/valid.yaml"]);
    assert_eq!(r.code, 0);
    let r = kc(t.path(), &["-output", "xml", "DIR/valid.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.err,
        "'outputFormat' must be 'json', 'junit', 'pretty', 'tap' or 'text'\n"
    );
}

#[test]
fn skip_and_reject() {
    let t = fixtures();
    for skip in ["ReplicationController", "v1/ReplicationController"] {
        let r = kc(t.path(), &["-verbose", "-skip", skip, "DIR/valid.yaml"]);
        assert_eq!(
            (r.code, r.out.as_str()),
            (0, "DIR/valid.yaml - bob ReplicationController skipped\n")
        );
    }
    let r = kc(
        t.path(),
        &[
            "-verbose",
            "-skip",
            "v2/ReplicationController",
            "DIR/valid.yaml",
        ],
    );
    assert_eq!(
        r.out,
        "DIR/valid.yaml - ReplicationController bob is valid\n"
    );
    let r = kc(
        t.path(),
        &[
            "-verbose",
            "-reject",
            "ReplicationController",
            "DIR/valid.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "DIR/valid.yaml - ReplicationController bob failed validation: prohibited resource kind ReplicationController\n"
    );
}

#[test]
fn ignore_filename_patterns() {
    let t = fixtures();
    let r = kc(
        t.path(),
        &[
            "-summary",
            "--ignore-filename-pattern",
            "crd",
            "--ignore-filename-pattern",
            ".*invalid.*",
            "DIR/invalid.yaml",
            "DIR/crd.yaml",
            "DIR/valid.yaml",
        ],
    );
    assert_eq!((r.code, r.out), (0, summary(1, 1, 1, 0, 0, 0)));
}

#[test]
fn lists_are_expanded() {
    let t = fixtures();
    let r = kc(t.path(), &["-summary", "DIR/list.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        format!(
            "DIR/list.yaml - Bad two is invalid: problem validating schema. Check JSON formatting: jsonschema validation failed with '{SCHEMA}#' - at '/spec/replicas': got string, want null or integer\n{}",
            summary(2, 1, 1, 1, 0, 0)
        )
    );
}

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
fn documents_carry_file_lines() {
    let t = fixtures();
    let fake = Fake::new();
    let r = run_args(t.path(), &["DIR/multi.yaml", "DIR/list.yaml"], "", &fake);
    assert_eq!(r.code, 1);
    let mut seen = fake.seen.lock().map(|s| s.clone()).unwrap_or_default();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("Bad".to_string(), "two".to_string(), 9),
            ("ConfigMap".to_string(), "b".to_string(), 7),
            ("Deployment".to_string(), "c".to_string(), 14),
            ("Service".to_string(), "a".to_string(), 2),
            ("Service".to_string(), "one".to_string(), 5),
        ]
    );
}

#[test]
fn odd_documents() {
    let t = fixtures();
    let w = |name: &str, text: &str| fs::write(t.path().join(name), text).expect("write");
    w("seq.yaml", "- a\n- b\n");
    w(
        "meta.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: oops\n",
    );
    w(
        "numkind.yaml",
        "apiVersion: v1\nkind: 5\nmetadata:\n  name: 7\n",
    );
    w(
        "case.yaml",
        "APIVERSION: v1\nKind: Service\nmetadata:\n  NAME: up\n",
    );
    let r = kc(
        t.path(),
        &["DIR/seq.yaml", "DIR/meta.yaml", "DIR/numkind.yaml"],
    );
    assert_eq!(
        r.out,
        "DIR/seq.yaml - failed validation: error unmarshalling resource: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}\n\
DIR/meta.yaml - failed validation: error while parsing: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field .Metadata of type struct { Name string \"yaml:\\\"name\\\"\"; Namespace string \"yaml:\\\"namespace\\\"\"; GenerateName string \"yaml:\\\"generateName\\\"\" }\n\
DIR/numkind.yaml - 5 7 failed validation: could not find schema for 5\n"
    );
    // Signature keys match case-insensitively, as Go's JSON decoder does.
    let r = kc(t.path(), &["-verbose", "DIR/case.yaml"]);
    assert_eq!(r.out, "DIR/case.yaml - Service up is valid\n");
}

#[test]
fn splitting_follows_kubeconforms_scanner() {
    let docs = |s: &str| -> Vec<String> {
        split_documents(s.as_bytes())
            .iter()
            .map(|c| format!("{}@{}", String::from_utf8_lossy(c.bytes), c.line_offset))
            .collect()
    };
    assert_eq!(docs("a: 1\n---\nb: 2\n"), ["a: 1@0", "b: 2\n@2"]);
    // A leading separator has no newline before it: left to the YAML parser.
    assert_eq!(docs("---\na: 1\n"), ["---\na: 1\n@0"]);
    // The rest of a separator line is dropped; `----` also separates.
    assert_eq!(docs("a\n--- # c\nb\n----\nc"), ["a@0", "b@2", "c@4"]);
    assert_eq!(docs("a\n---"), ["a@0"]);
    assert_eq!(docs("a\n---\n---\nb"), ["a@0", "---\nb@2"]);
    // A separator line without a final newline: the scanner gives up on the rest.
    assert_eq!(docs("a\n--- x"), Vec::<String>::new());
    assert_eq!(docs(""), Vec::<String>::new());
}

#[test]
fn go_paths_are_cleaned_when_walking() {
    assert_eq!(input::go_clean("./a//b/../c"), "a/c");
    assert_eq!(input::go_clean("/../x"), "/x");
    assert_eq!(input::go_clean("../.."), "../..");
    assert_eq!(input::go_clean("a/.."), ".");
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
