//! Helpers shared by the engine's integration tests: running a scenario
//! text to its end with the engine's identities checked.

use mirage_sim::record::{Collect, EpochRecord};
use mirage_sim::{parse_scenario, Simulation};

/// Loads `text` (named `t.toml`), runs it with `seed` and returns the
/// finished simulation with every epoch's record. Panics with the loader's
/// message and the text when the scenario is invalid, or when the run
/// breaks an identity.
pub fn run(text: &str, seed: u64) -> (Simulation, Vec<EpochRecord>) {
    let loaded = parse_scenario(text, "t.toml", &[]).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut sim = Simulation::new(&loaded.scenario, seed).expect("genesis");
    let mut records = Collect::default();
    sim.run(&mut records).expect("run keeps its identities");
    (sim, records.0)
}
