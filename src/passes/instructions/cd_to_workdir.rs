use crate::facts::{Role, join_workdir};
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::joining::runs_joinable;
use crate::passes::{Context, Finding, Meta, Pass, Phase};
use crate::syntax::{Body, Kind};

pub struct CdToWorkdir;

static META: Meta = Meta {
    code: "DO028",
    name: "cd-to-workdir",
    summary: "WORKDIR instead of a RUN that starts with `cd`",
    safety: Applicability::Unsafe,
    phase: Phase::Edit,
    hadolint: &["DL3003"],
    docs: r#"## What it does
A `RUN` that starts with `cd DIR &&` (or `cd DIR;`) becomes `WORKDIR DIR` and the `RUN` without
the `cd`. When a later instruction of the stage depends on the working directory the original
file had there (a `RUN`, a `COPY` or `ADD` to a relative path, a relative `WORKDIR`, or the image's
own working directory at the end of a stage that runs or is built upon), a `WORKDIR` back to it
follows the `RUN`. Several such RUNs in a row share one restoring `WORKDIR`.

## Why
`cd` in a `RUN` lasts one command line; a reader has to track where each step runs. `WORKDIR`
says it once, shows in the image history, and creates the folder if it is missing.

## Example
```dockerfile
FROM debian:12
RUN cd /tmp && curl -fsSLO https://example.com/tool.tgz && tar xzf tool.tgz
COPY app.sh .
```
becomes
```dockerfile
FROM debian:12
WORKDIR /tmp
RUN curl -fsSLO https://example.com/tool.tgz && tar xzf tool.tgz
WORKDIR /
COPY app.sh .
```

## Fix safety
Unsafe: `$PWD` inside the step may read differently when `DIR` is a symbolic link, and
`WORKDIR` creates a missing `DIR` where `cd` failed the build. Left alone, with the reason,
when the working directory before the `RUN` is not known and something after it depends on it
(a base image that is not in the dated table of working directories, or a WORKDIR with a
variable), when `cd` has options or no directory, when its directory is not a plain path or a
variable the file sets (`~`, quotes, `${X:-y}`), when the `RUN` handles `cd` failing
(`cd DIR || exit`), reads `$OLDPWD` or runs `cd -`, mounts at a relative target, or is nothing
but the `cd`. A `RUN` that merge-runs would join to the `RUN` before it is left to that merge.

## Facts it relies on
Per instruction: the working directory and whether it is known (set by an absolute WORKDIR, or
the base image's own from the dated table in `facts/images.rs`), the names ENV and ARG set; per
stage: its role (whether its working directory outlives it) and the stages built from it; the
analysed script.
"#,
};

/// The working directory a converted RUN leaves behind in the rewritten file.
#[derive(Debug, Clone, PartialEq)]
enum Cwd {
    /// An absolute path.
    Known(String),
    /// A WORKDIR with a variable, as written.
    Written(String),
}

/// A RUN that starts with `cd DIR` and can lose it.
struct Candidate {
    /// The directory as `WORKDIR` will say it.
    workdir: String,
    cwd: Cwd,
    /// Removes `cd DIR &&` from the RUN.
    delete: Edit,
}

/// Consecutive converted RUNs with the WORKDIR that restores the original working directory.
struct Group {
    lines: Vec<usize>,
    first_offset: usize,
    edits: Vec<Edit>,
    /// The working directory the rewritten file is in after the group's last RUN (`None`
    /// when not known).
    now: Option<Cwd>,
    /// The original working directory during the group (a WORKDIR between would end it).
    original: Option<String>,
    original_known: bool,
    /// The group's last RUN, and just after the line break that ends it.
    last: usize,
    last_end: usize,
}

/// Characters a directory may have to be written after WORKDIR as it is after `cd`.
fn plain_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_.-+@:,".contains(c)
}

/// `${NAME}` written `$NAME` where that reads the same, so that `cd $SRC` and `cd ${SRC}` are
/// known to go to one place.
fn unbraced(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(k) = rest.find("${") {
        out.push_str(&rest[..k]);
        let inner = &rest[k + 2..];
        match inner.find('}') {
            Some(close)
                if !inner[close + 1..]
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.push('$');
                out.push_str(&inner[..close]);
                rest = &inner[close + 1..];
            }
            _ => {
                out.push_str("${");
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `cd`'s directory as WORKDIR will take it: a plain path, or `$NAME`/`${NAME}` references to
/// names the file sets (both expand them alike), else `None`.
fn workdir_word(raw: &str, env: &[String]) -> Option<String> {
    let mut rest = raw;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('$') {
            let (name, tail) = match after.strip_prefix('{') {
                Some(inner) => {
                    let close = inner.find('}')?;
                    (&inner[..close], &inner[close + 1..])
                }
                None => {
                    let len = after
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(after.len());
                    (&after[..len], &after[len..])
                }
            };
            let valid = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid || !env.iter().any(|k| k == name) {
                return None;
            }
            rest = tail;
        } else {
            let c = rest.chars().next()?;
            if !plain_path_char(c) {
                return None;
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(raw.to_string())
}

/// Where the command after the leading `cd` starts, when `cd` is joined to it by `&&` or `;`
/// over spaces and line continuations only (no comment line in between).
fn next_command_start(text: &str, from: usize, end: usize, escape: char) -> Result<usize, String> {
    let body = &text[from..end];
    // Past spaces and line continuations; `Err` at a comment line.
    let skip_blank = |mut k: usize| -> Result<usize, String> {
        loop {
            let rest = &body[k..];
            let line_so_far = text[..from + k].rsplit('\n').next().unwrap_or("");
            if rest.starts_with('#') && line_so_far.trim().is_empty() {
                return Err("a comment line follows the `cd`".into());
            }
            if rest.starts_with([' ', '\t']) {
                k += 1;
            } else if let Some(after) = rest.strip_prefix(escape) {
                match (after.starts_with("\r\n"), after.starts_with('\n')) {
                    (true, _) => k += escape.len_utf8() + 2,
                    (_, true) => k += escape.len_utf8() + 1,
                    _ => return Ok(k),
                }
            } else {
                return Ok(k);
            }
        }
    };
    let mut k = skip_blank(0)?;
    let rest = &body[k..];
    if rest.starts_with("&&") {
        k += 2;
    } else if rest.starts_with(';') && !rest.starts_with(";;") {
        k += 1;
    } else if rest.starts_with("||") {
        return Err("it runs something when `cd` fails (`cd … || …`)".into());
    } else if rest.trim().is_empty() {
        return Err("the RUN is nothing but the `cd`".into());
    } else {
        return Err("`cd` is not joined to the next command by `&&` or `;`".into());
    }
    let k = skip_blank(k)?;
    if body[k..].trim().is_empty() {
        return Err("the RUN is nothing but the `cd`".into());
    }
    Ok(from + k)
}

/// The candidate for RUN `i`, `Ok(None)` when the RUN does not start with `cd` (or merge-runs
/// takes it), or why its `cd` stays.
fn candidate(cx: &Context<'_, '_>, i: usize) -> Result<Option<Candidate>, String> {
    let doc = cx.doc;
    let ins = &doc.instructions[i];
    // A heredoc script's commands end at line breaks, which WORKDIR cannot take away.
    let Some(script) = cx.script(i).filter(|_| ins.heredocs.is_empty()) else {
        return Ok(None);
    };
    let Some(cd) = script.commands.first() else {
        return Ok(None);
    };
    if cd.name() != Some("cd") || cd.nested || cd.list != 0 {
        return Ok(None);
    }
    // The RUN before it joins this one first; its `cd` then runs mid-RUN.
    if i > 0 && runs_joinable(cx, i - 1, i).is_ok() {
        return Ok(None);
    }
    if cd.has_assignment || cd.words.len() != 2 {
        return Err("`cd` has options, or no directory (it goes to `$HOME`)".into());
    }
    let dir = &cd.words[1];
    if dir.lit.as_deref() == Some("-") {
        return Err("`cd -` goes back to a directory WORKDIR does not know".into());
    }
    let facts = &cx.facts.instrs[i];
    let Some(workdir) = workdir_word(&dir.raw, &facts.env) else {
        return Err(format!(
            "its directory `{}` is not a plain path (no quotes, `~` or `${{X:-y}}`), or uses a variable that no ENV or ARG of the file sets",
            dir.raw
        ));
    };
    let uses_oldpwd = script.unfolded.text.contains("OLDPWD")
        || script
            .commands
            .iter()
            .skip(1)
            .any(|c| c.name() == Some("cd") && c.has_arg("-"));
    if uses_oldpwd {
        return Err("it goes back with `cd -` or reads `$OLDPWD`".into());
    }
    let relative_mount = ins.flags.iter().any(|f| {
        f.name.eq_ignore_ascii_case("mount")
            && f.value.as_deref().unwrap_or("").split(',').any(|kv| {
                kv.split_once('=').is_some_and(|(k, v)| {
                    matches!(k, "target" | "dst" | "destination") && !v.starts_with('/')
                })
            })
    });
    if relative_mount {
        return Err("it mounts at a relative target".into());
    }
    let Body::Shell(body) = &ins.body else {
        return Ok(None);
    };
    let next = next_command_start(doc.text, cd.span.end, body.end, doc.escape)?;
    let (workdir, cwd) = if workdir.contains('$') {
        let key = unbraced(&workdir);
        (workdir, Cwd::Written(key))
    } else if workdir.starts_with('/') {
        let abs = join_workdir(None, &workdir).unwrap_or_else(|| workdir.clone());
        (workdir, Cwd::Known(abs))
    } else {
        // Written absolute, so that the WORKDIR does not depend on one before it.
        let abs = join_workdir(facts.workdir.as_deref(), &workdir)
            .filter(|_| facts.workdir_known)
            .ok_or("its directory is relative and the working directory before it is not known")?;
        (abs.clone(), Cwd::Known(abs))
    };
    Ok(Some(Candidate {
        workdir,
        cwd,
        delete: Edit::delete(cd.span.start..next),
    }))
}

/// Does instruction `i` depend on the working directory it runs in?
fn depends_on_workdir(cx: &Context<'_, '_>, i: usize) -> bool {
    let ins = &cx.doc.instructions[i];
    match ins.kind {
        Kind::Run | Kind::Onbuild => true,
        Kind::Copy | Kind::Add => ins.args.last().is_some_and(|d| !d.value.starts_with('/')),
        Kind::Workdir => ins.args.first().is_some_and(|d| !d.value.starts_with('/')),
        _ => false,
    }
}

/// `WORKDIR dir` as a line, in the keyword's case of `like`.
fn workdir_line(cx: &Context<'_, '_>, like: usize, dir: &str) -> String {
    let ins = &cx.doc.instructions[like];
    let indent = cx.doc.indent_at(ins.span.start);
    let kw = cx.doc.keyword_like(ins, "WORKDIR");
    format!("{indent}{kw} {dir}{}", cx.doc.newline)
}

impl CdToWorkdir {
    fn finish(cx: &Context<'_, '_>, mut g: Group, restore: bool, out: &mut Vec<Finding>) {
        let lines = g
            .lines
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let runs = if g.lines.len() == 1 {
            "the RUN".to_string()
        } else {
            format!("the RUNs (lines {lines})")
        };
        let mut message = format!("`cd` at the start of {runs}: WORKDIR instead");
        if restore {
            let back = match (&g.original, g.original_known) {
                (Some(dir), true) => dir.clone(),
                _ => {
                    out.push(cx.finding(
                        &META,
                        g.first_offset,
                        format!("`cd` at the start of {runs}: left as it is: a later instruction depends on the working directory before it, which is not known (the base image's is not in the dated table, or a WORKDIR uses a variable)"),
                        None,
                    ));
                    return;
                }
            };
            if g.now != Some(Cwd::Known(back.clone())) {
                let text = cx.doc.text;
                let at = g.last_end;
                let line = workdir_line(cx, g.last, &back);
                let line = if at == text.len() && !text.ends_with('\n') {
                    format!("{}{}", cx.doc.newline, line.trim_end_matches(['\r', '\n']))
                } else {
                    line
                };
                g.edits.push(Edit::insert(at, line));
                message.push_str(&format!(", and WORKDIR {back} again after it"));
            }
        }
        out.push(
            cx.finding(
                &META,
                g.first_offset,
                message,
                Some(Fix::new(Applicability::Unsafe, g.edits)),
            )
            .waiting_for(&[Phase::Structure, Phase::Layout]),
        );
    }
}

impl Pass for CdToWorkdir {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for s in 0..doc.stages.len() {
            let stage = &cx.facts.stages[s];
            if stage.windows || stage.onbuild {
                continue;
            }
            // Its working directory outlives it: it runs, or stages start FROM it.
            let end_matters = !matches!(stage.role, Role::Build) || !doc.descendants(s).is_empty();
            let mut group: Option<Group> = None;
            for (i, ins) in cx.stage_instrs(s) {
                let facts = &cx.facts.instrs[i];
                let found = if ins.is(Kind::Run) {
                    candidate(cx, i)
                } else {
                    Ok(None)
                };
                match found {
                    Ok(Some(c)) => {
                        let g = group.get_or_insert_with(|| Group {
                            lines: Vec::new(),
                            first_offset: ins.span.start,
                            edits: Vec::new(),
                            now: facts
                                .workdir
                                .clone()
                                .filter(|_| facts.workdir_known)
                                .map(Cwd::Known),
                            original: facts.workdir.clone(),
                            original_known: facts.workdir_known,
                            last: i,
                            last_end: 0,
                        });
                        if g.now.as_ref() != Some(&c.cwd) {
                            let at = doc.line_start_above_comments(ins.span.start);
                            g.edits
                                .push(Edit::insert(at, workdir_line(cx, i, &c.workdir)));
                        }
                        g.edits.push(c.delete);
                        g.now = Some(c.cwd);
                        g.last = i;
                        g.lines.push(doc.line_of(ins.span.start));
                        g.last_end = crate::syntax::line_end(doc.text, ins.span.end);
                        continue;
                    }
                    Err(why) => {
                        out.push(cx.finding(
                            &META,
                            ins.span.start,
                            format!("`cd` at the start of the RUN: left as it is: {why}"),
                            None,
                        ));
                    }
                    Ok(None) => {}
                }
                let resets = ins.is(Kind::Workdir)
                    && ins.args.first().is_some_and(|d| d.value.starts_with('/'));
                if resets {
                    if let Some(g) = group.take() {
                        Self::finish(cx, g, false, out);
                    }
                } else if depends_on_workdir(cx, i)
                    && let Some(g) = group.take()
                {
                    Self::finish(cx, g, true, out);
                }
            }
            if let Some(g) = group.take() {
                Self::finish(cx, g, end_matters, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Settings, optimize};

    fn unsafe_fix(text: &str) -> String {
        let settings = Settings {
            unsafe_fixes: true,
            select: Some(vec![crate::passes::PassId::parse("cd-to-workdir").unwrap()]),
            ..Settings::default()
        };
        optimize(text, &settings).unwrap().output
    }

    #[test]
    fn keeps_crlf_and_a_missing_final_line_break() {
        let text = "FROM debian:12\r\nRUN cd /tmp && \\\r\n    make\r\nRUN ls";
        assert_eq!(
            unsafe_fix(text),
            "FROM debian:12\r\nWORKDIR /tmp\r\nRUN make\r\nWORKDIR /\r\nRUN ls"
        );
        let last = "FROM debian:12\nRUN cd /tmp && make\nCMD [\"x\"]";
        assert_eq!(
            unsafe_fix(last),
            "FROM debian:12\nWORKDIR /tmp\nRUN make\nWORKDIR /\nCMD [\"x\"]"
        );
        let end = "FROM debian:12\nRUN cd /tmp && make";
        assert_eq!(
            unsafe_fix(end),
            "FROM debian:12\nWORKDIR /tmp\nRUN make\nWORKDIR /"
        );
    }

    #[test]
    fn variables_spelled_two_ways_are_one_place() {
        assert_eq!(unbraced("${SRC}/x"), "$SRC/x");
        assert_eq!(unbraced("${A}B"), "${A}B");
        assert_eq!(
            workdir_word("/a/${B}", &["B".into()]),
            Some("/a/${B}".into())
        );
        assert_eq!(workdir_word("$HOME/x", &["B".into()]), None);
        assert_eq!(workdir_word("${B:-/x}", &["B".into()]), None);
    }
}
