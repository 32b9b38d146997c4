//! Search: the conventional network, the tunnel operator T, the `SearchOperator` trait.
