//! The one native integration-test binary (`cargo test --test it`); one module per feature.
mod cli;
mod export;
