//! The one native integration test binary (`cargo test --test it`); one module per feature.
mod ingest_csv;
mod peer;
