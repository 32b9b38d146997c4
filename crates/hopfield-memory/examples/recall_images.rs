//! Stores images, corrupts them, recalls them and writes the panel (stored | noisy | recalled).
//!
//! ```text
//! cargo run --example recall_images -p hopfield-memory -- [--out PANEL.png] [--noise 0.1]
//!     [--resize WxH] [--max-neurons N] [IMAGES…]
//! ```
//!
//! With no images it uses the built-in glyph set: the letters A–H of the font8x8 font on a
//! 16 × 16 grid. Images are converted to grayscale, optionally resized, thresholded with Otsu's
//! method (dark = +1) and stored with the projection (pseudo-inverse) rule; each is then
//! corrupted by flipping the given fraction of its pixels and recalled asynchronously until a
//! fixed point.
//!
//! Every pixel is a neuron and the projection rule stores `N²` weights (8 bytes each), so the
//! number of neurons is checked before anything is learned: at most `--max-neurons`
//! (default 4096, a 134 MB network). Larger images are refused with the size they would need;
//! `--resize WxH` shrinks them on load.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use hopfield_memory::glyphs::{Font, RenderOptions, letters};
use hopfield_memory::hopfield_core::{
    NoObserver, RunConfig, Schedule, TieRule, relax, rng_from_seed,
};
use hopfield_memory::image::{
    ImageOptions, PanelLayout, check_network_size, load_patterns, save_recall_panel,
};
use hopfield_memory::recall::{classify, corrupt};
use hopfield_memory::rules::{LearningRule, Projection};

/// The default `--max-neurons`: 4096 neurons, 4096² weights of 8 bytes = 134 MB.
const DEFAULT_MAX_NEURONS: u64 = 4096;

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("--resize {text:?}: expected WIDTHxHEIGHT, for example 32x24");
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(bad());
    }
    Ok((w, h))
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = PathBuf::from("recall_panel.png");
    let mut noise = 0.1_f64;
    let mut resize = None;
    let mut max_neurons = DEFAULT_MAX_NEURONS;
    let mut images = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().ok_or("--out needs a path")?.into(),
            "--noise" => noise = args.next().ok_or("--noise needs a fraction")?.parse()?,
            "--resize" => resize = Some(parse_size(&args.next().ok_or("--resize needs WxH")?)?),
            "--max-neurons" => {
                max_neurons = args.next().ok_or("--max-neurons needs a number")?.parse()?;
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}").into()),
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
        let opts = ImageOptions {
            resize,
            ..ImageOptions::default()
        };
        let set = load_patterns(&images, &opts)?;
        (set.patterns, set.width, set.height)
    };
    check_network_size(width, height, max_neurons).map_err(|e| {
        format!(
            "{e} (here: --resize WxH, or --max-neurons N; the default is {DEFAULT_MAX_NEURONS})"
        )
    })?;
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
