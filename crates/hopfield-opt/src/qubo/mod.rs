//! QUBO and Ising problems: sparse quadratic models over 0/1 or ±1 variables, their exact
//! conversion, an objective sense, and the Max-Cut and qbsolv file formats ([`mod@file`]).
//!
//! A **QUBO** model is `f(x) = Σ_i a_i x_i + Σ_{i<j} b_ij x_i x_j + c` over `x ∈ {0,1}ⁿ`; an
//! **Ising** model is `g(s) = Σ_i h_i s_i + Σ_{i<j} J_ij s_i s_j + c` over `s ∈ {−1,1}ⁿ`.
//! With `x = (s + 1)/2` they are the same function ([`Ising::to_qubo`], [`Qubo::to_ising`]):
//!
//! ```text
//! b_ij = 4 J_ij,   a_i = 2 h_i − 2 Σ_j J_ij,   c_qubo = c_ising − Σ_i h_i + Σ_{i<j} J_ij
//! J_ij = b_ij / 4, h_i = a_i / 2 + Σ_j b_ij / 4, c_ising = c_qubo + Σ_i a_i / 2 + Σ_{i<j} b_ij / 4
//! ```
//!
//! (the core's ±1 ↔ 0/1 network map, [`hopfield_core::convert`], is the same substitution).
//! [`QuboProblem`] is a [`Problem`] like any other: the 0/1 Hopfield network
//! `w_ij = −σ b_ij`, `b_i = −σ a_i` with `σ = +1` to minimise and `−1` to maximise, so the
//! penalty energy is `σ·f(x)` and the conventional network, the tunnel operator T and the
//! move and spin operators run on it unchanged. When every coefficient is an integer it also
//! has a lean network ([`IntNetwork`]: a bit per variable and `i32` fields).
//!
//! **Max-Cut** of a weighted graph is the QUBO `cut(x) = Σ_{(i,j)∈E} w_ij (x_i + x_j −
//! 2 x_i x_j)`, maximised ([`QuboProblem::max_cut`]).
//!
//! ```
//! use hopfield_opt::qubo::{Ising, QuboProblem};
//! use hopfield_opt::problem::{Problem, Sense};
//!
//! // Max-Cut of a 4-cycle: the best cut is 4 (alternate sides).
//! let p = QuboProblem::max_cut("c4", 4, &[(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, 1.0)])?;
//! assert_eq!(p.sense(), Sense::Maximize);
//! assert_eq!(p.objective(&vec![true, false, true, false]), 4.0);
//! // The same model as an Ising model and back: every assignment keeps its value.
//! let ising: Ising = p.qubo().to_ising();
//! assert_eq!(ising.value(&[1, -1, 1, -1]), 4.0);
//! # Ok::<(), hopfield_opt::OptError>(())
//! ```

pub mod file;

use hopfield_core::lean::{BitState, IntNetwork, LeanNetwork};
use hopfield_core::{DiagonalPolicy, Encoding, Network, Sparse, SparseBuilder, State};

use crate::problem::{LeanProblem, Problem, Sense, Shape};
use crate::{OptError, Result};

/// The largest number of variables a model may have (the sparse couplings index with `u32`
/// and a plain search stores 16 bytes a variable).
pub const MAX_VARIABLES: usize = 100_000_000;

/// The largest number of quadratic terms a model may have.
pub const MAX_TERMS: usize = 200_000_000;

/// A QUBO model `f(x) = Σ a_i x_i + Σ_{i<j} b_ij x_i x_j + c`, `x ∈ {0,1}ⁿ` (see the module
/// docs). Quadratic terms are stored once per pair (`i < j`), merged, without zeros.
#[derive(Debug, Clone, PartialEq)]
pub struct Qubo {
    linear: Vec<f64>,
    quadratic: Vec<(usize, usize, f64)>,
    offset: f64,
}

/// An Ising model `g(s) = Σ h_i s_i + Σ_{i<j} J_ij s_i s_j + c`, `s ∈ {−1,1}ⁿ`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ising {
    h: Vec<f64>,
    j: Vec<(usize, usize, f64)>,
    offset: f64,
}

/// Checks sizes and values, folds diagonal terms into the linear ones (`x_i² = x_i`; for
/// spins `s_i² = 1` goes to the offset), and merges repeated pairs.
fn normalize(
    n: usize,
    linear: &mut [f64],
    terms: &[(usize, usize, f64)],
    offset: &mut f64,
    spins: bool,
) -> Result<Vec<(usize, usize, f64)>> {
    if n > MAX_VARIABLES {
        return Err(OptError::TooLarge {
            method: "a QUBO/Ising model",
            what: "variables",
            max: MAX_VARIABLES,
            found: n,
        });
    }
    if terms.len() > MAX_TERMS {
        return Err(OptError::TooLarge {
            method: "a QUBO/Ising model",
            what: "quadratic terms",
            max: MAX_TERMS,
            found: terms.len(),
        });
    }
    if let Some(i) = linear.iter().position(|v| !v.is_finite()) {
        return Err(OptError::InvalidParameter {
            name: "linear",
            reason: format!("coefficient {i} is {}", linear[i]),
        });
    }
    if !offset.is_finite() {
        return Err(OptError::InvalidParameter {
            name: "offset",
            reason: format!("must be finite, got {offset}"),
        });
    }
    let mut pairs = Vec::with_capacity(terms.len());
    for &(i, j, w) in terms {
        if i >= n || j >= n {
            return Err(OptError::InvalidParameter {
                name: "quadratic",
                reason: format!("term ({i}, {j}) is out of range for {n} variables"),
            });
        }
        if !w.is_finite() {
            return Err(OptError::InvalidParameter {
                name: "quadratic",
                reason: format!("term ({i}, {j}) = {w} is not finite"),
            });
        }
        if i == j {
            if spins {
                *offset += w;
            } else {
                linear[i] += w;
            }
        } else {
            pairs.push((i.min(j), i.max(j), w));
        }
    }
    pairs.sort_unstable_by_key(|&(i, j, _)| (i, j));
    let mut merged: Vec<(usize, usize, f64)> = Vec::with_capacity(pairs.len());
    for (i, j, w) in pairs {
        match merged.last_mut() {
            Some(last) if (last.0, last.1) == (i, j) => last.2 += w,
            _ => merged.push((i, j, w)),
        }
    }
    merged.retain(|t| t.2 != 0.0);
    Ok(merged)
}

impl Qubo {
    /// A model from its linear coefficients (one per variable), quadratic terms `(i, j, b)`
    /// (`i == j` adds to `a_i`; repeated pairs add up; order within a pair does not matter)
    /// and constant. Errors: an index out of range, a non-finite value, more than
    /// [`MAX_VARIABLES`] variables or [`MAX_TERMS`] terms.
    pub fn new(linear: Vec<f64>, quadratic: &[(usize, usize, f64)], offset: f64) -> Result<Self> {
        let (mut linear, mut offset) = (linear, offset);
        let quadratic = normalize(linear.len(), &mut linear, quadratic, &mut offset, false)?;
        Ok(Qubo {
            linear,
            quadratic,
            offset,
        })
    }

    /// Number of variables.
    pub fn n(&self) -> usize {
        self.linear.len()
    }

    /// The linear coefficients `a_i`.
    pub fn linear(&self) -> &[f64] {
        &self.linear
    }

    /// The quadratic terms `(i, j, b_ij)`, `i < j`, sorted.
    pub fn quadratic(&self) -> &[(usize, usize, f64)] {
        &self.quadratic
    }

    /// The constant `c`.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// `f(x)`, `O(n + terms)`. Panics if `x` has the wrong length.
    pub fn value(&self, x: &[bool]) -> f64 {
        assert_eq!(x.len(), self.n(), "assignment length");
        let lin: f64 = self
            .linear
            .iter()
            .zip(x)
            .filter(|(_, x)| **x)
            .map(|(a, _)| a)
            .sum();
        let quad: f64 = self
            .quadratic
            .iter()
            .filter(|&&(i, j, _)| x[i] && x[j])
            .map(|t| t.2)
            .sum();
        lin + quad + self.offset
    }

    /// The equivalent Ising model (`x = (s + 1)/2`; exact up to rounding).
    pub fn to_ising(&self) -> Ising {
        let mut h: Vec<f64> = self.linear.iter().map(|a| 0.5 * a).collect();
        let mut offset = self.offset + 0.5 * self.linear.iter().sum::<f64>();
        let j = self
            .quadratic
            .iter()
            .map(|&(a, b, w)| {
                h[a] += 0.25 * w;
                h[b] += 0.25 * w;
                offset += 0.25 * w;
                (a, b, 0.25 * w)
            })
            .collect();
        Ising { h, j, offset }
    }
}

impl Ising {
    /// A model from its fields `h_i`, couplings `(i, j, J)` (`i == j` adds the constant
    /// `J·s_i² = J`; repeated pairs add up) and constant; errors as [`Qubo::new`].
    pub fn new(h: Vec<f64>, couplings: &[(usize, usize, f64)], offset: f64) -> Result<Self> {
        let (mut h, mut offset) = (h, offset);
        let j = normalize(h.len(), &mut h, couplings, &mut offset, true)?;
        Ok(Ising { h, j, offset })
    }

    /// Number of spins.
    pub fn n(&self) -> usize {
        self.h.len()
    }

    /// The fields `h_i`.
    pub fn fields(&self) -> &[f64] {
        &self.h
    }

    /// The couplings `(i, j, J_ij)`, `i < j`, sorted.
    pub fn couplings(&self) -> &[(usize, usize, f64)] {
        &self.j
    }

    /// The constant `c`.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// `g(s)` for spins given as signs (positive is `+1`), `O(n + terms)`. Panics if `s` has
    /// the wrong length.
    pub fn value(&self, s: &[i8]) -> f64 {
        assert_eq!(s.len(), self.n(), "assignment length");
        let v = |i: usize| if s[i] > 0 { 1.0 } else { -1.0 };
        let lin: f64 = self.h.iter().enumerate().map(|(i, h)| h * v(i)).sum();
        let quad: f64 = self.j.iter().map(|&(i, j, w)| w * v(i) * v(j)).sum();
        lin + quad + self.offset
    }

    /// The equivalent QUBO model (`s = 2x − 1`; exact up to rounding).
    pub fn to_qubo(&self) -> Qubo {
        let mut linear: Vec<f64> = self.h.iter().map(|h| 2.0 * h).collect();
        let mut offset = self.offset - self.h.iter().sum::<f64>();
        let quadratic = self
            .j
            .iter()
            .map(|&(a, b, w)| {
                linear[a] -= 2.0 * w;
                linear[b] -= 2.0 * w;
                offset += w;
                (a, b, 4.0 * w)
            })
            .collect();
        Qubo {
            linear,
            quadratic,
            offset,
        }
    }
}

/// A QUBO (or Ising, converted) model with an objective sense, as a [`Problem`] (see the
/// module docs).
#[derive(Debug, Clone)]
pub struct QuboProblem {
    name: String,
    qubo: Qubo,
    sense: Sense,
    shape: Shape,
    network: Network<Sparse>,
    lean: Option<IntNetwork>,
}

impl QuboProblem {
    /// A problem from a QUBO model and a sense.
    pub fn new(name: &str, qubo: Qubo, sense: Sense) -> Result<Self> {
        let n = qubo.n();
        if n == 0 {
            return Err(OptError::InvalidParameter {
                name: "n",
                reason: "a model needs at least one variable".into(),
            });
        }
        let sigma = sense.sign();
        let mut b = SparseBuilder::new(n);
        for &(i, j, w) in &qubo.quadratic {
            b.add(i, j, -sigma * w)?;
        }
        let bias: Vec<f64> = qubo.linear.iter().map(|a| -sigma * a).collect();
        let network = Network::with_bias(b.build(DiagonalPolicy::Zero)?, bias, Encoding::Binary)?;
        let integral = |v: f64| v.fract() == 0.0 && v.abs() <= i32::MAX as f64;
        let lean = if qubo.linear.iter().all(|&a| integral(a))
            && qubo.quadratic.iter().all(|t| integral(t.2))
        {
            let entries: Vec<(usize, usize, i64)> = qubo
                .quadratic
                .iter()
                .map(|&(i, j, w)| (i, j, (-sigma * w) as i64))
                .collect();
            let bias: Vec<i64> = qubo.linear.iter().map(|&a| (-sigma * a) as i64).collect();
            IntNetwork::new(n, &entries, bias, Encoding::Binary).ok()
        } else {
            None
        };
        Ok(QuboProblem {
            name: name.to_string(),
            shape: Shape::new(vec![n])?,
            qubo,
            sense,
            network,
            lean,
        })
    }

    /// A problem from an Ising model (converted exactly to its QUBO form).
    pub fn from_ising(name: &str, ising: &Ising, sense: Sense) -> Result<Self> {
        Self::new(name, ising.to_qubo(), sense)
    }

    /// Max-Cut of an undirected weighted graph with `n` vertices and edges `(i, j, w)`
    /// (repeated edges add up; loops are rejected): maximise
    /// `cut(x) = Σ w_ij (x_i + x_j − 2 x_i x_j)`.
    pub fn max_cut(name: &str, n: usize, edges: &[(usize, usize, f64)]) -> Result<Self> {
        if n > MAX_VARIABLES {
            return Err(OptError::TooLarge {
                method: "a Max-Cut problem",
                what: "vertices",
                max: MAX_VARIABLES,
                found: n,
            });
        }
        let mut linear = vec![0.0; n];
        let mut quadratic = Vec::with_capacity(edges.len());
        for &(i, j, w) in edges {
            if i == j {
                return Err(OptError::InvalidParameter {
                    name: "edges",
                    reason: format!("edge ({i}, {i}) is a loop"),
                });
            }
            if i >= n || j >= n {
                return Err(OptError::InvalidParameter {
                    name: "edges",
                    reason: format!("edge ({i}, {j}) is out of range for {n} vertices"),
                });
            }
            if !w.is_finite() {
                return Err(OptError::InvalidParameter {
                    name: "edges",
                    reason: format!("edge ({i}, {j}) has weight {w}"),
                });
            }
            linear[i] += w;
            linear[j] += w;
            quadratic.push((i, j, -2.0 * w));
        }
        Self::new(name, Qubo::new(linear, &quadratic, 0.0)?, Sense::Maximize)
    }

    /// The model.
    pub fn qubo(&self) -> &Qubo {
        &self.qubo
    }

    /// The lean network, when every coefficient is an integer whose fields fit `i32`.
    pub fn int_network(&self) -> Option<&IntNetwork> {
        self.lean.as_ref()
    }
}

impl Problem for QuboProblem {
    type Couplings = Sparse;
    /// The values of the variables (`true` = 1, or spin `+1`).
    type Solution = Vec<bool>;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn shape(&self) -> &Shape {
        &self.shape
    }

    fn network(&self) -> &Network<Sparse> {
        &self.network
    }

    fn energy_offset(&self) -> f64 {
        self.sense.sign() * self.qubo.offset
    }

    fn penalty(&self, state: &State) -> f64 {
        self.sense.sign() * self.qubo.value(&state.to_bits())
    }

    fn decode(&self, state: &State) -> Option<Vec<bool>> {
        (state.len() == self.qubo.n()).then(|| state.to_bits())
    }

    /// `f(x)`: the model's value (the cut for Max-Cut).
    fn objective(&self, x: &Vec<bool>) -> f64 {
        if x.len() == self.qubo.n() {
            self.qubo.value(x)
        } else {
            f64::NAN
        }
    }

    /// Every assignment is feasible.
    fn is_feasible(&self, state: &State) -> bool {
        state.len() == self.qubo.n()
    }

    fn sense(&self) -> Sense {
        self.sense
    }

    fn energy_of_objective(&self, objective: f64) -> Option<f64> {
        Some(self.sense.sign() * objective)
    }
}

impl LeanProblem for QuboProblem {
    type Lean = IntNetwork;

    fn lean(&self) -> Result<&IntNetwork> {
        self.lean.as_ref().ok_or_else(|| OptError::InvalidParameter {
            name: "lean",
            reason: format!(
                "{} has coefficients that are not integers (or fields beyond i32); use the plain path",
                self.name
            ),
        })
    }

    fn lean_bytes(&self) -> u64 {
        let n = self.qubo.n() as u64;
        n.div_ceil(8) + self.lean.as_ref().map_or(0, |l| l.field_bytes() as u64)
    }

    fn decode_bits(&self, state: &BitState) -> Option<Vec<bool>> {
        (state.len() == self.qubo.n()).then(|| (0..state.len()).map(|i| state.is_high(i)).collect())
    }

    fn is_feasible_bits(&self, state: &BitState) -> bool {
        state.len() == self.qubo.n()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::dense_from_penalty;

    #[test]
    fn conversions_keep_every_value() {
        let q = Qubo::new(
            vec![1.5, -2.0, 0.25],
            &[
                (0, 1, 3.0),
                (2, 1, -1.0),
                (1, 1, 0.5),
                (0, 2, 2.0),
                (0, 1, 1.0),
            ],
            0.75,
        )
        .unwrap();
        assert_eq!(q.linear(), &[1.5, -1.5, 0.25]);
        assert_eq!(q.quadratic(), &[(0, 1, 4.0), (0, 2, 2.0), (1, 2, -1.0)]);
        let ising = q.to_ising();
        let back = ising.to_qubo();
        for bits in 0..8u8 {
            let x: Vec<bool> = (0..3).map(|k| bits >> k & 1 == 1).collect();
            let s: Vec<i8> = x.iter().map(|&b| if b { 1 } else { -1 }).collect();
            assert!((q.value(&x) - ising.value(&s)).abs() < 1e-12);
            assert!((back.value(&x) - q.value(&x)).abs() < 1e-12);
        }
    }

    #[test]
    fn network_matches_the_model_in_both_senses() {
        let q = Qubo::new(
            vec![1.0, -3.0, 2.0, 0.5],
            &[(0, 1, 2.0), (1, 3, -4.0), (2, 3, 1.5)],
            1.0,
        )
        .unwrap();
        for sense in [Sense::Minimize, Sense::Maximize] {
            let p = QuboProblem::new("t", q.clone(), sense).unwrap();
            let (w, b, c) = dense_from_penalty(&p).unwrap();
            let dense = p.dense_couplings().unwrap();
            use hopfield_core::Couplings;
            for (i, bi) in b.iter().enumerate() {
                assert!((bi - p.network().bias()[i]).abs() < 1e-12);
                for j in 0..4 {
                    assert!((w.weight(i, j) - dense.weight(i, j)).abs() < 1e-12);
                }
            }
            assert!((c - p.energy_offset()).abs() < 1e-12);
            for bits in 0..16u8 {
                let x: Vec<bool> = (0..4).map(|k| bits >> k & 1 == 1).collect();
                let s = State::from_bits(Encoding::Binary, &x);
                assert!((p.energy(&s).unwrap() - sense.sign() * q.value(&x)).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn the_core_map_of_the_network_is_the_ising_model() {
        use hopfield_core::Couplings;
        use hopfield_core::convert::binary_to_bipolar;
        let q = Qubo::new(vec![1.0, -2.0, 0.5], &[(0, 1, 3.0), (1, 2, -1.0)], 0.25).unwrap();
        let p = QuboProblem::new("t", q.clone(), Sense::Minimize).unwrap();
        let ising = q.to_ising();
        let bip = binary_to_bipolar(p.network()).unwrap();
        // W± = W01/4 = −J and b± = −h: the core's map and the model's conversion agree.
        for &(i, j, w) in ising.couplings() {
            assert!((bip.network.couplings().weight(i, j) + w).abs() < 1e-12);
        }
        for (b, h) in bip.network.bias().iter().zip(ising.fields()) {
            assert!((b + h).abs() < 1e-12);
        }
        for bits in 0..8u8 {
            let x: Vec<bool> = (0..3).map(|k| bits >> k & 1 == 1).collect();
            let s: Vec<i8> = x.iter().map(|&v| if v { 1 } else { -1 }).collect();
            let e = bip
                .network
                .energy(&State::from_signs(Encoding::Bipolar, &s))
                .unwrap();
            let value = e + bip.energy_offset + p.energy_offset();
            assert!((value - ising.value(&s)).abs() < 1e-12);
        }
    }

    #[test]
    fn max_cut_values_and_errors() {
        let p = QuboProblem::max_cut("k3", 3, &[(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)]).unwrap();
        assert_eq!(p.objective(&vec![true, false, false]), 2.0);
        assert_eq!(p.objective(&vec![true, true, true]), 0.0);
        assert!(p.int_network().is_some());
        assert!(QuboProblem::max_cut("loop", 2, &[(1, 1, 1.0)]).is_err());
        assert!(QuboProblem::max_cut("range", 2, &[(0, 2, 1.0)]).is_err());
        assert!(QuboProblem::max_cut("nan", 2, &[(0, 1, f64::NAN)]).is_err());
        assert!(Qubo::new(vec![f64::INFINITY], &[], 0.0).is_err());
        let frac = QuboProblem::max_cut("frac", 2, &[(0, 1, 0.5)]).unwrap();
        assert!(frac.int_network().is_none() && frac.lean().is_err());
    }
}
