//! `cargo xtask`: project automation for hopfield-rs.
//!
//! Tasks:
//! - `ci`: runs `.ci/run` (formatting, lints, dependency boundaries, tests).
//! - `fetch-tsplib`, `reproduce-tables`, `report`: the dataset and report tasks. They are
//!   specified in the hopfield-bench issue and are not available yet; they say so and fail.
#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci                 run .ci/run: fmt, clippy, dependency boundaries, tests
  fetch-tsplib       download and verify TSPLIB instances (not available yet)
  reproduce-tables   reproduce the papers' tables (not available yet)
  report             rebuild the report from a record (not available yet)";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some(task @ ("fetch-tsplib" | "reproduce-tables" | "report")) => bail!(
            "`cargo xtask {task}` is not available yet: it arrives with hopfield-bench \
             (the learning rules and problem encoders it drives are not implemented yet)"
        ),
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
