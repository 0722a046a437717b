//! The references each Flux kind makes, with the defaults of the Flux CRDs: a namespace left
//! out is the referrer's own, an ImageUpdateAutomation's `sourceRef.kind` is `GitRepository`,
//! a `valuesKey` left out is `values.yaml`.

use crate::resource::Resource;
use crate::yaml::Node;

/// The source-controller API group.
pub const SOURCE: &str = "source.toolkit.fluxcd.io";
/// The kustomize-controller API group.
pub const KUSTOMIZE: &str = "kustomize.toolkit.fluxcd.io";
/// The helm-controller API group.
pub const HELM: &str = "helm.toolkit.fluxcd.io";
/// The image-reflector and image-automation API group.
pub const IMAGE: &str = "image.toolkit.fluxcd.io";
/// The notification-controller API group.
pub const NOTIFICATION: &str = "notification.toolkit.fluxcd.io";

/// The API group of a kind a Flux reference may name; `None` for kinds Flux does not accept
/// there (the schema reports those).
fn group_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "HelmRepository" | "GitRepository" | "Bucket" | "OCIRepository" | "HelmChart"
        | "ExternalArtifact" => SOURCE,
        "Kustomization" => KUSTOMIZE,
        "HelmRelease" => HELM,
        "ImageRepository" => IMAGE,
        "Provider" => NOTIFICATION,
        "ConfigMap" | "Secret" => "",
        _ => return None,
    })
}

/// The key a `valuesFrom` entry reads and where it is written (the entry's `name` when the
/// key is the default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesKey {
    /// The key, `values.yaml` by default.
    pub key: String,
    /// Path of the node to report at.
    pub path: Vec<String>,
}

/// One reference from a Flux object to another object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref {
    /// The field, for messages: `spec.chart.spec.sourceRef`.
    pub field: String,
    /// API group of the target (empty for ConfigMap and Secret).
    pub group: &'static str,
    /// Kind of the target.
    pub kind: String,
    /// Name of the target.
    pub name: String,
    /// Namespace of the target, defaulted to the referrer's (empty when neither is known).
    pub namespace: String,
    /// Path from the referrer's root to the `name` node.
    pub path: Vec<String>,
    /// `optional: true`: a missing target is not an error.
    pub optional: bool,
    /// For `valuesFrom`: the key read.
    pub values_key: Option<ValuesKey>,
    /// For `dependsOn`: the reference is an edge of the dependency graph.
    pub depends_on: bool,
}

/// Reads one object reference at `at` (a mapping with `name`, maybe `kind` and `namespace`).
/// `kind` is the kind to assume when the mapping has none; `allowed` the kinds accepted.
fn one(
    res: &Resource,
    at: &[&str],
    kind: Option<&str>,
    allowed: &[&str],
    namespaced: bool,
) -> Option<Ref> {
    let node = node_at(&res.node, at)?;
    let name = node.str_at(&["name"])?;
    let kind = node.str_at(&["kind"]).or(kind)?;
    if !allowed.contains(&kind) {
        return None;
    }
    let group = group_of(kind)?;
    let namespace = if namespaced {
        node.str_at(&["namespace"]).unwrap_or(res.namespace())
    } else {
        res.namespace()
    };
    let mut path: Vec<String> = at.iter().map(|s| s.to_string()).collect();
    path.push("name".into());
    Some(Ref {
        field: at.join("."),
        group,
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: namespace.to_string(),
        path,
        optional: node.get_path(&["optional"]).is_some_and(is_true),
        values_key: None,
        depends_on: false,
    })
}

/// The node at `path`, where a numeric step indexes a sequence.
pub fn node_at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
    let mut cur = node;
    for step in path {
        cur = match (cur.as_map(), cur.as_seq()) {
            (Some(m), _) => m.get(step)?,
            (_, Some(s)) => s.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn is_true(n: &Node) -> bool {
    matches!(n.value, crate::yaml::Value::Bool(true))
}

/// References in each entry of the list at `at`.
fn each(
    res: &Resource,
    at: &[&str],
    kind: Option<&str>,
    allowed: &[&str],
    namespaced: bool,
) -> Vec<Ref> {
    let len = res
        .node
        .get_path(at)
        .and_then(Node::as_seq)
        .map_or(0, Vec::len);
    (0..len)
        .filter_map(|i| {
            let idx = i.to_string();
            let mut p: Vec<&str> = at.to_vec();
            p.push(&idx);
            one(res, &p, kind, allowed, namespaced)
        })
        .collect()
}

const CONFIG: &[&str] = &["ConfigMap", "Secret"];

/// Every reference `res` makes, in the order written.
pub fn refs_of(res: &Resource) -> Vec<Ref> {
    let gvk = res.gvk();
    let mut out = Vec::new();
    match (gvk.group.as_str(), gvk.kind.as_str()) {
        (HELM, "HelmRelease") => {
            out.extend(one(
                res,
                &["spec", "chart", "spec", "sourceRef"],
                None,
                &["HelmRepository", "GitRepository", "Bucket"],
                true,
            ));
            out.extend(one(
                res,
                &["spec", "chartRef"],
                None,
                &["OCIRepository", "HelmChart", "ExternalArtifact"],
                true,
            ));
            // valuesFrom is always in the HelmRelease's namespace.
            for mut r in each(res, &["spec", "valuesFrom"], None, CONFIG, false) {
                let mut entry = r.path.clone();
                entry.pop();
                let written = node_at(
                    &res.node,
                    &entry
                        .iter()
                        .map(String::as_str)
                        .chain(["valuesKey"])
                        .collect::<Vec<_>>(),
                );
                let key = written.and_then(Node::as_str);
                let path = if key.is_some() {
                    entry.iter().cloned().chain(["valuesKey".into()]).collect()
                } else {
                    r.path.clone()
                };
                r.values_key = Some(ValuesKey {
                    key: key.unwrap_or("values.yaml").to_string(),
                    path,
                });
                out.push(r);
            }
            for mut r in each(
                res,
                &["spec", "dependsOn"],
                Some("HelmRelease"),
                &["HelmRelease"],
                true,
            ) {
                r.depends_on = true;
                out.push(r);
            }
        }
        (KUSTOMIZE, "Kustomization") => {
            out.extend(one(
                res,
                &["spec", "sourceRef"],
                None,
                &[
                    "OCIRepository",
                    "GitRepository",
                    "Bucket",
                    "ExternalArtifact",
                ],
                true,
            ));
            for mut r in each(
                res,
                &["spec", "dependsOn"],
                Some("Kustomization"),
                &["Kustomization"],
                true,
            ) {
                r.depends_on = true;
                out.push(r);
            }
            out.extend(each(
                res,
                &["spec", "postBuild", "substituteFrom"],
                None,
                CONFIG,
                false,
            ));
        }
        (IMAGE, "ImagePolicy") => out.extend(one(
            res,
            &["spec", "imageRepositoryRef"],
            Some("ImageRepository"),
            &["ImageRepository"],
            true,
        )),
        (IMAGE, "ImageUpdateAutomation") => out.extend(one(
            res,
            &["spec", "sourceRef"],
            Some("GitRepository"),
            &["GitRepository"],
            true,
        )),
        (NOTIFICATION, "Alert") => out.extend(one(
            res,
            &["spec", "providerRef"],
            Some("Provider"),
            &["Provider"],
            false,
        )),
        (SOURCE, "HelmChart") => out.extend(one(
            res,
            &["spec", "sourceRef"],
            None,
            &["HelmRepository", "GitRepository", "Bucket"],
            false,
        )),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, Span, parse_str};

    fn res(text: &str) -> Resource {
        let node = parse_str(text, "r.yaml", Profile::Kubernetes, Limits::default())
            .unwrap()
            .remove(0);
        Resource::new(node, Span::file("r.yaml".into()))
    }

    fn show(text: &str) -> Vec<String> {
        refs_of(&res(text))
            .iter()
            .map(|r| {
                let mut s = format!(
                    "{} {}/{} @{}",
                    r.kind,
                    r.namespace,
                    r.name,
                    r.path.join(".")
                );
                if r.optional {
                    s.push_str(" optional");
                }
                if let Some(k) = &r.values_key {
                    s.push_str(&format!(" key={} @{}", k.key, k.path.join(".")));
                }
                s
            })
            .collect()
    }

    #[test]
    fn helm_release_references_default_to_its_namespace() {
        let got = show(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a, namespace: apps}\nspec:\n  chart:\n    spec:\n      sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}\n  valuesFrom:\n    - {kind: ConfigMap, name: v}\n    - {kind: Secret, name: s, valuesKey: x.yaml, optional: true}\n  dependsOn:\n    - name: db\n    - {name: mq, namespace: infra}\n",
        );
        assert_eq!(
            got,
            vec![
                "HelmRepository flux-system/charts @spec.chart.spec.sourceRef.name",
                "ConfigMap apps/v @spec.valuesFrom.0.name key=values.yaml @spec.valuesFrom.0.name",
                "Secret apps/s @spec.valuesFrom.1.name optional key=x.yaml @spec.valuesFrom.1.valuesKey",
                "HelmRelease apps/db @spec.dependsOn.0.name",
                "HelmRelease infra/mq @spec.dependsOn.1.name",
            ]
        );
    }

    #[test]
    fn chart_ref_and_any_api_version_of_the_group() {
        let got = show(
            "apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nmetadata: {name: a, namespace: apps}\nspec:\n  chartRef: {kind: OCIRepository, name: podinfo}\n",
        );
        assert_eq!(got, vec!["OCIRepository apps/podinfo @spec.chartRef.name"]);
    }

    #[test]
    fn kustomization_references() {
        let got = show(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: a, namespace: flux-system}\nspec:\n  sourceRef: {kind: GitRepository, name: flux-system}\n  dependsOn: [{name: infra}]\n  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: vars, namespace: elsewhere}\n      - {kind: Secret, name: sec, optional: true}\n",
        );
        assert_eq!(
            got,
            vec![
                "GitRepository flux-system/flux-system @spec.sourceRef.name",
                "Kustomization flux-system/infra @spec.dependsOn.0.name",
                // substituteFrom has no namespace field: always the Kustomization's own.
                "ConfigMap flux-system/vars @spec.postBuild.substituteFrom.0.name",
                "Secret flux-system/sec @spec.postBuild.substituteFrom.1.name optional",
            ]
        );
    }

    #[test]
    fn image_and_notification_references_use_default_kinds() {
        assert_eq!(
            show(
                "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: p, namespace: u}\nspec:\n  imageRepositoryRef: {name: r}\n"
            ),
            vec!["ImageRepository u/r @spec.imageRepositoryRef.name"]
        );
        assert_eq!(
            show(
                "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\nmetadata: {name: p, namespace: u}\nspec:\n  sourceRef: {name: repo, namespace: flux-system}\n"
            ),
            vec!["GitRepository flux-system/repo @spec.sourceRef.name"]
        );
        assert_eq!(
            show(
                "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata: {name: a, namespace: mon}\nspec:\n  providerRef: {name: slack, namespace: other}\n"
            ),
            vec!["Provider mon/slack @spec.providerRef.name"]
        );
    }

    #[test]
    fn other_groups_and_unknown_kinds_make_no_reference() {
        assert!(show(
            "apiVersion: example.com/v1\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  chartRef: {kind: OCIRepository, name: x}\n"
        )
        .is_empty());
        assert!(show(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  chartRef: {kind: Deployment, name: x}\n  valuesFrom: [{kind: ConfigMap}]\n"
        )
        .is_empty());
    }
}
