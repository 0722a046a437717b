//! Tenant lockdown (`--tenant`): what a repository reconciled by Flux as a namespace admin may
//! not contain.
//!
//! Flux's multi-tenancy lockdown runs the controllers with `--no-cross-namespace-refs` and
//! `--no-remote-bases` and impersonates a tenant service account bound to the namespace-admin
//! role in its own namespace. Under that account a cluster-scoped object cannot be created, an
//! object in another namespace cannot be written, and a reference into another namespace is
//! refused by the controller. These checks find such things before Flux does.
//!
//! A resource without a namespace is left alone: in a tenant repository kustomize's
//! `namespace:` or the tenant Kustomization's `targetNamespace` puts it in the tenant's
//! namespace, which this repository cannot know.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::repo::NoteKind;
use crate::resource::Resource;
use crate::rules::Rule;
use crate::yaml::{Node, Span};

use super::{Input, Place, span_at};

/// The rules of this module.
pub const RULES: &[Rule] = &[
    Rule {
        id: "tenant/cluster-scoped",
        severity: Severity::Error,
        summary: "a tenant repository contains a cluster-scoped object",
        help: "A tenant is reconciled under a service account that is admin of its own namespace only; the API server refuses cluster-scoped objects (Namespace, ClusterRole, CustomResourceDefinition, a custom kind whose CRD says scope: Cluster, ...). Move the object to the platform (fleet) repository.",
    },
    Rule {
        id: "tenant/cross-namespace",
        severity: Severity::Error,
        summary: "a Flux reference names another namespace",
        help: "With multi-tenancy lockdown (--no-cross-namespace-refs) Flux refuses a sourceRef, chartRef, imageRepositoryRef, dependsOn entry, Alert event source or Receiver resource in a namespace other than the referrer's. Put the referenced object in the tenant's namespace, or drop the namespace field.",
    },
    Rule {
        id: "tenant/target-namespace",
        severity: Severity::Error,
        summary: "a HelmRelease or Kustomization deploys into another namespace",
        help: "HelmRelease targetNamespace/storageNamespace and Kustomization targetNamespace must equal the object's own namespace in a tenant repository: the tenant's service account cannot write anywhere else.",
    },
    Rule {
        id: "tenant/remote-base",
        severity: Severity::Error,
        summary: "a kustomization includes a remote base",
        help: "With multi-tenancy lockdown (--no-remote-bases) kustomize-controller refuses resources and components fetched from a URL or git reference: everything a tenant deploys must come from its own source. Vendor the files into the repository.",
    },
];

/// Built-in kinds that are cluster-scoped, by API group (`""` for the core group) and kind.
///
/// The scope of a kind does not change between versions of its group, so versions are not
/// listed. Source: the Kubernetes API discovery document (`scope: Cluster` entries of
/// kubernetes/kubernetes `api/discovery/aggregated_v2.json`), plus the kinds added since then
/// whose API types are declared non-namespaced (`MutatingAdmissionPolicy(Binding)`,
/// `DeviceClass`, `DeviceTaintRule`) and the removed `PodSecurityPolicy`.
const BUILTIN_CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "ComponentStatus"),
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("authentication.k8s.io", "SelfSubjectReview"),
    ("authentication.k8s.io", "TokenReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("extensions", "PodSecurityPolicy"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("internal.apiserver.k8s.io", "StorageVersion"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("resource.k8s.io", "DeviceClass"),
    ("resource.k8s.io", "DeviceTaintRule"),
    ("resource.k8s.io", "ResourceClass"),
    ("resource.k8s.io", "ResourceSlice"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("storagemigration.k8s.io", "StorageVersionMigration"),
];

/// Cluster-scoped kinds of widely used projects whose CRDs a tenant repository rarely holds,
/// each documented as cluster-scoped by its project: cert-manager's `ClusterIssuer`, Gateway
/// API's `GatewayClass`, Kyverno's `ClusterPolicy`. A CRD in the validated tree wins over this
/// table.
const KNOWN_CRD_CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("cert-manager.io", "ClusterIssuer"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("kyverno.io", "ClusterPolicy"),
];

/// Why a kind is cluster-scoped.
#[derive(Clone, Debug, PartialEq)]
enum Scope {
    /// A built-in Kubernetes kind.
    BuiltIn,
    /// A well-known project's kind.
    Known,
    /// A CRD in the tree says so; where it says it.
    Crd(Span),
}

/// The scope every CRD in the tree declares, by group and kind: `Some(span of scope)` when
/// cluster-scoped, `None` when namespaced.
fn crd_scopes<'a>(input: &Input<'a>) -> BTreeMap<(String, String), Option<Span>> {
    let mut out = BTreeMap::new();
    for (_, r) in input.all() {
        let gvk = r.gvk();
        if gvk.group != "apiextensions.k8s.io" || gvk.kind != "CustomResourceDefinition" {
            continue;
        }
        let (Some(group), Some(kind)) = (
            r.node.str_at(&["spec", "group"]),
            r.node.str_at(&["spec", "names", "kind"]),
        ) else {
            continue;
        };
        let cluster = r.node.str_at(&["spec", "scope"]) == Some("Cluster");
        let at = cluster.then(|| span_at(r, &["spec", "scope"]));
        out.entry((group.to_string(), kind.to_string()))
            .or_insert(at);
    }
    out
}

/// Whether `group`/`kind` is cluster-scoped, and why.
fn scope_of(
    group: &str,
    kind: &str,
    crds: &BTreeMap<(String, String), Option<Span>>,
) -> Option<Scope> {
    if let Some(declared) = crds.get(&(group.to_string(), kind.to_string())) {
        return declared.clone().map(Scope::Crd);
    }
    let hit = |t: &[(&str, &str)]| t.iter().any(|(g, k)| *g == group && *k == kind);
    if hit(BUILTIN_CLUSTER_SCOPED) {
        Some(Scope::BuiltIn)
    } else if hit(KNOWN_CRD_CLUSTER_SCOPED) {
        Some(Scope::Known)
    } else {
        None
    }
}

/// Runs the tenant checks when `--tenant` is on.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    if !input.options.tenant {
        return Vec::new();
    }
    let mut out = Vec::new();
    let crds = crd_scopes(input);
    for (place, r) in input.all() {
        cluster_scoped(input, place, r, &crds, &mut out);
        cross_namespace(input, place, r, &mut out);
        target_namespace(input, place, r, &mut out);
    }
    remote_bases(input, &mut out);
    out
}

fn cluster_scoped(
    input: &Input,
    place: Place,
    r: &Resource,
    crds: &BTreeMap<(String, String), Option<Span>>,
    out: &mut Vec<Diagnostic>,
) {
    let gvk = r.gvk();
    let Some(scope) = scope_of(&gvk.group, &gvk.kind, crds) else {
        return;
    };
    let mut d = Diagnostic::error(
        "tenant/cluster-scoped",
        format!(
            "{} {:?} is cluster-scoped; a tenant's namespace-admin account cannot create it",
            gvk.kind,
            r.name()
        ),
        Some(span_at(r, &["kind"])),
    )
    .with_resource(r.id());
    if let Scope::Crd(at) = scope {
        d = d.with_label(at, "its CustomResourceDefinition declares scope: Cluster");
    }
    d.roots = input.roots_of(place);
    out.push(d);
}

/// A reference field of a Flux kind: where it is, and the kind it names when the reference
/// does not say (`dependsOn` names the referrer's own kind).
struct RefField {
    group: &'static str,
    kind: &'static str,
    path: &'static [&'static str],
    /// The field is a list of references.
    list: bool,
    /// The kind referred to when the reference does not name one.
    implied_kind: &'static str,
}

/// Every Flux reference that can carry a `namespace`. `valuesFrom`, `substituteFrom` and
/// `providerRef` cannot, so they never leave the namespace.
const REF_FIELDS: &[RefField] = &[
    RefField {
        group: "helm.toolkit.fluxcd.io",
        kind: "HelmRelease",
        path: &["spec", "chart", "spec", "sourceRef"],
        list: false,
        implied_kind: "object",
    },
    RefField {
        group: "helm.toolkit.fluxcd.io",
        kind: "HelmRelease",
        path: &["spec", "chartRef"],
        list: false,
        implied_kind: "object",
    },
    RefField {
        group: "helm.toolkit.fluxcd.io",
        kind: "HelmRelease",
        path: &["spec", "dependsOn"],
        list: true,
        implied_kind: "HelmRelease",
    },
    RefField {
        group: "kustomize.toolkit.fluxcd.io",
        kind: "Kustomization",
        path: &["spec", "sourceRef"],
        list: false,
        implied_kind: "object",
    },
    RefField {
        group: "kustomize.toolkit.fluxcd.io",
        kind: "Kustomization",
        path: &["spec", "dependsOn"],
        list: true,
        implied_kind: "Kustomization",
    },
    RefField {
        group: "image.toolkit.fluxcd.io",
        kind: "ImagePolicy",
        path: &["spec", "imageRepositoryRef"],
        list: false,
        implied_kind: "ImageRepository",
    },
    RefField {
        group: "image.toolkit.fluxcd.io",
        kind: "ImageUpdateAutomation",
        path: &["spec", "sourceRef"],
        list: false,
        implied_kind: "object",
    },
    RefField {
        group: "notification.toolkit.fluxcd.io",
        kind: "Alert",
        path: &["spec", "eventSources"],
        list: true,
        implied_kind: "object",
    },
    RefField {
        group: "notification.toolkit.fluxcd.io",
        kind: "Receiver",
        path: &["spec", "resources"],
        list: true,
        implied_kind: "object",
    },
];

/// What a reference names, for messages: `HelmRepository "podinfo"`.
fn describe_ref(field: &RefField, node: &Node) -> String {
    let name = node.str_at(&["name"]).unwrap_or("");
    let kind = node.str_at(&["kind"]).unwrap_or(field.implied_kind);
    format!("{kind} {name:?}")
}

fn cross_namespace(input: &Input, place: Place, r: &Resource, out: &mut Vec<Diagnostic>) {
    let own = r.namespace();
    if own.is_empty() {
        return;
    }
    let gvk = r.gvk();
    for field in REF_FIELDS
        .iter()
        .filter(|f| f.group == gvk.group && f.kind == gvk.kind)
    {
        let Some(node) = r.node.get_path(field.path) else {
            continue;
        };
        let refs: Vec<&Node> = if field.list {
            node.as_seq()
                .map(|s| s.iter().collect())
                .unwrap_or_default()
        } else {
            vec![node]
        };
        for target in refs {
            let Some(ns) = target.str_at(&["namespace"]) else {
                continue;
            };
            if ns == own || ns.is_empty() {
                continue;
            }
            let at = target
                .as_map()
                .and_then(|m| m.entry("namespace"))
                .and_then(|e| e.value.span.clone().or(e.key_span.clone()))
                .unwrap_or_else(|| span_at(r, field.path));
            let mut d = Diagnostic::error(
                "tenant/cross-namespace",
                format!(
                    "{} {:?} refers to {} in namespace {ns:?}; a tenant may only refer within its own namespace {own:?}",
                    gvk.kind,
                    r.name(),
                    describe_ref(field, target)
                ),
                Some(at),
            )
            .with_resource(r.id());
            d.roots = input.roots_of(place);
            out.push(d);
        }
    }
}

fn target_namespace(input: &Input, place: Place, r: &Resource, out: &mut Vec<Diagnostic>) {
    let own = r.namespace();
    if own.is_empty() {
        return;
    }
    let gvk = r.gvk();
    let fields: &[&str] = match (gvk.group.as_str(), gvk.kind.as_str()) {
        ("helm.toolkit.fluxcd.io", "HelmRelease") => &["targetNamespace", "storageNamespace"],
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => &["targetNamespace"],
        _ => return,
    };
    for field in fields {
        let Some(ns) = r.node.str_at(&["spec", field]) else {
            continue;
        };
        if ns == own || ns.is_empty() {
            continue;
        }
        let mut d = Diagnostic::error(
            "tenant/target-namespace",
            format!(
                "{} {:?} sets {field} {ns:?}; a tenant may only deploy into its own namespace {own:?}",
                gvk.kind,
                r.name()
            ),
            Some(span_at(r, &["spec", field])),
        )
        .with_resource(r.id());
        d.roots = input.roots_of(place);
        out.push(d);
    }
}

/// The entry a discovery note about a remote reference quotes (`"https://…"`, quoted).
fn remote_entry(message: &str) -> Option<&str> {
    message
        .strip_prefix("remote reference ")
        .and_then(|m| m.strip_suffix(" is not fetched"))
}

fn remote_bases(input: &Input, out: &mut Vec<Diagnostic>) {
    for repo in input.repos {
        for note in repo
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::RemoteReference)
        {
            let what = remote_entry(&note.message)
                .map(|e| format!("remote base {e}"))
                .unwrap_or_else(|| "a remote base".to_string());
            out.push(Diagnostic::error(
                "tenant/remote-base",
                format!(
                    "{what} is not allowed in a tenant repository: Flux's lockdown refuses remote bases"
                ),
                Some(shown(&note.span)),
            ));
        }
    }
}

/// A discovery span with its file shown as the pipeline shows build spans: relative to the
/// current directory when below it.
pub(crate) fn shown(span: &Span) -> Span {
    let cwd = std::env::current_dir().unwrap_or_default();
    let file = crate::pipeline::relative_to(std::path::Path::new(&*span.file), &cwd);
    Span::new(file.to_string_lossy().as_ref().into(), span.line, span.col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckOptions, Env};
    use crate::yaml::{Limits, Profile, parse_str};

    fn res(text: &str) -> Resource {
        let node = parse_str(text, "x.yaml", Profile::Kubernetes, Limits::default())
            .unwrap()
            .remove(0);
        Resource::new(node, Span::file("x.yaml".into()))
    }

    fn run(texts: &[&str], tenant: bool) -> Vec<Diagnostic> {
        let envs = vec![Env {
            root: "components/app/staging".into(),
            resources: texts.iter().map(|t| res(t)).collect(),
        }];
        let options = CheckOptions {
            tenant,
            ..CheckOptions::default()
        };
        check(&Input {
            repos: &[],
            envs: &envs,
            plain: &[],
            options: &options,
        })
    }

    fn rules(d: &[Diagnostic]) -> Vec<(String, String)> {
        d.iter()
            .map(|d| {
                (
                    d.rule.clone(),
                    d.span.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    }

    const CLUSTER_ROLE: &str =
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: x\n";

    #[test]
    fn nothing_without_tenant_mode() {
        assert!(run(&[CLUSTER_ROLE], false).is_empty());
    }

    #[test]
    fn built_in_cluster_kinds_in_any_version_are_reported_at_kind() {
        let d = run(
            &[
                CLUSTER_ROLE,
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n",
                "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\nmetadata:\n  name: x\n",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: x\n  namespace: a\n",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
            ],
            true,
        );
        assert_eq!(
            rules(&d),
            vec![
                ("tenant/cluster-scoped".into(), "x.yaml:2:7".into()),
                ("tenant/cluster-scoped".into(), "x.yaml:2:7".into()),
                ("tenant/cluster-scoped".into(), "x.yaml:2:7".into()),
            ]
        );
        assert_eq!(d[0].roots, vec!["components/app/staging".to_string()]);
    }

    #[test]
    fn crd_in_the_tree_decides_the_scope_of_its_kind() {
        let crd = |scope: &str, kind: &str| {
            format!(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n  group: example.com\n  scope: {scope}\n  names:\n    kind: {kind}\n"
            )
        };
        let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
        let gadget = "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n";
        let a = crd("Cluster", "Widget");
        let b = crd("Namespaced", "Gadget");
        let d = run(&[&a, &b, widget, gadget], true);
        // Both CRDs themselves, and the Widget; not the Gadget.
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(d.len(), 3, "{msgs:?}");
        let w = d.iter().find(|d| d.message.starts_with("Widget")).unwrap();
        assert_eq!(w.related[0].span.to_string(), "x.yaml:7:10");
        // A namespaced CRD overrides the table of known project kinds.
        let c = crd("Namespaced", "ClusterIssuer").replace("example.com", "cert-manager.io");
        let issuer = "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: i\n";
        assert_eq!(run(&[issuer], true).len(), 1);
        assert_eq!(run(&[&c, issuer], true).len(), 1, "only the CRD itself");
    }

    #[test]
    fn references_into_other_namespaces_are_reported_at_the_namespace() {
        let hr = "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  chart:
    spec:
      chart: web
      sourceRef:
        kind: HelmRepository
        name: charts
        namespace: flux-system
  dependsOn:
    - name: db
      namespace: apps
    - name: cache
      namespace: infra
  targetNamespace: apps
  storageNamespace: kube-system
";
        let d = run(&[hr], true);
        assert_eq!(
            rules(&d),
            vec![
                ("tenant/cross-namespace".into(), "x.yaml:13:20".into()),
                ("tenant/cross-namespace".into(), "x.yaml:18:18".into()),
                ("tenant/target-namespace".into(), "x.yaml:20:21".into()),
            ]
        );
        assert!(
            d[0].message
                .contains("HelmRepository \"charts\" in namespace \"flux-system\"")
        );
        assert!(d[1].message.contains("HelmRelease \"cache\""));
    }

    #[test]
    fn same_namespace_or_unknown_own_namespace_is_fine() {
        let own = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: k
  namespace: apps
spec:
  targetNamespace: apps
  sourceRef:
    kind: GitRepository
    name: repo
    namespace: apps
";
        let unknown = "apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: p
spec:
  imageRepositoryRef:
    name: r
    namespace: elsewhere
";
        assert!(run(&[own, unknown], true).is_empty());
    }

    #[test]
    fn remote_note_messages_name_the_entry() {
        assert_eq!(
            remote_entry("remote reference \"https://x/y\" is not fetched"),
            Some("\"https://x/y\"")
        );
        assert_eq!(remote_entry("something else"), None);
    }
}
