//! search tests.
