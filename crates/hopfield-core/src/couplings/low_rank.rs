//! Low-rank couplings `W = X A Xᵀ + D`, with the local fields kept in pattern space.

use nalgebra::{DMatrix, DVector};

use super::{Couplings, DiagonalPolicy, Rescale, SYMMETRY_TOLERANCE, check_symmetric_pair};
use crate::batch::{BatchView, ViewKind};
use crate::error::{CoreError, Result};

/// The `M × M` coefficients of a [`LowRank`] matrix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Coefficients {
    /// `A = α I`.
    Scale(f64),
    /// A symmetric `M × M` matrix, with `Yᵀ = A Xᵀ` (`M × N`) precomputed.
    Matrix { a: DMatrix<f64>, yt: DMatrix<f64> },
}

/// Symmetric couplings of rank at most `M`: `W = X A Xᵀ` off the diagonal, where `X` is
/// `N × M` (column `u` is pattern `u`) and `A` is a symmetric `M × M` matrix, with an explicit
/// diagonal.
///
/// The Hebbian rule is `A = I` (`W = Σ_u x^u x^uᵀ`, zero diagonal) and the projection rule
/// `A = (XᵀX)⁺` (Personnaz, Guyon & Dreyfus 1986). The `N × N` matrix is never formed: the
/// local field of neuron `i` is `h_i = Σ_u X_iu q_u + d_i s_i` with the overlaps `m = Xᵀ s`
/// and `q = A m` (`M` numbers each) and the diagonal correction `d_i = w_ii − (X A Xᵀ)_ii`.
/// A product `W s` costs `O(N M)` instead of `O(N²)`, and the batched engine
/// ([`BatchPlan`](crate::BatchPlan)) keeps only `m` per state, so an asynchronous flip costs
/// `O(M)`. Memory is `O(N M)`: for `N = 10 000` and `M = 1 000` about 80 MB instead of
/// 800 MB.
///
/// [`Couplings::add_column`] (what the plain [`Dynamics`](crate::Dynamics) calls per flip)
/// costs `O(N M)` here; run these couplings through the batched engine.
///
/// **Exactness.** With integer `X`, integer scale and integer diagonal (the unnormalised
/// Hebbian rule) every field of a ±1 or 0/1 state is an exact integer, as in the dense
/// matrix, so ties are decided by the tie rule exactly as there.
///
/// ```
/// use hopfield_core::{Couplings, DiagonalPolicy, LowRank};
/// use nalgebra::DMatrix;
///
/// // Two patterns of four neurons, Hebbian: W = X Xᵀ with a zero diagonal.
/// let x = DMatrix::from_row_slice(4, 2, &[1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0, -1.0]);
/// let w = LowRank::outer_products(x, 1.0, DiagonalPolicy::Zero)?;
/// assert_eq!(w.weight(0, 1), 0.0);
/// assert_eq!(w.weight(0, 3), -2.0);
/// assert_eq!(w.weight(2, 2), 0.0);
/// let mut fields = [0.0; 4];
/// w.mul_into(&[1.0, -1.0, 1.0, -1.0], &mut fields);
/// assert_eq!(fields, [2.0, -2.0, 2.0, -2.0]);
/// # Ok::<(), hopfield_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LowRank {
    /// `Xᵀ` (`M × N`): column `i` holds neuron `i`'s component in every pattern.
    xt: DMatrix<f64>,
    coef: Coefficients,
    /// `w_ii`.
    diag: Vec<f64>,
    /// `d_i = w_ii − (X A Xᵀ)_ii`.
    correction: Vec<f64>,
    policy: DiagonalPolicy,
}

/// `Σ_k a_k b_k` with eight partial sums (so it vectorizes; the order is fixed).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

fn check_finite_matrix(what: &'static str, m: &DMatrix<f64>) -> Result<()> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            let value = m[(i, j)];
            if !value.is_finite() {
                return Err(CoreError::NonFinite {
                    what,
                    location: format!("[{i}][{j}]"),
                    value,
                });
            }
        }
    }
    Ok(())
}

impl LowRank {
    /// `W = scale · Σ_u x^u x^uᵀ` from the `N × M` matrix `x` (column `u` = pattern `u`):
    /// the Hebbian rule (Hopfield 1982). With [`DiagonalPolicy::Zero`] the diagonal is
    /// zero; with [`DiagonalPolicy::SelfCoupling`] it is kept, `w_ii = scale · Σ_u x_iu²`,
    /// which needs `scale ≥ 0`. Checks that `x` and `scale` are finite. Cost `O(N M)`.
    pub fn outer_products(x: DMatrix<f64>, scale: f64, diagonal: DiagonalPolicy) -> Result<Self> {
        check_finite_matrix("pattern matrix", &x)?;
        if !scale.is_finite() {
            return Err(CoreError::NonFinite {
                what: "scale",
                location: String::new(),
                value: scale,
            });
        }
        let xt = x.transpose();
        Self::finish(xt, Coefficients::Scale(scale), diagonal)
    }

    /// `W = x a xᵀ` for an `N × M` matrix `x` and a symmetric `M × M` matrix `a` (entries
    /// within [`SYMMETRY_TOLERANCE`] of symmetric are averaged), with the diagonal of `W`
    /// set to zero ([`DiagonalPolicy::Zero`]) or kept ([`DiagonalPolicy::SelfCoupling`]:
    /// each `w_ii` must be `≥ 0`; values within rounding of zero below it become `0`).
    /// The projection rule is `a = (xᵀx)⁺`. Cost `O(N M²)`.
    pub fn new(x: DMatrix<f64>, mut a: DMatrix<f64>, diagonal: DiagonalPolicy) -> Result<Self> {
        check_finite_matrix("pattern matrix", &x)?;
        check_finite_matrix("coefficient", &a)?;
        let m = x.ncols();
        if a.shape() != (m, m) {
            return Err(CoreError::DimensionMismatch {
                what: "coefficient matrix (rows and columns must equal the rank)",
                expected: m,
                found: if a.nrows() == m { a.ncols() } else { a.nrows() },
            });
        }
        for u in 0..m {
            for v in (u + 1)..m {
                let (p, q) = (a[(u, v)], a[(v, u)]);
                check_symmetric_pair(u, v, p, q)?;
                if p != q {
                    let mean = 0.5 * (p + q);
                    a[(u, v)] = mean;
                    a[(v, u)] = mean;
                }
            }
        }
        let xt = x.transpose();
        let yt = &a * &xt;
        Self::finish(xt, Coefficients::Matrix { a, yt }, diagonal)
    }

    fn finish(xt: DMatrix<f64>, coef: Coefficients, policy: DiagonalPolicy) -> Result<Self> {
        let n = xt.ncols();
        let a_max = match &coef {
            Coefficients::Scale(s) => s.abs(),
            Coefficients::Matrix { a, .. } => a.amax(),
        };
        let mut diag = Vec::with_capacity(n);
        let mut correction = Vec::with_capacity(n);
        for i in 0..n {
            let xi = xt.column(i);
            let xi = xi.as_slice();
            let (g, magnitude) = match &coef {
                Coefficients::Scale(s) => {
                    let g = s * dot(xi, xi);
                    (g, g.abs())
                }
                Coefficients::Matrix { yt, .. } => {
                    let g = dot(xi, yt.column(i).as_slice());
                    let sum_abs: f64 = xi.iter().map(|v| v.abs()).sum();
                    (g, sum_abs * sum_abs * a_max)
                }
            };
            let w_ii = match policy {
                DiagonalPolicy::Zero => 0.0,
                DiagonalPolicy::SelfCoupling if g >= 0.0 => g,
                DiagonalPolicy::SelfCoupling
                    if g >= -SYMMETRY_TOLERANCE * magnitude.max(f64::MIN_POSITIVE) =>
                {
                    0.0
                }
                DiagonalPolicy::SelfCoupling => {
                    return Err(CoreError::NegativeSelfCoupling { i, value: g });
                }
            };
            diag.push(w_ii);
            correction.push(w_ii - g);
        }
        Ok(LowRank {
            xt,
            coef,
            diag,
            correction,
            policy,
        })
    }

    /// The rank bound `M` (number of columns of `X`).
    pub fn rank(&self) -> usize {
        self.xt.nrows()
    }

    /// `Xᵀ` (`M × N`): row `u` is pattern `u`.
    pub fn patterns_transposed(&self) -> &DMatrix<f64> {
        &self.xt
    }

    /// The scale `α` when `A = α I` (outer products), `None` for a general `A`.
    pub fn scale(&self) -> Option<f64> {
        match self.coef {
            Coefficients::Scale(s) => Some(s),
            Coefficients::Matrix { .. } => None,
        }
    }

    /// The coefficient matrix `A` when it is not a multiple of the identity.
    pub fn coefficients(&self) -> Option<&DMatrix<f64>> {
        match &self.coef {
            Coefficients::Scale(_) => None,
            Coefficients::Matrix { a, .. } => Some(a),
        }
    }

    /// The diagonal policy.
    pub fn diagonal_policy(&self) -> DiagonalPolicy {
        self.policy
    }

    /// The diagonal corrections `d_i = w_ii − (X A Xᵀ)_ii`.
    pub(crate) fn correction(&self) -> &[f64] {
        &self.correction
    }

    pub(crate) fn coef(&self) -> &Coefficients {
        &self.coef
    }

    /// The dense `N × N` matrix (`O(N² M)`; for tests and small networks).
    pub fn to_dense_matrix(&self) -> DMatrix<f64> {
        let n = self.n();
        DMatrix::from_fn(n, n, |i, j| self.weight(i, j))
    }

    /// `q = A m`.
    fn apply_coefficients(&self, m: &DVector<f64>) -> DVector<f64> {
        match &self.coef {
            Coefficients::Scale(s) => m * *s,
            Coefficients::Matrix { a, .. } => a * m,
        }
    }
}

impl Couplings for LowRank {
    #[inline]
    fn n(&self) -> usize {
        self.xt.ncols()
    }

    /// `w_ij`, in `O(M)`; computed from `(min(i, j), max(i, j))` so it is exactly symmetric.
    fn weight(&self, i: usize, j: usize) -> f64 {
        if i == j {
            return self.diag[i];
        }
        let (lo, hi) = if i < j { (i, j) } else { (j, i) };
        let x_hi = self.xt.column(hi);
        match &self.coef {
            Coefficients::Scale(s) => s * dot(self.xt.column(lo).as_slice(), x_hi.as_slice()),
            Coefficients::Matrix { yt, .. } => dot(yt.column(lo).as_slice(), x_hi.as_slice()),
        }
    }

    /// `O(N M)`: one weight per neuron.
    fn add_column(&self, j: usize, scale: f64, fields: &mut [f64]) {
        for (i, f) in fields.iter_mut().enumerate() {
            *f += scale * self.weight(i, j);
        }
    }

    #[inline]
    fn self_coupling(&self, i: usize) -> f64 {
        self.diag[i]
    }

    /// `m = Xᵀ s`, `q = A m`, `W s = X q + d ∘ s`: `O(N M)`.
    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        let s = DVector::from_column_slice(state);
        let m = &self.xt * &s;
        let q = self.apply_coefficients(&m);
        for (i, o) in out.iter_mut().enumerate() {
            *o = dot(self.xt.column(i).as_slice(), q.as_slice()) + self.correction[i] * state[i];
        }
    }

    fn batch_view(&self) -> Option<BatchView<'_>> {
        Some(BatchView(ViewKind::LowRank(self)))
    }
}

impl Rescale for LowRank {
    fn rescaled(&self, factor: f64) -> Self {
        let coef = match &self.coef {
            Coefficients::Scale(s) => Coefficients::Scale(s * factor),
            Coefficients::Matrix { a, yt } => Coefficients::Matrix {
                a: a * factor,
                yt: yt * factor,
            },
        };
        LowRank {
            xt: self.xt.clone(),
            coef,
            diag: self.diag.iter().map(|d| d * factor).collect(),
            correction: self.correction.iter().map(|d| d * factor).collect(),
            policy: self.policy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dense;

    fn patterns() -> DMatrix<f64> {
        DMatrix::from_row_slice(
            5,
            3,
            &[
                1.0, -1.0, 1.0, //
                -1.0, -1.0, 1.0, //
                1.0, 1.0, 1.0, //
                1.0, -1.0, -1.0, //
                -1.0, 1.0, 1.0,
            ],
        )
    }

    #[test]
    fn hebbian_matches_dense() {
        let x = patterns();
        let w = LowRank::outer_products(x.clone(), 1.0, DiagonalPolicy::Zero).unwrap();
        let dense = Dense::with_zero_diagonal(&x * x.transpose()).unwrap();
        assert_eq!(&w.to_dense_matrix(), dense.matrix());
        let s = [1.0, -1.0, -1.0, 1.0, 1.0];
        let (mut a, mut b) = ([0.0; 5], [0.0; 5]);
        w.mul_into(&s, &mut a);
        dense.mul_into(&s, &mut b);
        assert_eq!(a, b);
        let mut f = a;
        w.add_column(3, -2.0, &mut f);
        let mut g = b;
        dense.add_column(3, -2.0, &mut g);
        assert_eq!(f, g);
        let kept = LowRank::outer_products(x, 0.5, DiagonalPolicy::SelfCoupling).unwrap();
        assert_eq!(kept.self_coupling(0), 1.5);
    }

    #[test]
    fn general_coefficients_and_checks() {
        let x = patterns();
        let gram = x.transpose() * &x;
        let a = gram.clone().try_inverse().unwrap();
        let p = LowRank::new(x.clone(), a, DiagonalPolicy::SelfCoupling).unwrap();
        // A projector: W x = x for every pattern.
        for u in 0..3 {
            let col: Vec<f64> = x.column(u).iter().copied().collect();
            let mut out = vec![0.0; 5];
            p.mul_into(&col, &mut out);
            for (o, c) in out.iter().zip(&col) {
                assert!((o - c).abs() < 1e-12);
            }
        }
        for i in 0..5 {
            for j in 0..5 {
                assert_eq!(p.weight(i, j), p.weight(j, i));
            }
        }
        assert!(matches!(
            LowRank::new(x.clone(), DMatrix::zeros(2, 2), DiagonalPolicy::Zero),
            Err(CoreError::DimensionMismatch { .. })
        ));
        assert!(matches!(
            LowRank::outer_products(x.clone(), -1.0, DiagonalPolicy::SelfCoupling),
            Err(CoreError::NegativeSelfCoupling { .. })
        ));
        let mut bad = x;
        bad[(1, 1)] = f64::NAN;
        assert!(matches!(
            LowRank::outer_products(bad, 1.0, DiagonalPolicy::Zero),
            Err(CoreError::NonFinite { .. })
        ));
        assert!(matches!(
            LowRank::new(
                patterns(),
                DMatrix::from_row_slice(3, 3, &[1.0, 2.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
                DiagonalPolicy::Zero
            ),
            Err(CoreError::Asymmetric { .. })
        ));
    }
}
