//! Spanned YAML: parse documents into [`Node`]s that remember file, line and column, resolve
//! scalars the way a given Go decoder would, and emit YAML byte-for-byte as kustomize prints it.

mod emit;
mod node;
mod parse;
mod quirks;
mod resolve;

pub use emit::{emit_document, emit_documents};
pub use node::{CompactString, Entry, Mapping, Node, Span, Value};
pub use parse::{Limits, parse_file, parse_str};
pub use resolve::{Profile, resolve_plain};
