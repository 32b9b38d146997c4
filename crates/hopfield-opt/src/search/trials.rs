//! Seeded parallel trials: one derived seed per trial, results independent of the thread
//! count (the protocol of Matsumoto et al. 2004, Section 4: 500 or 100 trials from "completely
//! arbitrary" initial states).
//!
//! Trial `t` of a plan runs with the generator `rng_from_seed(derive_seed(base_seed, path))`
//! where `path = [t]`, or `[cell, t]` when the plan names a cell of a larger experiment. Each
//! trial owns its RNG and its clone of the operator, so [rayon] may schedule trials on any
//! number of threads and every field of every result except the wall time is the same.

use std::time::{Duration, Instant};

use hopfield_core::{derive_seed, rng_from_seed};
use rayon::prelude::*;

use crate::Result;
use crate::problem::{LeanProblem, Problem};
use crate::search::{
    FlipOperator, OperatorStats, SearchConfig, SearchOperator, StopReason, StopReport, Stopping,
    search_lean, search_with,
};

/// Which trials to run and how they are seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialPlan {
    /// Number of trials.
    pub trials: usize,
    /// The experiment's base seed.
    pub base_seed: u64,
    /// An optional cell index of a larger experiment (seed path `[cell, trial]`).
    pub cell: Option<u64>,
}

impl TrialPlan {
    /// `trials` trials from `base_seed`, no cell.
    pub fn new(trials: usize, base_seed: u64) -> Self {
        TrialPlan {
            trials,
            base_seed,
            cell: None,
        }
    }

    /// The seed of trial `t`.
    pub fn seed(&self, t: usize) -> u64 {
        match self.cell {
            Some(c) => derive_seed(self.base_seed, &[c, t as u64]),
            None => derive_seed(self.base_seed, &[t as u64]),
        }
    }
}

/// What one trial produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialResult<S> {
    /// The trial index.
    pub trial: usize,
    /// The trial's seed.
    pub seed: u64,
    /// The penalty energy of the state at `t_max`.
    pub energy: f64,
    /// Whether that state satisfies every constraint.
    pub feasible: bool,
    /// The decoded solution, if the state decodes.
    pub solution: Option<S>,
    /// The objective of the decoded solution.
    pub objective: Option<f64>,
    /// Tunnel transitions (operator transitions).
    pub tunnel_count: u64,
    /// Candidate energies the operator evaluated.
    pub energy_evaluations: u64,
    /// Time steps simulated.
    pub steps: u64,
    /// Wall time of the trial (reported, never compared).
    pub wall_time: Duration,
    /// Why the search stopped, its best energy, and when it first reached it (wall and CPU
    /// times are reported, never compared).
    pub report: StopReport,
}

impl<S> TrialResult<S> {
    /// A finished trial: `(trial, seed, start)`, the decoded solution and feasibility of its
    /// final state, and the search's `(energy, steps, operator counts, stop report)`.
    fn new<P: Problem<Solution = S> + ?Sized>(
        problem: &P,
        (trial, seed, start): (usize, u64, Instant),
        solution: Option<S>,
        feasible: bool,
        (energy, steps, operator, report): (f64, u64, OperatorStats, StopReport),
    ) -> Self {
        TrialResult {
            trial,
            seed,
            energy,
            feasible,
            objective: solution.as_ref().map(|s| problem.objective(s)),
            solution,
            tunnel_count: operator.transitions,
            energy_evaluations: operator.energy_evaluations,
            steps,
            wall_time: start.elapsed(),
            report,
        }
    }

    /// Why the search stopped.
    pub fn stop_reason(&self) -> StopReason {
        self.report.reason
    }
}

/// Runs one trial with the given seed (default stopping rules, [`Stopping::new`]).
pub fn run_trial<P, O>(
    problem: &P,
    operator: &O,
    config: &SearchConfig,
    trial: usize,
    seed: u64,
) -> Result<TrialResult<P::Solution>>
where
    P: Problem + ?Sized,
    O: SearchOperator,
{
    run_trial_with(problem, operator, config, &Stopping::new(), trial, seed)
}

/// Runs one trial with the given seed and stopping rules.
pub fn run_trial_with<P, O>(
    problem: &P,
    operator: &O,
    config: &SearchConfig,
    stopping: &Stopping,
    trial: usize,
    seed: u64,
) -> Result<TrialResult<P::Solution>>
where
    P: Problem + ?Sized,
    O: SearchOperator,
{
    let start = Instant::now();
    let mut rng = rng_from_seed(seed);
    let mut op = operator.clone();
    let outcome = search_with(problem, &mut op, config, stopping, &mut rng)?;
    let solution = problem.decode(&outcome.state);
    let feasible = problem.is_feasible(&outcome.state);
    let parts = (
        outcome.energy,
        outcome.steps,
        outcome.operator,
        outcome.report,
    );
    Ok(TrialResult::new(
        problem,
        (trial, seed, start),
        solution,
        feasible,
        parts,
    ))
}

/// Runs one trial on the problem's lean network ([`search_lean`]).
pub fn run_lean_trial<P, O>(
    problem: &P,
    operator: &O,
    config: &SearchConfig,
    stopping: &Stopping,
    trial: usize,
    seed: u64,
) -> Result<TrialResult<P::Solution>>
where
    P: LeanProblem + ?Sized,
    O: FlipOperator,
{
    let start = Instant::now();
    let mut rng = rng_from_seed(seed);
    let mut op = operator.clone();
    let outcome = search_lean(problem, &mut op, config, stopping, &mut rng)?;
    let solution = problem.decode_bits(&outcome.state);
    let feasible = problem.is_feasible_bits(&outcome.state);
    let parts = (
        outcome.energy,
        outcome.steps,
        outcome.operator,
        outcome.report,
    );
    Ok(TrialResult::new(
        problem,
        (trial, seed, start),
        solution,
        feasible,
        parts,
    ))
}

/// Runs the trials of `plan` in parallel on the current rayon pool, in trial order.
/// Results do not depend on the number of threads (except `wall_time`). The operator's
/// parameters are checked once before any trial starts.
pub fn run_trials<P, O>(
    problem: &P,
    operator: &O,
    config: &SearchConfig,
    plan: &TrialPlan,
) -> Result<Vec<TrialResult<P::Solution>>>
where
    P: Problem + ?Sized,
    O: SearchOperator,
{
    run_trials_with(problem, operator, config, &Stopping::new(), plan)
}

/// [`run_trials`] with explicit stopping rules.
pub fn run_trials_with<P, O>(
    problem: &P,
    operator: &O,
    config: &SearchConfig,
    stopping: &Stopping,
    plan: &TrialPlan,
) -> Result<Vec<TrialResult<P::Solution>>>
where
    P: Problem + ?Sized,
    O: SearchOperator,
{
    operator.check(problem.shape())?;
    stopping.check_for(problem)?;
    (0..plan.trials)
        .into_par_iter()
        .map(|t| run_trial_with(problem, operator, config, stopping, t, plan.seed(t)))
        .collect()
}

/// Summary statistics of a set of trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialSummary {
    /// Number of trials.
    pub trials: usize,
    /// Trials ending feasible.
    pub feasible: usize,
    /// Largest objective among feasible trials.
    pub max: Option<f64>,
    /// Smallest objective among feasible trials.
    pub min: Option<f64>,
    /// Mean objective among feasible trials.
    pub mean: Option<f64>,
    /// Mean tunnel transitions per trial.
    pub mean_tunnel_count: f64,
}

impl TrialSummary {
    /// Summarizes results, `O(trials)`.
    pub fn of<S>(results: &[TrialResult<S>]) -> Self {
        let objs: Vec<f64> = results
            .iter()
            .filter(|r| r.feasible)
            .filter_map(|r| r.objective)
            .collect();
        let mean_tunnel_count = if results.is_empty() {
            0.0
        } else {
            results.iter().map(|r| r.tunnel_count as f64).sum::<f64>() / results.len() as f64
        };
        TrialSummary {
            trials: results.len(),
            feasible: results.iter().filter(|r| r.feasible).count(),
            max: objs.iter().copied().reduce(f64::max),
            min: objs.iter().copied().reduce(f64::min),
            mean: (!objs.is_empty()).then(|| objs.iter().sum::<f64>() / objs.len() as f64),
            mean_tunnel_count,
        }
    }

    /// Number of feasible trials with objective `≤ bound`.
    pub fn count_at_most<S>(results: &[TrialResult<S>], bound: f64) -> usize {
        results
            .iter()
            .filter(|r| r.feasible && r.objective.is_some_and(|o| o <= bound))
            .count()
    }
}
