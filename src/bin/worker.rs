//! The Web Worker (built by Trunk as a `worker` wasm module, loaded as `worker.js`).
#[cfg(target_arch = "wasm32")]
fn main() {
    chorus::worker::start();
}
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the `worker` binary runs inside the browser: build it with `make build`");
    std::process::exit(2);
}
