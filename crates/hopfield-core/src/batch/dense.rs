//! The dense kernel: `H = W S` by matrix product, then column updates per flip.

use std::borrow::Cow;

use nalgebra::DMatrix;
use rand::Rng;

use super::runner::{Oracle, run_async};
use super::{
    Batch, Certify, Dyadic, Engine, Kernel, MAX_BATCH_ELEMENTS, Outcome, Precision, Real, U32, U64,
    axpy, dot, toggle,
};
use crate::dynamics::RunConfig;
use crate::error::{CoreError, Result};
use crate::state::TieRule;

/// A synchronous step with at most `N / INCREMENTAL_DIVISOR` flips updates the fields column
/// by column; more flips recompute them with one product over the batch.
const INCREMENTAL_DIVISOR: usize = 8;

pub(crate) struct DenseKernel<'a, T: Real + Clone> {
    w: Cow<'a, DMatrix<T>>,
    bias: Vec<T>,
    bias64: Vec<f64>,
    cert: Certify,
    precision: Precision,
}

impl<T: Real> DenseKernel<'_, T> {
    pub(crate) fn precision(&self) -> Precision {
        self.precision
    }

    #[inline]
    fn column(&self, j: usize) -> &[T] {
        let n = self.w.nrows();
        &self.w.as_slice()[j * n..(j + 1) * n]
    }
}

/// `R_i = Σ_j |w_ij| + |b_i|` and the dyadic exponent of all weights and biases.
fn scan<W: Copy>(w: &DMatrix<W>, bias: &[f64], widen: impl Fn(W) -> f64) -> (Vec<f64>, Dyadic) {
    let n = w.nrows();
    let mut dyadic = Dyadic::new();
    dyadic.add_all(bias);
    let mut col_abs = vec![0.0f64; n];
    let ones = vec![1.0f64; n];
    let mut r = Vec::with_capacity(n);
    for (j, col) in w.as_slice().chunks_exact(n.max(1)).enumerate().take(n) {
        // Column j is row j (W is symmetric). Whether a value is a dyadic multiple does not
        // depend on its sign, and the order of a sum of non-negative terms only moves its
        // last bits, far inside the bounds' margin.
        for (a, &v) in col_abs.iter_mut().zip(col) {
            *a = widen(v).abs();
        }
        dyadic.add_all(&col_abs);
        r.push(bias[j].abs() + dot(&col_abs, &ones));
    }
    (r, dyadic)
}

fn check_elements(n: usize) -> Result<()> {
    match n.checked_mul(n) {
        Some(e) if e <= MAX_BATCH_ELEMENTS => Ok(()),
        _ => Err(CoreError::InvalidParameter {
            name: "network",
            reason: format!("{n} × {n} weights exceed the batch engine's limit"),
        }),
    }
}

fn certified(r: &[f64], u: f64) -> Certify {
    let n = r.len() as f64;
    // Products w_ij s_j and Δ w_ij are exact; each addition rounds once, relative to a
    // partial sum bounded by R_i (1 + small): N + 1 additions for a product, one per flip.
    Certify::static_bound(
        r.iter().map(|&ri| 2.2 * u * ri * (1.0 + 1e-6)).collect(),
        n + 8.0,
        8.0,
    )
}

pub(crate) fn plan_f64<'a>(w: &'a DMatrix<f64>, bias: &[f64]) -> Result<Engine<'a>> {
    let (r, dyadic) = scan(w, bias, |v| v);
    let max_r = r.iter().copied().fold(0.0, f64::max);
    Ok(match dyadic.precision(max_r) {
        Some(Precision::ExactF32) => {
            check_elements(w.nrows())?;
            Engine::Dense32(DenseKernel {
                w: Cow::Owned(w.map(f32::of)),
                bias: bias.iter().map(|&b| f32::of(b)).collect(),
                bias64: bias.to_vec(),
                cert: Certify::exact(),
                precision: Precision::ExactF32,
            })
        }
        Some(_) => Engine::Dense64(DenseKernel {
            w: Cow::Borrowed(w),
            bias: bias.to_vec(),
            bias64: bias.to_vec(),
            cert: Certify::exact(),
            precision: Precision::ExactF64,
        }),
        None => Engine::Dense64(DenseKernel {
            w: Cow::Borrowed(w),
            bias: bias.to_vec(),
            bias64: bias.to_vec(),
            cert: certified(&r, U64),
            precision: Precision::Certified,
        }),
    })
}

pub(crate) fn plan_f32<'a>(w: &'a DMatrix<f32>, bias: &[f64]) -> Result<Engine<'a>> {
    let (r, dyadic) = scan(w, bias, f64::from);
    let max_r = r.iter().copied().fold(0.0, f64::max);
    let precision = dyadic.precision(max_r);
    if precision == Some(Precision::ExactF32) {
        return Ok(Engine::Dense32(DenseKernel {
            w: Cow::Borrowed(w),
            bias: bias.iter().map(|&b| f32::of(b)).collect(),
            bias64: bias.to_vec(),
            cert: Certify::exact(),
            precision: Precision::ExactF32,
        }));
    }
    check_elements(w.nrows())?;
    let (cert, precision) = match precision {
        Some(p) => (Certify::exact(), p),
        // The plain dynamics compute `Dense<f32>` products in f32: certify against f32
        // rounding.
        None => (certified(&r, U32), Precision::Certified),
    };
    Ok(Engine::Dense64(DenseKernel {
        w: Cow::Owned(w.map(f64::from)),
        bias: bias.to_vec(),
        bias64: bias.to_vec(),
        cert,
        precision,
    }))
}

impl<T: Real> DenseKernel<'_, T> {
    /// `H[:, cols] = W S[:, cols] + b` with one product.
    fn product_into(&self, batch: &Batch<T>, h: &mut DMatrix<T>, cols: &[usize]) {
        let n = self.w.nrows();
        if cols.is_empty() {
            return;
        }
        let mut sk = DMatrix::from_vec(n, cols.len(), super::pool::take(n * cols.len()));
        for (k, &p) in cols.iter().enumerate() {
            sk.column_mut(k).copy_from(&batch.s.column(p));
        }
        let mut hk = DMatrix::from_vec(n, cols.len(), super::pool::take(n * cols.len()));
        hk.gemm(T::one(), &*self.w, &sk, T::zero());
        for (k, &p) in cols.iter().enumerate() {
            let mut hp = h.column_mut(p);
            for i in 0..n {
                hp[i] = hk[(i, k)] + self.bias[i];
            }
        }
        super::pool::give(sk.data.into());
        super::pool::give(hk.data.into());
    }
}

impl<T: Real> Kernel<T> for DenseKernel<'_, T> {
    type Aux = ();

    fn n(&self) -> usize {
        self.w.nrows()
    }

    fn certify(&self) -> &Certify {
        &self.cert
    }

    fn start(&self, batch: &Batch<T>) -> (DMatrix<T>, ()) {
        let (n, b) = batch.s.shape();
        let mut h = DMatrix::from_vec(n, b, super::pool::take(n * b));
        h.gemm(T::one(), &*self.w, &batch.s, T::zero());
        for mut col in h.column_iter_mut() {
            for (v, &bi) in col.iter_mut().zip(&self.bias) {
                *v += bi;
            }
        }
        (h, ())
    }

    fn sync_update(
        &self,
        batch: &Batch<T>,
        h: &mut DMatrix<T>,
        _: &mut (),
        moved: &[usize],
        ended: &[usize],
        flips: &[Vec<u32>],
    ) {
        let n = self.w.nrows();
        let span = batch.span();
        let mut product = Vec::new();
        for &p in moved.iter().chain(ended) {
            let f = &flips[p];
            if f.len() * INCREMENTAL_DIVISOR <= n {
                let sp = batch.s.column(p);
                let mut hp = h.column_mut(p);
                let hp = hp.as_mut_slice();
                for &i in f {
                    let i = i as usize;
                    let delta = if sp[i] == batch.high { span } else { -span };
                    axpy(delta, self.column(i), hp);
                }
            } else {
                product.push(p);
            }
        }
        self.product_into(batch, h, &product);
    }

    fn energy(&self, batch: &Batch<T>, h: &DMatrix<T>, _: &(), p: usize) -> f64 {
        let s = batch.s.column(p);
        let hp = h.column(p);
        -0.5 * s
            .iter()
            .zip(hp.iter())
            .zip(&self.bias64)
            .map(|((s, f), b)| s.to64() * (f.to64() + b))
            .sum::<f64>()
    }

    fn run_async<R: Rng + ?Sized>(
        &self,
        batch: &mut Batch<T>,
        h: &mut DMatrix<T>,
        _: &mut (),
        p: usize,
        tie: TieRule,
        config: &RunConfig,
        rng: &mut R,
    ) -> Outcome {
        let (high, low) = (batch.high, batch.low);
        let mut s_col = batch.s.column_mut(p);
        let mut h_col = h.column_mut(p);
        let mut probe = DenseProbe {
            kernel: self,
            s: s_col.as_mut_slice(),
            h: h_col.as_mut_slice(),
            flips: 0,
            tie,
            high,
            low,
        };
        let (termination, steps, flips) =
            run_async(&mut probe, config.schedule, config.max_steps, rng)?;
        Some((termination, steps, flips, self.energy(batch, h, &(), p)))
    }
}

struct DenseProbe<'k, 'w, T: Real> {
    kernel: &'k DenseKernel<'w, T>,
    s: &'k mut [T],
    h: &'k mut [T],
    flips: u64,
    tie: TieRule,
    high: T,
    low: T,
}

impl<T: Real> Oracle for DenseProbe<'_, '_, T> {
    fn n(&self) -> usize {
        self.s.len()
    }

    #[inline]
    fn would_flip(&mut self, i: usize) -> Option<bool> {
        let f = self.h[i].to64();
        if !self.kernel.cert.certain(i, f, self.flips) {
            return None;
        }
        let is_high = self.s[i] == self.high;
        Some(self.tie.next_is_high(f, is_high) != is_high)
    }

    #[inline]
    fn flip(&mut self, i: usize) {
        let delta = toggle(self.s, i, self.low, self.high);
        axpy(delta, self.kernel.column(i), self.h);
        self.flips += 1;
    }
}
