//! Voting power at a snapshot: each identity's base power (the holdings
//! `[governance.power]` counts) and ERC20Votes-style delegation (a delegator moves all of
//! its power to one delegate, which votes it). Delegation conserves power:
//! Σ power after = Σ base power. Buffers are reused between snapshots.

use rand::Rng;

use crate::agents::{Agents, Role, ACTIVE};
use crate::ledger::{Account, Ledger};
use crate::rng::SimRng;

use super::config::{Delegation, PowerSources, To, Who};

/// Base power of one identity: the counted holdings (0 when it left).
pub fn base_power(sources: PowerSources, ledger: &Ledger, agents: &Agents, agent: u32) -> u64 {
    if agents.left_epoch[agent as usize] != ACTIVE {
        return 0;
    }
    let mut p = 0u64;
    if sources.balance {
        p = p.saturating_add(ledger.get(Account::Balance(agent)));
    }
    if sources.stake {
        p = p.saturating_add(ledger.get(Account::Stake(agent)));
    }
    if sources.unvested {
        p = p.saturating_add(ledger.get(Account::Unvested(agent)));
    }
    p
}

/// The identities with power grouped by owner: owners in id order, and
/// within an owner its identities in id order (a counting sort into
/// buffers reused between votes).
#[derive(Debug, Default)]
pub struct OwnerGroups {
    /// `start[o]..start[o + 1]` is owner o's range of `members`.
    start: Vec<u32>,
    members: Vec<u32>,
    cursor: Vec<u32>,
}

impl OwnerGroups {
    /// Groups identities `0..power.len()` with power > 0 by `owner_of`
    /// (every owner id below `owner_bound`).
    pub fn group(&mut self, owner_of: &[u32], owner_bound: usize, power: &[u64]) {
        self.start.clear();
        self.start.resize(owner_bound + 1, 0);
        for (a, &p) in power.iter().enumerate() {
            if p > 0 {
                self.start[owner_of[a] as usize + 1] += 1;
            }
        }
        for o in 0..owner_bound {
            self.start[o + 1] += self.start[o];
        }
        self.cursor.clear();
        self.cursor.extend_from_slice(&self.start[..owner_bound]);
        self.members.clear();
        self.members.resize(self.start[owner_bound] as usize, 0);
        for (a, &p) in power.iter().enumerate() {
            if p > 0 {
                let slot = &mut self.cursor[owner_of[a] as usize];
                self.members[*slot as usize] = a as u32;
                *slot += 1;
            }
        }
    }

    /// Each owner's identities (empty for an owner without power), in
    /// owner order.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        self.start
            .windows(2)
            .map(|w| &self.members[w[0] as usize..w[1] as usize])
    }
}

/// The voting power of every identity after delegation.
#[derive(Debug, Default)]
pub struct PowerBook {
    /// Each identity's own counted holdings.
    pub base: Vec<u64>,
    /// Power each identity votes with (0 for a delegator).
    pub power: Vec<u64>,
    /// The delegate of each identity (itself when it does not delegate).
    pub delegate: Vec<u32>,
    /// Identities of the team (investors) or delegates of one.
    pub team_backed: Vec<bool>,
    /// Power moved by delegation.
    pub delegated: u128,
    /// Persistent draws of each identity: whether it delegates, and which
    /// candidate it picks (drawn once, in id order, from the governance
    /// stream, so delegation is stable between snapshots).
    draw_who: Vec<f64>,
    draw_pick: Vec<f64>,
    order: Vec<u32>,
    candidates: Vec<u32>,
}

impl PowerBook {
    /// Recomputes every identity's power now.
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    pub fn compute(
        &mut self,
        sources: PowerSources,
        delegation: Option<&Delegation>,
        ledger: &Ledger,
        agents: &Agents,
        reputation: &dyn Fn(u32) -> f64,
        rng: &mut SimRng,
    ) {
        let n = agents.len();
        while self.draw_who.len() < n {
            self.draw_who.push(rng.random::<f64>());
            self.draw_pick.push(rng.random::<f64>());
        }
        self.base.clear();
        self.base
            .extend((0..n as u32).map(|a| base_power(sources, ledger, agents, a)));
        self.power.clear();
        self.power.extend_from_slice(&self.base);
        self.delegate.clear();
        self.delegate.extend(0..n as u32);
        self.team_backed.clear();
        self.team_backed
            .extend(agents.role.iter().map(|&r| r == Role::Investor));
        self.delegated = 0;
        let Some(d) = delegation else { return };
        let base = &self.base;
        // Who delegates.
        let mut delegates_flag = vec![false; n];
        let holders = base.iter().filter(|&&b| b > 0).count();
        let quota = (d.share.0 * holders as f64).round() as usize;
        match d.who {
            Who::Random => {
                for a in 0..n {
                    delegates_flag[a] = base[a] > 0 && self.draw_who[a] < d.share.0;
                }
            }
            Who::Smallest => {
                self.order.clear();
                self.order
                    .extend((0..n as u32).filter(|&a| base[a as usize] > 0));
                self.order.sort_by_key(|&a| (base[a as usize], a));
                for &a in self.order.iter().take(quota) {
                    delegates_flag[a as usize] = true;
                }
            }
        }
        // To whom.
        self.candidates.clear();
        self.candidates
            .extend((0..n as u32).filter(|&a| base[a as usize] > 0 && !delegates_flag[a as usize]));
        match d.to {
            To::Random => {}
            To::Largest => {
                self.candidates
                    .sort_by(|&x, &y| base[y as usize].cmp(&base[x as usize]).then(x.cmp(&y)));
                self.candidates.truncate(d.candidates.max(1) as usize);
            }
            To::Reputation => {
                self.candidates.sort_by(|&x, &y| {
                    reputation(y)
                        .total_cmp(&reputation(x))
                        .then(base[y as usize].cmp(&base[x as usize]))
                        .then(x.cmp(&y))
                });
                self.candidates.truncate(d.candidates.max(1) as usize);
            }
        }
        if self.candidates.is_empty() {
            return;
        }
        for a in 0..n {
            if !delegates_flag[a] {
                continue;
            }
            let k = ((self.draw_pick[a] * self.candidates.len() as f64) as usize)
                .min(self.candidates.len() - 1);
            let to = self.candidates[k];
            self.delegate[a] = to;
            self.power[to as usize] += self.base[a];
            self.power[a] = 0;
            self.delegated += u128::from(self.base[a]);
            if agents.role[a] == Role::Investor {
                self.team_backed[to as usize] = true;
            }
        }
    }

    /// Σ power (equal to Σ base power: delegation conserves it).
    pub fn total(&self) -> u128 {
        self.power.iter().map(|&p| u128::from(p)).sum()
    }
}

/// √ of `tokens` base units (truncated integer square root): an identity's
/// quadratic power in √base units.
pub fn quadratic_power(tokens: u64) -> u64 {
    tokens.isqrt()
}

/// Quadratic power of one owner holding `parts` on separate identities.
pub fn owner_quadratic_power(parts: &[u64]) -> u64 {
    parts.iter().map(|&t| quadratic_power(t)).sum()
}

#[cfg(test)]
mod tests {
    use super::OwnerGroups;

    #[test]
    fn identities_with_power_are_grouped_by_owner_in_id_order() {
        let owner_of = [2, 0, 2, 1, 0, 2];
        let power = [5, 1, 0, 3, 4, 7];
        let mut g = OwnerGroups::default();
        g.group(&owner_of, 4, &power);
        let groups: Vec<&[u32]> = g.iter().collect();
        assert_eq!(groups, vec![&[1, 4][..], &[3][..], &[0, 5][..], &[][..]]);
        // Reused with fewer identities: nothing of the last grouping stays.
        g.group(&owner_of[..2], 3, &power[..2]);
        let groups: Vec<&[u32]> = g.iter().collect();
        assert_eq!(groups, vec![&[1][..], &[][..], &[0][..]]);
    }
}
