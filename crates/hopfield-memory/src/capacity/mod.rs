//! Simulations that put the learning rules on the curves of [`theory`](crate::theory).
//!
//! - [`retrieval`]: the Hebbian retrieval overlap `m(α)` measured from the stored patterns
//!   (Amit, Gutfreund & Sompolinsky 1985): zero-temperature asynchronous dynamics started *at*
//!   a stored pattern, run to a fixed point through hopfield-core's batched engine in pattern
//!   space, and the overlap of the end state with the pattern.
//! - [`stability`]: the row-wise perceptron of optimal stability (the problem Krauth & Mézard
//!   1987 solve with minover), solved by AdaTron (Anlauf & Biehl 1989) in the dual with a
//!   certified bracket `lower ≤ κ_opt ≤ upper` for every row, to compare with Gardner's
//!   `α_c(κ)` (Gardner 1988).
//! - [`fixed`]: the fraction of stored patterns that are fixed points of a learned network
//!   (any [`LearningRule`](crate::rules::LearningRule): projection, Storkey, Hebbian).
//! - [`crossing`] and [`jackknife_crossing`]: where a measured fraction crosses a level (the
//!   measured critical loads of the report), with an error from the spread over pattern sets.
//!
//! Every routine takes a `u64` seed and derives one seed per pattern set and probe, so the
//! results do not depend on the thread count.
//!
//! # Example
//! ```
//! use hopfield_memory::capacity::crossing;
//!
//! // A fraction that falls from 1 to 0 crosses one half at 0.15 (linear interpolation).
//! let points = [(0.1, 1.0), (0.14, 0.6), (0.16, 0.4), (0.2, 0.0)];
//! assert!((crossing(&points, 0.5).unwrap() - 0.15).abs() < 1e-12);
//! ```

pub mod fixed;
pub mod retrieval;
pub mod stability;

/// The first load at which `points` (sorted by load, as `(α, fraction)`) fall from at least
/// `level` to below it, by linear interpolation between the two bracketing points. `None` if
/// the first point is already below `level` or no point falls below it.
///
/// When the fraction is not monotone (noise), the first downward crossing is taken.
pub fn crossing(points: &[(f64, f64)], level: f64) -> Option<f64> {
    let first = points.first()?;
    // NaN fractions and fractions already below the level do not start a crossing.
    if first.1.is_nan() || first.1 < level {
        return None;
    }
    points.windows(2).find_map(|w| {
        let ((a0, f0), (a1, f1)) = (w[0], w[1]);
        (f0 >= level && f1 < level).then(|| a0 + (f0 - level) / (f0 - f1) * (a1 - a0))
    })
}

/// A crossing measured over several pattern sets: the [`crossing`] of the mean fraction over
/// sets, and the jackknife standard error (Quenouille–Tukey: recompute the crossing leaving one
/// set out, `se² = (S − 1)/S · Σ_s (c_s − c̄)²`).
///
/// `alphas` are the loads (sorted); `fractions[s][k]` is set `s`'s fraction at `alphas[k]`
/// (every set measured at every load). The error is `None` with fewer than two sets or when a
/// leave-one-out mean does not cross.
pub fn jackknife_crossing(
    alphas: &[f64],
    fractions: &[Vec<f64>],
    level: f64,
) -> (Option<f64>, Option<f64>) {
    let mean_of = |skip: Option<usize>| -> Vec<(f64, f64)> {
        alphas
            .iter()
            .enumerate()
            .map(|(k, &a)| {
                let (sum, count) = fractions
                    .iter()
                    .enumerate()
                    .filter(|(s, _)| Some(*s) != skip)
                    .filter_map(|(_, f)| f.get(k))
                    .fold((0.0, 0usize), |(s, c), &v| (s + v, c + 1));
                (
                    a,
                    if count == 0 {
                        f64::NAN
                    } else {
                        sum / count as f64
                    },
                )
            })
            .collect()
    };
    let estimate = crossing(&mean_of(None), level);
    let sets = fractions.len();
    if estimate.is_none() || sets < 2 {
        return (estimate, None);
    }
    let leave_one_out: Option<Vec<f64>> = (0..sets)
        .map(|s| crossing(&mean_of(Some(s)), level))
        .collect();
    let se = leave_one_out.map(|c| {
        let mean = c.iter().sum::<f64>() / sets as f64;
        let ss: f64 = c.iter().map(|v| (v - mean).powi(2)).sum();
        ((sets as f64 - 1.0) / sets as f64 * ss).sqrt()
    });
    (estimate, se)
}

/// Mean and standard error of the mean (`s / √n`, `s` the sample standard deviation) of
/// `values`, summed in order. `(NaN, NaN)` when empty; the error is NaN for one value.
pub fn mean_and_error(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, (var / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_interpolates_the_first_downward_crossing() {
        assert_eq!(crossing(&[], 0.5), None);
        assert_eq!(crossing(&[(0.1, 0.4), (0.2, 0.1)], 0.5), None);
        assert_eq!(crossing(&[(0.1, 1.0), (0.2, 0.9)], 0.5), None);
        let c = crossing(&[(1.0, 1.0), (2.0, 0.0), (3.0, 1.0), (4.0, 0.0)], 0.5).unwrap();
        assert!((c - 1.5).abs() < 1e-12);
        // Exactly at the level counts as not yet crossed.
        let c = crossing(&[(1.0, 0.5), (2.0, 0.25)], 0.5).unwrap();
        assert!((c - 1.0).abs() < 1e-12);
        assert_eq!(crossing(&[(f64::NAN, f64::NAN)], 0.5), None);
    }

    #[test]
    fn jackknife_of_identical_sets_has_zero_error() {
        let alphas = [0.1, 0.2, 0.3];
        let same = vec![vec![1.0, 0.6, 0.0]; 4];
        let (c, se) = jackknife_crossing(&alphas, &same, 0.5);
        assert!((c.unwrap() - (0.2 + 0.1 / 6.0)).abs() < 1e-12);
        assert!(se.unwrap().abs() < 1e-12);
        // Two sets crossing at 0.15 and 0.25: the mean crosses at 0.2, and the jackknife
        // error of this linear statistic is the standard error of the mean, 0.05.
        let two = vec![vec![1.0, 0.0, 0.0], vec![1.0, 1.0, 0.0]];
        let (c, se) = jackknife_crossing(&alphas, &two, 0.5);
        assert!((c.unwrap() - 0.2).abs() < 1e-12);
        assert!((se.unwrap() - 0.05).abs() < 1e-12, "{se:?}");
        let (_, se) = jackknife_crossing(&alphas, &two[..1], 0.5);
        assert_eq!(se, None);
    }

    #[test]
    fn mean_and_error_by_hand() {
        let (m, e) = mean_and_error(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((e - (5.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
        assert!(mean_and_error(&[]).0.is_nan());
        assert!(mean_and_error(&[1.0]).1.is_nan());
    }
}
