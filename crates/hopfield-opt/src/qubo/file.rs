//! File formats of QUBO and Max-Cut instances.
//!
//! - **Max-Cut edge lists** as in the G-set benchmark (Helmberg & Rendl 2000, generated with
//!   Rinaldi's `rudy`): a first line `n m`, then `m` lines `i j w` with 1-based vertices and
//!   integer or real weights ([`parse_max_cut`], [`write_max_cut`]).
//! - **qbsolv's `.qubo`** (D-Wave's qbsolv): comment lines starting with `c`, a program line
//!   `p qubo <topology> <maxNodes> <nNodes> <nCouplers>`, then `nNodes` lines `i i w`
//!   (linear terms) and `nCouplers` lines `i j w` with `i < j` (quadratic terms), 0-based,
//!   minimised ([`parse_qubo`], [`write_qubo`]).
//!
//! Readers check everything and name the line: counts against the header, indices in
//! range, finite values, loops and repeated couplers. Sizes from headers are compared with
//! [`MAX_VARIABLES`] and [`MAX_TERMS`] before anything
//! is allocated.
//!
//! [`random_max_cut`] draws G-set-like random graphs (each of the `n(n−1)/2` pairs an edge
//! with probability `density`, weight 1), the instances of hopfield-opt's Max-Cut benchmark.

use std::fmt::Write as _;
use std::path::Path;

use hopfield_core::rand::{Rng, RngExt};

use super::{MAX_TERMS, MAX_VARIABLES, Qubo};
use crate::{OptError, Result};

/// A Max-Cut instance: vertex count and edges `(i, j, w)` (0-based).
#[derive(Debug, Clone, PartialEq)]
pub struct MaxCutFile {
    /// Number of vertices.
    pub n: usize,
    /// Edges, 0-based, in file order.
    pub edges: Vec<(usize, usize, f64)>,
}

fn perr(source: &str, line: usize, reason: String) -> OptError {
    OptError::Parse {
        file: source.to_string(),
        line: Some(line),
        reason,
    }
}

fn number<T: std::str::FromStr>(
    tok: Option<&str>,
    what: &str,
    source: &str,
    line: usize,
) -> Result<T> {
    let tok = tok.ok_or_else(|| perr(source, line, format!("missing {what}")))?;
    tok.parse().map_err(|_| {
        perr(
            source,
            line,
            format!("{what} {tok:?} is not a valid number"),
        )
    })
}

fn finite(v: f64, source: &str, line: usize) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(perr(source, line, format!("weight {v} is not finite")))
    }
}

/// Parses a G-set edge list; `source` names it in errors.
pub fn parse_max_cut(text: &str, source: &str) -> Result<MaxCutFile> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with('%'));
    let (hl, header) = lines
        .next()
        .ok_or_else(|| perr(source, 1, "empty file: expected a line `n m`".into()))?;
    let mut tok = header.split_whitespace();
    let n: usize = number(tok.next(), "vertex count n", source, hl)?;
    let m: usize = number(tok.next(), "edge count m", source, hl)?;
    if tok.next().is_some() {
        return Err(perr(source, hl, "the first line must be `n m`".into()));
    }
    if n == 0 || n > MAX_VARIABLES {
        return Err(perr(
            source,
            hl,
            format!("n = {n}: need 1 <= n <= {MAX_VARIABLES}"),
        ));
    }
    if m > MAX_TERMS {
        return Err(perr(
            source,
            hl,
            format!("m = {m} exceeds {MAX_TERMS} edges"),
        ));
    }
    let mut edges = Vec::with_capacity(m.min(1 << 20));
    for (ln, line) in lines {
        if edges.len() == m {
            return Err(perr(
                source,
                ln,
                format!("more than the {m} edges the header declares"),
            ));
        }
        let mut tok = line.split_whitespace();
        let i: usize = number(tok.next(), "vertex", source, ln)?;
        let j: usize = number(tok.next(), "vertex", source, ln)?;
        let w: f64 = finite(number(tok.next(), "weight", source, ln)?, source, ln)?;
        if tok.next().is_some() {
            return Err(perr(source, ln, "an edge line is `i j w`".into()));
        }
        for v in [i, j] {
            if v == 0 || v > n {
                return Err(perr(source, ln, format!("vertex {v} is outside 1..={n}")));
            }
        }
        if i == j {
            return Err(perr(source, ln, format!("edge ({i}, {i}) is a loop")));
        }
        edges.push((i - 1, j - 1, w));
    }
    if edges.len() != m {
        return Err(perr(
            source,
            text.lines().count().max(1),
            format!("the header declares {m} edges, found {}", edges.len()),
        ));
    }
    Ok(MaxCutFile { n, edges })
}

/// Reads a G-set edge list.
pub fn read_max_cut(path: &Path) -> Result<MaxCutFile> {
    parse_max_cut(&read(path)?, &path.display().to_string())
}

/// Writes a G-set edge list (1-based; weights in Rust's shortest round-trip form).
pub fn write_max_cut(n: usize, edges: &[(usize, usize, f64)]) -> String {
    let mut s = format!("{n} {}\n", edges.len());
    for &(i, j, w) in edges {
        let _ = writeln!(s, "{} {} {w}", i + 1, j + 1);
    }
    s
}

/// Parses a qbsolv `.qubo` file; `source` names it in errors.
pub fn parse_qubo(text: &str, source: &str) -> Result<Qubo> {
    let mut header: Option<(usize, usize, usize)> = None;
    let mut linear: Vec<f64> = Vec::new();
    let mut seen_node: Vec<bool> = Vec::new();
    let mut terms: Vec<(usize, usize, f64)> = Vec::new();
    let mut pairs = std::collections::HashSet::new();
    let (mut nodes, mut couplers) = (0usize, 0usize);
    for (k, line) in text.lines().enumerate() {
        let ln = k + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('c') {
            continue;
        }
        if line.starts_with('p') {
            if header.is_some() {
                return Err(perr(source, ln, "a second program line".into()));
            }
            let mut tok = line.split_whitespace();
            tok.next();
            if tok.next() != Some("qubo") {
                return Err(perr(
                    source,
                    ln,
                    "the program line must start with `p qubo`".into(),
                ));
            }
            let _topology = tok
                .next()
                .ok_or_else(|| perr(source, ln, "missing topology".into()))?;
            let max_nodes: usize = number(tok.next(), "maxNodes", source, ln)?;
            let n_nodes: usize = number(tok.next(), "nNodes", source, ln)?;
            let n_couplers: usize = number(tok.next(), "nCouplers", source, ln)?;
            if max_nodes == 0 || max_nodes > MAX_VARIABLES {
                return Err(perr(
                    source,
                    ln,
                    format!("maxNodes = {max_nodes}: need 1 <= maxNodes <= {MAX_VARIABLES}"),
                ));
            }
            if n_nodes > max_nodes || n_couplers > MAX_TERMS {
                return Err(perr(
                    source,
                    ln,
                    format!("nNodes = {n_nodes} or nCouplers = {n_couplers} out of range"),
                ));
            }
            linear = vec![0.0; max_nodes];
            seen_node = vec![false; max_nodes];
            header = Some((max_nodes, n_nodes, n_couplers));
            continue;
        }
        let Some((max_nodes, _, _)) = header else {
            return Err(perr(source, ln, "data before the `p qubo` line".into()));
        };
        let mut tok = line.split_whitespace();
        let i: usize = number(tok.next(), "index", source, ln)?;
        let j: usize = number(tok.next(), "index", source, ln)?;
        let w: f64 = finite(number(tok.next(), "value", source, ln)?, source, ln)?;
        if tok.next().is_some() {
            return Err(perr(source, ln, "a data line is `i j value`".into()));
        }
        for v in [i, j] {
            if v >= max_nodes {
                return Err(perr(
                    source,
                    ln,
                    format!("index {v} is outside 0..{max_nodes}"),
                ));
            }
        }
        if i == j {
            if std::mem::replace(&mut seen_node[i], true) {
                return Err(perr(source, ln, format!("node {i} appears twice")));
            }
            linear[i] = w;
            nodes += 1;
        } else {
            if i > j {
                return Err(perr(
                    source,
                    ln,
                    format!("coupler ({i}, {j}): qbsolv files list couplers with i < j"),
                ));
            }
            if !pairs.insert((i, j)) {
                return Err(perr(
                    source,
                    ln,
                    format!("coupler ({i}, {j}) appears twice"),
                ));
            }
            terms.push((i, j, w));
            couplers += 1;
        }
    }
    let Some((_, n_nodes, n_couplers)) = header else {
        return Err(perr(source, 1, "no `p qubo` program line".into()));
    };
    if nodes != n_nodes || couplers != n_couplers {
        return Err(perr(
            source,
            text.lines().count().max(1),
            format!(
                "the program line declares {n_nodes} nodes and {n_couplers} couplers, found {nodes} and {couplers}"
            ),
        ));
    }
    Qubo::new(linear, &terms, 0.0)
}

/// Reads a qbsolv `.qubo` file.
pub fn read_qubo(path: &Path) -> Result<Qubo> {
    parse_qubo(&read(path)?, &path.display().to_string())
}

/// Writes a model in qbsolv's `.qubo` format (the constant, which the format cannot hold,
/// is written as a comment line). Every linear term is listed, zeros included.
pub fn write_qubo(qubo: &Qubo) -> String {
    let n = qubo.n();
    let mut s = format!("c offset {}\n", qubo.offset());
    let _ = writeln!(s, "p qubo 0 {n} {n} {}", qubo.quadratic().len());
    for (i, a) in qubo.linear().iter().enumerate() {
        let _ = writeln!(s, "{i} {i} {a}");
    }
    for &(i, j, w) in qubo.quadratic() {
        let _ = writeln!(s, "{i} {j} {w}");
    }
    s
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| OptError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// A random graph on `n` vertices where each pair is an edge with probability `density`
/// (weight 1): the G-set's random graphs (G1–G5: n = 800, density 6 %) are of this kind.
/// Pairs are drawn in the order `(0,1), (0,2), …, (n−2, n−1)`, one draw each.
pub fn random_max_cut<R: Rng + ?Sized>(
    n: usize,
    density: f64,
    rng: &mut R,
) -> Result<Vec<(usize, usize, f64)>> {
    if !(0.0..=1.0).contains(&density) {
        return Err(OptError::InvalidParameter {
            name: "density",
            reason: format!("must be in [0, 1], got {density}"),
        });
    }
    if n > 100_000 {
        return Err(OptError::TooLarge {
            method: "random_max_cut",
            what: "vertices",
            max: 100_000,
            found: n,
        });
    }
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if rng.random_bool(density) {
                edges.push((i, j, 1.0));
            }
        }
    }
    Ok(edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    #[test]
    fn max_cut_round_trip_and_errors() {
        let text = "4 3\n1 2 1\n2 3 -2\n4 1 0.5\n";
        let f = parse_max_cut(text, "t").unwrap();
        assert_eq!(f.n, 4);
        assert_eq!(f.edges, vec![(0, 1, 1.0), (1, 2, -2.0), (3, 0, 0.5)]);
        assert_eq!(
            parse_max_cut(&write_max_cut(f.n, &f.edges), "t").unwrap(),
            f
        );
        for (bad, line) in [
            ("", 1),
            ("4\n", 1),
            ("4 2\n1 2 1\n", 2),
            ("4 1\n1 5 1\n", 2),
            ("4 1\n2 2 1\n", 2),
            ("4 1\n1 2 nan\n", 2),
            ("4 1\n1 2 1\n1 3 1\n", 3),
            ("4 1\n1 2\n", 2),
            ("0 0\n", 1),
        ] {
            match parse_max_cut(bad, "bad") {
                Err(OptError::Parse { line: Some(l), .. }) => assert_eq!(l, line, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn qubo_round_trip_and_errors() {
        let text = "c a comment\np qubo 0 3 2 2\n0 0 1.5\n2 2 -1\n0 1 2\n1 2 -0.5\n";
        let q = parse_qubo(text, "t").unwrap();
        assert_eq!(q.linear(), &[1.5, 0.0, -1.0]);
        assert_eq!(q.quadratic(), &[(0, 1, 2.0), (1, 2, -0.5)]);
        assert_eq!(parse_qubo(&write_qubo(&q), "t").unwrap(), q);
        for bad in [
            "0 0 1\n",
            "p qubo 0 2 1 0\n0 0 1\n0 0 2\n",
            "p qubo 0 2 0 1\n1 0 1\n",
            "p qubo 0 2 0 1\n0 1 1\n0 1 1\n",
            "p qubo 0 2 0 1\n0 2 1\n",
            "p qubo 0 2 0 2\n0 1 1\n",
            "p qubo 0 2 0 1\n0 1 inf\n",
            "p qubo 0 0 0 0\n",
            "p maxcut 0 2 0 0\n",
            "c nothing\n",
        ] {
            assert!(
                matches!(parse_qubo(bad, "bad"), Err(OptError::Parse { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn random_graphs_are_seeded() {
        let a = random_max_cut(50, 0.1, &mut rng_from_seed(1)).unwrap();
        let b = random_max_cut(50, 0.1, &mut rng_from_seed(1)).unwrap();
        assert_eq!(a, b);
        assert!(a.iter().all(|&(i, j, w)| i < j && j < 50 && w == 1.0));
        assert!(random_max_cut(5, 1.5, &mut rng_from_seed(1)).is_err());
        assert_eq!(
            random_max_cut(6, 1.0, &mut rng_from_seed(1)).unwrap().len(),
            15
        );
    }
}
