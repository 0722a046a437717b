//! `cargo bench --bench validate`: schema-validating a stream of 3,000+ built resources in one
//! process, the way `fluxval kubeconform` and `fluxval validate` do, against the shared schemas.
//!
//! Prints the median of several runs for a cold registry (schemas compiled during the run) and a
//! warm one (compiled once, reused). When `kubeconform` is on PATH it is timed on the same
//! stream for a ratio; otherwise only fluxval's figures are printed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fluxval::resource::Resource;
use fluxval::schema::{LocalSource, Registry, RegistryOptions};
use fluxval::validate::{ValidateOptions, validate_all};
use fluxval::yaml::{Limits, Profile, parse_str};

fn stream(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        match i % 3 {
            0 => s.push_str(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: apps\ndata:\n  key: value-{i}\n---\n"
            )),
            1 => s.push_str(&format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: apps\n  labels:\n    app: web-{i}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web-{i}\n  template:\n    metadata:\n      labels:\n        app: web-{i}\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/example/web:1.{i}.0\n          ports:\n            - containerPort: 8080\n          resources:\n            limits:\n              memory: 128Mi\n---\n"
            )),
            _ => s.push_str(&format!(
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-{i}\n  namespace: apps\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: app\n      version: \"1.x\"\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  values:\n    replicaCount: {i}\n---\n"
            )),
        }
    }
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../shared"));
    let schemas = shared.join("schemas");
    if !schemas.is_dir() {
        println!(
            "SKIP: {} not found; validation not measured",
            schemas.display()
        );
        return;
    }
    let schemas = schemas.canonicalize().expect("schemas dir");
    let locations = vec![
        format!(
            "{}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
            schemas.display()
        ),
        format!(
            "{}/flux/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
            schemas.display()
        ),
    ];
    let n = 3000;
    let text = stream(n);
    let parse = || -> Vec<Resource> {
        parse_str(&text, "stream.yaml", Profile::Kubernetes, Limits::default())
            .expect("parses")
            .into_iter()
            .filter(|d| !d.is_null())
            .map(|d| {
                let span = d.span.clone().expect("span");
                Resource::new(d, span)
            })
            .collect()
    };
    let registry = || {
        Registry::new(
            RegistryOptions {
                locations: locations.clone(),
                kubernetes_version: "1.35.0".into(),
                ..RegistryOptions::default()
            },
            Arc::new(LocalSource),
        )
        .expect("registry")
    };
    let opts = ValidateOptions::default();
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    let shared_registry = registry();
    for _ in 0..9 {
        let t = Instant::now();
        let resources = parse();
        let r = registry();
        let diags = validate_all(&resources, None, &r, &opts).expect("validates");
        assert!(diags.is_empty(), "{diags:?}");
        cold.push(t.elapsed());
        let t = Instant::now();
        let resources = parse();
        let diags = validate_all(&resources, None, &shared_registry, &opts).expect("validates");
        assert!(diags.is_empty());
        warm.push(t.elapsed());
    }
    let (c, w) = (median(cold), median(warm));
    println!(
        "validate {n} resources (parse + validate, one process): cold {:.1} ms, warm {:.1} ms ({:.0} resources/s warm)",
        c.as_secs_f64() * 1e3,
        w.as_secs_f64() * 1e3,
        n as f64 / w.as_secs_f64()
    );
    let kubeconform = std::process::Command::new("kubeconform").arg("-v").output();
    if kubeconform.is_ok_and(|o| o.status.success()) {
        let dir = tempfile_dir();
        let file = dir.join("stream.yaml");
        std::fs::write(&file, &text).expect("write stream");
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let mut cmd = std::process::Command::new("kubeconform");
            cmd.arg("-strict").arg("-summary");
            for l in &locations {
                cmd.arg("-schema-location").arg(l);
            }
            cmd.arg("-kubernetes-version").arg("1.35.0").arg(&file);
            let _ = cmd.output();
            times.push(t.elapsed());
        }
        let k = median(times);
        println!(
            "kubeconform on the same stream: {:.1} ms; fluxval (cold) is {:.1}x faster",
            k.as_secs_f64() * 1e3,
            k.as_secs_f64() / c.as_secs_f64()
        );
    } else {
        println!("kubeconform not on PATH: no ratio measured");
    }
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("fluxval-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
