//! Neuron encodings, tie rules and network states.

use std::fmt;

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result, check_finite};

/// The two values a neuron can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Neurons take −1 and +1 (Hopfield 1982; Liang–Wu–Yu).
    Bipolar,
    /// Neurons take 0 and 1 (Hopfield–Tank; the tunnel paper).
    Binary,
}

impl Encoding {
    /// The low value: −1 or 0.
    #[inline]
    pub const fn low(self) -> f64 {
        match self {
            Encoding::Bipolar => -1.0,
            Encoding::Binary => 0.0,
        }
    }

    /// The high value: always 1.
    #[inline]
    pub const fn high(self) -> f64 {
        1.0
    }

    /// `high − low`: 2 for bipolar, 1 for binary.
    #[inline]
    pub const fn span(self) -> f64 {
        match self {
            Encoding::Bipolar => 2.0,
            Encoding::Binary => 1.0,
        }
    }

    /// The value for a bit: `true` is high.
    #[inline]
    pub const fn value(self, high: bool) -> f64 {
        if high { self.high() } else { self.low() }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Bipolar => "bipolar (±1)",
            Encoding::Binary => "binary (0/1)",
        })
    }
}

/// What a neuron does when its local field is exactly zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    /// Keep the current value (Matsumoto et al. 2004, eq. 2).
    Keep,
    /// Go high: `sgn(0) = +1` (Liang, Wu & Yu).
    High,
}

impl TieRule {
    /// The value a neuron currently `high` takes under local field `field`.
    #[inline]
    pub fn next_is_high(self, field: f64, high: bool) -> bool {
        if field > 0.0 {
            true
        } else if field < 0.0 {
            false
        } else {
            match self {
                TieRule::Keep => high,
                TieRule::High => true,
            }
        }
    }
}

/// The values of all neurons of a network, each the low or high value of its [`Encoding`].
///
/// The invariant (every value is `encoding.low()` or `encoding.high()`) is checked when a
/// state is built from user data and kept by every method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StateRepr", into = "StateRepr")]
pub struct State {
    encoding: Encoding,
    values: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
struct StateRepr {
    encoding: Encoding,
    values: Vec<f64>,
}

impl TryFrom<StateRepr> for State {
    type Error = CoreError;
    fn try_from(repr: StateRepr) -> Result<Self> {
        State::new(repr.encoding, repr.values)
    }
}

impl From<State> for StateRepr {
    fn from(state: State) -> Self {
        StateRepr {
            encoding: state.encoding,
            values: state.values,
        }
    }
}

impl State {
    /// A state from real values; each must be the encoding's low or high value.
    pub fn new(encoding: Encoding, values: Vec<f64>) -> Result<Self> {
        check_finite("state", &values)?;
        if let Some(index) = values
            .iter()
            .position(|&v| v != encoding.low() && v != encoding.high())
        {
            return Err(CoreError::InvalidStateValue {
                index,
                value: values[index],
                encoding,
            });
        }
        Ok(State { encoding, values })
    }

    /// A state from bits: `true` is the high value.
    pub fn from_bits(encoding: Encoding, bits: &[bool]) -> Self {
        State {
            encoding,
            values: bits.iter().map(|&b| encoding.value(b)).collect(),
        }
    }

    /// A state from signs: positive is high, zero or negative is low.
    pub fn from_signs(encoding: Encoding, signs: &[i8]) -> Self {
        State {
            encoding,
            values: signs.iter().map(|&s| encoding.value(s > 0)).collect(),
        }
    }

    /// All neurons low.
    pub fn low(encoding: Encoding, n: usize) -> Self {
        State {
            encoding,
            values: vec![encoding.low(); n],
        }
    }

    /// Each neuron high with probability ½, drawn from `rng`.
    pub fn random<R: Rng + ?Sized>(encoding: Encoding, n: usize, rng: &mut R) -> Self {
        State {
            encoding,
            values: (0..n)
                .map(|_| encoding.value(rng.random_bool(0.5)))
                .collect(),
        }
    }

    /// The encoding of the values.
    #[inline]
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Number of neurons.
    #[inline]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the state has no neurons.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values, each `encoding.low()` or `encoding.high()`.
    #[inline]
    pub fn as_slice(&self) -> &[f64] {
        &self.values
    }

    /// The values, for this crate's kernels to overwrite with valid values only.
    #[inline]
    pub(crate) fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// Whether neuron `i` is high. Panics if `i` is out of range.
    #[inline]
    pub fn is_high(&self, i: usize) -> bool {
        self.values[i] == self.encoding.high()
    }

    /// The bits of the state: `true` is high.
    pub fn to_bits(&self) -> Vec<bool> {
        (0..self.len()).map(|i| self.is_high(i)).collect()
    }

    /// Flips neuron `i` and returns the change of its value (`±span`). Panics if `i` is out
    /// of range.
    #[inline]
    pub fn flip(&mut self, i: usize) -> f64 {
        let old = self.values[i];
        let new = if old == self.encoding.high() {
            self.encoding.low()
        } else {
            self.encoding.high()
        };
        self.values[i] = new;
        new - old
    }

    /// Sets neuron `i` high or low; returns the change of its value (0 if unchanged).
    #[inline]
    pub fn set(&mut self, i: usize, high: bool) -> f64 {
        let old = self.values[i];
        let new = self.encoding.value(high);
        self.values[i] = new;
        new - old
    }

    /// The same bits in another encoding (`s = 2x − 1`).
    pub fn to_encoding(&self, encoding: Encoding) -> State {
        if encoding == self.encoding {
            return self.clone();
        }
        State {
            encoding,
            values: (0..self.len())
                .map(|i| encoding.value(self.is_high(i)))
                .collect(),
        }
    }

    /// Number of neurons where the two states differ (their encodings may differ).
    pub fn hamming(&self, other: &State) -> Result<usize> {
        if self.len() != other.len() {
            return Err(CoreError::DimensionMismatch {
                what: "state",
                expected: self.len(),
                found: other.len(),
            });
        }
        Ok((0..self.len())
            .filter(|&i| self.is_high(i) != other.is_high(i))
            .count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_rejects_values_outside_the_encoding() {
        let err = State::new(Encoding::Binary, vec![0.0, 1.0, -1.0]).unwrap_err();
        assert_eq!(
            err,
            CoreError::InvalidStateValue {
                index: 2,
                value: -1.0,
                encoding: Encoding::Binary
            }
        );
        assert!(matches!(
            State::new(Encoding::Bipolar, vec![1.0, f64::NAN]),
            Err(CoreError::NonFinite { .. })
        ));
    }

    #[test]
    fn flip_and_encoding_round_trip() {
        let mut s = State::from_signs(Encoding::Bipolar, &[1, -1, 1]);
        assert_eq!(s.flip(1), 2.0);
        assert_eq!(s.as_slice(), &[1.0, 1.0, 1.0]);
        let b = s.to_encoding(Encoding::Binary);
        assert_eq!(b.as_slice(), &[1.0, 1.0, 1.0]);
        let mut b = b;
        assert_eq!(b.flip(0), -1.0);
        assert_eq!(
            b.to_encoding(Encoding::Bipolar).as_slice(),
            &[-1.0, 1.0, 1.0]
        );
        assert_eq!(b.hamming(&s).ok(), Some(1));
    }

    #[test]
    fn tie_rules() {
        assert!(TieRule::Keep.next_is_high(0.0, true));
        assert!(!TieRule::Keep.next_is_high(0.0, false));
        assert!(TieRule::High.next_is_high(0.0, false));
        assert!(!TieRule::High.next_is_high(-1e-300, true));
    }
}
