//! Loading a kustomization file: any bytes give a kustomization or a located error.
#![no_main]

use fluxval::kustomize::kustomization::Kustomization;
use fluxval::yaml::{Limits, Profile, parse_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(docs) = parse_file(data, "kustomization.yaml", Profile::Kustomize, Limits::default())
    else {
        return;
    };
    for doc in docs {
        let _ = Kustomization::from_node(doc, "kustomization.yaml");
    }
});
