//! The dense Yuma epoch as it was computed before the sparse rewrite
//! (validator × provider bonds, one sort per column for the consensus),
//! kept as a reference: the sparse `mirage_sim::reward::yuma::epoch_into`
//! must give the same numbers bit for bit on integer stakes.

#![allow(dead_code)]

use mirage_sim::reward::yuma::{Weights, YumaParams};

/// Dense bonds carried between epochs.
#[derive(Debug, Clone, Default)]
pub struct DenseState {
    pub nv: usize,
    pub np: usize,
    pub bonds: Vec<f64>,
}

impl DenseState {
    /// Keeps bonds of remaining indices; new rows and columns are empty.
    pub fn resize(&mut self, nv: usize, np: usize) {
        let mut bonds = vec![0.0; nv * np];
        for i in 0..self.nv.min(nv) {
            for j in 0..self.np.min(np) {
                bonds[i * np + j] = self.bonds[i * self.np + j];
            }
        }
        *self = Self { nv, np, bonds };
    }
}

/// (consensus, incentive, dividends, validator emission, validator trust).
pub type DenseOutput = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

pub fn dense_epoch(
    state: &mut DenseState,
    stakes: &[f64],
    weights: &Weights,
    p: YumaParams,
) -> DenseOutput {
    let (nv, np) = (weights.n_validators(), weights.n_providers());
    if state.nv != nv || state.np != np {
        state.resize(nv, np);
    }
    let total: f64 = stakes.iter().sum();
    let s: Vec<f64> = stakes
        .iter()
        .map(|x| if total > 0.0 { x / total } else { 0.0 })
        .collect();
    let mut w = vec![0.0; nv * np];
    for i in 0..nv {
        let sum: f64 = weights.row(i).map(|(_, x)| x).sum();
        for (j, x) in weights.row(i) {
            w[i * np + j] = if sum > 0.0 { x / sum } else { 0.0 };
        }
    }
    // Consensus by sorting each column.
    let positive: f64 = stakes.iter().filter(|x| **x > 0.0).sum();
    let need = p.kappa * positive;
    let mut c = vec![0.0; np];
    if positive > 0.0 {
        for (j, cj) in c.iter_mut().enumerate() {
            let mut col: Vec<(f64, f64)> = (0..nv)
                .filter(|&i| stakes[i] > 0.0 && w[i * np + j] > 0.0)
                .map(|i| (w[i * np + j], stakes[i]))
                .collect();
            col.sort_by(|a, b| b.0.total_cmp(&a.0));
            let (mut support, mut t) = (0.0, 0);
            while t < col.len() {
                let x = col[t].0;
                while t < col.len() && col[t].0 == x {
                    support += col[t].1;
                    t += 1;
                }
                if support >= need {
                    *cj = x;
                    break;
                }
            }
        }
    }
    let mut ranks = vec![0.0; np];
    let mut vtrust = vec![0.0; nv];
    let mut wb = vec![0.0; nv * np];
    for i in 0..nv {
        for j in 0..np {
            let x = w[i * np + j];
            if x > 0.0 {
                let clipped = x.min(c[j]);
                vtrust[i] += clipped;
                ranks[j] += s[i] * clipped;
                wb[i * np + j] = x + p.bonds_penalty * (clipped - x);
            }
        }
    }
    let mut incentive = ranks.clone();
    normalise(&mut incentive);
    let mut colsum = vec![0.0; np];
    for i in 0..nv {
        for j in 0..np {
            if w[i * np + j] > 0.0 {
                colsum[j] += s[i] * wb[i * np + j];
            }
        }
    }
    col_normalise(&mut state.bonds, nv, np);
    for b in state.bonds.iter_mut() {
        *b *= 1.0 - p.bond_alpha;
    }
    for i in 0..nv {
        for j in 0..np {
            let delta = s[i] * wb[i * np + j];
            if w[i * np + j] > 0.0 && delta > 0.0 && colsum[j] > 0.0 {
                state.bonds[i * np + j] += p.bond_alpha * delta / colsum[j];
            }
        }
    }
    col_normalise(&mut state.bonds, nv, np);
    let mut dividends: Vec<f64> = (0..nv)
        .map(|i| {
            state.bonds[i * np..(i + 1) * np]
                .iter()
                .zip(&incentive)
                .map(|(b, x)| b * x)
                .sum()
        })
        .collect();
    normalise(&mut dividends);
    let all: f64 = incentive.iter().sum::<f64>() + dividends.iter().sum::<f64>();
    let emission = if all > 0.0 {
        dividends.iter().map(|d| d / all).collect()
    } else {
        s.clone()
    };
    (c, incentive, dividends, emission, vtrust)
}

fn normalise(v: &mut [f64]) {
    let sum: f64 = v.iter().sum();
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
}

fn col_normalise(m: &mut [f64], rows: usize, cols: usize) {
    let mut colsum = vec![0.0; cols];
    for i in 0..rows {
        for (c, x) in colsum.iter_mut().zip(&m[i * cols..(i + 1) * cols]) {
            *c += x;
        }
    }
    for i in 0..rows {
        for (x, c) in m[i * cols..(i + 1) * cols].iter_mut().zip(&colsum) {
            if *c > 0.0 {
                *x /= c;
            }
        }
    }
}
