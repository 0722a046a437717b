//! Output order: kustomize's legacy kind order (the default of `kubectl kustomize`) or FIFO.

use std::cmp::Ordering;

use crate::error::{Error, Result};
use crate::resource::{Gvk, Resource};
use crate::yaml::{Node, Span, Value};

/// kustomize's default "first" kinds, in order.
const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// kustomize's default "last" kinds, in order.
const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// A kind's place in kustomize's fixed default order: negative for the "first" kinds, positive
/// for the "last" ones, 0 for the rest.
pub fn kind_rank(kind: &str) -> i32 {
    if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        i as i32 - ORDER_FIRST.len() as i32
    } else if let Some(i) = ORDER_LAST.iter().position(|k| *k == kind) {
        i as i32 + 1
    } else {
        0
    }
}

/// How to order the output (`sortOptions:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortOrder {
    /// Kind order, then group/version/kind, then namespace and name.
    Legacy {
        /// Kinds that come first, in this order.
        first: Vec<String>,
        /// Kinds that come last, in this order.
        last: Vec<String>,
    },
    /// The order resources were accumulated in.
    Fifo,
}

impl Default for SortOrder {
    fn default() -> SortOrder {
        SortOrder::Legacy {
            first: ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
            last: ORDER_LAST.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl SortOrder {
    /// Reads a kustomization's `sortOptions:`.
    pub fn parse(node: &Node, file: &str) -> Result<SortOrder> {
        let span = node.span.clone().unwrap_or_else(|| Span::file(file.into()));
        let m = node
            .as_map()
            .ok_or_else(|| Error::new(span.clone(), "sortOptions must be a mapping"))?;
        for k in m.keys() {
            if k != "order" && k != "legacySortOptions" {
                return Err(Error::new(
                    span.clone(),
                    format!("sortOptions: unknown field {k:?}"),
                ));
            }
        }
        let order = m.get("order").and_then(Node::as_str).unwrap_or("");
        let legacy = m.get("legacySortOptions").filter(|n| !n.is_null());
        match order {
            "fifo" => {
                if legacy.is_some() {
                    return Err(Error::new(
                        span,
                        "legacySortOptions is set but order is fifo",
                    ));
                }
                Ok(SortOrder::Fifo)
            }
            "" => Err(Error::new(
                span,
                "the field 'sortOptions.order' must be one of [fifo, legacy]",
            )),
            "legacy" => {
                let Some(legacy) = legacy else {
                    return Ok(SortOrder::default());
                };
                let list = |key: &str| -> Result<Vec<String>> {
                    match legacy.get_path(&[key]).map(|n| &n.value) {
                        None | Some(Value::Null) => Ok(Vec::new()),
                        Some(Value::Seq(items)) => items
                            .iter()
                            .map(|i| {
                                i.as_str().map(str::to_string).ok_or_else(|| {
                                    Error::new(
                                        i.span.clone().unwrap_or(span.clone()),
                                        format!(
                                            "sortOptions.legacySortOptions.{key} must list kinds"
                                        ),
                                    )
                                })
                            })
                            .collect(),
                        Some(_) => Err(Error::new(
                            span.clone(),
                            format!("sortOptions.legacySortOptions.{key} must be a list"),
                        )),
                    }
                };
                Ok(SortOrder::Legacy {
                    first: list("orderFirst")?,
                    last: list("orderLast")?,
                })
            }
            other => Err(Error::new(
                span,
                format!("sortOptions.order must be legacy or fifo, not {other:?}"),
            )),
        }
    }

    /// Sorts `resources` in place.
    pub fn sort(&self, resources: &mut [Resource]) {
        let SortOrder::Legacy { first, last } = self else {
            return;
        };
        let rank = |kind: &str| -> i64 {
            if let Some(i) = first.iter().position(|k| k == kind) {
                i as i64 - first.len() as i64
            } else if let Some(i) = last.iter().position(|k| k == kind) {
                i as i64 + 1
            } else {
                0
            }
        };
        resources.sort_by(|a, b| {
            let (ga, gb) = (a.gvk(), b.gvk());
            rank(&ga.kind)
                .cmp(&rank(&gb.kind))
                .then_with(|| gvk_string(&ga).cmp(&gvk_string(&gb)))
                .then_with(|| legacy_key(a).cmp(&legacy_key(b)))
                .then(Ordering::Equal)
        });
    }
}

/// kustomize's `Gvk.String()`: `group_version_kind` with `~G`, `~V`, `~K` for empty parts.
fn gvk_string(g: &Gvk) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}

/// kustomize's legacy tie-break: `namespace|name` with `~X`/`~N` for empty parts.
fn legacy_key(r: &Resource) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!("{}|{}", or(r.namespace(), "~X"), or(r.name(), "~N"))
}
