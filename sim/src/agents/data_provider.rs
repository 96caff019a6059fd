//! Data providers: agents that submit datasets as a Poisson process; a
//! submission is accepted (counted as verified work) with probability equal
//! to the provider's dataset quality, and costs it a fixed amount of quote.
//! When a reward scheme pays by usage, tasks draw the dataset they use from
//! an alias table rebuilt each epoch (weight = quality × accepted datasets),
//! and each provider's uses are counted here.

use rand::Rng;

use super::{draw, Agents, AttrKind};
use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::sampling::AliasTable;
use crate::scenario::PopulationSpec;

/// Attributes a data-provider population may set.
pub const ATTRIBUTES: &[&str] = &["stake", "quality", "submission_rate", "cost_per_submission"];

/// Columns of data providers, indexed by their row.
#[derive(Debug, Clone, Default)]
pub struct DataProviders {
    pub agent: Vec<u32>,
    /// Dataset quality in [0, 1].
    pub quality: Vec<f64>,
    /// Mean submissions per epoch.
    pub submission_rate: Vec<f64>,
    /// Cost of one submission, quote base units.
    pub cost_per_submission: Vec<u64>,
    /// Times tasks used the provider's datasets this epoch.
    pub usage_epoch: Vec<u64>,
    /// Which provider's dataset a task uses (rebuilt each epoch).
    usage_draw: AliasTable,
    usage_weights: Vec<f64>,
}

impl DataProviders {
    /// Adds a provider drawn from `spec`; returns its row.
    pub fn spawn<R: Rng + ?Sized>(
        &mut self,
        agent: u32,
        spec: &PopulationSpec,
        rng: &mut R,
    ) -> u32 {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        self.quality
            .push(draw(rng, spec.quality.as_ref(), 0.5, AttrKind::Probability));
        self.submission_rate.push(draw(
            rng,
            spec.submission_rate.as_ref(),
            1.0,
            AttrKind::NonNegative,
        ));
        let cost = draw(
            rng,
            spec.cost_per_submission.as_ref(),
            0.0,
            AttrKind::NonNegative,
        );
        self.cost_per_submission
            .push(to_base_units(cost, QUOTE_DECIMALS));
        self.usage_epoch.push(0);
        row
    }

    /// Starts an epoch of usage: clears the counts and rebuilds the draw
    /// (weight = quality × accepted datasets so far, active providers only).
    pub fn rebuild_usage(&mut self, agents: &Agents) {
        self.usage_epoch.fill(0);
        self.usage_weights.clear();
        for (row, &agent) in self.agent.iter().enumerate() {
            let a = agent as usize;
            self.usage_weights.push(if agents.is_active(agent) {
                self.quality[row] * agents.contribution_total[a] as f64
            } else {
                0.0
            });
        }
        self.usage_draw.rebuild(&self.usage_weights);
    }

    /// One task uses a dataset: counts a use of the drawn provider's.
    /// Out of line, to keep the task-arrival path small when usage is off.
    #[inline(never)]
    pub fn use_dataset<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        if let Some(row) = self.usage_draw.draw(rng) {
            self.usage_epoch[row] += 1;
        }
    }

    /// Whether a submission by `row` is accepted.
    #[inline]
    pub fn accepted<R: Rng + ?Sized>(&self, row: u32, rng: &mut R) -> bool {
        rng.random::<f64>() < self.quality[row as usize]
    }
}
