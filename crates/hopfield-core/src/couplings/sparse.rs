//! Sparse couplings in compressed sparse row (CSR) form.

use super::{Couplings, DiagonalPolicy, Rescale, check_diagonal, check_symmetric_pair};
use crate::error::{CoreError, Result};

/// A sparse symmetric coupling matrix.
///
/// Off-diagonal entries are kept in CSR form with both halves stored, so row `j` is also column
/// `j` and a flip touches only the neighbours of the neuron: an asynchronous step costs
/// `O(degree)`. Self-couplings are kept apart.
///
/// ```
/// use hopfield_core::{Couplings, DiagonalPolicy, SparseBuilder};
///
/// let mut b = SparseBuilder::new(3);
/// b.add(0, 1, 1.0)?;
/// b.add(1, 2, -0.5)?;
/// let sparse = b.build(DiagonalPolicy::Zero)?;
/// assert_eq!(sparse.weight(2, 1), -0.5);
/// assert_eq!(sparse.n_entries(), 4); // both halves
/// # Ok::<(), hopfield_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sparse {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
    diagonal: Vec<f64>,
    policy: DiagonalPolicy,
}

/// Collects symmetric entries for a [`Sparse`] matrix.
#[derive(Debug, Clone)]
pub struct SparseBuilder {
    n: usize,
    entries: Vec<(u32, u32, f64)>,
    diagonal: Vec<f64>,
}

impl SparseBuilder {
    /// An empty `n × n` matrix. `n` must fit in `u32`.
    pub fn new(n: usize) -> Self {
        SparseBuilder {
            n,
            entries: Vec::new(),
            diagonal: vec![0.0; n],
        }
    }

    /// Adds `w` to `w_ij` and to `w_ji` (once to `w_ii` when `i == j`). Repeated pairs add up.
    pub fn add(&mut self, i: usize, j: usize, w: f64) -> Result<()> {
        for index in [i, j] {
            if index >= self.n {
                return Err(CoreError::IndexOutOfRange { index, n: self.n });
            }
        }
        if !w.is_finite() {
            return Err(CoreError::NonFinite {
                what: "weight",
                location: format!("[{i}][{j}]"),
                value: w,
            });
        }
        if i == j {
            self.diagonal[i] += w;
        } else {
            let (a, b) = (to_u32(i)?, to_u32(j)?);
            self.entries.push((a, b, w));
            self.entries.push((b, a, w));
        }
        Ok(())
    }

    /// The matrix; checks the diagonal against `policy`.
    pub fn build(mut self, policy: DiagonalPolicy) -> Result<Sparse> {
        to_u32(self.n)?;
        for (i, &d) in self.diagonal.iter().enumerate() {
            check_diagonal(policy, i, d)?;
        }
        self.entries.sort_unstable_by_key(|&(i, j, _)| (i, j));
        let mut indptr = vec![0usize; self.n + 1];
        let mut indices = Vec::with_capacity(self.entries.len());
        let mut values: Vec<f64> = Vec::with_capacity(self.entries.len());
        let mut last: Option<(u32, u32)> = None;
        for (i, j, w) in self.entries {
            if last == Some((i, j)) {
                if let Some(v) = values.last_mut() {
                    *v += w;
                }
                continue;
            }
            last = Some((i, j));
            indptr[i as usize + 1] += 1;
            indices.push(j);
            values.push(w);
        }
        for i in 0..self.n {
            indptr[i + 1] += indptr[i];
        }
        Ok(Sparse {
            indptr,
            indices,
            values,
            diagonal: self.diagonal,
            policy,
        })
    }
}

fn to_u32(index: usize) -> Result<u32> {
    u32::try_from(index).map_err(|_| CoreError::InvalidParameter {
        name: "n",
        reason: format!("sparse matrices hold at most {} neurons", u32::MAX),
    })
}

impl Sparse {
    /// Checks and takes a full symmetric matrix in CSR form (both halves stored, column
    /// indices strictly increasing within each row; diagonal entries may appear in their row).
    pub fn from_csr(
        n: usize,
        indptr: Vec<usize>,
        indices: Vec<usize>,
        values: Vec<f64>,
        policy: DiagonalPolicy,
    ) -> Result<Self> {
        let bad = |reason: String| Err(CoreError::InvalidCsr { reason });
        to_u32(n)?;
        if indptr.len() != n + 1 {
            return bad(format!(
                "indptr has length {}, expected n + 1 = {}",
                indptr.len(),
                n + 1
            ));
        }
        if indices.len() != values.len() {
            return bad(format!(
                "{} indices but {} values",
                indices.len(),
                values.len()
            ));
        }
        if indptr[0] != 0 || indptr[n] != indices.len() {
            return bad(format!(
                "indptr must start at 0 and end at the number of entries {}",
                indices.len()
            ));
        }
        if let Some(i) = (0..n).find(|&i| indptr[i] > indptr[i + 1]) {
            return bad(format!("indptr decreases at row {i}"));
        }
        let mut builder_indptr = vec![0usize; n + 1];
        let mut off_indices = Vec::with_capacity(indices.len());
        let mut off_values = Vec::with_capacity(values.len());
        let mut diagonal = vec![0.0; n];
        for i in 0..n {
            let row = indptr[i]..indptr[i + 1];
            for k in row.clone() {
                let (j, w) = (indices[k], values[k]);
                if j >= n {
                    return bad(format!(
                        "column index {j} in row {i} is out of range (n = {n})"
                    ));
                }
                if k > row.start && indices[k - 1] >= j {
                    return bad(format!(
                        "column indices of row {i} are not strictly increasing"
                    ));
                }
                if !w.is_finite() {
                    return Err(CoreError::NonFinite {
                        what: "weight",
                        location: format!("[{i}][{j}]"),
                        value: w,
                    });
                }
                if i == j {
                    diagonal[i] = w;
                } else {
                    off_indices.push(to_u32(j)?);
                    off_values.push(w);
                }
            }
            builder_indptr[i + 1] = off_indices.len();
        }
        for (i, &d) in diagonal.iter().enumerate() {
            check_diagonal(policy, i, d)?;
        }
        let mut sparse = Sparse {
            indptr: builder_indptr,
            indices: off_indices,
            values: off_values,
            diagonal,
            policy,
        };
        // Symmetry: every stored w_ij has a matching w_ji.
        for i in 0..n {
            for k in sparse.indptr[i]..sparse.indptr[i + 1] {
                let j = sparse.indices[k] as usize;
                let w_ij = sparse.values[k];
                let w_ji = sparse.find(j, i).map(|k2| sparse.values[k2]);
                match w_ji {
                    Some(w_ji) => check_symmetric_pair(i, j, w_ij, w_ji)?,
                    None => {
                        return Err(CoreError::Asymmetric {
                            i,
                            j,
                            w_ij,
                            w_ji: 0.0,
                        });
                    }
                }
            }
        }
        // Average pairs that agree only within tolerance, so the matrix is exactly symmetric.
        for i in 0..n {
            for k in sparse.indptr[i]..sparse.indptr[i + 1] {
                let j = sparse.indices[k] as usize;
                if j > i
                    && let Some(k2) = sparse.find(j, i)
                {
                    let mean = 0.5 * (sparse.values[k] + sparse.values[k2]);
                    sparse.values[k] = mean;
                    sparse.values[k2] = mean;
                }
            }
        }
        Ok(sparse)
    }

    /// The same matrix as a sparse one (entries equal to zero are dropped).
    pub fn from_couplings<C: Couplings>(c: &C, policy: DiagonalPolicy) -> Result<Self> {
        let n = c.n();
        let mut b = SparseBuilder::new(n);
        for i in 0..n {
            for j in i..n {
                let w = c.weight(i, j);
                if w != 0.0 {
                    b.add(i, j, w)?;
                }
            }
        }
        b.build(policy)
    }

    /// The full matrix in CSR form, diagonal entries (when non-zero) inside their rows:
    /// `(indptr, indices, values)`, the input of [`Sparse::from_csr`].
    pub fn to_csr(&self) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
        let n = self.n();
        let mut indptr = Vec::with_capacity(n + 1);
        let mut indices = Vec::with_capacity(self.indices.len() + n);
        let mut values = Vec::with_capacity(self.indices.len() + n);
        indptr.push(0);
        for i in 0..n {
            let mut diag_pending = self.diagonal[i] != 0.0;
            for k in self.indptr[i]..self.indptr[i + 1] {
                let j = self.indices[k] as usize;
                if diag_pending && j > i {
                    indices.push(i);
                    values.push(self.diagonal[i]);
                    diag_pending = false;
                }
                indices.push(j);
                values.push(self.values[k]);
            }
            if diag_pending {
                indices.push(i);
                values.push(self.diagonal[i]);
            }
            indptr.push(indices.len());
        }
        (indptr, indices, values)
    }

    /// Number of stored off-diagonal entries (both halves).
    pub fn n_entries(&self) -> usize {
        self.indices.len()
    }

    /// Number of off-diagonal neighbours of neuron `i`.
    pub fn degree(&self, i: usize) -> usize {
        self.indptr[i + 1] - self.indptr[i]
    }

    /// The diagonal policy.
    pub fn diagonal_policy(&self) -> DiagonalPolicy {
        self.policy
    }

    fn find(&self, i: usize, j: usize) -> Option<usize> {
        let row = self.indptr[i]..self.indptr[i + 1];
        let j = u32::try_from(j).ok()?;
        self.indices[row.clone()]
            .binary_search(&j)
            .ok()
            .map(|off| row.start + off)
    }
}

impl Couplings for Sparse {
    #[inline]
    fn n(&self) -> usize {
        self.diagonal.len()
    }

    fn weight(&self, i: usize, j: usize) -> f64 {
        if i == j {
            self.diagonal[i]
        } else {
            self.find(i, j).map_or(0.0, |k| self.values[k])
        }
    }

    #[inline]
    fn add_column(&self, j: usize, scale: f64, fields: &mut [f64]) {
        let row = self.indptr[j]..self.indptr[j + 1];
        for (&i, &w) in self.indices[row.clone()].iter().zip(&self.values[row]) {
            fields[i as usize] += scale * w;
        }
        fields[j] += scale * self.diagonal[j];
    }

    #[inline]
    fn self_coupling(&self, i: usize) -> f64 {
        self.diagonal[i]
    }

    #[inline]
    fn row_dot(&self, i: usize, state: &[f64]) -> f64 {
        let row = self.indptr[i]..self.indptr[i + 1];
        let off: f64 = self.indices[row.clone()]
            .iter()
            .zip(&self.values[row])
            .map(|(&j, &w)| w * state[j as usize])
            .sum();
        off + self.diagonal[i] * state[i]
    }

    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.row_dot(i, state);
        }
    }
}

impl Rescale for Sparse {
    fn rescaled(&self, factor: f64) -> Self {
        Sparse {
            indptr: self.indptr.clone(),
            indices: self.indices.clone(),
            values: self.values.iter().map(|w| w * factor).collect(),
            diagonal: self.diagonal.iter().map(|w| w * factor).collect(),
            policy: self.policy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_round_trip_with_diagonal() {
        let mut b = SparseBuilder::new(3);
        b.add(0, 2, 1.5).expect("in range");
        b.add(1, 1, 2.0).expect("in range");
        b.add(0, 2, 0.5).expect("in range");
        let s = b.build(DiagonalPolicy::SelfCoupling).expect("valid");
        assert_eq!(s.weight(0, 2), 2.0);
        assert_eq!(s.weight(2, 0), 2.0);
        assert_eq!(s.self_coupling(1), 2.0);
        let (p, i, v) = s.to_csr();
        assert_eq!(p, vec![0, 1, 2, 3]);
        assert_eq!(i, vec![2, 1, 0]);
        let back = Sparse::from_csr(3, p, i, v, DiagonalPolicy::SelfCoupling).expect("valid");
        assert_eq!(back, s);
    }

    #[test]
    fn from_csr_rejects_malformed_input() {
        let asym = Sparse::from_csr(2, vec![0, 1, 1], vec![1], vec![1.0], DiagonalPolicy::Zero);
        assert!(matches!(
            asym,
            Err(CoreError::Asymmetric { i: 0, j: 1, .. })
        ));
        let out = Sparse::from_csr(2, vec![0, 1, 1], vec![5], vec![1.0], DiagonalPolicy::Zero);
        assert!(matches!(out, Err(CoreError::InvalidCsr { .. })));
        let short = Sparse::from_csr(2, vec![0, 1], vec![1], vec![1.0], DiagonalPolicy::Zero);
        assert!(matches!(short, Err(CoreError::InvalidCsr { .. })));
        let diag = Sparse::from_csr(1, vec![0, 1], vec![0], vec![1.0], DiagonalPolicy::Zero);
        assert!(matches!(diag, Err(CoreError::NonZeroDiagonal { i: 0, .. })));
        let mut b = SparseBuilder::new(2);
        assert!(matches!(
            b.add(0, 2, 1.0),
            Err(CoreError::IndexOutOfRange { index: 2, n: 2 })
        ));
    }
}
