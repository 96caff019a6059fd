//! The standalone calculators of `mirage fund` (quadratic-funding matches)
//! and `mirage yuma` (Yuma consensus) on interned ids: `mirage/__init__.py`
//! turns the caller's DataFrames or arrays into donor, project, validator
//! and provider indices and back, as the command line does with its CSV
//! files. The mechanisms are `mirage_sim::reward::quadratic` and
//! `mirage_sim::reward::yuma`.

use mirage_sim::reward::quadratic::{
    raw_matches, scale_to_pool, Clusters, CocmStyle, Mechanism, Membership, Round,
};
use mirage_sim::reward::yuma::{
    epoch_into, WeightEntry, Weights, YumaInput, YumaOutput, YumaParams, YumaState,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Donations `(donor, project, amount)` (indices below `n_donors`,
/// `n_projects`) under `mechanism`; `clusters` are `(donor, cluster,
/// weight)` memberships of `n_clusters` clusters. Returns
/// `(project totals, matches)`, by project index.
#[pyfunction]
#[pyo3(signature = (n_donors, n_projects, donations, mechanism="standard", m=None, pool=None, cap=None, harsh=None, style=None, clusters=None, n_clusters=0))]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
pub fn fund(
    n_donors: usize,
    n_projects: usize,
    donations: Vec<(usize, usize, f64)>,
    mechanism: &str,
    m: Option<f64>,
    pool: Option<f64>,
    cap: Option<f64>,
    harsh: Option<bool>,
    style: Option<&str>,
    clusters: Option<Vec<(usize, usize, f64)>>,
    n_clusters: usize,
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let bad = |e: String| PyValueError::new_err(e);
    let mechanism = match mechanism {
        "standard" => Mechanism::Standard,
        "pairwise" => {
            let m = m.unwrap_or(Mechanism::DEFAULT_PAIRWISE_M);
            if !(m.is_finite() && m > 0.0) {
                return Err(bad(format!("m={m}: expected a number > 0")));
            }
            Mechanism::Pairwise { m }
        }
        "cluster" => Mechanism::Cluster,
        "cocm" => Mechanism::Cocm {
            style: match style.unwrap_or("markov") {
                "markov" => CocmStyle::Markov,
                "og" => CocmStyle::Og,
                "pct_friends" | "pct-friends" => CocmStyle::PctFriends,
                s => {
                    return Err(bad(format!(
                        "style={s:?}: expected markov, og or pct_friends"
                    )))
                }
            },
            harsh: harsh.unwrap_or(true),
        },
        other => {
            return Err(bad(format!(
                "mechanism={other:?}: expected standard, pairwise, cluster or cocm"
            )))
        }
    };
    if let Some(pool) = pool {
        if !(pool.is_finite() && pool >= 0.0) {
            return Err(bad(format!("pool={pool}: expected a finite number ≥ 0")));
        }
    }
    if let Some(cap) = cap {
        if pool.is_none() {
            return Err(bad("cap needs pool".into()));
        }
        if !(cap.is_finite() && cap > 0.0 && cap <= 1.0) {
            return Err(bad(format!(
                "cap={cap}: expected a fraction of the pool in (0, 1]"
            )));
        }
    }
    let round =
        Round::from_gifts(n_donors, n_projects, &donations).map_err(|e| bad(e.to_string()))?;
    let clusters = match clusters {
        Some(rows) if mechanism.uses_clusters() => {
            let memberships: Vec<Membership> = rows
                .iter()
                .map(|&(donor, cluster, weight)| Membership {
                    donor,
                    cluster,
                    weight,
                })
                .collect();
            Some(
                Clusters::new(n_donors, n_clusters, &memberships)
                    .map_err(|e| bad(e.to_string()))?,
            )
        }
        _ => None,
    };
    let raw = raw_matches(&round, &mechanism, clusters.as_ref()).map_err(|e| bad(e.to_string()))?;
    let matches = match pool {
        Some(pool) => scale_to_pool(&raw, pool, cap).map_err(|e| bad(e.to_string()))?,
        None => raw,
    };
    Ok((round.project_totals().to_vec(), matches))
}

/// Yuma consensus of `stakes` (by validator index) and `weights`
/// `(validator, provider, weight)` on `n_providers` providers, `epochs`
/// times from empty bonds; `self_provider[i]` is the provider index of
/// validator `i`'s own id, masked as the chain does. Returns
/// `(consensus, incentive, dividends)`.
#[pyfunction]
#[pyo3(signature = (stakes, n_providers, weights, self_provider, kappa=0.5, bond_alpha=0.1, bonds_penalty=1.0, epochs=1))]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
pub fn yuma(
    stakes: Vec<f64>,
    n_providers: usize,
    weights: Vec<(usize, usize, f64)>,
    self_provider: Vec<Option<usize>>,
    kappa: f64,
    bond_alpha: f64,
    bonds_penalty: f64,
    epochs: u32,
) -> PyResult<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let bad = |e: String| PyValueError::new_err(e);
    if epochs < 1 {
        return Err(bad(format!("epochs={epochs}: expected at least 1")));
    }
    if !(kappa > 0.0 && kappa <= 1.0) {
        return Err(bad(format!("kappa={kappa}: expected a number in (0, 1]")));
    }
    if !(bond_alpha > 0.0 && bond_alpha <= 1.0) {
        return Err(bad(format!(
            "bond_alpha={bond_alpha}: expected a number in (0, 1]"
        )));
    }
    if !(0.0..=1.0).contains(&bonds_penalty) {
        return Err(bad(format!(
            "bonds_penalty={bonds_penalty}: expected a number in [0, 1]"
        )));
    }
    let entries: Vec<WeightEntry> = weights
        .iter()
        .map(|&(validator, provider, weight)| WeightEntry {
            validator,
            provider,
            weight,
        })
        .collect();
    let mut w =
        Weights::new(stakes.len(), n_providers, &entries).map_err(|e| bad(e.to_string()))?;
    if self_provider.len() == stakes.len() {
        w.mask_self(&self_provider);
    }
    let input = YumaInput {
        stakes: &stakes,
        weights: &w,
        params: YumaParams {
            kappa,
            bond_alpha,
            bonds_penalty,
        },
    };
    let mut state = YumaState::default();
    let mut out = YumaOutput::default();
    for _ in 0..epochs {
        epoch_into(&mut state, &input, &mut out).map_err(|e| bad(e.to_string()))?;
    }
    Ok((out.consensus, out.incentive, out.dividends))
}
