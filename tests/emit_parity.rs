//! Differential test of the emitter against `kubectl kustomize`: the same documents go through
//! kustomize and through our parser + emitter, and the bytes must match.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use fluxval::yaml::{Limits, Node, Profile, emit_document, emit_documents, parse_str};

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn kustomize(dir: &Path) -> String {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl kustomize {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A YAML double-quoted string that every parser reads the same way: everything outside
/// printable ASCII escaped (a raw U+2028 is a line break to libyaml-derived scanners).
fn dq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Strings that exercise each quoting, escaping, block and folding rule.
fn tricky_strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "plain",
        "yes",
        "Yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "~",
        "null",
        "Null",
        "true",
        "False",
        "0",
        "1",
        "-1",
        "+1",
        "0755",
        "08",
        "1_000",
        "0x1F",
        "0o17",
        "0b101",
        "1.5",
        ".5",
        "1e3",
        "1e400",
        "1.",
        "-.5",
        ".5_5",
        ".inf",
        "-.Inf",
        ".nan",
        ".NaN1",
        "1:20",
        "190:20:30",
        "1:60",
        "2001-12-14",
        "2001-1-2",
        "2001-12-14T21:59:43Z",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10",
        "2001-02-29",
        "2000-02-29",
        "2001-12-14T21:59:43",
        "0x1FFFFFFFFFFFFFFFFF",
        "18446744073709551616",
        "<<",
        "=",
        "*",
        "&a",
        "!t",
        "|",
        ">",
        "%",
        "@",
        "`",
        "{a}",
        "[a]",
        "#c",
        "? x",
        "?x",
        ": x",
        ":x",
        "- a",
        "-a",
        "-",
        "--",
        "---",
        "---x",
        "...",
        "...x",
        "a: b",
        "a:b",
        "a #b",
        "a#b",
        "a,b",
        "a]b",
        "'q'",
        "\"q\"",
        "it's",
        " lead",
        "trail ",
        " both ",
        "  ",
        "a  b",
        "a\tb",
        "\t",
        "a\tb\nc",
        "bell\u{7}",
        "esc\u{1b}",
        "nul\u{0}x",
        "c0\u{1}\u{1f}",
        "nel\u{85}x",
        "nbsp\u{a0}x",
        "cr\rx",
        "crlf\r\nx",
        "ls\u{2028}x",
        "ps\u{2029}",
        "bom\u{feff}x",
        "\u{feff}bom first",
        "priv\u{e000}",
        "é ü 中文 ñ",
        "emoji 😀 here",
        "ключ",
        "a\nb",
        "a\nb\n",
        "a\n\n",
        "a\n\n\n",
        "\n",
        "\n\n",
        "\nx",
        " lead\nx",
        "  lead\nb\n\n",
        "a\n b",
        "a\nb ",
        "a \nb",
        "a\n\tb",
        "a\n\n b",
        "x\n  y\n",
        "# not comment\nx",
        "key: v\n- item\n",
        "http://example.com/a?b=c&d=e#f",
        "C:\\path\\x",
        "50%",
        "@scope/pkg",
        "a\\nb",
        "`tick`",
        "[]",
        "{}",
        "null\n",
        "true\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";
    let long = format!("{words} {words} {words}");
    v.push(long.clone());
    v.push(format!("- {long}"));
    v.push(format!("\t{long}"));
    v.push(format!("{long}\n{long}\n"));
    v.push(format!("{long} \n{long}"));
    v.push(format!("{}  {}", "y".repeat(85), "z".repeat(10)));
    v.push(format!("\t{}  x", "y".repeat(85)));
    v.push(format!("{} end", "x".repeat(200)));
    v.push("x".repeat(300));
    v.push(format!("'{long}'"));
    v.push(format!("{long}    spaces   {long}"));
    v.push(format!("é{}", " é".repeat(60)));
    v.push(format!("😀{}", " 😀".repeat(40)));
    // Deterministic pseudo-random mixes of the troublesome pieces.
    let pieces = [
        "a",
        "b",
        " ",
        "  ",
        "\n",
        "\t",
        ":",
        "#",
        "'",
        "\"",
        "-",
        "?",
        ",",
        "é",
        "😀",
        "\u{2028}",
        "1",
        "0",
        ".",
        "\\",
        "yes",
        "word ",
        "\r",
        "\u{85}",
        "x".repeat(30).leak(),
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..400 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = 1 + (seed % 9) as usize;
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        v.push(s);
    }
    v
}

fn keys() -> Vec<String> {
    let mut k: Vec<String> = [
        "a", "A", "b", "_x", "1", "9", "10", "a1", "a01", "a001", "a9", "a10", "ab", "a-b", "a.b",
        "x10y", "x010y", "v100", "v20", "y", "n", "on", "yes", "null", "~", "1.5", "", " sp",
        "- a", "a: b", "#k", "é", "Éa", "zz", "k\tt", "😀", "ß", "ǅ", "\u{345}", "٣", "²", "Ⅷ",
        "a٣", "a3", "a²", "ʰ", "a٣0", "x0٣",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    k.push("k".repeat(128));
    k.push(format!("{} end", "word ".repeat(24)));
    k.push("k".repeat(129));
    k.push(format!("{} long key with spaces", "w ".repeat(70)));
    k.push("multi\nline".to_string());
    k.push("multi \nline needs quotes".to_string());
    k.push(format!("\t{}", "word ".repeat(30)));
    k.push(format!("'{}'", "quoted ".repeat(25)));
    k.push(format!("{}\n{}", "first ".repeat(20), "second ".repeat(20)));
    k.push("trailing\n".to_string());
    k
}

/// Writes `docs` as resources of one kustomize root and compares both outputs.
fn compare(docs: &[String], what: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut kustomization = String::from("resources:\n");
    let mut nodes: Vec<Node> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let name = format!("r{i:04}.yaml");
        std::fs::write(dir.path().join(&name), doc).expect("write resource");
        kustomization.push_str(&format!("- {name}\n"));
        nodes.extend(
            parse_str(doc, &name, Profile::Kustomize, Limits::default()).expect("our parse"),
        );
    }
    std::fs::write(dir.path().join("kustomization.yaml"), kustomization).expect("write");
    let want = kustomize(dir.path());
    if std::env::var_os("EMIT_PARITY_DUMP").is_some() {
        let _ = std::fs::write(
            std::env::temp_dir().join(format!("emit-parity-{}.yaml", what.replace(' ', "-"))),
            &want,
        );
    }
    let got = emit_documents(&nodes).expect("emit");
    assert_same(&want, &got, what);
}

fn assert_same(want: &str, got: &str, what: &str) {
    if want == got {
        return;
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let i = w.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let from = i.saturating_sub(6);
    panic!(
        "{what}: output differs from kubectl kustomize at line {}\n--- kubectl:\n{}\n--- ours:\n{}",
        i + 1,
        w[from..(i + 3).min(w.len())].join("\n"),
        g[from..(i + 3).min(g.len())].join("\n"),
    );
}

#[test]
fn configmaps_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let strings = tricky_strings();
    let keys = keys();
    let mut docs = Vec::new();
    // Values: a handful per ConfigMap, names padded so kustomize's name sort keeps our order.
    for (i, chunk) in strings.chunks(4).enumerate() {
        let mut d = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v{i:04}\ndata:\n");
        for (j, s) in chunk.iter().enumerate() {
            d.push_str(&format!("  k{j}: {}\n", dq(s)));
        }
        docs.push(d);
    }
    // Keys: all in one map, so their order is checked too.
    let mut d = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zkeys\ndata:\n");
    for (j, k) in keys.iter().enumerate() {
        d.push_str(&format!(
            "  {}: {}\n",
            dq(k),
            dq(&strings[j % strings.len()])
        ));
    }
    docs.push(d);
    compare(&docs, "configmaps");
}

#[test]
fn nested_objects_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let objects = [
        "spec:\n  list:\n  - a: 1\n    b: [x, y]\n  - - nested\n    - [deeper, {k: v}]\n  - []\n  - {}\n  - null\n  empty: {}\n  none: []\n  nil: null\n  t: true\n  f: false\n",
        "spec:\n  ints: [0, -1, 9223372036854775807, -9223372036854775808, 18446744073709551615, 0755, 0x1F, 0o17, 0b101, 1_000]\n",
        "spec:\n  floats: [1.0, -0.0, 1.5, 123456.5, 1234567.5, 1e20, 1e21, 1e-6, 1e-7, 0.0001, 1.2345678901234567e18, 9223372036854775808.0, -9223372036854775808.0, 2e19, 6.02e23, 1.7976931348623157e308, 5e-324, 08, .5, 3.14159265358979]\n",
        "spec:\n  stamps:\n  - 2001-12-14\n  - 2001-12-14T21:59:43.10-05:00\n  - 2001-12-14 21:59:43.10\n  words: [yes, no, on, off, y, n, ~]\n",
        "spec:\n  deep:\n    a:\n      b:\n        c:\n        - d:\n            e: |\n              multi\n              line\n          f: \"  lead\\n\"\n        - - - x\n",
        "spec:\n  ? |-\n    multi\n    line key\n  : - seq under complex key\n    - b\n  ? |\n    block key\n  : {a: 1, b: [1, 2]}\n  ? \"a very long key that goes on and on and on and on and on and on and on and on and on and on and on and on and on and on\"\n  : value\n",
        "spec:\n  containers:\n  - name: app\n    image: nginx:1.25\n    args: [\"--flag=1\", \"-v\", \"--\", \"*\"]\n    env:\n    - name: A\n      value: \"1\"\n    - name: B\n      valueFrom: {secretKeyRef: {name: s, key: k}}\n    ports:\n    - containerPort: 80\n      protocol: TCP\n",
    ];
    let docs: Vec<String> = objects
        .iter()
        .enumerate()
        .map(|(i, body)| {
            format!("apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t{i:02}\n{body}")
        })
        .collect();
    compare(&docs, "nested objects");
}

/// The read-only corpus of real repositories: beside the checkout (CI) or in the workspace.
fn corpus_dir() -> Option<std::path::PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|d| d.join("shared/corpus"))
        .chain([std::path::PathBuf::from("/work/shared/corpus")])
        .find(|d| d.is_dir())
}

fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && p.file_name().is_some_and(|n| n != "kustomization.yaml")
        {
            out.push(p);
        }
    }
}

/// The identity kustomize refuses to see twice in one build.
fn resource_id(doc: &Node) -> Option<String> {
    let kind = doc.str_at(&["kind"])?;
    let name = doc.str_at(&["metadata", "name"])?;
    let api = doc.str_at(&["apiVersion"]).unwrap_or("");
    let ns = doc.str_at(&["metadata", "namespace"]).unwrap_or("");
    Some(format!("{api}|{kind}|{ns}|{name}"))
}

/// kubectl's documents, split at the `---` lines (block content is always indented, so a line
/// that is exactly `---` separates documents).
fn split_documents(out: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in out.split_inclusive('\n') {
        if line == "---\n" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs.retain(|d| !d.is_empty());
    docs
}

/// Builds `files` as one kustomize root; `None` when kustomize refuses them.
fn build_files(files: &[(std::path::PathBuf, Vec<Node>)]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut kustomization = String::from("resources:\n");
    for (i, (path, _)) in files.iter().enumerate() {
        let name = format!("f{i:03}.yaml");
        std::fs::copy(path, dir.path().join(&name)).expect("copy");
        kustomization.push_str(&format!("- {name}\n"));
    }
    std::fs::write(dir.path().join("kustomization.yaml"), kustomization).expect("write");
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .expect("run kubectl");
    out.status
        .success()
        .then(|| split_documents(&String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn corpus_resources_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let Some(corpus) = corpus_dir() else {
        println!("SKIP: corpus not found");
        return;
    };
    let mut paths = Vec::new();
    yaml_files(&corpus, &mut paths);
    // Group the resource files into builds without duplicate ids (overlays repeat names).
    let mut batches: Vec<(std::collections::HashSet<String>, Vec<_>)> = Vec::new();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let display = path.display().to_string();
        let Ok(docs) = parse_str(&text, &display, Profile::Kustomize, Limits::default()) else {
            continue;
        };
        let docs: Vec<Node> = docs.into_iter().filter(|d| !d.is_null()).collect();
        let Some(ids) = docs.iter().map(resource_id).collect::<Option<Vec<_>>>() else {
            continue;
        };
        if docs.is_empty() {
            continue;
        }
        let slot = batches
            .iter()
            .position(|(seen, _)| ids.iter().all(|id| !seen.contains(id)));
        let i = slot.unwrap_or_else(|| {
            batches.push(Default::default());
            batches.len() - 1
        });
        batches[i].0.extend(ids);
        batches[i].1.push((path, docs));
    }
    let mut compared = 0;
    for (_, files) in &batches {
        // A file kustomize refuses (not a resource after all) spoils its batch: retry one by one.
        let groups: Vec<&[(std::path::PathBuf, Vec<Node>)]> = if build_files(files).is_some() {
            vec![files.as_slice()]
        } else {
            files.chunks(1).collect()
        };
        for group in groups {
            let Some(mut want) = build_files(group) else {
                continue;
            };
            let mut got: Vec<String> = group
                .iter()
                .flat_map(|(_, docs)| docs.iter())
                .map(|d| emit_document(d).expect("emit"))
                .collect();
            want.sort();
            got.sort();
            for doc in &got {
                assert!(
                    want.contains(doc),
                    "not in kubectl's output for {:?}:\n{doc}\n--- kubectl printed:\n{}",
                    group.iter().map(|(p, _)| p).collect::<Vec<_>>(),
                    want.join("---\n")
                );
            }
            assert_eq!(want.len(), got.len(), "document count");
            compared += got.len();
        }
    }
    println!("compared {compared} corpus documents");
    assert!(compared > 0, "no corpus document was compared");
}

/// One value per Thing so both sides see the same failure.
fn fails_in_kubectl(value_yaml: &str) -> bool {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = format!(
        "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  v: {value_yaml}\n"
    );
    std::fs::write(dir.path().join("r.yaml"), &doc).expect("write");
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- r.yaml\n",
    )
    .expect("write");
    let theirs = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .expect("run kubectl");
    let nodes = parse_str(&doc, "r.yaml", Profile::Kustomize, Limits::default()).expect("parse");
    let ours = emit_documents(&nodes);
    assert_eq!(
        !theirs.status.success(),
        ours.is_err(),
        "{value_yaml}: kubectl {} but we {:?}",
        String::from_utf8_lossy(&theirs.stderr),
        ours
    );
    ours.is_err()
}

#[test]
fn failures_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    for bad in [
        ".nan",
        "-.inf",
        "\"del\\x7F\"",
        "\"c1\\x80\"",
        "\"\\uFFFE\"",
        "\"a\\N--- b\"",
    ] {
        assert!(fails_in_kubectl(bad), "{bad} should fail");
    }
    for fine in ["\"a\\N---b\"", "\"\\N\"", "\"\\0\"", "\"\\uFEFF\""] {
        assert!(!fails_in_kubectl(fine), "{fine} should print");
    }
}

#[test]
fn numbers_and_deep_strings_match_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Floats from random bit patterns and random magnitudes, written as shortest round-trip text.
    let mut floats = String::from("spec:\n  floats:\n");
    let mut ints = String::from("spec:\n  ints:\n");
    for i in 0..300 {
        let f = if i % 2 == 0 {
            f64::from_bits(next())
        } else {
            let mantissa = (next() % 1_000_000) as f64 / 1000.0;
            mantissa * 10f64.powi((next() % 50) as i32 - 25)
        };
        if f.is_finite() {
            floats.push_str(&format!("  - {f:e}\n"));
        }
        let n = next();
        let int = match i % 3 {
            0 => (n as i64).to_string(),
            1 => n.to_string(),
            _ => ((n % 100_000) as i64 - 50_000).to_string(),
        };
        ints.push_str(&format!("  - {int}\n"));
    }
    // Every tricky string at a different depth, so folding starts from different indents.
    let mut deep = String::from("spec:\n");
    for (i, s) in tricky_strings().iter().enumerate() {
        let depth = i % 6;
        let mut indent = String::from("  ");
        deep.push_str(&format!("{indent}s{i:03}:\n"));
        for d in 0..depth {
            if d % 2 == 0 {
                deep.push_str(&format!("{indent}- x{d}:\n"));
                indent.push_str("    ");
            } else {
                deep.push_str(&format!("{indent}  y{d}:\n"));
                indent.push_str("  ");
            }
        }
        deep.push_str(&format!("{indent}  - {}\n", dq(s)));
    }
    let docs: Vec<String> = [floats, ints, deep]
        .iter()
        .enumerate()
        .map(|(i, body)| {
            format!("apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: n{i}\n{body}")
        })
        .collect();
    compare(&docs, "numbers and deep strings");
}
