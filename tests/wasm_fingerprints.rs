//! The text fingerprints in Wasm equal the native ones: the values pinned in
//! `text::PINNED_FINGERPRINTS` (checked natively by `text::tests::values_are_pinned`), computed here in wasm32 in a dedicated worker of headless
//! Chromium, where the app computes them (`make test-wasm`, or
//! `cargo test --target wasm32-unknown-unknown --test wasm_fingerprints`).
#![cfg(target_arch = "wasm32")]

use chorus::core::ingest::text::{fingerprints, PINNED_FINGERPRINTS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn fingerprints_equal_the_native_values() {
    for (t, want) in PINNED_FINGERPRINTS {
        assert_eq!(fingerprints(t, &mut String::new()), want, "{t}");
    }
}
