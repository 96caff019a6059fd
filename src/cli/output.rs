//! Output directory helpers (being written).
