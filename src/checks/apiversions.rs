//! Flux API versions: which `apiVersion` each Flux kind is served under in a given Flux release,
//! and the checks that report removed, deprecated and never-existing versions.
//!
//! The table is our own record of the CRDs that each flux2 minor release pins (the
//! `manifests/crds` kustomization of fluxcd/flux2 at `v2.N.0`, read controller by controller): a
//! version is *deprecated* from the first release whose CRD marks it `deprecated: true` (or, for
//! the image v1beta1 APIs that were never marked, from the release whose storage version
//! superseded them) and *removed* from the first release whose CRD no longer lists it.

use std::fmt;

use crate::diagnostic::{Diagnostic, Severity};
use crate::resource::{Gvk, Resource};
use crate::rules::Rule;
use crate::yaml::Span;

use super::{Input, span_at};

/// A Flux minor release, `v2.N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    /// Major version (2).
    pub major: u8,
    /// Minor version.
    pub minor: u8,
}

impl Release {
    const fn v2(minor: u8) -> Release {
        Release { major: 2, minor }
    }

    /// The release the shared schemas and fluxval's defaults describe (flux2 v2.9.4).
    pub const LATEST: Release = Release::v2(9);

    /// The oldest release the table describes: Flux v2.0, the first GA release.
    pub const OLDEST: Release = Release::v2(0);

    /// Parses `2.7`, `v2.7`, `2.7.3` or `v2.7.3` (patch releases never change served versions).
    pub fn parse(text: &str) -> Option<Release> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let mut parts = t.split('.');
        let major: u8 = parts.next()?.parse().ok()?;
        let minor: u8 = parts.next()?.parse().ok()?;
        if let Some(patch) = parts.next() {
            patch.parse::<u32>().ok()?;
        }
        if parts.next().is_some() || major != 2 {
            return None;
        }
        Some(Release { major, minor })
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}", self.major, self.minor)
    }
}

/// One version of one Flux kind and its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindVersion {
    /// API group, e.g. `helm.toolkit.fluxcd.io`.
    pub group: &'static str,
    /// Kind, e.g. `HelmRelease`.
    pub kind: &'static str,
    /// Version, e.g. `v2beta1`.
    pub version: &'static str,
    /// First release serving it ([`Release::OLDEST`] for versions older than Flux v2.0).
    pub introduced: Release,
    /// First release marking it deprecated, if any.
    pub deprecated: Option<Release>,
    /// First release no longer serving it, if any.
    pub removed: Option<Release>,
}

const fn kv(
    group: &'static str,
    kind: &'static str,
    version: &'static str,
    introduced: u8,
    deprecated: Option<u8>,
    removed: Option<u8>,
) -> KindVersion {
    KindVersion {
        group,
        kind,
        version,
        introduced: Release::v2(introduced),
        deprecated: match deprecated {
            Some(m) => Some(Release::v2(m)),
            None => None,
        },
        removed: match removed {
            Some(m) => Some(Release::v2(m)),
            None => None,
        },
    }
}

const SOURCE: &str = "source.toolkit.fluxcd.io";
const KUSTOMIZE: &str = "kustomize.toolkit.fluxcd.io";
const HELM: &str = "helm.toolkit.fluxcd.io";
const NOTIFICATION: &str = "notification.toolkit.fluxcd.io";
const IMAGE: &str = "image.toolkit.fluxcd.io";
const SOURCE_EXT: &str = "source.extensions.fluxcd.io";

/// Every version of every Flux kind since Flux v2.0, oldest first within a kind. Versions
/// removed before v2.0 (the `v1alpha*`/`v2alpha*` APIs) are not listed: no Flux v2 release ever
/// served them, so they count as unknown.
pub const TABLE: &[KindVersion] = &[
    // source-controller
    kv(SOURCE, "GitRepository", "v1beta1", 0, Some(0), Some(7)),
    kv(SOURCE, "GitRepository", "v1beta2", 0, Some(0), Some(8)),
    kv(SOURCE, "GitRepository", "v1", 0, None, None),
    kv(SOURCE, "HelmRepository", "v1beta1", 0, Some(3), Some(7)),
    kv(SOURCE, "HelmRepository", "v1beta2", 0, Some(3), Some(8)),
    kv(SOURCE, "HelmRepository", "v1", 3, None, None),
    kv(SOURCE, "HelmChart", "v1beta1", 0, Some(3), Some(7)),
    kv(SOURCE, "HelmChart", "v1beta2", 0, Some(3), Some(8)),
    kv(SOURCE, "HelmChart", "v1", 3, None, None),
    kv(SOURCE, "Bucket", "v1beta1", 0, Some(3), Some(7)),
    kv(SOURCE, "Bucket", "v1beta2", 0, Some(4), Some(8)),
    kv(SOURCE, "Bucket", "v1", 4, None, None),
    kv(SOURCE, "OCIRepository", "v1beta2", 0, Some(6), Some(8)),
    kv(SOURCE, "OCIRepository", "v1", 6, None, None),
    kv(SOURCE, "ExternalArtifact", "v1", 7, None, None),
    // kustomize-controller
    kv(KUSTOMIZE, "Kustomization", "v1beta1", 0, Some(0), Some(7)),
    kv(KUSTOMIZE, "Kustomization", "v1beta2", 0, Some(0), Some(8)),
    kv(KUSTOMIZE, "Kustomization", "v1", 0, None, None),
    // helm-controller
    kv(HELM, "HelmRelease", "v2beta1", 0, Some(2), Some(7)),
    kv(HELM, "HelmRelease", "v2beta2", 2, Some(3), Some(8)),
    kv(HELM, "HelmRelease", "v2", 3, None, None),
    // notification-controller
    kv(NOTIFICATION, "Alert", "v1beta1", 0, Some(2), Some(7)),
    kv(NOTIFICATION, "Alert", "v1beta2", 0, Some(2), Some(9)),
    kv(NOTIFICATION, "Alert", "v1beta3", 2, None, None),
    kv(NOTIFICATION, "Provider", "v1beta1", 0, Some(2), Some(7)),
    kv(NOTIFICATION, "Provider", "v1beta2", 0, Some(2), Some(9)),
    kv(NOTIFICATION, "Provider", "v1beta3", 2, None, None),
    kv(NOTIFICATION, "Receiver", "v1beta1", 0, Some(0), Some(7)),
    kv(NOTIFICATION, "Receiver", "v1beta2", 0, Some(0), Some(9)),
    kv(NOTIFICATION, "Receiver", "v1", 0, None, None),
    // image-reflector-controller
    kv(IMAGE, "ImageRepository", "v1beta1", 0, Some(0), Some(7)),
    kv(IMAGE, "ImageRepository", "v1beta2", 0, Some(7), Some(9)),
    kv(IMAGE, "ImageRepository", "v1", 7, None, None),
    kv(IMAGE, "ImagePolicy", "v1beta1", 0, Some(0), Some(7)),
    kv(IMAGE, "ImagePolicy", "v1beta2", 0, Some(7), Some(9)),
    kv(IMAGE, "ImagePolicy", "v1", 7, None, None),
    // image-automation-controller
    kv(
        IMAGE,
        "ImageUpdateAutomation",
        "v1beta1",
        0,
        Some(3),
        Some(7),
    ),
    kv(
        IMAGE,
        "ImageUpdateAutomation",
        "v1beta2",
        3,
        Some(7),
        Some(9),
    ),
    kv(IMAGE, "ImageUpdateAutomation", "v1", 7, None, None),
    // source-watcher
    kv(SOURCE_EXT, "ArtifactGenerator", "v1beta1", 7, None, None),
];

/// The Flux API groups the table covers.
pub const GROUPS: &[&str] = &[SOURCE, KUSTOMIZE, HELM, NOTIFICATION, IMAGE, SOURCE_EXT];

/// What a Flux release makes of one group/version/kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not a Flux group, or not a Flux kind of that group: none of our business.
    NotFlux,
    /// Served and not deprecated.
    Current,
    /// Served but deprecated since `since`; `use_version` is the one to move to.
    Deprecated {
        /// The version's entry.
        entry: KindVersion,
        /// First release that deprecated it.
        since: Release,
        /// The version to use instead.
        use_version: &'static str,
    },
    /// No longer served since `since`; `use_version` is the one to move to.
    Removed {
        /// The version's entry.
        entry: KindVersion,
        /// First release that no longer served it.
        since: Release,
        /// The version to use instead.
        use_version: &'static str,
    },
    /// A version this release does not serve yet.
    NotYet {
        /// The version's entry.
        entry: KindVersion,
        /// The version to use instead.
        use_version: &'static str,
    },
    /// A version of a Flux kind that no Flux v2 release ever served.
    Unknown {
        /// The version to use.
        use_version: &'static str,
    },
}

/// Whether `e` is served by `target`.
fn served(e: &KindVersion, target: Release) -> bool {
    e.introduced <= target && e.removed.is_none_or(|r| target < r)
}

/// The version of `group`/`kind` to use with `target`: the newest served one that is not
/// deprecated, else the newest served one.
pub fn preferred(group: &str, kind: &str, target: Release) -> Option<&'static str> {
    let versions = || {
        TABLE
            .iter()
            .filter(move |e| e.group == group && e.kind == kind && served(e, target))
    };
    versions()
        .rfind(|e| e.deprecated.is_none_or(|d| target < d))
        .or_else(|| versions().next_back())
        .map(|e| e.version)
}

/// What `target` makes of `gvk`.
pub fn status(group: &str, version: &str, kind: &str, target: Release) -> Status {
    let Some(use_version) = preferred(group, kind, target) else {
        return Status::NotFlux;
    };
    let Some(entry) = TABLE
        .iter()
        .find(|e| e.group == group && e.kind == kind && e.version == version)
        .copied()
    else {
        return Status::Unknown { use_version };
    };
    if entry.introduced > target {
        return Status::NotYet { entry, use_version };
    }
    if let Some(since) = entry.removed.filter(|r| *r <= target) {
        return Status::Removed {
            entry,
            since,
            use_version,
        };
    }
    if let Some(since) = entry.deprecated.filter(|d| *d <= target)
        && use_version != entry.version
    {
        return Status::Deprecated {
            entry,
            since,
            use_version,
        };
    }
    Status::Current
}

/// What [`status`] says of a resource's `apiVersion` and `kind`.
pub fn status_of(gvk: &Gvk, target: Release) -> Status {
    status(&gvk.group, &gvk.version, &gvk.kind, target)
}

/// Rules of this module.
pub const RULES: &[Rule] = &[
    Rule {
        id: "api/removed",
        severity: Severity::Error,
        summary: "a Flux kind uses an API version its Flux release no longer serves",
        help: "The Flux controllers (and the API server, through their CRDs) no longer know this apiVersion: applying the object fails and Flux stops reconciling the whole Kustomization. Move to the version named in the message; `fluxval migrate --write` rewrites the apiVersion lines for you and lists fields that need a manual change. The target release is --flux-version (default v2.9).",
    },
    Rule {
        id: "api/deprecated",
        severity: Severity::Warning,
        summary: "a Flux kind uses a deprecated API version",
        help: "The version is still served but deprecated: a later Flux release removes it, and the upgrade then breaks. Move to the version named in the message (`fluxval migrate --write`).",
    },
    Rule {
        id: "api/unknown-version",
        severity: Severity::Error,
        summary: "a Flux kind with an API version that Flux does not serve",
        help: "No Flux v2 release serves this group, version and kind, or the target release (--flux-version) does not serve it yet: the object cannot be applied. Check for a typo and use the version named in the message.",
    },
];

/// Reports every resource (built or plain) whose Flux `apiVersion` is removed, deprecated or
/// unknown in the target release.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    let target = input.options.flux_version.unwrap_or(Release::LATEST);
    let mut out = Vec::new();
    for (place, res) in input.all() {
        let mut found: Vec<Diagnostic> = diagnose(res, target).into_iter().collect();
        found.extend(health_checks(res, target));
        for mut d in found {
            d.roots = input.roots_of(place);
            out.push(d.with_resource(res.id()));
        }
    }
    out
}

/// Findings for the `spec.healthChecks` of a Flux Kustomization: a health check on a version
/// the cluster does not serve fails the Kustomization's reconciliation.
fn health_checks(res: &Resource, target: Release) -> Vec<Diagnostic> {
    let gvk = res.gvk();
    if gvk.group != KUSTOMIZE || gvk.kind != "Kustomization" {
        return Vec::new();
    }
    let Some(items) = res
        .node
        .get_path(&["spec", "healthChecks"])
        .and_then(|n| n.as_seq())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (Some(api), Some(kind)) = (item.str_at(&["apiVersion"]), item.str_at(&["kind"])) else {
            continue;
        };
        let index = i.to_string();
        let span = span_at(res, &["spec", "healthChecks", &index, "apiVersion"]);
        let checked = Gvk::from_api_version(api, kind);
        if let Some(d) = diagnose_at(&checked, span, target, "health check ") {
            out.push(d.with_pointer(format!("/spec/healthChecks/{i}/apiVersion")));
        }
    }
    out
}

/// The finding for one resource, if its apiVersion needs one.
pub fn diagnose(res: &Resource, target: Release) -> Option<Diagnostic> {
    diagnose_at(&res.gvk(), span_at(res, &["apiVersion"]), target, "")
}

/// The finding for `gvk` written at `span`; `what` starts the message (e.g. `"health check "`).
fn diagnose_at(gvk: &Gvk, span: Span, target: Release, what: &str) -> Option<Diagnostic> {
    let span = Some(span);
    let api = |v: &str| format!("{}/{}", gvk.group, v);
    match status_of(gvk, target) {
        Status::NotFlux | Status::Current => None,
        Status::Removed {
            since, use_version, ..
        } => Some(Diagnostic::error(
            "api/removed",
            format!(
                "{what}{} {} was removed in Flux {since}: use {}",
                gvk.api_version(),
                gvk.kind,
                api(use_version)
            ),
            span,
        )),
        Status::Deprecated {
            since, use_version, ..
        } => Some(Diagnostic::warning(
            "api/deprecated",
            format!(
                "{what}{} {} is deprecated since Flux {since}: use {}",
                gvk.api_version(),
                gvk.kind,
                api(use_version)
            ),
            span,
        )),
        Status::NotYet { entry, use_version } => Some(Diagnostic::error(
            "api/unknown-version",
            format!(
                "{what}{} {} needs Flux {} or later (the target is {target}): use {}",
                gvk.api_version(),
                gvk.kind,
                entry.introduced,
                api(use_version)
            ),
            span,
        )),
        Status::Unknown { use_version } => Some(Diagnostic::error(
            "api/unknown-version",
            format!(
                "{what}{} {} is not a version Flux has ever served: use {}",
                gvk.api_version(),
                gvk.kind,
                api(use_version)
            ),
            span,
        )),
    }
}

/// A field that an API version change drops: it must be changed by hand when migrating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DroppedField {
    /// Group of the kind.
    pub group: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Path of the field; `*` stands for every item of a list.
    pub path: &'static [&'static str],
    /// What to do instead.
    pub advice: &'static str,
}

/// Fields of the old versions that the current versions no longer have (found by comparing the
/// legacy and current schemas), with what replaces them.
pub const DROPPED_FIELDS: &[DroppedField] = &[
    DroppedField {
        group: HELM,
        kind: "HelmRelease",
        path: &["spec", "chart", "spec", "valuesFile"],
        advice: "move it into the list spec.chart.spec.valuesFiles",
    },
    DroppedField {
        group: HELM,
        kind: "HelmRelease",
        path: &[
            "spec",
            "postRenderers",
            "*",
            "kustomize",
            "patchesStrategicMerge",
        ],
        advice: "rewrite it as spec.postRenderers[].kustomize.patches",
    },
    DroppedField {
        group: HELM,
        kind: "HelmRelease",
        path: &["spec", "postRenderers", "*", "kustomize", "patchesJson6902"],
        advice: "rewrite it as spec.postRenderers[].kustomize.patches",
    },
    DroppedField {
        group: KUSTOMIZE,
        kind: "Kustomization",
        path: &["spec", "patchesStrategicMerge"],
        advice: "rewrite it as spec.patches",
    },
    DroppedField {
        group: KUSTOMIZE,
        kind: "Kustomization",
        path: &["spec", "patchesJson6902"],
        advice: "rewrite it as spec.patches",
    },
    DroppedField {
        group: KUSTOMIZE,
        kind: "Kustomization",
        path: &["spec", "validation"],
        advice: "remove it (server-side apply always validates)",
    },
    DroppedField {
        group: SOURCE,
        kind: "GitRepository",
        path: &["spec", "gitImplementation"],
        advice: "remove it (only go-git is left)",
    },
    DroppedField {
        group: SOURCE,
        kind: "GitRepository",
        path: &["spec", "accessFrom"],
        advice: "remove it (cross-namespace access is controlled by the controllers' flags)",
    },
    DroppedField {
        group: SOURCE,
        kind: "HelmChart",
        path: &["spec", "accessFrom"],
        advice: "remove it (cross-namespace access is controlled by the controllers' flags)",
    },
    DroppedField {
        group: SOURCE,
        kind: "HelmChart",
        path: &["spec", "valuesFile"],
        advice: "move it into the list spec.valuesFiles",
    },
    DroppedField {
        group: SOURCE,
        kind: "Bucket",
        path: &["spec", "accessFrom"],
        advice: "remove it (cross-namespace access is controlled by the controllers' flags)",
    },
];

#[cfg(test)]
#[path = "apiversions_tests.rs"]
mod tests;
