//! The engine's governance hooks (a child module of `engine`, so that it
//! may change the economy's private state): genesis of the governance
//! state and its first proposal, the one `Event::Governance` handler
//! (create, close, execute), the application of an executed proposal's
//! `Action` (a pool's share, emission, burn share, task fee, a grant from
//! the treasury), and the voting-power figures of each epoch record.
//! Nothing here runs without a `[governance]` section.

use super::*;
use crate::governance::{self, proposals::View, Action};

impl Simulation {
    /// Builds the governance state and schedules the first proposal.
    pub(super) fn start_governance(&mut self, scenario: &Scenario, seed: u64) {
        let Some(config) = &scenario.governance else {
            return;
        };
        let mut g = Box::new(Governance::new(
            config,
            seed,
            &self.population_names,
            self.world.rules.ticks_per_epoch,
            self.world.rules.decimals,
        ));
        if let Some(at) = g.next_arrival(0) {
            self.world.queue.push(
                at,
                Event::Governance {
                    action: governance::PROPOSE,
                    proposal: 0,
                },
            );
        }
        self.governance = Some(g);
    }

    /// The governance state, if the scenario has `[governance]`.
    pub fn governance(&self) -> Option<&Governance> {
        self.governance.as_deref()
    }

    /// What governance reads of the run at this moment.
    fn governance_view<'a>(&'a self, reputation: &'a dyn Fn(u32) -> f64) -> View<'a> {
        View {
            ledger: &self.world.ledger,
            agents: &self.world.agents,
            reputation,
            rewarded: self.rewarded,
            price: self.price(),
            treasury: self.world.ledger.system(SystemAccount::Treasury),
            owner_of: &self.operators.of,
            owner_bound: self.operators.bound(),
        }
    }

    /// Handles one `Event::Governance`.
    pub(super) fn on_governance(
        &mut self,
        tick: u64,
        action: u8,
        proposal: u32,
    ) -> Result<(), SimError> {
        let Some(mut g) = self.governance.take() else {
            return Ok(());
        };
        let reputation = |a: u32| self.reputation(a).unwrap_or(PRIOR);
        let view = self.governance_view(&reputation);
        let epoch = self.world.epoch;
        let mut charge = false;
        let mut pushes: [Option<(u64, Event)>; 2] = [None, None];
        let mut apply = None;
        match action {
            governance::PROPOSE => {
                if let Some((id, close)) = g.propose(tick, epoch, &view) {
                    pushes[0] = Some((
                        close,
                        Event::Governance {
                            action: governance::CLOSE,
                            proposal: id,
                        },
                    ));
                }
                if let Some(next) = g.next_arrival(tick) {
                    pushes[1] = Some((
                        next,
                        Event::Governance {
                            action: governance::PROPOSE,
                            proposal: 0,
                        },
                    ));
                }
            }
            governance::CLOSE => {
                charge = true;
                if let Some(at) = g.close(proposal, tick, &view) {
                    pushes[0] = Some((
                        at,
                        Event::Governance {
                            action: governance::EXECUTE,
                            proposal,
                        },
                    ));
                }
            }
            _ => apply = g.execute(proposal, epoch, view.price),
        }
        for (at, event) in pushes.into_iter().flatten() {
            self.world.queue.push(at, event);
        }
        if let Some(action) = apply {
            self.apply_governance(&mut g, proposal, action)?;
        }
        let cost = to_base_units(g.config.vote_cost.0, QUOTE_DECIMALS);
        if charge && cost > 0 {
            self.charge_vote_cost(&g.ballots, cost)?;
        }
        self.governance = Some(g);
        Ok(())
    }

    /// Each ballot's gas (`vote_cost`) is a cost of its voter, under the
    /// providers' rule: paid from the voter's quote to `outside` (the
    /// block producers, outside the economy) as far as it holds quote, the
    /// rest added to its unpaid costs (owed, and paid from later income,
    /// under an explicit `sell_policy`; tallied as forgiven without one).
    fn charge_vote_cost(&mut self, voters: &[u32], cost: u64) -> Result<(), SimError> {
        for &agent in voters {
            let a = agent as usize;
            let me = QuoteAccount::Agent(agent);
            let paid = cost.min(self.world.quote.balance(me));
            if paid > 0 {
                self.world.quote.transfer(me, QuoteAccount::Outside, paid)?;
            }
            self.world.counters.costs_paid_quote += u128::from(paid);
            self.value.costs_paid_quote[a] += u128::from(paid);
            self.value.unpaid_costs_quote[a] += u128::from(cost - paid);
        }
        Ok(())
    }

    /// Applies an executed proposal's change to the running economy.
    fn apply_governance(
        &mut self,
        g: &mut Governance,
        proposal: u32,
        action: Action,
    ) -> Result<(), SimError> {
        let signed_ppb = |change: f64| (change * PPB as f64).round() as i128;
        let clamp = |value: i128, max: u128| value.clamp(0, max as i128) as u128;
        match action {
            Action::PoolShare { pool, change } => {
                let others: u128 = self
                    .pools
                    .iter()
                    .filter(|p| p.kind != pool)
                    .map(|p| p.share_ppb)
                    .sum();
                if let Some(p) = self.pools.iter_mut().find(|p| p.kind == pool) {
                    p.share_ppb = clamp(
                        p.share_ppb as i128 + signed_ppb(change),
                        PPB.saturating_sub(others),
                    );
                }
                let mut cumulative = 0;
                for p in &mut self.pools {
                    cumulative = (cumulative + p.share_ppb).min(PPB);
                    p.cumulative_ppb = cumulative;
                }
            }
            Action::Emission { change } => {
                let r = &mut self.world.rules;
                let next = r.emission_per_epoch as f64 * (1.0 + change);
                r.emission_per_epoch = next.round().clamp(0.0, (u64::MAX / 4) as f64) as u64;
            }
            Action::BurnShare { change } => {
                let r = &mut self.world.rules;
                r.burn_ppb = clamp(
                    r.burn_ppb as i128 + signed_ppb(change),
                    PPB - r.treasury_ppb.min(PPB),
                );
            }
            Action::Fee { change } => {
                let f = &mut self.fee;
                f.base = (f.base * (1.0 + change)).max(f.min);
                f.now = f.base.round().clamp(0.0, (u64::MAX / 4) as f64) as u64;
            }
            Action::Grant { population, amount } => {
                let p = usize::from(population);
                let role = self.populations[p].role;
                let recipients: Vec<u32> = (0..self.world.agents.len() as u32)
                    .filter(|&a| {
                        let i = a as usize;
                        usize::from(self.world.agents.population[i]) == p
                            && self.world.agents.left_epoch[i] == ACTIVE
                    })
                    .collect();
                if recipients.is_empty() {
                    return Ok(());
                }
                let amount = amount.min(self.world.ledger.system(SystemAccount::Treasury));
                let n = recipients.len() as u64;
                for (k, &a) in recipients.iter().enumerate() {
                    let each = amount / n + u64::from((k as u64) < amount % n);
                    self.world
                        .ledger
                        .transfer(TREASURY, Account::Balance(a), each)?;
                    g.granted(proposal, role, each);
                }
            }
        }
        Ok(())
    }

    /// Adds the voting-power figures to an epoch's record.
    pub(super) fn governance_epoch_end(&mut self, record: &mut EpochRecord) {
        let Some(mut g) = self.governance.take() else {
            return;
        };
        let reputation = |a: u32| self.reputation(a).unwrap_or(PRIOR);
        let view = self.governance_view(&reputation);
        let figures = g.end_epoch(&view);
        record.voting_power_gini = figures.gini;
        record.voting_power_nakamoto = figures.nakamoto;
        record.delegated_share = figures.delegated_share;
        record.governed = true;
        self.governance = Some(g);
    }
}
