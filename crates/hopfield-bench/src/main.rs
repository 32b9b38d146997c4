//! `hopfield-bench`: runs the experiments of `benchmarks/*.toml` and writes the report.
//! Usually driven by `cargo xtask reproduce-tables`.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};
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
        /// Record folder.
        #[arg(long)]
        out: PathBuf,
        /// TSPLIB files.
        #[arg(long, default_value = "datasets/tsplib")]
        datasets: PathBuf,
        /// Smoke-test sizes (a few minutes on 2 cores).
        #[arg(long)]
        quick: bool,
        /// Only this table (tsp, queens, hitchcock, memory, capacity).
        #[arg(long)]
        only: Option<String>,
        /// Trials per cell for every table.
        #[arg(long)]
        trials: Option<usize>,
        /// Base seed for every table.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Rebuilds REPORT.md and the figures of a record folder.
    Report {
        /// Record folder.
        #[arg(long)]
        record: PathBuf,
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
        } => {
            let paths = Paths {
                defs,
                out: out.clone(),
                datasets,
            };
            run_all(
                &paths,
                &RunOptions {
                    quick,
                    trials,
                    seed,
                },
                only.as_deref(),
            )?;
            eprintln!("report: {}", out.join("REPORT.md").display());
        }
        Command::Solve(args) => {
            hopfield_bench::solve::solve(&args, &mut std::io::stdout().lock())?;
        }
        Command::Report { record } => {
            write_report(&record)?;
            eprintln!("report: {}", record.join("REPORT.md").display());
        }
        Command::Throughput { command } => throughput::run(command)?,
    }
    Ok(())
}
