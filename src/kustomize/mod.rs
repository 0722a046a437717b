//! An in-process `kustomize build`, matching kustomize v5.5.0 byte for byte.

pub mod config;
pub mod defaults;
pub mod fieldspec;
pub mod generator;
pub mod hash;
pub mod jsonpatch;
pub mod kustomization;
pub mod load;
pub mod merge_keys;
pub mod nameref;
pub mod resources;
pub mod scope;
pub mod select;
pub mod smp;
pub mod sort;
pub mod transform;

pub use load::LoadRestrictor;
