//! Flux post-build substitution: the `${VAR}` grammar of kustomize-controller, the values a
//! user gives with `--vars`, and their application to built resources.
//!
//! - [`grammar`] parses templates (`${VAR}`, `${VAR:=default}`, `${VAR:pos:len}`, `${#VAR}`,
//!   case, trim and replace operators, `$$` escapes) as fluxcd/pkg/envsubst does;
//! - [`eval`] evaluates them with that package's semantics;
//! - [`vars`] reads dotenv and YAML values files;
//! - [`apply`] substitutes inside each resource's spanned tree, so a value keeps the place it was
//!   written, and reports malformed expressions and variables without a value.
//!
//! Without `--vars` nothing is substituted: the expressions are only checked for syntax, and
//! schema validation accepts a placeholder where a number, a boolean or a patterned string is
//! expected (see [`is_only_expressions`]), because a repository like d1-apps relies on values
//! (`${CLUSTER_DOMAIN}`) that only the cluster has. Unset variables are reported only when values
//! were given: without them every variable would be "unset".
//!
//! This module depends on `yaml`, `resource` and `diagnostic` only.

pub mod apply;
pub mod eval;
pub mod grammar;
pub mod vars;

pub use apply::{DISABLE_KEY, substitute};
pub use grammar::{has_expression, is_only_expressions, parse};
pub use vars::Vars;

use crate::diagnostic::Severity;
use crate::rules::Rule;

/// The rules of post-build substitution.
pub const RULES: &[Rule] = &[
    Rule {
        id: "vars/syntax",
        severity: Severity::Error,
        summary: "a ${...} expression Flux cannot parse",
        help: "kustomize-controller fails the whole Kustomization when a substitution expression is malformed (unterminated, no variable name, an operator it lacks such as ${VAR-default}). Use ${VAR:-default}, escape a literal with $${...}, or label the resource kustomize.toolkit.fluxcd.io/substitute: disabled.",
    },
    Rule {
        id: "vars/unset",
        severity: Severity::Warning,
        summary: "a variable without a default is not set in the --vars files",
        help: "Flux replaces an unset variable with an empty string (strict mode, --feature-gates=StrictPostBuildSubstitutions, fails instead). Add the variable to the values, or give it a default: ${VAR:=value}. Reported only when --vars is given.",
    },
    Rule {
        id: "vars/yaml",
        severity: Severity::Error,
        summary: "a substituted value makes the manifest invalid YAML",
        help: "Flux substitutes on the YAML text and parses it again; a value such as 'a: b', an unbalanced quote or '*name' breaks the document. Change the value, or make the expression a quoted string on Flux's side: ${quote}${VAR}${quote} with quote set to a double quote.",
    },
];
