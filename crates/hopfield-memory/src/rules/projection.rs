//! The projection (pseudo-inverse) rule of Personnaz, Guyon & Dreyfus (1986), batch and
//! incremental (Greville).

use hopfield_core::nalgebra::{DMatrix, DVector};
use hopfield_core::{Dense, DiagonalPolicy, Encoding, LowRank, Network, State};

use super::hebb::symmetric_product;
use super::{LearningRule, check_positive, invalid, symmetrize};
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

/// The projection rule: `W = X X⁺`, the orthogonal projector onto the span of the patterns
/// (`X` is `N × M`, column `u` = pattern `u`).
///
/// `W x^u = x^u` for every pattern in the span, so every pattern is a fixed point with
/// `γ_i^u = 1`. `X⁺` comes from an SVD, so linearly dependent sets are accepted (their span
/// is projected onto). The diagonal `W_ii = ‖W e_i‖² ∈ [0, 1]` is kept
/// ([`DiagonalPolicy::SelfCoupling`]) unless [`zero_diagonal`](Projection::zero_diagonal) is
/// set, which drops it (the common variant with larger basins but no longer `W x = x`).
/// Cost `O(N M² + N² M)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    /// Set `W_ii = 0`.
    pub zero_diagonal: bool,
    /// Singular values below this are treated as zero in `X⁺` (default `1e-9`).
    pub tolerance: f64,
}

impl Default for Projection {
    fn default() -> Self {
        Projection {
            zero_diagonal: false,
            tolerance: 1e-9,
        }
    }
}

impl Projection {
    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        check_positive("tolerance", self.tolerance)
    }

    /// The same projector kept in pattern space: `W = X A Xᵀ` with `A = (XᵀX)⁺` as a
    /// [`LowRank`] matrix (`O(N M)` memory, `O(N M²)` time). `A` is the inverse of the Gram
    /// matrix for well-conditioned sets, else `V Σ⁻² Vᵀ` with singular values at or below
    /// `tolerance` dropped, as in [`learn`](LearningRule::learn), so both are `X X⁺` up to
    /// rounding.
    ///
    /// Projection weights are not integers, so the dense and low-rank forms agree up to
    /// rounding (about `1e-15`), not bit for bit: recall from either ends in the same states
    /// unless some field comes within rounding of zero. Each form's batched recall equals its
    /// own plain dynamics exactly (see [`hopfield_core::Precision::Certified`]).
    pub fn learn_low_rank(&self, patterns: &Patterns) -> Result<Network<LowRank>> {
        self.check()?;
        let x = patterns.to_matrix();
        let a = Range::of(&x, self.tolerance)?.coefficients;
        let policy = if self.zero_diagonal {
            DiagonalPolicy::Zero
        } else {
            DiagonalPolicy::SelfCoupling
        };
        Ok(Network::new(LowRank::new(x, a, policy)?, Encoding::Bipolar))
    }
}

/// The range of `X` (`N × M`): an orthonormal basis `B` (`N × r`, so `X X⁺ = B Bᵀ`) and the
/// coefficients `A = (XᵀX)⁺` (`X X⁺ = X A Xᵀ`), dropping singular values at or below the
/// tolerance. Costs `O(N M²)`.
struct Range {
    basis: DMatrix<f64>,
    coefficients: DMatrix<f64>,
}

impl Range {
    fn of(x: &DMatrix<f64>, tolerance: f64) -> Result<Self> {
        // Well-conditioned sets (random patterns): Cholesky of the Gram matrix, `Y = X L⁻ᵀ`
        // has orthonormal columns spanning the patterns. With κ(X) ≤ 10⁴ every singular value
        // is above `σ_max / 10⁴`, far above any sensible tolerance, so no singular value would
        // have been dropped and the projector is the same.
        let gram = x.transpose() * x;
        if let Some(chol) = gram.clone().cholesky() {
            let l = chol.l();
            let diag = l.diagonal();
            let (lo, hi) = (diag.min(), diag.max());
            if lo > 0.0
                && hi / lo <= 1e4
                && lo > tolerance
                && let Some(yt) = l.solve_lower_triangular(&x.transpose())
            {
                return Ok(Range {
                    basis: yt.transpose(),
                    coefficients: chol.inverse(),
                });
            }
        }
        let qr = x.clone().qr();
        let (q, r) = (qr.q(), qr.r());
        let svd = r.svd(true, true);
        let (u_small, v_t) = match (svd.u, svd.v_t) {
            (Some(u), Some(v_t)) => (u, v_t),
            _ => return Err(MemoryError::Solver("the SVD did not return U and V".into())),
        };
        let keep: Vec<usize> = (0..svd.singular_values.len())
            .filter(|&k| svd.singular_values[k] > tolerance)
            .collect();
        let u_keep = DMatrix::from_fn(u_small.nrows(), keep.len(), |i, k| u_small[(i, keep[k])]);
        let m = x.ncols();
        let mut a = DMatrix::zeros(m, m);
        for &k in &keep {
            let v = v_t.row(k);
            let inv = 1.0 / (svd.singular_values[k] * svd.singular_values[k]);
            for col in 0..m {
                for row in 0..m {
                    a[(row, col)] += inv * v[row] * v[col];
                }
            }
        }
        Ok(Range {
            basis: q * u_keep,
            coefficients: a,
        })
    }
}

/// Builds the network from a projector matrix (symmetrized).
fn network_from_projector(mut w: DMatrix<f64>, zero_diagonal: bool) -> Result<Network<Dense>> {
    symmetrize(&mut w);
    let couplings = if zero_diagonal {
        Dense::with_zero_diagonal(w)?
    } else {
        for i in 0..w.nrows() {
            // A projector's diagonal is ≥ 0; clear rounding below zero.
            w[(i, i)] = w[(i, i)].max(0.0);
        }
        Dense::new(w, DiagonalPolicy::SelfCoupling)?
    };
    Ok(Network::new(couplings, Encoding::Bipolar))
}

impl LearningRule for Projection {
    fn name(&self) -> &'static str {
        if self.zero_diagonal {
            "projection_zero_diagonal"
        } else {
            "projection"
        }
    }

    /// `W = B Bᵀ` for an orthonormal basis `B` of the patterns' span: `B = X L⁻ᵀ` from the
    /// Cholesky factor of `XᵀX` when the set is well conditioned (`κ(X) ≤ 10⁴`), else the
    /// left singular vectors with singular values above the tolerance (QR of `X`, SVD of `R`).
    /// Only the blocks on and above the diagonal are multiplied and each is written to both
    /// triangles, so `W` is exactly symmetric with a diagonal `‖B_i‖² ≥ 0`.
    /// Cost `O(N M² + N² r / 2)`.
    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        self.check()?;
        let range = Range::of(&patterns.to_matrix(), self.tolerance)?;
        let mut w = symmetric_product(&range.basis);
        let policy = if self.zero_diagonal {
            w.fill_diagonal(0.0);
            DiagonalPolicy::Zero
        } else {
            DiagonalPolicy::SelfCoupling
        };
        Ok(Network::new(Dense::new(w, policy)?, Encoding::Bipolar))
    }
}

/// The incremental (Greville) form of the projection rule: adding pattern `x` sets
/// `e = x − W x` and, when `e ≠ 0`, `W ← W + e eᵀ / (eᵀe)`. After adding a set of
/// patterns, `W` equals [`Projection`]'s `X X⁺` up to rounding. Each addition costs `O(N²)`.
///
/// ```
/// use hopfield_memory::rules::ProjectionBuilder;
/// use hopfield_memory::hopfield_core::{Encoding, State};
/// let mut b = ProjectionBuilder::new(4)?;
/// assert!(b.add_pattern(&State::from_signs(Encoding::Bipolar, &[1, -1, 1, 1]))?);
/// // A pattern already in the span adds nothing.
/// assert!(!b.add_pattern(&State::from_signs(Encoding::Bipolar, &[-1, 1, -1, -1]))?);
/// assert_eq!(b.rank(), 1);
/// # Ok::<(), hopfield_memory::MemoryError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionBuilder {
    w: DMatrix<f64>,
    rank: usize,
    tolerance: f64,
}

impl ProjectionBuilder {
    /// An empty memory of `n ≥ 1` neurons (`W = 0`).
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 {
            return Err(invalid("n", "a network needs at least one neuron"));
        }
        Ok(ProjectionBuilder {
            w: DMatrix::zeros(n, n),
            rank: 0,
            tolerance: 1e-9,
        })
    }

    /// Adds pattern `x` (any encoding; binary states are mapped to ±1). Returns `false` when
    /// `x` is already (numerically) in the span of the stored patterns, which leaves `W`
    /// unchanged.
    pub fn add_pattern(&mut self, x: &State) -> Result<bool> {
        let n = self.w.nrows();
        if x.len() != n {
            return Err(MemoryError::UnequalLengths {
                index: self.rank,
                expected: n,
                found: x.len(),
            });
        }
        let x = DVector::from_column_slice(x.to_encoding(Encoding::Bipolar).as_slice());
        let e = &x - &self.w * &x;
        let ee = e.dot(&e);
        if ee <= self.tolerance * n as f64 {
            return Ok(false);
        }
        self.w += &e * e.transpose() / ee;
        self.rank += 1;
        Ok(true)
    }

    /// Number of linearly independent patterns added.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The current projector `W`.
    pub fn matrix(&self) -> &DMatrix<f64> {
        &self.w
    }

    /// The network of the current `W` (self-couplings kept unless `zero_diagonal`).
    pub fn network(&self, zero_diagonal: bool) -> Result<Network<Dense>> {
        network_from_projector(self.w.clone(), zero_diagonal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    #[test]
    fn greville_matches_batch() {
        let p = Patterns::random(30, 6, &mut rng_from_seed(3)).unwrap();
        let batch = Projection::default().learn(&p).unwrap();
        let mut b = ProjectionBuilder::new(30).unwrap();
        for x in p.iter() {
            assert!(b.add_pattern(x).unwrap());
        }
        let inc = b.network(false).unwrap();
        let diff = (batch.couplings().matrix() - inc.couplings().matrix()).amax();
        assert!(diff < 1e-9, "max difference {diff}");
        // W x = x for every pattern.
        let x = p.to_matrix();
        assert!((batch.couplings().matrix() * &x - &x).amax() < 1e-9);
    }

    #[test]
    fn bad_params() {
        assert!(matches!(
            Projection {
                tolerance: -1.0,
                ..Default::default()
            }
            .learn(&Patterns::from_signs(&[vec![1, 1]]).unwrap()),
            Err(MemoryError::InvalidParams { .. })
        ));
        assert!(ProjectionBuilder::new(0).is_err());
        let mut b = ProjectionBuilder::new(3).unwrap();
        assert!(
            b.add_pattern(&State::from_signs(Encoding::Bipolar, &[1, 1]))
                .is_err()
        );
    }
}
