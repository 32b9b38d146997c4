//! Exact references: Held–Karp against brute force and the TSPLIB optima; the transportation
//! LP against enumeration, a hand-computed case and the paper's two experiments.

// Tests report timings on stderr.
#![allow(clippy::print_stderr)]

use std::time::Instant;

use hopfield_opt::OptError;
use hopfield_opt::exact::{HELD_KARP_MAX_CITIES, held_karp, transport_optimum};
use hopfield_opt::tsplib::{Convention, Instance, tour_length};
use nalgebra::DMatrix;
use proptest::prelude::*;

// ------------------------------------------------------------------------------------------------
// Held–Karp

/// Minimum closed-tour length over all tours starting at city 0 (n ≤ 9).
fn brute_force_tsp(d: &DMatrix<f64>) -> f64 {
    fn rec(d: &DMatrix<f64>, order: &mut Vec<usize>, used: &mut [bool], best: &mut f64) {
        let n = d.nrows();
        if order.len() == n {
            *best = best.min(tour_length(d, order).unwrap());
            return;
        }
        for c in 1..n {
            if !used[c] {
                used[c] = true;
                order.push(c);
                rec(d, order, used, best);
                order.pop();
                used[c] = false;
            }
        }
    }
    let n = d.nrows();
    let mut best = f64::INFINITY;
    let mut used = vec![false; n];
    used[0] = true;
    rec(d, &mut vec![0], &mut used, &mut best);
    best
}

fn assert_valid_tour(tour: &[usize], n: usize) {
    assert_eq!(tour.len(), n);
    assert_eq!(tour[0], 0);
    let mut sorted = tour.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..n).collect::<Vec<_>>());
}

fn matrix_strategy() -> impl Strategy<Value = (DMatrix<f64>, bool)> {
    (1usize..=8, any::<bool>()).prop_flat_map(|(n, symmetric)| {
        (
            prop::collection::vec(0.0f64..100.0, n * n),
            Just(n),
            Just(symmetric),
        )
            .prop_map(|(v, n, symmetric)| {
                let mut m = DMatrix::from_vec(n, n, v);
                if symmetric {
                    m = (&m + m.transpose()) * 0.5;
                }
                (m, symmetric)
            })
    })
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(96))]

    /// Held–Karp equals brute force on random (a)symmetric matrices, n ≤ 8, and its value is the
    /// length of the tour it returns.
    #[test]
    fn held_karp_equals_brute_force((d, _symmetric) in matrix_strategy()) {
        let n = d.nrows();
        let (len, tour) = held_karp(&d).unwrap();
        assert_valid_tour(&tour, n);
        prop_assert_eq!(tour_length(&d, &tour).unwrap(), len);
        let bf = brute_force_tsp(&d);
        prop_assert!((len - bf).abs() <= 1e-9 * bf.abs().max(1.0), "HK {} vs brute force {}", len, bf);
    }
}

/// Integer-valued matrices have many ties: the optimum must still be exact.
#[test]
fn held_karp_with_ties() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for n in 2..=8 {
        for _ in 0..20 {
            let d = DMatrix::from_fn(n, n, |_, _| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 4) as f64
            });
            let (len, tour) = held_karp(&d).unwrap();
            assert_valid_tour(&tour, n);
            assert_eq!(len, brute_force_tsp(&d));
            assert_eq!(tour_length(&d, &tour).unwrap(), len);
        }
    }
}

#[test]
fn held_karp_small_and_invalid_inputs() {
    let one = DMatrix::from_element(1, 1, 0.0);
    assert_eq!(held_karp(&one).unwrap(), (0.0, vec![0]));
    let two = DMatrix::from_row_slice(2, 2, &[0.0, 3.0, 5.0, 0.0]);
    assert_eq!(held_karp(&two).unwrap(), (8.0, vec![0, 1]));
    // Asymmetric: the direction matters.
    let d = DMatrix::from_row_slice(3, 3, &[0., 1., 10., 10., 0., 1., 1., 10., 0.]);
    assert_eq!(held_karp(&d).unwrap(), (3.0, vec![0, 1, 2]));

    let too_big = DMatrix::from_element(HELD_KARP_MAX_CITIES + 1, HELD_KARP_MAX_CITIES + 1, 1.0);
    assert!(matches!(
        held_karp(&too_big),
        Err(OptError::TooLarge {
            max: 22,
            found: 23,
            ..
        })
    ));
    for bad in [
        DMatrix::zeros(0, 0),
        DMatrix::zeros(2, 3),
        DMatrix::from_row_slice(2, 2, &[0.0, f64::NAN, 1.0, 0.0]),
    ] {
        assert!(matches!(
            held_karp(&bad),
            Err(OptError::InvalidParameter { .. })
        ));
    }
}

/// Held–Karp on an embedded instance under both conventions, against TSPLIB's published
/// optimum (`bestSolutions.txt`) and the raw Euclidean optimum of `datasets/tsplib.toml`.
fn held_karp_embedded(name: &str, official_expected: f64, raw_expected: f64) {
    let inst = Instance::embedded(name).unwrap();
    let start = Instant::now();
    let geo = inst.distance_matrix(Convention::Official).unwrap();
    let (geo_len, geo_tour) = held_karp(&geo).unwrap();
    let raw = inst.distance_matrix(Convention::RawEuclidean).unwrap();
    let (raw_len, raw_tour) = held_karp(&raw).unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_valid_tour(&geo_tour, inst.dimension);
    assert_valid_tour(&raw_tour, inst.dimension);
    assert_eq!(geo_len, official_expected, "{name}: GEO optimum");
    assert_eq!(tour_length(&geo, &geo_tour).unwrap(), geo_len);
    assert!(
        (raw_len - raw_expected).abs() < 5e-5,
        "{name}: raw Euclidean optimum {raw_len}, expected {raw_expected}"
    );
    eprintln!("{name}: GEO {geo_len}, raw {raw_len:.6}; Held–Karp ×2 in {secs:.2} s");
}

#[test]
fn held_karp_burma14() {
    held_karp_embedded("burma14", 3323.0, 30.8785);
}

/// ulysses22: (n − 1)·2ⁿ⁻² = 22 M states, about 0.8 s per run at opt-level 1 (≈ 200 MB).
#[test]
fn held_karp_ulysses22() {
    held_karp_embedded("ulysses22", 7013.0, 75.3097);
}

// ------------------------------------------------------------------------------------------------
// Transportation LP

/// Minimum cost over all integral plans of a 2 × q problem (rows determined by the first).
fn brute_force_transport(supply: &[u32; 2], demand: &[u32], cost: &DMatrix<f64>) -> f64 {
    fn rec(j: usize, left: u32, demand: &[u32], cost: &DMatrix<f64>, acc: f64, best: &mut f64) {
        let q = demand.len();
        if j == q {
            if left == 0 {
                *best = best.min(acc);
            }
            return;
        }
        for a in 0..=demand[j].min(left) {
            let c = acc + cost[(0, j)] * f64::from(a) + cost[(1, j)] * f64::from(demand[j] - a);
            rec(j + 1, left - a, demand, cost, c, best);
        }
    }
    let mut best = f64::INFINITY;
    rec(0, supply[0], demand, cost, 0.0, &mut best);
    best
}

fn check_plan(supply: &[u32], demand: &[u32], cost: &DMatrix<f64>, plan: &DMatrix<u32>) -> f64 {
    assert_eq!(plan.shape(), (supply.len(), demand.len()));
    for (i, &s) in supply.iter().enumerate() {
        assert_eq!(plan.row(i).iter().sum::<u32>(), s);
    }
    for (j, &d) in demand.iter().enumerate() {
        assert_eq!(plan.column(j).iter().sum::<u32>(), d);
    }
    plan.iter()
        .zip(cost.iter())
        .map(|(&a, &c)| f64::from(a) * c)
        .sum()
}

#[test]
fn transport_equals_brute_force_on_tiny_instances() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    for _ in 0..40 {
        let demand: Vec<u32> = (0..3).map(|_| next(5) as u32).collect();
        let total: u32 = demand.iter().sum();
        let s0 = next(u64::from(total) + 1) as u32;
        let supply = [s0, total - s0];
        let cost = DMatrix::from_fn(2, 3, |_, _| next(10) as f64);
        let opt = transport_optimum(&supply, &demand, &cost).unwrap();
        let plan_cost = check_plan(&supply, &demand, &cost, &opt.plan);
        assert_eq!(plan_cost, opt.cost);
        assert_eq!(opt.cost, brute_force_transport(&supply, &demand, &cost));
    }
}

#[test]
fn transport_hand_computed() {
    // a00 = a, a01 = 3 − a, a10 = 2 − a, a11 = a: cost 16 − 4a, a ≤ 2 → a = 2, cost 8.
    let cost = DMatrix::from_row_slice(2, 2, &[1.0, 4.0, 2.0, 1.0]);
    let opt = transport_optimum(&[3, 2], &[2, 3], &cost).unwrap();
    assert_eq!(opt.cost, 8.0);
    assert_eq!(opt.plan, DMatrix::from_row_slice(2, 2, &[2, 1, 0, 2]));
}

#[test]
fn transport_paper_experiments() {
    #[rustfmt::skip]
    let c1 = DMatrix::from_row_slice(5, 10, &[
        4., 7., 5., 9., 2., 6., 5., 3., 5., 8.,
        9., 7., 9., 5., 2., 3., 8., 4., 6., 6.,
        6., 4., 3., 2., 8., 6., 2., 7., 9., 5.,
        2., 8., 4., 5., 9., 7., 1., 6., 9., 3.,
        9., 3., 7., 5., 3., 4., 8., 2., 6., 4.,
    ]);
    let (d1, s1) = ([16, 8, 5, 12, 6, 14, 3, 9, 10, 17], [22, 13, 19, 35, 11]);
    #[rustfmt::skip]
    let c2 = DMatrix::from_row_slice(5, 10, &[
        22., 8., 10., 15., 9., 17., 12., 6., 9., 23.,
        9., 13., 17., 15., 23., 14., 8., 12., 6., 24.,
        24., 7., 15., 19., 32., 16., 5., 13., 25., 18.,
        9., 7., 29., 25., 12., 13., 28., 14., 6., 16.,
        6., 14., 13., 24., 8., 26., 20., 17., 9., 15.,
    ]);
    let (d2, s2) = (
        [26, 32, 20, 12, 31, 39, 28, 34, 35, 43],
        [77, 43, 39, 75, 66],
    );
    let o1 = transport_optimum(&s1, &d1, &c1).unwrap();
    assert_eq!(check_plan(&s1, &d1, &c1, &o1.plan), o1.cost);
    assert_eq!(o1.cost, 280.0);
    let o2 = transport_optimum(&s2, &d2, &c2).unwrap();
    assert_eq!(check_plan(&s2, &d2, &c2, &o2.plan), o2.cost);
    assert_eq!(o2.cost, 2748.0);
}

#[test]
fn transport_errors() {
    let cost = DMatrix::from_element(2, 2, 1.0);
    assert!(matches!(
        transport_optimum(&[3, 2], &[2, 2], &cost),
        Err(OptError::Unbalanced {
            supply: 5,
            demand: 4
        })
    ));
    for (s, d, c) in [
        (
            &[1u32, 1][..],
            &[1u32, 1][..],
            DMatrix::from_element(2, 3, 1.0),
        ),
        (&[], &[], DMatrix::zeros(0, 0)),
        (&[1, 1], &[2], DMatrix::from_element(2, 2, 1.0)),
        (&[1], &[1], DMatrix::from_element(1, 1, f64::INFINITY)),
    ] {
        assert!(
            matches!(
                transport_optimum(s, d, &c),
                Err(OptError::InvalidParameter { .. })
            ),
            "{s:?} {d:?} {c:?}"
        );
    }
    // Nothing to ship.
    let zero = transport_optimum(&[0, 0], &[0], &DMatrix::from_element(2, 1, 5.0)).unwrap();
    assert_eq!(zero.cost, 0.0);
    assert_eq!(zero.plan, DMatrix::zeros(2, 1));
}
