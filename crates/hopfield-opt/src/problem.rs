//! The [`Problem`] trait: the neuron array, couplings and biases, decoding, objective,
//! feasibility.
//!
//! A combinatorial problem is solved by a discrete 0/1 Hopfield network (Matsumoto et al. 2004, eqs
//! 1–3; Hopfield & Tank 1985) whose energy is a *penalty function*: constraint violations plus the
//! objective. The crate compiles a quadratic 0/1 penalty `E(u) = ½ uᵀQu + cᵀu + const` into
//! couplings and biases:
//!
//! ```text
//! w_ij = −Q_ij (i ≠ j),   w_ii = 0,   b_i = −(c_i + ½ Q_ii),
//! E_Hopfield(u) = −½ uᵀWu − bᵀu = E(u) − const.
//! ```
//!
//! Every problem in this crate stores `W` *structurally* (rows, columns, diagonals, the
//! distance matrix), so a flip costs `O(n)` for an `n × n` neuron array instead of a row of an
//! `n² × n²` matrix, and reports `const` as [`Problem::energy_offset`]: the penalty energy of a
//! state is `network().energy(state) + energy_offset()` ([`Problem::energy`]). Each problem
//! also evaluates its penalty formula directly ([`Problem::penalty`]), and
//! [`dense_from_penalty`] rebuilds `(W, b, const)` from that formula alone, by finite
//! differences: the tests check the structured couplings against it.
//!
//! The neuron array has a [`Shape`] `ν_1 × … × ν_δ` (Matsumoto et al. 2004, eqs 10–11), used by the
//! tunnel operator `T` to permute slices.

use hopfield_core::lean::{BitState, IntNetwork, LeanNetwork};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Couplings, Dense, Encoding, Network, State};
use serde::{Deserialize, Serialize};

use crate::{OptError, Result};

/// The shape `ν_1 × … × ν_δ` of a neuron array (Matsumoto et al. 2004, eqs 10–11), row-major: the
/// last index varies fastest, so the neuron of multi-index `(m_1, …, m_δ)` is
/// `Σ_d m_d · Π_{e>d} ν_e`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shape {
    dims: Vec<usize>,
    strides: Vec<usize>,
    len: usize,
}

impl Shape {
    /// A shape from its dimensions; every dimension must be at least 1 and the product must
    /// fit in `usize`.
    pub fn new(dims: Vec<usize>) -> Result<Self> {
        if dims.is_empty() {
            return Err(OptError::InvalidParameter {
                name: "shape",
                reason: "a neuron array needs at least one dimension".into(),
            });
        }
        if let Some(d) = dims.iter().position(|&v| v == 0) {
            return Err(OptError::InvalidParameter {
                name: "shape",
                reason: format!("dimension {d} has size 0"),
            });
        }
        let mut strides = vec![1usize; dims.len()];
        let mut len = 1usize;
        for d in (0..dims.len()).rev() {
            strides[d] = len;
            len = len
                .checked_mul(dims[d])
                .ok_or_else(|| OptError::InvalidParameter {
                    name: "shape",
                    reason: format!("{dims:?} has more neurons than fit in usize"),
                })?;
        }
        Ok(Shape { dims, strides, len })
    }

    /// The dimensions `ν_1, …, ν_δ`.
    #[inline]
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The number of dimensions `δ`.
    #[inline]
    pub fn ndim(&self) -> usize {
        self.dims.len()
    }

    /// The row-major strides: `stride(d) = Π_{e>d} ν_e`.
    #[inline]
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }

    /// The number of neurons `Π_d ν_d`.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the array has no neurons (never, by construction).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The neuron index of a multi-index, or `None` if the multi-index has the wrong length or
    /// a coordinate out of range.
    pub fn index(&self, multi: &[usize]) -> Option<usize> {
        if multi.len() != self.dims.len() {
            return None;
        }
        let mut i = 0;
        for ((&m, &v), &s) in multi.iter().zip(&self.dims).zip(&self.strides) {
            if m >= v {
                return None;
            }
            i += m * s;
        }
        Some(i)
    }

    /// The multi-index of a neuron, or `None` if `index >= len()`.
    pub fn multi_index(&self, index: usize) -> Option<Vec<usize>> {
        if index >= self.len {
            return None;
        }
        Some(
            self.dims
                .iter()
                .zip(&self.strides)
                .map(|(&v, &s)| (index / s) % v)
                .collect(),
        )
    }

    /// Calls `f(o, i)` for every neuron `i` of slice `value` along dimension `dim` (all
    /// neurons whose `dim`-th coordinate is `value`), where `o` enumerates the slice's
    /// `len() / ν_dim` positions in the same order for every slice. `O(len / ν_dim)`.
    ///
    /// Panics if `dim` or `value` is out of range.
    #[inline]
    pub fn for_each_in_slice(&self, dim: usize, value: usize, mut f: impl FnMut(usize, usize)) {
        assert!(value < self.dims[dim], "slice {value} out of range");
        let stride = self.strides[dim];
        let block = stride * self.dims[dim];
        let outer = self.len / block;
        let mut o = 0;
        for b in 0..outer {
            let base = b * block + value * stride;
            for inner in 0..stride {
                f(o, base + inner);
                o += 1;
            }
        }
    }
}

/// Whether a problem's objective is minimised (a tour length, a cost) or maximised (a cut).
///
/// The network always minimises its energy; a maximised objective enters the energy with
/// its sign flipped, and reports and targets use the objective in its own sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sense {
    /// Smaller is better.
    #[default]
    Minimize,
    /// Larger is better.
    Maximize,
}

impl Sense {
    /// Whether `a` is strictly better than `b` in this sense.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Sense::Minimize => a < b,
            Sense::Maximize => a > b,
        }
    }

    /// Whether `value` reaches `target` (at most it when minimising, at least when
    /// maximising).
    pub fn reaches(self, value: f64, target: f64) -> bool {
        match self {
            Sense::Minimize => value <= target,
            Sense::Maximize => value >= target,
        }
    }

    /// `+1` when minimising, `−1` when maximising: `energy = sign · objective + const` for
    /// problems whose energy is their objective.
    pub fn sign(self) -> f64 {
        match self {
            Sense::Minimize => 1.0,
            Sense::Maximize => -1.0,
        }
    }
}

/// An optimization problem encoded as a 0/1 Hopfield network with structured couplings.
///
/// Contract: for every 0/1 state `s`,
/// `penalty(s) == network().energy(s) + energy_offset()` up to rounding, and the couplings are
/// those derived from `penalty`.
pub trait Problem: Send + Sync {
    /// The structured couplings.
    type Couplings: Couplings + Clone;
    /// A decoded solution (a tour, a queen placement, a transportation plan).
    type Solution: Clone + std::fmt::Debug + Send + Sync;

    /// A short name for reports.
    fn name(&self) -> String;

    /// The shape of the neuron array.
    fn shape(&self) -> &Shape;

    /// The Hopfield network (0/1 encoding, zero diagonal).
    fn network(&self) -> &Network<Self::Couplings>;

    /// The constant dropped when compiling the penalty into `(W, b)`:
    /// `penalty(s) = E_Hopfield(s) + energy_offset()`.
    fn energy_offset(&self) -> f64;

    /// The penalty energy evaluated directly from its formula (not from `W`), `O(N)` to
    /// `O(N·n)`. Panics if `state` has the wrong length.
    fn penalty(&self, state: &State) -> f64;

    /// The penalty energy through the network: `E_Hopfield(s) + energy_offset()`.
    fn energy(&self, state: &State) -> Result<f64> {
        Ok(self.network().energy(state)? + self.energy_offset())
    }

    /// The solution a state encodes, or `None` when the state encodes none (see each
    /// problem for what decodes).
    fn decode(&self, state: &State) -> Option<Self::Solution>;

    /// The objective value of a solution (tour length, attacking pairs, transportation cost).
    fn objective(&self, solution: &Self::Solution) -> f64;

    /// Whether a state satisfies every constraint of the problem.
    fn is_feasible(&self, state: &State) -> bool;

    /// Whether [`Problem::objective`] is minimised (the default) or maximised.
    fn sense(&self) -> Sense {
        Sense::Minimize
    }

    /// The penalty energy ([`Problem::energy`]) of a feasible state whose objective is
    /// `objective`, when the energy of feasible states is a function of the objective alone
    /// (TSP: `D·length`; transportation: `C·cost`; QUBO: the value; Max-Cut: `−cut`); `None`
    /// otherwise. Searches turn an objective target into an energy target with it.
    fn energy_of_objective(&self, _objective: f64) -> Option<f64> {
        None
    }

    /// The penalty energy of every solution, for problems whose solutions are exactly the
    /// states at one energy (N-Queens: 0). A search may stop as soon as it reaches it
    /// ("stop when solved"); `None` (the default) for optimization problems.
    fn solved_energy(&self) -> Option<f64> {
        None
    }

    /// Checks, before anything large is allocated, that the plain network and a plain
    /// search (an `f64` state and `f64` fields) fit the documented size limits; the
    /// default accepts everything. Problems whose network is built lazily refuse sizes
    /// here with the memory they would need.
    fn check_plain_size(&self) -> Result<()> {
        Ok(())
    }

    /// The couplings as a dense matrix (for tests and small problems): `O(N²)` memory.
    fn dense_couplings(&self) -> Result<Dense> {
        let c = self.network().couplings();
        let n = c.n();
        Ok(Dense::with_zero_diagonal(DMatrix::from_fn(
            n,
            n,
            |i, j| {
                if i == j { 0.0 } else { c.weight(i, j) }
            },
        ))?)
    }
}

/// A problem that also runs on a lean network ([`hopfield_core::lean`]): a bit per neuron
/// and fields stored at the width its couplings need, so large instances fit in memory.
///
/// Every built-in problem implements it:
/// - N-Queens keeps `6n` row, column and diagonal counters for its `n²` neurons;
/// - QUBO/Ising models, TSP and transportation instances whose couplings and biases are all
///   integers run on an [`IntNetwork`] (sparse integer couplings, `i32` fields): integer
///   QUBO coefficients; TSP with integer distances (TSPLIB's official conventions round
///   them) and integer penalty weights with `A + B` even (the bias is `(A + B)/2`);
///   transportation with integer costs and weights in every encoding whose biases come out
///   integral. The TSP and transportation networks are built on first use, after their
///   memory is checked against [`MAX_INT_LEAN_BYTES`]; other instances get an error from
///   [`LeanProblem::lean`] and run on the plain path.
///
/// Contract: the lean network has the same neurons, couplings, biases and energy as
/// [`Problem::network`], and `decode_bits`/`is_feasible_bits` agree with
/// [`Problem::decode`]/[`Problem::is_feasible`] on the same state.
pub trait LeanProblem: Problem {
    /// The lean network.
    type Lean: LeanNetwork;

    /// The lean network, or an error saying why this instance has none (for example weights
    /// that are not integers, or a state that would not fit the memory limit).
    fn lean(&self) -> Result<&Self::Lean>;

    /// The bytes one lean search needs (state, fields and the operator's working memory),
    /// for checks before allocating.
    fn lean_bytes(&self) -> u64;

    /// [`Problem::decode`] on a bit state.
    fn decode_bits(&self, state: &BitState) -> Option<Self::Solution>;

    /// [`Problem::is_feasible`] on a bit state.
    fn is_feasible_bits(&self, state: &BitState) -> bool;
}

/// The most memory building and running the integer lean network of a structured problem
/// (TSP, transportation) may take: 1 GiB, about 180 cities. The network stores every
/// nonzero coupling (`4(n − 1)` per neuron for an `n`-city tour, `(q·K − 1) + (p − 1)·K`
/// per neuron for a `p × q × K` transportation array), and building it takes about 88 bytes
/// per coupled pair; larger instances are refused by [`LeanProblem::lean`] with the memory
/// they would need, before anything is allocated.
pub const MAX_INT_LEAN_BYTES: u64 = 1 << 30;

/// The bytes of a lean search on an integer network built from `pairs` coupled pairs
/// (each counted once) over `n` neurons: the build's peak (entries, both halves sorted,
/// the compressed rows), biases, the bit state and the `i32` fields.
pub(crate) fn int_lean_bytes(n: usize, pairs: u64) -> u64 {
    let n = n as u64;
    pairs
        .saturating_mul(88)
        .saturating_add(n.saturating_mul(40))
        .saturating_add(n.div_ceil(64).saturating_mul(8))
        .saturating_add(n.saturating_mul(4))
}

/// Refuses a lean network whose [`LeanProblem::lean_bytes`] exceed [`MAX_INT_LEAN_BYTES`].
pub(crate) fn check_int_lean_bytes(name: &str, bytes: u64) -> Result<()> {
    if bytes > MAX_INT_LEAN_BYTES {
        return Err(OptError::InvalidParameter {
            name: "lean",
            reason: format!(
                "the integer lean network of {name} needs {:.2} GB, more than the limit of \
                 {:.2} GB; use the plain path",
                bytes as f64 / 1e9,
                MAX_INT_LEAN_BYTES as f64 / 1e9
            ),
        });
    }
    Ok(())
}

/// The [`IntNetwork`] of a plain network whose couplings and biases are all integers (and
/// whose fields fit `i32`), or why it has none. `neighbours(p, out)` lists (into `out`,
/// without repeats) every neuron that may couple with `p`; the weights are read from the
/// plain couplings, so the two networks agree by construction.
pub(crate) fn int_network_of<C: Couplings>(
    name: &str,
    network: &Network<C>,
    mut neighbours: impl FnMut(usize, &mut Vec<usize>),
) -> std::result::Result<IntNetwork, String> {
    let integral = |v: f64| v.fract() == 0.0 && v.abs() <= f64::from(i32::MAX);
    let not_integral = |what: String| {
        format!(
            "{name} has {what}, not an integer: the lean network needs integer couplings and \
             biases (integer distances or costs and integer penalty weights); use the plain path"
        )
    };
    let n = network.n();
    let mut bias = Vec::with_capacity(n);
    for (i, &b) in network.bias().iter().enumerate() {
        if !integral(b) {
            return Err(not_integral(format!("bias b_{i} = {b}")));
        }
        bias.push(b as i64);
    }
    let couplings = network.couplings();
    let mut entries = Vec::new();
    let mut out = Vec::new();
    for p in 0..n {
        out.clear();
        neighbours(p, &mut out);
        for &q in out.iter().filter(|&&q| q > p) {
            let w = couplings.weight(p, q);
            if w == 0.0 {
                continue;
            }
            if !integral(w) {
                return Err(not_integral(format!("coupling w_{p},{q} = {w}")));
            }
            entries.push((p, q, w as i64));
        }
    }
    IntNetwork::new(n, &entries, bias, Encoding::Binary).map_err(|e| format!("{name}: {e}"))
}

/// `(W, b, const)` rebuilt from [`Problem::penalty`] alone by finite differences:
/// `const = E(0)`, `b_i = E(0) − E(e_i)`, `w_ij = −(E(e_i + e_j) − E(e_i) − E(e_j) + E(0))`.
///
/// Exact for a quadratic penalty; `O(N²)` penalty evaluations, so small problems only. The
/// tests compare it with the structured couplings.
pub fn dense_from_penalty<P: Problem + ?Sized>(problem: &P) -> Result<(Dense, Vec<f64>, f64)> {
    let n = problem.shape().len();
    let mut bits = vec![false; n];
    let eval = |bits: &[bool]| problem.penalty(&State::from_bits(Encoding::Binary, bits));
    let e0 = eval(&bits);
    let mut single = vec![0.0; n];
    for i in 0..n {
        bits[i] = true;
        single[i] = eval(&bits);
        bits[i] = false;
    }
    let mut w = DMatrix::zeros(n, n);
    for i in 0..n {
        bits[i] = true;
        for j in (i + 1)..n {
            bits[j] = true;
            let q = eval(&bits) - single[i] - single[j] + e0;
            w[(i, j)] = -q;
            w[(j, i)] = -q;
            bits[j] = false;
        }
        bits[i] = false;
    }
    let bias = single.iter().map(|e| e0 - e).collect();
    Ok((Dense::with_zero_diagonal(w)?, bias, e0))
}

/// Checks that a penalty weight is finite and positive.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(OptError::InvalidParameter {
            name,
            reason: format!("must be finite and > 0, got {value}"),
        })
    }
}

/// Checks that a penalty weight is finite and non-negative.
pub(crate) fn check_non_negative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(OptError::InvalidParameter {
            name,
            reason: format!("must be finite and >= 0, got {value}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_index_round_trip() {
        let s = Shape::new(vec![2, 3, 4]).unwrap();
        assert_eq!(s.len(), 24);
        assert_eq!(s.strides(), &[12, 4, 1]);
        for i in 0..24 {
            let m = s.multi_index(i).unwrap();
            assert_eq!(s.index(&m), Some(i));
        }
        assert_eq!(s.index(&[1, 2, 3]), Some(23));
        assert_eq!(s.index(&[2, 0, 0]), None);
        assert_eq!(s.multi_index(24), None);
    }

    #[test]
    fn slices_enumerate_matching_neurons() {
        let s = Shape::new(vec![2, 3, 4]).unwrap();
        for d in 0..3 {
            for v in 0..s.dims()[d] {
                let mut seen = Vec::new();
                s.for_each_in_slice(d, v, |o, i| {
                    assert_eq!(o, seen.len());
                    seen.push(i);
                });
                assert_eq!(seen.len(), 24 / s.dims()[d]);
                for &i in &seen {
                    assert_eq!(s.multi_index(i).unwrap()[d], v);
                }
            }
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(Shape::new(vec![]).is_err());
        assert!(Shape::new(vec![3, 0]).is_err());
        assert!(Shape::new(vec![usize::MAX, 3]).is_err());
    }
}
