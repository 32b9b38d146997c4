//! Search: the tunnel operator never raises the energy, slice permutations keep sums, seeded
//! runs and parallel trials reproduce exactly, bad parameters are errors.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::{Dynamics, Encoding, State, TieRule, rng_from_seed};
use hopfield_opt::operators::{Conventional, Tunnel, TunnelConfig, TunnelVariant, permute_slices};
use hopfield_opt::problem::{Problem, Shape};
use hopfield_opt::queens::Queens;
use hopfield_opt::search::trials::{TrialPlan, TrialResult, TrialSummary, run_trials};
use hopfield_opt::search::{OperatorStats, SearchConfig, SearchOperator, random_state, search};
use hopfield_opt::transport::{Transport, TransportInstance};
use hopfield_opt::tsp::Tsp;
use proptest::prelude::*;

fn random_cities(n: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = rng_from_seed(seed);
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.random_range(0.0..10.0), rng.random_range(0.0..10.0)))
        .collect();
    DMatrix::from_fn(n, n, |i, j| {
        ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2)).sqrt()
    })
}

fn small_transport() -> Transport {
    let inst = TransportInstance::new(
        vec![4, 5, 3],
        vec![2, 3, 4, 3],
        DMatrix::from_row_slice(
            3,
            4,
            &[1.0, 2.0, 7.0, 4.0, 3.0, 1.0, 2.0, 6.0, 5.0, 5.0, 1.0, 2.0],
        ),
    )
    .unwrap();
    Transport::new(inst).unwrap()
}

/// Runs the time step by hand and checks, at every step, that the operator's turn never
/// raises the energy and that the incremental energy matches a recomputation.
fn check_tunnel_descent<P: Problem>(problem: &P, config: TunnelConfig, seed: u64, steps: usize) {
    let shape = problem.shape();
    let mut tunnel = Tunnel::new(config, shape).unwrap();
    let mut rng = rng_from_seed(seed);
    let s = random_state(shape.len(), 0.5, &mut rng);
    let mut dynamics = Dynamics::new(problem.network(), s, TieRule::Keep).unwrap();
    let mut stats = OperatorStats::default();
    for _ in 0..steps {
        let i = rng.random_range(0..shape.len());
        dynamics.update(i);
        let before = dynamics.energy();
        let moved_before = stats.transitions;
        tunnel.step(&mut dynamics, shape, &mut rng, &mut stats);
        let after = dynamics.energy();
        assert!(
            after <= before + 1e-9,
            "tunnel raised E: {before} -> {after}"
        );
        if stats.transitions == moved_before {
            assert!(
                (after - before).abs() < 1e-9,
                "rejected candidate left E changed"
            );
        }
        let exact = problem.network().energy(dynamics.state()).unwrap();
        assert!((exact - after).abs() < 1e-7 * (1.0 + exact.abs()));
    }
    assert!(stats.energy_evaluations > 0);
}

/// Swaps slices `a` and `b` along `dim` of a bit array (an independent re-implementation of
/// one λ = 2 tunnel operation).
fn swap_slices(bits: &mut [bool], shape: &Shape, dim: usize, a: usize, b: usize) {
    let (stride, nu) = (shape.strides()[dim], shape.dims()[dim]);
    for i in 0..bits.len() {
        if (i / stride) % nu == a {
            bits.swap(i, i - a * stride + b * stride);
        }
    }
}

/// What [`check_best_of_tau`] saw.
#[derive(Debug, Default)]
struct BestOfTau {
    /// Steps where some candidate improved on the current state.
    improved: usize,
    /// Steps where the winner was not the first improving candidate.
    later_winner: usize,
    /// Steps where a later, different state tied the winner's energy (the current state or
    /// the earlier candidate must win).
    tied: usize,
}

/// Runs the literal tunnel operator (λ = 2, ρ = 1 per dimension) by hand and checks every
/// step against an independent reproduction: the `τ − 1` candidates are rebuilt from a clone
/// of the RNG, scored with `penalty`, and the state after the step must be the least-energy
/// one of `[current, candidate 1, …, candidate τ−1]`, ties going to the earliest
/// (Matsumoto et al. 2004, eq. 8). The problems' energies must be exact in floating point (integer
/// weights).
fn check_best_of_tau<P: Problem>(problem: &P, tau: usize, seed: u64, steps: usize) -> BestOfTau {
    let shape = problem.shape();
    let ndim = shape.ndim();
    let config = TunnelConfig {
        tau,
        rho: vec![1; ndim],
        lambda: 2,
        variant: TunnelVariant::Literal,
        tolerance: 1e-9,
        ..TunnelConfig::paper(ndim)
    };
    let mut tunnel = Tunnel::new(config, shape).unwrap();
    let mut rng = rng_from_seed(seed);
    let s = random_state(shape.len(), 0.5, &mut rng);
    let mut dynamics = Dynamics::new(problem.network(), s, TieRule::Keep).unwrap();
    let mut stats = OperatorStats::default();
    let mut seen = BestOfTau::default();
    for _ in 0..steps {
        dynamics.update(rng.random_range(0..shape.len()));
        let current: Vec<bool> = (0..shape.len())
            .map(|i| dynamics.state().is_high(i))
            .collect();
        let mut reference_rng = rng.clone();
        tunnel.step(&mut dynamics, shape, &mut rng, &mut stats);

        let score = |bits: &[bool]| problem.penalty(&State::from_bits(Encoding::Binary, bits));
        let mut states = vec![current.clone()];
        for _ in 0..tau - 1 {
            let mut bits = current.clone();
            for d in 0..ndim {
                let nu = shape.dims()[d];
                let a = reference_rng.random_range(0..nu);
                let mut b = reference_rng.random_range(0..nu - 1);
                if b >= a {
                    b += 1;
                }
                swap_slices(&mut bits, shape, d, a, b);
            }
            states.push(bits);
        }
        let energies: Vec<f64> = states.iter().map(|b| score(b)).collect();
        // The earliest index of the least energy (index 0 = the current state).
        let winner = (1..tau).fold(0, |w, k| if energies[k] < energies[w] { k } else { w });
        let after: Vec<bool> = (0..shape.len())
            .map(|i| dynamics.state().is_high(i))
            .collect();
        assert_eq!(
            after, states[winner],
            "τ = {tau}: energies {energies:?}, expected candidate {winner}"
        );
        if winner > 0 {
            seen.improved += 1;
            let first = (1..tau).find(|&k| energies[k] < energies[0]).unwrap();
            if first != winner {
                seen.later_winner += 1;
            }
        }
        if (winner + 1..tau).any(|k| energies[k] == energies[winner] && states[k] != states[winner])
        {
            seen.tied += 1;
        }
    }
    seen
}

#[test]
fn tunnel_step_moves_to_the_best_of_tau_states() {
    // Integer distances and the default N-Queens weights (multiples of 1/4) keep every energy
    // exact, so equal energies are true ties.
    let cities = random_cities(7, 11).map(f64::round);
    let tsp = Tsp::new(cities).unwrap();
    let queens = Queens::new(6).unwrap();
    for tau in [3, 4] {
        let mut total = BestOfTau::default();
        for (k, seen) in [
            check_best_of_tau(&tsp, tau, 1 + tau as u64, 400),
            check_best_of_tau(&queens, tau, 2 + tau as u64, 400),
            check_best_of_tau(&small_transport(), tau, 3 + tau as u64, 400),
        ]
        .into_iter()
        .enumerate()
        {
            assert!(
                seen.improved > 0,
                "τ = {tau}, problem {k}: no improving step"
            );
            total.later_winner += seen.later_winner;
            total.tied += seen.tied;
        }
        // The runs exercise both rules: a later candidate beating an earlier improving one
        // (fails if the operator took the first improvement) and ties among candidates.
        assert!(total.later_winner > 0, "τ = {tau}: never a later winner");
        assert!(total.tied > 0, "τ = {tau}: never a tie");
    }
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(8))]

    #[test]
    fn tunnel_step_never_raises_energy(
        seed in any::<u64>(),
        tau in 2usize..4,
        per_dim in any::<bool>(),
        lambda in 2usize..4,
    ) {
        let variant = if per_dim { TunnelVariant::PerDimension } else { TunnelVariant::Literal };
        let cfg = |ndim: usize| TunnelConfig {
            tau,
            rho: vec![1; ndim],
            lambda,
            variant,
            tolerance: 1e-9,
            ..TunnelConfig::paper(ndim)
        };
        check_tunnel_descent(&Tsp::new(random_cities(6, seed)).unwrap(), cfg(2), seed, 150);
        check_tunnel_descent(&Queens::new(6).unwrap(), cfg(2), seed, 150);
        check_tunnel_descent(&small_transport(), cfg(3), seed, 150);
    }

    #[test]
    fn slice_permutations_keep_sums(seed in any::<u64>(), lambda in 2usize..5) {
        let q = Queens::new(5).unwrap();
        let shape = q.shape();
        let mut rng = rng_from_seed(seed);
        let s = random_state(shape.len(), 0.4, &mut rng);
        let mut dynamics = Dynamics::new(q.network(), s.clone(), TieRule::Keep).unwrap();
        let sums = |st: &State| {
            let v = st.as_slice();
            let rows: Vec<f64> = (0..5).map(|r| v[r * 5..r * 5 + 5].iter().sum()).collect();
            let cols: Vec<f64> = (0..5).map(|c| (0..5).map(|r| v[r * 5 + c]).sum()).collect();
            (rows, cols)
        };
        let (rows0, cols0) = sums(&s);
        let dim = rng.random_range(0..2usize);
        let mut slices: Vec<usize> = (0..5).collect();
        slices.sort_by_key(|_| rng.random_range(0..1000u32));
        slices.truncate(lambda);
        let perm: Vec<usize> = (1..=lambda).map(|a| a % lambda).collect();
        let e0 = dynamics.energy();
        let de = permute_slices(&mut dynamics, shape, dim, &slices, &perm).unwrap();
        let after = dynamics.state().clone();
        let (rows1, cols1) = sums(&after);
        let (kept, moved, old_moved) = if dim == 0 {
            (&cols0, &rows1, &rows0)
        } else {
            (&rows0, &cols1, &cols0)
        };
        // Sums across the permuted dimension are unchanged...
        prop_assert_eq!(if dim == 0 { &cols1 } else { &rows1 }, kept);
        // ...and along it they are permuted: slice slices[a] takes slice slices[perm[a]]'s.
        for (a, &v) in slices.iter().enumerate() {
            prop_assert_eq!(moved[v], old_moved[slices[perm[a]]]);
        }
        let exact = q.network().energy(&after).unwrap();
        prop_assert!((e0 + de - exact).abs() < 1e-9);
        prop_assert!((dynamics.energy() - exact).abs() < 1e-9);
    }
}

#[test]
fn slice_permutation_of_3d_planes_keeps_plane_sums() {
    let t = small_transport();
    let shape = t.shape().clone();
    let mut rng = rng_from_seed(9);
    let s = random_state(shape.len(), 0.5, &mut rng);
    for dim in 0..3 {
        let mut dynamics = Dynamics::new(t.network(), s.clone(), TieRule::Keep).unwrap();
        let de = permute_slices(&mut dynamics, &shape, dim, &[0, 2], &[1, 0]).unwrap();
        let plane_sum = |st: &State, v: usize| {
            let mut acc = 0.0;
            shape.for_each_in_slice(dim, v, |_, i| acc += st.as_slice()[i]);
            acc
        };
        assert_eq!(plane_sum(dynamics.state(), 0), plane_sum(&s, 2));
        assert_eq!(plane_sum(dynamics.state(), 2), plane_sum(&s, 0));
        assert_eq!(plane_sum(dynamics.state(), 1), plane_sum(&s, 1));
        let e = t.network().energy(&s).unwrap() + de;
        assert!((t.network().energy(dynamics.state()).unwrap() - e).abs() < 1e-9);
    }
}

#[test]
fn bad_permutations_are_errors() {
    let q = Queens::new(4).unwrap();
    let s = State::low(hopfield_core::Encoding::Binary, 16);
    let mut d = Dynamics::new(q.network(), s, TieRule::Keep).unwrap();
    let shape = q.shape();
    assert!(permute_slices(&mut d, shape, 2, &[0, 1], &[1, 0]).is_err());
    assert!(permute_slices(&mut d, shape, 0, &[0, 0], &[1, 0]).is_err());
    assert!(permute_slices(&mut d, shape, 0, &[0, 4], &[1, 0]).is_err());
    assert!(permute_slices(&mut d, shape, 0, &[0, 1], &[1, 1]).is_err());
    assert!(permute_slices(&mut d, shape, 0, &[0, 1], &[1]).is_err());
    assert!(Shape::new(vec![4, 4]).is_ok());
}

#[test]
fn seeded_runs_reproduce() {
    let tsp = Tsp::new(random_cities(8, 1)).unwrap();
    let mut tunnel = Tunnel::new(TunnelConfig::paper(2), tsp.shape()).unwrap();
    let cfg = SearchConfig::new(500);
    // Everything but the wall and CPU times reproduces.
    let timeless = |mut o: hopfield_opt::search::SearchOutcome| {
        o.report.time_to_best = std::time::Duration::ZERO;
        o.report.cpu_time_to_best = std::time::Duration::ZERO;
        o.report.elapsed = std::time::Duration::ZERO;
        o.report.cpu_time = std::time::Duration::ZERO;
        o
    };
    let a = search(&tsp, &mut tunnel.clone(), &cfg, &mut rng_from_seed(5)).unwrap();
    let b = search(&tsp, &mut tunnel, &cfg, &mut rng_from_seed(5)).unwrap();
    assert_eq!(timeless(a), timeless(b));
    let c = search(&tsp, &mut Conventional, &cfg, &mut rng_from_seed(5)).unwrap();
    let d = search(&tsp, &mut Conventional, &cfg, &mut rng_from_seed(5)).unwrap();
    let (c, d) = (timeless(c), timeless(d));
    assert_eq!(c, d);
    assert_eq!(c.operator, OperatorStats::default());
    assert!(c.steps <= 500);
    let other = search(&tsp, &mut Conventional, &cfg, &mut rng_from_seed(6)).unwrap();
    assert_ne!(c.state, other.state);
}

#[test]
fn conventional_run_ends_in_a_fixed_point_or_at_t_max() {
    let q = Queens::new(8).unwrap();
    for seed in 0..5 {
        let out = search(
            &q,
            &mut Conventional,
            &SearchConfig::new(20_000),
            &mut rng_from_seed(seed),
        )
        .unwrap();
        let mut d = Dynamics::new(q.network(), out.state.clone(), TieRule::Keep).unwrap();
        if out.steps < 20_000 {
            assert!(d.is_fixed_point());
        }
        d.recompute();
        assert!((d.energy() + q.energy_offset() - out.energy).abs() < 1e-9);
        assert!((q.penalty(&out.state) - out.energy).abs() < 1e-9);
    }
}

fn strip<S: Clone>(r: &[TrialResult<S>]) -> Vec<TrialResult<S>> {
    r.iter()
        .map(|t| {
            let mut report = t.report;
            report.time_to_best = std::time::Duration::ZERO;
            report.cpu_time_to_best = std::time::Duration::ZERO;
            report.elapsed = std::time::Duration::ZERO;
            report.cpu_time = std::time::Duration::ZERO;
            TrialResult {
                wall_time: std::time::Duration::ZERO,
                report,
                ..t.clone()
            }
        })
        .collect()
}

#[test]
fn trials_are_identical_for_any_thread_count() {
    let tsp = Tsp::new(random_cities(7, 2)).unwrap();
    let tunnel = Tunnel::new(TunnelConfig::per_dimension(2), tsp.shape()).unwrap();
    let cfg = SearchConfig::new(300);
    let plan = TrialPlan {
        trials: 12,
        base_seed: 77,
        cell: Some(3),
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_trials(&tsp, &tunnel, &cfg, &plan))
            .unwrap()
    };
    let one = strip(&run(1));
    let two = strip(&run(2));
    assert_eq!(one, two);
    assert_eq!(one.len(), 12);
    for (t, r) in one.iter().enumerate() {
        assert_eq!(r.trial, t);
        assert_eq!(r.seed, plan.seed(t));
        assert_eq!(r.feasible, r.solution.is_some());
    }
    // Distinct seeds give distinct runs (here often equally short tours, but rotated).
    assert!(
        one.iter()
            .any(|r| r.energy != one[0].energy || r.solution != one[0].solution)
    );
}

#[test]
fn tunnel_beats_conventional_on_a_small_tour() {
    // Brute force the optimum of 7 random cities (city 0 fixed first).
    let d = random_cities(7, 11);
    let tsp = Tsp::new(d.clone()).unwrap();
    let mut best = f64::INFINITY;
    let mut perm: Vec<usize> = (1..7).collect();
    permutations(&mut perm, 0, &mut |p| {
        let mut tour = vec![0];
        tour.extend_from_slice(p);
        best = best.min(tsp.tour_length(&tour).unwrap());
    });
    let cfg = SearchConfig::new(2000);
    let plan = TrialPlan::new(40, 1);
    let conv = run_trials(&tsp, &Conventional, &cfg, &plan).unwrap();
    let tunnel = Tunnel::new(TunnelConfig::paper(2), tsp.shape()).unwrap();
    let tun = run_trials(&tsp, &tunnel, &cfg, &plan).unwrap();
    let (sc, st) = (TrialSummary::of(&conv), TrialSummary::of(&tun));
    // Nothing beats the optimum.
    for r in conv.iter().chain(&tun) {
        if let Some(o) = r.objective {
            assert!(o >= best - 1e-9);
            assert!(
                (r.energy - o).abs() < 1e-6,
                "valid tour energy {} vs length {o}",
                r.energy
            );
        }
    }
    assert!(st.feasible >= sc.feasible.saturating_sub(4));
    assert!(st.mean.unwrap() < sc.mean.unwrap());
    assert!(TrialSummary::count_at_most(&tun, best + 1e-6) > 0);
    assert!(st.mean_tunnel_count > 0.0);
    assert_eq!(sc.mean_tunnel_count, 0.0);
}

fn permutations(xs: &mut Vec<usize>, k: usize, f: &mut impl FnMut(&[usize])) {
    if k == xs.len() {
        f(xs);
        return;
    }
    for i in k..xs.len() {
        xs.swap(k, i);
        permutations(xs, k + 1, f);
        xs.swap(k, i);
    }
}

#[test]
fn bad_search_parameters_are_errors() {
    let q = Queens::new(5).unwrap();
    let mut c = TunnelConfig::paper(2);
    c.rho = vec![1];
    assert!(Tunnel::new(c, q.shape()).is_err());
    let t = small_transport();
    // Dimensions (3, 4, 4): λ = 5 cannot be drawn along any of them.
    let mut c = TunnelConfig::paper(3);
    c.lambda = 5;
    assert!(Tunnel::new(c.clone(), t.shape()).is_err());
    c.rho = vec![1, 0, 0];
    assert!(Tunnel::new(c.clone(), t.shape()).is_err());
    c.lambda = 3;
    assert!(Tunnel::new(c, t.shape()).is_ok());
    let mut cfg = SearchConfig::new(10);
    cfg.p_init = -0.1;
    assert!(run_trials(&q, &Conventional, &cfg, &TrialPlan::new(2, 0)).is_err());
}
