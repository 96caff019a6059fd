//! The life of a proposal: creation (the proposer, its kind, the snapshot
//! of voting power), close (turnout, stances, tally, whether it passed),
//! execution after the timelock (the `Action` the engine applies), and the
//! per-epoch voting-power figures. Keeps every proposal's record for
//! `proposals.csv` and the fairness report's `governance` section.

use rand::Rng;
use rand_distr::StandardNormal;

use crate::agents::{Agents, Role, ACTIVE};
use crate::amount::to_base_units;
use crate::ledger::Ledger;
use crate::reward::PoolKind;
use crate::rng::{stream, SimRng, Stream};
use crate::world::exp_delay;
use mirage_analysis::concentration::{gini_sorted, nakamoto_sorted};
use mirage_analysis::conviction::Settings;

use super::config::{GovernanceConfig, Kind, Method, Proposer};
use super::delegation::{OwnerGroups, PowerBook};
use super::voting::{self, Cast, Effect, Outcome};
use mirage_analysis::votes::Choice;

const PPB: u128 = 1_000_000_000;

fn ppb(share: f64) -> u128 {
    (share * PPB as f64).round() as u128
}

/// A change to the running economy, applied by the engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Add `change` to the share of `pool`.
    PoolShare { pool: PoolKind, change: f64 },
    /// Multiply emission per epoch by 1 + `change`.
    Emission { change: f64 },
    /// Add `change` to the burned share of fees.
    BurnShare { change: f64 },
    /// Multiply the task fee by 1 + `change`.
    Fee { change: f64 },
    /// Move `amount` base units from the treasury to the active identities
    /// of `population`, split evenly.
    Grant { population: u16, amount: u64 },
}

/// What the engine tells governance about the economy.
#[allow(missing_debug_implementations)]
pub struct View<'a> {
    pub ledger: &'a Ledger,
    pub agents: &'a Agents,
    pub reputation: &'a dyn Fn(u32) -> f64,
    /// Whether a reward pool pays each role (indexed by `Role::index`).
    pub rewarded: [bool; Role::COUNT],
    /// Quote per token (0 without a market).
    pub price: f64,
    /// The treasury's tokens.
    pub treasury: u64,
    /// The owner (operator, `verification::Operators::of`) of every
    /// identity by id, and one more than the largest owner id.
    pub owner_of: &'a [u32],
    pub owner_bound: usize,
}

/// One proposal, from creation to execution.
#[derive(Debug, Clone)]
pub struct ProposalRecord {
    pub proposal: u32,
    pub epoch_created: u32,
    pub proposer: u32,
    pub proposer_role: Role,
    pub kind: Kind,
    pub effect: Effect,
    pub grant_amount: u64,
    /// Set at close.
    pub outcome: Option<Outcome>,
    pub rubber_stamp: bool,
    pub executed_epoch: Option<u32>,
    /// Price at execution (quote per token).
    pub executed_price: f64,
    /// Base units each role received from an executed grant.
    pub granted_by_role: [u128; Role::COUNT],
    /// The snapshot (dropped at close).
    power: Vec<u64>,
    team_backed: Vec<bool>,
    supply: u128,
}

/// Governance of one run.
#[derive(Debug)]
pub struct Governance {
    pub config: GovernanceConfig,
    rng: SimRng,
    book: PowerBook,
    /// Identities grouped by owner when a vote closes (buffers reused).
    owner_groups: OwnerGroups,
    ticks_per_epoch: u64,
    voting_ticks: u64,
    timelock_ticks: u64,
    decimals: u32,
    /// Cumulative kind weights.
    cumulative: Vec<f64>,
    /// Grant recipients by kind (`None`: the proposer's population).
    recipients: Vec<Option<u16>>,
    settings: Settings,
    pub records: Vec<ProposalRecord>,
    /// Proposals that found no eligible proposer.
    pub skipped: u64,
    /// Proposals their proposer withdrew before the vote (pre-vetting).
    pub withdrawn: u64,
    /// The identities that cast a ballot on the proposal closed last (each
    /// pays `vote_cost`).
    pub ballots: Vec<u32>,
    /// Rewards paid to each role in each epoch, and the epoch-end price.
    pub role_rewards: Vec<[u128; Role::COUNT]>,
    pub prices: Vec<f64>,
    sorted: Vec<u64>,
}

/// The per-epoch voting-power figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct PowerFigures {
    pub gini: Option<f64>,
    pub nakamoto: Option<usize>,
    pub delegated_share: Option<f64>,
}

impl Governance {
    /// The governance state of a run; `population_names` are the
    /// populations' display names. Identities' owners come with each
    /// `View` (the engine's operators: `verification::Operators`).
    pub fn new(
        config: &GovernanceConfig,
        seed: u64,
        population_names: &[String],
        ticks_per_epoch: u64,
        decimals: u32,
    ) -> Self {
        let mut total = 0.0;
        let cumulative = config
            .kind
            .iter()
            .map(|k| {
                total += k.get_ref().weight.0;
                total
            })
            .collect();
        let recipients = config
            .kind
            .iter()
            .map(|k| {
                let to = k.get_ref().to.as_ref()?;
                population_names
                    .iter()
                    .position(|n| n == to.get_ref())
                    .map(|p| p as u16)
            })
            .collect();
        let to_ticks = |epochs: f64| (epochs * ticks_per_epoch as f64).round() as u64;
        Self {
            config: config.clone(),
            rng: stream(seed, Stream::Governance),
            book: PowerBook::default(),
            owner_groups: OwnerGroups::default(),
            ticks_per_epoch,
            voting_ticks: to_ticks(config.voting_period.get_ref().0).max(1),
            timelock_ticks: to_ticks(config.timelock.0),
            decimals,
            cumulative,
            recipients,
            settings: voting::settings(&config.conviction),
            records: Vec::new(),
            skipped: 0,
            withdrawn: 0,
            ballots: Vec::new(),
            role_rewards: Vec::new(),
            prices: Vec::new(),
            sorted: Vec::new(),
        }
    }

    /// Tick of the next proposal after `tick` (None when none arrive).
    pub fn next_arrival(&mut self, tick: u64) -> Option<u64> {
        exp_delay(
            &mut self.rng,
            self.config.proposals_per_epoch.0,
            self.ticks_per_epoch,
        )
        .map(|d| tick + d.max(1))
    }

    fn snapshot(&mut self, view: &View<'_>) {
        self.book.compute(
            self.config.power,
            self.config.delegation.as_ref(),
            view.ledger,
            view.agents,
            view.reputation,
            &mut self.rng,
        );
    }

    /// A proposal arrives at `tick`: draws its proposer and kind, takes the
    /// snapshot. Returns the proposal's id and the tick it closes, or None
    /// when no member of the proposer group reaches the threshold.
    pub fn propose(&mut self, tick: u64, epoch: u32, view: &View<'_>) -> Option<(u32, u64)> {
        self.snapshot(view);
        let supply = view.ledger.supply();
        let threshold = supply * ppb(self.config.proposal_threshold.0) / PPB;
        let agents = view.agents;
        let eligible: Vec<u32> = (0..agents.len() as u32)
            .filter(|&a| {
                let i = a as usize;
                agents.left_epoch[i] == ACTIVE
                    && u128::from(self.book.power[i]) >= threshold.max(1)
                    && (self.config.proposer == Proposer::Holders
                        || agents.role[i] == Role::Investor)
            })
            .collect();
        let pick: f64 = self.rng.random();
        let which: f64 = self.rng.random::<f64>() * self.cumulative.last().copied().unwrap_or(0.0);
        if eligible.is_empty() || self.cumulative.is_empty() {
            self.skipped += 1;
            return None;
        }
        let proposer = eligible[((pick * eligible.len() as f64) as usize).min(eligible.len() - 1)];
        let k = self
            .cumulative
            .iter()
            .position(|&c| which < c)
            .unwrap_or(self.cumulative.len() - 1);
        let spec = self.config.kind[k].get_ref();
        let population = agents.population[proposer as usize];
        let recipient = match spec.kind {
            Kind::Grant => Some(self.recipients[k].unwrap_or(population)),
            _ => None,
        };
        let effect = Effect {
            kind: spec.kind,
            change: spec.change,
            pool: spec.pool.map(|p| p.kind()),
            recipient,
        };
        let grant_amount = to_base_units(spec.amount.0, self.decimals);
        if self.config.vetting.0 > 0.0
            && self.expected_support(&effect, proposer, view) < self.config.vetting.0
        {
            self.withdrawn += 1;
            return None;
        }
        let id = self.records.len() as u32;
        self.records.push(ProposalRecord {
            proposal: id,
            epoch_created: epoch,
            proposer,
            proposer_role: agents.role[proposer as usize],
            kind: effect.kind,
            effect,
            grant_amount,
            outcome: None,
            rubber_stamp: false,
            executed_epoch: None,
            executed_price: 0.0,
            granted_by_role: [0; Role::COUNT],
            power: self.book.power.clone(),
            team_backed: self.book.team_backed.clone(),
            supply,
        });
        Some((id, tick + self.voting_ticks))
    }

    /// The proposer's off-chain estimate of support for a proposal of
    /// `effect` on the current snapshot (`voting::expected_support`): each
    /// identity with power weighs its method weight (tokens; √tokens under
    /// quadratic; 1 under one_holder) times its owner's turnout
    /// probability; with `proposer_votes` the proposer counts as a sure
    /// `for`.
    fn expected_support(&mut self, effect: &Effect, proposer: u32, view: &View<'_>) -> f64 {
        let agents = view.agents;
        let power = &self.book.power;
        let n = power.len().min(agents.len());
        let owner_count = view.owner_bound;
        let mut owner_tokens = vec![0u128; owner_count];
        let mut owner_ballots = vec![0u32; owner_count];
        for a in 0..n {
            if power[a] > 0 {
                owner_tokens[view.owner_of[a] as usize] += u128::from(power[a]);
                owner_ballots[view.owner_of[a] as usize] += 1;
            }
        }
        let price = if view.price > 0.0 { view.price } else { 1.0 };
        let unit = 10f64.powi(self.decimals as i32);
        let c = &self.config;
        let owner = view.owner_of;
        let sure = c.proposer_votes;
        let voters = (0..n).filter(|&a| power[a] > 0).map(|a| {
            let o = owner[a] as usize;
            let w = match c.method {
                Method::Quadratic => (power[a] as f64).sqrt(),
                Method::OneHolder => 1.0,
                Method::Token | Method::Conviction => power[a] as f64,
            };
            if sure && a == proposer as usize {
                return (w, 1.0, f64::INFINITY);
            }
            let value = owner_tokens[o] as f64 / unit * price;
            let cost = c.vote_cost.0 * f64::from(owner_ballots[o]);
            let t = voting::turnout_probability(c.turnout_max.0, c.apathy.0, value, cost);
            let role = agents.role[a];
            let e = voting::first_order_effect(
                effect,
                role,
                agents.population[a],
                view.rewarded[role.index()],
            );
            (w, t, e)
        });
        voting::expected_support(voters, c.stance_noise.0, c.abstain_band.0, c.deference.0)
    }

    /// The vote closes: turnout, stances, tally. Returns the tick of
    /// execution when the proposal passed.
    pub fn close(&mut self, id: u32, tick: u64, view: &View<'_>) -> Option<u64> {
        let agents = view.agents;
        let record = self.records.get_mut(id as usize)?;
        let power = std::mem::take(&mut record.power);
        let team_backed = std::mem::take(&mut record.team_backed);
        let n = power.len().min(agents.len());
        let mut groups = std::mem::take(&mut self.owner_groups);
        groups.group(view.owner_of, view.owner_bound, &power[..n]);
        let price = if view.price > 0.0 { view.price } else { 1.0 };
        let unit = 10f64.powi(self.decimals as i32);
        let c = &self.config;
        let mut casts = Vec::new();
        let proposer = c.proposer_votes.then_some(record.proposer);
        for ids in groups.iter() {
            if ids.is_empty() {
                continue;
            }
            let u: f64 = self.rng.random();
            let z: f64 = self.rng.sample::<f64, _>(StandardNormal) * c.stance_noise.0;
            // Drawn only when deference is on, so that without it the
            // stream is the same as before the key existed.
            let defer = c.deference.0 > 0.0 && self.rng.random::<f64>() < c.deference.0;
            let tokens: u128 = ids.iter().map(|&a| u128::from(power[a as usize])).sum();
            let value = tokens as f64 / unit * price;
            let cost = c.vote_cost.0 * ids.len() as f64;
            let p = voting::turnout_probability(c.turnout_max.0, c.apathy.0, value, cost);
            // With `proposer_votes` the proposer's own identity votes even
            // when the rest of its owner stays home.
            let turned_out = u < p;
            if !turned_out && !proposer.is_some_and(|x| ids.contains(&x)) {
                continue;
            }
            for &a in ids {
                if !turned_out && proposer != Some(a) {
                    continue;
                }
                let i = a as usize;
                let role = agents.role[i];
                let effect = voting::first_order_effect(
                    &record.effect,
                    role,
                    agents.population[i],
                    view.rewarded[role.index()],
                );
                let choice = if proposer == Some(a) || defer && voting::defers(effect) {
                    Choice::For
                } else {
                    voting::choice(effect + z, c.abstain_band.0)
                };
                casts.push(Cast {
                    agent: a,
                    choice,
                    power: power[i],
                });
            }
        }
        self.owner_groups = groups;
        self.ballots.clear();
        self.ballots.extend(casts.iter().map(|c| c.agent));
        let supply = record.supply;
        let outcome = match c.method {
            Method::Conviction => voting::tally_conviction(
                &self.settings,
                &casts,
                self.voting_ticks,
                if record.kind == Kind::Grant {
                    u128::from(record.grant_amount)
                } else {
                    0
                },
                u128::from(view.treasury),
                supply,
                self.decimals,
            ),
            method => voting::tally_bravo(
                method,
                &casts,
                supply,
                supply * ppb(c.quorum.0) / PPB,
                self.decimals,
            ),
        };
        record.rubber_stamp = outcome.passed
            && !outcome.decisive.is_empty()
            && outcome
                .decisive
                .iter()
                .all(|&a| team_backed.get(a as usize).copied().unwrap_or(false));
        let passed = outcome.passed;
        record.outcome = Some(outcome);
        passed.then_some(tick + self.timelock_ticks)
    }

    /// The timelock is over: the change to apply (only for a passed proposal).
    pub fn execute(&mut self, id: u32, epoch: u32, price: f64) -> Option<Action> {
        let record = self.records.get_mut(id as usize)?;
        if !record.outcome.as_ref().is_some_and(|o| o.passed) || record.executed_epoch.is_some() {
            return None;
        }
        record.executed_epoch = Some(epoch);
        record.executed_price = price;
        let e = record.effect;
        Some(match e.kind {
            Kind::PoolShare => Action::PoolShare {
                pool: e.pool?,
                change: e.change,
            },
            Kind::Emission => Action::Emission { change: e.change },
            Kind::BurnShare => Action::BurnShare { change: e.change },
            Kind::Fee => Action::Fee { change: e.change },
            Kind::Grant => Action::Grant {
                population: e.recipient?,
                amount: record.grant_amount,
            },
        })
    }

    /// Records what an executed grant moved to `role`.
    pub fn granted(&mut self, id: u32, role: Role, amount: u64) {
        if let Some(r) = self.records.get_mut(id as usize) {
            r.granted_by_role[role.index()] += u128::from(amount);
        }
    }

    /// At an epoch end: records the roles' rewards and the price, and
    /// returns the voting-power figures of the current holdings.
    pub fn end_epoch(&mut self, view: &View<'_>) -> PowerFigures {
        let mut by_role = [0u128; Role::COUNT];
        let agents = view.agents;
        for (a, &r) in agents.role.iter().enumerate() {
            by_role[r.index()] += u128::from(agents.rewards_epoch[a]);
        }
        self.role_rewards.push(by_role);
        self.prices.push(view.price);
        self.snapshot(view);
        self.sorted.clear();
        for (a, &p) in self.book.power.iter().enumerate() {
            if agents.left_epoch[a] == ACTIVE {
                self.sorted.push(p);
            }
        }
        self.sorted.sort_unstable();
        let total = self.book.total();
        PowerFigures {
            gini: gini_sorted(&self.sorted),
            nakamoto: nakamoto_sorted(&self.sorted, 1, 2),
            delegated_share: (total > 0).then(|| self.book.delegated as f64 / total as f64),
        }
    }

    pub fn decimals(&self) -> u32 {
        self.decimals
    }
}
