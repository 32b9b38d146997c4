//! Empirical recall (noise, probes, diagnostics) and capacity sweeps.
//!
//! A probe is a stored pattern with `k` distinct components flipped; it is run to a fixed
//! point (asynchronous schedules) or to a fixed point or two-cycle (synchronous), never for a
//! single step, and the final state is classified ([`FinalState`]). Probe `p` of pattern `u`
//! draws its noise and schedule from `derive_seed(seed, &[u, p])`, so the results do not
//! depend on the number of rayon threads. The `≈ 0.138 N` Hebbian capacity that
//! [`capacity_sweep`] measures is Amit, Gutfreund & Sompolinsky (1985).

use hopfield_core::rand::Rng;
use hopfield_core::rand::seq::SliceRandom;
use hopfield_core::{
    Couplings, Dynamics, Encoding, Network, RunConfig, Schedule, State, Termination, TieRule,
    derive_seed, rng_from_seed,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::analyze;
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;
use crate::rules::LearningRule;

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

/// Classifies a ±1 (or 0/1, mapped to ±1) state against the patterns. Cost `O(M N)` for
/// stored patterns and negations; mixtures are searched over pairs `(a, b)` (their agreeing
/// components fix the state there; `c` then is fixed on the rest), `O(M² N)` at worst.
pub fn classify(state: &State, patterns: &Patterns) -> FinalState {
    let s = state.to_encoding(Encoding::Bipolar);
    let s = s.as_slice();
    let n = patterns.n();
    if s.len() != n {
        return FinalState::Spurious;
    }
    let m = patterns.m();
    let x = |u: usize| patterns.get(u).as_slice();
    for u in 0..m {
        if x(u) == s {
            return FinalState::Stored(u);
        }
    }
    for u in 0..m {
        if x(u).iter().zip(s).all(|(a, b)| *a == -b) {
            return FinalState::Negation(u);
        }
    }
    for a in 0..m {
        for b in (a + 1)..m {
            for (ea, eb) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                let (xa, xb) = (x(a), x(b));
                // Where ε_a x^a = ε_b x^b the majority is that value.
                if !(0..n).all(|i| ea * xa[i] != eb * xb[i] || ea * xa[i] == s[i]) {
                    continue;
                }
                // Elsewhere ε_c x^c must equal s.
                for c in (b + 1)..m {
                    let xc = x(c);
                    for ec in [1.0, -1.0] {
                        if (0..n).all(|i| ea * xa[i] == eb * xb[i] || ec * xc[i] == s[i]) {
                            let sign = |e: f64| if e > 0.0 { 1 } else { -1 };
                            return FinalState::Mixture {
                                patterns: [a, b, c],
                                signs: [sign(ea), sign(eb), sign(ec)],
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
    let n = pattern.len();
    if k > n {
        return Err(MemoryError::InvalidParams {
            name: "noise_bits",
            reason: format!("{k} flips exceed the {n} components"),
        });
    }
    let mut idx: Vec<usize> = (0..n).collect();
    let (chosen, _) = idx.partial_shuffle(rng, k);
    let mut s = pattern.clone();
    for &i in chosen.iter() {
        s.flip(i);
    }
    Ok(s)
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

/// Runs one probe of pattern `u` (deterministic in `config.seed`, `u` and `probe`).
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
    let max_steps = match config.schedule {
        Schedule::Synchronous => config.max_sweeps,
        _ => config.max_sweeps.saturating_mul(n as u64),
    };
    let run = RunConfig {
        schedule: config.schedule,
        max_steps,
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
/// probes. Cost: `M · probes` runs, each `O(N)` per asynchronous flip or `O(N²)` per synchronous
/// sweep, plus classification.
pub fn recall<C: Couplings>(
    net: &Network<C>,
    patterns: &Patterns,
    config: &RecallConfig,
) -> Result<RecallReport> {
    check_inputs(net, patterns, config)?;
    let total = patterns.m() * config.probes;
    let probes: Vec<ProbeResult> = (0..total)
        .into_par_iter()
        .map(|k| probe_checked(net, patterns, k / config.probes, k % config.probes, config))
        .collect::<Result<_>>()?;
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
                let report = recall(&net, &patterns, &rc)?;
                recalled += report.probes.iter().filter(|p| p.recalled).count();
                overlap += report.mean_overlap;
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
