//! The checks of one `[[population]]` table against its role (which
//! attributes apply, each value inside its attribute's range, the sell
//! policy's keys, a non-empty population) and the distributions a table
//! sets, for the loader, the empirical resolver and `mirage validate`.

use std::ops::Range;

use toml::Spanned;

use super::{PopulationSpec, SellPolicy};
use crate::agents::role::{check_dist_range, check_rate, Locate};
use crate::agents::{AttrKind, Attribute, Role};
use crate::distribution::DistSpec;

/// A problem in one population table, with the span it concerns.
#[derive(Debug, Clone)]
pub struct SpecIssue {
    pub span: Range<usize>,
    pub message: String,
}

/// The monetary attributes every population table may carry (funded at
/// genesis), with their kind: `balance` applies to every role, `stake` and
/// `capital` to the roles that list them among their attributes.
pub fn common_attributes(spec: &PopulationSpec) -> [(&'static str, Option<&Spanned<DistSpec>>); 3] {
    [
        ("balance", spec.balance.as_ref()),
        ("stake", spec.stake.as_ref()),
        ("capital", spec.capital.as_ref()),
    ]
}

/// The distributions a population table sets, in display order: the
/// monetary attributes, then the role's own in the order it declares them.
pub fn population_distributions(spec: &PopulationSpec) -> Vec<(&'static str, DistSpec)> {
    let common = common_attributes(spec)
        .into_iter()
        .filter_map(|(name, d)| d.map(|d| (name, d.get_ref().clone())));
    let own = spec
        .role
        .attributes()
        .iter()
        .filter(|a| a.kind.is_distribution() && !matches!(a.name, "stake" | "capital"))
        .filter_map(|a| spec.attributes.dist(a.name).map(|d| (a.name, d)));
    common.chain(own).collect()
}

/// Checks a population's rate attributes against their bound for
/// `ticks_per_epoch` (`role::check_rate`), with the span of the value.
pub fn check_rates(spec: &PopulationSpec, ticks_per_epoch: u64) -> Result<(), SpecIssue> {
    for attr in spec.role.attributes() {
        if attr.kind != AttrKind::Rate {
            continue;
        }
        let (Some(dist), Some(value)) = (
            spec.attributes.dist(attr.name),
            spec.attributes.values.get(attr.name),
        ) else {
            continue;
        };
        check_rate(attr.name, &dist, ticks_per_epoch).map_err(|message| SpecIssue {
            span: value.span(),
            message,
        })?;
    }
    Ok(())
}

/// Checks that a population table only sets attributes its role reads and
/// that each value fits its attribute.
/// `precise` may locate a value that does not parse more finely (see
/// `Attributes::check`).
pub fn check_population(
    spec: &PopulationSpec,
    table_span: Range<usize>,
    precise: Locate<'_>,
) -> Result<(), SpecIssue> {
    let accepted = spec.role.attributes();
    let issue = |(span, message): (Range<usize>, String)| SpecIssue { span, message };
    for (name, dist) in common_attributes(spec) {
        let Some(dist) = dist else { continue };
        if name != "balance" && !accepted.iter().any(|a| a.name == name) {
            let names: Vec<&str> = accepted.iter().map(|a| a.name).collect();
            return Err(SpecIssue {
                span: dist.span(),
                message: format!(
                    "`{name}` does not apply to role `{}` (it reads: balance{}{})",
                    spec.role.as_str(),
                    if names.is_empty() { "" } else { ", " },
                    names.join(", ")
                ),
            });
        }
        check_dist_range(name, AttrKind::NonNegative, dist.get_ref()).map_err(|message| {
            SpecIssue {
                span: dist.span(),
                message,
            }
        })?;
    }
    let named = [
        (
            "operators",
            spec.operators.as_ref().and_then(|o| match o.get_ref() {
                super::OperatorSpec::Named(list) => Some((o.span(), list.as_slice())),
                super::OperatorSpec::Count(_) => None,
            }),
        ),
        (
            "hosting",
            spec.hosting
                .as_ref()
                .map(|h| (h.span(), h.get_ref().as_slice())),
        ),
    ];
    for (key, list) in named {
        let Some((span, list)) = list else { continue };
        if let Some(problem) = super::named_shares_problem(list) {
            return Err(SpecIssue {
                span,
                message: format!("`{key}`: {problem}"),
            });
        }
    }
    if let Some(policy) = &spec.sell_policy {
        if !spec.role.pays_costs() {
            return Err(SpecIssue {
                span: policy.span(),
                message: format!(
                    "`sell_policy` applies to roles that bear costs (compute_provider, \
                     data_provider, validator), not to `{}`",
                    spec.role.as_str()
                ),
            });
        }
    }
    let selling = spec
        .sell_policy
        .as_ref()
        .is_some_and(|p| *p.get_ref() == SellPolicy::SellRewards);
    match (&spec.reward_sell_fraction, selling) {
        (Some(f), false) => {
            return Err(SpecIssue {
                span: f.span(),
                message: "`reward_sell_fraction` needs `sell_policy = \"sell_rewards\"`".into(),
            })
        }
        (None, true) => {
            let span = spec
                .sell_policy
                .as_ref()
                .map_or(table_span.clone(), |p| p.span());
            return Err(SpecIssue {
                span,
                message: "`sell_policy = \"sell_rewards\"` needs `reward_sell_fraction` \
                          (the fraction of each epoch's rewards sold, in [0, 1])"
                    .into(),
            });
        }
        _ => {}
    }
    let all: Vec<&[Attribute]> = Role::ALL.iter().map(|r| r.attributes()).collect();
    spec.attributes
        .check(spec.role.as_str(), accepted, &all, precise)
        .map_err(issue)?;
    if spec.count == 0 && spec.max_count.is_none_or(|m| m == 0) {
        return Err(SpecIssue {
            span: table_span,
            message: "population is empty: `count` must be at least 1 (or set `max_count` so it can grow by joins)".into(),
        });
    }
    Ok(())
}
