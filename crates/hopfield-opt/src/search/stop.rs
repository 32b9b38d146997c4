//! Stopping rules for every search: a step limit, a target energy or objective, a wall or
//! CPU time limit, a stall limit, and "stop when solved"; and the record of why a search
//! stopped and when it first reached its best energy (time-to-best, or time-to-target when
//! the target was reached — the figure QUBO and Ising solver benchmarks report).
//!
//! The rules are checked after every time step, in this order: solved, target, stall, time
//! limit. The clock is read every 16 steps when there is a time limit, and whenever
//! the best energy improves (to time it).

use std::time::{Duration, Instant};

use hopfield_core::lean::{BitState, FlipDynamics};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use crate::{OptError, Result};

/// Which clock a time limit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// Wall time since the search started.
    #[default]
    Wall,
    /// CPU time of the thread running the search (trials run one per thread, so this is the
    /// trial's own CPU time, whatever else the machine does).
    Cpu,
}

/// Why a search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// `t_max` steps were taken.
    StepLimit,
    /// The conventional network reached a confirmed fixed point.
    FixedPoint,
    /// The state is a solution ([`Problem::solved_energy`] reached).
    Solved,
    /// The target energy or objective was reached.
    Target,
    /// The time limit passed.
    TimeLimit,
    /// The best energy did not improve for the stall limit.
    Stall,
    /// The operator proved it cannot improve further (for example a transportation plan
    /// whose marginal costs admit no improving cycle, which is an LP optimum).
    Converged,
}

impl StopReason {
    /// The kebab-case name used in records and JSON lines.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::StepLimit => "step-limit",
            StopReason::FixedPoint => "fixed-point",
            StopReason::Solved => "solved",
            StopReason::Target => "target",
            StopReason::TimeLimit => "time-limit",
            StopReason::Stall => "stall",
            StopReason::Converged => "converged",
        }
    }
}

/// When a search stops, besides its step limit `t_max`.
///
/// ```
/// use std::time::Duration;
/// use hopfield_opt::search::{Clock, Stopping};
///
/// let stop = Stopping::new()
///     .with_target_objective(11_624.0)
///     .with_time_limit(Duration::from_secs(1), Clock::Cpu)
///     .with_stall(100_000)
///     .keeping_best();
/// assert!(stop.check().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    /// Stop as soon as the penalty energy is at most this.
    pub target_energy: Option<f64>,
    /// Stop as soon as a feasible state reaches this objective (in the problem's own sense:
    /// a cut at least this large, a tour at most this long); converted to an energy with
    /// [`Problem::energy_of_objective`]. A problem without that conversion ignores it (the
    /// caller checks with [`Stopping::check_for`]).
    pub target_objective: Option<f64>,
    /// Stop after this much time on `clock`.
    pub time_limit: Option<Duration>,
    /// The clock of the time limit.
    pub clock: Clock,
    /// Stop after this many steps without a new best energy.
    pub stall: Option<u64>,
    /// Stop when the state is a solution of a problem with a [`Problem::solved_energy`].
    pub when_solved: bool,
    /// Return the best state seen instead of the last one (a compact copy of the state is
    /// taken at every new best).
    pub keep_best: bool,
}

impl Stopping {
    /// Only the step limit, and stop when solved (a solved N-Queens board is a global
    /// minimum no step can leave, so stopping there changes nothing but the time).
    pub fn new() -> Self {
        Stopping {
            target_energy: None,
            target_objective: None,
            time_limit: None,
            clock: Clock::Wall,
            stall: None,
            when_solved: true,
            keep_best: false,
        }
    }

    /// Stops at a penalty energy.
    pub fn with_target_energy(mut self, energy: f64) -> Self {
        self.target_energy = Some(energy);
        self
    }

    /// Stops at an objective value (in the problem's sense).
    pub fn with_target_objective(mut self, objective: f64) -> Self {
        self.target_objective = Some(objective);
        self
    }

    /// Stops after `limit` on `clock`.
    pub fn with_time_limit(mut self, limit: Duration, clock: Clock) -> Self {
        self.time_limit = Some(limit);
        self.clock = clock;
        self
    }

    /// Stops after `steps` steps without a new best energy.
    pub fn with_stall(mut self, steps: u64) -> Self {
        self.stall = Some(steps);
        self
    }

    /// Returns the best state seen.
    pub fn keeping_best(mut self) -> Self {
        self.keep_best = true;
        self
    }

    /// Checks the values: targets finite, stall at least 1.
    pub fn check(&self) -> Result<()> {
        for (name, v) in [
            ("target energy", self.target_energy),
            ("target objective", self.target_objective),
        ] {
            if let Some(v) = v
                && !v.is_finite()
            {
                return Err(OptError::InvalidParameter {
                    name: "target",
                    reason: format!("the {name} must be finite, got {v}"),
                });
            }
        }
        if self.stall == Some(0) {
            return Err(OptError::InvalidParameter {
                name: "stall",
                reason: "must be >= 1 step".into(),
            });
        }
        Ok(())
    }

    /// [`Stopping::check`], and that an objective target can be turned into an energy for
    /// `problem`.
    pub fn check_for<P: Problem + ?Sized>(&self, problem: &P) -> Result<()> {
        self.check()?;
        if let Some(t) = self.target_objective
            && problem.energy_of_objective(t).is_none()
        {
            return Err(OptError::InvalidParameter {
                name: "target",
                reason: format!(
                    "{} has no energy for an objective value; give a target energy instead",
                    problem.name()
                ),
            });
        }
        Ok(())
    }
}

impl Default for Stopping {
    fn default() -> Self {
        Stopping::new()
    }
}

/// The smallest energy change that counts as an improvement near `energy`: far below any
/// real difference, far above the rounding incremental energies accumulate.
fn tolerance(energy: f64) -> f64 {
    1e-11 * energy.abs().max(1.0)
}

/// Follows a search step by step: best energy, when it was reached, and whether to stop.
/// Energies here are Hopfield energies (without the problem's offset).
pub(crate) struct Tracker {
    start: Instant,
    cpu_start: Option<cpu_time::ThreadTime>,
    time_limit: Option<Duration>,
    clock: Clock,
    stall: Option<u64>,
    keep_best: bool,
    target: Option<f64>,
    solved: Option<f64>,
    tol: f64,
    best: f64,
    best_step: u64,
    best_time: Duration,
    best_cpu: Duration,
    best_state: Option<BitState>,
}

impl Tracker {
    pub(crate) fn new<P: Problem + ?Sized>(stopping: &Stopping, problem: &P, energy: f64) -> Self {
        let offset = problem.energy_offset();
        let from_objective = stopping
            .target_objective
            .and_then(|t| problem.energy_of_objective(t));
        let target = match (stopping.target_energy, from_objective) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
        .map(|t| t - offset);
        let solved = if stopping.when_solved {
            problem.solved_energy().map(|e| e - offset)
        } else {
            None
        };
        Tracker {
            start: Instant::now(),
            cpu_start: cpu_time::ThreadTime::try_now().ok(),
            time_limit: stopping.time_limit,
            clock: stopping.clock,
            stall: stopping.stall,
            keep_best: stopping.keep_best,
            target,
            solved,
            tol: tolerance(energy),
            best: energy,
            best_step: 0,
            best_time: Duration::ZERO,
            best_cpu: Duration::ZERO,
            best_state: None,
        }
    }

    /// Records a new best energy.
    fn improve(&mut self, energy: f64, step: u64) {
        self.best = energy;
        self.best_step = step;
        self.best_time = self.start.elapsed();
        self.best_cpu = self.cpu_start.map(|c| c.elapsed()).unwrap_or_default();
        self.tol = tolerance(energy);
    }

    /// Takes the initial state as the best so far (with [`Stopping::keep_best`]).
    pub(crate) fn start_from<D: FlipDynamics>(&mut self, dynamics: &D) {
        if self.keep_best {
            self.best_state = Some(dynamics.snapshot());
        }
    }

    fn elapsed(&self) -> Duration {
        match self.clock {
            Clock::Wall => self.start.elapsed(),
            Clock::Cpu => self
                .cpu_start
                .map(|c| c.elapsed())
                .unwrap_or_else(|| self.start.elapsed()),
        }
    }

    /// After step `step` with energy `energy` (no state: the conventional path, whose last
    /// state is its best).
    pub(crate) fn observe_energy(&mut self, energy: f64, step: u64) -> Option<StopReason> {
        if energy < self.best - self.tol {
            self.improve(energy, step);
        }
        self.decide(energy, step)
    }

    /// After step `step` on `dynamics`.
    pub(crate) fn observe<D: FlipDynamics>(
        &mut self,
        dynamics: &D,
        step: u64,
    ) -> Option<StopReason> {
        let energy = dynamics.energy();
        if energy < self.best - self.tol {
            self.improve(energy, step);
            if self.keep_best {
                match &mut self.best_state {
                    Some(s) => s.copy_from(&dynamics.snapshot()),
                    None => self.best_state = Some(dynamics.snapshot()),
                }
            }
        }
        self.decide(energy, step)
    }

    fn decide(&mut self, energy: f64, step: u64) -> Option<StopReason> {
        if let Some(s) = self.solved
            && energy <= s + self.tol
        {
            return Some(StopReason::Solved);
        }
        if let Some(t) = self.target
            && self.best <= t + self.tol
        {
            return Some(StopReason::Target);
        }
        if let Some(k) = self.stall
            && step - self.best_step >= k
        {
            return Some(StopReason::Stall);
        }
        if let Some(limit) = self.time_limit
            && step & 15 == 0
            && self.elapsed() >= limit
        {
            return Some(StopReason::TimeLimit);
        }
        None
    }

    /// The best state (when kept and different from the last) and the report.
    pub(crate) fn finish(
        self,
        reason: StopReason,
        offset: f64,
    ) -> (Option<BitState>, super::StopReport) {
        let cpu_time = self.cpu_start.map(|c| c.elapsed()).unwrap_or_default();
        let report = super::StopReport {
            reason,
            best_energy: self.best + offset,
            steps_to_best: self.best_step,
            time_to_best: self.best_time,
            cpu_time_to_best: self.best_cpu,
            elapsed: self.start.elapsed(),
            cpu_time,
        };
        (self.best_state, report)
    }
}
