//! Chorus finds coordinated inauthentic networks — the core accounts that publish a campaign's
//! narratives and the amplifier accounts that boost them — in social-media dumps, entirely in
//! the browser (or natively with the `chorus` CLI).
//!
//! Module map:
//! - [`core`]: pure Rust, deterministic, natively tested: `ingest` (push parsers), `model`
//!   (columnar dataset), `detect` (co-action networks, communities, roles), `layout`, `export`,
//!   `synth` (synthetic datasets with ground truth, the demo dataset).
//! - [`protocol`]: the closed `Request`/`Response` protocol between the UI and the worker, and the
//!   pure `handle` that answers it.
//! - `worker` (wasm32 only): the Web Worker shell that streams `File`s into `protocol::handle`.
//! - `ui` (wasm32 only): the Yew app.

pub mod core;

pub mod protocol;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
