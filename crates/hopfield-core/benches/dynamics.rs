//! Throughput of the dynamics: asynchronous steps, forced flips, synchronous sweeps, and a
//! plain `f32` matrix–vector product as the baseline a synchronous sweep is measured against.
//!
//! Networks (built once, lazily, from fixed seeds):
//! - `dense-f64/N`, `dense-f32/N` for `N` = 784 and 4096: Hebbian couplings
//!   `W = X Xᵀ / N` of `P = N / 10` random ±1 patterns, zero diagonal; the `f32` network is
//!   the same matrix through [`Dense::to_f32`].
//! - `sparse-deg100/100000`: `N` = 100 000 with 5 000 000 random symmetric pairs (mean degree
//!   100), weights uniform in `[−1, 1)`.
//!
//! Groups and their throughput units:
//! - `async_update`: [`Dynamics::run`] with [`Schedule::RandomNeuron`] for `K = N / 4` steps
//!   from a fresh copy of a random bipolar state (the copy is made outside the timing). `K` is
//!   below `N`, so the run cannot stop at a fixed point (that needs `N` idle steps in a row);
//!   the benchmark asserts it ends at the step limit. One element = one neuron update; the
//!   share of updates that flip (and so cost a column) is printed once per network.
//! - `forced_flip`: [`Dynamics::flip`] on `K` pre-drawn random neurons; every step costs one
//!   column update. One element = one flip.
//! - `sync_sweep`: [`Dynamics::sync_step`] (one `W s` product plus `O(N)` work). One element =
//!   one stored weight read (`N²` dense, the number of stored entries sparse), so sweeps per
//!   second = elements per second / weights, and a multiply–add is 2 flops.
//! - `mul_into`: [`Couplings::mul_into`] alone, to separate the product from the rest of a
//!   sweep.
//! - `matvec`: the baseline, `y = W x` on the same `f32` matrix as `dense-f32/N`: nalgebra
//!   `gemv` and `gemv_tr`, a plain column-axpy loop and a plain dot-product loop (valid because
//!   `W` is symmetric); plus nalgebra `gemv` on the `f64` matrix. Same unit as `sync_sweep`,
//!   so the two throughputs divide directly.
#![allow(clippy::print_stderr)]

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_main};
use hopfield_core::nalgebra::{DMatrix, DVector};
use hopfield_core::{
    Couplings, Dense, DiagonalPolicy, Dynamics, Encoding, Network, NoObserver, RunConfig, Schedule,
    Sparse, SparseBuilder, State, Termination, TieRule, rng_from_seed,
};
use rand::RngExt;

/// Dense network sizes: an MNIST image, and a size whose matrix does not fit in cache.
const DENSE_SIZES: [usize; 2] = [784, 4096];
/// Sparse network size and mean degree.
const SPARSE_N: usize = 100_000;
const SPARSE_DEGREE: usize = 100;

/// One Hebbian matrix in both storage types.
struct DenseNets {
    f64: Network<Dense<f64>>,
    f32: Network<Dense<f32>>,
}

static DENSE: [OnceLock<DenseNets>; 2] = [const { OnceLock::new() }; 2];
static SPARSE: OnceLock<Network<Sparse>> = OnceLock::new();

fn dense_nets(which: usize) -> &'static DenseNets {
    DENSE[which].get_or_init(|| {
        let n = DENSE_SIZES[which];
        let p = n / 10;
        let mut rng = rng_from_seed(0x4845_4242 + n as u64);
        let x = DMatrix::<f64>::from_fn(n, p, |_, _| if rng.random_bool(0.5) { 1.0 } else { -1.0 });
        // ±1 sums are integers, so `X Xᵀ` is exactly symmetric; so is its scaling.
        let w = (&x * x.transpose()) / n as f64;
        let dense = Dense::with_zero_diagonal(w).expect("Hebbian matrix is symmetric");
        DenseNets {
            f32: Network::new(dense.to_f32(), Encoding::Bipolar),
            f64: Network::new(dense, Encoding::Bipolar),
        }
    })
}

fn sparse_net() -> &'static Network<Sparse> {
    SPARSE.get_or_init(|| {
        let mut rng = rng_from_seed(0x5350_4152);
        let mut builder = SparseBuilder::new(SPARSE_N);
        let mut pairs = 0;
        while pairs < SPARSE_N * SPARSE_DEGREE / 2 {
            let i = rng.random_range(0..SPARSE_N);
            let j = rng.random_range(0..SPARSE_N);
            if i != j {
                let w = rng.random_range(-1.0..1.0);
                builder.add(i, j, w).expect("indices in range");
                pairs += 1;
            }
        }
        Network::new(
            builder
                .build(DiagonalPolicy::Zero)
                .expect("valid sparse matrix"),
            Encoding::Bipolar,
        )
    })
}

/// Dynamics from a random bipolar state.
fn random_dynamics<C: Couplings>(net: &Network<C>, seed: u64) -> Dynamics<'_, C> {
    let state = State::random(Encoding::Bipolar, net.n(), &mut rng_from_seed(seed));
    Dynamics::new(net, state, TieRule::Keep).expect("state fits the network")
}

/// Asynchronous steps per iteration.
fn async_steps(n: usize) -> u64 {
    (n / 4) as u64
}

fn bench_async<C: Couplings + Clone>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    net: &Network<C>,
) {
    let n = net.n();
    let id = BenchmarkId::new(name, n);
    let k = async_steps(n);
    let start = random_dynamics(net, 11);
    let config = RunConfig {
        schedule: Schedule::RandomNeuron,
        max_steps: k,
    };
    let mut rng = rng_from_seed(12);
    let probe = start.clone().run(&config, &mut rng, &mut NoObserver);
    eprintln!(
        "async_update/{name}/{n}: K = {k} steps per iteration, {:.1}% of them flip",
        100.0 * probe.flips as f64 / k as f64
    );
    group.throughput(Throughput::Elements(k));
    group.bench_function(id, |b| {
        b.iter_batched(
            || start.clone(),
            |mut dynamics| {
                let report = dynamics.run(&config, &mut rng, &mut NoObserver);
                assert_eq!(report.termination, Termination::MaxSteps);
                (dynamics, report)
            },
            BatchSize::LargeInput,
        );
    });
}

fn bench_flip<C: Couplings>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    net: &Network<C>,
) {
    let n = net.n();
    let id = BenchmarkId::new(name, n);
    let k = async_steps(n);
    let mut dynamics = random_dynamics(net, 21);
    let mut rng = rng_from_seed(22);
    let neurons: Vec<usize> = (0..k).map(|_| rng.random_range(0..n)).collect();
    group.throughput(Throughput::Elements(k));
    group.bench_function(id, |b| {
        b.iter(|| {
            let mut de = 0.0;
            for &i in &neurons {
                de += dynamics.flip(i);
            }
            black_box(de)
        });
    });
}

fn bench_sync<C: Couplings>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    net: &Network<C>,
    weights: u64,
) {
    let id = BenchmarkId::new(name, net.n());
    let mut dynamics = random_dynamics(net, 31);
    group.throughput(Throughput::Elements(weights));
    group.bench_function(id, |b| b.iter(|| black_box(dynamics.sync_step())));
}

fn bench_mul_into<C: Couplings>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    net: &Network<C>,
    weights: u64,
) {
    let id = BenchmarkId::new(name, net.n());
    let state = State::random(Encoding::Bipolar, net.n(), &mut rng_from_seed(41));
    let mut out = vec![0.0; net.n()];
    group.throughput(Throughput::Elements(weights));
    group.bench_function(id, |b| {
        b.iter(|| {
            net.couplings()
                .mul_into(black_box(state.as_slice()), &mut out);
            black_box(&out);
        });
    });
}

/// Runs `bench` on every network: both dense sizes in both storages, then the sparse one.
fn for_each_network(
    c: &mut Criterion,
    group_name: &str,
    mut dense64: impl FnMut(&mut BenchmarkGroup<'_, WallTime>, &str, &Network<Dense<f64>>, u64),
    mut dense32: impl FnMut(&mut BenchmarkGroup<'_, WallTime>, &str, &Network<Dense<f32>>, u64),
    mut sparse: impl FnMut(&mut BenchmarkGroup<'_, WallTime>, &str, &Network<Sparse>, u64),
) {
    let mut group = c.benchmark_group(group_name);
    for (which, &n) in DENSE_SIZES.iter().enumerate() {
        let nets = dense_nets(which);
        let weights = (n * n) as u64;
        dense64(&mut group, "dense-f64", &nets.f64, weights);
        dense32(&mut group, "dense-f32", &nets.f32, weights);
    }
    let net = sparse_net();
    let weights = net.couplings().n_entries() as u64;
    sparse(
        &mut group,
        &format!("sparse-deg{SPARSE_DEGREE}"),
        net,
        weights,
    );
    group.finish();
}

fn async_update(c: &mut Criterion) {
    for_each_network(
        c,
        "async_update",
        |g, name, net, _| bench_async(g, name, net),
        |g, name, net, _| bench_async(g, name, net),
        |g, name, net, _| bench_async(g, name, net),
    );
}

fn forced_flip(c: &mut Criterion) {
    for_each_network(
        c,
        "forced_flip",
        |g, name, net, _| bench_flip(g, name, net),
        |g, name, net, _| bench_flip(g, name, net),
        |g, name, net, _| bench_flip(g, name, net),
    );
}

fn sync_sweep(c: &mut Criterion) {
    for_each_network(c, "sync_sweep", bench_sync, bench_sync, bench_sync);
}

fn mul_into(c: &mut Criterion) {
    for_each_network(
        c,
        "mul_into",
        bench_mul_into,
        bench_mul_into,
        bench_mul_into,
    );
}

/// `y = M x` for column-major `m` (`n × n`): one axpy per column, as BLAS `gemv` does.
fn plain_axpy(m: &[f32], x: &[f32], y: &mut [f32]) {
    let n = y.len();
    y.fill(0.0);
    for (column, &xj) in m.chunks_exact(n).zip(x) {
        for (yi, &mij) in y.iter_mut().zip(column) {
            *yi += mij * xj;
        }
    }
}

/// `y = Mᵀ x` for column-major `m`: one dot product per column, with eight accumulators so
/// the loop vectorizes. Equals `M x` when `M` is symmetric.
fn plain_dot(m: &[f32], x: &[f32], y: &mut [f32]) {
    let n = y.len();
    for (yi, column) in y.iter_mut().zip(m.chunks_exact(n)) {
        let mut acc = [0.0f32; 8];
        let (col_body, col_tail) = column.split_at(n - n % 8);
        let (x_body, x_tail) = x.split_at(n - n % 8);
        for (c8, x8) in col_body.chunks_exact(8).zip(x_body.chunks_exact(8)) {
            for k in 0..8 {
                acc[k] += c8[k] * x8[k];
            }
        }
        let tail: f32 = col_tail.iter().zip(x_tail).map(|(a, b)| a * b).sum();
        *yi = acc.iter().sum::<f32>() + tail;
    }
}

fn matvec(c: &mut Criterion) {
    let mut group = c.benchmark_group("matvec");
    for (which, &n) in DENSE_SIZES.iter().enumerate() {
        let nets = dense_nets(which);
        let m32 = nets.f32.couplings().matrix();
        let m64 = nets.f64.couplings().matrix();
        let mut rng = rng_from_seed(51);
        let x32 = DVector::<f32>::from_fn(n, |_, _| if rng.random_bool(0.5) { 1.0 } else { -1.0 });
        let x64 = x32.map(f64::from);
        let mut y32 = DVector::<f32>::zeros(n);
        let mut y64 = DVector::<f64>::zeros(n);

        // The baselines compute the same product (up to f32 summation order).
        let mut check = DVector::<f32>::zeros(n);
        y32.gemv(1.0, m32, &x32, 0.0);
        plain_dot(m32.as_slice(), x32.as_slice(), check.as_mut_slice());
        assert!((&y32 - &check).amax() < 1e-3);
        plain_axpy(m32.as_slice(), x32.as_slice(), check.as_mut_slice());
        assert!((&y32 - &check).amax() < 1e-3);

        group.throughput(Throughput::Elements((n * n) as u64));
        group.bench_function(BenchmarkId::new("nalgebra-gemv-f32", n), |b| {
            b.iter(|| y32.gemv(1.0, m32, black_box(&x32), 0.0));
        });
        group.bench_function(BenchmarkId::new("nalgebra-gemv_tr-f32", n), |b| {
            b.iter(|| y32.gemv_tr(1.0, m32, black_box(&x32), 0.0));
        });
        group.bench_function(BenchmarkId::new("plain-axpy-f32", n), |b| {
            b.iter(|| {
                plain_axpy(
                    m32.as_slice(),
                    black_box(x32.as_slice()),
                    y32.as_mut_slice(),
                )
            });
        });
        group.bench_function(BenchmarkId::new("plain-dot-f32", n), |b| {
            b.iter(|| {
                plain_dot(
                    m32.as_slice(),
                    black_box(x32.as_slice()),
                    y32.as_mut_slice(),
                )
            });
        });
        group.bench_function(BenchmarkId::new("nalgebra-gemv-f64", n), |b| {
            b.iter(|| y64.gemv(1.0, m64, black_box(&x64), 0.0));
        });
        black_box((&y32, &y64));
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// The benchmark group (in its own module: `criterion_group!` makes an undocumented `pub fn`).
mod group {
    #![allow(missing_docs)]
    use super::{async_update, config, forced_flip, matvec, mul_into, sync_sweep};

    criterion::criterion_group! {
        name = benches;
        config = config();
        targets = matvec, sync_sweep, mul_into, forced_flip, async_update
    }
}

criterion_main!(group::benches);
