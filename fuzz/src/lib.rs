//! cargo-fuzz targets for Chorus's ingest layers and detection; the checks live in
//! `harness.rs`, shared with the stable mutation fuzzer in `tests/it/fuzz_smoke.rs`.
#[path = "harness.rs"]
pub mod harness;
