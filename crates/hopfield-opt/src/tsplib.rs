//! TSPLIB instances and tours: parsing (through the `tsplib` crate, validated), the distance conventions (raw Euclidean, GEO, EUC_2D, CEIL_2D, ATT), tour lengths.
