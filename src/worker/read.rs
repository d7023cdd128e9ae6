//! The reading worker: reads and *parses* the user's files beside the analysis worker, which
//! builds the dataset from what it parsed — the browser's form of the two-thread read of
//! `chorus` (`src/cli/pipeline.rs`).
//!
//! Why a second worker: in one worker the read is the parse loop (CSV reader, field decoding,
//! text fingerprints) plus the building (interning, columns, samples) on one core, ≈ 120 MB/s.
//! The analysis worker starts a small second worker (the `worker_read` binary, started by
//! `worker-read-loader.js`) and posts it each `File` handle. The reading worker reads
//! [`CHUNK_BYTES`](super::CHUNK_BYTES) slices of it ([`Slices`]: read ahead by a script worker,
//! started with it and kept for every file, as one byte stream into buffers handed back to it,
//! because Chromium delivers a file's bytes in tasks of the thread that asked and this one is
//! busy parsing), parses each with a [`ParseSide`] (the file's parser over a recording
//! builder), and *transfers* the calls it recorded as one batch — the batch's strings, their
//! lengths and its call descriptors as plain-data [`WireCall`]s, three `ArrayBuffer`s — to the
//! analysis worker, at most [`WINDOW`] batches ahead of it. The analysis worker copies them into
//! its memory and applies them ([`crate::protocol::Session::ingest_batch`]); the dataset, the
//! reports and every diagnostic are those of the one-worker read (tested natively,
//! `tests/it/protocol.rs`).
//!
//! The input fingerprint (SHA-256, report.json) is taken *after* the read, beside the analysis:
//! once a file's batches are applied the analysis worker asks this worker to hash exactly the
//! bytes they were made from (the whole file, or as far as a read stopped early went;
//! [`ReadWorker::hash`]). It reads them again and hashes them with the browser's SHA-256
//! (WebCrypto) when it can, else slice by slice in WebAssembly ([`fingerprint`]). Hashing while
//! reading cost the read a fifth of its time on two cores (gathering the slices, WebCrypto's
//! copy of them, the digest), where after it the hash runs on the core that detection leaves
//! idle; report.json waits for it (`super::PENDING`).
//!
//! Failures lose nothing that was read: if the reading worker cannot start, or fails before the
//! first batch of a file was applied, the analysis worker reads and parses the file itself. If it
//! fails in the middle of a file (a parser panic, which would have ended a one-worker read too),
//! the read ends with an error that says so.
//!
//! Messages, as plain JS objects: to the reading worker `{ id, parse: Blob, name, size,
//! options, chunkBytes, dropTexts }` (read and parse file `id`), `{ id, applied: true, give,
//! dropTexts }` (a batch was applied: one more may be sent; `give` hands its buffers back;
//! `dropTexts`: the analysis worker needs no more post texts, whose copies are then spared),
//! `{ id, stop: true }` (stop: the job was dropped), `{ hash: ticket, blob, bytes }` (fingerprint the first `bytes`
//! bytes of `blob`) and `{ forget: ticket }` (that fingerprint is no longer wanted); from it
//! `{ ready: true }`, `{ id, text, textLen, lens, lensLen, calls, callsLen, bytes, last, times? }`
//! (the next batch, its parts at the start of three buffers, made from `bytes` bytes of the
//! file; `last` ends the file and brings this worker's times), `{ id, readError }`,
//! `{ hashed: ticket, sha256, how, ms }` or `{ hashed: ticket, readError }`, and `{ error }`.
//! `id` numbers a file; a new `id` stops the reading of the previous one. Fingerprints are
//! taken one at a time, in the order asked.

use crate::core::export::Fingerprinter;
use crate::core::ingest::IngestOptions;
use crate::protocol::{ParseSide, RecordedCalls, WireBatch, WireCall};
use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint32Array, Uint8Array};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DedicatedWorkerGlobalScope, ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};

/// Batches the reading worker has sent and the analysis worker has not yet applied, at most
/// (each about one [`CHUNK_BYTES`](super::CHUNK_BYTES) slice and its strings; the slice
/// reader's read-ahead adds [`SLICES_AHEAD`] slices).
pub const WINDOW: u32 = 4;

/// The script that starts the reading worker (next to `worker-loader.js`).
const LOADER: &str = "worker-read-loader.js";

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS error as text: a string as it is, an `Error` / `DOMException` as "name: message".
pub fn describe(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    let (name, message) = (get(e, "name").as_string(), get(e, "message").as_string());
    match (name, message) {
        (Some(n), Some(m)) => format!("{n}: {m}"),
        (None, Some(m)) => m,
        _ => js_sys::JSON::stringify(e).ok().and_then(|s| s.as_string()).unwrap_or_default(),
    }
}

/// Resolve every pending wait.
fn wake_all(wakers: &mut Vec<Function>) {
    for w in wakers.drain(..) {
        let _ = w.call0(&JsValue::NULL);
    }
}

/// The `error` handler of a worker this one starts: `failed` gets the error's message, or says
/// that `what` failed to load (a script that fails to load fires a plain `Event`, an uncaught
/// exception an `ErrorEvent`).
fn on_worker_error(what: &'static str, mut failed: impl FnMut(String) + 'static) -> Closure<dyn FnMut(Event)> {
    Closure::new(move |ev: Event| {
        ev.prevent_default();
        let m = ev.dyn_ref::<ErrorEvent>().map(|e| e.message()).unwrap_or_default();
        failed(if m.is_empty() { format!("{what} failed to load") } else { m });
    })
}

fn object(fields: &[(&str, &JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

// ---------------------------------------------------------------------------------------------
// The reading worker itself (the `worker_read` binary).
// ---------------------------------------------------------------------------------------------

/// What the reading worker is reading: which file, how many of its batches the analysis worker
/// has not applied yet, and the reading loop's pending waits.
#[derive(Default)]
struct Reading {
    id: Option<u32>,
    outstanding: u32,
    wakers: Vec<Function>,
    /// Buffers of applied batches, handed back to be filled again: a fresh `ArrayBuffer` per
    /// part and batch cost ≈ 0.2 s per 360 MB in first touches of new memory.
    pool: Vec<ArrayBuffer>,
    /// The analysis worker needs no more post texts for this file (see `ParseSide::drop_texts`).
    drop_texts: bool,
}

/// Buffers kept for reuse, at most (three per batch in flight).
const POOL_MAX: usize = 3 * (WINDOW as usize + 2);

impl Reading {
    fn wake(&mut self) {
        wake_all(&mut self.wakers);
    }
}

fn read_scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// What the reading worker is asked to parse.
struct ParseJob {
    id: u32,
    blob: Blob,
    name: String,
    size: u64,
    options: IngestOptions,
    chunk_bytes: f64,
}

/// A fingerprint the reading worker is asked for: of the first `bytes` bytes of `blob`.
struct HashJob {
    ticket: u32,
    blob: Blob,
    bytes: f64,
}

/// The fingerprints asked for and not yet taken (one at a time, in order), and the tickets no
/// longer wanted.
#[derive(Default)]
struct Hashing {
    queue: VecDeque<HashJob>,
    running: bool,
    forgotten: Vec<u32>,
}

/// Entry point of the `worker_read` binary.
pub fn start_read_worker() {
    std::panic::set_hook(Box::new(|info| {
        let _ = read_scope().post_message(&object(&[("error", &JsValue::from_str(&info.to_string()))]));
    }));
    let reading = Rc::new(RefCell::new(Reading::default()));
    let hashing = Rc::new(RefCell::new(Hashing::default()));
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        if let (Some(ticket), Ok(blob)) = (get(&data, "hash").as_f64(), get(&data, "blob").dyn_into::<Blob>()) {
            let bytes = get(&data, "bytes").as_f64().unwrap_or(0.0);
            let mut h = hashing.borrow_mut();
            h.queue.push_back(HashJob { ticket: ticket as u32, blob, bytes });
            if !h.running {
                h.running = true;
                wasm_bindgen_futures::spawn_local(hash_queued(hashing.clone()));
            }
            return;
        }
        if let Some(ticket) = get(&data, "forget").as_f64().map(|f| f as u32) {
            let mut h = hashing.borrow_mut();
            h.queue.retain(|j| j.ticket != ticket);
            h.forgotten.push(ticket);
            return;
        }
        let Some(id) = get(&data, "id").as_f64().map(|f| f as u32) else { return };
        let mut r = reading.borrow_mut();
        if let Some(blob) = get(&data, "parse").dyn_ref::<Blob>() {
            let options = match serde_wasm_bindgen::from_value(get(&data, "options")) {
                Ok(o) => o,
                Err(e) => {
                    let _ = read_scope().post_message(&object(&[(
                        "error",
                        &format!("the reading worker got options it does not understand ({e})").into(),
                    )]));
                    return;
                }
            };
            let job = ParseJob {
                id,
                blob: blob.clone(),
                name: get(&data, "name").as_string().unwrap_or_default(),
                size: get(&data, "size").as_f64().unwrap_or(0.0) as u64,
                options,
                chunk_bytes: get(&data, "chunkBytes").as_f64().unwrap_or(super::CHUNK_BYTES),
            };
            // an older reading loop sees the new id and stops
            r.id = Some(id);
            r.outstanding = 0;
            r.drop_texts = get(&data, "dropTexts").is_truthy();
            r.wake();
            wasm_bindgen_futures::spawn_local(parse_file(reading.clone(), job));
        } else if get(&data, "applied").is_truthy() {
            if let Ok(given) = get(&data, "give").dyn_into::<Array>() {
                for buf in given.iter().filter_map(|b| b.dyn_into::<ArrayBuffer>().ok()) {
                    if r.pool.len() < POOL_MAX {
                        r.pool.push(buf);
                    }
                }
            }
            if r.id == Some(id) {
                r.drop_texts |= get(&data, "dropTexts").is_truthy();
                r.outstanding = r.outstanding.saturating_sub(1);
                r.wake();
            }
        } else if get(&data, "stop").is_truthy() && r.id == Some(id) {
            r.id = None;
            r.wake();
        }
    });
    read_scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // the slice reader loads now, not when the first file comes
    if let Err(e) = parse_slice_worker() {
        web_sys::console::warn_1(&format!("the slice reader cannot start ({e})").into());
    }
    let _ = read_scope().post_message(&object(&[("ready", &JsValue::TRUE)]));
    // Run the parsing side hot once (see `protocol::warm_up`); a file asked for meanwhile waits.
    wasm_bindgen_futures::spawn_local(async {
        let _ = crate::protocol::warm_up(false);
    });
}

/// Read file `job.id` in slices, parse each, and transfer each batch to the
/// analysis worker, at most [`WINDOW`] ahead of the ones it applied; stops
/// when another file is read or `id` stopped.
async fn parse_file(reading: Rc<RefCell<Reading>>, job: ParseJob) {
    let id = job.id;
    let current = |r: &Reading| r.id == Some(id);
    let mut parse = ParseSide::new(&job.name, job.size, &job.options);
    let mut batch = RecordedCalls::default();
    let mut chunk = Vec::new();
    let mut calls = Vec::new();
    // Where this worker's time goes (ms): waiting for the analysis worker, for the file's slices,
    // copying a slice in, parsing it, sending the batch; reported with the last batch.
    let mut times = [0.0f64; 5];
    let mut chunks = Slices::new(&job.blob, job.chunk_bytes, parse_slice_worker());
    loop {
        let t0 = super::perf_now();
        loop {
            let wait = {
                let mut r = reading.borrow_mut();
                if !current(&r) {
                    return;
                }
                if r.outstanding < WINDOW {
                    break;
                }
                Promise::new(&mut |resolve, _| r.wakers.push(resolve))
            };
            let _ = JsFuture::from(wait).await;
        }
        let t1 = super::perf_now();
        let next = chunks.next().await;
        if !current(&reading.borrow()) {
            return;
        }
        let t2 = super::perf_now();
        let sent = match next {
            Ok(Some(bytes)) => {
                chunk.resize(bytes.length() as usize, 0);
                bytes.copy_to(&mut chunk);
                chunks.give_back(bytes);
                if reading.borrow().drop_texts {
                    parse.drop_texts();
                }
                let t3 = super::perf_now();
                batch = parse.feed(&chunk, batch);
                let t4 = super::perf_now();
                reading.borrow_mut().outstanding += 1;
                let sent = send_batch(id, &batch, &mut calls, chunk.len(), None, &mut reading.borrow_mut().pool);
                for (t, d) in times.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, super::perf_now() - t4]) {
                    *t += d;
                }
                sent
            }
            Ok(None) => {
                batch = parse.finish(batch);
                let _ = send_batch(id, &batch, &mut calls, 0, Some(times), &mut reading.borrow_mut().pool);
                return;
            }
            Err(e) => return read_error(id, &e),
        };
        if let Err(e) = sent {
            let _ = read_scope().post_message(&object(&[("error", &describe(&e).into())]));
            return;
        }
    }
}

/// Slices of the file being read, in order: from a slice reader (`static/slice-reader.js`, a
/// small script worker), which reads [`SLICES_AHEAD`] slices ahead (one byte stream, into the
/// buffers [`Slices::give_back`] returns) on a thread that is otherwise idle, so that Chromium's
/// delivery of their bytes (in tasks of the thread that asked) does not wait for this worker to
/// finish parsing a chunk; or read here when the slice reader cannot start or fails (from where
/// it stopped).
enum Slices {
    Reader { reader: SliceReader, blob: Blob, chunk_bytes: f64, offset: f64 },
    Here(super::BlobChunks),
}

/// Slices the slice reader reads ahead of the one being parsed (4 MiB each).
pub const SLICES_AHEAD: u32 = 4;

thread_local! {
    /// The slice reader of the files parsed here: started with this worker and kept for every
    /// file (a new script worker per file cost 25-45 ms before its first slice), replaced if it
    /// fails. Fingerprints, which may be taken while another file is parsed, start their own.
    static PARSE_SLICES: RefCell<Option<Rc<SliceWorker>>> = const { RefCell::new(None) };
}

/// The slice reader for parsing (see [`PARSE_SLICES`]), started if there is none or it failed.
fn parse_slice_worker() -> Result<Rc<SliceWorker>, String> {
    PARSE_SLICES.with(|cell| {
        let mut cell = cell.borrow_mut();
        match &*cell {
            Some(w) if !w.dead.get() => Ok(w.clone()),
            _ => {
                let w = Rc::new(SliceWorker::start()?);
                *cell = Some(w.clone());
                Ok(w)
            }
        }
    })
}

impl Slices {
    /// Slices of `blob` from the slice reader `worker` (or read here if it is `Err`).
    fn new(blob: &Blob, chunk_bytes: f64, worker: Result<Rc<SliceWorker>, String>) -> Slices {
        match worker.and_then(|w| SliceReader::start(w, blob, chunk_bytes)) {
            Ok(reader) => Slices::Reader { reader, blob: blob.clone(), chunk_bytes, offset: 0.0 },
            Err(e) => {
                web_sys::console::warn_1(&format!("the slice reader cannot start ({e}); reading here").into());
                Slices::Here(super::BlobChunks::new(blob, chunk_bytes))
            }
        }
    }

    /// The next slice, as a view of the bytes read at the start of its buffer.
    async fn next(&mut self) -> Result<Option<Uint8Array>, JsValue> {
        loop {
            match self {
                Slices::Reader { reader, blob, chunk_bytes, offset } => match reader.next().await {
                    Ok(Some(bytes)) => {
                        *offset += bytes.length() as f64;
                        return Ok(Some(bytes));
                    }
                    Ok(None) => return Ok(None),
                    Err(SliceFail::File(e)) => return Err(JsValue::from_str(&e)),
                    Err(SliceFail::Worker(e)) => {
                        web_sys::console::warn_1(&format!("the slice reader failed ({e}); reading here").into());
                        let rest = blob.slice_with_f64(*offset)?;
                        *self = Slices::Here(super::BlobChunks::new(&rest, *chunk_bytes));
                    }
                },
                Slices::Here(chunks) => return Ok(chunks.next().await?.map(|buf| Uint8Array::new(&buf))),
            }
        }
    }

    /// Hand a slice's buffer back (its bytes were copied) to be filled again.
    fn give_back(&self, bytes: Uint8Array) {
        if let Slices::Reader { reader, .. } = self {
            reader.give_back(bytes.buffer());
        }
    }
}

enum SliceFail {
    /// The browser could not read the file (or the slice reader went on to another file).
    File(String),
    /// The slice reader failed (or could not load).
    Worker(String),
}

/// What a slice reader sent for the file it reads now.
#[derive(Default)]
struct SliceShared {
    /// The file being read (numbered by [`SliceWorker`]): messages about another are ignored.
    file: u32,
    /// Slices read and not yet taken: their buffer and how many of its bytes were read.
    chunks: VecDeque<(ArrayBuffer, u32)>,
    eof: bool,
    read_error: Option<String>,
    failed: Option<String>,
    wakers: Vec<Function>,
}

/// A slice reader script worker, which reads one file at a time (terminated when dropped).
struct SliceWorker {
    worker: Worker,
    shared: Rc<RefCell<SliceShared>>,
    /// Files started so far.
    files: Cell<u32>,
    /// It failed: it is not given another file.
    dead: Rc<Cell<bool>>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(Event)>,
}

impl SliceWorker {
    fn start() -> Result<SliceWorker, String> {
        let worker = Worker::new("slice-reader.js").map_err(|e| describe(&e))?;
        let shared = Rc::new(RefCell::new(SliceShared::default()));
        let sh = shared.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let mut s = sh.borrow_mut();
            if get(&data, "file").as_f64() != Some(s.file as f64) {
                return; // about a file no longer read (its buffer is let go)
            }
            if let Ok(chunk) = get(&data, "chunk").dyn_into::<ArrayBuffer>() {
                let length = get(&data, "length").as_f64().map_or(chunk.byte_length(), |n| n as u32);
                s.chunks.push_back((chunk, length));
            } else if get(&data, "eof").is_truthy() {
                s.eof = true;
            } else if let Some(e) = get(&data, "readError").as_string() {
                s.read_error = Some(e);
            }
            wake_all(&mut s.wakers);
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        let (sh, dead) = (shared.clone(), Rc::new(Cell::new(false)));
        let d = dead.clone();
        let onerror = on_worker_error("the slice reader", move |e| {
            d.set(true);
            let mut s = sh.borrow_mut();
            s.failed = Some(e);
            wake_all(&mut s.wakers);
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(SliceWorker { worker, shared, files: Cell::new(0), dead, _onmessage: onmessage, _onerror: onerror })
    }
}

impl Drop for SliceWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// One file read by a slice reader (which stops reading it when this is dropped).
struct SliceReader {
    w: Rc<SliceWorker>,
    file: u32,
}

impl SliceReader {
    /// Have `w` read `blob` (it stops reading the file before, whose reader then ends).
    fn start(w: Rc<SliceWorker>, blob: &Blob, chunk_bytes: f64) -> Result<SliceReader, String> {
        let file = w.files.get() + 1;
        w.files.set(file);
        // the reader of the file before, if it waits, wakes to find it is no longer read
        let mut waiting = {
            let mut s = w.shared.borrow_mut();
            let failed = s.failed.take();
            std::mem::replace(&mut *s, SliceShared { file, failed, ..SliceShared::default() }).wakers
        };
        wake_all(&mut waiting);
        let start = object(&[
            ("blob", blob),
            ("chunkBytes", &chunk_bytes.into()),
            ("ahead", &SLICES_AHEAD.into()),
            ("file", &file.into()),
        ]);
        w.worker.post_message(&start).map_err(|e| describe(&e))?;
        Ok(SliceReader { w, file })
    }

    async fn next(&mut self) -> Result<Option<Uint8Array>, SliceFail> {
        loop {
            let wait = {
                let mut s = self.w.shared.borrow_mut();
                if s.file != self.file {
                    return Err(SliceFail::File("the slice reader went on to another file".into()));
                }
                if let Some((buf, length)) = s.chunks.pop_front() {
                    if length > buf.byte_length() {
                        return Err(SliceFail::Worker("a slice is longer than its buffer".into()));
                    }
                    return Ok(Some(Uint8Array::new_with_byte_offset_and_length(&buf, 0, length)));
                }
                if let Some(e) = s.read_error.take() {
                    return Err(SliceFail::File(e));
                }
                if let Some(e) = &s.failed {
                    return Err(SliceFail::Worker(e.clone()));
                }
                if s.eof {
                    return Ok(None);
                }
                Promise::new(&mut |resolve, _| s.wakers.push(resolve))
            };
            let _ = JsFuture::from(wait).await;
        }
    }

    /// Whether the slice reader is still reading this file.
    fn current(&self) -> bool {
        self.w.shared.borrow().file == self.file
    }

    /// A slice was taken: one more may be read, into `buf` again (transferred back).
    fn give_back(&self, buf: ArrayBuffer) {
        if self.current() {
            let msg = object(&[("more", &1.into()), ("give", &buf)]);
            let _ = self.w.worker.post_message_with_transfer(&msg, &Array::of1(&buf));
        }
    }
}

impl Drop for SliceReader {
    fn drop(&mut self) {
        if self.current() {
            let _ = self.w.worker.post_message(&object(&[("stop", &JsValue::TRUE)]));
        }
    }
}

fn read_error(id: u32, e: &JsValue) {
    let _ = read_scope().post_message(&object(&[("id", &id.into()), ("readError", &describe(e).into())]));
}

/// Take the fingerprints asked for, one at a time, and answer each (unless it was forgotten).
async fn hash_queued(hashing: Rc<RefCell<Hashing>>) {
    loop {
        let job = {
            let mut h = hashing.borrow_mut();
            match h.queue.pop_front() {
                Some(job) => job,
                None => {
                    h.running = false;
                    h.forgotten.clear();
                    return;
                }
            }
        };
        let t0 = super::perf_now();
        let ticket = job.ticket;
        let wanted = || !hashing.borrow().forgotten.contains(&ticket);
        let msg = match fingerprint(&job.blob, job.bytes, whole_file_limit(), &wanted).await {
            Ok(Some((sha256, how))) => object(&[
                ("hashed", &ticket.into()),
                ("sha256", &sha256.into()),
                ("how", &how.into()),
                ("ms", &(super::perf_now() - t0).into()),
            ]),
            Ok(None) => continue, // forgotten
            Err(e) => object(&[("hashed", &ticket.into()), ("readError", &describe(&e).into())]),
        };
        if wanted() {
            let _ = read_scope().post_message(&msg);
        }
    }
}

/// The SHA-256 (lower-case hex) of the first `bytes` bytes of `blob`, and how it was taken: by
/// the browser's SHA-256 over the bytes read whole when it can ([`browser_sha256_available`],
/// up to `whole_limit` bytes: [`whole_file_limit`]), else in WebAssembly slice by slice (read
/// ahead by a slice reader); `None` once `wanted` says it is no longer wanted. Err: the browser
/// could not read the file (it changed or was removed since it was read).
pub async fn fingerprint(
    blob: &Blob,
    bytes: f64,
    whole_limit: f64,
    wanted: &dyn Fn() -> bool,
) -> Result<Option<(String, &'static str)>, JsValue> {
    let head = blob.slice_with_f64_and_f64(0.0, bytes)?;
    if browser_sha256_available() && bytes <= whole_limit {
        let whole = JsFuture::from(head.array_buffer()).await?;
        if !wanted() {
            return Ok(None);
        }
        if let Some(digest) = browser_sha256(&whole) {
            match JsFuture::from(digest).await.map(|hex| hex.as_string()) {
                Ok(Some(hex)) => return Ok(Some((hex, "the browser's SHA-256"))),
                Ok(None) => {}
                Err(e) => web_sys::console::warn_1(
                    &format!("the browser's SHA-256 failed ({}); hashing in WebAssembly", describe(&e)).into(),
                ),
            }
        }
    }
    let mut fp = Fingerprinter::new("");
    let mut slices = Slices::new(&head, super::CHUNK_BYTES, SliceWorker::start().map(Rc::new));
    let mut chunk = Vec::new();
    while let Some(bytes) = slices.next().await? {
        if !wanted() {
            return Ok(None);
        }
        chunk.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut chunk);
        slices.give_back(bytes);
        fp.update(&chunk);
    }
    Ok(Some((fp.finish().sha256, "SHA-256 in WebAssembly")))
}

/// Files up to this size are read whole and fingerprinted by the browser's own SHA-256 (see
/// [`fingerprint`]): the file is then in memory once more for a moment (and WebCrypto copies it
/// once more), so at most an eighth of the device's memory (`navigator.deviceMemory`, which
/// Chromium reports up to 8 GB; 4 GB when unknown), between 64 MiB and 1 GiB. Larger files are
/// hashed slice by slice in WebAssembly.
pub fn whole_file_limit() -> f64 {
    let navigator = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).unwrap_or(JsValue::UNDEFINED);
    let gb = Reflect::get(&navigator, &JsValue::from_str("deviceMemory")).ok().and_then(|v| v.as_f64()).unwrap_or(4.0);
    (gb * 1024.0 * 1024.0 * 1024.0 / 8.0).clamp(64.0 * 1024.0 * 1024.0, 1024.0 * 1024.0 * 1024.0)
}

/// Whether this worker can use the browser's SHA-256: only in a secure context (https, or
/// localhost), where `crypto.subtle` exists.
pub fn browser_sha256_available() -> bool {
    js_sys::global().unchecked_into::<web_sys::WorkerGlobalScope>().is_secure_context()
}

/// Start hashing `bytes` with the browser's SHA-256 (WebCrypto: native code on a browser thread,
/// with the CPU's SHA instructions where it has them: ≈ 0.4 s for 360 MB on the benchmark
/// machine, against ≈ 1.6 s of a worker's time in WebAssembly). `None` where it is unavailable.
/// The promise resolves to the lower-case hex digest.
pub fn browser_sha256(bytes: &JsValue) -> Option<Promise> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    if !scope.is_secure_context() {
        return None;
    }
    let digest =
        scope.crypto().ok()?.subtle().digest_with_str_and_buffer_source("SHA-256", bytes.unchecked_ref()).ok()?;
    Some(wasm_bindgen_futures::future_to_promise(async move {
        let digest = JsFuture::from(digest).await?;
        let hex: String = Uint8Array::new(&digest).to_vec().iter().map(|b| format!("{b:02x}")).collect();
        Ok(JsValue::from_str(&hex))
    }))
}

/// Copy `bytes` to the start of a buffer from `pool` (the smallest that holds them) or of a new
/// one (with room to spare, so that it fits later batches too).
fn fill(pool: &mut Vec<ArrayBuffer>, bytes: &[u8]) -> ArrayBuffer {
    let need = bytes.len() as u32;
    let fits = pool.iter().enumerate().filter(|(_, b)| b.byte_length() >= need).min_by_key(|(_, b)| b.byte_length());
    let buf = match fits.map(|(i, _)| i) {
        Some(i) => pool.swap_remove(i),
        None => ArrayBuffer::new(need.saturating_add(need / 4).max(4096)),
    };
    Uint8Array::new_with_byte_offset_and_length(&buf, 0, need).copy_from(bytes);
    buf
}

/// Post a batch (its three parts, copied out of this worker's memory into buffers of `pool` and
/// transferred; the analysis worker hands them back), made from `bytes` bytes of file `id`;
/// `last`: the batch that ends the file, with this worker's times.
fn send_batch(
    id: u32,
    batch: &RecordedCalls,
    calls: &mut Vec<WireCall>,
    bytes: usize,
    last: Option<[f64; 5]>,
    pool: &mut Vec<ArrayBuffer>,
) -> Result<(), JsValue> {
    batch.wire_calls(calls);
    let parts = [batch.text(), bytemuck::cast_slice::<u32, u8>(batch.lens()), bytemuck::cast_slice(calls)];
    let [text, lens, calls] = parts.map(|p| fill(pool, p));
    let msg = object(&[
        ("id", &id.into()),
        ("text", &text),
        ("textLen", &parts[0].len().into()),
        ("lens", &lens),
        ("lensLen", &parts[1].len().into()),
        ("calls", &calls),
        ("callsLen", &parts[2].len().into()),
        ("bytes", &(bytes as f64).into()),
        ("last", &last.is_some().into()),
    ]);
    if let Some(times) = last {
        let times: Array = times.iter().map(|&t| JsValue::from(t)).collect();
        let _ = Reflect::set(&msg, &JsValue::from_str("times"), &times);
    }
    let transfer = Array::of3(&text, &lens, &calls);
    read_scope().post_message_with_transfer(&msg, &transfer)
}

// ---------------------------------------------------------------------------------------------
// The analysis worker's side.
// ---------------------------------------------------------------------------------------------

/// A batch received from the reading worker.
pub struct Batch {
    /// The three parts, each at the start of its buffer (`lens` in bytes).
    text: ArrayBuffer,
    lens: ArrayBuffer,
    calls: ArrayBuffer,
    len: [u32; 3],
    /// Bytes of the file it was made from (0 for the batch that ends the file).
    pub bytes: u64,
    /// The batch that ends the file.
    pub last: bool,
    /// With the last batch: where the reading worker's time went (ms): waiting for the analysis
    /// worker, for the file, copying pieces in, parsing, sending the batches.
    pub times: Option<[f64; 5]>,
}

/// Reused buffers for [`Batch::unpack`].
#[derive(Default)]
pub struct Unpacking {
    text: Vec<u8>,
    lens: Vec<u32>,
    calls: Vec<WireCall>,
}

impl Batch {
    /// Copy the batch into this worker's memory, into `scratch` (reusing its buffers), and
    /// check it: the batch to apply, borrowed from `scratch`.
    pub fn unpack<'a>(&self, scratch: &'a mut Unpacking) -> Result<WireBatch<'a>, String> {
        let [text_len, lens_len, calls_len] = self.len;
        let fits = |buf: &ArrayBuffer, len: u32| len <= buf.byte_length();
        if !fits(&self.text, text_len) || !fits(&self.lens, lens_len) || !fits(&self.calls, calls_len) {
            return Err("a recorded batch's parts are longer than their buffers".into());
        }
        let text = Uint8Array::new_with_byte_offset_and_length(&self.text, 0, text_len);
        scratch.text.resize(text_len as usize, 0);
        text.copy_to(&mut scratch.text);
        if lens_len % 4 != 0 {
            return Err(format!("a recorded batch's string lengths are {lens_len} bytes, not whole numbers"));
        }
        let lens = Uint32Array::new_with_byte_offset_and_length(&self.lens, 0, lens_len / 4);
        scratch.lens.resize(lens.length() as usize, 0);
        lens.copy_to(&mut scratch.lens);
        // the descriptors are copied straight into place: they are plain words
        let calls = Uint8Array::new_with_byte_offset_and_length(&self.calls, 0, calls_len);
        let size = std::mem::size_of::<WireCall>();
        if calls.length() as usize % size != 0 {
            return Err(format!("a recorded batch's calls are {} bytes, not a whole number of calls", calls.length()));
        }
        scratch.calls.resize(calls.length() as usize / size, WireCall::default());
        calls.copy_to(bytemuck::cast_slice_mut(&mut scratch.calls));
        WireBatch::new(&scratch.text, &scratch.lens, &scratch.calls)
    }

    /// The batch's buffers, to hand back to the reading worker ([`ReadJob::applied`]).
    pub fn buffers(self) -> [ArrayBuffer; 3] {
        [self.text, self.lens, self.calls]
    }
}

#[derive(Default)]
struct Shared {
    ready: bool,
    /// Why the reading worker is unusable (failed to load, crashed); then every job fails.
    failed: Option<String>,
    /// Messages posted before the reading worker was ready (it would drop them).
    queue: Vec<Object>,
    /// The file being read (its id), the batches received and not yet taken, and why reading
    /// failed.
    reading: u32,
    batches: VecDeque<Batch>,
    read_error: Option<String>,
    /// Fingerprints taken ([`ReadWorker::hash`]) and not yet collected, by ticket.
    hashed: Vec<(u32, Result<Hashed, ReadFailed>)>,
    /// Pending waits, resolved on every message or error.
    wakers: Vec<Function>,
}

impl Shared {
    fn wake(&mut self) {
        wake_all(&mut self.wakers);
    }
}

/// The reading worker as the analysis worker sees it (one per analysis worker, started on its
/// first read).
pub struct ReadWorker {
    worker: Worker,
    shared: Rc<RefCell<Shared>>,
    next_id: Cell<u32>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(Event)>,
}

thread_local! {
    static READ_WORKER: RefCell<Option<Rc<ReadWorker>>> = const { RefCell::new(None) };
}

impl ReadWorker {
    fn spawn() -> Result<ReadWorker, String> {
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Classic);
        let worker = Worker::new_with_options(LOADER, &opts).map_err(|e| format!("{e:?}"))?;
        let shared = Rc::new(RefCell::new(Shared::default()));
        let sh = shared.clone();
        let w = worker.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let mut s = sh.borrow_mut();
            if get(&data, "ready").is_truthy() {
                s.ready = true;
                for msg in s.queue.drain(..) {
                    send(&w, &msg);
                }
            } else if let Some(e) = get(&data, "error").as_string() {
                s.failed = Some(e);
            } else if let Some(ticket) = get(&data, "hashed").as_f64().map(|f| f as u32) {
                let result = match (get(&data, "sha256").as_string(), get(&data, "readError").as_string()) {
                    (Some(sha256), _) => Ok(Hashed {
                        sha256,
                        how: get(&data, "how").as_string().unwrap_or_default(),
                        ms: get(&data, "ms").as_f64().unwrap_or(0.0),
                    }),
                    (None, e) => Err(ReadFailed::File(e.unwrap_or_default())),
                };
                s.hashed.push((ticket, result));
            } else if let Some(id) = get(&data, "id").as_f64().map(|f| f as u32) {
                if id != s.reading {
                    // a batch of a file no longer read: let it go
                } else if let Some(e) = get(&data, "readError").as_string() {
                    s.read_error = Some(e);
                } else if let (Some(text), Some(lens), Some(calls)) = (
                    get(&data, "text").dyn_into::<ArrayBuffer>().ok(),
                    get(&data, "lens").dyn_into::<ArrayBuffer>().ok(),
                    get(&data, "calls").dyn_into::<ArrayBuffer>().ok(),
                ) {
                    let len =
                        |key: &str, buf: &ArrayBuffer| get(&data, key).as_f64().map_or(buf.byte_length(), |n| n as u32);
                    let len = [len("textLen", &text), len("lensLen", &lens), len("callsLen", &calls)];
                    s.batches.push_back(Batch {
                        text,
                        lens,
                        calls,
                        len,
                        bytes: get(&data, "bytes").as_f64().unwrap_or(0.0) as u64,
                        last: get(&data, "last").is_truthy(),
                        times: get(&data, "times").dyn_into::<Array>().ok().map(|a| {
                            let mut t = [0.0; 5];
                            for (i, x) in t.iter_mut().enumerate() {
                                *x = a.get(i as u32).as_f64().unwrap_or(0.0);
                            }
                            t
                        }),
                    });
                }
            }
            s.wake();
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        let sh = shared.clone();
        let onerror = on_worker_error("the reading worker", move |e| {
            let mut s = sh.borrow_mut();
            s.failed = Some(e);
            s.wake();
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(ReadWorker { worker, shared, next_id: Cell::new(0), _onmessage: onmessage, _onerror: onerror })
    }

    /// The analysis worker's reading worker, started on first use; `None` once it failed (the
    /// caller then reads itself).
    pub fn get() -> Option<Rc<ReadWorker>> {
        READ_WORKER.with(|h| {
            let mut h = h.borrow_mut();
            if h.is_none() {
                match ReadWorker::spawn() {
                    Ok(w) => *h = Some(Rc::new(w)),
                    Err(e) => web_sys::console::warn_1(&format!("reading in the analysis worker: {e}").into()),
                }
            }
            let w = h.as_ref()?;
            if w.shared.borrow().failed.is_some() {
                return None;
            }
            Some(w.clone())
        })
    }

    /// Start reading and parsing `blob` (a file called `name` of `size` bytes) in slices of
    /// `chunk_bytes`. Batches of an earlier file still on their way are let go.
    pub fn parse(
        self: &Rc<Self>,
        blob: &Blob,
        name: &str,
        size: u64,
        options: &IngestOptions,
        chunk_bytes: f64,
        drop_texts: bool,
    ) -> Result<ReadJob, String> {
        let options = serde::Serialize::serialize(options, &super::js_serializer())
            .map_err(|e| format!("internal error: the read options could not be encoded ({e})"))?;
        let id = self.next_id.get().wrapping_add(1).max(1); // 0 is "no file"
        self.next_id.set(id);
        {
            let mut s = self.shared.borrow_mut();
            s.reading = id;
            s.batches.clear();
            s.read_error = None;
        }
        let msg = object(&[
            ("id", &id.into()),
            ("parse", blob),
            ("name", &name.into()),
            ("size", &(size as f64).into()),
            ("options", &options),
            ("chunkBytes", &chunk_bytes.into()),
            ("dropTexts", &drop_texts.into()),
        ]);
        self.post(msg);
        Ok(ReadJob { worker: self.clone(), id, ended: false })
    }

    fn post(&self, msg: Object) {
        let mut s = self.shared.borrow_mut();
        if s.ready {
            send(&self.worker, &msg);
        } else {
            s.queue.push(msg);
        }
    }

    /// Fingerprint the first `bytes` bytes of `blob` (the bytes a file's batches were made from):
    /// the reading worker reads them again and hashes them, after the fingerprints asked for
    /// before. `ticket` names the request (the session's ticket); Err(File) when the browser
    /// could not read them, Err(Worker) when the reading worker failed (or the fingerprint was
    /// forgotten: [`ReadWorker::forget`]).
    pub async fn hash(&self, ticket: u32, blob: &Blob, bytes: u64) -> Result<Hashed, ReadFailed> {
        self.post(object(&[("hash", &ticket.into()), ("blob", blob), ("bytes", &(bytes as f64).into())]));
        loop {
            {
                let mut s = self.shared.borrow_mut();
                if let Some(at) = s.hashed.iter().position(|(t, _)| *t == ticket) {
                    return s.hashed.swap_remove(at).1;
                }
                if let Some(e) = &s.failed {
                    return Err(ReadFailed::Worker(e.clone()));
                }
            }
            self.wait().await;
        }
    }

    /// The fingerprint of `ticket` is no longer wanted (its dataset was replaced): the reading
    /// worker drops it, and [`ReadWorker::hash`] ends with Err(Worker).
    pub fn forget(&self, ticket: u32) {
        self.post(object(&[("forget", &ticket.into())]));
        let mut s = self.shared.borrow_mut();
        s.hashed.push((ticket, Err(ReadFailed::Worker("not wanted any more".into()))));
        s.wake();
    }

    /// Wait for the next message (or error) of the reading worker.
    async fn wait(&self) {
        let shared = self.shared.clone();
        let p = Promise::new(&mut |resolve, _| shared.borrow_mut().wakers.push(resolve));
        let _ = JsFuture::from(p).await;
    }
}

fn send(worker: &Worker, msg: &Object) {
    if let Err(e) = worker.post_message(msg) {
        web_sys::console::warn_1(&format!("could not reach the reading worker: {e:?}").into());
    }
}

/// A fingerprint the reading worker took ([`ReadWorker::hash`]).
#[derive(Debug)]
pub struct Hashed {
    /// Lower-case hex.
    pub sha256: String,
    /// By what: the browser's SHA-256, or in WebAssembly.
    pub how: String,
    /// How long it took there (reading the bytes again and hashing them), ms.
    pub ms: f64,
}

/// Why [`ReadJob::next`] has no batch (or [`ReadWorker::hash`] no fingerprint).
#[derive(Debug)]
pub enum ReadFailed {
    /// The browser could not read the file.
    File(String),
    /// The reading worker failed.
    Worker(String),
}

/// One file being read and parsed by the reading worker.
pub struct ReadJob {
    worker: Rc<ReadWorker>,
    id: u32,
    /// The batch that ends the file was taken.
    ended: bool,
}

impl ReadJob {
    /// The next batch of the file, `None` after the one that ends it.
    pub async fn next(&mut self) -> Result<Option<Batch>, ReadFailed> {
        if self.ended {
            return Ok(None);
        }
        loop {
            {
                let mut s = self.worker.shared.borrow_mut();
                if let Some(e) = &s.failed {
                    return Err(ReadFailed::Worker(e.clone()));
                }
                if let Some(batch) = s.batches.pop_front() {
                    self.ended = batch.last;
                    return Ok(Some(batch));
                }
                if let Some(e) = s.read_error.take() {
                    return Err(ReadFailed::File(e));
                }
            }
            self.worker.wait().await;
        }
    }

    /// The reading worker reading the file.
    pub fn worker(&self) -> Rc<ReadWorker> {
        self.worker.clone()
    }

    /// A batch was applied: the reading worker may send one more, and gets its `buffers` back
    /// (transferred) to fill again; `drop_texts`: the posts it parses from now on may go without
    /// their texts ([`crate::protocol::Session::ingest_texts_unneeded`]).
    pub fn applied(&self, buffers: [ArrayBuffer; 3], drop_texts: bool) {
        let give = Array::of3(&buffers[0], &buffers[1], &buffers[2]);
        let msg = object(&[
            ("id", &self.id.into()),
            ("applied", &JsValue::TRUE),
            ("give", &give),
            ("dropTexts", &drop_texts.into()),
        ]);
        // the reading worker is ready: it sent this batch
        if let Err(e) = self.worker.worker.post_message_with_transfer(&msg, &give) {
            web_sys::console::warn_1(&format!("could not reach the reading worker: {e:?}").into());
        }
    }
}

impl Drop for ReadJob {
    /// A job ends (finished, or dropped by a cancelled, stopped or replaced read): the reading
    /// worker stops reading the file, and the batches it sent ahead, here or still on their way,
    /// are let go.
    fn drop(&mut self) {
        {
            let mut s = self.worker.shared.borrow_mut();
            if s.reading == self.id {
                s.reading = 0; // no file: ids start at 1
                s.batches.clear();
            }
        }
        self.worker.post(object(&[("id", &self.id.into()), ("stop", &JsValue::TRUE)]));
    }
}

/// Hash the first `bytes` bytes of `blob` in this worker (as [`fingerprint`] does in the reading
/// worker): its length and SHA-256 (hex).
pub async fn rehash(blob: &Blob, bytes: u64) -> Result<(u64, String), JsValue> {
    let taken = fingerprint(blob, bytes as f64, whole_file_limit(), &|| true).await?;
    let (sha256, _) = taken.ok_or_else(|| JsValue::from_str("the fingerprint was not taken"))?;
    Ok((bytes.min(blob.size() as u64), sha256))
}
