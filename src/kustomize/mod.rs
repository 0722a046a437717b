//! The in-process kustomize build.

pub mod generator;
pub mod hash;
