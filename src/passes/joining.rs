//! When two RUNs can become one: the facts a merge of RUN scripts needs (shell state left
//! behind, chain shape, flags, pragmas), shared by the passes that join or bring RUNs together.

use crate::passes::Context;
use crate::pragmas::{has_pragma_before, is_pragma};
use crate::syntax::{Instr, Kind};

/// Can RUN `b` be appended to RUN `a` (of the same stage) without changing what runs, once
/// nothing stands between them?
pub fn runs_joinable(cx: &Context<'_, '_>, a: usize, b: usize) -> Result<(), String> {
    let doc = cx.doc;
    let (ia, ib) = (&doc.instructions[a], &doc.instructions[b]);
    if !(ia.is(Kind::Run) && ib.is(Kind::Run)) || ia.stage != ib.stage {
        return Err("not two RUNs of one stage".into());
    }
    for (ins, idx) in [(ia, a), (ib, b)] {
        if !ins.heredocs.is_empty() {
            return Err(format!(
                "line {} uses a heredoc",
                doc.line_of(ins.span.start)
            ));
        }
        if !matches!(ins.body, crate::syntax::Body::Shell(_)) {
            return Err(format!(
                "line {} is in exec (JSON) form",
                doc.line_of(ins.span.start)
            ));
        }
        if !cx.in_posix_stage(ins) {
            return Err("the stage does not use a POSIX shell".into());
        }
        if let Some(why) = cx.opaque_reason(idx) {
            return Err(format!(
                "line {} cannot be analysed ({why})",
                doc.line_of(ins.span.start)
            ));
        }
    }
    if flags_text(cx, ia) != flags_text(cx, ib) {
        return Err("the RUNs have different flags".into());
    }
    if has_pragma_before(doc, ib) || gap_comments(cx, a, b).iter().any(|c| is_pragma(c)) {
        return Err("a pragma comment applies to the second RUN".into());
    }
    let (sa, _) = (
        cx.script(a).expect("analysed"),
        cx.script(b).expect("analysed"),
    );
    if !sa.can_append() {
        return Err(format!(
            "line {} ends in a comment or background job",
            doc.line_of(ia.span.start)
        ));
    }
    let sb = cx.script(b).expect("analysed");
    if let Some(why) = sa.leaks_state_into(sb) {
        return Err(format!("line {} {why}", doc.line_of(ia.span.start)));
    }
    if !sb.is_plain_and_chain() {
        // `A && x; y` or `A && x || y` would run `y` after a failed `A`, and a `{ ...; }` group
        // hides the commands from linters; leave it.
        return Err(format!(
            "line {} is not a plain `a && b` chain (it uses `;`, `||` or `&`)",
            doc.line_of(ib.span.start)
        ));
    }
    Ok(())
}

fn flags_text(cx: &Context<'_, '_>, ins: &Instr) -> Vec<String> {
    let mut v: Vec<String> = ins
        .flags
        .iter()
        .map(|f| cx.text(&f.span).to_string())
        .collect();
    v.sort();
    v
}

/// Whole comment lines between the end of RUN `a`'s script and RUN `b`'s keyword.
pub fn gap_comments<'s>(cx: &Context<'_, 's>, a: usize, b: usize) -> Vec<&'s str> {
    let start = cx
        .script(a)
        .map_or(cx.doc.instructions[a].span.end, |s| s.end);
    let gap = &cx.doc.text[start..cx.doc.instructions[b].keyword_span.start];
    gap.split('\n')
        .skip(1)
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.trim_start().starts_with('#'))
        .collect()
}
