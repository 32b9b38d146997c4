//! Single-flip operators for QUBO and Ising problems (and any problem whose every state is
//! feasible): simulated annealing ([`SpinAnneal`]) and tabu search ([`SpinTabu`]).
//!
//! Both read the exact flip deltas `ΔE_i = −Δs_i·I_i` from the network's live local fields
//! and flip through the dynamics, so they run unchanged on the plain [`Dynamics`] and on a
//! [`LeanDynamics`](hopfield_core::lean::LeanDynamics) with `i32` fields.
//!
//! - **Annealing** (Kirkpatrick, Gelatt & Vecchi 1983): each operator turn is one sweep over
//!   the neurons in index order with Metropolis acceptance. The temperature falls
//!   geometrically from `T_hot` to `T_cold` over `sweeps` turns, then the schedule restarts
//!   (a new anneal from the cold state, reheated). With no temperatures given they are
//!   measured on the first turn as D-Wave's `neal` sets its β range: `T_hot = max|ΔE| / ln 2`
//!   (the stiffest neuron flips half the time) and `T_cold = min_{ΔE≠0}|ΔE| / ln 100` (the
//!   easiest uphill flip is taken 1 % of the time), from the deltas of the initial state.
//! - **Tabu search** (Glover 1989; the one-flip QUBO form of Glover, Kochenberger & Alidaee
//!   1998, with elite restarts as in Palubeckis 2004): each iteration flips the neuron with
//!   the lowest `ΔE` that is not tabu (a tabu neuron is allowed when it would beat the best
//!   energy found: aspiration; ties broken at random); a flipped neuron stays tabu for
//!   `tenure + U{0..tenure}` iterations. After `restart` iterations without a new best of the
//!   current run, the search returns to the best state found and flips `perturb` random
//!   neurons. Each operator turn makes `n` iterations.

use hopfield_core::lean::{BitState, FlipDynamics};
use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::{Couplings, Dynamics};

use crate::problem::Shape;
use crate::search::{FlipOperator, OperatorStats, SearchOperator};
use crate::{OptError, Result};

/// Parameters of [`SpinAnneal`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnnealConfig {
    /// Sweeps (operator turns) per anneal, `≥ 1`.
    pub sweeps: u64,
    /// The hot and cold temperatures `(T_hot, T_cold)`, `T_hot ≥ T_cold > 0`; measured on
    /// the first turn when `None` (see the module docs).
    pub temperatures: Option<(f64, f64)>,
}

impl Default for AnnealConfig {
    /// 1000 sweeps per anneal (`neal`'s default), temperatures measured.
    fn default() -> Self {
        AnnealConfig {
            sweeps: 1000,
            temperatures: None,
        }
    }
}

impl AnnealConfig {
    /// Checks `sweeps ≥ 1` and the temperatures.
    pub fn check(&self) -> Result<()> {
        if self.sweeps == 0 {
            return Err(OptError::InvalidParameter {
                name: "sweeps",
                reason: "must be >= 1".into(),
            });
        }
        if let Some((hot, cold)) = self.temperatures
            && !(hot.is_finite() && cold.is_finite() && cold > 0.0 && cold <= hot)
        {
            return Err(OptError::InvalidParameter {
                name: "temperatures",
                reason: format!("need finite 0 < t_cold <= t_hot, got {hot} and {cold}"),
            });
        }
        Ok(())
    }
}

/// Metropolis single-flip simulated annealing (see the module docs).
#[derive(Debug, Clone)]
pub struct SpinAnneal {
    config: AnnealConfig,
    temps: Option<(f64, f64)>,
    turn: u64,
}

impl SpinAnneal {
    /// An annealer with checked parameters.
    pub fn new(config: AnnealConfig) -> Result<Self> {
        config.check()?;
        Ok(SpinAnneal {
            config,
            temps: config.temperatures,
            turn: 0,
        })
    }

    /// The temperatures in use (after the first turn when measured).
    pub fn temperatures(&self) -> Option<(f64, f64)> {
        self.temps
    }

    fn sweep<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        d: &mut D,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        let n = d.n();
        let (hot, cold) = *self.temps.get_or_insert_with(|| measure_temperatures(d));
        let period = self.config.sweeps;
        let frac = if period <= 1 {
            1.0
        } else {
            (self.turn % period) as f64 / (period - 1) as f64
        };
        let t = hot * (cold / hot).powf(frac);
        let inv_t = 1.0 / t;
        for i in 0..n {
            let de = d.flip_delta(i);
            let accept = de <= 0.0 || {
                let x = de * inv_t;
                x < 20.0 && rng.random::<f64>() < (-x).exp()
            };
            if accept {
                d.flip(i);
                stats.transitions += 1;
                stats.flips += 1;
            }
        }
        stats.energy_evaluations += n as u64;
        self.turn += 1;
    }
}

/// `neal`'s temperature range from the flip deltas of the current state.
fn measure_temperatures<D: FlipDynamics>(d: &D) -> (f64, f64) {
    let (mut max, mut min) = (0.0_f64, f64::INFINITY);
    for i in 0..d.n() {
        let a = d.flip_delta(i).abs();
        max = max.max(a);
        if a > 1e-12 {
            min = min.min(a);
        }
    }
    if max <= 0.0 || !min.is_finite() {
        return (1.0, 1.0);
    }
    let hot = max / std::f64::consts::LN_2;
    let cold = (min / 100f64.ln()).min(hot);
    (hot, cold)
}

impl SearchOperator for SpinAnneal {
    fn name(&self) -> &'static str {
        "spin-anneal"
    }

    fn check(&self, _shape: &Shape) -> Result<()> {
        self.config.check()
    }

    fn step<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        _shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        self.sweep(dynamics, rng, stats);
    }
}

impl FlipOperator for SpinAnneal {
    fn turn<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut D,
        _shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        self.sweep(dynamics, rng, stats);
    }
}

/// Parameters of [`SpinTabu`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TabuConfig {
    /// Base tabu tenure in iterations, `≥ 1`; `None`: `max(10, n/100)`.
    pub tenure: Option<u64>,
    /// Iterations without a new best of the current run before an elite restart, `≥ 1`;
    /// `None`: `10·n`.
    pub restart: Option<u64>,
    /// Neurons flipped at random after returning to the best state, `≥ 1`; `None`: `n/10`
    /// (at least 1).
    pub perturb: Option<usize>,
}

impl Default for TabuConfig {
    /// Every value scaled to the problem size (see the fields).
    fn default() -> Self {
        TabuConfig {
            tenure: None,
            restart: None,
            perturb: None,
        }
    }
}

impl TabuConfig {
    /// Checks that given values are `≥ 1`.
    pub fn check(&self) -> Result<()> {
        for (name, v) in [
            ("tenure", self.tenure),
            ("restart", self.restart),
            ("perturb", self.perturb.map(|p| p as u64)),
        ] {
            if v == Some(0) {
                return Err(OptError::InvalidParameter {
                    name,
                    reason: "must be >= 1".into(),
                });
            }
        }
        Ok(())
    }
}

/// One-flip tabu search with elite restarts (see the module docs).
#[derive(Debug, Clone)]
pub struct SpinTabu {
    config: TabuConfig,
    tabu_until: Vec<u64>,
    iter: u64,
    run_best: f64,
    since: u64,
    elite: Option<(BitState, f64)>,
}

impl SpinTabu {
    /// A tabu search with checked parameters.
    pub fn new(config: TabuConfig) -> Result<Self> {
        config.check()?;
        Ok(SpinTabu {
            config,
            tabu_until: Vec::new(),
            iter: 0,
            run_best: f64::INFINITY,
            since: 0,
            elite: None,
        })
    }

    fn turn_on<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        d: &mut D,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        let n = d.n();
        if self.tabu_until.len() != n {
            self.tabu_until = vec![0; n];
            self.run_best = d.energy();
            self.elite = Some((d.snapshot(), d.energy()));
        }
        let tenure = self.config.tenure.unwrap_or((n as u64 / 100).max(10));
        let restart = self.config.restart.unwrap_or(10 * n as u64).max(1);
        let perturb = self.config.perturb.unwrap_or(n / 10).clamp(1, n);
        let tol = 1e-9 * d.energy().abs().max(1.0);
        for _ in 0..n {
            let e = d.energy();
            let elite_e = self.elite.as_ref().map_or(f64::INFINITY, |x| x.1);
            let (mut best_i, mut best_de, mut ties) = (usize::MAX, f64::INFINITY, 0u32);
            for i in 0..n {
                let de = d.flip_delta(i);
                if self.tabu_until[i] > self.iter && e + de >= elite_e - tol {
                    continue;
                }
                if de < best_de - tol {
                    (best_i, best_de, ties) = (i, de, 1);
                } else if de <= best_de + tol {
                    ties += 1;
                    if rng.random_range(0..ties) == 0 {
                        best_i = i;
                    }
                }
            }
            stats.energy_evaluations += n as u64;
            self.iter += 1;
            if best_i == usize::MAX {
                continue;
            }
            d.flip(best_i);
            stats.flips += 1;
            stats.transitions += 1;
            self.tabu_until[best_i] = self.iter + tenure + rng.random_range(0..=tenure);
            let e = d.energy();
            if e < self.run_best - tol {
                self.run_best = e;
                self.since = 0;
                if e < elite_e - tol {
                    match &mut self.elite {
                        Some((s, v)) => {
                            s.copy_from(&d.snapshot());
                            *v = e;
                        }
                        None => self.elite = Some((d.snapshot(), e)),
                    }
                }
            } else {
                self.since += 1;
                if self.since >= restart {
                    if let Some((s, _)) = &self.elite {
                        d.restore(s);
                    }
                    for _ in 0..perturb {
                        d.flip(rng.random_range(0..n));
                        stats.flips += 1;
                    }
                    self.tabu_until.fill(0);
                    self.run_best = d.energy();
                    self.since = 0;
                }
            }
        }
    }
}

impl SearchOperator for SpinTabu {
    fn name(&self) -> &'static str {
        "spin-tabu"
    }

    fn check(&self, _shape: &Shape) -> Result<()> {
        self.config.check()
    }

    fn step<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        _shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        self.turn_on(dynamics, rng, stats);
    }
}

impl FlipOperator for SpinTabu {
    fn turn<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut D,
        _shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        self.turn_on(dynamics, rng, stats);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters_are_errors() {
        assert!(
            SpinAnneal::new(AnnealConfig {
                sweeps: 0,
                temperatures: None
            })
            .is_err()
        );
        assert!(
            SpinAnneal::new(AnnealConfig {
                sweeps: 10,
                temperatures: Some((0.1, 1.0))
            })
            .is_err()
        );
        assert!(
            SpinTabu::new(TabuConfig {
                tenure: Some(0),
                ..TabuConfig::default()
            })
            .is_err()
        );
        assert!(SpinTabu::new(TabuConfig::default()).is_ok());
    }
}
