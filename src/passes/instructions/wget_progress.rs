use crate::facts::Distro;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{SimpleCmd, basename, insert_after_word};

pub struct WgetProgress;

static META: Meta = Meta {
    code: "DO023",
    name: "wget-progress",
    summary: "wget without a progress setting fills the build log with its progress bar",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3047"],
    docs: r#"## What it does
Gives `wget` a progress setting fit for a build log: `--progress=dot:giga` where the stage's
distribution ships GNU wget (Debian, Ubuntu, RHEL and their language images), `-q` elsewhere
(BusyBox's wget on Alpine has no `--progress`; both take `-q`).

## Why
Without a terminal, wget prints its progress bar as thousands of lines: a 100 MB download fills
the build log with noise that hides the steps around it, and CI logs get truncated.

## Example
```dockerfile
RUN wget https://example.com/tool.tar.gz
```
becomes
```dockerfile
RUN wget --progress=dot:giga https://example.com/tool.tar.gz
```

## Fix safety
Safe: only what wget prints on stderr changes; what it downloads, where it writes and its exit
status are the same. Skipped when wget already has `-q`/`--quiet`, `-nv`/`--no-verbose`,
`--progress`, or writes its log to a file (`-o`/`-a`).

## Facts it relies on
Per stage: the base image's distribution (GNU or BusyBox wget); per instruction: whether the
shell is POSIX (not a Windows stage); the analysed script.
"#,
};

/// Does this wget already say how much it prints (quiet, not verbose, a progress style, or a log
/// file)?
fn sets_output(c: &SimpleCmd) -> bool {
    c.args().filter_map(|w| w.lit.as_deref()).any(|a| {
        if let Some(long) = a.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            return matches!(
                name,
                "quiet"
                    | "no-verbose"
                    | "progress"
                    | "output-file"
                    | "append-output"
                    | "show-progress"
            );
        }
        if a == "-nv" {
            return true;
        }
        // A cluster of short options: `-qO-` is quiet. Letters after one that takes a value
        // are that value.
        a.strip_prefix('-').is_some_and(|cluster| {
            for ch in cluster.chars() {
                match ch {
                    'q' | 'o' | 'a' => return true,
                    'O' | 'P' | 'e' | 't' | 'T' | 'w' | 'U' | 'i' | 'B' | 'Y' | 'Q' | 'l' | 'A'
                    | 'R' | 'D' | 'I' | 'X' => return false,
                    _ => {}
                }
            }
            false
        })
    })
}

impl Pass for WgetProgress {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(script) = cx.script(i) else { continue };
            let Some(stage) = ins.stage.filter(|_| cx.in_posix_stage(ins)) else {
                continue;
            };
            let gnu = matches!(
                cx.facts.stages[stage].base.distro,
                Distro::Debian | Distro::Ubuntu | Distro::Rhel
            );
            let flag = if gnu { "--progress=dot:giga" } else { "-q" };
            let edits: Vec<_> = script
                .commands
                .iter()
                .filter(|c| c.name().map(basename) == Some("wget") && !sets_output(c))
                .map(|c| insert_after_word(c, 0, flag))
                .collect();
            if edits.is_empty() {
                continue;
            }
            out.push(cx.finding(
                &META,
                ins.span.start,
                format!("wget prints its progress bar into the build log: `wget {flag}`"),
                Some(crate::fix::Fix::safe(edits)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_wget_already_prints() {
        let text = "wget -qO- https://x | sh && wget -O /tmp/x https://y && wget -nv https://z && wget --progress=bar:force https://w && wget -o log https://v";
        let script = crate::shell::analyse(text, 0..text.len(), '\\').unwrap();
        let set: Vec<bool> = script
            .commands
            .iter()
            .filter(|c| c.name() == Some("wget"))
            .map(sets_output)
            .collect();
        assert_eq!(set, [true, false, true, true, true]);
    }
}
