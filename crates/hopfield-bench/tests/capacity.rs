//! The quick "Capacity against theory" section: it runs in seconds, its record has the
//! declared shape and does not depend on the thread count, and its report shows the figures
//! and the measured critical loads beside the theory.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use hopfield_bench::experiments::capacity::{CapacityDef, CapacityResults};
use hopfield_bench::{Paths, RunOptions, run_all};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn quick_capacity(threads: usize, out: &Path) {
    let paths = Paths {
        defs: workspace().join("benchmarks"),
        out: out.to_path_buf(),
        datasets: out.join("no-datasets-needed"),
        reference: None,
    };
    let options = RunOptions {
        quick: true,
        trials: None,
        seed: None,
        shard: None,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| run_all(&paths, &options, Some("capacity")))
        .unwrap();
}

#[test]
fn quick_capacity_section_has_its_shape_and_is_thread_count_independent() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    quick_capacity(1, one.path());
    quick_capacity(2, two.path());
    let a = std::fs::read(one.path().join("capacity.json")).unwrap();
    let b = std::fs::read(two.path().join("capacity.json")).unwrap();
    assert!(a == b, "capacity.json differs between 1 and 2 threads");

    let def: CapacityDef =
        hopfield_bench::defs::load(&workspace().join("benchmarks/capacity.toml")).unwrap();
    let r: CapacityResults = serde_json::from_slice(&a).unwrap();
    assert_eq!(r.kappas, def.stability.kappas);
    assert_eq!(r.hebbian.len(), def.hebbian.quick_sizes.len());
    for (run, size) in r.hebbian.iter().zip(&def.hebbian.quick_sizes) {
        assert_eq!(run.n, size.n);
        assert_eq!(run.sets.len(), size.sets);
        for set in &run.sets {
            assert_eq!(set.len(), def.hebbian.quick_alphas.len());
            for p in set {
                assert_eq!(p.probes, size.probes.min(p.m));
                assert!(p.retrieved <= p.probes && (-1.0..=1.0).contains(&p.mean_overlap));
            }
        }
        // The lowest load retrieves every probe, the highest does not.
        assert!(run.sets.iter().all(|s| s[0].retrieved == s[0].probes));
        assert!(
            run.sets
                .iter()
                .all(|s| s[s.len() - 1].retrieved < s[s.len() - 1].probes)
        );
    }
    assert_eq!(r.stability.len(), def.stability.quick_sizes.len());
    for (run, size) in r.stability.iter().zip(&def.stability.quick_sizes) {
        assert_eq!(run.sets.len(), size.sets);
        for cell in run.sets.iter().flatten() {
            assert_eq!(cell.rows, size.rows.unwrap().min(size.n));
            assert_eq!(cell.stored.len(), r.kappas.len());
            // A larger margin is stored by no more rows.
            assert!(cell.stored.windows(2).all(|w| w[1] <= w[0]), "{cell:?}");
        }
    }
    let rules = def.rules.rules.len() * def.rules.quick_sizes.len();
    assert_eq!(r.rules.len(), rules);
    for run in &r.rules {
        for (k, cell) in run.sets.iter().flat_map(|s| s.iter().enumerate()) {
            assert!(cell.rows_storing <= cell.n);
            if run.rule == "projection_zero_diagonal" {
                // Exact: every row below M = N, none above.
                let expected = if cell.m < cell.n { cell.n } else { 0 };
                assert_eq!(cell.rows_storing, expected, "load {k}: {cell:?}");
            }
        }
    }

    let report = std::fs::read_to_string(one.path().join("REPORT.md")).unwrap();
    for text in [
        "## Capacity against theory",
        "### Hebbian retrieval from the stored pattern (Amit, Gutfreund & Sompolinsky 1985)",
        "### Optimal storage (Gardner 1988; Krauth & Mézard 1987)",
        "Storkey's (1997)",
        "| N | sets × probes | measured α_c | theory α_c |",
        "| method | κ | N | sets × rows |",
        // The theory values are computed, not typed: α_c of Amit et al. and Gardner's α_c(1).
        "| 0.1379 |",
        "| 0.520 |",
        "| projection_zero_diagonal | 0 |",
    ] {
        assert!(report.contains(text), "the report has no {text:?}");
    }
    for size in &def.hebbian.quick_sizes {
        assert!(report.contains(&format!("| {} | {} × {} |", size.n, size.sets, size.probes)));
    }
    for figure in [
        "capacity-hebbian-overlap.svg",
        "capacity-hebbian-retrieved.svg",
        "capacity-storage.svg",
        "capacity-kappa.svg",
    ] {
        let svg = std::fs::read_to_string(one.path().join("figures").join(figure)).unwrap();
        assert!(svg.starts_with("<svg"), "{figure}");
        assert!(
            report.contains(&format!("figures/{figure}")),
            "{figure} not shown"
        );
    }
    // The report is rebuilt from the record alone.
    hopfield_bench::write_report(one.path(), None).unwrap();
    assert_eq!(
        std::fs::read_to_string(one.path().join("REPORT.md")).unwrap(),
        report
    );
}
