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

#[wasm_bindgen_test]
async fn the_head_of_a_file_is_previewed_in_the_worker() {
    let csv = b"Author ID,Posted At,Body\n42,2020-01-01 10:00,hello\n43,2020-01-01 10:01,hi\n";
    let blob = blob_of(csv);
    let mut head = Vec::new();
    stream_blob(&blob, 16.0, |c| {
        head.extend_from_slice(c);
        true
    })
    .await
    .unwrap();
    let p = chorus::protocol::preview_file("custom.csv", &head);
    let preview = p.csv.expect("an unknown header gets a preview");
    assert_eq!(preview.headers, vec!["Author ID", "Posted At", "Body"]);
    assert_eq!(preview.rows.len(), 2);
    assert_eq!(p.guess.unwrap().account.as_deref(), Some("Author ID"));
}

#[wasm_bindgen_test]
fn the_session_reads_an_io_archive_and_answers_table_layout_and_export_in_the_worker() {
    use chorus::core::ingest::IngestOptions;
    use chorus::protocol::{FileMeta, LayoutScope, Request, Response, Session};
    let data: &[u8] = include_bytes!("it/data/export/hostile_tweets_csv_hashed.csv");
    let mut s = Session::new();
    let mut out = Vec::new();
    s.handle(
        Request::Ingest {
            files: vec![FileMeta { name: "h_tweets_csv_hashed.csv".into(), size: data.len() as u64 }],
            options: IngestOptions::default(),
        },
        &mut |r| out.push(r),
    );
    s.ingest_file_start(0);
    for c in data.chunks(333) {
        s.ingest_chunk(c);
    }
    s.ingest_file_end();
    assert!(matches!(s.ingest_end(), Response::Ingested(_)));
    for req in [
        Request::Analyze { params: Default::default() },
        Request::Table,
        Request::Layout { scope: LayoutScope::Coordinated },
        Request::Export { name: "accounts.csv".into() },
    ] {
        s.handle(req, &mut |r| out.push(r));
    }
    assert!(out.iter().any(|r| matches!(r, Response::Analyzed(_))));
    assert!(out
        .iter()
        .any(|r| matches!(r, Response::Table(t) if t.n as usize == s.dataset.as_ref().unwrap().n_accounts())));
    assert!(out.iter().any(|r| matches!(r, Response::Laid(_))));
    assert!(out.iter().any(|r| matches!(r, Response::Exported { name, .. } if name == "accounts.csv")));
    assert!(!out.iter().any(|r| matches!(r, Response::Error { .. })), "{out:?}");
}

#[wasm_bindgen_test]
fn the_memory_guard_watches_real_memory_and_says_what_to_do() {
    let used = chorus::worker::wasm_memory_bytes();
    assert!(used > 0 && used < chorus::worker::MEMORY_GUARD_BYTES, "{used}");
    let msg = chorus::worker::memory_guard_message("big_tweets.csv", 1_200_000_000, 5_300_000_000, 2_700_000_000);
    assert!(msg.contains("big_tweets.csv") && msg.contains("1.2 GB") && msg.contains("5.3 GB"), "{msg}");
    assert!(msg.contains("chorus analyze") && msg.contains("kept"), "{msg}");
}
