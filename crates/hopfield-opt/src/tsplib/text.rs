//! The text of TSPLIB files, validated: the line scanner and every check of `Instance::parse`
//! and `Tour::parse` that needs nothing but the text.
//!
//! This file depends on the standard library alone, so `cargo xtask fetch-tsplib` compiles
//! the same file and accepts a downloaded instance only when the loader would.

use std::collections::HashMap;

/// A malformed file: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// The file (or a description of the source).
    pub(crate) file: String,
    /// The 1-based line, when known.
    pub(crate) line: Option<usize>,
    /// What is wrong.
    pub(crate) reason: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

type Result<T> = std::result::Result<T, ParseError>;

/// Largest `DIMENSION` the parser accepts.
pub const MAX_DIMENSION: usize = 10_000_000;

/// Largest absolute coordinate the parser accepts: within it every distance rule (raw
/// Euclidean, `EUC_2D`, `ATT`, …) stays finite in `f64`. Larger numbers are almost surely a
/// broken file; rescale the instance if they are meant.
pub const MAX_ABS_COORDINATE: f64 = 1e150;

/// Largest explicit edge weight the parser accepts: `2⁵³`, below which every integer is
/// exactly an `f64` (distances are `f64`; a larger weight would be silently rounded).
pub const MAX_EXPLICIT_WEIGHT: u64 = 1 << 53;

/// The supported `EDGE_WEIGHT_TYPE` keywords.
pub(crate) const WEIGHT_TYPES: [&str; 7] = [
    "EXPLICIT", "EUC_2D", "CEIL_2D", "MAN_2D", "MAX_2D", "GEO", "ATT",
];

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

/// A `KEY : value` line.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: &'a str,
    pub(crate) line: usize,
}

/// A `*_SECTION` keyword and its data lines (trimmed, non-blank, 1-based line numbers).
#[derive(Debug)]
pub(crate) struct Section<'a> {
    pub(crate) key: &'a str,
    pub(crate) line: usize,
    pub(crate) data: Vec<(usize, &'a str)>,
}

#[derive(Debug, Default)]
pub(crate) struct Scan<'a> {
    pub(crate) headers: Vec<Header<'a>>,
    pub(crate) sections: Vec<Section<'a>>,
    /// Number of lines of the input (for errors about missing content).
    pub(crate) lines: usize,
}

fn perr(file: &str, line: Option<usize>, reason: impl Into<String>) -> ParseError {
    ParseError {
        file: file.to_owned(),
        line,
        reason: reason.into(),
    }
}

fn is_data_line(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
}

/// Splits the text into headers and sections. Stops at `EOF`. Rejects empty input, data
/// outside a section, repeated keywords (except `COMMENT`) and repeated sections.
fn scan<'a>(text: &'a str, file: &str) -> Result<Scan<'a>> {
    let mut out = Scan::default();
    let mut current: Option<Section<'a>> = None;
    let mut seen: HashMap<&'a str, usize> = HashMap::new();
    let mut any = false;
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        out.lines = line;
        let s = raw.trim();
        if s.is_empty() {
            continue;
        }
        any = true;
        if is_data_line(s) {
            match current.as_mut() {
                Some(sec) => sec.data.push((line, s)),
                None if s == "-1" => {} // a stray section terminator
                None => {
                    return Err(perr(
                        file,
                        Some(line),
                        format!("data line `{s}` outside any section"),
                    ));
                }
            }
            continue;
        }
        if let Some(sec) = current.take() {
            out.sections.push(sec);
        }
        let (key, value) = match s.find(':') {
            Some(p) => (s[..p].trim(), s[p + 1..].trim()),
            None => (s, ""),
        };
        if key == "EOF" {
            break;
        }
        if key != "COMMENT"
            && let Some(first) = seen.insert(key, line)
        {
            return Err(perr(
                file,
                Some(line),
                format!("`{key}` appears twice (first on line {first})"),
            ));
        }
        if key.ends_with("_SECTION") {
            if !value.is_empty() {
                return Err(perr(
                    file,
                    Some(line),
                    format!("unexpected text `{value}` after {key}"),
                ));
            }
            current = Some(Section {
                key,
                line,
                data: Vec::new(),
            });
        } else {
            out.headers.push(Header { key, value, line });
        }
    }
    if let Some(sec) = current.take() {
        out.sections.push(sec);
    }
    if !any {
        return Err(perr(file, None, "empty input"));
    }
    Ok(out)
}

impl<'a> Scan<'a> {
    fn header(&self, key: &str) -> Option<&Header<'a>> {
        self.headers.iter().find(|h| h.key == key)
    }

    fn section(&self, key: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.key == key)
    }

    fn comment(&self) -> Option<String> {
        let c: Vec<&str> = self
            .headers
            .iter()
            .filter(|h| h.key == "COMMENT")
            .map(|h| h.value)
            .collect();
        (!c.is_empty()).then(|| c.join("\n"))
    }

    fn name(&self, file: &str) -> String {
        match self.header("NAME") {
            Some(h) if !h.value.is_empty() => h.value.to_owned(),
            _ => file.to_owned(),
        }
    }

    /// The `DIMENSION` value, validated (1..=MAX_DIMENSION), if present.
    fn dimension(&self, file: &str) -> Result<Option<usize>> {
        let Some(h) = self.header("DIMENSION") else {
            return Ok(None);
        };
        let n: usize = h.value.parse().map_err(|_| {
            perr(
                file,
                Some(h.line),
                format!("DIMENSION `{}` is not a non-negative integer", h.value),
            )
        })?;
        if n == 0 || n > MAX_DIMENSION {
            return Err(perr(
                file,
                Some(h.line),
                format!("DIMENSION must be between 1 and {MAX_DIMENSION}, got {n}"),
            ));
        }
        Ok(Some(n))
    }
}

const WEIGHT_FORMATS: [&str; 10] = [
    "FUNCTION",
    "FULL_MATRIX",
    "UPPER_ROW",
    "LOWER_ROW",
    "UPPER_DIAG_ROW",
    "LOWER_DIAG_ROW",
    "UPPER_COL",
    "LOWER_COL",
    "UPPER_DIAG_COL",
    "LOWER_DIAG_COL",
];

/// Number of values of an explicit weight section of format `fmt` for n cities.
pub(crate) fn weight_count(fmt: &str, n: usize) -> Option<usize> {
    let sq = n.checked_mul(n)?;
    Some(match fmt {
        "FULL_MATRIX" => sq,
        "UPPER_ROW" | "LOWER_ROW" | "UPPER_COL" | "LOWER_COL" => (sq - n) / 2,
        "UPPER_DIAG_ROW" | "LOWER_DIAG_ROW" | "UPPER_DIAG_COL" | "LOWER_DIAG_COL" => (sq + n) / 2,
        _ => return None,
    })
}

fn parse_coords(sec: &Section<'_>, n: usize, file: &str) -> Result<Vec<[f64; 2]>> {
    let mut coords = vec![[0.0; 2]; n];
    let mut first_line: Vec<Option<usize>> = vec![None; n];
    let mut count = 0usize;
    let mut terminated: Option<usize> = None;
    for &(line, s) in &sec.data {
        if s == "-1" {
            terminated = Some(line);
            continue;
        }
        if let Some(t) = terminated {
            return Err(perr(
                file,
                Some(line),
                format!("coordinate data after the -1 terminator on line {t}"),
            ));
        }
        let tokens: Vec<&str> = s.split_whitespace().collect();
        if tokens.len() != 3 {
            return Err(perr(
                file,
                Some(line),
                format!(
                    "expected `index x y` in NODE_COORD_SECTION, got {} field(s): `{s}`",
                    tokens.len()
                ),
            ));
        }
        let idx: usize = tokens[0].parse().map_err(|_| {
            perr(
                file,
                Some(line),
                format!("city index `{}` is not a positive integer", tokens[0]),
            )
        })?;
        if idx == 0 || idx > n {
            return Err(perr(
                file,
                Some(line),
                format!("city index {idx} is outside 1..={n} (DIMENSION)"),
            ));
        }
        if let Some(prev) = first_line[idx - 1] {
            return Err(perr(
                file,
                Some(line),
                format!("city {idx} appears twice in NODE_COORD_SECTION (first on line {prev})"),
            ));
        }
        let mut xy = [0.0; 2];
        for (k, tok) in tokens[1..].iter().enumerate() {
            let v: f64 = tok.parse().map_err(|_| {
                perr(
                    file,
                    Some(line),
                    format!("coordinate `{tok}` of city {idx} is not a number"),
                )
            })?;
            if !v.is_finite() {
                return Err(perr(
                    file,
                    Some(line),
                    format!("coordinate `{tok}` of city {idx} is not finite"),
                ));
            }
            if v.abs() > MAX_ABS_COORDINATE {
                return Err(perr(
                    file,
                    Some(line),
                    format!(
                        "coordinate `{tok}` of city {idx} is beyond ±{MAX_ABS_COORDINATE:e}, the \
                         largest magnitude whose distances stay finite; rescale the instance"
                    ),
                ));
            }
            xy[k] = v;
        }
        coords[idx - 1] = xy;
        first_line[idx - 1] = Some(line);
        count += 1;
    }
    if count != n {
        let last = sec.data.last().map_or(sec.line, |&(l, _)| l);
        return Err(perr(
            file,
            Some(last),
            format!(
                "NODE_COORD_SECTION (line {}) has {count} cities but DIMENSION is {n}{}",
                sec.line,
                if count < n { " (truncated file?)" } else { "" }
            ),
        ));
    }
    Ok(coords)
}

/// Checks the explicit weight tokens (non-negative integers, the right count).
fn check_weights(sec: &Section<'_>, fmt: &str, n: usize, file: &str) -> Result<()> {
    let expected = weight_count(fmt, n).ok_or_else(|| {
        perr(
            file,
            Some(sec.line),
            format!("explicit matrix for DIMENSION {n} is too large"),
        )
    })?;
    let mut count = 0usize;
    for &(line, s) in &sec.data {
        for tok in s.split_whitespace() {
            match tok.parse::<u64>() {
                Err(_) if !tok.is_empty() && tok.bytes().all(|b| b.is_ascii_digit()) => {
                    return Err(perr(
                        file,
                        Some(line),
                        format!(
                            "edge weight `{tok}` is above {MAX_EXPLICIT_WEIGHT} (2^53), the \
                             largest integer a distance holds exactly"
                        ),
                    ));
                }
                Err(_) => {
                    return Err(perr(
                        file,
                        Some(line),
                        format!("edge weight `{tok}` is not a non-negative integer"),
                    ));
                }
                Ok(w) if w > MAX_EXPLICIT_WEIGHT => {
                    return Err(perr(
                        file,
                        Some(line),
                        format!(
                            "edge weight `{tok}` is above {MAX_EXPLICIT_WEIGHT} (2^53), the \
                             largest integer a distance holds exactly"
                        ),
                    ));
                }
                Ok(_) => {}
            }
            count += 1;
            if count > expected {
                return Err(perr(
                    file,
                    Some(line),
                    format!(
                        "EDGE_WEIGHT_SECTION has more than the {expected} values \
                         {fmt} needs for DIMENSION {n}"
                    ),
                ));
            }
        }
    }
    if count < expected {
        let last = sec.data.last().map_or(sec.line, |&(l, _)| l);
        return Err(perr(
            file,
            Some(last),
            format!(
                "EDGE_WEIGHT_SECTION (line {}) has {count} values but {fmt} needs {expected} \
                 for DIMENSION {n} (truncated file?)",
                sec.line
            ),
        ));
    }
    Ok(())
}

/// A TSPLIB problem text that passed every check.
#[derive(Debug)]
pub(crate) struct CheckedInstance<'a> {
    /// The scanned headers and sections.
    pub(crate) sc: Scan<'a>,
    /// `DIMENSION`.
    pub(crate) n: usize,
    /// The `EDGE_WEIGHT_TYPE` keyword (one of [`WEIGHT_TYPES`]).
    pub(crate) wtype: &'static str,
    /// The coordinates (every type but `EXPLICIT`).
    pub(crate) coords: Option<Vec<[f64; 2]>>,
    /// The `EDGE_WEIGHT_FORMAT` of an `EXPLICIT` instance.
    pub(crate) weight_format: Option<&'a str>,
}

/// Scans and validates the text of a TSPLIB problem file; `file` names it in errors.
pub(crate) fn check_instance<'a>(text: &'a str, file: &str) -> Result<CheckedInstance<'a>> {
    let sc = scan(text, file)?;

    // Headers: known keywords, supported values.
    let mut weight_type: Option<(&'static str, usize)> = None;
    let mut weight_format: Option<(&str, usize)> = None;
    for h in &sc.headers {
        let bad = |what: &str| {
            Err(perr(
                file,
                Some(h.line),
                format!("{what} `{}: {}`", h.key, h.value),
            ))
        };
        match h.key {
            "NAME" | "COMMENT" | "DIMENSION" => {}
            "TYPE" => match h.value {
                "TSP" | "ATSP" | "TSP (M.~Hofmeister)" => {}
                "TOUR" => return bad("this is a tour file (use Tour::parse):"),
                _ => return bad("unsupported problem type"),
            },
            "CAPACITY" => {
                if h.value.parse::<usize>().is_err() {
                    return bad("invalid");
                }
            }
            "EDGE_WEIGHT_TYPE" => match WEIGHT_TYPES.iter().find(|t| **t == h.value) {
                Some(t) => weight_type = Some((*t, h.line)),
                None => return bad("unsupported edge weight type"),
            },
            "EDGE_WEIGHT_FORMAT" => {
                if WEIGHT_FORMATS.contains(&h.value) {
                    weight_format = Some((h.value, h.line));
                } else {
                    return bad("unsupported edge weight format");
                }
            }
            "NODE_COORD_TYPE" => {
                if !matches!(h.value, "TWOD_COORDS" | "NO_COORDS") {
                    return bad("unsupported node coordinate type");
                }
            }
            "DISPLAY_DATA_TYPE" => {
                if !matches!(h.value, "COORD_DISPLAY" | "TWOD_DISPLAY" | "NO_DISPLAY") {
                    return bad("unsupported display data type");
                }
            }
            "EDGE_DATA_FORMAT" => return bad("unsupported (edge data is not TSP):"),
            _ => return bad("unknown keyword in"),
        }
    }
    let n = sc
        .dimension(file)?
        .ok_or_else(|| perr(file, None, "missing DIMENSION"))?;
    let (wtype, wtype_line) =
        weight_type.ok_or_else(|| perr(file, None, "missing EDGE_WEIGHT_TYPE"))?;

    // Sections.
    for sec in &sc.sections {
        match sec.key {
            "NODE_COORD_SECTION" => {
                if wtype == "EXPLICIT" {
                    return Err(perr(
                        file,
                        Some(sec.line),
                        "NODE_COORD_SECTION given but EDGE_WEIGHT_TYPE is EXPLICIT",
                    ));
                }
            }
            "EDGE_WEIGHT_SECTION" => {
                if wtype != "EXPLICIT" {
                    return Err(perr(
                        file,
                        Some(sec.line),
                        format!(
                            "EDGE_WEIGHT_SECTION given but EDGE_WEIGHT_TYPE is {wtype} \
                                 (line {wtype_line})"
                        ),
                    ));
                }
                match weight_format {
                    Some(("FUNCTION", l)) => {
                        return Err(perr(
                            file,
                            Some(sec.line),
                            format!(
                                "EDGE_WEIGHT_SECTION given but EDGE_WEIGHT_FORMAT is \
                                     FUNCTION (line {l})"
                            ),
                        ));
                    }
                    Some((_, l)) if l > sec.line => {
                        return Err(perr(
                            file,
                            Some(sec.line),
                            format!(
                                "EDGE_WEIGHT_SECTION comes before EDGE_WEIGHT_FORMAT \
                                     (line {l})"
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        return Err(perr(
                            file,
                            Some(sec.line),
                            "EDGE_WEIGHT_SECTION without EDGE_WEIGHT_FORMAT",
                        ));
                    }
                }
                if let Some(h) = sc.header("DIMENSION")
                    && h.line > sec.line
                {
                    return Err(perr(
                        file,
                        Some(sec.line),
                        format!(
                            "EDGE_WEIGHT_SECTION comes before DIMENSION (line {})",
                            h.line
                        ),
                    ));
                }
            }
            "DISPLAY_DATA_SECTION" => {}
            other => {
                return Err(perr(
                    file,
                    Some(sec.line),
                    format!("unsupported section {other}"),
                ));
            }
        }
    }

    let mut coords = None;
    let mut fmt_for_matrix = None;
    if wtype == "EXPLICIT" {
        let sec = sc.section("EDGE_WEIGHT_SECTION").ok_or_else(|| {
            perr(
                file,
                Some(wtype_line),
                "EDGE_WEIGHT_TYPE is EXPLICIT but EDGE_WEIGHT_SECTION is missing",
            )
        })?;
        let (fmt, _) = weight_format.ok_or_else(|| {
            perr(
                file,
                Some(sec.line),
                "EDGE_WEIGHT_SECTION without EDGE_WEIGHT_FORMAT",
            )
        })?;
        check_weights(sec, fmt, n, file)?;
        fmt_for_matrix = Some(fmt);
    } else {
        let sec = sc.section("NODE_COORD_SECTION").ok_or_else(|| {
            perr(
                file,
                None,
                format!("missing NODE_COORD_SECTION (EDGE_WEIGHT_TYPE {wtype} needs coordinates)"),
            )
        })?;
        coords = Some(parse_coords(sec, n, file)?);
    }
    Ok(CheckedInstance {
        sc,
        n,
        wtype,
        coords,
        weight_format: fmt_for_matrix,
    })
}

/// A TSPLIB tour text that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedTour {
    /// `NAME`, or the file name.
    pub(crate) name: String,
    /// The `COMMENT` lines.
    pub(crate) comment: Option<String>,
    /// The cities, 0-based, a permutation of `0..n`.
    pub(crate) order: Vec<usize>,
}

/// Scans and validates the text of a TSPLIB tour file; `file` names it in errors.
pub(crate) fn check_tour(text: &str, file: &str) -> Result<CheckedTour> {
    let sc = scan(text, file)?;
    for h in &sc.headers {
        match h.key {
            "NAME" | "COMMENT" | "DIMENSION" => {}
            "TYPE" => {
                if h.value != "TOUR" {
                    return Err(perr(
                        file,
                        Some(h.line),
                        format!("TYPE is `{}`, expected TOUR", h.value),
                    ));
                }
            }
            _ => {
                return Err(perr(
                    file,
                    Some(h.line),
                    format!("unknown keyword in tour file `{}`", h.key),
                ));
            }
        }
    }
    for sec in &sc.sections {
        if sec.key != "TOUR_SECTION" {
            return Err(perr(
                file,
                Some(sec.line),
                format!("unexpected section {} in a tour file", sec.key),
            ));
        }
    }
    let dim = sc.dimension(file)?;
    let sec = sc
        .section("TOUR_SECTION")
        .ok_or_else(|| perr(file, None, "missing TOUR_SECTION"))?;

    let mut cities: Vec<(usize, usize)> = Vec::new(); // (city, line)
    let mut ended: Option<usize> = None; // line of the terminating -1
    let mut closed = false; // a second -1 seen
    for &(line, s) in &sec.data {
        for tok in s.split_whitespace() {
            if tok == "-1" {
                if ended.is_none() {
                    ended = Some(line);
                } else if !closed {
                    closed = true;
                } else {
                    return Err(perr(file, Some(line), "extra -1 after the tour"));
                }
                continue;
            }
            if let Some(t) = ended {
                return Err(perr(
                    file,
                    Some(line),
                    format!(
                        "entry `{tok}` after the tour's -1 (line {t}): \
                             only one tour per file is supported"
                    ),
                ));
            }
            let city: usize = tok.parse().map_err(|_| {
                perr(
                    file,
                    Some(line),
                    format!("tour entry `{tok}` is not a positive integer"),
                )
            })?;
            cities.push((city, line));
        }
    }
    let last_line = sec.data.last().map_or(sec.line, |&(l, _)| l);
    if cities.is_empty() {
        return Err(perr(file, Some(sec.line), "TOUR_SECTION is empty"));
    }
    let n = dim.unwrap_or(cities.len());
    let mut first: Vec<Option<usize>> = vec![None; n];
    for &(city, line) in &cities {
        if city == 0 || city > n {
            return Err(perr(
                file,
                Some(line),
                format!(
                    "city {city} is outside 1..={n}{}",
                    if dim.is_some() {
                        " (DIMENSION)"
                    } else {
                        " (the number of entries)"
                    }
                ),
            ));
        }
        if let Some(prev) = first[city - 1] {
            return Err(perr(
                file,
                Some(line),
                format!("city {city} is visited twice (first on line {prev})"),
            ));
        }
        first[city - 1] = Some(line);
    }
    if cities.len() != n {
        return Err(perr(
            file,
            Some(last_line),
            format!(
                "the tour has {} cities but DIMENSION is {n}{}",
                cities.len(),
                if ended.is_none() {
                    " (truncated file?)"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(CheckedTour {
        name: sc.name(file),
        comment: sc.comment(),
        order: cities.iter().map(|&(c, _)| c - 1).collect(),
    })
}
