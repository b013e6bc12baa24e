use super::common::line_end;
use super::{Context, Finding, Meta, Pass};
use crate::facts::images::{self, Family};
use crate::fix::{Applicability, Edit, Fix};
use crate::syntax::Instr;

pub struct NonRootUser;

static META: Meta = Meta {
    code: "DO030",
    name: "non-root-user",
    summary: "The final stage runs as a non-root user",
    safety: Applicability::Unsafe,
    hadolint: &["DL3002"],
    docs: r#"## What it does
When the final stage never sets `USER`, adds a non-root user the way its base image does it and
switches to it before `CMD`/`ENTRYPOINT` (after the last step that changes files, so that every
build step still runs as root). The user is created right after `FROM`, where a source edit
does not make the build run it again:
- a user the base already has: `node` (1000) on the official node images, `nonroot` (65532)
  on distroless, `vscode` (1000) on the Dev Container images;
- Debian, Ubuntu, the official images built on them and any image whose tag names a Debian or
  Ubuntu release (`…:python3.12-bookworm-slim`, `…:jammy`; not Ubuntu's chiseled images, which
  have no shell), RHEL/CentOS/Fedora:
  `groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app`;
- Alpine: `addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app app`;
- `scratch`: just `USER 10001:10001` (there is no user database to add to).
Files copied from the build context into the application's folders get `--chown=<uid>:<gid>`
so that the application owns what it may need to write (artefacts copied `--from` another stage
and files put into system folders stay root's). Name and uid: `--user-name`, `--user-uid`.

## Why
A process running as root in a container is root on the host's kernel: one escape, or one
writable host mount, and the attacker owns the machine. Most applications need no privilege.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD ["python", "app.py"]
```
becomes
```dockerfile
FROM python:3.12-slim
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app
WORKDIR /app
COPY --chown=10001:10001 . .
USER 10001:10001
CMD ["python", "app.py"]
```
`USER` names the user by number, as Kubernetes' `runAsNonRoot` needs (hadolint DL3066).

## Fix safety
Unsafe: an application that writes outside its folder, binds a port below 1024 without the
capability, or reads root-only files stops working. Shown as a suggestion only where the base
is not recognised, has no `useradd` (RHEL minimal images), runs a server that drops privileges
itself (nginx, httpd, databases), or the stage exposes a port below 1024.
"#,
};

/// Folders that belong to the system, never chowned to the application.
const SYSTEM_DIRS: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/etc",
    "/opt/conda",
    "/root",
    "/var/lib",
    "/tmp",
];

/// Instructions that only set metadata: `USER` can go before them.
fn metadata_only(ins: &Instr) -> bool {
    matches!(
        ins.keyword.as_str(),
        "CMD"
            | "ENTRYPOINT"
            | "EXPOSE"
            | "LABEL"
            | "ENV"
            | "HEALTHCHECK"
            | "STOPSIGNAL"
            | "VOLUME"
            | "ARG"
            | "MAINTAINER"
    )
}

impl Pass for NonRootUser {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        let Some(last) = doc.stages.len().checked_sub(1) else {
            return;
        };
        // A USER anywhere in the final stage's chain: the author chose.
        let mut chain = Some(last);
        while let Some(s) = chain {
            if cx.stage_instrs(s).any(|(_, i)| i.is("USER")) {
                return;
            }
            chain = doc.parent_stage(s);
        }
        let stage = &doc.stages[last];
        let from = &doc.instructions[stage.instrs.start];
        let image = doc.root_image(last).to_string();
        let say = |why: String| cx.finding(&META, from.span.start, why, None);
        if images::drops_privileges_itself(&image) {
            out.push(say(format!("final stage runs as root; `{image}` starts as root and drops privileges itself, check its docs")));
            return;
        }
        let start = cx
            .stage_instrs(last)
            .filter(|(_, i)| i.is("ENTRYPOINT") || i.is("CMD"))
            .map(|(_, i)| cx.text(&i.span).to_string())
            .next();
        if let Some(init) = start.as_deref().and_then(|t| {
            [
                "/sbin/init",
                "/usr/sbin/init",
                "systemd",
                "supervisord",
                "/lib/systemd",
            ]
            .into_iter()
            .find(|w| t.contains(w))
        }) {
            out.push(say(format!("final stage runs as root; it starts `{init}`, which needs root and starts its services as their own users")));
            return;
        }
        // The final stage is about to be rebuilt (split in two) or its source COPY moved:
        // the user goes into the result, next round.
        if cx.splitting_final_stage() || cx.moving_source(Some(last)) {
            return;
        }
        let low_port = cx
            .stage_instrs(last)
            .filter(|(_, i)| i.is("EXPOSE"))
            .flat_map(|(_, i)| i.args.iter())
            .any(|a| {
                a.value
                    .split('/')
                    .next()
                    .and_then(|p| p.parse::<u32>().ok())
                    .is_some_and(|p| p < 1024)
            });
        if low_port {
            out.push(say("final stage runs as root and exposes a port below 1024; a non-root user needs a higher port or CAP_NET_BIND_SERVICE".into()));
            return;
        }
        let name = &cx.settings.user_name;
        let uid = cx.settings.user_uid;
        // USER by number: Kubernetes' runAsNonRoot can only verify a numeric user (hadolint
        // DL3066); the same numbers own the application's files.
        let ids = format!("{uid}:{uid}");
        let (create, user) = match (images::builtin_user(&image), images::family(&image)) {
            (Some(builtin), _) => (None, builtin.ids.to_string()),
            (None, Family::Debian | Family::Rhel) => (
                Some(format!(
                    "groupadd --system --gid {uid} {name} && useradd --system --uid {uid} --gid {name} --no-log-init --create-home {name}"
                )),
                ids,
            ),
            (None, Family::Alpine) => (
                Some(format!(
                    "addgroup -S -g {uid} {name} && adduser -S -D -u {uid} -G {name} {name}"
                )),
                ids,
            ),
            (None, Family::Scratch) => (None, ids),
            (None, family) => {
                out.push(say(format!(
                    "final stage runs as root; add a non-root USER by hand (`{image}`: {})",
                    match family {
                        Family::RhelMinimal => "no useradd in minimal images",
                        Family::Windows => "Windows image",
                        _ if image.contains("chiseled") => "a chiseled image has no shell or useradd: use the user it ships, `USER $APP_UID` in .NET's",
                        _ => "base image not recognised",
                    }
                )));
                return;
            }
        };
        let nl = doc.newline;
        let instrs: Vec<(usize, &Instr)> = cx.stage_instrs(last).collect();
        // After the last step that changes files; before the trailing metadata (CMD, ...).
        let tail_start = instrs
            .iter()
            .rposition(|(_, i)| !metadata_only(i))
            .map_or(instrs.len(), |p| p + 1);
        let insert_at = match instrs.get(tail_start) {
            Some((_, ins)) => line_start_above_comments(doc, ins),
            None => end_of_file_insertion(doc.text),
        };
        let mut text = String::new();
        if insert_at == doc.text.len() && !doc.text.ends_with('\n') {
            text.push_str(nl);
        }
        // hadolint cannot parse an instruction right after a heredoc's terminator (its issue
        // #1137); BuildKit can. A blank line keeps both happy.
        let after_heredoc = instrs[..tail_start].last().is_some_and(|(_, i)| {
            !i.heredocs.is_empty() && line_end(doc.text, i.span.end) >= insert_at
        });
        if after_heredoc {
            text.push_str(nl);
        }
        text.push_str(&format!("USER {user}{nl}"));
        let mut edits = vec![Edit::insert(insert_at, text)];
        // The user is created right after FROM: it reads no file of the build, so a source
        // edit must not make it run again (USER itself stays late, after the last root step).
        if let Some(create) = &create {
            edits.push(Edit::insert(
                line_end(doc.text, from.span.end),
                format!("RUN {create}{nl}"),
            ));
        }
        for (_, ins) in &instrs[..tail_start] {
            // Artefacts from another stage (`--from`) are programs to run, not data to write.
            let from_stage = ins.flag("from").is_some();
            if (ins.is("COPY") || ins.is("ADD"))
                && !from_stage
                && ins.flag("chown").is_none()
                && copies_into_app_dir(ins)
            {
                edits.push(Edit::insert(
                    ins.keyword_span.end,
                    format!(" --chown={user}"),
                ));
            }
        }
        out.push(cx.finding(
            &META,
            from.span.start,
            format!("final stage runs as root: USER {user} added"),
            Some(Fix::new(Applicability::Unsafe, edits)),
        ));
    }
}

/// A COPY/ADD whose destination is the application's (relative, or not a system folder).
fn copies_into_app_dir(ins: &Instr) -> bool {
    let Some(dest) = ins.args.last().map(|a| a.value.as_str()) else {
        return false;
    };
    if dest.contains('$') {
        return false;
    }
    !dest.starts_with('/')
        || (dest != "/"
            && !SYSTEM_DIRS
                .iter()
                .any(|d| dest == *d || dest.starts_with(&format!("{d}/"))))
}

/// Where the comment block right above `ins` starts (so an inserted line goes above it).
fn line_start_above_comments(doc: &crate::syntax::Document<'_>, ins: &Instr) -> usize {
    let mut line = doc.line_of(ins.span.start);
    while line > 1
        && doc
            .lines
            .line_text(doc.text, line - 1)
            .trim_start()
            .starts_with('#')
    {
        line -= 1;
    }
    doc.lines.line_start(line)
}

/// The end of the file, before trailing blank lines.
fn end_of_file_insertion(text: &str) -> usize {
    let trimmed = text.trim_end_matches(['\n', '\r', ' ', '\t']);
    match text[trimmed.len()..].find('\n') {
        Some(p) => trimmed.len() + p + 1,
        None => text.len(),
    }
}
