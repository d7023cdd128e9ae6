//! The hash worker (built by Trunk as a `worker` wasm module, loaded as `worker_hash.js` by
//! `worker-hash-loader.js`): the analysis worker hands it the chunks it reads, and it computes
//! each file's SHA-256 fingerprint on another core (see `chorus::worker::hash`).
#[cfg(target_arch = "wasm32")]
fn main() {
    chorus::worker::hash::start_hash_worker();
}
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the `worker_hash` binary runs inside the browser: build it with `make build`");
    std::process::exit(2);
}
