//! The learning rules: one trait, each rule a type with checked parameters.
//!
//! Every rule turns a [`Patterns`] set into a [`Network<Dense>`] whose coupling matrix is
//! exactly symmetric (hopfield-core requires it). Rules and sources:
//!
//! | rule | type | diagonal | source |
//! |---|---|---|---|
//! | Hebb, ±1 | [`Hebbian`] | zero | Hopfield 1982 |
//! | Hebb, 0/1 with thresholds | [`HebbianBinary`] | zero | Hopfield 1982 |
//! | projection (pseudo-inverse) | [`Projection`], [`ProjectionBuilder`] | self-coupling or zero | Personnaz, Guyon & Dreyfus 1986 |
//! | Storkey | [`Storkey`] | zero | Storkey 1997 |
//! | fast (outer-product agreement) | [`FastRule`] | 1 | Liang, Wu & Yu |
//! | max-min LP (exact, certified gap) | [`MaxMinLp`] | 1 (free in the LP, set to 1 after solving) | Liang, Wu & Yu |
//! | constrained perceptron | [`ConstrainedPerceptron`] | 1 | Liang, Wu & Yu |
//! | minover (optimal stability) | [`KrauthMezard`] | zero | Krauth & Mézard 1987 |
//! | perceptron with margin κ | [`Gardner`] | zero | Gardner 1988 |
//!
//! All rules work on ±1 patterns; [`HebbianBinary`] returns a 0/1 ([`Encoding::Binary`](hopfield_core::Encoding::Binary))
//! network, every other rule a ±1 network with zero biases. Liang–Wu–Yu dynamics use
//! `sgn(0) = +1`, i.e. [`hopfield_core::TieRule::High`].
//!
//! **Symmetry.** Krauth–Mézard and Gardner are usually stated row by row, which gives an
//! asymmetric `W`. Here they run on the symmetric `W` directly (each update changes `W_ij` and
//! `W_ji` together: a perceptron in the space of the `N(N−1)/2` symmetric pairs), so the
//! stopping criterion holds for the network that is returned. The row-decoupled max-min LP
//! solves `N` asymmetric rows and averages `(W + Wᵀ)/2`; see [`LpMode::RowDecoupled`].

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{Dense, Network};

use crate::error::{MemoryError, Result};
use crate::patterns::Patterns;

mod fast;
mod hebb;
mod lp;
mod maxmin;
mod perceptron;
mod projection;
pub(crate) mod simplex;
mod storkey;

pub use fast::FastRule;
pub use hebb::{Hebbian, HebbianBinary};
pub use lp::{LpBackend, LpMode, LpSolution, MaxMinLp, MaxMinReport};
pub use perceptron::{ConstrainedPerceptron, Gardner, KrauthMezard, PerceptronReport};
pub use projection::{Projection, ProjectionBuilder};
pub use storkey::Storkey;

/// A learning rule: patterns in, a network with symmetric couplings out.
///
/// Rules are plain values with checked parameters (their constructors or `check` return
/// [`MemoryError::InvalidParams`]), so a rule can be stored, compared and shared between
/// threads.
pub trait LearningRule: Send + Sync {
    /// A short, stable name for reports (`"hebbian"`, `"fast"`, …).
    fn name(&self) -> &'static str;

    /// Learns a network that stores `patterns`.
    fn learn(&self, patterns: &Patterns) -> Result<Network<Dense>>;
}

/// The names [`by_name`] accepts, as experiment definitions and the bench command line
/// spell them.
pub const RULE_NAMES: [&str; 10] = [
    "hebbian",
    "hebbian_binary",
    "projection",
    "projection_zero_diagonal",
    "storkey",
    "fast",
    "maxmin_lp",
    "constrained_perceptron",
    "krauth_mezard",
    "gardner",
];

/// The rule called `name` (one of [`RULE_NAMES`]) with its default parameters.
///
/// ```
/// use hopfield_memory::rules::{by_name, RULE_NAMES};
///
/// for name in RULE_NAMES {
///     assert_eq!(by_name(name)?.name(), name);
/// }
/// assert!(by_name("nope").is_err());
/// # Ok::<(), hopfield_memory::MemoryError>(())
/// ```
pub fn by_name(name: &str) -> Result<Box<dyn LearningRule>> {
    Ok(match name {
        "hebbian" => Box::new(Hebbian::default()),
        "hebbian_binary" => Box::new(HebbianBinary),
        "projection" => Box::new(Projection::default()),
        "projection_zero_diagonal" => Box::new(Projection {
            zero_diagonal: true,
            ..Projection::default()
        }),
        "storkey" => Box::new(Storkey),
        "fast" => Box::new(FastRule),
        "maxmin_lp" => Box::new(MaxMinLp::default()),
        "constrained_perceptron" => Box::new(ConstrainedPerceptron::default()),
        "krauth_mezard" => Box::new(KrauthMezard::default()),
        "gardner" => Box::new(Gardner::default()),
        other => {
            return Err(invalid(
                "rule",
                format!(
                    "unknown learning rule {other:?}; the rules are {}",
                    RULE_NAMES.join(", ")
                ),
            ));
        }
    })
}

/// `InvalidParams` for `name`.
pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> MemoryError {
    MemoryError::InvalidParams {
        name,
        reason: reason.into(),
    }
}

/// Checks that `value` is finite and strictly positive.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(name, format!("{value} is not a finite number > 0")))
    }
}

/// Replaces `w` by `(w + wᵀ)/2`, exactly symmetric.
pub(crate) fn symmetrize(w: &mut DMatrix<f64>) {
    let n = w.nrows();
    for i in 0..n {
        for j in (i + 1)..n {
            let mean = 0.5 * (w[(i, j)] + w[(j, i)]);
            w[(i, j)] = mean;
            w[(j, i)] = mean;
        }
    }
}

/// The `N × M` matrix of local fields `H = W X` (column `u`: `h^u = W x^u`).
pub(crate) fn fields_matrix(w: &DMatrix<f64>, x: &DMatrix<f64>) -> DMatrix<f64> {
    w * x
}
