//! `hopfield-bench`: runs the experiments of `benchmarks/*.toml`, writes their report, and
//! merges the records of a run split into shards. Usually driven by
//! `cargo xtask reproduce-tables`.
//!
//! One subcommand per variant of [`Command`]; each variant's fields are its options.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use hopfield_bench::shard::{Shard, merge};
use hopfield_bench::{Paths, RunOptions, run_all, write_report};

mod throughput;

#[derive(Parser)]
#[command(version, about = "Reproduces the papers' tables of hopfield-rs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the experiments into a record folder (resuming it) and writes REPORT.md.
    Run {
        /// Folder of experiment definitions.
        #[arg(long, default_value = "benchmarks")]
        defs: PathBuf,
        /// Record folder (new, or a record of the same command and code to resume).
        #[arg(long)]
        out: PathBuf,
        /// TSPLIB files (burma14 and ulysses22 are embedded and need none).
        #[arg(long, default_value = "datasets/tsplib")]
        datasets: PathBuf,
        /// Smoke-test sizes (a few minutes on 2 cores).
        #[arg(long)]
        quick: bool,
        /// Only this table (tsp, queens, hitchcock, readings, memory, capacity).
        #[arg(long)]
        only: Option<String>,
        /// Trials per cell for every table.
        #[arg(long)]
        trials: Option<usize>,
        /// Base seed for every table.
        #[arg(long)]
        seed: Option<u64>,
        /// Only the trials of shard K of N (`K/N`); merge the shards with `merge`.
        #[arg(long, value_parser = Shard::parse)]
        shard: Option<Shard>,
        /// A record to compare with at the end of the report.
        #[arg(long)]
        reference: Option<PathBuf>,
    },
    /// Rebuilds REPORT.md and the figures of a record folder.
    Report {
        /// Record folder.
        #[arg(long)]
        record: PathBuf,
        /// A record to compare with at the end of the report.
        #[arg(long)]
        reference: Option<PathBuf>,
    },
    /// Assembles the records of every shard of a split run into one record, byte-identical
    /// to an unsharded run, and writes its report.
    Merge {
        /// The merged record folder (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// A record to compare with at the end of the report.
        #[arg(long)]
        reference: Option<PathBuf>,
        /// The shard record folders, one per shard.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
    /// Solves a problem file (Max-Cut, QUBO, TSPLIB, transportation) or an N-Queens board
    /// with any method, with stopping rules; one JSON line per trial with --json.
    Solve(hopfield_bench::solve::SolveArgs),
    /// Recall and learning speed, one JSON line on stdout (see `throughput recall --help`).
    Throughput {
        /// `recall` or `learn`.
        #[command(subcommand)]
        command: throughput::Throughput,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run {
            defs,
            out,
            datasets,
            quick,
            only,
            trials,
            seed,
            shard,
            reference,
        } => {
            let paths = Paths {
                defs,
                out: out.clone(),
                datasets,
                reference,
            };
            let options = RunOptions {
                quick,
                trials,
                seed,
                shard,
            };
            run_all(&paths, &options, only.as_deref())?;
            eprintln!("report: {}", out.join("REPORT.md").display());
        }
        Command::Solve(args) => {
            hopfield_bench::solve::solve(&args, &mut std::io::stdout().lock())?;
        }
        Command::Report { record, reference } => {
            write_report(&record, reference.as_deref())?;
            eprintln!("report: {}", record.join("REPORT.md").display());
        }
        Command::Merge {
            out,
            reference,
            shards,
        } => {
            merge(&shards, &out)?;
            write_report(&out, reference.as_deref())?;
            eprintln!("merged record: {}", out.join("REPORT.md").display());
        }
        Command::Throughput { command } => throughput::run(command)?,
    }
    Ok(())
}
