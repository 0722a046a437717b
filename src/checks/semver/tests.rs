use super::*;

fn v(s: &str) -> Version {
    match Version::parse(s) {
        Ok(v) => v,
        Err(e) => panic!("{s}: {e}"),
    }
}

fn sat(c: &str, ver: &str) -> bool {
    match Constraints::parse(c) {
        Ok(cs) => cs.check(&v(ver)),
        Err(e) => panic!("{c}: {e}"),
    }
}

/// Each row: constraint, versions that satisfy it, versions that do not.
fn table(rows: &[(&str, &[&str], &[&str])]) {
    for (c, yes, no) in rows {
        for ver in *yes {
            assert!(sat(c, ver), "{c:?} should accept {ver}");
        }
        for ver in *no {
            assert!(!sat(c, ver), "{c:?} should reject {ver}");
        }
    }
}

#[test]
fn version_parse_coerces_and_keeps_parts() {
    let x = v("v1.2");
    assert_eq!((x.major, x.minor, x.patch), (1, 2, 0));
    let x = v("1");
    assert_eq!((x.major, x.minor, x.patch), (1, 0, 0));
    let x = v("1.2.3-beta.1+build.5");
    assert_eq!((x.pre.as_str(), x.build.as_str()), ("beta.1", "build.5"));
    for bad in [
        "",
        "v",
        "1.2.3.4",
        "1.2.3-",
        "1.2.3+",
        "a.b.c",
        "1.2.3-01",
        "1..2",
        " 1.2.3",
        "99999999999999999999",
    ] {
        assert!(Version::parse(bad).is_err(), "{bad:?} must be rejected");
    }
}

#[test]
fn strict_parse_needs_three_parts_without_v_or_leading_zeros() {
    assert!(Version::parse_strict("1.2.3-rc.1+b").is_ok());
    for bad in [
        "v1.2.3", "1.2", "1", "01.2.3", "1.02.3", "1.2.03", "1.2.3-01",
    ] {
        assert!(
            Version::parse_strict(bad).is_err(),
            "{bad:?} must be rejected"
        );
    }
}

#[test]
fn ordering_follows_precedence_and_ignores_build() {
    let ord = [
        "1.0.0-1",
        "1.0.0-2",
        "1.0.0-10",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ];
    for w in ord.windows(2) {
        assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
    }
    assert_eq!(
        v("1.0.0+a").partial_cmp(&v("1.0.0+b")),
        Some(Ordering::Equal)
    );
}

#[test]
fn comparison_operators() {
    table(&[
        (
            "1.2.3",
            &["1.2.3", "v1.2.3", "1.2.3+meta"],
            &["1.2.4", "1.3.0", "1.2.3-rc.1"],
        ),
        ("=1.2.3", &["1.2.3"], &["1.2.2"]),
        ("!=1.2.3", &["1.2.4", "1.2.2"], &["1.2.3", "1.2.4-rc.1"]),
        (">1.2.3", &["1.2.4", "2.0.0"], &["1.2.3", "1.0.0"]),
        (
            "<1.2.3",
            &["1.2.2", "0.9.0"],
            &["1.2.3", "1.3.0", "1.2.3-alpha"],
        ),
        (">=1.2.3", &["1.2.3", "1.3.0"], &["1.2.2", "1.4.0-beta"]),
        ("=>1.2.3", &["1.2.3"], &["1.2.2"]),
        ("<=1.2.3", &["1.2.3", "1.0.0"], &["1.2.4"]),
        ("=<1.2.3", &["1.2.3"], &["1.2.4"]),
        ("> 1.2", &["1.3.0", "2.0.0"], &["1.2.9", "1.2.0"]),
        (">1", &["2.0.0"], &["1.9.9"]),
        ("<= 1.2", &["1.2.9", "1.0.0"], &["1.3.0"]),
        ("<=1", &["1.9.9"], &["2.0.0"]),
        ("1.2", &["1.2.0", "1.2.9"], &["1.3.0", "1.1.9"]),
        ("!=1.2", &["1.3.0", "2.2.0"], &["1.2.0", "1.2.7"]),
        ("!=1", &["2.0.0"], &["1.5.0"]),
    ]);
}

#[test]
fn tilde_ranges() {
    table(&[
        ("~1.2.3", &["1.2.3", "1.2.9"], &["1.3.0", "1.2.2"]),
        ("~>1.2.3", &["1.2.4"], &["1.3.0"]),
        ("~1.2", &["1.2.0", "1.2.9"], &["1.3.0", "1.1.0"]),
        ("~1", &["1.0.0", "1.9.0"], &["2.0.0", "0.9.0"]),
        ("~1.x", &["1.5.0"], &["2.0.0"]),
        ("~2.0.x", &["2.0.5"], &["2.1.0"]),
        ("~*", &["0.0.0", "5.1.2"], &["1.0.0-rc.1"]),
        ("~0.0.0", &["0.0.0", "3.4.5"], &[]),
    ]);
}

#[test]
fn caret_ranges_including_zero_major() {
    table(&[
        ("^1.2.3", &["1.2.3", "1.9.9"], &["2.0.0", "1.2.2"]),
        ("^1.2", &["1.2.0", "1.9.0"], &["2.0.0", "1.1.0"]),
        ("^1", &["1.0.0", "1.9.0"], &["2.0.0"]),
        ("^0.2.3", &["0.2.3", "0.2.9"], &["0.3.0", "0.2.2", "1.0.0"]),
        ("^0.2", &["0.2.0", "0.2.9"], &["0.3.0"]),
        ("^0.0.3", &["0.0.3"], &["0.0.4", "0.1.0"]),
        ("^0.0", &["0.0.0", "0.0.9"], &["0.1.0"]),
        ("^0", &["0.0.0", "0.9.9"], &["1.0.0"]),
        ("^0.x", &["0.5.0"], &["1.0.0"]),
        // Masterminds' code (not its comment) makes `^*` behave as `^0.0.0`.
        ("^*", &["0.0.0"], &["0.0.1", "0.9.0", "1.0.0", "1.0.0-beta"]),
    ]);
}

#[test]
fn wildcards_in_any_position() {
    table(&[
        ("1.2.x", &["1.2.0", "1.2.99"], &["1.3.0"]),
        ("1.2.X", &["1.2.5"], &["1.1.5"]),
        ("1.2.*", &["1.2.5"], &["2.2.5"]),
        ("1.x", &["1.0.0", "1.99.0"], &["2.0.0"]),
        ("1.*.*", &["1.4.0"], &["2.0.0"]),
        ("*", &["0.0.0", "10.0.0"], &["1.0.0-alpha"]),
        ("x", &["3.2.1"], &[]),
        (">=1.x", &["1.0.0", "3.0.0"], &["0.9.0"]),
        ("!=1.x", &["2.0.0"], &["1.3.0"]),
    ]);
}

#[test]
fn hyphen_ranges() {
    table(&[
        ("1.2 - 1.4.5", &["1.2.0", "1.4.5"], &["1.4.6", "1.1.9"]),
        ("1.2.3 - 2.3.4", &["1.2.3", "2.3.4"], &["2.3.5", "1.2.2"]),
        ("2.3 - 4.5", &["2.3.0", "4.5.9"], &["4.6.0"]),
        ("v1.0.0 - v2.0.0", &["1.5.0"], &["2.0.1"]),
        ("1.0 - 1.5 || 3.0 - 3.1", &["1.5.0", "3.1.2"], &["2.0.0"]),
    ]);
}

#[test]
fn and_by_comma_or_space_or_by_pipes() {
    table(&[
        (">= 1.2, < 3.0.0", &["1.2.0", "2.9.9"], &["3.0.0", "1.1.0"]),
        (">=1.2 <3", &["2.0.0"], &["3.0.0"]),
        (">= 1.0.0 < 2.0.0", &["1.5.0"], &["2.0.0"]),
        (">1.0,<2.0,!=1.5.0", &["1.4.0"], &["1.5.0", "2.0.0"]),
        ("^1.2 || ^2.3", &["1.9.0", "2.4.0"], &["2.2.0", "3.0.0"]),
        ("<1 || >=3", &["0.5.0", "3.1.0"], &["2.0.0"]),
        ("v1.2.3", &["1.2.3"], &[]),
        (">=v1.2", &["1.2.0"], &["1.1.0"]),
    ]);
}

#[test]
fn pre_releases_only_where_the_comparator_names_one() {
    table(&[
        // Unlike npm, a later pre-release passes too once the comparator names one.
        (
            ">=1.2.3-0",
            &["1.2.3-alpha", "1.2.3", "1.3.0", "1.3.0-beta"],
            &["1.2.2", "1.2.2-beta"],
        ),
        (
            ">=1.2.3-beta.2",
            &["1.2.3-beta.2", "1.2.3-beta.10", "1.2.3-rc"],
            &["1.2.3-beta.1", "1.2.3-alpha"],
        ),
        (
            "~1.2.3-beta",
            &["1.2.3-beta", "1.2.4"],
            &["1.3.0", "1.2.3-alpha"],
        ),
        ("^1.0.0-0", &["1.0.0-rc.1", "1.5.0"], &["2.0.0"]),
        ("1.2.3-rc.1", &["1.2.3-rc.1"], &["1.2.3-rc.2", "1.2.3"]),
        // `-0` is the lowest pre-release, so every pre-release of 2.0.0 sorts above it.
        (
            "<2.0.0-0",
            &["1.9.9", "1.9.9-rc.1"],
            &["2.0.0", "2.0.0-alpha"],
        ),
        // One comparator naming a pre-release opens the whole AND group to them ...
        (
            ">1.0.0-alpha <2.0.0",
            &["1.5.0", "1.5.0-beta", "2.0.0-rc.1"],
            &["2.0.0", "1.0.0-alpha"],
        ),
        (">=1.0.0-0, !=1.2.0", &["1.3.0-rc.1"], &["1.2.0"]),
        // ... but not the other OR groups.
        (
            "^2.0.0-0 || ^1.0",
            &["2.1.0-rc.1", "1.5.0"],
            &["1.5.0-rc.1"],
        ),
        (
            ">=1.0.0 || >=2.0.0-rc.0",
            &["2.0.0-rc.1", "1.0.0"],
            &["1.5.0-rc.1"],
        ),
    ]);
}

#[test]
fn invalid_constraints_name_the_offending_part() {
    let cases = [
        (">=1.0 <", "\"<\""),
        ("1.2.3.4", "\"1.2.3.4\""),
        ("~>", "\"~>\""),
        ("", "empty"),
        ("1.0 ||", "empty"),
        (">=1.0 foo", "\"foo\""),
        (">>1.0", "\">>1.0\""),
        ("1.2.3-01", "leading zero"),
        ("1x.2", "1x"),
    ];
    for (c, needle) in cases {
        match Constraints::parse(c) {
            Ok(_) => panic!("{c:?} must be rejected"),
            Err(e) => assert!(e.contains(needle), "{c:?}: {e:?} should mention {needle}"),
        }
    }
}

#[test]
fn pre_release_precedence_follows_semver_spec() {
    let ord = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ];
    for w in ord.windows(2) {
        assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
    }
}

#[test]
fn equality_ignores_build_metadata() {
    assert_eq!(v("1.0.0+a"), v("v1.0.0+b"));
    assert_ne!(v("1.0.0-rc.1"), v("1.0.0"));
}

#[test]
fn overlong_versions_are_rejected() {
    let long = format!("1.2.3-{}", "a".repeat(251));
    assert!(Version::parse(&long).is_err());
    assert!(Version::parse(&format!("1.2.3-{}", "a".repeat(250))).is_ok());
}

#[test]
fn oversized_constraints_are_rejected() {
    assert!(Constraints::parse(&format!(">={}", "1".repeat(600))).is_err());
    let many = vec!["1.0.0"; 33].join(" || ");
    assert!(Constraints::parse(&many).is_err());
    let ok = vec!["1.0.0"; 32].join(" || ");
    assert!(Constraints::parse(&ok).is_ok());
}

#[test]
fn separators_and_spacing() {
    table(&[
        ("\t>=1.2\n<2 ", &["1.5.0"], &["2.0.0"]),
        (">= 1.2 , < 2", &["1.5.0"], &["2.0.0"]),
        ("1.0.0-rc.1 - 2.0.0", &["1.0.0-rc.2", "2.0.0"], &["2.0.1"]),
        ("~ 1.2", &["1.2.5"], &["1.3.0"]),
    ]);
    // A hyphen range needs spaces on both sides; glued it is neither a range nor a version.
    for bad in [
        "1.2.3 -2.0",
        "1.2.3- 2.0",
        ">=1.0,",
        ",>=1.0",
        "1.0 | 2.0",
        "1.2.3 ,, 2.0",
    ] {
        assert!(Constraints::parse(bad).is_err(), "{bad:?} must be rejected");
    }
}
