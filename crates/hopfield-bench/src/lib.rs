//! Reproduces the tables and figures of seeds 002 (Matsumoto et al., tunnel method) and 003
//! (Liang–Wu–Yu, max-min learning) and seed 000's recall figure.
//!
//! `cargo xtask reproduce-tables` builds this crate's binary in release and calls
//! [`run_all`]: each experiment declared in `benchmarks/*.toml` runs its seeded trials in
//! parallel into a record folder, and [`write_report`] renders `REPORT.md` with the paper's
//! numbers, ours and the true optima side by side, plus SVG figures.
//!
//! - [`defs`]: the experiment definitions.
//! - [`experiments`]: the tables.
//! - [`record`]: per-trial rows, reproducible byte for byte and resumable.
//! - [`runner`]: seeded parallel trials, identical for any thread count.
//! - [`plot`]: SVG figures. [`meta`]: provenance.
//! - [`solve`]: the `solve` command (any problem file, any operator, stopping rules).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod defs;
pub mod experiments;
pub mod meta;
pub mod plot;
pub mod record;
pub mod runner;
pub mod solve;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

pub use hopfield_memory;
pub use hopfield_opt;

/// The tables, in report order, with their definition files.
pub const TABLES: [&str; 5] = ["tsp", "queens", "hitchcock", "memory", "capacity"];

/// What a run was asked to do (stored in the record; a resumed run must ask the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    /// Smoke-test sizes.
    pub quick: bool,
    /// Overrides every table's trial count.
    pub trials: Option<usize>,
    /// Overrides every table's base seed.
    pub seed: Option<u64>,
}

/// Where a run reads and writes.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The folder of `*.toml` definitions (`benchmarks/`).
    pub defs: PathBuf,
    /// The record folder.
    pub out: PathBuf,
    /// The TSPLIB files (`datasets/tsplib/`).
    pub datasets: PathBuf,
}

fn def_path(dir: &Path, table: &str) -> PathBuf {
    dir.join(format!("{table}.toml"))
}

/// Runs the tables (all, or only `only`) into `paths.out`, resuming a previous run there, and
/// writes the report.
pub fn run_all(paths: &Paths, options: &RunOptions, only: Option<&str>) -> anyhow::Result<()> {
    if let Some(name) = only
        && !TABLES.contains(&name)
    {
        bail!(
            "unknown table {name:?}; the tables are {}",
            TABLES.join(", ")
        );
    }
    let out = &paths.out;
    std::fs::create_dir_all(out.join("definitions"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    std::fs::create_dir_all(out.join("figures"))?;
    let options_path = out.join("run-options.json");
    if options_path.exists() {
        let previous: RunOptions = serde_json::from_str(&std::fs::read_to_string(&options_path)?)?;
        if &previous != options {
            bail!(
                "{} holds a run with other options ({previous:?}); resume with the same options \
                 or choose another --out",
                out.display()
            );
        }
    }
    std::fs::write(&options_path, serde_json::to_string_pretty(options)?)?;
    for table in TABLES {
        let source = def_path(&paths.defs, table);
        let text = std::fs::read_to_string(&source)
            .with_context(|| format!("cannot read {}", source.display()))?;
        let copy = def_path(&out.join("definitions"), table);
        if copy.exists() && std::fs::read_to_string(&copy)? != text {
            bail!(
                "{} was made with another {table}.toml; choose another --out to run the new \
                 definition",
                out.display()
            );
        }
        std::fs::write(&copy, text)?;
    }
    std::fs::write(
        out.join("meta.json"),
        serde_json::to_string_pretty(&meta::Meta::collect())?,
    )?;
    let ctx = experiments::Context {
        out: out.clone(),
        datasets: paths.datasets.clone(),
        quick: options.quick,
        trials: options.trials,
        seed: options.seed,
        progress: indicatif::MultiProgress::new(),
    };
    let defs = out.join("definitions");
    for table in TABLES.iter().filter(|t| only.is_none_or(|o| o == **t)) {
        match *table {
            "tsp" => experiments::tsp::run(&defs::load(&def_path(&defs, "tsp"))?, &ctx)?,
            "queens" => experiments::queens::run(&defs::load(&def_path(&defs, "queens"))?, &ctx)?,
            "hitchcock" => {
                experiments::hitchcock::run(&defs::load(&def_path(&defs, "hitchcock"))?, &ctx)?;
            }
            "capacity" => {
                experiments::capacity::run(&defs::load(&def_path(&defs, "capacity"))?, &ctx)?;
            }
            _ => experiments::memory::run(&defs::load(&def_path(&defs, "memory"))?, &ctx)?,
        }
    }
    write_report(out)
}

/// Renders `REPORT.md` (and the figures) of a record folder from its files alone.
pub fn write_report(record: &Path) -> anyhow::Result<()> {
    let options: RunOptions = serde_json::from_str(
        &std::fs::read_to_string(record.join("run-options.json"))
            .with_context(|| format!("{} is not a record folder", record.display()))?,
    )?;
    let meta: meta::Meta =
        serde_json::from_str(&std::fs::read_to_string(record.join("meta.json"))?)?;
    std::fs::create_dir_all(record.join("figures"))?;
    let defs = record.join("definitions");
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# hopfield-rs: reproduced tables\n\n<!-- Generated by hopfield-bench; do not edit. \
         Rebuild with `cargo xtask report --record <this folder>`. -->\n"
    );
    let _ = writeln!(
        md,
        "Command: `{}`{}  \nCommit: `{}` · rustc: `{}` · host: {} · threads: {} · seed \
         override: {}\n",
        meta.command,
        if options.quick {
            " (**quick**: smoke-test sizes, not the paper's)"
        } else {
            ""
        },
        meta.commit.as_deref().unwrap_or("unknown"),
        meta.rustc.as_deref().unwrap_or("unknown"),
        meta.host,
        meta.threads,
        options.seed.map_or("none".into(), |s| s.to_string()),
    );
    let _ = writeln!(
        md,
        "Per-trial rows: `*.jsonl` beside this file (wall times in `*.times.jsonl`). Methodology \
         and every deviation from the papers: METHODOLOGY.md at the workspace root.\n"
    );
    let mut missing = Vec::new();
    for table in TABLES {
        let result = match table {
            "tsp" => record.join("tsp.jsonl").exists().then(|| {
                experiments::tsp::report(
                    &defs::load(&def_path(&defs, "tsp"))?,
                    record,
                    options.quick,
                    &mut md,
                )
            }),
            "queens" => record.join("queens.jsonl").exists().then(|| {
                experiments::queens::report(
                    &defs::load(&def_path(&defs, "queens"))?,
                    record,
                    options.quick,
                    &mut md,
                )
            }),
            "hitchcock" => record.join("hitchcock.jsonl").exists().then(|| {
                experiments::hitchcock::report(
                    &defs::load(&def_path(&defs, "hitchcock"))?,
                    record,
                    options.quick,
                    &mut md,
                )
            }),
            "capacity" => record.join("capacity.json").exists().then(|| {
                experiments::capacity::report(
                    &defs::load(&def_path(&defs, "capacity"))?,
                    record,
                    options.quick,
                    &mut md,
                )
            }),
            _ => record.join("memory.json").exists().then(|| {
                experiments::memory::report(
                    &defs::load(&def_path(&defs, "memory"))?,
                    record,
                    &mut md,
                )
            }),
        };
        match result {
            Some(r) => r.with_context(|| format!("cannot report table {table}"))?,
            None => missing.push(table),
        }
    }
    if !missing.is_empty() {
        let _ = writeln!(md, "## Not run\n\n{}\n", missing.join(", "));
    }
    std::fs::write(record.join("REPORT.md"), md)?;
    Ok(())
}
