//! Liang–Wu–Yu's max-min design as a linear program: the exact symmetric solver with a
//! certified gap ([`LpBackend::Native`], see the `maxmin` module docs and METHODOLOGY.md),
//! and the generic good_lp formulations kept as a reference.

use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, Solver, SolverModel,
    Variable, variable,
};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Dense, DiagonalPolicy, Encoding, Network};
use rayon::prelude::*;

use super::maxmin::{ExactOptions, averaged_rows, half_stabilities, solve_exact, solve_rows};
use super::{LearningRule, fields_matrix, symmetrize};
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

/// Which program [`MaxMinLp`] solves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LpMode {
    /// The symmetric LP (P): maximize `z` subject to `½ x_i^u Σ_j W_ij x_j^u ≥ z` for all
    /// `i, u`, `W = Wᵀ` and `|W_ij| ≤ 1`. With [`LpBackend::Native`] it is solved exactly with
    /// a certified gap at realistic sizes; with the good_lp backends as one generic LP of
    /// `N(N+1)/2 + 1` variables and `N M` constraints (small `N` only).
    #[default]
    Full,
    /// `N` independent row LPs (row `i`: variables `W_i·` and `z_i`, constraints over `u`),
    /// solved in parallel with rayon. The rows are then averaged, `W ← (W + Wᵀ)/2`, to get a
    /// symmetric network. `min_i z_i` is an upper bound on the symmetric optimum (the row LPs
    /// relax the symmetry constraint); the averaged network's own margin can be lower.
    RowDecoupled,
}

/// The LP solver behind [`MaxMinLp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LpBackend {
    /// This crate's structured solver (the default): exact row programs by a dense-basis
    /// simplex, a first-order phase on the symmetric program and an exact polish, with the
    /// gap certified from dual multipliers. Pure Rust, parallel over rows with rayon.
    #[default]
    Native,
    /// The generic formulation through good_lp's microlp (pure Rust simplex; exact vertices).
    /// Kept as the reference for small sizes.
    Microlp,
    /// Clarabel (pure Rust interior point; about 10× faster on the full LP, solutions exact to
    /// its tolerance). Needs the `clarabel` feature.
    #[cfg(feature = "clarabel")]
    Clarabel,
}

/// The max-min learning rule as a linear program (Liang, Wu & Yu):
/// `W* = argmax_W min_{u,i} ½ x_i^u Σ_j W_ij x_j^u` subject to `W = Wᵀ`, `|W_ij| ≤ 1`.
///
/// The diagonal is free in the LP; since raising `W_ii` raises every `γ_i^u`, the returned
/// network sets `W_ii = 1`, which keeps the optimum and satisfies the core's `w_ii ≥ 0`.
/// Infeasible or unbounded programs (impossible for (P), which always has `W = 0, z = 0`)
/// come back as [`MemoryError::Infeasible`] / [`MemoryError::Unbounded`].
///
/// Cost with [`LpBackend::Native`]: `N` row programs of `N − 1` weights and `M`
/// constraints (parallel), a few hundred to a few thousand first-order iterations of two
/// `N × N × M` matrix products each, and small simplex polishes; see `BENCHMARKS.md` of this
/// crate for measured times. The good_lp backends solve one program of `N(N+1)/2` variables
/// and `NM` dense constraints (the full LP at `N = 100, M = 10` took about 17 s with
/// microlp).
///
/// ```
/// use hopfield_memory::Patterns;
/// use hopfield_memory::hopfield_core::rng_from_seed;
/// use hopfield_memory::rules::MaxMinLp;
///
/// let patterns = Patterns::random(40, 4, &mut rng_from_seed(7))?;
/// let solution = MaxMinLp::default().solve(&patterns)?;
/// let report = &solution.report;
/// assert!(report.gap <= 1e-6, "certified optimal: {report:?}");
/// assert!(report.objective <= report.bound + 1e-9);
/// # Ok::<(), hopfield_memory::MemoryError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaxMinLp {
    /// Full symmetric LP or row-decoupled LPs.
    pub mode: LpMode,
    /// The solver.
    pub backend: LpBackend,
}

/// What [`MaxMinLp::solve`] returns.
#[derive(Debug, Clone)]
pub struct LpSolution {
    /// The network (symmetric; `W_ii = 1`).
    pub network: Network<Dense>,
    /// Objective, bound and gap.
    pub report: MaxMinReport,
    /// The optimal `z_i` of each row program (row-decoupled mode, and the native full mode,
    /// which solves them for its bound); empty otherwise.
    pub row_objectives: Vec<f64>,
}

/// Objective, bound and gap of a max-min solve.
///
/// `objective` is always recomputed from the returned network: `min_{u,i} ½ x_i^u (W x^u)_i`
/// (the normalized `min F̃_i^u`). With [`LpBackend::Native`], `bound` is an upper bound on
/// the symmetric optimum recomputed from dual multipliers (the smallest value of the dual
/// function over every multiplier vector the solver found, including the row-decoupled
/// ones), so `gap = bound − objective ≥ 0` is certified: the network is within `gap` of the
/// optimum. With the good_lp backends, `bound` is the LP value the solver reported (for the
/// row-decoupled program, `min_i z_i`), not independently checked.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MaxMinReport {
    /// The program solved.
    pub mode: LpMode,
    /// The solver.
    pub backend: LpBackend,
    /// `min_{u,i} ½ γ_i^u` of the returned network.
    pub objective: f64,
    /// Upper bound on the symmetric optimum.
    pub bound: f64,
    /// `bound − objective`.
    pub gap: f64,
    /// The row-decoupled bound `min_i z_i` (native backend; NaN otherwise).
    pub decoupled_bound: f64,
    /// First-order iterations (native full mode).
    pub iterations: usize,
    /// Rows whose weights the last exact polish freed (`N` when the program was solved whole).
    pub polish_rows: usize,
    /// Simplex pivots over all programs (native backend).
    pub pivots: usize,
}

/// `min_{u,i} ½ x_i^u (W x^u)_i`: the normalized max-min objective `min F̃_i^u`.
pub(crate) fn min_half_stability(w: &DMatrix<f64>, x: &DMatrix<f64>) -> f64 {
    let h = fields_matrix(w, x);
    h.iter()
        .zip(x.iter())
        .map(|(h, x)| 0.5 * h * x)
        .fold(f64::INFINITY, f64::min)
}

fn map_error(e: ResolutionError, neuron_idx: Option<usize>) -> MemoryError {
    match e {
        ResolutionError::Infeasible => MemoryError::Infeasible { neuron_idx },
        ResolutionError::Unbounded => MemoryError::Unbounded { neuron_idx },
        other => MemoryError::Solver(other.to_string()),
    }
}

/// Maximizes `objective` and returns the values of `read`.
fn solve_max<S: Solver>(
    solver: S,
    vars: ProblemVariables,
    objective: Variable,
    constraints: Vec<Constraint>,
    read: &[Variable],
) -> std::result::Result<Vec<f64>, ResolutionError>
where
    S::Model: SolverModel<Error = ResolutionError>,
{
    let solution = vars
        .maximise(objective)
        .using(solver)
        .with_all(constraints)
        .solve()?;
    Ok(read.iter().map(|&v| solution.value(v)).collect())
}

impl MaxMinLp {
    fn run(
        &self,
        vars: ProblemVariables,
        objective: Variable,
        constraints: Vec<Constraint>,
        read: &[Variable],
    ) -> std::result::Result<Vec<f64>, ResolutionError> {
        match self.backend {
            LpBackend::Native => Err(ResolutionError::Str(
                "the native backend does not use good_lp".into(),
            )),
            LpBackend::Microlp => solve_max(good_lp::microlp, vars, objective, constraints, read),
            #[cfg(feature = "clarabel")]
            LpBackend::Clarabel => solve_max(good_lp::clarabel, vars, objective, constraints, read),
        }
    }

    /// Solves the LP and returns the network with its objective, bound and gap.
    pub fn solve(&self, patterns: &Patterns) -> Result<LpSolution> {
        let x = patterns.to_matrix();
        if self.backend == LpBackend::Native {
            return self.solve_native(&x);
        }
        let (n, m) = x.shape();
        let (mut w, objective, row_objectives) = match self.mode {
            LpMode::Full => {
                let idx = |i: usize, j: usize| {
                    let (a, b) = if i <= j { (i, j) } else { (j, i) };
                    a * n - a * (a + 1) / 2 + b
                };
                let mut vars = ProblemVariables::new();
                let z = vars.add(variable());
                let wv: Vec<Variable> = (0..n * (n + 1) / 2)
                    .map(|_| vars.add(variable().min(-1.0).max(1.0)))
                    .collect();
                let mut constraints = Vec::with_capacity(n * m);
                for u in 0..m {
                    for i in 0..n {
                        let mut e = Expression::with_capacity(n + 1);
                        for j in 0..n {
                            e.add_mul(0.5 * x[(i, u)] * x[(j, u)], wv[idx(i, j)]);
                        }
                        constraints.push(e.geq(z));
                    }
                }
                let mut read = wv.clone();
                read.push(z);
                let values = self
                    .run(vars, z, constraints, &read)
                    .map_err(|e| map_error(e, None))?;
                let w = DMatrix::from_fn(n, n, |i, j| values[idx(i, j)]);
                (w, values[values.len() - 1], Vec::new())
            }
            LpMode::RowDecoupled => {
                let rows: Vec<(Vec<f64>, f64)> = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let mut vars = ProblemVariables::new();
                        let z = vars.add(variable());
                        let wv: Vec<Variable> = (0..n)
                            .map(|_| vars.add(variable().min(-1.0).max(1.0)))
                            .collect();
                        let constraints = (0..m)
                            .map(|u| {
                                let mut e = Expression::with_capacity(n + 1);
                                for (j, &v) in wv.iter().enumerate() {
                                    e.add_mul(0.5 * x[(i, u)] * x[(j, u)], v);
                                }
                                e.geq(z)
                            })
                            .collect();
                        let mut read = wv.clone();
                        read.push(z);
                        let mut values = self
                            .run(vars, z, constraints, &read)
                            .map_err(|e| map_error(e, Some(i)))?;
                        let zi = values.pop().unwrap_or(f64::NAN);
                        Ok((values, zi))
                    })
                    .collect::<Result<_>>()?;
                let w = DMatrix::from_fn(n, n, |i, j| rows[i].0[j]);
                let zs: Vec<f64> = rows.iter().map(|r| r.1).collect();
                let min = zs.iter().copied().fold(f64::INFINITY, f64::min);
                (w, min, zs)
            }
        };
        for v in w.iter_mut() {
            *v = v.clamp(-1.0, 1.0);
        }
        for i in 0..n {
            w[(i, i)] = 1.0;
        }
        symmetrize(&mut w);
        let achieved = min_half_stability(&w, &x);
        Ok(LpSolution {
            network: Network::new(
                Dense::new(w, DiagonalPolicy::SelfCoupling)?,
                Encoding::Bipolar,
            ),
            report: MaxMinReport {
                mode: self.mode,
                backend: self.backend,
                objective: achieved,
                bound: objective,
                gap: objective - achieved,
                decoupled_bound: f64::NAN,
                iterations: 0,
                polish_rows: 0,
                pivots: 0,
            },
            row_objectives,
        })
    }

    fn solve_native(&self, x: &DMatrix<f64>) -> Result<LpSolution> {
        let (w, report, row_objectives) = match self.mode {
            LpMode::Full => {
                let s = solve_exact(x, &ExactOptions::default())?;
                let report = MaxMinReport {
                    mode: self.mode,
                    backend: self.backend,
                    objective: s.objective,
                    bound: s.bound,
                    gap: s.bound - s.objective,
                    decoupled_bound: s.decoupled_bound,
                    iterations: s.iterations,
                    polish_rows: s.polish_rows,
                    pivots: s.pivots,
                };
                (s.w, report, s.row_objectives)
            }
            LpMode::RowDecoupled => {
                let (rows, pivots) = solve_rows(x)?;
                let w = averaged_rows(&rows);
                let objective = half_stabilities(&w, x)
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min);
                let bound = rows.iter().map(|r| r.bound).fold(f64::INFINITY, f64::min);
                let report = MaxMinReport {
                    mode: self.mode,
                    backend: self.backend,
                    objective,
                    bound,
                    gap: bound - objective,
                    decoupled_bound: bound,
                    iterations: 0,
                    polish_rows: 0,
                    pivots,
                };
                (w, report, rows.iter().map(|r| r.z).collect())
            }
        };
        Ok(LpSolution {
            network: Network::new(
                Dense::new(w, DiagonalPolicy::SelfCoupling)?,
                Encoding::Bipolar,
            ),
            report,
            row_objectives,
        })
    }
}

impl LearningRule for MaxMinLp {
    fn name(&self) -> &'static str {
        match self.mode {
            LpMode::Full => "maxmin_lp",
            LpMode::RowDecoupled => "maxmin_lp_rows",
        }
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        Ok(self.solve(patterns)?.network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_derived_fc_case() {
        // x¹ = (1,1,1), x² = (1,1,−1) differ only at neuron 2: row 2 needs W20 + W21 = 0,
        // leaving γ = W22 ≤ 1, so z* = ½ (the fast rule's value too).
        let p = Patterns::from_signs(&[vec![1, 1, 1], vec![1, 1, -1]]).unwrap();
        for backend in [LpBackend::Native, LpBackend::Microlp] {
            for mode in [LpMode::Full, LpMode::RowDecoupled] {
                let s = MaxMinLp { mode, backend }.solve(&p).unwrap().report;
                assert!((s.bound - 0.5).abs() < 1e-7, "{mode:?} {backend:?}: {s:?}");
                assert!(s.objective >= 0.5 - 1e-7, "{s:?}");
            }
        }
    }

    #[test]
    fn single_pattern_optimum_is_half_n() {
        let p = Patterns::from_signs(&[vec![1, -1, -1, 1, 1]]).unwrap();
        for backend in [LpBackend::Native, LpBackend::Microlp] {
            let s = MaxMinLp {
                backend,
                ..Default::default()
            }
            .solve(&p)
            .unwrap()
            .report;
            assert!((s.bound - 2.5).abs() < 1e-7, "{s:?}");
            assert!((s.objective - 2.5).abs() < 1e-7, "{s:?}");
        }
    }
}
