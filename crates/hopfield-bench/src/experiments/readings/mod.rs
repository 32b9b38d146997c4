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
    Conventional, Counting, Evaluation, LambdaRule, MAX_TAU, Order, Sets, TieBreak, Trigger,
    Tunnel, TunnelConfig, TunnelCounts, TunnelVariant,
};
use hopfield_opt::problem::Problem;
use hopfield_opt::queens::{Queens, QueensWeights};
use hopfield_opt::search::{SearchConfig, SearchOutcome, search};
use hopfield_opt::transport::{Transport, TransportEncoding, TransportInstance, TransportWeights};
use hopfield_opt::tsp::{Tsp, TspWeights};
use hopfield_opt::tsplib::{Convention, Instance, embedded_text};
use serde::{Deserialize, Serialize};

use super::{Context, fmt, mean};
use crate::defs::{Limits, PaperHitchcock, PaperTsp};
use crate::plot::{Series, chart};
use crate::record::{Line, Table, read_table, record_file_exists};
use crate::runner::run_cells;
use crate::shard::Shard;

mod distance;
mod render;

use distance::{PROBLEMS, Score, View};
pub use render::report;

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

    /// The readings one factor away from `centre` (each listed value that differs from the
    /// centre's), in a fixed order.
    pub fn neighbours(&self, centre: &Reading) -> Vec<Reading> {
        let mut out = Vec::new();
        macro_rules! vary {
            ($field:ident) => {
                for v in &self.$field {
                    if *v != centre.$field {
                        out.push(Reading {
                            $field: v.clone(),
                            ..centre.clone()
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
    pub neighbour_centres: usize,
    /// Besides the best overall, the best readings of each problem alone (by its own part of
    /// the distance) are centres of neighbourhoods and join the finalists.
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
    /// `--quick`: centres of neighbourhoods.
    pub quick_neighbour_centres: usize,
    /// `--quick`: best readings per problem.
    pub quick_per_problem: usize,
    /// Named readings, always screened.
    #[serde(default)]
    pub reading: Vec<Preset>,
    /// The paper's numbers.
    pub paper: Paper,
    /// Sizes checked before anything runs (`[limits]`, see [`Limits`]).
    #[serde(default)]
    pub limits: Limits,
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
        if record_file_exists(&read("readings-tsp")) {
            data.tsp = group(read_table(&read("readings-tsp"))?);
        }
        if record_file_exists(&read("readings-queens")) {
            data.queens = group(read_table(&read("readings-queens"))?);
        }
        if record_file_exists(&read("readings-hitchcock")) {
            data.hitchcock = group(read_table(&read("readings-hitchcock"))?);
        }
        Ok(data)
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
    neighbour_centres: usize,
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
            neighbour_centres: def.quick_neighbour_centres,
            per_problem: def.quick_per_problem,
        }
    } else {
        Setup {
            screen: over(&def.screen),
            full: over(&def.full),
            grid: def.grid.clone(),
            finalists: def.finalists,
            neighbour_centres: def.neighbour_centres,
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
    for centre in leaders(ranked, s.neighbour_centres, s.per_problem).iter() {
        for r in def.neighbours.neighbours(centre) {
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
        // A file in the datasets folder wins; the paper's instances are embedded.
        let path = ctx.datasets.join(format!("{}.tsp", inst.instance));
        let instance = if path.exists() {
            Instance::from_path(&path)?
        } else if let Some(text) = embedded_text(&inst.instance) {
            Instance::parse(text, &format!("{}.tsp (embedded)", inst.instance))?
        } else {
            refs.tsp.insert(inst.instance.clone(), None);
            continue;
        };
        def.limits.neurons(
            &format!("instance {}: n² neurons", inst.instance),
            crate::defs::square("n", instance.dimension)?,
        )?;
        let d = instance.distance_matrix(Convention::RawEuclidean)?;
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
                        t_max: queens_t_max(paper, n)?,
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
        tsp: Table::open(&ctx.out, "readings-tsp", Shard::ALL)?,
        queens: Table::open(&ctx.out, "readings-queens", Shard::ALL)?,
        hitchcock: Table::open(&ctx.out, "readings-hitchcock", Shard::ALL)?,
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
    if !(def.near_ratio.is_finite() && def.near_ratio >= 1.0) {
        bail!("near_ratio = {} must be finite and >= 1", def.near_ratio);
    }
    let limits = &def.limits;
    for (name, stage) in [
        ("screen", &def.screen),
        ("full", &def.full),
        ("quick_screen", &def.quick_screen),
        ("quick_full", &def.quick_full),
    ] {
        for (what, trials) in [
            ("tsp_trials", stage.tsp_trials),
            ("queens_trials", stage.queens_trials),
            ("hitchcock_trials", stage.hitchcock_trials),
        ] {
            limits.trials(&format!("[{name}] {what}"), trials)?;
        }
        for &n in &stage.queens_n {
            limits.neurons(
                &format!("[{name}] N-Queens board {n} (n² neurons)"),
                crate::defs::square("n", n)?,
            )?;
            queens_t_max(&def.paper, n)?;
        }
    }
    for inst in &def.paper.tsp {
        limits.steps(&format!("instance {}: t_max", inst.instance), inst.t_max)?;
    }
    for exp in &def.paper.hitchcock {
        hitchcock_instance(exp.id)?;
        limits.steps(
            &format!("Hitchcock experiment {}: t_max", exp.id),
            exp.t_max,
        )?;
    }
    for r in &readings {
        // τ before anything runs; the operator checks λ against each problem's shape when a
        // trial starts.
        if !(2..=MAX_TAU).contains(&r.tau) {
            bail!(
                "reading {}: tau = {} must be in 2..={MAX_TAU}",
                r.key(),
                r.tau
            );
        }
    }
    Ok(())
}

/// N-Queens `t_max = queens_t_max_per_n2 · n²`, checked for overflow.
fn queens_t_max(paper: &Paper, n: usize) -> anyhow::Result<u64> {
    crate::defs::square("n", n)?
        .checked_mul(paper.queens_t_max_per_n2)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "queens_t_max_per_n2 = {} times n² = {n}² overflows 64 bits",
                paper.queens_t_max_per_n2
            )
        })
}

#[cfg(test)]
mod tests {
    use super::distance::Number;
    use super::*;

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
        // Take, one dimension, λ = all: the centre's own values are skipped.
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
