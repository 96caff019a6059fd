//! The points of a sweep: the grid of the list axes, and the random or
//! Latin-hypercube samples over the range axes crossed with it. Point ids
//! are dense: `point = combination × samples + sample`, with list
//! combinations in row-major order over the axes sorted by path (the last
//! axis varies fastest). Samples are drawn once, from the design seed, with
//! a SplitMix64 sequence, so the design never depends on a library's
//! generator. The sensitivity designs (`morris`, `sobol`) have no list
//! combinations (their list axes hold one value): their points are the
//! unit-cube points of [`mirage_analysis::sensitivity`]'s `morris_design`
//! and `saltelli_design` (seeded with the design seed) in the order those
//! give, each coordinate mapped onto its range by [`Range::value_at`]
//! (`min + u · (max − min)`, or the same map of the logs for a log range).
//! An integer range maps u to the whole number owning it (each of the
//! max − min + 1 numbers owns an equal part of [0, 1)), except in a Morris
//! design, whose grid levels j / (p − 1) map to the whole numbers
//! `min + round(u · (max − min))` ([`Range::morris_value_at`]).

use mirage_analysis::sensitivity::{morris_design, saltelli_design};
use mirage_sim::rng::splitmix64;
use toml::Value;

use super::definition::{AxisKind, DesignKind, Range, SweepDef};

/// Generated points of a sweep definition.
#[derive(Debug, Clone)]
pub struct Design {
    /// Per axis (sorted by path): where its value comes from.
    sources: Vec<Source>,
    /// Sizes of the list axes, in axis order.
    radices: Vec<u64>,
    samples: u64,
    /// Unit-cube coordinates, `samples × ranges` row-major.
    unit: Vec<f64>,
    ranges: usize,
    points: u64,
    /// Morris: integer ranges take the grid's levels (`morris_value_at`).
    morris: bool,
}

#[derive(Debug, Clone)]
enum Source {
    /// Index into `radices`, and the values.
    List(usize, Vec<Value>),
    /// Column of `unit`, and the range.
    Range(usize, Range),
}

/// A deterministic SplitMix64 sequence.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        // Keep the design's sequence apart from the simulations' streams.
        Self(splitmix64(seed ^ 0x5357_4545_5044_4553))
    }

    pub fn next_u64(&mut self) -> u64 {
        let out = splitmix64(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        out
    }

    /// Uniform in [0, 1) with 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (n > 0), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// Number of points of a definition, without generating them.
pub fn count_points(def: &SweepDef) -> Result<u64, String> {
    let mut n = range_points(def)?;
    for axis in &def.axes {
        if let AxisKind::List(values) = &axis.kind {
            n = n.checked_mul(values.len() as u64).ok_or_else(too_many)?;
        }
    }
    Ok(n)
}

/// Points over the range axes: `samples`, or r·(D + 1) for morris and
/// N·(2D + 2) for sobol (D range axes).
fn range_points(def: &SweepDef) -> Result<u64, String> {
    let d = def.range_axes().len() as u64;
    let per = match def.design {
        DesignKind::Morris => d + 1,
        DesignKind::Sobol => 2 * d + 2,
        _ => 1,
    };
    def.samples.checked_mul(per).ok_or_else(too_many)
}

fn too_many() -> String {
    "the sweep has more points than a 64-bit count holds".into()
}

impl Design {
    pub fn new(def: &SweepDef) -> Result<Self, String> {
        let points = count_points(def)?;
        let mut sources = Vec::with_capacity(def.axes.len());
        let mut radices = Vec::new();
        let mut ranges = 0;
        for axis in &def.axes {
            match &axis.kind {
                AxisKind::List(values) => {
                    sources.push(Source::List(radices.len(), values.clone()));
                    radices.push(values.len() as u64);
                }
                AxisKind::Range(r) => {
                    sources.push(Source::Range(ranges, *r));
                    ranges += 1;
                }
            }
        }
        let samples = range_points(def)?;
        let n = usize::try_from(def.samples).map_err(|_| too_many())?;
        let mut rng = SplitMix::new(def.seed);
        let unit = match def.design {
            DesignKind::Grid => Vec::new(),
            DesignKind::Random => (0..n * ranges).map(|_| rng.unit()).collect(),
            DesignKind::Latin => latin_hypercube(n, ranges, &mut rng),
            DesignKind::Morris => {
                let levels = usize::try_from(def.levels).map_err(|_| too_many())?;
                morris_design(ranges, n, levels, def.seed)
                    .map_err(|e| e.to_string())?
                    .concat()
            }
            DesignKind::Sobol => saltelli_design(ranges, n, def.seed, true)
                .map_err(|e| e.to_string())?
                .concat(),
        };
        Ok(Self {
            sources,
            radices,
            samples,
            unit,
            ranges,
            points,
            morris: def.design == DesignKind::Morris,
        })
    }

    pub fn points(&self) -> u64 {
        self.points
    }

    /// The axis values of `point` (< `points()`), in axis order.
    pub fn values(&self, point: u64) -> Vec<Value> {
        let sample = point % self.samples;
        let mut combination = point / self.samples;
        // Row-major: the last list axis varies fastest.
        let mut digits = vec![0u64; self.radices.len()];
        for (digit, radix) in digits.iter_mut().zip(&self.radices).rev() {
            *digit = combination % radix;
            combination /= radix;
        }
        self.sources
            .iter()
            .map(|source| match source {
                Source::List(i, values) => values[digits[*i] as usize].clone(),
                Source::Range(column, range) => {
                    let u = self
                        .unit
                        .get(sample as usize * self.ranges + column)
                        .copied()
                        .unwrap_or(0.0);
                    if self.morris {
                        range.morris_value_at(u)
                    } else {
                        range.value_at(u)
                    }
                }
            })
            .collect()
    }
}

/// Bounds of stratum `k` of `n` in [0, 1): [k/n, (k+1)/n).
pub fn stratum(k: usize, n: usize) -> (f64, f64) {
    (k as f64 / n as f64, (k + 1) as f64 / n as f64)
}

/// `n` points in `[0, 1)^dims`, row-major: in every dimension, each of the
/// `n` strata [k/n, (k+1)/n) holds exactly one point, placed uniformly in it.
pub fn latin_hypercube(n: usize, dims: usize, rng: &mut SplitMix) -> Vec<f64> {
    let mut unit = vec![0.0; n * dims];
    let mut perm: Vec<usize> = Vec::with_capacity(n);
    for d in 0..dims {
        perm.clear();
        perm.extend(0..n);
        // Fisher–Yates.
        for i in (1..n).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            perm.swap(i, j);
        }
        for (s, &k) in perm.iter().enumerate() {
            let (lo, hi) = stratum(k, n);
            let u = lo + rng.unit() * (hi - lo);
            // Rounding must not carry a point into the next stratum.
            unit[s * dims + d] = if u < hi { u } else { lo };
        }
    }
    unit
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn def(text: &str) -> SweepDef {
        let table: toml::Table = text.parse().expect("toml");
        SweepDef::parse(table.get("sweep").expect("[sweep]"), 1).expect("valid")
    }

    /// The stratum of `u` among `n`, by the same bounds the design uses.
    fn stratum_of(u: f64, n: usize) -> usize {
        (0..n)
            .find(|&k| {
                let (lo, hi) = stratum(k, n);
                lo <= u && u < hi
            })
            .unwrap_or(usize::MAX)
    }

    proptest! {
        #[test]
        fn latin_hypercube_has_one_point_per_stratum(n in 1usize..300, dims in 1usize..5, seed: u64) {
            let unit = latin_hypercube(n, dims, &mut SplitMix::new(seed));
            for d in 0..dims {
                let mut hits = vec![0u32; n];
                for s in 0..n {
                    let k = stratum_of(unit[s * dims + d], n);
                    prop_assert!(k < n, "point outside [0, 1)");
                    hits[k] += 1;
                }
                prop_assert!(hits.iter().all(|&h| h == 1), "strata hit {:?}", hits);
            }
        }

        #[test]
        fn latin_axis_values_stratify_the_range(samples in 1u64..200, seed in 0i64..1000) {
            // A range [0, samples): stratum k of the axis is [k, k + 1).
            let d = def(&format!(
                "[sweep]\ndesign = \"latin\"\nsamples = {samples}\nseed = {seed}\n\
                 [sweep.axes]\na = {{ min = 0, max = {samples} }}\nb = {{ min = 0, max = {samples} }}\n"
            ));
            let design = Design::new(&d).expect("design");
            prop_assert_eq!(design.points(), samples);
            for axis in 0..2 {
                let mut hits = vec![0u32; samples as usize];
                for p in 0..samples {
                    let v = design.values(p)[axis].as_float().expect("float");
                    let k = v.floor() as usize;
                    prop_assert!(k < samples as usize);
                    hits[k] += 1;
                }
                prop_assert!(hits.iter().all(|&h| h == 1), "strata hit {:?}", hits);
            }
        }
    }

    #[test]
    fn grid_is_row_major_over_sorted_axes() {
        let d = def("[sweep.axes]\nb = [\"x\", \"y\", \"z\"]\na = [1, 2]\n");
        let design = Design::new(&d).expect("design");
        assert_eq!(design.points(), 6);
        let cells: Vec<String> = (0..6)
            .map(|p| {
                design
                    .values(p)
                    .iter()
                    .map(super::super::definition::cell)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        assert_eq!(cells, ["1,x", "1,y", "1,z", "2,x", "2,y", "2,z"]);
    }

    #[test]
    fn samples_cross_every_list_combination_and_are_seeded() {
        let text = "[sweep]\ndesign = \"random\"\nsamples = 3\nseed = 9\n[sweep.axes]\nk = [\"p\", \"q\"]\nr = { min = 0, max = 1 }\n";
        let design = Design::new(&def(text)).expect("design");
        assert_eq!(design.points(), 6);
        // The same three draws for each value of the list axis.
        for s in 0..3 {
            assert_eq!(design.values(s)[1], design.values(3 + s)[1]);
            assert_eq!(design.values(s)[0], Value::String("p".into()));
            assert_eq!(design.values(3 + s)[0], Value::String("q".into()));
        }
        let again = Design::new(&def(text)).expect("design");
        assert_eq!(design.values(2), again.values(2), "same seed, same draws");
        let other = Design::new(&def(&text.replace("seed = 9", "seed = 10"))).expect("design");
        assert_ne!(
            design.values(2),
            other.values(2),
            "another seed, other draws"
        );
    }

    #[test]
    fn morris_and_sobol_have_their_documented_sizes_and_map_ranges() {
        let m = def(
            "[sweep]\ndesign = \"morris\"\ntrajectories = 5\nlevels = 6\nseed = 2\n[sweep.axes]\n\
             a = { min = 10, max = 20 }\nb = { min = 1, max = 100, log = true }\nc = [\"k\"]\nd = { min = 0, max = 1 }\n",
        );
        let design = Design::new(&m).expect("design");
        assert_eq!(design.points(), 5 * 4, "r (D + 1)");
        let unit = morris_design(3, 5, 6, 2).expect("unit");
        for (p, u) in unit.iter().enumerate() {
            let v = design.values(p as u64);
            let a = v[0].as_float().expect("a");
            assert!((a - (10.0 + u[0] * 10.0)).abs() < 1e-12, "linear map");
            let b = v[1].as_float().expect("b");
            assert!((b.ln() - u[1] * 100f64.ln()).abs() < 1e-12, "log map");
            assert_eq!(
                v[2],
                Value::String("k".into()),
                "a one-value list is a constant"
            );
        }
        let s = def(
            "[sweep]\ndesign = \"sobol\"\nsamples = 8\n[sweep.axes]\na = { min = 0, max = 1 }\nb = { min = 0, max = 1 }\n",
        );
        let design = Design::new(&s).expect("design");
        assert_eq!(design.points(), 8 * 6, "N (2D + 2)");
        let unit = saltelli_design(2, 8, s.seed, true).expect("unit");
        for (p, u) in unit.iter().enumerate() {
            let v = design.values(p as u64);
            assert_eq!(v[0].as_float(), Some(u[0]));
            assert_eq!(v[1].as_float(), Some(u[1]));
        }
    }

    #[test]
    fn integer_axes_take_whole_numbers_in_every_sensitivity_design() {
        // Morris, p = 4 on [0, 90]: levels 0, 30, 60, 90; a step moves the
        // integer axis by exactly Δ · 90 = 60.
        let m = def(
            "[sweep]\ndesign = \"morris\"\ntrajectories = 8\nseed = 5\n[sweep.axes]\n\
             a = { min = 0, max = 90, integer = true }\nb = { min = 0, max = 1 }\n",
        );
        let design = Design::new(&m).expect("design");
        let unit = morris_design(2, 8, 4, 5).expect("unit");
        let mut seen = std::collections::BTreeSet::new();
        for t in 0..8 {
            for k in 0..3 {
                let p = t * 3 + k;
                let v = design.values(p as u64);
                let a = v[0].as_integer().expect("a whole number");
                assert_eq!(a, (unit[p][0] * 90.0).round() as i64);
                assert!([0, 30, 60, 90].contains(&a), "{a} is a level");
                seen.insert(a);
                if k > 0 {
                    let before = design.values(p as u64 - 1)[0].as_integer().expect("int");
                    let moved = unit[p][0] != unit[p - 1][0];
                    assert_eq!((a - before).abs(), if moved { 60 } else { 0 });
                }
            }
        }
        assert!(seen.len() >= 3, "levels used: {seen:?}");
        // Sobol': the discretised coordinate, as random and latin designs map it.
        let s = def("[sweep]\ndesign = \"sobol\"\nsamples = 16\n[sweep.axes]\n\
             a = { min = 0, max = 90, integer = true }\nb = { min = 0, max = 1 }\n");
        let design = Design::new(&s).expect("design");
        let unit = saltelli_design(2, 16, s.seed, true).expect("unit");
        let r = Range::whole_numbers(0.0, 90.0);
        for (p, u) in unit.iter().enumerate() {
            assert_eq!(design.values(p as u64)[0], r.value_at(u[0]));
        }
        // Latin: strata of [0, 1) fall on the whole numbers evenly: with 300
        // points over 3 numbers, each gets 100 ± 1.
        let l = def(
            "[sweep]\ndesign = \"latin\"\nsamples = 300\n[sweep.axes]\na = { min = 1, max = 3, integer = true }\n",
        );
        let design = Design::new(&l).expect("design");
        let mut counts = [0u32; 3];
        for p in 0..300 {
            counts[(design.values(p)[0].as_integer().expect("int") - 1) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (99..=101).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn estimators_on_integer_axes_give_the_indices_of_the_discretised_model() {
        use mirage_analysis::sensitivity::{morris_analyze, sobol_analyze, Bootstrap};
        let number = |v: &Value| {
            v.as_integer()
                .map_or_else(|| v.as_float().expect("a number"), |i| i as f64)
        };
        // Morris on y = 3a + 2b, a whole number in [0, 90] (p = 4), b in
        // [0, 1]: every elementary effect is the coefficient × the range.
        let m = def(
            "[sweep]\ndesign = \"morris\"\ntrajectories = 10\nseed = 3\n[sweep.axes]\n\
             a = { min = 0, max = 90, integer = true }\nb = { min = 0, max = 1 }\n",
        );
        let design = Design::new(&m).expect("design");
        let y: Vec<f64> = (0..design.points())
            .map(|p| {
                let v = design.values(p);
                3.0 * number(&v[0]) + 2.0 * number(&v[1])
            })
            .collect();
        let unit = morris_design(2, 10, 4, 3).expect("unit");
        let m = morris_analyze(&unit, &y, 4, &Bootstrap::default()).expect("indices");
        assert!(
            (m.mu_star[0].value - 270.0).abs() < 1e-9,
            "{}",
            m.mu_star[0].value
        );
        assert!(
            (m.mu_star[1].value - 2.0).abs() < 1e-9,
            "{}",
            m.mu_star[1].value
        );
        // Sobol' on y = a + 10 b, a uniform on the whole numbers 0..=9: Var a =
        // (10² − 1)/12 = 8.25, Var 10b = 100/12, so S1 = 0.4975 and 0.5025.
        let s = def(
            "[sweep]\ndesign = \"sobol\"\nsamples = 1024\nseed = 4\n[sweep.axes]\n\
             a = { min = 0, max = 9, integer = true }\nb = { min = 0, max = 1 }\n",
        );
        let design = Design::new(&s).expect("design");
        let y: Vec<f64> = (0..design.points())
            .map(|p| {
                let v = design.values(p);
                number(&v[0]) + 10.0 * number(&v[1])
            })
            .collect();
        let idx = sobol_analyze(2, &y, true, &Bootstrap::default()).expect("indices");
        let var_a = 99.0 / 12.0;
        let var_b = 100.0 / 12.0;
        for (axis, want) in [(0, var_a / (var_a + var_b)), (1, var_b / (var_a + var_b))] {
            for e in [idx.s1[axis], idx.st[axis]] {
                let slack = e.conf.max(0.01);
                assert!(
                    (e.value - want).abs() <= slack,
                    "axis {axis}: {} vs {want} (± {slack})",
                    e.value
                );
                assert!(e.conf < 0.1, "a tight interval: {}", e.conf);
            }
        }
    }
}
