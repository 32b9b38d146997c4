//! `cargo xtask`: project automation for hopfield-rs.
//!
//! Tasks (`cargo xtask help TASK` or `cargo xtask TASK --help` for each):
//! - `fetch-tsplib`: installs verified TSPLIB instances into `datasets/tsplib/` from the
//!   canonical site, a local mirror or the copies embedded in hopfield-opt (see `tsplib.rs`).
//! - `reproduce-tables`: builds hopfield-bench in release and runs every experiment of
//!   `benchmarks/*.toml` from scratch into a fresh record folder under `target/reproduce/`,
//!   whose report ends with a comparison against the committed record.
//! - `merge-shards`: assembles the records of a run split with `--shard K/N`.
//! - `report`: rebuilds the report of a record folder.
//! - `ci`: runs `.ci/run` (formatting, lints, dependency boundaries, tests).
//!
//! xtask links no workspace crate: it drives hopfield-bench as a binary and reads its files.
#![allow(clippy::print_stderr, clippy::print_stdout)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod tsplib;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask <task> [options]   (cargo xtask <task> --help for one task)

tasks:
  reproduce-tables   reproduce the papers' tables into a fresh record folder (the main job)
  fetch-tsplib       install verified TSPLIB instances into datasets/tsplib/
  merge-shards       assemble the records of a run split with --shard K/N
  report             rebuild the report of a record folder
  ci                 run .ci/run: fmt, clippy, rustdoc, dependency boundaries, tests";

const REPRODUCE_HELP: &str = "usage: cargo xtask reproduce-tables [options]

Builds hopfield-bench in release (cargo shows its progress; a few minutes the first time) and
runs every experiment of benchmarks/*.toml from scratch into a record folder, with progress
bars. The report (REPORT.md in that folder) ends with a per-table comparison against the
committed record benchmarks/record/full, which is never written. The paper's burma14 and
ulysses22 are embedded, so the paper's tables need no network; the instances beyond the paper
(eil51, berlin52, eil76) are fetched first, and skipped with the fix printed if that fails.

options:
  --quick          smoke-test sizes (about a minute), not the paper's
  --out DIR        record folder (default target/reproduce/full, target/reproduce/quick with
                   --quick, target/reproduce/full-shard-K-of-N with --shard). An interrupted
                   run resumes there with the same command (same options and code)
  --fresh          delete the record folder first (only if it holds a record) and start over
  --only TABLE     only tsp, queens, hitchcock, readings, memory or capacity
  --trials N       trials per cell for every table
  --seed S         base seed for every table
  --shard K/N      only shard K of N (trials t with t % N = K - 1); merge the N records with
                   cargo xtask merge-shards
  --from DIR       fetch the instances beyond the paper from a local folder of TSPLIB files
                   (plain or .gz) instead of the TSPLIB site";

const FETCH_HELP: &str = "usage: cargo xtask fetch-tsplib [NAMES…] [options]

Installs TSPLIB instances (with no NAMES, the default set of datasets/tsplib.toml) into
datasets/tsplib/, each checked by hopfield-opt's own loader and against the manifest's
fingerprint, written atomically. burma14 and ulysses22 are installed from the copies embedded
in hopfield-opt, without a download. A file already present and verified is left alone; one
that fails verification is moved aside (*.rejected). Partial files of an interrupted fetch are
removed.

options:
  --from DIR                copy from a local folder of TSPLIB files (plain or .gz) instead of
                            downloading from the canonical TSPLIB95 site
  --force                   replace files that are present and verified
  --max-inflated-mib N      the largest file accepted after decompression (default 64)";

const MERGE_HELP: &str = "usage: cargo xtask merge-shards [--out DIR] SHARD_DIR…

Assembles the record folders of every shard of one run (cargo xtask reproduce-tables
--shard K/N, for K = 1…N, same options and commit) into one record whose per-trial files are
byte-identical to an unsharded run's, and writes its report with the comparison against the
committed record.

options:
  --out DIR   the merged record folder, which must not exist (default target/reproduce/merged)";

const REPORT_HELP: &str = "usage: cargo xtask report [--record DIR] [--reference DIR]

Rebuilds REPORT.md and the figures of a record folder from its files alone.

options:
  --record DIR      the record folder (default target/reproduce/full)
  --reference DIR   the record to compare with at the end (default benchmarks/record/full;
                    no comparison when it is the record itself)";

const CI_HELP: &str = "usage: cargo xtask ci

Runs .ci/run: cargo fmt --check, clippy with warnings denied, rustdoc with warnings denied,
the dependency boundaries, the dataset fetch from the offline mirror, and the test suite.";

/// The committed record: the reference every run is compared with, never written by a run.
const REFERENCE: &str = "benchmarks/record/full";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str);
    let rest = args.get(1..).unwrap_or(&[]);
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        return help(task);
    }
    match task {
        Some("fetch-tsplib") => fetch_tsplib(rest),
        Some("reproduce-tables") => reproduce_tables(rest),
        Some("merge-shards") => merge_shards(rest),
        Some("report") => report(rest),
        Some("ci") if rest.is_empty() => ci(),
        Some("ci") => bail!("ci takes no options\n\n{CI_HELP}"),
        Some("help") => help(rest.first().map(String::as_str)),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
}

fn help(task: Option<&str>) -> anyhow::Result<()> {
    let text = match task {
        Some("fetch-tsplib") => FETCH_HELP,
        Some("reproduce-tables") => REPRODUCE_HELP,
        Some("merge-shards") => MERGE_HELP,
        Some("report") => REPORT_HELP,
        Some("ci") => CI_HELP,
        None | Some("help" | "-h" | "--help") => USAGE,
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
    };
    println!("{text}");
    Ok(())
}

fn project_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// The value of `--flag VALUE`.
fn value<'a>(it: &mut impl Iterator<Item = &'a String>, flag: &str) -> anyhow::Result<&'a str> {
    it.next()
        .map(String::as_str)
        .with_context(|| format!("{flag} needs a value"))
}

/// A path given on the command line, taken from where the command was run.
fn user_path(text: &str) -> anyhow::Result<PathBuf> {
    Ok(std::env::current_dir()?.join(text))
}

/// `path` made absolute and lexically normalized (`..` and `.` removed), without touching the
/// file system (the folder may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Refuses a record folder inside the committed records.
fn check_not_committed(out: &Path, root: &Path) -> anyhow::Result<()> {
    let committed = normalize(&root.join("benchmarks/record"));
    let out = normalize(out);
    if out.starts_with(&committed) {
        bail!(
            "refusing to write into {}: the committed record is the reference every run is \
             compared with, and runs write elsewhere (default target/reproduce/). To replace \
             the reference after a finished run, copy the run's folder over it by hand.",
            display_relative(&out, root)
        );
    }
    Ok(())
}

/// `cargo run --release -p hopfield-bench -- ARGS` from the workspace root, with cargo's
/// build progress visible.
fn run_bench(root: &Path, args: &[String]) -> anyhow::Result<ExitStatus> {
    eprintln!(
        "Building hopfield-bench in release (a few minutes the first time; cargo shows its \
         progress), then running it…"
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(&cargo)
        .args(["run", "--release", "-p", "hopfield-bench", "--"])
        .args(args)
        .current_dir(root)
        .status()
        .context("cannot start cargo")
}

/// Explains a failed bench run without suggesting a command that cannot work.
fn bench_failed(status: ExitStatus, resumable: bool) -> anyhow::Error {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if status.signal().is_some() && resumable {
            return anyhow::anyhow!(
                "hopfield-bench was interrupted ({status}); run the same command again to \
                 resume: finished trials are kept"
            );
        }
    }
    let _ = resumable;
    anyhow::anyhow!("hopfield-bench stopped with the error above ({status})")
}

/// The TSP instances of `benchmarks/tsp.toml` that are neither embedded nor given by path:
/// the ones to fetch.
fn instances_to_fetch(root: &Path, manifest: &tsplib::Manifest) -> anyhow::Result<Vec<String>> {
    let path = root.join("benchmarks/tsp.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let def: toml::Value =
        toml::from_str(&text).with_context(|| format!("malformed {}", path.display()))?;
    let mut names = Vec::new();
    for inst in def
        .get("instance")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = inst.get("name").and_then(toml::Value::as_str) else {
            continue;
        };
        let embedded = manifest
            .instances
            .iter()
            .any(|e| e.name == name && e.embedded.is_some());
        if inst.get("path").is_none() && !embedded {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

fn reproduce_tables(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    let mut bench_args: Vec<String> = Vec::new();
    let mut out = None;
    let mut from = None;
    let mut quick = false;
    let mut fresh = false;
    let mut only = None;
    let mut shard = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => {
                quick = true;
                bench_args.push(arg.clone());
            }
            "--fresh" => fresh = true,
            flag @ ("--trials" | "--seed") => {
                bench_args.extend([flag.to_string(), value(&mut it, flag)?.to_string()]);
            }
            "--shard" => {
                let text = value(&mut it, "--shard")?;
                let (k, n) = parse_shard(text)?;
                bench_args.extend(["--shard".to_string(), text.to_string()]);
                shard = Some((k, n));
            }
            "--only" => {
                let name = value(&mut it, "--only")?.to_string();
                bench_args.extend(["--only".to_string(), name.clone()]);
                only = Some(name);
            }
            "--out" => out = Some(user_path(value(&mut it, "--out")?)?),
            "--from" => from = Some(user_path(value(&mut it, "--from")?)?),
            other => bail!("unknown option {other:?}\n\n{REPRODUCE_HELP}"),
        }
    }
    let out = normalize(&out.unwrap_or_else(|| {
        let base = if quick { "quick" } else { "full" };
        let name = match shard {
            Some((k, n)) => format!("{base}-shard-{k}-of-{n}"),
            None => base.to_string(),
        };
        root.join("target/reproduce").join(name)
    }));
    check_not_committed(&out, &root)?;
    if fresh && out.exists() {
        if !out.join("run-options.json").exists() {
            bail!(
                "--fresh: {} holds no record; refusing to delete it",
                out.display()
            );
        }
        std::fs::remove_dir_all(&out)
            .with_context(|| format!("cannot delete {}", out.display()))?;
        eprintln!("--fresh: deleted {}", display_relative(&out, &root));
    }
    if only.as_deref().is_none_or(|o| o == "tsp") {
        prepare_tsp_instances(&root, from)?;
    }
    let mut run_args = vec![
        "run".to_string(),
        "--defs".into(),
        "benchmarks".into(),
        "--datasets".into(),
        "datasets/tsplib".into(),
        "--out".into(),
        display_relative(&out, &root),
        "--reference".into(),
        REFERENCE.into(),
    ];
    run_args.extend(bench_args);
    let status = run_bench(&root, &run_args)?;
    if !status.success() {
        return Err(bench_failed(status, true));
    }
    eprintln!(
        "done: {}/REPORT.md (its last section compares it with {REFERENCE})",
        display_relative(&out, &root)
    );
    Ok(())
}

fn parse_shard(text: &str) -> anyhow::Result<(usize, usize)> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.parse::<usize>().ok()?, n.parse::<usize>().ok()?)));
    match parsed {
        Some((k, n)) if k >= 1 && k <= n => Ok((k, n)),
        _ => bail!("--shard {text:?}: expected K/N with 1 ≤ K ≤ N, for example 2/8"),
    }
}

/// Fetches the TSP instances beyond the paper; a failure only warns (their rows are skipped).
fn prepare_tsp_instances(root: &Path, from: Option<PathBuf>) -> anyhow::Result<()> {
    let manifest = tsplib::Manifest::load(&root.join("datasets/tsplib.toml"))?;
    let names = instances_to_fetch(root, &manifest)?;
    if names.is_empty() {
        return Ok(());
    }
    let mut args = names.clone();
    if let Some(dir) = &from {
        args.extend(["--from".to_string(), dir.display().to_string()]);
    }
    if let Err(e) = fetch_tsplib(&args) {
        let list = names.join(" ");
        eprintln!(
            "warning: {e:#}\n\
             The rows of {list} will be skipped; the paper's tables (burma14 and ulysses22 are \
             embedded) run in full. To add the skipped rows later, run `cargo xtask \
             fetch-tsplib {list}` where the TSPLIB site is reachable, or `cargo xtask \
             fetch-tsplib --from DIR {list}` with DIR a folder holding the TSPLIB files (plain \
             or .gz), then this command again: finished rows are kept."
        );
    }
    Ok(())
}

fn merge_shards(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    let mut out = None;
    let mut shards = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => out = Some(user_path(value(&mut it, "--out")?)?),
            flag if flag.starts_with('-') => bail!("unknown option {flag:?}\n\n{MERGE_HELP}"),
            dir => shards.push(normalize(&user_path(dir)?)),
        }
    }
    if shards.is_empty() {
        bail!("no shard folders were given\n\n{MERGE_HELP}");
    }
    let out = normalize(&out.unwrap_or_else(|| root.join("target/reproduce/merged")));
    check_not_committed(&out, &root)?;
    let mut bench_args = vec![
        "merge".to_string(),
        "--out".into(),
        display_relative(&out, &root),
        "--reference".into(),
        REFERENCE.into(),
    ];
    bench_args.extend(shards.iter().map(|s| display_relative(s, &root)));
    let status = run_bench(&root, &bench_args)?;
    if !status.success() {
        return Err(bench_failed(status, false));
    }
    Ok(())
}

fn report(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    let mut record = root.join("target/reproduce/full");
    let mut reference = root.join(REFERENCE);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--record" => record = user_path(value(&mut it, "--record")?)?,
            "--reference" => reference = user_path(value(&mut it, "--reference")?)?,
            other => bail!("unknown option {other:?}\n\n{REPORT_HELP}"),
        }
    }
    let record = normalize(&record);
    if !record.join("run-options.json").exists() {
        bail!(
            "{} is not a record folder (run `cargo xtask reproduce-tables` first, or give \
             --record DIR)",
            display_relative(&record, &root)
        );
    }
    let status = run_bench(
        &root,
        &[
            "report".into(),
            "--record".into(),
            display_relative(&record, &root),
            "--reference".into(),
            display_relative(&normalize(&reference), &root),
        ],
    )?;
    if !status.success() {
        return Err(bench_failed(status, false));
    }
    Ok(())
}

fn fetch_tsplib(args: &[String]) -> anyhow::Result<()> {
    let mut names = Vec::new();
    let mut from = None;
    let mut force = false;
    let mut max_inflated_mib = tsplib::DEFAULT_MAX_INFLATED_MIB;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--from" => from = Some(user_path(value(&mut it, "--from")?)?),
            "--force" => force = true,
            "--max-inflated-mib" => {
                let text = value(&mut it, "--max-inflated-mib")?;
                max_inflated_mib = text
                    .parse::<u64>()
                    .ok()
                    .filter(|&m| (1..=1 << 20).contains(&m))
                    .with_context(|| {
                        format!("--max-inflated-mib {text:?}: expected MiB from 1 to 1048576")
                    })?;
            }
            flag if flag.starts_with('-') => bail!("unknown option {flag:?}\n\n{FETCH_HELP}"),
            name => names.push(name.to_string()),
        }
    }
    let root = project_root();
    let manifest = tsplib::Manifest::load(&root.join("datasets/tsplib.toml"))?;
    let source = match from {
        Some(dir) => {
            if !dir.is_dir() {
                bail!("mirror directory {} does not exist", dir.display());
            }
            tsplib::Source::Mirror(dir)
        }
        None => tsplib::Source::Download,
    };
    let dest = root.join("datasets/tsplib");
    let options = tsplib::Options {
        source,
        force,
        max_inflated: max_inflated_mib << 20,
        root: root.clone(),
    };
    let report = tsplib::fetch(&manifest, &names, &options, &dest)?;
    for line in &report.done {
        eprintln!("{line}");
    }
    if !report.failed.is_empty() {
        bail!(
            "{} instance(s) failed (nothing partial was left in {}):\n  {}{}",
            report.failed.len(),
            display_relative(&dest, &root),
            report.failed.join("\n  "),
            offline_hint(&options.source)
        );
    }
    eprintln!("datasets ready in {}", display_relative(&dest, &root));
    Ok(())
}

fn offline_hint(source: &tsplib::Source) -> &'static str {
    match source {
        tsplib::Source::Download => {
            "\nOffline? Copy them from a local folder of TSPLIB files (plain or .gz) instead: \
             cargo xtask fetch-tsplib --from DIR"
        }
        tsplib::Source::Mirror(_) => "",
    }
}

fn display_relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn ci() -> anyhow::Result<()> {
    let status = Command::new("bash")
        .arg(".ci/run")
        .current_dir(project_root())
        .status()
        .context("cannot start bash .ci/run")?;
    if !status.success() {
        bail!(".ci/run failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_record_is_never_an_output() {
        let root = Path::new("/w");
        assert!(check_not_committed(Path::new("/w/benchmarks/record/full"), root).is_err());
        assert!(check_not_committed(Path::new("/w/target/../benchmarks/record/x"), root).is_err());
        check_not_committed(Path::new("/w/target/reproduce/full"), root).unwrap();
        check_not_committed(Path::new("/w/benchmarks/recordings"), root).unwrap();
    }

    #[test]
    fn every_task_has_help_and_shards_parse() {
        for task in [
            "fetch-tsplib",
            "reproduce-tables",
            "merge-shards",
            "report",
            "ci",
        ] {
            help(Some(task)).unwrap();
        }
        assert!(help(Some("nope")).is_err());
        assert_eq!(parse_shard("2/3").unwrap(), (2, 3));
        assert!(parse_shard("0/3").is_err() && parse_shard("4/3").is_err());
    }

    #[test]
    fn only_the_instances_beyond_the_paper_are_fetched() {
        let root = project_root();
        let m = tsplib::Manifest::load(&root.join("datasets/tsplib.toml")).unwrap();
        assert_eq!(
            instances_to_fetch(&root, &m).unwrap(),
            ["eil51", "berlin52", "eil76"]
        );
    }
}
