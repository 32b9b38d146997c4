//! Stores images, corrupts them, recalls them and writes the panel (stored | noisy | recalled).
//!
//! ```text
//! cargo run --example recall_images -p hopfield-memory -- [--out PANEL.png] [--noise 0.1] [IMAGES…]
//! ```
//!
//! With no images it uses the built-in glyph set: the letters A–H of the font8x8 font on a
//! 16 × 16 grid. Images are converted to grayscale, thresholded with Otsu's method (dark = +1)
//! and stored with the projection (pseudo-inverse) rule; each is then corrupted by flipping the
//! given fraction of its pixels and recalled asynchronously until a fixed point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use hopfield_memory::glyphs::{Font, RenderOptions, letters};
use hopfield_memory::hopfield_core::{
    NoObserver, RunConfig, Schedule, TieRule, relax, rng_from_seed,
};
use hopfield_memory::image::{ImageOptions, PanelLayout, load_patterns, save_recall_panel};
use hopfield_memory::recall::{classify, corrupt};
use hopfield_memory::rules::{LearningRule, Projection};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = PathBuf::from("recall_panel.png");
    let mut noise = 0.1_f64;
    let mut images = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().ok_or("--out needs a path")?.into(),
            "--noise" => noise = args.next().ok_or("--noise needs a fraction")?.parse()?,
            _ => images.push(PathBuf::from(arg)),
        }
    }
    if !(0.0..=0.5).contains(&noise) {
        return Err(format!("--noise {noise} is not a fraction in [0, 0.5]").into());
    }
    let (patterns, width, height) = if images.is_empty() {
        let set = letters(Font::Font8x8, &RenderOptions::square(16))?;
        eprintln!("no images given: using the letters A–H (font8x8, 16 × 16)");
        (set.patterns, set.width as u32, set.height as u32)
    } else {
        let set = load_patterns(&images, &ImageOptions::default())?;
        (set.patterns, set.width, set.height)
    };
    let net = Projection::default().learn(&patterns)?;
    let flips = (noise * patterns.n() as f64).round() as usize;
    let mut rng = rng_from_seed(2024);
    let mut rows = Vec::new();
    for u in 0..patterns.m() {
        let stored = patterns.get(u).clone();
        let noisy = corrupt(&stored, flips, &mut rng)?;
        let config = RunConfig {
            schedule: Schedule::RandomSweep,
            max_steps: 100 * patterns.n() as u64,
        };
        let (recalled, report) = relax(
            &net,
            noisy.clone(),
            TieRule::High,
            &config,
            &mut rng,
            &mut NoObserver,
        )?;
        println!(
            "pattern {u}: {flips} bits flipped → {:?} ({:?}), {} bits from the stored pattern",
            classify(&recalled, &patterns),
            report.termination,
            recalled.hamming(&stored)?
        );
        rows.push([stored, noisy, recalled]);
    }
    let refs: Vec<[&_; 3]> = rows.iter().map(|[a, b, c]| [a, b, c]).collect();
    save_recall_panel(&out, width, height, &refs, &PanelLayout::default())?;
    println!("panel written to {}", out.display());
    Ok(())
}
