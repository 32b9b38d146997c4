//! Batched dynamics: many states run against one network with matrix products.
//!
//! [`BatchPlan`] runs a batch of states under the same schedules, tie rules, step limits and
//! terminations as [`Dynamics::run`], and returns, for every state, the
//! final state and the [`RunReport`] the plain dynamics would return (same termination, steps
//! and flips; the energy up to rounding). It never starts threads: callers split large batches
//! and run the parts in parallel (hopfield-memory does, with rayon), and may pass an
//! [`Executor`] over their threads to [`BatchPlan::prepare`], which splits the one-time work of
//! a plan into tasks.
//!
//! Memory: each thread that runs batches keeps a few of its `N × B` buffers for the next
//! batch (at most 64 MiB of `f32` and 64 MiB of `f64` buffers per thread, held until the
//! thread ends), because allocating them afresh made the system allocator return and
//! re-fault their pages at every step.
//!
//! # How
//! - **First fields** of the whole batch are one matrix product: `H = W S` for [`Dense`]
//!   couplings, `H = X (A (Xᵀ S))` for [`LowRank`] couplings (`O(N M)` per state instead of
//!   `O(N²)`).
//! - **Synchronous** steps: every state decides from its fields; a step that changed nothing
//!   ends the run without recomputing anything. Dense fields then change only where neurons
//!   flipped (`O(N)` per flip; a matrix product over the batch when most neurons flipped);
//!   low-rank overlaps change in `O(M)` per flip and the fields are one product over the
//!   states still running. A two-cycle is detected by comparing the sets of flipped neurons
//!   of the last two steps (no state is cloned).
//! - **Asynchronous** schedules run state by state from the batched first fields: dense
//!   fields are updated per flip (`O(N)`), low-rank states keep only their overlaps (a
//!   decision costs `O(M)`, a flip `O(M)`). Low-rank couplings over integer patterns with
//!   `M ≥ 16`, `N ≤ 32 M` and `N ≤ 4096` run instead on the `N × N` couplings in `f32`, built
//!   once per plan on its first asynchronous run of at least `N / 16` states, or beforehand and
//!   split over the caller's threads by [`BatchPlan::prepare`] (`4 N²` bytes):
//!   a decision reads a kept field (`O(1)`) and a flip adds one column (`O(N)`). For exact
//!   couplings (the Hebbian rule) the columns and fields are exact; for real coefficients
//!   (the projection rule) the kept field is checked against a rigorous bound on its drift
//!   from the plain dynamics' field, with a fallback to an `f64` field from the exact
//!   overlaps when the bound does not clear. Each state draws from its own RNG exactly as
//!   [`Dynamics::run`] does, so both give the same trajectory.
//!
//! # Exactness ([`Precision`])
//! - **Exact** (`ExactF32`, `ExactF64`): when every weight, bias and coefficient is an
//!   integer multiple of a power of two (Hebbian weights are integers; the 0/1 Hebbian form
//!   uses quarters and eighths) and no partial sum can leave the range where `f32` (`2²⁴`) or
//!   `f64` (`2⁵³`) integers are exact, every field is computed exactly, whatever the order of
//!   summation. Zero fields are exactly zero and the tie rule decides them, as in the plain
//!   dynamics: the results are identical.
//! - **Certified** (other weights, e.g. projection, Storkey, perceptron or LP rules): fields are
//!   computed in `f64` in another order than the plain dynamics (which have their own rounding),
//!   and every decision is checked against a rigorous bound on the rounding of *both*
//!   computations (`|h_i| > 2.2 u (c₀ + c₁ t) R_i`, with `R_i` a bound on every partial sum
//!   of neuron `i`'s field, `t` the flips so far and `u` the unit roundoff). A decision the
//!   bound cannot certify (a field within rounding of zero) sends that state back to the
//!   plain [`Dynamics`] from its start state and RNG, so the final states,
//!   terminations, steps and flips are again identical to the plain path.
//! - **Reference**: couplings without a batched view (sparse and structured couplings) run
//!   each state through [`Dynamics`].
//!
//! ```
//! use hopfield_core::{rng_from_seed, BatchPlan, DiagonalPolicy, Encoding, LowRank, Network,
//!     Precision, RunConfig, Schedule, State, Termination, TieRule};
//! use nalgebra::DMatrix;
//!
//! // Hebbian couplings of two patterns, kept in pattern space.
//! let x = DMatrix::from_row_slice(6, 2, &[1.0, 1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0,
//!     -1.0, 1.0, -1.0, -1.0]);
//! let net = Network::new(LowRank::outer_products(x, 1.0, DiagonalPolicy::Zero)?, Encoding::Bipolar);
//! let plan = BatchPlan::new(&net)?;
//! assert_eq!(plan.precision(), Precision::ExactF32);
//! let mut states = vec![State::from_signs(Encoding::Bipolar, &[-1, 1, 1, -1, -1, -1])];
//! let mut rngs = vec![rng_from_seed(1)];
//! let config = RunConfig { schedule: Schedule::Synchronous, max_steps: 100 };
//! let reports = plan.run(&mut states, &mut rngs, TieRule::High, &config)?;
//! assert_eq!(reports[0].termination, Termination::FixedPoint);
//! assert_eq!(states[0], State::from_signs(Encoding::Bipolar, &[1, 1, 1, -1, -1, -1]));
//! # Ok::<(), hopfield_core::CoreError>(())
//! ```
//!
//! [`Dense`]: crate::Dense
//! [`LowRank`]: crate::LowRank

/// The [`Kernel`] methods a column kernel takes unchanged from its `f32` low-rank kernel
/// `self.fast` (everything but the asynchronous run).
macro_rules! kernel_from_fast {
    () => {
        type Aux = DMatrix<f32>;

        fn n(&self) -> usize {
            self.fast.n()
        }

        fn certify(&self) -> &Certify {
            self.fast.certify()
        }

        fn start(&self, batch: &Batch<f32>) -> (DMatrix<f32>, DMatrix<f32>) {
            self.fast.start(batch)
        }

        fn sync_update(
            &self,
            batch: &Batch<f32>,
            h: &mut DMatrix<f32>,
            aux: &mut DMatrix<f32>,
            moved: &[usize],
            ended: &[usize],
            flips: &[Vec<u32>],
        ) {
            self.fast.sync_update(batch, h, aux, moved, ended, flips);
        }

        fn magnitude(&self, aux: &DMatrix<f32>, p: usize) -> f64 {
            self.fast.magnitude(aux, p)
        }

        fn energy(
            &self,
            batch: &Batch<f32>,
            h: &DMatrix<f32>,
            aux: &DMatrix<f32>,
            p: usize,
        ) -> f64 {
            self.fast.energy(batch, h, aux, p)
        }
    };
}

mod columns;
mod dense;
mod exact_columns;
mod exec;
mod low_rank;
mod pool;
mod runner;

use std::fmt;

use nalgebra::DMatrix;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::couplings::{Couplings, LowRank};
use crate::dynamics::{Dynamics, NoObserver, RunConfig, RunReport, Schedule, Termination};
use crate::error::{CoreError, Result};
use crate::network::Network;
use crate::state::{State, TieRule};

pub use exec::{Executor, Sequential};

/// A read-only view of couplings that the batched engine understands (see
/// [`Couplings::batch_view`]). Only this crate's [`Dense`](crate::Dense) and
/// [`LowRank`] couplings can make one; other couplings return `None` and run through
/// [`Dynamics`].
pub struct BatchView<'a>(pub(crate) ViewKind<'a>);

pub(crate) enum ViewKind<'a> {
    Dense64(&'a DMatrix<f64>),
    Dense32(&'a DMatrix<f32>),
    LowRank(&'a LowRank),
}

impl fmt::Debug for BatchView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            ViewKind::Dense64(_) => "BatchView(dense f64)",
            ViewKind::Dense32(_) => "BatchView(dense f32)",
            ViewKind::LowRank(_) => "BatchView(low rank)",
        })
    }
}

/// How a [`BatchPlan`] computes local fields; see the [module docs](crate::batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Precision {
    /// Exact integer arithmetic in `f32` (dyadic weights, partial sums below `2²⁴`).
    ExactF32,
    /// Exact integer arithmetic in `f64` (dyadic weights, partial sums below `2⁵³`).
    ExactF64,
    /// `f64` with every decision certified against a rounding bound; uncertain states rerun
    /// through the plain dynamics.
    Certified,
    /// No batched kernel: every state runs through [`Dynamics`].
    Reference,
}

/// What representation a [`BatchPlan`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BatchForm {
    /// A dense `N × N` matrix.
    Dense,
    /// Patterns and coefficients (`O(N M)`).
    LowRank,
    /// The couplings' own [`Couplings`] methods, state by state.
    Reference,
}

/// Scalars the kernels compute in (`f32` or `f64`).
pub(crate) trait Real:
    nalgebra::RealField + Copy + Send + Sync + PartialOrd + std::fmt::Debug + pool::Pooled
{
    fn of(v: f64) -> Self;
    fn to64(self) -> f64;
}

impl Real for f32 {
    #[inline]
    #[allow(clippy::cast_possible_truncation)]
    fn of(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn to64(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    #[inline]
    fn of(v: f64) -> Self {
        v
    }
    #[inline]
    fn to64(self) -> f64 {
        self
    }
}

/// `Σ_k a_k b_k` with eight partial sums (vectorizes; exact for exact integer data, and
/// within the certified bounds otherwise).
#[inline]
pub(crate) fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    dot_map(a, b, |x| x)
}

/// `Σ_k f(a_k) b_k`, summed as [`dot`].
#[inline]
pub(crate) fn dot_map<T: Real>(a: &[T], b: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::zero(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += f(x[k]) * y[k];
        }
    }
    let mut tail = T::zero();
    for (x, y) in ra.iter().zip(rb) {
        tail += f(*x) * *y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Flips neuron `i` of `s` between `low` and `high` and returns the change of its value.
#[inline]
pub(crate) fn toggle<T: Real>(s: &mut [T], i: usize, low: T, high: T) -> T {
    if s[i] == high {
        s[i] = low;
        low - high
    } else {
        s[i] = high;
        high - low
    }
}

/// `y += a x`.
#[inline]
pub(crate) fn axpy<T: Real>(a: T, x: &[T], y: &mut [T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Certification of decisions: `|h_i| > base_i · (c0 + c1 · flips) + scaled_i · T + fixed_i`
/// proves that the plain dynamics' field has the same sign (and is not zero). `T` is a
/// per-state magnitude the kernel supplies (for `f32` low-rank products, `Σ_v c_v |m_v|`);
/// `scaled` and `fixed` are empty when unused.
#[derive(Debug, Clone)]
pub(crate) struct Certify {
    /// `2.2 R_i` (times a unit roundoff folded into `c0`, `c1`); empty when exact.
    pub(crate) base: Vec<f64>,
    pub(crate) c0: f64,
    pub(crate) c1: f64,
    /// Coefficients of the per-state magnitude `T`.
    pub(crate) scaled: Vec<f64>,
    /// Constant terms.
    pub(crate) fixed: Vec<f64>,
    /// The largest `base_i`, `scaled_i` and `fixed_i` (0 when empty): one bound for every
    /// neuron at once.
    max: [f64; 3],
}

impl Certify {
    /// `|h_i| > base_i (c0 + c1 flips) + scaled_i T + fixed_i` (`scaled` and `fixed` empty
    /// or of `base`'s length).
    pub(crate) fn new(base: Vec<f64>, c0: f64, c1: f64, scaled: Vec<f64>, fixed: Vec<f64>) -> Self {
        let top = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        let max = [top(&base), top(&scaled), top(&fixed)];
        Certify {
            base,
            c0,
            c1,
            scaled,
            fixed,
            max,
        }
    }

    pub(crate) fn exact() -> Self {
        Certify::new(Vec::new(), 0.0, 0.0, Vec::new(), Vec::new())
    }

    /// A bound of the form `base_i (c0 + c1 flips)` only.
    pub(crate) fn static_bound(base: Vec<f64>, c0: f64, c1: f64) -> Self {
        Certify::new(base, c0, c1, Vec::new(), Vec::new())
    }

    #[inline]
    fn threshold(&self, i: usize, k: f64, t: f64) -> f64 {
        let mut thr = self.base[i] * k;
        if !self.scaled.is_empty() {
            thr += self.scaled[i] * t + self.fixed[i];
        }
        thr
    }

    /// Whether a decision on field `h` of neuron `i` after `flips` flips is certain.
    #[inline]
    pub(crate) fn certain(&self, i: usize, h: f64, flips: u64) -> bool {
        if self.base.is_empty() {
            return true;
        }
        let thr = self.threshold(i, self.c0 + self.c1 * flips as f64, 0.0);
        thr == 0.0 || h.abs() > thr
    }

    /// Whether any field of `h` (one state's fields after `flips` flips, with magnitude `t`)
    /// is uncertain.
    pub(crate) fn any_uncertain<T: Real>(&self, h: &[T], flips: u64, t: f64) -> bool {
        let k = self.c0 + self.c1 * flips as f64;
        // First one bound for all neurons against the smallest |h_i| (one vectorized pass in
        // the kernel's type): every decision of a state away from the threshold clears it.
        let [base, scaled, fixed] = self.max;
        let top = base * k + scaled * t + fixed;
        let smallest = h.iter().fold(T::of(f64::INFINITY), |a, &f| {
            let v = f.abs();
            if v < a { v } else { a }
        });
        if smallest.to64() > top {
            return false;
        }
        let mut uncertain = 0u32;
        if self.scaled.is_empty() {
            for (&f, &b) in h.iter().zip(&self.base) {
                let thr = b * k;
                uncertain += u32::from(thr != 0.0 && f.to64().abs() <= thr);
            }
        } else {
            for (i, &f) in h.iter().enumerate() {
                let thr = self.threshold(i, k, t);
                uncertain += u32::from(thr != 0.0 && f.to64().abs() <= thr);
            }
        }
        uncertain > 0
    }

    pub(crate) fn is_exact(&self) -> bool {
        self.base.is_empty()
    }
}

/// The smallest `k ≤ 40` with `v · 2^k` an integer, or `None`.
pub(crate) fn dyadic_exponent(v: f64) -> Option<i32> {
    if is_integer(v) {
        return Some(0);
    }
    let mut x = v;
    for k in 1..=40 {
        x *= 2.0;
        if !x.is_finite() {
            return None;
        }
        if is_integer(x) {
            return Some(k);
        }
    }
    None
}

/// Whether `x` is a finite integer (`x.fract() == 0.0`), without `trunc`, which is a library
/// call on the baseline x86-64 target, and without branches, so that loops over it vectorize:
/// every finite `|x| ≥ 2⁵²` is an integer, and below that adding and subtracting `2⁵²`
/// rounds `|x|` to an integer (round to nearest), which leaves it unchanged exactly when it
/// is one.
#[inline]
pub(crate) fn is_integer(x: f64) -> bool {
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let a = x.abs();
    a.is_finite() & ((a >= TWO52) | ((a + TWO52) - TWO52 == a))
}

/// Tracks the common dyadic exponent of a stream of values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dyadic(pub(crate) Option<i32>);

impl Dyadic {
    pub(crate) fn new() -> Self {
        Dyadic(Some(0))
    }

    #[inline]
    pub(crate) fn add(&mut self, v: f64) {
        if let Some(k) = self.0
            && !is_integer(if k == 0 { v } else { v * 2f64.powi(k) })
        {
            self.0 = dyadic_exponent(v).map(|e| e.max(k));
        }
    }

    /// [`Dyadic::add`] for every value of `vs`, with the scale hoisted out of the loop.
    pub(crate) fn add_all(&mut self, vs: &[f64]) {
        let mut rest = vs;
        while let Some(k) = self.0 {
            let scale = 2f64.powi(k);
            if rest
                .iter()
                .fold(true, |all, &v| all & is_integer(v * scale))
            {
                return;
            }
            match rest.iter().position(|&v| !is_integer(v * scale)) {
                None => return,
                Some(p) => {
                    self.add(rest[p]);
                    rest = &rest[p + 1..];
                }
            }
        }
    }

    /// Which exact precision holds when every partial sum is at most `max_abs`.
    pub(crate) fn precision(self, max_abs: f64) -> Option<Precision> {
        let k = self.0?;
        let scaled = max_abs * 2f64.powi(k);
        if scaled < 16_777_216.0 {
            Some(Precision::ExactF32)
        } else if scaled < 9_007_199_254_740_992.0 {
            Some(Precision::ExactF64)
        } else {
            None
        }
    }
}

/// See [`BatchPlan::MAX_ELEMENTS`].
pub(crate) const MAX_BATCH_ELEMENTS: usize = 1 << 34;

/// The unit roundoff of `f64`.
pub(crate) const U64: f64 = f64::EPSILON / 2.0;
/// The unit roundoff of `f32`.
pub(crate) const U32: f64 = (f32::EPSILON as f64) / 2.0;

/// The outcome of one state in a kernel: `None` means "not certain, rerun the reference".
pub(crate) type Outcome = Option<(Termination, u64, u64, f64)>;

/// A batch of states in a kernel's scalar type: column `p` is state `p`.
pub(crate) struct Batch<T: Real> {
    pub(crate) s: DMatrix<T>,
    pub(crate) high: T,
    pub(crate) low: T,
}

impl<T: Real> Batch<T> {
    #[inline]
    pub(crate) fn span(&self) -> T {
        self.high - self.low
    }
}

/// The kernels' common interface, driven by [`runner`].
pub(crate) trait Kernel<T: Real>: Sync {
    /// Per-batch auxiliary data (low-rank overlaps).
    type Aux;
    /// Number of neurons.
    fn n(&self) -> usize;
    /// The decision certifier.
    fn certify(&self) -> &Certify;
    /// Fields `H` (`N × B`) of every state, and the auxiliary data.
    fn start(&self, batch: &Batch<T>) -> (DMatrix<T>, Self::Aux);
    /// After a synchronous step: states `moved` (continuing) and `ended` (terminated) flipped
    /// the neurons in `flips[p]` (already applied to `batch`). Bring the fields of `moved`
    /// current, and whatever [`energy`](Kernel::energy) needs for both.
    fn sync_update(
        &self,
        batch: &Batch<T>,
        h: &mut DMatrix<T>,
        aux: &mut Self::Aux,
        moved: &[usize],
        ended: &[usize],
        flips: &[Vec<u32>],
    );
    /// The per-state magnitude `T` of [`Certify`] for state `p` (0 unless the kernel uses it).
    fn magnitude(&self, _aux: &Self::Aux, _p: usize) -> f64 {
        0.0
    }
    /// The energy of state `p` (its fields are current, or it ended after
    /// [`sync_update`](Kernel::sync_update)).
    fn energy(&self, batch: &Batch<T>, h: &DMatrix<T>, aux: &Self::Aux, p: usize) -> f64;
    /// The energies of states `ps` (as [`energy`](Kernel::energy); kernels may batch them).
    fn energies(
        &self,
        batch: &Batch<T>,
        h: &DMatrix<T>,
        aux: &Self::Aux,
        ps: &[usize],
    ) -> Vec<f64> {
        ps.iter().map(|&p| self.energy(batch, h, aux, p)).collect()
    }
    /// Runs state `p` under an asynchronous schedule.
    #[allow(clippy::too_many_arguments)]
    fn run_async<R: Rng + ?Sized>(
        &self,
        batch: &mut Batch<T>,
        h: &mut DMatrix<T>,
        aux: &mut Self::Aux,
        p: usize,
        tie: TieRule,
        config: &RunConfig,
        rng: &mut R,
    ) -> Outcome;
}

// One engine per plan: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Engine<'n> {
    Reference,
    Dense32(dense::DenseKernel<'n, f32>),
    Dense64(dense::DenseKernel<'n, f64>),
    /// Exact low rank in `f32`; asynchronous runs on exact dense `f32` columns when
    /// `columns` is set (see [`exact_columns`]).
    LowRank32 {
        kernel: low_rank::LowRankKernel<'n, f32>,
        columns: Option<exact_columns::ExactColumnSource>,
    },
    LowRank64(low_rank::LowRankKernel<'n, f64>),
    /// Certified low rank: `f32` products for synchronous steps; asynchronous ones on dense
    /// `f32` columns when `columns` is set (see [`columns`]), else in `f64`.
    LowRankMixed {
        sync: low_rank::LowRankKernel<'n, f32>,
        asynchronous: low_rank::LowRankKernel<'n, f64>,
        columns: Option<columns::ColumnSource<'n>>,
    },
}

/// A network prepared for batched runs (see the [module docs](crate::batch)).
///
/// Preparing costs one pass over the couplings (`O(N²)` dense, `O(N M)` low rank): it checks
/// which [`Precision`] applies and converts the weights once. A plan is `Sync`: run disjoint
/// batches from several threads; each state's result does not depend on the batch it is in.
pub struct BatchPlan<'n, C> {
    net: &'n Network<C>,
    engine: Engine<'n>,
}

impl<C: Couplings> fmt::Debug for BatchPlan<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchPlan")
            .field("form", &self.form())
            .field("precision", &self.precision())
            .finish()
    }
}

impl<'n, C: Couplings> BatchPlan<'n, C> {
    /// Prepares `net`. Fails only when the preparation would not fit in memory (a kernel's
    /// `f32` copy of the weights is counted against [`BatchPlan::MAX_ELEMENTS`]).
    pub fn new(net: &'n Network<C>) -> Result<Self> {
        let engine = match net.couplings().batch_view() {
            None => Engine::Reference,
            Some(BatchView(ViewKind::Dense64(w))) => dense::plan_f64(w, net.bias())?,
            Some(BatchView(ViewKind::Dense32(w))) => dense::plan_f32(w, net.bias())?,
            Some(BatchView(ViewKind::LowRank(lr))) => low_rank::plan(lr, net.bias())?,
        };
        Ok(BatchPlan { net, engine })
    }

    /// The largest number of scalars a plan or a batch workspace may allocate (`2³⁴`,
    /// 64 GiB of `f32`): larger requests are refused with an error instead of aborting.
    pub const MAX_ELEMENTS: usize = MAX_BATCH_ELEMENTS;

    /// How fields are computed.
    pub fn precision(&self) -> Precision {
        match &self.engine {
            Engine::Reference => Precision::Reference,
            Engine::Dense32(_) | Engine::LowRank32 { .. } => Precision::ExactF32,
            Engine::Dense64(k) => k.precision(),
            Engine::LowRank64(k) => k.precision(),
            Engine::LowRankMixed { .. } => Precision::Certified,
        }
    }

    /// Which representation runs.
    pub fn form(&self) -> BatchForm {
        match &self.engine {
            Engine::Reference => BatchForm::Reference,
            Engine::Dense32(_) | Engine::Dense64(_) => BatchForm::Dense,
            Engine::LowRank32 { .. } | Engine::LowRank64(_) | Engine::LowRankMixed { .. } => {
                BatchForm::LowRank
            }
        }
    }

    /// The network.
    pub fn network(&self) -> &'n Network<C> {
        self.net
    }

    /// Runs every state of `states` under `config` and `tie`, in place, with `rngs[p]` driving
    /// state `p`'s schedule exactly as [`Dynamics::run`] would (and
    /// advanced as it would be). Returns one report per state. No observer is called, so no
    /// run ends in [`Termination::Stopped`].
    ///
    /// Errors: `rngs` and `states` of different lengths, a state that does not fit the
    /// network, or a batch above [`BatchPlan::MAX_ELEMENTS`].
    pub fn run<R: Rng + Clone>(
        &self,
        states: &mut [State],
        rngs: &mut [R],
        tie: TieRule,
        config: &RunConfig,
    ) -> Result<Vec<RunReport>> {
        if rngs.len() != states.len() {
            return Err(CoreError::DimensionMismatch {
                what: "rngs (one per state)",
                expected: states.len(),
                found: rngs.len(),
            });
        }
        for state in states.iter() {
            self.net.check_state(state)?;
        }
        let n = self.net.n();
        let elements = n
            .checked_mul(states.len())
            .filter(|&e| e <= Self::MAX_ELEMENTS)
            .ok_or(CoreError::InvalidParameter {
                name: "batch",
                reason: format!(
                    "{} states of {n} neurons exceed the limit of {} values",
                    states.len(),
                    Self::MAX_ELEMENTS
                ),
            })?;
        let _ = elements;
        if states.is_empty() {
            return Ok(Vec::new());
        }
        match &self.engine {
            _ if n == 0 => self.reference(states, rngs, tie, config),
            Engine::Reference => self.reference(states, rngs, tie, config),
            Engine::Dense32(k) => self.kernel(k, states, rngs, tie, config),
            Engine::Dense64(k) => self.kernel(k, states, rngs, tie, config),
            Engine::LowRank32 {
                kernel,
                columns: Some(source),
            } if config.schedule != Schedule::Synchronous && source.pays_for(states.len()) => {
                let columns = exact_columns::ExactColumnKernel {
                    fast: kernel,
                    columns: source.get(kernel),
                };
                self.kernel(&columns, states, rngs, tie, config)
            }
            Engine::LowRank32 { kernel, .. } => self.kernel(kernel, states, rngs, tie, config),
            Engine::LowRank64(k) => self.kernel(k, states, rngs, tie, config),
            Engine::LowRankMixed { sync, .. } if config.schedule == Schedule::Synchronous => {
                self.kernel(sync, states, rngs, tie, config)
            }
            Engine::LowRankMixed {
                sync,
                asynchronous,
                columns: Some(source),
            } if source.pays_for(states.len()) => {
                let kernel = columns::ColumnKernel {
                    fast: sync,
                    exact: asynchronous,
                    columns: source.get(asynchronous),
                };
                self.kernel(&kernel, states, rngs, tie, config)
            }
            Engine::LowRankMixed { asynchronous, .. } => {
                self.kernel(asynchronous, states, rngs, tie, config)
            }
        }
    }

    /// Builds now, split over `exec`, what runs of `states` states under `schedule` would
    /// otherwise build on their first call, on one thread: the `N × N` `f32` columns of
    /// asynchronous low-rank runs (see the [module docs](crate::batch)). Does nothing for
    /// other plans, schedules and sizes, or when it is built. Results do not change: the
    /// runs are the same with or without it.
    ///
    /// Call it before running batches in parallel, from outside them: every batch of a
    /// parallel run then finds the columns built instead of one batch building them while
    /// the others wait.
    ///
    /// ```
    /// use hopfield_core::batch::Sequential;
    /// use hopfield_core::{rng_from_seed, BatchPlan, DiagonalPolicy, Encoding, LowRank, Network,
    ///     RunConfig, Schedule, State, TieRule};
    /// use nalgebra::DMatrix;
    ///
    /// // Hebbian couplings of 16 patterns on 64 neurons, kept in pattern space.
    /// let x = DMatrix::from_fn(64, 16, |i, u| if (i * 7 + u * 3) % 5 < 2 { 1.0 } else { -1.0 });
    /// let net = Network::new(LowRank::outer_products(x, 1.0, DiagonalPolicy::Zero)?, Encoding::Bipolar);
    /// let mut rng = rng_from_seed(1);
    /// let starts: Vec<State> = (0..100).map(|_| State::random(Encoding::Bipolar, 64, &mut rng)).collect();
    /// let config = RunConfig { schedule: Schedule::RandomSweep, max_steps: 100 * 64 };
    /// let run = |plan: &BatchPlan<'_, LowRank>| {
    ///     let mut states = starts.clone();
    ///     let mut rngs: Vec<_> = (0..100).map(rng_from_seed).collect();
    ///     plan.run(&mut states, &mut rngs, TieRule::High, &config).map(|_| states)
    /// };
    /// let prepared = BatchPlan::new(&net)?;
    /// prepared.prepare(Schedule::RandomSweep, starts.len(), &Sequential);
    /// // The same final states as a plan that builds the columns in its first run.
    /// assert_eq!(run(&prepared)?, run(&BatchPlan::new(&net)?)?);
    /// # Ok::<(), hopfield_core::CoreError>(())
    /// ```
    pub fn prepare(&self, schedule: Schedule, states: usize, exec: &dyn Executor) {
        if schedule == Schedule::Synchronous || self.net.n() == 0 {
            return;
        }
        match &self.engine {
            Engine::LowRank32 {
                kernel,
                columns: Some(source),
            } if source.pays_for(states) => source.prepare(kernel, exec),
            Engine::LowRankMixed {
                asynchronous,
                columns: Some(source),
                ..
            } if source.pays_for(states) => source.prepare(asynchronous, exec),
            _ => {}
        }
    }

    fn reference<R: Rng>(
        &self,
        states: &mut [State],
        rngs: &mut [R],
        tie: TieRule,
        config: &RunConfig,
    ) -> Result<Vec<RunReport>> {
        states
            .iter_mut()
            .zip(rngs.iter_mut())
            .map(|(state, rng)| self.reference_one(state, rng, tie, config))
            .collect()
    }

    fn reference_one<R: Rng>(
        &self,
        state: &mut State,
        rng: &mut R,
        tie: TieRule,
        config: &RunConfig,
    ) -> Result<RunReport> {
        let start = std::mem::replace(state, State::low(self.net.encoding(), 0));
        let mut dynamics = Dynamics::new(self.net, start, tie)?;
        let report = dynamics.run(config, rng, &mut NoObserver);
        *state = dynamics.into_state();
        Ok(report)
    }

    fn kernel<T: Real, K: Kernel<T>, R: Rng + Clone>(
        &self,
        kernel: &K,
        states: &mut [State],
        rngs: &mut [R],
        tie: TieRule,
        config: &RunConfig,
    ) -> Result<Vec<RunReport>> {
        let n = self.net.n();
        let b = states.len();
        let encoding = self.net.encoding();
        // Certified kernels may send a state back to the reference: keep its random
        // generator's start (`states` keep theirs until the results are written back).
        let saved_rngs: Option<Vec<R>> = if kernel.certify().is_exact() {
            None
        } else {
            Some(rngs.to_vec())
        };
        let mut values = pool::take::<T>(n * b);
        for (col, state) in values.chunks_exact_mut(n.max(1)).zip(states.iter()) {
            for (v, &x) in col.iter_mut().zip(state.as_slice()) {
                *v = T::of(x);
            }
        }
        let s = DMatrix::<T>::from_vec(n, b, values);
        let mut batch = Batch {
            s,
            high: T::of(encoding.high()),
            low: T::of(encoding.low()),
        };
        let (mut h, mut aux) = kernel.start(&batch);
        let outcomes: Vec<Outcome> = match config.schedule {
            Schedule::Synchronous => {
                runner::run_sync(kernel, &mut batch, &mut h, &mut aux, tie, config.max_steps)
            }
            _ => (0..b)
                .map(|p| {
                    kernel.run_async(&mut batch, &mut h, &mut aux, p, tie, config, &mut rngs[p])
                })
                .collect(),
        };
        let mut reports = Vec::with_capacity(b);
        for (p, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Some((termination, steps, flips, energy)) => {
                    let col = &batch.s.as_slice()[p * n..(p + 1) * n];
                    // The kernel's values are the encoding's low or high values, exactly.
                    for (x, &v) in states[p].values_mut().iter_mut().zip(col) {
                        *x = v.to64();
                    }
                    reports.push(RunReport {
                        termination,
                        steps,
                        flips,
                        energy,
                    });
                }
                None => {
                    let start_rngs =
                        saved_rngs
                            .as_ref()
                            .ok_or_else(|| CoreError::InvalidParameter {
                                name: "batch",
                                reason: "an exact kernel reported an uncertain decision".into(),
                            })?;
                    // `states[p]` is still the start: only finished states are written.
                    rngs[p] = start_rngs[p].clone();
                    reports.push(self.reference_one(&mut states[p], &mut rngs[p], tie, config)?);
                }
            }
        }
        pool::give(batch.s.data.into());
        pool::give(h.data.into());
        Ok(reports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_as_fract() {
        let cases = [
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.5,
            -2.5,
            1e-300,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            -9_007_199_254_740_993.0,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for x in cases {
            assert_eq!(is_integer(x), x.fract() == 0.0, "{x}");
        }
    }

    #[test]
    fn dyadic_exponents() {
        assert_eq!(dyadic_exponent(3.0), Some(0));
        assert_eq!(dyadic_exponent(0.375), Some(3));
        assert_eq!(dyadic_exponent(0.1), None);
        let mut d = Dyadic::new();
        for v in [1.0, -2.0, 0.5, 0.25] {
            d.add(v);
        }
        assert_eq!(d.0, Some(2));
        assert_eq!(d.precision(1000.0), Some(Precision::ExactF32));
        assert_eq!(d.precision(1e7), Some(Precision::ExactF64));
        let mut all = Dyadic::new();
        all.add_all(&[1.0, -2.0, 0.5, 0.25, 3.0]);
        assert_eq!(all.0, Some(2));
        all.add_all(&[0.125, 7.0]);
        assert_eq!(all.0, Some(3));
        all.add_all(&[0.1, 0.5]);
        assert_eq!(all.0, None);
        d.add(1.0 / 3.0);
        assert_eq!(d.0, None);
        assert_eq!(d.precision(1.0), None);
    }

    #[test]
    fn dot_and_axpy() {
        let a: Vec<f64> = (0..19).map(f64::from).collect();
        let b: Vec<f64> = (0..19).map(|k| f64::from(k % 3) - 1.0).collect();
        let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), plain);
        let mut y = b.clone();
        axpy(2.0, &a, &mut y);
        assert_eq!(y[5], 10.0 + b[5]);
    }
}
