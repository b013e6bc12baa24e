//! The real layers of a built image next to the instructions that made them: the image's history
//! (one entry per instruction, `empty_layer` for metadata) matched from the end to the final
//! stage's instructions, each with the size of its layer and the facts that explain a size.

use serde::Serialize;

use super::image::Image;

#[derive(Debug, Clone, Serialize)]
pub struct LayerRow {
    /// The instruction's line in the Dockerfile.
    pub line: usize,
    pub instruction: String,
    /// The layer's size in bytes; none for a step that made no layer (metadata), or one the
    /// history does not show.
    pub bytes: Option<u64>,
    /// What a size is made of, when the layer shows it ("the apt lists stay in this layer: 38.2 MB").
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BuiltLayers {
    /// The base image's layers and their bytes (everything below the final stage's first step).
    pub base_layers: usize,
    pub base_bytes: u64,
    pub rows: Vec<LayerRow>,
    pub total_bytes: u64,
}

/// The keyword a history entry was made by: BuildKit writes `RUN /bin/sh -c … # buildkit`,
/// `COPY . /app # buildkit`, `ENV A=b`; buildah, podman and Docker's legacy builder write
/// `/bin/sh -c #(nop) ENV A=b` for metadata and COPY, and the shell command itself for RUN
/// (`|1 X=1 /bin/sh -c …` with build arguments).
pub fn keyword_of(created_by: &str) -> String {
    if let Some((_, rest)) = created_by.split_once("#(nop) ") {
        return rest
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
    }
    let first = created_by.split_whitespace().next().unwrap_or("");
    if !first.is_empty() && first.chars().all(|c| c.is_ascii_uppercase()) {
        return first.to_string();
    }
    "RUN".to_string()
}

/// Megabytes, or kilobytes below a tenth of one (a layer of a few files).
pub fn mb(bytes: u64) -> String {
    if bytes < 100_000 {
        format!("{:.1} kB", bytes as f64 / 1_000.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    }
}

/// Facts of the layer that explain its size: caches left in it, secrets it holds, files of
/// earlier layers it deletes (which does not make the image smaller). Small amounts are left out.
fn reasons(layer: &super::image::Layer) -> Vec<String> {
    const NOTABLE: u64 = 100_000;
    let mut out = Vec::new();
    for (label, bytes) in &layer.caches {
        if *bytes >= NOTABLE {
            let verb = if label.ends_with('s') {
                "stay"
            } else {
                "stays"
            };
            out.push(format!("{label} {verb} in this layer: {}", mb(*bytes)));
        }
    }
    for s in layer.secrets.iter().take(3) {
        out.push(format!("a secret-looking file stays in this layer: {s}"));
    }
    if layer.deletes_shipped_bytes >= NOTABLE {
        out.push(format!(
            "deletes {} that earlier layers still ship (a deletion in a later layer saves nothing)",
            mb(layer.deletes_shipped_bytes)
        ));
    }
    out
}

/// The final stage's instructions with the layers the image's history gives them.
pub fn built_layers(dockerfile: &str, image: &Image) -> BuiltLayers {
    let steps: Vec<dockopt::layers::Step> = dockopt::Document::parse(dockerfile)
        .map(|doc| {
            let all = dockopt::layers::analyse(&doc).steps;
            let last = all.iter().map(|s| s.stage).max().unwrap_or(0);
            all.into_iter()
                .filter(|s| s.stage == last && s.kind != "base")
                .collect()
        })
        .unwrap_or_default();
    let mut rows: Vec<LayerRow> = steps
        .iter()
        .map(|s| LayerRow {
            line: s.line,
            instruction: s.instruction.clone(),
            bytes: None,
            reasons: Vec::new(),
        })
        .collect();
    // From the end: each instruction takes the last unclaimed history entry of its keyword; an
    // instruction whose keyword does not match (an ARG BuildKit records nowhere) takes none.
    let mut j = image.history.len();
    let mut first_claimed = j;
    for (row, step) in rows.iter_mut().zip(&steps).rev() {
        let kw = step
            .instruction
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        if j == 0 {
            break;
        }
        let h = &image.history[j - 1];
        if keyword_of(&h.created_by) != kw {
            continue;
        }
        j -= 1;
        first_claimed = j;
        if let Some(k) = h.layer {
            let layer = &image.layers[k];
            row.bytes = Some(layer.bytes);
            row.reasons = reasons(layer);
        } else {
            row.bytes = None;
        }
    }
    let base: Vec<usize> = image.history[..first_claimed]
        .iter()
        .filter_map(|h| h.layer)
        .collect();
    BuiltLayers {
        base_layers: base.len(),
        base_bytes: base.iter().map(|&k| image.layers[k].bytes).sum(),
        total_bytes: image.layers.iter().map(|l| l.bytes).sum(),
        rows,
    }
}

/// A bar of `width` cells for `bytes` of `max`.
fn bar(bytes: u64, max: u64, width: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let cells = (bytes as f64 / max as f64 * width as f64).round() as usize;
    let cells = if bytes > 0 { cells.max(1) } else { 0 };
    "█".repeat(cells.min(width))
}

/// The two builds side by side, each in `width` columns (a wide terminal): lines cut to fit,
/// the bars narrower.
pub fn side_by_side(before: &BuiltLayers, after: &BuiltLayers, width: usize) -> String {
    let column = |l: &BuiltLayers| -> Vec<String> {
        let max = l.rows.iter().filter_map(|r| r.bytes).max().unwrap_or(0);
        let mut v = vec![
            format!("{:>4} {:>9} {:<12} instruction", "line", "size", "layer"),
            format!(
                "{:>4} {:>9} {:<12} base image ({} layers)",
                "",
                mb(l.base_bytes),
                "",
                l.base_layers
            ),
        ];
        for r in &l.rows {
            let (size, b) = match r.bytes {
                Some(bytes) => (mb(bytes), bar(bytes, max, 12)),
                None => ("-".to_string(), String::new()),
            };
            v.push(format!("{:>4} {size:>9} {b:<12} {}", r.line, r.instruction));
            for why in &r.reasons {
                v.push(format!("{:>4} {:>9} {:<12}   ↳ {why}", "", "", ""));
            }
        }
        v.push(format!("total {}", mb(l.total_bytes)));
        v
    };
    let (left, right) = (column(before), column(after));
    let fit = |s: &str| -> String {
        let cut = console::truncate_str(s, width, "…");
        console::pad_str(&cut, width, console::Alignment::Left, None).into_owned()
    };
    let mut out = String::new();
    for k in 0..left.len().max(right.len()) {
        let l = left.get(k).map_or("", String::as_str);
        let r = right.get(k).map_or("", String::as_str);
        out += format!("{} │ {}", fit(l), console::truncate_str(r, width, "…")).trim_end();
        out += "\n";
    }
    out
}

/// The terminal view of one build: one line per instruction, a bar per layer.
pub fn text(l: &BuiltLayers) -> String {
    let max = l.rows.iter().filter_map(|r| r.bytes).max().unwrap_or(0);
    let mut out = format!(
        "{:>5}  {:>10}  {:<24}  instruction\n",
        "line", "size", "layer"
    );
    out += &format!(
        "{:>5}  {:>10}  {:<24}  base image ({} layers)\n",
        "",
        mb(l.base_bytes),
        "",
        l.base_layers
    );
    for r in &l.rows {
        let (size, b) = match r.bytes {
            Some(bytes) => (mb(bytes), bar(bytes, max, 24)),
            None => ("-".to_string(), String::new()),
        };
        out += &format!(
            "{:>5}  {:>10}  {:<24}  {}\n",
            r.line, size, b, r.instruction
        );
        for why in &r.reasons {
            out += &format!("{:>5}  {:>10}  {:<24}    ↳ {why}\n", "", "", "");
        }
    }
    out += &format!("total {} in the image's layers\n", mb(l.total_bytes));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_by_side_columns_keep_their_width() {
        let l = |bytes: u64| BuiltLayers {
            base_layers: 1,
            base_bytes: 1_000_000,
            rows: vec![LayerRow {
                line: 2,
                instruction: "RUN apt-get update && apt-get install -y python3 python3-pip".into(),
                bytes: Some(bytes),
                reasons: vec!["the apt lists stay in this layer: 38.0 MB".into()],
            }],
            total_bytes: 1_000_000 + bytes,
        };
        let out = side_by_side(&l(50_000_000), &l(9_000_000), 40);
        for line in out.lines() {
            let (left, _) = line.split_once(" │ ").unwrap_or((line, ""));
            assert_eq!(console::measure_text_width(left), 40, "{line:?}");
        }
        assert!(out.contains("50.0 MB ████████████ RUN apt-get"), "{out}");
        assert!(out.contains("│    2    9.0 MB ████████████ RUN"), "{out}");
    }

    #[test]
    fn history_entries_name_their_instruction() {
        assert_eq!(
            keyword_of("/bin/sh -c #(nop) COPY file:32a in /app/ "),
            "COPY"
        );
        assert_eq!(keyword_of("|1 X=1 /bin/sh -c echo hi > /x"), "RUN");
        assert_eq!(
            keyword_of("RUN /bin/sh -c apt-get update # buildkit"),
            "RUN"
        );
        assert_eq!(keyword_of("WORKDIR /app"), "WORKDIR");
        assert_eq!(keyword_of("/bin/sh -c #(nop) ENV A=b"), "ENV");
    }
}
