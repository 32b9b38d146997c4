//! Liang–Wu–Yu's fast rule, the outer-product equal-taking criterion (外积取等准则).

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Dense, DiagonalPolicy, Encoding, Network};

use super::LearningRule;
use crate::error::Result;
use crate::patterns::Patterns;

/// Liang, Wu & Yu's fast rule: `W_ij = +1` if `x_i^u x_j^u = +1` for
/// every pattern, `−1` if it is `−1` for every pattern, `0` otherwise; so `W_ii = 1`.
///
/// Every pattern is stored with `γ_i^u = n_i = #{j : x_i^u x_j^u constant over u}` and
/// `F_i^u = n_i / 2 ≥ ½`, whatever the set (self-feedback). This `W` is a feasible point of
/// the max-min LP ([`super::MaxMinLp`]) and the start of [`super::ConstrainedPerceptron`].
/// Cost `O(N² M)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FastRule;

/// The fast rule's matrix.
pub(crate) fn fast_matrix(patterns: &Patterns) -> DMatrix<f64> {
    let n = patterns.n();
    let m = patterns.m();
    DMatrix::from_fn(n, n, |i, j| {
        let first = patterns.value(0, i) * patterns.value(0, j);
        if (1..m).all(|u| patterns.value(u, i) * patterns.value(u, j) == first) {
            first
        } else {
            0.0
        }
    })
}

impl LearningRule for FastRule {
    fn name(&self) -> &'static str {
        "fast"
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        Ok(Network::new(
            Dense::new(fast_matrix(patterns), DiagonalPolicy::SelfCoupling)?,
            Encoding::Bipolar,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::Couplings;

    #[test]
    fn agreement_entries() {
        let p = Patterns::from_signs(&[vec![1, 1, -1], vec![-1, -1, -1]]).unwrap();
        let net = FastRule.learn(&p).unwrap();
        let w = net.couplings();
        assert_eq!(w.weight(0, 0), 1.0);
        assert_eq!(w.weight(0, 1), 1.0);
        assert_eq!(w.weight(0, 2), 0.0);
        assert_eq!(w.weight(2, 1), 0.0);
        let single = Patterns::from_signs(&[vec![1, -1]]).unwrap();
        assert_eq!(
            FastRule.learn(&single).unwrap().couplings().weight(0, 1),
            -1.0
        );
    }
}
