use crate::facts::join_workdir;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass, Phase};
use crate::syntax::Kind;

pub struct WorkdirAbsolute;

static META: Meta = Meta {
    code: "DO029",
    name: "workdir-absolute",
    summary: "a stage's first WORKDIR is relative: the path it lands on depends on the base image",
    safety: Applicability::Safe,
    phase: Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Writes a stage's first `WORKDIR`, when it is relative, as the absolute path it lands on: the
base image's own working directory joined with it (`WORKDIR app` on `python:3.12` →
`WORKDIR /app`, on `golang:1.22` → `WORKDIR /go/app`). This is BuildKit's `WorkdirRelativePath`
build check.

## Why
A relative `WORKDIR` with no absolute one before it means "wherever the base image happens to
work": the files the next `COPY` writes move when the base image (or its tag) changes its own
`WORKDIR`. BuildKit warns on every build.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR app
```
becomes
```dockerfile
FROM python:3.12-slim
WORKDIR /app
```

## Fix safety
Safe: the path is the one the build uses today, read from the dated table of the official
images' working directories (or the stage the stage is built `FROM`). A base image not in that
table gets the finding without a fix; a path with a variable is left alone.

## Facts it relies on
Per instruction: the working directory in force and whether it is known (the base image's own,
from the dated table in `facts/images.rs`, or an earlier stage's WORKDIR).
"#,
};

impl Pass for WorkdirAbsolute {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for s in 0..cx.doc.stages.len() {
            if cx.facts.stages[s].windows {
                continue;
            }
            let Some((i, ins)) = cx.stage_instrs(s).find(|(_, ins)| ins.is(Kind::Workdir)) else {
                continue;
            };
            let Some(arg) = ins.args.first() else {
                continue;
            };
            let Some(written) = crate::facts::unquoted(&arg.value) else {
                continue;
            };
            if written.starts_with('/') || written.contains('$') || written.is_empty() {
                continue;
            }
            let facts = &cx.facts.instrs[i];
            let absolute =
                join_workdir(facts.workdir.as_deref(), written).filter(|_| facts.workdir_known);
            let base = &cx.facts.stages[s].base.reference;
            match absolute {
                Some(path) if !path.contains([' ', '"', '\'', '\\']) => out.push(cx.finding(
                    &META,
                    ins.span.start,
                    format!(
                        "relative WORKDIR `{}` as the first of its stage: `{path}` says where it lands",
                        written
                    ),
                    Some(Fix::new(
                        Applicability::Safe,
                        vec![Edit::replace(arg.span.clone(), path)],
                    )),
                )),
                _ => out.push(cx.finding(
                    &META,
                    ins.span.start,
                    format!(
                        "relative WORKDIR `{}` as the first of its stage: where it lands depends on the working directory of `{base}`, which is not known here; write the absolute path",
                        written
                    ),
                    None,
                )),
            }
        }
    }
}
