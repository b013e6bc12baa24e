//! What is known about each stage and each instruction of a Dockerfile, computed once per round
//! and read by every pass: the base image (family, release, C library, its users), the stage's
//! role, and per instruction the WORKDIR, USER and shell in force and the variables set so far.
//!
//! A fact that cannot be known is `None` (or `Unknown`): passes that need it leave the text
//! alone and say which fact they lacked. Knowledge about images lives in [`images`] and its
//! dated tables, not here.

mod context;
pub mod gems;
pub mod images;
pub mod npm;
pub mod packages;
pub mod paths;
pub mod secrets;
mod table;
pub mod tools;
mod users;

pub use context::{BuildContext, DiskCache};
pub use images::{BaseImage, Distro, Family, Libc, PackageManager, Release};
pub use users::CreatedUser;

use std::sync::Arc;

use crate::shell::{self, Opaque, Script};
use crate::syntax::{Body, Document, Instr, Kind};

/// Why a stage is not an application image that a pass may reshape at will.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The final stage, with a start command: the image runs an application.
    Application,
    /// An image made to be built upon; the reason says how we know.
    BuiltUpon(&'static str),
    /// A stage whose output another stage copies (`COPY --from`), or that other stages start
    /// `FROM`.
    Build,
    /// The final stage, but nothing says what it runs: the reason says what is missing.
    Undecided(&'static str),
}

/// Facts about one stage.
#[derive(Debug, Clone)]
pub struct StageFacts {
    /// The in-file stage this one is built `FROM`, if any.
    pub parent: Option<usize>,
    /// The image at the root of the stage's `FROM` chain.
    pub base: BaseImage,
    /// A Windows stage: a Windows base, a PowerShell/cmd `SHELL`, or the backtick escape.
    pub windows: bool,
    pub role: Role,
    /// Users and groups created in the stage's chain (its parents' first), in order.
    pub users_created: Vec<CreatedUser>,
    /// Lines of the stage's chain that change existing accounts (`usermod`, `adduser USER GROUP`).
    pub account_changes: Vec<usize>,
    /// The VOLUME folders of the stage's chain (literal, absolute), where the image is written
    /// at run time.
    pub volumes: Vec<String>,
    /// An `ONBUILD` in the stage's chain.
    pub onbuild: bool,
    /// The start command in force at the end of the chain (last ENTRYPOINT, else last CMD).
    pub start: Option<usize>,
}

/// The names ENV and ARG set in a stage's chain up to one instruction: a prefix of the
/// chain's list, shared by its instructions.
#[derive(Debug, Clone, Default)]
pub struct EnvNames {
    names: Arc<Vec<String>>,
    len: usize,
}

impl EnvNames {
    fn prefix(names: &Arc<Vec<String>>, len: usize) -> EnvNames {
        EnvNames {
            names: Arc::clone(names),
            len,
        }
    }
}

impl std::ops::Deref for EnvNames {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.names[..self.len]
    }
}

/// Facts in force when one instruction runs (before it takes effect).
#[derive(Debug, Clone, Default)]
pub struct InstrFacts {
    /// The working directory, absolute; `None` when a WORKDIR uses a variable. A stage whose
    /// chain sets none is taken to start in `/` (see `workdir_known`).
    pub workdir: Option<String>,
    /// `workdir` is known, not taken: an absolute WORKDIR in the chain set it, or the base
    /// image's own working directory is in the dated table ([`images::default_workdir`]).
    pub workdir_known: bool,
    /// The `USER` in force, as written; `None` when none was set in the chain (root).
    pub user: Option<String>,
    /// Shell-form commands run in a POSIX shell (no PowerShell/cmd `SHELL`, not Windows).
    pub posix_shell: bool,
    /// Names set by ENV or ARG before this instruction in its chain.
    pub env: EnvNames,
    /// `PATH` as the last ENV in the chain sets it (as written, `$PATH` not expanded); `None`
    /// when the file does not set it (the base image's own).
    pub path: Option<String>,
}

/// Everything the passes may know about a document.
#[derive(Debug)]
pub struct Facts {
    pub stages: Vec<StageFacts>,
    pub instrs: Vec<InstrFacts>,
    /// Per instruction: the analysed script of a shell-form RUN in a POSIX-shell stage.
    scripts: Vec<Option<Result<Script, Opaque>>>,
    /// Per instruction: the analysed script of an `ONBUILD RUN` in shell form (kept apart: it
    /// runs in the images built FROM this one, not in this stage).
    triggers: Vec<Option<Script>>,
}

impl Facts {
    pub fn of(doc: &Document<'_>) -> Facts {
        let backtick = doc.escape == '`';
        let mut stages: Vec<StageFacts> = Vec::with_capacity(doc.stages.len());
        let mut instrs: Vec<InstrFacts> = vec![InstrFacts::default(); doc.instructions.len()];
        let mut scripts: Vec<Option<Result<Script, Opaque>>> = vec![None; doc.instructions.len()];
        let mut triggers: Vec<Option<Script>> = vec![None; doc.instructions.len()];
        // Facts at the end of each stage, which a child stage starts from.
        let mut ends: Vec<InstrFacts> = Vec::with_capacity(doc.stages.len());
        for (s, stage) in doc.stages.iter().enumerate() {
            let parent = doc.parent_stage(s);
            let base = match parent {
                Some(p) => stages[p].base.clone(),
                None => BaseImage::of(&stage.base),
            };
            // A Windows stage: its base, the backtick escape on a base not known to be Linux,
            // or Windows paths and tools in it.
            let windows_here = base.family == Family::Windows
                || (backtick && matches!(base.distro, Distro::Unknown | Distro::Windows))
                || windows_evidence(doc, stage.instrs.clone());
            let mut now = match parent {
                Some(p) => ends[p].clone(),
                None => {
                    let known = images::default_workdir(&base);
                    InstrFacts {
                        workdir: Some(known.unwrap_or("/").into()),
                        workdir_known: known.is_some(),
                        user: None,
                        posix_shell: true,
                        env: EnvNames::default(),
                        path: None,
                    }
                }
            };
            now.posix_shell &= !windows_here;
            let mut users_created = parent
                .map(|p| stages[p].users_created.clone())
                .unwrap_or_default();
            let mut onbuild = parent.is_some_and(|p| stages[p].onbuild);
            let mut volumes = parent
                .map(|p| stages[p].volumes.clone())
                .unwrap_or_default();
            let mut account_changes = parent
                .map(|p| stages[p].account_changes.clone())
                .unwrap_or_default();
            let mut start = parent.and_then(|p| stages[p].start);
            let mut entrypoint = false;
            // The chain's ENV/ARG names, one list a stage: each instruction sees a prefix of
            // it (a list copied at every ENV made long files quadratic).
            let mut stage_env: Vec<String> = now.env.to_vec();
            let mut env_len: Vec<usize> = Vec::with_capacity(stage.instrs.len());
            for i in stage.instrs.clone() {
                let ins = &doc.instructions[i];
                instrs[i] = now.clone();
                env_len.push(stage_env.len());
                if let (true, Body::Shell(span)) = (
                    ins.is(Kind::Run) && ins.heredocs.is_empty() && now.posix_shell,
                    &ins.body,
                ) {
                    scripts[i] = Some(shell::analyse(doc.text, span.clone(), doc.escape));
                } else if let Some(body) = run_heredoc(doc, ins).filter(|_| now.posix_shell) {
                    scripts[i] = Some(shell::analyse_heredoc(doc.text, body));
                } else if let Some(trigger) = ins.trigger.as_deref().filter(|t| {
                    t.is(Kind::Run)
                        && t.heredocs.is_empty()
                        && t.flags.is_empty()
                        && now.posix_shell
                }) && let Body::Shell(span) = &trigger.body
                {
                    triggers[i] = shell::analyse(doc.text, span.clone(), doc.escape).ok();
                }
                if let Some(Some(Ok(script))) = scripts.get(i) {
                    let line = doc.line_of(ins.span.start);
                    users_created.extend(users::created(script, line));
                    if users::changes_accounts(script) {
                        account_changes.push(line);
                    }
                }
                match ins.kind {
                    Kind::Workdir => {
                        let written = ins.args.first().map(|a| a.value.as_str()).unwrap_or("");
                        // BuildKit removes the quotes of `WORKDIR "/app"`; other quoting is
                        // not followed here.
                        let dir = unquoted(written).unwrap_or("$");
                        now.workdir = join_workdir(now.workdir.as_deref(), dir);
                        now.workdir_known =
                            now.workdir.is_some() && (dir.starts_with('/') || now.workdir_known);
                    }
                    Kind::User => now.user = ins.args.first().map(|a| a.value.clone()),
                    Kind::Shell => now.posix_shell = now.posix_shell && is_posix_shell(ins),
                    Kind::Env | Kind::Arg => {
                        for a in &ins.args {
                            stage_env.extend(env_keys(&a.value));
                            let path = ins.is(Kind::Env).then(|| env_value(&a.value, "PATH"));
                            if let Some(Some(path)) = path {
                                now.path = Some(path);
                            }
                        }
                    }
                    Kind::Onbuild => onbuild = true,
                    Kind::Volume => {
                        for v in volume_paths(doc, ins) {
                            if !volumes.contains(&v) {
                                volumes.push(v);
                            }
                        }
                    }
                    Kind::Entrypoint => {
                        start = Some(i);
                        entrypoint = true;
                    }
                    Kind::Cmd if !entrypoint => start = Some(i),
                    _ => {}
                }
            }
            let names = Arc::new(stage_env);
            for (i, len) in stage.instrs.clone().zip(env_len) {
                instrs[i].env = EnvNames::prefix(&names, len);
            }
            now.env = EnvNames::prefix(&names, names.len());
            let windows = windows_here || !now.posix_shell;
            if !now.posix_shell {
                // Triggers run in the shell the image ends with.
                for i in stage.instrs.clone() {
                    triggers[i] = None;
                }
            }
            stages.push(StageFacts {
                parent,
                base,
                windows,
                role: Role::Application,
                users_created,
                account_changes,
                volumes,
                onbuild,
                start,
            });
            ends.push(now);
        }
        for s in 0..stages.len() {
            stages[s].role = role(doc, &stages, s);
        }
        Facts {
            stages,
            instrs,
            scripts,
            triggers,
        }
    }

    /// The analysed script of instruction `i`, if it is a shell-form RUN we understand.
    pub fn script(&self, i: usize) -> Option<&Script> {
        self.scripts.get(i)?.as_ref()?.as_ref().ok()
    }

    /// The analysed script of instruction `i` when it is an `ONBUILD RUN` in shell form.
    pub fn trigger_script(&self, i: usize) -> Option<&Script> {
        self.triggers.get(i)?.as_ref()
    }

    /// Why instruction `i`'s script was not analysed, when it is a RUN in a POSIX shell.
    pub fn opaque_reason(&self, i: usize) -> Option<&str> {
        match self.scripts.get(i)? {
            Some(Err(Opaque(why))) => Some(why),
            _ => None,
        }
    }

    /// All analysed scripts and refusals, for the pipeline's invariants.
    pub fn scripts(&self) -> impl Iterator<Item = &Result<Script, Opaque>> {
        self.scripts.iter().flatten()
    }
}

fn role(doc: &Document<'_>, stages: &[StageFacts], s: usize) -> Role {
    let last = s + 1 == stages.len();
    let started_from = !doc.descendants(s).is_empty();
    let copied_from = doc.instructions.iter().any(|i| {
        i.stage.is_some_and(|t| t > s)
            && i.flag("from")
                .and_then(|f| f.value.as_deref())
                .is_some_and(|v| {
                    v == s.to_string()
                        || doc.stages[s]
                            .name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(v))
                })
    });
    if stages[s].onbuild {
        return Role::BuiltUpon("it has ONBUILD triggers");
    }
    if !last {
        return if started_from || copied_from {
            Role::Build
        } else {
            Role::BuiltUpon("it is not the final stage")
        };
    }
    let Some(start) = stages[s].start else {
        return Role::Undecided("it has no CMD or ENTRYPOINT of its own");
    };
    if runs_bare_interpreter(doc, &doc.instructions[start]) {
        return Role::BuiltUpon(
            "its start command is a bare shell or language interpreter, as base images have",
        );
    }
    Role::Application
}

/// Shells and language interpreters: an image whose start command is one of them, with no
/// script (`CMD ["python3"]`, `CMD bash`, `CMD ["php", "-a"]`), is a base or a workbench
/// (the official language images end so), not an application.
const INTERPRETERS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "ash",
    "dash",
    "fish",
    "pwsh",
    "powershell",
    "python",
    "python2",
    "python3",
    "pypy",
    "pypy3",
    "node",
    "nodejs",
    "deno",
    "bun",
    "php",
    "irb",
    "ruby",
    "perl",
    "jshell",
    "java",
    "ghci",
    "iex",
    "erl",
    "julia",
    "R",
    "lua",
    "tclsh",
    "scala",
    "clojure",
];

fn runs_bare_interpreter(doc: &Document<'_>, start: &Instr) -> bool {
    let words = doc.command_words(start).unwrap_or_default();
    let Some((program, rest)) = words.split_first() else {
        return false;
    };
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    INTERPRETERS.contains(&name) && rest.iter().all(|w| w.starts_with('-'))
}

/// Windows paths (`C:\\app`) in a stage's COPY/ADD/WORKDIR/ENV, a RUN that starts with a
/// Windows-only tool or uses cmd's `%VAR%`, a Windows user (`ContainerAdministrator`), or a
/// start command that runs a `.bat`/`.exe`/`.ps1`.
fn windows_evidence(doc: &Document<'_>, instrs: std::ops::Range<usize>) -> bool {
    let drive = |v: &str| {
        let v = v.trim_matches(['"', '\'']);
        let b = v.as_bytes();
        b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/')
    };
    doc.instructions[instrs].iter().any(|ins| match ins.kind {
        Kind::Copy | Kind::Add | Kind::Workdir | Kind::Volume => {
            ins.args.last().is_some_and(|a| drive(&a.value))
        }
        Kind::Env => ins
            .args
            .iter()
            .any(|a| a.value.split(['=', ' ']).any(drive)),
        Kind::User => ins.args.first().is_some_and(|a| {
            a.value.eq_ignore_ascii_case("ContainerAdministrator")
                || a.value.eq_ignore_ascii_case("ContainerUser")
        }),
        Kind::Cmd | Kind::Entrypoint => {
            let text = doc.text[ins.span.clone()].to_ascii_lowercase();
            [".bat", ".exe", ".cmd\"", ".ps1"]
                .iter()
                .any(|x| text.contains(x))
        }
        Kind::Run if cmd_variable(&doc.text[ins.span.clone()]) => true,
        Kind::Run => {
            let first = match &ins.body {
                Body::Shell(span) => doc.text[span.clone()].split_whitespace().next(),
                Body::Exec(_, args) => args.first().map(String::as_str),
                Body::None => None,
            };
            first.is_some_and(|w| {
                let w = w.to_ascii_lowercase();
                let w = w.trim_end_matches(".exe");
                matches!(w, "cmd" | "choco" | "setx" | "msiexec")
            })
        }
        _ => false,
    })
}

/// A `%NAME%` variable reference, as cmd.exe writes it: an upper-case name of two or more
/// characters between single `%` (not `%%X%%` placeholders, not `printf`'s `%s_%d`).
fn cmd_variable(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' || (i > 0 && b[i - 1] == b'%') {
            i += 1;
            continue;
        }
        let name_end = (i + 1..b.len())
            .find(|&k| !(b[k].is_ascii_uppercase() || b[k].is_ascii_digit() || b[k] == b'_'))
            .unwrap_or(b.len());
        let name = &text[i + 1..name_end];
        let closed = b.get(name_end) == Some(&b'%') && b.get(name_end + 1) != Some(&b'%');
        if closed && name.len() >= 2 && name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return true;
        }
        i = name_end.max(i + 1);
    }
    false
}

/// `path` is `dir` or inside it (`/app/x` is under `/app` and `/app/`, `/apple` is not).
pub fn is_under(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir.trim_end_matches('/'))
            .is_some_and(|r| r.starts_with('/'))
}

/// The body of `RUN <<EOF`, which `/bin/sh` runs as its script: one heredoc that is the whole
/// command, with no `#!` line naming another interpreter.
fn run_heredoc(doc: &Document<'_>, ins: &Instr) -> Option<std::ops::Range<usize>> {
    let (true, [body], Body::Shell(command)) = (ins.is(Kind::Run), &ins.heredocs[..], &ins.body)
    else {
        return None;
    };
    // The command is empty once the heredoc is taken out of it; what stands after the flags on
    // the first line is the heredoc's opener.
    if !doc.text[command.clone()].trim().is_empty() {
        return None;
    }
    let after_flags = ins
        .flags
        .last()
        .map_or(ins.keyword_span.end, |f| f.span.end);
    let first_line = doc.text[after_flags..body.start].lines().next()?;
    let opener = first_line.trim();
    let name = opener.strip_prefix("<<")?.trim_start_matches('-');
    let name = unquoted(name)?;
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (plain && !doc.text[body.clone()].starts_with("#!")).then(|| body.clone())
}

/// A word without the quotes around it (`"/app"`, `'/app'`); `None` when quotes stand elsewhere
/// in it.
pub fn unquoted(word: &str) -> Option<&str> {
    let inner = ['"', '\'']
        .iter()
        .find_map(|q| word.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(word);
    (!inner.contains(['"', '\''])).then_some(inner)
}

/// Where a COPY/ADD source lands: `dest` (as written) against `cwd`, with the source's name
/// added when the destination is a folder (`COPY x /bin/`, `COPY a b /opt/`, `/`); `None` for a
/// glob, `.`, or a destination that is not known.
pub fn copy_landing(src: &str, dest: &str, sources: usize, cwd: Option<&str>) -> Option<String> {
    let joined = join_workdir(cwd, dest)?;
    let name = src.trim_end_matches('/').rsplit('/').next()?;
    if src.contains(['*', '?', '[']) || name.is_empty() || name == "." {
        return None;
    }
    Some(if sources > 1 || dest.ends_with('/') || joined == "/" {
        format!("{}/{name}", joined.trim_end_matches('/'))
    } else {
        joined
    })
}

/// `dir` against the working directory `cwd`; `None` when either is unknown.
pub fn join_workdir(cwd: Option<&str>, dir: &str) -> Option<String> {
    if dir.contains('$') {
        return None;
    }
    let joined = if dir.starts_with('/') {
        dir.to_string()
    } else {
        format!(
            "{}/{}",
            cwd?.trim_end_matches('/'),
            dir.trim_start_matches("./")
        )
    };
    let trimmed = joined.trim_end_matches('/');
    Some(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

/// The literal absolute paths of a VOLUME (JSON or plain form).
fn volume_paths(doc: &Document<'_>, ins: &Instr) -> Vec<String> {
    let text = doc.text[ins.span.clone()][ins.keyword.len()..].trim();
    let words: Vec<String> = if text.starts_with('[') {
        serde_json::from_str::<Vec<String>>(text).unwrap_or_default()
    } else {
        text.split_whitespace().map(str::to_string).collect()
    };
    words
        .iter()
        .map(|w| w.trim_end_matches('/'))
        .filter(|w| w.starts_with('/') && !w.contains(['$', '"', '\'', '\\']))
        .map(str::to_string)
        .collect()
}

/// The value `ENV` gives `key` (`ENV PATH=/x:$PATH`, `ENV PATH /x:$PATH`), quotes removed.
pub fn env_value(args: &str, key: &str) -> Option<String> {
    let t = args.trim();
    let first = t.split_whitespace().next().unwrap_or("");
    let raw = if first.contains('=') {
        t.split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
            .next_back()?
    } else if first == key {
        t[first.len()..].trim()
    } else {
        return None;
    };
    Some(raw.trim_matches(['"', '\'']).to_string())
}

/// Keys of `ENV a=1 b=2` / `ENV a 1` / `ARG a=1`.
fn env_keys(args: &str) -> Vec<String> {
    let t = args.trim();
    if !t.split_whitespace().next().unwrap_or("").contains('=') {
        return t
            .split_whitespace()
            .next()
            .map(|k| vec![k.to_string()])
            .unwrap_or_default();
    }
    t.split_whitespace()
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
        // `ARG "version=1.0"`: the quotes are the word's, not the name's.
        .map(|k| k.trim_start_matches(['"', '\'']).to_string())
        .collect()
}

fn is_posix_shell(shell: &Instr) -> bool {
    let first = shell.args.first().map(|a| a.value.as_str()).unwrap_or("");
    let name = shell::basename(first.trim_matches(|c| c == '"' || c == '[' || c == ']'));
    matches!(name, "sh" | "bash" | "ash" | "dash")
}

/// Words in a file's leading comments that say a tool writes it.
const GENERATED_MARKS: &[&str] = &[
    "do not edit",
    "generated by",
    "generated from",
    "generated via",
    "generated file",
    "autogenerated",
    "auto-generated",
    "automatically generated",
];

/// The line of the comment before the first instruction (or in the first ten lines) that
/// says the file is generated.
pub fn generated_header(doc: &Document<'_>) -> Option<usize> {
    let first = doc
        .instructions
        .first()
        .map_or(usize::MAX, |i| doc.line_of(i.span.start));
    (1..=doc.lines.len().min(first.max(10)))
        .filter(|&l| l < first || l <= 10)
        .find(|&l| {
            let t = doc.lines.line_text(doc.text, l).trim_start();
            t.starts_with('#') && {
                let low = t.to_ascii_lowercase();
                GENERATED_MARKS.iter().any(|m| low.contains(m))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> Facts {
        Facts::of(&Document::parse(text).unwrap())
    }

    #[test]
    fn per_instruction_facts() {
        let f = facts(
            "FROM golang:1.25 AS build\nWORKDIR /src\nENV PATH=/go/bin:$PATH CGO_ENABLED=0\nUSER 1000\nWORKDIR app\nRUN go build\nFROM build AS test\nRUN go test\n",
        );
        let run = &f.instrs[5];
        assert_eq!(run.workdir.as_deref(), Some("/src/app"));
        assert_eq!(run.user.as_deref(), Some("1000"));
        assert_eq!(run.path.as_deref(), Some("/go/bin:$PATH"));
        assert!(run.env.iter().any(|k| k == "CGO_ENABLED"));
        // A child stage starts from its parent's facts.
        assert_eq!(f.instrs[7].workdir.as_deref(), Some("/src/app"));
        assert_eq!(f.stages[1].parent, Some(0));
        assert_eq!(f.stages[0].role, Role::Build);
        assert_eq!(
            f.stages[1].role,
            Role::Undecided("it has no CMD or ENTRYPOINT of its own")
        );
        let base = &f.stages[1].base;
        assert_eq!(
            (base.distro, base.release.as_ref().map(|r| r.name.as_str())),
            (Distro::Debian, Some("trixie"))
        );
    }

    #[test]
    fn stage_facts() {
        let f = facts(
            "FROM node:20\nRUN useradd -u 1001 web && adduser web staff\nVOLUME [\"/data\", \"/var/log/app/\"]\nONBUILD COPY . /app\nCMD [\"node\", \"server.js\"]\n",
        );
        let st = &f.stages[0];
        assert_eq!(st.users_created.len(), 1);
        assert_eq!(st.users_created[0].id.as_deref(), Some("1001"));
        assert_eq!(st.account_changes, vec![2]);
        assert_eq!(st.volumes, vec!["/data", "/var/log/app"]);
        assert_eq!(st.role, Role::BuiltUpon("it has ONBUILD triggers"));
        assert_eq!(st.base.builtin_user.map(|u| u.name), Some("node"));
        assert!(!st.windows);
        let w = facts("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo hi\n");
        assert!(w.stages[0].windows && !w.instrs[1].posix_shell);
        let generated =
            Document::parse("# Generated by tool x: DO NOT EDIT\nFROM debian\n").unwrap();
        assert_eq!(generated_header(&generated), Some(1));
    }

    #[test]
    fn cmd_variables_are_told_from_placeholders() {
        // sixeyed__diamol__images__elasticsearch__windows__Dockerfile
        assert!(cmd_variable(
            "curl -o es.zip https://x/es-%ELASTIC_VERSION%.zip"
        ));
        assert!(cmd_variable("setx /M PATH \"%PATH%;C:\\go\\bin\""));
        // bitmark-webgui's sed placeholder, ansible-silo's ssh ControlPath, printf.
        assert!(!cmd_variable("sed -i -e \"s/%%BITMARK_PAY_JAR%%/x/g\""));
        assert!(!cmd_variable("echo ControlPath /tmp/%h_%p_%r"));
        assert!(!cmd_variable("printf '%s %d%%' a 1"));
    }
}
