//! RUN heredocs that the parser crate does not read: one that is not the command's first word
//! (`RUN python3 <<EOF`, `RUN cat <<EOF > /etc/app.conf`) and a second one in the same RUN.
//! BuildKit finds heredocs by word anywhere in the instruction's line, so such files build; the
//! crate would read their bodies as instructions. Here they are found as BuildKit finds them,
//! hidden from the crate (markers blanked, body lines turned into comments, byte for byte the
//! same length), and put back into the parsed instruction.

use std::ops::Range;

/// A RUN whose heredocs the crate is not to see.
#[derive(Debug)]
pub(super) struct TakenRun {
    /// Offset of the `RUN` keyword.
    pub keyword: usize,
    /// Offsets of each marker's `<<`.
    pub markers: Vec<usize>,
    /// Each heredoc's content, without its terminator line.
    pub bodies: Vec<Range<usize>>,
    /// From the start of the first body line to the end of the last terminator line (its line
    /// break excluded).
    pub tail: Range<usize>,
}

/// A heredoc marker of the line: where its `<<` is, its delimiter, and whether it strips tabs.
#[derive(Debug, PartialEq)]
struct Marker {
    at: usize,
    delimiter: String,
    strip_tabs: bool,
}

/// The words of `line` as BuildKit's heredoc search splits them (quotes and backslash escapes
/// kept in the word), with their offsets.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.char_indices();
    while let Some((k, c)) = chars.next() {
        match (quote, c) {
            (None, ' ' | '\t') => {
                if let Some(s) = start.take() {
                    out.push((s, &line[s..k]));
                }
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => {
                chars.next();
            }
            _ => {}
        }
        start.get_or_insert(k);
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// The marker a word is (`<<EOF`, `<<-EOF`, `3<<'EOF'`), as BuildKit's `^(\d*)<<(-?)([^<]*)$`
/// with a delimiter that is one word once its quotes are removed.
fn marker(at: usize, word: &str) -> Option<Marker> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = word[digits..].strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let mut delimiter = String::new();
    let mut quote: Option<char> = None;
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (Some('\''), _) => delimiter.push(c),
            (_, '\\') => delimiter.extend(chars.next()),
            _ => delimiter.push(c),
        }
    }
    (!delimiter.is_empty()).then(|| Marker {
        at: at + digits,
        delimiter,
        strip_tabs,
    })
}

/// The RUNs of `text` (the text the crate parses) whose heredocs it would not read.
pub(super) fn taken_runs(text: &str, escape: char) -> Vec<TakenRun> {
    // Most files have no heredoc at all.
    if !text.contains("<<") {
        return Vec::new();
    }
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut pos = 0;
    for l in text.split_inclusive('\n') {
        lines.push((pos, l.trim_end_matches('\n').trim_end_matches('\r')));
        pos += l.len();
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let (start, line) = lines[k];
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            k += 1;
            continue;
        }
        // The logical line: continuation lines (comment and blank lines inside are skipped).
        let mut last = k;
        while lines[last].1.trim_end().ends_with(escape) && last + 1 < lines.len() {
            last += 1;
            while last + 1 < lines.len() && {
                let n = lines[last].1.trim_start();
                n.is_empty() || n.starts_with('#')
            } {
                last += 1;
            }
        }
        let mut head = t.split_whitespace();
        let keyword = head.next().unwrap_or("").to_ascii_uppercase();
        let keyword = if keyword == "ONBUILD" {
            head.next().unwrap_or("").to_ascii_uppercase()
        } else {
            keyword
        };
        if !matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            k = last + 1;
            continue;
        }
        let mut markers = Vec::new();
        for (from, l) in &lines[k..=last] {
            markers.extend(
                words(l)
                    .into_iter()
                    .filter_map(|(at, w)| marker(from + at, w)),
            );
        }
        // Skip the bodies, in order, as BuildKit reads them.
        let mut next = last + 1;
        let mut bodies = Vec::new();
        let mut all_found = true;
        for m in &markers {
            let end = (next..lines.len()).find(|&j| {
                let l = lines[j].1;
                let l = if m.strip_tabs {
                    l.trim_start_matches('\t')
                } else {
                    l
                };
                l == m.delimiter
            });
            let Some(end) = end else {
                // No terminator: the crate reports it.
                all_found = false;
                break;
            };
            bodies.push(lines[next].0..lines[end].0);
            next = end + 1;
        }
        let run_keyword = start + (line.len() - t.len());
        let first_word = words(&text[run_keyword..start + line.len()])
            .into_iter()
            .skip(1)
            .find(|(_, w)| !w.starts_with("--"))
            .map(|(at, _)| run_keyword + at);
        let crate_reads = markers.len() == 1
            && first_word.is_some_and(|w| markers[0].at >= w && markers[0].at <= w + 1);
        if keyword == "RUN"
            && !t.to_ascii_uppercase().starts_with("ONBUILD")
            && last == k
            && !markers.is_empty()
            && all_found
            && !crate_reads
        {
            let end_line = lines[next - 1];
            out.push(TakenRun {
                keyword: run_keyword,
                markers: markers.iter().map(|m| m.at).collect(),
                bodies,
                tail: lines[last + 1].0..end_line.0 + end_line.1.len(),
            });
        }
        k = if all_found { next } else { last + 1 };
    }
    out
}

/// `view` with the taken RUNs hidden from the crate: markers blanked, the lines of their bodies
/// and terminators made comments (the same length, byte for byte).
pub(super) fn hide(view: &mut String, taken: &[TakenRun]) {
    for run in taken {
        for &m in &run.markers {
            view.replace_range(m..m + 2, "  ");
        }
        let mut pos = run.tail.start;
        while pos < run.tail.end {
            let line_end = view[pos..].find('\n').map_or(view.len(), |p| pos + p);
            if let Some(c) = view[pos..line_end].chars().next() {
                let pad = " ".repeat(c.len_utf8() - 1);
                view.replace_range(pos..pos + c.len_utf8(), &format!("#{pad}"));
            }
            pos = line_end + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markers_as_buildkit_does() {
        let m = |w: &str| marker(0, w).map(|m| (m.delimiter, m.strip_tabs));
        assert_eq!(m("<<EOF"), Some(("EOF".into(), false)));
        assert_eq!(m("<<-'EOT'"), Some(("EOT".into(), true)));
        assert_eq!(m("3<<X"), Some(("X".into(), false)));
        assert_eq!(m("eo'f'"), None);
        assert_eq!(m("<<eo\\'f"), Some(("eo'f".into(), false)));
        assert_eq!(m("<<"), None);
        assert_eq!(m("<<<word"), None);
        let ws: Vec<&str> = words("python3 '<<a b' <<EOF")
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(ws, ["python3", "'<<a b'", "<<EOF"]);
    }

    #[test]
    fn takes_the_runs_the_crate_does_not_read() {
        let text = "FROM x\nRUN python3 <<EOF\nprint(1)\nEOF\nRUN <<A cat && <<B sh\na\nA\nb\nB\nRUN <<C\nRUN python3 <<D\nC\n";
        let taken = taken_runs(text, '\\');
        assert_eq!(taken.len(), 2, "{taken:?}");
        assert_eq!(&text[taken[0].bodies[0].clone()], "print(1)\n");
        assert_eq!(&text[taken[1].bodies[1].clone()], "b\n");
        // The crate reads `RUN <<C`, and the line in its body is no instruction.
    }
}
