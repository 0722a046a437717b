use super::*;

fn words(text: &str, given: &[&str]) -> Result<Vec<String>, String> {
    let given = |id: &str| given.contains(&id);
    settings(text, ".fluxval.yaml", Path::new("conf"), &given)
        .map(|w| {
            w.into_iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect()
        })
        .map_err(|e| e.to_string())
}

#[test]
fn every_kind_of_option_becomes_command_line_words() {
    let text = "\
schema-location:
  - default
  - schemas/
kubernetes-version: \"1.35.0\"
offline: true
no-strict: false
tenant: true
output: json
skip: ConfigMap
vars: [vars/staging.env, /abs/prod.env]
crd: https://example.com/crds.yaml
cache-dir: cache
disable: schema/type,yaml/*
";
    assert_eq!(
        words(text, &[]).unwrap(),
        vec![
            "--schema-location=default",
            "--schema-location=schemas/",
            "--kubernetes-version=1.35.0",
            "--offline",
            "--tenant",
            "--output=json",
            "--skip=ConfigMap",
            // Relative paths are relative to the config file's directory.
            "--vars=conf/vars/staging.env",
            "--vars=/abs/prod.env",
            "--crd=https://example.com/crds.yaml",
            "--cache-dir=conf/cache",
            "--disable=schema/type,yaml/*",
        ]
    );
}

#[test]
fn options_given_on_the_command_line_are_left_out() {
    assert_eq!(
        words("output: text\ntenant: true\n", &["output"]).unwrap(),
        vec!["--tenant"]
    );
    // Still checked.
    assert!(words("output: texx\n", &["output"]).is_err());
}

#[test]
fn empty_files_set_nothing() {
    assert_eq!(words("", &[]).unwrap(), Vec::<String>::new());
    assert_eq!(
        words("# only a comment\n", &[]).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn mistakes_are_errors_at_their_line() {
    let cases = [
        (
            "offline: true\ntenat: true\n",
            ".fluxval.yaml:2:1: error: unknown option \"tenat\" (did you mean \"tenant\"?)",
        ),
        (
            "tenant: true\noffline: \"yes\"\n",
            ".fluxval.yaml:2:10: error: \"offline\" must be true or false, not the string \"yes\"",
        ),
        (
            "kubernetes-version: 1.30\n",
            ".fluxval.yaml:1:21: error: \"kubernetes-version\" must be a string (quote it), not the number 1.3",
        ),
        (
            "output: yaml\n",
            ".fluxval.yaml:1:9: error: invalid value \"yaml\" for \"output\": must be one of text, json, sarif, junit, tap, github, markdown",
        ),
        (
            "disable:\n  - schema/type\n  - schema/tyep\n",
            ".fluxval.yaml:3:5: error: invalid value \"schema/tyep\" for \"disable\": unknown rule \"schema/tyep\" (did you mean \"schema/type\"?)",
        ),
        (
            "- offline\n",
            ".fluxval.yaml:1:1: error: the config file must be a mapping of option names to values, not a sequence",
        ),
        (
            "config: other.yaml\n",
            ".fluxval.yaml:1:1: error: unknown option \"config\"",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(words(text, &[]).unwrap_err(), want, "{text:?}");
    }
}

fn committed_schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/fluxval.schema.json")
}

#[test]
fn the_published_json_schema_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    if std::env::var_os("FLUXVAL_BLESS").is_some() {
        std::fs::write(committed_schema_path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(committed_schema_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/fluxval.schema.json is stale: regenerate with FLUXVAL_BLESS=1 cargo test --lib config"
    );
}

#[test]
fn the_json_schema_accepts_what_the_parser_accepts() {
    let schema = json_schema();
    let validator = jsonschema::draft7::new(&schema).expect("a valid draft-07 schema");
    let good = json!({
        "schema-location": ["default", "schemas/"],
        "kubernetes-version": "1.35.0",
        "offline": true,
        "output": "json",
        "vars": "vars/staging.env",
        "disable": ["schema/type"],
    });
    assert!(validator.is_valid(&good));
    for bad in [
        json!({"tenat": true}),
        json!({"offline": "yes"}),
        json!({"output": "yaml"}),
        json!({"vars": [1]}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
    // Every settable option is in it, and none other.
    let props = schema["properties"].as_object().unwrap();
    assert!(props.contains_key("tenant") && props.contains_key("load-restrictor"));
    assert!(!props.contains_key("config") && !props.contains_key("paths"));
}

#[test]
fn the_documented_example_is_a_valid_config() {
    let doc = include_str!("../../docs/config.md");
    let example = doc
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("an example in docs/config.md");
    let got = words(example, &[]).unwrap();
    assert!(got.contains(&"--tenant".to_string()), "{got:?}");
    assert!(got.contains(&"--crd=conf/crds/".to_string()), "{got:?}");
}
