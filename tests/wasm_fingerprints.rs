//! The text fingerprints in Wasm equal the native ones: the values pinned in
//! `text::PINNED_FINGERPRINTS` (checked natively by `text::tests::values_are_pinned`), computed here in wasm32 in a dedicated worker of headless
//! Chromium, where the app computes them (`make test-wasm`, or
//! `cargo test --target wasm32-unknown-unknown --test wasm_fingerprints`); and the interner's
//! string hash spreads over all 64 bits in wasm32 as natively.
#![cfg(target_arch = "wasm32")]

use chorus::core::ingest::text::{fingerprints, PINNED_FINGERPRINTS};
use chorus::core::model::Interner;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn fingerprints_equal_the_native_values() {
    for (t, want) in PINNED_FINGERPRINTS {
        assert_eq!(fingerprints(t, &mut String::new()), want, "{t}");
    }
}

/// The interner's slots keep the high 32 bits of each string's hash to skip comparing strings:
/// in wasm32 they were all zero (`FxHasher`'s state is a `usize`), so every slot a lookup
/// passed was compared byte by byte. Hashed account ids as the archives give them (64 hex
/// characters) must have as many distinct high halves as ids, within a few collisions.
#[wasm_bindgen_test]
fn interner_hash_spreads_over_the_high_bits() {
    let n = 50_000u64;
    let high: std::collections::HashSet<u64> = (0..n)
        .map(|k| Interner::hash(format!("{:064x}", k.wrapping_mul(0x2545_F491_4F6C_DD1D)).as_bytes()) >> 32)
        .collect();
    assert!(high.len() as u64 >= n - 5, "{} distinct high halves of {n} hashes", high.len());
}
