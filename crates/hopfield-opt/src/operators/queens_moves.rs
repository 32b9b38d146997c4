//! Conflict-guided row exchanges for N-Queens.
//!
//! The N-Queens network is the `n × n` board `v_rc`. A placement with one queen
//! per row and per column is a permutation `cols` (`cols[r]` = the column of row `r`'s
//! queen); only diagonal conflicts remain, and the energy is `C ×` the number of attacking
//! pairs. The tunnel operator T of Matsumoto et al. (2004) swaps two random row slices (which
//! exchanges two queens' columns); here the exchange is *guided by conflicts*, in the spirit of the
//! min-conflicts heuristic (Minton et al. 1992):
//!
//! 1. pick a row whose queen shares a diagonal with another queen (scanning from a random
//!    row);
//! 2. score the exchange of its column with other rows' columns — every other row when
//!    `sample ≥ n − 1`, else `sample` rows drawn at random — four flips each, by
//!    [`super::flips_delta`], and propose the best (ties broken uniformly at random); with
//!    probability `noise`, propose an exchange with a uniformly random row instead (a random
//!    walk step that leaves plateaus).
//!
//! Every candidate keeps one queen per row and per column. The search rests once no queen
//! is attacked (a solution). Uphill proposals are accepted or not by the schedule, whose
//! energy scale is the weight `C` of one attacking pair.
//!
//! **Projection onto a permutation with few conflicts** (the start of Sosič & Gu 1991's
//! fast N-Queens search, guided by the network's state). Rows are placed in order; for each,
//! up to `tries` columns are drawn at random among those still unused, and the first whose
//! diagonals are both free is taken — during the first half of the draws only if its neuron
//! is on in the current state. When no draw is free, the drawn column with the fewest
//! diagonal conflicts is taken. A random permutation leaves about `0.7·n` attacked pairs;
//! this start leaves a few, so the
//! exchanges above finish in a few hundred moves. Projection costs `O(n · tries)`.

use hopfield_core::lean::FlipDynamics;
use hopfield_core::rand::{Rng, RngExt};

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
    /// Rows scored per proposal (every other row when `≥ n − 1`), `≥ 1`.
    pub sample: usize,
    /// Random columns drawn per row by the projection, `≥ 1`.
    pub tries: usize,
}

impl Default for QueensConfig {
    /// `noise = 0.1`, 64 rows scored per proposal, 64 draws per row.
    fn default() -> Self {
        QueensConfig {
            noise: 0.1,
            sample: 64,
            tries: 64,
        }
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
        if config.sample == 0 || config.tries == 0 {
            return Err(OptError::InvalidParameter {
                name: "sample/tries",
                reason: "must be >= 1".into(),
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

    fn project<D: FlipDynamics, R: Rng + ?Sized>(&self, dynamics: &D, rng: &mut R) -> QueensRepr {
        let n = self.n;
        let mut free: Vec<usize> = (0..n).collect();
        let mut diag = vec![0u32; 2 * n];
        let mut anti = vec![0u32; 2 * n];
        let mut cols = Vec::with_capacity(n);
        let tries = self.config.tries;
        for r in 0..n {
            let mut pick = None;
            let mut fallback = (u32::MAX, 0usize);
            for t in 0..tries {
                let k = rng.random_range(0..free.len());
                let c = free[k];
                let hits = diag[r + n - c] + anti[r + c];
                if hits == 0 && (2 * t >= tries || dynamics.is_high(r * n + c)) {
                    pick = Some(k);
                    break;
                }
                if hits < fallback.0 {
                    fallback = (hits, k);
                }
            }
            let k = pick.unwrap_or(fallback.1);
            let c = free.swap_remove(k);
            diag[r + n - c] += 1;
            anti[r + c] += 1;
            cols.push(c);
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

    fn high_neurons(&self, repr: &QueensRepr, out: &mut Vec<usize>) -> bool {
        out.clear();
        out.extend(repr.cols.iter().enumerate().map(|(r, &c)| r * self.n + c));
        true
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
        } else if self.config.sample < n - 1 {
            let mut best = (f64::INFINITY, r1, 0usize);
            for _ in 0..self.config.sample {
                let r = rng.random_range(0..n - 1);
                let r2 = if r >= r1 { r + 1 } else { r };
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
        let c = |noise, sample, tries| QueensConfig {
            noise,
            sample,
            tries,
        };
        assert!(QueensFamily::new(&q, c(-0.1, 5, 5)).is_err());
        assert!(QueensFamily::new(&q, c(0.5, 0, 5)).is_err());
        assert!(QueensFamily::new(&q, c(0.5, 5, 0)).is_err());
        assert!(QueensFamily::new(&q, c(0.5, 5, 5)).is_ok());
    }
}
