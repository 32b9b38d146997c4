//! `throughput learn`: the time a rule takes to learn random patterns, and the attraction
//! radii of what it learned.
//!
//! **Adding rule-specific fields.** [`learn_rule`] returns a [`Learned`]: the network plus an
//! `extra` JSON map that is merged into the printed line. A rule with more to say (an LP's
//! objective, bound and gap, say) fills `extra` in its arm of [`learn_rule`]; a rule option
//! (an LP mode, say) goes into [`LearnArgs`] and is read there.

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use hopfield_core::{Couplings, Network, TieRule};
use hopfield_memory::Patterns;
use hopfield_memory::analysis::analyze;
use hopfield_memory::rules::{
    ConstrainedPerceptron, FastRule, Gardner, Hebbian, HebbianBinary, KrauthMezard, LearningRule,
    MaxMinLp, Projection, Storkey,
};
use serde_json::{Map, Value, json};

use super::{best_of, patterns, pool};

/// The rule names `throughput` accepts: those of the memory definitions
/// (`benchmarks/memory.toml`), plus the rules' variants.
pub(crate) const RULES: [&str; 10] = [
    "hebbian",
    "projection",
    "storkey",
    "fast",
    "constrained_perceptron",
    "maxmin_lp",
    "krauth_mezard",
    "gardner",
    "hebbian_binary",
    "projection_zero_diagonal",
];

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
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(RULES))]
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
    /// Timed repeats (the best by CPU time is printed).
    #[arg(long, default_value_t = 7)]
    pub(crate) repeats: usize,
    /// Rayon threads.
    #[arg(long, default_value_t = 1)]
    pub(crate) threads: usize,
    /// Representation to learn (the dense matrix by default, as `LearningRule::learn`).
    #[arg(long, value_enum, default_value_t = Form::Dense)]
    pub(crate) form: Form,
}

/// A learned dense network and the rule's own JSON fields.
pub(crate) struct Learned {
    pub(crate) net: Network<hopfield_core::Dense>,
    pub(crate) extra: Map<String, Value>,
}

/// The rule called `name`, with the parameters the memory definitions use.
pub(crate) fn rule_by_name(name: &str) -> anyhow::Result<Box<dyn LearningRule>> {
    Ok(match name {
        "hebbian" => Box::new(Hebbian::default()),
        "hebbian_binary" => Box::new(HebbianBinary),
        "projection" => Box::new(Projection::default()),
        "projection_zero_diagonal" => Box::new(Projection {
            zero_diagonal: true,
            ..Projection::default()
        }),
        "storkey" => Box::new(Storkey),
        "fast" => Box::new(FastRule),
        "krauth_mezard" => Box::new(KrauthMezard::default()),
        "gardner" => Box::new(Gardner::default()),
        "constrained_perceptron" => Box::new(ConstrainedPerceptron::default()),
        "maxmin_lp" => Box::new(MaxMinLp::default()),
        other => bail!("unknown rule {other:?}; the rules are {}", RULES.join(", ")),
    })
}

/// Learns `patterns` with rule `name` (dense form).
pub(crate) fn learn_rule(
    name: &str,
    patterns: &Patterns,
    _args: &LearnArgs,
) -> anyhow::Result<Learned> {
    let rule = rule_by_name(name)?;
    let net = rule
        .learn(patterns)
        .with_context(|| format!("{name} did not learn"))?;
    Ok(Learned {
        net,
        extra: Map::new(),
    })
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
        other => bail!("{other} has no low-rank form (hebbian and projection do)"),
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
