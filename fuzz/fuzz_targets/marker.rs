//! Image-policy markers: any comment text, and any file scanned line by line for them.
#![no_main]

use fluxval::checks::markers::{parse_marker, scan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_marker(text);
    let _ = scan(text);
});
