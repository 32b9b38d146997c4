//! Search: the time step every operator runs in, the [`SearchOperator`] trait operators plug
//! into, and the seeded trial runner ([`trials`]).
//!
//! The operators themselves (the conventional network, the tunnel operator `T` of Matsumoto
//! et al., and the move operators beyond the paper) live in [`crate::operators`].
//!
//! # The time step (seed 002 eqs 2, 4–9; SPEC §5.1)
//! Every step `t = 0..t_max` updates one neuron drawn uniformly at random with the tie rule
//! "keep" (eq. 2), then gives the operator its turn. The state at `t_max` is evaluated as is,
//! converged or not. The conventional network is the identity operator
//! ([`Conventional`](crate::operators::Conventional)).

pub mod trials;

use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::{
    Couplings, Dynamics, Encoding, NoObserver, RunConfig, Schedule, State, TieRule,
};

use crate::problem::{Problem, Shape};
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

/// How a search runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchConfig {
    /// Time steps (neuron updates, each followed by the operator's turn).
    pub t_max: u64,
    /// Probability that a neuron starts high (SPEC §6.4: 0.5).
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
    /// The state at `t_max`.
    pub state: State,
    /// Its penalty energy ([`Problem::energy`], recomputed from scratch).
    pub energy: f64,
    /// Time steps simulated. The conventional network stops at a confirmed fixed point,
    /// which steps up to `t_max` could not leave.
    pub steps: u64,
    /// The operator's counters (tunnel transitions, energy evaluations, flips).
    pub operator: OperatorStats,
}

/// A random initial state: each neuron high with probability `p_init`, `O(N)`.
pub fn random_state<R: Rng + ?Sized>(n: usize, p_init: f64, rng: &mut R) -> State {
    let bits: Vec<bool> = (0..n).map(|_| rng.random_bool(p_init)).collect();
    State::from_bits(Encoding::Binary, &bits)
}

/// Runs one search from a random initial state (drawn first from `rng`, see
/// [`random_state`]). `O(t_max · (column + operator))`.
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
    config.check()?;
    let initial = random_state(problem.shape().len(), config.p_init, rng);
    search_from(problem, operator, initial, config, rng)
}

/// Runs one search from a given state (see the module docs for the time step).
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
    config.check()?;
    let shape = problem.shape();
    operator.check(shape)?;
    let mut dynamics = Dynamics::new(problem.network(), initial, TieRule::Keep)?;
    let mut stats = OperatorStats::default();
    let steps = if operator.is_identity() {
        let run = RunConfig {
            schedule: Schedule::RandomNeuron,
            max_steps: config.t_max,
        };
        dynamics.run(&run, rng, &mut NoObserver).steps
    } else {
        let n = shape.len();
        operator.begin(&mut dynamics, shape, config.t_max, rng, &mut stats);
        for _ in 0..config.t_max {
            let i = rng.random_range(0..n);
            dynamics.update(i);
            operator.step(&mut dynamics, shape, rng, &mut stats);
        }
        config.t_max
    };
    dynamics.recompute();
    let energy = dynamics.energy() + problem.energy_offset();
    Ok(SearchOutcome {
        state: dynamics.into_state(),
        energy,
        steps,
        operator: stats,
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
