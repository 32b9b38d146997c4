//! What a record folder says about how it was made: host, toolchain, commit, command, and the
//! sessions that wrote it.
//!
//! `meta.json` describes the session that started the record and is never rewritten. Every
//! session (the first, each resume, each shard of a merged record) appends one line to
//! `sessions.jsonl`. A record is resumed only from the code that started it (same commit, same
//! uncommitted changes): rows of two versions of the code are never mixed in one record.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

/// The provenance of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The exact command line.
    pub command: String,
    /// `git rev-parse HEAD` (with `-dirty` when tracked files outside `benchmarks/record`
    /// have changes), if available.
    pub commit: Option<String>,
    /// A fingerprint of the uncommitted changes of a `-dirty` commit (FNV-1a of `git diff`),
    /// so a resume with other changes is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
    /// `rustc -V` of the toolchain on the path, if available.
    pub rustc: Option<String>,
    /// Host name, CPU model and logical CPU count.
    pub host: String,
    /// Worker threads used.
    pub threads: usize,
    /// The crate version.
    pub version: String,
}

/// One session that wrote rows into a record: a run, a resume, or one shard of a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The command line.
    pub command: String,
    /// The commit (as in [`Meta::commit`]).
    pub commit: Option<String>,
    /// Host name, CPU model and logical CPU count.
    pub host: String,
    /// Worker threads.
    pub threads: usize,
    /// The shard (`K/N`) this session ran, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Paths whose changes do not make the code dirty (records themselves).
const NOT_CODE: &str = ":!benchmarks/record";

impl Meta {
    /// Collects the provenance of the current process.
    pub fn collect() -> Meta {
        let mut changes = None;
        let commit = output("git", &["rev-parse", "HEAD"]).map(|rev| {
            let diff = output("git", &["diff", "HEAD", "--", ".", NOT_CODE]);
            match diff {
                Some(diff) => {
                    changes = Some(format!("{:016x}", crate::runner::fnv1a(&diff)));
                    format!("{rev}-dirty")
                }
                None => rev,
            }
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
            changes,
            rustc: output("rustc", &["-V"]),
            host: format!("{host}, {cpu}, {cpus} logical CPUs"),
            threads: rayon::current_num_threads(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// This process as a session of a record.
    pub fn session(&self, shard: Option<String>) -> Session {
        Session {
            command: self.command.clone(),
            commit: self.commit.clone(),
            host: self.host.clone(),
            threads: self.threads,
            shard,
        }
    }

    /// Refuses to add rows from this code to a record started by `started`: a resume must
    /// run the same commit with the same uncommitted changes.
    pub fn check_resume(&self, started: &Meta, record: &Path) -> anyhow::Result<()> {
        let name = |m: &Meta| {
            m.commit
                .clone()
                .unwrap_or_else(|| "an unknown commit".into())
        };
        if started.commit != self.commit || started.changes != self.changes {
            let detail = if started.commit == self.commit {
                " (the same commit with other uncommitted changes)".to_string()
            } else {
                String::new()
            };
            bail!(
                "{} was started from {} and this is {}{detail}; a record never mixes rows of \
                 two versions of the code. Start a new record instead (another --out folder, \
                 or `cargo xtask reproduce-tables --fresh` to replace the default one), or go \
                 back to the code that started it to finish it.",
                record.display(),
                name(started),
                name(self),
            );
        }
        Ok(())
    }
}

/// Appends `session` to `record/sessions.jsonl`.
pub fn append_session(record: &Path, session: &Session) -> anyhow::Result<()> {
    use std::io::Write as _;
    let path = record.join("sessions.jsonl");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    writeln!(file, "{}", serde_json::to_string(session)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The sessions of a record (none for records made before sessions were logged).
pub fn read_sessions(record: &Path) -> anyhow::Result<Vec<Session>> {
    let path = record.join("sessions.jsonl");
    if !path.exists() {
        return Ok(Vec::new());
    }
    crate::record::read_lines(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(commit: &str, changes: Option<&str>) -> Meta {
        Meta {
            command: "run".into(),
            commit: Some(commit.into()),
            changes: changes.map(Into::into),
            rustc: None,
            host: "h".into(),
            threads: 1,
            version: "0".into(),
        }
    }

    #[test]
    fn resuming_across_commits_or_changes_is_refused() {
        let here = Path::new("rec");
        meta("a", None)
            .check_resume(&meta("a", None), here)
            .unwrap();
        let e = meta("b", None)
            .check_resume(&meta("a", None), here)
            .unwrap_err()
            .to_string();
        assert!(e.contains("started from a and this is b"), "{e}");
        let e = meta("a-dirty", Some("2"))
            .check_resume(&meta("a-dirty", Some("1")), here)
            .unwrap_err()
            .to_string();
        assert!(e.contains("other uncommitted changes"), "{e}");
    }

    #[test]
    fn sessions_are_appended() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_sessions(dir.path()).unwrap().is_empty());
        let s = meta("a", None).session(Some("1/2".into()));
        append_session(dir.path(), &s).unwrap();
        append_session(dir.path(), &s).unwrap();
        assert_eq!(read_sessions(dir.path()).unwrap(), vec![s.clone(), s]);
    }
}
