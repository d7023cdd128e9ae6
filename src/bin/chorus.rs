//! `chorus`: the native command-line interface over the same core as the web app.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(chorus::cli::main());
}
#[cfg(target_arch = "wasm32")]
fn main() {}
