//! The one native integration-test binary (`cargo test --test it`); one module per feature.
#![cfg(not(target_arch = "wasm32"))]
mod cli;
mod detect;
mod export;
mod fuzz_smoke;
mod ingest_csv;
mod ingest_json;
mod ingest_stream;
mod layout;
mod link;
mod peer;
mod protocol;
mod protocol_link;
mod synth;
