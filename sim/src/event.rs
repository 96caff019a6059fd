//! The closed set of events the engine handles (in `engine::Simulation::
//! handle`, in one place). Events are small `Copy` values (12 bytes) that
//! carry the agent id and its row in the role's table, so a handler needs
//! no lookup; the queue orders them by (tick, insertion sequence).

/// One thing that happens at a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A user's task arrives (Poisson process; schedules the next one).
    TaskArrival,
    /// A compute provider finishes a task; `correct` is drawn at completion.
    TaskCompletion { provider: u32, row: u32 },
    /// A validator checks a completed task.
    Validation { provider: u32, correct: bool },
    /// A data provider submits a dataset (schedules its next submission).
    DataSubmission { provider: u32, row: u32 },
    /// A speculator trades (schedules its next trade).
    SpeculatorTrade { agent: u32, row: u32 },
    /// Vesting unlocks and investors' sales at the start of an epoch.
    VestingUnlock { epoch: u32 },
    /// One step of random exchange among holders.
    RandomExchange { epoch: u32 },
    /// Emission, fees, rewards, churn decisions and recording.
    EpochEnd { epoch: u32 },
    /// A new member of a population joins.
    AgentJoin { population: u16 },
    /// An agent leaves (its stake is returned to its balance).
    AgentLeave { agent: u32 },
}
