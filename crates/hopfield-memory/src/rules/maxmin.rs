//! The exact symmetric max-min solver with a certified gap (Liang, Wu & Yu's max-min design,
//! solved at realistic sizes).
//!
//! The program (P): maximize `z = min_{i,u} ½ x_i^u Σ_j W_ij x_j^u` over symmetric `W` with
//! `|W_ij| ≤ 1` (the diagonal is 1 at the optimum). The solver works in four stages:
//!
//! 1. **Row-decoupled bound.** Dropping the symmetry leaves `N` independent row programs
//!    (row `i`: `N − 1` weights, `M` constraints), solved exactly and in parallel by a
//!    dense-basis simplex. `B = min_i z_i` bounds (P) from above; each row's dual multipliers
//!    `λ_i` certify its `z_i`, and the bound is recomputed from `λ` (not taken from the
//!    solver) with [`symmetric_dual_bound`].
//! 2. **Slack-keeping first-order phase.** A primal-dual hybrid gradient method (Chambolle &
//!    Pock 2011) on the program "maximize `θ` subject to
//!    `½ x_i^u (W x^u)_i ≥ B + θ (z_i − B)`" over symmetric boxed `W`, started from the
//!    averaged row solutions. Each iteration is two `N × N × M` matrix products. It stops once
//!    all but a few rows reach `B` plus a share of their own slack `z_i − B`.
//! 3. **Exact polish.** The rows still short of that (the set `K`, typically the row that
//!    attains `B` and its near-ties) get all their weights freed; the other weights stay fixed.
//!    That program (`|K| (N − 1)` weights; the constraints of the rows in `K`, plus every other
//!    row's constraints added lazily when violated) is solved exactly by the simplex. If the
//!    result falls short of the bound, the rows that bind join `K` and it is solved again; a
//!    program small enough is solved whole.
//! 4. **Certificate.** `objective = min_{i,u} ½ γ_i^u` of the returned `W` (computed from
//!    `W`), `bound = min` over every dual vector found of the dual function
//!    `½ + ½ Σ_{i<j} |Σ_u (λ_iu + λ_ju) x_i^u x_j^u|` (an upper bound on (P) for any
//!    nonnegative `λ` summing to one), and `gap = bound − objective`.

// Index loops over several parallel arrays read better than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use hopfield_core::nalgebra::DMatrix;
use rayon::prelude::*;

use super::simplex::{Columns, MaxZProgram, dual_bound, solve_max_z};
use crate::error::{MemoryError, Result};

/// Upper limit on simplex pivots per program (a safety net; programs here need far fewer).
const MAX_PIVOTS: usize = 1_000_000;

/// Knobs of the exact solver (crate-internal; the defaults are what [`super::MaxMinLp`]
/// uses).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExactOptions {
    /// Gap below which the solution counts as optimal.
    pub(crate) tolerance: f64,
    /// Solve the whole symmetric program by simplex when `N·M` is at most this.
    pub(crate) direct_limit: usize,
    /// First-order iterations at most.
    pub(crate) max_iterations: usize,
    /// Largest number of constraints (`|K|·M`) of a polishing program.
    pub(crate) max_polish_constraints: usize,
}

impl Default for ExactOptions {
    fn default() -> Self {
        ExactOptions {
            tolerance: 1e-7,
            direct_limit: 400,
            max_iterations: 20_000,
            max_polish_constraints: 3_000,
        }
    }
}

/// One row program's solution.
#[derive(Debug, Clone)]
pub(crate) struct RowSolution {
    /// `z_i`, recomputed from the row's weights.
    pub(crate) z: f64,
    /// The row (`N` entries, `w_i = 1`).
    pub(crate) w: Vec<f64>,
    /// The certified upper bound from the row's dual multipliers.
    pub(crate) bound: f64,
}

/// What the exact solver found.
#[derive(Debug, Clone)]
pub(crate) struct ExactSolution {
    /// The symmetric network weights, diagonal 1.
    pub(crate) w: DMatrix<f64>,
    /// `min_{i,u} ½ γ_i^u` of `w`.
    pub(crate) objective: f64,
    /// Certified upper bound on (P).
    pub(crate) bound: f64,
    /// The row-decoupled bound `min_i z_i` (certified).
    pub(crate) decoupled_bound: f64,
    /// Each row's `z_i`.
    pub(crate) row_objectives: Vec<f64>,
    /// First-order iterations run.
    pub(crate) iterations: usize,
    /// Rows whose weights the last polish freed (`N` for a direct solve).
    pub(crate) polish_rows: usize,
    /// Simplex pivots over all programs.
    pub(crate) pivots: usize,
}

/// `½ X ∘ (W X)`: the `N × M` matrix of `½ γ_i^u`.
pub(crate) fn half_stabilities(w: &DMatrix<f64>, x: &DMatrix<f64>) -> DMatrix<f64> {
    let mut h = w * x;
    h.zip_apply(x, |h, x| *h *= 0.5 * x);
    h
}

/// `min` of a matrix.
fn min_of(m: &DMatrix<f64>) -> f64 {
    m.iter().copied().fold(f64::INFINITY, f64::min)
}

/// The dual function of (P) at `λ` (an `N × M` matrix of nonnegative weights, normalized
/// here to sum to one): `½ + ½ Σ_{i<j} |P_ij + P_ji|` with `P = (λ ∘ X) Xᵀ`. Whatever `λ` is,
/// this bounds the optimum of (P) from above (weak duality). Cost `O(N² M)`.
pub(crate) fn symmetric_dual_bound(x: &DMatrix<f64>, lambda: &DMatrix<f64>) -> f64 {
    let total: f64 = lambda.iter().map(|l| l.max(0.0)).sum();
    if total <= 0.0 || !total.is_finite() {
        return f64::INFINITY;
    }
    let mut lx = lambda.map(|l| l.max(0.0) / total);
    lx.component_mul_assign(x);
    let p = &lx * x.transpose();
    let n = x.nrows();
    let mut sum = 0.0;
    for j in 0..n {
        for i in 0..j {
            sum += (p[(i, j)] + p[(j, i)]).abs();
        }
    }
    0.5 + 0.5 * sum
}

/// The row program of neuron `i` with every other weight free.
fn row_program(x: &DMatrix<f64>, i: usize) -> MaxZProgram {
    let (n, m) = x.shape();
    let others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
    let columns = Columns::from_dense(DMatrix::from_fn(n - 1, m, |k, u| {
        0.5 * x[(i, u)] * x[(others[k], u)]
    }));
    MaxZProgram {
        base: vec![0.5; m],
        columns,
        lower: vec![-1.0; n - 1],
        upper: vec![1.0; n - 1],
    }
}

/// Solves row `i`'s program exactly (warm start: the signs of the Hebbian row, which is
/// where most weights of the optimum sit).
pub(crate) fn solve_row(x: &DMatrix<f64>, i: usize) -> Result<(RowSolution, usize)> {
    let (n, m) = x.shape();
    let program = row_program(x, i);
    let start: Vec<f64> = (0..n)
        .filter(|&j| j != i)
        .map(|j| {
            let h: f64 = (0..m).map(|u| x[(i, u)] * x[(j, u)]).sum();
            h.signum() * f64::from(u8::from(h != 0.0))
        })
        .collect();
    let sol = solve_max_z(&program, &start, MAX_PIVOTS)?;
    let mut w = Vec::with_capacity(n);
    let mut it = sol.x.iter();
    for j in 0..n {
        w.push(if j == i {
            1.0
        } else {
            it.next().copied().unwrap_or(0.0)
        });
    }
    let z = (0..m)
        .map(|u| 0.5 * x[(i, u)] * (0..n).map(|j| w[j] * x[(j, u)]).sum::<f64>())
        .fold(f64::INFINITY, f64::min);
    let bound = dual_bound(&program, &sol.duals);
    Ok((RowSolution { z, w, bound }, sol.pivots))
}

/// All row programs, in parallel (results do not depend on the thread count).
pub(crate) fn solve_rows(x: &DMatrix<f64>) -> Result<(Vec<RowSolution>, usize)> {
    let rows: Vec<(RowSolution, usize)> = (0..x.nrows())
        .into_par_iter()
        .map(|i| solve_row(x, i))
        .collect::<Result<_>>()?;
    let pivots = rows.iter().map(|r| r.1).sum();
    Ok((rows.into_iter().map(|r| r.0).collect(), pivots))
}

/// `(W + Wᵀ)/2` of the row solutions, diagonal 1.
pub(crate) fn averaged_rows(rows: &[RowSolution]) -> DMatrix<f64> {
    let n = rows.len();
    DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            1.0
        } else {
            0.5 * (rows[i].w[j] + rows[j].w[i])
        }
    })
}

/// The slack-keeping first-order phase (PDHG). Returns the weights (diagonal 1) and the
/// iterations run.
fn first_order(
    x: &DMatrix<f64>,
    b: f64,
    slack: &[f64],
    start: DMatrix<f64>,
    opts: &ExactOptions,
) -> (DMatrix<f64>, usize) {
    let (n, m) = x.shape();
    // Off-diagonal part V (zero diagonal); constraint (i,u): ½ x_iu (V X)_iu − θ s_i ≥ b − ½.
    let mut v = start;
    for i in 0..n {
        v[(i, i)] = 0.0;
    }
    let s = DMatrix::from_fn(n, m, |i, _| slack[i]);
    let rhs = b - 0.5;
    let apply = |v: &DMatrix<f64>, theta: f64| -> DMatrix<f64> {
        let mut a = half_stabilities(v, x);
        a.zip_apply(&s, |a, s| *a -= theta * s);
        a
    };
    let adjoint = |l: &DMatrix<f64>| -> (DMatrix<f64>, f64) {
        let mut lx = l.clone();
        lx.component_mul_assign(x);
        let g = &lx * x.transpose();
        let mut sym = &g + g.transpose();
        sym.scale_mut(0.5);
        for i in 0..n {
            sym[(i, i)] = 0.0;
        }
        let gt: f64 = -l.iter().zip(s.iter()).map(|(l, s)| l * s).sum::<f64>();
        (sym, gt)
    };
    // ‖A‖ by power iteration (pairs i < j count once).
    let mut pv = DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            0.0
        } else {
            1.0 + ((i * 7 + j * 13) % 5) as f64 * 0.1 + ((i + j) % 3) as f64
        }
    });
    let mut pt = 1.0;
    let mut norm2 = 1.0;
    for _ in 0..20 {
        let (sv, st) = adjoint(&apply(&pv, pt));
        norm2 = (0.5 * sv.norm_squared() + st * st).sqrt();
        if norm2 <= 0.0 || !norm2.is_finite() {
            break;
        }
        pv = sv / norm2;
        pt = st / norm2;
    }
    let norm_a = norm2.sqrt().max(1e-12);
    // Primal weight ω ≈ ‖c‖/‖b‖ (as in PDLP), times 3 (tuned on random ±1 patterns).
    let omega = (3.0 / ((b - 0.5).abs().max(0.5) * ((n * m) as f64).sqrt())).clamp(1e-7, 1.0);
    let eta = 0.9 / norm_a;
    let (tau, sigma) = (eta / omega, eta * omega);
    let mut theta = 0.0;
    let mut l = DMatrix::<f64>::zeros(n, m);
    let kmax = stop_rows(n);
    let mut iterations = 0;
    while iterations < opts.max_iterations {
        let (sv, st) = adjoint(&l);
        let mut vn = &v + sv * tau;
        vn.apply(|w| *w = w.clamp(-1.0, 1.0));
        for i in 0..n {
            vn[(i, i)] = 0.0;
        }
        let thn = theta + tau * (1.0 + st);
        let ext = &vn * 2.0 - &v;
        let ae = apply(&ext, 2.0 * thn - theta);
        l.zip_apply(&ae, |l, a| *l = (*l - sigma * (a - rhs)).max(0.0));
        v = vn;
        theta = thn;
        iterations += 1;
        if iterations % 50 == 0 {
            let mut w = v.clone();
            for i in 0..n {
                w[(i, i)] = 1.0;
            }
            let short = short_rows(&half_stabilities(&w, x), b, slack);
            if short.len() <= kmax {
                break;
            }
        }
    }
    for i in 0..n {
        v[(i, i)] = 1.0;
    }
    (v, iterations)
}

/// How many rows the first-order phase may leave short.
fn stop_rows(n: usize) -> usize {
    (n / 100).max(3)
}

/// Share of its own decoupled slack a row must keep to stay out of the polish.
const KEEP_SHARE: f64 = 0.1;

/// Rows whose margin is below `b + max(KEEP_SHARE · slack_i, small)`, worst first.
fn short_rows(half: &DMatrix<f64>, b: f64, slack: &[f64]) -> Vec<usize> {
    let small = 1e-3 * (1.0 + b.abs());
    let mut rows: Vec<(f64, usize)> = (0..half.nrows())
        .filter_map(|i| {
            let margin = half.row(i).iter().copied().fold(f64::INFINITY, f64::min);
            (margin < b + (KEEP_SHARE * slack[i]).max(small)).then_some((margin - b, i))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    rows.into_iter().map(|r| r.1).collect()
}

/// Result of one polish.
struct Polished {
    w: DMatrix<f64>,
    /// Dual weights over all `(i, u)` (zero outside the program's constraints).
    lambda: DMatrix<f64>,
    pivots: usize,
}

/// Frees every weight of the rows in `k` (others fixed at `w`) and maximizes the smallest
/// margin exactly, adding other rows' constraints lazily.
fn polish(x: &DMatrix<f64>, w: &DMatrix<f64>, k: &[usize]) -> Result<Polished> {
    let (n, m) = x.shape();
    let mut in_k = vec![usize::MAX; n];
    for (a, &i) in k.iter().enumerate() {
        in_k[i] = a;
    }
    // Variables: pairs (i, j), i in K, j ≠ i; a pair inside K once (owned by the smaller
    // position in K).
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (a, &i) in k.iter().enumerate() {
        for j in 0..n {
            if j != i && (in_k[j] == usize::MAX || in_k[j] > a) {
                pairs.push((i, j));
            }
        }
    }
    let mut w = w.clone();
    let mut half = half_stabilities(&w, x);
    // Constraint rows (i, u): all of K's, then lazily others.
    let mut included = vec![false; n * m];
    for &i in k {
        for u in 0..m {
            included[i * m + u] = true;
        }
    }
    let mut pivots = 0;
    let mut lambda = DMatrix::zeros(n, m);
    for _round in 0..50 {
        let rows: Vec<usize> = (0..n * m).filter(|&r| included[r]).collect();
        let mut index = vec![u32::MAX; n * m];
        for (c, &r) in rows.iter().enumerate() {
            index[r] = c as u32;
        }
        // base = current margin minus the free variables' contributions.
        let mut base: Vec<f64> = rows.iter().map(|&r| half[(r / m, r % m)]).collect();
        let mut columns = Columns::new();
        let mut start = Vec::with_capacity(pairs.len());
        for &(i, j) in &pairs {
            let wij = w[(i, j)];
            let mut col = Vec::new();
            for u in 0..m {
                let a = 0.5 * x[(i, u)] * x[(j, u)];
                for r in [i * m + u, j * m + u] {
                    let c = index[r];
                    if c != u32::MAX {
                        col.push((c, a));
                        base[c as usize] -= a * wij;
                    }
                }
            }
            columns.push(col);
            start.push(wij);
        }
        let program = MaxZProgram {
            base,
            lower: vec![-1.0; columns.len()],
            upper: vec![1.0; columns.len()],
            columns,
        };
        let sol = solve_max_z(&program, &start, MAX_PIVOTS)?;
        pivots += sol.pivots;
        for (&(i, j), &v) in pairs.iter().zip(&sol.x) {
            w[(i, j)] = v;
            w[(j, i)] = v;
        }
        half = half_stabilities(&w, x);
        lambda = DMatrix::zeros(n, m);
        for (c, &r) in rows.iter().enumerate() {
            lambda[(r / m, r % m)] = sol.duals[c];
        }
        let z = rows
            .iter()
            .map(|&r| half[(r / m, r % m)])
            .fold(f64::INFINITY, f64::min);
        let mut added = false;
        for r in 0..n * m {
            if !included[r] && half[(r / m, r % m)] < z - 1e-12 {
                included[r] = true;
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    Ok(Polished { w, lambda, pivots })
}

/// Solves (P) with a certified gap.
pub(crate) fn solve_exact(x: &DMatrix<f64>, opts: &ExactOptions) -> Result<ExactSolution> {
    let (n, m) = x.shape();
    if n < 2 {
        // One neuron: W = [1], z = ½, nothing to optimize.
        let w = DMatrix::from_element(1, 1, 1.0);
        return Ok(ExactSolution {
            objective: min_of(&half_stabilities(&w, x)),
            bound: 0.5,
            decoupled_bound: 0.5,
            row_objectives: vec![0.5],
            w,
            iterations: 0,
            polish_rows: 0,
            pivots: 0,
        });
    }
    let (rows, mut pivots) = solve_rows(x)?;
    let row_objectives: Vec<f64> = rows.iter().map(|r| r.z).collect();
    let decoupled = rows.iter().map(|r| r.bound).fold(f64::INFINITY, f64::min);
    let b = row_objectives.iter().copied().fold(f64::INFINITY, f64::min);
    let mut bound = decoupled;
    let all: Vec<usize> = (0..n).collect();
    let direct = n.checked_mul(m).is_some_and(|nm| nm <= opts.direct_limit);
    let mut iterations = 0;
    let mut w = averaged_rows(&rows);
    let mut polish_rows = 0;
    if direct {
        let p = polish(x, &w, &all)?;
        pivots += p.pivots;
        bound = bound.min(symmetric_dual_bound(x, &p.lambda));
        w = p.w;
        polish_rows = n;
    } else {
        let slack: Vec<f64> = row_objectives.iter().map(|z| (z - b).max(0.0)).collect();
        let (v, it) = first_order(x, b, &slack, w, opts);
        iterations = it;
        w = v;
        let mut k = short_rows(&half_stabilities(&w, x), b, &slack);
        let limit = (opts.max_polish_constraints / m.max(1)).max(1);
        for _round in 0..8 {
            if k.is_empty() {
                break;
            }
            k.truncate(limit);
            let p = polish(x, &w, &k)?;
            pivots += p.pivots;
            bound = bound.min(symmetric_dual_bound(x, &p.lambda));
            w = p.w;
            polish_rows = k.len();
            let half = half_stabilities(&w, x);
            let objective = min_of(&half);
            if bound - objective <= opts.tolerance || k.len() >= limit {
                break;
            }
            // Rows that bind now join K.
            let before = k.len();
            for i in 0..n {
                let margin = half.row(i).iter().copied().fold(f64::INFINITY, f64::min);
                if margin <= objective + 1e-9 && !k.contains(&i) {
                    k.push(i);
                }
            }
            if k.len() == before {
                break;
            }
        }
    }
    for i in 0..n {
        w[(i, i)] = 1.0;
        for j in (i + 1)..n {
            let v = w[(i, j)].clamp(-1.0, 1.0);
            w[(i, j)] = v;
            w[(j, i)] = v;
        }
    }
    let objective = min_of(&half_stabilities(&w, x));
    if !objective.is_finite() || !bound.is_finite() {
        return Err(MemoryError::Solver(
            "the max-min solver produced a non-finite value".into(),
        ));
    }
    Ok(ExactSolution {
        w,
        objective,
        bound,
        decoupled_bound: decoupled,
        row_objectives,
        iterations,
        polish_rows,
        pivots,
    })
}
