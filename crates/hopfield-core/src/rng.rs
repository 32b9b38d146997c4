//! The one reproducible random number generator of the workspace, and seed derivation.
//!
//! Every randomized routine takes its RNG as an argument (`&mut R` with `R: Rng + ?Sized`);
//! nothing seeds itself from the operating system. Experiments hold `u64` seeds, build a
//! [`HopfieldRng`] with [`rng_from_seed`], and give every parallel trial its own seed from
//! [`derive_seed`], so results do not depend on the number of threads.

use rand::SeedableRng;

/// The workspace's generator: xoshiro256++, whose output stream is fixed by its definition
/// (unlike `rand::rngs::StdRng`, which may change between rand versions).
pub type HopfieldRng = rand_xoshiro::Xoshiro256PlusPlus;

/// A [`HopfieldRng`] from a `u64` seed (expanded with SplitMix64).
pub fn rng_from_seed(seed: u64) -> HopfieldRng {
    HopfieldRng::seed_from_u64(seed)
}

/// A seed for sub-stream `path` of `base` (for example `[cell_idx, trial_idx]`): a SplitMix64
/// chain, so distinct paths give unrelated seeds and the result depends only on its inputs.
///
/// ```
/// use hopfield_core::derive_seed;
/// assert_eq!(derive_seed(42, &[3, 7]), derive_seed(42, &[3, 7]));
/// assert_ne!(derive_seed(42, &[3, 7]), derive_seed(42, &[7, 3]));
/// ```
pub fn derive_seed(base: u64, path: &[u64]) -> u64 {
    let mut h = splitmix64(base ^ 0x6A09_E667_F3BC_C909);
    for &p in path {
        h = splitmix64(h ^ splitmix64(p.wrapping_add(0x9E37_79B9_7F4A_7C15)));
    }
    h
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn generator_stream_is_pinned() {
        // Guards against a silent change of generator or seeding. The values were checked
        // against an independent implementation of SplitMix64 seeding and xoshiro256++.
        let mut rng = rng_from_seed(2024);
        let xs: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(
            xs,
            [
                9_674_054_429_496_410_833,
                5_440_047_934_801_865_465,
                4_492_727_561_091_312_426,
                7_778_185_236_240_025_452
            ]
        );
    }

    #[test]
    fn derived_seeds_differ() {
        let seeds: std::collections::HashSet<u64> =
            (0..1000).map(|t| derive_seed(1, &[0, t])).collect();
        assert_eq!(seeds.len(), 1000);
        assert_ne!(derive_seed(1, &[]), derive_seed(2, &[]));
    }
}
