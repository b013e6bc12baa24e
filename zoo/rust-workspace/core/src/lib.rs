//! stats-core: summary statistics over a list of numbers, and the query parsing the server uses.

#[derive(Debug, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub median: f64,
}

pub fn summarize(xs: &[f64]) -> Option<Summary> {
    if xs.is_empty() {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some(Summary {
        n,
        min: sorted[0],
        max: sorted[n - 1],
        mean: sorted.iter().sum::<f64>() / n as f64,
        median,
    })
}

/// Parses "1,2.5,3" (the `xs` query parameter) into numbers.
pub fn parse_list(s: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .map_err(|_| format!("not a number: {p:?}"))
        })
        .collect()
}

impl Summary {
    pub fn to_json(&self) -> String {
        format!(
            "{{\"n\":{},\"min\":{},\"max\":{},\"mean\":{},\"median\":{}}}",
            self.n, self.min, self.max, self.mean, self.median
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_list() {
        assert_eq!(summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap().median, 2.5);
    }
}
