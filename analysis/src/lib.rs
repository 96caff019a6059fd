//! Mirage analysis: concentration and fairness metrics over holdings, reward
//! and contribution vectors, plus the reports built from them. Nothing here
//! knows about the simulation; it takes numbers and returns numbers.

pub mod concentration;
