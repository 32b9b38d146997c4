//! Recall throughput on each path of the batched engine, and the cost of classification.
//!
//! `cargo bench -p hopfield-memory --bench recall`
//!
//! `N = 784`, `M = 50` random patterns, 1 000 probes with 78 flipped components (10 %), tie
//! rule `Keep`; one element = one probe. Rows: rule × form (dense `N × N`, or low rank in
//! pattern space) × schedule (synchronous, random sweeps), through
//! [`recall_cycling`] (no classification); `classified` rows run [`recall`], which also
//! classifies every final state. The figures against numpy are in `BENCHMARKS.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use hopfield_core::{Couplings, Network, Schedule, TieRule, rng_from_seed};
use hopfield_memory::Patterns;
use hopfield_memory::recall::{RecallConfig, recall, recall_cycling};
use hopfield_memory::rules::{Hebbian, LearningRule, Projection, Storkey};

const PROBES: usize = 1000;

fn bench_net<C: Couplings>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    net: &Network<C>,
    p: &Patterns,
) {
    for schedule in [Schedule::Synchronous, Schedule::RandomSweep] {
        let config = RecallConfig {
            noise_bits: 78,
            probes: PROBES / p.m(),
            schedule,
            max_sweeps: 100,
            tie: TieRule::Keep,
            seed: 1,
        };
        g.bench_function(BenchmarkId::new(name, format!("{schedule:?}")), |b| {
            b.iter(|| recall_cycling(net, p, black_box(&config), PROBES).expect("recalls"))
        });
    }
}

fn recall_paths(c: &mut Criterion) {
    let p = Patterns::random(784, 50, &mut rng_from_seed(1)).expect("valid sizes");
    let mut g = c.benchmark_group("recall");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(PROBES as u64));
    let hebb = Hebbian::default();
    bench_net(
        &mut g,
        "hebbian-low-rank",
        &hebb.learn_low_rank(&p).expect("learns"),
        &p,
    );
    bench_net(
        &mut g,
        "hebbian-dense",
        &hebb.learn(&p).expect("learns"),
        &p,
    );
    let proj = Projection::default();
    bench_net(
        &mut g,
        "projection-low-rank",
        &proj.learn_low_rank(&p).expect("learns"),
        &p,
    );
    bench_net(
        &mut g,
        "projection-dense",
        &proj.learn(&p).expect("learns"),
        &p,
    );
    bench_net(
        &mut g,
        "storkey-dense",
        &Storkey.learn(&p).expect("learns"),
        &p,
    );
    let net = hebb.learn_low_rank(&p).expect("learns");
    let config = RecallConfig {
        noise_bits: 78,
        probes: PROBES / p.m(),
        schedule: Schedule::Synchronous,
        max_sweeps: 100,
        tie: TieRule::Keep,
        seed: 1,
    };
    g.bench_function(
        BenchmarkId::new("hebbian-low-rank", "Synchronous-classified"),
        |b| b.iter(|| recall(&net, &p, black_box(&config)).expect("recalls")),
    );
    g.finish();
}

/// The benchmark group (in its own module: `criterion_group!` makes an undocumented `pub fn`).
mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::recall_paths);
}

criterion_main!(group::benches);
