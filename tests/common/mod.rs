//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared reference folder: `$FLUXVAL_SHARED`, else `<repo>/../shared`.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("FLUXVAL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.is_dir().then_some(dir)
}

/// Whether `kubectl kustomize` can be run.
pub fn have_kubectl() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every directory under `dir` holding a kustomization file, sorted.
pub fn kustomize_roots(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let ft = e.file_type().expect("file type");
            if ft.is_dir() && !e.file_name().to_string_lossy().starts_with('.') {
                stack.push(p);
            } else if ft.is_file()
                && ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                    .contains(&e.file_name().to_string_lossy().as_ref())
            {
                out.push(d.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `kubectl kustomize DIR --load-restrictor R`: Ok(stdout) or Err(stderr).
pub fn kubectl_build(dir: &Path, restrictor: &str) -> Result<String, String> {
    let out = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", restrictor])
        .arg(dir)
        .output()
        .expect("run kubectl");
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).expect("utf-8 output"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Our build of `dir` inside `repo`: Ok(yaml) or Err(error line).
pub fn fluxval_build(dir: &Path, repo: &Path, restrictor: &str) -> Result<String, String> {
    let options = fluxval::kustomize::BuildOptions {
        load_restrictor: fluxval::kustomize::LoadRestrictor::parse(restrictor).expect("restrictor"),
    };
    fluxval::kustomize::build(dir, repo, &options)
        .and_then(|b| b.to_yaml())
        .map_err(|e| e.to_string())
}

/// A line-oriented diff summary for assertion messages.
pub fn first_difference(a: &str, b: &str) -> String {
    for (i, (la, lb)) in a.lines().zip(b.lines()).enumerate() {
        if la != lb {
            return format!("line {}:\n  kubectl: {la:?}\n  fluxval: {lb:?}", i + 1);
        }
    }
    format!(
        "lengths differ: kubectl {} lines, fluxval {} lines",
        a.lines().count(),
        b.lines().count()
    )
}

/// A registry of the shared reference schemas, offline: Kubernetes v1.35.0 (strict) and the
/// current Flux schemas, plus the removed Flux versions when `legacy` is set.
pub fn local_registry(shared: &Path, legacy: bool) -> fluxval::schema::Registry {
    let s = shared.join("schemas");
    let t = "{{ .ResourceKind }}{{ .KindSuffix }}.json";
    let mut locations = vec![
        format!(
            "{}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/{t}",
            s.display()
        ),
        format!("{}/flux/{t}", s.display()),
    ];
    if legacy {
        locations.push(format!("{}/flux-legacy/{t}", s.display()));
    }
    fluxval::schema::Registry::new(
        fluxval::schema::RegistryOptions {
            locations,
            kubernetes_version: "1.35.0".into(),
            strict: true,
            exact_kubeconform: false,
        },
        std::sync::Arc::new(fluxval::schema::LocalSource),
    )
    .expect("registry of the shared schemas")
}

/// Whether `program --version` runs.
pub fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs git in `dir` with a fixed identity, no signing and `main` as the first branch, so the
/// tests behave the same on any machine; panics with git's message when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=fluxval",
            "-c",
            "user.email=fluxval@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `text` to `dir/file`, creating the directories on the way.
pub fn write(dir: &Path, file: &str, text: &str) {
    let p = dir.join(file);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The URL fluxval's default schema location gives a core ConfigMap.
pub const CONFIGMAP_URL: &str = "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/master-standalone-strict/configmap-v1.json";

/// A small strict ConfigMap schema (string data values only), to seed a schema cache with so a
/// test needs no network.
pub const CONFIGMAP_SCHEMA: &str = r#"{"type": "object", "required": ["apiVersion", "kind", "metadata"],
 "additionalProperties": false,
 "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
  "metadata": {"type": "object"},
  "data": {"type": "object", "additionalProperties": {"type": "string"}}}}"#;

/// Copies the directory tree `from` to `to` (created as needed).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
