//! Pattern sets: `M` bipolar patterns of `N` components.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::{Encoding, State};

use crate::error::{MemoryError, Result};

/// `M ≥ 1` patterns of `N ≥ 1` components each, stored as ±1.
///
/// The invariant (non-empty, equal lengths, every value ±1) is checked on construction. Binary
/// (0/1) states are accepted and mapped to ±1 (`s = 2x − 1`).
///
/// ```
/// use hopfield_memory::Patterns;
/// let p = Patterns::from_signs(&[vec![1, -1, 1], vec![-1, -1, 1]])?;
/// assert_eq!((p.n(), p.m()), (3, 2));
/// assert_eq!(p.value(1, 0), -1.0);
/// # Ok::<(), hopfield_memory::MemoryError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns {
    patterns: Vec<State>,
}

impl Patterns {
    /// A pattern set from states (any encoding; binary states are mapped to ±1).
    pub fn new(states: Vec<State>) -> Result<Self> {
        let first = states.first().ok_or(MemoryError::EmptyPatternSet)?;
        let n = first.len();
        if n == 0 {
            return Err(MemoryError::EmptyPattern);
        }
        if let Some((index, s)) = states.iter().enumerate().find(|(_, s)| s.len() != n) {
            return Err(MemoryError::UnequalLengths {
                index,
                expected: n,
                found: s.len(),
            });
        }
        Ok(Patterns {
            patterns: states
                .into_iter()
                .map(|s| s.to_encoding(Encoding::Bipolar))
                .collect(),
        })
    }

    /// A pattern set from signs (positive is +1, zero or negative is −1).
    pub fn from_signs(signs: &[Vec<i8>]) -> Result<Self> {
        Self::new(
            signs
                .iter()
                .map(|s| State::from_signs(Encoding::Bipolar, s))
                .collect(),
        )
    }

    /// A pattern set from bits (`true` is +1).
    pub fn from_bits(bits: &[Vec<bool>]) -> Result<Self> {
        Self::new(
            bits.iter()
                .map(|b| State::from_bits(Encoding::Bipolar, b))
                .collect(),
        )
    }

    /// `m` unbiased random patterns of `n` components.
    pub fn random<R: Rng + ?Sized>(n: usize, m: usize, rng: &mut R) -> Result<Self> {
        Self::random_biased(n, m, 0.5, rng)
    }

    /// `m` random patterns of `n` components, each component +1 with probability `p_high`.
    pub fn random_biased<R: Rng + ?Sized>(
        n: usize,
        m: usize,
        p_high: f64,
        rng: &mut R,
    ) -> Result<Self> {
        if !(0.0..=1.0).contains(&p_high) {
            return Err(MemoryError::InvalidParams {
                name: "p_high",
                reason: format!("{p_high} is not a probability in [0, 1]"),
            });
        }
        Self::new(
            (0..m)
                .map(|_| {
                    let bits: Vec<bool> = (0..n).map(|_| rng.random_bool(p_high)).collect();
                    State::from_bits(Encoding::Bipolar, &bits)
                })
                .collect(),
        )
    }

    /// Number of components `N`.
    #[inline]
    pub fn n(&self) -> usize {
        self.patterns[0].len()
    }

    /// Number of patterns `M`.
    #[inline]
    pub fn m(&self) -> usize {
        self.patterns.len()
    }

    /// Pattern `u` as a bipolar state. Panics if `u >= m`.
    #[inline]
    pub fn get(&self, u: usize) -> &State {
        &self.patterns[u]
    }

    /// Component `i` of pattern `u`, ±1. Panics if out of range.
    #[inline]
    pub fn value(&self, u: usize, i: usize) -> f64 {
        self.patterns[u].as_slice()[i]
    }

    /// The patterns in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &State> {
        self.patterns.iter()
    }

    /// The `N × M` matrix whose column `u` is pattern `u`.
    pub fn to_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_fn(self.n(), self.m(), |i, u| self.value(u, i))
    }

    /// The first `m` patterns (the sets A, AB, ABC, … of Liang, Wu & Yu). `m` must be in `1..=M`.
    pub fn prefix(&self, m: usize) -> Result<Self> {
        if m == 0 || m > self.m() {
            return Err(MemoryError::InvalidParams {
                name: "m",
                reason: format!("{m} is not in 1..={}", self.m()),
            });
        }
        Ok(Patterns {
            patterns: self.patterns[..m].to_vec(),
        })
    }

    /// Hamming distances between every pair of patterns (`M × M`, zero diagonal).
    pub fn hamming_matrix(&self) -> DMatrix<usize> {
        let m = self.m();
        DMatrix::from_fn(m, m, |a, b| {
            (0..self.n())
                .filter(|&i| self.value(a, i) != self.value(b, i))
                .count()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    #[test]
    fn checks_and_maps_binary() {
        assert!(matches!(
            Patterns::new(vec![]),
            Err(MemoryError::EmptyPatternSet)
        ));
        assert!(matches!(
            Patterns::from_signs(&[vec![1, 1], vec![1]]),
            Err(MemoryError::UnequalLengths {
                index: 1,
                expected: 2,
                found: 1
            })
        ));
        assert!(matches!(
            Patterns::from_signs(&[vec![]]),
            Err(MemoryError::EmptyPattern)
        ));
        let p =
            Patterns::new(vec![State::from_bits(Encoding::Binary, &[true, false])]).expect("valid");
        assert_eq!(p.get(0).as_slice(), &[1.0, -1.0]);
        assert_eq!(p.hamming_matrix()[(0, 0)], 0);
    }

    #[test]
    fn random_sets_are_seeded() {
        let a = Patterns::random(20, 3, &mut rng_from_seed(1)).expect("valid");
        let b = Patterns::random(20, 3, &mut rng_from_seed(1)).expect("valid");
        assert_eq!(a, b);
        let ones = Patterns::random_biased(50, 1, 1.0, &mut rng_from_seed(1)).expect("valid");
        assert!(ones.get(0).as_slice().iter().all(|&v| v == 1.0));
        assert!(Patterns::random_biased(5, 1, 1.5, &mut rng_from_seed(1)).is_err());
    }
}
