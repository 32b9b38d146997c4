//! Hitchcock transportation: warehouses × factories × units, unary count encoding.
