use crate::facts::packages::RECOMMENDS_A_BUILD_NEEDS;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::has_option;
use crate::shell::insert_after_word;
use crate::shell::is_named;
use crate::shell::subcommand;

pub struct AptNoInstallRecommends;

static META: Meta = Meta {
    code: "DO011",
    name: "apt-no-install-recommends",
    summary: "apt-get install --no-install-recommends",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
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

A recommended package that a build needs is named instead: `gcc` (or `gcc-N`) only recommends
the C library headers (`libc6-dev`), without which no C file compiles, so an install of `gcc`
without `g++`, `build-essential` or `libc6-dev` gets `libc6-dev` added.

## Fix safety
Unsafe: the application may rely on a recommended package (a CA bundle, a locale, a compiler).
Apply it with `--unsafe-fixes` and run your smoke tests.

## Facts it relies on
The package table of `src/facts/packages.rs` (which recommends a build needs).
"#,
};

impl Pass for AptNoInstallRecommends {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(s) = cx.script(i) else { continue };
            let mut edits = Vec::new();
            let mut kept = Vec::new();
            for (c, k) in s
                .commands
                .iter()
                .filter(|c| is_named(c, &["apt-get", "apt"]))
                .filter_map(|c| Some((c, subcommand(c, &["install"])?)))
                .filter(|(c, _)| {
                    !has_option(c, &["--no-install-recommends"], &[])
                        && !c.args().any(|w| w.raw.contains("Install-Recommends"))
                })
            {
                edits.push(insert_after_word(c, k, "--no-install-recommends"));
                // A recommended package a build needs (gcc's C library headers) is named.
                let names: Vec<&str> = c.args().filter_map(|w| w.lit.as_deref()).collect();
                for (package, needed, enough) in RECOMMENDS_A_BUILD_NEEDS {
                    let Some(word) = c
                        .args()
                        .find(|w| w.lit.as_deref().is_some_and(|n| versioned(n, package)))
                    else {
                        continue;
                    };
                    if !names.iter().any(|n| enough.iter().any(|e| versioned(n, e))) {
                        edits.push(Edit::insert(word.span.end, format!(" {needed}")));
                        kept.push(format!(
                            "`{needed}`, which `{}` recommends and a compile needs, is named",
                            word.raw
                        ));
                    }
                }
            }
            if !edits.is_empty() {
                let mut message = "apt-get install without --no-install-recommends".to_string();
                if !kept.is_empty() {
                    message.push_str(&format!(" ({})", kept.join("; ")));
                }
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    message,
                    Some(Fix::new(Applicability::Unsafe, edits)),
                ));
            }
        }
    }
}

/// `name` is `package` or one of its versioned twins (`gcc-12` for `gcc`).
fn versioned(name: &str, package: &str) -> bool {
    name == package
        || name
            .strip_prefix(package)
            .and_then(|v| v.strip_prefix('-'))
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
}
