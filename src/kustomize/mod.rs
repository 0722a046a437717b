//! The in-process kustomize build.

pub mod jsonpatch;
pub mod merge_keys;
pub mod smp;
