//! Dense couplings stored in an nalgebra matrix.

use nalgebra::{DMatrix, DVectorView, DVectorViewMut};

use super::{Couplings, DiagonalPolicy, Rescale, check_diagonal, check_symmetric_pair};
use crate::batch::{BatchView, ViewKind};
use crate::error::{CoreError, Result};

/// The scalar a [`Dense`] matrix stores: `f64` (default) or `f32`.
///
/// `f32` halves the memory a synchronous sweep reads, which is what bounds it for large `N`;
/// local fields and energies are still accumulated in `f64`.
pub trait Weight: nalgebra::Scalar + Copy + Send + Sync + private::Sealed {
    /// Widens to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Narrows from `f64` (rounds for `f32`).
    fn from_f64(value: f64) -> Self;
}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

impl Weight for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_f64(value: f64) -> Self {
        value
    }
}

impl Weight for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    #[allow(clippy::cast_possible_truncation)]
    fn from_f64(value: f64) -> Self {
        value as f32
    }
}

/// A dense symmetric coupling matrix.
///
/// Storage is column-major, so the column added after a flip is contiguous, and since `W` is
/// symmetric a column is also a row.
///
/// ```
/// use hopfield_core::{Couplings, Dense, DiagonalPolicy};
/// use nalgebra::DMatrix;
///
/// let w = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]);
/// let dense = Dense::new(w, DiagonalPolicy::Zero)?;
/// assert_eq!(dense.weight(0, 1), 1.0);
/// # Ok::<(), hopfield_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dense<T: Weight = f64> {
    w: DMatrix<T>,
    diagonal: DiagonalPolicy,
}

impl Dense<f64> {
    /// Checks and takes `w`: square, finite, symmetric (entries within
    /// [`SYMMETRY_TOLERANCE`](super::SYMMETRY_TOLERANCE) are averaged so the stored matrix is
    /// exactly symmetric) and a diagonal that obeys `diagonal`.
    pub fn new(mut w: DMatrix<f64>, diagonal: DiagonalPolicy) -> Result<Self> {
        let (rows, cols) = w.shape();
        if rows != cols {
            return Err(CoreError::NotSquare { rows, cols });
        }
        if let Some(k) = first_non_finite(w.as_slice()) {
            let (i, j) = (k % rows.max(1), k / rows.max(1));
            return Err(CoreError::NonFinite {
                what: "weight",
                location: format!("[{i}][{j}]"),
                value: w[(i, j)],
            });
        }
        if exactly_symmetric(&w) {
            for i in 0..rows {
                check_diagonal(diagonal, i, w[(i, i)])?;
            }
            return Ok(Dense { w, diagonal });
        }
        for i in 0..rows {
            check_diagonal(diagonal, i, w[(i, i)])?;
            for j in (i + 1)..cols {
                let (a, b) = (w[(i, j)], w[(j, i)]);
                check_symmetric_pair(i, j, a, b)?;
                if a != b {
                    let mean = 0.5 * (a + b);
                    w[(i, j)] = mean;
                    w[(j, i)] = mean;
                }
            }
        }
        Ok(Dense { w, diagonal })
    }

    /// A symmetric matrix from the upper triangle of `w` (the entries `w[(i, j)]` with
    /// `i ≤ j`): the lower triangle is overwritten with their mirror image, so the result is
    /// exactly symmetric whatever it held. Checks that the upper triangle is finite and that
    /// the diagonal obeys `diagonal`. For rules that compute only half of a symmetric matrix.
    ///
    /// ```
    /// use hopfield_core::{Couplings, Dense, DiagonalPolicy};
    /// use nalgebra::DMatrix;
    ///
    /// let w = DMatrix::from_row_slice(2, 2, &[0.0, 3.0, f64::NAN, 0.0]);
    /// let d = Dense::from_upper_triangle(w, DiagonalPolicy::Zero)?;
    /// assert_eq!(d.weight(1, 0), 3.0);
    /// # Ok::<(), hopfield_core::CoreError>(())
    /// ```
    pub fn from_upper_triangle(mut w: DMatrix<f64>, diagonal: DiagonalPolicy) -> Result<Self> {
        let (rows, cols) = w.shape();
        if rows != cols {
            return Err(CoreError::NotSquare { rows, cols });
        }
        let n = rows;
        let s = w.as_mut_slice();
        for j in 0..n {
            let upper = &s[j * n..j * n + j + 1];
            if let Some(i) = upper.iter().position(|v| !v.is_finite()) {
                return Err(CoreError::NonFinite {
                    what: "weight",
                    location: format!("[{i}][{j}]"),
                    value: upper[i],
                });
            }
            check_diagonal(diagonal, j, s[j * n + j])?;
        }
        // Mirror tile by tile so both sides stay in cache: w[(j, i)] = w[(i, j)] for i < j.
        const TILE: usize = 32;
        for jb in (0..n).step_by(TILE) {
            for ib in (0..=jb).step_by(TILE) {
                for j in jb..(jb + TILE).min(n) {
                    for i in ib..(ib + TILE).min(j) {
                        s[i * n + j] = s[j * n + i];
                    }
                }
            }
        }
        Ok(Dense { w, diagonal })
    }

    /// Like [`Dense::new`] with [`DiagonalPolicy::Zero`], after setting the diagonal to zero
    /// (as the Hebbian rule does).
    pub fn with_zero_diagonal(mut w: DMatrix<f64>) -> Result<Self> {
        let n = w.nrows().min(w.ncols());
        for i in 0..n {
            w[(i, i)] = 0.0;
        }
        Dense::new(w, DiagonalPolicy::Zero)
    }

    /// The same matrix stored in `f32` (each weight rounded to the nearest `f32`).
    pub fn to_f32(&self) -> Dense<f32> {
        Dense {
            w: self.w.map(f32::from_f64),
            diagonal: self.diagonal,
        }
    }
}

/// Whether `w` (square) equals its transpose exactly, checked tile by tile.
fn exactly_symmetric(w: &DMatrix<f64>) -> bool {
    const TILE: usize = 32;
    let n = w.nrows();
    let s = w.as_slice();
    for jb in (0..n).step_by(TILE) {
        for ib in (0..=jb).step_by(TILE) {
            let mut equal = true;
            for j in jb..(jb + TILE).min(n) {
                for i in ib..(ib + TILE).min(j) {
                    equal &= s[i * n + j] == s[j * n + i];
                }
            }
            if !equal {
                return false;
            }
        }
    }
    true
}

/// The index of the first value that is not finite (a vectorized scan by chunks).
fn first_non_finite(values: &[f64]) -> Option<usize> {
    const CHUNK: usize = 256;
    values
        .chunks(CHUNK)
        .position(|c| !c.iter().fold(true, |ok, v| ok & v.is_finite()))
        .and_then(|k| {
            let start = k * CHUNK;
            values[start..]
                .iter()
                .position(|v| !v.is_finite())
                .map(|i| start + i)
        })
}

impl<T: Weight> Dense<T> {
    /// The matrix.
    pub fn matrix(&self) -> &DMatrix<T> {
        &self.w
    }

    /// The diagonal policy.
    pub fn diagonal_policy(&self) -> DiagonalPolicy {
        self.diagonal
    }

    /// The matrix in `f64`.
    pub fn to_f64(&self) -> Dense<f64> {
        Dense {
            w: self.w.map(T::to_f64),
            diagonal: self.diagonal,
        }
    }

    #[inline]
    fn column(&self, j: usize) -> &[T] {
        let n = self.w.nrows();
        &self.w.as_slice()[j * n..(j + 1) * n]
    }
}

impl Couplings for Dense<f64> {
    #[inline]
    fn n(&self) -> usize {
        self.w.nrows()
    }

    #[inline]
    fn weight(&self, i: usize, j: usize) -> f64 {
        self.w[(i, j)]
    }

    #[inline]
    fn add_column(&self, j: usize, scale: f64, fields: &mut [f64]) {
        for (f, &w) in fields.iter_mut().zip(self.column(j)) {
            *f += scale * w;
        }
    }

    #[inline]
    fn row_dot(&self, i: usize, state: &[f64]) -> f64 {
        self.column(i).iter().zip(state).map(|(&w, &s)| w * s).sum()
    }

    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        let n = self.n();
        let s = DVectorView::from_slice(state, n);
        let mut y = DVectorViewMut::from_slice(out, n);
        y.gemv(1.0, &self.w, &s, 0.0);
    }

    fn batch_view(&self) -> Option<BatchView<'_>> {
        Some(BatchView(ViewKind::Dense64(&self.w)))
    }
}

impl Couplings for Dense<f32> {
    #[inline]
    fn n(&self) -> usize {
        self.w.nrows()
    }

    #[inline]
    fn weight(&self, i: usize, j: usize) -> f64 {
        f64::from(self.w[(i, j)])
    }

    #[inline]
    fn add_column(&self, j: usize, scale: f64, fields: &mut [f64]) {
        for (f, &w) in fields.iter_mut().zip(self.column(j)) {
            *f += scale * f64::from(w);
        }
    }

    #[inline]
    fn row_dot(&self, i: usize, state: &[f64]) -> f64 {
        self.column(i)
            .iter()
            .zip(state)
            .map(|(&w, &s)| f64::from(w) * s)
            .sum()
    }

    /// `f32` matrix–vector product (the states are ±1 or 0/1, exact in `f32`), widened to
    /// `f64` at the end.
    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        let n = self.n();
        let s = nalgebra::DVector::<f32>::from_iterator(n, state.iter().map(|&v| v as f32));
        let mut y = nalgebra::DVector::<f32>::zeros(n);
        y.gemv(1.0, &self.w, &s, 0.0);
        for (o, &v) in out.iter_mut().zip(y.iter()) {
            *o = f64::from(v);
        }
    }

    fn batch_view(&self) -> Option<BatchView<'_>> {
        Some(BatchView(ViewKind::Dense32(&self.w)))
    }
}

impl Rescale for Dense<f64> {
    fn rescaled(&self, factor: f64) -> Self {
        Dense {
            w: &self.w * factor,
            diagonal: self.diagonal,
        }
    }
}

impl Rescale for Dense<f32> {
    fn rescaled(&self, factor: f64) -> Self {
        Dense {
            w: self.w.map(|w| f32::from_f64(f64::from(w) * factor)),
            diagonal: self.diagonal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_matrices() {
        let not_square = DMatrix::<f64>::zeros(2, 3);
        assert_eq!(
            Dense::new(not_square, DiagonalPolicy::Zero),
            Err(CoreError::NotSquare { rows: 2, cols: 3 })
        );
        let asym = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 2.0, 0.0]);
        assert!(matches!(
            Dense::new(asym, DiagonalPolicy::Zero),
            Err(CoreError::Asymmetric { i: 0, j: 1, .. })
        ));
        let diag = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 0.0]);
        assert!(matches!(
            Dense::new(diag.clone(), DiagonalPolicy::Zero),
            Err(CoreError::NonZeroDiagonal { i: 0, .. })
        ));
        assert!(Dense::new(diag, DiagonalPolicy::SelfCoupling).is_ok());
        let neg = DMatrix::from_row_slice(2, 2, &[-1.0, 1.0, 1.0, 0.0]);
        assert!(matches!(
            Dense::new(neg, DiagonalPolicy::SelfCoupling),
            Err(CoreError::NegativeSelfCoupling { i: 0, .. })
        ));
        let nan = DMatrix::from_row_slice(2, 2, &[0.0, f64::NAN, 1.0, 0.0]);
        assert!(matches!(
            Dense::new(nan, DiagonalPolicy::Zero),
            Err(CoreError::NonFinite { .. })
        ));
    }

    #[test]
    fn upper_triangle_is_mirrored_and_checked() {
        let n = 70;
        let w = DMatrix::from_fn(n, n, |i, j| if i < j { (i * n + j) as f64 } else { -1.0 });
        let mut zeroed = w.clone();
        zeroed.fill_diagonal(0.0);
        let d = Dense::from_upper_triangle(zeroed, DiagonalPolicy::Zero).unwrap();
        for i in 0..n {
            for j in 0..n {
                let expected = if i == j {
                    0.0
                } else {
                    (i.min(j) * n + i.max(j)) as f64
                };
                assert_eq!(d.weight(i, j), expected);
            }
        }
        assert!(matches!(
            Dense::from_upper_triangle(w.clone(), DiagonalPolicy::Zero),
            Err(CoreError::NonZeroDiagonal { i: 0, .. })
        ));
        assert!(matches!(
            Dense::from_upper_triangle(w, DiagonalPolicy::SelfCoupling),
            Err(CoreError::NegativeSelfCoupling { i: 0, .. })
        ));
        let mut nan = DMatrix::zeros(3, 3);
        nan[(0, 2)] = f64::INFINITY;
        assert!(matches!(
            Dense::from_upper_triangle(nan, DiagonalPolicy::Zero),
            Err(CoreError::NonFinite { .. })
        ));
        assert!(matches!(
            Dense::from_upper_triangle(DMatrix::zeros(2, 3), DiagonalPolicy::Zero),
            Err(CoreError::NotSquare { .. })
        ));
    }

    #[test]
    fn near_symmetric_entries_are_averaged() {
        let w = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0 + 1e-12, 0.0]);
        let d = Dense::new(w, DiagonalPolicy::Zero).expect("within tolerance");
        assert_eq!(d.weight(0, 1), d.weight(1, 0));
    }

    #[test]
    fn products_agree_between_f32_and_f64() {
        let w = DMatrix::from_row_slice(3, 3, &[0.0, 1.0, -2.0, 1.0, 0.0, 0.5, -2.0, 0.5, 0.0]);
        let d = Dense::new(w, DiagonalPolicy::Zero).expect("valid");
        let f = d.to_f32();
        let s = [1.0, -1.0, 1.0];
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        d.mul_into(&s, &mut a);
        f.mul_into(&s, &mut b);
        assert_eq!(a, [-3.0, 1.5, -2.5]);
        assert_eq!(a, b);
        for (i, &ai) in a.iter().enumerate() {
            assert_eq!(d.row_dot(i, &s), ai);
        }
    }
}
