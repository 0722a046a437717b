//! Flux sources: URL schemes source-controller accepts and version constraints it parses.
//!
//! - `source/url`: a HelmRepository of `type: oci` is fetched from an `oci://` URL, any other
//!   from `http://` or `https://`; an OCIRepository needs `oci://`. source-controller fails the
//!   object on anything else.
//! - `source/semver`: HelmRelease `spec.chart.spec.version`, HelmChart `spec.version`,
//!   OCIRepository `spec.ref.semver` and ImagePolicy `spec.policy.semver.range` are
//!   Masterminds/semver v3 constraints ([`crate::checks::semver`]); an exact version is one.
//!
//! Values holding a postBuild placeholder (`${VAR}`) are skipped: Flux substitutes them later.

use crate::checks::semver::Constraints;
use crate::checks::{Input, Place, span_at};
use crate::diagnostic::{Diagnostic, Severity};
use crate::resource::Resource;
use crate::rules::Rule;

const SOURCE: &str = "source.toolkit.fluxcd.io";
const HELM: &str = "helm.toolkit.fluxcd.io";
const IMAGE: &str = "image.toolkit.fluxcd.io";

/// The rules of this module.
pub const RULES: &[Rule] = &[
    Rule {
        id: "source/url",
        severity: Severity::Error,
        summary: "a source URL has a scheme its kind does not accept",
        help: "source-controller fetches a HelmRepository of type oci and an OCIRepository from oci:// URLs, and any other HelmRepository from http:// or https:// URLs; with another scheme the source never becomes ready. Fix the URL, or the HelmRepository's type.",
    },
    Rule {
        id: "source/semver",
        severity: Severity::Error,
        summary: "a version constraint does not parse",
        help: "Chart versions, OCIRepository ref.semver and ImagePolicy semver.range are Masterminds/semver v3 constraints (e.g. 1.2.3, >=1.0.0 <2.0.0, ~1.2, ^1, 1.x, 1.0 - 2.0, || for OR). Flux fails the object when the constraint does not parse; the message gives the parser's reason.",
    },
];

/// Runs the source checks over every resource.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (place, res) in input.all() {
        out.extend(url(input, place, res));
        out.extend(semver(input, place, res));
    }
    out
}

fn finish(input: &Input, place: Place, res: &Resource, d: Diagnostic) -> Diagnostic {
    let mut d = d.with_resource(res.id());
    d.roots = input.roots_of(place);
    d
}

/// Whether `s` starts with `scheme` (`oci://`). source-controller compares prefixes exactly,
/// so `OCI://` is not an OCI URL there either.
fn has_scheme(s: &str, scheme: &str) -> bool {
    s.starts_with(scheme)
}

/// What is wrong with the URL of a source of `kind` (and HelmRepository `type`), if anything.
pub fn url_problem(kind: &str, repo_type: Option<&str>, url: &str) -> Option<String> {
    let oci = has_scheme(url, "oci://");
    let http = has_scheme(url, "http://") || has_scheme(url, "https://");
    match kind {
        "HelmRepository" if repo_type == Some("oci") => (!oci)
            .then(|| format!("HelmRepository of type \"oci\" needs an oci:// URL, not {url:?}")),
        "HelmRepository" if oci => Some(format!(
            "HelmRepository URL {url:?} is an OCI registry: set spec.type to \"oci\""
        )),
        "HelmRepository" => (!http)
            .then(|| format!("HelmRepository URL {url:?} must start with http:// or https://")),
        "OCIRepository" => {
            (!oci).then(|| format!("OCIRepository URL {url:?} must start with oci://"))
        }
        _ => None,
    }
}

fn url(input: &Input, place: Place, res: &Resource) -> Option<Diagnostic> {
    let gvk = res.gvk();
    if gvk.group != SOURCE {
        return None;
    }
    let u = res.node.str_at(&["spec", "url"])?;
    if u.contains("${") {
        return None;
    }
    let msg = url_problem(&gvk.kind, res.node.str_at(&["spec", "type"]), u)?;
    let d = Diagnostic::error("source/url", msg, Some(span_at(res, &["spec", "url"])));
    Some(finish(input, place, res, d))
}

/// The constraint fields of `res`: path and what to call it.
fn constraint_fields(res: &Resource) -> &'static [&'static str] {
    let gvk = res.gvk();
    match (gvk.group.as_str(), gvk.kind.as_str()) {
        (HELM, "HelmRelease") => &["spec", "chart", "spec", "version"],
        (SOURCE, "HelmChart") => &["spec", "version"],
        (SOURCE, "OCIRepository") => &["spec", "ref", "semver"],
        (IMAGE, "ImagePolicy") => &["spec", "policy", "semver", "range"],
        _ => &[],
    }
}

fn semver(input: &Input, place: Place, res: &Resource) -> Option<Diagnostic> {
    let path = constraint_fields(res);
    if path.is_empty() {
        return None;
    }
    let value = res.node.str_at(path)?;
    // An empty chart version means the latest; a placeholder is substituted later.
    if value.trim().is_empty() || value.contains("${") {
        return None;
    }
    let error = Constraints::parse(value).err()?;
    // The parser's message repeats the constraint; the finding already quotes it.
    let reason = error
        .strip_prefix(&format!("invalid semver constraint {value:?}: "))
        .or_else(|| error.strip_prefix("invalid semver constraint: "))
        .unwrap_or(&error);
    let d = Diagnostic::error(
        "source/semver",
        format!(
            "{} is not a valid semver constraint: {reason}",
            field_name(path, value)
        ),
        Some(span_at(res, path)),
    );
    Some(finish(input, place, res, d))
}

fn field_name(path: &[&str], value: &str) -> String {
    format!("{} {value:?}", path.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckOptions;
    use crate::yaml::{Limits, Profile, Span, parse_str};

    #[test]
    fn url_schemes_per_kind() {
        let ok = [
            ("HelmRepository", None, "https://charts.example.com"),
            ("HelmRepository", Some("default"), "http://charts.local"),
            ("HelmRepository", Some("oci"), "oci://ghcr.io/org/charts"),
            ("OCIRepository", None, "oci://ghcr.io/org/app"),
            ("GitRepository", None, "ssh://git@github.com/org/repo"),
        ];
        for (k, t, u) in ok {
            assert_eq!(url_problem(k, t, u), None, "{k} {t:?} {u}");
        }
        let bad = [
            (
                "HelmRepository",
                Some("oci"),
                "https://ghcr.io/org/charts",
                "needs an oci:// URL",
            ),
            (
                "HelmRepository",
                None,
                "oci://ghcr.io/org/charts",
                "set spec.type to \"oci\"",
            ),
            (
                "HelmRepository",
                Some("default"),
                "charts.example.com",
                "must start with http://",
            ),
            (
                "OCIRepository",
                None,
                "ghcr.io/org/app",
                "must start with oci://",
            ),
            (
                "OCIRepository",
                None,
                "https://ghcr.io/org/app",
                "must start with oci://",
            ),
            // source-controller compares the prefix exactly.
            (
                "OCIRepository",
                None,
                "OCI://ghcr.io/org/app",
                "must start with oci://",
            ),
        ];
        for (k, t, u, want) in bad {
            let got = url_problem(k, t, u).unwrap_or_default();
            assert!(got.contains(want), "{k} {t:?} {u}: {got}");
        }
    }

    fn run(text: &str) -> Vec<String> {
        let plain: Vec<Resource> =
            parse_str(text, "s.yaml", Profile::Kubernetes, Limits::default())
                .unwrap()
                .into_iter()
                .map(|n| Resource::new(n, Span::file("s.yaml".into())))
                .collect();
        let opts = CheckOptions::default();
        let input = Input {
            repos: &[],
            envs: &[],
            plain: &plain,
            options: &opts,
        };
        check(&input)
            .iter()
            .map(|d| format!("{} {} {}", d.span.as_ref().unwrap(), d.rule, d.message))
            .collect()
    }

    #[test]
    fn each_constraint_field_is_parsed_and_the_reason_reported() {
        let got = run(concat!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\n",
            "spec:\n  chart:\n    spec:\n      version: '>= 1.0 <'\n---\n",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata: {name: b}\n",
            "spec:\n  version: '1.x || ^2'\n---\n",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: c}\n",
            "spec:\n  url: oci://r/c\n  ref:\n    semver: 'one'\n---\n",
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: d}\n",
            "spec:\n  policy:\n    semver:\n      range: '${RANGE}'\n---\n",
            "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: e}\n",
            "spec:\n  policy:\n    semver:\n      range: '1.2.3'\n",
        ));
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(
            got[0].starts_with("s.yaml:7:16 source/semver spec.chart.spec.version \">= 1.0 <\" is not a valid semver constraint: "),
            "{}",
            got[0]
        );
        // The parser's reason follows, without repeating the constraint.
        assert!(
            got[0].ends_with("constraint: operator \"<\" is not followed by a version"),
            "{}",
            got[0]
        );
        assert!(
            got[1].starts_with("s.yaml:21:13 source/semver spec.ref.semver \"one\""),
            "{}",
            got[1]
        );
    }

    #[test]
    fn url_findings_are_at_the_url_and_skip_placeholders() {
        let got = run(concat!(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: a}\n",
            "spec:\n  type: oci\n  url: https://r\n---\n",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: b}\n",
            "spec:\n  url: ${HELM_URL}\n",
        ));
        assert_eq!(
            got,
            vec![
                "s.yaml:6:8 source/url HelmRepository of type \"oci\" needs an oci:// URL, not \"https://r\""
            ]
        );
    }
}
