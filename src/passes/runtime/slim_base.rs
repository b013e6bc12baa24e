use crate::facts::Role;
use crate::facts::images::{self, Distro, ImageRef};
use crate::facts::packages::{self, release_runtimes};
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass, Phase};
use crate::shell::basename;
use crate::syntax::Kind;

pub struct SlimBase;

static META: Meta = Meta {
    code: "DO032",
    name: "slim-base",
    summary: "A smaller variant of the final stage's base image",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Rewrites the final stage's base to a smaller variant of the same image, keeping the version the
user pinned (see the table below), and suggests Alpine, distroless or a multi-stage build where
those would save more. A full `ubuntu`/`debian` base that installs one language runtime with apt
(Python, Node.js or a Java runtime) becomes that language's official image at the version the
release installs, and the apt packages the image provides (`python3`, `python3-pip`, `nodejs`,
`npm`, `openjdk-N-jre`, ...) leave the install list.

| base | becomes | typical size |
|---|---|---|
| `python:3.12` (≈1.0 GB) | `python:3.12-slim` | ≈130 MB (`-alpine` ≈50 MB: suggestion) |
| `node:20` (≈1.1 GB) | `node:20-slim` | ≈200 MB (`-alpine` ≈130 MB: suggestion) |
| `ruby:3.3` (≈1.0 GB) | `ruby:3.3-slim` | ≈200 MB |
| `perl:5.40` (≈900 MB) | `perl:5.40-slim` | ≈150 MB |
| `debian:bookworm` (≈120 MB) | `debian:bookworm-slim` | ≈75 MB |
| `openjdk:17` (≈470 MB, deprecated) | `eclipse-temurin:17-jre` | ≈270 MB |
| `ubuntu:20.04` / `22.04` / `24.04` + apt `python3` | `python:3.8-slim` / `3.10-slim` / `3.12-slim` | ≈130 MB |
| `debian:bullseye` / `bookworm` + apt `python3` | `python:3.9-slim` / `3.11-slim` | ≈130 MB |
| `ubuntu`/`debian` + apt `nodejs` | `node:<the release's version>-slim` (20.04: 10, 22.04: 12, 24.04: 18, bullseye: 12, bookworm: 18) | ≈200 MB |
| `ubuntu`/`debian` + apt `openjdk-N-jre` / `default-jre` | `eclipse-temurin:N-jre` (default: 20.04/22.04: 11, 24.04: 21, bullseye: 11, bookworm: 17) | ≈270 MB |
| `golang`, `rust`, `maven`, `gradle` as the final stage | a multi-stage build (suggestion) | 2-20 MB runtime |

## Why
Full images carry compilers, headers and documentation the application never uses: hundreds
of MB to pull, store and scan for vulnerabilities.

## Example
```dockerfile
FROM python:3.12
```
becomes
```dockerfile
FROM python:3.12-slim
```

## Fix safety
Unsafe: slim images lack compilers and some libraries (a tool the application calls may be
missing). Tags the user pinned are kept, and so is a distribution release the tag names
(`debian:bullseye` + apt Python → `python:3.9-slim-bullseye`; `openjdk:8-alpine` →
`eclipse-temurin:8-jre-alpine`); a move to another image (a language image for a distribution,
temurin for openjdk) writes only tags the official images table lists; a
digest cannot be carried over, so a pinned digest gets a suggestion only; no tag is invented
(`latest` stays `slim`). Left as it is, with the reason: a Windows stage; an image that is not
an application (ONBUILD, or no CMD/ENTRYPOINT: it may be a base that children compile on); a
stage that compiles (installs a compiler or `-dev` package, runs one, pip-installs a package
with no wheels such as psycopg2, bundle-installs gems the build context's `Gemfile.lock` names
without a precompiled platform and with a C extension such as pg, puma or nio4r, or
bundle-installs with no `Gemfile.lock` to tell, installs npm/yarn/pnpm dependencies among which
the build context's lock file or package.json names a native addon that node-gyp compiles
when no prebuilt binary is fetched, such as bcrypt, node-sass or canvas, or has no package.json
to tell); a JDK stage that builds Java (javac, sbt, Maven, Gradle, ant,
lein); an apt source (NodeSource, a PPA) that makes the installed version unknown; a move to
another distribution (Ubuntu → a Debian-based language image) while the stage installs a
package not known to exist there under the same name, or (openjdk → temurin) while it runs
anything at all. Alpine (musl libc, BusyBox) and distroless (no shell) are suggestions only,
unless `--prefer-alpine` asks for Alpine: then `python`/`node` bases become their `-alpine`
variant (Unsafe), except where the stage installs with apt or compiles.

## Facts it relies on
The final stage's role (an application, not an image made to be built upon or with no CMD), whether it is a Windows stage, the base's distribution and release (its tag, or the dated official images table), what the stage installs and runs (compilers, `-dev` packages, Java builds, apt sources, gems with C extensions in the build context's `Gemfile.lock` and native npm addons in its lock file or package.json, dated tables), the ENV paths it sets (a `JAVA_HOME` under `/usr/lib/jvm` keeps the distribution's Java), and the package names shared by Debian and Ubuntu. Waits for a split of the final stage (phase Structure).
"#,
};

/// `3.12-slim-bookworm` → `3.12-alpine`; `latest` → `alpine`.
fn alpine_tag(tag: Option<&str>) -> Option<String> {
    let t = tag.unwrap_or("latest");
    if t == "latest" || t == "slim" {
        return Some("alpine".into());
    }
    let version: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let version = version.trim_end_matches('.');
    (!version.is_empty()).then(|| format!("{version}-alpine"))
}

/// The first line of the stage that installs with apt.
fn uses_apt(cx: &Context<'_, '_>, stage: usize) -> Option<usize> {
    cx.stage_instrs(stage).find_map(|(i, ins)| {
        let apt = cx.script(i)?.commands.iter().any(|c| {
            c.name()
                .map(basename)
                .is_some_and(|n| n == "apt-get" || n == "apt")
        });
        apt.then(|| cx.doc.line_of(ins.span.start))
    })
}

/// Where the stage compiles: the first line that installs a compiler or headers, runs a
/// compiler, or pip-installs a package that builds from source, with what it does.
fn compiles(cx: &Context<'_, '_>, stage: usize) -> Option<(String, usize)> {
    for (i, ins) in cx.stage_instrs(stage) {
        let Some(script) = cx.script(i) else { continue };
        let line = cx.doc.line_of(ins.span.start);
        for c in &script.commands {
            let Some(name) = c.name().map(basename) else {
                continue;
            };
            let ops = c.operands();
            let installs = matches!(
                (name, ops.first().copied()),
                (
                    "apt-get" | "apt" | "apk" | "yum" | "dnf",
                    Some("install" | "add")
                )
            );
            if installs {
                if let Some(p) = ops.iter().skip(1).find(|p| packages::is_build_package(p)) {
                    return Some((format!("installs `{p}`"), line));
                }
                continue;
            }
            if packages::is_compiler_command(name) {
                return Some((format!("runs `{name}`"), line));
            }
            // Bundler compiles the C extensions of the gems the lock names without a platform.
            if name == "bundle" && matches!(ops.first().copied(), None | Some("install")) {
                return Some(match cx.gemfile_lock(stage) {
                    Some(lock) => {
                        let gem = crate::facts::gems::compiled_gem(&lock)?;
                        (format!("bundle-installs `{gem}` (Gemfile.lock), which compiles a C extension"), line)
                    }
                    None => (
                        "bundle-installs gems, and no Gemfile.lock in the build context tells whether one compiles a C extension".into(),
                        line,
                    ),
                });
            }
            // npm, yarn and pnpm install what the manifests name; a native addon among them
            // compiles with node-gyp where no prebuilt binary comes.
            let manager = matches!(name, "npm" | "yarn" | "pnpm");
            let global = c
                .args()
                .any(|w| w.is("-g") || w.is("--global") || w.is("global"));
            let installing = matches!(
                (name, ops.first().copied()),
                ("npm", Some("install" | "i" | "ci" | "add"))
                    | ("yarn", None | Some("install" | "add"))
                    | ("pnpm", Some("install" | "i" | "add"))
            );
            if manager && installing && !global {
                let named: Vec<String> = ops.iter().skip(1).map(|p| p.to_string()).collect();
                let Some(mut packages) = cx.npm_packages(stage) else {
                    return Some((
                        format!(
                            "runs `{name} {}`, and no package.json in the build context tells whether a dependency is a native addon that compiles",
                            ops.first().copied().unwrap_or("install")
                        ),
                        line,
                    ));
                };
                packages.extend(named);
                if let Some(addon) = crate::facts::npm::compiled_addon(&packages) {
                    return Some((
                        format!(
                            "installs `{addon}`, a native addon that node-gyp compiles when no prebuilt binary is fetched"
                        ),
                        line,
                    ));
                }
            }
            let native_gem = (name == "gem" && ops.first() == Some(&"install"))
                .then(|| {
                    ops.iter()
                        .skip(1)
                        .find(|g| crate::facts::gems::GEMS_WITH_C_EXTENSIONS.contains(g))
                })
                .flatten();
            if let Some(g) = native_gem {
                return Some((
                    format!("gem-installs `{g}`, which compiles a C extension"),
                    line,
                ));
            }
            let pip = name.starts_with("pip") || (name.starts_with("python") && c.has_arg("pip"));
            if pip && c.has_arg("install") {
                let source_only = ops.iter().find(|p| {
                    let bare = p.split(['=', '<', '>', '[', '~', '!']).next().unwrap_or(p);
                    packages::PIP_SOURCE_ONLY.contains(&bare.to_ascii_lowercase().as_str())
                });
                if let Some(p) = source_only {
                    return Some((
                        format!("pip-installs `{p}`, which builds from source"),
                        line,
                    ));
                }
                // A requirements file the build context holds: read it for the same packages.
                let files = c
                    .args()
                    .zip(c.args().skip(1))
                    .filter(|(o, _)| o.is("-r") || o.is("--requirement"))
                    .filter_map(|(_, f)| f.lit.as_deref());
                for file in files {
                    if let Some(p) = source_only_in_requirements(cx, file) {
                        return Some((
                            format!("pip-installs `{p}` (from `{file}`), which builds from source"),
                            line,
                        ));
                    }
                }
            }
        }
    }
    None
}

/// A package of `file` (looked up in the build context as written, then by its name at the
/// top) that builds from source.
fn source_only_in_requirements(cx: &Context<'_, '_>, file: &str) -> Option<String> {
    let rel = file.trim_start_matches("./");
    let base = rel.rsplit('/').next().unwrap_or(rel);
    let text = cx
        .build_context
        .read(rel)
        .or_else(|| cx.build_context.read(base))?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .map(|l| {
            l.split(['=', '<', '>', '[', '~', '!', ';', ' '])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
        .find(|name| packages::PIP_SOURCE_ONLY.contains(&name.as_str()))
}

/// Where the stage compiles Java, and with what.
fn compiles_java(cx: &Context<'_, '_>, stage: usize) -> Option<(&'static str, usize)> {
    const TOOLS: &[&str] = &[
        "javac", "mvn", "mvnw", "gradle", "gradlew", "sbt", "ant", "lein", "kotlinc", "jar",
    ];
    cx.stage_instrs(stage).find_map(|(i, ins)| {
        if !ins.is(Kind::Run) {
            return None;
        }
        let line = cx.doc.line_of(ins.span.start);
        match cx.script(i) {
            Some(script) => script.commands.iter().find_map(|c| {
                let name = basename(c.name()?);
                TOOLS.iter().find(|t| **t == name).map(|t| (*t, line))
            }),
            // A script we cannot read: any tool's name in it counts.
            None => TOOLS
                .iter()
                .find(|t| cx.text(&ins.span).contains(*t))
                .map(|t| (*t, line)),
        }
    })
}

/// The literal packages the stage's apt installs name, with their line and (instruction,
/// command, word) position.
fn apt_packages(cx: &Context<'_, '_>, stage: usize) -> Vec<(String, usize, (usize, usize, usize))> {
    let mut out = Vec::new();
    for (i, ins) in cx.stage_instrs(stage) {
        let Some(script) = cx.script(i) else { continue };
        for (k, c) in script.commands.iter().enumerate() {
            let apt = c
                .name()
                .map(basename)
                .is_some_and(|n| n == "apt-get" || n == "apt");
            if !apt || c.first_operand() != Some("install") {
                continue;
            }
            for (w, word) in c.words.iter().enumerate().skip(1) {
                match word.lit.as_deref() {
                    Some(p) if !p.starts_with('-') && p != "install" => {
                        out.push((p.to_string(), cx.doc.line_of(ins.span.start), (i, k, w)))
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// The first line that adds an apt source (a PPA, NodeSource, a sources.list entry).
fn adds_apt_source(cx: &Context<'_, '_>, stage: usize) -> Option<usize> {
    const MARKS: &[&str] = &[
        "add-apt-repository",
        "sources.list",
        "nodesource",
        "apt-key",
        "/etc/apt/keyrings",
        "deb http",
        "deb [",
        ".deb",
    ];
    cx.stage_instrs(stage)
        .filter(|(_, i)| i.is(Kind::Run) || i.is(Kind::Copy) || i.is(Kind::Add))
        .find(|(_, i)| MARKS.iter().any(|m| cx.text(&i.span).contains(m)))
        .map(|(_, i)| cx.doc.line_of(i.span.start))
}

/// The first tool a RUN of the stage uses that the slim image lacks and the stage does not
/// install before, with the line that uses it.
fn missing_in_slim(cx: &Context<'_, '_>, stage: usize) -> Option<(&'static str, usize)> {
    let mut installed: Vec<String> = Vec::new();
    for (i, ins) in cx.stage_instrs(stage) {
        let Some(script) = cx.script(i) else { continue };
        for c in &script.commands {
            let Some(name) = c.name().map(basename) else {
                continue;
            };
            if matches!(name, "apt-get" | "apt") && c.first_operand() == Some("install") {
                installed.extend(c.args().filter_map(|w| w.lit.clone()));
                continue;
            }
            let lacking = images::NOT_IN_SLIM.iter().find(|(t, pkgs)| {
                *t == name && !pkgs.iter().any(|p| installed.iter().any(|i| i == p))
            });
            if let Some((tool, _)) = lacking {
                return Some((tool, cx.doc.line_of(ins.span.start)));
            }
        }
    }
    None
}

/// A language runtime that a distribution installs with apt and that has an official image.
struct AptRuntime {
    /// Packages of that runtime (an official image provides them).
    packages: fn(&str) -> bool,
    /// The official image for the distribution release's version, and the version itself.
    image: fn(&str) -> Option<(String, String)>,
    language: &'static str,
}

const APT_RUNTIMES: &[AptRuntime] = &[
    AptRuntime {
        packages: |p| {
            matches!(
                p,
                "python3"
                    | "python3-pip"
                    | "python3-venv"
                    | "python-is-python3"
                    | "python3-setuptools"
                    | "python3-wheel"
                    | "python3-distutils"
            )
        },
        image: |release| {
            let v = release_runtimes(release)?.python;
            Some((format!("python:{v}-slim"), v.to_string()))
        },
        language: "Python",
    },
    AptRuntime {
        packages: |p| matches!(p, "nodejs" | "npm"),
        image: |release| {
            let v = release_runtimes(release)?.node;
            Some((format!("node:{v}-slim"), v.to_string()))
        },
        language: "Node.js",
    },
    AptRuntime {
        packages: |p| {
            matches!(p, "default-jre" | "default-jre-headless")
                || (p.starts_with("openjdk-")
                    && (p.ends_with("-jre") || p.ends_with("-jre-headless")))
        },
        image: |release| {
            let v = release_runtimes(release)?.java;
            Some((format!("eclipse-temurin:{v}-jre"), v.to_string()))
        },
        language: "Java",
    },
];

impl Pass for SlimBase {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let Some(last) = cx.doc.stages.len().checked_sub(1) else {
            return;
        };
        let mut found = Vec::new();
        self.propose(cx, &mut found);
        // What the facts forbid whatever the base: a Windows stage gets no structural
        // rewrite, and an image that is not an application may be a base for other builds
        // (a JDK base turned JRE, a full image its children compile on).
        let facts = &cx.facts.stages[last];
        let refusal = match &facts.role {
            _ if facts.windows => Some("a Windows stage".to_string()),
            Role::Application => None,
            Role::BuiltUpon(why) => Some(format!("the image is made to be built upon ({why})")),
            Role::Undecided(why) => Some(format!(
                "cannot tell whether the image runs an application or is a base for others ({why})"
            )),
            Role::Build => Some("a build stage".to_string()),
        };
        for f in found {
            // A split into build and runtime stages keeps the full image where it is needed
            // (to compile) and puts the slim one where it pays (at run time): it goes first.
            let mut f = f.waiting_for(&[Phase::Structure]);
            if let (Some(_), Some(why)) = (&f.fix, &refusal) {
                f.fix = None;
                f.message = format!("{}; left as it is: {why}", f.message);
            }
            out.push(f);
        }
    }
}

impl SlimBase {
    fn propose(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        let Some(last) = doc.stages.len().checked_sub(1) else {
            return;
        };
        if doc.parent_stage(last).is_some() {
            return; // built on another stage: that stage's base is a build base
        }
        let from = &doc.instructions[doc.stages[last].instrs.start];
        let Some(arg) = from.args.first() else { return };
        // The project's own map (config `slim-base.map`) comes first.
        if let Some(to) = cx
            .settings
            .base_map
            .get(&arg.value)
            .filter(|to| **to != arg.value)
        {
            out.push(cx.finding(
                &META,
                from.span.start,
                format!("`{}` → `{to}` (slim-base.map in the config)", arg.value),
                Some(Fix::new(
                    Applicability::Unsafe,
                    vec![Edit::replace(arg.span.clone(), to.clone())],
                )),
            ));
            return;
        }
        let Some(r) = ImageRef::parse(&arg.value) else {
            return;
        };
        if !r.is_official()
            || from.flags.iter().any(|f| {
                f.name.eq_ignore_ascii_case("platform")
                    && f.value.as_deref().is_some_and(|v| v.contains('$'))
            })
        {
            return;
        }
        let say = |msg: String, fix: Option<Fix>| cx.finding(&META, from.span.start, msg, fix);
        let name = r.name.as_str();
        // A distribution base that installs a language runtime: that language's image is the
        // better move than the distribution's slim variant.
        if let ("ubuntu" | "debian", Some(_)) = (name, r.tag.as_deref()) {
            let before = out.len();
            self.distro_runtime(cx, last, from, out);
            if out.len() > before {
                return;
            }
        }
        let with_tag = |tag: &str| format!("{}{}:{}", r.prefix, r.name, tag);
        match name {
            "golang" | "rust" | "maven" | "gradle" | "gcc" => {
                out.push(say(format!("the final stage runs on the build image `{}`: build in one stage and copy the result onto a small runtime (distroless, slim) in a second", arg.value), None));
            }
            "python" | "node"
                if cx.settings.prefer_alpine && r.digest.is_none() && !r.tag_has("alpine") =>
            {
                let Some(tag) = alpine_tag(r.tag.as_deref()) else {
                    return;
                };
                let new = with_tag(&tag);
                if let Some((what, line)) = compiles(cx, last) {
                    out.push(say(format!("`{new}` has no compilers or headers, but line {line} {what}: build in a separate stage"), None));
                    return;
                }
                if let Some(line) = uses_apt(cx, last) {
                    out.push(say(format!("`{new}` uses apk, but line {line} installs with apt: port the installs first"), None));
                    return;
                }
                out.push(say(
                    format!("`{}` → `{new}` (--prefer-alpine): musl libc and BusyBox; native packages may need rebuilding", arg.value),
                    Some(Fix::new(Applicability::Unsafe, vec![Edit::replace(arg.span.clone(), new.clone())])),
                ));
            }
            "python" | "node" | "ruby" | "perl" | "debian" => {
                let Some(tag) = images::slim_tag(name, r.tag.as_deref()) else {
                    if name != "debian" && !r.tag_has("alpine") && !r.tag_has("slim") {
                        return;
                    }
                    if (name == "python" || name == "node") && r.tag_has("slim") {
                        out.push(say(format!("`{}`: an `-alpine` variant is smaller still (musl libc: check native packages)", arg.value), None));
                    }
                    return;
                };
                if r.digest.is_some() {
                    out.push(say(
                        format!(
                            "`{}` has a slim variant (`{}`); pin its digest to switch",
                            arg.value,
                            with_tag(&tag)
                        ),
                        None,
                    ));
                    return;
                }
                let new = if name == "debian" {
                    // debian names it `bookworm-slim` / `12-slim`; `latest` has no slim twin
                    // under that name, and an untagged base gets no invented tag.
                    match r.tag.as_deref() {
                        Some(t) if t != "latest" && !t.contains('-') => {
                            with_tag(&format!("{t}-slim"))
                        }
                        _ => return,
                    }
                } else {
                    with_tag(&tag)
                };
                // The full image's compilers and headers go with it; a full `debian` has none.
                let full = &cx.facts.stages[last].base;
                if let (true, Some((what, line))) = (full.has_compilers, compiles(cx, last)) {
                    out.push(say(format!("`{}` has a slim variant (`{new}`), but line {line} {what}: a build there needs headers and libraries only the full image has; build in a separate stage", arg.value), None));
                    return;
                }
                if let Some((tool, line)) = missing_in_slim(cx, last) {
                    out.push(say(format!("`{}` has a slim variant (`{new}`), but it has no `{tool}`, which line {line} runs: install it first, then switch", arg.value), None));
                    return;
                }
                out.push(say(
                    format!("`{}` is a full image; `{new}` has the same runtime without compilers and docs", arg.value),
                    Some(Fix::new(Applicability::Unsafe, vec![Edit::replace(arg.span.clone(), new.clone())])),
                ));
            }
            "openjdk" => {
                let tag = r.tag.as_deref().unwrap_or("");
                let major: String = tag.chars().take_while(|c| c.is_ascii_digit()).collect();
                let generic = format!(
                    "`{}` is deprecated; `eclipse-temurin:<version>-jre` runs Java in less space",
                    arg.value
                );
                if let Some((tool, line)) = compiles_java(cx, last) {
                    out.push(say(
                        format!(
                            "{generic} (not here: line {line} runs `{tool}`, which needs the JDK)"
                        ),
                        None,
                    ));
                    return;
                }
                if major.is_empty() || r.digest.is_some() {
                    out.push(say(generic, None));
                    return;
                }
                // The JRE of the same distribution: Alpine stays Alpine; another distribution
                // only when the stage installs no package (its names could differ there).
                let from_facts = &cx.facts.stages[last].base;
                let named = from_facts
                    .release
                    .as_ref()
                    .filter(|r| r.named_in_tag)
                    .map(|r| r.name.clone());
                let candidates = match (from_facts.distro, named) {
                    // A release the tag names is kept, or nothing is done.
                    (Distro::Alpine, Some(r)) => vec![format!("{major}-jre-alpine-{r}")],
                    (Distro::Alpine, None) => vec![format!("{major}-jre-alpine")],
                    (_, Some(r)) => vec![format!("{major}-jre-{r}")],
                    (_, None) => vec![format!("{major}-jre")],
                };
                let Some((new_tag, (distro, release))) = candidates
                    .iter()
                    .find_map(|t| Some((t.clone(), images::official_tag("eclipse-temurin", t)?)))
                else {
                    out.push(say(format!("{generic} (the official images table lists no `eclipse-temurin:{}` with the same distribution release)", candidates[0]), None));
                    return;
                };
                // Another distribution has other packages and tools: only a stage that runs
                // nothing there may move.
                let first_run = cx.stage_instrs(last).find(|(_, i)| i.is(Kind::Run));
                if let (true, Some((_, ins))) = (distro != from_facts.distro, first_run) {
                    let line = cx.doc.line_of(ins.span.start);
                    out.push(say(format!("{generic} (not here: `eclipse-temurin:{new_tag}` is {distro:?} {release}, `{}` is {}, and line {line} runs commands there)", arg.value, from_facts.describe_release()), None));
                    return;
                }
                let new = format!("eclipse-temurin:{new_tag}");
                out.push(say(
                    format!(
                        "`{}` is deprecated and ships a JDK; `{new}` is the maintained runtime",
                        arg.value
                    ),
                    Some(Fix::new(
                        Applicability::Unsafe,
                        vec![Edit::replace(arg.span.clone(), new)],
                    )),
                ));
            }
            _ => {}
        }
    }

    /// `ubuntu:20.04` + `apt-get install python3 python3-pip` → `python:3.8-slim` without them
    /// (likewise `nodejs` → `node:X-slim`, `openjdk-N-jre` → `eclipse-temurin:N-jre`).
    fn distro_runtime(
        &self,
        cx: &Context<'_, '_>,
        stage: usize,
        from: &crate::syntax::Instr,
        out: &mut Vec<Finding>,
    ) {
        // Which runtimes the stage installs with apt, and where.
        // A RUN we cannot read might install the runtime another way.
        let unreadable = cx.stage_instrs(stage).any(|(i, ins)| {
            ins.is(Kind::Run)
                && cx.script(i).is_none()
                && ["python3", "nodejs", "openjdk", "default-jre"]
                    .iter()
                    .any(|p| cx.text(&ins.span).contains(p))
        });
        if unreadable {
            return;
        }
        // (runtime, instr, command, word)
        let found: Vec<(usize, usize, usize, usize)> = apt_packages(cx, stage)
            .into_iter()
            .filter_map(|(p, _, (i, k, w))| {
                let rt = APT_RUNTIMES.iter().position(|r| (r.packages)(&p))?;
                Some((rt, i, k, w))
            })
            .collect();
        let mut runtimes: Vec<usize> = found.iter().map(|f| f.0).collect();
        runtimes.dedup();
        runtimes.sort_unstable();
        runtimes.dedup();
        let [rt] = runtimes.as_slice() else { return }; // none, or two languages: leave it
        let runtime = &APT_RUNTIMES[*rt];
        // The release from the facts (`ubuntu:20.04` is focal, `debian:12-slim` bookworm).
        let Some(release) = cx.facts.stages[stage].base.release.as_ref() else {
            return;
        };
        let Some((image, version)) = (runtime.image)(&release.name) else {
            return;
        };
        // A JRE pinned by package name (`openjdk-17-jre`) keeps its version.
        let (image, version) = match found.iter().find_map(|&(_, i, k, w)| {
            let p = cx.script(i)?.commands[k].words[w].lit.clone()?;
            let v: String = p
                .strip_prefix("openjdk-")?
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            (!v.is_empty()).then_some(v)
        }) {
            Some(v) if runtime.language == "Java" => (format!("eclipse-temurin:{v}-jre"), v),
            _ => (image, version),
        };
        let say = |msg: String| cx.finding(&META, from.span.start, msg, None);
        let source = &cx.facts.stages[stage].base;
        let intro = format!(
            "`{}` with apt's {} {version}",
            from.args[0].value, runtime.language
        );
        // An ENV that points into where the distribution installs the language (JAVA_HOME at
        // /usr/lib/jvm/…): the language's image keeps it elsewhere.
        let distro_path = match runtime.language {
            "Java" => "/usr/lib/jvm",
            "Python" => "/usr/lib/python3",
            _ => "/usr/lib/node_modules",
        };
        if let Some((_, env)) = cx
            .stage_instrs(stage)
            .find(|(_, i)| i.is(Kind::Env) && cx.text(&i.span).contains(distro_path))
        {
            let line = cx.doc.line_of(env.span.start);
            out.push(say(format!("{intro}: line {line} sets a path under `{distro_path}`, where the distribution installs it and `{image}` does not: left as it is")));
            return;
        }
        // An apt source the stage adds (NodeSource, a PPA) may install another version than
        // the release's own.
        if let Some(line) = adds_apt_source(cx, stage) {
            out.push(say(format!("{intro}? line {line} adds an apt source, so the version installed is not known: left as it is")));
            return;
        }
        // The same distribution release where the language's image has a tag for it; else
        // another distribution, only when every package the stage still installs is known to
        // exist there under the same name.
        let Some((repo, generic_tag)) = image.split_once(':') else {
            return;
        };
        let release = source
            .release
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let same_release = match repo {
            "python" => format!("{version}-slim-{release}"),
            "node" => format!("{version}-{release}-slim"),
            _ => format!("{generic_tag}-{release}"),
        };
        let (target_tag, (distro, target_release)) = match images::official_tag(repo, &same_release)
            .filter(|_| !release.is_empty())
        {
            Some(found) => (same_release, found),
            None => match images::official_tag(repo, generic_tag) {
                Some(found) => (generic_tag.to_string(), found),
                None => {
                    out.push(say(format!("{intro}: the official images table lists no `{repo}:{same_release}` or `{image}`: left as it is")));
                    return;
                }
            },
        };
        let image = format!("{repo}:{target_tag}");
        if (distro, target_release.as_str()) != (source.distro, release.as_str()) {
            let runtime_packages: Vec<(usize, usize, usize)> =
                found.iter().map(|f| (f.1, f.2, f.3)).collect();
            if let Some((p, line)) = apt_packages(cx, stage)
                .into_iter()
                .filter(|(_, _, at)| !runtime_packages.contains(at))
                .map(|(p, line, _)| (p, line))
                .find(|(p, _)| !packages::PORTABLE_APT.contains(&p.as_str()))
            {
                out.push(say(format!("{intro}: `{image}` is {distro:?} {target_release}, not {}, and line {line} installs `{p}`, which may not exist there under that name: left as it is", source.describe_release())));
                return;
            }
        }
        let mut edits = Vec::new();
        for (i, ins) in cx.stage_instrs(stage) {
            let Some(script) = cx.script(i).filter(|_| ins.is(Kind::Run)) else {
                continue;
            };
            // A RUN left with only `apt-get update` and list cleanup has nothing to do: it goes.
            let only_runtime = script.commands.iter().enumerate().all(|(k, c)| {
                let apt = c
                    .name()
                    .map(basename)
                    .is_some_and(|n| n == "apt-get" || n == "apt");
                let install_of_runtime = apt && c.first_operand() == Some("install") && {
                    let pk = c.operands().len().saturating_sub(1);
                    found.iter().filter(|f| f.1 == i && f.2 == k).count() == pk
                };
                let housekeeping = (apt && matches!(c.first_operand(), Some("update" | "clean")))
                    || (c.name() == Some("rm")
                        && c.args().all(|w| {
                            w.raw.starts_with('-') || w.raw.starts_with("/var/lib/apt/lists")
                        }));
                install_of_runtime || housekeeping
            });
            if only_runtime && found.iter().any(|f| f.1 == i) {
                edits.push(Edit::delete(crate::syntax::whole_lines(
                    cx.doc.text,
                    &ins.span,
                )));
                continue;
            }
            for (k, c) in script.commands.iter().enumerate() {
                let words: Vec<usize> = found
                    .iter()
                    .filter(|f| f.1 == i && f.2 == k)
                    .map(|f| f.3)
                    .collect();
                if words.is_empty() {
                    continue;
                }
                let packages = c.operands().len().saturating_sub(1);
                if words.len() == packages {
                    // Nothing left to install: the whole command goes.
                    match crate::shell::delete_command(script, k) {
                        Some(e) => edits.push(e),
                        None => return,
                    }
                    continue;
                }
                for w in words {
                    // The word goes with the blank (and continuation) before it.
                    edits.push(Edit::delete(c.words[w - 1].span.end..c.words[w].span.end));
                }
            }
        }
        edits.push(Edit::replace(from.args[0].span.clone(), image.clone()));
        out.push(cx.finding(
            &META,
            from.span.start,
            format!("`{}` with apt's {} {version}: `{image}` ({distro:?} {target_release}) brings the same runtime in a smaller image", from.args[0].value, runtime.language),
            Some(Fix::new(Applicability::Unsafe, edits)),
        ));
    }
}
