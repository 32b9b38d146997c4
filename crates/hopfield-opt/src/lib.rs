//! Combinatorial optimization with discrete Hopfield networks (seed 002).
//!
//! Work in progress: the modules below are being filled in.

mod error;
pub mod exact;
pub mod problem;
pub mod queens;
pub mod search;
pub mod transport;
pub mod trials;
pub mod tsp;
pub mod tsplib;

pub use error::{OptError, Result};
pub use hopfield_core;
