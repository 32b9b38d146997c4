//! `throughput learn`: the time a rule takes to learn random patterns, and the attraction
//! radii of what it learned.
//!
//! **Adding rule-specific fields.** [`learn_rule`] returns a [`Learned`]: the network plus an
//! `extra` JSON map that is merged into the printed line. A rule with more to say (an LP's
//! objective, bound and gap, say) fills `extra` in its arm of [`learn_rule`]; a rule option
//! (an LP mode, say) goes into [`LearnArgs`] and is read there.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use hopfield_core::{Couplings, Network, TieRule};
use hopfield_memory::Patterns;
use hopfield_memory::analysis::analyze;
use hopfield_memory::rules::{
    ConstrainedPerceptron, Hebbian, KrauthMezard, LpBackend, LpMode, MaxMinLp, Projection,
    RULE_NAMES, by_name,
};
use serde_json::{Map, Value, json};

use super::{best_of, patterns, pool};

/// Which representation of the learned couplings to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Form {
    /// Low rank for the Hebbian and projection rules, dense otherwise.
    Auto,
    /// The dense `N × N` matrix every rule returns.
    Dense,
    /// Patterns and coefficients (Hebbian and projection rules only).
    LowRank,
}

/// Options of `throughput learn`.
#[derive(Debug, Args)]
pub(crate) struct LearnArgs {
    /// Learning rule (the memory definitions' names).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(RULE_NAMES))]
    pub(crate) rule: String,
    /// Neurons.
    #[arg(long, default_value_t = 784)]
    pub(crate) n: usize,
    /// Patterns.
    #[arg(long, default_value_t = 50)]
    pub(crate) m: usize,
    /// Base seed of the patterns.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Timed repeats (the least CPU time and the least wall time of them are printed).
    #[arg(long, default_value_t = 7)]
    pub(crate) repeats: usize,
    /// Rayon threads.
    #[arg(long, default_value_t = 1)]
    pub(crate) threads: usize,
    /// Representation to learn. By default (`auto`) the Hebbian and projection rules learn
    /// their low-rank form (patterns and an `M × M` coefficient matrix, no `N × N` matrix,
    /// which recall does not need either: `throughput recall` runs on the same form) and
    /// the other rules the dense matrix of `LearningRule::learn`. The printed radii are those
    /// of the dense matrix: exactly for the Hebbian rule (integer fields), to rounding (about
    /// `1e-15` relative) for the projection rule. `dense` times the dense matrix.
    #[arg(long, value_enum, default_value_t = Form::Auto)]
    pub(crate) form: Form,
    /// `maxmin_lp` only: the exact symmetric program (`full`, with a certified gap) or the
    /// row-decoupled programs averaged into a symmetric network (`decoupled`).
    #[arg(long, value_enum, default_value_t = LpModeArg::Full)]
    pub(crate) lp_mode: LpModeArg,
}

/// The `--lp-mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LpModeArg {
    /// The exact symmetric max-min program.
    Full,
    /// Row-decoupled programs, averaged.
    Decoupled,
}

/// A learned dense network and the rule's own JSON fields.
pub(crate) struct Learned {
    pub(crate) net: Network<hopfield_core::Dense>,
    pub(crate) extra: Map<String, Value>,
}

/// Learns `patterns` with rule `name` (dense form). The max-min LP adds its `objective`,
/// `bound`, `gap` (certified: recomputed from the returned network and from dual multipliers)
/// and `lp_mode`; the perceptron-type rules their `iterations`.
pub(crate) fn learn_rule(
    name: &str,
    patterns: &Patterns,
    args: &LearnArgs,
) -> anyhow::Result<Learned> {
    let context = || format!("{name} did not learn");
    let mut extra = Map::new();
    let net = match name {
        "maxmin_lp" => {
            let (mode, label) = match args.lp_mode {
                LpModeArg::Full => (LpMode::Full, "full"),
                LpModeArg::Decoupled => (LpMode::RowDecoupled, "decoupled"),
            };
            let solution = MaxMinLp {
                mode,
                backend: LpBackend::Native,
            }
            .solve(patterns)
            .with_context(context)?;
            let r = &solution.report;
            extra.insert("lp_mode".into(), json!(label));
            extra.insert("objective".into(), json!(r.objective));
            extra.insert("bound".into(), json!(r.bound));
            extra.insert("gap".into(), json!(r.gap));
            extra.insert("iterations".into(), json!(r.iterations));
            solution.network
        }
        "constrained_perceptron" => {
            let (net, report) = ConstrainedPerceptron::default()
                .train(patterns)
                .with_context(context)?;
            extra.insert("iterations".into(), json!(report.iterations));
            net
        }
        "krauth_mezard" => {
            let (net, report) = KrauthMezard::default()
                .train(patterns)
                .with_context(context)?;
            extra.insert("iterations".into(), json!(report.iterations));
            net
        }
        _ => by_name(name)?.learn(patterns).with_context(context)?,
    };
    Ok(Learned { net, extra })
}

/// Whether `rule` has a low-rank form.
pub(crate) fn has_low_rank(rule: &str) -> bool {
    matches!(rule, "hebbian" | "projection" | "projection_zero_diagonal")
}

/// Learns the low-rank form of a Hebbian or projection rule.
pub(crate) fn learn_low_rank(
    name: &str,
    patterns: &Patterns,
) -> anyhow::Result<Network<hopfield_core::LowRank>> {
    Ok(match name {
        "hebbian" => Hebbian::default().learn_low_rank(patterns)?,
        "projection" => Projection::default().learn_low_rank(patterns)?,
        "projection_zero_diagonal" => Projection {
            zero_diagonal: true,
            ..Projection::default()
        }
        .learn_low_rank(patterns)?,
        other => anyhow::bail!("{other} has no low-rank form (hebbian and projection do)"),
    })
}

/// Fmin, Fave, Fmax and the number of stored patterns (`sgn(0) = +1`).
fn radii<C: Couplings>(net: &Network<C>, patterns: &Patterns) -> anyhow::Result<Value> {
    let a = analyze(net, patterns, TieRule::High)?;
    Ok(json!({
        "fmin": a.f_min,
        "fave": a.f_ave,
        "fmax": a.f_max,
        "stored": a.stored_count(),
    }))
}

/// Runs `throughput learn`.
pub(crate) fn run(args: &LearnArgs) -> anyhow::Result<Value> {
    let patterns = patterns(args.seed, args.n, args.m)?;
    let pool = pool(args.threads)?;
    let low_rank = match args.form {
        Form::Dense => false,
        Form::LowRank => true,
        Form::Auto => has_low_rank(&args.rule),
    };
    let (cpu, wall, mut extra, radii) = if low_rank {
        let t = pool.install(|| best_of(args.repeats, || learn_low_rank(&args.rule, &patterns)))?;
        let radii = radii(&t.value, &patterns)?;
        (t.cpu, t.wall, Map::new(), radii)
    } else {
        let t =
            pool.install(|| best_of(args.repeats, || learn_rule(&args.rule, &patterns, args)))?;
        let radii = radii(&t.value.net, &patterns)?;
        (t.cpu, t.wall, t.value.extra, radii)
    };
    let mut line = json!({
        "impl": "hopfield-rs",
        "what": "learn",
        "rule": args.rule,
        "form": if low_rank { "low_rank" } else { "dense" },
        "n": args.n,
        "m": args.m,
        "seed": args.seed,
        "threads": args.threads,
        "cpu_s": cpu.as_secs_f64(),
        "wall_s": wall.as_secs_f64(),
    });
    if let (Value::Object(map), Value::Object(r)) = (&mut line, radii) {
        map.extend(r);
        map.append(&mut extra);
    }
    Ok(line)
}
