//! The sweep dashboard's "cost of honesty" section, for a sweep over
//! `verification.regime` that reports the fairness.json figures
//! `verification.wrong_accepted_share` and `verification.cost_share_of_fees`:
//! each regime's wrong-accepted share against its verification cost (one
//! line per regime through the values of the other axes), and, when the
//! sweep reports `decentralization.nakamoto_work_identity` and
//! `decentralization.nakamoto_work_operator`, the effective
//! decentralization by operator beside the identity count; then a table of
//! every regime × point.

use anyhow::Result;

use super::html::{table, Block, Chart, Section};
use super::plot::{line_chart, Frame, Line, Ticks, YRange, HALF};
use super::style::{fmt_value, series_color};
use super::sweep_input::SweepData;
use super::sweep_stats::group_by;

const REGIME: &str = "verification.regime";
const WRONG: &str = "verification.wrong_accepted_share";
const COST: &str = "verification.cost_share_of_fees";
const NAK_ID: &str = "decentralization.nakamoto_work_identity";
const NAK_OP: &str = "decentralization.nakamoto_work_operator";
/// Costs span zero (none, sampled) to many times the fees (zk): the cost
/// axis is logarithmic, with costs below this floor drawn at it.
const COST_FLOOR: f64 = 1e-3;

fn chart(title: &str, caption: String, svg: String) -> Block {
    Block::Chart(Chart {
        slug: super::html::slug(title),
        title: title.to_string(),
        caption,
        svg,
        wide: false,
    })
}

/// Mean of metric `m` per (regime index, other point) key.
fn means(data: &SweepData, keys: &[usize], m: usize) -> std::collections::HashMap<Vec<usize>, f64> {
    group_by(data, keys, m)
        .into_iter()
        .map(|(k, s)| (k, s.mean))
        .collect()
}

/// The section, when the sweep has a regime axis and both figures.
pub fn honesty_section(data: &SweepData) -> Result<Option<Section>> {
    let (Some(r), Some(wrong), Some(cost)) =
        (data.axis(REGIME), data.metric(WRONG), data.metric(COST))
    else {
        return Ok(None);
    };
    let regimes = &data.axes[r].values;
    // Every other axis, in order: a point of the other axes is a key.
    let others: Vec<usize> = (0..data.axes.len()).filter(|&a| a != r).collect();
    let mut keys = vec![r];
    keys.extend(&others);
    let wrong_by = means(data, &keys, wrong);
    let cost_by = means(data, &keys, cost);
    let mut combos: Vec<Vec<usize>> = wrong_by.keys().map(|k| k[1..].to_vec()).collect();
    combos.sort();
    combos.dedup();

    let mut lines = Vec::new();
    for (ri, name) in regimes.iter().enumerate() {
        let mut pts: Vec<(f64, f64)> = combos
            .iter()
            .filter_map(|c| {
                let mut k = vec![ri];
                k.extend(c);
                let c = cost_by.get(&k)?.max(COST_FLOOR).log10();
                Some((c, *wrong_by.get(&k)?))
            })
            .collect();
        pts.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)));
        if pts.is_empty() {
            continue;
        }
        let mut l = Line::new(name.clone(), series_color(ri), pts);
        l.markers = true;
        lines.push(l);
    }
    let mut blocks = Vec::new();
    let t = "Wrong results accepted vs verification cost";
    let mut f = Frame::new(
        t,
        "verification cost / fees (log scale)",
        "share of results accepted although wrong",
    );
    f.x_ticks = Ticks::Log10;
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    f.x = if lo.is_finite() {
        ((lo - 0.2).floor(), (hi + 0.2).ceil().max(lo.floor() + 1.0))
    } else {
        (-3.0, 1.0)
    };
    f.y_ticks = Ticks::Percent;
    f.size = (HALF, 440);
    blocks.push(chart(
        t,
        format!("One marker per point of the other axes (their mean over replications), one colour per regime: down is safer, left is cheaper. Costs below {COST_FLOOR} of the fees (none, sampled: 0 in quote) are drawn at {COST_FLOOR}."),
        line_chart(f, &lines, YRange::Zero)?,
    ));

    let nak = data.metric(NAK_ID).zip(data.metric(NAK_OP));
    if let Some((nid, nop)) = nak {
        // Pooled over regimes, against the first other axis.
        if let Some(&a) = others.first() {
            let axis = &data.axes[a];
            let numeric = axis.numeric.as_ref().filter(|n| n.len() > 1);
            let pos = |i: usize| numeric.map_or(i as f64, |n| n[i]);
            let mut out = Vec::new();
            for (label, m, ci) in [("by identity", nid, 0), ("by operator", nop, 1)] {
                let by = means(data, &[a], m);
                let mut pts: Vec<(f64, f64)> = (0..axis.values.len())
                    .filter_map(|i| by.get(&vec![i]).map(|&v| (pos(i), v)))
                    .collect();
                pts.sort_by(|p, q| p.0.total_cmp(&q.0));
                let mut l = Line::new(label, series_color(ci), pts);
                l.markers = true;
                out.push(l);
            }
            let t = "Effective decentralization: identities vs operators";
            let mut f = Frame::new(
                t,
                axis.name.clone(),
                "Nakamoto coefficient of compute work (> 1/2)",
            );
            if numeric.is_none() {
                f.x_ticks = Ticks::Categories(axis.values.clone());
                f.x = (-0.5, axis.values.len() as f64 - 0.5);
            }
            f.size = (HALF, 440);
            blocks.push(chart(
                t,
                format!(
                    "Fewest identities, and fewest operators (an operator's identities summed), doing more than half of the run's compute work; mean over regimes and replications at each {}.",
                    axis.name
                ),
                line_chart(f, &out, YRange::Zero)?,
            ));
        }
    }

    let mut header = vec!["regime".to_string()];
    header.extend(others.iter().map(|&a| data.axes[a].name.clone()));
    header.extend(["wrong accepted".into(), "cost / fees".into()]);
    let nak_means = nak.map(|(nid, nop)| (means(data, &keys, nid), means(data, &keys, nop)));
    if nak_means.is_some() {
        header.extend(["Nakamoto by identity".into(), "Nakamoto by operator".into()]);
    }
    let mut rows = Vec::new();
    for (ri, name) in regimes.iter().enumerate() {
        for c in &combos {
            let mut k = vec![ri];
            k.extend(c);
            let Some(w) = wrong_by.get(&k) else { continue };
            let mut row = vec![name.clone()];
            row.extend(
                c.iter()
                    .zip(&others)
                    .map(|(&i, &a)| data.axes[a].values.get(i).cloned().unwrap_or_default()),
            );
            row.push(fmt_value(*w));
            row.push(cost_by.get(&k).map_or_else(String::new, |v| fmt_value(*v)));
            if let Some((ids, ops)) = &nak_means {
                row.push(ids.get(&k).map_or_else(String::new, |v| fmt_value(*v)));
                row.push(ops.get(&k).map_or_else(String::new, |v| fmt_value(*v)));
            }
            rows.push(row);
        }
    }
    let numeric: Vec<bool> = (0..header.len()).map(|i| i > others.len()).collect();
    blocks.push(Block::Html(table(&header, &numeric, &rows)));
    Ok(Some(Section {
        heading: "Cost of honesty".into(),
        intro: "What each verification regime costs (verification spending as a share of the fees buyers paid) and what it lets through (results accepted although wrong), and how many independent operators — not identities — actually do the work.".into(),
        blocks,
        columns: 2,
    }))
}
