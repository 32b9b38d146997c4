//! `cargo xtask fetch-tsplib`: manifest-driven download (or mirror copy), decompression,
//! verification and atomic installation of TSPLIB instances into `datasets/tsplib/`.
//!
//! Verification runs the project's own loader checks on the text (the standard-library-only
//! `crates/hopfield-opt/src/tsplib/text.rs`, compiled into xtask too), so a file is installed
//! only when `hopfield-opt` will read it, and then compares a fingerprint of the parsed
//! content, not of the bytes (the canonical `.tsp.gz` and a plain mirror copy differ in bytes
//! and whitespace): the SHA-256 of a canonical text of `DIMENSION`, `EDGE_WEIGHT_TYPE` and
//! every coordinate (each parsed as `f64` and printed in its shortest round-trip form), or, for
//! a `.opt.tour`, of its city sequence.
//!
//! Limits: a download or a mirror file is read up to the inflated-size cap
//! ([`DEFAULT_MAX_INFLATED_MIB`], `--max-inflated-mib`), and a gzip stream is inflated only up
//! to it, so a corrupt or hostile file fails fast and small. A file is written to
//! `.NAME.partial-PID` and renamed into place; partial files left by a killed fetch (their
//! process is gone, or they are a day old) are removed by the next fetch.

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The loader's text checks, shared with `hopfield-opt` (see the module docs).
#[path = "../../crates/hopfield-opt/src/tsplib/text.rs"]
#[allow(dead_code, unreachable_pub)]
mod loader;

/// The default cap on the size of a file after decompression, in MiB (TSPLIB's largest
/// instances are a few MB).
pub(crate) const DEFAULT_MAX_INFLATED_MIB: u64 = 64;

use anyhow::{Context, anyhow, bail};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The manifest, `datasets/tsplib.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    /// Instances fetched when no names are given.
    pub(crate) default: Vec<String>,
    /// Every known instance.
    #[serde(rename = "instance")]
    pub(crate) instances: Vec<Entry>,
}

/// One instance of the manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) dimension: usize,
    pub(crate) edge_weight_type: String,
    pub(crate) fingerprint: String,
    #[serde(default)]
    pub(crate) opt_tour_url: Option<String>,
    #[serde(default)]
    pub(crate) opt_tour_fingerprint: Option<String>,
    /// Optimum under the official TSPLIB metric (bestSolutions.txt).
    pub(crate) optimum: f64,
    /// Optimum under the paper's raw Euclidean convention, where known.
    #[serde(default)]
    pub(crate) raw_euclidean_optimum: Option<f64>,
    /// A copy that ships inside the project (path from the workspace root), installed without
    /// a download.
    #[serde(default)]
    pub(crate) embedded: Option<String>,
}

impl Manifest {
    pub(crate) fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let manifest: Manifest =
            toml::from_str(&text).with_context(|| format!("malformed {}", path.display()))?;
        for name in &manifest.default {
            manifest.entry(name)?;
        }
        for e in &manifest.instances {
            let optima = [Some(e.optimum), e.raw_euclidean_optimum];
            if optima.iter().flatten().any(|v| !v.is_finite() || *v <= 0.0) {
                bail!(
                    "{}: {}: optima must be positive numbers",
                    path.display(),
                    e.name
                );
            }
        }
        Ok(manifest)
    }

    pub(crate) fn entry(&self, name: &str) -> anyhow::Result<&Entry> {
        self.instances
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = self.instances.iter().map(|e| e.name.as_str()).collect();
                anyhow!("{name}: not in the manifest (known: {})", known.join(", "))
            })
    }
}

/// Where files come from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// The URLs of the manifest.
    Download,
    /// A local mirror directory holding `NAME.tsp` / `NAME.opt.tour`, plain or gzipped.
    Mirror(PathBuf),
}

/// How a fetch runs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Where files come from.
    pub(crate) source: Source,
    /// Replace files that are present and verified.
    pub(crate) force: bool,
    /// The cap on a file's size after decompression, in bytes.
    pub(crate) max_inflated: u64,
    /// The workspace root (embedded copies are relative to it).
    pub(crate) root: PathBuf,
}

/// The kinds of file an instance has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Problem,
    OptTour,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Problem => "tsp",
            Kind::OptTour => "opt.tour",
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    AlreadyPresent,
    Installed,
    InstalledEmbedded,
}

/// What a fetch did: one line per installed or verified file, one line per failed instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct FetchReport {
    pub(crate) done: Vec<String>,
    pub(crate) failed: Vec<String>,
}

/// Fetches `names` (or the manifest's default set) into `dest`, trying every instance even
/// when some fail. Partial files that earlier, killed fetches left in `dest` are removed first.
pub(crate) fn fetch(
    manifest: &Manifest,
    names: &[String],
    options: &Options,
    dest: &Path,
) -> anyhow::Result<FetchReport> {
    let names = if names.is_empty() {
        &manifest.default[..]
    } else {
        names
    };
    fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let mut report = FetchReport::default();
    for removed in remove_stale_partials(dest)? {
        report
            .done
            .push(format!("removed {removed}, left by an interrupted fetch"));
    }
    for name in names {
        match fetch_instance(manifest, name, options, dest) {
            Ok(done) => report.done.extend(done),
            Err(e) => report.failed.push(format!("{e:#}")),
        }
    }
    Ok(report)
}

fn fetch_instance(
    manifest: &Manifest,
    name: &str,
    options: &Options,
    dest: &Path,
) -> anyhow::Result<Vec<String>> {
    let entry = manifest.entry(name)?;
    let mut lines = Vec::new();
    let problem = fetch_file(entry, Kind::Problem, options, dest)
        .with_context(|| format!("{name}: {}", Kind::Problem.extension()))?;
    lines.push(format!("{name}.tsp: {}", describe(&problem)));
    if entry.opt_tour_fingerprint.is_some() {
        let tour = fetch_file(entry, Kind::OptTour, options, dest)
            .with_context(|| format!("{name}: {}", Kind::OptTour.extension()))?;
        lines.push(format!("{name}.opt.tour: {}", describe(&tour)));
    }
    Ok(lines)
}

fn describe(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::AlreadyPresent => "already present and verified",
        Outcome::Installed => "installed and verified",
        Outcome::InstalledEmbedded => "installed from the copy embedded in hopfield-opt, verified",
    }
}

/// The prefix and suffix of this tool's partial files: `.NAME.partial-PID`.
fn partial_name(file_name: &str, pid: u32) -> String {
    format!(".{file_name}.partial-{pid}")
}

/// Whether process `pid` is alive: `Some` where `/proc` tells, `None` elsewhere.
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

/// Removes this tool's partial files (`.NAME.tsp.partial-PID`, `.NAME.opt.tour.partial-PID`)
/// whose process is gone or that are more than a day old; returns their names. Other files
/// are never touched.
fn remove_stale_partials(dest: &Path) -> anyhow::Result<Vec<String>> {
    const DAY: Duration = Duration::from_secs(24 * 3600);
    let mut removed = Vec::new();
    let entries = fs::read_dir(dest).with_context(|| format!("cannot list {}", dest.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((stem, pid)) = name
            .strip_prefix('.')
            .and_then(|rest| rest.rsplit_once(".partial-"))
        else {
            continue;
        };
        let ours = stem.ends_with(".tsp") || stem.ends_with(".opt.tour");
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !ours || pid == std::process::id() {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > DAY);
        if old || process_alive(pid) == Some(false) {
            fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(removed)
}

fn fetch_file(
    entry: &Entry,
    kind: Kind,
    options: &Options,
    dest: &Path,
) -> anyhow::Result<Outcome> {
    let file_name = format!("{}.{}", entry.name, kind.extension());
    let target = dest.join(&file_name);
    if target.exists() && !options.force {
        match fs::read(&target)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| verify(entry, kind, &bytes))
        {
            Ok(()) => return Ok(Outcome::AlreadyPresent),
            Err(e) => {
                // Reported, never used: move it aside and fetch a good copy.
                let rejected = dest.join(format!("{file_name}.rejected"));
                fs::rename(&target, &rejected).with_context(|| {
                    format!(
                        "cannot move aside {} (it failed verification: {e:#})",
                        target.display()
                    )
                })?;
                eprintln!(
                    "warning: {} failed verification ({e:#}); moved to {}",
                    target.display(),
                    rejected.display()
                );
            }
        }
    }
    let cap = options.max_inflated;
    let (raw, embedded) = match (&options.source, kind, &entry.embedded) {
        (_, Kind::Problem, Some(copy)) => (read_capped(&options.root.join(copy), cap)?, true),
        (Source::Download, _, _) => {
            let url = match kind {
                Kind::Problem => entry.url.as_str(),
                Kind::OptTour => entry
                    .opt_tour_url
                    .as_deref()
                    .ok_or_else(|| anyhow!("the manifest gives no URL for the optimal tour"))?,
            };
            (download(url, cap)?, false)
        }
        (Source::Mirror(dir), _, _) => (read_mirror(dir, &file_name, cap)?, false),
    };
    let bytes = maybe_gunzip(&raw, cap)?;
    verify(entry, kind, &bytes)?;
    write_atomically(&target, &bytes)?;
    Ok(if embedded {
        Outcome::InstalledEmbedded
    } else {
        Outcome::Installed
    })
}

/// The error of a file larger than the cap.
fn too_large(what: &str, cap: u64) -> anyhow::Error {
    anyhow!(
        "{what} is larger than {} MiB, the limit of a TSPLIB file (--max-inflated-mib); \
         if the file is genuine, raise it, for example --max-inflated-mib {}",
        cap >> 20,
        (cap >> 20).saturating_mul(4).max(1)
    )
}

/// Reads at most `cap` bytes from `reader`; more is an error naming `what`.
fn read_capped_from(reader: impl Read, cap: u64, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what}"))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(what, cap));
    }
    Ok(bytes)
}

fn read_capped(path: &Path, cap: u64) -> anyhow::Result<Vec<u8>> {
    let file = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    read_capped_from(file, cap, &path.display().to_string())
}

fn download(url: &str, cap: u64) -> anyhow::Result<Vec<u8>> {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(Duration::from_secs(300)))
            .build(),
    );
    let response = agent
        .get(url)
        .call()
        .map_err(|e| anyhow!("download of {url} failed: {e}"))?;
    read_capped_from(response.into_body().into_reader(), cap, url)
}

fn read_mirror(dir: &Path, file_name: &str, cap: u64) -> anyhow::Result<Vec<u8>> {
    for candidate in [file_name.to_string(), format!("{file_name}.gz")] {
        let path = dir.join(&candidate);
        if path.exists() {
            return read_capped(&path, cap);
        }
    }
    bail!(
        "not found in the mirror {} (looked for {file_name} and {file_name}.gz)",
        dir.display()
    )
}

/// Inflates gzip data up to `cap` bytes (anything else is returned as is).
fn maybe_gunzip(raw: &[u8], cap: u64) -> anyhow::Result<Vec<u8>> {
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .context("corrupt or truncated gzip data")?;
    if out.len() as u64 > cap {
        return Err(too_large("the decompressed file", cap));
    }
    Ok(out)
}

fn write_atomically(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(partial_name(
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("download"),
        std::process::id(),
    ));
    let result = fs::write(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, target))
        .with_context(|| format!("cannot write {}", target.display()));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn verify(entry: &Entry, kind: Kind, bytes: &[u8]) -> anyhow::Result<()> {
    let text = std::str::from_utf8(bytes).context("not a text file")?;
    let file_name = format!("{}.{}", entry.name, kind.extension());
    let (expected, found) = match kind {
        Kind::Problem => {
            let checked = loader::check_instance(text, &file_name)
                .map_err(|e| anyhow!("hopfield-opt would reject it: {e}"))?;
            if checked.n != entry.dimension {
                bail!(
                    "DIMENSION is {}, the manifest says {}",
                    checked.n,
                    entry.dimension
                );
            }
            if checked.wtype != entry.edge_weight_type {
                bail!(
                    "EDGE_WEIGHT_TYPE is {}, the manifest says {}",
                    checked.wtype,
                    entry.edge_weight_type
                );
            }
            let coords = checked.coords.unwrap_or_default();
            (
                entry.fingerprint.as_str(),
                problem_fingerprint(checked.n, checked.wtype, &coords),
            )
        }
        Kind::OptTour => {
            let expected = entry
                .opt_tour_fingerprint
                .as_deref()
                .ok_or_else(|| anyhow!("the manifest has no fingerprint for the optimal tour"))?;
            let tour = loader::check_tour(text, &file_name)
                .map_err(|e| anyhow!("hopfield-opt would reject it: {e}"))?;
            if tour.order.len() != entry.dimension {
                bail!(
                    "the tour has {} cities, the manifest says {}",
                    tour.order.len(),
                    entry.dimension
                );
            }
            (expected, tour_fingerprint(&tour.order))
        }
    };
    if expected != found {
        bail!("content fingerprint {found} does not match the manifest's {expected}");
    }
    Ok(())
}

/// The fingerprint of a problem: `DIMENSION`, `EDGE_WEIGHT_TYPE` and the coordinates in
/// shortest round-trip form.
pub(crate) fn problem_fingerprint(
    dimension: usize,
    weight_type: &str,
    coords: &[[f64; 2]],
) -> String {
    let mut canonical = format!("DIMENSION {dimension}\nEDGE_WEIGHT_TYPE {weight_type}\n");
    for (i, [x, y]) in coords.iter().enumerate() {
        let _ = writeln!(canonical, "{} {x:?} {y:?}", i + 1);
    }
    sha256_hex(canonical.as_bytes())
}

/// The fingerprint of a tour: its city sequence (0-based `order`, written 1-based).
pub(crate) fn tour_fingerprint(order: &[usize]) -> String {
    let canonical: Vec<String> = order.iter().map(|c| (c + 1).to_string()).collect();
    sha256_hex(format!("TOUR {}", canonical.join(" ")).as_bytes())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::net::TcpListener;

    const TINY: &str = "NAME: tiny4\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\n\
        NODE_COORD_SECTION\n1 0.0 0.0\n2 3.0 0.0\n3 3.0 4.0\n4 0.0 4.0\nEOF\n";
    const TINY_TOUR: &str =
        "NAME: tiny4.opt.tour\nTYPE: TOUR\nDIMENSION: 4\nTOUR_SECTION\n1\n2\n3\n4\n-1\nEOF\n";

    fn tiny_manifest(url: &str) -> Manifest {
        let fingerprint = problem_fingerprint(
            4,
            "EUC_2D",
            &[[0.0, 0.0], [3.0, 0.0], [3.0, 4.0], [0.0, 4.0]],
        );
        let tour = tour_fingerprint(&[0, 1, 2, 3]);
        Manifest {
            default: vec!["tiny4".into()],
            instances: vec![Entry {
                name: "tiny4".into(),
                url: format!("{url}/tiny4.tsp.gz"),
                dimension: 4,
                edge_weight_type: "EUC_2D".into(),
                fingerprint,
                opt_tour_url: Some(format!("{url}/tiny4.opt.tour.gz")),
                opt_tour_fingerprint: Some(tour),
                optimum: 14.0,
                raw_euclidean_optimum: Some(14.0),
                embedded: None,
            }],
        }
    }

    fn options(source: Source) -> Options {
        Options {
            source,
            force: false,
            max_inflated: DEFAULT_MAX_INFLATED_MIB << 20,
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        }
    }

    fn mirror(dir: &Path) -> Options {
        options(Source::Mirror(dir.to_path_buf()))
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn mirror_with(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            fs::write(dir.path().join(name), bytes).unwrap();
        }
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn good_files_install_and_a_second_run_has_nothing_to_do() {
        let m = tiny_manifest("http://unused");
        // Plain problem file and gzipped tour: both forms are accepted.
        let mirror_dir = mirror_with(&[
            ("tiny4.tsp", TINY.as_bytes().to_vec()),
            ("tiny4.opt.tour.gz", gzip(TINY_TOUR.as_bytes())),
        ]);
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(&m, &[], &mirror(mirror_dir.path()), dest.path()).unwrap();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(
            r.done,
            [
                "tiny4.tsp: installed and verified",
                "tiny4.opt.tour: installed and verified"
            ]
        );
        assert_eq!(listing(dest.path()), ["tiny4.opt.tour", "tiny4.tsp"]);
        assert_eq!(
            fs::read_to_string(dest.path().join("tiny4.opt.tour")).unwrap(),
            TINY_TOUR
        );
        let again = fetch(&m, &[], &mirror(mirror_dir.path()), dest.path()).unwrap();
        assert_eq!(
            again.done,
            [
                "tiny4.tsp: already present and verified",
                "tiny4.opt.tour: already present and verified"
            ]
        );
    }

    /// Fetches the tiny instance from a mirror holding `files`; returns the failures and the
    /// destination listing.
    fn fetch_failures(files: &[(&str, Vec<u8>)], max_inflated: u64) -> (Vec<String>, Vec<String>) {
        let m = tiny_manifest("http://unused");
        let mirror_dir = mirror_with(files);
        let dest = tempfile::tempdir().unwrap();
        let opts = Options {
            max_inflated,
            ..mirror(mirror_dir.path())
        };
        let r = fetch(&m, &[], &opts, dest.path()).unwrap();
        (r.failed, listing(dest.path()))
    }

    #[test]
    fn a_corrupted_copy_is_rejected_and_leaves_no_file() {
        let cap = DEFAULT_MAX_INFLATED_MIB << 20;
        let (failed, left) = fetch_failures(
            &[("tiny4.tsp", TINY.replace("3.0 4.0", "3.0 4.5").into_bytes())],
            cap,
        );
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0].starts_with("tiny4: tsp: content fingerprint"),
            "{}",
            failed[0]
        );
        assert!(left.is_empty());
        // A file inconsistent with its own DIMENSION is the loader's error, with the line.
        let (failed, left) = fetch_failures(
            &[(
                "tiny4.tsp",
                TINY.replace("DIMENSION: 4", "DIMENSION: 3").into_bytes(),
            )],
            cap,
        );
        assert!(
            failed[0].contains("hopfield-opt would reject it: tiny4.tsp:9: city index 4"),
            "{}",
            failed[0]
        );
        assert!(left.is_empty());
        // A consistent file of another dimension is named as such.
        let three = TINY
            .replace("DIMENSION: 4", "DIMENSION: 3")
            .replace("4 0.0 4.0\n", "");
        let (failed, left) = fetch_failures(&[("tiny4.tsp", three.into_bytes())], cap);
        assert!(
            failed[0].contains("DIMENSION is 3, the manifest says 4"),
            "{}",
            failed[0]
        );
        assert!(left.is_empty());
    }

    /// What the loader rejects is never installed, even with the right coordinates.
    #[test]
    fn a_file_the_loader_rejects_is_not_installed() {
        let cap = DEFAULT_MAX_INFLATED_MIB << 20;
        let fixed_edges = TINY.replace("EOF\n", "FIXED_EDGES_SECTION\n1 2\n-1\nEOF\n");
        let (failed, left) = fetch_failures(&[("tiny4.tsp", fixed_edges.into_bytes())], cap);
        assert!(
            failed[0].contains("hopfield-opt would reject it")
                && failed[0].contains("unsupported section FIXED_EDGES_SECTION"),
            "{}",
            failed[0]
        );
        assert!(left.is_empty());
        let tour_after_end = TINY_TOUR.replace("-1\nEOF", "-1\n3\nEOF");
        let (failed, left) = fetch_failures(
            &[
                ("tiny4.tsp", TINY.as_bytes().to_vec()),
                ("tiny4.opt.tour", tour_after_end.into_bytes()),
            ],
            cap,
        );
        assert!(
            failed[0].contains("tiny4: opt.tour: hopfield-opt would reject it")
                && failed[0].contains("after the tour's -1"),
            "{}",
            failed[0]
        );
        assert_eq!(left, ["tiny4.tsp"]);
    }

    #[test]
    fn a_truncated_gzip_is_rejected_and_leaves_no_file() {
        let gz = gzip(TINY.as_bytes());
        let (failed, left) = fetch_failures(
            &[("tiny4.tsp.gz", gz[..gz.len() / 2].to_vec())],
            DEFAULT_MAX_INFLATED_MIB << 20,
        );
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0].contains("corrupt or truncated gzip"),
            "{}",
            failed[0]
        );
        assert!(left.is_empty());
    }

    /// A small gzip that inflates beyond the cap stops at the cap, names it and the option.
    #[test]
    fn an_inflated_size_beyond_the_cap_is_rejected_without_inflating_it_whole() {
        // 3 MiB of zeros compress to a few KB; the cap is 1 MiB.
        let bomb = gzip(&vec![b'0'; 3 << 20]);
        assert!(bomb.len() < 1 << 16);
        let (failed, left) = fetch_failures(&[("tiny4.tsp.gz", bomb)], 1 << 20);
        assert!(
            failed[0].contains("larger than 1 MiB") && failed[0].contains("--max-inflated-mib"),
            "{}",
            failed[0]
        );
        assert!(left.is_empty());
        // A plain file beyond the cap likewise.
        let (failed, _) = fetch_failures(&[("tiny4.tsp", vec![b' '; (1 << 20) + 1])], 1 << 20);
        assert!(failed[0].contains("larger than 1 MiB"), "{}", failed[0]);
    }

    #[test]
    fn stale_partial_files_of_dead_fetches_are_removed_and_nothing_else() {
        let m = tiny_manifest("http://unused");
        let mirror_dir = mirror_with(&[
            ("tiny4.tsp", TINY.as_bytes().to_vec()),
            ("tiny4.opt.tour", TINY_TOUR.as_bytes().to_vec()),
        ]);
        let dest = tempfile::tempdir().unwrap();
        // A PID above the kernel's maximum (4194304) is never alive.
        let dead = partial_name("tiny4.tsp", 4_194_305);
        let alive = partial_name("tiny4.opt.tour", 1); // init: always alive
        let theirs = ".notes.txt.partial-4194305";
        for name in [dead.as_str(), alive.as_str(), theirs, "README"] {
            fs::write(dest.path().join(name), "x").unwrap();
        }
        let r = fetch(&m, &[], &mirror(mirror_dir.path()), dest.path()).unwrap();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(
            r.done[0],
            format!("removed {dead}, left by an interrupted fetch")
        );
        let left = listing(dest.path());
        assert!(!left.contains(&dead), "{left:?}");
        for kept in [
            alive.as_str(),
            theirs,
            "README",
            "tiny4.tsp",
            "tiny4.opt.tour",
        ] {
            assert!(
                left.iter().any(|n| n == kept),
                "{kept} was removed: {left:?}"
            );
        }
    }

    #[test]
    fn a_missing_instance_is_named() {
        let m = tiny_manifest("http://unused");
        let mirror_dir = mirror_with(&[]);
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(&m, &[], &mirror(mirror_dir.path()), dest.path()).unwrap();
        assert!(
            r.failed[0].starts_with("tiny4: tsp: not found in the mirror"),
            "{}",
            r.failed[0]
        );
        let r = fetch(
            &m,
            &["nope".into()],
            &mirror(mirror_dir.path()),
            dest.path(),
        )
        .unwrap();
        assert_eq!(r.failed, ["nope: not in the manifest (known: tiny4)"]);
        assert!(listing(dest.path()).is_empty());
    }

    #[test]
    fn a_present_file_that_fails_verification_is_moved_aside_and_replaced() {
        let m = tiny_manifest("http://unused");
        let mirror_dir = mirror_with(&[
            ("tiny4.tsp", TINY.as_bytes().to_vec()),
            ("tiny4.opt.tour", TINY_TOUR.as_bytes().to_vec()),
        ]);
        let dest = tempfile::tempdir().unwrap();
        fs::write(dest.path().join("tiny4.tsp"), "garbage").unwrap();
        let r = fetch(&m, &[], &mirror(mirror_dir.path()), dest.path()).unwrap();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(
            listing(dest.path()),
            ["tiny4.opt.tour", "tiny4.tsp", "tiny4.tsp.rejected"]
        );
        assert_eq!(
            fs::read_to_string(dest.path().join("tiny4.tsp")).unwrap(),
            TINY
        );
    }

    /// Serves `routes` over HTTP on loopback for exactly `n_requests` requests, then stops.
    fn serve(
        routes: Vec<(&'static str, Vec<u8>)>,
        n_requests: usize,
    ) -> (String, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming().take(n_requests) {
                let mut stream = stream.unwrap();
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap();
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
                match routes.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/x-gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        stream.write_all(head.as_bytes()).unwrap();
                        stream.write_all(body).unwrap();
                    }
                    None => {
                        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
                    }
                }
            }
        });
        (url, handle)
    }

    #[test]
    fn downloads_are_decompressed_verified_and_failures_named() {
        let routes = vec![
            ("/tiny4.tsp.gz", gzip(TINY.as_bytes())),
            ("/tiny4.opt.tour.gz", gzip(TINY_TOUR.as_bytes())),
        ];
        let (url, server) = serve(routes, 2);
        let m = tiny_manifest(&url);
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(&m, &[], &options(Source::Download), dest.path()).unwrap();
        server.join().unwrap();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(
            fs::read_to_string(dest.path().join("tiny4.tsp")).unwrap(),
            TINY
        );

        // A 404 is named with its URL and leaves nothing behind.
        let (url, server) = serve(vec![], 1);
        let m = tiny_manifest(&url);
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(&m, &[], &options(Source::Download), dest.path()).unwrap();
        server.join().unwrap();
        assert!(
            r.failed[0].contains("/tiny4.tsp.gz failed"),
            "{}",
            r.failed[0]
        );
        assert!(listing(dest.path()).is_empty());
    }

    /// The embedded burma14 and ulysses22 match the committed manifest, and install with no
    /// download (the manifest's URLs are unreachable here).
    #[test]
    fn the_embedded_instances_match_the_manifest_and_install_offline() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut m = Manifest::load(&root.join("datasets/tsplib.toml")).unwrap();
        let embedded: Vec<String> = m
            .instances
            .iter()
            .filter(|e| e.embedded.is_some())
            .map(|e| e.name.clone())
            .collect();
        assert_eq!(embedded, ["burma14", "ulysses22"]);
        for e in &mut m.instances {
            e.url = "http://127.0.0.1:9/unreachable.tsp.gz".into();
            // Optimal tours are always fetched; this test is about the problem files.
            e.opt_tour_fingerprint = None;
        }
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(&m, &embedded, &options(Source::Download), dest.path()).unwrap();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert!(
            r.done
                .iter()
                .any(|l| l
                    == "burma14.tsp: installed from the copy embedded in hopfield-opt, verified"),
            "{:?}",
            r.done
        );
        let installed = fs::read(dest.path().join("ulysses22.tsp")).unwrap();
        assert_eq!(
            installed,
            fs::read(root.join("crates/hopfield-opt/data/ulysses22.tsp")).unwrap()
        );
    }
}
