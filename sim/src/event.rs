//! The closed set of events the engine handles (in `engine::Simulation::
//! handle`, in one place). Events are small `Copy` values (12 bytes) that
//! carry the agent id and its row in the role's table, so a handler needs
//! no lookup; the queue orders them by (tick, insertion sequence). A
//! role's own events are `Role` events with the role's code for the kind,
//! dispatched by the roles registry to the role's file.

use crate::roles::Role;

/// One thing that happens at a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A user's task arrives (Poisson process; schedules the next one).
    TaskArrival,
    /// A validator checks a completed task; `correct` was drawn at completion.
    Validation { provider: u32, correct: bool },
    /// A compute result returned under a regime the engine verifies
    /// (`verification::Regime::engine_verified`); `slot` is the redundant
    /// task's slot (u32::MAX otherwise).
    Result { provider: u32, slot: u32 },
    /// A result becomes final (`verification::outcome`), with the
    /// challenger who disputed it (u32::MAX: none).
    Verdict {
        provider: u32,
        challenger: u32,
        outcome: u8,
    },
    /// One of a role's own events (e.g. a compute provider completes a
    /// task, a data provider submits a dataset, a speculator trades).
    Role {
        role: Role,
        kind: u8,
        agent: u32,
        row: u32,
    },
    /// A role's process at the start of an epoch (investors' vesting and
    /// sales, holders' random exchange).
    EpochStart { role: Role, epoch: u32 },
    /// Emission, fees, rewards, churn decisions and recording.
    EpochEnd { epoch: u32 },
    /// A new member of a population joins.
    AgentJoin { population: u16 },
    /// An agent leaves (its stake is returned to its balance).
    AgentLeave { agent: u32 },
    /// A governance step (`governance::PROPOSE`, `CLOSE`, `EXECUTE`) of
    /// `proposal` (only with a `[governance]` section).
    Governance { action: u8, proposal: u32 },
}

#[cfg(test)]
mod tests {
    /// The queue stores events by value: keep them at 12 bytes.
    #[test]
    fn an_event_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<super::Event>(), 12);
    }
}
