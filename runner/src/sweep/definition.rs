//! The `[sweep]` table: axes (lists of values or ranges, keyed by the same
//! dotted paths as `--set`), the design, the number of samples, the
//! replications and the design seed (and, for the sensitivity designs
//! `morris` and `sobol`, their parameters), parsed and checked into a
//! [`SweepDef`]; its canonical JSON form (recorded in `sweep.json` and
//! hashed into the sweep's identity); and how an axis value is written as
//! a CSV cell.

use serde_json::json;
use toml::Value;

/// Largest `samples` accepted, so that a typo cannot exhaust memory.
pub const MAX_SAMPLES: u64 = 10_000_000;

/// The keys a `[sweep]` table may have.
const SWEEP_KEYS: [&str; 8] = [
    "axes",
    "design",
    "samples",
    "replications",
    "seed",
    "trajectories",
    "levels",
    "metrics",
];
/// Morris grid levels when `levels` is not given (SALib's `num_levels`).
pub const DEFAULT_LEVELS: u64 = 4;
/// Largest Morris `levels` accepted.
const MAX_LEVELS: u64 = 1 << 20;
/// Largest Sobol' `samples` (N) accepted: the scrambled sequence's length.
const MAX_SOBOL_SAMPLES: u64 = 1 << 16;
/// Largest number of range axes of a Sobol' design (A and B take 2 of the
/// sequence's 256 dimensions per axis).
const MAX_SOBOL_AXES: usize = 128;
/// The keys a range axis may have.
const RANGE_KEYS: [&str; 5] = ["min", "max", "log", "integer", "others"];

/// How the points of a sweep are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesignKind {
    /// Cartesian product of the list axes.
    Grid,
    /// `samples` independent uniform draws over the range axes, crossed
    /// with every combination of the list axes.
    Random,
    /// A Latin hypercube of `samples` points over the range axes, crossed
    /// with every combination of the list axes.
    Latin,
    /// Morris trajectories over the range axes: `trajectories` × (D + 1)
    /// points, each trajectory D + 1 consecutive points that move one axis
    /// at a time by Δ = p / (2(p − 1)) of its range (p = `levels`).
    Morris,
    /// Saltelli's design for Sobol' indices with second-order terms:
    /// `samples` = N base rows × (2D + 2) points, in SALib's order.
    Sobol,
}

impl DesignKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Random => "random",
            Self::Latin => "latin",
            Self::Morris => "morris",
            Self::Sobol => "sobol",
        }
    }

    /// A design made for `mirage sensitivity` (morris or sobol).
    pub fn is_sensitivity(self) -> bool {
        matches!(self, Self::Morris | Self::Sobol)
    }
}

/// A continuous (or integer) interval an axis is sampled from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    /// Sample uniformly in log space (min must be positive).
    pub log: bool,
    /// Values are whole numbers in [min, max], each equally likely (or, with
    /// `log`, with equal mass per unit of log).
    pub integer: bool,
    /// `others = "proportional"` on a `reward.<pool>.share` axis: the other
    /// pools' shares are rescaled by (1 − value) / (their sum), keeping
    /// their ratios, so the shares still add up to 1.
    pub others_proportional: bool,
}

impl Range {
    /// The value at `u` in [0, 1): the inverse of the sampling distribution.
    pub fn value_at(&self, u: f64) -> Value {
        let Self {
            min,
            max,
            log,
            integer,
            ..
        } = *self;
        if integer {
            // Each whole number n owns [n, n + 1) of the stretched interval.
            let top = max + 1.0;
            let x = if log {
                (min.ln() + u * (top.ln() - min.ln())).exp()
            } else {
                min + u * (top - min)
            };
            let n = x.floor().clamp(min, max);
            Value::Integer(n as i64)
        } else {
            let x = if log {
                (min.ln() + u * (max.ln() - min.ln())).exp()
            } else {
                min + u * (max - min)
            };
            Value::Float(x.clamp(min, max))
        }
    }
}

#[cfg(test)]
impl Range {
    /// The linear integer range of the whole numbers in [min, max].
    pub(crate) fn whole_numbers(min: f64, max: f64) -> Self {
        Self {
            min,
            max,
            log: false,
            integer: true,
            others_proportional: false,
        }
    }
}

impl Range {
    /// The value of a Morris grid coordinate `u` (a level j / (p − 1)): for
    /// an integer range, the whole number `min + round(u · (max − min))`,
    /// which is exact because the definition requires (p − 1) to divide
    /// max − min, so every level, and every step of Δ, is a whole number;
    /// otherwise `value_at(u)`.
    pub fn morris_value_at(&self, u: f64) -> Value {
        if self.integer {
            let n = (self.min + (u * (self.max - self.min)).round()).clamp(self.min, self.max);
            Value::Integer(n as i64)
        } else {
            self.value_at(u)
        }
    }
}

/// What one axis takes.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisKind {
    List(Vec<Value>),
    Range(Range),
}

/// One axis of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted path, as for `--set` (e.g. `reward.compute.scheme`).
    pub path: String,
    pub kind: AxisKind,
}

/// A checked sweep definition. Axes are sorted by path, so the points and
/// columns do not depend on how the file orders them.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepDef {
    pub axes: Vec<Axis>,
    pub design: DesignKind,
    /// Draws (random) or points (latin) over the range axes; 1 for a grid;
    /// the number of trajectories r (morris); the number of base rows N
    /// (sobol).
    pub samples: u64,
    /// Morris grid levels p (even, >= 2); 0 for the other designs.
    pub levels: u64,
    /// Runs per point; replication r runs with seed `base seed + r`.
    pub replications: u64,
    /// Seed of the design's draws.
    pub seed: u64,
    /// The metrics `runs.csv` and `points.csv` report (`[sweep] metrics`);
    /// `None`: the default eight (`summary::names`).
    pub metrics: Option<Vec<String>>,
}

impl SweepDef {
    /// Parses a `[sweep]` table; `default_seed` (the scenario's seed) is the
    /// design seed when the table gives none.
    pub fn parse(value: &Value, default_seed: u64) -> Result<Self, String> {
        let Value::Table(table) = value else {
            return Err(format!(
                "`sweep` must be a table ([sweep]), not a {}",
                value.type_str()
            ));
        };
        if let Some(key) = table.keys().find(|k| !SWEEP_KEYS.contains(&k.as_str())) {
            return Err(format!(
                "[sweep]: unknown key `{key}`, expected one of {}",
                SWEEP_KEYS.join(", ")
            ));
        }
        let design = match table.get("design") {
            None => DesignKind::Grid,
            Some(Value::String(s)) => match s.as_str() {
                "grid" => DesignKind::Grid,
                "random" => DesignKind::Random,
                "latin" => DesignKind::Latin,
                "morris" => DesignKind::Morris,
                "sobol" => DesignKind::Sobol,
                other => {
                    return Err(format!(
                        "[sweep] design = \"{other}\": expected \"grid\", \"random\", \"latin\", \"morris\" or \"sobol\""
                    ))
                }
            },
            Some(other) => {
                return Err(format!(
                    "[sweep] design must be a string (\"grid\", \"random\", \"latin\", \"morris\" or \"sobol\"), not a {}",
                    other.type_str()
                ))
            }
        };
        let replications = positive(table.get("replications"), "replications")?.unwrap_or(1);
        let samples = positive(table.get("samples"), "samples")?;
        let trajectories = positive(table.get("trajectories"), "trajectories")?;
        let levels = positive(table.get("levels"), "levels")?;
        if design != DesignKind::Morris && (trajectories.is_some() || levels.is_some()) {
            return Err(format!(
                "[sweep] trajectories and levels apply to design = \"morris\", not to design = \"{}\"",
                design.as_str()
            ));
        }
        let seed = match table.get("seed") {
            None => default_seed,
            Some(Value::Integer(i)) if *i >= 0 => *i as u64,
            Some(other) => {
                return Err(format!(
                    "[sweep] seed must be a whole number >= 0, got {other}"
                ))
            }
        };
        let metrics = metric_list(table.get("metrics"))?;
        let mut axes = Vec::new();
        match table.get("axes") {
            None => return Err("[sweep] has no axes: add a [sweep.axes] table, e.g. \"emission.per_epoch\" = [1000, 5000]".into()),
            Some(Value::Table(t)) => collect_axes("", t, &mut axes)?,
            Some(other) => {
                return Err(format!(
                    "[sweep] axes must be a table ([sweep.axes]), not a {}",
                    other.type_str()
                ))
            }
        }
        if axes.is_empty() {
            return Err("[sweep.axes] is empty: name at least one axis".into());
        }
        axes.sort_by(|a, b| a.path.cmp(&b.path));
        if let Some(w) = axes.windows(2).find(|w| w[0].path == w[1].path) {
            return Err(format!("axis `{}` is given twice", w[0].path));
        }
        if let Some(rescaled) = axes
            .iter()
            .find(|a| matches!(&a.kind, AxisKind::Range(r) if r.others_proportional))
        {
            if let Some(other) = axes.iter().find(|a| {
                a.path != rescaled.path
                    && a.path.starts_with("reward.")
                    && a.path.ends_with(".share")
            }) {
                return Err(format!(
                    "axes `{}` and `{}`: a share with others = \"proportional\" sets every other \
                     pool's share, so no other share may be an axis",
                    rescaled.path, other.path
                ));
            }
        }
        let has_range = axes.iter().any(|a| matches!(a.kind, AxisKind::Range(_)));
        let samples = match design {
            DesignKind::Grid => {
                if let Some(a) = axes.iter().find(|a| matches!(a.kind, AxisKind::Range(_))) {
                    return Err(format!(
                        "axis `{}` is a range, but design = \"grid\" takes lists of values: \
                         give a list, or set design = \"random\" or \"latin\"",
                        a.path
                    ));
                }
                if samples.is_some() {
                    return Err(
                        "[sweep] samples applies to design = \"random\" or \"latin\", not to a grid"
                            .into(),
                    );
                }
                1
            }
            DesignKind::Random | DesignKind::Latin => {
                if !has_range {
                    return Err(format!(
                        "design = \"{}\" draws over range axes ({{ min, max }}) and there are none: \
                         use design = \"grid\" for lists only",
                        design.as_str()
                    ));
                }
                let Some(n) = samples else {
                    return Err(format!(
                        "design = \"{}\" needs samples = N, the number of points drawn over the range axes",
                        design.as_str()
                    ));
                };
                if n > MAX_SAMPLES {
                    return Err(format!(
                        "[sweep] samples = {n} is more than the {MAX_SAMPLES} a sweep may draw"
                    ));
                }
                n
            }
            DesignKind::Morris | DesignKind::Sobol => {
                sensitivity_samples(design, &axes, samples, trajectories, levels)?
            }
        };
        let levels = match design {
            DesignKind::Morris => levels.unwrap_or(DEFAULT_LEVELS),
            _ => 0,
        };
        Ok(Self {
            axes,
            design,
            samples,
            levels,
            replications,
            seed,
            metrics,
        })
    }

    /// The metric columns, in order.
    pub fn metric_names(&self) -> Vec<String> {
        self.metrics.clone().unwrap_or_else(super::summary::names)
    }

    /// The canonical form recorded in `sweep.json` and hashed.
    pub fn to_json(&self) -> serde_json::Value {
        let axes: Vec<serde_json::Value> = self
            .axes
            .iter()
            .map(|a| match &a.kind {
                AxisKind::List(values) => json!({
                    "path": a.path,
                    "values": values.iter().map(toml_to_json).collect::<Vec<_>>(),
                }),
                AxisKind::Range(r) => {
                    let mut range = json!({
                        "path": a.path,
                        "min": r.min,
                        "max": r.max,
                        "log": r.log,
                        "integer": r.integer,
                    });
                    // Only when chosen, so other sweeps keep their identity.
                    if r.others_proportional {
                        range["others"] = json!("proportional");
                    }
                    range
                }
            })
            .collect();
        let mut out = json!({
            "design": self.design.as_str(),
            "samples": self.samples,
            "replications": self.replications,
            "seed": self.seed,
            "axes": axes,
        });
        // Added keys only, and only for the designs that have them, so the
        // other designs' canonical form (and sweep id) is unchanged.
        if self.design == DesignKind::Morris {
            out["trajectories"] = json!(self.samples);
            out["levels"] = json!(self.levels);
        }
        // Only when chosen, so a sweep without `metrics` keeps its identity.
        if let (Some(metrics), Some(map)) = (&self.metrics, out.as_object_mut()) {
            map.insert("metrics".into(), json!(metrics));
        }
        out
    }

    /// The range axes, in axis order: the columns of a design's unit cube.
    pub fn range_axes(&self) -> Vec<String> {
        self.axes
            .iter()
            .filter(|a| matches!(a.kind, AxisKind::Range(_)))
            .map(|a| a.path.clone())
            .collect()
    }
}

/// Checks a morris or sobol definition and returns its `samples` (r or N).
/// These designs vary the range axes only: a list axis must hold one value
/// (a constant). An integer range is a discretised input: for Sobol' each
/// whole number owns an equal part of its coordinate's unit interval (as
/// for random and latin designs), and the indices are those of the
/// discretised model; for Morris its p levels must be whole numbers (see
/// `morris_integer_levels`), so every step is exactly Δ of the range.
fn sensitivity_samples(
    design: DesignKind,
    axes: &[Axis],
    samples: Option<u64>,
    trajectories: Option<u64>,
    levels: Option<u64>,
) -> Result<u64, String> {
    let name = design.as_str();
    for a in axes {
        match &a.kind {
            AxisKind::List(values) if values.len() > 1 => {
                return Err(format!(
                    "axis `{}` lists {} values, but design = \"{name}\" varies range axes only \
                     ({{ min, max }}); a list axis must hold one value (a constant)",
                    a.path,
                    values.len()
                ))
            }
            AxisKind::Range(r) if r.integer && design == DesignKind::Morris => {
                morris_integer_levels(&a.path, r, levels.unwrap_or(DEFAULT_LEVELS))?
            }
            _ => {}
        }
    }
    let d = axes
        .iter()
        .filter(|a| matches!(a.kind, AxisKind::Range(_)))
        .count() as u64;
    if d == 0 {
        return Err(format!(
            "design = \"{name}\" varies range axes ({{ min, max }}) and there are none"
        ));
    }
    let (n, per) = match design {
        DesignKind::Morris => {
            if samples.is_some() {
                return Err(
                    "design = \"morris\" takes trajectories = r (and levels = p), not samples"
                        .into(),
                );
            }
            let Some(r) = trajectories else {
                return Err(
                    "design = \"morris\" needs trajectories = r, the number of Morris trajectories (e.g. 10)"
                        .into(),
                );
            };
            let p = levels.unwrap_or(DEFAULT_LEVELS);
            if p < 2 || p % 2 == 1 || p > MAX_LEVELS {
                return Err(format!(
                    "[sweep] levels = {p}: Morris needs an even number of levels p >= 2 (at most {MAX_LEVELS}), \
                     so that the step p/(2(p-1)) lands on the grid"
                ));
            }
            (r, d + 1)
        }
        _ => {
            let Some(n) = samples else {
                return Err(
                    "design = \"sobol\" needs samples = N, the number of base rows (a power of two, e.g. 64)"
                        .into(),
                );
            };
            if n > MAX_SOBOL_SAMPLES {
                return Err(format!(
                    "[sweep] samples = {n}: the scrambled Sobol' sequence has {MAX_SOBOL_SAMPLES} points"
                ));
            }
            if d as usize > MAX_SOBOL_AXES {
                return Err(format!(
                    "design = \"sobol\" takes at most {MAX_SOBOL_AXES} range axes, got {d}"
                ));
            }
            (n, 2 * d + 2)
        }
    };
    match n.checked_mul(per) {
        Some(points) if points <= MAX_SAMPLES => Ok(n),
        _ => Err(format!(
            "design = \"{name}\" would have more than the {MAX_SAMPLES} points a sweep may draw"
        )),
    }
}

/// `[sweep] metrics`: a non-empty list of distinct names (checked against
/// the known metrics by `summary::check`).
fn metric_list(value: Option<&Value>) -> Result<Option<Vec<String>>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let Value::Array(items) = value else {
        return Err(format!(
            "[sweep] metrics must be a list of names (e.g. [\"gini_wealth\", \"rewards.all.top_10pct_share\"]), not a {}",
            value.type_str()
        ));
    };
    if items.is_empty() {
        return Err(
            "[sweep] metrics is empty: name at least one, or leave it out for the default eight"
                .into(),
        );
    }
    let mut names: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(name) = item else {
            return Err(format!(
                "[sweep] metrics: {item} is not a name; write it as a string"
            ));
        };
        if names.contains(name) {
            return Err(format!("[sweep] metrics: `{name}` is given twice"));
        }
        names.push(name.clone());
    }
    Ok(Some(names))
}

/// Where the `index`th entry of `[sweep] metrics` is in `text` (a scenario
/// or sweep file), if it is written there as `expected`.
pub fn metric_span(text: &str, index: usize, expected: &str) -> Option<std::ops::Range<usize>> {
    #[derive(serde::Deserialize)]
    struct File {
        sweep: Option<Sweep>,
    }
    #[derive(serde::Deserialize)]
    struct Sweep {
        metrics: Option<Vec<toml::Spanned<String>>>,
    }
    let file: File = toml::from_str(text).ok()?;
    let item = file.sweep?.metrics?.into_iter().nth(index)?;
    (item.get_ref() == expected).then(|| item.span())
}

fn positive(value: Option<&Value>, key: &str) -> Result<Option<u64>, String> {
    match value {
        None => Ok(None),
        Some(Value::Integer(i)) if *i >= 1 => Ok(Some(*i as u64)),
        Some(other) => Err(format!(
            "[sweep] {key} must be a whole number >= 1, got {other}"
        )),
    }
}

/// Walks `[sweep.axes]`: a key whose value is a list or a range is an axis;
/// any other table is a level of a dotted path (so `[sweep.axes.emission]
/// per_epoch = [...]` means `emission.per_epoch`).
fn collect_axes(prefix: &str, table: &toml::Table, out: &mut Vec<Axis>) -> Result<(), String> {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        check_path(&path)?;
        match value {
            Value::Array(values) => out.push(Axis {
                kind: AxisKind::List(list_values(&path, values)?),
                path,
            }),
            Value::Table(t) if t.contains_key("min") || t.contains_key("max") => out.push(Axis {
                kind: AxisKind::Range(range(&path, t)?),
                path,
            }),
            Value::Table(t) if t.is_empty() => {
                return Err(format!("axis `{path}` is empty: give a list of values or a range {{ min, max }}"))
            }
            Value::Table(t) => collect_axes(&path, t, out)?,
            other => {
                return Err(format!(
                    "axis `{path}` = {other}: an axis is a list of values (e.g. [{other}]) or a range {{ min, max }}"
                ))
            }
        }
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), String> {
    if path.split('.').any(str::is_empty) {
        return Err(format!(
            "axis `{path}` is not a dotted path like emission.per_epoch"
        ));
    }
    if path == "seed" {
        return Err(
            "`seed` cannot be an axis: replications give each point its seeds \
             (set the base seed with `seed` or --seed, the number of seeds with replications)"
                .into(),
        );
    }
    if path == "sweep" || path.starts_with("sweep.") {
        return Err(format!(
            "axis `{path}`: a sweep cannot sweep its own [sweep] table"
        ));
    }
    Ok(())
}

fn list_values(path: &str, values: &[Value]) -> Result<Vec<Value>, String> {
    if values.is_empty() {
        return Err(format!(
            "axis `{path}` is empty: give it at least one value"
        ));
    }
    for v in values {
        if cell(v).contains(['\n', '\r']) {
            return Err(format!(
                "axis `{path}`: value {v} contains a line break, which a CSV row cannot hold"
            ));
        }
    }
    Ok(values.to_vec())
}

/// An integer range on a Morris grid of `levels` = p levels: level j is
/// min + j · (max − min) / (p − 1), a whole number for every j exactly when
/// (p − 1) divides max − min; then each step of Δ = p / (2(p − 1)) of the
/// range is p/2 · (max − min)/(p − 1) whole numbers, and the elementary
/// effects are those of the realised values. A log range has no such grid.
fn morris_integer_levels(path: &str, r: &Range, levels: u64) -> Result<(), String> {
    if r.log {
        return Err(format!(
            "axis `{path}`: an integer range cannot be `log` in design = \"morris\" (its levels \
             would not be whole numbers); drop `log = true`"
        ));
    }
    let span = (r.max - r.min) as u64;
    let gaps = levels.saturating_sub(1);
    if span == 0 || span.checked_rem(gaps) != Some(0) {
        let fitting: Vec<String> = (1..=span.min(1 << 20))
            .filter(|&g| span.checked_rem(g) == Some(0) && g % 2 == 1)
            .map(|g| (g + 1).to_string())
            .take(6)
            .collect();
        return Err(format!(
            "axis `{path}`: an integer range [{}, {}] in design = \"morris\" with levels = \
             {levels} has levels that are not whole numbers: levels − 1 must divide max − min \
             ({span}){}",
            r.min,
            r.max,
            if fitting.is_empty() {
                String::from("; widen the range")
            } else {
                format!(", e.g. levels = {}", fitting.join(", "))
            }
        ));
    }
    Ok(())
}

fn number(path: &str, key: &str, value: Option<&Value>) -> Result<f64, String> {
    match value {
        Some(Value::Integer(i)) => Ok(*i as f64),
        Some(Value::Float(f)) if f.is_finite() => Ok(*f),
        Some(other) => Err(format!(
            "axis `{path}`: {key} must be a finite number, got {other}"
        )),
        None => Err(format!(
            "axis `{path}` is a range and needs both min and max"
        )),
    }
}

fn flag(path: &str, key: &str, value: Option<&Value>) -> Result<bool, String> {
    match value {
        None => Ok(false),
        Some(Value::Boolean(b)) => Ok(*b),
        Some(other) => Err(format!(
            "axis `{path}`: {key} must be true or false, got {other}"
        )),
    }
}

fn range(path: &str, t: &toml::Table) -> Result<Range, String> {
    if let Some(key) = t.keys().find(|k| !RANGE_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "axis `{path}`: unknown range key `{key}`, expected {}",
            RANGE_KEYS.join(", ")
        ));
    }
    let r = Range {
        min: number(path, "min", t.get("min"))?,
        max: number(path, "max", t.get("max"))?,
        log: flag(path, "log", t.get("log"))?,
        integer: flag(path, "integer", t.get("integer"))?,
        others_proportional: match t.get("others") {
            None => false,
            Some(Value::String(s)) if s == "proportional" => true,
            Some(other) => {
                return Err(format!(
                    "axis `{path}`: others must be \"proportional\", got {other}"
                ))
            }
        },
    };
    if r.others_proportional {
        let parts: Vec<&str> = path.split('.').collect();
        if !(parts.len() == 3 && parts[0] == "reward" && parts[2] == "share") {
            return Err(format!(
                "axis `{path}`: others = \"proportional\" applies to a pool's share \
                 (`reward.<pool>.share`), whose rescaled siblings keep the shares' sum at 1"
            ));
        }
        if r.min < 0.0 || r.max > 1.0 || r.log {
            return Err(format!(
                "axis `{path}`: a share with others = \"proportional\" is a range inside [0, 1] \
                 (not log), got [{}, {}]",
                r.min, r.max
            ));
        }
    }
    if r.min > r.max {
        return Err(format!(
            "axis `{path}`: min ({}) is above max ({})",
            r.min, r.max
        ));
    }
    if r.log && r.min <= 0.0 {
        return Err(format!(
            "axis `{path}`: a log range needs min > 0, got {}",
            r.min
        ));
    }
    if r.integer {
        const LIMIT: f64 = 9.0e15;
        for (key, x) in [("min", r.min), ("max", r.max)] {
            if x.fract() != 0.0 || x.abs() > LIMIT {
                return Err(format!(
                    "axis `{path}`: an integer range needs whole-number bounds, {key} is {x}"
                ));
            }
        }
    }
    Ok(r)
}

/// An axis value as a CSV cell: strings without TOML quotes, numbers as
/// Rust prints them (shortest form that reads back exactly), tables and
/// arrays as inline TOML.
pub fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(_) | Value::Table(_) => value.to_string(),
    }
}

/// TOML value → JSON value (datetimes as strings, non-finite floats as
/// strings).
pub fn toml_to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::String(s) => json!(s),
        Value::Integer(i) => json!(i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or_else(|| json!(f.to_string()), serde_json::Value::Number),
        Value::Boolean(b) => json!(b),
        Value::Datetime(d) => json!(d.to_string()),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(toml_to_json).collect()),
        Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SweepDef, String> {
        let table: toml::Table = text.parse().expect("toml");
        SweepDef::parse(table.get("sweep").expect("[sweep]"), 7)
    }

    #[test]
    fn quoted_and_nested_paths_sort_by_path() {
        let def = parse(
            r#"
            [sweep]
            replications = 3
            [sweep.axes]
            "reward.compute.scheme" = ["proportional", "stake"]
            emission.per_epoch = [1, 2]
            "#,
        )
        .expect("valid");
        let paths: Vec<&str> = def.axes.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["emission.per_epoch", "reward.compute.scheme"]);
        assert_eq!((def.replications, def.samples, def.seed), (3, 1, 7));
        assert_eq!(def.design, DesignKind::Grid);
    }

    #[test]
    fn ranges_and_their_errors() {
        let def = parse(
            "[sweep]\ndesign = \"latin\"\nsamples = 4\nseed = 3\n[sweep.axes]\n\"a.b\" = { min = 1, max = 100, log = true }\n",
        )
        .expect("valid");
        assert_eq!(
            def.axes[0].kind,
            AxisKind::Range(Range {
                min: 1.0,
                max: 100.0,
                log: true,
                integer: false,
                others_proportional: false,
            })
        );
        for (text, says) in [
            ("[sweep.axes]\na = []", "axis `a` is empty"),
            ("[sweep.axes]\na = 5", "axis `a` = 5"),
            ("[sweep.axes]\nseed = [1, 2]", "`seed` cannot be an axis"),
            ("[sweep.axes]\na = { min = 1, max = 2 }", "design = \"grid\" takes lists"),
            ("design = \"latin\"\n[sweep.axes]\na = { min = 1, max = 2 }", "needs samples"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\na = [1]", "there are none"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\na = { min = 2, max = 1 }", "above max"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\na = { min = 0, max = 1, log = true }", "min > 0"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\na = { min = 0.5, max = 1, integer = true }", "whole-number"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\na = { min = 0, max = 1, step = 2 }", "unknown range key `step`"),
            ("design = \"cube\"\n[sweep.axes]\na = [1]", "expected \"grid\""),
            ("replications = 0\n[sweep.axes]\na = [1]", "replications must be"),
            ("replicates = 2\n[sweep.axes]\na = [1]", "unknown key `replicates`"),
            ("", "has no axes"),
            ("[sweep.axes]\na = [\"x\\ny\"]", "line break"),
            ("design = \"morris\"\n[sweep.axes]\na = { min = 0, max = 1 }", "needs trajectories"),
            ("design = \"morris\"\ntrajectories = 2\nlevels = 3\n[sweep.axes]\na = { min = 0, max = 1 }", "even number of levels"),
            ("design = \"morris\"\ntrajectories = 2\nsamples = 3\n[sweep.axes]\na = { min = 0, max = 1 }", "not samples"),
            ("design = \"morris\"\ntrajectories = 2\n[sweep.axes]\na = { min = 0, max = 1 }\nb = [1, 2]", "lists 2 values"),
            ("design = \"morris\"\ntrajectories = 2\n[sweep.axes]\nb = [1]", "there are none"),
            ("design = \"sobol\"\n[sweep.axes]\na = { min = 0, max = 1 }", "needs samples"),
            ("design = \"sobol\"\nsamples = 70000\n[sweep.axes]\na = { min = 0, max = 1 }", "Sobol' sequence has"),
            ("design = \"morris\"\ntrajectories = 2\n[sweep.axes]\na = { min = 0, max = 10, integer = true }", "levels − 1 must divide max − min (10), e.g. levels = 2, 6"),
            ("design = \"morris\"\ntrajectories = 2\nlevels = 6\n[sweep.axes]\na = { min = 0, max = 9, integer = true }", "e.g. levels = 2, 4, 10"),
            ("design = \"morris\"\ntrajectories = 2\n[sweep.axes]\na = { min = 1, max = 10, integer = true, log = true }", "cannot be `log`"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\n\"fees.burn_share\" = { min = 0, max = 1, others = \"proportional\" }", "applies to a pool's share"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\n\"reward.data.share\" = { min = 0, max = 2, others = \"proportional\" }", "inside [0, 1]"),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\n\"reward.data.share\" = { min = 0, max = 1, others = \"equal\" }", "others must be \"proportional\""),
            ("design = \"latin\"\nsamples = 3\n[sweep.axes]\n\"reward.data.share\" = { min = 0, max = 1, others = \"proportional\" }\n\"reward.compute.share\" = [0.5]", "no other share may be an axis"),
            ("design = \"latin\"\nsamples = 4\ntrajectories = 2\n[sweep.axes]\na = { min = 0, max = 1 }", "apply to design = \"morris\""),
        ] {
            let err = parse(&format!("[sweep]\n{text}")).expect_err(text);
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn sensitivity_designs_record_their_parameters() {
        let def = parse(
            "[sweep]\ndesign = \"morris\"\ntrajectories = 6\n[sweep.axes]\na = { min = 0, max = 1 }\nk = [2]\n",
        )
        .expect("valid");
        assert_eq!((def.samples, def.levels), (6, DEFAULT_LEVELS));
        assert_eq!(def.range_axes(), ["a"]);
        let json = def.to_json();
        assert_eq!(json["trajectories"], 6);
        assert_eq!(json["levels"], 4);
        assert!(
            json["axes"][0].get("others").is_none(),
            "`others` only when chosen"
        );
        let shares = parse(
            "[sweep]\ndesign = \"sobol\"\nsamples = 4\n[sweep.axes]\n\"reward.data.share\" = { min = 0.1, max = 0.5, others = \"proportional\" }\n\"c\" = { min = 0, max = 9, integer = true }\n",
        )
        .expect("an integer axis and a rescaled share are valid in a Sobol' design");
        assert_eq!(shares.to_json()["axes"][1]["others"], "proportional");
        let morris = parse(
            "[sweep]\ndesign = \"morris\"\ntrajectories = 2\n[sweep.axes]\nc = { min = 0, max = 90, integer = true }\n",
        )
        .expect("(p − 1) = 3 divides 90");
        assert_eq!(morris.levels, 4);
        let grid = parse("[sweep]\n[sweep.axes]\na = [1]\n").expect("valid");
        assert!(
            grid.to_json().get("levels").is_none(),
            "other designs unchanged"
        );
    }

    #[test]
    fn range_values_stay_inside_and_cover_integers() {
        let r = Range::whole_numbers(1.0, 3.0);
        let got: Vec<Value> = [0.0, 0.34, 0.67, 0.999_999]
            .iter()
            .map(|&u| r.value_at(u))
            .collect();
        assert_eq!(
            got,
            [1, 2, 3, 3].map(Value::Integer).to_vec(),
            "each whole number owns a third"
        );
        let r = Range {
            min: 10.0,
            max: 1000.0,
            log: true,
            integer: false,
            others_proportional: false,
        };
        let mid = r.value_at(0.5).as_float().expect("float");
        assert!((mid - 100.0).abs() < 1e-9, "{mid}");
    }

    #[test]
    fn morris_levels_of_an_integer_range_are_whole_numbers_one_step_apart() {
        // p = 4 levels on [0, 90]: 0, 30, 60, 90; Δ = 4/6 of the range = 60.
        let r = Range::whole_numbers(0.0, 90.0);
        let levels: Vec<Value> = (0..4).map(|j| r.morris_value_at(j as f64 / 3.0)).collect();
        assert_eq!(levels, [0, 30, 60, 90].map(Value::Integer).to_vec());
        let delta = 4.0 / 6.0;
        for j in 0..2 {
            let u = j as f64 / 3.0;
            let (Value::Integer(a), Value::Integer(b)) =
                (r.morris_value_at(u), r.morris_value_at(u + delta))
            else {
                panic!("whole numbers")
            };
            assert_eq!(b - a, 60, "a step of Δ is Δ · (max − min)");
        }
        let float = Range {
            integer: false,
            ..r
        };
        assert_eq!(float.morris_value_at(0.5), float.value_at(0.5));
    }

    #[test]
    fn cells_are_plain() {
        assert_eq!(cell(&Value::String("stake".into())), "stake");
        assert_eq!(cell(&Value::Float(0.5)), "0.5");
        assert_eq!(cell(&Value::Float(100000.0)), "100000");
        assert_eq!(cell(&Value::Integer(42)), "42");
        let t: toml::Table = "v = { dist = \"pareto\", shape = 1.5 }"
            .parse()
            .expect("toml");
        let v = t.get("v").expect("v");
        assert_eq!(cell(v), "{ dist = \"pareto\", shape = 1.5 }");
    }
}
