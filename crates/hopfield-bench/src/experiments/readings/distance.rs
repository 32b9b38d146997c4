//! The distance of a reading to the paper: z-scores of every published number in trial noise,
//! combined per problem and over problems (METHODOLOGY.md, "Readings of T").

use super::*;

pub(super) fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values.iter().copied());
    let ss = values.iter().fold(0.0, |acc, v| acc + (v - m).powi(2));
    (ss / (values.len() - 1) as f64).sqrt()
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub(super) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The 95 % quantile of χ² with `k` degrees of freedom: exact for `k ≤ 2`, Wilson–Hilferty
/// above (within 1 % for `k ≥ 3`).
pub(super) fn chi2_95(k: usize) -> f64 {
    match k {
        1 => return 1.959_963_984_540_054_f64.powi(2),
        2 => return -2.0 * 0.05_f64.ln(),
        _ => {}
    }
    let k = k as f64;
    let z = 1.644_853_626_951_472_2;
    k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
}

/// Largest |z| an extreme (max, min, best) contributes: our empirical distribution cannot
/// resolve tails beyond this.
pub(super) const EXTREME_CAP: f64 = 4.0;

/// z of a mean: `(ours − paper) / √(s²(1/n + 1/n_p) + u²/12)`, `s` our trials' standard
/// deviation (the paper's spread taken equal), `u` the paper's print resolution.
pub(super) fn z_mean(values: &[f64], paper: f64, n_paper: usize, unit: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let s = sd(values);
    let var = s * s * (1.0 / values.len() as f64 + 1.0 / n_paper as f64) + unit * unit / 12.0;
    (mean(values.iter().copied()) - paper) / var.sqrt()
}

/// z of a count `k` of `n` trials against the paper's `k_p` of `n_p`: the two-proportion
/// test with the pooled, Laplace-smoothed rate.
pub(super) fn z_count(k: f64, n: usize, k_paper: f64, n_paper: usize) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let (n, np) = (n as f64, n_paper as f64);
    let p = (k + k_paper + 1.0) / (n + np + 2.0);
    (k / n - k_paper / np) / (p * (1.0 - p) * (1.0 / n + 1.0 / np)).sqrt()
}

/// z of an extreme of `n_p` trials (the paper's) against ours: the mid-p of the paper's
/// value (± half its print resolution) in the distribution of the extreme of `n_p` draws
/// from our trials, as a normal quantile, signed like the others (positive: ours larger),
/// capped at ±[`EXTREME_CAP`].
pub(super) fn z_extreme(values: &[f64], paper: f64, n_paper: usize, unit: f64, max: bool) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len() as f64;
    let below = values.iter().filter(|&&v| v < paper - unit / 2.0).count() as f64 / n;
    let at_most = values.iter().filter(|&&v| v <= paper + unit / 2.0).count() as f64 / n;
    let np = n_paper as i32;
    let (lo, hi) = if max {
        (below.powi(np), at_most.powi(np))
    } else {
        (1.0 - (1.0 - below).powi(np), 1.0 - (1.0 - at_most).powi(np))
    };
    (-normal_quantile(0.5 * (lo + hi))).clamp(-EXTREME_CAP, EXTREME_CAP)
}

/// The problems, in report order.
pub(super) const PROBLEMS: [&str; 3] = ["TSP", "N-Queens", "Hitchcock"];

/// One published number against ours.
#[derive(Debug, Clone)]
pub(super) struct Number {
    pub(super) problem: usize,
    pub(super) label: String,
    pub(super) ours: f64,
    pub(super) paper: f64,
    pub(super) z: f64,
}

/// A problem's part of the distance.
#[derive(Debug, Clone, Copy)]
pub(super) struct ProblemScore {
    pub(super) rms: f64,
    pub(super) chi2: f64,
    pub(super) k: usize,
}

impl ProblemScore {
    /// Within the trial noise: `Σ z² ≤ χ²_{0.95}(k)`.
    pub(super) fn pass(&self) -> bool {
        self.chi2 <= chi2_95(self.k)
    }
}

/// A reading's score at one stage.
#[derive(Debug, Clone)]
pub(super) struct Score {
    pub(super) numbers: Vec<Number>,
    pub(super) problems: [Option<ProblemScore>; 3],
    pub(super) total: f64,
}

impl Score {
    pub(super) fn from_numbers(numbers: Vec<Number>) -> Self {
        let mut problems = [None; 3];
        for (p, slot) in problems.iter_mut().enumerate() {
            let zs: Vec<f64> = numbers
                .iter()
                .filter(|n| n.problem == p)
                .map(|n| n.z)
                .collect();
            if zs.is_empty() {
                continue;
            }
            let chi2: f64 = zs
                .iter()
                .map(|z| if z.is_finite() { z * z } else { f64::INFINITY })
                .sum();
            *slot = Some(ProblemScore {
                rms: (chi2 / zs.len() as f64).sqrt(),
                chi2,
                k: zs.len(),
            });
        }
        let present: Vec<f64> = problems.iter().flatten().map(|p| p.rms * p.rms).collect();
        let total = if present.is_empty() {
            f64::INFINITY
        } else {
            (present.iter().sum::<f64>() / present.len() as f64).sqrt()
        };
        Score {
            numbers,
            problems,
            total,
        }
    }

    pub(super) fn passes_all(&self) -> bool {
        self.problems.iter().all(|p| p.is_some_and(|p| p.pass()))
    }
}

/// What one stage's cells hold, looked up for a reading.
pub(super) struct View<'a> {
    pub(super) def: &'a ReadingsDef,
    pub(super) refs: &'a References,
    pub(super) data: &'a Data,
    pub(super) stage: &'a str,
    pub(super) sizes: &'a Stage,
}

/// The lengths (valid tours) of a TSP cell and its number of trials.
pub(super) fn tsp_lengths(rows: &[TspRow]) -> Vec<f64> {
    rows.iter().filter_map(|r| r.length).collect()
}

impl View<'_> {
    pub(super) fn tsp_rows(
        &self,
        instance: &str,
        dynamics: &str,
        r: &Reading,
    ) -> Option<&Vec<TspRow>> {
        self.data
            .tsp
            .get(&tsp_cell(self.stage, instance, dynamics, r))
            .filter(|v| !v.is_empty())
    }

    pub(super) fn queens_rows(
        &self,
        n: usize,
        dynamics: &str,
        r: &Reading,
    ) -> Option<&Vec<QueensRow>> {
        self.data
            .queens
            .get(&queens_cell(self.stage, n, dynamics, r))
            .filter(|v| !v.is_empty())
    }

    pub(super) fn hitchcock_rows(
        &self,
        id: u32,
        dynamics: &str,
        r: &Reading,
    ) -> Option<&Vec<HitchcockRow>> {
        self.data
            .hitchcock
            .get(&hitchcock_cell(self.stage, id, dynamics, r))
            .filter(|v| !v.is_empty())
    }

    /// Every published number against this reading's results (missing cells leave their
    /// numbers out).
    pub(super) fn score(&self, r: &Reading) -> Score {
        let mut numbers = Vec::new();
        self.tsp_numbers(r, &mut numbers);
        self.queens_numbers(r, &mut numbers);
        self.hitchcock_numbers(r, &mut numbers);
        Score::from_numbers(numbers)
    }

    pub(super) fn tsp_numbers(&self, r: &Reading, out: &mut Vec<Number>) {
        let paper = &self.def.paper;
        let dynamics = r.dynamics_key();
        for inst in &paper.tsp {
            let Some(Some(optimum)) = self.refs.tsp.get(&inst.instance) else {
                continue;
            };
            // The paper's lengths, rescaled so its printed optimum is the exact one.
            let scale = optimum / inst.optimum;
            for (column, dyn_key, p) in [
                ("conventional", CONVENTIONAL, &inst.conventional),
                ("tunnel", dynamics.as_str(), &inst.tunnel),
            ] {
                let Some(rows) = self.tsp_rows(&inst.instance, dyn_key, r) else {
                    continue;
                };
                let lengths = tsp_lengths(rows);
                let n = rows.len();
                let within = |ratio: f64| {
                    lengths
                        .iter()
                        .filter(|&&l| l <= ratio * optimum + 1e-6)
                        .count() as f64
                };
                let mut push = |what: &str, ours: f64, paper: f64, z: f64| {
                    out.push(Number {
                        problem: 0,
                        label: format!("{} {column} {what}", inst.instance),
                        ours,
                        paper,
                        z,
                    });
                };
                let unit = 0.01 * scale;
                let ext = |max: bool| {
                    if max {
                        lengths.iter().copied().reduce(f64::max)
                    } else {
                        lengths.iter().copied().reduce(f64::min)
                    }
                    .unwrap_or(f64::NAN)
                };
                let np = paper.tsp_trials;
                let z_or = |z: f64| if lengths.is_empty() { f64::INFINITY } else { z };
                push(
                    "Max",
                    ext(true),
                    p.max * scale,
                    z_or(z_extreme(&lengths, p.max * scale, np, unit, true)),
                );
                push(
                    "Min",
                    ext(false),
                    p.min * scale,
                    z_or(z_extreme(&lengths, p.min * scale, np, unit, false)),
                );
                push(
                    "Ave",
                    mean(lengths.iter().copied()),
                    p.ave * scale,
                    z_or(z_mean(&lengths, p.ave * scale, np, unit)),
                );
                push(
                    "valid",
                    lengths.len() as f64 * np as f64 / n as f64,
                    p.valid as f64,
                    z_count(lengths.len() as f64, n, p.valid as f64, np),
                );
                let near = within(self.def.near_ratio);
                push(
                    "near",
                    near * np as f64 / n as f64,
                    p.near as f64,
                    z_count(near, n, p.near as f64, np),
                );
                let optimal = within(1.0);
                push(
                    "optimal",
                    optimal * np as f64 / n as f64,
                    p.optimal as f64,
                    z_count(optimal, n, p.optimal as f64, np),
                );
                if let Some(count) = p.tunnel_count {
                    let counts: Vec<f64> = rows
                        .iter()
                        .map(|x| r.count(&counts_back(&x.counts)))
                        .collect();
                    push(
                        "tunnel count",
                        mean(counts.iter().copied()),
                        count,
                        z_mean(&counts, count, np, 0.1),
                    );
                }
            }
        }
    }

    pub(super) fn queens_numbers(&self, r: &Reading, out: &mut Vec<Number>) {
        let paper = &self.def.paper;
        let dynamics = r.dynamics_key();
        let np_board = paper.queens_trials;
        let conv_up = paper.queens_conventional_up_to;
        let tun_up = paper.queens_tunnel_up_to;
        // (label, operator, boards lo < n ≤ hi, the rate the paper implies or None: none).
        let rate = Some(paper.queens_min_rate);
        let groups = [
            (
                "conventional solved, n ≤ conv. limit",
                CONVENTIONAL,
                0,
                conv_up,
                rate,
            ),
            (
                "conventional solved, n > conv. limit",
                CONVENTIONAL,
                conv_up,
                tun_up,
                None,
            ),
            (
                "tunnel solved, n ≤ conv. limit",
                dynamics.as_str(),
                0,
                conv_up,
                rate,
            ),
            (
                "tunnel solved, n > conv. limit",
                dynamics.as_str(),
                conv_up,
                tun_up,
                rate,
            ),
        ];
        for (label, dyn_key, lo, hi, rate) in groups {
            let (mut solved, mut trials, mut n_boards) = (0usize, 0usize, 0usize);
            for &n in self.sizes.queens_n.iter().filter(|&&n| lo < n && n <= hi) {
                if let Some(rows) = self.queens_rows(n, dyn_key, r) {
                    solved += rows.iter().filter(|x| x.solved).count();
                    trials += rows.len();
                    n_boards += 1;
                }
            }
            if n_boards == 0 {
                continue;
            }
            let np = np_board * n_boards;
            let (paper_k, z) = match rate {
                Some(rate) => {
                    let k = rate * np as f64;
                    (k, z_count(solved as f64, trials, k, np).min(0.0))
                }
                None => (0.0, z_count(solved as f64, trials, 0.0, np).max(0.0)),
            };
            out.push(Number {
                problem: 1,
                label: format!(
                    "{label} ({n_boards} boards; paper: {})",
                    if rate.is_some() {
                        "≥ 1 per board"
                    } else {
                        "none"
                    }
                ),
                ours: solved as f64 * np as f64 / trials as f64,
                paper: paper_k,
                z,
            });
        }
        // The slope of the mean tunnel count against t_max, through the origin.
        let (mut st, mut sct, mut var_num) = (0.0, 0.0, 0.0);
        for &n in &self.sizes.queens_n {
            let Some(rows) = self.queens_rows(n, &dynamics, r) else {
                continue;
            };
            let t = (paper.queens_t_max_per_n2 * (n * n) as u64) as f64;
            let counts: Vec<f64> = rows
                .iter()
                .map(|x| r.count(&counts_back(&x.counts)))
                .collect();
            let s = sd(&counts);
            st += t * t;
            sct += t * mean(counts.iter().copied());
            var_num += t * t * s * s / counts.len() as f64;
        }
        if st > 0.0 {
            let slope = sct / st;
            let se = (var_num / (st * st)).sqrt();
            out.push(Number {
                problem: 1,
                label: "tunnel count / t_max".into(),
                ours: slope,
                paper: paper.queens_slope,
                z: (slope - paper.queens_slope)
                    / (se * se + paper.queens_slope_sigma.powi(2)).sqrt(),
            });
        }
    }

    pub(super) fn hitchcock_numbers(&self, r: &Reading, out: &mut Vec<Number>) {
        let paper = &self.def.paper;
        let dynamics = r.dynamics_key();
        let np = paper.hitchcock_trials;
        for exp in &paper.hitchcock {
            for (column, dyn_key, p) in [
                ("conventional", CONVENTIONAL, &exp.conventional),
                ("tunnel", dynamics.as_str(), &exp.tunnel),
            ] {
                let Some(rows) = self.hitchcock_rows(exp.id, dyn_key, r) else {
                    continue;
                };
                let costs: Vec<f64> = rows.iter().map(|x| x.cost).collect();
                let mut push = |what: &str, ours: f64, paper: f64, z: f64| {
                    out.push(Number {
                        problem: 2,
                        label: format!("experiment {} {column} {what}", exp.id),
                        ours,
                        paper,
                        z,
                    });
                };
                push(
                    "average",
                    mean(costs.iter().copied()),
                    p.average,
                    z_mean(&costs, p.average, np, 1.0),
                );
                push(
                    "best",
                    costs.iter().copied().fold(f64::INFINITY, f64::min),
                    p.best,
                    z_extreme(&costs, p.best, np, 1.0, false),
                );
                if let Some(count) = p.tunnel_count {
                    let counts: Vec<f64> = rows
                        .iter()
                        .map(|x| r.count(&counts_back(&x.counts)))
                        .collect();
                    push(
                        "tunnel count",
                        mean(counts.iter().copied()),
                        count,
                        z_mean(&counts, count, np, 1.0),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_matches_tables() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.95, 1.644_853_626_951_472_2),
            (0.001, -3.090_232_306_167_813_5),
            (1e-10, -6.361_340_902_404_056),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-8, "{p}");
            assert!((normal_quantile(1.0 - p) + z).abs() < 1e-6, "{p}");
        }
    }

    #[test]
    fn chi2_quantiles_are_close_to_tables() {
        // Tabulated 95 % quantiles.
        for (k, q) in [
            (1, 3.841),
            (2, 5.991),
            (3, 7.815),
            (5, 11.070),
            (10, 18.307),
            (26, 38.885),
        ] {
            assert!((chi2_95(k) - q).abs() / q < 0.01, "k = {k}: {}", chi2_95(k));
        }
    }

    #[test]
    fn z_scores_measure_distance_in_trial_noise() {
        let values: Vec<f64> = (0..100).map(|i| f64::from(i % 10)).collect();
        // Our mean is 4.5: the paper's 4.5 is at z = 0, and z grows with the gap.
        assert!(z_mean(&values, 4.5, 100, 0.01).abs() < 1e-9);
        let z1 = z_mean(&values, 4.0, 100, 0.01);
        let z2 = z_mean(&values, 3.0, 100, 0.01);
        assert!(z1 > 0.0 && z2 > 2.0 * z1 - 1e-9);
        // Equal proportions agree; 0 of 500 against 64 of 500 is far.
        assert!(z_count(64.0, 500, 64.0, 500).abs() < 1e-12);
        assert!(z_count(0.0, 500, 64.0, 500) < -7.0);
        // The same counts on fewer trials weigh less.
        assert!(z_count(0.0, 40, 64.0, 500).abs() < z_count(0.0, 500, 64.0, 500).abs());
        // Extremes: the paper's max inside our spread is near 0; far outside it is capped.
        let lengths: Vec<f64> = (0..500).map(|i| 30.0 + f64::from(i) / 50.0).collect();
        assert!(z_extreme(&lengths, 39.98, 500, 0.01, true).abs() < 1.5);
        assert_eq!(z_extreme(&lengths, 60.0, 500, 0.01, true), -EXTREME_CAP);
        assert_eq!(z_extreme(&lengths, 20.0, 500, 0.01, true), EXTREME_CAP);
        // A minimum at an atom (the optimum reached often) matches the paper's optimum.
        let mut atoms = vec![30.0; 50];
        atoms.extend(lengths.iter().skip(50));
        assert!(z_extreme(&atoms, 30.0, 500, 0.01, false).abs() < 0.5);
    }

    #[test]
    fn problem_scores_pass_only_within_noise() {
        let numbers = |z: f64| {
            (0..10)
                .map(|k| Number {
                    problem: k % 3,
                    label: format!("n{k}"),
                    ours: 0.0,
                    paper: 0.0,
                    z,
                })
                .collect::<Vec<_>>()
        };
        let near = Score::from_numbers(numbers(1.0));
        assert!(near.passes_all());
        assert!((near.total - 1.0).abs() < 1e-12);
        let far = Score::from_numbers(numbers(3.0));
        assert!(!far.passes_all());
        assert!(far.total > near.total);
        let nan = Score::from_numbers(numbers(f64::NAN));
        assert!(!nan.passes_all());
    }
}
