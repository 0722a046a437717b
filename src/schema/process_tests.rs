//! Tests that need separate processes: a cache shared by two runs, and proxy variables read
//! from the environment (which a test must not change in its own process). The parent test
//! re-runs this test binary on one `#[ignore]`d child test with the variables it needs; a
//! child does nothing when run without them. Every address involved is on 127.0.0.1.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::http_tests::{entries, fetcher, opts};
use super::test_server::{Reply, TestServer};
use super::*;

const CHILD_URLS: &str = "FLUXVAL_TEST_CHILD_URLS";
const CHILD_CACHE: &str = "FLUXVAL_TEST_CHILD_CACHE";
const CHILD_EXPECT: &str = "FLUXVAL_TEST_CHILD_EXPECT";

/// Every proxy variable curl, Go and reqwest read, in both cases.
const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Starts this test binary on the child test `name` with `vars` set and every proxy variable
/// not in `vars` removed.
fn spawn_child(name: &str, vars: &[(&str, String)]) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        "--exact",
        &format!("schema::process_tests::{name}"),
        "--ignored",
        "--test-threads=1",
    ]);
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child test")
}

fn assert_child_passed(out: Output) {
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "child ran no test: {text}");
}

fn body_for(url: &str) -> Vec<u8> {
    let path = &url[url.rfind('/').unwrap_or(0)..];
    format!("{{\"t\":\"{path}\"}}").into_bytes()
}

#[test]
#[ignore = "child of two_processes_share_one_cache"]
fn child_fetches_into_shared_cache() {
    let (Some(urls), Some(dir)) = (std::env::var_os(CHILD_URLS), std::env::var_os(CHILD_CACHE))
    else {
        return;
    };
    let f = fetcher(opts(Path::new(&dir)));
    for u in urls.to_string_lossy().split(' ') {
        assert_eq!(f.fetch(u).unwrap(), Fetched::Bytes(body_for(u)), "{u}");
    }
}

#[test]
fn two_processes_share_one_cache() {
    let cache = tempfile::tempdir().unwrap();
    let server = TestServer::start(30, |target, _| Reply::ok(body_for(target)));
    let urls: Vec<String> = (0..6).map(|i| server.url(&format!("/p{i}.json"))).collect();
    let vars = [
        (CHILD_URLS, urls.join(" ")),
        (CHILD_CACHE, cache.path().to_string_lossy().into_owned()),
    ];
    let children: Vec<_> = (0..2)
        .map(|_| spawn_child("child_fetches_into_shared_cache", &vars))
        .collect();
    for child in children {
        assert_child_passed(child.wait_with_output().unwrap());
    }
    let mut want: Vec<String> = urls.iter().map(|u| cache_key(u)).collect();
    want.sort();
    assert_eq!(
        entries(cache.path()),
        want,
        "one file per URL, no temporaries"
    );
    for u in &urls {
        let cached = DiskCache::new(cache.path()).get(u).unwrap().unwrap();
        assert_eq!(cached, body_for(u));
    }
    assert!(server.stop().len() >= 6);
}

#[test]
#[ignore = "child of proxy_variables_are_honoured"]
fn child_fetches_with_env_proxy() {
    let (Some(url), Some(expect)) = (std::env::var_os(CHILD_URLS), std::env::var_os(CHILD_EXPECT))
    else {
        return;
    };
    let url = url.to_string_lossy();
    let cache = tempfile::tempdir().unwrap();
    let f = fetcher(FetchOptions {
        proxy: ProxyMode::Env,
        ..opts(cache.path())
    });
    let got = f.fetch(&url);
    if expect == "proxied" {
        assert_eq!(got.unwrap(), Fetched::Bytes(b"via proxy".to_vec()));
    } else {
        // NO_PROXY sent it straight to a closed port.
        let err = got.unwrap_err();
        assert!(err.message.starts_with("cannot download"), "{err}");
    }
}

#[test]
fn proxy_variables_are_honoured() {
    let proxy = TestServer::start(2, |_, _| Reply::ok("via proxy"));
    // Port 9 on loopback is closed: only the proxy can answer for it.
    let url = "http://127.0.0.1:9/env.json".to_string();
    let run = |vars: &[(&str, String)]| {
        assert_child_passed(
            spawn_child("child_fetches_with_env_proxy", vars)
                .wait_with_output()
                .unwrap(),
        )
    };
    run(&[
        (CHILD_URLS, url.clone()),
        (CHILD_EXPECT, "proxied".into()),
        ("HTTP_PROXY", proxy.url("")),
    ]);
    run(&[
        (CHILD_URLS, url.clone()),
        (CHILD_EXPECT, "direct".into()),
        ("HTTP_PROXY", proxy.url("")),
        ("NO_PROXY", "127.0.0.1".into()),
    ]);
    assert_eq!(proxy.stop(), [url]);
}
