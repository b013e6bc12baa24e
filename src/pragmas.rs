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

impl Pragmas {
    pub fn parse(doc: &Document<'_>) -> Pragmas {
        let mut p = Pragmas::default();
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
        let instr = doc.instructions.iter().position(|i| {
            i.span.start <= finding.offset && finding.offset < i.span.end.max(i.span.start + 1)
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
