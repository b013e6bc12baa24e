//! dependency-first: the plan that moves a source COPY below the installs that do not read
//! the source, with one file per ecosystem for what its installs read.

mod cargo;
mod classify;
mod node;
mod python;

use cargo::*;
use classify::*;
use node::*;
use python::*;

use crate::facts::BuildContext;
use crate::facts::tools::UV_VALUE_OPTS;
use crate::facts::tools::uv_subcommand;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{Script, SimpleCmd, basename};
use crate::syntax::line_end;
use crate::syntax::whole_lines;
use crate::syntax::{Instr, Kind};

pub struct DependencyFirst;

static META: Meta = Meta {
    code: "DO031",
    name: "dependency-first",
    summary: "Install dependencies before copying the source, so that a source edit reuses them",
    safety: Applicability::Safe,
    phase: crate::passes::Phase::Layout,
    hadolint: &[],
    docs: r#"## What it does
When a broad `COPY` of the source (`COPY . .`, `COPY . /app`, `COPY src/ /app/`) comes before
dependency installs, it moves that `COPY` below them:
- an install by name that does not read the source (`pip install flask`, `apt-get install`,
  `apk add`, `npm install -g`) simply runs before the `COPY`;
- an install that reads manifests gets them copied first: `requirements*.txt` (and the files
  they include with `-r`/`-c`), for pip and `uv pip`; a `pyproject.toml` that writes out its
  dependencies (`uv pip install -r pyproject.toml`); `Pipfile*`; `pyproject.toml` +
  `poetry.lock` (`poetry install --no-root`); `pyproject.toml` + `uv.lock` (+ `.python-version`,
  `uv.toml`) for `uv sync --no-install-project`; `package.json` +
  `package-lock.json`/`npm-shrinkwrap.json`/`yarn.lock`/`pnpm-lock.yaml`; `go.mod` + `go.sum`;
  `Gemfile` + `Gemfile.lock`; `composer.json` + `composer.lock`; `pom.xml`
  (`mvn dependency:go-offline`); the Gradle build files and wrapper (`gradle dependencies`);
  `*.csproj`/`*.sln` (`dotnet restore`);
- a `uv sync` or `poetry install` that installs the project as well as its dependencies stays
  after the `COPY`, and the same command runs once before it for the dependencies alone
  (`--no-install-project`, `--no-root`), from the manifests.
The build context on disk (the Dockerfile's folder, or `--context`) says which manifests exist
and what they include; without it the install command's own arguments are used. A build step
that downloads its dependencies itself (`go build`, `mvn package`, `cargo build`,
`dotnet publish`) gets a suggestion that says what a cached dependency step needs. A Cargo
package with one binary (`src/main.rs`, a `Cargo.lock`, no workspace, library, build script
or path dependency) gets that step: `Cargo.toml` and `Cargo.lock` are copied first and the
dependencies built with a stub `src/main.rs`; the crate's own stub artefacts are then cleaned
(`cargo clean -p`), so that the real build compiles the real source whatever its file times.

## Why
The build cache is checked step by step: once `COPY . .` sees a changed file, every later step
runs again. With the install above it, editing a source file rebuilds in seconds instead of
reinstalling every dependency.

## Example
```dockerfile
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
```
becomes
```dockerfile
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
```

## Fix safety
Moving an install by name is Safe: such an install reads nothing the `COPY` brings, and the
`COPY` writes only the application's folder. Copying manifests first is Unsafe: an install may
read more than its manifests (a lifecycle script, a local path in a requirements file). So are
the Cargo stub build (the same `cargo build` once more, on a crate with no code of its own) and
the dependencies-only `uv sync`/`poetry install` (it resolves before the project's own files are
there). The pass refuses, and says why, when:
- anything between the `COPY` and the install could read the source or change where the `COPY`
  lands (`RUN`s that are not installs, other `COPY`s, `WORKDIR` with a relative destination,
  variables in the `COPY`). The same `COPY` again (a file that repeats a block) is no wall: the
  copies move together, in their order, in one step, since both bring the same files to the
  same place;
- the install or its manifests read the context: `-e`, a path, a `file:` URL,
  `--find-links ./wheels` or a relative `--target` (pip, uv); a local path dependency in
  `package.json`, a `Gemfile`, a `Pipfile`, `composer.json` or `pyproject.toml`; a `gemspec`;
  `go.mod` replacing a module with a folder; install scripts in `package.json`;
- the project is a workspace (npm/yarn/pnpm workspaces, `go.work`, a uv workspace);
- `pyproject.toml` has `dynamic` dependencies (any `dynamic` field for `uv sync` without
  `--frozen`);
- the context holds a `.venv` that the `COPY` would send over the installed one;
- an installer is pointed at manifests elsewhere (`npm --prefix`, `yarn --cwd`,
  `bundle --gemfile`, `mvn -f`, `poetry -C`, …).

## Facts it relies on
The build context (which manifests exist, what they reference, `.dockerignore`), the WORKDIR in force at the COPY and at each install, the analysed scripts (what each install reads), the package-manager knowledge of its ecosystems.
"#,
};

/// Instructions a COPY can be moved past without changing what it copies or where.
fn harmless_between(ins: &Instr) -> bool {
    matches!(
        ins.kind,
        Kind::Workdir
            | Kind::Env
            | Kind::Arg
            | Kind::Label
            | Kind::Expose
            | Kind::User
            | Kind::Maintainer
            | Kind::Stopsignal
    )
}

/// Folders an install writes to: a COPY there could clash with it.
const SYSTEM_DESTS: &[&str] = &[
    "/",
    "/usr",
    "/usr/local",
    "/usr/lib",
    "/usr/local/lib",
    "/lib",
    "/etc",
    "/opt",
    "/root",
    "/var",
];

/// What one RUN needs from the build context.
#[derive(Debug, Default)]
struct Needs {
    /// Manifest paths, relative to the folder the RUN reads them in.
    manifests: Vec<String>,
    /// Why the RUN cannot go above the COPY (the first reason).
    refusal: Option<String>,
}

struct Ctx<'a> {
    /// The whole build context.
    top: &'a BuildContext,
    /// The context folder the broad COPY copies from (`.` or `src/`), seen from inside.
    context: BuildContext,
    source: &'a str,
}

impl Ctx<'_> {
    fn exists(&self, name: &str) -> Option<bool> {
        self.context.exists(name)
    }
    fn read(&self, name: &str) -> Option<String> {
        self.context.read(name)
    }
    /// The names that exist, or all of them when there is no context to look at.
    fn present(&self, names: &[&str]) -> Vec<String> {
        match self.context.is_known() {
            true => names
                .iter()
                .filter(|n| self.exists(n) == Some(true))
                .map(|n| n.to_string())
                .collect(),
            false => names.iter().map(|n| n.to_string()).collect(),
        }
    }
}

/// What a RUN needs: nothing (by name), manifests, or a refusal.
fn needs(script: &Script, cx: &Ctx<'_>) -> Needs {
    let mut n = Needs::default();
    let mut reads_manifests = false;
    for c in &script.commands {
        if c.has_assignment && c.words.is_empty() {
            continue;
        }
        match classify(c, cx) {
            Ok(None) => {}
            Ok(Some(files)) => {
                reads_manifests = true;
                for f in files {
                    if !n.manifests.contains(&f) {
                        n.manifests.push(f);
                    }
                }
            }
            Err(why) => {
                n.refusal = Some(why);
                return n;
            }
        }
    }
    if reads_manifests && n.manifests.is_empty() {
        n.refusal = Some("no manifest found in the build context".into());
    }
    n
}

/// Build steps that fetch dependencies themselves, and what a cached step needs.
fn self_fetching_build(script: &Script) -> Option<&'static str> {
    for c in &script.commands {
        let ops = c.operands();
        let hint = match (c.name().map(basename), ops.first().copied()) {
            (Some("go"), Some("build" | "install" | "test")) => {
                "copy `go.mod go.sum` and `RUN go mod download` before the source"
            }
            (Some("mvn" | "mvnw" | "./mvnw"), Some("package" | "install" | "verify")) => {
                "copy `pom.xml` and `RUN mvn dependency:go-offline` before the source"
            }
            (Some("gradle" | "gradlew" | "./gradlew"), Some(_)) => {
                "copy the Gradle build files and run `gradle dependencies` before the source"
            }
            (Some("cargo"), Some("build" | "install")) => {
                "build the dependencies first from `Cargo.toml` + `Cargo.lock` with a stub `src/main.rs` (or cargo-chef), then copy the source"
            }
            (Some("dotnet"), Some("publish" | "build")) => {
                "copy the `*.csproj` files and `RUN dotnet restore` before the source"
            }
            _ => continue,
        };
        return Some(hint);
    }
    None
}

/// `dest` resolved against the WORKDIR in force (`None` when unknown).
fn resolve(dest: &str, cwd: Option<&str>) -> Option<String> {
    let d = dest.trim_end_matches('/');
    let path = if dest.starts_with('/') {
        d.to_string()
    } else {
        let base = cwd?;
        let rel = d.trim_start_matches("./").trim_start_matches('.');
        if rel.is_empty() {
            base.trim_end_matches('/').to_string()
        } else {
            format!("{}/{}", base.trim_end_matches('/'), rel)
        }
    };
    Some(if path.is_empty() {
        "/".to_string()
    } else {
        path
    })
}

impl Pass for DependencyFirst {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for stage in 0..doc.stages.len() {
            let instrs: Vec<(usize, &Instr)> = cx.stage_instrs(stage).collect();
            // The WORKDIR in force at each instruction (None: inherited, unknown).
            let mut cwd: Option<String> = None;
            let mut cwds = Vec::with_capacity(instrs.len());
            for (_, ins) in &instrs {
                cwds.push(cwd.clone());
                if ins.is(Kind::Workdir) {
                    let arg = ins.args.first().map(|a| a.value.as_str()).unwrap_or("");
                    cwd = if arg.contains('$') {
                        Some("$".into())
                    } else {
                        resolve(arg, cwd.as_deref()).or(Some(format!("?{arg}")))
                    };
                }
            }
            // A COPY with the same COPY right before and right after it: the first of that
            // stack walks past it and on, and the last one ends it, so it has nothing to add
            // (and checking each one would walk the rest of the stack again: quadratic).
            let same = |a: &Instr, b: &Instr| {
                (a.is(Kind::Copy) || a.is(Kind::Add))
                    && a.kind == b.kind
                    && cx.text(&a.span) == cx.text(&b.span)
            };
            let middle_of_stack = |pos: usize| {
                pos > 0
                    && pos + 1 < instrs.len()
                    && same(instrs[pos].1, instrs[pos - 1].1)
                    && same(instrs[pos].1, instrs[pos + 1].1)
            };
            for (pos, (_, copy)) in instrs.iter().enumerate() {
                if middle_of_stack(pos) {
                    continue;
                }
                if let Some(f) = self.check_copy(cx, &instrs, &cwds, pos, copy) {
                    let moves = f.fix.is_some();
                    out.push(f);
                    if moves {
                        return; // one move per round; the next round sees the new order
                    }
                }
            }
        }
    }
}

impl DependencyFirst {
    fn check_copy(
        &self,
        cx: &Context<'_, '_>,
        instrs: &[(usize, &Instr)],
        cwds: &[Option<String>],
        pos: usize,
        copy: &Instr,
    ) -> Option<Finding> {
        let doc = cx.doc;
        if !(copy.is(Kind::Copy) || copy.is(Kind::Add))
            || copy.flag("from").is_some()
            || copy.args.len() != 2
            || !copy.heredocs.is_empty()
        {
            return None;
        }
        let source = copy.args[0].value.as_str();
        let dest = copy.args[1].value.as_str();
        let broad = source == "."
            || source == "./"
            || (source.ends_with('/')
                && !source.contains(['*', '?', '$'])
                && !source.starts_with('/'));
        if !broad
            || cx.text(&copy.span).contains('$')
            || (copy.is(Kind::Add) && source.contains("://"))
        {
            return None;
        }
        let dest_dir = resolve(dest, cwds[pos].as_deref());
        if let Some(d) = &dest_dir {
            if SYSTEM_DESTS.contains(&d.as_str()) {
                return None;
            }
        } else if dest.starts_with('/') {
            return None;
        }
        let ctx = Ctx {
            top: cx.build_context,
            context: cx.build_context.sub(source),
            source,
        };
        // The RUNs right after the COPY (past harmless instructions) that do not need the source.
        let mut last_movable = None;
        let mut manifests: Vec<String> = Vec::new();
        let mut refusal = None;
        // The same COPY again further down (a file that repeats a block): it moves along, as one
        // group in the same order, since the two copy the same files to the same place.
        let copy_text = cx.text(&copy.span);
        let mut same_copies: Vec<&Instr> = Vec::new();
        for (k, (idx, ins)) in instrs.iter().enumerate().skip(pos + 1) {
            if harmless_between(ins) {
                if ins.is(Kind::Workdir) && !dest.starts_with('/') {
                    break; // a relative destination would land elsewhere
                }
                continue;
            }
            if ins.kind == copy.kind && cx.text(&ins.span) == copy_text {
                if !manifests.is_empty() {
                    break; // the manifests' split is made for this COPY alone
                }
                same_copies.push(ins);
                continue;
            }
            if !ins.is(Kind::Run) {
                break;
            }
            let Some(script) = cx.script(*idx) else { break };
            let n = needs(script, &ctx);
            if !same_copies.is_empty() && (n.refusal.is_some() || !n.manifests.is_empty()) {
                // The group goes no further than what the source feeds: that RUN reads it where
                // it stands now, and a later round splits its manifests.
                break;
            }
            if let Some(why) = n.refusal {
                if last_movable.is_none() {
                    refusal = Some((why, *idx, self_fetching_build(script)));
                }
                break;
            }
            if !n.manifests.is_empty() {
                // Manifests are read relative to the RUN's folder: it must be where they land.
                let lands_in_cwd = if dest.starts_with('/') {
                    cwds[k].is_some() && cwds[k].as_deref() == dest_dir.as_deref()
                } else {
                    matches!(dest, "." | "./") && cwds[k] == cwds[pos]
                };
                if !lands_in_cwd {
                    if last_movable.is_none() {
                        refusal = Some((
                            "the install runs in another folder than the COPY fills".to_string(),
                            *idx,
                            None,
                        ));
                    }
                    break;
                }
            }
            manifests.extend(
                n.manifests
                    .into_iter()
                    .filter(|m| !manifests.contains(m))
                    .collect::<Vec<_>>(),
            );
            last_movable = Some(k);
        }
        // Files the project always wants beside its manifests (config `extra-manifests`).
        if !manifests.is_empty() {
            for extra in &cx.settings.extra_manifests {
                if ctx.exists(extra) == Some(true) && !manifests.contains(extra) {
                    manifests.push(extra.clone());
                }
            }
        }
        let Some(last) = last_movable else {
            let (why, idx, hint) = refusal?;
            // A dependency step earlier in the stage already did what the hint asks.
            let done_before = |marker: &str| {
                instrs[..pos].iter().any(|(_, i)| {
                    i.is(Kind::Run) && marker.split(' ').all(|w| cx.text(&i.span).contains(w))
                })
            };
            if let Some(h) = hint {
                let marker = [
                    "go mod download",
                    "dependency:",
                    "dotnet restore",
                    "gradle dependencies",
                ]
                .into_iter()
                .find(|m| h.contains(m));
                if marker.is_some_and(done_before) {
                    return None;
                }
            }
            if hint.is_some_and(|h| h.contains("Cargo.toml")) {
                // Dependencies already built from the manifests above: nothing to say.
                if instrs[..pos]
                    .iter()
                    .any(|(i, ins)| ins.is(Kind::Run) && cargo_build(cx, *i).is_some())
                {
                    return None;
                }
                if let Some(f) = self.cargo_stub(cx, &ctx, copy, dest, idx) {
                    return Some(f);
                }
            }
            let installs = cx.script(idx).is_some_and(|s| {
                s.commands.iter().any(|c| {
                    c.name()
                        .map(basename)
                        .is_some_and(|n| INSTALLERS.contains(&n) || n.starts_with("pip"))
                })
            });
            if hint.is_none() && !installs {
                return None; // an ordinary build step after the COPY: nothing to say
            }
            // Dependencies already installed from their manifests above (`pip install -r`
            // before `COPY . .` and `pip install .`): the layout is already the right one.
            let installed_before = instrs[..pos].iter().any(|(i, ins)| {
                ins.is(Kind::Run)
                    && cx
                        .script(*i)
                        .is_some_and(|s| !needs(s, &ctx).manifests.is_empty())
            });
            if hint.is_none() && installed_before {
                return None;
            }
            let mut why = why;
            if hint.is_none() {
                match self.dependencies_only_step(cx, &ctx, instrs, cwds, pos, idx) {
                    Ok(f) => return Some(f),
                    Err(Some(reason)) => why = reason,
                    Err(None) => {}
                }
            }
            let line = doc.line_of(doc.instructions[idx].span.start);
            let msg = match hint {
                Some(h) => format!(
                    "source copied before the build on line {line}, which fetches dependencies itself: {h}"
                ),
                None => format!(
                    "source copied before line {line}, which needs it ({why}); dependencies not moved"
                ),
            };
            return Some(cx.finding(&META, copy.span.start, msg, None));
        };
        let (_, last_run) = instrs[last];
        let nl = doc.newline;
        // Only the same COPYs that the move passes go along.
        let last_start = last_run.span.start;
        same_copies.retain(|c| c.span.start < last_start);
        let mut edits = Vec::new();
        let applicability = if manifests.is_empty() {
            edits.push(Edit::delete(lines_and_one_blank(doc.text, &copy.span)));
            for same in &same_copies {
                edits.push(Edit::delete(lines_and_one_blank(doc.text, &same.span)));
            }
            Applicability::Safe
        } else {
            let mut dest_slash = dest.to_string();
            if !dest_slash.ends_with('/') {
                dest_slash.push('/');
            }
            let prefix = if source == "." || source == "./" {
                String::new()
            } else {
                format!("{}/", source.trim_end_matches('/'))
            };
            let flags: Vec<&str> = copy.flags.iter().map(|f| cx.text(&f.span)).collect();
            let kw = cx.doc.keyword_like(copy, "COPY");
            // One COPY per folder, so that `requirements/prod.txt` lands in `requirements/`.
            let mut dirs: Vec<&str> = Vec::new();
            for m in &manifests {
                let dir = m.rsplit_once('/').map_or("", |(d, _)| d);
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
            let lines: Vec<String> = dirs
                .iter()
                .map(|dir| {
                    let mut line = kw.to_string();
                    for f in &flags {
                        line.push(' ');
                        line.push_str(f);
                    }
                    for m in manifests
                        .iter()
                        .filter(|m| m.rsplit_once('/').map_or("", |(d, _)| d) == *dir)
                    {
                        line.push(' ');
                        line.push_str(&prefix);
                        line.push_str(m);
                    }
                    line.push(' ');
                    line.push_str(&dest_slash);
                    if !dir.is_empty() {
                        line.push_str(dir);
                        line.push('/');
                    }
                    line
                })
                .collect();
            edits.push(Edit::replace(copy.span.clone(), lines.join(nl)));
            Applicability::Unsafe
        };
        let at = line_end(doc.text, last_run.span.end);
        let group = 1 + same_copies.len();
        let block = vec![copy_text; group].join(nl);
        // At the end of a file with no final line break, keep it without one.
        let moved = if at == doc.text.len() && !doc.text.ends_with('\n') {
            format!("{nl}{block}")
        } else {
            format!("{block}{nl}")
        };
        edits.push(Edit::insert(at, moved));
        let what = if manifests.is_empty() {
            "installs".to_string()
        } else {
            format!("installs (manifests first: {})", manifests.join(", "))
        };
        let along = if same_copies.is_empty() {
            String::new()
        } else {
            let lines: Vec<String> = same_copies
                .iter()
                .map(|c| doc.line_of(c.span.start).to_string())
                .collect();
            format!(
                " (the same COPY on line{} {} goes along)",
                if lines.len() > 1 { "s" } else { "" },
                lines.join(", ")
            )
        };
        Some(cx.finding(
            &META,
            copy.span.start,
            format!("source copied before the dependency {what}, so a source edit runs them again: copied after them, it reuses them{along}"),
            Some(Fix::new(applicability, edits)),
        ))
    }
}

/// For a dependency step inserted above the source `copy`, before the install `run`: the COPY
/// and RUN keywords in the file's case, the COPY's flags (`--chown`, …) and the RUN's (the same
/// mounts, a cache or a private index's secret, serve both steps), each with a leading space.
fn inserted_copy_and_run(
    cx: &Context<'_, '_>,
    copy: &Instr,
    run: &Instr,
) -> (&'static str, &'static str, String, String) {
    let lower = cx
        .text(&copy.keyword_span)
        .chars()
        .all(|c| c.is_ascii_lowercase());
    let flags = |ins: &Instr| -> String {
        ins.flags
            .iter()
            .map(|f| format!(" {}", cx.text(&f.span)))
            .collect()
    };
    let (copy_kw, run_kw) = if lower {
        ("copy", "run")
    } else {
        ("COPY", "RUN")
    };
    (copy_kw, run_kw, flags(copy), flags(run))
}

/// The span's lines, plus the blank line after them when a blank line precedes them too (so
/// that removing an instruction leaves no double gap).
fn lines_and_one_blank(text: &str, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let r = whole_lines(text, span);
    let before_blank = text[..r.start].ends_with("\n\n") || text[..r.start].ends_with("\n\r\n");
    let rest = &text[r.end..];
    let next_len = rest.find('\n').map_or(rest.len(), |p| p + 1);
    if before_blank && rest[..next_len].trim().is_empty() && next_len > 0 {
        r.start..r.end + next_len
    } else {
        r
    }
}
