//! Fuzz tests on the stable toolchain (issue 15): mutated shipped
//! scenarios, `--set` values and the CSV inputs of `metrics`, `fund` and
//! `yuma` never panic, and every rejection names its place (`file:line:
//! column` in a scenario, `file:line:` in a CSV, the assignment of a
//! `--set`). Bounded: `PROPTEST_CASES` (default 200) cases for the library
//! properties, fewer for the ones that start the binary, and a mutated
//! scenario is only run (one epoch) when it is small.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use mirage_sim::{parse_scenario, Override, Simulation};
use proptest::prelude::*;

/// The shipped scenarios the mutations start from.
const SHIPPED: &[&str] = &[
    include_str!("../scenarios/baseline.toml"),
    include_str!("../scenarios/compare-schemes.toml"),
    include_str!("../scenarios/sweep-emission.toml"),
    include_str!("../scenarios/calibration/boltzmann.toml"),
    include_str!("../scenarios/calibration/emission.toml"),
    include_str!("../scenarios/schemes/quadratic-sybil.toml"),
    include_str!("../scenarios/schemes/quality.toml"),
    include_str!("../scenarios/schemes/reputation.toml"),
    include_str!("../scenarios/schemes/yuma-cartel.toml"),
];

/// Values that have broken parsers and arithmetic before.
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "18446744073709551616",
    "9223372036854775807",
    "4294967295",
    "4294967296",
    "65536",
    "1e-320",
    "0.5",
    "1.0000001",
    "\"\"",
    "\"x\"",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    "\"quadratic_pool\"",
    "\"validator\"",
];

/// Library-level cases: the environment's `PROPTEST_CASES`, else 200.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceNumber(usize, usize),
    ReplaceString(usize, usize),
    Truncate(usize),
    Byte(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = EXTREMES.len();
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        4 => (any::<usize>(), 0..n).prop_map(|(a, b)| Mutation::ReplaceNumber(a, b)),
        1 => (any::<usize>(), 0..n).prop_map(|(a, b)| Mutation::ReplaceString(a, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Byte(a, b)),
    ]
}

/// Spans of `text` that look like numbers (`value_like = false`) or
/// quoted strings.
fn tokens(text: &str, strings: bool) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if strings && c == b'"' {
            if let Some(end) = text[i + 1..].find('"') {
                out.push((i, i + end + 2));
                i += end + 2;
                continue;
            }
        }
        if !strings
            && (c.is_ascii_digit() || c == b'-')
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_')
        {
            let mut j = i + 1;
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric() || b"._+-".contains(&bytes[j]))
            {
                j += 1;
            }
            out.push((i, j));
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match *m {
        Mutation::DeleteLine(a) => {
            if !lines.is_empty() {
                lines.remove(a % n);
            }
            lines.join("\n")
        }
        Mutation::DuplicateLine(a) => {
            if !lines.is_empty() {
                lines.insert(a % n, lines[a % n]);
            }
            lines.join("\n")
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            lines.join("\n")
        }
        Mutation::ReplaceNumber(a, v) | Mutation::ReplaceString(a, v) => {
            let spans = tokens(text, matches!(m, Mutation::ReplaceString(..)));
            if spans.is_empty() {
                return text.to_string();
            }
            let (s, e) = spans[a % spans.len()];
            format!("{}{}{}", &text[..s], EXTREMES[v], &text[e..])
        }
        Mutation::Truncate(a) => {
            let mut cut = a % (text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
        Mutation::Byte(a, b) => {
            let mut bytes = text.as_bytes().to_vec();
            if !bytes.is_empty() {
                let i = a % bytes.len();
                bytes[i] = b;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

/// Whether `message` names `file:line:column` of `file`.
fn located_in(message: &str, file: &str) -> bool {
    message.match_indices(&format!("{file}:")).any(|(i, m)| {
        let rest = &message[i + m.len()..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or("");
        let column = parts.next().unwrap_or("");
        !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !column.is_empty()
            && column.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Small enough to run an epoch of in a test: few agents and few events
/// per epoch (every rate is bounded by the schema, so any accepted
/// scenario ends; this only bounds the test's time).
fn small(s: &mirage_sim::Scenario) -> bool {
    let mut agents = 0u64;
    let mut events = s.demand.tasks_per_epoch.0;
    for p in &s.population {
        let p = p.get_ref();
        let count = u64::from(p.count.max(p.max_count.unwrap_or(0)));
        agents += count;
        for rate in ["trades_per_epoch", "submission_rate"] {
            if let Some(d) = p.attributes.dist(rate) {
                // Above one event per tick, whole-tick delays repeat
                // events within a tick (tests/reliability.rs runs those).
                let per_tick = d.mean() / f64::from(s.ticks_per_epoch.get());
                events += if per_tick > 1.0 {
                    f64::INFINITY
                } else {
                    count as f64 * d.mean()
                };
            }
        }
    }
    agents <= 3_000
        && events <= 100_000.0
        && s.demand.service_ticks.0 <= 1e6
        && s.ticks_per_epoch.get() <= 100_000
}

/// Parses `text`, and runs an epoch of it when it is accepted and small.
fn parse_and_run(text: &str, sets: &[Override]) -> Result<(), String> {
    let loaded = parse_scenario(text, "fuzz.toml", sets).map_err(|e| e.to_string())?;
    if !small(&loaded.scenario) {
        return Ok(());
    }
    let mut sim = Simulation::new(&loaded.scenario, 7)
        .map_err(|e| format!("accepted scenario fails at genesis: {e}"))?;
    let mut sink = |_: &mirage_sim::EpochRecord| {};
    sim.run_epochs(1, &mut sink)
        .map_err(|e| format!("accepted scenario fails in its run: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(200),
        // A fixed seed: CI runs the same cases every time (a new failure
        // found with `PROPTEST_CASES` and another seed is added to
        // tests/fuzz.proptest-regressions).
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6d69_7261_6765),
        ..ProptestConfig::default()
    })]

    /// A shipped scenario with up to four random line, token and byte
    /// mutations is accepted (and then runs) or rejected at a
    /// `fuzz.toml:line:column`.
    #[test]
    fn mutated_scenarios_never_panic_and_every_rejection_has_a_location(
        which in 0..SHIPPED.len(),
        mutations in proptest::collection::vec(mutation(), 1..5),
    ) {
        let mut text = SHIPPED[which].to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| parse_and_run(&text, &[])));
        let Ok(result) = outcome else {
            return Err(TestCaseError::fail(format!("panic on:\n{text}")));
        };
        if let Err(message) = result {
            prop_assert!(
                located_in(&message, "fuzz.toml"),
                "unlocated rejection `{message}` of:\n{text}"
            );
        }
    }

    /// `--set` of an extreme value at a path of a shipped scenario is
    /// accepted (and runs) or rejected naming the assignment.
    #[test]
    fn set_values_never_panic_and_every_rejection_names_the_assignment(
        which in 0..SHIPPED.len(),
        path in prop_oneof![
            Just("epochs"), Just("ticks_per_epoch"), Just("decimals"), Just("seed"),
            Just("initial_supply"), Just("emission.initial"), Just("emission.decay"),
            Just("fees.burn_share"), Just("fees.task_fee"), Just("demand.tasks_per_epoch"),
            Just("demand.service_ticks"), Just("demand.growth_per_epoch"),
            Just("market.token_reserve"), Just("market.quote_reserve"), Just("market.fee"),
            Just("population.0.count"), Just("population.0.max_count"),
            Just("population.1.count"), Just("population.0.balance"),
            Just("population.0.stake.mean"), Just("churn.exit_threshold"),
            Just("reward.compute.share"), Just("reward.compute.scheme"),
            Just("validation.slash_fraction"), Just("nonexistent.key"),
        ],
        value in 0..EXTREMES.len(),
    ) {
        let assignment = format!("{path}={}", EXTREMES[value]);
        let set = match Override::parse(&assignment) {
            Ok(set) => set,
            Err(message) => {
                prop_assert!(!message.is_empty());
                return Ok(());
            }
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            parse_and_run(SHIPPED[which], std::slice::from_ref(&set))
        }));
        let Ok(result) = outcome else {
            return Err(TestCaseError::fail(format!("panic on --set {assignment}")));
        };
        if let Err(message) = result {
            prop_assert!(
                message.contains(&format!("--set {assignment}")) || located_in(&message, "fuzz.toml"),
                "rejection of --set {assignment} does not name it: {message}"
            );
        }
    }
}
