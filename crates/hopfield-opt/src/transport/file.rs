//! A small TOML format for balanced transportation instances.
//!
//! ```toml
//! # Hitchcock experiment 1 of Matsumoto et al. (2004) (optional comment lines)
//! name = "hitchcock1"            # optional
//! supply = [22, 13, 19, 35, 11]  # S_x, one per warehouse (non-negative integers)
//! demand = [16, 8, 5, 12, 6, 14, 3, 9, 10, 17]   # D_y, one per factory
//! cost = [                        # p rows of q finite, non-negative unit costs
//!   [4, 7, 5, 9, 2, 6, 5, 3, 5, 8],
//!   # …
//! ]
//! ```
//!
//! Reading checks everything and names what is wrong: TOML syntax and unknown keys (with the
//! line), the number of cost rows and their lengths, negative or non-finite costs, and total
//! supply ≠ total demand ([`OptError::Unbalanced`]).

use std::path::Path;

use hopfield_core::nalgebra::DMatrix;
use serde::Deserialize;

use crate::error::line_of;
use crate::transport::TransportInstance;
use crate::{OptError, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    name: Option<String>,
    supply: Vec<u32>,
    demand: Vec<u32>,
    cost: Vec<Vec<f64>>,
}

/// A transportation instance read from TOML, with its optional name.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportFile {
    /// The `name` key, if present.
    pub name: Option<String>,
    /// The validated, balanced instance.
    pub instance: TransportInstance,
}

/// Parses the TOML text of an instance; `source` names it in errors.
pub fn parse(text: &str, source: &str) -> Result<TransportFile> {
    let perr = |line: Option<usize>, reason: String| OptError::Parse {
        file: source.to_string(),
        line,
        reason,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        perr(
            e.span().map(|s| line_of(text, s.start)),
            e.message().to_string(),
        )
    })?;
    let (p, q) = (raw.supply.len(), raw.demand.len());
    if raw.cost.len() != p {
        return Err(perr(
            None,
            format!(
                "cost has {} rows but supply lists {p} warehouses",
                raw.cost.len()
            ),
        ));
    }
    for (x, row) in raw.cost.iter().enumerate() {
        if row.len() != q {
            return Err(perr(
                None,
                format!(
                    "cost row {} has {} entries but demand lists {q} factories",
                    x + 1,
                    row.len()
                ),
            ));
        }
        if let Some((y, v)) = row
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(perr(
                None,
                format!(
                    "cost[{}][{}] = {v} is not a finite non-negative number",
                    x + 1,
                    y + 1
                ),
            ));
        }
    }
    let cost = DMatrix::from_fn(p, q, |x, y| raw.cost[x][y]);
    let instance = TransportInstance::new(raw.supply, raw.demand, cost)?;
    Ok(TransportFile {
        name: raw.name,
        instance,
    })
}

/// Reads an instance file (see [`parse`]).
pub fn read(path: &Path) -> Result<TransportFile> {
    let text = std::fs::read_to_string(path).map_err(|e| OptError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    parse(&text, &path.display().to_string())
}

/// A random balanced instance: `total` units spread over `p` warehouses and, separately,
/// over `q` factories (each unit to a uniformly random one), and integer unit costs drawn
/// uniformly from `cost_min..=cost_max` — the random instances of hopfield-opt's
/// transportation benchmark (20 × 40, total 2 000, costs 1–50).
pub fn random_instance<R: hopfield_core::rand::Rng + ?Sized>(
    p: usize,
    q: usize,
    total: u32,
    cost_min: u32,
    cost_max: u32,
    rng: &mut R,
) -> Result<TransportInstance> {
    use hopfield_core::rand::RngExt;
    if p == 0 || q == 0 || total == 0 || cost_min > cost_max || p.saturating_mul(q) > 1_000_000 {
        return Err(OptError::InvalidParameter {
            name: "random instance",
            reason: format!(
                "need p, q, total >= 1, p·q <= 10^6 and cost_min <= cost_max, got {p}×{q}, \
                 total {total}, costs {cost_min}..={cost_max}"
            ),
        });
    }
    let mut supply = vec![0u32; p];
    let mut demand = vec![0u32; q];
    for _ in 0..total {
        supply[rng.random_range(0..p)] += 1;
    }
    for _ in 0..total {
        demand[rng.random_range(0..q)] += 1;
    }
    let cost = DMatrix::from_fn(p, q, |_, _| {
        f64::from(rng.random_range(cost_min..=cost_max))
    });
    TransportInstance::new(supply, demand, cost)
}

/// Writes an instance in the format [`parse`] reads (costs in Rust's shortest round-trip
/// decimal form, so parsing the text gives the same instance back).
pub fn to_toml(instance: &TransportInstance, name: Option<&str>) -> String {
    let list = |v: &[u32]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    if let Some(name) = name {
        let quoted = toml::Value::String(name.to_string()).to_string();
        out.push_str(&format!("name = {quoted}\n"));
    }
    out.push_str(&format!("supply = [{}]\n", list(instance.supply())));
    out.push_str(&format!("demand = [{}]\n", list(instance.demand())));
    out.push_str("cost = [\n");
    let cost = instance.cost();
    for x in 0..cost.nrows() {
        let row: Vec<String> = (0..cost.ncols())
            .map(|y| format!("{:?}", cost[(x, y)]))
            .collect();
        out.push_str(&format!("  [{}],\n", row.join(", ")));
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn experiment1_round_trips() {
        let inst = TransportInstance::experiment1();
        let text = to_toml(&inst, Some("hitchcock \"1\""));
        let back = parse(&text, "t").unwrap();
        assert_eq!(back.instance, inst);
        assert_eq!(back.name.as_deref(), Some("hitchcock \"1\""));
    }

    #[test]
    fn integer_costs_are_accepted() {
        let f = parse(
            "supply = [3, 2]\ndemand = [1, 4]\ncost = [[1, 2], [3.5, 0]]\n",
            "t",
        )
        .unwrap();
        assert_eq!(f.instance.cost()[(1, 0)], 3.5);
        assert_eq!(f.instance.cost()[(0, 1)], 2.0);
    }
}
