//! Integration tests of hopfield-opt.
#![allow(clippy::unwrap_used)]

mod exact;
mod lean;
mod operators;
mod problems;
mod qubo;
mod search;
mod tsplib;
mod tunnel_readings;
