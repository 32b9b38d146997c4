//! The readings of the tunnel operator T: each option is exercised by a test that fails if
//! the option is ignored, scoring from scratch equals incremental scoring, and seeded runs
//! reproduce per reading.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::{Couplings, Dynamics, Encoding, State, TieRule, rng_from_seed};
use hopfield_opt::operators::{
    Counting, Evaluation, LambdaRule, Order, Sets, TieBreak, Trigger, Tunnel, TunnelConfig,
    TunnelVariant,
};
use hopfield_opt::problem::{Problem, Shape};
use hopfield_opt::queens::Queens;
use hopfield_opt::search::{
    OperatorStats, SearchConfig, SearchOperator, SearchOutcome, random_state, search,
};
use hopfield_opt::transport::{Transport, TransportInstance};
use hopfield_opt::tsp::Tsp;
use proptest::prelude::*;
use std::time::Duration;

fn instance() -> TransportInstance {
    TransportInstance::new(
        vec![4, 5, 3],
        vec![2, 3, 4, 3],
        DMatrix::from_row_slice(
            3,
            4,
            &[1.0, 2.0, 7.0, 4.0, 3.0, 1.0, 2.0, 6.0, 5.0, 5.0, 1.0, 2.0],
        ),
    )
    .unwrap()
}

/// Integer distances between random points: every energy is exact, so ties are true ties.
fn integer_cities(n: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = rng_from_seed(seed);
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.random_range(0.0..20.0), rng.random_range(0.0..20.0)))
        .collect();
    DMatrix::from_fn(n, n, |i, j| {
        ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2))
            .sqrt()
            .round()
    })
}

fn bits<C: Couplings>(d: &Dynamics<'_, C>) -> Vec<bool> {
    d.state().to_bits()
}

/// The neurons that differ between two bit vectors.
fn changed(a: &[bool], b: &[bool]) -> Vec<usize> {
    (0..a.len()).filter(|&i| a[i] != b[i]).collect()
}

/// Calls only the operator's turns (no neuron updates) `turns` times from `state`.
fn turns_only<P: Problem>(
    problem: &P,
    config: TunnelConfig,
    state: State,
    turns: usize,
    seed: u64,
    mut check: impl FnMut(&[bool], &[bool]),
) -> Tunnel {
    let shape = problem.shape();
    let mut tunnel = Tunnel::new(config, shape).unwrap();
    let mut rng = rng_from_seed(seed);
    let mut d = Dynamics::new(problem.network(), state, TieRule::Keep).unwrap();
    let mut stats = OperatorStats::default();
    tunnel.begin(&mut d, shape, turns as u64, &mut rng, &mut stats);
    for _ in 0..turns {
        let before = bits(&d);
        let e0 = d.energy();
        tunnel.step(&mut d, shape, &mut rng, &mut stats);
        assert!(d.energy() <= e0 + 1e-9, "a turn raised the energy");
        check(&before, &bits(&d));
    }
    tunnel
}

fn k_slices_only() -> TunnelConfig {
    TunnelConfig {
        rho: vec![0, 0, 1],
        ..TunnelConfig::paper(3)
    }
}

#[test]
fn taken_ties_accept_energy_neutral_candidates() {
    // In the unary encoding a unit-slice swap never changes an amount: every candidate ties.
    let t = Transport::new(instance()).unwrap();
    let s = random_state(t.shape().len(), 0.5, &mut rng_from_seed(1));
    let keep = turns_only(&t, k_slices_only(), s.clone(), 100, 2, |a, b| {
        assert_eq!(a, b)
    });
    assert_eq!(keep.counts().attempts, 100);
    assert_eq!(keep.counts().accepted, 0);
    let mut moved = 0;
    let take = turns_only(
        &t,
        TunnelConfig {
            ties: TieBreak::Take,
            ..k_slices_only()
        },
        s,
        100,
        2,
        |a, b| moved += usize::from(a != b),
    );
    let c = take.counts();
    assert_eq!((c.accepted, c.improved), (100, 0));
    assert!(c.changed > 50 && c.changed as usize == moved, "{c:?}");
}

#[test]
fn random_ties_take_about_half_of_the_neutral_candidates() {
    let t = Transport::new(instance()).unwrap();
    let s = random_state(t.shape().len(), 0.5, &mut rng_from_seed(3));
    let cfg = TunnelConfig {
        ties: TieBreak::Random,
        ..k_slices_only()
    };
    let c = turns_only(&t, cfg, s, 400, 4, |_, _| {}).counts();
    assert!(c.accepted > 120 && c.accepted < 280, "{c:?}");
}

#[test]
fn random_ties_among_several_candidates_pick_each_tied_state() {
    // τ = 4: the current state and three neutral candidates; each should win sometimes.
    let t = Transport::new(instance()).unwrap();
    let s = random_state(t.shape().len(), 0.5, &mut rng_from_seed(5));
    let cfg = TunnelConfig {
        tau: 4,
        ties: TieBreak::Random,
        ..k_slices_only()
    };
    let c = turns_only(&t, cfg, s, 400, 6, |_, _| {}).counts();
    // Accepted with probability 3/4.
    assert!(c.accepted > 250 && c.accepted < 350, "{c:?}");
}

/// Runs the time step by hand with a trigger and checks, at every turn, that T was tried
/// exactly when `expect(update flipped, state is a fixed point)` says.
fn check_trigger(trigger: Trigger, expect: impl Fn(bool, bool) -> bool) -> (usize, usize) {
    let q = Queens::new(6).unwrap();
    let shape = q.shape();
    let cfg = TunnelConfig {
        trigger,
        ties: TieBreak::Take,
        ..TunnelConfig::paper(2)
    };
    let mut tunnel = Tunnel::new(cfg, shape).unwrap();
    let mut rng = rng_from_seed(8);
    let s = random_state(shape.len(), 0.5, &mut rng);
    let mut d = Dynamics::new(q.network(), s, TieRule::Keep).unwrap();
    let mut stats = OperatorStats::default();
    tunnel.begin(&mut d, shape, 3000, &mut rng, &mut stats);
    let (mut tried, mut skipped) = (0, 0);
    for _ in 0..3000 {
        let flipped = d.update(rng.random_range(0..shape.len()));
        let fixed = d.is_fixed_point();
        let before = tunnel.counts().attempts;
        tunnel.step(&mut d, shape, &mut rng, &mut stats);
        let was_tried = tunnel.counts().attempts > before;
        assert_eq!(
            was_tried,
            expect(flipped, fixed),
            "flipped {flipped}, fixed {fixed}"
        );
        if was_tried {
            tried += 1;
        } else {
            skipped += 1;
        }
    }
    (tried, skipped)
}

#[test]
fn fixed_point_trigger_tries_no_candidate_before_convergence() {
    let (tried, skipped) = check_trigger(Trigger::FixedPoint, |_, fixed| fixed);
    assert!(tried > 0 && skipped > 0, "{tried} tried, {skipped} skipped");
}

#[test]
fn stalled_trigger_tries_only_after_an_update_that_changed_nothing() {
    let (tried, skipped) = check_trigger(Trigger::Stalled, |flipped, _| !flipped);
    assert!(tried > 0 && skipped > 0, "{tried} tried, {skipped} skipped");
}

#[test]
fn every_step_trigger_tries_at_every_step() {
    let (tried, skipped) = check_trigger(Trigger::EveryStep, |_, _| true);
    assert_eq!((tried, skipped), (3000, 0));
}

#[test]
fn before_update_order_is_the_before_update_loop() {
    // `search` with T before each update must equal the loop T U T U … T U run by hand.
    let tsp = Tsp::new(integer_cities(6, 3)).unwrap();
    let shape = tsp.shape();
    let t_max = 40;
    let before = TunnelConfig {
        order: Order::BeforeUpdate,
        ..TunnelConfig::paper(2)
    };
    let mut differs_from_after = false;
    for seed in 0..20 {
        let mut op = Tunnel::new(before.clone(), shape).unwrap();
        let out = search(
            &tsp,
            &mut op,
            &SearchConfig::new(t_max),
            &mut rng_from_seed(seed),
        )
        .unwrap();

        let mut rng = rng_from_seed(seed);
        let s = random_state(shape.len(), 0.5, &mut rng);
        let mut d = Dynamics::new(tsp.network(), s, TieRule::Keep).unwrap();
        let mut by_hand = Tunnel::new(TunnelConfig::paper(2), shape).unwrap();
        let mut stats = OperatorStats::default();
        for _ in 0..t_max {
            by_hand.step(&mut d, shape, &mut rng, &mut stats);
            d.update(rng.random_range(0..shape.len()));
        }
        assert_eq!(&out.state, d.state(), "seed {seed}");
        assert_eq!(out.operator.transitions, stats.transitions);
        assert_eq!(op.counts().turns, t_max);

        let mut after = Tunnel::new(TunnelConfig::paper(2), shape).unwrap();
        let other = search(
            &tsp,
            &mut after,
            &SearchConfig::new(t_max),
            &mut rng_from_seed(seed),
        )
        .unwrap();
        differs_from_after |= other.state != out.state;
    }
    assert!(differs_from_after, "before and after never differed");
}

/// Whether the changed neurons lie in at most `lambda` slices along some dimension.
fn along_one_dimension(shape: &Shape, moved: &[usize], lambda: usize) -> bool {
    (0..shape.ndim()).any(|d| {
        let mut values: Vec<usize> = moved
            .iter()
            .map(|&i| shape.multi_index(i).unwrap()[d])
            .collect();
        values.sort_unstable();
        values.dedup();
        values.len() <= lambda
    })
}

#[test]
fn one_dimension_variant_permutes_along_a_single_dimension_per_turn() {
    let t = Transport::new(instance()).unwrap();
    let shape = t.shape().clone();
    let s = random_state(shape.len(), 0.5, &mut rng_from_seed(11));
    let run = |variant| {
        let cfg = TunnelConfig {
            variant,
            ties: TieBreak::Take,
            ..TunnelConfig::paper(3)
        };
        let (mut single, mut multi) = (0, 0);
        let tunnel = turns_only(&t, cfg, s.clone(), 300, 12, |a, b| {
            let moved = changed(a, b);
            if !moved.is_empty() {
                if along_one_dimension(&shape, &moved, 2) {
                    single += 1;
                } else {
                    multi += 1;
                }
            }
        });
        (tunnel.counts(), single, multi)
    };
    let (c, single, multi) = run(TunnelVariant::OneDimension);
    assert_eq!(c.attempts, c.turns);
    assert!(single > 0 && multi == 0, "{single} single, {multi} multi");
    // The literal candidate moves along every dimension at once.
    let (_, _, multi) = run(TunnelVariant::Literal);
    assert!(multi > 0);
}

#[test]
fn per_dimension_variant_makes_one_attempt_per_dimension() {
    let t = Transport::new(instance()).unwrap();
    let s = random_state(t.shape().len(), 0.5, &mut rng_from_seed(13));
    let cfg = TunnelConfig {
        rho: vec![1, 0, 1],
        ..TunnelConfig::per_dimension(3)
    };
    let c = turns_only(&t, cfg, s, 50, 14, |_, _| {}).counts();
    assert_eq!((c.turns, c.attempts), (50, 100));
}

#[test]
fn all_sets_derange_every_slice() {
    // Turns only, from a valid tour: rows stay distinct, so a derangement of all rows changes
    // every row; λ = 2 would change two.
    let n = 7;
    let tsp = Tsp::new(integer_cities(n, 21)).unwrap();
    let tour: Vec<usize> = (0..n).collect();
    let s = tsp.encode_tour(&tour).unwrap();
    let cfg = TunnelConfig {
        rho: vec![1, 0],
        lambda_rule: LambdaRule::All,
        ..TunnelConfig::paper(2)
    };
    let mut rows_moved = Vec::new();
    turns_only(&tsp, cfg, s, 200, 22, |a, b| {
        if a != b {
            rows_moved.push(
                (0..n)
                    .filter(|&x| a[x * n..(x + 1) * n] != b[x * n..(x + 1) * n])
                    .count(),
            );
        }
    });
    assert!(!rows_moved.is_empty());
    assert!(rows_moved.iter().all(|&m| m == n), "{rows_moved:?}");
}

#[test]
fn neuron_sets_permute_values_inside_one_slice() {
    let q = Queens::new(6).unwrap();
    let shape = q.shape().clone();
    let s = random_state(shape.len(), 0.5, &mut rng_from_seed(31));
    let run = |sets| {
        let cfg = TunnelConfig {
            rho: vec![1, 0],
            sets,
            ties: TieBreak::Take,
            ..TunnelConfig::paper(2)
        };
        let mut rows_touched = Vec::new();
        turns_only(&q, cfg, s.clone(), 200, 32, |a, b| {
            let moved = changed(a, b);
            if moved.is_empty() {
                return;
            }
            let mut rows: Vec<usize> = moved.iter().map(|&i| i / 6).collect();
            rows.dedup();
            for &r in &rows {
                let sum = |v: &[bool]| v[r * 6..r * 6 + 6].iter().filter(|&&x| x).count();
                if rows.len() == 1 {
                    assert_eq!(sum(a), sum(b), "a permutation inside a row keeps its sum");
                }
            }
            rows_touched.push(rows.len());
        });
        rows_touched
    };
    let inside = run(Sets::Neurons);
    assert!(!inside.is_empty() && inside.iter().all(|&r| r == 1));
    // Slice swaps exchange two rows.
    assert!(run(Sets::Slices).iter().all(|&r| r == 2));
}

#[test]
fn counting_options_count_what_they_name() {
    // All neurons off: every slice is equal, so every candidate is the current state again.
    let q = Queens::new(5).unwrap();
    let zero = State::low(Encoding::Binary, 25);
    for (ties, counting, expected) in [
        (TieBreak::Take, Counting::Accepted, 60),
        (TieBreak::Take, Counting::Changed, 0),
        (TieBreak::Take, Counting::Tried, 60),
        (TieBreak::Keep, Counting::Accepted, 0),
        (TieBreak::Keep, Counting::Tried, 60),
    ] {
        let cfg = TunnelConfig {
            ties,
            counting,
            ..TunnelConfig::paper(2)
        };
        let mut tunnel = Tunnel::new(cfg, q.shape()).unwrap();
        let mut rng = rng_from_seed(1);
        let mut d = Dynamics::new(q.network(), zero.clone(), TieRule::Keep).unwrap();
        let mut stats = OperatorStats::default();
        for _ in 0..60 {
            tunnel.step(&mut d, q.shape(), &mut rng, &mut stats);
        }
        assert_eq!(stats.transitions, expected, "{ties:?} {counting:?}");
        assert_eq!(tunnel.counts().changed, 0);
    }
}

#[derive(Debug, Clone)]
struct Options {
    ties: TieBreak,
    trigger: Trigger,
    order: Order,
    variant: TunnelVariant,
    sets: Sets,
    all: bool,
    tau: usize,
}

fn options() -> impl Strategy<Value = Options> {
    (
        prop_oneof![
            Just(TieBreak::Keep),
            Just(TieBreak::Take),
            Just(TieBreak::Random)
        ],
        prop_oneof![
            Just(Trigger::EveryStep),
            Just(Trigger::FixedPoint),
            Just(Trigger::Stalled)
        ],
        prop_oneof![Just(Order::AfterUpdate), Just(Order::BeforeUpdate)],
        prop_oneof![
            Just(TunnelVariant::Literal),
            Just(TunnelVariant::PerDimension),
            Just(TunnelVariant::OneDimension)
        ],
        prop_oneof![Just(Sets::Slices), Just(Sets::Neurons)],
        any::<bool>(),
        2usize..4,
    )
        .prop_map(|(ties, trigger, order, variant, sets, all, tau)| Options {
            ties,
            trigger,
            order,
            variant,
            sets,
            all,
            tau,
        })
}

fn config(o: &Options, ndim: usize, evaluation: Evaluation) -> TunnelConfig {
    TunnelConfig {
        tau: o.tau,
        ties: o.ties,
        trigger: o.trigger,
        order: o.order,
        variant: o.variant,
        sets: o.sets,
        lambda_rule: if o.all {
            LambdaRule::All
        } else {
            LambdaRule::Fixed
        },
        evaluation,
        ..TunnelConfig::paper(ndim)
    }
}

/// Incremental and recomputed scoring give the same run on an exact problem.
fn same_run<P: Problem>(problem: &P, o: &Options, seed: u64, t_max: u64) {
    let ndim = problem.shape().ndim();
    let run = |evaluation| {
        let mut op = Tunnel::new(config(o, ndim, evaluation), problem.shape()).unwrap();
        let out = search(
            problem,
            &mut op,
            &SearchConfig::new(t_max),
            &mut rng_from_seed(seed),
        )
        .unwrap();
        (
            out.state,
            out.operator.transitions,
            out.operator.energy_evaluations,
            op.counts(),
        )
    };
    assert_eq!(
        run(Evaluation::Incremental),
        run(Evaluation::Recompute),
        "{o:?}"
    );
}

/// Every turn leaves the energy at most where it was (ties only within the tolerance) and the
/// incremental energy equal to a recomputation.
fn never_rises<P: Problem>(problem: &P, o: &Options, seed: u64, steps: usize) {
    let shape = problem.shape();
    let mut op = Tunnel::new(config(o, shape.ndim(), Evaluation::Incremental), shape).unwrap();
    let mut rng = rng_from_seed(seed);
    let s = random_state(shape.len(), 0.5, &mut rng);
    let mut d = Dynamics::new(problem.network(), s, TieRule::Keep).unwrap();
    let mut stats = OperatorStats::default();
    op.begin(&mut d, shape, steps as u64, &mut rng, &mut stats);
    for _ in 0..steps {
        d.update(rng.random_range(0..shape.len()));
        let e0 = d.energy();
        op.step(&mut d, shape, &mut rng, &mut stats);
        assert!(d.energy() <= e0 + 1e-9, "{o:?}: {e0} -> {}", d.energy());
        let exact = problem.network().energy(d.state()).unwrap();
        assert!((exact - d.energy()).abs() < 1e-7 * (1.0 + exact.abs()));
    }
}

/// The outcome without its wall and CPU times (everything else is determined by the seed).
fn untimed(mut out: SearchOutcome) -> SearchOutcome {
    let r = &mut out.report;
    r.time_to_best = Duration::ZERO;
    r.cpu_time_to_best = Duration::ZERO;
    r.elapsed = Duration::ZERO;
    r.cpu_time = Duration::ZERO;
    out
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(10))]

    #[test]
    fn recomputed_scoring_equals_incremental_scoring(o in options(), seed in 0u64..1000) {
        same_run(&Queens::new(6).unwrap(), &o, seed, 300);
        same_run(&Tsp::new(integer_cities(5, seed)).unwrap(), &o, seed, 200);
        same_run(&Transport::new(instance()).unwrap(), &o, seed, 200);
        same_run(&Transport::unit_assignment(instance()).unwrap(), &o, seed, 200);
    }

    #[test]
    fn no_reading_raises_the_energy(o in options(), seed in 0u64..1000) {
        never_rises(&Queens::new(6).unwrap(), &o, seed, 150);
        never_rises(&Tsp::new(integer_cities(5, seed)).unwrap(), &o, seed, 150);
        never_rises(&Transport::one_hot(instance()).unwrap(), &o, seed, 150);
        never_rises(&Transport::unit_assignment(instance()).unwrap(), &o, seed, 150);
    }

    #[test]
    fn seeded_runs_reproduce_per_reading(o in options(), seed in 0u64..1000) {
        let q = Queens::new(6).unwrap();
        let cfg = config(&o, 2, Evaluation::Incremental);
        let mut a = Tunnel::new(cfg.clone(), q.shape()).unwrap();
        let mut b = Tunnel::new(cfg, q.shape()).unwrap();
        let conf = SearchConfig::new(400);
        let x = search(&q, &mut a, &conf, &mut rng_from_seed(seed)).unwrap();
        // A reused operator starts afresh: `begin` resets its counters.
        search(&q, &mut b, &conf, &mut rng_from_seed(seed + 1)).unwrap();
        let y = search(&q, &mut b, &conf, &mut rng_from_seed(seed)).unwrap();
        prop_assert_eq!(untimed(x), untimed(y));
        prop_assert_eq!(a.counts(), b.counts());
    }
}

#[test]
fn unit_assignment_plans_round_trip_and_unneeded_units_are_infeasible() {
    let inst = instance();
    let t = Transport::unit_assignment(inst.clone()).unwrap();
    assert_eq!(t.shape().dims(), &[3, 4, 4]);
    // A feasible plan (supplies 4 5 3, demands 2 3 4 3).
    let plan = DMatrix::from_row_slice(3, 4, &[2u32, 0, 0, 2, 0, 3, 2, 0, 0, 0, 2, 1]);
    assert!(inst.plan_is_feasible(&plan));
    let s = t.encode_plan(&plan).unwrap();
    assert!(t.is_feasible(&s));
    assert_eq!(t.decode(&s), Some(plan.clone()));
    let cost = inst.plan_cost(&plan).unwrap();
    assert!((t.energy(&s).unwrap() - cost).abs() < 1e-9);
    assert_eq!(t.penalty(&s), cost);
    // Factory 0 needs 2 units: its units are k = 0, 1 (warehouse 0 serves both).
    let shape = t.shape();
    assert!(s.is_high(shape.index(&[0, 0, 0]).unwrap()));
    assert!(s.is_high(shape.index(&[0, 0, 1]).unwrap()));
    // Serving unit k = 2 of factory 0, which it does not need, breaks feasibility even when
    // the amounts balance (move warehouse 0's unit k = 1 to k = 2).
    let mut bits = s.to_bits();
    bits[shape.index(&[0, 0, 1]).unwrap()] = false;
    bits[shape.index(&[0, 0, 2]).unwrap()] = true;
    let moved = State::from_bits(Encoding::Binary, &bits);
    assert!(inst.plan_is_feasible(&t.decode(&moved).unwrap()));
    assert!(!t.is_feasible(&moved));
    assert!(t.penalty(&moved) > cost);
    // Two suppliers for one unit is infeasible too.
    let mut bits = s.to_bits();
    bits[shape.index(&[1, 0, 0]).unwrap()] = true;
    assert!(!t.is_feasible(&State::from_bits(Encoding::Binary, &bits)));
    // The paper's experiments keep their neuron counts.
    for (inst, n) in [
        (TransportInstance::experiment1(), 850),
        (TransportInstance::experiment2(), 2150),
    ] {
        assert_eq!(Transport::unit_assignment(inst).unwrap().shape().len(), n);
    }
}

#[test]
fn feasible_unit_assignments_are_one_flip_stable() {
    let t = Transport::unit_assignment(instance()).unwrap();
    let plan = DMatrix::from_row_slice(3, 4, &[2u32, 0, 0, 2, 0, 3, 2, 0, 0, 0, 2, 1]);
    let s = t.encode_plan(&plan).unwrap();
    let d = Dynamics::new(t.network(), s, TieRule::Keep).unwrap();
    assert!(d.is_fixed_point());
    assert!((0..t.shape().len()).all(|i| d.flip_delta(i) > 0.0));
}
