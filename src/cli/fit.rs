//! `mirage fit`: maximum-likelihood fits of one column of positive amounts
//! in any CSV file (lognormal, Pareto, exponential, gamma, Weibull, or all
//! of them ranked by KS distance), printed as a table or JSON together with
//! the population line to paste into a scenario. Owns argument handling,
//! reading the column exactly (the decimal parser `mirage metrics` uses) with
//! errors that name the file, line and column, and which fits the scenario
//! schema can express. The estimators live in `mirage_analysis::fit`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use mirage_analysis::fit::{fit, fit_all, Family, Fit, FitError, Params, Xmin};
use mirage_analysis::parse_decimal;
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV file with a header row (a holder export, a run's `agents.csv`, ...).
    pub file: PathBuf,
    /// The column of positive amounts to fit.
    #[arg(long, value_name = "COL")]
    pub column: String,
    /// Distribution to fit; `auto` fits them all and ranks them by KS distance.
    #[arg(long, value_enum, default_value_t = DistArg::Auto)]
    pub dist: DistArg,
    /// Pareto scale: a threshold X (only values >= X are fitted) or `auto`
    /// (Clauset–Shalizi–Newman) [default: the sample minimum].
    #[arg(long, value_name = "X|auto", value_parser = parse_xmin)]
    pub xmin: Option<Xmin>,
    /// Population attribute named in the printed TOML line.
    #[arg(long, value_name = "NAME", default_value = "balance")]
    pub attribute: String,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DistArg {
    Lognormal,
    Pareto,
    Exponential,
    Gamma,
    Weibull,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

fn parse_xmin(text: &str) -> Result<Xmin, String> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(Xmin::Auto);
    }
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(Xmin::Fixed(x)),
        _ => Err(format!("expected a number > 0 or `auto`, got \"{text}\"")),
    }
}

/// The distributions a scenario's `{ dist = "..." }` table accepts today
/// (`mirage_sim::DistTable`).
const SCHEMA_DISTS: &str = "constant, uniform, normal, lognormal, pareto, beta";

pub fn execute(args: &Args) -> anyhow::Result<ExitCode> {
    let family = match args.dist {
        DistArg::Lognormal => Some(Family::Lognormal),
        DistArg::Pareto => Some(Family::Pareto),
        DistArg::Exponential => Some(Family::Exponential),
        DistArg::Gamma => Some(Family::Gamma),
        DistArg::Weibull => Some(Family::Weibull),
        DistArg::Auto => None,
    };
    if args.xmin.is_some() && !matches!(family, None | Some(Family::Pareto)) {
        bail!("--xmin sets the Pareto scale; it needs --dist pareto or --dist auto");
    }
    let xs = read_column(&args.file, &args.column)?;
    let xmin = args.xmin.unwrap_or_default();
    let (fits, failed) = match family {
        Some(family) => (vec![fit(family, &xs, xmin)?], Vec::new()),
        None => fit_all(&xs, xmin)?,
    };
    let Some(best) = fits.first() else {
        let why: Vec<String> = failed.iter().map(ToString::to_string).collect();
        bail!("no distribution could be fitted: {}", why.join("; "));
    };
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let value = json!({
                "file": args.file.display().to_string(),
                "column": args.column,
                "n": xs.len(),
                "fits": fits.iter().map(|f| fit_json(f, &args.attribute)).collect::<Vec<_>>(),
                "failed": failed.iter().map(|e| json!({"dist": e.family().map(Family::as_str), "error": e.to_string()})).collect::<Vec<_>>(),
                "best": best.dist.as_str(),
            });
            serde_json::to_writer_pretty(&mut out, &value).context("writing JSON")?;
            writeln!(out)?;
        }
        Format::Table => {
            out.write_all(table(args, xs.len(), &fits, &failed).as_bytes())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn fit_json(f: &Fit, attribute: &str) -> Value {
    let params: serde_json::Map<String, Value> = f
        .params
        .named()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut entry = json!({
        "dist": f.dist.as_str(),
        "params": params,
        "ks": f.ks,
        "aic": f.aic,
        "log_likelihood": f.log_likelihood,
        "toml": toml_line(attribute, &f.params),
    });
    if f.dist == Family::Pareto {
        entry["n_tail"] = json!(f.n_fit);
    }
    entry
}

/// The population line for the fit, or `None` when the scenario schema has
/// no such distribution yet.
pub fn toml_line(attribute: &str, params: &Params) -> Option<String> {
    let body = match *params {
        Params::Lognormal { mu, sigma } => format!(
            "dist = \"lognormal\", mu = {}, sigma = {}",
            number(mu),
            number(sigma)
        ),
        Params::Pareto { scale, shape } => format!(
            "dist = \"pareto\", scale = {}, shape = {}",
            number(scale),
            number(shape)
        ),
        Params::Exponential { .. } | Params::Gamma { .. } | Params::Weibull { .. } => return None,
    };
    Some(format!("{} = {{ {body} }}", toml_key(attribute)))
}

fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_string()
    } else {
        format!("{:?}", name)
    }
}

/// Six significant digits, always written as a TOML float.
fn number(x: f64) -> String {
    let rounded: f64 = format!("{x:.5e}").parse().unwrap_or(x);
    let text = rounded.to_string();
    if text.contains(['.', 'e', 'E']) {
        text
    } else {
        format!("{text}.0")
    }
}

fn describe_params(f: &Fit) -> String {
    let mut s = f
        .params
        .named()
        .iter()
        .map(|(k, v)| format!("{k} = {}", number(*v)))
        .collect::<Vec<_>>()
        .join(", ");
    if f.dist == Family::Pareto {
        s.push_str(&format!(" (tail: {} values >= scale)", f.n_fit));
    }
    s
}

fn table(args: &Args, n: usize, fits: &[Fit], failed: &[FitError]) -> String {
    let mut s = format!(
        "{}: column \"{}\", {n} values\n\n",
        args.file.display(),
        args.column
    );
    s.push_str(&format!(
        "{:<4} {:<12} {:>9} {:>16}  {}\n",
        "rank", "dist", "KS", "AIC", "parameters (maximum likelihood)"
    ));
    for (i, f) in fits.iter().enumerate() {
        s.push_str(&format!(
            "{:<4} {:<12} {:>9.5} {:>16.2}  {}\n",
            i + 1,
            f.dist.as_str(),
            f.ks,
            f.aic,
            describe_params(f)
        ));
    }
    for e in failed {
        s.push_str(&format!("     not fitted: {e}\n"));
    }
    if fits.len() > 1 {
        s.push_str("\nranked by KS distance (smallest first); AIC = 2k - 2 ln L beside it\n");
    }
    s.push_str("\npaste into a population:\n");
    for f in fits {
        match toml_line(&args.attribute, &f.params) {
            Some(line) => s.push_str(&format!("{line}\n")),
            None => s.push_str(&format!(
                "# {}: the scenario schema has no \"{}\" distribution yet (it accepts {SCHEMA_DISTS})\n",
                f.dist, f.dist
            )),
        }
    }
    if fits.iter().any(|f| f.dist == Family::Pareto && f.n_fit < n) {
        s.push_str("# note: the Pareto line describes only the tail at or above its scale\n");
    }
    s
}

/// The column's values, each a positive exact decimal converted to `f64`.
fn read_column(path: &Path, column: &str) -> anyhow::Result<Vec<f64>> {
    let shown = path.display();
    let (mut reader, headers) = super::csv_input::open_headed(path, "naming the columns")?;
    let mut hits = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| *h == column.trim());
    let index = match (hits.next(), hits.next()) {
        (Some((i, _)), None) => i,
        (Some(_), Some(_)) => bail!("{shown}: the header names column \"{column}\" more than once"),
        (None, _) => bail!(
            "{shown}: no column named \"{column}\" (the header has: {})",
            headers.join(", ")
        ),
    };
    let mut values = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    while reader.read_byte_record(&mut record).map_err(|e| {
        super::csv_input::malformed(
            &shown.to_string(),
            &e,
            record.position().map_or(2, |p| p.line() + 1),
        )
    })? {
        rows += 1;
        let line = record.position().map_or(rows + 1, csv::Position::line);
        let text = record.get(index).unwrap_or_default();
        let located = |problem: &str| {
            let mut cell = String::from_utf8_lossy(text).into_owned();
            if cell.chars().count() > 40 {
                cell = cell.chars().take(40).chain("…".chars()).collect();
            }
            anyhow::anyhow!("{shown}:{line}: column \"{column}\": {problem}: \"{cell}\"")
        };
        let decimal = parse_decimal(text).map_err(|e| located(&e.to_string()))?;
        let x = decimal.to_f64();
        if decimal.mantissa == 0 {
            return Err(located("not positive (the fits need values > 0)"));
        }
        if !(x.is_finite() && x > 0.0) {
            return Err(located("outside the range of f64"));
        }
        values.push(x);
    }
    if rows == 0 {
        bail!("{shown}: no data rows after the header (column \"{column}\" is empty)");
    }
    Ok(values)
}
