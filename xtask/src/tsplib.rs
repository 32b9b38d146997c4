//! `cargo xtask fetch-tsplib`: manifest-driven download (or mirror copy), decompression,
//! verification and atomic installation of TSPLIB instances into `datasets/tsplib/`.
//!
//! Verification does not hash bytes (the canonical `.tsp.gz` and a plain mirror copy differ in
//! bytes and whitespace) but the parsed content: the fingerprint is the SHA-256 of a canonical
//! text of `DIMENSION`, `EDGE_WEIGHT_TYPE` and every coordinate (each parsed as `f64` and printed
//! in its shortest round-trip form), or, for a `.opt.tour`, of its city sequence.

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

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
}

/// What a fetch did: one line per installed or verified file, one line per failed instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct FetchReport {
    pub(crate) done: Vec<String>,
    pub(crate) failed: Vec<String>,
}

/// Fetches `names` (or the manifest's default set) into `dest`, trying every instance even
/// when some fail.
pub(crate) fn fetch(
    manifest: &Manifest,
    names: &[String],
    source: &Source,
    dest: &Path,
    force: bool,
) -> anyhow::Result<FetchReport> {
    let names = if names.is_empty() {
        &manifest.default[..]
    } else {
        names
    };
    fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let mut report = FetchReport::default();
    for name in names {
        match fetch_instance(manifest, name, source, dest, force) {
            Ok(done) => report.done.extend(done),
            Err(e) => report.failed.push(format!("{e:#}")),
        }
    }
    Ok(report)
}

fn fetch_instance(
    manifest: &Manifest,
    name: &str,
    source: &Source,
    dest: &Path,
    force: bool,
) -> anyhow::Result<Vec<String>> {
    let entry = manifest.entry(name)?;
    let mut lines = Vec::new();
    let problem = fetch_file(entry, Kind::Problem, source, dest, force)
        .with_context(|| format!("{name}: {}", Kind::Problem.extension()))?;
    lines.push(format!("{name}.tsp: {}", describe(&problem)));
    if entry.opt_tour_fingerprint.is_some() {
        let tour = fetch_file(entry, Kind::OptTour, source, dest, force)
            .with_context(|| format!("{name}: {}", Kind::OptTour.extension()))?;
        lines.push(format!("{name}.opt.tour: {}", describe(&tour)));
    }
    Ok(lines)
}

fn describe(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::AlreadyPresent => "already present and verified",
        Outcome::Installed => "installed and verified",
    }
}

fn fetch_file(
    entry: &Entry,
    kind: Kind,
    source: &Source,
    dest: &Path,
    force: bool,
) -> anyhow::Result<Outcome> {
    let file_name = format!("{}.{}", entry.name, kind.extension());
    let target = dest.join(&file_name);
    if target.exists() && !force {
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
    let raw = match source {
        Source::Download => {
            let url = match kind {
                Kind::Problem => entry.url.as_str(),
                Kind::OptTour => entry
                    .opt_tour_url
                    .as_deref()
                    .ok_or_else(|| anyhow!("the manifest gives no URL for the optimal tour"))?,
            };
            download(url)?
        }
        Source::Mirror(dir) => read_mirror(dir, &file_name)?,
    };
    let bytes = maybe_gunzip(&raw)?;
    verify(entry, kind, &bytes)?;
    write_atomically(&target, &bytes)?;
    Ok(Outcome::Installed)
}

fn download(url: &str) -> anyhow::Result<Vec<u8>> {
    let response = ureq::get(url)
        .call()
        .map_err(|e| anyhow!("download of {url} failed: {e}"))?;
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(64 << 20)
        .read_to_end(&mut bytes)
        .with_context(|| format!("download of {url} was interrupted"))?;
    Ok(bytes)
}

fn read_mirror(dir: &Path, file_name: &str) -> anyhow::Result<Vec<u8>> {
    for candidate in [file_name.to_string(), format!("{file_name}.gz")] {
        let path = dir.join(&candidate);
        if path.exists() {
            return fs::read(&path).with_context(|| format!("cannot read {}", path.display()));
        }
    }
    bail!(
        "not found in the mirror {} (looked for {file_name} and {file_name}.gz)",
        dir.display()
    )
}

fn maybe_gunzip(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw)
            .read_to_end(&mut out)
            .context("corrupt or truncated gzip data")?;
        Ok(out)
    } else {
        Ok(raw.to_vec())
    }
}

fn write_atomically(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.partial-{}",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("download"),
        std::process::id()
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
    let (expected, found) = match kind {
        Kind::Problem => {
            let parsed = parse_problem(text)?;
            if parsed.dimension != entry.dimension {
                bail!(
                    "DIMENSION is {}, the manifest says {}",
                    parsed.dimension,
                    entry.dimension
                );
            }
            if parsed.edge_weight_type != entry.edge_weight_type {
                bail!(
                    "EDGE_WEIGHT_TYPE is {}, the manifest says {}",
                    parsed.edge_weight_type,
                    entry.edge_weight_type
                );
            }
            (entry.fingerprint.as_str(), parsed.fingerprint())
        }
        Kind::OptTour => {
            let expected = entry
                .opt_tour_fingerprint
                .as_deref()
                .ok_or_else(|| anyhow!("the manifest has no fingerprint for the optimal tour"))?;
            (expected, tour_fingerprint(text, entry.dimension)?)
        }
    };
    if expected != found {
        bail!("content fingerprint {found} does not match the manifest's {expected}");
    }
    Ok(())
}

/// The parts of a `.tsp` file the fingerprint covers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedProblem {
    pub(crate) dimension: usize,
    pub(crate) edge_weight_type: String,
    pub(crate) coords: Vec<(f64, f64)>,
}

impl ParsedProblem {
    pub(crate) fn fingerprint(&self) -> String {
        let mut canonical = format!(
            "DIMENSION {}\nEDGE_WEIGHT_TYPE {}\n",
            self.dimension, self.edge_weight_type
        );
        for (i, (x, y)) in self.coords.iter().enumerate() {
            let _ = writeln!(canonical, "{} {x:?} {y:?}", i + 1);
        }
        sha256_hex(canonical.as_bytes())
    }
}

/// A minimal reader of the header and `NODE_COORD_SECTION` (2-D coordinates).
pub(crate) fn parse_problem(text: &str) -> anyhow::Result<ParsedProblem> {
    let mut dimension = None;
    let mut edge_weight_type = None;
    let mut lines = text.lines().enumerate();
    let mut coords = Vec::new();
    let mut saw_section = false;
    while let Some((_, line)) = lines.next() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("NODE_COORD_SECTION") {
            saw_section = true;
            let n = dimension.ok_or_else(|| anyhow!("NODE_COORD_SECTION before DIMENSION"))?;
            for _ in 0..n {
                let (idx, line) = lines
                    .next()
                    .ok_or_else(|| anyhow!("truncated: fewer than {n} coordinates"))?;
                let fields: Vec<&str> = line.split_whitespace().collect();
                let number = |k: usize| -> anyhow::Result<f64> {
                    fields
                        .get(k)
                        .ok_or_else(|| anyhow!("line {}: missing field", idx + 1))?
                        .parse::<f64>()
                        .map_err(|e| anyhow!("line {}: {e}", idx + 1))
                };
                let node = number(0)?;
                if node != (coords.len() + 1) as f64 {
                    bail!("line {}: node {node} out of order", idx + 1);
                }
                coords.push((number(1)?, number(2)?));
            }
            continue;
        }
        if line == "EOF" {
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            match key.trim() {
                "DIMENSION" => {
                    dimension = Some(
                        value
                            .trim()
                            .parse::<usize>()
                            .with_context(|| format!("bad DIMENSION {value:?}"))?,
                    );
                }
                "EDGE_WEIGHT_TYPE" => edge_weight_type = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    if !saw_section {
        bail!("no NODE_COORD_SECTION");
    }
    Ok(ParsedProblem {
        dimension: dimension.ok_or_else(|| anyhow!("no DIMENSION"))?,
        edge_weight_type: edge_weight_type.ok_or_else(|| anyhow!("no EDGE_WEIGHT_TYPE"))?,
        coords,
    })
}

/// The fingerprint of a `.opt.tour`: its city sequence, checked to be a permutation of 1..=n.
pub(crate) fn tour_fingerprint(text: &str, n: usize) -> anyhow::Result<String> {
    let section = text
        .split_once("TOUR_SECTION")
        .map(|(_, rest)| rest)
        .ok_or_else(|| anyhow!("no TOUR_SECTION"))?;
    let mut cities = Vec::new();
    for token in section.split_whitespace() {
        if token == "-1" || token == "EOF" {
            break;
        }
        cities.push(
            token
                .parse::<usize>()
                .with_context(|| format!("bad city {token:?} in TOUR_SECTION"))?,
        );
    }
    let mut seen = vec![false; n + 1];
    for &c in &cities {
        if c == 0 || c > n || std::mem::replace(&mut seen[c], true) {
            bail!("TOUR_SECTION is not a permutation of 1..={n} (city {c})");
        }
    }
    if cities.len() != n {
        bail!("TOUR_SECTION has {} cities, expected {n}", cities.len());
    }
    let canonical: Vec<String> = cities.iter().map(ToString::to_string).collect();
    Ok(sha256_hex(
        format!("TOUR {}", canonical.join(" ")).as_bytes(),
    ))
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
        let fingerprint = parse_problem(TINY).unwrap().fingerprint();
        let tour = tour_fingerprint(TINY_TOUR, 4).unwrap();
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
            }],
        }
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
        let mirror = mirror_with(&[
            ("tiny4.tsp", TINY.as_bytes().to_vec()),
            ("tiny4.opt.tour.gz", gzip(TINY_TOUR.as_bytes())),
        ]);
        let dest = tempfile::tempdir().unwrap();
        let source = Source::Mirror(mirror.path().to_path_buf());
        let r = fetch(&m, &[], &source, dest.path(), false).unwrap();
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
        let again = fetch(&m, &[], &source, dest.path(), false).unwrap();
        assert_eq!(
            again.done,
            [
                "tiny4.tsp: already present and verified",
                "tiny4.opt.tour: already present and verified"
            ]
        );
    }

    #[test]
    fn a_corrupted_copy_is_rejected_and_leaves_no_file() {
        let m = tiny_manifest("http://unused");
        let mirror = mirror_with(&[("tiny4.tsp", TINY.replace("3.0 4.0", "3.0 4.5").into_bytes())]);
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(
            &m,
            &[],
            &Source::Mirror(mirror.path().into()),
            dest.path(),
            false,
        )
        .unwrap();
        assert_eq!(r.failed.len(), 1);
        assert!(
            r.failed[0].starts_with("tiny4: tsp: content fingerprint"),
            "{}",
            r.failed[0]
        );
        assert!(listing(dest.path()).is_empty());
        // A changed dimension is named as such.
        let mirror = mirror_with(&[(
            "tiny4.tsp",
            TINY.replace("DIMENSION: 4", "DIMENSION: 3").into_bytes(),
        )]);
        let r = fetch(
            &m,
            &[],
            &Source::Mirror(mirror.path().into()),
            dest.path(),
            false,
        )
        .unwrap();
        assert!(
            r.failed[0].contains("DIMENSION is 3, the manifest says 4"),
            "{}",
            r.failed[0]
        );
        assert!(listing(dest.path()).is_empty());
    }

    #[test]
    fn a_truncated_gzip_is_rejected_and_leaves_no_file() {
        let m = tiny_manifest("http://unused");
        let gz = gzip(TINY.as_bytes());
        let mirror = mirror_with(&[("tiny4.tsp.gz", gz[..gz.len() / 2].to_vec())]);
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(
            &m,
            &[],
            &Source::Mirror(mirror.path().into()),
            dest.path(),
            false,
        )
        .unwrap();
        assert_eq!(r.failed.len(), 1);
        assert!(
            r.failed[0].contains("corrupt or truncated gzip"),
            "{}",
            r.failed[0]
        );
        assert!(listing(dest.path()).is_empty());
    }

    #[test]
    fn a_missing_instance_is_named() {
        let m = tiny_manifest("http://unused");
        let mirror = mirror_with(&[]);
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(
            &m,
            &[],
            &Source::Mirror(mirror.path().into()),
            dest.path(),
            false,
        )
        .unwrap();
        assert!(
            r.failed[0].starts_with("tiny4: tsp: not found in the mirror"),
            "{}",
            r.failed[0]
        );
        let r = fetch(
            &m,
            &["nope".into()],
            &Source::Mirror(mirror.path().into()),
            dest.path(),
            false,
        )
        .unwrap();
        assert_eq!(r.failed, ["nope: not in the manifest (known: tiny4)"]);
        assert!(listing(dest.path()).is_empty());
    }

    #[test]
    fn a_present_file_that_fails_verification_is_moved_aside_and_replaced() {
        let m = tiny_manifest("http://unused");
        let mirror = mirror_with(&[
            ("tiny4.tsp", TINY.as_bytes().to_vec()),
            ("tiny4.opt.tour", TINY_TOUR.as_bytes().to_vec()),
        ]);
        let dest = tempfile::tempdir().unwrap();
        fs::write(dest.path().join("tiny4.tsp"), "garbage").unwrap();
        let r = fetch(
            &m,
            &[],
            &Source::Mirror(mirror.path().into()),
            dest.path(),
            false,
        )
        .unwrap();
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
        let r = fetch(&m, &[], &Source::Download, dest.path(), false).unwrap();
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
        let r = fetch(&m, &[], &Source::Download, dest.path(), false).unwrap();
        server.join().unwrap();
        assert!(
            r.failed[0].contains("/tiny4.tsp.gz failed"),
            "{}",
            r.failed[0]
        );
        assert!(listing(dest.path()).is_empty());
    }

    /// The committed manifest verifies every file of the offline mirror.
    #[test]
    #[allow(clippy::print_stderr)]
    fn the_manifest_matches_the_offline_mirror() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mirror = root.join("../shared/datasets/tsplib");
        if !mirror.is_dir() {
            assert!(
                std::env::var("HOPFIELD_REQUIRE_DATASETS").as_deref() != Ok("1"),
                "HOPFIELD_REQUIRE_DATASETS=1 but the mirror {} is missing",
                mirror.display()
            );
            eprintln!("skipped: no TSPLIB mirror at {}", mirror.display());
            return;
        }
        let m = Manifest::load(&root.join("datasets/tsplib.toml")).unwrap();
        let dest = tempfile::tempdir().unwrap();
        let r = fetch(&m, &[], &Source::Mirror(mirror), dest.path(), false).unwrap();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(r.done.len(), 11);
    }
}
