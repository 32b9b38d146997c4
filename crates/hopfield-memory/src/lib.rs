//! Associative memory on discrete Hopfield networks (seeds 000, 001 and 003).
//!
//! Work in progress: the modules below are being filled in.

pub mod analysis;
mod error;
pub mod experiments;
pub mod glyphs;
pub mod image;
mod patterns;
pub mod recall;
pub mod rules;

pub use error::{MemoryError, Result};
pub use hopfield_core;
pub use patterns::Patterns;
