//! Search operators: everything that may move the state once per time step, after the
//! neuron update ([`crate::search`] runs the time step).
//!
//! | operator | module | source |
//! |---|---|---|
//! | [`Conventional`] (no operator) | [`conventional`] | Hopfield & Tank (1985); Matsumoto et al. (2004) |
//! | [`Tunnel`] (operator T) | [`tunnel`] | Matsumoto, Tanaka, Kurihara & Okuhara (2004) |
//! | [`TourMoves`] (2-opt, Or-opt) | [`tsp_moves`] | ours, beyond the paper |
//! | [`TransportCycles`] (cycle moves) | [`transport_cycles`] | ours, beyond the paper |
//! | [`QueensSwaps`] (row exchanges) | [`queens_moves`] | ours, beyond the paper |
//!
//! The move operators share one engine ([`moves`]: the [`MoveFamily`] trait, [`MoveSearch`],
//! exact multi-flip deltas [`flips_delta`], selection by name with [`OperatorSpec`]) and the
//! acceptance schedules of [`schedule`] (annealing, threshold accepting, descent).

pub mod conventional;
pub mod moves;
pub mod queens_moves;
pub mod schedule;
pub mod transport_cycles;
pub mod tsp_moves;
pub mod tunnel;

pub use conventional::Conventional;
pub use moves::{
    MoveConfig, MoveFamily, MoveSearch, OPERATOR_NAMES, OperatorSpec, WithMoves, by_name,
    flips_delta,
};
pub use queens_moves::{QueensFamily, QueensSwaps};
pub use schedule::Acceptance;
pub use transport_cycles::{TransportCycles, TransportFamily};
pub use tsp_moves::{TourFamily, TourMoves};
pub use tunnel::{
    Counting, Evaluation, LambdaRule, MAX_OPERATIONS_PER_STEP, MAX_RHO, MAX_TAU, Order, Sets,
    TieBreak, Trigger, Tunnel, TunnelConfig, TunnelCounts, TunnelVariant, permute_slices,
};
