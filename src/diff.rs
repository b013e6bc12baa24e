//! Unified diffs for review.

use similar::TextDiff;

/// A unified diff of `before` → `after` with `a/` and `b/` headers, or "" when equal.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let diff = TextDiff::from_lines(before, after);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{}", path.trim_start_matches('/')),
            &format!("b/{}", path.trim_start_matches('/')),
        )
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// What a line of a unified diff is, for the views that colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// `--- a/…` or `+++ b/…`.
    Header,
    Added,
    Removed,
    /// `@@ … @@`.
    Hunk,
    Context,
}

impl LineKind {
    pub fn of(line: &str) -> LineKind {
        if line.starts_with("+++") || line.starts_with("---") {
            LineKind::Header
        } else if line.starts_with('+') {
            LineKind::Added
        } else if line.starts_with('-') {
            LineKind::Removed
        } else if line.starts_with("@@") {
            LineKind::Hunk
        } else {
            LineKind::Context
        }
    }
}
