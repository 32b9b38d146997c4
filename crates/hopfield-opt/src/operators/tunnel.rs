//! The tunnel operator T of Matsumoto, Tanaka, Kurihara & Okuhara (2004).
//!
//! # Definition (seed 002 eqs 10–20; SPEC §5.2)
//! The neuron array has `δ` dimensions `ν_1..ν_δ`. One *operation* along dimension `d` picks
//! `λ` distinct slices (eqs 13–15; a slice is every neuron whose `d`-th index is fixed) and
//! gives each the old contents of another selected slice: a uniformly random derangement
//! (eq. 16), a swap for `λ = 2`. A candidate applies `ρ_d` operations along each `d` in turn
//! (eq. 19); `τ − 1` independent candidates compete with the current state (eqs 5–8), and the
//! least energy wins, ties keeping the earliest (the current state first).
//!
//! - [`TunnelVariant::Literal`]: one candidate set per step as above.
//! - [`TunnelVariant::PerDimension`]: for each `d` in turn, `τ − 1` candidates made of the
//!   `ρ_d` operations along `d` only; the best is accepted if it lowers the energy (SPEC §5.2
//!   option, which matched burma14 better in SPEC §8).
//!
//! Candidates are scored *incrementally*: the operations are applied to the live
//! [`Dynamics`] with [`Dynamics::flip`] (only neurons whose value changes are flipped), the
//! flip deltas summed, and the flips undone unless the candidate wins. A candidate costs
//! `O(m · column)` where `m` is the number of changed neurons (at most `2λ·N/ν_d` per
//! operation) and `column` the cost of [`Couplings::add_column`] (`O(n)` for TSP and
//! N-Queens): never a full energy evaluation.

use hopfield_core::rand::{Rng, RngExt};
use hopfield_core::{Couplings, Dynamics};

use crate::problem::Shape;
use crate::search::{OperatorStats, SearchOperator};
use crate::{OptError, Result};

/// How the candidates of the tunnel operator are composed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TunnelVariant {
    /// Seed 002 as written: each candidate applies `ρ_d` operations along every dimension.
    Literal,
    /// One attempt per dimension, each accepted if it lowers the energy (SPEC §5.2 option).
    PerDimension,
}

/// Parameters of the tunnel operator `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct TunnelConfig {
    /// `τ ≥ 2`: the number of states compared, the current one included (eq. 20).
    pub tau: usize,
    /// `ρ_d`: operations per dimension (eq. 19), one entry per dimension.
    pub rho: Vec<usize>,
    /// `λ ≥ 2`: slices permuted per operation (eq. 14; SPEC \[ASSUMED\] 2, a swap).
    pub lambda: usize,
    /// Candidate composition.
    pub variant: TunnelVariant,
    /// A candidate replaces the current state only if it lowers the energy by more than this
    /// (absorbs rounding of the summed deltas; ties keep the current state, eq. 8).
    pub tolerance: f64,
}

impl TunnelConfig {
    /// The paper's setting for a `ndim`-dimensional array: `τ = 2`, `ρ = [1; ndim]`, `λ = 2`,
    /// literal candidates, tolerance `1e-9`.
    pub fn paper(ndim: usize) -> Self {
        TunnelConfig {
            tau: 2,
            rho: vec![1; ndim],
            lambda: 2,
            variant: TunnelVariant::Literal,
            tolerance: 1e-9,
        }
    }

    /// The same with per-dimension attempts.
    pub fn per_dimension(ndim: usize) -> Self {
        TunnelConfig {
            variant: TunnelVariant::PerDimension,
            ..Self::paper(ndim)
        }
    }
}

/// The tunnel operator `T` of seed 002 (see the module docs).
#[derive(Debug, Clone)]
pub struct Tunnel {
    config: TunnelConfig,
    flips: Vec<usize>,
    best_flips: Vec<usize>,
    selected: Vec<usize>,
    perm: Vec<usize>,
    old: Vec<bool>,
}

impl Tunnel {
    /// A tunnel operator; its parameters are checked against `shape` (`τ ≥ 2`, one `ρ_d` per
    /// dimension, `2 ≤ λ ≤ ν_d` wherever `ρ_d > 0`, tolerance finite and `≥ 0`).
    pub fn new(config: TunnelConfig, shape: &Shape) -> Result<Self> {
        let t = Tunnel {
            config,
            flips: Vec::new(),
            best_flips: Vec::new(),
            selected: Vec::new(),
            perm: Vec::new(),
            old: Vec::new(),
        };
        t.check(shape)?;
        Ok(t)
    }

    /// The parameters.
    pub fn config(&self) -> &TunnelConfig {
        &self.config
    }

    /// Picks `λ` distinct slices along `dim` and a random derangement of them, into
    /// `self.selected` and `self.perm` (`perm[α]` = the selected slice whose old contents
    /// slice `α` receives).
    fn draw_operation<R: Rng + ?Sized>(&mut self, nu: usize, rng: &mut R) {
        let lambda = self.config.lambda;
        self.selected.clear();
        if lambda == 2 {
            let a = rng.random_range(0..nu);
            let mut b = rng.random_range(0..nu - 1);
            if b >= a {
                b += 1;
            }
            self.selected.extend([a, b]);
            self.perm.clear();
            self.perm.extend([1, 0]);
            return;
        }
        while self.selected.len() < lambda {
            let v = rng.random_range(0..nu);
            if !self.selected.contains(&v) {
                self.selected.push(v);
            }
        }
        // Uniform derangement by rejection: a uniform permutation is a derangement with
        // probability ≈ 1/e.
        loop {
            self.perm.clear();
            self.perm.extend(0..lambda);
            for i in (1..lambda).rev() {
                let j = rng.random_range(0..=i);
                self.perm.swap(i, j);
            }
            if self.perm.iter().enumerate().all(|(a, &b)| a != b) {
                break;
            }
        }
    }

    /// Applies the drawn operation along `dim` to the dynamics, recording flips; returns ΔE.
    fn apply_operation<C: Couplings>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        dim: usize,
    ) -> f64 {
        let stride = shape.strides()[dim];
        let mut de = 0.0;
        let Tunnel {
            flips,
            selected,
            perm,
            old,
            ..
        } = self;
        if selected.len() == 2 && perm[0] == 1 {
            let off_a = selected[0] * stride;
            let off_b = selected[1] * stride;
            shape.for_each_in_slice(dim, 0, |_, i0| {
                let (ia, ib) = (i0 + off_a, i0 + off_b);
                if dynamics.state().is_high(ia) != dynamics.state().is_high(ib) {
                    de += dynamics.flip(ia);
                    de += dynamics.flip(ib);
                    flips.extend([ia, ib]);
                }
            });
        } else {
            shape.for_each_in_slice(dim, 0, |_, i0| {
                old.clear();
                old.extend(
                    selected
                        .iter()
                        .map(|&v| dynamics.state().is_high(i0 + v * stride)),
                );
                for (alpha, &v) in selected.iter().enumerate() {
                    let i = i0 + v * stride;
                    if old[perm[alpha]] != old[alpha] {
                        de += dynamics.flip(i);
                        flips.push(i);
                    }
                }
            });
        }
        de
    }

    /// Builds one candidate from the current state: `ρ_d` operations along each dimension in
    /// `dims`. Returns ΔE; the flips are in `self.flips`.
    fn apply_candidate<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        dims: std::ops::Range<usize>,
        rng: &mut R,
    ) -> f64 {
        self.flips.clear();
        let mut de = 0.0;
        for d in dims {
            for _ in 0..self.config.rho[d] {
                self.draw_operation(shape.dims()[d], rng);
                de += self.apply_operation(dynamics, shape, d);
            }
        }
        de
    }

    /// `τ − 1` candidates over `dims`; moves to the best if it beats the current state.
    /// Returns whether it moved.
    fn compete<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        dims: std::ops::Range<usize>,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) -> bool {
        let candidates = self.config.tau - 1;
        let threshold = -self.config.tolerance;
        let mut best: Option<f64> = None;
        for k in 0..candidates {
            let de = self.apply_candidate(dynamics, shape, dims.clone(), rng);
            stats.energy_evaluations += 1;
            stats.flips += self.flips.len() as u64;
            let wins = de < threshold && best.is_none_or(|b| de < b);
            if wins && k + 1 == candidates {
                return true;
            }
            for &i in self.flips.iter().rev() {
                dynamics.flip(i);
            }
            stats.flips += self.flips.len() as u64;
            if wins {
                best = Some(de);
                std::mem::swap(&mut self.flips, &mut self.best_flips);
            }
        }
        if best.is_some() {
            for &i in &self.best_flips {
                dynamics.flip(i);
            }
            stats.flips += self.best_flips.len() as u64;
            true
        } else {
            false
        }
    }
}

impl SearchOperator for Tunnel {
    fn name(&self) -> &'static str {
        match self.config.variant {
            TunnelVariant::Literal => "tunnel",
            TunnelVariant::PerDimension => "tunnel-per-dimension",
        }
    }

    fn check(&self, shape: &Shape) -> Result<()> {
        let c = &self.config;
        if c.tau < 2 {
            return Err(OptError::InvalidParameter {
                name: "tau",
                reason: format!("must be >= 2, got {}", c.tau),
            });
        }
        if c.rho.len() != shape.ndim() {
            return Err(OptError::InvalidParameter {
                name: "rho",
                reason: format!(
                    "needs one entry per dimension ({}), got {}",
                    shape.ndim(),
                    c.rho.len()
                ),
            });
        }
        if c.lambda < 2 {
            return Err(OptError::InvalidParameter {
                name: "lambda",
                reason: format!("must be >= 2, got {}", c.lambda),
            });
        }
        for (d, (&rho, &nu)) in c.rho.iter().zip(shape.dims()).enumerate() {
            if rho > 0 && c.lambda > nu {
                return Err(OptError::InvalidParameter {
                    name: "lambda",
                    reason: format!("{} exceeds dimension {d} of size {nu}", c.lambda),
                });
            }
        }
        if !(c.tolerance.is_finite() && c.tolerance >= 0.0) {
            return Err(OptError::InvalidParameter {
                name: "tolerance",
                reason: format!("must be finite and >= 0, got {}", c.tolerance),
            });
        }
        Ok(())
    }

    fn step<C: Couplings, R: Rng + ?Sized>(
        &mut self,
        dynamics: &mut Dynamics<'_, C>,
        shape: &Shape,
        rng: &mut R,
        stats: &mut OperatorStats,
    ) {
        match self.config.variant {
            TunnelVariant::Literal => {
                if self.compete(dynamics, shape, 0..shape.ndim(), rng, stats) {
                    stats.transitions += 1;
                }
            }
            TunnelVariant::PerDimension => {
                for d in 0..shape.ndim() {
                    if self.config.rho[d] > 0 && self.compete(dynamics, shape, d..d + 1, rng, stats)
                    {
                        stats.transitions += 1;
                    }
                }
            }
        }
    }
}

/// Applies one slice permutation of the tunnel operator to a live [`Dynamics`]: slice
/// `slices[α]` along `dim` receives the old contents of slice `slices[perm[α]]`; returns the
/// energy change (the sum of the flip deltas). Only neurons whose value changes are flipped:
/// `O(m · column)` for `m` changed neurons.
///
/// Errors if `dim` is out of range, `slices` holds an out-of-range or repeated slice, or
/// `perm` is not a permutation of `0..slices.len()`.
pub fn permute_slices<C: Couplings>(
    dynamics: &mut Dynamics<'_, C>,
    shape: &Shape,
    dim: usize,
    slices: &[usize],
    perm: &[usize],
) -> Result<f64> {
    let bad = |reason: String| OptError::InvalidParameter {
        name: "slice permutation",
        reason,
    };
    if dynamics.state().len() != shape.len() {
        return Err(bad(format!(
            "state has {} neurons, shape {}",
            dynamics.state().len(),
            shape.len()
        )));
    }
    let nu = *shape
        .dims()
        .get(dim)
        .ok_or_else(|| bad(format!("dimension {dim} out of range")))?;
    let mut seen = vec![false; nu];
    for &v in slices {
        if v >= nu || std::mem::replace(&mut seen[v], true) {
            return Err(bad(format!("slice {v} out of range or repeated")));
        }
    }
    let mut used = vec![false; slices.len()];
    if perm.len() != slices.len()
        || perm
            .iter()
            .any(|&b| b >= slices.len() || std::mem::replace(&mut used[b], true))
    {
        return Err(bad(format!(
            "{perm:?} is not a permutation of 0..{}",
            slices.len()
        )));
    }
    let mut t = Tunnel {
        config: TunnelConfig::paper(shape.ndim()),
        flips: Vec::new(),
        best_flips: Vec::new(),
        selected: slices.to_vec(),
        perm: perm.to_vec(),
        old: Vec::new(),
    };
    Ok(t.apply_operation(dynamics, shape, dim))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopfield_core::rng_from_seed;

    #[test]
    fn derangements_move_every_slice() {
        let shape = Shape::new(vec![6, 6]).unwrap();
        let mut cfg = TunnelConfig::paper(2);
        cfg.lambda = 4;
        let mut t = Tunnel::new(cfg, &shape).unwrap();
        let mut rng = rng_from_seed(3);
        for _ in 0..100 {
            t.draw_operation(6, &mut rng);
            let mut s = t.selected.clone();
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), 4);
            assert!(t.perm.iter().enumerate().all(|(a, &b)| a != b));
        }
    }

    #[test]
    fn bad_tunnel_parameters_are_errors() {
        let shape = Shape::new(vec![4, 4]).unwrap();
        let mut c = TunnelConfig::paper(2);
        c.tau = 1;
        assert!(Tunnel::new(c, &shape).is_err());
        assert!(Tunnel::new(TunnelConfig::paper(3), &shape).is_err());
        let mut c = TunnelConfig::paper(2);
        c.lambda = 5;
        assert!(Tunnel::new(c, &shape).is_err());
        let mut c = TunnelConfig::paper(2);
        c.tolerance = f64::NAN;
        assert!(Tunnel::new(c, &shape).is_err());
    }
}
