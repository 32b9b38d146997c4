//! Iterated local search for tours: 2-opt and Or-opt descents with neighbour lists and
//! don't-look bits, and a double-bridge kick between descents (Lin & Kernighan 1973's kick;
//! Martin, Otto & Felten 1991; Johnson & McGeoch 1997).
//!
//! The representation and the neurons are those of [`super::tsp_moves`]: the tour `tour[i]`
//! (city at position `i`) is the permutation matrix `V_Xi` of the city × position network.
//! One candidate is a whole *kick + descent*:
//!
//! 1. **Kick.** Two adjacent segments of the tour, each of 1 to `kick_max` positions, are
//!    exchanged (the double bridge `A B C D → A C B D`: three edges replaced, a move 2-opt and
//!    Or-opt cannot undo in one step). The first candidate after a projection has no kick.
//! 2. **Descent.** Until no improving move is left among the cities whose don't-look bit is
//!    off (the kick's end points, then the end points of every applied move): 2-opt moves
//!    `(a, succ a), (c, succ c) → (a, c), (succ a, succ c)` and their mirror, and Or-opt moves
//!    of a segment of 1–3 cities starting or ending at `a` to between `c` and a neighbour of
//!    `c` (either orientation), with `c` among the `neighbours` nearest cities of `a` and
//!    the search over `c` cut off as soon as `d(a, c)` exceeds the removed edge (the standard
//!    neighbour-list bound).
//!
//! The candidate flips every position whose city changed (old city off, new city on: the
//! state stays a permutation matrix). Its `ΔE` is `D ×` the change of tour length, which is
//! exact on permutation matrices (the row and column penalties are zero before and after);
//! the first candidate checks this against [`super::flips_delta`] from the live fields and
//! falls back to `flips_delta` for good if they differ (a network whose couplings are not the
//! Hopfield–Tank weights of the distances). With descent acceptance (equal lengths accepted)
//! this is the iterated local search of the TSP literature inside the network's time step.

use hopfield_core::lean::FlipDynamics;
use hopfield_core::rand::{Rng, RngExt};

use super::{MoveFamily, MoveSearch, flips_delta};
use crate::problem::Shape;
use crate::search::OperatorStats;
use crate::tsp::Tsp;
use crate::{OptError, Result};

/// Parameters of the iterated local search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IlsConfig {
    /// Neighbour-list length, `≥ 1` (capped at `n − 1`).
    pub neighbours: usize,
    /// Longest segment of a double-bridge kick, `≥ 1`; `None`: `n/5` within `8..=50`.
    pub kick_max: Option<usize>,
}

impl Default for IlsConfig {
    /// 10 neighbours, kick segments up to `n/5` (within `8..=50`).
    fn default() -> Self {
        IlsConfig {
            neighbours: 10,
            kick_max: None,
        }
    }
}

/// The kick-and-descend family for [`Tsp`] (see the module docs).
#[derive(Debug, Clone)]
pub struct IlsFamily {
    n: usize,
    d: f64,
    dist: Vec<f64>,
    near: Vec<Vec<usize>>,
    kick_max: usize,
    fresh: bool,
    verified: Option<bool>,
    cand: Vec<usize>,
    pos: Vec<usize>,
    dlb: Vec<bool>,
    active: Vec<usize>,
    length_change: f64,
}

/// The iterated-local-search tour operator: [`IlsFamily`] under an acceptance schedule
/// (descent by default in [`super::OperatorSpec`] for `tour-ils`).
pub type TourIls = MoveSearch<IlsFamily>;

impl IlsFamily {
    /// The family for a TSP instance with at least 5 cities.
    pub fn new(tsp: &Tsp, config: IlsConfig) -> Result<Self> {
        let n = tsp.cities();
        if n < 5 {
            return Err(OptError::InvalidParameter {
                name: "cities",
                reason: format!("the iterated local search needs at least 5 cities, got {n}"),
            });
        }
        if config.neighbours == 0 || config.kick_max == Some(0) {
            return Err(OptError::InvalidParameter {
                name: "neighbours/kick_max",
                reason: "must be >= 1".into(),
            });
        }
        let dm = tsp.distances();
        let dist: Vec<f64> = (0..n * n)
            .map(|k| {
                let (x, y) = (k / n, k % n);
                if x == y {
                    0.0
                } else {
                    0.5 * (dm[(x, y)] + dm[(y, x)])
                }
            })
            .collect();
        let k = config.neighbours.min(n - 1);
        let near = (0..n)
            .map(|a| {
                let mut others: Vec<usize> = (0..n).filter(|&b| b != a).collect();
                others
                    .sort_by(|&b, &c| dist[a * n + b].total_cmp(&dist[a * n + c]).then(b.cmp(&c)));
                others.truncate(k);
                others
            })
            .collect();
        let kick_max = config
            .kick_max
            .unwrap_or((n / 5).clamp(8, 50))
            .min((n - 2) / 2)
            .max(1);
        Ok(IlsFamily {
            n,
            d: tsp.weights().d,
            dist,
            near,
            kick_max,
            fresh: true,
            verified: None,
            cand: Vec::new(),
            pos: vec![0; n],
            dlb: vec![false; n],
            active: Vec::new(),
            length_change: 0.0,
        })
    }

    #[inline]
    fn dd(&self, a: usize, b: usize) -> f64 {
        self.dist[a * self.n + b]
    }

    #[inline]
    fn succ(&self, a: usize) -> usize {
        self.cand[(self.pos[a] + 1) % self.n]
    }

    #[inline]
    fn pred(&self, a: usize) -> usize {
        self.cand[(self.pos[a] + self.n - 1) % self.n]
    }

    fn wake(&mut self, cities: &[usize]) {
        for &c in cities {
            if self.dlb[c] {
                self.dlb[c] = false;
                self.active.push(c);
            }
        }
    }

    /// Reverses the cyclic position range `from..=to` (exactly, not its complement).
    fn reverse_exact(&mut self, from: usize, to: usize) {
        let n = self.n;
        let len = (to + n - from) % n + 1;
        let (mut i, mut j) = (from, to);
        for _ in 0..len / 2 {
            self.cand.swap(i, j);
            self.pos[self.cand[i]] = i;
            self.pos[self.cand[j]] = j;
            i = (i + 1) % n;
            j = (j + n - 1) % n;
        }
    }

    /// 2-opt: replaces edges (a, b = succ a) and (c, d = succ c) by (a, c) and (b, d):
    /// reverses b..=c or, equivalently, d..=a, whichever is shorter.
    fn two_opt(&mut self, a: usize, b: usize, c: usize, d: usize) {
        let n = self.n;
        let inner = (self.pos[c] + n - self.pos[b]) % n + 1;
        if 2 * inner <= n {
            self.reverse_exact(self.pos[b], self.pos[c]);
        } else {
            self.reverse_exact(self.pos[d], self.pos[a]);
        }
    }

    fn try_two_opt(&mut self, a: usize) -> bool {
        for forward in [true, false] {
            let b = if forward { self.succ(a) } else { self.pred(a) };
            let d_ab = self.dd(a, b);
            for k in 0..self.near[a].len() {
                let c = self.near[a][k];
                let g = d_ab - self.dd(a, c);
                if g <= 1e-12 {
                    break;
                }
                let d = if forward { self.succ(c) } else { self.pred(c) };
                if c == b || d == a {
                    continue;
                }
                let delta = self.dd(b, d) - self.dd(c, d) - g;
                if delta < -1e-9 {
                    if forward {
                        self.two_opt(a, b, c, d);
                    } else {
                        self.two_opt(b, a, d, c);
                    }
                    self.length_change += delta;
                    self.wake(&[a, b, c, d]);
                    return true;
                }
            }
        }
        false
    }

    /// Or-opt: moves a segment of 1–3 cities that starts at `a` (forward) next to a
    /// neighbour of `a`.
    fn try_or_opt(&mut self, a: usize) -> bool {
        let n = self.n;
        for len in 1..=3usize.min(n - 3) {
            let s1 = a;
            let i1 = self.pos[s1];
            let sl = self.cand[(i1 + len - 1) % n];
            let p = self.pred(s1);
            let nx = self.succ(sl);
            let removed = self.dd(p, s1) + self.dd(sl, nx) - self.dd(p, nx);
            if removed <= 1e-12 {
                continue;
            }
            for end in [s1, sl] {
                for k in 0..self.near[end].len() {
                    let c = self.near[end][k];
                    if self.dd(end, c) >= removed - 1e-12 {
                        break;
                    }
                    // c must lie outside the segment.
                    let off = (self.pos[c] + n - i1) % n;
                    if off < len {
                        continue;
                    }
                    // Insert between c and one of its tour neighbours (not across the gap).
                    for c2 in [self.succ(c), self.pred(c)] {
                        let off2 = (self.pos[c2] + n - i1) % n;
                        if off2 < len {
                            continue;
                        }
                        // `end` goes next to `c`; the other end next to `c2`.
                        let other = if end == s1 { sl } else { s1 };
                        let added = self.dd(c, end) + self.dd(other, c2) - self.dd(c, c2);
                        let delta = added - removed;
                        if delta < -1e-9 {
                            self.or_move(i1, len, c, c2, end == s1);
                            self.length_change += delta;
                            self.wake(&[p, nx, s1, sl, c, c2]);
                            return true;
                        }
                    }
                }
            }
        }
        false
    }

    /// Moves the segment at positions `i1..i1+len` between the adjacent cities `c` and
    /// `c2`, with `s1` (the segment's first city) next to `c` iff `s1_next_to_c`; done with
    /// reversals of the block between the segment and the insertion point.
    fn or_move(&mut self, i1: usize, len: usize, c: usize, c2: usize, s1_next_to_c: bool) {
        let n = self.n;
        let s1 = self.cand[i1];
        let sl = self.cand[(i1 + len - 1) % n];
        // Orient the insertion edge along the tour: (u, v) with v = succ(u).
        let (u, v) = if self.succ(c) == c2 { (c, c2) } else { (c2, c) };
        // Which segment end must follow u.
        let first = if (u == c) == s1_next_to_c { s1 } else { sl };
        // Case A: u lies after the segment going forward: block = segment .. u.
        let gap_fwd = (self.pos[u] + n - (i1 + len - 1) % n) % n; // steps from sl to u
        let gap_bwd = (i1 + n - self.pos[v]) % n; // steps from v to s1
        if gap_fwd <= gap_bwd {
            // [S M] with M = succ(sl)..=u  →  [M S'].
            let m_len = gap_fwd;
            let start = i1;
            let end = self.pos[u];
            self.reverse_exact(start, end); // rev(M) rev(S)
            self.reverse_exact(start, (start + m_len - 1) % n); // M rev(S)
            // Now the segment, reversed, sits after u: positions start+m_len ..= end.
            let seg_start = (start + m_len) % n;
            if self.cand[seg_start] != first {
                self.reverse_exact(seg_start, end);
            }
        } else {
            // [M' S] with M' = v..=pred(s1)  →  [S' M'].
            let start = self.pos[v];
            let end = (i1 + len - 1) % n;
            self.reverse_exact(start, end); // rev(S) rev(M')
            let seg_end = (start + len - 1) % n;
            self.reverse_exact((seg_end + 1) % n, end); // rev(S) M'
            if self.cand[start] != first {
                self.reverse_exact(start, seg_end);
            }
        }
    }

    fn descend(&mut self) {
        while let Some(a) = self.active.pop() {
            if self.dlb[a] {
                continue;
            }
            if !(self.try_two_opt(a) || self.try_or_opt(a)) {
                self.dlb[a] = true;
            } else if !self.dlb[a] {
                self.active.push(a);
            }
        }
    }

    fn double_bridge<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let n = self.n;
        let l1 = rng.random_range(1..=self.kick_max);
        let l2 = rng.random_range(1..=self.kick_max);
        let a = rng.random_range(0..n);
        // B = positions a+1 ..= a+l1, C = the next l2 positions: B C → C B.
        let b0 = (a + 1) % n;
        let block: Vec<usize> = (0..l1 + l2).map(|t| self.cand[(b0 + t) % n]).collect();
        let tail = self.cand[(b0 + l1 + l2) % n];
        for t in 0..l1 + l2 {
            let city = block[(t + l1) % (l1 + l2)];
            let p = (b0 + t) % n;
            self.cand[p] = city;
            self.pos[city] = p;
        }
        let before = self.cand[a];
        let removed = self.dd(before, block[0])
            + self.dd(block[l1 - 1], block[l1])
            + self.dd(block[l1 + l2 - 1], tail);
        let added = self.dd(before, block[l1])
            + self.dd(block[l1 + l2 - 1], block[0])
            + self.dd(block[l1 - 1], tail);
        self.length_change += added - removed;
        self.wake(&[
            before,
            block[0],
            block[l1 - 1],
            block[l1],
            block[l1 + l2 - 1],
            tail,
        ]);
    }

    /// The length of a tour under the symmetrized distances.
    pub fn tour_length(&self, tour: &[usize]) -> f64 {
        (0..tour.len())
            .map(|i| self.dd(tour[i], tour[(i + 1) % tour.len()]))
            .sum()
    }
}

impl MoveFamily for IlsFamily {
    type Repr = Vec<usize>;

    fn name(&self) -> &'static str {
        "tour-ils"
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
        super::tsp_moves::project_tour(self.n, dynamics, rng)
    }

    #[inline]
    fn is_on(&self, tour: &Vec<usize>, i: usize) -> bool {
        tour[i % self.n] == i / self.n
    }

    fn high_neurons(&self, tour: &Vec<usize>, out: &mut Vec<usize>) -> bool {
        out.clear();
        out.extend(tour.iter().enumerate().map(|(i, &x)| x * self.n + i));
        out.sort_unstable();
        true
    }

    fn propose<D: FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        tour: &Vec<usize>,
        dynamics: &D,
        rng: &mut R,
        flips: &mut Vec<usize>,
        stats: &mut OperatorStats,
    ) -> Option<f64> {
        let n = self.n;
        self.cand.clone_from(tour);
        for (i, &x) in tour.iter().enumerate() {
            self.pos[x] = i;
        }
        self.length_change = 0.0;
        self.active.clear();
        if self.fresh {
            self.dlb.fill(true);
            let all: Vec<usize> = (0..n).collect();
            self.wake(&all);
        } else {
            self.dlb.fill(true);
            self.double_bridge(rng);
        }
        self.descend();
        stats.energy_evaluations += 1;
        for (i, (&old, &new)) in tour.iter().zip(&self.cand).enumerate() {
            if old != new {
                flips.push(old * n + i);
                flips.push(new * n + i);
            }
        }
        if flips.is_empty() {
            return None;
        }
        let de = self.d * self.length_change;
        match self.verified {
            Some(true) => Some(de),
            Some(false) => Some(flips_delta(dynamics, flips)),
            None => {
                let exact = flips_delta(dynamics, flips);
                self.verified = Some((exact - de).abs() <= 1e-6 * exact.abs().max(1.0));
                Some(exact)
            }
        }
    }

    fn commit(&mut self, tour: &mut Vec<usize>) {
        tour.clone_from(&self.cand);
        self.fresh = false;
    }

    fn energy_scale(&self) -> Option<f64> {
        Some(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::nalgebra::DMatrix;
    use hopfield_core::rng_from_seed;

    fn ring(n: usize, seed: u64) -> Tsp {
        let mut rng = rng_from_seed(seed);
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|_| (rng.random::<f64>(), rng.random::<f64>()))
            .collect();
        let d = DMatrix::from_fn(n, n, |i, j| {
            ((pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2)).sqrt()
        });
        Tsp::new(d).unwrap()
    }

    #[test]
    fn moves_keep_a_permutation_and_track_the_length() {
        let tsp = ring(23, 4);
        let mut f = IlsFamily::new(&tsp, IlsConfig::default()).unwrap();
        let mut rng = rng_from_seed(2);
        let mut tour: Vec<usize> = (0..23).collect();
        for round in 0..60 {
            f.cand.clone_from(&tour);
            for (i, &x) in tour.iter().enumerate() {
                f.pos[x] = i;
            }
            f.length_change = 0.0;
            f.active.clear();
            f.dlb.fill(true);
            if round == 0 {
                let all: Vec<usize> = (0..23).collect();
                f.wake(&all);
            } else {
                f.double_bridge(&mut rng);
            }
            f.descend();
            let mut sorted = f.cand.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..23).collect::<Vec<_>>());
            for (i, &x) in f.cand.iter().enumerate() {
                assert_eq!(f.pos[x], i);
            }
            let before = f.tour_length(&tour);
            let after = f.tour_length(&f.cand);
            assert!(
                (after - before - f.length_change).abs() < 1e-9,
                "round {round}"
            );
            if f.length_change <= 0.0 {
                tour.clone_from(&f.cand);
            }
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        let tsp = ring(4, 1);
        assert!(IlsFamily::new(&tsp, IlsConfig::default()).is_err());
        let tsp = ring(8, 1);
        let c = IlsConfig {
            neighbours: 0,
            ..IlsConfig::default()
        };
        assert!(IlsFamily::new(&tsp, c).is_err());
    }
}
