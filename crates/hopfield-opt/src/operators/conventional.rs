//! The conventional network: the time step's neuron update alone, no operator.

use hopfield_core::rand::Rng;
use hopfield_core::{Couplings, Dynamics};

use crate::Result;
use crate::problem::Shape;
use crate::search::{OperatorStats, SearchOperator};

/// The conventional network: no operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conventional;

impl SearchOperator for Conventional {
    fn name(&self) -> &'static str {
        "conventional"
    }

    fn check(&self, _shape: &Shape) -> Result<()> {
        Ok(())
    }

    fn is_identity(&self) -> bool {
        true
    }

    fn step<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        _dynamics: &mut Dynamics<'_, C>,
        _shape: &Shape,
        _rng: &mut R,
        _stats: &mut OperatorStats,
    ) {
    }
}

impl crate::search::FlipOperator for Conventional {
    fn turn<D: hopfield_core::lean::FlipDynamics, R: Rng + ?Sized>(
        &mut self,
        _dynamics: &mut D,
        _shape: &Shape,
        _rng: &mut R,
        _stats: &mut OperatorStats,
    ) {
    }
}
