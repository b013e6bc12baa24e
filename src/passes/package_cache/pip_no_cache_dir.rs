use super::mount_or_flag;
use super::mounts_cache;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::has_option;
use crate::shell::insert_after_word;
use crate::shell::{SimpleCmd, basename};

pub struct PipNoCacheDir;

static META: Meta = Meta {
    code: "DO013",
    name: "pip-no-cache-dir",
    summary: "pip install --no-cache-dir (or a BuildKit cache mount)",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3042"],
    docs: r#"## What it does
Adds `--no-cache-dir` to `pip install`, `pip3 install` and `python -m pip install`, in RUN
scripts and in `ONBUILD RUN` triggers (which run in every image built FROM this one). With
`--cache-mounts` it mounts a BuildKit cache on `/root/.cache/pip` instead (not in a trigger,
whose build is not this one).

## Why
pip keeps every wheel it downloads in `~/.cache/pip`. In an image that cache is never used again
and often weighs as much as the packages themselves.

## Example
```dockerfile
RUN pip install flask
```
becomes
```dockerfile
RUN pip install --no-cache-dir flask
```

## Fix safety
Safe: the cache only speeds up a later install in the same container. Skipped when
`PIP_NO_CACHE_DIR` is set by `ENV`/`ARG`, or a cache is already mounted.

## Facts it relies on
The analysed script (of the RUN, or of the `ONBUILD RUN` trigger in a stage that ends in a
POSIX shell); `PIP_NO_CACHE_DIR` set by ENV/ARG in the chain (per-instruction facts); cache mounts already on the RUN.
"#,
};

/// Index of the `install` word in a pip invocation.
fn pip_install(c: &SimpleCmd) -> Option<usize> {
    let name = basename(c.name()?);
    let is_pip = crate::shell::is_pip(name);
    let is_python =
        name.starts_with("python") && name[6..].chars().all(|x| x.is_ascii_digit() || x == '.');
    let lits: Vec<Option<&str>> = c.words.iter().map(|w| w.lit.as_deref()).collect();
    let start = if is_pip {
        1
    } else if is_python && lits.get(1) == Some(&Some("-m")) && lits.get(2) == Some(&Some("pip")) {
        3
    } else {
        return None;
    };
    // The subcommand is the first non-option word.
    for (k, w) in lits.iter().enumerate().skip(start) {
        match w {
            Some(a) if a.starts_with('-') => continue,
            Some("install") => return Some(k),
            _ => return None,
        }
    }
    None
}

impl Pass for PipNoCacheDir {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            // An `ONBUILD RUN` fills the cache of every image built FROM this one.
            let (s, trigger) = match (cx.script(i), cx.trigger_script(i)) {
                (Some(s), _) => (s, false),
                (None, Some(s)) => (s, true),
                (None, None) => continue,
            };
            if cx.env_set_before(i, "PIP_NO_CACHE_DIR") || mounts_cache(ins, "/root/.cache") {
                continue;
            }
            let installs: Vec<(&SimpleCmd, usize)> = s
                .commands
                .iter()
                .filter_map(|c| Some((c, pip_install(c)?)))
                .filter(|(c, _)| !has_option(c, &["--no-cache-dir"], &[]))
                .collect();
            if installs.is_empty() {
                continue;
            }
            let edits = installs
                .iter()
                .map(|(c, k)| insert_after_word(c, *k, "--no-cache-dir"))
                .collect();
            if trigger {
                // No cache mount: the trigger's build is not this one.
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    "pip install without --no-cache-dir in an ONBUILD trigger (every image built FROM this one keeps the cache)",
                    Some(crate::fix::Fix::safe(edits)),
                ));
                continue;
            }
            out.extend(mount_or_flag(
                cx,
                &META,
                i,
                "/root/.cache/pip",
                edits,
                "pip install without --no-cache-dir",
            ));
        }
    }
}
