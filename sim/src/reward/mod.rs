//! Reward schemes: how one epoch's budget of a reward pool is divided among
//! its participants. One file per scheme.

pub mod quadratic;
pub mod yuma;
