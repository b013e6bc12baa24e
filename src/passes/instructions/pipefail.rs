use crate::facts::Family;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::basename;
use crate::syntax::{Body, Kind};

pub struct Pipefail;

static META: Meta = Meta {
    code: "DO044",
    name: "pipefail",
    summary: "A RUN with a pipe, in a shell without pipefail",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL4006"],
    docs: r#"## What it does
Sets `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (`/bin/ash` on Alpine) before the first `RUN`
of a stage that pipes one command into another (`curl -fsSL url | sh`, `cat x | grep y`), when
neither the script (`set -o pipefail`) nor a `SHELL` of the stage makes the pipeline fail with
the command that failed.

## Why
A pipeline's exit status is its last command's: a failed download piped into `sh` or `tar`
runs it on nothing and the build goes on, producing an image without the tool.

## Example
```dockerfile
FROM debian:bookworm
RUN curl -fsSL https://example.com/install.sh | sh
```
becomes
```dockerfile
FROM debian:bookworm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | sh
```

## Fix safety
Unsafe: a pipeline that hid a failure now fails the build, and the RUNs after the `SHELL` run in
bash instead of `/bin/sh` (dash on Debian and Ubuntu, whose release 0.5.12 has no `pipefail`).
Made only where that cannot change what the image holds or runs: a Debian, Ubuntu or RHEL stage
(bash is part of the distribution) or an Alpine one (its `/bin/sh` is BusyBox ash, which has
`pipefail`), with no `SHELL` of its own, no stage built `FROM` it (it would inherit the shell),
no shell-form `CMD`, `ENTRYPOINT` or `HEALTHCHECK` after the new line (the container would start
them with it), and no later `echo` with a backslash (dash's `echo` reads escapes, bash's does
not), and no pipe into a reader that stops early or out of `yes` (`head`, `grep -q`/`-m`, `read`: the
writer dies of SIGPIPE, which pipefail would turn into a failed build). Otherwise a suggestion that
names what stopped it.

## Facts it relies on
Per stage: the base image's family, the stage's SHELL, the stages built on it; per instruction:
whether the shell is POSIX; the analysed scripts (pipes, `set -o pipefail`, `echo`; a later RUN
that cannot be read, or a heredoc, counts as one that may echo a backslash).
"#,
};

/// Does the RUN pipe one command into another without setting pipefail itself?
fn pipes(cx: &Context<'_, '_>, i: usize) -> bool {
    let text = cx.text(&cx.doc.instructions[i].span);
    cx.script(i)
        .is_some_and(|s| s.commands.iter().any(|c| c.piped))
        && !text.contains("pipefail")
}

impl Pass for Pipefail {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for (stage, facts) in cx.facts.stages.iter().enumerate() {
            let instrs: Vec<usize> = cx.stage_instrs(stage).map(|(i, _)| i).collect();
            let Some(&first) = instrs
                .iter()
                .find(|&&i| doc.instructions[i].is(Kind::Run) && pipes(cx, i))
            else {
                continue;
            };
            let ins = &doc.instructions[first];
            if !cx.in_posix_stage(ins) {
                continue;
            }
            // A SHELL of the stage (or of the stage it is built on) is the author's choice.
            if doc
                .stage_chain(stage)
                .iter()
                .any(|&s| cx.stage_instrs(s).any(|(_, x)| x.is(Kind::Shell)))
            {
                continue;
            }
            let shell = match facts.base.family {
                Family::Debian | Family::Rhel => Some("/bin/bash"),
                Family::Alpine => Some("/bin/ash"),
                _ => None,
            };
            let later = instrs.iter().copied().filter(|&i| i >= first);
            let shell_form_start = later.clone().find(|&i| {
                let x = &doc.instructions[i];
                matches!(x.kind, Kind::Cmd | Kind::Entrypoint | Kind::Healthcheck)
                    && matches!(x.body, Body::Shell(_))
            });
            let dash_echo = later.clone().find(|&i| {
                cx.script(i).is_some_and(|s| {
                    s.commands.iter().any(|c| {
                        c.name().map(basename) == Some("echo")
                            && c.args().any(|w| w.raw.contains('\\'))
                    })
                })
            });
            // A RUN whose commands are not read (a heredoc, a script we could not analyse)
            // may echo anything.
            let unread = later.clone().find(|&i| {
                let x = &doc.instructions[i];
                x.is(Kind::Run)
                    && matches!(x.body, Body::Shell(_))
                    && (!x.heredocs.is_empty() || cx.script(i).is_none())
            });
            let dash_echo = dash_echo.or(unread);
            // A reader that stops early (`cmd | head -1`, `grep -q`) makes the writer die of
            // SIGPIPE: with pipefail that fails a pipeline which worked.
            let early_reader = later.clone().find(|&i| {
                cx.script(i).is_some_and(|s| {
                    s.commands.iter().any(|c| {
                        c.piped
                            && match c.name().map(basename) {
                                // `yes` writes until its reader is gone: always SIGPIPE.
                                Some("head" | "read" | "yes") => true,
                                Some("grep" | "egrep" | "fgrep") => c.args().any(|w| {
                                    w.lit.as_deref().is_some_and(|a| {
                                        a == "--quiet"
                                            || a.starts_with("--max-count")
                                            || (a.starts_with('-')
                                                && !a.starts_with("--")
                                                && a.contains(['q', 'm']))
                                    })
                                }),
                                _ => false,
                            }
                    })
                })
            });
            let why = match (shell, shell_form_start, dash_echo) {
                (None, ..) => Some(format!(
                    "the shells of `{}` are not known",
                    facts.base.reference
                )),
                _ if !doc.descendants(stage).is_empty() => {
                    Some("other stages are built FROM this one and would inherit the SHELL".into())
                }
                (_, Some(j), _) => Some(format!(
                    "the shell-form {} on line {} would start with it",
                    doc.instructions[j].keyword,
                    doc.line_of(doc.instructions[j].span.start)
                )),
                (_, _, Some(j)) => Some(format!(
                    "the RUN on line {} may `echo` a backslash, which bash prints differently",
                    doc.line_of(doc.instructions[j].span.start)
                )),
                _ if early_reader.is_some() => Some(format!(
                    "the RUN on line {} pipes into a reader that stops early (`head`, `grep -q`) or from `yes`: the writer's SIGPIPE would fail the build",
                    doc.line_of(doc.instructions[early_reader.expect("checked")].span.start)
                )),
                _ => None,
            };
            let message = "a RUN pipes one command into another without `pipefail`: a failure before the last command would not fail the build";
            let finding = match (why, shell) {
                (None, Some(shell)) => {
                    // Above the RUN's own comment lines, which describe the RUN.
                    let at = doc.line_start_above_comments(ins.span.start);
                    let line = format!(
                        "SHELL [\"{shell}\", \"-o\", \"pipefail\", \"-c\"]{}",
                        doc.newline
                    );
                    cx.finding(
                        &META,
                        ins.span.start,
                        format!("{message}: `SHELL [\"{shell}\", \"-o\", \"pipefail\", \"-c\"]` before it"),
                        Some(Fix::new(Applicability::Unsafe, vec![Edit::insert(at, line)])),
                    )
                }
                (why, _) => cx.finding(
                    &META,
                    ins.span.start,
                    format!("{message} (no SHELL added: {})", why.unwrap_or_default()),
                    None,
                ),
            };
            out.push(finding);
        }
    }
}
