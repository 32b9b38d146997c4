//! Associative memory on discrete Hopfield networks (seeds 000, 001 and 003).
//!
//! This crate is a placeholder until its issue lands: the learning rules (Hebbian, projection,
//! Storkey, Liang–Wu–Yu fast rule, max-min LP, constrained perceptron, Krauth–Mézard, Gardner),
//! the attraction-radius analysis and image recall will live here, on top of
//! [`hopfield_core`]. Nothing is implemented yet.

pub use hopfield_core;
