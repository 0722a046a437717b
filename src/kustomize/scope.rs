//! Which built-in kinds kustomize knows to be cluster-scoped, and namespace comparison rules.

use crate::resource::{Gvk, ResId};

/// apiVersion and kind of every type kustomize's embedded Kubernetes OpenAPI data marks as
/// cluster-scoped. Anything else (custom resources included) counts as namespaced.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// Whether kustomize treats `gvk` as certainly cluster-scoped.
pub fn is_cluster_scoped(gvk: &Gvk) -> bool {
    let api_version = gvk.api_version();
    CLUSTER_SCOPED
        .iter()
        .any(|(v, k)| *v == api_version && *k == gvk.kind)
}

/// The namespace value kustomize uses for cluster-scoped ids.
pub const NOT_A_NAMESPACE: &str = "_non_namespaceable_";

/// kustomize's "effective namespace": a marker for cluster-scoped kinds, `default` for an
/// empty namespace, the namespace otherwise.
pub fn effective_namespace(gvk: &Gvk, namespace: &str) -> String {
    if is_cluster_scoped(gvk) {
        NOT_A_NAMESPACE.to_string()
    } else if namespace.is_empty() {
        "default".to_string()
    } else {
        namespace.to_string()
    }
}

/// Two ids are the same resource exactly when their keys are equal: group/version/kind, name
/// and effective namespace.
pub type IdKey = (Gvk, String, String);

/// The [`IdKey`] of `id`.
pub fn id_key(id: &ResId) -> IdKey {
    (
        id.gvk.clone(),
        id.name.clone(),
        effective_namespace(&id.gvk, &id.namespace),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_cluster_kinds_by_exact_api_version() {
        assert!(is_cluster_scoped(&Gvk::from_api_version("v1", "Namespace")));
        assert!(is_cluster_scoped(&Gvk::from_api_version(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        )));
        assert!(!is_cluster_scoped(&Gvk::from_api_version(
            "flowcontrol.apiserver.k8s.io/v1",
            "FlowSchema"
        )));
        assert!(!is_cluster_scoped(&Gvk::from_api_version(
            "apps/v1",
            "Deployment"
        )));
    }

    #[test]
    fn empty_namespace_is_default() {
        let cm = Gvk::from_api_version("v1", "ConfigMap");
        assert_eq!(effective_namespace(&cm, ""), "default");
        assert_eq!(effective_namespace(&cm, "x"), "x");
        let ns = Gvk::from_api_version("v1", "Namespace");
        assert_eq!(effective_namespace(&ns, "x"), NOT_A_NAMESPACE);
    }
}
