//! The error a step of fluxval stops with: a message and the place that caused it.

use std::fmt;

use crate::yaml::Span;

/// An error at a place in a user's files.
///
/// Displayed as `file:line:col: error: message` (or `file: error: message` when the line is not
/// known), the shape compilers use, so editors and CI logs make it clickable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Where the problem is.
    pub span: Span,
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
}

impl Error {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Error {
        Error {
            span,
            message: message.into(),
        }
    }

    /// An error about a whole file.
    pub fn in_file(file: &str, message: impl Into<String>) -> Error {
        Error::new(Span::file(file.into()), message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.span, self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results that fail with a located [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
