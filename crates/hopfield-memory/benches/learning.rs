//! Learning time per rule and batch recall throughput.
//!
//! `cargo bench -p hopfield-memory --bench learning`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use hopfield_core::rng_from_seed;
use hopfield_memory::Patterns;
use hopfield_memory::recall::{RecallConfig, recall};
use hopfield_memory::rules::{
    ConstrainedPerceptron, FastRule, Gardner, Hebbian, HebbianBinary, KrauthMezard, LearningRule,
    LpBackend, LpMode, MaxMinLp, Projection, Storkey,
};

fn set(n: usize, m: usize) -> Patterns {
    Patterns::random(n, m, &mut rng_from_seed((n * 1000 + m) as u64)).expect("valid sizes")
}

fn learning(c: &mut Criterion) {
    let mut g = c.benchmark_group("learn");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let rows = MaxMinLp {
        mode: LpMode::RowDecoupled,
        ..Default::default()
    };
    let small: Vec<&dyn LearningRule> = vec![
        &Hebbian { normalize: true },
        &HebbianBinary,
        &Projection {
            zero_diagonal: false,
            tolerance: 1e-9,
        },
        &Storkey,
        &FastRule,
        &ConstrainedPerceptron {
            q: None,
            delta1: 100,
            delta2: 100,
            delta_f: 1.0,
        },
        &KrauthMezard {
            c: 10.0,
            learning_rate: None,
            max_updates: 1_000_000,
        },
        &Gardner {
            kappa: 0.5,
            learning_rate: None,
            max_sweeps: 10_000,
        },
        &rows,
    ];
    let p = set(100, 10);
    for rule in &small {
        g.bench_function(BenchmarkId::new(rule.name(), "N100_M10"), |b| {
            b.iter(|| rule.learn(black_box(&p)).expect("learns"))
        });
    }
    let big: Vec<&dyn LearningRule> = vec![
        &Hebbian { normalize: true },
        &Projection {
            zero_diagonal: false,
            tolerance: 1e-9,
        },
        &Storkey,
        &FastRule,
    ];
    let p = set(784, 50);
    for rule in &big {
        g.bench_function(BenchmarkId::new(rule.name(), "N784_M50"), |b| {
            b.iter(|| rule.learn(black_box(&p)).expect("learns"))
        });
    }
    let p = set(784, 50);
    g.bench_function(BenchmarkId::new("hebbian_low_rank", "N784_M50"), |b| {
        b.iter(|| {
            Hebbian::default()
                .learn_low_rank(black_box(&p))
                .expect("learns")
        })
    });
    g.bench_function(BenchmarkId::new("projection_low_rank", "N784_M50"), |b| {
        b.iter(|| {
            Projection::default()
                .learn_low_rank(black_box(&p))
                .expect("learns")
        })
    });
    g.bench_function(BenchmarkId::new("hebbian_integer", "N784_M50"), |b| {
        b.iter(|| Hebbian::default().learn(black_box(&p)).expect("learns"))
    });
    // The generic LP (good_lp + microlp) on the full symmetric program: the reference.
    let generic = MaxMinLp {
        backend: LpBackend::Microlp,
        ..Default::default()
    };
    for (n, m) in [(30, 5), (50, 5)] {
        let p = set(n, m);
        g.bench_function(
            BenchmarkId::new("maxmin_lp_microlp", format!("N{n}_M{m}")),
            |b| b.iter(|| generic.solve(black_box(&p)).expect("solves")),
        );
    }
    // The native exact solver (certified gap) and the row-decoupled programs alone.
    let exact = MaxMinLp::default();
    for (n, m) in [(50, 5), (100, 10), (256, 16)] {
        let p = set(n, m);
        g.bench_function(
            BenchmarkId::new("maxmin_lp_exact", format!("N{n}_M{m}")),
            |b| b.iter(|| exact.solve(black_box(&p)).expect("solves")),
        );
    }
    let p = set(256, 16);
    g.bench_function(BenchmarkId::new("maxmin_lp_rows", "N256_M16"), |b| {
        b.iter(|| rows.solve(black_box(&p)).expect("solves"))
    });
    // Krauth-Mezard at a realistic size; the constrained perceptron at a middle size (at
    // N = 784 one run takes tens of seconds: measured with the learn_scale example instead).
    let p = set(784, 50);
    let km = KrauthMezard::default();
    g.bench_function(BenchmarkId::new("krauth_mezard", "N784_M50"), |b| {
        b.iter(|| km.train(black_box(&p)).expect("learns"))
    });
    let p = set(256, 16);
    let cp = ConstrainedPerceptron::default();
    g.bench_function(
        BenchmarkId::new("constrained_perceptron", "N256_M16"),
        |b| b.iter(|| cp.train(black_box(&p)).expect("learns")),
    );
    g.finish();
}

fn recall_throughput(c: &mut Criterion) {
    let mut g = c.benchmark_group("recall");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let p = set(784, 50);
    let net = Hebbian::default().learn(&p).expect("learns");
    let config = RecallConfig {
        noise_bits: 78,
        probes: 20,
        ..Default::default()
    };
    g.throughput(Throughput::Elements((p.m() * config.probes) as u64));
    g.bench_function("hebbian_N784_M50_1000probes_async", |b| {
        b.iter(|| recall(&net, &p, black_box(&config)).expect("recalls"))
    });
    g.finish();
}

/// The benchmark group (in its own module: `criterion_group!` makes an undocumented `pub fn`).
mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::learning, super::recall_throughput);
}

criterion_main!(group::benches);
