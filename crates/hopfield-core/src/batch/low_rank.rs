//! The low-rank kernel: overlaps `m = Xᵀ s` per state, fields `h = X (A m) + d ∘ s + b`.

use std::borrow::Cow;

use nalgebra::{DMatrix, DMatrixViewMut, DVector};
use rand::Rng;

use super::exec::{COLUMN_BLOCK, Executor, Parts, run_all};
use super::runner::{Oracle, run_async};
use super::{
    Batch, Certify, Dyadic, Engine, Kernel, MAX_BATCH_ELEMENTS, Outcome, Precision, Real, U32, U64,
    axpy, dot, dot_map, toggle,
};
use crate::couplings::{Coefficients, LowRank};
use crate::dynamics::RunConfig;
use crate::error::{CoreError, Result};
use crate::state::TieRule;

enum Coef<'a, T: Real> {
    Scale(T),
    Matrix {
        a: &'a DMatrix<f64>,
        yt: &'a DMatrix<f64>,
        /// `A` in the kernel's scalar type.
        a_t: DMatrix<T>,
    },
}

pub(crate) struct LowRankKernel<'a, T: Real> {
    /// `Xᵀ` (`M × N`).
    xt: Cow<'a, DMatrix<T>>,
    /// `X` (`N × M`), for the products `H = X Q`.
    x: DMatrix<T>,
    coef: Coef<'a, T>,
    corr: Vec<T>,
    bias: Vec<T>,
    bias64: Vec<f64>,
    corr64: Vec<f64>,
    cert: Certify,
    /// `c_v = Σ_u |A_uv|` when the certifier scales with `T = Σ_v c_v |m_v|`.
    colsum: Vec<f64>,
    precision: Precision,
}

pub(crate) fn plan<'a>(lr: &'a LowRank, bias: &[f64]) -> Result<Engine<'a>> {
    let xt = lr.patterns_transposed();
    let (m, n) = xt.shape();
    let corr = lr.correction();
    // K_u = Σ_i |X_iu| bounds |m_u| for every ±1 or 0/1 state.
    let mut k = vec![0.0f64; m];
    for col in xt.as_slice().chunks_exact(m) {
        for (kv, v) in k.iter_mut().zip(col) {
            *kv += v.abs();
        }
    }
    let mut x_dyadic = Dyadic::new();
    x_dyadic.add_all(xt.as_slice());
    let mut c_dyadic = Dyadic::new();
    for (&c, &b) in corr.iter().zip(bias) {
        c_dyadic.add(c);
        c_dyadic.add(b);
    }
    // Σ_v |A_uv| K_v (a bound on |q_u|).
    let aq: Vec<f64> = match lr.coef() {
        Coefficients::Scale(s) => {
            c_dyadic.add(*s);
            k.iter().map(|kv| s.abs() * kv).collect()
        }
        Coefficients::Matrix { a, .. } => {
            c_dyadic.0 = None;
            (a.abs() * DVector::from_column_slice(&k))
                .iter()
                .copied()
                .collect()
        }
    };
    let mut sum_xk_max = 0.0f64;
    // The bounds below are sums of non-negative terms, so the order of summation only moves
    // their last bits.
    let r: Vec<f64> = xt
        .as_slice()
        .chunks_exact(m.max(1))
        .take(n)
        .enumerate()
        .map(|(i, col)| {
            let xq = dot_map(col, &aq, f64::abs);
            sum_xk_max = sum_xk_max.max(dot_map(col, &k, f64::abs));
            xq + corr[i].abs() + bias[i].abs()
        })
        .collect();
    let max_abs = r
        .iter()
        .chain(&aq)
        .chain(&k)
        .copied()
        .fold(sum_xk_max, f64::max);
    let exact = if x_dyadic.0 == Some(0) {
        c_dyadic.precision(max_abs)
    } else {
        None
    };
    let corr64 = corr.to_vec();
    Ok(match (exact, lr.coef()) {
        (Some(Precision::ExactF32), Coefficients::Scale(s)) => {
            if m.checked_mul(n).is_none_or(|e| e > MAX_BATCH_ELEMENTS / 2) {
                return Err(CoreError::InvalidParameter {
                    name: "network",
                    reason: format!("{m} × {n} pattern values exceed the batch engine's limit"),
                });
            }
            Engine::LowRank32 {
                columns: super::columns::worthwhile(n, m)
                    .then(|| super::exact_columns::ExactColumnSource::new(n)),
                kernel: LowRankKernel {
                    xt: Cow::Owned(xt.map(f32::of)),
                    x: xt.transpose().map(f32::of),
                    coef: Coef::Scale(f32::of(*s)),
                    corr: corr.iter().map(|&c| f32::of(c)).collect(),
                    bias: bias.iter().map(|&b| f32::of(b)).collect(),
                    bias64: bias.to_vec(),
                    corr64,
                    cert: Certify::exact(),
                    colsum: Vec::new(),
                    precision: Precision::ExactF32,
                },
            }
        }
        (None, Coefficients::Matrix { a, yt }) => {
            // Synchronous steps recompute every field from the overlaps, so their own rounding
            // does not accumulate: run them in f32 and certify against f32 rounding of one
            // product plus the plain dynamics' f64 rounding. Asynchronous updates accumulate,
            // so they stay in f64.
            if m.checked_mul(n).is_none_or(|e| e > MAX_BATCH_ELEMENTS / 2) {
                return Err(CoreError::InvalidParameter {
                    name: "network",
                    reason: format!("{m} × {n} pattern values exceed the batch engine's limit"),
                });
            }
            let mf = m as f64;
            // Integer patterns give exact overlaps in f32 while every |m_u| ≤ K_u < 2²⁴.
            let exact_overlaps = x_dyadic.0 == Some(0) && k.iter().all(|&kv| kv < 16_777_216.0);
            let x_term = if exact_overlaps { 0.0 } else { n as f64 };
            let base: Vec<f64> = r.iter().map(|&ri| 2.2 * ri * (1.0 + 1e-6)).collect();
            let sync = LowRankKernel {
                xt: Cow::Owned(xt.map(f32::of)),
                x: xt.transpose().map(f32::of),
                coef: Coef::Matrix {
                    a,
                    yt,
                    a_t: a.map(f32::of),
                },
                corr: corr.iter().map(|&c| f32::of(c)).collect(),
                bias: bias.iter().map(|&b| f32::of(b)).collect(),
                bias64: bias.to_vec(),
                corr64: corr64.clone(),
                // The plain dynamics' f64 rounding: static. Our f32 rounding: the products
                // q = A m and X q round by at most (2M + 4) u32 Σ_u |X_iu| Σ_v |A_uv| |m_v|
                // ≤ (2M + 4) u32 max_u |X_iu| · T with T = Σ_v c_v |m_v|, c_v = Σ_u |A_uv|;
                // d_i, b_i and the last additions add a few u32 (|d_i| + |b_i|); inexact
                // overlaps (non-integer patterns) add N u32 R_i.
                cert: Certify::new(
                    base.clone(),
                    U64 * (n as f64 + 2.0 * mf + 8.0) + U32 * x_term,
                    U64 * (4.0 * mf + 8.0),
                    (0..n)
                        .map(|i| {
                            let xmax = xt.column(i).iter().fold(0.0f64, |a, v| a.max(v.abs()));
                            2.2 * U32 * (2.0 * mf + 8.0) * xmax * (1.0 + 1e-6)
                        })
                        .collect(),
                    (0..n)
                        .map(|i| 2.2 * U32 * 4.0 * (corr[i].abs() + bias[i].abs()) * (1.0 + 1e-6))
                        .collect(),
                ),
                colsum: a
                    .row_iter()
                    .map(|row| row.iter().map(|v| v.abs()).sum())
                    .collect(),
                precision: Precision::Certified,
            };
            let asynchronous = LowRankKernel {
                xt: Cow::Borrowed(xt),
                x: xt.transpose(),
                coef: Coef::Matrix {
                    a,
                    yt,
                    a_t: a.clone(),
                },
                corr: corr.to_vec(),
                bias: bias.to_vec(),
                bias64: bias.to_vec(),
                corr64,
                cert: Certify::static_bound(
                    base,
                    U64 * (n as f64 + 2.0 * mf + 8.0),
                    U64 * (4.0 * mf + 8.0),
                ),
                colsum: Vec::new(),
                precision: Precision::Certified,
            };
            let columns = (exact_overlaps && super::columns::worthwhile(n, m))
                .then(|| super::columns::ColumnSource::new(lr, a, yt, bias));
            Engine::LowRankMixed {
                sync,
                asynchronous,
                columns,
            }
        }
        (exact, coef) => {
            let coef = match coef {
                Coefficients::Scale(s) => Coef::Scale(*s),
                Coefficients::Matrix { a, yt } => Coef::Matrix {
                    a,
                    yt,
                    a_t: a.clone(),
                },
            };
            let (cert, precision) = match exact {
                Some(p) => (Certify::exact(), p),
                None => {
                    let mf = m as f64;
                    (
                        Certify::static_bound(
                            r.iter().map(|&ri| 2.2 * U64 * ri * (1.0 + 1e-6)).collect(),
                            n as f64 + 2.0 * mf + 8.0,
                            4.0 * mf + 8.0,
                        ),
                        Precision::Certified,
                    )
                }
            };
            Engine::LowRank64(LowRankKernel {
                xt: Cow::Borrowed(xt),
                x: xt.transpose(),
                coef,
                corr: corr.to_vec(),
                bias: bias.to_vec(),
                bias64: bias.to_vec(),
                corr64,
                cert,
                colsum: Vec::new(),
                precision,
            })
        }
    })
}

impl<T: Real> LowRankKernel<'_, T> {
    pub(crate) fn precision(&self) -> Precision {
        self.precision
    }

    fn m(&self) -> usize {
        self.xt.nrows()
    }

    #[inline]
    pub(super) fn xcol(&self, i: usize) -> &[T] {
        let m = self.m();
        &self.xt.as_slice()[i * m..(i + 1) * m]
    }

    /// `X (A Mk)` (or `X (a Mk)` for a scale), allocated without zeroing.
    /// (The matrix comes from the thread's buffer pool.)
    fn products(&self, mk: &DMatrix<T>) -> DMatrix<T> {
        let (n, k) = (self.x.nrows(), mk.ncols());
        let mut hk = DMatrix::from_vec(n, k, super::pool::take(n * k));
        match &self.coef {
            Coef::Scale(s) => {
                // `X Mk` then one multiplication by `s`: the rounding of `gemm(s, X, Mk)`.
                hk.gemm(T::one(), &self.x, mk, T::zero());
                if *s != T::one() {
                    hk *= *s;
                }
            }
            Coef::Matrix { a_t, .. } => hk.gemm(T::one(), &self.x, &(a_t * mk), T::zero()),
        }
        hk
    }

    /// Adds `d ∘ s + b` to one state's `X A m`.
    #[inline]
    fn finish_fields(&self, hp: &mut [T], sp: &[T]) {
        for ((h, &s), (&d, &b)) in hp.iter_mut().zip(sp).zip(self.corr.iter().zip(&self.bias)) {
            *h = *h + d * s + b;
        }
    }

    /// `H[:, cols] = X A Mo[:, cols] + d ∘ S[:, cols] + b`.
    fn fields_into(&self, batch: &Batch<T>, mo: &DMatrix<T>, h: &mut DMatrix<T>, cols: &[usize]) {
        if cols.is_empty() {
            return;
        }
        let (m, n) = self.xt.shape();
        let mk = DMatrix::from_fn(m, cols.len(), |u, c| mo[(u, cols[c])]);
        let hk = self.products(&mk);
        for (c, &p) in cols.iter().enumerate() {
            let hp = &mut h.as_mut_slice()[p * n..(p + 1) * n];
            hp.copy_from_slice(&hk.as_slice()[c * n..(c + 1) * n]);
            self.finish_fields(hp, &batch.s.as_slice()[p * n..(p + 1) * n]);
        }
        super::pool::give(hk.data.into());
    }

    /// The couplings as dense columns, column-major `N × N`: `a X Xᵀ` plus the diagonal
    /// correction, in `T`, built in blocks of [`COLUMN_BLOCK`] columns (one task of `exec`
    /// each). Only for a scale coefficient, and exact for the exact `f32` kernel, whose values
    /// are all multiples of one power of two well inside `f32`'s exact range: the result does
    /// not depend on how the products are split.
    pub(super) fn exact_columns(&self, exec: &dyn Executor) -> Vec<T> {
        debug_assert!(matches!(self.coef, Coef::Scale(_)));
        let n = self.n();
        if n == 0 {
            return Vec::new();
        }
        let scale = match &self.coef {
            Coef::Scale(s) => *s,
            Coef::Matrix { .. } => T::one(),
        };
        let mut w = vec![T::zero(); n * n];
        let blocks = n.div_ceil(COLUMN_BLOCK);
        let parts = Parts::new(w.chunks_mut(COLUMN_BLOCK * n));
        run_all(exec, blocks, &|b| {
            let jb = b * COLUMN_BLOCK;
            let width = COLUMN_BLOCK.min(n - jb);
            parts.with(b, |part| {
                let mut c = DMatrixViewMut::from_slice(part, n, width);
                c.gemm(scale, &self.x, &self.xt.columns(jb, width), T::zero());
                for k in 0..width {
                    c[(jb + k, k)] += self.corr[jb + k];
                }
            });
        });
        drop(parts);
        w
    }

    /// One state's fields from its overlaps: `h = X (A m) + d ∘ s + b` (`O(N M)`).
    pub(super) fn fields_of_one(&self, s: &[T], m: &[T], h: &mut [T]) {
        let q: Vec<T> = match &self.coef {
            Coef::Scale(a) => m.iter().map(|&v| *a * v).collect(),
            Coef::Matrix { a_t, .. } => {
                let mut q = vec![T::zero(); m.len()];
                for (v, &mv) in m.iter().enumerate() {
                    axpy(mv, a_t.column(v).as_slice(), &mut q);
                }
                q
            }
        };
        for (i, hi) in h.iter_mut().enumerate() {
            *hi = dot(self.xcol(i), &q) + self.corr[i] * s[i] + self.bias[i];
        }
    }

    /// The per-state magnitude of the certifier for overlaps `m` (see
    /// [`Kernel::magnitude`]).
    pub(super) fn magnitude_of(&self, m: &[T]) -> f64 {
        m.iter()
            .zip(&self.colsum)
            .map(|(v, c)| v.to64().abs() * c)
            .sum::<f64>()
            * (1.0 + 1e-9)
    }

    /// `q = A m` in `f64` (`A` symmetric: a sum of its columns). Empty for a scale.
    pub(super) fn coefficients_times<S: Real>(&self, m: &[S], q: &mut Vec<f64>) {
        q.clear();
        q.resize(m.len(), 0.0);
        match &self.coef {
            Coef::Scale(a) => {
                for (qu, &mu) in q.iter_mut().zip(m) {
                    *qu = a.to64() * mu.to64();
                }
            }
            Coef::Matrix { a, .. } => {
                for (v, &mv) in m.iter().enumerate() {
                    axpy(mv.to64(), a.column(v).as_slice(), q);
                }
            }
        }
    }

    /// `−½ Σ d_i s_i² − bᵀ s`, the part of the energy outside pattern space.
    fn energy_rest(&self, s: &[T]) -> f64 {
        // Four partial sums each, so that the loop vectorizes.
        let mut diag = [0.0f64; 4];
        let mut lin = [0.0f64; 4];
        let chunks = s
            .chunks_exact(4)
            .zip(self.corr64.chunks_exact(4))
            .zip(self.bias64.chunks_exact(4));
        for ((sc, dc), bc) in chunks {
            for k in 0..4 {
                let si = sc[k].to64();
                diag[k] += dc[k] * si * si;
                lin[k] += bc[k] * si;
            }
        }
        let tail = s.len() - s.len() % 4;
        let (mut d, mut l) = (
            (diag[0] + diag[2]) + (diag[1] + diag[3]),
            (lin[0] + lin[2]) + (lin[1] + lin[3]),
        );
        for ((&si, &di), &bi) in s[tail..]
            .iter()
            .zip(&self.corr64[tail..])
            .zip(&self.bias64[tail..])
        {
            let si = si.to64();
            d += di * si * si;
            l += bi * si;
        }
        -0.5 * d - l
    }

    /// `E = −½ (mᵀ A m + Σ d_i s_i²) − bᵀ s`.
    pub(super) fn energy_of(&self, s: &[T], m: &[T]) -> f64 {
        let quad = match &self.coef {
            Coef::Scale(a) => a.to64() * m.iter().map(|v| v.to64() * v.to64()).sum::<f64>(),
            // Σ_v m_v (A m)_v, column by column of A (eight partial sums each).
            Coef::Matrix { a, .. } => {
                let m64: Vec<f64> = m.iter().map(|v| v.to64()).collect();
                m64.iter()
                    .enumerate()
                    .map(|(v, &mv)| mv * dot(a.column(v).as_slice(), &m64))
                    .sum()
            }
        };
        -0.5 * quad + self.energy_rest(s)
    }
}

impl LowRankKernel<'_, f64> {
    /// Neuron `i`'s field `x_i · q + d_i s_i + b_i` from `q = A m` (see
    /// [`coefficients_times`](Self::coefficients_times)): the `f64` kernel's formula, so its
    /// certifier applies.
    #[inline]
    pub(super) fn field_from_q(&self, i: usize, q: &[f64], s_i: f64) -> f64 {
        dot(self.xcol(i), q) + self.corr[i] * s_i + self.bias[i]
    }
}

impl<T: Real> Kernel<T> for LowRankKernel<'_, T> {
    type Aux = DMatrix<T>;

    fn n(&self) -> usize {
        self.xt.ncols()
    }

    fn certify(&self) -> &Certify {
        &self.cert
    }

    fn start(&self, batch: &Batch<T>) -> (DMatrix<T>, DMatrix<T>) {
        // Every state: the products straight into `H`, no gathering or copying.
        let n = batch.s.nrows();
        let mo = &*self.xt * &batch.s;
        let mut h = self.products(&mo);
        for (hp, sp) in h
            .as_mut_slice()
            .chunks_exact_mut(n)
            .zip(batch.s.as_slice().chunks_exact(n))
        {
            self.finish_fields(hp, sp);
        }
        (h, mo)
    }

    fn sync_update(
        &self,
        batch: &Batch<T>,
        h: &mut DMatrix<T>,
        mo: &mut DMatrix<T>,
        moved: &[usize],
        ended: &[usize],
        flips: &[Vec<u32>],
    ) {
        let span = batch.span();
        for &p in moved.iter().chain(ended) {
            let sp = batch.s.column(p);
            let mut mp = mo.column_mut(p);
            let mp = mp.as_mut_slice();
            for &i in &flips[p] {
                let i = i as usize;
                let delta = if sp[i] == batch.high { span } else { -span };
                axpy(delta, self.xcol(i), mp);
            }
        }
        self.fields_into(batch, mo, h, moved);
    }

    fn magnitude(&self, mo: &DMatrix<T>, p: usize) -> f64 {
        if self.colsum.is_empty() {
            return 0.0;
        }
        self.magnitude_of(mo.column(p).as_slice())
    }

    fn energy(&self, batch: &Batch<T>, _: &DMatrix<T>, mo: &DMatrix<T>, p: usize) -> f64 {
        self.energy_of(batch.s.column(p).as_slice(), mo.column(p).as_slice())
    }

    /// With a coefficient matrix, `A M` for all the states at once (one `f64` product); with
    /// no bias and `±1` values, the part outside pattern space is the same for every state.
    fn energies(
        &self,
        batch: &Batch<T>,
        h: &DMatrix<T>,
        mo: &DMatrix<T>,
        ps: &[usize],
    ) -> Vec<f64> {
        if ps.len() <= 1 {
            return ps.iter().map(|&p| self.energy(batch, h, mo, p)).collect();
        }
        let n = batch.s.nrows();
        let unit = |v: T| v * v == T::one();
        // `d_i s_i² = d_i` exactly and `b_i s_i = 0`: `energy_rest` of any such state.
        let same_rest =
            (unit(batch.high) && unit(batch.low) && self.bias64.iter().all(|&b| b == 0.0))
                .then(|| self.energy_rest(&vec![T::one(); n]));
        let rest =
            |p: usize| same_rest.unwrap_or_else(|| self.energy_rest(batch.s.column(p).as_slice()));
        match &self.coef {
            Coef::Matrix { a, .. } => {
                let mk = DMatrix::<f64>::from_fn(self.m(), ps.len(), |u, c| mo[(u, ps[c])].to64());
                let q = *a * &mk;
                ps.iter()
                    .enumerate()
                    .map(|(c, &p)| {
                        let quad = dot(mk.column(c).as_slice(), q.column(c).as_slice());
                        -0.5 * quad + rest(p)
                    })
                    .collect()
            }
            Coef::Scale(a) => ps
                .iter()
                .map(|&p| {
                    let m = mo.column(p);
                    let quad = a.to64() * m.iter().map(|v| v.to64() * v.to64()).sum::<f64>();
                    -0.5 * quad + rest(p)
                })
                .collect(),
        }
    }

    fn run_async<R: Rng + ?Sized>(
        &self,
        batch: &mut Batch<T>,
        _: &mut DMatrix<T>,
        mo: &mut DMatrix<T>,
        p: usize,
        tie: TieRule,
        config: &RunConfig,
        rng: &mut R,
    ) -> Outcome {
        let (high, low) = (batch.high, batch.low);
        let mut s_col = batch.s.column_mut(p);
        let mut m_col = mo.column_mut(p);
        let mut probe = LowRankProbe {
            kernel: self,
            s: s_col.as_mut_slice(),
            m: m_col.as_mut_slice(),
            q: Vec::new(),
            flips: 0,
            tie,
            high,
            low,
        };
        let (termination, steps, flips) =
            run_async(&mut probe, config.schedule, config.max_steps, rng)?;
        let energy = self.energy_of(probe.s, probe.m);
        Some((termination, steps, flips, energy))
    }
}

struct LowRankProbe<'k, 'w, T: Real> {
    kernel: &'k LowRankKernel<'w, T>,
    s: &'k mut [T],
    m: &'k mut [T],
    /// `q = A m` for a coefficient matrix (f64 only; empty otherwise).
    q: Vec<T>,
    flips: u64,
    tie: TieRule,
    high: T,
    low: T,
}

impl<T: Real> Oracle for LowRankProbe<'_, '_, T> {
    fn n(&self) -> usize {
        self.s.len()
    }

    #[inline]
    fn would_flip(&mut self, i: usize) -> Option<bool> {
        let k = self.kernel;
        let x = k.xcol(i);
        let base = match &k.coef {
            Coef::Scale(s) => *s * dot(x, self.m),
            Coef::Matrix { .. } => dot(x, &self.q),
        };
        let f = (base + k.corr[i] * self.s[i] + k.bias[i]).to64();
        if !k.cert.certain(i, f, self.flips) {
            return None;
        }
        let is_high = self.s[i] == self.high;
        Some(self.tie.next_is_high(f, is_high) != is_high)
    }

    #[inline]
    fn flip(&mut self, i: usize) {
        let delta = toggle(self.s, i, self.low, self.high);
        let k = self.kernel;
        axpy(delta, k.xcol(i), self.m);
        if let Coef::Matrix { yt, .. } = &k.coef {
            let m = k.m();
            let col = &yt.as_slice()[i * m..(i + 1) * m];
            for (q, &y) in self.q.iter_mut().zip(col) {
                *q += delta * T::of(y);
            }
        }
        self.flips += 1;
    }

    fn refresh(&mut self) {
        if let Coef::Matrix { a, .. } = &self.kernel.coef {
            let m64 = DVector::from_iterator(self.m.len(), self.m.iter().map(|v| v.to64()));
            let q = *a * m64;
            self.q.clear();
            self.q.extend(q.iter().map(|&v| T::of(v)));
        }
    }
}
