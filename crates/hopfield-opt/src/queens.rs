//! N-Queens: the n × n array with row, column and diagonal penalties (SPEC §6.2; seed 002
//! §4.2; the binary Hopfield formulation of Mańdziuk).
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
//! The `−ε(Σv − n)` term is SPEC's bias margin `ε` written into the penalty so that the
//! offset is a constant: a placement is a solution iff `E = 0` (then `Σv = n`), and `E > 0`
//! otherwise. This needs `ε < (A+B)/2`, which [`Queens::with_weights`] enforces: with `m`
//! queens the row and column terms are at least `((A+B)/2)·|m − n|`, so
//! `E ≥ ((A+B)/2 − ε)(m − n) > 0` for `m > n` (and larger for `m < n`); with
//! `ε ≥ (A+B)/2` one extra queen on a solution can bring `E` to 0 or below. Defaults
//! `A = B = C = 1`, `ε = 0.25` (SPEC §6.2 \[ASSUMED\]; with ε = 0 a blocked empty row sits on a
//! zero-field tie).

use hopfield_core::{Couplings, Encoding, Network, State};

use crate::problem::{Problem, Shape, check_non_negative, check_positive};
use crate::{OptError, Result};

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
    /// `A = B = C = 1`, `ε = 0.25` (SPEC §6.2).
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

/// An N-Queens instance encoded as a Hopfield network (SPEC §6.2).
#[derive(Debug, Clone)]
pub struct Queens {
    n: usize,
    weights: QueensWeights,
    shape: Shape,
    network: Network<QueensCouplings>,
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
        let bias = vec![0.5 * (weights.a + weights.b) + weights.epsilon; shape.len()];
        let network = Network::with_bias(couplings, bias, Encoding::Binary)?;
        Ok(Queens {
            n,
            weights,
            shape,
            network,
        })
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

    fn network(&self) -> &Network<QueensCouplings> {
        &self.network
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
