//! tsplib tests.
