use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{SimpleCmd, basename};
use crate::syntax::Kind;

pub struct LateRemoval;

static META: Meta = Meta {
    code: "DO045",
    name: "late-removal",
    summary: "Packages removed in a later layer than the one that installed them",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Warns when a `RUN` removes packages (`apt-get purge`/`remove`, `apk del`, `yum`/`dnf remove`)
that an earlier `RUN` of the stage installed.

## Why
Every layer ships with the image: the packages stay in the layer that installed them, and the
later removal only adds a layer that hides them. The build tools of a compile (gcc,
`build-base`, `-dev` packages) are the usual case, removed "after we're done".

## Example
```dockerfile
RUN apk add --no-cache build-base postgresql-dev
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN apk del --purge build-base
```
should install, use and remove them in one layer
```dockerfile
COPY requirements.txt .
RUN apk add --no-cache --virtual .build-deps build-base postgresql-dev \
    && pip install -r requirements.txt \
    && apk del .build-deps
```
(keeping the runtime libraries, such as `libpq`, installed), or build in a separate stage.

## Fix safety
A suggestion only: which packages the application still needs at run time (a `-dev` package's
runtime library) is not known.

## Facts it relies on
The analysed scripts of the stage chain: what each RUN installs (with `--virtual` names) and what
a later RUN removes.
"#,
};

/// The package names a command installs (`apk add --virtual NAME` counts NAME), or removes.
fn packages(c: &SimpleCmd, installs: bool) -> Vec<String> {
    let Some(name) = c.name().map(basename) else {
        return Vec::new();
    };
    let words: Vec<&str> = c.args().filter_map(|w| w.lit.as_deref()).collect();
    let sub = words.iter().find(|w| !w.starts_with('-')).copied();
    let wanted = matches!(
        (name, sub, installs),
        ("apt-get" | "apt", Some("install"), true)
            | ("apt-get" | "apt", Some("purge" | "remove"), false)
            | ("apk", Some("add"), true)
            | ("apk", Some("del"), false)
            | ("yum" | "dnf" | "microdnf", Some("install"), true)
            | ("yum" | "dnf" | "microdnf", Some("remove" | "erase"), false)
    );
    if !wanted {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < words.len() {
        let w = words[k];
        if matches!(w, "--virtual" | "-t") && installs {
            if let Some(v) = words.get(k + 1) {
                out.push(v.to_string());
            }
            k += 2;
            continue;
        }
        if !w.starts_with('-') && Some(w) != sub {
            out.push(w.to_string());
        }
        k += 1;
    }
    out
}

impl Pass for LateRemoval {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for (j, ins) in doc.instructions.iter().enumerate() {
            let Some(script) = cx.script(j).filter(|_| ins.is(Kind::Run)) else {
                continue;
            };
            // What this RUN installs itself it may remove in the same layer: that saves.
            let installed_here: Vec<String> = script
                .commands
                .iter()
                .flat_map(|c| packages(c, true))
                .collect();
            let removed: Vec<String> = script
                .commands
                .iter()
                .flat_map(|c| packages(c, false))
                .filter(|p| !installed_here.contains(p))
                .collect();
            if removed.is_empty() {
                continue;
            }
            // The earlier RUNs of the stage chain that installed one of them.
            let Some(stage) = ins.stage else { continue };
            let earlier = (0..j).filter(|&i| {
                let x = &doc.instructions[i];
                x.stage
                    .is_some_and(|s| s == stage || doc.descendants(s).contains(&stage))
            });
            let found = earlier.rev().find_map(|i| {
                let installed: Vec<String> = cx
                    .script(i)?
                    .commands
                    .iter()
                    .flat_map(|c| packages(c, true))
                    .collect();
                let both: Vec<&String> = removed.iter().filter(|p| installed.contains(p)).collect();
                (!both.is_empty())
                    .then(|| (i, both.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>()))
            });
            if let Some((i, names)) = found {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    format!(
                        "{} installed on line {} and removed in this later layer, which saves nothing: the install layer keeps them; install, use and remove them in one RUN (`apk add --virtual .build-deps …` / `apt-get purge` at its end), or build in a separate stage",
                        names.join(", "),
                        doc.line_of(doc.instructions[i].span.start)
                    ),
                    None,
                ));
            }
        }
    }
}
