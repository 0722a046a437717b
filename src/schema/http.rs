//! Downloading schemas over HTTP(S), through the disk cache.
//!
//! The client is reqwest's blocking one with rustls on the `ring` provider: no OpenSSL, and no
//! cmake or aws-lc build on CI. It is built on the first download only, so an offline run (or
//! one whose schemas are all cached or local) never opens a socket or starts reqwest's thread.
//!
//! Behaviour follows kubeconform where it has one (404 means "try the next location", any other
//! non-200 status is an error naming the URL, the cache file is named after the URL) and adds
//! what CI needs from a downloader: bounded retries with exponential backoff on 429, 5xx and
//! broken connections; connect and overall timeouts; truncated bodies detected; a size cap; a
//! progress line on a terminal.

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};

use super::cache::{DiskCache, default_cache_dir};
use super::{LocalSource, SchemaError, SchemaSource};

/// What a [`Fetcher`] answered for one location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The document's bytes.
    Bytes(Vec<u8>),
    /// The location does not exist (HTTP 404, a missing file): try the next location.
    NotFound,
    /// Offline and not cached: nobody knows whether it exists, so a resource needing it is
    /// skipped rather than reported as lacking a schema.
    Offline,
}

/// The longest single wait between attempts, whatever the backoff or `Retry-After` say.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Which proxy downloads go through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxyMode {
    /// `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case), as curl and Go
    /// programs such as kubeconform read them.
    #[default]
    Env,
    /// Connect directly, whatever the environment says.
    Direct,
    /// Every request through this proxy URL.
    Url(String),
}

/// How a [`Fetcher`] downloads and caches.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// The disk cache folder; `None` caches nothing. [`FetchOptions::default`] uses
    /// [`default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Never open a network connection: cached copies only, [`Fetched::Offline`] otherwise.
    pub offline: bool,
    /// Longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Longest time for one attempt, from connecting to the last body byte.
    pub timeout: Duration,
    /// Extra attempts after a 429, a 5xx, a failed connection or a broken body.
    pub retries: u32,
    /// Wait before the first retry; doubled for each later one (at most 30 s).
    pub backoff: Duration,
    /// Largest body accepted, in bytes.
    pub max_body_size: u64,
    /// Draw a progress line on stderr for slow downloads.
    pub progress: bool,
    /// Proxy choice.
    pub proxy: ProxyMode,
    /// Cached copies older than this are downloaded again (a `latest` URL changes); when that
    /// download fails for any reason but 404, the old copy is used. `None`: cached copies are
    /// used forever, as kubeconform does.
    pub max_age: Option<Duration>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            cache_dir: default_cache_dir(),
            offline: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_body_size: 256 << 20,
            progress: std::io::stderr().is_terminal(),
            proxy: ProxyMode::Env,
            max_age: None,
        }
    }
}

/// One URL's answer, shared by every thread that asks for it during a run.
type Slot = Arc<OnceLock<Result<Fetched, SchemaError>>>;

/// Reads schema locations: `http(s)://` URLs through the disk cache and the network, anything
/// else as a local path ([`LocalSource`]). Send + Sync: one Fetcher serves all threads.
///
/// Each URL is fetched at most once per Fetcher: threads asking for the same URL at the same
/// time wait for the first one's answer (so a tarball wanted by many kinds is downloaded once),
/// and a 404 is not asked again during the run.
#[derive(Debug)]
pub struct Fetcher {
    opts: FetchOptions,
    cache: Option<DiskCache>,
    client: OnceLock<Result<Client, String>>,
    seen: Mutex<HashMap<String, Slot>>,
    warnings: Mutex<Vec<String>>,
}

/// At most this many cache warnings are kept: one broken cache folder fails every write.
const MAX_WARNINGS: usize = 5;

/// The name the schema registry knows the network source by.
pub type HttpSource = Fetcher;

impl Fetcher {
    /// A fetcher with `opts`. Opens no connection; fails only on a malformed proxy URL.
    pub fn new(opts: FetchOptions) -> Result<Fetcher, SchemaError> {
        if let ProxyMode::Url(u) = &opts.proxy {
            reqwest::Proxy::all(u.as_str())
                .map_err(|e| SchemaError::new(u.as_str(), format!("invalid proxy URL: {e}")))?;
        }
        let cache = opts.cache_dir.clone().map(DiskCache::new);
        Ok(Fetcher {
            opts,
            cache,
            client: OnceLock::new(),
            seen: Mutex::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
        })
    }

    /// Problems with the disk cache met so far (a folder that cannot be created, written or
    /// read), for the caller to show as warnings. They do not fail a fetch: without the cache a
    /// run only downloads more. Taking them empties the list.
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }

    fn warn(&self, e: SchemaError) {
        if let Ok(mut w) = self.warnings.lock()
            && w.len() < MAX_WARNINGS
        {
            w.push(format!("schema cache not used: {}", e.message));
        }
    }

    /// The options this fetcher was made with.
    pub fn options(&self) -> &FetchOptions {
        &self.opts
    }

    /// The disk cache, when there is one.
    pub fn cache(&self) -> Option<&DiskCache> {
        self.cache.as_ref()
    }

    /// The bytes at `location`. For a URL: the cached copy when there is one, else (unless
    /// offline) a download that is then cached. `Err` names the URL: an unreachable server,
    /// a status other than 200 and 404, a truncated or oversized body. A cache that cannot be
    /// read or written is not an error (see [`Fetcher::take_warnings`]).
    pub fn fetch(&self, location: &str) -> Result<Fetched, SchemaError> {
        if !is_url(location) {
            return Ok(match LocalSource.get(location)? {
                Some(b) => Fetched::Bytes(b),
                None => Fetched::NotFound,
            });
        }
        let slot = match self.seen.lock() {
            Ok(mut seen) => Arc::clone(seen.entry(location.to_string()).or_default()),
            // A thread panicked while holding the map: fetch without sharing.
            Err(_) => return self.fetch_url(location),
        };
        slot.get_or_init(|| self.fetch_url(location)).clone()
    }

    fn fetch_url(&self, url: &str) -> Result<Fetched, SchemaError> {
        let mut stale = None;
        let cached = match self.cache.as_ref().map(|c| c.get(url)) {
            Some(Ok(b)) => b,
            Some(Err(e)) => {
                self.warn(e);
                None
            }
            None => None,
        };
        if let (Some(cache), Some(bytes)) = (&self.cache, cached) {
            let fresh = match self.opts.max_age {
                None => true,
                Some(max) => cache.age(url).is_none_or(|age| age <= max),
            };
            if fresh || self.opts.offline {
                return Ok(Fetched::Bytes(bytes));
            }
            stale = Some(bytes);
        }
        if self.opts.offline {
            return Ok(Fetched::Offline);
        }
        match self.download(url) {
            Ok(Some(bytes)) => {
                if let Some(Err(e)) = self.cache.as_ref().map(|c| c.put(url, &bytes)) {
                    self.warn(e);
                }
                Ok(Fetched::Bytes(bytes))
            }
            // The server says it is gone: believe it over an old copy.
            Ok(None) => Ok(Fetched::NotFound),
            Err(e) => stale.map(Fetched::Bytes).ok_or(e),
        }
    }

    fn client(&self, url: &str) -> Result<&Client, SchemaError> {
        self.client
            .get_or_init(|| build_client(&self.opts))
            .as_ref()
            .map_err(|m| SchemaError::new(url, m.clone()))
    }

    /// `Ok(None)` on 404. Every loop here ends: attempts are counted, each is time-bounded.
    fn download(&self, url: &str) -> Result<Option<Vec<u8>>, SchemaError> {
        let client = self.client(url)?;
        let attempts = self.opts.retries.saturating_add(1);
        let mut wait = self.opts.backoff;
        for attempt in 1..=attempts {
            match self.attempt(client, url) {
                Attempt::Done(v) => return Ok(v),
                Attempt::Fatal(msg) => return Err(SchemaError::new(url, msg)),
                Attempt::Retry { msg, retry_after } => {
                    if attempt == attempts {
                        let tries = if attempts == 1 {
                            String::new()
                        } else {
                            format!(" (gave up after {attempts} attempts)")
                        };
                        return Err(SchemaError::new(url, format!("{msg}{tries}")));
                    }
                    std::thread::sleep(retry_after.unwrap_or(wait).min(MAX_WAIT));
                    wait = wait.saturating_mul(2).min(MAX_WAIT);
                }
            }
        }
        // Unreachable: the last attempt returns above; kept as an error, not a panic.
        Err(SchemaError::new(url, "no download attempt was made"))
    }

    fn attempt(&self, client: &Client, url: &str) -> Attempt {
        let resp = match client.get(url).send() {
            Ok(r) => r,
            Err(e) if e.is_builder() || e.is_redirect() => {
                return Attempt::Fatal(describe(&e, self.opts.timeout));
            }
            Err(e) => {
                return Attempt::Retry {
                    msg: format!("cannot download: {}", describe(&e, self.opts.timeout)),
                    retry_after: None,
                };
            }
        };
        let status = resp.status();
        if status == StatusCode::NOT_FOUND {
            return Attempt::Done(None);
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Attempt::Retry {
                msg: format!("received HTTP status {status}"),
                retry_after: retry_after(&resp),
            };
        }
        if status != StatusCode::OK {
            return Attempt::Fatal(format!("received HTTP status {status}"));
        }
        self.read_body(resp, url)
    }

    fn read_body(&self, mut resp: Response, url: &str) -> Attempt {
        let max = self.opts.max_body_size;
        let declared = resp.content_length();
        if let Some(n) = declared
            && n > max
        {
            return Attempt::Fatal(format!("body of {n} bytes exceeds the {max} byte limit"));
        }
        let cap = usize::try_from(declared.unwrap_or(0).min(8 << 20)).unwrap_or(0);
        let mut body = Vec::with_capacity(cap);
        let mut chunk = vec![0u8; 64 << 10];
        let mut progress = Progress::new(self.opts.progress.then(std::io::stderr), url, declared);
        loop {
            match resp.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    body.extend_from_slice(&chunk[..n]);
                    if body.len() as u64 > max {
                        progress.finish();
                        return Attempt::Fatal(format!("body exceeds the {max} byte limit"));
                    }
                    progress.update(body.len() as u64);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    progress.finish();
                    let got = body.len();
                    let inner = e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>());
                    let why = match inner {
                        Some(r) => describe(r, self.opts.timeout),
                        None => e.to_string(),
                    };
                    let msg = match declared {
                        Some(n) => format!("body truncated: got {got} of {n} bytes ({why})"),
                        None => format!("download broke off after {got} bytes: {why}"),
                    };
                    return Attempt::Retry {
                        msg,
                        retry_after: None,
                    };
                }
            }
        }
        progress.finish();
        match declared {
            Some(n) if n != body.len() as u64 => Attempt::Retry {
                msg: format!("body truncated: got {} of {n} bytes", body.len()),
                retry_after: None,
            },
            _ => Attempt::Done(Some(body)),
        }
    }
}

impl SchemaSource for Fetcher {
    /// `None` for "not found" and for "offline and not cached";
    /// [`SchemaSource::unavailable`] tells them apart.
    fn get(&self, location: &str) -> Result<Option<Vec<u8>>, SchemaError> {
        Ok(match self.fetch(location)? {
            Fetched::Bytes(b) => Some(b),
            Fetched::NotFound | Fetched::Offline => None,
        })
    }

    fn unavailable(&self, location: &str) -> Option<String> {
        if !self.opts.offline || !is_url(location) {
            return None;
        }
        let cached = self
            .cache
            .as_ref()
            .is_some_and(|c| c.path_for(location).is_file());
        (!cached).then(|| format!("offline and {location} is not in the schema cache"))
    }
}

/// Whether `location` goes to the network rather than the file system.
pub fn is_url(location: &str) -> bool {
    let lower = location.get(..8).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

enum Attempt {
    /// 200 with its body, or `None` for 404.
    Done(Option<Vec<u8>>),
    /// Worth another try (429, 5xx, broken connection or body).
    Retry {
        msg: String,
        retry_after: Option<Duration>,
    },
    /// Another try would answer the same.
    Fatal(String),
}

fn build_client(opts: &FetchOptions) -> Result<Client, String> {
    // reqwest is built without a default crypto provider so that aws-lc (which needs cmake) is
    // not compiled; ring is installed process-wide. An error means a provider is already
    // installed, which reqwest then uses: fine either way.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = Client::builder()
        .user_agent(concat!("fluxval/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.timeout)
        .tls_backend_rustls();
    builder = match &opts.proxy {
        ProxyMode::Env => builder,
        ProxyMode::Direct => builder.no_proxy(),
        ProxyMode::Url(u) => builder.proxy(
            reqwest::Proxy::all(u.as_str()).map_err(|e| format!("invalid proxy URL {u}: {e}"))?,
        ),
    };
    builder.build().map_err(|e| {
        format!(
            "cannot set up the HTTP client: {}",
            describe(&e, opts.timeout)
        )
    })
}

/// A one-line account of a reqwest error with its causes, without the URL (the SchemaError
/// carries it already).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out (limit {} s)", timeout.as_secs_f64());
    }
    let mut msg = e.to_string();
    if let Some(cut) = msg.find(" for url (") {
        msg.truncate(cut);
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

/// `Retry-After` in seconds (the HTTP-date form is rare for 429/503 and ignored).
fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp.headers().get(reqwest::header::RETRY_AFTER)?;
    let secs: u64 = v.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// A progress line on stderr, drawn only for downloads slower than a blink so that fetching a
/// few small schemas prints nothing. Generic over the sink so tests can read what it drew.
struct Progress<'a, W: Write> {
    out: Option<W>,
    url: &'a str,
    total: Option<u64>,
    start: Instant,
    last: Option<Instant>,
}

impl<'a, W: Write> Progress<'a, W> {
    /// Draws nothing when `out` is `None`.
    fn new(out: Option<W>, url: &'a str, total: Option<u64>) -> Progress<'a, W> {
        Progress {
            out,
            url,
            total,
            start: Instant::now(),
            last: None,
        }
    }

    fn update(&mut self, done: u64) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        if self.start.elapsed() < Duration::from_millis(300)
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(Instant::now());
        let size = match self.total {
            Some(t) if t > 0 => format!(
                "{:3}% ({} / {})",
                done.saturating_mul(100) / t,
                human(done),
                human(t)
            ),
            _ => human(done),
        };
        let _ = write!(out, "\r\x1b[2Kdownloading {} {size}", self.url);
        let _ = out.flush();
    }

    /// Erases the line, if one was drawn.
    fn finish(&mut self) {
        if self.last.take().is_some()
            && let Some(out) = self.out.as_mut()
        {
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
        }
    }
}

fn human(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.0} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_draws_only_for_slow_downloads_and_erases_itself() {
        let mut quick = Progress::new(Some(Vec::new()), "https://x/y.json", Some(10));
        quick.update(5);
        quick.finish();
        assert_eq!(quick.out.unwrap(), b"", "a fast download prints nothing");

        let mut off = Progress::<Vec<u8>>::new(None, "https://x/y.json", Some(10));
        off.start -= Duration::from_secs(1);
        off.update(5);
        off.finish();

        let mut slow = Progress::new(Some(Vec::new()), "https://x/y.tgz", Some(3 << 20));
        slow.start -= Duration::from_secs(1);
        slow.update(1 << 20);
        slow.update(2 << 20); // within 100 ms of the last draw: skipped
        slow.finish();
        let text = String::from_utf8(slow.out.unwrap()).unwrap();
        assert_eq!(
            text,
            "\r\x1b[2Kdownloading https://x/y.tgz  33% (1.0 MiB / 3.0 MiB)\r\x1b[2K"
        );
    }

    #[test]
    fn one_fetcher_is_shared_by_threads_as_the_registry_source() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Fetcher>();
        let f = Fetcher::new(FetchOptions {
            cache_dir: None,
            offline: true,
            ..FetchOptions::default()
        })
        .unwrap();
        let source: Arc<dyn SchemaSource> = Arc::new(f);
        assert_eq!(source.get("https://example.invalid/x.json").unwrap(), None);
        assert!(
            source
                .unavailable("https://example.invalid/x.json")
                .is_some()
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(79_722), "78 KiB");
        assert_eq!(human(5 << 20), "5.0 MiB");
    }

    #[test]
    fn urls_are_told_from_paths() {
        for u in ["http://a/b.json", "https://a/b", "HTTPS://A/B"] {
            assert!(is_url(u), "{u}");
        }
        for p in [
            "/tmp/x.json",
            "schemas/{{ .ResourceKind }}.json",
            "http:/x",
            "ftp://a/b",
        ] {
            assert!(!is_url(p), "{p}");
        }
    }
}
