//! Asynchronous runs of certified low-rank couplings (the projection rule) on dense `f32`
//! columns: a decision reads one stored field (`O(1)`), a flip adds one column (`O(N)`),
//! where the low-rank kernel pays an `M`-long `f64` product per decision.
//!
//! A decision on neuron `i` after `t` flips goes through up to three tiers:
//! 1. the `f32` field, kept incrementally, against a rigorous bound on its distance from the
//!    plain dynamics' field: the bound of the `f32` product it was last computed with (at the
//!    start of the run, or at a resynchronization), plus, per flip since, the rounding of one
//!    `f32` column entry and one `f32` addition, plus the plain dynamics' own `f64` rounding;
//! 2. when that bound does not clear, the field recomputed in `f64` from the exact integer
//!    overlaps, against the `f64` kernel's bound;
//! 3. when neither clears (a field within `f64` rounding of zero), the state reruns through
//!    the plain dynamics.
//!
//! The columns (`N²` `f32`) are built once per plan, on the first asynchronous run of at least
//! `N / 16` states (smaller runs before that use the `f64` low-rank kernel), or beforehand by
//! [`BatchPlan::prepare`](crate::BatchPlan::prepare), split into one task per block of 64
//! columns. Each task computes the products on and above the diagonal of its columns (half of
//! `X Ŷᵀ`, about `N² M / 2` multiply-adds in all), rounds each once and writes it to both
//! triangles; building needs `N²` `f32` values besides one `f64` product block per thread.

use std::sync::OnceLock;

use nalgebra::{DMatrix, DMatrixViewMut};
use rand::Rng;

use super::exec::{COLUMN_BLOCK, Executor, Parts, Sequential, run_all};
use super::low_rank::LowRankKernel;
use super::runner::{Oracle, run_async};
use super::{Batch, Certify, Kernel, Outcome, U32, U64, axpy, toggle};
use crate::couplings::{Couplings, LowRank};
use crate::dynamics::RunConfig;
use crate::state::TieRule;

/// The largest `N` that runs on columns (`N²` `f32` values: 64 MiB).
const MAX_N: usize = 4096;

/// The bound of the kept `f32` fields may grow to this fraction of each neuron's largest
/// possible field before the fields are recomputed (what keeps the per-flip rounding bound,
/// which assumes fields within 1 % of that largest value, valid).
const DRIFT: f64 = 0.005;

/// Whether asynchronous schedules of a certified network with `n` neurons, rank `m` and
/// integer patterns run on columns. A sweep costs `N M` on the low-rank kernel and about
/// `flips · N` here; with the usual noise (a tenth of the neurons wrong) columns win once
/// `M` exceeds a few dozen, and they cost `N²` values of memory.
pub(crate) fn worthwhile(n: usize, m: usize) -> bool {
    n <= MAX_N && m >= 16 && m * 32 >= n
}

/// The lazily built columns of one plan.
pub(crate) struct ColumnSource<'a> {
    lr: &'a LowRank,
    a: &'a DMatrix<f64>,
    yt: &'a DMatrix<f64>,
    bias: Vec<f64>,
    built: OnceLock<Columns>,
}

impl<'a> ColumnSource<'a> {
    pub(crate) fn new(
        lr: &'a LowRank,
        a: &'a DMatrix<f64>,
        yt: &'a DMatrix<f64>,
        bias: &[f64],
    ) -> Self {
        ColumnSource {
            lr,
            a,
            yt,
            bias: bias.to_vec(),
            built: OnceLock::new(),
        }
    }

    /// Whether a run of `states` states goes through the columns: always once they are
    /// built; otherwise when the run is large enough to repay building them (about `N² M / 2`
    /// multiply-adds, each state saving a few `N M` of the `f64` kernel's).
    pub(crate) fn pays_for(&self, states: usize) -> bool {
        self.built.get().is_some()
            || states.saturating_mul(16) >= self.lr.patterns_transposed().ncols()
    }

    /// The columns (built on the first call, on this thread; `exact` is the plan's `f64`
    /// kernel).
    pub(crate) fn get(&self, exact: &LowRankKernel<'_, f64>) -> &Columns {
        self.built.get_or_init(|| self.build(exact, &Sequential))
    }

    /// Builds the columns, split over `exec`, unless they are built (see
    /// [`ExactColumnSource::prepare`](super::exact_columns::ExactColumnSource::prepare)).
    pub(crate) fn prepare(&self, exact: &LowRankKernel<'_, f64>, exec: &dyn Executor) {
        if self.built.get().is_none() {
            let _ = self.built.set(self.build(exact, exec));
        }
    }

    fn build(&self, exact: &LowRankKernel<'_, f64>, exec: &dyn Executor) -> Columns {
        Columns::build(self.lr, self.a, self.yt, &self.bias, exact.certify(), exec)
    }
}

/// `fl32(Ŵ)` and the per-neuron constants of the tier-1 bound.
pub(crate) struct Columns {
    n: usize,
    /// Column-major `N × N`, exactly symmetric: `Ŵ = X Ŷᵀ` computed in `f64` and rounded,
    /// with the stored self-couplings on the diagonal.
    w: Vec<f32>,
    /// What one flip adds to neuron `i`'s bound.
    growth: Vec<f64>,
    /// `1 / RW_i` with `RW_i ≥ Σ_j |w_ij| + |b_i|` (the largest field), `0` where `RW_i = 0`.
    inv_rw: Vec<f64>,
    /// `max_i growth_i / RW_i`.
    growth_ratio: f64,
}

impl Columns {
    fn build(
        lr: &LowRank,
        a: &DMatrix<f64>,
        yt: &DMatrix<f64>,
        bias: &[f64],
        exact: &Certify,
        exec: &dyn Executor,
    ) -> Columns {
        let xt = lr.patterns_transposed();
        let (m, n) = xt.shape();
        let x = xt.transpose();
        let blocks = n.div_ceil(COLUMN_BLOCK);
        let block = |b: usize| {
            let jb = b * COLUMN_BLOCK;
            let width = COLUMN_BLOCK.min(n - jb);
            (jb, width, jb + width)
        };
        // |Ŵ_ij − (the plain dynamics' w_ij)| ≤ 2 e_i: both are f64 products of the same
        // factors, each within γ_M Σ_u |X_iu| (|Ŷ_uj| + Σ_v |A_uv| |X_jv|) of X A Xᵀ.
        let mf = m as f64;
        let gamma = mf * U64 / (1.0 - mf * U64);
        let colsum: Vec<f64> = a
            .column_iter()
            .map(|c| c.iter().map(|v| v.abs()).sum())
            .collect();
        let ycol_max = yt
            .column_iter()
            .map(|c| c.iter().map(|v| v.abs()).sum::<f64>())
            .fold(0.0, f64::max);
        let ax_max = xt
            .column_iter()
            .map(|c| c.iter().zip(&colsum).map(|(x, s)| x.abs() * s).sum::<f64>())
            .fold(0.0, f64::max);
        // One task per block of columns: the products on and above the diagonal of its
        // columns (half of all products), rounded to `f32` once each and written twice: to
        // its own columns (rows up to the diagonal), and mirrored (`w_ij = w_ji`, so that `Ŵ`
        // is exactly symmetric) below the diagonal of its diagonal block and of the blocks
        // to its left. The tallest blocks go first, so that the last tasks are short. Every
        // value is written.
        let mut w = vec![0.0f32; n * n];
        let parts = Parts::new(w.chunks_mut((COLUMN_BLOCK * n).max(1)));
        run_all(exec, blocks, &|t| {
            let b = blocks - 1 - t;
            let (jb, width, height) = block(b);
            let mut product = super::pool::take::<f64>(height * width);
            DMatrixViewMut::from_slice(&mut product, height, width).gemm(
                1.0,
                &x.rows(0, height),
                &yt.columns(jb, width),
                0.0,
            );
            // Row `r` of column `jb + c` of the products.
            let p = |r: usize, c: usize| -> f32 {
                #[allow(clippy::cast_possible_truncation)]
                {
                    product[c * height + r] as f32
                }
            };
            parts.with(b, |part| {
                for c in 0..width {
                    let j = jb + c;
                    let col = &mut part[c * n..c * n + height];
                    for (d, &v) in col[..j].iter_mut().zip(&product[c * height..]) {
                        #[allow(clippy::cast_possible_truncation)]
                        {
                            *d = v as f32;
                        }
                    }
                    #[allow(clippy::cast_possible_truncation)]
                    {
                        col[j] = lr.self_coupling(j) as f32;
                    }
                    for (i, d) in col.iter_mut().enumerate().skip(j + 1) {
                        *d = p(j, i - jb);
                    }
                }
            });
            for left in 0..b {
                let (jl, width_l, _) = block(left);
                // In tiles of eight by eight: eight lines read, eight written.
                parts.with(left, |part| {
                    for k0 in (0..width_l).step_by(8) {
                        let k1 = (k0 + 8).min(width_l);
                        for c in 0..width {
                            let src = &product[c * height + jl + k0..c * height + jl + k1];
                            for (k, &v) in (k0..k1).zip(src) {
                                #[allow(clippy::cast_possible_truncation)]
                                {
                                    part[k * n + jb + c] = v as f32;
                                }
                            }
                        }
                    }
                });
            }
            super::pool::give(product);
        });
        // Then, per column (per row: `Ŵ` is symmetric), the constants of the bound from its
        // largest and summed magnitudes.
        let constants = Parts::new((0..blocks).map(|_| Vec::<(f64, f64)>::new()));
        run_all(exec, blocks, &|b| {
            let (jb, width, _) = block(b);
            let column_constants = parts.with(b, |part| {
                (0..width)
                    .map(|k| {
                        let i = jb + k;
                        let (wmax, wsum) = abs_max_and_sum(&part[k * n..(k + 1) * n]);
                        let xmax = xt.column(i).iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
                        let e = 1.01 * gamma * xmax * (ycol_max + ax_max);
                        // |Ŵ| ≤ |fl32(Ŵ)| (1 + 2u32).
                        let wmax = wmax * (1.0 + 2.0 * U32) + e;
                        let rw = (wsum * (1.0 + 2.0 * U32) + n as f64 * e + bias[i].abs())
                            * (1.0 + 1e-9);
                        // A flip of ±span (≤ 2) adds span · fl32(Ŵ_ij): off by span
                        // (u32 |Ŵ_ij| + 2 e_i) from the plain dynamics' increment, then one f32
                        // addition rounds by u32 times a field within 1 % of RW_i; the plain
                        // dynamics' own rounding per flip is the f64 kernel's `base_i · c1`.
                        let g = 1.05 * (2.0 * (U32 * wmax + 2.0 * e) + 1.01 * U32 * rw)
                            + exact.base[i] * exact.c1;
                        (g, rw)
                    })
                    .collect::<Vec<_>>()
            });
            constants.with(b, |c| *c = column_constants);
        });
        drop(parts);
        let mut growth = Vec::with_capacity(n);
        let mut inv_rw = Vec::with_capacity(n);
        let mut growth_ratio = 0.0f64;
        for (g, rw) in constants.into_inner().into_iter().flatten() {
            growth.push(g);
            if rw > 0.0 {
                inv_rw.push(1.0 / rw);
                growth_ratio = growth_ratio.max(g / rw);
            } else {
                inv_rw.push(0.0);
            }
        }
        Columns {
            n,
            w,
            growth,
            inv_rw,
            growth_ratio: growth_ratio * (1.0 + 1e-9),
        }
    }

    #[inline]
    fn column(&self, j: usize) -> &[f32] {
        &self.w[j * self.n..(j + 1) * self.n]
    }
}

/// `(max_j |v_j|, Σ_j |v_j|)` in `f64`, with eight lanes (vectorizes). The terms are exact in
/// `f64`; the order of the sum moves only its last bits (relative `N u64`), far inside the
/// margins of the bounds built from it.
fn abs_max_and_sum(col: &[f32]) -> (f64, f64) {
    let (mut mx, mut sm) = ([0.0f64; 8], [0.0f64; 8]);
    let chunks = col.chunks_exact(8);
    let tail = chunks.remainder();
    for ch in chunks {
        for k in 0..8 {
            let v = f64::from(ch[k]).abs();
            mx[k] = if v > mx[k] { v } else { mx[k] };
            sm[k] += v;
        }
    }
    for &v in tail {
        let v = f64::from(v).abs();
        mx[0] = if v > mx[0] { v } else { mx[0] };
        sm[0] += v;
    }
    (mx.iter().copied().fold(0.0, f64::max), sm.iter().sum())
}

/// The three tiers over one plan's kernels.
pub(crate) struct ColumnKernel<'k, 'a> {
    /// The `f32` low-rank kernel (first fields, resynchronizations, tier-1 bound of a product).
    pub(crate) fast: &'k LowRankKernel<'a, f32>,
    /// The `f64` low-rank kernel (tier 2).
    pub(crate) exact: &'k LowRankKernel<'a, f64>,
    pub(crate) columns: &'k Columns,
}

impl Kernel<f32> for ColumnKernel<'_, '_> {
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
        let magnitude = self.fast.magnitude(mo, p);
        let mut s_col = batch.s.column_mut(p);
        let mut h_col = h.column_mut(p);
        let mut m_col = mo.column_mut(p);
        let mut probe = ColumnProbe {
            k: self,
            s: s_col.as_mut_slice(),
            h: h_col.as_mut_slice(),
            m: m_col.as_mut_slice(),
            q64: Vec::new(),
            q_current: false,
            flips: 0,
            since: 0,
            since_max: 0,
            k_sync: 0.0,
            magnitude,
            tier1: false,
            tie,
            high,
            low,
        };
        probe.bound_from_sync();
        let (termination, steps, flips) =
            run_async(&mut probe, config.schedule, config.max_steps, rng)?;
        let energy = self.fast.energy_of(probe.s, probe.m);
        Some((termination, steps, flips, energy))
    }
}

struct ColumnProbe<'p, 'k, 'a> {
    k: &'p ColumnKernel<'k, 'a>,
    s: &'p mut [f32],
    h: &'p mut [f32],
    /// The overlaps `Xᵀ s`: exact integers.
    m: &'p mut [f32],
    /// `A m` in `f64`, when `q_current`.
    q64: Vec<f64>,
    q_current: bool,
    flips: u64,
    /// Flips since the fields were last computed from the overlaps.
    since: u64,
    /// Resynchronize when `since` reaches this.
    since_max: u64,
    /// `c0 + c1 · flips` of the `f32` product bound at the last computation.
    k_sync: f64,
    /// The `f32` product bound's per-state magnitude at the last computation.
    magnitude: f64,
    /// Whether tier 1 may decide.
    tier1: bool,
    tie: TieRule,
    high: f32,
    low: f32,
}

impl ColumnProbe<'_, '_, '_> {
    /// The tier-1 bound right after a product: fixes `k_sync` and how many flips may follow.
    fn bound_from_sync(&mut self) {
        let cert = self.k.fast.certify();
        self.k_sync = cert.c0 + cert.c1 * self.flips as f64;
        let cols = self.k.columns;
        let mut ratio = 0.0f64;
        for i in 0..cols.n {
            ratio = ratio.max(self.product_bound(i) * cols.inv_rw[i]);
        }
        let room = DRIFT - ratio * (1.0 + 1e-9);
        self.tier1 = room > 0.0;
        self.since = 0;
        self.since_max = if !self.tier1 {
            u64::MAX
        } else if cols.growth_ratio > 0.0 {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            {
                (room / cols.growth_ratio).floor().min(1e15) as u64
            }
        } else {
            u64::MAX
        };
    }

    /// The bound on the last `f32` product's distance from the plain dynamics' field.
    #[inline]
    fn product_bound(&self, i: usize) -> f64 {
        let cert = self.k.fast.certify();
        cert.base[i] * self.k_sync + cert.scaled[i] * self.magnitude + cert.fixed[i]
    }

    /// Recomputes the `f32` fields from the overlaps (`O(N M)`).
    fn resync(&mut self) {
        let fast = self.k.fast;
        fast.fields_of_one(self.s, self.m, self.h);
        self.magnitude = fast.magnitude_of(self.m);
        self.bound_from_sync();
    }

    /// Tier 2: neuron `i`'s field in `f64` from the exact overlaps.
    fn exact_field(&mut self, i: usize) -> f64 {
        let exact = self.k.exact;
        if !self.q_current {
            exact.coefficients_times(self.m, &mut self.q64);
            self.q_current = true;
        }
        exact.field_from_q(i, &self.q64, f64::from(self.s[i]))
    }
}

impl Oracle for ColumnProbe<'_, '_, '_> {
    fn n(&self) -> usize {
        self.s.len()
    }

    #[inline]
    fn would_flip(&mut self, i: usize) -> Option<bool> {
        let is_high = self.s[i] == self.high;
        if self.tier1 {
            let f = f64::from(self.h[i]);
            let thr = self.product_bound(i) + self.k.columns.growth[i] * self.since as f64;
            if f.abs() > thr {
                return Some((f > 0.0) != is_high);
            }
        }
        let f = self.exact_field(i);
        if !self.k.exact.certify().certain(i, f, self.flips) {
            return None;
        }
        Some(self.tie.next_is_high(f, is_high) != is_high)
    }

    #[inline]
    fn flip(&mut self, i: usize) {
        let delta = toggle(self.s, i, self.low, self.high);
        axpy(delta, self.k.columns.column(i), self.h);
        axpy(delta, self.k.fast.xcol(i), self.m);
        self.flips += 1;
        self.since += 1;
        self.q_current = false;
        if self.since >= self.since_max {
            self.resync();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::abs_max_and_sum;

    #[test]
    fn lane_sums_match_the_plain_fold() {
        for len in [0usize, 1, 7, 8, 9, 64, 101] {
            let col: Vec<f32> = (0..len)
                .map(|k| ((k * 37 % 23) as f32 - 11.0) * 0.375)
                .collect();
            let (mx, sm) = abs_max_and_sum(&col);
            let plain_max = col.iter().map(|v| f64::from(v.abs())).fold(0.0, f64::max);
            let plain_sum: f64 = col.iter().map(|v| f64::from(v.abs())).sum();
            assert_eq!(mx, plain_max, "{len}");
            // Multiples of 1/8 below 2^20: every partial sum is exact in either order.
            assert_eq!(sm, plain_sum, "{len}");
        }
    }
}

/// The columns split over executors (threads, and executors that skip or repeat tasks).
#[cfg(test)]
mod build_tests {
    use nalgebra::DMatrix;

    use super::super::exec::testing::{Skipping, Threads, Twice};
    use super::super::exec::{Executor, Sequential};
    use super::super::{BatchPlan, Engine};
    use super::Columns;
    use crate::couplings::{DiagonalPolicy, LowRank};
    use crate::network::Network;
    use crate::state::Encoding;

    /// `n × m` pseudo-random ±1 patterns.
    fn patterns(n: usize, m: usize, seed: u64) -> DMatrix<f64> {
        let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        DMatrix::from_fn(n, m, |_, _| {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            if z & 1 == 0 { 1.0 } else { -1.0 }
        })
    }

    fn build(net: &Network<LowRank>, exec: &dyn Executor) -> Columns {
        let plan = BatchPlan::new(net).unwrap();
        match &plan.engine {
            Engine::LowRankMixed {
                asynchronous,
                columns: Some(source),
                ..
            } => source.build(asynchronous, exec),
            _ => panic!("not a certified plan with columns"),
        }
    }

    /// Every executor gives the same columns and bounds, bit for bit; the columns are exactly
    /// symmetric, carry the self-couplings on the diagonal and round `X A Xᵀ`. Sizes cover
    /// one block, a block and one column, and partial last blocks.
    #[test]
    fn every_executor_builds_the_same_symmetric_columns() {
        for (n, m) in [(1, 16), (63, 16), (64, 17), (65, 16), (150, 20), (200, 16)] {
            let x = patterns(n, m, n as u64);
            let gram = x.transpose() * &x;
            let a = gram.pseudo_inverse(1e-9).unwrap();
            let a = (&a + a.transpose()) * 0.5;
            for policy in [DiagonalPolicy::SelfCoupling, DiagonalPolicy::Zero] {
                let lr = LowRank::new(x.clone(), a.clone(), policy).unwrap();
                let net = Network::new(lr, Encoding::Bipolar);
                let plain = build(&net, &Sequential);
                let w = DMatrix::from_column_slice(n, n, &plain.w);
                assert_eq!(w, w.transpose(), "n = {n}: not symmetric");
                let dense = net.couplings().to_dense_matrix();
                let top = dense.amax();
                for (got, want) in w.iter().zip(dense.iter()) {
                    assert!((f64::from(*got) - want).abs() <= 1e-6 * top, "n = {n}");
                }
                let execs: [&dyn Executor; 3] = [&Threads, &Skipping, &Twice];
                for exec in execs {
                    let other = build(&net, exec);
                    assert_eq!(other.w, plain.w, "n = {n}");
                    assert_eq!(other.growth, plain.growth, "n = {n}");
                    assert_eq!(other.inv_rw, plain.inv_rw, "n = {n}");
                    assert_eq!(other.growth_ratio, plain.growth_ratio, "n = {n}");
                }
            }
        }
    }
}
