//! Edits, fixes and their application (ruff's model).

use std::ops::Range;

use serde::Serialize;

/// How far a fix can be trusted. Ordered: `DisplayOnly < Unsafe < Safe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown as a suggestion; never applied.
    DisplayOnly,
    /// Applied with `--unsafe-fixes`: it may change what the image contains or does.
    Unsafe,
    /// Applied by default: it removes waste and nothing else.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace the bytes in `range` with `content` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    pub fn insert(at: usize, content: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            content: content.into(),
        }
    }
    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Self {
        Edit {
            range,
            content: content.into(),
        }
    }
    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            content: String::new(),
        }
    }

    /// Two edits of different fixes conflict when their ranges overlap or merely touch. Touching
    /// is enough: a merge that ends where another fix inserts "at the start of this RUN" would
    /// put the insertion after the merge's `&& `, in the middle of the shell command
    /// (`&& --mount=… pip install`), and the order of two insertions at one point would be a
    /// guess. The later fix waits a round and then sees the text the first one made.
    fn conflicts(&self, other: &Edit) -> bool {
        let (a, b) = (&self.range, &other.range);
        a.start <= b.end && b.start <= a.end
    }

    /// Within one fix the edits are made to fit together, so only a true overlap (or two
    /// insertions at one point, which `Fix::new` joins) is a mistake. The definition that
    /// `overlap_within` sweeps for (its test checks both agree).
    #[cfg(test)]
    fn overlaps(&self, other: &Edit) -> bool {
        let (a, b) = (&self.range, &other.range);
        a.start == b.start
            || (a.start < b.end && b.start < a.end)
            || (a.is_empty() && b.start < a.start && a.start < b.end)
            || (b.is_empty() && a.start < b.start && b.start < a.end)
    }
}

/// A set of edits that stand or fall together.
#[derive(Debug, Clone)]
pub struct Fix {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// Files the fix creates beside the Dockerfile (such as `.dockerignore`).
    pub files: Vec<NewFile>,
}

/// A file to create, relative to the build context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewFile {
    pub path: String,
    pub content: String,
}

impl Fix {
    /// Insertions at one point within a fix are joined in the order given, so that a fix may
    /// say "insert A here, then B right after it".
    pub fn new(applicability: Applicability, edits: Vec<Edit>) -> Self {
        let mut merged: Vec<Edit> = Vec::with_capacity(edits.len());
        for e in edits {
            let same_point = merged.iter_mut().find(|m| {
                m.range.is_empty() && e.range.is_empty() && m.range.start == e.range.start
            });
            match same_point {
                Some(m) => m.content.push_str(&e.content),
                None => merged.push(e),
            }
        }
        Fix {
            edits: merged,
            applicability,
            files: Vec::new(),
        }
    }
    /// A fix that only creates a file.
    pub fn create(applicability: Applicability, file: NewFile) -> Self {
        Fix {
            edits: Vec::new(),
            applicability,
            files: vec![file],
        }
    }
    pub fn safe(edits: Vec<Edit>) -> Self {
        Fix::new(Applicability::Safe, edits)
    }
}

/// Do two edits of one fix overlap ([`Edit::overlaps`])? Sorted by start, an edit overlaps an
/// earlier one exactly when it starts where that one starts or before the furthest end so far
/// (checking every pair made a fix of thousands of edits quadratic).
fn overlap_within(edits: &[Edit]) -> bool {
    let mut ranges: Vec<&Range<usize>> = edits.iter().map(|e| &e.range).collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut furthest_end = 0;
    for (k, r) in ranges.iter().enumerate() {
        if k > 0 && (r.start == ranges[k - 1].start || r.start < furthest_end) {
            return true;
        }
        furthest_end = furthest_end.max(r.end);
    }
    false
}

/// Applies the fixes that do not conflict with an earlier one (in source order) and returns the
/// new text with the indices of the fixes applied. The others wait for the next round.
pub fn apply(text: &str, fixes: &[&Fix]) -> (String, Vec<usize>) {
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&i| {
        fixes[i]
            .edits
            .iter()
            .map(|e| e.range.start)
            .min()
            .unwrap_or(0)
    });
    let mut taken: Vec<&Edit> = Vec::new();
    // The taken ranges, by (start, end): they never overlap, so their ends rise with their
    // starts, and the one starting last at or before an edit's end is the only one that can
    // touch it (a scan of every taken edit made a file with thousands of fixes quadratic).
    let mut spans: std::collections::BTreeSet<(usize, usize)> = std::collections::BTreeSet::new();
    let clashes_with_taken = |spans: &std::collections::BTreeSet<(usize, usize)>, e: &Edit| {
        spans
            .range(..=(e.range.end, usize::MAX))
            .next_back()
            .is_some_and(|&(start, end)| {
                e.conflicts(&Edit {
                    range: start..end,
                    content: String::new(),
                })
            })
    };
    let mut applied = Vec::new();
    for i in order {
        let fix = fixes[i];
        let clash =
            fix.edits.iter().any(|e| clashes_with_taken(&spans, e)) || overlap_within(&fix.edits);
        if clash || fix.edits.is_empty() {
            continue;
        }
        spans.extend(fix.edits.iter().map(|e| (e.range.start, e.range.end)));
        taken.extend(fix.edits.iter());
        applied.push(i);
    }
    taken.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0;
    for e in taken {
        out.push_str(&text[last..e.range.start]);
        out.push_str(&e.content);
        last = e.range.end;
    }
    out.push_str(&text[last..]);
    applied.sort_unstable();
    (out, applied)
}

#[cfg(test)]
mod tests {
    /// The sweep finds an overlap exactly when some pair of edits overlaps: every set of up to
    /// three edits over positions 0..4 (empty ones included).
    #[test]
    fn overlap_within_agrees_with_every_pair() {
        let mut ranges = Vec::new();
        for a in 0..4 {
            for b in a..4 {
                ranges.push(a..b);
            }
        }
        let edit = |r: &Range<usize>| Edit::replace(r.clone(), "x");
        for x in &ranges {
            for y in &ranges {
                for z in &ranges {
                    for set in [
                        vec![edit(x)],
                        vec![edit(x), edit(y)],
                        vec![edit(x), edit(y), edit(z)],
                    ] {
                        let pairwise =
                            (0..set.len()).any(|k| set[..k].iter().any(|o| set[k].overlaps(o)));
                        assert_eq!(overlap_within(&set), pairwise, "{set:?}");
                    }
                }
            }
        }
    }

    use super::*;

    #[test]
    fn overlapping_fix_waits() {
        let a = Fix::safe(vec![Edit::replace(0..3, "xyz")]);
        let b = Fix::safe(vec![Edit::replace(2..4, "Q")]);
        let c = Fix::safe(vec![Edit::insert(5, "!")]);
        let (out, applied) = apply("abcdef", &[&a, &b, &c]);
        assert_eq!(out, "xyzdef".replacen("def", "de!f", 1));
        assert_eq!(applied, vec![0, 2]);
    }

    #[test]
    fn an_insertion_where_another_fix_ends_waits() {
        // A merge replacing "\nRUN " and an insertion at the start of the second RUN's body.
        let text = "RUN a\nRUN b\n";
        let merge = Fix::safe(vec![Edit::replace(5..10, " && ")]);
        let mount = Fix::safe(vec![Edit::insert(10, "--mount=x ")]);
        let (out, applied) = apply(text, &[&merge, &mount]);
        assert_eq!(out, "RUN a && b\n");
        assert_eq!(applied, vec![0]);
        // Nor does a replacement that begins where another ends go with it.
        let next = Fix::safe(vec![Edit::replace(10..11, "c")]);
        assert_eq!(apply(text, &[&merge, &next]).1, vec![0]);
    }

    #[test]
    fn edits_of_one_fix_may_touch() {
        let fix = Fix::safe(vec![Edit::replace(0..1, "X"), Edit::insert(1, "Y")]);
        assert_eq!(apply("ab", &[&fix]), ("XYb".to_string(), vec![0]));
    }

    #[test]
    fn two_inserts_at_one_point_conflict() {
        let a = Fix::safe(vec![Edit::insert(1, "A")]);
        let b = Fix::safe(vec![Edit::insert(1, "B")]);
        let (out, applied) = apply("xy", &[&a, &b]);
        assert_eq!(out, "xAy");
        assert_eq!(applied, vec![0]);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Text plus non-overlapping edits at distinct positions, each as its own fix.
    fn text_and_edits() -> impl Strategy<Value = (String, Vec<Edit>)> {
        "[ -~\n]{0,200}"
            .prop_flat_map(|text| {
                let n = text.len();
                let cuts = proptest::collection::btree_set(0..=n, 0..12);
                (
                    Just(text),
                    cuts,
                    proptest::collection::vec("[a-z\n]{0,6}", 12),
                )
            })
            .prop_map(|(text, cuts, contents)| {
                let cuts: Vec<usize> = cuts.into_iter().collect();
                // Pairs of cut points become replaced ranges; a lone last cut is an insertion.
                let mut edits = Vec::new();
                let mut k = 0;
                while k < cuts.len() {
                    let start = cuts[k];
                    let end = if k + 1 < cuts.len() && k % 3 != 2 {
                        cuts[k + 1]
                    } else {
                        start
                    };
                    edits.push(Edit {
                        range: start..end,
                        content: contents[k % contents.len()].clone(),
                    });
                    k += if end == start { 1 } else { 2 };
                }
                (text, edits)
            })
    }

    proptest! {
        #[test]
        fn bytes_outside_edits_are_kept((text, edits) in text_and_edits()) {
            let fixes: Vec<Fix> = edits.iter().map(|e| Fix::safe(vec![e.clone()])).collect();
            let refs: Vec<&Fix> = fixes.iter().collect();
            let (out, applied) = apply(&text, &refs);
            prop_assert_eq!(applied.len(), fixes.len());
            // Rebuild the expected text by hand: untouched gaps in order, edits in between.
            let mut expected = String::new();
            let mut last = 0;
            for e in &edits {
                expected.push_str(&text[last..e.range.start]);
                expected.push_str(&e.content);
                last = e.range.end;
            }
            expected.push_str(&text[last..]);
            prop_assert_eq!(out, expected);
        }

        #[test]
        fn order_of_fixes_does_not_matter((text, edits) in text_and_edits(), seed in any::<u64>()) {
            let fixes: Vec<Fix> = edits.iter().map(|e| Fix::safe(vec![e.clone()])).collect();
            let mut shuffled: Vec<&Fix> = fixes.iter().collect();
            // A cheap deterministic shuffle from the seed.
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let in_order: Vec<&Fix> = fixes.iter().collect();
            prop_assert_eq!(apply(&text, &in_order).0, apply(&text, &shuffled).0);
        }
    }
}
