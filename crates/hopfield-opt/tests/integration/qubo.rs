//! QUBO/Ising problems, their file formats, the spin operators, the lean search path against
//! the plain one, and the stopping rules.

use hopfield_core::lean::BitState;
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::{Encoding, State, rng_from_seed};
use hopfield_opt::exact::held_karp;
use hopfield_opt::operators::{OperatorSpec, WithMoves};
use hopfield_opt::problem::{LeanProblem, Problem, Sense, dense_from_penalty};
use hopfield_opt::qubo::file::{parse_max_cut, parse_qubo, write_max_cut, write_qubo};
use hopfield_opt::qubo::{Ising, Qubo, QuboProblem};
use hopfield_opt::queens::{Queens, is_solution};
use hopfield_opt::search::{
    Clock, FlipOperator, SearchConfig, StopReason, Stopping, search_from_with, search_lean_from,
    search_with,
};
use hopfield_opt::tsp::Tsp;
use proptest::prelude::*;

fn qubo_case() -> impl Strategy<Value = (Vec<f64>, Vec<(usize, usize, f64)>, f64)> {
    (1usize..8).prop_flat_map(|n| {
        (
            proptest::collection::vec(-4i32..=4, n)
                .prop_map(|v| v.into_iter().map(f64::from).collect()),
            proptest::collection::vec((0..n, 0..n, -4i32..=4), 0..2 * n).prop_map(|v| {
                v.into_iter()
                    .map(|(i, j, w)| (i, j, f64::from(w)))
                    .collect()
            }),
            -3i32..=3,
        )
            .prop_map(|(a, b, c)| (a, b, f64::from(c)))
    })
}

fn bits_of(mask: u32, n: usize) -> Vec<bool> {
    (0..n).map(|k| mask >> k & 1 == 1).collect()
}

fn brute_force(p: &QuboProblem) -> f64 {
    let n = p.qubo().n();
    (0..1u32 << n).map(|m| p.objective(&bits_of(m, n))).fold(
        p.sense().sign() * f64::INFINITY,
        |a, b| {
            if p.sense().better(b, a) { b } else { a }
        },
    )
}

/// Runs `op` from the same initial state and seed on the plain and the lean path; the two
/// must take identical steps.
fn same_on_both_paths<P, O>(p: &P, op: &O, seed: u64, steps: u64) -> Result<(), TestCaseError>
where
    P: LeanProblem,
    O: FlipOperator,
{
    let n = p.shape().len();
    let mut rng = rng_from_seed(seed);
    let bits: Vec<bool> = (0..n).map(|_| rng.random_bool(0.5)).collect();
    let config = SearchConfig::new(steps);
    let stop = Stopping::new();
    let plain = search_from_with(
        p,
        &mut op.clone(),
        State::from_bits(Encoding::Binary, &bits),
        &config,
        &stop,
        &mut rng_from_seed(seed + 1),
    )
    .unwrap();
    let lean = search_lean_from(
        p,
        &mut op.clone(),
        BitState::from_bools(Encoding::Binary, &bits),
        &config,
        &stop,
        &mut rng_from_seed(seed + 1),
    )
    .unwrap();
    prop_assert_eq!(&lean.state.to_state(), &plain.state);
    prop_assert_eq!(lean.steps, plain.steps);
    prop_assert_eq!(lean.operator, plain.operator);
    prop_assert!((lean.energy - plain.energy).abs() < 1e-9);
    prop_assert_eq!(lean.report.reason, plain.report.reason);
    Ok(())
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(256))]

    #[test]
    fn ising_and_qubo_agree_on_every_assignment((a, b, c) in qubo_case()) {
        let q = Qubo::new(a, &b, c).unwrap();
        let n = q.n();
        let ising = q.to_ising();
        let back = ising.to_qubo();
        for m in 0..1u32 << n {
            let x = bits_of(m, n);
            let s: Vec<i8> = x.iter().map(|&v| if v { 1 } else { -1 }).collect();
            prop_assert!((q.value(&x) - ising.value(&s)).abs() < 1e-9);
            prop_assert!((back.value(&x) - q.value(&x)).abs() < 1e-9);
        }
        let again = Ising::new(ising.fields().to_vec(), ising.couplings(), ising.offset()).unwrap();
        prop_assert_eq!(again, ising);
    }

    #[test]
    fn qubo_networks_are_the_model_in_both_senses((a, b, c) in qubo_case(), max in any::<bool>()) {
        let sense = if max { Sense::Maximize } else { Sense::Minimize };
        let p = QuboProblem::new("t", Qubo::new(a, &b, c).unwrap(), sense).unwrap();
        let n = p.qubo().n();
        let (w, bias, offset) = dense_from_penalty(&p).unwrap();
        let dense = p.dense_couplings().unwrap();
        use hopfield_core::Couplings;
        for (i, b) in bias.iter().enumerate() {
            prop_assert!((b - p.network().bias()[i]).abs() < 1e-9);
            for j in 0..n {
                prop_assert!((w.weight(i, j) - dense.weight(i, j)).abs() < 1e-9);
            }
        }
        prop_assert!((offset - p.energy_offset()).abs() < 1e-9);
        for m in 0..1u32 << n {
            let x = bits_of(m, n);
            let e = p.energy(&State::from_bits(Encoding::Binary, &x)).unwrap();
            prop_assert!((e - sense.sign() * p.objective(&x)).abs() < 1e-9);
            let from_objective = p.energy_of_objective(p.objective(&x)).unwrap();
            prop_assert!((from_objective - e).abs() < 1e-9);
        }
        prop_assert!(p.int_network().is_some());
    }

    #[test]
    fn files_round_trip((a, b, c) in qubo_case(), seed in 0u64..1000) {
        let q = Qubo::new(a, &b, c).unwrap();
        let back = parse_qubo(&write_qubo(&q), "generated").unwrap();
        prop_assert_eq!(back.linear(), q.linear());
        prop_assert_eq!(back.quadratic(), q.quadratic());
        let mut rng = rng_from_seed(seed);
        let n = rng.random_range(2usize..30);
        let edges = hopfield_opt::qubo::file::random_max_cut(n, 0.3, &mut rng).unwrap();
        let f = parse_max_cut(&write_max_cut(n, &edges), "generated").unwrap();
        prop_assert_eq!(f.n, n);
        prop_assert_eq!(f.edges, edges);
    }

    #[test]
    fn spin_operators_take_the_same_steps_on_both_paths(seed in 0u64..1000, tabu in any::<bool>()) {
        let mut rng = rng_from_seed(seed);
        let n = rng.random_range(3usize..16);
        let edges = hopfield_opt::qubo::file::random_max_cut(n, 0.4, &mut rng).unwrap();
        let p = QuboProblem::max_cut("g", n, &edges).unwrap();
        let spec = OperatorSpec::named(if tabu { "spin-tabu" } else { "spin-anneal" });
        let mut spec = spec;
        if !tabu {
            spec.sweeps = Some(7);
        }
        let op = p.moves(&spec).unwrap();
        same_on_both_paths(&p, &op, seed, 30)?;
    }

    #[test]
    fn queens_lean_counters_take_the_same_steps(seed in 0u64..1000, n in 4usize..12) {
        let q = Queens::new(n).unwrap();
        let op = q.moves(&OperatorSpec::named("queens-swaps")).unwrap();
        same_on_both_paths(&q, &op, seed, 40)?;
    }

    #[test]
    fn keep_best_returns_the_best_energy(seed in 0u64..1000) {
        let mut rng = rng_from_seed(seed);
        let edges = hopfield_opt::qubo::file::random_max_cut(12, 0.5, &mut rng).unwrap();
        let p = QuboProblem::max_cut("g", 12, &edges).unwrap();
        let mut spec = OperatorSpec::named("spin-anneal");
        spec.sweeps = Some(5);
        let mut op = p.moves(&spec).unwrap();
        let stop = Stopping::new().keeping_best();
        let out = search_with(&p, &mut op, &SearchConfig::new(17), &stop, &mut rng).unwrap();
        prop_assert!((out.energy - out.report.best_energy).abs() < 1e-9);
        prop_assert!(out.report.steps_to_best <= out.steps);
        prop_assert!((p.penalty(&out.state) - out.energy).abs() < 1e-9);
    }
}

#[test]
fn spin_operators_find_small_max_cut_optima() {
    for seed in 0..6u64 {
        let mut rng = rng_from_seed(seed);
        let edges = hopfield_opt::qubo::file::random_max_cut(14, 0.4, &mut rng).unwrap();
        let p = QuboProblem::max_cut("g", 14, &edges).unwrap();
        let best = brute_force(&p);
        for name in ["spin-anneal", "spin-tabu"] {
            let mut spec = OperatorSpec::named(name);
            if name == "spin-anneal" {
                spec.sweeps = Some(200);
            }
            let mut op = p.moves(&spec).unwrap();
            let stop = Stopping::new().with_target_objective(best);
            let out = search_with(&p, &mut op, &SearchConfig::new(5_000), &stop, &mut rng).unwrap();
            assert_eq!(
                out.report.reason,
                StopReason::Target,
                "{name} on seed {seed}"
            );
            assert_eq!(p.objective(&out.state.to_bits()), best);
        }
    }
}

#[test]
fn stopping_rules_stop_for_their_reason() {
    let mut rng = rng_from_seed(3);
    let edges = hopfield_opt::qubo::file::random_max_cut(30, 0.3, &mut rng).unwrap();
    let p = QuboProblem::max_cut("g", 30, &edges).unwrap();
    let mut spec = OperatorSpec::named("spin-anneal");
    spec.sweeps = Some(50);
    let op = p.moves(&spec).unwrap();
    let run = |stop: &Stopping, t_max: u64| {
        search_with(
            &p,
            &mut op.clone(),
            &SearchConfig::new(t_max),
            stop,
            &mut rng_from_seed(9),
        )
        .unwrap()
    };
    let limit = run(&Stopping::new(), 40);
    assert_eq!(
        (limit.report.reason, limit.steps),
        (StopReason::StepLimit, 40)
    );
    let stall = run(&Stopping::new().with_stall(25), 100_000);
    assert_eq!(stall.report.reason, StopReason::Stall);
    assert_eq!(stall.steps - stall.report.steps_to_best, 25);
    // A target below the first state's cut is reached at once.
    let easy = run(&Stopping::new().with_target_objective(1.0), 100_000);
    assert_eq!((easy.report.reason, easy.steps), (StopReason::Target, 1));
    let timed = run(
        &Stopping::new().with_time_limit(std::time::Duration::ZERO, Clock::Cpu),
        100_000,
    );
    assert_eq!(
        (timed.report.reason, timed.steps),
        (StopReason::TimeLimit, 16)
    );
    assert!(Stopping::new().with_stall(0).check().is_err());
    assert!(
        Stopping::new()
            .with_target_energy(f64::NAN)
            .check()
            .is_err()
    );
    // N-Queens stops when solved; the board is a solution.
    let q = Queens::new(20).unwrap();
    let mut op = q.moves(&OperatorSpec::named("queens-swaps")).unwrap();
    let out = search_with(
        &q,
        &mut op,
        &SearchConfig::new(u64::MAX),
        &Stopping::new(),
        &mut rng_from_seed(1),
    )
    .unwrap();
    assert_eq!(out.report.reason, StopReason::Solved);
    assert!(is_solution(&q.decode(&out.state).unwrap()));
}

#[test]
fn large_boards_never_abort() {
    let q = Queens::new(100_000).unwrap();
    assert!(q.check_plain_size().is_err());
    assert!(q.lean().is_ok());
    let huge = Queens::new(1_000_000).unwrap();
    let err = huge.lean().unwrap_err().to_string();
    assert!(err.contains("125.06 GB"), "{err}");
}

#[test]
fn tour_ils_reaches_the_held_karp_optimum() {
    for seed in 0..4u64 {
        let mut rng = rng_from_seed(seed);
        let n = 12;
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|_| (rng.random::<f64>(), rng.random::<f64>()))
            .collect();
        let d = DMatrix::from_fn(n, n, |i, j| {
            ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2)).sqrt()
        });
        let (opt, _) = held_karp(&d).unwrap();
        let tsp = Tsp::new(d).unwrap();
        let mut op = tsp.moves(&OperatorSpec::named("tour-ils")).unwrap();
        let stop = Stopping::new().with_target_objective(opt + 1e-9);
        let out = search_with(&tsp, &mut op, &SearchConfig::new(20_000), &stop, &mut rng).unwrap();
        assert_eq!(out.report.reason, StopReason::Target, "seed {seed}");
        assert!((out.energy - opt).abs() < 1e-6);
    }
}
