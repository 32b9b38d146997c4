//! The integer lean networks of TSP and transportation instances against their plain
//! networks: energies, fields, flip deltas, decoding, and lean searches.

use hopfield_core::lean::{BitState, FlipDynamics, LeanDynamics};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::{Dynamics, Encoding, State, TieRule, rng_from_seed};
use hopfield_opt::operators::{Conventional, OperatorSpec, WithMoves};
use hopfield_opt::problem::{LeanProblem, MAX_INT_LEAN_BYTES, Problem};
use hopfield_opt::search::{
    FlipOperator, SearchConfig, Stopping, search_from_with, search_lean, search_lean_from,
};
use hopfield_opt::transport::{Transport, TransportEncoding, TransportInstance, TransportWeights};
use hopfield_opt::tsp::{Tsp, TspWeights};
use proptest::prelude::*;

/// A random symmetric integer distance matrix on `n` cities (distances 0–20) and random
/// integer weights with `A + B` even, or the defaults.
fn random_tsp(seed: u64, n: usize) -> Tsp {
    let mut rng = rng_from_seed(seed);
    let mut d = DMatrix::zeros(n, n);
    for x in 0..n {
        for y in x + 1..n {
            let v = f64::from(rng.random_range(0u32..=20));
            d[(x, y)] = v;
            d[(y, x)] = v;
        }
    }
    if rng.random_bool(0.5) {
        return Tsp::new(d).unwrap();
    }
    let a = f64::from(rng.random_range(1u32..=40));
    let b = a + 2.0 * f64::from(rng.random_range(0u32..=10));
    let weights = TspWeights {
        a,
        b,
        d: f64::from(rng.random_range(1u32..=3)),
    };
    Tsp::with_weights(d, weights).unwrap()
}

/// A random balanced instance (`p × q`, demands 0–4 with at least one unit, integer costs
/// 0–9) in encoding `enc` (0 unary, 1 one-hot, 2 unit assignment) with the default weights
/// or random integer ones (`A + B` even).
fn random_transport(seed: u64, p: usize, q: usize, enc: usize) -> Transport {
    let mut rng = rng_from_seed(seed);
    let mut demand: Vec<u32> = (0..q).map(|_| rng.random_range(0u32..=4)).collect();
    demand[0] = demand[0].max(1);
    let mut supply = vec![0u32; p];
    for _ in 0..demand.iter().sum::<u32>() {
        supply[rng.random_range(0..p)] += 1;
    }
    let cost = DMatrix::from_fn(p, q, |_, _| f64::from(rng.random_range(0u32..=9)));
    let instance = TransportInstance::new(supply, demand, cost).unwrap();
    let mut weights = TransportWeights::defaults_for(&instance);
    if rng.random_bool(0.5) {
        let a = f64::from(rng.random_range(1u32..=20));
        weights = TransportWeights {
            a,
            b: a + 2.0 * f64::from(rng.random_range(0u32..=5)),
            c: f64::from(rng.random_range(0u32..=3)),
        };
    }
    let encoding = match enc {
        0 => TransportEncoding::Unary,
        1 => TransportEncoding::OneHot {
            f: f64::from(rng.random_range(1u32..=30)),
        },
        _ => TransportEncoding::UnitAssignment,
    };
    Transport::with_options(instance, encoding, weights).unwrap()
}

/// A plan meeting every supply and demand (north-west corner rule).
fn north_west(instance: &TransportInstance) -> DMatrix<u32> {
    let (mut s, mut d) = (instance.supply().to_vec(), instance.demand().to_vec());
    let mut plan = DMatrix::zeros(s.len(), d.len());
    let (mut x, mut y) = (0, 0);
    while x < s.len() && y < d.len() {
        let a = s[x].min(d[y]);
        plan[(x, y)] += a;
        s[x] -= a;
        d[y] -= a;
        if s[x] == 0 {
            x += 1;
        } else {
            y += 1;
        }
    }
    plan
}

/// The lean and the plain dynamics from the same state agree on the energy, every field and
/// every flip delta, before and after a few random flips; decoding and feasibility agree.
fn same_network<P: LeanProblem>(p: &P, bits: &[bool], seed: u64) -> Result<(), TestCaseError> {
    let lean = p.lean().unwrap();
    let mut fast = LeanDynamics::new(lean, BitState::from_bools(Encoding::Binary, bits)).unwrap();
    let state = State::from_bits(Encoding::Binary, bits);
    let mut plain = Dynamics::new(p.network(), state.clone(), TieRule::Keep).unwrap();
    prop_assert_eq!(FlipDynamics::energy(&fast), FlipDynamics::energy(&plain));
    prop_assert!(
        (FlipDynamics::energy(&fast) + p.energy_offset() - p.penalty(&state)).abs() < 1e-6
    );
    let bit_state = fast.snapshot();
    prop_assert_eq!(p.is_feasible_bits(&bit_state), p.is_feasible(&state));
    prop_assert_eq!(
        format!("{:?}", p.decode_bits(&bit_state)),
        format!("{:?}", p.decode(&state))
    );
    let mut rng = rng_from_seed(seed);
    let n = bits.len();
    for round in 0..4 {
        for i in 0..n {
            prop_assert_eq!(fast.field(i), plain.field(i), "field {} round {}", i, round);
            prop_assert_eq!(fast.flip_delta(i), FlipDynamics::flip_delta(&plain, i));
        }
        let i = rng.random_range(0..n);
        prop_assert_eq!(fast.flip(i), FlipDynamics::flip(&mut plain, i));
        prop_assert_eq!(FlipDynamics::energy(&fast), FlipDynamics::energy(&plain));
    }
    Ok(())
}

/// A lean search from `bits` ends with the plain network's energy of its final state, and
/// takes the same steps as the plain search from the same state and seed (to the same
/// final state).
fn same_search<P, O>(p: &P, op: &O, bits: &[bool], seed: u64) -> Result<(), TestCaseError>
where
    P: LeanProblem,
    O: FlipOperator,
{
    let config = SearchConfig::new(40);
    let stop = Stopping::new();
    let lean = search_lean_from(
        p,
        &mut op.clone(),
        BitState::from_bools(Encoding::Binary, bits),
        &config,
        &stop,
        &mut rng_from_seed(seed),
    )
    .unwrap();
    let final_state = lean.state.to_state();
    prop_assert_eq!(lean.energy, p.energy(&final_state).unwrap());
    let plain = search_from_with(
        p,
        &mut op.clone(),
        State::from_bits(Encoding::Binary, bits),
        &config,
        &stop,
        &mut rng_from_seed(seed),
    )
    .unwrap();
    prop_assert_eq!(&final_state, &plain.state);
    // The plain conventional network stops at its first fixed point; the lean one runs on
    // through updates that change nothing.
    if !op.is_identity() {
        prop_assert_eq!(lean.steps, plain.steps);
    }
    prop_assert_eq!(lean.energy, plain.energy);
    // From a random start too.
    let out = search_lean(
        p,
        &mut op.clone(),
        &config,
        &stop,
        &mut rng_from_seed(seed + 1),
    )
    .unwrap();
    prop_assert_eq!(out.energy, p.energy(&out.state.to_state()).unwrap());
    Ok(())
}

fn random_bits(seed: u64, n: usize) -> Vec<bool> {
    let mut rng = rng_from_seed(seed);
    let density = rng.random_range(0.05..0.6);
    (0..n).map(|_| rng.random_bool(density)).collect()
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(24))]

    #[test]
    fn lean_tsp_is_the_plain_network(seed in 0u64..1_000_000, n in 3usize..7) {
        let tsp = random_tsp(seed, n);
        same_network(&tsp, &random_bits(seed + 1, n * n), seed + 2)?;
        // A tour (feasible) and a tour with one neuron flipped (infeasible).
        let mut rng = rng_from_seed(seed + 3);
        let mut tour: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            tour.swap(i, rng.random_range(0..=i));
        }
        let mut bits = tsp.encode_tour(&tour).unwrap().to_bits();
        same_network(&tsp, &bits, seed + 4)?;
        let i = rng.random_range(0..n * n);
        bits[i] = !bits[i];
        same_network(&tsp, &bits, seed + 5)?;
    }

    #[test]
    fn lean_transport_is_the_plain_network(
        seed in 0u64..1_000_000,
        p in 1usize..4,
        q in 1usize..4,
        enc in 0usize..3,
    ) {
        let t = random_transport(seed, p, q, enc);
        let n = t.shape().len();
        same_network(&t, &random_bits(seed + 1, n), seed + 2)?;
        let mut bits = t.encode_plan(&north_west(t.instance())).unwrap().to_bits();
        same_network(&t, &bits, seed + 3)?;
        let i = rng_from_seed(seed + 4).random_range(0..n);
        bits[i] = !bits[i];
        same_network(&t, &bits, seed + 5)?;
    }

    #[test]
    fn lean_searches_end_at_the_plain_energy(
        seed in 0u64..1_000_000,
        n in 5usize..9,
        enc in 0usize..3,
    ) {
        let tsp = random_tsp(seed, n);
        let name = if seed % 2 == 0 { "tour-moves" } else { "tour-ils" };
        let op = tsp.moves(&OperatorSpec::named(name)).unwrap();
        same_search(&tsp, &op, &random_bits(seed + 1, n * n), seed + 2)?;
        same_search(&tsp, &Conventional, &random_bits(seed + 6, n * n), seed + 7)?;
        let t = random_transport(seed + 3, 2 + (seed % 2) as usize, 3, enc);
        let bits = random_bits(seed + 4, t.shape().len());
        if enc == 0 {
            // The cycle moves run on the unary encoding only.
            let op = t.moves(&OperatorSpec::named("transport-cycles")).unwrap();
            same_search(&t, &op, &bits, seed + 5)?;
        }
        same_search(&t, &Conventional, &bits, seed + 5)?;
    }
}

#[test]
fn lean_networks_refuse_non_integer_instances() {
    let lean_err = |r: hopfield_opt::Result<()>| r.unwrap_err().to_string();
    let d = DMatrix::from_row_slice(3, 3, &[0., 2., 3., 2., 0., 4., 3., 4., 0.]);
    assert!(Tsp::new(d.clone()).unwrap().lean().is_ok());
    let half = Tsp::new(&d * 0.5).unwrap();
    let msg = lean_err(half.lean().map(|_| ()));
    assert!(msg.contains("not an integer"), "{msg}");
    // Integer distances but an odd A + B: the bias (A + B)/2 is not an integer.
    let odd = TspWeights {
        a: 3.0,
        b: 4.0,
        d: 1.0,
    };
    let msg = lean_err(
        Tsp::with_weights(d.clone(), odd)
            .unwrap()
            .lean()
            .map(|_| ()),
    );
    assert!(msg.contains("bias"), "{msg}");
    let frac_d = TspWeights {
        a: 8.0,
        b: 8.0,
        d: 0.5,
    };
    assert!(Tsp::with_weights(d, frac_d).unwrap().lean().is_err());

    let cost = DMatrix::from_row_slice(2, 2, &[1., 5., 2., 3.]);
    let instance = TransportInstance::new(vec![3, 2], vec![1, 4], cost.clone()).unwrap();
    for t in [
        Transport::new(instance.clone()).unwrap(),
        Transport::one_hot(instance.clone()).unwrap(),
        Transport::unit_assignment(instance.clone()).unwrap(),
    ] {
        assert!(t.lean().is_ok());
    }
    let halves = TransportInstance::new(vec![3, 2], vec![1, 4], cost * 0.5).unwrap();
    let msg = lean_err(Transport::new(halves).unwrap().lean().map(|_| ()));
    assert!(msg.contains("not an integer"), "{msg}");
    let weights = TransportWeights {
        a: 3.0,
        b: 2.0,
        c: 1.0,
    };
    for encoding in [
        TransportEncoding::Unary,
        TransportEncoding::OneHot { f: 5.0 },
        TransportEncoding::UnitAssignment,
    ] {
        let t = Transport::with_options(instance.clone(), encoding, weights).unwrap();
        assert!(t.lean().is_err(), "{encoding:?}");
    }
    let defaults = TransportWeights::defaults_for(&instance);
    let frac_f = TransportEncoding::OneHot { f: 2.5 };
    let t = Transport::with_options(instance, frac_f, defaults).unwrap();
    assert!(t.lean().is_err());
}

#[test]
fn lean_networks_refuse_instances_beyond_the_memory_limit() {
    let n = 300;
    let tsp = Tsp::new(DMatrix::from_fn(n, n, |x, y| (x as f64 - y as f64).abs())).unwrap();
    assert!(tsp.lean_bytes() > MAX_INT_LEAN_BYTES);
    let msg = tsp.lean().unwrap_err().to_string();
    assert!(msg.contains("GB"), "{msg}");
    let small = Tsp::new(DMatrix::from_fn(20, 20, |x, y| (x as f64 - y as f64).abs())).unwrap();
    assert!(small.lean_bytes() < MAX_INT_LEAN_BYTES && small.lean().is_ok());

    let instance = TransportInstance::new(
        vec![500; 20],
        vec![500; 20],
        DMatrix::from_element(20, 20, 1.0),
    )
    .unwrap();
    let t = Transport::new(instance).unwrap();
    assert!(t.lean_bytes() > MAX_INT_LEAN_BYTES);
    assert!(t.lean().unwrap_err().to_string().contains("GB"));
}
