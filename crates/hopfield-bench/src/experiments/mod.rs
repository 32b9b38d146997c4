//! The experiments: each runs its trials into a record folder and renders its report section.

pub mod capacity;
pub mod hitchcock;
pub mod memory;
pub mod queens;
pub mod readings;
pub mod tsp;

use std::path::PathBuf;

use hopfield_opt::operators::{Tunnel, WithMoves};
use hopfield_opt::search::SearchConfig;
use hopfield_opt::search::trials::{TrialResult, run_trial};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::defs::Operator;
use crate::plot::{Axis, Chart, Series, draw};
use crate::record::TimeLine;
use crate::shard::Shard;

/// What every experiment needs to run.
#[derive(Debug, Clone)]
pub struct Context {
    /// The record folder.
    pub out: PathBuf,
    /// Where the TSPLIB files are.
    pub datasets: PathBuf,
    /// Smoke-test sizes.
    pub quick: bool,
    /// Overrides every definition's trial count.
    pub trials: Option<usize>,
    /// Overrides every definition's base seed.
    pub seed: Option<u64>,
    /// The shard whose trials this run makes ([`Shard::ALL`] for all of them).
    pub shard: Shard,
    /// Progress bars (stderr).
    pub progress: MultiProgress,
}

impl Context {
    /// The trials of a table.
    pub fn trials(&self, budget: crate::defs::Budget) -> usize {
        self.trials.unwrap_or(if self.quick {
            budget.quick_trials
        } else {
            budget.trials
        })
    }

    /// The base seed of a table.
    pub fn seed(&self, declared: u64) -> u64 {
        self.seed.unwrap_or(declared)
    }

    /// Trials of this run's shard among `n_trials` (all of them without a shard).
    pub fn shard_trials(&self, n_trials: usize) -> usize {
        self.shard.count_of(n_trials)
    }

    /// Prints a line above the progress bars, or on stderr when they are hidden (a warning
    /// the user must see during the run, not only in the report).
    #[allow(clippy::print_stderr)]
    pub fn note(&self, line: &str) {
        if self.progress.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.progress.println(line);
        }
    }

    /// A progress bar of `total` steps for table `name`.
    pub fn bar(&self, name: &str, total: u64) -> ProgressBar {
        let bar = self.progress.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12} [{bar:32}] {pos}/{len} trials {elapsed_precise} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_string());
        bar
    }
}

/// Runs one seeded trial of `problem` with `operator`.
pub(crate) fn trial<P: WithMoves>(
    problem: &P,
    operator: &Operator,
    config: &SearchConfig,
    seed: u64,
) -> anyhow::Result<TrialResult<P::Solution>> {
    Ok(match operator {
        Operator::Conventional(c) => run_trial(problem, c, config, 0, seed)?,
        Operator::Tunnel(tc) => {
            let tunnel = Tunnel::new(tc.clone(), problem.shape())?;
            run_trial(problem, &tunnel, config, 0, seed)?
        }
        Operator::Moves(spec) => run_trial(problem, &problem.moves(spec)?, config, 0, seed)?,
    })
}

/// Mean of `values` (NaN when empty), summed in order so it is reproducible.
pub(crate) fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Formats a number for a report cell (`—` for NaN or absent values).
pub(crate) fn fmt(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "—".into(),
    }
}

/// Reads a table's wall times (empty when the table has none).
pub(crate) fn read_times(record: &std::path::Path, name: &str) -> anyhow::Result<Vec<TimeLine>> {
    let path = record.join(format!("{name}.times.jsonl"));
    let Some(text) = crate::record::read_text(&path)? else {
        return Ok(Vec::new());
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Mean wall time per trial of a cell, in milliseconds (NaN without times).
pub(crate) fn ms_per_trial(times: &[TimeLine], cell: &str) -> f64 {
    1e3 * mean(times.iter().filter(|t| t.cell == cell).map(|t| t.seconds))
}

/// Success rate against time per trial: one series per method, one point per instance (or
/// experiment), each point labelled with it, on a logarithmic time axis.
#[derive(Debug, Default)]
pub(crate) struct SuccessVsTime {
    series: Vec<Series>,
    labels: Vec<Vec<String>>,
}

impl SuccessVsTime {
    /// Adds the point of one cell: `successes` of `trials` in `ms` per trial, labelled `point`.
    pub(crate) fn add(
        &mut self,
        label: &str,
        point: &str,
        ms: f64,
        successes: usize,
        trials: usize,
    ) {
        if trials == 0 || !(ms.is_finite() && ms > 0.0) {
            return;
        }
        let xy = (ms, 100.0 * successes as f64 / trials as f64);
        match self.series.iter().position(|s| s.label == label) {
            Some(k) => {
                self.series[k].points.push(xy);
                self.labels[k].push(point.to_string());
            }
            None => {
                self.series.push(Series {
                    label: label.to_string(),
                    points: vec![xy],
                });
                self.labels.push(vec![point.to_string()]);
            }
        }
    }

    /// Draws `figures/{file}` and links it from the report.
    pub(crate) fn draw(
        &self,
        record: &std::path::Path,
        file: &str,
        title: &str,
        y_label: &str,
        md: &mut String,
    ) -> anyhow::Result<()> {
        use std::fmt::Write as _;
        if self.series.is_empty() {
            return Ok(());
        }
        let path = format!("figures/{file}");
        draw(
            &record.join(&path),
            &Chart {
                title,
                x: Axis::log("mean wall time per trial (ms, log scale)"),
                y: Axis::linear(y_label),
                series: &self.series,
                references: &[],
                scatter: true,
                point_labels: &self.labels,
            },
        )?;
        let _ = writeln!(md, "![success rate vs time]({path})\n");
        Ok(())
    }
}
