//! Steps per second of the conventional network and of the tunnel method (Matsumoto et al. 2004) on
//! burma14, ulysses22, N-Queens n = 30 and 200 and Hitchcock experiment 2, and the wall time
//! of 500 burma14 tunnel trials at t_max = 2000.
//!
//! TSP instances come from `datasets/tsplib/` (workspace) or the offline mirror
//! `../shared/datasets/tsplib/`, with the paper's raw Euclidean distances; when neither is
//! there, random coordinates with the same number of cities stand in (the output says so).
//!
//! `HOPFIELD_OPT_COMPARE=1 cargo bench -p hopfield-opt --bench search` instead runs the
//! 500-trial burma14 comparison (conventional, literal tunnel, per-dimension tunnel) and prints
//! the paper's Table 1 for burma14.
#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::rand::RngExt;
use hopfield_core::{Dynamics, TieRule, rng_from_seed};
use hopfield_opt::operators::{Conventional, Tunnel, TunnelConfig};
use hopfield_opt::problem::Problem;
use hopfield_opt::queens::Queens;
use hopfield_opt::search::trials::{TrialPlan, TrialSummary, run_trials};
use hopfield_opt::search::{SearchConfig, random_state, search};
use hopfield_opt::transport::{Transport, TransportInstance};
use hopfield_opt::tsp::Tsp;
use hopfield_opt::tsplib::{Convention, Instance};

/// The distance matrix of a TSPLIB instance (raw Euclidean), or random coordinates.
fn tsp_distances(name: &str, n: usize) -> (DMatrix<f64>, bool) {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        manifest.join("../../datasets/tsplib"),
        manifest.join("../../../shared/datasets/tsplib"),
    ] {
        let path = dir.join(format!("{name}.tsp"));
        if let Ok(inst) = Instance::from_path(&path)
            && let Ok(d) = inst.distance_matrix(Convention::RawEuclidean)
        {
            return (d, true);
        }
    }
    let mut rng = rng_from_seed(n as u64);
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.random_range(0.0..30.0), rng.random_range(0.0..30.0)))
        .collect();
    let d = DMatrix::from_fn(n, n, |i, j| {
        ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2)).sqrt()
    });
    (d, false)
}

fn load_tsp(name: &str, n: usize) -> Tsp {
    let (d, real) = tsp_distances(name, n);
    if !real {
        println!("{name}: TSPLIB file not found, using {n} random cities");
    }
    Tsp::new(d).unwrap()
}

/// Conventional steps: a uniformly random neuron updated with tie rule keep.
fn bench_conventional<P: Problem>(c: &mut Criterion, label: &str, problem: &P, steps: u64) {
    let mut group = c.benchmark_group("conventional");
    group.throughput(Throughput::Elements(steps));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function(label, |b| {
        b.iter(|| {
            let mut rng = rng_from_seed(1);
            let n = problem.shape().len();
            let s = random_state(n, 0.5, &mut rng);
            let mut d = Dynamics::new(problem.network(), s, TieRule::Keep).unwrap();
            for _ in 0..steps {
                d.update(rng.random_range(0..n));
            }
            black_box(d.energy())
        })
    });
    group.finish();
}

/// Tunnel steps (neuron update + literal operator T, τ = 2, ρ = 1 per dimension, λ = 2).
fn bench_tunnel<P: Problem>(c: &mut Criterion, label: &str, problem: &P, steps: u64) {
    let mut group = c.benchmark_group("tunnel");
    group.throughput(Throughput::Elements(steps));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    let tunnel = Tunnel::new(TunnelConfig::paper(problem.shape().ndim()), problem.shape()).unwrap();
    let cfg = SearchConfig::new(steps);
    group.bench_function(label, |b| {
        b.iter(|| {
            let mut op = tunnel.clone();
            black_box(search(problem, &mut op, &cfg, &mut rng_from_seed(1)).unwrap())
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let burma = load_tsp("burma14", 14);
    let ulysses = load_tsp("ulysses22", 22);
    let q30 = Queens::new(30).unwrap();
    let q200 = Queens::new(200).unwrap();
    let h2 = Transport::new(TransportInstance::experiment2()).unwrap();

    bench_conventional(c, "burma14", &burma, 2000);
    bench_conventional(c, "ulysses22", &ulysses, 3000);
    bench_conventional(c, "queens30", &q30, 18_000);
    bench_conventional(c, "queens200", &q200, 20_000);
    bench_conventional(c, "hitchcock2", &h2, 7500);

    bench_tunnel(c, "burma14", &burma, 2000);
    bench_tunnel(c, "ulysses22", &ulysses, 3000);
    bench_tunnel(c, "queens30", &q30, 2000);
    bench_tunnel(c, "queens200", &q200, 500);
    bench_tunnel(c, "hitchcock2", &h2, 500);

    let mut group = c.benchmark_group("trials");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let tunnel = Tunnel::new(TunnelConfig::paper(2), burma.shape()).unwrap();
    let cfg = SearchConfig::new(2000);
    group.bench_function("burma14_tunnel_500x2000", |b| {
        b.iter(|| black_box(run_trials(&burma, &tunnel, &cfg, &TrialPlan::new(500, 2004)).unwrap()))
    });
    group.finish();
}

/// 500 burma14 trials per method, summarized as in the paper's Table 1.
fn compare_burma14() {
    let (d, real) = tsp_distances("burma14", 14);
    let optimum = hopfield_opt::exact::held_karp(&d).unwrap().0;
    println!(
        "burma14 ({}), raw Euclidean; Held–Karp optimum {optimum:.4}",
        if real { "TSPLIB" } else { "random stand-in" }
    );
    let tsp = Tsp::new(d).unwrap();
    let cfg = SearchConfig::new(2000);
    let plan = TrialPlan::new(500, 2004);
    println!(
        "{:<22} {:>5} {:>8} {:>8} {:>8} {:>4} {:>4} {:>4} {:>4} {:>4} {:>7} {:>7}",
        "method", "valid", "max", "min", "ave", "opt", "1%", "2%", "5%", "10%", "tunnel", "secs"
    );
    let row = |name: &str,
               results: Vec<hopfield_opt::search::trials::TrialResult<Vec<usize>>>,
               secs: f64| {
        let s = TrialSummary::of(&results);
        let at = |r: f64| TrialSummary::count_at_most(&results, optimum * r + 1e-6);
        println!(
            "{:<22} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>4} {:>4} {:>4} {:>4} {:>4} {:>7.1} {:>7.2}",
            name,
            s.feasible,
            s.max.unwrap_or(f64::NAN),
            s.min.unwrap_or(f64::NAN),
            s.mean.unwrap_or(f64::NAN),
            TrialSummary::count_at_most(&results, optimum + 1e-6),
            at(1.01),
            at(1.02),
            at(1.05),
            at(1.10),
            s.mean_tunnel_count,
            secs
        );
    };
    let t0 = Instant::now();
    let conv = run_trials(&tsp, &Conventional, &cfg, &plan).unwrap();
    row("conventional", conv, t0.elapsed().as_secs_f64());
    for (name, config) in [
        ("tunnel literal", TunnelConfig::paper(2)),
        ("tunnel per-dimension", TunnelConfig::per_dimension(2)),
    ] {
        let tunnel = Tunnel::new(config, tsp.shape()).unwrap();
        let t0 = Instant::now();
        let res = run_trials(&tsp, &tunnel, &cfg, &plan).unwrap();
        row(name, res, t0.elapsed().as_secs_f64());
    }
    println!(
        "paper: conventional 500 valid, 79.32/44.54/61.71, opt 0; tunnel 500 valid, 42.62/30.86/33.00, near 143, opt 64, count 151.6"
    );
}

/// 100 Hitchcock experiment-1 trials per method at t_max = 5000.
fn compare_hitchcock1() {
    let inst = TransportInstance::experiment1();
    let lp = hopfield_opt::exact::transport_optimum(inst.supply(), inst.demand(), inst.cost())
        .unwrap()
        .cost;
    println!("hitchcock exp1 (unary, A = B = 2 c_max); LP optimum {lp}");
    let t = Transport::new(inst).unwrap();
    let cfg = SearchConfig::new(5000);
    let plan = TrialPlan::new(100, 2004);
    let report = |name: &str,
                  res: &[hopfield_opt::search::trials::TrialResult<DMatrix<u32>>],
                  secs: f64| {
        let costs: Vec<f64> = res.iter().filter_map(|r| r.objective).collect();
        let feasible: Vec<f64> = res
            .iter()
            .filter(|r| r.feasible)
            .filter_map(|r| r.objective)
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "{name:<22} feasible {:>3}  cost avg/best all {:.1}/{:.0}  feasible {:.1}/{:.0}  tunnel {:.1}  {secs:.2}s",
            feasible.len(),
            mean(&costs),
            min(&costs),
            mean(&feasible),
            min(&feasible),
            TrialSummary::of(res).mean_tunnel_count,
        );
    };
    let t0 = Instant::now();
    let conv = run_trials(&t, &Conventional, &cfg, &plan).unwrap();
    report("conventional", &conv, t0.elapsed().as_secs_f64());
    for (name, config) in [
        ("tunnel literal", TunnelConfig::paper(3)),
        ("tunnel per-dimension", TunnelConfig::per_dimension(3)),
    ] {
        let tunnel = Tunnel::new(config, t.shape()).unwrap();
        let t0 = Instant::now();
        let res = run_trials(&t, &tunnel, &cfg, &plan).unwrap();
        report(name, &res, t0.elapsed().as_secs_f64());
    }
    println!("paper: conventional avg 541 best 490; tunnel avg 334 best 314, count 4119");
}

fn main() {
    if std::env::var_os("HOPFIELD_OPT_COMPARE").is_some() {
        compare_burma14();
        compare_hitchcock1();
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
