//! Experiment definitions, read from `benchmarks/*.toml`.
//!
//! Each file declares one table: its trials and seed, a `quick` variant for smoke runs, the
//! methods compared, and the paper's numbers to print beside ours. The files are copied into
//! every record folder, so a report can always be rebuilt from the record alone.
//!
//! Every definition is validated before anything runs ([`Definitions::load`]): every name
//! refers to something declared, every number is finite and in range, and every size that a
//! run allocates or loops over (steps per trial, neurons, trials, patterns) is computed with
//! checked arithmetic and compared with a documented [`Limits`] value. A definition may raise
//! a limit in its own `[limits]` table when the machine can take it; the error says which.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use hopfield_memory::rules::RULE_NAMES;
use hopfield_opt::operators::OperatorSpec;
use hopfield_opt::operators::{Conventional, TunnelConfig};
use serde::{Deserialize, Serialize};

/// How a method searches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[allow(clippy::large_enum_variant)] // Definitions are read once; an operator spec is small enough.
pub enum MethodKind {
    /// The conventional network (one random neuron per step, ties keep).
    Conventional,
    /// The tunnel operator T.
    Tunnel {
        /// `literal` (one candidate from all dimensions) or `per_dimension`.
        variant: Variant,
        /// Candidates per step, the current state included.
        tau: usize,
        /// Slices permuted per operation.
        lambda: usize,
        /// Operations per dimension (default 1 for every dimension).
        #[serde(default)]
        rho: Option<Vec<usize>>,
    },
    /// A move operator beyond the paper (hopfield-opt's `operators`), by name and parameters.
    Moves {
        /// The operator and its parameters.
        spec: OperatorSpec,
    },
}

/// The two readings of the tunnel operator T (Matsumoto et al. 2004) the tables compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// One candidate applies every dimension's operations.
    Literal,
    /// One attempt per dimension, each accepted if it improves.
    PerDimension,
}

/// A method compared in a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// Short name, used in cell names and file names.
    pub name: String,
    /// Label in reports.
    pub label: String,
    /// Which of the paper's columns it reproduces (`conventional` or `tunnel`).
    pub paper: String,
    /// How it searches.
    #[serde(flatten)]
    pub kind: MethodKind,
}

/// An operator built from a [`Method`].
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // Built once per table cell.
pub enum Operator {
    /// The conventional network.
    Conventional(Conventional),
    /// The tunnel operator with its configuration.
    Tunnel(TunnelConfig),
    /// A move operator.
    Moves(OperatorSpec),
}

impl Method {
    /// The operator for a problem with `ndim` dimensions.
    pub fn operator(&self, ndim: usize) -> Operator {
        match &self.kind {
            MethodKind::Conventional => Operator::Conventional(Conventional),
            MethodKind::Moves { spec } => Operator::Moves(spec.clone()),
            MethodKind::Tunnel {
                variant,
                tau,
                lambda,
                rho,
            } => {
                let mut config = match variant {
                    Variant::Literal => TunnelConfig::paper(ndim),
                    Variant::PerDimension => TunnelConfig::per_dimension(ndim),
                };
                config.tau = *tau;
                config.lambda = *lambda;
                if let Some(rho) = rho {
                    config.rho.clone_from(rho);
                }
                Operator::Tunnel(config)
            }
        }
    }
}

/// Trial counts and limits of a full and a quick run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Trials per cell.
    pub trials: usize,
    /// Trials per cell with `--quick`.
    pub quick_trials: usize,
}

/// The paper's numbers for one TSP column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperTsp {
    /// Longest valid tour.
    pub max: f64,
    /// Shortest valid tour.
    pub min: f64,
    /// Mean valid tour.
    pub ave: f64,
    /// Valid tours.
    pub valid: usize,
    /// Near-optimal tours (近似解, undefined in the paper).
    pub near: usize,
    /// Optimal tours.
    pub optimal: usize,
    /// Mean tunnel transitions per trial.
    #[serde(default)]
    pub tunnel_count: Option<f64>,
}

/// Which distances a TSP instance uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distances {
    /// The paper's convention: raw coordinates, unrounded Euclidean distance.
    #[default]
    RawEuclidean,
    /// TSPLIB's official metric of the file.
    Official,
}

/// A TSP instance of Table 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TspInstance {
    /// Name in reports; also the file `NAME.tsp` in the datasets folder unless `path` is given.
    pub name: String,
    /// Any TSPLIB file (relative to the working directory), instead of `NAME.tsp` in the
    /// datasets folder. Instances above 22 cities need `NAME.opt.tour` beside it.
    #[serde(default)]
    pub path: Option<std::path::PathBuf>,
    /// The distance convention (default: the paper's raw Euclidean).
    #[serde(default)]
    pub distances: Distances,
    /// Only these methods (default: all).
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Trials for this instance (default: the table's).
    #[serde(default)]
    pub trials: Option<usize>,
    /// Trials for this instance with `--quick`.
    #[serde(default)]
    pub quick_trials: Option<usize>,
    /// Steps per trial.
    pub t_max: u64,
    /// Steps per trial with `--quick`.
    pub quick_t_max: u64,
    /// Probability that a neuron starts at 1.
    pub p_init: f64,
    /// The paper's printed optimum, when the paper uses the instance.
    #[serde(default)]
    pub paper_optimum: Option<f64>,
    /// The paper's columns by name.
    #[serde(default)]
    pub paper: BTreeMap<String, PaperTsp>,
}

impl TspInstance {
    /// Whether `method` runs on this instance.
    pub fn runs(&self, method: &str) -> bool {
        self.methods
            .as_ref()
            .is_none_or(|m| m.iter().any(|x| x == method))
    }
}

/// Table 1 of Matsumoto et al. (2004): TSP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TspDef {
    /// Title in the report.
    pub title: String,
    /// Trials.
    pub budget: Budget,
    /// Base seed.
    pub seed: u64,
    /// A tour is "near-optimal" when `L ≤ near_ratio · L*`.
    pub near_ratio: f64,
    /// Instances.
    pub instance: Vec<TspInstance>,
    /// Methods.
    pub method: Vec<Method>,
    /// Size limits (defaults: [`Limits::default`]).
    #[serde(default)]
    pub limits: Limits,
}

/// N-Queens (Matsumoto et al. 2004, Figs. 10–11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueensDef {
    /// Title in the report.
    pub title: String,
    /// Trials.
    pub budget: Budget,
    /// Base seed.
    pub seed: u64,
    /// Smallest board.
    pub n_min: usize,
    /// Largest board.
    pub n_max: usize,
    /// Largest board with `--quick`.
    pub quick_n_max: usize,
    /// `t_max = t_max_per_n2 · n²`.
    pub t_max_per_n2: u64,
    /// Probability that a neuron starts at 1.
    pub p_init: f64,
    /// What the paper reports, in words.
    pub paper_summary: String,
    /// Larger boards beyond the paper (none with `--quick`).
    #[serde(default)]
    pub large_n: Vec<usize>,
    /// Trials per large board.
    #[serde(default)]
    pub large_trials: usize,
    /// Methods run on the large boards.
    #[serde(default)]
    pub large_methods: Vec<String>,
    /// Methods.
    pub method: Vec<Method>,
    /// Size limits (defaults: [`Limits::default`]).
    #[serde(default)]
    pub limits: Limits,
}

/// The paper's numbers for one Hitchcock column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperHitchcock {
    /// Mean cost.
    pub average: f64,
    /// Best cost.
    pub best: f64,
    /// Mean tunnel transitions per trial.
    #[serde(default)]
    pub tunnel_count: Option<f64>,
}

/// One Hitchcock experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HitchcockExperiment {
    /// 1 or 2 for the paper's built-in instances; any other number names an instance read from
    /// `file`.
    pub id: u32,
    /// A balanced transportation instance in hopfield-opt's TOML format, instead of a built-in.
    #[serde(default)]
    pub file: Option<std::path::PathBuf>,
    /// Steps per trial.
    pub t_max: u64,
    /// Steps per trial with `--quick`.
    pub quick_t_max: u64,
    /// Probability that a neuron starts at 1.
    pub p_init: f64,
    /// The paper's columns by name (none for instances the paper does not use).
    #[serde(default)]
    pub paper: BTreeMap<String, PaperHitchcock>,
}

/// Hitchcock transportation (Matsumoto et al. 2004, experiments 1 and 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HitchcockDef {
    /// Title in the report.
    pub title: String,
    /// Trials.
    pub budget: Budget,
    /// Base seed.
    pub seed: u64,
    /// Experiments.
    pub experiment: Vec<HitchcockExperiment>,
    /// Methods.
    pub method: Vec<Method>,
    /// Size limits (defaults: [`Limits::default`]).
    #[serde(default)]
    pub limits: Limits,
}

/// The associative-memory tables: Liang, Wu & Yu's L1 and L2, the recall panel, capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryDef {
    /// Title in the report.
    pub title: String,
    /// Base seed.
    pub seed: u64,
    /// Glyph grid side for 己 已 巳 and A–H (N = grid²).
    pub grid: usize,
    /// Grid side of the recall panel's letters.
    pub panel_grid: usize,
    /// Fraction of pixels flipped in the panel's noisy column.
    pub panel_noise: f64,
    /// The max-min LP of L1 and L2: `full` (the exact symmetric LP) or `row_decoupled` (an
    /// upper bound on the optimum; its averaged network need not store the patterns).
    pub lp_mode: String,
    /// The LP mode with `--quick`.
    pub quick_lp_mode: String,
    /// Capacity curve: neurons.
    pub capacity_n: usize,
    /// Capacity curve: neurons with `--quick`.
    pub quick_capacity_n: usize,
    /// Capacity curve: largest `M / N`.
    pub capacity_alpha_max: f64,
    /// Capacity curve: random pattern sets per point.
    pub capacity_trials: usize,
    /// Capacity curve: probes per pattern.
    pub capacity_probes: usize,
    /// Capacity curve: rules (names of hopfield-memory rules).
    pub capacity_rules: Vec<String>,
    /// What the paper reports, in words.
    pub paper_summary: String,
    /// The comparison of the four designs on random patterns (absent: not run).
    #[serde(default)]
    pub designs: Option<crate::experiments::memory::DesignsDef>,
    /// Size limits (defaults: [`Limits::default`]).
    #[serde(default)]
    pub limits: Limits,
}

/// One problem of a `solve` definition file: a problem file (or an N-Queens board) with the
/// same options as the `solve` command line.
///
/// ```toml
/// [[problem]]
/// file = "maxcut-800-6pct-s1.txt"   # relative to the definition file
/// format = "maxcut"                 # optional: maxcut, qubo, tsplib, transport
/// method = "spin-anneal"            # optional: the problem's default method
/// params = { sweeps = 1000 }
/// trials = 10
/// time_limit = 10.0
/// cpu_time = true
/// target = 11577
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemFile {
    /// The problem file, relative to the definition file (not with `queens`).
    #[serde(default)]
    pub file: Option<std::path::PathBuf>,
    /// Its format (default: from the extension).
    #[serde(default)]
    pub format: Option<String>,
    /// An N-Queens board side instead of a file.
    #[serde(default)]
    pub queens: Option<usize>,
    /// The method (default: the best one for the problem).
    #[serde(default)]
    pub method: Option<String>,
    /// The method's parameters.
    #[serde(default)]
    pub params: toml::Table,
    /// Trials (default 1).
    #[serde(default)]
    pub trials: Option<usize>,
    /// Base seed (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Time limit per trial in seconds.
    #[serde(default)]
    pub time_limit: Option<f64>,
    /// Whether the time limit counts CPU time.
    #[serde(default)]
    pub cpu_time: bool,
    /// Objective target in the problem's own sense.
    #[serde(default)]
    pub target: Option<f64>,
    /// Time steps per trial.
    #[serde(default)]
    pub steps: Option<u64>,
    /// Stall limit in steps.
    #[serde(default)]
    pub stall: Option<u64>,
    /// Maximise a `.qubo` model.
    #[serde(default)]
    pub maximize: bool,
}

/// A `solve` definition file: problems to run one after the other (`solve --def FILE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolveDef {
    /// The problems.
    pub problem: Vec<ProblemFile>,
}

/// Reads and parses one definition file.
pub fn load<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("malformed experiment definition {}", path.display()))
}

/// Size limits of a definition, checked before anything runs. Each can be raised in a
/// `[limits]` table of the definition file, for example
///
/// ```toml
/// [limits]
/// max_steps_per_trial = 20_000_000_000
/// ```
///
/// The defaults keep a table within the memory of a laptop and each trial within minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Steps of one trial (`t_max`). Default 10⁹ (minutes per trial).
    pub max_steps_per_trial: u64,
    /// Neurons of one optimization network (TSP and N-Queens `n²`, Hitchcock `p·q·K`).
    /// Default 10⁷ (a few hundred MB of state and fields).
    pub max_neurons: u64,
    /// Trials per cell (and sets or probes per capacity point). Default 10⁶.
    pub max_trials: u64,
    /// Neurons of one dense memory network (`grid²`, `panel_grid²`, `capacity_n`): it stores
    /// `N²` weights, 8 bytes each. Default 10 000 (800 MB).
    pub max_dense_neurons: u64,
    /// Stored patterns of one capacity point (`capacity_alpha_max · N`). Default 10 000.
    pub max_patterns: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps_per_trial: 1_000_000_000,
            max_neurons: 10_000_000,
            max_trials: 1_000_000,
            max_dense_neurons: 10_000,
            max_patterns: 10_000,
        }
    }
}

impl Limits {
    fn check(&self, what: &str, value: u64, name: &str, limit: u64) -> anyhow::Result<()> {
        if value > limit {
            bail!(
                "{what} = {value} is above the limit of {limit} (limits.{name}); if the machine \
                 can take it, raise the limit with a `[limits]` table in this file: \
                 `{name} = {value}`"
            );
        }
        Ok(())
    }

    /// Checks a step count.
    pub fn steps(&self, what: &str, t_max: u64) -> anyhow::Result<()> {
        self.check(what, t_max, "max_steps_per_trial", self.max_steps_per_trial)
    }

    /// Checks a trial count.
    pub fn trials(&self, what: &str, trials: usize) -> anyhow::Result<()> {
        self.check(what, trials as u64, "max_trials", self.max_trials)
    }

    /// Checks the neurons of an optimization network.
    pub fn neurons(&self, what: &str, neurons: u64) -> anyhow::Result<()> {
        self.check(what, neurons, "max_neurons", self.max_neurons)
    }

    /// Checks the neurons of a dense memory network.
    pub fn dense_neurons(&self, what: &str, neurons: u64) -> anyhow::Result<()> {
        self.check(what, neurons, "max_dense_neurons", self.max_dense_neurons)
    }
}

/// `n²` neurons of an `n × n` array, or an error when it overflows.
pub fn square(what: &str, n: usize) -> anyhow::Result<u64> {
    (n as u64)
        .checked_mul(n as u64)
        .ok_or_else(|| anyhow!("{what} = {n}: n² overflows 64 bits"))
}

/// `t_max = t_max_per_n2 · n²` of an N-Queens board, checked against overflow and the limit.
pub fn queens_t_max(def: &QueensDef, n: usize) -> anyhow::Result<u64> {
    let t_max = square("n", n)?
        .checked_mul(def.t_max_per_n2)
        .ok_or_else(|| {
            anyhow!(
                "t_max_per_n2 = {} times n² = {n}² overflows 64 bits",
                def.t_max_per_n2
            )
        })?;
    def.limits
        .steps(&format!("t_max = t_max_per_n2 · n² for n = {n}"), t_max)?;
    Ok(t_max)
}

/// Checks the methods of a definition: unique names and a known `paper` column.
pub fn check_methods(methods: &[Method]) -> anyhow::Result<()> {
    if methods.is_empty() {
        bail!("no [[method]] is declared");
    }
    let mut names: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
        bail!("method {} is declared twice", pair[0]);
    }
    for m in methods {
        if m.paper != "conventional" && m.paper != "tunnel" && m.paper != "none" {
            bail!(
                "method {}: paper must be conventional, tunnel or none, not {:?}",
                m.name,
                m.paper
            );
        }
        if m.name.is_empty() || m.name.contains('/') {
            bail!(
                "method name {:?} must be non-empty and contain no '/'",
                m.name
            );
        }
    }
    Ok(())
}

/// Checks that every name in `names` is a declared method.
fn check_method_names(field: &str, names: &[String], methods: &[Method]) -> anyhow::Result<()> {
    for name in names {
        if !methods.iter().any(|m| &m.name == name) {
            let known: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
            bail!(
                "{field}: unknown method {name:?}; the declared methods are {}",
                known.join(", ")
            );
        }
    }
    Ok(())
}

/// A probability in `[0, 1]`.
fn check_probability(what: &str, p: f64) -> anyhow::Result<()> {
    if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
        bail!("{what} = {p} must be a probability in [0, 1]");
    }
    Ok(())
}

fn check_budget(limits: &Limits, budget: &Budget) -> anyhow::Result<()> {
    limits.trials("budget.trials", budget.trials)?;
    limits.trials("budget.quick_trials", budget.quick_trials)
}

impl TspDef {
    /// Checks names, numbers and limits.
    pub fn validate(&self) -> anyhow::Result<()> {
        check_methods(&self.method)?;
        check_budget(&self.limits, &self.budget)?;
        if !(self.near_ratio.is_finite() && self.near_ratio >= 1.0) {
            bail!(
                "near_ratio = {} must be a finite ratio ≥ 1 (1.02 counts tours within 2 % of \
                 the optimum)",
                self.near_ratio
            );
        }
        if self.instance.is_empty() {
            bail!("no [[instance]] is declared");
        }
        for (k, inst) in self.instance.iter().enumerate() {
            let at = format!("instance {:?}", inst.name);
            if inst.name.is_empty() || inst.name.contains('/') {
                bail!(
                    "instance {k}: name {:?} must be non-empty and contain no '/'",
                    inst.name
                );
            }
            if self.instance[..k].iter().any(|i| i.name == inst.name) {
                bail!("{at} is declared twice");
            }
            if let Some(methods) = &inst.methods {
                check_method_names(&format!("{at}: methods"), methods, &self.method)?;
            }
            for (what, trials) in [("trials", inst.trials), ("quick_trials", inst.quick_trials)] {
                if let Some(t) = trials {
                    self.limits.trials(&format!("{at}: {what}"), t)?;
                }
            }
            self.limits.steps(&format!("{at}: t_max"), inst.t_max)?;
            self.limits
                .steps(&format!("{at}: quick_t_max"), inst.quick_t_max)?;
            check_probability(&format!("{at}: p_init"), inst.p_init)?;
            for column in inst.paper.keys() {
                if column != "conventional" && column != "tunnel" {
                    bail!("{at}: paper column {column:?} must be conventional or tunnel");
                }
            }
        }
        Ok(())
    }
}

impl QueensDef {
    /// Checks names, numbers and limits (board sizes, `t_max = t_max_per_n2 · n²`).
    pub fn validate(&self) -> anyhow::Result<()> {
        check_methods(&self.method)?;
        check_budget(&self.limits, &self.budget)?;
        if self.n_min < 4 {
            bail!("n_min = {}: N-Queens needs n ≥ 4", self.n_min);
        }
        if self.n_min > self.n_max {
            bail!(
                "n_min = {} is larger than n_max = {}: the range of boards is empty",
                self.n_min,
                self.n_max
            );
        }
        if !(self.n_min..=self.n_max).contains(&self.quick_n_max) {
            bail!(
                "quick_n_max = {} must lie between n_min = {} and n_max = {}",
                self.quick_n_max,
                self.n_min,
                self.n_max
            );
        }
        check_probability("p_init", self.p_init)?;
        check_method_names("large_methods", &self.large_methods, &self.method)?;
        self.limits.trials("large_trials", self.large_trials)?;
        if !self.large_n.is_empty() && self.large_methods.is_empty() {
            bail!("large_n is given but large_methods is empty: name the methods to run");
        }
        for &n in std::iter::once(&self.n_max).chain(&self.large_n) {
            if n < 4 {
                bail!("large_n: n = {n}: N-Queens needs n ≥ 4");
            }
            self.limits.neurons(
                &format!("the n × n board for n = {n} (n² neurons)"),
                square("n", n)?,
            )?;
            queens_t_max(self, n)?;
        }
        Ok(())
    }
}

impl HitchcockDef {
    /// Checks names, numbers and limits.
    pub fn validate(&self) -> anyhow::Result<()> {
        check_methods(&self.method)?;
        check_budget(&self.limits, &self.budget)?;
        if self.experiment.is_empty() {
            bail!("no [[experiment]] is declared");
        }
        for (k, exp) in self.experiment.iter().enumerate() {
            let at = format!("experiment {}", exp.id);
            if self.experiment[..k].iter().any(|e| e.id == exp.id) {
                bail!("{at} is declared twice");
            }
            if exp.file.is_none() && !matches!(exp.id, 1 | 2) {
                bail!("{at} has no file and is not built in (the paper's experiments are 1 and 2)");
            }
            self.limits.steps(&format!("{at}: t_max"), exp.t_max)?;
            self.limits
                .steps(&format!("{at}: quick_t_max"), exp.quick_t_max)?;
            check_probability(&format!("{at}: p_init"), exp.p_init)?;
            for column in exp.paper.keys() {
                if column != "conventional" && column != "tunnel" {
                    bail!("{at}: paper column {column:?} must be conventional or tunnel");
                }
            }
        }
        Ok(())
    }
}

impl MemoryDef {
    /// The largest number of patterns of the capacity curve for `n` neurons,
    /// `round(capacity_alpha_max · n)` (at least 1), checked against [`Limits::max_patterns`].
    pub fn capacity_m_max(&self, n: usize) -> anyhow::Result<usize> {
        let alpha = self.capacity_alpha_max;
        if !(alpha.is_finite() && alpha > 0.0) {
            bail!("capacity_alpha_max = {alpha} must be a finite load M/N > 0");
        }
        let m = (alpha * n as f64).round().max(1.0);
        if m > self.limits.max_patterns as f64 {
            bail!(
                "capacity_alpha_max = {alpha} asks for M = {m:.3e} patterns of N = {n} neurons, \
                 above the limit of {} patterns (limits.max_patterns); if the machine can take \
                 it, raise the limit with a `[limits]` table in this file",
                self.limits.max_patterns
            );
        }
        // m ≤ max_patterns ≤ u64::MAX, and m is a whole number ≥ 1.
        usize::try_from(m as u64).context("capacity_alpha_max: too many patterns")
    }

    /// Checks names, numbers and limits.
    pub fn validate(&self) -> anyhow::Result<()> {
        let limits = &self.limits;
        for (what, side) in [("grid", self.grid), ("panel_grid", self.panel_grid)] {
            if side == 0 {
                bail!("{what} must be at least 1");
            }
            limits.dense_neurons(&format!("{what}² = {side}² neurons"), square(what, side)?)?;
        }
        if !(self.panel_noise.is_finite() && (0.0..=0.5).contains(&self.panel_noise)) {
            bail!(
                "panel_noise = {} must be a fraction of pixels in [0, 0.5]",
                self.panel_noise
            );
        }
        for (what, mode) in [
            ("lp_mode", &self.lp_mode),
            ("quick_lp_mode", &self.quick_lp_mode),
        ] {
            if mode != "full" && mode != "row_decoupled" {
                bail!("{what} must be full or row_decoupled, not {mode:?}");
            }
        }
        for (what, n) in [
            ("capacity_n", self.capacity_n),
            ("quick_capacity_n", self.quick_capacity_n),
        ] {
            if n == 0 {
                bail!("{what} must be at least 1");
            }
            limits.dense_neurons(what, n as u64)?;
            self.capacity_m_max(n)?;
        }
        limits.trials("capacity_trials", self.capacity_trials)?;
        limits.trials("capacity_probes", self.capacity_probes)?;
        if self.capacity_rules.is_empty() {
            bail!("capacity_rules is empty: name at least one learning rule");
        }
        for rule in &self.capacity_rules {
            if !RULE_NAMES.contains(&rule.as_str()) {
                bail!(
                    "capacity_rules: unknown learning rule {rule:?}; the rules are {}",
                    RULE_NAMES.join(", ")
                );
            }
        }
        if let Some(d) = &self.designs {
            for (what, n, ms) in [
                ("designs.n", d.n, &d.ms),
                ("designs.quick_n", d.quick_n, &d.quick_ms),
            ] {
                if n == 0 {
                    bail!("{what} must be at least 1");
                }
                limits.dense_neurons(what, n as u64)?;
                if ms.is_empty() || ms.contains(&0) {
                    bail!("{what}: the pattern counts must be a non-empty list of counts >= 1");
                }
                if let Some(&m) = ms.iter().find(|&&m| m as u64 > limits.max_patterns) {
                    bail!(
                        "{what}: M = {m} patterns is above the limit of {} patterns \
                         (limits.max_patterns); raise it with a `[limits]` table in this file",
                        limits.max_patterns
                    );
                }
            }
            limits.trials("designs.probes", d.probes)?;
            if !(d.noise.is_finite() && (0.0..=1.0).contains(&d.noise)) {
                bail!("designs.noise = {} must be a fraction in [0, 1]", d.noise);
            }
        }
        Ok(())
    }
}

/// The four definitions of a run, each validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Definitions {
    /// `tsp.toml`.
    pub tsp: TspDef,
    /// `queens.toml`.
    pub queens: QueensDef,
    /// `hitchcock.toml`.
    pub hitchcock: HitchcockDef,
    /// `readings.toml`.
    pub readings: crate::experiments::readings::ReadingsDef,
    /// `memory.toml`.
    pub memory: MemoryDef,
    /// `capacity.toml`.
    pub capacity: crate::experiments::capacity::CapacityDef,
}

/// Loads `dir/{table}.toml` and validates it; errors name the file.
fn load_checked<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    table: &str,
    validate: impl FnOnce(&T) -> anyhow::Result<()>,
) -> anyhow::Result<T> {
    let path = dir.join(format!("{table}.toml"));
    let def: T = load(&path)?;
    validate(&def).with_context(|| format!("invalid experiment definition {}", path.display()))?;
    Ok(def)
}

impl Definitions {
    /// Loads and validates the definition files of `dir`.
    pub fn load(dir: &Path) -> anyhow::Result<Definitions> {
        Ok(Definitions {
            tsp: load_checked(dir, "tsp", TspDef::validate)?,
            queens: load_checked(dir, "queens", QueensDef::validate)?,
            hitchcock: load_checked(dir, "hitchcock", HitchcockDef::validate)?,
            readings: load_checked(dir, "readings", crate::experiments::readings::check)?,
            memory: load_checked(dir, "memory", MemoryDef::validate)?,
            capacity: load_checked(dir, "capacity", crate::experiments::capacity::check)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed() -> Definitions {
        Definitions::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks")).unwrap()
    }

    #[test]
    fn the_committed_definitions_are_valid() {
        let defs = committed();
        assert_eq!(defs.queens.limits, Limits::default());
        assert_eq!(queens_t_max(&defs.queens, 30).unwrap(), 18_000);
    }

    fn err(result: anyhow::Result<()>) -> String {
        format!("{:#}", result.unwrap_err())
    }

    #[test]
    fn unknown_names_are_errors() {
        let mut defs = committed();
        defs.tsp.instance[0].methods = Some(vec!["nope".into()]);
        let e = err(defs.tsp.validate());
        assert!(
            e.contains("unknown method \"nope\"") && e.contains("conventional"),
            "{e}"
        );
        defs = committed();
        defs.queens.large_methods = vec!["nope".into()];
        let e = err(defs.queens.validate());
        assert!(e.contains("large_methods: unknown method \"nope\""), "{e}");
        defs = committed();
        defs.memory.capacity_rules.push("wang".into());
        let e = err(defs.memory.validate());
        assert!(e.contains("unknown learning rule \"wang\""), "{e}");
        defs = committed();
        defs.memory.lp_mode = "fastest".into();
        assert!(err(defs.memory.validate()).contains("lp_mode"));
        defs = committed();
        defs.hitchcock.experiment[0].id = 9;
        assert!(err(defs.hitchcock.validate()).contains("not built in"));
    }

    #[test]
    fn capacity_and_readings_definitions_are_checked() {
        use crate::experiments::{capacity, readings};
        let mut defs = committed();
        defs.capacity.hebbian.sizes[0].n = 100_000;
        assert!(err(capacity::check(&defs.capacity)).contains("max_dense_neurons"));
        defs = committed();
        defs.capacity.stability.alphas.push(f64::NAN);
        assert!(err(capacity::check(&defs.capacity)).contains("finite"));
        defs = committed();
        defs.capacity.rules.alphas = vec![0.5, 1e17];
        assert!(err(capacity::check(&defs.capacity)).contains("max_patterns"));
        defs = committed();
        defs.capacity.rules.rules.push("wang".into());
        assert!(err(capacity::check(&defs.capacity)).contains("wang"));
        defs = committed();
        defs.readings.reading[0].reading.tau = 4_000_000_000;
        assert!(err(readings::check(&defs.readings)).contains("tau"));
        defs = committed();
        defs.readings.paper.queens_t_max_per_n2 = 1 << 60;
        assert!(err(readings::check(&defs.readings)).contains("overflows"));
        defs = committed();
        defs.readings.full.tsp_trials = 10_000_000;
        assert!(err(readings::check(&defs.readings)).contains("max_trials"));
    }

    #[test]
    fn non_finite_and_inverted_ranges_are_errors() {
        let mut defs = committed();
        defs.tsp.near_ratio = f64::NAN;
        assert!(err(defs.tsp.validate()).contains("near_ratio = NaN"));
        defs.tsp.near_ratio = 0.9;
        assert!(err(defs.tsp.validate()).contains("near_ratio = 0.9"));
        let mut defs = committed();
        defs.queens.n_min = 12;
        defs.queens.n_max = 8;
        let e = err(defs.queens.validate());
        assert!(e.contains("n_min = 12 is larger than n_max = 8"), "{e}");
        let mut defs = committed();
        defs.tsp.instance[1].p_init = f64::INFINITY;
        assert!(err(defs.tsp.validate()).contains("p_init = inf"));
        let mut defs = committed();
        defs.memory.panel_noise = f64::NAN;
        assert!(err(defs.memory.validate()).contains("panel_noise"));
    }

    #[test]
    fn sizes_beyond_the_limits_name_the_limit_and_how_to_raise_it() {
        // t_max_per_n2 = 2^60: t_max overflows at n = 30 (it used to wrap to 0).
        let mut defs = committed();
        defs.queens.t_max_per_n2 = 1 << 60;
        let e = err(defs.queens.validate());
        assert!(e.contains("overflows 64 bits"), "{e}");
        // A large but representable t_max names the limit.
        defs.queens.t_max_per_n2 = 1 << 30;
        let e = err(defs.queens.validate());
        assert!(
            e.contains("limits.max_steps_per_trial") && e.contains("[limits]"),
            "{e}"
        );
        // Raising the limit in the file accepts it.
        defs.queens.limits.max_steps_per_trial = u64::MAX;
        defs.queens.validate().unwrap();

        // large_n = [100000]: 10^10 neurons.
        let mut defs = committed();
        defs.queens.large_n = vec![100_000];
        let e = err(defs.queens.validate());
        assert!(
            e.contains("n = 100000") && e.contains("limits.max_neurons"),
            "{e}"
        );

        // capacity_alpha_max = 1e17 or NaN.
        let mut defs = committed();
        defs.memory.capacity_alpha_max = 1e17;
        let e = err(defs.memory.validate());
        assert!(
            e.contains("limits.max_patterns") && e.contains("M = 1.000e19"),
            "{e}"
        );
        defs.memory.capacity_alpha_max = f64::NAN;
        let e = err(defs.memory.validate());
        assert!(e.contains("capacity_alpha_max = NaN"), "{e}");
        assert_eq!(committed().memory.capacity_m_max(100).unwrap(), 30);

        let mut defs = committed();
        defs.tsp.budget.trials = usize::MAX;
        assert!(err(defs.tsp.validate()).contains("limits.max_trials"));
        let mut defs = committed();
        defs.memory.grid = 1 << 20;
        assert!(err(defs.memory.validate()).contains("limits.max_dense_neurons"));
    }

    #[test]
    fn a_limits_table_is_read_from_the_file() {
        let text = "max_steps_per_trial = 5\n";
        let limits: Limits = toml::from_str(text).unwrap();
        assert_eq!(limits.max_steps_per_trial, 5);
        assert_eq!(limits.max_neurons, Limits::default().max_neurons);
        assert!(toml::from_str::<Limits>("max_stepz = 5\n").is_err());
    }
}
