//! exact tests.
