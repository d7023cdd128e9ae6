//! The input fingerprint (SHA-256 of each file, in report.json) and the file reading, off the
//! analysis worker's thread.
//!
//! SHA-256 in WebAssembly runs without the CPU's SHA instructions (≈ 230 MB/s in Chromium on the
//! benchmark machine): hashed in the analysis worker it took about a quarter of the read. So the
//! analysis worker starts a second, small worker (the `worker_hash` binary, started by
//! `worker-hash-loader.js`), which also *reads* the file: Chromium delivers the bytes of
//! `Blob.arrayBuffer()` through tasks of the thread that asked for them, so a worker busy parsing
//! cannot take delivery of the slices it requested ahead, and then waits for each one (0.5 s of a
//! 4.4 s read on an idle machine, more under load). The hash worker is idle most of the time: it
//! reads [`CHUNK_BYTES`](super::CHUNK_BYTES) slices of the `File` (the handle is posted to it, the
//! file is read once), *transfers* each `ArrayBuffer` to the analysis worker, at most [`WINDOW`]
//! ahead of it; the analysis worker copies a chunk into Wasm memory, transfers the same buffer
//! back, and the hash worker hashes it. So the fingerprint covers exactly the chunks the analysis
//! worker parsed, in order (a read stopped early is hashed as far as it was parsed), and no byte
//! is copied twice on the JS side. Each file's end is answered with its SHA-256; the digest is the
//! same [`Fingerprinter`] the CLI uses, so `sha256sum` agrees.
//!
//! Failures lose nothing: if the hash worker cannot start or dies, the analysis worker reads the
//! rest of the file itself and hashes it ([`rehash`] reads the same bytes of the `File` again),
//! so the fingerprint is always a real SHA-256 of the bytes read.
//!
//! Messages, as plain JS objects: to the hash worker `{ id, read: Blob, chunkBytes }` (read file
//! `id`), `{ id, chunk: ArrayBuffer }` (a chunk parsed: hash it), `{ id, end: true }` (stop
//! reading, answer the digest) and `{ id, stop: true }` (stop reading: the job was dropped); from it `{ ready: true }`, `{ id, chunk: ArrayBuffer }` (the next
//! chunk read), `{ id, eof: true }`, `{ id, readError }`, `{ id, bytes, sha256 }` and
//! `{ error }`. `id` numbers a file; a new `id` stops the reading of the previous one and drops
//! its unfinished digest (a cancelled or replaced read).

use crate::core::export::Fingerprinter;
use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DedicatedWorkerGlobalScope, ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};

/// Chunks the hash worker has read and handed to the analysis worker, not yet given back, at
/// most ([`CHUNK_BYTES`](super::CHUNK_BYTES) each; its own read-ahead adds
/// [`READ_AHEAD`](super::READ_AHEAD) + 1 slices being read).
pub const WINDOW: u32 = 4;

/// The script that starts the hash worker (next to `worker-loader.js`).
const LOADER: &str = "worker-hash-loader.js";

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

fn object(fields: &[(&str, &JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

// ---------------------------------------------------------------------------------------------
// The hash worker itself (the `worker_hash` binary).
// ---------------------------------------------------------------------------------------------

/// The hash worker's state: the file being hashed, by id.
#[derive(Default)]
pub struct Hashing {
    current: Option<(u32, Fingerprinter)>,
}

impl Hashing {
    /// Add a chunk of file `id` (a new id starts a new file and drops an unfinished one).
    pub fn chunk(&mut self, id: u32, bytes: &[u8]) {
        match &mut self.current {
            Some((cur, fp)) if *cur == id => fp.update(bytes),
            _ => {
                let mut fp = Fingerprinter::new("");
                fp.update(bytes);
                self.current = Some((id, fp));
            }
        }
    }

    /// File `id` ended: its length and SHA-256 (hex). A file that got no chunk is empty.
    pub fn end(&mut self, id: u32) -> (u64, String) {
        let fp = match self.current.take() {
            Some((cur, fp)) if cur == id => fp,
            _ => Fingerprinter::new(""),
        };
        let done = fp.finish();
        (done.bytes, done.sha256)
    }
}

/// The hash worker's reading: which file it reads, how many of its chunks the analysis worker
/// holds, and the reading loop's pending waits.
#[derive(Default)]
struct Reading {
    id: Option<u32>,
    outstanding: u32,
    wakers: Vec<Function>,
}

fn hash_scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Entry point of the `worker_hash` binary.
pub fn start_hash_worker() {
    std::panic::set_hook(Box::new(|info| {
        let _ = hash_scope().post_message(&object(&[("error", &JsValue::from_str(&info.to_string()))]));
    }));
    let state = RefCell::new(Hashing::default());
    let reading = Rc::new(RefCell::new(Reading::default()));
    let mut buf = Vec::new();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let Some(id) = get(&data, "id").as_f64().map(|f| f as u32) else { return };
        let chunk = get(&data, "chunk");
        if let Some(blob) = get(&data, "read").dyn_ref::<Blob>() {
            let chunk_bytes = get(&data, "chunkBytes").as_f64().unwrap_or(super::CHUNK_BYTES);
            let mut r = reading.borrow_mut();
            *r = Reading { id: Some(id), outstanding: 0, wakers: std::mem::take(&mut r.wakers) };
            for w in r.wakers.drain(..) {
                let _ = w.call0(&JsValue::NULL); // an older reading loop sees the new id and stops
            }
            wasm_bindgen_futures::spawn_local(read_file(reading.clone(), id, blob.clone(), chunk_bytes));
        } else if let Some(chunk) = chunk.dyn_ref::<ArrayBuffer>() {
            let arr = Uint8Array::new(chunk);
            buf.resize(arr.length() as usize, 0);
            arr.copy_to(&mut buf);
            state.borrow_mut().chunk(id, &buf);
            let mut r = reading.borrow_mut();
            if r.id == Some(id) {
                r.outstanding = r.outstanding.saturating_sub(1);
                for w in r.wakers.drain(..) {
                    let _ = w.call0(&JsValue::NULL);
                }
            }
        } else if get(&data, "end").is_truthy() || get(&data, "stop").is_truthy() {
            {
                let mut r = reading.borrow_mut();
                if r.id == Some(id) {
                    r.id = None;
                    for w in r.wakers.drain(..) {
                        let _ = w.call0(&JsValue::NULL);
                    }
                }
            }
            if !get(&data, "end").is_truthy() {
                return;
            }
            let (bytes, sha256) = state.borrow_mut().end(id);
            let _ = hash_scope().post_message(&object(&[
                ("id", &id.into()),
                ("bytes", &(bytes as f64).into()),
                ("sha256", &sha256.into()),
            ]));
        }
    });
    hash_scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let _ = hash_scope().post_message(&object(&[("ready", &JsValue::TRUE)]));
}

/// The hash worker reads file `id` in slices and transfers each to the analysis worker, at most
/// [`WINDOW`] ahead of the chunks it gave back; stops when another file is read or `id` ended.
async fn read_file(reading: Rc<RefCell<Reading>>, id: u32, blob: Blob, chunk_bytes: f64) {
    let current = |r: &Reading| r.id == Some(id);
    let mut chunks = super::BlobChunks::new(&blob, chunk_bytes);
    loop {
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
        let next = chunks.next().await;
        if !current(&reading.borrow()) {
            return;
        }
        let id_js = JsValue::from(id);
        let sent = match next {
            Ok(Some(buf)) => {
                reading.borrow_mut().outstanding += 1;
                hash_scope().post_message_with_transfer(&object(&[("id", &id_js), ("chunk", &buf)]), &Array::of1(&buf))
            }
            Ok(None) => {
                let _ = hash_scope().post_message(&object(&[("id", &id_js), ("eof", &JsValue::TRUE)]));
                return;
            }
            Err(e) => {
                let _ = hash_scope().post_message(&object(&[("id", &id_js), ("readError", &describe(&e).into())]));
                return;
            }
        };
        if let Err(e) = sent {
            let _ = hash_scope().post_message(&object(&[("error", &describe(&e).into())]));
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The analysis worker's side.
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Shared {
    ready: bool,
    /// Why the hash worker is unusable (failed to load, crashed); then every job falls back.
    failed: Option<String>,
    /// Messages posted before the hash worker was ready (it would drop them).
    queue: Vec<(Object, Option<ArrayBuffer>)>,
    /// The file being read (its id), the chunks read and not yet taken, whether all were
    /// read, and why reading failed.
    reading: u32,
    chunks: VecDeque<ArrayBuffer>,
    eof: bool,
    read_error: Option<String>,
    /// The last digest received: (id, bytes, sha256).
    result: Option<(u32, u64, String)>,
    /// Pending waits, resolved on every message or error.
    wakers: Vec<Function>,
}

impl Shared {
    fn wake(&mut self) {
        for w in self.wakers.drain(..) {
            let _ = w.call0(&JsValue::NULL);
        }
    }
}

/// The hash worker as the analysis worker sees it (one per analysis worker, started on its
/// first read).
pub struct HashWorker {
    worker: Worker,
    shared: Rc<RefCell<Shared>>,
    next_id: Cell<u32>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(Event)>,
}

thread_local! {
    static HASH_WORKER: RefCell<Option<Rc<HashWorker>>> = const { RefCell::new(None) };
}

impl HashWorker {
    fn spawn() -> Result<HashWorker, String> {
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
                for (msg, chunk) in s.queue.drain(..) {
                    send(&w, &msg, chunk.as_ref());
                }
            } else if let Some(e) = get(&data, "error").as_string() {
                s.failed = Some(e);
            } else if let Some(id) = get(&data, "id").as_f64().map(|f| f as u32) {
                if let Some(chunk) = get(&data, "chunk").dyn_ref::<ArrayBuffer>() {
                    if id == s.reading {
                        s.chunks.push_back(chunk.clone());
                    }
                } else if get(&data, "eof").is_truthy() {
                    s.eof |= id == s.reading;
                } else if let Some(e) = get(&data, "readError").as_string() {
                    if id == s.reading {
                        s.read_error = Some(e);
                    }
                } else if let Some(sha) = get(&data, "sha256").as_string() {
                    let bytes = get(&data, "bytes").as_f64().unwrap_or(0.0) as u64;
                    s.result = Some((id, bytes, sha));
                }
            }
            s.wake();
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        let sh = shared.clone();
        // A script that fails to load fires a plain `Event`, an uncaught exception an `ErrorEvent`.
        let onerror = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
            ev.prevent_default();
            let mut s = sh.borrow_mut();
            let m = ev.dyn_ref::<ErrorEvent>().map(|e| e.message()).unwrap_or_default();
            s.failed = Some(if m.is_empty() { "the hash worker failed to load".into() } else { m });
            s.wake();
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(HashWorker { worker, shared, next_id: Cell::new(0), _onmessage: onmessage, _onerror: onerror })
    }

    /// The analysis worker's hash worker, started on first use; `None` once it failed (the
    /// caller then hashes itself).
    pub fn get() -> Option<Rc<HashWorker>> {
        HASH_WORKER.with(|h| {
            let mut h = h.borrow_mut();
            if h.is_none() {
                match HashWorker::spawn() {
                    Ok(w) => *h = Some(Rc::new(w)),
                    Err(e) => web_sys::console::warn_1(&format!("hashing in the analysis worker: {e}").into()),
                }
            }
            let w = h.as_ref()?;
            if w.shared.borrow().failed.is_some() {
                return None;
            }
            Some(w.clone())
        })
    }

    /// Start reading and hashing `blob` in slices of `chunk_bytes` (chunks read ahead of an
    /// earlier file are dropped).
    pub fn read(self: &Rc<Self>, blob: &Blob, chunk_bytes: f64) -> HashJob {
        let id = self.next_id.get().wrapping_add(1).max(1); // 0 is "no file"
        self.next_id.set(id);
        {
            let mut s = self.shared.borrow_mut();
            s.reading = id;
            s.chunks.clear();
            s.eof = false;
            s.read_error = None;
        }
        let msg = object(&[("id", &id.into()), ("read", blob), ("chunkBytes", &chunk_bytes.into())]);
        self.post(msg, None);
        HashJob { worker: self.clone(), id }
    }

    fn post(&self, msg: Object, chunk: Option<ArrayBuffer>) {
        let mut s = self.shared.borrow_mut();
        if s.ready {
            send(&self.worker, &msg, chunk.as_ref());
        } else {
            s.queue.push((msg, chunk));
        }
    }

    /// Wait for the next message (or error) of the hash worker.
    async fn wait(&self) {
        let shared = self.shared.clone();
        let p = Promise::new(&mut |resolve, _| shared.borrow_mut().wakers.push(resolve));
        let _ = JsFuture::from(p).await;
    }
}

fn send(worker: &Worker, msg: &Object, chunk: Option<&ArrayBuffer>) {
    let r = match chunk {
        Some(c) => worker.post_message_with_transfer(msg, &Array::of1(c)),
        None => worker.post_message(msg),
    };
    if let Err(e) = r {
        web_sys::console::warn_1(&format!("could not reach the hash worker: {e:?}").into());
    }
}

/// Why [`HashJob::next`] has no chunk.
#[derive(Debug)]
pub enum ReadFailed {
    /// The browser could not read the file.
    File(String),
    /// The hash worker failed: read (and hash) the rest here.
    HashWorker(String),
}

/// One file being read and hashed by the hash worker.
pub struct HashJob {
    worker: Rc<HashWorker>,
    id: u32,
}

impl HashJob {
    /// The next chunk of the file, `None` at its end.
    pub async fn next(&mut self) -> Result<Option<ArrayBuffer>, ReadFailed> {
        loop {
            {
                let mut s = self.worker.shared.borrow_mut();
                if let Some(e) = &s.failed {
                    return Err(ReadFailed::HashWorker(e.clone()));
                }
                if let Some(chunk) = s.chunks.pop_front() {
                    return Ok(Some(chunk));
                }
                if let Some(e) = s.read_error.take() {
                    return Err(ReadFailed::File(e));
                }
                if s.eof {
                    return Ok(None);
                }
            }
            self.worker.wait().await;
        }
    }

    /// Give a chunk back once it was parsed, to be hashed (transferred: `chunk` is detached
    /// afterwards). Every chunk parsed is given back, in order, so the digest covers them.
    pub fn give_back(&mut self, chunk: ArrayBuffer) {
        let msg = object(&[("id", &self.id.into()), ("chunk", &chunk)]);
        self.worker.post(msg, Some(chunk));
    }

    /// The file ended: its length and SHA-256 (hex), once the hash worker has hashed it all.
    pub async fn finish(self) -> Result<(u64, String), String> {
        self.worker.post(object(&[("id", &self.id.into()), ("end", &JsValue::TRUE)]), None);
        loop {
            {
                let s = self.worker.shared.borrow();
                if let Some(e) = &s.failed {
                    return Err(e.clone());
                }
                if let Some((id, bytes, sha)) = &s.result {
                    if *id == self.id {
                        return Ok((*bytes, sha.clone()));
                    }
                }
            }
            self.worker.wait().await;
        }
    }
}

impl Drop for HashJob {
    /// A job ends (finished, or dropped by a cancelled or replaced read): the hash worker stops
    /// reading the file, and the chunks it read ahead, here or still on their way, are let go.
    fn drop(&mut self) {
        {
            let mut s = self.worker.shared.borrow_mut();
            if s.reading == self.id {
                s.reading = 0; // no file: ids start at 1
                s.chunks.clear();
            }
        }
        self.worker.post(object(&[("id", &self.id.into()), ("stop", &JsValue::TRUE)]), None);
    }
}

/// Hash the first `bytes` bytes of `blob` here (when the hash worker is unusable): its length
/// and SHA-256 (hex).
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
