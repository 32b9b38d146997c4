//! Perceptron-type rules: Liang, Wu & Yu's constrained perceptron,
//! Krauth & Mézard's minover (J. Phys. A 20, L745, 1987) and Gardner's perceptron with margin
//! κ (J. Phys. A 21, 257, 1988).

use hopfield_core::nalgebra::{DMatrix, DVector};
use hopfield_core::{Dense, DiagonalPolicy, Encoding, Network};

use super::fast::fast_matrix;
use super::lp::min_half_stability;
use super::{LearningRule, check_positive, invalid};
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

/// Comparisons of radii and stabilities use this tolerance (Liang, Wu & Yu's targets are
/// compared with it).
const TOL: f64 = 1e-9;

/// A pair's actual change that differs from its intended one by more than this was clipped.
const CLIP_EPS: f64 = 1e-12;

/// What a perceptron-type rule did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PerceptronReport {
    /// Sweeps over the patterns (constrained perceptron, Gardner) or single updates
    /// (Krauth–Mézard).
    pub iterations: usize,
    /// Constrained perceptron: the final per-pattern targets `f^u`; empty otherwise.
    pub targets: Vec<f64>,
    /// `½ min_{u,i} γ_i^u` of the returned network; equals `min F̃_i^u` only when
    /// `max |W_ij| = 1` (as for the constrained perceptron, not in general for
    /// Krauth–Mézard and Gardner).
    pub z: f64,
}

/// `Φ(x)`: clip to `[−1, 1]`.
#[inline]
fn phi(x: f64) -> f64 {
    x.clamp(-1.0, 1.0)
}

/// Liang, Wu & Yu's constrained perceptron learning (their steps 1–4).
///
/// Starts from the [`super::FastRule`] matrix; only its zero off-diagonal entries (`Free`) move,
/// symmetrically, `W_ij = W_ji ← Φ(W_ij + q (c_i + c_j) x_i^u x_j^u)` where `c_i` flags
/// `F̃_i^u = ½ γ_i^u < f^u`. Step 2 raises a common target `f` by `Δf` while some run of at
/// most `δ1` sweeps reaches it; step 4 raises each pattern's target `f^u` in turn (cyclic over
/// the still active patterns), dropping a pattern when `δ2` sweeps cannot reach its new target.
/// The diagonal stays 1 and the ±1 entries stay fixed, so every pattern stays stored.
///
/// Cost: one sweep is `O(M N²)` at worst (`O(N)` per flagged row and pattern, plus `O(N M)`
/// per pattern with a flagged row for the fields); a failed attempt costs up to `δ` sweeps (a
/// sweep that changes nothing ends the attempt early), and each pattern fails once, so about
/// `(N/2Δf + M) δ M N²` in the worst case.
///
/// With `q = 1/L` for an integer `L` (the default `1/N`, for `L ≤ 16384`) every weight stays
/// on the lattice `(1/L) ℤ`, and the algorithm runs in exact integer arithmetic on `K = L W`
/// (16-bit pairs, exact integer fields); the weights returned are `K/L`. Repeating
/// `W + q k x_i x_j` in floating point instead drifts off the lattice by rounding (a weight can
/// end one rounding error below ±1), so its weights can differ from these in the last bits;
/// any other `q` runs in floating point, with the fields in `f64`.
///
/// ```
/// use hopfield_memory::Patterns;
/// use hopfield_memory::rules::ConstrainedPerceptron;
///
/// let p = Patterns::from_signs(&[vec![1, -1, 1, 1, -1, 1], vec![-1, -1, 1, -1, 1, 1]])?;
/// let (_net, report) = ConstrainedPerceptron::default().train(&p)?;
/// // The smallest ½γ is at least the common target reached in step 2.
/// assert!(report.z >= report.targets.iter().cloned().fold(f64::INFINITY, f64::min) - 1e-9);
/// # Ok::<(), hopfield_memory::MemoryError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstrainedPerceptron {
    /// Learning rate `q`; `None` means `1/N`.
    pub q: Option<f64>,
    /// Sweeps allowed per attempt in step 2 (`δ1`, default 100).
    pub delta1: usize,
    /// Sweeps allowed per attempt in step 4 (`δ2`, default 100).
    pub delta2: usize,
    /// Target increment `Δf` (default 1).
    pub delta_f: f64,
}

impl Default for ConstrainedPerceptron {
    fn default() -> Self {
        ConstrainedPerceptron {
            q: None,
            delta1: 100,
            delta2: 100,
            delta_f: 1.0,
        }
    }
}

/// State of the constrained perceptron: weights and the fields `H = W X`, kept current
/// incrementally. For pattern `u` with flags `c`, the intended change of every pair is
/// `t_ab = q (c_a + c_b) x_a^u x_b^u`; its effect on the fields has the closed form
/// `(T x^v)_a = q x_a^u (c_a C_uv + S_v − 2 c_a x_a^u x_a^v)` with the overlaps
/// `C = XᵀX` and `S_v = Σ_b c_b x_b^u x_b^v`, applied in `O(N M)`. Pairs whose actual change
/// differs from the intended one (clipped by Φ, or fixed entries that must not move) are
/// corrected one by one in `O(M)` each.
struct Cp {
    n: usize,
    m: usize,
    /// `x[i * m + u] = x_i^u`.
    x: Vec<f64>,
    /// `overlap[u * m + v] = Σ_j x_j^u x_j^v`.
    overlap: Vec<f64>,
    /// Row-major `W`.
    w: Vec<f64>,
    /// `h[i * m + u] = (W x^u)_i`.
    h: Vec<f64>,
    /// `free[i]`: the `j` with `(i, j)` free (both directions).
    free: Vec<Vec<u32>>,
    /// `fixed[i]`: the `j ≠ i` whose weight never moves.
    fixed: Vec<Vec<u32>>,
    q: f64,
    sweeps: usize,
    /// `W` at the start of the current attempt.
    saved: Vec<f64>,
}

impl Cp {
    fn new(x: &DMatrix<f64>, w0: &DMatrix<f64>, q: f64) -> Self {
        let (n, m) = x.shape();
        let xs: Vec<f64> = (0..n * m).map(|k| x[(k / m, k % m)]).collect();
        let overlap = (0..m * m)
            .map(|k| (0..n).map(|j| x[(j, k / m)] * x[(j, k % m)]).sum())
            .collect();
        let w: Vec<f64> = (0..n * n).map(|k| w0[(k / n, k % n)]).collect();
        let hm = w0 * x;
        let h: Vec<f64> = (0..n * m).map(|k| hm[(k / m, k % m)]).collect();
        let select = |free: bool| -> Vec<Vec<u32>> {
            (0..n)
                .map(|i| {
                    (0..n)
                        .filter(|&j| j != i && (w0[(i, j)] == 0.0) == free)
                        .map(|j| j as u32)
                        .collect()
                })
                .collect()
        };
        Cp {
            n,
            m,
            x: xs,
            overlap,
            w,
            h,
            free: select(true),
            fixed: select(false),
            q,
            sweeps: 0,
            saved: Vec::new(),
        }
    }

    /// Adds `e x_b` to row `a` of `H` and `e x_a` to row `b`.
    #[inline]
    fn correct(&mut self, a: usize, b: usize, e: f64) {
        let m = self.m;
        let (ha, hb) = (a * m, b * m);
        for v in 0..m {
            self.h[ha + v] += e * self.x[hb + v];
            self.h[hb + v] += e * self.x[ha + v];
        }
    }

    /// One sweep over the patterns; returns whether any weight changed.
    #[allow(clippy::needless_range_loop)]
    fn sweep(&mut self, targets: &[f64]) -> bool {
        let (n, m) = (self.n, self.m);
        let mut changed = false;
        let mut c = vec![false; n];
        let mut flagged = Vec::with_capacity(n);
        let mut s = vec![0.0; m];
        for (u, &target) in targets.iter().enumerate().take(m) {
            flagged.clear();
            for (i, ci) in c.iter_mut().enumerate() {
                *ci = 0.5 * self.x[i * m + u] * self.h[i * m + u] < target - TOL;
                if *ci {
                    flagged.push(i);
                }
            }
            if flagged.is_empty() {
                continue;
            }
            s.iter_mut().for_each(|v| *v = 0.0);
            for &b in &flagged {
                let xb = self.x[b * m + u];
                for (sv, &xv) in s.iter_mut().zip(&self.x[b * m..(b + 1) * m]) {
                    *sv += xb * xv;
                }
            }
            for &i in &flagged {
                let xi = self.x[i * m + u];
                for k in 0..self.free[i].len() {
                    let j = self.free[i][k] as usize;
                    // A pair with both ends flagged is handled once, from its smaller end.
                    if c[j] && j < i {
                        continue;
                    }
                    let step = if c[j] { 2.0 } else { 1.0 };
                    let intended = self.q * step * xi * self.x[j * m + u];
                    let old = self.w[i * n + j];
                    let new = phi(old + intended);
                    if new != old {
                        self.w[i * n + j] = new;
                        self.w[j * n + i] = new;
                        changed = true;
                    }
                    // Only real clips need a correction; a rounding-level difference between
                    // `new − old` and `intended` is left out (the fields are resynchronized
                    // exactly at the start of every attempt).
                    let e = (new - old) - intended;
                    if e.abs() > CLIP_EPS {
                        self.correct(i, j, e);
                    }
                }
                for k in 0..self.fixed[i].len() {
                    let j = self.fixed[i][k] as usize;
                    if c[j] && j < i {
                        continue;
                    }
                    let step = if c[j] { 2.0 } else { 1.0 };
                    self.correct(i, j, -self.q * step * xi * self.x[j * m + u]);
                }
            }
            // The intended changes of all pairs, in closed form.
            let cu = &self.overlap[u * m..(u + 1) * m];
            for a in 0..n {
                let xau = self.x[a * m + u];
                let row = a * m..(a + 1) * m;
                let (ha, xa) = (&mut self.h[row.clone()], &self.x[row]);
                if c[a] {
                    for v in 0..m {
                        ha[v] += self.q * xau * (cu[v] + s[v] - 2.0 * xau * xa[v]);
                    }
                } else {
                    for v in 0..m {
                        ha[v] += self.q * xau * s[v];
                    }
                }
            }
        }
        self.sweeps += 1;
        changed
    }

    fn reached(&self, targets: &[f64]) -> bool {
        let m = self.m;
        (0..self.n).all(|i| {
            (0..m).all(|u| 0.5 * self.x[i * m + u] * self.h[i * m + u] >= targets[u] - TOL)
        })
    }

    /// Recomputes `H = W X` exactly.
    fn resync(&mut self) {
        let (n, m) = (self.n, self.m);
        let w = DMatrix::from_row_slice(n, n, &self.w);
        let x = DMatrix::from_row_slice(n, m, &self.x);
        let h = w * x;
        for i in 0..n {
            for u in 0..m {
                self.h[i * m + u] = h[(i, u)];
            }
        }
    }

    /// Up to `limit` sweeps toward `targets`; whether they were reached.
    fn attempt(&mut self, targets: &[f64], limit: usize) -> bool {
        self.resync();
        for _ in 0..limit {
            let changed = self.sweep(targets);
            if self.reached(targets) {
                return true;
            }
            if !changed {
                return false;
            }
        }
        false
    }

    fn matrix(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.n, self.n, &self.w)
    }
}

impl CpState for Cp {
    fn patterns(&self) -> usize {
        self.m
    }

    fn save(&mut self) {
        self.saved.clone_from(&self.w);
    }

    fn restore(&mut self) {
        self.w.clone_from(&self.saved);
    }

    fn attempt(&mut self, targets: &[f64], limit: usize) -> bool {
        Cp::attempt(self, targets, limit)
    }
}

/// What the step-2/step-4 driver needs from a constrained perceptron state.
trait CpState {
    /// `M`.
    fn patterns(&self) -> usize;
    /// Remembers the weights (the start of an attempt).
    fn save(&mut self);
    /// Returns to the weights last saved.
    fn restore(&mut self);
    /// Up to `limit` sweeps toward `targets`; whether they were reached.
    fn attempt(&mut self, targets: &[f64], limit: usize) -> bool;
}

/// The constrained perceptron when `q = 1/L` for an integer `L` (the default `q = 1/N`), in
/// exact arithmetic.
///
/// Then every weight is a multiple of `1/L` (a free pair starts at 0, moves by `±q` or `±2q` and
/// is clipped at `±1 = ±L q`), so `W = K/L` with integer `K ∈ [−L, L]`, kept exactly in 16 bits,
/// and the fields `F = K X = L·W X` are exact integers. Flags and the stopping test are decided
/// on the exact fields (`½ x h < f − tol  ⇔  x F < 2L (f − tol)`), and the returned weights are
/// `K/L`. (Repeating `W + q k x_i x_j` in floating point instead drifts off the lattice by
/// rounding, so a weight can sit one rounding error below ±1.)
///
/// * **Pairs.** `K` is stored whole (both triangles, 16 bits per pair). A pattern step moves
///   pair `(i, j)` only in the update of a flagged row `i` or `j`, by `(c_i + c_j) x_i^u x_j^u`,
///   clipped, and each pair once per step (a pair of two flagged rows from the row updated
///   first). Each flagged row is updated in its own row, contiguously (the vectorized part), and
///   the step ends by copying the flagged rows' new pairs into the other triangle, row by row,
///   so that every store goes to the row just written before it.
/// * **Fields.** `F = fhat + delta`. The change of one pattern step is, for every row, the
///   closed form `x_a^u (c_a C_uv + S_v) − 2 c_a x_a^v` (`C = XᵀX`, `S_v = Σ_{b∈c} x_b^u x_b^v`),
///   plus a correction `e x_j^v` for each clipped pair (`e` = actual − intended change of `K`).
///   The dense part `x_a^u S_v` and the corrections of the partner rows go into the 16-bit
///   `delta` (added into `fhat` before it could overflow); the flagged rows' own terms go into
///   `fhat`.
///
/// Pairs fixed by the fast rule (`±1`, where all patterns agree) and the diagonal need no
/// special case: every pattern pushes them toward the bound they are at, where they are clipped.
struct CpLattice {
    n: usize,
    m: usize,
    /// `M` rounded up to a multiple of 8 (row length of `xrow`, `fhat`, `delta`).
    mp: usize,
    /// `L` (`q = 1/L`).
    l: i16,
    /// `xcol[u * n + j] = x_j^u`.
    xcol: Vec<i16>,
    /// `xrow[a * mp + v] = x_a^v` (0 in the padding).
    xrow: Vec<i16>,
    /// `overlap[u * m + v] = Σ_j x_j^u x_j^v`.
    overlap: Vec<i32>,
    /// `K = L W`, row-major and symmetric between pattern steps.
    rows: Vec<i16>,
    fhat: Vec<i32>,
    delta: Vec<i16>,
    /// An upper bound on every `|delta|`.
    delta_bound: usize,
    sweeps: usize,
    /// `2L (f^v − tol)` of the current attempt.
    thr: Vec<f64>,
    saved: CpSaved,
    // Scratch of one pattern step.
    kx: Vec<i16>,
    old: Vec<i16>,
    ev: Vec<i16>,
    s: Vec<i16>,
    acc: Vec<i16>,
    clips: Vec<u32>,
    flagged: Vec<usize>,
    /// `c[a]`: row `a` is flagged in this step.
    c: Vec<bool>,
}

#[derive(Default)]
struct CpSaved {
    rows: Vec<i16>,
    fhat: Vec<i32>,
    delta: Vec<i16>,
    delta_bound: usize,
}

impl CpLattice {
    /// `None` unless `q = 1/L` exactly (as `f64`) for an integer `L` and the counts fit:
    /// `L ≤ 2¹⁴` (pairs in `i16`), `N L ≤ 2³⁰` (fields in `i32`) and `3N ≤ 2¹⁵ − 1` (one
    /// step's change of `delta`).
    fn new(x: &DMatrix<f64>, w0: &DMatrix<f64>, q: f64) -> Option<Self> {
        let (n, m) = x.shape();
        let l = (1.0 / q).round();
        if !(l >= 1.0
            && 1.0 / l == q
            && l <= f64::from(1u32 << 14)
            && (n as f64) * l <= f64::from(1u32 << 30))
        {
            return None;
        }
        if 3 * n > i16::MAX as usize {
            return None;
        }
        let mp = m.div_ceil(8) * 8;
        let xcol: Vec<i16> = (0..n * m).map(|k| x[(k % n, k / n)] as i16).collect();
        let mut xrow = vec![0i16; n * mp];
        for a in 0..n {
            for v in 0..m {
                xrow[a * mp + v] = x[(a, v)] as i16;
            }
        }
        let overlap = (0..m * m)
            .map(|k| {
                let (u, v) = (k / m, k % m);
                (0..n).map(|j| (x[(j, u)] * x[(j, v)]) as i32).sum()
            })
            .collect();
        let li = l as i16;
        // W0 has entries in {−1, 0, 1}.
        let rows: Vec<i16> = (0..n * n).map(|k| w0[(k / n, k % n)] as i16 * li).collect();
        // L·W0·X is exact in f64.
        let h0 = w0 * x;
        let mut fhat = vec![0i32; n * mp];
        for a in 0..n {
            for v in 0..m {
                fhat[a * mp + v] = (h0[(a, v)] * l) as i32;
            }
        }
        Some(CpLattice {
            n,
            m,
            mp,
            l: li,
            xcol,
            xrow,
            overlap,
            rows,
            fhat,
            delta: vec![0; n * mp],
            delta_bound: 0,
            sweeps: 0,
            thr: vec![0.0; m],
            saved: CpSaved::default(),
            kx: vec![0; n],
            old: vec![0; n],
            ev: vec![0; n],
            s: vec![0; mp],
            acc: vec![0; mp],
            clips: vec![0; n],
            flagged: Vec::with_capacity(n),
            c: vec![false; n],
        })
    }

    /// Adds `delta` into `fhat`.
    fn flush(&mut self) {
        for (f, d) in self.fhat.iter_mut().zip(self.delta.iter_mut()) {
            *f += i32::from(*d);
            *d = 0;
        }
        self.delta_bound = 0;
    }

    /// One sweep over the patterns; returns whether any weight changed.
    fn sweep(&mut self) -> bool {
        let (n, m, mp) = (self.n, self.m, self.mp);
        let mut changed = false;
        for u in 0..m {
            let thr = self.thr[u];
            self.flagged.clear();
            for a in 0..n {
                let f = self.fhat[a * mp + u] + i32::from(self.delta[a * mp + u]);
                let g = f * i32::from(self.xcol[u * n + a]);
                if f64::from(g) < thr {
                    self.flagged.push(a);
                }
            }
            if self.flagged.is_empty() {
                continue;
            }
            let flags = self.flagged.len();
            if self.delta_bound + 3 * flags > i16::MAX as usize {
                self.flush();
            }
            self.delta_bound += 3 * flags;
            // kx_j = (1 + c_j) x_j^u; S_v = Σ_{b∈c} x_b^u x_b^v.
            self.kx.copy_from_slice(&self.xcol[u * n..(u + 1) * n]);
            self.s.fill(0);
            for &b in &self.flagged {
                self.kx[b] *= 2;
                let xb = &self.xrow[b * mp..(b + 1) * mp];
                if xb[u] > 0 {
                    self.s.iter_mut().zip(xb).for_each(|(s, &x)| *s += x);
                } else {
                    self.s.iter_mut().zip(xb).for_each(|(s, &x)| *s -= x);
                }
            }
            for k in 0..flags {
                let i = self.flagged[k];
                changed |= self.update_row(u, i);
            }
            self.mirror();
            // The dense part of the closed form, x_a^u S_v for every row (multiplied by the
            // sign rather than branching on it: the signs are random).
            let xu = &self.xcol[u * n..(u + 1) * n];
            for (d, &x) in self.delta.chunks_exact_mut(mp).zip(xu) {
                d.iter_mut().zip(&self.s).for_each(|(d, &s)| *d += s * x);
            }
        }
        self.sweeps += 1;
        changed
    }

    /// Copies the pairs written by this step's flagged rows into the other triangle: row `j`
    /// takes `K_ji = K_ij` from every flagged row `i`, except from the flagged rows updated
    /// after `j` (row `j` wrote that pair itself). Row by row, so the stores stay in one row.
    #[inline(never)]
    fn mirror(&mut self) {
        let n = self.n;
        for &i in &self.flagged {
            self.c[i] = true;
        }
        for j in 0..n {
            // `flagged` is increasing: the rows updated before a flagged `j` are those below it.
            let before = if self.c[j] {
                self.flagged.partition_point(|&i| i < j)
            } else {
                self.flagged.len()
            };
            for &i in &self.flagged[..before] {
                self.rows[j * n + i] = self.rows[i * n + j];
            }
        }
        for &i in &self.flagged {
            self.c[i] = false;
        }
    }

    /// Moves the free pairs of flagged row `i` for pattern `u` (the pairs with a flagged
    /// row updated earlier in this step are skipped: `kx = 0`); returns whether a weight
    /// changed.
    #[inline(never)]
    fn update_row(&mut self, u: usize, i: usize) -> bool {
        let (n, mp) = (self.n, self.mp);
        self.kx[i] = 0;
        let xiu = self.xcol[u * n + i];
        let (hi, lo) = (self.l, -self.l);
        let row = &mut self.rows[i * n..(i + 1) * n];
        self.old.copy_from_slice(row);
        // Or-reductions of `new ^ old` and `sum ^ new`: branch-free, so the loop vectorizes.
        // `ev[j]`: the clip, actual − intended change (0 for most pairs).
        let (mut moved, mut clipped) = (0i16, 0i16);
        for (((k, &dx), &old), ev) in row
            .iter_mut()
            .zip(&self.kx)
            .zip(&self.old)
            .zip(self.ev.iter_mut())
        {
            let sum = old + xiu * dx;
            let new = sum.max(lo).min(hi);
            *k = new;
            *ev = new - sum;
            moved |= new ^ old;
            clipped |= new ^ sum;
        }
        // Corrections for the pairs whose K moved by less than intended (clipped by Φ), listed
        // without branches.
        self.acc.fill(0);
        if clipped != 0 {
            let mut count = 0;
            // A bit mask of the clips per chunk of 16 (a compare and a byte mask in SSE2), then
            // its set bits.
            for (c, chunk) in self.ev.chunks(16).enumerate() {
                let mut mask = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |a, (t, &e)| a | u32::from(e != 0) << t);
                while mask != 0 {
                    self.clips[count] = (c * 16) as u32 + mask.trailing_zeros();
                    count += 1;
                    mask &= mask - 1;
                }
            }
            for &j in &self.clips[..count] {
                let j = j as usize;
                let e = self.ev[j];
                let (xj, xi_row) = (j * mp, i * mp);
                self.acc
                    .iter_mut()
                    .zip(&self.xrow[xj..xj + mp])
                    .for_each(|(a, &x)| *a += e * x);
                let (xrow, delta) = (&self.xrow, &mut self.delta);
                delta[xj..xj + mp]
                    .iter_mut()
                    .zip(&xrow[xi_row..xi_row + mp])
                    .for_each(|(d, &x)| *d += e * x);
            }
        }
        // Row i's own terms: x_i^u C_uv − 2 x_i^v, and its corrections.
        let xi = i32::from(xiu);
        let cu = &self.overlap[u * self.m..(u + 1) * self.m];
        let fi = &mut self.fhat[i * mp..i * mp + self.m];
        for (v, f) in fi.iter_mut().enumerate() {
            *f += xi * cu[v] - 2 * i32::from(self.xrow[i * mp + v]) + i32::from(self.acc[v]);
        }
        moved != 0
    }

    #[inline(never)]
    fn reached(&self) -> bool {
        let (m, mp) = (self.m, self.mp);
        self.fhat
            .chunks_exact(mp)
            .zip(self.delta.chunks_exact(mp))
            .zip(self.xrow.chunks_exact(mp))
            .all(|((f, d), x)| {
                (0..m).all(|v| f64::from((f[v] + i32::from(d[v])) * i32::from(x[v])) >= self.thr[v])
            })
    }

    /// The current symmetric `W = K/L`.
    fn matrix(&self) -> DMatrix<f64> {
        let n = self.n;
        let l = f64::from(self.l);
        DMatrix::from_fn(n, n, |i, j| f64::from(self.rows[i * n + j]) / l)
    }
}

impl CpState for CpLattice {
    fn patterns(&self) -> usize {
        self.m
    }

    fn save(&mut self) {
        let saved = &mut self.saved;
        saved.rows.clone_from(&self.rows);
        saved.fhat.clone_from(&self.fhat);
        saved.delta.clone_from(&self.delta);
        saved.delta_bound = self.delta_bound;
    }

    fn restore(&mut self) {
        let saved = &self.saved;
        self.rows.clone_from(&saved.rows);
        self.fhat.clone_from(&saved.fhat);
        self.delta.clone_from(&saved.delta);
        self.delta_bound = saved.delta_bound;
    }

    fn attempt(&mut self, targets: &[f64], limit: usize) -> bool {
        // Exactly the test `½ x h < f − tol`, on F = L h.
        let l = f64::from(self.l);
        for (t, &f) in self.thr.iter_mut().zip(targets) {
            *t = 2.0 * l * (f - TOL);
        }
        for _ in 0..limit {
            let changed = self.sweep();
            if self.reached() {
                return true;
            }
            if !changed {
                return false;
            }
        }
        false
    }
}

impl ConstrainedPerceptron {
    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        if let Some(q) = self.q {
            check_positive("q", q)?;
        }
        check_positive("delta_f", self.delta_f)?;
        if self.delta1 == 0 {
            return Err(invalid("delta1", "at least one sweep is needed"));
        }
        if self.delta2 == 0 {
            return Err(invalid("delta2", "at least one sweep is needed"));
        }
        Ok(())
    }

    /// Learns and reports the sweeps used and the final targets.
    pub fn train(&self, patterns: &Patterns) -> Result<(Network<Dense>, PerceptronReport)> {
        self.check()?;
        let x = patterns.to_matrix();
        let n = x.nrows();
        let w0 = fast_matrix(patterns);
        let q = self.q.unwrap_or(1.0 / n as f64);
        // Step 1.
        let f = min_half_stability(&w0, &x);
        let (w, sweeps, targets) = match CpLattice::new(&x, &w0, q) {
            Some(mut cp) => {
                let targets = self.drive(&mut cp, f);
                (cp.matrix(), cp.sweeps, targets)
            }
            None => {
                let mut cp = Cp::new(&x, &w0, q);
                let targets = self.drive(&mut cp, f);
                (cp.matrix(), cp.sweeps, targets)
            }
        };
        let z = min_half_stability(&w, &x);
        let net = Network::new(
            Dense::new(w, DiagonalPolicy::SelfCoupling)?,
            Encoding::Bipolar,
        );
        Ok((
            net,
            PerceptronReport {
                iterations: sweeps,
                targets,
                z,
            },
        ))
    }

    /// Steps 2 and 4 from the common target `f` of step 1; returns the final targets.
    fn drive<S: CpState>(&self, cp: &mut S, mut f: f64) -> Vec<f64> {
        let m = cp.patterns();
        // Step 2: raise the common target.
        loop {
            cp.save();
            let targets = vec![f + self.delta_f; m];
            if cp.attempt(&targets, self.delta1) {
                f += self.delta_f;
            } else {
                cp.restore();
                break;
            }
        }
        // Step 4: raise each pattern's target in turn.
        let mut targets = vec![f; m];
        let mut active: Vec<usize> = (0..m).collect();
        while !active.is_empty() {
            let mut next = Vec::with_capacity(active.len());
            for &u in &active {
                cp.save();
                targets[u] += self.delta_f;
                if cp.attempt(&targets, self.delta2) {
                    next.push(u);
                } else {
                    cp.restore();
                    targets[u] -= self.delta_f;
                }
            }
            active = next;
        }
        targets
    }
}

impl LearningRule for ConstrainedPerceptron {
    fn name(&self) -> &'static str {
        "constrained_perceptron"
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        Ok(self.train(patterns)?.0)
    }
}

/// Krauth & Mézard's minover (optimal stability), run on the symmetric zero-diagonal `W`.
///
/// `W = 0`; repeat: pick `(i*, u*) = argmin_{i,u} γ_i^u`; if `γ ≥ c` stop; else
/// `W_{i*j} = W_{ji*} += η x_{i*}^{u*} x_j^{u*}` (`j ≠ i*`). This is minover in the space of the
/// `N(N−1)/2` symmetric pairs, where `γ_i^u` is the overlap of `W` with the vector
/// `a^{iu}_{jk} = x_j^u x_k^u [i ∈ {j,k}]`; as `c → ∞` it maximizes `min γ / ‖W‖`. Row-wise
/// minover would give an asymmetric `W`; this form keeps the stopping criterion
/// valid for the symmetric network returned. Fails with [`MemoryError::NotConverged`] when
/// no symmetric zero-diagonal `W` stores the set (e.g. two patterns at Hamming distance 1).
///
/// Cost: `O(N M)` per update (the fields `H = W X` are kept incrementally).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KrauthMezard {
    /// Stop when `min γ_i^u ≥ c` (default 10).
    pub c: f64,
    /// Step `η`; `None` means `1/N`.
    pub learning_rate: Option<f64>,
    /// Update limit (default 1 000 000).
    pub max_updates: usize,
}

impl Default for KrauthMezard {
    fn default() -> Self {
        KrauthMezard {
            c: 10.0,
            learning_rate: None,
            max_updates: 1_000_000,
        }
    }
}

impl KrauthMezard {
    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        check_positive("c", self.c)?;
        if let Some(eta) = self.learning_rate {
            check_positive("learning_rate", eta)?;
        }
        if self.max_updates == 0 {
            return Err(invalid("max_updates", "must be at least 1"));
        }
        Ok(())
    }

    /// Learns and reports the number of updates.
    ///
    /// Every update adds `±η` to weights and fields, so the run is kept in exact integer
    /// multiples of `η`: ties in the argmin are exact and the run does not depend on rounding.
    /// The state is the stabilities `γ_j^v / η` of every (row, pattern) pair and the number of
    /// updates made at each pair; the weights are rebuilt from those counts at the end
    /// (`W = η (A Xᵀ + X Aᵀ)` off the diagonal, `A_iu = x_i^u · #updates at (i, u)`). An update at
    /// `(i, u)` changes every other stability by `σ_v x_j^u x_j^v = ±1` (`σ_v = x_i^u x_i^v`) and
    /// row `i`'s by `σ_v C_uv − 1` (`C = XᵀX`), so the update and the scan for the next argmin
    /// are one pass of `O(N M)`, over 16-bit counts while their magnitude allows it (checked
    /// exactly; 32-bit from then on). The counts need `max_updates · (N + 2) < 2³¹`; larger
    /// limits are rejected.
    pub fn train(&self, patterns: &Patterns) -> Result<(Network<Dense>, PerceptronReport)> {
        let x = patterns.to_matrix();
        let (w, updates) = self.run(&x, i32::from(i16::MAX) - 1)?;
        let z = min_half_stability(&w, &x);
        let net = Network::new(Dense::with_zero_diagonal(w)?, Encoding::Bipolar);
        Ok((
            net,
            PerceptronReport {
                iterations: updates,
                targets: Vec::new(),
                z,
            },
        ))
    }

    /// The weights and the number of updates; stabilities are kept in 16 bits while their
    /// magnitude stays at most `narrow_limit`.
    fn run(&self, x: &DMatrix<f64>, narrow_limit: i32) -> Result<(DMatrix<f64>, usize)> {
        self.check()?;
        let (n, m) = x.shape();
        if self
            .max_updates
            .checked_mul(n + 2)
            .is_none_or(|v| v >= i32::MAX as usize)
        {
            return Err(invalid(
                "max_updates",
                format!(
                    "max_updates · (N + 2) must stay below 2³¹ (N = {n}, max_updates = {})",
                    self.max_updates
                ),
            ));
        }
        let eta = self.learning_rate.unwrap_or(1.0 / n as f64);
        // Column-major ±1 patterns.
        let xs: Vec<i32> = (0..n * m).map(|k| x[(k % n, k / n)] as i32).collect();
        let overlap: Vec<i32> = (0..m * m)
            .map(|k| {
                let (u, v) = (k / m, k % m);
                (0..n).map(|j| xs[u * n + j] * xs[v * n + j]).sum()
            })
            .collect();
        let mut km = KmRun {
            n,
            m,
            overlap,
            counts: vec![0; n * m],
            updates: 0,
            next: (0, 0, 0),
            bound: 0,
            c: self.c,
            eta,
            max_updates: self.max_updates,
        };
        let x16: Vec<i16> = xs.iter().map(|&v| v as i16).collect();
        let mut gamma16 = vec![0i16; n * m];
        let end = match km.run(&x16, &mut gamma16, narrow_limit) {
            KmEnd::Widen => {
                let mut gamma: Vec<i32> = gamma16.iter().map(|&g| i32::from(g)).collect();
                km.run(&xs, &mut gamma, i32::MAX - 1)
            }
            end => end,
        };
        if end == KmEnd::NotConverged {
            return Err(MemoryError::NotConverged {
                rule: "krauth_mezard",
                iterations: km.updates,
            });
        }
        // W = η (A Xᵀ + X Aᵀ) off the diagonal; every entry is an integer below 2³¹ before
        // the scaling, so the f64 product is exact.
        let a = DMatrix::from_fn(n, m, |i, u| x[(i, u)] * f64::from(km.counts[u * n + i]));
        let p = &a * x.transpose();
        let w = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                0.0
            } else {
                (p[(i, j)] + p[(j, i)]) * eta
            }
        });
        Ok((w, km.updates))
    }
}

/// A count type for Krauth–Mézard's stabilities: `i16` (eight lanes per SSE2 register) or
/// `i32`.
trait Count:
    Copy
    + Ord
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + Into<i32>
{
    const MAX: Self;
    /// `v` converted; the caller guarantees that it fits.
    fn narrow(v: i32) -> Self;
}

impl Count for i16 {
    const MAX: Self = i16::MAX;
    #[inline]
    fn narrow(v: i32) -> Self {
        v as i16
    }
}

impl Count for i32 {
    const MAX: Self = i32::MAX;
    #[inline]
    fn narrow(v: i32) -> Self {
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KmEnd {
    Converged,
    NotConverged,
    /// The next update could leave the range of the count type; nothing was changed.
    Widen,
}

/// Krauth–Mézard's run state, independent of the count type.
struct KmRun {
    n: usize,
    m: usize,
    /// `overlap[u * m + v] = Σ_j x_j^u x_j^v`.
    overlap: Vec<i32>,
    /// `counts[u * n + i]`: updates made at `(i, u)`.
    counts: Vec<u32>,
    updates: usize,
    /// The argmin `(γ, i, u)` of the current stabilities.
    next: (i32, usize, usize),
    /// An upper bound on every `|γ|` kept.
    bound: i64,
    c: f64,
    eta: f64,
    max_updates: usize,
}

impl KmRun {
    /// Updates until the criterion is met, the limit is reached, or a count could leave
    /// `[−limit, limit]`. `x` and `gamma` are column-major (`[v * n + j]`).
    fn run<T: Count>(&mut self, x: &[T], gamma: &mut [T], limit: i32) -> KmEnd {
        let (n, m) = (self.n, self.m);
        let mut row = vec![0i32; m];
        loop {
            let (g, i, u) = self.next;
            if f64::from(g) * self.eta >= self.c {
                return KmEnd::Converged;
            }
            if self.updates >= self.max_updates {
                return KmEnd::NotConverged;
            }
            // Row i's new stabilities γ_i^v + σ_v C_uv − 1 (the pass below adds the last +1).
            let xiu: i32 = x[u * n + i].into();
            let mut row_max = 0i64;
            for (v, r) in row.iter_mut().enumerate() {
                let sigma = xiu * x[v * n + i].into();
                *r = gamma[v * n + i].into() + sigma * self.overlap[u * m + v] - 1;
                row_max = row_max.max(i64::from(r.abs()) + 1);
            }
            if self.bound + 1 > i64::from(limit) {
                self.bound = gamma
                    .iter()
                    .map(|&g| i64::from(g.into().abs()))
                    .max()
                    .unwrap_or(0);
            }
            if self.bound + 1 > i64::from(limit) || row_max > i64::from(limit) {
                return KmEnd::Widen;
            }
            self.bound = (self.bound + 1).max(row_max);
            self.counts[u * n + i] += 1;
            self.updates += 1;
            let xu = &x[u * n..(u + 1) * n];
            let mut best = (i32::MAX, 0, 0);
            for (v, &r) in row.iter().enumerate() {
                let sigma = xiu * x[v * n + i].into();
                gamma[v * n + i] = T::narrow(r - 1);
                let col = &mut gamma[v * n..(v + 1) * n];
                let xv = &x[v * n..(v + 1) * n];
                let low = if sigma > 0 {
                    col.iter_mut()
                        .zip(xu)
                        .zip(xv)
                        .fold(T::MAX, |acc, ((g, &a), &b)| {
                            *g = *g + a * b;
                            acc.min(*g)
                        })
                } else {
                    col.iter_mut()
                        .zip(xu)
                        .zip(xv)
                        .fold(T::MAX, |acc, ((g, &a), &b)| {
                            *g = *g - a * b;
                            acc.min(*g)
                        })
                };
                let low: i32 = low.into();
                if low < best.0 {
                    let j = col.iter().position(|&g| g.into() == low).unwrap_or(0);
                    best = (low, j, v);
                }
            }
            self.next = best;
        }
    }
}

impl LearningRule for KrauthMezard {
    fn name(&self) -> &'static str {
        "krauth_mezard"
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        Ok(self.train(patterns)?.0)
    }
}

/// Gardner's perceptron with margin κ, run on the symmetric zero-diagonal `W`.
///
/// Sweeps `u = 1..M`; neuron `i` is flagged when `γ_i^u ≤ 0` or `γ_i^u / ‖W_i·‖ < κ`, and then
/// `W_ij = W_ji += η (c_i + c_j) x_i^u x_j^u` for `i < j`. Stops after a sweep without any
/// update, so on success every `γ_i^u > 0` and `γ_i^u ≥ κ ‖W_i·‖` hold for the returned
/// (symmetric) network. Row-wise Gardner is asymmetric; this symmetric form is the
/// same perceptron on the symmetric pairs. [`MemoryError::NotConverged`] after `max_sweeps`.
///
/// Cost: `O(M N²)` per sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gardner {
    /// Margin κ `≥ 0` (default 0.5).
    pub kappa: f64,
    /// Step `η`; `None` means `1/N`.
    pub learning_rate: Option<f64>,
    /// Sweep limit (default 10 000).
    pub max_sweeps: usize,
}

impl Default for Gardner {
    fn default() -> Self {
        Gardner {
            kappa: 0.5,
            learning_rate: None,
            max_sweeps: 10_000,
        }
    }
}

impl Gardner {
    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        if !(self.kappa.is_finite() && self.kappa >= 0.0) {
            return Err(invalid("kappa", format!("{} is not ≥ 0", self.kappa)));
        }
        if let Some(eta) = self.learning_rate {
            check_positive("learning_rate", eta)?;
        }
        if self.max_sweeps == 0 {
            return Err(invalid("max_sweeps", "must be at least 1"));
        }
        Ok(())
    }

    /// Learns and reports the number of sweeps.
    pub fn train(&self, patterns: &Patterns) -> Result<(Network<Dense>, PerceptronReport)> {
        self.check()?;
        let x = patterns.to_matrix();
        let (n, m) = x.shape();
        let eta = self.learning_rate.unwrap_or(1.0 / n as f64);
        let mut w = DMatrix::<f64>::zeros(n, n);
        let mut c = vec![0.0; n];
        let mut sweeps = 0;
        loop {
            if sweeps >= self.max_sweeps {
                return Err(MemoryError::NotConverged {
                    rule: "gardner",
                    iterations: sweeps,
                });
            }
            sweeps += 1;
            let mut updated = false;
            for u in 0..m {
                let xu = x.column(u);
                let h: DVector<f64> = &w * xu;
                let mut any = false;
                for i in 0..n {
                    let g = xu[i] * h[i];
                    let norm = w.row(i).norm();
                    let flag = g <= 0.0 || g < self.kappa * norm;
                    c[i] = if flag { 1.0 } else { 0.0 };
                    any |= flag;
                }
                if !any {
                    continue;
                }
                updated = true;
                for i in 0..n {
                    for j in (i + 1)..n {
                        let k = c[i] + c[j];
                        if k != 0.0 {
                            let d = eta * k * xu[i] * xu[j];
                            w[(i, j)] += d;
                            w[(j, i)] += d;
                        }
                    }
                }
            }
            if !updated {
                break;
            }
        }
        let z = min_half_stability(&w, &x);
        let net = Network::new(Dense::with_zero_diagonal(w)?, Encoding::Bipolar);
        Ok((
            net,
            PerceptronReport {
                iterations: sweeps,
                targets: Vec::new(),
                z,
            },
        ))
    }
}

impl LearningRule for Gardner {
    fn name(&self) -> &'static str {
        "gardner"
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        Ok(self.train(patterns)?.0)
    }
}

/// The plain implementations these rules were first written as: the test oracle of the
/// fast paths above.
#[cfg(test)]
pub(crate) mod reference {
    use super::*;

    /// The constrained perceptron recomputing `W x^u` for every pattern of every sweep, in
    /// floating point: `W_ij ← Φ(W_ij + q k x_i x_j)`.
    pub(crate) fn constrained_perceptron(
        rule: &ConstrainedPerceptron,
        patterns: &Patterns,
    ) -> (DMatrix<f64>, usize, Vec<f64>) {
        run(rule, patterns, None)
    }

    /// The same in exact integer arithmetic on `K = L W` for `q = 1/L`: `K_ij ← clamp(K_ij +
    /// k x_i x_j, −L, L)`, flags `x_i (K x)_i < 2L (f − tol)`; returns `K/L`.
    pub(crate) fn constrained_perceptron_exact(
        rule: &ConstrainedPerceptron,
        patterns: &Patterns,
    ) -> (DMatrix<f64>, usize, Vec<f64>) {
        let q = rule.q.unwrap_or(1.0 / patterns.n() as f64);
        let l = (1.0 / q).round();
        assert_eq!(1.0 / l, q, "q must be 1/L");
        let (k, sweeps, targets) = run(rule, patterns, Some(l));
        (k / l, sweeps, targets)
    }

    fn run(
        rule: &ConstrainedPerceptron,
        patterns: &Patterns,
        lattice: Option<f64>,
    ) -> (DMatrix<f64>, usize, Vec<f64>) {
        let x = patterns.to_matrix();
        let (n, m) = x.shape();
        let w = fast_matrix(patterns);
        let free = (0..n)
            .flat_map(|i| ((i + 1)..n).map(move |j| (i, j)))
            .filter(|&(i, j)| w[(i, j)] == 0.0)
            .collect();
        let mut f = min_half_stability(&w, &x);
        let mut cp = Cp {
            x: &x,
            w: w * lattice.unwrap_or(1.0),
            free,
            q: rule.q.unwrap_or(1.0 / n as f64),
            sweeps: 0,
            lattice,
        };
        loop {
            let saved = cp.w.clone();
            let targets = vec![f + rule.delta_f; m];
            if cp.attempt(&targets, rule.delta1) {
                f += rule.delta_f;
            } else {
                cp.w = saved;
                break;
            }
        }
        let mut targets = vec![f; m];
        let mut active: Vec<usize> = (0..m).collect();
        while !active.is_empty() {
            let mut next = Vec::with_capacity(active.len());
            for &u in &active {
                let saved = cp.w.clone();
                targets[u] += rule.delta_f;
                if cp.attempt(&targets, rule.delta2) {
                    next.push(u);
                } else {
                    cp.w = saved;
                    targets[u] -= rule.delta_f;
                }
            }
            active = next;
        }
        (cp.w, cp.sweeps, targets)
    }

    /// State of the plain constrained perceptron.
    struct Cp<'a> {
        x: &'a DMatrix<f64>,
        w: DMatrix<f64>,
        free: Vec<(usize, usize)>,
        q: f64,
        sweeps: usize,
        /// `Some(L)`: `w` holds `K = L W` and the arithmetic is exact.
        lattice: Option<f64>,
    }

    impl Cp<'_> {
        /// Whether `½ γ = ½ x h` is below `target − tol`.
        fn below(&self, x: f64, h: f64, target: f64) -> bool {
            match self.lattice {
                None => 0.5 * x * h < target - TOL,
                Some(l) => x * h < 2.0 * l * (target - TOL),
            }
        }

        fn step(&self, old: f64, k: f64, xi: f64, xj: f64) -> f64 {
            match self.lattice {
                None => phi(old + self.q * k * xi * xj),
                Some(l) => (old + k * xi * xj).clamp(-l, l),
            }
        }

        /// One sweep over the patterns; returns whether any weight changed.
        fn sweep(&mut self, targets: &[f64]) -> bool {
            let (n, m) = self.x.shape();
            let mut changed = false;
            let mut c = vec![0.0; n];
            for (u, &target) in targets.iter().enumerate().take(m) {
                let xu = self.x.column(u);
                let h: DVector<f64> = &self.w * xu;
                let mut any = false;
                for i in 0..n {
                    c[i] = if self.below(xu[i], h[i], target) {
                        any = true;
                        1.0
                    } else {
                        0.0
                    };
                }
                if !any {
                    continue;
                }
                for &(i, j) in &self.free {
                    let k = c[i] + c[j];
                    if k != 0.0 {
                        let old = self.w[(i, j)];
                        let new = self.step(old, k, xu[i], xu[j]);
                        if new != old {
                            self.w[(i, j)] = new;
                            self.w[(j, i)] = new;
                            changed = true;
                        }
                    }
                }
            }
            self.sweeps += 1;
            changed
        }

        fn reached(&self, targets: &[f64]) -> bool {
            let h = &self.w * self.x;
            (0..self.x.ncols()).all(|u| {
                (0..self.x.nrows()).all(|i| !self.below(self.x[(i, u)], h[(i, u)], targets[u]))
            })
        }

        /// Up to `limit` sweeps toward `targets`; whether they were reached.
        fn attempt(&mut self, targets: &[f64], limit: usize) -> bool {
            for _ in 0..limit {
                let changed = self.sweep(targets);
                if self.reached(targets) {
                    return true;
                }
                if !changed {
                    return false;
                }
            }
            false
        }
    }

    /// Adds `eta · x_i x_j` to `W_ij` and `W_ji` for every `j ≠ i`.
    fn add_row_col(w: &mut DMatrix<f64>, xu: &[f64], i: usize, eta: f64) {
        for j in 0..xu.len() {
            if j != i {
                let d = eta * xu[i] * xu[j];
                w[(i, j)] += d;
                w[(j, i)] += d;
            }
        }
    }

    /// Krauth–Mézard as first written: floating-point fields, a full argmin scan per update.
    pub(crate) fn krauth_mezard(
        rule: &KrauthMezard,
        patterns: &Patterns,
    ) -> Result<(DMatrix<f64>, usize)> {
        rule.check()?;
        let x = patterns.to_matrix();
        let (n, m) = x.shape();
        let eta = rule.learning_rate.unwrap_or(1.0 / n as f64);
        let mut w = DMatrix::<f64>::zeros(n, n);
        let mut h = DMatrix::<f64>::zeros(n, m);
        let mut updates = 0;
        loop {
            let mut best = (f64::INFINITY, 0, 0);
            for u in 0..m {
                for i in 0..n {
                    let g = x[(i, u)] * h[(i, u)];
                    if g < best.0 {
                        best = (g, i, u);
                    }
                }
            }
            let (g, i, u) = best;
            if g >= rule.c {
                break;
            }
            if updates >= rule.max_updates {
                return Err(MemoryError::NotConverged {
                    rule: "krauth_mezard",
                    iterations: updates,
                });
            }
            let xu: Vec<f64> = x.column(u).iter().copied().collect();
            add_row_col(&mut w, &xu, i, eta);
            // Row i changed by d_j = η x_i x_j (j ≠ i); column i by the same.
            for v in 0..m {
                let mut row = 0.0;
                for j in 0..n {
                    if j != i {
                        let d = eta * xu[i] * xu[j];
                        row += d * x[(j, v)];
                        h[(j, v)] += d * x[(i, v)];
                    }
                }
                h[(i, v)] += row;
            }
            updates += 1;
        }
        Ok((w, updates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    #[test]
    fn perceptron_improves_on_fast_rule() {
        let p = Patterns::random(24, 4, &mut rng_from_seed(5)).unwrap();
        let fast = min_half_stability(&fast_matrix(&p), &p.to_matrix());
        let (_, report) = ConstrainedPerceptron::default().train(&p).unwrap();
        assert!(report.z >= fast - 1e-9);
        assert!(report.z > fast, "{} vs {fast}", report.z);
    }

    fn small_set(n: usize, m: usize, seed: u64) -> Patterns {
        Patterns::random(n, m, &mut rng_from_seed(seed)).unwrap()
    }

    proptest::proptest! {
        #![proptest_config(hopfield_testkit::proptest_config(32))]

        /// The constrained perceptron with the default `q = 1/N` (the lattice path) makes the
        /// same updates as the plain one in exact arithmetic: same sweeps, same targets,
        /// bit-identical weights.
        #[test]
        fn perceptron_matches_reference(n in 4usize..28, m in 1usize..6, seed: u64, delta in 1usize..12) {
            let p = small_set(n, m, seed);
            let rule = ConstrainedPerceptron { delta1: delta, delta2: delta, ..Default::default() };
            let (net, report) = rule.train(&p).unwrap();
            let (w, sweeps, targets) = reference::constrained_perceptron_exact(&rule, &p);
            proptest::prop_assert_eq!(report.iterations, sweeps);
            proptest::prop_assert_eq!(&report.targets, &targets);
            proptest::prop_assert!(net.couplings().matrix() == &w);
        }

        /// The same with any `q = 1/L` (few steps to the bound when `L` is small, so many
        /// pairs clipped).
        #[test]
        fn perceptron_matches_reference_any_lattice(n in 4usize..24, m in 1usize..6, seed: u64, delta in 1usize..10, l in 1u32..40) {
            let p = small_set(n, m, seed);
            let q = 1.0 / f64::from(l);
            let rule = ConstrainedPerceptron { q: Some(q), delta1: delta, delta2: delta, ..Default::default() };
            let (net, report) = rule.train(&p).unwrap();
            let (w, sweeps, targets) = reference::constrained_perceptron_exact(&rule, &p);
            proptest::prop_assert_eq!(report.iterations, sweeps);
            proptest::prop_assert_eq!(&report.targets, &targets);
            proptest::prop_assert!(net.couplings().matrix() == &w);
        }

        /// With a step `q` that is not `1/L` (the floating-point path, fields kept in `f64`):
        /// same sweeps, same targets, weights up to the rounding of the kept fields.
        #[test]
        fn perceptron_matches_reference_any_step(n in 4usize..20, m in 1usize..5, seed: u64, delta in 1usize..8, q in 0.01f64..0.4) {
            let p = small_set(n, m, seed);
            let rule = ConstrainedPerceptron { q: Some(q), delta1: delta, delta2: delta, ..Default::default() };
            let (net, report) = rule.train(&p).unwrap();
            let (w, sweeps, targets) = reference::constrained_perceptron(&rule, &p);
            proptest::prop_assert_eq!(report.iterations, sweeps);
            proptest::prop_assert_eq!(&report.targets, &targets);
            let diff = (net.couplings().matrix() - w).abs().max();
            proptest::prop_assert!(diff < 1e-9, "max weight difference {}", diff);
        }

        /// Integer Krauth–Mézard equals the floating-point reference exactly where the
        /// reference's arithmetic is exact (η = 1/N with N a power of two).
        #[test]
        fn km_matches_reference(k in 2u32..6, m in 1usize..5, seed: u64, c in 1u32..6) {
            let n = 1usize << k;
            let p = small_set(n, m, seed);
            let rule = KrauthMezard { c: f64::from(c), max_updates: 20_000, ..Default::default() };
            match (rule.train(&p), reference::krauth_mezard(&rule, &p)) {
                (Ok((net, report)), Ok((w, updates))) => {
                    proptest::prop_assert_eq!(report.iterations, updates);
                    proptest::prop_assert!(net.couplings().matrix() == &w);
                }
                (Err(MemoryError::NotConverged { iterations: a, .. }),
                 Err(MemoryError::NotConverged { iterations: b, .. })) => proptest::prop_assert_eq!(a, b),
                (a, b) => proptest::prop_assert!(false, "{:?} vs {:?}", a.map(|r| r.1), b.map(|r| r.1)),
            }
        }
    }

    /// Switching from 16-bit to 32-bit stabilities mid-run (forced early here) changes
    /// nothing.
    #[test]
    fn km_widening_keeps_the_run() {
        for (n, seed) in [(24, 1), (30, 2), (17, 3)] {
            let x = small_set(n, 4, seed).to_matrix();
            let rule = KrauthMezard::default();
            let narrow = rule.run(&x, i32::from(i16::MAX) - 1).unwrap();
            for limit in [1, 40, 150] {
                assert_eq!(
                    rule.run(&x, limit).unwrap(),
                    narrow,
                    "n = {n}, limit = {limit}"
                );
            }
        }
    }

    /// The lattice path is taken exactly when `q = 1/L` for an integer `L`.
    #[test]
    fn lattice_path_selection() {
        let p = small_set(12, 3, 4);
        let (x, w0) = (p.to_matrix(), fast_matrix(&p));
        assert!(CpLattice::new(&x, &w0, 1.0 / 12.0).is_some());
        assert!(CpLattice::new(&x, &w0, 1.0 / 5.0).is_some());
        assert!(CpLattice::new(&x, &w0, 0.037).is_none());
        assert!(CpLattice::new(&x, &w0, 2.0).is_none());
    }

    /// A bigger set than the property test, with many clipped pairs and many pattern steps
    /// with several flagged rows.
    #[test]
    fn perceptron_matches_reference_larger() {
        for (n, m, seed) in [(60, 6, 1), (45, 9, 2)] {
            let p = small_set(n, m, seed);
            let rule = ConstrainedPerceptron {
                delta1: 20,
                delta2: 20,
                ..Default::default()
            };
            let (net, report) = rule.train(&p).unwrap();
            let (w, sweeps, targets) = reference::constrained_perceptron_exact(&rule, &p);
            assert_eq!(report.iterations, sweeps);
            assert_eq!(report.targets, targets);
            assert!(net.couplings().matrix() == &w);
        }
    }

    /// On these sets the floating-point form of the algorithm (`W ← Φ(W + q k x x)`, which
    /// drifts off the lattice `(1/L) ℤ` by rounding) makes the same updates as the exact one.
    #[test]
    fn exact_and_floating_point_forms_agree() {
        for (n, m, seed) in [(60, 6, 1), (45, 9, 2), (33, 4, 3)] {
            let p = small_set(n, m, seed);
            let rule = ConstrainedPerceptron {
                delta1: 20,
                delta2: 20,
                ..Default::default()
            };
            let exact = reference::constrained_perceptron_exact(&rule, &p);
            let float = reference::constrained_perceptron(&rule, &p);
            assert_eq!(exact.1, float.1);
            assert_eq!(exact.2, float.2);
            assert!((exact.0 - float.0).abs().max() < 1e-12);
        }
    }

    #[test]
    fn km_rejects_update_limits_beyond_the_counters() {
        let p = small_set(8, 2, 1);
        let r = KrauthMezard {
            max_updates: usize::MAX / 2,
            ..Default::default()
        }
        .train(&p);
        assert!(matches!(r, Err(MemoryError::InvalidParams { .. })));
    }

    #[test]
    fn bad_params() {
        let p = Patterns::from_signs(&[vec![1, 1, -1]]).unwrap();
        let bad = |r: Result<(Network<Dense>, PerceptronReport)>| {
            matches!(r, Err(MemoryError::InvalidParams { .. }))
        };
        assert!(bad(ConstrainedPerceptron {
            q: Some(0.0),
            ..Default::default()
        }
        .train(&p)));
        assert!(bad(ConstrainedPerceptron {
            delta1: 0,
            ..Default::default()
        }
        .train(&p)));
        assert!(bad(KrauthMezard {
            c: f64::NAN,
            ..Default::default()
        }
        .train(&p)));
        assert!(bad(Gardner {
            kappa: -1.0,
            ..Default::default()
        }
        .train(&p)));
    }

    #[test]
    fn km_fails_on_fundamental_constraint() {
        let p = Patterns::from_signs(&[vec![1, 1, 1, 1], vec![1, 1, 1, -1]]).unwrap();
        let r = KrauthMezard {
            max_updates: 2_000,
            ..Default::default()
        }
        .train(&p);
        assert!(matches!(r, Err(MemoryError::NotConverged { .. })));
    }
}
