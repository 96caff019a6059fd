//! Bittensor's Yuma consensus (being written).
