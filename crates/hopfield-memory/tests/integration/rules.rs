//! Learning rules, analysis, recall and experiments.
