//! The exact conversion between a ±1 network and its 0/1 equivalent.
//!
//! Substituting `s = 2x − 1` into the ±1 field `h_i = Σ_j W_ij s_j + b_i` gives
//! `h_i = 2 Σ_j W_ij x_j − Σ_j W_ij + b_i`. The 0/1 network
//!
//! ```text
//! W' = 4W,   b'_i = 2 b_i − 2 Σ_j W_ij        (θ'_i = 2(Σ_j W_ij + θ_i))
//! ```
//!
//! has field `u_i = 2 h_i`: the same sign, the same zeros, hence the same trajectory under
//! either [`TieRule`](crate::TieRule) and any update schedule; its energy is
//! `E±(2x − 1) = E01(x) − ½ Σ_ij W_ij + Σ_i b_i`. The inverse is `W = W'/4`,
//! `b_i = ½ b'_i + ¼ Σ_j W'_ij`. Hopfield's (1982) construction (`s_ij = (X_i−½)(X_j−½)`,
//! `h_i = ½ Σ_j s_ij`) is this map up to the positive factor 16 (`W' = W/4`).

use crate::couplings::Rescale;
use crate::error::{CoreError, Result};
use crate::network::Network;
use crate::state::Encoding;

/// A converted network and the energy offset between the two.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted<C> {
    /// The network in the other encoding.
    pub network: Network<C>,
    /// `E_source(s) = E_target(s mapped) + energy_offset` for every state `s`.
    pub energy_offset: f64,
}

fn row_sums<C: Rescale>(c: &C) -> Vec<f64> {
    let ones = vec![1.0; c.n()];
    let mut out = vec![0.0; c.n()];
    c.mul_into(&ones, &mut out);
    out
}

/// The 0/1 network equivalent to a ±1 network (`W' = 4W`, `b' = 2b − 2W·1`).
pub fn bipolar_to_binary<C: Rescale>(net: &Network<C>) -> Result<Converted<C>> {
    if net.encoding() != Encoding::Bipolar {
        return Err(CoreError::EncodingMismatch {
            expected: Encoding::Bipolar,
            found: net.encoding(),
        });
    }
    let sums = row_sums(net.couplings());
    let bias: Vec<f64> = net
        .bias()
        .iter()
        .zip(&sums)
        .map(|(b, r)| 2.0 * b - 2.0 * r)
        .collect();
    let energy_offset = -0.5 * sums.iter().sum::<f64>() + net.bias().iter().sum::<f64>();
    Ok(Converted {
        network: Network::with_bias(net.couplings().rescaled(4.0), bias, Encoding::Binary)?,
        energy_offset,
    })
}

/// The ±1 network equivalent to a 0/1 network (`W = W'/4`, `b = ½b' + ¼W'·1`).
pub fn binary_to_bipolar<C: Rescale>(net: &Network<C>) -> Result<Converted<C>> {
    if net.encoding() != Encoding::Binary {
        return Err(CoreError::EncodingMismatch {
            expected: Encoding::Binary,
            found: net.encoding(),
        });
    }
    let sums = row_sums(net.couplings());
    let bias: Vec<f64> = net
        .bias()
        .iter()
        .zip(&sums)
        .map(|(b, r)| 0.5 * b + 0.25 * r)
        .collect();
    let w = net.couplings().rescaled(0.25);
    // E01(x) = E±(2x − 1) + ½ Σ W_ij − Σ b_i, with W, b those of the ±1 network.
    let energy_offset = 0.5 * sums.iter().sum::<f64>() * 0.25 - bias.iter().sum::<f64>();
    Ok(Converted {
        network: Network::with_bias(w, bias, Encoding::Bipolar)?,
        energy_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, DiagonalPolicy, State};
    use nalgebra::DMatrix;

    #[test]
    fn energies_differ_by_the_offset_and_round_trip_is_exact() {
        let w = DMatrix::from_row_slice(3, 3, &[1.0, 2.0, -1.0, 2.0, 0.0, 0.5, -1.0, 0.5, 0.25]);
        let w = Dense::new(w, DiagonalPolicy::SelfCoupling).expect("valid");
        let net = Network::with_bias(w, vec![0.5, -1.0, 0.0], Encoding::Bipolar).expect("valid");
        let bin = bipolar_to_binary(&net).expect("bipolar");
        for bits in 0..8u8 {
            let b: Vec<bool> = (0..3).map(|k| bits >> k & 1 == 1).collect();
            let s = State::from_bits(Encoding::Bipolar, &b);
            let x = State::from_bits(Encoding::Binary, &b);
            let lhs = net.energy(&s).expect("ok");
            let rhs = bin.network.energy(&x).expect("ok") + bin.energy_offset;
            assert!((lhs - rhs).abs() < 1e-12, "{lhs} vs {rhs}");
            let hs = net.fields(&s).expect("ok");
            let us = bin.network.fields(&x).expect("ok");
            for (h, u) in hs.iter().zip(&us) {
                assert!((2.0 * h - u).abs() < 1e-12);
            }
        }
        let back = binary_to_bipolar(&bin.network).expect("binary");
        assert!((back.energy_offset + bin.energy_offset).abs() < 1e-12);
        assert_eq!(back.network, net);
    }

    #[test]
    fn wrong_encoding_is_an_error() {
        let w = Dense::with_zero_diagonal(DMatrix::zeros(1, 1)).expect("valid");
        let net = Network::new(w, Encoding::Binary);
        assert!(matches!(
            bipolar_to_binary(&net),
            Err(CoreError::EncodingMismatch { .. })
        ));
    }
}
