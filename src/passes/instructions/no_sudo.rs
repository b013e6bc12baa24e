use crate::facts::Family;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{SimpleCmd, basename};

pub struct NoSudo;

static META: Meta = Meta {
    code: "DO025",
    name: "no-sudo",
    summary: "sudo in a RUN that already runs as root",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3004"],
    docs: r#"## What it does
Drops `sudo` (with its flags) from the commands of a `RUN` that already runs as root: no `USER`
in force, or `USER root`/`USER 0`, on a base image whose default user is root.

## Why
A build step as root needs no sudo, and the image would otherwise have to ship sudo (and often
does, for this alone). Where the step runs as another user, sudo is a way around that user, which
the Dockerfile should say with `USER` instead.

## Example
```dockerfile
FROM ubuntu:22.04
RUN sudo apt-get update && sudo apt-get install -y curl
```
becomes
```dockerfile
FROM ubuntu:22.04
RUN apt-get update && apt-get install -y curl
```

## Fix safety
Unsafe: sudo resets the environment (its `secure_path` PATH, variables dropped); without it the
command sees the RUN's own environment. Left alone when the user in force is not known to be
root (a `USER` other than root, or a base image whose default user is not known or is not root:
`haproxy`, `sonarqube`, Dev Container images, ...), when sudo runs as another user (`-u`), a
login or a shell of its own (`-i`, `-s`), or with options this pass does not know.

## Facts it relies on
Per instruction: the USER in force (the facts layer); per stage: the base image's family (official
distribution and language images run as root unless a dated table says otherwise); the analysed
script.
"#,
};

/// Official images whose Dockerfile ends with a non-root USER (their default user is not
/// root), as of 2026-12.
const NON_ROOT_DEFAULT: &[&str] = &[
    "haproxy",
    "sonarqube",
    "elasticsearch",
    "kibana",
    "logstash",
    "jenkins",
    "kong",
    "eclipse-mosquitto",
];

/// sudo's flags that take no value and change nothing for a root caller.
const HARMLESS_FLAGS: &[&str] = &["-E", "-H", "-n", "-S", "-k", "--preserve-env", "-EH", "-HE"];

/// The edit that drops `sudo` and its flags from `c`, when nothing it does matters to root.
fn drop_sudo(c: &SimpleCmd) -> Option<Edit> {
    if c.name().map(basename) != Some("sudo") {
        return None;
    }
    let mut k = 1;
    while let Some(w) = c.words.get(k) {
        match w.lit.as_deref() {
            Some("-u" | "--user") => {
                // `-u root` is root: drop it with the rest.
                if !c
                    .words
                    .get(k + 1)
                    .is_some_and(|u| u.is("root") || u.is("0"))
                {
                    return None;
                }
                k += 2;
            }
            Some("--") => {
                k += 1;
                break;
            }
            Some(f) if f.starts_with('-') => {
                if !HARMLESS_FLAGS.contains(&f) {
                    return None;
                }
                k += 1;
            }
            Some(_) => break,
            None => return None,
        }
    }
    let next = c.words.get(k)?;
    Some(Edit::delete(c.words[0].span.start..next.span.start))
}

impl Pass for NoSudo {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(script) = cx.script(i) else { continue };
            let Some(stage) = ins.stage.filter(|_| cx.in_posix_stage(ins)) else {
                continue;
            };
            let base = &cx.facts.stages[stage].base;
            // Root by an explicit USER, or by the default of a base image known to start as root.
            let explicit_root = cx.facts.instrs[i].user.is_some() && cx.runs_as_root(i);
            let root_base = cx.facts.instrs[i].user.is_none()
                && cx.facts.stages[stage].parent.is_none()
                && matches!(base.family, Family::Debian | Family::Alpine | Family::Rhel)
                && base.image.as_ref().is_some_and(|img| {
                    img.is_official() && !NON_ROOT_DEFAULT.contains(&img.name.as_str())
                });
            let sudos: Vec<&SimpleCmd> = script
                .commands
                .iter()
                .filter(|c| c.name().map(basename) == Some("sudo"))
                .collect();
            if sudos.is_empty() {
                continue;
            }
            if !(explicit_root || root_base) {
                let message = match &cx.facts.instrs[i].user {
                    Some(user) if !cx.runs_as_root(i) => format!(
                        "sudo in a RUN that runs as `{user}`: `USER root` before it (and `USER {user}` after) says the same without shipping sudo"
                    ),
                    _ => format!(
                        "sudo in a RUN whose user is not known to be root (the default user of `{}` is not known): left as it is",
                        base.reference
                    ),
                };
                out.push(cx.finding(&META, ins.span.start, message, None));
                continue;
            }
            let edits: Option<Vec<Edit>> = sudos.iter().map(|c| drop_sudo(c)).collect();
            let Some(edits) = edits else {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    "sudo with another user, a login shell or options not known here: left as it is",
                    None,
                ));
                continue;
            };
            out.push(cx.finding(
                &META,
                ins.span.start,
                "sudo in a RUN that already runs as root: not needed",
                Some(Fix::new(Applicability::Unsafe, edits)),
            ));
        }
    }
}
