//! Shared builders for the integration tests.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Dense, DiagonalPolicy, Encoding, Network, State};
use proptest::prelude::*;

/// A random symmetric network: `n` neurons, off-diagonal weights from `weights`, self-couplings
/// from `diag` (all zero when `self_coupling` is false) and biases from `bias`.
pub(crate) fn network_from(
    n: usize,
    upper: &[f64],
    diag: &[f64],
    bias: &[f64],
    self_coupling: bool,
    encoding: Encoding,
) -> Network<Dense> {
    let mut w = DMatrix::zeros(n, n);
    let mut k = 0;
    for i in 0..n {
        for j in (i + 1)..n {
            w[(i, j)] = upper[k];
            w[(j, i)] = upper[k];
            k += 1;
        }
        if self_coupling {
            w[(i, i)] = diag[i];
        }
    }
    let policy = if self_coupling {
        DiagonalPolicy::SelfCoupling
    } else {
        DiagonalPolicy::Zero
    };
    let dense = Dense::new(w, policy).expect("symmetric by construction");
    Network::with_bias(dense, bias[..n].to_vec(), encoding).expect("lengths match")
}

/// Parameters of a random network plus a start state and a seed.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) n: usize,
    pub(crate) upper: Vec<f64>,
    pub(crate) diag: Vec<f64>,
    pub(crate) bias: Vec<f64>,
    pub(crate) bits: Vec<bool>,
    pub(crate) self_coupling: bool,
    pub(crate) seed: u64,
}

impl Case {
    pub(crate) fn network(&self, encoding: Encoding) -> Network<Dense> {
        network_from(
            self.n,
            &self.upper,
            &self.diag,
            &self.bias,
            self.self_coupling,
            encoding,
        )
    }

    pub(crate) fn state(&self, encoding: Encoding) -> State {
        State::from_bits(encoding, &self.bits)
    }
}

/// Networks of 1–14 neurons with real-valued weights in `[-2, 2]`, self-couplings in `[0, 2]`.
pub(crate) fn real_case() -> impl Strategy<Value = Case> {
    case_with(-2.0..2.0f64, 0.0..2.0f64)
}

/// Networks with small integer weights: sums are exact and fields are often exactly zero, so
/// the tie rules are exercised and different implementations must agree bit for bit.
pub(crate) fn integer_case() -> impl Strategy<Value = Case> {
    case_with(
        (-3i32..=3).prop_map(f64::from),
        (0i32..=2).prop_map(f64::from),
    )
}

fn case_with<W, D>(weights: W, diag: D) -> impl Strategy<Value = Case>
where
    W: Strategy<Value = f64> + Clone + 'static,
    D: Strategy<Value = f64> + Clone + 'static,
{
    (1usize..15).prop_flat_map(move |n| {
        (
            Just(n),
            prop::collection::vec(weights.clone(), n * (n - 1) / 2),
            prop::collection::vec(diag.clone(), n),
            prop::collection::vec(weights.clone(), n),
            prop::collection::vec(any::<bool>(), n),
            any::<bool>(),
            any::<u64>(),
        )
            .prop_map(|(n, upper, diag, bias, bits, self_coupling, seed)| Case {
                n,
                upper,
                diag,
                bias,
                bits,
                self_coupling,
                seed,
            })
    })
}

pub(crate) const ENCODINGS: [Encoding; 2] = [Encoding::Bipolar, Encoding::Binary];
pub(crate) const TIES: [hopfield_core::TieRule; 2] =
    [hopfield_core::TieRule::Keep, hopfield_core::TieRule::High];
