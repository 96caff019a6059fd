//! `mirage validate`: checks a scenario file (and any `--set` overrides)
//! and prints a one-screen summary of what it would simulate and which
//! output columns a run of it writes (from `mirage_analysis::schema`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use mirage_analysis::schema;
use mirage_sim::reward::{PoolKind, SchemeRegistry};
use mirage_sim::scenario::{DistTable, FeePolicy, PoolConfig, Role};

use super::ScenarioArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let loaded = args.scenario.load()?;
    let s = &loaded.scenario;
    let mut out = std::io::stdout().lock();
    let sim = mirage_sim::Simulation::new(s, s.seed)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.scenario.path.display()))?;
    writeln!(
        out,
        "{} is valid: scenario `{}`",
        args.scenario.path.display(),
        s.name
    )?;
    if !s.description.is_empty() {
        writeln!(out, "  {}", s.description.trim())?;
    }
    writeln!(
        out,
        "  {} epochs of {} ticks, seed {}, token with {} decimals, initial supply {} tokens",
        s.epochs,
        s.ticks_per_epoch,
        s.seed,
        s.decimals,
        s.initial_supply.get_ref().0
    )?;
    let total: u64 = s
        .population
        .iter()
        .map(|p| u64::from(p.get_ref().count))
        .sum();
    writeln!(out, "  populations ({total} agents at genesis):")?;
    for (i, p) in s.population.iter().enumerate() {
        let p = p.get_ref();
        let grow = p
            .max_count
            .map_or(String::new(), |m| format!(", may grow to {m}"));
        writeln!(
            out,
            "    {:<22} {:<17} {:>8}{grow}",
            p.display_name(i),
            p.role.as_str(),
            p.count
        )?;
        let attrs: Vec<String> = mirage_sim::scenario::population_distributions(p)
            .into_iter()
            .map(|(name, dist)| format!("{name} {}", describe(dist.table())))
            .collect();
        if !attrs.is_empty() {
            writeln!(out, "      {}", attrs.join("; "))?;
        }
    }
    match &s.market {
        Some(m) => writeln!(
            out,
            "  market: {} tokens vs {} quote (price {:.6}), swap fee {}",
            m.token_reserve.0,
            m.quote_reserve.0,
            if m.token_reserve.0 > 0.0 {
                m.quote_reserve.0 / m.token_reserve.0
            } else {
                0.0
            },
            m.swap_fee.0
        )?,
        None => writeln!(out, "  market: none")?,
    }
    writeln!(
        out,
        "  emission: {:?}, {} tokens per epoch; fees: {} quote per task, {} burned, {} to treasury",
        s.emission.schedule,
        s.emission.per_epoch.0,
        s.fees.task_fee.0,
        s.fees.burn_share.0,
        s.fees.treasury_share.0
    )?;
    if *s.fees.policy.get_ref() == FeePolicy::Dynamic {
        writeln!(
            out,
            "  dynamic fee: base moves by up to {} per epoch toward {} utilisation, floor {}",
            s.fees.max_change.0, s.fees.target_utilisation.0, s.fees.min_fee.0
        )?;
    }
    writeln!(
        out,
        "  demand: {} tasks per epoch (growth {} per epoch), allocation {}; {} of results checked",
        s.demand.tasks_per_epoch.0,
        s.demand.growth_per_epoch,
        s.demand.allocation.as_str(),
        s.validation.sample_rate.0
    )?;
    if s.demand.event_model != mirage_sim::scenario::EventModel::PerTask {
        writeln!(
            out,
            "  event model: {} (docs/model.md, \"Event model\")",
            s.demand.event_model.as_str()
        )?;
    }
    if let Some(reward) = &s.reward {
        for (pool, cfg) in reward.configured() {
            writeln!(
                out,
                "  reward pool {:<10} share {:<5} scheme {}{}",
                pool.as_str(),
                cfg.share.0,
                cfg.scheme_name(),
                scheme_params(pool, cfg)
            )?;
        }
    }
    if let Some(x) = &s.exchange {
        let holders = s
            .population
            .iter()
            .filter(|p| p.get_ref().role == Role::Holder)
            .count();
        writeln!(
            out,
            "  random exchange: {} token(s) per step among {holders} holder population(s)",
            x.amount.0
        )?;
    }
    write_outputs(&mut out, sim.roles_present(), s.governance.is_some())?;
    Ok(ExitCode::SUCCESS)
}

/// What `mirage run` will write, from the column schema: the column count
/// of each CSV, the per-role families of `epochs.csv` and the columns of
/// the scenario's sections (`governed`: it has `[governance]`).
fn write_outputs(out: &mut impl Write, roles: &[Role], governed: bool) -> std::io::Result<()> {
    let roles: Vec<String> = roles.iter().map(|r| r.as_str().to_string()).collect();
    let values = |p: &str| match p {
        "role" => roles.clone(),
        "governance" if governed => vec![String::new()],
        _ => Vec::new(),
    };
    writeln!(
        out,
        "  outputs (`mirage columns TABLE` describes each column):"
    )?;
    for table in [
        &schema::epochs::TABLE,
        &schema::agents::TABLE,
        &schema::accounts::TABLE,
    ] {
        let header = table.header(&values);
        let fixed = table.fixed().len();
        let families: Vec<String> = table
            .parts
            .iter()
            .filter_map(|p| match p {
                schema::Part::Family {
                    placeholder,
                    columns,
                    ..
                } => Some(format!(
                    "{} per {placeholder} × {} ({}: {})",
                    columns.len(),
                    roles.len(),
                    columns
                        .iter()
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                    roles.join(", ")
                )),
                schema::Part::Section { section, columns } => (!values(section).is_empty())
                    .then(|| format!("{} for [{section}]", columns.len())),
                schema::Part::Fixed(_) => None,
            })
            .collect();
        let detail = if families.is_empty() {
            String::new()
        } else {
            format!(": {fixed} fixed + {}", families.join(" + "))
        };
        writeln!(
            out,
            "    {:<13} {} columns{detail}, {}",
            table.file,
            header.len(),
            table.rows
        )?;
    }
    Ok(())
}

/// The chosen scheme's parameters with defaults filled in, e.g.
/// ` (model = "beta", lambda = 0.98, ...)`; empty for schemes without any.
fn scheme_params(pool: PoolKind, cfg: &PoolConfig) -> String {
    let Some(scheme) = SchemeRegistry::builtin_ref().get(cfg.scheme_name()) else {
        return String::new();
    };
    let info = scheme.info();
    let home = info.params_pool(pool);
    if home != pool {
        return format!(" (one {} with the {} pool)", info.name(), home.as_str());
    }
    let mut table = (info.defaults)();
    if let Some(toml::Value::Table(given)) = cfg.params_of(info.name()) {
        for (key, value) in given {
            table.insert(key.clone(), value.clone());
        }
    }
    if table.is_empty() {
        return String::new();
    }
    // In the registry's documented order.
    let items: Vec<String> = info
        .params
        .iter()
        .filter_map(|p| table.get(p.key).map(|v| format!("{} = {v}", p.key)))
        .collect();
    format!(" ({})", items.join(", "))
}

fn describe(d: &DistTable) -> String {
    match d {
        DistTable::Constant { value } => format!("{value}"),
        DistTable::Uniform { min, max } => format!("uniform({min}, {max})"),
        DistTable::Normal { mean, sd } => format!("normal({mean}, {sd})"),
        DistTable::Lognormal { mu, sigma } => format!("lognormal({mu}, {sigma})"),
        DistTable::Pareto { scale, shape } => format!("pareto({scale}, {shape})"),
        DistTable::Beta { alpha, beta } => format!("beta({alpha}, {beta})"),
        DistTable::Empirical {
            file,
            column,
            scale,
            sample,
            ..
        } => format!(
            "empirical({file}, {column}{}, {})",
            scale.map_or(String::new(), |s| format!(" × {s}")),
            match sample {
                mirage_sim::scenario::EmpiricalSample::Bootstrap => "bootstrap",
                mirage_sim::scenario::EmpiricalSample::InOrder => "in_order",
            }
        ),
    }
}
