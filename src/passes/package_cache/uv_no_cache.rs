use super::cache_kept_for_later;
use super::mount_or_flag;
use super::mounts_cache;
use crate::facts::tools::uv_subcommand;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::has_option;
use crate::shell::insert_after_word;
use crate::shell::{SimpleCmd, basename};

pub struct UvNoCache;

static META: Meta = Meta {
    code: "DO016",
    name: "uv-no-cache",
    summary: "uv: --no-cache (or a BuildKit cache mount) where it installs",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Adds `--no-cache` to the uv commands that fill uv's cache: `uv pip install`/`sync`/`compile`,
`uv sync`, `uv add`, `uv remove`, `uv lock`, `uv run`, `uv export`, `uv tool install`/`run`
and `uvx`. With `--cache-mounts` it mounts a BuildKit cache on `/root/.cache/uv` instead.

## Why
uv keeps what it downloads, unpacked, in `~/.cache/uv`, and an image never uses it again. How
much it weighs depends on how uv links the installed files to it. By default it hard-links
them, so the cache shares most of its bytes with the packages: numpy and pandas leave 3 MB of
cache next to 107 MB installed. With `UV_LINK_MODE=copy` (which uv's Docker guide sets beside
cache mounts), or with the cache on another filesystem, the cache is a second full copy: 108 MB
more.

## Example
```dockerfile
RUN uv pip install --system flask
```
becomes
```dockerfile
RUN uv pip install --no-cache --system flask
```

## Fix safety
Safe: with `--no-cache` uv works in a temporary cache that it removes when it is done; what it
installs is the same. The flag goes right after the subcommand, so that it is never read as an
argument of the program `uv run` or `uvx` starts. Skipped when `UV_NO_CACHE` or `UV_CACHE_DIR`
is set (by `ENV`, `ARG` or in the RUN), when `--cache-dir` is given (the cache is put somewhere
on purpose), when a cache is already mounted under `/root/.cache`, when the RUN also runs
`uv cache clean` or `uv cache prune`, or when a later step installs `--offline` from the cache
(the pass then says so).

## Facts it relies on
The analysed script; `UV_NO_CACHE`/`UV_CACHE_DIR` set by ENV/ARG in the chain; later RUNs that install from the cache alone.
"#,
};

/// The index of the last word of a caching uv subcommand (`sync`, `pip install`, `tool run`),
/// or of `uvx` itself, after which `--no-cache` goes.
fn uv_caching(c: &SimpleCmd) -> Option<usize> {
    if basename(c.name()?) == "uvx" {
        return Some(0);
    }
    let (path, k) = uv_subcommand(c)?;
    match path.as_slice() {
        ["sync" | "add" | "remove" | "lock" | "run" | "export"]
        | ["pip", "install" | "sync" | "compile"]
        | ["tool", "install" | "run"] => Some(k),
        _ => None,
    }
}

impl Pass for UvNoCache {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(s) = cx.script(i) else { continue };
            let text = cx.text(&ins.span);
            // The cache is switched off or put somewhere on purpose (perhaps a mount).
            if ["UV_NO_CACHE", "UV_CACHE_DIR"]
                .iter()
                .any(|v| cx.env_set_before(i, v) || text.contains(v))
                || mounts_cache(ins, "/root/.cache")
            {
                continue;
            }
            // `uv cache clean` / `uv cache prune --ci` in the same RUN already empties it.
            let cleans = s.commands.iter().any(|c| {
                basename(c.name().unwrap_or("")) == "uv"
                    && c.has_arg("cache")
                    && (c.has_arg("clean") || c.has_arg("prune"))
            });
            if cleans {
                continue;
            }
            let commands: Vec<(&SimpleCmd, usize)> = s
                .commands
                .iter()
                .filter_map(|c| Some((c, uv_caching(c)?)))
                // Anywhere in the command, even among the arguments of the program `uv run`
                // starts: a fix missed there costs little, a flag twice reads badly.
                .filter(|(c, _)| !has_option(c, &["--no-cache", "--cache-dir"], &['n']))
                .collect();
            if commands.is_empty() {
                continue;
            }
            if let Some(f) = cache_kept_for_later(cx, &META, i, &["uv", "uvx"], &["--offline"], &[])
            {
                out.push(f);
                continue;
            }
            let edits = commands
                .iter()
                .map(|(c, k)| insert_after_word(c, *k, "--no-cache"))
                .collect();
            out.extend(mount_or_flag(
                cx,
                &META,
                i,
                "/root/.cache/uv",
                edits,
                "uv keeps its cache in the layer: --no-cache",
            ));
        }
    }
}
