//! Property tests of the energy and the dynamics.

use hopfield_core::convert::{binary_to_bipolar, bipolar_to_binary};
use hopfield_core::rand::RngExt;
use hopfield_core::{
    Couplings, DiagonalPolicy, Dynamics, Encoding, EnergyTrace, NoObserver, RunConfig, Schedule,
    Sparse, State, rng_from_seed,
};
use proptest::prelude::*;

use crate::common::{ENCODINGS, TIES, integer_case, real_case};

const SCHEDULES: [Schedule; 4] = [
    Schedule::RandomNeuron,
    Schedule::RandomSweep,
    Schedule::FixedOrder,
    Schedule::Synchronous,
];

fn tolerance(scale: f64) -> f64 {
    1e-9 * scale.abs().max(1.0)
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(256))]

    /// Asynchronous updates never raise the energy (symmetric W, diagonal ≥ 0), checked against
    /// the energy recomputed from scratch after every step, for both encodings and tie rules.
    #[test]
    fn asynchronous_updates_never_raise_the_energy(case in real_case()) {
        for encoding in ENCODINGS {
            for tie in TIES {
                let net = case.network(encoding);
                let mut dynamics = Dynamics::new(&net, case.state(encoding), tie).unwrap();
                let mut rng = rng_from_seed(case.seed);
                let mut energy = net.energy(dynamics.state()).unwrap();
                for _ in 0..(20 * case.n) {
                    let i = rng.random_range(0..case.n);
                    dynamics.update(i);
                    let next = net.energy(dynamics.state()).unwrap();
                    prop_assert!(next <= energy + tolerance(energy), "{next} > {energy}");
                    energy = next;
                }
                // The energies reported to observers by a full run never rise either.
                let mut trace = EnergyTrace::default();
                let config = RunConfig { schedule: Schedule::RandomSweep, max_steps: 50 * case.n as u64 };
                dynamics.run(&config, &mut rng, &mut trace);
                for pair in trace.energies.windows(2) {
                    prop_assert!(pair[1] <= pair[0] + tolerance(pair[0]));
                }
            }
        }
    }

    /// The O(1) flip delta equals the difference of two full energies.
    #[test]
    fn flip_delta_equals_energy_difference(case in real_case(), k in any::<prop::sample::Index>()) {
        for encoding in ENCODINGS {
            let net = case.network(encoding);
            let state = case.state(encoding);
            let k = k.index(case.n);
            let dynamics = Dynamics::new(&net, state.clone(), TIES[0]).unwrap();
            let mut flipped = state.clone();
            flipped.flip(k);
            let expected = net.energy(&flipped).unwrap() - net.energy(&state).unwrap();
            let fast = dynamics.flip_delta(k);
            prop_assert!((fast - expected).abs() <= tolerance(expected), "{fast} vs {expected}");
            prop_assert!((net.flip_delta(&state, k).unwrap() - expected).abs() <= tolerance(expected));
        }
    }

    /// After any sequence of flips the incrementally kept fields and energy equal those
    /// recomputed from scratch.
    #[test]
    fn incremental_fields_match_recomputation(
        case in real_case(),
        flips in prop::collection::vec(any::<prop::sample::Index>(), 0..60),
    ) {
        for encoding in ENCODINGS {
            let net = case.network(encoding);
            let mut dynamics = Dynamics::new(&net, case.state(encoding), TIES[1]).unwrap();
            for k in &flips {
                dynamics.flip(k.index(case.n));
            }
            let fresh = net.fields(dynamics.state()).unwrap();
            for (a, b) in dynamics.fields().iter().zip(&fresh) {
                prop_assert!((a - b).abs() <= tolerance(*b), "{a} vs {b}");
            }
            let energy = net.energy(dynamics.state()).unwrap();
            prop_assert!((dynamics.energy() - energy).abs() <= tolerance(energy));
        }
    }

    /// Dense and sparse couplings of the same matrix give identical trajectories (integer
    /// weights make every sum exact, so the comparison is exact too), for every schedule.
    #[test]
    fn dense_and_sparse_trajectories_are_identical(case in integer_case()) {
        for encoding in ENCODINGS {
            let dense_net = case.network(encoding);
            let policy = if case.self_coupling { DiagonalPolicy::SelfCoupling } else { DiagonalPolicy::Zero };
            let sparse = Sparse::from_couplings(dense_net.couplings(), policy).unwrap();
            for i in 0..case.n {
                for j in 0..case.n {
                    prop_assert_eq!(sparse.weight(i, j), dense_net.couplings().weight(i, j));
                }
            }
            let sparse_net = hopfield_core::Network::with_bias(sparse, dense_net.bias().to_vec(), encoding).unwrap();
            for tie in TIES {
                for schedule in SCHEDULES {
                    let config = RunConfig { schedule, max_steps: 30 * case.n as u64 };
                    let mut a = Dynamics::new(&dense_net, case.state(encoding), tie).unwrap();
                    let mut b = Dynamics::new(&sparse_net, case.state(encoding), tie).unwrap();
                    let (mut ta, mut tb) = (EnergyTrace::default(), EnergyTrace::default());
                    let ra = a.run(&config, &mut rng_from_seed(case.seed), &mut ta);
                    let rb = b.run(&config, &mut rng_from_seed(case.seed), &mut tb);
                    prop_assert_eq!(ra, rb);
                    prop_assert_eq!(ta, tb);
                    prop_assert_eq!(a.state(), b.state());
                }
            }
        }
    }

    /// The ±1 network and its converted 0/1 network visit the same states step by step (and
    /// back again), under both tie rules and every schedule.
    #[test]
    fn converted_networks_visit_the_same_states(case in integer_case()) {
        let bipolar = case.network(Encoding::Bipolar);
        let binary = bipolar_to_binary(&bipolar).unwrap();
        let back = binary_to_bipolar(&binary.network).unwrap();
        prop_assert_eq!(&back.network, &bipolar);
        for tie in TIES {
            // Step by step on a shared random neuron sequence.
            let mut a = Dynamics::new(&bipolar, case.state(Encoding::Bipolar), tie).unwrap();
            let mut b = Dynamics::new(&binary.network, case.state(Encoding::Binary), tie).unwrap();
            let mut rng = rng_from_seed(case.seed);
            for _ in 0..(20 * case.n) {
                let i = rng.random_range(0..case.n);
                prop_assert_eq!(a.update(i), b.update(i));
                prop_assert_eq!(a.state().to_bits(), b.state().to_bits());
                let offset = a.energy() - b.energy();
                prop_assert!((offset - binary.energy_offset).abs() <= tolerance(offset));
            }
            // Whole runs, every schedule.
            for schedule in SCHEDULES {
                let config = RunConfig { schedule, max_steps: 30 * case.n as u64 };
                let mut a = Dynamics::new(&bipolar, case.state(Encoding::Bipolar), tie).unwrap();
                let mut b = Dynamics::new(&binary.network, case.state(Encoding::Binary), tie).unwrap();
                let ra = a.run(&config, &mut rng_from_seed(case.seed), &mut NoObserver);
                let rb = b.run(&config, &mut rng_from_seed(case.seed), &mut NoObserver);
                prop_assert_eq!((ra.termination, ra.steps, ra.flips), (rb.termination, rb.steps, rb.flips));
                prop_assert_eq!(a.state().to_bits(), b.state().to_bits());
            }
        }
    }

    /// A fixed point reported by any asynchronous schedule really is one, and synchronous
    /// dynamics end in a fixed point or a genuine two-cycle.
    #[test]
    fn reported_terminations_are_true(case in real_case()) {
        for encoding in ENCODINGS {
            for tie in TIES {
                let net = case.network(encoding);
                for schedule in SCHEDULES {
                    let config = RunConfig { schedule, max_steps: 1_000 * case.n as u64 + 1_000 };
                    let mut d = Dynamics::new(&net, case.state(encoding), tie).unwrap();
                    let report = d.run(&config, &mut rng_from_seed(case.seed), &mut NoObserver);
                    match report.termination {
                        hopfield_core::Termination::FixedPoint => prop_assert!(d.is_fixed_point()),
                        hopfield_core::Termination::TwoCycle => {
                            prop_assert_eq!(schedule, Schedule::Synchronous);
                            let start = d.state().clone();
                            prop_assert!(d.sync_step() > 0);
                            d.sync_step();
                            prop_assert_eq!(d.state(), &start);
                        }
                        other => prop_assert!(
                            schedule == Schedule::Synchronous,
                            "asynchronous run of {} neurons ended in {:?}", case.n, other
                        ),
                    }
                }
            }
        }
    }
}

/// A random-permutation sweep visits every neuron exactly once per sweep.
#[test]
fn random_sweeps_are_permutations() {
    let case = crate::common::Case {
        n: 9,
        upper: vec![0.0; 36],
        diag: vec![0.0; 9],
        bias: vec![0.0; 9],
        bits: vec![false; 9],
        self_coupling: false,
        seed: 5,
    };
    let net = case.network(Encoding::Bipolar);
    let mut visited = Vec::new();
    let mut observer = hopfield_core::FnObserver(|e: &hopfield_core::StepEvent| {
        visited.push(e.neuron.unwrap());
        std::ops::ControlFlow::Continue(())
    });
    // Zero weights and ties kept: nothing flips, the first sweep confirms the fixed point.
    let mut d = Dynamics::new(
        &net,
        State::low(Encoding::Bipolar, 9),
        hopfield_core::TieRule::Keep,
    )
    .unwrap();
    let config = RunConfig {
        schedule: Schedule::RandomSweep,
        max_steps: 100,
    };
    let report = d.run(&config, &mut rng_from_seed(3), &mut observer);
    assert_eq!(report.steps, 9);
    visited.sort_unstable();
    assert_eq!(visited, (0..9).collect::<Vec<_>>());
}

/// Same seed, same trajectory; the trajectory does depend on the seed.
#[test]
fn same_seed_same_trajectory() {
    let mut rng = rng_from_seed(11);
    let n = 40;
    let upper: Vec<f64> = (0..n * (n - 1) / 2)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let bits: Vec<bool> = (0..n).map(|_| rng.random_bool(0.5)).collect();
    let case = crate::common::Case {
        n,
        upper,
        diag: vec![0.0; n],
        bias: vec![0.0; n],
        bits,
        self_coupling: false,
        seed: 0,
    };
    let net = case.network(Encoding::Bipolar);
    let config = RunConfig {
        schedule: Schedule::RandomNeuron,
        max_steps: 2_000,
    };
    let run = |seed: u64| {
        let mut d = Dynamics::new(
            &net,
            case.state(Encoding::Bipolar),
            hopfield_core::TieRule::Keep,
        )
        .unwrap();
        let mut trace = EnergyTrace::default();
        let report = d.run(&config, &mut rng_from_seed(seed), &mut trace);
        (report, trace, d.into_state())
    };
    assert_eq!(run(99), run(99));
    let (_, trace_a, _) = run(99);
    let (_, trace_b, _) = run(100);
    assert_ne!(
        trace_a, trace_b,
        "different seeds should visit neurons in a different order"
    );
}
