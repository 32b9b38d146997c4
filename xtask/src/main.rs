//! `cargo xtask`: project automation for hopfield-rs.
//!
//! Tasks:
//! - `fetch-tsplib [NAMES…] [--from DIR] [--force]`: installs verified TSPLIB instances into
//!   `datasets/tsplib/` from the canonical site or a local mirror (see `tsplib.rs`).
//! - `ci`: runs `.ci/run` (formatting, lints, dependency boundaries, tests).
//! - `reproduce-tables`, `report`: not available yet; they say so and fail.
#![allow(clippy::print_stderr, clippy::print_stdout)]

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
  ci                 run .ci/run: fmt, clippy, dependency boundaries, tests
  reproduce-tables   reproduce the papers' tables (not available yet)
  report             rebuild the report from a record (not available yet)";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fetch-tsplib") => fetch_tsplib(&args[1..]),
        Some("ci") => ci(),
        Some(task @ ("reproduce-tables" | "report")) => {
            bail!("`cargo xtask {task}` is not available yet: it arrives with hopfield-bench")
        }
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
