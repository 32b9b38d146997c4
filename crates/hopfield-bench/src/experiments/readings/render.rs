//! The "Readings of T" section of the report: the ranked finalists, the screen, the best
//! reading beside the paper with its figures, and the conclusion, from the record alone.

use super::distance::{Number, ProblemScore};
use super::*;

fn tick(p: Option<ProblemScore>) -> String {
    match p {
        Some(p) => format!("{:.2}{}", p.rms, if p.pass() { " ✓" } else { "" }),
        None => "—".into(),
    }
}

fn find<'a>(score: &'a Score, label: &str) -> Option<&'a Number> {
    score.numbers.iter().find(|n| n.label == label)
}

fn ours(score: &Score, label: &str, decimals: usize) -> String {
    fmt(find(score, label).map(|n| n.ours), decimals)
}

/// The key numbers of a reading in one table row.
fn key_numbers(def: &ReadingsDef, score: &Score) -> String {
    let mut cells = Vec::new();
    for inst in &def.paper.tsp {
        let i = &inst.instance;
        cells.push(format!(
            "{} / {} / {}",
            ours(score, &format!("{i} tunnel optimal"), 0),
            ours(score, &format!("{i} tunnel near"), 0),
            ours(score, &format!("{i} tunnel tunnel count"), 1),
        ));
    }
    let solved = score
        .numbers
        .iter()
        .find(|n| n.label.starts_with("tunnel solved, n > conv. limit"))
        .map(|n| n.ours);
    cells.push(format!(
        "{} / {}",
        fmt(solved, 0),
        ours(score, "tunnel count / t_max", 3)
    ));
    for exp in &def.paper.hitchcock {
        let e = format!("experiment {} tunnel", exp.id);
        cells.push(format!(
            "{} / {} / {}",
            ours(score, &format!("{e} average"), 1),
            ours(score, &format!("{e} best"), 0),
            ours(score, &format!("{e} tunnel count"), 1),
        ));
    }
    cells.join(" | ")
}

fn key_header(def: &ReadingsDef) -> (String, String) {
    let mut head = Vec::new();
    for inst in &def.paper.tsp {
        head.push(format!("{} opt / near / count", inst.instance));
    }
    head.push("N-Queens solved n > 15 / count per step".into());
    for exp in &def.paper.hitchcock {
        head.push(format!("Hitchcock {} avg / best / count", exp.id));
    }
    let paper = &def.paper;
    let mut row = Vec::new();
    for inst in &paper.tsp {
        row.push(format!(
            "{} / {} / {}",
            inst.tunnel.optimal,
            inst.tunnel.near,
            fmt(inst.tunnel.tunnel_count, 1)
        ));
    }
    row.push(format!(
        "≥ {} / {}",
        (paper.queens_tunnel_up_to - paper.queens_conventional_up_to) as f64
            * paper.queens_min_rate
            * paper.queens_trials as f64,
        paper.queens_slope
    ));
    for exp in &paper.hitchcock {
        row.push(format!(
            "{} / {} / {}",
            exp.tunnel.average,
            exp.tunnel.best,
            fmt(exp.tunnel.tunnel_count, 0)
        ));
    }
    (head.join(" | "), row.join(" | "))
}

fn preset_name(def: &ReadingsDef, r: &Reading) -> Option<String> {
    def.reading
        .iter()
        .find(|p| p.reading.key() == r.key())
        .map(|p| format!("**{}** ({})", p.label, p.name))
}

fn ranked_table(def: &ReadingsDef, rows: &[(Reading, Score)], limit: usize, md: &mut String) {
    let (head, paper) = key_header(def);
    let _ = writeln!(
        md,
        "| # | reading | TSP | N-Queens | Hitchcock | distance | {head} |"
    );
    let cols = 6 + head.matches('|').count() + 1;
    let _ = writeln!(md, "|{}", "---|".repeat(cols));
    for (k, (r, s)) in rows.iter().take(limit).enumerate() {
        let name = preset_name(def, r).map_or(String::new(), |n| format!("{n}: "));
        let _ = writeln!(
            md,
            "| {} | {name}{} | {} | {} | {} | {:.2} | {} |",
            k + 1,
            r.describe(),
            tick(s.problems[0]),
            tick(s.problems[1]),
            tick(s.problems[2]),
            s.total,
            key_numbers(def, s)
        );
    }
    let _ = writeln!(md, "| | *paper* | | | | | {paper} |\n");
}

/// Appends the "Readings of T" section and draws its figures.
pub fn report(
    def: &ReadingsDef,
    record: &Path,
    quick: bool,
    trials: Option<usize>,
    md: &mut String,
) -> anyhow::Result<()> {
    let refs: References = serde_json::from_str(
        &std::fs::read_to_string(record.join("readings.references.json"))
            .context("the readings study was not run (no readings.references.json)")?,
    )?;
    let data = Data::read(record)?;
    let s = setup(def, quick, trials);
    let p = plan(def, &s, &refs, &data);
    let _ = writeln!(md, "## {}\n", def.title);
    let _ = writeln!(
        md,
        "Each reading fixes every choice the paper leaves open (METHODOLOGY.md, \"Readings of \
         T\", gives the sentence of the paper each option interprets). The distance to the \
         paper is the root mean square, over the three problems, of each problem's root mean \
         square z-score over every number the paper publishes for it (Table 1 with its tunnel \
         counts; the N-Queens solved boards and the tunnel count per step; Hitchcock average, \
         best and count), each z measured in trial noise. A problem is reproduced *within \
         trial noise* (✓) when its Σz² stays below the 95 % quantile of χ² with as many \
         degrees of freedom as numbers.\n"
    );
    if refs.tsp.values().any(Option::is_none) {
        let _ = writeln!(
            md,
            "**TSP skipped:** the TSPLIB files were missing (run `cargo xtask fetch-tsplib`).\n"
        );
    }
    let _ = writeln!(
        md,
        "### Finalists at the paper's protocol\n\n{} TSP trials per instance, {} per N-Queens \
         board (n = {}…{}), {} per Hitchcock experiment; other seeds than the screen. Columns \
         TSP / N-Queens / Hitchcock: that problem's RMS z.\n",
        s.full.tsp_trials,
        s.full.queens_trials,
        s.full.queens_n.first().copied().unwrap_or(0),
        s.full.queens_n.last().copied().unwrap_or(0),
        s.full.hitchcock_trials
    );
    ranked_table(def, &p.finals, p.finals.len(), md);
    let _ = writeln!(
        md,
        "### Screen\n\n{} readings screened ({} TSP trials per instance, {} per board on n ∈ \
         {:?}, {} per Hitchcock experiment); the best {} readings of T (each with its best \
         `p_init` and penalty weights):\n",
        p.screened.len(),
        s.screen.tsp_trials,
        s.screen.queens_trials,
        s.screen.queens_n,
        s.screen.hitchcock_trials,
        p.screened.len().min(15)
    );
    ranked_table(def, &distinct_t(&p.screened), 15, md);
    let screen_view = View {
        def,
        refs: &refs,
        data: &data,
        stage: SCREEN,
        sizes: &s.screen,
    };
    let full_view = View {
        def,
        refs: &refs,
        data: &data,
        stage: FULL,
        sizes: &s.full,
    };
    if let Some((best, score)) = p.finals.first() {
        best_reading(&full_view, record, best, score, md)?;
    }
    conclusion(
        def,
        &p,
        &[(&screen_view, &p.screened), (&full_view, &p.finals)],
        md,
    );
    Ok(())
}

fn best_reading(
    view: &View<'_>,
    record: &Path,
    best: &Reading,
    score: &Score,
    md: &mut String,
) -> anyhow::Result<()> {
    let (def, refs) = (view.def, view.refs);
    let dynamics = best.dynamics_key();
    let _ = writeln!(
        md,
        "### The best reading beside the paper\n\n{}{}\n\nEvery published number, ours and \
         the paper's (TSP lengths of the paper rescaled so its printed optimum is the exact \
         one; counts scaled to the paper's trial count), with its z:\n",
        preset_name(def, best).map_or(String::new(), |n| format!("{n}: ")),
        best.describe()
    );
    let _ = writeln!(
        md,
        "| problem | number | ours | paper | z |\n|---|---|---|---|---|"
    );
    for n in &score.numbers {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:+.2} |",
            PROBLEMS[n.problem],
            n.label,
            fmt(Some(n.ours), 2),
            fmt(Some(n.paper), 2),
            n.z
        );
    }
    md.push('\n');
    // Figures: TSP per trial, N-Queens solved and counts, Hitchcock per trial.
    for inst in &def.paper.tsp {
        let Some(Some(optimum)) = refs.tsp.get(&inst.instance) else {
            continue;
        };
        let mut series = Vec::new();
        for (label, key) in [("conventional", CONVENTIONAL), ("best reading", &dynamics)] {
            if let Some(rows) = view.tsp_rows(&inst.instance, key, best) {
                series.push(Series {
                    label: label.into(),
                    points: rows
                        .iter()
                        .enumerate()
                        .filter_map(|(t, r)| r.length.map(|l| (t as f64, l)))
                        .collect(),
                });
            }
        }
        if series.iter().any(|x| !x.points.is_empty()) {
            let file = format!("figures/readings-tsp-{}.svg", inst.instance);
            chart(
                &record.join(&file),
                &format!("{}: tour length per trial, best reading", inst.instance),
                "trial",
                "tour length",
                &series,
                &[(format!("optimum {optimum:.4}"), *optimum)],
                true,
            )?;
            let _ = writeln!(md, "![{} per trial]({file})\n", inst.instance);
        }
    }
    let mut solved = vec![
        Series {
            label: "conventional".into(),
            points: Vec::new(),
        },
        Series {
            label: "best reading".into(),
            points: Vec::new(),
        },
    ];
    let mut counts = vec![
        Series {
            label: "best reading".into(),
            points: Vec::new(),
        },
        Series {
            label: format!("paper: {} · t_max", def.paper.queens_slope),
            points: Vec::new(),
        },
    ];
    let _ = writeln!(
        md,
        "| n | t_max | conventional solved | best reading solved | mean tunnel count |\n|---|---|---|---|---|"
    );
    for &n in &view.sizes.queens_n {
        let t_max = def.paper.queens_t_max_per_n2 * (n * n) as u64;
        let conv = view.queens_rows(n, CONVENTIONAL, best);
        let tun = view.queens_rows(n, &dynamics, best);
        let count = tun.map(|rows| mean(rows.iter().map(|r| best.count(&counts_back(&r.counts)))));
        let frac = |rows: Option<&Vec<QueensRow>>| {
            rows.map_or("—".into(), |rows| {
                format!(
                    "{}/{}",
                    rows.iter().filter(|r| r.solved).count(),
                    rows.len()
                )
            })
        };
        let _ = writeln!(
            md,
            "| {n} | {t_max} | {} | {} | {} |",
            frac(conv),
            frac(tun),
            fmt(count, 1)
        );
        for (series, rows) in solved.iter_mut().zip([conv, tun]) {
            if let Some(rows) = rows {
                series
                    .points
                    .push((n as f64, rows.iter().filter(|r| r.solved).count() as f64));
            }
        }
        if let Some(c) = count {
            counts[0].points.push((t_max as f64, c));
            counts[1]
                .points
                .push((t_max as f64, def.paper.queens_slope * t_max as f64));
        }
    }
    md.push('\n');
    if solved.iter().any(|x| !x.points.is_empty()) {
        chart(
            &record.join("figures/readings-queens-solved.svg"),
            "N-Queens: solved trials per n, best reading (paper Fig. 10)",
            "n",
            "trials solved",
            &solved,
            &[],
            false,
        )?;
        let _ = writeln!(md, "![solved vs n](figures/readings-queens-solved.svg)\n");
    }
    if counts.iter().any(|x| !x.points.is_empty()) {
        chart(
            &record.join("figures/readings-queens-counts.svg"),
            "N-Queens: mean tunnel count vs t_max, best reading (paper Fig. 11)",
            "t_max = 20 n²",
            "mean tunnel count",
            &counts,
            &[],
            false,
        )?;
        let _ = writeln!(
            md,
            "![counts vs t_max](figures/readings-queens-counts.svg)\n"
        );
    }
    for exp in &def.paper.hitchcock {
        let optimum = refs.hitchcock.get(&exp.id).copied().unwrap_or(f64::NAN);
        let mut series = Vec::new();
        for (label, key) in [("conventional", CONVENTIONAL), ("best reading", &dynamics)] {
            if let Some(rows) = view.hitchcock_rows(exp.id, key, best) {
                series.push(Series {
                    label: label.into(),
                    points: rows
                        .iter()
                        .enumerate()
                        .map(|(t, r)| (t as f64, r.cost))
                        .collect(),
                });
            }
        }
        if series.iter().any(|x| !x.points.is_empty()) {
            let file = format!("figures/readings-hitchcock-{}.svg", exp.id);
            chart(
                &record.join(&file),
                &format!(
                    "Hitchcock experiment {}: cost per trial, best reading",
                    exp.id
                ),
                "trial",
                "total cost",
                &series,
                &[(format!("LP optimum {optimum}"), optimum)],
                true,
            )?;
            let _ = writeln!(md, "![Hitchcock {} per trial]({file})\n", exp.id);
        }
    }
    Ok(())
}

/// The most transitions of each kind any reading made per trial (mean over its trials) on
/// one cell family, with the reading that made them.
#[derive(Debug, Default)]
struct Most {
    improved: (f64, String),
    changed: (f64, String),
    accepted: (f64, String),
    attempts: (f64, String),
}

impl Most {
    fn add(&mut self, rows: &[Counts], scale: f64, who: &str) {
        let m = |k: usize| scale * mean(rows.iter().map(|c| c[k] as f64));
        for (slot, k) in [
            (&mut self.improved, 4),
            (&mut self.changed, 3),
            (&mut self.accepted, 2),
            (&mut self.attempts, 1),
        ] {
            let v = m(k);
            if v > slot.0 {
                *slot = (v, who.to_string());
            }
        }
    }
}

/// What the published counts require, measured over every screened and final reading.
fn implications(def: &ReadingsDef, views: &[(&View<'_>, &[(Reading, Score)])], md: &mut String) {
    let _ = writeln!(
        md,
        "\nWhat the published counts require. For every reading run (screen and finalists), the \
         largest mean number of T's attempts per trial that lowered the energy (*improved*, \
         the only transitions eq. 8 makes when ties keep the current state), changed the state \
         (*changed*), took a candidate (*accepted*), and of attempts altogether:\n"
    );
    let _ = writeln!(
        md,
        "| published count | improved | changed | accepted | attempts |\n|---|---|---|---|---|"
    );
    let cell = |x: &(f64, String)| {
        if x.0 < 10.0 {
            format!("{:.3} ({})", x.0, x.1)
        } else {
            format!("{:.1} ({})", x.0, x.1)
        }
    };
    let mut rows: Vec<(String, f64, Most)> = Vec::new();
    for exp in &def.paper.hitchcock {
        let Some(count) = exp.tunnel.tunnel_count else {
            continue;
        };
        let mut most = Most::default();
        for (view, readings) in views {
            for (r, _) in readings.iter() {
                if let Some(rows) = view.hitchcock_rows(exp.id, &r.dynamics_key(), r) {
                    let counts: Vec<Counts> = rows.iter().map(|x| x.counts).collect();
                    let who = format!("{}, {}", r.dynamics_key(), letter_of_encoding(r.hitchcock));
                    most.add(&counts, 1.0, &who);
                }
            }
        }
        rows.push((
            format!(
                "Hitchcock {}: {count} in t_max = {} steps",
                exp.id, exp.t_max
            ),
            count,
            most,
        ));
    }
    for inst in &def.paper.tsp {
        let Some(count) = inst.tunnel.tunnel_count else {
            continue;
        };
        let mut most = Most::default();
        for (view, readings) in views {
            for (r, _) in readings.iter() {
                if let Some(rows) = view.tsp_rows(&inst.instance, &r.dynamics_key(), r) {
                    let counts: Vec<Counts> = rows.iter().map(|x| x.counts).collect();
                    most.add(&counts, 1.0, &r.dynamics_key());
                }
            }
        }
        rows.push((
            format!("{}: {count} in t_max = {} steps", inst.instance, inst.t_max),
            count,
            most,
        ));
    }
    // N-Queens: counts per step on the largest board every view ran.
    let mut most = Most::default();
    let mut largest = None;
    for (view, readings) in views {
        let Some(&n) = view.sizes.queens_n.iter().max() else {
            continue;
        };
        let t = (def.paper.queens_t_max_per_n2 * (n * n) as u64) as f64;
        for (r, _) in readings.iter() {
            if let Some(rows) = view.queens_rows(n, &r.dynamics_key(), r) {
                let counts: Vec<Counts> = rows.iter().map(|x| x.counts).collect();
                most.add(&counts, 1.0 / t, &r.dynamics_key());
            }
        }
        largest = Some(n);
    }
    if let Some(n) = largest {
        rows.push((
            format!(
                "N-Queens: {} · t_max (per step, n = {n})",
                def.paper.queens_slope
            ),
            def.paper.queens_slope,
            most,
        ));
    }
    let mut words = Vec::new();
    for (label, count, most) in &rows {
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} |",
            cell(&most.improved),
            cell(&most.changed),
            cell(&most.accepted),
            cell(&most.attempts)
        );
        let reach = |x: f64| x >= 0.8 * count;
        let what = if reach(most.improved.0) {
            "is reachable by energy-lowering transitions alone"
        } else if reach(most.changed.0) {
            "is out of reach of energy-lowering transitions: it needs energy-neutral moves \
             taken (ties of eq. 8)"
        } else if reach(most.accepted.0) {
            "needs candidates taken even when they equal the current state"
        } else if reach(most.attempts.0) {
            "is reached only by counting every application of T, accepted or not"
        } else {
            "is reached by no reading, whatever is counted"
        };
        words.push(format!("- {label} {what}."));
    }
    let _ = writeln!(
        md,
        "\n(Reading codes: ties K/T/R = keep/take/random; trigger E/F/S = \
         every step/fixed point/stalled; order A/B = after/before; composition L/P/O = \
         literal/per dimension/one dimension; sets S/N = slices/neurons; then λ and τ; Hitchcock \
         encodings U/O/A = unary/one-hot/unit assignment.) \
         Within 80 % of the published count:\n"
    );
    for w in words {
        let _ = writeln!(md, "{w}");
    }
    // The lowest Hitchcock costs any reading reached, against the paper and the LP optimum.
    for exp in &def.paper.hitchcock {
        let mut lowest: Option<(f64, f64, String)> = None;
        for (view, readings) in views {
            for (r, _) in readings.iter() {
                if let Some(rows) = view.hitchcock_rows(exp.id, &r.dynamics_key(), r) {
                    let avg = mean(rows.iter().map(|x| x.cost));
                    let best = rows.iter().map(|x| x.cost).fold(f64::INFINITY, f64::min);
                    if lowest.as_ref().is_none_or(|l| avg < l.0) {
                        lowest = Some((avg, best, r.describe()));
                    }
                }
            }
        }
        if let Some((avg, best, who)) = lowest {
            let lp = views
                .first()
                .and_then(|(v, _)| v.refs.hitchcock.get(&exp.id).copied())
                .unwrap_or(f64::NAN);
            let _ = writeln!(
                md,
                "- Hitchcock {}: the lowest mean cost of any reading is {avg:.1} (its best trial \
                 {best:.0}; {who}); the paper reports {} and {}, within {:.0} % of the LP \
                 optimum {lp}.",
                exp.id,
                exp.tunnel.average,
                exp.tunnel.best,
                100.0 * (exp.tunnel.average / lp - 1.0)
            );
        }
    }
    md.push('\n');
}

/// The conclusion, from the data: the reading that reproduces the paper, or the numbers no
/// reading reaches and what the counts imply.
fn conclusion(
    def: &ReadingsDef,
    p: &Plan,
    views: &[(&View<'_>, &[(Reading, Score)])],
    md: &mut String,
) {
    let _ = writeln!(md, "### Conclusion\n");
    if let Some((r, _)) = p.finals.iter().find(|(_, s)| s.passes_all()) {
        let _ = writeln!(
            md,
            "One reading comes within the trial noise of the paper on all three problems: {}.\n",
            r.describe()
        );
        implications(def, views, md);
        return;
    }
    let _ = writeln!(
        md,
        "No reading comes within the trial noise of the paper on all three problems. Per \
         problem, the finalists that do:\n"
    );
    for (k, name) in PROBLEMS.iter().enumerate() {
        let passing: Vec<String> = p
            .finals
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| s.problems[k].is_some_and(|x| x.pass()))
            .map(|(i, _)| format!("#{}", i + 1))
            .collect();
        let _ = writeln!(
            md,
            "- {name}: {}",
            if passing.is_empty() {
                "none".to_string()
            } else {
                passing.join(", ")
            }
        );
    }
    let _ = writeln!(md, "\nThe closest finalist on each problem:\n");
    for (k, name) in PROBLEMS.iter().enumerate() {
        let closest = p
            .finals
            .iter()
            .enumerate()
            .filter_map(|(i, (r, s))| s.problems[k].map(|x| (i, r, x)))
            .min_by(|a, b| a.2.rms.total_cmp(&b.2.rms));
        if let Some((i, r, x)) = closest {
            let _ = writeln!(
                md,
                "- {name}: #{} (RMS z {:.2}{}): {}",
                i + 1,
                x.rms,
                if x.pass() { ", within trial noise" } else { "" },
                r.describe()
            );
        }
    }
    let mut labels: Vec<String> = Vec::new();
    for (_, s) in &p.finals {
        for n in &s.numbers {
            if !labels.contains(&n.label) {
                labels.push(n.label.clone());
            }
        }
    }
    let mut unreached = Vec::new();
    for label in &labels {
        let closest = p
            .finals
            .iter()
            .filter_map(|(_, s)| find(s, label))
            .min_by(|a, b| a.z.abs().total_cmp(&b.z.abs()));
        if let Some(n) = closest
            && n.z.abs() > 3.0
        {
            unreached.push(format!(
                "{} {label}: paper {}, closest finalist {} (z = {:+.1})",
                PROBLEMS[n.problem],
                fmt(Some(n.paper), 2),
                fmt(Some(n.ours), 2),
                n.z
            ));
        }
    }
    let _ = writeln!(
        md,
        "\nPublished numbers no finalist reaches within three standard errors:\n"
    );
    if unreached.is_empty() {
        let _ = writeln!(
            md,
            "- none: each is reached by some finalist, never all by one"
        );
    }
    for u in &unreached {
        let _ = writeln!(md, "- {u}");
    }
    implications(def, views, md);
}
