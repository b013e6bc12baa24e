//! Lookups in the dated tables kept as sorted text (`official_images.tsv`,
//! `runtime_packages.tsv`): a binary search over the text itself, so that a run reads only the
//! lines it asks for (building a row list first cost a scan of every table in every run).

/// The rows of `table` (tab-separated lines sorted byte-wise, after `#` comment lines) whose
/// first `columns` columns are `key` (those columns joined by tabs).
pub fn rows<'t>(table: &'t str, key: &str, columns: usize) -> impl Iterator<Item = &'t str> {
    let data = data_of(table);
    let row_key = move |line: &'t str| -> &'t str {
        let line = line.trim_end_matches('\n');
        match line.match_indices('\t').nth(columns.saturating_sub(1)) {
            Some((i, _)) => &line[..i],
            None => line,
        }
    };
    // The first line whose key is not below `key`.
    let (mut lo, mut hi) = (0, data.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = data[lo..mid].rfind('\n').map_or(lo, |p| lo + p + 1);
        let next = data[start..]
            .find('\n')
            .map_or(data.len(), |p| start + p + 1);
        if row_key(&data[start..next]) < key {
            lo = next;
        } else {
            hi = start;
        }
    }
    let key = key.to_string();
    data[lo..].lines().take_while(move |l| row_key(l) == key)
}

/// The table without its leading comment lines.
fn data_of(table: &str) -> &str {
    let mut at = 0;
    for line in table.split_inclusive('\n') {
        if !line.starts_with('#') {
            break;
        }
        at += line.len();
    }
    &table[at..]
}

#[cfg(test)]
mod tests {
    use super::rows;

    #[test]
    fn finds_every_row_of_a_key_and_nothing_else() {
        let table = "# head\n# more\na\t1\tx\na\t2\ty\nab\t1\tz\nb\t1\tw\nb\t1\tv\nc\t3\tu\n";
        let got = |k: &str, n| rows(table, k, n).collect::<Vec<_>>();
        assert_eq!(got("a", 1), ["a\t1\tx", "a\t2\ty"]);
        assert_eq!(got("b\t1", 2), ["b\t1\tw", "b\t1\tv"]);
        assert_eq!(got("c", 1), ["c\t3\tu"]);
        assert!(got("aa", 1).is_empty() && got("d", 1).is_empty() && got("", 1).is_empty());
        assert!(got("a\t3", 2).is_empty());
    }

    /// Against a scan of the real tables: every key finds what a scan finds.
    #[test]
    fn agrees_with_a_scan_of_the_tables() {
        for (table, columns) in [
            (include_str!("official_images.tsv"), 2),
            (include_str!("runtime_packages.tsv"), 1),
        ] {
            let lines: Vec<&str> = table
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .collect();
            for (k, line) in lines.iter().enumerate().step_by(97) {
                let key: Vec<&str> = line.split('\t').take(columns).collect();
                let key = key.join("\t");
                let scanned: Vec<&str> = lines
                    .iter()
                    .copied()
                    .filter(|l| l.split('\t').take(columns).collect::<Vec<_>>().join("\t") == key)
                    .collect();
                assert_eq!(
                    rows(table, &key, columns).collect::<Vec<_>>(),
                    scanned,
                    "row {k}"
                );
            }
        }
    }
}
