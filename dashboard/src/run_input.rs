//! Reading a run directory (`epochs.csv`, `agents.csv`, and when present
//! `value.csv`, `fairness.json`, `manifest.json` (its `warnings` too) and
//! `scenario.resolved.toml`) into the
//! series, per-agent columns and figures the run dashboard draws. Column
//! names come from `mirage_analysis::schema`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use mirage_analysis::schema::{agents, epochs, value};

use super::source::{read_json, CsvFile};
use super::style::role_rank;

/// One role's columns of `epochs.csv` (absent columns stay empty).
#[derive(Debug, Clone, Default)]
pub struct RoleSeries {
    pub role: String,
    pub active: Vec<Option<f64>>,
    pub gini_wealth: Vec<Option<f64>>,
    pub nakamoto_wealth: Vec<Option<f64>>,
    pub hhi_wealth: Vec<Option<f64>>,
    pub gini_rewards: Vec<Option<f64>>,
    /// Cumulative rewards paid to the role, tokens.
    pub rewards: Vec<Option<f64>>,
    /// Tokens of every member, agents that left included.
    pub wealth: Vec<Option<f64>>,
    /// The members' holdings in quote (empty without a market).
    pub value: Vec<Option<f64>>,
}

/// The supply breakdown columns of `epochs.csv`, in stacking order, with
/// their labels (`burned_total` last).
pub const SUPPLY_PARTS: [(&str, &str); 8] = [
    ("supply_liquid", "liquid balances"),
    ("supply_staked", "staked"),
    ("supply_unvested", "unvested"),
    ("supply_treasury", "treasury"),
    ("supply_market_pool", "market pool"),
    ("supply_rewards_pool", "rewards pool"),
    ("supply_fee_escrow", "fee escrow"),
    ("burned_total", "burned"),
];

/// One row of `value.csv` as the dashboard shows it.
#[derive(Debug, Clone, Default)]
pub struct ValueView {
    pub stakeholder: String,
    pub net_gain: Option<f64>,
    pub share_of_costs: Option<f64>,
    pub share_of_positive_gains: Option<f64>,
    pub tokens_end: Option<f64>,
}

/// The time series of `epochs.csv`.
#[derive(Debug, Clone, Default)]
pub struct Epochs {
    pub epoch: Vec<f64>,
    pub price: Vec<f64>,
    pub circulating_supply: Vec<f64>,
    pub active_agents: Vec<f64>,
    pub gini_wealth: Vec<Option<f64>>,
    pub nakamoto_wealth: Vec<Option<f64>>,
    pub gini_rewards: Vec<Option<f64>>,
    pub roles: Vec<RoleSeries>,
    /// `SUPPLY_PARTS`, each all empty when the run predates the columns.
    pub supply: Vec<Vec<Option<f64>>>,
}

/// The columns of `agents.csv` the dashboard uses, amounts in base units.
#[derive(Debug, Clone, Default)]
pub struct Agents {
    /// Index into `RunData::roles`.
    pub role: Vec<usize>,
    /// Still in the network at the end (no `left_epoch`).
    pub active: Vec<bool>,
    pub wealth: Vec<u64>,
    pub rewards: Vec<u64>,
    pub contribution: Vec<u64>,
}

/// Figures taken from `fairness.json` when the run has one (older runs do
/// not; the dashboard then computes the same figures from `agents.csv`).
#[derive(Debug, Clone, Default)]
pub struct Fairness {
    /// Misallocation over every agent of a rewarded role.
    pub misallocation: Option<f64>,
    /// Misallocation within each rewarded role.
    pub misallocation_by_role: HashMap<String, f64>,
    /// Investors' shares of rewards, final wealth and contribution.
    pub investor: Option<[Option<f64>; 3]>,
}

fn read_fairness(v: &serde_json::Value) -> Fairness {
    let num = |p: &str| v.pointer(p).and_then(serde_json::Value::as_f64);
    let by_role = v
        .pointer("/rewards_vs_contribution/by_role")
        .and_then(serde_json::Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(role, a)| {
                    a.get("misallocation")
                        .and_then(serde_json::Value::as_f64)
                        .map(|x| (role.clone(), x))
                })
                .collect()
        })
        .unwrap_or_default();
    let investor = v.pointer("/who_benefits/investor").map(|_| {
        ["reward_share", "wealth_share", "contribution_share"]
            .map(|k| num(&format!("/who_benefits/investor/{k}")))
    });
    Fairness {
        misallocation: num("/rewards_vs_contribution/all/misallocation"),
        misallocation_by_role: by_role,
        investor,
    }
}

/// Everything the run dashboard shows.
#[derive(Debug, Clone)]
pub struct RunData {
    pub dir: PathBuf,
    pub name: String,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub version: Option<String>,
    /// Price at genesis from the market's reserves, when known.
    pub genesis_price: Option<f64>,
    /// Roles present, in display order.
    pub roles: Vec<String>,
    pub epochs: Epochs,
    pub agents: Agents,
    /// From `fairness.json`, when present.
    pub fairness: Option<Fairness>,
    /// `value.csv`'s rows (empty when absent).
    pub value: Vec<ValueView>,
    /// `manifest.json` `warnings`, as "kind (epoch N): message".
    pub warnings: Vec<String>,
    /// The governance outputs, when the scenario has `[governance]`.
    pub governance: Option<super::governance::GovernanceData>,
}

impl RunData {
    /// Whether the run has a market (a price at genesis or ever above 0).
    pub fn has_market(&self) -> bool {
        self.genesis_price.is_some() || self.epochs.price.iter().any(|&p| p > 0.0)
    }

    /// Whether a role is paid from a reward pool: its rewards Gini is defined
    /// at the end, or any of its agents received rewards.
    pub fn rewarded(&self, role: usize) -> bool {
        let by_series = self
            .epochs
            .roles
            .iter()
            .find(|r| Some(&r.role) == self.roles.get(role))
            .and_then(|r| r.gini_rewards.last().copied().flatten())
            .is_some();
        by_series
            || self
                .agents
                .role
                .iter()
                .zip(&self.agents.rewards)
                .any(|(&r, &x)| r == role && x > 0)
    }
}

/// Whether `dir` looks like a run directory.
pub fn is_run_dir(dir: &Path) -> bool {
    dir.join("epochs.csv").is_file() || dir.join("agents.csv").is_file()
}

pub fn read_run(dir: &Path) -> Result<RunData> {
    let manifest = read_json(&dir.join("manifest.json"))?;
    let fairness = read_json(&dir.join("fairness.json"))?.map(|v| read_fairness(&v));
    let m = manifest.as_ref();
    let get_str = |k: &str| {
        m.and_then(|v| v.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let decimals = m
        .and_then(|v| v.get("decimals"))
        .and_then(serde_json::Value::as_u64)
        .and_then(|d| u32::try_from(d).ok())
        .filter(|&d| d <= 18)
        .unwrap_or(6);
    let resolved = std::fs::read_to_string(dir.join("scenario.resolved.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok());
    let genesis_price = resolved.as_ref().and_then(genesis_price);
    let description = resolved
        .as_ref()
        .and_then(|t| t.get("description"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let name = get_str("scenario").unwrap_or_else(|| {
        dir.file_name()
            .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned())
    });

    let epochs = read_epochs(&dir.join("epochs.csv"))?;
    let mut roles: Vec<String> = epochs.roles.iter().map(|r| r.role.clone()).collect();
    let agents = read_agents(&dir.join("agents.csv"), decimals, &mut roles)?;
    // Display order; agents index roles, so remap.
    let mut order: Vec<usize> = (0..roles.len()).collect();
    order.sort_by_key(|&i| role_rank(&roles[i]));
    let mut new_index = vec![0; roles.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let roles: Vec<String> = order.iter().map(|&i| roles[i].clone()).collect();
    let mut agents = agents;
    for r in &mut agents.role {
        *r = new_index[*r];
    }
    let mut epochs = epochs;
    epochs.roles.sort_by_key(|r| role_rank(&r.role));

    let warnings = m
        .and_then(|v| v.get("warnings"))
        .and_then(serde_json::Value::as_array)
        .map(|ws| {
            ws.iter()
                .map(|w| {
                    format!(
                        "{} (epoch {}): {}",
                        w.get("kind").and_then(|k| k.as_str()).unwrap_or("warning"),
                        w.get("epoch").map_or_else(String::new, |e| e.to_string()),
                        w.get("message").and_then(|k| k.as_str()).unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let value_path = dir.join(value::TABLE.file);
    let value = if value_path.is_file() {
        read_value(&value_path)?
    } else {
        Vec::new()
    };

    let governance = super::governance::read(dir, resolved.as_ref())?;

    Ok(RunData {
        value,
        warnings,
        governance,
        dir: dir.to_path_buf(),
        name,
        description,
        seed: m.and_then(|v| v.get("seed")).and_then(|v| v.as_u64()),
        version: get_str("mirage_version"),
        genesis_price,
        roles,
        epochs,
        agents,
        fairness,
    })
}

fn genesis_price(t: &toml::Table) -> Option<f64> {
    let market = t.get("market")?.as_table()?;
    let num = |k: &str| {
        market
            .get(k)
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
    };
    let (q, tok) = (num("quote_reserve")?, num("token_reserve")?);
    (tok > 0.0).then_some(q / tok)
}

fn read_epochs(path: &Path) -> Result<Epochs> {
    let mut f = CsvFile::open(path)?;
    let c_epoch = f.require(epochs::EPOCH.name)?;
    let c_price = f.require(epochs::PRICE.name)?;
    let c_supply = f.require(epochs::CIRCULATING_SUPPLY.name)?;
    let c_active = f.require(epochs::ACTIVE_AGENTS.name)?;
    let c_gw = f.require(epochs::GINI_WEALTH.name)?;
    let c_nw = f.require(epochs::NAKAMOTO_WEALTH.name)?;
    let c_gr = f.require(epochs::GINI_REWARDS.name)?;
    // Roles present: the values of the first per-role family's placeholder.
    let roles: Vec<String> = f
        .header()
        .iter()
        .filter_map(|h| match epochs::TABLE.find(h) {
            Some((c, Some(role))) if c.name == epochs::ACTIVE_ROLE.name => Some(role),
            _ => None,
        })
        .collect();
    let role_cols: Vec<[Option<usize>; 6]> = roles
        .iter()
        .map(|r| {
            [
                epochs::ACTIVE_ROLE,
                epochs::GINI_WEALTH_ROLE,
                epochs::NAKAMOTO_WEALTH_ROLE,
                epochs::HHI_WEALTH_ROLE,
                epochs::GINI_REWARDS_ROLE,
                epochs::REWARDS_ROLE,
            ]
            .map(|c| f.col(&c.name_for("role", r)))
        })
        .collect();
    let role_value_cols: Vec<[Option<usize>; 2]> = roles
        .iter()
        .map(|r| [epochs::WEALTH_ROLE, epochs::VALUE_ROLE].map(|c| f.col(&c.name_for("role", r))))
        .collect();
    let supply_cols: Vec<Option<usize>> = SUPPLY_PARTS.iter().map(|(c, _)| f.col(c)).collect();
    let mut e = Epochs {
        roles: roles
            .iter()
            .map(|r| RoleSeries {
                role: r.clone(),
                ..RoleSeries::default()
            })
            .collect(),
        supply: vec![Vec::new(); SUPPLY_PARTS.len()],
        ..Epochs::default()
    };
    while f.next_row()? {
        for (series, c) in e.supply.iter_mut().zip(&supply_cols) {
            series.push(c.map_or(Ok(None), |c| f.num(c))?);
        }
        for (series, cols) in e.roles.iter_mut().zip(&role_value_cols) {
            let get = |c: Option<usize>| c.map_or(Ok(None), |c| f.num(c));
            series.wealth.push(get(cols[0])?);
            series.value.push(get(cols[1])?);
        }
        e.epoch.push(f.num_req(c_epoch)?);
        e.price.push(f.num_req(c_price)?);
        e.circulating_supply.push(f.num_req(c_supply)?);
        e.active_agents.push(f.num_req(c_active)?);
        e.gini_wealth.push(f.num(c_gw)?);
        e.nakamoto_wealth.push(f.num(c_nw)?);
        e.gini_rewards.push(f.num(c_gr)?);
        for (series, cols) in e.roles.iter_mut().zip(&role_cols) {
            let get = |c: Option<usize>| c.map_or(Ok(None), |c| f.num(c));
            series.active.push(get(cols[0])?);
            series.gini_wealth.push(get(cols[1])?);
            series.nakamoto_wealth.push(get(cols[2])?);
            series.hhi_wealth.push(get(cols[3])?);
            series.gini_rewards.push(get(cols[4])?);
            series.rewards.push(get(cols[5])?);
        }
    }
    f.require_rows()?;
    Ok(e)
}

fn read_value(path: &Path) -> Result<Vec<ValueView>> {
    let mut f = CsvFile::open(path)?;
    let c_name = f.require(value::STAKEHOLDER.name)?;
    let cols = [
        value::NET_GAIN_QUOTE,
        value::SHARE_OF_COSTS,
        value::SHARE_OF_POSITIVE_GAINS,
        value::TOKENS_END,
    ]
    .map(|c| f.col(c.name));
    let mut rows = Vec::new();
    while f.next_row()? {
        let get = |c: Option<usize>| c.map_or(Ok(None), |c| f.num(c));
        rows.push(ValueView {
            stakeholder: f.cell(c_name).to_string(),
            net_gain: get(cols[0])?,
            share_of_costs: get(cols[1])?,
            share_of_positive_gains: get(cols[2])?,
            tokens_end: get(cols[3])?,
        });
    }
    Ok(rows)
}

fn read_agents(path: &Path, decimals: u32, roles: &mut Vec<String>) -> Result<Agents> {
    let mut f = CsvFile::open(path)?;
    let c_role = f.require(agents::ROLE.name)?;
    let c_left = f.require(agents::LEFT_EPOCH.name)?;
    let c_wealth = f.require(agents::WEALTH.name)?;
    let c_rewards = f.require(agents::REWARDS_TOTAL.name)?;
    let c_contrib = f.require(agents::CONTRIBUTION_TOTAL.name)?;
    let mut a = Agents::default();
    while f.next_row()? {
        let role = f.cell(c_role);
        if role.is_empty() {
            anyhow::bail!("{}: an agent row has an empty `role`", f.path().display());
        }
        let r = match roles.iter().position(|x| x == role) {
            Some(r) => r,
            None => {
                roles.push(role.to_string());
                roles.len() - 1
            }
        };
        a.role.push(r);
        a.active.push(f.cell(c_left).is_empty());
        a.wealth.push(f.units(c_wealth, decimals)?);
        a.rewards.push(f.units(c_rewards, decimals)?);
        a.contribution.push(f.units(c_contrib, 0)?);
    }
    f.require_rows()?;
    Ok(a)
}
