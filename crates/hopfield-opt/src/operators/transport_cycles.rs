//! Cycle moves for transportation plans (Hitchcock problem, unary encoding).
//!
//! The transportation network (SPEC §6.3) is the `p × q × K` array `v_xyk`; in the unary
//! encoding the amount shipped from warehouse `x` to factory `y` is the number of neurons on
//! in cell `(x, y)`, and every feasible plan (row sums `S_x`, column sums `D_y`) has energy
//! `C × cost`. The tunnel operator T of seed 002 permutes whole warehouse, factory or unit
//! slices; a unit-slice swap does not change any amount under this encoding (SPEC §6.3), and
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
//! **Projection.** The amounts the state encodes are clipped cell by cell (in random order)
//! to the remaining supply and demand, and the residual is filled by the north-west corner
//! rule: a feasible plan as close to the state as this greedy gets. The one-hot encoding is
//! not supported.

use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::lean::FlipDynamics;

use super::{MoveFamily, MoveSearch, flips_delta};
use crate::problem::Shape;
use crate::search::OperatorStats;
use crate::transport::{Transport, TransportEncoding};
use crate::{OptError, Result};

/// Parameters of the cycle moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleConfig {
    /// Longest cycle in warehouses (2 = the 2×2 moves), `≥ 2`; capped at `min(p, q)`.
    pub max_cycle: usize,
}

impl Default for CycleConfig {
    /// Cycles of 2 or 3 warehouses.
    fn default() -> Self {
        CycleConfig { max_cycle: 3 }
    }
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
        })
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

    fn project<D: FlipDynamics, R: Rng + ?Sized>(
        &self,
        dynamics: &D,
        rng: &mut R,
    ) -> Vec<u32> {
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
        if !self.draw(plan, rng) {
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
        let mut f = TransportFamily::new(&t, CycleConfig { max_cycle: 4 }).unwrap();
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
        assert!(TransportFamily::new(&t, CycleConfig { max_cycle: 1 }).is_err());
        let oh = Transport::one_hot(TransportInstance::experiment1()).unwrap();
        assert!(TransportFamily::new(&oh, CycleConfig::default()).is_err());
    }
}
