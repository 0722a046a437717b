//! References between Flux objects: every `sourceRef`, `chartRef`, `valuesFrom`,
//! `substituteFrom`, `imageRepositoryRef`, `providerRef` and `dependsOn` must name an object the
//! cluster will have.
//!
//! A reference is resolved in the scope of the environment that built the referrer
//! ([`Input::scope`]): its own overlay, the environments deployed beside it (`update/`, the
//! clusters' roots) and the plain manifests, never a parallel variant (staging never satisfies
//! production). The verdict depends on the target namespace:
//!
//! - the repository produces that namespace: the object must be there (`ref/missing`), except a
//!   ConfigMap or Secret that the repository has under the same name in another namespace, which
//!   is assumed copied in by a policy (Kyverno `clone`, reflector) and only noted;
//! - the repository never produces it: it is resolved outside this repository
//!   (`ref/outside-repo`, a note).
//!
//! Some objects are made by others rather than written: a flux-operator `FluxInstance` with
//! `spec.sync` makes the source and Kustomization named after its namespace, as `flux bootstrap`
//! does for a Flux installation (the `source-controller` Deployment of `gotk-components.yaml`;
//! `gotk-sync.yaml` may be an empty placeholder in the repository); an `ArtifactGenerator` makes
//! its `ExternalArtifact`s; a `SealedSecret` or an `ExternalSecret` makes a Secret.
//! [`made_objects`] lists them so references to them resolve.

mod cycles;
mod extract;

use std::collections::{BTreeSet, HashMap};

use crate::checks::{Class, Input, Place, Scopes, span_at};
use crate::diagnostic::{Diagnostic, Severity};
use crate::resource::Resource;
use crate::rules::Rule;

pub use extract::{Ref, refs_of};

/// The rules of this module.
pub const RULES: &[Rule] = &[
    Rule {
        id: "ref/missing",
        severity: Severity::Error,
        summary: "a reference names an object this repository does not contain",
        help: "The reference points into a namespace this repository deploys, but no object of that kind and name is built there for this environment. Flux keeps the referrer not ready until it appears. Fix the name, kind or namespace, or add the object to this environment.",
    },
    Rule {
        id: "ref/outside-repo",
        severity: Severity::Note,
        summary: "a reference is resolved outside this repository",
        help: "The reference points into a namespace this repository never deploys (or to a ConfigMap or Secret copied there by a policy), so fluxval cannot check it; make sure another repository or a bootstrap step provides the object.",
    },
    Rule {
        id: "ref/values-key",
        severity: Severity::Error,
        summary: "a valuesFrom key is not in the referenced ConfigMap or Secret",
        help: "helm-controller reads the key named by valuesKey (default values.yaml) from the ConfigMap or Secret and fails the release when it is absent. Fix valuesKey, the generator's key (files: - values.yaml=file.yaml), or mark the reference optional: true.",
    },
    Rule {
        id: "ref/depends-on-cycle",
        severity: Severity::Error,
        summary: "dependsOn entries form a cycle",
        help: "Flux waits for every dependency to be ready before reconciling, so objects that depend on each other in a circle never reconcile. Remove one dependsOn entry of the cycle.",
    },
];

/// An object that exists in the cluster because another object makes it.
#[derive(Clone, Debug)]
pub struct Made {
    /// API group of the made object.
    pub group: &'static str,
    /// Kind of the made object.
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// Objects that resources in `scope` make without writing them out: the sync source and
/// Kustomization of a `FluxInstance` or a bootstrapped installation, an `ArtifactGenerator`'s
/// `ExternalArtifact`s, the Secrets of `SealedSecret`s and `ExternalSecret`s.
pub fn made_objects<'a>(scope: impl IntoIterator<Item = &'a Resource>) -> Vec<Made> {
    let mut out = Vec::new();
    for r in scope {
        // Only a few kinds make objects; skip the rest without allocating.
        if !matches!(
            r.node.str_at(&["kind"]),
            Some(
                "FluxInstance"
                    | "Deployment"
                    | "ArtifactGenerator"
                    | "SealedSecret"
                    | "ExternalSecret"
            )
        ) {
            continue;
        }
        let gvk = r.gvk();
        let ns = r.namespace().to_string();
        let mut make = |group: &'static str, kind: &str, name: &str| {
            out.push(Made {
                group,
                kind: kind.to_string(),
                namespace: ns.clone(),
                name: name.to_string(),
            })
        };
        match (gvk.group.as_str(), gvk.kind.as_str()) {
            ("fluxcd.controlplane.io", "FluxInstance") => {
                if r.node.get_path(&["spec", "sync"]).is_none() {
                    continue;
                }
                // flux-operator names both objects after the namespace, as bootstrap does.
                let name = r
                    .node
                    .str_at(&["spec", "sync", "name"])
                    .unwrap_or(ns.as_str())
                    .to_string();
                let kind = r
                    .node
                    .str_at(&["spec", "sync", "kind"])
                    .unwrap_or("GitRepository");
                make(extract::SOURCE, kind, &name);
                make(extract::KUSTOMIZE, "Kustomization", &name);
            }
            ("apps", "Deployment") if r.name() == "source-controller" => {
                // A Flux installation (gotk-components.yaml): `flux bootstrap` adds the sync
                // source and Kustomization named after the namespace, in gotk-sync.yaml, which
                // a repository may leave as a placeholder.
                for kind in ["GitRepository", "OCIRepository", "Bucket"] {
                    make(extract::SOURCE, kind, &ns);
                }
                make(extract::KUSTOMIZE, "Kustomization", &ns);
            }
            ("source.extensions.fluxcd.io", "ArtifactGenerator") => {
                let artifacts = r
                    .node
                    .get_path(&["spec", "artifacts"])
                    .and_then(|n| n.as_seq());
                for a in artifacts.into_iter().flatten() {
                    if let Some(name) = a.str_at(&["name"]) {
                        make(extract::SOURCE, "ExternalArtifact", name);
                    }
                }
            }
            ("bitnami.com", "SealedSecret") => {
                let name = r
                    .node
                    .str_at(&["spec", "template", "metadata", "name"])
                    .unwrap_or(r.name())
                    .to_string();
                make("", "Secret", &name);
            }
            ("external-secrets.io", "ExternalSecret") => {
                let name = r
                    .node
                    .str_at(&["spec", "target", "name"])
                    .unwrap_or(r.name())
                    .to_string();
                make("", "Secret", &name);
            }
            _ => {}
        }
    }
    out
}

/// The namespace and name `flux bootstrap` gives the sync objects it writes into a
/// `gotk-sync.yaml`.
const BOOTSTRAP: &str = "flux-system";

/// Whether a kustomization of the repository lists a `gotk-sync.yaml`: `flux bootstrap` writes
/// the sync source and Kustomization there, and repositories meant to be bootstrapped keep it as
/// an empty placeholder until then.
fn has_bootstrap_placeholder(input: &Input) -> bool {
    input.repos.iter().any(|repo| {
        repo.kustomize_roots.iter().any(|k| {
            k.reads
                .iter()
                .any(|f| f.path.file_name().is_some_and(|n| n == "gotk-sync.yaml"))
        })
    })
}

/// Whether `rf` names one of the sync objects a placeholder `gotk-sync.yaml` stands for.
fn is_bootstrap_object(rf: &Ref) -> bool {
    let kind_ok = match rf.group {
        extract::KUSTOMIZE => rf.kind == "Kustomization",
        extract::SOURCE => matches!(
            rf.kind.as_str(),
            "GitRepository" | "OCIRepository" | "Bucket"
        ),
        _ => false,
    };
    kind_ok && rf.name == BOOTSTRAP && (rf.namespace.is_empty() || rf.namespace == BOOTSTRAP)
}

/// What the resources of one scope make, by group, kind and name, with the namespaces.
type MadeIndex = HashMap<(&'static str, String, String), Vec<String>>;

fn made_index(class: &Class) -> MadeIndex {
    let mut out: MadeIndex = HashMap::new();
    for m in made_objects(class.members().map(|(_, r)| r)) {
        out.entry((m.group, m.kind, m.name))
            .or_default()
            .push(m.namespace);
    }
    out
}

/// Generated ConfigMaps and Secrets of one scope by kind and the name their generator gave.
type GeneratedIndex<'a> = HashMap<(String, String), Vec<(Place, &'a Resource)>>;

fn generated_index<'a>(class: &Class<'a>) -> GeneratedIndex<'a> {
    let mut out: GeneratedIndex = HashMap::new();
    for (place, r) in class.members().filter(|(_, r)| r.generated.is_some()) {
        out.entry((r.gvk().kind, r.original_id().name))
            .or_default()
            .push((place, r));
    }
    out
}

/// Indexes of each scope, computed the first time a reference needs them.
struct Lookup<'s, 'a> {
    scopes: &'s Scopes<'a>,
    made: Vec<Option<MadeIndex>>,
    generated: Vec<Option<GeneratedIndex<'a>>>,
    placeholder: bool,
}

impl<'a> Lookup<'_, 'a> {
    fn is_made(&mut self, place: Place, rf: &Ref) -> bool {
        if self.placeholder && is_bootstrap_object(rf) {
            return true;
        }
        let k = self.scopes.class_of(place);
        let class = &self.scopes.classes()[k];
        let made = self.made[k].get_or_insert_with(|| made_index(class));
        made.get(&(rf.group, rf.kind.clone(), rf.name.clone()))
            .is_some_and(|nss| {
                nss.iter()
                    .any(|ns| rf.namespace.is_empty() || ns.is_empty() || *ns == rf.namespace)
            })
    }

    /// A generated object of `rf`'s kind whose generator name is `rf.name` but whose name got
    /// a hash suffix, as `place` sees it.
    fn generated_as(&mut self, place: Place, rf: &Ref) -> Option<&'a Resource> {
        let k = self.scopes.class_of(place);
        let class = &self.scopes.classes()[k];
        let generated = self.generated[k].get_or_insert_with(|| generated_index(class));
        let found = generated.get(&(rf.kind.clone(), rf.name.clone()))?;
        let pick = |own: bool| {
            found
                .iter()
                .find(|(p, r)| (*p == place) == own && r.name() != rf.name)
                .map(|(_, r)| *r)
        };
        pick(true).or_else(|| pick(false))
    }
}

/// Whether `r` is the object `kind`/`name` of `group` in `namespace` (an empty namespace on
/// either side is unknown and matches).
fn is_target(r: &Resource, group: &str, kind: &str, name: &str, namespace: &str) -> bool {
    // Cheap comparisons first: this runs for every reference against its whole scope.
    if r.node.str_at(&["kind"]) != Some(kind) || r.name() != name {
        return false;
    }
    let gvk = r.gvk();
    gvk.group == group
        && gvk.kind == kind
        && r.name() == name
        && (namespace.is_empty() || r.namespace().is_empty() || r.namespace() == namespace)
}

/// Runs the reference checks over every resource.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    let produced = input.produced_namespaces();
    let scopes = Scopes::new(input);
    let classes = scopes.classes().len();
    let mut lookup = Lookup {
        scopes: &scopes,
        made: (0..classes).map(|_| None).collect(),
        generated: (0..classes).map(|_| None).collect(),
        placeholder: has_bootstrap_placeholder(input),
    };
    let mut out = Vec::new();
    for (place, res) in input.all() {
        for rf in &refs_of(res) {
            if let Some(d) = check_ref(input, &mut lookup, place, res, rf, &produced) {
                out.push(d);
            }
        }
    }
    out.extend(cycles::check(input, &scopes));
    out
}

fn check_ref(
    input: &Input,
    lookup: &mut Lookup,
    place: Place,
    res: &Resource,
    rf: &Ref,
    produced: &BTreeSet<&str>,
) -> Option<Diagnostic> {
    if rf.name.contains("${") || rf.namespace.contains("${") || rf.name.is_empty() {
        // A postBuild placeholder: the value is only known when Flux reconciles.
        return None;
    }
    let path: Vec<&str> = rf.path.iter().map(String::as_str).collect();
    let span = span_at(res, &path);
    let what = format!("{} {:?}", rf.kind, rf.name);
    let finish = |d: Diagnostic| {
        let mut d = d.with_resource(res.id());
        d.roots = input.roots_of(place);
        d
    };
    let found: Vec<&Resource> = lookup
        .scopes
        .of(place)
        .named_in(&rf.kind, &rf.name, &rf.namespace, place)
        .into_iter()
        .map(|(_, t)| t)
        .filter(|t| is_target(t, rf.group, &rf.kind, &rf.name, &rf.namespace))
        .collect();
    if let Some(first) = found.first() {
        return check_values_key(res, rf, &found, first).map(finish);
    }
    if rf.optional || lookup.is_made(place, rf) {
        return None;
    }
    if rf.namespace.is_empty() || !produced.contains(rf.namespace.as_str()) {
        let where_ = if rf.namespace.is_empty() {
            "in the namespace Flux deploys it to".to_string()
        } else {
            format!("in namespace {:?}", rf.namespace)
        };
        return Some(finish(Diagnostic::note(
            "ref/outside-repo",
            format!("{what} {where_} is resolved outside this repository"),
            Some(span),
        )));
    }
    if rf.group.is_empty() {
        // A ConfigMap or Secret of the same name elsewhere is most likely copied by a policy.
        let named = lookup.scopes.of(place).named(&rf.kind, &rf.name, place);
        if let Some((_, other)) = named
            .iter()
            .find(|(_, t)| is_target(t, rf.group, &rf.kind, &rf.name, ""))
        {
            return Some(finish(
                Diagnostic::note(
                    "ref/outside-repo",
                    format!(
                        "{what} is not in namespace {:?} in this repository, only in {:?}; assumed copied there, so it is resolved outside this repository",
                        rf.namespace,
                        other.namespace()
                    ),
                    Some(span),
                )
                .with_label(other.origin.clone(), "the object of that name"),
            ));
        }
    }
    let mut d = Diagnostic::error(
        "ref/missing",
        format!("{what} not found in namespace {:?}", rf.namespace),
        Some(span),
    );
    // A generated ConfigMap or Secret got a hash suffix that kustomize did not write into this
    // field, because no nameReference configuration covers it.
    if let Some(g) = lookup.generated_as(place, rf) {
        d = d.with_label(
            g.origin.clone(),
            format!(
                "generated as {:?}: kustomize rewrites only the fields a nameReference configuration names",
                g.name()
            ),
        );
    }
    // The object may exist in a parallel variant only: say where, it explains the finding.
    let elsewhere = lookup
        .scopes
        .everything()
        .named_in(&rf.kind, &rf.name, &rf.namespace, place)
        .into_iter()
        .find(|(p, t)| {
            p.is_some() && *p != place && is_target(t, rf.group, &rf.kind, &rf.name, &rf.namespace)
        });
    if let Some((Some(i), t)) = elsewhere {
        d = d.with_label(
            t.origin.clone(),
            format!("defined only in {}", input.envs[i].root),
        );
    }
    Some(finish(d))
}

/// `ref/values-key`: the key a `valuesFrom` entry reads must be in one of the objects found.
fn check_values_key(
    res: &Resource,
    rf: &Ref,
    found: &[&Resource],
    first: &Resource,
) -> Option<Diagnostic> {
    let key = rf.values_key.as_ref()?;
    if rf.optional || key.key.contains("${") {
        return None;
    }
    let fields: &[&str] = if rf.kind == "Secret" {
        &["data", "stringData"]
    } else {
        &["data", "binaryData"]
    };
    let has = |t: &&Resource| {
        fields.iter().any(|f| {
            t.node
                .get_path(&[f])
                .and_then(|n| n.as_map())
                .is_some_and(|m| m.contains_key(&key.key))
        })
    };
    if found.iter().any(has) {
        return None;
    }
    let path: Vec<&str> = key.path.iter().map(String::as_str).collect();
    // A generated object is named as its generator entry says: the hashed name differs per
    // overlay and would keep the same finding from merging across them.
    let (name, label) = if first.generated.is_some() {
        let original = first.original_id().name;
        let label = format!("{} generated here as {:?}", rf.kind, first.name());
        (original, label)
    } else {
        (
            first.name().to_string(),
            format!("{} defined here", rf.kind),
        )
    };
    Some(
        Diagnostic::error(
            "ref/values-key",
            format!(
                "key {:?} not found in {} {:?} in namespace {:?}",
                key.key,
                rf.kind,
                name,
                first.namespace()
            ),
            Some(span_at(res, &path)),
        )
        .with_label(first.origin.clone(), label),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckOptions, Env};
    use crate::yaml::{Limits, Profile, Span, parse_str};

    fn docs(text: &str, file: &str) -> Vec<Resource> {
        parse_str(text, file, Profile::Kubernetes, Limits::default())
            .unwrap()
            .into_iter()
            .map(|n| Resource::new(n, Span::file(file.into())))
            .collect()
    }

    /// Findings as `file:line:col rule message [roots]`.
    fn run(envs: &[Env], plain: &[Resource]) -> Vec<String> {
        let opts = CheckOptions::default();
        let input = Input {
            repos: &[],
            envs,
            plain,
            options: &opts,
        };
        let mut out: Vec<String> = check(&input)
            .iter()
            .map(|d| {
                format!(
                    "{} {} {} {:?}",
                    d.span.as_ref().unwrap(),
                    d.rule,
                    d.message,
                    d.roots
                )
            })
            .collect();
        out.sort();
        out
    }

    const HR: &str = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: web}\nspec:\n  chart:\n    spec:\n      sourceRef: {kind: HelmRepository, name: charts}\n";

    #[test]
    fn a_variant_without_the_object_is_an_error_naming_where_it_is() {
        let repo = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: web}\n";
        let envs = vec![
            Env {
                root: "web/staging".into(),
                resources: docs(HR, "hr.yaml"),
            },
            Env {
                root: "web/production".into(),
                resources: [docs(HR, "hr.yaml"), docs(repo, "repo.yaml")].concat(),
            },
        ];
        let opts = CheckOptions::default();
        let input = Input::of_envs(&envs, &opts);
        let found = check(&input);
        assert_eq!(found.len(), 1, "{found:#?}");
        let d = &found[0];
        assert_eq!(d.rule, "ref/missing");
        assert_eq!(
            d.message,
            "HelmRepository \"charts\" not found in namespace \"web\""
        );
        assert_eq!(d.span.as_ref().unwrap().to_string(), "hr.yaml:7:47");
        assert_eq!(d.roots, vec!["web/staging".to_string()]);
        assert_eq!(d.related[0].message, "defined only in web/production");
    }

    #[test]
    fn namespaces_the_repository_never_produces_are_notes() {
        let hr = HR.replace("name: charts}", "name: charts, namespace: flux-system}");
        let got = run(&[], &docs(&hr, "hr.yaml"));
        assert_eq!(
            got,
            vec![
                "hr.yaml:7:47 ref/outside-repo HelmRepository \"charts\" in namespace \"flux-system\" is resolved outside this repository []"
            ]
        );
    }

    #[test]
    fn made_objects_and_placeholders_resolve() {
        let text = concat!(
            "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n",
            "spec:\n  sync: {kind: GitRepository, url: 'https://x', path: clusters/a}\n---\n",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n",
            "spec:\n  sourceRef: {kind: GitRepository, name: flux-system}\n  dependsOn: [{name: flux-system}]\n---\n",
            "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata: {name: gen, namespace: flux-system}\n",
            "spec:\n  artifacts: [{name: infra}]\n---\n",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: flux-system}\n",
            "spec:\n  sourceRef: {kind: ExternalArtifact, name: infra}\n---\n",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a, namespace: flux-system}\n",
            "spec:\n  valuesFrom: [{kind: Secret, name: sealed}, {kind: Secret, name: '${SECRET}'}]\n---\n",
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: sealed, namespace: flux-system}\n",
        );
        assert_eq!(run(&[], &docs(text, "c.yaml")), Vec::<String>::new());
    }

    #[test]
    fn values_keys_are_read_from_data_and_string_data() {
        let text = concat!(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\nstringData: {values.yaml: 'x: 1'}\ndata: {extra.yaml: eDogMQ==}\n---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata: {other.yaml: 'x: 1'}\n---\n",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: r, namespace: a}\nspec:\n  valuesFrom:\n",
            "    - {kind: Secret, name: s}\n",
            "    - {kind: Secret, name: s, valuesKey: extra.yaml}\n",
            "    - {kind: ConfigMap, name: c}\n",
            "    - {kind: ConfigMap, name: c, valuesKey: nope.yaml, optional: true}\n",
            "    - {kind: ConfigMap, name: c, valuesKey: nope.yaml}\n",
        );
        assert_eq!(
            run(&[], &docs(text, "v.yaml")),
            vec![
                "v.yaml:19:31 ref/values-key key \"values.yaml\" not found in ConfigMap \"c\" in namespace \"a\" []",
                "v.yaml:21:45 ref/values-key key \"nope.yaml\" not found in ConfigMap \"c\" in namespace \"a\" []",
            ]
        );
    }

    #[test]
    fn a_same_named_config_map_elsewhere_is_assumed_copied() {
        let text = concat!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: info, namespace: flux-system}\n---\n",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k, namespace: app}\n",
            "spec:\n  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: info}, {kind: Secret, name: info}]\n",
        );
        let got = run(&[], &docs(text, "k.yaml"));
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[0].contains("ref/outside-repo ConfigMap \"info\" is not in namespace \"app\""));
        assert!(got[1].contains("ref/missing Secret \"info\" not found in namespace \"app\""));
    }
}
