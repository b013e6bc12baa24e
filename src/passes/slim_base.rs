use super::{Context, Finding, Meta, Pass};
use crate::facts::images::ImageRef;
use crate::fix::{Applicability, Edit, Fix};
use crate::shell::basename;

pub struct SlimBase;

static META: Meta = Meta {
    code: "DO032",
    name: "slim-base",
    summary: "A smaller variant of the final stage's base image",
    safety: Applicability::Unsafe,
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
Unsafe: slim images lack compilers and some libraries (a `pip install` that builds from source
fails; a tool the application calls may be missing). Tags the user pinned are kept; a digest
cannot be carried over to another image, so a pinned digest gets a suggestion only; no tag is
invented (`latest` stays `slim`). Alpine (musl libc, BusyBox) and distroless (no shell) are
suggestions only, unless `--prefer-alpine` asks for Alpine: then `python`/`node` bases become
their `-alpine` variant (Unsafe), except where the stage installs with apt.
"#,
};

/// `python:3.12-bookworm` → `3.12-slim-bookworm`; `None` when the tag is a variant already.
pub(super) fn slim_tag(image: &str, tag: Option<&str>) -> Option<String> {
    let tag = tag.unwrap_or("latest");
    let variants = [
        "slim",
        "alpine",
        "windowsservercore",
        "nanoserver",
        "onbuild",
    ];
    if variants.iter().any(|v| tag.contains(v)) {
        return None;
    }
    let distros = ["bookworm", "bullseye", "buster", "trixie"];
    if tag == "latest" {
        return Some("slim".into());
    }
    for d in distros {
        if tag == d {
            return Some(format!("slim-{d}"));
        }
        if let Some(v) = tag.strip_suffix(&format!("-{d}")) {
            // node names it `20-bookworm-slim`, the others `3.12-slim-bookworm`.
            return Some(if image == "node" {
                format!("{v}-{d}-slim")
            } else {
                format!("{v}-slim-{d}")
            });
        }
    }
    if tag.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Some(format!("{tag}-slim"));
    }
    None
}

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

/// Tools a full image has and its slim variant lacks.
const NOT_IN_SLIM: &[(&str, &[&str])] = &[
    ("wget", &["wget"]),
    ("curl", &["curl"]),
    ("git", &["git"]),
    ("gcc", &["gcc", "build-essential"]),
    ("g++", &["g++", "build-essential"]),
    ("cc", &["gcc", "build-essential"]),
    ("make", &["make", "build-essential"]),
    ("xz", &["xz-utils"]),
    ("unzip", &["unzip"]),
    ("ssh", &["openssh-client"]),
];

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
            let lacking = NOT_IN_SLIM.iter().find(|(t, pkgs)| {
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
    image: fn(&str, &str) -> Option<(String, String)>,
    language: &'static str,
}

/// Versions the releases install: (image, release aliases, python, node, default java).
const RELEASES: &[(&str, &[&str], &str, &str, &str)] = &[
    ("ubuntu", &["20.04", "focal"], "3.8", "10", "11"),
    ("ubuntu", &["22.04", "jammy"], "3.10", "12", "11"),
    ("ubuntu", &["24.04", "noble"], "3.12", "18", "21"),
    (
        "debian",
        &["11", "bullseye", "bullseye-slim", "11-slim"],
        "3.9",
        "12",
        "11",
    ),
    (
        "debian",
        &["12", "bookworm", "bookworm-slim", "12-slim"],
        "3.11",
        "18",
        "17",
    ),
];

fn release(
    name: &str,
    tag: &str,
) -> Option<&'static (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
)> {
    RELEASES
        .iter()
        .find(|(n, tags, ..)| *n == name && tags.contains(&tag))
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
        image: |name, tag| {
            release(name, tag).map(|r| (format!("python:{}-slim", r.2), r.2.to_string()))
        },
        language: "Python",
    },
    AptRuntime {
        packages: |p| matches!(p, "nodejs" | "npm"),
        image: |name, tag| {
            release(name, tag).map(|r| (format!("node:{}-slim", r.3), r.3.to_string()))
        },
        language: "Node.js",
    },
    AptRuntime {
        packages: |p| {
            matches!(p, "default-jre" | "default-jre-headless")
                || (p.starts_with("openjdk-")
                    && (p.ends_with("-jre") || p.ends_with("-jre-headless")))
        },
        image: |name, tag| {
            release(name, tag).map(|r| (format!("eclipse-temurin:{}-jre", r.4), r.4.to_string()))
        },
        language: "Java",
    },
];

impl Pass for SlimBase {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
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
        // A split into build and runtime stages keeps the full image where it is needed (to
        // compile) and puts the slim one where it pays (at run time): leave it to multi-stage.
        if cx.splitting_final_stage() {
            return;
        }
        let name = r.name.as_str();
        // A distribution base that installs a language runtime: that language's image is the
        // better move than the distribution's slim variant.
        if let ("ubuntu" | "debian", Some(tag)) = (name, r.tag.as_deref()) {
            let before = out.len();
            self.distro_runtime(cx, last, from, name, tag, out);
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
                let Some(tag) = slim_tag(name, r.tag.as_deref()) else {
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
                let major: String = r
                    .tag
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                let compiles = cx.stage_instrs(last).any(|(_, i)| {
                    i.is("RUN")
                        && ["javac", "mvn", "gradle", "jar "]
                            .iter()
                            .any(|t| cx.text(&i.span).contains(t))
                });
                if major.is_empty() || compiles || r.digest.is_some() {
                    out.push(say(format!("`{}` is deprecated; `eclipse-temurin:<version>-jre` runs Java in less space", arg.value), None));
                    return;
                }
                let new = format!("eclipse-temurin:{major}-jre");
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
}

impl SlimBase {
    /// `ubuntu:20.04` + `apt-get install python3 python3-pip` → `python:3.8-slim` without them
    /// (likewise `nodejs` → `node:X-slim`, `openjdk-N-jre` → `eclipse-temurin:N-jre`).
    fn distro_runtime(
        &self,
        cx: &Context<'_, '_>,
        stage: usize,
        from: &crate::syntax::Instr,
        name: &str,
        tag: &str,
        out: &mut Vec<Finding>,
    ) {
        // Which runtimes the stage installs with apt, and where.
        let mut found: Vec<(usize, usize, usize, usize)> = Vec::new(); // (runtime, instr, command, word)
        for (i, ins) in cx.stage_instrs(stage) {
            if !ins.is("RUN") {
                continue;
            }
            let Some(script) = cx.script(i) else {
                let text = cx.text(&ins.span);
                if ["python3", "nodejs", "openjdk", "default-jre"]
                    .iter()
                    .any(|p| text.contains(p))
                {
                    return; // a RUN we cannot read might install the runtime another way
                }
                continue;
            };
            for (k, c) in script.commands.iter().enumerate() {
                let apt = c
                    .name()
                    .map(basename)
                    .is_some_and(|n| n == "apt-get" || n == "apt");
                if !apt || c.first_operand() != Some("install") {
                    continue;
                }
                for (w, word) in c.words.iter().enumerate().skip(1) {
                    let Some(p) = word.lit.as_deref() else {
                        continue;
                    };
                    if let Some(rt) = APT_RUNTIMES.iter().position(|r| (r.packages)(p)) {
                        found.push((rt, i, k, w));
                    }
                }
            }
        }
        let mut runtimes: Vec<usize> = found.iter().map(|f| f.0).collect();
        runtimes.dedup();
        runtimes.sort_unstable();
        runtimes.dedup();
        let [rt] = runtimes.as_slice() else { return }; // none, or two languages: leave it
        let runtime = &APT_RUNTIMES[*rt];
        let Some((image, version)) = (runtime.image)(name, tag) else {
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
        let mut edits = Vec::new();
        for (i, ins) in cx.stage_instrs(stage) {
            let Some(script) = cx.script(i).filter(|_| ins.is("RUN")) else {
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
                edits.push(Edit::delete(super::common::whole_lines(
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
                    match super::common::delete_command(script, k) {
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
            format!("`{}` with apt's {} {version}: `{image}` brings the same runtime in a smaller image", from.args[0].value, runtime.language),
            Some(Fix::new(Applicability::Unsafe, edits)),
        ));
    }
}
