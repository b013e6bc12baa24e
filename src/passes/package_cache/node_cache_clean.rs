use super::cache_kept_for_later;
use super::mount_or_append;
use super::mounts_cache;
use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::is_named;
use crate::shell::{Script, SimpleCmd};

pub struct NodeCacheClean;

static META: Meta = Meta {
    code: "DO015",
    name: "node-cache-clean",
    summary: "npm/yarn: package cache cleaned in the layer that fills it",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3060"],
    docs: r#"## What it does
After `npm install`/`npm ci`, appends `npm cache clean --force` to the same RUN; after
`yarn install`/`yarn add`, appends `yarn cache clean`. With `--cache-mounts` it mounts a BuildKit
cache on `/root/.npm` or `/usr/local/share/.cache/yarn` instead.

## Why
npm and yarn keep a copy of every downloaded tarball in their cache (`~/.npm`,
`/usr/local/share/.cache/yarn`), typically as large as `node_modules` itself.

## Example
```dockerfile
RUN npm ci --omit=dev
```
becomes
```dockerfile
RUN npm ci --omit=dev && npm cache clean --force
```

## Fix safety
npm: Safe, the cache is only a download cache. yarn: Unsafe, because in Yarn 2+ projects
without a global cache `yarn cache clean` deletes `.yarn/cache`, which Plug'n'Play needs at run
time; Safe when the build context shows a Yarn 1 project (`yarn.lock` says `yarn lockfile v1`,
and no `.yarnrc.yml` is there). Either cache is kept, and the pass says so, when a later step installs `--offline` from
it.

## Facts it relies on
The analysed scripts of the RUN and of later RUNs that install `--offline`; the build context's
`yarn.lock` and `.yarnrc.yml` (which Yarn); the user in force (a cache mount is root's). An appended cleanup waits for a merge of its RUN.
"#,
};

fn npm_installs(c: &SimpleCmd) -> bool {
    is_named(c, &["npm"]) && matches!(c.first_operand(), Some("install" | "i" | "ci" | "add"))
}

fn yarn_installs(c: &SimpleCmd) -> bool {
    is_named(c, &["yarn"]) && matches!(c.first_operand(), None | Some("install" | "add"))
}

fn has(s: &Script, tool: &str, pred: fn(&SimpleCmd) -> bool) -> (bool, bool) {
    let installs = s.commands.iter().any(pred);
    let cleans = s.commands.iter().any(|c| {
        is_named(c, &[tool]) && c.has_arg("cache") && (c.has_arg("clean") || c.has_arg("clear"))
    });
    (installs, cleans)
}

/// The build context shows a Yarn 1 project: its `yarn.lock` says `yarn lockfile v1` and no
/// `.yarnrc.yml` points at a newer Yarn, so `yarn cache clean` empties only the global download
/// cache.
fn classic_yarn(cx: &Context<'_, '_>, stage: Option<usize>) -> bool {
    let Some(s) = stage else { return false };
    let dir = cx.manifest_folder(s, &["package.json", "yarn.lock"]);
    let lock = cx.build_context.read(&format!("{dir}yarn.lock"));
    let berry = cx.build_context.exists(&format!("{dir}.yarnrc.yml")) != Some(false)
        || cx.build_context.exists(".yarnrc.yml") != Some(false);
    !berry && lock.is_some_and(|l| l.lines().take(5).any(|l| l.trim() == "# yarn lockfile v1"))
}

impl Pass for NodeCacheClean {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(s) = cx.script(i) else { continue };
            let tools = [
                (
                    "npm",
                    has(s, "npm", npm_installs),
                    "npm cache clean --force",
                    "/root/.npm",
                    Applicability::Safe,
                ),
                (
                    "yarn",
                    has(s, "yarn", yarn_installs),
                    "yarn cache clean",
                    "/usr/local/share/.cache/yarn",
                    Applicability::Unsafe,
                ),
            ];
            for (tool, (installs, cleans), clean, cache, applicability) in tools {
                if !installs || cleans || mounts_cache(ins, cache) {
                    continue;
                }
                if let Some(f) = cache_kept_for_later(cx, &META, i, &[tool], &["--offline"], &[]) {
                    out.push(f);
                    break;
                }
                // Read only here: it looks through the stage for the manifests.
                let applicability = if tool == "yarn" && classic_yarn(cx, ins.stage) {
                    Applicability::Safe
                } else {
                    applicability
                };
                // Non-root: a cache mount would need the user's own cache folder.
                if !cx.settings.cache_mounts || cx.runs_as_root(i) {
                    let cache = [cache];
                    out.extend(mount_or_append(
                        cx,
                        &META,
                        i,
                        s,
                        tool,
                        &cache,
                        clean,
                        applicability,
                    ));
                }
                // One append per round; the next round sees the first.
                break;
            }
        }
    }
}
