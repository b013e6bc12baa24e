use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::basename;
use crate::syntax::Kind;

pub struct Pipefail;

static META: Meta = Meta {
    code: "DO044",
    name: "pipefail",
    summary: "A download piped into another command without pipefail",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL4006"],
    docs: r#"## What it does
Warns about a `RUN` that pipes `curl` or `wget` into another command (`curl -fsSL url | sh`)
when neither the script (`set -o pipefail`) nor the stage's `SHELL` (`-o pipefail`) makes the
pipeline fail with the download.

## Why
A pipeline's exit status is its last command's: a failed download piped into `sh` or `tar`
runs it on nothing and the build goes on, producing an image without the tool.

## Example
```dockerfile
RUN curl -fsSL https://example.com/install.sh | sh
```
should be
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | sh
```

## Fix safety
A suggestion only: `/bin/sh` on Debian (dash) only knows `pipefail` from version 0.5.11, and
BusyBox's does; switching the `SHELL` to bash needs bash in the image.

## Facts it relies on
The shell in force and the analysed scripts.
"#,
};

impl Pass for Pipefail {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for (i, ins) in doc.instructions.iter().enumerate() {
            let Some(script) = cx.script(i) else { continue };
            let text = cx.text(&ins.span);
            if text.contains("pipefail") {
                continue;
            }
            let shell_has_it = ins.stage.is_some_and(|s| {
                cx.stage_instrs(s).any(|(j, x)| {
                    j < i && x.is(Kind::Shell) && cx.text(&x.span).contains("pipefail")
                })
            });
            if shell_has_it {
                continue;
            }
            // A download inside a pipeline (pipelines mark their commands as nested).
            let piped_download = script.commands.iter().any(|c| {
                c.piped
                    && c.name()
                        .map(basename)
                        .is_some_and(|n| n == "curl" || n == "wget")
            });
            if piped_download {
                out.push(cx.finding(&META, ins.span.start, "a download is piped into another command without `pipefail`: a failed download would not fail the build", None));
            }
        }
    }
}
