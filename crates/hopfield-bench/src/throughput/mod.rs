//! `hopfield-bench throughput`: recall and learning speed as one JSON line, comparable with
//! the numpy baseline's output (`probes_per_cpu_s`, `probes_per_wall_s`, `exact_fraction`;
//! `cpu_s`, `wall_s`).
//!
//! ```text
//! hopfield-bench throughput recall --n 784 --m 50 --probes 1000 --noise 0.1 \
//!     --rule hebbian --mode sync --threads 1 --seed 1
//! hopfield-bench throughput learn --rule projection --n 784 --m 50 --seed 1
//! ```
//!
//! Patterns are unbiased random ±1 vectors; a probe flips exactly `round(noise · N)` distinct
//! components of its pattern; probe `k` starts from pattern `k mod M`. Timings are the best of
//! `--repeats` runs by CPU time (all threads of the process), as the numpy script reports.

pub(crate) mod learn;
pub(crate) mod recall;

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use cpu_time::ProcessTime;
use hopfield_core::{derive_seed, rng_from_seed};
use hopfield_memory::Patterns;

/// The throughput subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Throughput {
    /// Recall speed: probes per CPU-second and per wall-second.
    Recall(recall::RecallArgs),
    /// Learning time, with the attraction radii Fmin/Fave of the learned network.
    Learn(learn::LearnArgs),
}

/// Runs a throughput subcommand and prints its JSON line.
pub(crate) fn run(command: Throughput) -> anyhow::Result<()> {
    let line = match command {
        Throughput::Recall(args) => recall::run(&args)?,
        Throughput::Learn(args) => learn::run(&args)?,
    };
    print_line(&line);
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_line(line: &serde_json::Value) {
    println!("{line}");
}

/// Where the timed work runs: `threads` rayon threads. With one thread, work runs on the
/// calling thread and rayon's global pool is limited to one thread, so no idle worker's
/// spinning is counted as CPU time of a sequential task.
pub(crate) struct Pool(Option<rayon::ThreadPool>);

impl Pool {
    /// Runs `f` on this pool.
    pub(crate) fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.0 {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }
}

/// A pool of exactly `threads` threads.
pub(crate) fn pool(threads: usize) -> anyhow::Result<Pool> {
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    if threads == 1 {
        // Fails only if the global pool exists already (then it was built here, with one thread).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global();
        return Ok(Pool(None));
    }
    Ok(Pool(Some(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("cannot start the thread pool")?,
    )))
}

/// The best CPU and the best wall time of repeated calls, and the result of the last call.
pub(crate) struct Timed<T> {
    /// The least CPU time (all threads) of any repeat.
    pub(crate) cpu: Duration,
    /// The least wall time of any repeat (not necessarily the same repeat: with several
    /// threads the run with the least CPU time is often one in which a worker idled).
    pub(crate) wall: Duration,
    pub(crate) value: T,
}

/// Runs `f` `repeats` times; keeps the least CPU time and the least wall time. The calls
/// are deterministic, so every repeat returns the same value.
pub(crate) fn best_of<T>(
    repeats: usize,
    mut f: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<Timed<T>> {
    let mut best: Option<Timed<T>> = None;
    for _ in 0..repeats.max(1) {
        let cpu0 = ProcessTime::try_now().context("cannot read the process CPU time")?;
        let wall0 = Instant::now();
        let value = f()?;
        let cpu = cpu0
            .try_elapsed()
            .context("cannot read the process CPU time")?;
        let wall = wall0.elapsed();
        best = Some(match best {
            None => Timed { cpu, wall, value },
            Some(b) => Timed {
                cpu: cpu.min(b.cpu),
                wall: wall.min(b.wall),
                value,
            },
        });
    }
    best.context("no run")
}

/// The unbiased random pattern set for `(seed, n, m)`.
pub(crate) fn patterns(seed: u64, n: usize, m: usize) -> anyhow::Result<Patterns> {
    if n == 0 || m == 0 {
        bail!("--n and --m must be at least 1");
    }
    let mut rng = rng_from_seed(derive_seed(seed, &[n as u64, m as u64]));
    Ok(Patterns::random(n, m, &mut rng)?)
}

/// The process's peak resident memory in MiB (Linux `VmHWM`), if known.
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Bytes as MiB.
pub(crate) fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
