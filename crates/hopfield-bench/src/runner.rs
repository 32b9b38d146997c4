//! Seeded parallel trials written to a [`Table`] in a fixed order.
//!
//! Trial `t` of cell `c` always gets the seed `derive_seed(base_seed, &[fnv1a(c), t])`, and rows
//! are appended cell by cell in trial order, so the table is the same byte for byte whatever the
//! number of threads, the chunk size or how often the run was interrupted and resumed. A shard
//! runs only the trials it owns ([`Shard::owns`](crate::shard::Shard::owns)), with the same
//! seeds.

use std::time::Instant;

use hopfield_core::derive_seed;
use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::record::{Line, Table};

/// The stable 64-bit FNV-1a hash of a cell name (seeds must not depend on cell order).
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The seed of trial `trial` of `cell`.
pub fn trial_seed(base_seed: u64, cell: &str, trial: usize) -> u64 {
    derive_seed(base_seed, &[fnv1a(cell), trial as u64])
}

/// Runs the missing trials `0..n_trials` of every cell that the table's shard owns (in parallel
/// within a cell), appending them to `table` in order and advancing `progress` by one per trial
/// (already recorded trials count as done). `run` gets the cell's configuration and the
/// trial's seed.
pub fn run_cells<C, R, F>(
    table: &mut Table<R>,
    cells: &[(String, C)],
    n_trials: usize,
    base_seed: u64,
    progress: &ProgressBar,
    run: F,
) -> anyhow::Result<()>
where
    C: Sync,
    R: Serialize + DeserializeOwned + Clone + Send,
    F: Fn(&C, u64) -> anyhow::Result<R> + Sync,
{
    let chunk = (4 * rayon::current_num_threads()).max(16);
    let shard = table.shard();
    let owned = shard.count_of(n_trials);
    for (name, config) in cells {
        let done = table.rows(name).len().min(owned);
        progress.inc(done as u64);
        let mut next = done;
        while next < owned {
            let end = (next + chunk).min(owned);
            let lines: Vec<(Line<R>, f64)> = (next..end)
                .into_par_iter()
                .map(|k| {
                    let trial = shard.trial(k);
                    let seed = trial_seed(base_seed, name, trial);
                    let start = Instant::now();
                    let row = run(config, seed)?;
                    let seconds = start.elapsed().as_secs_f64();
                    progress.inc(1);
                    Ok((
                        Line {
                            cell: name.clone(),
                            trial,
                            row,
                        },
                        seconds,
                    ))
                })
                .collect::<anyhow::Result<_>>()?;
            table.append(name, lines)?;
            next = end;
        }
    }
    table.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::Shard;
    use hopfield_core::rand::Rng;
    use hopfield_core::rng_from_seed;

    fn run_with_threads(threads: usize, dir: &std::path::Path, n_trials: usize) {
        run_shard(threads, dir, n_trials, Shard::ALL);
    }

    fn run_shard(threads: usize, dir: &std::path::Path, n_trials: usize, shard: Shard) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut table = Table::<u64>::open(dir, "t", shard).unwrap();
            let cells = vec![("x/1".to_string(), 1u64), ("y/2".to_string(), 2u64)];
            run_cells(
                &mut table,
                &cells,
                n_trials,
                7,
                &ProgressBar::hidden(),
                |c, seed| Ok(c * (rng_from_seed(seed).next_u64() % 1000)),
            )
            .unwrap();
        });
    }

    #[test]
    fn tables_are_identical_for_any_thread_count_and_after_resuming() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let resumed = tempfile::tempdir().unwrap();
        run_with_threads(1, one.path(), 100);
        run_with_threads(2, two.path(), 100);
        run_with_threads(2, resumed.path(), 37);
        run_with_threads(1, resumed.path(), 100);
        let read =
            |d: &tempfile::TempDir| std::fs::read_to_string(d.path().join("t.jsonl")).unwrap();
        assert!(read(&one) == read(&two), "1 and 2 threads differ");
        assert!(read(&one) == read(&resumed), "a resumed run differs");
        assert_eq!(read(&one).lines().count(), 200);
    }

    #[test]
    fn shards_run_their_own_trials_with_the_unsharded_seeds() {
        let whole = tempfile::tempdir().unwrap();
        run_with_threads(2, whole.path(), 10);
        let all = std::fs::read_to_string(whole.path().join("t.jsonl")).unwrap();
        let second = tempfile::tempdir().unwrap();
        run_shard(1, second.path(), 10, Shard::parse("2/3").unwrap());
        let part = std::fs::read_to_string(second.path().join("t.jsonl")).unwrap();
        // Trials 1, 4, 7 of both cells, each line exactly as in the unsharded table.
        let expected: Vec<&str> = all
            .lines()
            .filter(|l| {
                [1, 4, 7]
                    .iter()
                    .any(|t| l.contains(&format!("\"trial\":{t},")))
            })
            .collect();
        assert_eq!(part.lines().collect::<Vec<_>>(), expected);
        assert_eq!(expected.len(), 6);
    }

    #[test]
    fn seeds_depend_on_cell_name_not_order() {
        assert_eq!(trial_seed(1, "a", 3), trial_seed(1, "a", 3));
        assert_ne!(trial_seed(1, "a", 3), trial_seed(1, "b", 3));
        assert_ne!(trial_seed(1, "a", 3), trial_seed(1, "a", 4));
    }
}
