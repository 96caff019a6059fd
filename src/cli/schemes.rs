//! `mirage schemes`: lists the reward schemes with the pools they may pay,
//! their parameters and defaults, formula and published source — all read
//! from the engine's registry (`mirage_sim::reward::SchemeRegistry`), so the
//! listing is the code's, never a copy.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use mirage_sim::reward::{SchemeInfo, SchemeRegistry};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show only this scheme (e.g. reputation).
    #[arg(value_name = "SCHEME")]
    pub scheme: Option<String>,
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let registry = SchemeRegistry::builtin_ref();
    let all: Vec<&SchemeInfo> = registry.iter().map(|s| s.info()).collect();
    let chosen: Vec<&SchemeInfo> = match &args.scheme {
        None => all,
        Some(name) => {
            let found: Vec<&SchemeInfo> =
                all.iter().copied().filter(|s| s.name() == name).collect();
            if found.is_empty() {
                let names = registry.names();
                anyhow::bail!(
                    "no scheme is named `{name}`; the schemes are: {}",
                    names.join(", ")
                );
            }
            found
        }
    };
    let mut out = std::io::stdout().lock();
    if args.scheme.is_none() {
        writeln!(
            out,
            "Reward schemes. A pool names one with `scheme = \"...\"` in [reward.<pool>]; \
             its parameters go in [reward.<pool>.<scheme>], every one optional.\n"
        )?;
    }
    for (i, info) in chosen.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_scheme(&mut out, info)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_scheme(out: &mut impl Write, info: &SchemeInfo) -> std::io::Result<()> {
    writeln!(out, "{}: {}", info.name(), info.summary)?;
    writeln!(out, "  pools:   {}", info.pool_tables())?;
    writeln!(out, "  formula: {}", squeeze(info.formula))?;
    writeln!(out, "  source:  {}", squeeze(info.source))?;
    if info.params.is_empty() {
        writeln!(out, "  parameters: none")?;
        return Ok(());
    }
    // A joint scheme's parameters live with the first pool it pays.
    let table = match (info.joint.first(), info.pools) {
        (Some(first), _) => first.as_str(),
        (None, [only]) => only.as_str(),
        _ => "<pool>",
    };
    writeln!(
        out,
        "  parameters ([reward.{table}.{}]), with defaults:",
        info.name()
    )?;
    let defaults = (info.defaults)();
    let rendered: Vec<(String, String)> = info
        .params
        .iter()
        .map(|p| {
            let value = defaults
                .get(p.key)
                .map_or_else(|| "(none)".to_string(), value_text);
            (format!("{} = {value}", p.key), p.doc.to_string())
        })
        .collect();
    let width = rendered.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, doc) in rendered {
        writeln!(out, "    {key:<width$}  {doc}")?;
    }
    Ok(())
}

/// A TOML value as a scenario would write it.
fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.1}"),
        other => other.to_string(),
    }
}

/// Collapses runs of whitespace (the registry wraps long lines).
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
