//! The fixed-point loop: run the passes, apply non-overlapping fixes, re-parse, repeat.

use serde::Serialize;

use crate::Error;
use crate::facts::BuildContext;
use crate::fix::{self, Applicability};
use crate::passes::{Context, Finding, Phase, REGISTRY};
use crate::settings::Settings;
use crate::syntax::Document;

/// Rounds before we stop looking for more fixes.
const MAX_ROUNDS: usize = 10;

/// A fix that was applied.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Applied {
    pub code: &'static str,
    pub name: &'static str,
    /// 1-based line in the text the fix was made on.
    pub line: usize,
    pub message: String,
}

/// A finding left as it is: display-only, or unsafe without `--unsafe-fixes`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suggestion {
    pub code: &'static str,
    pub name: &'static str,
    /// 1-based line in the output.
    pub line: usize,
    pub message: String,
    pub applicability: Applicability,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub output: String,
    pub applied: Vec<Applied>,
    pub suggestions: Vec<Suggestion>,
    /// The loop stopped at its cap before reaching a fixed point.
    pub converged: bool,
    /// Files to create beside the Dockerfile.
    pub new_files: Vec<crate::fix::NewFile>,
    /// Why the file was left as it is without running the passes (it says it is generated).
    pub skipped: Option<String>,
}

impl Outcome {
    pub fn changed(&self, input: &str) -> bool {
        self.output != input || !self.new_files.is_empty()
    }
    /// Suggestions whose fix `--unsafe-fixes` would apply.
    pub fn hidden_unsafe(&self) -> usize {
        self.suggestions
            .iter()
            .filter(|s| s.applicability == Applicability::Unsafe)
            .count()
    }
}

/// Runs the passes that `settings` enables, to a fixed point, with the build context in
/// `settings.context` (a folder), or none.
pub fn optimize(text: &str, settings: &Settings) -> Result<Outcome, Error> {
    optimize_in(
        text,
        settings,
        &BuildContext::folder(settings.context.as_deref()),
    )
}

/// Runs the passes that `settings` enables, to a fixed point, with the build context
/// `context` (a folder, files in memory, or unknown). Nothing is read from or written to disk
/// but through `context`.
pub fn optimize_in(
    text: &str,
    settings: &Settings,
    context: &BuildContext,
) -> Result<Outcome, Error> {
    let mut current = text.to_string();
    let mut applied = Vec::new();
    let doc = Document::parse(text)?;
    // A generated file is rewritten by its generator: an edit here would be overwritten.
    if let (false, Some(line)) = (
        settings.include_generated,
        crate::facts::generated_header(&doc),
    ) {
        return Ok(Outcome {
            output: text.to_string(),
            applied,
            suggestions: Vec::new(),
            converged: true,
            new_files: Vec::new(),
            skipped: Some(format!(
                "line {line} says the file is generated (`{}`): left as it is; --include-generated rewrites it",
                doc.lines.line_text(text, line).trim()
            )),
        });
    }
    drop(doc);
    let mut opaque_at_start = None;
    let mut options_at_start = None;
    // Files that fixes applied in earlier rounds create along with their edits.
    let mut files_of_applied: Vec<fix::NewFile> = Vec::new();
    for round in 0..=MAX_ROUNDS {
        let doc = Document::parse(&current).map_err(|e| Error::Reparse {
            passes: applied_codes(&applied),
            error: e,
        })?;
        let cx = Context::new(&doc, settings, context);
        let opaque = cx.opaque_count();
        if opaque > *opaque_at_start.get_or_insert(opaque) {
            return Err(Error::ShellReparse {
                passes: applied_codes(&applied),
            });
        }
        let options = cx.option_commands();
        if options > *options_at_start.get_or_insert(options) {
            return Err(Error::MisplacedOption {
                passes: applied_codes(&applied),
            });
        }
        let mut findings = run_passes(&cx, settings);
        if !settings.ignore_pragmas {
            let pragmas = crate::pragmas::Pragmas::parse(&doc);
            findings.retain(|f| !pragmas.suppresses(&doc, f));
        }
        let findings = hold_back_waiting(&doc, findings, settings);
        let fixable: Vec<&Finding> = findings
            .iter()
            .filter(|f| settings.applies(f.fix.as_ref()))
            .collect();
        let fixes: Vec<&fix::Fix> = fixable.iter().filter_map(|f| f.fix.as_ref()).collect();
        let (next, used) = fix::apply(&current, &fixes);
        // Settled: nothing left that can be applied (a fix whose own edits clash never can).
        if used.is_empty() || round == MAX_ROUNDS {
            // Fixes that create files are taken once the text has settled.
            let mut new_files = Vec::new();
            for f in fixable.iter().filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.edits.is_empty() && !x.files.is_empty())
            }) {
                applied.push(Applied {
                    code: f.code,
                    name: f.name,
                    line: doc.line_of(f.offset),
                    message: f.message.clone(),
                });
                new_files.extend(f.fix.iter().flat_map(|x| x.files.iter().cloned()));
            }
            let new_files = merge_files(new_files.into_iter().chain(files_of_applied));
            let suggestions = findings
                .iter()
                .filter(|f| !settings.applies(f.fix.as_ref()))
                .map(|f| Suggestion {
                    code: f.code,
                    name: f.name,
                    line: doc.line_of(f.offset),
                    message: f.message.clone(),
                    applicability: f.applicability(),
                })
                .collect();
            return Ok(Outcome {
                output: current,
                applied,
                suggestions,
                converged: used.is_empty(),
                new_files,
                skipped: None,
            });
        }
        for i in used {
            let f = fixable[i];
            files_of_applied.extend(f.fix.iter().flat_map(|x| x.files.iter().cloned()));
            applied.push(Applied {
                code: f.code,
                name: f.name,
                line: doc.line_of(f.offset),
                message: f.message.clone(),
            });
        }
        drop(cx);
        drop(doc);
        current = next;
    }
    unreachable!("the loop returns at MAX_ROUNDS")
}

/// One file per path: the contents of fixes that create the same file (a `.dockerignore` made
/// by one pass and added to by another) joined in order, each line once.
fn merge_files(files: impl Iterator<Item = fix::NewFile>) -> Vec<fix::NewFile> {
    let mut merged: Vec<fix::NewFile> = Vec::new();
    for f in files {
        match merged.iter_mut().find(|m| m.path == f.path) {
            Some(m) => {
                let have: std::collections::HashSet<String> =
                    m.content.lines().map(str::to_string).collect();
                let extra: Vec<&str> = f
                    .content
                    .lines()
                    .filter(|l| l.trim().is_empty() || l.starts_with('#') || !have.contains(*l))
                    .collect();
                if !m.content.ends_with('\n') {
                    m.content.push('\n');
                }
                m.content.push('\n');
                m.content.push_str(extra.join("\n").trim_matches('\n'));
                m.content.push('\n');
            }
            None => merged.push(f),
        }
    }
    merged
}

fn applied_codes(applied: &[Applied]) -> String {
    let mut codes: Vec<&str> = applied.iter().map(|a| a.code).collect();
    codes.dedup();
    codes.join(", ")
}

/// Drops, for this round, the findings whose fix waits for a phase that changes their text now:
/// a fix of that phase applies to their stage (`Structure`, `Layout`) or to their instruction
/// (`Merge`). They are found again on the next round's text.
fn hold_back_waiting(
    doc: &Document<'_>,
    findings: Vec<Finding>,
    settings: &Settings,
) -> Vec<Finding> {
    use std::collections::HashSet;
    let instrs = &doc.instructions;
    // The instruction whose span holds `offset` (instructions are in text order).
    let instr_at = |offset: usize| {
        let k = instrs.partition_point(|i| i.span.start <= offset);
        k.checked_sub(1).filter(|&k| offset <= instrs[k].span.end)
    };
    // What each phase's applicable fixes claim: stages, or the instructions their edits touch.
    let mut stages: HashSet<(Phase, Option<usize>)> = HashSet::new();
    let mut touched: HashSet<(Phase, usize)> = HashSet::new();
    for f in &findings {
        let Some(fix) = f.fix.as_ref().filter(|x| settings.applies(Some(x))) else {
            continue;
        };
        if f.phase.claims_stage() {
            let stage = instr_at(f.offset).and_then(|i| instrs[i].stage);
            stages.insert((f.phase, stage));
            continue;
        }
        for e in &fix.edits {
            let first = instrs.partition_point(|i| i.span.end < e.range.start);
            for (k, ins) in instrs.iter().enumerate().skip(first) {
                if ins.span.start > e.range.end {
                    break;
                }
                touched.insert((f.phase, k));
            }
        }
    }
    if stages.is_empty() && touched.is_empty() {
        return findings;
    }
    findings
        .into_iter()
        .filter(|f| {
            let Some(i) = instr_at(f.offset) else {
                return true;
            };
            !f.waits_for.iter().any(|&p| {
                if p.claims_stage() {
                    stages.contains(&(p, instrs[i].stage))
                } else {
                    touched.contains(&(p, i))
                }
            })
        })
        .collect()
}

/// Runs every enabled pass once.
pub fn run_passes(cx: &Context<'_, '_>, settings: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    for pass in REGISTRY {
        if settings.enabled(pass.meta()) {
            pass.run(cx, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_mount_fix_for_apt() {
        let text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n";
        let settings = Settings {
            cache_mounts: true,
            ..Settings::default()
        };
        let doc = Document::parse(text).unwrap();
        let cx = Context::new(&doc, &settings, &BuildContext::Unknown);
        let findings = run_passes(&cx, &settings);
        let out = optimize(text, &settings).unwrap();
        assert!(
            out.output
                .contains("--mount=type=cache,target=/var/lib/apt"),
            "{findings:#?}\n{}",
            out.output
        );
        assert!(
            out.output.starts_with("# syntax=docker/dockerfile:1\n"),
            "{}",
            out.output
        );
    }
}
