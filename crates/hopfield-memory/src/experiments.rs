//! Liang, Wu & Yu's experiments L1 and L2 (Acta Automatica Sinica) as
//! library functions. They take the pattern sets as input (the glyphs come from
//! [`crate::glyphs`] or any other source) and return plain serializable values.
//!
//! - **L1** (己 已 巳): which rules store all three patterns, the radii statistics of the fast
//!   rule against the constrained perceptron, and where Hebbian recall started from each
//!   stored pattern ends (the paper: all three end in 己).
//! - **L2** (A, AB, …, ABCDEFGH): Fmax, Fmin, Fave per `M` for the constrained perceptron, the
//!   fast rule and the max-min LP optimum (the ceiling the perceptron is judged against).
//! - **Designs** ([`designs`]): the four Liang–Wu–Yu-style designs — fast rule, constrained
//!   perceptron, exact max-min LP, Krauth–Mézard — side by side on random patterns at a
//!   realistic size: Fmin/Fave and recall from noise.

use serde::{Deserialize, Serialize};

use crate::analysis::{analyze, fundamental_constraint_violations};
use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;
use crate::recall::{FinalState, RecallConfig, recall, run_probe};
use crate::rules::{
    ConstrainedPerceptron, FastRule, Gardner, Hebbian, KrauthMezard, LearningRule, MaxMinLp,
    Projection, Storkey,
};
use hopfield_core::{Schedule, Termination, TieRule, derive_seed, rng_from_seed};

/// Fmax, Fmin and Fave of a network on its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RadiusStats {
    /// `max_u F^u`.
    pub f_max: f64,
    /// `min_u F^u`.
    pub f_min: f64,
    /// `(1/M) Σ_u F^u`.
    pub f_ave: f64,
}

/// How one rule did on the L1 set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// The rule's name.
    pub rule: String,
    /// Whether each pattern is a fixed point (empty if learning failed).
    pub stored: Vec<bool>,
    /// Whether every pattern is a fixed point.
    pub all_stored: bool,
    /// Radii statistics (`None` if learning failed).
    pub radii: Option<RadiusStats>,
    /// Pattern pairs at Hamming distance 1 that the rule's zero diagonal cannot both store.
    pub fc_violations: usize,
    /// Why learning failed, if it did (e.g. a perceptron that cannot converge).
    pub error: Option<String>,
}

/// Where Hebbian recall started from a stored pattern ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HebbianEnd {
    /// The starting pattern.
    pub pattern: usize,
    /// The final state.
    pub final_state: FinalState,
    /// How the run ended.
    pub termination: Termination,
}

/// Settings shared by L1 and L2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExperimentConfig {
    /// The constrained perceptron's parameters.
    pub perceptron: ConstrainedPerceptron,
    /// The LP (default: the exact symmetric program with the native solver, certified gap).
    pub lp: MaxMinLp,
    /// Krauth–Mézard parameters (L1 only).
    pub krauth_mezard: KrauthMezard,
    /// Gardner parameters (L1 only).
    pub gardner: Gardner,
    /// Schedule of the Hebbian recall runs (L1; default [`Schedule::FixedOrder`], deterministic).
    pub schedule: Schedule,
    /// Seed for the recall runs.
    pub seed: u64,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        ExperimentConfig {
            perceptron: ConstrainedPerceptron::default(),
            lp: MaxMinLp::default(),
            krauth_mezard: KrauthMezard {
                max_updates: 100_000,
                ..Default::default()
            },
            gardner: Gardner {
                max_sweeps: 1_000,
                ..Default::default()
            },
            schedule: Schedule::FixedOrder,
            seed: 3,
        }
    }
}

/// The result of L1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L1Report {
    /// `N`.
    pub n: usize,
    /// Pairwise Hamming distances of the patterns (row-major `M × M`).
    pub hamming: Vec<Vec<usize>>,
    /// Every rule's outcome: Hebbian, projection, Storkey, fast, constrained perceptron,
    /// max-min LP, Krauth–Mézard, Gardner.
    pub rules: Vec<RuleOutcome>,
    /// Radii of the fast rule.
    pub fast: RadiusStats,
    /// Radii of the constrained perceptron.
    pub perceptron: RadiusStats,
    /// Hebbian recall from each stored pattern.
    pub hebbian_recall: Vec<HebbianEnd>,
}

fn stats(a: &crate::analysis::Analysis) -> RadiusStats {
    RadiusStats {
        f_max: a.f_max,
        f_min: a.f_min,
        f_ave: a.f_ave,
    }
}

fn outcome(rule: &dyn LearningRule, patterns: &Patterns) -> Result<RuleOutcome> {
    match rule.learn(patterns) {
        Ok(net) => {
            let a = analyze(&net, patterns, TieRule::High)?;
            Ok(RuleOutcome {
                rule: rule.name().into(),
                all_stored: a.all_stored(),
                stored: a.fixed_point.clone(),
                radii: Some(stats(&a)),
                fc_violations: fundamental_constraint_violations(&net, patterns)?.len(),
                error: None,
            })
        }
        Err(e @ MemoryError::NotConverged { .. }) => Ok(RuleOutcome {
            rule: rule.name().into(),
            stored: Vec::new(),
            all_stored: false,
            radii: None,
            fc_violations: 0,
            error: Some(e.to_string()),
        }),
        Err(e) => Err(e),
    }
}

/// L1: the 己 已 巳 experiment on `patterns` (any set works; the paper's has `M = 3`).
pub fn l1(patterns: &Patterns, config: &ExperimentConfig) -> Result<L1Report> {
    let hebb = Hebbian::default();
    let rules: [&dyn LearningRule; 8] = [
        &hebb,
        &Projection::default(),
        &Storkey,
        &FastRule,
        &config.perceptron,
        &config.lp,
        &config.krauth_mezard,
        &config.gardner,
    ];
    let outcomes = rules
        .iter()
        .map(|r| outcome(*r, patterns))
        .collect::<Result<Vec<_>>>()?;
    let fast = stats(&analyze(
        &FastRule.learn(patterns)?,
        patterns,
        TieRule::High,
    )?);
    let perceptron = stats(&analyze(
        &config.perceptron.learn(patterns)?,
        patterns,
        TieRule::High,
    )?);
    let hebb_net = hebb.learn(patterns)?;
    let rc = RecallConfig {
        noise_bits: 0,
        probes: 1,
        schedule: config.schedule,
        seed: config.seed,
        ..Default::default()
    };
    let hebbian_recall = (0..patterns.m())
        .map(|u| {
            let r = run_probe(&hebb_net, patterns, u, 0, &rc)?;
            Ok(HebbianEnd {
                pattern: u,
                final_state: r.final_state,
                termination: r.termination,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let h = patterns.hamming_matrix();
    Ok(L1Report {
        n: patterns.n(),
        hamming: (0..patterns.m())
            .map(|a| (0..patterns.m()).map(|b| h[(a, b)]).collect())
            .collect(),
        rules: outcomes,
        fast,
        perceptron,
        hebbian_recall,
    })
}

/// One row of L2: the first `m` patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L2Row {
    /// Patterns stored.
    pub m: usize,
    /// Constrained perceptron.
    pub perceptron: RadiusStats,
    /// Fast rule.
    pub fast: RadiusStats,
    /// Max-min LP network.
    pub lp: RadiusStats,
    /// The LP network's objective `min_{u,i} ½ γ_i^u` (recomputed from the network).
    pub lp_objective: f64,
    /// Upper bound on the symmetric optimum `z*` (certified with the native solver). No
    /// symmetric network with `|W_ij| ≤ 1` has a larger `min F̃`.
    #[serde(default)]
    pub lp_bound: Option<f64>,
    /// `lp_bound − lp_objective`: at most the solver's tolerance when the full LP was solved.
    #[serde(default)]
    pub lp_gap: Option<f64>,
}

/// L2: for `m = 1..=M`, the radii of the constrained perceptron, the fast rule and the LP on
/// the first `m` patterns (the sets A, AB, …, ABCDEFGH of the paper).
pub fn l2(patterns: &Patterns, config: &ExperimentConfig) -> Result<Vec<L2Row>> {
    (1..=patterns.m())
        .map(|m| {
            let p = patterns.prefix(m)?;
            let lp = config.lp.solve(&p)?;
            Ok(L2Row {
                m,
                perceptron: stats(&analyze(&config.perceptron.learn(&p)?, &p, TieRule::High)?),
                fast: stats(&analyze(&FastRule.learn(&p)?, &p, TieRule::High)?),
                lp: stats(&analyze(&lp.network, &p, TieRule::High)?),
                lp_objective: lp.report.objective,
                lp_bound: Some(lp.report.bound),
                lp_gap: Some(lp.report.gap),
            })
        })
        .collect()
}

/// Settings of the design comparison ([`designs`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DesignsConfig {
    /// Neurons `N` (the realistic size: 784, a 28 × 28 image).
    pub n: usize,
    /// Numbers of random unbiased patterns to store, one row group each.
    pub ms: Vec<usize>,
    /// Fraction of components flipped in each recall probe (`round(fraction · N)` flips).
    pub noise_fraction: f64,
    /// Recall probes per stored pattern.
    pub probes: usize,
    /// The constrained perceptron's parameters.
    pub perceptron: ConstrainedPerceptron,
    /// Krauth–Mézard's parameters.
    pub krauth_mezard: KrauthMezard,
    /// The max-min LP (default: exact, native solver).
    pub lp: MaxMinLp,
    /// Seed of the pattern sets (`derive_seed(seed, [m])`) and of the probes.
    pub seed: u64,
}

impl Default for DesignsConfig {
    fn default() -> Self {
        DesignsConfig {
            n: 784,
            ms: vec![10, 50, 100],
            noise_fraction: 0.1,
            probes: 10,
            perceptron: ConstrainedPerceptron::default(),
            krauth_mezard: KrauthMezard::default(),
            lp: MaxMinLp::default(),
            seed: 11,
        }
    }
}

/// A learned network with its iteration count and LP gap, if any.
type Learned = (
    hopfield_core::Network<hopfield_core::Dense>,
    Option<usize>,
    Option<f64>,
);

/// One design on one pattern set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignRow {
    /// Patterns stored.
    pub m: usize,
    /// `fast`, `constrained_perceptron`, `maxmin_lp` or `krauth_mezard`.
    pub design: String,
    /// Radii statistics (`None` if learning failed).
    pub radii: Option<RadiusStats>,
    /// Whether every pattern is a fixed point.
    pub all_stored: bool,
    /// Fraction of noisy probes recalled exactly (asynchronous dynamics, ties high).
    pub recalled: Option<f64>,
    /// For the LP: the certified gap `bound − objective`.
    pub lp_gap: Option<f64>,
    /// Sweeps (perceptron), updates (Krauth–Mézard) or first-order iterations (LP).
    pub iterations: Option<usize>,
    /// Why learning failed, if it did.
    pub error: Option<String>,
}

/// Fast rule, constrained perceptron, exact max-min LP and Krauth–Mézard on `N` random
/// patterns for each `M`: Fmin/Fave (Theorem 2 bounds with the true row maximum), whether all
/// patterns are stored, and recall from `noise_fraction` noise. Rows are ordered by `M`, then
/// design. Deterministic for a seed (recall probes are seeded per probe).
pub fn designs(config: &DesignsConfig) -> Result<Vec<DesignRow>> {
    let mut rows = Vec::new();
    let flips = (config.noise_fraction * config.n as f64).round() as usize;
    for &m in &config.ms {
        let patterns = Patterns::random(
            config.n,
            m,
            &mut rng_from_seed(derive_seed(config.seed, &[m as u64])),
        )?;
        let recall_config = RecallConfig {
            noise_bits: flips,
            probes: config.probes,
            seed: derive_seed(config.seed, &[m as u64, 1]),
            ..Default::default()
        };
        let learned: [(&str, Result<Learned>); 4] = [
            ("fast", FastRule.learn(&patterns).map(|n| (n, None, None))),
            (
                "constrained_perceptron",
                config
                    .perceptron
                    .train(&patterns)
                    .map(|(n, r)| (n, Some(r.iterations), None)),
            ),
            (
                "maxmin_lp",
                config.lp.solve(&patterns).map(|s| {
                    let r = s.report;
                    (s.network, Some(r.iterations), Some(r.gap))
                }),
            ),
            (
                "krauth_mezard",
                config
                    .krauth_mezard
                    .train(&patterns)
                    .map(|(n, r)| (n, Some(r.iterations), None)),
            ),
        ];
        for (design, result) in learned {
            rows.push(match result {
                Ok((net, iterations, lp_gap)) => {
                    let a = analyze(&net, &patterns, TieRule::High)?;
                    let r = recall(&net, &patterns, &recall_config)?;
                    DesignRow {
                        m,
                        design: design.into(),
                        radii: Some(stats(&a)),
                        all_stored: a.all_stored(),
                        recalled: Some(r.fraction_recalled),
                        lp_gap,
                        iterations,
                        error: None,
                    }
                }
                Err(e @ MemoryError::NotConverged { .. }) => DesignRow {
                    m,
                    design: design.into(),
                    radii: None,
                    all_stored: false,
                    recalled: None,
                    lp_gap: None,
                    iterations: None,
                    error: Some(e.to_string()),
                },
                Err(e) => return Err(e),
            });
        }
    }
    Ok(rows)
}
