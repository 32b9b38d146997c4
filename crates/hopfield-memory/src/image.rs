//! Patterns from images and back; the recall panel (stored | noisy | recalled).
//!
//! # From an image to a pattern
//! [`image_to_state`] runs a fixed pipeline, each step documented on its option:
//! 1. **Grayscale.** The decoded image is converted to 8-bit luminance by the `image` crate
//!    ([`DynamicImage::to_luma8`]: Rec. 709 luma weights; alpha is dropped).
//! 2. **Resize (optional).** [`ImageOptions::resize`] scales to exactly `width × height`
//!    (aspect ratio is not kept) with [`ImageOptions::filter`], by default
//!    [`FilterType::Triangle`] (bilinear), which averages source pixels when shrinking.
//! 3. **Threshold.** A pixel is *dark* when its luminance is `≤ t`, with `t` either fixed
//!    ([`Threshold::Fixed`]) or computed by Otsu's method on the image's histogram
//!    ([`Threshold::Otsu`], [`otsu_threshold`]).
//! 4. **Polarity.** By default dark pixels are `+1` (ink on paper, [`Polarity::DarkHigh`]);
//!    [`Polarity::LightHigh`] reverses it.
//!
//! The state is bipolar and row-major: component `y · width + x` is pixel `(x, y)`.
//!
//! # Back to images
//! [`state_to_image`] draws a state of `width × height` components as a black-and-white
//! [`GrayImage`] (high components black under [`Polarity::DarkHigh`]); [`recall_panel`] lays
//! out one row per pattern with the columns stored | noisy | recalled under a header that
//! names them, each cell scaled up by an integer factor and separated by a gray gap.
//!
//! # Limits
//! An image becomes one neuron per pixel, and learning rules store `N²` weights, so sizes are
//! checked before anything is allocated: [`load_image`] refuses a file whose header announces
//! more than [`ImageOptions::max_pixels`] pixels (default [`DEFAULT_MAX_PIXELS`]) before
//! decoding it, and every size is computed with checked arithmetic. The error names the limit
//! and how to raise it (or to shrink the image with [`ImageOptions::resize`]).
//!
//! The functions here are pure and return images or states; the `load_*` and `save_*`
//! wrappers add file input and output (PNG or JPEG in, PNG out) and name the path in their
//! errors. Sets of images become [`Patterns`] with [`patterns_from_images`] (in memory) and
//! [`load_patterns`] (files): an empty set and images of different sizes are errors.
//!
//! ```
//! use hopfield_memory::image::{state_to_image, gray_to_state, Polarity, Threshold};
//! use hopfield_memory::hopfield_core::{Encoding, State};
//!
//! let s = State::from_signs(Encoding::Bipolar, &[1, -1, -1, 1, 1, -1]);
//! let img = state_to_image(&s, 3, 2, Polarity::DarkHigh)?;
//! assert_eq!(img.get_pixel(0, 0).0, [0]); // +1 is black
//! assert_eq!(gray_to_state(&img, Threshold::Fixed(127), Polarity::DarkHigh), s);
//! # Ok::<(), hopfield_memory::image::ImageError>(())
//! ```

use std::path::Path;

use hopfield_core::{Encoding, State};

use crate::Patterns;
use crate::error::Result;

pub use ::image::imageops::FilterType;
pub use ::image::{DynamicImage, GrayImage, Luma};

/// Errors of image input and output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// An image file could not be opened or decoded.
    #[error("cannot read image {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// An image could not be encoded or written.
    #[error("cannot write image {path}: {reason}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Images of one set have different sizes.
    #[error(
        "image {path} is {found_w}×{found_h}, expected {expected_w}×{expected_h} like the first image"
    )]
    SizeMismatch {
        /// The file (or `image #i` for images in memory).
        path: String,
        /// Width of the first image.
        expected_w: u32,
        /// Height of the first image.
        expected_h: u32,
        /// Width of this image.
        found_w: u32,
        /// Height of this image.
        found_h: u32,
    },
    /// No images were given.
    #[error("no images were given")]
    Empty,
    /// A requested or found size is unusable (zero, or too large to index).
    #[error("invalid dimensions {width}×{height}: {reason}")]
    InvalidDimensions {
        /// Width.
        width: u64,
        /// Height.
        height: u64,
        /// Why.
        reason: String,
    },
    /// An image has more pixels than the limit allows (checked before decoding it).
    #[error(
        "image {path} is {width}×{height} = {pixels} pixels, more than the limit of {limit} \
         (ImageOptions::max_pixels): use a smaller image, or raise the limit if the machine has \
         the memory (about 8 bytes per pixel)"
    )]
    TooLarge {
        /// The file (or `image #i`).
        path: String,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// `width × height`.
        pixels: u64,
        /// The limit.
        limit: u64,
    },
    /// Images would make a dense network larger than the limit allows.
    #[error(
        "{width}×{height} images are {neurons} neurons; a dense network of them stores \
         {neurons}² weights ({gb:.3} GB), above the limit of {limit} neurons: shrink the images \
         (resize them) or raise the limit if the machine has 8·N² bytes to spare",
        gb = *.neurons as f64 * *.neurons as f64 * 8e-9
    )]
    TooManyNeurons {
        /// Image width.
        width: u32,
        /// Image height.
        height: u32,
        /// `width × height`.
        neurons: u64,
        /// The limit.
        limit: u64,
    },
    /// A state does not have `width × height` components.
    #[error("state {label} has {found} components, expected {expected} (width × height)")]
    StateLength {
        /// Which state (e.g. `row 2, noisy`).
        label: String,
        /// `width × height`.
        expected: usize,
        /// Its length.
        found: usize,
    },
    /// A bitmap font has no glyph for a character.
    #[error("font {font} has no glyph for {ch:?} (U+{code:04X})", code = *ch as u32)]
    MissingGlyph {
        /// The character.
        ch: char,
        /// The font.
        font: &'static str,
    },
}

/// How gray levels become two classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threshold {
    /// A pixel is dark when its luminance is `≤` this level (`Fixed(127)` splits 0..=255 in half).
    Fixed(u8),
    /// The level is chosen per image by Otsu's method ([`otsu_threshold`]).
    #[default]
    Otsu,
}

/// Which class is `+1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Polarity {
    /// Dark pixels are `+1` (ink on paper); `+1` is drawn black.
    #[default]
    DarkHigh,
    /// Light pixels are `+1`; `+1` is drawn white.
    LightHigh,
}

impl Polarity {
    /// The gray level drawn for a component: `high` is black under `DarkHigh`, white otherwise.
    #[inline]
    pub fn gray(self, high: bool) -> u8 {
        match (self, high) {
            (Polarity::DarkHigh, true) | (Polarity::LightHigh, false) => 0,
            _ => 255,
        }
    }

    /// Whether a pixel of the given class is `+1`.
    #[inline]
    fn is_high(self, dark: bool) -> bool {
        match self {
            Polarity::DarkHigh => dark,
            Polarity::LightHigh => !dark,
        }
    }
}

/// Options of the image → pattern pipeline (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageOptions {
    /// Resize to `(width, height)` after grayscale conversion; `None` keeps the size.
    pub resize: Option<(u32, u32)>,
    /// The resampling filter of the resize. Default [`FilterType::Triangle`] (bilinear).
    pub filter: FilterType,
    /// How gray levels are split. Default [`Threshold::Otsu`].
    pub threshold: Threshold,
    /// Which class is `+1`. Default [`Polarity::DarkHigh`].
    pub polarity: Polarity,
    /// The largest image accepted, in pixels: checked on the file's header before decoding,
    /// and on the size after any resize. Default [`DEFAULT_MAX_PIXELS`].
    pub max_pixels: u64,
}

/// The default [`ImageOptions::max_pixels`]: 2²⁴ pixels (4096 × 4096), at most 128 MB
/// decoded and as a state. Learning a dense network of N neurons needs `8·N²` bytes more;
/// whoever learns checks that size (the `recall_images` example has `--max-neurons`).
pub const DEFAULT_MAX_PIXELS: u64 = 1 << 24;

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            resize: None,
            filter: FilterType::Triangle,
            threshold: Threshold::Otsu,
            polarity: Polarity::DarkHigh,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

/// The number of neurons of `width × height` images, when a dense network of them (`N²`
/// weights of 8 bytes, as every learning rule stores) stays within `max_neurons`; call it
/// before learning from images.
///
/// ```
/// use hopfield_memory::image::{check_network_size, ImageError};
///
/// assert_eq!(check_network_size(64, 40, 4096)?, 2560);
/// let err = check_network_size(800, 480, 4096).unwrap_err();
/// assert!(err.to_string().contains("1179.648 GB"));
/// # Ok::<(), ImageError>(())
/// ```
pub fn check_network_size(width: u32, height: u32, max_neurons: u64) -> Result<usize, ImageError> {
    let neurons = u64::from(width) * u64::from(height);
    if neurons > max_neurons {
        return Err(ImageError::TooManyNeurons {
            width,
            height,
            neurons,
            limit: max_neurons,
        });
    }
    pixel_count(width, height)
}

/// Refuses `width × height` above `limit`.
fn check_pixels(path: &str, width: u32, height: u32, limit: u64) -> Result<(), ImageError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limit {
        return Err(ImageError::TooLarge {
            path: path.to_owned(),
            width,
            height,
            pixels,
            limit,
        });
    }
    Ok(())
}

/// A pattern read from one image, with the image's size.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageState {
    /// The bipolar, row-major state.
    pub state: State,
    /// Width in pixels (after any resize).
    pub width: u32,
    /// Height in pixels (after any resize).
    pub height: u32,
}

/// Patterns read from a set of images of one size.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    /// One pattern per image, in the order given; `N = width × height`.
    pub patterns: Patterns,
    /// Width of every image (after any resize).
    pub width: u32,
    /// Height of every image (after any resize).
    pub height: u32,
}

/// `width × height` as a `usize`, rejecting zero and overflow.
fn pixel_count(width: u32, height: u32) -> Result<usize, ImageError> {
    let invalid = |reason: &str| ImageError::InvalidDimensions {
        width: u64::from(width),
        height: u64::from(height),
        reason: reason.to_owned(),
    };
    if width == 0 || height == 0 {
        return Err(invalid("width and height must be at least 1"));
    }
    usize::try_from(u64::from(width) * u64::from(height))
        .map_err(|_| invalid("too many pixels for this platform"))
}

/// The 256-bin luminance histogram of an image.
pub fn histogram(img: &GrayImage) -> [u64; 256] {
    let mut h = [0u64; 256];
    for p in img.pixels() {
        h[usize::from(p.0[0])] += 1;
    }
    h
}

/// Otsu's threshold of a histogram: the level `t` maximizing the between-class variance of
/// the classes `≤ t` and `> t`.
///
/// The between-class variance is `(μ_T·n₀ − s₀·n)² / (n₀·(n − n₀))` up to a constant factor,
/// with `n₀`, `s₀` the count and sum of levels `≤ t`, `n` the total count and `μ_T` the mean.
/// When several consecutive levels reach the maximum (as for an image whose two modes have
/// no level between them), the middle of the first such run is returned, so the split lies
/// midway between the modes. A histogram with fewer than two distinct levels has no split:
/// the result is then `127`, so a uniform image is classified by its own level (black is
/// dark, white is light).
pub fn otsu_threshold_from_histogram(hist: &[u64; 256]) -> u8 {
    let n: f64 = hist.iter().map(|&c| c as f64).sum();
    let total_sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(level, &c)| level as f64 * c as f64)
        .sum();
    let mut scores = [f64::NEG_INFINITY; 256];
    let (mut n0, mut s0) = (0.0f64, 0.0f64);
    for (t, &c) in hist.iter().enumerate() {
        n0 += c as f64;
        s0 += t as f64 * c as f64;
        let n1 = n - n0;
        if n0 > 0.0 && n1 > 0.0 {
            let d = total_sum * n0 - s0 * n;
            scores[t] = d * d / (n0 * n1);
        }
    }
    let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !(best.is_finite() && best > 0.0) {
        return 127;
    }
    // Relative tolerance: equal variances computed along different sums may differ in the
    // last bits.
    let tol = best * 1e-12;
    let Some(first) = scores.iter().position(|&s| s >= best - tol) else {
        return 127;
    };
    let run = scores[first..]
        .iter()
        .take_while(|&&s| s >= best - tol)
        .count();
    // `first + (run - 1) / 2 ≤ 255` because the run lies within the 256 levels.
    u8::try_from(first + (run - 1) / 2).unwrap_or(u8::MAX)
}

/// Otsu's threshold of an image ([`otsu_threshold_from_histogram`] of its [`histogram`]).
pub fn otsu_threshold(img: &GrayImage) -> u8 {
    otsu_threshold_from_histogram(&histogram(img))
}

/// The level a [`Threshold`] resolves to for an image.
pub fn threshold_level(img: &GrayImage, threshold: Threshold) -> u8 {
    match threshold {
        Threshold::Fixed(t) => t,
        Threshold::Otsu => otsu_threshold(img),
    }
}

/// A grayscale image as a bipolar, row-major state: dark (`≤` the threshold level) pixels
/// are `+1` under [`Polarity::DarkHigh`].
pub fn gray_to_state(img: &GrayImage, threshold: Threshold, polarity: Polarity) -> State {
    let t = threshold_level(img, threshold);
    let bits: Vec<bool> = img
        .pixels()
        .map(|p| polarity.is_high(p.0[0] <= t))
        .collect();
    State::from_bits(Encoding::Bipolar, &bits)
}

/// Grayscale conversion and the optional resize of [`ImageOptions`].
///
/// Errors: a resize to zero pixels ([`ImageError::InvalidDimensions`]); an image (after any
/// resize) above [`ImageOptions::max_pixels`] ([`ImageError::TooLarge`]).
pub fn prepare(img: &DynamicImage, opts: &ImageOptions) -> Result<GrayImage, ImageError> {
    let (w, h) = match opts.resize {
        None => (img.width(), img.height()),
        Some((w, h)) => {
            pixel_count(w, h)?;
            (w, h)
        }
    };
    check_pixels("(in memory)", w, h, opts.max_pixels)?;
    let gray = img.to_luma8();
    Ok(match opts.resize {
        None => gray,
        Some((w, h)) => resize(&gray, w, h, opts.filter),
    })
}

/// Resizes a grayscale image to exactly `width × height` with the given filter (the aspect
/// ratio is not kept). A zero width or height gives an empty image; [`prepare`] rejects it.
pub fn resize(img: &GrayImage, width: u32, height: u32, filter: FilterType) -> GrayImage {
    ::image::imageops::resize(img, width, height, filter)
}

/// The full pipeline on an image in memory: grayscale, optional resize, threshold, polarity.
pub fn image_to_state(img: &DynamicImage, opts: &ImageOptions) -> Result<ImageState, ImageError> {
    let gray = prepare(img, opts)?;
    pixel_count(gray.width(), gray.height())?;
    Ok(ImageState {
        state: gray_to_state(&gray, opts.threshold, opts.polarity),
        width: gray.width(),
        height: gray.height(),
    })
}

/// Opens and decodes an image file (format guessed from its content, PNG or JPEG), refusing
/// one above [`DEFAULT_MAX_PIXELS`] before decoding it ([`load_image_with_limit`] sets
/// another limit).
pub fn load_image(path: impl AsRef<Path>) -> Result<DynamicImage, ImageError> {
    load_image_with_limit(path, DEFAULT_MAX_PIXELS)
}

/// Opens and decodes an image file, refusing one whose header announces more than
/// `max_pixels` pixels before anything is decoded ([`ImageError::TooLarge`]).
pub fn load_image_with_limit(
    path: impl AsRef<Path>,
    max_pixels: u64,
) -> Result<DynamicImage, ImageError> {
    let path = path.as_ref();
    let shown = path.display().to_string();
    let read_err = |reason: String| ImageError::Read {
        path: shown.clone(),
        reason,
    };
    let reader = ::image::ImageReader::open(path)
        .map_err(|e| read_err(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| read_err(e.to_string()))?;
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| read_err(e.to_string()))?;
    check_pixels(&shown, width, height, max_pixels)?;
    let mut reader = ::image::ImageReader::open(path)
        .map_err(|e| read_err(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| read_err(e.to_string()))?;
    // Decoding allocates at most 8 bytes per pixel (16-bit RGBA) plus the decoder's own
    // buffers; the image crate checks this too.
    let mut limits = ::image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(limits);
    reader.decode().map_err(|e| read_err(e.to_string()))
}

/// [`image_to_state`] of an image file, refusing a file above [`ImageOptions::max_pixels`]
/// before decoding it.
pub fn load_state(path: impl AsRef<Path>, opts: &ImageOptions) -> Result<ImageState, ImageError> {
    image_to_state(&load_image_with_limit(path, opts.max_pixels)?, opts)
}

/// Patterns from images in memory (each through [`image_to_state`]). Errors: an empty set
/// ([`ImageError::Empty`]), sizes that differ from the first image's after any resize
/// ([`ImageError::SizeMismatch`], naming `image #i`).
pub fn patterns_from_images(images: &[DynamicImage], opts: &ImageOptions) -> Result<ImageSet> {
    let states = images
        .iter()
        .map(|img| image_to_state(img, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let labels: Vec<String> = (0..images.len()).map(|i| format!("image #{i}")).collect();
    collect_set(states, &labels)
}

/// Patterns from image files, in the order given. Errors: an empty list
/// ([`ImageError::Empty`]), an unreadable or undecodable file ([`ImageError::Read`] with its
/// path), sizes that differ from the first file's after any resize
/// ([`ImageError::SizeMismatch`] with the path).
pub fn load_patterns<P: AsRef<Path>>(paths: &[P], opts: &ImageOptions) -> Result<ImageSet> {
    if paths.is_empty() {
        return Err(ImageError::Empty.into());
    }
    let states = paths
        .iter()
        .map(|p| load_state(p, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let labels: Vec<String> = paths
        .iter()
        .map(|p| p.as_ref().display().to_string())
        .collect();
    collect_set(states, &labels)
}

fn collect_set(states: Vec<ImageState>, labels: &[String]) -> Result<ImageSet> {
    let first = states.first().ok_or(ImageError::Empty)?;
    let (width, height) = (first.width, first.height);
    if let Some((i, s)) = states
        .iter()
        .enumerate()
        .find(|(_, s)| (s.width, s.height) != (width, height))
    {
        return Err(ImageError::SizeMismatch {
            path: labels.get(i).cloned().unwrap_or_else(|| format!("#{i}")),
            expected_w: width,
            expected_h: height,
            found_w: s.width,
            found_h: s.height,
        }
        .into());
    }
    Ok(ImageSet {
        patterns: Patterns::new(states.into_iter().map(|s| s.state).collect())?,
        width,
        height,
    })
}

fn check_len(
    state: &State,
    expected: usize,
    label: impl FnOnce() -> String,
) -> Result<(), ImageError> {
    if state.len() == expected {
        Ok(())
    } else {
        Err(ImageError::StateLength {
            label: label(),
            expected,
            found: state.len(),
        })
    }
}

/// A state of `width × height` components (row-major, any encoding) as a black-and-white
/// image: high components are black under [`Polarity::DarkHigh`], white under
/// [`Polarity::LightHigh`].
pub fn state_to_image(
    state: &State,
    width: u32,
    height: u32,
    polarity: Polarity,
) -> Result<GrayImage, ImageError> {
    let n = pixel_count(width, height)?;
    check_len(state, n, || "0".to_owned())?;
    let pixels: Vec<u8> = (0..n).map(|i| polarity.gray(state.is_high(i))).collect();
    GrayImage::from_raw(width, height, pixels).ok_or_else(|| ImageError::InvalidDimensions {
        width: u64::from(width),
        height: u64::from(height),
        reason: "pixel buffer does not match the size".to_owned(),
    })
}

/// Writes a grayscale image as PNG (whatever the file's extension).
pub fn save_png(img: &GrayImage, path: impl AsRef<Path>) -> Result<(), ImageError> {
    let path = path.as_ref();
    img.save_with_format(path, ::image::ImageFormat::Png)
        .map_err(|e| ImageError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// [`state_to_image`] written as PNG.
pub fn save_state_png(
    state: &State,
    width: u32,
    height: u32,
    polarity: Polarity,
    path: impl AsRef<Path>,
) -> Result<(), ImageError> {
    save_png(&state_to_image(state, width, height, polarity)?, path)
}

/// Geometry and colors of a [`recall_panel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelLayout {
    /// Each component is drawn as a `scale × scale` block (at least 1). Default 8.
    pub scale: u32,
    /// Pixels of background around and between cells. Default 2.
    pub gap: u32,
    /// The gray level of the gap. Default 128, distinct from both cell colors.
    pub background: u8,
    /// How components are colored. Default [`Polarity::DarkHigh`] (`+1` black).
    pub polarity: Polarity,
    /// A header row naming the columns ([`PANEL_COLUMNS`]: stored | noisy | recalled), in
    /// the 8 × 8 font8x8 glyphs, each label centered over its column and clipped to it.
    /// Default `true`.
    pub labels: bool,
}

impl Default for PanelLayout {
    fn default() -> Self {
        PanelLayout {
            scale: 8,
            gap: 2,
            background: 128,
            polarity: Polarity::DarkHigh,
            labels: true,
        }
    }
}

/// Column titles of a panel row, in order.
pub const PANEL_COLUMNS: [&str; 3] = ["stored", "noisy", "recalled"];

impl PanelLayout {
    /// The size factor of the header's 8 × 8 glyphs for cells `cell_w` pixels wide: as large
    /// as lets the longest title fit (at most 3), at least 1.
    fn text_scale(cell_w: u32) -> u32 {
        let longest = PANEL_COLUMNS.iter().map(|c| c.len()).max().unwrap_or(1) as u32;
        (cell_w / (8 * longest)).clamp(1, 3)
    }

    /// The height of the header row (0 without labels).
    fn header_height(&self, width: u32) -> Option<u32> {
        if !self.labels {
            return Some(0);
        }
        let cell_w = width.checked_mul(self.scale)?;
        (8 * Self::text_scale(cell_w)).checked_add(self.gap)
    }

    /// The panel's size in pixels for `rows` rows of `width × height` states:
    /// `(3·width·scale + 4·gap, header + rows·height·scale + (rows + 1)·gap)`, where the
    /// header (with [`labels`](Self::labels)) is `8·t + gap` pixels high for text scale `t`.
    pub fn panel_size(
        &self,
        width: u32,
        height: u32,
        rows: usize,
    ) -> Result<(u32, u32), ImageError> {
        let overflow = || ImageError::InvalidDimensions {
            width: u64::from(width),
            height: u64::from(height),
            reason: format!(
                "a panel of {rows} rows at scale {} is too large",
                self.scale
            ),
        };
        let rows = u32::try_from(rows).map_err(|_| overflow())?;
        let cell_w = width.checked_mul(self.scale).ok_or_else(overflow)?;
        let cell_h = height.checked_mul(self.scale).ok_or_else(overflow)?;
        let header = self.header_height(width).ok_or_else(overflow)?;
        let w = cell_w
            .checked_mul(3)
            .and_then(|v| v.checked_add(self.gap.checked_mul(4)?))
            .ok_or_else(overflow)?;
        let h = cell_h
            .checked_mul(rows)
            .and_then(|v| v.checked_add(self.gap.checked_mul(rows.checked_add(1)?)?))
            .and_then(|v| v.checked_add(header))
            .ok_or_else(overflow)?;
        Ok((w, h))
    }

    /// The top-left pixel of cell `(row, column)` (column 0 stored, 1 noisy, 2 recalled).
    /// Valid for a panel whose [`panel_size`](Self::panel_size) succeeded.
    pub fn cell_origin(&self, width: u32, height: u32, row: u32, column: u32) -> (u32, u32) {
        let header = self.header_height(width).unwrap_or(0);
        let x = self.gap + column * (width * self.scale + self.gap);
        let y = header + self.gap + row * (height * self.scale + self.gap);
        (x, y)
    }
}

/// Draws `text` in font8x8 glyphs scaled by `t`, centered on `[x0, x0 + w)` from row `y0`,
/// clipped to that span.
fn draw_label(panel: &mut GrayImage, text: &str, x0: u32, w: u32, y0: u32, t: u32, ink: u8) {
    let text_w = 8 * t * text.chars().count() as u32;
    let start = x0 + w.saturating_sub(text_w) / 2;
    for (k, ch) in (0u32..).zip(text.chars()) {
        let Some(rows) = font8x8::BASIC_UNICODE
            .get(ch as usize)
            .map(|g| g.byte_array())
        else {
            continue;
        };
        for (gy, row) in (0u32..).zip(rows) {
            for gx in 0..8u32 {
                if row & (1 << gx) == 0 {
                    continue;
                }
                for dy in 0..t {
                    for dx in 0..t {
                        let x = start + (k * 8 + gx) * t + dx;
                        let y = y0 + gy * t + dy;
                        if x < x0 + w && x < panel.width() && y < panel.height() {
                            panel.put_pixel(x, y, Luma([ink]));
                        }
                    }
                }
            }
        }
    }
}

/// The recall panel: one row per `[stored, noisy, recalled]` triple of `width × height`
/// states, each cell scaled up by `layout.scale` and separated by `layout.gap` pixels of
/// `layout.background`, under a header naming the columns (when `layout.labels`).
///
/// Errors: no rows ([`ImageError::Empty`]), a zero scale or size or a panel too large
/// ([`ImageError::InvalidDimensions`]), a state whose length is not `width × height`
/// ([`ImageError::StateLength`], naming its row and column).
pub fn recall_panel(
    width: u32,
    height: u32,
    rows: &[[&State; 3]],
    layout: &PanelLayout,
) -> Result<GrayImage, ImageError> {
    if rows.is_empty() {
        return Err(ImageError::Empty);
    }
    let n = pixel_count(width, height)?;
    if layout.scale == 0 {
        return Err(ImageError::InvalidDimensions {
            width: u64::from(width),
            height: u64::from(height),
            reason: "the panel scale must be at least 1".to_owned(),
        });
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, state) in row.iter().enumerate() {
            check_len(state, n, || format!("row {r}, {}", PANEL_COLUMNS[c]))?;
        }
    }
    let (pw, ph) = layout.panel_size(width, height, rows.len())?;
    let mut panel = GrayImage::from_pixel(pw, ph, Luma([layout.background]));
    if layout.labels {
        let cell_w = width * layout.scale;
        let t = PanelLayout::text_scale(cell_w);
        let ink = if layout.background > 127 { 0 } else { 255 };
        for (c, title) in (0u32..).zip(PANEL_COLUMNS) {
            let (x0, _) = layout.cell_origin(width, height, 0, c);
            draw_label(&mut panel, title, x0, cell_w, layout.gap, t, ink);
        }
    }
    let w = width as usize;
    for (r, row) in (0u32..).zip(rows) {
        for (c, state) in (0u32..).zip(row) {
            let (x0, y0) = layout.cell_origin(width, height, r, c);
            for i in 0..n {
                let gray = Luma([layout.polarity.gray(state.is_high(i))]);
                // i % w < width and i / w < height, so both fit in u32.
                let (px, py) = ((i % w) as u32, (i / w) as u32);
                for dy in 0..layout.scale {
                    for dx in 0..layout.scale {
                        panel.put_pixel(
                            x0 + px * layout.scale + dx,
                            y0 + py * layout.scale + dy,
                            gray,
                        );
                    }
                }
            }
        }
    }
    Ok(panel)
}

/// [`recall_panel`] written as PNG.
pub fn save_recall_panel(
    path: impl AsRef<Path>,
    width: u32,
    height: u32,
    rows: &[[&State; 3]],
    layout: &PanelLayout,
) -> Result<(), ImageError> {
    save_png(&recall_panel(width, height, rows, layout)?, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bimodal(low: u8, high: u8) -> GrayImage {
        GrayImage::from_fn(20, 10, |x, _| Luma([if x < 7 { low } else { high }]))
    }

    #[test]
    fn otsu_splits_between_modes() {
        let t = otsu_threshold(&bimodal(40, 200));
        assert!((40..200).contains(&t), "t = {t}");
        // Midpoint of the plateau of maxima.
        assert_eq!(t, 119);
        let s = gray_to_state(&bimodal(40, 200), Threshold::Otsu, Polarity::DarkHigh);
        assert_eq!(s.to_bits().iter().filter(|&&b| b).count(), 7 * 10);
    }

    #[test]
    fn otsu_with_noise_around_modes() {
        // Modes around 30 and 220 with a spread of ±10.
        let img = GrayImage::from_fn(64, 64, |x, y| {
            let jitter = ((x * 7 + y * 13) % 21) as u8;
            Luma([if (x + y) % 3 == 0 {
                20 + jitter
            } else {
                210 + jitter
            }])
        });
        let t = otsu_threshold(&img);
        assert!((40..210).contains(&t), "t = {t}");
    }

    #[test]
    fn otsu_uniform_falls_back() {
        let black = GrayImage::from_pixel(4, 4, Luma([0]));
        let white = GrayImage::from_pixel(4, 4, Luma([255]));
        assert_eq!(otsu_threshold(&black), 127);
        let sb = gray_to_state(&black, Threshold::Otsu, Polarity::DarkHigh);
        let sw = gray_to_state(&white, Threshold::Otsu, Polarity::DarkHigh);
        assert!(sb.to_bits().iter().all(|&b| b));
        assert!(sw.to_bits().iter().all(|&b| !b));
    }

    #[test]
    fn polarity_and_fixed_threshold() {
        let img = GrayImage::from_raw(3, 1, vec![10, 127, 128]).expect("3 pixels");
        let dark = gray_to_state(&img, Threshold::Fixed(127), Polarity::DarkHigh);
        assert_eq!(dark.to_bits(), vec![true, true, false]);
        let light = gray_to_state(&img, Threshold::Fixed(127), Polarity::LightHigh);
        assert_eq!(light.to_bits(), vec![false, false, true]);
        let back = state_to_image(&light, 3, 1, Polarity::LightHigh).expect("3 = 3×1");
        assert_eq!(back.into_raw(), vec![0, 0, 255]);
    }

    #[test]
    fn zero_sizes_are_rejected() {
        let s = State::from_bits(Encoding::Bipolar, &[]);
        assert!(matches!(
            state_to_image(&s, 0, 3, Polarity::DarkHigh),
            Err(ImageError::InvalidDimensions { .. })
        ));
        let opts = ImageOptions {
            resize: Some((0, 4)),
            ..ImageOptions::default()
        };
        let img = DynamicImage::ImageLuma8(bimodal(0, 255));
        assert!(matches!(
            image_to_state(&img, &opts),
            Err(ImageError::InvalidDimensions { .. })
        ));
    }
}
