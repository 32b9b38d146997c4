//! Seed 003's experiments L1 and L2 as library functions.
