//! [`LeanDynamics`] (a [`BitState`] with the fields of a [`LeanNetwork`]) and
//! [`FlipDynamics`], the operations search operators need, for both it and the plain
//! [`Dynamics`].

use super::{BitState, LeanNetwork};
use crate::couplings::Couplings;
use crate::dynamics::Dynamics;
use crate::error::{CoreError, Result};
use crate::state::{Encoding, TieRule};

/// The operations a search operator needs from a running network, one flip at a time.
///
/// Implemented by the plain [`Dynamics`] (an `f64` [`State`](crate::State) and `f64` fields)
/// and by [`LeanDynamics`] (a [`BitState`] and the compact fields of a [`LeanNetwork`]), so
/// one operator runs on either. After any method returns, `field(i)` is the local field of
/// neuron `i` and `energy()` the energy of the state, up to rounding.
pub trait FlipDynamics {
    /// Number of neurons.
    fn n(&self) -> usize;
    /// The neurons' encoding.
    fn encoding(&self) -> Encoding;
    /// Whether neuron `i` is high.
    fn is_high(&self, i: usize) -> bool;
    /// The local field of neuron `i`.
    fn field(&self, i: usize) -> f64;
    /// The current energy.
    fn energy(&self) -> f64;
    /// The coupling `w_ij`.
    fn weight(&self, i: usize, j: usize) -> f64;
    /// The exact energy change if neuron `i` flipped: `−Δs·I_i − ½ w_ii Δs²`.
    fn flip_delta(&self, i: usize) -> f64;
    /// Flips neuron `i`, keeping fields and energy current; returns the energy change.
    fn flip(&mut self, i: usize) -> f64;
    /// Applies the update rule (with the dynamics' tie rule) to neuron `i`; returns whether
    /// it flipped.
    fn update(&mut self, i: usize) -> bool;
    /// Recomputes fields and energy from scratch.
    fn recompute(&mut self);
    /// Lists the high neurons in increasing order (clears `out` first).
    fn high_neurons(&self, out: &mut Vec<usize>);
    /// Number of high neurons.
    fn count_high(&self) -> usize;
    /// Makes exactly the neurons of `high` high (the others low) and recomputes.
    fn assign(&mut self, high: &[usize]);
    /// A compact copy of the state.
    fn snapshot(&self) -> BitState;
    /// Restores a state taken by [`FlipDynamics::snapshot`] (same length and encoding) and
    /// recomputes.
    fn restore(&mut self, state: &BitState);
}

impl<C: Couplings> FlipDynamics for Dynamics<'_, C> {
    #[inline]
    fn n(&self) -> usize {
        self.state().len()
    }
    #[inline]
    fn encoding(&self) -> Encoding {
        self.network().encoding()
    }
    #[inline]
    fn is_high(&self, i: usize) -> bool {
        self.state().is_high(i)
    }
    #[inline]
    fn field(&self, i: usize) -> f64 {
        self.fields()[i]
    }
    #[inline]
    fn energy(&self) -> f64 {
        Dynamics::energy(self)
    }
    #[inline]
    fn weight(&self, i: usize, j: usize) -> f64 {
        self.network().couplings().weight(i, j)
    }
    #[inline]
    fn flip_delta(&self, i: usize) -> f64 {
        Dynamics::flip_delta(self, i)
    }
    #[inline]
    fn flip(&mut self, i: usize) -> f64 {
        Dynamics::flip(self, i)
    }
    #[inline]
    fn update(&mut self, i: usize) -> bool {
        Dynamics::update(self, i)
    }
    fn recompute(&mut self) {
        Dynamics::recompute(self);
    }
    fn high_neurons(&self, out: &mut Vec<usize>) {
        out.clear();
        out.extend((0..self.state().len()).filter(|&i| self.state().is_high(i)));
    }
    fn count_high(&self) -> usize {
        (0..self.state().len())
            .filter(|&i| self.state().is_high(i))
            .count()
    }
    fn assign(&mut self, high: &[usize]) {
        let mut bits = vec![false; self.state().len()];
        for &i in high {
            bits[i] = true;
        }
        let state = crate::State::from_bits(self.network().encoding(), &bits);
        // Same length and encoding by construction.
        let _ = self.reset(state);
    }
    fn snapshot(&self) -> BitState {
        BitState::from_state(self.state())
    }
    fn restore(&mut self, state: &BitState) {
        let _ = self.reset(state.to_state());
    }
}

/// A [`BitState`] evolving under a [`LeanNetwork`], with every local field kept current in
/// the network's compact store: the lean counterpart of [`Dynamics`].
///
/// Memory: `n/8` bytes for the state plus [`LeanNetwork::field_bytes`].
#[derive(Debug, Clone)]
pub struct LeanDynamics<'n, L: LeanNetwork> {
    net: &'n L,
    state: BitState,
    fields: L::Fields,
    energy: f64,
    tie: TieRule,
}

impl<'n, L: LeanNetwork> LeanDynamics<'n, L> {
    /// Starts from `state` with the tie rule [`TieRule::Keep`]; the state's length and
    /// encoding must match the network.
    pub fn new(net: &'n L, state: BitState) -> Result<Self> {
        Self::with_tie_rule(net, state, TieRule::Keep)
    }

    /// Starts from `state` with a tie rule.
    pub fn with_tie_rule(net: &'n L, state: BitState, tie: TieRule) -> Result<Self> {
        check(net, &state)?;
        let fields = net.fields_of(&state);
        let energy = net.energy(&fields, &state);
        Ok(LeanDynamics {
            net,
            state,
            fields,
            energy,
            tie,
        })
    }

    /// The network.
    pub fn network(&self) -> &'n L {
        self.net
    }

    /// The current state.
    pub fn state(&self) -> &BitState {
        &self.state
    }

    /// The current state, consuming the dynamics.
    pub fn into_state(self) -> BitState {
        self.state
    }

    /// The field store.
    pub fn field_store(&self) -> &L::Fields {
        &self.fields
    }

    /// Replaces the state (checked) and recomputes.
    pub fn reset(&mut self, state: BitState) -> Result<()> {
        check(self.net, &state)?;
        self.state = state;
        FlipDynamics::recompute(self);
        Ok(())
    }

    /// The current energy.
    #[inline]
    pub fn energy(&self) -> f64 {
        self.energy
    }

    /// Flips neuron `i`; returns the energy change. Panics if `i` is out of range.
    #[inline]
    pub fn flip(&mut self, i: usize) -> f64 {
        FlipDynamics::flip(self, i)
    }

    /// Whether no neuron would change (`O(n)` field reads).
    pub fn is_fixed_point(&self) -> bool {
        (0..self.net.n()).all(|i| {
            let high = self.state.is_high(i);
            self.tie.next_is_high(FlipDynamics::field(self, i), high) == high
        })
    }
}

fn check<L: LeanNetwork>(net: &L, state: &BitState) -> Result<()> {
    if state.len() != net.n() {
        return Err(CoreError::DimensionMismatch {
            what: "state",
            expected: net.n(),
            found: state.len(),
        });
    }
    if state.encoding() != net.encoding() {
        return Err(CoreError::EncodingMismatch {
            expected: net.encoding(),
            found: state.encoding(),
        });
    }
    Ok(())
}

impl<L: LeanNetwork> FlipDynamics for LeanDynamics<'_, L> {
    #[inline]
    fn n(&self) -> usize {
        self.state.len()
    }
    #[inline]
    fn encoding(&self) -> Encoding {
        self.state.encoding()
    }
    #[inline]
    fn is_high(&self, i: usize) -> bool {
        self.state.is_high(i)
    }
    #[inline]
    fn field(&self, i: usize) -> f64 {
        self.net.field(&self.fields, &self.state, i)
    }
    #[inline]
    fn energy(&self) -> f64 {
        self.energy
    }
    #[inline]
    fn weight(&self, i: usize, j: usize) -> f64 {
        self.net.weight(i, j)
    }
    #[inline]
    fn flip_delta(&self, i: usize) -> f64 {
        let span = self.state.encoding().span();
        let delta = if self.state.is_high(i) { -span } else { span };
        -delta * self.field(i) - 0.5 * self.net.self_coupling(i) * delta * delta
    }
    #[inline]
    fn flip(&mut self, i: usize) -> f64 {
        let de = self.flip_delta(i);
        let delta = self.state.flip(i);
        self.net.on_flip(&mut self.fields, &self.state, i, delta);
        self.energy += de;
        de
    }
    #[inline]
    fn update(&mut self, i: usize) -> bool {
        let high = self.state.is_high(i);
        if self.tie.next_is_high(self.field(i), high) != high {
            self.flip(i);
            true
        } else {
            false
        }
    }
    fn recompute(&mut self) {
        self.fields = self.net.fields_of(&self.state);
        self.energy = self.net.energy(&self.fields, &self.state);
    }
    fn high_neurons(&self, out: &mut Vec<usize>) {
        out.clear();
        self.state.for_each_high(|i| out.push(i));
    }
    fn count_high(&self) -> usize {
        self.state.count_high()
    }
    fn assign(&mut self, high: &[usize]) {
        self.state.clear();
        for &i in high {
            self.state.set(i, true);
        }
        self.recompute();
    }
    fn snapshot(&self) -> BitState {
        self.state.clone()
    }
    fn restore(&mut self, state: &BitState) {
        if state.len() == self.state.len() && state.encoding() == self.state.encoding() {
            self.state.copy_from(state);
            self.recompute();
        }
    }
}
