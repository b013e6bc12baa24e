//! Machine formats for CI and review: SARIF, GitHub annotations, GitLab Code Quality, and
//! Markdown with GitHub ```suggestion blocks.

use std::fmt::Write;

use serde_json::{Value, json};
use similar::{DiffTag, TextDiff};

use super::FileReport;
use dockopt::fix::Applicability;
use dockopt::passes::REGISTRY;

/// One thing to report: a fix pending (or applied) or a suggestion.
struct Item<'a> {
    path: &'a str,
    line: usize,
    code: &'static str,
    name: &'static str,
    message: String,
    /// A fix dockopt applies (with the flags given), not only a suggestion.
    fixable: bool,
}

fn items(reports: &[FileReport]) -> Vec<Item<'_>> {
    let mut out = Vec::new();
    for r in reports {
        if let Some(e) = &r.error {
            out.push(Item {
                path: &r.path,
                line: 1,
                code: "DO000",
                name: "error",
                message: e.clone(),
                fixable: false,
            });
            continue;
        }
        for a in &r.applied {
            out.push(Item {
                path: &r.path,
                line: a.line,
                code: a.code,
                name: a.name,
                message: a.message.clone(),
                fixable: true,
            });
        }
        for s in &r.suggestions {
            let how = if s.applicability == Applicability::Unsafe {
                " (fix with --unsafe-fixes)"
            } else {
                ""
            };
            out.push(Item {
                path: &r.path,
                line: s.line,
                code: s.code,
                name: s.name,
                message: format!("{}{how}", s.message),
                fixable: false,
            });
        }
    }
    out
}

pub fn sarif(reports: &[FileReport]) -> Value {
    let rules: Vec<Value> = REGISTRY
        .iter()
        .map(|p| {
            let m = p.meta();
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "help": { "text": m.docs, "markdown": m.docs },
                "properties": { "fixSafety": m.safety.as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = items(reports)
        .iter()
        .map(|i| {
            json!({
                "ruleId": i.code,
                "level": if i.name == "error" { "error" } else if i.fixable || i.name == "pragma" { "warning" } else { "note" },
                "message": { "text": format!("{} ({})", i.message, i.name) },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": i.path.trim_start_matches("./") },
                    "region": { "startLine": i.line.max(1) },
                }}],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "dockopt", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results,
        }],
    })
}

/// `::warning file=...,line=...,title=...::message`, escaped as GitHub's runner expects.
pub fn github(reports: &[FileReport]) -> String {
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for i in items(reports) {
        let level = if i.name == "error" {
            "error"
        } else if i.fixable || i.name == "pragma" {
            "warning"
        } else {
            "notice"
        };
        let _ = writeln!(
            out,
            "::{level} file={},line={},title={}::{}",
            prop(i.path.trim_start_matches("./")),
            i.line.max(1),
            prop(&format!("{} {}", i.code, i.name)),
            data(&i.message)
        );
    }
    out
}

pub fn gitlab(reports: &[FileReport]) -> Value {
    let entries: Vec<Value> = items(reports)
        .iter()
        .map(|i| {
            // A stable fingerprint: the same finding keeps its identity between pipelines.
            let mut h: u64 = 0xcbf29ce484222325;
            for b in format!("{}:{}:{}:{}", i.path, i.code, i.line, i.message).bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
            }
            json!({
                "description": format!("{}: {}", i.name, i.message),
                "check_name": i.code,
                "fingerprint": format!("{h:016x}"),
                "severity": if i.name == "error" { "major" } else if i.fixable || i.name == "pragma" { "minor" } else { "info" },
                "location": { "path": i.path.trim_start_matches("./"), "lines": { "begin": i.line.max(1) } },
            })
        })
        .collect();
    Value::Array(entries)
}

/// Markdown for a review comment: per file, per changed hunk, the lines it replaces and a
/// `` ```suggestion `` block with the new text (a reviewer accepts it with one click).
pub fn suggestions(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports.iter().filter(|r| r.changed && r.error.is_none()) {
        let (Some(before), Some(after)) = (&r.input, &r.output) else {
            continue;
        };
        let names: Vec<&str> = {
            let mut v: Vec<&str> = r.applied.iter().map(|a| a.name).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let _ = writeln!(
            out,
            "### `{}`\n\ndockopt: {}\n",
            r.path.trim_start_matches("./"),
            names.join(", ")
        );
        let diff = TextDiff::from_lines(before.as_str(), after.as_str());
        let old: Vec<&str> = before.split_inclusive('\n').collect();
        for group in diff.grouped_ops(0) {
            let first = &group[0];
            let last = &group[group.len() - 1];
            let (mut start, mut end) = (first.old_range().start, last.old_range().end);
            let mut new_text: String = group
                .iter()
                .filter(|op| op.tag() != DiffTag::Equal)
                .flat_map(|op| {
                    diff.iter_changes(op)
                        .filter(|c| c.tag() != similar::ChangeTag::Delete)
                        .map(|c| c.value().to_string())
                })
                .collect();
            if start == end {
                // A pure insertion: suggest it together with the line above (or below).
                if start > 0 {
                    start -= 1;
                    new_text = format!("{}{new_text}", old[start]);
                } else if end < old.len() {
                    new_text.push_str(old[end]);
                    end += 1;
                }
            }
            let lines = if end - start <= 1 {
                format!("Line {}", start + 1)
            } else {
                format!("Lines {}-{}", start + 1, end)
            };
            let note = if new_text.is_empty() {
                " (removed: an empty suggestion deletes it)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "**{lines}**{note}\n\n```suggestion\n{}```\n",
                with_final_newline(&new_text)
            );
        }
    }
    if out.is_empty() {
        out.push_str("dockopt: nothing to change.\n");
    }
    out
}

fn with_final_newline(s: &str) -> String {
    let t = s.replace("\r\n", "\n");
    if t.is_empty() || t.ends_with('\n') {
        t
    } else {
        format!("{t}\n")
    }
}
