//! Lean networks: states and fields stored at the width their values need.
//!
//! The plain path ([`State`](crate::State), [`Dynamics`](crate::Dynamics)) stores every
//! neuron value and every local field as an `f64`: 16 bytes a neuron before the couplings.
//! That is the right default for learned dense networks, and far too much for large
//! structured ones (an N-Queens board of side 10 000 has 10⁸ neurons). Here:
//!
//! - [`BitState`]: one bit a neuron.
//! - [`LeanNetwork`]: a network that chooses how its fields are stored — `f64` for any
//!   [`Network`](crate::Network), `i32` for integer couplings ([`IntNetwork`]), or counters
//!   for structured couplings (N-Queens keeps `6n` counts for `n²` neurons).
//! - [`LeanDynamics`]: the dynamics over both, with the same exact flip deltas and energy
//!   bookkeeping as [`Dynamics`](crate::Dynamics).
//! - [`FlipDynamics`]: what search operators need, implemented by both dynamics so one
//!   operator runs on either.
//!
//! Tests check every lean path against the plain path on the same states and flips.

mod bits;
mod dynamics;
mod network;

pub use bits::BitState;
pub use dynamics::{FlipDynamics, LeanDynamics};
pub use network::{IntNetwork, LeanNetwork};
