//! `docs/model.md` documents every scenario key: each dotted key path used
//! by a shipped scenario under `scenarios/` (arrays of tables by their key
//! name, e.g. `population.capacity`), and the keys the schema accepts that
//! no shipped scenario uses (listed below), must appear in it, by their
//! last segment or by the whole dotted path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Keys the schema accepts (`sim/src/scenario/mod.rs`, the roles'
/// `ATTRIBUTES` in `sim/src/agents/*.rs`, the reward schemes' parameter
/// tables) that shipped scenarios may not use.
const SCHEMA_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "epochs",
    "ticks_per_epoch",
    "decimals",
    "initial_supply",
    "emission.schedule",
    "emission.per_epoch",
    "emission.halving_interval",
    "fees.task_fee",
    "fees.burn_share",
    "fees.treasury_share",
    "fees.policy",
    "fees.target_utilisation",
    "fees.max_change",
    "fees.min_fee",
    "fees.max_fee",
    "market.token_reserve",
    "market.quote_reserve",
    "market.swap_fee",
    "demand.tasks_per_epoch",
    "demand.growth_per_epoch",
    "demand.service_ticks",
    "demand.allocation",
    "demand.willingness_to_pay",
    "demand.event_model",
    "treasury.controlled_by",
    "validation.sample_rate",
    "validation.delay_ticks",
    "validation.slash_fraction",
    "validation.slash_to",
    "churn.exit_after_epochs",
    "churn.join_rate",
    "exchange.amount",
    "reward.compute.share",
    "reward.compute.scheme",
    "reward.data.share",
    "reward.data.scheme",
    "reward.validation.share",
    "reward.validation.scheme",
    // Scheme parameter tables.
    "reward.compute.reputation.model",
    "reward.compute.reputation.lambda",
    "reward.compute.reputation.alpha",
    "reward.compute.reputation.gamma",
    "reward.compute.reputation.prior",
    "reward.compute.reputation.prior_weight",
    "reward.compute.reputation.on_slash",
    "reward.compute.reputation.cut",
    "reward.compute.quality.noise",
    "reward.compute.quality.committee",
    "reward.compute.yuma.kappa",
    "reward.compute.yuma.alpha",
    "reward.compute.yuma.bonds_penalty",
    "reward.compute.yuma.noise",
    "reward.compute.yuma.cartel.validators",
    "reward.compute.yuma.cartel.providers",
    "reward.compute.yuma.cartel.boost",
    "reward.data.quadratic.mechanism",
    "reward.data.quadratic.m",
    "reward.data.quadratic.style",
    "reward.data.quadratic.harsh",
    "reward.data.quadratic.clusters",
    "reward.data.quadratic.cap",
    "reward.data.quadratic.donors",
    "reward.data.quadratic.picks",
    "reward.data.quadratic.donation",
    "reward.data.quadratic.view_noise",
    "reward.data.quadratic.sybil.population",
    "reward.data.quadratic.sybil.identities",
    "reward.data.quadratic.sybil.budget",
    "reward.data.quadratic.sybil.detected",
    "reward.data.quadratic.collusion.populations",
    "reward.data.quadratic.collusion.amount",
    // Population tables: common keys and every role's attributes.
    "population.role",
    "population.name",
    "population.count",
    "population.max_count",
    "population.balance",
    "population.stake",
    "population.capital",
    "population.capacity",
    "population.cost_per_task",
    "population.honesty",
    "population.quality",
    "population.submission_rate",
    "population.cost_per_submission",
    "population.accuracy",
    "population.strategy",
    "population.trade_fraction",
    "population.trades_per_epoch",
    "population.allocation",
    "population.cliff_epochs",
    "population.vesting_epochs",
    "population.sell_fraction",
    "population.min_sell_price",
    "population.entry_price",
    "population.sell_policy",
    "population.reward_sell_fraction",
    // Governance.
    "population.operators",
    "governance.method",
    "governance.power.balance",
    "governance.power.stake",
    "governance.power.unvested",
    "governance.proposals_per_epoch",
    "governance.proposer",
    "governance.proposal_threshold",
    "governance.quorum",
    "governance.voting_period",
    "governance.timelock",
    "governance.turnout_max",
    "governance.apathy",
    "governance.vote_cost",
    "governance.stance_noise",
    "governance.abstain_band",
    "governance.effect_window",
    "governance.kind.kind",
    "governance.kind.weight",
    "governance.kind.pool",
    "governance.kind.change",
    "governance.kind.amount",
    "governance.kind.to",
    "governance.delegation.share",
    "governance.delegation.who",
    "governance.delegation.to",
    "governance.delegation.candidates",
    "governance.conviction.decay",
    "governance.conviction.max_ratio",
    "governance.conviction.weight",
    "governance.conviction.min_stake",
    // Distribution tables of attributes.
    "population.capacity.dist",
    "population.capacity.value",
    "population.capacity.min",
    "population.capacity.max",
    "population.capacity.mean",
    "population.capacity.sd",
    "population.capacity.mu",
    "population.capacity.sigma",
    "population.capacity.scale",
    "population.capacity.shape",
    "population.capacity.alpha",
    "population.capacity.beta",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            scenario_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "toml") {
            out.push(path);
        }
    }
}

/// Every dotted key path of `table` under `prefix`; arrays of tables count
/// by their key name; `[sweep]` and top-level `name`/`description` are
/// skipped.
fn collect(prefix: &str, table: &toml::Table, out: &mut BTreeSet<String>) {
    for (key, value) in table {
        if prefix.is_empty() && matches!(key.as_str(), "sweep" | "name" | "description") {
            continue;
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => collect(&path, t, out),
            toml::Value::Array(items) if items.iter().any(toml::Value::is_table) => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        collect(&path, t, out);
                    }
                }
            }
            _ => {
                out.insert(path);
            }
        }
    }
}

/// Whether `word` occurs in `doc` as a whole identifier (not as part of a
/// longer one such as `max` inside `max_count`).
fn mentions(doc: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    doc.match_indices(word).any(|(i, _)| {
        let before = doc[..i].chars().next_back();
        let after = doc[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[test]
fn model_doc_names_every_scenario_key() {
    let doc = std::fs::read_to_string(root().join("docs/model.md")).expect("docs/model.md exists");
    let mut files = Vec::new();
    scenario_files(&root().join("scenarios"), &mut files);
    assert!(!files.is_empty(), "no shipped scenarios found");
    let mut keys = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable scenario");
        let table: toml::Table = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        collect("", &table, &mut keys);
    }
    // The shipped scenarios use the common keys, so the walk worked.
    for expected in [
        "population.capacity",
        "reward.compute.share",
        "demand.tasks_per_epoch",
    ] {
        assert!(keys.contains(expected), "walk missed `{expected}`");
    }
    keys.extend(SCHEMA_KEYS.iter().map(|k| k.to_string()));
    let missing: Vec<&String> = keys
        .iter()
        .filter(|key| {
            let last = key.rsplit('.').next().unwrap_or(key);
            !(mentions(&doc, key) || mentions(&doc, last))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/model.md does not mention these scenario keys: {missing:?}"
    );
}
