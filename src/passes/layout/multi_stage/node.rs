//! Node with a build step: production dependencies and the build output on `node:X-slim`.

use super::*;

/// `node` with `npm run build` and `node <out>/<file>.js`: production dependencies and `<out>`.
pub(super) fn node(
    cx: &Context<'_, '_>,
    from: &Instr,
    image: &ImageRef,
    instrs: &[(usize, &Instr)],
) -> Split {
    let mut builds = false;
    let mut manager = None;
    for (i, _) in instrs {
        let Some(script) = cx.script(*i) else {
            continue;
        };
        for c in &script.commands {
            let ops = c.operands();
            match (c.name().map(basename), ops.as_slice()) {
                (Some("npm"), ["run", script, ..]) if script.contains("build") => builds = true,
                (Some("yarn"), ["build", ..]) | (Some("yarn"), ["run", "build", ..]) => {
                    builds = true
                }
                (Some("npm"), ["ci", ..]) => manager = Some("npm ci"),
                (Some("npm"), ["install" | "i"]) => manager = manager.or(Some("npm install")),
                (Some("yarn"), [] | ["install"]) => manager = Some("yarn"),
                _ => {}
            }
        }
    }
    if !builds {
        return Ok(None); // no build step: slim-base and dependency-first cover it
    }
    let Some(manager) = manager else {
        return Err("a Node build with no npm/yarn install to repeat for production dependencies: split it by hand".into());
    };
    let Some(workdir) = final_workdir(instrs) else {
        return Err("a Node build with no WORKDIR: split it by hand".into());
    };
    let start = instrs
        .iter()
        .rev()
        .find(|(_, i)| i.is(Kind::Entrypoint) || i.is(Kind::Cmd))
        .map(|(_, i)| *i);
    let words = start.and_then(|s| cx.doc.command_words(s));
    let output = words
        .as_ref()
        .filter(|w| w.first().map(String::as_str) == Some("node"))
        .and_then(|w| w.get(1))
        .and_then(|script| {
            let rel = script.trim_start_matches("./");
            let dir = rel.split_once('/')?.0;
            (!rel.starts_with('/') && !matches!(dir, "node_modules" | "src" | "."))
                .then(|| dir.to_string())
        });
    let Some(output) = output else {
        return Err("a Node build whose start command is not `node <build folder>/<file>`: split it by hand".into());
    };
    let runtime = match (
        image.tag_has("slim") || image.tag_has("alpine"),
        crate::facts::images::slim_tag("node", image.tag.as_deref()),
    ) {
        (true, _) => from.args[0].value.clone(),
        (false, Some(tag)) => format!("node:{tag}"),
        (false, None) => {
            return Err("a Node build on a base with no slim variant: split it by hand".into());
        }
    };
    // With --cache-mounts no clean-up: node-cache-clean mounts the cache next round instead.
    let mounts = cx.settings.cache_mounts;
    let (install, manifests) = match manager {
        "yarn" => (
            format!(
                "yarn install --production --frozen-lockfile{}",
                if mounts { "" } else { " && yarn cache clean" }
            ),
            vec!["package.json", "yarn.lock"],
        ),
        m => (
            format!(
                "{m} --omit=dev{}",
                if mounts {
                    ""
                } else {
                    " && npm cache clean --force"
                }
            ),
            vec!["package*.json"],
        ),
    };
    let mut t = runtime_context(cx, instrs, &runtime, &workdir);
    t.insert("manifests", &manifests);
    t.insert("install", &install);
    t.insert("output", &output);
    let msg = format!(
        "builds and runs in one stage: the runtime stage `{runtime}` gets production dependencies and `{workdir}/{output}` only"
    );
    Ok(Some(("node", t, Vec::new(), msg)))
}
