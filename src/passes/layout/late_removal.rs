use crate::facts::{is_under, join_workdir};
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::joining::runs_joinable;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{SimpleCmd, basename};
use crate::syntax::{Kind, whole_lines};

pub struct LateRemoval;

static META: Meta = Meta {
    code: "DO045",
    name: "late-removal",
    summary: "Packages removed in a later layer than the one that installed them",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Layout,
    hadolint: &[],
    docs: r#"## What it does
Finds a `RUN` that removes packages (`apt-get purge`/`remove`, `apk del`, `yum`/`dnf remove`)
that an earlier `RUN` of the stage installed, and folds the removal into the installing layer:
the instructions between the install and the removal (typically the manifests copied for the
step that needs the build tools) move above the install, so that the install, the steps that use
the packages and their removal are consecutive `RUN`s, which merge into one layer.

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
becomes (once merged)
```dockerfile
COPY requirements.txt .
RUN apk add --no-cache build-base postgresql-dev \
    && pip install -r requirements.txt \
    && apk del --purge build-base
```
the seeds' technique (`apk add --virtual .build-deps … && … && apk del .build-deps` in one layer).

## Fix safety
Unsafe: the image holds the same files, but a change to a moved file now also re-runs the
install, and the move is decided from what the passed `RUN`s are known to read. Only these move:
- metadata (`LABEL`, `EXPOSE`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK`, `STOPSIGNAL`);
- a `COPY`/`ADD` of named files (not the whole source: every source edit would re-run the
  install; then build in a separate stage) into a folder no tool reads (not under `/etc`, `/usr`,
  `/var`, `/opt`, a home, ...), with no `--chown` by name (an earlier RUN may create the user),
  past `RUN`s that only run system package managers, `rm`/`update-ca-certificates` on system
  caches, or `pip`/`gem` with explicit arguments that do not name the moved files.
`ENV`, `ARG`, `WORKDIR`, `USER`, `SHELL`, `VOLUME` and a whole-source `COPY` change what the passed
`RUN`s see or cost: then, and when the `RUN`s could not be merged, the finding is a suggestion
that says which line stopped it. A removal in a stage whose files are only copied out (`COPY
--from`) ships nothing and is not reported.

## Facts it relies on
The analysed scripts of the stage chain: what each RUN installs (with `--virtual` names), what a
later RUN removes, and the command names and words of the RUNs a moved instruction passes; per
instruction the WORKDIR (where a COPY lands); the stage's role (only copied from); whether two
RUNs can be merged (shell state, chain shape, flags, pragmas).
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
            // A stage whose files are only copied out ships none of its layers.
            if cx.facts.stages[stage].role == crate::facts::Role::Build
                && doc.descendants(stage).is_empty()
            {
                continue;
            }
            let installs = |i: usize| -> Vec<String> {
                cx.script(i).map_or_else(Vec::new, |s| {
                    let installed: Vec<String> =
                        s.commands.iter().flat_map(|c| packages(c, true)).collect();
                    removed
                        .iter()
                        .filter(|p| installed.contains(p))
                        .map(|p| format!("`{p}`"))
                        .collect()
                })
            };
            let earlier = (0..j).filter(|&i| {
                let x = &doc.instructions[i];
                x.stage
                    .is_some_and(|s| s == stage || doc.descendants(s).contains(&stage))
            });
            let Some(last) = earlier.clone().rev().find(|&i| !installs(i).is_empty()) else {
                continue;
            };
            let message = format!(
                "{} installed on line {} and removed in this later layer, which saves nothing: the install layer keeps them",
                installs(last).join(", "),
                doc.line_of(doc.instructions[last].span.start)
            );
            // The fold starts at the first RUN of this stage that installs one of them.
            let first = earlier
                .filter(|&i| doc.instructions[i].stage == Some(stage))
                .find(|&i| !installs(i).is_empty());
            let folded = match first {
                None => Err("they were installed in the stage this one is built on".to_string()),
                Some(first) => fold(cx, first, j),
            };
            out.push(match folded {
                Ok((moved, edits)) => cx.finding(
                    &META,
                    ins.span.start,
                    format!(
                        "{message}; moved {} above line {} so that the install, the steps that use the packages and their removal are consecutive RUNs, merged into one layer (a change to {} now also re-runs the install)",
                        moved.join(", "),
                        doc.line_of(doc.instructions[first.expect("folded")].span.start),
                        if moved.len() == 1 { "that file" } else { "those files" },
                    ),
                    Some(Fix::new(Applicability::Unsafe, edits)),
                ),
                Err(why) => cx.finding(
                    &META,
                    ins.span.start,
                    format!(
                        "{message}; install, use and remove them in one RUN (`apk add --virtual .build-deps …` / `apt-get purge` at its end), or build in a separate stage (not folded here: {why})"
                    ),
                    None,
                ),
            });
        }
    }
}

/// Commands that install or remove system packages: what they do depends on no file of the
/// build's own (local package files aside, which `reads_no_build_file` refuses).
const SYSTEM_PACKAGE_MANAGERS: &[&str] = &["apt-get", "apt", "apk", "yum", "dnf", "microdnf"];
/// Installers that take what they install from their arguments alone: they read no manifest of
/// their working folder unless it is named.
const EXPLICIT_INSTALLERS: &[&str] = &["pip", "pip3", "gem"];
/// Folders whose files system tools and installers read (configuration, homes) or own: a file
/// copied there earlier could change what an earlier RUN does.
const TOOL_FOLDERS: &[&str] = &[
    "/etc", "/usr", "/var", "/lib", "/lib64", "/bin", "/sbin", "/root", "/home", "/opt", "/run",
];
/// Instructions that change nothing a RUN sees: moving them above a RUN changes no build step.
const METADATA: &[Kind] = &[
    Kind::Label,
    Kind::Expose,
    Kind::Cmd,
    Kind::Entrypoint,
    Kind::Healthcheck,
    Kind::Stopsignal,
    Kind::Maintainer,
];

/// Bring RUN `first` (an install), the RUNs after it and RUN `removal` together by moving the
/// other instructions between them above `first`, when each can move without changing what a RUN
/// it passes does, and the RUNs can then be merged. Returns what moved and the edits.
fn fold(
    cx: &Context<'_, '_>,
    first: usize,
    removal: usize,
) -> Result<(Vec<String>, Vec<Edit>), String> {
    let doc = cx.doc;
    let line = |i: usize| doc.line_of(doc.instructions[i].span.start);
    let runs: Vec<usize> = (first..=removal)
        .filter(|&i| doc.instructions[i].is(Kind::Run))
        .collect();
    let others: Vec<usize> = (first..=removal)
        .filter(|&i| !doc.instructions[i].is(Kind::Run))
        .collect();
    let join_all = || {
        runs.windows(2).try_for_each(|pair| {
            runs_joinable(cx, pair[0], pair[1])
                .map_err(|why| format!("the RUNs could not be merged: {why}"))
        })
    };
    if others.is_empty() {
        join_all()?;
        return Err("the RUNs are consecutive, and merging them brings the removal into the install's layer".into());
    }
    for &x in &others {
        let passed: Vec<usize> = runs.iter().copied().filter(|&r| r < x).collect();
        movable(cx, x, &passed).map_err(|why| format!("line {} {why}", line(x)))?;
    }
    join_all()?;
    let text = doc.text;
    let with_comments = |i: usize| {
        let span = whole_lines(text, &doc.instructions[i].span);
        doc.line_start_above_comments(span.start)..span.end
    };
    let at = with_comments(first).start;
    let mut moved_text = String::new();
    let mut edits = Vec::new();
    let mut moved = Vec::new();
    for &x in &others {
        let range = with_comments(x);
        moved_text.push_str(&text[range.clone()]);
        if !moved_text.ends_with('\n') {
            moved_text.push('\n');
        }
        edits.push(Edit::delete(range));
        moved.push(format!(
            "line {} ({})",
            line(x),
            doc.instructions[x].keyword
        ));
    }
    edits.push(Edit::insert(at, moved_text));
    Ok((moved, edits))
}

/// Can instruction `x` move above the RUNs `passed` without changing what they do?
fn movable(cx: &Context<'_, '_>, x: usize, passed: &[usize]) -> Result<(), String> {
    let doc = cx.doc;
    let ins = &doc.instructions[x];
    if METADATA.contains(&ins.kind) {
        return Ok(());
    }
    if !(ins.is(Kind::Copy) || ins.is(Kind::Add)) {
        return Err(format!(
            "({}) changes what the RUNs after it see",
            ins.keyword
        ));
    }
    if !ins.heredocs.is_empty() || ins.args.len() < 2 || cx.text(&ins.span).contains('$') {
        return Err(format!("({}) cannot be read", ins.keyword));
    }
    if let Some(chown) = ins.flag("chown") {
        let owner = chown.value.as_deref().unwrap_or("");
        if !owner
            .split(':')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err("copies for a user an earlier RUN may create (`--chown` by name)".into());
        }
    }
    let (sources, dest) = ins.args.split_at(ins.args.len() - 1);
    let dest_names_file = !dest[0].value.ends_with('/');
    if ins.flag("from").is_none()
        && sources.iter().any(|s| {
            let v = s.value.trim_start_matches("./");
            v.is_empty() || v == "." || v.starts_with('*')
        })
    {
        return Err(format!(
            "({}) copies the whole source: moved above the install, every source edit would re-run it",
            ins.keyword
        ));
    }
    let cwd = cx.facts.instrs[x].workdir.as_deref();
    let Some(dest) = join_workdir(cwd, &dest[0].value) else {
        return Err(format!(
            "({}) has a destination whose folder is not known",
            ins.keyword
        ));
    };
    if dest == "/" || TOOL_FOLDERS.iter().any(|f| is_under(&dest, f)) {
        return Err(format!(
            "({}) copies into `{dest}`, where the tools of an earlier RUN may read it",
            ins.keyword
        ));
    }
    let names: Vec<&str> = sources
        .iter()
        .map(|s| basename(s.value.trim_end_matches('/')))
        .chain(dest_names_file.then(|| basename(&dest)))
        .map(|n| n.split(['*', '?', '[']).next().unwrap_or(n))
        .filter(|n| !n.is_empty())
        .collect();
    for &r in passed {
        reads_no_build_file(cx, r, &names).map_err(|why| {
            format!(
                "({}) would move above line {}, which {why}",
                ins.keyword,
                doc.line_of(doc.instructions[r].span.start)
            )
        })?;
    }
    Ok(())
}

/// Does RUN `r` only install packages in ways that read none of the build's own files, and name
/// none of `names`?
fn reads_no_build_file(cx: &Context<'_, '_>, r: usize, names: &[&str]) -> Result<(), String> {
    let Some(script) = cx.script(r) else {
        return Err("cannot be analysed".into());
    };
    for c in &script.commands {
        let Some(name) = c.name().map(basename) else {
            return Err("runs a command whose name is computed".into());
        };
        // A glob stays as written (`/var/lib/apt/lists/*`); an expansion reads as `$`.
        let words: Vec<&str> = c
            .args()
            .map(|w| match &w.lit {
                Some(lit) => lit.as_str(),
                None if w.raw.contains(['$', '`']) => "$",
                None => w.raw.as_str(),
            })
            .collect();
        let system_path = |w: &str| {
            ["/var/", "/tmp/", "/root/.cache"]
                .iter()
                .any(|p| w.starts_with(p))
        };
        let fine = if SYSTEM_PACKAGE_MANAGERS.contains(&name) {
            words.iter().all(|w| !w.contains('/') && !w.contains('$'))
        } else if EXPLICIT_INSTALLERS.contains(&name) {
            words.iter().all(|w| {
                !w.contains('$')
                    && *w != "."
                    && !w.starts_with("./")
                    && !names.iter().any(|n| w.contains(n))
            })
        } else if matches!(name, "rm" | "update-ca-certificates") {
            words.iter().all(|w| w.starts_with('-') || system_path(w))
        } else {
            false
        };
        if !fine {
            return Err(format!("runs `{name}`, which may read it"));
        }
    }
    Ok(())
}
