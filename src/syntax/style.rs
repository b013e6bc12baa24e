//! How a file writes its multi-line RUNs, so that generated lines continue the same way.

use super::{Document, Instr, Kind};

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
        doc.style_cell()
            .get_or_init(|| {
                Self::from_runs(doc, doc.instructions.iter().filter(|i| i.is(Kind::Run)))
            })
            .clone()
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
