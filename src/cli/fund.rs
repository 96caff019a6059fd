//! `mirage fund`: quadratic-funding matches of a donations CSV under one of
//! the mechanisms of `mirage_sim::reward::quadratic` (standard, pairwise,
//! cluster, COCM), printed as CSV. This file only reads files, checks
//! arguments and prints; the mechanisms live in the sim crate.
//!
//! Input: `DONATIONS.csv` with columns `donor,project,amount` (a donor may
//! appear many times; totals are summed) and, for cluster and COCM,
//! optionally `CLUSTERS.csv` with `donor,cluster[,weight]` (weight default 1,
//! several rows per donor allowed, repeated pairs summed; donors that gave
//! nothing are ignored). Without `--clusters`, each donor's clusters are the
//! projects it gave to, weighted by the amount (qf-calculator's convention).
//!
//! Output: `project,donations,match`, one row per project of the donations
//! file, ordered by project id (numerically if every id is a number, else
//! lexicographically). `match` is the raw mechanism value, or with `--pool`
//! the payout after scaling to the pool and applying `--cap`.

pub(crate) mod table;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mirage_sim::reward::quadratic::{
    raw_matches, scale_to_pool, Clusters, CocmStyle, Contribution, Mechanism, Membership, Round,
};

use table::{read_rows, Ids};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MechanismArg {
    /// Standard QF (CLR): (Σ√c)² − Σc.
    Standard,
    /// Pairwise-bounded QF with bound --m.
    Pairwise,
    /// Cluster match over donor clusters.
    Cluster,
    /// Connection-oriented cluster match (--style, --harsh).
    Cocm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StyleArg {
    Markov,
    Og,
    #[value(name = "pct_friends", alias = "pct-friends")]
    PctFriends,
}

impl From<StyleArg> for CocmStyle {
    fn from(s: StyleArg) -> Self {
        match s {
            StyleArg::Markov => Self::Markov,
            StyleArg::Og => Self::Og,
            StyleArg::PctFriends => Self::PctFriends,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Donations CSV with columns donor,project,amount.
    #[arg(value_name = "DONATIONS.csv")]
    pub donations: PathBuf,
    /// Matching mechanism.
    #[arg(long, value_enum, default_value_t = MechanismArg::Standard)]
    pub mechanism: MechanismArg,
    /// Matching pool; the matches are scaled to sum to it. Without it the
    /// raw mechanism values are printed.
    #[arg(long, value_name = "X")]
    pub pool: Option<f64>,
    /// Per-project cap as a fraction of the pool (0.5 = 50%); the excess is
    /// redistributed pro rata to uncapped projects. Needs --pool.
    #[arg(long, value_name = "F", requires = "pool")]
    pub cap: Option<f64>,
    /// Pairwise bound M [default: 0.01].
    #[arg(long = "m", value_name = "M")]
    pub m: Option<f64>,
    /// Donor clusters CSV with columns donor,cluster and optional weight
    /// (cluster and cocm only) [default: the projects each donor gave to,
    /// weighted by amount].
    #[arg(long, value_name = "CLUSTERS.csv")]
    pub clusters: Option<PathBuf>,
    /// COCM: drop the √c term for connected donors [default: true].
    #[arg(long, value_name = "true|false")]
    pub harsh: Option<bool>,
    /// COCM: how donor-cluster connections are measured [default: markov].
    #[arg(long, value_enum)]
    pub style: Option<StyleArg>,
}

pub fn execute(args: &Args) -> anyhow::Result<ExitCode> {
    let mechanism = mechanism(args)?;
    let input = read_donations(&args.donations)?;
    let round = Round::new(
        input.donors.len(),
        input.projects.len(),
        &input.contributions,
    )
    .with_context(|| format!("{}", args.donations.display()))?;
    let clusters = match (&args.clusters, mechanism.uses_clusters()) {
        (Some(path), true) => Some(read_clusters(path, &args.donations, &input, &round)?),
        _ => None,
    };
    let raw = raw_matches(&round, &mechanism, clusters.as_ref())?;
    if args.pool.is_some() && raw.iter().all(|&x| x == 0.0) {
        eprintln!("warning: every raw match is zero; nothing of the pool is paid");
    }
    let matches = match args.pool {
        Some(pool) => scale_to_pool(&raw, pool, args.cap)?,
        None => raw,
    };

    let stdout = std::io::stdout();
    let mut out = csv::Writer::from_writer(stdout.lock());
    out.write_record(["project", "donations", "match"])?;
    let totals = round.project_totals();
    for p in input.projects.sorted() {
        out.write_record([
            input.projects.name(p),
            &totals[p].to_string(),
            &matches[p].to_string(),
        ])?;
    }
    out.flush()?;
    drop(out);
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Builds the mechanism from the flags, warning about flags it ignores.
fn mechanism(args: &Args) -> anyhow::Result<Mechanism> {
    let warn = |flag: &str| {
        eprintln!(
            "warning: {flag} is ignored by --mechanism {}",
            format!("{:?}", args.mechanism).to_lowercase()
        );
    };
    if args.m.is_some() && args.mechanism != MechanismArg::Pairwise {
        warn("--m");
    }
    if args.mechanism != MechanismArg::Cocm {
        if args.harsh.is_some() {
            warn("--harsh");
        }
        if args.style.is_some() {
            warn("--style");
        }
    }
    if args.clusters.is_some()
        && matches!(
            args.mechanism,
            MechanismArg::Standard | MechanismArg::Pairwise
        )
    {
        warn("--clusters");
    }
    if let Some(pool) = args.pool {
        anyhow::ensure!(
            pool.is_finite() && pool >= 0.0,
            "--pool {pool}: expected a finite number ≥ 0"
        );
    }
    if let Some(cap) = args.cap {
        anyhow::ensure!(
            cap.is_finite() && cap > 0.0 && cap <= 1.0,
            "--cap {cap}: expected a fraction of the pool in (0, 1], e.g. 0.5 for 50%"
        );
    }
    Ok(match args.mechanism {
        MechanismArg::Standard => Mechanism::Standard,
        MechanismArg::Pairwise => {
            let m = args.m.unwrap_or(Mechanism::DEFAULT_PAIRWISE_M);
            anyhow::ensure!(m.is_finite() && m > 0.0, "--m {m}: expected a number > 0");
            Mechanism::Pairwise { m }
        }
        MechanismArg::Cluster => Mechanism::Cluster,
        MechanismArg::Cocm => Mechanism::Cocm {
            style: args.style.map_or(CocmStyle::Markov, CocmStyle::from),
            harsh: args.harsh.unwrap_or(true),
        },
    })
}

#[derive(Debug, Default)]
struct Donations {
    donors: Ids,
    projects: Ids,
    contributions: Vec<Contribution>,
}

/// The largest sum of all donations: the pairwise and cluster matches sum
/// products of two amounts, which stay finite (below 1e308) with room to
/// spare up to this.
const MAX_TOTAL_DONATIONS: f64 = 1e150;

fn read_donations(path: &std::path::Path) -> anyhow::Result<Donations> {
    const DONOR: usize = 0;
    const PROJECT: usize = 1;
    const AMOUNT: usize = 2;
    let mut d = Donations::default();
    let mut total = 0.0;
    read_rows(path, &["donor", "project", "amount"], &[], |row| {
        let donor = row.text(DONOR)?;
        let project = row.text(PROJECT)?;
        let amount = row.amount(AMOUNT)?;
        total += amount;
        if total > MAX_TOTAL_DONATIONS {
            return Err(row.error(format!(
                "the amounts add up to more than {MAX_TOTAL_DONATIONS:e} here: the matches \
                 (sums of products of amounts) would overflow; rescale the amounts"
            )));
        }
        let line = row.line();
        let donor = d.donors.intern(donor, line);
        let project = d.projects.intern(project, line);
        d.contributions.push(Contribution {
            donor,
            project,
            amount,
        });
        Ok(())
    })?;
    Ok(d)
}

fn read_clusters(
    path: &std::path::Path,
    donations_path: &std::path::Path,
    donations: &Donations,
    round: &Round,
) -> anyhow::Result<Clusters> {
    const DONOR: usize = 0;
    const CLUSTER: usize = 1;
    const WEIGHT: usize = 2;
    let mut cluster_ids = Ids::default();
    let mut memberships = Vec::new();
    let mut seen = vec![false; donations.donors.len()];
    read_rows(path, &["donor", "cluster"], &["weight"], |row| {
        let donor = row.text(DONOR)?;
        let cluster = row.text(CLUSTER)?;
        let weight = match row.optional(WEIGHT) {
            Some(text) => row.parse_amount(WEIGHT, text)?,
            None => 1.0,
        };
        // Donors who made no donation are ignored (qf-calculator's `align`).
        let Some(donor) = donations.donors.get(donor) else {
            return Ok(());
        };
        seen[donor] = true;
        let cluster = cluster_ids.intern(cluster, row.line());
        memberships.push(Membership {
            donor,
            cluster,
            weight,
        });
        Ok(())
    })?;
    let shown = path.display();
    if let Some(i) = seen.iter().position(|s| !s) {
        anyhow::bail!(
            "{shown}: donor `{}` (first donation on {}:{}) has no row in the clusters file",
            donations.donors.name(i),
            donations_path.display(),
            donations.donors.first_line(i)
        );
    }
    let clusters = Clusters::new(donations.donors.len(), cluster_ids.len(), &memberships)
        .with_context(|| format!("{shown}"))?;
    let totals = round.donor_totals();
    for (i, &total) in totals.iter().enumerate() {
        if total > 0.0 && clusters.donor_clusters(i).len() == 0 {
            anyhow::bail!(
                "{shown}: donor `{}` (first donation on {}:{}) has only zero membership weights",
                donations.donors.name(i),
                donations_path.display(),
                donations.donors.first_line(i)
            );
        }
    }
    Ok(clusters)
}
