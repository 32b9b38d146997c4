//! Experiment runner that reproduces the papers' tables (seeds 002 and 003).
//!
//! - [`record`]: record folders with reproducible, resumable per-trial rows.
//! - [`runner`]: seeded parallel trials, identical for any thread count.
//! - [`plot`]: SVG figures.
//! - [`meta`]: provenance of a record (host, toolchain, commit, command).

pub mod meta;
pub mod plot;
pub mod record;
pub mod runner;

pub use hopfield_memory;
pub use hopfield_opt;
