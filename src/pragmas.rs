//! Inline pragmas: `# dockopt ignore=merge-runs,DO010` on the comment lines right above an
//! instruction, `# dockopt global ignore=...` anywhere for the whole file, and the same with
//! `hadolint` and its rule codes (a rule ignores the passes that fix it), so that a repository's
//! existing intent holds. A `;reason=...` after the list is allowed and not read.

use crate::passes::{Finding, Meta, REGISTRY};
use crate::syntax::Document;

#[derive(Debug, Default)]
pub struct Pragmas {
    global: Vec<String>,
    /// Per instruction index: the keys ignored for it.
    local: Vec<Vec<String>>,
}

/// `# dockopt ignore=a,b` → (global?, [a, b]).
fn parse_comment(line: &str) -> Option<(bool, Vec<String>)> {
    let rest = line.trim().strip_prefix('#')?.trim_start();
    let (tool, rest) = rest.split_once(char::is_whitespace)?;
    if !matches!(tool.to_ascii_lowercase().as_str(), "dockopt" | "hadolint") {
        return None;
    }
    let rest = rest.trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let list = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    let list = list.split(';').next().unwrap_or("");
    let keys = list
        .split(',')
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    Some((global, keys))
}

/// Does `text` name dockopt or hadolint anywhere (in any case)?
fn names_a_tool(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("dockopt") || lower.contains("hadolint")
}

impl Pragmas {
    pub fn parse(doc: &Document<'_>) -> Pragmas {
        let mut p = Pragmas::default();
        // Most files name neither tool: no comment of theirs can be a pragma.
        if !names_a_tool(doc.text) {
            p.local = vec![Vec::new(); doc.instructions.len()];
            return p;
        }
        for line in doc.text.lines() {
            if let Some((true, keys)) = parse_comment(line) {
                p.global.extend(keys);
            }
        }
        p.local = doc
            .instructions
            .iter()
            .map(|ins| {
                doc.comment_lines_before(ins.span.start)
                    .into_iter()
                    .filter_map(parse_comment)
                    .filter(|(global, _)| !global)
                    .flat_map(|(_, keys)| keys)
                    .collect()
            })
            .collect();
        p
    }

    fn names(meta: &Meta, key: &str) -> bool {
        key.eq_ignore_ascii_case(meta.code)
            || key.eq_ignore_ascii_case(meta.name)
            || meta.hadolint.iter().any(|h| h.eq_ignore_ascii_case(key))
    }

    /// Is this finding ignored by a pragma?
    pub fn suppresses(&self, doc: &Document<'_>, finding: &Finding) -> bool {
        let Some(meta) = REGISTRY
            .iter()
            .map(|p| p.meta())
            .find(|m| m.code == finding.code)
        else {
            return false;
        };
        if self.global.iter().any(|k| Self::names(meta, k)) {
            return true;
        }
        // Instructions are in text order: the last one starting at or before the offset.
        let instr = doc
            .instructions
            .partition_point(|i| i.span.start <= finding.offset)
            .checked_sub(1)
            .filter(|&i| {
                let span = &doc.instructions[i].span;
                finding.offset < span.end.max(span.start + 1)
            });
        instr.is_some_and(|i| self.local[i].iter().any(|k| Self::names(meta, k)))
    }
}

/// Is this instruction's preceding comment a dockopt or hadolint pragma?
pub fn has_pragma_before(doc: &crate::syntax::Document<'_>, ins: &crate::syntax::Instr) -> bool {
    doc.comment_lines_before(ins.span.start)
        .iter()
        .any(|c| is_pragma(c))
}

/// What is wrong with the `# dockopt …` pragmas of the file, by line: one that does not read as
/// `# dockopt [global] ignore=a,b`, or names no pass (with the nearest name, when one is close).
/// A wrong pragma protects nothing, silently; this says so. hadolint's own pragmas are
/// hadolint's to check.
pub fn problems(doc: &Document<'_>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    if !names_a_tool(doc.text) {
        return out;
    }
    for (k, line) in doc.text.lines().enumerate() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix('#').map(str::trim_start) else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let named = lower.starts_with("dockopt")
            && !lower[7..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-');
        if !named {
            continue;
        }
        let Some((_, keys)) = parse_comment(t).filter(|(_, keys)| !keys.is_empty()) else {
            out.push((
                k + 1,
                format!(
                    "`{t}` is not a pragma dockopt reads, so it ignores nothing: write `# dockopt ignore=<pass>[,<pass>…]` (or `# dockopt global ignore=…`)"
                ),
            ));
            continue;
        };
        for key in keys {
            let known = REGISTRY.iter().any(|p| Pragmas::names(p.meta(), &key));
            if known {
                continue;
            }
            let near = crate::passes::nearest_pass(&key)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            out.push((
                k + 1,
                format!("pragma names `{key}`, which is no pass{near}: it ignores nothing"),
            ));
        }
    }
    out
}

pub fn is_pragma(comment: &str) -> bool {
    let t = comment
        .trim_start_matches('#')
        .trim_start()
        .to_ascii_lowercase();
    t.starts_with("hadolint") || t.starts_with("dockopt") || t.starts_with("check=")
}

#[cfg(test)]
mod tests {
    use super::parse_comment;

    #[test]
    fn wrong_pragmas_are_named() {
        let doc = crate::syntax::Document::parse(
            "FROM x\n# dockopt ignore=merge-run\n# dockopt ignore merge-runs\n# dockopt ignore=DO010,exec-form\n# hadolint ignore=DL9999\n# dockoptimizer is great\nRUN a\n",
        )
        .unwrap();
        let found = super::problems(&doc);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 2);
        assert!(
            found[0].1.contains("did you mean `merge-runs`"),
            "{}",
            found[0].1
        );
        assert_eq!(found[1].0, 3);
    }

    #[test]
    fn comments() {
        assert_eq!(
            parse_comment("# dockopt ignore=merge-runs, DO010"),
            Some((false, vec!["merge-runs".into(), "DO010".into()]))
        );
        assert_eq!(
            parse_comment("#hadolint global ignore=DL3059;reason=legacy"),
            Some((true, vec!["DL3059".into()]))
        );
        assert_eq!(parse_comment("# install curl"), None);
        assert_eq!(parse_comment("# hadolint shell=powershell"), None);
    }
}
