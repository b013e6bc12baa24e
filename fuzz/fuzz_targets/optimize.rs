#![no_main]
//! The whole optimize path: no panic, the output parses, and a second run changes nothing.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for unsafe_fixes in [false, true] {
        let settings = dockopt::Settings { unsafe_fixes, ..dockopt::Settings::default() };
        let Ok(out) = dockopt::optimize(text, &settings) else { continue };
        if !out.converged {
            continue;
        }
        dockopt::Document::parse(&out.output).expect("output parses");
        let again = dockopt::optimize(&out.output, &settings).expect("output optimizes");
        assert_eq!(again.output, out.output, "not idempotent");
        if out.applied.is_empty() {
            assert_eq!(out.output, text, "changed without a fix");
        }
    }
});
