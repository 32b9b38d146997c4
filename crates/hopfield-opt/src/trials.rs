//! Seeded parallel trials: one derived seed per trial, results independent of the thread count.
