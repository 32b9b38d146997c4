//! TSPLIB parsing, distance conventions and tours: the embedded instances, malformed
//! fixtures, limits, precision and tour validation. Tests on fetched instances are in
//! `tests/datasets.rs`.

use std::path::{Path, PathBuf};

use hopfield_opt::OptError;
use hopfield_opt::tsplib::{Convention, EdgeWeightType, Instance, Tour, tour_length};
use nalgebra::DMatrix;

/// A hand-written fixture. They end in `.txt` so that nothing in the repository looks like a
/// TSPLIB file (datasets are fetched, never committed).
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(format!("{name}.txt"))
}

/// The parse error of a fixture: (file, line, reason).
fn parse_error(err: OptError) -> (String, Option<usize>, String) {
    match err {
        OptError::Parse { file, line, reason } => (file, line, reason),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn instance_error(name: &str) -> (String, Option<usize>, String) {
    let err = Instance::from_path(&fixture(name)).unwrap_err();
    let msg = err.to_string();
    let (file, line, reason) = parse_error(err);
    assert!(
        file.ends_with(&format!("{name}.txt")),
        "error should name the file: {msg}"
    );
    (file, line, reason)
}

fn tour_error(name: &str) -> (String, Option<usize>, String) {
    let err = Tour::from_path(&fixture(name)).unwrap_err();
    let msg = err.to_string();
    let (file, line, reason) = parse_error(err);
    assert!(
        file.ends_with(&format!("{name}.txt")),
        "error should name the file: {msg}"
    );
    (file, line, reason)
}

// ------------------------------------------------------------------------------------------------
// The embedded instances (the instances beyond them: tests/datasets.rs)

#[test]
fn embedded_instances_and_their_headers() {
    let inst = Instance::embedded("burma14").unwrap();
    assert_eq!(inst.name, "burma14");
    assert_eq!(inst.dimension, 14);
    assert_eq!(inst.edge_weight_type, EdgeWeightType::Geo);
    assert_eq!(
        inst.comment.as_deref(),
        Some("14-Staedte in Burma (Zaw Win)")
    );
    let coords = inst.coords.as_ref().unwrap();
    assert_eq!(coords.len(), 14);
    assert_eq!(coords[0], [16.47, 96.10]);
    assert_eq!(coords[13], [20.09, 94.55]);
    let ulysses = Instance::embedded("ulysses22").unwrap();
    assert_eq!(
        (ulysses.dimension, ulysses.edge_weight_type),
        (22, EdgeWeightType::Geo)
    );
    let err = Instance::embedded("eil51").unwrap_err().to_string();
    assert!(
        err.contains("burma14, ulysses22") && err.contains("from_path"),
        "{err}"
    );
}

// ------------------------------------------------------------------------------------------------
// Distances and precision

#[test]
fn small_fixture_distances_and_one_line_tour() {
    let inst = Instance::from_path(&fixture("square4.tsp")).unwrap();
    assert_eq!(inst.dimension, 4);
    let raw = inst.distance_matrix(Convention::RawEuclidean).unwrap();
    assert_eq!(raw[(0, 2)], 5.0);
    assert_eq!(raw[(0, 1)], 3.0);
    let tour = Tour::from_path(&fixture("square4_oneline.tour")).unwrap();
    assert_eq!(tour.one_based(), vec![1, 3, 2, 4]);
    assert_eq!(tour.order, vec![0, 2, 1, 3]);
    // 1→3 (5) + 3→2 (4) + 2→4 (5) + 4→1 (4)
    assert_eq!(tour.length(&raw).unwrap(), 18.0);
    assert_eq!(tour_length(&raw, &[0, 1, 2, 3]).unwrap(), 14.0);
}

#[test]
fn coordinates_keep_f64_precision() {
    // f32 would store 5000000.3 as 5000000.5 and EUC_2D would round to 5000001.
    let text = "NAME: big\nTYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\n\
                NODE_COORD_SECTION\n1 0 0\n2 5000000.3 0\nEOF\n";
    let inst = Instance::parse(text, "big").unwrap();
    assert_eq!(inst.coords.as_ref().unwrap()[1], [5000000.3, 0.0]);
    let d = inst.distance_matrix(Convention::Official).unwrap();
    assert_eq!(d[(0, 1)], 5000000.0);
    let raw = inst.distance_matrix(Convention::RawEuclidean).unwrap();
    assert_eq!(raw[(0, 1)], 5000000.3);
}

/// Coordinates of ±1e308 used to give distance matrices with inf and NaN entries.
#[test]
fn huge_coordinates_are_rejected_where_they_enter() {
    let text = "NAME: huge\nTYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\n\
                NODE_COORD_SECTION\n1 -1e308 0\n2 1e308 0\nEOF\n";
    let err = Instance::parse(text, "huge.tsp").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, OptError::Parse { line: Some(6), .. })
            && msg.contains("beyond ±1e150")
            && msg.contains("rescale"),
        "{msg}"
    );
    assert!(Instance::from_coords("huge", vec![[-1e308, 0.0], [1e308, 0.0]], None).is_err());
    // The largest accepted magnitude still gives finite distances under every rule.
    let edge = Instance::from_coords(
        "edge",
        vec![[-1e150, -1e150], [1e150, 1e150]],
        Some(EdgeWeightType::Att),
    )
    .unwrap();
    for convention in [Convention::Official, Convention::RawEuclidean] {
        let d = edge.distance_matrix(convention).unwrap();
        assert!(d.iter().all(|v| v.is_finite()), "{convention:?}");
    }
    // Fields set directly are checked when the matrix is built.
    let mut bad = edge;
    bad.coords = Some(vec![[-1e308, 0.0], [1e308, 0.0]]);
    let msg = bad
        .distance_matrix(Convention::RawEuclidean)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("cities 2 and 1 is inf"), "{msg}");
}

/// An explicit weight of 18446744073709551615 used to be rounded silently to 1.8446744073709552e19.
#[test]
fn explicit_weights_beyond_2_pow_53_are_rejected() {
    let text = |w: &str| {
        format!(
            "NAME: w\nTYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EXPLICIT\n\
             EDGE_WEIGHT_FORMAT: UPPER_ROW\nEDGE_WEIGHT_SECTION\n{w}\nEOF\n"
        )
    };
    for w in [
        "18446744073709551615",
        "9007199254740993",
        "99999999999999999999999",
    ] {
        let msg = Instance::parse(&text(w), "w.tsp").unwrap_err().to_string();
        assert!(
            msg.contains("w.tsp:7") && msg.contains("above 9007199254740992 (2^53)"),
            "{w}: {msg}"
        );
    }
    let ok = Instance::parse(&text("9007199254740992"), "w.tsp").unwrap();
    let d = ok.distance_matrix(Convention::Official).unwrap();
    assert_eq!(d[(0, 1)], 9_007_199_254_740_992.0);
    assert!(Instance::parse(&text("-3"), "w.tsp").is_err());
}

#[test]
fn official_rules() {
    let pts = vec![[0.0, 0.0], [1.0, 1.0], [10.0, 0.0]];
    let check = |t: EdgeWeightType, d01: f64, d02: f64| {
        let inst = Instance::from_coords("t", pts.clone(), Some(t)).unwrap();
        let d = inst.distance_matrix(Convention::Official).unwrap();
        assert_eq!((d[(0, 1)], d[(0, 2)], d[(1, 1)]), (d01, d02, 0.0), "{t}");
    };
    check(EdgeWeightType::Euc2d, 1.0, 10.0); // √2 → 1
    check(EdgeWeightType::Ceil2d, 2.0, 10.0);
    check(EdgeWeightType::Att, 1.0, 4.0); // √(2/10) = .447 → t = 0 < r → 1; √10 → 4
    check(EdgeWeightType::Man2d, 2.0, 10.0);
    check(EdgeWeightType::Max2d, 1.0, 10.0);
    // GEO: 10° of latitude at RRR = 6378.388 with PI = 3.141592 is 1113.2 km → (int)(… + 1).
    check(EdgeWeightType::Geo, 158.0, 1114.0);
}

#[test]
fn geo_truncates_degrees() {
    // 10.59 means 10°59'; rounding the degrees (11) would give 11°(−0.41·100)' instead.
    let a = Instance::from_coords(
        "a",
        vec![[10.59, 0.0], [11.0, 0.0]],
        Some(EdgeWeightType::Geo),
    )
    .unwrap()
    .distance_matrix(Convention::Official)
    .unwrap();
    // 1' of arc ≈ 1.855 km → (int)(1.855 + 1) = 2.
    assert_eq!(a[(0, 1)], 2.0);
}

#[test]
fn explicit_instance() {
    let inst = Instance::from_path(&fixture("explicit3.tsp")).unwrap();
    assert_eq!(inst.edge_weight_type, EdgeWeightType::Explicit);
    assert!(inst.coords.is_none());
    let d = inst.distance_matrix(Convention::Official).unwrap();
    let expected = DMatrix::from_row_slice(3, 3, &[0., 10., 20., 10., 0., 30., 20., 30., 0.]);
    assert_eq!(d, expected);
    assert_eq!(tour_length(&d, &[0, 1, 2]).unwrap(), 60.0);
    let err = inst.distance_matrix(Convention::RawEuclidean).unwrap_err();
    assert!(matches!(err, OptError::InvalidParameter { .. }), "{err}");
}

// ------------------------------------------------------------------------------------------------
// Malformed instances

#[test]
fn missing_section() {
    let (_, _, reason) = instance_error("missing_section.tsp");
    assert!(reason.contains("missing NODE_COORD_SECTION"), "{reason}");
}

#[test]
fn wrong_dimension() {
    let (_, line, reason) = instance_error("wrong_dimension.tsp");
    assert_eq!(line, Some(9));
    assert!(reason.contains("4 cities but DIMENSION is 5"), "{reason}");
}

#[test]
fn non_numeric_coordinate() {
    let (_, line, reason) = instance_error("non_numeric.tsp");
    assert_eq!(line, Some(7));
    assert!(
        reason.contains("`zero`") && reason.contains("not a number"),
        "{reason}"
    );
}

#[test]
fn truncated_mid_line() {
    let (_, line, reason) = instance_error("truncated.tsp");
    assert_eq!(line, Some(8));
    assert!(reason.contains("2 field(s)"), "{reason}");
}

#[test]
fn truncated_after_a_line() {
    let (_, line, reason) = instance_error("truncated_lines.tsp");
    assert_eq!(line, Some(7));
    assert!(reason.contains("2 cities but DIMENSION is 4"), "{reason}");
    assert!(reason.contains("truncated"), "{reason}");
}

#[test]
fn duplicate_city() {
    let (_, line, reason) = instance_error("duplicate_city.tsp");
    assert_eq!(line, Some(8));
    assert!(reason.contains("city 2 appears twice"), "{reason}");
}

#[test]
fn function_format_with_weight_section_is_an_error_not_a_panic() {
    let (_, line, reason) = instance_error("function_weights.tsp");
    assert_eq!(line, Some(6));
    assert!(reason.contains("FUNCTION"), "{reason}");
}

#[test]
fn other_malformed_inputs() {
    let cases: &[(&str, Option<usize>, &str)] = &[
        ("", None, "empty input"),
        ("\n  \n", None, "empty input"),
        (
            "NAME: x\nTYPE: TSP\nEDGE_WEIGHT_TYPE: EUC_2D\n",
            None,
            "missing DIMENSION",
        ),
        (
            "NAME: x\nDIMENSION: 2\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n",
            None,
            "missing EDGE_WEIGHT_TYPE",
        ),
        (
            "DIMENSION: two\nEDGE_WEIGHT_TYPE: EUC_2D\n",
            Some(1),
            "DIMENSION",
        ),
        (
            "DIMENSION: 0\nEDGE_WEIGHT_TYPE: EUC_2D\n",
            Some(1),
            "DIMENSION",
        ),
        ("DIMENSION: 2\nDIMENSION: 2\n", Some(2), "appears twice"),
        (
            "DIMENSION: 2\nEDGE_WEIGHT_TYPE: XRAY1\n",
            Some(2),
            "unsupported edge weight type",
        ),
        (
            "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_3D\n",
            Some(2),
            "unsupported edge weight type",
        ),
        ("DIMENSION: 2\nFOO: bar\n", Some(2), "unknown keyword"),
        ("TYPE: TOUR\nDIMENSION: 2\n", Some(1), "tour file"),
        ("DIMENSION: 2\n1 0 0\n", Some(2), "outside any section"),
        (
            "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n3 1 1\n",
            Some(5),
            "outside 1..=2",
        ),
        (
            "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 NaN\n",
            Some(5),
            "not finite",
        ),
        (
            "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\n",
            Some(6),
            "outside 1..=2",
        ),
        (
            "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\n\
             EDGE_WEIGHT_SECTION\n1 2\n",
            Some(5),
            "has 2 values but UPPER_ROW needs 3",
        ),
        (
            "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\n\
             EDGE_WEIGHT_SECTION\n1 2 3 4\n",
            Some(5),
            "more than the 3 values",
        ),
        (
            "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\n\
             EDGE_WEIGHT_SECTION\n1 -2 3\n",
            Some(5),
            "not a non-negative integer",
        ),
        (
            "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\n",
            Some(2),
            "EDGE_WEIGHT_SECTION is missing",
        ),
        (
            "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_SECTION\n1 2 3\n",
            Some(3),
            "without EDGE_WEIGHT_FORMAT",
        ),
        (
            "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nEDGE_WEIGHT_FORMAT: UPPER_ROW\n\
             EDGE_WEIGHT_SECTION\n1 2 3\n",
            Some(4),
            "EDGE_WEIGHT_TYPE is EUC_2D",
        ),
        (
            "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nFIXED_EDGES_SECTION\n1 2\n-1\n",
            Some(3),
            "unsupported section",
        ),
    ];
    for &(text, line, needle) in cases {
        let err = Instance::parse(text, "inline.tsp").unwrap_err();
        let msg = err.to_string();
        let (file, l, reason) = parse_error(err);
        assert_eq!(file, "inline.tsp");
        assert_eq!(l, line, "line of `{msg}` for {text:?}");
        assert!(
            reason.contains(needle),
            "`{msg}` should mention `{needle}` for {text:?}"
        );
    }
}

#[test]
fn unreadable_and_non_utf8_files() {
    let err = Instance::from_path(Path::new("/nonexistent/x.tsp")).unwrap_err();
    assert!(
        matches!(&err, OptError::Io { path, .. } if path.contains("x.tsp")),
        "{err}"
    );
    let err = Tour::from_path(Path::new("/nonexistent/x.tour")).unwrap_err();
    assert!(matches!(err, OptError::Io { .. }), "{err}");
    let path = std::env::temp_dir().join(format!("hopfield-opt-{}-latin1.tsp", std::process::id()));
    std::fs::write(&path, b"NAME: x\nCOMMENT: Stra\xdfe\nDIMENSION: 1\n").unwrap();
    let err = Instance::from_path(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let (file, line, reason) = parse_error(err);
    assert!(file.ends_with("latin1.tsp"));
    assert_eq!(line, Some(2));
    assert!(reason.contains("UTF-8"), "{reason}");
}

// ------------------------------------------------------------------------------------------------
// Tours

#[test]
fn tour_repeated_city() {
    let (_, line, reason) = tour_error("tour_repeated.tour");
    assert_eq!(line, Some(7));
    assert!(reason.contains("city 2 is visited twice"), "{reason}");
}

#[test]
fn tour_out_of_range_city() {
    let (_, line, reason) = tour_error("tour_out_of_range.tour");
    assert_eq!(line, Some(7));
    assert!(reason.contains("city 5 is outside 1..=4"), "{reason}");
}

#[test]
fn tour_wrong_count() {
    let (_, line, reason) = tour_error("tour_wrong_count.tour");
    assert_eq!(line, Some(8));
    assert!(reason.contains("3 cities but DIMENSION is 4"), "{reason}");
}

#[test]
fn tour_variants() {
    // No DIMENSION, several per line, double -1 terminator, no EOF.
    let t = Tour::parse("TYPE: TOUR\nTOUR_SECTION\n2 1\n3\n-1\n-1\n", "t").unwrap();
    assert_eq!(t.order, vec![1, 0, 2]);
    assert_eq!(t.name, "t");
    let bad: &[(&str, Option<usize>, &str)] = &[
        ("", None, "empty input"),
        ("TYPE: TOUR\nDIMENSION: 2\n", None, "missing TOUR_SECTION"),
        (
            "TYPE: TSP\nTOUR_SECTION\n1 2 -1\n",
            Some(1),
            "expected TOUR",
        ),
        ("TOUR_SECTION\n1 2 -1 2 1 -1\n", Some(2), "only one tour"),
        ("TOUR_SECTION\n1 x -1\n", Some(2), "not a positive integer"),
        ("TOUR_SECTION\n0 1 -1\n", Some(2), "city 0 is outside"),
        ("TOUR_SECTION\n-1\n", Some(1), "empty"),
        ("DIMENSION: 3\nTOUR_SECTION\n1\n2\n", Some(4), "truncated"),
    ];
    for &(text, line, needle) in bad {
        let err = Tour::parse(text, "inline.tour").unwrap_err();
        let msg = err.to_string();
        let (_, l, reason) = parse_error(err);
        assert_eq!(l, line, "line of `{msg}` for {text:?}");
        assert!(
            reason.contains(needle),
            "`{msg}` should mention `{needle}` for {text:?}"
        );
    }
}

#[test]
fn tour_length_validates_its_input() {
    let d = DMatrix::from_element(3, 3, 1.0);
    assert_eq!(tour_length(&d, &[2, 0, 1]).unwrap(), 3.0);
    for order in [&[0, 1][..], &[0, 1, 1], &[0, 1, 3], &[0, 1, 2, 0]] {
        let err = tour_length(&d, order).unwrap_err();
        assert!(matches!(err, OptError::InvalidParameter { .. }), "{err}");
    }
    let rect = DMatrix::from_element(2, 3, 1.0);
    assert!(tour_length(&rect, &[0, 1]).is_err());
    assert!(tour_length(&DMatrix::zeros(0, 0), &[]).is_err());
    // A tour of another instance's size is rejected.
    let t = Tour::parse("TOUR_SECTION\n1 2 3 4 -1\n", "t").unwrap();
    assert!(t.length(&d).is_err());
}
