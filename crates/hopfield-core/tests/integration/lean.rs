//! Lean networks against the plain path: the same states, flips and updates give the same
//! fields and energies (exactly, for integer weights).

use hopfield_core::lean::{BitState, FlipDynamics, IntNetwork, LeanDynamics};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::{
    Dense, DiagonalPolicy, Dynamics, Encoding, Network, State, TieRule, rng_from_seed,
};
use proptest::prelude::*;

/// `(n, entries, self-couplings, biases, seed)`.
type IntCase = (usize, Vec<(usize, usize, i64)>, Vec<i64>, Vec<i64>, u64);

/// A random integer network: entries `(i, j, w)`, self-couplings, biases, and a seed.
fn int_case() -> impl Strategy<Value = IntCase> {
    (2usize..10).prop_flat_map(|n| {
        (
            Just(n),
            proptest::collection::vec((0..n, 0..n, -5i64..=5), 0..3 * n),
            proptest::collection::vec(0i64..=3, n),
            proptest::collection::vec(-6i64..=6, n),
            any::<u64>(),
        )
    })
}

fn dense_of(n: usize, entries: &[(usize, usize, i64)], diag: &[i64]) -> Dense {
    let mut w = DMatrix::zeros(n, n);
    for &(i, j, v) in entries {
        if i != j {
            w[(i, j)] += v as f64;
            w[(j, i)] += v as f64;
        }
    }
    for (i, &d) in diag.iter().enumerate() {
        w[(i, i)] = d as f64;
    }
    Dense::new(w, DiagonalPolicy::SelfCoupling).unwrap()
}

fn compare<A: FlipDynamics, B: FlipDynamics>(a: &A, b: &B) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.n(), b.n());
    for i in 0..a.n() {
        prop_assert_eq!(a.is_high(i), b.is_high(i));
        prop_assert!(
            (a.field(i) - b.field(i)).abs() < 1e-9,
            "field {} differs",
            i
        );
        prop_assert!((a.flip_delta(i) - b.flip_delta(i)).abs() < 1e-9);
    }
    prop_assert!((a.energy() - b.energy()).abs() < 1e-9);
    Ok(())
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(256))]

    #[test]
    fn int_network_matches_the_plain_path((n, entries, diag, bias, seed) in int_case()) {
        for encoding in [Encoding::Binary, Encoding::Bipolar] {
            let mut all: Vec<(usize, usize, i64)> = entries.iter().copied().filter(|e| e.0 != e.1).collect();
            all.extend(diag.iter().enumerate().map(|(i, &d)| (i, i, d)));
            let int = IntNetwork::new(n, &all, bias.clone(), encoding).unwrap();
            let plain = Network::with_bias(
                dense_of(n, &entries, &diag),
                bias.iter().map(|&b| b as f64).collect(),
                encoding,
            ).unwrap();
            let mut rng = rng_from_seed(seed);
            let start = State::random(encoding, n, &mut rng);
            let mut lean = LeanDynamics::new(&int, BitState::from_state(&start)).unwrap();
            let mut generic = LeanDynamics::new(&plain, BitState::from_state(&start)).unwrap();
            let mut reference = Dynamics::new(&plain, start, TieRule::Keep).unwrap();
            compare(&lean, &reference)?;
            compare(&generic, &reference)?;
            for _ in 0..40 {
                let i = rng.random_range(0..n);
                if rng.random_bool(0.5) {
                    let a = FlipDynamics::flip(&mut lean, i);
                    let b = FlipDynamics::flip(&mut generic, i);
                    let c = reference.flip(i);
                    prop_assert!((a - c).abs() < 1e-9 && (b - c).abs() < 1e-9);
                } else {
                    let a = FlipDynamics::update(&mut lean, i);
                    let b = FlipDynamics::update(&mut generic, i);
                    let c = reference.update(i);
                    prop_assert_eq!((a, b), (c, c));
                }
                compare(&lean, &reference)?;
                compare(&generic, &reference)?;
            }
            // Incremental values equal a recomputation, and the energy the plain formula.
            let e = plain.energy(&lean.state().to_state()).unwrap();
            prop_assert!((lean.energy() - e).abs() < 1e-9);
            let snapshot = lean.snapshot();
            FlipDynamics::recompute(&mut lean);
            prop_assert!((lean.energy() - e).abs() < 1e-9);
            // Assign and restore round-trip.
            let mut high = Vec::new();
            lean.high_neurons(&mut high);
            prop_assert_eq!(high.len(), lean.count_high());
            lean.assign(&[]);
            prop_assert_eq!(lean.count_high(), 0);
            lean.restore(&snapshot);
            prop_assert_eq!(lean.state(), &snapshot);
            prop_assert!((lean.energy() - e).abs() < 1e-9);
        }
    }
}

#[test]
fn too_wide_integer_fields_are_errors() {
    let big = i64::from(i32::MAX);
    assert!(IntNetwork::new(2, &[(0, 1, big)], vec![0, 0], Encoding::Binary).is_ok());
    assert!(IntNetwork::new(2, &[(0, 1, big)], vec![1, 0], Encoding::Binary).is_err());
    assert!(IntNetwork::new(2, &[(0, 1, 1)], vec![0, 0], Encoding::Bipolar).is_ok());
    assert!(IntNetwork::new(2, &[(0, 2, 1)], vec![0, 0], Encoding::Binary).is_err());
    assert!(IntNetwork::new(2, &[(1, 1, -1)], vec![0, 0], Encoding::Binary).is_err());
    assert!(IntNetwork::new(2, &[], vec![0], Encoding::Binary).is_err());
}

#[test]
fn lean_dynamics_check_the_state() {
    let net = IntNetwork::new(3, &[(0, 1, 1)], vec![0; 3], Encoding::Binary).unwrap();
    assert!(LeanDynamics::new(&net, BitState::low(Encoding::Binary, 2)).is_err());
    assert!(LeanDynamics::new(&net, BitState::low(Encoding::Bipolar, 3)).is_err());
    let mut d = LeanDynamics::new(&net, BitState::low(Encoding::Binary, 3)).unwrap();
    assert!(d.is_fixed_point());
    d.flip(0);
    d.flip(1);
    assert_eq!(d.energy(), -1.0);
    assert!(d.reset(BitState::low(Encoding::Binary, 4)).is_err());
}
