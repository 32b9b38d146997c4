//! A network: couplings, biases and an encoding; its local fields and energy.

use crate::couplings::Couplings;
use crate::error::{CoreError, Result, check_finite, check_len};
use crate::state::{Encoding, State};

/// A discrete Hopfield network: symmetric couplings `W`, biases `b` and the neurons' encoding.
///
/// The local field of neuron `i` is `I_i = Σ_j w_ij s_j + b_i` (the sum includes `w_ii s_i`
/// when self-couplings are allowed) and the energy is `E(s) = −½ sᵀWs − bᵀs`.
///
/// The bias joins the tunnel paper's external input and threshold, `b_i = s_i − θ_i`
/// (Matsumoto et al. 2004, eq. 1), and Hopfield's (1982) threshold, `b_i = −h_i`; see
/// [`Network::with_input_and_thresholds`].
///
/// ```
/// use hopfield_core::{Dense, Encoding, Network, State};
/// use nalgebra::DMatrix;
///
/// let w = Dense::with_zero_diagonal(DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]))?;
/// let net = Network::new(w, Encoding::Bipolar);
/// let s = State::from_signs(Encoding::Bipolar, &[1, 1]);
/// assert_eq!(net.energy(&s)?, -1.0);
/// # Ok::<(), hopfield_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Network<C> {
    couplings: C,
    bias: Vec<f64>,
    encoding: Encoding,
}

impl<C: Couplings> Network<C> {
    /// A network with zero biases.
    pub fn new(couplings: C, encoding: Encoding) -> Self {
        let n = couplings.n();
        Network {
            couplings,
            bias: vec![0.0; n],
            encoding,
        }
    }

    /// A network with biases `b` (one per neuron, finite).
    pub fn with_bias(couplings: C, bias: Vec<f64>, encoding: Encoding) -> Result<Self> {
        check_len("bias", couplings.n(), bias.len())?;
        check_finite("bias", &bias)?;
        Ok(Network {
            couplings,
            bias,
            encoding,
        })
    }

    /// A network with thresholds `θ`: `b = −θ` (Hopfield 1982, `u_i = Σ s_ij x_j − h_i`).
    pub fn with_thresholds(couplings: C, thresholds: &[f64], encoding: Encoding) -> Result<Self> {
        Self::with_bias(couplings, thresholds.iter().map(|t| -t).collect(), encoding)
    }

    /// A network with external inputs `s` and thresholds `θ`: `b = s − θ` (Matsumoto et al. 2004, eq. 1).
    pub fn with_input_and_thresholds(
        couplings: C,
        input: &[f64],
        thresholds: &[f64],
        encoding: Encoding,
    ) -> Result<Self> {
        check_len("external input", couplings.n(), input.len())?;
        check_len("thresholds", couplings.n(), thresholds.len())?;
        let bias = input.iter().zip(thresholds).map(|(s, t)| s - t).collect();
        Self::with_bias(couplings, bias, encoding)
    }

    /// Number of neurons.
    #[inline]
    pub fn n(&self) -> usize {
        self.couplings.n()
    }

    /// The couplings `W`.
    #[inline]
    pub fn couplings(&self) -> &C {
        &self.couplings
    }

    /// The biases `b`.
    #[inline]
    pub fn bias(&self) -> &[f64] {
        &self.bias
    }

    /// The neurons' encoding.
    #[inline]
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Takes the network apart: `(couplings, bias, encoding)`.
    pub fn into_parts(self) -> (C, Vec<f64>, Encoding) {
        (self.couplings, self.bias, self.encoding)
    }

    /// Checks that `state` fits this network (length and encoding).
    pub fn check_state(&self, state: &State) -> Result<()> {
        check_len("state", self.n(), state.len())?;
        if state.encoding() != self.encoding {
            return Err(CoreError::EncodingMismatch {
                expected: self.encoding,
                found: state.encoding(),
            });
        }
        Ok(())
    }

    /// All local fields `I = W s + b`, from scratch.
    ///
    /// Errors with [`CoreError::NonFinite`] when a field overflows `f64` (weights near
    /// `f64::MAX`).
    pub fn fields(&self, state: &State) -> Result<Vec<f64>> {
        self.check_state(state)?;
        let mut out = vec![0.0; self.n()];
        self.fields_into_unchecked(state.as_slice(), &mut out);
        check_finite("local field", &out)?;
        Ok(out)
    }

    /// The local field of neuron `i`, from scratch (`O(N)` or the row's cost).
    pub fn field(&self, state: &State, i: usize) -> Result<f64> {
        self.check_state(state)?;
        self.check_index(i)?;
        let field = self.couplings.row_dot(i, state.as_slice()) + self.bias[i];
        check_finite("local field", &[field]).map_err(|_| CoreError::NonFinite {
            what: "local field",
            location: format!("[{i}]"),
            value: field,
        })?;
        Ok(field)
    }

    /// The energy `E(s) = −½ sᵀWs − bᵀs`, from scratch.
    ///
    /// Errors with [`CoreError::NonFinite`] when the energy overflows `f64` (weights near
    /// `f64::MAX`), instead of returning `±inf`.
    ///
    /// ```
    /// use hopfield_core::{CoreError, Dense, Encoding, Network, State};
    /// use nalgebra::DMatrix;
    ///
    /// let big = 1.797e308;
    /// let w = Dense::with_zero_diagonal(DMatrix::from_row_slice(2, 2, &[0.0, big, big, 0.0]))?;
    /// let net = Network::new(w, Encoding::Bipolar);
    /// let s = State::from_signs(Encoding::Bipolar, &[1, 1]);
    /// assert!(matches!(net.energy(&s), Err(CoreError::NonFinite { what: "energy", .. })));
    /// # Ok::<(), CoreError>(())
    /// ```
    pub fn energy(&self, state: &State) -> Result<f64> {
        let fields = self.fields(state)?;
        let energy = self.energy_from_fields(state.as_slice(), &fields);
        if !energy.is_finite() {
            return Err(CoreError::NonFinite {
                what: "energy",
                location: "E(s)".into(),
                value: energy,
            });
        }
        Ok(energy)
    }

    /// The exact change of energy if neuron `k` flips, from scratch:
    /// `ΔE = −Δs_k·I_k − ½ w_kk Δs_k²`, with `I_k` the field before the flip.
    pub fn flip_delta(&self, state: &State, k: usize) -> Result<f64> {
        let field = self.field(state, k)?;
        let delta = flip_change(self.encoding, state.is_high(k));
        Ok(flip_energy_delta(
            field,
            delta,
            self.couplings.self_coupling(k),
        ))
    }

    pub(crate) fn check_index(&self, i: usize) -> Result<()> {
        if i < self.n() {
            Ok(())
        } else {
            Err(CoreError::IndexOutOfRange {
                index: i,
                n: self.n(),
            })
        }
    }

    pub(crate) fn fields_into_unchecked(&self, state: &[f64], out: &mut [f64]) {
        self.couplings.mul_into(state, out);
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o += b;
        }
    }

    /// `E = −½ Σ s_i (I_i − b_i) − Σ b_i s_i = −½ Σ s_i (I_i + b_i)`.
    pub(crate) fn energy_from_fields(&self, state: &[f64], fields: &[f64]) -> f64 {
        -0.5 * state
            .iter()
            .zip(fields)
            .zip(&self.bias)
            .map(|((s, f), b)| s * (f + b))
            .sum::<f64>()
    }
}

/// The change of a neuron's value when it flips from `high` (or low).
#[inline]
pub(crate) fn flip_change(encoding: Encoding, high: bool) -> f64 {
    if high {
        -encoding.span()
    } else {
        encoding.span()
    }
}

/// `ΔE = −Δ·I − ½ w_kk Δ²`.
#[inline]
pub(crate) fn flip_energy_delta(field: f64, delta: f64, self_coupling: f64) -> f64 {
    -delta * field - 0.5 * self_coupling * delta * delta
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, DiagonalPolicy};
    use nalgebra::DMatrix;

    fn small() -> Network<Dense> {
        let w = DMatrix::from_row_slice(3, 3, &[1.0, 2.0, -1.0, 2.0, 0.0, 0.5, -1.0, 0.5, 0.0]);
        let w = Dense::new(w, DiagonalPolicy::SelfCoupling).expect("valid");
        Network::with_bias(w, vec![0.5, -1.0, 0.0], Encoding::Bipolar).expect("valid")
    }

    #[test]
    fn energy_matches_hand_computation() {
        let net = small();
        let s = State::from_signs(Encoding::Bipolar, &[1, -1, 1]);
        // sᵀWs = 1 + 2·(2·1·−1) + 2·(−1·1·1) + 2·(0.5·−1·1) = 1 − 4 − 2 − 1 = −6
        // bᵀs = 0.5 + 1 + 0 = 1.5 → E = 3 − 1.5 = 1.5
        assert_eq!(net.energy(&s), Ok(1.5));
    }

    #[test]
    fn flip_delta_includes_self_coupling() {
        let net = small();
        let s = State::from_signs(Encoding::Bipolar, &[1, -1, 1]);
        for k in 0..3 {
            let mut t = s.clone();
            t.flip(k);
            let expected = net.energy(&t).expect("ok") - net.energy(&s).expect("ok");
            assert!((net.flip_delta(&s, k).expect("ok") - expected).abs() < 1e-12);
        }
    }

    #[test]
    fn an_energy_that_overflows_is_an_error_not_infinity() {
        let big = 1.797e308;
        let w = Dense::with_zero_diagonal(DMatrix::from_row_slice(2, 2, &[0.0, big, big, 0.0]))
            .expect("finite and symmetric");
        let net = Network::new(w, Encoding::Bipolar);
        // Fields of 1.797e308 are finite, but the sum Σ s_i·I_i of the energy overflows: it
        // used to return Ok(−inf).
        let s = State::from_signs(Encoding::Bipolar, &[1, 1]);
        assert!(matches!(
            net.energy(&s),
            Err(CoreError::NonFinite { what: "energy", .. })
        ));
        // E = −w₀₁·s₀·s₁ = 1.797e308 is representable here, but the sum −½(s₀I₀ + s₁I₁)
        // that computes it overflows: an error, never a wrong number.
        let mixed = State::from_signs(Encoding::Bipolar, &[1, -1]);
        assert!(net.energy(&mixed).is_err());
        let w = net.couplings().clone();
        let biased = Network::with_bias(w, vec![big, big], Encoding::Bipolar).expect("finite");
        assert!(matches!(
            biased.energy(&s),
            Err(CoreError::NonFinite {
                what: "local field",
                ..
            })
        ));
        let three =
            Dense::with_zero_diagonal(DMatrix::from_fn(
                3,
                3,
                |i, j| {
                    if i == j { 0.0 } else { big }
                },
            ))
            .expect("finite and symmetric");
        let net = Network::new(three, Encoding::Bipolar);
        let s = State::from_signs(Encoding::Bipolar, &[1, 1, 1]);
        assert!(matches!(
            net.energy(&s),
            Err(CoreError::NonFinite {
                what: "local field",
                ..
            })
        ));
        let s = State::from_signs(Encoding::Bipolar, &[1, -1, 1]);
        // Fields 0, 2·big (overflow), 0.
        assert!(net.fields(&s).is_err());
        assert!(net.flip_delta(&s, 1).is_err());
    }

    #[test]
    fn bias_forms_and_checks() {
        let w = Dense::with_zero_diagonal(DMatrix::zeros(2, 2)).expect("valid");
        let net = Network::with_input_and_thresholds(
            w.clone(),
            &[1.0, 2.0],
            &[0.5, 3.0],
            Encoding::Binary,
        )
        .expect("valid");
        assert_eq!(net.bias(), &[0.5, -1.0]);
        assert!(matches!(
            Network::with_bias(w.clone(), vec![0.0], Encoding::Binary),
            Err(CoreError::DimensionMismatch { what: "bias", .. })
        ));
        assert!(matches!(
            Network::with_thresholds(w, &[0.0, f64::INFINITY], Encoding::Binary),
            Err(CoreError::NonFinite { what: "bias", .. })
        ));
        let s = State::low(Encoding::Bipolar, 2);
        assert!(matches!(
            net.energy(&s),
            Err(CoreError::EncodingMismatch { .. })
        ));
    }
}
