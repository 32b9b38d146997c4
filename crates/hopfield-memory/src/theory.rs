//! Capacity theory: the classic mean-field results that simulations of the learning rules are
//! compared with.
//!
//! # Hebbian storage (Amit, Gutfreund & Sompolinsky 1985, 1987)
//! For `M = αN` random unbiased patterns stored with the Hebbian rule (zero diagonal), the
//! zero-temperature replica-symmetric theory gives the overlap `m` of the retrieval state with
//! its pattern from three equations in `m`, `C` and `r`:
//!
//! ```text
//! m = erf(y),   y = m / √(2αr),   C = √(2 / (π α r)) · exp(−y²),   r = 1 / (1 − C)²
//! ```
//!
//! Eliminating `m`, `C` and `r` leaves one equation in `y`:
//! `g(y) = erf(y)/y − (2/√π)·exp(−y²) = √(2α)`. `g(0⁺) = 0`, `g` rises to a single maximum
//! and then falls like `1/y`, so retrieval solutions exist exactly for
//! `α ≤ α_c = max_y g(y)² / 2 ≈ 0.138`, where `m ≈ 0.967`; the retrieval branch is the larger
//! root. [`hebbian_retrieval`] solves it for one `α`, [`hebbian_critical`] finds `α_c`.
//!
//! # Optimal storage (Gardner 1988)
//! Random unbiased patterns can be stored with every normalized stability
//! `γ_i^u / ‖W_i‖ ≥ κ` (`γ_i^u = x_i^u Σ_{j≠i} W_ij x_j^u`, `‖W_i‖` the Euclidean norm of row
//! `i`, zero diagonal, rows free: no symmetry imposed) in the limit `N → ∞` up to
//!
//! ```text
//! α_c(κ) = [ ∫_{−κ}^{∞} Dt (t + κ)² ]⁻¹ = 1 / ((1 + κ²) Φ(κ) + κ φ(κ))
//! ```
//!
//! where `Dt` is the standard Gaussian measure, `φ` its density and `Φ` its distribution
//! function (the closed form follows from `∫_{−κ}^∞ φ = Φ(κ)`, `∫_{−κ}^∞ t φ = φ(κ)` and
//! `∫_{−κ}^∞ t² φ = Φ(κ) − κ φ(κ)`). `α_c(0) = 2` (Cover 1965). [`gardner_capacity`] computes
//! it and [`gardner_margin`] inverts it: the largest `κ` storable at a given `α`, which the
//! Krauth–Mézard algorithm approaches as `N` grows.
//!
//! # Example
//! ```
//! use hopfield_memory::theory::{gardner_capacity, hebbian_critical, hebbian_retrieval};
//!
//! let critical = hebbian_critical();
//! assert!((critical.alpha - 0.138).abs() < 1e-3);
//! assert!((critical.m - 0.967).abs() < 1e-3);
//! let below = hebbian_retrieval(0.1)?.expect("retrieval exists below α_c");
//! assert!(below.m > critical.m);
//! assert!(hebbian_retrieval(0.2)?.is_none());
//! assert!((gardner_capacity(0.0)? - 2.0).abs() < 1e-12);
//! # Ok::<(), hopfield_memory::MemoryError>(())
//! ```

use std::f64::consts::{FRAC_2_SQRT_PI, PI, SQRT_2};

use serde::{Deserialize, Serialize};

use crate::error::{MemoryError, Result};

/// The retrieval solution of the Hebbian replica-symmetric equations at one load `α`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HebbianRetrieval {
    /// The load `α = M / N`.
    pub alpha: f64,
    /// The overlap of the retrieval state with the stored pattern, `m = erf(y)`.
    pub m: f64,
    /// The auxiliary variable `y = m / √(2αr)`.
    pub y: f64,
    /// `C = lim β(1 − q)`, the zero-temperature susceptibility.
    pub c: f64,
    /// `r = 1 / (1 − C)²`, the noise from the other patterns in units of `α`.
    pub r: f64,
}

/// `g(y) = erf(y)/y − (2/√π)·exp(−y²)`, the left side of the reduced equation `g(y) = √(2α)`.
fn g(y: f64) -> f64 {
    if y < 1e-4 {
        // erf(y)/y = (2/√π)(1 − y²/3 + …), exp(−y²) = 1 − y² + …: g = (2/√π)(2y²/3) + O(y⁴).
        return FRAC_2_SQRT_PI * (2.0 / 3.0) * y * y;
    }
    libm::erf(y) / y - FRAC_2_SQRT_PI * (-y * y).exp()
}

/// `g'(y)`, used to locate the maximum of `g`.
fn g_prime(y: f64) -> f64 {
    let e = (-y * y).exp();
    FRAC_2_SQRT_PI * e / y - libm::erf(y) / (y * y) + 2.0 * FRAC_2_SQRT_PI * y * e
}

/// Bisection for a sign change of `f` on `[lo, hi]` (`f(lo)` and `f(hi)` of opposite signs),
/// to full double precision.
fn bisect(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    let f_lo_positive = f(lo) > 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if (f(mid) > 0.0) == f_lo_positive {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Where `g` peaks: `g'` is positive below and negative above (`y* ≈ 1.51`).
fn y_at_peak() -> f64 {
    bisect(0.1, 10.0, g_prime)
}

fn retrieval_at(alpha: f64, y: f64) -> HebbianRetrieval {
    let m = libm::erf(y);
    // C = √(2/(παr)) e^{−y²} with √r = 1/(1−C): C = k(1 − C), k = √(2/(πα)) e^{−y²}.
    let k = (2.0 / (PI * alpha)).sqrt() * (-y * y).exp();
    let c = k / (1.0 + k);
    HebbianRetrieval {
        alpha,
        m,
        y,
        c,
        r: 1.0 / ((1.0 - c) * (1.0 - c)),
    }
}

/// The critical load `α_c ≈ 0.138` of the Hebbian rule and the overlap `m ≈ 0.967` of the
/// retrieval state there (Amit, Gutfreund & Sompolinsky 1985).
pub fn hebbian_critical() -> HebbianRetrieval {
    let y = y_at_peak();
    let alpha = g(y).powi(2) / 2.0;
    retrieval_at(alpha, y)
}

/// The retrieval solution at load `alpha`, or `None` above the critical load (no retrieval
/// state exists there). At `alpha = 0` the overlap is exactly 1 (`y = ∞`, `C = 0`, `r = 1`).
///
/// Errors if `alpha` is negative or not finite.
pub fn hebbian_retrieval(alpha: f64) -> Result<Option<HebbianRetrieval>> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(MemoryError::InvalidParams {
            name: "alpha",
            reason: format!("the load must be finite and >= 0, got {alpha}"),
        });
    }
    if alpha == 0.0 {
        return Ok(Some(HebbianRetrieval {
            alpha,
            m: 1.0,
            y: f64::INFINITY,
            c: 0.0,
            r: 1.0,
        }));
    }
    let peak = y_at_peak();
    let target = (2.0 * alpha).sqrt();
    if g(peak) < target {
        return Ok(None);
    }
    // g falls like 1/y beyond the peak, so g(hi) < target for hi = max(2 peak, 2/target).
    let hi = (2.0 * peak).max(2.0 / target);
    let y = bisect(peak, hi, |y| g(y) - target);
    Ok(Some(retrieval_at(alpha, y)))
}

/// The standard normal density `φ(t)`.
fn normal_pdf(t: f64) -> f64 {
    (-0.5 * t * t).exp() / (2.0 * PI).sqrt()
}

/// The standard normal distribution function `Φ(t)`.
fn normal_cdf(t: f64) -> f64 {
    0.5 * libm::erfc(-t / SQRT_2)
}

/// Gardner's optimal storage capacity `α_c(κ)` for stability margin `kappa` (any finite
/// real; negative margins allow errors and give capacities above 2).
pub fn gardner_capacity(kappa: f64) -> Result<f64> {
    if !kappa.is_finite() {
        return Err(MemoryError::InvalidParams {
            name: "kappa",
            reason: format!("the margin must be finite, got {kappa}"),
        });
    }
    let integral = (1.0 + kappa * kappa) * normal_cdf(kappa) + kappa * normal_pdf(kappa);
    Ok(1.0 / integral)
}

/// The largest margin `κ` with `α_c(κ) ≥ alpha`: the best normalized stability random
/// patterns can all reach at load `alpha` (Gardner 1988). `α_c` falls strictly with `κ`, so
/// this inverts [`gardner_capacity`]. Errors unless `0 < alpha < ∞`.
pub fn gardner_margin(alpha: f64) -> Result<f64> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(MemoryError::InvalidParams {
            name: "alpha",
            reason: format!("the load must be finite and > 0, got {alpha}"),
        });
    }
    let f = |kappa: f64| {
        1.0 / ((1.0 + kappa * kappa) * normal_cdf(kappa) + kappa * normal_pdf(kappa)) - alpha
    };
    // α_c(κ) → ∞ as κ → −∞ and → 0 as κ → ∞; widen until the root is bracketed.
    let (mut lo, mut hi) = (-1.0, 1.0);
    while f(lo) < 0.0 && lo > -1e6 {
        lo *= 2.0;
    }
    while f(hi) > 0.0 && hi < 1e6 {
        hi *= 2.0;
    }
    Ok(bisect(lo, hi, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `∫_{−κ}^{∞} φ(t) (t + κ)² dt` by composite Simpson on `[−κ, 12]`: the definition,
    /// independent of the closed form.
    fn gardner_integral_by_quadrature(kappa: f64) -> f64 {
        let (a, b) = (-kappa, 12.0);
        let n = 20_000;
        let h = (b - a) / n as f64;
        let f = |t: f64| normal_pdf(t) * (t + kappa).powi(2);
        let mut sum = f(a) + f(b);
        for i in 1..n {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            sum += w * f(a + i as f64 * h);
        }
        sum * h / 3.0
    }

    #[test]
    fn hebbian_critical_point_matches_the_published_values() {
        let c = hebbian_critical();
        // Amit, Gutfreund & Sompolinsky: α_c ≈ 0.138, m ≈ 0.967.
        assert!((c.alpha - 0.1379).abs() < 2e-4, "α_c = {}", c.alpha);
        assert!((c.m - 0.9673).abs() < 5e-4, "m_c = {}", c.m);
        // The three original equations hold at the solution.
        assert!((c.m - libm::erf(c.m / (2.0 * c.alpha * c.r).sqrt())).abs() < 1e-9);
        let y = c.m / (2.0 * c.alpha * c.r).sqrt();
        let c_again = (2.0 / (PI * c.alpha * c.r)).sqrt() * (-y * y).exp();
        assert!((c.c - c_again).abs() < 1e-9);
    }

    #[test]
    fn hebbian_overlap_falls_with_load_and_vanishes_above_critical() {
        let alpha_c = hebbian_critical().alpha;
        let mut last = 1.0;
        for k in 1..=20 {
            let alpha = alpha_c * f64::from(k) / 20.0 * 0.999;
            let r = hebbian_retrieval(alpha).unwrap().unwrap();
            assert!(r.m <= last && r.m > 0.96, "m({alpha}) = {}", r.m);
            assert!((g(r.y) - (2.0 * alpha).sqrt()).abs() < 1e-12);
            last = r.m;
        }
        assert!(hebbian_retrieval(alpha_c * 1.001).unwrap().is_none());
        assert_eq!(hebbian_retrieval(0.0).unwrap().unwrap().m, 1.0);
        // Small loads: m = erf(y) with y ≈ 1/√(2α) is within e^{−1/(2α)} of 1.
        let tiny = hebbian_retrieval(0.01).unwrap().unwrap();
        assert!(1.0 - tiny.m < 1e-12);
        assert!(hebbian_retrieval(-0.1).is_err());
        assert!(hebbian_retrieval(f64::NAN).is_err());
    }

    #[test]
    fn gardner_capacity_matches_its_definition() {
        assert!((gardner_capacity(0.0).unwrap() - 2.0).abs() < 1e-12);
        for kappa in [-1.0, -0.3, 0.0, 0.25, 0.5, 1.0, 2.0] {
            let closed = gardner_capacity(kappa).unwrap();
            let quad = 1.0 / gardner_integral_by_quadrature(kappa);
            assert!(
                (closed - quad).abs() < 1e-8 * closed,
                "κ = {kappa}: {closed} vs {quad}"
            );
        }
        assert!(gardner_capacity(f64::INFINITY).is_err());
    }

    #[test]
    fn gardner_margin_inverts_the_capacity() {
        for kappa in [-0.5, 0.0, 0.3, 1.0, 1.7] {
            let alpha = gardner_capacity(kappa).unwrap();
            assert!((gardner_margin(alpha).unwrap() - kappa).abs() < 1e-9);
        }
        assert!(gardner_margin(2.0).unwrap().abs() < 1e-9);
        assert!(gardner_margin(0.0).is_err());
    }
}
