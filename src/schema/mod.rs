//! Schemas: where they live, how they are fetched and cached, how CRDs become schemas, and the
//! registry that compiles each one once and shares it across threads.

pub mod cache;
pub mod crd;
pub mod http;
pub mod location;
pub mod re2;
mod registry;
mod source;
pub mod tarball;

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod process_tests;
#[cfg(test)]
mod test_server;

pub use cache::{DiskCache, cache_key, default_cache_dir};
pub use crd::crd_schemas;
pub use http::{FetchOptions, Fetched, Fetcher, HttpSource, ProxyMode, is_url};
pub use location::Location;
pub use registry::{Lookup, Registry, RegistryOptions, Schema, TarballReader, valid_duration};
pub use source::{LocalSource, SchemaError, SchemaSource};
pub use tarball::{TarballLimits, find_entry, read_schema_tarball, read_schema_tarball_with};
