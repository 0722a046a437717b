//! The catalogue of rule ids: what each finding means and its default severity.
//!
//! Rule ids are stable: users disable them by id, and SARIF reports them. Each check module owns
//! its rules but lists them here, so reports and docs have one table to read.

use crate::diagnostic::Severity;

/// One rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, `<domain>/<name>`.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Why it matters and how to fix it.
    pub help: &'static str,
}

/// Rules of building, YAML, metadata and schema validation. Check modules own the rest.
pub const CORE: &[Rule] = &[
    Rule {
        id: "build/error",
        severity: Severity::Error,
        summary: "a kustomization cannot be built",
        help: "kustomize build (and so Flux's kustomize-controller) fails on this root; the message says why and the place is the entry that caused it.",
    },
    Rule {
        id: "metadata/annotation",
        severity: Severity::Error,
        summary: "an annotation key is invalid, or the annotations are too large",
        help: "The API server requires annotation keys to be qualified names ([prefix/]name, the prefix a DNS subdomain, the name at most 63 characters of alphanumerics, '-', '_' or '.') and all annotations together to stay within 256 KiB. Fix the key or move large data into a ConfigMap.",
    },
    Rule {
        id: "metadata/label",
        severity: Severity::Error,
        summary: "a label key or value is invalid",
        help: "Label keys must be qualified names ([prefix/]name) and values empty or at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric. The API server rejects the object otherwise.",
    },
    Rule {
        id: "metadata/name",
        severity: Severity::Error,
        summary: "metadata.name is not a valid name for its kind",
        help: "Most kinds need a DNS-1123 subdomain (lowercase alphanumerics, '-' and '.', at most 253 characters); Namespaces a DNS-1123 label, Services a DNS-1035 label, RBAC objects a path segment. The API server rejects other names.",
    },
    Rule {
        id: "metadata/namespace",
        severity: Severity::Error,
        summary: "metadata.namespace is not a valid namespace name",
        help: "Namespace names are DNS-1123 labels: at most 63 lowercase alphanumerics or '-', starting and ending with an alphanumeric.",
    },
    Rule {
        id: "resource/missing-field",
        severity: Severity::Error,
        summary: "a document lacks apiVersion, kind or metadata.name",
        help: "Every Kubernetes object needs apiVersion, kind and metadata.name (or generateName); without them it cannot be applied or validated.",
    },
    Rule {
        id: "schema/cel",
        severity: Severity::Error,
        summary: "a CRD validation rule (x-kubernetes-validations) fails",
        help: "The CustomResourceDefinition carries a CEL rule the API server evaluates on admission; the message is the CRD's. A warning means the rule could not be evaluated here (skip with --skip-cel).",
    },
    Rule {
        id: "schema/enum",
        severity: Severity::Error,
        summary: "a value is not one of the allowed values",
        help: "The schema lists the accepted values of this field; use one of them (they are case-sensitive).",
    },
    Rule {
        id: "schema/format",
        severity: Severity::Error,
        summary: "a value does not have the required format",
        help: "The schema requires a format (date-time, duration, ...) the value does not have.",
    },
    Rule {
        id: "schema/missing",
        severity: Severity::Warning,
        summary: "no schema was found for a kind",
        help: "No schema location has a schema for this apiVersion and kind, so it was not validated. Add a location (--schema-location), the CRD (--crd), or make it an error with --require-schemas. A removed API version also ends here.",
    },
    Rule {
        id: "schema/pattern",
        severity: Severity::Error,
        summary: "a value does not match the required pattern",
        help: "The schema restricts this string with a regular expression, e.g. Flux durations like 5m or 1h30m (days are not accepted).",
    },
    Rule {
        id: "schema/rejected",
        severity: Severity::Error,
        summary: "a resource of a rejected kind",
        help: "The kind is listed in --reject: resources of this kind are not allowed in this repository.",
    },
    Rule {
        id: "schema/required",
        severity: Severity::Error,
        summary: "a required field is missing",
        help: "The schema requires this field; the API server rejects the object without it.",
    },
    Rule {
        id: "schema/skipped",
        severity: Severity::Note,
        summary: "a kind was not validated because its schema could not be fetched",
        help: "A schema location could not be asked (for example offline and not cached); run once online or point --schema-location at local files.",
    },
    Rule {
        id: "schema/type",
        severity: Severity::Error,
        summary: "a value has the wrong type",
        help: "The schema wants another type here (e.g. an integer, not a string). Quote or unquote the value, or fix the structure.",
    },
    Rule {
        id: "schema/unknown-field",
        severity: Severity::Error,
        summary: "a field the schema does not know",
        help: "The field is not part of this kind's schema: usually a typo or wrong indentation. The API server drops or rejects it; Flux would not apply what you meant. --no-strict allows it.",
    },
    Rule {
        id: "schema/value",
        severity: Severity::Error,
        summary: "a value breaks another schema constraint",
        help: "The value violates a schema constraint such as a minimum, maximum or length limit; the message says which.",
    },
    Rule {
        id: "yaml/duplicate-key",
        severity: Severity::Error,
        summary: "a mapping has the same key twice",
        help: "Kubernetes' strict decoding (and kubeconform -strict) rejects duplicate keys; without it the last one silently wins. Remove one of them.",
    },
    Rule {
        id: "yaml/invalid",
        severity: Severity::Error,
        summary: "a file is not valid YAML",
        help: "The file cannot be parsed; Flux rejects it. Fix the syntax at the reported place.",
    },
];

/// Every group of rules, in the order reports and docs list them. A check module adds its
/// `RULES` here.
const GROUPS: &[&[Rule]] = &[
    CORE,
    crate::checks::tenancy::RULES,
    crate::checks::hygiene::RULES,
    crate::checks::images::RULES,
    crate::checks::markers::RULES,
    crate::checks::apiversions::RULES,
    crate::envsubst::RULES,
    crate::checks::references::RULES,
    crate::checks::sources::RULES,
    crate::suppress::RULES,
];

/// Every rule fluxval has.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    GROUPS.iter().flat_map(|g| g.iter())
}

/// The rule with `id`, if known.
pub fn rule(id: &str) -> Option<&'static Rule> {
    all().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for r in all() {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            let (domain, name) = r.id.split_once('/').expect("<domain>/<name>");
            let ok = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            assert!(ok(domain) && ok(name), "bad rule id {}", r.id);
            assert!(!r.summary.is_empty() && !r.help.is_empty(), "{}", r.id);
        }
    }
}

#[cfg(test)]
mod docs_tests {
    /// docs/rules.md is the rule reference users read: every rule has a `### id` section, and
    /// every section names a rule that exists.
    #[test]
    fn every_rule_is_documented_and_every_documented_rule_exists() {
        let doc = include_str!("../docs/rules.md");
        let sections: std::collections::BTreeSet<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("### "))
            .map(str::trim)
            .filter(|h| h.contains('/'))
            .collect();
        let ids: std::collections::BTreeSet<&str> = super::all().map(|r| r.id).collect();
        let undocumented: Vec<_> = ids.difference(&sections).collect();
        let unknown: Vec<_> = sections.difference(&ids).collect();
        assert!(
            undocumented.is_empty(),
            "rules without a section: {undocumented:?}"
        );
        assert!(unknown.is_empty(), "sections for no rule: {unknown:?}");
    }
}
