use super::cache_kept_for_later;
use super::mount_or_append;
use super::mounts_cache;
use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::is_named;
use crate::shell::{Script, SimpleCmd};
use crate::syntax::Kind;

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
and no `.yarnrc.yml` is there), or when the Dockerfile shows that the install runs the Yarn 1 an
official `node` image bundles: nothing before it in the stage installs or switches Yarn (no
`yarn` or `corepack` mentioned), and only named files (`package.json`, `yarn.lock`, names with
an extension), none of them a `.yarnrc*`, are copied before it, so no `yarnPath` can hand the
install to a newer Yarn. Either cache is kept, and the pass says so, when a later step installs `--offline` from
it.

## Facts it relies on
The analysed scripts of the RUN and of later RUNs that install `--offline`; the build context's
`yarn.lock` and `.yarnrc.yml` (which Yarn); the stage's base (the table of images that bundle
Yarn 1) and what is copied and run before the install; the user in force (a cache mount is root's). An appended cleanup waits for a merge of its RUN.
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

/// Names that an npm or Yarn project reads as files: copied before an install, they are files.
const MANIFESTS: &[&str] = &[
    "package.json",
    "yarn.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    ".npmrc",
];

/// An extension that `ADD` may unpack (then the source was a folder of files, not one file).
const ARCHIVE_EXT: &[&str] = &["tar", "gz", "tgz", "bz2", "tbz2", "xz", "txz", "zst", "zip"];

/// A COPY/ADD source that is one named file, and not Yarn's configuration: a manifest, or a
/// name with an extension (not a `.d` folder, not an archive ADD unpacks).
fn named_file(src: &str, add: bool) -> bool {
    if src.ends_with('/') || src.contains(['*', '?', '[', '$']) {
        return false;
    }
    let name = src.rsplit('/').next().unwrap_or(src);
    if name.starts_with(".yarnrc") {
        return false;
    }
    if MANIFESTS.contains(&name) {
        return true;
    }
    let stem = name.strip_prefix('.').unwrap_or(name);
    match stem.rsplit_once('.') {
        Some((_, ext)) => {
            let ext = ext.to_ascii_lowercase();
            !ext.is_empty() && ext != "d" && !(add && ARCHIVE_EXT.contains(&ext.as_str()))
        }
        None => false,
    }
}

/// The Dockerfile shows that the install at instruction `i` runs the Yarn 1 its official base
/// image bundles, in a project that cannot hand it to another Yarn: nothing earlier in the
/// stage mentions yarn or corepack (which would install or switch Yarn), no command of the RUN
/// before the install names yarn, and everything copied before it is a named file that is not a
/// `.yarnrc`/`.yarnrc.yml` (whose `yarnPath` would make Yarn 1 run a newer Yarn).
fn bundled_classic_yarn(cx: &Context<'_, '_>, i: usize) -> bool {
    let Some(s) = cx.doc.instructions[i].stage else {
        return false;
    };
    let stage = &cx.facts.stages[s];
    if stage.parent.is_some() || !crate::facts::images::bundles_classic_yarn(&stage.base) {
        return false;
    }
    let mentions = |text: &str, words: &[&str]| {
        let text = text.to_ascii_lowercase();
        words.iter().any(|w| text.contains(w))
    };
    let own = &cx.doc.text[cx.doc.instructions[i].span.clone()];
    if mentions(
        own,
        &[
            "corepack",
            "set version",
            "policies",
            "yarnpath",
            "yarn-path",
        ],
    ) {
        return false;
    }
    // `npm install -g yarn@berry && yarn install`: a command before the install names yarn.
    let installs_yarn = cx.script(i).is_none_or(|script| {
        script
            .commands
            .iter()
            .take_while(|c| !yarn_installs(c))
            .any(|c| c.words.iter().any(|w| mentions(&w.raw, &["yarn"])))
    });
    if installs_yarn {
        return false;
    }
    cx.stage_instrs(s)
        .take_while(|(j, _)| *j < i)
        .all(|(_, ins)| {
            let text = &cx.doc.text[ins.span.clone()];
            match ins.kind {
                Kind::Copy | Kind::Add => {
                    ins.flag("from").is_none()
                        && ins.args.len() >= 2
                        && ins.args[..ins.args.len() - 1]
                            .iter()
                            .all(|a| named_file(&a.value, ins.is(Kind::Add)))
                }
                Kind::From => true,
                _ => !mentions(text, &["yarn", "corepack"]),
            }
        })
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
                let applicability = if tool == "yarn"
                    && (classic_yarn(cx, ins.stage) || bundled_classic_yarn(cx, i))
                {
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
