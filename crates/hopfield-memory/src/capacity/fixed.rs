//! The fraction of stored patterns that are fixed points of a learned network.
//!
//! A stored pattern `x` is a fixed point when no neuron would change under the update rule:
//! `x_i h_i > 0` for every `i` (`h = W x + b`), a zero field counting as stable with
//! [`TieRule::Keep`]. This is the capacity in the strict sense of Hopfield (1982) and of
//! McEliece, Posner, Rodemich & Venkatesh (1987): no error at all, not retrieval with a few
//! errors as in [`retrieval`](super::retrieval). The projection rule makes every linearly
//! independent set fixed (Personnaz, Guyon & Dreyfus 1986; `α < 1`), Storkey's (1997) rule
//! lies between it and Hebb's.
//!
//! [`FixedPoints::rows_storing`] counts the same stabilities by row instead: row `i` stores
//! the set when every pattern is strictly stable there, `x_i^u h_i^u > ε max(‖W_i‖, 1)` for
//! every `u` (`ε =` [`ROW_STABILITY_EPS`], `‖W_i‖` the Euclidean norm of row `i`; the floor 1
//! takes fields below `ε` of ±1 patterns as rounding noise). That is the question
//! Gardner (1988) answers for the best possible row (`κ = 0`), so these counts go on the same
//! axes as the optimal-stability rows of [`stability`](super::stability). The strict margin
//! keeps a vanishing field (the zero-diagonal projection rule at `M ≥ N`, where `W = 0` up to
//! rounding) from counting as stored.
//!
//! ```
//! use hopfield_memory::capacity::fixed::fixed_points;
//! use hopfield_memory::rules::{Projection, Storkey};
//!
//! let projection = fixed_points(&Projection::default(), 100, 60, 1)?;
//! assert_eq!(projection.stored, 60); // α = 0.6 < 1: every pattern
//! let storkey = fixed_points(&Storkey, 100, 60, 1)?;
//! assert!(storkey.stored < 60);
//! # Ok::<(), hopfield_memory::MemoryError>(())
//! ```

use hopfield_core::{TieRule, derive_seed, rng_from_seed};
use serde::{Deserialize, Serialize};

use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;
use crate::rules::LearningRule;

/// How many of `m` stored patterns are fixed points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedPoints {
    /// Patterns stored.
    pub m: usize,
    /// Patterns that are fixed points.
    pub stored: usize,
    /// Components `(u, i)` that would flip, over all patterns (`Σ_u` errors of pattern `u`).
    pub unstable_components: usize,
    /// Neurons `N`.
    pub n: usize,
    /// Rows at which every pattern is strictly stable (see the [module docs](self)).
    pub rows_storing: usize,
}

/// The margin a row needs to count as storing: `x_i h_i > ε max(‖W_i‖, 1)`.
pub const ROW_STABILITY_EPS: f64 = 1e-9;

/// Learns `m` random unbiased patterns of `n` components (drawn from
/// `derive_seed(seed, &[0])`) with `rule` and counts the fixed points ([`TieRule::Keep`]).
/// Cost: the rule's learning plus one `N × N × M` product.
pub fn fixed_points(rule: &dyn LearningRule, n: usize, m: usize, seed: u64) -> Result<FixedPoints> {
    if n == 0 || m == 0 {
        return Err(MemoryError::InvalidParams {
            name: "fixed_points",
            reason: format!("N = {n} and M = {m} must both be ≥ 1"),
        });
    }
    let patterns = Patterns::random(n, m, &mut rng_from_seed(derive_seed(seed, &[0])))?;
    let net = rule.learn(&patterns)?;
    let x = patterns.to_matrix();
    let h = net.couplings().matrix() * &x;
    let bias = net.bias();
    let w = net.couplings().matrix();
    let rows_storing = (0..n)
        .filter(|&i| {
            let norm = w.row(i).norm().max(1.0);
            (0..m).all(|u| x[(i, u)] * (h[(i, u)] + bias[i]) > ROW_STABILITY_EPS * norm)
        })
        .count();
    let mut stored = 0;
    let mut unstable_components = 0;
    for u in 0..m {
        let errors = (0..n)
            .filter(|&i| {
                let high = x[(i, u)] > 0.0;
                let field = h[(i, u)] + bias[i];
                TieRule::Keep.next_is_high(field, high) != high
            })
            .count();
        stored += usize::from(errors == 0);
        unstable_components += errors;
    }
    Ok(FixedPoints {
        m,
        stored,
        unstable_components,
        n,
        rows_storing,
    })
}

/// The textbook estimate of the fraction of patterns that are fixed points of the Hebbian
/// network (zero diagonal): each component's crosstalk is a sum of `(M − 1)(N − 1)` terms
/// `±1` against a signal `N − 1`, taken as Gaussian and independent across components, so
/// `P(fixed) ≈ Φ(√((N − 1)/(M − 1)))^N` (Weisbuch & Fogelman-Soulié 1985; McEliece et al.
/// 1987). It neglects the correlations between the components of one pattern; 1 for `M = 1`.
pub fn hebbian_fixed_estimate(n: usize, m: usize) -> f64 {
    if m <= 1 {
        return 1.0;
    }
    let z = ((n as f64 - 1.0) / (m as f64 - 1.0)).sqrt();
    let phi = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    phi.powf(n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::rules::{Hebbian, Projection, Storkey};

    #[test]
    fn counts_agree_with_the_analysis() {
        for (rule, n, m) in [
            (&Hebbian::default() as &dyn LearningRule, 60, 12),
            (&Storkey, 50, 15),
            (&Projection::default(), 40, 30),
        ] {
            let got = fixed_points(rule, n, m, 3).unwrap();
            let patterns =
                Patterns::random(n, m, &mut rng_from_seed(derive_seed(3, &[0]))).unwrap();
            let net = rule.learn(&patterns).unwrap();
            let a = analyze(&net, &patterns, TieRule::Keep).unwrap();
            assert_eq!(got.stored, a.stored_count(), "{}", rule.name());
            let unstable = a.stability.iter().flatten().filter(|&&g| g < 0.0).count();
            assert_eq!(got.unstable_components, unstable, "{}", rule.name());
            // By row, from the analysis' stabilities γ_i^u = x_i^u h_i^u.
            let w = net.couplings().matrix();
            let rows = (0..n)
                .filter(|&i| {
                    let norm = w.row(i).norm().max(1.0);
                    (0..m).all(|u| a.stability[u][i] > ROW_STABILITY_EPS * norm)
                })
                .count();
            assert_eq!(got.rows_storing, rows, "{}", rule.name());
            assert_eq!(got.n, n);
        }
    }

    #[test]
    fn hebbian_load_is_where_the_estimate_says() {
        // N = 200: the estimate is 0.9997 at M = 10 and 0.0012 at M = 60.
        assert!(hebbian_fixed_estimate(200, 10) > 0.999);
        assert!(hebbian_fixed_estimate(200, 60) < 0.002);
        assert_eq!(hebbian_fixed_estimate(200, 1), 1.0);
        let low = fixed_points(&Hebbian::default(), 200, 10, 1).unwrap();
        let high = fixed_points(&Hebbian::default(), 200, 60, 1).unwrap();
        assert!(low.stored >= 9, "{low:?}");
        assert!(high.stored <= 3, "{high:?}");
        assert!(fixed_points(&Hebbian::default(), 0, 1, 1).is_err());
    }

    #[test]
    fn zero_diagonal_projection_stores_every_row_below_n_and_none_at_n() {
        let rule = Projection {
            zero_diagonal: true,
            ..Projection::default()
        };
        let below = fixed_points(&rule, 30, 29, 2).unwrap();
        assert_eq!((below.stored, below.rows_storing), (29, 30), "{below:?}");
        // M = N: the projector is the identity, zero diagonal leaves W = 0; every field is 0,
        // which keeps every pattern fixed but stores at no row.
        let at = fixed_points(&rule, 30, 30, 2).unwrap();
        assert_eq!(at.rows_storing, 0, "{at:?}");
    }
}
