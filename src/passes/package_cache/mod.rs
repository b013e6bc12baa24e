//! What package managers leave in a layer: caches, lists, recommends.

pub mod apk_no_cache;
pub mod apt_cleanup;
pub mod apt_no_install_recommends;
pub mod node_cache_clean;
pub mod pip_no_cache_dir;
pub mod poetry_cache_clean;
pub mod rpm_cache_clean;
pub mod uv_no_cache;

use crate::fix::{Edit, Fix};
use crate::shell::{Script, append_command, has_option, is_named};
use crate::syntax::{Instr, Kind};

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
pub fn cache_mount_edits(
    cx: &crate::passes::Context<'_, '_>,
    ins: &Instr,
    targets: &[&str],
) -> Vec<Edit> {
    let flags: String = targets
        .iter()
        .filter(|t| !mounts_cache(ins, t))
        .map(|t| format!("--mount=type=cache,target={t} "))
        .collect();
    if flags.is_empty() {
        return Vec::new();
    }
    let mut edits = vec![Edit::insert(ins.keyword_span.end + 1, flags)];
    edits.extend(crate::passes::syntax_directive_edit(cx));
    edits
}

/// The fix for a package manager's cache left in RUN `i`: a BuildKit cache mount on `mount` in
/// cache-mount mode (when the RUN runs as root), else `flag_edits` (a `--no-cache`-like flag).
pub fn mount_or_flag(
    cx: &crate::passes::Context<'_, '_>,
    meta: &'static crate::passes::Meta,
    i: usize,
    mount: &str,
    flag_edits: Vec<Edit>,
    flag_message: &str,
) -> Option<crate::passes::Finding> {
    let ins = &cx.doc.instructions[i];
    if cx.settings.cache_mounts && cx.runs_as_root(i) {
        let edits = cache_mount_edits(cx, ins, &[mount]);
        let message =
            format!("cache at {mount} stored in the layer: a BuildKit cache mount keeps it out");
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
pub const APPENDS: &[crate::passes::Phase] =
    &[crate::passes::Phase::Layout, crate::passes::Phase::Merge];

/// The fix for the package cache `tool` fills in RUN `i` (script `s`): BuildKit cache mounts on
/// `mounts` in cache-mount mode, else `clean` appended to the RUN, unless nothing can follow its
/// script or a merge or a source move this round would land on the same text.
#[allow(clippy::too_many_arguments)]
pub fn mount_or_append(
    cx: &crate::passes::Context<'_, '_>,
    meta: &'static crate::passes::Meta,
    i: usize,
    s: &Script,
    tool: &str,
    mounts: &[&str],
    clean: &str,
    applicability: crate::Applicability,
) -> Option<crate::passes::Finding> {
    let ins = &cx.doc.instructions[i];
    if cx.settings.cache_mounts {
        let edits = cache_mount_edits(cx, ins, mounts);
        let message =
            format!("{tool} cache stored in the layer: a BuildKit cache mount keeps it out");
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
    cx: &crate::passes::Context<'_, '_>,
    meta: &'static crate::passes::Meta,
    i: usize,
    tools: &[&str],
    long: &[&str],
    short: &[char],
) -> Option<crate::passes::Finding> {
    let j = cx.later_in_chain(i).into_iter().find(|&j| {
        let ins = &cx.doc.instructions[j];
        if !ins.is(Kind::Run) && !ins.is(Kind::Onbuild) {
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
