//! Move operators beyond the paper: they keep the network on the feasible set and move
//! between local minima, with acceptance rules beyond pure descent.
//!
//! The faithful reproduction ([`Conventional`](super::Conventional),
//! [`Tunnel`](super::Tunnel)) is untouched. The operators here plug into the same
//! [`SearchOperator`] trait, the same time step ([`crate::search::search`]: one random
//! neuron update, then the operator's turn) and the same seeded trial runner
//! ([`crate::search::trials::run_trials`]).
//!
//! # What changes relative to the paper
//! The tunnel operator T (Matsumoto et al. 2004) permutes whole slices of the neuron array at
//! random and keeps a candidate only if it lowers the energy. Here:
//!
//! 1. **Feasible representation.** On its first turn an operator *projects* the state onto
//!    the feasible set (a tour, a permutation of queens, a transportation plan with the right
//!    supplies and demands; see each family) and from then on keeps the network there. The
//!    time step's neuron update cannot leave a feasible tour or plan under the default
//!    weights (they are 1-flip stable); when it does change a neuron (an
//!    N-Queens queen on two diagonals is switched off), the operator notices at its next
//!    turn (the energy it left changed) and restores its representation.
//! 2. **Structured moves.** Candidates are moves of the combinatorial object, written as
//!    neuron flips: segment reversal (2-opt) and segment relocation (Or-opt) of tours as
//!    permutations of position slices ([`super::tsp_moves`]); cycle moves of transportation plans
//!    ([`super::transport_cycles`]); conflict-guided row exchanges of queens ([`super::queens_moves`]).
//! 3. **Acceptance and restarts** ([`super::schedule`]): annealing, threshold accepting or descent,
//!    with a periodic return to the best state seen.
//!
//! # Scoring
//! Every candidate is scored from the live [`Dynamics`] by [`flips_delta`]: for a set `F` of
//! distinct neurons flipped together, `ΔE = Σ_{k∈F} flip_delta(k) − Σ_{k<l∈F} w_kl Δ_k Δ_l`
//! (the exact energy change, from the current local fields and `|F|²/2` weight lookups); no
//! full energy is ever computed for a candidate. An accepted candidate is applied with
//! [`Dynamics::flip`], which keeps fields and energy current.
//!
//! # Selecting an operator by name
//! [`OperatorSpec`] is a serde-deserializable, checked description (TOML in experiment
//! files, or [`by_name`]); [`WithMoves::moves`] builds the operator for a problem:
//!
//! | name | problem | moves |
//! |---|---|---|
//! | `tour-moves` | [`Tsp`] | 2-opt and Or-opt ([`TourMoves`]) |
//! | `transport-cycles` | [`Transport`] (unary) | cycle moves ([`TransportCycles`]) |
//! | `queens-swaps` | [`Queens`] | conflict-guided row exchanges ([`QueensSwaps`]) |
//!
//! Instances: any TSPLIB file via [`crate::tsplib::Instance::from_path`], any `n` for
//! N-Queens, and balanced transportation instances in a small TOML format
//! ([`crate::transport::file`]).

use hopfield_core::lean::FlipDynamics;
use hopfield_core::rand::Rng;
use hopfield_core::{Couplings, Dynamics};
use serde::{Deserialize, Serialize};

use crate::problem::{Problem, Shape};
use crate::queens::Queens;
use crate::search::{FlipOperator, OperatorStats, SearchOperator};
use crate::transport::Transport;
use crate::tsp::Tsp;
use crate::{OptError, Result};

use super::queens_moves::{self, QueensFamily, QueensSwaps};
use super::schedule::{Acceptance, ScheduleState};
use super::spin::{AnnealConfig, SpinAnneal, SpinTabu, TabuConfig};
use super::tour_ils::{IlsConfig, IlsFamily, TourIls};
use super::transport_cycles::{self, TransportCycles, TransportFamily};
use super::tsp_moves::{self, TourFamily, TourMoves};
use crate::qubo::QuboProblem;

/// The exact energy change of flipping the distinct neurons `flips` together, from the
/// current fields: `Σ_k flip_delta(k) − Σ_{k<l} w_kl Δ_k Δ_l`, `O(|F|²)` weight lookups.
///
/// `flips` must not repeat a neuron (a repeated neuron would be counted as two flips) and
/// every index must be in range (panics otherwise, like [`Dynamics::flip`]).
pub fn flips_delta<D: FlipDynamics + ?Sized>(dynamics: &D, flips: &[usize]) -> f64 {
    let span = dynamics.encoding().span();
    let change = |k: usize| if dynamics.is_high(k) { -span } else { span };
    let mut de = 0.0;
    for (a, &k) in flips.iter().enumerate() {
        de += dynamics.flip_delta(k);
        let dk = change(k);
        for &l in &flips[..a] {
            de -= dynamics.weight(k, l) * dk * change(l);
        }
    }
    de
}

/// A family of moves on a feasible representation of a problem's state: the new trait the
/// issue-6 operators implement, driven by [`MoveSearch`] (which implements
/// [`SearchOperator`]).
///
/// A family proposes one candidate at a time as a list of distinct neurons to flip, scored
/// with [`flips_delta`]; [`MoveSearch`] decides acceptance and applies it.
pub trait MoveFamily: Clone + Send + Sync {
    /// The feasible object the state encodes (a tour, a plan, a queen placement).
    type Repr: Clone + Send + Sync + std::fmt::Debug;

    /// The operator's name in reports and experiment files.
    fn name(&self) -> &'static str;

    /// Checks that the family fits a neuron array shape.
    fn check_shape(&self, shape: &Shape) -> Result<()>;

    /// A feasible representation close to the current state (its projection onto the
    /// feasible set; random choices from `rng`).
    fn project<D: FlipDynamics, R: Rng + ?Sized>(&self, dynamics: &D, rng: &mut R) -> Self::Repr;

    /// Whether neuron `i` is on in the state that encodes `repr`.
    fn is_on(&self, repr: &Self::Repr, i: usize) -> bool;

    /// Lists the neurons that are on in the state encoding `repr`, in increasing order, and
    /// returns `true`; or returns `false` (the default) when the family cannot (the search
    /// then compares all neurons with [`MoveFamily::is_on`], `O(N)`). Families whose states
    /// have few neurons on (N-Queens: `n` of `n²`) list them so that imposing a
    /// representation costs `O(on)` instead of `O(N)`.
    fn high_neurons(&self, _repr: &Self::Repr, _out: &mut Vec<usize>) -> bool {
        false
    }

    /// Proposes a candidate from `repr` (which the dynamics' state encodes): fills `flips`
    /// (cleared by the caller) with distinct neurons and returns the candidate's `ΔE`, or
    /// `None` when no candidate could be drawn. Counts its energy evaluations in `stats`.
    fn propose<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        repr: &Self::Repr,
        dynamics: &D,
        rng: &mut R,
        flips: &mut Vec<usize>,
        stats: &mut OperatorStats,
    ) -> Option<f64>;

    /// Applies the last proposed candidate to `repr` (after its flips were applied).
    fn commit(&mut self, repr: &mut Self::Repr);

    /// Whether the search may rest (e.g. a solved N-Queens board: nothing can improve).
    fn is_done(&self, _repr: &Self::Repr) -> bool {
        false
    }

    /// The problem's natural energy unit for the schedule, if it has one; otherwise the
    /// scale is measured as the mean `|ΔE|` of sampled candidates.
    fn energy_scale(&self) -> Option<f64> {
        None
    }
}

/// Parameters shared by every move operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoveConfig {
    /// Candidates proposed per operator turn (per time step), `≥ 1`.
    pub moves_per_step: usize,
    /// The acceptance rule.
    pub acceptance: Acceptance,
    /// Operator turns per cooling period (see [`schedule`](super::schedule)), `≥ 1`.
    pub period: u64,
    /// Candidates sampled to measure the energy scale at the start of a run, `≥ 1`.
    pub calibration: usize,
}

impl Default for MoveConfig {
    /// One candidate per step, annealing 1.0 → 0.01, period 2000, 64 calibration samples.
    fn default() -> Self {
        MoveConfig {
            moves_per_step: 1,
            acceptance: Acceptance::default(),
            period: 2000,
            calibration: 64,
        }
    }
}

impl MoveConfig {
    /// Checks every parameter.
    pub fn check(&self) -> Result<()> {
        if self.moves_per_step == 0 {
            return Err(OptError::InvalidParameter {
                name: "moves_per_step",
                reason: "must be >= 1".into(),
            });
        }
        if self.period == 0 {
            return Err(OptError::InvalidParameter {
                name: "period",
                reason: "must be >= 1".into(),
            });
        }
        if self.calibration == 0 {
            return Err(OptError::InvalidParameter {
                name: "calibration",
                reason: "must be >= 1".into(),
            });
        }
        self.acceptance.check()
    }
}

/// A move operator: a [`MoveFamily`] driven by an acceptance schedule, usable wherever a
/// [`SearchOperator`] is (see the module docs).
///
/// The value carries its search state (representation, best state, schedule position);
/// [`crate::search::trials`] clones a fresh one per trial. Reused for a new run, it notices the new
/// initial state (more than one neuron differs from its representation) and starts over.
#[derive(Debug, Clone)]
pub struct MoveSearch<F: MoveFamily> {
    family: F,
    config: MoveConfig,
    schedule: ScheduleState,
    repr: Option<F::Repr>,
    best: Option<(F::Repr, f64)>,
    synced: Option<u64>,
    flips: Vec<usize>,
    tol: f64,
    want: Vec<usize>,
    have: Vec<usize>,
}

impl<F: MoveFamily> MoveSearch<F> {
    /// A move operator from a family and checked parameters.
    pub fn new(family: F, config: MoveConfig) -> Result<Self> {
        config.check()?;
        Ok(MoveSearch {
            family,
            schedule: ScheduleState::new(config.acceptance, config.period),
            config,
            repr: None,
            best: None,
            synced: None,
            flips: Vec::new(),
            tol: 1e-9,
            want: Vec::new(),
            have: Vec::new(),
        })
    }

    /// The move family.
    pub fn family(&self) -> &F {
        &self.family
    }

    /// The parameters.
    pub fn config(&self) -> &MoveConfig {
        &self.config
    }

    /// The current feasible representation (after at least one turn).
    pub fn representation(&self) -> Option<&F::Repr> {
        self.repr.as_ref()
    }

    /// The best representation seen in the current run and its energy (Hopfield energy,
    /// without the problem's offset).
    pub fn best(&self) -> Option<(&F::Repr, f64)> {
        self.best.as_ref().map(|(r, e)| (r, *e))
    }

    /// The neurons where the dynamics' state differs from `repr` (increasing order when the
    /// family lists its neurons), or `None` when there are more than `limit`.
    fn differences<D: FlipDynamics>(
        &mut self,
        dynamics: &D,
        repr: &F::Repr,
        limit: usize,
    ) -> Option<Vec<usize>> {
        let mut want = std::mem::take(&mut self.want);
        let diffs = if self.family.high_neurons(repr, &mut want) {
            if dynamics.count_high() > want.len() + limit {
                None
            } else {
                let mut have = std::mem::take(&mut self.have);
                dynamics.high_neurons(&mut have);
                let mut out = Vec::new();
                let (mut a, mut b) = (0, 0);
                while (a < have.len() || b < want.len()) && out.len() <= limit {
                    match (have.get(a), want.get(b)) {
                        (Some(&x), Some(&y)) if x == y => {
                            a += 1;
                            b += 1;
                        }
                        (Some(&x), Some(&y)) if x < y => {
                            out.push(x);
                            a += 1;
                        }
                        (_, Some(&y)) => {
                            out.push(y);
                            b += 1;
                        }
                        (Some(&x), None) => {
                            out.push(x);
                            a += 1;
                        }
                        (None, None) => break,
                    }
                }
                self.have = have;
                (out.len() <= limit).then_some(out)
            }
        } else {
            let mut out = Vec::new();
            for i in 0..dynamics.n() {
                if dynamics.is_high(i) != self.family.is_on(repr, i) {
                    out.push(i);
                    if out.len() > limit {
                        break;
                    }
                }
            }
            (out.len() <= limit).then_some(out)
        };
        self.want = want;
        diffs
    }

    /// Makes the dynamics' state encode `repr`; returns the number of flips (or of neurons
    /// set, when the whole state is reassigned).
    fn impose<D: FlipDynamics>(&mut self, dynamics: &mut D, repr: &F::Repr) -> usize {
        let n = dynamics.n();
        match self.differences(dynamics, repr, (n / 16).max(16)) {
            Some(diffs) => {
                for &i in &diffs {
                    dynamics.flip(i);
                }
                diffs.len()
            }
            None => {
                let mut high = Vec::new();
                if !self.family.high_neurons(repr, &mut high) {
                    high = (0..n).filter(|&i| self.family.is_on(repr, i)).collect();
                }
                dynamics.assign(&high);
                high.len()
            }
        }
    }

    /// Brings the representation in line with the state: restores it after the time step's
    /// neuron update changed one neuron, or starts a new run from a projection.
    fn resync<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut D,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        if let Some(repr) = self.repr.take()
            && self.differences(dynamics, &repr, 1).is_some()
        {
            stats.flips += self.impose(dynamics, &repr) as u64;
            self.repr = Some(repr);
            return;
        }
        // A new run: project, calibrate, reset the schedule.
        let repr = self.family.project(dynamics, rng);
        stats.flips += self.impose(dynamics, &repr) as u64;
        self.schedule = ScheduleState::new(self.config.acceptance, self.config.period);
        let scale = match self.family.energy_scale() {
            Some(s) => s,
            None => {
                let (mut sum, mut count) = (0.0, 0usize);
                for _ in 0..self.config.calibration {
                    self.flips.clear();
                    if let Some(de) =
                        self.family
                            .propose(&repr, dynamics, rng, &mut self.flips, stats)
                        && de.abs() > 1e-12
                    {
                        sum += de.abs();
                        count += 1;
                    }
                }
                if count > 0 { sum / count as f64 } else { 1.0 }
            }
        };
        self.schedule.set_scale(scale);
        self.tol = 1e-9 * scale.max(1.0);
        self.best = Some((repr.clone(), dynamics.energy()));
        self.repr = Some(repr);
    }

    /// One operator turn on any dynamics (see [`SearchOperator::step`]).
    fn turn_on<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut D,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        if self.repr.is_none() || self.synced != Some(dynamics.energy().to_bits()) {
            self.resync(dynamics, rng, stats);
        }
        let (Some(repr), Some(best)) = (self.repr.as_mut(), self.best.as_mut()) else {
            return;
        };
        for _ in 0..self.config.moves_per_step {
            if self.family.is_done(repr) {
                break;
            }
            self.flips.clear();
            let Some(de) = self
                .family
                .propose(repr, dynamics, rng, &mut self.flips, stats)
            else {
                continue;
            };
            if self.schedule.accept(de, self.tol, rng) {
                for &i in &self.flips {
                    dynamics.flip(i);
                }
                stats.flips += self.flips.len() as u64;
                stats.transitions += 1;
                self.family.commit(repr);
                let e = dynamics.energy();
                if e < best.1 - self.tol {
                    best.0.clone_from(repr);
                    best.1 = e;
                }
            }
        }
        if self.schedule.advance() && dynamics.energy() > best.1 + self.tol {
            let target = best.0.clone();
            stats.flips += self.impose(dynamics, &target) as u64;
            if let Some(repr) = self.repr.as_mut() {
                *repr = target;
            }
        }
        self.synced = Some(dynamics.energy().to_bits());
    }
}

impl<F: MoveFamily> SearchOperator for MoveSearch<F> {
    fn name(&self) -> &'static str {
        self.family.name()
    }

    fn check(&self, shape: &Shape) -> Result<()> {
        self.config.check()?;
        self.family.check_shape(shape)
    }

    fn is_converged(&self) -> bool {
        self.repr.as_ref().is_some_and(|r| self.family.is_done(r))
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

impl<F: MoveFamily> FlipOperator for MoveSearch<F> {
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

/// The names [`OperatorSpec::name`] accepts.
pub const OPERATOR_NAMES: [&str; 6] = [
    "tour-moves",
    "tour-ils",
    "transport-cycles",
    "queens-swaps",
    "spin-anneal",
    "spin-tabu",
];

/// A checked, serde-deserializable description of a move operator, for experiment files.
///
/// ```toml
/// name = "tour-moves"          # or any other of OPERATOR_NAMES
/// moves_per_step = 4
/// period = 2000
/// acceptance = { kind = "anneal", t_start = 1.0, t_end = 0.01 }
/// or_opt = 0.5                 # family-specific, optional
/// ```
///
/// Omitted fields take the defaults of [`MoveConfig`] and of each family's config; a
/// family-specific field given to another family is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorSpec {
    /// One of [`OPERATOR_NAMES`].
    pub name: String,
    /// See [`MoveConfig::moves_per_step`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moves_per_step: Option<usize>,
    /// See [`MoveConfig::acceptance`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
    /// See [`MoveConfig::period`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
    /// See [`MoveConfig::calibration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<usize>,
    /// `tour-moves`: probability of an Or-opt candidate (else 2-opt), in `[0, 1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub or_opt: Option<f64>,
    /// `tour-moves`: longest segment an Or-opt move relocates, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub or_opt_max: Option<usize>,
    /// `transport-cycles`: longest cycle, in rows (2 = the 2×2 cycles), `≥ 2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cycle: Option<usize>,
    /// `queens-swaps`: probability of a random exchange instead of the best one for the
    /// chosen conflicted row, in `[0, 1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    /// `queens-swaps`: rows scored per proposal (all when `≥ n − 1`), `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<usize>,
    /// `queens-swaps`: random columns the projection draws per row, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries: Option<usize>,
    /// `transport-cycles`: `"fields"` (simplex pivots priced by the network's fields, the
    /// default) or `"random"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<String>,
    /// `tour-ils`: neighbour-list length, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<usize>,
    /// `tour-ils`: longest double-bridge segment, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kick_max: Option<usize>,
    /// `spin-anneal`: sweeps per anneal, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweeps: Option<u64>,
    /// `spin-anneal`: hot temperature (with `t_cold`; measured when both are omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_hot: Option<f64>,
    /// `spin-anneal`: cold temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_cold: Option<f64>,
    /// `spin-tabu`: base tabu tenure, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenure: Option<u64>,
    /// `spin-tabu`: iterations without improvement before an elite restart, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<u64>,
    /// `spin-tabu`: neurons flipped after an elite restart, `≥ 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perturb: Option<usize>,
}

impl OperatorSpec {
    /// A spec with only a name (all defaults).
    pub fn named(name: &str) -> Self {
        OperatorSpec {
            name: name.to_string(),
            moves_per_step: None,
            acceptance: None,
            period: None,
            calibration: None,
            or_opt: None,
            or_opt_max: None,
            max_cycle: None,
            noise: None,
            sample: None,
            tries: None,
            pricing: None,
            neighbours: None,
            kick_max: None,
            sweeps: None,
            t_hot: None,
            t_cold: None,
            tenure: None,
            restart: None,
            perturb: None,
        }
    }

    /// Parses and checks a spec from TOML text (see the type docs).
    pub fn from_toml(text: &str) -> Result<Self> {
        let spec: OperatorSpec = toml::from_str(text).map_err(|e| OptError::Parse {
            file: "operator spec".into(),
            line: e.span().map(|s| crate::error::line_of(text, s.start)),
            reason: e.message().to_string(),
        })?;
        spec.check()?;
        Ok(spec)
    }

    /// The shared parameters, defaults filled in and checked. `tour-ils` defaults to
    /// descent acceptance (equal lengths accepted) with one candidate per step and no
    /// restarts; every other family to [`MoveConfig::default`].
    pub fn move_config(&self) -> Result<MoveConfig> {
        let d = if self.name == "tour-ils" {
            MoveConfig {
                moves_per_step: 1,
                acceptance: Acceptance::Descent,
                period: u64::MAX,
                calibration: 1,
            }
        } else {
            MoveConfig::default()
        };
        let c = MoveConfig {
            moves_per_step: self.moves_per_step.unwrap_or(d.moves_per_step),
            acceptance: self.acceptance.unwrap_or(d.acceptance),
            period: self.period.unwrap_or(d.period),
            calibration: self.calibration.unwrap_or(d.calibration),
        };
        c.check()?;
        Ok(c)
    }

    /// Checks the name, the shared parameters, and that family-specific parameters belong
    /// to the named family.
    pub fn check(&self) -> Result<()> {
        if !OPERATOR_NAMES.contains(&self.name.as_str()) {
            return Err(OptError::InvalidParameter {
                name: "name",
                reason: format!(
                    "unknown operator {:?}; expected one of {OPERATOR_NAMES:?}",
                    self.name
                ),
            });
        }
        self.move_config()?;
        let foreign = |field: &'static str, given: bool, owner: &str| {
            if given && self.name != owner {
                Err(OptError::InvalidParameter {
                    name: field,
                    reason: format!("applies to {owner}, not {}", self.name),
                })
            } else {
                Ok(())
            }
        };
        foreign("or_opt", self.or_opt.is_some(), "tour-moves")?;
        foreign("or_opt_max", self.or_opt_max.is_some(), "tour-moves")?;
        foreign("max_cycle", self.max_cycle.is_some(), "transport-cycles")?;
        foreign("noise", self.noise.is_some(), "queens-swaps")?;
        foreign("sample", self.sample.is_some(), "queens-swaps")?;
        foreign("tries", self.tries.is_some(), "queens-swaps")?;
        foreign("pricing", self.pricing.is_some(), "transport-cycles")?;
        foreign("neighbours", self.neighbours.is_some(), "tour-ils")?;
        foreign("kick_max", self.kick_max.is_some(), "tour-ils")?;
        foreign("sweeps", self.sweeps.is_some(), "spin-anneal")?;
        foreign("t_hot", self.t_hot.is_some(), "spin-anneal")?;
        foreign("t_cold", self.t_cold.is_some(), "spin-anneal")?;
        foreign("tenure", self.tenure.is_some(), "spin-tabu")?;
        foreign("restart", self.restart.is_some(), "spin-tabu")?;
        foreign("perturb", self.perturb.is_some(), "spin-tabu")?;
        if self.t_hot.is_some() != self.t_cold.is_some() {
            return Err(OptError::InvalidParameter {
                name: "t_hot/t_cold",
                reason: "give both temperatures or neither".into(),
            });
        }
        Ok(())
    }

    fn expect_name(&self, name: &str) -> Result<()> {
        self.expect_one_of(&[name])
    }

    fn expect_one_of(&self, names: &[&str]) -> Result<()> {
        self.check()?;
        if !names.contains(&self.name.as_str()) {
            return Err(OptError::InvalidParameter {
                name: "name",
                reason: format!(
                    "operator {:?} does not apply to this problem; use one of {names:?}",
                    self.name
                ),
            });
        }
        Ok(())
    }
}

/// A spec from an operator name and a TOML table of its parameters (the table must not
/// contain `name`); checked.
pub fn by_name(name: &str, params: &toml::Table) -> Result<OperatorSpec> {
    if params.contains_key("name") {
        return Err(OptError::InvalidParameter {
            name: "name",
            reason: "give the name as the first argument, not in the parameters".into(),
        });
    }
    let mut table = params.clone();
    table.insert("name".into(), toml::Value::String(name.to_string()));
    let spec: OperatorSpec =
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| OptError::InvalidParameter {
                name: "operator parameters",
                reason: e.message().to_string(),
            })?;
    spec.check()?;
    Ok(spec)
}

/// Problems that have a move operator: builds it from a spec.
pub trait WithMoves: Problem {
    /// The operator type.
    type Moves: SearchOperator;

    /// The operator a spec describes; errors if the spec names another family or has bad
    /// parameters.
    fn moves(&self, spec: &OperatorSpec) -> Result<Self::Moves>;
}

/// Implements [`SearchOperator`] and [`FlipOperator`] for an enum of operators by
/// delegating to the variant.
macro_rules! operator_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident($ty:ty)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub enum $name {
            $($(#[$vmeta])* $variant($ty)),+
        }

        impl SearchOperator for $name {
            fn name(&self) -> &'static str {
                match self { $($name::$variant(o) => o.name()),+ }
            }
            fn check(&self, shape: &Shape) -> Result<()> {
                match self { $($name::$variant(o) => o.check(shape)),+ }
            }
            fn is_identity(&self) -> bool {
                match self { $($name::$variant(o) => o.is_identity()),+ }
            }
            fn is_converged(&self) -> bool {
                match self { $($name::$variant(o) => o.is_converged()),+ }
            }
            fn step<C: Couplings, R: Rng + ?Sized>(
                &mut self,
                dynamics: &mut Dynamics<'_, C>,
                shape: &Shape,
                rng: &mut R,
                stats: &mut OperatorStats,
            ) {
                match self { $($name::$variant(o) => o.step(dynamics, shape, rng, stats)),+ }
            }
        }

        impl FlipOperator for $name {
            fn turn<D: FlipDynamics, R: Rng + ?Sized>(
                &mut self,
                dynamics: &mut D,
                shape: &Shape,
                rng: &mut R,
                stats: &mut OperatorStats,
            ) {
                match self { $($name::$variant(o) => o.turn(dynamics, shape, rng, stats)),+ }
            }
        }
    };
}

operator_enum! {
    /// The tour operators, chosen by name: `tour-moves` or `tour-ils`.
    TourOperator {
        /// 2-opt and Or-opt under an acceptance schedule.
        Moves(TourMoves),
        /// Iterated local search (kick + descent).
        Ils(TourIls),
    }
}

operator_enum! {
    /// The single-flip operators, chosen by name: `spin-anneal` or `spin-tabu`.
    SpinOperator {
        /// Simulated annealing.
        Anneal(SpinAnneal),
        /// Tabu search.
        Tabu(SpinTabu),
    }
}

impl WithMoves for Tsp {
    type Moves = TourOperator;

    fn moves(&self, spec: &OperatorSpec) -> Result<TourOperator> {
        spec.expect_one_of(&["tour-moves", "tour-ils"])?;
        if spec.name == "tour-ils" {
            let d = IlsConfig::default();
            let family = IlsFamily::new(
                self,
                IlsConfig {
                    neighbours: spec.neighbours.unwrap_or(d.neighbours),
                    kick_max: spec.kick_max.or(d.kick_max),
                },
            )?;
            return Ok(TourOperator::Ils(MoveSearch::new(
                family,
                spec.move_config()?,
            )?));
        }
        let d = tsp_moves::TourConfig::default();
        let family = TourFamily::new(
            self,
            tsp_moves::TourConfig {
                or_opt: spec.or_opt.unwrap_or(d.or_opt),
                or_opt_max: spec.or_opt_max.unwrap_or(d.or_opt_max),
            },
        )?;
        Ok(TourOperator::Moves(MoveSearch::new(
            family,
            spec.move_config()?,
        )?))
    }
}

impl WithMoves for QuboProblem {
    type Moves = SpinOperator;

    /// `spin-anneal` or `spin-tabu` (the shared move parameters do not apply).
    fn moves(&self, spec: &OperatorSpec) -> Result<SpinOperator> {
        spec.expect_one_of(&["spin-anneal", "spin-tabu"])?;
        if spec.name == "spin-anneal" {
            let d = AnnealConfig::default();
            return Ok(SpinOperator::Anneal(SpinAnneal::new(AnnealConfig {
                sweeps: spec.sweeps.unwrap_or(d.sweeps),
                temperatures: spec.t_hot.zip(spec.t_cold).or(d.temperatures),
            })?));
        }
        Ok(SpinOperator::Tabu(SpinTabu::new(TabuConfig {
            tenure: spec.tenure,
            restart: spec.restart,
            perturb: spec.perturb,
        })?))
    }
}

impl WithMoves for Queens {
    type Moves = QueensSwaps;

    fn moves(&self, spec: &OperatorSpec) -> Result<QueensSwaps> {
        spec.expect_name("queens-swaps")?;
        let d = queens_moves::QueensConfig::default();
        let family = QueensFamily::new(
            self,
            queens_moves::QueensConfig {
                noise: spec.noise.unwrap_or(d.noise),
                sample: spec.sample.unwrap_or(d.sample),
                tries: spec.tries.unwrap_or(d.tries),
            },
        )?;
        MoveSearch::new(family, spec.move_config()?)
    }
}

impl WithMoves for Transport {
    type Moves = TransportCycles;

    fn moves(&self, spec: &OperatorSpec) -> Result<TransportCycles> {
        spec.expect_name("transport-cycles")?;
        let d = transport_cycles::CycleConfig::default();
        let family = TransportFamily::new(
            self,
            transport_cycles::CycleConfig {
                max_cycle: spec.max_cycle.unwrap_or(d.max_cycle),
                pricing: match spec.pricing.as_deref() {
                    None => d.pricing,
                    Some("fields") => transport_cycles::Pricing::Fields,
                    Some("random") => transport_cycles::Pricing::Random,
                    Some(other) => {
                        return Err(OptError::InvalidParameter {
                            name: "pricing",
                            reason: format!("expected \"fields\" or \"random\", got {other:?}"),
                        });
                    }
                },
            },
        )?;
        MoveSearch::new(family, spec.move_config()?)
    }
}
