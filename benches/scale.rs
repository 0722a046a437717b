//! `cargo bench --bench scale`: whole-repository validation of generated d1-layout repositories
//! (about 1,000 and 10,000 built resources; 100,000 with `FLUXVAL_BENCH_LARGE=1`), to show time
//! growing linearly with the repository, and a ~90-root repository timed against `kubectl
//! kustomize` per root (the first half of the `kustomize build | kubeconform` pipeline; the
//! validator is added when `kubeconform` is on PATH).
//!
//! `cargo bench --bench scale -- --generate DIR RESOURCES` only writes a repository (the
//! `bench/run.sh` script uses it to time the release binary and record peak memory).

#[path = "support/d1gen.rs"]
mod d1gen;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fluxval::pipeline::{Config, run};
use fluxval::schema::{LocalSource, Registry, RegistryOptions};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn registry(schemas: &Path) -> Registry {
    let t = "{{ .ResourceKind }}{{ .KindSuffix }}.json";
    Registry::new(
        RegistryOptions {
            locations: vec![
                format!(
                    "{}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/{t}",
                    schemas.display()
                ),
                format!("{}/flux/{t}", schemas.display()),
            ],
            kubernetes_version: "1.35.0".into(),
            strict: true,
            exact_kubeconform: false,
        },
        Arc::new(LocalSource),
    )
    .expect("registry")
}

/// Peak resident memory of this process so far, from /proc (Linux), in MiB.
fn peak_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn validate(repo: &Path, reg: &Registry) -> (Duration, usize, usize, usize) {
    let config = Config {
        paths: vec![repo.to_path_buf()],
        ..Config::default()
    };
    let t = Instant::now();
    let out = run(&config, reg).expect("runs");
    let errors = out
        .diagnostics
        .iter()
        .filter(|d| d.severity == fluxval::diagnostic::Severity::Error)
        .count();
    (t.elapsed(), out.totals.resources, out.totals.roots, errors)
}

fn on_path(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `kubectl kustomize ROOT | kubeconform …` for every top-level root, one after another, as CI
/// scripts do.
fn per_root_pipeline(repo: &Path, schemas: &Path, kubeconform: bool) -> Duration {
    let mut roots: Vec<PathBuf> = std::fs::read_dir(repo.join("components"))
        .expect("components")
        .flat_map(|ns| {
            let ns = ns.expect("entry").path();
            ["staging", "production"].map(|e| ns.join(e))
        })
        .collect();
    roots.push(repo.join("update"));
    let t = Instant::now();
    for root in &roots {
        let built = Command::new("kubectl")
            .arg("kustomize")
            .arg(root)
            .output()
            .expect("kubectl runs");
        assert!(
            built.status.success(),
            "kubectl kustomize {}",
            root.display()
        );
        if kubeconform {
            let mut child = Command::new("kubeconform")
                .args(["-strict", "-ignore-missing-schemas", "-kubernetes-version", "1.35.0"])
                .arg("-schema-location")
                .arg(format!(
                    "{}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
                    schemas.display()
                ))
                .arg("-schema-location")
                .arg(format!(
                    "{}/flux/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
                    schemas.display()
                ))
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .expect("kubeconform runs");
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(&built.stdout)
                .expect("pipe");
            child.wait().expect("kubeconform exits");
        }
    }
    t.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        let dir = PathBuf::from(args.get(i + 1).expect("--generate DIR RESOURCES"));
        let resources: usize = args
            .get(i + 2)
            .and_then(|n| n.parse().ok())
            .expect("--generate DIR RESOURCES");
        let n = d1gen::namespaces_for(resources);
        d1gen::generate(&dir, n).expect("writes the repository");
        println!(
            "{}: {n} namespaces, {} roots, {} resources",
            dir.display(),
            2 * n + 1,
            n * d1gen::RESOURCES_PER_NAMESPACE
        );
        return;
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../shared"));
    let Ok(schemas) = shared.join("schemas").canonicalize() else {
        println!("SKIP: {}/schemas not found", shared.display());
        return;
    };
    let mut sizes = vec![1_000, 10_000];
    if std::env::var_os("FLUXVAL_BENCH_LARGE").is_some() {
        sizes.push(100_000);
    }
    println!("| resources | roots | median | per resource | errors |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for size in sizes {
        let tmp = tempfile::tempdir().expect("tempdir");
        d1gen::generate(tmp.path(), d1gen::namespaces_for(size)).expect("generate");
        let reg = registry(&schemas);
        let runs = if size >= 100_000 { 1 } else { 5 };
        let mut times = Vec::new();
        let mut shape = (0, 0, 0);
        for _ in 0..runs {
            let (t, resources, roots, errors) = validate(tmp.path(), &reg);
            times.push(t);
            shape = (resources, roots, errors);
        }
        let m = median(times);
        println!(
            "| {} | {} | {:.1} ms | {:.1} µs | {} |",
            shape.0,
            shape.1,
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() * 1e6 / shape.0.max(1) as f64,
            shape.2
        );
    }
    if let Some(p) = peak_mib() {
        println!("peak RSS of this benchmark process: {p:.0} MiB");
    }

    // The 50x target: ~90 roots, fluxval in one process against a process pair per root.
    let tmp = tempfile::tempdir().expect("tempdir");
    d1gen::generate(tmp.path(), 45).expect("generate");
    let reg = registry(&schemas);
    let ours = median((0..5).map(|_| validate(tmp.path(), &reg).0).collect());
    if !on_path("kubectl", "version") && !on_path("kubectl", "--help") {
        println!("SKIP: kubectl not found; per-root pipeline not measured");
        return;
    }
    let kubeconform = on_path("kubeconform", "-v");
    let theirs = per_root_pipeline(tmp.path(), &schemas, kubeconform);
    println!(
        "91 roots: fluxval {:.1} ms, kubectl kustomize per root{} {:.2} s: {:.0}x",
        ours.as_secs_f64() * 1e3,
        if kubeconform {
            " | kubeconform"
        } else {
            " (kubeconform not installed: build only)"
        },
        theirs.as_secs_f64(),
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}
