//! `cargo xtask`: project automation for hopfield-rs.
//!
//! Tasks:
//! - `fetch-tsplib [NAMES…] [--from DIR] [--force]`: installs verified TSPLIB instances into
//!   `datasets/tsplib/` from the canonical site or a local mirror (see `tsplib.rs`).
//! - `reproduce-tables [--quick] [--only NAME] [--trials N] [--seed S] [--out DIR] [--from DIR]`:
//!   fetches missing TSPLIB data, builds hopfield-bench in release and runs every experiment of
//!   `benchmarks/*.toml` into a record folder with its report.
//! - `report [--record DIR]`: rebuilds the report of a record folder.
//! - `ci`: runs `.ci/run` (formatting, lints, dependency boundaries, tests).
#![allow(clippy::print_stderr, clippy::print_stdout)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod tsplib;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  fetch-tsplib [NAMES…] [--from DIR] [--force]
                     install verified TSPLIB instances into datasets/tsplib/, downloaded from
                     the canonical TSPLIB95 site or copied from a mirror DIR (plain or .gz);
                     with no NAMES, the default set of datasets/tsplib.toml
  reproduce-tables [--quick] [--only NAME] [--trials N] [--seed S] [--out DIR] [--from DIR]
                     reproduce the papers' tables: fetch TSPLIB data if missing (from DIR
                     when given), build hopfield-bench in release, run benchmarks/*.toml into
                     a record folder (default benchmarks/record/full, or
                     target/record-quick with --quick; an interrupted run resumes) and write
                     its REPORT.md
  report [--record DIR]
                     rebuild REPORT.md and the figures of a record folder
                     (default benchmarks/record/full)
  ci                 run .ci/run: fmt, clippy, dependency boundaries, tests";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fetch-tsplib") => fetch_tsplib(&args[1..]),
        Some("ci") => ci(),
        Some("reproduce-tables") => reproduce_tables(&args[1..]),
        Some("report") => report(&args[1..]),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
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

fn reproduce_tables(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    let mut bench_args: Vec<String> = Vec::new();
    let mut out = None;
    let mut from = None;
    let mut quick = false;
    let mut only = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => {
                quick = true;
                bench_args.push(arg.clone());
            }
            flag @ ("--trials" | "--seed") => {
                bench_args.extend([flag.to_string(), value(&mut it, flag)?.to_string()]);
            }
            "--only" => {
                let name = value(&mut it, "--only")?.to_string();
                bench_args.extend(["--only".to_string(), name.clone()]);
                only = Some(name);
            }
            "--out" => out = Some(std::env::current_dir()?.join(value(&mut it, "--out")?)),
            "--from" => from = Some(PathBuf::from(value(&mut it, "--from")?)),
            other => bail!("unknown option {other:?}\n\n{USAGE}"),
        }
    }
    let out = out.unwrap_or_else(|| {
        if quick {
            root.join("target/record-quick")
        } else {
            root.join("benchmarks/record/full")
        }
    });
    if only
        .as_deref()
        .is_none_or(|o| o == "tsp" || o == "readings")
    {
        let mut fetch_args: Vec<String> = Vec::new();
        if let Some(dir) = &from {
            fetch_args.extend(["--from".to_string(), dir.display().to_string()]);
        }
        if let Err(e) = fetch_tsplib(&fetch_args) {
            eprintln!(
                "warning: TSPLIB data is not ready, so the TSP table will be skipped:\n{e:#}\n\
                 Fix: `cargo xtask fetch-tsplib` (offline: `cargo xtask fetch-tsplib --from \
                 ../shared/datasets/tsplib`), then run this command again; finished tables are \
                 not recomputed."
            );
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "hopfield-bench",
            "--",
            "run",
        ])
        .arg("--defs")
        .arg(root.join("benchmarks"))
        .arg("--datasets")
        .arg(root.join("datasets/tsplib"))
        .arg("--out")
        .arg(&out)
        .args(&bench_args)
        .current_dir(&root)
        .status()
        .context("cannot start cargo")?;
    if !status.success() {
        bail!("hopfield-bench failed ({status}); run the same command again to resume");
    }
    Ok(())
}

fn report(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    let record = match args {
        [] => root.join("benchmarks/record/full"),
        [flag, dir] if flag == "--record" => std::env::current_dir()?.join(dir),
        _ => bail!("usage: cargo xtask report [--record DIR]"),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "hopfield-bench",
            "--",
            "report",
            "--record",
        ])
        .arg(&record)
        .current_dir(&root)
        .status()
        .context("cannot start cargo")?;
    if !status.success() {
        bail!("hopfield-bench report failed ({status})");
    }
    Ok(())
}

fn fetch_tsplib(args: &[String]) -> anyhow::Result<()> {
    let mut names = Vec::new();
    let mut from = None;
    let mut force = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--from" => {
                let dir = it.next().context("--from needs a directory")?;
                from = Some(PathBuf::from(dir));
            }
            "--force" => force = true,
            flag if flag.starts_with('-') => bail!("unknown option {flag:?}\n\n{USAGE}"),
            name => names.push(name.to_string()),
        }
    }
    let root = project_root();
    let manifest = tsplib::Manifest::load(&root.join("datasets/tsplib.toml"))?;
    let source = match from {
        // A relative mirror path is taken from where the command was run.
        Some(dir) => {
            let dir = std::env::current_dir()?.join(dir);
            if !dir.is_dir() {
                bail!("mirror directory {} does not exist", dir.display());
            }
            tsplib::Source::Mirror(dir)
        }
        None => tsplib::Source::Download,
    };
    let dest = root.join("datasets/tsplib");
    let report = tsplib::fetch(&manifest, &names, &source, &dest, force)?;
    for line in &report.done {
        eprintln!("{line}");
    }
    if !report.failed.is_empty() {
        bail!(
            "{} instance(s) failed (no partial file was left in {}):\n  {}{}",
            report.failed.len(),
            dest.display(),
            report.failed.join("\n  "),
            offline_hint(&source)
        );
    }
    eprintln!("datasets ready in {}", display_relative(&dest, &root));
    Ok(())
}

fn offline_hint(source: &tsplib::Source) -> &'static str {
    match source {
        tsplib::Source::Download => {
            "\nOffline? Copy from a local mirror instead: \
             cargo xtask fetch-tsplib --from ../shared/datasets/tsplib"
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
