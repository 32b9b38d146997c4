//! Analysis of a network against its stored patterns: stability `γ_i^u`, fixed points, the
//! attraction-radius bounds `F_i^u` of Liang, Wu & Yu's Theorem 2 with `F^u`, Fmax, Fmin,
//! Fave (Liang, Wu & Yu), and the fundamental-constraint check.
//!
//! Theorem 2: with `W_mi = max_j |W_ij|` and `F_i^u = x_i^u Σ_j W_ij x_j^u / (2 W_mi)` (the
//! sum includes `j = i`), every state `x` with `Hamming(x, x^u) < F_i^u` gives
//! `sgn(Σ_j W_ij x_j) = x_i^u`; so `F^u = min_i F_i^u` bounds the one-step basin radius of
//! `x^u` from below. The true `W_mi` is used for every rule, so zero-diagonal rules compare
//! fairly with self-coupled ones.

use hopfield_core::{Couplings, Dynamics, Encoding, Network, TieRule};
use serde::{Deserialize, Serialize};

use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

/// Stability and attraction-radius bounds of every stored pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// `stability[u][i] = γ_i^u = x_i^u I_i(x^u)`, the local field (bias included) signed by
    /// the pattern's ±1 value.
    pub stability: Vec<Vec<f64>>,
    /// `radius[u][i] = F_i^u = γ_i^u / (span · W_mi)`; `span` = 2 for ±1 neurons and 1 for
    /// 0/1 neurons (a flip changes a component by the span). For a zero row (`W_mi = 0`) the
    /// field never changes: `F_i^u = +∞` if `γ_i^u > 0`, else 0. Negative values mean the
    /// component is not even stable.
    pub radius: Vec<Vec<f64>>,
    /// `F^u = min_i F_i^u`.
    pub pattern_radius: Vec<f64>,
    /// Whether each pattern is a fixed point under the given tie rule.
    pub fixed_point: Vec<bool>,
    /// `Fmax = max_u F^u`.
    pub f_max: f64,
    /// `Fmin = min_u F^u` (the network's `F`).
    pub f_min: f64,
    /// `Fave = (1/M) Σ_u F^u`.
    pub f_ave: f64,
    /// `min_{u,i} γ_i^u`.
    pub min_stability: f64,
}

impl Analysis {
    /// Whether every pattern is a fixed point.
    pub fn all_stored(&self) -> bool {
        self.fixed_point.iter().all(|&b| b)
    }

    /// Number of patterns that are fixed points.
    pub fn stored_count(&self) -> usize {
        self.fixed_point.iter().filter(|&&b| b).count()
    }
}

/// `W_mi = max_j |W_ij|` for every row. Cost `O(N²)`.
pub fn row_max_abs<C: Couplings>(couplings: &C) -> Vec<f64> {
    let n = couplings.n();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| couplings.weight(i, j).abs())
                .fold(0.0, f64::max)
        })
        .collect()
}

/// Checks that the patterns fit the network.
fn check_dims<C: Couplings>(net: &Network<C>, patterns: &Patterns) -> Result<()> {
    if patterns.n() != net.n() {
        return Err(MemoryError::UnequalLengths {
            index: 0,
            expected: net.n(),
            found: patterns.n(),
        });
    }
    Ok(())
}

/// Analyses `net` against `patterns` (±1 patterns, mapped to the network's encoding).
/// `tie` decides fixed points where a field is exactly zero (Liang–Wu–Yu: [`TieRule::High`]).
///
/// Cost `O(M N²)`.
pub fn analyze<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    tie: TieRule,
) -> Result<Analysis> {
    check_dims(net, patterns)?;
    let encoding = net.encoding();
    let span = encoding.span();
    let w_m = row_max_abs(net.couplings());
    let mut stability = Vec::with_capacity(patterns.m());
    let mut radius = Vec::with_capacity(patterns.m());
    let mut fixed_point = Vec::with_capacity(patterns.m());
    for x in patterns.iter() {
        let s = x.to_encoding(encoding);
        let fields = net.fields(&s)?;
        let gamma: Vec<f64> = fields
            .iter()
            .zip(x.as_slice())
            .map(|(f, v)| f * v)
            .collect();
        let f: Vec<f64> = gamma
            .iter()
            .zip(&w_m)
            .map(|(&g, &wm)| {
                if wm > 0.0 {
                    g / (span * wm)
                } else if g > 0.0 {
                    f64::INFINITY
                } else {
                    0.0
                }
            })
            .collect();
        fixed_point.push(Dynamics::new(net, s, tie)?.is_fixed_point());
        stability.push(gamma);
        radius.push(f);
    }
    let pattern_radius: Vec<f64> = radius
        .iter()
        .map(|r| r.iter().copied().fold(f64::INFINITY, f64::min))
        .collect();
    let f_max = pattern_radius
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let f_min = pattern_radius.iter().copied().fold(f64::INFINITY, f64::min);
    let f_ave = pattern_radius.iter().sum::<f64>() / pattern_radius.len() as f64;
    let min_stability = stability
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    Ok(Analysis {
        stability,
        radius,
        pattern_radius,
        fixed_point,
        f_max,
        f_min,
        f_ave,
        min_stability,
    })
}

/// Two stored patterns that differ in exactly one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HammingOnePair {
    /// The first pattern.
    pub a: usize,
    /// The second pattern (`b > a`).
    pub b: usize,
    /// The component where they differ.
    pub component: usize,
}

/// Every pair of patterns at Hamming distance 1. Cost `O(M² N)`.
pub fn hamming_one_pairs(patterns: &Patterns) -> Vec<HammingOnePair> {
    let mut pairs = Vec::new();
    for a in 0..patterns.m() {
        for b in (a + 1)..patterns.m() {
            let mut diff =
                (0..patterns.n()).filter(|&i| patterns.value(a, i) != patterns.value(b, i));
            if let (Some(component), None) = (diff.next(), diff.next()) {
                pairs.push(HammingOnePair { a, b, component });
            }
        }
    }
    pairs
}

/// The fundamental constraint (Liang–Wu–Yu): if `w_kk = 0` (and, for the
/// argument, no bias), two patterns that differ only at `k` see the same field at `k`, so they
/// cannot both be stable. The constraint is per component: returns the pairs at Hamming
/// distance 1 whose differing component `k` has `self_coupling(k) == 0`, whatever the other
/// diagonal entries are.
pub fn fundamental_constraint_violations<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
) -> Result<Vec<HammingOnePair>> {
    check_dims(net, patterns)?;
    let couplings = net.couplings();
    Ok(hamming_one_pairs(patterns)
        .into_iter()
        .filter(|pair| couplings.self_coupling(pair.component) == 0.0)
        .collect())
}

/// Whether the network's states are ±1 (the encoding the radii of Liang, Wu & Yu are stated in).
pub fn is_bipolar<C: Couplings>(net: &Network<C>) -> bool {
    net.encoding() == Encoding::Bipolar
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{FastRule, Hebbian, LearningRule};
    use hopfield_core::nalgebra::DMatrix;
    use hopfield_core::{Dense, DiagonalPolicy};

    #[test]
    fn fast_rule_radii_are_half_n_i() {
        // n_i counts the j with x_i x_j constant over u (j = i included).
        let p = Patterns::from_signs(&[vec![1, 1, -1, 1], vec![1, 1, 1, -1]]).unwrap();
        let net = FastRule.learn(&p).unwrap();
        let a = analyze(&net, &p, TieRule::High).unwrap();
        // Neurons 0,1 agree with each other only: n = 2; neurons 2,3 anti-agree: n = 2.
        for u in 0..2 {
            for i in 0..4 {
                assert_eq!(a.stability[u][i], 2.0);
                assert_eq!(a.radius[u][i], 1.0);
            }
        }
        assert!(a.all_stored());
        assert_eq!((a.f_max, a.f_min, a.f_ave), (1.0, 1.0, 1.0));
    }

    #[test]
    fn fc_violations_only_with_zero_diagonal() {
        let p = Patterns::from_signs(&[vec![1, 1, 1, 1], vec![1, 1, 1, -1], vec![-1, 1, -1, 1]])
            .unwrap();
        let hebb = Hebbian::default().learn(&p).unwrap();
        let v = fundamental_constraint_violations(&hebb, &p).unwrap();
        assert_eq!(
            v,
            vec![HammingOnePair {
                a: 0,
                b: 1,
                component: 3
            }]
        );
        let a = analyze(&hebb, &p, TieRule::High).unwrap();
        assert!(!(a.fixed_point[0] && a.fixed_point[1]));
        let fast = FastRule.learn(&p).unwrap();
        assert!(
            fundamental_constraint_violations(&fast, &p)
                .unwrap()
                .is_empty()
        );
        let wrong = Patterns::from_signs(&[vec![1, 1]]).unwrap();
        assert!(analyze(&fast, &wrong, TieRule::High).is_err());
    }

    #[test]
    fn fc_violations_per_component_with_partial_diagonal() {
        // Pairs (0, 1) differ only at component 3, (0, 2) only at component 0.
        let p = Patterns::from_signs(&[vec![1, 1, 1, 1], vec![1, 1, 1, -1], vec![-1, 1, 1, 1]])
            .unwrap();
        let pair = |b, component| HammingOnePair { a: 0, b, component };
        let with_diagonal = |d: [f64; 4]| {
            let mut w = DMatrix::from_element(4, 4, 0.5);
            for (i, &v) in d.iter().enumerate() {
                w[(i, i)] = v;
            }
            Network::new(
                Dense::new(w, DiagonalPolicy::SelfCoupling).unwrap(),
                Encoding::Bipolar,
            )
        };
        let all = |d| fundamental_constraint_violations(&with_diagonal(d), &p).unwrap();
        assert_eq!(all([0.0; 4]), vec![pair(1, 3), pair(2, 0)]);
        // Self-coupling only at 0: the pair differing at 3 still conflicts.
        assert_eq!(all([1.0, 0.0, 0.0, 0.0]), vec![pair(1, 3)]);
        // Self-coupling only at 3: the pair differing at 0 still conflicts.
        assert_eq!(all([0.0, 0.0, 0.0, 1.0]), vec![pair(2, 0)]);
        // Self-couplings at 1 and 2 only are irrelevant to both pairs.
        assert_eq!(all([0.0, 2.0, 2.0, 0.0]), vec![pair(1, 3), pair(2, 0)]);
        assert!(all([1.0, 0.0, 0.0, 1.0]).is_empty());
    }
}
