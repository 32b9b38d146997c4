//! `reproduce-tables --quick` end to end: every table and figure is in the report, and the
//! records made with 1 and 2 threads are identical.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use hopfield_bench::{Paths, RunOptions, run_all};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The TSPLIB files: `datasets/tsplib` (after `cargo xtask fetch-tsplib`) or the mirror.
fn datasets() -> Option<PathBuf> {
    let candidates = [
        workspace().join("datasets/tsplib"),
        workspace().join("../shared/datasets/tsplib"),
    ];
    let found = candidates
        .into_iter()
        .find(|d| d.join("burma14.tsp").exists() && d.join("ulysses22.tsp").exists());
    if found.is_none() {
        assert!(
            std::env::var("HOPFIELD_REQUIRE_DATASETS").as_deref() != Ok("1"),
            "HOPFIELD_REQUIRE_DATASETS=1 but no TSPLIB files were found"
        );
        eprintln!("skipped: no TSPLIB files (run `cargo xtask fetch-tsplib`)");
    }
    found
}

fn quick_run(threads: usize, out: &Path, datasets: &Path) {
    let paths = Paths {
        defs: workspace().join("benchmarks"),
        out: out.to_path_buf(),
        datasets: datasets.to_path_buf(),
    };
    let options = RunOptions {
        quick: true,
        trials: None,
        seed: None,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| run_all(&paths, &options, None))
        .unwrap();
}

/// The files that must not depend on the thread count (not wall times or provenance).
const RECORDS: [&str; 10] = [
    "tsp.jsonl",
    "tsp.references.json",
    "queens.jsonl",
    "hitchcock.jsonl",
    "hitchcock.optima.json",
    "memory.json",
    "readings-tsp.jsonl",
    "readings-queens.jsonl",
    "readings-hitchcock.jsonl",
    "readings.references.json",
];

#[test]
fn quick_reproduction_has_every_table_and_is_thread_count_independent() {
    let Some(datasets) = datasets() else { return };
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    quick_run(1, one.path(), &datasets);
    quick_run(2, two.path(), &datasets);
    for file in RECORDS {
        let a = std::fs::read(one.path().join(file)).unwrap();
        let b = std::fs::read(two.path().join(file)).unwrap();
        assert!(!a.is_empty(), "{file} is empty");
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
    let report = std::fs::read_to_string(one.path().join("REPORT.md")).unwrap();
    for heading in [
        "## Table 1 (seed 002): TSP",
        "### burma14",
        "### ulysses22",
        "## N-Queens",
        "### Experiment 1",
        "### Experiment 2",
        "### L1: 己 已 巳",
        "### L2: A, AB",
        "### Recall panel",
        "### Capacity",
        "## Readings of T",
        "### Finalists at the paper's protocol",
        "### The best reading beside the paper",
        "### Conclusion",
    ] {
        assert!(report.contains(heading), "the report has no {heading:?}");
    }
    assert!(!report.contains("## Not run"));
    assert!(!report.contains("**Skipped:**"));
    for figure in [
        "tsp-burma14.svg",
        "tsp-ulysses22.svg",
        "tsp-eil51.svg",
        "tsp-success-vs-time.svg",
        "hitchcock-success-vs-time.svg",
        "queens-solved.svg",
        "queens-tunnels.svg",
        "hitchcock-1.svg",
        "hitchcock-2.svg",
        "recall-panel.png",
        "capacity.svg",
        "capacity-fixed.svg",
        "readings-tsp-burma14.svg",
        "readings-queens-solved.svg",
        "readings-queens-counts.svg",
        "readings-hitchcock-2.svg",
    ] {
        let path = one.path().join("figures").join(figure);
        assert!(path.exists(), "figure {figure} is missing");
        assert!(
            report.contains(&format!("figures/{figure}")),
            "the report does not show {figure}"
        );
    }
    // Every method has its trials in every TSP cell: burma14 and ulysses22 with the paper's
    // three methods and ours (12 quick trials), eil51, berlin52 and eil76 with ours (1 trial).
    let rows = std::fs::read_to_string(one.path().join("tsp.jsonl")).unwrap();
    assert_eq!(rows.lines().count(), 2 * 4 * 12 + 3);

    // Rebuilding the report from the record alone gives the same text.
    hopfield_bench::write_report(one.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(one.path().join("REPORT.md")).unwrap(),
        report
    );
}

#[test]
fn a_missing_dataset_skips_the_tsp_table_and_says_how_to_fix_it() {
    let out = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let paths = Paths {
        defs: workspace().join("benchmarks"),
        out: out.path().to_path_buf(),
        datasets: empty.path().to_path_buf(),
    };
    let options = RunOptions {
        quick: true,
        trials: Some(2),
        seed: None,
    };
    run_all(&paths, &options, Some("tsp")).unwrap();
    let report = std::fs::read_to_string(out.path().join("REPORT.md")).unwrap();
    assert!(report.contains("**Skipped:**") && report.contains("fetch-tsplib"));
    // A resumed run must ask the same options.
    let other = RunOptions {
        quick: true,
        trials: Some(3),
        seed: None,
    };
    let err = run_all(&paths, &other, Some("tsp"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("other options"), "{err}");
    assert!(run_all(&paths, &options, Some("nope")).is_err());
}

#[test]
fn definitions_accept_any_tsplib_file_and_transportation_file() {
    let dir = tempfile::tempdir().unwrap();
    let defs = dir.path().join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    for table in hopfield_bench::TABLES {
        std::fs::copy(
            workspace().join(format!("benchmarks/{table}.toml")),
            defs.join(format!("{table}.toml")),
        )
        .unwrap();
    }
    let tsp_file = dir.path().join("square5.tsp");
    std::fs::write(
        &tsp_file,
        "NAME: square5\nTYPE: TSP\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n\
         1 0 0\n2 3 0\n3 3 4\n4 0 4\n5 -2 2\nEOF\n",
    )
    .unwrap();
    let transport_file = dir.path().join("tiny.toml");
    std::fs::write(
        &transport_file,
        "name = \"tiny\"\nsupply = [3, 2]\ndemand = [2, 3]\ncost = [[1, 4], [3, 1]]\n",
    )
    .unwrap();
    std::fs::write(
        defs.join("tsp.toml"),
        format!(
            "title = \"custom TSP\"\nseed = 1\nnear_ratio = 1.02\n[budget]\ntrials = 3\nquick_trials = 3\n\
             [[method]]\nname = \"ours\"\nlabel = \"Ours\"\npaper = \"none\"\nkind = \"moves\"\n\
             spec = {{ name = \"tour-moves\", moves_per_step = 4, period = 500 }}\n\
             [[instance]]\nname = \"square5\"\npath = {:?}\ndistances = \"official\"\n\
             t_max = 500\nquick_t_max = 500\np_init = 0.5\n",
            tsp_file.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        defs.join("hitchcock.toml"),
        format!(
            "title = \"custom transport\"\nseed = 1\n[budget]\ntrials = 3\nquick_trials = 3\n\
             [[method]]\nname = \"ours\"\nlabel = \"Ours\"\npaper = \"none\"\nkind = \"moves\"\n\
             spec = {{ name = \"transport-cycles\", moves_per_step = 4, period = 500 }}\n\
             [[experiment]]\nid = 7\nfile = {:?}\nt_max = 500\nquick_t_max = 500\np_init = 0.5\n",
            transport_file.display().to_string()
        ),
    )
    .unwrap();
    let paths = Paths {
        defs,
        out: dir.path().join("out"),
        datasets: dir.path().join("no-datasets-needed"),
    };
    let options = RunOptions {
        quick: true,
        trials: None,
        seed: None,
    };
    run_all(&paths, &options, Some("tsp")).unwrap();
    run_all(&paths, &options, Some("hitchcock")).unwrap();
    let report = std::fs::read_to_string(paths.out.join("REPORT.md")).unwrap();
    // Square 3 × 4 plus a detour to (−2, 2): 3 + 4 + 3 + nint(√8) + nint(√8) = 16 (EUC_2D).
    assert!(
        report.contains(
            "### square5 (official TSPLIB distances, t_max = 500; optimum: Held–Karp 16.0000)"
        ),
        "{report}"
    );
    // The LP optimum of the tiny instance: ship 2 on (0,0), 1 on (0,1), 2 on (1,1): 2 + 4 + 2 = 8.
    assert!(
        report.contains("### Experiment 7 (t_max = 500; LP optimum 8)"),
        "{report}"
    );
}
