//! Every Dockerfile of ../shared/corpus/ (real files written by others), in safe and unsafe
//! mode, each with and without `--cache-mounts`: no panic, the output parses, a second run changes nothing, a file with no fix keeps
//! every byte. Files the parser refuses are counted and must stay rare (a build rejects them).

use dockopt::Settings;

use crate::support::shared;

#[test]
fn corpus_promises() {
    let Some(shared) = shared("the corpus") else {
        return;
    };
    let dir = shared.join("corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("../shared/corpus")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "manifest.tsv")
        .collect();
    files.sort();
    assert!(files.len() > 1000, "corpus has {} files", files.len());
    let mut refused = Vec::new();
    let mut changed = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for (unsafe_fixes, cache_mounts) in
            [(false, false), (true, false), (false, true), (true, true)]
        {
            let settings = Settings {
                unsafe_fixes,
                cache_mounts,
                ..Settings::default()
            };
            let mode = format!(
                "{}{}",
                if unsafe_fixes { "unsafe" } else { "safe" },
                if cache_mounts { ", cache mounts" } else { "" }
            );
            let out = match std::panic::catch_unwind(|| dockopt::optimize(&text, &settings)) {
                Err(_) => panic!("panic on {} ({mode})", path.display()),
                Ok(Err(dockopt::Error::Syntax(e))) => {
                    if !unsafe_fixes && !cache_mounts {
                        refused.push(format!("{}: {e}", path.display()));
                    }
                    continue;
                }
                Ok(Err(e)) => panic!("{} ({mode}): {e}", path.display()),
                Ok(Ok(out)) => out,
            };
            assert!(
                out.converged,
                "{} ({mode}): did not converge",
                path.display()
            );
            dockopt::Document::parse(&out.output).unwrap_or_else(|e| {
                panic!("{} ({mode}): output does not parse: {e}", path.display())
            });
            let again = dockopt::optimize(&out.output, &settings)
                .unwrap_or_else(|e| panic!("{} ({mode}), second run: {e}", path.display()));
            assert_eq!(
                again.output,
                out.output,
                "{} ({mode}): not idempotent",
                path.display()
            );
            if out.applied.is_empty() {
                assert_eq!(
                    out.output,
                    text,
                    "{} ({mode}): changed with no fix",
                    path.display()
                );
            }
            changed += usize::from(out.output != text && !unsafe_fixes && !cache_mounts);
        }
    }
    assert!(
        refused.len() * 100 < files.len(),
        "{} refused:\n{}",
        refused.len(),
        refused.join("\n")
    );
    assert!(
        changed * 2 > files.len(),
        "only {changed} of {} files improved",
        files.len()
    );
}

/// Reproducers of past fuzzing crashes (fuzz/regressions/) keep the fuzz target's promises.
#[test]
fn fuzz_regressions() {
    let dir = crate::support::repo().join("fuzz/regressions");
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        for unsafe_fixes in [false, true] {
            let settings = Settings {
                unsafe_fixes,
                ..Settings::default()
            };
            let result = std::panic::catch_unwind(|| dockopt::optimize(text, &settings));
            let Ok(Ok(out)) = result else {
                assert!(result.is_ok(), "panic on {}", path.display());
                continue;
            };
            dockopt::Document::parse(&out.output)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                dockopt::optimize(&out.output, &settings).unwrap().output,
                out.output,
                "{}",
                path.display()
            );
        }
    }
}

/// `--write` over a copy of the whole corpus: every written file parses, every file dockopt
/// did not change keeps every byte.
#[test]
fn write_over_a_copy_of_the_corpus() {
    let Some(shared) = shared("the corpus") else {
        return;
    };
    let src = shared.join("corpus");
    let tmp = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name == "manifest.tsv" {
            continue;
        }
        // A plain copy: the corpus is read-only, and --write leaves read-only files alone.
        std::fs::write(tmp.path().join(&name), std::fs::read(&p).unwrap()).unwrap();
        names.push(name);
    }
    names.sort();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(["optimize", "--write", "--unsafe-fixes", "--format", "json"])
        .args(&names)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(reports.len(), names.len());
    let mut written = 0;
    for r in &reports {
        let name = r["path"].as_str().unwrap();
        let now = std::fs::read(tmp.path().join(name)).unwrap();
        let before = std::fs::read(src.join(name)).unwrap();
        if r["changed"] == true && r["error"].is_null() {
            written += 1;
            let text = String::from_utf8(now).unwrap();
            dockopt::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{name}: written file does not parse: {e}"));
        } else {
            assert_eq!(now, before, "{name}: not changed, yet its bytes differ");
        }
    }
    assert!(written > 1000, "only {written} files written");
}
