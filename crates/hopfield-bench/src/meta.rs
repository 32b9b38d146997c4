//! What a record folder says about how it was made: host, toolchain, commit, command.

use std::process::Command;

use serde::{Deserialize, Serialize};

/// The provenance of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The exact command line.
    pub command: String,
    /// `git rev-parse HEAD` (with `-dirty` when tracked files outside `benchmarks/record`
    /// have changes), if available.
    pub commit: Option<String>,
    /// `rustc -V` of the toolchain on the path, if available.
    pub rustc: Option<String>,
    /// Host name, CPU model and logical CPU count.
    pub host: String,
    /// Worker threads used.
    pub threads: usize,
    /// The crate version.
    pub version: String,
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

impl Meta {
    /// Collects the provenance of the current process.
    pub fn collect() -> Meta {
        let commit = output("git", &["rev-parse", "HEAD"]).map(|rev| {
            // Changes to records themselves do not make the code dirty.
            let dirty = output(
                "git",
                &[
                    "status",
                    "--porcelain",
                    "--untracked-files=no",
                    "--",
                    ".",
                    ":!benchmarks/record",
                ],
            )
            .is_some();
            if dirty { format!("{rev}-dirty") } else { rev }
        });
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let host = output("hostname", &[]).unwrap_or_else(|| "unknown host".into());
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Meta {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            commit,
            rustc: output("rustc", &["-V"]),
            host: format!("{host}, {cpu}, {cpus} logical CPUs"),
            threads: rayon::current_num_threads(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}
