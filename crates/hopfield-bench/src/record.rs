//! Record folders: per-trial rows as JSON lines, written in a fixed order so that the same seed
//! gives byte-identical files whatever the thread count, and resumable after an interruption.
//!
//! A table `NAME` of a record folder is `NAME.jsonl`: one row per trial, cells in the order the
//! experiment declares them and trials in index order within a cell. Each line is
//! `{"cell": …, "trial": …, "row": {…}}`; the trial's seed is not stored, as it is
//! [`trial_seed`](crate::runner::trial_seed)`(base_seed, cell, trial)`. Wall times are not part
//! of rows (they differ between runs); they go to `NAME.times.jsonl`.
//!
//! Rows are appended chunk by chunk as trials finish. When a run is interrupted, the next run
//! reads the complete lines back, drops a trailing partial line, and continues each cell from
//! its first missing trial.
//!
//! A shard `K/N` of a run ([`Shard`]) writes the same lines for the trials it owns
//! (`trial % N == K − 1`), so merging the shards' lines cell by cell in trial order gives the
//! file of an unsharded run byte for byte ([`crate::shard::merge`]).
//!
//! Every reader of finished records ([`read_text`], [`read_lines`]) also accepts a file stored
//! gzip-compressed beside its name (`NAME.jsonl.gz`): the committed reference record keeps its
//! files over 1 MiB that way.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::shard::Shard;

/// One line of a table file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line<R> {
    /// The cell (for example `burma14/tunnel`).
    pub cell: String,
    /// The trial index within the cell.
    pub trial: usize,
    /// What the trial measured.
    pub row: R,
}

/// The wall time of one trial (kept apart from the rows, which must be reproducible).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeLine {
    /// The cell.
    pub cell: String,
    /// The trial index.
    pub trial: usize,
    /// Seconds.
    pub seconds: f64,
}

/// A table file being written: the rows already present and an append handle.
#[derive(Debug)]
pub struct Table<R> {
    path: PathBuf,
    shard: Shard,
    file: File,
    times: File,
    rows: HashMap<String, Vec<Line<R>>>,
    /// Cells in the order they first appear (in the file, then in appends).
    order: Vec<String>,
}

impl<R: Serialize + DeserializeOwned + Clone> Table<R> {
    /// Opens (or creates) table `name` in `dir` for the trials of `shard`, reading back the
    /// rows a previous run wrote.
    pub fn open(dir: &Path, name: &str, shard: Shard) -> anyhow::Result<Self> {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("{name}.jsonl"));
        let mut rows: HashMap<String, Vec<Line<R>>> = HashMap::new();
        let mut order = Vec::new();
        let mut keep_bytes = 0u64;
        if path.exists() {
            let reader = BufReader::new(
                File::open(&path).with_context(|| format!("cannot read {}", path.display()))?,
            );
            for (idx, line) in reader.split(b'\n').enumerate() {
                let line = line.with_context(|| format!("cannot read {}", path.display()))?;
                match serde_json::from_slice::<Line<R>>(&line) {
                    Ok(parsed) => {
                        if !rows.contains_key(&parsed.cell) {
                            order.push(parsed.cell.clone());
                        }
                        let cell = rows.entry(parsed.cell.clone()).or_default();
                        let expected = shard.trial(cell.len());
                        if parsed.trial != expected {
                            bail!(
                                "{}:{}: trial {} of cell {} is out of order (expected {expected}{}); \
                                 start over in a fresh record folder",
                                path.display(),
                                idx + 1,
                                parsed.trial,
                                parsed.cell,
                                shard.describe_for_errors(),
                            );
                        }
                        cell.push(parsed);
                        keep_bytes += line.len() as u64 + 1;
                    }
                    // A partial last line from an interrupted run: dropped below.
                    Err(_) => break,
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.set_len(keep_bytes)
            .with_context(|| format!("cannot truncate {}", path.display()))?;
        let times_path = dir.join(format!("{name}.times.jsonl"));
        let times = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&times_path)
            .with_context(|| format!("cannot open {}", times_path.display()))?;
        Ok(Table {
            path,
            shard,
            file,
            times,
            rows,
            order,
        })
    }

    /// The shard whose trials this table holds.
    pub fn shard(&self) -> Shard {
        self.shard
    }

    /// Rows already recorded for `cell`, in trial order.
    pub fn rows(&self, cell: &str) -> &[Line<R>] {
        self.rows.get(cell).map_or(&[], Vec::as_slice)
    }

    /// Appends trials (which must continue `cell` in order) and flushes them to disk.
    pub fn append(&mut self, cell: &str, lines: Vec<(Line<R>, f64)>) -> anyhow::Result<()> {
        if !self.rows.contains_key(cell) {
            self.order.push(cell.to_string());
        }
        let existing = self.rows.entry(cell.to_string()).or_default();
        let mut text = String::new();
        let mut times = String::new();
        for (k, (line, seconds)) in lines.iter().enumerate() {
            if line.cell != cell || line.trial != self.shard.trial(existing.len() + k) {
                bail!(
                    "internal error: trial {} of {cell} appended out of order",
                    line.trial
                );
            }
            text.push_str(&serde_json::to_string(line)?);
            text.push('\n');
            times.push_str(&serde_json::to_string(&TimeLine {
                cell: cell.to_string(),
                trial: line.trial,
                seconds: *seconds,
            })?);
            times.push('\n');
        }
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.flush())
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.times.write_all(times.as_bytes())?;
        existing.extend(lines.into_iter().map(|(line, _)| line));
        Ok(())
    }
}

impl<R: Serialize + DeserializeOwned + Clone> Table<R> {
    /// Rewrites the table cell by cell (cells in the order they first appeared, each in trial
    /// order), atomically. When a resumed run raises the trial count, its chunks interleave
    /// cells; this restores the order a single run writes, so the file is the same byte for byte.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        let mut text = String::new();
        for cell in &self.order {
            for line in self.rows(cell) {
                text.push_str(&serde_json::to_string(line)?);
                text.push('\n');
            }
        }
        let tmp = self.path.with_extension("jsonl.partial");
        fs::write(&tmp, &text)
            .and_then(|()| fs::rename(&tmp, &self.path))
            .with_context(|| format!("cannot rewrite {}", self.path.display()))?;
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .with_context(|| format!("cannot open {}", self.path.display()))?;
        Ok(())
    }
}

/// Reads every line of a finished table (for reports).
pub fn read_table<R: DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<Line<R>>> {
    read_lines(path)
}

/// The largest record file [`read_text`] inflates from its `.gz` copy (1 GiB).
pub const MAX_INFLATED_BYTES: u64 = 1 << 30;

/// `path` with `.gz` appended.
fn gz_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// Whether a record file exists, plain or as its `.gz` copy.
pub fn record_file_exists(path: &Path) -> bool {
    path.exists() || gz_path(path).exists()
}

/// The text of a record file, read from `path` or, when that is absent, inflated from
/// `path.gz` (at most [`MAX_INFLATED_BYTES`]); `None` when neither exists.
pub fn read_text(path: &Path) -> anyhow::Result<Option<String>> {
    use std::io::Read as _;
    if path.exists() {
        return fs::read_to_string(path)
            .map(Some)
            .with_context(|| format!("cannot read {}", path.display()));
    }
    let gz = gz_path(path);
    if !gz.exists() {
        return Ok(None);
    }
    let file = File::open(&gz).with_context(|| format!("cannot read {}", gz.display()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot inflate {}", gz.display()))?;
    if text.len() as u64 > MAX_INFLATED_BYTES {
        bail!(
            "{} inflates to more than {MAX_INFLATED_BYTES} bytes (MAX_INFLATED_BYTES)",
            gz.display()
        );
    }
    Ok(Some(text))
}

/// Reads a JSON-lines file (or its `.gz` copy), one value per line; errors name the file and
/// line.
pub fn read_lines<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let text = read_text(path)?.with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(idx, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: malformed row", path.display(), idx + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_record_files_read_like_plain_ones() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let text =
            "{\"cell\":\"a\",\"trial\":0,\"row\":1}\n{\"cell\":\"a\",\"trial\":1,\"row\":2}\n";
        let plain = dir.path().join("plain.jsonl");
        fs::write(&plain, text).unwrap();
        let packed = dir.path().join("packed.jsonl");
        let mut gz = flate2::write::GzEncoder::new(
            File::create(gz_path(&packed)).unwrap(),
            flate2::Compression::best(),
        );
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap();
        assert!(record_file_exists(&packed) && !packed.exists());
        assert_eq!(read_text(&packed).unwrap().as_deref(), Some(text));
        let a: Vec<Line<u32>> = read_lines(&plain).unwrap();
        let b: Vec<Line<u32>> = read_lines(&packed).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        let absent = dir.path().join("absent.jsonl");
        assert!(!record_file_exists(&absent));
        assert_eq!(read_text(&absent).unwrap(), None);
        // A file that is not gzip is an error, not an empty table.
        fs::write(gz_path(&absent), b"not gzip").unwrap();
        assert!(read_text(&absent).is_err());
    }

    fn line(cell: &str, trial: usize, value: u32) -> (Line<u32>, f64) {
        (
            Line {
                cell: cell.into(),
                trial,
                row: value,
            },
            0.5,
        )
    }

    #[test]
    fn rows_survive_reopening_and_a_partial_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut t = Table::<u32>::open(dir.path(), "t", Shard::ALL).unwrap();
            t.append("a", vec![line("a", 0, 10), line("a", 1, 11)])
                .unwrap();
            t.append("b", vec![line("b", 0, 20)]).unwrap();
        }
        // Simulate an interruption in the middle of a line.
        let path = dir.path().join("t.jsonl");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"cell\":\"a\",\"tri").unwrap();
        drop(f);
        let mut t = Table::<u32>::open(dir.path(), "t", Shard::ALL).unwrap();
        assert_eq!(t.rows("a").len(), 2);
        assert_eq!(t.rows("b")[0].row, 20);
        t.append("a", vec![line("a", 2, 12)]).unwrap();
        let all: Vec<Line<u32>> = read_table(&path).unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(all[3].row, 12);
        assert!(t.append("a", vec![line("a", 9, 0)]).is_err());
    }

    #[test]
    fn a_shard_holds_every_nth_trial() {
        let dir = tempfile::tempdir().unwrap();
        let shard = Shard::parse("2/3").unwrap();
        let mut t = Table::<u32>::open(dir.path(), "t", shard).unwrap();
        t.append("a", vec![line("a", 1, 10), line("a", 4, 11)])
            .unwrap();
        assert!(t.append("a", vec![line("a", 5, 0)]).is_err());
        drop(t);
        let t = Table::<u32>::open(dir.path(), "t", shard).unwrap();
        assert_eq!(t.rows("a").len(), 2);
        // The same file is not a valid record of another shard.
        assert!(Table::<u32>::open(dir.path(), "t", Shard::ALL).is_err());
    }
}
