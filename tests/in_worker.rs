//! wasm-bindgen tests inside a dedicated Web Worker: the worker shell's File streaming
//! (`Blob.slice().arrayBuffer()` in chunks, early stop for cancellation) and the protocol session,
//! in the same environment the real worker runs in.
#![cfg(target_arch = "wasm32")]

use chorus::worker::stream_blob;
use js_sys::{Array, Uint8Array};
use wasm_bindgen_test::*;
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob_of(bytes: &[u8]) -> Blob {
    let parts = Array::new();
    parts.push(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}

#[wasm_bindgen_test]
async fn a_blob_is_streamed_whole_in_chunks() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let blob = blob_of(&data);
    let mut got = Vec::new();
    let mut n_chunks = 0;
    stream_blob(&blob, 1024.0, |c| {
        n_chunks += 1;
        got.extend_from_slice(c);
        true
    })
    .await
    .unwrap();
    assert_eq!(got, data);
    assert_eq!(n_chunks, 10);
}

#[wasm_bindgen_test]
async fn streaming_stops_when_cancelled() {
    let blob = blob_of(&vec![b'x'; 8192]);
    let mut n_chunks = 0;
    stream_blob(&blob, 1024.0, |_| {
        n_chunks += 1;
        n_chunks < 3
    })
    .await
    .unwrap();
    assert_eq!(n_chunks, 3);
}
