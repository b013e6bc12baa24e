//! Positions as the editor counts them, and the edits that turn one text into another.

use lsp_types::{Position, Range, TextEdit};

/// How the editor counts a position's character: UTF-16 code units (the protocol's default,
/// which every client speaks) or bytes, when the client offers UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// A text with its line starts, to turn byte offsets into positions and back.
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines {
            text,
            starts,
            encoding,
        }
    }

    /// The text of 0-based `line` without its line break (`""` past the end).
    fn line(&self, line: usize) -> (usize, &'t str) {
        let Some(&start) = self.starts.get(line) else {
            return (self.text.len(), "");
        };
        let end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text[start..end]
            .trim_end_matches('\n')
            .trim_end_matches('\r');
        (start, text)
    }

    /// The position of a byte offset (clamped to the text, and to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let before = &self.text[self.starts[line]..offset];
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of a position; a character past the line's end means its end, a line
    /// past the text's end the text's end (as the protocol says).
    pub fn offset(&self, position: Position) -> usize {
        let (start, line) = self.line(position.line as usize);
        let wanted = position.character as usize;
        let mut counted = 0;
        for (k, c) in line.char_indices() {
            if counted >= wanted {
                return start + k;
            }
            counted += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len()
    }

    /// 1-based `line`, without its leading and trailing blanks (the whole line when blank).
    pub fn trimmed_line(&self, line: usize) -> Range {
        let (start, text) = self.line(line.saturating_sub(1));
        let lead = text.len() - text.trim_start().len();
        let end = start + text.trim_end().len();
        if end <= start + lead {
            return Range::new(self.position(start), self.position(start + text.len()));
        }
        Range::new(self.position(start + lead), self.position(end))
    }

    pub fn range(&self, span: std::ops::Range<usize>) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The edits that turn `old` into `new`: one per run of changed lines (a line diff), so that
/// the editor keeps its cursor, folds and marks everywhere else.
pub fn edits(old: &str, new: &str, encoding: Encoding) -> Vec<TextEdit> {
    if old == new {
        return Vec::new();
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let offsets = |lines: &[&str]| {
        let mut at = vec![0];
        at.extend(lines.iter().scan(0, |sum, l| {
            *sum += l.len();
            Some(*sum)
        }));
        at
    };
    let (old_at, new_at) = (offsets(&old_lines), offsets(&new_lines));
    let index = Lines::new(old, encoding);
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_lines, &new_lines);
    // Adjacent changes (a deletion beside an insertion) become one edit.
    let mut changed: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            continue;
        }
        match changed.last_mut() {
            Some((lo, ln)) if lo.end == o.start && ln.end == n.start => {
                lo.end = o.end;
                ln.end = n.end;
            }
            _ => changed.push((o, n)),
        }
    }
    let edits: Vec<TextEdit> = changed
        .into_iter()
        .map(|(o, n)| TextEdit {
            range: index.range(old_at[o.start]..old_at[o.end]),
            new_text: new[new_at[n.start]..new_at[n.end]].to_string(),
        })
        .collect();
    // Checked before it is sent: should the edits not give `new` exactly, one edit replacing
    // the whole text does.
    if apply(old, &edits, encoding) == new {
        return edits;
    }
    vec![TextEdit {
        range: index.range(0..old.len()),
        new_text: new.to_string(),
    }]
}

/// `edits` applied to `text` (positions in `encoding`), as an editor applies them: each range
/// refers to the text before any edit.
pub fn apply(text: &str, edits: &[TextEdit], encoding: Encoding) -> String {
    let index = Lines::new(text, encoding);
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                index.offset(e.range.start),
                index.offset(e.range.end),
                e.new_text.as_str(),
            )
        })
        .collect();
    spans.sort_by_key(|&(start, end, _)| (start, end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, new_text) in spans {
        out.push_str(&text[at..start.max(at)]);
        out.push_str(new_text);
        at = end.max(at);
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_or_bytes() {
        let text = "FROM a\nRUN echo \"é😀\" x\r\nCMD y";
        let lines = Lines::new(text, Encoding::Utf16);
        let x = text.find(" x").unwrap() + 1;
        assert_eq!(lines.position(x), Position::new(1, 15));
        assert_eq!(lines.offset(Position::new(1, 15)), x);
        let bytes = Lines::new(text, Encoding::Utf8);
        assert_eq!(bytes.position(x), Position::new(1, 18));
        assert_eq!(bytes.offset(Position::new(1, 18)), x);
        // Past the line's end: its end, before the CRLF.
        assert_eq!(
            lines.offset(Position::new(1, 99)),
            text.find("\r\n").unwrap()
        );
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
        assert_eq!(
            lines.trimmed_line(3),
            lines.range(text.len() - 5..text.len())
        );
    }

    #[test]
    fn edits_touch_only_changed_lines_and_apply_back() {
        let old = "FROM a\nRUN x\nRUN y\n# keep\nCMD z";
        let new = "FROM a\nRUN x && y\n# keep\nCMD [\"z\"]\n";
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let e = edits(old, new, encoding);
            assert_eq!(e.len(), 2, "{e:?}");
            assert_eq!(e[0].range.start, Position::new(1, 0));
            assert_eq!(e[0].range.end, Position::new(3, 0));
            assert_eq!(apply(old, &e, encoding), new);
        }
        assert!(edits(old, old, Encoding::Utf16).is_empty());
    }
}
