//! A small Hebbian memory: stored patterns are fixed points and are recalled from noise.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::rand::seq::index;
use hopfield_core::{
    Dense, Dynamics, Encoding, Network, NoObserver, RunConfig, Schedule, State, Termination,
    TieRule, convert::bipolar_to_binary, rng_from_seed,
};

const N: usize = 64;
const M: usize = 3;

fn hebbian(patterns: &[State]) -> Network<Dense> {
    let w = DMatrix::from_fn(N, N, |i, j| {
        patterns
            .iter()
            .map(|p| p.as_slice()[i] * p.as_slice()[j])
            .sum::<f64>()
            / N as f64
    });
    Network::new(Dense::with_zero_diagonal(w).unwrap(), Encoding::Bipolar)
}

fn patterns(seed: u64) -> Vec<State> {
    let mut rng = rng_from_seed(seed);
    (0..M)
        .map(|_| State::random(Encoding::Bipolar, N, &mut rng))
        .collect()
}

#[test]
fn stored_patterns_are_fixed_points_and_are_recalled() {
    let stored = patterns(2024);
    let net = hebbian(&stored);
    let mut rng = rng_from_seed(7);
    for (u, pattern) in stored.iter().enumerate() {
        let d = Dynamics::new(&net, pattern.clone(), TieRule::High).unwrap();
        assert!(d.is_fixed_point(), "pattern {u} is not a fixed point");
        for schedule in [
            Schedule::RandomNeuron,
            Schedule::RandomSweep,
            Schedule::Synchronous,
        ] {
            for _ in 0..10 {
                let mut probe = pattern.clone();
                for i in index::sample(&mut rng, N, 4) {
                    probe.flip(i);
                }
                assert_eq!(probe.hamming(pattern).unwrap(), 4);
                let mut d = Dynamics::new(&net, probe, TieRule::High).unwrap();
                let config = RunConfig {
                    schedule,
                    max_steps: 100 * N as u64,
                };
                let report = d.run(&config, &mut rng, &mut NoObserver);
                assert_eq!(report.termination, Termination::FixedPoint, "{schedule:?}");
                assert_eq!(
                    d.state(),
                    pattern,
                    "pattern {u} not recalled with {schedule:?}"
                );
            }
        }
    }
}

/// The same memory as a 0/1 network (Hopfield's (1982) setting) recalls the same patterns.
#[test]
fn binary_equivalent_recalls_the_same_patterns() {
    let stored = patterns(99);
    let net = hebbian(&stored);
    let binary = bipolar_to_binary(&net).unwrap().network;
    let mut rng = rng_from_seed(8);
    for pattern in &stored {
        let mut probe = pattern.to_encoding(Encoding::Binary);
        for _ in 0..3 {
            probe.flip(rng.random_range(0..N));
        }
        let mut d = Dynamics::new(&binary, probe, TieRule::High).unwrap();
        let config = RunConfig {
            schedule: Schedule::RandomSweep,
            max_steps: 100 * N as u64,
        };
        d.run(&config, &mut rng, &mut NoObserver);
        assert_eq!(d.state().to_bits(), pattern.to_bits());
    }
}
