//! Hitchcock transportation: warehouses × factories × units (Matsumoto et al. 2004, Section 4.3).
//!
//! `p` warehouses hold `S_x` parts, `q` factories need `D_y`, and one part from `x` to `y`
//! costs `c_xy`. The network is the 3-D array `v_xyk`, `k = 1..K` with `K = max_y D_y`
//! (Matsumoto et al. 2004: 5×10×17 = 850 and 5×10×43 = 2150 neurons). Each neuron carries a value
//! `u_k` and the amount shipped is `a_xy = Σ_k u_k v_xyk`:
//!
//! - [`TransportEncoding::Unary`] (the default): `u_k = 1`, so `a_xy` counts the neurons
//!   on and any `k` of them are interchangeable;
//! - [`TransportEncoding::OneHot`] (an alternative encoding): `u_k = k`, plus
//!   `(F/2) Σ_xy n_xy (n_xy − 1)` with `n_xy = Σ_k v_xyk`, which drives each cell to at most
//!   one neuron on, so that `k`-slice swaps change amounts;
//! - [`TransportEncoding::UnitAssignment`]: the third axis indexes a factory's needed units,
//!   and `v_xyk = 1` means factory `y`'s `k`-th unit (`k < D_y`) comes from warehouse `x`.
//!   Each needed unit is served by exactly one warehouse, and no unit `k ≥ D_y` exists:
//!   `(B/2) Σ_{y,k} (Σ_x v_xyk − t_yk)²` with `t_yk = [k < D_y]` replaces the demand term, so
//!   demands hold by construction of a feasible state, and `a_xy = Σ_k v_xyk`. Under this
//!   reading a `k`-slice swap exchanges the suppliers of two units of every factory, and a
//!   swap of two neurons inside a `k`-slice reassigns one unit.
//!
//! ```text
//! E = (A/2) Σ_x (Σ_y a_xy − S_x)² + (B/2) Σ_y (Σ_x a_xy − D_y)² + C Σ_xy c_xy a_xy
//!     [+ (F/2) Σ_xy n_xy (n_xy − 1)]
//! w_{xyk,x'y'k'} = −A u_k u_k' δ_xx' − B u_k u_k' δ_yy' − F δ_xx' δ_yy' (1 − δ_kk')   (distinct neurons)
//! b_xyk = A (S_x u_k − u_k²/2) + B (D_y u_k − u_k²/2) − C c_xy u_k
//! E = E_Hopfield + (A/2) Σ S_x² + (B/2) Σ D_y²
//! ```
//!
//! For [`TransportEncoding::UnitAssignment`]:
//!
//! ```text
//! E = (A/2) Σ_x (Σ_{y,k} v_xyk − S_x)² + (B/2) Σ_{y,k} (Σ_x v_xyk − t_yk)² + C Σ_xyk c_xy v_xyk
//! w_{xyk,x'y'k'} = −A δ_xx' − B δ_yy' δ_kk'   (distinct neurons)
//! b_xyk = A (S_x − ½) + B (t_yk − ½) − C c_xy,      E = E_Hopfield + (A/2) Σ S_x² + (B/2) Σ D_y
//! ```
//!
//! A feasible plan has `E = C·cost`. Defaults `C = 1`, `A = B = 2·c_max`
//! (\[ASSUMED\]); for one-hot `F = A + B` [ASSUMED, untuned]. In the unary and one-hot
//! encodings neurons with `k > D_y` are free.
//!
//! With integer costs and integer weights whose biases come out integral (`A + B` even,
//! and `F` an integer in one-hot; the defaults `A = B = 2·c_max`, `C = 1`, `F = A + B` are
//! whenever the costs are integers), the instance also runs
//! on a lean network ([`LeanProblem`]: a bit per neuron, `i32` fields, `(q·K − 1) + (p − 1)·K`
//! stored couplings per neuron, `(q·K − 1) + (p − 1)` in unit assignment), built on first
//! use; other instances get an error from [`LeanProblem::lean`].
//!
//! ```
//! use hopfield_core::nalgebra::DMatrix;
//! use hopfield_opt::problem::LeanProblem;
//! use hopfield_opt::transport::{Transport, TransportInstance};
//!
//! let cost = DMatrix::from_row_slice(2, 2, &[1., 5., 2., 3.]);
//! let t = Transport::new(TransportInstance::new(vec![3, 2], vec![1, 4], cost.clone())?)?;
//! assert!(t.lean().is_ok());
//! let half = TransportInstance::new(vec![3, 2], vec![1, 4], cost * 0.5)?;
//! assert!(Transport::new(half)?.lean().is_err()); // a cost of 2.5
//! # Ok::<(), hopfield_opt::OptError>(())
//! ```

pub mod file;

use std::sync::OnceLock;

use hopfield_core::lean::{BitState, IntNetwork};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Couplings, Encoding, Network, State};

use crate::problem::{
    LeanProblem, Problem, Shape, check_int_lean_bytes, check_non_negative, check_positive,
    int_lean_bytes, int_network_of,
};
use crate::{OptError, Result};

/// A balanced transportation instance.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportInstance {
    supply: Vec<u32>,
    demand: Vec<u32>,
    cost: DMatrix<f64>,
}

impl TransportInstance {
    /// An instance from supplies `S_x` (p warehouses), demands `D_y` (q factories) and the
    /// `p × q` cost matrix. Errors: empty sides, a cost matrix of the wrong shape or with
    /// non-finite or negative entries, all demands zero, and total supply ≠ total demand
    /// ([`OptError::Unbalanced`]).
    pub fn new(supply: Vec<u32>, demand: Vec<u32>, cost: DMatrix<f64>) -> Result<Self> {
        if supply.is_empty() || demand.is_empty() {
            return Err(OptError::InvalidParameter {
                name: "supply/demand",
                reason: "need at least one warehouse and one factory".into(),
            });
        }
        if cost.shape() != (supply.len(), demand.len()) {
            return Err(OptError::InvalidParameter {
                name: "cost",
                reason: format!(
                    "expected {}×{}, got {}×{}",
                    supply.len(),
                    demand.len(),
                    cost.nrows(),
                    cost.ncols()
                ),
            });
        }
        if let Some((k, v)) = cost
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite() || **v < 0.0)
        {
            return Err(OptError::InvalidParameter {
                name: "cost",
                reason: format!("entry {k} (column-major) = {v} is not finite and >= 0"),
            });
        }
        let s: u64 = supply.iter().map(|&v| u64::from(v)).sum();
        let d: u64 = demand.iter().map(|&v| u64::from(v)).sum();
        if s != d {
            return Err(OptError::Unbalanced {
                supply: s,
                demand: d,
            });
        }
        if d == 0 {
            return Err(OptError::InvalidParameter {
                name: "demand",
                reason: "every demand is zero".into(),
            });
        }
        Ok(TransportInstance {
            supply,
            demand,
            cost,
        })
    }

    /// Matsumoto et al. (2004), experiment 1 (Tables 2–4): 5 warehouses, 10 factories, 100 parts, K
    /// = 17.
    pub fn experiment1() -> Self {
        #[rustfmt::skip]
        let c = [
            4., 7., 5., 9., 2., 6., 5., 3., 5., 8.,
            9., 7., 9., 5., 2., 3., 8., 4., 6., 6.,
            6., 4., 3., 2., 8., 6., 2., 7., 9., 5.,
            2., 8., 4., 5., 9., 7., 1., 6., 9., 3.,
            9., 3., 7., 5., 3., 4., 8., 2., 6., 4.,
        ];
        TransportInstance {
            supply: vec![22, 13, 19, 35, 11],
            demand: vec![16, 8, 5, 12, 6, 14, 3, 9, 10, 17],
            cost: DMatrix::from_row_slice(5, 10, &c),
        }
    }

    /// Matsumoto et al. (2004), experiment 2 (Tables 5–7): 5 warehouses, 10 factories, 300 parts, K
    /// = 43.
    pub fn experiment2() -> Self {
        #[rustfmt::skip]
        let c = [
            22., 8., 10., 15., 9., 17., 12., 6., 9., 23.,
            9., 13., 17., 15., 23., 14., 8., 12., 6., 24.,
            24., 7., 15., 19., 32., 16., 5., 13., 25., 18.,
            9., 7., 29., 25., 12., 13., 28., 14., 6., 16.,
            6., 14., 13., 24., 8., 26., 20., 17., 9., 15.,
        ];
        TransportInstance {
            supply: vec![77, 43, 39, 75, 66],
            demand: vec![26, 32, 20, 12, 31, 39, 28, 34, 35, 43],
            cost: DMatrix::from_row_slice(5, 10, &c),
        }
    }

    /// The supplies `S_x`.
    pub fn supply(&self) -> &[u32] {
        &self.supply
    }

    /// The demands `D_y`.
    pub fn demand(&self) -> &[u32] {
        &self.demand
    }

    /// The `p × q` unit costs.
    pub fn cost(&self) -> &DMatrix<f64> {
        &self.cost
    }

    /// `K = max_y D_y`, the depth of the neuron array.
    pub fn depth(&self) -> usize {
        self.demand.iter().copied().max().unwrap_or(0) as usize
    }

    /// The cost `Σ c_xy a_xy` of a plan (`p × q`); `None` if the plan has the wrong shape.
    pub fn plan_cost(&self, plan: &DMatrix<u32>) -> Option<f64> {
        if plan.shape() != self.cost.shape() {
            return None;
        }
        Some(
            plan.iter()
                .zip(self.cost.iter())
                .map(|(&a, &c)| f64::from(a) * c)
                .sum(),
        )
    }

    /// Whether a plan meets every supply and demand exactly.
    pub fn plan_is_feasible(&self, plan: &DMatrix<u32>) -> bool {
        if plan.shape() != self.cost.shape() {
            return false;
        }
        let rows_ok = (0..self.supply.len()).all(|x| {
            plan.row(x).iter().map(|&a| u64::from(a)).sum::<u64>() == u64::from(self.supply[x])
        });
        let cols_ok = (0..self.demand.len()).all(|y| {
            plan.column(y).iter().map(|&a| u64::from(a)).sum::<u64>() == u64::from(self.demand[y])
        });
        rows_ok && cols_ok
    }
}

/// How the amounts `a_xy` are read from the `K` neurons of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TransportEncoding {
    /// `a_xy = Σ_k v_xyk` (the default).
    Unary,
    /// `a_xy = Σ_k k·v_xyk` with the one-neuron-per-cell penalty `F` (an option).
    OneHot {
        /// The weight `F` of `(F/2) Σ n_xy (n_xy − 1)`.
        f: f64,
    },
    /// `v_xyk = 1`: factory `y`'s `k`-th unit comes from warehouse `x`; every needed unit has
    /// exactly one supplier (see the module docs).
    UnitAssignment,
}

/// Penalty weights of the transportation encoding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransportWeights {
    /// Supply penalty `A`.
    pub a: f64,
    /// Demand penalty `B`.
    pub b: f64,
    /// Cost weight `C`.
    pub c: f64,
}

impl TransportWeights {
    /// Defaults: `A = B = 2·c_max` (1 if all costs are 0), `C = 1`.
    pub fn defaults_for(instance: &TransportInstance) -> Self {
        let c_max = instance.cost.iter().copied().fold(0.0_f64, f64::max);
        let c_max = if c_max > 0.0 { c_max } else { 1.0 };
        TransportWeights {
            a: 2.0 * c_max,
            b: 2.0 * c_max,
            c: 1.0,
        }
    }
}

/// The structured transportation couplings: `O((p + q)·K)` per column.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportCouplings {
    p: usize,
    q: usize,
    k: usize,
    units: Vec<f64>,
    a: f64,
    b: f64,
    f: f64,
    /// [`TransportEncoding::UnitAssignment`]: `B` couples neurons of the same `(y, k)`
    /// instead of the same factory plane.
    per_unit: bool,
}

impl TransportCouplings {
    #[inline]
    fn split(&self, i: usize) -> (usize, usize, usize) {
        let kk = i % self.k;
        let cell = i / self.k;
        (cell / self.q, cell % self.q, kk)
    }
}

impl Couplings for TransportCouplings {
    fn n(&self) -> usize {
        self.p * self.q * self.k
    }

    fn weight(&self, i: usize, j: usize) -> f64 {
        if i == j {
            return 0.0;
        }
        let (x1, y1, k1) = self.split(i);
        let (x2, y2, k2) = self.split(j);
        let uu = self.units[k1] * self.units[k2];
        let mut w = 0.0;
        if x1 == x2 {
            w -= self.a * uu;
        }
        if y1 == y2 && (!self.per_unit || k1 == k2) {
            w -= self.b * uu;
        }
        if x1 == x2 && y1 == y2 && k1 != k2 {
            w -= self.f;
        }
        w
    }

    /// `O((p + q)·K)`: the warehouse plane and the factory plane through `j`.
    fn add_column(&self, j: usize, scale: f64, fields: &mut [f64]) {
        let (x, y, kj) = self.split(j);
        let (q, k) = (self.q, self.k);
        let uj = self.units[kj] * scale;
        let ja = -self.a * uj;
        let jb = -self.b * uj;
        // Warehouse plane x: neurons (x, y', k') are contiguous.
        let plane = &mut fields[x * q * k..(x + 1) * q * k];
        for cell in plane.chunks_exact_mut(k) {
            for (f, u) in cell.iter_mut().zip(&self.units) {
                *f += ja * u;
            }
        }
        if self.per_unit {
            // The suppliers of unit (y, kj).
            for xx in 0..self.p {
                fields[(xx * q + y) * k + kj] += jb * self.units[kj];
            }
        } else {
            // Factory plane y.
            for xx in 0..self.p {
                let base = (xx * q + y) * k;
                for (f, u) in fields[base..base + k].iter_mut().zip(&self.units) {
                    *f += jb * u;
                }
            }
        }
        if self.f != 0.0 {
            let base = (x * q + y) * k;
            let jf = -self.f * scale;
            for f in &mut fields[base..base + k] {
                *f += jf;
            }
            fields[j] -= jf;
        }
        fields[j] -= (ja + jb) * self.units[kj];
    }

    fn self_coupling(&self, _i: usize) -> f64 {
        0.0
    }

    /// `O(N)` (row and column sums).
    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        let (p, q, k) = (self.p, self.q, self.k);
        let mut amount = vec![0.0; p * q];
        let mut count = vec![0.0; p * q];
        for (cell, chunk) in state.chunks_exact(k).enumerate() {
            amount[cell] = chunk.iter().zip(&self.units).map(|(s, u)| s * u).sum();
            count[cell] = chunk.iter().sum();
        }
        let rows: Vec<f64> = (0..p)
            .map(|x| amount[x * q..(x + 1) * q].iter().sum())
            .collect();
        let cols: Vec<f64> = (0..q)
            .map(|y| (0..p).map(|x| amount[x * q + y]).sum())
            .collect();
        // Per unit (y, k): the number of suppliers (UnitAssignment only).
        let mut suppliers = vec![0.0; if self.per_unit { q * k } else { 0 }];
        if self.per_unit {
            for (cell, chunk) in state.chunks_exact(k).enumerate() {
                let y = cell % q;
                for (acc, s) in suppliers[y * k..(y + 1) * k].iter_mut().zip(chunk) {
                    *acc += s;
                }
            }
        }
        // Cell by cell (no index arithmetic per neuron: this runs once per candidate when the
        // tunnel operator scores candidates from scratch).
        let (a, b, f) = (self.a, self.b, self.f);
        for (cell, (out_cell, s_cell)) in out
            .chunks_exact_mut(k)
            .zip(state.chunks_exact(k))
            .enumerate()
        {
            let (x, y) = (cell / q, cell % q);
            let (row, cnt) = (rows[x], count[cell]);
            if self.per_unit {
                for ((o, &s), (&u, &sup)) in out_cell
                    .iter_mut()
                    .zip(s_cell)
                    .zip(self.units.iter().zip(&suppliers[y * k..(y + 1) * k]))
                {
                    *o = -a * u * (row - u * s) - b * u * (sup - s) - f * (cnt - s);
                }
            } else {
                let col = cols[y];
                for ((o, &s), &u) in out_cell.iter_mut().zip(s_cell).zip(&self.units) {
                    *o = -a * u * (row - u * s) - b * u * (col - u * s) - f * (cnt - s);
                }
            }
        }
    }
}

/// The largest network [`Transport::with_options`] builds: `p·q·K` neurons, `K = max_y D_y`.
///
/// The neurons (and their biases) are allocated up front, and `K` comes from user input
/// (e.g. a transportation file), so a single large demand could otherwise request many
/// gigabytes; beyond this limit construction fails with [`OptError::TooLarge`].
pub const MAX_NEURONS: usize = 50_000_000;

/// A transportation instance encoded as a Hopfield network.
#[derive(Debug, Clone)]
pub struct Transport {
    instance: TransportInstance,
    encoding: TransportEncoding,
    weights: TransportWeights,
    shape: Shape,
    network: Network<TransportCouplings>,
    /// The integer lean network, built on first use (or why there is none).
    lean: OnceLock<std::result::Result<IntNetwork, String>>,
}

impl Transport {
    /// The unary encoding with the default weights.
    pub fn new(instance: TransportInstance) -> Result<Self> {
        let weights = TransportWeights::defaults_for(&instance);
        Self::with_options(instance, TransportEncoding::Unary, weights)
    }

    /// The one-hot encoding with the default weights and `F = A + B` \[ASSUMED\].
    pub fn one_hot(instance: TransportInstance) -> Result<Self> {
        let weights = TransportWeights::defaults_for(&instance);
        let f = weights.a + weights.b;
        Self::with_options(instance, TransportEncoding::OneHot { f }, weights)
    }

    /// The unit-assignment encoding with the default weights.
    pub fn unit_assignment(instance: TransportInstance) -> Result<Self> {
        let weights = TransportWeights::defaults_for(&instance);
        Self::with_options(instance, TransportEncoding::UnitAssignment, weights)
    }

    /// An explicit encoding and weights (`A, B > 0`, `C ≥ 0`, `F > 0`, all finite).
    ///
    /// Size limits, checked before anything is allocated:
    /// - [`OptError::TooLarge`] if the network would have more than [`MAX_NEURONS`]
    ///   (`p·q·K`) neurons;
    /// - [`OptError::InvalidParameter`] if the largest amount a cell can encode does not fit
    ///   the `u32` plans of [`Transport::amounts`]: `K` in unary (always fits), `K(K+1)/2` in
    ///   one-hot (all `K` neurons on), i.e. one-hot needs `K ≤ 92 681`.
    pub fn with_options(
        instance: TransportInstance,
        encoding: TransportEncoding,
        weights: TransportWeights,
    ) -> Result<Self> {
        check_positive("A", weights.a)?;
        check_positive("B", weights.b)?;
        check_non_negative("C", weights.c)?;
        let f = match encoding {
            TransportEncoding::Unary | TransportEncoding::UnitAssignment => 0.0,
            TransportEncoding::OneHot { f } => {
                check_positive("F", f)?;
                f
            }
        };
        let (p, q, k) = (
            instance.supply.len(),
            instance.demand.len(),
            instance.depth(),
        );
        let neurons = p.checked_mul(q).and_then(|pq| pq.checked_mul(k));
        match neurons {
            Some(n) if n <= MAX_NEURONS => {}
            _ => {
                return Err(OptError::TooLarge {
                    method: "the transportation network",
                    what: "neurons (p·q·K)",
                    max: MAX_NEURONS,
                    found: neurons.unwrap_or(usize::MAX),
                });
            }
        }
        let max_amount: u128 = match encoding {
            TransportEncoding::Unary | TransportEncoding::UnitAssignment => k as u128,
            TransportEncoding::OneHot { .. } => (k as u128) * (k as u128 + 1) / 2,
        };
        if max_amount > u128::from(u32::MAX) {
            return Err(OptError::InvalidParameter {
                name: "demand",
                reason: format!(
                    "K = {k}: a cell with all neurons on encodes {max_amount}, more than the \
                     u32 amounts can hold ({}); use the unary encoding or smaller demands",
                    u32::MAX
                ),
            });
        }
        let shape = Shape::new(vec![p, q, k])?;
        let units: Vec<f64> = match encoding {
            TransportEncoding::Unary | TransportEncoding::UnitAssignment => vec![1.0; k],
            TransportEncoding::OneHot { .. } => (1..=k).map(|v| v as f64).collect(),
        };
        let per_unit = encoding == TransportEncoding::UnitAssignment;
        let couplings = TransportCouplings {
            p,
            q,
            k,
            units: units.clone(),
            a: weights.a,
            b: weights.b,
            f,
            per_unit,
        };
        let mut bias = Vec::with_capacity(shape.len());
        for x in 0..p {
            let s = f64::from(instance.supply[x]);
            for y in 0..q {
                let d = f64::from(instance.demand[y]);
                let c = instance.cost[(x, y)];
                for (kk, &u) in units.iter().enumerate() {
                    // UnitAssignment: the target of unit (y, kk) is 1 if it is needed, else 0.
                    let target = if per_unit {
                        f64::from(u8::from(kk < instance.demand[y] as usize))
                    } else {
                        d
                    };
                    bias.push(
                        weights.a * (s * u - 0.5 * u * u) + weights.b * (target * u - 0.5 * u * u)
                            - weights.c * c * u,
                    );
                }
            }
        }
        let network = Network::with_bias(couplings, bias, Encoding::Binary)?;
        Ok(Transport {
            instance,
            encoding,
            weights,
            shape,
            network,
            lean: OnceLock::new(),
        })
    }

    /// The instance.
    pub fn instance(&self) -> &TransportInstance {
        &self.instance
    }

    /// The encoding.
    pub fn encoding(&self) -> TransportEncoding {
        self.encoding
    }

    /// The weights.
    pub fn weights(&self) -> TransportWeights {
        self.weights
    }

    /// The amounts `a_xy` a state encodes (whatever its feasibility), `O(N)`. Cannot
    /// overflow: [`Transport::with_options`] rejects depths whose largest cell amount
    /// exceeds `u32::MAX`.
    pub fn amounts(&self, state: &State) -> DMatrix<u32> {
        let (p, q, k) = (
            self.shape.dims()[0],
            self.shape.dims()[1],
            self.shape.dims()[2],
        );
        let units = &self.network.couplings().units;
        DMatrix::from_fn(p, q, |x, y| {
            let base = (x * q + y) * k;
            (0..k)
                .filter(|&kk| state.is_high(base + kk))
                .map(|kk| units[kk] as u32)
                .sum()
        })
    }

    /// The state encoding a plan: in unary, the first `a_xy` neurons of each cell; in
    /// one-hot, neuron `k = a_xy` (none when 0); in unit assignment, factory `y`'s units
    /// `0, 1, …` go to warehouses `0, 1, …` in order, `a_xy` each. `None` if the plan has the
    /// wrong shape, an amount above `K`, or (unit assignment) a factory receiving more than
    /// `K` units.
    pub fn encode_plan(&self, plan: &DMatrix<u32>) -> Option<State> {
        let (p, q, k) = (
            self.shape.dims()[0],
            self.shape.dims()[1],
            self.shape.dims()[2],
        );
        if plan.shape() != (p, q) {
            return None;
        }
        let mut bits = vec![false; self.shape.len()];
        if self.encoding == TransportEncoding::UnitAssignment {
            for y in 0..q {
                let mut next = 0usize;
                for x in 0..p {
                    let a = plan[(x, y)] as usize;
                    let end = next.checked_add(a).filter(|&e| e <= k)?;
                    let base = (x * q + y) * k;
                    bits[base + next..base + end].fill(true);
                    next = end;
                }
            }
            return Some(State::from_bits(Encoding::Binary, &bits));
        }
        for x in 0..p {
            for y in 0..q {
                let a = plan[(x, y)] as usize;
                if a > k {
                    return None;
                }
                let base = (x * q + y) * k;
                match self.encoding {
                    TransportEncoding::Unary | TransportEncoding::UnitAssignment => {
                        bits[base..base + a].fill(true);
                    }
                    TransportEncoding::OneHot { .. } => {
                        if a > 0 {
                            bits[base + a - 1] = true;
                        }
                    }
                }
            }
        }
        Some(State::from_bits(Encoding::Binary, &bits))
    }

    /// Unit assignment: the number of suppliers of each unit `(y, k)`, `q × K` row-major.
    fn unit_suppliers(&self, state: &State) -> Vec<usize> {
        let (q, k) = (self.shape.dims()[1], self.shape.dims()[2]);
        let mut out = vec![0usize; q * k];
        for (cell, chunk) in state.as_slice().chunks_exact(k).enumerate() {
            let y = cell % q;
            for (acc, &v) in out[y * k..(y + 1) * k].iter_mut().zip(chunk) {
                *acc += usize::from(v == 1.0);
            }
        }
        out
    }

    fn cell_counts(&self, state: &State) -> Vec<usize> {
        let k = self.shape.dims()[2];
        state
            .as_slice()
            .chunks_exact(k)
            .map(|c| c.iter().filter(|&&v| v == 1.0).count())
            .collect()
    }
}

impl Problem for Transport {
    type Couplings = TransportCouplings;
    /// The `p × q` plan `a_xy` (decoded from any state; see [`Problem::is_feasible`]).
    type Solution = DMatrix<u32>;

    fn name(&self) -> String {
        format!(
            "hitchcock{}x{}x{}",
            self.shape.dims()[0],
            self.shape.dims()[1],
            self.shape.dims()[2]
        )
    }

    fn shape(&self) -> &Shape {
        &self.shape
    }

    fn network(&self) -> &Network<TransportCouplings> {
        &self.network
    }

    fn energy_offset(&self) -> f64 {
        let s: f64 = self
            .instance
            .supply
            .iter()
            .map(|&v| f64::from(v).powi(2))
            .sum();
        let d: f64 = if self.encoding == TransportEncoding::UnitAssignment {
            // Σ_{y,k} t_yk² = Σ_y D_y.
            self.instance.demand.iter().map(|&v| f64::from(v)).sum()
        } else {
            self.instance
                .demand
                .iter()
                .map(|&v| f64::from(v).powi(2))
                .sum()
        };
        0.5 * (self.weights.a * s + self.weights.b * d)
    }

    fn penalty(&self, state: &State) -> f64 {
        let plan = self.amounts(state);
        let (p, q) = plan.shape();
        let TransportWeights { a, b, c } = self.weights;
        let mut e = 0.0;
        for x in 0..p {
            let r: f64 = plan.row(x).iter().map(|&v| f64::from(v)).sum();
            e += 0.5 * a * (r - f64::from(self.instance.supply[x])).powi(2);
        }
        if self.encoding == TransportEncoding::UnitAssignment {
            let k = self.shape.dims()[2];
            for (unit, &n) in self.unit_suppliers(state).iter().enumerate() {
                let needed = unit % k < self.instance.demand[unit / k] as usize;
                e += 0.5 * b * (n as f64 - f64::from(u8::from(needed))).powi(2);
            }
        } else {
            for y in 0..q {
                let col: f64 = plan.column(y).iter().map(|&v| f64::from(v)).sum();
                e += 0.5 * b * (col - f64::from(self.instance.demand[y])).powi(2);
            }
        }
        e += c * self.instance.plan_cost(&plan).unwrap_or(0.0);
        if let TransportEncoding::OneHot { f } = self.encoding {
            e += self
                .cell_counts(state)
                .iter()
                .map(|&n| 0.5 * f * (n * n.saturating_sub(1)) as f64)
                .sum::<f64>();
        }
        e
    }

    /// The amounts `a_xy` of any state (always `Some`); feasibility is separate.
    fn decode(&self, state: &State) -> Option<DMatrix<u32>> {
        (state.len() == self.shape.len()).then(|| self.amounts(state))
    }

    /// The transportation cost `Σ c_xy a_xy`.
    fn objective(&self, plan: &DMatrix<u32>) -> f64 {
        self.instance.plan_cost(plan).unwrap_or(f64::INFINITY)
    }

    /// Supplies and demands met exactly (and, one-hot, at most one neuron on per cell; unit
    /// assignment, exactly one supplier per needed unit and none for the others).
    fn is_feasible(&self, state: &State) -> bool {
        if state.len() != self.shape.len() {
            return false;
        }
        if self.encoding == TransportEncoding::UnitAssignment {
            let k = self.shape.dims()[2];
            let units_ok = self
                .unit_suppliers(state)
                .iter()
                .enumerate()
                .all(|(unit, &n)| {
                    n == usize::from(unit % k < self.instance.demand[unit / k] as usize)
                });
            if !units_ok {
                return false;
            }
        }
        if matches!(self.encoding, TransportEncoding::OneHot { .. })
            && self.cell_counts(state).iter().any(|&n| n > 1)
        {
            return false;
        }
        self.instance.plan_is_feasible(&self.amounts(state))
    }

    /// A feasible plan of cost `c` has penalty energy `C·c`.
    fn energy_of_objective(&self, objective: f64) -> Option<f64> {
        Some(self.weights.c * objective)
    }
}

impl LeanProblem for Transport {
    type Lean = IntNetwork;

    /// The [`IntNetwork`] of the instance, built on first use. Errors: a coupling or bias
    /// that is not an integer (non-integer costs or weights), fields beyond `i32`, or more
    /// memory than [`MAX_INT_LEAN_BYTES`](crate::problem::MAX_INT_LEAN_BYTES) (checked
    /// before anything is allocated).
    fn lean(&self) -> Result<&IntNetwork> {
        check_int_lean_bytes(&self.name(), self.lean_bytes())?;
        let (p, q, k) = (
            self.shape.dims()[0],
            self.shape.dims()[1],
            self.shape.dims()[2],
        );
        let per_unit = self.encoding == TransportEncoding::UnitAssignment;
        self.lean
            .get_or_init(|| {
                int_network_of(&self.name(), &self.network, |i, out| {
                    let (kk, cell) = (i % k, i / k);
                    let (x, y) = (cell / q, cell % q);
                    // Warehouse plane x, then the rest of factory plane y (or of unit (y, kk)).
                    out.extend((x * q * k..(x + 1) * q * k).filter(|&j| j != i));
                    for xx in (0..p).filter(|&xx| xx != x) {
                        let base = (xx * q + y) * k;
                        if per_unit {
                            out.push(base + kk);
                        } else {
                            out.extend(base..base + k);
                        }
                    }
                })
            })
            .as_ref()
            .map_err(|reason| OptError::InvalidParameter {
                name: "lean",
                reason: reason.clone(),
            })
    }

    /// The network's build (at most half of `N·((q·K − 1) + (p − 1)·K)` coupled pairs for
    /// `N = p·q·K` neurons), the bit state and the `i32` fields.
    fn lean_bytes(&self) -> u64 {
        let [p, q, k] = [0, 1, 2].map(|d| self.shape.dims()[d] as u64);
        let other = if self.encoding == TransportEncoding::UnitAssignment {
            p - 1
        } else {
            (p - 1).saturating_mul(k)
        };
        let per_neuron = (q.saturating_mul(k) - 1).saturating_add(other);
        let n = self.shape.len();
        int_lean_bytes(n, (n as u64).saturating_mul(per_neuron).div_ceil(2))
    }

    fn decode_bits(&self, state: &BitState) -> Option<DMatrix<u32>> {
        (state.len() == self.shape.len())
            .then(|| self.decode(&state.to_state()))
            .flatten()
    }

    fn is_feasible_bits(&self, state: &BitState) -> bool {
        state.len() == self.shape.len() && self.is_feasible(&state.to_state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> TransportInstance {
        TransportInstance::new(
            vec![3, 2],
            vec![1, 4],
            DMatrix::from_row_slice(2, 2, &[1.0, 5.0, 2.0, 3.0]),
        )
        .unwrap()
    }

    #[test]
    fn feasible_plan_energy_is_cost() {
        // Plan [[1, 2], [0, 2]]: cost 1·1 + 2·5 + 0·2 + 2·3 = 17.
        let plan = DMatrix::from_row_slice(2, 2, &[1u32, 2, 0, 2]);
        for t in [
            Transport::new(tiny()).unwrap(),
            Transport::one_hot(tiny()).unwrap(),
            Transport::unit_assignment(tiny()).unwrap(),
        ] {
            let s = t.encode_plan(&plan).unwrap();
            assert!(t.is_feasible(&s));
            assert_eq!(t.penalty(&s), 17.0);
            assert!((t.energy(&s).unwrap() - 17.0).abs() < 1e-9);
            assert_eq!(t.decode(&s), Some(plan.clone()));
        }
    }

    #[test]
    fn unbalanced_is_an_error() {
        let r = TransportInstance::new(vec![3, 2], vec![1, 5], DMatrix::zeros(2, 2));
        assert!(matches!(
            r,
            Err(OptError::Unbalanced {
                supply: 5,
                demand: 6
            })
        ));
        assert!(TransportInstance::new(vec![1], vec![1], DMatrix::zeros(2, 2)).is_err());
        assert!(TransportInstance::new(vec![], vec![], DMatrix::zeros(0, 0)).is_err());
    }

    #[test]
    fn built_in_experiments_match_the_paper() {
        let e1 = TransportInstance::experiment1();
        let e2 = TransportInstance::experiment2();
        for (e, total, k) in [(&e1, 100, 17), (&e2, 300, 43)] {
            let again = TransportInstance::new(e.supply.clone(), e.demand.clone(), e.cost.clone());
            assert!(again.is_ok());
            assert_eq!(e.supply().iter().sum::<u32>(), total);
            assert_eq!(e.depth(), k);
        }
        assert_eq!(Transport::new(e1).unwrap().shape().len(), 850);
        assert_eq!(Transport::new(e2).unwrap().shape().len(), 2150);
    }
}
