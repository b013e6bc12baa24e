use super::common::{has_option, insert_after_word, is_named, subcommand};
use super::{Context, Finding, Meta, Pass};
use crate::fix::{Applicability, Fix};

pub struct AptNoInstallRecommends;

static META: Meta = Meta {
    code: "DO011",
    name: "apt-no-install-recommends",
    summary: "apt-get install --no-install-recommends",
    safety: Applicability::Unsafe,
    hadolint: &["DL3015"],
    docs: r#"## What it does
Adds `--no-install-recommends` to `apt-get install`.

## Why
By default apt also installs every package that the requested ones *recommend*. In images these
are rarely used and often large: `python3-pip` alone recommends about 400 MB of compilers and
headers.

## Example
```dockerfile
RUN apt-get install -y python3-pip
```
becomes
```dockerfile
RUN apt-get install -y --no-install-recommends python3-pip
```

## Fix safety
Unsafe: the application may rely on a recommended package (a CA bundle, a locale, a compiler).
Apply it with `--unsafe-fixes` and run your smoke tests.
"#,
};

impl Pass for AptNoInstallRecommends {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(s) = cx.script(i) else { continue };
            let edits: Vec<_> = s
                .commands
                .iter()
                .filter(|c| is_named(c, &["apt-get", "apt"]))
                .filter_map(|c| Some((c, subcommand(c, &["install"])?)))
                .filter(|(c, _)| {
                    !has_option(c, &["--no-install-recommends"], &[])
                        && !c.args().any(|w| w.raw.contains("Install-Recommends"))
                })
                .map(|(c, k)| insert_after_word(c, k, "--no-install-recommends"))
                .collect();
            if !edits.is_empty() {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    "apt-get install without --no-install-recommends",
                    Some(Fix::new(Applicability::Unsafe, edits)),
                ));
            }
        }
    }
}
