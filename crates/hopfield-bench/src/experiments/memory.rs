//! Liang, Wu & Yu's experiments L1 (己 已 巳) and L2 (A, AB, …, ABCDEFGH), the recall panel
//! and a capacity curve per learning rule.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use hopfield_core::{NoObserver, RunConfig, Schedule, TieRule, derive_seed, relax, rng_from_seed};
use hopfield_memory::experiments::{
    DesignRow, DesignsConfig, ExperimentConfig, L1Report, L2Row, designs, l1, l2,
};
use hopfield_memory::glyphs::{
    Font, KanjiDistances, RenderOptions, kanji_font_set, kanji_idealized_set, letters,
};
use hopfield_memory::image::{PanelLayout, save_recall_panel};
use hopfield_memory::recall::{
    CapacityConfig, CapacityPoint, RecallConfig, capacity_sweep, corrupt,
};
use hopfield_memory::rules::{LearningRule, LpMode, Projection, by_name};
use serde::{Deserialize, Serialize};

use super::{Context, fmt};
use crate::defs::MemoryDef;
use crate::plot::{Series, chart};

/// Everything the memory tables measured (deterministic for a seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryResults {
    /// Hamming distances (己已, 己巳, 已巳) of the font rendering.
    pub font_distances: [usize; 3],
    /// Hamming distances of the idealized set.
    pub idealized_distances: [usize; 3],
    /// L1 on the paper's idealized 己 已 巳.
    pub l1_idealized: L1Report,
    /// L1 on the font rendering.
    pub l1_font: L1Report,
    /// Smallest pairwise Hamming distance among A–H.
    pub letters_min_distance: usize,
    /// L2 on A–H.
    pub l2: Vec<L2Row>,
    /// The capacity curve.
    pub capacity: Vec<CapacityPoint>,
    /// Panel: patterns recalled exactly, out of the number stored.
    pub panel_recalled: (usize, usize),
    /// The LP mode used for L1 and L2.
    pub lp_mode: String,
    /// The design comparison (empty if not run).
    #[serde(default)]
    pub designs: Vec<DesignRow>,
    /// `N` of the design comparison.
    #[serde(default)]
    pub designs_n: usize,
}

/// The design comparison's definition (`[designs]` in `benchmarks/memory.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignsDef {
    /// Neurons.
    pub n: usize,
    /// Pattern counts.
    pub ms: Vec<usize>,
    /// Neurons with `--quick`.
    pub quick_n: usize,
    /// Pattern counts with `--quick`.
    pub quick_ms: Vec<usize>,
    /// Recall probes per pattern.
    pub probes: usize,
    /// Fraction of components flipped per probe.
    pub noise: f64,
}

fn distances(d: &KanjiDistances) -> [usize; 3] {
    [d.ji_yi, d.ji_si, d.yi_si]
}

/// Runs the memory tables into `ctx.out`.
pub fn run(def: &MemoryDef, ctx: &Context) -> anyhow::Result<()> {
    let bar = ctx.bar("memory", 5);
    let seed = ctx.seed(def.seed);
    let grid = RenderOptions::square(def.grid);
    let mut config = ExperimentConfig {
        seed,
        ..ExperimentConfig::default()
    };
    config.lp.mode = match if ctx.quick {
        def.quick_lp_mode.as_str()
    } else {
        def.lp_mode.as_str()
    } {
        "full" => LpMode::Full,
        "row_decoupled" => LpMode::RowDecoupled,
        other => bail!("lp_mode must be full or row_decoupled, not {other:?}"),
    };
    let ideal = kanji_idealized_set(&grid)?;
    let font = kanji_font_set(&grid)?;
    let l1_idealized = l1(&ideal.patterns, &config)?;
    let l1_font = l1(&font.patterns, &config)?;
    bar.inc(1);
    let abc = letters(Font::Font8x8, &grid)?;
    let l2_rows = l2(&abc.patterns, &config)?;
    bar.inc(1);

    let n = if ctx.quick {
        def.quick_capacity_n
    } else {
        def.capacity_n
    };
    let m_max = ((def.capacity_alpha_max * n as f64).round() as usize).max(1);
    let step = (m_max / 15).max(1);
    let rules = def
        .capacity_rules
        .iter()
        .map(|r| by_name(r).context("in the memory definition"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let rule_refs: Vec<&dyn LearningRule> = rules.iter().map(AsRef::as_ref).collect();
    let capacity = capacity_sweep(
        &rule_refs,
        &CapacityConfig {
            n,
            ms: (1..=m_max).step_by(step).collect(),
            trials: def.capacity_trials,
            probes: def.capacity_probes,
            noise_fraction: 0.1,
            recall: RecallConfig::default(),
            seed,
        },
    )?;
    bar.inc(1);

    // The classic demonstration (Hopfield 1982): store the letters, corrupt each, recall, draw the panel.
    let panel_set = letters(Font::Font8x8, &RenderOptions::square(def.panel_grid))?;
    let patterns = &panel_set.patterns;
    let net = Projection::default().learn(patterns)?;
    let flips = (def.panel_noise * patterns.n() as f64).round() as usize;
    let mut rows = Vec::new();
    let mut recalled_count = 0;
    for u in 0..patterns.m() {
        let mut rng = rng_from_seed(derive_seed(seed, &[u as u64]));
        let stored = patterns.get(u).clone();
        let noisy = corrupt(&stored, flips, &mut rng)?;
        let run = RunConfig {
            schedule: Schedule::RandomSweep,
            max_steps: 100 * patterns.n() as u64,
        };
        let (recalled, _) = relax(
            &net,
            noisy.clone(),
            TieRule::High,
            &run,
            &mut rng,
            &mut NoObserver,
        )?;
        recalled_count += usize::from(recalled == stored);
        rows.push([stored, noisy, recalled]);
    }
    let refs: Vec<[&_; 3]> = rows.iter().map(|[a, b, c]| [a, b, c]).collect();
    std::fs::create_dir_all(ctx.out.join("figures"))?;
    save_recall_panel(
        ctx.out.join("figures/recall-panel.png"),
        panel_set.width as u32,
        panel_set.height as u32,
        &refs,
        &PanelLayout::default(),
    )?;
    bar.inc(1);
    let (designs_n, design_rows) = match &def.designs {
        Some(d) => {
            let (n, ms) = if ctx.quick {
                (d.quick_n, d.quick_ms.clone())
            } else {
                (d.n, d.ms.clone())
            };
            let rows = designs(&DesignsConfig {
                n,
                ms,
                noise_fraction: d.noise,
                probes: d.probes,
                seed,
                ..DesignsConfig::default()
            })?;
            (n, rows)
        }
        None => (0, Vec::new()),
    };
    bar.inc(1);
    bar.finish();

    let results = MemoryResults {
        font_distances: distances(&KanjiDistances::of(&font)?),
        idealized_distances: distances(&KanjiDistances::of(&ideal)?),
        l1_idealized,
        l1_font,
        letters_min_distance: abc.hamming().min_pair().map_or(0, |p| p.0),
        l2: l2_rows,
        capacity,
        panel_recalled: (recalled_count, patterns.m()),
        lp_mode: if config.lp.mode == LpMode::Full {
            "full"
        } else {
            "row_decoupled"
        }
        .into(),
        designs: design_rows,
        designs_n,
    };
    std::fs::write(
        ctx.out.join("memory.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    Ok(())
}

fn l1_table(md: &mut String, report: &L1Report) {
    let _ = writeln!(
        md,
        "| rule | stores all three | stored (己, 已, 巳) | Fmax | Fmin | Fave | FC violations | note |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for r in &report.rules {
        let stored: Vec<&str> = r
            .stored
            .iter()
            .map(|&s| if s { "yes" } else { "no" })
            .collect();
        let (fmax, fmin, fave) = r.radii.as_ref().map_or((None, None, None), |s| {
            (Some(s.f_max), Some(s.f_min), Some(s.f_ave))
        });
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.rule,
            if r.all_stored { "**yes**" } else { "no" },
            stored.join(", "),
            fmt(fmax, 3),
            fmt(fmin, 3),
            fmt(fave, 3),
            r.fc_violations,
            r.error.as_deref().unwrap_or("")
        );
    }
    let ends: Vec<String> = report
        .hebbian_recall
        .iter()
        .map(|e| {
            format!(
                "{} → {:?} ({:?})",
                ["己", "已", "巳"].get(e.pattern).unwrap_or(&"?"),
                e.final_state,
                e.termination
            )
        })
        .collect();
    let _ = writeln!(
        md,
        "\nHebbian recall started from each stored pattern: {}.\n",
        ends.join("; ")
    );
}

/// Appends the memory sections and draws the capacity figure.
pub fn report(def: &MemoryDef, record: &Path, md: &mut String) -> anyhow::Result<()> {
    let r: MemoryResults = serde_json::from_str(
        &std::fs::read_to_string(record.join("memory.json"))
            .context("the memory tables were not run (no memory.json)")?,
    )?;
    let _ = writeln!(md, "## {}\n", def.title);
    let _ = writeln!(md, "The paper: {}\n", def.paper_summary);
    let _ = writeln!(
        md,
        "### L1: 己 已 巳 on a {g}×{g} grid (N = {n})\n\nThe paper's argument needs \
         H(己,已) = H(己,巳) = 1. Unifont's glyphs give (H(己,已), H(己,巳), H(已,巳)) = {:?}; the \
         idealized set derived from them (hopfield-memory `kanji_idealized_set`) gives {:?}.\n\n\
         **Idealized set (the paper's setting):**\n",
        r.font_distances,
        r.idealized_distances,
        g = def.grid,
        n = def.grid * def.grid
    );
    l1_table(md, &r.l1_idealized);
    let _ = writeln!(md, "**Font rendering:**\n");
    l1_table(md, &r.l1_font);
    let _ = writeln!(
        md,
        "### L2: A, AB, …, ABCDEFGH (font8x8, {g}×{g}; closest pair at Hamming distance {})\n\n\
         Fmax / Fmin / Fave of the attraction-radius bound F^u (Theorem 2) per number of stored \
         letters. LP mode: {lp}. The LP optimum is the ceiling on Fmin (the max-min design); \
         {lp_note} The paper's table values were lost in extraction.\n",
        r.letters_min_distance,
        g = def.grid,
        lp = r.lp_mode,
        lp_note = if r.lp_mode == "full" {
            "the exact solver's network attains it up to the certified gap (bound − objective, \
             both recomputed from the network and from dual multipliers)."
        } else {
            "with the row-decoupled LP the objective is only an upper bound, and the averaged \
             symmetric network need not store the patterns."
        }
    );
    let _ = writeln!(
        md,
        "| M | perceptron Fmax / Fmin / Fave | fast Fmax / Fmin / Fave | LP Fmax / Fmin / Fave | LP objective | LP bound | gap |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    let trio = |s: &hopfield_memory::experiments::RadiusStats| {
        format!(
            "{} / {} / {}",
            fmt(Some(s.f_max), 2),
            fmt(Some(s.f_min), 2),
            fmt(Some(s.f_ave), 2)
        )
    };
    for row in &r.l2 {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.m,
            trio(&row.perceptron),
            trio(&row.fast),
            trio(&row.lp),
            fmt(Some(row.lp_objective), 3),
            fmt(row.lp_bound, 3),
            row.lp_gap.map_or("–".into(), |g| format!("{g:.1e}"))
        );
    }
    if !r.designs.is_empty() {
        designs_table(md, &r.designs, r.designs_n);
    }
    let _ = writeln!(
        md,
        "\n### Recall panel (Hopfield 1982): letters A–H, projection rule, {:.0} % of pixels flipped\n\n\
         {} of {} recalled exactly.\n\n![stored | noisy | recalled](figures/recall-panel.png)\n",
        def.panel_noise * 100.0,
        r.panel_recalled.0,
        r.panel_recalled.1
    );
    let mut rules: Vec<&str> = r.capacity.iter().map(|p| p.rule.as_str()).collect();
    rules.dedup();
    let series = |pick: fn(&CapacityPoint) -> f64| -> Vec<Series> {
        rules
            .iter()
            .map(|rule| Series {
                label: (*rule).to_string(),
                points: r
                    .capacity
                    .iter()
                    .filter(|p| p.rule == *rule)
                    .map(|p| (p.alpha, pick(p)))
                    .collect(),
            })
            .collect()
    };
    let n = r
        .capacity
        .first()
        .map_or(0, |p| (p.m as f64 / p.alpha).round() as usize);
    chart(
        &record.join("figures/capacity.svg"),
        &format!("Recall from 10 % noise vs load M/N (N = {n})"),
        "M / N",
        "fraction recalled exactly",
        &series(|p| p.fraction_recalled),
        &[],
        false,
    )?;
    chart(
        &record.join("figures/capacity-fixed.svg"),
        &format!("Stored patterns that are fixed points vs M/N (N = {n})"),
        "M / N",
        "fraction of fixed points",
        &series(|p| p.fraction_fixed),
        &[],
        false,
    )?;
    let _ = writeln!(
        md,
        "### Capacity (N = {n}, random unbiased patterns, {} sets × {} probes per point)\n\n\
         ![capacity](figures/capacity.svg)\n\n![fixed points](figures/capacity-fixed.svg)\n",
        def.capacity_trials, def.capacity_probes
    );
    Ok(())
}

fn designs_table(md: &mut String, rows: &[DesignRow], n: usize) {
    let _ = writeln!(
        md,
        "### Four designs on random patterns (N = {n})\n\n\
         Liang, Wu & Yu's fast rule and constrained perceptron, the exact max-min LP (certified \
         gap) and Krauth & Mézard's minover (symmetric, zero diagonal), each on the same random \
         unbiased patterns. Fmin / Fave: the attraction-radius bound of Theorem 2 with the true \
         row maximum; recall: fraction of probes with 10 % of the components flipped that end \
         exactly in their pattern (asynchronous, ties high).\n"
    );
    let _ = writeln!(
        md,
        "| M | design | Fmin | Fave | all stored | recalled | LP gap | iterations | note |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.m,
            r.design,
            fmt(r.radii.map(|s| s.f_min), 2),
            fmt(r.radii.map(|s| s.f_ave), 2),
            if r.all_stored { "yes" } else { "no" },
            fmt(r.recalled, 2),
            r.lp_gap.map_or("–".into(), |g| format!("{g:.1e}")),
            r.iterations.map_or("–".into(), |i| i.to_string()),
            r.error.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(md);
}
