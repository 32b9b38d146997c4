//! Associative memory on discrete Hopfield networks (seeds 000, 001 and 003).
//!
//! # Contents
//! - [`Patterns`]: `M` bipolar patterns of `N` components, checked on construction; seeded
//!   random sets ([`Patterns::random`], [`Patterns::random_biased`]).
//! - [`rules`]: one [`LearningRule`](rules::LearningRule) trait and a type per rule, each with
//!   checked parameters: [`Hebbian`](rules::Hebbian) and its 0/1 form of Hopfield 1982
//!   ([`HebbianBinary`](rules::HebbianBinary)), [`Projection`](rules::Projection) (Personnaz
//!   pseudo-inverse, with the incremental Greville form), [`Storkey`](rules::Storkey), the
//!   Liang–Wu–Yu [`FastRule`](rules::FastRule), their max-min linear program
//!   [`MaxMinLp`](rules::MaxMinLp) (the exact symmetric program at realistic sizes with a
//!   certified gap, [`MaxMinReport`](rules::MaxMinReport); or row-decoupled; the generic good_lp
//!   formulation as a reference) and
//!   [`ConstrainedPerceptron`](rules::ConstrainedPerceptron), and
//!   [`KrauthMezard`](rules::KrauthMezard) and [`Gardner`](rules::Gardner).
//! - [`analysis`]: stabilities `γ_i^u`, attraction-radius bounds `F_i^u`, `F^u` and
//!   Fmax/Fmin/Fave (Liang–Wu–Yu Theorem 2), fundamental-constraint violations.
//! - [`recall`]: empirical recall from noise, in batches through hopfield-core's batched
//!   engine (matrix products; Hebbian and projection networks in pattern space with
//!   `learn_low_rank`), parallel over batches and independent of the thread count, with the
//!   same results as the plain dynamics probe by probe; diagnostics (stored pattern, negation,
//!   mixture, spurious; fixed point, two-cycle or step limit) in `O(M N)` per probe; capacity
//!   sweeps. Measured speed: `BENCHMARKS.md`.
//! - [`image`]: patterns from PNG/JPEG images (grayscale, Otsu or fixed threshold, resize) and
//!   back; the recall panel (stored | noisy | recalled).
//! - [`glyphs`]: the papers' pattern sets drawn from bitmap fonts: 己 已 巳 (Unifont) and the
//!   letters A–H (font8x8 or Unifont), on a grid of any size.
//! - [`experiments`]: Liang, Wu & Yu's experiments L1 and L2, and the comparison of the four designs
//!   on random patterns, as functions.
//! - [`theory`]: the capacity results simulations are compared with — the Hebbian
//!   retrieval overlap `m(α)` and critical load `α_c ≈ 0.138` (Amit, Gutfreund & Sompolinsky
//!   1985) and Gardner's optimal storage capacity `α_c(κ)` (Gardner 1988).
//! - [`capacity`]: the simulations compared with them — Hebbian retrieval overlaps from the
//!   stored patterns at `N` up to 10 000, the row-wise perceptron of optimal stability with a
//!   certified bracket, fixed-point fractions of any rule, and measured critical loads.
//!
//! # Example
//! ```
//! use hopfield_memory::Patterns;
//! use hopfield_memory::analysis::analyze;
//! use hopfield_memory::rules::{FastRule, LearningRule};
//! use hopfield_memory::hopfield_core::{rng_from_seed, TieRule};
//!
//! let patterns = Patterns::random(64, 6, &mut rng_from_seed(1))?;
//! let net = FastRule.learn(&patterns)?;
//! let report = analyze(&net, &patterns, TieRule::High)?;
//! assert_eq!(report.stored_count(), 6); // the fast rule stores any set
//! # Ok::<(), hopfield_memory::MemoryError>(())
//! ```
//!
//! Run `cargo run --example recall_images -p hopfield-memory -- [IMAGES…]` to store images,
//! corrupt them, recall them and write the panel.
//!
//! # Features
//! | feature | default | what |
//! |---|---|---|
//! | `microlp` | yes | good_lp's pure-Rust simplex: the generic reference formulation of the max-min LP ([`LpBackend::Microlp`](rules::LpBackend::Microlp)) |
//! | `clarabel` | no | good_lp's pure-Rust interior-point solver for the generic formulation (`LpBackend::Clarabel`) |
//!
//! # Themes
//! Randomized routines take an RNG or a `u64` seed; parallel probes derive one seed each with
//! [`derive_seed`](hopfield_core::derive_seed). Errors are [`MemoryError`] values; an LP that is
//! infeasible or unbounded, or a perceptron that does not converge, says so.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod analysis;
pub mod capacity;
mod error;
pub mod experiments;
pub mod glyphs;
pub mod image;
mod patterns;
pub mod recall;
pub mod rules;
pub mod theory;

pub use error::{MemoryError, Result};
pub use hopfield_core;
pub use patterns::Patterns;
