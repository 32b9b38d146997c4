//! Integration tests of hopfield-core: properties of the dynamics, recall, reproducibility and
//! the file format.
#![allow(clippy::unwrap_used)]

mod batch;
mod common;
mod file_format;
mod lean;
mod properties;
mod recall;
