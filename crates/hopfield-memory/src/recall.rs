//! Empirical recall (noise, probes, diagnostics) and capacity sweeps.
