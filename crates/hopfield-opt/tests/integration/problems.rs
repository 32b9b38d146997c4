//! Problem encodings: energies on hand-computed cases, structured couplings against the dense
//! matrix compiled from the penalty formula, bad parameters.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::{Couplings, Dynamics, Encoding, Network, State, TieRule, rng_from_seed};
use hopfield_opt::OptError;
use hopfield_opt::problem::{Problem, dense_from_penalty};
use hopfield_opt::queens::{Queens, QueensWeights, is_solution};
use hopfield_opt::transport::{Transport, TransportEncoding, TransportInstance, TransportWeights};
use hopfield_opt::tsp::{Tsp, TspWeights};
use proptest::prelude::*;

/// Four cities on a 4 × 3 rectangle: (0,0), (4,0), (4,3), (0,3).
fn rectangle() -> DMatrix<f64> {
    let p = [(0.0, 0.0), (4.0, 0.0), (4.0, 3.0), (0.0, 3.0)];
    DMatrix::from_fn(4, 4, |i, j| {
        let (a, b): ((f64, f64), (f64, f64)) = (p[i], p[j]);
        ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
    })
}

#[test]
fn tsp_energy_of_valid_tours_is_the_length() {
    let tsp = Tsp::new(rectangle()).unwrap();
    // Hand-computed lengths: perimeter 4+3+4+3, one crossing 5+3+5+3, the other 4+5+4+5.
    for (tour, length) in [
        ([0, 1, 2, 3], 14.0),
        ([0, 2, 1, 3], 16.0),
        ([0, 1, 3, 2], 18.0),
        ([2, 1, 0, 3], 14.0),
    ] {
        let s = tsp.encode_tour(&tour).unwrap();
        assert!((tsp.energy(&s).unwrap() - length).abs() < 1e-9, "{tour:?}");
        assert!((tsp.penalty(&s) - length).abs() < 1e-9);
        let decoded = tsp.decode(&s).unwrap();
        assert_eq!(decoded, tour);
        assert!((tsp.objective(&decoded) - length).abs() < 1e-12);
        assert!(tsp.is_feasible(&s));
    }
    // A = B = 4·d_max = 20, so the empty state costs (A + B)/2 · n = 80.
    let empty = State::low(Encoding::Binary, 16);
    assert!((tsp.energy(&empty).unwrap() - 80.0).abs() < 1e-9);
    assert_eq!(tsp.decode(&empty), None);
    // With D = 2 the energy of a valid tour is twice its length.
    let w = TspWeights {
        a: 30.0,
        b: 25.0,
        d: 2.0,
    };
    let tsp2 = Tsp::with_weights(rectangle(), w).unwrap();
    let s = tsp2.encode_tour(&[0, 1, 2, 3]).unwrap();
    assert!((tsp2.energy(&s).unwrap() - 28.0).abs() < 1e-9);
}

#[test]
fn queens_solutions_have_zero_energy() {
    for cols in [
        vec![1, 3, 0, 2],
        vec![0, 2, 4, 1, 3],
        vec![1, 3, 5, 0, 2, 4],
        vec![0, 4, 7, 5, 2, 6, 1, 3],
    ] {
        assert!(is_solution(&cols));
        let q = Queens::new(cols.len()).unwrap();
        let s = q.encode(&cols).unwrap();
        assert!(q.energy(&s).unwrap().abs() < 1e-12, "{cols:?}");
        assert!(q.is_feasible(&s));
        assert_eq!(q.objective(&q.decode(&s).unwrap()), 0.0);
    }
    // Two queens on row 0 of a 4 × 4 board, hand-computed: rows ½·1 + 3·½, columns 2·½,
    // no diagonal pair, −ε(2 − 4) = +0.5: total 3.5.
    let q = Queens::new(4).unwrap();
    let mut bits = vec![false; 16];
    bits[0] = true;
    bits[1] = true;
    let s = State::from_bits(Encoding::Binary, &bits);
    assert!((q.energy(&s).unwrap() - 3.5).abs() < 1e-12);
    assert_eq!(q.decode(&s), None);
    assert!(!q.is_feasible(&s));
    // A permutation with diagonal conflicts decodes but is not feasible.
    let d = q.encode(&[0, 1, 3, 2]).unwrap();
    assert!(!q.is_feasible(&d));
    // Pairs (0,0)-(1,1) and (2,3)-(3,2): 2 conflicts.
    assert_eq!(q.objective(&q.decode(&d).unwrap()), 2.0);
    assert!((q.energy(&d).unwrap() - 2.0).abs() < 1e-12);
}

#[test]
fn transport_feasible_plan_energy_is_its_cost() {
    // Two warehouses (4, 5), three factories (2, 3, 4).
    let inst = TransportInstance::new(
        vec![4, 5],
        vec![2, 3, 4],
        DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 7.0, 3.0, 1.0, 2.0]),
    )
    .unwrap();
    // Plan [[2, 2, 0], [0, 1, 4]]: 2·1 + 2·2 + 1·1 + 4·2 = 15 (hand).
    let plan = DMatrix::from_row_slice(2, 3, &[2u32, 2, 0, 0, 1, 4]);
    // Plan [[0, 0, 4], [2, 3, 0]]: 4·7 + 2·3 + 3·1 = 37 (hand).
    let plan2 = DMatrix::from_row_slice(2, 3, &[0u32, 0, 4, 2, 3, 0]);
    for t in [
        Transport::new(inst.clone()).unwrap(),
        Transport::one_hot(inst.clone()).unwrap(),
    ] {
        for (p, cost) in [(&plan, 15.0), (&plan2, 37.0)] {
            let s = t.encode_plan(p).unwrap();
            assert!(t.is_feasible(&s));
            assert!((t.energy(&s).unwrap() - cost).abs() < 1e-9);
            assert_eq!(t.objective(&t.decode(&s).unwrap()), cost);
        }
        // Empty state: (A/2)(16 + 25) + (B/2)(4 + 9 + 16) with A = B = 2·7 = 14: 490.
        let empty = State::low(Encoding::Binary, t.shape().len());
        assert!((t.energy(&empty).unwrap() - 490.0).abs() < 1e-9);
        assert!(!t.is_feasible(&empty));
    }
    // Unary: any k-positions count the same.
    let t = Transport::new(inst).unwrap();
    let k = t.shape().dims()[2];
    let mut s = t.encode_plan(&plan).unwrap();
    let mut moved = s.clone();
    // Cell (0,0) has neurons 0,1 on; move one to position k − 1.
    moved.set(1, false);
    moved.set(k - 1, true);
    assert!((t.energy(&moved).unwrap() - t.energy(&s).unwrap()).abs() < 1e-9);
    s.set(1, false);
    assert!(!t.is_feasible(&s));
}

#[test]
fn paper_instances_have_feasible_plans_with_cost_energy() {
    for inst in [
        TransportInstance::experiment1(),
        TransportInstance::experiment2(),
    ] {
        // North-west corner rule.
        let (mut s, mut d) = (inst.supply().to_vec(), inst.demand().to_vec());
        let mut plan = DMatrix::<u32>::zeros(s.len(), d.len());
        let (mut x, mut y) = (0, 0);
        while x < s.len() && y < d.len() {
            let a = s[x].min(d[y]);
            plan[(x, y)] = a;
            s[x] -= a;
            d[y] -= a;
            if s[x] == 0 {
                x += 1;
            } else {
                y += 1;
            }
        }
        assert!(inst.plan_is_feasible(&plan));
        let t = Transport::new(inst.clone()).unwrap();
        let state = t.encode_plan(&plan).unwrap();
        let cost = inst.plan_cost(&plan).unwrap();
        assert!((t.energy(&state).unwrap() - cost).abs() < 1e-6);
        assert!(t.is_feasible(&state));
    }
}

#[test]
fn bad_parameters_are_errors() {
    assert!(matches!(
        Queens::new(0),
        Err(OptError::InvalidParameter { name: "n", .. })
    ));
    assert!(Queens::new(3).is_err());
    let w = QueensWeights {
        epsilon: -0.1,
        ..QueensWeights::default()
    };
    assert!(Queens::with_weights(8, w).is_err());
    assert!(Tsp::new(DMatrix::zeros(1, 1)).is_err());
    let w = TspWeights {
        a: 1.0,
        b: f64::INFINITY,
        d: 1.0,
    };
    assert!(Tsp::with_weights(rectangle(), w).is_err());
    assert!(matches!(
        TransportInstance::new(vec![5, 5], vec![3, 3], DMatrix::zeros(2, 2)),
        Err(OptError::Unbalanced {
            supply: 10,
            demand: 6
        })
    ));
    let inst = TransportInstance::experiment1();
    let w = TransportWeights {
        a: 0.0,
        b: 1.0,
        c: 1.0,
    };
    assert!(Transport::with_options(inst.clone(), TransportEncoding::Unary, w).is_err());
    let w = TransportWeights::defaults_for(&inst);
    assert!(Transport::with_options(inst, TransportEncoding::OneHot { f: -1.0 }, w).is_err());
}

/// Checks a problem's structured network against the dense one compiled from its penalty
/// formula: weights, biases, offset, fields, row_dot/mul_into, and asynchronous trajectories.
#[allow(clippy::needless_range_loop)]
fn check_against_dense<P: Problem>(problem: &P, seed: u64) {
    let (dense, bias, offset) = dense_from_penalty(problem).unwrap();
    let net = problem.network();
    let n = net.n();
    let c = net.couplings();
    for i in 0..n {
        for j in 0..n {
            let expected = if i == j { 0.0 } else { dense.weight(i, j) };
            assert!(
                (c.weight(i, j) - expected).abs() < 1e-9,
                "w[{i}][{j}] = {} vs {expected}",
                c.weight(i, j)
            );
        }
        assert!((net.bias()[i] - bias[i]).abs() < 1e-9, "b[{i}]");
        assert_eq!(c.self_coupling(i), 0.0);
    }
    assert!((problem.energy_offset() - offset).abs() < 1e-9);
    let as_dense = problem.dense_couplings().unwrap();
    let dense_net = Network::with_bias(dense, bias, Encoding::Binary).unwrap();
    let mut rng = rng_from_seed(seed);
    for _ in 0..3 {
        let p = rng.random_range(0.05..0.95);
        let bits: Vec<bool> = (0..n).map(|_| rng.random_bool(p)).collect();
        let s = State::from_bits(Encoding::Binary, &bits);
        let f1 = net.fields(&s).unwrap();
        let f2 = dense_net.fields(&s).unwrap();
        let mut w_s = vec![0.0; n];
        as_dense.mul_into(s.as_slice(), &mut w_s);
        for i in 0..n {
            assert!((f1[i] - f2[i]).abs() < 1e-9);
            let rd = c.row_dot(i, s.as_slice()) + net.bias()[i];
            assert!((rd - f2[i]).abs() < 1e-9);
            assert!((w_s[i] + net.bias()[i] - f2[i]).abs() < 1e-9);
        }
        let e = problem.energy(&s).unwrap();
        assert!((e - problem.penalty(&s)).abs() < 1e-9 * (1.0 + e.abs()));
        assert!((dense_net.energy(&s).unwrap() + offset - e).abs() < 1e-9 * (1.0 + e.abs()));
        // Same neuron sequence, same trajectory.
        let mut a = Dynamics::new(net, s.clone(), TieRule::Keep).unwrap();
        let mut b = Dynamics::new(&dense_net, s, TieRule::Keep).unwrap();
        for _ in 0..(4 * n) {
            let i = rng.random_range(0..n);
            assert_eq!(a.update(i), b.update(i));
            assert!((a.energy() - b.energy()).abs() < 1e-8 * (1.0 + a.energy().abs()));
        }
        assert_eq!(a.state(), b.state());
        let fa = a.fields().to_vec();
        a.recompute();
        for (x, y) in fa.iter().zip(a.fields()) {
            assert!((x - y).abs() < 1e-9);
        }
    }
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(12))]

    #[test]
    fn tsp_structured_matches_dense(n in 3usize..6, seed in any::<u64>(), d in 1.0f64..3.0) {
        let mut rng = rng_from_seed(seed);
        // Integer distances keep every field exact, so trajectories agree tie for tie.
        let mut m = DMatrix::zeros(n, n);
        for x in 0..n {
            for y in (x + 1)..n {
                let v = f64::from(rng.random_range(1u32..20));
                m[(x, y)] = v;
                m[(y, x)] = v;
            }
        }
        let w = TspWeights { a: 4.0 * 19.0, b: 3.0 * 19.0, d: d.round() };
        check_against_dense(&Tsp::with_weights(m, w).unwrap(), seed);
    }

    #[test]
    fn queens_structured_matches_dense(n in 4usize..7, seed in any::<u64>(), c in 1u8..4) {
        let w = QueensWeights { a: 1.0, b: 2.0, c: f64::from(c), epsilon: 0.25 };
        check_against_dense(&Queens::with_weights(n, w).unwrap(), seed);
    }

    #[test]
    fn transport_structured_matches_dense(
        seed in any::<u64>(),
        one_hot in any::<bool>(),
        s0 in 1u32..4,
        s1 in 1u32..4,
    ) {
        let mut rng = rng_from_seed(seed);
        let total = s0 + s1;
        let d0 = rng.random_range(0..=total);
        let cost = DMatrix::from_fn(2, 2, |_, _| f64::from(rng.random_range(0u32..9)));
        let inst = TransportInstance::new(vec![s0, s1], vec![d0, total - d0], cost).unwrap();
        let t = if one_hot {
            Transport::one_hot(inst).unwrap()
        } else {
            Transport::new(inst).unwrap()
        };
        check_against_dense(&t, seed);
    }

    #[test]
    fn transport_unit_assignment_matches_dense(
        seed in any::<u64>(),
        s0 in 1u32..4,
        s1 in 1u32..4,
    ) {
        let mut rng = rng_from_seed(seed);
        let total = s0 + s1;
        let d0 = rng.random_range(0..=total);
        let cost = DMatrix::from_fn(2, 2, |_, _| f64::from(rng.random_range(0u32..9)));
        let inst = TransportInstance::new(vec![s0, s1], vec![d0, total - d0], cost).unwrap();
        check_against_dense(&Transport::unit_assignment(inst).unwrap(), seed);
    }
}

#[test]
fn one_hot_depths_whose_cell_amounts_overflow_u32_are_rejected() {
    // K = 200 000: a one-hot cell with every neuron on encodes K(K+1)/2 ≈ 2·10¹⁰ > u32::MAX.
    let inst = TransportInstance::new(
        vec![200_000],
        vec![200_000],
        DMatrix::from_element(1, 1, 1.0),
    )
    .unwrap();
    assert!(matches!(
        Transport::one_hot(inst.clone()),
        Err(OptError::InvalidParameter { name: "demand", .. })
    ));
    // Unary amounts are at most K, which always fits: the same instance builds and decodes.
    let t = Transport::new(inst).unwrap();
    let all_on = State::from_bits(Encoding::Binary, &vec![true; 200_000]);
    assert_eq!(t.amounts(&all_on)[(0, 0)], 200_000);
    assert!(t.is_feasible(&all_on));
    assert!((t.penalty(&all_on) - 200_000.0).abs() < 1e-6);
    // The largest one-hot depth that fits: K(K+1)/2 ≤ u32::MAX ⇔ K ≤ 92 681.
    let k = 92_681u32;
    let inst = TransportInstance::new(vec![k], vec![k], DMatrix::from_element(1, 1, 1.0)).unwrap();
    let t = Transport::one_hot(inst).unwrap();
    let all_on = State::from_bits(Encoding::Binary, &vec![true; k as usize]);
    let expected = u64::from(k) * u64::from(k + 1) / 2;
    assert_eq!(u64::from(t.amounts(&all_on)[(0, 0)]), expected);
    assert!(t.penalty(&all_on).is_finite());
    let inst =
        TransportInstance::new(vec![k + 1], vec![k + 1], DMatrix::from_element(1, 1, 1.0)).unwrap();
    assert!(Transport::one_hot(inst).is_err());
}

#[test]
fn transport_networks_beyond_max_neurons_fail_fast() {
    use hopfield_opt::transport::MAX_NEURONS;
    // K = 4·10⁹ would be ~32 GB of neurons and biases: refused before any allocation.
    let inst = TransportInstance::new(
        vec![4_000_000_000],
        vec![4_000_000_000],
        DMatrix::from_element(1, 1, 1.0),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let err = Transport::new(inst.clone()).unwrap_err();
    assert!(matches!(
        err,
        OptError::TooLarge {
            max: MAX_NEURONS,
            found: 4_000_000_000,
            ..
        }
    ));
    assert!(Transport::one_hot(inst).is_err());
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
    // The check is on the product p·q·K, not on K alone: 2 × 2 × (MAX_NEURONS/4 + 1).
    let k = (MAX_NEURONS / 4 + 1) as u32;
    let inst =
        TransportInstance::new(vec![k, k], vec![k, k], DMatrix::from_element(2, 2, 1.0)).unwrap();
    assert!(matches!(
        Transport::new(inst),
        Err(OptError::TooLarge { .. })
    ));
}

#[test]
fn queens_epsilon_must_stay_below_half_the_row_and_column_weights() {
    // n = 4, A = B = C = 1: solution [1, 3, 0, 2] plus a queen at (0, 3). With ε = (A+B)/2 = 1
    // this non-solution has E = A/2 + B/2 − ε = 0, so ε = 1 is rejected.
    let w = |epsilon: f64| QueensWeights {
        a: 1.0,
        b: 1.0,
        c: 1.0,
        epsilon,
    };
    for eps in [1.0, 1.5] {
        match Queens::with_weights(4, w(eps)) {
            Err(OptError::InvalidParameter {
                name: "epsilon",
                reason,
            }) => {
                assert!(reason.contains("(A+B)/2"), "{reason}");
            }
            other => panic!("ε = {eps} accepted: {other:?}"),
        }
    }
    // The default ε = 0.25 is accepted, and the extra-queen placement is then strictly positive.
    let q = Queens::with_weights(4, QueensWeights::default()).unwrap();
    assert!(Queens::new(8).is_ok());
    let mut bits = vec![false; 16];
    for (r, c) in [(0, 1), (1, 3), (2, 0), (3, 2), (0, 3)] {
        bits[r * 4 + c] = true;
    }
    let s = State::from_bits(Encoding::Binary, &bits);
    assert!((q.penalty(&s) - 0.75).abs() < 1e-12);
    // Just below the bound is still allowed (and E > 0 for the non-solution).
    let q = Queens::with_weights(4, w(0.99)).unwrap();
    assert!(q.penalty(&s) > 0.0);
}

#[test]
fn tsp_default_weights_ignore_the_diagonal() {
    // An EXPLICIT matrix with 9999 placeholders on the diagonal: d_max is the largest
    // off-diagonal distance (5), so A = B = 20, not 39 996.
    let mut d = rectangle();
    for i in 0..4 {
        d[(i, i)] = 9999.0;
    }
    let w = TspWeights::defaults_for(&d);
    assert_eq!((w.a, w.b, w.d), (20.0, 20.0, 1.0));
    assert_eq!(TspWeights::defaults_for(&rectangle()), w);
    // All off-diagonal distances zero: d_max falls back to 1 whatever the diagonal holds.
    let w = TspWeights::defaults_for(&DMatrix::from_diagonal_element(3, 3, 7.0));
    assert_eq!((w.a, w.b), (4.0, 4.0));
}
