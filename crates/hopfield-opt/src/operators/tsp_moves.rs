//! Tour moves as slice permutations of the city × position array: 2-opt segment reversal
//! and Or-opt segment relocation.
//!
//! The TSP network is the `n × n` array `V_Xi` (city `X` at position `i`). A
//! tour is a permutation matrix; the tunnel operator T of Matsumoto et al. (2004) swaps two
//! *position slices* (columns), which exchanges two cities in the tour. Here a candidate permutes a
//! *cyclic range* of position slices:
//!
//! - **2-opt** (segment reversal, Croes 1958): the columns of positions `a, a+1, …, a+L−1`
//!   (mod `n`) are reversed. It removes two edges and reconnects the tour the other way; on
//!   a cycle reversing a range or its complement gives the same tour, so the shorter of the
//!   two (`L ≤ n/2`) is flipped.
//! - **Or-opt** (segment relocation, Or 1976): a segment of `s ≤ or_opt_max` consecutive
//!   positions is moved `g` positions further along the tour, i.e. the columns of a range of
//!   `s + g` positions are rotated by `s` (or, equivalently on the cycle, the complementary
//!   range of `n − g` positions is rotated the other way; the shorter is used).
//!
//! Each candidate flips `2m` neurons (for `m` positions whose city changes: the old city off,
//! the new one on), so the state stays a permutation matrix; its `ΔE` comes from
//! [`super::flips_delta`] (on a valid tour, `D ×` the change of the tour length). Candidates
//! are drawn uniformly: a start position, then a length `L ∈ 2..=n−2` (2-opt) or a segment
//! length `s` and a shift `g` (Or-opt, with probability `or_opt`).
//!
//! **Projection.** From an arbitrary state the first turn keeps, position by position, the
//! first city that is on there and not yet placed, and fills the remaining positions with the
//! remaining cities in random order.

use hopfield_core::lean::FlipDynamics;
use hopfield_core::rand::{Rng, RngExt};

use super::{MoveFamily, MoveSearch, flips_delta};
use crate::problem::{Problem, Shape};
use crate::search::OperatorStats;
use crate::tsp::Tsp;
use crate::{OptError, Result};

/// Parameters of the tour moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TourConfig {
    /// Probability that a candidate is an Or-opt move (else 2-opt), in `[0, 1]`.
    pub or_opt: f64,
    /// Longest segment an Or-opt move relocates, `≥ 1` (capped at `n − 3`).
    pub or_opt_max: usize,
}

impl Default for TourConfig {
    /// Half Or-opt (segments up to 3), half 2-opt.
    fn default() -> Self {
        TourConfig {
            or_opt: 0.5,
            or_opt_max: 3,
        }
    }
}

/// The 2-opt / Or-opt move family for [`Tsp`] (see the module docs). The representation is
/// the tour: `tour[i]` is the city at position `i`.
#[derive(Debug, Clone)]
pub struct TourFamily {
    n: usize,
    config: TourConfig,
    /// The last candidate: (position, new city) for every position that changes.
    pending: Vec<(usize, usize)>,
    /// `(A, B, D)` and the symmetrized distances of the encoding, for the `O(|F|)` delta.
    a: f64,
    b: f64,
    d: f64,
    dist: Vec<f64>,
    /// Whether the structured delta was checked against the network's couplings (`None`:
    /// not yet; `Some(false)`: the couplings differ, use [`flips_delta`]).
    verified: Option<bool>,
    slot_of_pos: Vec<usize>,
    off_pos_of_city: Vec<usize>,
}

/// The tour-move operator: [`TourFamily`] under an acceptance schedule.
pub type TourMoves = MoveSearch<TourFamily>;

impl TourFamily {
    /// The family for a TSP instance with at least 4 cities; checks `or_opt ∈ [0, 1]` and
    /// `or_opt_max ≥ 1`.
    pub fn new(tsp: &Tsp, config: TourConfig) -> Result<Self> {
        let mut f = Self::with_cities(tsp.cities(), config)?;
        let n = f.n;
        let w = tsp.weights();
        let dm = tsp.distances();
        f.a = w.a;
        f.b = w.b;
        f.d = w.d;
        f.dist = (0..n * n)
            .map(|k| {
                let (x, y) = (k / n, k % n);
                if x == y {
                    0.0
                } else {
                    0.5 * (dm[(x, y)] + dm[(y, x)])
                }
            })
            .collect();
        f.verified = None;
        Ok(f)
    }

    /// The family for `n` cities (see [`TourFamily::new`]).
    pub fn with_cities(n: usize, config: TourConfig) -> Result<Self> {
        if n < 4 {
            return Err(OptError::InvalidParameter {
                name: "cities",
                reason: format!("tour moves need at least 4 cities, got {n}"),
            });
        }
        if !(0.0..=1.0).contains(&config.or_opt) {
            return Err(OptError::InvalidParameter {
                name: "or_opt",
                reason: format!("must be a probability in [0, 1], got {}", config.or_opt),
            });
        }
        if config.or_opt_max == 0 {
            return Err(OptError::InvalidParameter {
                name: "or_opt_max",
                reason: "must be >= 1".into(),
            });
        }
        Ok(TourFamily {
            n,
            config,
            pending: Vec::new(),
            a: 0.0,
            b: 0.0,
            d: 0.0,
            dist: Vec::new(),
            verified: Some(false),
            slot_of_pos: vec![usize::MAX; n],
            off_pos_of_city: vec![usize::MAX; n],
        })
    }

    /// The number of cities.
    pub fn cities(&self) -> usize {
        self.n
    }

    /// Whether candidates are scored by the structured `O(|F|)` delta: `None` before the
    /// first candidate (which checks the encoding's weights against the network's
    /// couplings), `Some(false)` when they differ or the family was built by
    /// [`TourFamily::with_cities`] (generic [`flips_delta`]).
    pub fn structured_delta_in_use(&self) -> Option<bool> {
        self.verified
    }

    /// The weight between neurons `(x, i)` and `(y, j)` (distinct).
    #[inline]
    fn weight(&self, x: usize, i: usize, y: usize, j: usize) -> f64 {
        let n = self.n;
        if x == y {
            return -self.a;
        }
        let mut w = 0.0;
        if i == j {
            w -= self.b;
        }
        if j == (i + 1) % n || i == (j + 1) % n {
            w -= self.d * self.dist[x * n + y];
        }
        w
    }

    /// `ΔE` of the pending candidate in `O(|F|)`: the flip deltas from the fields plus the
    /// pair terms `−w_kl Δ_k Δ_l` of the only pairs with a non-zero weight (same position,
    /// adjacent positions, same city).
    fn structured_delta<D: FlipDynamics>(&mut self, tour: &[usize], dynamics: &D) -> f64 {
        let n = self.n;
        let span = dynamics.encoding().span();
        let (d_off, d_on) = (-span, span);
        let mut de = 0.0;
        for (e, &(pos, new)) in self.pending.iter().enumerate() {
            self.slot_of_pos[pos] = e;
            self.off_pos_of_city[tour[pos]] = pos;
            de += dynamics.flip_delta(tour[pos] * n + pos) + dynamics.flip_delta(new * n + pos);
        }
        let mut pairs = 0.0;
        for &(pos, new) in &self.pending {
            let old = tour[pos];
            pairs += self.weight(old, pos, new, pos) * d_off * d_on;
            let next = (pos + 1) % n;
            let e2 = self.slot_of_pos[next];
            if e2 != usize::MAX {
                let (_, new2) = self.pending[e2];
                let old2 = tour[next];
                pairs += self.weight(old, pos, old2, next) * d_off * d_off
                    + self.weight(old, pos, new2, next) * d_off * d_on
                    + self.weight(new, pos, old2, next) * d_on * d_off
                    + self.weight(new, pos, new2, next) * d_on * d_on;
            }
            // `new` is switched off at its old position and on here: a same-city pair,
            // unless the positions are adjacent (counted above).
            let p_off = self.off_pos_of_city[new];
            if p_off != usize::MAX && p_off != next && next_of(p_off, n) != pos && p_off != pos {
                pairs += -self.a * d_on * d_off;
            }
        }
        for &(pos, _) in &self.pending {
            self.slot_of_pos[pos] = usize::MAX;
            self.off_pos_of_city[tour[pos]] = usize::MAX;
        }
        de - pairs
    }

    /// Candidate: rotate the cyclic range of `len` positions from `start` left by `k`.
    fn rotate(&mut self, tour: &[usize], start: usize, len: usize, k: usize) {
        let n = self.n;
        for t in 0..len {
            let pos = (start + t) % n;
            let new = tour[(start + (t + k) % len) % n];
            if new != tour[pos] {
                self.pending.push((pos, new));
            }
        }
    }

    /// Candidate: reverse the cyclic range of `len` positions from `start`.
    fn reverse(&mut self, tour: &[usize], start: usize, len: usize) {
        let n = self.n;
        for t in 0..len {
            let pos = (start + t) % n;
            let new = tour[(start + len - 1 - t) % n];
            if new != tour[pos] {
                self.pending.push((pos, new));
            }
        }
    }

    /// Draws a candidate into `self.pending`.
    fn draw<R: Rng + ?Sized>(&mut self, tour: &[usize], rng: &mut R) {
        let n = self.n;
        self.pending.clear();
        let a = rng.random_range(0..n);
        if rng.random::<f64>() < self.config.or_opt {
            let s_max = self.config.or_opt_max.min(n - 3);
            let s = rng.random_range(1..=s_max);
            let g = rng.random_range(1..=n - s - 1);
            if s + g <= n - g {
                self.rotate(tour, a, s + g, s);
            } else {
                self.rotate(tour, (a + s + g) % n, n - g, n - g - s);
            }
        } else {
            let len = rng.random_range(2..=n - 2);
            if len <= n / 2 {
                self.reverse(tour, a, len);
            } else {
                self.reverse(tour, (a + len) % n, n - len);
            }
        }
    }
}

impl MoveFamily for TourFamily {
    type Repr = Vec<usize>;

    fn name(&self) -> &'static str {
        "tour-moves"
    }

    fn check_shape(&self, shape: &Shape) -> Result<()> {
        if shape.dims() != [self.n, self.n] {
            return Err(OptError::InvalidParameter {
                name: "shape",
                reason: format!(
                    "tour moves for {} cities need a {0}×{0} array, got {:?}",
                    self.n,
                    shape.dims()
                ),
            });
        }
        Ok(())
    }

    fn project<D: FlipDynamics, R: Rng + ?Sized>(&self, dynamics: &D, rng: &mut R) -> Vec<usize> {
        project_tour(self.n, dynamics, rng)
    }

    #[inline]
    fn is_on(&self, tour: &Vec<usize>, i: usize) -> bool {
        tour[i % self.n] == i / self.n
    }

    fn propose<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        tour: &Vec<usize>,
        dynamics: &D,
        rng: &mut R,
        flips: &mut Vec<usize>,
        stats: &mut OperatorStats,
    ) -> Option<f64> {
        self.draw(tour, rng);
        let n = self.n;
        for &(pos, new) in &self.pending {
            flips.push(tour[pos] * n + pos);
            flips.push(new * n + pos);
        }
        stats.energy_evaluations += 1;
        match self.verified {
            Some(true) => Some(self.structured_delta(tour, dynamics)),
            Some(false) => Some(flips_delta(dynamics, flips)),
            None => {
                // First candidate of this operator: check the encoding's weights against the
                // network's couplings on every pair of flips; on any mismatch fall back to
                // the generic delta for good.
                let ok = flips.iter().all(|&k| {
                    flips.iter().all(|&l| {
                        k == l || dynamics.weight(k, l) == self.weight(k / n, k % n, l / n, l % n)
                    })
                }) && !flips.is_empty();
                self.verified = Some(ok);
                Some(flips_delta(dynamics, flips))
            }
        }
    }

    fn commit(&mut self, tour: &mut Vec<usize>) {
        for &(pos, new) in &self.pending {
            tour[pos] = new;
        }
    }
}

/// The projection of a state onto tours (see the module docs): position by position the
/// first city that is on there and not yet placed; the rest in random order.
pub(crate) fn project_tour<D: FlipDynamics, R: Rng + ?Sized>(
    n: usize,
    state: &D,
    rng: &mut R,
) -> Vec<usize> {
    let mut placed = vec![false; n];
    let mut tour = vec![usize::MAX; n];
    for (i, slot) in tour.iter_mut().enumerate() {
        if let Some(x) = (0..n).find(|&x| !placed[x] && state.is_high(x * n + i)) {
            placed[x] = true;
            *slot = x;
        }
    }
    let mut rest: Vec<usize> = (0..n).filter(|&x| !placed[x]).collect();
    for i in (1..rest.len()).rev() {
        let j = rng.random_range(0..=i);
        rest.swap(i, j);
    }
    let mut rest = rest.into_iter();
    for slot in tour.iter_mut().filter(|s| **s == usize::MAX) {
        if let Some(x) = rest.next() {
            *slot = x;
        }
    }
    tour
}

#[inline]
fn next_of(pos: usize, n: usize) -> usize {
    (pos + 1) % n
}

/// The tour a state of a [`Tsp`] network encodes, if it is a permutation matrix (a helper
/// for checks; `O(n²)`).
pub fn tour_of(tsp: &Tsp, state: &hopfield_core::State) -> Option<Vec<usize>> {
    let n = tsp.cities();
    if state.len() != tsp.shape().len() {
        return None;
    }
    let mut tour = Vec::with_capacity(n);
    for i in 0..n {
        let mut on = (0..n).filter(|&x| state.is_high(x * n + i));
        let x = on.next()?;
        if on.next().is_some() {
            return None;
        }
        tour.push(x);
    }
    let mut seen = vec![false; n];
    for &x in &tour {
        if std::mem::replace(&mut seen[x], true) {
            return None;
        }
    }
    Some(tour)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    fn is_perm(t: &[usize]) -> bool {
        let mut s = t.to_vec();
        s.sort_unstable();
        s.iter().enumerate().all(|(i, &x)| i == x)
    }

    #[test]
    fn candidates_are_permutations_of_positions() {
        let mut f = TourFamily::with_cities(9, TourConfig::default()).unwrap();
        let mut rng = rng_from_seed(5);
        let mut tour: Vec<usize> = (0..9).collect();
        for _ in 0..500 {
            f.draw(&tour, &mut rng);
            assert!(!f.pending.is_empty());
            assert!(f.pending.len() <= 9 / 2 + 3 + 1);
            f.commit(&mut tour);
            assert!(is_perm(&tour));
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(TourFamily::with_cities(3, TourConfig::default()).is_err());
        let c = TourConfig {
            or_opt: 1.5,
            ..TourConfig::default()
        };
        assert!(TourFamily::with_cities(10, c).is_err());
        let c = TourConfig {
            or_opt_max: 0,
            ..TourConfig::default()
        };
        assert!(TourFamily::with_cities(10, c).is_err());
    }
}
