//! Whole builds: the input is a small repository, files separated by lines `=== NAME` (the
//! first file is `kustomization.yaml` when no name is given). Every build ends in resources or
//! a located error, never a panic, a hang or a read outside the temporary repository.
#![no_main]

use fluxval::kustomize::{BuildOptions, build};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let mut name = String::from("kustomization.yaml");
    let mut body = String::new();
    let mut files = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(n) = line.strip_prefix("=== ") {
            files.push((std::mem::take(&mut name), std::mem::take(&mut body)));
            name = n.trim().to_string();
        } else {
            body.push_str(line);
        }
    }
    files.push((name, body));
    for (name, body) in files.iter().take(8) {
        // Plain names inside the repository only: the fuzzer must not write elsewhere.
        let ok = !name.is_empty()
            && name
                .split('/')
                .all(|p| !p.is_empty() && p != ".." && p != "." && !p.starts_with('.'));
        if !ok {
            continue;
        }
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, body);
    }
    if let Ok(b) = build(dir.path(), dir.path(), &BuildOptions::default()) {
        let _ = b.to_yaml();
    }
});
