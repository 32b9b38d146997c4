//! The Hebbian retrieval overlap `m(α)` measured from the stored patterns.
//!
//! One pattern set of `M_max` random unbiased patterns is drawn; for each load `M` of a
//! sweep (the first `M` patterns, so the loads of one set are nested), the Hebbian network
//! `W = Σ_u x^u x^uᵀ` (zero diagonal, integer weights, Hopfield 1982) is probed: each probed
//! pattern is the start state of zero-temperature asynchronous dynamics (random-permutation
//! sweeps, a zero field keeps the neuron: [`TieRule::Keep`](hopfield_core::TieRule::Keep)) run
//! to a fixed point, and the end state's overlap `m = (1/N) Σ_i x_i s_i` with the pattern is
//! recorded. Amit, Gutfreund & Sompolinsky (1985) predict `m(α)` ([`hebbian_retrieval`](crate::theory::hebbian_retrieval))
//! up to `α_c ≈ 0.138` and no retrieval state above.
//!
//! # Engine
//! Sizes up to `N = 10 000` with `M` up to about 2 000 run here in seconds. The weights are
//! kept as an exact `i16` matrix (`|W_ij| ≤ M`), built with `f32` matrix products (exact:
//! integers below `2²⁴`) and grown pattern block by pattern block along the sweep; the first
//! fields of the probes are one product `X (Xᵀ X_probed)`; during the dynamics a visit costs
//! `O(1)` and a flip adds one column (`O(N)`). The fields are exact integers, so every decision
//! equals the plain [`Dynamics`](hopfield_core::Dynamics) on the dense Hebbian network with
//! the same random stream (a test checks states, steps, flips and terminations). The low-rank
//! engine of [`recall`](crate::recall) costs `O(M)` per visit instead, which above `α_c`
//! (where runs take a hundred sweeps and more to leave the pattern) is about a hundred times
//! slower at this size.
//!
//! ```
//! use hopfield_memory::capacity::retrieval::{RetrievalConfig, hebbian_retrieval_sweep};
//!
//! let config = RetrievalConfig { n: 200, ms: vec![10, 60], probes: 10, max_sweeps: 200 };
//! let points = hebbian_retrieval_sweep(&config, 7)?;
//! assert!(points[0].mean_overlap > 0.99); // α = 0.05: retrieval
//! assert!(points[1].mean_overlap < points[0].mean_overlap); // α = 0.3: no retrieval state
//! # Ok::<(), hopfield_memory::MemoryError>(())
//! ```

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::seq::SliceRandom;
use hopfield_core::{Termination, derive_seed, rng_from_seed};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

/// The largest `N` the engine accepts: its `N × N` `i16` weights then take 2 GiB.
pub const MAX_N: usize = 32_768;

/// The largest `M`: the `i16` weights hold `|W_ij| ≤ M`.
pub const MAX_M: usize = i16::MAX as usize;

/// The overlap from which a run counts as a retrieval in [`RetrievalPoint::retrieved`]: well
/// above the overlaps runs end in once the retrieval state is gone (below about 0.6 at the
/// sizes measured) and below the theory's `m_c ≈ 0.967`.
pub const RETRIEVAL_THRESHOLD: f64 = 0.9;

/// Columns of the weight matrix built per parallel task.
const BLOCK: usize = 256;

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrievalConfig {
    /// Neurons `N` (`1..=MAX_N`).
    pub n: usize,
    /// The loads, as pattern counts `M`, strictly increasing (`1..=MAX_M`).
    pub ms: Vec<usize>,
    /// Patterns probed per load: the first `min(probes, M)` patterns (`≥ 1`).
    pub probes: usize,
    /// Step limit in sweeps of `N` visits (`≥ 1`).
    pub max_sweeps: u64,
}

/// One probe: where the dynamics started at pattern `pattern` ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProbeEnd {
    /// The pattern the run started from.
    pub pattern: usize,
    /// Overlap of the end state with the pattern, in `[−1, 1]`.
    pub overlap: f64,
    /// How the run ended.
    pub termination: Termination,
    /// Neuron visits.
    pub steps: u64,
    /// Neurons flipped.
    pub flips: u64,
}

/// The measurement at one load of one pattern set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievalPoint {
    /// Patterns stored.
    pub m: usize,
    /// `α = M / N`.
    pub alpha: f64,
    /// Patterns probed.
    pub probes: usize,
    /// Mean overlap of the end states with their patterns.
    pub mean_overlap: f64,
    /// Probes that ended with overlap `≥` [`RETRIEVAL_THRESHOLD`].
    pub retrieved: usize,
    /// Mean overlap of those probes (`None` if none).
    pub mean_retrieved_overlap: Option<f64>,
    /// Probes that ended exactly in their pattern (the pattern is a fixed point).
    pub exact: usize,
    /// Probes that hit the step limit.
    pub max_steps: usize,
    /// Mean sweeps per probe (`steps / N`).
    pub mean_sweeps: f64,
    /// Mean flips per probe.
    pub mean_flips: f64,
}

impl RetrievalPoint {
    /// The fraction of probes retrieved.
    pub fn fraction_retrieved(&self) -> f64 {
        self.retrieved as f64 / self.probes as f64
    }

    fn summarize(n: usize, m: usize, ends: &[ProbeEnd]) -> Self {
        let count = ends.len();
        let sum = |f: &dyn Fn(&ProbeEnd) -> f64| ends.iter().map(f).sum::<f64>();
        let retrieved: Vec<f64> = ends
            .iter()
            .map(|e| e.overlap)
            .filter(|&o| o >= RETRIEVAL_THRESHOLD)
            .collect();
        RetrievalPoint {
            m,
            alpha: m as f64 / n as f64,
            probes: count,
            mean_overlap: sum(&|e| e.overlap) / count as f64,
            retrieved: retrieved.len(),
            mean_retrieved_overlap: (!retrieved.is_empty())
                .then(|| retrieved.iter().sum::<f64>() / retrieved.len() as f64),
            exact: ends.iter().filter(|e| e.overlap == 1.0).count(),
            max_steps: ends
                .iter()
                .filter(|e| e.termination == Termination::MaxSteps)
                .count(),
            mean_sweeps: sum(&|e| e.steps as f64) / (count * n) as f64,
            mean_flips: sum(&|e| e.flips as f64) / count as f64,
        }
    }
}

fn check(config: &RetrievalConfig) -> Result<()> {
    let bad = |name, reason: String| Err(MemoryError::InvalidParams { name, reason });
    if config.n == 0 || config.n > MAX_N {
        return bad("n", format!("{} is not in 1..={MAX_N}", config.n));
    }
    if config.ms.is_empty() || config.ms.windows(2).any(|w| w[0] >= w[1]) {
        return bad("ms", "the loads must be a non-empty increasing list".into());
    }
    if config.ms[0] == 0 || config.ms[config.ms.len() - 1] > MAX_M {
        return bad("ms", format!("every M must be in 1..={MAX_M}"));
    }
    if config.probes == 0 {
        return bad("probes", "at least one probe is needed".into());
    }
    if config.max_sweeps == 0 {
        return bad("max_sweeps", "at least one sweep is needed".into());
    }
    Ok(())
}

/// The pattern set of `seed` (`M_max` patterns, drawn from `derive_seed(seed, &[0])`).
pub fn pattern_set(n: usize, m_max: usize, seed: u64) -> Result<Patterns> {
    Patterns::random(n, m_max, &mut rng_from_seed(derive_seed(seed, &[0])))
}

/// The random stream of the probe of pattern `u` at load `m`.
pub fn probe_seed(seed: u64, m: usize, u: usize) -> u64 {
    derive_seed(seed, &[1, m as u64, u as u64])
}

/// Exact Hebbian weights grown along the sweep.
struct Weights {
    n: usize,
    /// Column-major `N × N`; column `j` is row `j` (symmetric).
    w: Vec<i16>,
}

impl Weights {
    fn new(n: usize) -> Self {
        Weights {
            n,
            w: vec![0; n * n],
        }
    }

    /// Adds `Σ_u x^u x^uᵀ` over the columns of `x` (`N × k`, ±1 in `f32`), diagonal kept zero.
    fn add(&mut self, x: &DMatrix<f32>) {
        let n = self.n;
        self.w
            .par_chunks_mut(n * BLOCK)
            .enumerate()
            .for_each(|(b, cols)| {
                let c0 = b * BLOCK;
                let width = cols.len() / n;
                // W[:, c0..c0+width] += X X[c0..c0+width, :]ᵀ, exact integers in f32.
                let block = x * x.rows(c0, width).transpose();
                for (k, col) in cols.chunks_exact_mut(n).enumerate() {
                    let j = c0 + k;
                    for (i, (w, &v)) in col.iter_mut().zip(block.column(k).iter()).enumerate() {
                        if i != j {
                            // |W_ij| ≤ M ≤ i16::MAX and v is an exact integer.
                            #[allow(clippy::cast_possible_truncation)]
                            let v = v as i16;
                            *w += v;
                        }
                    }
                }
            });
    }

    fn column(&self, j: usize) -> &[i16] {
        &self.w[j * self.n..(j + 1) * self.n]
    }
}

/// Runs zero-temperature random-sweep dynamics from `s` with exact integer fields `h`, as
/// `Dynamics::run` does with `TieRule::Keep`: each sweep shuffles the visiting order with
/// `rng`; a sweep without a flip ends the run at a fixed point.
fn run_async(
    w: &Weights,
    s: &mut [i8],
    h: &mut [i32],
    rng: &mut hopfield_core::HopfieldRng,
    max_steps: u64,
) -> (Termination, u64, u64) {
    let n = w.n;
    let mut order: Vec<usize> = (0..n).collect();
    let (mut steps, mut flips) = (0u64, 0u64);
    while steps < max_steps {
        order.shuffle(rng);
        let mut sweep_flips = 0u64;
        for &i in &order {
            if steps >= max_steps {
                return (Termination::MaxSteps, steps, flips + sweep_flips);
            }
            steps += 1;
            if i32::from(s[i]) * h[i] < 0 {
                s[i] = -s[i];
                sweep_flips += 1;
                let delta = 2 * i32::from(s[i]);
                for (hk, &wk) in h.iter_mut().zip(w.column(i)) {
                    *hk += delta * i32::from(wk);
                }
            }
        }
        flips += sweep_flips;
        if sweep_flips == 0 {
            return (Termination::FixedPoint, steps, flips);
        }
    }
    (Termination::MaxSteps, steps, flips)
}

/// Every probe of the sweep, per load: `result[k]` holds the probes at load `config.ms[k]`
/// in pattern order. The pattern set is [`pattern_set`]`(N, max M, seed)`; the probe of
/// pattern `u` at load `M` draws its schedule from [`probe_seed`]`(seed, M, u)`. Parallel over
/// weight blocks and probes; the results do not depend on the thread count.
pub fn hebbian_retrieval_probes(config: &RetrievalConfig, seed: u64) -> Result<Vec<Vec<ProbeEnd>>> {
    check(config)?;
    let n = config.n;
    let m_max = config.ms[config.ms.len() - 1];
    let patterns = pattern_set(n, m_max, seed)?;
    let x = DMatrix::<f32>::from_fn(n, m_max, |i, u| patterns.value(u, i) as f32);
    let mut weights = Weights::new(n);
    let mut built = 0;
    let mut out = Vec::with_capacity(config.ms.len());
    for &m in &config.ms {
        weights.add(&x.columns(built, m - built).into_owned());
        built = m;
        let probes = config.probes.min(m);
        let xm = x.columns(0, m);
        // First fields of the probes: H = X (Xᵀ X_p) − M X_p (zero diagonal). Exact in f32
        // while |H| ≤ N M < 2²⁴, else in f64.
        let fields: Vec<Vec<i32>> = if n.saturating_mul(m) < (1 << 24) {
            let overlaps = xm.transpose() * x.columns(0, probes);
            let h = xm * overlaps;
            columns_as_i32(&h, f64::from, m, &x)
        } else {
            let x64 = xm.map(f64::from);
            let overlaps = x64.transpose() * x64.columns(0, probes);
            let h = &x64 * overlaps;
            columns_as_i32(&h, |v| v, m, &x)
        };
        let max_steps = config.max_sweeps.saturating_mul(n as u64);
        let ends: Vec<ProbeEnd> = fields
            .into_par_iter()
            .enumerate()
            .map(|(u, mut h)| {
                let mut s: Vec<i8> = (0..n)
                    .map(|i| if patterns.value(u, i) > 0.0 { 1 } else { -1 })
                    .collect();
                let mut rng = rng_from_seed(probe_seed(seed, m, u));
                let (termination, steps, flips) =
                    run_async(&weights, &mut s, &mut h, &mut rng, max_steps);
                let agree = s
                    .iter()
                    .enumerate()
                    .filter(|&(i, &v)| (v > 0) == (patterns.value(u, i) > 0.0))
                    .count();
                ProbeEnd {
                    pattern: u,
                    overlap: (2.0 * agree as f64 - n as f64) / n as f64,
                    termination,
                    steps,
                    flips,
                }
            })
            .collect();
        out.push(ends);
    }
    Ok(out)
}

/// Converts the field matrix `h` (`N × probes`) of `X Xᵀ X_p` to exact `i32` columns with the
/// diagonal removed (`− M x_i`).
fn columns_as_i32<T: Copy + hopfield_core::nalgebra::Scalar>(
    h: &DMatrix<T>,
    widen: impl Fn(T) -> f64,
    m: usize,
    x: &DMatrix<f32>,
) -> Vec<Vec<i32>> {
    (0..h.ncols())
        .map(|u| {
            h.column(u)
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    // |h_i| ≤ N M < 2³¹ (N ≤ MAX_N, M ≤ MAX_M) and the value is an integer.
                    #[allow(clippy::cast_possible_truncation)]
                    let full = widen(v) as i64;
                    #[allow(clippy::cast_possible_truncation)]
                    let diag = (m as i64) * (x[(i, u)] as i64);
                    #[allow(clippy::cast_possible_truncation)]
                    let field = (full - diag) as i32;
                    field
                })
                .collect()
        })
        .collect()
}

/// [`hebbian_retrieval_probes`] summarized per load.
pub fn hebbian_retrieval_sweep(config: &RetrievalConfig, seed: u64) -> Result<Vec<RetrievalPoint>> {
    let probes = hebbian_retrieval_probes(config, seed)?;
    Ok(config
        .ms
        .iter()
        .zip(&probes)
        .map(|(&m, ends)| RetrievalPoint::summarize(config.n, m, ends))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Hebbian, LearningRule};
    use hopfield_core::{Dynamics, NoObserver, RunConfig, Schedule, TieRule};

    /// The plain path: the dense Hebbian network and `Dynamics::run` on each probe.
    fn reference(config: &RetrievalConfig, seed: u64) -> Vec<Vec<ProbeEnd>> {
        let m_max = *config.ms.last().unwrap();
        let all = pattern_set(config.n, m_max, seed).unwrap();
        config
            .ms
            .iter()
            .map(|&m| {
                let patterns = all.prefix(m).unwrap();
                let net = Hebbian::default().learn(&patterns).unwrap();
                (0..config.probes.min(m))
                    .map(|u| {
                        let start = patterns.get(u).clone();
                        let mut d = Dynamics::new(&net, start, TieRule::Keep).unwrap();
                        let run = RunConfig {
                            schedule: Schedule::RandomSweep,
                            max_steps: config.max_sweeps * config.n as u64,
                        };
                        let mut rng = rng_from_seed(probe_seed(seed, m, u));
                        let report = d.run(&run, &mut rng, &mut NoObserver);
                        let end = d.into_state();
                        let overlap = end
                            .as_slice()
                            .iter()
                            .zip(patterns.get(u).as_slice())
                            .map(|(a, b)| a * b)
                            .sum::<f64>()
                            / config.n as f64;
                        ProbeEnd {
                            pattern: u,
                            overlap,
                            termination: report.termination,
                            steps: report.steps,
                            flips: report.flips,
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_engine_equals_the_plain_dynamics() {
        // Loads below and above α_c, a block boundary (N > BLOCK), even and odd N (zero
        // fields occur when (N − 1) M is even), and a step limit that cuts runs short.
        for (n, ms, max_sweeps, seed) in [
            (300, vec![6, 30, 45, 75], 100, 1),
            (301, vec![20, 60], 100, 2),
            (120, vec![40], 1, 3),
        ] {
            let config = RetrievalConfig {
                n,
                ms,
                probes: 12,
                max_sweeps,
            };
            let fast = hebbian_retrieval_probes(&config, seed).unwrap();
            assert_eq!(fast, reference(&config, seed), "N = {n}");
            let terminations: Vec<Termination> =
                fast.iter().flatten().map(|e| e.termination).collect();
            if max_sweeps == 1 {
                assert!(terminations.contains(&Termination::MaxSteps));
            } else {
                assert!(fast.iter().flatten().any(|e| e.flips > 0));
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let config = RetrievalConfig {
            n: 400,
            ms: vec![40, 64],
            probes: 30,
            max_sweeps: 50,
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| hebbian_retrieval_sweep(&config, 5).unwrap())
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn summaries_count_what_the_probes_say() {
        let config = RetrievalConfig {
            n: 200,
            ms: vec![4, 50],
            probes: 8,
            max_sweeps: 100,
        };
        let probes = hebbian_retrieval_probes(&config, 11).unwrap();
        let points = hebbian_retrieval_sweep(&config, 11).unwrap();
        assert_eq!(points[0].probes, 4);
        // Four patterns in 200 neurons are fixed points.
        assert_eq!(points[0].exact, 4);
        assert_eq!(points[0].mean_overlap, 1.0);
        let p = &points[1];
        let retrieved = probes[1]
            .iter()
            .filter(|e| e.overlap >= RETRIEVAL_THRESHOLD)
            .count();
        assert_eq!(p.retrieved, retrieved);
        assert!((p.alpha - 0.25).abs() < 1e-12);
        assert!(p.mean_sweeps >= 1.0);
    }

    #[test]
    fn bad_configs_are_errors() {
        let good = RetrievalConfig {
            n: 10,
            ms: vec![1, 2],
            probes: 1,
            max_sweeps: 1,
        };
        assert!(hebbian_retrieval_sweep(&good, 1).is_ok());
        for bad in [
            RetrievalConfig {
                n: 0,
                ..good.clone()
            },
            RetrievalConfig {
                n: MAX_N + 1,
                ..good.clone()
            },
            RetrievalConfig {
                ms: vec![2, 2],
                ..good.clone()
            },
            RetrievalConfig {
                ms: vec![],
                ..good.clone()
            },
            RetrievalConfig {
                ms: vec![0, 1],
                ..good.clone()
            },
            RetrievalConfig {
                ms: vec![MAX_M + 1],
                ..good.clone()
            },
            RetrievalConfig {
                probes: 0,
                ..good.clone()
            },
            RetrievalConfig {
                max_sweeps: 0,
                ..good.clone()
            },
        ] {
            assert!(matches!(
                hebbian_retrieval_sweep(&bad, 1),
                Err(MemoryError::InvalidParams { .. })
            ));
        }
    }
}
