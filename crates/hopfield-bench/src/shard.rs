//! Shards: one run split into `N` independent runs (for example the tasks of a cluster job
//! array), and [`merge`], which assembles their records into the record of an unsharded run.
//!
//! Shard `K/N` runs trial `t` of every cell when `t % N == K − 1`, with the seed the unsharded
//! run gives that trial, so its rows are exactly the unsharded rows it owns. Only shard 1 runs
//! the memory tables and the capacity section (they are not made of trials) and the readings
//! study (each of its stages depends on the results of the one before). [`merge`] checks that every shard finished,
//! ran the same commit, options and definitions, then interleaves the rows cell by cell in
//! trial order: the per-trial files of the merged record are byte-identical to those of an
//! unsharded run.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use serde::{Deserialize, Serialize};

use crate::meta::{self, Meta};
use crate::{Progress, RunOptions, TABLES};

/// Shard `index` of `count` (1-based, `1 ≤ index ≤ count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// `K`, from 1.
    pub index: usize,
    /// `N`, at least 1.
    pub count: usize,
}

impl Shard {
    /// The whole run (`1/1`).
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `K/N`.
    pub fn parse(text: &str) -> anyhow::Result<Shard> {
        let bad = || anyhow!("--shard {text:?}: expected K/N with 1 ≤ K ≤ N, for example 2/8");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard runs `trial`.
    pub fn owns(self, trial: usize) -> bool {
        trial % self.count == self.index - 1
    }

    /// The trial index of this shard's `k`-th trial of a cell.
    pub fn trial(self, k: usize) -> usize {
        k * self.count + (self.index - 1)
    }

    /// How many of the trials `0..n_trials` this shard runs.
    pub fn count_of(self, n_trials: usize) -> usize {
        n_trials.saturating_sub(self.index - 1).div_ceil(self.count)
    }

    /// `" in shard K/N"`, or nothing for the whole run.
    pub(crate) fn describe_for_errors(self) -> String {
        if self == Shard::ALL {
            String::new()
        } else {
            format!(" in shard {self}")
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Tables made of per-trial rows (`NAME.jsonl`, `NAME.times.jsonl`).
const TRIAL_TABLES: [&str; 3] = ["tsp", "queens", "hitchcock"];

/// Files every shard computes in full; they must agree.
const SHARED_FILES: [&str; 2] = ["tsp.references.json", "hitchcock.optima.json"];

/// Files of the memory tables, the readings study and the capacity section, written by shard
/// 1 only.
const SHARD1_FILES: [&str; 10] = [
    "memory.json",
    "capacity.json",
    "figures/recall-panel.png",
    "readings.references.json",
    "readings-tsp.jsonl",
    "readings-tsp.times.jsonl",
    "readings-queens.jsonl",
    "readings-queens.times.jsonl",
    "readings-hitchcock.jsonl",
    "readings-hitchcock.times.jsonl",
];

/// The cell and trial of a row, parsed from its line (the line itself is kept as is).
#[derive(Deserialize)]
struct Key {
    cell: String,
    trial: usize,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// One shard's record.
struct ShardRecord {
    dir: PathBuf,
    shard: Shard,
    options: RunOptions,
    meta: Meta,
    progress: Progress,
}

impl ShardRecord {
    fn open(dir: &Path) -> anyhow::Result<Self> {
        let options: RunOptions = serde_json::from_str(&read(&dir.join("run-options.json"))?)
            .with_context(|| format!("{} is not a record folder", dir.display()))?;
        let meta: Meta = serde_json::from_str(&read(&dir.join("meta.json"))?)?;
        let progress = Progress::read(dir)?;
        Ok(ShardRecord {
            dir: dir.to_path_buf(),
            shard: options.shard.unwrap_or(Shard::ALL),
            options,
            meta,
            progress,
        })
    }
}

/// Interleaves the row lines of `file` from every shard (`shards[k]` is shard `k + 1`) cell by
/// cell in trial order, checking that each trial comes once, from the shard that owns it.
fn merge_rows(shards: &[ShardRecord], file: &str) -> anyhow::Result<String> {
    let mut order: Vec<String> = Vec::new();
    let mut cells: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    for s in shards {
        let path = s.dir.join(file);
        let text = read(&path)?;
        for (idx, line) in text.lines().enumerate() {
            let key: Key = serde_json::from_str(line)
                .with_context(|| format!("{}:{}: malformed row", path.display(), idx + 1))?;
            if !s.shard.owns(key.trial) {
                bail!(
                    "{}:{}: trial {} of {} does not belong to shard {}",
                    path.display(),
                    idx + 1,
                    key.trial,
                    key.cell,
                    s.shard
                );
            }
            if !cells.contains_key(&key.cell) {
                // Shard 1 owns trial 0 of every cell, so it lists every cell in run order.
                if s.shard.index != 1 {
                    bail!(
                        "{}: cell {} has rows in shard {} but none in shard 1",
                        path.display(),
                        key.cell,
                        s.shard
                    );
                }
                order.push(key.cell.clone());
            }
            cells
                .entry(key.cell)
                .or_default()
                .push((key.trial, line.to_string()));
        }
    }
    let mut merged = String::new();
    for cell in &order {
        let mut rows = cells.remove(cell).unwrap_or_default();
        rows.sort_by_key(|r| r.0);
        for (k, (trial, line)) in rows.iter().enumerate() {
            if *trial != k {
                bail!(
                    "{file}: cell {cell} has no trial {k} in any shard (a shard is incomplete \
                     or from another run)"
                );
            }
            merged.push_str(line);
            merged.push('\n');
        }
    }
    Ok(merged)
}

/// Concatenates the wall times of every shard, cell by cell (they are not reproducible and
/// not compared; a trial timed twice after a resume keeps its last time).
fn merge_times(shards: &[ShardRecord], file: &str) -> anyhow::Result<String> {
    let mut order: Vec<String> = Vec::new();
    let mut cells: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    for s in shards {
        let path = s.dir.join(file);
        if !path.exists() {
            continue;
        }
        for line in read(&path)?.lines() {
            let Ok(key) = serde_json::from_str::<Key>(line) else {
                continue;
            };
            if !cells.contains_key(&key.cell) {
                order.push(key.cell.clone());
            }
            let rows = cells.entry(key.cell).or_default();
            rows.retain(|r| r.0 != key.trial);
            rows.push((key.trial, line.to_string()));
        }
    }
    let mut merged = String::new();
    for cell in &order {
        let mut rows = cells.remove(cell).unwrap_or_default();
        rows.sort_by_key(|r| r.0);
        for (_, line) in rows {
            merged.push_str(&line);
            merged.push('\n');
        }
    }
    Ok(merged)
}

/// Assembles the shard records in `shard_dirs` (any order) into the record folder `out`, which
/// must not exist yet. Returns the merged record's provenance.
pub fn merge(shard_dirs: &[PathBuf], out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} already exists; merge into a new folder", out.display());
    }
    let mut shards = shard_dirs
        .iter()
        .map(|d| ShardRecord::open(d))
        .collect::<anyhow::Result<Vec<_>>>()?;
    shards.sort_by_key(|s| s.shard.index);
    let first = shards
        .first()
        .ok_or_else(|| anyhow!("no shard folders were given"))?;
    let count = first.shard.count;
    if shards.len() != count
        || shards.iter().enumerate().any(|(k, s)| {
            s.shard
                != Shard {
                    index: k + 1,
                    count,
                }
        })
    {
        let got: Vec<String> = shards.iter().map(|s| s.shard.to_string()).collect();
        bail!(
            "expected the {count} shards 1/{count} … {count}/{count} exactly once, got {}",
            got.join(", ")
        );
    }
    let mut options = first.options.clone();
    options.shard = None;
    for s in &shards {
        let mut o = s.options.clone();
        o.shard = None;
        if o != options {
            bail!(
                "shard {} ({}) ran other options than shard 1: {o:?} vs {options:?}",
                s.shard,
                s.dir.display()
            );
        }
        if s.meta.commit != first.meta.commit || s.meta.changes != first.meta.changes {
            bail!(
                "shard {} ({}) ran commit {} but shard 1 ran {}: shards of one record must run \
                 the same code",
                s.shard,
                s.dir.display(),
                s.meta.commit.as_deref().unwrap_or("unknown"),
                first.meta.commit.as_deref().unwrap_or("unknown")
            );
        }
        if s.progress.finished != first.progress.finished {
            bail!(
                "shard {} ({}) finished {:?} but shard 1 finished {:?}: resume the unfinished \
                 shard with its own command, then merge again",
                s.shard,
                s.dir.display(),
                s.progress.finished,
                first.progress.finished
            );
        }
        if s.progress.finished.len() != TABLES.len() {
            let missing: Vec<&str> = TABLES
                .iter()
                .filter(|t| !s.progress.finished.iter().any(|f| f == *t))
                .copied()
                .collect();
            bail!(
                "shard {} ({}) has not finished {}: resume it with its own command, then merge \
                 again",
                s.shard,
                s.dir.display(),
                missing.join(", ")
            );
        }
    }
    for table in TABLES {
        let file = format!("definitions/{table}.toml");
        let text = read(&first.dir.join(&file))?;
        for s in &shards[1..] {
            if read(&s.dir.join(&file))? != text {
                bail!("shard {} ran another {file} than shard 1", s.shard);
            }
        }
    }
    for file in SHARED_FILES {
        let text = read(&first.dir.join(file))?;
        for s in &shards[1..] {
            if read(&s.dir.join(file))? != text {
                bail!(
                    "shard {} has another {file} than shard 1 (one of them could not read an \
                     instance?)",
                    s.shard
                );
            }
        }
    }

    let tmp = out.with_extension("merging");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("cannot remove {}", tmp.display()))?;
    }
    std::fs::create_dir_all(tmp.join("definitions"))?;
    std::fs::create_dir_all(tmp.join("figures"))?;
    for table in TABLES {
        let file = format!("definitions/{table}.toml");
        std::fs::copy(first.dir.join(&file), tmp.join(&file))?;
    }
    for file in SHARED_FILES.iter().chain(&SHARD1_FILES) {
        std::fs::copy(first.dir.join(file), tmp.join(file))
            .with_context(|| format!("cannot copy {file} of shard 1"))?;
    }
    for table in TRIAL_TABLES {
        let rows = merge_rows(&shards, &format!("{table}.jsonl"))?;
        std::fs::write(tmp.join(format!("{table}.jsonl")), rows)?;
        let times = merge_times(&shards, &format!("{table}.times.jsonl"))?;
        std::fs::write(tmp.join(format!("{table}.times.jsonl")), times)?;
    }
    std::fs::write(
        tmp.join("run-options.json"),
        serde_json::to_string_pretty(&options)?,
    )?;
    let mut merged_meta = first.meta.clone();
    merged_meta.command = std::env::args().collect::<Vec<_>>().join(" ");
    std::fs::write(
        tmp.join("meta.json"),
        serde_json::to_string_pretty(&merged_meta)?,
    )?;
    first.progress.write(&tmp)?;
    for s in &shards {
        let mut sessions = meta::read_sessions(&s.dir)?;
        if sessions.is_empty() {
            sessions.push(s.meta.session(Some(s.shard.to_string())));
        }
        for session in &sessions {
            meta::append_session(&tmp, session)?;
        }
    }
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), out.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_trials() {
        let n = 10;
        for count in 1..5 {
            let mut seen = vec![0; n];
            for index in 1..=count {
                let s = Shard { index, count };
                let mine: Vec<usize> = (0..s.count_of(n)).map(|k| s.trial(k)).collect();
                assert!(mine.iter().all(|&t| t < n && s.owns(t)));
                for t in mine {
                    seen[t] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "{count}: {seen:?}");
        }
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Shard::parse("2/3").unwrap().to_string(), "2/3");
    }
}
