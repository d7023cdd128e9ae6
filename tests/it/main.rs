//! The native integration test binary (one binary, one module per feature).
mod synth;
