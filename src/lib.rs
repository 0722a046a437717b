//! fluxval validates Flux CD GitOps repositories before they reach a cluster.
//!
//! Data flows one way: discover the repository's kustomize roots, build them in-process exactly as
//! `kustomize build` would, and report findings at the file, line and column a person wrote.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod changed;
pub mod checks;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod envsubst;
pub mod error;
pub mod kubeconform;
pub mod kustomize;
pub mod migrate;
pub mod pipeline;
pub mod repo;
pub mod report;
pub mod resource;
pub mod rules;
pub mod run;
pub mod schema;
pub mod suppress;
pub mod validate;
pub mod yaml;
