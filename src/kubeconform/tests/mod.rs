//! kubeconform's documented behaviour (its acceptance tests and output code) against a fake
//! validator: kinds listed in `KNOWN` are valid, `Bad` is invalid, `Boom` fails, others have no
//! schema.

use std::fs;
use std::path::Path;
use std::sync::Mutex;

use super::*;

mod adapter;
mod inputs;
mod outputs;

const KNOWN: &[&str] = &[
    "ReplicationController",
    "Service",
    "Deployment",
    "ConfigMap",
    "Job",
];

const SCHEMA: &str = "https://example.test/master-standalone/bad-v1.json";

struct Fake {
    seen: Mutex<Vec<(String, String, u32)>>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl DocValidator for Fake {
    fn validate(&self, doc: &Document) -> Outcome {
        let line = doc
            .node
            .get_path(&["kind"])
            .and_then(|n| n.span.as_ref())
            .map_or(0, |s| s.line);
        if let Ok(mut seen) = self.seen.lock() {
            seen.push((doc.kind.clone(), doc.name.clone(), line));
        }
        match doc.kind.as_str() {
            k if KNOWN.contains(&k) => Outcome::Valid,
            "Bad" => Outcome::Invalid {
                schema: SCHEMA.to_string(),
                errors: vec![ValidationError::new(
                    "/spec/replicas",
                    "got string, want null or integer",
                )],
            },
            "Boom" => Outcome::Error("Get \"https://x\": connection refused".to_string()),
            _ => Outcome::NotFound,
        }
    }
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run_args(dir: &Path, args: &[&str], stdin: &str, fake: &Fake) -> Run {
    let d = dir.to_string_lossy().into_owned();
    let args: Vec<String> = args.iter().map(|a| a.replace("DIR", &d)).collect();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = run(&args, &mut stdin.as_bytes(), &mut out, &mut err, fake);
    Run {
        code,
        out: String::from_utf8_lossy(&out).replace(&d, "DIR"),
        err: String::from_utf8_lossy(&err).replace(&d, "DIR"),
    }
}

fn kc(dir: &Path, args: &[&str]) -> Run {
    run_args(dir, args, "", &Fake::new())
}

const VALID: &str =
    "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: bob\nspec:\n  replicas: 2\n";

const MULTI: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: c\n  namespace: prod\n";

fn fixtures() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let p = t.path();
    let w = |name: &str, text: &str| {
        let path = p.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, text).expect("write");
    };
    w("valid.yaml", VALID);
    w("multi.yaml", MULTI);
    w("blank.yaml", "");
    w("comment.yaml", "# nothing here\n");
    w(
        "invalid.yaml",
        "apiVersion: v1\nkind: Bad\nmetadata:\n  name: x\nspec:\n  replicas: \"2\"\n",
    );
    w(
        "crd.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
    );
    w(
        "missing_kind.yaml",
        "apiVersion: v1\nmetadata:\n  name: k\n",
    );
    w(
        "missing_version.yaml",
        "kind: Service\nmetadata:\n  name: s\n",
    );
    w(
        "generate_name.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\n",
    );
    w(
        "dup.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: d\nspec:\n  type: A\n  type: B\n",
    );
    w(
        "list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: one\n- apiVersion: v1\n  kind: Bad\n  metadata:\n    name: two\n",
    );
    w("list_empty.yaml", "apiVersion: v1\nkind: List\nitems: []\n");
    w(
        "folder/a.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n",
    );
    w(
        "folder/sub/b.json",
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"j\"}\n}\n",
    );
    w("folder/notes.txt", "kind: Bad\n");
    w(
        "folder/Chart.YML",
        "apiVersion: v1\nkind: Job\nmetadata:\n  name: upper\n",
    );
    t
}

fn summary(n: usize, files: usize, v: usize, i: usize, e: usize, s: usize) -> String {
    let rs = if n > 1 { "s" } else { "" };
    let fs = if files > 1 { "s" } else { "" };
    format!(
        "Summary: {n} resource{rs} found in {files} file{fs} - Valid: {v}, Invalid: {i}, Errors: {e}, Skipped: {s}\n"
    )
}
