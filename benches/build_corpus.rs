//! `cargo bench`: how long fluxval takes to build every kustomize root of the shared corpus and
//! of the example repository, in one process, sequentially and in parallel.
//!
//! A plain timing loop (no harness): it reports the median of several runs. The corpus lives in
//! `../shared/corpus` (or `$FLUXVAL_SHARED/corpus`); without it only the example is measured.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fluxval::kustomize::{BuildOptions, build, build_all};

fn roots(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() && !e.file_name().to_string_lossy().starts_with('.') {
                stack.push(p);
            } else if e.file_name() == "kustomization.yaml" {
                out.push(d.clone());
            }
        }
    }
    out.sort();
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn measure(name: &str, repos: &[(PathBuf, Vec<PathBuf>)]) {
    let opts = BuildOptions::default();
    let n: usize = repos.iter().map(|(_, r)| r.len()).sum();
    let runs = 15;
    let mut seq = Vec::new();
    let mut par = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        for (repo, rs) in repos {
            for r in rs {
                let b = build(r, repo, &opts).and_then(|b| b.to_yaml());
                std::hint::black_box(b.ok());
            }
        }
        seq.push(t.elapsed());
        let t = Instant::now();
        for (repo, rs) in repos {
            let out = build_all(rs, repo, &opts);
            std::hint::black_box(out.ok());
        }
        par.push(t.elapsed());
    }
    let seq = median(seq).as_secs_f64() * 1e3;
    println!(
        "{name}: {n} roots: sequential median {seq:.1} ms ({:.2} ms/root), parallel with shared bases {:.1} ms",
        seq / n.max(1) as f64,
        median(par).as_secs_f64() * 1e3,
    );
}

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = manifest.join("examples/d1-apps");
    measure("example d1-apps", &[(example.clone(), roots(&example))]);
    let shared = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../shared"));
    let corpus = shared.join("corpus");
    if !corpus.is_dir() {
        println!("SKIP: {} not found; corpus not measured", corpus.display());
        return;
    }
    let mut repos = Vec::new();
    for e in std::fs::read_dir(&corpus).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            repos.push((e.path(), roots(&e.path())));
        }
    }
    repos.sort();
    measure("shared corpus", &repos);
}
