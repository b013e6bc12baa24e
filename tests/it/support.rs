use std::path::PathBuf;

use dockopt::{Document, Outcome, Settings, optimize};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/` beside the repository.
pub fn shared() -> PathBuf {
    repo().join("..").join("shared")
}

/// Runs the optimizer and checks the promises every output keeps: it parses, and a second
/// run changes nothing.
pub fn optimize_checked(text: &str, settings: &Settings) -> Outcome {
    let out = optimize(text, settings).unwrap_or_else(|e| panic!("optimize failed: {e}\n{text}"));
    Document::parse(&out.output)
        .unwrap_or_else(|e| panic!("output does not parse: {e}\n{}", out.output));
    let again = optimize(&out.output, settings).expect("second run");
    assert_eq!(again.output, out.output, "not idempotent:\n{}", out.output);
    if out.applied.is_empty() {
        assert_eq!(out.output, text, "changed without an applied fix");
    }
    out
}

/// `settings.ignore` etc. for one pass only.
pub fn only(pass: &str, unsafe_fixes: bool, cache_mounts: bool) -> Settings {
    Settings {
        unsafe_fixes,
        cache_mounts,
        select: Some(vec![
            dockopt::passes::PassId::parse(pass).expect("a registered pass"),
        ]),
        ..Settings::default()
    }
}
