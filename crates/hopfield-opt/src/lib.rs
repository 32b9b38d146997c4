//! Combinatorial optimization with discrete Hopfield networks (Matsumoto, Tanaka,
//! Kurihara & Okuhara 2004, the tunnel-effect method; Hopfield & Tank 1985).
//!
//! # Contents
//! - [`problem`]: the [`Problem`](problem::Problem) trait — the neuron array's
//!   [`Shape`](problem::Shape), a 0/1 network with structured couplings, decoding, objective and
//!   feasibility — and [`dense_from_penalty`](problem::dense_from_penalty), which rebuilds the
//!   dense `(W, b)` from a penalty function alone (the tests' reference) — and
//!   [`LeanProblem`](problem::LeanProblem), the same problem on a lean network (a bit per
//!   neuron, compact fields): N-Queens with counters, and integer QUBOs, TSP with integer
//!   distances and transportation with integer costs on `i32` fields.
//! - Encoders, each with couplings computed from the problem's structure so a flip costs
//!   `O(n)`, never a row of an `n² × n²` matrix: [`tsp`] (Hopfield–Tank penalty form on the
//!   city × position array), [`queens`] (N-Queens, n ≥ 4) and [`transport`] (Hitchcock
//!   transportation, unary count or one-hot encoding; the paper's two experiments built in;
//!   a TOML format for instances in [`transport::file`]).
//! - [`search`]: the time step (one uniformly random neuron update with ties kept, then the
//!   operator's turn), the [`SearchOperator`](search::SearchOperator) trait, and seeded
//!   parallel [`trials`](search::trials) (one derived seed per trial, identical for any
//!   thread count).
//! - [`operators`]: every search operator, one module family — the conventional network
//!   ([`Conventional`](operators::Conventional)), the tunnel operator T
//!   ([`Tunnel`](operators::Tunnel): τ candidates, ρ slice permutations of λ slices per
//!   dimension, literal or per-dimension variant), and our move operators beyond the paper
//!   (2-opt / Or-opt tour moves, transportation cycle moves, conflict-guided N-Queens
//!   exchanges under annealing, threshold or descent acceptance with elitist restarts),
//!   selectable by name ([`OperatorSpec`](operators::OperatorSpec)). All are scored by
//!   incremental energy deltas.
//! - [`qubo`]: QUBO and Ising models (sparse quadratic terms, linear terms, exact 0/1 ↔ ±1
//!   conversion, an objective sense), Max-Cut, and the G-set and qbsolv `.qubo` formats.
//! - [`tsplib`]: TSPLIB instances and tours, validated, with the paper's raw Euclidean
//!   convention and TSPLIB's official GEO, EUC_2D, CEIL_2D, ATT and EXPLICIT rules.
//! - [`exact`]: exact references — Held–Karp for TSP (n ≤ 22) and the transportation optimum by
//!   linear programming (good_lp, pure-Rust microlp).
//!
//! # Example
//! ```
//! use hopfield_opt::exact::held_karp;
//! use hopfield_opt::operators::{Tunnel, TunnelConfig};
//! use hopfield_opt::search::SearchConfig;
//! use hopfield_opt::search::trials::{TrialPlan, run_trials};
//! use hopfield_opt::tsp::Tsp;
//! use hopfield_opt::problem::Problem;
//! use hopfield_opt::hopfield_core::nalgebra::DMatrix;
//!
//! // Six cities on a 3 × 2 grid.
//! let xy = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (0.0, 1.0)];
//! let d = DMatrix::from_fn(6, 6, |i, j| {
//!     let (a, b): ((f64, f64), (f64, f64)) = (xy[i], xy[j]);
//!     ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
//! });
//! let (optimum, _) = held_karp(&d)?;
//! let tsp = Tsp::new(d)?;
//! let tunnel = Tunnel::new(TunnelConfig::per_dimension(2), tsp.shape())?;
//! let results = run_trials(&tsp, &tunnel, &SearchConfig::new(400), &TrialPlan::new(20, 7))?;
//! let best = results.iter().filter_map(|r| r.objective).fold(f64::INFINITY, f64::min);
//! assert!(best >= optimum - 1e-9);
//! # Ok::<(), hopfield_opt::OptError>(())
//! ```
//!
//! # Themes
//! Every randomized routine takes an explicit RNG or seed; trials derive one seed per trial.
//! A search that ends infeasible or undecodable is an outcome reported in its result; bad
//! parameters and malformed files are [`OptError`] values naming what is wrong.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod error;
pub mod exact;
pub mod operators;
pub mod problem;
pub mod qubo;
pub mod queens;
pub mod search;
pub mod transport;
pub mod tsp;
pub mod tsplib;

pub use error::{OptError, Result};
pub use hopfield_core;
