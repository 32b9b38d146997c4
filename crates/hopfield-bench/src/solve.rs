//! The `solve` command: any supported problem file, any operator by name, stopping rules,
//! one JSON line per trial.
//!
//! ```text
//! cargo run --release -p hopfield-bench -- solve FILE [--format maxcut|qubo|tsplib|transport]
//!     [--queens N] [--method NAME] [--param key=value]... [--trials N] [--seed S]
//!     [--time-limit SECS] [--cpu-time] [--target VALUE] [--steps N] [--stall N]
//!     [--maximize] [--threads N] [--json]
//! cargo run --release -p hopfield-bench -- solve --def PROBLEMS.toml [--json] [--threads N]
//! ```
//!
//! A definition file names problem files the same way ([`crate::defs::SolveDef`]: a list of
//! `[[problem]]` tables with the options above).
//!
//! Formats (guessed from the extension when `--format` is absent): a G-set Max-Cut edge
//! list (`n m` then `i j w`, maximised), a qbsolv `.qubo` file (minimised, `--maximize`
//! to maximise), a TSPLIB `.tsp` file (official metric), a transportation instance in
//! hopfield-opt's TOML format; or `--queens N` for the N-Queens board of side `N`.
//!
//! Methods: `conventional`, `tunnel` (parameters `tau`, `lambda`, `variant =
//! "literal"|"per-dimension"`) and every move or spin operator by name
//! ([`hopfield_opt::operators::OPERATOR_NAMES`], parameters as in experiment files). Without
//! `--method` each problem gets the best method the crate has, with settings that need no
//! tuning: `spin-anneal` (measured temperatures, 1000 sweeps an anneal) for Max-Cut and QUBO, `tour-ils` for TSP, `transport-cycles` (pivots
//! priced by the fields) for transportation, `queens-swaps` on the lean network for N-Queens.
//!
//! Stopping: `--steps` (time steps; unbounded by default), `--time-limit` (wall, or CPU
//! with `--cpu-time`), `--target` (an objective in the problem's own sense: the cut, the
//! tour length, the cost), `--stall` (steps without a new best). With none of them, a
//! method-specific stall limit applies (see [`default_stall`]) and a 60 s wall limit.
//! N-Queens stops when solved and transportation when the pivots prove optimality.
//!
//! Output: with `--json`, one line per trial with `trial`, `seed`, `best_objective`,
//! `feasible`, `energy`, `seconds`, `cpu_seconds`, `time_to_best`, `cpu_time_to_best`, `steps`,
//! `steps_to_best`, `stop_reason`; otherwise a short table and a summary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use hopfield_opt::operators::{
    Conventional, OperatorSpec, Tunnel, TunnelConfig, WithMoves, by_name,
};
use hopfield_opt::problem::Sense;
use hopfield_opt::problem::{LeanProblem, Problem};
use hopfield_opt::qubo::{QuboProblem, file as qubo_file};
use hopfield_opt::queens::Queens;
use hopfield_opt::search::trials::{TrialPlan, TrialResult, run_lean_trial, run_trial_with};
use hopfield_opt::search::{Clock, FlipOperator, SearchConfig, SearchOperator, Stopping};
use hopfield_opt::transport::{Transport, file as transport_file};
use hopfield_opt::tsp::Tsp;
use hopfield_opt::tsplib::{Convention, Instance};
use rayon::prelude::*;
use serde::Serialize;

/// The problem file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// G-set Max-Cut edge list.
    Maxcut,
    /// qbsolv `.qubo`.
    Qubo,
    /// TSPLIB `.tsp`.
    Tsplib,
    /// Transportation TOML.
    Transport,
}

/// The arguments of `solve`.
#[derive(Debug, Clone, Args)]
pub struct SolveArgs {
    /// The problem file (not with --queens).
    pub file: Option<PathBuf>,
    /// The file's format (default: from the extension; `.txt`/other: maxcut).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Solve the N-Queens board of this side instead of a file.
    #[arg(long)]
    pub queens: Option<usize>,
    /// The method (default: the best one for the problem).
    #[arg(long)]
    pub method: Option<String>,
    /// A method parameter, `key=value` (TOML value), repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Number of trials (run in parallel, one derived seed each).
    #[arg(long, default_value_t = 1)]
    pub trials: usize,
    /// Base seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Time limit per trial, in seconds.
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// The time limit counts the trial's CPU time instead of wall time.
    #[arg(long)]
    pub cpu_time: bool,
    /// Stop when this objective (in the problem's own sense) is reached.
    #[arg(long)]
    pub target: Option<f64>,
    /// Time steps per trial (default: unbounded).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Stop after this many steps without a new best.
    #[arg(long)]
    pub stall: Option<u64>,
    /// Maximise a `.qubo` model instead of minimising it.
    #[arg(long)]
    pub maximize: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// One JSON line per trial instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A definition file listing problems to solve one after the other (see
    /// `hopfield_bench::defs::SolveDef`); --json and --threads still apply.
    #[arg(long, conflicts_with_all = ["file", "queens"])]
    pub def: Option<PathBuf>,
}

/// One trial of `solve`, as printed with `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolveRow {
    /// The problem's name.
    pub problem: String,
    /// The method.
    pub method: String,
    /// The trial index.
    pub trial: usize,
    /// The trial's seed.
    pub seed: u64,
    /// The objective of the returned state, in the problem's own sense (the cut, the tour
    /// length, the cost, the attacked pairs), or `null` when it decodes to no solution.
    pub best_objective: Option<f64>,
    /// Whether the returned state satisfies every constraint.
    pub feasible: bool,
    /// Its penalty energy.
    pub energy: f64,
    /// Wall seconds of the trial.
    pub seconds: f64,
    /// CPU seconds of the trial.
    pub cpu_seconds: f64,
    /// Wall seconds until the best energy was first reached (time-to-target when the stop
    /// reason is `target`).
    pub time_to_best: f64,
    /// CPU seconds until then.
    pub cpu_time_to_best: f64,
    /// Time steps taken.
    pub steps: u64,
    /// The step at which the best energy was first reached.
    pub steps_to_best: u64,
    /// Why the trial stopped.
    pub stop_reason: String,
}

/// The stall limit (in time steps) used when no stopping rule is given: `tour-ils` 20 000
/// kicks; `spin-tabu` 200 turns of `n` iterations; `spin-anneal` 3 anneals; `tour-moves`
/// 200 000 steps; otherwise none.
pub fn default_stall(method: &str, spec: Option<&OperatorSpec>) -> Option<u64> {
    match method {
        "tour-ils" => Some(20_000),
        "spin-tabu" => Some(200),
        "spin-anneal" => Some(3 * spec.and_then(|s| s.sweeps).unwrap_or(1000)),
        "tour-moves" => Some(200_000),
        _ => None,
    }
}

fn parse_params(params: &[String]) -> anyhow::Result<toml::Table> {
    let mut table = toml::Table::new();
    for p in params {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("--param {p:?}: expected key=value"))?;
        let value = match format!("v = {v}").parse::<toml::Table>() {
            Ok(mut t) => t.remove("v").unwrap_or(toml::Value::String(v.to_string())),
            Err(_) => toml::Value::String(v.to_string()),
        };
        table.insert(k.trim().to_string(), value);
    }
    Ok(table)
}

fn guess_format(path: &Path) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("qubo") => Format::Qubo,
        Some("tsp") => Format::Tsplib,
        Some("toml") => Format::Transport,
        _ => Format::Maxcut,
    }
}

/// What `solve` runs: the problem, parsed once.
enum Loaded {
    Qubo(QuboProblem),
    Tsp(Tsp, String),
    Transport(Transport, String),
    Queens(Queens),
}

fn load(args: &SolveArgs) -> anyhow::Result<Loaded> {
    if let Some(n) = args.queens {
        if args.file.is_some() {
            bail!("give a file or --queens, not both");
        }
        return Ok(Loaded::Queens(Queens::new(n)?));
    }
    let Some(path) = &args.file else {
        bail!("give a problem file or --queens N");
    };
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("problem")
        .to_string();
    Ok(match args.format.unwrap_or_else(|| guess_format(path)) {
        Format::Maxcut => {
            let f = qubo_file::read_max_cut(path)?;
            Loaded::Qubo(QuboProblem::max_cut(&name, f.n, &f.edges)?)
        }
        Format::Qubo => {
            let q = qubo_file::read_qubo(path)?;
            let sense = if args.maximize {
                Sense::Maximize
            } else {
                Sense::Minimize
            };
            Loaded::Qubo(QuboProblem::new(&name, q, sense)?)
        }
        Format::Tsplib => {
            let inst = Instance::from_path(path)?;
            let d = inst.distance_matrix(Convention::Official)?;
            Loaded::Tsp(Tsp::new(d)?, inst.name.clone())
        }
        Format::Transport => {
            let f = transport_file::read(path)?;
            let name = f.name.clone().unwrap_or(name);
            Loaded::Transport(Transport::new(f.instance)?, name)
        }
    })
}

struct Plan {
    config: SearchConfig,
    stopping: Stopping,
    trials: TrialPlan,
}

fn row<S>(problem: &str, method: &str, r: &TrialResult<S>) -> SolveRow {
    SolveRow {
        problem: problem.to_string(),
        method: method.to_string(),
        trial: r.trial,
        seed: r.seed,
        best_objective: r.objective.filter(|o| o.is_finite()),
        feasible: r.feasible,
        energy: r.energy,
        seconds: r.report.elapsed.as_secs_f64(),
        cpu_seconds: r.report.cpu_time.as_secs_f64(),
        time_to_best: r.report.time_to_best.as_secs_f64(),
        cpu_time_to_best: r.report.cpu_time_to_best.as_secs_f64(),
        steps: r.steps,
        steps_to_best: r.report.steps_to_best,
        stop_reason: r.report.reason.as_str().to_string(),
    }
}

fn run_plain<P: Problem, O: SearchOperator>(
    p: &P,
    op: &O,
    name: &str,
    method: &str,
    plan: &Plan,
) -> anyhow::Result<Vec<SolveRow>> {
    op.check(p.shape())?;
    plan.stopping.check_for(p)?;
    (0..plan.trials.trials)
        .into_par_iter()
        .map(|t| {
            let r = run_trial_with(p, op, &plan.config, &plan.stopping, t, plan.trials.seed(t))?;
            Ok(row(name, method, &r))
        })
        .collect()
}

fn run_lean<P: LeanProblem, O: FlipOperator>(
    p: &P,
    op: &O,
    name: &str,
    method: &str,
    plan: &Plan,
) -> anyhow::Result<Vec<SolveRow>> {
    op.check(p.shape())?;
    plan.stopping.check_for(p)?;
    p.lean()?;
    (0..plan.trials.trials)
        .into_par_iter()
        .map(|t| {
            let r = run_lean_trial(p, op, &plan.config, &plan.stopping, t, plan.trials.seed(t))?;
            Ok(row(name, method, &r))
        })
        .collect()
}

fn tunnel_config(ndim: usize, params: &toml::Table) -> anyhow::Result<TunnelConfig> {
    let mut c = match params.get("variant").and_then(|v| v.as_str()) {
        None | Some("per-dimension") | Some("per_dimension") => TunnelConfig::per_dimension(ndim),
        Some("literal") => TunnelConfig::paper(ndim),
        Some(other) => bail!("tunnel variant {other:?}: expected literal or per-dimension"),
    };
    for (k, v) in params {
        match k.as_str() {
            "variant" => {}
            "tau" | "lambda" => {
                let x = v
                    .as_integer()
                    .filter(|&x| x >= 0)
                    .with_context(|| format!("tunnel {k} must be a non-negative integer"))?
                    as usize;
                if k == "tau" { c.tau = x } else { c.lambda = x }
            }
            _ => bail!("unknown tunnel parameter {k:?} (tau, lambda, variant)"),
        }
    }
    Ok(c)
}

/// The arguments one problem of a definition file stands for (relative paths resolved
/// against `base`, the definition file's folder).
pub fn args_of(
    problem: &crate::defs::ProblemFile,
    base: &Path,
    json: bool,
    threads: Option<usize>,
) -> anyhow::Result<SolveArgs> {
    let format = match problem.format.as_deref() {
        None => None,
        Some(f) => Some(Format::from_str(f, true).map_err(|_| {
            anyhow::anyhow!("unknown format {f:?}: maxcut, qubo, tsplib or transport")
        })?),
    };
    let params = problem
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Ok(SolveArgs {
        file: problem.file.as_ref().map(|f| base.join(f)),
        format,
        queens: problem.queens,
        method: problem.method.clone(),
        params,
        trials: problem.trials.unwrap_or(1),
        seed: problem.seed.unwrap_or(1),
        time_limit: problem.time_limit,
        cpu_time: problem.cpu_time,
        target: problem.target,
        steps: problem.steps,
        stall: problem.stall,
        maximize: problem.maximize,
        threads,
        json,
        def: None,
    })
}

/// Runs `solve` and writes its output to `out`.
pub fn solve(args: &SolveArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(def) = &args.def {
        let defs: crate::defs::SolveDef = crate::defs::load(def)?;
        let base = def.parent().unwrap_or(Path::new("."));
        for problem in &defs.problem {
            solve(&args_of(problem, base, args.json, args.threads)?, out)?;
        }
        return Ok(());
    }
    if args.trials == 0 {
        bail!("--trials must be at least 1");
    }
    if let Some(t) = args.time_limit
        && !(t.is_finite() && t >= 0.0)
    {
        bail!("--time-limit must be a non-negative number of seconds");
    }
    let loaded = load(args)?;
    let default_method = match &loaded {
        Loaded::Qubo(_) => "spin-anneal",
        Loaded::Tsp(..) => "tour-ils",
        Loaded::Transport(..) => "transport-cycles",
        Loaded::Queens(_) => "queens-swaps",
    };
    let method = args
        .method
        .clone()
        .unwrap_or_else(|| default_method.to_string());
    let params = parse_params(&args.params)?;
    let spec = match method.as_str() {
        "conventional" | "tunnel" => None,
        name => Some(by_name(name, &params)?),
    };
    if method == "conventional" && !params.is_empty() {
        bail!("the conventional network takes no parameters");
    }
    let mut stopping = Stopping::new();
    // N-Queens stops when solved (its last state is its best); copying a 10⁸-bit board at
    // every improvement would cost more than the search.
    stopping.keep_best = !matches!(loaded, Loaded::Queens(_));
    stopping.target_objective = args.target;
    stopping.stall = args.stall;
    if let Some(t) = args.time_limit {
        stopping.time_limit = Some(Duration::from_secs_f64(t));
        stopping.clock = if args.cpu_time {
            Clock::Cpu
        } else {
            Clock::Wall
        };
    }
    if args.time_limit.is_none()
        && args.target.is_none()
        && args.steps.is_none()
        && args.stall.is_none()
    {
        stopping.stall = default_stall(&method, spec.as_ref());
        stopping.time_limit = Some(Duration::from_secs(60));
    }
    let plan = Plan {
        config: SearchConfig {
            t_max: args.steps.unwrap_or(u64::MAX),
            p_init: 0.5,
        },
        stopping,
        trials: TrialPlan::new(args.trials, args.seed),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()?;
    let rows = pool.install(|| -> anyhow::Result<Vec<SolveRow>> {
        match &loaded {
            Loaded::Qubo(p) => {
                let name = p.name();
                match method.as_str() {
                    "conventional" if p.int_network().is_some() => {
                        run_lean(p, &Conventional, &name, &method, &plan)
                    }
                    "conventional" => run_plain(p, &Conventional, &name, &method, &plan),
                    "tunnel" => run_plain(
                        p,
                        &Tunnel::new(tunnel_config(1, &params)?, p.shape())?,
                        &name,
                        &method,
                        &plan,
                    ),
                    _ => {
                        let op = p.moves(spec.as_ref().context("operator")?)?;
                        if p.int_network().is_some() {
                            run_lean(p, &op, &name, &method, &plan)
                        } else {
                            run_plain(p, &op, &name, &method, &plan)
                        }
                    }
                }
            }
            Loaded::Tsp(p, name) => match method.as_str() {
                "conventional" => run_plain(p, &Conventional, name, &method, &plan),
                "tunnel" => run_plain(
                    p,
                    &Tunnel::new(tunnel_config(2, &params)?, p.shape())?,
                    name,
                    &method,
                    &plan,
                ),
                _ => run_plain(
                    p,
                    &p.moves(spec.as_ref().context("operator")?)?,
                    name,
                    &method,
                    &plan,
                ),
            },
            Loaded::Transport(p, name) => match method.as_str() {
                "conventional" => run_plain(p, &Conventional, name, &method, &plan),
                "tunnel" => run_plain(
                    p,
                    &Tunnel::new(tunnel_config(3, &params)?, p.shape())?,
                    name,
                    &method,
                    &plan,
                ),
                _ => run_plain(
                    p,
                    &p.moves(spec.as_ref().context("operator")?)?,
                    name,
                    &method,
                    &plan,
                ),
            },
            Loaded::Queens(p) => {
                let name = p.name();
                match method.as_str() {
                    "conventional" => run_plain(p, &Conventional, &name, &method, &plan),
                    "tunnel" => run_plain(
                        p,
                        &Tunnel::new(tunnel_config(2, &params)?, p.shape())?,
                        &name,
                        &method,
                        &plan,
                    ),
                    _ => run_lean(
                        p,
                        &p.moves(spec.as_ref().context("operator")?)?,
                        &name,
                        &method,
                        &plan,
                    ),
                }
            }
        }
    })?;
    write_rows(&rows, args.json, out)
}

fn write_rows(rows: &[SolveRow], json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if json {
        for r in rows {
            writeln!(out, "{}", serde_json::to_string(r)?)?;
        }
        return Ok(());
    }
    let Some(first) = rows.first() else {
        return Ok(());
    };
    writeln!(out, "{} with {}", first.problem, first.method)?;
    writeln!(
        out,
        "| trial | best objective | feasible | stop | seconds | time to best |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for r in rows {
        writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {:.3} |",
            r.trial,
            r.best_objective.map_or("—".to_string(), |o| format!("{o}")),
            r.feasible,
            r.stop_reason,
            r.seconds,
            r.time_to_best
        )?;
    }
    let mut times: Vec<f64> = rows.iter().map(|r| r.time_to_best).collect();
    times.sort_by(f64::total_cmp);
    writeln!(out, "median time to best: {:.3} s", times[times.len() / 2])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(file: Option<PathBuf>) -> SolveArgs {
        SolveArgs {
            file,
            format: None,
            queens: None,
            method: None,
            params: Vec::new(),
            trials: 3,
            seed: 5,
            time_limit: None,
            cpu_time: false,
            target: None,
            steps: Some(20_000),
            stall: None,
            maximize: false,
            threads: Some(1),
            json: true,
            def: None,
        }
    }

    #[test]
    fn definition_files_name_problem_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("c4.txt"),
            "4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n",
        )
        .unwrap();
        let def = dir.path().join("solve.toml");
        std::fs::write(
            &def,
            "[[problem]]\nfile = \"c4.txt\"\nformat = \"maxcut\"\nmethod = \"spin-tabu\"\n\
             params = { tenure = 2 }\ntrials = 2\ntarget = 4\nsteps = 1000\n\n\
             [[problem]]\nqueens = 8\n",
        )
        .unwrap();
        let mut a = args(None);
        a.def = Some(def);
        let r = rows(&a);
        assert_eq!(r.len(), 3);
        assert_eq!(
            (
                r[0]["best_objective"].as_f64(),
                r[0]["stop_reason"].as_str()
            ),
            (Some(4.0), Some("target"))
        );
        assert_eq!(r[2]["problem"], "queens8");
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[[problem]]\nfile = \"c4.txt\"\nformat = \"gset\"\n").unwrap();
        a.def = Some(bad);
        assert!(solve(&a, &mut Vec::new()).is_err());
    }

    fn rows(a: &SolveArgs) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        solve(a, &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn max_cut_files_reach_their_optimum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c5.txt");
        // A 5-cycle: the best cut is 4.
        std::fs::write(&path, "5 5\n1 2 1\n2 3 1\n3 4 1\n4 5 1\n5 1 1\n").unwrap();
        for method in [
            None,
            Some("spin-tabu"),
            Some("conventional"),
            Some("tunnel"),
        ] {
            let mut a = args(Some(path.clone()));
            a.method = method.map(str::to_string);
            a.target = Some(4.0);
            let r = rows(&a);
            assert_eq!(r.len(), 3);
            for (t, row) in r.iter().enumerate() {
                assert_eq!(row["trial"], t);
                assert!(row["best_objective"].as_f64().unwrap() <= 4.0);
                if method.is_none() || method == Some("spin-tabu") {
                    assert_eq!(row["best_objective"], 4.0);
                    assert_eq!(row["stop_reason"], "target");
                }
            }
        }
    }

    #[test]
    fn queens_and_transport_stop_by_themselves() {
        let mut a = args(None);
        a.queens = Some(12);
        a.steps = None;
        for row in rows(&a) {
            assert_eq!(row["stop_reason"], "solved");
            assert_eq!(row["best_objective"], 0.0);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(
            &path,
            "supply = [3, 2]\ndemand = [1, 4]\ncost = [[1, 5], [2, 3]]\n",
        )
        .unwrap();
        let mut a = args(Some(path));
        a.steps = None;
        for row in rows(&a) {
            assert_eq!(row["stop_reason"], "converged");
            // Optimum: ship 1 on (0,0) and 2 on (0,1), 2 on (1,1): 1 + 10 + 6 = 17.
            assert_eq!(row["best_objective"], 17.0);
        }
    }

    #[test]
    fn bad_requests_are_errors() {
        let mut a = args(None);
        assert!(solve(&a, &mut Vec::new()).is_err());
        a.queens = Some(8);
        a.method = Some("tour-ils".into());
        assert!(solve(&a, &mut Vec::new()).is_err());
        a.method = Some("queens-swaps".into());
        a.params = vec!["tenure=3".into()];
        assert!(solve(&a, &mut Vec::new()).is_err());
        a.params.clear();
        a.trials = 0;
        assert!(solve(&a, &mut Vec::new()).is_err());
        a.trials = 1;
        a.file = Some(PathBuf::from("x.txt"));
        assert!(solve(&a, &mut Vec::new()).is_err());
        let mut b = args(Some(PathBuf::from("/nonexistent/graph.txt")));
        b.time_limit = Some(1.0);
        assert!(solve(&b, &mut Vec::new()).is_err());
    }

    #[test]
    fn params_parse_as_toml_values() {
        let t = parse_params(&[
            "tenure=12".into(),
            "pricing=fields".into(),
            "t_hot = 2.5".into(),
        ])
        .unwrap();
        assert_eq!(t["tenure"].as_integer(), Some(12));
        assert_eq!(t["pricing"].as_str(), Some("fields"));
        assert_eq!(t["t_hot"].as_float(), Some(2.5));
        assert!(parse_params(&["novalue".into()]).is_err());
    }
}
