//! [`LeanNetwork`]: a network whose local fields are kept in a compact form of its own, and
//! [`IntNetwork`], sparse integer couplings with `i32` fields.

use std::fmt;

use super::BitState;
use crate::couplings::Couplings;
use crate::error::{CoreError, Result};
use crate::network::Network;
use crate::state::Encoding;

/// A network (couplings, biases, encoding) whose local fields live in a store chosen by the
/// network: the value width is a property of the couplings.
///
/// - Any [`Network`] is a `LeanNetwork` with `f64` fields (`Vec<f64>`), so every problem can
///   run on a [`BitState`] through [`LeanDynamics`](super::LeanDynamics).
/// - [`IntNetwork`] keeps integer weights and `i32` fields (half the bytes, exact ties).
/// - Structured networks keep counters instead of fields: hopfield-opt's N-Queens network
///   keeps `6n` row, column and diagonal counts for `n²` neurons, and computes a field in
///   `O(1)` from them.
///
/// Contract: `field(fields_of(s), s, i)` is `Σ_j w_ij s_j + b_i` for every state `s`, and
/// `on_flip` keeps it so after neuron `j` changes.
pub trait LeanNetwork: Send + Sync {
    /// The compact store of the local fields.
    type Fields: Clone + Send + Sync + fmt::Debug;

    /// Number of neurons.
    fn n(&self) -> usize;

    /// The neurons' encoding.
    fn encoding(&self) -> Encoding;

    /// The fields of `state`, from scratch. `state` has `n()` neurons (the caller checks).
    fn fields_of(&self, state: &BitState) -> Self::Fields;

    /// The local field `I_i = Σ_j w_ij s_j + b_i` from the store and the state.
    fn field(&self, fields: &Self::Fields, state: &BitState, i: usize) -> f64;

    /// Updates the store after neuron `j` changed by `delta` (`state` already holds the new
    /// value).
    fn on_flip(&self, fields: &mut Self::Fields, state: &BitState, j: usize, delta: f64);

    /// The coupling `w_ij`.
    fn weight(&self, i: usize, j: usize) -> f64;

    /// The self-coupling `w_ii` (`≥ 0`).
    fn self_coupling(&self, i: usize) -> f64;

    /// The bias `b_i`.
    fn bias(&self, i: usize) -> f64;

    /// The energy `E = −½ Σ_i s_i (I_i + b_i)`, from the store. The default visits every
    /// neuron (`O(n)` field reads); binary networks visit only the high ones.
    fn energy(&self, fields: &Self::Fields, state: &BitState) -> f64 {
        let mut e = 0.0;
        match self.encoding() {
            Encoding::Binary => state.for_each_high(|i| {
                e += self.field(fields, state, i) + self.bias(i);
            }),
            Encoding::Bipolar => {
                for i in 0..self.n() {
                    e += state.value(i) * (self.field(fields, state, i) + self.bias(i));
                }
            }
        }
        -0.5 * e
    }

    /// The bytes the field store of one dynamics takes.
    fn field_bytes(&self) -> usize;
}

impl<C: Couplings> LeanNetwork for Network<C> {
    type Fields = Vec<f64>;

    fn n(&self) -> usize {
        Network::n(self)
    }

    fn encoding(&self) -> Encoding {
        Network::encoding(self)
    }

    fn fields_of(&self, state: &BitState) -> Vec<f64> {
        let n = Network::n(self);
        let mut fields = self.bias().to_vec();
        match Network::encoding(self) {
            Encoding::Binary => {
                state.for_each_high(|j| self.couplings().add_column(j, 1.0, &mut fields))
            }
            Encoding::Bipolar => {
                let values: Vec<f64> = (0..n).map(|i| state.value(i)).collect();
                let mut out = vec![0.0; n];
                self.couplings().mul_into(&values, &mut out);
                for (f, o) in fields.iter_mut().zip(&out) {
                    *f += o;
                }
            }
        }
        fields
    }

    #[inline]
    fn field(&self, fields: &Vec<f64>, _state: &BitState, i: usize) -> f64 {
        fields[i]
    }

    #[inline]
    fn on_flip(&self, fields: &mut Vec<f64>, _state: &BitState, j: usize, delta: f64) {
        self.couplings().add_column(j, delta, fields);
    }

    #[inline]
    fn weight(&self, i: usize, j: usize) -> f64 {
        self.couplings().weight(i, j)
    }

    #[inline]
    fn self_coupling(&self, i: usize) -> f64 {
        self.couplings().self_coupling(i)
    }

    #[inline]
    fn bias(&self, i: usize) -> f64 {
        self.bias()[i]
    }

    fn field_bytes(&self) -> usize {
        Network::n(self) * 8
    }
}

/// Sparse symmetric couplings with integer weights, integer biases and `i32` local fields.
///
/// Built only when every local field of every state fits `i32`
/// (`|b_i| + span·Σ_j |w_ij| ≤ i32::MAX` for every neuron), so field updates never overflow
/// and a zero field is an exact tie. Max-Cut graphs with integer weights, integer QUBOs and
/// Ising models fit; non-integer models use the `f64` path ([`Network`] as a
/// [`LeanNetwork`]).
///
/// ```
/// use hopfield_core::Encoding;
/// use hopfield_core::lean::{BitState, IntNetwork, LeanDynamics};
///
/// // An antiferromagnetic triangle (Max-Cut of K3) in ±1 form.
/// let net = IntNetwork::new(3, &[(0, 1, -1), (1, 2, -1), (0, 2, -1)], vec![0; 3], Encoding::Bipolar)?;
/// let mut d = LeanDynamics::new(&net, BitState::low(Encoding::Bipolar, 3))?;
/// assert_eq!(d.energy(), 3.0);
/// d.flip(0);
/// assert_eq!(d.energy(), -1.0);
/// # Ok::<(), hopfield_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IntNetwork {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<i32>,
    diagonal: Vec<i32>,
    bias: Vec<i32>,
    encoding: Encoding,
}

impl IntNetwork {
    /// A network from symmetric entries `(i, j, w_ij)` (each pair once; repeated pairs add
    /// up; `i == j` sets a self-coupling, which must be `≥ 0`), integer biases and an
    /// encoding. Errors: an index out of range, a negative self-coupling, a wrong bias
    /// length, or fields that could exceed `i32`.
    pub fn new(
        n: usize,
        entries: &[(usize, usize, i64)],
        bias: Vec<i64>,
        encoding: Encoding,
    ) -> Result<Self> {
        if bias.len() != n {
            return Err(CoreError::DimensionMismatch {
                what: "bias",
                expected: n,
                found: bias.len(),
            });
        }
        let mut diagonal = vec![0i64; n];
        let mut pairs: Vec<(u32, u32, i64)> = Vec::with_capacity(2 * entries.len());
        for &(i, j, w) in entries {
            for index in [i, j] {
                if index >= n {
                    return Err(CoreError::IndexOutOfRange { index, n });
                }
            }
            if i == j {
                diagonal[i] = diagonal[i].saturating_add(w);
                continue;
            }
            let (a, b) = (to_u32(i)?, to_u32(j)?);
            pairs.push((a, b, w));
            pairs.push((b, a, w));
        }
        if let Some(i) = diagonal.iter().position(|&d| d < 0) {
            return Err(CoreError::NegativeSelfCoupling {
                i,
                value: diagonal[i] as f64,
            });
        }
        pairs.sort_unstable_by_key(|&(i, j, _)| (i, j));
        let mut indptr = vec![0usize; n + 1];
        let mut indices: Vec<u32> = Vec::with_capacity(pairs.len());
        let mut merged: Vec<i64> = Vec::with_capacity(pairs.len());
        let mut last = None;
        for (i, j, w) in pairs {
            if last == Some((i, j)) {
                if let Some(v) = merged.last_mut() {
                    *v = v.saturating_add(w);
                }
                continue;
            }
            last = Some((i, j));
            indptr[i as usize + 1] += 1;
            indices.push(j);
            merged.push(w);
        }
        for i in 0..n {
            indptr[i + 1] += indptr[i];
        }
        let span = encoding.span() as u128;
        let mut values = Vec::with_capacity(merged.len());
        for i in 0..n {
            let mut bound =
                u128::from(bias[i].unsigned_abs()) + u128::from(diagonal[i].unsigned_abs()) * span;
            for &v in &merged[indptr[i]..indptr[i + 1]] {
                bound += u128::from(v.unsigned_abs()) * span;
                values.push(v as i32);
            }
            if bound > i32::MAX as u128 {
                return Err(too_wide(format!(
                    "the field of neuron {i} can reach {bound}"
                )));
            }
        }
        Ok(IntNetwork {
            indptr,
            indices,
            values,
            diagonal: diagonal.iter().map(|&d| d as i32).collect(),
            bias: bias.iter().map(|&b| b as i32).collect(),
            encoding,
        })
    }

    /// The neighbours of `i` and their weights.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[i32]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    /// Number of stored off-diagonal entries (both halves).
    pub fn n_entries(&self) -> usize {
        self.values.len()
    }
}

fn to_u32(index: usize) -> Result<u32> {
    u32::try_from(index).map_err(|_| CoreError::InvalidParameter {
        name: "n",
        reason: format!("integer networks hold at most {} neurons", u32::MAX),
    })
}

fn too_wide(what: String) -> CoreError {
    CoreError::InvalidParameter {
        name: "weights",
        reason: format!("{what}: integer fields must fit i32; use the f64 path"),
    }
}

impl LeanNetwork for IntNetwork {
    type Fields = Vec<i32>;

    fn n(&self) -> usize {
        self.bias.len()
    }

    fn encoding(&self) -> Encoding {
        self.encoding
    }

    fn fields_of(&self, state: &BitState) -> Vec<i32> {
        let n = self.bias.len();
        let mut fields = self.bias.clone();
        for j in 0..n {
            let s = match (self.encoding, state.is_high(j)) {
                (_, true) => 1,
                (Encoding::Binary, false) => 0,
                (Encoding::Bipolar, false) => -1,
            };
            if s == 0 {
                continue;
            }
            fields[j] += self.diagonal[j] * s;
            let (idx, w) = self.row(j);
            for (&i, &w) in idx.iter().zip(w) {
                fields[i as usize] += w * s;
            }
        }
        fields
    }

    #[inline]
    fn field(&self, fields: &Vec<i32>, _state: &BitState, i: usize) -> f64 {
        f64::from(fields[i])
    }

    #[inline]
    fn on_flip(&self, fields: &mut Vec<i32>, _state: &BitState, j: usize, delta: f64) {
        let d = delta as i32;
        fields[j] += self.diagonal[j] * d;
        let (idx, w) = self.row(j);
        for (&i, &w) in idx.iter().zip(w) {
            fields[i as usize] += w * d;
        }
    }

    fn weight(&self, i: usize, j: usize) -> f64 {
        if i == j {
            return f64::from(self.diagonal[i]);
        }
        let (idx, w) = self.row(i);
        match idx.binary_search(&(j as u32)) {
            Ok(k) => f64::from(w[k]),
            Err(_) => 0.0,
        }
    }

    #[inline]
    fn self_coupling(&self, i: usize) -> f64 {
        f64::from(self.diagonal[i])
    }

    #[inline]
    fn bias(&self, i: usize) -> f64 {
        f64::from(self.bias[i])
    }

    fn energy(&self, fields: &Vec<i32>, state: &BitState) -> f64 {
        let mut e: i64 = 0;
        for (i, (&f, &b)) in fields.iter().zip(&self.bias).enumerate() {
            let s: i64 = match (self.encoding, state.is_high(i)) {
                (_, true) => 1,
                (Encoding::Binary, false) => 0,
                (Encoding::Bipolar, false) => -1,
            };
            e += s * (i64::from(f) + i64::from(b));
        }
        -0.5 * e as f64
    }

    fn field_bytes(&self) -> usize {
        self.bias.len() * 4
    }
}
