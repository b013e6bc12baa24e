use crate::facts::images::ImageRef;
use crate::facts::{Distro, packages};
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::basename;
use crate::syntax::{Body, Instr, Kind};

pub struct MultiStage;

static META: Meta = Meta {
    code: "DO033",
    name: "multi-stage",
    summary: "Split a single-stage build that compiles into a build stage and a small runtime stage",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Structure,
    hadolint: &[],
    docs: r#"## What it does
For a single-stage Dockerfile that compiles its program on a toolchain image, keeps that stage
as the build stage (`AS build`) and adds a runtime stage, from a template per stack
(`templates/multi-stage/*.tera`), that gets only the artefact with `COPY --from=build`:
- Go (`golang`, `go build -o OUT`): `gcr.io/distroless/static-debian12` when built with
  `CGO_ENABLED=0` and started in exec form, else `debian:<release>-slim` (the build image's
  release);
- Rust (`rust`, `cargo build --release`, started as `target/release/NAME`):
  `debian:<release>-slim` with CA certificates (and the release's OpenSSL library, `libssl3` on
  bookworm, `libssl3t64` on trixie, when `Cargo.lock` uses OpenSSL);
- C/C++ (`gcc`, `make`): `debian:<release>-slim`;
- Java (`maven:*-eclipse-temurin-N` or `maven:*-jdk-N` with `mvn package`, `gradle:*-jdkN` with
  `gradle build`/`bootJar`, started as `java -jar X.jar`): `eclipse-temurin:N-jre`;
- Node with a build step (`npm run build`, started as `node <out>/<file>`): `node:X-slim` with
  production dependencies (`npm ci --omit=dev` / `yarn install --production`) and `<out>`;
- Python with compiled extensions (`python:X.Y` that apt-installs a compiler and pip-installs):
  the packages go into a virtualenv in the build stage, copied with the application onto
  `python:X.Y-slim` (not done when apt installs more than build tools: the runtime stage could
  not know which libraries to keep; a pure-Python install is left to slim-base).
The runtime stage repeats the stage's `ENV` and `LABEL` lines, its `WORKDIR`, and its
`EXPOSE`, `STOPSIGNAL`, `ENTRYPOINT` and `CMD` lines; data folders found in the build context
(`templates/`, `static/`, `public/`, `assets/`, `config/`, `migrations/`) are copied too. The
artefact keeps its path, so the start command stays the same. Other stacks, or a program that
cannot be recognised, get a suggestion instead.

## Why
The compiler, headers, package caches and sources make up most of such an image (a Go image
of 800 MB runs a 10 MB binary). The runtime stage ships the program and nothing to build with.

## Example
```dockerfile
FROM golang:1.22
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app .
ENTRYPOINT ["/app"]
```
becomes
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app .
ENTRYPOINT ["/app"]

# Runtime: only the program built above (statically linked)
FROM gcr.io/distroless/static-debian12
WORKDIR /src
COPY --from=build /app /app
ENTRYPOINT ["/app"]
```

## Fix safety
Unsafe: the program may read files at run time that are not copied. A dynamically linked
program runs on the build image's own Debian release (from its tag, or the dated official
images table: `rust:1.96` and `golang:1.25` are trixie, `golang:1.21` bookworm), so it finds the
C library it was linked against. Refused (suggestion) when that release is not known
(`golang:1.4.2`) or the build image is not Debian (`golang:*-alpine` without a static build),
on a Windows stage, when the stage sets `USER`, has a `HEALTHCHECK` (its command may not exist
in the runtime), uses `ONBUILD`, the artefact's path is not a literal, or the start command
does not run the artefact.

## Facts it relies on
The build image's distribution and release (its tag, or the dated official images table), whether it is a Windows stage, the start command, the WORKDIR in force, the build context (`Cargo.lock`, data folders), the release's runtime package names (OpenSSL).
"#,
};

static TEMPLATES: &[(&str, &str)] = &[
    ("go", include_str!("../../../templates/multi-stage/go.tera")),
    (
        "rust",
        include_str!("../../../templates/multi-stage/rust.tera"),
    ),
    ("c", include_str!("../../../templates/multi-stage/c.tera")),
    (
        "maven",
        include_str!("../../../templates/multi-stage/maven.tera"),
    ),
    (
        "gradle",
        include_str!("../../../templates/multi-stage/gradle.tera"),
    ),
    (
        "node",
        include_str!("../../../templates/multi-stage/node.tera"),
    ),
    (
        "python",
        include_str!("../../../templates/multi-stage/python.tera"),
    ),
];

const DATA_DIRS: &[&str] = &[
    "templates",
    "static",
    "public",
    "assets",
    "config",
    "migrations",
];

/// The recognised build: which template, the runtime image and the artefact's absolute path.
struct Plan {
    stack: &'static str,
    runtime: String,
    artefact: String,
    is_static: bool,
    packages: Vec<&'static str>,
}

/// The Debian release of the build image, from the facts (the tag, or the dated official
/// images table): a dynamically linked artefact runs on the same release's slim image. `Err`
/// names what is not known.
fn build_release(cx: &Context<'_, '_>) -> Result<String, String> {
    let base = &cx.facts.stages[0].base;
    match (&base.release, base.distro) {
        (Some(r), Distro::Debian) => Ok(r.name.clone()),
        (_, Distro::Debian) | (_, Distro::Unknown) => Err(format!(
            "the Debian release of `{}` is not known (its tag does not name it and the official images table does not list it), so no runtime with the same C library can be chosen",
            base.reference
        )),
        (_, d) => Err(format!(
            "`{}` is built on {d:?}, not Debian: only a static build gets a runtime here",
            base.reference
        )),
    }
}

/// A jar on a JRE: Maven and Gradle builds, once the JDK's major version and the jar are known.
fn jre_plan(
    stack: &'static str,
    major: Option<String>,
    jar: Option<&str>,
    cwd: Option<&str>,
) -> Option<Plan> {
    let artefact = absolute(jar?, cwd)?;
    Some(Plan {
        stack,
        runtime: format!("eclipse-temurin:{}-jre", major?),
        artefact,
        is_static: false,
        packages: Vec::new(),
    })
}

/// `rel` against the WORKDIR in force; `None` when it cannot be known.
fn absolute(path: &str, cwd: Option<&str>) -> Option<String> {
    if path.contains('$') || path.contains('*') {
        return None;
    }
    if path.starts_with('/') {
        return Some(path.to_string());
    }
    let base = cwd?;
    let rel = path.trim_start_matches("./");
    Some(format!("{}/{rel}", base.trim_end_matches('/')))
}

/// The first word of the start command (ENTRYPOINT, else CMD), and for `java -jar X` the jar.
fn start_program(cmd: &Instr, text: &str) -> Option<(String, Option<String>)> {
    let words: Vec<String> = match &cmd.body {
        Body::Exec(_, args) => args.clone(),
        Body::Shell(span) => text[span.clone()]
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        Body::None => return None,
    };
    let first = words.first()?.clone();
    let jar = words
        .iter()
        .position(|w| w == "-jar")
        .and_then(|k| words.get(k + 1))
        .cloned();
    Some((first, jar))
}

impl Pass for MultiStage {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        if doc.stages.len() != 1 {
            return;
        }
        if cx.facts.stages[0].windows {
            return; // no structural rewrite of a Windows stage
        }
        let from = &doc.instructions[doc.stages[0].instrs.start];
        let Some(image) = from.args.first().and_then(|a| ImageRef::parse(&a.value)) else {
            return;
        };
        if !image.is_official()
            || !matches!(
                image.name.as_str(),
                "golang" | "rust" | "gcc" | "maven" | "gradle" | "node" | "python"
            )
        {
            return;
        }
        let say = |msg: String| cx.finding(&META, from.span.start, msg, None);
        let instrs: Vec<(usize, &Instr)> = cx.stage_instrs(0).collect();
        if image.name == "node" || image.name == "python" {
            let split = if image.name == "node" {
                node(cx, from, &image, &instrs)
            } else {
                python(cx, &image, &instrs)
            };
            let bad = instrs
                .iter()
                .find(|(_, i)| matches!(i.kind, Kind::User | Kind::Healthcheck | Kind::Onbuild));
            match (split, bad) {
                (Ok(Some(_)), Some((_, b))) => out.push(say(format!("`{}` builds and runs in one stage; split it by hand (a {} must work in the runtime stage too)", from.args[0].value, b.keyword))),
                (Ok(Some((template, tctx, edits, message))), None) => append_stage(cx, from, template, tctx, edits, message, out),
                (Ok(None), _) => {}
                (Err(why), _) => out.push(say(why)),
            }
            return;
        }
        if let Some((_, bad)) = instrs
            .iter()
            .find(|(_, i)| matches!(i.kind, Kind::User | Kind::Healthcheck | Kind::Onbuild))
        {
            out.push(say(format!("`{}` builds and runs in one stage; split it by hand (a {} must work in the runtime stage too)", from.args[0].value, bad.keyword)));
            return;
        }
        // The WORKDIR in force at the end, and at each RUN.
        let mut cwd: Option<String> = None;
        let mut plan: Option<Plan> = None;
        // The fact that stopped a plan, for the message.
        let mut missing: Option<String> = None;
        let start = instrs
            .iter()
            .rev()
            .find(|(_, i)| i.is(Kind::Entrypoint))
            .or_else(|| instrs.iter().rev().find(|(_, i)| i.is(Kind::Cmd)));
        let Some((_, start)) = start else {
            out.push(say(format!(
                "`{}` builds and runs in one stage, but has no start command to carry over",
                from.args[0].value
            )));
            return;
        };
        let Some((program, jar)) = start_program(start, doc.text) else {
            return;
        };
        let all_text = doc.text;
        let exec_form = matches!(start.body, Body::Exec(..));
        for (i, ins) in &instrs {
            if ins.is(Kind::Workdir) {
                let arg = ins
                    .args
                    .first()
                    .map(|a| a.value.clone())
                    .unwrap_or_default();
                cwd = absolute(&arg, cwd.as_deref().or(Some("/")));
                continue;
            }
            let Some(script) = cx.script(*i) else {
                continue;
            };
            for c in &script.commands {
                let name = c.name().map(basename);
                let args: Vec<&str> = c.args().map(|w| w.lit.as_deref().unwrap_or("$")).collect();
                match (image.name.as_str(), name) {
                    ("golang", Some("go")) if args.first() == Some(&"build") => {
                        let out_path = args
                            .iter()
                            .position(|a| *a == "-o")
                            .and_then(|k| args.get(k + 1))
                            .copied();
                        let Some(artefact) = out_path.and_then(|o| absolute(o, cwd.as_deref()))
                        else {
                            continue;
                        };
                        let cgo_off = all_text.contains("CGO_ENABLED=0");
                        let runtime = if cgo_off && exec_form {
                            "gcr.io/distroless/static-debian12".to_string()
                        } else {
                            match build_release(cx) {
                                Ok(d) => format!("debian:{d}-slim"),
                                Err(why) => {
                                    missing = Some(why);
                                    continue;
                                }
                            }
                        };
                        plan = Some(Plan {
                            stack: "go",
                            runtime,
                            artefact,
                            is_static: cgo_off && exec_form,
                            packages: Vec::new(),
                        });
                    }
                    ("rust", Some("cargo"))
                        if args.first() == Some(&"build") && args.contains(&"--release") =>
                    {
                        let release = match build_release(cx) {
                            Ok(r) => r,
                            Err(why) => {
                                missing = Some(why);
                                continue;
                            }
                        };
                        let Some(name) = program
                            .rsplit_once("target/release/")
                            .map(|(_, n)| n.to_string())
                        else {
                            continue;
                        };
                        let Some(artefact) =
                            absolute(&format!("target/release/{name}"), cwd.as_deref())
                        else {
                            continue;
                        };
                        let ssl = cx
                            .build_context
                            .read("Cargo.lock")
                            .is_some_and(|l| l.contains("name = \"openssl-sys\""));
                        let packages = match (ssl, packages::openssl_runtime(&release)) {
                            (false, _) => Vec::new(),
                            (true, Some(lib)) => vec![lib],
                            (true, None) => {
                                missing = Some(format!(
                                    "the OpenSSL runtime package of Debian {release} is not in the package table"
                                ));
                                continue;
                            }
                        };
                        plan = Some(Plan {
                            stack: "rust",
                            runtime: format!("debian:{release}-slim"),
                            artefact,
                            is_static: false,
                            packages,
                        });
                    }
                    ("gcc", Some("make" | "cmake" | "gcc" | "g++" | "cc")) => {
                        let release = match build_release(cx) {
                            Ok(r) => r,
                            Err(why) => {
                                missing = Some(why);
                                continue;
                            }
                        };
                        let Some(artefact) = absolute(&program, cwd.as_deref()) else {
                            continue;
                        };
                        plan = Some(Plan {
                            stack: "c",
                            runtime: format!("debian:{release}-slim"),
                            artefact,
                            is_static: false,
                            packages: Vec::new(),
                        });
                    }
                    ("gradle", Some("gradle" | "gradlew"))
                        if args.iter().any(|a| {
                            matches!(*a, "build" | "bootJar" | "jar" | "assemble" | "shadowJar")
                        }) =>
                    {
                        let tag = image.tag.as_deref().unwrap_or("");
                        let major: String = tag
                            .split("jdk")
                            .nth(1)
                            .unwrap_or("")
                            .chars()
                            .take_while(|c| c.is_ascii_digit())
                            .collect();
                        if let Some(p) = jre_plan(
                            "gradle",
                            (!major.is_empty()).then_some(major),
                            jar.as_deref(),
                            cwd.as_deref(),
                        ) {
                            plan = Some(p);
                        }
                    }
                    ("maven", Some("mvn"))
                        if args
                            .iter()
                            .any(|a| matches!(*a, "package" | "install" | "verify")) =>
                    {
                        let tag = image.tag.as_deref().unwrap_or("");
                        let major = ["temurin-", "jdk-", "openjdk-", "corretto-"]
                            .iter()
                            .find_map(|p| {
                                let rest = &tag[tag.find(p)? + p.len()..];
                                let m: String =
                                    rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                                (!m.is_empty()).then_some(m)
                            });
                        if let Some(p) = jre_plan("maven", major, jar.as_deref(), cwd.as_deref()) {
                            plan = Some(p);
                        }
                    }
                    _ => {}
                }
            }
        }
        let Some(plan) = plan else {
            let why = missing.unwrap_or_else(|| "the artefact could not be worked out".into());
            out.push(say(format!("`{}` builds and runs in one stage: a runtime stage with only the artefact would be much smaller ({why})", from.args[0].value)));
            return;
        };
        // The start command must run the artefact (or the jar must be it).
        let runs_artefact = match plan.stack {
            "maven" | "gradle" => true,
            _ => absolute(&program, cwd.as_deref()).as_deref() == Some(plan.artefact.as_str()),
        };
        if !runs_artefact {
            out.push(say(format!("`{}` builds and runs in one stage, but the start command does not run `{}`: split it by hand", from.args[0].value, plan.artefact)));
            return;
        }
        let builder = match from.args.get(1) {
            Some(name) => name.value.clone(),
            None => "build".to_string(),
        };
        let copies_context = instrs.iter().any(|(_, i)| {
            i.is(Kind::Copy)
                && i.args
                    .first()
                    .is_some_and(|a| a.value == "." || a.value == "./")
        });
        let data_dirs: Vec<String> = match (&cwd, copies_context) {
            (Some(w), true) => DATA_DIRS
                .iter()
                .filter(|d| cx.build_context.is_dir(d))
                .map(|d| format!("{}/{d}", w.trim_end_matches('/')))
                .collect(),
            _ => Vec::new(),
        };
        let mut tctx = runtime_context(cx, &instrs, &plan.runtime, &cwd);
        tctx.insert("builder", &builder);
        tctx.insert("artefact", &plan.artefact);
        tctx.insert("static", &plan.is_static);
        tctx.insert("packages", &plan.packages);
        tctx.insert("data_dirs", &data_dirs);
        let message = format!(
            "builds and runs in one stage: the runtime stage `{}` gets only `{}`",
            plan.runtime, plan.artefact
        );
        append_stage(cx, from, plan.stack, tctx, Vec::new(), message, out);
    }
}

/// Renders the stack's template and appends it as the runtime stage, naming the first stage
/// `build` when it has no name. `edits` are the fix's other edits (to the build stage).
fn append_stage(
    cx: &Context<'_, '_>,
    from: &Instr,
    stack: &str,
    mut tctx: tera::Context,
    mut edits: Vec<Edit>,
    message: String,
    out: &mut Vec<Finding>,
) {
    let doc = cx.doc;
    let builder = from
        .args
        .get(1)
        .map_or_else(|| "build".to_string(), |n| n.value.clone());
    tctx.insert("builder", &builder);
    tctx.insert("esc", &doc.escape.to_string());
    let template = TEMPLATES
        .iter()
        .find(|(n, _)| *n == stack)
        .map(|(_, t)| *t)
        .expect("a template per stack");
    let rendered = match tera::Tera::default().render_str(template, &tctx, false) {
        Ok(r) => r,
        Err(e) => {
            out.push(cx.finding(
                &META,
                from.span.start,
                format!("internal error rendering the {stack} template: {e}"),
                None,
            ));
            return;
        }
    };
    let nl = doc.newline;
    let mut stage = format!("{}\n", rendered.trim_matches('\n'));
    if nl != "\n" {
        stage = stage.replace('\n', nl);
    }
    if from.args.get(1).is_none() {
        let kw = cx.text(&from.keyword_span);
        let as_kw = if kw.chars().all(|c| c.is_ascii_lowercase()) {
            "as"
        } else {
            "AS"
        };
        edits.push(Edit::insert(
            from.args[0].span.end,
            format!(" {as_kw} {builder}"),
        ));
    }
    let lead = if doc.text.ends_with("\n\n") || doc.text.ends_with("\n\r\n") {
        String::new()
    } else if doc.text.ends_with('\n') {
        nl.to_string()
    } else {
        format!("{nl}{nl}")
    };
    // The stage ends the file; drop the template's last line break if the file had none.
    let body = if doc.text.ends_with('\n') {
        stage
    } else {
        stage.trim_end_matches(['\r', '\n']).to_string()
    };
    edits.push(Edit::insert(doc.text.len(), format!("{lead}{body}")));
    out.push(cx.finding(
        &META,
        from.span.start,
        message,
        Some(Fix::new(Applicability::Unsafe, edits)),
    ));
}

/// What an interpreted-language split needs: the template, its context, the edits to the build
/// stage, and the message. `Ok(None)`: nothing to say.
type Split = Result<Option<(&'static str, tera::Context, Vec<Edit>, String)>, String>;

/// The WORKDIR at the end of the stage (absolute), if known.
fn final_workdir(instrs: &[(usize, &Instr)]) -> Option<String> {
    let mut cwd: Option<String> = Some("/".into());
    for (_, ins) in instrs.iter().filter(|(_, i)| i.is(Kind::Workdir)) {
        cwd = absolute(&ins.args.first()?.value, cwd.as_deref());
    }
    cwd.filter(|c| c != "/")
}

/// The template context every runtime stage starts from: its base, the WORKDIR, and the
/// build stage's ENV/LABEL lines (carried) and start and port lines (tail).
fn runtime_context(
    cx: &Context<'_, '_>,
    instrs: &[(usize, &Instr)],
    runtime: &str,
    workdir: &impl serde::Serialize,
) -> tera::Context {
    let carried: Vec<&str> = instrs
        .iter()
        .filter(|(_, i)| i.is(Kind::Env) || i.is(Kind::Label))
        .map(|(_, i)| cx.text(&i.span))
        .collect();
    let tail: Vec<&str> = instrs
        .iter()
        .filter(|(_, i)| {
            matches!(
                i.kind,
                Kind::Expose | Kind::Stopsignal | Kind::Volume | Kind::Entrypoint | Kind::Cmd
            )
        })
        .map(|(_, i)| cx.text(&i.span))
        .collect();
    let mut t = tera::Context::new();
    t.insert("runtime", runtime);
    t.insert("carried", &carried);
    t.insert("tail", &tail);
    t.insert("workdir", workdir);
    t
}

/// `node` with `npm run build` and `node <out>/<file>.js`: production dependencies and `<out>`.
fn node(cx: &Context<'_, '_>, from: &Instr, image: &ImageRef, instrs: &[(usize, &Instr)]) -> Split {
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
    let words =
        start
            .and_then(|s| start_program(s, cx.doc.text))
            .map(|_| match &start.unwrap().body {
                Body::Exec(_, a) => a.clone(),
                Body::Shell(span) => cx.doc.text[span.clone()]
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
                Body::None => Vec::new(),
            });
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

/// `python` (full image) that pip-installs: a virtualenv in the build stage, copied onto the slim
/// image with the application.
fn python(cx: &Context<'_, '_>, image: &ImageRef, instrs: &[(usize, &Instr)]) -> Split {
    if image.tag_has("slim") || image.tag_has("alpine") {
        return Ok(None);
    }
    let Some(version) = image.tag.as_deref().filter(|t| {
        t.split('.').take(2).count() == 2 && t.chars().next().is_some_and(|c| c.is_ascii_digit())
    }) else {
        return Ok(None); // `python:3`/`latest`: the minor version must match in both stages
    };
    let Some(slim) = crate::facts::images::slim_tag("python", Some(version)) else {
        return Ok(None);
    };
    let mut first_pip = None;
    let mut compiles = false;
    for (i, ins) in instrs {
        let Some(script) = cx.script(*i) else {
            if ins.is(Kind::Run) && cx.text(&ins.span).contains("pip") {
                return Ok(None);
            }
            continue;
        };
        for c in &script.commands {
            let name = c.name().map(basename).unwrap_or("");
            if matches!(name, "apt-get" | "apt") && c.first_operand() == Some("install") {
                let pkgs: Vec<&str> = c
                    .args()
                    .filter_map(|w| w.lit.as_deref())
                    .filter(|a| !a.starts_with('-') && *a != "install")
                    .collect();
                compiles |= pkgs
                    .iter()
                    .any(|p| matches!(*p, "gcc" | "g++" | "build-essential" | "make" | "cmake"));
                if let Some(p) = pkgs.iter().find(|p| !BUILD_ONLY.contains(p)) {
                    return Err(format!(
                        "a Python build that also installs `{p}` with apt: the runtime stage would need to know which packages it keeps; split it by hand"
                    ));
                }
            }
            let pip = name.starts_with("pip") || (name.starts_with("python") && c.has_arg("pip"));
            if pip && c.has_arg("install") {
                if c.has_arg("--user") {
                    return Ok(None);
                }
                first_pip.get_or_insert(ins);
            }
        }
    }
    // Only a build that compiles (it installs a compiler) pays for two stages; a pure-Python
    // install is better served by slim-base's single slim stage (measured: the split alone cost
    // more than it saved).
    if !compiles {
        return Ok(None);
    }
    let Some(first_pip) = first_pip else {
        return Ok(None);
    };
    let Some(workdir) = final_workdir(instrs) else {
        return Ok(None); // no application folder to carry over: slim-base covers the base
    };
    let nl = cx.doc.newline;
    let at = cx
        .doc
        .lines
        .line_start(cx.doc.line_of(first_pip.span.start));
    let venv = format!("RUN python -m venv /opt/venv{nl}ENV PATH=\"/opt/venv/bin:$PATH\"{nl}");
    let runtime = format!("python:{slim}");
    let t = runtime_context(cx, instrs, &runtime, &workdir);
    let msg = format!(
        "builds and runs in one stage: packages go into a virtualenv, copied with `{workdir}` onto `{runtime}` (add the runtime libraries compiled extensions load, such as libpq5)"
    );
    Ok(Some(("python", t, vec![Edit::insert(at, venv)], msg)))
}

/// apt packages only a build needs.
const BUILD_ONLY: &[&str] = &[
    "gcc",
    "g++",
    "build-essential",
    "make",
    "cmake",
    "pkg-config",
    "git",
    "python3-dev",
];
