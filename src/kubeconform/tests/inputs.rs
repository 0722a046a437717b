//! Flags, inputs and statuses.

use std::fs;

use super::*;

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
fn yaml_errors_read_like_go_yaml() {
    let t = fixtures();
    let w = |name: &str, text: &str| fs::write(t.path().join(name), text).expect("write");
    w(
        "e1.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  b: c: d\n",
    );
    w(
        "e2.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n bad: 1\n",
    );
    w(
        "e3.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\na: @x\n",
    );
    let r = kc(t.path(), &["DIR/e1.yaml", "DIR/e2.yaml", "DIR/e3.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "DIR/e1.yaml - failed validation: error unmarshalling resource: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context\n\
DIR/e2.yaml - failed validation: error unmarshalling resource: error converting YAML to JSON: yaml: line 4: did not find expected key\n\
DIR/e3.yaml - failed validation: error unmarshalling resource: error converting YAML to JSON: yaml: line 1: found character that cannot start any token\n"
    );
}

#[test]
fn bad_ignore_pattern_is_a_discovery_error() {
    let t = fixtures();
    let r = kc(
        t.path(),
        &["-ignore-filename-pattern", "(", "DIR/valid.yaml"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.out,
        "DIR/valid.yaml - failed validation: error parsing regexp: missing closing ): `(`\n"
    );
}

#[test]
fn empty_folder_and_no_workers() {
    let t = fixtures();
    fs::create_dir(t.path().join("empty")).expect("mkdir");
    let r = kc(t.path(), &["-summary", "DIR/empty"]);
    assert_eq!((r.code, r.out), (0, summary(0, 0, 0, 0, 0, 0)));
    // With no worker goroutine kubeconform deadlocks once there is a resource to hand over.
    let r = kc(t.path(), &["-n", "0", "-summary", "DIR/empty"]);
    assert_eq!(r.code, 0);
    let r = kc(t.path(), &["-n", "0", "DIR/valid.yaml"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "fatal error: all goroutines are asleep - deadlock!\n"
    );
}

#[test]
fn workers_parse_as_go_integers() {
    let n = |v: &str| {
        let p = parse_flags(PROG, &["-n".to_string(), v.to_string()]);
        p.error.map_or(Ok(p.config.workers), Err)
    };
    assert_eq!(n("8"), Ok(8));
    assert_eq!(n("0x10"), Ok(16));
    assert_eq!(n("010"), Ok(8));
    assert_eq!(n("1_0"), Ok(10));
    assert_eq!(n("0b_11"), Ok(3));
    assert_eq!(n("-2"), Ok(-2));
    assert!(n("_1").is_err());
    assert!(n("1__0").is_err());
    assert_eq!(
        n("99999999999999999999"),
        Err("invalid value \"99999999999999999999\" for flag -n: value out of range".to_string())
    );
}
