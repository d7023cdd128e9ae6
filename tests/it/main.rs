//! The native integration tests: one binary, one module per feature.

mod layout;
