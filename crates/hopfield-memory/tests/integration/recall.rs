//! Batched recall against the plain per-probe dynamics, the fast classification against the
//! exhaustive one, the low-rank forms against the dense ones.

use hopfield_core::{Couplings, Encoding, Network, Schedule, State, TieRule, rng_from_seed};
use hopfield_memory::Patterns;
use hopfield_memory::recall::{
    FinalState, RecallConfig, classify, recall, recall_cycling, recall_summary, run_probe,
};
use hopfield_memory::rules::{FastRule, Hebbian, HebbianBinary, LearningRule, Projection, Storkey};
use proptest::prelude::*;

const SCHEDULES: [Schedule; 4] = [
    Schedule::RandomNeuron,
    Schedule::RandomSweep,
    Schedule::FixedOrder,
    Schedule::Synchronous,
];

/// `recall` (batched) equals `run_probe` (plain dynamics) on every probe.
fn check_against_run_probe<C: Couplings>(
    net: &Network<C>,
    p: &Patterns,
    config: &RecallConfig,
) -> Result<(), TestCaseError> {
    let report = recall(net, p, config).unwrap();
    for probe in &report.probes {
        let expected = run_probe(net, p, probe.pattern, probe.probe, config).unwrap();
        prop_assert_eq!(probe, &expected);
    }
    let summary = recall_summary(net, p, config).unwrap();
    prop_assert_eq!(summary.fraction_recalled, report.fraction_recalled);
    prop_assert_eq!(summary.mean_overlap, report.mean_overlap);
    prop_assert_eq!(
        summary.fixed_point + summary.two_cycle + summary.max_steps,
        report.probes.len()
    );
    Ok(())
}

/// The exhaustive classification the fast one must reproduce (the former implementation).
fn classify_exhaustive(state: &State, patterns: &Patterns) -> FinalState {
    let s = state.to_encoding(Encoding::Bipolar);
    let s = s.as_slice();
    let (n, m) = (patterns.n(), patterns.m());
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
                if !(0..n).all(|i| ea * xa[i] != eb * xb[i] || ea * xa[i] == s[i]) {
                    continue;
                }
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

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(24))]

    /// Every rule, schedule and tie rule: batched recall ends every probe where the plain
    /// dynamics end it (dense networks; integer rules exact, real rules certified).
    #[test]
    fn batched_recall_equals_run_probe(
        n in 4usize..40,
        m in 1usize..6,
        noise in 0usize..12,
        seed in any::<u64>(),
    ) {
        let p = Patterns::random(n, m, &mut rng_from_seed(seed)).unwrap();
        let rules: [&dyn LearningRule; 5] = [
            &Hebbian::default(), &HebbianBinary, &Projection::default(), &Storkey, &FastRule,
        ];
        for rule in rules {
            let net = rule.learn(&p).unwrap();
            for schedule in SCHEDULES {
                for tie in [TieRule::Keep, TieRule::High] {
                    let config = RecallConfig {
                        noise_bits: noise.min(n),
                        probes: 3,
                        schedule,
                        max_sweeps: 20,
                        tie,
                        seed,
                    };
                    check_against_run_probe(&net, &p, &config)?;
                }
            }
        }
    }

    /// The low-rank forms: Hebbian in pattern space gives exactly the dense Hebbian results;
    /// each low-rank projection run equals its own plain dynamics.
    #[test]
    fn low_rank_recall(
        n in 4usize..40,
        m in 1usize..6,
        noise in 0usize..12,
        seed in any::<u64>(),
        normalize in any::<bool>(),
    ) {
        let p = Patterns::random(n, m, &mut rng_from_seed(seed)).unwrap();
        let hebb = Hebbian { normalize: false };
        let low = hebb.learn_low_rank(&p).unwrap();
        let dense = hebb.learn(&p).unwrap();
        let proj = Projection { zero_diagonal: normalize, ..Projection::default() };
        let proj_low = proj.learn_low_rank(&p).unwrap();
        let scaled = Hebbian { normalize: true }.learn_low_rank(&p).unwrap();
        for schedule in SCHEDULES {
            let config = RecallConfig {
                noise_bits: noise.min(n),
                probes: 3,
                schedule,
                max_sweeps: 20,
                tie: TieRule::High,
                seed,
            };
            let a = recall(&low, &p, &config).unwrap();
            let b = recall(&dense, &p, &config).unwrap();
            prop_assert_eq!(&a, &b);
            check_against_run_probe(&low, &p, &config)?;
            check_against_run_probe(&proj_low, &p, &config)?;
            check_against_run_probe(&scaled, &p, &config)?;
        }
    }

    /// The O(M N) classification returns what the exhaustive search returns, on random states
    /// and on constructed mixtures, negations and stored patterns.
    #[test]
    fn fast_classification_equals_exhaustive(
        n in 1usize..24,
        m in 1usize..7,
        seed in any::<u64>(),
        pick in prop::collection::vec((0usize..7, 0usize..7, 0usize..7, any::<[bool; 3]>()), 6),
        flips in prop::collection::vec(0usize..24, 0..3),
    ) {
        let mut rng = rng_from_seed(seed);
        let p = Patterns::random(n, m, &mut rng).unwrap();
        let mut states = vec![State::random(Encoding::Bipolar, n, &mut rng)];
        for &(a, b, c, signs) in &pick {
            let (a, b, c) = (a % m, b % m, c % m);
            let e = |k: usize| if signs[k] { 1.0 } else { -1.0 };
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    let v = e(0) * p.value(a, i) + e(1) * p.value(b, i) + e(2) * p.value(c, i);
                    if v > 0.0 { 1.0 } else { -1.0 }
                })
                .collect();
            let mixture = State::new(Encoding::Bipolar, values).unwrap();
            let mut near = mixture.clone();
            for &f in &flips {
                near.flip(f % n);
            }
            let mut negated = p.get(a).clone();
            for i in 0..n {
                negated.flip(i);
            }
            states.extend([mixture, near, negated, p.get(b).clone()]);
        }
        for s in &states {
            prop_assert_eq!(classify(s, &p), classify_exhaustive(s, &p));
            let binary = s.to_encoding(Encoding::Binary);
            prop_assert_eq!(classify(&binary, &p), classify_exhaustive(s, &p));
        }
    }
}

#[test]
fn recall_cycling_matches_recall() {
    let p = Patterns::random(60, 5, &mut rng_from_seed(4)).unwrap();
    let net = Hebbian::default().learn_low_rank(&p).unwrap();
    let config = RecallConfig {
        noise_bits: 9,
        probes: 4,
        schedule: Schedule::Synchronous,
        seed: 11,
        ..RecallConfig::default()
    };
    let full = recall(&net, &p, &config).unwrap();
    let cycling = recall_cycling(&net, &p, &config, 20).unwrap();
    assert_eq!(cycling.probes, 20);
    assert_eq!(cycling.fraction_recalled, full.fraction_recalled);
    assert!(recall_cycling(&net, &p, &config, 0).is_err());
    let summary = recall_summary(&net, &p, &config).unwrap();
    assert_eq!(summary.recalled, full.counts.target);
}

#[test]
fn dense_and_low_rank_projection_agree_away_from_ties() {
    // Projection weights are not integers: the two forms differ by rounding (about 1e-15),
    // which can only change a decision on a field within rounding of zero. These probes
    // (10% noise on 8 of 64 dimensions) stay far from such fields, so every final state
    // agrees.
    let p = Patterns::random(64, 8, &mut rng_from_seed(21)).unwrap();
    let rule = Projection::default();
    let dense = rule.learn(&p).unwrap();
    let low = rule.learn_low_rank(&p).unwrap();
    for i in 0..64 {
        for j in 0..64 {
            let d = dense.couplings().weight(i, j) - low.couplings().weight(i, j);
            assert!(d.abs() < 1e-12, "w[{i}][{j}] differs by {d}");
        }
    }
    for schedule in SCHEDULES {
        let config = RecallConfig {
            noise_bits: 6,
            probes: 10,
            schedule,
            seed: 3,
            ..RecallConfig::default()
        };
        let a = recall(&dense, &p, &config).unwrap();
        let b = recall(&low, &p, &config).unwrap();
        assert_eq!(a.probes, b.probes);
        assert_eq!(a.fraction_recalled, 1.0);
    }
}

#[test]
fn recall_on_large_batches_is_independent_of_thread_count() {
    // More probes than one batch, so several batches run on several threads, and with
    // several threads the batches are smaller (16 to 64 probes here, 256 on one thread). With
    // 20 patterns on 200 neurons, asynchronous runs go through the `N × N` columns, built
    // before the batches on every thread.
    for (n, m, probes) in [(50, 4, 150), (200, 20, 40)] {
        let p = Patterns::random(n, m, &mut rng_from_seed(8)).unwrap();
        let projection = Projection::default().learn_low_rank(&p).unwrap();
        let hebbian = Hebbian::default().learn_low_rank(&p).unwrap();
        for schedule in [Schedule::RandomSweep, Schedule::Synchronous] {
            let config = RecallConfig {
                noise_bits: n / 5,
                probes,
                schedule,
                seed: 2,
                ..RecallConfig::default()
            };
            let run = |k: usize, hebb: bool| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(k)
                    .build()
                    .unwrap()
                    .install(|| {
                        if hebb {
                            recall(&hebbian, &p, &config).unwrap()
                        } else {
                            recall(&projection, &p, &config).unwrap()
                        }
                    })
            };
            for hebb in [false, true] {
                assert_eq!(
                    run(1, hebb),
                    run(3, hebb),
                    "N = {n}, {schedule:?}, Hebbian {hebb}"
                );
            }
        }
    }
}

/// The attraction radii of the low-rank forms (what `throughput learn` reports by default)
/// equal those of the dense matrices: exactly for the Hebbian rule (integer fields), to
/// rounding for the projection rule, with the same patterns stored.
#[test]
fn low_rank_forms_have_the_dense_radii() {
    use hopfield_memory::analysis::analyze;
    for (n, m, seed) in [(60, 5, 1), (97, 12, 2), (200, 30, 3)] {
        let p = Patterns::random(n, m, &mut rng_from_seed(seed)).unwrap();
        let low = analyze(
            &Hebbian::default().learn_low_rank(&p).unwrap(),
            &p,
            TieRule::High,
        )
        .unwrap();
        let dense = analyze(&Hebbian::default().learn(&p).unwrap(), &p, TieRule::High).unwrap();
        assert_eq!(low.radius, dense.radius);
        assert_eq!(low.fixed_point, dense.fixed_point);
        assert_eq!((low.f_min, low.f_ave), (dense.f_min, dense.f_ave));
        for zero_diagonal in [false, true] {
            let rule = Projection {
                zero_diagonal,
                ..Projection::default()
            };
            let low = analyze(&rule.learn_low_rank(&p).unwrap(), &p, TieRule::High).unwrap();
            let dense = analyze(&rule.learn(&p).unwrap(), &p, TieRule::High).unwrap();
            assert_eq!(low.fixed_point, dense.fixed_point);
            for (a, b) in low
                .radius
                .iter()
                .flatten()
                .zip(dense.radius.iter().flatten())
            {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
            }
            assert!((low.f_min - dense.f_min).abs() <= 1e-12 * dense.f_min.abs().max(1.0));
            assert!((low.f_ave - dense.f_ave).abs() <= 1e-12 * dense.f_ave.abs().max(1.0));
        }
    }
}
