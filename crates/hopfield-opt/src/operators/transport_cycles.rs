//! Cycle moves for transportation plans (Hitchcock problem, unary encoding).
//!
//! The transportation network is the `p × q × K` array `v_xyk`; in the unary
//! encoding the amount shipped from warehouse `x` to factory `y` is the number of neurons on
//! in cell `(x, y)`, and every feasible plan (row sums `S_x`, column sums `D_y`) has energy
//! `C × cost`. The tunnel operator T of Matsumoto et al. (2004) permutes whole warehouse, factory
//! or unit slices; a unit-slice swap does not change any amount under this encoding, and
//! warehouse/factory swaps break the supplies and demands. Here a candidate is a **cycle
//! move**, the stepping-stone move of the transportation simplex (Dantzig 1951):
//!
//! pick `k ∈ 2..=max_cycle` distinct warehouses `x_1..x_k` and factories `y_1..y_k` with
//! `a(x_t, y_t) ≥ 1`, and move one unit around the cycle:
//! `a(x_t, y_t) −= 1`, `a(x_t, y_{t+1}) += 1` (indices mod `k`).
//!
//! Every row and column loses one unit and gains one, so supplies and demands are kept; the
//! candidate flips `2k` neurons (in each cell the highest neuron on is switched off, or the
//! lowest off switched on, keeping the on-neurons of a cell a prefix) and its `ΔE` (on a
//! feasible plan `C ×` the change of cost) comes from [`super::flips_delta`]. The 2×2 moves
//! alone connect all integer plans with the given margins (they form a Markov basis of
//! two-way tables), so annealing over them can reach the LP optimum; longer cycles are
//! shortcuts through uphill 2×2 sequences. The first cell is drawn among the cells in use,
//! then each next factory uniformly and each next warehouse among those that ship to it.
//!
//! # Pricing by the network's fields (the default)
//!
//! With [`Pricing::Fields`] the cycle is not drawn at random: it is the cycle the
//! transportation simplex would pivot on (Dantzig 1951; the MODI or u–v method), priced from
//! the network's own local fields. In the unary encoding the field of a cell's next neuron
//! is minus the energy change of shipping one more unit through the cell, so on a feasible
//! plan `ΔE_add(x, y) − (A+B)/2 = C·c_xy` (and `(A+B)/2 − ΔE_remove(x, y)` the same, from the
//! cell's top neuron): the fields are the marginal costs. The family keeps a basis (a
//! spanning tree of `p + q − 1` warehouse–factory cells containing every cell in use when the
//! plan is basic), computes potentials `u_x + v_y = m_xy` on it, and takes the non-basic cell
//! with the most negative reduced cost `m_xy − u_x − v_y` (or, for a non-basic cell in use,
//! the most positive, to empty it). The cycle it closes in the tree moves `θ` units — the
//! smallest amount on a decreasing cell — one unit per candidate, each scored by
//! [`super::flips_delta`] like any other move. When no reduced cost improves, the plan is an
//! LP optimum (transportation LPs have integral optima) and the operator reports itself
//! converged. Degenerate pivots (`θ = 0`) switch to Bland's smallest-index rule after
//! `p + q` of them in a row, so pivoting cannot cycle.
//!
//! **Projection.** The amounts the state encodes are clipped cell by cell (in random order)
//! to the remaining supply and demand, and the residual is filled by the north-west corner
//! rule: a feasible plan as close to the state as this greedy gets. The one-hot encoding is
//! not supported.

use hopfield_core::lean::FlipDynamics;
use hopfield_core::rand::{Rng, RngExt};

use super::{MoveFamily, MoveSearch, flips_delta};
use crate::problem::Shape;
use crate::search::OperatorStats;
use crate::transport::{Transport, TransportEncoding};
use crate::{OptError, Result};

/// How the cycle of a candidate is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pricing {
    /// The simplex pivot priced by the network's local fields (see the module docs).
    #[default]
    Fields,
    /// A random cycle of 2 to `max_cycle` cells pairs.
    Random,
}

/// Parameters of the cycle moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleConfig {
    /// Longest random cycle in warehouses (2 = the 2×2 moves), `≥ 2`; capped at
    /// `min(p, q)`. Used by [`Pricing::Random`].
    pub max_cycle: usize,
    /// How cycles are chosen.
    pub pricing: Pricing,
}

impl Default for CycleConfig {
    /// Pricing by the fields; random cycles (when chosen) of 2 or 3 warehouses.
    fn default() -> Self {
        CycleConfig {
            max_cycle: 3,
            pricing: Pricing::Fields,
        }
    }
}

/// The simplex bookkeeping of [`Pricing::Fields`].
#[derive(Debug, Clone, Default)]
struct Simplex {
    /// Whether each cell is basic.
    basis: Vec<bool>,
    /// The plan the basis belongs to (to notice plans changed from outside).
    plan: Vec<u32>,
    /// The pivot in progress: cells with their direction, and units left to move.
    cycle: Vec<(usize, bool)>,
    remaining: u32,
    /// Consecutive degenerate pivots.
    degenerate: usize,
    /// No improving pivot exists for `plan`.
    optimal: bool,
}

/// The cycle-move family for [`Transport`] (unary encoding; see the module docs). The
/// representation is the plan: `plan[x·q + y]` = units shipped from `x` to `y`.
#[derive(Debug, Clone)]
pub struct TransportFamily {
    p: usize,
    q: usize,
    k: usize,
    supply: Vec<u32>,
    demand: Vec<u32>,
    config: CycleConfig,
    /// The last candidate: (cell, +1 or −1).
    pending: Vec<(usize, bool)>,
    scratch: Vec<usize>,
    rows: Vec<usize>,
    cols: Vec<usize>,
    /// `(A + B)/2`: the constant between a cell's flip deltas and its marginal cost.
    half_ab: f64,
    simplex: Simplex,
}

/// The transportation cycle operator: [`TransportFamily`] under an acceptance schedule.
pub type TransportCycles = MoveSearch<TransportFamily>;

impl TransportFamily {
    /// The family for a unary-encoded instance with at least 2 warehouses and 2 factories;
    /// checks `max_cycle ≥ 2`.
    pub fn new(transport: &Transport, config: CycleConfig) -> Result<Self> {
        if transport.encoding() != TransportEncoding::Unary {
            return Err(OptError::InvalidParameter {
                name: "encoding",
                reason: "cycle moves support the unary encoding only".into(),
            });
        }
        if config.max_cycle < 2 {
            return Err(OptError::InvalidParameter {
                name: "max_cycle",
                reason: format!("must be >= 2, got {}", config.max_cycle),
            });
        }
        let inst = transport.instance();
        let (p, q) = (inst.supply().len(), inst.demand().len());
        if p < 2 || q < 2 {
            return Err(OptError::InvalidParameter {
                name: "instance",
                reason: format!(
                    "cycle moves need at least 2 warehouses and 2 factories, got {p}×{q}"
                ),
            });
        }
        Ok(TransportFamily {
            p,
            q,
            k: inst.depth(),
            supply: inst.supply().to_vec(),
            demand: inst.demand().to_vec(),
            config,
            pending: Vec::new(),
            scratch: Vec::new(),
            rows: Vec::new(),
            cols: Vec::new(),
            half_ab: 0.5 * (transport.weights().a + transport.weights().b),
            simplex: Simplex::default(),
        })
    }

    /// The marginal cost `C·c_xy` of every cell, read from the fields of the cells' next
    /// (or top) neurons.
    fn marginal_costs<D: FlipDynamics>(&self, plan: &[u32], d: &D) -> Vec<f64> {
        let k = self.k;
        plan.iter()
            .enumerate()
            .map(|(cell, &a)| {
                let a = a as usize;
                if a < k {
                    d.flip_delta(cell * k + a) - self.half_ab
                } else {
                    self.half_ab - d.flip_delta(cell * k + a - 1)
                }
            })
            .collect()
    }

    /// Rebuilds a basis for `plan`: cells in use first (skipping any that would close a
    /// cycle), then empty cells joining what is still apart.
    fn rebuild_basis(&mut self, plan: &[u32]) {
        let (p, q) = (self.p, self.q);
        let mut parent: Vec<usize> = (0..p + q).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        let sx = &mut self.simplex;
        sx.basis = vec![false; p * q];
        let mut order: Vec<usize> = (0..p * q).collect();
        order.sort_by_key(|&c| (plan[c] == 0, c));
        for cell in order {
            let (x, y) = (cell / q, cell % q);
            let (a, b) = (find(&mut parent, x), find(&mut parent, p + y));
            if a != b {
                parent[a] = b;
                sx.basis[cell] = true;
            }
        }
        sx.plan = plan.to_vec();
        sx.cycle.clear();
        sx.remaining = 0;
        sx.degenerate = 0;
        sx.optimal = false;
    }

    /// One simplex pivot on the stored basis: fills `simplex.cycle` and `remaining` (`θ`,
    /// possibly 0) and updates the basis; `false` when the plan is optimal.
    fn pivot<D: FlipDynamics>(&mut self, plan: &[u32], d: &D) -> bool {
        let (p, q) = (self.p, self.q);
        let m = self.marginal_costs(plan, d);
        let scale = m.iter().fold(1.0_f64, |s, v| s.max(v.abs()));
        let tol = 1e-9 * scale;
        // Tree adjacency: node x < p is a warehouse, p + y a factory.
        let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); p + q];
        for cell in (0..p * q).filter(|&c| self.simplex.basis[c]) {
            let (x, y) = (cell / q, cell % q);
            adj[x].push((p + y, cell));
            adj[p + y].push((x, cell));
        }
        // Potentials and parents by a traversal from warehouse 0.
        let mut pot = vec![f64::NAN; p + q];
        let mut par: Vec<(usize, usize)> = vec![(usize::MAX, usize::MAX); p + q];
        let mut depth = vec![0usize; p + q];
        let mut stack = vec![0usize];
        pot[0] = 0.0;
        while let Some(u) = stack.pop() {
            for &(v, cell) in &adj[u] {
                if pot[v].is_nan() {
                    pot[v] = m[cell] - pot[u];
                    par[v] = (u, cell);
                    depth[v] = depth[u] + 1;
                    stack.push(v);
                }
            }
        }
        // Entering cell: Dantzig's rule, or Bland's after many degenerate pivots.
        let bland = self.simplex.degenerate >= p + q;
        let mut enter: Option<(usize, bool, f64)> = None;
        for cell in (0..p * q).filter(|&c| !self.simplex.basis[c]) {
            let (x, y) = (cell / q, cell % q);
            let r = m[cell] - pot[x] - pot[p + y];
            let cand = if r < -tol {
                Some((cell, true, -r))
            } else if r > tol && plan[cell] > 0 {
                Some((cell, false, r))
            } else {
                None
            };
            if let Some(c) = cand {
                if bland {
                    enter = Some(c);
                    break;
                }
                if enter.is_none_or(|e| c.2 > e.2) {
                    enter = Some(c);
                }
            }
        }
        let Some((cell, up, _)) = enter else {
            self.simplex.optimal = true;
            return false;
        };
        // The tree path from factory y to warehouse x, then the entering cell.
        let (x, y) = (cell / q, cell % q);
        let (mut a, mut b) = (p + y, x);
        let (mut from_y, mut from_x) = (Vec::new(), Vec::new());
        while a != b {
            if depth[a] >= depth[b] {
                from_y.push(par[a].1);
                a = par[a].0;
            } else {
                from_x.push(par[b].1);
                b = par[b].0;
            }
        }
        let path: Vec<usize> = from_y.into_iter().chain(from_x.into_iter().rev()).collect();
        let cycle = &mut self.simplex.cycle;
        cycle.clear();
        cycle.push((cell, up));
        for (t, &c) in path.iter().enumerate() {
            // Signs alternate along the path, starting opposite to the entering cell.
            cycle.push((c, if t % 2 == 0 { !up } else { up }));
        }
        // θ: the smallest amount on a decreasing cell; the leaving cell (smallest index).
        let mut theta = u32::MAX;
        let mut leave = usize::MAX;
        for &(c, dir_up) in cycle.iter() {
            if !dir_up && (plan[c] < theta || (plan[c] == theta && c < leave)) {
                theta = plan[c];
                leave = c;
            }
        }
        if leave != cell {
            self.simplex.basis[cell] = true;
            self.simplex.basis[leave] = false;
        }
        self.simplex.remaining = theta;
        self.simplex.degenerate = if theta == 0 {
            self.simplex.degenerate + 1
        } else {
            0
        };
        true
    }

    /// Fills `pending` with the next unit move of the pivot in progress, pivoting as needed;
    /// `false` when the plan is optimal.
    fn next_priced<D: FlipDynamics>(&mut self, plan: &[u32], d: &D) -> bool {
        if self.simplex.basis.len() != plan.len() || self.simplex.plan != plan {
            self.rebuild_basis(plan);
        }
        if self.simplex.optimal {
            return false;
        }
        let limit = 4 * (self.p + self.q) + 16;
        let mut pivots = 0;
        while self.simplex.remaining == 0 {
            if pivots > limit || !self.pivot(plan, d) {
                return false;
            }
            pivots += 1;
        }
        self.pending.clear();
        self.pending
            .extend(self.simplex.cycle.iter().map(|&(c, up)| (c, up)));
        true
    }

    /// Draws a cycle into `self.pending`; false if the drawn start admits none.
    fn draw<R: Rng + ?Sized>(&mut self, plan: &[u32], rng: &mut R) -> bool {
        let (p, q) = (self.p, self.q);
        self.pending.clear();
        self.scratch.clear();
        self.scratch
            .extend((0..p * q).filter(|&cell| plan[cell] > 0));
        if self.scratch.is_empty() {
            return false;
        }
        let kmax = self.config.max_cycle.min(p).min(q);
        let len = rng.random_range(2..=kmax);
        let first = self.scratch[rng.random_range(0..self.scratch.len())];
        self.rows.clear();
        self.cols.clear();
        self.rows.push(first / q);
        self.cols.push(first % q);
        for _ in 1..len {
            let free = q - self.cols.len();
            let pick = rng.random_range(0..free);
            let cols = &self.cols;
            let y = (0..q).filter(|y| !cols.contains(y)).nth(pick);
            let Some(y) = y else { return false };
            self.scratch.clear();
            self.scratch
                .extend((0..p).filter(|x| !self.rows.contains(x) && plan[x * q + y] > 0));
            if self.scratch.is_empty() {
                return false;
            }
            let x = self.scratch[rng.random_range(0..self.scratch.len())];
            self.rows.push(x);
            self.cols.push(y);
        }
        for t in 0..len {
            let x = self.rows[t];
            self.pending.push((x * q + self.cols[t], false));
            self.pending.push((x * q + self.cols[(t + 1) % len], true));
        }
        true
    }
}

impl MoveFamily for TransportFamily {
    type Repr = Vec<u32>;

    fn name(&self) -> &'static str {
        "transport-cycles"
    }

    fn check_shape(&self, shape: &Shape) -> Result<()> {
        if shape.dims() != [self.p, self.q, self.k] {
            return Err(OptError::InvalidParameter {
                name: "shape",
                reason: format!(
                    "cycle moves need a {}×{}×{} array, got {:?}",
                    self.p,
                    self.q,
                    self.k,
                    shape.dims()
                ),
            });
        }
        Ok(())
    }

    fn project<D: FlipDynamics, R: Rng + ?Sized>(&self, dynamics: &D, rng: &mut R) -> Vec<u32> {
        let (p, q, k) = (self.p, self.q, self.k);
        let state = dynamics;
        let mut rem_s = self.supply.clone();
        let mut rem_d = self.demand.clone();
        let mut plan = vec![0u32; p * q];
        let mut order: Vec<usize> = (0..p * q).collect();
        for i in (1..order.len()).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        for cell in order {
            let (x, y) = (cell / q, cell % q);
            let on = (0..k).filter(|&kk| state.is_high(cell * k + kk)).count() as u32;
            let a = on.min(rem_s[x]).min(rem_d[y]);
            plan[cell] = a;
            rem_s[x] -= a;
            rem_d[y] -= a;
        }
        for x in 0..p {
            for y in 0..q {
                let t = rem_s[x].min(rem_d[y]);
                plan[x * q + y] += t;
                rem_s[x] -= t;
                rem_d[y] -= t;
            }
        }
        plan
    }

    #[inline]
    fn is_on(&self, plan: &Vec<u32>, i: usize) -> bool {
        ((i % self.k) as u32) < plan[i / self.k]
    }

    fn propose<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        plan: &Vec<u32>,
        dynamics: &D,
        rng: &mut R,
        flips: &mut Vec<usize>,
        stats: &mut OperatorStats,
    ) -> Option<f64> {
        let drawn = match self.config.pricing {
            Pricing::Fields => self.next_priced(plan, dynamics),
            Pricing::Random => self.draw(plan, rng),
        };
        if !drawn {
            return None;
        }
        let k = self.k;
        for &(cell, up) in &self.pending {
            let a = plan[cell] as usize;
            if up {
                if a >= k {
                    return None;
                }
                flips.push(cell * k + a);
            } else {
                flips.push(cell * k + a - 1);
            }
        }
        stats.energy_evaluations += 1;
        Some(flips_delta(dynamics, flips))
    }

    fn commit(&mut self, plan: &mut Vec<u32>) {
        for &(cell, up) in &self.pending {
            if up {
                plan[cell] += 1;
            } else {
                plan[cell] -= 1;
            }
        }
        if self.config.pricing == Pricing::Fields && self.simplex.plan.len() == plan.len() {
            for &(cell, up) in &self.pending {
                if up {
                    self.simplex.plan[cell] += 1;
                } else {
                    self.simplex.plan[cell] -= 1;
                }
            }
            self.simplex.remaining = self.simplex.remaining.saturating_sub(1);
        }
    }

    fn is_done(&self, plan: &Vec<u32>) -> bool {
        self.config.pricing == Pricing::Fields && self.simplex.optimal && self.simplex.plan == *plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportInstance;
    use hopfield_core::rng_from_seed;

    #[test]
    fn cycles_keep_margins() {
        let t = Transport::new(TransportInstance::experiment1()).unwrap();
        let mut f = TransportFamily::new(
            &t,
            CycleConfig {
                max_cycle: 4,
                pricing: Pricing::Random,
            },
        )
        .unwrap();
        let inst = t.instance();
        let (p, q) = (5, 10);
        // North-west corner plan.
        let (mut s, mut d) = (inst.supply().to_vec(), inst.demand().to_vec());
        let mut plan = vec![0u32; p * q];
        for x in 0..p {
            for y in 0..q {
                let m = s[x].min(d[y]);
                plan[x * q + y] = m;
                s[x] -= m;
                d[y] -= m;
            }
        }
        let mut rng = rng_from_seed(9);
        let mut moved = 0;
        for _ in 0..2000 {
            if f.draw(&plan, &mut rng) {
                f.commit(&mut plan);
                moved += 1;
            }
            for x in 0..p {
                assert_eq!(
                    plan[x * q..(x + 1) * q].iter().sum::<u32>(),
                    inst.supply()[x]
                );
            }
            for y in 0..q {
                assert_eq!(
                    (0..p).map(|x| plan[x * q + y]).sum::<u32>(),
                    inst.demand()[y]
                );
            }
        }
        assert!(moved > 100);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let t = Transport::new(TransportInstance::experiment1()).unwrap();
        assert!(
            TransportFamily::new(
                &t,
                CycleConfig {
                    max_cycle: 1,
                    pricing: Pricing::Random
                }
            )
            .is_err()
        );
        let oh = Transport::one_hot(TransportInstance::experiment1()).unwrap();
        assert!(TransportFamily::new(&oh, CycleConfig::default()).is_err());
    }
}
