//! TSPLIB instances and tours: validated parsing, the distance conventions, tour lengths.
//!
//! # Parsing
//!
//! [`Instance::parse`] reads a symmetric or asymmetric TSP file (`TYPE: TSP` / `ATSP`) in two
//! passes:
//!
//! 1. Our own line scanner checks the structure and every value it needs, with errors naming
//!    the file and the 1-based line: known keywords, no repeated keyword, a positive
//!    `DIMENSION`, supported `EDGE_WEIGHT_TYPE` / `EDGE_WEIGHT_FORMAT`, no `EDGE_WEIGHT_SECTION`
//!    under `EDGE_WEIGHT_FORMAT: FUNCTION` (the `tsplib` crate 0.1 has a bare `panic!` there),
//!    exactly `DIMENSION` coordinates with indices `1..=n` each once, finite numeric coordinates,
//!    the right number of non-negative integer explicit weights, no data outside a section,
//!    required sections present. `NODE_COORD_SECTION` is parsed here as `f64`: the crate stores
//!    `f32`, which rounds large coordinates (5000000.3 → 5000000.5) and then breaks `EUC_2D`.
//! 2. The `tsplib` crate then parses the header lines and the `EDGE_WEIGHT_SECTION` (handed a
//!    normalised text: blank lines dropped, each section terminated by a blank line, coordinate
//!    and display sections removed). Its results (name, comments, types, dimension, explicit
//!    weights) are cross-checked against the scan. The call runs under
//!    [`std::panic::catch_unwind`] as a last resort, so no input can crash the caller.
//!
//! Tour files ([`Tour::parse`]) are read by the scanner alone: the crate rejects the common
//! one-line form `1 2 3 … -1`, silently accepts repeated or out-of-range cities, and its tour
//! parser would be the only thing it contributes.
//!
//! `DISPLAY_DATA_SECTION` is accepted and ignored; `FIXED_EDGES_SECTION`, `EDGE_DATA_SECTION`,
//! `DEMAND_SECTION`, `DEPOT_SECTION`, 3-D and `XRAY`/`SPECIAL` weight types are rejected as
//! unsupported (fixed edges would change the optimum, the rest is not TSP).
//!
//! The checks that need only the text (everything above but the cross-check with the crate)
//! live in a standard-library-only file, `tsplib/text.rs`, which `cargo xtask fetch-tsplib`
//! compiles too: a downloaded file is installed only when this loader accepts it.
//!
//! # Limits
//!
//! `DIMENSION` ≤ [`MAX_DIMENSION`]; coordinates within ±[`MAX_ABS_COORDINATE`], so every
//! distance is finite; explicit weights ≤ [`MAX_EXPLICIT_WEIGHT`] = 2⁵³, so every weight is
//! exactly an `f64`; [`Instance::distance_matrix`] builds at most
//! [`MAX_MATRIX_DIMENSION`] cities.
//!
//! # Embedded instances
//!
//! The two instances of Matsumoto, Tanaka, Kurihara & Okuhara (2004)'s Table 1, burma14 and
//! ulysses22, ship inside this crate ([`EMBEDDED`], [`Instance::embedded`]), copied unchanged
//! from TSPLIB95 (G. Reinelt, Universität Heidelberg; `data/README.md` gives the source and
//! fingerprints), so the paper's table needs no download:
//!
//! ```
//! use hopfield_opt::tsplib::{Convention, Instance};
//!
//! let burma14 = Instance::embedded("burma14")?;
//! assert_eq!(burma14.dimension, 14);
//! let d = burma14.distance_matrix(Convention::Official)?;
//! assert_eq!(d[(0, 1)], 153.0); // TSPLIB's GEO metric
//! # Ok::<(), hopfield_opt::OptError>(())
//! ```
//!
//! # Distance conventions
//!
//! - [`Convention::RawEuclidean`]: the 2004 Matsumoto et al. paper's convention, plain `f64`
//!   Euclidean distance on the raw coordinates, no rounding — even for `GEO` files, whose
//!   latitude/longitude numbers are then treated as (x, y). Needs coordinates.
//! - [`Convention::Official`]: the file's `EDGE_WEIGHT_TYPE` as TSPLIB95 defines it, integral:
//!   `EUC_2D` = nint(√·), `CEIL_2D` = ⌈√·⌉, `ATT` pseudo-Euclidean, `MAN_2D`, `MAX_2D`, `GEO`
//!   (PI = 3.141592, RRR = 6378.388, `d = (int)(RRR·acos(…) + 1)`), `EXPLICIT` weights. For `GEO`
//!   the degrees are *truncated* (`deg = (int)x`), not rounded as TSPLIB's DOC.PS prints: only
//!   truncation reproduces the published optima (burma14 3323, ulysses16 6859, ulysses22 7013).
//!   The diagonal is 0 for every coordinate rule.

mod text;

use std::io::Cursor;
use std::path::Path;

use nalgebra::DMatrix;

use crate::{OptError, Result};
use text::weight_count;
pub use text::{MAX_ABS_COORDINATE, MAX_DIMENSION, MAX_EXPLICIT_WEIGHT};

impl From<text::ParseError> for OptError {
    fn from(e: text::ParseError) -> Self {
        OptError::Parse {
            file: e.file,
            line: e.line,
            reason: e.reason,
        }
    }
}

fn perr(file: &str, line: Option<usize>, reason: impl Into<String>) -> OptError {
    OptError::Parse {
        file: file.to_owned(),
        line,
        reason: reason.into(),
    }
}

/// Largest dimension for which [`Instance::distance_matrix`] builds a dense matrix (3.2 GB).
pub const MAX_MATRIX_DIMENSION: usize = 20_000;

/// The TSPLIB instances that ship inside this crate: those of Matsumoto et al. (2004)'s
/// Table 1.
pub const EMBEDDED: [&str; 2] = ["burma14", "ulysses22"];

/// The text of an embedded instance (`burma14`, `ulysses22`), unchanged from TSPLIB95.
pub fn embedded_text(name: &str) -> Option<&'static str> {
    match name {
        "burma14" => Some(include_str!("../data/burma14.tsp")),
        "ulysses22" => Some(include_str!("../data/ulysses22.tsp")),
        _ => None,
    }
}

/// How a TSPLIB file defines its edge weights (the supported subset of `EDGE_WEIGHT_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EdgeWeightType {
    /// Weights listed in an `EDGE_WEIGHT_SECTION`.
    Explicit,
    /// Euclidean distance rounded to the nearest integer.
    Euc2d,
    /// Euclidean distance rounded up.
    Ceil2d,
    /// Manhattan distance rounded to the nearest integer.
    Man2d,
    /// Maximum-norm distance, each component rounded to the nearest integer.
    Max2d,
    /// Geographical distance on an idealised sphere, coordinates in DDD.MM.
    Geo,
    /// Pseudo-Euclidean distance (att48, att532).
    Att,
}

impl EdgeWeightType {
    /// The keyword TSPLIB uses for this type.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Explicit => "EXPLICIT",
            Self::Euc2d => "EUC_2D",
            Self::Ceil2d => "CEIL_2D",
            Self::Man2d => "MAN_2D",
            Self::Max2d => "MAX_2D",
            Self::Geo => "GEO",
            Self::Att => "ATT",
        }
    }

    fn from_keyword(s: &str) -> Option<Self> {
        Some(match s {
            "EXPLICIT" => Self::Explicit,
            "EUC_2D" => Self::Euc2d,
            "CEIL_2D" => Self::Ceil2d,
            "MAN_2D" => Self::Man2d,
            "MAX_2D" => Self::Max2d,
            "GEO" => Self::Geo,
            "ATT" => Self::Att,
            _ => return None,
        })
    }
}

impl std::fmt::Display for EdgeWeightType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Which distance rule to apply to an [`Instance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Convention {
    /// Plain Euclidean distance on the raw coordinates in `f64`, no rounding (the paper's).
    RawEuclidean,
    /// The file's own `EDGE_WEIGHT_TYPE` rule, as TSPLIB95 defines it (integral values).
    Official,
}

/// A TSPLIB instance (`TYPE: TSP` or `ATSP`).
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The `NAME` field, or the source name when the file has none.
    pub name: String,
    /// Number of cities.
    pub dimension: usize,
    /// The `EDGE_WEIGHT_TYPE`.
    pub edge_weight_type: EdgeWeightType,
    /// The `COMMENT` lines joined by newlines, if any.
    pub comment: Option<String>,
    /// City coordinates `[x, y]` in `f64` as written in the file (city `i + 1` at index `i`);
    /// `None` for `EXPLICIT` instances.
    pub coords: Option<Vec<[f64; 2]>>,
    /// The full weight matrix of an `EXPLICIT` instance (`dimension × dimension`); `None` otherwise.
    pub weights: Option<DMatrix<f64>>,
}

/// A tour read from a TSPLIB `.tour` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    /// The `NAME` field, or the source name when the file has none.
    pub name: String,
    /// The `COMMENT` lines joined by newlines, if any.
    pub comment: Option<String>,
    /// The cities in visiting order, **0-based** (the file's city `k` is `k - 1` here);
    /// a permutation of `0..order.len()`.
    pub order: Vec<usize>,
}

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

/// Fills the full matrix from the values of an explicit section.
fn weight_matrix(fmt: &str, n: usize, values: &[usize]) -> Option<DMatrix<f64>> {
    if Some(values.len()) != weight_count(fmt, n) {
        return None;
    }
    let mut m = DMatrix::<f64>::zeros(n, n);
    let mut it = values.iter().map(|&v| v as f64);
    // (row-major traversal over the pairs, whether the pair is stored transposed)
    let mut fill = |pairs: &mut dyn Iterator<Item = (usize, usize)>, symmetric: bool| {
        for (i, j) in pairs {
            let v = it.next().unwrap_or(0.0);
            m[(i, j)] = v;
            if symmetric {
                m[(j, i)] = v;
            }
        }
    };
    // Symmetric formats: UPPER_ROW ≡ LOWER_COL, LOWER_ROW ≡ UPPER_COL, and likewise with DIAG.
    match fmt {
        "FULL_MATRIX" => fill(&mut (0..n).flat_map(|i| (0..n).map(move |j| (i, j))), false),
        "UPPER_ROW" | "LOWER_COL" => {
            fill(
                &mut (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))),
                true,
            );
        }
        "UPPER_DIAG_ROW" | "LOWER_DIAG_COL" => {
            fill(&mut (0..n).flat_map(|i| (i..n).map(move |j| (i, j))), true);
        }
        "LOWER_ROW" | "UPPER_COL" => {
            fill(&mut (0..n).flat_map(|i| (0..i).map(move |j| (i, j))), true);
        }
        "LOWER_DIAG_ROW" | "UPPER_DIAG_COL" => {
            fill(&mut (0..n).flat_map(|i| (0..=i).map(move |j| (i, j))), true);
        }
        _ => return None,
    }
    Some(m)
}

/// Runs the `tsplib` crate on `text`, mapping its `io::Error` and containing any panic.
fn run_tsplib_crate(text: &str, file: &str) -> Result<tsplib::Instance> {
    let result = std::panic::catch_unwind(|| tsplib::parse(Cursor::new(text.as_bytes())));
    match result {
        Ok(Ok(inst)) => Ok(inst),
        Ok(Err(e)) => Err(perr(file, None, format!("tsplib parser: {e}"))),
        Err(_) => Err(perr(
            file,
            None,
            "the tsplib parser panicked on this input (malformed file)",
        )),
    }
}

impl Instance {
    /// Reads and parses a TSPLIB file; errors name the path.
    ///
    /// # Errors
    /// [`OptError::Io`] when the file cannot be read; [`OptError::Parse`] as for [`Instance::parse`]
    /// (also for text that is not UTF-8).
    pub fn from_path(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let text = read_text(path)?;
        Self::parse(&text, &name)
    }

    /// Parses the text of a TSPLIB file; `source_name` names it in errors.
    ///
    /// # Errors
    /// [`OptError::Parse`] (with the 1-based line when it is known) for anything malformed or
    /// unsupported; see the module documentation for what is checked.
    pub fn parse(text: &str, source_name: &str) -> Result<Self> {
        let file = source_name;
        let text::CheckedInstance {
            sc,
            n,
            wtype,
            coords,
            weight_format: fmt_for_matrix,
        } = text::check_instance(text, file)?;
        let wtype = EdgeWeightType::from_keyword(wtype).ok_or_else(|| {
            perr(
                file,
                None,
                format!("internal: unknown edge weight type {wtype}"),
            )
        })?;

        // Second pass: the tsplib crate on a normalised text (validated above).
        let mut normalised = String::new();
        let mut items: Vec<(usize, String)> = sc
            .headers
            .iter()
            .map(|h| (h.line, format!("{}: {}\n", h.key, h.value)))
            .collect();
        for sec in sc
            .sections
            .iter()
            .filter(|s| s.key == "EDGE_WEIGHT_SECTION")
        {
            let mut block = format!("{}\n", sec.key);
            for &(_, s) in &sec.data {
                block.push_str(s);
                block.push('\n');
            }
            block.push('\n');
            items.push((sec.line, block));
        }
        items.sort_by_key(|(l, _)| *l);
        for (_, s) in &items {
            normalised.push_str(s);
        }
        normalised.push_str("EOF\n");
        let parsed = run_tsplib_crate(&normalised, file)?;

        // Cross-check and take what the crate provides.
        let internal = |what: &str| {
            Err(perr(
                file,
                None,
                format!("internal: the tsplib crate disagrees with the validated scan on {what}"),
            ))
        };
        if parsed.dimension != n {
            return internal("DIMENSION");
        }
        let crate_type = match parsed.edge_weight_type {
            Some(tsplib::EdgeWeightType::Explicit) => Some(EdgeWeightType::Explicit),
            Some(tsplib::EdgeWeightType::Euc2d) => Some(EdgeWeightType::Euc2d),
            Some(tsplib::EdgeWeightType::Ceil2d) => Some(EdgeWeightType::Ceil2d),
            Some(tsplib::EdgeWeightType::Man2d) => Some(EdgeWeightType::Man2d),
            Some(tsplib::EdgeWeightType::Max2d) => Some(EdgeWeightType::Max2d),
            Some(tsplib::EdgeWeightType::Geo) => Some(EdgeWeightType::Geo),
            Some(tsplib::EdgeWeightType::Att) => Some(EdgeWeightType::Att),
            _ => None,
        };
        if crate_type != Some(wtype) {
            return internal("EDGE_WEIGHT_TYPE");
        }
        let weights = match fmt_for_matrix {
            None => None,
            Some(fmt) => {
                use tsplib::EdgeWeight as W;
                let values = match &parsed.edge_weight {
                    Some(
                        W::FullMatrix(v)
                        | W::UpperRow(v)
                        | W::LowerRow(v)
                        | W::UpperDiagRow(v)
                        | W::LowerDiagRow(v)
                        | W::UpperCol(v)
                        | W::LowerCol(v)
                        | W::UpperDiagCol(v)
                        | W::LowerDiagCol(v),
                    ) => v,
                    _ => return internal("EDGE_WEIGHT_SECTION"),
                };
                match weight_matrix(fmt, n, values) {
                    Some(m) => Some(m),
                    None => return internal("the number of edge weights"),
                }
            }
        };
        let name = if parsed.name.is_empty() {
            file.to_owned()
        } else {
            parsed.name
        };
        let comment = (!parsed.comment.is_empty()).then(|| parsed.comment.join("\n"));
        Ok(Self {
            name,
            dimension: n,
            edge_weight_type: wtype,
            comment,
            coords,
            weights,
        })
    }

    /// An instance that ships inside this crate ([`EMBEDDED`]), parsed like a file named
    /// `NAME.tsp`.
    ///
    /// # Errors
    /// [`OptError::InvalidParameter`] for any other name.
    pub fn embedded(name: &str) -> Result<Self> {
        let text = embedded_text(name).ok_or_else(|| OptError::InvalidParameter {
            name: "name",
            reason: format!(
                "{name:?} is not embedded (the embedded instances are {}); read other TSPLIB \
                 files with Instance::from_path",
                EMBEDDED.join(", ")
            ),
        })?;
        Self::parse(text, &format!("{name}.tsp (embedded)"))
    }

    /// A coordinate instance built in code (e.g. for tests): `EUC_2D` when `official_type` is
    /// `None`.
    ///
    /// # Errors
    /// [`OptError::InvalidParameter`] for no cities, non-finite coordinates or
    /// `EdgeWeightType::Explicit`.
    pub fn from_coords(
        name: &str,
        coords: Vec<[f64; 2]>,
        official_type: Option<EdgeWeightType>,
    ) -> Result<Self> {
        let t = official_type.unwrap_or(EdgeWeightType::Euc2d);
        if t == EdgeWeightType::Explicit {
            return Err(OptError::InvalidParameter {
                name: "official_type",
                reason: "a coordinate instance cannot be EXPLICIT".into(),
            });
        }
        if coords.is_empty() {
            return Err(OptError::InvalidParameter {
                name: "coords",
                reason: "no cities".into(),
            });
        }
        if coords
            .iter()
            .flatten()
            .any(|v| !(v.is_finite() && v.abs() <= MAX_ABS_COORDINATE))
        {
            return Err(OptError::InvalidParameter {
                name: "coords",
                reason: format!(
                    "coordinates must be finite and within ±{MAX_ABS_COORDINATE:e} \
                     (MAX_ABS_COORDINATE), so that every distance is finite"
                ),
            });
        }
        Ok(Self {
            name: name.to_owned(),
            dimension: coords.len(),
            edge_weight_type: t,
            comment: None,
            coords: Some(coords),
            weights: None,
        })
    }

    /// The `dimension × dimension` distance matrix under `convention`.
    ///
    /// # Errors
    /// [`OptError::InvalidParameter`] for [`Convention::RawEuclidean`] on an `EXPLICIT`
    /// instance (no coordinates) or when the public fields are inconsistent (coordinate or
    /// weight count ≠ `dimension`); [`OptError::TooLarge`] beyond [`MAX_MATRIX_DIMENSION`].
    pub fn distance_matrix(&self, convention: Convention) -> Result<DMatrix<f64>> {
        let n = self.dimension;
        if n > MAX_MATRIX_DIMENSION {
            return Err(OptError::TooLarge {
                method: "distance_matrix",
                what: "cities",
                max: MAX_MATRIX_DIMENSION,
                found: n,
            });
        }
        use EdgeWeightType as T;
        // GEO works on coordinates converted to radians first.
        let (rule, geo): (Rule, bool) = match (convention, self.edge_weight_type) {
            (Convention::RawEuclidean, T::Explicit) => {
                return Err(OptError::InvalidParameter {
                    name: "convention",
                    reason: format!(
                        "{} is EXPLICIT: it has no coordinates for the raw Euclidean \
                             convention",
                        self.name
                    ),
                });
            }
            (Convention::Official, T::Explicit) => {
                return match &self.weights {
                    Some(w) if w.shape() == (n, n) => {
                        check_finite_distances(&self.name, w)?;
                        Ok(w.clone())
                    }
                    _ => Err(OptError::InvalidParameter {
                        name: "weights",
                        reason: format!("{}: weights missing or not {n}×{n}", self.name),
                    }),
                };
            }
            (Convention::RawEuclidean, _) => (raw_euclidean, false),
            (Convention::Official, T::Euc2d) => (euc_2d, false),
            (Convention::Official, T::Ceil2d) => (ceil_2d, false),
            (Convention::Official, T::Man2d) => (man_2d, false),
            (Convention::Official, T::Max2d) => (max_2d, false),
            (Convention::Official, T::Att) => (att, false),
            (Convention::Official, T::Geo) => (geo_from_radians, true),
        };
        let coords = match &self.coords {
            Some(c) if c.len() == n => c,
            _ => {
                return Err(OptError::InvalidParameter {
                    name: "coords",
                    reason: format!("{}: coordinates missing or not {n} of them", self.name),
                });
            }
        };
        let pts: Vec<[f64; 2]> = if geo {
            coords.iter().map(|&c| geo_radians(c)).collect()
        } else {
            coords.clone()
        };
        let d = DMatrix::from_fn(n, n, |i, j| if i == j { 0.0 } else { rule(pts[i], pts[j]) });
        check_finite_distances(&self.name, &d)?;
        Ok(d)
    }
}

/// Rejects a matrix with a non-finite entry (coordinates set directly in the public fields,
/// beyond [`MAX_ABS_COORDINATE`]).
fn check_finite_distances(name: &str, d: &DMatrix<f64>) -> Result<()> {
    let n = d.nrows();
    match d.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) => Err(OptError::InvalidParameter {
            name: "coords",
            reason: format!(
                "{name}: the distance between cities {} and {} is {} (coordinates beyond \
                 ±{MAX_ABS_COORDINATE:e}, MAX_ABS_COORDINATE?); rescale the instance",
                k % n + 1,
                k / n + 1,
                d[k]
            ),
        }),
    }
}

/// A distance rule on two points.
type Rule = fn([f64; 2], [f64; 2]) -> f64;

/// TSPLIB's `nint`: `(int)(x + 0.5)`, for non-negative x.
fn nint(x: f64) -> f64 {
    (x + 0.5).floor()
}

fn raw_euclidean(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    (dx * dx + dy * dy).sqrt()
}

fn euc_2d(a: [f64; 2], b: [f64; 2]) -> f64 {
    nint(raw_euclidean(a, b))
}

fn ceil_2d(a: [f64; 2], b: [f64; 2]) -> f64 {
    raw_euclidean(a, b).ceil()
}

fn man_2d(a: [f64; 2], b: [f64; 2]) -> f64 {
    nint((a[0] - b[0]).abs() + (a[1] - b[1]).abs())
}

fn max_2d(a: [f64; 2], b: [f64; 2]) -> f64 {
    nint((a[0] - b[0]).abs()).max(nint((a[1] - b[1]).abs()))
}

/// TSPLIB ATT: `r = sqrt((dx²+dy²)/10)`, `t = nint(r)`, `d = t + 1` if `t < r` else `t`.
fn att(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    let r = ((dx * dx + dy * dy) / 10.0).sqrt();
    let t = nint(r);
    if t < r { t + 1.0 } else { t }
}

/// GEO: DDD.MM to radians with TSPLIB's PI and truncated degrees.
fn geo_radians(c: [f64; 2]) -> [f64; 2] {
    // TSPLIB's own truncated value, needed to reproduce the published optima.
    #[allow(clippy::approx_constant)]
    const PI: f64 = 3.141592;
    let conv = |x: f64| {
        let deg = x.trunc(); // (int)x — see the module documentation
        let min = x - deg;
        PI * (deg + 5.0 * min / 3.0) / 180.0
    };
    [conv(c[0]), conv(c[1])]
}

/// GEO distance between two (latitude, longitude) pairs in radians.
fn geo_from_radians(a: [f64; 2], b: [f64; 2]) -> f64 {
    const RRR: f64 = 6378.388;
    let q1 = (a[1] - b[1]).cos();
    let q2 = (a[0] - b[0]).cos();
    let q3 = (a[0] + b[0]).cos();
    let arg = (0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)).clamp(-1.0, 1.0);
    (RRR * arg.acos() + 1.0).trunc()
}

// ---------------------------------------------------------------------------------------------
// Tours
// ---------------------------------------------------------------------------------------------

fn read_text(path: &Path) -> Result<String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| OptError::Io {
        path: name.clone(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        perr(&name, Some(line), "the file is not valid UTF-8 text")
    })
}

impl Tour {
    /// Reads and parses a TSPLIB `.tour` file; errors name the path.
    ///
    /// # Errors
    /// [`OptError::Io`] when the file cannot be read; [`OptError::Parse`] as for [`Tour::parse`].
    pub fn from_path(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let text = read_text(path)?;
        Self::parse(&text, &name)
    }

    /// Parses the text of a TSPLIB tour file; `source_name` names it in errors.
    ///
    /// Accepts one tour per file, one city per line or several per line, terminated by `-1`
    /// (optionally followed by a second `-1`) or by the end of the section. Validates that the
    /// tour visits every city `1..=n` exactly once, where n is `DIMENSION` when given and the
    /// number of entries otherwise.
    ///
    /// # Errors
    /// [`OptError::Parse`] with the file and line: unknown keywords, `TYPE` other than `TOUR`,
    /// a bad `DIMENSION`, a missing `TOUR_SECTION`, non-integer entries, a city outside
    /// `1..=n`, a repeated city, a wrong number of cities, several tours.
    pub fn parse(text: &str, source_name: &str) -> Result<Self> {
        let t = text::check_tour(text, source_name)?;
        Ok(Self {
            name: t.name,
            comment: t.comment,
            order: t.order,
        })
    }

    /// Number of cities.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the tour is empty (never true for a parsed tour).
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The tour as 1-based city numbers, as in the file.
    pub fn one_based(&self) -> Vec<usize> {
        self.order.iter().map(|&c| c + 1).collect()
    }

    /// The closed length of this tour under `dist` (see [`tour_length`]).
    ///
    /// # Errors
    /// As [`tour_length`].
    pub fn length(&self, dist: &DMatrix<f64>) -> Result<f64> {
        tour_length(dist, &self.order)
    }
}

/// Length of the closed tour `order` (0-based cities): `d(o₀,o₁) + … + d(oₙ₋₁,o₀)`, summed in
/// that order.
///
/// # Errors
/// [`OptError::InvalidParameter`] when `dist` is not square or empty, or `order` is not a
/// permutation of `0..n`.
pub fn tour_length(dist: &DMatrix<f64>, order: &[usize]) -> Result<f64> {
    let n = dist.nrows();
    if dist.ncols() != n || n == 0 {
        return Err(OptError::InvalidParameter {
            name: "dist",
            reason: format!(
                "the distance matrix must be square and non-empty, got {}×{}",
                dist.nrows(),
                dist.ncols()
            ),
        });
    }
    if order.len() != n {
        return Err(OptError::InvalidParameter {
            name: "order",
            reason: format!("the tour has {} cities, the matrix {n}", order.len()),
        });
    }
    let mut seen = vec![false; n];
    for &c in order {
        if c >= n {
            return Err(OptError::InvalidParameter {
                name: "order",
                reason: format!("city {c} is outside 0..{n}"),
            });
        }
        if std::mem::replace(&mut seen[c], true) {
            return Err(OptError::InvalidParameter {
                name: "order",
                reason: format!("city {c} is visited twice"),
            });
        }
    }
    let mut len = 0.0;
    for (k, &from) in order.iter().enumerate() {
        len += dist[(from, order[(k + 1) % n])];
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's bare `panic!` (FUNCTION + EDGE_WEIGHT_SECTION) is contained even when the
    /// validation is bypassed.
    #[test]
    fn crate_panic_is_contained() {
        let text = "NAME: p\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\n\
                    EDGE_WEIGHT_FORMAT: FUNCTION\nEDGE_WEIGHT_SECTION\n1 2 3\nEOF\n";
        let err = run_tsplib_crate(text, "panic.tsp").unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
        // And the public entry point reports it from the validation, with the line.
        let err = Instance::parse(text, "panic.tsp").unwrap_err();
        assert!(
            matches!(err, OptError::Parse { line: Some(6), .. }),
            "{err}"
        );
    }

    #[test]
    fn explicit_formats_agree() {
        // 3 cities, d01 = 1, d02 = 2, d12 = 3.
        let full = [0, 1, 2, 1, 0, 3, 2, 3, 0];
        let cases: [(&str, &[usize]); 9] = [
            ("FULL_MATRIX", &full),
            ("UPPER_ROW", &[1, 2, 3]),
            ("LOWER_COL", &[1, 2, 3]),
            ("LOWER_ROW", &[1, 2, 3]),
            ("UPPER_COL", &[1, 2, 3]),
            ("UPPER_DIAG_ROW", &[0, 1, 2, 0, 3, 0]),
            ("LOWER_DIAG_COL", &[0, 1, 2, 0, 3, 0]),
            ("LOWER_DIAG_ROW", &[0, 1, 0, 2, 3, 0]),
            ("UPPER_DIAG_COL", &[0, 1, 0, 2, 3, 0]),
        ];
        let expected =
            DMatrix::from_row_slice(3, 3, &[0.0, 1.0, 2.0, 1.0, 0.0, 3.0, 2.0, 3.0, 0.0]);
        for (fmt, v) in cases {
            assert_eq!(weight_matrix(fmt, 3, v).unwrap(), expected, "{fmt}");
        }
    }

    #[test]
    fn rounding_rules() {
        assert_eq!(euc_2d([0.0, 0.0], [3.0, 4.0]), 5.0);
        assert_eq!(euc_2d([0.0, 0.0], [1.0, 1.0]), 1.0); // 1.414 → 1
        assert_eq!(ceil_2d([0.0, 0.0], [1.0, 1.0]), 2.0);
        assert_eq!(euc_2d([0.0, 0.0], [0.0, 2.5]), 3.0); // nint(2.5) = (int)3.0
        // ATT: r = sqrt(100/10) = 3.162…, t = 3 < r → 4.
        assert_eq!(att([0.0, 0.0], [10.0, 0.0]), 4.0);
        // r = sqrt(90/10) = 3 exactly → 3.
        assert_eq!(att([0.0, 0.0], [9.0, 3.0]), 3.0);
        assert_eq!(man_2d([0.0, 0.0], [1.2, 2.4]), 4.0);
        assert_eq!(max_2d([0.0, 0.0], [1.2, 2.6]), 3.0);
    }
}
