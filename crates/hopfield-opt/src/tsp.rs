//! TSP: the Hopfield–Tank penalty encoding on the city × position 0/1 array.
//!
//! `V_Xi = 1` means city `X` is visited at position `i` (Hopfield & Tank 1985; Matsumoto et al.
//! 2004, Fig. 5). With positions taken mod n,
//!
//! ```text
//! E = (A/2) Σ_X (Σ_i V_Xi − 1)² + (B/2) Σ_i (Σ_X V_Xi − 1)²
//!   + (D/2) Σ_X Σ_{Y≠X} Σ_i d_XY V_Xi (V_{Y,i+1} + V_{Y,i−1})
//! w_{Xi,Yj} = −A δ_XY(1−δ_ij) − B δ_ij(1−δ_XY) − D d_XY (δ_{j,i+1} + δ_{j,i−1})  (X≠Y in the D term)
//! b_Xi = (A+B)/2,     E = E_Hopfield + (A+B)·n/2
//! ```
//!
//! On a valid tour (a permutation matrix) with D = 1 the energy equals the tour length, as
//! Matsumoto et al. (2004, Section 4.1) state. Defaults: D = 1, A = B = 4·d_max (\[ASSUMED\],
//! calibrated against the paper's conventional column; see METHODOLOGY.md).
//!
//! With integer distances (as the TSPLIB conventions give) and integer weights with `A + B`
//! even (the defaults are), every coupling and bias is an integer and the instance also runs
//! on a lean network ([`LeanProblem`]: a bit per neuron, `i32` fields, `4(n − 1)` stored
//! couplings per neuron), built on first use.
//!
//! ```
//! use hopfield_core::nalgebra::DMatrix;
//! use hopfield_opt::problem::LeanProblem;
//! use hopfield_opt::tsp::Tsp;
//!
//! let d = DMatrix::from_row_slice(3, 3, &[0., 2., 3., 2., 0., 4., 3., 4., 0.]);
//! assert!(Tsp::new(d.clone())?.lean().is_ok());
//! assert!(Tsp::new(d * 0.5)?.lean().is_err()); // a distance of 1.5
//! # Ok::<(), hopfield_opt::OptError>(())
//! ```

use std::sync::OnceLock;

use hopfield_core::lean::{BitState, IntNetwork};
use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Couplings, Encoding, Network, State};

use crate::problem::{
    LeanProblem, Problem, Shape, check_int_lean_bytes, check_positive, int_lean_bytes,
    int_network_of,
};
use crate::{OptError, Result};

/// Penalty weights of the TSP encoding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TspWeights {
    /// Row (one position per city) penalty `A`.
    pub a: f64,
    /// Column (one city per position) penalty `B`.
    pub b: f64,
    /// Distance weight `D` (1 makes the energy of a valid tour its length).
    pub d: f64,
}

impl TspWeights {
    /// The default weights for a distance matrix: `A = B = 4·d_max`, `D = 1` (with `d_max`
    /// replaced by 1 when every distance is 0). `d_max` is taken over `x ≠ y` only: the
    /// diagonal never enters the energy (TSPLIB `EXPLICIT` matrices often hold placeholders
    /// such as 9999 there).
    pub fn defaults_for(distances: &DMatrix<f64>) -> Self {
        let d_max = distances
            .iter()
            .enumerate()
            .filter(|(i, _)| i % distances.nrows() != i / distances.nrows())
            .map(|(_, &v)| v)
            .fold(0.0_f64, f64::max);
        let d_max = if d_max > 0.0 { d_max } else { 1.0 };
        TspWeights {
            a: 4.0 * d_max,
            b: 4.0 * d_max,
            d: 1.0,
        }
    }
}

/// The structured TSP couplings: `O(n)` per column, `O(1)` per weight, no `n² × n²` matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct TspCouplings {
    n: usize,
    dist: Vec<f64>,
    a: f64,
    b: f64,
    d: f64,
}

impl TspCouplings {
    #[inline]
    fn dist(&self, x: usize, y: usize) -> f64 {
        self.dist[x * self.n + y]
    }
}

impl Couplings for TspCouplings {
    fn n(&self) -> usize {
        self.n * self.n
    }

    fn weight(&self, p: usize, q: usize) -> f64 {
        if p == q {
            return 0.0;
        }
        let n = self.n;
        let (x, i) = (p / n, p % n);
        let (y, j) = (q / n, q % n);
        let mut w = 0.0;
        if x == y {
            w -= self.a;
        } else {
            if i == j {
                w -= self.b;
            }
            if j == (i + 1) % n {
                w -= self.d * self.dist(x, y);
            }
            if j == (i + n - 1) % n {
                w -= self.d * self.dist(x, y);
            }
        }
        w
    }

    /// `O(n)`: the row of `j`, its column, and the two neighbouring columns.
    fn add_column(&self, q: usize, scale: f64, fields: &mut [f64]) {
        let n = self.n;
        let (y, j) = (q / n, q % n);
        let ja = -self.a * scale;
        for f in &mut fields[y * n..(y + 1) * n] {
            *f += ja;
        }
        fields[q] -= ja;
        let jb = -self.b * scale;
        let next = (j + 1) % n;
        let prev = (j + n - 1) % n;
        let ds = -self.d * scale;
        for x in 0..n {
            if x == y {
                continue;
            }
            fields[x * n + j] += jb;
            let w = ds * self.dist(x, y);
            fields[x * n + next] += w;
            fields[x * n + prev] += w;
        }
    }

    fn self_coupling(&self, _i: usize) -> f64 {
        0.0
    }

    /// `O(n)` from the row and column sums and the neighbouring columns.
    fn row_dot(&self, p: usize, state: &[f64]) -> f64 {
        let n = self.n;
        let (x, i) = (p / n, p % n);
        let s = state[p];
        let row: f64 = state[x * n..(x + 1) * n].iter().sum();
        let mut col = 0.0;
        let mut near = 0.0;
        let next = (i + 1) % n;
        let prev = (i + n - 1) % n;
        for y in 0..n {
            col += state[y * n + i];
            if y != x {
                near += self.dist(x, y) * (state[y * n + next] + state[y * n + prev]);
            }
        }
        -self.a * (row - s) - self.b * (col - s) - self.d * near
    }

    /// `O(n³)` (`O(N^1.5)`) from row and column sums.
    #[allow(clippy::needless_range_loop)]
    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        let n = self.n;
        let rows: Vec<f64> = (0..n)
            .map(|x| state[x * n..(x + 1) * n].iter().sum())
            .collect();
        let cols: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|x| state[x * n + i]).sum())
            .collect();
        for x in 0..n {
            for i in 0..n {
                let p = x * n + i;
                let s = state[p];
                let next = (i + 1) % n;
                let prev = (i + n - 1) % n;
                let mut near = 0.0;
                for y in 0..n {
                    if y != x {
                        near += self.dist(x, y) * (state[y * n + next] + state[y * n + prev]);
                    }
                }
                out[p] = -self.a * (rows[x] - s) - self.b * (cols[i] - s) - self.d * near;
            }
        }
    }
}

/// A TSP instance encoded as a Hopfield network.
#[derive(Debug, Clone)]
pub struct Tsp {
    distances: DMatrix<f64>,
    weights: TspWeights,
    shape: Shape,
    network: Network<TspCouplings>,
    /// The integer lean network, built on first use (or why there is none).
    lean: OnceLock<std::result::Result<IntNetwork, String>>,
}

impl Tsp {
    /// Encodes a distance matrix with the default weights ([`TspWeights::defaults_for`]).
    pub fn new(distances: DMatrix<f64>) -> Result<Self> {
        let weights = TspWeights::defaults_for(&distances);
        Self::with_weights(distances, weights)
    }

    /// Encodes a distance matrix with explicit weights. The matrix must be square with at
    /// least 3 cities, finite, non-negative and symmetric (within 1e-9 relative); the weights
    /// finite and positive.
    pub fn with_weights(distances: DMatrix<f64>, weights: TspWeights) -> Result<Self> {
        let n = distances.nrows();
        if distances.ncols() != n {
            return Err(OptError::InvalidParameter {
                name: "distances",
                reason: format!("must be square, got {}×{}", n, distances.ncols()),
            });
        }
        if n < 3 {
            return Err(OptError::InvalidParameter {
                name: "distances",
                reason: format!("a tour needs at least 3 cities, got {n}"),
            });
        }
        for x in 0..n {
            for y in 0..n {
                let v = distances[(x, y)];
                if !v.is_finite() || v < 0.0 {
                    return Err(OptError::InvalidParameter {
                        name: "distances",
                        reason: format!("d[{x}][{y}] = {v} is not a finite non-negative number"),
                    });
                }
                let u = distances[(y, x)];
                if (v - u).abs() > 1e-9 * v.abs().max(u.abs()).max(1.0) {
                    return Err(OptError::InvalidParameter {
                        name: "distances",
                        reason: format!("asymmetric: d[{x}][{y}] = {v} but d[{y}][{x}] = {u}"),
                    });
                }
            }
        }
        check_positive("A", weights.a)?;
        check_positive("B", weights.b)?;
        check_positive("D", weights.d)?;
        let dist = (0..n * n)
            .map(|k| {
                let (x, y) = (k / n, k % n);
                if x == y {
                    0.0
                } else {
                    0.5 * (distances[(x, y)] + distances[(y, x)])
                }
            })
            .collect();
        let couplings = TspCouplings {
            n,
            dist,
            a: weights.a,
            b: weights.b,
            d: weights.d,
        };
        let bias = vec![0.5 * (weights.a + weights.b); n * n];
        let network = Network::with_bias(couplings, bias, Encoding::Binary)?;
        Ok(Tsp {
            distances,
            weights,
            shape: Shape::new(vec![n, n])?,
            network,
            lean: OnceLock::new(),
        })
    }

    /// The number of cities.
    pub fn cities(&self) -> usize {
        self.distances.nrows()
    }

    /// The distance matrix.
    pub fn distances(&self) -> &DMatrix<f64> {
        &self.distances
    }

    /// The penalty weights.
    pub fn weights(&self) -> TspWeights {
        self.weights
    }

    /// The length of a closed tour (a sequence of city indices), `O(n)`.
    /// Returns `None` if a city index is out of range.
    pub fn tour_length(&self, tour: &[usize]) -> Option<f64> {
        let n = self.cities();
        if tour.iter().any(|&c| c >= n) {
            return None;
        }
        Some(
            (0..tour.len())
                .map(|k| self.distances[(tour[k], tour[(k + 1) % tour.len()])])
                .sum(),
        )
    }

    /// The state encoding a tour (`tour[i]` is the city at position `i`); `None` unless the
    /// tour is a permutation of the cities.
    pub fn encode_tour(&self, tour: &[usize]) -> Option<State> {
        let n = self.cities();
        if tour.len() != n {
            return None;
        }
        let mut bits = vec![false; n * n];
        for (i, &x) in tour.iter().enumerate() {
            if x >= n || bits[x * n..(x + 1) * n].iter().any(|&b| b) {
                return None;
            }
            bits[x * n + i] = true;
        }
        Some(State::from_bits(Encoding::Binary, &bits))
    }
}

impl Problem for Tsp {
    type Couplings = TspCouplings;
    /// The cities in visiting order.
    type Solution = Vec<usize>;

    fn name(&self) -> String {
        format!("tsp{}", self.cities())
    }

    fn shape(&self) -> &Shape {
        &self.shape
    }

    fn network(&self) -> &Network<TspCouplings> {
        &self.network
    }

    fn energy_offset(&self) -> f64 {
        0.5 * (self.weights.a + self.weights.b) * self.cities() as f64
    }

    fn penalty(&self, state: &State) -> f64 {
        let n = self.cities();
        let v = state.as_slice();
        let TspWeights { a, b, d } = self.weights;
        let mut e = 0.0;
        for x in 0..n {
            let r: f64 = v[x * n..(x + 1) * n].iter().sum::<f64>() - 1.0;
            e += 0.5 * a * r * r;
        }
        for i in 0..n {
            let c: f64 = (0..n).map(|x| v[x * n + i]).sum::<f64>() - 1.0;
            e += 0.5 * b * c * c;
        }
        for x in 0..n {
            for y in 0..n {
                if x == y {
                    continue;
                }
                let dxy = self.network.couplings().dist(x, y);
                for i in 0..n {
                    let next = (i + 1) % n;
                    let prev = (i + n - 1) % n;
                    e += 0.5 * d * dxy * v[x * n + i] * (v[y * n + next] + v[y * n + prev]);
                }
            }
        }
        e
    }

    /// A tour when the state is a permutation matrix (one city per position and one position
    /// per city), else `None`. `O(n²)`.
    fn decode(&self, state: &State) -> Option<Vec<usize>> {
        let n = self.cities();
        if state.len() != n * n {
            return None;
        }
        let mut tour = vec![usize::MAX; n];
        for x in 0..n {
            let mut pos = None;
            for i in 0..n {
                if state.is_high(x * n + i) {
                    if pos.is_some() {
                        return None;
                    }
                    pos = Some(i);
                }
            }
            let i = pos?;
            if tour[i] != usize::MAX {
                return None;
            }
            tour[i] = x;
        }
        Some(tour)
    }

    fn objective(&self, tour: &Vec<usize>) -> f64 {
        self.tour_length(tour).unwrap_or(f64::INFINITY)
    }

    fn is_feasible(&self, state: &State) -> bool {
        self.decode(state).is_some()
    }

    /// A valid tour of length `L` has penalty energy `D·L`.
    fn energy_of_objective(&self, objective: f64) -> Option<f64> {
        Some(self.weights().d * objective)
    }
}

impl LeanProblem for Tsp {
    type Lean = IntNetwork;

    /// The [`IntNetwork`] of the instance, built on first use. Errors: a distance, `D·d_XY`,
    /// `A`, `B` or the bias `(A + B)/2` that is not an integer, fields beyond `i32`, or more
    /// memory than [`MAX_INT_LEAN_BYTES`](crate::problem::MAX_INT_LEAN_BYTES) (checked
    /// before anything is allocated).
    fn lean(&self) -> Result<&IntNetwork> {
        check_int_lean_bytes(&self.name(), self.lean_bytes())?;
        let n = self.cities();
        self.lean
            .get_or_init(|| {
                int_network_of(&self.name(), &self.network, |p, out| {
                    let (x, i) = (p / n, p % n);
                    let (next, prev) = ((i + 1) % n, (i + n - 1) % n);
                    out.extend((0..n).filter(|&j| j != i).map(|j| x * n + j));
                    for y in (0..n).filter(|&y| y != x) {
                        out.extend([y * n + i, y * n + next, y * n + prev]);
                    }
                })
            })
            .as_ref()
            .map_err(|reason| OptError::InvalidParameter {
                name: "lean",
                reason: reason.clone(),
            })
    }

    /// The network's build (`2n²(n − 1)` coupled pairs at most), the bit state and the
    /// `i32` fields.
    fn lean_bytes(&self) -> u64 {
        let n = self.cities() as u64;
        let pairs = n.saturating_mul(n).saturating_mul(2 * (n - 1));
        int_lean_bytes(self.shape.len(), pairs)
    }

    fn decode_bits(&self, state: &BitState) -> Option<Vec<usize>> {
        (state.len() == self.shape.len())
            .then(|| self.decode(&state.to_state()))
            .flatten()
    }

    fn is_feasible_bits(&self, state: &BitState) -> bool {
        self.decode_bits(state).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> DMatrix<f64> {
        // Four cities on a unit square, corners 0 (0,0), 1 (1,0), 2 (1,1), 3 (0,1).
        let pts = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        DMatrix::from_fn(4, 4, |i, j| {
            let (a, b): ((f64, f64), (f64, f64)) = (pts[i], pts[j]);
            ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
        })
    }

    #[test]
    fn energy_of_tour_is_its_length() {
        let tsp = Tsp::new(square()).unwrap();
        let perimeter = tsp.encode_tour(&[0, 1, 2, 3]).unwrap();
        assert!((tsp.energy(&perimeter).unwrap() - 4.0).abs() < 1e-9);
        let crossed = tsp.encode_tour(&[0, 2, 1, 3]).unwrap();
        let expected = 2.0 + 2.0 * 2f64.sqrt();
        assert!((tsp.energy(&crossed).unwrap() - expected).abs() < 1e-9);
        assert!((tsp.penalty(&crossed) - expected).abs() < 1e-9);
        assert_eq!(tsp.decode(&crossed), Some(vec![0, 2, 1, 3]));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(Tsp::new(DMatrix::zeros(2, 2)).is_err());
        assert!(Tsp::new(DMatrix::zeros(3, 4)).is_err());
        let mut d = square();
        d[(0, 1)] = 7.0;
        assert!(Tsp::new(d).is_err());
        let mut d = square();
        d[(0, 1)] = f64::NAN;
        assert!(Tsp::new(d).is_err());
        let w = TspWeights {
            a: -1.0,
            b: 1.0,
            d: 1.0,
        };
        assert!(matches!(
            Tsp::with_weights(square(), w),
            Err(OptError::InvalidParameter { name: "A", .. })
        ));
    }
}
