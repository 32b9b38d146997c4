//! Acceptance rules and their schedules: what the move operators do with a candidate whose
//! energy change is `ΔE`.
//!
//! The paper's tunnel operator accepts a candidate only if it lowers the energy (Matsumoto et al.
//! 2004, eq. 8): pure descent, which stops in the first local minimum of its neighbourhood. The
//! rules here also accept some uphill moves:
//!
//! - [`Acceptance::Descent`]: accept `ΔE ≤ 0` (sideways moves included, unlike eq. 8, so that
//!   plateaus can be crossed).
//! - [`Acceptance::Anneal`]: Metropolis simulated annealing (Kirkpatrick, Gelatt & Vecchi
//!   1983): accept `ΔE ≤ 0`, and `ΔE > 0` with probability `exp(−ΔE / T)`.
//! - [`Acceptance::Threshold`]: threshold accepting (Dueck & Scheuer 1990): accept
//!   `ΔE ≤ T`, deterministic given the candidate.
//!
//! # Schedule
//! Temperatures are given *relative to an energy scale* measured at the start of a run (the
//! mean `|ΔE|` of a sample of random candidates, or a problem's natural unit; see
//! [`super::MoveFamily::energy_scale`]), so one configuration fits instances of any size and
//! distance unit. Within a *period* of `period` operator turns the temperature falls
//! geometrically from `t_start·scale` to `t_end·scale` (threshold: linearly). At the end of a
//! period the search returns to the best state it has seen and the temperature restarts
//! from `t_start` (an elitist restart). A run of `t_max = m·period` time steps therefore ends
//! in the best state it found.

use hopfield_core::rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::{OptError, Result};

/// How a candidate move with energy change `ΔE` is accepted (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Acceptance {
    /// Accept `ΔE ≤ 0` only.
    Descent,
    /// Metropolis acceptance, temperature falling geometrically from `t_start` to `t_end`
    /// (both relative to the energy scale) over each period.
    Anneal {
        /// Initial relative temperature (`> 0`).
        t_start: f64,
        /// Final relative temperature (`0 < t_end ≤ t_start`).
        t_end: f64,
    },
    /// Threshold accepting, threshold falling linearly from `t_start` to `t_end` (relative
    /// to the energy scale) over each period.
    Threshold {
        /// Initial relative threshold (`≥ 0`).
        t_start: f64,
        /// Final relative threshold (`0 ≤ t_end ≤ t_start`).
        t_end: f64,
    },
}

impl Default for Acceptance {
    /// Annealing from 1.0 to 0.01 of the energy scale.
    fn default() -> Self {
        Acceptance::Anneal {
            t_start: 1.0,
            t_end: 0.01,
        }
    }
}

impl Acceptance {
    /// Checks the temperatures: finite, `t_end ≤ t_start`, both `> 0` for annealing and
    /// `≥ 0` for threshold accepting.
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| {
            Err(OptError::InvalidParameter {
                name: "acceptance",
                reason,
            })
        };
        match *self {
            Acceptance::Descent => Ok(()),
            Acceptance::Anneal { t_start, t_end } => {
                if !(t_start.is_finite() && t_end.is_finite() && t_end > 0.0 && t_end <= t_start) {
                    return bad(format!(
                        "anneal needs finite 0 < t_end <= t_start, got t_start = {t_start}, t_end = {t_end}"
                    ));
                }
                Ok(())
            }
            Acceptance::Threshold { t_start, t_end } => {
                if !(t_start.is_finite() && t_end.is_finite() && t_end >= 0.0 && t_end <= t_start) {
                    return bad(format!(
                        "threshold needs finite 0 <= t_end <= t_start, got t_start = {t_start}, t_end = {t_end}"
                    ));
                }
                Ok(())
            }
        }
    }
}

/// The run-time state of a schedule: position in the current period and the energy scale.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScheduleState {
    acceptance: Acceptance,
    period: u64,
    turn: u64,
    scale: f64,
    /// The current (absolute) temperature or threshold.
    level: f64,
}

impl ScheduleState {
    pub(crate) fn new(acceptance: Acceptance, period: u64) -> Self {
        let mut s = ScheduleState {
            acceptance,
            period: period.max(1),
            turn: 0,
            scale: 1.0,
            level: 0.0,
        };
        s.update_level();
        s
    }

    pub(crate) fn set_scale(&mut self, scale: f64) {
        self.scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        self.update_level();
    }

    fn update_level(&mut self) {
        let frac = if self.period <= 1 {
            1.0
        } else {
            self.turn as f64 / (self.period - 1) as f64
        };
        self.level = match self.acceptance {
            Acceptance::Descent => 0.0,
            Acceptance::Anneal { t_start, t_end } => {
                self.scale * t_start * (t_end / t_start).powf(frac)
            }
            Acceptance::Threshold { t_start, t_end } => {
                self.scale * (t_start + (t_end - t_start) * frac)
            }
        };
    }

    /// Whether a candidate with energy change `de` is accepted; `tol` absorbs rounding.
    #[inline]
    pub(crate) fn accept<R: Rng + ?Sized>(&self, de: f64, tol: f64, rng: &mut R) -> bool {
        if de <= tol {
            return true;
        }
        match self.acceptance {
            Acceptance::Descent => false,
            Acceptance::Anneal { .. } => rng.random::<f64>() < (-de / self.level).exp(),
            Acceptance::Threshold { .. } => de <= self.level + tol,
        }
    }

    /// Advances one operator turn; returns `true` when a period just ended.
    pub(crate) fn advance(&mut self) -> bool {
        self.turn += 1;
        let ended = self.turn >= self.period;
        if ended {
            self.turn = 0;
        }
        self.update_level();
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    #[test]
    fn bad_temperatures_are_errors() {
        assert!(
            Acceptance::Anneal {
                t_start: 1.0,
                t_end: 0.0
            }
            .check()
            .is_err()
        );
        assert!(
            Acceptance::Anneal {
                t_start: 0.1,
                t_end: 1.0
            }
            .check()
            .is_err()
        );
        assert!(
            Acceptance::Threshold {
                t_start: f64::NAN,
                t_end: 0.0
            }
            .check()
            .is_err()
        );
        assert!(
            Acceptance::Threshold {
                t_start: 1.0,
                t_end: -1.0
            }
            .check()
            .is_err()
        );
        assert!(Acceptance::default().check().is_ok());
        assert!(Acceptance::Descent.check().is_ok());
    }

    #[test]
    fn annealing_cools_geometrically_and_restarts() {
        let mut s = ScheduleState::new(
            Acceptance::Anneal {
                t_start: 1.0,
                t_end: 0.01,
            },
            3,
        );
        s.set_scale(2.0);
        assert!((s.level - 2.0).abs() < 1e-12);
        assert!(!s.advance());
        assert!((s.level - 0.2).abs() < 1e-12);
        assert!(!s.advance());
        assert!((s.level - 0.02).abs() < 1e-12);
        assert!(s.advance());
        assert!((s.level - 2.0).abs() < 1e-12);
    }

    #[test]
    fn descent_and_threshold_rules() {
        let mut rng = rng_from_seed(1);
        let d = ScheduleState::new(Acceptance::Descent, 10);
        assert!(d.accept(0.0, 1e-9, &mut rng));
        assert!(!d.accept(1e-3, 1e-9, &mut rng));
        let mut t = ScheduleState::new(
            Acceptance::Threshold {
                t_start: 1.0,
                t_end: 0.0,
            },
            2,
        );
        t.set_scale(1.0);
        assert!(t.accept(0.9, 0.0, &mut rng));
        assert!(!t.accept(1.1, 0.0, &mut rng));
        t.advance();
        assert!(!t.accept(0.1, 0.0, &mut rng));
    }
}
