//! Capacity against theory: the Hebbian retrieval overlap against Amit, Gutfreund &
//! Sompolinsky (1985), the optimal-stability rows against Gardner (1988), and the projection and
//! Storkey (1997) rules on the same axes.
//!
//! Everything measured goes to `capacity.json` (one seeded pattern set per trial, so the file
//! does not depend on the thread count); the report computes the means, error bars, measured
//! critical loads and the theory beside them from that file alone.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use hopfield_core::{derive_seed, rng_from_seed};
use hopfield_memory::Patterns;
use hopfield_memory::capacity::fixed::{FixedPoints, fixed_points};
use hopfield_memory::capacity::retrieval::{
    RETRIEVAL_THRESHOLD, RetrievalConfig, RetrievalPoint, hebbian_retrieval_sweep,
};
use hopfield_memory::capacity::stability::{RowStability, StabilityConfig, optimal_stability};
use hopfield_memory::capacity::{jackknife_crossing, mean_and_error};
use hopfield_memory::rules::by_name;
use hopfield_memory::theory::{
    gardner_capacity, gardner_margin, hebbian_critical, hebbian_retrieval,
};
use plotters::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Context, fmt};
use crate::defs::Limits;

/// The level at which a measured fraction defines the measured critical load.
pub const CROSSING_LEVEL: f64 = 0.5;

/// One size of the Hebbian retrieval measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HebbianSize {
    /// Neurons.
    pub n: usize,
    /// Independent pattern sets (the error bars are over sets).
    pub sets: usize,
    /// Patterns probed per load and set.
    pub probes: usize,
}

/// `[hebbian]`: retrieval from the stored pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HebbianDef {
    /// Sizes of the full run.
    pub sizes: Vec<HebbianSize>,
    /// Sizes with `--quick`.
    pub quick_sizes: Vec<HebbianSize>,
    /// Loads `α = M / N` (increasing; `M = round(α N)`).
    pub alphas: Vec<f64>,
    /// Loads with `--quick`.
    pub quick_alphas: Vec<f64>,
    /// Step limit in sweeps.
    pub max_sweeps: u64,
}

/// One size of the row measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowSize {
    /// Neurons.
    pub n: usize,
    /// Independent pattern sets per load.
    pub sets: usize,
    /// Rows solved per set (the first ones; `≤ n`). Ignored by the learning rules, which
    /// count every row.
    #[serde(default)]
    pub rows: Option<usize>,
}

/// `[stability]`: the optimal-stability row against Gardner's `α_c(κ)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StabilityDef {
    /// Sizes of the full run.
    pub sizes: Vec<RowSize>,
    /// Sizes with `--quick`.
    pub quick_sizes: Vec<RowSize>,
    /// Loads.
    pub alphas: Vec<f64>,
    /// Loads with `--quick`.
    pub quick_alphas: Vec<f64>,
    /// Margins `κ > 0`.
    pub kappas: Vec<f64>,
    /// AdaTron sweeps per row at most.
    pub max_sweeps: usize,
    /// A row stops once its certified bracket of `κ_opt` is at most this wide.
    pub tolerance: f64,
}

/// `[rules]`: learning rules' rows on the same axes (`κ = 0`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesDef {
    /// hopfield-memory rule names.
    pub rules: Vec<String>,
    /// Sizes of the full run.
    pub sizes: Vec<RowSize>,
    /// Sizes with `--quick`.
    pub quick_sizes: Vec<RowSize>,
    /// Loads.
    pub alphas: Vec<f64>,
    /// Loads with `--quick`.
    pub quick_alphas: Vec<f64>,
}

/// `benchmarks/capacity.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityDef {
    /// Section title.
    pub title: String,
    /// Base seed.
    pub seed: u64,
    /// Hebbian retrieval.
    pub hebbian: HebbianDef,
    /// Optimal-stability rows.
    pub stability: StabilityDef,
    /// Learning rules.
    pub rules: RulesDef,
    /// Sizes checked before anything runs (`[limits]`, see [`Limits`]).
    #[serde(default)]
    pub limits: Limits,
}

/// The Hebbian measurement at one `N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HebbianRun {
    /// Neurons.
    pub n: usize,
    /// `sets[s][k]`: pattern set `s` at load `k`.
    pub sets: Vec<Vec<RetrievalPoint>>,
}

/// The rows of one pattern set at one load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowCell {
    /// Patterns.
    pub m: usize,
    /// Rows measured.
    pub rows: usize,
    /// Per margin of [`CapacityResults::kappas`]: rows that store every pattern with it.
    pub stored: Vec<usize>,
    /// Per margin: rows whose certified bracket still straddles it (counted in `stored` when
    /// the bracket's midpoint reaches the margin).
    pub undecided: Vec<usize>,
    /// Mean over rows of the optimal stability (bracket midpoint; rows without a finite
    /// bracket are left out).
    pub mean_kappa: f64,
    /// Mean AdaTron sweeps per row.
    pub mean_sweeps: f64,
}

/// The optimal-stability rows at one `N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityRun {
    /// Neurons.
    pub n: usize,
    /// `sets[s][k]`.
    pub sets: Vec<Vec<RowCell>>,
}

/// One learning rule at one `N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleRun {
    /// Rule name.
    pub rule: String,
    /// Neurons.
    pub n: usize,
    /// `sets[s][k]`.
    pub sets: Vec<Vec<FixedPoints>>,
}

/// Everything the section measured (deterministic for a seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityResults {
    /// The margins of the stability rows.
    pub kappas: Vec<f64>,
    /// Hebbian retrieval per `N`.
    pub hebbian: Vec<HebbianRun>,
    /// Optimal-stability rows per `N`.
    pub stability: Vec<StabilityRun>,
    /// Learning rules per rule and `N`.
    pub rules: Vec<RuleRun>,
}

/// `M = round(α N)` for each load: positive and strictly increasing.
fn loads(n: usize, alphas: &[f64]) -> anyhow::Result<Vec<usize>> {
    if alphas.iter().any(|a| !(a.is_finite() && *a > 0.0)) {
        bail!("loads must be finite and positive: {alphas:?}");
    }
    let ms: Vec<usize> = alphas
        .iter()
        .map(|a| ((a * n as f64).round() as usize).max(1))
        .collect();
    if ms.windows(2).any(|w| w[0] >= w[1]) {
        bail!("at N = {n} the loads {alphas:?} do not give increasing pattern counts {ms:?}");
    }
    Ok(ms)
}

fn check_sizes(what: &str, sizes: &[impl AsRef<usize>]) -> anyhow::Result<()> {
    if sizes.is_empty() || sizes.iter().any(|n| *n.as_ref() < 2) {
        bail!("{what}: at least one size, every N ≥ 2");
    }
    Ok(())
}

impl AsRef<usize> for HebbianSize {
    fn as_ref(&self) -> &usize {
        &self.n
    }
}

impl AsRef<usize> for RowSize {
    fn as_ref(&self) -> &usize {
        &self.n
    }
}

fn pick<'a, T>(quick: bool, full: &'a T, small: &'a T) -> &'a T {
    if quick { small } else { full }
}

/// Checks a definition (full and quick sizes) before anything runs: names, loads, margins, and
/// every size against `def.limits` (each measurement holds `N × N` weights: `i16` for the
/// Hebbian engine, `f64` for the rows and the learning rules).
pub fn check(def: &CapacityDef) -> anyhow::Result<()> {
    let limits = &def.limits;
    let patterns = |what: &str, n: usize, alphas: &[f64]| -> anyhow::Result<()> {
        let ms = loads(n, alphas).with_context(|| what.to_string())?;
        let most = ms.last().copied().unwrap_or(0) as u64;
        if most > limits.max_patterns {
            bail!(
                "{what}: N = {n} at load {:?} stores {most} patterns, above max_patterns = {} \
                 (raise it under [limits])",
                alphas.last(),
                limits.max_patterns
            );
        }
        Ok(())
    };
    for (quick, sizes, alphas) in [
        (false, &def.hebbian.sizes, &def.hebbian.alphas),
        (true, &def.hebbian.quick_sizes, &def.hebbian.quick_alphas),
    ] {
        let what = if quick { "hebbian (quick)" } else { "hebbian" };
        check_sizes(what, sizes)?;
        for size in sizes {
            limits.dense_neurons(&format!("{what}: N"), size.n as u64)?;
            limits.trials(&format!("{what}: sets"), size.sets)?;
            limits.trials(&format!("{what}: probes"), size.probes)?;
            patterns(what, size.n, alphas)?;
        }
    }
    limits.steps("hebbian: max_sweeps", def.hebbian.max_sweeps)?;
    for (what, sizes, alphas) in [
        ("stability", &def.stability.sizes, &def.stability.alphas),
        (
            "stability (quick)",
            &def.stability.quick_sizes,
            &def.stability.quick_alphas,
        ),
        ("rules", &def.rules.sizes, &def.rules.alphas),
        (
            "rules (quick)",
            &def.rules.quick_sizes,
            &def.rules.quick_alphas,
        ),
    ] {
        check_sizes(what, sizes)?;
        for size in sizes {
            limits.dense_neurons(&format!("{what}: N"), size.n as u64)?;
            limits.trials(&format!("{what}: sets"), size.sets)?;
            patterns(what, size.n, alphas)?;
        }
    }
    limits.steps("stability: max_sweeps", def.stability.max_sweeps as u64)?;
    let kappas = &def.stability.kappas;
    if kappas.is_empty() || kappas.iter().any(|k| !(k.is_finite() && *k > 0.0)) {
        bail!("stability.kappas must be positive margins: {kappas:?}");
    }
    if !(def.stability.tolerance.is_finite() && def.stability.tolerance > 0.0) {
        bail!(
            "stability.tolerance = {} must be finite and > 0",
            def.stability.tolerance
        );
    }
    for r in &def.rules.rules {
        by_name(r).context("in the capacity definition")?;
    }
    Ok(())
}

/// Runs the section into `ctx.out/capacity.json`.
pub fn run(def: &CapacityDef, ctx: &Context) -> anyhow::Result<()> {
    check(def)?;
    let seed = ctx.seed(def.seed);
    let h_sizes: &Vec<HebbianSize> = pick(ctx.quick, &def.hebbian.sizes, &def.hebbian.quick_sizes);
    let h_alphas: &Vec<f64> = pick(ctx.quick, &def.hebbian.alphas, &def.hebbian.quick_alphas);
    let s_sizes: &Vec<RowSize> = pick(ctx.quick, &def.stability.sizes, &def.stability.quick_sizes);
    let s_alphas: &Vec<f64> = pick(
        ctx.quick,
        &def.stability.alphas,
        &def.stability.quick_alphas,
    );
    let r_sizes: &Vec<RowSize> = pick(ctx.quick, &def.rules.sizes, &def.rules.quick_sizes);
    let r_alphas: &Vec<f64> = pick(ctx.quick, &def.rules.alphas, &def.rules.quick_alphas);
    check_sizes("hebbian", h_sizes)?;
    check_sizes("stability", s_sizes)?;
    check_sizes("rules", r_sizes)?;
    let kappas = def.stability.kappas.clone();
    if kappas.is_empty() || kappas.iter().any(|k| !(k.is_finite() && *k > 0.0)) {
        bail!("stability.kappas must be positive margins: {kappas:?}");
    }
    let rules = def
        .rules
        .rules
        .iter()
        .map(|r| by_name(r).context("in the capacity definition"))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let h_tasks: usize = h_sizes.iter().map(|s| s.sets).sum();
    let s_tasks: usize = s_sizes.iter().map(|s| s.sets * s_alphas.len()).sum();
    let r_tasks: usize = r_sizes
        .iter()
        .map(|s| s.sets * r_alphas.len())
        .sum::<usize>()
        * rules.len();
    let bar = ctx.bar("capacity", (h_tasks + s_tasks + r_tasks) as u64);

    // Hebbian: one pattern set per trial, the engine parallel inside.
    let mut hebbian = Vec::new();
    for size in h_sizes {
        let config = RetrievalConfig {
            n: size.n,
            ms: loads(size.n, h_alphas)?,
            probes: size.probes,
            max_sweeps: def.hebbian.max_sweeps,
        };
        let mut sets = Vec::with_capacity(size.sets);
        for s in 0..size.sets {
            let trial_seed = derive_seed(seed, &[1, size.n as u64, s as u64]);
            sets.push(hebbian_retrieval_sweep(&config, trial_seed)?);
            bar.inc(1);
        }
        hebbian.push(HebbianRun { n: size.n, sets });
    }

    // Optimal-stability rows: one pattern set per (load, set), in parallel.
    let stability_config = StabilityConfig {
        max_sweeps: def.stability.max_sweeps,
        // A narrow bracket for every row (not only the decision at each margin), so the
        // midpoints are good estimates of κ_opt.
        tolerance: def.stability.tolerance,
        kappas: Vec::new(),
        // Every margin is positive: the separability program is not needed.
        exact_separability: false,
        check_every: 4,
    };
    let mut stability = Vec::new();
    for size in s_sizes {
        let ms = loads(size.n, s_alphas)?;
        let rows: Vec<usize> = (0..size.rows.unwrap_or(size.n).min(size.n)).collect();
        let tasks: Vec<(usize, usize)> = (0..size.sets)
            .flat_map(|s| (0..ms.len()).map(move |k| (s, k)))
            .collect();
        let cells = tasks
            .par_iter()
            .map(|&(s, k)| {
                let m = ms[k];
                let trial_seed = derive_seed(seed, &[2, size.n as u64, m as u64, s as u64]);
                let patterns = Patterns::random(size.n, m, &mut rng_from_seed(trial_seed))?;
                let found = optimal_stability(&patterns, &rows, &stability_config)?;
                bar.inc(1);
                let count =
                    |f: &dyn Fn(&RowStability) -> bool| found.iter().filter(|r| f(r)).count();
                Ok(RowCell {
                    m,
                    rows: rows.len(),
                    stored: kappas
                        .iter()
                        .map(|&kappa| {
                            count(&|r: &RowStability| {
                                r.stores(kappa).unwrap_or(r.estimate() >= kappa)
                            })
                        })
                        .collect(),
                    undecided: kappas
                        .iter()
                        .map(|&kappa| count(&|r: &RowStability| r.stores(kappa).is_none()))
                        .collect(),
                    mean_kappa: super::mean(
                        found
                            .iter()
                            .map(RowStability::estimate)
                            .filter(|k| k.is_finite()),
                    ),
                    mean_sweeps: super::mean(found.iter().map(|r| r.sweeps as f64)),
                })
            })
            .collect::<anyhow::Result<Vec<RowCell>>>()?;
        let sets = cells.chunks(ms.len()).map(<[RowCell]>::to_vec).collect();
        stability.push(StabilityRun { n: size.n, sets });
    }

    // Learning rules: the same pattern set for every rule at a (N, load, set).
    let mut rule_runs = Vec::new();
    for (rule, name) in rules.iter().zip(&def.rules.rules) {
        for size in r_sizes {
            let ms = loads(size.n, r_alphas)?;
            let tasks: Vec<(usize, usize)> = (0..size.sets)
                .flat_map(|s| (0..ms.len()).map(move |k| (s, k)))
                .collect();
            let cells = tasks
                .par_iter()
                .map(|&(s, k)| {
                    let trial_seed = derive_seed(seed, &[3, size.n as u64, ms[k] as u64, s as u64]);
                    let found = fixed_points(rule.as_ref(), size.n, ms[k], trial_seed)?;
                    bar.inc(1);
                    Ok(found)
                })
                .collect::<anyhow::Result<Vec<FixedPoints>>>()?;
            rule_runs.push(RuleRun {
                rule: name.clone(),
                n: size.n,
                sets: cells
                    .chunks(ms.len())
                    .map(<[FixedPoints]>::to_vec)
                    .collect(),
            });
        }
    }
    bar.finish();
    let results = CapacityResults {
        kappas,
        hebbian,
        stability,
        rules: rule_runs,
    };
    std::fs::write(
        ctx.out.join("capacity.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    Ok(())
}

/// A series of points with error bars.
#[derive(Debug, Clone)]
struct ErrorSeries {
    label: String,
    /// `(x, y, standard error)`; a NaN error draws no bar.
    points: Vec<(f64, f64, f64)>,
}

/// Per load: `(α, mean over sets, standard error)` of `value(set, load)`.
fn over_sets(
    alphas: &[f64],
    sets: usize,
    value: impl Fn(usize, usize) -> f64,
) -> Vec<(f64, f64, f64)> {
    alphas
        .iter()
        .enumerate()
        .map(|(k, &a)| {
            let v: Vec<f64> = (0..sets).map(|s| value(s, k)).collect();
            let (mean, err) = mean_and_error(&v);
            (a, mean, err)
        })
        .collect()
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Draws points with error bars (one colour per series), theory curves (`curves`, same
/// colour order, dashed look by thin black-mixed lines) and labelled vertical lines.
fn error_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[ErrorSeries],
    curves: &[(String, Vec<(f64, f64)>)],
    verticals: &[(String, f64)],
) -> anyhow::Result<()> {
    let xs = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(curves.iter().flat_map(|c| c.1.iter().map(|p| p.0)))
        .chain(verticals.iter().map(|v| v.1));
    let ys = series
        .iter()
        .flat_map(|s| {
            s.points.iter().flat_map(|p| {
                let e = if p.2.is_finite() { p.2 } else { 0.0 };
                [p.1 - e, p.1 + e]
            })
        })
        .chain(curves.iter().flat_map(|c| c.1.iter().map(|p| p.1)));
    let range = |it: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = it
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let span = (hi - lo).max(1e-9);
        (lo - 0.05 * span, hi + 0.05 * span)
    };
    let (x0, x1) = range(&mut xs.into_iter());
    let (y0, y1) = range(&mut ys.into_iter());
    if !(x0.is_finite() && y0.is_finite()) {
        bail!("nothing to plot in {title}");
    }
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        for (k, (label, points)) in curves.iter().enumerate() {
            let color = BLACK.mix(0.45 + 0.2 * (k % 3) as f64);
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))?
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        for (label, x) in verticals {
            let color = BLACK.mix(0.5);
            chart
                .draw_series(LineSeries::new(vec![(*x, y0), (*x, y1)], color))?
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y - 6), (x, y + 6)], color));
        }
        for (k, s) in series.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            let style = ShapeStyle::from(&color).filled();
            chart
                .draw_series(LineSeries::new(
                    s.points
                        .iter()
                        .filter(|p| p.1.is_finite())
                        .map(|p| (p.0, p.1)),
                    color.mix(0.5),
                ))?
                .label(s.label.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, style));
            chart.draw_series(
                s.points
                    .iter()
                    .filter(|p| p.1.is_finite())
                    .map(|&(x, y, _)| Circle::new((x, y), 3, style)),
            )?;
            // Error bars: a vertical segment with caps.
            let cap = 0.006 * (x1 - x0);
            chart.draw_series(
                s.points
                    .iter()
                    .filter(|p| p.1.is_finite() && p.2.is_finite() && p.2 > 0.0)
                    .flat_map(|&(x, y, e)| {
                        [
                            vec![(x, y - e), (x, y + e)],
                            vec![(x - cap, y - e), (x + cap, y - e)],
                            vec![(x - cap, y + e), (x + cap, y + e)],
                        ]
                    })
                    .map(|segment| PathElement::new(segment, color)),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot draw {}", path.display()))
}

/// The measured critical load of one run: `(estimate, jackknife error)`.
fn measured(alphas: &[f64], fractions: &[Vec<f64>]) -> (Option<f64>, Option<f64>) {
    jackknife_crossing(alphas, fractions, CROSSING_LEVEL)
}

fn plus_minus(value: (Option<f64>, Option<f64>), decimals: usize) -> String {
    match value {
        (Some(v), Some(e)) => format!("{v:.decimals$} ± {e:.decimals$}"),
        (Some(v), None) => format!("{v:.decimals$}"),
        (None, _) => "not crossed in the range".into(),
    }
}

fn alphas_of(n: usize, ms: impl Iterator<Item = usize>) -> Vec<f64> {
    ms.map(|m| m as f64 / n as f64).collect()
}

/// Appends the section and draws its figures.
pub fn report(
    def: &CapacityDef,
    record: &Path,
    quick: bool,
    md: &mut String,
) -> anyhow::Result<()> {
    let r: CapacityResults = serde_json::from_str(
        &std::fs::read_to_string(record.join("capacity.json"))
            .context("the capacity section was not run (no capacity.json)")?,
    )?;
    let critical = hebbian_critical();
    let _ = writeln!(md, "## {}\n", def.title);
    let _ = writeln!(
        md,
        "Random unbiased patterns, measured against the exact mean-field results: the Hebbian \
         retrieval overlap of Amit, Gutfreund & Sompolinsky (1985) and the optimal storage of \
         Gardner (1988), which the optimal-stability perceptron (Krauth & Mézard 1987; here \
         solved by AdaTron with a certified bracket) approaches as N grows; the projection rule \
         and Storkey's (1997) rule on the same axes. Theory lines are computed by \
         `hopfield_memory::theory`; every point is a mean over independent pattern sets with \
         its standard error. A measured critical load is where the mean fraction crosses 1/2 \
         (linear interpolation between the measured loads), with a jackknife error over \
         pattern sets; how everything is counted is in METHODOLOGY.md (\"Capacity against \
         theory\").{}\n",
        if quick {
            " **Quick run: small sizes, the numbers are not meant to match the theory.**"
        } else {
            ""
        }
    );

    // Hebbian retrieval.
    let _ = writeln!(
        md,
        "### Hebbian retrieval from the stored pattern (Amit, Gutfreund & Sompolinsky 1985)\n\n\
         Zero-temperature asynchronous dynamics started at a stored pattern, run to a fixed \
         point; a run counts as retrieved when its final overlap is at least \
         {RETRIEVAL_THRESHOLD}. Theory: retrieval states exist up to α_c = {:.4}, where \
         m = {:.4}.\n",
        critical.alpha, critical.m
    );
    let mut overlap_series = Vec::new();
    let mut retrieved_series = Vec::new();
    let mut rows = Vec::new();
    for run in &r.hebbian {
        let Some(first) = run.sets.first() else {
            continue;
        };
        let alphas = alphas_of(run.n, first.iter().map(|p| p.m));
        let sets = run.sets.len();
        overlap_series.push(ErrorSeries {
            label: format!("N = {}", run.n),
            points: over_sets(&alphas, sets, |s, k| run.sets[s][k].mean_overlap),
        });
        let fractions: Vec<Vec<f64>> = run
            .sets
            .iter()
            .map(|set| set.iter().map(RetrievalPoint::fraction_retrieved).collect())
            .collect();
        retrieved_series.push(ErrorSeries {
            label: format!("N = {}", run.n),
            points: over_sets(&alphas, sets, |s, k| fractions[s][k]),
        });
        let crossing = measured(&alphas, &fractions);
        // The retrieved overlap at the largest load not above the theory's α_c.
        let below = alphas
            .iter()
            .enumerate()
            .rev()
            .find(|&(_, &a)| a <= critical.alpha)
            .map(|(k, &a)| {
                let v: Vec<f64> = (0..sets)
                    .filter_map(|s| run.sets[s][k].mean_retrieved_overlap)
                    .collect();
                (a, mean_and_error(&v))
            });
        let probes = first.iter().map(|p| p.probes).max().unwrap_or(0);
        rows.push((run.n, sets, probes, crossing, below));
    }
    let a_min = overlap_series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(critical.alpha, f64::min);
    let theory_curve: Vec<(f64, f64)> = (0..60)
        .map(|k| a_min + (critical.alpha - a_min) * f64::from(k) / 60.0)
        .filter_map(|a| hebbian_retrieval(a).ok().flatten().map(|t| (t.alpha, t.m)))
        .chain(std::iter::once((critical.alpha, critical.m)))
        .collect();
    if !overlap_series.is_empty() {
        error_chart(
            &record.join("figures/capacity-hebbian-overlap.svg"),
            "Hebbian: final overlap from the stored pattern vs M/N",
            "α = M / N",
            "mean final overlap m",
            &overlap_series,
            &[(
                "m(α), Amit, Gutfreund & Sompolinsky 1985".into(),
                theory_curve,
            )],
            &[(format!("α_c = {:.4}", critical.alpha), critical.alpha)],
        )?;
        error_chart(
            &record.join("figures/capacity-hebbian-retrieved.svg"),
            &format!("Hebbian: fraction of runs ending with m ≥ {RETRIEVAL_THRESHOLD} vs M/N"),
            "α = M / N",
            "fraction retrieved",
            &retrieved_series,
            &[],
            &[(format!("α_c = {:.4}", critical.alpha), critical.alpha)],
        )?;
        let _ = writeln!(
            md,
            "![Hebbian overlap](figures/capacity-hebbian-overlap.svg)\n\n\
             ![Hebbian retrieval](figures/capacity-hebbian-retrieved.svg)\n"
        );
    }
    let _ = writeln!(
        md,
        "| N | sets × probes | measured α_c | theory α_c | measured − theory | retrieved m at the last load ≤ α_c | theory m there |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    for (n, sets, probes, crossing, below) in &rows {
        let theory_m = below.and_then(|(a, _)| hebbian_retrieval(a).ok().flatten().map(|t| t.m));
        let _ = writeln!(
            md,
            "| {n} | {sets} × {probes} | {} | {:.4} | {} | {} | {} |",
            plus_minus(*crossing, 4),
            critical.alpha,
            fmt(crossing.0.map(|c| c - critical.alpha), 4),
            below.map_or("—".into(), |(a, (m, e))| format!(
                "{} at α = {a:.3}",
                plus_minus((m.is_finite().then_some(m), e.is_finite().then_some(e)), 4)
            )),
            fmt(theory_m, 4)
        );
    }
    let trend: Vec<(usize, f64)> = rows
        .iter()
        .filter_map(|(n, _, _, c, _)| c.0.map(|c| (*n, c)))
        .collect();
    if trend.len() >= 2 {
        let falls = trend.windows(2).all(|w| w[1].1 < w[0].1);
        let (first, last) = (trend[0], trend[trend.len() - 1]);
        let _ = writeln!(
            md,
            "\nFrom N = {} to N = {} the measured α_c goes from {:.4} to {:.4} ({}); the theory's \
             {:.4} is the N → ∞ limit.\n",
            first.0,
            last.0,
            first.1,
            last.1,
            if falls {
                "falling with every size"
            } else {
                "not monotone in N at these sizes and sample counts"
            },
            critical.alpha
        );
    } else {
        let _ = writeln!(md);
    }

    // Optimal stability and the rules.
    let _ = writeln!(
        md,
        "### Optimal storage (Gardner 1988; Krauth & Mézard 1987) and the rules on the same axes\n\n\
         For each row i (a perceptron with zero self-coupling) the optimal stability \
         κ_opt = max over rows w of min_u x_i^u (w · x^u) / ‖w‖; the row stores the set with \
         margin κ when κ_opt ≥ κ. Gardner's α_c(κ) is where half the rows (all of them, as \
         N → ∞) stop storing. The learning rules are counted at κ = 0: the rows at which every \
         pattern is strictly stable (the zero-diagonal projection rule: α_c = 1).\n"
    );
    let mut fraction_series = Vec::new();
    let mut kappa_series = Vec::new();
    let mut table = Vec::new();
    let largest = r.stability.iter().map(|s| s.n).max();
    for run in &r.stability {
        let Some(first) = run.sets.first() else {
            continue;
        };
        let alphas = alphas_of(run.n, first.iter().map(|c| c.m));
        let sets = run.sets.len();
        kappa_series.push(ErrorSeries {
            label: format!("optimal stability, N = {}", run.n),
            points: over_sets(&alphas, sets, |s, k| run.sets[s][k].mean_kappa),
        });
        for (j, &kappa) in r.kappas.iter().enumerate() {
            let fractions: Vec<Vec<f64>> = run
                .sets
                .iter()
                .map(|set| {
                    set.iter()
                        .map(|c| c.stored[j] as f64 / c.rows as f64)
                        .collect()
                })
                .collect();
            if Some(run.n) == largest {
                fraction_series.push(ErrorSeries {
                    label: format!("optimal stability κ = {kappa}, N = {}", run.n),
                    points: over_sets(&alphas, sets, |s, k| fractions[s][k]),
                });
            }
            let mean_kappas: Vec<Vec<f64>> = run
                .sets
                .iter()
                .map(|set| set.iter().map(|c| c.mean_kappa).collect())
                .collect();
            let by_kappa = jackknife_crossing(&alphas, &mean_kappas, kappa);
            let undecided: usize = run.sets.iter().flatten().map(|c| c.undecided[j]).sum();
            let total: usize = run.sets.iter().flatten().map(|c| c.rows).sum();
            table.push((
                "optimal stability".to_string(),
                kappa,
                run.n,
                format!("{sets} × {}", first[0].rows),
                measured(&alphas, &fractions),
                Some(by_kappa),
                gardner_capacity(kappa).ok(),
                format!("{undecided} of {total}"),
            ));
        }
    }
    let largest_rules = r.rules.iter().map(|s| s.n).max();
    for run in &r.rules {
        let Some(first) = run.sets.first() else {
            continue;
        };
        let alphas = alphas_of(run.n, first.iter().map(|c| c.m));
        let sets = run.sets.len();
        let fractions: Vec<Vec<f64>> = run
            .sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|c| c.rows_storing as f64 / c.n as f64)
                    .collect()
            })
            .collect();
        if Some(run.n) == largest_rules {
            fraction_series.push(ErrorSeries {
                label: format!("{} (κ = 0), N = {}", run.rule, run.n),
                points: over_sets(&alphas, sets, |s, k| fractions[s][k]),
            });
        }
        table.push((
            run.rule.clone(),
            0.0,
            run.n,
            format!("{sets} × {}", first[0].n),
            measured(&alphas, &fractions),
            None,
            match run.rule.as_str() {
                "projection_zero_diagonal" => Some(1.0),
                _ => None,
            },
            "—".into(),
        ));
    }
    if !fraction_series.is_empty() {
        let mut verticals: Vec<(String, f64)> = r
            .kappas
            .iter()
            .filter_map(|&k| {
                gardner_capacity(k)
                    .ok()
                    .map(|a| (format!("Gardner α_c({k}) = {a:.3}"), a))
            })
            .collect();
        if r.rules.iter().any(|x| x.rule == "projection_zero_diagonal") {
            verticals.push(("projection: α = 1".into(), 1.0));
        }
        error_chart(
            &record.join("figures/capacity-storage.svg"),
            "Rows storing every pattern (with margin κ) vs M/N",
            "α = M / N",
            "fraction of rows storing",
            &fraction_series,
            &[],
            &verticals,
        )?;
        let _ = writeln!(md, "![storage fraction](figures/capacity-storage.svg)\n");
    }
    if !kappa_series.is_empty() {
        let (a0, a1) = kappa_series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), a| {
                (lo.min(a), hi.max(a))
            });
        let curve: Vec<(f64, f64)> = (0..=80)
            .map(|k| a0 + (a1 - a0) * f64::from(k) / 80.0)
            .filter_map(|a| gardner_margin(a).ok().map(|k| (a, k)))
            .collect();
        error_chart(
            &record.join("figures/capacity-kappa.svg"),
            "Optimal stability of a row vs M/N",
            "α = M / N",
            "mean κ_opt over rows",
            &kappa_series,
            &[("κ(α), Gardner 1988".into(), curve)],
            &[],
        )?;
        let _ = writeln!(md, "![optimal stability](figures/capacity-kappa.svg)\n");
    }
    let _ = writeln!(
        md,
        "| method | κ | N | sets × rows | measured α_c (half the rows store) | α where mean κ_opt = κ | theory α_c | measured − theory | rows left undecided |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    for (method, kappa, n, size, crossing, by_kappa, theory, undecided) in &table {
        let _ = writeln!(
            md,
            "| {method} | {kappa} | {n} | {size} | {} | {} | {} | {} | {undecided} |",
            plus_minus(*crossing, 3),
            by_kappa.map_or("—".into(), |c| plus_minus(c, 3)),
            fmt(*theory, 3),
            fmt(crossing.0.zip(*theory).map(|(c, t)| c - t), 3),
        );
    }
    let _ = writeln!(
        md,
        "\nStorkey's and Hebb's rules have no closed-form row capacity; they are measured only. \
         Undecided rows (certified bracket still straddling κ after the sweep limit) are \
         counted by the bracket's midpoint.\n"
    );
    Ok(())
}
