//! The tunnel operator T of Matsumoto, Tanaka, Kurihara & Okuhara (2004), with every reading
//! of it the paper's text leaves open.
//!
//! # Definition (eqs. 4–20 of the paper)
//! The neuron array has `δ` dimensions `ν_1..ν_δ`. One *operation* along dimension `d` picks
//! `λ` distinct sets `U` (eqs. 13–15) and gives each the old contents of another selected set:
//! a uniformly random derangement (eq. 16), a swap for `λ = 2`. A candidate applies `ρ_d`
//! operations along each `d` in turn (eq. 19); `τ − 1` independent candidates compete with the
//! current state (eqs. 5–8), and the least energy wins (eq. 9).
//!
//! # Readings
//! The text fixes the outline above but not its details. Each open point is a field of
//! [`TunnelConfig`]; [`TunnelConfig::paper`] is the reading the workspace used first (every
//! choice listed first below):
//!
//! | open point | field | options |
//! |---|---|---|
//! | ties in eq. 8 ("the least energy") | [`ties`](TunnelConfig::ties) | [`TieBreak::Keep`], [`Take`](TieBreak::Take), [`Random`](TieBreak::Random) |
//! | when T is tried ("at every time t, together with the neuron update") | [`trigger`](TunnelConfig::trigger), [`order`](TunnelConfig::order) | every step, only at a fixed point, only after an update that changed nothing; after or before the update |
//! | how a candidate is composed (eqs. 19–20) | [`variant`](TunnelConfig::variant) | all dimensions, one attempt per dimension, one random dimension |
//! | `λ` (never given) | [`lambda`](TunnelConfig::lambda), [`lambda_rule`](TunnelConfig::lambda_rule) | a fixed number, or every set of the dimension (`ν_d`) |
//! | what a set `U` is (eqs. 10–11) | [`sets`](TunnelConfig::sets) | slices of the array, or the neurons inside one slice |
//! | what counts as a tunnel transition | [`counting`](TunnelConfig::counting) | the state changed, a candidate was taken, every attempt |
//!
//! [`Tunnel::counts`] keeps every count at once ([`TunnelCounts`]), so one run serves all three
//! counting readings; [`OperatorStats::transitions`] reports the configured one.
//!
//! # When T is tried before the neuron update
//! The time step ([`crate::search`]) gives the operator its turn *after* each neuron update.
//! "T before the update of step `t`" is the turn after the update of step `t − 1`, except at
//! the two ends: the sequence `T U T U … T U` equals one turn on the initial state
//! ([`SearchOperator::begin`]) followed by the usual `U T U T … U` with the turn after the last
//! update skipped. [`Order::BeforeUpdate`] does exactly that (it needs the `begin` call, which
//! [`crate::search`] makes), so its random stream and trajectory are those of the
//! before-update loop.
//!
//! # Cost
//! With [`Evaluation::Incremental`] the operations are applied to the live [`Dynamics`] with
//! [`Dynamics::flip`] (only neurons whose value changes are flipped), the flip deltas summed,
//! and the flips undone unless the candidate wins: `O(m · column)` per candidate, `m` the
//! number of changed neurons. [`Evaluation::Recompute`] builds the candidate on a copy and
//! scores it with one `W s` product ([`Couplings::mul_into`]); it is faster when candidates
//! change many neurons of a network whose product is cheap (the transportation array, or
//! `λ = ν_d`). Both give the same trajectory when energies are exact (integer weights).
//!
//! # Limits
//! `τ ≤` [`MAX_TAU`], every `ρ_d ≤` [`MAX_RHO`], and `(τ − 1)·Σ_d ρ_d ≤`
//! [`MAX_OPERATIONS_PER_STEP`], checked (with overflow-safe arithmetic) before anything is
//! allocated or run; `2 ≤ λ ≤` the number of sets along every dimension with `ρ_d > 0`.
//!
//! # Example
//! ```
//! use hopfield_opt::operators::{Tunnel, TunnelConfig, TieBreak, TunnelVariant};
//! use hopfield_opt::problem::Problem;
//! use hopfield_opt::queens::Queens;
//! use hopfield_opt::search::{SearchConfig, search};
//! use hopfield_opt::hopfield_core::rng_from_seed;
//!
//! let queens = Queens::new(8)?;
//! let config = TunnelConfig {
//!     ties: TieBreak::Take,
//!     variant: TunnelVariant::OneDimension,
//!     ..TunnelConfig::paper(2)
//! };
//! let mut tunnel = Tunnel::new(config, queens.shape())?;
//! let out = search(&queens, &mut tunnel, &SearchConfig::new(1280), &mut rng_from_seed(1))?;
//! assert_eq!(out.operator.transitions, tunnel.counts().changed);
//! assert!(tunnel.counts().attempts >= tunnel.counts().changed);
//! // A limit is an error, not a hang.
//! let huge = TunnelConfig { tau: usize::MAX, ..TunnelConfig::paper(2) };
//! assert!(Tunnel::new(huge, queens.shape()).is_err());
//! # Ok::<(), hopfield_opt::OptError>(())
//! ```

use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::{Couplings, Dynamics, State};
use serde::{Deserialize, Serialize};

use crate::problem::Shape;
use crate::search::{OperatorStats, SearchOperator};
use crate::{OptError, Result};

/// The largest `τ` (states compared per attempt, the current one included).
pub const MAX_TAU: usize = 4096;

/// The largest `ρ_d` (operations per dimension and candidate).
pub const MAX_RHO: usize = 4096;

/// The largest number of operations one attempt may draw: `(τ − 1) · Σ_d ρ_d`.
pub const MAX_OPERATIONS_PER_STEP: usize = 1 << 20;

/// How the candidates of the tunnel operator are composed (eqs. 19–20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TunnelVariant {
    /// As written: each candidate applies `ρ_d` operations along every dimension.
    Literal,
    /// One attempt per dimension in turn, each with `τ − 1` candidates made of the `ρ_d`
    /// operations along that dimension only.
    PerDimension,
    /// One attempt per turn along a dimension drawn uniformly among those with `ρ_d > 0`.
    OneDimension,
}

/// Which state eq. 8 picks when the least energy is shared (within
/// [`TunnelConfig::tolerance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// The current state `S'_1` wins ties: a candidate must lower the energy.
    Keep,
    /// A candidate wins a tie with the current state: energy-neutral moves are taken.
    Take,
    /// A uniformly random one of the tied states (the current one included).
    Random,
}

/// At which turns T is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// At every time step.
    EveryStep,
    /// Only when the state is a fixed point of the neuron update (no neuron would change):
    /// T as an escape from a converged network. The check scans the fields, `O(N)` per turn
    /// (it stops at the first neuron that would change).
    FixedPoint,
    /// Only when the step's neuron update changed nothing (the drawn neuron was stable).
    Stalled,
}

/// Whether T's turn comes after or before the neuron update of each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// After the update (the time step's own order).
    AfterUpdate,
    /// Before the update: one turn on the initial state, none after the last update (see the
    /// module docs).
    BeforeUpdate,
}

/// What the sets `U` of eqs. 10–11 are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sets {
    /// The slices of the array along the dimension (rows, columns, planes): an operation
    /// permutes `λ` whole slices.
    Slices,
    /// The neurons inside one slice: an operation picks a slice along the dimension and
    /// permutes the values of `λ` of its neurons among themselves.
    Neurons,
}

/// How `λ` is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LambdaRule {
    /// [`TunnelConfig::lambda`] sets.
    Fixed,
    /// Every set of the dimension (`λ = ν_d` slices, or every neuron of the slice): an
    /// operation is a random derangement of all of them (`O(N)` per operation on slices,
    /// `O(N / ν_d)` on the neurons of one). [`TunnelConfig::lambda`] is unused.
    All,
}

/// What counts as a tunnel transition in [`OperatorStats::transitions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// Attempts that changed the state.
    Changed,
    /// Attempts where a candidate was taken (`η ≠ 1` in eq. 8), even one equal to the
    /// current state.
    Accepted,
    /// Every attempt (every application of T).
    Tried,
}

/// How candidates are scored (both give the same result; see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evaluation {
    /// Flip the changed neurons on the live dynamics and sum the deltas.
    Incremental,
    /// Build the candidate on a copy and compute its energy with one `W s` product.
    Recompute,
}

/// Parameters of the tunnel operator `T`: the paper's `τ`, `ρ`, `λ` and one field per reading.
#[derive(Debug, Clone, PartialEq)]
pub struct TunnelConfig {
    /// `τ ≥ 2`: the number of states compared, the current one included (eq. 20).
    pub tau: usize,
    /// `ρ_d`: operations per dimension (eq. 19), one entry per dimension.
    pub rho: Vec<usize>,
    /// `λ ≥ 2`: sets permuted per operation (eq. 14) under [`LambdaRule::Fixed`].
    pub lambda: usize,
    /// Candidate composition.
    pub variant: TunnelVariant,
    /// Energies within this of each other are equal (absorbs rounding of summed deltas).
    pub tolerance: f64,
    /// How `λ` is fixed.
    pub lambda_rule: LambdaRule,
    /// The tie rule of eq. 8.
    pub ties: TieBreak,
    /// At which turns T is tried.
    pub trigger: Trigger,
    /// Before or after the neuron update.
    pub order: Order,
    /// What a set `U` is.
    pub sets: Sets,
    /// What [`OperatorStats::transitions`] counts.
    pub counting: Counting,
    /// How candidates are scored.
    pub evaluation: Evaluation,
}

impl TunnelConfig {
    /// The first reading for a `ndim`-dimensional array: `τ = 2`, `ρ = [1; ndim]`, `λ = 2`
    /// slices, literal candidates, ties keep the current state, tried at every step after
    /// the update, transitions = changes of state, incremental scoring, tolerance `1e-9`.
    pub fn paper(ndim: usize) -> Self {
        TunnelConfig {
            tau: 2,
            rho: vec![1; ndim],
            lambda: 2,
            variant: TunnelVariant::Literal,
            tolerance: 1e-9,
            lambda_rule: LambdaRule::Fixed,
            ties: TieBreak::Keep,
            trigger: Trigger::EveryStep,
            order: Order::AfterUpdate,
            sets: Sets::Slices,
            counting: Counting::Changed,
            evaluation: Evaluation::Incremental,
        }
    }

    /// The same with per-dimension attempts.
    pub fn per_dimension(ndim: usize) -> Self {
        TunnelConfig {
            variant: TunnelVariant::PerDimension,
            ..Self::paper(ndim)
        }
    }
}

/// Every count of one run of the operator (since [`SearchOperator::begin`] or construction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelCounts {
    /// Turns at which T was tried (the trigger held).
    pub turns: u64,
    /// Attempts: competitions of `τ − 1` candidates with the current state (one per turn, or
    /// one per dimension with [`TunnelVariant::PerDimension`]).
    pub attempts: u64,
    /// Attempts where a candidate was taken.
    pub accepted: u64,
    /// Attempts that changed the state.
    pub changed: u64,
    /// Attempts that lowered the energy (by more than the tolerance).
    pub improved: u64,
}

/// Something operations can be applied to: the live dynamics or a scratch state.
trait Target {
    fn high(&self, i: usize) -> bool;
    /// Flips neuron `i`; returns the energy change when known (0 otherwise).
    fn toggle(&mut self, i: usize) -> f64;
}

impl<C: Couplings> Target for Dynamics<'_, C> {
    #[inline]
    fn high(&self, i: usize) -> bool {
        self.state().is_high(i)
    }
    #[inline]
    fn toggle(&mut self, i: usize) -> f64 {
        self.flip(i)
    }
}

impl Target for State {
    #[inline]
    fn high(&self, i: usize) -> bool {
        self.is_high(i)
    }
    #[inline]
    fn toggle(&mut self, i: usize) -> f64 {
        self.flip(i);
        0.0
    }
}

/// What one attempt did.
#[derive(Debug, Clone, Copy, Default)]
struct Attempt {
    accepted: bool,
    changed: bool,
    improved: bool,
}

/// The tunnel operator `T` (see the module docs).
#[derive(Debug, Clone)]
pub struct Tunnel {
    config: TunnelConfig,
    counts: TunnelCounts,
    /// Steps of the run (from `begin`) and turns seen, for [`Order::BeforeUpdate`].
    t_max: Option<u64>,
    seen: u64,
    /// The energy after the previous turn, for [`Trigger::Stalled`].
    last_energy: Option<f64>,
    flips: Vec<usize>,
    best_flips: Vec<usize>,
    selected: Vec<usize>,
    perm: Vec<usize>,
    old: Vec<bool>,
    pool: Vec<usize>,
    parity: Vec<usize>,
    eligible: Vec<usize>,
    candidate: Option<State>,
    best_state: Option<State>,
    product: Vec<f64>,
}

impl Tunnel {
    /// A tunnel operator; its parameters are checked against `shape` (see
    /// [`SearchOperator::check`] and the module's limits).
    pub fn new(config: TunnelConfig, shape: &Shape) -> Result<Self> {
        let t = Tunnel {
            config,
            counts: TunnelCounts::default(),
            t_max: None,
            seen: 0,
            last_energy: None,
            flips: Vec::new(),
            best_flips: Vec::new(),
            selected: Vec::new(),
            perm: Vec::new(),
            old: Vec::new(),
            pool: Vec::new(),
            parity: Vec::new(),
            eligible: Vec::new(),
            candidate: None,
            best_state: None,
            product: Vec::new(),
        };
        t.check(shape)?;
        Ok(t)
    }

    /// The parameters.
    pub fn config(&self) -> &TunnelConfig {
        &self.config
    }

    /// Every count since the last [`SearchOperator::begin`] (or construction).
    pub fn counts(&self) -> TunnelCounts {
        self.counts
    }

    /// The number of sets one operation along `dim` chooses from: `ν_d` slices, or the
    /// `N / ν_d` neurons of a slice.
    fn n_sets(&self, shape: &Shape, dim: usize) -> usize {
        match self.config.sets {
            Sets::Slices => shape.dims()[dim],
            Sets::Neurons => shape.len() / shape.dims()[dim],
        }
    }

    /// `λ` along `dim`.
    fn lambda_for(&self, shape: &Shape, dim: usize) -> usize {
        match self.config.lambda_rule {
            LambdaRule::Fixed => self.config.lambda,
            LambdaRule::All => self.n_sets(shape, dim),
        }
    }

    /// Picks `lambda` distinct sets among `n` and a random derangement of them, into
    /// `self.selected` and `self.perm` (`perm[α]` = the selected set whose old contents set
    /// `α` receives).
    fn draw_operation<R: Rng + ?Sized>(&mut self, n: usize, lambda: usize, rng: &mut R) {
        self.selected.clear();
        if lambda == 2 {
            let a = rng.random_range(0..n);
            let mut b = rng.random_range(0..n - 1);
            if b >= a {
                b += 1;
            }
            self.selected.extend([a, b]);
            self.perm.clear();
            self.perm.extend([1, 0]);
            return;
        }
        if lambda == n {
            self.selected.extend(0..n);
        } else if lambda <= 8 {
            while self.selected.len() < lambda {
                let v = rng.random_range(0..n);
                if !self.selected.contains(&v) {
                    self.selected.push(v);
                }
            }
        } else {
            // Partial Fisher–Yates: O(n) setup, O(λ) draws.
            self.pool.clear();
            self.pool.extend(0..n);
            for k in 0..lambda {
                let j = rng.random_range(k..n);
                self.pool.swap(k, j);
            }
            self.selected.extend_from_slice(&self.pool[..lambda]);
        }
        // Uniform derangement by rejection: a uniform permutation is a derangement with
        // probability ≈ 1/e.
        loop {
            self.perm.clear();
            self.perm.extend(0..lambda);
            for i in (1..lambda).rev() {
                let j = rng.random_range(0..=i);
                self.perm.swap(i, j);
            }
            if self.perm.iter().enumerate().all(|(a, &b)| a != b) {
                break;
            }
        }
    }

    /// Applies the drawn slice permutation along `dim` to `target`, recording flips; returns
    /// the summed flip deltas.
    fn apply_slices<T: Target>(&mut self, target: &mut T, shape: &Shape, dim: usize) -> f64 {
        let stride = shape.strides()[dim];
        let mut de = 0.0;
        let Tunnel {
            flips,
            selected,
            perm,
            old,
            ..
        } = self;
        if selected.len() == 2 && perm[0] == 1 {
            let off_a = selected[0] * stride;
            let off_b = selected[1] * stride;
            shape.for_each_in_slice(dim, 0, |_, i0| {
                let (ia, ib) = (i0 + off_a, i0 + off_b);
                if target.high(ia) != target.high(ib) {
                    de += target.toggle(ia);
                    de += target.toggle(ib);
                    flips.extend([ia, ib]);
                }
            });
        } else {
            shape.for_each_in_slice(dim, 0, |_, i0| {
                old.clear();
                old.extend(selected.iter().map(|&v| target.high(i0 + v * stride)));
                for (alpha, &v) in selected.iter().enumerate() {
                    let i = i0 + v * stride;
                    if old[perm[alpha]] != old[alpha] {
                        de += target.toggle(i);
                        flips.push(i);
                    }
                }
            });
        }
        de
    }

    /// Applies the drawn permutation of neurons inside slice `value` along `dim`.
    fn apply_neurons<T: Target>(
        &mut self,
        target: &mut T,
        shape: &Shape,
        dim: usize,
        value: usize,
    ) -> f64 {
        let stride = shape.strides()[dim];
        let block = stride * shape.dims()[dim];
        // The o-th neuron of the slice (the order of `Shape::for_each_in_slice`).
        let index = |o: usize| (o / stride) * block + value * stride + o % stride;
        let Tunnel {
            flips,
            selected,
            perm,
            old,
            ..
        } = self;
        old.clear();
        old.extend(selected.iter().map(|&o| target.high(index(o))));
        let mut de = 0.0;
        for (alpha, &o) in selected.iter().enumerate() {
            if old[perm[alpha]] != old[alpha] {
                let i = index(o);
                de += target.toggle(i);
                flips.push(i);
            }
        }
        de
    }

    /// Builds one candidate on `target`: `ρ_d` operations along each dimension in `dims`.
    /// Returns the summed flip deltas; the flips are in `self.flips`.
    fn apply_candidate<T: Target, R: Rng + ?Sized>(
        &mut self,
        target: &mut T,
        shape: &Shape,
        dims: std::ops::Range<usize>,
        rng: &mut R,
    ) -> f64 {
        self.flips.clear();
        let mut de = 0.0;
        for d in dims {
            let n = self.n_sets(shape, d);
            let lambda = self.lambda_for(shape, d);
            for _ in 0..self.config.rho[d] {
                match self.config.sets {
                    Sets::Slices => {
                        self.draw_operation(n, lambda, rng);
                        de += self.apply_slices(target, shape, d);
                    }
                    Sets::Neurons => {
                        let value = rng.random_range(0..shape.dims()[d]);
                        self.draw_operation(n, lambda, rng);
                        de += self.apply_neurons(target, shape, d, value);
                    }
                }
            }
        }
        de
    }

    /// Whether `flips` leaves some neuron changed (a neuron flipped an even number of times is
    /// back to its value).
    fn net_change(flips: &[usize], scratch: &mut Vec<usize>) -> bool {
        match flips.len() {
            0 => false,
            1 => true,
            _ => {
                scratch.clear();
                scratch.extend_from_slice(flips);
                scratch.sort_unstable();
                scratch
                    .chunk_by(|a, b| a == b)
                    .any(|run| run.len() % 2 == 1)
            }
        }
    }

    /// Decides whether candidate `de` replaces the running winner (eq. 8 with the tie rule).
    /// `best` is the winner's energy change (`None`: the current state, ΔE = 0); `n_tied`
    /// counts the states tied with it so far (reservoir sampling for [`TieBreak::Random`]).
    fn replaces<R: Rng + ?Sized>(
        &self,
        de: f64,
        best: Option<f64>,
        n_tied: &mut u64,
        rng: &mut R,
    ) -> bool {
        let tol = self.config.tolerance;
        let reference = best.unwrap_or(0.0);
        if de < reference - tol {
            *n_tied = 1;
            return true;
        }
        if de > reference + tol {
            return false;
        }
        // A tie with the running winner.
        match self.config.ties {
            TieBreak::Keep => false,
            TieBreak::Take => best.is_none(),
            TieBreak::Random => {
                *n_tied += 1;
                rng.random_range(0..*n_tied) == 0
            }
        }
    }

    /// One attempt with incremental scoring: `τ − 1` candidates over `dims`; moves to the
    /// winner of eq. 8.
    fn compete_incremental<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        dims: std::ops::Range<usize>,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) -> Attempt {
        let candidates = self.config.tau - 1;
        let mut best: Option<f64> = None;
        let mut n_tied = 1u64;
        let mut applied = false;
        for k in 0..candidates {
            let de = self.apply_candidate(dynamics, shape, dims.clone(), rng);
            stats.energy_evaluations += 1;
            stats.flips += self.flips.len() as u64;
            let wins = self.replaces(de, best, &mut n_tied, rng);
            if wins {
                best = Some(de);
            }
            if wins && k + 1 == candidates {
                applied = true;
                break;
            }
            for &i in self.flips.iter().rev() {
                dynamics.flip(i);
            }
            stats.flips += self.flips.len() as u64;
            if wins {
                std::mem::swap(&mut self.flips, &mut self.best_flips);
            }
        }
        let Some(de) = best else {
            return Attempt::default();
        };
        if !applied {
            for &i in &self.best_flips {
                dynamics.flip(i);
            }
            stats.flips += self.best_flips.len() as u64;
            std::mem::swap(&mut self.flips, &mut self.best_flips);
        }
        Attempt {
            accepted: true,
            changed: Self::net_change(&self.flips, &mut self.parity),
            improved: de < -self.config.tolerance,
        }
    }

    /// The energy of `state` from scratch: `E = −Σ s_i (½ (W s)_i + b_i)`, one product.
    fn energy_of<C: Couplings>(
        dynamics: &Dynamics<'_, C>,
        state: &State,
        product: &mut Vec<f64>,
    ) -> f64 {
        let net = dynamics.network();
        product.resize(state.len(), 0.0);
        net.couplings().mul_into(state.as_slice(), product);
        -state
            .as_slice()
            .iter()
            .zip(product.iter())
            .zip(net.bias())
            .map(|((s, p), b)| s * (0.5 * p + b))
            .sum::<f64>()
    }

    /// One attempt with candidates scored from scratch ([`Evaluation::Recompute`]).
    fn compete_recompute<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        dims: std::ops::Range<usize>,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) -> Attempt {
        let candidates = self.config.tau - 1;
        let current = dynamics.energy();
        let mut best: Option<f64> = None;
        let mut n_tied = 1u64;
        for _ in 0..candidates {
            let mut cand = match self.candidate.take() {
                Some(mut s) => {
                    s.clone_from(dynamics.state());
                    s
                }
                None => dynamics.state().clone(),
            };
            self.apply_candidate(&mut cand, shape, dims.clone(), rng);
            // A candidate no neuron differs in is the current state: ΔE = 0 exactly.
            let de = if self.flips.is_empty() {
                0.0
            } else {
                Self::energy_of(dynamics, &cand, &mut self.product) - current
            };
            stats.energy_evaluations += 1;
            stats.flips += self.flips.len() as u64;
            if self.replaces(de, best, &mut n_tied, rng) {
                best = Some(de);
                self.candidate = self.best_state.replace(cand);
                std::mem::swap(&mut self.flips, &mut self.best_flips);
            } else {
                self.candidate = Some(cand);
            }
        }
        let (Some(de), Some(state)) = (best, self.best_state.take()) else {
            return Attempt::default();
        };
        std::mem::swap(&mut self.flips, &mut self.best_flips);
        let changed = Self::net_change(&self.flips, &mut self.parity);
        if changed {
            if dynamics.reset(state).is_err() {
                // Unreachable: the candidate is a copy of the dynamics' own state.
                return Attempt::default();
            }
        } else {
            self.candidate = Some(state);
        }
        Attempt {
            accepted: true,
            changed,
            improved: de < -self.config.tolerance,
        }
    }

    fn compete<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        dims: std::ops::Range<usize>,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        let attempt = match self.config.evaluation {
            Evaluation::Incremental => self.compete_incremental(dynamics, shape, dims, rng, stats),
            Evaluation::Recompute => self.compete_recompute(dynamics, shape, dims, rng, stats),
        };
        let c = &mut self.counts;
        c.attempts += 1;
        c.accepted += u64::from(attempt.accepted);
        c.changed += u64::from(attempt.changed);
        c.improved += u64::from(attempt.improved);
        let counted = match self.config.counting {
            Counting::Changed => attempt.changed,
            Counting::Accepted => attempt.accepted,
            Counting::Tried => true,
        };
        stats.transitions += u64::from(counted);
    }

    /// One turn: checks the trigger, then makes the attempts of the variant.
    fn turn<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
        after_update: bool,
    ) {
        let tried = match self.config.trigger {
            Trigger::EveryStep => true,
            Trigger::FixedPoint => dynamics.is_fixed_point(),
            // Under the paper's update rule a flip lowers the energy by |I_i| > 0, so an
            // update changed nothing exactly when the energy is bitwise unchanged.
            Trigger::Stalled => {
                after_update && self.last_energy.is_some_and(|e| e == dynamics.energy())
            }
        };
        if tried {
            self.counts.turns += 1;
            match self.config.variant {
                TunnelVariant::Literal => {
                    self.compete(dynamics, shape, 0..shape.ndim(), rng, stats)
                }
                TunnelVariant::PerDimension => {
                    for d in 0..shape.ndim() {
                        if self.config.rho[d] > 0 {
                            self.compete(dynamics, shape, d..d + 1, rng, stats);
                        }
                    }
                }
                TunnelVariant::OneDimension => {
                    self.eligible.clear();
                    self.eligible
                        .extend((0..shape.ndim()).filter(|&d| self.config.rho[d] > 0));
                    if !self.eligible.is_empty() {
                        let d = self.eligible[rng.random_range(0..self.eligible.len())];
                        self.compete(dynamics, shape, d..d + 1, rng, stats);
                    }
                }
            }
        }
        self.last_energy = Some(dynamics.energy());
    }
}

fn invalid(name: &'static str, reason: String) -> OptError {
    OptError::InvalidParameter { name, reason }
}

impl SearchOperator for Tunnel {
    fn name(&self) -> &'static str {
        match self.config.variant {
            TunnelVariant::Literal => "tunnel",
            TunnelVariant::PerDimension => "tunnel-per-dimension",
            TunnelVariant::OneDimension => "tunnel-one-dimension",
        }
    }

    fn check(&self, shape: &Shape) -> Result<()> {
        let c = &self.config;
        if c.tau < 2 || c.tau > MAX_TAU {
            return Err(invalid(
                "tau",
                format!("must be in 2..={MAX_TAU} (MAX_TAU), got {}", c.tau),
            ));
        }
        if c.rho.len() != shape.ndim() {
            return Err(invalid(
                "rho",
                format!(
                    "needs one entry per dimension ({}), got {}",
                    shape.ndim(),
                    c.rho.len()
                ),
            ));
        }
        if let Some((d, &r)) = c.rho.iter().enumerate().find(|(_, r)| **r > MAX_RHO) {
            return Err(invalid(
                "rho",
                format!("rho[{d}] = {r} exceeds MAX_RHO = {MAX_RHO}"),
            ));
        }
        let operations = c
            .rho
            .iter()
            .try_fold(0usize, |acc, &r| acc.checked_add(r))
            .and_then(|sum| sum.checked_mul(c.tau - 1));
        match operations {
            Some(ops) if ops <= MAX_OPERATIONS_PER_STEP => {}
            _ => {
                return Err(invalid(
                    "rho",
                    format!(
                        "(tau - 1) * sum(rho) = ({} - 1) * {:?} exceeds \
                         MAX_OPERATIONS_PER_STEP = {MAX_OPERATIONS_PER_STEP}",
                        c.tau, c.rho
                    ),
                ));
            }
        }
        if c.lambda_rule == LambdaRule::Fixed && c.lambda < 2 {
            return Err(invalid("lambda", format!("must be >= 2, got {}", c.lambda)));
        }
        for (d, &rho) in c.rho.iter().enumerate() {
            let n = self.n_sets(shape, d);
            let lambda = self.lambda_for(shape, d);
            if rho > 0 && (lambda > n || lambda < 2) {
                return Err(invalid(
                    "lambda",
                    format!(
                        "{lambda} sets cannot be permuted along dimension {d}, which has {n} \
                         (need 2 <= lambda <= {n})"
                    ),
                ));
            }
        }
        if !(c.tolerance.is_finite() && c.tolerance >= 0.0) {
            return Err(invalid(
                "tolerance",
                format!("must be finite and >= 0, got {}", c.tolerance),
            ));
        }
        Ok(())
    }

    fn begin<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        t_max: u64,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        self.counts = TunnelCounts::default();
        self.t_max = Some(t_max);
        self.seen = 0;
        self.last_energy = Some(dynamics.energy());
        if self.config.order == Order::BeforeUpdate && t_max > 0 {
            self.turn(dynamics, shape, rng, stats, false);
        }
    }

    fn step<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        self.seen += 1;
        if self.config.order == Order::BeforeUpdate && self.t_max == Some(self.seen) {
            // The turn after the last update: the before-update loop has none.
            return;
        }
        self.turn(dynamics, shape, rng, stats, true);
    }
}

/// Applies one slice permutation of the tunnel operator to a live [`Dynamics`]: slice
/// `slices[α]` along `dim` receives the old contents of slice `slices[perm[α]]`; returns the
/// energy change (the sum of the flip deltas). Only neurons whose value changes are flipped:
/// `O(m · column)` for `m` changed neurons.
///
/// Errors if `dim` is out of range, `slices` holds an out-of-range or repeated slice, or
/// `perm` is not a permutation of `0..slices.len()`.
pub fn permute_slices<C: Couplings>(
    dynamics: &mut Dynamics<'_, C>,
    shape: &Shape,
    dim: usize,
    slices: &[usize],
    perm: &[usize],
) -> Result<f64> {
    let bad = |reason: String| invalid("slice permutation", reason);
    if dynamics.state().len() != shape.len() {
        return Err(bad(format!(
            "state has {} neurons, shape {}",
            dynamics.state().len(),
            shape.len()
        )));
    }
    let nu = *shape
        .dims()
        .get(dim)
        .ok_or_else(|| bad(format!("dimension {dim} out of range")))?;
    let mut seen = vec![false; nu];
    for &v in slices {
        if v >= nu || std::mem::replace(&mut seen[v], true) {
            return Err(bad(format!("slice {v} out of range or repeated")));
        }
    }
    let mut used = vec![false; slices.len()];
    if perm.len() != slices.len()
        || perm
            .iter()
            .any(|&b| b >= slices.len() || std::mem::replace(&mut used[b], true))
    {
        return Err(bad(format!(
            "{perm:?} is not a permutation of 0..{}",
            slices.len()
        )));
    }
    let mut t = Tunnel {
        config: TunnelConfig::paper(shape.ndim()),
        counts: TunnelCounts::default(),
        t_max: None,
        seen: 0,
        last_energy: None,
        flips: Vec::new(),
        best_flips: Vec::new(),
        selected: slices.to_vec(),
        perm: perm.to_vec(),
        old: Vec::new(),
        pool: Vec::new(),
        parity: Vec::new(),
        eligible: Vec::new(),
        candidate: None,
        best_state: None,
        product: Vec::new(),
    };
    Ok(t.apply_slices(dynamics, shape, dim))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    #[test]
    fn derangements_move_every_set() {
        let shape = Shape::new(vec![6, 6]).unwrap();
        let mut cfg = TunnelConfig::paper(2);
        cfg.lambda = 4;
        let mut t = Tunnel::new(cfg, &shape).unwrap();
        let mut rng = rng_from_seed(3);
        for (n, lambda) in [(6, 4), (6, 6), (40, 12), (40, 40)] {
            for _ in 0..100 {
                t.draw_operation(n, lambda, &mut rng);
                let mut s = t.selected.clone();
                s.sort_unstable();
                s.dedup();
                assert_eq!(s.len(), lambda);
                assert!(s.iter().all(|&v| v < n));
                assert!(t.perm.iter().enumerate().all(|(a, &b)| a != b));
            }
        }
    }

    #[test]
    fn all_sets_means_every_slice_or_every_neuron_of_a_slice() {
        let shape = Shape::new(vec![3, 5, 4]).unwrap();
        let cfg = TunnelConfig {
            lambda_rule: LambdaRule::All,
            ..TunnelConfig::paper(3)
        };
        let t = Tunnel::new(cfg.clone(), &shape).unwrap();
        assert_eq!(
            (0..3).map(|d| t.lambda_for(&shape, d)).collect::<Vec<_>>(),
            [3, 5, 4]
        );
        let t = Tunnel::new(
            TunnelConfig {
                sets: Sets::Neurons,
                ..cfg
            },
            &shape,
        )
        .unwrap();
        assert_eq!(
            (0..3).map(|d| t.lambda_for(&shape, d)).collect::<Vec<_>>(),
            [20, 12, 15]
        );
    }

    #[test]
    fn net_change_counts_parity() {
        let mut scratch = Vec::new();
        assert!(!Tunnel::net_change(&[], &mut scratch));
        assert!(Tunnel::net_change(&[4], &mut scratch));
        assert!(!Tunnel::net_change(&[4, 2, 4, 2], &mut scratch));
        assert!(Tunnel::net_change(&[4, 2, 4, 2, 2], &mut scratch));
    }

    #[test]
    fn bad_tunnel_parameters_are_errors() {
        let shape = Shape::new(vec![4, 4]).unwrap();
        let mut c = TunnelConfig::paper(2);
        c.tau = 1;
        assert!(Tunnel::new(c, &shape).is_err());
        assert!(Tunnel::new(TunnelConfig::paper(3), &shape).is_err());
        let mut c = TunnelConfig::paper(2);
        c.lambda = 5;
        assert!(Tunnel::new(c.clone(), &shape).is_err());
        // Four neurons in a slice: five cannot be permuted inside one either.
        c.sets = Sets::Neurons;
        assert!(Tunnel::new(c.clone(), &shape).is_err());
        c.lambda = 4;
        assert!(Tunnel::new(c, &shape).is_ok());
        let mut c = TunnelConfig::paper(2);
        c.tolerance = f64::NAN;
        assert!(Tunnel::new(c, &shape).is_err());
        let c = TunnelConfig {
            lambda_rule: LambdaRule::All,
            ..TunnelConfig::paper(2)
        };
        assert!(Tunnel::new(c.clone(), &Shape::new(vec![1, 4]).unwrap()).is_err());
        assert!(Tunnel::new(c, &Shape::new(vec![2, 4]).unwrap()).is_ok());
    }

    #[test]
    fn limits_are_named_errors_not_hangs() {
        let shape = Shape::new(vec![4, 4]).unwrap();
        for tau in [usize::MAX, 4_000_000_000, MAX_TAU + 1] {
            let c = TunnelConfig {
                tau,
                ..TunnelConfig::paper(2)
            };
            let err = Tunnel::new(c, &shape).unwrap_err().to_string();
            assert!(err.contains("MAX_TAU") && err.contains("4096"), "{err}");
        }
        let c = TunnelConfig {
            rho: vec![1, usize::MAX],
            ..TunnelConfig::paper(2)
        };
        let err = Tunnel::new(c, &shape).unwrap_err().to_string();
        assert!(err.contains("MAX_RHO"), "{err}");
        let c = TunnelConfig {
            tau: MAX_TAU,
            rho: vec![MAX_RHO, MAX_RHO],
            ..TunnelConfig::paper(2)
        };
        let err = Tunnel::new(c, &shape).unwrap_err().to_string();
        assert!(err.contains("MAX_OPERATIONS_PER_STEP"), "{err}");
        let c = TunnelConfig {
            tau: MAX_TAU,
            rho: vec![1, 1],
            ..TunnelConfig::paper(2)
        };
        assert!(Tunnel::new(c, &shape).is_ok());
    }
}
