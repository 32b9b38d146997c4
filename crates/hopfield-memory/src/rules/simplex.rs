//! A dense-basis bounded-variable primal simplex for the max-min programs of this crate:
//!
//! ```text
//! maximize z   subject to   base_r + Σ_j a_rj x_j ≥ z   (r = 1..m),   l_j ≤ x_j ≤ u_j
//! ```
//!
//! `z` is free. Every program of this form is feasible (take any `x` in the box and
//! `z = min_r (base_r + a_r·x)`) and bounded (the box bounds every constraint), so the solver
//! starts from a caller-supplied `x` (a warm start) and never needs a phase 1. Nonbasic
//! variables may sit strictly inside their bounds (the warm start); the ratio test also
//! stops at the entering variable's own bound (a bound flip).
//!
//! The basis is at most `m × m` and kept as an explicit dense inverse, updated by one
//! elementary row operation per pivot and refactored from scratch every
//! [`REFACTOR_EVERY`] pivots. This is meant for `m` up to a few thousand (row LPs have
//! `m = M`, the polishing programs a few hundred). Degenerate stalls switch to Bland's rule
//! until the objective moves again, so the method terminates.

// Index loops over several parallel arrays read better than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use hopfield_core::nalgebra::{DMatrix, DVector};

use crate::error::{MemoryError, Result};

/// Refactor the basis inverse after this many pivots.
const REFACTOR_EVERY: usize = 50;
/// Reduced costs below this are treated as zero.
const DUAL_TOL: f64 = 1e-10;
/// Bound violations below this are treated as zero.
const PRIMAL_TOL: f64 = 1e-10;
/// Pivot elements below this are not used in the ratio test.
const PIVOT_TOL: f64 = 1e-9;
/// Consecutive degenerate pivots before switching to Bland's rule.
const DEGENERATE_SWITCH: usize = 30;

/// A program `max z s.t. base_r + Σ_j a_rj x_j ≥ z, l ≤ x ≤ u`.
#[derive(Debug, Clone)]
pub(crate) struct MaxZProgram {
    /// `base_r`, one per constraint.
    pub(crate) base: Vec<f64>,
    /// Compressed columns: column `j` holds the nonzeros `rows[k], vals[k]` for
    /// `k in start[j]..start[j + 1]`.
    pub(crate) columns: Columns,
    /// `l_j`.
    pub(crate) lower: Vec<f64>,
    /// `u_j`.
    pub(crate) upper: Vec<f64>,
}

/// Columns in compressed sparse column form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Columns {
    start: Vec<usize>,
    rows: Vec<u32>,
    vals: Vec<f64>,
    /// When every column is dense (rows `0..m` in order): row `j` is column `j`, so all
    /// reduced costs are one matrix-vector product.
    dense: Option<DMatrix<f64>>,
}

impl Columns {
    /// No columns yet.
    pub(crate) fn new() -> Self {
        Columns {
            start: vec![0],
            rows: Vec::new(),
            vals: Vec::new(),
            dense: None,
        }
    }

    /// Dense columns: column `j` is row `j` of `a` (every row index present).
    pub(crate) fn from_dense(a: DMatrix<f64>) -> Self {
        let (n, m) = a.shape();
        let mut c = Columns::new();
        for j in 0..n {
            c.push((0..m).map(|r| (r as u32, a[(j, r)])));
        }
        c.dense = Some(a);
        c
    }

    /// `out[j] = −Σ_r y_r a_rj` for every column.
    fn negated_products(&self, y: &[f64], out: &mut [f64]) {
        if let Some(a) = &self.dense {
            let p = a * DVector::from_column_slice(y);
            for (o, v) in out.iter_mut().zip(p.iter()) {
                *o = -v;
            }
        } else {
            for (j, o) in out.iter_mut().enumerate() {
                *o = -self.dot(j, y);
            }
        }
    }

    /// Appends a column from its nonzeros.
    pub(crate) fn push(&mut self, entries: impl IntoIterator<Item = (u32, f64)>) {
        for (r, a) in entries {
            self.rows.push(r);
            self.vals.push(a);
        }
        self.start.push(self.rows.len());
    }

    /// Number of columns.
    pub(crate) fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// Column `j`'s rows and values.
    #[inline]
    pub(crate) fn get(&self, j: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.start[j], self.start[j + 1]);
        (&self.rows[a..b], &self.vals[a..b])
    }

    /// `Σ_k y[rows[k]] · vals[k]` over column `j`.
    #[inline]
    pub(crate) fn dot(&self, j: usize, y: &[f64]) -> f64 {
        let (rows, vals) = self.get(j);
        rows.iter()
            .zip(vals)
            .map(|(&r, &a)| y[r as usize] * a)
            .sum()
    }
}

/// The optimum of a [`MaxZProgram`].
#[derive(Debug, Clone)]
pub(crate) struct MaxZSolution {
    /// The optimal `x`.
    pub(crate) x: Vec<f64>,
    /// Dual multipliers `λ_r ≥ 0`, `Σ λ_r = 1` (the weights of the constraints in the dual
    /// bound `Σ_r λ_r base_r + Σ_j max_{x_j} x_j Σ_r λ_r a_rj`).
    pub(crate) duals: Vec<f64>,
    /// Pivots and bound flips performed.
    pub(crate) pivots: usize,
}

/// Variable kinds in the solver's numbering: `0..n` are `x`, `n` is `z`, `n + 1 + r` is the
/// slack of constraint `r` (`s_r = base_r + a_r·x − z ≥ 0`).
struct Simplex<'a> {
    p: &'a MaxZProgram,
    m: usize,
    n: usize,
    /// Values of all variables.
    val: Vec<f64>,
    /// Basic variable at each basis position.
    basis: Vec<usize>,
    /// Position in the basis of each variable, or `usize::MAX`.
    pos: Vec<usize>,
    /// Row-major basis inverse.
    binv: Vec<f64>,
    pivots_since_refactor: usize,
}

impl Simplex<'_> {
    fn lower(&self, v: usize) -> f64 {
        if v < self.n {
            self.p.lower[v]
        } else if v == self.n {
            f64::NEG_INFINITY
        } else {
            0.0
        }
    }

    fn upper(&self, v: usize) -> f64 {
        if v < self.n {
            self.p.upper[v]
        } else {
            f64::INFINITY
        }
    }

    /// `α = B⁻¹ a_v`.
    fn ftran(&self, v: usize, out: &mut [f64]) {
        let m = self.m;
        out.iter_mut().for_each(|o| *o = 0.0);
        if v < self.n {
            let (rows, vals) = self.p.columns.get(v);
            for (i, o) in out.iter_mut().enumerate() {
                let row = &self.binv[i * m..(i + 1) * m];
                *o = rows
                    .iter()
                    .zip(vals)
                    .map(|(&r, &a)| row[r as usize] * a)
                    .sum();
            }
        } else if v == self.n {
            for (i, o) in out.iter_mut().enumerate() {
                *o = -self.binv[i * m..(i + 1) * m].iter().sum::<f64>();
            }
        } else {
            let r = v - self.n - 1;
            for (i, o) in out.iter_mut().enumerate() {
                *o = -self.binv[i * m + r];
            }
        }
    }

    /// The column of `v` as a dense vector.
    fn dense_column(&self, v: usize) -> Vec<f64> {
        let mut c = vec![0.0; self.m];
        if v < self.n {
            let (rows, vals) = self.p.columns.get(v);
            for (&r, &a) in rows.iter().zip(vals) {
                c[r as usize] += a;
            }
        } else if v == self.n {
            c.iter_mut().for_each(|x| *x = -1.0);
        } else {
            c[v - self.n - 1] = -1.0;
        }
        c
    }

    /// Recomputes `B⁻¹` by Gauss–Jordan elimination and the basic values from the nonbasic
    /// ones. Fails if the basis became numerically singular.
    fn refactor(&mut self) -> Result<()> {
        let m = self.m;
        // a = B (column-major copy into row-major augmented [B | I]).
        let mut a = vec![0.0; m * m];
        for (k, &v) in self.basis.iter().enumerate() {
            for (r, x) in self.dense_column(v).into_iter().enumerate() {
                a[r * m + k] = x;
            }
        }
        let mut inv = vec![0.0; m * m];
        for i in 0..m {
            inv[i * m + i] = 1.0;
        }
        for col in 0..m {
            let (piv, best) = (col..m)
                .map(|r| (r, a[r * m + col].abs()))
                .fold((col, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
            if best < 1e-12 {
                return Err(MemoryError::Solver(
                    "the simplex basis became singular".into(),
                ));
            }
            if piv != col {
                for k in 0..m {
                    a.swap(piv * m + k, col * m + k);
                    inv.swap(piv * m + k, col * m + k);
                }
            }
            let d = 1.0 / a[col * m + col];
            for k in 0..m {
                a[col * m + k] *= d;
                inv[col * m + k] *= d;
            }
            for r in 0..m {
                if r != col {
                    let f = a[r * m + col];
                    if f != 0.0 {
                        for k in 0..m {
                            a[r * m + k] -= f * a[col * m + k];
                            inv[r * m + k] -= f * inv[col * m + k];
                        }
                    }
                }
            }
        }
        self.binv = inv;
        self.pivots_since_refactor = 0;
        // Basic values: B x_B = −base − Σ_nonbasic a_v x_v.
        let mut rhs: Vec<f64> = self.p.base.iter().map(|b| -b).collect();
        for v in 0..(self.n + 1 + m) {
            if self.pos[v] == usize::MAX && self.val[v] != 0.0 {
                let x = self.val[v];
                if v < self.n {
                    let (rows, vals) = self.p.columns.get(v);
                    for (&r, &c) in rows.iter().zip(vals) {
                        rhs[r as usize] -= c * x;
                    }
                } else if v == self.n {
                    rhs.iter_mut().for_each(|r| *r += x);
                } else {
                    rhs[v - self.n - 1] += x;
                }
            }
        }
        for i in 0..m {
            let xb: f64 = (0..m).map(|r| self.binv[i * m + r] * rhs[r]).sum();
            let v = self.basis[i];
            self.val[v] = xb;
        }
        Ok(())
    }

    /// `π = c_Bᵀ B⁻¹` (row of `B⁻¹` at `z`'s position, or zero).
    fn duals(&self) -> Vec<f64> {
        let m = self.m;
        let p = self.pos[self.n];
        if p == usize::MAX {
            vec![0.0; m]
        } else {
            self.binv[p * m..(p + 1) * m].to_vec()
        }
    }
}

/// Solves `program` from the warm start `start` (clamped into the box).
pub(crate) fn solve_max_z(
    program: &MaxZProgram,
    start: &[f64],
    max_pivots: usize,
) -> Result<MaxZSolution> {
    let m = program.base.len();
    let n = program.columns.len();
    if m == 0 {
        return Err(MemoryError::Solver(
            "a max-min program without constraints".into(),
        ));
    }
    debug_assert_eq!(start.len(), n);
    let mut val = vec![0.0; n + 1 + m];
    for j in 0..n {
        val[j] = start[j].clamp(program.lower[j], program.upper[j]);
    }
    let mut margin = program.base.clone();
    for (j, &x) in val.iter().enumerate().take(n) {
        let (rows, vals) = program.columns.get(j);
        for (&r, &a) in rows.iter().zip(vals) {
            margin[r as usize] += a * x;
        }
    }
    let z0 = margin.iter().copied().fold(f64::INFINITY, f64::min);
    val[n] = z0;
    for r in 0..m {
        val[n + 1 + r] = margin[r] - z0;
    }
    let mut binv = vec![0.0; m * m];
    for i in 0..m {
        binv[i * m + i] = -1.0;
    }
    let mut pos = vec![usize::MAX; n + 1 + m];
    let basis: Vec<usize> = (0..m).map(|r| n + 1 + r).collect();
    for (i, &v) in basis.iter().enumerate() {
        pos[v] = i;
    }
    let mut s = Simplex {
        p: program,
        m,
        n,
        val,
        basis,
        pos,
        binv,
        pivots_since_refactor: 0,
    };
    let mut alpha = vec![0.0; m];
    let mut pivots = 0;
    let mut degenerate = 0;
    let mut dcost = vec![0.0; n + 1 + m];
    'outer: loop {
        if s.pivots_since_refactor >= REFACTOR_EVERY {
            s.refactor()?;
        }
        let pi = s.duals();
        // Pricing. A bound flip changes no reduced cost, so after one the next candidate is
        // taken from the same prices; only a basis change prices again.
        let total = n + 1 + m;
        program.columns.negated_products(&pi, &mut dcost[..n]);
        for v in 0..total {
            dcost[v] = if s.pos[v] != usize::MAX {
                0.0
            } else if v < n {
                dcost[v]
            } else if v == n {
                1.0 + pi.iter().sum::<f64>()
            } else {
                pi[v - n - 1]
            };
        }
        let mut pivoted = false;
        while !pivoted {
            let bland = degenerate >= DEGENERATE_SWITCH;
            let mut best: Option<(usize, f64, f64)> = None; // (var, |d|, dir)
            for v in 0..total {
                let d = dcost[v];
                if d == 0.0 {
                    continue;
                }
                let x = s.val[v];
                let dir = if d > DUAL_TOL && x < s.upper(v) - PRIMAL_TOL {
                    1.0
                } else if d < -DUAL_TOL && x > s.lower(v) + PRIMAL_TOL {
                    -1.0
                } else {
                    continue;
                };
                let better = match best {
                    None => true,
                    Some((_, b, _)) => !bland && d.abs() > b,
                };
                if better {
                    best = Some((v, d.abs(), dir));
                }
            }
            let Some((q, _, dir)) = best else {
                break 'outer;
            };
            if pivots >= max_pivots {
                return Err(MemoryError::NotConverged {
                    rule: "max-min simplex",
                    iterations: pivots,
                });
            }
            s.ftran(q, &mut alpha);
            // Ratio test: basic i moves at rate −dir·α_i.
            let own = if dir > 0.0 {
                s.upper(q) - s.val[q]
            } else {
                s.val[q] - s.lower(q)
            };
            let mut step = own;
            let mut leave: Option<usize> = None;
            let mut leave_alpha = 0.0;
            for i in 0..m {
                let rate = -dir * alpha[i];
                if rate.abs() < PIVOT_TOL {
                    continue;
                }
                let b = s.basis[i];
                let room = if rate < 0.0 {
                    (s.val[b] - s.lower(b)).max(0.0) / -rate
                } else {
                    (s.upper(b) - s.val[b]).max(0.0) / rate
                };
                let better = if room < step - 1e-12 {
                    true
                } else if room <= step + 1e-12 {
                    match leave {
                        // Ties with the entering variable's own bound: take the bound flip.
                        None => false,
                        Some(l) if bland => b < s.basis[l],
                        Some(_) => alpha[i].abs() > leave_alpha,
                    }
                } else {
                    false
                };
                if better {
                    step = room;
                    leave = Some(i);
                    leave_alpha = alpha[i].abs();
                }
            }
            if !step.is_finite() {
                return Err(MemoryError::Unbounded { neuron_idx: None });
            }
            pivots += 1;
            if step <= 1e-12 {
                degenerate += 1;
            } else {
                degenerate = 0;
            }
            s.val[q] += dir * step;
            for i in 0..m {
                let b = s.basis[i];
                s.val[b] -= dir * step * alpha[i];
            }
            let Some(p) = leave else {
                // Bound flip: snap to the bound.
                s.val[q] = if dir > 0.0 { s.upper(q) } else { s.lower(q) };
                continue;
            };
            pivoted = true;
            let leaving = s.basis[p];
            // Snap the leaving variable onto the bound it reached.
            let rate = -dir * alpha[p];
            s.val[leaving] = if rate < 0.0 {
                s.lower(leaving)
            } else {
                s.upper(leaving)
            };
            // Pivot on α_p.
            let ap = alpha[p];
            {
                let (binv, mm) = (&mut s.binv, m);
                for k in 0..mm {
                    binv[p * mm + k] /= ap;
                }
                let prow: Vec<f64> = binv[p * mm..(p + 1) * mm].to_vec();
                for i in 0..mm {
                    if i != p && alpha[i] != 0.0 {
                        let f = alpha[i];
                        let row = &mut binv[i * mm..(i + 1) * mm];
                        for (x, y) in row.iter_mut().zip(&prow) {
                            *x -= f * y;
                        }
                    }
                }
            }
            s.pos[leaving] = usize::MAX;
            s.basis[p] = q;
            s.pos[q] = p;
            s.pivots_since_refactor += 1;
        }
    }
    // Duals: max problem, slack reduced costs π_r ≤ 0 at optimum; λ = −π normalized.
    let pi = s.duals();
    let mut duals: Vec<f64> = pi.iter().map(|&p| (-p).max(0.0)).collect();
    let total: f64 = duals.iter().sum();
    if total > 0.0 {
        duals.iter_mut().for_each(|d| *d /= total);
    }
    Ok(MaxZSolution {
        x: s.val[..n].to_vec(),
        duals,
        pivots,
    })
}

/// The dual bound `Σ_r λ_r base_r + Σ_j max_{x_j ∈ [l_j, u_j]} x_j Σ_r λ_r a_rj` of `program`
/// for multipliers `λ ≥ 0` with `Σ λ = 1`: an upper bound on its optimum whatever `λ` is.
pub(crate) fn dual_bound(program: &MaxZProgram, duals: &[f64]) -> f64 {
    let mut bound: f64 = program.base.iter().zip(duals).map(|(b, l)| b * l).sum();
    for j in 0..program.columns.len() {
        let g = program.columns.dot(j, duals);
        bound += if g >= 0.0 {
            g * program.upper[j]
        } else {
            g * program.lower[j]
        };
    }
    bound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_program_by_hand() {
        // max z: x0 + x1 ≥ z, x0 − x1 ≥ z, 1 − x0 ≥ z, x ∈ [−1, 1]²  → x0 = ½, x1 = 0, z = ½.
        let p = MaxZProgram {
            base: vec![0.0, 0.0, 1.0],
            columns: {
                let mut c = Columns::new();
                c.push([(0, 1.0), (1, 1.0), (2, -1.0)]);
                c.push([(0, 1.0), (1, -1.0)]);
                c
            },
            lower: vec![-1.0; 2],
            upper: vec![1.0; 2],
        };
        let s = solve_max_z(&p, &[0.0, 0.0], 100).unwrap();
        assert!((s.x[0] - 0.5).abs() < 1e-12, "{:?}", s.x);
        assert!((dual_bound(&p, &s.duals) - 0.5).abs() < 1e-12);
        let s = solve_max_z(&p, &[-1.0, 1.0], 100).unwrap();
        assert!((s.x[0] - 0.5).abs() < 1e-12, "{:?}", s.x);
    }
}
