//! Analysis of a network against its stored patterns: stability, attraction-radius bounds F_i^u, Fmax/Fmin/Fave, fundamental-constraint violations.
