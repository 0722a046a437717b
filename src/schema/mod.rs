//! Schemas: where they live, how they are fetched and cached, how CRDs become schemas, and the
//! registry that compiles each one once and shares it across threads.

pub mod crd;
pub mod location;
pub mod re2;
mod registry;
mod source;

pub use crd::crd_schemas;
pub use location::Location;
pub use registry::{Lookup, Registry, RegistryOptions, Schema, TarballReader, valid_duration};
pub use source::{LocalSource, SchemaError, SchemaSource};
