//! Symmetric couplings `W`: the [`Couplings`] trait and its dense and sparse implementations.
//!
//! A coupling matrix is symmetric (`w_ij = w_ji`) with an explicit [`DiagonalPolicy`]. The
//! dynamics never read `W` row by row: they keep every local field current and, after neuron
//! `j` changes by `Δ`, add `Δ · W[:, j]` to the fields ([`Couplings::add_column`]). So an
//! asynchronous step costs what one column costs: `O(N)` dense, `O(degree)` sparse, and
//! whatever a structured implementation (a TSP or N-Queens encoder in `hopfield-opt`) needs.

mod dense;
mod low_rank;
mod sparse;

pub use dense::{Dense, Weight};
pub(crate) use low_rank::Coefficients;
pub use low_rank::LowRank;
pub use sparse::{Sparse, SparseBuilder};

use crate::batch::BatchView;

use serde::{Deserialize, Serialize};

/// What the diagonal of `W` (the self-couplings `w_ii`) may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagonalPolicy {
    /// Every `w_ii` is zero (Hopfield 1982; the Hebbian rule; the tunnel paper).
    Zero,
    /// Self-couplings are allowed and each must be `≥ 0` (Liang–Wu–Yu use `w_ii = 1`).
    /// With `w_ii ≥ 0`, asynchronous updates still never raise the energy.
    SelfCoupling,
}

/// A symmetric coupling matrix, seen through the operations the dynamics need.
///
/// Implementors guarantee `weight(i, j) == weight(j, i)` and `self_coupling(i) >= 0`. All
/// slices passed in have length [`n`](Couplings::n); implementations may panic otherwise
/// (the [`Network`](crate::Network) and [`Dynamics`](crate::Dynamics) check lengths before
/// they call in).
///
/// Only [`n`](Couplings::n), [`weight`](Couplings::weight) and
/// [`add_column`](Couplings::add_column) are required; override the others when the structure
/// allows something faster.
pub trait Couplings: Send + Sync {
    /// Number of neurons.
    fn n(&self) -> usize;

    /// The coupling `w_ij`.
    fn weight(&self, i: usize, j: usize) -> f64;

    /// Adds `scale · w_ij` to `fields[i]` for every `i`: the change of all local fields when
    /// neuron `j` changes by `scale`. This is the hot operation of asynchronous dynamics.
    fn add_column(&self, j: usize, scale: f64, fields: &mut [f64]);

    /// The self-coupling `w_ii`.
    fn self_coupling(&self, i: usize) -> f64 {
        self.weight(i, i)
    }

    /// `Σ_j w_ij s_j`, computed from scratch.
    fn row_dot(&self, i: usize, state: &[f64]) -> f64 {
        (0..self.n()).map(|j| self.weight(i, j) * state[j]).sum()
    }

    /// `out = W s`, computed from scratch. A synchronous sweep costs one call.
    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for (j, &s) in state.iter().enumerate() {
            if s != 0.0 {
                self.add_column(j, s, out);
            }
        }
    }

    /// How the batched engine ([`BatchPlan`](crate::BatchPlan)) may read these couplings:
    /// `None` (the default) runs every state through the plain [`Dynamics`](crate::Dynamics),
    /// which is always correct. [`Dense`] and [`LowRank`] return their matrices, so a batch
    /// of states is run with matrix products.
    fn batch_view(&self) -> Option<BatchView<'_>> {
        None
    }
}

impl<C: Couplings + ?Sized> Couplings for &C {
    fn n(&self) -> usize {
        (**self).n()
    }
    fn weight(&self, i: usize, j: usize) -> f64 {
        (**self).weight(i, j)
    }
    fn add_column(&self, j: usize, scale: f64, fields: &mut [f64]) {
        (**self).add_column(j, scale, fields)
    }
    fn self_coupling(&self, i: usize) -> f64 {
        (**self).self_coupling(i)
    }
    fn row_dot(&self, i: usize, state: &[f64]) -> f64 {
        (**self).row_dot(i, state)
    }
    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        (**self).mul_into(state, out)
    }
    fn batch_view(&self) -> Option<BatchView<'_>> {
        (**self).batch_view()
    }
}

/// Couplings that can be multiplied by a positive constant, as the exact
/// [±1 ↔ 0/1 conversion](crate::convert) needs (`W' = 4W`).
pub trait Rescale: Couplings + Sized {
    /// `factor · W`. `factor` is finite and positive (the caller checks).
    fn rescaled(&self, factor: f64) -> Self;
}

/// Relative tolerance under which `w_ij` and `w_ji` count as equal (and are then averaged).
pub const SYMMETRY_TOLERANCE: f64 = 1e-9;

/// Checks that `a` (= `w_ij`) and `b` (= `w_ji`) agree up to [`SYMMETRY_TOLERANCE`].
pub(crate) fn check_symmetric_pair(i: usize, j: usize, a: f64, b: f64) -> crate::Result<()> {
    let scale = 1.0_f64.max(a.abs()).max(b.abs());
    if (a - b).abs() <= SYMMETRY_TOLERANCE * scale {
        Ok(())
    } else {
        Err(crate::CoreError::Asymmetric {
            i,
            j,
            w_ij: a,
            w_ji: b,
        })
    }
}

/// Checks a diagonal entry against the policy.
pub(crate) fn check_diagonal(policy: DiagonalPolicy, i: usize, value: f64) -> crate::Result<()> {
    match policy {
        DiagonalPolicy::Zero if value != 0.0 => Err(crate::CoreError::NonZeroDiagonal { i, value }),
        DiagonalPolicy::SelfCoupling if value < 0.0 => {
            Err(crate::CoreError::NegativeSelfCoupling { i, value })
        }
        _ => Ok(()),
    }
}
