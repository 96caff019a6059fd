//! The run dashboard: headline cards (concentration of wealth and rewards,
//! misallocation, price, what investors/team captured) and the charts of a
//! run — concentration over time per role, Lorenz curves, who captures
//! rewards and how that tracks contribution, and the market; a health
//! banner with the manifest's warnings; who benefits in value (share of all
//! tokens by stakeholder and the supply breakdown over time, net gain by
//! stakeholder beside its share of the costs, vesting unlocks against the
//! price). The price is drawn on a log axis when it moves more than 10×.

use anyhow::Result;
use plotters::style::RGBColor;

use super::bars::{grouped_bars, BarSeries};
use super::html::{slug, Block, Card, Chart, Page, Section};
use super::plot::{
    line_chart, segments, stacked_shares, thin, Frame, Layer, Line, Ticks, YRange, HALF, THIRD,
    WIDE,
};
use super::run_input::{RoleSeries, RunData, SUPPLY_PARTS};
use super::run_stats::{
    by_contribution_decile, concentration, lorenz, misallocation, pooled_misallocation, share,
};
use super::style::{fmt_pct, fmt_value, role_color, role_label, INK, MUTED};

/// Points per time series at most (a long run is thinned).
const MAX_POINTS: usize = 1000;
const EPOCH_DESC: &str = "Epoch (reward period)";

fn chart(title: &str, caption: impl Into<String>, svg: String, wide: bool) -> Block {
    Block::Chart(Chart {
        slug: slug(title),
        title: title.to_string(),
        caption: caption.into(),
        svg,
        wide,
    })
}

fn series_line(
    label: &str,
    color: RGBColor,
    xs: &[f64],
    ys: &[Option<f64>],
    width: u32,
) -> Vec<Line> {
    segments(xs, ys)
        .into_iter()
        .map(|pts| {
            let mut l = Line::new(label, color, thin(pts, MAX_POINTS));
            l.width = width;
            l
        })
        .collect()
}

fn last_some(v: &[Option<f64>]) -> Option<f64> {
    v.iter().rev().find_map(|x| *x)
}

pub fn run_page(d: &RunData) -> Result<Page> {
    let e = &d.epochs;
    let a = &d.agents;
    let rewarded: Vec<bool> = (0..d.roles.len()).map(|r| d.rewarded(r)).collect();

    // Per-agent groups.
    let active_wealth: Vec<u64> = a
        .wealth
        .iter()
        .zip(&a.active)
        .filter(|(_, &act)| act)
        .map(|(&w, _)| w)
        .collect();
    let rewarded_rewards: Vec<u64> = a
        .role
        .iter()
        .zip(&a.rewards)
        .filter(|(&r, _)| rewarded[r])
        .map(|(_, &x)| x)
        .collect();
    let pools: Vec<Vec<(u64, u64)>> = (0..d.roles.len())
        .map(|r| {
            if !rewarded[r] {
                return Vec::new();
            }
            a.role
                .iter()
                .enumerate()
                .filter(|(_, &ar)| ar == r)
                .map(|(i, _)| (a.contribution[i], a.rewards[i]))
                .collect()
        })
        .collect();

    let mut page = Page {
        title: format!("Mirage run: {}", d.name),
        subtitle: d.description.clone().unwrap_or_else(|| {
            "How wealth and rewards are distributed in this simulated token economy.".into()
        }),
        facts: Vec::new(),
        cards: Vec::new(),
        sections: Vec::new(),
    };
    page.facts
        .push(("directory".into(), d.dir.display().to_string()));
    page.facts.push(("scenario".into(), d.name.clone()));
    if let Some(seed) = d.seed {
        page.facts.push(("seed".into(), seed.to_string()));
    }
    page.facts
        .push(("epochs".into(), e.epoch.len().to_string()));
    page.facts.push((
        "agents".into(),
        format!(
            "{} ever, {} active at the end",
            a.role.len(),
            active_wealth.len()
        ),
    ));
    page.facts.push((
        "roles".into(),
        d.roles
            .iter()
            .map(|r| role_label(r))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    if let Some(v) = &d.version {
        page.facts.push(("mirage".into(), v.clone()));
    }
    if d.fairness.is_some() {
        page.facts
            .push(("fairness report".into(), "fairness.json".into()));
    }

    // Cards.
    let first_gw = e.gini_wealth.iter().find_map(|x| *x);
    let end_gw = last_some(&e.gini_wealth);
    page.cards.push(Card {
        label: "Wealth Gini, end".into(),
        value: end_gw.map_or("n/a".into(), fmt_value),
        detail: format!(
            "0 = every active agent holds the same, 1 = one holds everything{}",
            first_gw.map_or(String::new(), |g| format!(
                "; {} after epoch 0",
                fmt_value(g)
            ))
        ),
    });
    let end_nw = last_some(&e.nakamoto_wealth);
    page.cards.push(Card {
        label: "Wealth Nakamoto, end".into(),
        value: end_nw.map_or("n/a".into(), fmt_value),
        detail: format!(
            "the fewest agents holding more than half of all agents' wealth ({} active agents)",
            active_wealth.len()
        ),
    });
    page.cards.push(Card {
        label: "Rewards Gini, end".into(),
        value: last_some(&e.gini_rewards).map_or("n/a".into(), fmt_value),
        detail: "of each agent's total rewards, agents of rewarded roles; 0 = all paid the same"
            .into(),
    });
    let (_, nak_r) = concentration(&rewarded_rewards);
    page.cards.push(Card {
        label: "Rewards Nakamoto".into(),
        value: nak_r.map_or("n/a".into(), |n| n.to_string()),
        detail: format!(
            "the fewest agents who received more than half of all rewards ({} agents in rewarded roles)",
            rewarded_rewards.len()
        ),
    });
    // As in fairness.json: each role's pay against its own units of work,
    // weighted by the role's rewards.
    let mis = match d.fairness.as_ref().and_then(|f| f.misallocation) {
        Some(m) => Some(m),
        None => pooled_misallocation(&pools),
    };
    page.cards.push(Card {
        label: "Misallocation".into(),
        value: mis.map_or("n/a".into(), fmt_pct),
        detail: "of rewards would have to move for each role's pay to follow its contribution (0 = pay exactly in proportion)".into(),
    });
    if !d.has_market() {
        page.cards.push(Card {
            label: "Token price".into(),
            value: "no market".into(),
            detail: "this run has no market pool, so the token has no price".into(),
        });
    } else if let (Some(&p_end), Some(&p_first)) = (e.price.last(), e.price.first()) {
        let (start, when) = match d.genesis_price {
            Some(g) => (g, "genesis"),
            None => (p_first, "epoch 0"),
        };
        let change = if start > 0.0 {
            p_end / start - 1.0
        } else {
            f64::NAN
        };
        page.cards.push(Card {
            label: "Token price".into(),
            value: if change.is_finite() {
                format!("{}{}", if change > 0.0 { "+" } else { "" }, fmt_pct(change))
            } else {
                "n/a".into()
            },
            detail: format!(
                "{} at {when} → {} at the end (quote units per token)",
                fmt_value(start),
                fmt_value(p_end)
            ),
        });
    }
    page.cards.push(investor_card(d));

    if !d.warnings.is_empty() {
        page.sections.push(Section {
            heading: "Health: warnings".into(),
            intro: "The run reported these health warnings (manifest.json `warnings`); read its numbers with them in mind.".into(),
            blocks: d.warnings.iter().map(|w| Block::Note(format!("⚠ {w}"))).collect(),
            columns: 2,
        });
    }
    page.sections.push(value_section(d)?);
    page.sections.push(concentration_section(d, &rewarded)?);
    page.sections.push(lorenz_section(d, &rewarded)?);
    page.sections.push(capture_section(d, &rewarded)?);
    page.sections.push(deciles_section(d, &pools)?);
    page.sections.push(market_section(d)?);
    if let Some(g) = &d.governance {
        page.sections.push(super::governance::section(g)?);
    }
    page.sections.retain(|s| !s.blocks.is_empty());
    Ok(page)
}

fn investor_card(d: &RunData) -> Card {
    let a = &d.agents;
    let Some(inv) = d.roles.iter().position(|r| r == "investor") else {
        return Card {
            label: "Investors / team".into(),
            value: "none".into(),
            detail: "this run has no investor or team population".into(),
        };
    };
    let sum = |f: &dyn Fn(usize) -> bool, v: &[u64]| -> u128 {
        v.iter()
            .enumerate()
            .filter(|(i, _)| f(*i))
            .map(|(_, &x)| u128::from(x))
            .sum()
    };
    let is_inv = |i: usize| a.role[i] == inv;
    let active_inv = |i: usize| a.role[i] == inv && a.active[i];
    let active = |i: usize| a.active[i];
    let all = |_: usize| true;
    let computed = [
        share(sum(&is_inv, &a.rewards), sum(&all, &a.rewards)),
        share(sum(&active_inv, &a.wealth), sum(&active, &a.wealth)),
        share(sum(&is_inv, &a.contribution), sum(&all, &a.contribution)),
    ];
    let [rewards, wealth, contrib] = d
        .fairness
        .as_ref()
        .and_then(|f| f.investor)
        .unwrap_or(computed);
    let n = a.role.iter().filter(|&&r| r == inv).count();
    let f = |x: Option<f64>| x.map_or("n/a".to_string(), fmt_pct);
    Card {
        label: "Investors / team: wealth".into(),
        value: f(wealth),
        detail: format!(
            "of all active agents' wealth; {} of rewards for {} of the work ({n} agents, {} of all)",
            f(rewards),
            f(contrib),
            f(share(n as u128, a.role.len() as u128))
        ),
    }
}

fn role_lines(
    d: &RunData,
    pick: impl Fn(&RoleSeries) -> &Vec<Option<f64>>,
    only: &[bool],
) -> Vec<Line> {
    let mut lines = Vec::new();
    for s in &d.epochs.roles {
        let Some(r) = d.roles.iter().position(|x| *x == s.role) else {
            continue;
        };
        if !only.get(r).copied().unwrap_or(true) {
            continue;
        }
        lines.extend(series_line(
            &role_label(&s.role),
            role_color(&s.role),
            &d.epochs.epoch,
            pick(s),
            2,
        ));
    }
    lines
}

fn concentration_section(d: &RunData, rewarded: &[bool]) -> Result<Section> {
    let e = &d.epochs;
    let all_roles = vec![true; d.roles.len()];
    // With one role its lines would hide under the "all agents" line.
    let besides_all = vec![d.roles.len() > 1; d.roles.len()];
    let mut blocks = Vec::new();

    let mut lines = series_line("all agents", INK, &e.epoch, &e.gini_wealth, 3);
    lines.extend(role_lines(d, |s| &s.gini_wealth, &besides_all));
    let t = "Gini of wealth over time";
    blocks.push(chart(
        t,
        "Wealth (balance + stake + unvested) of active agents. Rising lines: wealth concentrates.",
        line_chart(
            Frame::new(
                t,
                EPOCH_DESC,
                "Gini coefficient (0 = equal, 1 = one holder)",
            ),
            &lines,
            YRange::Fixed(0.0, 1.0),
        )?,
        false,
    ));

    let mut lines = series_line("all rewarded agents", INK, &e.epoch, &e.gini_rewards, 3);
    if rewarded.iter().filter(|&&r| r).count() > 1 {
        lines.extend(role_lines(d, |s| &s.gini_rewards, rewarded));
    }
    let t = "Gini of rewards over time";
    if lines.is_empty() {
        blocks.push(Block::Note(
            "No rewards were paid in this run, so there is no Gini of rewards.".into(),
        ));
    } else {
        blocks.push(chart(
            t,
            "Of each agent's rewards received so far, agents of rewarded roles (including those who left).",
            line_chart(Frame::new(t, EPOCH_DESC, "Gini coefficient (0 = equal, 1 = one earner)"), &lines, YRange::Fixed(0.0, 1.0))?,
            false,
        ));
    }

    let mut lines = series_line("all agents", INK, &e.epoch, &e.nakamoto_wealth, 3);
    lines.extend(role_lines(d, |s| &s.nakamoto_wealth, &besides_all));
    let t = "Nakamoto coefficient of wealth over time";
    blocks.push(chart(
        t,
        "The fewest agents who together hold more than half of the wealth (of all agents, or within a role). Higher is more decentralised.",
        line_chart(Frame::new(t, EPOCH_DESC, "Agents holding more than half (count)"), &lines, YRange::Zero)?,
        false,
    ));

    let lines = role_lines(d, |s| &s.hhi_wealth, &all_roles);
    let t = "HHI of wealth over time, per role";
    blocks.push(chart(
        t,
        "Herfindahl–Hirschman index: the sum of squared wealth shares within a role. 1/N when N agents hold equal shares, 1 for a monopoly.",
        line_chart(Frame::new(t, EPOCH_DESC, "HHI (sum of squared shares, 0–1)"), &lines, YRange::Zero)?,
        false,
    ));
    Ok(Section {
        heading: "Concentration over time".into(),
        intro: "Does wealth or reward concentrate as the network runs? One line per role; the black line is everyone together.".into(),
        blocks,
        columns: 2,
    })
}

fn lorenz_lines(groups: &[(String, RGBColor, Vec<u64>, u32)]) -> Vec<Line> {
    let mut lines = Vec::new();
    for (label, color, values, width) in groups {
        if let Some(pts) = lorenz(values, 300) {
            let mut l = Line::new(label.clone(), *color, pts);
            l.width = *width;
            lines.push(l);
        }
    }
    let mut eq = Line::new("perfect equality", MUTED, vec![(0.0, 0.0), (1.0, 1.0)]);
    eq.dashed = true;
    lines.push(eq);
    lines
}

fn lorenz_frame(title: &str, y_desc: &str) -> Frame {
    let mut f = Frame::new(title, "Share of agents, smallest holders first (%)", y_desc);
    f.x_ticks = Ticks::Percent;
    f.y_ticks = Ticks::Percent;
    f.size = (HALF, 440);
    f
}

fn lorenz_section(d: &RunData, rewarded: &[bool]) -> Result<Section> {
    let a = &d.agents;
    let mut blocks = Vec::new();

    let mut groups = vec![(
        "all agents".to_string(),
        INK,
        a.wealth
            .iter()
            .zip(&a.active)
            .filter(|(_, &x)| x)
            .map(|(&w, _)| w)
            .collect::<Vec<u64>>(),
        3,
    )];
    for (r, role) in d.roles.iter().enumerate() {
        let v: Vec<u64> = (0..a.role.len())
            .filter(|&i| a.role[i] == r && a.active[i])
            .map(|i| a.wealth[i])
            .collect();
        if d.roles.len() > 1 {
            groups.push((role_label(role), role_color(role), v, 2));
        }
    }
    let t = "Lorenz curves of final wealth";
    blocks.push(chart(
        t,
        "Active agents at the end, by role. The further a curve sags below the dashed diagonal, the more unequal: a point (40%, 10%) means the poorer 40% hold 10%.",
        line_chart(lorenz_frame(t, "Share of the group's wealth (%)"), &lorenz_lines(&groups), YRange::Fixed(0.0, 1.0))?,
        false,
    ));

    let mut groups = vec![(
        "all rewarded agents".to_string(),
        INK,
        (0..a.role.len())
            .filter(|&i| rewarded[a.role[i]])
            .map(|i| a.rewards[i])
            .collect::<Vec<u64>>(),
        3,
    )];
    for (r, role) in d.roles.iter().enumerate() {
        if !rewarded[r] {
            continue;
        }
        let v: Vec<u64> = (0..a.role.len())
            .filter(|&i| a.role[i] == r)
            .map(|i| a.rewards[i])
            .collect();
        if rewarded.iter().filter(|&&r| r).count() > 1 {
            groups.push((role_label(role), role_color(role), v, 2));
        }
    }
    let t = "Lorenz curves of cumulative rewards";
    let lines = lorenz_lines(&groups);
    if lines.len() > 1 {
        blocks.push(chart(
            t,
            "Every agent of a rewarded role, including those who left, by the rewards it received over the run.",
            line_chart(lorenz_frame(t, "Share of the group's rewards (%)"), &lines, YRange::Fixed(0.0, 1.0))?,
            false,
        ));
    } else {
        blocks.push(Block::Note(
            "No rewards were paid in this run, so there is no Lorenz curve of rewards.".into(),
        ));
    }
    Ok(Section {
        heading: "Who holds the wealth and who earns the rewards".into(),
        intro: "Lorenz curves at the end of the run: agents sorted from smallest to largest, and the share of the total the smaller ones hold.".into(),
        blocks,
        columns: 2,
    })
}

fn capture_section(d: &RunData, rewarded: &[bool]) -> Result<Section> {
    let e = &d.epochs;
    let mut blocks = Vec::new();
    // Per-epoch payouts per role from the cumulative columns, in bins so
    // that a long run keeps a few hundred points.
    let roles: Vec<&RoleSeries> = e
        .roles
        .iter()
        .filter(|s| {
            d.roles
                .iter()
                .position(|r| *r == s.role)
                .is_some_and(|r| rewarded[r])
        })
        .collect();
    let n = e.epoch.len();
    let bin = n.div_ceil(600).max(1);
    let per_epoch: Vec<Vec<f64>> = roles
        .iter()
        .map(|s| {
            let mut prev = 0.0;
            s.rewards
                .iter()
                .map(|c| {
                    let c = c.unwrap_or(prev);
                    let d = (c - prev).max(0.0);
                    prev = c;
                    d
                })
                .collect()
        })
        .collect();
    let mut xs = Vec::new();
    let mut shares: Vec<Vec<(f64, f64)>> = vec![Vec::new(); roles.len()];
    for start in (0..n).step_by(bin) {
        let end = (start + bin).min(n);
        let sums: Vec<f64> = per_epoch
            .iter()
            .map(|v| v[start..end].iter().sum())
            .collect();
        let total: f64 = sums.iter().sum();
        if total <= 0.0 {
            continue;
        }
        let x = e.epoch[end - 1];
        xs.push(x);
        for (k, s) in sums.iter().enumerate() {
            shares[k].push((x, s / total));
        }
    }
    if xs.len() >= 2 {
        let layers: Vec<Layer> = roles
            .iter()
            .zip(shares)
            .map(|(s, points)| Layer {
                label: role_label(&s.role),
                color: role_color(&s.role),
                points,
            })
            .collect();
        let t = "Share of each epoch's rewards by role";
        let mut f = Frame::new(t, EPOCH_DESC, "Share of the epoch's rewards (%)");
        f.size = (WIDE, 400);
        blocks.push(chart(
            t,
            if bin > 1 {
                format!("Stacked: the bands add up to everything paid, in bins of {bin} epochs. A band that widens captures more of the rewards.")
            } else {
                "Stacked: the bands add up to everything paid in the epoch. A band that widens captures more of the rewards.".to_string()
            },
            stacked_shares(f, &layers)?,
            true,
        ));
    } else if roles.is_empty() {
        blocks.push(Block::Note("No rewards were paid in this run.".into()));
    } else {
        blocks.push(Block::Note(
            "Rewards were paid in fewer than two epochs, so there is no reward share over time."
                .into(),
        ));
    }

    Ok(Section {
        heading: "Who captures the rewards".into(),
        intro: "How each epoch's reward budget is split between the roles.".into(),
        blocks,
        columns: 2,
    })
}

fn deciles_section(d: &RunData, pools: &[Vec<(u64, u64)>]) -> Result<Section> {
    let mut blocks = Vec::new();
    let charts = pools.iter().filter(|p| p.len() >= 10).count();
    let columns = if charts >= 3 { 3 } else { 2 };
    let cats: Vec<String> = (1..=10).map(|k| k.to_string()).collect();
    for (r, role) in d.roles.iter().enumerate() {
        let pool = &pools[r];
        if pool.is_empty() {
            continue;
        }
        let Some(deciles) = by_contribution_decile(pool) else {
            blocks.push(Block::Note(format!(
                "{}: too few agents, or no contribution or rewards, for contribution deciles.",
                role_label(role)
            )));
            continue;
        };
        let t = format!("Rewards vs work: {}", role_label(role));
        let mut f = Frame::new(
            &t,
            "Contribution decile (1 = least work, 10 = most)",
            "Share of the role's total (%)",
        );
        f.y_ticks = Ticks::Percent;
        f.size = (if columns == 3 { THIRD } else { HALF }, 420);
        let series = [
            BarSeries {
                label: "share of contribution".into(),
                color: MUTED,
                values: deciles.iter().map(|x| x.contribution_share).collect(),
            },
            BarSeries {
                label: "share of rewards".into(),
                color: role_color(role),
                values: deciles.iter().map(|x| x.reward_share).collect(),
            },
        ];
        blocks.push(chart(
            &t,
            format!(
                "{} agents. Misallocation within the role: {} of its rewards.",
                pool.len(),
                d.fairness
                    .as_ref()
                    .and_then(|f| f.misallocation_by_role.get(role).copied())
                    .or_else(|| misallocation(pool))
                    .map_or("n/a".into(), fmt_pct)
            ),
            grouped_bars(f, &cats, &series)?,
            false,
        ));
    }
    Ok(Section {
        heading: "Are rewards in line with work?".into(),
        intro: "Within each rewarded role: agents ranked by the work they did (verified tasks, accepted datasets, checks) and cut into ten equal groups. Grey: the group's share of the role's work; colour: its share of the role's rewards. Matching bars mean pay in proportion to work.".into(),
        blocks,
        columns,
    })
}

/// Who benefits, in tokens and in quote.
/// The colour of a part of the supply, the same in the stakeholder and the
/// supply-breakdown charts (the system accounts and burned in both).
fn supply_color(column: &str) -> RGBColor {
    match column {
        "supply_liquid" => RGBColor(86, 180, 233),
        "supply_staked" => RGBColor(0, 158, 115),
        "supply_unvested" => RGBColor(230, 159, 0),
        "supply_treasury" => RGBColor(120, 94, 240),
        // Not a role colour (compute providers are Okabe–Ito blue).
        "supply_market_pool" => RGBColor(0, 73, 73),
        "supply_rewards_pool" => RGBColor(200, 200, 200),
        "supply_fee_escrow" => RGBColor(150, 150, 150),
        _ => RGBColor(60, 60, 60),
    }
}

fn value_section(d: &RunData) -> Result<Section> {
    let e = &d.epochs;
    let mut blocks = Vec::new();
    let n = e.epoch.len();
    let at = |v: &[Option<f64>], i: usize| v.get(i).copied().flatten();
    let has_supply = e.supply.iter().any(|s| s.iter().any(Option::is_some));
    let totals: Vec<f64> = (0..n)
        .map(|i| e.supply.iter().map(|s| at(s, i).unwrap_or(0.0)).sum())
        .collect();
    let layer = |label: &str, color: RGBColor, v: &dyn Fn(usize) -> f64| Layer {
        label: label.to_string(),
        color,
        points: thin(
            (0..n)
                .map(|i| {
                    let share = if totals[i] > 0.0 {
                        v(i) / totals[i]
                    } else {
                        0.0
                    };
                    (e.epoch[i], share)
                })
                .collect(),
            MAX_POINTS,
        ),
    };
    let has_role_wealth = e.roles.iter().any(|r| r.wealth.iter().any(Option::is_some));
    if has_supply && has_role_wealth {
        let part = |name: &str| {
            let k = SUPPLY_PARTS.iter().position(|(c, _)| *c == name);
            move |i: usize| k.and_then(|k| at(&e.supply[k], i)).unwrap_or(0.0)
        };
        let mut layers: Vec<Layer> = e
            .roles
            .iter()
            .map(|r| {
                layer(&role_label(&r.role), role_color(&r.role), &|i| {
                    at(&r.wealth, i).unwrap_or(0.0)
                })
            })
            .collect();
        let (treasury, pool, rewards, escrow, burned) = (
            part("supply_treasury"),
            part("supply_market_pool"),
            part("supply_rewards_pool"),
            part("supply_fee_escrow"),
            part("burned_total"),
        );
        layers.push(layer(
            "treasury",
            supply_color("supply_treasury"),
            &treasury,
        ));
        layers.push(layer(
            "market pool",
            supply_color("supply_market_pool"),
            &pool,
        ));
        layers.push(layer(
            "rewards pool + fee escrow",
            supply_color("supply_rewards_pool"),
            &|i| rewards(i) + escrow(i),
        ));
        layers.push(layer("burned", supply_color("burned_total"), &burned));
        let t = "Share of all tokens by stakeholder";
        let mut f = Frame::new(t, EPOCH_DESC, "Share of initial supply + minted");
        f.size = (WIDE, 420);
        blocks.push(chart(
            t,
            "Where every token ever created is, by stakeholder (agents that left included); the bands add up to the initial supply plus everything minted.",
            stacked_shares(f, &layers)?,
            true,
        ));
    }
    if has_supply {
        let layers: Vec<Layer> = SUPPLY_PARTS
            .iter()
            .enumerate()
            .map(|(k, (column, label))| {
                layer(label, supply_color(column), &|i| {
                    at(&e.supply[k], i).unwrap_or(0.0)
                })
            })
            .collect();
        let t = "Supply breakdown";
        blocks.push(chart(
            t,
            "The same tokens by kind of holding: liquid, staked, unvested, the system accounts and burned.",
            stacked_shares(Frame::new(t, EPOCH_DESC, "Share of initial supply + minted"), &layers)?,
            false,
        ));
        // Vesting unlocks against the price.
        let k = SUPPLY_PARTS
            .iter()
            .position(|(c, _)| *c == "supply_unvested");
        let unvested: Vec<Option<f64>> = k.map(|k| e.supply[k].clone()).unwrap_or_default();
        let start = unvested.iter().find_map(|x| *x).unwrap_or(0.0);
        if start > 0.0 && d.has_market() {
            let unlocked: Vec<Option<f64>> = unvested
                .iter()
                .map(|u| u.map(|u| 1.0 - u / start))
                .collect();
            let peak = e.price.iter().copied().fold(0.0, f64::max);
            let price: Vec<Option<f64>> = e
                .price
                .iter()
                .map(|&p| (peak > 0.0).then(|| p / peak))
                .collect();
            let mut lines = series_line(
                "unlocked so far (share of epoch 0's unvested)",
                RGBColor(213, 94, 0),
                &e.epoch,
                &unlocked,
                3,
            );
            lines.extend(series_line(
                "price (share of its peak)",
                RGBColor(0, 114, 178),
                &e.epoch,
                &price,
                2,
            ));
            let t = "Vesting unlocks against the price";
            blocks.push(chart(
                t,
                format!(
                    "As the vesting allocations unlock (orange), do the holders sell into the market and the price (blue, peak {}) fall?",
                    fmt_value(peak)
                ),
                line_chart(Frame::new(t, EPOCH_DESC, "Share (0–1)"), &lines, YRange::Fixed(0.0, 1.05))?,
                false,
            ));
        }
    }
    // The pools that only pass tokens on hold next to nothing: left out.
    let gains: Vec<&super::run_input::ValueView> = d
        .value
        .iter()
        .filter(|v| v.net_gain.is_some())
        .filter(|v| !matches!(v.stakeholder.as_str(), "rewards_pool" | "fee_escrow"))
        .collect();
    if !gains.is_empty() {
        let cats: Vec<String> = gains.iter().map(|v| role_label(&v.stakeholder)).collect();
        let series = [
            BarSeries {
                label: "share of all positive gains".into(),
                color: RGBColor(0, 158, 115),
                values: gains
                    .iter()
                    .map(|v| v.share_of_positive_gains.unwrap_or(0.0))
                    .collect(),
            },
            BarSeries {
                label: "share of the costs borne".into(),
                color: RGBColor(213, 94, 0),
                values: gains
                    .iter()
                    .map(|v| v.share_of_costs.unwrap_or(0.0))
                    .collect(),
            },
        ];
        let t = "Net gain by stakeholder against its share of costs";
        let mut f = Frame::new(t, "Stakeholder", "Share (0–1)");
        f.size = (WIDE, 400);
        f.y_ticks = Ticks::Percent;
        blocks.push(chart(
            t,
            "Green: each stakeholder's share of all positive net gains (in quote, marked to market); orange: its share of the operating costs paid or owed. The table gives the net gains.",
            grouped_bars(f, &cats, &series)?,
            true,
        ));
        let header: Vec<String> = [
            "stakeholder",
            "net gain (quote)",
            "share of gains",
            "share of costs",
            "tokens at the end",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect();
        let opt = |x: Option<f64>, f: fn(f64) -> String| x.map_or_else(|| "n/a".to_string(), f);
        let rows: Vec<Vec<String>> = gains
            .iter()
            .map(|v| {
                vec![
                    role_label(&v.stakeholder),
                    opt(v.net_gain, fmt_value),
                    opt(v.share_of_positive_gains, fmt_pct),
                    opt(v.share_of_costs, fmt_pct),
                    opt(v.tokens_end, fmt_value),
                ]
            })
            .collect();
        blocks.push(Block::Html(super::html::table(
            &header,
            &[false, true, true, true, true],
            &rows,
        )));
    } else if !d.value.is_empty() {
        blocks.push(Block::Note(
            "This run has no market pool, so there are no prices: value.csv gives tokens and quote flows but no gains.".into(),
        ));
    }
    Ok(Section {
        heading: "Who benefits?".into(),
        intro: "Who holds the tokens over time, and who gained in quote (value at the end marked to market, minus value at genesis and unpaid costs) against the costs they bore (value.csv).".into(),
        blocks,
        columns: 2,
    })
}

fn market_section(d: &RunData) -> Result<Section> {
    let e = &d.epochs;
    let mut blocks = Vec::new();
    let somes = |v: &[f64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();

    if d.has_market() {
        let mut lines = series_line(
            "price at the end of the epoch",
            RGBColor(0, 114, 178),
            &e.epoch,
            &somes(&e.price),
            2,
        );
        if let (Some(g), Some(&x0), Some(&x1)) = (d.genesis_price, e.epoch.first(), e.epoch.last())
        {
            let mut l = Line::new("price at genesis", MUTED, vec![(x0, g), (x1, g)]);
            l.dashed = true;
            lines.push(l);
        }
        let t = "Token price";
        // The genesis price is drawn too, so it counts toward the range.
        let positive: Vec<f64> = e
            .price
            .iter()
            .copied()
            .chain(d.genesis_price)
            .filter(|&p| p > 0.0)
            .collect();
        let lo = positive.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = positive.iter().copied().fold(0.0, f64::max);
        let (svg, how) = if lo.is_finite() && hi / lo > 10.0 {
            let logged: Vec<Line> = lines
                .into_iter()
                .map(|mut l| {
                    l.points.retain(|p| p.1 > 0.0);
                    for p in &mut l.points {
                        p.1 = p.1.log10();
                    }
                    l
                })
                .collect();
            let mut f = Frame::new(t, EPOCH_DESC, "Price (quote units per token, log scale)");
            f.y_ticks = Ticks::Log10;
            (
                line_chart(f, &logged, YRange::Auto)?,
                " It moves more than 10×, so the axis is logarithmic: equal steps are equal ratios.",
            )
        } else {
            (
                line_chart(
                    Frame::new(t, EPOCH_DESC, "Price (quote units per token)"),
                    &lines,
                    YRange::Zero,
                )?,
                "",
            )
        };
        blocks.push(chart(
            t,
            format!("Price in the market's constant-product pool (quote units, a USD-like stable coin, per token).{how}"),
            svg,
            false,
        ));
    } else {
        blocks.push(Block::Note(
            "This run has no market pool, so there is no token price.".into(),
        ));
    }

    let lines = series_line(
        "circulating supply",
        RGBColor(0, 158, 115),
        &e.epoch,
        &somes(&e.circulating_supply),
        2,
    );
    let t = "Circulating supply";
    blocks.push(chart(
        t,
        "Tokens held by agents and the market, outside the treasury, the reward pool and vesting.",
        line_chart(
            Frame::new(t, EPOCH_DESC, "Circulating supply (tokens)"),
            &lines,
            YRange::Zero,
        )?,
        false,
    ));

    let mut lines = series_line("all agents", INK, &e.epoch, &somes(&e.active_agents), 3);
    lines.extend(role_lines(
        d,
        |s| &s.active,
        &vec![d.roles.len() > 1; d.roles.len()],
    ));
    let t = "Active agents";
    let mut f = Frame::new(t, EPOCH_DESC, "Active agents (count)");
    f.size = (WIDE, 380);
    blocks.push(chart(
        t,
        "Agents in the network at the end of each epoch. Providers leave after a run of unprofitable epochs and join while it pays.",
        line_chart(f, &lines, YRange::Zero)?,
        true,
    ));
    Ok(Section {
        heading: "Market and network".into(),
        intro: "The token's price, how many tokens circulate, and how many agents take part."
            .into(),
        blocks,
        columns: 2,
    })
}
