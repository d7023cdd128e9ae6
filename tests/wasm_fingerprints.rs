//! The text fingerprints in Wasm equal the native ones: the values pinned natively in
//! `text::tests::values_are_pinned`, computed here in wasm32 in a dedicated worker of headless
//! Chromium, where the app computes them (`make test-wasm`, or
//! `cargo test --target wasm32-unknown-unknown --test wasm_fingerprints`).
#![cfg(target_arch = "wasm32")]

use chorus::core::ingest::text::fingerprints;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn fingerprints_equal_the_native_values() {
    let got: Vec<(u64, u64)> = ["Hong Kong police stop the riot today", "香港 加油 عاجل 🙏 freedom", "a"]
        .iter()
        .map(|t| fingerprints(t, &mut String::new()))
        .collect();
    let want: Vec<(u64, u64)> = vec![
        (0x40bc_91bc_b0f8_6ca0, 0x40f5_cf9e_d5f3_32ce),
        (0xd8a8_8640_cc58_d296, 0x99a6_ea72_1f8e_2f77),
        (0x7836_4325_754c_3f3c, 0x9ceb_f9df_8498_3b97),
    ];
    assert_eq!(got, want);
}
