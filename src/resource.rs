//! A built resource: its id, its spanned tree, and where it came from.

use std::fmt;

use crate::yaml::{Node, Span};

/// Group, version and kind of a resource, as in `apiVersion` and `kind`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group; empty for the core group (`v1`).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` (`apps/v1`, `v1`) and a kind.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    /// The `apiVersion` string.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// The identity of a resource: kind and name, plus namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; empty when unset.
    pub namespace: String,
}

impl fmt::Display for ResId {
    /// kustomize's id form: `ConfigMap.v1.[noGrp]/name.[noNs]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = if self.gvk.group.is_empty() {
            "[noGrp]"
        } else {
            &self.gvk.group
        };
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            self.gvk.kind, self.gvk.version, group, self.name, ns
        )
    }
}

/// How a generated resource meets an earlier one of the same id (`behavior:`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Behavior {
    /// A new resource; an existing one of that id is an error.
    #[default]
    Create,
    /// Replace the data of the existing resource.
    Replace,
    /// Merge data into the existing resource.
    Merge,
}

/// Facts about a resource that came from a generator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    /// Whether the top-level build appends a content hash to its name.
    pub hash_suffix: bool,
    /// How it meets an existing resource of the same id.
    pub behavior: Behavior,
}

/// One resource inside a build.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The whole object.
    pub node: Node,
    /// The ids it had before transformers renamed it, oldest first (for patch matching and
    /// name references, which look at original names too).
    pub previous_ids: Vec<ResId>,
    /// Set for ConfigMaps and Secrets made by generators.
    pub generated: Option<Generated>,
    /// Name prefixes applied so far, oldest first (name references prefer targets that share
    /// the referrer's prefixes).
    pub name_prefixes: Vec<String>,
    /// Name suffixes applied so far, oldest first.
    pub name_suffixes: Vec<String>,
    /// Where the document starts in the file that defined it (or the generator entry).
    pub origin: Span,
}

impl Resource {
    /// A resource read from a file.
    pub fn new(node: Node, origin: Span) -> Resource {
        Resource {
            node,
            previous_ids: Vec::new(),
            generated: None,
            name_prefixes: Vec::new(),
            name_suffixes: Vec::new(),
            origin,
        }
    }

    /// Its current group/version/kind.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(
            self.node.str_at(&["apiVersion"]).unwrap_or_default(),
            self.node.str_at(&["kind"]).unwrap_or_default(),
        )
    }

    /// `metadata.name`, or "".
    pub fn name(&self) -> &str {
        self.node.str_at(&["metadata", "name"]).unwrap_or_default()
    }

    /// `metadata.namespace`, or "".
    pub fn namespace(&self) -> &str {
        self.node
            .str_at(&["metadata", "namespace"])
            .unwrap_or_default()
    }

    /// Its current id.
    pub fn id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// The id it was first given (the oldest previous id, or the current one).
    pub fn original_id(&self) -> ResId {
        self.previous_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.id())
    }

    /// Records the current id before a transformer changes the name, namespace or kind.
    pub fn remember_id(&mut self) {
        let id = self.id();
        if self.previous_ids.last() != Some(&id) {
            // Most resources are renamed once or twice: a doubling Vec would hold four.
            self.previous_ids.reserve_exact(1);
            self.previous_ids.push(id);
        }
    }
}
