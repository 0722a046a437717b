use super::*;

fn ignore(line: u32, col: u32, target: u32, selectors: &[&str]) -> Ignore {
    Ignore {
        line,
        col,
        target,
        selectors: selectors.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn ignore_comment_grammar() {
    let cases: &[(&str, Vec<Ignore>)] = &[
        // Trailing: covers its own line.
        (
            "a: 1 # fluxval:ignore schema/type\n",
            vec![ignore(1, 6, 1, &["schema/type"])],
        ),
        // Own line: covers the next line.
        (
            "# fluxval:ignore schema/type\na: 1\n",
            vec![ignore(1, 1, 2, &["schema/type"])],
        ),
        // Stacked own-line comments all cover the first line after them.
        (
            "  # fluxval:ignore schema/type\n  # some note\n  #fluxval:ignore schema/enum\n  a: 1\n",
            vec![
                ignore(1, 3, 4, &["schema/type"]),
                ignore(3, 3, 4, &["schema/enum"]),
            ],
        ),
        // Comma and space separated, a domain glob, a reason after `--`.
        (
            "a: 1  # fluxval:ignore schema/type,schema/enum build/* -- legacy chart\n",
            vec![ignore(1, 7, 1, &["schema/type", "schema/enum", "build/*"])],
        ),
        // Bare: every rule.
        ("a: 1 # fluxval:ignore\n", vec![ignore(1, 6, 1, &[])]),
        // A later `#` ends the list (a fixture's expect marker).
        (
            "a: 1 # fluxval:ignore schema/type # expect: x@1\n",
            vec![ignore(1, 6, 1, &["schema/type"])],
        ),
        // At the end of the file: covers nothing.
        (
            "a: 1\n# fluxval:ignore schema/type\n",
            vec![ignore(2, 1, 0, &["schema/type"])],
        ),
        // Not directives: no space before `#`, another word, a prefix of a longer word.
        ("a: x#fluxval:ignore schema/type\n", vec![]),
        ("a: 1 # fluxval: ignore schema/type\n", vec![]),
        ("a: 1 # fluxval:ignored schema/type\n", vec![]),
        // Columns count characters, not bytes.
        (
            "a: \"é\" # fluxval:ignore schema/type\n",
            vec![ignore(1, 8, 1, &["schema/type"])],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(&parse_ignores(text), want, "{text:?}");
    }
}

#[test]
fn selectors_match_ids_and_domains() {
    assert!(selects("schema/type", "schema/type"));
    assert!(!selects("schema/type", "schema/enum"));
    assert!(selects("schema/*", "schema/enum"));
    assert!(!selects("schema/*", "schemas/enum"));
    assert!(!selects("schema", "schema/enum"));
}

#[test]
fn unknown_selectors_name_close_matches() {
    assert!(check_selector("schema/unknown-field").is_ok());
    assert!(check_selector("schema/*").is_ok());
    assert_eq!(
        check_selector("schema/unknwon-field"),
        Err(
            "unknown rule \"schema/unknwon-field\" (did you mean \"schema/unknown-field\"?)".into()
        )
    );
    // The same name in another domain.
    assert_eq!(
        check_selector("kustomize/unknown-field"),
        Err(
            "unknown rule \"kustomize/unknown-field\" (did you mean \"schema/unknown-field\"?)"
                .into()
        )
    );
    assert_eq!(
        check_selector("schemas/*"),
        Err("unknown rule domain \"schemas\" (did you mean \"schema\"?)".into())
    );
    assert_eq!(
        check_selector("nothing/like-it-at-all"),
        Err("unknown rule \"nothing/like-it-at-all\" (docs/rules.md lists every rule)".into())
    );
    assert_eq!(
        parse_disable("schema/type, schema/enumm"),
        Err("unknown rule \"schema/enumm\" (did you mean \"schema/enum\"?)".into())
    );
    assert_eq!(
        parse_disable("schema/type,yaml/*"),
        Ok("schema/type,yaml/*".into())
    );
}

fn finding(rule: &str, file: &Path, line: u32) -> Diagnostic {
    Diagnostic::error(
        rule,
        "m",
        Some(Span::new(file.display().to_string().into(), line, 3)),
    )
}

fn shown(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .map(|d| {
            let s = d.span.as_ref().unwrap();
            format!("{}:{} {} {}", s.line, s.col, d.rule, d.message)
        })
        .collect()
}

#[test]
fn comments_and_disable_drop_findings_and_stale_comments_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    std::fs::write(
        &a,
        "kind: X\n\
         spec:\n  \
           foo: 1 # fluxval:ignore schema/unknown-field\n  \
           # fluxval:ignore schema/type -- chart quirk\n  \
           bar: 2\n  \
           baz: 3 # fluxval:ignore schema/enum\n  \
           qux: 4 # fluxval:ignore\n  \
           quux: 5 # fluxval:ignore\n  \
           typo: 6 # fluxval:ignore schema/unknwon-field\n",
    )
    .unwrap();
    let other = dir.path().join("other.yaml");
    std::fs::write(&other, "# fluxval:ignore schema/*\nkind: Y\n").unwrap();
    let missing = dir.path().join("gone.yaml");
    let diags = vec![
        finding("schema/unknown-field", &a, 3),
        finding("schema/type", &a, 5),
        // Not named by the comment on its line: kept.
        finding("schema/type", &a, 6),
        finding("schema/value", &a, 7),
        finding("schema/unknown-field", &a, 9),
        // A finding in an unreadable file is kept, and the run goes on.
        finding("schema/type", &missing, 1),
        // Disabled.
        finding("yaml/duplicate-key", &a, 2),
    ];
    let out = apply(
        diags,
        &["yaml/duplicate-key".to_string()],
        &[a.clone(), other.clone()],
    );
    // Sorted by file (a.yaml, gone.yaml, other.yaml), line, column.
    assert_eq!(
        shown(&out),
        vec![
            "6:3 schema/type m",
            "6:10 control/unused-ignore fluxval:ignore schema/enum suppresses nothing on the line it covers",
            "8:11 control/unused-ignore fluxval:ignore suppresses nothing on the line it covers",
            "9:3 schema/unknown-field m",
            "9:11 control/unused-ignore fluxval:ignore names an unknown rule \"schema/unknwon-field\" (did you mean \"schema/unknown-field\"?)",
            "1:3 schema/type m",
            "1:1 control/unused-ignore fluxval:ignore schema/* suppresses nothing on the line it covers",
        ]
    );
}

#[test]
fn disabling_unused_ignore_skips_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    std::fs::write(&a, "a: 1 # fluxval:ignore schema/type\n").unwrap();
    let out = apply(Vec::new(), &["control/*".to_string()], &[a]);
    assert!(out.is_empty(), "{out:?}");
}
