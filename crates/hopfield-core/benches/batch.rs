//! Throughput of the batched engine ([`BatchPlan`]) on each of its paths.
//!
//! `cargo bench -p hopfield-core --bench batch`
//!
//! One batch = 256 probes: stored patterns with 10 % of their components flipped, run to a
//! fixed point or two-cycle (synchronous) or to a fixed point (random sweeps), `N = 784`,
//! `M = 50` random ±1 patterns. One element = one probe. Paths:
//! - `dense-exact`: Hebbian `W = X Xᵀ` (zero diagonal) as `Dense<f64>`; integer weights run
//!   in the exact `f32` kernel.
//! - `low-rank-exact`: the same couplings as [`LowRank`]: synchronous steps in pattern space,
//!   random sweeps on the exact `f32` `N × N` columns the plan builds on its first
//!   asynchronous run.
//! - `low-rank-certified`: the projection rule `W = X (XᵀX)⁻¹ Xᵀ` as [`LowRank`]; real
//!   coefficients, certified decisions: synchronous steps in pattern space in `f32`, random
//!   sweeps on the `f32` `N × N` columns the plan builds on its first asynchronous run.
//! - `dense-certified`: the projection matrix as `Dense<f64>`.
//! - `reference`: the plain [`Dynamics`] on each probe of the dense Hebbian network, for
//!   comparison.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_main};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{
    BatchPlan, Couplings, Dense, DiagonalPolicy, Dynamics, Encoding, HopfieldRng, LowRank, Network,
    NoObserver, RunConfig, Schedule, State, TieRule, derive_seed, rng_from_seed,
};
use rand::seq::SliceRandom;

const N: usize = 784;
const M: usize = 50;
const PROBES: usize = 256;
const NOISE: usize = 78;

fn patterns() -> DMatrix<f64> {
    let mut rng = rng_from_seed(7);
    let mut x = DMatrix::zeros(N, M);
    for u in 0..M {
        let s = State::random(Encoding::Bipolar, N, &mut rng);
        for i in 0..N {
            x[(i, u)] = s.as_slice()[i];
        }
    }
    x
}

fn probes(x: &DMatrix<f64>) -> (Vec<State>, Vec<HopfieldRng>) {
    let mut states = Vec::new();
    let mut rngs = Vec::new();
    for k in 0..PROBES {
        let mut rng = rng_from_seed(derive_seed(3, &[k as u64]));
        let values: Vec<f64> = x.column(k % M).iter().copied().collect();
        let mut s = State::new(Encoding::Bipolar, values).expect("±1");
        let mut idx: Vec<usize> = (0..N).collect();
        let (chosen, _) = idx.partial_shuffle(&mut rng, NOISE);
        for &i in chosen.iter() {
            s.flip(i);
        }
        states.push(s);
        rngs.push(rng);
    }
    (states, rngs)
}

fn bench_plan<C: Couplings>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    net: &Network<C>,
    start: &(Vec<State>, Vec<HopfieldRng>),
) {
    let plan = BatchPlan::new(net).expect("fits");
    for schedule in [Schedule::Synchronous, Schedule::RandomSweep] {
        let config = RunConfig {
            schedule,
            max_steps: if schedule == Schedule::Synchronous {
                100
            } else {
                100 * N as u64
            },
        };
        let id = BenchmarkId::new(name, format!("{schedule:?}"));
        g.bench_function(id, |b| {
            b.iter_batched(
                || start.clone(),
                |(mut states, mut rngs)| {
                    plan.run(&mut states, &mut rngs, TieRule::Keep, black_box(&config))
                        .expect("runs")
                },
                BatchSize::LargeInput,
            )
        });
    }
}

fn batch(c: &mut Criterion) {
    let x = patterns();
    let start = probes(&x);
    let hebb = Network::new(
        Dense::with_zero_diagonal(&x * x.transpose()).expect("symmetric"),
        Encoding::Bipolar,
    );
    let hebb_low = Network::new(
        LowRank::outer_products(x.clone(), 1.0, DiagonalPolicy::Zero).expect("finite"),
        Encoding::Bipolar,
    );
    let gram_inv = (x.transpose() * &x)
        .try_inverse()
        .expect("independent patterns");
    let proj_low = Network::new(
        LowRank::new(x.clone(), gram_inv.clone(), DiagonalPolicy::SelfCoupling).expect("psd"),
        Encoding::Bipolar,
    );
    let proj = Network::new(
        Dense::new(&x * &gram_inv * x.transpose(), DiagonalPolicy::SelfCoupling)
            .expect("near symmetric"),
        Encoding::Bipolar,
    );
    let mut g = c.benchmark_group("batch");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(PROBES as u64));
    bench_plan(&mut g, "dense-exact", &hebb, &start);
    bench_plan(&mut g, "low-rank-exact", &hebb_low, &start);
    bench_plan(&mut g, "low-rank-certified", &proj_low, &start);
    bench_plan(&mut g, "dense-certified", &proj, &start);
    for schedule in [Schedule::Synchronous, Schedule::RandomSweep] {
        let config = RunConfig {
            schedule,
            max_steps: if schedule == Schedule::Synchronous {
                100
            } else {
                100 * N as u64
            },
        };
        g.bench_function(
            BenchmarkId::new("reference", format!("{schedule:?}")),
            |b| {
                b.iter_batched(
                    || start.clone(),
                    |(states, mut rngs)| {
                        for (s, rng) in states.into_iter().zip(rngs.iter_mut()) {
                            let mut d = Dynamics::new(&hebb, s, TieRule::Keep).expect("fits");
                            black_box(d.run(&config, rng, &mut NoObserver));
                        }
                    },
                    BatchSize::LargeInput,
                )
            },
        );
    }
    g.finish();
}

/// The benchmark group (in its own module: `criterion_group!` makes an undocumented `pub fn`).
mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::batch);
}

criterion_main!(group::benches);
