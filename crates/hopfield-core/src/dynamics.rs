//! Asynchronous and synchronous dynamics with incrementally maintained local fields.

use std::ops::ControlFlow;

use rand::seq::SliceRandom;
use rand::{Rng, RngExt};

use crate::couplings::Couplings;
use crate::error::Result;
use crate::network::{Network, flip_change, flip_energy_delta};
use crate::state::{State, TieRule};

/// Which neurons an update step visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Asynchronous: each step updates one neuron drawn uniformly at random (with
    /// replacement), the protocol of Hopfield 1982 and of the tunnel paper.
    RandomNeuron,
    /// Asynchronous: sweeps over a fresh random permutation of the neurons, one neuron a step.
    RandomSweep,
    /// Asynchronous: sweeps over neurons `0, 1, …, N−1`, one neuron a step.
    FixedOrder,
    /// Synchronous: each step updates every neuron from the same old fields.
    Synchronous,
}

/// How long and how to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RunConfig {
    /// The update schedule.
    pub schedule: Schedule,
    /// The step limit: neuron updates for asynchronous schedules, sweeps for synchronous.
    pub max_steps: u64,
}

/// Why a run ended. These are outcomes, not errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// No neuron would change: the state is a fixed point of the update rule.
    FixedPoint,
    /// Synchronous dynamics returned to the state of two sweeps before (a period-2 cycle).
    TwoCycle,
    /// The step limit was reached first.
    MaxSteps,
    /// The observer asked to stop.
    Stopped,
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunReport {
    /// Why the run ended.
    pub termination: Termination,
    /// Steps taken (neuron updates, or sweeps for synchronous dynamics).
    pub steps: u64,
    /// Neurons flipped in all.
    pub flips: u64,
    /// The energy at the end.
    pub energy: f64,
}

/// What an [`Observer`] sees after each step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepEvent {
    /// Steps taken so far, this one included.
    pub step: u64,
    /// The neuron updated (asynchronous), or `None` for a synchronous sweep.
    pub neuron: Option<usize>,
    /// How many neurons flipped in this step.
    pub flipped: usize,
    /// The energy after the step.
    pub energy: f64,
}

/// Sees every step of a run; returns [`ControlFlow::Break`] to stop it
/// ([`Termination::Stopped`]). Energy traces, progress and cancellation hook in here.
pub trait Observer {
    /// Called after every step.
    fn on_step(&mut self, event: &StepEvent) -> ControlFlow<()>;
}

/// An observer that does nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    #[inline]
    fn on_step(&mut self, _: &StepEvent) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// An observer from a closure.
#[derive(Debug, Clone, Copy)]
pub struct FnObserver<F>(pub F);

impl<F: FnMut(&StepEvent) -> ControlFlow<()>> Observer for FnObserver<F> {
    #[inline]
    fn on_step(&mut self, event: &StepEvent) -> ControlFlow<()> {
        (self.0)(event)
    }
}

/// Records the energy after every step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnergyTrace {
    /// One energy per step, in order.
    pub energies: Vec<f64>,
}

impl Observer for EnergyTrace {
    fn on_step(&mut self, event: &StepEvent) -> ControlFlow<()> {
        self.energies.push(event.energy);
        ControlFlow::Continue(())
    }
}

/// A state evolving under a network, with every local field kept current.
///
/// After a flip of neuron `j` the fields change by `Δs_j · W[:, j]`
/// ([`Couplings::add_column`]), so an asynchronous step costs `O(degree of j)` and deciding
/// whether a neuron flips costs `O(1)`. The energy is kept current the same way from the exact
/// flip delta `ΔE = −Δs_k·I_k − ½ w_kk Δs_k²`. [`Dynamics::recompute`] refreshes both from
/// scratch.
///
/// ```
/// use hopfield_core::{rng_from_seed, Dense, Dynamics, Encoding, Network, NoObserver,
///     RunConfig, Schedule, State, Termination, TieRule};
/// use nalgebra::DMatrix;
///
/// // Store one pattern with the Hebbian rule and recall it from a corrupted copy.
/// let p = [1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
/// let w = Dense::with_zero_diagonal(DMatrix::from_fn(6, 6, |i, j| p[i] * p[j]))?;
/// let net = Network::new(w, Encoding::Bipolar);
/// let mut probe = State::new(Encoding::Bipolar, p.to_vec())?;
/// probe.flip(0);
/// let mut dynamics = Dynamics::new(&net, probe, TieRule::High)?;
/// let config = RunConfig { schedule: Schedule::RandomSweep, max_steps: 1_000 };
/// let report = dynamics.run(&config, &mut rng_from_seed(7), &mut NoObserver);
/// assert_eq!(report.termination, Termination::FixedPoint);
/// assert_eq!(dynamics.state().as_slice(), &p);
/// # Ok::<(), hopfield_core::CoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dynamics<'n, C> {
    net: &'n Network<C>,
    state: State,
    fields: Vec<f64>,
    energy: f64,
    tie: TieRule,
    /// The neurons the last synchronous step flipped, in increasing order.
    flipped: Vec<usize>,
}

/// A synchronous step that flips at most `N / SYNC_INCREMENTAL_DIVISOR` neurons updates the
/// fields column by column (`O(flips · column)`) instead of recomputing `W s`.
const SYNC_INCREMENTAL_DIVISOR: usize = 4;

impl<'n, C: Couplings> Dynamics<'n, C> {
    /// Starts from `state` (checked against the network).
    pub fn new(net: &'n Network<C>, state: State, tie: TieRule) -> Result<Self> {
        net.check_state(&state)?;
        let mut dynamics = Dynamics {
            net,
            state,
            fields: vec![0.0; net.n()],
            energy: 0.0,
            tie,
            flipped: Vec::new(),
        };
        dynamics.recompute();
        Ok(dynamics)
    }

    /// The network.
    #[inline]
    pub fn network(&self) -> &'n Network<C> {
        self.net
    }

    /// The current state.
    #[inline]
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The current state, consuming the dynamics.
    pub fn into_state(self) -> State {
        self.state
    }

    /// The current local fields `I = W s + b`.
    #[inline]
    pub fn fields(&self) -> &[f64] {
        &self.fields
    }

    /// The current energy (kept incrementally).
    #[inline]
    pub fn energy(&self) -> f64 {
        self.energy
    }

    /// The tie rule.
    #[inline]
    pub fn tie_rule(&self) -> TieRule {
        self.tie
    }

    /// Recomputes fields and energy from scratch (one `W s` product), discarding any rounding
    /// the incremental updates accumulated.
    pub fn recompute(&mut self) {
        self.net
            .fields_into_unchecked(self.state.as_slice(), &mut self.fields);
        self.energy = self
            .net
            .energy_from_fields(self.state.as_slice(), &self.fields);
    }

    /// Replaces the state (checked) and recomputes fields and energy.
    pub fn reset(&mut self, state: State) -> Result<()> {
        self.net.check_state(&state)?;
        self.state = state;
        self.recompute();
        Ok(())
    }

    /// Whether the update rule would change neuron `i`. Panics if `i` is out of range.
    #[inline]
    pub fn would_flip(&self, i: usize) -> bool {
        let high = self.state.is_high(i);
        self.tie.next_is_high(self.fields[i], high) != high
    }

    /// The exact energy change if neuron `i` flipped, in `O(1)`. Panics if `i` is out of
    /// range.
    #[inline]
    pub fn flip_delta(&self, i: usize) -> f64 {
        let delta = flip_change(self.net.encoding(), self.state.is_high(i));
        flip_energy_delta(self.fields[i], delta, self.net.couplings().self_coupling(i))
    }

    /// Flips neuron `i` whatever its field says (search operators use this), updating the
    /// fields and the energy; returns the energy change. Panics if `i` is out of range.
    #[inline]
    pub fn flip(&mut self, i: usize) -> f64 {
        let de = self.flip_delta(i);
        let delta = self.state.flip(i);
        self.net.couplings().add_column(i, delta, &mut self.fields);
        self.energy += de;
        de
    }

    /// Flips neuron `i` (checked index); see [`Dynamics::flip`].
    pub fn try_flip(&mut self, i: usize) -> Result<f64> {
        self.net.check_index(i)?;
        Ok(self.flip(i))
    }

    /// Applies the update rule to neuron `i`; returns whether it flipped. Panics if `i` is out
    /// of range.
    #[inline]
    pub fn update(&mut self, i: usize) -> bool {
        if self.would_flip(i) {
            self.flip(i);
            true
        } else {
            false
        }
    }

    /// Whether no neuron would change (`O(N)` with the current fields).
    pub fn is_fixed_point(&self) -> bool {
        (0..self.net.n()).all(|i| !self.would_flip(i))
    }

    /// One synchronous sweep: every neuron takes the value its current field dictates, then
    /// the fields and the energy are brought current. Returns how many neurons changed.
    ///
    /// A sweep that changes nothing touches nothing (the fields are still current); one that
    /// changes at most `N/4` neurons adds their columns (`O(flips · column)`); otherwise the
    /// fields are recomputed with one `W s` product.
    pub fn sync_step(&mut self) -> usize {
        let mut flipped = std::mem::take(&mut self.flipped);
        flipped.clear();
        for i in 0..self.net.n() {
            let high = self.state.is_high(i);
            if self.tie.next_is_high(self.fields[i], high) != high {
                flipped.push(i);
            }
        }
        let changed = flipped.len();
        if changed > 0 {
            for &i in &flipped {
                self.state.flip(i);
            }
            if changed * SYNC_INCREMENTAL_DIVISOR <= self.net.n() {
                for &i in &flipped {
                    let delta = if self.state.is_high(i) {
                        self.net.encoding().span()
                    } else {
                        -self.net.encoding().span()
                    };
                    self.net.couplings().add_column(i, delta, &mut self.fields);
                }
                self.energy = self
                    .net
                    .energy_from_fields(self.state.as_slice(), &self.fields);
            } else {
                self.recompute();
            }
        }
        self.flipped = flipped;
        changed
    }

    /// Runs until a fixed point, a two-cycle (synchronous only), the step limit, or the
    /// observer stops it. `rng` drives the random schedules (it is not touched by
    /// [`Schedule::FixedOrder`] and [`Schedule::Synchronous`]).
    ///
    /// With [`Schedule::RandomNeuron`] a fixed point is confirmed by an `O(N)` scan once `N`
    /// steps in a row have flipped nothing (so a fixed point is reported at most `N` steps
    /// after it is reached, at an amortized `O(1)` per step); the sweep schedules report it at
    /// the end of the first sweep without a flip.
    pub fn run<R: Rng + ?Sized, O: Observer>(
        &mut self,
        config: &RunConfig,
        rng: &mut R,
        observer: &mut O,
    ) -> RunReport {
        let n = self.net.n();
        let mut steps = 0u64;
        let mut flips = 0u64;
        let report = |this: &Self, termination, steps, flips| RunReport {
            termination,
            steps,
            flips,
            energy: this.energy,
        };
        if n == 0 {
            return report(self, Termination::FixedPoint, 0, 0);
        }
        match config.schedule {
            Schedule::RandomNeuron => {
                let mut idle = 0usize;
                while steps < config.max_steps {
                    let i = rng.random_range(0..n);
                    steps += 1;
                    let flipped = self.update(i);
                    if flipped {
                        flips += 1;
                        idle = 0;
                    } else {
                        idle += 1;
                    }
                    let event = StepEvent {
                        step: steps,
                        neuron: Some(i),
                        flipped: usize::from(flipped),
                        energy: self.energy,
                    };
                    if observer.on_step(&event).is_break() {
                        return report(self, Termination::Stopped, steps, flips);
                    }
                    if idle >= n {
                        if self.is_fixed_point() {
                            return report(self, Termination::FixedPoint, steps, flips);
                        }
                        idle = 0;
                    }
                }
            }
            Schedule::RandomSweep | Schedule::FixedOrder => {
                let mut order: Vec<usize> = (0..n).collect();
                'sweeps: while steps < config.max_steps {
                    if config.schedule == Schedule::RandomSweep {
                        order.shuffle(rng);
                    }
                    let mut sweep_flips = 0usize;
                    for &i in &order {
                        if steps >= config.max_steps {
                            flips += sweep_flips as u64;
                            break 'sweeps;
                        }
                        steps += 1;
                        let flipped = self.update(i);
                        sweep_flips += usize::from(flipped);
                        let event = StepEvent {
                            step: steps,
                            neuron: Some(i),
                            flipped: usize::from(flipped),
                            energy: self.energy,
                        };
                        if observer.on_step(&event).is_break() {
                            flips += sweep_flips as u64;
                            return report(self, Termination::Stopped, steps, flips);
                        }
                    }
                    flips += sweep_flips as u64;
                    if sweep_flips == 0 {
                        return report(self, Termination::FixedPoint, steps, flips);
                    }
                }
            }
            Schedule::Synchronous => {
                // s_t = s_{t−2} exactly when step t flips the same neurons as step t − 1.
                let mut previous_flips: Vec<usize> = Vec::new();
                while steps < config.max_steps {
                    let changed = self.sync_step();
                    steps += 1;
                    flips += changed as u64;
                    let event = StepEvent {
                        step: steps,
                        neuron: None,
                        flipped: changed,
                        energy: self.energy,
                    };
                    if observer.on_step(&event).is_break() {
                        return report(self, Termination::Stopped, steps, flips);
                    }
                    if changed == 0 {
                        return report(self, Termination::FixedPoint, steps, flips);
                    }
                    if steps >= 2 && previous_flips == self.flipped {
                        return report(self, Termination::TwoCycle, steps, flips);
                    }
                    previous_flips.clone_from(&self.flipped);
                }
            }
        }
        report(self, Termination::MaxSteps, steps, flips)
    }
}

/// Runs `config` from `state` and returns the final state with the report: the one-call form
/// of [`Dynamics::new`] + [`Dynamics::run`].
pub fn relax<C: Couplings, R: Rng + ?Sized, O: Observer>(
    net: &Network<C>,
    state: State,
    tie: TieRule,
    config: &RunConfig,
    rng: &mut R,
    observer: &mut O,
) -> Result<(State, RunReport)> {
    let mut dynamics = Dynamics::new(net, state, tie)?;
    let report = dynamics.run(config, rng, observer);
    Ok((dynamics.into_state(), report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, DiagonalPolicy, Encoding, rng_from_seed};
    use nalgebra::DMatrix;

    #[test]
    fn antiferromagnetic_pair_two_cycles_synchronously() {
        // w_01 = −1: from (+,+) both flip to (−,−) and back.
        let w = DMatrix::from_row_slice(2, 2, &[0.0, -1.0, -1.0, 0.0]);
        let net = Network::new(
            Dense::new(w, DiagonalPolicy::Zero).expect("valid"),
            Encoding::Bipolar,
        );
        let s = State::from_signs(Encoding::Bipolar, &[1, 1]);
        let config = RunConfig {
            schedule: Schedule::Synchronous,
            max_steps: 10,
        };
        let (end, report) = relax(
            &net,
            s.clone(),
            TieRule::High,
            &config,
            &mut rng_from_seed(0),
            &mut NoObserver,
        )
        .expect("valid");
        assert_eq!(report.termination, Termination::TwoCycle);
        assert_eq!(report.steps, 2);
        assert_eq!(end, s);
    }

    #[test]
    fn observer_can_stop_and_limit_is_an_outcome() {
        let w = DMatrix::from_row_slice(2, 2, &[0.0, -1.0, -1.0, 0.0]);
        let net = Network::new(
            Dense::new(w, DiagonalPolicy::Zero).expect("valid"),
            Encoding::Bipolar,
        );
        let s = State::from_signs(Encoding::Bipolar, &[1, 1]);
        let mut d = Dynamics::new(&net, s, TieRule::Keep).expect("valid");
        let config = RunConfig {
            schedule: Schedule::Synchronous,
            max_steps: 1,
        };
        let r = d.run(&config, &mut rng_from_seed(0), &mut NoObserver);
        assert_eq!((r.termination, r.steps), (Termination::MaxSteps, 1));
        let mut stop_at_5 = FnObserver(|e: &StepEvent| {
            if e.step == 5 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        let config = RunConfig {
            schedule: Schedule::FixedOrder,
            max_steps: 100,
        };
        let mut d =
            Dynamics::new(&net, State::low(Encoding::Bipolar, 2), TieRule::High).expect("valid");
        // Neuron 0 flips in the first sweep, (−,−) → (+,−); the second sweep flips nothing, so
        // the fixed point is reported at step 4 and a stop at step 5 never comes.
        let r = d.run(&config, &mut rng_from_seed(0), &mut stop_at_5);
        assert_eq!(
            (r.termination, r.steps, r.flips),
            (Termination::FixedPoint, 4, 1)
        );
        let mut d =
            Dynamics::new(&net, State::low(Encoding::Bipolar, 2), TieRule::High).expect("valid");
        let mut stop_at_1 = FnObserver(|_: &StepEvent| ControlFlow::Break(()));
        let r = d.run(&config, &mut rng_from_seed(0), &mut stop_at_1);
        assert_eq!((r.termination, r.steps), (Termination::Stopped, 1));
    }

    #[test]
    fn zero_steps_is_a_step_limit_not_an_error() {
        let w = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]);
        let net = Network::new(
            Dense::new(w, DiagonalPolicy::Zero).expect("valid"),
            Encoding::Binary,
        );
        let config = RunConfig {
            schedule: Schedule::RandomNeuron,
            max_steps: 0,
        };
        let s = State::from_bits(Encoding::Binary, &[true, false]);
        let (end, r) = relax(
            &net,
            s.clone(),
            TieRule::Keep,
            &config,
            &mut rng_from_seed(0),
            &mut NoObserver,
        )
        .expect("valid");
        assert_eq!((r.termination, r.steps, end), (Termination::MaxSteps, 0, s));
    }
}
