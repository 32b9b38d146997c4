//! `reproduce-tables --quick` end to end, with no downloaded data: every table and figure is
//! in the report (burma14 and ulysses22 from the embedded copies), the instances beyond the
//! paper are skipped with the command that fetches them, and the records made with 1 and 2
//! threads, and merged from 2 and 3 shards, are byte-identical.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use hopfield_bench::shard::{Shard, merge};
use hopfield_bench::{Paths, RunOptions, run_all, write_report};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn paths(defs: &Path, out: &Path, datasets: &Path) -> Paths {
    Paths {
        defs: defs.to_path_buf(),
        out: out.to_path_buf(),
        datasets: datasets.to_path_buf(),
        reference: None,
    }
}

fn quick(shard: Option<Shard>) -> RunOptions {
    RunOptions {
        quick: true,
        trials: None,
        seed: None,
        shard,
    }
}

fn run_with(threads: usize, paths: &Paths, options: &RunOptions) {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| run_all(paths, options, None))
        .unwrap();
}

/// The files that must not depend on the thread count or sharding (not wall times or
/// provenance).
const RECORDS: [&str; 12] = [
    "tsp.jsonl",
    "tsp.references.json",
    "queens.jsonl",
    "hitchcock.jsonl",
    "hitchcock.optima.json",
    "memory.json",
    "capacity.json",
    "run-options.json",
    "readings-tsp.jsonl",
    "readings-queens.jsonl",
    "readings-hitchcock.jsonl",
    "readings.references.json",
];

fn assert_same_records(a: &Path, b: &Path, what: &str) {
    for file in RECORDS {
        let x = std::fs::read(a.join(file)).unwrap();
        let y = std::fs::read(b.join(file)).unwrap();
        assert!(!x.is_empty(), "{file} is empty");
        assert!(x == y, "{file} differs: {what}");
    }
}

#[test]
fn quick_reproduction_is_offline_thread_count_independent_and_shardable() {
    let defs = workspace().join("benchmarks");
    let no_data = tempfile::tempdir().unwrap();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    run_with(1, &paths(&defs, one.path(), no_data.path()), &quick(None));
    run_with(2, &paths(&defs, two.path(), no_data.path()), &quick(None));
    assert_same_records(one.path(), two.path(), "1 and 2 threads");

    let report = std::fs::read_to_string(one.path().join("REPORT.md")).unwrap();
    for heading in [
        "## Table 1 (Matsumoto et al. 2004): TSP",
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
        "## Capacity against theory",
    ] {
        assert!(report.contains(heading), "the report has no {heading:?}");
    }
    assert!(!report.contains("## Not run"));
    // Offline: only the instances beyond the paper are skipped, each with its fix.
    for name in ["eil51", "berlin52", "eil76"] {
        assert!(
            report.contains(&format!("### {name}\n\n**Skipped:**"))
                && report.contains(&format!("cargo xtask fetch-tsplib {name}`")),
            "{name} is not skipped with its fix:\n{report}"
        );
    }
    assert_eq!(report.matches("**Skipped:**").count(), 3);
    for figure in [
        "tsp-burma14.svg",
        "tsp-ulysses22.svg",
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
        "capacity-hebbian-overlap.svg",
        "capacity-hebbian-retrieved.svg",
        "capacity-storage.svg",
        "capacity-kappa.svg",
    ] {
        let path = one.path().join("figures").join(figure);
        assert!(path.exists(), "figure {figure} is missing");
        assert!(
            report.contains(&format!("figures/{figure}")),
            "the report does not show {figure}"
        );
    }
    // burma14 and ulysses22 with the paper's three methods and ours, 12 quick trials each.
    let rows = std::fs::read_to_string(one.path().join("tsp.jsonl")).unwrap();
    assert_eq!(rows.lines().count(), 2 * 4 * 12);

    // Rebuilding the report from the record alone gives the same text.
    write_report(one.path(), None).unwrap();
    assert_eq!(
        std::fs::read_to_string(one.path().join("REPORT.md")).unwrap(),
        report
    );
    // Compared with an identical record, every table says so.
    write_report(two.path(), Some(one.path())).unwrap();
    let compared = std::fs::read_to_string(two.path().join("REPORT.md")).unwrap();
    let section = compared
        .split("## Comparison with the reference record")
        .nth(1)
        .unwrap();
    for file in RECORDS.iter().filter(|f| **f != "run-options.json") {
        assert!(
            section.contains(&format!("`{file}`: **byte-identical**")),
            "{file}:\n{section}"
        );
    }

    // Shards 2 and 3 ways, merged, give the unsharded record byte for byte (on 3 trials per
    // cell, to keep the test short).
    let few = |shard| RunOptions {
        trials: Some(3),
        ..quick(shard)
    };
    let whole = tempfile::tempdir().unwrap();
    run_with(2, &paths(&defs, whole.path(), no_data.path()), &few(None));
    for count in [2, 3] {
        let dir = tempfile::tempdir().unwrap();
        let mut shard_dirs = Vec::new();
        for index in (1..=count).rev() {
            let out = dir.path().join(format!("shard-{index}"));
            let shard = Shard { index, count };
            run_with(2, &paths(&defs, &out, no_data.path()), &few(Some(shard)));
            shard_dirs.push(out);
        }
        let merged = dir.path().join("merged");
        merge(&shard_dirs, &merged).unwrap();
        assert_same_records(
            whole.path(),
            &merged,
            &format!("merged from {count} shards"),
        );
        write_report(&merged, None).unwrap();
        let report = std::fs::read_to_string(merged.join("REPORT.md")).unwrap();
        assert!(
            report.contains(&format!("(shard {count}/{count})")),
            "{report}"
        );
        // Merging again into the same folder, or with a shard missing, is refused.
        assert!(merge(&shard_dirs, &merged).is_err());
        let err = merge(&shard_dirs[1..], &dir.path().join("partial"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exactly once"), "{err}");
    }
}

#[test]
fn resuming_needs_the_same_options_and_code() {
    let defs = workspace().join("benchmarks");
    let out = tempfile::tempdir().unwrap();
    let no_data = tempfile::tempdir().unwrap();
    let paths = paths(&defs, out.path(), no_data.path());
    let options = RunOptions {
        quick: true,
        trials: Some(2),
        seed: None,
        shard: None,
    };
    run_all(&paths, &options, Some("hitchcock")).unwrap();
    // Another trial count is refused.
    let other = RunOptions {
        trials: Some(3),
        ..options.clone()
    };
    let err = run_all(&paths, &other, Some("hitchcock"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("other options"), "{err}");
    // A record started by other code is refused, and the message gives the ways out.
    let meta_path = out.path().join("meta.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&meta).unwrap();
    value["commit"] = serde_json::Value::String("0123abc".into());
    std::fs::write(&meta_path, value.to_string()).unwrap();
    let err = run_all(&paths, &options, Some("hitchcock"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("started from 0123abc") && err.contains("--fresh"),
        "{err}"
    );
    std::fs::write(&meta_path, meta).unwrap();
    // The same code resumes, and the report lists both sessions.
    run_all(&paths, &options, Some("hitchcock")).unwrap();
    let report = std::fs::read_to_string(out.path().join("REPORT.md")).unwrap();
    assert!(report.contains("written in 2 sessions"), "{report}");
    assert!(run_all(&paths, &options, Some("nope")).is_err());
}

/// Copies the committed definitions into a folder, replacing `table.toml` by `text`.
fn defs_with(dir: &Path, table: &str, text: &str) -> PathBuf {
    let defs = dir.join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    for t in hopfield_bench::TABLES {
        std::fs::copy(
            workspace().join(format!("benchmarks/{t}.toml")),
            defs.join(format!("{t}.toml")),
        )
        .unwrap();
    }
    std::fs::write(defs.join(format!("{table}.toml")), text).unwrap();
    defs
}

#[test]
fn bad_definitions_fail_before_anything_runs() {
    let committed = |t: &str| {
        std::fs::read_to_string(workspace().join(format!("benchmarks/{t}.toml"))).unwrap()
    };
    let cases = [
        (
            "tsp",
            committed("tsp").replacen(
                "methods = [\"conventional\", \"tunnel-literal\", \"tunnel-per-dim\", \"ours-small\"]",
                "methods = [\"nope\"]",
                1,
            ),
            "unknown method \"nope\"",
        ),
        (
            "tsp",
            committed("tsp").replace("near_ratio = 1.02", "near_ratio = nan"),
            "near_ratio = NaN",
        ),
        (
            "queens",
            committed("queens").replace("large_methods = [\"ours\"]", "large_methods = [\"nope\"]"),
            "large_methods: unknown method \"nope\"",
        ),
        (
            "queens",
            committed("queens").replace("large_n = [100, 1000]", "large_n = [100000]"),
            "limits.max_neurons",
        ),
        (
            "queens",
            committed("queens").replace("t_max_per_n2 = 20", "t_max_per_n2 = 1152921504606846976"),
            "overflows 64 bits",
        ),
        (
            "queens",
            committed("queens").replace("n_min = 4", "n_min = 40"),
            "n_min = 40 is larger than n_max = 30",
        ),
        (
            "memory",
            committed("memory").replace("capacity_alpha_max = 0.3", "capacity_alpha_max = 1e17"),
            "limits.max_patterns",
        ),
        (
            "memory",
            committed("memory").replace("capacity_alpha_max = 0.3", "capacity_alpha_max = nan"),
            "capacity_alpha_max = NaN",
        ),
    ];
    for (table, text, expected) in cases {
        assert!(
            text != committed(table),
            "the case {expected:?} changed nothing"
        );
        let dir = tempfile::tempdir().unwrap();
        let defs = defs_with(dir.path(), table, &text);
        let out = dir.path().join("out");
        let err = run_all(&paths(&defs, &out, dir.path()), &quick(None), None).unwrap_err();
        let err = format!("{err:#}");
        assert!(
            err.contains(expected) && err.contains(&format!("{table}.toml")),
            "{expected:?} not in {err}"
        );
        assert!(!out.exists(), "{expected}: the record folder was created");
    }
}

#[test]
fn definitions_accept_any_tsplib_file_and_transportation_file() {
    let dir = tempfile::tempdir().unwrap();
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
    let defs = defs_with(
        dir.path(),
        "tsp",
        &format!(
            "title = \"custom TSP\"\nseed = 1\nnear_ratio = 1.02\n[budget]\ntrials = 3\nquick_trials = 3\n\
             [[method]]\nname = \"ours\"\nlabel = \"Ours\"\npaper = \"none\"\nkind = \"moves\"\n\
             spec = {{ name = \"tour-moves\", moves_per_step = 4, period = 500 }}\n\
             [[instance]]\nname = \"square5\"\npath = {:?}\ndistances = \"official\"\n\
             t_max = 500\nquick_t_max = 500\np_init = 0.5\n\
             [[instance]]\nname = \"gone\"\npath = \"/nonexistent/gone.tsp\"\n\
             t_max = 500\nquick_t_max = 500\np_init = 0.5\n",
            tsp_file.display().to_string()
        ),
    );
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
    let paths = paths(
        &defs,
        &dir.path().join("out"),
        &dir.path().join("no-datasets-needed"),
    );
    run_all(&paths, &quick(None), Some("tsp")).unwrap();
    run_all(&paths, &quick(None), Some("hitchcock")).unwrap();
    let report = std::fs::read_to_string(paths.out.join("REPORT.md")).unwrap();
    // Square 3 × 4 plus a detour to (−2, 2): 3 + 4 + 3 + nint(√8) + nint(√8) = 16 (EUC_2D).
    assert!(
        report.contains(
            "### square5 (official TSPLIB distances, t_max = 500; optimum: Held–Karp 16.0000)"
        ),
        "{report}"
    );
    assert!(
        report.contains("### gone\n\n**Skipped:** /nonexistent/gone.tsp does not exist"),
        "{report}"
    );
    // The LP optimum of the tiny instance: ship 2 on (0,0), 1 on (0,1), 2 on (1,1): 2 + 4 + 2 = 8.
    assert!(
        report.contains("### Experiment 7 (t_max = 500; LP optimum 8)"),
        "{report}"
    );
}
