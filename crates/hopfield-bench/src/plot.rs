//! SVG figures (plotters): line charts and per-trial scatter plots.
//!
//! Every figure puts its legend in a column to the right of the plot, so it never covers data;
//! axes that count (trials, boards, n) have integer ticks only; a time axis can be logarithmic;
//! points can carry their own labels (for example the instance each point measures).

use std::path::Path;

use anyhow::{Context, anyhow};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

/// One named series of `(x, y)` points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// How an axis maps and labels its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Linear, with round ticks.
    Linear,
    /// Linear, ticks on whole numbers only (counts, trial numbers, n).
    Integer,
    /// Logarithmic (base 10); points at or below zero are left out.
    Log,
}

/// An axis: its description and scale.
#[derive(Debug, Clone, Copy)]
pub struct Axis<'a> {
    /// The description under (or beside) the axis.
    pub label: &'a str,
    /// How values map and are labelled.
    pub scale: Scale,
}

impl<'a> Axis<'a> {
    /// A linear axis.
    pub fn linear(label: &'a str) -> Self {
        Axis {
            label,
            scale: Scale::Linear,
        }
    }

    /// An axis with whole-number ticks.
    pub fn integer(label: &'a str) -> Self {
        Axis {
            label,
            scale: Scale::Integer,
        }
    }

    /// A logarithmic axis.
    pub fn log(label: &'a str) -> Self {
        Axis {
            label,
            scale: Scale::Log,
        }
    }
}

/// A figure.
#[derive(Debug, Clone, Copy)]
pub struct Chart<'a> {
    /// The caption.
    pub title: &'a str,
    /// The horizontal axis.
    pub x: Axis<'a>,
    /// The vertical axis.
    pub y: Axis<'a>,
    /// The data.
    pub series: &'a [Series],
    /// Horizontal reference lines (for example the optimum), each with its legend label.
    pub references: &'a [(String, f64)],
    /// Points only (`true`) or lines with markers.
    pub scatter: bool,
    /// Per-point labels, parallel to `series` (empty for none).
    pub point_labels: &'a [Vec<String>],
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Maps a value to plot units (log10 on a log axis); `None` when a log axis cannot show it.
fn to_axis(scale: Scale, v: f64) -> Option<f64> {
    match scale {
        Scale::Log if v > 0.0 => Some(v.log10()),
        Scale::Log => None,
        _ => v.is_finite().then_some(v),
    }
}

/// The finite range of `values` (in plot units), padded by 5 %.
fn padded(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return None;
    }
    let span = (hi - lo).max(1e-9);
    Some((lo - 0.05 * span, hi + 0.05 * span))
}

/// A round step (1, 2 or 5 × 10^k, or 2.5 × 10^k for linear axes) giving about `target`
/// ticks over `span`; at least 1 for integer axes.
fn step(span: f64, target: f64, scale: Scale) -> f64 {
    let raw = (span / target).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let mantissas: &[f64] = match scale {
        Scale::Integer => &[1.0, 2.0, 5.0, 10.0],
        _ => &[1.0, 2.0, 2.5, 5.0, 10.0],
    };
    let step = mantissas
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    if scale == Scale::Integer {
        step.max(1.0).round()
    } else {
        step
    }
}

/// The tick positions (in plot units) of an axis over `(lo, hi)`.
fn ticks(scale: Scale, (lo, hi): (f64, f64)) -> Vec<f64> {
    match scale {
        Scale::Log => {
            let mut ticks: Vec<f64> = (lo.ceil() as i64..=hi.floor() as i64)
                .map(|e| e as f64)
                .collect();
            if ticks.len() < 3 {
                // Less than three decades: add 2 × and 5 × 10^k.
                ticks = (lo.floor() as i64..=hi.ceil() as i64)
                    .flat_map(|e| [1.0, 2.0, 5.0].map(|m| (m * 10f64.powi(e as i32)).log10()))
                    .filter(|t| (lo..=hi).contains(t))
                    .collect();
            }
            ticks
        }
        _ => {
            let s = step(hi - lo, 6.0, scale);
            let first = (lo / s).ceil() as i64;
            let last = (hi / s).floor() as i64;
            (first..=last).map(|k| k as f64 * s).collect()
        }
    }
}

/// The text of a tick at `v` (plot units).
fn tick_label(scale: Scale, v: f64) -> String {
    let value = if scale == Scale::Log {
        10f64.powf(v)
    } else {
        v
    };
    if scale == Scale::Integer || (value.fract().abs() < 1e-9 && value.abs() < 1e15) {
        return format!("{}", value.round());
    }
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A linear coordinate over `lo..hi` (plot units) whose ticks are exactly `ticks`.
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let f = (value - self.lo) / (self.hi - self.lo);
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Draws a figure to an SVG file: the plot on the left, the legend in its own column.
pub fn draw(path: &Path, c: &Chart<'_>) -> anyhow::Result<()> {
    let points = |s: &Series| -> Vec<(f64, f64)> {
        s.points
            .iter()
            .filter_map(|&(x, y)| Some((to_axis(c.x.scale, x)?, to_axis(c.y.scale, y)?)))
            .collect()
    };
    let mapped: Vec<Vec<(f64, f64)>> = c.series.iter().map(points).collect();
    let refs: Vec<(String, f64)> = c
        .references
        .iter()
        .filter_map(|(l, v)| Some((l.clone(), to_axis(c.y.scale, *v)?)))
        .collect();
    let xr =
        padded(mapped.iter().flatten().map(|p| p.0)).ok_or_else(|| anyhow!("nothing to plot"))?;
    let yr = padded(
        mapped
            .iter()
            .flatten()
            .map(|p| p.1)
            .chain(refs.iter().map(|r| r.1)),
    )
    .ok_or_else(|| anyhow!("nothing to plot"))?;
    let legend: Vec<(String, RGBColor, bool)> = c
        .series
        .iter()
        .enumerate()
        .map(|(k, s)| (s.label.clone(), COLORS[k % COLORS.len()], false))
        .chain(
            refs.iter()
                .map(|(l, _)| (l.clone(), RGBColor(80, 80, 80), true)),
        )
        .collect();
    let longest = legend
        .iter()
        .map(|l| l.0.chars().count())
        .max()
        .unwrap_or(0) as u32;
    let legend_w = (longest * 7 + 44).clamp(120, 340);
    let root = SVGBackend::new(path, (680 + legend_w, 480)).into_drawing_area();
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let (plot_area, legend_area) = root.split_horizontally(680);
        let x = Ticked {
            lo: xr.0,
            hi: xr.1,
            ticks: ticks(c.x.scale, xr),
        };
        let y = Ticked {
            lo: yr.0,
            hi: yr.1,
            ticks: ticks(c.y.scale, yr),
        };
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(c.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x, y)?;
        let (xs, ys) = (c.x.scale, c.y.scale);
        chart
            .configure_mesh()
            .x_desc(c.x.label)
            .y_desc(c.y.label)
            .x_label_formatter(&|v| tick_label(xs, *v))
            .y_label_formatter(&|v| tick_label(ys, *v))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .draw()?;
        for (k, pts) in mapped.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            let style = ShapeStyle::from(&color).filled();
            if c.scatter {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 2, style)))?;
            } else {
                chart.draw_series(LineSeries::new(pts.iter().copied(), &color))?;
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, style)))?;
            }
        }
        // Point labels, placed greedily where they overlap no label placed before.
        let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
        for (k, labels) in c.point_labels.iter().enumerate().take(mapped.len()) {
            let color = COLORS[k % COLORS.len()];
            let font = ("sans-serif", 12).into_font().color(&color);
            for (p, label) in mapped[k].iter().zip(labels) {
                let (px, py) = chart.backend_coord(p);
                let w = 7 * label.chars().count() as i32;
                let spot = [-16, 4, -30, 18, -44, 32]
                    .iter()
                    .map(|dy| (px + 5, py + dy))
                    .find(|&(x, y)| {
                        placed.iter().all(|&(a, b, aw, ah)| {
                            x + w <= a || a + aw <= x || y + 13 <= b || b + ah <= y
                        })
                    })
                    .unwrap_or((px + 5, py - 16));
                placed.push((spot.0, spot.1, w, 13));
                root.draw(&Text::new(label.clone(), spot, font.clone()))?;
            }
        }
        for (_, value) in &refs {
            let gray = RGBColor(80, 80, 80);
            chart.draw_series(LineSeries::new(
                vec![(xr.0, *value), (xr.1, *value)],
                gray.stroke_width(1),
            ))?;
        }
        // The legend, in its own column.
        let font = ("sans-serif", 13).into_font();
        for (k, (label, color, is_reference)) in legend.iter().enumerate() {
            let y = 50 + 22 * k as i32;
            if *is_reference || !c.scatter {
                legend_area.draw(&PathElement::new(
                    vec![(6, y), (26, y)],
                    color.stroke_width(2),
                ))?;
            }
            if !*is_reference {
                legend_area.draw(&Circle::new((16, y), 4, color.filled()))?;
            }
            legend_area.draw(&Text::new(label.clone(), (34, y - 7), font.clone()))?;
        }
        root.present()?;
        Ok(())
    };
    draw()
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("cannot draw {}", path.display()))
}

/// Draws `series` as lines with markers (`scatter = false`) or as points only, with optional
/// horizontal reference lines (for example the optimum), on linear axes (see [`draw`] for
/// integer and logarithmic axes and point labels).
pub fn chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    references: &[(String, f64)],
    scatter: bool,
) -> anyhow::Result<()> {
    draw(
        path,
        &Chart {
            title,
            x: Axis::linear(x_label),
            y: Axis::linear(y_label),
            series,
            references,
            scatter,
            point_labels: &[],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_with_labels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.svg");
        let series = vec![Series {
            label: "tunnel".into(),
            points: vec![(1.0, 2.0), (2.0, 3.5)],
        }];
        chart(
            &path,
            "T",
            "x",
            "y",
            &series,
            &[("optimum".into(), 2.5)],
            false,
        )
        .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("tunnel") && svg.contains("optimum"));
        assert!(chart(&path, "T", "x", "y", &[], &[], true).is_err());
    }

    #[test]
    fn integer_axes_tick_only_whole_numbers() {
        for (lo, hi) in [(-0.6, 12.6), (3.2, 30.9), (0.0, 2.0), (-20.0, 520.0)] {
            let t = ticks(Scale::Integer, (lo, hi));
            assert!(!t.is_empty(), "{lo}..{hi}");
            assert!(
                t.iter().all(|v| v.fract() == 0.0 && (lo..=hi).contains(v)),
                "{t:?}"
            );
            assert!(t.len() <= 13, "{t:?}");
        }
        // A linear axis over a small span may tick fractions.
        assert!(
            ticks(Scale::Linear, (0.0, 2.0))
                .iter()
                .any(|v| v.fract() != 0.0)
        );
        assert_eq!(tick_label(Scale::Integer, 12.0), "12");
    }

    #[test]
    fn log_axes_tick_powers_of_ten_and_label_points() {
        let t = ticks(Scale::Log, (-1.2, 3.4));
        assert_eq!(t, vec![-1.0, 0.0, 1.0, 2.0, 3.0]);
        let labels: Vec<String> = t.iter().map(|v| tick_label(Scale::Log, *v)).collect();
        assert_eq!(labels, ["0.1", "1", "10", "100", "1000"]);
        // Within one decade: 1, 2, 5 × 10^k.
        let t = ticks(Scale::Log, (0.1, 1.5));
        let labels: Vec<String> = t.iter().map(|v| tick_label(Scale::Log, *v)).collect();
        assert_eq!(labels, ["2", "5", "10", "20"]);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.svg");
        let series = vec![Series {
            label: "ours".into(),
            points: vec![(0.05, 100.0), (120.0, 40.0), (0.0, 10.0)],
        }];
        draw(
            &path,
            &Chart {
                title: "success vs time",
                x: Axis::log("ms per trial"),
                y: Axis::linear("% at the optimum"),
                series: &series,
                references: &[],
                scatter: true,
                point_labels: &[vec!["burma14".into(), "eil76".into(), "never drawn".into()]],
            },
        )
        .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("burma14") && svg.contains("eil76"), "{svg}");
        // The point at time 0 cannot be on a log axis, and neither can its label.
        assert!(!svg.contains("never drawn"));
    }
}
