//! An in-process `kustomize build`, matching kustomize v5.5.0 byte for byte.

pub mod fieldpath;
pub mod kustomization;
pub mod load;
pub mod replacements;
pub mod resources;
pub mod select;
pub mod sort;
pub mod vars;

pub use load::LoadRestrictor;
