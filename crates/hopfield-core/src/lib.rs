//! Discrete Hopfield networks: states, symmetric couplings, energy and dynamics.
//!
//! `hopfield-core` is the foundation of the hopfield-rs workspace. It knows nothing of
//! learning rules (`hopfield-memory`), optimization problems (`hopfield-opt`), files on disk,
//! threads or linear programs: it holds a network and runs it, exactly and fast.
//!
//! # Contents
//! - [`Encoding`] (±1 or 0/1 neurons), [`State`] (the neurons' real values) and [`TieRule`]
//!   (what a zero field does: keep, as the tunnel paper; or go high, `sgn(0) = +1`).
//! - [`Couplings`]: a symmetric `W` seen through the operations the dynamics need, with
//!   [`Dense`] (nalgebra, `f64` or `f32`) and [`Sparse`] (CSR) implementations and an explicit
//!   [`DiagonalPolicy`] (zero, or self-couplings `≥ 0`). Problems bring their own structured
//!   implementations.
//! - [`Network`]: couplings, biases (`b = s − θ`: external input minus threshold) and an
//!   encoding; local fields `I = W s + b`, energy `E = −½ sᵀWs − bᵀs` and the exact energy
//!   change of a flip, self-coupling included.
//! - [`Dynamics`]: asynchronous ([`Schedule::RandomNeuron`], [`Schedule::RandomSweep`],
//!   [`Schedule::FixedOrder`]) and [`Schedule::Synchronous`] updates with every local field
//!   kept current incrementally, ending in a [`Termination`] (fixed point, two-cycle, step
//!   limit, stopped by an [`Observer`]).
//! - [`LowRank`]: Hebbian and projection couplings kept in pattern space (`O(N M)`).
//! - [`batch`]: [`BatchPlan`], many states against one network with matrix products, ending
//!   exactly where [`Dynamics`] ends each of them.
//! - [`convert`]: the exact map between a ±1 network and its 0/1 equivalent.
//! - [`io`]: a versioned JSON file format with validation on load.
//! - [`lean`]: compact states ([`lean::BitState`]) and fields stored at the width the
//!   couplings need, with [`lean::LeanDynamics`] and the [`lean::FlipDynamics`] operations
//!   both dynamics share.
//! - [`rng`]: the one named generator, [`HopfieldRng`], and per-trial [`derive_seed`].
//!
//! # Should I use this crate?
//! Use it directly to run a network whose weights you already have, or to implement a new
//! learning rule, problem encoding or search operator. To store and recall patterns, start from
//! `hopfield-memory`; to solve TSP, N-Queens or transportation problems, from `hopfield-opt`.
//!
//! # Example
//! Store two patterns with the Hebbian rule, corrupt one and recall it asynchronously:
//! ```
//! use hopfield_core::{rng_from_seed, Dense, Dynamics, Encoding, Network, NoObserver,
//!     RunConfig, Schedule, State, Termination, TieRule};
//! use nalgebra::DMatrix;
//!
//! let patterns = [
//!     [1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0],
//!     [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0],
//! ];
//! let w = DMatrix::from_fn(8, 8, |i, j| patterns.iter().map(|p| p[i] * p[j]).sum());
//! let net = Network::new(Dense::with_zero_diagonal(w)?, Encoding::Bipolar);
//!
//! let mut probe = State::new(Encoding::Bipolar, patterns[0].to_vec())?;
//! probe.flip(3);
//! let mut rng = rng_from_seed(1);
//! let mut dynamics = Dynamics::new(&net, probe, TieRule::Keep)?;
//! let report = dynamics.run(
//!     &RunConfig { schedule: Schedule::RandomNeuron, max_steps: 10_000 },
//!     &mut rng,
//!     &mut NoObserver,
//! );
//! assert_eq!(report.termination, Termination::FixedPoint);
//! assert_eq!(dynamics.state().as_slice(), &patterns[0]);
//! assert_eq!(report.energy, net.energy(dynamics.state())?);
//! # Ok::<(), hopfield_core::CoreError>(())
//! ```
//!
//! # Themes
//! - **Randomness.** Every randomized routine takes `&mut R` with `R: rand::Rng + ?Sized`.
//!   Nothing seeds itself; use [`rng_from_seed`] and [`derive_seed`].
//! - **Errors.** User data is checked where it enters ([`State::new`], [`Dense::new`],
//!   [`Sparse::from_csr`], [`Network::with_bias`], [`Network::from_json`]) and problems come
//!   back as a [`CoreError`] naming what is wrong. Methods taking a neuron index directly on a
//!   hot path ([`Dynamics::flip`], [`Dynamics::update`]) panic on an out-of-range index, as
//!   slice indexing does; their `try_` forms check.
//! - **Precision.** Fields and energies are `f64` and kept incrementally; after very long runs
//!   with non-integer weights call [`Dynamics::recompute`] to drop accumulated rounding.
//!   A zero field is tested exactly (`== 0.0`), so ties are exact for integer weights.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod batch;
mod couplings;
mod dynamics;
mod error;
mod network;
mod state;

pub mod convert;
pub mod io;
pub mod lean;
pub mod rng;

pub use batch::{BatchForm, BatchPlan, BatchView, Executor, Precision, Sequential};
pub use couplings::{
    Couplings, Dense, DiagonalPolicy, LowRank, Rescale, SYMMETRY_TOLERANCE, Sparse, SparseBuilder,
    Weight,
};
pub use dynamics::{
    Dynamics, EnergyTrace, FnObserver, NoObserver, Observer, RunConfig, RunReport, Schedule,
    StepEvent, Termination, relax,
};
pub use error::{CoreError, Result};
pub use network::Network;
pub use rng::{HopfieldRng, derive_seed, rng_from_seed};
pub use state::{Encoding, State, TieRule};

/// `nalgebra`, re-exported so users build matrices with the version this crate uses.
pub use nalgebra;
/// `rand`, re-exported so users name the same `Rng` traits this crate takes.
pub use rand;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
