//! Empirical recall (noise, probes, diagnostics) and capacity sweeps.
//!
//! A probe is a stored pattern with `k` distinct components flipped; it is run to a fixed
//! point (asynchronous schedules) or to a fixed point or two-cycle (synchronous), never for a
//! single step, and the final state is classified ([`FinalState`]). Probe `p` of pattern `u`
//! draws its noise and schedule from `derive_seed(seed, &[u, p])`, so the results do not
//! depend on the number of rayon threads. The `≈ 0.138 N` Hebbian capacity that
//! [`capacity_sweep`] measures is Amit, Gutfreund & Sompolinsky (1985).
//!
//! # Speed
//! Probes run in batches of at most [`BATCH`] through hopfield-core's batched engine
//! ([`BatchPlan`]): the first local fields of a batch are one matrix product, synchronous
//! steps after the first update only what flipped, and networks in pattern space
//! ([`LowRank`](hopfield_core::LowRank), from [`Hebbian::learn_low_rank`] or
//! [`Projection::learn_low_rank`]) never form the `N × N` matrix, except for asynchronous runs
//! with at least 16 patterns (`N ≤ 32 M`, `N ≤ 4096`), which are faster on `N × N` columns in
//! `f32` built once per call (on every thread, before the batches start; see
//! [`BatchPlan::prepare`]). Batches run in parallel on rayon's pool. Every probe ends exactly
//! where [`run_probe`] (the plain
//! [`Dynamics`] on one probe) ends it: the engine computes exactly for integer weights and
//! certifies every decision otherwise (see [`hopfield_core::Precision`]).
//!
//! Classification costs `O(M N)` per probe (the overlaps with every pattern, one matrix
//! product per batch) plus an exact check of the few three-pattern mixtures the overlaps
//! allow; [`recall_summary`] skips it.
//!
//! [`Hebbian::learn_low_rank`]: crate::rules::Hebbian::learn_low_rank
//! [`Projection::learn_low_rank`]: crate::rules::Projection::learn_low_rank

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::Rng;
use hopfield_core::rand::seq::SliceRandom;
use hopfield_core::{
    BatchForm, BatchPlan, Couplings, Dynamics, Encoding, Executor, HopfieldRng, Network, RunConfig,
    RunReport, Schedule, State, Termination, TieRule, derive_seed, rng_from_seed,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::analyze;
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;
use crate::rules::LearningRule;

/// The most probes per batch of the batched engine (the results do not depend on the batch
/// size: every probe ends where it would alone).
pub const BATCH: usize = 256;

/// Probes per batch for `total` probes on `threads` threads: [`BATCH`], or fewer so that
/// every thread gets several batches. With two batches per thread a thread that starts late
/// (a worker waking up), draws slower probes or runs on a busier core delays the whole run;
/// with more, the other threads take over its share (every batch is its own rayon job), and
/// the threads finish closer together.
/// Asynchronous probes run one by one after the batch's first fields (the `N × N` columns,
/// when used, are built before the batches start), so theirs are split into thirty-two per
/// thread, of at least 16 probes. Synchronous batches are matrix products over the batch,
/// which lose efficiency as the batch shrinks: they are split into eight per thread when one
/// probe's step is cheap (`step_cost`, its multiply-adds, at most [`SMALL_STEP`]: a batch then
/// takes a few milliseconds at most, and the balance matters more), else into four, of at
/// least 64 probes.
fn batch_size(total: usize, threads: usize, schedule: Schedule, step_cost: usize) -> usize {
    if threads <= 1 {
        return BATCH;
    }
    let (per_thread, least) = match schedule {
        Schedule::Synchronous if step_cost <= SMALL_STEP => (8, 64),
        Schedule::Synchronous => (4, 64),
        _ => (32, 16),
    };
    total.div_ceil(per_thread * threads).clamp(least, BATCH)
}

/// See [`batch_size`]: `2¹⁸` multiply-adds per probe and step (`N M` in pattern space, `N²`
/// dense); N = 784 with up to 334 patterns is below it.
const SMALL_STEP: usize = 1 << 18;

/// How to probe a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallConfig {
    /// Components flipped in each probe (`k ≤ N`).
    pub noise_bits: usize,
    /// Probes per stored pattern (`≥ 1`).
    pub probes: usize,
    /// Update schedule (default asynchronous [`Schedule::RandomSweep`]).
    pub schedule: Schedule,
    /// Step limit in sweeps: `max_sweeps · N` neuron updates for asynchronous schedules,
    /// `max_sweeps` synchronous steps (default 100).
    pub max_sweeps: u64,
    /// Tie rule (default [`TieRule::High`], `sgn(0) = +1` as Liang–Wu–Yu).
    pub tie: TieRule,
    /// Base seed.
    pub seed: u64,
}

impl Default for RecallConfig {
    fn default() -> Self {
        RecallConfig {
            noise_bits: 0,
            probes: 100,
            schedule: Schedule::RandomSweep,
            max_sweeps: 100,
            tie: TieRule::High,
            seed: 0,
        }
    }
}

/// Where a run ended, relative to the stored patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalState {
    /// Exactly stored pattern `u` (the lowest index if patterns repeat).
    Stored(usize),
    /// Exactly the negation `−x^u` of stored pattern `u` (a spurious state every symmetric,
    /// bias-free ±1 network with zero diagonal shares with `x^u`).
    Negation(usize),
    /// A three-pattern mixture `sgn(ε_a x^a + ε_b x^b + ε_c x^c)` (`a < b < c`, `ε = ±1`),
    /// the classic odd mixture state of Amit, Gutfreund & Sompolinsky.
    Mixture {
        /// The patterns `a < b < c`.
        patterns: [usize; 3],
        /// Their signs `ε`.
        signs: [i8; 3],
    },
    /// Any other state.
    Spurious,
}

/// Classifies a ±1 (or 0/1, mapped to ±1) state against the patterns: the lowest stored
/// pattern it equals, else the lowest negation, else the first three-pattern mixture in the
/// order `a < b < c`, `(ε_a, ε_b)` in `(+,+), (+,−), (−,+), (−,−)`, `ε_c` in `+, −`.
///
/// Cost `O(M N)`: the overlaps `m_u = x^u · s` decide stored patterns and negations, and
/// prune the mixtures: `s = sgn(ε_a x^a + ε_b x^b + ε_c x^c)` implies
/// `ε_a m_a + ε_b m_b + ε_c m_c = N + 2t ≥ N` (`t` = components where the three agree), so
/// only triples that pass this test are checked component by component.
pub fn classify(state: &State, patterns: &Patterns) -> FinalState {
    let s = state.to_encoding(Encoding::Bipolar);
    let s = s.as_slice();
    if s.len() != patterns.n() {
        return FinalState::Spurious;
    }
    let overlaps: Vec<i64> = patterns
        .iter()
        .map(|x| {
            x.as_slice()
                .iter()
                .zip(s)
                .map(|(a, b)| if a == b { 1 } else { -1 })
                .sum()
        })
        .collect();
    classify_with_overlaps(s, patterns, &overlaps)
}

/// [`classify`] for a ±1 state whose overlaps with every pattern are known.
fn classify_with_overlaps(s: &[f64], patterns: &Patterns, overlaps: &[i64]) -> FinalState {
    let n = patterns.n() as i64;
    if let Some(u) = overlaps.iter().position(|&m| m == n) {
        return FinalState::Stored(u);
    }
    if let Some(u) = overlaps.iter().position(|&m| m == -n) {
        return FinalState::Negation(u);
    }
    let m = patterns.m();
    if m < 3 {
        return FinalState::Spurious;
    }
    let mut largest: Vec<i64> = overlaps.iter().map(|v| v.abs()).collect();
    largest.sort_unstable_by(|a, b| b.cmp(a));
    let (top1, top2) = (largest[0], largest[1]);
    let x = |u: usize| patterns.get(u).as_slice();
    for a in 0..m {
        let ma = overlaps[a];
        if ma.abs() + top1 + top2 < n {
            continue;
        }
        for b in (a + 1)..m {
            let mb = overlaps[b];
            if ma.abs() + mb.abs() + top1 < n {
                continue;
            }
            for (ea, eb) in [(1, 1), (1, -1), (-1, 1), (-1, -1)] {
                let pair = ea * ma + eb * mb;
                if pair + top1 < n {
                    continue;
                }
                for (c, &mc) in overlaps.iter().enumerate().skip(b + 1) {
                    for ec in [1, -1] {
                        if pair + ec * mc < n {
                            continue;
                        }
                        let (xa, xb, xc) = (x(a), x(b), x(c));
                        let (fa, fb, fc) = (ea as f64, eb as f64, ec as f64);
                        let majority = (0..s.len()).all(|i| {
                            let (ya, yb) = (fa * xa[i], fb * xb[i]);
                            if ya == yb {
                                ya == s[i]
                            } else {
                                fc * xc[i] == s[i]
                            }
                        });
                        if majority {
                            return FinalState::Mixture {
                                patterns: [a, b, c],
                                #[allow(clippy::cast_possible_truncation)]
                                signs: [ea as i8, eb as i8, ec as i8],
                            };
                        }
                    }
                }
            }
        }
    }
    FinalState::Spurious
}

/// The outcome of one probe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// The pattern the probe was made from.
    pub pattern: usize,
    /// The probe's index.
    pub probe: usize,
    /// Overlap `(1/N) Σ_i x_i^u s_i` of the final state with the pattern, in `[−1, 1]`.
    pub overlap: f64,
    /// Whether the final state is exactly the pattern.
    pub recalled: bool,
    /// What the final state is.
    pub final_state: FinalState,
    /// How the run ended (`MaxSteps` means it did not converge).
    pub termination: Termination,
    /// Steps taken.
    pub steps: u64,
}

/// Counts of final states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// Ended in the probed pattern.
    pub target: usize,
    /// Ended in another stored pattern.
    pub other_stored: usize,
    /// Ended in a negated pattern.
    pub negation: usize,
    /// Ended in a three-pattern mixture.
    pub mixture: usize,
    /// Ended elsewhere.
    pub spurious: usize,
    /// Runs that reached a fixed point.
    pub fixed_point: usize,
    /// Synchronous runs that ended in a two-cycle.
    pub two_cycle: usize,
    /// Runs that hit the step limit.
    pub max_steps: usize,
}

/// Everything [`recall`] measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecallReport {
    /// The configuration.
    pub config: RecallConfig,
    /// Fraction of probes that ended exactly in their pattern.
    pub fraction_recalled: f64,
    /// Mean overlap of the final state with the probed pattern.
    pub mean_overlap: f64,
    /// Counts of outcomes.
    pub counts: OutcomeCounts,
    /// Every probe, ordered by `(pattern, probe)`.
    pub probes: Vec<ProbeResult>,
}

/// `pattern` with `k` distinct random components flipped.
pub fn corrupt<R: Rng + ?Sized>(pattern: &State, k: usize, rng: &mut R) -> Result<State> {
    check_flips(k, pattern.len())?;
    let mut s = pattern.clone();
    flip_distinct(&mut s, k, rng, &mut Vec::with_capacity(pattern.len()))?;
    Ok(s)
}

/// At most `n` components of an `n`-neuron state can be flipped.
fn check_flips(k: usize, n: usize) -> Result<()> {
    if k > n {
        return Err(MemoryError::InvalidParams {
            name: "noise_bits",
            reason: format!("{k} flips exceed the {n} components"),
        });
    }
    Ok(())
}

/// Flips `k` distinct random components of `s` in place, chosen by a partial shuffle of the
/// indices (the same components for the same generator state, whatever `idx` held before).
/// `idx` is scratch space, reused between probes.
fn flip_distinct<R: Rng + ?Sized>(
    s: &mut State,
    k: usize,
    rng: &mut R,
    idx: &mut Vec<usize>,
) -> Result<()> {
    let n = s.len();
    check_flips(k, n)?;
    idx.clear();
    idx.extend(0..n);
    let (chosen, _) = idx.partial_shuffle(rng, k);
    for &i in chosen.iter() {
        s.flip(i);
    }
    Ok(())
}

fn check_config(config: &RecallConfig, n: usize) -> Result<()> {
    if config.noise_bits > n {
        return Err(MemoryError::InvalidParams {
            name: "noise_bits",
            reason: format!("{} flips exceed the {n} components", config.noise_bits),
        });
    }
    if config.probes == 0 {
        return Err(MemoryError::InvalidParams {
            name: "probes",
            reason: "at least one probe is needed".into(),
        });
    }
    if config.max_sweeps == 0 {
        return Err(MemoryError::InvalidParams {
            name: "max_sweeps",
            reason: "at least one sweep is needed".into(),
        });
    }
    Ok(())
}

/// Checks that `patterns` fit `net` and that `config` is valid.
fn check_inputs<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    config: &RecallConfig,
) -> Result<()> {
    if patterns.n() != net.n() {
        return Err(MemoryError::UnequalLengths {
            index: 0,
            expected: net.n(),
            found: patterns.n(),
        });
    }
    check_config(config, net.n())
}

/// Runs one probe of pattern `u` (deterministic in `config.seed`, `u` and `probe`) through the
/// plain [`Dynamics`]: the reference that [`recall`]'s batched engine reproduces exactly.
///
/// Checks its inputs as [`recall`] does, and returns [`MemoryError::InvalidParams`] when `u`
/// is not a pattern index (`u ≥ M`).
pub fn run_probe<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    u: usize,
    probe: usize,
    config: &RecallConfig,
) -> Result<ProbeResult> {
    check_inputs(net, patterns, config)?;
    if u >= patterns.m() {
        return Err(MemoryError::InvalidParams {
            name: "u",
            reason: format!("pattern {u} does not exist ({} stored)", patterns.m()),
        });
    }
    probe_checked(net, patterns, u, probe, config)
}

/// [`run_probe`] after its checks.
fn probe_checked<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    u: usize,
    probe: usize,
    config: &RecallConfig,
) -> Result<ProbeResult> {
    let n = net.n();
    let mut rng = rng_from_seed(derive_seed(config.seed, &[u as u64, probe as u64]));
    let target = patterns.get(u);
    let start = corrupt(
        &target.to_encoding(net.encoding()),
        config.noise_bits,
        &mut rng,
    )?;
    let mut dynamics = Dynamics::new(net, start, config.tie)?;
    let run = RunConfig {
        schedule: config.schedule,
        max_steps: step_limit(config, n),
    };
    let report = dynamics.run(&run, &mut rng, &mut hopfield_core::NoObserver);
    let end = dynamics.into_state().to_encoding(Encoding::Bipolar);
    let overlap = end
        .as_slice()
        .iter()
        .zip(target.as_slice())
        .map(|(a, b)| a * b)
        .sum::<f64>()
        / n as f64;
    let recalled = end.as_slice() == target.as_slice();
    Ok(ProbeResult {
        pattern: u,
        probe,
        overlap,
        recalled,
        final_state: classify(&end, patterns),
        termination: report.termination,
        steps: report.steps,
    })
}

/// Probes every pattern `config.probes` times with `config.noise_bits` flips, in parallel over
/// batches of probes, and classifies every final state. Cost: `M · probes` runs through the
/// batched engine (see the [module docs](self)) plus `O(M N)` per probe for classification.
/// The results equal [`run_probe`] on every probe, whatever the thread count.
pub fn recall<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    config: &RecallConfig,
) -> Result<RecallReport> {
    check_inputs(net, patterns, config)?;
    let total = patterns.m() * config.probes;
    let per = config.probes;
    let outputs = run_batched(net, patterns, config, total, |k| (k / per, k % per), true)?;
    let probes: Vec<ProbeResult> = outputs
        .into_iter()
        .map(|o| ProbeResult {
            pattern: o.pattern,
            probe: o.probe,
            overlap: o.overlap,
            recalled: o.recalled,
            final_state: o.final_state.unwrap_or(FinalState::Spurious),
            termination: o.termination,
            steps: o.steps,
        })
        .collect();
    let mut counts = OutcomeCounts::default();
    for p in &probes {
        match p.final_state {
            FinalState::Stored(v) if v == p.pattern => counts.target += 1,
            FinalState::Stored(_) => counts.other_stored += 1,
            FinalState::Negation(_) => counts.negation += 1,
            FinalState::Mixture { .. } => counts.mixture += 1,
            FinalState::Spurious => counts.spurious += 1,
        }
        match p.termination {
            Termination::FixedPoint => counts.fixed_point += 1,
            Termination::TwoCycle => counts.two_cycle += 1,
            Termination::MaxSteps | Termination::Stopped => counts.max_steps += 1,
        }
    }
    let recalled = probes.iter().filter(|p| p.recalled).count();
    let mean_overlap = probes.iter().map(|p| p.overlap).sum::<f64>() / total as f64;
    Ok(RecallReport {
        config: *config,
        fraction_recalled: recalled as f64 / total as f64,
        mean_overlap,
        counts,
        probes,
    })
}

/// What [`recall_summary`] and [`recall_cycling`] measured: [`recall`]'s figures without the
/// per-probe list and without classifying final states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecallSummary {
    /// The configuration.
    pub config: RecallConfig,
    /// Probes run.
    pub probes: usize,
    /// Probes that ended exactly in their pattern.
    pub recalled: usize,
    /// Fraction of probes that ended exactly in their pattern.
    pub fraction_recalled: f64,
    /// Mean overlap of the final state with the probed pattern.
    pub mean_overlap: f64,
    /// Runs that reached a fixed point.
    pub fixed_point: usize,
    /// Synchronous runs that ended in a two-cycle.
    pub two_cycle: usize,
    /// Runs that hit the step limit.
    pub max_steps: usize,
    /// Steps taken in all (neuron updates, or synchronous sweeps).
    pub steps: u64,
}

/// [`recall`] without classification or per-probe results: the same probes (pattern `u`,
/// probe `p`, seeded by `derive_seed(seed, &[u, p])`), the same fraction recalled and mean
/// overlap.
pub fn recall_summary<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    config: &RecallConfig,
) -> Result<RecallSummary> {
    check_inputs(net, patterns, config)?;
    let per = config.probes;
    let total = patterns.m() * per;
    let outputs = run_batched(net, patterns, config, total, |k| (k / per, k % per), false)?;
    Ok(summarize(config, &outputs))
}

/// `total_probes` probes cycling through the patterns, as the usual batched scripts do: probe
/// `k` is pattern `u = k mod M` with its probe index `p = ⌊k / M⌋` (seeded
/// `derive_seed(seed, &[u, p])`, so `M · probes` of them are exactly [`recall`]'s probes).
/// `config.probes` is ignored.
pub fn recall_cycling<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    config: &RecallConfig,
    total_probes: usize,
) -> Result<RecallSummary> {
    if total_probes == 0 {
        return Err(MemoryError::InvalidParams {
            name: "probes",
            reason: "at least one probe is needed".into(),
        });
    }
    check_inputs(
        net,
        patterns,
        &RecallConfig {
            probes: 1,
            ..*config
        },
    )?;
    let m = patterns.m();
    let outputs = run_batched(
        net,
        patterns,
        config,
        total_probes,
        |k| (k % m, k / m),
        false,
    )?;
    let mut summary = summarize(config, &outputs);
    summary.config.probes = total_probes.div_ceil(m);
    Ok(summary)
}

fn summarize(config: &RecallConfig, outputs: &[ProbeOutput]) -> RecallSummary {
    let total = outputs.len();
    let count = |t: Termination| outputs.iter().filter(|o| o.termination == t).count();
    let recalled = outputs.iter().filter(|o| o.recalled).count();
    RecallSummary {
        config: *config,
        probes: total,
        recalled,
        fraction_recalled: recalled as f64 / total as f64,
        mean_overlap: outputs.iter().map(|o| o.overlap).sum::<f64>() / total as f64,
        fixed_point: count(Termination::FixedPoint),
        two_cycle: count(Termination::TwoCycle),
        max_steps: count(Termination::MaxSteps) + count(Termination::Stopped),
        steps: outputs.iter().map(|o| o.steps).sum(),
    }
}

/// One probe's outcome inside the batched runner.
struct ProbeOutput {
    pattern: usize,
    probe: usize,
    overlap: f64,
    recalled: bool,
    final_state: Option<FinalState>,
    termination: Termination,
    steps: u64,
}

/// Runs probes `0..total` (`id(k) = (pattern, probe index)`) in batches of [`BATCH`], in
/// parallel; inputs are checked by the caller.
fn run_batched<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    config: &RecallConfig,
    total: usize,
    id: impl Fn(usize) -> (usize, usize) + Sync,
    classify: bool,
) -> Result<Vec<ProbeOutput>> {
    let plan = BatchPlan::new(net)?;
    let n = net.n();
    let run = RunConfig {
        schedule: config.schedule,
        max_steps: step_limit(config, n),
    };
    // Xᵀ (M × N) in f32: ±1 overlaps are exact integers.
    let xt =
        classify.then(|| DMatrix::from_fn(patterns.m(), n, |u, i| patterns.value(u, i) as f32));
    let step_cost = match plan.form() {
        BatchForm::LowRank => n.saturating_mul(patterns.m()),
        _ => n.saturating_mul(n),
    };
    let size = batch_size(
        total,
        rayon::current_num_threads(),
        config.schedule,
        step_cost,
    );
    // Asynchronous runs of large low-rank networks go through `N × N` columns: build them
    // on every thread first, rather than in the first batch while the others wait.
    plan.prepare(config.schedule, total, &RayonTasks);
    let batches: Vec<Vec<ProbeOutput>> = (0..total.div_ceil(size))
        .into_par_iter()
        // One job per batch, so that an idle thread can take any batch not yet started.
        .with_max_len(1)
        .map(|c| {
            let ids: Vec<(usize, usize)> = (c * size..total.min((c + 1) * size)).map(&id).collect();
            let mut states = Vec::with_capacity(ids.len());
            let mut rngs: Vec<HopfieldRng> = Vec::with_capacity(ids.len());
            let mut idx = Vec::with_capacity(n);
            for &(u, p) in &ids {
                let mut rng = rng_from_seed(derive_seed(config.seed, &[u as u64, p as u64]));
                let mut start = patterns.get(u).to_encoding(net.encoding());
                flip_distinct(&mut start, config.noise_bits, &mut rng, &mut idx)?;
                states.push(start);
                rngs.push(rng);
            }
            let reports = plan.run(&mut states, &mut rngs, config.tie, &run)?;
            let ends: Vec<State> = if net.encoding() == Encoding::Bipolar {
                states
            } else {
                states
                    .iter()
                    .map(|s| s.to_encoding(Encoding::Bipolar))
                    .collect()
            };
            let overlaps = xt.as_ref().map(|xt| {
                let s = DMatrix::from_fn(n, ends.len(), |i, k| ends[k].as_slice()[i] as f32);
                xt * s
            });
            Ok(ids
                .iter()
                .zip(&ends)
                .zip(&reports)
                .enumerate()
                .map(|(k, ((&(u, p), end), report))| {
                    let target = patterns.get(u).as_slice();
                    // Σ_i x_i s_i as a count of agreements (exact; it vectorizes).
                    let agree: usize = end
                        .as_slice()
                        .iter()
                        .zip(target)
                        .map(|(a, b)| usize::from(a == b))
                        .sum();
                    let overlap = (2.0 * agree as f64 - n as f64) / n as f64;
                    // Recalled: every component equal (the count above, not a second pass).
                    let recalled = agree == n;
                    let final_state = overlaps.as_ref().map(|o| {
                        #[allow(clippy::cast_possible_truncation)]
                        let m: Vec<i64> = o.column(k).iter().map(|&v| v as i64).collect();
                        classify_with_overlaps(end.as_slice(), patterns, &m)
                    });
                    let RunReport {
                        termination, steps, ..
                    } = *report;
                    ProbeOutput {
                        pattern: u,
                        probe: p,
                        overlap,
                        recalled,
                        final_state,
                        termination,
                        steps,
                    }
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok(batches.into_iter().flatten().collect())
}

/// Runs a plan's preparation tasks on rayon's pool, one job per task.
struct RayonTasks;

impl Executor for RayonTasks {
    fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
        (0..count).into_par_iter().with_max_len(1).for_each(task);
    }
}

/// The step limit of `config` for `n` neurons.
fn step_limit(config: &RecallConfig, n: usize) -> u64 {
    match config.schedule {
        Schedule::Synchronous => config.max_sweeps,
        _ => config.max_sweeps.saturating_mul(n as u64),
    }
}

/// One synchronous step from `state` (Theorem 2's map `x ↦ sgn(W x)`).
pub fn one_sync_step<C: Couplings>(net: &Network<C>, state: &State, tie: TieRule) -> Result<State> {
    let mut d = Dynamics::new(net, state.clone(), tie)?;
    d.sync_step();
    Ok(d.into_state())
}

/// How to sweep the number of random patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityConfig {
    /// Neurons `N`.
    pub n: usize,
    /// Pattern counts `M` to try.
    pub ms: Vec<usize>,
    /// Independent random pattern sets per `M` (`≥ 1`).
    pub trials: usize,
    /// Probes per pattern for the recall measurement.
    pub probes: usize,
    /// Fraction of components flipped in a probe (default 0.1).
    pub noise_fraction: f64,
    /// Recall schedule, tie rule and step limit (the `noise_bits`, `probes` and `seed` of this
    /// value are replaced per cell).
    pub recall: RecallConfig,
    /// Base seed.
    pub seed: u64,
}

/// One cell of a capacity sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityPoint {
    /// The rule's name.
    pub rule: String,
    /// Patterns stored.
    pub m: usize,
    /// `M / N`.
    pub alpha: f64,
    /// Fraction of patterns that are fixed points (failed learning counts as 0).
    pub fraction_fixed: f64,
    /// Fraction of probes recalled exactly from `noise_fraction` noise (failed learning counts
    /// as 0).
    pub fraction_recalled: f64,
    /// Mean final overlap of the probes, over the trials whose learning succeeded (each trial
    /// weighted equally); NaN if learning failed in every trial.
    pub mean_overlap: f64,
    /// Trials where learning failed (e.g. a perceptron did not converge).
    pub learn_failures: usize,
}

/// For each rule and each `M`: `trials` random unbiased pattern sets (the same sets for every
/// rule, from `derive_seed(seed, &[M, trial])`), the fraction that are fixed points and the
/// fraction recalled from `noise_fraction · N` flipped bits. A trial whose learning fails with
/// [`MemoryError::NotConverged`] counts as 0 in both fractions and is left out of
/// [`mean_overlap`](CapacityPoint::mean_overlap).
pub fn capacity_sweep(
    rules: &[&dyn LearningRule],
    config: &CapacityConfig,
) -> Result<Vec<CapacityPoint>> {
    if config.n == 0 || config.trials == 0 || config.probes == 0 {
        return Err(MemoryError::InvalidParams {
            name: "capacity",
            reason: "n, trials and probes must be ≥ 1".into(),
        });
    }
    if !(0.0..=1.0).contains(&config.noise_fraction) {
        return Err(MemoryError::InvalidParams {
            name: "noise_fraction",
            reason: format!("{} is not in [0, 1]", config.noise_fraction),
        });
    }
    let noise_bits = (config.noise_fraction * config.n as f64).round() as usize;
    let mut out = Vec::new();
    for rule in rules {
        for &m in &config.ms {
            if m == 0 {
                return Err(MemoryError::InvalidParams {
                    name: "ms",
                    reason: "every M must be ≥ 1".into(),
                });
            }
            let (mut fixed, mut recalled, mut overlap, mut failures) = (0usize, 0usize, 0.0, 0);
            for trial in 0..config.trials {
                let mut rng = rng_from_seed(derive_seed(config.seed, &[m as u64, trial as u64]));
                let patterns = Patterns::random(config.n, m, &mut rng)?;
                let net = match rule.learn(&patterns) {
                    Ok(net) => net,
                    Err(MemoryError::NotConverged { .. }) => {
                        failures += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                fixed += analyze(&net, &patterns, config.recall.tie)?.stored_count();
                let rc = RecallConfig {
                    noise_bits,
                    probes: config.probes,
                    seed: derive_seed(config.seed, &[m as u64, trial as u64, 1]),
                    ..config.recall
                };
                let summary = recall_summary(&net, &patterns, &rc)?;
                recalled += summary.recalled;
                overlap += summary.mean_overlap;
            }
            let sets = (m * config.trials) as f64;
            out.push(CapacityPoint {
                rule: rule.name().to_string(),
                m,
                alpha: m as f64 / config.n as f64,
                fraction_fixed: fixed as f64 / sets,
                fraction_recalled: recalled as f64 / (sets * config.probes as f64),
                mean_overlap: if failures == config.trials {
                    f64::NAN
                } else {
                    overlap / (config.trials - failures) as f64
                },
                learn_failures: failures,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{FastRule, Hebbian, LearningRule};
    use hopfield_core::Dense;

    #[test]
    fn corrupt_flips_exactly_k_distinct_components() {
        let n = 37;
        let base = State::new(Encoding::Bipolar, vec![1.0; n]).unwrap();
        let binary = base.to_encoding(Encoding::Binary);
        for seed in 0..20u64 {
            for k in [0, 1, 5, n - 1, n] {
                let mut rng = rng_from_seed(seed);
                let s = corrupt(&base, k, &mut rng).unwrap();
                assert_eq!(s.as_slice().iter().filter(|&&v| v == -1.0).count(), k);
                // Same components for the other encoding and the same generator state.
                let mut rng = rng_from_seed(seed);
                let t = corrupt(&binary, k, &mut rng).unwrap();
                assert_eq!(t.to_encoding(Encoding::Bipolar), s);
            }
        }
        assert!(matches!(
            corrupt(&base, n + 1, &mut rng_from_seed(0)),
            Err(MemoryError::InvalidParams {
                name: "noise_bits",
                ..
            })
        ));
    }

    #[test]
    fn run_probe_checks_its_inputs() {
        let p = Patterns::from_signs(&[vec![1, -1, 1, 1], vec![-1, -1, 1, -1]]).unwrap();
        let net = FastRule.learn(&p).unwrap();
        let config = RecallConfig::default();
        assert!(run_probe(&net, &p, 1, 0, &config).is_ok());
        for u in [2, 100] {
            assert!(matches!(
                run_probe(&net, &p, u, 0, &config),
                Err(MemoryError::InvalidParams { name: "u", .. })
            ));
        }
        for bad in [
            RecallConfig {
                noise_bits: 5,
                ..config
            },
            RecallConfig {
                probes: 0,
                ..config
            },
            RecallConfig {
                max_sweeps: 0,
                ..config
            },
        ] {
            assert!(matches!(
                run_probe(&net, &p, 0, 0, &bad),
                Err(MemoryError::InvalidParams { .. })
            ));
        }
        let short = Patterns::from_signs(&[vec![1, -1, 1]]).unwrap();
        assert!(matches!(
            run_probe(&net, &short, 0, 0, &config),
            Err(MemoryError::UnequalLengths { .. })
        ));
    }

    /// Hebb's rule that "fails to converge" when pattern 0 starts with −1 (or always).
    struct Flaky {
        always: bool,
    }

    impl LearningRule for Flaky {
        fn name(&self) -> &'static str {
            "flaky"
        }

        fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
            if self.always || patterns.value(0, 0) < 0.0 {
                Err(MemoryError::NotConverged {
                    rule: "flaky",
                    iterations: 0,
                })
            } else {
                Hebbian::default().learn(patterns)
            }
        }
    }

    #[test]
    fn capacity_mean_overlap_is_over_learned_trials() {
        // One pattern, no noise: every trial that learns recalls it with overlap 1.
        let config = CapacityConfig {
            n: 8,
            ms: vec![1],
            trials: 12,
            probes: 2,
            noise_fraction: 0.0,
            recall: RecallConfig::default(),
            seed: 3,
        };
        let pts = capacity_sweep(&[&Flaky { always: false }], &config).unwrap();
        let pt = &pts[0];
        assert!(
            pt.learn_failures > 0 && pt.learn_failures < config.trials,
            "{pt:?}"
        );
        assert_eq!(pt.mean_overlap, 1.0);
        let learned = (config.trials - pt.learn_failures) as f64 / config.trials as f64;
        assert!((pt.fraction_fixed - learned).abs() < 1e-12);
        assert!((pt.fraction_recalled - learned).abs() < 1e-12);
        let pts = capacity_sweep(&[&Flaky { always: true }], &config).unwrap();
        assert_eq!(pts[0].learn_failures, config.trials);
        assert!(pts[0].mean_overlap.is_nan());
        assert_eq!(pts[0].fraction_fixed, 0.0);
    }

    #[test]
    fn classify_kinds() {
        let p = Patterns::from_signs(&[
            vec![1, 1, 1, 1, -1],
            vec![1, -1, 1, -1, 1],
            vec![-1, -1, 1, 1, 1],
        ])
        .unwrap();
        let st = |s: &[i8]| State::from_signs(Encoding::Bipolar, s);
        assert_eq!(classify(&st(&[1, -1, 1, -1, 1]), &p), FinalState::Stored(1));
        assert_eq!(
            classify(&st(&[-1, -1, -1, -1, 1]), &p),
            FinalState::Negation(0)
        );
        // Majority of the three: (1, -1, 1, 1, 1).
        assert_eq!(
            classify(&st(&[1, -1, 1, 1, 1]), &p),
            FinalState::Mixture {
                patterns: [0, 1, 2],
                signs: [1, 1, 1]
            }
        );
        let two = Patterns::from_signs(&[vec![1, 1, 1, 1], vec![1, -1, 1, -1]]).unwrap();
        assert_eq!(classify(&st(&[-1, 1, 1, 1]), &two), FinalState::Spurious);
    }

    #[test]
    fn bad_config() {
        let p = Patterns::from_signs(&[vec![1, -1, 1]]).unwrap();
        let net = FastRule.learn(&p).unwrap();
        for config in [
            RecallConfig {
                noise_bits: 4,
                ..Default::default()
            },
            RecallConfig {
                probes: 0,
                ..Default::default()
            },
            RecallConfig {
                max_sweeps: 0,
                ..Default::default()
            },
        ] {
            assert!(matches!(
                recall(&net, &p, &config),
                Err(MemoryError::InvalidParams { .. })
            ));
        }
    }

    #[test]
    fn noiseless_recall_of_stored_patterns() {
        let p = Patterns::from_signs(&[vec![1, 1, 1, 1, -1, -1, -1, -1]]).unwrap();
        let net = Hebbian::default().learn(&p).unwrap();
        let r = recall(
            &net,
            &p,
            &RecallConfig {
                probes: 3,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.fraction_recalled, 1.0);
        assert_eq!(r.counts.target, 3);
        assert_eq!(r.counts.fixed_point, 3);
        // Far noise on one pattern ends in its negation.
        let far = RecallConfig {
            noise_bits: 7,
            probes: 2,
            ..Default::default()
        };
        let r = recall(&net, &p, &far).unwrap();
        assert_eq!(r.counts.negation, 2);
        assert_eq!(r.mean_overlap, -1.0);
    }
}
