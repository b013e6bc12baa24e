//! Every Dockerfile of ../shared/corpus/ (real files written by others), in safe and unsafe
//! mode: no panic, the output parses, a second run changes nothing, a file with no fix keeps
//! every byte. Files the parser refuses are counted and must stay rare (a build rejects them).

use dockopt::Settings;

use crate::support::shared;

#[test]
fn corpus_promises() {
    let dir = shared().join("corpus");
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
        for unsafe_fixes in [false, true] {
            let settings = Settings {
                unsafe_fixes,
                ..Settings::default()
            };
            let out = match std::panic::catch_unwind(|| dockopt::optimize(&text, &settings)) {
                Err(_) => panic!("panic on {}", path.display()),
                Ok(Err(dockopt::Error::Syntax(e))) => {
                    if !unsafe_fixes {
                        refused.push(format!("{}: {e}", path.display()));
                    }
                    continue;
                }
                Ok(Err(e)) => panic!("{}: {e}", path.display()),
                Ok(Ok(out)) => out,
            };
            assert!(out.converged, "{}: did not converge", path.display());
            dockopt::Document::parse(&out.output)
                .unwrap_or_else(|e| panic!("{}: output does not parse: {e}", path.display()));
            let again = dockopt::optimize(&out.output, &settings).unwrap();
            assert_eq!(
                again.output,
                out.output,
                "{}: not idempotent",
                path.display()
            );
            if out.applied.is_empty() {
                assert_eq!(out.output, text, "{}: changed with no fix", path.display());
            }
            changed += usize::from(out.output != text && !unsafe_fixes);
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
