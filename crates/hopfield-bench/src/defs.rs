//! Experiment definitions, read from `benchmarks/*.toml`.
//!
//! Each file declares one table: its trials and seed, a `quick` variant for smoke runs, the
//! methods compared, and the paper's numbers to print beside ours. The files are copied into
//! every record folder, so a report can always be rebuilt from the record alone.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
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

/// The tunnel variants of SPEC §5.2.
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

/// A TSP instance of table 1.
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

/// Table 1: TSP.
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
}

/// Table 2: N-Queens.
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

/// Table 3: Hitchcock transportation.
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
}

/// Tables 4–6: associative memory (seed 003's L1 and L2, seed 000's panel, capacity).
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

/// Checks the methods of a definition.
pub fn check_methods(methods: &[Method]) -> anyhow::Result<()> {
    let mut names: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
        bail!("method {} is declared twice", pair[0]);
    }
    for m in methods {
        if m.paper != "conventional" && m.paper != "tunnel" && m.paper != "none" {
            bail!(
                "method {}: paper must be conventional, tunnel or none",
                m.name
            );
        }
    }
    Ok(())
}
