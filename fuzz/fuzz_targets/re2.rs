//! Go RE2 syntax: any pattern is accepted with its groups or rejected with an offset inside
//! it; templates of `extract` never panic either.
#![no_main]

use fluxval::checks::re2;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, template) = text.split_once('\n').unwrap_or((text, "$1"));
    if let Err(e) = re2::parse(pattern) {
        let _ = e.to_string();
    }
    let _ = re2::template_refs(template);
});
