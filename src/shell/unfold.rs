use std::ops::Range;

/// A RUN body with its line continuations removed, as Docker hands it to the shell, plus a map
/// from every byte of the unfolded text back to its source byte.
#[derive(Debug, Clone)]
pub struct Unfolded {
    pub text: String,
    /// `map[i]` is the source offset of `text[i]`; one extra entry for the end.
    map: Vec<usize>,
}

impl Unfolded {
    /// Source span of an unfolded span. The end maps to just after the last byte's source.
    pub fn source_range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.map[r.start.min(self.text.len())];
        if r.end == r.start {
            return start..start;
        }
        start..self.source_end(r.end)
    }

    /// Source offset just after the unfolded byte `end - 1`.
    pub fn source_end(&self, end: usize) -> usize {
        if end == 0 {
            return self.map[0];
        }
        self.map[end.min(self.text.len()) - 1] + 1
    }
}

impl Unfolded {
    /// A script that is its own source (tests).
    #[cfg(test)]
    pub fn from_text(text: &str) -> Unfolded {
        verbatim(text, 0..text.len())
    }
}

/// `text[span]` as it is: a heredoc body, which reaches the shell verbatim (its line
/// continuations and comments are the shell's to read).
pub fn verbatim(text: &str, span: Range<usize>) -> Unfolded {
    let mut map: Vec<usize> = span.clone().collect();
    map.push(span.end);
    Unfolded {
        text: text[span].to_string(),
        map,
    }
}

/// Unfolds `text[span]`: a line ending in the escape character (trailing blanks allowed, not
/// itself escaped) joins the next; inside a continuation, blank lines and lines starting with `#` are dropped
/// (BuildKit's behaviour).
pub fn unfold(text: &str, span: Range<usize>, escape: char) -> Unfolded {
    let mut out = String::with_capacity(span.len());
    let mut map = Vec::with_capacity(span.len() + 1);
    let mut pos = span.start;
    let mut first = true;
    while pos < span.end {
        let rest = &text[pos..span.end];
        let line_len = rest.find('\n').unwrap_or(rest.len());
        let next = pos + line_len + 1;
        let line = &rest[..line_len];
        let content = line.trim_end_matches('\r');
        if !first {
            let t = content.trim_start_matches([' ', '\t']);
            if t.is_empty() || t.starts_with('#') {
                pos = next;
                continue;
            }
        }
        first = false;
        let trimmed = content.trim_end_matches([' ', '\t']);
        // BuildKit: an escape at the end continues the line unless an escape precedes it.
        let (keep, continues) = match trimmed.strip_suffix(escape) {
            Some(k) if !k.ends_with(escape) => (k.len(), true),
            _ => (content.len(), false),
        };
        out.push_str(&content[..keep]);
        map.extend(pos..pos + keep);
        if !continues {
            break;
        }
        pos = next;
    }
    let end = map.last().map_or(span.start, |&l| l + 1);
    map.push(end);
    Unfolded { text: out, map }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lines_and_drops_comments() {
        let src = "RUN a \\\n  # note\n\n  && b";
        let u = unfold(src, 4..src.len(), '\\');
        assert_eq!(u.text, "a   && b");
        let b = u.text.find('b').unwrap();
        assert_eq!(&src[u.source_range(b..b + 1)], "b");
    }

    #[test]
    fn backtick_escape() {
        let src = "RUN a `\n b";
        let u = unfold(src, 4..src.len(), '`');
        assert_eq!(u.text, "a  b");
    }
}
