//! Image automation: the regular expressions and templates of ImagePolicy and ImageRepository,
//! read with Go's meaning (image-reflector-controller compiles them with `regexp.Compile`).

use crate::checks::re2::{self, Parsed, TemplateRef};
use crate::checks::scalar::offset_span;
use crate::checks::{Input, span_at};
use crate::diagnostic::{Diagnostic, Severity};
use crate::resource::Resource;
use crate::rules::Rule;
use crate::yaml::Span;

/// The rules of this module.
pub const RULES: &[Rule] = &[
    Rule {
        id: "regex/invalid",
        severity: Severity::Error,
        summary: "a tag pattern is not a valid Go regular expression",
        help: "ImagePolicy filterTags.pattern and ImageRepository exclusionList entries are compiled with Go's regexp (RE2 syntax). Lookaround, backreferences, possessive or nested quantifiers, \\Z, (?x), Rust class set operations and unknown \\p{...} names are rejected there, and the object stops reconciling. The message quotes Go's own error.",
    },
    Rule {
        id: "regex/extract",
        severity: Severity::Error,
        summary: "filterTags.extract refers to a capture group the pattern does not have",
        help: "extract is a Go Regexp.Expand template: $1 or ${1} is a group by number, $name or ${name} by name ($1x means the group named 1x), $$ is a dollar sign. A reference to a group the pattern lacks expands to an empty string, so tags collapse into one and the wrong image is chosen. Name the group in the pattern ((?P<name>...)) or fix the reference.",
    },
    Rule {
        id: "regex/unanchored",
        severity: Severity::Warning,
        summary: "filterTags.pattern does not start with ^",
        help: "Flux searches tags for the pattern anywhere in the tag, so [0-9]+\\.[0-9]+ also admits v1.2-rc1 or main-1.2-debug. Anchor it (^...$) unless matching anywhere is intended. exclusionList entries are not checked: excluding every tag that contains a match is their usual intent (Flux's default is ^.*\\.sig$).",
    },
    Rule {
        id: "regex/numerical-without-extract",
        severity: Severity::Warning,
        summary: "numerical ordering may meet tags that are not numbers",
        help: "policy.numerical parses every candidate tag as a number (Go's ParseFloat); a single tag that is not a number fails the whole policy. Without filterTags, every tag of the repository is a candidate; with a pattern but no extract, every whole matching tag is. Extract the numeric part ($ts) or restrict the pattern to numbers (^[0-9]+$).",
    },
];

const GROUP: &str = "image.toolkit.fluxcd.io";

/// Runs the image automation regex checks.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (place, res) in input.all() {
        let gvk = res.gvk();
        if gvk.group != GROUP {
            continue;
        }
        let mut found = match gvk.kind.as_str() {
            "ImagePolicy" => policy(res),
            "ImageRepository" => repository(res),
            _ => continue,
        };
        for d in &mut found {
            d.roots = input.roots_of(place);
            d.resource = Some(res.id());
        }
        out.extend(found);
    }
    out
}

fn invalid(span: Span, value: &str, what: &str, e: &re2::Re2Error) -> Diagnostic {
    Diagnostic::error(
        "regex/invalid",
        format!("{what} is not a valid Go regular expression: {e}"),
        Some(offset_span(&span, value, e.offset)),
    )
}

fn repository(res: &Resource) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(list) = res
        .node
        .get_path(&["spec", "exclusionList"])
        .and_then(|n| n.as_seq())
    else {
        return out;
    };
    for (i, item) in list.iter().enumerate() {
        let Some(p) = item.as_str() else { continue };
        if let Err(e) = re2::parse(p) {
            let span = span_at(res, &["spec", "exclusionList", &i.to_string()]);
            out.push(
                invalid(span, p, &format!("exclusionList entry {p:?}"), &e)
                    .with_pointer(format!("/spec/exclusionList/{i}")),
            );
        }
    }
    out
}

fn policy(res: &Resource) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let node = &res.node;
    let filter = node.get_path(&["spec", "filterTags"]);
    let pattern = node.str_at(&["spec", "filterTags", "pattern"]);
    let extract = node
        .str_at(&["spec", "filterTags", "extract"])
        .filter(|e| !e.is_empty());
    let pattern_span = || span_at(res, &["spec", "filterTags", "pattern"]);
    let parsed: Option<Parsed> = match re2::parse(pattern.unwrap_or_default()) {
        Ok(p) => Some(p),
        Err(e) => {
            out.push(
                invalid(
                    pattern_span(),
                    pattern.unwrap_or_default(),
                    "filterTags.pattern",
                    &e,
                )
                .with_pointer("/spec/filterTags/pattern"),
            );
            None
        }
    };
    if let (Some(p), Some(text)) = (&parsed, pattern)
        && !text.is_empty()
        && !p.root.anchored_start()
        && !p.root.starts_with_any_star()
    {
        out.push(
            Diagnostic::warning(
                "regex/unanchored",
                format!(
                    "filterTags.pattern {text:?} does not start with ^, so it also admits tags that merely contain a match"
                ),
                Some(pattern_span()),
            )
            .with_pointer("/spec/filterTags/pattern"),
        );
    }
    if let (Some(p), Some(template)) = (&parsed, extract) {
        out.extend(extract_findings(res, p, template));
    }
    if node.get_path(&["spec", "policy", "numerical"]).is_some() {
        let span = span_at(res, &["spec", "policy", "numerical"]);
        let numeric_only = parsed.as_ref().is_some_and(|p| {
            p.root.anchored_start()
                && p.root.anchored_end()
                && p.root.only_chars(&|c| c.is_ascii_digit() || c == '.')
        });
        let message = if filter.is_none() || pattern.is_none_or(str::is_empty) {
            Some(
                "numerical ordering without filterTags: every tag of the repository must parse as a number, or the policy fails"
                    .to_string(),
            )
        } else if extract.is_none() && !numeric_only {
            Some(format!(
                "numerical ordering without filterTags.extract: every whole tag matching {:?} must parse as a number, or the policy fails",
                pattern.unwrap_or_default()
            ))
        } else {
            None
        };
        if let Some(m) = message {
            out.push(
                Diagnostic::warning("regex/numerical-without-extract", m, Some(span))
                    .with_pointer("/spec/policy/numerical"),
            );
        }
    }
    out
}

fn extract_findings(res: &Resource, p: &Parsed, template: &str) -> Vec<Diagnostic> {
    let span = span_at(res, &["spec", "filterTags", "extract"]);
    let at = |offset: usize| offset_span(&span, template, offset);
    let mut out = Vec::new();
    let refs = re2::template_refs(template);
    let mut any = false;
    for r in &refs {
        let problem = match r {
            TemplateRef::Index { index, offset } => {
                any = true;
                (!p.has_index(*index)).then(|| {
                    let n = p.groups.len();
                    (
                        *offset,
                        format!(
                            "filterTags.extract refers to group {index}, but the pattern has {n} capture group{}",
                            if n == 1 { "" } else { "s" }
                        ),
                    )
                })
            }
            TemplateRef::Name { name, offset } => {
                any = true;
                (!p.has_name(name)).then(|| {
                    let known: Vec<&str> =
                        p.groups.iter().filter_map(|g| g.name.as_deref()).collect();
                    let hint = if known.is_empty() {
                        "the pattern has no named groups".to_string()
                    } else {
                        format!("the pattern names {}", known.join(", "))
                    };
                    (
                        *offset,
                        format!(
                            "filterTags.extract refers to group {name:?}, which the pattern does not define ({hint})"
                        ),
                    )
                })
            }
            TemplateRef::Malformed { offset } => Some((
                *offset,
                "filterTags.extract has a `$` that names no group; Go copies it as text (write $$ for a dollar sign)"
                    .to_string(),
            )),
        };
        if let Some((offset, message)) = problem {
            out.push(
                Diagnostic::error("regex/extract", message, Some(at(offset)))
                    .with_pointer("/spec/filterTags/extract"),
            );
        }
    }
    if !any && out.is_empty() {
        out.push(
            Diagnostic::error(
                "regex/extract",
                format!(
                    "filterTags.extract {template:?} refers to no capture group, so every tag becomes the same text"
                ),
                Some(span.clone()),
            )
            .with_pointer("/spec/filterTags/extract"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckOptions, Env};
    use crate::yaml::{Limits, Profile, parse_str};

    fn run(yaml: &str) -> Vec<(String, String)> {
        let node = parse_str(yaml, "p.yaml", Profile::Kubernetes, Limits::default())
            .unwrap()
            .remove(0);
        let envs = vec![Env {
            root: "update".into(),
            resources: vec![Resource::new(node, Span::file("p.yaml".into()))],
        }];
        let opts = CheckOptions::default();
        let input = Input::of_envs(&envs, &opts);
        check(&input)
            .into_iter()
            .map(|d| (d.rule, d.span.map(|s| s.to_string()).unwrap_or_default()))
            .collect()
    }

    fn policy(filter: &str, choice: &str) -> String {
        format!(
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: p\nspec:\n  imageRepositoryRef:\n    name: r\n{filter}  policy:\n{choice}"
        )
    }

    const SEMVER: &str = "    semver:\n      range: '>=1.0.0'\n";

    #[test]
    fn clean_policies_have_no_findings() {
        assert!(run(&policy("", SEMVER)).is_empty());
        let f =
            "  filterTags:\n    pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)'\n    extract: '$ts'\n";
        assert!(run(&policy(f, "    numerical:\n      order: asc\n")).is_empty());
        let f = "  filterTags:\n    pattern: '^[0-9]+$'\n";
        assert!(run(&policy(f, "    numerical: {}\n")).is_empty());
        let f = "  filterTags:\n    pattern: '.*-rc'\n";
        assert!(run(&policy(f, SEMVER)).is_empty());
    }

    #[test]
    fn each_rule_fires_at_its_place() {
        let f = "  filterTags:\n    pattern: '^v(?=1)'\n";
        assert_eq!(
            run(&policy(f, SEMVER)),
            vec![("regex/invalid".to_string(), "p.yaml:9:14".to_string())]
        );
        let f = "  filterTags:\n    pattern: 'v(?P<v>.*)'\n    extract: '$v-$1-$2-${x}'\n";
        let got = run(&policy(f, SEMVER));
        let rules: Vec<&str> = got.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(
            rules,
            vec!["regex/unanchored", "regex/extract", "regex/extract"]
        );
        let f = "  filterTags:\n    pattern: '^v'\n    extract: 'latest'\n";
        assert_eq!(run(&policy(f, SEMVER))[0].0, "regex/extract");
        assert_eq!(
            run(&policy("", "    numerical:\n      order: asc\n"))[0].0,
            "regex/numerical-without-extract"
        );
        let f = "  filterTags:\n    pattern: '^main-.*'\n";
        assert_eq!(
            run(&policy(f, "    numerical:\n      order: asc\n"))[0].0,
            "regex/numerical-without-extract"
        );
    }

    #[test]
    fn exclusion_entries_are_checked_but_not_for_anchors() {
        let r = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: r\nspec:\n  image: x\n  exclusionList:\n    - '-rc'\n    - '^(?!v)'\n";
        assert_eq!(
            run(r),
            vec![("regex/invalid".to_string(), "p.yaml:9:7".to_string())]
        );
    }
}
