use std::path::PathBuf;

use dockopt::{Document, Outcome, Settings, optimize};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/` beside the repository, where the corpus and BuildKit's conformance cases live.
/// A fresh clone without it skips the tests that need it, saying so; CI (`CI` set) has it, and
/// there its absence fails the test.
pub fn shared(what: &str) -> Option<PathBuf> {
    let dir = repo().join("..").join("shared");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what}: {} is missing, and CI must run this test",
        dir.display()
    );
    // Straight to stderr: the test harness hides what a passing test prints.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped ({what}): {} is not there (the shared corpus and conformance cases sit beside the repository)",
        dir.display()
    );
    None
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
