//! Quadratic funding mechanisms (being written).
