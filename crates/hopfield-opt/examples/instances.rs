//! Writes the seeded random instances of hopfield-opt's benchmarks (BENCHMARKS.md) into a
//! folder: G-set-like Max-Cut graphs (800 vertices, density 6 %, weight 1) and balanced
//! 20 × 40 transportation instances (total 2 000, costs 1–50).
//!
//! `cargo run --release -p hopfield-opt --example instances -- OUT_DIR [N_SEEDS]`
#![allow(
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::path::PathBuf;

use hopfield_core::rng_from_seed;
use hopfield_opt::exact::transport_optimum;
use hopfield_opt::qubo::file::{random_max_cut, write_max_cut};
use hopfield_opt::transport::file::{random_instance, to_toml};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("usage: instances OUT_DIR [N_SEEDS]"));
    let seeds: u64 = args.next().map_or(3, |s| s.parse().expect("N_SEEDS"));
    std::fs::create_dir_all(&out).expect("create OUT_DIR");
    for seed in 1..=seeds {
        let edges = random_max_cut(800, 0.06, &mut rng_from_seed(seed)).expect("graph");
        let path = out.join(format!("maxcut-800-6pct-s{seed}.txt"));
        std::fs::write(&path, write_max_cut(800, &edges)).expect("write");
        eprintln!("{} ({} edges)", path.display(), edges.len());
        let inst =
            random_instance(20, 40, 2000, 1, 50, &mut rng_from_seed(seed)).expect("instance");
        let name = format!("transport-20x40-s{seed}");
        let path = out.join(format!("{name}.toml"));
        std::fs::write(&path, to_toml(&inst, Some(&name))).expect("write");
        let lp = transport_optimum(inst.supply(), inst.demand(), inst.cost()).expect("LP");
        eprintln!("{} (LP optimum {})", path.display(), lp.cost);
    }
}
