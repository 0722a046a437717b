//! Where schema bytes come from: the seam between the registry and disk or network.

use std::path::Path;

/// A failure that stops fluxval from running (exit code 2): a schema source that cannot be
/// reached or answers with an error other than "not found".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct SchemaError {
    /// The URL or path that failed.
    pub location: String,
    /// What went wrong.
    pub message: String,
}

impl SchemaError {
    /// An error about `location`.
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> SchemaError {
        SchemaError {
            location: location.into(),
            message: message.into(),
        }
    }
}

/// Reads a schema document (or a tarball) by URL or path.
///
/// `Ok(None)` means "not there" (HTTP 404, a missing file): the registry then tries the next
/// location, as kubeconform does. `Err` stops the run.
pub trait SchemaSource: Send + Sync {
    /// The bytes at `location`, or `None` when it does not exist.
    fn get(&self, location: &str) -> Result<Option<Vec<u8>>, SchemaError>;

    /// After `get` answered `None`: why the location could not be asked at all (e.g. "offline
    /// and not cached"), as opposed to "asked, and it does not exist" (`None`, the default).
    fn unavailable(&self, _location: &str) -> Option<String> {
        None
    }
}

/// Reads local files only; any `http(s)://` location is reported as unavailable offline.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalSource;

impl SchemaSource for LocalSource {
    fn get(&self, location: &str) -> Result<Option<Vec<u8>>, SchemaError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            return Err(SchemaError::new(
                location,
                "network schema locations need the HTTP source",
            ));
        }
        match std::fs::read(Path::new(location)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SchemaError::new(location, e.to_string())),
        }
    }
}
