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
