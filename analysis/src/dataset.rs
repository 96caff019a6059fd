//! A table of exact decimal observations read row by row (a value column,
//! optionally a frequency weight, an `--against` column and a group), held
//! as integer mantissas at a common decimal scale (`u64` while everything
//! fits, `u128` otherwise), and its analysis into one [`Report`] overall and
//! one per group. Rows are stored once; analysis sorts them in place.

use std::collections::HashMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::alignment::{align_sorted, Alignment};
use crate::decimal::{pow10, Decimal};
use crate::metrics::{summarize_sorted, Metrics, Summary};
use crate::row::{Amount, GroupSlot, PairSlot, Paired, Row, WeightSlot};

/// The key of the overall report when rows are grouped.
pub const ALL_KEY: &str = "all";

/// Most distinct group values accepted: grouping is meant for roles and
/// cohorts, and every group costs a full report (about 1 kB of JSON).
pub const MAX_GROUPS: usize = 100_000;

/// What each row carries, fixed before the first row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatasetOptions {
    /// Rows carry a whole-number frequency weight.
    pub weighted: bool,
    /// Rows carry a second (contribution) column.
    pub against: bool,
    /// Rows carry a group key.
    pub grouped: bool,
    /// Add the Lorenz curve with this many segments (N + 1 points).
    pub lorenz_segments: Option<u32>,
}

/// One row to add; the optional parts must match [`DatasetOptions`].
#[derive(Debug, Clone, Copy)]
pub struct RowInput<'a> {
    pub value: Decimal,
    pub weight: Option<u64>,
    pub against: Option<Decimal>,
    pub group: Option<&'a str>,
}

/// Which of a row's numbers an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Value,
    Weight,
    Against,
    Group,
}

/// Why a row could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    #[error(
        "cannot hold this value exactly together with the others \
         (more than 38 significant digits at their common decimal scale)"
    )]
    Precision(Part),
    #[error("the total weight exceeds 2^64 − 1")]
    WeightOverflow(Part),
    #[error("more than {MAX_GROUPS} distinct group values")]
    TooManyGroups(Part),
    #[error("the group value \"all\" is reserved for the overall result")]
    ReservedGroup(Part),
    #[error("the row does not match the dataset's options")]
    Shape(Part),
}

impl DatasetError {
    /// The part of the row the error is about.
    pub fn part(&self) -> Part {
        match self {
            DatasetError::Precision(p)
            | DatasetError::WeightOverflow(p)
            | DatasetError::TooManyGroups(p)
            | DatasetError::ReservedGroup(p)
            | DatasetError::Shape(p) => *p,
        }
    }
}

/// Metrics of one distribution, plus alignment and Lorenz curve when
/// requested. JSON: the [`Metrics`] keys, then `spearman` and
/// `misallocation` (with `--against`), then `lorenz` (when requested; `null`
/// when undefined).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub metrics: Metrics,
    #[serde(flatten)]
    pub alignment: Option<Alignment>,
    /// `[p, L(p)]` pairs; `Some(None)` when requested but undefined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lorenz: Option<Option<Vec<[f64; 2]>>>,
}

/// The result of [`Dataset::analyze`]: one report, or one per group (sorted
/// by group value) plus `"all"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub all: Report,
    /// `None` unless grouped.
    pub groups: Option<Vec<(String, Report)>>,
}

impl Analysis {
    /// (name, report) pairs in output order: the groups, then `"all"`; or
    /// just `"all"` when not grouped.
    pub fn columns(&self) -> Vec<(&str, &Report)> {
        let mut out: Vec<(&str, &Report)> = self
            .groups
            .iter()
            .flatten()
            .map(|(k, r)| (k.as_str(), r))
            .collect();
        out.push((ALL_KEY, &self.all));
        out
    }
}

impl Serialize for Analysis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.groups {
            None => self.all.serialize(serializer),
            Some(groups) => {
                let mut map = serializer.serialize_map(Some(groups.len() + 1))?;
                for (k, r) in groups {
                    map.serialize_entry(k, r)?;
                }
                map.serialize_entry(ALL_KEY, &self.all)?;
                map.end()
            }
        }
    }
}

/// Exact rows, accumulated one at a time.
#[derive(Debug, Clone)]
pub struct Dataset {
    options: DatasetOptions,
    x: Column,
    y: Column,
    w: Vec<u64>,
    groups: Vec<u32>,
    group_names: Vec<String>,
    group_index: HashMap<String, u32>,
    total_weight: u64,
}

impl Dataset {
    pub fn new(options: DatasetOptions) -> Self {
        Dataset {
            options,
            x: Column::default(),
            y: Column::default(),
            w: Vec::new(),
            groups: Vec::new(),
            group_names: Vec::new(),
            group_index: HashMap::new(),
            total_weight: 0,
        }
    }

    /// Rows stored so far (rows of weight zero are not stored).
    pub fn rows(&self) -> usize {
        self.x.len()
    }

    /// The total frequency weight so far (= rows when unweighted).
    pub fn total_weight(&self) -> u64 {
        self.total_weight
    }

    /// Adds one row. On error the dataset is unchanged.
    pub fn push(&mut self, row: RowInput<'_>) -> Result<(), DatasetError> {
        let o = self.options;
        if o.weighted != row.weight.is_some() {
            return Err(DatasetError::Shape(Part::Weight));
        }
        if o.against != row.against.is_some() {
            return Err(DatasetError::Shape(Part::Against));
        }
        if o.grouped != row.group.is_some() {
            return Err(DatasetError::Shape(Part::Group));
        }
        let weight = row.weight.unwrap_or(1);
        let total_weight = self
            .total_weight
            .checked_add(weight)
            .ok_or(DatasetError::WeightOverflow(Part::Weight))?;
        if weight != 0 {
            // Check both columns before changing anything.
            self.x
                .check(row.value)
                .map_err(|()| DatasetError::Precision(Part::Value))?;
            if let Some(y) = row.against {
                self.y
                    .check(y)
                    .map_err(|()| DatasetError::Precision(Part::Against))?;
            }
        }
        let group = match row.group {
            Some(name) => Some(self.group_id(name)?),
            None => None,
        };
        if weight == 0 {
            return Ok(()); // counted zero times; its group still exists
        }
        self.x
            .push(row.value)
            .map_err(|()| DatasetError::Precision(Part::Value))?;
        if let Some(y) = row.against {
            self.y
                .push(y)
                .map_err(|()| DatasetError::Precision(Part::Against))?;
        }
        if o.weighted {
            self.w.push(weight);
        }
        if let Some(g) = group {
            self.groups.push(g);
        }
        self.total_weight = total_weight;
        Ok(())
    }

    fn group_id(&mut self, name: &str) -> Result<u32, DatasetError> {
        if let Some(&id) = self.group_index.get(name) {
            return Ok(id);
        }
        if name == ALL_KEY {
            return Err(DatasetError::ReservedGroup(Part::Group));
        }
        if self.group_names.len() >= MAX_GROUPS {
            return Err(DatasetError::TooManyGroups(Part::Group));
        }
        let id = u32::try_from(self.group_names.len())
            .map_err(|_| DatasetError::TooManyGroups(Part::Group))?;
        self.group_names.push(name.to_string());
        self.group_index.insert(name.to_string(), id);
        Ok(id)
    }

    /// Computes every report. Consumes the dataset (rows are sorted in place).
    pub fn analyze(self) -> Analysis {
        let o = self.options;
        if !o.weighted && !o.against && !o.grouped {
            // The common case: one column, sorted in place, nothing else stored.
            let scale = self.x.scale;
            let summary = match self.x.store {
                Store::Small(mut v) => {
                    v.sort_unstable();
                    summarize_sorted(&v, scale, o.lorenz_segments)
                }
                Store::Wide(mut v) => {
                    v.sort_unstable();
                    summarize_sorted(&v, scale, o.lorenz_segments)
                }
            };
            return Analysis {
                all: report(summary, None),
                groups: None,
            };
        }
        // Pick the narrowest row layout holding exactly what was asked for.
        let small =
            matches!(self.x.store, Store::Small(_)) && matches!(self.y.store, Store::Small(_));
        if small {
            self.with_amount::<u64>()
        } else {
            self.with_amount::<u128>()
        }
    }

    fn with_amount<A: Amount + Take>(self) -> Analysis {
        if self.options.weighted {
            self.with_weight::<A, u64>()
        } else {
            self.with_weight::<A, ()>()
        }
    }

    fn with_weight<A: Amount + Take, W: WeightSlot>(self) -> Analysis {
        if self.options.against {
            self.with_pair::<A, W, Paired<A>>()
        } else {
            self.with_pair::<A, W, ()>()
        }
    }

    fn with_pair<A: Amount + Take, W: WeightSlot, P: PairSlot<A>>(self) -> Analysis {
        if self.options.grouped {
            self.analyze_rows::<A, W, P, u32>()
        } else {
            self.analyze_rows::<A, W, P, ()>()
        }
    }

    /// Moves the columns into rows, releasing column memory as it goes so
    /// that columns and rows never both exist in full.
    fn take_rows<A, W, P, G>(&mut self) -> Vec<Row<A, W, P, G>>
    where
        A: Amount + Take,
        W: WeightSlot,
        P: PairSlot<A>,
        G: GroupSlot,
    {
        const CHUNK: usize = 1 << 20;
        let mut rows = Vec::with_capacity(self.x.len());
        while let Some(x) = A::take(&mut self.x) {
            let y = if P::PAIRED {
                A::take(&mut self.y).unwrap_or_default()
            } else {
                A::default()
            };
            rows.push(Row {
                x,
                w: W::new(self.w.pop().unwrap_or(1)),
                p: P::new(y),
                g: G::new(self.groups.pop().unwrap_or(0)),
            });
            if rows.len() % CHUNK == 0 {
                self.x.shrink();
                self.y.shrink();
                self.w.shrink_to_fit();
                self.groups.shrink_to_fit();
            }
        }
        rows
    }

    fn analyze_rows<A, W, P, G>(mut self) -> Analysis
    where
        A: Amount + Take,
        W: WeightSlot,
        P: PairSlot<A>,
        G: GroupSlot,
    {
        let o = self.options;
        let scale = self.x.scale;
        let mut rows = self.take_rows::<A, W, P, G>();
        rows.sort_unstable_by_key(|r| r.x);
        let all = report_rows(&mut rows, scale, o);
        let groups = o.grouped.then(|| {
            rows.sort_unstable_by_key(|r| (r.g, r.x));
            let mut reports: Vec<Option<Report>> = vec![None; self.group_names.len()];
            for chunk in rows.chunk_by_mut(|a, b| a.g == b.g) {
                let g = chunk.first().map_or(0, |r| r.g.get()) as usize;
                if let Some(slot) = reports.get_mut(g) {
                    *slot = Some(report_rows(chunk, scale, o));
                }
            }
            let mut named: Vec<(String, Report)> = std::mem::take(&mut self.group_names)
                .into_iter()
                .zip(reports)
                .map(|(name, r)| {
                    // A group whose rows all had weight zero.
                    let r = r.unwrap_or_else(|| report_rows::<A, W, P, G>(&mut [], scale, o));
                    (name, r)
                })
                .collect();
            named.sort_by(|a, b| a.0.cmp(&b.0));
            named
        });
        Analysis { all, groups }
    }
}

fn report(summary: Summary, alignment: Option<Alignment>) -> Report {
    Report {
        metrics: summary.metrics,
        alignment,
        lorenz: summary.lorenz,
    }
}

/// Report of rows sorted by x (left sorted by y when aligned).
fn report_rows<A, W, P, G>(rows: &mut [Row<A, W, P, G>], scale: u32, o: DatasetOptions) -> Report
where
    A: Amount,
    W: WeightSlot,
    P: PairSlot<A>,
    G: GroupSlot,
{
    let summary = summarize_sorted(rows, scale, o.lorenz_segments);
    let alignment = P::PAIRED.then(|| align_sorted(rows));
    report(summary, alignment)
}

/// Removes the last value of a column as this amount type (`u64` is only
/// chosen when both columns are stored as `u64`).
trait Take: Sized {
    fn take(column: &mut Column) -> Option<Self>;
}

impl Take for u64 {
    fn take(column: &mut Column) -> Option<u64> {
        match &mut column.store {
            Store::Small(v) => v.pop(),
            Store::Wide(v) => v.pop().and_then(|x| u64::try_from(x).ok()),
        }
    }
}

impl Take for u128 {
    fn take(column: &mut Column) -> Option<u128> {
        match &mut column.store {
            Store::Small(v) => v.pop().map(u128::from),
            Store::Wide(v) => v.pop(),
        }
    }
}

/// Mantissas at a common scale: `u64` while every one fits, else `u128`.
#[derive(Debug, Clone)]
enum Store {
    Small(Vec<u64>),
    Wide(Vec<u128>),
}

#[derive(Debug, Clone)]
struct Column {
    store: Store,
    scale: u32,
    max: u128,
}

impl Default for Column {
    fn default() -> Self {
        Column {
            store: Store::Small(Vec::new()),
            scale: 0,
            max: 0,
        }
    }
}

impl Column {
    fn len(&self) -> usize {
        match &self.store {
            Store::Small(v) => v.len(),
            Store::Wide(v) => v.len(),
        }
    }

    /// Returns memory no longer needed after values were taken.
    fn shrink(&mut self) {
        match &mut self.store {
            Store::Small(v) => v.shrink_to_fit(),
            Store::Wide(v) => v.shrink_to_fit(),
        }
    }

    /// The scale after adding `d`, and the factor existing values need.
    fn plan(&self, d: Decimal) -> Result<(u32, u128, u128), ()> {
        let scale = self.scale.max(d.scale);
        let factor = pow10(scale - self.scale).ok_or(())?;
        let max = self.max.checked_mul(factor).ok_or(())?;
        let m = d.mantissa_at(scale).ok_or(())?;
        Ok((scale, factor, max.max(m)))
    }

    fn check(&self, d: Decimal) -> Result<(), ()> {
        self.plan(d).map(|_| ())
    }

    fn push(&mut self, d: Decimal) -> Result<(), ()> {
        let (scale, factor, max) = self.plan(d)?;
        let m = d.mantissa_at(scale).ok_or(())?;
        let widen = matches!(self.store, Store::Small(_)) && u64::try_from(max).is_err();
        if factor != 1 || widen {
            self.rescale(factor, max);
        }
        self.scale = scale;
        self.max = max;
        match &mut self.store {
            Store::Small(v) => match u64::try_from(m) {
                Ok(m) => v.push(m),
                Err(_) => return Err(()), // unreachable: rescale widened
            },
            Store::Wide(v) => v.push(m),
        }
        Ok(())
    }

    /// Multiplies every stored value by `factor`, widening to `u128` if the
    /// new maximum no longer fits a `u64`. Overflow was ruled out by `plan`.
    fn rescale(&mut self, factor: u128, new_max: u128) {
        let fits_small = u64::try_from(new_max).is_ok();
        match &mut self.store {
            Store::Small(v) if fits_small => {
                let f = u64::try_from(factor).unwrap_or(u64::MAX);
                for x in v.iter_mut() {
                    *x = x.saturating_mul(f);
                }
            }
            Store::Small(v) => {
                let wide: Vec<u128> = v
                    .iter()
                    .map(|&x| u128::from(x).saturating_mul(factor))
                    .collect();
                self.store = Store::Wide(wide);
            }
            Store::Wide(v) => {
                for x in v.iter_mut() {
                    *x = x.saturating_mul(factor);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or(Decimal::ZERO)
    }

    fn plain(values: &[&str]) -> Report {
        let mut ds = Dataset::new(DatasetOptions::default());
        for v in values {
            ds.push(RowInput {
                value: d(v),
                weight: None,
                against: None,
                group: None,
            })
            .expect("fits");
        }
        ds.analyze().all
    }

    #[test]
    fn decimals_are_exact() {
        // issue 4: [2.3, 0.3, 2.6] → Nakamoto 50 = 2 (2.6 + 2.3 > 2.6 ...
        // exactly: 4.9 > 2.6, while 2.6 alone is not more than 2.6).
        let r = plain(&["2.3", "0.3", "2.6"]);
        assert_eq!(r.metrics.nakamoto_50, Some(2));
        assert_eq!(r.metrics.sum.to_string(), "5.2");
    }

    #[test]
    fn mixed_scales_and_widening() {
        let r = plain(&["1", "0.5", "18446744073709551615", "0.000000001"]);
        assert_eq!(r.metrics.sum.to_string(), "18446744073709551616.500000001");
        assert_eq!(r.metrics.nakamoto_50, Some(1));
    }

    #[test]
    fn precision_overflow_is_an_error_and_leaves_the_dataset_unchanged() {
        let mut ds = Dataset::new(DatasetOptions::default());
        let row = |v: &str| RowInput {
            value: d(v),
            weight: None,
            against: None,
            group: None,
        };
        ds.push(row("1e30")).expect("fits");
        assert_eq!(
            ds.push(row("0.000000000001")),
            Err(DatasetError::Precision(Part::Value))
        );
        assert_eq!(ds.rows(), 1);
        assert_eq!(
            ds.analyze().all.metrics.sum.to_string(),
            "1000000000000000000000000000000"
        );
    }

    #[test]
    fn weights_groups_and_against() {
        let opts = DatasetOptions {
            weighted: true,
            against: true,
            grouped: true,
            lorenz_segments: Some(2),
        };
        let mut ds = Dataset::new(opts);
        for (v, w, y, g) in [
            ("1", 2, "1", "a"),
            ("3", 1, "3", "b"),
            ("2", 0, "9", "c"),
            ("1", 1, "2", "b"),
        ] {
            ds.push(RowInput {
                value: d(v),
                weight: Some(w),
                against: Some(d(y)),
                group: Some(g),
            })
            .expect("fits");
        }
        assert_eq!(ds.total_weight(), 4);
        let a = ds.analyze();
        assert_eq!(a.all.metrics.n, 4);
        assert_eq!(a.all.metrics.sum.to_string(), "6");
        let names: Vec<&str> = a.columns().iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["a", "b", "c", "all"]);
        let groups = a.groups.as_deref().unwrap_or_default();
        assert_eq!(groups[2].1.metrics.n, 0);
        assert_eq!(groups[1].1.metrics.n, 2);
        assert!(groups[0]
            .1
            .alignment
            .is_some_and(|al| al.spearman.is_none()));
        let json = serde_json::to_value(&a).expect("serialises");
        assert_eq!(json["all"]["lorenz"].as_array().map(Vec::len), Some(3));
        assert_eq!(json["c"]["lorenz"], serde_json::Value::Null);
        assert!(json["all"]["spearman"].is_number());
    }
}
