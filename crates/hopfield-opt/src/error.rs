//! The error type of hopfield-opt.

use hopfield_core::CoreError;

/// Everything that can go wrong when reading instances, encoding problems or searching.
///
/// Non-convergence, infeasible final states and undecodable states are outcomes of a search,
/// reported in its result, not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptError {
    /// A parameter (penalty weight, n, τ, ρ, λ, t_max, …) is outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// An instance file is malformed.
    #[error("{file}{}: {reason}", match .line { Some(l) => format!(":{l}"), None => String::new() })]
    Parse {
        /// The file (or a description of the source).
        file: String,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// An instance file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A transportation instance's total supply differs from its total demand.
    #[error("unbalanced transportation instance: total supply {supply} but total demand {demand}")]
    Unbalanced {
        /// Total supply.
        supply: u64,
        /// Total demand.
        demand: u64,
    },
    /// A linear program has no feasible point.
    #[error("the linear program is infeasible")]
    Infeasible,
    /// The LP solver failed for another reason.
    #[error("LP solver error: {0}")]
    Solver(String),
    /// An instance is too large for an exact method.
    #[error("{method} supports at most {max} {what}, got {found}")]
    TooLarge {
        /// The exact method.
        method: &'static str,
        /// What is counted (cities, …).
        what: &'static str,
        /// The limit.
        max: usize,
        /// The size given.
        found: usize,
    },
    /// An error from hopfield-core.
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Shorthand for results of this crate.
pub type Result<T, E = OptError> = std::result::Result<T, E>;

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
