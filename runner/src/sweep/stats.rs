//! `points.csv`: per point, the mean of each summary metric over the
//! replications and its 95% Student-t confidence interval. Computed from
//! the final, sorted `runs.csv` alone (a point's rows are consecutive), so
//! a merged sweep gets byte-identical points, and only one point's values
//! are in memory at a time.

use std::path::Path;

use anyhow::{bail, Context, Result};
use mirage_analysis::schema;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::output::AtomicFile;

/// 97.5% quantile of Student's t with `df` degrees of freedom (the factor
/// of a two-sided 95% interval).
pub fn t975(df: u64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// Mean and 95% interval of `values` (in replication order): `None` with
/// no values; no interval with one value.
pub fn mean_ci(
    values: &[f64],
    t: &mut impl FnMut(u64) -> f64,
) -> Option<(f64, Option<(f64, f64)>)> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some((mean, None));
    }
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t(n as u64 - 1) * (var / n as f64).sqrt();
    Some((mean, Some((mean - half, mean + half))))
}

/// Reads the sorted `runs_csv` (with `axes` axis columns after the four
/// id columns, then the metrics, then the `warnings` column, which is not
/// a metric) and writes `target`, whose columns are `header`.
pub fn write_points(
    runs_csv: &Path,
    target: &Path,
    header: &[String],
    axes: usize,
    replications: u64,
) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(runs_csv)
        .with_context(|| format!("cannot read {}", runs_csv.display()))?;
    let metrics_at = 4 + axes;
    let headers = reader
        .headers()
        .with_context(|| format!("cannot read {}", runs_csv.display()))?;
    let warnings_last = headers.iter().next_back() == Some(schema::runs::WARNINGS.name);
    let columns = headers.len() - usize::from(warnings_last);
    if columns < metrics_at {
        bail!("{}: too few columns for a sweep's runs", runs_csv.display());
    }
    let metrics = columns - metrics_at;
    let mut file = AtomicFile::create(target)?;
    let mut out = csv::Writer::from_writer(file.writer());
    out.write_record(header)?;

    let mut quantiles: Vec<f64> = Vec::new();
    let mut t = |df: u64| {
        let i = df as usize;
        if quantiles.len() <= i {
            quantiles.extend((quantiles.len()..=i).map(|d| t975(d as u64)));
        }
        quantiles[i]
    };
    let mut current: Option<(u64, Vec<String>)> = None;
    let mut rows_of_point = 0u64;
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); metrics];
    let mut record = csv::StringRecord::new();
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    let mut flush = |point: u64,
                     axis_cells: &[String],
                     values: &mut [Vec<f64>],
                     count: u64,
                     out: &mut csv::Writer<_>|
     -> Result<()> {
        if count != replications {
            bail!(
                "{}: point {point} has {count} runs, expected {replications}",
                runs_csv.display()
            );
        }
        row.clear();
        row.push(point.to_string());
        row.extend(axis_cells.iter().cloned());
        for v in values.iter_mut() {
            match mean_ci(v, &mut t) {
                None => row.extend([String::new(), String::new(), String::new()]),
                Some((mean, None)) => row.extend([mean.to_string(), String::new(), String::new()]),
                Some((mean, Some((lo, hi)))) => {
                    row.extend([mean.to_string(), lo.to_string(), hi.to_string()])
                }
            }
            v.clear();
        }
        out.write_record(&row)?;
        Ok(())
    };
    while reader
        .read_record(&mut record)
        .with_context(|| format!("cannot read {}", runs_csv.display()))?
    {
        let line = record.position().map_or(0, |p| p.line());
        let point = record
            .get(1)
            .and_then(|s| s.parse::<u64>().ok())
            .with_context(|| format!("{}:{line}: no point id", runs_csv.display()))?;
        if current.as_ref().map(|(p, _)| *p) != Some(point) {
            if let Some((p, cells)) = current.take() {
                flush(p, &cells, &mut values, rows_of_point, &mut out)?;
            }
            let cells = (4..metrics_at)
                .map(|i| record.get(i).unwrap_or("").to_string())
                .collect();
            current = Some((point, cells));
            rows_of_point = 0;
        }
        rows_of_point += 1;
        for (m, v) in values.iter_mut().enumerate() {
            let cell = record.get(metrics_at + m).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            let x = cell.parse::<f64>().with_context(|| {
                format!("{}:{line}: `{cell}` is not a number", runs_csv.display())
            })?;
            v.push(x);
        }
    }
    if let Some((p, cells)) = current.take() {
        flush(p, &cells, &mut values, rows_of_point, &mut out)?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", target.display()))?;
    drop(out);
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        for (df, expected) in [
            (1, 12.706_2),
            (2, 4.302_7),
            (4, 2.776_4),
            (10, 2.228_1),
            (30, 2.042_3),
        ] {
            assert!((t975(df) - expected).abs() < 1e-3, "df {df}: {}", t975(df));
        }
    }

    #[test]
    fn mean_and_interval() {
        let mut t = t975;
        assert_eq!(mean_ci(&[], &mut t), None);
        assert_eq!(mean_ci(&[2.0], &mut t), Some((2.0, None)));
        let (mean, ci) = mean_ci(&[1.0, 2.0, 3.0], &mut t).expect("values");
        let (lo, hi) = ci.expect("interval");
        assert_eq!(mean, 2.0);
        // sd 1, n 3: half-width t(2) / sqrt(3).
        assert!((hi - 2.0 - 4.302_65 / 3f64.sqrt()).abs() < 1e-4);
        assert!((2.0 - lo - (hi - 2.0)).abs() < 1e-12);
        let (_, ci) = mean_ci(&[5.0, 5.0], &mut t).expect("values");
        assert_eq!(ci, Some((5.0, 5.0)));
    }
}
