use crate::facts::images::{self, Family};
use crate::facts::{CreatedUser, Role};
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass, Phase};
use crate::syntax::line_end;
use crate::syntax::{Instr, Kind};

pub struct NonRootUser;

static META: Meta = Meta {
    code: "DO030",
    name: "non-root-user",
    summary: "The final stage runs as a non-root user",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3002"],
    docs: r#"## What it does
When the final stage of an application image never sets `USER`, makes it run as a non-root
user, switched to before `CMD`/`ENTRYPOINT` (after the last step that changes files, so that
every build step still runs as root):
- a user the file already creates with a fixed uid (`adduser -u 1001 … mc`): `USER 1001`, and
  no second user (a file user without a fixed uid gets a suggestion: USER goes by number);
- a user the base image ships: `node` (1000) on the official node images, `nonroot` (65532)
  on distroless, `vscode` (1000) on the Dev Container images, `app` (1654) on .NET 8 and later;
- otherwise a user created right after `FROM`, where a source edit does not make the build run
  it again, the base family's way: Debian, Ubuntu, the official images built on them, any image
  whose tag names a Debian or Ubuntu release, RHEL/CentOS/Fedora:
  `groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app`;
  Alpine: `addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app app`.
The user gets what it must write, and no more: the stage's VOLUME folders are created and made
its own; its own folder only when the build context shows state there (`uploads/`, `data/`,
`*.sqlite`) or cannot be read (then `COPY --chown` for the application's files, and the
message says why). Otherwise the application's files stay root's, readable but not writable by
the process, as hand-hardened images have them. Name and uid: `--user-name`, `--user-uid`.

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
Unsafe: an application that writes outside the folders it was given, binds a port below 1024
without the capability, or reads root-only files stops working. Left as it is, with a
suggestion that says why, when the image is made to be built upon (ONBUILD triggers: its
children's steps need root; a start command that is a bare shell or interpreter, as the
official language images have), has no CMD/ENTRYPOINT of its own (it may be a base for others),
is built FROM another stage of the file (whose files are root's), is `scratch` (no user
database), Windows, a RHEL minimal image or not recognised, runs a server that drops privileges
itself (the nginx, httpd and database images, a start command that runs nginx, sshd, cron,
mysqld_safe, an init system or supervisor, an entrypoint with gosu/su-exec/setpriv), exposes a port below
1024, or when the file changes accounts itself (`adduser www-data root`, `usermod`) or creates
several users.

## Facts it relies on
The final stage's role (ONBUILD, CMD/ENTRYPOINT) and parent stage, its base image's family and built-in users, the users and account changes the file makes (with their uids), the USER in force, VOLUMEs and EXPOSEd ports, privilege-dropping tools, and the build context (state folders in the app's folder). Waits for a split of the final stage and for its source COPY moving (phases Structure and Layout).
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
        ins.kind,
        Kind::Cmd
            | Kind::Entrypoint
            | Kind::Expose
            | Kind::Label
            | Kind::Env
            | Kind::Healthcheck
            | Kind::Stopsignal
            | Kind::Volume
            | Kind::Arg
            | Kind::Maintainer
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
        if doc
            .stage_chain(last)
            .into_iter()
            .any(|s| cx.stage_instrs(s).any(|(_, i)| i.is(Kind::User)))
        {
            return;
        }
        let facts = &cx.facts.stages[last];
        let stage = &doc.stages[last];
        let from = &doc.instructions[stage.instrs.start];
        let image = doc.root_image(last).to_string();
        let say = |why: String| cx.finding(&META, from.span.start, why, None);
        if images::drops_privileges_itself(&image) {
            out.push(say(format!("final stage runs as root; `{image}` starts as root and drops privileges itself, check its docs")));
            return;
        }
        if let Role::Undecided(why) = &facts.role {
            out.push(say(format!("final stage runs as root; left as it is: cannot tell whether the image runs an application or is a base for others ({why})")));
            return;
        }
        if let Role::BuiltUpon(why) = &facts.role {
            out.push(say(format!("final stage runs as root; left as it is: the image is made to be built upon ({why}), and its children's build steps need root")));
            return;
        }
        if let Some(parent) = facts.parent {
            let name = doc.stages[parent].name.as_deref().unwrap_or("?");
            out.push(say(format!("final stage runs as root; left as it is: it is built FROM stage `{name}`, whose files were written as root (set USER and ownership there by hand)")));
            return;
        }
        // The start command in force runs a program that needs root (an init system, a server
        // that drops privileges itself).
        let start_text = facts
            .start
            .map(|i| cx.text(&doc.instructions[i].span).to_string())
            .unwrap_or_default();
        let words: Vec<&str> = start_text
            .split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | ';' | '&' | '|'))
            .map(|w| w.trim_matches(['"', '\'']))
            .filter(|w| !w.is_empty())
            .collect();
        let init = ["/sbin/init", "/usr/sbin/init", "/lib/systemd"]
            .into_iter()
            .find(|w| start_text.contains(w));
        if let Some(program) =
            init.or_else(|| images::starts_as_root(words.get(1..).unwrap_or(&[])))
        {
            out.push(say(format!("final stage runs as root; it starts `{program}`, which needs root (it starts its services as their own users, or drops privileges itself)")));
            return;
        }
        let low_port = cx
            .stage_instrs(last)
            .filter(|(_, i)| i.is(Kind::Expose))
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
        if let Some(tool) = drops_privileges_with(cx, last) {
            out.push(say(format!("final stage runs as root; it installs `{tool}`, so its entrypoint most likely drops privileges itself (a USER would make that step fail)")));
            return;
        }
        let Some((create, user)) = self.user_to_run_as(cx, last, &image, out) else {
            return;
        };
        // The line where the file creates the user it runs as, when it does.
        let reused_line = facts
            .users_created
            .iter()
            .filter(|u| u.is_user)
            .map(|u| u.line)
            .next_back();
        let reused = reused_line.is_some();
        // `COPY --chown=<name>` needs the name in the image's passwd already.
        let by_name = !user
            .split(':')
            .all(|p| p.chars().all(|c| c.is_ascii_digit()));
        let created_line = reused_line.filter(|_| by_name);
        let nl = doc.newline;
        let instrs: Vec<(usize, &Instr)> = cx.stage_instrs(last).collect();
        // After the last step that changes files; before the trailing metadata (CMD, ...).
        let tail_start = instrs
            .iter()
            .rposition(|(_, i)| !metadata_only(i))
            .map_or(instrs.len(), |p| p + 1);
        let insert_at = match instrs.get(tail_start) {
            Some((_, ins)) => doc.line_start_above_comments(ins.span.start),
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
        // What the application may write: its VOLUMEs always; its own folder when the build
        // context shows state there, or when the context cannot be read.
        let volumes = volume_paths(cx, last);
        let writes_own_folder = own_folder_writes(cx);
        let mut create = create;
        // A user the file made is set up as the file wants (its folders chowned by the file).
        if !volumes.is_empty() && !reused {
            let mkdir = format!(
                "mkdir -p {dirs} && chown {user} {dirs}",
                dirs = volumes.join(" ")
            );
            match (&mut create, facts.base.shell) {
                (Some(c), _) => {
                    c.push_str(" && ");
                    c.push_str(&mkdir);
                }
                (None, Some(true)) => create = Some(mkdir),
                (None, _) => {
                    out.push(say(format!("final stage runs as root; add a non-root USER by hand: `{image}` has no shell to create the VOLUME folders {} for the user", volumes.join(" "))));
                    return;
                }
            }
        }
        // The user is created right after FROM: it reads no file of the build, so a source
        // edit must not make it run again (USER itself stays late, after the last root step).
        // First among the edits: where the stage has nothing but metadata after FROM, both go
        // right after it, and the user must exist before USER names it.
        if let Some(create) = &create {
            edits.insert(
                0,
                Edit::insert(
                    line_end(doc.text, from.span.end),
                    format!("RUN {create}{nl}"),
                ),
            );
        }
        for (_, ins) in &instrs[..tail_start] {
            // Artefacts from another stage (`--from`) are programs to run, not data to write.
            let from_stage = ins.flag("from").is_some();
            let copies = (ins.is(Kind::Copy) || ins.is(Kind::Add)) && !from_stage;
            let before_user = created_line.is_some_and(|l| doc.line_of(ins.span.start) < l);
            if copies
                && !before_user
                && ins.flag("chown").is_none()
                && copies_into_app_dir(ins)
                && (writes_own_folder.is_some() || copies_state(ins))
            {
                edits.push(Edit::insert(
                    ins.keyword_span.end,
                    format!(" --chown={user}"),
                ));
            }
        }
        let ownership = match (&writes_own_folder, reused_line) {
            (_, Some(line)) => format!(" (the user the file creates on line {line})"),
            (Some(why), None) => format!("; {why}: the application's files are owned by it"),
            (None, None) => "; the application's files stay root's (read-only to it)".to_string(),
        };
        out.push(
            cx.finding(
                &META,
                from.span.start,
                format!(
                    "final stage runs as root: `USER {user}` before its start command{ownership}"
                ),
                Some(Fix::new(Applicability::Unsafe, edits)),
            )
            // The final stage about to be split in two, or its source COPY moved: the user goes
            // into the result, next round.
            .waiting_for(&[Phase::Structure, Phase::Layout]),
        );
    }
}

impl NonRootUser {
    /// The command that creates the user (none when it exists) and the `USER` value; `None`
    /// (with a finding that says why) when it cannot be known.
    fn user_to_run_as(
        &self,
        cx: &Context<'_, '_>,
        last: usize,
        image: &str,
        out: &mut Vec<Finding>,
    ) -> Option<(Option<String>, String)> {
        let facts = &cx.facts.stages[last];
        let from = &cx.doc.instructions[cx.doc.stages[last].instrs.start];
        let say = |why: String| cx.finding(&META, from.span.start, why, None);
        // A user the file already creates: run as it (a second one would be one too many, and
        // `groupadd` of a taken name fails the build).
        if let Some(line) = facts.account_changes.first() {
            out.push(say(format!("final stage runs as root; line {line} changes an existing account (a group membership, usermod): the file sets up its own users, add `USER` by hand")));
            return None;
        }
        let users: Vec<&CreatedUser> = facts.users_created.iter().filter(|u| u.is_user).collect();
        let mut names: Vec<&str> = users.iter().filter_map(|u| u.name.as_deref()).collect();
        names.dedup();
        match (users.as_slice(), names.as_slice()) {
            ([], _) => {}
            (_, [name]) => {
                // USER by number (Kubernetes' runAsNonRoot checks a number, hadolint DL3066):
                // a user created without a fixed uid gets a suggestion only.
                let Some(uid) = users.iter().rev().find_map(|u| u.id.clone()) else {
                    let line = users.last().map_or(0, |u| u.line);
                    out.push(say(format!("final stage runs as root; the file creates user `{name}` (line {line}) but never switches to it: give it a fixed uid (`-u 10001`) and add `USER 10001` before the start command")));
                    return None;
                };
                return Some((None, uid));
            }
            _ => {
                let lines: Vec<String> = users.iter().map(|u| u.line.to_string()).collect();
                out.push(say(format!("final stage runs as root; the file creates users (lines {}) but never switches to one: add `USER <name>` for the one the application runs as", lines.join(", "))));
                return None;
            }
        }
        let name = &cx.settings.user_name;
        let uid = cx.settings.user_uid;
        if facts
            .users_created
            .iter()
            .any(|g| g.name.as_deref() == Some(name.as_str()))
        {
            out.push(say(format!("final stage runs as root; the file already creates a group `{name}`: pick another name with --user-name")));
            return None;
        }
        // USER by number: Kubernetes' runAsNonRoot can only verify a numeric user (hadolint
        // DL3066); the same numbers own the application's files.
        let ids = format!("{uid}:{uid}");
        match (facts.base.builtin_user, facts.base.family) {
            (Some(builtin), _) => Some((None, builtin.ids.to_string())),
            (None, Family::Debian | Family::Rhel) => Some((
                Some(format!(
                    "groupadd --system --gid {uid} {name} && useradd --system --uid {uid} --gid {name} --no-log-init --create-home {name}"
                )),
                ids,
            )),
            (None, Family::Alpine) => Some((
                Some(format!(
                    "addgroup -S -g {uid} {name} && adduser -S -D -u {uid} -G {name} {name}"
                )),
                ids,
            )),
            (None, family) => {
                out.push(say(format!(
                    "final stage runs as root; add a non-root USER by hand (`{image}`: {})",
                    match family {
                        Family::RhelMinimal => "no useradd in minimal images",
                        Family::Windows => "Windows image",
                        Family::Scratch => "scratch has no user database and no shell; a program that looks up its user or writes a file may fail",
                        _ if image.contains("chiseled") => "a chiseled image has no shell or useradd: use the user it ships, `USER $APP_UID` in .NET's",
                        _ => "base image not recognised",
                    }
                )));
                None
            }
        }
    }
}

/// Tools an entrypoint uses to drop from root to another user.
const PRIVILEGE_DROPPERS: &[&str] = &["gosu", "su-exec", "setpriv", "chpst", "runuser"];

/// The privilege-dropping tool the stage's chain installs or uses, if any.
fn drops_privileges_with(cx: &Context<'_, '_>, stage: usize) -> Option<&'static str> {
    for s in cx.doc.stage_chain(stage) {
        for (_, ins) in cx.stage_instrs(s) {
            let text = cx.text(&ins.span);
            if let Some(tool) = PRIVILEGE_DROPPERS.iter().find(|t| {
                text.match_indices(*t).any(|(at, _)| {
                    let before = text[..at].chars().next_back();
                    let after = text[at + t.len()..].chars().next();
                    !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                })
            }) {
                return Some(tool);
            }
        }
    }
    None
}

/// Folder names (and file endings) that hold an application's state.
const STATE_NAMES: &[&str] = &[
    "data", "uploads", "upload", "media", "storage", "instance", "log", "logs", "db", "cache",
    "sessions", "tmp",
];
const STATE_FILES: &[&str] = &[".db", ".sqlite", ".sqlite3"];

fn is_state_name(name: &str) -> bool {
    // Called for every name of a build context's top folder: no allocation.
    let name = name.trim_end_matches('/');
    let ends_with = |suffix: &str| {
        name.len() >= suffix.len()
            && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    STATE_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
        || STATE_FILES.iter().any(|e| ends_with(e))
}

/// A COPY of the application's state: a source or the destination is a state folder or file.
fn copies_state(ins: &Instr) -> bool {
    ins.args.iter().any(|a| {
        a.value
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .is_some_and(is_state_name)
    })
}

/// Why the application may write into its own folder, from the build context; `None` when the
/// context shows no state (or `Some` when it cannot be read: then we cannot tell).
fn own_folder_writes(cx: &Context<'_, '_>) -> Option<String> {
    if !cx.build_context.is_known() {
        return Some("could not tell what the app writes (no build context)".into());
    }
    let found = first_state_name(cx.build_context.entries(""))?;
    Some(format!(
        "the app may write in its folder (`{found}` in the build context)"
    ))
}

/// The first state name of a folder listing. The listing is shared by every Dockerfile of the
/// folder (and the same each round): the answer is kept for the last listing this thread saw.
fn first_state_name(listing: std::sync::Arc<[String]>) -> Option<String> {
    use std::cell::RefCell;
    use std::sync::Arc;
    type Last = RefCell<Option<(Arc<[String]>, Option<String>)>>;
    thread_local! {
        static LAST: Last = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        if let Some((seen, found)) = &*last.borrow()
            && Arc::ptr_eq(seen, &listing)
        {
            return found.clone();
        }
        let found = listing.iter().find(|n| is_state_name(n)).cloned();
        *last.borrow_mut() = Some((listing, found.clone()));
        found
    })
}

/// The VOLUME folders the user gets, top-level system folders left out.
fn volume_paths(cx: &Context<'_, '_>, stage: usize) -> Vec<String> {
    const TOP: &[&str] = &[
        "/", "/etc", "/usr", "/var", "/tmp", "/root", "/home", "/bin", "/lib",
    ];
    cx.facts.stages[stage]
        .volumes
        .iter()
        .filter(|v| !TOP.contains(&v.as_str()))
        .cloned()
        .collect()
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
        || (dest != "/" && !SYSTEM_DIRS.iter().any(|d| crate::facts::is_under(dest, d)))
}

/// The end of the file, before trailing blank lines.
fn end_of_file_insertion(text: &str) -> usize {
    let trimmed = text.trim_end_matches(['\n', '\r', ' ', '\t']);
    match text[trimmed.len()..].find('\n') {
        Some(p) => trimmed.len() + p + 1,
        None => text.len(),
    }
}
