//! The row-wise perceptron of optimal stability, to compare with Gardner's `α_c(κ)`.
//!
//! Gardner (1988) counts the couplings of each neuron *separately*: row `i` of an asymmetric
//! network with zero diagonal stores the `M` patterns with margin `κ` when every normalized
//! stability `Δ_i^u = x_i^u Σ_{j≠i} W_ij x_j^u / ‖W_i‖ ≥ κ`. For random patterns, as
//! `N → ∞`, this is possible with probability 1 below `α_c(κ)` and 0 above
//! ([`gardner_capacity`](crate::theory::gardner_capacity)). Krauth & Mézard (1987) find the
//! row of *optimal stability* `κ_opt = max_W min_u Δ_i^u` with minover; a row stores at margin
//! `κ` exactly when `κ_opt ≥ κ`. (The library's [`KrauthMezard`](crate::rules::KrauthMezard)
//! rule runs on the symmetric `W` instead; that is a different, smaller capacity.)
//!
//! # Method
//! For row `i` write `ξ^u = x^u` without component `i` and `y_u = x_i^u`. The optimal row is
//! the hard-margin support vector machine without threshold, `min ‖w‖²` subject to
//! `y_u w·ξ^u ≥ 1`, with `κ_opt = 1/‖w*‖`. Its dual, `max Σ λ_u − ½ λᵀKλ` over `λ ≥ 0`, has
//! `K_uv = y_u y_v ξ^u·ξ^v = y_u y_v C_uv − 1` where `C = XᵀX` is the patterns' overlap
//! matrix, one for all rows. AdaTron (Anlauf & Biehl 1989) is exact coordinate ascent on this
//! dual, `λ_u ← max(0, λ_u + (1 − E_u)/(N − 1))` with `E = Kλ` kept current (`O(M)` per
//! update). Every few sweeps the row `w = Σ_u λ_u y_u ξ^u` is formed explicitly and gives a
//! certified bracket of `κ_opt`:
//!
//! - `lower = min_u y_u w·ξ^u / ‖w‖` (the stability the row `w` achieves);
//! - `upper = ‖w‖ / Σ_u λ_u`: for any unit `v`, `min_u y_u v·ξ^u ≤ Σ_u λ_u y_u v·ξ^u / Σ λ
//!   = v·w / Σλ ≤ ‖w‖ / Σλ` (weak duality).
//!
//! At the optimum both equal `1/‖w*‖`. The run stops when `upper − lower ≤ tolerance`, when
//! every margin of [`StabilityConfig::kappas`] is decided (`lower ≥ κ` or `upper < κ`), or
//! after [`StabilityConfig::max_sweeps`] sweeps. When the patterns are not separable
//! (`κ_opt < 0`, above `α = 2` for large `N`) `Σ λ` grows without bound and `upper` tends to 0
//! without ever certifying `κ_opt < 0`. Rows still undecided at `κ = 0` after the sweeps
//! (with [`StabilityConfig::exact_separability`]) are decided by a linear program solved with
//! the crate's bounded simplex: `max z` subject to `y_u w·ξ^u ≥ z`, `−1 ≤ w_j ≤ 1`, warm-started
//! from AdaTron's row. A recomputed `z > 0` makes the row's own stability the new positive
//! `lower`; a dual bound (from the simplex multipliers, valid whatever they are) below
//! [`SEPARABILITY_EPS`] certifies that no unit row reaches stability `SEPARABILITY_EPS`, and
//! `upper` is set to 0 (`κ_opt ≤ 10⁻⁹` is counted as not stored at `κ = 0`). A row the program cannot
//! decide either way stays undecided ([`RowStability::stores`] returns `None`), and the
//! caller says how it counts it.
//!
//! ```
//! use hopfield_memory::capacity::stability::{StabilityConfig, optimal_stability};
//! use hopfield_memory::Patterns;
//! use hopfield_memory::hopfield_core::rng_from_seed;
//!
//! let patterns = Patterns::random(100, 50, &mut rng_from_seed(1))?; // α = 0.5
//! let rows = optimal_stability(&patterns, &[0, 1, 2], &StabilityConfig::default())?;
//! for r in &rows {
//!     assert!(r.lower <= r.upper && r.upper - r.lower <= 1e-3);
//!     assert_eq!(r.stores(0.0), Some(true)); // α < 2: separable
//! }
//! # Ok::<(), hopfield_memory::MemoryError>(())
//! ```

use hopfield_core::nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;
use crate::rules::simplex::{Columns, MaxZProgram, dual_bound, solve_max_z};

/// When to stop the AdaTron iterations of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityConfig {
    /// Sweeps over the `M` multipliers at most (`≥ 1`).
    pub max_sweeps: usize,
    /// Stop when `upper − lower` is at most this (`≥ 0`).
    pub tolerance: f64,
    /// Stop as soon as the storage of every one of these margins is decided.
    pub kappas: Vec<f64>,
    /// Sweeps between two evaluations of the bracket (`≥ 1`); each costs about `2N/M` sweeps.
    pub check_every: usize,
    /// Decide separability (`κ = 0`) of rows AdaTron left open with the linear program. Off
    /// by default: near `α = 2` a single row's program can take minutes at `N = 200`, and
    /// rows left open are reported as undecided ([`RowStability::stores`] returns `None`).
    pub exact_separability: bool,
}

/// Below this dual bound the linear program certifies a row as not separable.
pub const SEPARABILITY_EPS: f64 = 1e-9;

/// Pivot limit of the separability program.
const MAX_PIVOTS: usize = 200_000;

impl Default for StabilityConfig {
    fn default() -> Self {
        StabilityConfig {
            max_sweeps: 2_000,
            tolerance: 1e-3,
            kappas: Vec::new(),
            check_every: 4,
            exact_separability: false,
        }
    }
}

/// The certified bracket of one row's optimal stability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RowStability {
    /// The neuron `i`.
    pub row: usize,
    /// A stability the row found achieves: `κ_opt ≥ lower`.
    pub lower: f64,
    /// `κ_opt ≤ upper`.
    pub upper: f64,
    /// AdaTron sweeps run.
    pub sweeps: usize,
    /// Pivots of the separability program (0 when it was not needed).
    pub pivots: usize,
}

impl RowStability {
    /// Whether the row stores every pattern with margin `kappa`: `Some(true)` when the row
    /// found does (`lower ≥ kappa`, and `lower > 0`: a row at stability 0 stores nothing),
    /// `Some(false)` when no row can (`upper < kappa`, or `upper ≤ 0` for `kappa = 0`), `None`
    /// when the bracket straddles `kappa`.
    pub fn stores(&self, kappa: f64) -> Option<bool> {
        if self.lower >= kappa && self.lower > 0.0 {
            Some(true)
        } else if self.upper < kappa || (kappa == 0.0 && self.upper <= 0.0) {
            Some(false)
        } else {
            None
        }
    }

    /// The midpoint of the bracket, the estimate of `κ_opt` (meaningful when decided).
    pub fn estimate(&self) -> f64 {
        0.5 * (self.lower + self.upper)
    }
}

fn check(patterns: &Patterns, rows: &[usize], config: &StabilityConfig) -> Result<()> {
    let bad = |name, reason: String| Err(MemoryError::InvalidParams { name, reason });
    if patterns.n() < 2 {
        return bad("n", "rows need at least one other neuron (N ≥ 2)".into());
    }
    if let Some(&r) = rows.iter().find(|&&r| r >= patterns.n()) {
        return bad(
            "rows",
            format!("row {r} does not exist (N = {})", patterns.n()),
        );
    }
    if config.max_sweeps == 0 || config.check_every == 0 {
        return bad(
            "max_sweeps",
            "max_sweeps and check_every must be ≥ 1".into(),
        );
    }
    if !(config.tolerance.is_finite() && config.tolerance >= 0.0) {
        return bad(
            "tolerance",
            format!("{} is not finite and ≥ 0", config.tolerance),
        );
    }
    if config.kappas.iter().any(|k| !k.is_finite()) {
        return bad("kappas", "margins must be finite".into());
    }
    Ok(())
}

/// The optimal stability of each of `rows` for `patterns` (see the [module docs](self)).
/// Parallel over rows; each row is computed sequentially, so the results do not depend on
/// the thread count. Cost per row: `O(M²)` per sweep plus `O(N M)` per bracket evaluation.
pub fn optimal_stability(
    patterns: &Patterns,
    rows: &[usize],
    config: &StabilityConfig,
) -> Result<Vec<RowStability>> {
    check(patterns, rows, config)?;
    let x = patterns.to_matrix();
    // C = XᵀX: exact integers.
    let c = x.transpose() * &x;
    rows.par_iter()
        .map(|&i| {
            let (mut r, lambda) = solve_row(&x, &c, i, config);
            if config.exact_separability && r.stores(0.0).is_none() {
                separability(&x, &mut r, &lambda)?;
            }
            Ok(r)
        })
        .collect()
}

/// Decides `κ_opt > 0` for an undecided row with the box-constrained max-min program.
fn separability(x: &DMatrix<f64>, r: &mut RowStability, lambda: &[f64]) -> Result<()> {
    let (n, m) = x.shape();
    let i = r.row;
    let vars: Vec<usize> = (0..n).filter(|&j| j != i).collect();
    // Column j of the program is component j of every y_u ξ^u.
    let a = DMatrix::from_fn(vars.len(), m, |k, u| x[(vars[k], u)] * x[(i, u)]);
    let program = MaxZProgram {
        base: vec![0.0; m],
        columns: Columns::from_dense(a.clone()),
        lower: vec![-1.0; vars.len()],
        upper: vec![1.0; vars.len()],
    };
    // Warm start: AdaTron's last row, scaled into the box.
    let ly = DVector::from_iterator(m, (0..m).map(|u| lambda[u] * x[(i, u)]));
    let full = x * ly;
    let lambda_row: Vec<f64> = vars.iter().map(|&j| full[j]).collect();
    let scale = lambda_row.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    let start: Vec<f64> = if scale > 0.0 {
        lambda_row.iter().map(|v| v / scale).collect()
    } else {
        vec![0.0; vars.len()]
    };
    let sol = solve_max_z(&program, &start, MAX_PIVOTS)?;
    r.pivots = sol.pivots;
    let w = DVector::from_column_slice(&sol.x);
    let margins = a.tr_mul(&w);
    let z = margins.iter().copied().fold(f64::INFINITY, f64::min);
    let norm = w.norm();
    if z > 0.0 && norm > 0.0 {
        r.lower = r.lower.max(z / norm);
    } else if dual_bound(&program, &sol.duals) < SEPARABILITY_EPS {
        r.upper = r.upper.min(0.0);
    }
    Ok(())
}

/// AdaTron on row `i`.
fn solve_row(
    x: &DMatrix<f64>,
    c: &DMatrix<f64>,
    i: usize,
    config: &StabilityConfig,
) -> (RowStability, Vec<f64>) {
    let (n, m) = x.shape();
    let y: Vec<f64> = (0..m).map(|u| x[(i, u)]).collect();
    let diag = (n - 1) as f64;
    let mut lambda = vec![0.0; m];
    let mut e = vec![0.0; m];
    let mut result = RowStability {
        row: i,
        lower: f64::NEG_INFINITY,
        upper: f64::INFINITY,
        sweeps: 0,
        pivots: 0,
    };
    while result.sweeps < config.max_sweeps {
        for u in 0..m {
            let new = (lambda[u] + (1.0 - e[u]) / diag).max(0.0);
            let delta = new - lambda[u];
            if delta != 0.0 {
                lambda[u] = new;
                // E_v += δ K_vu = δ (y_u y_v C_vu − 1).
                let a = delta * y[u];
                for ((ev, &yv), &cvu) in e.iter_mut().zip(&y).zip(c.column(u).iter()) {
                    *ev += a * yv * cvu - delta;
                }
            }
        }
        result.sweeps += 1;
        if result.sweeps.is_multiple_of(config.check_every) || result.sweeps == config.max_sweeps {
            let (lower, upper) = bracket(x, i, &y, &lambda, &mut e);
            result.lower = lower;
            result.upper = upper;
            let decided = config.kappas.iter().all(|&k| result.stores(k).is_some());
            if upper - lower <= config.tolerance || (!config.kappas.is_empty() && decided) {
                break;
            }
        }
    }
    (result, lambda)
}

/// Forms `w = Σ_u λ_u y_u ξ^u` explicitly, returns `(lower, upper)` and resets `e` to the exact
/// `y_u w·ξ^u` (removing the drift of the incremental updates).
fn bracket(x: &DMatrix<f64>, i: usize, y: &[f64], lambda: &[f64], e: &mut [f64]) -> (f64, f64) {
    let ly = DVector::from_iterator(y.len(), lambda.iter().zip(y).map(|(l, y)| l * y));
    let mut w = x * ly;
    w[i] = 0.0;
    let gamma = x.tr_mul(&w);
    for ((ev, g), yv) in e.iter_mut().zip(gamma.iter()).zip(y) {
        *ev = g * yv;
    }
    let norm = w.norm();
    let total: f64 = lambda.iter().sum();
    if norm == 0.0 || total == 0.0 {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    let min = e.iter().copied().fold(f64::INFINITY, f64::min);
    (min / norm, norm / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    /// The optimal stability of row `i` by enumerating active sets: for each subset `S` with
    /// `K_S λ_S = 1` solvable, `λ_S > 0` and `(Kλ)_u ≥ 1` elsewhere (the KKT conditions of the
    /// hard-margin program), `κ = 1/√(λᵀKλ)`. `None` if no subset qualifies (not separable).
    fn exact_by_kkt(x: &DMatrix<f64>, i: usize) -> Option<f64> {
        let (n, m) = x.shape();
        let z: Vec<DVector<f64>> = (0..m)
            .map(|u| {
                let mut v = x.column(u).into_owned() * x[(i, u)];
                v[i] = 0.0;
                v
            })
            .collect();
        let _ = n;
        let k = DMatrix::from_fn(m, m, |u, v| z[u].dot(&z[v]));
        let mut best: Option<f64> = None;
        for mask in 1u32..(1 << m) {
            let s: Vec<usize> = (0..m).filter(|&u| mask & (1 << u) != 0).collect();
            let ks = DMatrix::from_fn(s.len(), s.len(), |a, b| k[(s[a], s[b])]);
            let Some(inv) = ks.clone().try_inverse() else {
                continue;
            };
            let ls = inv * DVector::from_element(s.len(), 1.0);
            if ls.iter().any(|&l| l <= 1e-12) {
                continue;
            }
            let mut lambda = DVector::zeros(m);
            for (a, &u) in s.iter().enumerate() {
                lambda[u] = ls[a];
            }
            let kl = &k * &lambda;
            if kl.iter().any(|&v| v < 1.0 - 1e-9) {
                continue;
            }
            let kappa = 1.0 / lambda.dot(&kl).sqrt();
            // The KKT point is unique in w; keep the first (all agree).
            best.get_or_insert(kappa);
        }
        best
    }

    fn tight() -> StabilityConfig {
        StabilityConfig {
            max_sweeps: 200_000,
            tolerance: 1e-10,
            kappas: Vec::new(),
            check_every: 1,
            exact_separability: false,
        }
    }

    #[test]
    fn agrees_with_the_exact_optimum_on_small_sets() {
        let mut checked = 0;
        for seed in 0..12 {
            let (n, m) = (9 + seed as usize % 4, 3 + seed as usize % 4);
            let p = Patterns::random(n, m, &mut rng_from_seed(seed)).unwrap();
            let x = p.to_matrix();
            let rows: Vec<usize> = (0..n).collect();
            let got = optimal_stability(&p, &rows, &tight()).unwrap();
            for r in got {
                match exact_by_kkt(&x, r.row) {
                    Some(kappa) => {
                        assert!(
                            r.lower <= kappa + 1e-9 && kappa <= r.upper + 1e-9,
                            "seed {seed} row {}: {kappa} not in [{}, {}]",
                            r.row,
                            r.lower,
                            r.upper
                        );
                        assert!(r.upper - r.lower < 1e-8, "{r:?}");
                        checked += 1;
                    }
                    None => assert_ne!(r.stores(0.0), Some(true), "{r:?}"),
                }
            }
        }
        assert!(checked > 50);
    }

    #[test]
    fn closed_forms_for_one_and_two_patterns() {
        // One pattern: w = y ξ, κ = ‖ξ‖ = √(N − 1).
        let p = Patterns::random(17, 1, &mut rng_from_seed(4)).unwrap();
        let r = optimal_stability(&p, &[3], &tight()).unwrap()[0];
        assert!((r.lower - 4.0).abs() < 1e-9 && (r.upper - 4.0).abs() < 1e-9);
        // Two patterns with z_u = y_u ξ^u: the nearest point of the segment [z_1, z_2] to the
        // origin is the midpoint, κ² = (N − 1 + z_1·z_2)/2.
        let p = Patterns::from_signs(&[
            vec![1, 1, 1, 1, -1, -1, 1, 1],
            vec![-1, 1, -1, 1, 1, -1, 1, -1],
        ])
        .unwrap();
        let x = p.to_matrix();
        for i in 0..8 {
            let zz: f64 = (0..8)
                .filter(|&j| j != i)
                .map(|j| x[(i, 0)] * x[(j, 0)] * x[(i, 1)] * x[(j, 1)])
                .sum();
            let kappa = ((7.0 + zz) / 2.0).sqrt();
            let r = optimal_stability(&p, &[i], &tight()).unwrap()[0];
            assert!(
                (r.estimate() - kappa).abs() < 1e-8,
                "row {i}: {r:?} vs {kappa}"
            );
        }
    }

    #[test]
    fn contradictory_patterns_are_never_stored() {
        // Patterns equal except at neuron 0: row 0 must map the same input to both signs.
        let p = Patterns::from_signs(&[vec![1, 1, -1, 1, -1], vec![-1, 1, -1, 1, -1]]).unwrap();
        let config = StabilityConfig {
            max_sweeps: 500,
            exact_separability: false,
            ..StabilityConfig::default()
        };
        let r = optimal_stability(&p, &[0], &config).unwrap()[0];
        assert_eq!(r.sweeps, 500);
        assert!(r.lower <= 0.0 && r.upper < 0.01, "{r:?}");
        assert_eq!(r.stores(0.0), None);
        assert_eq!(r.stores(0.1), Some(false));
        // The linear program certifies it.
        let exact = StabilityConfig {
            exact_separability: true,
            ..config
        };
        let r = optimal_stability(&p, &[0], &exact).unwrap()[0];
        assert!(r.pivots > 0);
        assert_eq!(r.stores(0.0), Some(false), "{r:?}");
    }

    #[test]
    fn the_program_decides_what_adatron_leaves_open() {
        // α = 2 at N = 40: rows on both sides of separability. With a handful of sweeps
        // AdaTron decides few; the program decides the rest, consistently with a long run.
        let p = Patterns::random(40, 80, &mut rng_from_seed(21)).unwrap();
        let rows: Vec<usize> = (0..40).collect();
        let short = StabilityConfig {
            max_sweeps: 3,
            check_every: 1,
            exact_separability: true,
            ..StabilityConfig::default()
        };
        let decided = optimal_stability(&p, &rows, &short).unwrap();
        let long = optimal_stability(
            &p,
            &rows,
            &StabilityConfig {
                max_sweeps: 3_000,
                exact_separability: false,
                ..StabilityConfig::default()
            },
        )
        .unwrap();
        let (mut yes, mut no) = (0, 0);
        for (d, l) in decided.iter().zip(&long) {
            let verdict = d.stores(0.0).unwrap_or_else(|| panic!("undecided: {d:?}"));
            if verdict {
                yes += 1;
            } else {
                no += 1;
            }
            // A long AdaTron run never contradicts the program.
            assert!(l.stores(0.0).is_none_or(|v| v == verdict), "{d:?} vs {l:?}");
            if l.stores(0.0) == Some(true) {
                assert!(d.lower > 0.0);
            }
        }
        assert!(yes > 0 && no > 0, "{yes} separable, {no} not");
    }

    #[test]
    fn stops_once_every_margin_is_decided() {
        let p = Patterns::random(200, 40, &mut rng_from_seed(9)).unwrap();
        let config = StabilityConfig {
            kappas: vec![0.0, 0.5],
            tolerance: 0.0,
            ..StabilityConfig::default()
        };
        let r = optimal_stability(&p, &[5], &config).unwrap()[0];
        // α = 0.2: κ_opt ≈ 2, far above both margins; a few sweeps decide it.
        assert_eq!(r.stores(0.5), Some(true));
        assert!(r.sweeps < 50, "{r:?}");
    }

    #[test]
    fn independent_of_the_thread_count_and_checks_inputs() {
        let p = Patterns::random(60, 90, &mut rng_from_seed(2)).unwrap();
        let rows: Vec<usize> = (0..20).collect();
        let config = StabilityConfig {
            max_sweeps: 300,
            ..StabilityConfig::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| optimal_stability(&p, &rows, &config).unwrap())
        };
        assert_eq!(run(1), run(2));
        assert!(optimal_stability(&p, &[60], &config).is_err());
        for bad in [
            StabilityConfig {
                max_sweeps: 0,
                ..config.clone()
            },
            StabilityConfig {
                tolerance: f64::NAN,
                ..config.clone()
            },
            StabilityConfig {
                kappas: vec![f64::INFINITY],
                ..config.clone()
            },
        ] {
            assert!(optimal_stability(&p, &rows, &bad).is_err());
        }
    }
}
