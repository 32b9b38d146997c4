//! Search: the time step every operator runs in, the [`SearchOperator`] trait operators plug
//! into, and the seeded trial runner ([`trials`]).
//!
//! The operators themselves (the conventional network, the tunnel operator `T` of Matsumoto
//! et al., and the move operators beyond the paper) live in [`crate::operators`].
//!
//! # The time step (Matsumoto et al. 2004, eqs 2, 4–9)
//! Every step `t = 0..t_max` updates one neuron drawn uniformly at random with the tie rule
//! "keep" (eq. 2), then gives the operator its turn. The state at `t_max` is evaluated as is,
//! converged or not. The conventional network is the identity operator
//! ([`Conventional`](crate::operators::Conventional)).

pub mod stop;
pub mod trials;

use std::time::Duration;

use hopfield_core::lean::{BitState, FlipDynamics, LeanDynamics};
use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::{
    Couplings, Dynamics, Encoding, FnObserver, RunConfig, Schedule, State, Termination, TieRule,
};

use stop::Tracker;
pub use stop::{Clock, StopReason, Stopping};

use crate::problem::{LeanProblem, Problem, Shape};
use crate::{OptError, Result};

/// Counters an operator keeps over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorStats {
    /// Transitions the operator made (tunnel transitions: accepted candidates).
    pub transitions: u64,
    /// Candidate energies evaluated (each by incremental deltas).
    pub energy_evaluations: u64,
    /// Neuron flips the operator performed, undos included.
    pub flips: u64,
}

/// Something that may move the state once per time step, after the neuron update.
///
/// Implementations keep their scratch buffers in `self`; [`crate::search::trials`] clones one per
/// trial. Every random choice comes from `rng`.
pub trait SearchOperator: Clone + Send + Sync {
    /// A short name for reports.
    fn name(&self) -> &'static str;

    /// Checks the operator's parameters against a neuron array shape.
    fn check(&self, shape: &Shape) -> Result<()>;

    /// Whether the operator never changes the state (lets the search stop at a fixed point).
    fn is_identity(&self) -> bool {
        false
    }

    /// Whether the operator knows that it cannot improve the state any more (a move family
    /// at a proven optimum, a solved board): the search then stops with
    /// [`StopReason::Converged`].
    fn is_converged(&self) -> bool {
        false
    }

    /// Called once before the first time step, with the number of steps to come (default:
    /// nothing). An operator may reset per-run counters here, or take a turn on the initial
    /// state (the tunnel operator does when it acts before each neuron update).
    fn begin<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        _dynamics: &mut Dynamics<'_, C>,
        _shape: &Shape,
        _t_max: u64,
        _rng: &mut R,
        _stats: &mut OperatorStats,
    ) {
    }

    /// One turn: may flip neurons of `dynamics` (keeping its fields and energy current) and
    /// must count what it did in `stats`.
    fn step<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    );
}

/// An operator that runs on any [`FlipDynamics`]: the plain [`Dynamics`] and the
/// [`LeanDynamics`] of a [`LeanProblem`] (so it can search networks too large for the plain
/// path). The move operators and the spin operators implement it.
pub trait FlipOperator: SearchOperator {
    /// One turn on any dynamics (see [`SearchOperator::step`]).
    fn turn<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut D,
        shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    );
}

/// How a search runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchConfig {
    /// Time steps (neuron updates, each followed by the operator's turn).
    pub t_max: u64,
    /// Probability that a neuron starts high (default 0.5).
    pub p_init: f64,
}

impl SearchConfig {
    /// `t_max` steps from i.i.d. Bernoulli(0.5) initial states.
    pub fn new(t_max: u64) -> Self {
        SearchConfig { t_max, p_init: 0.5 }
    }

    fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.p_init) {
            return Err(OptError::InvalidParameter {
                name: "p_init",
                reason: format!("must be in [0, 1], got {}", self.p_init),
            });
        }
        Ok(())
    }
}

/// The result of one search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOutcome {
    /// The state at the end of the search, or the best state seen when
    /// [`Stopping::keep_best`] is set.
    pub state: State,
    /// Its penalty energy ([`Problem::energy`], recomputed from scratch).
    pub energy: f64,
    /// Time steps simulated. The conventional network stops at a confirmed fixed point,
    /// which steps up to `t_max` could not leave.
    pub steps: u64,
    /// The operator's counters (tunnel transitions, energy evaluations, flips).
    pub operator: OperatorStats,
    /// Why the search stopped, and when its best energy was first reached.
    pub report: StopReport,
}

/// Why a search stopped and when it first reached its best energy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopReport {
    /// Why the search stopped.
    pub reason: StopReason,
    /// The lowest penalty energy seen after any step (the initial state included).
    pub best_energy: f64,
    /// The step after which it was first reached (0: the initial state).
    pub steps_to_best: u64,
    /// Wall time from the start of the search until then.
    pub time_to_best: Duration,
    /// CPU time of the search's thread until then.
    pub cpu_time_to_best: Duration,
    /// Wall time of the whole search.
    pub elapsed: Duration,
    /// CPU time of the thread that ran the search.
    pub cpu_time: Duration,
}

/// A random initial state: each neuron high with probability `p_init`, `O(N)`.
pub fn random_state<R: Rng + ?Sized>(n: usize, p_init: f64, rng: &mut R) -> State {
    let bits: Vec<bool> = (0..n).map(|_| rng.random_bool(p_init)).collect();
    State::from_bits(Encoding::Binary, &bits)
}

/// Runs one search from a random initial state (drawn first from `rng`, see
/// [`random_state`]) with the default stopping rules ([`Stopping::new`]: `t_max`, and stop
/// when solved). `O(t_max · (column + operator))`.
pub fn search<P, O, R>(
    problem: &P,
    operator: &mut O,
    config: &SearchConfig,
    rng: &mut R,
) -> Result<SearchOutcome>
where
    P: Problem + ?Sized,
    O: SearchOperator,
    R: Rng + ?Sized,
{
    search_with(problem, operator, config, &Stopping::new(), rng)
}

/// [`search`] with explicit stopping rules.
pub fn search_with<P, O, R>(
    problem: &P,
    operator: &mut O,
    config: &SearchConfig,
    stopping: &Stopping,
    rng: &mut R,
) -> Result<SearchOutcome>
where
    P: Problem + ?Sized,
    O: SearchOperator,
    R: Rng + ?Sized,
{
    config.check()?;
    stopping.check()?;
    problem.check_plain_size()?;
    let initial = random_state(problem.shape().len(), config.p_init, rng);
    search_from_with(problem, operator, initial, config, stopping, rng)
}

/// Runs one search from a given state (see the module docs for the time step) with the
/// default stopping rules.
pub fn search_from<P, O, R>(
    problem: &P,
    operator: &mut O,
    initial: State,
    config: &SearchConfig,
    rng: &mut R,
) -> Result<SearchOutcome>
where
    P: Problem + ?Sized,
    O: SearchOperator,
    R: Rng + ?Sized,
{
    search_from_with(problem, operator, initial, config, &Stopping::new(), rng)
}

/// [`search_from`] with explicit stopping rules.
pub fn search_from_with<P, O, R>(
    problem: &P,
    operator: &mut O,
    initial: State,
    config: &SearchConfig,
    stopping: &Stopping,
    rng: &mut R,
) -> Result<SearchOutcome>
where
    P: Problem + ?Sized,
    O: SearchOperator,
    R: Rng + ?Sized,
{
    config.check()?;
    stopping.check()?;
    problem.check_plain_size()?;
    let shape = problem.shape();
    operator.check(shape)?;
    let offset = problem.energy_offset();
    let mut dynamics = Dynamics::new(problem.network(), initial, TieRule::Keep)?;
    let mut tracker = Tracker::new(stopping, problem, dynamics.energy());
    tracker.start_from(&dynamics);
    let mut stats = OperatorStats::default();
    let (steps, reason) = if operator.is_identity() {
        // The conventional network never raises the energy: the final state is the best.
        let run = RunConfig {
            schedule: Schedule::RandomNeuron,
            max_steps: config.t_max,
        };
        let mut stopped = None;
        let report = {
            let mut observer = FnObserver(|event: &hopfield_core::StepEvent| {
                match tracker.observe_energy(event.energy, event.step) {
                    Some(r) => {
                        stopped = Some(r);
                        std::ops::ControlFlow::Break(())
                    }
                    None => std::ops::ControlFlow::Continue(()),
                }
            });
            dynamics.run(&run, rng, &mut observer)
        };
        let reason = match report.termination {
            Termination::FixedPoint | Termination::TwoCycle => StopReason::FixedPoint,
            Termination::MaxSteps => StopReason::StepLimit,
            Termination::Stopped => stopped.unwrap_or(StopReason::StepLimit),
        };
        (report.steps, reason)
    } else {
        let n = shape.len();
        operator.begin(&mut dynamics, shape, config.t_max, rng, &mut stats);
        let mut step = 0u64;
        let reason = loop {
            if step >= config.t_max {
                break StopReason::StepLimit;
            }
            if operator.is_converged() {
                break StopReason::Converged;
            }
            let i = rng.random_range(0..n);
            dynamics.update(i);
            operator.step(&mut dynamics, shape, rng, &mut stats);
            step += 1;
            if let Some(r) = tracker.observe(&dynamics, step) {
                break r;
            }
        };
        (step, reason)
    };
    let (best, report) = tracker.finish(reason, offset);
    // The conventional network's last state is its best (its energy never rises).
    if let Some(best) = best.filter(|_| !operator.is_identity()) {
        FlipDynamics::restore(&mut dynamics, &best);
    }
    dynamics.recompute();
    let energy = dynamics.energy() + offset;
    Ok(SearchOutcome {
        state: dynamics.into_state(),
        energy,
        steps,
        operator: stats,
        report,
    })
}

/// The result of one lean search (a [`BitState`] instead of a plain [`State`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LeanOutcome {
    /// The final (or, with [`Stopping::keep_best`], best) state.
    pub state: BitState,
    /// Its penalty energy (recomputed from scratch).
    pub energy: f64,
    /// Time steps simulated.
    pub steps: u64,
    /// The operator's counters.
    pub operator: OperatorStats,
    /// Why the search stopped, and when its best energy was first reached.
    pub report: StopReport,
}

/// A random initial bit state: with `p_init = 0.5` one random word per 64 neurons (so
/// 10⁸-neuron states are drawn in milliseconds); otherwise one draw per neuron.
pub fn random_bits<R: Rng + ?Sized>(n: usize, p_init: f64, rng: &mut R) -> Result<BitState> {
    let mut s = BitState::try_low(Encoding::Binary, n)?;
    if p_init == 0.5 {
        for k in 0..s.n_words() {
            s.set_word(k, rng.random());
        }
    } else {
        for i in 0..n {
            if rng.random_bool(p_init) {
                s.set(i, true);
            }
        }
    }
    Ok(s)
}

/// Runs one search on the lean network of a problem ([`LeanProblem`]): the same time step
/// and stopping rules as [`search_with`], on a [`LeanDynamics`] (a bit per neuron). The
/// memory a search needs ([`LeanProblem::lean_bytes`]) is checked by the problem before
/// anything is allocated.
pub fn search_lean<P, O, R>(
    problem: &P,
    operator: &mut O,
    config: &SearchConfig,
    stopping: &Stopping,
    rng: &mut R,
) -> Result<LeanOutcome>
where
    P: LeanProblem + ?Sized,
    O: FlipOperator,
    R: Rng + ?Sized,
{
    config.check()?;
    stopping.check()?;
    problem.lean()?;
    let initial = random_bits(problem.shape().len(), config.p_init, rng)?;
    search_lean_from(problem, operator, initial, config, stopping, rng)
}

/// [`search_lean`] from a given bit state: the same steps, draws and results as
/// [`search_from_with`] from the same state (tests check this on every operator).
pub fn search_lean_from<P, O, R>(
    problem: &P,
    operator: &mut O,
    initial: BitState,
    config: &SearchConfig,
    stopping: &Stopping,
    rng: &mut R,
) -> Result<LeanOutcome>
where
    P: LeanProblem + ?Sized,
    O: FlipOperator,
    R: Rng + ?Sized,
{
    config.check()?;
    stopping.check()?;
    let lean = problem.lean()?;
    let shape = problem.shape();
    operator.check(shape)?;
    let offset = problem.energy_offset();
    let mut dynamics = LeanDynamics::new(lean, initial)?;
    let mut tracker = Tracker::new(stopping, problem, dynamics.energy());
    tracker.start_from(&dynamics);
    let mut stats = OperatorStats::default();
    let n = shape.len();
    let mut step = 0u64;
    let identity = operator.is_identity();
    let reason = loop {
        if step >= config.t_max {
            break StopReason::StepLimit;
        }
        if operator.is_converged() {
            break StopReason::Converged;
        }
        let i = rng.random_range(0..n);
        dynamics.update(i);
        if !identity {
            operator.turn(&mut dynamics, shape, rng, &mut stats);
        }
        step += 1;
        if let Some(r) = tracker.observe(&dynamics, step) {
            break r;
        }
    };
    let (best, report) = tracker.finish(reason, offset);
    if let Some(best) = best {
        dynamics.restore(&best);
    }
    dynamics.recompute();
    let energy = FlipDynamics::energy(&dynamics) + offset;
    Ok(LeanOutcome {
        state: dynamics.into_state(),
        energy,
        steps: step,
        operator: stats,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::Conventional;
    use crate::queens::Queens;
    use hopfield_core::rng_from_seed;

    #[test]
    fn bad_search_parameters_are_errors() {
        let q = Queens::new(4).unwrap();
        let mut conf = SearchConfig::new(10);
        conf.p_init = 1.5;
        assert!(search(&q, &mut Conventional, &conf, &mut rng_from_seed(1)).is_err());
    }
}
