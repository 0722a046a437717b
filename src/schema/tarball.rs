//! Schema tarballs (such as Flux's `crd-schemas.tar.gz` release asset), read in memory.
//!
//! Nothing is ever written to disk: entries become map values. A tarball comes from the
//! network, so it is treated as hostile: only regular files ending in `.json` are kept, links
//! are ignored (a link named `x.json` must not smuggle in another entry's or a host file's
//! content), absolute and `..` paths reject the whole archive (no honest schema bundle has
//! them), and sizes are capped so a decompression bomb stops early.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};

use super::SchemaError;

/// Size caps for one tarball.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TarballLimits {
    /// Most entries of any type (directories and links count too).
    pub max_entries: usize,
    /// Largest single `.json` entry, in bytes.
    pub max_entry_size: u64,
    /// Most decompressed bytes read, headers and padding included.
    pub max_total_size: u64,
}

impl Default for TarballLimits {
    /// Far above Flux's asset (17 files, under 1 MiB unpacked) and kubeconform-style bundles of
    /// every Kubernetes kind, far below what could exhaust memory.
    fn default() -> Self {
        TarballLimits {
            max_entries: 20_000,
            max_entry_size: 16 << 20,
            max_total_size: 512 << 20,
        }
    }
}

/// The `.json` entries of gzip-compressed tar `bytes`, keyed by their path inside the archive
/// without a leading `./` (e.g. `helmrelease-helm-v2.json`). `what` names the tarball (its URL
/// or path) in errors. Uses [`TarballLimits::default`].
pub fn read_schema_tarball(
    bytes: &[u8],
    what: &str,
) -> Result<BTreeMap<String, Vec<u8>>, SchemaError> {
    read_schema_tarball_with(bytes, what, TarballLimits::default())
}

/// [`read_schema_tarball`] with explicit caps.
pub fn read_schema_tarball_with(
    bytes: &[u8],
    what: &str,
    limits: TarballLimits,
) -> Result<BTreeMap<String, Vec<u8>>, SchemaError> {
    let err = |msg: String| SchemaError::new(what, msg);
    let capped = Capped {
        inner: flate2::read::GzDecoder::new(bytes),
        left: limits.max_total_size,
        cap: limits.max_total_size,
    };
    let mut archive = tar::Archive::new(capped);
    let entries = archive
        .entries()
        .map_err(|e| err(format!("not a readable tar.gz archive: {e}")))?;
    let mut out = BTreeMap::new();
    for (count, entry) in entries.enumerate() {
        if count >= limits.max_entries {
            return Err(err(format!(
                "archive has more than {} entries",
                limits.max_entries
            )));
        }
        let mut entry = entry.map_err(|e| err(format!("not a readable tar.gz archive: {e}")))?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let Some(key) = safe_key(&name) else {
            return Err(err(format!(
                "archive entry {name:?} has an absolute or `..` path"
            )));
        };
        if !entry.header().entry_type().is_file() || !key.ends_with(".json") {
            continue;
        }
        let size = entry.size();
        if size > limits.max_entry_size {
            return Err(err(format!(
                "archive entry {key} is {size} bytes, more than the {} allowed",
                limits.max_entry_size
            )));
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        entry
            .read_to_end(&mut data)
            .map_err(|e| err(format!("cannot read archive entry {key}: {e}")))?;
        out.insert(key, data);
    }
    Ok(out)
}

/// The entry for kubeconform file `name` (e.g. `helmrelease-helm-v2.json`): the key equal to
/// `name`, else the one entry whose last path component is `name`, so a bundle packed from a
/// folder (`master-standalone-strict/…`) works too. `None` when absent or ambiguous.
pub fn find_entry<'a>(entries: &'a BTreeMap<String, Vec<u8>>, name: &str) -> Option<&'a [u8]> {
    if let Some(b) = entries.get(name) {
        return Some(b);
    }
    let suffix = format!("/{name}");
    let mut found = entries.iter().filter(|(k, _)| k.ends_with(&suffix));
    match (found.next(), found.next()) {
        (Some((_, b)), None) => Some(b),
        _ => None,
    }
}

/// The map key of an archive path: `./` prefixes and `.` components dropped, `None` when the
/// path is absolute or climbs with `..`. Both `/` and `\` count as separators, so a name that
/// would escape on Windows is refused everywhere.
fn safe_key(name: &str) -> Option<String> {
    if name.starts_with('/') || name.starts_with('\\') {
        return None;
    }
    let mut parts = Vec::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    let key = parts.join("/");
    // A drive prefix such as `C:` is absolute on Windows.
    let absolute = Path::new(&key)
        .components()
        .any(|c| matches!(c, Component::Prefix(_) | Component::RootDir));
    (!absolute).then_some(key)
}

/// Stops reading after `cap` decompressed bytes with an error that says so, instead of letting
/// a small download inflate without bound.
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One probe byte tells "exactly at the cap" (fine) from "more to come" (refused).
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "archive unpacks to more than {} bytes",
                    self.cap
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Where tests find the real flux2 release asset: under `$FLUXVAL_SHARED`, else in a `shared/`
/// beside the checkout or any folder above it.
#[cfg(test)]
pub(crate) fn shared_flux_asset() -> Option<std::path::PathBuf> {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("FLUXVAL_SHARED")
        .map(|d| std::path::Path::new(&d).join(FLUX_ASSET))
        .into_iter()
        .chain(
            manifest
                .ancestors()
                .map(|d| d.join("shared").join(FLUX_ASSET)),
        )
        .find(|p| p.is_file())
}

/// The release asset's path inside the shared folder.
#[cfg(test)]
pub(crate) const FLUX_ASSET: &str = "schemas/flux-crd-schemas.tar.gz";

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One raw tar entry, built by hand so hostile names (which the `tar` crate's builder
    /// refuses to write) can be tested.
    pub(crate) struct RawEntry<'a> {
        pub name: &'a str,
        pub kind: u8,
        pub link: &'a str,
        pub data: &'a [u8],
    }

    /// A regular file entry.
    pub(crate) fn file<'a>(name: &'a str, data: &'a [u8]) -> RawEntry<'a> {
        RawEntry {
            name,
            kind: b'0',
            link: "",
            data,
        }
    }

    /// gzip(tar(entries)) with ustar headers written byte by byte.
    pub(crate) fn tar_gz(entries: &[RawEntry]) -> Vec<u8> {
        let mut tar = Vec::new();
        for e in entries {
            let mut h = [0u8; 512];
            h[..e.name.len()].copy_from_slice(e.name.as_bytes());
            h[100..107].copy_from_slice(b"0000644");
            h[108..115].copy_from_slice(b"0000000");
            h[116..123].copy_from_slice(b"0000000");
            h[124..135].copy_from_slice(format!("{:011o}", e.data.len()).as_bytes());
            h[136..147].copy_from_slice(b"00000000000");
            h[156] = e.kind;
            h[157..157 + e.link.len()].copy_from_slice(e.link.as_bytes());
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
            h[148..156].copy_from_slice(b"        ");
            let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
            h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
            tar.extend_from_slice(&h);
            tar.extend_from_slice(e.data);
            tar.resize(tar.len().div_ceil(512) * 512, 0);
        }
        tar.resize(tar.len() + 1024, 0);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn keeps_regular_json_entries_and_strips_dot_slash() {
        let bytes = tar_gz(&[
            RawEntry {
                name: "./",
                kind: b'5',
                link: "",
                data: b"",
            },
            file("./configmap-v1.json", b"{\"type\":\"object\"}"),
            file("./README.md", b"# not a schema"),
            file("sub/dir/secret-v1.json", b"{}"),
        ]);
        let map = read_schema_tarball(&bytes, "https://example.com/s.tar.gz").unwrap();
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(keys, ["configmap-v1.json", "sub/dir/secret-v1.json"]);
        assert_eq!(map["configmap-v1.json"], b"{\"type\":\"object\"}");
    }

    #[test]
    fn entries_are_found_flat_or_in_one_folder() {
        let bytes = tar_gz(&[
            file("configmap-v1.json", b"flat"),
            file("master-standalone-strict/secret-v1.json", b"nested"),
            file("v1.30/pod-v1.json", b"a"),
            file("v1.31/pod-v1.json", b"b"),
        ]);
        let map = read_schema_tarball(&bytes, "t").unwrap();
        assert_eq!(find_entry(&map, "configmap-v1.json"), Some(&b"flat"[..]));
        assert_eq!(find_entry(&map, "secret-v1.json"), Some(&b"nested"[..]));
        assert_eq!(find_entry(&map, "pod-v1.json"), None, "ambiguous");
        assert_eq!(find_entry(&map, "v1.json"), None, "whole names only");
        assert_eq!(find_entry(&map, "service-v1.json"), None);
    }

    #[test]
    fn links_are_ignored_never_followed() {
        let bytes = tar_gz(&[
            file("real.json", b"{\"real\":true}"),
            RawEntry {
                name: "sym.json",
                kind: b'2',
                link: "/etc/passwd",
                data: b"",
            },
            RawEntry {
                name: "hard.json",
                kind: b'1',
                link: "real.json",
                data: b"",
            },
        ]);
        let map = read_schema_tarball(&bytes, "t.tgz").unwrap();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["real.json"]);
    }

    #[test]
    fn parent_and_absolute_paths_reject_the_archive() {
        for bad in [
            "../evil.json",
            "a/../../evil.json",
            "/etc/evil.json",
            "ok/..\\..\\evil.json",
        ] {
            let bytes = tar_gz(&[file("fine.json", b"{}"), file(bad, b"{}")]);
            let err = read_schema_tarball(&bytes, "https://example.com/x.tar.gz").unwrap_err();
            assert_eq!(err.location, "https://example.com/x.tar.gz");
            assert!(err.message.contains("absolute or `..`"), "{bad}: {err}");
        }
    }

    #[test]
    fn caps_stop_big_entries_many_entries_and_bombs() {
        let big = vec![b' '; 10_000];
        let bytes = tar_gz(&[file("big.json", &big)]);
        let small = TarballLimits {
            max_entry_size: 1000,
            ..TarballLimits::default()
        };
        let err = read_schema_tarball_with(&bytes, "t", small).unwrap_err();
        assert!(err.message.contains("big.json is 10000 bytes"), "{err}");

        let many = tar_gz(&[file("a.json", b"{}"), file("b.json", b"{}")]);
        let one = TarballLimits {
            max_entries: 1,
            ..TarballLimits::default()
        };
        let err = read_schema_tarball_with(&many, "t", one).unwrap_err();
        assert!(err.message.contains("more than 1 entries"), "{err}");

        let tiny_total = TarballLimits {
            max_total_size: 4096,
            ..TarballLimits::default()
        };
        let err = read_schema_tarball_with(&bytes, "t", tiny_total).unwrap_err();
        assert!(err.message.contains("more than 4096 bytes"), "{err}");
        // Exactly enough is accepted: headers, data, padding and the two end blocks.
        let exact = TarballLimits {
            max_total_size: 512 + 10_240 + 1024,
            ..TarballLimits::default()
        };
        assert_eq!(
            read_schema_tarball_with(&bytes, "t", exact).unwrap().len(),
            1
        );
    }

    #[test]
    fn garbage_and_truncated_archives_are_errors_not_panics() {
        let err = read_schema_tarball(b"not gzip at all", "t").unwrap_err();
        assert!(err.message.contains("tar.gz"), "{err}");
        let good = tar_gz(&[file("a.json", &[b'x'; 5000])]);
        let cut = &good[..good.len() / 2];
        assert!(read_schema_tarball(cut, "t").is_err());
    }

    #[test]
    fn reads_the_real_flux_release_asset() {
        let Some(path) = shared_flux_asset() else {
            println!("SKIP: shared/{FLUX_ASSET} not found");
            return;
        };
        let bytes = std::fs::read(&path).unwrap();
        let map = read_schema_tarball(&bytes, "flux-crd-schemas.tar.gz").unwrap();
        assert_eq!(map.len(), 17, "{:?}", map.keys().collect::<Vec<_>>());
        for name in [
            "helmrelease-helm-v2.json",
            "kustomization-kustomize-v1.json",
            "_definitions.json",
        ] {
            let v: serde_json::Value = serde_json::from_slice(&map[name]).unwrap();
            assert!(v.is_object(), "{name}");
        }
    }
}
