//! Schema locations: kubeconform v0.7.0's template language, its aliases, and ours.
//!
//! A location is a template such as
//! `https://example.org/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`
//! rendered for each resource kind. A location that does not end in `json` is a directory to
//! which kubeconform's layout is appended; one ending in `.tar.gz`/`.tgz` is a tarball of schemas
//! named as kubeconform names them.

use crate::resource::Gvk;

/// kubeconform's `default` location (yannh/kubernetes-json-schema).
pub const DEFAULT_LOCATION: &str = "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";

/// The latest Flux release's schema tarball (the `flux` alias).
pub const FLUX_LATEST: &str =
    "https://github.com/fluxcd/flux2/releases/latest/download/crd-schemas.tar.gz";

/// What kubeconform appends to a location that does not end in `json`.
pub const DIRECTORY_SUFFIX: &str = "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";

/// The locations used when none is given: kubeconform's default and the latest Flux schemas.
pub fn default_locations() -> Vec<String> {
    vec!["default".to_string(), "flux".to_string()]
}

/// One place to look for schemas, after aliases are expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A template rendered per kind into a URL or path of one JSON schema.
    Template(String),
    /// A `.tar.gz`/`.tgz` of schemas named `{kind}-{group-first-label}-{version}.json`.
    Tarball(String),
}

impl Location {
    /// Expands aliases (`default`, `flux`, `flux@vX.Y.Z`) and kubeconform's directory rule.
    ///
    /// Errors when the template uses something kubeconform's template data does not have.
    pub fn parse(s: &str) -> Result<Location, String> {
        let loc = if s == "default" {
            DEFAULT_LOCATION.to_string()
        } else if s == "flux" {
            FLUX_LATEST.to_string()
        } else if let Some(v) = s.strip_prefix("flux@") {
            if !valid_release(v) {
                return Err(format!(
                    "invalid schema location {s:?}: expected flux@vX.Y.Z (e.g. flux@v2.7.0)"
                ));
            }
            format!("https://github.com/fluxcd/flux2/releases/download/{v}/crd-schemas.tar.gz")
        } else {
            s.to_string()
        };
        if loc.ends_with(".tar.gz") || loc.ends_with(".tgz") {
            return Ok(Location::Tarball(loc));
        }
        let loc = if loc.ends_with("json") {
            loc
        } else {
            format!("{loc}{DIRECTORY_SUFFIX}")
        };
        // kubeconform tries the template once up front so a typo fails before any resource.
        render(
            &loc,
            &Gvk::from_api_version("v1", "Deployment"),
            "master",
            true,
        )
        .map_err(|e| format!("failed initialising schema location registry: {e}"))?;
        Ok(Location::Template(loc))
    }

    /// The URL or path text.
    pub fn as_str(&self) -> &str {
        match self {
            Location::Template(s) | Location::Tarball(s) => s,
        }
    }
}

fn valid_release(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let core = rest.split_once('-').map_or(rest, |(c, _)| c);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// `master` stays as is; any other version gets a `v` in front (kubeconform does no other
/// normalisation, so `v1.30.0` would become `vv1.30.0` there too).
pub fn normalized_kubernetes_version(version: &str) -> String {
    if version == "master" {
        version.to_string()
    } else {
        format!("v{version}")
    }
}

/// kubeconform's `.KindSuffix`: `-<first label of the group>-<version>`, or `-<version>` for the
/// core group, lowercased.
pub fn kind_suffix(gvk: &Gvk) -> String {
    let api_version = gvk.api_version();
    let mut parts = api_version.split('/');
    let first = parts.next().unwrap_or_default();
    let label = first.split('.').next().unwrap_or_default();
    let mut s = format!("-{}", label.to_lowercase());
    if let Some(v) = parts.next() {
        s.push('-');
        s.push_str(&v.to_lowercase());
    }
    s
}

/// The file name kubeconform looks for: `{kind}{kind suffix}.json`, lowercased.
pub fn schema_file_name(gvk: &Gvk) -> String {
    format!("{}{}.json", gvk.kind.to_lowercase(), kind_suffix(gvk))
}

/// Renders a location template for `gvk`, as kubeconform's Go template data does.
///
/// Supported actions are `{{ .Field }}` (spaces optional, `{{- ` / ` -}}` trim markers honoured)
/// with the six fields kubeconform provides; anything else is an error, as an unknown field is
/// in Go's text/template.
pub fn render(
    template: &str,
    gvk: &Gvk,
    kubernetes_version: &str,
    strict: bool,
) -> Result<String, String> {
    let api_version = gvk.api_version();
    let group_parts: Vec<&str> = api_version.split('/').collect();
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let mut before = &rest[..open];
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(format!("template: tpl: unclosed action in {template:?}"));
        };
        let mut action = &after[..close];
        let mut next = &after[close + 2..];
        if let Some(a) = action.strip_prefix("- ") {
            before = before.trim_end();
            action = a;
        }
        if let Some(a) = action.strip_suffix(" -") {
            next = next.trim_start();
            action = a;
        }
        out.push_str(before);
        let field = action.trim();
        let value = match field {
            ".NormalizedKubernetesVersion" => normalized_kubernetes_version(kubernetes_version),
            ".StrictSuffix" => if strict { "-strict" } else { "" }.to_string(),
            ".ResourceKind" => gvk.kind.to_lowercase(),
            ".ResourceAPIVersion" => group_parts.last().copied().unwrap_or_default().to_string(),
            ".Group" => group_parts.first().copied().unwrap_or_default().to_string(),
            ".KindSuffix" => kind_suffix(gvk),
            other => {
                return Err(format!(
                    "template: tpl: can't evaluate {other:?}: kubeconform knows .NormalizedKubernetesVersion, .StrictSuffix, .ResourceKind, .ResourceAPIVersion, .Group and .KindSuffix"
                ));
            }
        };
        out.push_str(&value);
        rest = next;
    }
    if rest.contains("}}") {
        return Err(format!(
            "template: tpl: unexpected \"}}}}\" in {template:?}"
        ));
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gvk(av: &str, kind: &str) -> Gvk {
        Gvk::from_api_version(av, kind)
    }

    #[test]
    fn kind_suffix_uses_the_first_group_label() {
        assert_eq!(
            schema_file_name(&gvk("helm.toolkit.fluxcd.io/v2", "HelmRelease")),
            "helmrelease-helm-v2.json"
        );
        assert_eq!(
            schema_file_name(&gvk("v1", "ConfigMap")),
            "configmap-v1.json"
        );
        assert_eq!(
            schema_file_name(&gvk("apps/v1", "Deployment")),
            "deployment-apps-v1.json"
        );
        assert_eq!(
            schema_file_name(&gvk("kustomize.config.k8s.io/v1beta1", "Kustomization")),
            "kustomization-kustomize-v1beta1.json"
        );
    }

    #[test]
    fn default_alias_renders_kubeconform_url() {
        let Location::Template(t) = Location::parse("default").unwrap() else {
            panic!("not a template")
        };
        assert_eq!(
            render(&t, &gvk("apps/v1", "Deployment"), "1.35.0", true).unwrap(),
            "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.35.0-standalone-strict/deployment-apps-v1.json"
        );
        assert_eq!(
            render(&t, &gvk("v1", "Service"), "master", false).unwrap(),
            "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/master-standalone/service-v1.json"
        );
    }

    #[test]
    fn directory_gets_kubeconform_layout() {
        let l = Location::parse("/schemas").unwrap();
        assert_eq!(
            render(l.as_str(), &gvk("v1", "Pod"), "1.30.0", false).unwrap(),
            "/schemas/v1.30.0-standalone/pod-v1.json"
        );
        // A trailing slash is kept, as kubeconform keeps it.
        let l = Location::parse("/schemas/").unwrap();
        assert_eq!(
            render(l.as_str(), &gvk("v1", "Pod"), "master", true).unwrap(),
            "/schemas//master-standalone-strict/pod-v1.json"
        );
    }

    #[test]
    fn group_and_api_version_fields() {
        let t = "s/{{.Group}}/{{ .ResourceAPIVersion }}/{{ .ResourceKind }}.json";
        assert_eq!(
            render(
                t,
                &gvk("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
                "master",
                false
            )
            .unwrap(),
            "s/helm.toolkit.fluxcd.io/v2/helmrelease.json"
        );
        assert_eq!(
            render(t, &gvk("v1", "Pod"), "master", false).unwrap(),
            "s/v1/v1/pod.json"
        );
    }

    #[test]
    fn aliases_and_tarballs() {
        assert_eq!(
            Location::parse("flux").unwrap(),
            Location::Tarball(FLUX_LATEST.into())
        );
        assert_eq!(
            Location::parse("flux@v2.7.0").unwrap(),
            Location::Tarball(
                "https://github.com/fluxcd/flux2/releases/download/v2.7.0/crd-schemas.tar.gz"
                    .into()
            )
        );
        assert!(Location::parse("flux@2.7").is_err());
        assert_eq!(
            Location::parse("x/s.tgz").unwrap(),
            Location::Tarball("x/s.tgz".into())
        );
    }

    #[test]
    fn unknown_fields_and_broken_actions_are_errors() {
        assert!(Location::parse("x/{{ .Kind }}.json").is_err());
        assert!(Location::parse("x/{{ .ResourceKind .json").is_err());
        assert!(render("{{- .ResourceKind -}}", &gvk("v1", "Pod"), "master", false).is_ok());
    }
}
