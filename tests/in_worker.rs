//! wasm-bindgen tests inside a dedicated Web Worker: the worker shell's File streaming
//! (`Blob.slice().arrayBuffer()` in chunks read one ahead, early stop for cancellation), the input
//! fingerprint, the reading worker's failure (the fallback reads here), and the protocol session
//! (reading a file parsed elsewhere too), in the same environment the real worker runs in.
#![cfg(target_arch = "wasm32")]

use chorus::worker::read::{browser_sha256_available, describe, fingerprint, rehash, ReadFailed, ReadWorker};
use chorus::worker::{stream_blob, BlobChunks};
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

#[wasm_bindgen_test]
fn an_export_waiting_for_fingerprints_says_for_which_files() {
    let one = chorus::worker::waiting_for_fingerprints_message(&[("ira_tweets_csv_hashed.csv".into(), 5_300_000_000)]);
    assert!(one.contains("ira_tweets_csv_hashed.csv (5.3 GB)") && one.contains("fingerprint of"), "{one}");
    assert!(one.contains("SHA-256") && one.contains("as soon as it is done"), "{one}");
    let two = chorus::worker::waiting_for_fingerprints_message(&[
        ("tweets.csv".into(), 1_200_000_000),
        ("users.csv".into(), 3_000_000),
    ]);
    assert!(two.contains("fingerprints of tweets.csv (1.2 GB), users.csv (3.0 MB) are"), "{two}");
    assert!(two.contains("as soon as they are done"), "{two}");
}

/// SHA-256 of the fixture, as `sha256sum tests/it/data/export/hostile_tweets_csv_hashed.csv` prints it.
const HOSTILE_SHA256: &str = "b5aad0304a906a45f3012c880b1169cfe888a4ae74777079304b7230e18a64ef";
/// SHA-256 of `abc` (FIPS 180-2, appendix B.1).
const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

#[wasm_bindgen_test]
async fn blob_chunks_come_in_order_with_the_next_one_already_requested() {
    let data: Vec<u8> = (0..10_500u32).map(|i| (i % 241) as u8).collect();
    let mut chunks = BlobChunks::new(&blob_of(&data), 1000.0);
    let mut got = Vec::new();
    let mut sizes = Vec::new();
    while let Some(buf) = chunks.next().await.unwrap() {
        let arr = Uint8Array::new(&buf);
        sizes.push(arr.length());
        got.extend(arr.to_vec());
    }
    assert_eq!(got, data);
    assert_eq!(sizes.len(), 11);
    assert_eq!(sizes[10], 500);
    assert!(chunks.next().await.unwrap().is_none(), "the end stays the end");
    assert!(BlobChunks::new(&blob_of(b""), 1000.0).next().await.unwrap().is_none());
}

#[wasm_bindgen_test]
async fn rehashing_reads_exactly_the_bytes_given() {
    let data = b"abcdefgh".repeat(1000);
    assert_eq!(rehash(&blob_of(&data), 3).await.unwrap(), (3, ABC_SHA256.to_string()));
    let hostile: &[u8] = include_bytes!("it/data/export/hostile_tweets_csv_hashed.csv");
    let (n, sha) = rehash(&blob_of(hostile), hostile.len() as u64).await.unwrap();
    assert_eq!((n, sha.as_str()), (hostile.len() as u64, HOSTILE_SHA256));
}

/// The fingerprint the reading worker takes after a read covers exactly the bytes asked for:
/// by the browser's SHA-256 where there is one (the test page is on localhost: a secure context),
/// and in WebAssembly slice by slice above the whole-file limit; none once it is not wanted.
/// (`whole_file_limit()` is at least 64 MiB: the test passes its own.)
#[wasm_bindgen_test]
async fn the_fingerprint_after_the_read_covers_exactly_the_bytes_asked_for() {
    let hostile: &[u8] = include_bytes!("it/data/export/hostile_tweets_csv_hashed.csv");
    let blob = blob_of(hostile);
    assert!(browser_sha256_available(), "the test page is a secure context");
    let limit = chorus::worker::read::whole_file_limit();
    assert!(limit >= 64.0 * 1024.0 * 1024.0);
    let (sha, how) = fingerprint(&blob, hostile.len() as f64, limit, &|| true).await.unwrap().unwrap();
    assert_eq!((sha.as_str(), how), (HOSTILE_SHA256, "the browser's SHA-256"));
    // the first 3 bytes of a longer file
    let abc = blob_of(&b"abcdefgh".repeat(1000));
    let (sha, _) = fingerprint(&abc, 3.0, limit, &|| true).await.unwrap().unwrap();
    assert_eq!(sha, ABC_SHA256);
    // above the whole-file limit: slice by slice in WebAssembly (the slices read ahead by the
    // slice reader, or here where it cannot start, as on this test server, which does not serve
    // it), across several 4 MiB slices
    let big: Vec<u8> = (0..9 * 1024 * 1024 + 5).map(|i| (i % 251) as u8).collect();
    let want = {
        let mut fp = chorus::core::export::Fingerprinter::new("");
        fp.update(&big);
        fp.finish().sha256
    };
    let (sha, how) = fingerprint(&blob_of(&big), big.len() as f64, 1024.0, &|| true).await.unwrap().unwrap();
    assert_eq!((sha, how), (want, "SHA-256 in WebAssembly"));
    let (sha, how) = fingerprint(&abc, 3.0, 0.0, &|| true).await.unwrap().unwrap();
    assert_eq!((sha.as_str(), how), (ABC_SHA256, "SHA-256 in WebAssembly"));
    assert!(fingerprint(&blob, hostile.len() as f64, limit, &|| false).await.unwrap().is_none(), "not wanted any more");
}

#[wasm_bindgen_test]
async fn a_reading_worker_that_cannot_start_fails_the_job_instead_of_hanging() {
    // The test server has no worker-read-loader.js (only the built site does): the worker fails
    // to load, and the job says so (the analysis worker then reads the file itself).
    use chorus::core::ingest::IngestOptions;
    let worker = ReadWorker::get().expect("a worker object is created");
    let mut job = worker.parse(&blob_of(b"abc"), "a.csv", 3, &IngestOptions::default(), 1024.0, false).unwrap();
    assert!(matches!(job.next().await, Err(ReadFailed::Worker(_))));
    assert!(ReadWorker::get().is_none(), "a failed reading worker is not used again");
}

/// The session builds from batches parsed elsewhere (the reading worker's `ParseSide`), crossing
/// as their three parts, and records the fingerprint it is given, as when it parses and hashes
/// the file itself.
#[wasm_bindgen_test]
fn the_session_builds_what_was_parsed_elsewhere_and_records_the_fingerprint_it_is_given() {
    use chorus::core::export::Fingerprinter;
    use chorus::core::ingest::IngestOptions;
    use chorus::protocol::{FileMeta, ParseSide, RecordedCalls, Request, Response, Session};
    let data: &[u8] = include_bytes!("it/data/export/hostile_tweets_csv_hashed.csv");
    let files = vec![
        FileMeta { name: "a_tweets_csv_hashed.csv".into(), size: data.len() as u64 },
        FileMeta { name: "b_tweets_csv_hashed.csv".into(), size: data.len() as u64 },
    ];
    let mut s = Session::new();
    s.handle(Request::Ingest { files, options: IngestOptions::default() }, &mut |_| {});
    // file 1 parsed and hashed by the session, file 2 elsewhere
    s.ingest_file_start(0);
    for c in data.chunks(333) {
        s.ingest_chunk(c);
    }
    s.ingest_file_end();
    s.ingest_file_start_parsed_elsewhere(1);
    let mut parse = ParseSide::new("b_tweets_csv_hashed.csv", data.len() as u64, &IngestOptions::default());
    let mut h = Fingerprinter::new("");
    let mut calls = Vec::new();
    let mut apply = |batch: &RecordedCalls, bytes: u64, s: &mut Session| {
        calls.clear();
        batch.wire_calls(&mut calls);
        // as the analysis worker applies it: where it is
        let got = chorus::protocol::WireBatch::new(batch.text(), batch.lens(), &calls).unwrap();
        s.ingest_wire_batch(&got, bytes);
    };
    for c in data.chunks(500) {
        let batch = parse.feed(c, RecordedCalls::default());
        apply(&batch, c.len() as u64, &mut s);
        h.update(c);
    }
    apply(&parse.finish(RecordedCalls::default()), 0, &mut s);
    let done = h.finish();
    s.ingest_file_end_hashed(done.bytes, done.sha256);
    let Response::Ingested(summary) = s.ingest_end() else { panic!("not ingested") };
    assert_eq!(summary.files.len(), 2);
    let (a, b) = (&summary.files[0], &summary.files[1]);
    assert_eq!((a.records_read, a.bytes), (b.records_read, b.bytes));
    assert_eq!(b.duplicates, b.records_read, "every post of the second copy was already read");
    let inputs = s.run_info().inputs;
    assert_eq!(inputs.len(), 2);
    for (input, name) in inputs.iter().zip(["a_tweets_csv_hashed.csv", "b_tweets_csv_hashed.csv"]) {
        assert_eq!(
            (input.path.as_str(), input.bytes, input.sha256.as_str()),
            (name, data.len() as u64, HOSTILE_SHA256)
        );
    }
}

/// A read error the reading worker reports reaches the user as its name and message (a
/// `DOMException` such as `NotReadableError` says nothing through `JSON.stringify`).
#[wasm_bindgen_test]
fn read_errors_are_described_by_name_and_message() {
    assert_eq!(describe(&"gone".into()), "gone");
    assert_eq!(describe(&js_sys::Error::new("boom").into()), "Error: boom");
    let e = js_sys::Error::new("the file changed");
    e.set_name("NotReadableError");
    assert_eq!(describe(&e.into()), "NotReadableError: the file changed");
    assert_eq!(describe(&js_sys::Object::new().into()), "{}");
}
