//! Conflict-guided row exchanges for N-Queens.
//!
//! The N-Queens network (SPEC §6.2) is the `n × n` board `v_rc`. A placement with one queen
//! per row and per column is a permutation `cols` (`cols[r]` = the column of row `r`'s
//! queen); only diagonal conflicts remain, and the energy is `C ×` the number of attacking
//! pairs. The tunnel operator T of seed 002 swaps two random row slices (which exchanges two
//! queens' columns); here the exchange is *guided by conflicts*, in the spirit of the
//! min-conflicts heuristic (Minton et al. 1992):
//!
//! 1. pick a row whose queen shares a diagonal with another queen (scanning from a random
//!    row);
//! 2. score the exchange of its column with every other row's column — four flips each, by
//!    [`super::flips_delta`] — and propose the best (ties broken uniformly at random); with
//!    probability `noise`, propose an exchange with a uniformly random row instead (a random
//!    walk step that leaves plateaus).
//!
//! Every candidate keeps one queen per row and per column. The search rests once no queen
//! is attacked (a solution). Uphill proposals are accepted or not by the schedule, whose
//! energy scale is the weight `C` of one attacking pair.
//!
//! **Projection.** Row by row, the first column that is on and not yet used; rows left
//! without a queen get the unused columns in random order.

use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::lean::FlipDynamics;

use super::{MoveFamily, MoveSearch, flips_delta};
use crate::problem::Shape;
use crate::queens::Queens;
use crate::search::OperatorStats;
use crate::{OptError, Result};

/// Parameters of the queen exchanges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueensConfig {
    /// Probability of exchanging with a random row instead of the best one, in `[0, 1]`.
    pub noise: f64,
}

impl Default for QueensConfig {
    /// `noise = 0.1`.
    fn default() -> Self {
        QueensConfig { noise: 0.1 }
    }
}

/// A permutation placement with its diagonal occupancy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueensRepr {
    /// `cols[r]`: the column of row `r`'s queen (a permutation).
    pub cols: Vec<usize>,
    diag: Vec<u32>,
    anti: Vec<u32>,
    conflicts: usize,
}

impl QueensRepr {
    /// The placement of a permutation (`None` if `cols` is not one).
    pub fn new(cols: Vec<usize>) -> Option<Self> {
        let n = cols.len();
        let mut seen = vec![false; n];
        for &c in &cols {
            if c >= n || std::mem::replace(&mut seen[c], true) {
                return None;
            }
        }
        let mut r = QueensRepr {
            cols: Vec::new(),
            diag: vec![0; 2 * n],
            anti: vec![0; 2 * n],
            conflicts: 0,
        };
        for (row, &c) in cols.iter().enumerate() {
            r.add(n, row, c);
        }
        r.cols = cols;
        Some(r)
    }

    /// The number of attacking pairs.
    pub fn conflicts(&self) -> usize {
        self.conflicts
    }

    fn add(&mut self, n: usize, r: usize, c: usize) {
        let (d, a) = (r + n - c, r + c);
        self.conflicts += (self.diag[d] + self.anti[a]) as usize;
        self.diag[d] += 1;
        self.anti[a] += 1;
    }

    fn remove(&mut self, n: usize, r: usize, c: usize) {
        let (d, a) = (r + n - c, r + c);
        self.diag[d] -= 1;
        self.anti[a] -= 1;
        self.conflicts -= (self.diag[d] + self.anti[a]) as usize;
    }

    fn attacked(&self, n: usize, r: usize) -> bool {
        let c = self.cols[r];
        self.diag[r + n - c] + self.anti[r + c] > 2
    }
}

/// The conflict-guided exchange family for [`Queens`] (see the module docs).
#[derive(Debug, Clone)]
pub struct QueensFamily {
    n: usize,
    c: f64,
    config: QueensConfig,
    pending: (usize, usize),
}

/// The N-Queens exchange operator: [`QueensFamily`] under an acceptance schedule.
pub type QueensSwaps = MoveSearch<QueensFamily>;

impl QueensFamily {
    /// The family for a board; checks `noise ∈ [0, 1]`.
    pub fn new(queens: &Queens, config: QueensConfig) -> Result<Self> {
        if !(0.0..=1.0).contains(&config.noise) {
            return Err(OptError::InvalidParameter {
                name: "noise",
                reason: format!("must be a probability in [0, 1], got {}", config.noise),
            });
        }
        Ok(QueensFamily {
            n: queens.size(),
            c: queens.weights().c,
            config,
            pending: (0, 0),
        })
    }

    fn exchange(&self, repr: &QueensRepr, r1: usize, r2: usize, flips: &mut Vec<usize>) {
        let n = self.n;
        let (c1, c2) = (repr.cols[r1], repr.cols[r2]);
        flips.clear();
        flips.extend([r1 * n + c1, r1 * n + c2, r2 * n + c2, r2 * n + c1]);
    }
}

impl MoveFamily for QueensFamily {
    type Repr = QueensRepr;

    fn name(&self) -> &'static str {
        "queens-swaps"
    }

    fn check_shape(&self, shape: &Shape) -> Result<()> {
        if shape.dims() != [self.n, self.n] {
            return Err(OptError::InvalidParameter {
                name: "shape",
                reason: format!(
                    "queen exchanges for n = {} need a {0}×{0} board, got {:?}",
                    self.n,
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
    ) -> QueensRepr {
        let n = self.n;
        let state = dynamics;
        let mut used = vec![false; n];
        let mut cols = vec![usize::MAX; n];
        for (r, slot) in cols.iter_mut().enumerate() {
            if let Some(c) = (0..n).find(|&c| !used[c] && state.is_high(r * n + c)) {
                used[c] = true;
                *slot = c;
            }
        }
        let mut rest: Vec<usize> = (0..n).filter(|&c| !used[c]).collect();
        for i in (1..rest.len()).rev() {
            let j = rng.random_range(0..=i);
            rest.swap(i, j);
        }
        let mut rest = rest.into_iter();
        for slot in cols.iter_mut().filter(|s| **s == usize::MAX) {
            if let Some(c) = rest.next() {
                *slot = c;
            }
        }
        // `cols` is a permutation by construction; fall back to the identity otherwise.
        QueensRepr::new(cols).unwrap_or_else(|| {
            QueensRepr::new((0..n).collect()).unwrap_or(QueensRepr {
                cols: Vec::new(),
                diag: Vec::new(),
                anti: Vec::new(),
                conflicts: 0,
            })
        })
    }

    #[inline]
    fn is_on(&self, repr: &QueensRepr, i: usize) -> bool {
        repr.cols[i / self.n] == i % self.n
    }

    fn propose<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        repr: &QueensRepr,
        dynamics: &D,
        rng: &mut R,
        flips: &mut Vec<usize>,
        stats: &mut OperatorStats,
    ) -> Option<f64> {
        let n = self.n;
        let start = rng.random_range(0..n);
        let r1 = (0..n)
            .map(|k| (start + k) % n)
            .find(|&r| repr.attacked(n, r))?;
        let r2 = if rng.random::<f64>() < self.config.noise {
            let r = rng.random_range(0..n - 1);
            if r >= r1 { r + 1 } else { r }
        } else {
            let mut best = (f64::INFINITY, r1, 0usize);
            for r2 in (0..n).filter(|&r| r != r1) {
                self.exchange(repr, r1, r2, flips);
                let de = flips_delta(dynamics, flips);
                stats.energy_evaluations += 1;
                if de < best.0 - 1e-9 {
                    best = (de, r2, 1);
                } else if de <= best.0 + 1e-9 {
                    best.2 += 1;
                    if rng.random_range(0..best.2) == 0 {
                        best.1 = r2;
                    }
                }
            }
            best.1
        };
        self.exchange(repr, r1, r2, flips);
        self.pending = (r1, r2);
        stats.energy_evaluations += 1;
        Some(flips_delta(dynamics, flips))
    }

    fn commit(&mut self, repr: &mut QueensRepr) {
        let n = self.n;
        let (r1, r2) = self.pending;
        let (c1, c2) = (repr.cols[r1], repr.cols[r2]);
        repr.remove(n, r1, c1);
        repr.remove(n, r2, c2);
        repr.add(n, r1, c2);
        repr.add(n, r2, c1);
        repr.cols.swap(r1, r2);
    }

    fn is_done(&self, repr: &QueensRepr) -> bool {
        repr.conflicts == 0
    }

    fn energy_scale(&self) -> Option<f64> {
        Some(self.c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queens::Queens;

    #[test]
    fn repr_counts_conflicts_like_the_problem() {
        let q = Queens::new(8).unwrap();
        for cols in [
            vec![0, 1, 2, 3, 4, 5, 6, 7],
            vec![0, 4, 7, 5, 2, 6, 1, 3],
            vec![7, 6, 5, 4, 3, 2, 1, 0],
            vec![1, 3, 0, 2, 5, 7, 4, 6],
        ] {
            let r = QueensRepr::new(cols.clone()).unwrap();
            assert_eq!(r.conflicts(), q.diagonal_conflicts(&cols));
        }
        assert!(QueensRepr::new(vec![0, 0, 1]).is_none());
    }

    #[test]
    fn bad_noise_is_an_error() {
        let q = Queens::new(6).unwrap();
        assert!(QueensFamily::new(&q, QueensConfig { noise: -0.1 }).is_err());
        assert!(QueensFamily::new(&q, QueensConfig { noise: 0.5 }).is_ok());
    }
}
