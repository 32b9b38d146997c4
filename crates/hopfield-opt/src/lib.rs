//! Combinatorial optimization with discrete Hopfield networks (seed 002).
//!
//! This crate is a placeholder until its issue lands: the TSP, N-Queens and Hitchcock
//! encodings, the conventional network and the tunnel operator T of Matsumoto et al., and the
//! exact references (Held–Karp, transportation LP) will live here, on top of
//! [`hopfield_core`]. Nothing is implemented yet.

pub use hopfield_core;
