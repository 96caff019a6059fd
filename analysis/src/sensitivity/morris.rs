//! Morris elementary-effects screening: the trajectory design and the μ*, μ,
//! σ statistics, as SALib does them (`SALib/sample/morris/morris.py` without
//! optimal trajectories or groups, `SALib/analyze/morris.py` unscaled).
//!
//! Design (Morris 1991). The grid has p levels {0, 1/(p−1), …, 1}, p even,
//! and the step is Δ = p / (2(p − 1)), i.e. p/2 grid steps. Each of the r
//! trajectories draws, from one `ChaCha8Rng::seed_from_u64(seed)` in this
//! order, a base point x* with each coordinate uniform on the lower half of
//! the grid {0, …, 1 − Δ}, a direction ±1 per axis, and a random order of
//! the axes (Fisher–Yates); it starts at x* (or x* + Δ on the axes going
//! down) and moves the axes one at a time in that order by ±Δ: D + 1 points,
//! all on the grid. This is SALib's B* = x* + (Δ/2)((2B − J)D* + J)P*
//! construction, drawn with a different RNG.
//!
//! Analysis. For each step of a trajectory the one coordinate that changed
//! is found from the points themselves; its elementary effect is
//! EE = (f(upper) − f(lower)) / Δ, i.e. (y_next − y_prev)/Δ for a step up
//! and the opposite for a step down. Then μ = mean EE, μ* = mean |EE|
//! (Campolongo et al. 2007), σ = sd EE with ddof = 1 (undefined, and left
//! out, with a single trajectory). μ*'s interval: for each axis in order, the
//! r effects are resampled with replacement `resamples` times, and
//! conf = Z · sd(resampled μ*, ddof = 1) (SALib's `mu_star_conf`).
//! Constant outputs are not an error here: every effect is 0.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{
    check_finite, resample_indices, sd_ddof1, Bootstrap, Estimate, IndexKind, SensitivityError,
    SensitivityIndex,
};

/// Largest number of grid levels accepted (a sanity bound).
pub const MAX_LEVELS: usize = 1 << 20;

/// The Morris step Δ = p / (2(p − 1)) for `levels` = p.
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

fn check_levels(levels: usize) -> Result<(), SensitivityError> {
    if levels < 2 || levels & 1 == 1 || levels > MAX_LEVELS {
        return Err(SensitivityError::Levels(levels));
    }
    Ok(())
}

/// `trajectories` Morris trajectories over `d` axes on a `levels`-level grid
/// of [0, 1]^d: `trajectories · (d + 1)` points, each trajectory's d + 1
/// points consecutive (see the module documentation). Deterministic given
/// `seed`.
pub fn morris_design(
    d: usize,
    trajectories: usize,
    levels: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, SensitivityError> {
    if d == 0 {
        return Err(SensitivityError::NoAxes);
    }
    if trajectories == 0 {
        return Err(SensitivityError::TooFew {
            what: "the number of Morris trajectories r",
            min: 1,
            got: trajectories,
        });
    }
    check_levels(levels)?;
    let half = levels / 2;
    let top = (levels - 1) as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = Vec::with_capacity(trajectories * (d + 1));
    for _ in 0..trajectories {
        let base: Vec<usize> = (0..d).map(|_| rng.random_range(0..half)).collect();
        let up: Vec<bool> = (0..d).map(|_| rng.random_bool(0.5)).collect();
        let mut order: Vec<usize> = (0..d).collect();
        order.shuffle(&mut rng);
        let mut level: Vec<usize> = base
            .iter()
            .zip(&up)
            .map(|(&k, &u)| if u { k } else { k + half })
            .collect();
        let at = |level: &[usize]| level.iter().map(|&l| l as f64 / top).collect::<Vec<f64>>();
        points.push(at(&level));
        for &axis in &order {
            if up[axis] {
                level[axis] += half;
            } else {
                level[axis] -= half;
            }
            points.push(at(&level));
        }
    }
    Ok(points)
}

/// Morris statistics of one output, per axis in design order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MorrisIndices {
    /// Number of trajectories r.
    pub trajectories: usize,
    /// The step Δ the effects were divided by.
    pub delta: f64,
    pub mu_star: Vec<Estimate>,
    pub mu: Vec<f64>,
    /// `None` with a single trajectory (ddof = 1 needs two).
    pub sigma: Vec<Option<f64>>,
    /// The elementary effects, `effects[axis][trajectory]`.
    pub effects: Vec<Vec<f64>>,
}

impl MorrisIndices {
    /// The statistics as `sensitivity.csv` rows: per axis `mu_star` (with
    /// its interval), `mu` and `sigma` (no interval; σ left out when
    /// undefined).
    pub fn rows<S: AsRef<str>>(
        &self,
        names: &[S],
    ) -> Result<Vec<SensitivityIndex>, SensitivityError> {
        if names.len() != self.mu.len() {
            return Err(SensitivityError::Names(names.len(), self.mu.len()));
        }
        let mut rows = Vec::with_capacity(3 * names.len());
        for (i, name) in names.iter().enumerate() {
            let axis = name.as_ref().to_string();
            let e = self.mu_star[i];
            rows.push(SensitivityIndex {
                axis: axis.clone(),
                index: IndexKind::MuStar,
                value: e.value,
                ci_low: Some(e.ci_low()),
                ci_high: Some(e.ci_high()),
            });
            rows.push(SensitivityIndex {
                axis: axis.clone(),
                index: IndexKind::Mu,
                value: self.mu[i],
                ci_low: None,
                ci_high: None,
            });
            if let Some(sigma) = self.sigma[i] {
                rows.push(SensitivityIndex {
                    axis,
                    index: IndexKind::Sigma,
                    value: sigma,
                    ci_low: None,
                    ci_high: None,
                });
            }
        }
        Ok(rows)
    }
}

/// Morris statistics of the outputs `y` of the points `design` (unit-cube
/// coordinates, as [`morris_design`] returns them, in run order; one output
/// per point) on a `levels`-level grid.
pub fn morris_analyze<P: AsRef<[f64]>>(
    design: &[P],
    y: &[f64],
    levels: usize,
    bootstrap: &Bootstrap,
) -> Result<MorrisIndices, SensitivityError> {
    let z = bootstrap.z()?;
    let (effects, delta) = elementary_effects(design, y, levels)?;
    let r = effects.first().map_or(0, Vec::len);
    let mut rng = ChaCha8Rng::seed_from_u64(bootstrap.seed);
    let resamples: Vec<Vec<Vec<usize>>> = effects
        .iter()
        .map(|_| resample_indices(&mut rng, r, bootstrap.resamples))
        .collect();
    Ok(statistics(effects, delta, z, &resamples))
}

/// `effects[axis][trajectory]` and Δ, after checking the design's shape.
#[allow(clippy::needless_range_loop)] // t indexes points, outputs and effects alike
pub(crate) fn elementary_effects<P: AsRef<[f64]>>(
    design: &[P],
    y: &[f64],
    levels: usize,
) -> Result<(Vec<Vec<f64>>, f64), SensitivityError> {
    check_levels(levels)?;
    if design.len() != y.len() {
        return Err(SensitivityError::PointsOutputs {
            points: design.len(),
            outputs: y.len(),
        });
    }
    let d = design.first().map_or(0, |p| p.as_ref().len());
    if design.is_empty() {
        return Err(SensitivityError::MorrisLength {
            got: 0,
            axes: d,
            per: d + 1,
        });
    }
    if d == 0 {
        return Err(SensitivityError::NoAxes);
    }
    for (index, p) in design.iter().enumerate() {
        let p = p.as_ref();
        if p.len() != d {
            return Err(SensitivityError::PointWidth {
                point: index,
                got: p.len(),
                expected: d,
            });
        }
        if p.iter().any(|v| !v.is_finite()) {
            return Err(SensitivityError::NonFinitePoint { index });
        }
    }
    let per = d + 1;
    if y.len() / per * per != y.len() {
        return Err(SensitivityError::MorrisLength {
            got: y.len(),
            axes: d,
            per,
        });
    }
    check_finite(y)?;
    let delta = morris_delta(levels);
    let tolerance = 1e-9;
    let r = y.len() / per;
    let mut effects = vec![vec![0.0; r]; d];
    for t in 0..r {
        let mut moved = vec![false; d];
        for step in 0..d {
            let from = t * per + step;
            let to = from + 1;
            let fail = |problem: String| SensitivityError::NotATrajectory {
                trajectory: t,
                step,
                from,
                to,
                problem,
                delta,
            };
            let (p, q) = (design[from].as_ref(), design[to].as_ref());
            let changed: Vec<usize> = (0..d)
                .filter(|&i| (q[i] - p[i]).abs() > tolerance)
                .collect();
            let axis = match changed.as_slice() {
                [axis] => *axis,
                [] => return Err(fail("no coordinate changes".into())),
                many => return Err(fail(format!("{} coordinates change", many.len()))),
            };
            let diff = q[axis] - p[axis];
            if (diff.abs() - delta).abs() > tolerance {
                return Err(fail(format!("coordinate {axis} changes by {diff}")));
            }
            if moved[axis] {
                return Err(fail(format!("coordinate {axis} changes a second time")));
            }
            moved[axis] = true;
            let rise = y[to] - y[from];
            effects[axis][t] = if diff > 0.0 { rise } else { -rise } / delta;
        }
    }
    Ok((effects, delta))
}

/// μ*, μ, σ and μ*'s interval from the effects, with given resamples
/// (`resamples[axis]` = vectors of r trajectory indices), so that tests can
/// replay SALib's own resamples.
pub(crate) fn statistics(
    effects: Vec<Vec<f64>>,
    delta: f64,
    z: f64,
    resamples: &[Vec<Vec<usize>>],
) -> MorrisIndices {
    let r = effects.first().map_or(0, Vec::len);
    let mean = |xs: &mut dyn Iterator<Item = f64>| xs.sum::<f64>() / r as f64;
    let mut mu_star = Vec::with_capacity(effects.len());
    let mut mu = Vec::with_capacity(effects.len());
    let mut sigma = Vec::with_capacity(effects.len());
    for (axis, ee) in effects.iter().enumerate() {
        let star = mean(&mut ee.iter().map(|e| e.abs()));
        let boot: Vec<f64> = resamples
            .get(axis)
            .map(|sets| {
                sets.iter()
                    .map(|set| set.iter().map(|&k| ee[k].abs()).sum::<f64>() / set.len() as f64)
                    .collect()
            })
            .unwrap_or_default();
        let conf = if boot.len() >= 2 {
            z * sd_ddof1(&boot)
        } else {
            0.0
        };
        mu_star.push(Estimate { value: star, conf });
        mu.push(mean(&mut ee.iter().copied()));
        sigma.push((r >= 2).then(|| sd_ddof1(ee)));
    }
    MorrisIndices {
        trajectories: r,
        delta,
        mu_star,
        mu,
        sigma,
        effects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-12;

    #[test]
    fn delta_is_p_over_2_p_minus_1() {
        assert!((morris_delta(4) - 2.0 / 3.0).abs() < TOL);
        assert!((morris_delta(6) - 0.6).abs() < TOL);
        assert!((morris_delta(2) - 1.0).abs() < TOL);
    }

    #[test]
    fn trajectories_move_one_axis_at_a_time_by_delta_on_the_grid() {
        for &(d, r, p) in &[(1, 3, 2), (3, 20, 4), (5, 30, 6), (4, 10, 8)] {
            let x = morris_design(d, r, p, 11).expect("design");
            assert_eq!(x.len(), r * (d + 1), "d {d} r {r} p {p}");
            let delta = morris_delta(p);
            for point in &x {
                assert_eq!(point.len(), d);
                for &v in point {
                    let level = v * (p - 1) as f64;
                    assert!((level - level.round()).abs() < 1e-9, "{v} off the grid");
                    assert!((0.0..=1.0).contains(&v));
                }
            }
            for t in 0..r {
                let mut moved = vec![0usize; d];
                for s in 0..d {
                    let (a, b) = (&x[t * (d + 1) + s], &x[t * (d + 1) + s + 1]);
                    let changed: Vec<usize> = (0..d).filter(|&i| a[i] != b[i]).collect();
                    assert_eq!(changed.len(), 1, "trajectory {t} step {s}: {a:?} → {b:?}");
                    let i = changed[0];
                    assert!(((b[i] - a[i]).abs() - delta).abs() < TOL);
                    moved[i] += 1;
                }
                assert_eq!(moved, vec![1; d], "trajectory {t}");
            }
        }
    }

    #[test]
    fn design_is_seeded_and_uses_both_directions_and_all_levels() {
        let a = morris_design(3, 50, 4, 1).expect("design");
        assert_eq!(a, morris_design(3, 50, 4, 1).expect("design"));
        assert_ne!(a, morris_design(3, 50, 4, 2).expect("design"));
        let mut seen = [false; 4];
        for p in &a {
            for &v in p {
                seen[(v * 3.0).round() as usize] = true;
            }
        }
        assert_eq!(seen, [true; 4]);
        let starts_high = (0..50).filter(|t| a[t * 4][0] > a[t * 4 + 3][0]).count();
        assert!((10..=40).contains(&starts_high), "{starts_high}");
    }

    #[test]
    fn linear_function_gives_its_coefficients() {
        // f(u) = Σ c_i (lo_i + u_i (hi_i − lo_i)) over ranges: in unit-cube
        // coordinates μ* = |c_i| (hi_i − lo_i), μ = c_i (hi_i − lo_i), σ = 0.
        let c = [3.0, -0.5, 0.0, 10.0];
        let ranges = [(0.0, 1.0), (10.0, 30.0), (-1.0, 1.0), (0.5, 0.6)];
        let x = morris_design(4, 25, 4, 99).expect("design");
        let y: Vec<f64> = x
            .iter()
            .map(|u| {
                (0..4)
                    .map(|i| c[i] * (ranges[i].0 + u[i] * (ranges[i].1 - ranges[i].0)))
                    .sum()
            })
            .collect();
        let m = morris_analyze(&x, &y, 4, &Bootstrap::default()).expect("analysis");
        for i in 0..4 {
            let width = ranges[i].1 - ranges[i].0;
            assert!(
                (m.mu_star[i].value - c[i].abs() * width).abs() < 1e-9,
                "{i}: {m:?}"
            );
            assert!((m.mu[i] - c[i] * width).abs() < 1e-9, "{i}");
            assert!(m.sigma[i].expect("r > 1") < 1e-9, "{i}");
            assert!(m.mu_star[i].conf < 1e-9, "{i}");
        }
        let rows = m.rows(&["a", "b", "c", "d"]).expect("rows");
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[3].axis, "b");
        assert_eq!(rows[3].index, IndexKind::MuStar);
        assert!((rows[3].value - 10.0).abs() < 1e-9);
    }

    /// Cross-check against SALib 1.6.0 itself: the points are SALib's
    /// `morris.sample(problem, 4, num_levels=4, seed=3)` for D = 3 (written
    /// as grid levels 0..3), Y = sin(3 x1) + x2² x3 + 0.5 x3, and
    /// `morris.analyze(problem, X, Y, num_resamples=5, num_levels=4,
    /// seed=7)`; `resamples[axis]` are the rows SALib draws for that axis,
    /// `rng = np.random.default_rng(7)` then `rng.integers(4, size=(5, 4))`
    /// per axis in order. Values printed with `repr(float(...))`.
    #[test]
    fn matches_salib_on_its_own_design() {
        let levels: [[u8; 3]; 16] = [
            [3, 3, 3],
            [3, 3, 1],
            [3, 1, 1],
            [1, 1, 1],
            [2, 2, 0],
            [2, 0, 0],
            [0, 0, 0],
            [0, 0, 2],
            [2, 3, 3],
            [0, 3, 3],
            [0, 1, 3],
            [0, 1, 1],
            [1, 1, 3],
            [1, 1, 1],
            [3, 1, 1],
            [3, 3, 1],
        ];
        let x: Vec<Vec<f64>> = levels
            .iter()
            .map(|p| p.iter().map(|&l| f64::from(l) / 3.0).collect())
            .collect();
        let y: Vec<f64> = x
            .iter()
            .map(|u| (3.0 * u[0]).sin() + u[1] * u[1] * u[2] + 0.5 * u[2])
            .collect();
        let resamples = vec![
            vec![
                vec![3, 2, 2, 3],
                vec![2, 3, 3, 0],
                vec![0, 1, 1, 3],
                vec![3, 0, 1, 3],
                vec![0, 3, 0, 1],
            ],
            vec![
                vec![3, 1, 1, 1],
                vec![2, 1, 3, 1],
                vec![1, 2, 2, 2],
                vec![2, 3, 3, 3],
                vec![2, 2, 1, 3],
            ],
            vec![
                vec![1, 0, 3, 0],
                vec![3, 2, 0, 0],
                vec![1, 0, 0, 2],
                vec![3, 1, 3, 3],
                vec![3, 2, 1, 2],
            ],
        ];
        let (effects, delta) = elementary_effects(&x, &y, 4).expect("effects");
        let z = Bootstrap::default().z().expect("z");
        let m = statistics(effects, delta, z, &resamples);
        let mu = [0.15670983755823936, 0.5555555555555556, 0.8055555555555555];
        let mu_star = [1.2072363026802835, 0.5555555555555556, 0.8055555555555555];
        let sigma = [1.3939964086559002, 0.5592469952052407, 0.46591650464478224];
        let conf = [0.08411529708662076, 0.664120759438171, 0.4875652832353951];
        for i in 0..3 {
            assert!((m.mu[i] - mu[i]).abs() < 1e-9, "mu {i}: {}", m.mu[i]);
            assert!((m.mu_star[i].value - mu_star[i]).abs() < 1e-9, "mu* {i}");
            assert!(
                (m.sigma[i].expect("sigma") - sigma[i]).abs() < 1e-9,
                "sigma {i}"
            );
            assert!(
                (m.mu_star[i].conf - conf[i]).abs() < 1e-9,
                "conf {i}: {}",
                m.mu_star[i].conf
            );
        }
    }

    #[test]
    fn nonlinear_effects_spread_and_get_an_interval() {
        // f = u1² + u1 u2: effects of u1 vary with the base point.
        let x = morris_design(2, 40, 4, 5).expect("design");
        let y: Vec<f64> = x.iter().map(|u| u[0] * u[0] + u[0] * u[1]).collect();
        let m = morris_analyze(&x, &y, 4, &Bootstrap::default()).expect("analysis");
        assert!(m.sigma[0].expect("sigma") > 0.05);
        assert!(m.mu_star[0].conf > 0.0);
        assert!(m.mu_star[0].ci_low() < m.mu_star[0].value);
        // E|EE_1| over the design is between 1 (u1 2nd-order part) and 2.
        assert!(m.mu_star[0].value > m.mu_star[1].value);
    }

    #[test]
    fn bad_designs_are_errors() {
        let b = Bootstrap::default();
        let x = morris_design(2, 2, 4, 0).expect("design");
        let y = vec![1.0; 6];
        // Constant outputs: effects are all zero, not an error.
        let m = morris_analyze(&x, &y, 4, &b).expect("constant is fine");
        assert_eq!(m.mu_star[0].value, 0.0);
        assert!(matches!(
            morris_analyze(&x, &y[..5], 4, &b),
            Err(SensitivityError::PointsOutputs { .. })
        ));
        assert!(matches!(
            morris_analyze(&x[..5], &y[..5], 4, &b),
            Err(SensitivityError::MorrisLength { got: 5, .. })
        ));
        let mut swapped = x.clone();
        swapped.swap(1, 2);
        assert!(matches!(
            morris_analyze(&swapped, &y, 4, &b),
            Err(SensitivityError::NotATrajectory { .. })
        ));
        assert!(matches!(
            morris_analyze(&x, &y, 6, &b),
            Err(SensitivityError::NotATrajectory { .. })
        ));
        let mut nan = y.clone();
        nan[3] = f64::INFINITY;
        assert!(matches!(
            morris_analyze(&x, &nan, 4, &b),
            Err(SensitivityError::NonFinite { index: 3, .. })
        ));
        assert_eq!(morris_design(2, 2, 5, 0), Err(SensitivityError::Levels(5)));
        assert_eq!(morris_design(0, 2, 4, 0), Err(SensitivityError::NoAxes));
        let ragged: Vec<Vec<f64>> = vec![vec![0.0, 0.0], vec![0.0], vec![0.0, 0.0]];
        assert!(matches!(
            morris_analyze(&ragged, &[1.0, 2.0, 3.0], 4, &b),
            Err(SensitivityError::PointWidth { point: 1, .. })
        ));
    }
}
