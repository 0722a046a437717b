//! Schemas: where they live, how they are fetched and cached, how CRDs become schemas, and the
//! registry that compiles each one once and shares it across threads.

mod source;

pub use source::{LocalSource, SchemaError, SchemaSource};
