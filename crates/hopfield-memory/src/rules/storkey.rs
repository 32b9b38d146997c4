//! Storkey's incremental learning rule (Storkey 1997, "Increasing the capacity of a Hopfield
//! network without sacrificing functionality").

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Dense, Encoding, Network};

use super::{LearningRule, symmetrize};
use crate::error::Result;
use crate::patterns::Patterns;

/// Storkey's rule: for each pattern `x` in turn,
/// `W_ij += (1/N)(x_i x_j − x_i h_ji − h_ij x_j)` with `h_ij = Σ_{k≠i,j} W_ik x_k`
/// (`i ≠ j`; `W_ii = 0`).
///
/// The update is symmetric in `i, j`, so `W` stays symmetric; it is local and incremental like
/// Hebb's rule, with a capacity of about `N / √(2 ln N)` for random patterns. Cost `O(N² M)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Storkey;

impl LearningRule for Storkey {
    fn name(&self) -> &'static str {
        "storkey"
    }

    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>> {
        let n = patterns.n();
        let inv_n = 1.0 / n as f64;
        let mut w = DMatrix::<f64>::zeros(n, n);
        for x in patterns.iter() {
            let x = x.as_slice();
            // h_i = Σ_k W_ik x_k (W_ii = 0), so h_ij = h_i − W_ij x_j.
            let h: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|k| w[(i, k)] * x[k]).sum())
                .collect();
            let mut delta = DMatrix::<f64>::zeros(n, n);
            for i in 0..n {
                for j in (i + 1)..n {
                    let h_ij = h[i] - w[(i, j)] * x[j];
                    let h_ji = h[j] - w[(j, i)] * x[i];
                    let d = inv_n * (x[i] * x[j] - x[i] * h_ji - h_ij * x[j]);
                    delta[(i, j)] = d;
                    delta[(j, i)] = d;
                }
            }
            w += delta;
        }
        symmetrize(&mut w);
        Ok(Network::new(
            Dense::with_zero_diagonal(w)?,
            Encoding::Bipolar,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::Couplings;

    #[test]
    fn first_pattern_is_hebbian() {
        let p = Patterns::from_signs(&[vec![1, -1, 1, 1]]).unwrap();
        let net = Storkey.learn(&p).unwrap();
        assert!((net.couplings().weight(0, 1) + 0.25).abs() < 1e-12);
        assert!((net.couplings().weight(0, 2) - 0.25).abs() < 1e-12);
        assert_eq!(net.couplings().weight(2, 2), 0.0);
    }

    /// Storkey's rule transcribed directly, `O(N³)` per pattern: every `h_ij` and update of one
    /// pattern uses the weights from before that pattern.
    fn naive_storkey(patterns: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let n = patterns[0].len();
        let nf = n as f64;
        let mut w = vec![vec![0.0; n]; n];
        for x in patterns {
            let old = w.clone();
            let h = |i: usize, j: usize| -> f64 {
                (0..n)
                    .filter(|&k| k != i && k != j)
                    .map(|k| old[i][k] * x[k])
                    .sum()
            };
            for i in 0..n {
                for j in 0..n {
                    if i != j {
                        w[i][j] += (x[i] * x[j] - x[i] * h(j, i) - h(i, j) * x[j]) / nf;
                    }
                }
            }
        }
        w
    }

    #[test]
    fn matches_naive_transcription() {
        let sets: [&[Vec<i8>]; 2] = [
            &[vec![1, -1, 1, 1, -1], vec![-1, -1, 1, -1, 1]],
            &[
                vec![1, -1, 1, 1, -1, 1, -1],
                vec![1, 1, -1, 1, 1, -1, -1],
                vec![-1, 1, 1, -1, 1, 1, -1],
            ],
        ];
        for signs in sets {
            let p = Patterns::from_signs(signs).unwrap();
            let xs: Vec<Vec<f64>> = signs
                .iter()
                .map(|s| s.iter().map(|&v| f64::from(v)).collect())
                .collect();
            let expected = naive_storkey(&xs);
            let net = Storkey.learn(&p).unwrap();
            let n = p.n();
            let mut nonzero_correction = false;
            for i in 0..n {
                for j in 0..n {
                    let got = net.couplings().weight(i, j);
                    assert!(
                        (got - expected[i][j]).abs() < 1e-12,
                        "({i}, {j}): {got} vs {}",
                        expected[i][j]
                    );
                    // The Hebbian part is a multiple of 1/N; the correction terms are not.
                    let hebb: f64 = xs.iter().map(|x| x[i] * x[j]).sum::<f64>() / n as f64;
                    if i != j && (got - hebb).abs() > 1e-9 {
                        nonzero_correction = true;
                    }
                }
            }
            assert!(nonzero_correction, "the corrections vanished: weak test");
        }
    }
}
