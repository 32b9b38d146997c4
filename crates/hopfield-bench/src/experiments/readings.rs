//! The "Readings of T" study: which reading of the tunnel operator T of Matsumoto, Tanaka,
//! Kurihara & Okuhara (2004) reproduces the paper?
//!
//! The paper leaves T's details open (the tie rule of eq. 8, when T is tried, how a candidate
//! is composed, λ, what a set U is, what counts as a tunnel transition) and never gives its
//! problem encodings. A *reading* ([`Reading`]) fixes every one of them. The study runs
//! readings on the paper's three problems and scores each by one distance to every number
//! the paper publishes (METHODOLOGY.md, "Readings of T"):
//!
//! 1. **Screen**: every reading of the grid of `benchmarks/readings.toml` (and the named
//!    readings) with few trials per cell.
//! 2. **Neighbourhood**: one factor at a time around the best screened readings (the
//!    factors of `[neighbours]`: the order of T and the update, `p_init`, penalty weights, τ).
//! 3. **Finalists** at the paper's protocols: 500 TSP trials, 100 per N-Queens board and per
//!    Hitchcock experiment. They run in other cells (other seeds) than the screen, so their
//!    scores are not biased by their selection.
//!
//! Records: `readings-tsp.jsonl`, `readings-queens.jsonl`, `readings-hitchcock.jsonl`, one
//! row per trial with every tunnel count ([`TunnelCounts`]), so the counting readings share
//! runs; `readings.references.json` holds the exact optima. The report recomputes the
//! stages, the scores and the ranking from these files alone.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use hopfield_core::rng_from_seed;
use hopfield_opt::exact::{held_karp, transport_optimum};
use hopfield_opt::operators::{
    Conventional, Counting, Evaluation, LambdaRule, Order, Sets, TieBreak, Trigger, Tunnel,
    TunnelConfig, TunnelCounts, TunnelVariant,
};
use hopfield_opt::problem::Problem;
use hopfield_opt::queens::{Queens, QueensWeights};
use hopfield_opt::search::{SearchConfig, SearchOutcome, search};
use hopfield_opt::transport::{Transport, TransportEncoding, TransportInstance, TransportWeights};
use hopfield_opt::tsp::{Tsp, TspWeights};
use hopfield_opt::tsplib::{Convention, Instance};
use serde::{Deserialize, Serialize};

use super::{Context, fmt, mean};
use crate::defs::{PaperHitchcock, PaperTsp};
use crate::plot::{Series, chart};
use crate::record::{Line, Table, read_table};
use crate::runner::run_cells;

// ---------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------

/// How Hitchcock's third axis ("the largest number of parts a factory needs") is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitchcockEncoding {
    /// A unit count per warehouse–factory cell (`a_xy = Σ_k v_xyk`).
    Unary,
    /// One neuron on per cell, at `k = a_xy`.
    OneHot,
    /// Factory `y`'s `k`-th needed unit is served by exactly one warehouse.
    UnitAssignment,
}

/// The tag `"all"` of [`Lambda::All`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllSets {
    /// Every set of the dimension.
    All,
}

/// λ: a number of sets, or `"all"` (`ν_d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Lambda {
    /// A fixed number of sets.
    Fixed(usize),
    /// Every set of the dimension.
    All(AllSets),
}

/// One reading of the paper: every open choice of T, of its count, and of the encodings.
/// Fields left out of a definition take the first reading's value ([`Reading::default`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reading {
    /// τ (eq. 20).
    pub tau: usize,
    /// The tie rule of eq. 8.
    pub ties: TieBreak,
    /// When T is tried.
    pub trigger: Trigger,
    /// T before or after the neuron update.
    pub order: Order,
    /// Candidate composition.
    pub variant: TunnelVariant,
    /// λ.
    pub lambda: Lambda,
    /// What a set U is.
    pub sets: Sets,
    /// What counts as a tunnel transition.
    pub counting: Counting,
    /// Hitchcock's third axis.
    pub hitchcock: HitchcockEncoding,
    /// Probability that a neuron starts high.
    pub p_init: f64,
    /// TSP: `A = B = tsp_penalty · d_max`.
    pub tsp_penalty: f64,
    /// N-Queens bias margin ε.
    pub queens_epsilon: f64,
    /// Hitchcock: `A = B = hitchcock_penalty · c_max`.
    pub hitchcock_penalty: f64,
}

impl Default for Reading {
    /// The first reading: τ = 2, ties keep, every step after the update, literal, λ = 2
    /// slices, transitions = changes of state, unary Hitchcock, `p_init = 0.5`,
    /// `A = B = 4 d_max` (TSP), ε = 0.25, `A = B = 2 c_max` (Hitchcock).
    fn default() -> Self {
        Reading {
            tau: 2,
            ties: TieBreak::Keep,
            trigger: Trigger::EveryStep,
            order: Order::AfterUpdate,
            variant: TunnelVariant::Literal,
            lambda: Lambda::Fixed(2),
            sets: Sets::Slices,
            counting: Counting::Changed,
            hitchcock: HitchcockEncoding::Unary,
            p_init: 0.5,
            tsp_penalty: 4.0,
            queens_epsilon: 0.25,
            hitchcock_penalty: 2.0,
        }
    }
}

/// A named reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Short name.
    pub name: String,
    /// Label in the report.
    pub label: String,
    /// Always run at the paper's protocol (not only if it ranks among the finalists).
    #[serde(default)]
    pub full: bool,
    /// The reading.
    pub reading: Reading,
}

/// Values of each factor; the grid is their Cartesian product. An empty list keeps the first
/// reading's value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grid {
    /// τ values.
    pub tau: Vec<usize>,
    /// Tie rules.
    pub ties: Vec<TieBreak>,
    /// Triggers.
    pub trigger: Vec<Trigger>,
    /// Orders.
    pub order: Vec<Order>,
    /// Compositions.
    pub variant: Vec<TunnelVariant>,
    /// λ values.
    pub lambda: Vec<Lambda>,
    /// Set kinds.
    pub sets: Vec<Sets>,
    /// Counting rules.
    pub counting: Vec<Counting>,
    /// Hitchcock encodings.
    pub hitchcock: Vec<HitchcockEncoding>,
    /// Initial probabilities.
    pub p_init: Vec<f64>,
    /// TSP penalty factors.
    pub tsp_penalty: Vec<f64>,
    /// N-Queens margins.
    pub queens_epsilon: Vec<f64>,
    /// Hitchcock penalty factors.
    pub hitchcock_penalty: Vec<f64>,
}

fn or_default<T: Clone>(values: &[T], default: T) -> Vec<T> {
    if values.is_empty() {
        vec![default]
    } else {
        values.to_vec()
    }
}

impl Grid {
    /// Every combination, in a fixed order.
    pub fn expand(&self) -> Vec<Reading> {
        let d = Reading::default();
        let mut out = vec![d.clone()];
        macro_rules! cross {
            ($field:ident) => {
                let values = or_default(&self.$field, d.$field.clone());
                out = out
                    .iter()
                    .flat_map(|r| {
                        values.iter().map(move |v| Reading {
                            $field: v.clone(),
                            ..r.clone()
                        })
                    })
                    .collect();
            };
        }
        cross!(tau);
        cross!(ties);
        cross!(trigger);
        cross!(order);
        cross!(variant);
        cross!(lambda);
        cross!(sets);
        cross!(counting);
        cross!(hitchcock);
        cross!(p_init);
        cross!(tsp_penalty);
        cross!(queens_epsilon);
        cross!(hitchcock_penalty);
        out
    }

    /// The readings one factor away from `seed` (each listed value that differs from the
    /// seed's), in a fixed order.
    pub fn neighbours(&self, seed: &Reading) -> Vec<Reading> {
        let mut out = Vec::new();
        macro_rules! vary {
            ($field:ident) => {
                for v in &self.$field {
                    if *v != seed.$field {
                        out.push(Reading {
                            $field: v.clone(),
                            ..seed.clone()
                        });
                    }
                }
            };
        }
        vary!(tau);
        vary!(ties);
        vary!(trigger);
        vary!(order);
        vary!(variant);
        vary!(lambda);
        vary!(sets);
        vary!(counting);
        vary!(hitchcock);
        vary!(p_init);
        vary!(tsp_penalty);
        vary!(queens_epsilon);
        vary!(hitchcock_penalty);
        out
    }
}

/// Trials and boards of one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Trials per TSP instance.
    pub tsp_trials: usize,
    /// Trials per N-Queens board.
    pub queens_trials: usize,
    /// N-Queens boards.
    pub queens_n: Vec<usize>,
    /// Trials per Hitchcock experiment.
    pub hitchcock_trials: usize,
}

/// A TSP instance of Table 1 with the paper's two columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperTspInstance {
    /// TSPLIB name (`NAME.tsp` in the datasets folder).
    pub instance: String,
    /// Steps per trial.
    pub t_max: u64,
    /// The optimum the paper prints.
    pub optimum: f64,
    /// The conventional column.
    pub conventional: PaperTsp,
    /// The tunnel column.
    pub tunnel: PaperTsp,
}

/// A Hitchcock experiment with the paper's two columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperHitchcockExperiment {
    /// 1 or 2 (the built-in instances).
    pub id: u32,
    /// Steps per trial.
    pub t_max: u64,
    /// The conventional column.
    pub conventional: PaperHitchcock,
    /// The tunnel column.
    pub tunnel: PaperHitchcock,
}

/// Everything the paper publishes that the distance uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paper {
    /// TSP trials per column (500).
    pub tsp_trials: usize,
    /// N-Queens trials per board (100).
    pub queens_trials: usize,
    /// Hitchcock trials per column (100).
    pub hitchcock_trials: usize,
    /// N-Queens `t_max = t_max_per_n2 · n²`.
    pub queens_t_max_per_n2: u64,
    /// The conventional network solves boards up to this n, none above.
    pub queens_conventional_up_to: usize,
    /// The tunnel method solves boards up to this n.
    pub queens_tunnel_up_to: usize,
    /// "Solves a board": at least this fraction of its trials (one of 100).
    pub queens_min_rate: f64,
    /// Tunnel transitions per step on N-Queens ("about a quarter of t_max").
    pub queens_slope: f64,
    /// The reading uncertainty of that slope.
    pub queens_slope_sigma: f64,
    /// Table 1.
    pub tsp: Vec<PaperTspInstance>,
    /// The Hitchcock experiments.
    pub hitchcock: Vec<PaperHitchcockExperiment>,
}

/// `benchmarks/readings.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingsDef {
    /// Title in the report.
    pub title: String,
    /// Base seed.
    pub seed: u64,
    /// A tour is near-optimal when `L ≤ near_ratio · L*`.
    pub near_ratio: f64,
    /// Finalists run at the paper's protocol (besides presets marked `full`).
    pub finalists: usize,
    /// Best grid readings whose neighbourhoods are screened.
    pub neighbour_seeds: usize,
    /// Besides the best overall, the best readings of each problem alone (by its own part of
    /// the distance) seed neighbourhoods and join the finalists.
    pub per_problem: usize,
    /// The screen.
    pub screen: Stage,
    /// The paper's protocol.
    pub full: Stage,
    /// The grid.
    pub grid: Grid,
    /// Factors varied one at a time around the best grid readings.
    #[serde(default)]
    pub neighbours: Grid,
    /// `--quick`: the screen.
    pub quick_screen: Stage,
    /// `--quick`: the final stage.
    pub quick_full: Stage,
    /// `--quick`: the grid.
    pub quick_grid: Grid,
    /// `--quick`: finalists.
    pub quick_finalists: usize,
    /// `--quick`: neighbourhood seeds.
    pub quick_neighbour_seeds: usize,
    /// `--quick`: best readings per problem.
    pub quick_per_problem: usize,
    /// Named readings, always screened.
    #[serde(default)]
    pub reading: Vec<Preset>,
    /// The paper's numbers.
    pub paper: Paper,
}

// ---------------------------------------------------------------------------------------
// Readings: keys, operators, descriptions
// ---------------------------------------------------------------------------------------

fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

impl Reading {
    /// The part of the reading that changes the dynamics of T (cells share it).
    fn dynamics_key(&self) -> String {
        let letter = |s: &str| {
            s.chars()
                .next()
                .map_or('?', |c| c.to_ascii_uppercase())
                .to_string()
        };
        format!(
            "{}{}{}{}{}-l{}-t{}",
            letter(&code(&self.ties)),
            letter(&code(&self.trigger)),
            letter(&code(&self.order)),
            letter(&code(&self.variant)),
            letter(&code(&self.sets)),
            code(&self.lambda),
            self.tau
        )
    }

    fn tsp_key(&self) -> String {
        format!("p{}-a{}", self.p_init, self.tsp_penalty)
    }

    fn queens_key(&self) -> String {
        format!("p{}-e{}", self.p_init, self.queens_epsilon)
    }

    fn hitchcock_key(&self) -> String {
        format!(
            "p{}-{}-c{}",
            self.p_init,
            letter_of_encoding(self.hitchcock),
            self.hitchcock_penalty
        )
    }

    /// A key naming the reading of T alone (dynamics, counting, Hitchcock's axis), without
    /// `p_init` and the penalty weights.
    pub fn t_key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.dynamics_key(),
            code(&self.counting),
            letter_of_encoding(self.hitchcock)
        )
    }

    /// A key naming the whole reading.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            self.dynamics_key(),
            code(&self.counting),
            self.tsp_key(),
            self.queens_key(),
            self.hitchcock_key()
        )
    }

    /// The tunnel operator of this reading for a `ndim`-dimensional array; `recompute` selects
    /// scoring from scratch.
    fn tunnel(&self, ndim: usize, recompute: bool) -> TunnelConfig {
        let (lambda, lambda_rule) = match self.lambda {
            Lambda::Fixed(l) => (l, LambdaRule::Fixed),
            Lambda::All(_) => (2, LambdaRule::All),
        };
        TunnelConfig {
            tau: self.tau,
            lambda,
            lambda_rule,
            variant: self.variant,
            ties: self.ties,
            trigger: self.trigger,
            order: self.order,
            sets: self.sets,
            counting: self.counting,
            evaluation: if recompute || lambda_rule == LambdaRule::All {
                Evaluation::Recompute
            } else {
                Evaluation::Incremental
            },
            ..TunnelConfig::paper(ndim)
        }
    }

    /// The count this reading calls a tunnel transition.
    fn count(&self, c: &TunnelCounts) -> f64 {
        (match self.counting {
            Counting::Changed => c.changed,
            Counting::Accepted => c.accepted,
            Counting::Tried => c.attempts,
        }) as f64
    }

    /// The options in words (problem options only where they differ from the first reading).
    pub fn describe(&self) -> String {
        let d = Reading::default();
        let mut parts = vec![
            format!("τ = {}", self.tau),
            match self.ties {
                TieBreak::Keep => "ties keep",
                TieBreak::Take => "ties taken",
                TieBreak::Random => "ties random",
            }
            .to_string(),
            match self.trigger {
                Trigger::EveryStep => "every step",
                Trigger::FixedPoint => "at fixed points",
                Trigger::Stalled => "after a stalled update",
            }
            .to_string(),
            match self.order {
                Order::AfterUpdate => "after the update",
                Order::BeforeUpdate => "before the update",
            }
            .to_string(),
            match self.variant {
                TunnelVariant::Literal => "literal",
                TunnelVariant::PerDimension => "per dimension",
                TunnelVariant::OneDimension => "one random dimension",
            }
            .to_string(),
            format!(
                "λ = {}",
                match self.lambda {
                    Lambda::Fixed(l) => l.to_string(),
                    Lambda::All(_) => "ν_d".into(),
                }
            ),
            match self.sets {
                Sets::Slices => "U = slices",
                Sets::Neurons => "U = neurons of a slice",
            }
            .to_string(),
            match self.counting {
                Counting::Changed => "count changes",
                Counting::Accepted => "count acceptances",
                Counting::Tried => "count attempts",
            }
            .to_string(),
            match self.hitchcock {
                HitchcockEncoding::Unary => "Hitchcock unary",
                HitchcockEncoding::OneHot => "Hitchcock one-hot",
                HitchcockEncoding::UnitAssignment => "Hitchcock unit assignment",
            }
            .to_string(),
        ];
        if self.p_init != d.p_init {
            parts.push(format!("p_init = {}", self.p_init));
        }
        if self.tsp_penalty != d.tsp_penalty {
            parts.push(format!("TSP A = B = {}·d_max", self.tsp_penalty));
        }
        if self.queens_epsilon != d.queens_epsilon {
            parts.push(format!("ε = {}", self.queens_epsilon));
        }
        if self.hitchcock_penalty != d.hitchcock_penalty {
            parts.push(format!(
                "Hitchcock A = B = {}·c_max",
                self.hitchcock_penalty
            ));
        }
        parts.join(" · ")
    }
}

fn letter_of_encoding(e: HitchcockEncoding) -> &'static str {
    match e {
        HitchcockEncoding::Unary => "U",
        HitchcockEncoding::OneHot => "O",
        HitchcockEncoding::UnitAssignment => "A",
    }
}

/// The short names of the stages in cell names.
const SCREEN: &str = "s";
const FULL: &str = "f";
const CONVENTIONAL: &str = "conv";

fn tsp_cell(stage: &str, instance: &str, dynamics: &str, r: &Reading) -> String {
    format!("{stage}/{instance}/{dynamics}/{}", r.tsp_key())
}

fn queens_cell(stage: &str, n: usize, dynamics: &str, r: &Reading) -> String {
    format!("{stage}/n{n}/{dynamics}/{}", r.queens_key())
}

fn hitchcock_cell(stage: &str, id: u32, dynamics: &str, r: &Reading) -> String {
    format!("{stage}/exp{id}/{dynamics}/{}", r.hitchcock_key())
}

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

/// Every tunnel count of a trial: `[turns, attempts, accepted, changed, improved]`.
type Counts = [u64; 5];

fn counts_of(c: TunnelCounts) -> Counts {
    [c.turns, c.attempts, c.accepted, c.changed, c.improved]
}

fn counts_back(c: &Counts) -> TunnelCounts {
    TunnelCounts {
        turns: c[0],
        attempts: c[1],
        accepted: c[2],
        changed: c[3],
        improved: c[4],
    }
}

/// One TSP trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TspRow {
    /// Tour length, when the final state is a tour.
    pub length: Option<f64>,
    /// `[turns, attempts, accepted, changed, improved]`.
    pub counts: Counts,
}

/// One N-Queens trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueensRow {
    /// The final state is a solution.
    pub solved: bool,
    /// `[turns, attempts, accepted, changed, improved]`.
    pub counts: Counts,
}

/// One Hitchcock trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitchcockRow {
    /// The plan meets every supply and demand.
    pub feasible: bool,
    /// The cost of the decoded plan.
    pub cost: f64,
    /// `[turns, attempts, accepted, changed, improved]`.
    pub counts: Counts,
}

/// Exact references, computed once per run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct References {
    /// TSP optimum (Held–Karp) per instance; `None` when the instance file is missing.
    pub tsp: BTreeMap<String, Option<f64>>,
    /// Hitchcock LP optimum per experiment.
    pub hitchcock: BTreeMap<u32, f64>,
}

/// The rows of every cell.
#[derive(Debug, Default)]
struct Data {
    tsp: HashMap<String, Vec<TspRow>>,
    queens: HashMap<String, Vec<QueensRow>>,
    hitchcock: HashMap<String, Vec<HitchcockRow>>,
}

fn group<R>(lines: Vec<Line<R>>) -> HashMap<String, Vec<R>> {
    let mut out: HashMap<String, Vec<R>> = HashMap::new();
    for l in lines {
        out.entry(l.cell).or_default().push(l.row);
    }
    out
}

impl Data {
    fn read(record: &Path) -> anyhow::Result<Self> {
        let read = |name: &str| record.join(format!("{name}.jsonl"));
        let mut data = Data::default();
        if read("readings-tsp").exists() {
            data.tsp = group(read_table(&read("readings-tsp"))?);
        }
        if read("readings-queens").exists() {
            data.queens = group(read_table(&read("readings-queens"))?);
        }
        if read("readings-hitchcock").exists() {
            data.hitchcock = group(read_table(&read("readings-hitchcock"))?);
        }
        Ok(data)
    }
}

// ---------------------------------------------------------------------------------------
// Statistics and the distance
// ---------------------------------------------------------------------------------------

fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values.iter().copied());
    let ss = values.iter().fold(0.0, |acc, v| acc + (v - m).powi(2));
    (ss / (values.len() - 1) as f64).sqrt()
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The 95 % quantile of χ² with `k` degrees of freedom: exact for `k ≤ 2`, Wilson–Hilferty
/// above (within 1 % for `k ≥ 3`).
fn chi2_95(k: usize) -> f64 {
    match k {
        1 => return 1.959_963_984_540_054_f64.powi(2),
        2 => return -2.0 * 0.05_f64.ln(),
        _ => {}
    }
    let k = k as f64;
    let z = 1.644_853_626_951_472_2;
    k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
}

/// Largest |z| an extreme (max, min, best) contributes: our empirical distribution cannot
/// resolve tails beyond this.
const EXTREME_CAP: f64 = 4.0;

/// z of a mean: `(ours − paper) / √(s²(1/n + 1/n_p) + u²/12)`, `s` our trials' standard
/// deviation (the paper's spread taken equal), `u` the paper's print resolution.
fn z_mean(values: &[f64], paper: f64, n_paper: usize, unit: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let s = sd(values);
    let var = s * s * (1.0 / values.len() as f64 + 1.0 / n_paper as f64) + unit * unit / 12.0;
    (mean(values.iter().copied()) - paper) / var.sqrt()
}

/// z of a count `k` of `n` trials against the paper's `k_p` of `n_p`: the two-proportion
/// test with the pooled, Laplace-smoothed rate.
fn z_count(k: f64, n: usize, k_paper: f64, n_paper: usize) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let (n, np) = (n as f64, n_paper as f64);
    let p = (k + k_paper + 1.0) / (n + np + 2.0);
    (k / n - k_paper / np) / (p * (1.0 - p) * (1.0 / n + 1.0 / np)).sqrt()
}

/// z of an extreme of `n_p` trials (the paper's) against ours: the mid-p of the paper's
/// value (± half its print resolution) in the distribution of the extreme of `n_p` draws
/// from our trials, as a normal quantile, signed like the others (positive: ours larger),
/// capped at ±[`EXTREME_CAP`].
fn z_extreme(values: &[f64], paper: f64, n_paper: usize, unit: f64, max: bool) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len() as f64;
    let below = values.iter().filter(|&&v| v < paper - unit / 2.0).count() as f64 / n;
    let at_most = values.iter().filter(|&&v| v <= paper + unit / 2.0).count() as f64 / n;
    let np = n_paper as i32;
    let (lo, hi) = if max {
        (below.powi(np), at_most.powi(np))
    } else {
        (1.0 - (1.0 - below).powi(np), 1.0 - (1.0 - at_most).powi(np))
    };
    (-normal_quantile(0.5 * (lo + hi))).clamp(-EXTREME_CAP, EXTREME_CAP)
}

/// The problems, in report order.
const PROBLEMS: [&str; 3] = ["TSP", "N-Queens", "Hitchcock"];

/// One published number against ours.
#[derive(Debug, Clone)]
struct Number {
    problem: usize,
    label: String,
    ours: f64,
    paper: f64,
    z: f64,
}

/// A problem's part of the distance.
#[derive(Debug, Clone, Copy)]
struct ProblemScore {
    rms: f64,
    chi2: f64,
    k: usize,
}

impl ProblemScore {
    /// Within the trial noise: `Σ z² ≤ χ²_{0.95}(k)`.
    fn pass(&self) -> bool {
        self.chi2 <= chi2_95(self.k)
    }
}

/// A reading's score at one stage.
#[derive(Debug, Clone)]
struct Score {
    numbers: Vec<Number>,
    problems: [Option<ProblemScore>; 3],
    total: f64,
}

impl Score {
    fn from_numbers(numbers: Vec<Number>) -> Self {
        let mut problems = [None; 3];
        for (p, slot) in problems.iter_mut().enumerate() {
            let zs: Vec<f64> = numbers
                .iter()
                .filter(|n| n.problem == p)
                .map(|n| n.z)
                .collect();
            if zs.is_empty() {
                continue;
            }
            let chi2: f64 = zs
                .iter()
                .map(|z| if z.is_finite() { z * z } else { f64::INFINITY })
                .sum();
            *slot = Some(ProblemScore {
                rms: (chi2 / zs.len() as f64).sqrt(),
                chi2,
                k: zs.len(),
            });
        }
        let present: Vec<f64> = problems.iter().flatten().map(|p| p.rms * p.rms).collect();
        let total = if present.is_empty() {
            f64::INFINITY
        } else {
            (present.iter().sum::<f64>() / present.len() as f64).sqrt()
        };
        Score {
            numbers,
            problems,
            total,
        }
    }

    fn passes_all(&self) -> bool {
        self.problems.iter().all(|p| p.is_some_and(|p| p.pass()))
    }
}

/// What one stage's cells hold, looked up for a reading.
struct View<'a> {
    def: &'a ReadingsDef,
    refs: &'a References,
    data: &'a Data,
    stage: &'a str,
    sizes: &'a Stage,
}

/// The lengths (valid tours) of a TSP cell and its number of trials.
fn tsp_lengths(rows: &[TspRow]) -> Vec<f64> {
    rows.iter().filter_map(|r| r.length).collect()
}

impl View<'_> {
    fn tsp_rows(&self, instance: &str, dynamics: &str, r: &Reading) -> Option<&Vec<TspRow>> {
        self.data
            .tsp
            .get(&tsp_cell(self.stage, instance, dynamics, r))
            .filter(|v| !v.is_empty())
    }

    fn queens_rows(&self, n: usize, dynamics: &str, r: &Reading) -> Option<&Vec<QueensRow>> {
        self.data
            .queens
            .get(&queens_cell(self.stage, n, dynamics, r))
            .filter(|v| !v.is_empty())
    }

    fn hitchcock_rows(&self, id: u32, dynamics: &str, r: &Reading) -> Option<&Vec<HitchcockRow>> {
        self.data
            .hitchcock
            .get(&hitchcock_cell(self.stage, id, dynamics, r))
            .filter(|v| !v.is_empty())
    }

    /// Every published number against this reading's results (missing cells leave their
    /// numbers out).
    fn score(&self, r: &Reading) -> Score {
        let mut numbers = Vec::new();
        self.tsp_numbers(r, &mut numbers);
        self.queens_numbers(r, &mut numbers);
        self.hitchcock_numbers(r, &mut numbers);
        Score::from_numbers(numbers)
    }

    fn tsp_numbers(&self, r: &Reading, out: &mut Vec<Number>) {
        let paper = &self.def.paper;
        let dynamics = r.dynamics_key();
        for inst in &paper.tsp {
            let Some(Some(optimum)) = self.refs.tsp.get(&inst.instance) else {
                continue;
            };
            // The paper's lengths, rescaled so its printed optimum is the exact one.
            let scale = optimum / inst.optimum;
            for (column, dyn_key, p) in [
                ("conventional", CONVENTIONAL, &inst.conventional),
                ("tunnel", dynamics.as_str(), &inst.tunnel),
            ] {
                let Some(rows) = self.tsp_rows(&inst.instance, dyn_key, r) else {
                    continue;
                };
                let lengths = tsp_lengths(rows);
                let n = rows.len();
                let within = |ratio: f64| {
                    lengths
                        .iter()
                        .filter(|&&l| l <= ratio * optimum + 1e-6)
                        .count() as f64
                };
                let mut push = |what: &str, ours: f64, paper: f64, z: f64| {
                    out.push(Number {
                        problem: 0,
                        label: format!("{} {column} {what}", inst.instance),
                        ours,
                        paper,
                        z,
                    });
                };
                let unit = 0.01 * scale;
                let ext = |max: bool| {
                    if max {
                        lengths.iter().copied().reduce(f64::max)
                    } else {
                        lengths.iter().copied().reduce(f64::min)
                    }
                    .unwrap_or(f64::NAN)
                };
                let np = paper.tsp_trials;
                let z_or = |z: f64| if lengths.is_empty() { f64::INFINITY } else { z };
                push(
                    "Max",
                    ext(true),
                    p.max * scale,
                    z_or(z_extreme(&lengths, p.max * scale, np, unit, true)),
                );
                push(
                    "Min",
                    ext(false),
                    p.min * scale,
                    z_or(z_extreme(&lengths, p.min * scale, np, unit, false)),
                );
                push(
                    "Ave",
                    mean(lengths.iter().copied()),
                    p.ave * scale,
                    z_or(z_mean(&lengths, p.ave * scale, np, unit)),
                );
                push(
                    "valid",
                    lengths.len() as f64 * np as f64 / n as f64,
                    p.valid as f64,
                    z_count(lengths.len() as f64, n, p.valid as f64, np),
                );
                let near = within(self.def.near_ratio);
                push(
                    "near",
                    near * np as f64 / n as f64,
                    p.near as f64,
                    z_count(near, n, p.near as f64, np),
                );
                let optimal = within(1.0);
                push(
                    "optimal",
                    optimal * np as f64 / n as f64,
                    p.optimal as f64,
                    z_count(optimal, n, p.optimal as f64, np),
                );
                if let Some(count) = p.tunnel_count {
                    let counts: Vec<f64> = rows
                        .iter()
                        .map(|x| r.count(&counts_back(&x.counts)))
                        .collect();
                    push(
                        "tunnel count",
                        mean(counts.iter().copied()),
                        count,
                        z_mean(&counts, count, np, 0.1),
                    );
                }
            }
        }
    }

    fn queens_numbers(&self, r: &Reading, out: &mut Vec<Number>) {
        let paper = &self.def.paper;
        let dynamics = r.dynamics_key();
        let np_board = paper.queens_trials;
        // Solved counts over groups of boards: (label, dynamics, boards, required rate or
        // None for "none solved").
        let conv_up = paper.queens_conventional_up_to;
        let tun_up = paper.queens_tunnel_up_to;
        // (label, operator, boards lo < n ≤ hi, the rate the paper implies or None: none).
        let rate = Some(paper.queens_min_rate);
        let groups = [
            (
                "conventional solved, n ≤ conv. limit",
                CONVENTIONAL,
                0,
                conv_up,
                rate,
            ),
            (
                "conventional solved, n > conv. limit",
                CONVENTIONAL,
                conv_up,
                tun_up,
                None,
            ),
            (
                "tunnel solved, n ≤ conv. limit",
                dynamics.as_str(),
                0,
                conv_up,
                rate,
            ),
            (
                "tunnel solved, n > conv. limit",
                dynamics.as_str(),
                conv_up,
                tun_up,
                rate,
            ),
        ];
        for (label, dyn_key, lo, hi, rate) in groups {
            let (mut solved, mut trials, mut n_boards) = (0usize, 0usize, 0usize);
            for &n in self.sizes.queens_n.iter().filter(|&&n| lo < n && n <= hi) {
                if let Some(rows) = self.queens_rows(n, dyn_key, r) {
                    solved += rows.iter().filter(|x| x.solved).count();
                    trials += rows.len();
                    n_boards += 1;
                }
            }
            if n_boards == 0 {
                continue;
            }
            let np = np_board * n_boards;
            let (paper_k, z) = match rate {
                Some(rate) => {
                    let k = rate * np as f64;
                    (k, z_count(solved as f64, trials, k, np).min(0.0))
                }
                None => (0.0, z_count(solved as f64, trials, 0.0, np).max(0.0)),
            };
            out.push(Number {
                problem: 1,
                label: format!(
                    "{label} ({n_boards} boards; paper: {})",
                    if rate.is_some() {
                        "≥ 1 per board"
                    } else {
                        "none"
                    }
                ),
                ours: solved as f64 * np as f64 / trials as f64,
                paper: paper_k,
                z,
            });
        }
        // The slope of the mean tunnel count against t_max, through the origin.
        let (mut st, mut sct, mut var_num) = (0.0, 0.0, 0.0);
        for &n in &self.sizes.queens_n {
            let Some(rows) = self.queens_rows(n, &dynamics, r) else {
                continue;
            };
            let t = (paper.queens_t_max_per_n2 * (n * n) as u64) as f64;
            let counts: Vec<f64> = rows
                .iter()
                .map(|x| r.count(&counts_back(&x.counts)))
                .collect();
            let s = sd(&counts);
            st += t * t;
            sct += t * mean(counts.iter().copied());
            var_num += t * t * s * s / counts.len() as f64;
        }
        if st > 0.0 {
            let slope = sct / st;
            let se = (var_num / (st * st)).sqrt();
            out.push(Number {
                problem: 1,
                label: "tunnel count / t_max".into(),
                ours: slope,
                paper: paper.queens_slope,
                z: (slope - paper.queens_slope)
                    / (se * se + paper.queens_slope_sigma.powi(2)).sqrt(),
            });
        }
    }

    fn hitchcock_numbers(&self, r: &Reading, out: &mut Vec<Number>) {
        let paper = &self.def.paper;
        let dynamics = r.dynamics_key();
        let np = paper.hitchcock_trials;
        for exp in &paper.hitchcock {
            for (column, dyn_key, p) in [
                ("conventional", CONVENTIONAL, &exp.conventional),
                ("tunnel", dynamics.as_str(), &exp.tunnel),
            ] {
                let Some(rows) = self.hitchcock_rows(exp.id, dyn_key, r) else {
                    continue;
                };
                let costs: Vec<f64> = rows.iter().map(|x| x.cost).collect();
                let mut push = |what: &str, ours: f64, paper: f64, z: f64| {
                    out.push(Number {
                        problem: 2,
                        label: format!("experiment {} {column} {what}", exp.id),
                        ours,
                        paper,
                        z,
                    });
                };
                push(
                    "average",
                    mean(costs.iter().copied()),
                    p.average,
                    z_mean(&costs, p.average, np, 1.0),
                );
                push(
                    "best",
                    costs.iter().copied().fold(f64::INFINITY, f64::min),
                    p.best,
                    z_extreme(&costs, p.best, np, 1.0, false),
                );
                if let Some(count) = p.tunnel_count {
                    let counts: Vec<f64> = rows
                        .iter()
                        .map(|x| r.count(&counts_back(&x.counts)))
                        .collect();
                    push(
                        "tunnel count",
                        mean(counts.iter().copied()),
                        count,
                        z_mean(&counts, count, np, 1.0),
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The plan: which readings each stage runs (a function of the definitions and the records)
// ---------------------------------------------------------------------------------------

/// The sizes and grid of this run (`--quick` or not, with `--trials` applied).
struct Setup {
    screen: Stage,
    full: Stage,
    grid: Grid,
    finalists: usize,
    neighbour_seeds: usize,
    per_problem: usize,
}

fn setup(def: &ReadingsDef, quick: bool, trials: Option<usize>) -> Setup {
    let over = |s: &Stage| {
        let mut s = s.clone();
        if let Some(t) = trials {
            s.tsp_trials = t;
            s.queens_trials = t;
            s.hitchcock_trials = t;
        }
        s
    };
    if quick {
        Setup {
            screen: over(&def.quick_screen),
            full: over(&def.quick_full),
            grid: def.quick_grid.clone(),
            finalists: def.quick_finalists,
            neighbour_seeds: def.quick_neighbour_seeds,
            per_problem: def.quick_per_problem,
        }
    } else {
        Setup {
            screen: over(&def.screen),
            full: over(&def.full),
            grid: def.grid.clone(),
            finalists: def.finalists,
            neighbour_seeds: def.neighbour_seeds,
            per_problem: def.per_problem,
        }
    }
}

fn push_unique(list: &mut Vec<Reading>, r: Reading) {
    if !list.iter().any(|x| x.key() == r.key()) {
        list.push(r);
    }
}

/// Readings ranked by their score at one stage (ties by key, so the order is fixed).
fn rank(view: &View<'_>, readings: &[Reading]) -> Vec<(Reading, Score)> {
    let mut scored: Vec<(Reading, Score)> = readings
        .iter()
        .map(|r| (r.clone(), view.score(r)))
        .collect();
    scored.sort_by(|a, b| {
        a.1.total
            .total_cmp(&b.1.total)
            .then_with(|| a.0.key().cmp(&b.0.key()))
    });
    scored
}

/// The grid and the named readings (stage 1 of the screen).
fn first_screen(def: &ReadingsDef, s: &Setup) -> Vec<Reading> {
    let mut out = Vec::new();
    for r in s.grid.expand() {
        push_unique(&mut out, r);
    }
    for p in &def.reading {
        push_unique(&mut out, p.reading.clone());
    }
    out
}

/// The best of each reading of T: readings that differ only in `p_init` or penalty weights
/// share most runs, so a ranking keeps the best of them.
fn distinct_t(ranked: &[(Reading, Score)]) -> Vec<(Reading, Score)> {
    let mut seen: Vec<String> = Vec::new();
    ranked
        .iter()
        .filter(|(r, _)| {
            let k = r.t_key();
            let new = !seen.contains(&k);
            if new {
                seen.push(k);
            }
            new
        })
        .cloned()
        .collect()
}

/// The best `overall` distinct readings of T of a ranking, then the best `per_problem` of
/// each problem by its own part of the distance (each reading of T once).
fn leaders(ranked: &[(Reading, Score)], overall: usize, per_problem: usize) -> Vec<Reading> {
    let ranked = &distinct_t(ranked);
    let mut out: Vec<Reading> = Vec::new();
    let push = |out: &mut Vec<Reading>, r: &Reading| {
        if !out.iter().any(|x| x.t_key() == r.t_key()) {
            out.push(r.clone());
        }
    };
    for (r, _) in ranked.iter().take(overall) {
        push(&mut out, r);
    }
    for k in 0..PROBLEMS.len() {
        let mut by_problem: Vec<&(Reading, Score)> = ranked
            .iter()
            .filter(|(_, s)| s.problems[k].is_some())
            .collect();
        // A stable sort keeps the overall order among equal parts.
        by_problem.sort_by(|a, b| {
            let part = |x: &(Reading, Score)| x.1.problems[k].map_or(f64::INFINITY, |p| p.rms);
            part(a).total_cmp(&part(b))
        });
        let mut added = 0;
        for (r, _) in by_problem {
            if added == per_problem {
                break;
            }
            if !out.iter().any(|x| x.t_key() == r.t_key()) {
                push(&mut out, r);
                added += 1;
            }
        }
    }
    out
}

/// The neighbourhoods of the leaders of stage 1.
fn second_screen(def: &ReadingsDef, s: &Setup, ranked: &[(Reading, Score)]) -> Vec<Reading> {
    let first: Vec<Reading> = ranked.iter().map(|x| x.0.clone()).collect();
    let mut out = Vec::new();
    for seed in leaders(ranked, s.neighbour_seeds, s.per_problem).iter() {
        for r in def.neighbours.neighbours(seed) {
            if !first.iter().any(|x| x.key() == r.key()) {
                push_unique(&mut out, r);
            }
        }
    }
    out
}

/// The finalists: the leaders of the screen, then the presets marked `full`.
fn finalists(def: &ReadingsDef, s: &Setup, ranked: &[(Reading, Score)]) -> Vec<Reading> {
    let mut out = leaders(ranked, s.finalists, s.per_problem);
    for p in def.reading.iter().filter(|p| p.full) {
        push_unique(&mut out, p.reading.clone());
    }
    out
}

/// The whole plan, recomputed from the records: screened readings ranked, and finalists
/// ranked at the paper's protocol.
struct Plan {
    screened: Vec<(Reading, Score)>,
    finals: Vec<(Reading, Score)>,
}

fn plan(def: &ReadingsDef, s: &Setup, refs: &References, data: &Data) -> Plan {
    let screen_view = View {
        def,
        refs,
        data,
        stage: SCREEN,
        sizes: &s.screen,
    };
    let first = first_screen(def, s);
    let ranked1 = rank(&screen_view, &first);
    let mut all = first;
    for r in second_screen(def, s, &ranked1) {
        push_unique(&mut all, r);
    }
    let screened = rank(&screen_view, &all);
    let finals_list = finalists(def, s, &screened);
    let full_view = View {
        def,
        refs,
        data,
        stage: FULL,
        sizes: &s.full,
    };
    Plan {
        finals: rank(&full_view, &finals_list),
        screened,
    }
}

// ---------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------

/// One search of `problem` with the tunnel operator (or the conventional network).
fn search_counts<P: Problem>(
    problem: &P,
    tunnel: Option<&TunnelConfig>,
    config: &SearchConfig,
    seed: u64,
) -> anyhow::Result<(SearchOutcome, TunnelCounts)> {
    let mut rng = rng_from_seed(seed);
    Ok(match tunnel {
        None => (
            search(problem, &mut Conventional, config, &mut rng)?,
            TunnelCounts::default(),
        ),
        Some(tc) => {
            let mut op = Tunnel::new(tc.clone(), problem.shape())?;
            let out = search(problem, &mut op, config, &mut rng)?;
            (out, op.counts())
        }
    })
}

/// A cell to run: a shared problem, an operator (none: conventional) and the search.
struct Cell<P> {
    problem: Arc<P>,
    tunnel: Option<TunnelConfig>,
    config: SearchConfig,
}

/// The loaded problems of the study.
struct Problems {
    /// Distance matrices of the TSP instances found, by name.
    tsp: BTreeMap<String, hopfield_core::nalgebra::DMatrix<f64>>,
    refs: References,
}

fn hitchcock_instance(id: u32) -> anyhow::Result<TransportInstance> {
    Ok(match id {
        1 => TransportInstance::experiment1(),
        2 => TransportInstance::experiment2(),
        other => bail!("Hitchcock experiment {other} is not built in (the paper has 1 and 2)"),
    })
}

fn load_problems(def: &ReadingsDef, ctx: &Context) -> anyhow::Result<Problems> {
    let mut refs = References {
        tsp: BTreeMap::new(),
        hitchcock: BTreeMap::new(),
    };
    let mut tsp = BTreeMap::new();
    for inst in &def.paper.tsp {
        let path = ctx.datasets.join(format!("{}.tsp", inst.instance));
        if !path.exists() {
            refs.tsp.insert(inst.instance.clone(), None);
            continue;
        }
        let d = Instance::from_path(&path)?.distance_matrix(Convention::RawEuclidean)?;
        refs.tsp
            .insert(inst.instance.clone(), Some(held_karp(&d)?.0));
        tsp.insert(inst.instance.clone(), d);
    }
    for exp in &def.paper.hitchcock {
        let inst = hitchcock_instance(exp.id)?;
        let lp = transport_optimum(inst.supply(), inst.demand(), inst.cost())?;
        refs.hitchcock.insert(exp.id, lp.cost);
    }
    Ok(Problems { tsp, refs })
}

/// The tables of the study, open for appending.
struct Tables {
    tsp: Table<TspRow>,
    queens: Table<QueensRow>,
    hitchcock: Table<HitchcockRow>,
}

/// What every stage of a run shares.
struct Study<'a> {
    def: &'a ReadingsDef,
    ctx: &'a Context,
    problems: &'a Problems,
}

/// Runs every cell a list of readings needs at one stage (cells already recorded are
/// skipped by the table's resume logic).
fn run_stage(
    study: &Study<'_>,
    tables: &mut Tables,
    (stage, sizes): (&str, &Stage),
    readings: &[Reading],
    bar_name: &str,
) -> anyhow::Result<()> {
    let Study { def, ctx, problems } = *study;
    let seed = ctx.seed(def.seed);
    // Distinct runs in a fixed order: (dynamics key, problem key, a reading with them).
    type Runs = Vec<(String, String, Reading)>;
    let add = |runs: &mut Runs, dynamics: String, key: String, r: &Reading| {
        if !runs.iter().any(|(d, k, _)| *d == dynamics && *k == key) {
            runs.push((dynamics, key, r.clone()));
        }
    };
    let (mut tsp_runs, mut queens_runs, mut hitchcock_runs): (Runs, Runs, Runs) =
        Default::default();
    for r in readings {
        for (runs, key) in [
            (&mut tsp_runs, r.tsp_key()),
            (&mut queens_runs, r.queens_key()),
            (&mut hitchcock_runs, r.hitchcock_key()),
        ] {
            add(runs, CONVENTIONAL.into(), key.clone(), r);
            add(runs, r.dynamics_key(), key, r);
        }
    }
    let paper = &def.paper;
    let total = tsp_runs.len() * problems.tsp.len() * sizes.tsp_trials
        + queens_runs.len() * sizes.queens_n.len() * sizes.queens_trials
        + hitchcock_runs.len() * paper.hitchcock.len() * sizes.hitchcock_trials;
    let bar = ctx.bar(bar_name, total as u64);

    // TSP.
    for inst in &paper.tsp {
        let Some(d) = problems.tsp.get(&inst.instance) else {
            continue;
        };
        let mut cache: HashMap<String, Arc<Tsp>> = HashMap::new();
        let mut cells = Vec::new();
        for (dynamics, _, r) in &tsp_runs {
            let tsp = match cache.get(&r.tsp_key()) {
                Some(t) => t.clone(),
                None => {
                    let mut w = TspWeights::defaults_for(d);
                    w.a *= r.tsp_penalty / 4.0;
                    w.b *= r.tsp_penalty / 4.0;
                    let t = Arc::new(Tsp::with_weights(d.clone(), w)?);
                    cache.insert(r.tsp_key(), t.clone());
                    t
                }
            };
            cells.push((
                tsp_cell(stage, &inst.instance, dynamics, r),
                Cell {
                    problem: tsp,
                    tunnel: (dynamics != CONVENTIONAL).then(|| r.tunnel(2, false)),
                    config: SearchConfig {
                        t_max: inst.t_max,
                        p_init: r.p_init,
                    },
                },
            ));
        }
        run_cells(
            &mut tables.tsp,
            &cells,
            sizes.tsp_trials,
            seed,
            &bar,
            |c, seed| {
                let (out, counts) = search_counts(&*c.problem, c.tunnel.as_ref(), &c.config, seed)?;
                let tour = c.problem.decode(&out.state);
                Ok(TspRow {
                    length: tour.map(|t| c.problem.objective(&t)),
                    counts: counts_of(counts),
                })
            },
        )?;
    }

    // N-Queens.
    for &n in &sizes.queens_n {
        let mut cache: HashMap<String, Arc<Queens>> = HashMap::new();
        let mut cells = Vec::new();
        for (dynamics, _, r) in &queens_runs {
            let queens = match cache.get(&r.queens_key()) {
                Some(q) => q.clone(),
                None => {
                    let w = QueensWeights {
                        epsilon: r.queens_epsilon,
                        ..QueensWeights::default()
                    };
                    let q = Arc::new(Queens::with_weights(n, w)?);
                    cache.insert(r.queens_key(), q.clone());
                    q
                }
            };
            cells.push((
                queens_cell(stage, n, dynamics, r),
                Cell {
                    problem: queens,
                    tunnel: (dynamics != CONVENTIONAL).then(|| r.tunnel(2, false)),
                    config: SearchConfig {
                        t_max: paper.queens_t_max_per_n2 * (n * n) as u64,
                        p_init: r.p_init,
                    },
                },
            ));
        }
        run_cells(
            &mut tables.queens,
            &cells,
            sizes.queens_trials,
            seed,
            &bar,
            |c, seed| {
                let (out, counts) = search_counts(&*c.problem, c.tunnel.as_ref(), &c.config, seed)?;
                let solved = c.problem.is_feasible(&out.state)
                    && c.problem
                        .decode(&out.state)
                        .is_some_and(|s| c.problem.objective(&s) == 0.0);
                Ok(QueensRow {
                    solved,
                    counts: counts_of(counts),
                })
            },
        )?;
    }

    // Hitchcock.
    for exp in &paper.hitchcock {
        let inst = hitchcock_instance(exp.id)?;
        let mut cache: HashMap<String, Arc<Transport>> = HashMap::new();
        let mut cells = Vec::new();
        for (dynamics, _, r) in &hitchcock_runs {
            let problem = match cache.get(&r.hitchcock_key()) {
                Some(t) => t.clone(),
                None => {
                    let mut w = TransportWeights::defaults_for(&inst);
                    w.a *= r.hitchcock_penalty / 2.0;
                    w.b *= r.hitchcock_penalty / 2.0;
                    let encoding = match r.hitchcock {
                        HitchcockEncoding::Unary => TransportEncoding::Unary,
                        HitchcockEncoding::OneHot => TransportEncoding::OneHot { f: w.a + w.b },
                        HitchcockEncoding::UnitAssignment => TransportEncoding::UnitAssignment,
                    };
                    let t = Arc::new(Transport::with_options(inst.clone(), encoding, w)?);
                    cache.insert(r.hitchcock_key(), t.clone());
                    t
                }
            };
            cells.push((
                hitchcock_cell(stage, exp.id, dynamics, r),
                Cell {
                    problem,
                    tunnel: (dynamics != CONVENTIONAL).then(|| r.tunnel(3, true)),
                    config: SearchConfig {
                        t_max: exp.t_max,
                        p_init: r.p_init,
                    },
                },
            ));
        }
        run_cells(
            &mut tables.hitchcock,
            &cells,
            sizes.hitchcock_trials,
            seed,
            &bar,
            |c, seed| {
                let (out, counts) = search_counts(&*c.problem, c.tunnel.as_ref(), &c.config, seed)?;
                let plan = c.problem.amounts(&out.state);
                Ok(HitchcockRow {
                    feasible: c.problem.is_feasible(&out.state),
                    cost: c.problem.objective(&plan),
                    counts: counts_of(counts),
                })
            },
        )?;
    }
    bar.finish();
    Ok(())
}

/// Runs the study into `ctx.out`: the screen, its neighbourhoods, then the finalists.
pub fn run(def: &ReadingsDef, ctx: &Context) -> anyhow::Result<()> {
    check(def)?;
    let s = setup(def, ctx.quick, ctx.trials);
    let problems = load_problems(def, ctx)?;
    std::fs::write(
        ctx.out.join("readings.references.json"),
        serde_json::to_string_pretty(&problems.refs)?,
    )?;
    let mut tables = Tables {
        tsp: Table::open(&ctx.out, "readings-tsp")?,
        queens: Table::open(&ctx.out, "readings-queens")?,
        hitchcock: Table::open(&ctx.out, "readings-hitchcock")?,
    };
    let study = Study {
        def,
        ctx,
        problems: &problems,
    };
    let first = first_screen(def, &s);
    run_stage(
        &study,
        &mut tables,
        (SCREEN, &s.screen),
        &first,
        "readings-1",
    )?;
    let data = Data::read(&ctx.out)?;
    let view = View {
        def,
        refs: &problems.refs,
        data: &data,
        stage: SCREEN,
        sizes: &s.screen,
    };
    let ranked1 = rank(&view, &first);
    let second = second_screen(def, &s, &ranked1);
    run_stage(
        &study,
        &mut tables,
        (SCREEN, &s.screen),
        &second,
        "readings-2",
    )?;
    let data = Data::read(&ctx.out)?;
    let p = plan(def, &s, &problems.refs, &data);
    let finals: Vec<Reading> = p.finals.iter().map(|x| x.0.clone()).collect();
    run_stage(&study, &mut tables, (FULL, &s.full), &finals, "readings-3")?;
    Ok(())
}

/// Checks a definition before anything runs.
pub fn check(def: &ReadingsDef) -> anyhow::Result<()> {
    let mut readings = def.grid.expand();
    readings.extend(def.quick_grid.expand());
    readings.extend(def.reading.iter().map(|p| p.reading.clone()));
    let base = readings.clone();
    for r in &base {
        readings.extend(def.neighbours.neighbours(r));
    }
    for r in &readings {
        if !(0.0..=1.0).contains(&r.p_init) {
            bail!("reading {}: p_init must be in [0, 1]", r.key());
        }
        for (name, v) in [
            ("tsp_penalty", r.tsp_penalty),
            ("hitchcock_penalty", r.hitchcock_penalty),
        ] {
            if !(v.is_finite() && v > 0.0) {
                bail!("reading {}: {name} must be finite and > 0", r.key());
            }
        }
    }
    for stage in [&def.screen, &def.full, &def.quick_screen, &def.quick_full] {
        if let Some(&n) = stage.queens_n.iter().find(|&&n| n < 4) {
            bail!("N-Queens board {n}: the encoding needs n >= 4");
        }
    }
    if def.paper.tsp_trials == 0 || def.paper.queens_trials == 0 || def.paper.hitchcock_trials == 0
    {
        bail!("the paper's trial counts must be positive");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------

fn tick(p: Option<ProblemScore>) -> String {
    match p {
        Some(p) => format!("{:.2}{}", p.rms, if p.pass() { " ✓" } else { "" }),
        None => "—".into(),
    }
}

fn find<'a>(score: &'a Score, label: &str) -> Option<&'a Number> {
    score.numbers.iter().find(|n| n.label == label)
}

fn ours(score: &Score, label: &str, decimals: usize) -> String {
    fmt(find(score, label).map(|n| n.ours), decimals)
}

/// The key numbers of a reading in one table row.
fn key_numbers(def: &ReadingsDef, score: &Score) -> String {
    let mut cells = Vec::new();
    for inst in &def.paper.tsp {
        let i = &inst.instance;
        cells.push(format!(
            "{} / {} / {}",
            ours(score, &format!("{i} tunnel optimal"), 0),
            ours(score, &format!("{i} tunnel near"), 0),
            ours(score, &format!("{i} tunnel tunnel count"), 1),
        ));
    }
    let solved = score
        .numbers
        .iter()
        .find(|n| n.label.starts_with("tunnel solved, n > conv. limit"))
        .map(|n| n.ours);
    cells.push(format!(
        "{} / {}",
        fmt(solved, 0),
        ours(score, "tunnel count / t_max", 3)
    ));
    for exp in &def.paper.hitchcock {
        let e = format!("experiment {} tunnel", exp.id);
        cells.push(format!(
            "{} / {} / {}",
            ours(score, &format!("{e} average"), 1),
            ours(score, &format!("{e} best"), 0),
            ours(score, &format!("{e} tunnel count"), 1),
        ));
    }
    cells.join(" | ")
}

fn key_header(def: &ReadingsDef) -> (String, String) {
    let mut head = Vec::new();
    for inst in &def.paper.tsp {
        head.push(format!("{} opt / near / count", inst.instance));
    }
    head.push("N-Queens solved n > 15 / count per step".into());
    for exp in &def.paper.hitchcock {
        head.push(format!("Hitchcock {} avg / best / count", exp.id));
    }
    let paper = &def.paper;
    let mut row = Vec::new();
    for inst in &paper.tsp {
        row.push(format!(
            "{} / {} / {}",
            inst.tunnel.optimal,
            inst.tunnel.near,
            fmt(inst.tunnel.tunnel_count, 1)
        ));
    }
    row.push(format!(
        "≥ {} / {}",
        (paper.queens_tunnel_up_to - paper.queens_conventional_up_to) as f64
            * paper.queens_min_rate
            * paper.queens_trials as f64,
        paper.queens_slope
    ));
    for exp in &paper.hitchcock {
        row.push(format!(
            "{} / {} / {}",
            exp.tunnel.average,
            exp.tunnel.best,
            fmt(exp.tunnel.tunnel_count, 0)
        ));
    }
    (head.join(" | "), row.join(" | "))
}

fn preset_name(def: &ReadingsDef, r: &Reading) -> Option<String> {
    def.reading
        .iter()
        .find(|p| p.reading.key() == r.key())
        .map(|p| format!("**{}** ({})", p.label, p.name))
}

fn ranked_table(def: &ReadingsDef, rows: &[(Reading, Score)], limit: usize, md: &mut String) {
    let (head, paper) = key_header(def);
    let _ = writeln!(
        md,
        "| # | reading | TSP | N-Queens | Hitchcock | distance | {head} |"
    );
    let cols = 6 + head.matches('|').count() + 1;
    let _ = writeln!(md, "|{}", "---|".repeat(cols));
    for (k, (r, s)) in rows.iter().take(limit).enumerate() {
        let name = preset_name(def, r).map_or(String::new(), |n| format!("{n}: "));
        let _ = writeln!(
            md,
            "| {} | {name}{} | {} | {} | {} | {:.2} | {} |",
            k + 1,
            r.describe(),
            tick(s.problems[0]),
            tick(s.problems[1]),
            tick(s.problems[2]),
            s.total,
            key_numbers(def, s)
        );
    }
    let _ = writeln!(md, "| | *paper* | | | | | {paper} |\n");
}

/// Appends the "Readings of T" section and draws its figures.
pub fn report(
    def: &ReadingsDef,
    record: &Path,
    quick: bool,
    trials: Option<usize>,
    md: &mut String,
) -> anyhow::Result<()> {
    let refs: References = serde_json::from_str(
        &std::fs::read_to_string(record.join("readings.references.json"))
            .context("the readings study was not run (no readings.references.json)")?,
    )?;
    let data = Data::read(record)?;
    let s = setup(def, quick, trials);
    let p = plan(def, &s, &refs, &data);
    let _ = writeln!(md, "## {}\n", def.title);
    let _ = writeln!(
        md,
        "Each reading fixes every choice the paper leaves open (METHODOLOGY.md, \"Readings of \
         T\", gives the sentence of the paper each option interprets). The distance to the \
         paper is the root mean square, over the three problems, of each problem's root mean \
         square z-score over every number the paper publishes for it (Table 1 with its tunnel \
         counts; the N-Queens solved boards and the tunnel count per step; Hitchcock average, \
         best and count), each z measured in trial noise. A problem is reproduced *within \
         trial noise* (✓) when its Σz² stays below the 95 % quantile of χ² with as many \
         degrees of freedom as numbers.\n"
    );
    if refs.tsp.values().any(Option::is_none) {
        let _ = writeln!(
            md,
            "**TSP skipped:** the TSPLIB files were missing (run `cargo xtask fetch-tsplib`).\n"
        );
    }
    let _ = writeln!(
        md,
        "### Finalists at the paper's protocol\n\n{} TSP trials per instance, {} per N-Queens \
         board (n = {}…{}), {} per Hitchcock experiment; other seeds than the screen. Columns \
         TSP / N-Queens / Hitchcock: that problem's RMS z.\n",
        s.full.tsp_trials,
        s.full.queens_trials,
        s.full.queens_n.first().copied().unwrap_or(0),
        s.full.queens_n.last().copied().unwrap_or(0),
        s.full.hitchcock_trials
    );
    ranked_table(def, &p.finals, p.finals.len(), md);
    let _ = writeln!(
        md,
        "### Screen\n\n{} readings screened ({} TSP trials per instance, {} per board on n ∈ \
         {:?}, {} per Hitchcock experiment); the best {} readings of T (each with its best \
         `p_init` and penalty weights):\n",
        p.screened.len(),
        s.screen.tsp_trials,
        s.screen.queens_trials,
        s.screen.queens_n,
        s.screen.hitchcock_trials,
        p.screened.len().min(15)
    );
    ranked_table(def, &distinct_t(&p.screened), 15, md);
    let screen_view = View {
        def,
        refs: &refs,
        data: &data,
        stage: SCREEN,
        sizes: &s.screen,
    };
    let full_view = View {
        def,
        refs: &refs,
        data: &data,
        stage: FULL,
        sizes: &s.full,
    };
    if let Some((best, score)) = p.finals.first() {
        best_reading(&full_view, record, best, score, md)?;
    }
    conclusion(
        def,
        &p,
        &[(&screen_view, &p.screened), (&full_view, &p.finals)],
        md,
    );
    Ok(())
}

fn best_reading(
    view: &View<'_>,
    record: &Path,
    best: &Reading,
    score: &Score,
    md: &mut String,
) -> anyhow::Result<()> {
    let (def, refs) = (view.def, view.refs);
    let dynamics = best.dynamics_key();
    let _ = writeln!(
        md,
        "### The best reading beside the paper\n\n{}{}\n\nEvery published number, ours and \
         the paper's (TSP lengths of the paper rescaled so its printed optimum is the exact \
         one; counts scaled to the paper's trial count), with its z:\n",
        preset_name(def, best).map_or(String::new(), |n| format!("{n}: ")),
        best.describe()
    );
    let _ = writeln!(
        md,
        "| problem | number | ours | paper | z |\n|---|---|---|---|---|"
    );
    for n in &score.numbers {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:+.2} |",
            PROBLEMS[n.problem],
            n.label,
            fmt(Some(n.ours), 2),
            fmt(Some(n.paper), 2),
            n.z
        );
    }
    md.push('\n');
    // Figures: TSP per trial, N-Queens solved and counts, Hitchcock per trial.
    for inst in &def.paper.tsp {
        let Some(Some(optimum)) = refs.tsp.get(&inst.instance) else {
            continue;
        };
        let mut series = Vec::new();
        for (label, key) in [("conventional", CONVENTIONAL), ("best reading", &dynamics)] {
            if let Some(rows) = view.tsp_rows(&inst.instance, key, best) {
                series.push(Series {
                    label: label.into(),
                    points: rows
                        .iter()
                        .enumerate()
                        .filter_map(|(t, r)| r.length.map(|l| (t as f64, l)))
                        .collect(),
                });
            }
        }
        if series.iter().any(|x| !x.points.is_empty()) {
            let file = format!("figures/readings-tsp-{}.svg", inst.instance);
            chart(
                &record.join(&file),
                &format!("{}: tour length per trial, best reading", inst.instance),
                "trial",
                "tour length",
                &series,
                &[(format!("optimum {optimum:.4}"), *optimum)],
                true,
            )?;
            let _ = writeln!(md, "![{} per trial]({file})\n", inst.instance);
        }
    }
    let mut solved = vec![
        Series {
            label: "conventional".into(),
            points: Vec::new(),
        },
        Series {
            label: "best reading".into(),
            points: Vec::new(),
        },
    ];
    let mut counts = vec![
        Series {
            label: "best reading".into(),
            points: Vec::new(),
        },
        Series {
            label: format!("paper: {} · t_max", def.paper.queens_slope),
            points: Vec::new(),
        },
    ];
    let _ = writeln!(
        md,
        "| n | t_max | conventional solved | best reading solved | mean tunnel count |\n|---|---|---|---|---|"
    );
    for &n in &view.sizes.queens_n {
        let t_max = def.paper.queens_t_max_per_n2 * (n * n) as u64;
        let conv = view.queens_rows(n, CONVENTIONAL, best);
        let tun = view.queens_rows(n, &dynamics, best);
        let count = tun.map(|rows| mean(rows.iter().map(|r| best.count(&counts_back(&r.counts)))));
        let frac = |rows: Option<&Vec<QueensRow>>| {
            rows.map_or("—".into(), |rows| {
                format!(
                    "{}/{}",
                    rows.iter().filter(|r| r.solved).count(),
                    rows.len()
                )
            })
        };
        let _ = writeln!(
            md,
            "| {n} | {t_max} | {} | {} | {} |",
            frac(conv),
            frac(tun),
            fmt(count, 1)
        );
        for (series, rows) in solved.iter_mut().zip([conv, tun]) {
            if let Some(rows) = rows {
                series
                    .points
                    .push((n as f64, rows.iter().filter(|r| r.solved).count() as f64));
            }
        }
        if let Some(c) = count {
            counts[0].points.push((t_max as f64, c));
            counts[1]
                .points
                .push((t_max as f64, def.paper.queens_slope * t_max as f64));
        }
    }
    md.push('\n');
    if solved.iter().any(|x| !x.points.is_empty()) {
        chart(
            &record.join("figures/readings-queens-solved.svg"),
            "N-Queens: solved trials per n, best reading (paper Fig. 10)",
            "n",
            "trials solved",
            &solved,
            &[],
            false,
        )?;
        let _ = writeln!(md, "![solved vs n](figures/readings-queens-solved.svg)\n");
    }
    if counts.iter().any(|x| !x.points.is_empty()) {
        chart(
            &record.join("figures/readings-queens-counts.svg"),
            "N-Queens: mean tunnel count vs t_max, best reading (paper Fig. 11)",
            "t_max = 20 n²",
            "mean tunnel count",
            &counts,
            &[],
            false,
        )?;
        let _ = writeln!(
            md,
            "![counts vs t_max](figures/readings-queens-counts.svg)\n"
        );
    }
    for exp in &def.paper.hitchcock {
        let optimum = refs.hitchcock.get(&exp.id).copied().unwrap_or(f64::NAN);
        let mut series = Vec::new();
        for (label, key) in [("conventional", CONVENTIONAL), ("best reading", &dynamics)] {
            if let Some(rows) = view.hitchcock_rows(exp.id, key, best) {
                series.push(Series {
                    label: label.into(),
                    points: rows
                        .iter()
                        .enumerate()
                        .map(|(t, r)| (t as f64, r.cost))
                        .collect(),
                });
            }
        }
        if series.iter().any(|x| !x.points.is_empty()) {
            let file = format!("figures/readings-hitchcock-{}.svg", exp.id);
            chart(
                &record.join(&file),
                &format!(
                    "Hitchcock experiment {}: cost per trial, best reading",
                    exp.id
                ),
                "trial",
                "total cost",
                &series,
                &[(format!("LP optimum {optimum}"), optimum)],
                true,
            )?;
            let _ = writeln!(md, "![Hitchcock {} per trial]({file})\n", exp.id);
        }
    }
    Ok(())
}

/// The most transitions of each kind any reading made per trial (mean over its trials) on
/// one cell family, with the reading that made them.
#[derive(Debug, Default)]
struct Most {
    improved: (f64, String),
    changed: (f64, String),
    accepted: (f64, String),
    attempts: (f64, String),
}

impl Most {
    fn add(&mut self, rows: &[Counts], scale: f64, who: &str) {
        let m = |k: usize| scale * mean(rows.iter().map(|c| c[k] as f64));
        for (slot, k) in [
            (&mut self.improved, 4),
            (&mut self.changed, 3),
            (&mut self.accepted, 2),
            (&mut self.attempts, 1),
        ] {
            let v = m(k);
            if v > slot.0 {
                *slot = (v, who.to_string());
            }
        }
    }
}

/// What the published counts require, measured over every screened and final reading.
fn implications(def: &ReadingsDef, views: &[(&View<'_>, &[(Reading, Score)])], md: &mut String) {
    let _ = writeln!(
        md,
        "\nWhat the published counts require. For every reading run (screen and finalists), the \
         largest mean number of T's attempts per trial that lowered the energy (*improved*, \
         the only transitions eq. 8 makes when ties keep the current state), changed the state \
         (*changed*), took a candidate (*accepted*), and of attempts altogether:\n"
    );
    let _ = writeln!(
        md,
        "| published count | improved | changed | accepted | attempts |\n|---|---|---|---|---|"
    );
    let cell = |x: &(f64, String)| {
        if x.0 < 10.0 {
            format!("{:.3} ({})", x.0, x.1)
        } else {
            format!("{:.1} ({})", x.0, x.1)
        }
    };
    let mut rows: Vec<(String, f64, Most)> = Vec::new();
    for exp in &def.paper.hitchcock {
        let Some(count) = exp.tunnel.tunnel_count else {
            continue;
        };
        let mut most = Most::default();
        for (view, readings) in views {
            for (r, _) in readings.iter() {
                if let Some(rows) = view.hitchcock_rows(exp.id, &r.dynamics_key(), r) {
                    let counts: Vec<Counts> = rows.iter().map(|x| x.counts).collect();
                    let who = format!("{}, {}", r.dynamics_key(), letter_of_encoding(r.hitchcock));
                    most.add(&counts, 1.0, &who);
                }
            }
        }
        rows.push((
            format!(
                "Hitchcock {}: {count} in t_max = {} steps",
                exp.id, exp.t_max
            ),
            count,
            most,
        ));
    }
    for inst in &def.paper.tsp {
        let Some(count) = inst.tunnel.tunnel_count else {
            continue;
        };
        let mut most = Most::default();
        for (view, readings) in views {
            for (r, _) in readings.iter() {
                if let Some(rows) = view.tsp_rows(&inst.instance, &r.dynamics_key(), r) {
                    let counts: Vec<Counts> = rows.iter().map(|x| x.counts).collect();
                    most.add(&counts, 1.0, &r.dynamics_key());
                }
            }
        }
        rows.push((
            format!("{}: {count} in t_max = {} steps", inst.instance, inst.t_max),
            count,
            most,
        ));
    }
    // N-Queens: counts per step on the largest board every view ran.
    let mut most = Most::default();
    let mut largest = None;
    for (view, readings) in views {
        let Some(&n) = view.sizes.queens_n.iter().max() else {
            continue;
        };
        let t = (def.paper.queens_t_max_per_n2 * (n * n) as u64) as f64;
        for (r, _) in readings.iter() {
            if let Some(rows) = view.queens_rows(n, &r.dynamics_key(), r) {
                let counts: Vec<Counts> = rows.iter().map(|x| x.counts).collect();
                most.add(&counts, 1.0 / t, &r.dynamics_key());
            }
        }
        largest = Some(n);
    }
    if let Some(n) = largest {
        rows.push((
            format!(
                "N-Queens: {} · t_max (per step, n = {n})",
                def.paper.queens_slope
            ),
            def.paper.queens_slope,
            most,
        ));
    }
    let mut words = Vec::new();
    for (label, count, most) in &rows {
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} |",
            cell(&most.improved),
            cell(&most.changed),
            cell(&most.accepted),
            cell(&most.attempts)
        );
        let reach = |x: f64| x >= 0.8 * count;
        let what = if reach(most.improved.0) {
            "is reachable by energy-lowering transitions alone"
        } else if reach(most.changed.0) {
            "is out of reach of energy-lowering transitions: it needs energy-neutral moves \
             taken (ties of eq. 8)"
        } else if reach(most.accepted.0) {
            "needs candidates taken even when they equal the current state"
        } else if reach(most.attempts.0) {
            "is reached only by counting every application of T, accepted or not"
        } else {
            "is reached by no reading, whatever is counted"
        };
        words.push(format!("- {label} {what}."));
    }
    let _ = writeln!(
        md,
        "\n(Reading codes: ties K/T/R = keep/take/random; trigger E/F/S = \
         every step/fixed point/stalled; order A/B = after/before; composition L/P/O = \
         literal/per dimension/one dimension; sets S/N = slices/neurons; then λ and τ; Hitchcock \
         encodings U/O/A = unary/one-hot/unit assignment.) \
         Within 80 % of the published count:\n"
    );
    for w in words {
        let _ = writeln!(md, "{w}");
    }
    // The lowest Hitchcock costs any reading reached, against the paper and the LP optimum.
    for exp in &def.paper.hitchcock {
        let mut lowest: Option<(f64, f64, String)> = None;
        for (view, readings) in views {
            for (r, _) in readings.iter() {
                if let Some(rows) = view.hitchcock_rows(exp.id, &r.dynamics_key(), r) {
                    let avg = mean(rows.iter().map(|x| x.cost));
                    let best = rows.iter().map(|x| x.cost).fold(f64::INFINITY, f64::min);
                    if lowest.as_ref().is_none_or(|l| avg < l.0) {
                        lowest = Some((avg, best, r.describe()));
                    }
                }
            }
        }
        if let Some((avg, best, who)) = lowest {
            let lp = views
                .first()
                .and_then(|(v, _)| v.refs.hitchcock.get(&exp.id).copied())
                .unwrap_or(f64::NAN);
            let _ = writeln!(
                md,
                "- Hitchcock {}: the lowest mean cost of any reading is {avg:.1} (its best trial \
                 {best:.0}; {who}); the paper reports {} and {}, within {:.0} % of the LP \
                 optimum {lp}.",
                exp.id,
                exp.tunnel.average,
                exp.tunnel.best,
                100.0 * (exp.tunnel.average / lp - 1.0)
            );
        }
    }
    md.push('\n');
}

/// The conclusion, from the data: the reading that reproduces the paper, or the numbers no
/// reading reaches and what the counts imply.
fn conclusion(
    def: &ReadingsDef,
    p: &Plan,
    views: &[(&View<'_>, &[(Reading, Score)])],
    md: &mut String,
) {
    let _ = writeln!(md, "### Conclusion\n");
    if let Some((r, _)) = p.finals.iter().find(|(_, s)| s.passes_all()) {
        let _ = writeln!(
            md,
            "One reading comes within the trial noise of the paper on all three problems: {}.\n",
            r.describe()
        );
        implications(def, views, md);
        return;
    }
    let _ = writeln!(
        md,
        "No reading comes within the trial noise of the paper on all three problems. Per \
         problem, the finalists that do:\n"
    );
    for (k, name) in PROBLEMS.iter().enumerate() {
        let passing: Vec<String> = p
            .finals
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| s.problems[k].is_some_and(|x| x.pass()))
            .map(|(i, _)| format!("#{}", i + 1))
            .collect();
        let _ = writeln!(
            md,
            "- {name}: {}",
            if passing.is_empty() {
                "none".to_string()
            } else {
                passing.join(", ")
            }
        );
    }
    let _ = writeln!(md, "\nThe closest finalist on each problem:\n");
    for (k, name) in PROBLEMS.iter().enumerate() {
        let closest = p
            .finals
            .iter()
            .enumerate()
            .filter_map(|(i, (r, s))| s.problems[k].map(|x| (i, r, x)))
            .min_by(|a, b| a.2.rms.total_cmp(&b.2.rms));
        if let Some((i, r, x)) = closest {
            let _ = writeln!(
                md,
                "- {name}: #{} (RMS z {:.2}{}): {}",
                i + 1,
                x.rms,
                if x.pass() { ", within trial noise" } else { "" },
                r.describe()
            );
        }
    }
    let mut labels: Vec<String> = Vec::new();
    for (_, s) in &p.finals {
        for n in &s.numbers {
            if !labels.contains(&n.label) {
                labels.push(n.label.clone());
            }
        }
    }
    let mut unreached = Vec::new();
    for label in &labels {
        let closest = p
            .finals
            .iter()
            .filter_map(|(_, s)| find(s, label))
            .min_by(|a, b| a.z.abs().total_cmp(&b.z.abs()));
        if let Some(n) = closest
            && n.z.abs() > 3.0
        {
            unreached.push(format!(
                "{label}: paper {}, closest finalist {} (z = {:+.1})",
                fmt(Some(n.paper), 2),
                fmt(Some(n.ours), 2),
                n.z
            ));
        }
    }
    let _ = writeln!(
        md,
        "\nPublished numbers no finalist reaches within three standard errors:\n"
    );
    if unreached.is_empty() {
        let _ = writeln!(
            md,
            "- none: each is reached by some finalist, never all by one"
        );
    }
    for u in &unreached {
        let _ = writeln!(md, "- {u}");
    }
    implications(def, views, md);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_matches_tables() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.95, 1.644_853_626_951_472_2),
            (0.001, -3.090_232_306_167_813_5),
            (1e-10, -6.361_340_902_404_056),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-8, "{p}");
            assert!((normal_quantile(1.0 - p) + z).abs() < 1e-6, "{p}");
        }
    }

    #[test]
    fn chi2_quantiles_are_close_to_tables() {
        // Tabulated 95 % quantiles.
        for (k, q) in [
            (1, 3.841),
            (2, 5.991),
            (3, 7.815),
            (5, 11.070),
            (10, 18.307),
            (26, 38.885),
        ] {
            assert!((chi2_95(k) - q).abs() / q < 0.01, "k = {k}: {}", chi2_95(k));
        }
    }

    #[test]
    fn z_scores_measure_distance_in_trial_noise() {
        let values: Vec<f64> = (0..100).map(|i| f64::from(i % 10)).collect();
        // Our mean is 4.5: the paper's 4.5 is at z = 0, and z grows with the gap.
        assert!(z_mean(&values, 4.5, 100, 0.01).abs() < 1e-9);
        let z1 = z_mean(&values, 4.0, 100, 0.01);
        let z2 = z_mean(&values, 3.0, 100, 0.01);
        assert!(z1 > 0.0 && z2 > 2.0 * z1 - 1e-9);
        // Equal proportions agree; 0 of 500 against 64 of 500 is far.
        assert!(z_count(64.0, 500, 64.0, 500).abs() < 1e-12);
        assert!(z_count(0.0, 500, 64.0, 500) < -7.0);
        // The same counts on fewer trials weigh less.
        assert!(z_count(0.0, 40, 64.0, 500).abs() < z_count(0.0, 500, 64.0, 500).abs());
        // Extremes: the paper's max inside our spread is near 0; far outside it is capped.
        let lengths: Vec<f64> = (0..500).map(|i| 30.0 + f64::from(i) / 50.0).collect();
        assert!(z_extreme(&lengths, 39.98, 500, 0.01, true).abs() < 1.5);
        assert_eq!(z_extreme(&lengths, 60.0, 500, 0.01, true), -EXTREME_CAP);
        assert_eq!(z_extreme(&lengths, 20.0, 500, 0.01, true), EXTREME_CAP);
        // A minimum at an atom (the optimum reached often) matches the paper's optimum.
        let mut atoms = vec![30.0; 50];
        atoms.extend(lengths.iter().skip(50));
        assert!(z_extreme(&atoms, 30.0, 500, 0.01, false).abs() < 0.5);
    }

    #[test]
    fn problem_scores_pass_only_within_noise() {
        let numbers = |z: f64| {
            (0..10)
                .map(|k| Number {
                    problem: k % 3,
                    label: format!("n{k}"),
                    ours: 0.0,
                    paper: 0.0,
                    z,
                })
                .collect::<Vec<_>>()
        };
        let near = Score::from_numbers(numbers(1.0));
        assert!(near.passes_all());
        assert!((near.total - 1.0).abs() < 1e-12);
        let far = Score::from_numbers(numbers(3.0));
        assert!(!far.passes_all());
        assert!(far.total > near.total);
        let nan = Score::from_numbers(numbers(f64::NAN));
        assert!(!nan.passes_all());
    }

    #[test]
    fn grids_expand_and_neighbours_vary_one_factor() {
        let grid = Grid {
            ties: vec![TieBreak::Keep, TieBreak::Take],
            variant: vec![TunnelVariant::Literal, TunnelVariant::OneDimension],
            lambda: vec![Lambda::Fixed(2), Lambda::All(AllSets::All)],
            ..Grid::default()
        };
        let all = grid.expand();
        assert_eq!(all.len(), 8);
        let mut keys: Vec<String> = all.iter().map(Reading::key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 8, "keys name readings uniquely");
        assert_eq!(Grid::default().expand(), vec![Reading::default()]);
        let around = grid.neighbours(&Reading::default());
        // Take, one dimension, λ = all: the seed's own values are skipped.
        assert_eq!(around.len(), 3);
        for r in &around {
            let differs = [
                r.ties != TieBreak::Keep,
                r.variant != TunnelVariant::Literal,
                r.lambda != Lambda::Fixed(2),
            ];
            assert_eq!(differs.iter().filter(|&&d| d).count(), 1);
        }
    }

    #[test]
    fn readings_read_from_toml_with_defaults() {
        let r: Reading =
            toml::from_str("ties = \"take\"\nlambda = \"all\"\nhitchcock = \"unit_assignment\"")
                .unwrap();
        assert_eq!(r.ties, TieBreak::Take);
        assert_eq!(r.lambda, Lambda::All(AllSets::All));
        assert_eq!(r.tau, 2);
        let cfg = r.tunnel(3, false);
        assert_eq!(cfg.lambda_rule, LambdaRule::All);
        assert_eq!(cfg.evaluation, Evaluation::Recompute);
        assert_eq!(Reading::default().tunnel(2, false), TunnelConfig::paper(2));
        assert!(toml::from_str::<Reading>("lambda = \"most\"").is_err());
        assert!(toml::from_str::<Reading>("colour = 1").is_err());
        let c = TunnelCounts {
            turns: 9,
            attempts: 8,
            accepted: 5,
            changed: 4,
            improved: 2,
        };
        assert_eq!(counts_back(&counts_of(c)), c);
        for (counting, n) in [
            (Counting::Changed, 4.0),
            (Counting::Accepted, 5.0),
            (Counting::Tried, 8.0),
        ] {
            assert_eq!(
                Reading {
                    counting,
                    ..Reading::default()
                }
                .count(&c),
                n
            );
        }
    }

    #[test]
    fn leaders_are_distinct_readings_of_t_overall_then_per_problem() {
        let score = |parts: [f64; 3]| {
            Score::from_numbers(
                parts
                    .iter()
                    .enumerate()
                    .map(|(problem, &z)| Number {
                        problem,
                        label: format!("p{problem}"),
                        ours: 0.0,
                        paper: 0.0,
                        z,
                    })
                    .collect(),
            )
        };
        let base = Reading::default();
        let other_p = Reading {
            p_init: 0.2,
            ..base.clone()
        };
        let take = Reading {
            ties: TieBreak::Take,
            ..base.clone()
        };
        let random = Reading {
            ties: TieBreak::Random,
            ..base.clone()
        };
        // Sorted by total: base, other_p (same T), take, random (best on problem 2 alone).
        let ranked = vec![
            (base.clone(), score([1.0, 1.0, 1.0])),
            (other_p, score([1.0, 1.0, 1.1])),
            (take.clone(), score([2.0, 2.0, 2.0])),
            (random.clone(), score([5.0, 5.0, 0.5])),
        ];
        assert_eq!(distinct_t(&ranked).len(), 3);
        let top2 = leaders(&ranked, 2, 0);
        assert_eq!(top2, vec![base.clone(), take.clone()]);
        let with_best = leaders(&ranked, 2, 1);
        assert_eq!(with_best, vec![base, take, random]);
    }

    #[test]
    fn the_committed_definition_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/readings.toml");
        let def: ReadingsDef = crate::defs::load(&path).unwrap();
        check(&def).unwrap();
        let mut bad = def.clone();
        bad.full.queens_n.push(3);
        assert!(check(&bad).is_err());
        let mut bad = def;
        bad.neighbours.p_init.push(1.5);
        assert!(check(&bad).is_err());
    }
}
