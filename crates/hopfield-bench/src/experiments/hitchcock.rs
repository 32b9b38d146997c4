//! The Hitchcock transportation experiments 1 and 2 of Matsumoto et al. (2004) against the
//! LP optimum, and any transportation instance from a file.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use hopfield_opt::exact::transport_optimum;
use hopfield_opt::search::SearchConfig;
use hopfield_opt::transport::{Transport, TransportInstance};
use serde::{Deserialize, Serialize};

use super::{Context, SuccessVsTime, fmt, mean, ms_per_trial, read_times, trial};
use crate::defs::HitchcockDef;
use crate::plot::{Axis, Chart, Series, draw};
use crate::record::{Table, read_table};
use crate::runner::run_cells;

/// One Hitchcock trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The plan meets every supply and demand.
    pub feasible: bool,
    /// Total cost of the decoded plan at t_max.
    pub cost: Option<f64>,
    /// Tunnel transitions.
    pub tunnels: u64,
}

fn instance(exp: &crate::defs::HitchcockExperiment) -> anyhow::Result<TransportInstance> {
    Ok(match (&exp.file, exp.id) {
        (Some(file), _) => hopfield_opt::transport::file::read(file)?.instance,
        (None, 1) => TransportInstance::experiment1(),
        (None, 2) => TransportInstance::experiment2(),
        (None, other) => bail!(
            "Hitchcock experiment {other} has no file and is not built in (the paper has 1 and 2)"
        ),
    })
}

fn cell(id: u32, method: &str, t_max: u64) -> String {
    format!("exp{id}/{method}/t{t_max}")
}

/// Runs the Hitchcock table into `ctx.out`.
pub fn run(def: &HitchcockDef, ctx: &Context) -> anyhow::Result<()> {
    let trials = ctx.trials(def.budget);
    let mut table = Table::<Row>::open(&ctx.out, "hitchcock", ctx.shard)?;
    let bar = ctx.bar(
        "hitchcock",
        (def.experiment.len() * def.method.len() * ctx.shard_trials(trials)) as u64,
    );
    let mut optima = Vec::new();
    for exp in &def.experiment {
        let inst = instance(exp)?;
        let (p, q) = (inst.supply().len() as u64, inst.demand().len() as u64);
        let depth = inst.demand().iter().copied().max().unwrap_or(0);
        let neurons = p
            .checked_mul(q)
            .and_then(|v| v.checked_mul(u64::from(depth)))
            .ok_or_else(|| anyhow::anyhow!("experiment {}: p·q·K overflows 64 bits", exp.id))?;
        def.limits.neurons(
            &format!(
                "experiment {}: {p} × {q} × {depth} (warehouses × factories × largest demand) \
                 neurons",
                exp.id
            ),
            neurons,
        )?;
        let lp = transport_optimum(inst.supply(), inst.demand(), inst.cost())?;
        optima.push((exp.id, lp.cost));
        let problem = Transport::new(inst)?;
        let t_max = if ctx.quick {
            exp.quick_t_max
        } else {
            exp.t_max
        };
        let config = SearchConfig {
            t_max,
            p_init: exp.p_init,
        };
        let cells: Vec<(String, _)> = def
            .method
            .iter()
            .map(|m| (cell(exp.id, &m.name, t_max), m.operator(3)))
            .collect();
        run_cells(
            &mut table,
            &cells,
            trials,
            ctx.seed(def.seed),
            &bar,
            |op, seed| {
                let r = trial(&problem, op, &config, seed)?;
                Ok(Row {
                    feasible: r.feasible,
                    cost: r.objective,
                    tunnels: r.tunnel_count,
                })
            },
        )?;
    }
    bar.finish();
    std::fs::write(
        ctx.out.join("hitchcock.optima.json"),
        serde_json::to_string_pretty(&optima)?,
    )?;
    Ok(())
}

/// Appends the report section and draws Figs. 12–13.
pub fn report(
    def: &HitchcockDef,
    record: &Path,
    quick: bool,
    md: &mut String,
) -> anyhow::Result<()> {
    let optima: Vec<(u32, f64)> = serde_json::from_str(
        &std::fs::read_to_string(record.join("hitchcock.optima.json"))
            .context("the Hitchcock table was not run (no hitchcock.optima.json)")?,
    )?;
    let lines = read_table::<Row>(&record.join("hitchcock.jsonl"))?;
    let times = read_times(record, "hitchcock")?;
    let mut success = SuccessVsTime::default();
    let _ = writeln!(md, "## {}\n", def.title);
    let _ = writeln!(
        md,
        "Total cost of the plan decoded from the state at t_max (unary count encoding). The \
         paper does not report feasibility; we give the cost over all trials and over feasible \
         trials only. LP optimum: good_lp (microlp) on the same instance.\n"
    );
    for exp in &def.experiment {
        let optimum = optima
            .iter()
            .find(|o| o.0 == exp.id)
            .map_or(f64::NAN, |o| o.1);
        let t_max = if quick { exp.quick_t_max } else { exp.t_max };
        let _ = writeln!(
            md,
            "### Experiment {} (t_max = {t_max}; LP optimum {optimum})\n",
            exp.id
        );
        let _ = writeln!(
            md,
            "| method | trials | feasible | average | best | average (feasible) | best (feasible) | optimal | mean tunnel count | ms/trial |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
        let mut series = Vec::new();
        for m in &def.method {
            let name = cell(exp.id, &m.name, t_max);
            let rows: Vec<&Row> = lines
                .iter()
                .filter(|l| l.cell == name)
                .map(|l| &l.row)
                .collect();
            let costs: Vec<f64> = rows.iter().filter_map(|r| r.cost).collect();
            let feasible: Vec<f64> = rows
                .iter()
                .filter(|r| r.feasible)
                .filter_map(|r| r.cost)
                .collect();
            let optimal = feasible.iter().filter(|&&c| c <= optimum + 1e-6).count();
            let ms_per_trial = ms_per_trial(&times, &name);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                m.label,
                rows.len(),
                feasible.len(),
                fmt(Some(mean(costs.iter().copied())), 1),
                fmt(costs.iter().copied().reduce(f64::min), 0),
                fmt(Some(mean(feasible.iter().copied())), 1),
                fmt(feasible.iter().copied().reduce(f64::min), 0),
                optimal,
                if m.paper == "tunnel" {
                    fmt(Some(mean(rows.iter().map(|r| r.tunnels as f64))), 1)
                } else {
                    "—".into()
                },
                fmt(Some(ms_per_trial), 1),
            );
            success.add(
                &m.label,
                &format!("exp. {}", exp.id),
                ms_per_trial,
                optimal,
                rows.len(),
            );
            series.push(Series {
                label: m.label.clone(),
                points: lines
                    .iter()
                    .filter(|l| l.cell == name)
                    .filter_map(|l| l.row.cost.map(|c| (l.trial as f64, c)))
                    .collect(),
            });
        }
        for (column, p) in &exp.paper {
            let _ = writeln!(
                md,
                "| *paper: {column}* | 100 | — | {} | {} | — | — | — | {} | — |",
                p.average,
                p.best,
                fmt(p.tunnel_count, 0)
            );
        }
        md.push('\n');
        let figure = format!("figures/hitchcock-{}.svg", exp.id);
        if series.iter().any(|s| !s.points.is_empty()) {
            draw(
                &record.join(&figure),
                &Chart {
                    title: &format!(
                        "Hitchcock experiment {}: cost per trial (paper Figs. 12–13)",
                        exp.id
                    ),
                    x: Axis::integer("trial"),
                    y: Axis::linear("total cost"),
                    series: &series,
                    references: &[(format!("LP optimum {optimum}"), optimum)],
                    scatter: true,
                    point_labels: &[],
                },
            )?;
            let _ = writeln!(md, "\n![experiment {} costs]({figure})\n", exp.id);
        }
    }
    success.draw(
        record,
        "hitchcock-success-vs-time.svg",
        "Hitchcock: trials at the LP optimum vs time per trial (one point per experiment)",
        "trials ending at the LP optimum (%)",
        md,
    )?;
    Ok(())
}
