use super::APPENDS;
use super::cache_mount_edits;
use super::mounts_cache;
use crate::fix::{Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::append_command;
use crate::shell::has_option;
use crate::shell::insert_after_word;
use crate::shell::subcommand;
use crate::shell::{Script, SimpleCmd, basename};
use crate::syntax::whole_lines;
use crate::syntax::{Body, Kind};

pub struct AptCleanup;

static META: Meta = Meta {
    code: "DO010",
    name: "apt-cleanup",
    summary: "apt-get: -y, apt-get over apt, and package lists removed in the layer that made them",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3009", "DL3014", "DL3027"],
    docs: r#"## What it does
In a `RUN` that uses apt:
- appends `rm -rf /var/lib/apt/lists/*` after the last command (or, with `--cache-mounts`, mounts
  BuildKit caches on `/var/cache/apt` and `/var/lib/apt` instead);
- folds a later `RUN` that only cleans apt (`apt-get clean`, `rm -rf /var/lib/apt/lists/*`) into
  the installing layer, where it saves space;
- joins a lone `RUN apt-get update` to the install `RUN` that follows it;
- adds `-y` to `apt-get install`, and replaces `apt` with `apt-get` for `install`, `update`,
  `remove`, `purge`, `autoremove` and `clean`.

## Why
`apt-get update` downloads about 20-50 MB of package lists. Left in the layer, they ship with
every image; deleted in a later layer, they still do. A lone `RUN apt-get update` is also cached
separately, so a later change to the install list reuses stale lists. `apt` is meant for people
at a terminal and its CLI is not stable for scripts; without `-y`, install stops at the prompt.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```
becomes
```dockerfile
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Safe. The lists are only removed when no later step of the stage (or of a stage built from it)
uses apt without running `apt-get update` again (`sudo apt-get install` counts); otherwise the
pass says why and, unsafe, gives each of those later installs its own `apt-get update` (written
as the first RUN wrote it), after which every layer drops its lists and an update-only RUN goes:
the index may be newer than the first update's. Not when apt's sources change in between (a
COPY into /etc/apt, add-apt-repository, apt-key), a later install runs as another user, sits in
a pipe, a nested command or after `||`, or a stage built on this one uses the lists. A cleanup
`RUN` is only folded when nothing between it and the install layer uses apt, and a lone update is
only joined across instructions that change no files (LABEL, EXPOSE, ...).

## Facts it relies on
The analysed scripts of the RUN and of every later RUN in its stage chain (who still reads the lists), the user in force (cache mounts are root's), `apt-get dist-clean` as cleanup. An appended cleanup waits for a merge of its RUN (phase Merge).
"#,
};

/// apt subcommands that `apt-get` runs the same way.
const APT_AS_APT_GET: &[&str] = &[
    "install",
    "update",
    "remove",
    "purge",
    "autoremove",
    "clean",
];
/// Subcommands that read the package lists.
const NEEDS_LISTS: &[&str] = &[
    "install",
    "upgrade",
    "dist-upgrade",
    "full-upgrade",
    "source",
    "build-dep",
    "download",
    "reinstall",
];

const KEEP_CACHE: &str = "rm -f /etc/apt/apt.conf.d/docker-clean \
&& echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache";
/// apt's caches; `sharing=locked` because apt cannot share them between parallel builds.
const APT_CACHES: &[&str] = &[
    "/var/cache/apt,sharing=locked",
    "/var/lib/apt,sharing=locked",
];

fn is_apt(c: &SimpleCmd) -> bool {
    c.name()
        .is_some_and(|n| matches!(basename(n), "apt-get" | "apt" | "aptitude"))
}

/// The apt tool and subcommand of a command run through `sudo` (`sudo apt-get install x`),
/// which the passes that edit apt commands leave alone but which uses the lists all the same.
fn wrapped_apt(c: &SimpleCmd) -> Option<(&str, Option<&str>)> {
    if c.name().map(basename) != Some("sudo") {
        return None;
    }
    let mut words = c.args().map(|w| w.lit.as_deref());
    let tool = words.find_map(|w| {
        w.map(basename)
            .filter(|n| matches!(*n, "apt-get" | "apt" | "aptitude" | "apt-cache"))
    })?;
    let sub = words.flatten().find(|w| !w.starts_with('-'));
    Some((tool, sub))
}

/// Does the script use the package lists before refreshing them itself?
fn needs_lists(s: &Script) -> bool {
    for c in &s.commands {
        let name = c.name().map(basename);
        if name == Some("apt-cache") {
            return true;
        }
        let sub = if is_apt(c) {
            c.first_operand()
        } else if let Some((tool, sub)) = wrapped_apt(c) {
            if tool == "apt-cache" {
                return true;
            }
            sub
        } else {
            continue;
        };
        match sub {
            Some("update") => return false,
            Some(x) if NEEDS_LISTS.contains(&x) => return true,
            _ => {}
        }
    }
    false
}

fn updates(s: &Script) -> bool {
    s.commands
        .iter()
        .any(|c| is_apt(c) && c.first_operand() == Some("update"))
}

fn installs(s: &Script) -> bool {
    s.commands
        .iter()
        .any(|c| is_apt(c) && c.first_operand().is_some_and(|x| NEEDS_LISTS.contains(&x)))
}

/// The script already cleans the lists: `rm -rf /var/lib/apt/lists/*`, or `apt-get dist-clean`
/// (apt 2.7+, trixie), which removes them and keeps on purpose what it keeps.
fn removes_lists(s: &Script) -> bool {
    s.commands.iter().any(|c| {
        (is_apt(c) && c.first_operand() == Some("dist-clean"))
            || c.name() == Some("rm")
                && c.args().any(|w| {
                    w.raw
                        .trim_matches(['"', '\''])
                        .starts_with("/var/lib/apt/lists")
                })
    })
}

/// Every command only cleans apt's caches.
fn only_cleans(s: &Script) -> bool {
    !s.commands.is_empty()
        && s.is_plain_and_chain()
        && s.commands.iter().all(|c| {
            (is_apt(c)
                && matches!(
                    c.first_operand(),
                    Some("clean" | "autoclean" | "dist-clean")
                ))
                || (c.name() == Some("rm")
                    && c.args().all(|w| {
                        let p = w.raw.as_str();
                        p.starts_with('-')
                            || p.starts_with("/var/lib/apt/lists")
                            || p.starts_with("/var/cache/apt")
                    }))
        })
}

/// Only `apt-get update` (with options).
fn only_updates(s: &Script) -> bool {
    s.is_plain_and_chain()
        && !s.commands.is_empty()
        && s.commands
            .iter()
            .all(|c| is_apt(c) && c.first_operand() == Some("update"))
}

/// Instructions that change no file a later apt command could read.
fn changes_no_files(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Label
            | Kind::Expose
            | Kind::Maintainer
            | Kind::Stopsignal
            | Kind::Healthcheck
            | Kind::Cmd
            | Kind::Entrypoint
    )
}

impl AptCleanup {
    /// Does any instruction in `later` still need apt's lists?
    /// The first later RUN of the chain that uses the lists without downloading them again;
    /// in the stage itself the search ends at a RUN that runs `apt-get update` (it brings its
    /// own lists), which keeps it linear in a long file.
    fn later_needs_lists(cx: &Context<'_, '_>, i: usize) -> Option<usize> {
        let needs = |j: usize| {
            let ins = &cx.doc.instructions[j];
            if !ins.is(Kind::Run) && !ins.is(Kind::Onbuild) {
                return Some(false);
            }
            match cx.script(j) {
                Some(s) if needs_lists(s) => Some(true),
                Some(s) if updates(s) => None,
                Some(_) => Some(false),
                None => Some(cx.text(&ins.span).contains("apt")),
            }
        };
        let stage = cx.doc.instructions[i].stage?;
        for j in i + 1..cx.doc.stages[stage].instrs.end {
            match needs(j) {
                Some(true) => return Some(j),
                None => return None,
                Some(false) => {}
            }
        }
        cx.doc
            .descendants(stage)
            .into_iter()
            .flat_map(|d| cx.doc.stages[d].instrs.clone())
            .find(|&j| needs(j) == Some(true))
    }

    /// `apt-get update && ` before the first list-using apt command of every later RUN of the
    /// stage that uses the lists RUN `i` downloaded (up to one that updates itself), so that
    /// each layer can remove its own lists: Docker's "update and install in one RUN". `None`
    /// when one of them cannot take it (nested, piped or in an `||`, another user, a stage
    /// built on this one that uses the lists).
    fn refresh_later(cx: &Context<'_, '_>, i: usize, s: &Script) -> Option<Vec<Edit>> {
        let doc = cx.doc;
        let stage = doc.instructions[i].stage?;
        // The update as RUN `i` writes it (its options, a proxy setting), else the plain one.
        let update = s
            .commands
            .iter()
            .find(|c| is_apt(c) && c.first_operand() == Some("update"))
            .filter(|c| !c.nested && !c.has_assignment && c.writes.is_empty())
            .map(|c| cx.text(&c.span).to_string())
            .unwrap_or_else(|| "apt-get update".to_string());
        if update.contains(['\n', '\\']) {
            return None;
        }
        let mut edits = Vec::new();
        for j in i + 1..doc.stages[stage].instrs.end {
            let ins = &doc.instructions[j];
            // A change of apt's sources between: an update there would read other
            // repositories than the first one did.
            let text = cx.text(&ins.span);
            let changes_sources = match ins.kind {
                Kind::Copy | Kind::Add => ins
                    .args
                    .last()
                    .is_some_and(|d| d.value.starts_with("/etc/apt")),
                _ => ["/etc/apt", "add-apt-repository", "apt-key", "sources.list"]
                    .iter()
                    .any(|k| text.contains(k)),
            };
            if changes_sources {
                return None;
            }
            if !ins.is(Kind::Run) {
                continue;
            }
            let script = cx.script(j)?;
            if updates(script) && !needs_lists(script) {
                break;
            }
            if !needs_lists(script) {
                continue;
            }
            let (k, c) = script.commands.iter().enumerate().find(|(_, c)| {
                c.name().map(basename) == Some("apt-cache")
                    || (is_apt(c) && c.first_operand().is_some_and(|o| NEEDS_LISTS.contains(&o)))
            })?;
            // A RUN the merge joins to the one before it gets that one's lists: the merge goes
            // first, and this is looked at again on the merged text.
            if crate::passes::joining::runs_joinable(cx, j - 1, j).is_ok() {
                return None;
            }
            let first_of_chain = k == 0 || script.is_plain_and_chain();
            if c.nested || c.piped || !first_of_chain || !cx.runs_as_root(j) {
                return None;
            }
            edits.push(Edit::insert(c.span.start, format!("{update} && ")));
        }
        // Stages built on this one would use the lists too.
        let later_stages_use = doc.descendants(stage).into_iter().any(|d| {
            doc.stages[d]
                .instrs
                .clone()
                .any(|j| cx.script(j).is_some_and(needs_lists))
        });
        if later_stages_use || edits.is_empty() {
            return None;
        }
        // A RUN that only updated is then a layer of lists nothing reads: it goes.
        if only_updates(s) && doc.instructions[i].flags.is_empty() {
            edits.push(Edit::delete(whole_lines(
                doc.text,
                &doc.instructions[i].span,
            )));
        }
        Some(edits)
    }

    fn lists(&self, cx: &Context<'_, '_>, i: usize, s: &Script, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        let ins = &doc.instructions[i];
        if !updates(s) || removes_lists(s) || mounts_cache(ins, "/var/lib/apt") {
            return;
        }
        if let Some(j) = Self::later_needs_lists(cx, i) {
            let fix = Self::refresh_later(cx, i, s)
                .map(|edits| Fix::new(crate::Applicability::Unsafe, edits));
            let message = match &fix {
                Some(_) => format!(
                    "apt lists kept: line {} still uses them without `apt-get update`; each later install gets its own update, so that every layer can drop its lists",
                    doc.line_of(doc.instructions[j].span.start)
                ),
                None => format!(
                    "apt lists kept: line {} still uses them without `apt-get update`",
                    doc.line_of(doc.instructions[j].span.start)
                ),
            };
            out.push(cx.finding(&META, ins.span.start, message, fix));
            return;
        }
        if cx.settings.cache_mounts {
            if !cx.runs_as_root(i) {
                return;
            }
            let mut edits = cache_mount_edits(cx, ins, APT_CACHES);
            let stage_has_keep = ins.stage.is_some_and(|st| {
                cx.stage_instrs(st)
                    .any(|(_, x)| cx.text(&x.span).contains("docker-clean"))
            });
            if !stage_has_keep {
                let first = s.commands.first().map_or(s.end, |c| c.span.start);
                if s.is_plain_and_chain() {
                    edits.push(Edit::insert(first, format!("{KEEP_CACHE} && ")));
                } else {
                    return;
                }
            }
            out.push(cx.finding(
                &META,
                ins.span.start,
                "apt caches stored in the layer: a BuildKit cache mount keeps them out",
                Some(Fix::safe(edits)),
            ));
            return;
        }
        if !s.can_append() {
            return;
        }
        // A later RUN that only cleans apt saves nothing there: fold it into this layer.
        let stage_end = ins.stage.map_or(i + 1, |st| doc.stages[st].instrs.end);
        let next_apt = (i + 1..stage_end).find(|&j| {
            let x = &doc.instructions[j];
            x.is(Kind::Run) && cx.text(&x.span).contains("apt")
        });
        let cleanup_run = next_apt.and_then(|j| {
            let r = cx.script(j)?;
            (only_cleans(r) && doc.instructions[j].flags.is_empty()).then_some((j, r))
        });
        {
            if let Some((j, r)) = cleanup_run {
                let cleanup = r.unfolded.text.trim();
                let edits = vec![
                    append_command(doc, ins, s, cleanup),
                    Edit::delete(whole_lines(doc.text, &doc.instructions[j].span)),
                ];
                out.push(
                    cx.finding(
                        &META,
                        ins.span.start,
                        format!(
                            "apt cleanup on line {} runs in a later layer, which saves nothing: it belongs at the end of the layer that installs",
                            doc.line_of(doc.instructions[j].span.start)
                        ),
                        Some(Fix::safe(edits)),
                    )
                    .waiting_for(APPENDS),
                );
                return;
            }
        }
        out.push(
            cx.finding(
                &META,
                ins.span.start,
                "apt lists kept in the layer that downloads them: `rm -rf /var/lib/apt/lists/*` at its end removes them",
                Some(Fix::safe(vec![append_command(
                    doc,
                    ins,
                    s,
                    "rm -rf /var/lib/apt/lists/*",
                )])),
            )
            .waiting_for(APPENDS),
        );
    }

    /// `RUN apt-get update` alone, then the RUN that installs: one RUN.
    fn lone_update(&self, cx: &Context<'_, '_>, i: usize, s: &Script, out: &mut Vec<Finding>) {
        if !only_updates(s) {
            return;
        }
        let doc = cx.doc;
        let ins = &doc.instructions[i];
        let Some(stage) = ins.stage else { return };
        let end = doc.stages[stage].instrs.end;
        for j in i + 1..end {
            let x = &doc.instructions[j];
            if x.is(Kind::Run) {
                let Some(t) = cx.script(j) else { return };
                if !installs(t)
                    || !t.is_plain_and_chain()
                    || updates(t)
                    || x.flags.len() != ins.flags.len()
                {
                    return;
                }
                let lead = t.unfolded.text.len() - t.unfolded.text.trim_start().len();
                let at = t.unfolded.source_range(lead..lead).start;
                let update = s.unfolded.text.trim();
                let edits = vec![
                    Edit::delete(whole_lines(doc.text, &ins.span)),
                    Edit::insert(at, format!("{update} && ")),
                ];
                out.push(
                    cx.finding(
                        &META,
                        ins.span.start,
                        format!(
                            "lone `apt-get update` joined to the install on line {}",
                            doc.line_of(x.span.start)
                        ),
                        Some(Fix::safe(edits)),
                    )
                    .waiting_for(APPENDS),
                );
                return;
            }
            if !changes_no_files(x.kind) {
                return;
            }
        }
    }
}

impl Pass for AptCleanup {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            if !ins.is(Kind::Run) || !matches!(ins.body, Body::Shell(_)) {
                continue;
            }
            let Some(s) = cx.script(i) else { continue };
            let mut edits = Vec::new();
            for c in s.commands.iter().filter(|c| is_apt(c)) {
                let name = c.name().map(basename);
                let Some(k) = subcommand(
                    c,
                    &[
                        "install",
                        "update",
                        "remove",
                        "purge",
                        "autoremove",
                        "clean",
                        "upgrade",
                        "dist-upgrade",
                    ],
                ) else {
                    continue;
                };
                let subname = c.words[k].lit.as_deref().unwrap_or("");
                if name == Some("apt") && APT_AS_APT_GET.contains(&subname) {
                    edits.push(Edit::replace(
                        c.words[0].span.clone(),
                        c.words[0].raw.replace("apt", "apt-get"),
                    ));
                }
                if subname == "install"
                    && name != Some("aptitude")
                    && !has_option(c, &["--yes", "--assume-yes", "--quiet=2"], &['y'])
                    && !c.args().any(|w| w.is("-qq") || w.is("-q=2"))
                {
                    edits.push(insert_after_word(c, k, "-y"));
                }
            }
            if !edits.is_empty() {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    "apt-get used non-interactively (`-y`, `apt-get` over `apt`)",
                    Some(Fix::safe(edits)),
                ));
            }
            self.lone_update(cx, i, s, out);
            self.lists(cx, i, s, out);
        }
    }
}
