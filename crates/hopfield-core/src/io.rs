//! The network file format (JSON through serde, with a format version).
//!
//! ```json
//! {
//!   "format": "hopfield-network",
//!   "format_version": 1,
//!   "encoding": "bipolar",
//!   "n": 2,
//!   "diagonal": "zero",
//!   "bias": [0.0, 0.5],
//!   "couplings": { "kind": "dense", "weights": [[0.0, 1.0], [1.0, 0.0]] }
//! }
//! ```
//!
//! Sparse couplings are stored as `{ "kind": "sparse", "indptr": […], "indices": […],
//! "values": […] }`, the full symmetric matrix in CSR form. Loading checks the format name and
//! version, every length against `n`, finiteness, symmetry and the diagonal policy, and names
//! what is wrong in a [`CoreError`]. It also rejects weights so large that an energy could
//! overflow `f64`: `Σ_ij |w_ij| + 2 Σ_i |b_i|` must be finite (it bounds every field and
//! `2|E|`), so a loaded network never computes an infinite energy.
//!
//! [`Network<Dense>`](crate::Dense) and [`Network<Sparse>`](crate::Sparse) also implement
//! serde's `Serialize` and `Deserialize` through this format, so any serde format works.

use serde::{Deserialize, Serialize};

use crate::couplings::{Couplings, Dense, DiagonalPolicy, Sparse};
use crate::error::{CoreError, Result, check_len};
use crate::network::Network;
use crate::state::Encoding;

/// The `format` field of every network file.
pub const FORMAT_NAME: &str = "hopfield-network";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A network file as it is stored, before validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written by this crate.
    pub format_version: u32,
    /// The neurons' encoding.
    pub encoding: Encoding,
    /// Number of neurons.
    pub n: usize,
    /// The diagonal policy.
    pub diagonal: DiagonalPolicy,
    /// One bias per neuron.
    pub bias: Vec<f64>,
    /// The couplings.
    pub couplings: CouplingsFile,
}

/// The couplings part of a [`NetworkFile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CouplingsFile {
    /// A dense matrix, row by row.
    Dense {
        /// `n` rows of `n` weights.
        weights: Vec<Vec<f64>>,
    },
    /// A full symmetric matrix in CSR form.
    Sparse {
        /// Row starts, `n + 1` entries.
        indptr: Vec<usize>,
        /// Column index of each entry.
        indices: Vec<usize>,
        /// Value of each entry.
        values: Vec<f64>,
    },
}

/// Couplings that have a file representation.
pub trait StoredCouplings: Couplings + Sized {
    /// The stored form and the diagonal policy.
    fn to_file(&self) -> (CouplingsFile, DiagonalPolicy);
    /// Checks and builds from the stored form.
    fn from_file(n: usize, file: CouplingsFile, diagonal: DiagonalPolicy) -> Result<Self>;
}

impl StoredCouplings for Dense<f64> {
    fn to_file(&self) -> (CouplingsFile, DiagonalPolicy) {
        let w = self.matrix();
        let weights = (0..w.nrows())
            .map(|i| (0..w.ncols()).map(|j| w[(i, j)]).collect())
            .collect();
        (CouplingsFile::Dense { weights }, self.diagonal_policy())
    }

    fn from_file(n: usize, file: CouplingsFile, diagonal: DiagonalPolicy) -> Result<Self> {
        let CouplingsFile::Dense { weights } = file else {
            return Err(CoreError::UnsupportedFormat(
                "expected dense couplings (\"kind\": \"dense\"), found sparse".into(),
            ));
        };
        check_len("weight rows", n, weights.len())?;
        for row in &weights {
            check_len("weight row", n, row.len())?;
        }
        let matrix = nalgebra::DMatrix::from_fn(n, n, |i, j| weights[i][j]);
        Dense::new(matrix, diagonal)
    }
}

impl StoredCouplings for Sparse {
    fn to_file(&self) -> (CouplingsFile, DiagonalPolicy) {
        let (indptr, indices, values) = self.to_csr();
        (
            CouplingsFile::Sparse {
                indptr,
                indices,
                values,
            },
            self.diagonal_policy(),
        )
    }

    fn from_file(n: usize, file: CouplingsFile, diagonal: DiagonalPolicy) -> Result<Self> {
        let CouplingsFile::Sparse {
            indptr,
            indices,
            values,
        } = file
        else {
            return Err(CoreError::UnsupportedFormat(
                "expected sparse couplings (\"kind\": \"sparse\"), found dense".into(),
            ));
        };
        Sparse::from_csr(n, indptr, indices, values, diagonal)
    }
}

impl<C: StoredCouplings> Network<C> {
    /// The file form of this network.
    pub fn to_file(&self) -> NetworkFile {
        let (couplings, diagonal) = self.couplings().to_file();
        NetworkFile {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            encoding: self.encoding(),
            n: self.n(),
            diagonal,
            bias: self.bias().to_vec(),
            couplings,
        }
    }

    /// Checks a file form and builds the network.
    pub fn from_file(file: NetworkFile) -> Result<Self> {
        if file.format != FORMAT_NAME {
            return Err(CoreError::UnsupportedFormat(format!(
                "format is {:?}, expected {FORMAT_NAME:?}",
                file.format
            )));
        }
        if file.format_version != FORMAT_VERSION {
            return Err(CoreError::UnsupportedFormat(format!(
                "format_version {} is not supported (this build reads version {FORMAT_VERSION})",
                file.format_version
            )));
        }
        check_len("bias", file.n, file.bias.len())?;
        check_energy_bound(&file)?;
        let couplings = C::from_file(file.n, file.couplings, file.diagonal)?;
        Network::with_bias(couplings, file.bias, file.encoding)
    }

    /// The network as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain numbers, strings and vectors cannot fail.
        serde_json::to_string_pretty(&self.to_file()).unwrap_or_default()
    }

    /// Parses and checks a network from JSON.
    pub fn from_json(text: &str) -> Result<Self> {
        let file: NetworkFile =
            serde_json::from_str(text).map_err(|e| CoreError::Parse(e.to_string()))?;
        Self::from_file(file)
    }

    /// Reads and checks a network from JSON.
    pub fn read_json<R: std::io::Read>(reader: R) -> Result<Self> {
        let file: NetworkFile =
            serde_json::from_reader(reader).map_err(|e| CoreError::Parse(e.to_string()))?;
        Self::from_file(file)
    }

    /// Writes the network as JSON.
    pub fn write_json<W: std::io::Write>(&self, writer: W) -> Result<()> {
        serde_json::to_writer_pretty(writer, &self.to_file())
            .map_err(|e| CoreError::Io(e.to_string()))
    }
}

/// Rejects a file whose `Σ_ij |w_ij| + 2 Σ_i |b_i|` is not finite: its fields or energy could
/// overflow `f64` (weights near `f64::MAX`).
fn check_energy_bound(file: &NetworkFile) -> Result<()> {
    let weights: f64 = match &file.couplings {
        CouplingsFile::Dense { weights } => weights.iter().flatten().map(|w| w.abs()).sum(),
        CouplingsFile::Sparse { values, .. } => values.iter().map(|w| w.abs()).sum(),
    };
    let bias: f64 = file.bias.iter().map(|b| b.abs()).sum();
    let bound = weights + 2.0 * bias;
    if bound.is_finite() {
        return Ok(());
    }
    // NaN entries are reported as such by the finiteness checks that follow.
    if weights.is_nan() || bias.is_nan() {
        return Ok(());
    }
    Err(CoreError::InvalidParameter {
        name: "couplings",
        reason: format!(
            "Σ|w_ij| + 2·Σ|b_i| = {bound}: weights and biases this large (near f64::MAX = \
             {:e}) make fields and energies overflow; scale the network down",
            f64::MAX
        ),
    })
}

impl<C: StoredCouplings> Serialize for Network<C> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.to_file().serialize(serializer)
    }
}

impl<'de, C: StoredCouplings> Deserialize<'de> for Network<C> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let file = NetworkFile::deserialize(deserializer)?;
        Network::from_file(file).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dense;

    #[test]
    fn weights_whose_energy_overflows_are_rejected_when_loaded() {
        let json = |w: &str, b: &str| {
            format!(
                r#"{{"format":"hopfield-network","format_version":1,"encoding":"bipolar","n":2,
                "diagonal":"zero","bias":[0.0,{b}],
                "couplings":{{"kind":"dense","weights":[[0.0,{w}],[{w},0.0]]}}}}"#
            )
        };
        let err = Network::<Dense>::from_json(&json("1.797e308", "0.0")).unwrap_err();
        assert!(
            matches!(&err, CoreError::InvalidParameter { name: "couplings", reason }
                if reason.contains("overflow")),
            "{err}"
        );
        let err = Network::<Dense>::from_json(&json("1.0", "1.7e308")).unwrap_err();
        assert!(err.to_string().contains("scale the network down"), "{err}");
        let net = Network::<Dense>::from_json(&json("1e300", "1e300")).unwrap();
        let s = crate::State::from_signs(crate::Encoding::Bipolar, &[1, 1]);
        assert!(net.energy(&s).unwrap().is_finite());
    }
}
