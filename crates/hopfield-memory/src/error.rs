//! The error type of hopfield-memory.

use hopfield_core::CoreError;

/// Everything that can go wrong when learning, analysing or loading patterns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryError {
    /// A pattern set has no patterns.
    #[error("the pattern set is empty")]
    EmptyPatternSet,
    /// Patterns have no neurons.
    #[error("patterns must have at least one component")]
    EmptyPattern,
    /// A pattern's length differs from the first pattern's.
    #[error("pattern {index} has {found} components, expected {expected} like pattern 0")]
    UnequalLengths {
        /// The pattern.
        index: usize,
        /// Length of pattern 0.
        expected: usize,
        /// Length of this pattern.
        found: usize,
    },
    /// A parameter of a learning rule or analysis is outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParams {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A linear program has no feasible point.
    #[error("the linear program is infeasible{}", match .neuron_idx { Some(i) => format!(" (row of neuron {i})"), None => String::new() })]
    Infeasible {
        /// The neuron whose row LP is infeasible, for row-decoupled programs.
        neuron_idx: Option<usize>,
    },
    /// A linear program is unbounded.
    #[error("the linear program is unbounded{}", match .neuron_idx { Some(i) => format!(" (row of neuron {i})"), None => String::new() })]
    Unbounded {
        /// The neuron whose row LP is unbounded, for row-decoupled programs.
        neuron_idx: Option<usize>,
    },
    /// The LP solver failed for another reason.
    #[error("LP solver error: {0}")]
    Solver(String),
    /// An iterative rule did not converge within its iteration limit.
    #[error("{rule} did not converge within {iterations} iterations")]
    NotConverged {
        /// The rule.
        rule: &'static str,
        /// The limit reached.
        iterations: usize,
    },
    /// An image could not be read, decoded, written or combined.
    #[error(transparent)]
    Image(#[from] crate::image::ImageError),
    /// An error from hopfield-core (a bad network, state or dimension).
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Shorthand for results of this crate.
pub type Result<T, E = MemoryError> = std::result::Result<T, E>;
