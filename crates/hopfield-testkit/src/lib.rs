//! Shared test configuration of the hopfield-rs workspace (a dev-dependency, never published).
//!
//! Every property test of the workspace takes its configuration from [`proptest_config`]:
//!
//! ```
//! use proptest::prelude::*;
//!
//! proptest! {
//!     #![proptest_config(hopfield_testkit::proptest_config(16))]
//!     // In a test file this function carries `#[test]`.
//!     fn addition_commutes(a in 0u32..1000, b in 0u32..1000) {
//!         prop_assert_eq!(a + b, b + a);
//!     }
//! }
//! addition_commutes();
//! ```
//!
//! - **Case counts scale from the environment.** `HOPFIELD_PROPTEST_SCALE=10 cargo test
//!   --workspace` runs every property test with ten times its declared cases (a positive
//!   integer; unset means 1). Each run draws fresh random inputs unless `PROPTEST_RNG_SEED`
//!   fixes them (proptest's own variable).
//! - **A failing run never writes into the repository.** Committed regression files
//!   (`tests/proptest-regressions/*.txt`) are still read and replayed before new cases, but a
//!   new failure is saved under the build directory (`target/<profile>/proptest-regressions/`),
//!   so running the tests never modifies a tracked file. A failure is fixed at its root; a
//!   case is added to a committed file by hand only once the fix is in and the case passes.
//!
//! Tests that need downloaded TSPLIB files use [`datasets`]: a test binary with
//! `harness = false` whose tests are reported as *ignored*, with the command that fetches the
//! files, when the files are absent (and fail under `HOPFIELD_REQUIRE_DATASETS=1`, as in CI).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod datasets;

use std::any::Any;
use std::fmt;
use std::path::PathBuf;

use proptest::test_runner::{Config, FailurePersistence, FileFailurePersistence, PersistedSeed};

/// The environment variable that multiplies every property test's case count.
pub const SCALE_VAR: &str = "HOPFIELD_PROPTEST_SCALE";

/// The factor of [`SCALE_VAR`] (1 when unset).
///
/// # Panics
/// When the variable is set to anything but a positive integer: a typo must not silently
/// run the default count.
pub fn scale() -> u32 {
    match std::env::var(SCALE_VAR) {
        Err(_) => 1,
        Ok(text) => match text.trim().parse::<u32>() {
            Ok(k) if k > 0 => k,
            _ => panic!("{SCALE_VAR}={text:?} is not a positive integer"),
        },
    }
}

/// `cases` declared cases, scaled by [`scale`] (saturating at `u32::MAX`).
pub fn cases(cases: u32) -> u32 {
    cases.saturating_mul(scale())
}

/// The proptest configuration of a property test with `declared` cases: the cases scaled by
/// [`SCALE_VAR`], committed regressions replayed, new failures saved outside the repository.
pub fn proptest_config(declared: u32) -> Config {
    Config {
        cases: cases(declared),
        failure_persistence: Some(Box::new(ReadOnlyRegressions)),
        ..Config::default()
    }
}

/// Replays the committed `proptest-regressions/` files; saves new failures under the build
/// directory instead of beside the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadOnlyRegressions;

/// Where a new failure of `source_file` is saved: `target/<profile>/proptest-regressions/…`
/// (the test binary lives in `target/<profile>/deps/`), or the system temporary directory.
fn failure_file(source_file: Option<&'static str>) -> PathBuf {
    let base = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(PathBuf::from))
        .unwrap_or_else(std::env::temp_dir)
        .join("proptest-regressions");
    let relative = source_file.map_or_else(
        || PathBuf::from("unknown.txt"),
        |f| PathBuf::from(f).with_extension("txt"),
    );
    // Keep the file under `base` whatever the source path looks like.
    let relative: PathBuf = relative
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    base.join(relative)
}

impl FailurePersistence for ReadOnlyRegressions {
    fn load_persisted_failures2(&self, source_file: Option<&'static str>) -> Vec<PersistedSeed> {
        FileFailurePersistence::default().load_persisted_failures2(source_file)
    }

    fn save_persisted_failure2(
        &mut self,
        source_file: Option<&'static str>,
        seed: PersistedSeed,
        shrunken_value: &dyn fmt::Debug,
    ) {
        let path = failure_file(source_file).to_string_lossy().into_owned();
        // `Direct` needs a `&'static str`; one small leak per failing test is fine.
        let path: &'static str = Box::leak(path.into_boxed_str());
        FileFailurePersistence::Direct(path).save_persisted_failure2(
            source_file,
            seed,
            shrunken_value,
        );
    }

    fn box_clone(&self) -> Box<dyn FailurePersistence> {
        Box::new(*self)
    }

    fn eq(&self, other: &dyn FailurePersistence) -> bool {
        other.as_any().downcast_ref::<Self>().is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_saved_under_the_build_directory() {
        let path = failure_file(Some("crates/x/tests/integration/ops.rs"));
        assert!(path.ends_with("proptest-regressions/crates/x/tests/integration/ops.txt"));
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap();
        assert!(path.starts_with(profile_dir), "{}", path.display());
        // Nothing escapes the base folder.
        let odd = failure_file(Some("../../etc/passwd.rs"));
        assert!(odd.starts_with(profile_dir.join("proptest-regressions")));
    }

    proptest::proptest! {
        #![proptest_config(proptest_config(8))]
        // Not a test: called below, where its failure is expected.
        fn always_fails(x in 0u32..10) {
            proptest::prop_assert!(x > 100);
        }
    }

    #[test]
    fn a_failing_property_saves_its_case_under_target_not_beside_the_sources() {
        let saved = failure_file(Some(file!()));
        let _ = std::fs::remove_file(&saved);
        let beside_sources = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proptest-regressions");
        let failed = std::panic::catch_unwind(always_fails).is_err();
        assert!(failed, "the property must fail");
        let text = std::fs::read_to_string(&saved).unwrap();
        assert!(text.contains("cc "), "{text}");
        assert!(
            !beside_sources.exists(),
            "{} was written",
            beside_sources.display()
        );
    }

    #[test]
    fn the_configuration_keeps_regressions_read_only() {
        let config = proptest_config(5);
        assert!(config.cases >= 5);
        let persistence = config.failure_persistence.unwrap();
        assert!(persistence.as_any().is::<ReadOnlyRegressions>());
    }
}
