//! Exact references: Held–Karp TSP optimum, transportation optimum by LP.
