//! Plain-text rendering of reports for a terminal: one row per metric, one
//! column per report (groups, then "all"), then the Lorenz points if any.

use crate::dataset::Report;
use crate::metrics::MetricValue;

/// Renders `(name, report)` columns as an aligned text table.
pub fn render(columns: &[(&str, &Report)]) -> String {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let Some((_, first)) = columns.first() else {
        return String::new();
    };
    let keys: Vec<&'static str> = first
        .metrics
        .entries()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let entries: Vec<Vec<(&'static str, MetricValue)>> =
        columns.iter().map(|(_, r)| entries(r)).collect();
    let mut all_keys = keys;
    if first.alignment.is_some() {
        all_keys.extend(["spearman", "misallocation"]);
    }
    for key in all_keys {
        let cells = entries
            .iter()
            .map(|e| {
                e.iter()
                    .find(|(k, _)| *k == key)
                    .map_or_else(|| "-".to_string(), |(_, v)| cell(v))
            })
            .collect();
        rows.push((key.to_string(), cells));
    }
    if let Some(Some(curve)) = &first.lorenz {
        for (i, [p, _]) in curve.iter().enumerate() {
            let cells = columns
                .iter()
                .map(|(_, r)| match &r.lorenz {
                    Some(Some(c)) => c
                        .get(i)
                        .map_or_else(|| "-".to_string(), |pt| format!("{:.6}", pt[1])),
                    _ => "n/a".to_string(),
                })
                .collect();
            rows.push((format!("lorenz L({p:.4})"), cells));
        }
    }

    let header: Vec<String> = columns.iter().map(|(k, _)| (*k).to_string()).collect();
    let key_width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let widths: Vec<usize> = (0..columns.len())
        .map(|c| {
            let h = if columns.len() == 1 {
                5
            } else {
                header[c].chars().count()
            };
            rows.iter()
                .filter_map(|(_, cells)| cells.get(c).map(|s: &String| s.chars().count()))
                .max()
                .unwrap_or(0)
                .max(h)
        })
        .collect();
    let mut out = String::new();
    let head: Vec<&str> = if columns.len() == 1 {
        vec!["value"]
    } else {
        header.iter().map(String::as_str).collect()
    };
    out.push_str(&format!("{:<key_width$}", "metric"));
    for (h, w) in head.iter().zip(&widths) {
        out.push_str(&format!("  {h:>w$}"));
    }
    out.push('\n');
    for (key, cells) in &rows {
        out.push_str(&format!("{key:<key_width$}"));
        for (c, w) in cells.iter().zip(&widths) {
            out.push_str(&format!("  {c:>w$}"));
        }
        out.push('\n');
    }
    out
}

fn entries(r: &Report) -> Vec<(&'static str, MetricValue)> {
    let mut e = r.metrics.entries();
    if let Some(a) = r.alignment {
        e.push(("spearman", a.spearman.into()));
        e.push(("misallocation", a.misallocation.into()));
    }
    e
}

fn cell(v: &MetricValue) -> String {
    match v {
        MetricValue::Count(n) => n.to_string(),
        MetricValue::Exact(d) => d.to_string(),
        MetricValue::Real(x) => format!("{x:.6}"),
        MetricValue::Null => "n/a".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{Dataset, DatasetOptions, RowInput};

    #[test]
    fn one_column_table() {
        let mut ds = Dataset::new(DatasetOptions {
            lorenz_segments: Some(2),
            ..DatasetOptions::default()
        });
        for v in ["0", "0", "0", "1"] {
            ds.push(RowInput {
                value: v.parse().unwrap_or(crate::Decimal::ZERO),
                weight: None,
                against: None,
                group: None,
            })
            .expect("fits");
        }
        let a = ds.analyze();
        let text = render(&a.columns());
        assert!(text.starts_with("metric"), "{text}");
        assert!(text.contains("\ngini "), "{text}");
        assert!(text.contains("0.750000"), "{text}");
        assert!(text.contains("theil_l"), "{text}");
        assert!(text.contains("n/a"), "{text}");
        assert!(text.contains("lorenz L(0.5000)"), "{text}");
    }
}
