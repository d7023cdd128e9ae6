//! The reading worker: reads and *parses* the user's files beside the analysis worker, which
//! builds the dataset from what it parsed — the browser's form of the two-thread read of
//! `chorus` (`src/cli/pipeline.rs`).
//!
//! Why a second worker: in one worker the read is the parse loop (CSV reader, field decoding,
//! text fingerprints) plus the building (interning, columns, samples) on one core, ≈ 120 MB/s.
//! The analysis worker starts a small second worker (the `worker_read` binary, started by
//! `worker-read-loader.js`) and posts it each `File` handle. The reading worker reads
//! [`CHUNK_BYTES`](super::CHUNK_BYTES) slices of it ([`Slices`]: read ahead by a script worker,
//! because Chromium delivers `Blob.arrayBuffer()` in tasks of the thread that asked and this one
//! is busy parsing), parses each with a [`ParseSide`] (the file's parser over a recording
//! builder), and *transfers* the calls it recorded as one batch — the batch's strings, their
//! lengths and its call descriptors as plain-data [`WireCall`]s, three `ArrayBuffer`s — with the
//! slice itself to the analysis worker, at most [`WINDOW`] batches ahead of it. The analysis
//! worker copies them into its memory and applies them
//! ([`crate::protocol::Session::ingest_batch`]); the dataset, the reports and every diagnostic
//! are those of the one-worker read (tested natively, `tests/it/protocol.rs`).
//!
//! The input fingerprint (SHA-256, report.json) covers exactly the bytes whose batches were
//! applied: the analysis worker gathers the slices for the browser's SHA-256 or hashes them
//! itself ([`Hash`]), and a read stopped early is hashed as far as it was applied.
//!
//! Failures lose nothing that was read: if the reading worker cannot start, or fails before the
//! first batch of a file was applied, the analysis worker reads and parses the file itself. If it
//! fails in the middle of a file (a parser panic, which would have ended a one-worker read too),
//! the read ends with an error that says so.
//!
//! Messages, as plain JS objects: to the reading worker `{ id, parse: Blob, name, size,
//! options, chunkBytes }` (read and parse file `id`), `{ id, applied: true }` (a batch was
//! applied: one more may be sent) and `{ id, stop: true }` (stop: the job was dropped); from it
//! `{ ready: true }`, `{ id, text, lens, calls, chunk, bytes, last, times? }` (the next batch,
//! made from the `bytes` bytes of `chunk`; `last` ends the file and brings this worker's
//! times), `{ id, readError }` and `{ error }`. `id` numbers a file; a new `id` stops the
//! reading of the previous one.

use crate::core::export::Fingerprinter;
use crate::core::ingest::IngestOptions;
use crate::protocol::{ParseSide, RecordedCalls, WireCall};
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
}

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

/// How the analysis worker takes a file's input fingerprint from the slices that come with the
/// batches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hash {
    /// Gather the slices into one buffer of the file's size and hash it with the browser's
    /// SHA-256 at the end ([`browser_sha256`]).
    Whole,
    /// Hash each slice here, in WebAssembly.
    Chunks,
}

/// Entry point of the `worker_read` binary.
pub fn start_read_worker() {
    std::panic::set_hook(Box::new(|info| {
        let _ = read_scope().post_message(&object(&[("error", &JsValue::from_str(&info.to_string()))]));
    }));
    let reading = Rc::new(RefCell::new(Reading::default()));
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
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
            r.wake();
            wasm_bindgen_futures::spawn_local(parse_file(reading.clone(), job));
        } else if get(&data, "applied").is_truthy() {
            if r.id == Some(id) {
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
    let _ = read_scope().post_message(&object(&[("ready", &JsValue::TRUE)]));
}

/// Read file `job.id` in slices, parse each, and transfer each batch (with its slice) to the
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
    let mut chunks = Slices::new(&job.blob, job.chunk_bytes);
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
            Ok(Some(buf)) => {
                let bytes = Uint8Array::new(&buf);
                chunk.resize(bytes.length() as usize, 0);
                bytes.copy_to(&mut chunk);
                let t3 = super::perf_now();
                batch = parse.feed(&chunk, batch);
                let t4 = super::perf_now();
                reading.borrow_mut().outstanding += 1;
                let sent = send_batch(id, &batch, &mut calls, chunk.len(), buf, None);
                for (t, d) in times.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, super::perf_now() - t4]) {
                    *t += d;
                }
                sent
            }
            Ok(None) => {
                batch = parse.finish(batch);
                let _ = send_batch(id, &batch, &mut calls, 0, ArrayBuffer::new(0), Some(times));
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

/// Slices of the file being read, in order: from the slice reader (`static/slice-reader.js`, a
/// small script worker this worker starts per file), which reads [`SLICES_AHEAD`] slices ahead
/// on a thread that is otherwise idle, so that Chromium's delivery of their bytes (in tasks of the
/// thread that asked) does not wait for this worker to finish parsing a chunk; or read here when
/// the slice reader cannot start or fails (from where it stopped).
enum Slices {
    Reader { reader: SliceReader, blob: Blob, chunk_bytes: f64, offset: f64 },
    Here(super::BlobChunks),
}

/// Slices the slice reader reads ahead of the one being parsed (4 MiB each).
pub const SLICES_AHEAD: u32 = 4;

impl Slices {
    fn new(blob: &Blob, chunk_bytes: f64) -> Slices {
        match SliceReader::start(blob, chunk_bytes) {
            Ok(reader) => Slices::Reader { reader, blob: blob.clone(), chunk_bytes, offset: 0.0 },
            Err(e) => {
                web_sys::console::warn_1(&format!("the slice reader cannot start ({e}); reading here").into());
                Slices::Here(super::BlobChunks::new(blob, chunk_bytes))
            }
        }
    }

    async fn next(&mut self) -> Result<Option<ArrayBuffer>, JsValue> {
        loop {
            match self {
                Slices::Reader { reader, blob, chunk_bytes, offset } => match reader.next().await {
                    Ok(Some(buf)) => {
                        *offset += buf.byte_length() as f64;
                        return Ok(Some(buf));
                    }
                    Ok(None) => return Ok(None),
                    Err(SliceFail::File(e)) => return Err(JsValue::from_str(&e)),
                    Err(SliceFail::Worker(e)) => {
                        web_sys::console::warn_1(&format!("the slice reader failed ({e}); reading here").into());
                        let rest = blob.slice_with_f64(*offset)?;
                        *self = Slices::Here(super::BlobChunks::new(&rest, *chunk_bytes));
                    }
                },
                Slices::Here(chunks) => return chunks.next().await,
            }
        }
    }
}

enum SliceFail {
    /// The browser could not read the file.
    File(String),
    /// The slice reader failed (or could not load).
    Worker(String),
}

#[derive(Default)]
struct SliceShared {
    chunks: VecDeque<ArrayBuffer>,
    eof: bool,
    read_error: Option<String>,
    failed: Option<String>,
    wakers: Vec<Function>,
}

/// One file's slice reader (terminated when dropped).
struct SliceReader {
    worker: Worker,
    shared: Rc<RefCell<SliceShared>>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(Event)>,
}

impl SliceReader {
    fn start(blob: &Blob, chunk_bytes: f64) -> Result<SliceReader, String> {
        let worker = Worker::new("slice-reader.js").map_err(|e| describe(&e))?;
        let shared = Rc::new(RefCell::new(SliceShared::default()));
        let sh = shared.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let mut s = sh.borrow_mut();
            if let Ok(chunk) = get(&data, "chunk").dyn_into::<ArrayBuffer>() {
                s.chunks.push_back(chunk);
            } else if get(&data, "eof").is_truthy() {
                s.eof = true;
            } else if let Some(e) = get(&data, "readError").as_string() {
                s.read_error = Some(e);
            }
            wake_all(&mut s.wakers);
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        let sh = shared.clone();
        let onerror = on_worker_error("the slice reader", move |e| {
            let mut s = sh.borrow_mut();
            s.failed = Some(e);
            wake_all(&mut s.wakers);
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        let start = object(&[("blob", blob), ("chunkBytes", &chunk_bytes.into()), ("ahead", &SLICES_AHEAD.into())]);
        worker.post_message(&start).map_err(|e| describe(&e))?;
        Ok(SliceReader { worker, shared, _onmessage: onmessage, _onerror: onerror })
    }

    async fn next(&mut self) -> Result<Option<ArrayBuffer>, SliceFail> {
        loop {
            let wait = {
                let mut s = self.shared.borrow_mut();
                if let Some(buf) = s.chunks.pop_front() {
                    let _ = self.worker.post_message(&object(&[("more", &1.into())]));
                    return Ok(Some(buf));
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
}

impl Drop for SliceReader {
    fn drop(&mut self) {
        let _ = self.worker.post_message(&object(&[("stop", &JsValue::TRUE)]));
        self.worker.terminate();
    }
}

fn read_error(id: u32, e: &JsValue) {
    let _ = read_scope().post_message(&object(&[("id", &id.into()), ("readError", &describe(e).into())]));
}

/// Files up to this size are gathered into one buffer and fingerprinted by the browser's own
/// SHA-256 ([`Hash::Whole`]): the file is then in memory once while it is read (and WebCrypto
/// copies it once more for a moment), so at most an eighth of the device's memory (`navigator.deviceMemory`, which Chromium
/// reports up to 8 GB; 4 GB when unknown), between 64 MiB and 1 GiB. Larger files are read in
/// slices and hashed by the analysis worker, slice by slice ([`Hash::Chunks`]).
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

/// Post a batch (its three parts, copied out of this worker's memory and transferred), made from
/// `bytes` bytes of file `id`, with the slice itself (transferred too: the analysis worker hashes
/// it); `last`: the batch that ends the file, with this worker's times.
fn send_batch(
    id: u32,
    batch: &RecordedCalls,
    calls: &mut Vec<WireCall>,
    bytes: usize,
    slice: ArrayBuffer,
    last: Option<[f64; 5]>,
) -> Result<(), JsValue> {
    batch.wire_calls(calls);
    let text = Uint8Array::from(batch.text()).buffer();
    let lens = Uint32Array::from(batch.lens()).buffer();
    let calls = Uint8Array::from(bytemuck::cast_slice::<WireCall, u8>(calls)).buffer();
    let msg = object(&[
        ("id", &id.into()),
        ("text", &text),
        ("lens", &lens),
        ("calls", &calls),
        ("bytes", &(bytes as f64).into()),
        ("last", &last.is_some().into()),
    ]);
    if let Some(times) = last {
        let times: Array = times.iter().map(|&t| JsValue::from(t)).collect();
        let _ = Reflect::set(&msg, &JsValue::from_str("times"), &times);
    }
    let _ = Reflect::set(&msg, &JsValue::from_str("chunk"), &slice);
    let transfer = Array::of4(&text, &lens, &calls, &slice);
    read_scope().post_message_with_transfer(&msg, &transfer)
}

// ---------------------------------------------------------------------------------------------
// The analysis worker's side.
// ---------------------------------------------------------------------------------------------

/// A batch received from the reading worker.
pub struct Batch {
    text: ArrayBuffer,
    lens: ArrayBuffer,
    calls: ArrayBuffer,
    /// Bytes of the file it was made from (0 for the batch that ends the file).
    pub bytes: u64,
    /// Those bytes (to be hashed).
    pub chunk: Option<ArrayBuffer>,
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
    /// Copy the batch into this worker's memory, into `into` (reusing its buffers).
    pub fn unpack(&self, scratch: &mut Unpacking, into: &mut RecordedCalls) -> Result<(), String> {
        super::copy_into(&self.text, &mut scratch.text);
        let lens = Uint32Array::new(&self.lens);
        scratch.lens.resize(lens.length() as usize, 0);
        lens.copy_to(&mut scratch.lens);
        // the descriptors are copied straight into place: they are plain words
        let calls = Uint8Array::new(&self.calls);
        let size = std::mem::size_of::<WireCall>();
        if calls.length() as usize % size != 0 {
            return Err(format!("a recorded batch's calls are {} bytes, not a whole number of calls", calls.length()));
        }
        scratch.calls.resize(calls.length() as usize / size, WireCall::default());
        calls.copy_to(bytemuck::cast_slice_mut(&mut scratch.calls));
        into.refill(&scratch.text, &scratch.lens, &scratch.calls)
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
                    s.batches.push_back(Batch {
                        text,
                        lens,
                        calls,
                        bytes: get(&data, "bytes").as_f64().unwrap_or(0.0) as u64,
                        chunk: get(&data, "chunk").dyn_into::<ArrayBuffer>().ok(),
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

/// Why [`ReadJob::next`] has no batch.
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

    /// A batch was applied: the reading worker may send one more.
    pub fn applied(&self) {
        self.worker.post(object(&[("id", &self.id.into()), ("applied", &JsValue::TRUE)]));
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

/// Hash the first `bytes` bytes of `blob` here: its length and SHA-256 (hex).
pub async fn rehash(blob: &Blob, bytes: u64) -> Result<(u64, String), JsValue> {
    let mut fp = Fingerprinter::new("");
    let head = blob.slice_with_f64_and_f64(0.0, bytes as f64)?;
    super::stream_blob(&head, super::CHUNK_BYTES, |c| {
        fp.update(c);
        true
    })
    .await?;
    let done = fp.finish();
    Ok((done.bytes, done.sha256))
}
