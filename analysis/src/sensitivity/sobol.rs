//! Sobol' variance-based sensitivity: Saltelli's design and the S1, ST, S2
//! estimators, laid out and computed as SALib 1.5 does
//! (`SALib/sample/sobol.py`, `SALib/analyze/sobol.py`).
//!
//! Design. Base matrices A and B (N × D) are the first and the last D
//! coordinates of the first N points of a 2D-dimensional Owen-scrambled
//! Sobol' sequence (crate `sobol_burley` 0.5, Burley's hash-based
//! scrambling; its `seed` is the first `u32` of
//! `ChaCha8Rng::seed_from_u64(seed)`). For each base row j the design lists
//! A_j, then AB_j^i for i = 1..D (A_j with coordinate i from B_j), then (with
//! second-order indices) BA_j^i for i = 1..D (B_j with coordinate i from
//! A_j), then B_j: N·(2D + 2) points, or N·(D + 2) without BA.
//! `sobol_burley` supports N ≤ 2^16 and 2D ≤ 256; its values are `f32`
//! widened to `f64` (24 bits of resolution, ample for a design).
//!
//! Estimators. The outputs are first standardised over all points,
//! Y ← (Y − mean) / sd (population sd), which changes S1 and S2 (not ST);
//! then with Var = population variance of the 2N values of A ∪ B:
//! S1_i = mean(Y_B (Y_ABi − Y_A)) / Var (Saltelli et al. 2010);
//! ST_i = ½ mean((Y_A − Y_ABi)²) / Var (Jansen 1999);
//! S2_ik = mean(Y_BAi Y_ABk − Y_A Y_B) / Var − S1_i − S1_k (Saltelli 2002).
//! Confidence: the N base rows are resampled with replacement (one set of
//! resamples shared by every index), each index is recomputed on each
//! resample, and conf = Z · sd(resampled estimates, ddof = 1) with
//! Z = Φ⁻¹(0.5 + level/2). As in SALib, a resample whose A ∪ B is constant
//! contributes 0.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{
    check_finite, resample_indices, sd_ddof1, Bootstrap, Estimate, IndexKind, SensitivityError,
    SensitivityIndex,
};

/// Largest base sample count `sobol_burley` supports.
pub const MAX_BASE_SAMPLES: usize = 1 << 16;
/// Largest number of axes (the sequence has 256 dimensions, A and B take 2D).
pub const MAX_AXES: usize = (sobol_burley::NUM_DIMENSIONS / 2) as usize;

/// Points per base row: 2D + 2 with second-order indices, D + 2 without.
pub fn saltelli_len(d: usize, second_order: bool) -> usize {
    if second_order {
        2 * d + 2
    } else {
        d + 2
    }
}

/// Saltelli's design over `d` axes with `n` base rows: `n · (2d + 2)` points
/// of [0, 1)^d (or `n · (d + 2)` without second order), in SALib's order
/// (see the module documentation). Deterministic given `seed`. A power of
/// two for `n` keeps the Sobol' points balanced.
pub fn saltelli_design(
    d: usize,
    n: usize,
    seed: u64,
    second_order: bool,
) -> Result<Vec<Vec<f64>>, SensitivityError> {
    if d == 0 {
        return Err(SensitivityError::NoAxes);
    }
    if d > MAX_AXES {
        return Err(SensitivityError::TooMany {
            what: "the number of axes of a Sobol' design",
            max: MAX_AXES,
            got: d,
            why: "the Sobol' sequence has 256 dimensions and A, B take 2 per axis",
        });
    }
    if n == 0 {
        return Err(SensitivityError::TooFew {
            what: "the number of base samples N",
            min: 1,
            got: n,
        });
    }
    if n > MAX_BASE_SAMPLES {
        return Err(SensitivityError::TooMany {
            what: "the number of base samples N",
            max: MAX_BASE_SAMPLES,
            got: n,
            why: "the scrambled Sobol' sequence used has 2^16 points",
        });
    }
    let scramble = ChaCha8Rng::seed_from_u64(seed).next_u32();
    let mut points = Vec::with_capacity(n * saltelli_len(d, second_order));
    for j in 0..n {
        // Both bounds were checked above, so the casts are exact.
        let index = j as u32;
        let coord = |dim: usize| f64::from(sobol_burley::sample(index, dim as u32, scramble));
        let a: Vec<f64> = (0..d).map(coord).collect();
        let b: Vec<f64> = (d..2 * d).map(coord).collect();
        points.push(a.clone());
        for i in 0..d {
            let mut ab = a.clone();
            ab[i] = b[i];
            points.push(ab);
        }
        if second_order {
            for i in 0..d {
                let mut ba = b.clone();
                ba[i] = a[i];
                points.push(ba);
            }
        }
        points.push(b);
    }
    Ok(points)
}

/// Sobol' indices of one output, per axis in design order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolIndices {
    /// Base rows N.
    pub n: usize,
    pub s1: Vec<Estimate>,
    pub st: Vec<Estimate>,
    /// Second-order indices of each pair (i, k), i < k, in SALib's order
    /// (i ascending, then k); empty without second order.
    pub s2: Vec<(usize, usize, Estimate)>,
}

impl SobolIndices {
    /// The indices as `sensitivity.csv` rows: S1 and ST per axis, then S2
    /// per pair with the axis written `a*b`.
    pub fn rows<S: AsRef<str>>(
        &self,
        names: &[S],
    ) -> Result<Vec<SensitivityIndex>, SensitivityError> {
        if names.len() != self.s1.len() {
            return Err(SensitivityError::Names(names.len(), self.s1.len()));
        }
        let row = |axis: String, index, e: &Estimate| SensitivityIndex {
            axis,
            index,
            value: e.value,
            ci_low: Some(e.ci_low()),
            ci_high: Some(e.ci_high()),
        };
        let mut rows = Vec::with_capacity(2 * self.s1.len() + self.s2.len());
        for (i, name) in names.iter().enumerate() {
            rows.push(row(name.as_ref().to_string(), IndexKind::S1, &self.s1[i]));
            rows.push(row(name.as_ref().to_string(), IndexKind::ST, &self.st[i]));
        }
        for (i, k, e) in &self.s2 {
            let axis = format!("{}*{}", names[*i].as_ref(), names[*k].as_ref());
            rows.push(row(axis, IndexKind::S2, e));
        }
        Ok(rows)
    }
}

/// Sobol' indices of the outputs `y` of a [`saltelli_design`] over `d` axes,
/// one output per point in design order.
pub fn sobol_analyze(
    d: usize,
    y: &[f64],
    second_order: bool,
    bootstrap: &Bootstrap,
) -> Result<SobolIndices, SensitivityError> {
    let z = bootstrap.z()?;
    let n = base_rows(d, y.len(), second_order)?;
    let mut rng = ChaCha8Rng::seed_from_u64(bootstrap.seed);
    let resamples = resample_indices(&mut rng, n, bootstrap.resamples);
    analyze_with(d, y, second_order, z, &resamples)
}

fn base_rows(d: usize, len: usize, second_order: bool) -> Result<usize, SensitivityError> {
    if d == 0 {
        return Err(SensitivityError::NoAxes);
    }
    let per_row = saltelli_len(d, second_order);
    if len == 0 || len / per_row * per_row != len {
        return Err(SensitivityError::SobolLength {
            got: len,
            axes: d,
            per_row,
        });
    }
    Ok(len / per_row)
}

/// The estimators with given resamples (each a vector of N base-row
/// indices), so that tests can replay SALib's own resamples.
pub(crate) fn analyze_with(
    d: usize,
    y: &[f64],
    second_order: bool,
    z: f64,
    resamples: &[Vec<usize>],
) -> Result<SobolIndices, SensitivityError> {
    let n = base_rows(d, y.len(), second_order)?;
    check_finite(y)?;
    let standardised = standardise(y)?;
    let blocks = Blocks {
        y: &standardised,
        d,
        step: saltelli_len(d, second_order),
        second_order,
    };
    let all: Vec<usize> = (0..n).collect();
    if blocks.a_b_constant(&all) {
        return Err(SensitivityError::ConstantOutput);
    }
    let point = blocks.estimates(&all);
    let boot: Vec<Vec<f64>> = resamples.iter().map(|r| blocks.estimates(r)).collect();
    // SALib sets S1/ST's conf to 0 when every resampled A ∪ B value is equal.
    let (lo, hi) = resamples
        .iter()
        .map(|r| blocks.a_b_range(r))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (l, h)| {
            (lo.min(l), hi.max(h))
        });
    let spread = hi - lo != 0.0 && hi >= lo;
    let conf = |slot: usize, first_or_total: bool| {
        if first_or_total && !spread {
            return 0.0;
        }
        let column: Vec<f64> = boot.iter().map(|e| e[slot]).collect();
        z * sd_ddof1(&column)
    };
    let estimate = |slot: usize, first_or_total: bool| Estimate {
        value: point[slot],
        conf: conf(slot, first_or_total),
    };
    let s1 = (0..d).map(|i| estimate(i, true)).collect();
    let st = (0..d).map(|i| estimate(d + i, true)).collect();
    let s2 = blocks
        .pairs()
        .enumerate()
        .map(|(p, (i, k))| (i, k, estimate(2 * d + p, false)))
        .collect();
    Ok(SobolIndices { n, s1, st, s2 })
}

/// (Y − mean) / sd with the population sd; constant Y is an error.
fn standardise(y: &[f64]) -> Result<Vec<f64>, SensitivityError> {
    let (lo, hi) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if hi - lo == 0.0 {
        return Err(SensitivityError::ConstantOutput);
    }
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let sd = (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    if !(sd > 0.0 && sd.is_finite()) {
        return Err(SensitivityError::ConstantOutput);
    }
    Ok(y.iter().map(|v| (v - mean) / sd).collect())
}

/// The A, AB, BA, B blocks of standardised outputs, read in place.
struct Blocks<'a> {
    y: &'a [f64],
    d: usize,
    step: usize,
    second_order: bool,
}

impl Blocks<'_> {
    fn a(&self, j: usize) -> f64 {
        self.y[j * self.step]
    }
    fn b(&self, j: usize) -> f64 {
        self.y[j * self.step + self.step - 1]
    }
    fn ab(&self, j: usize, i: usize) -> f64 {
        self.y[j * self.step + 1 + i]
    }
    fn ba(&self, j: usize, i: usize) -> f64 {
        self.y[j * self.step + 1 + self.d + i]
    }

    fn pairs(&self) -> impl Iterator<Item = (usize, usize)> {
        let d = self.d;
        let second = self.second_order;
        (0..d)
            .flat_map(move |i| (i + 1..d).map(move |k| (i, k)))
            .filter(move |_| second)
    }

    /// SALib's test: peak-to-peak of A ∪ B at most machine epsilon.
    fn a_b_constant(&self, idx: &[usize]) -> bool {
        let (lo, hi) = self.a_b_range(idx);
        hi - lo <= f64::EPSILON
    }

    fn a_b_range(&self, idx: &[usize]) -> (f64, f64) {
        idx.iter()
            .flat_map(|&j| [self.a(j), self.b(j)])
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    }

    /// [S1 × D, ST × D, S2 per pair] over the base rows `idx`.
    fn estimates(&self, idx: &[usize]) -> Vec<f64> {
        let d = self.d;
        let pairs = if self.second_order {
            d * (d - 1) / 2
        } else {
            0
        };
        let mut out = vec![0.0; 2 * d + pairs];
        if idx.is_empty() || self.a_b_constant(idx) {
            return out;
        }
        let m = idx.len() as f64;
        let mean_ab = idx.iter().map(|&j| self.a(j) + self.b(j)).sum::<f64>() / (2.0 * m);
        let var = idx
            .iter()
            .map(|&j| {
                let (a, b) = (self.a(j) - mean_ab, self.b(j) - mean_ab);
                a * a + b * b
            })
            .sum::<f64>()
            / (2.0 * m);
        if var <= f64::EPSILON {
            return out;
        }
        for i in 0..d {
            let first = idx
                .iter()
                .map(|&j| self.b(j) * (self.ab(j, i) - self.a(j)))
                .sum::<f64>()
                / m;
            let total = idx
                .iter()
                .map(|&j| {
                    let diff = self.a(j) - self.ab(j, i);
                    diff * diff
                })
                .sum::<f64>()
                / m;
            out[i] = first / var;
            out[d + i] = 0.5 * total / var;
        }
        for (p, (i, k)) in self.pairs().enumerate() {
            let joint = idx
                .iter()
                .map(|&j| self.ba(j, i) * self.ab(j, k) - self.a(j) * self.b(j))
                .sum::<f64>()
                / m;
            out[2 * d + p] = joint / var - out[i] - out[k];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ishigami(x: &[f64]) -> f64 {
        use std::f64::consts::PI;
        let (a, b) = (7.0, 0.1);
        let u: Vec<f64> = x.iter().map(|v| -PI + 2.0 * PI * v).collect();
        u[0].sin() + a * u[1].sin().powi(2) + b * u[2].powi(4) * u[0].sin()
    }

    #[test]
    fn design_has_salib_shape_and_order() {
        let (d, n) = (3, 16);
        let x = saltelli_design(d, n, 7, true).expect("design");
        assert_eq!(x.len(), n * (2 * d + 2));
        let step = 2 * d + 2;
        for j in 0..n {
            let row = &x[j * step..(j + 1) * step];
            let (a, b) = (&row[0], &row[step - 1]);
            assert_eq!(a.len(), d);
            // A and B differ in every coordinate (distinct Sobol' dimensions).
            assert!(a.iter().zip(b).all(|(u, v)| u != v), "{a:?} {b:?}");
            for i in 0..d {
                let ab = &row[1 + i];
                let ba = &row[1 + d + i];
                for c in 0..d {
                    if c == i {
                        assert_eq!(ab[c], b[c]);
                        assert_eq!(ba[c], a[c]);
                    } else {
                        assert_eq!(ab[c], a[c]);
                        assert_eq!(ba[c], b[c]);
                    }
                }
            }
            assert!(row.iter().flatten().all(|v| (0.0..1.0).contains(v)));
        }
        let first = saltelli_design(d, n, 8, false).expect("design");
        assert_eq!(first.len(), n * (d + 2));
        for j in 0..n {
            let row = &first[j * (d + 2)..(j + 1) * (d + 2)];
            let (a, b) = (&row[0], &row[d + 1]);
            for i in 0..d {
                for c in 0..d {
                    assert_eq!(row[1 + i][c], if c == i { b[c] } else { a[c] });
                }
            }
        }
    }

    #[test]
    fn design_is_seeded_and_stratified() {
        let a = saltelli_design(2, 64, 1, true).expect("design");
        let b = saltelli_design(2, 64, 1, true).expect("design");
        let c = saltelli_design(2, 64, 2, true).expect("design");
        assert_eq!(a, b);
        assert_ne!(a, c);
        // A's first coordinate over 64 base rows: one point per 1/64 stratum.
        let mut strata: Vec<usize> = (0..64).map(|j| (a[j * 6][0] * 64.0) as usize).collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..64).collect::<Vec<_>>());
    }

    #[test]
    fn design_limits_are_errors() {
        assert_eq!(
            saltelli_design(0, 4, 0, true),
            Err(SensitivityError::NoAxes)
        );
        assert!(matches!(
            saltelli_design(2, 0, 0, true),
            Err(SensitivityError::TooFew { .. })
        ));
        assert!(matches!(
            saltelli_design(129, 4, 0, true),
            Err(SensitivityError::TooMany { .. })
        ));
        assert!(matches!(
            saltelli_design(2, (1 << 16) + 1, 0, true),
            Err(SensitivityError::TooMany { .. })
        ));
    }

    #[test]
    fn ishigami_indices_match_the_analytical_values() {
        let n = 4096;
        let x = saltelli_design(3, n, 2024, true).expect("design");
        let y: Vec<f64> = x.iter().map(|p| ishigami(p)).collect();
        let si = sobol_analyze(3, &y, true, &Bootstrap::default()).expect("analysis");
        // Analytical values (Ishigami & Homma 1990; a = 7, b = 0.1).
        let s1 = [0.3139, 0.4424, 0.0];
        let st = [0.5576, 0.4424, 0.2437];
        let s2 = [(0, 1, 0.0), (0, 2, 0.2437), (1, 2, 0.0)];
        let slack = 0.01;
        let within = |e: &Estimate, truth: f64, what: &str| {
            assert!(
                e.ci_low() - slack <= truth && truth <= e.ci_high() + slack,
                "{what}: {truth} outside [{}, {}] (value {})",
                e.ci_low(),
                e.ci_high(),
                e.value
            );
            // The interval is a real one, not a blanket: narrower than 0.1.
            assert!(e.conf > 0.0 && e.conf < 0.05, "{what}: conf {}", e.conf);
        };
        for i in 0..3 {
            within(&si.s1[i], s1[i], &format!("S1[{i}]"));
            within(&si.st[i], st[i], &format!("ST[{i}]"));
        }
        for (p, &(i, k, truth)) in s2.iter().enumerate() {
            assert_eq!((si.s2[p].0, si.s2[p].1), (i, k));
            let e = si.s2[p].2;
            assert!(
                e.ci_low() - slack <= truth && truth <= e.ci_high() + slack,
                "S2[{i},{k}] = {} ± {}",
                e.value,
                e.conf
            );
        }
        let rows = si.rows(&["x1", "x2", "x3"]).expect("rows");
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[8].axis, "x2*x3");
        assert_eq!(rows[8].index, IndexKind::S2);
        assert_eq!(rows[1].index, IndexKind::ST);
    }

    /// Cross-check against SALib 1.6.0 itself (same estimators as 1.5):
    /// `sobol.analyze(problem, Y, calc_second_order=True, num_resamples=5,
    /// seed=42)` with D = 3, N = 8 and Y_k = sin(1.7 k) + 0.01 k for the
    /// 64 points k = 0..63; `resamples` are the columns of SALib's resample
    /// matrix `np.random.default_rng(42).integers(8, size=(8, 5))`. Values
    /// printed by SALib with `repr(float(...))`.
    #[test]
    fn matches_salib_on_the_same_outputs_and_resamples() {
        let y: Vec<f64> = (0..64)
            .map(|k| (1.7 * k as f64).sin() + 0.01 * k as f64)
            .collect();
        let resamples = vec![
            vec![0, 6, 4, 6, 4, 5, 3, 0],
            vec![6, 0, 7, 4, 2, 3, 1, 6],
            vec![5, 5, 5, 1, 1, 6, 0, 6],
            vec![3, 1, 6, 6, 7, 4, 4, 2],
            vec![3, 0, 5, 3, 6, 3, 7, 5],
        ];
        let z = Bootstrap::default().z().expect("z");
        let si = analyze_with(3, &y, true, z, &resamples).expect("analysis");
        let s1 = [
            -1.4482072192692443,
            -1.2573740626990635,
            0.14125543610317529,
        ];
        let s1_conf = [1.5912417514316177, 0.8430564182902762, 1.1479372477701928];
        let st = [1.17619114432529, 2.198763409073021, 0.8126857742389385];
        let st_conf = [1.3267550857087853, 1.613727439155905, 0.9984809554116375];
        let s2 = [0.8918926964739913, 0.25537968991022963, -0.6112575650219847];
        let s2_conf = [1.3411943279742935, 0.9892766530465906, 2.9805693026576288];
        let close = |got: f64, want: f64, what: &str| {
            assert!((got - want).abs() < 1e-9, "{what}: {got} vs SALib {want}");
        };
        for i in 0..3 {
            close(si.s1[i].value, s1[i], "S1");
            close(si.s1[i].conf, s1_conf[i], "S1_conf");
            close(si.st[i].value, st[i], "ST");
            close(si.st[i].conf, st_conf[i], "ST_conf");
            close(si.s2[i].2.value, s2[i], "S2");
            close(si.s2[i].2.conf, s2_conf[i], "S2_conf");
        }
    }

    #[test]
    fn additive_function_has_no_interactions() {
        // f = x1 + 2 x2: S1 = ST = 1/5, 4/5; S2 = 0.
        let x = saltelli_design(2, 1024, 3, true).expect("design");
        let y: Vec<f64> = x.iter().map(|p| p[0] + 2.0 * p[1]).collect();
        let si = sobol_analyze(2, &y, true, &Bootstrap::default()).expect("analysis");
        assert!((si.s1[0].value - 0.2).abs() < 0.02, "{:?}", si.s1);
        assert!((si.s1[1].value - 0.8).abs() < 0.02, "{:?}", si.s1);
        assert!((si.st[0].value - 0.2).abs() < 0.02, "{:?}", si.st);
        assert!((si.st[1].value - 0.8).abs() < 0.02, "{:?}", si.st);
        assert!(si.s2[0].2.value.abs() < 0.03, "{:?}", si.s2);
    }

    #[test]
    fn bootstrap_is_seeded() {
        let x = saltelli_design(2, 128, 3, true).expect("design");
        let y: Vec<f64> = x.iter().map(|p| p[0] * p[1] + p[0]).collect();
        let run = |seed| {
            sobol_analyze(
                2,
                &y,
                true,
                &Bootstrap {
                    seed,
                    ..Bootstrap::default()
                },
            )
            .expect("analysis")
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5).s1[0].conf, run(6).s1[0].conf);
        assert_eq!(run(5).s1[0].value, run(6).s1[0].value);
    }

    #[test]
    fn bad_outputs_are_errors() {
        let b = Bootstrap::default();
        assert!(matches!(
            sobol_analyze(2, &[1.0; 13], true, &b),
            Err(SensitivityError::SobolLength { got: 13, .. })
        ));
        assert!(matches!(
            sobol_analyze(2, &[], true, &b),
            Err(SensitivityError::SobolLength { got: 0, .. })
        ));
        assert_eq!(
            sobol_analyze(2, &[3.0; 12], true, &b),
            Err(SensitivityError::ConstantOutput)
        );
        let mut y = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        y[4] = f64::NAN;
        assert!(matches!(
            sobol_analyze(1, &y, true, &b),
            Err(SensitivityError::NonFinite { index: 4, .. })
        ));
        assert_eq!(
            sobol_analyze(0, &y, true, &b),
            Err(SensitivityError::NoAxes)
        );
    }
}
