//! The error type of hopfield-core.

use crate::Encoding;

/// Everything that can go wrong when building, loading or running a network.
///
/// Outcomes of a run (fixed point, two-cycle, step limit, stopped by an observer) are not
/// errors: they are reported by [`Termination`](crate::Termination).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// Two things that must have the same length do not.
    #[error("dimension mismatch: {what} has length {found}, expected {expected}")]
    DimensionMismatch {
        /// What was measured (for example "bias" or "state").
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A weight matrix is not square.
    #[error("weight matrix is not square: {rows} rows and {cols} columns")]
    NotSquare {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
    },
    /// `w_ij` and `w_ji` differ.
    #[error("weights are not symmetric: w[{i}][{j}] = {w_ij} but w[{j}][{i}] = {w_ji}")]
    Asymmetric {
        /// Row of the first entry.
        i: usize,
        /// Column of the first entry.
        j: usize,
        /// `w_ij`.
        w_ij: f64,
        /// `w_ji`.
        w_ji: f64,
    },
    /// A value is NaN or infinite.
    #[error("{what} at {location} is not finite ({value})")]
    NonFinite {
        /// What holds the value ("weight", "bias", "state", …).
        what: &'static str,
        /// Where, for example `[3]` or `[2][5]`.
        location: String,
        /// The offending value.
        value: f64,
    },
    /// The diagonal policy is [`DiagonalPolicy::Zero`](crate::DiagonalPolicy::Zero) but a
    /// diagonal entry is not zero.
    #[error("diagonal policy is zero but w[{i}][{i}] = {value}")]
    NonZeroDiagonal {
        /// The neuron.
        i: usize,
        /// The diagonal entry.
        value: f64,
    },
    /// A self-coupling is negative: asynchronous dynamics would no longer descend the energy.
    #[error("self-coupling w[{i}][{i}] = {value} is negative; it must be >= 0")]
    NegativeSelfCoupling {
        /// The neuron.
        i: usize,
        /// The diagonal entry.
        value: f64,
    },
    /// A neuron index is out of range.
    #[error("neuron index {index} is out of range for a network of {n} neurons")]
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// The number of neurons.
        n: usize,
    },
    /// A state value is not one of the encoding's two values.
    #[error("state value {value} at [{index}] is not a valid {encoding} value")]
    InvalidStateValue {
        /// Position in the state.
        index: usize,
        /// The value found.
        value: f64,
        /// The encoding the value should belong to.
        encoding: Encoding,
    },
    /// A state and a network use different encodings.
    #[error("encoding mismatch: expected a {expected} state, found a {found} state")]
    EncodingMismatch {
        /// The network's encoding.
        expected: Encoding,
        /// The state's encoding.
        found: Encoding,
    },
    /// A sparse matrix in CSR form is malformed.
    #[error("malformed CSR matrix: {reason}")]
    InvalidCsr {
        /// What is wrong.
        reason: String,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A network file could not be parsed at all.
    #[error("cannot parse network file: {0}")]
    Parse(String),
    /// Reading or writing a network file failed.
    #[error("cannot write network file: {0}")]
    Io(String),
    /// A network file is of another kind or format version.
    #[error("unsupported network file: {0}")]
    UnsupportedFormat(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

pub(crate) fn check_finite(what: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(idx) => Err(CoreError::NonFinite {
            what,
            location: format!("[{idx}]"),
            value: values[idx],
        }),
    }
}

pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(CoreError::DimensionMismatch {
            what,
            expected,
            found,
        })
    }
}
