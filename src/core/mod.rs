//! The pure core: ingest, data model, detection, layout, exports, synthetic data.
//!
//! Invariants (stated as absences): no web imports (web crates are not even dependencies on the
//! native target), no clock, no global random number generator, no I/O beyond byte slices and
//! `std::io::Write` sinks. Everything here is compiled and tested natively with `cargo test`.

pub mod detect;
pub mod export;
pub mod ingest;
pub mod layout;
pub mod link;
pub mod model;
pub mod peer;
pub mod synth;

/// A small seeded xorshift64 source for the unit tests' random inputs: `next(n)` is in `0..n`.
#[cfg(test)]
pub(crate) fn test_rng(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    }
}
