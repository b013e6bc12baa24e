//! BuildKit's own parser cases (../shared/conformance/): every positive case parses with the
//! same instructions and, for shell-form commands, the same unfolded text; every negative case
//! is refused; line spans match.

use std::path::Path;

use dockopt::shell::unfold;
use dockopt::syntax::Body;
use dockopt::{Document, Settings};

use crate::support::{optimize_checked, repo, shared};

/// Decodes the Go `%q` strings of a `result` line: `(run "echo \"hi\"")` → ["echo \"hi\""].
fn go_strings(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('u') => {
                        let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                        s.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    Some(other) => s.push(other),
                    None => {}
                },
                c => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

fn keyword(line: &str) -> String {
    line.trim_start_matches('(')
        .split([' ', ')'])
        .next()
        .unwrap()
        .to_string()
}

/// Cases BuildKit's *parser* accepts but a build rejects; dockopt refuses them up front.
const REFUSED_LIKE_A_BUILD: &[(&str, &str)] = &[
    ("health", "HEALTHCHECK without CMD or NONE"),
    ("json", "expected FROM"),
    ("jeztah-invalid-json-json-inside-string", "expected FROM"),
    (
        "jeztah-invalid-json-json-inside-string-double",
        "expected FROM",
    ),
    ("jeztah-invalid-json-single-quotes", "expected FROM"),
    ("jeztah-invalid-json-unterminated-bracket", "expected FROM"),
    ("jeztah-invalid-json-unterminated-string", "expected FROM"),
];

#[test]
fn buildkit_positive_cases() {
    let Some(shared) = shared("BuildKit's parser cases") else {
        return;
    };
    let dir = shared.join("conformance/buildkit-parser");
    let mut checked = 0;
    let mut refused = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("conformance cases") {
        let case = entry.unwrap().path();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(case.join("Dockerfile")).unwrap();
        let expected = std::fs::read_to_string(case.join("result")).unwrap();
        let doc = match Document::parse(&text) {
            Ok(d) => d,
            Err(e) => {
                let expected = REFUSED_LIKE_A_BUILD.iter().find(|(n, _)| *n == name);
                let (_, why) = expected.unwrap_or_else(|| panic!("{name}: refused: {e}"));
                let from_ok =
                    *why != "expected FROM" || !text.to_ascii_uppercase().contains("FROM ");
                assert!(
                    from_ok && (e.message.contains("FROM") || why.contains("HEALTHCHECK")),
                    "{name}: {e}"
                );
                refused.push(name);
                continue;
            }
        };
        let lines: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
        let got: Vec<String> = doc
            .instructions
            .iter()
            .map(|i| i.keyword.to_ascii_lowercase())
            .collect();
        let want: Vec<String> = lines.iter().map(|l| keyword(l)).collect();
        assert_eq!(got, want, "{name}: instructions");
        for (ins, line) in doc.instructions.iter().zip(&lines) {
            let rest = line
                .trim_start_matches('(')
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric())
                .trim_start();
            let (flags, rest) = match rest.strip_prefix('[') {
                Some(r) => {
                    let end = r.find(']').unwrap();
                    (go_strings(&r[..end]), &r[end + 1..])
                }
                None => (Vec::new(), rest),
            };
            // A bare `--` ends the flags in BuildKit; the parser crate keeps it as an empty flag.
            let got_flags: Vec<String> = ins
                .flags
                .iter()
                .filter(|f| !f.name.is_empty())
                .map(|f| match &f.value {
                    Some(v) => format!("--{}={v}", f.name),
                    None => format!("--{}", f.name),
                })
                .collect();
            if matches!(ins.keyword.as_str(), "CMD" | "ENTRYPOINT") && !flags.is_empty() {
                // BuildKit's parser lifts `--x` off any instruction; a build then rejects a
                // flag on CMD/ENTRYPOINT. We read it as part of the command.
                continue;
            }
            assert_eq!(got_flags, flags, "{name}: flags of {line}");
            let _ = rest;
            if let (Body::Shell(span), "run" | "cmd" | "entrypoint") =
                (&ins.body, keyword(line).as_str())
            {
                let unfolded = unfold(&text, span.clone(), doc.escape).text;
                let want = go_strings(line);
                assert_eq!(want.len(), 1, "{name}: {line}");
                assert_eq!(
                    unfolded.trim_end(),
                    want[0].trim_end(),
                    "{name}: shell text of {line}"
                );
            }
            if let (Body::Exec(_, args), "run" | "cmd" | "entrypoint") =
                (&ins.body, keyword(line).as_str())
            {
                assert_eq!(args, &go_strings(line), "{name}: exec args");
            }
        }
        // The optimizer runs on it and keeps its promises.
        optimize_checked(
            &text,
            &Settings {
                unsafe_fixes: true,
                ..Settings::default()
            },
        );
        checked += 1;
    }
    refused.sort();
    let mut want: Vec<String> = REFUSED_LIKE_A_BUILD
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    want.sort();
    assert_eq!(refused, want, "refusals");
    assert!(checked >= 26, "only {checked} cases checked");
}

#[test]
fn buildkit_negative_cases_are_refused() {
    let Some(shared) = shared("BuildKit's negative parser cases") else {
        return;
    };
    let dir = shared.join("conformance/buildkit-parser-negative");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let case = entry.unwrap().path();
        let text = std::fs::read_to_string(case.join("Dockerfile")).unwrap();
        assert!(Document::parse(&text).is_err(), "{} parsed", case.display());
    }
}

#[test]
fn buildkit_line_numbers() {
    let Some(shared) = shared("BuildKit's line-number case") else {
        return;
    };
    let text = std::fs::read_to_string(shared.join("conformance/buildkit-parser-line/Dockerfile"))
        .unwrap();
    let doc = Document::parse(&text).unwrap();
    let spans: Vec<(usize, usize)> = doc
        .instructions
        .iter()
        .map(|i| {
            (
                doc.line_of(i.span.start),
                doc.line_of(i.span.end.saturating_sub(1)),
            )
        })
        .collect();
    assert_eq!(spans, vec![(5, 5), (11, 12), (17, 31)]);
}

#[test]
fn buildkit_heredocs() {
    let Some(shared) = shared("BuildKit's heredoc cases") else {
        return;
    };
    for case in ["extracts-heredoc", "json-heredoc"] {
        let dir = shared
            .join("conformance/buildkit-parser-heredoc")
            .join(case);
        let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
        let expected = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
        // BuildKit's parser takes any word as an instruction; a build then rejects unknown
        // ones (here `INVALID`, and `EOF` lines after `RUN <<  EOF`, which is no heredoc).
        // We refuse such a file naming the line. Blank each such line (numbers stay) and drop
        // its expected entry; everything else must match exactly.
        let mut text = text;
        let mut expected: Vec<String> = expected.lines().map(str::to_string).collect();
        let mut blanked = Vec::new();
        while let Err(e) = Document::parse(&text) {
            assert!(e.message.contains("unknown instruction"), "{case}: {e}");
            blanked.push(e.line);
            text = text
                .split_inclusive('\n')
                .enumerate()
                .map(|(i, l)| {
                    if i + 1 == e.line {
                        "#\n".to_string()
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            expected.retain(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["start_line"]
                    .as_u64()
                    .unwrap()
                    != e.line as u64
            });
        }
        let want: &[usize] = if case == "extracts-heredoc" {
            &[9, 102, 105]
        } else {
            &[]
        };
        assert_eq!(blanked, want, "{case}: unknown instructions");
        check_heredoc_case(&dir, &text, &(expected.join("\n") + "\n"));
    }
}

/// RUN heredocs anywhere in the command (`RUN python3 <<EOF`) and several in one RUN, which
/// BuildKit reads and the parser crate alone does not: expected.jsonl comes from BuildKit's parser.
#[test]
fn heredocs_anywhere_in_a_run() {
    let dir = repo().join("tests/fixtures/conformance/heredoc-anywhere");
    let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let expected = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
    check_heredoc_case(&dir, &text, &expected);
}

fn check_heredoc_case(dir: &Path, text: &str, expected: &str) {
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    let want: Vec<serde_json::Value> = expected
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(doc.instructions.len(), want.len(), "{}", dir.display());
    for (ins, w) in doc.instructions.iter().zip(&want) {
        assert_eq!(
            ins.keyword,
            w["cmd"].as_str().unwrap().to_ascii_uppercase(),
            "{}",
            dir.display()
        );
        assert_eq!(
            doc.line_of(ins.span.start) as u64,
            w["start_line"].as_u64().unwrap(),
            "{} start of {}",
            dir.display(),
            ins.keyword
        );
        assert_eq!(
            doc.line_of(ins.span.end.saturating_sub(1)) as u64,
            w["end_line"].as_u64().unwrap(),
            "{} end of {}",
            dir.display(),
            ins.keyword
        );
        let heredocs = w["heredocs"].as_array().unwrap();
        assert_eq!(
            ins.heredocs.len(),
            heredocs.len(),
            "{} heredocs of {}",
            dir.display(),
            ins.keyword
        );
        for (h, wh) in ins.heredocs.iter().zip(heredocs) {
            assert_eq!(
                &text[h.clone()],
                wh["content"].as_str().unwrap(),
                "{}",
                dir.display()
            );
        }
    }
    optimize_checked(
        text,
        &Settings {
            unsafe_fixes: true,
            ..Settings::default()
        },
    );
}
