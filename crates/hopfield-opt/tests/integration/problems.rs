//! problems tests.
