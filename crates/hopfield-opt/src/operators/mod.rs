//! Search operators: everything that may move the state once per time step, after the
//! neuron update ([`crate::search`] runs the time step).
//!
//! | operator | module | source |
//! |---|---|---|
//! | [`Conventional`] (no operator) | [`conventional`] | Hopfield & Tank (1985); Matsumoto et al. (2004) |
//! | [`Tunnel`] (operator T) | [`tunnel`] | Matsumoto, Tanaka, Kurihara & Okuhara (2004) |
//! | [`TourMoves`] (2-opt, Or-opt) | [`tsp_moves`] | ours, beyond the paper |
//! | [`TourIls`] (kick + 2-opt/Or-opt descent) | [`tour_ils`] | Martin, Otto & Felten (1991); Johnson & McGeoch (1997) |
//! | [`TransportCycles`] (cycle moves) | [`transport_cycles`] | ours, beyond the paper |
//! | [`QueensSwaps`] (row exchanges) | [`queens_moves`] | ours, beyond the paper |
//! | [`SpinAnneal`], [`SpinTabu`] (single flips) | [`spin`] | Kirkpatrick et al. (1983); Glover (1989) |
//!
//! The move operators share one engine ([`moves`]: the [`MoveFamily`] trait, [`MoveSearch`],
//! exact multi-flip deltas [`flips_delta`], selection by name with [`OperatorSpec`]) and the
//! acceptance schedules of [`schedule`] (annealing, threshold accepting, descent).

pub mod conventional;
pub mod moves;
pub mod queens_moves;
pub mod schedule;
pub mod spin;
pub mod tour_ils;
pub mod transport_cycles;
pub mod tsp_moves;
pub mod tunnel;

pub use conventional::Conventional;
pub use moves::{
    MoveConfig, MoveFamily, MoveSearch, OPERATOR_NAMES, OperatorSpec, SpinOperator, TourOperator,
    WithMoves, by_name, flips_delta,
};
pub use queens_moves::{QueensFamily, QueensSwaps};
pub use schedule::Acceptance;
pub use spin::{AnnealConfig, SpinAnneal, SpinTabu, TabuConfig};
pub use tour_ils::{IlsConfig, IlsFamily, TourIls};
pub use transport_cycles::{TransportCycles, TransportFamily};
pub use tsp_moves::{TourFamily, TourMoves};
pub use tunnel::{
    Counting, Evaluation, LambdaRule, MAX_OPERATIONS_PER_STEP, MAX_RHO, MAX_TAU, Order, Sets,
    TieBreak, Trigger, Tunnel, TunnelConfig, TunnelCounts, TunnelVariant, permute_slices,
};
