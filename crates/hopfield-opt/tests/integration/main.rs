//! Integration tests of hopfield-opt.
#![allow(clippy::unwrap_used)]

mod exact;
mod problems;
mod search;
mod tsplib;
