//! `fluxval validate` on one repository that holds every hostile input a pull request can
//! carry at once: each is reported naming its file, the run ends with exit 1 (findings, not a
//! crash), nothing outside the repository is read or printed, and memory stays bounded.
//!
//! No timing is asserted (that belongs in benchmarks); a run that hangs is killed by the guard
//! below and fails the test, which is the point of the guard.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn kustomization(dir: &Path, root: &str, resources: &[&str]) {
    let mut k = String::from("resources:\n");
    for r in resources {
        k.push_str(&format!("- {r}\n"));
    }
    write(dir, &format!("{root}/kustomization.yaml"), k.as_bytes());
}

fn alias_bomb() -> String {
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        s.push_str(&format!(
            "  a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    s
}

#[test]
fn a_repository_of_hostile_inputs_fails_cleanly_naming_each_file() {
    let outer = tempfile::tempdir().unwrap();
    // A secret beside the repository: never read, never printed.
    write(
        outer.path(),
        "secret.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: TOPSECRET-NAME\nstringData:\n  token: TOPSECRET-VALUE\n",
    );
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let r = repo.as_path();

    kustomization(r, "bomb", &["bomb.yaml"]);
    write(r, "bomb/bomb.yaml", alias_bomb().as_bytes());

    kustomization(r, "deep", &["deep.yaml"]);
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    write(r, "deep/deep.yaml", deep.as_bytes());

    kustomization(r, "utf8", &["bad.yaml"]);
    write(
        r,
        "utf8/bad.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n",
    );

    kustomization(r, "binary", &["elf.yaml"]);
    write(
        r,
        "binary/elf.yaml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00binary\x00",
    );

    kustomization(r, "huge", &["huge.yaml"]);
    let huge = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: {}\n",
        "x".repeat(8 * 1024 * 1024)
    );
    write(r, "huge/huge.yaml", huge.as_bytes());

    kustomization(r, "tabs", &["tabs.yaml"]);
    write(
        r,
        "tabs/tabs.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabs\n",
    );

    kustomization(r, "escape", &["../../secret.yaml"]);
    kustomization(
        r,
        "absolute",
        &[&outer.path().join("secret.yaml").display().to_string()],
    );
    kustomization(
        r,
        "remote",
        &["https://github.com/example/app//deploy?ref=v1"],
    );
    kustomization(r, "cycle-a", &["../cycle-b"]);
    kustomization(r, "cycle-b", &["../cycle-a"]);
    write(r, "empty/kustomization.yaml", b"");
    write(r, "scalar/kustomization.yaml", b"just a string\n");

    #[cfg(unix)]
    {
        std::fs::create_dir_all(r.join("loop")).unwrap();
        std::os::unix::fs::symlink("..", r.join("loop/up")).unwrap();
        std::os::unix::fs::symlink("self", r.join("loop/self")).unwrap();
    }

    // Address space capped at 2 GiB: an unbounded allocation fails the run instead of the
    // machine.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 2>/dev/null; exec \"$0\" validate --offline --no-config --color never .")
        .arg(env!("CARGO_BIN_EXE_fluxval"))
        .current_dir(r)
        .env("XDG_CACHE_HOME", outer.path().join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fluxval runs");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("fluxval validate did not finish: a hang");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let all = format!("{out}\n{err}");

    assert_eq!(status.code(), Some(1), "exit code; output:\n{all}");
    assert!(!all.contains("panicked"), "panicked:\n{all}");
    assert!(
        !all.contains("TOPSECRET"),
        "the secret beside the repo leaked:\n{all}"
    );
    for file in [
        "bomb/bomb.yaml",
        "deep/deep.yaml",
        "utf8/bad.yaml",
        "binary/elf.yaml",
        "tabs/tabs.yaml",
        "escape/kustomization.yaml",
        "absolute/kustomization.yaml",
        "remote/kustomization.yaml",
        "empty/kustomization.yaml",
        "scalar/kustomization.yaml",
    ] {
        assert!(all.contains(file), "no finding names {file}:\n{all}");
    }
    assert!(
        all.contains("cycle"),
        "the kustomization cycle is not reported:\n{all}"
    );
}
