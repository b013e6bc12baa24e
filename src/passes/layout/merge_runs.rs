use crate::fix::{Edit, Fix};
use crate::passes::joining::{gap_comments, runs_joinable};
use crate::passes::{Context, Finding, Meta, Pass, Phase};
use crate::syntax::Kind;
use crate::syntax::Style;

pub struct MergeRuns;

static META: Meta = Meta {
    code: "DO001",
    name: "merge-runs",
    summary: "Merge consecutive RUN instructions into one layer",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Merge,
    hadolint: &["DL3059"],
    docs: r#"## What it does
Joins consecutive `RUN` instructions into one `RUN` whose commands are chained with `&&`,
continuing lines in the file's own style (`\` then `    && cmd`, or `&& \` then `    cmd`).
Comments between the instructions are kept as comment lines inside the continuation.

## Why
Every `RUN` makes a filesystem layer. Files deleted in a later layer still ship in the earlier
one, and each layer costs metadata and pull time. One layer per logical step is smaller and lets
the package-hygiene passes clean up where the waste is made.

## Example
```dockerfile
RUN apt-get update
RUN apt-get install -y curl
```
becomes
```dockerfile
RUN apt-get update \
    && apt-get install -y curl
```

## Fix safety
Safe. Each `RUN` starts a fresh shell, so a merge is only made when the result runs the same
commands in the same order with the same outcome:
- both are shell-form `RUN`s with the same flags (`--mount`, `--network`, ...), no heredoc, in a
  stage whose shell is `sh`/`bash` (no Windows base, no other `SHELL`);
- no instruction and no `# hadolint`/`# dockopt` pragma sits between them;
- the earlier script leaves no shell state behind that the later one could see: no `cd`,
  `export`, variable assignment, `set`, function, `exit`, background job, ... outside a subshell;
- every script after the first is a plain `a && b` chain: with `||`, `;` or `&` in it, part of
  it would run even after an earlier command failed (the first script may use them: `a; b && c`
  still runs `c` only when the first RUN would have succeeded);
- a script ending in a `# comment` is never extended.
Where a pair cannot be merged the pass says why and leaves the text alone.

## Facts it relies on
Per instruction: the shell in force (a Windows stage, a PowerShell/cmd `SHELL` or Windows paths and tools mean no merge), the analysed script (what state it leaves to the next RUN), flags, pragmas and heredocs. Waits for a source COPY moving in its stage (phase Layout).
"#,
};

impl Pass for MergeRuns {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let instrs = &cx.doc.instructions;
        let mut i = 0;
        while i + 1 < instrs.len() {
            if !(instrs[i].is(Kind::Run) && instrs[i + 1].is(Kind::Run)) {
                i += 1;
                continue;
            }
            let mut group = vec![i];
            let mut refusal = None;
            while let Some(&last) = group.last() {
                if last + 1 >= instrs.len() || !instrs[last + 1].is(Kind::Run) {
                    break;
                }
                match runs_joinable(cx, last, last + 1) {
                    Ok(()) => group.push(last + 1),
                    Err(why) => {
                        refusal = Some((last + 1, why));
                        break;
                    }
                }
            }
            if group.len() > 1 {
                // Continue lines as the first RUN does, or as the file does.
                let style = Style::for_instr(cx.doc, &instrs[group[0]]);
                out.push(merge_fix(cx, &group, &style));
            } else if let Some((j, why)) = refusal {
                out.push(cx.finding(
                    &META,
                    instrs[j].span.start,
                    format!("consecutive RUN not merged: {why}"),
                    None,
                ));
            }
            i = *group.last().expect("non-empty") + 1;
        }
    }
}

fn merge_fix(cx: &Context<'_, '_>, group: &[usize], style: &Style) -> Finding {
    let doc = cx.doc;
    let mut edits = Vec::new();
    for pair in group.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let sa = cx.script(a).expect("analysed");
        let sb = cx.script(b).expect("analysed");
        let lead = sb.unfolded.text.len() - sb.unfolded.text.trim_start().len();
        let body_start = sb.unfolded.source_range(lead..lead).start;
        edits.push(Edit::replace(
            sa.end..body_start,
            style.and_break(&gap_comments(cx, a, b)),
        ));
    }
    let first = &doc.instructions[group[0]];
    let lines: Vec<String> = group
        .iter()
        .map(|&i| doc.line_of(doc.instructions[i].span.start).to_string())
        .collect();
    cx.finding(
        &META,
        first.span.start,
        format!(
            "{} consecutive RUN instructions (lines {}) make {} layers where one RUN makes one",
            group.len(),
            lines.join(", "),
            group.len()
        ),
        Some(Fix::safe(edits)),
    )
    // A source COPY about to move below its installs goes first: merging those RUNs now
    // could glue an install by name to one that reads the source, and nothing would move.
    .waiting_for(&[Phase::Layout])
}
