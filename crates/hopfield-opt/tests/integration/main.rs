//! Integration tests of hopfield-opt.
#![allow(clippy::unwrap_used)]
