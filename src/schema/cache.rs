//! The on-disk schema cache.
//!
//! One file per downloaded URL, named by the lower-case hex SHA-256 of the URL: the naming
//! kubeconform v0.7.0 uses for its `-cache` folder, so `fluxval kubeconform -cache DIR` and
//! kubeconform itself can share a folder. Files are written to a temporary name in the same
//! folder and renamed into place, so a reader (another thread or another process sharing the
//! folder) sees either no file or a complete one, never a half-written schema.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::SchemaError;

/// The cache folder used when none is given: `$XDG_CACHE_HOME/fluxval`, else
/// `$HOME/.cache/fluxval`. `None` when neither variable gives an absolute path (the XDG spec
/// says relative values are to be ignored).
pub fn default_cache_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| {
        let p = PathBuf::from(v);
        p.is_absolute().then_some(p)
    };
    if let Some(p) = std::env::var_os("XDG_CACHE_HOME").and_then(absolute) {
        return Some(p.join("fluxval"));
    }
    std::env::var_os("HOME")
        .and_then(absolute)
        .map(|h| h.join(".cache").join("fluxval"))
}

/// The cache file name of `url`: lower-case hex SHA-256 of its bytes (kubeconform's naming).
pub fn cache_key(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    out
}

/// A cache folder. Cheap to clone; holds no open files.
#[derive(Clone, Debug)]
pub struct DiskCache {
    dir: PathBuf,
}

/// Makes temporary names unique between threads of one process; the process id separates
/// processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl DiskCache {
    /// A cache in `dir`. The folder is created on the first write, not here, so that a run that
    /// downloads nothing leaves no trace.
    pub fn new(dir: impl Into<PathBuf>) -> DiskCache {
        DiskCache { dir: dir.into() }
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the bytes of `url` are (or would be) stored.
    pub fn path_for(&self, url: &str) -> PathBuf {
        self.dir.join(cache_key(url))
    }

    /// The cached bytes of `url`, or `None` when it was never stored.
    pub fn get(&self, url: &str) -> Result<Option<Vec<u8>>, SchemaError> {
        let path = self.path_for(url);
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SchemaError::new(
                url,
                format!("cannot read cached copy {}: {e}", path.display()),
            )),
        }
    }

    /// How long ago `url` was stored (from the file's modification time); `None` when it is
    /// not cached or the clock or file system cannot tell.
    pub fn age(&self, url: &str) -> Option<std::time::Duration> {
        let modified = fs::metadata(self.path_for(url)).ok()?.modified().ok()?;
        std::time::SystemTime::now().duration_since(modified).ok()
    }

    /// Stores `bytes` as the content of `url`, atomically: write a temporary file in the cache
    /// folder, flush it to disk, then rename it over the final name. Two writers of the same URL
    /// both succeed and the survivor is one of their complete copies.
    pub fn put(&self, url: &str, bytes: &[u8]) -> Result<(), SchemaError> {
        let fail = |what: &str, path: &Path, e: std::io::Error| {
            SchemaError::new(url, format!("cannot {what} {}: {e}", path.display()))
        };
        fs::create_dir_all(&self.dir).map_err(|e| fail("create cache folder", &self.dir, e))?;
        let key = cache_key(url);
        let (tmp, mut file) = self
            .create_temp(&key)
            .map_err(|e| fail("create a temporary file in", &self.dir, e))?;
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| fail("write", &tmp, e));
        drop(file);
        let result = written.and_then(|()| {
            let dest = self.dir.join(&key);
            fs::rename(&tmp, &dest).map_err(|e| fail("rename into", &dest, e))
        });
        if result.is_err() {
            // Leave no temporary litter behind; the original error is what matters.
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// A new file that no other writer can be using: `create_new` fails rather than share.
    fn create_temp(&self, key: &str) -> std::io::Result<(PathBuf, fs::File)> {
        let pid = std::process::id();
        let mut last = None;
        for _ in 0..16 {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            // Starts with a dot and has a suffix, so it can never be taken for a cache entry.
            let path = self.dir.join(format!(".{key}.{pid}.{n}.tmp"));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => return Ok((path, f)),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_hex_sha256_of_the_url_as_kubeconform_names_it() {
        // sha256("abc") is a published test vector (FIPS 180-2).
        assert_eq!(
            cache_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let url = "https://example.com/master-standalone-strict/configmap-v1.json";
        let k = cache_key(url);
        assert_eq!(k.len(), 64);
        assert!(
            k.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(k, cache_key("https://example.com/x.json"));
    }

    #[test]
    fn put_then_get_round_trips_and_leaves_only_the_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(tmp.path().join("nested").join("cache"));
        let url = "https://example.com/a.json";
        assert_eq!(cache.get(url).unwrap(), None);
        cache.put(url, b"{\"a\":1}").unwrap();
        assert_eq!(cache.get(url).unwrap().as_deref(), Some(&b"{\"a\":1}"[..]));
        // Overwriting replaces the whole content.
        cache.put(url, b"{}").unwrap();
        assert_eq!(cache.get(url).unwrap().as_deref(), Some(&b"{}"[..]));
        let names: Vec<String> = fs::read_dir(cache.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![cache_key(url)]);
    }

    #[test]
    fn many_threads_writing_one_entry_never_expose_a_partial_file() {
        let tmp = tempfile::tempdir().unwrap();
        let url = "https://example.com/big.json";
        let bodies: Vec<Vec<u8>> = (0..4u8).map(|i| vec![b'a' + i; 200_000]).collect();
        std::thread::scope(|s| {
            for body in &bodies {
                let cache = DiskCache::new(tmp.path());
                s.spawn(move || {
                    for _ in 0..5 {
                        cache.put(url, body).unwrap();
                    }
                });
            }
            let reader = DiskCache::new(tmp.path());
            s.spawn(move || {
                for _ in 0..50 {
                    if let Some(b) = reader.get(url).unwrap() {
                        assert_eq!(b.len(), 200_000);
                        assert!(b.iter().all(|&c| c == b[0]));
                    }
                }
            });
        });
        let names: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temporary files left behind");
    }

    #[test]
    fn a_cache_path_that_is_a_file_is_an_error_naming_the_url() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("file");
        fs::write(&blocker, "x").unwrap();
        let cache = DiskCache::new(&blocker);
        let err = cache.put("https://example.com/a.json", b"{}").unwrap_err();
        assert_eq!(err.location, "https://example.com/a.json");
        assert!(err.message.contains("cache folder"), "{}", err.message);
    }
}
