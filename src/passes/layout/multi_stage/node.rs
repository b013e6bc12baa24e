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
    let Some(installed) = cx.npm_packages(0) else {
        return Err("no package.json in the build context tells which packages are installed, so whether a native addon needs a compiler or a library in the runtime stage is not known".into());
    };
    let Some(output) = output else {
        // The start command (`npm start`, `yarn start`, `node server.js`) may read any file of
        // the application: the whole folder goes, with its dependencies pruned to production
        // ones in the build stage.
        return whole_application(cx, image, instrs, &runtime, &workdir, manager, &installed);
    };
    // The runtime stage installs the production dependencies again, on an image with no
    // compiler.
    if let Some(addon) = crate::facts::npm::compiled_addon(&installed) {
        return Err(format!(
            "`{addon}` is a native addon: installed again on `{runtime}`, which has no compiler, it may not build; split it by hand (copy the pruned node_modules)"
        ));
    }
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

/// The whole application folder onto the slim image: the build stage prunes its dependencies to
/// production ones after the last RUN, the runtime stage copies the folder and runs again the
/// build's global npm installs (a tool such as yarn or pm2 the start command may run). Refused
/// when a RUN does something else the runtime stage would not have.
fn whole_application(
    cx: &Context<'_, '_>,
    image: &ImageRef,
    instrs: &[(usize, &Instr)],
    runtime: &str,
    workdir: &str,
    manager: &str,
    installed: &[String],
) -> Split {
    let mut globals: Vec<String> = Vec::new();
    let release = build_release_name(cx);
    // What the copied node_modules and the RUNs need on the slim image: apt's runtime packages
    // and -dev packages' libraries, and the libraries of the full image the addons link.
    let mut packages: Vec<String> = Vec::new();
    for (addon, devs) in crate::facts::npm::NODE_ADDON_LIBRARIES {
        if installed.iter().any(|p| p == addon) {
            let Some(release) = &release else {
                return Err(format!(
                    "the Debian release of `{}` is not known, so the runtime libraries `{addon}` links cannot be named",
                    image.name
                ));
            };
            for dev in *devs {
                packages.extend(dev_runtime(release, dev)?);
            }
        }
    }
    for (i, ins) in instrs {
        let line = cx.doc.line_of(ins.span.start) + 1;
        match ins.kind {
            Kind::Copy | Kind::Add => {
                let dest = ins.args.last().map(|a| a.value.as_str()).unwrap_or("");
                let inside = absolute(dest, cx.facts.instrs[*i].workdir.as_deref())
                    .is_some_and(|d| is_under(&d, workdir));
                if !inside || ins.flag("from").is_some() {
                    return Err(format!(
                        "the {} at line {line} writes outside `{workdir}`, which the runtime stage would not have",
                        ins.keyword
                    ));
                }
            }
            Kind::Run => {
                let Some(script) = cx.script(*i) else {
                    return Err(format!("the RUN at line {line} could not be read"));
                };
                for c in &script.commands {
                    let name = c.name().map(basename).unwrap_or("");
                    let global = c.args().any(|w| w.is("-g") || w.is("--global"));
                    match name {
                        "npm" | "yarn" | "pnpm" if global => {
                            let words: Vec<&str> = c.words.iter().map(|w| w.raw.as_str()).collect();
                            globals.push(words.join(" "));
                        }
                        "npm" | "yarn" | "pnpm" | "npx" | "node" | "cd" | "true" | "echo"
                        | "ls" | "rm" | "mkdir" | "cp" | "mv" => {}
                        // apt-get update alone (the list is not kept in the runtime).
                        "apt-get" | "apt" if c.first_operand() == Some("update") => {}
                        // An install: its runtime packages are installed in the runtime stage.
                        "apt-get" | "apt"
                            if matches!(
                                c.first_operand(),
                                Some("install" | "purge" | "remove" | "clean" | "autoremove")
                            ) =>
                        {
                            apt_runtime_packages(
                                c,
                                release.as_deref(),
                                &image.name,
                                &|p| packages::is_toolchain_package(p) || p.starts_with("python"),
                                &mut packages,
                            )?;
                        }
                        other => {
                            return Err(format!(
                                "the RUN at line {line} runs `{other}`, whose effect the runtime stage would not have"
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let last_run = instrs
        .iter()
        .rev()
        .find(|(_, i)| i.is(Kind::Run))
        .map(|(_, i)| *i)
        .ok_or("no RUN")?;
    let prune = match manager {
        "yarn" => "yarn install --production --ignore-scripts --prefer-offline".to_string(),
        _ => "npm prune --omit=dev".to_string(),
    };
    let nl = cx.doc.newline;
    let at = crate::syntax::whole_lines(cx.doc.text, &last_run.span).end;
    let edit = match cx.doc.text[..at].ends_with('\n') {
        true => Edit::insert(at, format!("RUN {prune}{nl}")),
        false => Edit::insert(at, format!("{nl}RUN {prune}")),
    };
    keep_first(&mut packages);
    let mut t = runtime_context(cx, instrs, runtime, &workdir);
    t.insert("globals", &globals);
    t.insert("packages", &packages);
    let msg = format!(
        "builds and runs in one stage: the runtime stage `{runtime}` gets `{workdir}` with production dependencies only (pruned in the build stage)"
    );
    Ok(Some(("node-app", t, vec![edit], msg)))
}
