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

/// Cells that have broken CSV readers and number parsers before.
const CSV_CELLS: &[&str] = &[
    "",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "1e-400",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "0.0000000000000000000001",
    "0x10",
    " 5 ",
    "\"",
    "\"a,b\"",
    "a\"b",
    "\u{feff}x",
    "é",
    "1,2",
];

#[derive(Debug, Clone)]
enum CsvMutation {
    Cell(usize, usize, usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    BlankLine(usize),
    Truncate(usize),
    Byte(usize, u8),
}

fn csv_mutation() -> impl Strategy<Value = CsvMutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<usize>(), 0..CSV_CELLS.len())
            .prop_map(|(r, c, v)| CsvMutation::Cell(r, c, v)),
        1 => any::<usize>().prop_map(CsvMutation::DeleteLine),
        1 => any::<usize>().prop_map(CsvMutation::DuplicateLine),
        1 => any::<usize>().prop_map(CsvMutation::BlankLine),
        1 => any::<usize>().prop_map(CsvMutation::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| CsvMutation::Byte(a, b)),
    ]
}

fn apply_csv(text: &str, m: &CsvMutation) -> Vec<u8> {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let n = lines.len().max(1);
    match *m {
        CsvMutation::Cell(r, c, v) => {
            if let Some(line) = lines.get_mut(r % n) {
                let mut cells: Vec<&str> = line.split(',').collect();
                let k = c % cells.len();
                cells[k] = CSV_CELLS[v];
                *line = cells.join(",");
            }
        }
        CsvMutation::DeleteLine(a) => {
            if !lines.is_empty() {
                lines.remove(a % n);
            }
        }
        CsvMutation::DuplicateLine(a) => {
            if !lines.is_empty() {
                let l = lines[a % n].clone();
                lines.insert(a % n, l);
            }
        }
        CsvMutation::BlankLine(a) => lines.insert(a % (n + 1), String::new()),
        CsvMutation::Truncate(a) => {
            let bytes = (lines.join("\n") + "\n").into_bytes();
            return bytes[..a % (bytes.len() + 1)].to_vec();
        }
        CsvMutation::Byte(a, b) => {
            let mut bytes = (lines.join("\n") + "\n").into_bytes();
            let i = a % bytes.len();
            bytes[i] = b;
            return bytes;
        }
    }
    (lines.join("\n") + "\n").into_bytes()
}

/// Runs `mirage ARGS` in `dir`: it must exit 0, or 2 with an error naming
/// `file:line` of one of its input `files`.
fn csv_command_is_located(
    dir: &std::path::Path,
    args: &[&str],
    files: &[&str],
) -> Result<(), String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mirage"))
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("panicked") || out.status.code().is_none_or(|c| c != 0 && c != 2) {
        return Err(format!("{args:?}: exit {:?}: {stderr}", out.status.code()));
    }
    if out.status.success() {
        return Ok(());
    }
    let located = files.iter().any(|file| {
        stderr.match_indices(&format!("{file}:")).any(|(i, m)| {
            stderr[i + m.len()..]
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit())
        })
    });
    if located {
        Ok(())
    } else {
        Err(format!(
            "{args:?}: rejection without {files:?}:line: {stderr}"
        ))
    }
}

const METRICS_CSV: &str = "holder,balance\na,10\nb,3.5\nc,0\nd,1e3\ne,0.000001\n";
const FUND_CSV: &str = "donor,project,amount\na1,A,1\na2,A,1\na3,A,1\nb1,B,4\nc1,C,9\nc2,C,1\n";
const STAKES_CSV: &str = "validator,stake\nV0,3\nV1,1\n";
const WEIGHTS_CSV: &str =
    "validator,provider,weight\nV0,P0,2\nV0,P1,1\nV0,P2,1\nV1,P1,1\nV1,P2,3\n";

proptest! {
    #![proptest_config(ProptestConfig {
        // Each case starts the binary: fewer cases than the library tests.
        cases: cases(200) / 5,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6373_7666_757a),
        ..ProptestConfig::default()
    })]

    /// A mutated input of `mirage metrics`, `fund` or `yuma` (stakes or
    /// weights) is accepted or rejected with exit 2 naming its
    /// `file:line`, never a panic.
    #[test]
    fn mutated_csv_inputs_never_panic_and_every_rejection_names_file_and_line(
        which in 0..4usize,
        mutations in proptest::collection::vec(csv_mutation(), 1..4),
    ) {
        let tmp = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let base = [METRICS_CSV, FUND_CSV, STAKES_CSV, WEIGHTS_CSV][which];
        let mut bytes = base.as_bytes().to_vec();
        for m in &mutations {
            bytes = apply_csv(&String::from_utf8_lossy(&bytes), m);
        }
        let write = |name: &str, data: &[u8]| std::fs::write(tmp.path().join(name), data);
        let file = ["x.csv", "donations.csv", "stakes.csv", "weights.csv"][which];
        write(file, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if which == 2 {
            write("weights.csv", WEIGHTS_CSV.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        if which == 3 {
            write("stakes.csv", STAKES_CSV.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let (args, files): (Vec<&str>, Vec<&str>) = match which {
            0 => (vec!["metrics", "x.csv", "--column", "balance"], vec![file]),
            1 => (vec!["fund", "donations.csv"], vec![file]),
            _ => (
                vec!["yuma", "--stakes", "stakes.csv", "--weights", "weights.csv"],
                vec!["stakes.csv", "weights.csv"],
            ),
        };
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        csv_command_is_located(tmp.path(), &args, &files)
            .map_err(|e| TestCaseError::fail(format!("{e}\ninput:\n{shown}")))?;
    }
}
