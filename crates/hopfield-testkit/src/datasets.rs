//! Tests on downloaded TSPLIB files: run when the files are in `datasets/tsplib/`, reported as
//! ignored (with the command that fetches them) when they are not.
//!
//! A test binary declared with `harness = false` builds its tests with [`needs`] and hands
//! them to [`run`]:
//!
//! ```no_run
//! use hopfield_testkit::datasets::{needs, run};
//!
//! fn main() {
//!     run(vec![needs("burma14_loads", &["burma14.tsp"], |dir| {
//!         let text = std::fs::read_to_string(dir.join("burma14.tsp")).map_err(|e| e.to_string())?;
//!         if text.contains("DIMENSION") { Ok(()) } else { Err("no DIMENSION".into()) }
//!     })]);
//! }
//! ```
//!
//! With `HOPFIELD_REQUIRE_DATASETS=1` (CI, after `cargo xtask fetch-tsplib`) a missing file is a
//! failure, never a skip.

use std::path::{Path, PathBuf};

pub use libtest_mimic::Trial;

/// Set to `1` to make missing files a failure.
pub const REQUIRE_VAR: &str = "HOPFIELD_REQUIRE_DATASETS";

/// The command that installs the files.
pub const FETCH_COMMAND: &str = "cargo xtask fetch-tsplib";

/// `datasets/tsplib/` of the workspace.
pub fn tsplib_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // crates/hopfield-testkit → the workspace root.
    let root = crate_dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(crate_dir);
    root.join("datasets").join("tsplib")
}

/// Whether missing files must fail.
pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")
}

fn missing(files: &[&str]) -> Vec<String> {
    let dir = tsplib_dir();
    files
        .iter()
        .filter(|f| !dir.join(f).is_file())
        .map(|f| (*f).to_string())
        .collect()
}

/// A test named `name` that needs `files` in [`tsplib_dir`]; `run` gets the folder. It is
/// ignored when a file is missing (unless [`required`]), and fails with the fetch command when
/// it runs anyway (`--include-ignored`).
pub fn needs(
    name: &str,
    files: &[&str],
    run: impl FnOnce(&Path) -> Result<(), String> + Send + 'static,
) -> Trial {
    let absent = missing(files);
    let ignored = !absent.is_empty() && !required();
    let name = name.to_string();
    Trial::test(name, move || {
        if !absent.is_empty() {
            return Err(format!(
                "{} missing from {} ({FETCH_COMMAND} installs them; offline: {FETCH_COMMAND} \
                 --from DIR, with DIR a folder of TSPLIB files){}",
                absent.join(", "),
                tsplib_dir().display(),
                if required() {
                    format!("; {REQUIRE_VAR}=1 makes this a failure")
                } else {
                    String::new()
                }
            )
            .into());
        }
        run(&tsplib_dir()).map_err(Into::into)
    })
    .with_ignored_flag(ignored)
}

/// Runs the tests with libtest's command line and exits with its status. When some are
/// ignored for lack of files, says so once, with the fetch command.
#[allow(clippy::print_stdout)]
pub fn run(trials: Vec<Trial>) -> ! {
    let args = libtest_mimic::Arguments::from_args();
    let n_ignored = trials.iter().filter(|t| t.has_ignored_flag()).count();
    if n_ignored > 0 && !args.list {
        println!(
            "note: {n_ignored} test(s) need TSPLIB files that are not in {} and are ignored; \
             `{FETCH_COMMAND}` installs them (offline: `{FETCH_COMMAND} --from DIR`)",
            tsplib_dir().display()
        );
    }
    libtest_mimic::run(&args, trials).exit()
}
