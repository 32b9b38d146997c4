//! The learning rules: one trait, each rule a type with checked parameters.
