//! Helpers shared by passes: the file's continuation style, appending a command to a RUN, and
//! inserting a flag after a word.

use crate::fix::{Edit, Fix};
use crate::shell::{Script, SimpleCmd};
use crate::syntax::{Document, Instr};

/// Lines longer than this get the new command on a continuation line.
const MAX_INLINE: usize = 100;

/// How the file writes its multi-line RUNs.
#[derive(Debug, Clone)]
pub struct Style {
    pub indent: String,
    /// `\` then `    && cmd` (true), or `&& \` then `    cmd` (false).
    pub leading_op: bool,
    pub escape: char,
    pub newline: &'static str,
}

impl Style {
    /// Reads the continuation style off the file's existing multi-line RUNs.
    pub fn of(doc: &Document<'_>) -> Style {
        Self::from_runs(doc, doc.instructions.iter().filter(|i| i.is("RUN")))
    }

    /// The style of `ins` itself when it has continuation lines, else the file's.
    pub fn for_instr(doc: &Document<'_>, ins: &Instr) -> Style {
        if doc.slice(&ins.span).contains('\n') {
            Self::from_runs(doc, std::iter::once(ins))
        } else {
            Self::of(doc)
        }
    }

    fn from_runs<'i>(doc: &Document<'_>, runs: impl Iterator<Item = &'i Instr>) -> Style {
        let (mut leading, mut trailing) = (0, 0);
        // Indents of lines that start a new command (`&& x`, or after `&& \`), and of any
        // continuation line as a fallback.
        let (mut command_indents, mut any_indents) = (Vec::new(), Vec::new());
        for ins in runs {
            let text = doc.slice(&ins.span);
            let lines: Vec<&str> = text.split('\n').collect();
            for pair in lines.windows(2) {
                let prev = pair[0].trim_end();
                let Some(prev_body) = prev.strip_suffix(doc.escape) else {
                    continue;
                };
                let next = pair[1].trim_end_matches('\r');
                let body = next.trim_start_matches([' ', '\t']);
                if body.is_empty() || body.starts_with('#') {
                    continue;
                }
                let indent = next[..next.len() - body.len()].to_string();
                if body.starts_with("&&") {
                    leading += 1;
                    command_indents.push(indent.clone());
                } else if prev_body.trim_end().ends_with("&&") {
                    trailing += 1;
                    command_indents.push(indent.clone());
                }
                any_indents.push(indent);
            }
        }
        let indent = most_common(command_indents)
            .or_else(|| most_common(any_indents))
            .unwrap_or_else(|| "    ".to_string());
        Style {
            indent,
            leading_op: leading >= trailing,
            escape: doc.escape,
            newline: doc.newline,
        }
    }

    /// Text that ends the current line and starts a continuation line holding `&& cmd`-to-be,
    /// with `comments` (whole lines) kept in between.
    pub fn and_break(&self, comments: &[&str]) -> String {
        let mut s = String::new();
        if self.leading_op {
            s.push(' ');
            s.push(self.escape);
        } else {
            s.push_str(" && ");
            s.push(self.escape);
        }
        s.push_str(self.newline);
        for c in comments {
            s.push_str(c);
            s.push_str(self.newline);
        }
        s.push_str(&self.indent);
        if self.leading_op {
            s.push_str("&& ");
        }
        s
    }
}

fn most_common(v: Vec<String>) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for s in v {
        match counts.iter_mut().find(|(k, _)| *k == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((s, 1)),
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(k, _)| k)
}

/// An edit that appends `&& command` after the script of `ins`, inline when the line stays
/// short and the RUN is one line, else on a continuation line.
pub fn append_command(doc: &Document<'_>, ins: &Instr, script: &Script, command: &str) -> Edit {
    let at = script.end;
    let line_start = doc.text[..at].rfind('\n').map_or(0, |i| i + 1);
    let single_line = !doc.text[ins.span.start..at].contains('\n');
    let tail = at..script.tail_end;
    if single_line && (at - line_start) + command.len() + 4 <= MAX_INLINE {
        Edit::replace(tail, format!(" && {command}"))
    } else {
        Edit::replace(
            tail,
            format!("{}{command}", Style::for_instr(doc, ins).and_break(&[])),
        )
    }
}

/// An edit that inserts ` flag` right after the word at `index` of `cmd`.
pub fn insert_after_word(cmd: &SimpleCmd, index: usize, flag: &str) -> Edit {
    Edit::insert(cmd.words[index].span.end, format!(" {flag}"))
}

/// The index of the first word of `cmd` equal to `sub` (a subcommand such as `install`).
pub fn subcommand(cmd: &SimpleCmd, subs: &[&str]) -> Option<usize> {
    cmd.words
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, w)| {
            let lit = w.lit.as_deref()?;
            if lit.starts_with('-') {
                None
            } else if subs.contains(&lit) {
                Some(i)
            } else {
                Some(usize::MAX)
            }
        })
        .filter(|&i| i != usize::MAX)
}

/// Does the command carry one of these options (`--foo`, `--foo=x`, or a short flag inside a
/// bundle like `-qy`)?
pub fn has_option(cmd: &SimpleCmd, long: &[&str], short: &[char]) -> bool {
    cmd.args().filter_map(|w| w.lit.as_deref()).any(|a| {
        if let Some(l) = a.strip_prefix("--") {
            let name = l.split('=').next().unwrap_or(l);
            long.iter().any(|x| x.trim_start_matches("--") == name)
        } else if let Some(s) = a.strip_prefix('-') {
            !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric())
                && s.chars().any(|c| short.contains(&c))
        } else {
            false
        }
    })
}

/// Is this instruction's preceding comment a dockopt or hadolint pragma?
pub fn has_pragma_before(doc: &Document<'_>, ins: &Instr) -> bool {
    doc.comment_lines_before(ins.span.start)
        .iter()
        .any(|c| is_pragma(c))
}

pub fn is_pragma(comment: &str) -> bool {
    let t = comment
        .trim_start_matches('#')
        .trim_start()
        .to_ascii_lowercase();
    t.starts_with("hadolint") || t.starts_with("dockopt") || t.starts_with("check=")
}

/// A RUN mounts a cache at `target` (so deleting that cache is not needed).
pub fn mounts_cache(ins: &Instr, target_prefix: &str) -> bool {
    ins.flags.iter().any(|f| {
        f.name.eq_ignore_ascii_case("mount")
            && f.value.as_deref().is_some_and(|v| {
                v.contains("type=cache")
                    && v.split(',').any(|kv| {
                        kv.split_once('=').is_some_and(|(k, val)| {
                            matches!(k, "target" | "dst" | "destination")
                                && val
                                    .trim_end_matches('/')
                                    .starts_with(target_prefix.trim_end_matches('/'))
                        })
                    })
            })
    })
}

/// Cache-mount mode: an edit that adds `--mount=type=cache,target=T` flags to RUN `ins` (only
/// the targets not mounted yet), plus the `# syntax=` line when the file has none and `syntax_directive` is on.
pub fn cache_mount_edits(cx: &super::Context<'_, '_>, ins: &Instr, targets: &[&str]) -> Vec<Edit> {
    let flags: String = targets
        .iter()
        .filter(|t| !mounts_cache(ins, t))
        .map(|t| format!("--mount=type=cache,target={t} "))
        .collect();
    if flags.is_empty() {
        return Vec::new();
    }
    let mut edits = vec![Edit::insert(ins.keyword_span.end + 1, flags)];
    // The frontend image it names comes from a registry: an air-gapped build can do without
    // (Docker 20.10 and later take `RUN --mount` with their built-in frontend).
    if cx.doc.syntax_directive.is_none() && cx.settings.syntax_directive {
        let bom = if cx.doc.text.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        edits.push(Edit::insert(
            bom,
            format!("# syntax=docker/dockerfile:1{}", cx.doc.newline),
        ));
    }
    edits
}

/// The fix for a package manager's cache left in RUN `i`: a BuildKit cache mount on `mount` in
/// cache-mount mode (when the RUN runs as root), else `flag_edits` (a `--no-cache`-like flag).
pub fn mount_or_flag(
    cx: &super::Context<'_, '_>,
    meta: &'static super::Meta,
    i: usize,
    mount: &str,
    flag_edits: Vec<Edit>,
    flag_message: &str,
) -> Option<super::Finding> {
    let ins = &cx.doc.instructions[i];
    if cx.settings.cache_mounts && cx.runs_as_root(i) {
        let edits = cache_mount_edits(cx, ins, &[mount]);
        let message = format!("cache mounted on {mount} with BuildKit");
        return (!edits.is_empty())
            .then(|| cx.finding(meta, ins.span.start, message, Some(Fix::safe(edits))));
    }
    Some(cx.finding(
        meta,
        ins.span.start,
        flag_message,
        Some(Fix::safe(flag_edits)),
    ))
}

/// What a command appended to a RUN waits for: a merge of that RUN (the cleanup must land once,
/// at the end of the merged layer) and a source COPY moving in its stage.
pub const APPENDS: &[super::Phase] = &[super::Phase::Layout, super::Phase::Merge];

/// The fix for the package cache `tool` fills in RUN `i` (script `s`): BuildKit cache mounts on
/// `mounts` in cache-mount mode, else `clean` appended to the RUN, unless nothing can follow its
/// script or a merge or a source move this round would land on the same text.
#[allow(clippy::too_many_arguments)]
pub fn mount_or_append(
    cx: &super::Context<'_, '_>,
    meta: &'static super::Meta,
    i: usize,
    s: &Script,
    tool: &str,
    mounts: &[&str],
    clean: &str,
    applicability: crate::Applicability,
) -> Option<super::Finding> {
    let ins = &cx.doc.instructions[i];
    if cx.settings.cache_mounts {
        let edits = cache_mount_edits(cx, ins, mounts);
        let message = format!("{tool} cache mounted with BuildKit");
        return (!edits.is_empty()).then(|| {
            cx.finding(
                meta,
                ins.span.start,
                message,
                Some(Fix::new(applicability, edits)),
            )
        });
    }
    if !s.can_append() {
        return None;
    }
    Some(
        cx.finding(
            meta,
            ins.span.start,
            format!("`{clean}` missing after {tool} install"),
            Some(Fix::new(
                applicability,
                vec![append_command(cx.doc, ins, s, clean)],
            )),
        )
        .waiting_for(APPENDS),
    )
}

/// When a later RUN of instruction `i`'s stage chain runs one of `tools` with one of the options
/// that make it install from the cache alone (`npm ci --offline`, `dnf -C install`), it reads
/// the cache RUN `i` fills, so that cache must stay: the finding that says so, naming the
/// cache after `tools[0]`.
pub fn cache_kept_for_later(
    cx: &super::Context<'_, '_>,
    meta: &'static super::Meta,
    i: usize,
    tools: &[&str],
    long: &[&str],
    short: &[char],
) -> Option<super::Finding> {
    let j = cx.later_in_chain(i).into_iter().find(|&j| {
        let ins = &cx.doc.instructions[j];
        if !ins.is("RUN") && !ins.is("ONBUILD") {
            return false;
        }
        match cx.script(j) {
            Some(s) => s
                .commands
                .iter()
                .any(|c| is_named(c, tools) && has_option(c, long, short)),
            // Not analysed: any mention of a tool and a long option counts.
            None => {
                let text = cx.text(&ins.span);
                tools.iter().any(|t| text.contains(t)) && long.iter().any(|o| text.contains(o))
            }
        }
    })?;
    let doc = cx.doc;
    let line = doc.line_of(doc.instructions[j].span.start);
    Some(cx.finding(
        meta,
        doc.instructions[i].span.start,
        format!(
            "{} cache kept: line {line} installs from it alone",
            tools[0]
        ),
        None,
    ))
}

/// uv's options that take the next word as their value (global ones and `pip install`'s).
pub const UV_VALUE_OPTS: &[&str] = &[
    "--python",
    "-p",
    "--index",
    "--default-index",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--index-strategy",
    "--keyring-provider",
    "--resolution",
    "--prerelease",
    "--link-mode",
    "--python-platform",
    "--python-version",
    "--exclude-newer",
    "--config-setting",
    "-C",
    "--reinstall-package",
    "--upgrade-package",
    "-P",
    "--no-binary",
    "--only-binary",
    "--no-build-package",
    "--no-binary-package",
    "--refresh-package",
    "--extra",
    "--target",
    "-t",
    "--prefix",
    "--torch-backend",
    "--fork-strategy",
    "--color",
    "--cache-dir",
    "--package",
    "--group",
    "--only-group",
    "--no-group",
    "--directory",
    "--project",
    "--config-file",
];

/// The words of a `uv` command's subcommand (`sync`, `pip install`, `tool run`) and the index of
/// its last one; `None` for another command, a computed word, or a global option with a value
/// before the subcommand (its value would pass for the subcommand).
pub fn uv_subcommand(c: &SimpleCmd) -> Option<(Vec<&str>, usize)> {
    if crate::shell::basename(c.name()?) != "uv" {
        return None;
    }
    let mut subs = Vec::new();
    let mut last = 0;
    for (k, w) in c.words.iter().enumerate().skip(1) {
        let lit = w.lit.as_deref()?;
        if lit.starts_with('-') {
            if !subs.is_empty() {
                break;
            }
            if UV_VALUE_OPTS.contains(&lit) {
                return None;
            }
            continue;
        }
        subs.push(lit);
        last = k;
        if !matches!(subs[0], "pip" | "tool" | "python") || subs.len() == 2 {
            break;
        }
    }
    (!subs.is_empty()).then_some((subs, last))
}

/// Every command named like `names` (by basename).
pub fn is_named(cmd: &SimpleCmd, names: &[&str]) -> bool {
    cmd.name()
        .is_some_and(|n| names.contains(&crate::shell::basename(n)))
}

/// An edit that removes command `k` of a plain `a && b && c` script with what joins it to its
/// neighbour, or `None` when it is nested, alone, or not in such a chain.
pub fn delete_command(script: &crate::shell::Script, k: usize) -> Option<Edit> {
    let cmds = &script.commands;
    let c = cmds.get(k)?;
    if c.nested || !script.is_plain_and_chain() || cmds.len() < 2 {
        return None;
    }
    match (k.checked_sub(1).map(|p| &cmds[p]), cmds.get(k + 1)) {
        (_, Some(next)) => Some(Edit::delete(c.span.start..next.span.start)),
        (Some(prev), None) => Some(Edit::delete(prev.span.end..c.span.end)),
        (None, None) => None,
    }
}

/// The span widened to whole lines, with the final line break.
pub fn whole_lines(text: &str, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = text[..span.start].rfind('\n').map_or(0, |p| p + 1);
    start..line_end(text, span.end)
}

/// Just after the line break that ends the line holding `offset` (or the end of the text).
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |p| offset + p + 1)
}
