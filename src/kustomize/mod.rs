//! In-process kustomize: the pieces of `kustomize build`.

pub mod config;
pub mod defaults;
pub mod fieldspec;
pub mod nameref;
pub mod scope;
pub mod transform;
