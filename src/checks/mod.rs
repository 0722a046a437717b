//! Flux-specific semantic checks.

pub mod semver;
