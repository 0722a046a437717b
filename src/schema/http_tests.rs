//! Download, cache and tarball tests against a server started on 127.0.0.1. No test reaches
//! any other address: proxies from the environment are switched off (`ProxyMode::Direct`), and
//! the proxy test points at the local server too.

use std::path::Path;
use std::time::{Duration, Instant};

use super::tarball::tests::{RawEntry, file, tar_gz};
use super::test_server::{Reply, TestServer};
use super::*;

/// Options for tests: fast, direct, no progress line, cache in `dir`.
pub(super) fn opts(dir: &Path) -> FetchOptions {
    FetchOptions {
        cache_dir: Some(dir.to_path_buf()),
        offline: false,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retries: 0,
        backoff: Duration::from_millis(10),
        max_body_size: 1 << 20,
        progress: false,
        proxy: ProxyMode::Direct,
        max_age: None,
    }
}

pub(super) fn fetcher(o: FetchOptions) -> Fetcher {
    Fetcher::new(o).expect("fetcher")
}

pub(super) fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn download_is_cached_and_reused_with_the_server_stopped() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(1, |_, _| Reply::ok(r#"{"type":"object"}"#));
    let url = server.url("/master-standalone-strict/configmap-v1.json");
    let first = fetcher(opts(cache.path())).fetch(&url).unwrap();
    assert_eq!(first, Fetched::Bytes(br#"{"type":"object"}"#.to_vec()));
    assert_eq!(
        server.stop(),
        ["/master-standalone-strict/configmap-v1.json"]
    );
    // kubeconform's file name, so its -cache folder and ours are interchangeable.
    assert_eq!(entries(cache.path()), [cache_key(&url)]);

    let again = fetcher(opts(cache.path())).fetch(&url).unwrap();
    assert_eq!(again, first);
    let offline = fetcher(FetchOptions {
        offline: true,
        ..opts(cache.path())
    });
    assert_eq!(offline.fetch(&url).unwrap(), first);
}

#[test]
fn not_found_falls_through_and_is_not_cached() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(2, |_, _| Reply::code(404));
    let url = server.url("/nope-v1.json");
    let f = fetcher(opts(cache.path()));
    assert_eq!(f.fetch(&url).unwrap(), Fetched::NotFound);
    // Within one run the answer is remembered; "not found" is not "unavailable".
    assert_eq!(SchemaSource::get(&f, &url).unwrap(), None);
    assert_eq!(f.unavailable(&url), None);
    assert_eq!(server.targets().len(), 1);
    // The next run asks again: a schema published since must be found.
    assert_eq!(
        fetcher(opts(cache.path())).fetch(&url).unwrap(),
        Fetched::NotFound
    );
    assert_eq!(server.stop().len(), 2);
    assert!(entries(cache.path()).is_empty());
}

#[test]
fn other_statuses_are_errors_naming_the_url_without_retry() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(3, |_, _| Reply::code(403));
    let url = server.url("/secret.json");
    let f = fetcher(FetchOptions {
        retries: 2,
        ..opts(cache.path())
    });
    let err = f.fetch(&url).unwrap_err();
    assert_eq!(err.location, url);
    assert!(err.message.contains("403"), "{err}");
    assert!(err.to_string().starts_with(&url), "{err}");
    assert_eq!(server.stop().len(), 1);
}

#[test]
fn retries_429_and_500_then_succeeds() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(3, |_, n| match n {
        0 => Reply::Status(
            429,
            vec![("Retry-After", "0".into())],
            b"slow down".to_vec(),
        ),
        1 => Reply::code(500),
        _ => Reply::ok("{}"),
    });
    let url = server.url("/flaky.json");
    let f = fetcher(FetchOptions {
        retries: 3,
        ..opts(cache.path())
    });
    assert_eq!(f.fetch(&url).unwrap(), Fetched::Bytes(b"{}".to_vec()));
    assert_eq!(server.stop().len(), 3);
    assert_eq!(entries(cache.path()), [cache_key(&url)]);
}

#[test]
fn retries_are_bounded() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(10, |_, _| Reply::code(503));
    let url = server.url("/down.json");
    let f = fetcher(FetchOptions {
        retries: 2,
        backoff: Duration::from_millis(100),
        ..opts(cache.path())
    });
    let start = Instant::now();
    let err = f.fetch(&url).unwrap_err();
    // Waits of 100 ms then 200 ms: the backoff doubles.
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    assert!(err.message.contains("503"), "{err}");
    assert!(err.message.contains("3 attempts"), "{err}");
    assert_eq!(server.stop().len(), 3);
    assert!(entries(cache.path()).is_empty());
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Connections complete in the kernel's backlog but nobody ever reads or answers.
    let silent = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let url = format!("http://{}/hang.json", silent.local_addr().unwrap());
    let cache = tempfile::tempdir().unwrap();
    let f = fetcher(FetchOptions {
        timeout: Duration::from_millis(300),
        retries: 1,
        ..opts(cache.path())
    });
    let start = Instant::now();
    let err = f.fetch(&url).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(err.location, url);
    assert!(err.message.contains("timed out"), "{err}");
    assert!(err.message.contains("2 attempts"), "{err}");
}

#[test]
fn an_unreachable_server_is_an_error_naming_the_url() {
    let port = {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/x.json");
    let cache = tempfile::tempdir().unwrap();
    let err = fetcher(opts(cache.path())).fetch(&url).unwrap_err();
    assert_eq!(err.location, url);
    assert!(err.message.starts_with("cannot download"), "{err}");
}

#[test]
fn truncated_bodies_are_detected_retried_and_never_cached() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(5, |_, _| Reply::Truncated {
        declared: 100,
        body: vec![b'{'; 40],
    });
    let url = server.url("/cut.json");
    let f = fetcher(FetchOptions {
        retries: 1,
        ..opts(cache.path())
    });
    let err = f.fetch(&url).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    assert_eq!(server.stop().len(), 2);
    assert!(entries(cache.path()).is_empty());
}

#[test]
fn oversized_bodies_are_refused() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(3, |_, _| Reply::ok(vec![b' '; 5000]));
    let url = server.url("/huge.json");
    let f = fetcher(FetchOptions {
        retries: 2,
        max_body_size: 1000,
        ..opts(cache.path())
    });
    let err = f.fetch(&url).unwrap_err();
    assert!(err.message.contains("1000 byte limit"), "{err}");
    assert_eq!(server.stop().len(), 1, "a size error is not retried");
}

#[test]
fn redirects_are_followed() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(2, |target, _| match target {
        "/latest/schemas.tar.gz" => Reply::Status(
            302,
            vec![("Location", "/v2.9.4/schemas.tar.gz".into())],
            Vec::new(),
        ),
        _ => Reply::ok("payload"),
    });
    let url = server.url("/latest/schemas.tar.gz");
    let got = fetcher(opts(cache.path())).fetch(&url).unwrap();
    assert_eq!(got, Fetched::Bytes(b"payload".to_vec()));
    assert_eq!(
        server.stop(),
        ["/latest/schemas.tar.gz", "/v2.9.4/schemas.tar.gz"]
    );
}

#[test]
fn offline_opens_no_connection() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(1, |_, _| Reply::ok("{}"));
    let url = server.url("/x.json");
    let f = fetcher(FetchOptions {
        offline: true,
        ..opts(cache.path())
    });
    assert_eq!(f.fetch(&url).unwrap(), Fetched::Offline);
    assert_eq!(SchemaSource::get(&f, &url).unwrap(), None);
    let why = f
        .unavailable(&url)
        .expect("offline is unavailable, not not-found");
    assert!(why.contains("offline") && why.contains(&url), "{why}");
    assert!(server.stop().is_empty());
    // Cached: available offline.
    DiskCache::new(cache.path()).put(&url, b"{}").unwrap();
    assert_eq!(f.unavailable(&url), None);
    let fresh = fetcher(FetchOptions {
        offline: true,
        ..opts(cache.path())
    });
    assert_eq!(fresh.fetch(&url).unwrap(), Fetched::Bytes(b"{}".to_vec()));
}

#[test]
fn local_paths_bypass_network_and_cache() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("configmap-v1.json");
    std::fs::write(&schema, "{}").unwrap();
    let cache = dir.path().join("cache");
    let f = fetcher(FetchOptions {
        offline: true,
        ..opts(&cache)
    });
    let loc = schema.to_string_lossy();
    assert_eq!(f.fetch(&loc).unwrap(), Fetched::Bytes(b"{}".to_vec()));
    let missing = dir.path().join("nope.json");
    assert_eq!(
        f.fetch(&missing.to_string_lossy()).unwrap(),
        Fetched::NotFound
    );
    assert!(!cache.exists());
}

#[test]
fn a_proxy_url_carries_the_request() {
    let proxy = TestServer::start(1, |_, _| Reply::ok("via proxy"));
    let cache = tempfile::tempdir().unwrap();
    // Port 9 on loopback: were the proxy ignored, this would be refused, not answered.
    let url = "http://127.0.0.1:9/through.json";
    let f = fetcher(FetchOptions {
        proxy: ProxyMode::Url(proxy.url("")),
        ..opts(cache.path())
    });
    assert_eq!(f.fetch(url).unwrap(), Fetched::Bytes(b"via proxy".to_vec()));
    assert_eq!(proxy.stop(), [url]);
    assert!(
        Fetcher::new(FetchOptions {
            proxy: ProxyMode::Url("::not a url::".into()),
            ..opts(cache.path())
        })
        .is_err()
    );
}

#[test]
fn hostile_tarball_downloads_but_is_refused_and_nothing_lands_outside_the_cache() {
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let evil = tar_gz(&[
        file("./ok.json", b"{}"),
        RawEntry {
            name: "link.json",
            kind: b'2',
            link: "../../etc/passwd",
            data: b"",
        },
        file("../escape.json", b"{}"),
        file("/tmp/absolute.json", b"{}"),
    ]);
    let server = TestServer::start(1, move |_, _| Reply::ok(evil.clone()));
    let url = server.url("/crd-schemas.tar.gz");
    let Fetched::Bytes(bytes) = fetcher(opts(&cache)).fetch(&url).unwrap() else {
        panic!("expected bytes");
    };
    let err = read_schema_tarball(&bytes, &url).unwrap_err();
    assert_eq!(err.location, url);
    assert!(err.message.contains("../escape.json"), "{err}");
    assert_eq!(entries(root.path()), ["cache"]);
    assert_eq!(entries(&cache), [cache_key(&url)]);
    drop(server);
}

#[test]
fn threads_with_separate_fetchers_share_one_cache() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(40, |target, _| Reply::ok(format!("{{\"t\":\"{target}\"}}")));
    let urls: Vec<String> = (0..8).map(|i| server.url(&format!("/k{i}.json"))).collect();
    std::thread::scope(|s| {
        for _ in 0..3 {
            let urls = &urls;
            let dir = cache.path();
            s.spawn(move || {
                let f = fetcher(opts(dir));
                for u in urls {
                    let path = &u[u.rfind('/').unwrap_or(0)..];
                    let want = format!("{{\"t\":\"{path}\"}}").into_bytes();
                    assert_eq!(f.fetch(u).unwrap(), Fetched::Bytes(want));
                }
            });
        }
    });
    let mut want: Vec<String> = urls.iter().map(|u| cache_key(u)).collect();
    want.sort();
    assert_eq!(
        entries(cache.path()),
        want,
        "one file per URL, no temporaries"
    );
    assert!(server.stop().len() >= 8);
}

#[test]
fn one_fetcher_downloads_each_url_once_even_from_many_threads() {
    // No disk cache: only the in-run sharing can prevent repeat downloads.
    let server = TestServer::start(20, |_, _| Reply::ok(vec![b'x'; 300_000]));
    let url = server.url("/crd-schemas.tar.gz");
    let f = fetcher(FetchOptions {
        cache_dir: None,
        ..opts(Path::new("/nonexistent"))
    });
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                let Fetched::Bytes(b) = f.fetch(&url).unwrap() else {
                    panic!("expected bytes");
                };
                assert_eq!(b.len(), 300_000);
            });
        }
    });
    assert_eq!(server.stop().len(), 1);
}

#[test]
fn https_uses_rustls_and_reports_a_failed_handshake() {
    // A plain-TCP peer that answers a TLS ClientHello with HTTP text: the client must set up
    // rustls (ring provider, platform verifier) and fail cleanly, naming the URL.
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let url = format!("https://{}/x.json", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let peer = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok((mut s, _)) = listener.accept() {
                let _ = std::io::Write::write_all(&mut s, b"HTTP/1.1 400 Bad Request\r\n\r\n");
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let err = fetcher(opts(cache.path())).fetch(&url).unwrap_err();
    peer.join().unwrap();
    assert_eq!(err.location, url);
    assert!(err.message.starts_with("cannot download"), "{err}");
    assert!(entries(cache.path()).is_empty());
}

#[test]
fn old_cached_copies_are_refreshed_when_a_max_age_is_set() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(3, |_, n| match n {
        0 => Reply::ok("new"),
        _ => Reply::code(404),
    });
    let url = server.url("/latest/crd-schemas.tar.gz");
    let disk = DiskCache::new(cache.path());
    let age_back = |days: u64| {
        let f = std::fs::File::options()
            .write(true)
            .open(disk.path_for(&url))
            .unwrap();
        let then = std::time::SystemTime::now() - Duration::from_secs(days * 86_400);
        f.set_modified(then).unwrap();
    };
    disk.put(&url, b"old").unwrap();
    age_back(2);
    let day = Some(Duration::from_secs(86_400));

    // Without a max age the copy is used forever and the server is not asked.
    let forever = fetcher(opts(cache.path()));
    assert_eq!(
        forever.fetch(&url).unwrap(),
        Fetched::Bytes(b"old".to_vec())
    );
    assert!(server.targets().is_empty());
    // Offline, an old copy beats nothing.
    let offline = fetcher(FetchOptions {
        offline: true,
        max_age: day,
        ..opts(cache.path())
    });
    assert_eq!(
        offline.fetch(&url).unwrap(),
        Fetched::Bytes(b"old".to_vec())
    );
    assert!(server.targets().is_empty());

    let refresh = |o: FetchOptions| fetcher(o).fetch(&url).unwrap();
    let with_age = || FetchOptions {
        max_age: day,
        ..opts(cache.path())
    };
    assert_eq!(refresh(with_age()), Fetched::Bytes(b"new".to_vec()));
    assert_eq!(disk.get(&url).unwrap().unwrap(), b"new");
    assert!(disk.age(&url).unwrap() < Duration::from_secs(60));
    // Fresh now: not asked again.
    assert_eq!(refresh(with_age()), Fetched::Bytes(b"new".to_vec()));
    assert_eq!(server.targets().len(), 1);
    // Old again and the server says 404: gone upstream means gone.
    age_back(2);
    assert_eq!(refresh(with_age()), Fetched::NotFound);
    // Old and the server unreachable: the old copy is used.
    server.stop();
    assert_eq!(refresh(with_age()), Fetched::Bytes(b"new".to_vec()));
}

#[test]
fn retry_after_is_honoured() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(2, |_, n| match n {
        0 => Reply::Status(503, vec![("Retry-After", "1".into())], Vec::new()),
        _ => Reply::ok("{}"),
    });
    let url = server.url("/busy.json");
    let f = fetcher(FetchOptions {
        retries: 1,
        ..opts(cache.path())
    });
    let start = Instant::now();
    assert_eq!(f.fetch(&url).unwrap(), Fetched::Bytes(b"{}".to_vec()));
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.stop().len(), 2);
}

#[test]
fn a_broken_cache_folder_is_a_warning_not_a_failure() {
    let root = tempfile::tempdir().unwrap();
    let not_a_dir = root.path().join("cache");
    std::fs::write(&not_a_dir, "a file where the cache folder should be").unwrap();
    let server = TestServer::start(4, |_, _| Reply::ok("{}"));
    let f = fetcher(opts(&not_a_dir));
    for i in 0..3 {
        let url = server.url(&format!("/k{i}.json"));
        assert_eq!(f.fetch(&url).unwrap(), Fetched::Bytes(b"{}".to_vec()));
    }
    let warnings = f.take_warnings();
    // A read and a write failure per URL: kept to a few, each naming the folder.
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .all(|w| w.starts_with("schema cache not used") && w.contains("cache")),
        "{warnings:?}"
    );
    assert!(f.take_warnings().is_empty());
    assert_eq!(server.stop().len(), 3);
}

#[test]
fn a_server_that_stalls_mid_body_times_out() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(1, |_, _| Reply::Stall {
        declared: 1000,
        body: vec![b' '; 100],
        pause: Duration::from_secs(2),
    });
    let url = server.url("/stall.json");
    let f = fetcher(FetchOptions {
        timeout: Duration::from_millis(300),
        ..opts(cache.path())
    });
    let start = Instant::now();
    let err = f.fetch(&url).unwrap_err();
    // Well under the server's 2 s pause: the client gave up, the server did not close.
    assert!(
        start.elapsed() < Duration::from_millis(1800),
        "{:?}",
        start.elapsed()
    );
    assert!(err.message.contains("got 100 of 1000 bytes"), "{err}");
    assert!(err.message.contains("timed out"), "{err}");
    assert!(entries(cache.path()).is_empty());
}

#[test]
fn the_real_flux_asset_downloads_and_unpacks() {
    let Some(path) = super::tarball::shared_flux_asset() else {
        println!("SKIP: shared/{} not found", super::tarball::FLUX_ASSET);
        return;
    };
    let asset = std::fs::read(path).unwrap();
    let served = asset.clone();
    let server = TestServer::start(1, move |_, _| Reply::ok(served.clone()));
    let url = server.url("/fluxcd/flux2/releases/latest/download/crd-schemas.tar.gz");
    let cache = tempfile::tempdir().unwrap();
    let Fetched::Bytes(bytes) = fetcher(opts(cache.path())).fetch(&url).unwrap() else {
        panic!("expected bytes");
    };
    assert_eq!(bytes, asset);
    let map = read_schema_tarball(&bytes, &url).unwrap();
    let hr = find_entry(&map, "helmrelease-helm-v2.json").expect("HelmRelease v2 schema");
    let json: serde_json::Value = serde_json::from_slice(hr).unwrap();
    let spec = &json["properties"]["spec"]["properties"];
    assert!(
        spec["chart"].is_object() && spec["chartRef"].is_object(),
        "{spec}"
    );
    // Offline, the next run unpacks the cached copy.
    drop(server);
    let offline = fetcher(FetchOptions {
        offline: true,
        ..opts(cache.path())
    });
    assert_eq!(offline.fetch(&url).unwrap(), Fetched::Bytes(asset));
}
