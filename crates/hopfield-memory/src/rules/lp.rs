//! Liang–Wu–Yu's max-min design as a linear program (seed 003; SPEC §3.3), solved with
//! good_lp.

use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, Solver, SolverModel,
    Variable, variable,
};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Dense, DiagonalPolicy, Encoding, Network};
use rayon::prelude::*;

use super::{LearningRule, fields_matrix, symmetrize};
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

/// Which program [`MaxMinLp`] solves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LpMode {
    /// The symmetric LP (P): variables `W_ij`, `i ≤ j`, and `z`; maximize `z` subject to
    /// `½ x_i^u Σ_j W_ij x_j^u ≥ z` for all `i, u` and `|W_ij| ≤ 1`. `N(N+1)/2 + 1` variables
    /// and `N M` constraints of `N + 1` terms: only for small `N` (about 30–60 with microlp).
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
    /// microlp (pure Rust simplex; exact vertices). The default.
    #[default]
    Microlp,
    /// Clarabel (pure Rust interior point; about 10× faster on the full LP, solutions exact to
    /// its tolerance). Needs the `clarabel` feature.
    #[cfg(feature = "clarabel")]
    Clarabel,
}

/// The max-min learning rule as a linear program (Liang, Wu & Yu; SPEC §3.3):
/// `W* = argmax_W min_{u,i} ½ x_i^u Σ_j W_ij x_j^u` subject to `W = Wᵀ`, `|W_ij| ≤ 1`.
///
/// The diagonal is free in the LP; since raising `W_ii` raises every `γ_i^u`, the returned
/// network sets `W_ii = 1`, which keeps the optimum and satisfies the core's `w_ii ≥ 0`.
/// Infeasible or unbounded programs (impossible for (P), which always has `W = 0, z = 0`)
/// come back as [`MemoryError::Infeasible`] / [`MemoryError::Unbounded`].
///
/// Cost: simplex on `N(N+1)/2` variables and `NM` dense constraints (full), or `N` LPs of
/// `N + 1` variables and `M` constraints (row-decoupled). Measured while planning: the full
/// LP at `N = 100, M = 10` takes about 26 s with microlp, 2.2 s with clarabel.
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
    /// The LP's objective: `z*` of (P) for [`LpMode::Full`]; `min_i z_i` for
    /// [`LpMode::RowDecoupled`], an upper bound on the symmetric `z*`.
    pub objective: f64,
    /// The optimal `z_i` of each row LP ([`LpMode::RowDecoupled`]); empty for the full LP.
    pub row_objectives: Vec<f64>,
    /// The margin `min_{u,i} ½ γ_i^u` the returned network actually achieves.
    pub achieved: f64,
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
            LpBackend::Microlp => solve_max(good_lp::microlp, vars, objective, constraints, read),
            #[cfg(feature = "clarabel")]
            LpBackend::Clarabel => solve_max(good_lp::clarabel, vars, objective, constraints, read),
        }
    }

    /// Solves the LP and returns the network with its objective values.
    pub fn solve(&self, patterns: &Patterns) -> Result<LpSolution> {
        let x = patterns.to_matrix();
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
            objective,
            row_objectives,
            achieved,
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
        for mode in [LpMode::Full, LpMode::RowDecoupled] {
            let s = MaxMinLp {
                mode,
                ..Default::default()
            }
            .solve(&p)
            .unwrap();
            assert!(
                (s.objective - 0.5).abs() < 1e-7,
                "{mode:?}: {}",
                s.objective
            );
            assert!(s.achieved >= 0.5 - 1e-7);
        }
    }

    #[test]
    fn single_pattern_optimum_is_half_n() {
        let p = Patterns::from_signs(&[vec![1, -1, -1, 1, 1]]).unwrap();
        let s = MaxMinLp::default().solve(&p).unwrap();
        assert!((s.objective - 2.5).abs() < 1e-7);
        assert!((s.achieved - 2.5).abs() < 1e-7);
    }
}
