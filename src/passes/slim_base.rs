use super::{Context, Finding, Meta, Pass};
use crate::fix::{Applicability, Edit, Fix};
use crate::images::ImageRef;
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
those would save more. A full `ubuntu`/`debian` base that installs Python with apt becomes the
official `python:<the same version>-slim` image, and the apt packages it already provides
(`python3`, `python3-pip`, `python3-venv`) leave the install list.

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

/// Python of the distribution release, for the ubuntu/debian + apt python3 rewrite.
fn distro_python(name: &str, tag: Option<&str>) -> Option<&'static str> {
    match (name, tag?) {
        ("ubuntu", "20.04" | "focal") => Some("3.8"),
        ("ubuntu", "22.04" | "jammy") => Some("3.10"),
        ("ubuntu", "24.04" | "noble") => Some("3.12"),
        ("debian", "11" | "bullseye" | "bullseye-slim") => Some("3.9"),
        ("debian", "12" | "bookworm" | "bookworm-slim") => Some("3.11"),
        _ => None,
    }
}

/// apt packages a `python:X-slim` image already has.
const PYTHON_PROVIDES: &[&str] = &[
    "python3",
    "python3-pip",
    "python3-venv",
    "python-is-python3",
    "python3-setuptools",
    "python3-wheel",
    "python3-distutils",
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
        if cx.settings.enabled(super::multi_stage::MultiStage.meta()) {
            let mut split = Vec::new();
            super::multi_stage::MultiStage.run(cx, &mut split);
            if split.iter().any(|f| f.fix.is_some()) {
                return;
            }
        }
        let name = r.name.as_str();
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
        if let ("ubuntu" | "debian", Some(py)) = (name, distro_python(name, r.tag.as_deref())) {
            self.distro_python(cx, last, from, &arg.value, py, out);
        }
    }
}

impl SlimBase {
    /// `ubuntu:20.04` + `apt-get install python3 python3-pip` → `python:3.8-slim` without them.
    fn distro_python(
        &self,
        cx: &Context<'_, '_>,
        stage: usize,
        from: &crate::syntax::Instr,
        image: &str,
        py: &str,
        out: &mut Vec<Finding>,
    ) {
        let mut edits = Vec::new();
        let mut installs_python = false;
        for (i, ins) in cx.stage_instrs(stage) {
            if !ins.is("RUN") {
                continue;
            }
            let Some(script) = cx.script(i) else {
                if cx.text(&ins.span).contains("python3") {
                    return; // a RUN we cannot read might install Python another way
                }
                continue;
            };
            for (k, c) in script.commands.iter().enumerate() {
                if !c
                    .name()
                    .map(basename)
                    .is_some_and(|n| n == "apt-get" || n == "apt")
                    || c.first_operand() != Some("install")
                {
                    continue;
                }
                let packages: Vec<usize> = (1..c.words.len())
                    .filter(|&k| {
                        c.words[k]
                            .lit
                            .as_deref()
                            .is_some_and(|w| !w.starts_with('-') && w != "install")
                    })
                    .collect();
                let provided: Vec<usize> = packages
                    .iter()
                    .copied()
                    .filter(|&k| PYTHON_PROVIDES.contains(&c.words[k].lit.as_deref().unwrap_or("")))
                    .collect();
                if provided.is_empty() {
                    continue;
                }
                installs_python = true;
                if provided.len() == packages.len() {
                    // Nothing left to install: the whole command goes.
                    match super::common::delete_command(script, k) {
                        Some(e) => edits.push(e),
                        None => return,
                    }
                    continue;
                }
                for k in provided {
                    // Remove the word with the blank (and continuation) before it.
                    let prev_end = c.words[k - 1].span.end;
                    edits.push(Edit::delete(prev_end..c.words[k].span.end));
                }
            }
        }
        if !installs_python {
            return;
        }
        let arg = &from.args[0];
        let new = format!("python:{py}-slim");
        edits.push(Edit::replace(arg.span.clone(), new.clone()));
        out.push(cx.finding(
            &META,
            from.span.start,
            format!("`{image}` with apt's Python {py}: `{new}` brings the same Python in a smaller image"),
            Some(Fix::new(Applicability::Unsafe, edits)),
        ));
    }
}
