//! The Web Worker shell: a thin layer over [`crate::protocol::Session`].
//!
//! It receives `{ req, files }` messages (the `File` handles travel beside the request), has each
//! `File` read and parsed by the reading worker and builds the session's dataset from the batches
//! it sends (see [`read`]; or streams the file in fixed-size chunks into the session itself when
//! the reading worker is unusable), fingerprints the inputs, sends throttled progress, honours
//! `Cancel` between batches, and turns a panic into an `Error` response the UI shows. All
//! decisions live in the pure session; this file only moves bytes.

pub mod read;

use crate::core::ingest::IngestOptions;
use crate::protocol::{self, FileMeta, Request, Response, Session};
use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use serde::Serialize;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

/// Bytes read from a `File` per step.
pub const CHUNK_BYTES: f64 = 4.0 * 1024.0 * 1024.0;
/// Minimum milliseconds between two progress messages.
const PROGRESS_EVERY_MS: f64 = 100.0;
/// Progress messages are at least this many times their own cost apart: a progress message
/// scans the posts read so far (their time span), which at millions of posts takes tens of
/// milliseconds; sent every 100 ms it took ≈ 10% of a 1M-post read, and its share grows with
/// the dump.
const PROGRESS_COST_FACTOR: f64 = 20.0;

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new(Session::new());
    static CANCEL: Cell<bool> = const { Cell::new(false) };
    /// Bumped by every Ingest request: an older read still in flight sees the change and stops.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    /// Input fingerprints being taken after their file's read (the session's tickets), with the
    /// reading worker taking them ([`fingerprint_later`]).
    static PENDING: RefCell<Vec<Pending>> = const { RefCell::new(Vec::new()) };
    /// Messages that wait for them, in order: the first that writes report.json (`Export`,
    /// `LinkExport`) and every one after it, until no fingerprint is pending.
    static DEFERRED: RefCell<std::collections::VecDeque<JsValue>> = const { RefCell::new(std::collections::VecDeque::new()) };
}

/// A fingerprint being taken after its file's read: the session's ticket, the reading worker
/// taking it, and the file's name and the bytes hashed (for the message an export waiting for
/// it shows).
struct Pending {
    ticket: u64,
    worker: std::rc::Rc<read::ReadWorker>,
    name: String,
    bytes: u64,
}

/// What the user reads while an export waits for the input files' fingerprints.
pub fn waiting_for_fingerprints_message(files: &[(String, u64)]) -> String {
    let list: Vec<String> =
        files.iter().map(|(name, bytes)| format!("{name} ({})", crate::ui::human_bytes(*bytes))).collect();
    let (noun, verb) = if files.len() == 1 { ("fingerprint", "is") } else { ("fingerprints", "are") };
    format!(
        "Exports wait for the SHA-256 fingerprints of the input files (report.json, network.gexf and network.graphml \
         record them, so that a result can be traced to the exact bytes it came from, and exports run in the order they \
         were asked for). The {noun} of {} {verb} still being computed on this computer, after the read and beside the \
         analysis; the export starts as soon as {}.",
        list.join(", "),
        if files.len() == 1 { "it is done" } else { "they are done" }
    )
}

fn stale(generation: u32) -> bool {
    CANCEL.with(|c| c.get()) || GENERATION.with(|g| g.get()) != generation
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// The serializer of every message across the worker boundary: plain objects for maps and
/// `null` for missing values (as JSON), but byte fields (`serde_bytes`) as one `Uint8Array`
/// each — `Serializer::json_compatible()` would turn them into arrays of numbers, one JS value
/// per byte, which is exactly what large arrays must not cost.
pub fn js_serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true).serialize_maps_as_objects(true)
}

/// Post a response to the UI thread.
pub fn post(resp: &Response) {
    let serializer = js_serializer();
    match resp.serialize(&serializer) {
        Ok(value) => {
            let _ = scope().post_message(&value);
        }
        Err(e) => {
            let fallback =
                Response::Error { message: format!("internal error: a worker response could not be encoded ({e})") };
            if let Ok(v) = fallback.serialize(&serializer) {
                let _ = scope().post_message(&v);
            }
        }
    }
}

/// Entry point of the worker binary.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!(
            "The analysis worker crashed: {info}. Your files were not sent anywhere. Reload the page or load another file; if it happens again with this file, please report it."
        );
        web_sys::console::error_1(&JsValue::from_str(&message));
        post(&Response::Error { message });
    }));
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // Start the reading worker now, so that its WebAssembly is compiled before the first file
    // is dropped rather than while it is read.
    let _ = read::ReadWorker::get();
    post(&Response::Ready);
    // Run the building side hot once, after the page heard Ready (see `protocol::warm_up`).
    wasm_bindgen_futures::spawn_local(async {
        let t0 = perf_now();
        let (calls, posts) = protocol::warm_up(true);
        let line = format!("warmed up: {calls} calls parsed, {posts} posts built, {:.0} ms", perf_now() - t0);
        web_sys::console::debug_1(&line.into());
    });
}

fn on_message(ev: MessageEvent) {
    dispatch(ev.data());
}

/// Handle one message from the UI: `{ req, files }`.
fn dispatch(data: JsValue) {
    let req_js = Reflect::get(&data, &JsValue::from_str("req")).unwrap_or(JsValue::UNDEFINED);
    let req: Request = match serde_wasm_bindgen::from_value(req_js) {
        Ok(r) => r,
        Err(e) => {
            post(&Response::Error {
                message: format!("internal error: the worker got a request it does not understand ({e})"),
            });
            return;
        }
    };
    // report.json needs every input's fingerprint: wait for them (and keep the order)
    let writes_report = matches!(req, Request::Export { .. } | Request::LinkExport { .. });
    let waiting = PENDING.with(|p| !p.borrow().is_empty());
    if waiting && !matches!(req, Request::Cancel) && (writes_report || DEFERRED.with(|d| !d.borrow().is_empty())) {
        DEFERRED.with(|d| d.borrow_mut().push_back(data));
        if writes_report {
            let files: Vec<(String, u64)> =
                PENDING.with(|p| p.borrow().iter().map(|p| (p.name.clone(), p.bytes)).collect());
            post(&Response::Waiting { message: waiting_for_fingerprints_message(&files) });
        }
        return;
    }
    match req {
        Request::Ingest { .. } | Request::LinkAdd { .. } => {
            let files: Array = Reflect::get(&data, &JsValue::from_str("files"))
                .ok()
                .and_then(|f| f.dyn_into::<Array>().ok())
                .unwrap_or_default();
            CANCEL.with(|c| c.set(false));
            let generation = GENERATION.with(|g| {
                g.set(g.get().wrapping_add(1));
                g.get()
            });
            wasm_bindgen_futures::spawn_local(ingest(req, Source::Files(files), generation));
        }
        Request::Demo => {
            CANCEL.with(|c| c.set(false));
            let generation = GENERATION.with(|g| {
                g.set(g.get().wrapping_add(1));
                g.get()
            });
            match protocol::demo_files() {
                Ok(files) => {
                    let metas =
                        files.iter().map(|(name, b)| FileMeta { name: name.clone(), size: b.len() as u64 }).collect();
                    let req = Request::Ingest { files: metas, options: IngestOptions::default() };
                    wasm_bindgen_futures::spawn_local(ingest(req, Source::Bytes(files), generation));
                }
                Err(message) => post(&Response::Error { message }),
            }
        }
        Request::Preview { .. } => {
            let files: Array = Reflect::get(&data, &JsValue::from_str("files"))
                .ok()
                .and_then(|f| f.dyn_into::<Array>().ok())
                .unwrap_or_default();
            wasm_bindgen_futures::spawn_local(preview(files));
        }
        Request::Cancel => {
            let reading = SESSION.with(|s| s.borrow().is_reading());
            if reading {
                CANCEL.with(|c| c.set(true));
            } else {
                SESSION.with(|s| s.borrow_mut().handle(Request::Cancel, &mut |r| post(&r)));
            }
        }
        other => crate::worker::handle_other(other),
    }
}

/// Requests answered synchronously by the session.
pub fn handle_other(req: Request) {
    let removes = matches!(req, Request::LinkRemove { .. });
    SESSION.with(|s| {
        s.borrow_mut().handle(req, &mut |r| match r {
            Response::Analyzed(mut summary) => {
                summary.memory_bytes = wasm_memory_bytes();
                post(&Response::Analyzed(summary))
            }
            Response::Linked(mut summary) => {
                summary.memory_bytes = wasm_memory_bytes();
                post(&Response::Linked(summary))
            }
            other => post(&other),
        })
    });
    if removes {
        prune_pending();
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Where ingested bytes come from: the user's files, or bytes made in the worker (the demo).
enum Source {
    Files(Array),
    Bytes(Vec<(String, Vec<u8>)>),
}

/// Read the first bytes of each file and say what it is (for the column-mapping form).
async fn preview(files: Array) {
    let mut out = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let Ok(f) = file.dyn_into::<web_sys::File>() else {
            post(&Response::Error { message: format!("internal error: item {index} is not a file") });
            return;
        };
        let mut head = Vec::new();
        let end = (crate::core::ingest::sniff::MAX_HEAD as f64).min(f.size());
        let slice = match f.slice_with_f64_and_f64(0.0, end) {
            Ok(b) => b,
            Err(e) => return read_failed(index, e),
        };
        if let Err(e) = stream_blob(&slice, CHUNK_BYTES, |c| {
            head.extend_from_slice(c);
            true
        })
        .await
        {
            return read_failed(index, e);
        }
        out.push(protocol::preview_file(&f.name(), &head));
    }
    post(&Response::Previewed(out));
}

/// Let the event loop run (so a Cancel message is seen) between two chunks of in-memory bytes.
async fn yield_now() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = JsFuture::from(p).await;
}

/// WebAssembly memory of this worker, in bytes (it never shrinks).
pub fn wasm_memory_bytes() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65_536
}

/// Reading stops (keeping what was read) once the worker's memory passes this, or earlier when
/// detecting the posts read so far would not fit ([`crate::protocol::detection_would_not_fit`]):
/// wasm32 caps memory at 4 GiB and detection needs room of its own (layout and exports too).
pub const MEMORY_GUARD_BYTES: u64 = 2_600 * 1024 * 1024;

/// What the user reads when the memory guard stops a read.
pub fn memory_guard_message(file: &str, done: u64, total: u64, used: u64) -> String {
    format!(
        "Stopped reading {file} after {} of {}: this browser tab has used {} of the 4 GiB of memory WebAssembly allows, \
         and analysing needs room too. Everything read so far is kept and analysed. To analyse all of it, split the dump \
         (by part or by time range) and load a part at a time, or run `chorus analyze` natively, which has no such limit.",
        crate::ui::human_bytes(done),
        crate::ui::human_bytes(total),
        crate::ui::human_bytes(used)
    )
}

/// What the read loop checks after each chunk or batch given to the session: whether to go on.
/// It stops on a cancel or a newer read, and when memory runs short (then the current file's
/// report says why, and what was read is kept: `out_of_memory`); it sends throttled progress.
struct AfterInput {
    generation: u32,
    next_progress: f64,
    out_of_memory: bool,
}

impl AfterInput {
    fn go_on(&mut self) -> bool {
        if stale(self.generation) {
            return false;
        }
        let used = wasm_memory_bytes();
        let posts = SESSION.with(|s| s.borrow().ingest_posts());
        if used >= MEMORY_GUARD_BYTES || crate::protocol::detection_would_not_fit(used, posts) {
            self.out_of_memory = true;
            SESSION.with(|s| {
                let mut s = s.borrow_mut();
                let p = s.ingest_progress().unwrap_or_default();
                s.ingest_stop(memory_guard_message(&p.file_name, p.bytes_done, p.bytes_total, used));
            });
            return false;
        }
        let now = perf_now();
        if now >= self.next_progress {
            if let Some(mut p) = SESSION.with(|s| s.borrow().ingest_progress()) {
                p.memory_bytes = used;
                post(&Response::IngestProgress(p));
            }
            // Progress costs a pass over the posts read: keep it under 1/20 of the time.
            let cost = perf_now() - now;
            self.next_progress = perf_now() + PROGRESS_EVERY_MS.max(PROGRESS_COST_FACTOR * cost);
        }
        true
    }
}

/// How a file's read ended: `Err` the browser could not read it (or the reading worker failed
/// in the middle of it: then the message says so, and nothing more is read).
enum ReadEnd {
    Done,
    ReadError(JsValue),
    WorkerFailed(String),
}

async fn ingest(req: Request, source: Source, generation: u32) {
    SESSION.with(|s| s.borrow_mut().handle(req, &mut |r| post(&r)));
    prune_pending(); // a new dataset replaces the one whose fingerprints were pending
    let mut after = AfterInput { generation, next_progress: 0.0, out_of_memory: false };
    let n_files = match &source {
        Source::Files(a) => a.length() as usize,
        Source::Bytes(v) => v.len(),
    };
    for index in 0..n_files {
        let end = match &source {
            Source::Files(files) => {
                let Ok(blob) = files.get(index as u32).dyn_into::<Blob>() else {
                    post(&Response::Error { message: format!("internal error: item {index} is not a file") });
                    return;
                };
                read_file(index, &blob, &mut after).await
            }
            Source::Bytes(files) => {
                SESSION.with(|s| s.borrow_mut().ingest_file_start(index));
                for chunk in files[index].1.chunks(1 << 20) {
                    SESSION.with(|s| s.borrow_mut().ingest_chunk(chunk));
                    if !after.go_on() {
                        break;
                    }
                    yield_now().await;
                }
                if !stale(generation) {
                    SESSION.with(|s| s.borrow_mut().ingest_file_end());
                }
                ReadEnd::Done
            }
        };
        if GENERATION.with(|g| g.get()) != generation {
            return; // a newer Ingest replaced this one
        }
        match end {
            ReadEnd::Done => {}
            ReadEnd::ReadError(e) => return read_failed(index, e),
            ReadEnd::WorkerFailed(message) => {
                SESSION.with(|s| s.borrow_mut().handle(Request::Cancel, &mut |_| {}));
                post(&Response::Error { message });
                return;
            }
        }
        if CANCEL.with(|c| c.get()) {
            SESSION.with(|s| s.borrow_mut().handle(Request::Cancel, &mut |r| post(&r)));
            return;
        }
        if after.out_of_memory {
            break; // keep what was read; the report of this file says why reading stopped
        }
    }
    if CANCEL.with(|c| c.get()) {
        SESSION.with(|s| s.borrow_mut().handle(Request::Cancel, &mut |r| post(&r)));
        return;
    }
    if let Some(mut p) = SESSION.with(|s| s.borrow().ingest_progress()) {
        p.memory_bytes = wasm_memory_bytes();
        post(&Response::IngestProgress(p));
    }
    let mut done = SESSION.with(|s| s.borrow_mut().ingest_end());
    if let Response::Ingested(summary) = &mut done {
        summary.memory_bytes = wasm_memory_bytes();
    }
    post(&done);
}

/// Read file `index` of the session's ingest from `blob`: parsed by the reading worker and built
/// here (see [`read`]), or read and parsed here when the reading worker is unusable; then end it
/// with its fingerprint (unless the read was cancelled or replaced).
async fn read_file(index: usize, blob: &Blob, after: &mut AfterInput) -> ReadEnd {
    let Some((meta, options)) = SESSION.with(|s| s.borrow().ingest_file(index)) else { return ReadEnd::Done };
    let drop_texts = SESSION.with(|s| s.borrow().ingest_texts_unneeded());
    let job = read::ReadWorker::get().map(|w| w.parse(blob, &meta.name, meta.size, &options, CHUNK_BYTES, drop_texts));
    let job = match job {
        Some(Ok(job)) => Some(job),
        Some(Err(message)) => return ReadEnd::WorkerFailed(message),
        None => None,
    };
    if let Some(job) = job {
        match parsed_elsewhere(index, blob, job, after).await {
            Ok(end) => return end,
            Err(e) => web_sys::console::warn_1(&format!("the reading worker failed ({e}); reading here").into()),
        }
    }
    // Read, parse and hash here.
    SESSION.with(|s| s.borrow_mut().ingest_file_start(index));
    let mut times = ReadLoopTimes::default();
    let mut chunks = BlobChunks::new(blob, CHUNK_BYTES);
    let mut chunk = Vec::new();
    loop {
        let t0 = perf_now();
        let buf = match chunks.next().await {
            Ok(Some(buf)) => buf,
            Ok(None) => break,
            Err(e) => return ReadEnd::ReadError(e),
        };
        let t1 = perf_now();
        copy_into(&buf, &mut chunk);
        let t2 = perf_now();
        SESSION.with(|s| s.borrow_mut().ingest_chunk(&chunk));
        let more = after.go_on();
        times.add(chunk.len(), [t1 - t0, t2 - t1, perf_now() - t2]);
        if !more {
            break;
        }
    }
    times.log(&meta.name, false);
    if !stale(after.generation) {
        SESSION.with(|s| s.borrow_mut().ingest_file_end());
    }
    ReadEnd::Done
}

/// The reading worker reads and parses the file; here each batch is applied, and the file is
/// fingerprinted after the read ([`fingerprint_later`]). Err (nothing of the file applied yet)
/// when the reading worker failed before its first batch: the caller then reads the file itself.
async fn parsed_elsewhere(
    index: usize,
    blob: &Blob,
    mut job: read::ReadJob,
    after: &mut AfterInput,
) -> Result<ReadEnd, String> {
    SESSION.with(|s| s.borrow_mut().ingest_file_start_parsed_elsewhere(index));
    let mut scratch = read::Unpacking::default();
    let mut applied_any = false;
    let mut fed = 0u64;
    let mut times = ReadLoopTimes::default();
    let end = loop {
        let t0 = perf_now();
        let b = match job.next().await {
            Ok(Some(b)) => b,
            Ok(None) => break ReadEnd::Done,
            Err(read::ReadFailed::File(e)) => break ReadEnd::ReadError(JsValue::from_str(&e)),
            Err(read::ReadFailed::Worker(e)) if !applied_any => return Err(e),
            Err(read::ReadFailed::Worker(e)) => {
                break ReadEnd::WorkerFailed(format!(
                    "The reading worker failed while reading {} ({e}). Your files were not sent anywhere. Load the files again; if it happens again with this file, please report it.",
                    blob_name(blob)
                ))
            }
        };
        if stale(after.generation) {
            break ReadEnd::Done;
        }
        if let Some([wait, slices, copy, parse, send]) = b.times {
            let line = format!(
                "reading worker, {}: waiting for the analysis worker {wait:.0} ms, for the file {slices:.0} ms, copying in {copy:.0} ms, parsing {parse:.0} ms ({:.0} MB/s), sending {send:.0} ms",
                blob_name(blob),
                fed as f64 / 1e3 / parse.max(1.0)
            );
            web_sys::console::debug_1(&line.into());
        }
        let t1 = perf_now();
        let batch = match b.unpack(&mut scratch) {
            Ok(batch) => batch,
            Err(e) => {
                break ReadEnd::WorkerFailed(format!(
                    "internal error: the reading worker sent a batch that cannot be read ({e})"
                ))
            }
        };
        let t2 = perf_now();
        let bytes = b.bytes;
        SESSION.with(|s| s.borrow_mut().ingest_wire_batch(&batch, bytes));
        applied_any = true;
        fed += bytes;
        job.applied(b.buffers(), SESSION.with(|s| s.borrow().ingest_texts_unneeded()));
        let more = after.go_on();
        times.add(bytes as usize, [t1 - t0, t2 - t1, perf_now() - t2]);
        if !more {
            break ReadEnd::Done;
        }
    };
    let worker = job.worker();
    drop(job);
    times.log(&blob_name(blob), true);
    if !matches!(end, ReadEnd::Done) || stale(after.generation) {
        return Ok(end);
    }
    // The fingerprint covers exactly the bytes read: the whole file, or as far as the read went.
    if let Some(ticket) = SESSION.with(|s| s.borrow_mut().ingest_file_end_hash_later(fed)) {
        fingerprint_later(ticket, blob.clone(), fed, worker);
    }
    Ok(ReadEnd::Done)
}

/// Have the reading worker fingerprint the first `bytes` bytes of `blob` after the read (the
/// session's input `ticket` waits for it): the read ends without waiting, and the hash runs
/// beside the analysis, on the core it leaves idle. Requests that write report.json wait for it
/// ([`PENDING`]). If the reading worker fails, the bytes are hashed here instead; if the browser
/// cannot read them again (the file changed or was removed since), report.json says so.
fn fingerprint_later(ticket: u64, blob: Blob, bytes: u64, worker: std::rc::Rc<read::ReadWorker>) {
    let name = blob_name(&blob);
    PENDING.with(|p| p.borrow_mut().push(Pending { ticket, worker: worker.clone(), name: name.clone(), bytes }));
    wasm_bindgen_futures::spawn_local(async move {
        let got = worker.hash(ticket as u32, &blob, bytes).await;
        if !PENDING.with(|p| p.borrow().iter().any(|p| p.ticket == ticket)) {
            return; // its dataset was replaced
        }
        let sha256 = match got {
            Ok(h) => {
                let line = format!(
                    "fingerprint of {name}: {} in the reading worker, after the read, {:.0} ms",
                    h.how, h.ms
                );
                web_sys::console::debug_1(&line.into());
                Ok(h.sha256)
            }
            Err(read::ReadFailed::File(e)) => Err(format!(
                "the browser could not read {name} again to fingerprint it ({e}): it changed or was removed after it was read"
            )),
            Err(read::ReadFailed::Worker(e)) => {
                web_sys::console::warn_1(&format!("the reading worker could not fingerprint {name} ({e}); hashing here").into());
                match read::rehash(&blob, bytes).await {
                    Ok((_, hex)) => Ok(hex),
                    Err(e) => Err(format!(
                        "the browser could not read {name} again to fingerprint it ({}): it changed or was removed after it was read",
                        read::describe(&e)
                    )),
                }
            }
        };
        SESSION.with(|s| s.borrow_mut().input_hashed(ticket, sha256));
        PENDING.with(|p| p.borrow_mut().retain(|p| p.ticket != ticket));
        run_deferred();
    });
}

/// Forget the fingerprints no input waits for any more (their dataset was replaced or removed),
/// and run the requests that waited for them once none is left.
fn prune_pending() {
    let gone: Vec<Pending> = PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let (keep, gone) = p.drain(..).partition(|p| SESSION.with(|s| s.borrow().awaits_fingerprint(p.ticket)));
        *p = keep;
        gone
    });
    for p in gone {
        p.worker.forget(p.ticket as u32);
    }
    run_deferred();
}

/// Run the requests that waited for fingerprints, in order, once none is pending.
fn run_deferred() {
    loop {
        if PENDING.with(|p| !p.borrow().is_empty()) {
            return;
        }
        let Some(data) = DEFERRED.with(|d| d.borrow_mut().pop_front()) else { return };
        dispatch(data);
    }
}

/// Slices of a `Blob` requested ahead of the one being parsed.
pub const READ_AHEAD: usize = 2;

/// A `Blob` read in slices of a fixed size with `Blob.slice().arrayBuffer()`, [`READ_AHEAD`]
/// slices ahead: the next slices are requested before the current one is returned. Chromium
/// hands the bytes over in tasks of the requesting thread, so the read-ahead only progresses
/// while that thread's event loop runs: the reading worker, never busy for long, reads for the
/// analysis worker (which reads itself only when the reading worker is unusable).
pub struct BlobChunks {
    blob: Blob,
    size: f64,
    chunk_bytes: f64,
    offset: f64,
    pending: std::collections::VecDeque<JsFuture>,
}

impl BlobChunks {
    pub fn new(blob: &Blob, chunk_bytes: f64) -> Self {
        BlobChunks {
            blob: blob.clone(),
            size: blob.size(),
            chunk_bytes: chunk_bytes.max(1.0),
            offset: 0.0,
            pending: Default::default(),
        }
    }

    /// Request slices until [`READ_AHEAD`] + 1 are pending (or the blob is all requested).
    fn request(&mut self) -> Result<(), JsValue> {
        while self.pending.len() <= READ_AHEAD && self.offset < self.size {
            let end = (self.offset + self.chunk_bytes).min(self.size);
            let slice = self.blob.slice_with_f64_and_f64(self.offset, end)?;
            self.pending.push_back(JsFuture::from(slice.array_buffer()));
            self.offset = end;
        }
        Ok(())
    }

    /// The next slice, `None` at the end.
    pub async fn next(&mut self) -> Result<Option<ArrayBuffer>, JsValue> {
        self.request()?;
        let Some(read) = self.pending.pop_front() else { return Ok(None) };
        let buf = read.await?;
        self.request()?;
        Ok(Some(buf.unchecked_into()))
    }
}

/// Where the read loop's time goes, per file (logged with `console.debug`, which the browser
/// benchmark reads): waiting for the next batch of the reading worker (or chunk read here),
/// copying it into Wasm memory (and hashing it, when done here), and building (or parsing) it.
#[derive(Default)]
struct ReadLoopTimes {
    chunks: u32,
    bytes: f64,
    ms: [f64; 3],
}

impl ReadLoopTimes {
    fn add(&mut self, bytes: usize, ms: [f64; 3]) {
        self.chunks += 1;
        self.bytes += bytes as f64;
        for (t, d) in self.ms.iter_mut().zip(ms) {
            *t += d;
        }
    }

    /// `elsewhere`: the reading worker read and parsed the file (and fingerprints it after the
    /// read), else this worker read, parsed and hashed it.
    fn log(&self, file: &str, elsewhere: bool) {
        let [wait, copy, work] = self.ms;
        let line = if elsewhere {
            format!(
                "read loop, {file}: {:.0} MB in {} batches; waiting for the reading worker {wait:.0} ms, copying in {copy:.0} ms, building {work:.0} ms ({:.0} MB/s) (read and parsed by the reading worker, fingerprinted after the read)",
                self.bytes / 1e6,
                self.chunks,
                self.bytes / 1e3 / work.max(1.0),
            )
        } else {
            format!(
                "read loop, {file}: {:.0} MB in {} chunks; waiting for the file {wait:.0} ms, copying {copy:.0} ms, parsing {work:.0} ms ({:.0} MB/s) (read, parsed and hashed here)",
                self.bytes / 1e6,
                self.chunks,
                self.bytes / 1e3 / work.max(1.0),
            )
        };
        web_sys::console::debug_1(&line.into());
    }
}

pub(crate) fn perf_now() -> f64 {
    js_sys::global().unchecked_into::<web_sys::WorkerGlobalScope>().performance().map_or_else(now_ms, |p| p.now())
}

fn blob_name(blob: &Blob) -> String {
    blob.dyn_ref::<web_sys::File>().map(|f| f.name()).unwrap_or_default()
}

/// Copy an `ArrayBuffer` into `dst` (reused across chunks: no zeroing once it is large enough).
pub(crate) fn copy_into(buf: &ArrayBuffer, dst: &mut Vec<u8>) {
    let arr = Uint8Array::new(buf);
    dst.resize(arr.length() as usize, 0);
    arr.copy_to(dst);
}

/// Read `blob` in slices of `chunk_bytes`, calling `on_chunk` with each; stops early (Ok) when
/// `on_chunk` returns false. Each slice is awaited, so messages (e.g. Cancel) are handled between
/// chunks and the file is never held whole.
pub async fn stream_blob(
    blob: &Blob,
    chunk_bytes: f64,
    mut on_chunk: impl FnMut(&[u8]) -> bool,
) -> Result<(), JsValue> {
    let mut chunks = BlobChunks::new(blob, chunk_bytes);
    let mut chunk = Vec::new();
    while let Some(buf) = chunks.next().await? {
        copy_into(&buf, &mut chunk);
        if !on_chunk(&chunk) {
            return Ok(());
        }
    }
    Ok(())
}

fn read_failed(index: usize, e: JsValue) {
    SESSION.with(|s| s.borrow_mut().handle(Request::Cancel, &mut |_| {}));
    let detail =
        e.as_string().or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string())).unwrap_or_default();
    post(&Response::Error {
        message: format!("The browser could not read file {} ({detail}). If the file is on a removable or network drive, copy it locally and try again.", index + 1),
    });
}
