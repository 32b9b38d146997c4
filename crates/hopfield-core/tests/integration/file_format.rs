//! The JSON network format: round trips and rejection of bad files with the right error.

use hopfield_core::{CoreError, Dense, Network, Sparse};
use proptest::prelude::*;

use crate::common::{ENCODINGS, real_case};

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(64))]

    /// A deserialized network equals the original, dense and sparse, through our JSON helpers
    /// and through serde directly.
    #[test]
    fn round_trips(case in real_case()) {
        for encoding in ENCODINGS {
            let dense = case.network(encoding);
            let text = dense.to_json();
            prop_assert_eq!(&Network::<Dense>::from_json(&text).unwrap(), &dense);
            let via_serde: Network<Dense> = serde_json::from_str(&serde_json::to_string(&dense).unwrap()).unwrap();
            prop_assert_eq!(&via_serde, &dense);

            let policy = if case.self_coupling {
                hopfield_core::DiagonalPolicy::SelfCoupling
            } else {
                hopfield_core::DiagonalPolicy::Zero
            };
            let sparse = Network::with_bias(
                Sparse::from_couplings(dense.couplings(), policy).unwrap(),
                dense.bias().to_vec(),
                encoding,
            ).unwrap();
            let mut bytes = Vec::new();
            sparse.write_json(&mut bytes).unwrap();
            prop_assert_eq!(&Network::<Sparse>::read_json(bytes.as_slice()).unwrap(), &sparse);
        }
    }
}

const GOOD: &str = r#"{
  "format": "hopfield-network", "format_version": 1, "encoding": "bipolar", "n": 2,
  "diagonal": "zero", "bias": [0.0, 0.5],
  "couplings": { "kind": "dense", "weights": [[0.0, 1.0], [1.0, 0.0]] }
}"#;

fn load(text: &str) -> Result<Network<Dense>, CoreError> {
    Network::<Dense>::from_json(text)
}

#[test]
fn the_documented_example_loads() {
    let net = load(GOOD).unwrap();
    assert_eq!(net.n(), 2);
    assert_eq!(net.bias(), &[0.0, 0.5]);
}

#[test]
fn asymmetric_weights_are_rejected() {
    let text = GOOD.replace("[[0.0, 1.0], [1.0, 0.0]]", "[[0.0, 1.0], [2.0, 0.0]]");
    assert_eq!(
        load(&text).unwrap_err(),
        CoreError::Asymmetric {
            i: 0,
            j: 1,
            w_ij: 1.0,
            w_ji: 2.0
        }
    );
    let sparse = r#"{"format": "hopfield-network", "format_version": 1, "encoding": "binary",
        "n": 2, "diagonal": "zero", "bias": [0, 0],
        "couplings": {"kind": "sparse", "indptr": [0, 1, 1], "indices": [1], "values": [1.5]}}"#;
    assert!(matches!(
        Network::<Sparse>::from_json(sparse).unwrap_err(),
        CoreError::Asymmetric { i: 0, j: 1, .. }
    ));
}

#[test]
fn malformed_files_are_rejected_with_the_right_error() {
    // Not JSON, truncated, a wrong field type, a number out of range.
    for text in [
        "not json",
        &GOOD[..GOOD.len() / 2],
        &GOOD.replace("0.5]", "\"x\"]"),
        &GOOD.replace("0.5]", "1e999]"),
    ] {
        let err = load(text).unwrap_err();
        assert!(matches!(err, CoreError::Parse(_)), "{err:?}");
    }
    // A missing row, a short row, a short bias.
    let err = load(&GOOD.replace("[[0.0, 1.0], [1.0, 0.0]]", "[[0.0, 1.0]]")).unwrap_err();
    assert_eq!(
        err,
        CoreError::DimensionMismatch {
            what: "weight rows",
            expected: 2,
            found: 1
        }
    );
    let err = load(&GOOD.replace("[[0.0, 1.0], [1.0, 0.0]]", "[[0.0, 1.0], [1.0]]")).unwrap_err();
    assert_eq!(
        err,
        CoreError::DimensionMismatch {
            what: "weight row",
            expected: 2,
            found: 1
        }
    );
    let err = load(&GOOD.replace("[0.0, 0.5]", "[0.0]")).unwrap_err();
    assert_eq!(
        err,
        CoreError::DimensionMismatch {
            what: "bias",
            expected: 2,
            found: 1
        }
    );
    // A non-zero diagonal under the zero policy, a negative self-coupling.
    let err = load(&GOOD.replace("[[0.0, 1.0]", "[[3.0, 1.0]")).unwrap_err();
    assert_eq!(err, CoreError::NonZeroDiagonal { i: 0, value: 3.0 });
    let text = GOOD
        .replace("[[0.0, 1.0]", "[[-3.0, 1.0]")
        .replace("\"zero\"", "\"self_coupling\"");
    assert_eq!(
        load(&text).unwrap_err(),
        CoreError::NegativeSelfCoupling { i: 0, value: -3.0 }
    );
    // Another format, another version, the wrong kind of couplings, an unknown field.
    assert!(matches!(
        load(&GOOD.replace("\"hopfield-network\"", "\"other\"")),
        Err(CoreError::UnsupportedFormat(_))
    ));
    assert!(matches!(
        load(&GOOD.replace("\"format_version\": 1", "\"format_version\": 2")),
        Err(CoreError::UnsupportedFormat(_))
    ));
    assert!(matches!(
        Network::<Sparse>::from_json(GOOD),
        Err(CoreError::UnsupportedFormat(_))
    ));
    assert!(matches!(
        load(&GOOD.replace("\"n\": 2", "\"n\": 2, \"extra\": 1")),
        Err(CoreError::Parse(_))
    ));
    // An unknown encoding.
    assert!(matches!(
        load(&GOOD.replace("bipolar", "ternary")),
        Err(CoreError::Parse(_))
    ));
    // Errors read well.
    let message = load(&GOOD.replace("[[0.0, 1.0], [1.0, 0.0]]", "[[0.0, 1.0], [2.0, 0.0]]"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "weights are not symmetric: w[0][1] = 1 but w[1][0] = 2"
    );
}
