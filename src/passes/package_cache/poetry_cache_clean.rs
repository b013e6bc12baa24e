use super::mount_or_append;
use super::mounts_cache;
use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::is_named;

pub struct PoetryCacheClean;

/// Where Poetry keeps downloads and index responses for root: the virtualenvs it makes beside
/// them, in `virtualenvs/`, are the installed packages themselves and stay.
const CACHES: [&str; 2] = [
    "/root/.cache/pypoetry/artifacts",
    "/root/.cache/pypoetry/cache",
];

static META: Meta = Meta {
    code: "DO017",
    name: "poetry-cache-clean",
    summary: "Poetry: downloaded packages removed in the layer that fetched them",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
After `poetry install` (but `--only-root`), `poetry sync`, `poetry add` or `poetry update`
running as root, appends
`rm -rf /root/.cache/pypoetry/artifacts /root/.cache/pypoetry/cache` to the same RUN. With
`--cache-mounts` it mounts BuildKit caches on those two folders instead.

## Why
Poetry keeps every package file it downloads in `~/.cache/pypoetry/artifacts`, and
`--no-cache` does not stop it. In an image that copy is never used again: it weighs what the
compressed packages weigh, tens to hundreds of megabytes for a data-science stack.

## Example
```dockerfile
RUN poetry install --no-root
```
becomes
```dockerfile
RUN poetry install --no-root && rm -rf /root/.cache/pypoetry/artifacts /root/.cache/pypoetry/cache
```

## Fix safety
Safe: only the download and index caches go. The virtualenvs Poetry makes in
`~/.cache/pypoetry/virtualenvs` (when they are not in the project) are left alone. Skipped when
`POETRY_CACHE_DIR` or `XDG_CACHE_HOME` is set (the cache is elsewhere), when the RUN already
clears Poetry's cache, or when it does not run as root.

## Facts it relies on
The analysed script; the user in force (root's cache only); `POETRY_CACHE_DIR`/`XDG_CACHE_HOME` in the chain. An appended cleanup waits for a merge of its RUN.
"#,
};

impl Pass for PoetryCacheClean {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(s) = cx.script(i) else { continue };
            let installs = s.commands.iter().any(|c| {
                // `--only-root` installs the project alone: nothing is downloaded.
                is_named(c, &["poetry"])
                    && matches!(
                        c.first_operand(),
                        Some("install" | "sync" | "add" | "update")
                    )
                    && !c.has_arg("--only-root")
            });
            let text = cx.text(&ins.span);
            if !installs
                || !cx.runs_as_root(i)
                || text.contains("pypoetry")
                || text.contains("cache clear")
                || mounts_cache(ins, "/root/.cache")
                || ["POETRY_CACHE_DIR", "XDG_CACHE_HOME"]
                    .iter()
                    .any(|v| cx.env_set_before(i, v) || text.contains(v))
            {
                continue;
            }
            let clean = format!("rm -rf {}", CACHES.join(" "));
            out.extend(mount_or_append(
                cx,
                &META,
                i,
                s,
                "poetry",
                &CACHES,
                &clean,
                Applicability::Safe,
            ));
        }
    }
}
