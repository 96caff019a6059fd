//! The run dashboard's governance section, for a run whose scenario has
//! `[governance]`: reads `proposals.csv`, the `voting_power_*` and
//! `delegated_share` columns of `epochs.csv` and `fairness.json`'s
//! `governance` section, and draws who decides — each proposal's turnout
//! and outcome against the quorum, its decisive voters and Nakamoto
//! coefficient, the concentration of voting power and the delegated share
//! over time, pass rate by proposer, and the value executed proposals
//! moved to each role — beside a table of the headline figures.

use std::path::Path;

use anyhow::Result;
use mirage_analysis::schema::{epochs, proposals};
use plotters::style::RGBColor;

use super::bars::{grouped_bars, BarSeries};
use super::html::{slug, table, Block, Chart, Section};
use super::plot::{legend_of, line_chart, segments, Frame, Line, Mark, Ticks, YRange, HALF};
use super::source::{read_json, CsvFile};
use super::style::{fmt_pct, fmt_value, role_label, MUTED};

const PASSED: RGBColor = RGBColor(0, 158, 115);
const FAILED: RGBColor = RGBColor(213, 94, 0);

/// One row of `proposals.csv`.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    pub epoch_created: f64,
    /// None while the vote is open at the end of the run.
    pub passed: Option<bool>,
    pub turnout: Option<f64>,
    pub decisive_voters: Option<f64>,
    pub nakamoto_power: Option<f64>,
}

/// What the governance section shows.
#[derive(Debug, Clone, Default)]
pub struct GovernanceData {
    pub proposals: Vec<Proposal>,
    pub epoch: Vec<f64>,
    pub gini: Vec<Option<f64>>,
    pub nakamoto: Vec<Option<f64>>,
    pub delegated: Vec<Option<f64>>,
    /// `fairness.json` `governance`, when present.
    pub report: Option<serde_json::Value>,
    /// `governance.quorum` of the resolved scenario (share of supply).
    pub quorum: Option<f64>,
}

/// Reads the governance outputs of run directory `dir` (None when the run
/// has no `proposals.csv`, i.e. no `[governance]`).
pub fn read(dir: &Path, resolved: Option<&toml::Table>) -> Result<Option<GovernanceData>> {
    let path = dir.join(proposals::TABLE.file);
    if !path.is_file() {
        return Ok(None);
    }
    let mut g = GovernanceData::default();
    let mut f = CsvFile::open(&path)?;
    let c_epoch = f.require(proposals::EPOCH_CREATED.name)?;
    let c_passed = f.require(proposals::PASSED.name)?;
    let c_turnout = f.require(proposals::TURNOUT.name)?;
    let c_decisive = f.require(proposals::DECISIVE_VOTERS.name)?;
    let c_nakamoto = f.require(proposals::NAKAMOTO_POWER.name)?;
    while f.next_row()? {
        g.proposals.push(Proposal {
            epoch_created: f.num_req(c_epoch)?,
            passed: match f.cell(c_passed) {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            turnout: f.num(c_turnout)?,
            decisive_voters: f.num(c_decisive)?,
            nakamoto_power: f.num(c_nakamoto)?,
        });
    }
    let epochs_path = dir.join(epochs::TABLE.file);
    if epochs_path.is_file() {
        let mut e = CsvFile::open(&epochs_path)?;
        let c_ep = e.require(epochs::EPOCH.name)?;
        let cols = [
            epochs::VOTING_POWER_GINI,
            epochs::VOTING_POWER_NAKAMOTO,
            epochs::DELEGATED_SHARE,
        ]
        .map(|c| e.col(c.name));
        while e.next_row()? {
            let get = |c: Option<usize>| c.map_or(Ok(None), |c| e.num(c));
            g.epoch.push(e.num_req(c_ep)?);
            g.gini.push(get(cols[0])?);
            g.nakamoto.push(get(cols[1])?);
            g.delegated.push(get(cols[2])?);
        }
    }
    g.report = read_json(&dir.join("fairness.json"))?.and_then(|v| v.get("governance").cloned());
    g.quorum = resolved
        .and_then(|t| t.get("governance"))
        .and_then(|t| t.get("quorum"))
        .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)));
    Ok(Some(g))
}

/// A legend whose single-proposal series (dots) show as swatches.
fn dot_legend(f: &mut Frame, lines: &[Line]) {
    f.legend = legend_of(lines);
    for item in &mut f.legend {
        if lines.iter().any(|l| l.label == item.label && l.markers) {
            item.mark = Mark::Swatch;
        }
    }
}

fn chart(title: &str, caption: impl Into<String>, svg: String) -> Block {
    Block::Chart(Chart {
        slug: slug(title),
        title: title.to_string(),
        caption: caption.into(),
        svg,
        wide: false,
    })
}

/// One marker per proposal with a value, green when it passed and
/// vermilion when it failed (open votes are left out).
fn outcome_markers(g: &GovernanceData, value: impl Fn(&Proposal) -> Option<f64>) -> Vec<Line> {
    g.proposals
        .iter()
        .filter_map(|p| {
            let y = value(p)?;
            let (label, color) = match p.passed? {
                true => ("passed", PASSED),
                false => ("failed", FAILED),
            };
            let mut l = Line::new(label, color, vec![(p.epoch_created, y)]);
            l.markers = true;
            Some(l)
        })
        .collect()
}

/// The governance section (empty blocks, hence dropped, without data).
pub fn section(g: &GovernanceData) -> Result<Section> {
    let mut blocks = Vec::new();
    let num = |k: &str| {
        g.report
            .as_ref()
            .and_then(|r| r.get(k))
            .and_then(|v| v.as_f64())
    };
    let pct = |v: Option<f64>| v.map_or("n/a".into(), fmt_pct);

    if let Some(r) = &g.report {
        let method = r.get("method").and_then(|v| v.as_str()).unwrap_or("?");
        let count = |k: &str| num(k).map_or("0".into(), fmt_value);
        let mut rows = vec![
            vec![
                "voting method".to_string(),
                method.to_string(),
                "governance.method".into(),
            ],
            vec![
                "proposals (voted / passed / executed)".into(),
                format!(
                    "{} ({} / {} / {})",
                    count("proposals"),
                    count("closed"),
                    count("passed"),
                    count("executed")
                ),
                "proposals.csv rows".into(),
            ],
            vec![
                "pass rate".into(),
                pct(num("pass_rate")),
                "of the proposals voted".into(),
            ],
            vec![
                "mean turnout".into(),
                pct(num("mean_turnout")),
                "voting power cast / supply; Compound 2021–22: median 7.3%, mean 8.1%".into(),
            ],
            vec![
                "median decisive voters".into(),
                num("median_decisive_voters").map_or("n/a".into(), fmt_value),
                "fewest `for` voters whose abstention flips a passed proposal".into(),
            ],
            vec![
                "rubber-stamp rate".into(),
                pct(num("rubber_stamp_rate")),
                "passed proposals whose decisive voters are all team/investors or their delegates"
                    .into(),
            ],
            vec![
                "value moved to the team".into(),
                num("value_moved_to_team_quote").map_or("n/a".into(), fmt_value),
                "quote: grants at the price at execution + change of rewards per epoch".into(),
            ],
        ];
        if let Some(by) = r
            .get("pass_rate_by_proposer_role")
            .and_then(|v| v.as_object())
        {
            for (role, rate) in by {
                rows.push(vec![
                    format!("pass rate, proposed by {}", role_label(role)),
                    pct(rate.as_f64()),
                    "governance.pass_rate_by_proposer_role".into(),
                ]);
            }
        }
        blocks.push(Block::Html(table(
            &["figure".into(), "value".into(), "what it is".into()],
            &[false, true, false],
            &rows,
        )));
    }

    let mut lines = outcome_markers(g, |p| p.turnout);
    if !lines.is_empty() {
        if let (Some(q), Some(x0), Some(x1)) = (
            g.quorum,
            g.proposals.first().map(|p| p.epoch_created),
            g.proposals.last().map(|p| p.epoch_created),
        ) {
            let mut l = Line::new(
                "quorum (for votes, share of supply)",
                MUTED,
                vec![(x0, q), (x1, q)],
            );
            l.dashed = true;
            lines.push(l);
        }
        let t = "Turnout of each proposal";
        let mut f = Frame::new(
            t,
            "Epoch the proposal was created",
            "Voting power cast (share of supply)",
        );
        f.y_ticks = Ticks::Percent;
        f.size = (HALF, 400);
        dot_legend(&mut f, &lines);
        blocks.push(chart(
            t,
            "Each dot is a proposal: the voting power cast (for, against and abstain) as a share of the supply, green when it passed. A Bravo-style proposal passes when for > against and the for votes reach the quorum line.",
            line_chart(f, &lines, YRange::Zero)?,
        ));
    }

    let mut lines = outcome_markers(g, |p| p.decisive_voters);
    if !lines.is_empty() {
        let t = "Decisive voters of each proposal";
        lines.sort_by(|a, b| b.label.cmp(&a.label));
        let mut f = Frame::new(
            t,
            "Epoch the proposal was created",
            "Decisive voters (count)",
        );
        dot_legend(&mut f, &lines);
        blocks.push(chart(
            t,
            "The fewest voters on the winning side whose abstention would flip the outcome (largest first). One or two means a handful of holders decide.",
            line_chart(f, &lines, YRange::Zero)?,
        ));
    }

    let mut lines = Vec::new();
    for (label, color, ys) in [
        ("Gini of voting power", RGBColor(0, 114, 178), &g.gini),
        ("share delegated", RGBColor(204, 121, 167), &g.delegated),
    ] {
        for pts in segments(&g.epoch, ys) {
            lines.push(Line::new(label, color, pts));
        }
    }
    if !lines.is_empty() {
        let t = "Concentration of voting power";
        let mut f = Frame::new(t, "Epoch (reward period)", "Gini / share (0–1)");
        f.y_ticks = Ticks::Percent;
        blocks.push(chart(
            t,
            "Voting power after delegation at each epoch end: its Gini over the active identities, and the share of all power that holders delegated to others.",
            line_chart(f, &lines, YRange::Fixed(0.0, 1.0))?,
        ));
    }
    let mut lines: Vec<Line> = segments(&g.epoch, &g.nakamoto)
        .into_iter()
        .map(|pts| Line::new("voting power", RGBColor(0, 114, 178), pts))
        .collect();
    lines.extend(
        outcome_markers(g, |p| p.nakamoto_power)
            .into_iter()
            .map(|mut l| {
                l.label = format!("power cast, {}", l.label);
                l
            }),
    );
    if !lines.is_empty() {
        let t = "Nakamoto coefficient of voting power";
        let mut f = Frame::new(t, "Epoch (reward period)", "Identities (count)");
        dot_legend(&mut f, &lines);
        blocks.push(chart(
            t,
            "Fewest identities holding more than half of all voting power (line), and of the power cast on each proposal (dots). Compound 2021–22: 3 ballots or fewer held more than half on 74% of proposals.",
            line_chart(f, &lines, YRange::Zero)?,
        ));
    }

    if let Some(moved) = g
        .report
        .as_ref()
        .and_then(|r| r.get("value_moved"))
        .and_then(|v| v.as_object())
    {
        let roles: Vec<&String> = moved.keys().collect();
        let field = |k: &str| -> Vec<f64> {
            roles
                .iter()
                .map(|r| {
                    moved[r.as_str()]
                        .get(k)
                        .and_then(|v| v.as_f64())
                        .unwrap_or(0.0)
                })
                .collect()
        };
        let grants = field("grants_quote");
        let rewards = field("reward_change_per_epoch_quote");
        if grants.iter().chain(&rewards).any(|&v| v != 0.0) {
            let t = "Value moved by executed proposals";
            let categories: Vec<String> = roles.iter().map(|r| role_label(r)).collect();
            blocks.push(chart(
                t,
                "By role, in quote units: tokens granted from the treasury at the price at execution, and the change of the role's rewards per epoch after each parameter change against before (negative when a change took rewards away).",
                grouped_bars(
                    Frame::new(t, "Role", "Quote units"),
                    &categories,
                    &[
                        BarSeries {
                            label: "grants".into(),
                            color: RGBColor(230, 159, 0),
                            values: grants,
                        },
                        BarSeries {
                            label: "change of rewards per epoch".into(),
                            color: RGBColor(86, 180, 233),
                            values: rewards,
                        },
                    ],
                )?,
            ));
        }
    }

    Ok(Section {
        heading: "Governance: who decides".into(),
        intro: "Proposals, turnout and who carried each vote (proposals.csv, fairness.json \"governance\", and epochs.csv's voting-power columns). A high rubber-stamp rate and few decisive voters mean token holders ratify what the team proposes.".into(),
        blocks,
        columns: 2,
    })
}
