//! Exact references: the TSP optimum by Held–Karp dynamic programming and the optimum of a
//! balanced transportation (Hitchcock) problem by linear programming.
//!
//! Both serve as ground truth for the heuristic searches of this crate:
//!
//! - [`held_karp`] computes an optimal closed tour for up to [`HELD_KARP_MAX_CITIES`] cities in
//!   O(2ⁿ n²) time. It stores one `f64` cost and one `u8` predecessor per (subset, last city)
//!   pair *with the last city in the subset* — (n − 1)·2ⁿ⁻² states, about 200 MB at n = 22.
//! - [`transport_optimum`] solves the transportation LP with `good_lp` (pure-Rust `microlp`
//!   backend) and returns an integral optimal plan. A balanced transportation problem with
//!   integer supplies and demands has integral vertex optima; the plan is rounded and then
//!   verified (integral, feasible, cost equal to the LP value) before it is returned.

use good_lp::{Expression, ProblemVariables, ResolutionError, Solution, SolverModel, variable};
use nalgebra::DMatrix;

use crate::{OptError, Result};

/// The largest number of cities [`held_karp`] accepts.
pub const HELD_KARP_MAX_CITIES: usize = 22;

/// Checks that `dist` is a non-empty square matrix of finite numbers; returns n.
fn check_distance_matrix(dist: &DMatrix<f64>) -> Result<usize> {
    let n = dist.nrows();
    if dist.ncols() != n {
        return Err(OptError::InvalidParameter {
            name: "dist",
            reason: format!(
                "the distance matrix must be square, got {}×{}",
                dist.nrows(),
                dist.ncols()
            ),
        });
    }
    if n == 0 {
        return Err(OptError::InvalidParameter {
            name: "dist",
            reason: "the distance matrix is empty (no cities)".into(),
        });
    }
    if let Some(pos) = dist.iter().position(|d| !d.is_finite()) {
        return Err(OptError::InvalidParameter {
            name: "dist",
            reason: format!(
                "distance ({}, {}) is not finite",
                pos % n,
                pos / n // column-major storage
            ),
        });
    }
    Ok(n)
}

/// Optimal closed-tour length and an optimal tour by Held–Karp dynamic programming.
///
/// `dist[(i, j)]` is the cost of travelling from city `i` to city `j`; the matrix may be
/// asymmetric (the tour is then followed in the returned direction). The tour is a permutation
/// of `0..n` starting at city 0; the length is the sum
/// `d(t₀,t₁) + d(t₁,t₂) + … + d(tₙ₋₁,t₀)` accumulated in that order, so it equals
/// [`crate::tsplib::tour_length`] of the returned tour bit for bit.
///
/// For n = 1 the tour is `[0]` with length `dist[(0, 0)]`; for n = 2 it is `[0, 1]`.
///
/// # Errors
/// [`OptError::InvalidParameter`] for a non-square or empty matrix or non-finite entries;
/// [`OptError::TooLarge`] for more than [`HELD_KARP_MAX_CITIES`] cities.
pub fn held_karp(dist: &DMatrix<f64>) -> Result<(f64, Vec<usize>)> {
    let n = check_distance_matrix(dist)?;
    if n > HELD_KARP_MAX_CITIES {
        return Err(OptError::TooLarge {
            method: "Held–Karp",
            what: "cities",
            max: HELD_KARP_MAX_CITIES,
            found: n,
        });
    }
    if n == 1 {
        return Ok((dist[(0, 0)], vec![0]));
    }
    // Cities 1..n are bits 0..m of a subset; city 0 is the fixed start.
    let m = n - 1;
    let full: usize = (1usize << m) - 1;
    // d[j * n + i] = dist(i, j): nalgebra stores column-major, so column j (all i) is contiguous.
    let d = dist.as_slice();

    // Compact layout: the states of subset s are stored contiguously at offset[s], one per
    // member city, in increasing city order.
    let mut offset = vec![0u32; full + 1];
    let mut total = 0usize;
    for (s, off) in offset.iter_mut().enumerate() {
        // total ≤ 21·2²⁰ < 2³², so the narrowing is lossless.
        *off = total as u32;
        total += s.count_ones() as usize;
    }
    let mut cost = vec![0.0f64; total];
    let mut parent = vec![0u8; total];

    for s in 1..=full {
        let base = offset[s] as usize;
        let mut rank = 0usize;
        let mut bits = s;
        while bits != 0 {
            let j = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let col = &d[(j + 1) * n..(j + 2) * n];
            let prev = s & !(1usize << j);
            let (best, arg) = if prev == 0 {
                (col[0], 0u8)
            } else {
                let pbase = offset[prev] as usize;
                let states = &cost[pbase..pbase + prev.count_ones() as usize];
                let mut best = f64::INFINITY;
                let mut arg = 0u8;
                let mut first = true;
                let mut pbits = prev;
                for &c in states {
                    let i = pbits.trailing_zeros() as usize;
                    pbits &= pbits - 1;
                    let v = c + col[i + 1];
                    if first || v < best {
                        best = v;
                        arg = (i + 1) as u8;
                        first = false;
                    }
                }
                (best, arg)
            };
            cost[base + rank] = best;
            parent[base + rank] = arg;
            rank += 1;
        }
    }

    // Close the tour back to city 0.
    let base = offset[full] as usize;
    let mut best = f64::INFINITY;
    let mut last = 1usize;
    for j in 0..m {
        let v = cost[base + j] + d[j + 1]; // dist(j + 1, 0)
        if j == 0 || v < best {
            best = v;
            last = j + 1;
        }
    }

    // Walk the predecessors back to city 0.
    let mut rev = Vec::with_capacity(n);
    let mut s = full;
    let mut city = last;
    while city != 0 {
        rev.push(city);
        let bit = city - 1;
        let rank = (s & ((1usize << bit) - 1)).count_ones() as usize;
        let next = parent[offset[s] as usize + rank] as usize;
        s &= !(1usize << bit);
        city = next;
    }
    rev.push(0);
    rev.reverse();
    Ok((best, rev))
}

/// The optimum of a balanced transportation problem.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportOptimum {
    /// The minimal total cost `Σ cost[(x, y)] · plan[(x, y)]` (computed from the integral plan).
    pub cost: f64,
    /// An optimal plan: units shipped from warehouse x (row) to factory y (column).
    pub plan: DMatrix<u32>,
}

/// Optimal plan of the transportation problem `min Σ c_xy a_xy` subject to
/// `Σ_y a_xy = supply[x]`, `Σ_x a_xy = demand[y]`, `a ≥ 0`, solved as an LP.
///
/// `cost` has one row per warehouse (`supply.len()`) and one column per factory
/// (`demand.len()`). The LP optimum of a balanced problem is attained at an integral vertex;
/// the solver's solution is rounded and verified to be integral, feasible and of the LP's cost.
///
/// # Errors
/// [`OptError::InvalidParameter`] when there is no warehouse or no factory, `cost` has the wrong
/// shape or a non-finite entry; [`OptError::Unbalanced`] when total supply ≠ total demand;
/// [`OptError::Infeasible`] when the solver reports infeasibility; [`OptError::Solver`] for any
/// other solver failure or when the solution fails verification.
pub fn transport_optimum(
    supply: &[u32],
    demand: &[u32],
    cost: &DMatrix<f64>,
) -> Result<TransportOptimum> {
    let (p, q) = (supply.len(), demand.len());
    if p == 0 || q == 0 {
        return Err(OptError::InvalidParameter {
            name: "supply/demand",
            reason: format!(
                "need at least one warehouse and one factory, got {p} warehouses and {q} factories"
            ),
        });
    }
    if cost.shape() != (p, q) {
        return Err(OptError::InvalidParameter {
            name: "cost",
            reason: format!(
                "cost matrix is {}×{} but there are {p} warehouses and {q} factories",
                cost.nrows(),
                cost.ncols()
            ),
        });
    }
    if let Some(pos) = cost.iter().position(|c| !c.is_finite()) {
        return Err(OptError::InvalidParameter {
            name: "cost",
            reason: format!("cost ({}, {}) is not finite", pos % p, pos / p),
        });
    }
    let total_supply: u64 = supply.iter().map(|&s| u64::from(s)).sum();
    let total_demand: u64 = demand.iter().map(|&d| u64::from(d)).sum();
    if total_supply != total_demand {
        return Err(OptError::Unbalanced {
            supply: total_supply,
            demand: total_demand,
        });
    }
    if total_supply == 0 {
        return Ok(TransportOptimum {
            cost: 0.0,
            plan: DMatrix::zeros(p, q),
        });
    }

    let mut vars = ProblemVariables::new();
    let x: Vec<_> = (0..p * q).map(|_| vars.add(variable().min(0.0))).collect();
    let var = |i: usize, j: usize| x[i * q + j];
    let mut objective = Expression::from(0.0);
    for i in 0..p {
        for j in 0..q {
            objective += cost[(i, j)] * var(i, j);
        }
    }
    let mut model = vars.minimise(objective).using(good_lp::microlp);
    for (i, &s) in supply.iter().enumerate() {
        let row: Expression = (0..q).map(|j| var(i, j)).sum();
        model = model.with(good_lp::constraint::eq(row, f64::from(s)));
    }
    for (j, &dem) in demand.iter().enumerate() {
        let col: Expression = (0..p).map(|i| var(i, j)).sum();
        model = model.with(good_lp::constraint::eq(col, f64::from(dem)));
    }
    let solution = model.solve().map_err(|e| match e {
        ResolutionError::Infeasible => OptError::Infeasible,
        other => OptError::Solver(other.to_string()),
    })?;

    // Round and verify.
    const TOL: f64 = 1e-6;
    let mut plan = DMatrix::<u32>::zeros(p, q);
    let mut lp_value = 0.0;
    for i in 0..p {
        for j in 0..q {
            let v = solution.value(var(i, j));
            lp_value += cost[(i, j)] * v;
            let r = v.round();
            if !v.is_finite() || (v - r).abs() > TOL || r < 0.0 || r > f64::from(u32::MAX) {
                return Err(OptError::Solver(format!(
                    "LP solution is not a non-negative integral plan: a[{i}][{j}] = {v}"
                )));
            }
            plan[(i, j)] = r as u32;
        }
    }
    for (i, &s) in supply.iter().enumerate() {
        let shipped: u64 = plan.row(i).iter().map(|&a| u64::from(a)).sum();
        if shipped != u64::from(s) {
            return Err(OptError::Solver(format!(
                "rounded plan ships {shipped} units from warehouse {i}, supply is {s}"
            )));
        }
    }
    for (j, &dem) in demand.iter().enumerate() {
        let received: u64 = plan.column(j).iter().map(|&a| u64::from(a)).sum();
        if received != u64::from(dem) {
            return Err(OptError::Solver(format!(
                "rounded plan delivers {received} units to factory {j}, demand is {dem}"
            )));
        }
    }
    let plan_cost: f64 = plan
        .iter()
        .zip(cost.iter())
        .map(|(&a, &c)| f64::from(a) * c)
        .sum();
    if (plan_cost - lp_value).abs() > TOL * lp_value.abs().max(1.0) {
        return Err(OptError::Solver(format!(
            "rounded plan costs {plan_cost} but the LP optimum is {lp_value}"
        )));
    }
    Ok(TransportOptimum {
        cost: plan_cost,
        plan,
    })
}
