//! The field specs kustomize v5.5.0 ships with (api/internal/konfig/builtinpluginconsts),
//! written out as tables: which fields each built-in transformer touches by default.

use super::config::{NameBackRef, TransformerConfig};
use super::fieldspec::FieldSpec;

/// (group, version, kind, path, create); "" is "any".
type Row = (&'static str, &'static str, &'static str, &'static str, bool);

fn specs(rows: &[Row]) -> Vec<FieldSpec> {
    rows.iter()
        .map(|(g, v, k, p, c)| FieldSpec::new(Some(g), Some(v), Some(k), p, *c))
        .collect()
}

/// Label fields on the object and on the objects it stamps out (pod templates, claims, jobs).
#[rustfmt::skip]
const METADATA_LABELS: &[Row] = &[
    ("", "", "", "metadata/labels", true),
    ("", "v1", "ReplicationController", "spec/template/metadata/labels", true),
    ("", "", "Deployment", "spec/template/metadata/labels", true),
    ("", "", "ReplicaSet", "spec/template/metadata/labels", true),
    ("", "", "DaemonSet", "spec/template/metadata/labels", true),
    ("apps", "", "StatefulSet", "spec/template/metadata/labels", true),
    ("apps", "", "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true),
    ("batch", "", "Job", "spec/template/metadata/labels", true),
    ("batch", "", "CronJob", "spec/jobTemplate/metadata/labels", true),
    ("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true),
];

/// Selector fields commonLabels also sets.
#[rustfmt::skip]
const SELECTOR_LABELS: &[Row] = &[
    ("", "v1", "Service", "spec/selector", true),
    ("", "v1", "ReplicationController", "spec/selector", true),
    ("", "", "Deployment", "spec/selector/matchLabels", true),
    ("", "", "ReplicaSet", "spec/selector/matchLabels", true),
    ("", "", "DaemonSet", "spec/selector/matchLabels", true),
    ("apps", "", "StatefulSet", "spec/selector/matchLabels", true),
    ("batch", "", "Job", "spec/selector/matchLabels", false),
    ("batch", "", "CronJob", "spec/jobTemplate/spec/selector/matchLabels", false),
    ("policy", "", "PodDisruptionBudget", "spec/selector/matchLabels", false),
    ("networking.k8s.io", "", "NetworkPolicy", "spec/podSelector/matchLabels", false),
    ("networking.k8s.io", "", "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels", false),
    ("networking.k8s.io", "", "NetworkPolicy", "spec/egress/to/podSelector/matchLabels", false),
];

/// Pod affinity and spread selectors inside the pod template, set (never created) by
/// commonLabels on Deployments and StatefulSets.
#[rustfmt::skip]
const AFFINITY_SELECTORS: &[&str] = &[
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

#[rustfmt::skip]
const COMMON_ANNOTATIONS: &[Row] = &[
    ("", "", "", "metadata/annotations", true),
    ("", "v1", "ReplicationController", "spec/template/metadata/annotations", true),
    ("", "", "Deployment", "spec/template/metadata/annotations", true),
    ("", "", "ReplicaSet", "spec/template/metadata/annotations", true),
    ("", "", "DaemonSet", "spec/template/metadata/annotations", true),
    ("", "", "StatefulSet", "spec/template/metadata/annotations", true),
    ("batch", "", "Job", "spec/template/metadata/annotations", true),
    ("batch", "", "CronJob", "spec/jobTemplate/metadata/annotations", true),
    ("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/annotations", true),
];

#[rustfmt::skip]
const NAMESPACE: &[Row] = &[
    ("", "", "Namespace", "metadata/name", true),
    ("apiregistration.k8s.io", "", "APIService", "spec/service/namespace", true),
    ("apiextensions.k8s.io", "", "CustomResourceDefinition", "spec/conversion/webhook/clientConfig/service/namespace", false),
];

#[rustfmt::skip]
const IMAGES: &[Row] = &[
    ("", "", "", "spec/containers[]/image", true),
    ("", "", "", "spec/initContainers[]/image", true),
    ("", "", "", "spec/template/spec/containers[]/image", true),
    ("", "", "", "spec/template/spec/initContainers[]/image", true),
];

#[rustfmt::skip]
const REPLICAS: &[Row] = &[
    ("", "", "Deployment", "spec/replicas", true),
    ("", "", "ReplicationController", "spec/replicas", true),
    ("", "", "ReplicaSet", "spec/replicas", true),
    ("", "", "StatefulSet", "spec/replicas", true),
];

/// Where each workload kind keeps its pod spec, and the version it is pinned to.
#[rustfmt::skip]
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
#[rustfmt::skip]
const POD_CONFIGMAP_FIELDS: &[&str] = &[
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

/// Pod spec fields naming a Secret.
#[rustfmt::skip]
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
#[rustfmt::skip]
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
#[rustfmt::skip]
type RefRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const OTHER_REFS: &[RefRow] = &[
    ("", "", "Deployment", "", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("", "", "ReplicationController", "", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("", "", "ReplicaSet", "", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("", "", "StatefulSet", "", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("", "v1", "ConfigMap", "", "", "Node", "spec/configSource/configMap"),
    ("", "v1", "ConfigMap", "", "", "Role", "rules/resourceNames"),
    ("", "v1", "ConfigMap", "", "", "ClusterRole", "rules/resourceNames"),
    ("", "v1", "ConfigMap", "", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"),
    ("", "v1", "Secret", "", "", "Ingress", "spec/tls/secretName"),
    ("", "v1", "Secret", "", "", "Ingress", "metadata/annotations/ingress.kubernetes.io\\/auth-secret"),
    ("", "v1", "Secret", "", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
    ("", "v1", "Secret", "", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret"),
    ("", "v1", "Secret", "", "", "ServiceAccount", "imagePullSecrets/name"),
    ("", "v1", "Secret", "", "", "StorageClass", "parameters/secretName"),
    ("", "v1", "Secret", "", "", "StorageClass", "parameters/adminSecretName"),
    ("", "v1", "Secret", "", "", "StorageClass", "parameters/userSecretName"),
    ("", "v1", "Secret", "", "", "StorageClass", "parameters/secretRef"),
    ("", "v1", "Secret", "", "", "Role", "rules/resourceNames"),
    ("", "v1", "Secret", "", "", "ClusterRole", "rules/resourceNames"),
    ("", "v1", "Secret", "serving.knative.dev", "v1", "Service", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name"),
    ("", "v1", "Secret", "", "", "PersistentVolume", "spec/azureFile/secretName"),
    ("", "v1", "Service", "apps", "", "StatefulSet", "spec/serviceName"),
    ("", "v1", "Service", "", "", "Ingress", "spec/rules/http/paths/backend/serviceName"),
    ("", "v1", "Service", "", "", "Ingress", "spec/backend/serviceName"),
    ("", "v1", "Service", "", "", "Ingress", "spec/rules/http/paths/backend/service/name"),
    ("", "v1", "Service", "", "", "Ingress", "spec/defaultBackend/service/name"),
    ("", "v1", "Service", "apiregistration.k8s.io", "", "APIService", "spec/service/name"),
    ("", "v1", "Service", "admissionregistration.k8s.io", "", "ValidatingWebhookConfiguration", "webhooks/clientConfig/service"),
    ("", "v1", "Service", "admissionregistration.k8s.io", "", "MutatingWebhookConfiguration", "webhooks/clientConfig/service"),
    ("rbac.authorization.k8s.io", "", "Role", "rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name"),
    ("rbac.authorization.k8s.io", "", "ClusterRole", "rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name"),
    ("rbac.authorization.k8s.io", "", "ClusterRole", "rbac.authorization.k8s.io", "", "ClusterRoleBinding", "roleRef/name"),
    ("", "v1", "ServiceAccount", "rbac.authorization.k8s.io", "", "RoleBinding", "subjects"),
    ("", "v1", "ServiceAccount", "rbac.authorization.k8s.io", "", "ClusterRoleBinding", "subjects"),
    ("", "v1", "PersistentVolume", "", "", "PersistentVolumeClaim", "spec/volumeName"),
    ("", "v1", "PersistentVolume", "", "", "ClusterRole", "rules/resourceNames"),
    ("storage.k8s.io", "v1", "StorageClass", "", "", "PersistentVolume", "spec/storageClassName"),
    ("storage.k8s.io", "v1", "StorageClass", "", "", "PersistentVolumeClaim", "spec/storageClassName"),
    ("storage.k8s.io", "v1", "StorageClass", "", "", "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName"),
    // kustomize writes this target group with a version in it, so it never matches a real
    // IngressClass; kept as is to behave the same.
    ("networking.k8s.io/v1", "v1", "IngressClass", "", "", "Ingress", "spec/ingressClassName"),
    ("admissionregistration.k8s.io", "", "ValidatingAdmissionPolicy", "admissionregistration.k8s.io", "", "ValidatingAdmissionPolicyBinding", "spec/policyName"),
];

/// Fields `vars` may be substituted in (kind, path).
#[rustfmt::skip]
const VAR_REFERENCE: &[(&str, &str)] = &[
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/args"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/command"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/env/value"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/args"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/command"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/env/value"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath"),
    ("CronJob", "spec/jobTemplate/spec/template/volumes/nfs/server"),
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
#[rustfmt::skip]
const VAR_POD_KINDS: &[(&str, &str)] = &[
    ("DaemonSet", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("Pod", "spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
];

#[rustfmt::skip]
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

/// The defaults as a kustomization without `configurations:` leaves them: merged (duplicates
/// dropped, sorted) into an empty configuration. Computed once: every kustomization of every
/// build starts from it.
/// Shared: an [`Arc`](std::sync::Arc) clone costs nothing, and most kustomizations keep the
/// defaults unchanged.
pub fn merged_defaults() -> std::sync::Arc<TransformerConfig> {
    static MERGED: std::sync::OnceLock<std::sync::Arc<TransformerConfig>> =
        std::sync::OnceLock::new();
    MERGED
        .get_or_init(|| {
            let span = crate::yaml::Span::file("<defaults>".into());
            let mut own = defaults();
            let mut out = TransformerConfig::default();
            // The built-in table has no conflicting specs, so neither merge can fail; if it ever
            // did, the unmerged table is the safer answer than a panic.
            if own.merge(TransformerConfig::default(), &span).is_ok()
                && out.merge(own, &span).is_ok()
            {
                std::sync::Arc::new(out)
            } else {
                std::sync::Arc::new(defaults())
            }
        })
        .clone()
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
        // StatefulSets list their claim templates' NFS server instead (in VAR_REFERENCE).
        if *kind != "StatefulSet" {
            var_reference.push(FieldSpec::kind(
                kind,
                &format!("{prefix}/volumes/nfs/server"),
                false,
            ));
        }
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
