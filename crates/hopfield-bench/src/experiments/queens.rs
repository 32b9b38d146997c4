//! The N-Queens experiment of Matsumoto et al. (2004): solved trials per n and tunnel
//! transitions vs t_max (the paper's Figs. 10–11), and larger boards beyond the paper.

use std::fmt::Write as _;
use std::path::Path;

use hopfield_opt::queens::Queens;
use hopfield_opt::search::SearchConfig;
use serde::{Deserialize, Serialize};

use super::{Context, fmt, mean, trial};
use crate::defs::{Method, QueensDef, queens_t_max};
use crate::plot::{Axis, Chart, Series, draw};
use crate::record::{Table, read_table};
use crate::runner::run_cells;

/// One N-Queens trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The final state is a solution (a permutation with no diagonal conflict).
    pub solved: bool,
    /// Tunnel transitions.
    pub tunnels: u64,
    /// Steps taken.
    pub steps: u64,
}

fn n_max(def: &QueensDef, quick: bool) -> usize {
    if quick { def.quick_n_max } else { def.n_max }
}

fn cell(n: usize, method: &str, t_max: u64) -> String {
    format!("n{n}/{method}/t{t_max}")
}

/// Runs `trials` trials of `methods` on every board of `ns`, with `t_max = t_max_per_n2 · n²`.
fn run_boards(
    def: &QueensDef,
    ctx: &Context,
    table: &mut Table<Row>,
    ns: &[usize],
    methods: &[&Method],
    trials: usize,
    bar_name: &str,
) -> anyhow::Result<()> {
    let bar = ctx.bar(
        bar_name,
        (ns.len() * methods.len() * ctx.shard_trials(trials)) as u64,
    );
    for &n in ns {
        let t_max = queens_t_max(def, n)?;
        let queens = Queens::new(n)?;
        let config = SearchConfig {
            t_max,
            p_init: def.p_init,
        };
        let cells: Vec<(String, _)> = methods
            .iter()
            .map(|m| (cell(n, &m.name, t_max), m.operator(2)))
            .collect();
        run_cells(
            table,
            &cells,
            trials,
            ctx.seed(def.seed),
            &bar,
            |op, seed| {
                let r = trial(&queens, op, &config, seed)?;
                Ok(Row {
                    solved: r.feasible && r.objective == Some(0.0),
                    tunnels: r.tunnel_count,
                    steps: r.steps,
                })
            },
        )?;
    }
    bar.finish();
    Ok(())
}

/// Runs the N-Queens table into `ctx.out`: the paper's range with every method, then (except
/// with `--quick`) the large boards with `large_methods`.
pub fn run(def: &QueensDef, ctx: &Context) -> anyhow::Result<()> {
    let mut table = Table::<Row>::open(&ctx.out, "queens", ctx.shard)?;
    let ns: Vec<usize> = (def.n_min..=n_max(def, ctx.quick)).collect();
    let all: Vec<&Method> = def.method.iter().collect();
    run_boards(
        def,
        ctx,
        &mut table,
        &ns,
        &all,
        ctx.trials(def.budget),
        "queens",
    )?;
    if !ctx.quick && !def.large_n.is_empty() {
        let large: Vec<&Method> = def
            .method
            .iter()
            .filter(|m| def.large_methods.contains(&m.name))
            .collect();
        run_boards(
            def,
            ctx,
            &mut table,
            &def.large_n,
            &large,
            def.large_trials,
            "queens-large",
        )?;
    }
    Ok(())
}

/// Appends the report section and draws Figs. 10–11.
pub fn report(def: &QueensDef, record: &Path, quick: bool, md: &mut String) -> anyhow::Result<()> {
    let lines = read_table::<Row>(&record.join("queens.jsonl"))?;
    let times = super::read_times(record, "queens")?;
    let ns: Vec<usize> = (def.n_min..=n_max(def, quick)).collect();
    let _ = writeln!(md, "## {}\n", def.title);
    let _ = writeln!(
        md,
        "Trials that end in a solution within `t_max = {}·n²` steps. The paper: {}\n",
        def.t_max_per_n2, def.paper_summary
    );
    let mut head = String::from("| n | t_max |");
    let mut rule = String::from("|---|---|");
    for m in &def.method {
        let _ = write!(head, " {} solved | {} mean tunnels |", m.label, m.label);
        rule.push_str("---|---|");
    }
    let _ = writeln!(md, "{head}\n{rule}");
    let mut solved_series: Vec<Series> = def
        .method
        .iter()
        .map(|m| Series {
            label: m.label.clone(),
            points: Vec::new(),
        })
        .collect();
    let mut tunnel_series: Vec<Series> = Vec::new();
    for &n in &ns {
        let t_max = queens_t_max(def, n)?;
        let mut row = format!("| {n} | {t_max} |");
        for (k, m) in def.method.iter().enumerate() {
            let name = cell(n, &m.name, t_max);
            let rows: Vec<&Row> = lines
                .iter()
                .filter(|l| l.cell == name)
                .map(|l| &l.row)
                .collect();
            let solved = rows.iter().filter(|r| r.solved).count();
            let tunnels = mean(rows.iter().map(|r| r.tunnels as f64));
            let _ = write!(
                row,
                " {solved}/{} | {} |",
                rows.len(),
                if m.paper == "tunnel" {
                    fmt(Some(tunnels), 1)
                } else {
                    "—".into()
                }
            );
            solved_series[k].points.push((n as f64, solved as f64));
            if m.paper == "tunnel" {
                if tunnel_series.len() <= k {
                    tunnel_series.resize(
                        k + 1,
                        Series {
                            label: String::new(),
                            points: Vec::new(),
                        },
                    );
                }
                tunnel_series[k].label.clone_from(&m.label);
                tunnel_series[k].points.push((t_max as f64, tunnels));
            }
        }
        let _ = writeln!(md, "{row}");
    }
    draw(
        &record.join("figures/queens-solved.svg"),
        &Chart {
            title: "N-Queens: solved trials vs n (paper Fig. 10)",
            x: Axis::integer("n"),
            y: Axis::integer("trials solved"),
            series: &solved_series,
            references: &[],
            scatter: false,
            point_labels: &[],
        },
    )?;
    let _ = writeln!(md, "\n![solved vs n](figures/queens-solved.svg)\n");
    tunnel_series.retain(|s| !s.points.is_empty());
    if !tunnel_series.is_empty() {
        draw(
            &record.join("figures/queens-tunnels.svg"),
            &Chart {
                title: "N-Queens: mean tunnel transitions vs t_max (paper Fig. 11)",
                x: Axis::integer(&format!("t_max = {} n²", def.t_max_per_n2)),
                y: Axis::linear("mean tunnel transitions"),
                series: &tunnel_series,
                references: &[],
                scatter: false,
                point_labels: &[],
            },
        )?;
        let _ = writeln!(
            md,
            "![tunnel transitions vs t_max](figures/queens-tunnels.svg)\n"
        );
    }
    if !quick && !def.large_n.is_empty() {
        let _ = writeln!(
            md,
            "### Large boards (beyond the paper)\n\n| n | t_max | method | solved | mean steps | mean seconds per trial |\n|---|---|---|---|---|---|"
        );
        for &n in &def.large_n {
            let t_max = queens_t_max(def, n)?;
            for m in def
                .method
                .iter()
                .filter(|m| def.large_methods.contains(&m.name))
            {
                let name = cell(n, &m.name, t_max);
                let rows: Vec<&Row> = lines
                    .iter()
                    .filter(|l| l.cell == name)
                    .map(|l| &l.row)
                    .collect();
                let _ = writeln!(
                    md,
                    "| {n} | {t_max} | {} | {}/{} | {} | {} |",
                    m.label,
                    rows.iter().filter(|r| r.solved).count(),
                    rows.len(),
                    fmt(Some(mean(rows.iter().map(|r| r.steps as f64))), 0),
                    fmt(
                        Some(mean(
                            times.iter().filter(|t| t.cell == name).map(|t| t.seconds)
                        )),
                        3
                    ),
                );
            }
        }
        md.push('\n');
    }
    Ok(())
}
