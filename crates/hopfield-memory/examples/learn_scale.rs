//! Learning at scale: learns one random pattern set with one rule and prints one JSON line
//! with the time and the quality of the result.
//!
//! ```text
//! cargo run --release --example learn_scale -p hopfield-memory -- \
//!     --rule maxmin --n 256 --m 16 --seed 1 [--threads 1] [--lp-mode full|decoupled] \
//!     [--dump-patterns FILE]
//! ```
//!
//! `--dump-patterns` writes the pattern set (one pattern per line, ±1 separated by spaces) so
//! that another solver can be run on the identical program (`benches/maxmin_highs.py`).
//!
//! Rules: `fast`, `constrained_perceptron`, `krauth_mezard`, `maxmin` (native exact solver),
//! `maxmin_microlp` (the generic LP through good_lp, small sizes only). Fields: `cpu_s`
//! (process CPU time, all threads; Linux only, else null), `wall_s`, `fmin`, `fave` (the
//! attraction-radius bounds of Liang, Wu & Yu's Theorem 2 with the true row maximum), and for
//! the max-min rules `objective` (min ½γ of the returned network), `bound` (upper bound on the
//! symmetric optimum), `gap` (`bound − objective`), `decoupled_bound`, `iterations`,
//! `polish_rows`; for the perceptrons `iterations` (sweeps or updates), and for the
//! constrained perceptron `saturated_fraction` (off-diagonal weights at ±1).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use hopfield_memory::Patterns;
use hopfield_memory::analysis::analyze;
use hopfield_memory::hopfield_core::{TieRule, rng_from_seed};
use hopfield_memory::rules::{
    ConstrainedPerceptron, FastRule, KrauthMezard, LearningRule, LpBackend, LpMode, MaxMinLp,
};

/// Process CPU time (user + system, all threads) from `/proc/self/stat`, in seconds.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => "null".into(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut rule, mut n, mut m, mut seed, mut threads) = ("maxmin".to_string(), 256, 16, 1, 1);
    let mut mode = LpMode::Full;
    let mut dump: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--rule" => rule = value()?,
            "--n" => n = value()?.parse()?,
            "--m" => m = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--threads" => threads = value()?.parse()?,
            "--dump-patterns" => dump = Some(value()?),
            "--lp-mode" => {
                mode = match value()?.as_str() {
                    "full" => LpMode::Full,
                    "decoupled" | "row_decoupled" => LpMode::RowDecoupled,
                    other => return Err(format!("unknown LP mode {other:?}").into()),
                }
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let patterns = Patterns::random(n, m, &mut rng_from_seed(seed))?;
    if let Some(path) = dump {
        let text: String = patterns
            .iter()
            .map(|p| {
                let v: Vec<String> = p.as_slice().iter().map(|x| format!("{x}")).collect();
                v.join(" ") + "\n"
            })
            .collect();
        std::fs::write(path, text)?;
    }
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut extra = String::new();
    let net = match rule.as_str() {
        "fast" => FastRule.learn(&patterns)?,
        "constrained_perceptron" => {
            let (net, r) = ConstrainedPerceptron::default().train(&patterns)?;
            // Off-diagonal weights at the bound ±1 (clipped by Φ).
            let w = net.couplings().matrix();
            let saturated = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i != j && w[(i, j)].abs() == 1.0)
                .count();
            extra = format!(
                r#","iterations":{},"saturated_fraction":{}"#,
                r.iterations,
                saturated as f64 / (n * (n - 1)).max(1) as f64
            );
            net
        }
        "krauth_mezard" => {
            let (net, r) = KrauthMezard::default().train(&patterns)?;
            extra = format!(r#","iterations":{}"#, r.iterations);
            net
        }
        "maxmin" | "maxmin_microlp" => {
            let backend = if rule == "maxmin" {
                LpBackend::Native
            } else {
                LpBackend::Microlp
            };
            let s = MaxMinLp { mode, backend }.solve(&patterns)?;
            let r = s.report;
            extra = format!(
                r#","lp_mode":"{}","objective":{},"bound":{},"gap":{},"decoupled_bound":{},"iterations":{},"polish_rows":{},"pivots":{}"#,
                if mode == LpMode::Full {
                    "full"
                } else {
                    "decoupled"
                },
                num(Some(r.objective)),
                num(Some(r.bound)),
                num(Some(r.gap)),
                num(Some(r.decoupled_bound)),
                r.iterations,
                r.polish_rows,
                r.pivots
            );
            s.network
        }
        other => return Err(format!("unknown rule {other:?}").into()),
    };
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu0.zip(cpu_seconds()).map(|(a, b)| b - a);
    let a = analyze(&net, &patterns, TieRule::High)?;
    println!(
        r#"{{"rule":"{rule}","n":{n},"m":{m},"seed":{seed},"threads":{threads},"cpu_s":{},"wall_s":{wall},"fmin":{},"fave":{}{extra}}}"#,
        num(cpu),
        num(Some(a.f_min)),
        num(Some(a.f_ave)),
    );
    Ok(())
}
