//! The Hebbian (outer-product) rule, ±1 and Hopfield's (1982) 0/1 form with thresholds.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Dense, DiagonalPolicy, Encoding, LowRank, Network};

use super::LearningRule;
use crate::error::Result;
use crate::patterns::Patterns;

/// Hebb's rule for ±1 patterns: `W_ij = s Σ_u x_i^u x_j^u` for `i ≠ j`, `W_ii = 0`
/// (Hopfield 1982).
///
/// By default `s = 1`: the weights are the integers `Σ_u x_i^u x_j^u`, every local field of a
/// ±1 state is an exact integer, and a field that is mathematically zero is exactly `0.0`, so
/// the tie rule (Liang–Wu–Yu's `sgn(0) = +1`, [`TieRule::High`](hopfield_core::TieRule::High))
/// decides it. With [`normalize`](Hebbian::normalize) set, `s = 1/N`; the radii `F_i^u` are
/// scale-free, and the signs of all nonzero fields are unchanged, but `1/N` is inexact in
/// floating point (unless `N` is a power of two), so an exact-zero field may come out as a
/// rounding residue like `±5e-17` and be decided by its sign instead of by the tie rule: the
/// fixed points and trajectories can then differ from those of the unnormalised rule wherever
/// ties occur (a field `Σ_{j≠i} W_ij s_j` of a ±1 state can be zero exactly when `M` is even
/// or `N` is odd). Cost `O(N² M)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hebbian {
    /// Scale the weights by `1/N` (default `false`; see the type's docs for how this can
    /// decide exact ties by rounding).
    pub normalize: bool,
}

/// `Σ_u x^u x^uᵀ` (`N × N`), exactly symmetric. The entries are integers of magnitude at
/// most `M`, so the products run in `f32`, exactly, while `M < 2²⁴`.
pub(crate) fn outer_product_sum(patterns: &Patterns) -> DMatrix<f64> {
    let (n, m) = (patterns.n(), patterns.m());
    if m >= 1 << 24 {
        let x = patterns.to_matrix();
        return &x * x.transpose();
    }
    let x = DMatrix::<f32>::from_fn(n, m, |i, u| patterns.value(u, i) as f32);
    symmetric_product(&x)
}

/// `Y Yᵀ` for an `N × r` matrix `Y`, exactly symmetric: only the blocks on and above the
/// diagonal are multiplied (half the work), and each is written to both triangles.
pub(crate) fn symmetric_product<T>(y: &DMatrix<T>) -> DMatrix<f64>
where
    T: hopfield_core::nalgebra::RealField + Copy + Into<f64>,
{
    let n = y.nrows();
    let yt = y.transpose();
    let mut w = DMatrix::<f64>::zeros(n, n);
    const BLOCK: usize = 128;
    let ws = w.as_mut_slice();
    for jb in (0..n).step_by(BLOCK) {
        let width = BLOCK.min(n - jb);
        let height = jb + width;
        let mut c = DMatrix::<T>::zeros(height, width);
        c.gemm(
            T::one(),
            &y.rows(0, height),
            &yt.columns(jb, width),
            T::zero(),
        );
        let cs = c.as_slice();
        // Columns jb..jb+width, rows 0..height.
        for (k, src) in cs.chunks_exact(height).enumerate() {
            let col = &mut ws[(jb + k) * n..(jb + k) * n + height];
            for (dst, &v) in col.iter_mut().zip(src) {
                *dst = v.into();
            }
        }
        // Their mirror: rows jb..jb+width of columns 0..jb, in tiles of 16 columns so the
        // reads of `c` stay in cache.
        for rb in (0..jb).step_by(16) {
            for kb in (0..width).step_by(16) {
                for r in rb..(rb + 16).min(jb) {
                    for k in kb..(kb + 16).min(width) {
                        ws[r * n + jb + k] = cs[k * height + r].into();
                    }
                }
            }
        }
    }
    w
}

impl Hebbian {
    /// The same couplings kept in pattern space: `W = s X Xᵀ` with a zero diagonal as a
    /// [`LowRank`] matrix, `O(N M)` memory and time instead of `O(N²)` and `O(N² M)`. Fields,
    /// and so recall, are exactly those of [`learn`](LearningRule::learn)'s dense matrix when
    /// `normalize` is off (integer arithmetic both ways). With `normalize`, the low-rank field
    /// is the exact integer field times `1/N`: a mathematically zero field is exactly zero
    /// here (the tie rule decides it) where the dense `1/N` weights may leave a rounding
    /// residue.
    ///
    /// ```
    /// use hopfield_memory::Patterns;
    /// use hopfield_memory::rules::{Hebbian, LearningRule};
    /// use hopfield_memory::hopfield_core::{Couplings, rng_from_seed};
    /// let p = Patterns::random(40, 3, &mut rng_from_seed(1))?;
    /// let low = Hebbian::default().learn_low_rank(&p)?;
    /// let dense = Hebbian::default().learn(&p)?;
    /// assert_eq!(low.couplings().weight(3, 17), dense.couplings().weight(3, 17));
    /// # Ok::<(), hopfield_memory::MemoryError>(())
    /// ```
    pub fn learn_low_rank(&self, patterns: &Patterns) -> Result<Network<LowRank>> {
        let scale = if self.normalize {
            1.0 / patterns.n() as f64
        } else {
            1.0
        };
        let w = LowRank::outer_products(patterns.to_matrix(), scale, DiagonalPolicy::Zero)?;
        Ok(Network::new(w, Encoding::Bipolar))
    }
}

impl LearningRule for Hebbian {
    fn name(&self) -> &'static str {
        "hebbian"
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        let mut w = outer_product_sum(patterns);
        if self.normalize {
            w /= patterns.n() as f64;
        }
        Ok(Network::new(
            Dense::with_zero_diagonal(w)?,
            Encoding::Bipolar,
        ))
    }
}

/// Hopfield's (1982) Hebbian rule for 0/1 neurons: with `X = (x + 1)/2`,
/// `s_ij = Σ_u (X_i^u − ½)(X_j^u − ½)` for `i ≠ j`, `s_ii = 0`, and thresholds
/// `h_i = ½ Σ_j s_ij`; the network is [`Encoding::Binary`] with bias `b = −h`.
///
/// Its local field is `u_i = Σ_j s_ij (X_j − ½)`, an eighth of the unnormalised ±1 Hebbian
/// field (`Hebbian { normalize: false }`, the default). Both are computed exactly (multiples of
/// `1/8` and integers), so their ties coincide too and, under the same tie rule, both networks
/// follow the same trajectories. Cost `O(N² M)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HebbianBinary;

impl LearningRule for HebbianBinary {
    fn name(&self) -> &'static str {
        "hebbian_binary"
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        // (X − ½) = x/2 for x = ±1.
        let mut s = outer_product_sum(patterns) / 4.0;
        let n = patterns.n();
        for i in 0..n {
            s[(i, i)] = 0.0;
        }
        let thresholds: Vec<f64> = (0..n).map(|i| 0.5 * s.row(i).sum()).collect();
        Ok(Network::with_thresholds(
            Dense::with_zero_diagonal(s)?,
            &thresholds,
            Encoding::Binary,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::{Couplings, State};

    #[test]
    fn hebbian_weights_by_hand() {
        let p = Patterns::from_signs(&[vec![1, -1, 1], vec![1, 1, -1]]).unwrap();
        let net = Hebbian { normalize: false }.learn(&p).unwrap();
        let w = net.couplings();
        assert_eq!(w.weight(0, 1), 0.0);
        assert_eq!(w.weight(0, 2), 0.0);
        assert_eq!(w.weight(1, 2), -2.0);
        assert_eq!(w.weight(1, 1), 0.0);
        assert_eq!(Hebbian::default(), Hebbian { normalize: false });
        let scaled = Hebbian { normalize: true }.learn(&p).unwrap();
        assert!((scaled.couplings().weight(1, 2) + 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn default_keeps_exact_ties() {
        // Pattern 2, neuron 7 has the exact field 0 and x = −1, so `sgn(0) = +1` flips it: the
        // pattern is not a fixed point. Dividing by N = 10 turns that 0 into a rounding residue.
        use crate::analysis::analyze;
        use hopfield_core::{TieRule, rng_from_seed};
        let p = Patterns::random(10, 4, &mut rng_from_seed(28)).unwrap();
        let net = Hebbian::default().learn(&p).unwrap();
        let f = net.fields(p.get(2)).unwrap();
        assert_eq!(f[7], 0.0);
        assert_eq!(p.value(2, 7), -1.0);
        let a = analyze(&net, &p, TieRule::High).unwrap();
        assert_eq!(a.fixed_point, vec![true, true, false, false]);
    }

    #[test]
    fn binary_field_is_eighth_of_bipolar() {
        let p = Patterns::from_signs(&[vec![1, -1, 1, 1, -1], vec![-1, -1, 1, -1, 1]]).unwrap();
        let bip = Hebbian { normalize: false }.learn(&p).unwrap();
        let bin = HebbianBinary.learn(&p).unwrap();
        assert_eq!(bin.encoding(), Encoding::Binary);
        for signs in [[1i8, 1, -1, 1, -1], [-1, -1, -1, 1, 1]] {
            let s = State::from_signs(Encoding::Bipolar, &signs);
            let f = bip.fields(&s).unwrap();
            let g = bin.fields(&s.to_encoding(Encoding::Binary)).unwrap();
            for i in 0..5 {
                assert!(
                    (g[i] - f[i] / 8.0).abs() < 1e-12,
                    "{i}: {} vs {}",
                    g[i],
                    f[i]
                );
            }
        }
    }
}
