//! `throughput recall`: probes per CPU-second and per wall-second.

use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use hopfield_core::{BatchPlan, Couplings, Network, Schedule, TieRule};
use hopfield_memory::Patterns;
use hopfield_memory::recall::{BATCH, RecallConfig, recall, recall_cycling};
use serde_json::{Value, json};

use super::learn::{Form, has_low_rank, learn_low_rank};
use super::{best_of, mib, patterns, peak_rss_mib, pool};
use hopfield_memory::rules::{RULE_NAMES, by_name};

/// Synchronous or asynchronous recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// Every neuron updates from the same old fields, until a fixed point or a two-cycle.
    Sync,
    /// Random-order sweeps, one neuron at a time, until a sweep changes nothing.
    Async,
}

/// The tie rule at a zero field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Tie {
    /// Keep the neuron's value (what the numpy baseline does).
    Keep,
    /// Go high, `sgn(0) = +1` (Liang–Wu–Yu; the memory tables' default).
    High,
}

/// Options of `throughput recall`.
#[derive(Debug, Args)]
pub(crate) struct RecallArgs {
    /// Neurons.
    #[arg(long, default_value_t = 784)]
    pub(crate) n: usize,
    /// Stored patterns.
    #[arg(long, default_value_t = 50)]
    pub(crate) m: usize,
    /// Probes in all (probe k starts from pattern k mod M).
    #[arg(long, default_value_t = 1000)]
    pub(crate) probes: usize,
    /// Fraction of components flipped in a probe (exactly round(noise · N) distinct ones).
    #[arg(long, default_value_t = 0.1)]
    pub(crate) noise: f64,
    /// Learning rule (the memory definitions' names).
    #[arg(long, default_value = "hebbian", value_parser = clap::builder::PossibleValuesParser::new(RULE_NAMES))]
    pub(crate) rule: String,
    /// Synchronous or asynchronous (random-order sweeps).
    #[arg(long, value_enum, default_value_t = Mode::Sync)]
    pub(crate) mode: Mode,
    /// Rayon threads.
    #[arg(long, default_value_t = 1)]
    pub(crate) threads: usize,
    /// Base seed of patterns and probes.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Timed repeats (the least CPU time and the least wall time of them are printed).
    #[arg(long, default_value_t = 7)]
    pub(crate) repeats: usize,
    /// Tie rule.
    #[arg(long, value_enum, default_value_t = Tie::Keep)]
    pub(crate) tie: Tie,
    /// Step limit in sweeps.
    #[arg(long, default_value_t = 100)]
    pub(crate) max_sweeps: u64,
    /// Representation: low rank for Hebbian and projection rules (auto), or dense.
    #[arg(long, value_enum, default_value_t = Form::Auto)]
    pub(crate) form: Form,
    /// Also classify every final state (stored, negation, mixture, spurious); needs --probes
    /// to be a multiple of --m.
    #[arg(long)]
    pub(crate) classify: bool,
    /// Refuse to start when the estimated memory exceeds this many MiB.
    #[arg(long, default_value_t = 1024)]
    pub(crate) max_memory_mib: u64,
}

/// An upper estimate of the bytes a run allocates, computed with checked arithmetic before
/// anything large is allocated.
pub(crate) fn estimate_bytes(
    n: usize,
    m: usize,
    low_rank: bool,
    rule: &str,
    threads: usize,
) -> Option<u64> {
    let (n, m, t, b) = (n as u64, m as u64, threads as u64, BATCH as u64);
    let nm = n.checked_mul(m)?;
    // Patterns (f64 states), the N × M matrix the rules build, and a transposed copy.
    let patterns = nm.checked_mul(8 * 3)?;
    let couplings = if low_rank {
        // Xᵀ in f64, Yᵀ = A Xᵀ for projection, the kernel's f32 copy, the SVD workspace.
        let per = if rule == "hebbian" { 8 + 4 } else { 8 * 4 };
        // Asynchronous runs with `M ≥ 16`: the engine keeps `N²` `f32` couplings for
        // `N ≤ 4096`.
        let columns = if n <= 4096 { n * n * 4 } else { 0 };
        nm.checked_mul(per)?.checked_add(columns)?
    } else {
        // W in f64, one temporary of the same size while learning, the kernel's f32 copy.
        n.checked_mul(n)?.checked_mul(8 + 8 + 4)?
    };
    // Per running batch: start states (f64), S and H (at most f64), final states, overlaps.
    let per_batch = b.checked_mul(n)?.checked_mul(8 + 8 + 8 + 8)?;
    let batches = per_batch.checked_mul(t)?;
    patterns
        .checked_add(couplings)?
        .checked_add(batches)?
        .checked_add(64 << 20)
}

/// Runs `throughput recall`.
pub(crate) fn run(args: &RecallArgs) -> anyhow::Result<Value> {
    if !(0.0..=1.0).contains(&args.noise) {
        bail!("--noise must be in [0, 1], not {}", args.noise);
    }
    if args.probes == 0 {
        bail!("--probes must be at least 1");
    }
    let low_rank = match args.form {
        Form::Auto => has_low_rank(&args.rule),
        Form::Dense => false,
        Form::LowRank => {
            if !has_low_rank(&args.rule) {
                bail!(
                    "{} has no low-rank form (hebbian and projection do)",
                    args.rule
                );
            }
            true
        }
    };
    let estimate = estimate_bytes(args.n, args.m, low_rank, &args.rule, args.threads)
        .context("the sizes overflow")?;
    if mib(estimate) > args.max_memory_mib as f64 {
        bail!(
            "N = {}, M = {} with the {} form needs about {:.0} MiB, above --max-memory-mib {}{}",
            args.n,
            args.m,
            if low_rank { "low-rank" } else { "dense" },
            mib(estimate),
            args.max_memory_mib,
            if low_rank || !has_low_rank(&args.rule) {
                ""
            } else {
                " (the low-rank form needs O(N M), not O(N²))"
            }
        );
    }
    let patterns = patterns(args.seed, args.n, args.m)?;
    let pool = pool(args.threads)?;
    let noise_bits = (args.noise * args.n as f64).round() as usize;
    let config = RecallConfig {
        noise_bits,
        probes: 1,
        schedule: match args.mode {
            Mode::Sync => Schedule::Synchronous,
            Mode::Async => Schedule::RandomSweep,
        },
        max_sweeps: args.max_sweeps,
        tie: match args.tie {
            Tie::Keep => TieRule::Keep,
            Tie::High => TieRule::High,
        },
        seed: args.seed,
    };
    let learn_start = Instant::now();
    let line = if low_rank {
        let net = pool.install(|| learn_low_rank(&args.rule, &patterns))?;
        let learn_s = learn_start.elapsed().as_secs_f64();
        measure(args, &pool, &net, &patterns, &config, learn_s)?
    } else {
        let rule = by_name(&args.rule)?;
        let net = pool
            .install(|| rule.learn(&patterns))
            .with_context(|| format!("{} did not learn", args.rule))?;
        let learn_s = learn_start.elapsed().as_secs_f64();
        measure(args, &pool, &net, &patterns, &config, learn_s)?
    };
    let mut line = line;
    if let Value::Object(map) = &mut line {
        map.insert("memory_estimate_mib".into(), json!(mib(estimate)));
        map.insert("peak_rss_mib".into(), json!(peak_rss_mib()));
    }
    Ok(line)
}

fn measure<C: Couplings>(
    args: &RecallArgs,
    pool: &super::Pool,
    net: &Network<C>,
    patterns: &Patterns,
    config: &RecallConfig,
    learn_s: f64,
) -> anyhow::Result<Value> {
    let plan = BatchPlan::new(net)?;
    let (form, precision) = (plan.form(), plan.precision());
    drop(plan);
    let t = if args.classify {
        if !args.probes.is_multiple_of(patterns.m()) {
            bail!("--classify needs --probes to be a multiple of --m");
        }
        let config = RecallConfig {
            probes: args.probes / patterns.m(),
            ..*config
        };
        let t = pool.install(|| best_of(args.repeats, || Ok(recall(net, patterns, &config)?)))?;
        let r = &t.value;
        let summary = (r.fraction_recalled, r.mean_overlap);
        (t.cpu, t.wall, summary, json!(r.counts))
    } else {
        let t = pool.install(|| {
            best_of(args.repeats, || {
                Ok(recall_cycling(net, patterns, config, args.probes)?)
            })
        })?;
        let s = &t.value;
        let ends = json!({
            "fixed_point": s.fixed_point,
            "two_cycle": s.two_cycle,
            "max_steps": s.max_steps,
            "steps": s.steps,
        });
        (t.cpu, t.wall, (s.fraction_recalled, s.mean_overlap), ends)
    };
    let (cpu, wall, (exact, overlap), ends) = t;
    let (cpu_s, wall_s) = (cpu.as_secs_f64(), wall.as_secs_f64());
    let probes = args.probes as f64;
    Ok(json!({
        "impl": "hopfield-rs",
        "what": "recall",
        "rule": args.rule,
        "mode": match args.mode { Mode::Sync => "sync", Mode::Async => "async" },
        "form": form,
        "precision": precision,
        "n": args.n,
        "m": args.m,
        "probes": args.probes,
        "noise": args.noise,
        "noise_bits": config.noise_bits,
        "tie": match args.tie { Tie::Keep => "keep", Tie::High => "high" },
        "threads": args.threads,
        "seed": args.seed,
        "cpu_s": cpu_s,
        "wall_s": wall_s,
        "probes_per_cpu_s": probes / cpu_s,
        "probes_per_wall_s": probes / wall_s,
        "exact_fraction": exact,
        "mean_overlap": overlap,
        "ends": ends,
        "learn_s": learn_s,
    }))
}
