//! N-Queens: the n × n array with row, column and diagonal penalties (Matsumoto et al. 2004,
//! Section 4.2; the binary Hopfield formulation of Mańdziuk).
//!
//! `v_rc = 1` puts a queen on row `r`, column `c`. The penalty is
//!
//! ```text
//! E = (A/2) Σ_r (Σ_c v_rc − 1)² + (B/2) Σ_c (Σ_r v_rc − 1)²
//!   + C · #{pairs of queens on a common diagonal or anti-diagonal} − ε (Σ v − n)
//! w_pq = −A[same row] − B[same col] − C[same diag] − C[same anti-diag]   (p ≠ q)
//! b_p  = (A+B)/2 + ε,          E = E_Hopfield + (A+B)·n/2 + ε·n
//! ```
//!
//! The `−ε(Σv − n)` term is the bias margin `ε` written into the penalty so that the
//! offset is a constant: a placement is a solution iff `E = 0` (then `Σv = n`), and `E > 0`
//! otherwise. This needs `ε < (A+B)/2`, which [`Queens::with_weights`] enforces: with `m`
//! queens the row and column terms are at least `((A+B)/2)·|m − n|`, so
//! `E ≥ ((A+B)/2 − ε)(m − n) > 0` for `m > n` (and larger for `m < n`); with
//! `ε ≥ (A+B)/2` one extra queen on a solution can bring `E` to 0 or below. Defaults
//! `A = B = C = 1`, `ε = 0.25` (\[ASSUMED\], see METHODOLOGY.md; with ε = 0 a blocked empty row
//! sits on a zero-field tie).

use std::sync::OnceLock;

use hopfield_core::lean::{BitState, LeanNetwork};
use hopfield_core::{Couplings, Encoding, Network, State};

use crate::problem::{LeanProblem, Problem, Shape, check_non_negative, check_positive};
use crate::{OptError, Result};

/// The largest board the plain path runs: `n² ≤ 16 777 216` neurons (`n ≤ 4096`), about
/// 400 MB of `f64` biases, state and fields. Larger boards run on the lean network
/// ([`LeanProblem`]); the plain path refuses them with the memory it would need.
pub const MAX_PLAIN_NEURONS: usize = 1 << 24;

/// The most memory a lean N-Queens search may take (a bit per neuron plus `O(n)`
/// counters): 2 GiB, so `n ≤ 131 000` or so. Larger boards are refused up front with the
/// memory they would need.
pub const MAX_LEAN_BYTES: u64 = 2 << 30;

/// Penalty weights of the N-Queens encoding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueensWeights {
    /// Row penalty `A`.
    pub a: f64,
    /// Column penalty `B`.
    pub b: f64,
    /// Diagonal penalty `C` (per attacking pair).
    pub c: f64,
    /// Bias margin `0 ≤ ε < (A+B)/2`.
    pub epsilon: f64,
}

impl Default for QueensWeights {
    /// `A = B = C = 1`, `ε = 0.25`.
    fn default() -> Self {
        QueensWeights {
            a: 1.0,
            b: 1.0,
            c: 1.0,
            epsilon: 0.25,
        }
    }
}

/// The structured N-Queens couplings: `O(n)` per column.
#[derive(Debug, Clone, PartialEq)]
pub struct QueensCouplings {
    n: usize,
    a: f64,
    b: f64,
    c: f64,
}

impl Couplings for QueensCouplings {
    fn n(&self) -> usize {
        self.n * self.n
    }

    fn weight(&self, p: usize, q: usize) -> f64 {
        if p == q {
            return 0.0;
        }
        let n = self.n;
        let (r1, c1) = (p / n, p % n);
        let (r2, c2) = (q / n, q % n);
        let mut w = 0.0;
        if r1 == r2 {
            w -= self.a;
        }
        if c1 == c2 {
            w -= self.b;
        }
        if r1 + c2 == r2 + c1 {
            w -= self.c;
        }
        if r1 + c1 == r2 + c2 {
            w -= self.c;
        }
        w
    }

    /// `O(n)`: the row, column, diagonal and anti-diagonal through `q`.
    fn add_column(&self, q: usize, scale: f64, fields: &mut [f64]) {
        let n = self.n;
        let (r, c) = (q / n, q % n);
        let ja = -self.a * scale;
        for f in &mut fields[r * n..(r + 1) * n] {
            *f += ja;
        }
        let jb = -self.b * scale;
        for x in 0..n {
            fields[x * n + c] += jb;
        }
        let jc = -self.c * scale;
        // Diagonal r − c constant.
        let k = r.min(c);
        let (mut rr, mut cc) = (r - k, c - k);
        while rr < n && cc < n {
            fields[rr * n + cc] += jc;
            rr += 1;
            cc += 1;
        }
        // Anti-diagonal r + c constant.
        let s = r + c;
        let r0 = s.saturating_sub(n - 1);
        let r1 = s.min(n - 1);
        for rr in r0..=r1 {
            fields[rr * n + (s - rr)] += jc;
        }
        // Undo the four self-contributions.
        fields[q] -= ja + jb + 2.0 * jc;
    }

    fn self_coupling(&self, _i: usize) -> f64 {
        0.0
    }

    /// `O(n)`.
    fn row_dot(&self, p: usize, state: &[f64]) -> f64 {
        let n = self.n;
        let (r, c) = (p / n, p % n);
        let mut acc = 0.0;
        for x in 0..n {
            acc -= self.a * state[r * n + x] + self.b * state[x * n + c];
        }
        let k = r.min(c);
        let (mut rr, mut cc) = (r - k, c - k);
        while rr < n && cc < n {
            acc -= self.c * state[rr * n + cc];
            rr += 1;
            cc += 1;
        }
        let s = r + c;
        for rr in s.saturating_sub(n - 1)..=s.min(n - 1) {
            acc -= self.c * state[rr * n + (s - rr)];
        }
        acc + (self.a + self.b + 2.0 * self.c) * state[p]
    }

    /// `O(n²)` from row, column and diagonal sums.
    fn mul_into(&self, state: &[f64], out: &mut [f64]) {
        let n = self.n;
        let mut rows = vec![0.0; n];
        let mut cols = vec![0.0; n];
        let mut diag = vec![0.0; 2 * n - 1];
        let mut anti = vec![0.0; 2 * n - 1];
        for r in 0..n {
            for c in 0..n {
                let s = state[r * n + c];
                rows[r] += s;
                cols[c] += s;
                diag[r + n - 1 - c] += s;
                anti[r + c] += s;
            }
        }
        for r in 0..n {
            for c in 0..n {
                let s = state[r * n + c];
                out[r * n + c] = -self.a * (rows[r] - s)
                    - self.b * (cols[c] - s)
                    - self.c * (diag[r + n - 1 - c] - s)
                    - self.c * (anti[r + c] - s);
            }
        }
    }
}

/// The lean N-Queens network: `6n` counters instead of `n²` fields.
///
/// The field of `(r, c)` is `b − A(R_r − v) − B(K_c − v) − C(D_{r−c} − v) − C(G_{r+c} − v)`
/// with `R`, `K`, `D`, `G` the numbers of queens on the row, column, diagonal and
/// anti-diagonal and `v` the neuron's own value: `O(1)` from the counters, which a flip
/// updates in `O(1)`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueensLean {
    couplings: QueensCouplings,
    bias: f64,
    epsilon: f64,
}

/// The counters of [`QueensLean`]: queens per row, column, diagonal and anti-diagonal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueensCounters {
    rows: Vec<u32>,
    cols: Vec<u32>,
    diag: Vec<u32>,
    anti: Vec<u32>,
}

impl LeanNetwork for QueensLean {
    type Fields = QueensCounters;

    fn n(&self) -> usize {
        self.couplings.n * self.couplings.n
    }

    fn encoding(&self) -> Encoding {
        Encoding::Binary
    }

    fn fields_of(&self, state: &BitState) -> QueensCounters {
        let n = self.couplings.n;
        let mut k = QueensCounters {
            rows: vec![0; n],
            cols: vec![0; n],
            diag: vec![0; 2 * n],
            anti: vec![0; 2 * n],
        };
        state.for_each_high(|i| {
            let (r, c) = (i / n, i % n);
            k.rows[r] += 1;
            k.cols[c] += 1;
            k.diag[r + n - c] += 1;
            k.anti[r + c] += 1;
        });
        k
    }

    #[inline]
    fn field(&self, k: &QueensCounters, state: &BitState, i: usize) -> f64 {
        let n = self.couplings.n;
        let (r, c) = (i / n, i % n);
        let v = u32::from(state.is_high(i));
        let QueensCouplings { a, b, c: cc, .. } = self.couplings;
        self.bias
            - a * f64::from(k.rows[r] - v)
            - b * f64::from(k.cols[c] - v)
            - cc * f64::from(k.diag[r + n - c] - v)
            - cc * f64::from(k.anti[r + c] - v)
    }

    #[inline]
    fn on_flip(&self, k: &mut QueensCounters, _state: &BitState, j: usize, delta: f64) {
        let n = self.couplings.n;
        let (r, c) = (j / n, j % n);
        if delta > 0.0 {
            k.rows[r] += 1;
            k.cols[c] += 1;
            k.diag[r + n - c] += 1;
            k.anti[r + c] += 1;
        } else {
            k.rows[r] -= 1;
            k.cols[c] -= 1;
            k.diag[r + n - c] -= 1;
            k.anti[r + c] -= 1;
        }
    }

    fn weight(&self, i: usize, j: usize) -> f64 {
        self.couplings.weight(i, j)
    }

    fn self_coupling(&self, _i: usize) -> f64 {
        0.0
    }

    fn bias(&self, _i: usize) -> f64 {
        self.bias
    }

    /// `O(n)` from the counters: the penalty minus the offset.
    fn energy(&self, k: &QueensCounters, _state: &BitState) -> f64 {
        let n = self.couplings.n as f64;
        let QueensCouplings { a, b, c, .. } = self.couplings;
        let sq = |xs: &[u32], w: f64| {
            xs.iter()
                .map(|&x| 0.5 * w * (f64::from(x) - 1.0).powi(2))
                .sum::<f64>()
        };
        let pairs = |xs: &[u32]| {
            xs.iter()
                .map(|&x| 0.5 * f64::from(x) * (f64::from(x) - 1.0))
                .sum::<f64>()
        };
        let total: f64 = k.rows.iter().map(|&x| f64::from(x)).sum();
        let penalty = sq(&k.rows, a) + sq(&k.cols, b) + c * (pairs(&k.diag) + pairs(&k.anti))
            - self.epsilon * (total - n);
        penalty - self.bias * n
    }

    fn field_bytes(&self) -> usize {
        6 * self.couplings.n * 4
    }
}

/// An N-Queens instance encoded as a Hopfield network.
///
/// Building it allocates nothing of size `n²`: the plain network (`n²` biases) is built on
/// first use and only for boards up to [`MAX_PLAIN_NEURONS`] neurons (see
/// [`Problem::check_plain_size`]); larger boards run on the lean network.
#[derive(Debug, Clone)]
pub struct Queens {
    n: usize,
    weights: QueensWeights,
    shape: Shape,
    couplings: QueensCouplings,
    network: OnceLock<Network<QueensCouplings>>,
    lean: QueensLean,
}

impl Queens {
    /// The `n × n` board with the default weights. `n ≥ 4` (smaller boards other than 1 have
    /// no solution; 0 and 1 are rejected too).
    pub fn new(n: usize) -> Result<Self> {
        Self::with_weights(n, QueensWeights::default())
    }

    /// The `n × n` board with explicit weights (`A, B, C > 0`, `0 ≤ ε < (A+B)/2`, all
    /// finite). The bound on `ε` keeps "solution iff `E = 0`" true (see the module docs);
    /// `ε ≥ (A+B)/2` is an [`OptError::InvalidParameter`].
    pub fn with_weights(n: usize, weights: QueensWeights) -> Result<Self> {
        if n < 4 {
            return Err(OptError::InvalidParameter {
                name: "n",
                reason: format!("N-Queens needs n >= 4, got {n}"),
            });
        }
        check_positive("A", weights.a)?;
        check_positive("B", weights.b)?;
        check_positive("C", weights.c)?;
        check_non_negative("epsilon", weights.epsilon)?;
        let half_ab = 0.5 * (weights.a + weights.b);
        if weights.epsilon >= half_ab {
            return Err(OptError::InvalidParameter {
                name: "epsilon",
                reason: format!(
                    "must be < (A+B)/2 = {half_ab}, got {}: otherwise a placement with an \
                     extra queen can reach E <= 0 and 'solution iff E = 0' fails",
                    weights.epsilon
                ),
            });
        }
        let shape = Shape::new(vec![n, n])?;
        let couplings = QueensCouplings {
            n,
            a: weights.a,
            b: weights.b,
            c: weights.c,
        };
        let bias = 0.5 * (weights.a + weights.b) + weights.epsilon;
        Ok(Queens {
            n,
            weights,
            shape,
            lean: QueensLean {
                couplings: couplings.clone(),
                bias,
                epsilon: weights.epsilon,
            },
            couplings,
            network: OnceLock::new(),
        })
    }

    /// The bytes one lean search needs: the bit state, the counters, and the move family's
    /// placement (column per row, diagonal counts).
    pub fn lean_bytes_for(n: usize) -> u64 {
        let n = n as u64;
        (n.saturating_mul(n)).div_ceil(64) * 8 + 24 * n + 32 * n
    }

    /// The lean network ([`QueensLean`]).
    pub fn lean_network(&self) -> &QueensLean {
        &self.lean
    }

    /// The board size.
    pub fn size(&self) -> usize {
        self.n
    }

    /// The weights.
    pub fn weights(&self) -> QueensWeights {
        self.weights
    }

    /// The state placing a queen on `(r, cols[r])` for every row; `None` if `cols` has the
    /// wrong length or a column out of range.
    pub fn encode(&self, cols: &[usize]) -> Option<State> {
        let n = self.n;
        if cols.len() != n || cols.iter().any(|&c| c >= n) {
            return None;
        }
        let mut bits = vec![false; n * n];
        for (r, &c) in cols.iter().enumerate() {
            bits[r * n + c] = true;
        }
        Some(State::from_bits(Encoding::Binary, &bits))
    }

    /// The number of pairs of queens `(r, cols[r])` on a common diagonal or anti-diagonal,
    /// `O(n)`.
    pub fn diagonal_conflicts(&self, cols: &[usize]) -> usize {
        let n = self.n;
        let mut diag = vec![0usize; 2 * n];
        let mut anti = vec![0usize; 2 * n];
        for (r, &c) in cols.iter().enumerate() {
            if r < n && c < n {
                diag[r + n - c] += 1;
                anti[r + c] += 1;
            }
        }
        diag.iter()
            .chain(&anti)
            .map(|&k| k * k.saturating_sub(1) / 2)
            .sum()
    }
}

/// Checks that `cols` (the column of the queen on each row) is an N-Queens solution: a
/// permutation with no two queens on a common diagonal. `O(n)`.
pub fn is_solution(cols: &[usize]) -> bool {
    let n = cols.len();
    let mut col = vec![false; n];
    let mut diag = vec![false; 2 * n];
    let mut anti = vec![false; 2 * n];
    for (r, &c) in cols.iter().enumerate() {
        if c >= n || col[c] || diag[r + n - c] || anti[r + c] {
            return false;
        }
        col[c] = true;
        diag[r + n - c] = true;
        anti[r + c] = true;
    }
    true
}

impl Problem for Queens {
    type Couplings = QueensCouplings;
    /// The column of the queen on each row.
    type Solution = Vec<usize>;

    fn name(&self) -> String {
        format!("queens{}", self.n)
    }

    fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Built on first use (`n²` biases): see [`Problem::check_plain_size`], which the
    /// searches call first and which refuses boards above [`MAX_PLAIN_NEURONS`].
    fn network(&self) -> &Network<QueensCouplings> {
        self.network.get_or_init(|| {
            let bias = vec![self.lean.bias; self.shape.len()];
            // The length and finiteness hold by construction, so this never fails.
            Network::with_bias(self.couplings.clone(), bias, Encoding::Binary)
                .unwrap_or_else(|_| Network::new(self.couplings.clone(), Encoding::Binary))
        })
    }

    fn energy_offset(&self) -> f64 {
        (0.5 * (self.weights.a + self.weights.b) + self.weights.epsilon) * self.n as f64
    }

    fn penalty(&self, state: &State) -> f64 {
        let n = self.n;
        let v = state.as_slice();
        let QueensWeights { a, b, c, epsilon } = self.weights;
        let mut rows = vec![0.0; n];
        let mut cols = vec![0.0; n];
        let mut diag = vec![0.0; 2 * n - 1];
        let mut anti = vec![0.0; 2 * n - 1];
        let mut total = 0.0;
        for r in 0..n {
            for col in 0..n {
                let s = v[r * n + col];
                rows[r] += s;
                cols[col] += s;
                diag[r + n - 1 - col] += s;
                anti[r + col] += s;
                total += s;
            }
        }
        let sq = |xs: &[f64], w: f64| xs.iter().map(|x| 0.5 * w * (x - 1.0).powi(2)).sum::<f64>();
        let pairs = |xs: &[f64]| xs.iter().map(|k| 0.5 * k * (k - 1.0)).sum::<f64>();
        sq(&rows, a) + sq(&cols, b) + c * (pairs(&diag) + pairs(&anti))
            - epsilon * (total - n as f64)
    }

    /// The placement when every row and every column holds exactly one queen (diagonal
    /// conflicts allowed), else `None`. `O(n²)`.
    fn decode(&self, state: &State) -> Option<Vec<usize>> {
        let n = self.n;
        if state.len() != n * n {
            return None;
        }
        let mut cols = Vec::with_capacity(n);
        let mut used = vec![false; n];
        for r in 0..n {
            let mut found = None;
            for c in 0..n {
                if state.is_high(r * n + c) {
                    if found.is_some() {
                        return None;
                    }
                    found = Some(c);
                }
            }
            let c = found?;
            if used[c] {
                return None;
            }
            used[c] = true;
            cols.push(c);
        }
        Some(cols)
    }

    /// The number of diagonal conflicts (0 for a solution).
    fn objective(&self, cols: &Vec<usize>) -> f64 {
        self.diagonal_conflicts(cols) as f64
    }

    fn is_feasible(&self, state: &State) -> bool {
        self.decode(state).is_some_and(|cols| is_solution(&cols))
    }

    /// Solutions are exactly the states of penalty energy 0 (see the module docs).
    fn solved_energy(&self) -> Option<f64> {
        Some(0.0)
    }

    /// Diagonal conflicts are weighted by `C` and the row and column terms vanish on
    /// placements: `E = C·conflicts`.
    fn energy_of_objective(&self, objective: f64) -> Option<f64> {
        Some(self.weights.c * objective)
    }

    fn check_plain_size(&self) -> Result<()> {
        let neurons = self.shape.len();
        if neurons > MAX_PLAIN_NEURONS {
            return Err(OptError::TooLarge {
                method: "the plain N-Queens network (24 bytes a neuron; use the lean path)",
                what: "neurons",
                max: MAX_PLAIN_NEURONS,
                found: neurons,
            });
        }
        Ok(())
    }
}

impl LeanProblem for Queens {
    type Lean = QueensLean;

    /// Refuses boards whose lean search would take more than [`MAX_LEAN_BYTES`], with the
    /// memory they would need.
    fn lean(&self) -> Result<&QueensLean> {
        let need = self.lean_bytes();
        if need > MAX_LEAN_BYTES {
            return Err(OptError::InvalidParameter {
                name: "n",
                reason: format!(
                    "an N-Queens board of side {} needs {:.2} GB for a lean search (a bit per \
                     neuron), more than the limit of {:.2} GB",
                    self.n,
                    need as f64 / 1e9,
                    MAX_LEAN_BYTES as f64 / 1e9
                ),
            });
        }
        Ok(&self.lean)
    }

    fn lean_bytes(&self) -> u64 {
        Self::lean_bytes_for(self.n)
    }

    /// The placement when every row and every column holds exactly one queen,
    /// `O(n²/64 + queens)`.
    fn decode_bits(&self, state: &BitState) -> Option<Vec<usize>> {
        let n = self.n;
        if state.len() != n * n || state.count_high() != n {
            return None;
        }
        let mut cols = vec![usize::MAX; n];
        let mut used = vec![false; n];
        let mut ok = true;
        state.for_each_high(|i| {
            let (r, c) = (i / n, i % n);
            if cols[r] != usize::MAX || used[c] {
                ok = false;
            } else {
                cols[r] = c;
                used[c] = true;
            }
        });
        ok.then_some(cols)
    }

    fn is_feasible_bits(&self, state: &BitState) -> bool {
        self.decode_bits(state)
            .is_some_and(|cols| is_solution(&cols))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_boards_are_errors() {
        for n in 0..4 {
            assert!(matches!(
                Queens::new(n),
                Err(OptError::InvalidParameter { name: "n", .. })
            ));
        }
        assert!(Queens::new(4).is_ok());
    }

    #[test]
    fn solution_has_zero_energy() {
        let q = Queens::new(4).unwrap();
        let s = q.encode(&[1, 3, 0, 2]).unwrap();
        assert!(q.energy(&s).unwrap().abs() < 1e-12);
        assert_eq!(q.penalty(&s), 0.0);
        assert!(q.is_feasible(&s));
        // Identity placement: all four queens on one diagonal, 6 pairs.
        let d = q.encode(&[0, 1, 2, 3]).unwrap();
        assert_eq!(q.penalty(&d), 6.0);
        assert!((q.energy(&d).unwrap() - 6.0).abs() < 1e-12);
        assert!(!q.is_feasible(&d));
        assert_eq!(q.diagonal_conflicts(&[0, 1, 2, 3]), 6);
    }
}
