//! The schedules of [`Dynamics::run`](crate::Dynamics::run), driven through a kernel.
//!
//! Both loops mirror `Dynamics::run` step for step (same RNG calls, same order of checks), so
//! a kernel whose decisions equal the plain dynamics' decisions gives the same trajectory.

use nalgebra::DMatrix;
use rand::seq::SliceRandom;
use rand::{Rng, RngExt};

use super::{Batch, Kernel, Outcome, Real};
use crate::dynamics::{Schedule, Termination};
use crate::state::TieRule;

/// One state's fields, seen by the asynchronous schedules.
pub(crate) trait Oracle {
    /// Number of neurons.
    fn n(&self) -> usize;
    /// Whether the update rule would flip neuron `i`; `None` when the decision cannot be
    /// certified.
    fn would_flip(&mut self, i: usize) -> Option<bool>;
    /// Flips neuron `i` and brings the fields current.
    fn flip(&mut self, i: usize);
    /// Called at the start of every sweep (and every `N` steps of the random-neuron
    /// schedule): a chance to drop accumulated rounding.
    fn refresh(&mut self) {}
}

/// Runs an asynchronous schedule: `None` if a decision could not be certified.
pub(crate) fn run_async<O: Oracle, R: Rng + ?Sized>(
    o: &mut O,
    schedule: Schedule,
    max_steps: u64,
    rng: &mut R,
) -> Option<(Termination, u64, u64)> {
    let n = o.n();
    let mut steps = 0u64;
    let mut flips = 0u64;
    if n == 0 {
        return Some((Termination::FixedPoint, 0, 0));
    }
    match schedule {
        Schedule::RandomNeuron => {
            let mut idle = 0usize;
            while steps < max_steps {
                if steps.is_multiple_of(n as u64) {
                    o.refresh();
                }
                let i = rng.random_range(0..n);
                steps += 1;
                if o.would_flip(i)? {
                    o.flip(i);
                    flips += 1;
                    idle = 0;
                } else {
                    idle += 1;
                }
                if idle >= n {
                    let mut fixed = true;
                    for j in 0..n {
                        if o.would_flip(j)? {
                            fixed = false;
                            break;
                        }
                    }
                    if fixed {
                        return Some((Termination::FixedPoint, steps, flips));
                    }
                    idle = 0;
                }
            }
        }
        Schedule::RandomSweep | Schedule::FixedOrder => {
            let mut order: Vec<usize> = (0..n).collect();
            'sweeps: while steps < max_steps {
                if schedule == Schedule::RandomSweep {
                    order.shuffle(rng);
                }
                o.refresh();
                let mut sweep_flips = 0u64;
                for &i in &order {
                    if steps >= max_steps {
                        flips += sweep_flips;
                        break 'sweeps;
                    }
                    steps += 1;
                    if o.would_flip(i)? {
                        o.flip(i);
                        sweep_flips += 1;
                    }
                }
                flips += sweep_flips;
                if sweep_flips == 0 {
                    return Some((Termination::FixedPoint, steps, flips));
                }
            }
        }
        // The batch runs synchronous schedules through `run_sync`.
        Schedule::Synchronous => return None,
    }
    Some((Termination::MaxSteps, steps, flips))
}

/// Runs the synchronous schedule on every state of the batch.
pub(crate) fn run_sync<T: Real, K: Kernel<T>>(
    k: &K,
    batch: &mut Batch<T>,
    h: &mut DMatrix<T>,
    aux: &mut K::Aux,
    tie: TieRule,
    max_steps: u64,
) -> Vec<Outcome> {
    let _ = k.n();
    let b = batch.s.ncols();
    let mut out: Vec<Outcome> = vec![None; b];
    if max_steps == 0 {
        for (p, o) in out.iter_mut().enumerate() {
            *o = Some((Termination::MaxSteps, 0, 0, k.energy(batch, h, aux, p)));
        }
        return out;
    }
    let cert = k.certify();
    let mut steps = vec![0u64; b];
    let mut flips = vec![0u64; b];
    let mut prev: Vec<Vec<u32>> = vec![Vec::new(); b];
    let mut cur: Vec<Vec<u32>> = vec![Vec::new(); b];
    let mut active: Vec<usize> = (0..b).collect();
    let (high, low) = (batch.high, batch.low);
    let mut flags: Vec<u8> = Vec::new();
    while !active.is_empty() {
        let mut moved = Vec::with_capacity(active.len());
        let mut fixed = Vec::new();
        let mut ended = Vec::new();
        for &p in &active {
            let c = &mut cur[p];
            c.clear();
            let uncertain = {
                let hc = h.column(p);
                let sc = batch.s.column(p);
                let t = k.magnitude(aux, p);
                decide(
                    cert,
                    tie,
                    hc.as_slice(),
                    sc.as_slice(),
                    (high, low),
                    (flips[p], t),
                    (c, &mut flags),
                )
            };
            if uncertain {
                continue; // `out[p]` stays `None`: rerun by the reference.
            }
            {
                let mut sc = batch.s.column_mut(p);
                for &i in c.iter() {
                    let v = &mut sc[i as usize];
                    *v = if *v == high { low } else { high };
                }
            }
            steps[p] += 1;
            flips[p] += c.len() as u64;
            if c.is_empty() {
                // Unchanged by this step's update: its energy is taken with the others below.
                fixed.push(p);
            } else if steps[p] >= 2 && cur[p] == prev[p] {
                ended.push((p, Termination::TwoCycle));
            } else if steps[p] >= max_steps {
                ended.push((p, Termination::MaxSteps));
            } else {
                moved.push(p);
            }
        }
        let ended_ids: Vec<usize> = ended.iter().map(|&(p, _)| p).collect();
        k.sync_update(batch, h, aux, &moved, &ended_ids, &cur);
        let ends = fixed
            .iter()
            .map(|&p| (p, Termination::FixedPoint))
            .chain(ended);
        let ids: Vec<usize> = ends.clone().map(|(p, _)| p).collect();
        for ((p, termination), energy) in ends.zip(k.energies(batch, h, aux, &ids)) {
            out[p] = Some((termination, steps[p], flips[p], energy));
        }
        for &p in &moved {
            std::mem::swap(&mut prev[p], &mut cur[p]);
        }
        active = moved;
    }
    out
}

/// Collects into `flips` the neurons a synchronous step flips (`flags` is scratch); returns
/// `true` if a decision could not be certified.
fn decide<T: Real>(
    cert: &super::Certify,
    tie: TieRule,
    h: &[T],
    s: &[T],
    (high, low): (T, T),
    (flips_so_far, magnitude): (u64, f64),
    (flips, flags): (&mut Vec<u32>, &mut Vec<u8>),
) -> bool {
    let n = h.len();
    // Certified kernels: every field must clear its rounding bound (a vectorized pass); then
    // the decisions are exact decisions on the true signs, and zero fields (possible only
    // where the bound is zero) follow the tie rule as below.
    if !cert.is_exact() && cert.any_uncertain(h, flips_so_far, magnitude) {
        return true;
    }
    // A neuron flips when its field disagrees with its value (`f · (s − mid) < 0`), or at a
    // zero field under `TieRule::High` when it is low. A vectorized pass writes one flag byte
    // per neuron and counts them; most steps of a converging state have none. The indices are
    // then read eight flags at a time, skipping words without a flip.
    let mid = (high + low) * T::of(0.5);
    let tie_high = tie == TieRule::High;
    flags.resize(n, 0);
    let mut candidates = 0u32;
    for ((g, &f), &v) in flags.iter_mut().zip(h).zip(s) {
        let d = f * (v - mid);
        let flip = (d < T::zero()) | (tie_high & (f == T::zero()) & (v != high));
        *g = u8::from(flip);
        candidates += u32::from(flip);
    }
    if candidates == 0 {
        return false;
    }
    flips.clear();
    flips.reserve(candidates as usize);
    let words = flags.chunks_exact(8);
    let tail = words.remainder();
    let full = n - tail.len();
    let mut word_at = |base: usize, mut word: u64| {
        // Each byte is 0 or 1, so clearing the lowest set bit clears one flag.
        while word != 0 {
            #[allow(clippy::cast_possible_truncation)]
            flips.push((base + (word.trailing_zeros() / 8) as usize) as u32);
            word &= word - 1;
        }
    };
    for (w, chunk) in words.enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        word_at(w * 8, u64::from_le_bytes(bytes));
    }
    let mut bytes = [0u8; 8];
    bytes[..tail.len()].copy_from_slice(tail);
    word_at(full, u64::from_le_bytes(bytes));
    false
}
