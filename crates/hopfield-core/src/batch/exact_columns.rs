//! Asynchronous runs of exact low-rank couplings (the Hebbian rule: integer patterns, a
//! dyadic scale) on dense `f32` columns: a decision reads one stored field (`O(1)`), a flip
//! adds one column (`O(N)`), where the low-rank kernel pays an `M`-long product per decision.
//!
//! Every value involved is a multiple of one power of two and bounded well inside `f32`'s
//! exact range (the conditions under which the plan chose the exact `f32` kernel), so the
//! columns, the fields and every increment are exact: each decision is the plain dynamics'
//! decision on the true field, with no bound to check.
//!
//! The columns (`N²` `f32`) are built once per plan, on the first asynchronous run of at
//! least `N / 16` states, when `M ≥ 16` and `N ≤ 32 M` (smaller runs before that, and other
//! shapes, use the low-rank kernel), or beforehand by
//! [`BatchPlan::prepare`](crate::BatchPlan::prepare), one product per block of 64 columns.

use std::sync::OnceLock;

use nalgebra::DMatrix;
use rand::Rng;

use super::exec::{Executor, Sequential};
use super::low_rank::LowRankKernel;
use super::runner::{Oracle, run_async};
use super::{Batch, Certify, Kernel, Outcome, axpy, toggle};
use crate::dynamics::RunConfig;
use crate::state::TieRule;

/// The lazily built columns of one plan.
pub(crate) struct ExactColumnSource {
    n: usize,
    built: OnceLock<Vec<f32>>,
}

impl ExactColumnSource {
    pub(crate) fn new(n: usize) -> Self {
        ExactColumnSource {
            n,
            built: OnceLock::new(),
        }
    }

    /// Whether a run of `states` states goes through the columns: always once they are
    /// built; otherwise when the run is large enough to repay building them.
    pub(crate) fn pays_for(&self, states: usize) -> bool {
        self.built.get().is_some() || states.saturating_mul(16) >= self.n
    }

    /// The columns, column-major `N × N` (built on the first call from `kernel`, on this
    /// thread).
    pub(crate) fn get(&self, kernel: &LowRankKernel<'_, f32>) -> &[f32] {
        self.built.get_or_init(|| kernel.exact_columns(&Sequential))
    }

    /// Builds the columns, split over `exec`, unless they are built. Never waits for another
    /// thread's build (so an executor's thread may run batches meanwhile): a concurrent
    /// build's result is kept and this one dropped, both being the same.
    pub(crate) fn prepare(&self, kernel: &LowRankKernel<'_, f32>, exec: &dyn Executor) {
        if self.built.get().is_none() {
            let _ = self.built.set(kernel.exact_columns(exec));
        }
    }
}

/// The exact `f32` low-rank kernel with its columns.
pub(crate) struct ExactColumnKernel<'k, 'a> {
    pub(crate) fast: &'k LowRankKernel<'a, f32>,
    /// Column-major `N × N`: column `i` is what a unit change of `s_i` adds to the fields.
    pub(crate) columns: &'k [f32],
}

impl Kernel<f32> for ExactColumnKernel<'_, '_> {
    kernel_from_fast!();

    fn run_async<R: Rng + ?Sized>(
        &self,
        batch: &mut Batch<f32>,
        h: &mut DMatrix<f32>,
        mo: &mut DMatrix<f32>,
        p: usize,
        tie: TieRule,
        config: &RunConfig,
        rng: &mut R,
    ) -> Outcome {
        let (high, low) = (batch.high, batch.low);
        let mut s_col = batch.s.column_mut(p);
        let mut h_col = h.column_mut(p);
        let mut m_col = mo.column_mut(p);
        let mut probe = ExactColumnProbe {
            k: self,
            s: s_col.as_mut_slice(),
            h: h_col.as_mut_slice(),
            m: m_col.as_mut_slice(),
            tie,
            high,
            low,
        };
        let (termination, steps, flips) =
            run_async(&mut probe, config.schedule, config.max_steps, rng)?;
        let energy = self.fast.energy_of(probe.s, probe.m);
        Some((termination, steps, flips, energy))
    }
}

struct ExactColumnProbe<'p, 'k, 'a> {
    k: &'p ExactColumnKernel<'k, 'a>,
    s: &'p mut [f32],
    /// The fields, exact.
    h: &'p mut [f32],
    /// The overlaps `Xᵀ s` (for the energy at the end), exact.
    m: &'p mut [f32],
    tie: TieRule,
    high: f32,
    low: f32,
}

impl Oracle for ExactColumnProbe<'_, '_, '_> {
    fn n(&self) -> usize {
        self.s.len()
    }

    #[inline]
    fn would_flip(&mut self, i: usize) -> Option<bool> {
        let is_high = self.s[i] == self.high;
        Some(self.tie.next_is_high(f64::from(self.h[i]), is_high) != is_high)
    }

    #[inline]
    fn flip(&mut self, i: usize) {
        let n = self.s.len();
        let delta = toggle(self.s, i, self.low, self.high);
        axpy(delta, &self.k.columns[i * n..(i + 1) * n], self.h);
        axpy(delta, self.k.fast.xcol(i), self.m);
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::DMatrix;

    use super::super::exec::testing::{Skipping, Threads, Twice};
    use super::super::exec::{Executor, Sequential};
    use super::super::{BatchPlan, Engine};
    use crate::couplings::{DiagonalPolicy, LowRank};
    use crate::network::Network;
    use crate::state::Encoding;

    /// The exact columns equal the dense Hebbian matrix (scaled, with or without
    /// self-couplings), whatever the executor; sizes cover partial last blocks.
    #[test]
    fn exact_columns_are_the_dense_matrix_for_every_executor() {
        for (n, m) in [(1, 16), (64, 16), (65, 17), (150, 20)] {
            let x = DMatrix::from_fn(n, m, |i, u| {
                if (i * 31 + u * 17 + i * u) % 7 < 3 {
                    1.0
                } else {
                    -1.0
                }
            });
            for (scale, policy) in [
                (1.0, DiagonalPolicy::Zero),
                (0.25, DiagonalPolicy::SelfCoupling),
            ] {
                let lr = LowRank::outer_products(x.clone(), scale, policy).unwrap();
                let dense = lr.to_dense_matrix();
                let net = Network::new(lr, Encoding::Bipolar);
                let plan = BatchPlan::new(&net).unwrap();
                let Engine::LowRank32 {
                    kernel,
                    columns: Some(_),
                } = &plan.engine
                else {
                    panic!("not an exact plan with columns");
                };
                let want: Vec<f32> = dense.iter().map(|&v| v as f32).collect();
                let execs: [&dyn Executor; 4] = [&Sequential, &Threads, &Skipping, &Twice];
                for exec in execs {
                    assert_eq!(kernel.exact_columns(exec), want, "n = {n}, scale {scale}");
                }
            }
        }
    }
}
