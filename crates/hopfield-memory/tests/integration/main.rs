//! Integration tests of hopfield-memory.
#![allow(clippy::unwrap_used)]

mod images;
mod recall;
mod rules;
