//! `--format html`: one self-contained page (inline CSS and SVG, no script, nothing fetched) with
//! the scoreboard, size and rebuild-time charts, the layer chart, what changed inside each image,
//! each change's explanation (the pass docs) and the unified diff. Rendered with tera from
//! `page.html.tera`; every value is computed here and escaped by the template.

use serde::Serialize;

use super::history::{BuiltLayers, mb};
use super::imagediff::{self, ImageDiff};
use super::scoreboard::{Score, Weights, pct};
use super::{Measurement, Report, secs};

const TEMPLATE: &str = include_str!("page.html.tera");

/// A rewrite as the page shows it besides its measurement.
pub struct Variant {
    pub name: String,
    pub diff: String,
    pub changes: Vec<Change>,
}

/// One applied change and its pass's documentation.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub code: String,
    pub name: String,
    pub line: usize,
    pub message: String,
    pub docs: String,
}

/// The applied changes with the docs of their passes (`dockopt explain`).
pub fn changes(applied: &[dockopt::Applied]) -> Vec<Change> {
    applied
        .iter()
        .map(|a| Change {
            code: a.code.to_string(),
            name: a.name.to_string(),
            line: a.line,
            message: a.message.clone(),
            docs: dockopt::passes::lookup(a.code)
                .map(|p| p.meta().docs.trim().to_string())
                .unwrap_or_default(),
        })
        .collect()
}

#[derive(Serialize)]
struct ScoreRow {
    rank: String,
    name: String,
    score: String,
    size: String,
    security: String,
    rebuild: String,
    breakdown: String,
}

#[derive(Serialize)]
struct Scoreboard {
    weights: String,
    rows: Vec<ScoreRow>,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    value: String,
    label_y: u32,
    bar_y: u32,
    value_y: u32,
    width: f64,
    value_x: f64,
    color: &'static str,
}

#[derive(Serialize)]
struct Chart {
    title: String,
    height: u32,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct LayerView {
    line: usize,
    instruction: String,
    size: String,
    width: f64,
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct LayerSide {
    title: String,
    base: String,
    total: String,
    rows: Vec<LayerView>,
}

#[derive(Serialize)]
struct PathView {
    path: String,
    size: String,
    width: f64,
}

#[derive(Serialize)]
struct ImageView {
    verdict: Option<String>,
    verdict_class: &'static str,
    problems: Vec<String>,
    config: Vec<ConfigView>,
    packages_summary: String,
    removed: Vec<imagediff::RemovedPackage>,
    added: Vec<String>,
    files_summary: String,
    files: Vec<String>,
    removed_paths: Vec<PathView>,
}

#[derive(Serialize)]
struct ConfigView {
    field: String,
    before: String,
    after: String,
    allowed: Option<String>,
}

/// A config value as shown: JSON, or `(not set)`.
fn shown(v: &serde_json::Value) -> String {
    if v.is_null() {
        "(not set)".into()
    } else {
        v.to_string()
    }
}

#[derive(Serialize)]
struct DiffLine {
    class: &'static str,
    text: String,
}

#[derive(Serialize)]
struct VariantView {
    name: String,
    table: Vec<[String; 4]>,
    notes: Vec<String>,
    layers: Vec<LayerSide>,
    image: Option<ImageView>,
    changes: Vec<Change>,
    diff: Vec<DiffLine>,
}

#[derive(Serialize)]
struct Page {
    title: String,
    subtitle: String,
    scoreboard: Option<Scoreboard>,
    charts: Vec<Chart>,
    variants: Vec<VariantView>,
    version: &'static str,
}

/// A horizontal bar chart: one bar per (label, value, shown value, is the original).
fn chart(title: &str, rows: &[(String, f64, String, bool)]) -> Chart {
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(k, (label, v, shown, original))| {
            let top = 40 * k as u32;
            let width = if max > 0.0 { 300.0 * v / max } else { 0.0 };
            Bar {
                label: label.clone(),
                value: shown.clone(),
                label_y: top + 12,
                bar_y: top + 17,
                value_y: top + 28,
                width: (width * 10.0).round() / 10.0,
                value_x: ((width + 6.0) * 10.0).round() / 10.0,
                color: if *original { "#9a6700" } else { "#1a7f37" },
            }
        })
        .collect();
    Chart {
        title: title.to_string(),
        height: 40 * rows.len().max(1) as u32,
        bars,
    }
}

fn layer_side(title: &str, l: &BuiltLayers, max: u64) -> LayerSide {
    LayerSide {
        title: title.to_string(),
        base: format!("{} layers, {}", l.base_layers, mb(l.base_bytes)),
        total: mb(l.total_bytes),
        rows: l
            .rows
            .iter()
            .map(|r| LayerView {
                line: r.line,
                instruction: r.instruction.clone(),
                size: r.bytes.map_or("no layer".into(), mb),
                width: match r.bytes {
                    Some(b) if max > 0 => {
                        ((b as f64 / max as f64 * 1000.0).round() / 10.0).max(0.5)
                    }
                    _ => 0.0,
                },
                reasons: r.reasons.clone(),
            })
            .collect(),
    }
}

/// Both sides' layer charts, on one scale.
fn layer_sides(sides: &[(&str, &BuiltLayers)]) -> Vec<LayerSide> {
    let max = sides
        .iter()
        .flat_map(|(_, l)| l.rows.iter().filter_map(|r| r.bytes))
        .max()
        .unwrap_or(0);
    sides.iter().map(|(t, l)| layer_side(t, l, max)).collect()
}

fn image_view(d: &ImageDiff) -> ImageView {
    let (verdict, class) = match &d.problems {
        Some(p) if p.is_empty() => (
            Some(
                "verify: ok, the rewrite kept the packages, the config and the application files"
                    .to_string(),
            ),
            "ok",
        ),
        Some(_) => (
            Some("verify: FAILED, the rewrite changed what it must keep".to_string()),
            "bad",
        ),
        None => (None, ""),
    };
    let p = &d.packages;
    let f = &d.app_files;
    let max = d.removed_paths.iter().map(|r| r.bytes).max().unwrap_or(0);
    ImageView {
        verdict,
        verdict_class: class,
        problems: d.problems.clone().unwrap_or_default(),
        config: d
            .config
            .iter()
            .map(|c| ConfigView {
                field: c.field.clone(),
                before: shown(&c.before),
                after: shown(&c.after),
                allowed: c.allowed.clone(),
            })
            .collect(),
        packages_summary: format!(
            "{} → {} ({}); {} removed, {} added, {} with another version",
            p.count_before,
            p.count_after,
            p.database_before,
            p.removed.len(),
            p.added.len(),
            p.changed.len()
        ),
        removed: p.removed.clone(),
        added: p
            .added
            .iter()
            .map(|a| format!("{} {}", a.name, a.version))
            .chain(
                p.changed
                    .iter()
                    .map(|c| format!("{} {} → {}", c.name, c.before, c.after)),
            )
            .collect(),
        files_summary: if f.compared {
            f.summary()
        } else {
            "not compared: the original sets no WORKDIR".to_string()
        },
        files: f
            .added
            .iter()
            .map(|x| format!("+ {x}"))
            .chain(f.removed.iter().map(|x| format!("− {x}")))
            .chain(f.changed.iter().map(|x| format!("~ {x}")))
            .take(40)
            .collect(),
        removed_paths: d
            .removed_paths
            .iter()
            .map(|r| PathView {
                path: r.path.clone(),
                size: mb(r.bytes),
                width: if max > 0 {
                    (r.bytes as f64 / max as f64 * 1000.0).round() / 10.0
                } else {
                    0.0
                },
            })
            .collect(),
    }
}

fn diff_lines(diff: &str) -> Vec<DiffLine> {
    diff.lines()
        .map(|l| DiffLine {
            class: match dockopt::diff::LineKind::of(l) {
                dockopt::diff::LineKind::Added => "add",
                dockopt::diff::LineKind::Removed => "del",
                dockopt::diff::LineKind::Hunk => "hunk",
                dockopt::diff::LineKind::Header | dockopt::diff::LineKind::Context => "",
            },
            text: l.to_string(),
        })
        .collect()
}

fn measurement_table(b: &Measurement, a: &Measurement) -> Vec<[String; 4]> {
    let change = |x: f64, y: f64| {
        if x > 0.0 && y > 0.0 {
            pct(1.0 - y / x)
        } else {
            String::new()
        }
    };
    let smoke = |s: Option<bool>| match s {
        Some(true) => "ok".to_string(),
        Some(false) => "FAILED".to_string(),
        None => "-".to_string(),
    };
    vec![
        [
            "image size".into(),
            mb(b.size_bytes),
            mb(a.size_bytes),
            change(b.size_bytes as f64, a.size_bytes as f64),
        ],
        [
            "layers".into(),
            b.layers.to_string(),
            a.layers.to_string(),
            String::new(),
        ],
        [
            "cold build".into(),
            secs(b.cold_s),
            secs(a.cold_s),
            change(b.cold_s, a.cold_s),
        ],
        [
            "rebuild after edit".into(),
            secs(b.rebuild_s),
            secs(a.rebuild_s),
            change(b.rebuild_s, a.rebuild_s),
        ],
        ["user".into(), b.user.clone(), a.user.clone(), String::new()],
        [
            "smoke test".into(),
            smoke(b.smoke_ok),
            smoke(a.smoke_ok),
            String::new(),
        ],
    ]
}

fn render(page: &Page) -> Result<String, String> {
    let ctx = tera::Context::from_serialize(page).map_err(|e| format!("html: {e}"))?;
    tera::Tera::default()
        .render_str(TEMPLATE, &ctx, true)
        .map_err(|e| format!("html: {e}"))
}

/// The page of a measurement: the original against every rewrite.
pub fn measure_page(
    original: &str,
    reports: &[Report],
    variants: &[Variant],
    scores: &[Score],
    weights: Weights,
) -> Result<String, String> {
    let first = reports.first();
    let subtitle = first.map_or(String::new(), |r| {
        let mut s = format!("Built with {}", r.engine);
        if let Some(t) = &r.touched {
            s += &format!("; {t} edited between the cold build and the rebuild");
        }
        s
    });
    let scoreboard = (!scores.is_empty()).then(|| Scoreboard {
        weights: format!(
            "size {}, security {}, rebuild {}",
            weights.size, weights.security, weights.rebuild
        ),
        rows: scores
            .iter()
            .map(|s| ScoreRow {
                rank: s.rank.map_or("-".into(), |r| r.to_string()),
                name: s.name.clone(),
                score: s.total.map_or_else(
                    || s.unranked.clone().unwrap_or_default(),
                    |t| format!("{t:.1}"),
                ),
                size: pct(s.size_reduction),
                security: format!("{:.2}", s.security.score),
                rebuild: pct(s.rebuild_reduction),
                breakdown: format!(
                    "{}; {} packages; {}; caches {}",
                    if s.security.non_root {
                        "non-root"
                    } else {
                        "root"
                    },
                    s.security.packages.map_or("?".into(), |p| p.to_string()),
                    if s.security.secrets.is_empty() {
                        "no secret in a layer".to_string()
                    } else {
                        format!("secrets: {}", s.security.secrets.join(", "))
                    },
                    s.security.cache_bytes.map_or("?".into(), mb)
                ),
            })
            .collect(),
    });
    let mut charts = Vec::new();
    if let Some(r) = first {
        let mut sizes = vec![(
            original.to_string(),
            r.before.size_bytes as f64,
            mb(r.before.size_bytes),
            true,
        )];
        let mut rebuilds = vec![(
            original.to_string(),
            r.before.rebuild_s,
            secs(r.before.rebuild_s),
            true,
        )];
        for r in reports {
            sizes.push((
                r.name.clone(),
                r.after.size_bytes as f64,
                mb(r.after.size_bytes),
                false,
            ));
            rebuilds.push((
                r.name.clone(),
                r.after.rebuild_s,
                secs(r.after.rebuild_s),
                false,
            ));
        }
        charts.push(chart("Image size", &sizes));
        charts.push(chart("Rebuild after a source edit", &rebuilds));
    }
    let views = reports
        .iter()
        .zip(variants)
        .map(|(r, v)| {
            let mut notes = Vec::new();
            for (side, m) in [("before", &r.before), ("after", &r.after)] {
                if let Some(s) = &m.rebuild_slowest_step {
                    notes.push(format!(
                        "{side}: the rebuild waited longest for `{}` ({})",
                        s.instruction,
                        secs(s.seconds)
                    ));
                }
                for e in [&m.error, &m.smoke_error, &m.image_error]
                    .into_iter()
                    .flatten()
                {
                    notes.push(format!("{side}: {e}"));
                }
            }
            let layers = match (&r.before.layer_sizes, &r.after.layer_sizes) {
                (Some(b), Some(a)) => layer_sides(&[("before", b), ("after", a)]),
                _ => Vec::new(),
            };
            VariantView {
                name: v.name.clone(),
                table: measurement_table(&r.before, &r.after),
                notes,
                layers,
                image: r.image_diff.as_ref().map(image_view),
                changes: v.changes.clone(),
                diff: diff_lines(&v.diff),
            }
        })
        .collect();
    render(&Page {
        title: format!("dockopt measure: {original}"),
        subtitle,
        scoreboard,
        charts,
        variants: views,
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The page of `layers --build`: the layers of the file, and of its rewrite.
pub fn layers_page(
    name: &str,
    engine: &str,
    before: &BuiltLayers,
    after: Option<(&BuiltLayers, &Variant)>,
) -> Result<String, String> {
    let mut sides = vec![("before", before)];
    if let Some((a, _)) = after {
        sides.push(("after", a));
    }
    let view = VariantView {
        name: name.to_string(),
        table: Vec::new(),
        notes: Vec::new(),
        layers: layer_sides(&sides),
        image: None,
        changes: after.map(|(_, v)| v.changes.clone()).unwrap_or_default(),
        diff: after.map(|(_, v)| diff_lines(&v.diff)).unwrap_or_default(),
    };
    render(&Page {
        title: format!("dockopt layers --build: {name}"),
        subtitle: format!("Built with {engine}"),
        scoreboard: None,
        charts: Vec::new(),
        variants: vec![view],
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_self_contained_and_escapes_what_it_shows() {
        let m = |size| Measurement {
            built: true,
            size_bytes: size,
            rebuild_s: 2.0,
            user: "root".into(),
            ..Measurement::default()
        };
        let r = Report {
            name: "by-hand <b>".into(),
            engine: "buildah".into(),
            touched: Some("app.py".into()),
            before: m(837_000_000),
            after: m(159_400_000),
            size_ratio: None,
            rebuild_ratio: None,
            image_diff: Some(ImageDiff::default()),
        };
        let v = Variant {
            name: r.name.clone(),
            diff: "--- a\n+++ b\n-RUN a\n+RUN b && rm -rf /var/lib/apt/lists/*\n".into(),
            changes: Vec::new(),
        };
        let scores = super::super::scoreboard::rank(
            "Dockerfile",
            std::slice::from_ref(&r),
            Weights::default(),
        );
        let page = measure_page("Dockerfile", &[r], &[v], &scores, Weights::default()).unwrap();
        assert!(
            page.contains("837.0 MB") && page.contains("159.4 MB"),
            "{page}"
        );
        assert!(page.contains("by-hand &lt;b&gt;"), "{page}");
        assert!(!page.contains("<b>"), "unescaped");
        for external in ["http://", "https://", "<script", "<link", "@import", "url("] {
            assert!(!page.contains(external), "{external} in the page");
        }
    }
}
