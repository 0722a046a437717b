use super::*;

fn ok(p: &str) -> Parsed {
    parse(p).unwrap_or_else(|e| panic!("{p:?} should parse: {e}"))
}

fn bad(p: &str) -> Re2Error {
    match parse(p) {
        Ok(_) => panic!("{p:?} should be rejected"),
        Err(e) => e,
    }
}

#[test]
fn accepts_what_go_accepts() {
    let cases = [
        // Literals, operators, groups.
        "",
        "a",
        "abc",
        "a|b",
        "|",
        "|x|",
        "a.b",
        "(a)",
        "(?:a)",
        "()",
        "(|)",
        "a*",
        "a+",
        "a?",
        "a*?",
        "a+?",
        "a??",
        "a{2}",
        "a{2,3}",
        "a{2,}",
        "a{2}?",
        "a{0}",
        "a{0,1000}",
        "a{1000}",
        // Malformed braces are literals.
        "{",
        "}",
        "a{",
        "a{,2}",
        "x{1001",
        "x{2,1",
        "a{01}",
        "a{1,x}",
        "a*{",
        // Anchors and assertions may be repeated.
        "^",
        "$",
        "^*",
        "$+",
        "\\b*",
        "\\A",
        "\\z",
        "\\b",
        "\\B",
        "(?m)^a$",
        // Escapes.
        r"\|",
        r"\(",
        r"\)",
        r"\*",
        r"\.",
        r"\^",
        r"\$",
        r"\\",
        r"\-",
        r"\_",
        r"\<",
        r"\>",
        r"\ ",
        r"\#",
        r"\&",
        r"\~",
        r"\/",
        r"\a\f\n\r\t\v",
        r"\0",
        r"\01",
        r"\012",
        r"\123",
        r"\12",
        r"\08",
        r"\x41",
        r"\x{41}",
        r"\x{10FFFF}",
        r"\x{0041}",
        // \Q…\E.
        r"\Qa.b*\E",
        r"\Q+|*?{[\E",
        r"\Qab\E+",
        r"\Q\\E",
        r"\Q\\\E",
        r"\Qno end",
        r"a\Q\E*",
        // Perl, POSIX and Unicode classes.
        r"\d\D\s\S\w\W",
        r"[\d\s\w]",
        r"[^\D]",
        "[[:alpha:]]",
        "[[:^alpha:]]",
        "[[:word:]]",
        "[[:xdigit:][:punct:]]",
        r"\pL",
        r"\PL",
        r"\pN",
        r"\p{L}",
        r"\p{Lu}",
        r"\p{Greek}",
        r"\p{^Greek}",
        r"\P{^Greek}",
        r"\p{Any}",
        r"\p{ascii}",
        r"\p{Letter}",
        r"\p{Old_Italic}",
        r"\p{old italic}",
        r"[\p{Han}\p{Latin}]",
        // Bracket classes.
        "[a]",
        "[abc]",
        "[a-z]",
        "[^a]",
        "[]a]",
        "[^]a]",
        "[-a]",
        "[a-]",
        "[a-b-c]",
        "[--a]",
        "[a&&b]",
        "[a~~b]",
        "[a||b]",
        "[[a]",
        "[a[b]",
        "[[:alpha]",
        r"[\]]",
        r"[\[]",
        r"[\-]",
        r"[\x41-\x5a]",
        r"[\012-\234]",
        "[α-ε☺]",
        "[.]",
        "[$^]",
        // Flags and groups.
        "(?i)a",
        "(?i:a)",
        "(?im-sU:a)",
        "(?-i)a",
        "(?i-i)a",
        "(?)",
        "(?U)a*",
        "a(?i)*",
        "a*(?i)*",
        "(?s).",
        "(?P<name>a)",
        "(?<name>a)",
        "(?P<1st>a)",
        "(?P<_>a)",
        "(?P<a>x)(?P<a>y)",
        // Nesting and repetition counts at Go's limits.
        "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))",
        "(?:[a-z]{4}){0,250}",
        "(a*)*",
        "(a+)+",
        "(?:a{2})*",
        "(?:a*){1000}",
        "(a{0}){1000}",
        // Real Flux patterns.
        r"^main-[a-fA-F0-9]+-(?P<ts>.*)",
        r"^(?P<version>[0-9]+\.[0-9]+\.[0-9]+)$",
        r"^.*\.sig$",
        r"^[0-9]+$",
    ];
    for p in cases {
        ok(p);
    }
}

#[test]
fn deep_nesting_within_go_limits_parses() {
    ok(&format!("{}{}", "(".repeat(999), ")".repeat(999)));
    ok(&format!("{}{}", "(?:".repeat(999), ")*".repeat(999)));
    ok(&format!("({})", "|".repeat(12345)));
}

#[test]
fn rejects_what_go_rejects_with_gos_wording() {
    use ErrorCode::*;
    let cases: &[(&str, ErrorCode, &str)] = &[
        // Parentheses.
        ("(", MissingParen, "("),
        ("(a", MissingParen, "(a"),
        ("(a|b|", MissingParen, "(a|b|"),
        (")", UnexpectedParen, ")"),
        ("a)", UnexpectedParen, "a)"),
        ("(a))", UnexpectedParen, "(a))"),
        ("a|b)", UnexpectedParen, "a|b)"),
        // Brackets.
        ("[a-z", MissingBracket, "[a-z"),
        ("([a-z)", MissingBracket, "[a-z)"),
        ("[]", MissingBracket, "[]"),
        ("[^]", MissingBracket, "[^]"),
        ("[a-", MissingBracket, "[a-"),
        (r"[a\", TrailingBackslash, ""),
        ("[z-a]", InvalidCharRange, "z-a"),
        ("[a-Z]", InvalidCharRange, "a-Z"),
        ("(?i)[a-Z]", InvalidCharRange, "a-Z"),
        // Rust's class set operations read as ranges in Go.
        ("[a--b]", InvalidCharRange, "a--"),
        ("[0--9]", InvalidCharRange, "0--"),
        ("[[:foo:]]", InvalidCharRange, "[:foo:]"),
        ("[[::]]", InvalidCharRange, "[::]"),
        // Repetition.
        ("*", MissingRepeatArgument, "*"),
        ("+a", MissingRepeatArgument, "+"),
        ("a|*", MissingRepeatArgument, "*"),
        ("(*)", MissingRepeatArgument, "*"),
        ("(?i)*", MissingRepeatArgument, "*"),
        ("a|??", MissingRepeatArgument, "??"),
        (r"\Q\E*", MissingRepeatArgument, "*"),
        ("{2}", MissingRepeatArgument, "{2}"),
        ("a**", InvalidRepeatOp, "**"),
        ("a++", InvalidRepeatOp, "++"),
        ("a?*", InvalidRepeatOp, "?*"),
        ("a*??", InvalidRepeatOp, "*??"),
        ("a{1}*", InvalidRepeatOp, "{1}*"),
        (".{1}{2}", InvalidRepeatOp, "{1}{2}"),
        ("a{1001}", InvalidRepeatSize, "{1001}"),
        ("a{1001,}", InvalidRepeatSize, "{1001,}"),
        ("a{2,1}", InvalidRepeatSize, "{2,1}"),
        ("a{1,1001}", InvalidRepeatSize, "{1,1001}"),
        ("x{9876543210}", InvalidRepeatSize, "{9876543210}"),
        ("x{1,9876543210}", InvalidRepeatSize, "{1,9876543210}"),
        ("a{100000}", InvalidRepeatSize, "{100000}"),
        (
            "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
            InvalidRepeatSize,
            "{2}",
        ),
        ("(?:[a-z]{4}){0,251}", InvalidRepeatSize, "{0,251}"),
        ("(a{2,}){600}", InvalidRepeatSize, "{600}"),
        // Escapes Go lacks.
        (r"\1", InvalidEscape, r"\1"),
        (r"(a)\1", InvalidEscape, r"\1"),
        (r"\18", InvalidEscape, r"\1"),
        (r"\Z", InvalidEscape, r"\Z"),
        (r"\C", InvalidEscape, r"\C"),
        (r"\e", InvalidEscape, r"\e"),
        (r"\G", InvalidEscape, r"\G"),
        (r"\h", InvalidEscape, r"\h"),
        (r"\R", InvalidEscape, r"\R"),
        (r"\X", InvalidEscape, r"\X"),
        (r"\u0041", InvalidEscape, r"\u"),
        (r"\k<n>", InvalidEscape, r"\k"),
        (r"\cA", InvalidEscape, r"\c"),
        (r"\é", InvalidEscape, r"\é"),
        (r"\x", InvalidEscape, r"\x"),
        (r"\x4", InvalidEscape, r"\x4"),
        (r"\xg1", InvalidEscape, r"\xg1"),
        (r"\x{}", InvalidEscape, r"\x{}"),
        (r"\x{zz}", InvalidEscape, r"\x{z"),
        (r"\x{41", InvalidEscape, r"\x{41"),
        (r"\x{110000}", InvalidEscape, r"\x{110000"),
        (r"[\b]", InvalidEscape, r"\b"),
        (r"[\Q]", InvalidEscape, r"\Q"),
        (r"[a-\d]", InvalidEscape, r"\d"),
        ("a\\", TrailingBackslash, ""),
        // Unicode classes Go does not know.
        (r"\p", InvalidCharRange, r"\p"),
        (r"\pX", InvalidCharRange, r"\pX"),
        (r"\p{Foo}", InvalidCharRange, r"\p{Foo}"),
        (r"\p{Latn}", InvalidCharRange, r"\p{Latn}"),
        (r"\p{Alphabetic}", InvalidCharRange, r"\p{Alphabetic}"),
        (r"\p{sc=Greek}", InvalidCharRange, r"\p{sc=Greek}"),
        (r"\p{L", InvalidCharRange, r"\p{L"),
        (r"[\p{Emoji}]", InvalidCharRange, r"\p{Emoji}"),
        // Perl syntax Go does not support.
        ("(?=a)", InvalidPerlOp, "(?="),
        ("(?!a)", InvalidPerlOp, "(?!"),
        ("(?>a)", InvalidPerlOp, "(?>"),
        ("(?#c)", InvalidPerlOp, "(?#"),
        ("(?x)a", InvalidPerlOp, "(?x"),
        ("(?u)a", InvalidPerlOp, "(?u"),
        ("(?'n'a)", InvalidPerlOp, "(?'"),
        ("(?P=n)", InvalidPerlOp, "(?P"),
        ("(?P>n)", InvalidPerlOp, "(?P"),
        ("(?i-)", InvalidPerlOp, "(?i-)"),
        ("(?-)", InvalidPerlOp, "(?-)"),
        ("(?--i)", InvalidPerlOp, "(?--"),
        ("(?i", InvalidPerlOp, "(?i"),
        ("(?", InvalidPerlOp, "(?"),
        ("(?P<", InvalidPerlOp, "(?P"),
        ("(?<", InvalidPerlOp, "(?<"),
        // Lookbehind reads as a named group with a bad name.
        ("(?<=a)b", InvalidNamedCapture, "(?<=a)b"),
        ("(?<!a)b>", InvalidNamedCapture, "(?<!a)b>"),
        // Named groups.
        ("(?P<name>a", MissingParen, "(?P<name>a"),
        ("(?P<name", InvalidNamedCapture, "(?P<name"),
        ("(?P<x y>a)", InvalidNamedCapture, "(?P<x y>"),
        ("(?P<>a)", InvalidNamedCapture, "(?P<>"),
        ("(?<>a)", InvalidNamedCapture, "(?<>"),
        ("(?<a-b>x)", InvalidNamedCapture, "(?<a-b>"),
        ("(?<é>x)", InvalidNamedCapture, "(?<é>"),
    ];
    let mut failures = Vec::new();
    for (p, code, expr) in cases {
        match parse(p) {
            Ok(_) => failures.push(format!("{p:?}: accepted")),
            Err(e) if e.code != *code || e.expr != *expr => {
                failures.push(format!("{p:?}: got {e}, want {}: `{expr}`", code.as_str()))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn go_limits_on_nesting_and_size() {
    assert_eq!(
        bad(&format!("{}{}", "(".repeat(1000), ")".repeat(1000))).code,
        ErrorCode::NestingDepth
    );
    assert_eq!(
        bad(&format!("{}{}", "(?:".repeat(1000), ")*".repeat(1000))).code,
        ErrorCode::NestingDepth
    );
    assert_eq!(
        bad(&format!("({}){{1000}}", "(xx?)".repeat(1000))).code,
        ErrorCode::Large
    );
    assert_eq!(bad(&"(xx?){1000}".repeat(1000)).code, ErrorCode::Large);
}

#[test]
fn error_offsets_point_at_the_problem() {
    assert_eq!(bad(r"^v\d+\Z").offset, 5);
    assert_eq!(bad("^(a(b)").offset, 1);
    assert_eq!(bad("ab)").offset, 2);
    assert_eq!(bad("a[b").offset, 1);
    assert_eq!(bad("abc**").offset, 3);
    assert_eq!(bad("(?P<n>a").to_string(), "missing closing ): `(?P<n>a`");
}

#[test]
fn groups_have_indexes_and_names() {
    let p = ok(r"^(?P<major>\d+)\.(\d+)(?:\.(?<patch>\d+))?(?P<major>x)?$");
    let got: Vec<(usize, Option<&str>, usize)> = p
        .groups
        .iter()
        .map(|g| (g.index, g.name.as_deref(), g.offset))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Some("major"), 1),
            (2, None, 17),
            (3, Some("patch"), 27),
            (4, Some("major"), 42),
        ]
    );
    assert!(p.has_index(0) && p.has_index(4) && !p.has_index(5));
    assert!(p.has_name("patch") && !p.has_name("minor"));
    // Parentheses inside classes and \Q…\E are not groups.
    assert!(ok(r"[(]\Q(\E").groups.is_empty());
}

#[test]
fn anchoring_and_character_sets() {
    assert!(ok("^a").root.anchored_start());
    assert!(ok(r"\Aa").root.anchored_start());
    assert!(ok("(?i)^a").root.anchored_start());
    assert!(ok("^a|^b").root.anchored_start());
    assert!(ok("(^a)").root.anchored_start());
    assert!(!ok("a|^b").root.anchored_start());
    assert!(!ok("a^").root.anchored_start());
    assert!(!ok("").root.anchored_start());
    assert!(ok("a$").root.anchored_end());
    assert!(!ok("$a").root.anchored_end());
    assert!(ok(".*-rc").root.starts_with_any_star());
    assert!(!ok(".+-rc").root.starts_with_any_star());
    let numeric = |c: char| c.is_ascii_digit() || c == '.';
    assert!(ok(r"^[0-9]+(\.\d+)?$").root.only_chars(&numeric));
    assert!(ok(r"^[[:digit:]]{1,5}$").root.only_chars(&numeric));
    assert!(!ok(r"^v[0-9]+$").root.only_chars(&numeric));
    assert!(!ok(r"^[^a]+$").root.only_chars(&numeric));
    assert!(!ok(r"^.+$").root.only_chars(&numeric));
}

#[test]
fn repetition_binds_to_the_last_character_of_a_literal() {
    let p = ok("ab*");
    let Kind::Concat(v) = &p.root.kind else {
        panic!("{:?}", p.root)
    };
    assert_eq!(v[0].kind, Kind::Literal("a".into()));
    assert!(
        matches!(&v[1].kind, Kind::Repeat { sub, .. } if sub.kind == Kind::Literal("b".into()))
    );
    let p = ok("(?:ab)*");
    assert!(
        matches!(&p.root.kind, Kind::Repeat { sub, .. } if sub.kind == Kind::Literal("ab".into()))
    );
}

#[test]
fn templates_follow_go_expand() {
    use TemplateRef::*;
    assert_eq!(
        template_refs("$1-${ts}$$x$name.$1x${2}$"),
        vec![
            Index {
                index: 1,
                offset: 0
            },
            Name {
                name: "ts".into(),
                offset: 3
            },
            Name {
                name: "name".into(),
                offset: 11
            },
            Name {
                name: "1x".into(),
                offset: 17
            },
            Index {
                index: 2,
                offset: 20
            },
            Malformed { offset: 24 },
        ]
    );
    assert_eq!(template_refs("${ts"), vec![Malformed { offset: 0 }]);
    assert_eq!(template_refs("${}"), vec![Malformed { offset: 0 }]);
    assert_eq!(
        template_refs("$01"),
        vec![Name {
            name: "01".into(),
            offset: 0
        }]
    );
    assert_eq!(
        template_refs("$123456789$1234567890"),
        vec![
            Index {
                index: 123456789,
                offset: 0
            },
            Name {
                name: "1234567890".into(),
                offset: 10
            }
        ]
    );
    assert!(template_refs("v1.2.3 $$").is_empty());
}

#[test]
fn arbitrary_input_never_panics() {
    // A small deterministic generator over the characters the grammar cares about.
    let alphabet: Vec<char> = r"()[]{}|*+?.^$\-:,<>=!PpQEdDwWsSbBAzx0123456789aZ_#'é"
        .chars()
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let p: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        // Whatever the verdict, an error must point inside the pattern.
        if let Err(e) = parse(&p) {
            assert!(e.offset <= p.len(), "{p:?}: {e:?}");
        }
    }
    // Pathological shapes stay fast (no rescanning).
    let _ = parse(&format!("[{}", "[:".repeat(50_000)));
    let _ = parse(&"(".repeat(100_000));
    let _ = parse(&format!("{}a", "(?:".repeat(100_000)));
}
