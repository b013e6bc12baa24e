use crate::facts::copy_landing;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{SimpleCmd, basename, delete_command};
use crate::syntax::Kind;

pub struct CopyThenModify;

static META: Meta = Meta {
    code: "DO042",
    name: "copy-then-modify",
    summary: "Files copied and then changed in a later layer are stored twice",
    safety: Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
A `RUN chmod MODE FILE` or `RUN chown OWNER FILE` right after the `COPY` (or local `ADD`) that
brought that one file in becomes `COPY --chmod=MODE` / `COPY --chown=OWNER`, and the command
leaves the RUN (the RUN goes when it was all). Other `chown`, `chmod` or `sed -i` runs on copied
files are reported.

## Why
A layer stores whole files: changing the owner, the mode or one line of a copied file stores it
again in the new layer, and the image carries both copies (for `chown -R /app`, the whole
application twice). tally calls this prefer-copy-chmod.

## Example
```dockerfile
# syntax=docker/dockerfile:1
COPY entrypoint.sh /usr/local/bin/
RUN chmod 755 /usr/local/bin/entrypoint.sh
```
becomes
```dockerfile
# syntax=docker/dockerfile:1
COPY --chmod=755 entrypoint.sh /usr/local/bin/
```

## Fix safety
Safe when the result is the same file: one source file copied (not a folder, not a glob), the
first RUN after the COPY changes it, an octal mode (`chmod 755`), or a symbolic one (`+x`,
`u+x`) applied to the mode the build context on disk gives the file (COPY keeps it). Unsafe
when the context is not there to tell: `+x` is then taken to give 755 (a file checked out
without its execute bits, 644), which the message says. `--chown` is written only onto a folder
that already exists (`/`, `/usr/local/bin`, `/etc`, the WORKDIR, ...), since BuildKit gives the
owner to the folders a COPY creates, and never when accounts are made between the COPY and the
chown. `COPY --chmod` needs BuildKit: it is written when the file already relies on BuildKit
(a `# syntax=` line, `RUN --mount`, a heredoc, `COPY --link`) or with `--cache-mounts` (which
says the builds run on BuildKit); otherwise it stays a suggestion.

## Facts it relies on
The COPY sources and destinations, the build context (which sources are files, their modes),
the WORKDIR, the analysed scripts (what each RUN changes, whether it makes accounts).
"#,
};

/// Folders every Linux base image has, where a COPY creates no folder of its own.
const EXISTING_FOLDERS: &[&str] = &[
    "/",
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/etc",
    "/tmp",
    "/root",
    "/usr/local",
];

/// One file a COPY (or local ADD) brought in, where it landed.
struct Copied {
    instr: usize,
    path: String,
    /// The source, relative to the build context (`None` for `--from` or several sources).
    source: Option<String>,
}

/// The permission bits `spec` (`755`, `+x`, `u+x,go-w`) gives a file whose bits are `base`
/// (`None` when `base` is needed and not known); `None` also for what is not read here.
fn apply_mode(spec: &str, base: Option<u32>) -> Option<Result<u32, ()>> {
    if !spec.is_empty() && spec.len() <= 4 && spec.chars().all(|c| ('0'..='7').contains(&c)) {
        return Some(Ok(u32::from_str_radix(spec, 8).ok()?));
    }
    let Some(mut mode) = base else {
        return Some(Err(()));
    };
    for clause in spec.split(',') {
        let who_len = clause.len() - clause.trim_start_matches(['u', 'g', 'o', 'a']).len();
        let (who, rest) = clause.split_at(who_len);
        let mut chars = rest.chars().peekable();
        let mut any = false;
        while let Some(op) = chars.next() {
            if !matches!(op, '+' | '-' | '=') {
                return None;
            }
            let mut perm = 0u32;
            while let Some(&c) = chars.peek() {
                perm |= match c {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    // X: execute where someone may execute already (a file).
                    'X' if mode & 0o111 != 0 => 0o111,
                    'X' => 0,
                    _ => break,
                };
                chars.next();
            }
            // With no `u`/`g`/`o`, chmod applies the umask (022 in a build) to what it adds.
            let mask = if who.is_empty() {
                if perm & 0o022 != 0 {
                    return None;
                }
                0o777
            } else {
                who.chars().fold(0, |m, c| {
                    m | match c {
                        'u' => 0o700,
                        'g' => 0o070,
                        'o' => 0o007,
                        _ => 0o777,
                    }
                })
            };
            match op {
                '+' => mode |= perm & mask,
                '-' => mode &= !(perm & mask),
                _ => mode = (mode & !mask) | (perm & mask),
            }
            any = true;
        }
        if !any {
            return None;
        }
    }
    Some(Ok(mode))
}

/// The file uses a feature only BuildKit builds, so `COPY --chmod` asks nothing new of it.
fn relies_on_buildkit(cx: &Context<'_, '_>) -> bool {
    cx.doc.syntax_directive.is_some()
        || cx.settings.cache_mounts
        || cx.doc.instructions.iter().any(|i| {
            !i.heredocs.is_empty()
                || i.flags.iter().any(|f| {
                    let n = f.name.to_ascii_lowercase();
                    (i.is(Kind::Run) && n == "mount")
                        || matches!(n.as_str(), "link" | "chmod" | "parents" | "exclude")
                })
        })
}

/// Where the one file a COPY/ADD brings lands; `None` for folders, globs, several sources,
/// URLs and variables.
fn copied_file(cx: &Context<'_, '_>, i: usize) -> Option<Copied> {
    let ins = &cx.doc.instructions[i];
    if !ins.heredocs.is_empty() || ins.args.len() != 2 {
        return None;
    }
    let (src, dest) = (&ins.args[0].value, &ins.args[1].value);
    let plain = |p: &str| !p.contains(['$', '*', '?', '[', '"', '\'', ' ']) && !p.contains("://");
    if !plain(src) || !plain(dest) {
        return None;
    }
    let name = src.trim_end_matches('/').rsplit('/').next()?;
    let from = ins.flag("from").is_some();
    // A file: the context says so, or its name has an extension (a folder seldom has one).
    let stem = name.strip_prefix('.').unwrap_or(name);
    let by_name = stem.contains('.') && !src.ends_with('/');
    let file = if from {
        by_name
    } else {
        cx.build_context.is_file(src) || (by_name && !cx.build_context.is_dir(src))
    };
    if !file || (ins.is(Kind::Add) && from) {
        return None;
    }
    let path = copy_landing(src, dest, 1, cx.facts.instrs[i].workdir.as_deref())?;
    Some(Copied {
        instr: i,
        path,
        source: (!from).then(|| src.clone()),
    })
}

/// Does the folder that holds `path` exist before the COPY `i` (so that `--chown` creates no
/// folder owned by the user)?
fn folder_exists(cx: &Context<'_, '_>, i: usize, path: &str) -> bool {
    let parent = match path.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((p, _)) => p,
        None => return false,
    };
    let facts = &cx.facts.instrs[i];
    EXISTING_FOLDERS.contains(&parent)
        || (facts.workdir_known && facts.workdir.as_deref() == Some(parent))
}

/// Flags of chmod and chown that change nothing for one file.
const HARMLESS: &[&str] = &[
    "-R",
    "-v",
    "-c",
    "-f",
    "--verbose",
    "--changes",
    "--silent",
    "--quiet",
];

/// The fix of command `k` of RUN `i` (a chmod or chown of files the COPYs just before it
/// brought), or why there is none (`Err(None)`: not this shape at all).
fn plan(
    cx: &Context<'_, '_>,
    i: usize,
    k: usize,
    recent: &[Copied],
) -> Result<(Fix, String), Option<String>> {
    let doc = cx.doc;
    let ins = &doc.instructions[i];
    let script = cx
        .script(i)
        .filter(|_| ins.heredocs.is_empty())
        .ok_or(None)?;
    let c: &SimpleCmd = &script.commands[k];
    let name = c.name().map(basename).ok_or(None)?;
    if c.nested || c.has_assignment || !matches!(name, "chmod" | "chown") {
        return Err(None);
    }
    let mut words = c
        .args()
        .map(|w| w.lit.as_deref())
        .skip_while(|w| w.is_some_and(|a| HARMLESS.contains(&a)));
    let setting = words.next().flatten().ok_or(None)?;
    let operands: Vec<&str> = words.map(|w| w.ok_or(None)).collect::<Result<_, _>>()?;
    if operands.is_empty() || setting.starts_with('-') {
        return Err(None);
    }
    let mut targets = Vec::new();
    for op in &operands {
        let found = recent
            .iter()
            .rev()
            .find(|f| f.path == op.trim_end_matches('/'))
            .ok_or(None)?;
        targets.push(found);
    }
    let flag = if name == "chmod" { "chmod" } else { "chown" };
    if let Some(t) = targets
        .iter()
        .find(|t| doc.instructions[t.instr].flag(flag).is_some())
    {
        return Err(Some(format!(
            "the COPY on line {} has a --{flag} already",
            doc.line_of(doc.instructions[t.instr].span.start)
        )));
    }
    let mut applicability = Applicability::Safe;
    let mut note = String::new();
    let value = if name == "chmod" {
        if !relies_on_buildkit(cx) {
            return Err(Some("`COPY --chmod` needs BuildKit, and nothing in the file says its builds use it (a `# syntax=` line, `RUN --mount`, or `--cache-mounts` lets dockopt write it)".into()));
        }
        let mut modes = Vec::new();
        for t in &targets {
            let base = t
                .source
                .as_deref()
                .and_then(|src| cx.build_context.mode(src));
            match apply_mode(setting, base) {
                Some(Ok(m)) => modes.push(m),
                Some(Err(())) => {
                    // Not known: a file checked out without execute bits (644).
                    let m = match apply_mode(setting, Some(0o644)) {
                        Some(Ok(m)) => m,
                        _ => return Err(None),
                    };
                    applicability = Applicability::Unsafe;
                    note = " (taking the file's mode in the build context to be 644; with the context at hand dockopt reads it)".to_string();
                    modes.push(m);
                }
                None => {
                    return Err(Some(format!(
                        "the mode `{setting}` is not one dockopt reads"
                    )));
                }
            }
        }
        if modes.iter().any(|m| *m != modes[0]) {
            return Err(Some("the files would get different modes".into()));
        }
        if modes[0] > 0o777 {
            format!("{:04o}", modes[0])
        } else {
            format!("{:o}", modes[0])
        }
    } else {
        let owner_ok = setting
            .split_once(':')
            .map_or(!setting.contains('.'), |(u, g)| {
                !u.is_empty() && !g.is_empty()
            })
            && setting
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c));
        if !owner_ok {
            return Err(Some(format!(
                "the owner `{setting}` is not one COPY --chown takes as written"
            )));
        }
        if let Some(t) = targets
            .iter()
            .find(|t| !folder_exists(cx, t.instr, &t.path))
        {
            return Err(Some(format!(
                "the folder of `{}` may not exist before the COPY, and BuildKit would give the folders it creates to `{setting}`",
                t.path
            )));
        }
        let stage = ins.stage.unwrap_or(0);
        let first = targets
            .iter()
            .map(|t| doc.line_of(doc.instructions[t.instr].span.start))
            .min()
            .unwrap_or(0);
        let here = doc.line_of(ins.span.start);
        let accounts = cx.facts.stages[stage]
            .users_created
            .iter()
            .any(|u| u.line > first && u.line <= here)
            || cx.facts.stages[stage]
                .account_changes
                .iter()
                .any(|&l| l > first && l <= here);
        if accounts {
            return Err(Some(
                "accounts are made or changed between the COPY and the chown".into(),
            ));
        }
        setting.to_string()
    };
    let removal = if script.commands.len() == 1 && script.lists.len() == 1 {
        let lines = crate::syntax::whole_lines(doc.text, &ins.span);
        Edit::delete(lines)
    } else {
        delete_command(script, k).ok_or_else(|| {
            Some("the RUN is not a plain `&&` chain to take the command out of".to_string())
        })?
    };
    let mut edits: Vec<Edit> = targets
        .iter()
        .map(|t| {
            Edit::insert(
                doc.instructions[t.instr].keyword_span.end,
                format!(" --{flag}={value}"),
            )
        })
        .collect();
    edits.push(removal);
    let lines: Vec<String> = targets
        .iter()
        .map(|t| {
            doc.line_of(doc.instructions[t.instr].span.start)
                .to_string()
        })
        .collect();
    let keyword = doc.instructions[targets[0].instr].keyword.as_str();
    let message = format!(
        "`{name} {setting}` right after the {keyword} that brings the file (line {}): `{keyword} --{flag}={value}` stores it once{note}",
        lines.join(", ")
    );
    Ok((Fix::new(applicability, edits), message))
}

impl Pass for CopyThenModify {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for stage in 0..doc.stages.len() {
            let mut copied: Vec<String> = Vec::new();
            // Files copied since the last RUN of the stage.
            let mut recent: Vec<Copied> = Vec::new();
            for (i, ins) in cx.stage_instrs(stage) {
                if ins.is(Kind::Copy) || ins.is(Kind::Add) {
                    if let Some(dest) = ins
                        .args
                        .last()
                        .filter(|d| d.value.starts_with('/') && !d.value.contains('$'))
                    {
                        copied.push(dest.value.trim_end_matches('/').to_string());
                    }
                    recent.extend(copied_file(cx, i));
                    continue;
                }
                if !ins.is(Kind::Run) {
                    continue;
                }
                let recent_here = std::mem::take(&mut recent);
                let Some(script) = cx.script(i) else { continue };
                // One fix a RUN a round: two removals from one chain would overlap.
                let mut why_not = None;
                let mut fixed = false;
                for k in 0..script.commands.len() {
                    match plan(cx, i, k, &recent_here) {
                        Ok((fix, message)) => {
                            out.push(cx.finding(&META, ins.span.start, message, Some(fix)));
                            fixed = true;
                            break;
                        }
                        Err(Some(why)) => why_not = why_not.or(Some(why)),
                        Err(None) => {}
                    }
                }
                if fixed {
                    continue;
                }
                for c in &script.commands {
                    let Some(name) = c.name().map(basename) else {
                        continue;
                    };
                    let in_place = name == "sed"
                        && c.args()
                            .any(|w| w.lit.as_deref().is_some_and(|a| a.starts_with("-i")));
                    if !(matches!(name, "chown" | "chmod") || in_place) {
                        continue;
                    }
                    let hit = c.args().filter_map(|w| w.lit.as_deref()).find(|a| {
                        a.starts_with('/')
                            && copied.iter().any(|d| {
                                !d.is_empty()
                                    && (a.trim_end_matches('/') == d
                                        || a.starts_with(&format!("{d}/")))
                            })
                    });
                    if let Some(path) = hit {
                        let fix = if name == "sed" {
                            "edit the file before copying it".to_string()
                        } else {
                            match &why_not {
                                Some(why) => format!(
                                    "use `COPY --chown`/`--chmod` (not written here: {why})"
                                ),
                                None => "use `COPY --chown`/`--chmod`".to_string(),
                            }
                        };
                        out.push(cx.finding(&META, ins.span.start, format!("`{name}` on `{path}`, copied earlier, stores those files again in a new layer: {fix}"), None));
                        break;
                    }
                }
            }
        }
    }
}
