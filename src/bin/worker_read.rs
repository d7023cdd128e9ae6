//! The reading worker (built by Trunk as a `worker` wasm module, loaded as `worker_read.js` by
//! `worker-read-loader.js`): the analysis worker posts it each `File`, and it reads and parses
//! the file on another core, sending the analysis worker what it parsed (see
//! `chorus::worker::read`).
#[cfg(target_arch = "wasm32")]
fn main() {
    chorus::worker::read::start_read_worker();
}
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the `worker_read` binary runs inside the browser: build it with `make build`");
    std::process::exit(2);
}
