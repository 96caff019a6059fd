//! Verification regimes of compute results (`[verification]`): what it
//! costs to know a result is right, who pays it, how long a result waits
//! before it is final (its work counts toward rewards only then), and
//! which wrong results get through. Owns the section's schema, the
//! regime's run-time state (the pre-allocated slots of redundant tasks,
//! the per-operator prover marks) and the operator of every identity.
//! The handlers that join providers, validators and challengers are the
//! engine's, in its child module `verification/hooks.rs` (`on_result`,
//! `on_verdict`, …); `sampled` and `none` are handled
//! where a compute provider completes a task (`agents::compute_provider`).
//!
//! Regimes: `sampled` (validators check a share of results; the default,
//! so scenarios without the section reproduce their numbers), `none`,
//! `optimistic` (final after a challenge window unless a challenger
//! disputes it), `redundant` (k providers, the majority answer wins) and
//! `zk` (every result carries a proof; a wrong one is never accepted).

use std::num::NonZeroU32;

use serde::{Deserialize, Deserializer, Serialize};

use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::values::{NonNegative, Probability};

/// Most providers a redundant task runs on (slots are fixed-size arrays).
pub const MAX_REPLICAS: usize = 9;

/// One named party and the share of a population's identities it has
/// (`operators = [...]`, `hosting = [...]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedShare {
    pub name: String,
    pub share: Probability,
}

/// `operators`: a count of the population's own operators, or named ones.
#[derive(Debug, Clone, PartialEq)]
pub enum OperatorSpec {
    Count(NonZeroU32),
    Named(Vec<NamedShare>),
}

impl OperatorSpec {
    /// How many operators the population's identities are split among.
    pub fn count(&self) -> u32 {
        match self {
            Self::Count(n) => n.get(),
            Self::Named(list) => list.len().max(1) as u32,
        }
    }
}

impl<'de> Deserialize<'de> for OperatorSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(i64),
            Named(Vec<NamedShare>),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected `operators` as a whole number >= 1 or a list of                  { name = \"…\", share = … } tables",
            )
        })? {
            Raw::Count(n) => u32::try_from(n)
                .ok()
                .and_then(NonZeroU32::new)
                .map(Self::Count)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!("expected at least 1 operator, got {n}"))
                }),
            Raw::Named(list) => Ok(Self::Named(list)),
        }
    }
}

/// Why a `[{ name, share }]` list is malformed (empty, a blank or repeated
/// name, shares not adding up to 1), if it is.
pub fn named_shares_problem(list: &[NamedShare]) -> Option<String> {
    if list.is_empty() {
        return Some("the list is empty".into());
    }
    for (i, e) in list.iter().enumerate() {
        if e.name.trim().is_empty() {
            return Some(format!("entry {} has an empty name", i + 1));
        }
        if list[..i].iter().any(|x| x.name == e.name) {
            return Some(format!("`{}` is listed twice", e.name));
        }
    }
    let total: f64 = list.iter().map(|e| e.share.0).sum();
    ((total - 1.0).abs() > 1e-9).then(|| format!("the shares add up to {total}, not 1"))
}

/// A replica that returned no answer (its provider left).
const NO_ANSWER: u32 = u32::MAX;

/// How results are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Validators check `validation.sample_rate` of the results.
    #[default]
    Sampled,
    /// Results are accepted as reported.
    None,
    /// Final after `challenge_window_ticks` unless a challenger disputes.
    Optimistic,
    /// Each task runs on `replicas` providers; the majority answer wins.
    Redundant,
    /// Every result carries a proof.
    Zk,
}

impl Regime {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sampled => "sampled",
            Self::None => "none",
            Self::Optimistic => "optimistic",
            Self::Redundant => "redundant",
            Self::Zk => "zk",
        }
    }

    /// Whether results go through the engine's `Event::Result` (rather
    /// than the compute provider's own completion event).
    pub fn engine_verified(self) -> bool {
        matches!(self, Self::Optimistic | Self::Redundant | Self::Zk)
    }
}

/// Who pays the per-task verification cost (proofs, extra replicas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    /// The provider bears it as an operating cost.
    #[default]
    Provider,
    /// The buyer pays it as a premium on the fee (quote from
    /// `task_buyers` to the provider, who then pays the cost).
    Buyer,
}

/// `[verification]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationConfig {
    #[serde(default)]
    pub regime: Regime,
    #[serde(default)]
    pub payer: Payer,
    /// optimistic: ticks from a result to its finality.
    #[serde(default = "default_window")]
    pub challenge_window_ticks: u32,
    /// optimistic: share of the slashed bond paid to the challenger who
    /// caught the fraud (the rest goes where `validation.slash_to` says).
    #[serde(default = "default_bounty_share")]
    pub bounty_share: Probability,
    /// optimistic: chance the protocol plants a forced error in a correct
    /// result (Truebit); the challenger who finds it wins `jackpot`.
    #[serde(default)]
    pub forced_error_rate: Probability,
    /// optimistic: tokens paid from the treasury per forced error found.
    #[serde(default)]
    pub jackpot: NonNegative,
    /// redundant: providers per task, k (1..=9).
    #[serde(default = "default_replicas", deserialize_with = "replicas")]
    pub replicas: u32,
    /// zk: quote per proof (fixed part).
    #[serde(default)]
    pub proof_cost: NonNegative,
    /// zk: proving cost as a multiple of the task's compute cost.
    #[serde(default = "default_overhead")]
    pub proof_overhead: NonNegative,
    /// zk: ticks proving adds before a result is final.
    #[serde(default)]
    pub proof_ticks: u32,
    /// zk: quote per epoch an operator's prover costs (charged at the
    /// operator's first proof of the epoch).
    #[serde(default)]
    pub prover_cost_per_epoch: NonNegative,
}

fn default_window() -> u32 {
    50
}
fn default_bounty_share() -> Probability {
    Probability(0.5)
}
fn default_replicas() -> u32 {
    3
}
fn default_overhead() -> NonNegative {
    NonNegative(1000.0)
}

fn replicas<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let k = u32::deserialize(d)?;
    if (1..=MAX_REPLICAS as u32).contains(&k) {
        Ok(k)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected between 1 and {MAX_REPLICAS} replicas, got {k}"
        )))
    }
}

impl Default for VerificationConfig {
    fn default() -> Self {
        Self {
            regime: Regime::Sampled,
            payer: Payer::Provider,
            challenge_window_ticks: default_window(),
            bounty_share: default_bounty_share(),
            forced_error_rate: Probability(0.0),
            jackpot: NonNegative(0.0),
            replicas: default_replicas(),
            proof_cost: NonNegative(0.0),
            proof_overhead: default_overhead(),
            proof_ticks: 0,
            prover_cost_per_epoch: NonNegative(0.0),
        }
    }
}

/// What a `Verdict` event decides (its `outcome`).
pub mod outcome {
    /// Final and correct.
    pub const ACCEPT_CORRECT: u8 = 0;
    /// Final although wrong (nobody caught it).
    pub const ACCEPT_WRONG: u8 = 1;
    /// A challenger caught a fraud: the provider's bond is slashed.
    pub const FRAUD_CAUGHT: u8 = 2;
    /// A challenger found a forced error: jackpot; the result is correct.
    pub const FORCED_CAUGHT: u8 = 3;
    /// No valid proof (zk): rejected.
    pub const REJECTED: u8 = 4;
}

/// A redundant task in flight: its providers and their answers (0: the
/// correct one; 1 + operator: that operator's wrong answer).
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub providers: [u32; MAX_REPLICAS],
    pub answers: [u32; MAX_REPLICAS],
    pub allocated: u8,
    pub received: u8,
    /// Tick the first answer came back (u64::MAX before).
    pub first_tick: u64,
}

impl Slot {
    const EMPTY: Slot = Slot {
        providers: [0; MAX_REPLICAS],
        answers: [NO_ANSWER; MAX_REPLICAS],
        allocated: 0,
        received: 0,
        first_tick: u64::MAX,
    };

    /// Whether `provider` already runs this task.
    pub fn has(&self, provider: u32) -> bool {
        self.providers[..usize::from(self.allocated)].contains(&provider)
    }

    /// Records `provider`'s answer (`None`: it left before answering);
    /// returns whether every replica has answered.
    pub fn answer(&mut self, provider: u32, answer: Option<u32>) -> bool {
        let n = usize::from(self.allocated);
        if let Some(i) = self.providers[..n].iter().position(|&p| p == provider) {
            self.answers[i] = answer.unwrap_or(NO_ANSWER);
        }
        self.received += 1;
        self.received >= self.allocated
    }

    /// The answer more than half of the allocated replicas gave, if any.
    pub fn majority(&self) -> Option<u32> {
        let n = usize::from(self.allocated);
        let answers = &self.answers[..n];
        answers
            .iter()
            .copied()
            .filter(|&a| a != NO_ANSWER)
            .find(|&a| 2 * answers.iter().filter(|&&b| b == a).count() > n)
    }

    /// The replicas' (provider, answer) pairs that answered.
    pub fn answered(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let n = usize::from(self.allocated);
        self.providers[..n]
            .iter()
            .copied()
            .zip(self.answers[..n].iter().copied())
            .filter(|&(_, a)| a != NO_ANSWER)
    }
}

/// How one population's identities map to parties (operators or clouds).
#[derive(Debug, Clone)]
enum Split {
    /// Each identity is its own party.
    Own,
    /// Identity j belongs to party `first + j mod n`.
    Modulo { first: u32, n: u32 },
    /// Identity j belongs to the party whose cumulative share interval
    /// holds ((j mod count) + ½) / count (`ids[i]` with `upper[i]`).
    Shares {
        ids: Vec<u32>,
        upper: Vec<f64>,
        count: u32,
    },
}

/// The operator (and the hosting cloud) of every identity. `operators =
/// N` maps a population's j-th identity to its own operator j mod N; a
/// list `[{ name, share }]` splits its identities by share among named
/// operators, one id per name across populations; an identity of a
/// population without the key is its own operator. `hosting` splits by
/// share the same way (no hosting: `NO_HOST`).
#[derive(Debug, Clone, Default)]
pub struct Operators {
    operator_split: Vec<Split>,
    hosting_split: Vec<Option<Split>>,
    /// Operator ids reserved by populations; identities' own ids follow.
    reserved: u32,
    /// Operator of each agent, by id.
    pub of: Vec<u32>,
    /// Hosting cloud of each agent (`NO_HOST`: undeclared).
    pub host: Vec<u32>,
    /// Names of the named operators and clouds, by id.
    pub host_names: Vec<String>,
    /// Whether any population declares `hosting`.
    pub any_hosting: bool,
    /// Identities each population has had (the next one's ordinal).
    ordinal: Vec<u32>,
}

/// What `Operators` reads of a population.
#[derive(Debug, Clone, Copy)]
pub struct PopulationParties<'a> {
    pub count: u32,
    pub operators: Option<&'a OperatorSpec>,
    pub hosting: Option<&'a [NamedShare]>,
}

/// `Operators::host` of an identity whose population declares no hosting.
pub const NO_HOST: u32 = u32::MAX;

fn shares_split(
    list: &[NamedShare],
    count: u32,
    names: &mut Vec<String>,
    first_free: &mut u32,
    base: u32,
) -> Split {
    let mut ids = Vec::with_capacity(list.len());
    let mut upper = Vec::with_capacity(list.len());
    let mut cumulative = 0.0;
    for e in list {
        let id = match names.iter().position(|n| *n == e.name) {
            Some(i) => base + i as u32,
            None => {
                names.push(e.name.clone());
                *first_free += 1;
                base + (names.len() - 1) as u32
            }
        };
        cumulative += e.share.0;
        ids.push(id);
        upper.push(cumulative);
    }
    Split::Shares {
        ids,
        upper,
        count: count.max(1),
    }
}

fn party(split: &Split, j: u32, agent: u32, own_base: u32) -> u32 {
    match split {
        Split::Own => own_base.saturating_add(agent),
        Split::Modulo { first, n } => first + j % n,
        Split::Shares { ids, upper, count } => {
            let x = (f64::from(j % count) + 0.5) / f64::from(*count);
            let i = upper.iter().position(|&u| x < u).unwrap_or(ids.len() - 1);
            ids[i]
        }
    }
}

impl Operators {
    /// From each population's count, `operators` and `hosting`.
    pub fn new(populations: &[PopulationParties<'_>]) -> Self {
        // Named operators first (ids 0..), then each population's own.
        let mut names = Vec::new();
        let mut named = 0u32;
        let mut pending = Vec::with_capacity(populations.len());
        for p in populations {
            pending.push(match p.operators {
                Some(OperatorSpec::Named(list)) => {
                    Some(shares_split(list, p.count, &mut names, &mut named, 0))
                }
                _ => None,
            });
        }
        let mut reserved = named;
        let operator_split = populations
            .iter()
            .zip(pending)
            .map(|(p, split)| match (split, p.operators) {
                (Some(split), _) => split,
                (None, Some(OperatorSpec::Count(n))) => {
                    let first = reserved;
                    reserved = reserved.saturating_add(n.get());
                    Split::Modulo { first, n: n.get() }
                }
                _ => Split::Own,
            })
            .collect();
        let mut host_names = Vec::new();
        let mut hosts = 0u32;
        let hosting_split: Vec<Option<Split>> = populations
            .iter()
            .map(|p| {
                p.hosting
                    .map(|h| shares_split(h, p.count, &mut host_names, &mut hosts, 0))
            })
            .collect();
        Self {
            any_hosting: hosting_split.iter().any(Option::is_some),
            operator_split,
            hosting_split,
            reserved,
            of: Vec::new(),
            host: Vec::new(),
            host_names,
            ordinal: vec![0; populations.len()],
        }
    }

    /// Room for `additional` more agents (genesis reserves the most the
    /// populations can hold at once, as for every agent column).
    pub fn reserve(&mut self, additional: usize) {
        self.of.reserve_exact(additional);
        self.host.reserve_exact(additional);
    }

    /// Assigns agent `agent` of population `p` (agents are opened in id
    /// order, so `agent == of.len()`).
    pub fn on_spawn(&mut self, agent: u32, p: usize) {
        let j = self.ordinal[p];
        self.ordinal[p] += 1;
        self.of
            .push(party(&self.operator_split[p], j, agent, self.reserved));
        self.host.push(
            self.hosting_split[p]
                .as_ref()
                .map_or(NO_HOST, |s| party(s, j, agent, 0)),
        );
    }

    /// One more than the largest operator id so far.
    pub fn bound(&self) -> usize {
        self.reserved as usize + self.of.len()
    }
}

/// Concentration of completed work by identity, operator and hosting
/// cloud, with the buffers reused every epoch.
#[derive(Debug, Clone, Default)]
pub struct WorkConcentration {
    by_identity: Vec<u64>,
    /// Work per operator id while a measure sums it; all zero between
    /// measures (entries are cleared as they are read out), so a measure
    /// costs the work done, not the operator count.
    operator_sums: Vec<u64>,
    /// The non-zero operator sums of the last measure.
    by_operator: Vec<u64>,
    by_host: Vec<u64>,
    counts: Vec<u32>,
}

/// Nakamoto coefficients (> 1/2) and the operators' HHI of some work.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WorkFigures {
    pub nakamoto_identity: Option<usize>,
    pub nakamoto_operator: Option<usize>,
    pub nakamoto_hosting: Option<usize>,
    pub hhi_operator: Option<f64>,
    /// Identities and operators that did any of the work.
    pub identities: usize,
    pub operators: usize,
}

impl WorkConcentration {
    /// The figures of `work` (units per agent id) over the agents of the
    /// id ranges `counted` (e.g. the compute providers' runs of ids), in
    /// one pass over them.
    pub fn measure(
        &mut self,
        work: &[u64],
        counted: impl Iterator<Item = std::ops::Range<usize>> + Clone,
        operators: &Operators,
    ) -> WorkFigures {
        use mirage_analysis::concentration::{hhi, nakamoto_sorted};
        self.by_identity.clear();
        self.by_operator.clear();
        if self.operator_sums.len() < operators.bound() {
            self.operator_sums.resize(operators.bound(), 0);
        }
        self.by_host.clear();
        self.by_host.resize(operators.host_names.len(), 0);
        // First pass: each identity's work and its operator's and host's sums.
        for run in counted.clone() {
            for (a, &w) in work[run.clone()].iter().enumerate() {
                if w == 0 {
                    continue;
                }
                let a = run.start + a;
                self.by_identity.push(w);
                self.operator_sums[operators.of[a] as usize] += w;
                let h = operators.host[a];
                if h != NO_HOST {
                    self.by_host[h as usize] += w;
                }
            }
        }
        // Second pass: each operator's sum, read out (and cleared) at its
        // first identity that worked.
        for run in counted {
            for (a, &w) in work[run.clone()].iter().enumerate() {
                if w == 0 {
                    continue;
                }
                let sum = &mut self.operator_sums[operators.of[run.start + a] as usize];
                if *sum > 0 {
                    self.by_operator.push(*sum);
                    *sum = 0;
                }
            }
        }
        crate::stats::sort_amounts(&mut self.by_identity, &mut self.counts);
        crate::stats::sort_amounts(&mut self.by_operator, &mut self.counts);
        crate::stats::sort_amounts(&mut self.by_host, &mut self.counts);
        WorkFigures {
            nakamoto_identity: nakamoto_sorted(&self.by_identity, 1, 2),
            nakamoto_operator: nakamoto_sorted(&self.by_operator, 1, 2),
            nakamoto_hosting: if operators.any_hosting {
                nakamoto_sorted(&self.by_host, 1, 2)
            } else {
                None
            },
            hhi_operator: hhi(&self.by_operator),
            identities: self.by_identity.len(),
            operators: self.by_operator.len(),
        }
    }
}

/// The regime's parameters in base units and its run-time state.
#[derive(Debug, Clone)]
pub struct Verifier {
    pub regime: Regime,
    pub payer: Payer,
    /// Whether the scenario has a `[verification]` section (reports).
    pub configured: bool,
    pub window: u64,
    pub bounty_ppb: u128,
    pub forced_error_rate: f64,
    /// Jackpot in token base units.
    pub jackpot: u64,
    pub replicas: usize,
    /// Quote base units per proof.
    pub proof_cost: u64,
    pub proof_overhead: f64,
    pub proof_ticks: u64,
    /// Quote base units per operator per epoch.
    pub prover_cost: u64,
    /// Redundant tasks in flight, and the free slots.
    pub slots: Vec<Slot>,
    free: Vec<u32>,
    /// Per operator: 1 + the last epoch its prover was paid for.
    pub prover_paid: Vec<u32>,
}

impl Verifier {
    /// From the section (None: `sampled` with nothing else configured).
    /// `in_flight` sizes the redundant slots up front.
    pub fn new(config: Option<&VerificationConfig>, decimals: u32, in_flight: usize) -> Self {
        let c = config.cloned().unwrap_or_default();
        let redundant = c.regime == Regime::Redundant;
        let capacity = if redundant { in_flight } else { 0 };
        Self {
            regime: c.regime,
            payer: c.payer,
            configured: config.is_some(),
            window: u64::from(c.challenge_window_ticks),
            bounty_ppb: (c.bounty_share.0 * 1e9).round() as u128,
            forced_error_rate: c.forced_error_rate.0,
            jackpot: to_base_units(c.jackpot.0, decimals),
            replicas: c.replicas as usize,
            proof_cost: to_base_units(c.proof_cost.0, QUOTE_DECIMALS),
            proof_overhead: c.proof_overhead.0,
            proof_ticks: u64::from(c.proof_ticks),
            prover_cost: to_base_units(c.prover_cost_per_epoch.0, QUOTE_DECIMALS),
            slots: Vec::with_capacity(capacity),
            free: Vec::with_capacity(capacity),
            prover_paid: Vec::new(),
        }
    }

    /// A free slot for a redundant task (reused; grows only when more
    /// tasks are in flight than ever before).
    pub fn open_slot(&mut self) -> u32 {
        match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Slot::EMPTY;
                s
            }
            None => {
                self.slots.push(Slot::EMPTY);
                (self.slots.len() - 1) as u32
            }
        }
    }

    pub fn close_slot(&mut self, slot: u32) {
        self.free.push(slot);
    }

    /// The zk proving cost of a task whose compute costs `task_cost`:
    /// proof_cost + round(proof_overhead · task_cost).
    pub fn proof_cost_of(&self, task_cost: u64) -> u64 {
        let overhead = (self.proof_overhead * task_cost as f64).round();
        let overhead = if overhead >= (u64::MAX / 4) as f64 {
            u64::MAX / 4
        } else {
            overhead as u64
        };
        self.proof_cost.saturating_add(overhead)
    }

    /// Whether `operator`'s prover still has to be paid for `epoch` (and
    /// marks it paid).
    pub fn prover_due(&mut self, operator: u32, epoch: u32) -> bool {
        let o = operator as usize;
        if o >= self.prover_paid.len() {
            self.prover_paid.resize(o + 1, 0);
        }
        let due = self.prover_paid[o] != epoch + 1;
        self.prover_paid[o] = epoch + 1;
        due
    }
}

/// Whole-run verification figures (fairness.json `verification`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VerificationTotals {
    pub tasks_completed: u64,
    pub wrong_accepted: u64,
    pub results_accepted: u64,
    pub latency_ticks: u128,
    pub verification_cost_quote: u128,
    pub fees_quote: u128,
    pub challenges: u64,
    pub frauds_caught: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_needs_more_than_half_of_the_allocated() {
        let mut s = Slot::EMPTY;
        s.allocated = 3;
        s.providers[..3].copy_from_slice(&[4, 5, 6]);
        assert!(!s.answer(4, Some(7)));
        assert!(!s.answer(5, Some(0)));
        assert!(s.answer(6, None));
        assert_eq!(s.majority(), None);
        s.answers[2] = 7;
        assert_eq!(s.majority(), Some(7));
    }

    fn share(name: &str, share: f64) -> NamedShare {
        NamedShare {
            name: name.into(),
            share: Probability(share),
        }
    }

    #[test]
    fn operators_split_identities_mod_n_or_by_share() {
        let two = OperatorSpec::Count(NonZeroU32::new(2).expect("2 > 0"));
        let acme_solo = OperatorSpec::Named(vec![share("acme", 0.75), share("solo", 0.25)]);
        let aws = [share("aws", 1.0)];
        let acme = OperatorSpec::Named(vec![share("acme", 1.0)]);
        let parties = [
            PopulationParties {
                count: 3,
                operators: Some(&two),
                hosting: None,
            },
            PopulationParties {
                count: 2,
                operators: None,
                hosting: None,
            },
            PopulationParties {
                count: 4,
                operators: Some(&acme_solo),
                hosting: Some(&aws),
            },
            PopulationParties {
                count: 2,
                operators: Some(&acme),
                hosting: None,
            },
        ];
        let mut o = Operators::new(&parties);
        let order = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3];
        for (agent, &p) in order.iter().enumerate() {
            o.on_spawn(agent as u32, p);
        }
        // Named: acme 0, solo 1; population 0's own: 2, 3; own ids from 4.
        assert_eq!(o.of, vec![2, 3, 2, 4 + 3, 4 + 4, 0, 0, 0, 1, 0, 0]);
        assert_eq!(o.host[5..9], [0, 0, 0, 0]);
        assert_eq!(o.host[0], NO_HOST);
        assert!(o.any_hosting);
        let mut work = vec![0u64; order.len()];
        for w in work.iter_mut().skip(5) {
            *w = 10;
        }
        let f = WorkConcentration::default().measure(&work, std::iter::once(0..work.len()), &o);
        // Six identities of two operators (acme 50 of 60): one operator
        // holds more than half, where it takes four identities.
        assert_eq!(f.identities, 6);
        assert_eq!(f.operators, 2);
        assert_eq!(f.nakamoto_identity, Some(4));
        assert_eq!(f.nakamoto_operator, Some(1));
        assert_eq!(f.nakamoto_hosting, Some(1));
        let hhi = f.hhi_operator.expect("work");
        assert!((hhi - ((5.0f64 / 6.0).powi(2) + (1.0f64 / 6.0).powi(2))).abs() < 1e-12);
    }

    #[test]
    fn proof_cost_is_fixed_plus_overhead_times_compute() {
        let v = Verifier::new(
            Some(&VerificationConfig {
                regime: Regime::Zk,
                proof_cost: NonNegative(0.5),
                proof_overhead: NonNegative(1000.0),
                ..VerificationConfig::default()
            }),
            6,
            0,
        );
        assert_eq!(v.proof_cost_of(20), 500_000 + 20_000);
    }
}
