//! The engine's verification, auction and work-concentration hooks (a
//! child module of `engine`, so that it may move the economy's private
//! state): tasks sent under an engine-verified regime (`dispatch_verified`,
//! redundant replicas), results (`on_result`), the challenge window
//! (`challenge`), redundant majorities (`on_replica`), finality
//! (`on_verdict`), verification costs and who pays them, challengers'
//! epoch decision, auctioned arrivals, and the epoch's verification and
//! work-concentration figures. See `verification` for the regimes.

use super::*;

impl Simulation {
    /// One more replica of a redundant task: a provider with spare
    /// capacity that is none of `exclude` (agent ids) by the allocation
    /// policy (or the auction's next lowest bid); None when there is none
    /// (the uniform and weighted draws may return one of `exclude`, which
    /// the caller gives back and redraws).
    pub(super) fn allocate_replica(&mut self, exclude: &[u32]) -> Option<u32> {
        if let Some(auction) = &self.auction {
            let row = auction.lowest_excluding(
                &self.roles.compute_provider,
                &self.world.agents,
                exclude,
            )?;
            self.roles.compute_provider.take(row as usize);
            return Some(row);
        }
        match &mut self.allocator {
            Some(policy) => policy.allocate_excluding(
                &mut self.roles.compute_provider,
                &self.world.agents,
                &mut self.world.rng,
                exclude,
            ),
            None => self.allocate(),
        }
    }

    /// A task under `fees.policy = "auction"`: the lowest bid with free
    /// capacity wins at the auction's price; a buyer whose willingness to
    /// pay is below it walks away; the buyer pays the winner the price in
    /// quote directly (a lease, as on Akash).
    pub(super) fn on_auctioned_arrival(&mut self, tick: u64) -> Result<(), SimError> {
        let willing = match &self.world.rules.willingness_to_pay {
            Some(w) => Some(to_base_units(
                w.sample(&mut self.world.rng).max(0.0),
                QUOTE_DECIMALS,
            )),
            None => None,
        };
        let cleared = match &mut self.auction {
            Some(a) => a.clear(&self.roles.compute_provider, &self.world.agents),
            None => None,
        };
        let Some((row, price)) = cleared else {
            self.world.counters.tasks_dropped += 1;
            return Ok(());
        };
        if willing.is_some_and(|most| price > most) {
            self.world.counters.tasks_priced_out += 1;
            return Ok(());
        }
        self.roles.compute_provider.take(row as usize);
        if self.track_usage {
            self.roles.data_provider.use_dataset(&mut self.usage_rng);
        }
        let provider = self.roles.compute_provider.agent[row as usize];
        self.world.quote.transfer(
            QuoteAccount::TaskBuyers,
            QuoteAccount::Agent(provider),
            price,
        )?;
        self.world.counters.fees_quote += u128::from(price);
        self.auction_paid.0 += u128::from(price);
        self.auction_paid.1 += 1;
        if self.verifier.regime.engine_verified() {
            return self.dispatch_verified(tick, row);
        }
        self.serve(tick, provider, row);
        Ok(())
    }

    /// Sends a task taken by `row` under an engine-verified regime: one
    /// `Result` event, or under `redundant` one per replica, each run by
    /// a distinct provider (up to `replicas`, as many as have capacity).
    pub(super) fn dispatch_verified(&mut self, tick: u64, row: u32) -> Result<(), SimError> {
        let provider = self.roles.compute_provider.agent[row as usize];
        if self.verifier.regime != Regime::Redundant {
            let delay = self.world.service_delay();
            self.world.queue.push(
                tick + delay,
                Event::Result {
                    provider,
                    slot: u32::MAX,
                },
            );
            return Ok(());
        }
        let k = self.verifier.replicas;
        let slot = self.verifier.open_slot();
        let s = slot as usize;
        self.verifier.slots[s].providers[0] = provider;
        self.verifier.slots[s].allocated = 1;
        let mut attempts = 4 * k;
        while usize::from(self.verifier.slots[s].allocated) < k && attempts > 0 {
            attempts -= 1;
            let chosen = self.verifier.slots[s];
            let n = usize::from(chosen.allocated);
            let Some(r) = self.allocate_replica(&chosen.providers[..n]) else {
                break;
            };
            let p = self.roles.compute_provider.agent[r as usize];
            let entry = &mut self.verifier.slots[s];
            if entry.has(p) {
                // The same identity twice is no replica: give back the unit.
                self.roles.compute_provider.give_back(r as usize);
                continue;
            }
            entry.providers[usize::from(entry.allocated)] = p;
            entry.allocated += 1;
        }
        for i in 0..usize::from(self.verifier.slots[s].allocated) {
            let p = self.verifier.slots[s].providers[i];
            let delay = self.world.service_delay();
            self.world
                .queue
                .push(tick + delay, Event::Result { provider: p, slot });
        }
        Ok(())
    }

    /// Tallies `amount` of verification cost borne by `agent` (added to
    /// its operating costs unless `in_costs`); when the buyer pays and
    /// `buyer_payable`, the buyer reimburses it in quote.
    pub(super) fn charge_verification(
        &mut self,
        agent: u32,
        amount: u64,
        in_costs: bool,
        buyer_payable: bool,
    ) -> Result<(), SimError> {
        if amount == 0 {
            return Ok(());
        }
        if !in_costs {
            let cost = &mut self.world.agents.cost_epoch[agent as usize];
            *cost = cost.saturating_add(amount);
        }
        self.world.counters.verification_cost_quote += u128::from(amount);
        if buyer_payable && self.verifier.payer == Payer::Buyer {
            self.world.quote.transfer(
                QuoteAccount::TaskBuyers,
                QuoteAccount::Agent(agent),
                amount,
            )?;
        }
        Ok(())
    }

    /// A result under `optimistic`, `redundant` or `zk`: correct with the
    /// provider's honesty; the provider bears the task's cost.
    pub(super) fn on_result(
        &mut self,
        tick: u64,
        provider: u32,
        slot: u32,
    ) -> Result<(), SimError> {
        let row = self.world.agents.role_index[provider as usize] as usize;
        let answer = if self.world.agents.is_active(provider) {
            let correct = self
                .roles
                .compute_provider
                .result_is_correct(row as u32, &mut self.world.rng);
            let cost = &mut self.world.agents.cost_epoch[provider as usize];
            *cost = cost.saturating_add(self.roles.compute_provider.cost_per_task[row]);
            Some(correct)
        } else {
            None
        };
        match self.verifier.regime {
            Regime::Redundant => self.on_replica(tick, provider, row, slot, answer),
            Regime::Optimistic => {
                let Some(correct) = answer else {
                    self.world.counters.tasks_dropped += 1;
                    return Ok(());
                };
                self.world.counters.tasks_completed += 1;
                self.challenge(tick, provider, correct)
            }
            Regime::Zk => {
                let Some(correct) = answer else {
                    self.world.counters.tasks_dropped += 1;
                    return Ok(());
                };
                self.world.counters.tasks_completed += 1;
                let task_cost = self.roles.compute_provider.cost_per_task[row];
                let proof = self.verifier.proof_cost_of(task_cost);
                self.charge_verification(provider, proof, false, true)?;
                let operator = self.operators.of[provider as usize];
                if self.verifier.prover_due(operator, self.world.epoch) {
                    let fixed = self.verifier.prover_cost;
                    self.charge_verification(provider, fixed, false, false)?;
                }
                let decided = if correct {
                    outcome::ACCEPT_CORRECT
                } else {
                    outcome::REJECTED
                };
                self.world.queue.push(
                    tick + self.verifier.proof_ticks,
                    Event::Verdict {
                        provider,
                        challenger: u32::MAX,
                        outcome: decided,
                    },
                );
                Ok(())
            }
            Regime::Sampled | Regime::None => Ok(()),
        }
    }

    /// The challenge window opens on a result: each active challenger
    /// checks it with its check rate, paying its check cost; a check finds
    /// a wrong result or a planted forced error. The first finder (from a
    /// random starting challenger) disputes; the verdict comes at the
    /// window's end.
    pub(super) fn challenge(
        &mut self,
        tick: u64,
        provider: u32,
        correct: bool,
    ) -> Result<(), SimError> {
        let forced = correct
            && self.verifier.forced_error_rate > 0.0
            && self.world.rng.random::<f64>() < self.verifier.forced_error_rate;
        let n = self.roles.challenger.agent.len();
        let mut finder = u32::MAX;
        if n > 0 {
            let start = self.world.rng.random_range(0..n);
            for i in 0..n {
                let c = (start + i) % n;
                let agent = self.roles.challenger.agent[c];
                let q = self.roles.challenger.check_rate[c];
                if !self.world.agents.is_active(agent)
                    || q <= 0.0
                    || (q < 1.0 && self.world.rng.random::<f64>() >= q)
                {
                    continue;
                }
                self.world.counters.challenges += 1;
                self.roles.challenger.observe(c, !correct);
                let cost = self.roles.challenger.check_cost[c];
                self.charge_verification(agent, cost, false, false)?;
                if (!correct || forced) && finder == u32::MAX {
                    finder = agent;
                }
            }
        }
        let decided = match (finder == u32::MAX, correct) {
            (true, true) => outcome::ACCEPT_CORRECT,
            (true, false) => outcome::ACCEPT_WRONG,
            (false, false) => outcome::FRAUD_CAUGHT,
            (false, true) => outcome::FORCED_CAUGHT,
        };
        self.world.queue.push(
            tick + self.verifier.window,
            Event::Verdict {
                provider,
                challenger: finder,
                outcome: decided,
            },
        );
        Ok(())
    }

    /// One replica of a redundant task answers (`None`: its provider
    /// left). When all have, the majority answer wins: its providers'
    /// work counts, the others are slashed as wrong; without a majority
    /// the task is rejected. A wrong answer is 1 + its provider's
    /// operator, so one operator's identities agree on it.
    pub(super) fn on_replica(
        &mut self,
        tick: u64,
        provider: u32,
        row: usize,
        slot: u32,
        answer: Option<bool>,
    ) -> Result<(), SimError> {
        let s = slot as usize;
        if s >= self.verifier.slots.len() {
            return Ok(());
        }
        let code = answer.map(|correct| {
            if correct {
                0
            } else {
                1 + self.operators.of[provider as usize]
            }
        });
        let entry = &mut self.verifier.slots[s];
        let extra = entry.first_tick != u64::MAX;
        if !extra && code.is_some() {
            entry.first_tick = tick;
        }
        let done = entry.answer(provider, code);
        if extra && code.is_some() {
            let cost = self.roles.compute_provider.cost_per_task[row];
            self.charge_verification(provider, cost, true, true)?;
        }
        if !done {
            return Ok(());
        }
        let entry = self.verifier.slots[s];
        self.verifier.close_slot(slot);
        if entry.first_tick == u64::MAX {
            self.world.counters.tasks_dropped += 1;
            return Ok(());
        }
        self.world.counters.tasks_completed += 1;
        let Some(winner) = entry.majority() else {
            return Ok(());
        };
        self.world.counters.results_accepted += 1;
        self.world.counters.latency_ticks += u128::from(tick - entry.first_tick);
        self.world.counters.wrong_accepted += u64::from(winner != 0);
        for (p, a) in entry.answered() {
            if !self.world.agents.is_active(p) {
                continue;
            }
            if a == winner {
                self.world.agents.add_contribution(p, 1);
                self.world.agents.passed_epoch[p as usize] += 1;
            } else {
                self.world.counters.frauds_caught += u64::from(a != 0);
                self.punish(p, false)?;
            }
        }
        Ok(())
    }

    /// A result becomes final (optimistic, zk).
    pub(super) fn on_verdict(
        &mut self,
        provider: u32,
        challenger: u32,
        decided: u8,
    ) -> Result<(), SimError> {
        let latency = match self.verifier.regime {
            Regime::Zk => self.verifier.proof_ticks,
            _ => self.verifier.window,
        };
        match decided {
            outcome::FRAUD_CAUGHT => {
                self.world.counters.frauds_caught += 1;
                let slashed = self.punish(provider, true)?;
                let bounty = share_of(slashed, self.verifier.bounty_ppb);
                self.world.ledger.transfer(
                    Account::Stake(provider),
                    Account::Balance(challenger),
                    bounty,
                )?;
                self.slash_away(provider, slashed - bounty)?;
            }
            outcome::REJECTED => {
                self.world.counters.frauds_caught += 1;
                self.world.agents.failures_epoch[provider as usize] += 1;
            }
            _ => {
                if decided == outcome::FORCED_CAUGHT {
                    let jackpot = self
                        .verifier
                        .jackpot
                        .min(self.world.ledger.system(SystemAccount::Treasury));
                    self.world
                        .ledger
                        .transfer(TREASURY, Account::Balance(challenger), jackpot)?;
                }
                if self.world.agents.is_active(provider) {
                    self.world.agents.add_contribution(provider, 1);
                    self.world.agents.passed_epoch[provider as usize] += 1;
                }
                self.world.counters.results_accepted += 1;
                self.world.counters.latency_ticks += u128::from(latency);
                self.world.counters.wrong_accepted += u64::from(decided == outcome::ACCEPT_WRONG);
            }
        }
        Ok(())
    }

    /// A provider caught wrong: a failure, and `validation.slash_fraction`
    /// of its stake slashed, which is returned and, unless `keep` (the
    /// caller pays a bounty from it first), sent where
    /// `validation.slash_to` says.
    pub(super) fn punish(&mut self, provider: u32, keep: bool) -> Result<u64, SimError> {
        self.world.counters.cheats_caught += 1;
        self.world.agents.failures_epoch[provider as usize] += 1;
        let stake = self.world.ledger.get(Account::Stake(provider));
        let slashed = share_of(stake, self.world.rules.slash_ppb);
        if !keep {
            self.slash_away(provider, slashed)?;
        }
        Ok(slashed)
    }

    /// Sends `amount` of `provider`'s stake where `validation.slash_to` says.
    pub(super) fn slash_away(&mut self, provider: u32, amount: u64) -> Result<(), SimError> {
        match self.world.rules.slash_to {
            SlashDestination::Burn => self.world.ledger.burn(Account::Stake(provider), amount)?,
            SlashDestination::Treasury => {
                self.world
                    .ledger
                    .transfer(Account::Stake(provider), TREASURY, amount)?;
            }
        }
        Ok(())
    }

    /// The epoch's verification figures into `record` and the run's totals.
    pub(super) fn record_verification(&mut self, record: &mut EpochRecord) {
        let c = &self.world.counters;
        record.wrong_accepted = c.wrong_accepted;
        record.verification_cost_quote = c.verification_cost_quote;
        record.mean_latency_ticks =
            (c.results_accepted > 0).then(|| c.latency_ticks as f64 / c.results_accepted as f64);
        record.challenges = c.challenges;
        record.frauds_caught = c.frauds_caught;
        let t = &mut self.verification_totals;
        t.tasks_completed += c.tasks_completed;
        t.wrong_accepted += c.wrong_accepted;
        t.results_accepted += c.results_accepted;
        t.latency_ticks += c.latency_ticks;
        t.verification_cost_quote += c.verification_cost_quote;
        t.fees_quote += c.fees_quote;
        t.challenges += c.challenges;
        t.frauds_caught += c.frauds_caught;
        let agents = &self.world.agents;
        let work = if self.roles_present.contains(&Role::ComputeProvider) {
            self.work_concentration.measure(
                &agents.contribution_epoch,
                agents.runs_of(Role::ComputeProvider),
                &self.operators,
            )
        } else {
            // No compute provider ever (not even a joiner): nothing to scan.
            self.work_concentration.measure(
                &agents.contribution_epoch,
                std::iter::empty(),
                &self.operators,
            )
        };
        record.nakamoto_work_identity = work.nakamoto_identity;
        record.nakamoto_work_operator = work.nakamoto_operator;
        record.nakamoto_work_hosting = work.nakamoto_hosting;
        record.hhi_work_operator = work.hhi_operator;
    }

    /// Each challenger's check rate for the epoch, from the bounty it
    /// expects: bounty_share · slash_fraction · the compute providers'
    /// mean stake, and the forced errors' jackpot, valued at the market
    /// price (1 quote per token without a market).
    pub(super) fn challengers_decide(&mut self) {
        let (mut stake, mut n) = (0u128, 0u128);
        for &agent in &self.roles.compute_provider.agent {
            if self.world.agents.is_active(agent) {
                stake += u128::from(self.world.ledger.get(Account::Stake(agent)));
                n += 1;
            }
        }
        let mean_stake = if n > 0 { stake as f64 / n as f64 } else { 0.0 };
        let price = if self.world.market.is_some() {
            self.price()
        } else {
            1.0
        };
        // Token base units to quote base units.
        let to_quote = price * 10f64.powi(QUOTE_DECIMALS as i32)
            / 10f64.powi(self.world.rules.decimals as i32);
        let ppb = |x: u128| x as f64 / PPB as f64;
        let bounty = ppb(self.verifier.bounty_ppb) * ppb(self.world.rules.slash_ppb) * mean_stake;
        let jackpot = self.verifier.forced_error_rate * self.verifier.jackpot as f64;
        self.roles
            .challenger
            .decide(bounty * to_quote, jackpot * to_quote);
    }

    /// Verification figures over the run so far.
    pub fn verification_totals(&self) -> VerificationTotals {
        self.verification_totals
    }

    /// `verification.regime`, and whether the scenario has the section.
    pub fn verification_regime(&self) -> (Regime, bool) {
        (self.verifier.regime, self.verifier.configured)
    }

    /// The operator behind each identity, by agent id.
    pub fn operator_of(&self) -> &[u32] {
        &self.operators.of
    }

    /// Concentration of the compute work done over the run so far (closed
    /// epochs) by identity, operator and hosting cloud: the effective
    /// decentralization.
    pub fn work_concentration_total(&self) -> WorkFigures {
        let agents = &self.world.agents;
        WorkConcentration::default().measure(
            &agents.contribution_total,
            agents.runs_of(Role::ComputeProvider),
            &self.operators,
        )
    }

    /// Whether any population declares `hosting`.
    pub fn has_hosting(&self) -> bool {
        self.operators.any_hosting
    }
}

/// Redundant tasks expected in flight at once (sizes their slots): eight
/// times the mean arrivals during a service time, at least 64.
pub(super) fn in_flight_estimate(scenario: &Scenario) -> usize {
    let per_tick = scenario.demand.tasks_per_epoch.0 / f64::from(scenario.ticks_per_epoch.get());
    let n = 8.0 * per_tick * scenario.demand.service_ticks.0.max(1.0);
    if n.is_finite() {
        (n as usize).clamp(64, 1 << 20)
    } else {
        64
    }
}
