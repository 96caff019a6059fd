//! Mirage engine (being written).

pub mod reward;
