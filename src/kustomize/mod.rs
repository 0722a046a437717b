//! An in-process `kustomize build`, matching kustomize v5.5.0 byte for byte.
//!
//! [`build`] reads a kustomize root, follows its resources, bases and components inside the
//! repository, runs generators and transformers in kustomize's order and returns resources that
//! remember where each of their nodes was written.

mod build;
pub mod buildmeta;
pub mod config;
pub mod crds;
pub mod defaults;
pub mod fieldpath;
pub mod fieldspec;
mod finish;
pub mod generator;
mod generators;
pub mod hash;
pub mod jsonpatch;
pub mod kustomization;
pub mod load;
pub mod merge_keys;
pub mod nameref;
mod patches;
mod plugins;
pub mod replacements;
pub mod resources;
pub mod scope;
pub mod select;
pub mod smp;
pub mod sort;
pub mod transform;
mod transformers;
pub mod vars;

pub use build::{BaseUses, Build, BuildCache, BuildOptions, build, build_all, build_all_with};
pub use load::LoadRestrictor;
