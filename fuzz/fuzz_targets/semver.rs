//! Masterminds semver: versions and constraints parse or fail cleanly, and a version that
//! parses can be checked against any constraint that parses.
#![no_main]

use fluxval::checks::semver::{Constraints, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (c, v) = text.split_once('\n').unwrap_or((text, "1.2.3"));
    let parsed = Constraints::parse(c);
    if let (Ok(c), Ok(v)) = (parsed, Version::parse(v)) {
        let _ = c.check(&v);
    }
    let _ = Version::parse_strict(text);
});
