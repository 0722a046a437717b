//! Strategic merge and JSON patches: the input is two YAML documents, a target and a patch.
//! The patch is applied as a JSON patch when it is one, else merged, for a built-in kind (list
//! merge keys) and a custom one (lists replaced).
#![no_main]

use fluxval::kustomize::{jsonpatch, smp};
use fluxval::resource::Gvk;
use fluxval::yaml::{Limits, Profile, emit_document, parse_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(docs) = parse_file(data, "fuzz.yaml", Profile::Kustomize, Limits::default()) else {
        return;
    };
    let [target, patch, ..] = docs.as_slice() else {
        return;
    };
    if target.as_map().is_none() {
        return;
    }
    if jsonpatch::looks_like_json_patch(patch) {
        if let Ok(ops) = jsonpatch::parse_ops(patch) {
            let mut t = target.clone();
            if jsonpatch::apply(&mut t, &ops).is_ok() {
                let _ = emit_document(&t);
            }
        }
        return;
    }
    for gvk in [
        Gvk::from_api_version("apps/v1", "Deployment"),
        Gvk::from_api_version("example.com/v1", "Widget"),
    ] {
        let mut t = target.clone();
        if let Ok(smp::MergeOutcome::Merged) = smp::merge(&mut t, patch, &gvk) {
            let _ = emit_document(&t);
        }
    }
});
