//! Experiment runner that reproduces the papers' tables (seeds 002 and 003).
//!
//! This crate is a placeholder until its issue lands: experiment definitions, parallel seeded
//! trials, records and reports will live here. Nothing is implemented yet.

pub use hopfield_memory;
pub use hopfield_opt;
