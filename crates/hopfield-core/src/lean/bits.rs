//! [`BitState`]: one bit per neuron.

use rand::{Rng, RngExt};

use crate::error::{CoreError, Result};
use crate::state::{Encoding, State};

/// The values of all neurons, one bit each (`1` = the encoding's high value).
///
/// A [`State`] stores each value as an `f64` (8 bytes a neuron); a `BitState` stores 1 bit,
/// so a 10⁸-neuron state takes 12.5 MB instead of 800 MB. Values are read back as `f64`
/// through [`BitState::value`], so every formula of the plain path applies unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BitState {
    encoding: Encoding,
    words: Vec<u64>,
    len: usize,
}

impl BitState {
    /// The bytes a state of `n` neurons takes (`⌈n/64⌉` words of 8 bytes).
    pub const fn bytes_for(n: usize) -> usize {
        n.div_ceil(64) * 8
    }

    /// All neurons low. Allocation failure is an error, never an abort: the caller may have
    /// been given `n` by a user.
    pub fn try_low(encoding: Encoding, n: usize) -> Result<Self> {
        let n_words = n.div_ceil(64);
        let mut words = Vec::new();
        words
            .try_reserve_exact(n_words)
            .map_err(|_| CoreError::InvalidParameter {
                name: "n",
                reason: format!(
                    "cannot allocate {} bytes for a state of {n} neurons",
                    Self::bytes_for(n)
                ),
            })?;
        words.resize(n_words, 0);
        Ok(BitState {
            encoding,
            words,
            len: n,
        })
    }

    /// All neurons low (panics only if the allocation of `⌈n/64⌉` words fails; see
    /// [`BitState::try_low`]).
    pub fn low(encoding: Encoding, n: usize) -> Self {
        BitState {
            encoding,
            words: vec![0; n.div_ceil(64)],
            len: n,
        }
    }

    /// The same values as a plain state.
    pub fn from_state(state: &State) -> Self {
        let mut bits = BitState::low(state.encoding(), state.len());
        for i in 0..state.len() {
            if state.is_high(i) {
                bits.set(i, true);
            }
        }
        bits
    }

    /// A state from bits: `true` is high.
    pub fn from_bools(encoding: Encoding, bits: &[bool]) -> Self {
        let mut s = BitState::low(encoding, bits.len());
        for (i, &b) in bits.iter().enumerate() {
            if b {
                s.set(i, true);
            }
        }
        s
    }

    /// Each neuron high with probability `p` (clamped to `[0, 1]`), drawn from `rng` in
    /// neuron order (the same draws as the plain path's random initial state).
    pub fn random<R: Rng + ?Sized>(encoding: Encoding, n: usize, p: f64, rng: &mut R) -> Self {
        let p = p.clamp(0.0, 1.0);
        let mut s = BitState::low(encoding, n);
        for i in 0..n {
            if rng.random_bool(p) {
                s.set(i, true);
            }
        }
        s
    }

    /// The plain state with the same values (`8·n` bytes).
    pub fn to_state(&self) -> State {
        let bits: Vec<bool> = (0..self.len).map(|i| self.is_high(i)).collect();
        State::from_bits(self.encoding, &bits)
    }

    /// The encoding.
    #[inline]
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Number of neurons.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no neurons.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether neuron `i` is high. Panics if `i` is out of range.
    #[inline]
    pub fn is_high(&self, i: usize) -> bool {
        assert!(
            i < self.len,
            "neuron {i} out of range for {} neurons",
            self.len
        );
        self.words[i >> 6] >> (i & 63) & 1 == 1
    }

    /// The value of neuron `i` (`encoding.low()` or `encoding.high()`).
    #[inline]
    pub fn value(&self, i: usize) -> f64 {
        self.encoding.value(self.is_high(i))
    }

    /// Sets neuron `i`; returns the change of its value (0 if unchanged).
    #[inline]
    pub fn set(&mut self, i: usize, high: bool) -> f64 {
        let was = self.is_high(i);
        if was == high {
            return 0.0;
        }
        self.words[i >> 6] ^= 1 << (i & 63);
        if high {
            self.encoding.span()
        } else {
            -self.encoding.span()
        }
    }

    /// Flips neuron `i`; returns the change of its value (`±span`).
    #[inline]
    pub fn flip(&mut self, i: usize) -> f64 {
        let high = self.is_high(i);
        self.set(i, !high)
    }

    /// Number of high neurons, `O(n/64)`.
    pub fn count_high(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Calls `f(i)` for every high neuron in increasing order, `O(n/64 + high)`.
    pub fn for_each_high(&self, mut f: impl FnMut(usize)) {
        for (k, &w) in self.words.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                let b = w.trailing_zeros() as usize;
                f(k * 64 + b);
                w &= w - 1;
            }
        }
    }

    /// Number of 64-neuron words.
    pub fn n_words(&self) -> usize {
        self.words.len()
    }

    /// Sets neurons `64k .. 64k + 63` from the bits of `word` (bit `b` is neuron `64k + b`);
    /// bits past the last neuron are ignored. Panics if `k` is out of range.
    pub fn set_word(&mut self, k: usize, word: u64) {
        let valid = self.len - 64 * k;
        let mask = if valid >= 64 {
            u64::MAX
        } else {
            (1u64 << valid) - 1
        };
        self.words[k] = word & mask;
    }

    /// Sets every neuron low.
    pub fn clear(&mut self) {
        self.words.fill(0);
    }

    /// Copies `other` into `self` without reallocating when the sizes agree.
    pub fn copy_from(&mut self, other: &BitState) {
        self.encoding = other.encoding;
        self.len = other.len;
        self.words.clone_from(&other.words);
    }

    /// The bytes this state takes.
    pub fn bytes(&self) -> usize {
        self.words.len() * 8
    }

    /// Number of neurons where the two states differ (their encodings may differ), or an
    /// error if the lengths differ.
    pub fn hamming(&self, other: &BitState) -> Result<usize> {
        if self.len != other.len {
            return Err(CoreError::DimensionMismatch {
                what: "state",
                expected: self.len,
                found: other.len,
            });
        }
        Ok(self
            .words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| (a ^ b).count_ones() as usize)
            .sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng_from_seed;

    #[test]
    fn round_trip_and_counts() {
        let mut rng = rng_from_seed(3);
        for enc in [Encoding::Binary, Encoding::Bipolar] {
            for n in [0usize, 1, 63, 64, 65, 200] {
                let s = State::random(enc, n, &mut rng);
                let b = BitState::from_state(&s);
                assert_eq!(b.to_state(), s);
                assert_eq!(b.count_high(), (0..n).filter(|&i| s.is_high(i)).count());
                let mut seen = Vec::new();
                b.for_each_high(|i| seen.push(i));
                let expect: Vec<usize> = (0..n).filter(|&i| s.is_high(i)).collect();
                assert_eq!(seen, expect);
                for i in 0..n {
                    assert_eq!(b.value(i), s.as_slice()[i]);
                }
            }
        }
    }

    #[test]
    fn flips_report_the_value_change() {
        let mut b = BitState::low(Encoding::Bipolar, 70);
        assert_eq!(b.flip(69), 2.0);
        assert_eq!(b.flip(69), -2.0);
        assert_eq!(b.set(3, false), 0.0);
        let mut c = BitState::low(Encoding::Binary, 70);
        assert_eq!(c.set(64, true), 1.0);
        assert_eq!(c.hamming(&BitState::low(Encoding::Binary, 70)), Ok(1));
        assert!(c.hamming(&BitState::low(Encoding::Binary, 3)).is_err());
        assert_eq!(BitState::bytes_for(65), 16);
    }

    #[test]
    fn huge_states_are_errors_not_aborts() {
        assert!(BitState::try_low(Encoding::Binary, usize::MAX).is_err());
    }
}
