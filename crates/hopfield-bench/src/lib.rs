//! Reproduces the tables and figures of Matsumoto, Tanaka, Kurihara & Okuhara (2004), the
//! tunnel method for Hopfield networks on TSP, N-Queens and Hitchcock transportation, and of
//! Liang, Wu & Yu, max-min learning for associative memory, plus a recall panel.
//!
//! `cargo xtask reproduce-tables` builds this crate's binary in release and calls
//! [`run_all`]: each experiment declared in `benchmarks/*.toml` runs its seeded trials in
//! parallel into a record folder, and [`write_report`] renders `REPORT.md` with the paper's
//! numbers, ours and the true optima side by side, plus SVG figures, and ends with a
//! comparison against a reference record.
//!
//! - [`defs`]: the experiment definitions and their validation.
//! - [`experiments`]: the tables.
//! - [`record`]: per-trial rows, reproducible byte for byte and resumable.
//! - [`runner`]: seeded parallel trials, identical for any thread count.
//! - [`shard`]: one run split into independent shards, and their merge.
//! - [`compare`]: a record against the reference record.
//! - [`plot`]: SVG figures. [`meta`]: provenance.
//! - [`solve`]: the `solve` command (any problem file, any operator, stopping rules).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod compare;
pub mod defs;
pub mod experiments;
pub mod meta;
pub mod plot;
pub mod record;
pub mod runner;
pub mod shard;
pub mod solve;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

pub use hopfield_memory;
pub use hopfield_opt;

use crate::defs::Definitions;
use crate::shard::Shard;

/// The tables, in report order, with their definition files.
pub const TABLES: [&str; 6] = [
    "tsp",
    "queens",
    "hitchcock",
    "readings",
    "memory",
    "capacity",
];

/// The file whose presence says that a table has rows in a record.
fn table_file(table: &str) -> String {
    match table {
        "memory" => "memory.json".to_string(),
        "capacity" => "capacity.json".to_string(),
        "readings" => "readings.references.json".to_string(),
        _ => format!("{table}.jsonl"),
    }
}

/// What a run was asked to do (stored in the record; a resumed run must ask the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    /// Smoke-test sizes.
    pub quick: bool,
    /// Overrides every table's trial count.
    pub trials: Option<usize>,
    /// Overrides every table's base seed.
    pub seed: Option<u64>,
    /// Only this shard's trials (see [`shard`]); `None` for the whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// Where a run reads and writes.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The folder of `*.toml` definitions (`benchmarks/`).
    pub defs: PathBuf,
    /// The record folder.
    pub out: PathBuf,
    /// The TSPLIB files (`datasets/tsplib/`); burma14 and ulysses22 are embedded and need
    /// no file.
    pub datasets: PathBuf,
    /// A record to compare with at the end of the report (normally the committed
    /// `benchmarks/record/full`), if any.
    pub reference: Option<PathBuf>,
}

/// Which tables of a record have finished (`progress.json`); a table with rows but not
/// finished was interrupted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Finished tables, in the order they finished.
    pub finished: Vec<String>,
}

impl Progress {
    /// Reads `record/progress.json` (empty when absent).
    pub fn read(record: &Path) -> anyhow::Result<Progress> {
        let path = record.join("progress.json");
        if !path.exists() {
            return Ok(Progress::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("malformed {}", path.display()))
    }

    /// Writes `record/progress.json`.
    pub fn write(&self, record: &Path) -> anyhow::Result<()> {
        let path = record.join("progress.json");
        std::fs::write(&path, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Whether `table` has finished.
    pub fn has(&self, table: &str) -> bool {
        self.finished.iter().any(|t| t == table)
    }

    fn mark(&mut self, table: &str, record: &Path) -> anyhow::Result<()> {
        if !self.has(table) {
            self.finished.push(table.to_string());
        }
        self.write(record)
    }
}

fn def_path(dir: &Path, table: &str) -> PathBuf {
    dir.join(format!("{table}.toml"))
}

/// Runs the tables (all, or only `only`) into `paths.out`, resuming a previous run there, and
/// writes the report.
///
/// Everything is checked before the first trial: the definitions (names, numbers, limits),
/// and, when the folder already holds a record, that it was made with the same options and
/// definitions by the same code (commit and uncommitted changes).
pub fn run_all(paths: &Paths, options: &RunOptions, only: Option<&str>) -> anyhow::Result<()> {
    if let Some(name) = only
        && !TABLES.contains(&name)
    {
        bail!(
            "unknown table {name:?}; the tables are {}",
            TABLES.join(", ")
        );
    }
    let defs = Definitions::load(&paths.defs)?;
    let shard = options.shard.unwrap_or(Shard::ALL);
    let out = &paths.out;
    let options_path = out.join("run-options.json");
    let here = meta::Meta::collect();
    if options_path.exists() {
        let previous: RunOptions =
            serde_json::from_str(&std::fs::read_to_string(&options_path)?)
                .with_context(|| format!("malformed {}", options_path.display()))?;
        if &previous != options {
            bail!(
                "{} holds a run with other options ({previous:?}); resume with the same options, \
                 or start a new record (another --out)",
                out.display()
            );
        }
        let started: meta::Meta =
            serde_json::from_str(&std::fs::read_to_string(out.join("meta.json"))?)?;
        here.check_resume(&started, out)?;
    } else if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!(
            "{} is not empty and holds no record; choose an empty or new folder",
            out.display()
        );
    }
    for table in TABLES {
        let source = def_path(&paths.defs, table);
        let text = std::fs::read_to_string(&source)
            .with_context(|| format!("cannot read {}", source.display()))?;
        let copy = def_path(&out.join("definitions"), table);
        if copy.exists() && std::fs::read_to_string(&copy)? != text {
            bail!(
                "{} was made with another {table}.toml; start a new record (another --out) to \
                 run the new definition",
                out.display()
            );
        }
    }
    std::fs::create_dir_all(out.join("definitions"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    std::fs::create_dir_all(out.join("figures"))?;
    for table in TABLES {
        std::fs::copy(
            def_path(&paths.defs, table),
            def_path(&out.join("definitions"), table),
        )?;
    }
    if !options_path.exists() {
        std::fs::write(out.join("meta.json"), serde_json::to_string_pretty(&here)?)?;
        std::fs::write(&options_path, serde_json::to_string_pretty(options)?)?;
    }
    meta::append_session(out, &here.session(options.shard.map(|s| s.to_string())))?;
    let mut progress = Progress::read(out)?;
    let ctx = experiments::Context {
        out: out.clone(),
        datasets: paths.datasets.clone(),
        quick: options.quick,
        trials: options.trials,
        seed: options.seed,
        shard,
        progress: indicatif::MultiProgress::new(),
    };
    for table in TABLES.iter().filter(|t| only.is_none_or(|o| o == **t)) {
        match *table {
            "tsp" => experiments::tsp::run(&defs.tsp, &ctx)?,
            "queens" => experiments::queens::run(&defs.queens, &ctx)?,
            "hitchcock" => experiments::hitchcock::run(&defs.hitchcock, &ctx)?,
            // Its stages depend on each other's results: run whole, by the first shard.
            "readings" if shard.index != 1 => {}
            "readings" => experiments::readings::run(&defs.readings, &ctx)?,
            // Seeded per pattern set and parallel inside: run whole, by the first shard.
            "capacity" if shard.index != 1 => {}
            "capacity" => experiments::capacity::run(&defs.capacity, &ctx)?,
            // Not made of trials: computed once, by the first shard.
            _ if progress.has("memory") || shard.index != 1 => {}
            _ => experiments::memory::run(&defs.memory, &ctx)?,
        }
        progress.mark(table, out)?;
    }
    write_report(out, paths.reference.as_deref())
}

/// Renders `REPORT.md` (and the figures) of a record folder from its files alone, ending with
/// a comparison against `reference` when one is given (and is not the record itself).
pub fn write_report(record: &Path, reference: Option<&Path>) -> anyhow::Result<()> {
    let options: RunOptions = serde_json::from_str(
        &std::fs::read_to_string(record.join("run-options.json"))
            .with_context(|| format!("{} is not a record folder", record.display()))?,
    )?;
    let meta: meta::Meta =
        serde_json::from_str(&std::fs::read_to_string(record.join("meta.json"))?)?;
    let sessions = meta::read_sessions(record)?;
    let progress = Progress::read(record)?;
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
        "Command: `{}`{}{}  \nCommit: `{}` · rustc: `{}` · host: {} · threads: {} · seed \
         override: {}\n",
        meta.command,
        if options.quick {
            " (**quick**: smoke-test sizes, not the paper's)"
        } else {
            ""
        },
        options.shard.map_or(String::new(), |s| format!(
            " (**shard {s}** of a split run)"
        )),
        meta.commit.as_deref().unwrap_or("unknown"),
        meta.rustc.as_deref().unwrap_or("unknown"),
        meta.host,
        meta.threads,
        options.seed.map_or("none".into(), |s| s.to_string()),
    );
    if sessions.len() > 1 {
        // A maintainer may re-run one table of the reference record with a later commit;
        // then every session names its own commit.
        let one_commit = sessions.iter().all(|s| s.commit == meta.commit);
        let _ = writeln!(
            md,
            "This record was written in {} sessions (resumed, merged from shards or with a \
             table re-run), {}:\n",
            sessions.len(),
            if one_commit {
                format!(
                    "all from commit `{}`",
                    meta.commit.as_deref().unwrap_or("unknown")
                )
            } else {
                "each from the commit named".to_string()
            }
        );
        for (k, s) in sessions.iter().enumerate() {
            let _ = writeln!(
                md,
                "{}. `{}`{} — {}, {} threads{}",
                k + 1,
                s.command,
                s.shard
                    .as_ref()
                    .map_or(String::new(), |sh| format!(" (shard {sh})")),
                s.host,
                s.threads,
                if one_commit {
                    String::new()
                } else {
                    format!(", commit `{}`", s.commit.as_deref().unwrap_or("unknown"))
                }
            );
        }
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "Per-trial rows: `*.jsonl` beside this file (wall times in `*.times.jsonl`). Methodology \
         and every deviation from the papers: METHODOLOGY.md at the workspace root.\n"
    );
    let mut missing = Vec::new();
    let mut interrupted = Vec::new();
    for table in TABLES {
        if !record::record_file_exists(&record.join(table_file(table))) {
            missing.push(table);
            continue;
        }
        if !progress.finished.is_empty() && !progress.has(table) {
            interrupted.push(table);
        }
        let result = match table {
            "tsp" => experiments::tsp::report(
                &defs::load(&def_path(&defs, "tsp"))?,
                record,
                options.quick,
                &mut md,
            ),
            "queens" => experiments::queens::report(
                &defs::load(&def_path(&defs, "queens"))?,
                record,
                options.quick,
                &mut md,
            ),
            "hitchcock" => experiments::hitchcock::report(
                &defs::load(&def_path(&defs, "hitchcock"))?,
                record,
                options.quick,
                &mut md,
            ),
            "readings" => experiments::readings::report(
                &defs::load(&def_path(&defs, "readings"))?,
                record,
                options.quick,
                options.trials,
                &mut md,
            ),
            "capacity" => experiments::capacity::report(
                &defs::load(&def_path(&defs, "capacity"))?,
                record,
                options.quick,
                &mut md,
            ),
            _ => experiments::memory::report(
                &defs::load(&def_path(&defs, "memory"))?,
                record,
                &mut md,
            ),
        };
        result.with_context(|| format!("cannot report table {table}"))?;
    }
    if !missing.is_empty() {
        let _ = writeln!(
            md,
            "## Not run\n\n{}{}\n",
            missing.join(", "),
            if options.shard.is_some_and(|s| s.index != 1) && missing.contains(&"memory") {
                " (the memory tables, the readings study and the capacity section are computed by \
                  shard 1)"
            } else {
                ""
            }
        );
    }
    if !interrupted.is_empty() {
        let _ = writeln!(
            md,
            "## Unfinished\n\n{} stopped before the end; the rows above are partial. Run the \
             same command again to finish them.\n",
            interrupted.join(", ")
        );
    }
    if let Some(reference) = reference {
        let same = std::fs::canonicalize(reference).ok() == std::fs::canonicalize(record).ok();
        if !same {
            compare::report_section(record, &options, reference, &mut md);
        }
    }
    std::fs::write(record.join("REPORT.md"), md)?;
    Ok(())
}
