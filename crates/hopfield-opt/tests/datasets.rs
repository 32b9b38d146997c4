//! Tests on the TSPLIB instances that `cargo xtask fetch-tsplib` installs into
//! `datasets/tsplib/`: reported as ignored, with the fetch command, when the files are absent
//! (CI fetches them and sets `HOPFIELD_REQUIRE_DATASETS=1`). The embedded burma14 and
//! ulysses22 are tested in the integration tests.

use std::path::Path;

use hopfield_opt::exact::held_karp;
use hopfield_opt::tsplib::{Convention, Instance, Tour};
use hopfield_testkit::datasets::{needs, run};

/// The manifest's instances: `(name, optimum, has an optimal tour)`.
fn manifest() -> Result<Vec<(String, f64, bool)>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/tsplib.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let value: toml::Value = toml::from_str(&text).map_err(|e| e.to_string())?;
    let instances = value
        .get("instance")
        .and_then(toml::Value::as_array)
        .ok_or("no [[instance]] in the manifest")?;
    instances
        .iter()
        .map(|i| {
            let name = i.get("name").and_then(toml::Value::as_str).ok_or("name")?;
            let optimum = i
                .get("optimum")
                .and_then(|v| v.as_float().or(v.as_integer().map(|n| n as f64)))
                .ok_or("optimum")?;
            Ok((
                name.to_string(),
                optimum,
                i.get("opt_tour_fingerprint").is_some(),
            ))
        })
        .collect()
}

/// Every manifest instance loads, its official matrix is integral and its raw one symmetric,
/// and its optimal tour (when TSPLIB publishes one) has the published optimal length.
fn every_instance_loads_and_its_optimal_tour_has_the_published_length(
    dir: &Path,
) -> Result<(), String> {
    for (name, optimum, has_tour) in manifest()? {
        let inst =
            Instance::from_path(&dir.join(format!("{name}.tsp"))).map_err(|e| e.to_string())?;
        let official = inst
            .distance_matrix(Convention::Official)
            .map_err(|e| e.to_string())?;
        if !official
            .iter()
            .all(|d| d.is_finite() && *d >= 0.0 && d.fract() == 0.0)
        {
            return Err(format!("{name}: the official distances are not integral"));
        }
        let raw = inst
            .distance_matrix(Convention::RawEuclidean)
            .map_err(|e| e.to_string())?;
        if raw != raw.transpose() {
            return Err(format!("{name}: raw distances are not symmetric"));
        }
        if has_tour {
            let tour = Tour::from_path(&dir.join(format!("{name}.opt.tour")))
                .map_err(|e| e.to_string())?;
            let length = tour.length(&official).map_err(|e| e.to_string())?;
            if length != optimum {
                return Err(format!(
                    "{name}: the optimal tour has length {length}, TSPLIB publishes {optimum}"
                ));
            }
        }
    }
    Ok(())
}

/// Held–Karp on ulysses16: TSPLIB's 6859 (GEO) and the raw Euclidean optimum 73.987618.
fn held_karp_ulysses16(dir: &Path) -> Result<(), String> {
    let inst = Instance::from_path(&dir.join("ulysses16.tsp")).map_err(|e| e.to_string())?;
    let geo = inst
        .distance_matrix(Convention::Official)
        .map_err(|e| e.to_string())?;
    let raw = inst
        .distance_matrix(Convention::RawEuclidean)
        .map_err(|e| e.to_string())?;
    let (geo_len, _) = held_karp(&geo).map_err(|e| e.to_string())?;
    let (raw_len, _) = held_karp(&raw).map_err(|e| e.to_string())?;
    if geo_len != 6859.0 || (raw_len - 73.987_618).abs() > 5e-5 {
        return Err(format!("ulysses16: GEO {geo_len}, raw {raw_len}"));
    }
    Ok(())
}

fn main() {
    let default_files = [
        "burma14.tsp",
        "ulysses16.tsp",
        "ulysses16.opt.tour",
        "ulysses22.tsp",
        "ulysses22.opt.tour",
        "eil51.tsp",
        "eil51.opt.tour",
        "berlin52.tsp",
        "berlin52.opt.tour",
        "eil76.tsp",
        "eil76.opt.tour",
    ];
    run(vec![
        needs(
            "every_instance_loads_and_its_optimal_tour_has_the_published_length",
            &default_files,
            every_instance_loads_and_its_optimal_tour_has_the_published_length,
        ),
        needs(
            "held_karp_ulysses16",
            &["ulysses16.tsp"],
            held_karp_ulysses16,
        ),
    ]);
}
