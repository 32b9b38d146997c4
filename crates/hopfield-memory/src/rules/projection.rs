//! The projection (pseudo-inverse) rule of Personnaz, Guyon & Dreyfus (1986), batch and
//! incremental (Greville).

use hopfield_core::nalgebra::{DMatrix, DVector};
use hopfield_core::{Dense, DiagonalPolicy, Encoding, LowRank, Network, State};

use super::{LearningRule, check_positive, invalid, symmetrize};
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

/// The projection rule: `W = X X⁺`, the orthogonal projector onto the span of the patterns
/// (`X` is `N × M`, column `u` = pattern `u`; SPEC §4).
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
    /// [`LowRank`] matrix (`O(N M)` memory, `O(N M²)` time). `A = V Σ⁻² Vᵀ` comes from the SVD
    /// `X = U Σ Vᵀ` with singular values at or below `tolerance` dropped, as in
    /// [`learn`](LearningRule::learn), so both are `X X⁺` up to rounding.
    ///
    /// Projection weights are not integers, so the dense and low-rank forms agree up to
    /// rounding (about `1e-15`), not bit for bit: recall from either ends in the same states
    /// unless some field comes within rounding of zero. Each form's batched recall equals its
    /// own plain dynamics exactly (see [`hopfield_core::Precision::Certified`]).
    pub fn learn_low_rank(&self, patterns: &Patterns) -> Result<Network<LowRank>> {
        self.check()?;
        let x = patterns.to_matrix();
        let svd = x.clone().svd(false, true);
        let v_t = svd
            .v_t
            .ok_or_else(|| MemoryError::Solver("the SVD did not return V".into()))?;
        let m = x.ncols();
        let mut a = DMatrix::zeros(m, m);
        for (k, &sigma) in svd.singular_values.iter().enumerate() {
            if sigma > self.tolerance {
                let row = v_t.row(k);
                let inv = 1.0 / (sigma * sigma);
                for u in 0..m {
                    for v in 0..m {
                        a[(u, v)] += inv * row[u] * row[v];
                    }
                }
            }
        }
        let policy = if self.zero_diagonal {
            DiagonalPolicy::Zero
        } else {
            DiagonalPolicy::SelfCoupling
        };
        Ok(Network::new(LowRank::new(x, a, policy)?, Encoding::Bipolar))
    }
}

/// Builds the network from a projector matrix.
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

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        self.check()?;
        let x = patterns.to_matrix();
        let pinv = x
            .clone()
            .pseudo_inverse(self.tolerance)
            .map_err(|e| MemoryError::Solver(format!("pseudo-inverse failed: {e}")))?;
        network_from_projector(&x * pinv, self.zero_diagonal)
    }
}

/// The incremental (Greville) form of the projection rule: adding pattern `x` sets
/// `e = x − W x` and, when `e ≠ 0`, `W ← W + e eᵀ / (eᵀe)` (SPEC §4). After adding a set of
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
