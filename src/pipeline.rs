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
    /// 1-based line of the input the fix is about (mapped back through earlier rounds' edits).
    pub line: usize,
    pub message: String,
}

/// A finding left as it is: display-only, or unsafe without `--unsafe-fixes`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suggestion {
    pub code: &'static str,
    pub name: &'static str,
    /// 1-based line of the input the finding is about (mapped back through the rounds' edits).
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
    crate::shell::forget_parses();
    let mut current = text.to_string();
    let mut applied = Vec::new();
    let input = Document::parse(text)?;
    // A generated file is rewritten by its generator: an edit here would be overwritten.
    if let (false, Some(line)) = (
        settings.include_generated,
        crate::facts::generated_header(&input),
    ) {
        return Ok(Outcome {
            output: text.to_string(),
            applied,
            suggestions: Vec::new(),
            converged: true,
            new_files: Vec::new(),
            skipped: Some(format!(
                "line {line} says the file is generated (`{}`): left as it is; --include-generated rewrites it",
                input.lines.line_text(text, line).trim()
            )),
        });
    }
    // Lines are reported on the input: each round's edits are kept to map offsets back.
    let mut origin = OriginMap::default();
    // A finding on text an earlier fix wrote (a RUN merged into a new one) is reported on the
    // first input line its instruction still holds, else on the line of the fix that wrote it.
    let input_line = |origin: &OriginMap, round: &Document<'_>, offset: usize| {
        let here = origin.to_input(offset);
        if let Origin::Input(_) = here {
            return instruction_line(&input, here);
        }
        let kept = round
            .instruction_at(offset)
            .map(|k| &round.instructions[k])
            .and_then(|ins| {
                let span = ins.span.clone();
                let starts = (round.line_of(span.start)..=round.line_of(span.end))
                    .map(|l| round.lines.line_start(l).max(span.start));
                starts
                    .chain([span.end.saturating_sub(1)])
                    .map(|p| origin.to_input(p))
                    .find(|o| matches!(o, Origin::Input(_)))
            });
        instruction_line(&input, kept.unwrap_or(here))
    };
    // A pass names lines of the text it saw; the reader has the input.
    let input_message = |origin: &OriginMap, round: &Document<'_>, message: &str| {
        remap_line_numbers(message, |n| {
            match origin.to_input(round.lines.line_start(n)) {
                Origin::Input(offset) => input.line_of(offset),
                other => instruction_line(&input, other),
            }
        })
    };
    let mut opaque_at_start = None;
    let mut options_at_start = None;
    // Files that fixes applied in earlier rounds create along with their edits.
    let mut files_of_applied: Vec<fix::NewFile> = Vec::new();
    for round in 0..=MAX_ROUNDS {
        // The first round's text is the input, parsed above.
        let parsed;
        let doc = if round == 0 {
            &input
        } else {
            parsed = Document::parse(&current).map_err(|e| Error::Reparse {
                passes: applied_codes(&applied),
                error: e,
            })?;
            &parsed
        };
        let cx = Context::new(doc, settings, context);
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
            let pragmas = crate::pragmas::Pragmas::parse(doc);
            findings.retain(|f| !pragmas.suppresses(doc, f));
        }
        let findings = hold_back_waiting(doc, findings, settings);
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
                    line: input_line(&origin, doc, f.offset),
                    message: input_message(&origin, doc, &f.message),
                });
                new_files.extend(f.fix.iter().flat_map(|x| x.files.iter().cloned()));
            }
            let new_files = merge_files(new_files.into_iter().chain(files_of_applied));
            let mut suggestions: Vec<Suggestion> = findings
                .iter()
                .filter(|f| !settings.applies(f.fix.as_ref()))
                .map(|f| Suggestion {
                    code: f.code,
                    name: f.name,
                    line: input_line(&origin, doc, f.offset),
                    message: input_message(&origin, doc, &f.message),
                    applicability: f.applicability(),
                })
                .collect();
            if !settings.ignore_pragmas {
                suggestions.extend(crate::pragmas::problems(&input).into_iter().map(
                    |(line, message)| Suggestion {
                        code: "DO000",
                        name: "pragma",
                        line,
                        message,
                        applicability: Applicability::DisplayOnly,
                    },
                ));
            }
            return Ok(Outcome {
                output: current,
                applied,
                suggestions,
                converged: used.is_empty(),
                new_files,
                skipped: None,
            });
        }
        let mut made = Vec::new();
        for &i in &used {
            let f = fixable[i];
            files_of_applied.extend(f.fix.iter().flat_map(|x| x.files.iter().cloned()));
            let line = input_line(&origin, doc, f.offset);
            made.extend(fixes[i].edits.iter().map(|e| (e, line)));
            applied.push(Applied {
                code: f.code,
                name: f.name,
                line,
                message: input_message(&origin, doc, &f.message),
            });
        }
        origin.push(made.into_iter());
        drop(cx);
        current = next;
    }
    unreachable!("the loop returns at MAX_ROUNDS")
}

/// The edits of each round, in order, to map an offset of a later round's text back to the
/// input.
#[derive(Default)]
struct OriginMap {
    rounds: Vec<RoundEdits>,
}

/// One round's applied edits, sorted, with where each lands in the round's result.
struct RoundEdits {
    /// Each edit's range in the round's text, the length it wrote, and the input line of the
    /// finding whose fix made it.
    edits: Vec<(std::ops::Range<usize>, usize, usize)>,
    /// Where each edit's written text starts in the result.
    new_starts: Vec<usize>,
    /// The result's length minus the round text's, before each edit.
    delta_before: Vec<isize>,
}

/// Where an offset of a later round's text comes from.
#[derive(Clone, Copy)]
enum Origin {
    /// An input offset.
    Input(usize),
    /// Text a fix wrote at this input offset, with the input line of that fix's finding.
    WrittenAt(usize, usize),
}

impl OriginMap {
    fn push<'e>(&mut self, edits: impl Iterator<Item = (&'e fix::Edit, usize)>) {
        let mut edits: Vec<(std::ops::Range<usize>, usize, usize)> = edits
            .map(|(e, line)| (e.range.clone(), e.content.len(), line))
            .collect();
        edits.sort_by_key(|(r, _, _)| (r.start, r.end));
        let (mut new_starts, mut delta_before) = (Vec::new(), Vec::new());
        let mut delta: isize = 0;
        for (range, written, _) in &edits {
            new_starts.push((range.start as isize + delta) as usize);
            delta_before.push(delta);
            delta += *written as isize - range.len() as isize;
        }
        delta_before.push(delta);
        self.rounds.push(RoundEdits {
            edits,
            new_starts,
            delta_before,
        });
    }

    /// Where `offset` of the latest round's text comes from.
    fn to_input(&self, offset: usize) -> Origin {
        self.through(self.rounds.len(), offset)
    }

    /// Where `offset` of the text after `rounds` rounds comes from. Text a fix wrote comes from
    /// where the fix wrote it, when that is inside an input instruction (a RUN inserted before
    /// another is about that one); else from the fix's finding.
    fn through(&self, rounds: usize, mut offset: usize) -> Origin {
        for (j, round) in self.rounds[..rounds].iter().enumerate().rev() {
            // The edits that start in the result at or before the offset: the last of them
            // may hold it; every one before it only shifts it.
            let k = round.new_starts.partition_point(|&s| s <= offset);
            if let Some(last) = k.checked_sub(1) {
                let (range, written, line) = &round.edits[last];
                if offset < round.new_starts[last] + written {
                    return match self.through(j, range.start) {
                        Origin::Input(at) => Origin::WrittenAt(at, *line),
                        other => other,
                    };
                }
            }
            offset = (offset as isize - round.delta_before[k]).max(0) as usize;
        }
        Origin::Input(offset)
    }
}

/// The line of the input that `offset` reports: inside an instruction, its line; elsewhere
/// (a comment or blank line an edit started at), the first line of the next instruction (the
/// last one's at the end).
fn instruction_line(input: &Document<'_>, origin: Origin) -> usize {
    let instrs = &input.instructions;
    let inside = |offset: usize| input.instruction_at(offset).map(|k| &instrs[k]);
    let offset = match origin {
        Origin::Input(offset) => offset,
        // Written between instructions: about the next one (a RUN inserted before it); at the
        // end of the file, about the fix's own line (a stage added after the last).
        Origin::WrittenAt(at, line) => {
            let next = instrs.get(instrs.partition_point(|i| i.span.start < at));
            return inside(at)
                .or(next)
                .map_or(line, |ins| input.line_of(ins.span.start));
        }
    };
    if inside(offset).is_some() {
        return input.line_of(offset);
    }
    let next = instrs.partition_point(|i| i.span.start <= offset);
    match instrs.get(next).or(instrs.last()) {
        Some(ins) => input.line_of(ins.span.start),
        None => input.line_of(offset),
    }
}

/// `message` with the numbers of its `line N` / `lines N, M and K` references passed through
/// `map`.
fn remap_line_numbers(message: &str, map: impl Fn(usize) -> usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(k) = rest.find("line") {
        let (before, after) = rest.split_at(k);
        out.push_str(before);
        let word_start = before.chars().last().is_none_or(|c| !c.is_alphanumeric());
        let head = if after.starts_with("lines ") {
            "lines "
        } else {
            "line "
        };
        if !word_start || !after.starts_with(head) {
            out.push_str("line");
            rest = &after[4..];
            continue;
        }
        let head_at = out.len();
        out.push_str(head);
        rest = &after[head.len()..];
        // Numbers joined by ", " or " and ".
        let mut listed: Vec<usize> = Vec::new();
        loop {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 {
                break;
            }
            let n: usize = rest[..digits].parse().unwrap_or(0);
            let mapped = if n > 0 { map(n) } else { n };
            // Two lines a fix wrote map to one: name it once.
            let again = listed.last() == Some(&mapped);
            if again {
                for sep in [", ", " and "] {
                    if out.ends_with(sep) {
                        out.truncate(out.len() - sep.len());
                    }
                }
            } else {
                out.push_str(&mapped.to_string());
                listed.push(mapped);
            }
            rest = &rest[digits..];
            let sep = [", ", " and ", "–", "-"].into_iter().find(|sep| {
                rest.strip_prefix(sep)
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            });
            match sep {
                Some(sep) => {
                    out.push_str(sep);
                    rest = &rest[sep.len()..];
                }
                None => break,
            }
        }
        if head == "lines " && listed.len() == 1 {
            out.replace_range(head_at..head_at + head.len(), "line ");
        }
    }
    out.push_str(rest);
    out
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
    let instr_at = |offset: usize| doc.instruction_at(offset);
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
    fn line_references_of_a_message_are_mapped() {
        let map = |n: usize| if n >= 10 { n + 2 } else { n };
        assert_eq!(
            remap_line_numbers(
                "merged (lines 3, 10 and 11); line 12 uses it; one per line",
                map
            ),
            "merged (lines 3, 12 and 13); line 14 uses it; one per line"
        );
        assert_eq!(remap_line_numbers("(lines 9, 9)", |_| 8), "(line 8)");
        assert_eq!(
            remap_line_numbers("baseline 4, inline", map),
            "baseline 4, inline"
        );
    }

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
