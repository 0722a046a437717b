//! Golden tests for every report format: the rendered bytes must equal the files under
//! `tests/golden/report/` exactly. SARIF is also validated against the SARIF 2.1.0 JSON schema and
//! JUnit against `junit.xsd` (both in `../shared/formats`, SKIP line when absent).
//!
//! To change an expected file on purpose: `FLUXVAL_BLESS=1 cargo test --test report_golden`
//! rewrites it and still fails, so the new file is read by eye before the test can pass.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use fluxval::diagnostic::{Diagnostic, dedupe};
use fluxval::report::{Format, RenderOptions, Summary, render};
use fluxval::resource::{Gvk, ResId};
use fluxval::yaml::Span;

fn span(file: &str, line: u32, col: u32) -> Span {
    Span::new(Arc::from(file), line, col)
}

fn id(api_version: &str, kind: &str, namespace: &str, name: &str) -> ResId {
    ResId {
        gvk: Gvk::from_api_version(api_version, kind),
        name: name.to_string(),
        namespace: namespace.to_string(),
    }
}

/// Findings covering every part a report shows: overlays, related places, fields, resources,
/// whole-file and file-less findings, a file outside the repository, a rule not in the
/// catalogue, and messages full of characters each format must escape.
fn findings() -> Vec<Diagnostic> {
    let release = "/repo/apps/base/podinfo/release.yaml";
    let podinfo = id(
        "helm.toolkit.fluxcd.io/v2",
        "HelmRelease",
        "flux-system",
        "podinfo",
    );
    let mut type_err = Diagnostic::error(
        "schema/type",
        "expected integer, got string \"3\"",
        Some(span(release, 12, 7)),
    )
    .with_resource(podinfo.clone())
    .with_pointer("/spec/values/replicaCount")
    .with_label(
        span("/repo/apps/production/patch.yaml", 8, 9),
        "the patch that set it",
    );
    type_err.roots = vec!["/repo/clusters/staging".into()];
    let mut same_in_production = type_err.clone();
    same_in_production.roots = vec!["/repo/clusters/production".into()];
    let mut unknown = Diagnostic::error(
        "schema/unknown-field",
        "unknown field \"a,b:c\" (100% sure)\r\nsecond line <x> & | *y* # `z` café",
        Some(span(release, 20, 5)),
    )
    .with_resource(podinfo)
    .with_pointer("/spec/a,b:c");
    unknown.roots = vec!["/repo/clusters/production".into()];
    let missing = Diagnostic::warning(
        "schema/missing",
        "no schema for example.com/v1alpha1 Widget",
        Some(span("/repo/infra/crds/widget.yaml", 1, 1)),
    )
    .with_resource(id("example.com/v1alpha1", "Widget", "", "example"));
    let offline = Diagnostic::note(
        "schema/skipped",
        "offline: schemas for 2 kinds are not cached",
        None,
    );
    let outside = Diagnostic::error(
        "yaml/invalid",
        "mapping values are not allowed in this context",
        Some(span("/elsewhere/my values.yaml", 0, 0)),
    );
    let uncatalogued = Diagnostic::warning(
        "flux/source-ref",
        "GitRepository flux-system/missing is not defined in this repository",
        Some(span("/repo/clusters/production/apps.yaml", 9, 0)),
    );
    // Characters GitHub's property escaping and URI encoding must handle, in a path.
    let odd_path = Diagnostic::note(
        "schema/skipped",
        "offline: the schema for Widget is not cached",
        Some(span("/repo/odd dir/a,b:c%.yaml", 2, 3)),
    );
    dedupe(vec![
        odd_path,
        type_err,
        same_in_production,
        unknown,
        missing,
        offline,
        outside,
        uncatalogued,
    ])
}

fn findings_summary() -> Summary {
    // The severity counts here are wrong on purpose: reports recount them from the findings.
    Summary {
        resources: 42,
        roots: 2,
        files: 3,
        errors: 0,
        warnings: 0,
        notes: 0,
        skipped_schemas: 1,
        duration: Duration::from_millis(1234),
    }
}

fn clean_summary() -> Summary {
    Summary {
        resources: 1,
        roots: 1,
        files: 0,
        duration: Duration::from_millis(50),
        ..Summary::default()
    }
}

fn options(color: bool) -> RenderOptions {
    RenderOptions {
        color,
        repo_root: PathBuf::from("/repo"),
        tool_version: "0.0.0-test",
        quiet: false,
    }
}

fn rendered(format: Format, diags: &[Diagnostic], summary: &Summary, color: bool) -> Vec<u8> {
    let mut out = Vec::new();
    render(format, diags, summary, &options(color), &mut out).expect("render to a Vec");
    out
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/report")
}

/// Fails on any byte difference, naming the first differing line.
fn assert_golden(name: &str, actual: &[u8]) {
    if let Some(failure) = golden_failure(name, actual) {
        panic!("{failure}");
    }
}

/// `None` when `actual` equals the golden file byte for byte; otherwise why not. With
/// `FLUXVAL_BLESS` set, a differing golden file is rewritten (and still reported).
fn golden_failure(name: &str, actual: &[u8]) -> Option<String> {
    let path = golden_dir().join(name);
    let expected = std::fs::read(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    if std::env::var_os("FLUXVAL_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).expect("create golden dir");
        std::fs::write(&path, actual).expect("write golden file");
        return Some(format!(
            "blessed {}: read it, then re-run without FLUXVAL_BLESS",
            path.display()
        ));
    }
    let exp = String::from_utf8_lossy(&expected);
    let act = String::from_utf8_lossy(actual);
    let first = exp
        .split_inclusive('\n')
        .zip(act.split_inclusive('\n'))
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| exp.lines().count().min(act.lines().count()));
    Some(format!(
        "{name} differs from {} at line {}:\n expected: {:?}\n   actual: {:?}\n\nwhole output:\n{act}",
        path.display(),
        first + 1,
        exp.split_inclusive('\n')
            .nth(first)
            .unwrap_or("<end of file>"),
        act.split_inclusive('\n')
            .nth(first)
            .unwrap_or("<end of file>"),
    ))
}

fn check_format(format: Format, ext: &str) {
    let failures: Vec<String> = [
        golden_failure(
            &format!("findings.{ext}"),
            &rendered(format, &findings(), &findings_summary(), false),
        ),
        golden_failure(
            &format!("clean.{ext}"),
            &rendered(format, &[], &clean_summary(), false),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn text_golden() {
    check_format(Format::Text, "txt");
}

#[test]
fn text_colour_golden() {
    let out = rendered(Format::Text, &findings(), &findings_summary(), true);
    assert_golden("findings.color.txt", &out);
    // Without colour the same text, minus the escape codes.
    let plain = String::from_utf8(rendered(
        Format::Text,
        &findings(),
        &findings_summary(),
        false,
    ))
    .expect("utf-8");
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .expect("regex")
        .replace_all(std::str::from_utf8(&out).expect("utf-8"), "");
    assert_eq!(stripped, plain);
}

#[test]
fn json_golden() {
    check_format(Format::Json, "json");
    let out = rendered(Format::Json, &findings(), &findings_summary(), false);
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json output parses");
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["errors"], 3);
    assert_eq!(v["summary"]["warnings"], 2);
    assert_eq!(v["summary"]["notes"], 2);
    // Findings about no file sort first; files outside the repository keep their path.
    assert!(v["diagnostics"][0]["location"].is_null());
    assert_eq!(
        v["diagnostics"][1]["location"]["file"],
        "/elsewhere/my values.yaml"
    );
    assert_eq!(
        v["diagnostics"][2]["location"]["file"],
        "apps/base/podinfo/release.yaml"
    );
    assert_eq!(
        v["diagnostics"][2]["overlays"],
        serde_json::json!(["clusters/production", "clusters/staging"])
    );
}

#[test]
fn sarif_golden() {
    check_format(Format::Sarif, "sarif.json");
    let out = rendered(Format::Sarif, &findings(), &findings_summary(), false);
    let v: serde_json::Value = serde_json::from_slice(&out).expect("SARIF parses");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    // Each result names its rule by id and by index, and the two agree.
    let results = run["results"].as_array().expect("results");
    for r in results {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    // Every rule a finding uses is listed once, catalogued ones with their help.
    for d in findings() {
        let listed: Vec<_> = rules
            .iter()
            .filter(|r| r["id"] == d.rule.as_str())
            .collect();
        assert_eq!(listed.len(), 1, "rule {} listed once", d.rule);
        if let Some(rule) = fluxval::rules::rule(&d.rule) {
            assert_eq!(listed[0]["help"]["text"], rule.help);
        }
    }
    // Every finding is there: located ones as results, the rest as notifications.
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(results.len() + notes, findings().len());
}

#[test]
fn junit_golden() {
    check_format(Format::Junit, "junit.xml");
}

#[test]
fn tap_golden() {
    check_format(Format::Tap, "tap");
    // Each point's diagnostic block is YAML that gives back the finding's exact message.
    let diags = findings();
    let out = String::from_utf8(rendered(Format::Tap, &diags, &findings_summary(), false))
        .expect("utf-8");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in out.lines() {
        match (line, current.as_mut()) {
            ("  ---", None) => current = Some(String::new()),
            ("  ...", Some(_)) => blocks.extend(current.take()),
            (l, Some(block)) => {
                block.push_str(l.strip_prefix("  ").expect("block lines are indented"));
                block.push('\n');
            }
            _ => {}
        }
    }
    assert_eq!(blocks.len(), diags.len());
    for (block, d) in blocks.iter().zip(&diags) {
        let docs = fluxval::yaml::parse_str(
            block,
            "tap-block",
            fluxval::yaml::Profile::Kubernetes,
            fluxval::yaml::Limits::default(),
        )
        .unwrap_or_else(|e| panic!("TAP block is not YAML: {e}\n{block}"));
        assert_eq!(docs[0].str_at(&["message"]), Some(d.message.as_str()));
        assert_eq!(docs[0].str_at(&["rule"]), Some(d.rule.as_str()));
    }
}

#[test]
fn github_golden() {
    check_format(Format::Github, "github.txt");
}

#[test]
fn markdown_golden() {
    check_format(Format::Markdown, "md");
}

fn formats_dir() -> Option<PathBuf> {
    let dir = common::shared_dir()?.join("formats");
    dir.is_dir().then_some(dir)
}

fn escape_stray_brackets(v: &mut serde_json::Value) {
    const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        serde_json::Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                if k == "pattern" && item == STRAY {
                    *item = serde_json::json!("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
                } else {
                    escape_stray_brackets(item);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(escape_stray_brackets),
        _ => {}
    }
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let Some(dir) = formats_dir() else {
        println!("SKIP: ../shared/formats not found");
        return;
    };
    let mut schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("sarif-schema-2.1.0.json")).expect("read SARIF schema"),
    )
    .expect("SARIF schema is JSON");
    // The schema's own `language` patterns have a stray `]`, a literal in ECMA-262 that the
    // crate's strict `regex` format check rejects when formats are asserted; escaping it keeps
    // its meaning and lets formats (URI references above all) be checked.
    escape_stray_brackets(&mut schema);
    // This copy of the schema keeps the log's top level under `definitions/Root` and has no
    // root keywords, so on its own it would accept anything; validate against that definition.
    if schema.get("properties").is_none() && schema["definitions"].get("Root").is_some() {
        schema["$ref"] = serde_json::json!("#/definitions/Root");
    }
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles");
    for (name, diags, summary) in [
        ("findings", findings(), findings_summary()),
        ("clean", Vec::new(), clean_summary()),
    ] {
        let out = rendered(Format::Sarif, &diags, &summary, false);
        let doc: serde_json::Value = serde_json::from_slice(&out).expect("SARIF output parses");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: SARIF invalid:\n{}",
            errors.join("\n")
        );
    }
    // The check has teeth: a result without its required message is rejected, and so is a
    // wrong version at the top level.
    let mut bad: serde_json::Value = serde_json::from_slice(&rendered(
        Format::Sarif,
        &findings(),
        &findings_summary(),
        false,
    ))
    .expect("parses");
    bad["runs"][0]["results"][0]
        .as_object_mut()
        .expect("result object")
        .remove("message");
    assert!(!validator.is_valid(&bad));
    let mut bad_version: serde_json::Value =
        serde_json::from_slice(&rendered(Format::Sarif, &[], &clean_summary(), false))
            .expect("parses");
    bad_version["version"] = serde_json::json!("2.0.0");
    assert!(!validator.is_valid(&bad_version));
    // Formats are asserted: the originalUriBaseIds URI must be an absolute URI.
    let mut bad_uri: serde_json::Value =
        serde_json::from_slice(&rendered(Format::Sarif, &[], &clean_summary(), false))
            .expect("parses");
    bad_uri["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = serde_json::json!("no scheme");
    assert!(!validator.is_valid(&bad_uri));
}

#[test]
fn junit_is_valid_against_junit_xsd() {
    let Some(dir) = formats_dir() else {
        println!("SKIP: ../shared/formats not found");
        return;
    };
    if Command::new("xmllint").arg("--version").output().is_err() {
        println!("SKIP: xmllint not found (apt-get install libxml2-utils)");
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let xsd = dir.join("junit.xsd");
    let cases = [
        (
            "findings.xml",
            rendered(Format::Junit, &findings(), &findings_summary(), false),
        ),
        (
            "clean.xml",
            rendered(Format::Junit, &[], &clean_summary(), false),
        ),
        // Teeth: a testsuite without its required `tests` attribute must be rejected.
        (
            "broken.xml",
            b"<testsuites><testsuite name=\"x\"/></testsuites>\n".to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let file = tmp.path().join(name);
        std::fs::write(&file, &bytes).expect("write xml");
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&file)
            .output()
            .expect("run xmllint");
        let valid = out.status.success();
        assert_eq!(
            valid,
            name != "broken.xml",
            "{name}: xmllint said {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every object's member names, in order, by path (array items collapsed to `[]`).
fn shapes(v: &serde_json::Value, path: String, out: &mut Vec<(String, Vec<String>)>) {
    match v {
        serde_json::Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            if !out.iter().any(|(p, k)| *p == path && *k == keys) {
                out.push((path.clone(), keys));
            }
            for (k, item) in map {
                shapes(item, format!("{path}.{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                shapes(item, format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn json_output_matches_its_documentation() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json-output.md"))
            .expect("read docs/json-output.md");
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/json-output.md has a json example");
    let documented: serde_json::Value = serde_json::from_str(example).expect("example parses");
    // Member order matters too: serde_json's map sorts keys, so compare sorted lists here and
    // rely on the golden file (and the eye) for order.
    let sorted = |v: &serde_json::Value| {
        let mut s = Vec::new();
        shapes(v, String::new(), &mut s);
        s.sort();
        s
    };
    let actual: serde_json::Value = serde_json::from_slice(&rendered(
        Format::Json,
        &findings(),
        &findings_summary(),
        false,
    ))
    .expect("output parses");
    let documented = sorted(&documented);
    let actual = sorted(&actual);
    for (path, keys) in &actual {
        assert!(
            documented.iter().any(|(p, k)| p == path && k == keys),
            "output object at `{path}` with members {keys:?} is not as documented"
        );
    }
    for (path, _) in &documented {
        assert!(
            actual.iter().any(|(p, _)| p == path),
            "documented object `{path}` never appears in the output"
        );
    }
}
