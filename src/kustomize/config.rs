//! The transformer configuration: which fields each built-in transformer touches.
//!
//! [`defaults`] holds the field specs kustomize v5.5.0 ships with; a kustomization's
//! `configurations:` files ([`parse_config_file`]) add to them ([`TransformerConfig::merge`]).

use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::yaml::{Node, Span, Value};

use super::fieldspec::{FieldSpec, gvk_selected};

/// "Fields that hold the name of a resource of this kind", for name-reference fix-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameBackRef {
    /// Group of the referenced resource, if restricted.
    pub group: Option<String>,
    /// Version of the referenced resource, if restricted.
    pub version: Option<String>,
    /// Kind of the referenced resource, if restricted.
    pub kind: Option<String>,
    /// Fields (in referrers) that hold such a name.
    pub referrers: Vec<FieldSpec>,
}

impl NameBackRef {
    /// Whether a resource of `gvk` is one this rule refers to.
    pub fn targets(&self, gvk: &Gvk) -> bool {
        gvk_selected(gvk, &self.group, &self.version, &self.kind)
    }
}

/// Field specs for each built-in transformer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransformerConfig {
    /// Fields `namePrefix` prepends to.
    pub name_prefix: Vec<FieldSpec>,
    /// Fields `nameSuffix` appends to.
    pub name_suffix: Vec<FieldSpec>,
    /// Fields `namespace` sets (besides `metadata.namespace`).
    pub namespace: Vec<FieldSpec>,
    /// Fields `commonLabels` (and `labels` with `includeSelectors`) set.
    pub common_labels: Vec<FieldSpec>,
    /// Extra fields every `labels:` entry sets (empty by default).
    pub labels: Vec<FieldSpec>,
    /// Fields `labels` with `includeTemplates` sets.
    pub template_labels: Vec<FieldSpec>,
    /// Fields `commonAnnotations` sets.
    pub common_annotations: Vec<FieldSpec>,
    /// Name reference rules.
    pub name_reference: Vec<NameBackRef>,
    /// Fields `vars` substitutes in.
    pub var_reference: Vec<FieldSpec>,
    /// Fields `images` rewrites.
    pub images: Vec<FieldSpec>,
    /// Fields `replicas` sets.
    pub replicas: Vec<FieldSpec>,
}

/// (group, version, kind, path, create); "" is "any".
type Row = (&'static str, &'static str, &'static str, &'static str, bool);

fn specs(rows: &[Row]) -> Vec<FieldSpec> {
    rows.iter()
        .map(|(g, v, k, p, c)| FieldSpec::new(Some(g), Some(v), Some(k), p, *c))
        .collect()
}

/// Label fields on the object and on the objects it stamps out (pod templates, claims, jobs).
const METADATA_LABELS: &[Row] = &[
    ("", "", "", "metadata/labels", true),
    (
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/labels",
        true,
    ),
    ("", "", "Deployment", "spec/template/metadata/labels", true),
    ("", "", "ReplicaSet", "spec/template/metadata/labels", true),
    ("", "", "DaemonSet", "spec/template/metadata/labels", true),
    (
        "apps",
        "",
        "StatefulSet",
        "spec/template/metadata/labels",
        true,
    ),
    (
        "apps",
        "",
        "StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ),
    ("batch", "", "Job", "spec/template/metadata/labels", true),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/metadata/labels",
        true,
    ),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
];

/// Selector fields commonLabels also sets.
const SELECTOR_LABELS: &[Row] = &[
    ("", "v1", "Service", "spec/selector", true),
    ("", "v1", "ReplicationController", "spec/selector", true),
    ("", "", "Deployment", "spec/selector/matchLabels", true),
    ("", "", "ReplicaSet", "spec/selector/matchLabels", true),
    ("", "", "DaemonSet", "spec/selector/matchLabels", true),
    ("apps", "", "StatefulSet", "spec/selector/matchLabels", true),
    ("batch", "", "Job", "spec/selector/matchLabels", false),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
    ),
    (
        "policy",
        "",
        "PodDisruptionBudget",
        "spec/selector/matchLabels",
        false,
    ),
    (
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/podSelector/matchLabels",
        false,
    ),
    (
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/ingress/from/podSelector/matchLabels",
        false,
    ),
    (
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/egress/to/podSelector/matchLabels",
        false,
    ),
];

/// Pod affinity and spread selectors inside the pod template, set (never created) by
/// commonLabels on Deployments and StatefulSets.
const AFFINITY_SELECTORS: &[&str] = &[
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

const COMMON_ANNOTATIONS: &[Row] = &[
    ("", "", "", "metadata/annotations", true),
    (
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "",
        "",
        "Deployment",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "",
        "",
        "ReplicaSet",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "",
        "",
        "DaemonSet",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "",
        "",
        "StatefulSet",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "batch",
        "",
        "Job",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/metadata/annotations",
        true,
    ),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

const NAMESPACE: &[Row] = &[
    ("", "", "Namespace", "metadata/name", true),
    (
        "apiregistration.k8s.io",
        "",
        "APIService",
        "spec/service/namespace",
        true,
    ),
    (
        "apiextensions.k8s.io",
        "",
        "CustomResourceDefinition",
        "spec/conversion/webhook/clientConfig/service/namespace",
        false,
    ),
];

const IMAGES: &[Row] = &[
    ("", "", "", "spec/containers[]/image", true),
    ("", "", "", "spec/initContainers[]/image", true),
    ("", "", "", "spec/template/spec/containers[]/image", true),
    (
        "",
        "",
        "",
        "spec/template/spec/initContainers[]/image",
        true,
    ),
];

const REPLICAS: &[Row] = &[
    ("", "", "Deployment", "spec/replicas", true),
    ("", "", "ReplicationController", "spec/replicas", true),
    ("", "", "ReplicaSet", "spec/replicas", true),
    ("", "", "StatefulSet", "spec/replicas", true),
];

/// Where each workload kind keeps its pod spec, and the version it is pinned to.
const POD_SPECS: &[(&str, &str, &str)] = &[
    ("Pod", "v1", "spec"),
    ("PodTemplate", "", "template/spec"),
    ("Deployment", "", "spec/template/spec"),
    ("ReplicaSet", "", "spec/template/spec"),
    ("DaemonSet", "", "spec/template/spec"),
    ("StatefulSet", "", "spec/template/spec"),
    ("Job", "", "spec/template/spec"),
    ("CronJob", "", "spec/jobTemplate/spec/template/spec"),
];

/// Pod spec fields naming a ConfigMap.
const POD_CONFIGMAP_FIELDS: &[&str] = &[
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

/// Pod spec fields naming a Secret.
const POD_SECRET_FIELDS: &[&str] = &[
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];

/// Workloads (kind, pod spec path) whose pod template names a ServiceAccount, PVC or
/// PriorityClass; Pod and the workloads kustomize lists for these (not ReplicaSet).
const POD_OWNERS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
];

/// Other referrers: (target group, target version, target kind, referrer group, referrer
/// version, referrer kind, path).
type RefRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const OTHER_REFS: &[RefRow] = &[
    (
        "",
        "",
        "Deployment",
        "",
        "",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "",
        "",
        "ReplicationController",
        "",
        "",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "",
        "",
        "ReplicaSet",
        "",
        "",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "",
        "",
        "StatefulSet",
        "",
        "",
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "",
        "v1",
        "ConfigMap",
        "",
        "",
        "Node",
        "spec/configSource/configMap",
    ),
    ("", "v1", "ConfigMap", "", "", "Role", "rules/resourceNames"),
    (
        "",
        "v1",
        "ConfigMap",
        "",
        "",
        "ClusterRole",
        "rules/resourceNames",
    ),
    (
        "",
        "v1",
        "ConfigMap",
        "",
        "",
        "Ingress",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
    ),
    ("", "v1", "Secret", "", "", "Ingress", "spec/tls/secretName"),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "Ingress",
        "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "Ingress",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "Ingress",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "ServiceAccount",
        "imagePullSecrets/name",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "StorageClass",
        "parameters/secretName",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "StorageClass",
        "parameters/adminSecretName",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "StorageClass",
        "parameters/userSecretName",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "StorageClass",
        "parameters/secretRef",
    ),
    ("", "v1", "Secret", "", "", "Role", "rules/resourceNames"),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "ClusterRole",
        "rules/resourceNames",
    ),
    (
        "",
        "v1",
        "Secret",
        "serving.knative.dev",
        "v1",
        "Service",
        "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
    ),
    (
        "",
        "v1",
        "Secret",
        "",
        "",
        "PersistentVolume",
        "spec/azureFile/secretName",
    ),
    (
        "",
        "v1",
        "Service",
        "apps",
        "",
        "StatefulSet",
        "spec/serviceName",
    ),
    (
        "",
        "v1",
        "Service",
        "",
        "",
        "Ingress",
        "spec/rules/http/paths/backend/serviceName",
    ),
    (
        "",
        "v1",
        "Service",
        "",
        "",
        "Ingress",
        "spec/backend/serviceName",
    ),
    (
        "",
        "v1",
        "Service",
        "",
        "",
        "Ingress",
        "spec/rules/http/paths/backend/service/name",
    ),
    (
        "",
        "v1",
        "Service",
        "",
        "",
        "Ingress",
        "spec/defaultBackend/service/name",
    ),
    (
        "",
        "v1",
        "Service",
        "apiregistration.k8s.io",
        "",
        "APIService",
        "spec/service/name",
    ),
    (
        "",
        "v1",
        "Service",
        "admissionregistration.k8s.io",
        "",
        "ValidatingWebhookConfiguration",
        "webhooks/clientConfig/service",
    ),
    (
        "",
        "v1",
        "Service",
        "admissionregistration.k8s.io",
        "",
        "MutatingWebhookConfiguration",
        "webhooks/clientConfig/service",
    ),
    (
        "rbac.authorization.k8s.io",
        "",
        "Role",
        "rbac.authorization.k8s.io",
        "",
        "RoleBinding",
        "roleRef/name",
    ),
    (
        "rbac.authorization.k8s.io",
        "",
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "",
        "RoleBinding",
        "roleRef/name",
    ),
    (
        "rbac.authorization.k8s.io",
        "",
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "",
        "ClusterRoleBinding",
        "roleRef/name",
    ),
    (
        "",
        "v1",
        "ServiceAccount",
        "rbac.authorization.k8s.io",
        "",
        "RoleBinding",
        "subjects",
    ),
    (
        "",
        "v1",
        "ServiceAccount",
        "rbac.authorization.k8s.io",
        "",
        "ClusterRoleBinding",
        "subjects",
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "",
        "",
        "PersistentVolumeClaim",
        "spec/volumeName",
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "",
        "",
        "ClusterRole",
        "rules/resourceNames",
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "",
        "",
        "PersistentVolume",
        "spec/storageClassName",
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "",
        "",
        "PersistentVolumeClaim",
        "spec/storageClassName",
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "",
        "",
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName",
    ),
    // kustomize writes this target group with a version in it, so it never matches a real
    // IngressClass; kept as is to behave the same.
    (
        "networking.k8s.io/v1",
        "v1",
        "IngressClass",
        "",
        "",
        "Ingress",
        "spec/ingressClassName",
    ),
    (
        "admissionregistration.k8s.io",
        "",
        "ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io",
        "",
        "ValidatingAdmissionPolicyBinding",
        "spec/policyName",
    ),
];

/// Fields `vars` may be substituted in (kind, path).
const VAR_REFERENCE: &[(&str, &str)] = &[
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/args",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/command",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/env/value",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/args",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/command",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/env/value",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/volumes/nfs/server",
    ),
    ("Deployment", "spec/template/metadata/annotations"),
    ("Ingress", "spec/rules/host"),
    ("Ingress", "spec/tls/hosts"),
    ("Ingress", "spec/tls/secretName"),
    ("Service", "spec/ports/port"),
    ("Service", "spec/ports/targetPort"),
    ("StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server"),
    ("PersistentVolume", "spec/nfs/server"),
    ("", "metadata/labels"),
    ("", "metadata/annotations"),
];

/// Container fields `vars` reach in every pod spec of these kinds.
const VAR_POD_KINDS: &[(&str, &str)] = &[
    ("DaemonSet", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("Pod", "spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
];

const VAR_CONTAINER_FIELDS: &[&str] = &[
    "containers/args",
    "containers/command",
    "containers/env/value",
    "containers/volumeMounts/mountPath",
    "initContainers/args",
    "initContainers/command",
    "initContainers/env/value",
    "initContainers/volumeMounts/mountPath",
];

fn backref(group: &str, version: &str, kind: &str) -> NameBackRef {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    NameBackRef {
        group: opt(group),
        version: opt(version),
        kind: opt(kind),
        referrers: Vec::new(),
    }
}

fn default_name_references() -> Vec<NameBackRef> {
    let mut out: Vec<NameBackRef> = Vec::new();
    let mut add = |target: (&str, &str, &str), spec: FieldSpec| {
        let found = out.iter_mut().find(|b| {
            b.group.as_deref().unwrap_or("") == target.0
                && b.version.as_deref().unwrap_or("") == target.1
                && b.kind.as_deref().unwrap_or("") == target.2
        });
        match found {
            Some(b) => b.referrers.push(spec),
            None => {
                let mut b = backref(target.0, target.1, target.2);
                b.referrers.push(spec);
                out.push(b);
            }
        }
    };
    for (target, fields) in [
        (("", "v1", "ConfigMap"), POD_CONFIGMAP_FIELDS),
        (("", "v1", "Secret"), POD_SECRET_FIELDS),
    ] {
        for (kind, version, prefix) in POD_SPECS {
            for field in fields {
                let path = format!("{prefix}/{field}");
                add(
                    target,
                    FieldSpec::new(None, Some(version), Some(kind), &path, false),
                );
            }
        }
    }
    for (tg, tv, tk, rg, rv, rk, path) in OTHER_REFS {
        add(
            (tg, tv, tk),
            FieldSpec::new(Some(rg), Some(rv), Some(rk), path, false),
        );
    }
    for (target, field) in [
        (("", "v1", "ServiceAccount"), "serviceAccountName"),
        (
            ("", "v1", "PersistentVolumeClaim"),
            "volumes/persistentVolumeClaim/claimName",
        ),
        (
            ("scheduling.k8s.io", "v1", "PriorityClass"),
            "priorityClassName",
        ),
    ] {
        for (kind, prefix) in POD_OWNERS {
            add(
                target,
                FieldSpec::kind(kind, &format!("{prefix}/{field}"), false),
            );
        }
    }
    out
}

/// The configuration kustomize v5.5.0 starts every build with.
pub fn defaults() -> TransformerConfig {
    let mut common_labels = specs(SELECTOR_LABELS);
    for kind in ["Deployment", "StatefulSet"] {
        for path in AFFINITY_SELECTORS {
            common_labels.push(FieldSpec::new(Some("apps"), None, Some(kind), path, false));
        }
    }
    common_labels.extend(specs(METADATA_LABELS));
    let mut var_reference: Vec<FieldSpec> = VAR_REFERENCE
        .iter()
        .map(|(k, p)| FieldSpec::new(None, None, Some(k), p, false))
        .collect();
    for (kind, prefix) in VAR_POD_KINDS {
        for field in VAR_CONTAINER_FIELDS {
            var_reference.push(FieldSpec::kind(kind, &format!("{prefix}/{field}"), false));
        }
        var_reference.push(FieldSpec::kind(
            kind,
            &format!("{prefix}/volumes/nfs/server"),
            false,
        ));
    }
    TransformerConfig {
        name_prefix: vec![FieldSpec::any("metadata/name", false)],
        name_suffix: vec![FieldSpec::any("metadata/name", false)],
        namespace: specs(NAMESPACE),
        common_labels,
        labels: Vec::new(),
        template_labels: specs(METADATA_LABELS),
        common_annotations: specs(COMMON_ANNOTATIONS),
        name_reference: default_name_references(),
        var_reference,
        images: specs(IMAGES),
        replicas: specs(REPLICAS),
    }
}

/// Adds `spec` unless an equivalent one is there; two equivalent specs that disagree about
/// `create` conflict, as in kustomize.
pub fn merge_spec(list: &mut Vec<FieldSpec>, spec: FieldSpec, span: &Span) -> Result<()> {
    if let Some(existing) = list.iter().find(|s| s.same_field(&spec)) {
        if existing.create != spec.create {
            return Err(Error::new(
                span.clone(),
                format!("conflicting fieldspecs for path '{}'", spec.path_string()),
            ));
        }
        return Ok(());
    }
    list.push(spec);
    Ok(())
}

/// Adds every spec of `incoming` with [`merge_spec`].
pub fn merge_specs(list: &mut Vec<FieldSpec>, incoming: Vec<FieldSpec>, span: &Span) -> Result<()> {
    for s in incoming {
        merge_spec(list, s, span)?;
    }
    Ok(())
}

impl TransformerConfig {
    /// Adds `other`'s specs to these, dropping duplicates; name reference rules for the same
    /// target kind are joined. `span` locates a conflict (the configuration file).
    pub fn merge(&mut self, other: TransformerConfig, span: &Span) -> Result<()> {
        merge_specs(&mut self.name_prefix, other.name_prefix, span)?;
        merge_specs(&mut self.name_suffix, other.name_suffix, span)?;
        merge_specs(&mut self.namespace, other.namespace, span)?;
        merge_specs(&mut self.common_annotations, other.common_annotations, span)?;
        merge_specs(&mut self.common_labels, other.common_labels, span)?;
        merge_specs(&mut self.labels, other.labels, span)?;
        merge_specs(&mut self.template_labels, other.template_labels, span)?;
        merge_specs(&mut self.var_reference, other.var_reference, span)?;
        for nb in other.name_reference {
            let same = self
                .name_reference
                .iter_mut()
                .find(|b| b.group == nb.group && b.version == nb.version && b.kind == nb.kind);
            match same {
                Some(b) => merge_specs(&mut b.referrers, nb.referrers, span)?,
                None => self.name_reference.push(nb),
            }
        }
        merge_specs(&mut self.images, other.images, span)?;
        merge_specs(&mut self.replicas, other.replicas, span)?;
        Ok(())
    }
}

fn node_span(node: &Node) -> Span {
    node.span
        .clone()
        .unwrap_or_else(|| Span::file("<generated>".into()))
}

fn want_str(node: &Node, what: &str) -> Result<String> {
    match &node.value {
        Value::Str(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        _ => Err(Error::new(
            node_span(node),
            format!("{what} must be a string, not a {}", node.type_name()),
        )),
    }
}

fn want_bool(node: &Node, what: &str) -> Result<bool> {
    match &node.value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        _ => Err(Error::new(
            node_span(node),
            format!("{what} must be a boolean, not a {}", node.type_name()),
        )),
    }
}

fn want_seq<'a>(node: &'a Node, what: &str) -> Result<&'a [Node]> {
    match &node.value {
        Value::Seq(items) => Ok(items),
        Value::Null => Ok(&[]),
        _ => Err(Error::new(
            node_span(node),
            format!("{what} must be a list, not a {}", node.type_name()),
        )),
    }
}

fn parse_gvk_and(
    node: &Node,
    what: &str,
    extra: &[&str],
) -> Result<(Option<String>, Option<String>, Option<String>)> {
    let Some(map) = node.as_map() else {
        return Err(Error::new(
            node_span(node),
            format!("{what} must be a mapping, not a {}", node.type_name()),
        ));
    };
    let mut gvk = (None, None, None);
    for e in map.entries() {
        let slot = match e.key.as_str() {
            "group" => &mut gvk.0,
            "version" => &mut gvk.1,
            "kind" => &mut gvk.2,
            k if extra.contains(&k) => continue,
            k => {
                let span = e.key_span.clone().unwrap_or_else(|| node_span(node));
                return Err(Error::new(span, format!("unknown field \"{k}\" in {what}")));
            }
        };
        let s = want_str(&e.value, &e.key)?;
        *slot = (!s.is_empty()).then_some(s);
    }
    Ok(gvk)
}

fn parse_field_spec(node: &Node) -> Result<FieldSpec> {
    let (group, version, kind) = parse_gvk_and(node, "field spec", &["path", "create"])?;
    let mut path = String::new();
    let mut create = false;
    if let Some(map) = node.as_map() {
        if let Some(p) = map.get("path") {
            path = want_str(p, "path")?;
        }
        if let Some(c) = map.get("create") {
            create = want_bool(c, "create")?;
        }
    }
    Ok(FieldSpec::new(
        group.as_deref(),
        version.as_deref(),
        kind.as_deref(),
        &path,
        create,
    ))
}

fn parse_specs(node: &Node, what: &str) -> Result<Vec<FieldSpec>> {
    let mut out = Vec::new();
    for item in want_seq(node, what)? {
        merge_spec(&mut out, parse_field_spec(item)?, &node_span(item))?;
    }
    Ok(out)
}

/// Reads a `configurations:` file (already parsed). Unknown fields are errors, as kustomize
/// reads these files strictly.
pub fn parse_config_file(node: &Node) -> Result<TransformerConfig> {
    let mut cfg = TransformerConfig::default();
    let map = match &node.value {
        Value::Map(m) => m,
        Value::Null => return Ok(cfg),
        _ => {
            return Err(Error::new(
                node_span(node),
                format!(
                    "a transformer configuration must be a mapping, not a {}",
                    node.type_name()
                ),
            ));
        }
    };
    for e in map.entries() {
        let v = &e.value;
        match e.key.as_str() {
            "namePrefix" => cfg.name_prefix = parse_specs(v, "namePrefix")?,
            "nameSuffix" => cfg.name_suffix = parse_specs(v, "nameSuffix")?,
            "namespace" => cfg.namespace = parse_specs(v, "namespace")?,
            "commonLabels" => cfg.common_labels = parse_specs(v, "commonLabels")?,
            "labels" => cfg.labels = parse_specs(v, "labels")?,
            "templateLabels" => cfg.template_labels = parse_specs(v, "templateLabels")?,
            "commonAnnotations" => cfg.common_annotations = parse_specs(v, "commonAnnotations")?,
            "varReference" => cfg.var_reference = parse_specs(v, "varReference")?,
            "images" => cfg.images = parse_specs(v, "images")?,
            "replicas" => cfg.replicas = parse_specs(v, "replicas")?,
            "nameReference" => {
                for item in want_seq(v, "nameReference")? {
                    let (group, version, kind) =
                        parse_gvk_and(item, "nameReference entry", &["fieldSpecs"])?;
                    let referrers = match item.as_map().and_then(|m| m.get("fieldSpecs")) {
                        Some(fs) => parse_specs(fs, "fieldSpecs")?,
                        None => Vec::new(),
                    };
                    let nb = NameBackRef {
                        group,
                        version,
                        kind,
                        referrers,
                    };
                    let mut one = TransformerConfig::default();
                    one.name_reference.push(nb);
                    cfg.merge(one, &node_span(item))?;
                }
            }
            k => {
                let span = e.key_span.clone().unwrap_or_else(|| node_span(node));
                return Err(Error::new(
                    span,
                    format!("unknown field \"{k}\" in transformer configuration"),
                ));
            }
        }
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    fn doc(text: &str) -> Node {
        parse_str(text, "cfg.yaml", Profile::Kustomize, Limits::default())
            .expect("test yaml parses")
            .remove(0)
    }

    #[test]
    fn defaults_cover_pod_template_references() {
        let cfg = defaults();
        let cm = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("ConfigMap"))
            .expect("ConfigMap rule");
        // 8 pod-spec owners x 6 fields, plus Node, Role, ClusterRole and an Ingress annotation.
        assert_eq!(cm.referrers.len(), 8 * 6 + 4);
        let secret = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("Secret"))
            .expect("Secret rule");
        assert!(secret.referrers.iter().any(|s| {
            s.kind.as_deref() == Some("Ingress")
                && s.path
                    == [
                        "metadata",
                        "annotations",
                        "nginx.ingress.kubernetes.io/auth-secret",
                    ]
        }));
        assert_eq!(cfg.template_labels.len(), 10);
        assert_eq!(cfg.common_labels.len(), 12 + 10 + 10);
    }

    #[test]
    fn flux_helmrelease_config_merges_into_configmap_rule() {
        let file = doc(
            "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n  - path: spec/valuesFrom/name\n    kind: HelmRelease\n",
        );
        let extra = parse_config_file(&file).expect("valid config");
        let mut cfg = defaults();
        let before = cfg.name_reference.len();
        cfg.merge(extra.clone(), &Span::file("cfg.yaml".into()))
            .expect("merges");
        assert_eq!(cfg.name_reference.len(), before);
        let cm = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("ConfigMap"))
            .expect("ConfigMap rule");
        assert!(
            cm.referrers
                .iter()
                .any(|s| s.kind.as_deref() == Some("HelmRelease"))
        );
        // Merging again adds nothing.
        let n = cm.referrers.len();
        cfg.merge(extra, &Span::file("cfg.yaml".into()))
            .expect("merges");
        let cm = cfg
            .name_reference
            .iter()
            .find(|b| b.kind.as_deref() == Some("ConfigMap"))
            .expect("ConfigMap rule");
        assert_eq!(cm.referrers.len(), n);
    }

    #[test]
    fn unknown_keys_are_errors_at_the_key() {
        let err = parse_config_file(&doc("nameRefs: []\n")).expect_err("unknown key");
        assert_eq!((err.span.line, err.span.col), (1, 1));
        let err = parse_config_file(&doc("commonLabels:\n- path: a\n  kindd: X\n"))
            .expect_err("unknown key");
        assert_eq!(err.span.line, 3);
        assert!(err.message.contains("kindd"));
    }

    #[test]
    fn conflicting_create_is_an_error() {
        let mut cfg = defaults();
        let other = parse_config_file(&doc(
            "commonLabels:\n- path: metadata/labels\n  create: false\n",
        ))
        .expect("valid config");
        assert!(cfg.merge(other, &Span::file("c".into())).is_err());
    }
}
