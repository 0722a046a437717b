//! Where strategic merge patches merge lists instead of replacing them.
//!
//! kustomize v5.5.0 (kyaml) decides list merging from its embedded Kubernetes v1.21.2 OpenAPI
//! document: a list merges element-wise only when its schema carries
//! `x-kubernetes-patch-strategy` containing `merge`; elements are matched by
//! `x-kubernetes-list-map-keys` when present, else by `x-kubernetes-patch-merge-key`, and a merge
//! list without any key is a set of scalars (e.g. `finalizers`). Kinds the document does not know
//! (every custom resource) have no schema, so all their lists are replaced whole. This table
//! restates those facts for the types that carry such lists.

use crate::resource::Gvk;

/// A position in the schema: the type of the value being merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A top-level object of a kind the schema knows.
    Object(ObjKind),
    /// `ObjectMeta`.
    Meta,
    /// `PodTemplateSpec`.
    PodTemplate,
    /// `PodSpec`.
    PodSpec,
    /// `Container` (also init containers).
    Container,
    /// `EphemeralContainer`, which has no merge keys on `ports`.
    EphemeralContainer,
    /// The `spec` of a workload holding a pod template under `template`.
    WorkloadSpec,
    /// `CronJobSpec`, whose `jobTemplate` holds a `JobTemplateSpec`.
    CronJobSpec,
    /// `JobTemplateSpec`.
    JobTemplate,
    /// `ServiceSpec`.
    ServiceSpec,
    /// `CSINodeSpec`.
    CsiNodeSpec,
    /// `NodeSpec`.
    NodeSpec,
    /// A status whose `conditions` merge by `type`.
    ConditionsStatus,
    /// `PodStatus`.
    PodStatus,
    /// `NodeStatus`.
    NodeStatus,
    /// A known field without lists that merge; nothing below it merges either.
    Opaque,
}

/// The top-level kinds whose bodies hold merge lists beyond `metadata`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjKind {
    /// Any other kind the schema knows: only `metadata` matters.
    Plain,
    /// Pod.
    Pod,
    /// Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController, Job.
    Workload,
    /// CronJob.
    CronJob,
    /// PodTemplate.
    PodTemplate,
    /// Service.
    Service,
    /// ServiceAccount.
    ServiceAccount,
    /// Mutating and validating webhook configurations.
    Webhooks,
    /// CSINode.
    CsiNode,
    /// Node.
    Node,
    /// Kinds whose `status.conditions` merge by `type` (and nothing else of note).
    WithConditions,
}

/// What the schema says about a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// A mapping (or scalar) of this type.
    Type(Ty),
    /// A list that merges element-wise: by these keys, or as a set of scalars when empty.
    MergeList(&'static [&'static str], Ty),
}

/// Group/version/kind triples present in the Kubernetes v1.21.2 OpenAPI document kyaml embeds.
const KNOWN: &[(&str, &[&str], &[&str])] = &[
    (
        "",
        &["v1"],
        &[
            "Binding",
            "ComponentStatus",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ],
    ),
    (
        "admissionregistration.k8s.io",
        &["v1", "v1beta1"],
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
    ),
    (
        "apiextensions.k8s.io",
        &["v1", "v1beta1"],
        &["CustomResourceDefinition"],
    ),
    (
        "apiregistration.k8s.io",
        &["v1", "v1beta1"],
        &["APIService"],
    ),
    (
        "apps",
        &["v1"],
        &[
            "ControllerRevision",
            "DaemonSet",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
        ],
    ),
    (
        "authentication.k8s.io",
        &["v1", "v1beta1"],
        &["TokenRequest", "TokenReview"],
    ),
    (
        "authorization.k8s.io",
        &["v1", "v1beta1"],
        &[
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
            "SubjectAccessReview",
        ],
    ),
    (
        "autoscaling",
        &["v1", "v2beta1", "v2beta2"],
        &["HorizontalPodAutoscaler", "Scale"],
    ),
    ("batch", &["v1", "v1beta1"], &["CronJob", "Job"]),
    (
        "certificates.k8s.io",
        &["v1", "v1beta1"],
        &["CertificateSigningRequest"],
    ),
    ("coordination.k8s.io", &["v1", "v1beta1"], &["Lease"]),
    ("discovery.k8s.io", &["v1", "v1beta1"], &["EndpointSlice"]),
    ("events.k8s.io", &["v1", "v1beta1"], &["Event"]),
    ("extensions", &["v1beta1"], &["Ingress"]),
    (
        "flowcontrol.apiserver.k8s.io",
        &["v1beta1"],
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    (
        "networking.k8s.io",
        &["v1", "v1beta1"],
        &["Ingress", "IngressClass", "NetworkPolicy"],
    ),
    (
        "node.k8s.io",
        &["v1", "v1alpha1", "v1beta1"],
        &["RuntimeClass"],
    ),
    (
        "policy",
        &["v1", "v1beta1"],
        &["Eviction", "PodDisruptionBudget", "PodSecurityPolicy"],
    ),
    (
        "rbac.authorization.k8s.io",
        &["v1", "v1alpha1", "v1beta1"],
        &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
    ),
    (
        "scheduling.k8s.io",
        &["v1", "v1alpha1", "v1beta1"],
        &["PriorityClass"],
    ),
    (
        "storage.k8s.io",
        &["v1", "v1alpha1", "v1beta1"],
        &[
            "CSIDriver",
            "CSINode",
            "CSIStorageCapacity",
            "StorageClass",
            "VolumeAttachment",
        ],
    ),
];

/// Kinds that have a schema only at some of the versions listed above for their group.
const NOT_AT: &[(&str, &str, &str)] = &[
    ("batch", "v1beta1", "Job"),
    ("autoscaling", "v2beta1", "Scale"),
    ("autoscaling", "v2beta2", "Scale"),
    ("policy", "v1", "Eviction"),
    ("policy", "v1", "PodSecurityPolicy"),
    ("authentication.k8s.io", "v1beta1", "TokenRequest"),
    ("storage.k8s.io", "v1", "CSIStorageCapacity"),
    ("storage.k8s.io", "v1alpha1", "CSIDriver"),
    ("storage.k8s.io", "v1alpha1", "CSINode"),
    ("storage.k8s.io", "v1alpha1", "StorageClass"),
];

/// The schema of a whole object of kind `gvk`, or `None` for kinds the schema does not know.
pub fn schema_for(gvk: &Gvk) -> Option<Ty> {
    let known = KNOWN.iter().any(|(g, vs, ks)| {
        *g == gvk.group && vs.contains(&gvk.version.as_str()) && ks.contains(&gvk.kind.as_str())
    }) && !NOT_AT
        .iter()
        .any(|(g, v, k)| *g == gvk.group && *v == gvk.version && *k == gvk.kind);
    if !known {
        return None;
    }
    let kind = match gvk.kind.as_str() {
        "Pod" => ObjKind::Pod,
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicationController"
        | "Job" => ObjKind::Workload,
        "CronJob" => ObjKind::CronJob,
        "PodTemplate" => ObjKind::PodTemplate,
        "Service" => ObjKind::Service,
        "ServiceAccount" => ObjKind::ServiceAccount,
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => ObjKind::Webhooks,
        "CSINode" => ObjKind::CsiNode,
        "Node" => ObjKind::Node,
        "Namespace"
        | "PersistentVolumeClaim"
        | "ComponentStatus"
        | "APIService"
        | "PodDisruptionBudget" => ObjKind::WithConditions,
        _ => ObjKind::Plain,
    };
    Some(Ty::Object(kind))
}

const NAME: &[&str] = &["name"];

/// The schema of field `name` inside a value of type `ty`.
pub fn field(ty: Ty, name: &str) -> Schema {
    use Schema::{MergeList as L, Type as T};
    match (ty, name) {
        (Ty::Object(_), "metadata") => T(Ty::Meta),
        (Ty::Object(ObjKind::Pod), "spec") => T(Ty::PodSpec),
        (Ty::Object(ObjKind::Pod), "status") => T(Ty::PodStatus),
        (Ty::Object(ObjKind::Workload), "spec") => T(Ty::WorkloadSpec),
        (Ty::Object(ObjKind::Workload), "status") => T(Ty::ConditionsStatus),
        (Ty::Object(ObjKind::CronJob), "spec") => T(Ty::CronJobSpec),
        (Ty::Object(ObjKind::PodTemplate), "template") => T(Ty::PodTemplate),
        (Ty::Object(ObjKind::Service), "spec") => T(Ty::ServiceSpec),
        (Ty::Object(ObjKind::Service | ObjKind::WithConditions), "status") => {
            T(Ty::ConditionsStatus)
        }
        (Ty::Object(ObjKind::ServiceAccount), "secrets") => L(NAME, Ty::Opaque),
        (Ty::Object(ObjKind::Webhooks), "webhooks") => L(NAME, Ty::Opaque),
        (Ty::Object(ObjKind::CsiNode), "spec") => T(Ty::CsiNodeSpec),
        (Ty::Object(ObjKind::Node), "spec") => T(Ty::NodeSpec),
        (Ty::Object(ObjKind::Node), "status") => T(Ty::NodeStatus),
        (Ty::Meta, "finalizers") => L(&[], Ty::Opaque),
        (Ty::Meta, "ownerReferences") => L(&["uid"], Ty::Opaque),
        (Ty::PodTemplate | Ty::JobTemplate, "metadata") => T(Ty::Meta),
        (Ty::PodTemplate, "spec") => T(Ty::PodSpec),
        (Ty::JobTemplate, "spec") => T(Ty::WorkloadSpec),
        (Ty::WorkloadSpec, "template") => T(Ty::PodTemplate),
        (Ty::CronJobSpec, "jobTemplate") => T(Ty::JobTemplate),
        (Ty::PodSpec, "containers" | "initContainers") => L(NAME, Ty::Container),
        (Ty::PodSpec, "ephemeralContainers") => L(NAME, Ty::EphemeralContainer),
        (Ty::PodSpec, "volumes" | "imagePullSecrets") => L(NAME, Ty::Opaque),
        (Ty::PodSpec, "hostAliases") => L(&["ip"], Ty::Opaque),
        (Ty::PodSpec, "topologySpreadConstraints") => {
            L(&["topologyKey", "whenUnsatisfiable"], Ty::Opaque)
        }
        (Ty::Container, "ports") => L(&["containerPort", "protocol"], Ty::Opaque),
        (Ty::Container | Ty::EphemeralContainer, "env") => L(NAME, Ty::Opaque),
        (Ty::Container | Ty::EphemeralContainer, "volumeMounts") => L(&["mountPath"], Ty::Opaque),
        (Ty::Container | Ty::EphemeralContainer, "volumeDevices") => L(&["devicePath"], Ty::Opaque),
        (Ty::ServiceSpec, "ports") => L(&["port", "protocol"], Ty::Opaque),
        (Ty::CsiNodeSpec, "drivers") => L(NAME, Ty::Opaque),
        (Ty::NodeSpec, "podCIDRs") => L(&[], Ty::Opaque),
        (Ty::ConditionsStatus | Ty::PodStatus | Ty::NodeStatus, "conditions") => {
            L(&["type"], Ty::Opaque)
        }
        (Ty::PodStatus, "podIPs") => L(&["ip"], Ty::Opaque),
        (Ty::NodeStatus, "addresses") => L(&["type"], Ty::Opaque),
        _ => T(Ty::Opaque),
    }
}

/// The schema of a list's elements.
pub fn elements(schema: Schema) -> Ty {
    match schema {
        Schema::MergeList(_, ty) => ty,
        Schema::Type(_) => Ty::Opaque,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gvk(av: &str, kind: &str) -> Gvk {
        Gvk::from_api_version(av, kind)
    }

    #[test]
    fn custom_resources_have_no_schema() {
        assert_eq!(
            schema_for(&gvk("helm.toolkit.fluxcd.io/v2", "HelmRelease")),
            None
        );
        assert_eq!(schema_for(&gvk("apps/v1beta2", "Deployment")), None);
        assert_eq!(
            schema_for(&gvk("autoscaling/v2", "HorizontalPodAutoscaler")),
            None
        );
    }

    #[test]
    fn cronjob_containers_merge_by_name() {
        let ty = schema_for(&gvk("batch/v1", "CronJob")).expect("known kind");
        let mut s = Schema::Type(ty);
        for f in [
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "spec",
            "containers",
        ] {
            let Schema::Type(t) = s else {
                panic!("list before {f}")
            };
            s = field(t, f);
        }
        assert_eq!(s, Schema::MergeList(&["name"], Ty::Container));
    }

    #[test]
    fn metadata_finalizers_are_a_scalar_set_on_any_known_kind() {
        let ty = schema_for(&gvk("v1", "ConfigMap")).expect("known kind");
        let Schema::Type(meta) = field(ty, "metadata") else {
            panic!()
        };
        assert_eq!(
            field(meta, "finalizers"),
            Schema::MergeList(&[], Ty::Opaque)
        );
        assert_eq!(field(meta, "labels"), Schema::Type(Ty::Opaque));
    }

    #[test]
    fn tolerations_and_envfrom_are_replaced() {
        assert_eq!(field(Ty::PodSpec, "tolerations"), Schema::Type(Ty::Opaque));
        assert_eq!(field(Ty::Container, "envFrom"), Schema::Type(Ty::Opaque));
        assert_eq!(field(Ty::Container, "args"), Schema::Type(Ty::Opaque));
    }
}
