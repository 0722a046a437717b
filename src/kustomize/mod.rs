//! An in-process `kustomize build`, matching kustomize v5.5.0 byte for byte.

pub mod generator;
pub mod hash;
pub mod kustomization;
pub mod load;
pub mod resources;
pub mod select;
pub mod sort;

pub use load::LoadRestrictor;
