//! The Yew single-page app (built by Trunk as the `main` wasm module).
#[cfg(target_arch = "wasm32")]
fn main() {
    chorus::ui::start();
}
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the `app` binary is the browser UI: build it with `make build` or run `make serve`");
    std::process::exit(2);
}
