//! SVG figures (plotters): line charts and per-trial scatter plots.

use std::path::Path;

use anyhow::{Context, anyhow};
use plotters::prelude::*;

/// One named series of `(x, y)` points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn bounds(series: &[Series], extra_y: &[f64]) -> anyhow::Result<((f64, f64), (f64, f64))> {
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(extra_y.iter().copied());
    let fold = |it: &mut dyn Iterator<Item = f64>| {
        it.filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    let (x0, x1) = fold(&mut xs.into_iter());
    let (y0, y1) = fold(&mut ys.into_iter());
    if !x0.is_finite() || !y0.is_finite() {
        return Err(anyhow!("nothing to plot"));
    }
    let pad = |lo: f64, hi: f64| {
        let span = (hi - lo).max(1e-9);
        (lo - 0.05 * span, hi + 0.05 * span)
    };
    Ok((pad(x0, x1), pad(y0, y1)))
}

/// Draws `series` as lines with markers (`scatter = false`) or as points only, with optional
/// horizontal reference lines (for example the optimum), to an SVG file.
pub fn chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    references: &[(String, f64)],
    scatter: bool,
) -> anyhow::Result<()> {
    let ref_values: Vec<f64> = references.iter().map(|r| r.1).collect();
    let ((x0, x1), (y0, y1)) = bounds(series, &ref_values)?;
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
        for (k, s) in series.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            let style = ShapeStyle::from(&color).filled();
            if scatter {
                chart
                    .draw_series(s.points.iter().map(|&(x, y)| Circle::new((x, y), 2, style)))?
                    .label(s.label.clone())
                    .legend(move |(x, y)| Circle::new((x + 10, y), 4, style));
            } else {
                chart
                    .draw_series(LineSeries::new(s.points.iter().copied(), &color))?
                    .label(s.label.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
                chart.draw_series(s.points.iter().map(|&(x, y)| Circle::new((x, y), 3, style)))?;
            }
        }
        for (label, value) in references {
            let black = BLACK.mix(0.7);
            chart
                .draw_series(LineSeries::new(vec![(x0, *value), (x1, *value)], black))?
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], black));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw()
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("cannot draw {}", path.display()))
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
}
