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

/// Every rule fluxval has.
pub const RULES: &[Rule] = &[
    Rule {
        id: "build/error",
        severity: Severity::Error,
        summary: "a kustomization cannot be built",
        help: "kustomize build (and so Flux's kustomize-controller) fails on this root; the message says why and the place is the entry that caused it.",
    },
    Rule {
        id: "yaml/invalid",
        severity: Severity::Error,
        summary: "a file is not valid YAML",
        help: "The file cannot be parsed; Flux rejects it. Fix the syntax at the reported place.",
    },
];

/// The rule with `id`, if known.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
