//! The exercise's scoreboard: the original and each rewrite ranked by size reduction, security
//! and rebuild-time reduction, with configurable weights and each variant's breakdown.
//!
//! Each criterion is a number in [-1, 1] (size and rebuild: the reduction against the original,
//! `1 - after / before`, negative when it grew) or [0, 1] (security: the mean of four checks):
//! - runs as non-root: 1 when the image's user is not `root`/`0`, else 0;
//! - fewer packages: the fraction of the original's packages it does without (0 when more);
//! - no secret left in a layer: 1 when no layer holds a secret-looking file, else 0;
//! - no package-manager caches: 1 when no layer holds one, else the fraction of the original's
//!   cache bytes it does without.
//!
//! The score is `100 × Σ weight × criterion / Σ weights`. A variant that did not build, or whose
//! smoke test failed, is listed without a rank.

use serde::Serialize;

use super::{Measurement, Report};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub size: f64,
    pub security: f64,
    pub rebuild: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            size: 1.0,
            security: 1.0,
            rebuild: 1.0,
        }
    }
}

/// `size=2,security=1,rebuild=1` (any subset; the others stay 1).
pub fn parse_weights(s: &str) -> Result<Weights, String> {
    let mut w = Weights::default();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}`: expected NAME=NUMBER"))?;
        let v: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("`{part}`: the weight must be a number ≥ 0"))?;
        match k.trim() {
            "size" => w.size = v,
            "security" => w.security = v,
            "rebuild" => w.rebuild = v,
            other => {
                return Err(format!(
                    "`{other}`: the criteria are size, security, rebuild"
                ));
            }
        }
    }
    if w.size + w.security + w.rebuild <= 0.0 {
        return Err("at least one weight must be above 0".into());
    }
    Ok(w)
}

#[derive(Debug, Clone, Serialize)]
pub struct Security {
    pub non_root: bool,
    /// Packages the variant has, and the original's.
    pub packages: Option<usize>,
    pub fewer_packages: f64,
    pub secrets: Vec<String>,
    pub cache_bytes: Option<u64>,
    pub no_caches: f64,
    /// The mean of the four checks.
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub name: String,
    /// 1 for the best; none when it did not build or its smoke test failed.
    pub rank: Option<usize>,
    pub total: Option<f64>,
    pub size_reduction: f64,
    pub rebuild_reduction: f64,
    pub security: Security,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unranked: Option<String>,
}

fn reduction(before: f64, after: f64) -> f64 {
    if before > 0.0 && after > 0.0 {
        (1.0 - after / before).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

fn security(m: &Measurement, original: &Measurement) -> Security {
    let non_root = !matches!(m.user.split(':').next().unwrap_or(""), "root" | "0" | "");
    let facts = m.facts.as_ref();
    let orig = original.facts.as_ref();
    let fewer_packages = match (facts, orig) {
        (Some(f), Some(o)) if o.packages > 0 => {
            ((o.packages as f64 - f.packages as f64) / o.packages as f64).clamp(0.0, 1.0)
        }
        _ => 0.0,
    };
    let no_caches = match (facts, orig) {
        (Some(f), _) if f.cache_bytes == 0 => 1.0,
        (Some(f), Some(o)) if o.cache_bytes > 0 => {
            (1.0 - f.cache_bytes as f64 / o.cache_bytes as f64).clamp(0.0, 1.0)
        }
        _ => 0.0,
    };
    let secrets = facts.map(|f| f.secrets.clone()).unwrap_or_default();
    let no_secrets = if facts.is_some() && secrets.is_empty() {
        1.0
    } else {
        0.0
    };
    Security {
        non_root,
        packages: facts.map(|f| f.packages),
        fewer_packages,
        cache_bytes: facts.map(|f| f.cache_bytes),
        no_caches,
        score: (f64::from(u8::from(non_root)) + fewer_packages + no_secrets + no_caches) / 4.0,
        secrets,
    }
}

fn score(name: &str, m: &Measurement, original: &Measurement, w: Weights) -> Score {
    let size_reduction = reduction(original.size_bytes as f64, m.size_bytes as f64);
    let rebuild_reduction = reduction(original.rebuild_s, m.rebuild_s);
    let security = security(m, original);
    let unranked = if !m.built {
        Some("did not build".to_string())
    } else if m.smoke_ok == Some(false) {
        Some("smoke test failed".to_string())
    } else {
        None
    };
    let total = unranked.is_none().then(|| {
        100.0
            * (w.size * size_reduction
                + w.security * security.score
                + w.rebuild * rebuild_reduction)
            / (w.size + w.security + w.rebuild)
    });
    Score {
        name: name.to_string(),
        rank: None,
        total,
        size_reduction,
        rebuild_reduction,
        security,
        unranked,
    }
}

/// The original (named `original_name`) and every rewrite, best first.
pub fn rank(original_name: &str, reports: &[Report], w: Weights) -> Vec<Score> {
    let Some(first) = reports.first() else {
        return Vec::new();
    };
    let original = &first.before;
    let mut scores = vec![score(original_name, original, original, w)];
    scores.extend(
        reports
            .iter()
            .map(|r| score(&r.name, &r.after, original, w)),
    );
    scores.sort_by(|a, b| match (a.total, b.total) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    for (k, s) in scores.iter_mut().filter(|s| s.total.is_some()).enumerate() {
        s.rank = Some(k + 1);
    }
    scores
}

/// A reduction as the change it is: 0.25 → `-25 %`.
pub(super) fn pct(x: f64) -> String {
    let p = (-x * 100.0).round();
    if p == 0.0 {
        "0 %".into()
    } else {
        format!("{p:+} %")
    }
}

/// The scoreboard as text.
pub fn text(scores: &[Score], w: Weights) -> String {
    let mut out = format!(
        "\nscoreboard (weights: size {}, security {}, rebuild {}):\n",
        w.size, w.security, w.rebuild
    );
    out += &format!(
        "{:<5} {:<28} {:>6} {:>8} {:>9} {:>9}\n",
        "rank", "variant", "score", "size", "security", "rebuild"
    );
    for s in scores {
        let rank = s.rank.map_or("-".to_string(), |r| r.to_string());
        let total = s.total.map_or("-".to_string(), |t| format!("{t:.1}"));
        out += &format!(
            "{:<5} {:<28} {:>6} {:>8} {:>9.2} {:>9}{}\n",
            rank,
            super::shorten(&s.name, 28),
            total,
            pct(s.size_reduction),
            s.security.score,
            pct(s.rebuild_reduction),
            s.unranked
                .as_ref()
                .map_or(String::new(), |u| format!("  ({u})"))
        );
        let sec = &s.security;
        out += &format!(
            "      security: {}; {} packages{}; {}; caches {}\n",
            if sec.non_root {
                "non-root"
            } else {
                "runs as root"
            },
            sec.packages.map_or("?".into(), |p| p.to_string()),
            if sec.fewer_packages > 0.0 {
                format!(" ({} of the original's)", pct(sec.fewer_packages))
            } else {
                String::new()
            },
            if sec.secrets.is_empty() {
                "no secret in a layer".to_string()
            } else {
                format!("secrets in a layer: {}", sec.secrets.join(", "))
            },
            sec.cache_bytes.map_or("?".into(), super::history::mb),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::ImageFacts;

    fn m(size: u64, rebuild: f64, user: &str, packages: usize, cache: u64) -> Measurement {
        Measurement {
            built: true,
            size_bytes: size,
            rebuild_s: rebuild,
            user: user.into(),
            facts: Some(ImageFacts {
                packages,
                package_db: "dpkg".into(),
                cache_bytes: cache,
                secrets: Vec::new(),
            }),
            ..Measurement::default()
        }
    }

    fn report(name: &str, before: &Measurement, after: Measurement) -> Report {
        Report {
            name: name.into(),
            engine: "buildah".into(),
            touched: None,
            before: before.clone(),
            after,
            size_ratio: None,
            rebuild_ratio: None,
            image_diff: None,
        }
    }

    #[test]
    fn variants_rank_by_the_weighted_criteria() {
        let original = m(800, 10.0, "root", 200, 40);
        let reports = [
            report("safe", &original, m(600, 10.0, "root", 200, 0)),
            report("by-hand", &original, m(200, 1.0, "app", 100, 0)),
            report("broken", &original, Measurement::default()),
        ];
        let s = rank("Dockerfile", &reports, Weights::default());
        let names: Vec<&str> = s.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["by-hand", "safe", "Dockerfile", "broken"]);
        let hand = &s[0];
        assert_eq!(hand.rank, Some(1));
        assert_eq!(hand.size_reduction, 0.75);
        assert_eq!(hand.rebuild_reduction, 0.9);
        // non-root 1, half the packages 0.5, no secret 1, no cache 1.
        assert_eq!(hand.security.score, 0.875);
        let total = hand.total.unwrap();
        assert!((total - 100.0 * (0.75 + 0.875 + 0.9) / 3.0).abs() < 1e-9);
        assert_eq!(s[3].rank, None);
        assert_eq!(s[3].unranked.as_deref(), Some("did not build"));
        // Size alone: the same order here, but the original's security no longer counts.
        let w = parse_weights("security=0,rebuild=0").unwrap();
        let s = rank("Dockerfile", &reports, w);
        assert_eq!(s[2].total, Some(0.0));
    }

    #[test]
    fn weights_are_checked() {
        assert_eq!(parse_weights("size=2").unwrap().size, 2.0);
        assert!(
            parse_weights("speed=1")
                .unwrap_err()
                .contains("size, security, rebuild")
        );
        assert!(parse_weights("size=-1").is_err());
        assert!(parse_weights("size=0,security=0,rebuild=0").is_err());
    }
}
