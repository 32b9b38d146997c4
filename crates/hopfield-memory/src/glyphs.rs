//! The papers' pattern sets drawn from bitmap fonts: 己 已 巳 and the letters A–H.
//!
//! Nothing here is a hand-typed bitmap: every glyph comes from a font crate and is mapped to
//! the pattern grid by a fixed, deterministic procedure.
//!
//! # Fonts
//! - [`Font::Unifont`]: GNU Unifont through the `unifont` crate; CJK characters are
//!   16 × 16, Latin letters 8 × 16.
//! - [`Font::Font8x8`]: the public-domain 8 × 8 font of the `font8x8` crate (basic Latin),
//!   the font jesper-olsen/hopfield uses for its letters.
//!
//! # From a glyph to a grid
//! A set of glyphs is rendered together ([`render_set`]) to a `grid_width × grid_height` grid
//! (grid size unknown, default [`DEFAULT_GRID`] × [`DEFAULT_GRID`], N = 100):
//! 1. **Crop** ([`Crop`]). By default ([`Crop::SetInkBox`]) every glyph is cropped to the
//!    *union* of the ink bounding boxes of the whole set, so glyphs that differ in one stroke
//!    stay aligned with each other; [`Crop::FullCell`] keeps the font's whole cell.
//! 2. **Resample** ([`Resample`]). The cropped `w × h` box is stretched independently along
//!    each axis to the grid (the aspect ratio is not kept). [`Resample::Area`] (default,
//!    threshold ½) turns a grid cell on when at least that fraction of its area, computed
//!    exactly on the box's pixels, is ink. [`Resample::Nearest`] takes the pixel under the
//!    cell's centre (`⌊(2g + 1)·w / (2G)⌋`).
//!
//! Patterns are bipolar and row-major; ink is `+1`.
//!
//! # 己 已 巳 and the Hamming distances the paper relies on
//! Liang, Wu & Yu's L1 experiment needs `H(己,已) = H(己,巳) = 1` (hence `H(已,巳) = 2`): 己 and 已
//! differ in one neuron and 己 and 巳 in another. A font rendering need not give this: in the
//! three characters the left stroke between the top and middle bars is open (己), half-closed
//! (已) or closed (巳), which spans several pixels and, at a coarse grid, possibly none or
//! all of one cell. So there are two sets, named for what they are:
//! - [`kanji_font_set`]: the three glyphs as Unifont draws them, rendered to the grid. Use
//!   [`KanjiDistances::of`] to see which distances it has; the tests record them. With
//!   Unifont 15.1.05 the ink is nested (己 ⊂ 已 ⊂ 巳), so `H(己,巳) = H(己,已) + H(已,巳)` and
//!   the paper's distances cannot hold. Measured `(H(己,已), H(己,巳), H(已,巳))`: `(1, 3, 2)`
//!   at 10 × 10 (default options), `(2, 5, 3)` at the native 16 × 16 cell
//!   ([`Crop::FullCell`]), `(0, 2, 2)` at 8 × 8.
//! - [`kanji_idealized_set`]: the paper's idealized construction, derived from the rendered
//!   set by the rule documented there, with distances exactly 1, 1 and 2.
//!
//! ```
//! use hopfield_memory::glyphs::{kanji_idealized_set, KanjiDistances, RenderOptions};
//! let set = kanji_idealized_set(&RenderOptions::default())?;
//! let d = KanjiDistances::of(&set)?;
//! assert_eq!((d.ji_yi, d.ji_si, d.yi_si), (1, 1, 2));
//! assert!(d.paper_distances_hold());
//! # Ok::<(), hopfield_memory::MemoryError>(())
//! ```

use std::fmt;

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Encoding, State};

use crate::Patterns;
use crate::error::{MemoryError, Result};
use crate::image::ImageError;

/// The default grid side (10 × 10, N = 100, an assumption).
pub const DEFAULT_GRID: usize = 10;

/// The characters of Liang, Wu & Yu's L1 experiment, in order: 己 (jǐ), 已 (yǐ), 巳 (sì).
pub const KANJI: [char; 3] = ['己', '已', '巳'];

/// The letters of Liang, Wu & Yu's L2 experiment, in order.
pub const LETTERS: [char; 8] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

/// A bitmap font.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    /// GNU Unifont (`unifont` crate): 16 × 16 fullwidth, 8 × 16 halfwidth glyphs.
    Unifont,
    /// The 8 × 8 public-domain font of the `font8x8` crate (basic Latin, U+0000–U+007F).
    Font8x8,
}

impl Font {
    /// The font's name as used in errors.
    pub fn name(self) -> &'static str {
        match self {
            Font::Unifont => "unifont",
            Font::Font8x8 => "font8x8",
        }
    }
}

impl fmt::Display for Font {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A glyph as the font stores it: `width × height` pixels, row-major, `true` is ink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glyph {
    /// The character.
    pub ch: char,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major pixels, `true` is ink.
    pub ink: Vec<bool>,
}

impl Glyph {
    /// Whether pixel `(x, y)` is ink (`false` outside the glyph).
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.ink[y * self.width + x]
    }

    /// The ink bounding box `(x0, y0, x1, y1)`, exclusive ends; `None` for a blank glyph.
    pub fn ink_box(&self) -> Option<InkBox> {
        let mut b: Option<InkBox> = None;
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    let pixel = InkBox {
                        x0: x,
                        y0: y,
                        x1: x + 1,
                        y1: y + 1,
                    };
                    b = Some(b.map_or(pixel, |b| b.union(&pixel)));
                }
            }
        }
        b
    }
}

/// A pixel rectangle `[x0, x1) × [y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InkBox {
    /// Left column (inclusive).
    pub x0: usize,
    /// Top row (inclusive).
    pub y0: usize,
    /// Right column (exclusive).
    pub x1: usize,
    /// Bottom row (exclusive).
    pub y1: usize,
}

impl InkBox {
    /// The smallest rectangle containing both.
    pub fn union(&self, other: &InkBox) -> InkBox {
        InkBox {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.x1 - self.x0
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.y1 - self.y0
    }
}

/// The glyph of `ch` in a font; [`ImageError::MissingGlyph`] if the font has none.
pub fn font_glyph(font: Font, ch: char) -> Result<Glyph, ImageError> {
    let missing = || ImageError::MissingGlyph {
        ch,
        font: font.name(),
    };
    match font {
        Font::Unifont => {
            let g = unifont::get_glyph(ch).ok_or_else(missing)?;
            let (width, height) = (g.get_width(), 16);
            let ink = (0..height)
                .flat_map(|y| (0..width).map(move |x| (x, y)))
                .map(|(x, y)| g.get_pixel(x, y))
                .collect();
            Ok(Glyph {
                ch,
                width,
                height,
                ink,
            })
        }
        Font::Font8x8 => {
            let code = usize::try_from(u32::from(ch)).map_err(|_| missing())?;
            let entry = font8x8::BASIC_UNICODE.get(code).ok_or_else(missing)?;
            let rows = entry.byte_array();
            // font8x8 stores one byte per row, bit 0 the leftmost pixel.
            let ink = rows
                .iter()
                .flat_map(|&row| (0..8).map(move |x| row & (1 << x) != 0))
                .collect();
            Ok(Glyph {
                ch,
                width: 8,
                height: 8,
                ink,
            })
        }
    }
}

/// Which part of the font cell is mapped to the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Crop {
    /// The union of the ink bounding boxes of all glyphs of the set (glyphs stay aligned).
    #[default]
    SetInkBox,
    /// The whole font cell (the union of the cells, for glyphs of different widths).
    FullCell,
}

/// How a cropped box is resampled to the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resample {
    /// A cell is on when its ink fraction, computed exactly over the box's pixels, is at least
    /// `threshold` (in `(0, 1]`).
    Area {
        /// The ink fraction a cell needs, `0 < threshold ≤ 1`.
        threshold: f64,
    },
    /// A cell takes the pixel under its centre.
    Nearest,
}

impl Default for Resample {
    fn default() -> Self {
        Resample::Area { threshold: 0.5 }
    }
}

/// How glyphs are rendered to a grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Grid columns (at least 1).
    pub grid_width: usize,
    /// Grid rows (at least 1).
    pub grid_height: usize,
    /// The crop. Default [`Crop::SetInkBox`].
    pub crop: Crop,
    /// The resampling. Default [`Resample::Area`] with threshold ½.
    pub resample: Resample,
}

impl RenderOptions {
    /// A `side × side` grid with the default crop and resampling.
    pub fn square(side: usize) -> Self {
        RenderOptions {
            grid_width: side,
            grid_height: side,
            ..RenderOptions::default()
        }
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            grid_width: DEFAULT_GRID,
            grid_height: DEFAULT_GRID,
            crop: Crop::default(),
            resample: Resample::default(),
        }
    }
}

/// Where a [`GlyphSet`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Glyphs of a font rendered to the grid, unchanged.
    FontRendering(Font),
    /// The paper's idealized 己 已 巳, derived from the Unifont rendering by
    /// [`kanji_idealized_set`]'s rule.
    IdealizedKanji,
}

/// Named patterns drawn on a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GlyphSet {
    /// The character of each pattern, in order.
    pub chars: Vec<char>,
    /// Grid columns.
    pub width: usize,
    /// Grid rows.
    pub height: usize,
    /// The patterns: bipolar, row-major, ink `+1`; `N = width × height`.
    pub patterns: Patterns,
    /// How the set was made.
    pub provenance: Provenance,
}

impl GlyphSet {
    /// Pairwise Hamming distances with the characters' names.
    pub fn hamming(&self) -> HammingTable {
        HammingTable {
            chars: self.chars.clone(),
            distances: self.patterns.hamming_matrix(),
        }
    }

    /// Pattern `u` as text, one line per grid row, `#` for ink and `.` for blank.
    /// Panics if `u` is out of range, like [`Patterns::get`].
    pub fn to_text(&self, u: usize) -> String {
        let s = self.patterns.get(u);
        let mut out = String::with_capacity((self.width + 1) * self.height);
        for y in 0..self.height {
            for x in 0..self.width {
                out.push(if s.is_high(y * self.width + x) {
                    '#'
                } else {
                    '.'
                });
            }
            out.push('\n');
        }
        out
    }
}

/// Pairwise Hamming distances of a named set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HammingTable {
    /// Row and column names.
    pub chars: Vec<char>,
    /// `M × M` distances, zero diagonal.
    pub distances: DMatrix<usize>,
}

impl HammingTable {
    /// The distance between two characters of the set, if both are in it.
    pub fn between(&self, a: char, b: char) -> Option<usize> {
        let i = self.chars.iter().position(|&c| c == a)?;
        let j = self.chars.iter().position(|&c| c == b)?;
        Some(self.distances[(i, j)])
    }

    /// The smallest distance between two different patterns with their characters; `None`
    /// for a set of one pattern.
    pub fn min_pair(&self) -> Option<(usize, char, char)> {
        let m = self.chars.len();
        (0..m)
            .flat_map(|i| (i + 1..m).map(move |j| (i, j)))
            .map(|(i, j)| (self.distances[(i, j)], self.chars[i], self.chars[j]))
            .min_by_key(|&(d, _, _)| d)
    }
}

impl fmt::Display for HammingTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "  ")?;
        for c in &self.chars {
            write!(f, " {c:>4}")?;
        }
        writeln!(f)?;
        for (i, c) in self.chars.iter().enumerate() {
            write!(f, "{c}")?;
            for j in 0..self.chars.len() {
                write!(f, " {:>4}", self.distances[(i, j)])?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The Hamming distances among 己 已 巳 that Liang, Wu & Yu's L1 experiment relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KanjiDistances {
    /// `H(己, 已)`.
    pub ji_yi: usize,
    /// `H(己, 巳)`.
    pub ji_si: usize,
    /// `H(已, 巳)`.
    pub yi_si: usize,
}

impl KanjiDistances {
    /// The distances in a set containing 己, 已 and 巳 (in any order); an
    /// [`MemoryError::InvalidParams`] error naming a missing character otherwise.
    pub fn of(set: &GlyphSet) -> Result<Self> {
        let table = set.hamming();
        let d = |a: char, b: char| {
            table
                .between(a, b)
                .ok_or_else(|| MemoryError::InvalidParams {
                    name: "set",
                    reason: format!("the glyph set has no {} or {}", a, b),
                })
        };
        Ok(KanjiDistances {
            ji_yi: d(KANJI[0], KANJI[1])?,
            ji_si: d(KANJI[0], KANJI[2])?,
            yi_si: d(KANJI[1], KANJI[2])?,
        })
    }

    /// Whether `H(己,已) = H(己,巳) = 1` and `H(已,巳) = 2`, as the paper's explanation needs.
    pub fn paper_distances_hold(&self) -> bool {
        (self.ji_yi, self.ji_si, self.yi_si) == (1, 1, 2)
    }
}

fn check_options(opts: &RenderOptions) -> Result<()> {
    if opts.grid_width == 0 || opts.grid_height == 0 {
        return Err(MemoryError::InvalidParams {
            name: "grid",
            reason: format!(
                "{}×{} has no cells; both sides must be at least 1",
                opts.grid_width, opts.grid_height
            ),
        });
    }
    if let Resample::Area { threshold } = opts.resample
        && !(threshold > 0.0 && threshold <= 1.0)
    {
        return Err(MemoryError::InvalidParams {
            name: "threshold",
            reason: format!("{threshold} is not in (0, 1]"),
        });
    }
    Ok(())
}

/// Renders one glyph's box `b` to the grid (see the [module docs](self)).
fn render_box(glyph: &Glyph, b: &InkBox, opts: &RenderOptions) -> Vec<bool> {
    let (gw, gh) = (opts.grid_width, opts.grid_height);
    let (bw, bh) = (b.width(), b.height());
    let mut bits = Vec::with_capacity(gw * gh);
    for gy in 0..gh {
        for gx in 0..gw {
            let on = match opts.resample {
                Resample::Nearest => {
                    let sx = b.x0 + (2 * gx + 1) * bw / (2 * gw);
                    let sy = b.y0 + (2 * gy + 1) * bh / (2 * gh);
                    glyph.get(sx, sy)
                }
                Resample::Area { threshold } => {
                    // In units where a source pixel is gw (x) by gh (y), grid cell gx spans
                    // [gx·bw, (gx+1)·bw) and pixel sx spans [sx·gw, (sx+1)·gw): integers.
                    let overlap = |s: usize, g: usize, scale_s: usize, scale_g: usize| {
                        let lo = (s * scale_s).max(g * scale_g);
                        let hi = ((s + 1) * scale_s).min((g + 1) * scale_g);
                        hi.saturating_sub(lo)
                    };
                    let sx_range = (gx * bw / gw)..((gx + 1) * bw).div_ceil(gw).min(bw);
                    let sy_range = (gy * bh / gh)..((gy + 1) * bh).div_ceil(gh).min(bh);
                    let mut ink = 0usize;
                    for sy in sy_range {
                        let oy = overlap(sy, gy, gh, bh);
                        if oy == 0 {
                            continue;
                        }
                        for sx in sx_range.clone() {
                            if glyph.get(b.x0 + sx, b.y0 + sy) {
                                ink += overlap(sx, gx, gw, bw) * oy;
                            }
                        }
                    }
                    ink as f64 >= threshold * (bw * bh) as f64
                }
            };
            bits.push(on);
        }
    }
    bits
}

/// Renders glyphs of a font to patterns on the grid of `opts`, all with one crop (see the
/// [module docs](self)). Errors: no characters, a grid with no cells, an area threshold
/// outside `(0, 1]`, a character missing from the font, or a set with no ink at all under
/// [`Crop::SetInkBox`].
pub fn render_set(font: Font, chars: &[char], opts: &RenderOptions) -> Result<GlyphSet> {
    check_options(opts)?;
    if chars.is_empty() {
        return Err(MemoryError::EmptyPatternSet);
    }
    let glyphs = chars
        .iter()
        .map(|&c| font_glyph(font, c))
        .collect::<Result<Vec<_>, _>>()?;
    let full = glyphs
        .iter()
        .map(|g| InkBox {
            x0: 0,
            y0: 0,
            x1: g.width,
            y1: g.height,
        })
        .reduce(|a, b| a.union(&b));
    let crop = match opts.crop {
        Crop::FullCell => full,
        Crop::SetInkBox => glyphs
            .iter()
            .filter_map(Glyph::ink_box)
            .reduce(|a, b| a.union(&b)),
    }
    .ok_or_else(|| MemoryError::InvalidParams {
        name: "chars",
        reason: format!("the glyphs of {chars:?} in {font} have no ink to crop to"),
    })?;
    let states = glyphs
        .iter()
        .map(|g| State::from_bits(Encoding::Bipolar, &render_box(g, &crop, opts)))
        .collect();
    Ok(GlyphSet {
        chars: chars.to_vec(),
        width: opts.grid_width,
        height: opts.grid_height,
        patterns: Patterns::new(states)?,
        provenance: Provenance::FontRendering(font),
    })
}

/// Any characters of a string from Unifont (whitespace is skipped), e.g. `chars("ABC", …)`.
pub fn chars(text: &str, opts: &RenderOptions) -> Result<GlyphSet> {
    let cs: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    render_set(Font::Unifont, &cs, opts)
}

/// The letters A–H ([`LETTERS`]) from a font; Liang, Wu & Yu's sets A, AB, …, ABCDEFGH are the
/// [`Patterns::prefix`]es of its patterns.
pub fn letters(font: Font, opts: &RenderOptions) -> Result<GlyphSet> {
    render_set(font, &LETTERS, opts)
}

/// 己 已 巳 ([`KANJI`]) as Unifont draws them, rendered to the grid unchanged.
pub fn kanji_font_set(opts: &RenderOptions) -> Result<GlyphSet> {
    render_set(Font::Unifont, &KANJI, opts)
}

/// The paper's idealized 己 已 巳: `H(己,已) = H(己,巳) = 1`, `H(已,巳) = 2`.
///
/// Construction, from the Unifont rendering at the same options ([`kanji_font_set`]):
/// - 己 is the rendered 己, unchanged.
/// - Let `D` be the cells that are ink in the rendered 巳 but blank in the rendered 己, in
///   row-major order. In the font these are the left stroke closing the gap between the top
///   and middle bars (the one place where the characters differ).
/// - 巳 is 己 plus the **first** cell of `D` (the top of the gap: the stroke reaches the top
///   bar, which is what distinguishes 巳).
/// - 已 is 己 plus the **last** cell of `D` (the bottom of the gap: the stroke rises part
///   way from the middle bar, as in 已).
///
/// So each idealized glyph differs from 己 in exactly one cell and from each other in two.
/// At the default 10 × 10 grid `D` is the three cells of the left stroke between the bars,
/// and the idealized 已 equals the font's 已; only 巳 departs from the font.
/// Errors with [`MemoryError::InvalidParams`] if `D` has fewer than two cells at this grid
/// (the gap is too small to be drawn twice).
pub fn kanji_idealized_set(opts: &RenderOptions) -> Result<GlyphSet> {
    let font = kanji_font_set(opts)?;
    let ji = font.patterns.get(0);
    let si = font.patterns.get(2);
    let d: Vec<usize> = (0..ji.len())
        .filter(|&i| si.is_high(i) && !ji.is_high(i))
        .collect();
    let (Some(&top), Some(&bottom)) = (d.first(), d.last()) else {
        return Err(too_small_gap(opts, d.len()));
    };
    if top == bottom {
        return Err(too_small_gap(opts, d.len()));
    }
    let mut yi = ji.clone();
    yi.set(bottom, true);
    let mut si = ji.clone();
    si.set(top, true);
    Ok(GlyphSet {
        chars: KANJI.to_vec(),
        width: font.width,
        height: font.height,
        patterns: Patterns::new(vec![ji.clone(), yi, si])?,
        provenance: Provenance::IdealizedKanji,
    })
}

fn too_small_gap(opts: &RenderOptions, cells: usize) -> MemoryError {
    MemoryError::InvalidParams {
        name: "grid",
        reason: format!(
            "at {}×{} the rendered 巳 adds {cells} cell(s) to 己; the idealized 已/巳 need two",
            opts.grid_width, opts.grid_height
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font8x8_a_is_read_left_to_right() {
        // 'A' in font8x8: the top row is 0x0C = pixels 2 and 3 from the left.
        let a = font_glyph(Font::Font8x8, 'A').expect("A exists");
        assert_eq!(
            &a.ink[..8],
            &[false, false, true, true, false, false, false, false]
        );
        assert!(font_glyph(Font::Font8x8, '己').is_err());
    }

    #[test]
    fn unifont_kanji_are_fullwidth() {
        for c in KANJI {
            let g = font_glyph(Font::Unifont, c).expect("CJK glyph");
            assert_eq!((g.width, g.height), (16, 16));
            assert!(g.ink.iter().any(|&b| b));
        }
    }

    #[test]
    fn full_cell_at_native_size_is_identity() {
        let opts = RenderOptions {
            grid_width: 16,
            grid_height: 16,
            crop: Crop::FullCell,
            resample: Resample::Area { threshold: 0.5 },
        };
        let set = kanji_font_set(&opts).expect("renders");
        for (u, &c) in KANJI.iter().enumerate() {
            let g = font_glyph(Font::Unifont, c).expect("glyph");
            assert_eq!(set.patterns.get(u).to_bits(), g.ink);
        }
        let nearest = kanji_font_set(&RenderOptions {
            resample: Resample::Nearest,
            ..opts
        })
        .expect("renders");
        assert_eq!(nearest.patterns, set.patterns);
    }

    #[test]
    fn area_downsample_by_two_is_majority() {
        // A 4×4 glyph with ink in the top-left 2×2 block and one pixel elsewhere.
        let mut ink = vec![false; 16];
        for i in [0, 1, 4, 5, 15] {
            ink[i] = true;
        }
        let g = Glyph {
            ch: 'x',
            width: 4,
            height: 4,
            ink,
        };
        let b = InkBox {
            x0: 0,
            y0: 0,
            x1: 4,
            y1: 4,
        };
        let opts = RenderOptions {
            grid_width: 2,
            grid_height: 2,
            crop: Crop::FullCell,
            resample: Resample::Area { threshold: 0.5 },
        };
        assert_eq!(render_box(&g, &b, &opts), vec![true, false, false, false]);
        let quarter = RenderOptions {
            resample: Resample::Area { threshold: 0.25 },
            ..opts
        };
        assert_eq!(render_box(&g, &b, &quarter), vec![true, false, false, true]);
    }

    #[test]
    fn bad_options_are_rejected() {
        assert!(kanji_font_set(&RenderOptions::square(0)).is_err());
        let opts = RenderOptions {
            resample: Resample::Area { threshold: 0.0 },
            ..RenderOptions::default()
        };
        assert!(kanji_font_set(&opts).is_err());
        assert!(render_set(Font::Unifont, &[], &RenderOptions::default()).is_err());
        assert!(matches!(
            render_set(Font::Unifont, &[' '], &RenderOptions::default()),
            Err(MemoryError::InvalidParams { name: "chars", .. })
        ));
    }
}
