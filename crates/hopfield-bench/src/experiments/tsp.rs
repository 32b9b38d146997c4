//! Table 1 of Matsumoto et al. (2004): TSP (burma14, ulysses22), conventional network vs
//! tunnel method, and TSPLIB instances beyond the paper.
//!
//! An instance is read from its `path`, or `NAME.tsp` in the datasets folder, or, for the
//! paper's burma14 and ulysses22, from the copy embedded in hopfield-opt. A missing file skips
//! that instance's rows (the report and the run say how to fetch it); everything else runs.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use hopfield_core::nalgebra::DMatrix;
use hopfield_opt::exact::{HELD_KARP_MAX_CITIES, held_karp};
use hopfield_opt::search::SearchConfig;
use hopfield_opt::tsp::Tsp;
use hopfield_opt::tsplib::{Convention, Instance, Tour, embedded_text};
use serde::{Deserialize, Serialize};

use super::{Context, SuccessVsTime, fmt, mean, ms_per_trial, read_times, trial};
use crate::defs::{Distances, TspDef, TspInstance, square};
use crate::plot::{Axis, Chart, Series, draw};
use crate::record::{Table, read_table};
use crate::runner::run_cells;

/// One TSP trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The final state decodes to a tour.
    pub valid: bool,
    /// Its length (raw Euclidean), when valid.
    pub length: Option<f64>,
    /// Final energy.
    pub energy: f64,
    /// Tunnel transitions.
    pub tunnels: u64,
    /// Energy evaluations of candidates.
    pub evaluations: u64,
}

/// The exact reference of one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Instance name.
    pub instance: String,
    /// The optimum under the instance's convention.
    pub optimum: Option<f64>,
    /// Where the optimum comes from (Held–Karp, or TSPLIB's optimal tour).
    #[serde(default)]
    pub source: String,
    /// Why the instance was skipped, if it was.
    pub skipped: Option<String>,
}

fn cell(instance: &str, method: &str, t_max: u64) -> String {
    format!("{instance}/{method}/t{t_max}")
}

fn trials_of(def: &TspDef, inst: &TspInstance, ctx_trials: Option<usize>, quick: bool) -> usize {
    let own = if quick {
        inst.quick_trials
    } else {
        inst.trials
    };
    ctx_trials.or(own).unwrap_or(if quick {
        def.budget.quick_trials
    } else {
        def.budget.trials
    })
}

fn convention(inst: &TspInstance) -> Convention {
    match inst.distances {
        Distances::RawEuclidean => Convention::RawEuclidean,
        Distances::Official => Convention::Official,
    }
}

/// The fix printed when `file` of `inst` is missing from the datasets folder.
fn fetch_hint(inst: &TspInstance, file: &Path) -> String {
    match &inst.path {
        Some(_) => format!("{} does not exist", file.display()),
        None => format!(
            "{} is missing: run `cargo xtask fetch-tsplib {name}` (offline: `cargo xtask \
             fetch-tsplib --from DIR {name}`, with DIR a folder holding the TSPLIB files, \
             plain or .gz), then the same command again: finished rows are kept",
            file.display(),
            name = inst.name
        ),
    }
}

/// Where an instance comes from.
enum Source {
    /// A file.
    File(std::path::PathBuf),
    /// The copy embedded in hopfield-opt.
    Embedded(&'static str),
    /// Nowhere: the rows are skipped for this reason.
    Missing(String),
}

fn source(inst: &TspInstance, ctx: &Context) -> Source {
    if let Some(path) = &inst.path {
        return if path.exists() {
            Source::File(path.clone())
        } else {
            Source::Missing(fetch_hint(inst, path))
        };
    }
    let path = ctx.datasets.join(format!("{}.tsp", inst.name));
    if path.exists() {
        Source::File(path)
    } else if let Some(text) = embedded_text(&inst.name) {
        Source::Embedded(text)
    } else {
        Source::Missing(fetch_hint(inst, &path))
    }
}

/// An instance ready to run: its distances, the exact optimum and where the optimum comes from.
struct Loaded {
    distances: DMatrix<f64>,
    optimum: f64,
    source: String,
}

/// The instance, or why its rows are skipped (a missing file; errors are for broken files).
fn load(def: &TspDef, inst: &TspInstance, ctx: &Context) -> anyhow::Result<Result<Loaded, String>> {
    let (instance, path) = match source(inst, ctx) {
        Source::Missing(reason) => return Ok(Err(reason)),
        Source::Embedded(text) => (
            Instance::parse(text, &format!("{}.tsp (embedded)", inst.name))?,
            None,
        ),
        Source::File(path) => (Instance::from_path(&path)?, Some(path)),
    };
    def.limits.neurons(
        &format!(
            "instance {}: {} cities (n² neurons)",
            inst.name, instance.dimension
        ),
        square("n", instance.dimension)?,
    )?;
    let d = instance.distance_matrix(convention(inst))?;
    if d.nrows() <= HELD_KARP_MAX_CITIES {
        let optimum = held_karp(&d)?.0;
        return Ok(Ok(Loaded {
            distances: d,
            optimum,
            source: "Held–Karp".to_string(),
        }));
    }
    let Some(path) = path else {
        bail!("{}: no optimal tour for an embedded instance", inst.name);
    };
    let tour_path = path.with_file_name(format!("{}.opt.tour", inst.name));
    if !tour_path.exists() {
        return Ok(Err(format!(
            "{} has {} cities, more than Held–Karp solves ({HELD_KARP_MAX_CITIES}), and its \
             optimal tour {}",
            inst.name,
            d.nrows(),
            fetch_hint(inst, &tour_path)
        )));
    }
    let tour = Tour::from_path(&tour_path)
        .with_context(|| format!("{} needs its optimal tour", inst.name))?;
    let optimum = tour.length(&d)?;
    Ok(Ok(Loaded {
        distances: d,
        optimum,
        source: "TSPLIB optimal tour".to_string(),
    }))
}

/// Runs table 1 into `ctx.out`.
pub fn run(def: &TspDef, ctx: &Context) -> anyhow::Result<()> {
    let mut table = Table::<Row>::open(&ctx.out, "tsp", ctx.shard)?;
    let mut references = Vec::new();
    let total: usize = def
        .instance
        .iter()
        .map(|i| {
            def.method.iter().filter(|m| i.runs(&m.name)).count()
                * ctx.shard_trials(trials_of(def, i, ctx.trials, ctx.quick))
        })
        .sum();
    let bar = ctx.bar("tsp", total as u64);
    for inst in &def.instance {
        let trials = trials_of(def, inst, ctx.trials, ctx.quick);
        let methods: Vec<_> = def.method.iter().filter(|m| inst.runs(&m.name)).collect();
        let Loaded {
            distances: d,
            optimum,
            source,
        } = match load(def, inst, ctx)? {
            Ok(loaded) => loaded,
            Err(reason) => {
                bar.inc((methods.len() * ctx.shard_trials(trials)) as u64);
                ctx.note(&format!(
                    "warning: the TSP rows of {} are skipped: {reason}",
                    inst.name
                ));
                references.push(Reference {
                    instance: inst.name.clone(),
                    optimum: None,
                    source: String::new(),
                    skipped: Some(reason),
                });
                continue;
            }
        };
        references.push(Reference {
            instance: inst.name.clone(),
            optimum: Some(optimum),
            source,
            skipped: None,
        });
        let tsp = Tsp::new(d)?;
        let t_max = if ctx.quick {
            inst.quick_t_max
        } else {
            inst.t_max
        };
        let config = SearchConfig {
            t_max,
            p_init: inst.p_init,
        };
        let cells: Vec<(String, _)> = methods
            .iter()
            .map(|m| (cell(&inst.name, &m.name, t_max), m.operator(2)))
            .collect();
        run_cells(
            &mut table,
            &cells,
            trials,
            ctx.seed(def.seed),
            &bar,
            |op, seed| {
                let r = trial(&tsp, op, &config, seed)?;
                Ok(Row {
                    valid: r.solution.is_some(),
                    length: r.objective,
                    energy: r.energy,
                    tunnels: r.tunnel_count,
                    evaluations: r.energy_evaluations,
                })
            },
        )?;
    }
    bar.finish();
    std::fs::write(
        ctx.out.join("tsp.references.json"),
        serde_json::to_string_pretty(&references)?,
    )?;
    Ok(())
}

/// Appends the report section of table 1 and draws its figures into `record/figures`.
pub fn report(def: &TspDef, record: &Path, quick: bool, md: &mut String) -> anyhow::Result<()> {
    let references: Vec<Reference> = serde_json::from_str(
        &std::fs::read_to_string(record.join("tsp.references.json"))
            .context("table 1 was not run (no tsp.references.json)")?,
    )?;
    let lines = read_table::<Row>(&record.join("tsp.jsonl"))?;
    let times = read_times(record, "tsp")?;
    let mut success = SuccessVsTime::default();
    let _ = writeln!(md, "## {}\n", def.title);
    let _ = writeln!(
        md,
        "Tour lengths under the paper's convention (raw coordinates, unrounded Euclidean \
         distance). *Optimal* = within 1e-6 of the Held–Karp optimum; *near* (the paper's \
         近似解, which it does not define) = `L ≤ {} · L*`, optimal tours included; ≤1 %/≤5 % \
         likewise. Max/Min/Ave over valid tours. Time = mean wall time per trial (threads run \
         trials in parallel).\n",
        def.near_ratio
    );
    for inst in &def.instance {
        let reference = references.iter().find(|r| r.instance == inst.name);
        if let Some(reason) = reference.and_then(|r| r.skipped.as_ref()) {
            let _ = writeln!(md, "### {}\n\n**Skipped:** {reason}\n", inst.name);
            continue;
        }
        let optimum = reference.and_then(|r| r.optimum).unwrap_or(f64::NAN);
        let source = reference.map_or("", |r| r.source.as_str());
        let t_max = if quick { inst.quick_t_max } else { inst.t_max };
        let _ = writeln!(
            md,
            "### {} ({} distances, t_max = {t_max}; optimum: {source} {optimum:.4}{})\n",
            inst.name,
            match inst.distances {
                Distances::RawEuclidean => "raw Euclidean",
                Distances::Official => "official TSPLIB",
            },
            inst.paper_optimum
                .map_or(String::new(), |p| format!(", paper {p}"))
        );
        let _ = writeln!(
            md,
            "| method | trials | Max | Min | Ave | valid | near (≤{:.0} %) | ≤1 % | ≤5 % | optimal | mean tunnel count | ms/trial |",
            (def.near_ratio - 1.0) * 100.0
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|---|");
        let mut series = Vec::new();
        for m in def.method.iter().filter(|m| inst.runs(&m.name)) {
            let name = cell(&inst.name, &m.name, t_max);
            let rows: Vec<&Row> = lines
                .iter()
                .filter(|l| l.cell == name)
                .map(|l| &l.row)
                .collect();
            let ms_per_trial = ms_per_trial(&times, &name);
            let lengths: Vec<f64> = rows.iter().filter_map(|r| r.length).collect();
            let within = |ratio: f64| {
                lengths
                    .iter()
                    .filter(|&&l| l <= ratio * optimum + 1e-6)
                    .count()
            };
            let optimal = lengths.iter().filter(|&&l| l <= optimum + 1e-6).count();
            let is_tunnel = m.paper == "tunnel";
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                m.label,
                rows.len(),
                fmt(lengths.iter().copied().reduce(f64::max), 2),
                fmt(lengths.iter().copied().reduce(f64::min), 2),
                fmt(Some(mean(lengths.iter().copied())), 2),
                lengths.len(),
                within(def.near_ratio),
                within(1.01),
                within(1.05),
                optimal,
                if is_tunnel {
                    fmt(Some(mean(rows.iter().map(|r| r.tunnels as f64))), 1)
                } else {
                    "—".into()
                },
                fmt(Some(ms_per_trial), 2),
            );
            success.add(&m.label, &inst.name, ms_per_trial, optimal, rows.len());
            series.push(Series {
                label: m.label.clone(),
                points: lines
                    .iter()
                    .filter(|l| l.cell == name)
                    .filter_map(|l| l.row.length.map(|len| (l.trial as f64, len)))
                    .collect(),
            });
        }
        for (column, p) in &inst.paper {
            let _ = writeln!(
                md,
                "| *paper: {column}* | 500 | {} | {} | {} | {} | {} | — | — | {} | {} | — |",
                p.max,
                p.min,
                p.ave,
                p.valid,
                p.near,
                p.optimal,
                fmt(p.tunnel_count, 1)
            );
        }
        md.push('\n');
        let figure = format!("figures/tsp-{}.svg", inst.name);
        if series.iter().any(|s| !s.points.is_empty()) {
            draw(
                &record.join(&figure),
                &Chart {
                    title: &format!("{}: tour length per trial (paper Figs. 7–8)", inst.name),
                    x: Axis::integer("trial"),
                    y: Axis::linear("tour length"),
                    series: &series,
                    references: &[(format!("optimum {optimum:.4}"), optimum)],
                    scatter: true,
                    point_labels: &[],
                },
            )?;
            let _ = writeln!(md, "\n![{} tour lengths per trial]({figure})\n", inst.name);
        }
    }
    success.draw(
        record,
        "tsp-success-vs-time.svg",
        "TSP: optimal tours vs time per trial (one point per instance)",
        "trials ending at the optimum (%)",
        md,
    )?;
    Ok(())
}
