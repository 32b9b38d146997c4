//! The quick TSP table with the fetched TSPLIB instances beyond the paper (eil51, berlin52,
//! eil76): ignored, with the fetch command, when `datasets/tsplib/` lacks them.

use std::path::Path;

use hopfield_bench::{Paths, RunOptions, run_all};
use hopfield_testkit::datasets::{needs, run};

fn quick_tsp_table_has_the_instances_beyond_the_paper(dir: &Path) -> Result<(), String> {
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let paths = Paths {
        defs: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks"),
        out: out.path().to_path_buf(),
        datasets: dir.to_path_buf(),
        reference: None,
    };
    let options = RunOptions {
        quick: true,
        trials: None,
        seed: None,
        shard: None,
    };
    run_all(&paths, &options, Some("tsp")).map_err(|e| format!("{e:#}"))?;
    let report =
        std::fs::read_to_string(out.path().join("REPORT.md")).map_err(|e| e.to_string())?;
    if report.contains("**Skipped:**") {
        return Err(format!("an instance was skipped:\n{report}"));
    }
    for name in ["eil51", "berlin52", "eil76"] {
        let heading = format!("### {name} (official TSPLIB distances");
        if !report.contains(&heading)
            || !out.path().join(format!("figures/tsp-{name}.svg")).exists()
        {
            return Err(format!("no table or figure for {name}:\n{report}"));
        }
    }
    // burma14 and ulysses22 with four methods (12 quick trials), the others with ours (1).
    let rows = std::fs::read_to_string(out.path().join("tsp.jsonl")).map_err(|e| e.to_string())?;
    if rows.lines().count() != 2 * 4 * 12 + 3 {
        return Err(format!("{} rows", rows.lines().count()));
    }
    Ok(())
}

fn main() {
    let files = [
        "eil51.tsp",
        "eil51.opt.tour",
        "berlin52.tsp",
        "berlin52.opt.tour",
        "eil76.tsp",
        "eil76.opt.tour",
    ];
    run(vec![needs(
        "quick_tsp_table_has_the_instances_beyond_the_paper",
        &files,
        quick_tsp_table_has_the_instances_beyond_the_paper,
    )]);
}
