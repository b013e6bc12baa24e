#![no_main]
//! The Dockerfile model must never panic, whatever the text.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(doc) = dockopt::Document::parse(text) {
            for ins in &doc.instructions {
                // Every span must slice the text at char boundaries.
                let _ = doc.slice(&ins.span);
                let _ = doc.line_of(ins.span.start);
            }
        }
    }
});
