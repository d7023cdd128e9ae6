//! Browser unit tests (wasm-bindgen-test in headless Chromium): the protocol session driven the
//! way the worker drives it, and UI helpers. Run with `make test-wasm` or
//! `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

use chorus::core::ingest::IngestOptions;
use chorus::protocol::{FileMeta, Request, Response, Session};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn ingest(session: &mut Session, name: &str, bytes: &[u8], chunk: usize) -> Response {
    let mut out = Vec::new();
    session.handle(
        Request::Ingest { files: vec![FileMeta { name: name.into(), size: bytes.len() as u64 }], options: IngestOptions::default() },
        &mut |r| out.push(r),
    );
    assert!(out.is_empty(), "ingest setup answers nothing: {out:?}");
    session.ingest_file_start(0);
    for c in bytes.chunks(chunk.max(1)) {
        session.ingest_chunk(c);
    }
    session.ingest_file_end();
    session.ingest_end()
}

#[wasm_bindgen_test]
fn session_reads_a_file_in_chunks_in_the_browser() {
    let data = b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,10,alice,,,hello,1600000000,\n";
    let mut s = Session::new();
    let Response::Ingested(summary) = ingest(&mut s, "t.csv", data, 7) else { panic!("expected Ingested") };
    assert_eq!(summary.files.len(), 1);
    assert_eq!(summary.files[0].bytes, data.len() as u64);
    assert!(summary.files[0].balanced());
}

#[wasm_bindgen_test]
fn analyze_without_data_is_a_clear_error() {
    let mut s = Session::new();
    let mut out = Vec::new();
    s.handle(Request::Analyze { params: Default::default() }, &mut |r| out.push(r));
    match &out[..] {
        [Response::Error { message }] => assert!(message.contains("No dataset")),
        other => panic!("unexpected {other:?}"),
    }
}

#[wasm_bindgen_test]
fn responses_cross_the_boundary_as_js_values() {
    use serde::Serialize;
    let resp = Response::Error { message: "x".into() };
    let v = resp.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap();
    let back: Response = serde_wasm_bindgen::from_value(v).unwrap();
    assert_eq!(back, resp);
}

#[wasm_bindgen_test]
fn human_bytes_reads_well() {
    assert_eq!(chorus::ui::human_bytes(999), "999 B");
    assert_eq!(chorus::ui::human_bytes(1_500_000), "1.5 MB");
}
