//! The input fingerprint (SHA-256 of each file, in report.json) off the reading path.
//!
//! SHA-256 in WebAssembly runs without the CPU's SHA instructions (≈ 230 MB/s in Chromium on the
//! benchmark machine): hashed in the analysis worker it took about a quarter of the read. So the
//! analysis worker starts a second, small worker (the `worker_hash` binary, started by
//! `worker-hash-loader.js`) and hands it every chunk it reads — the same `ArrayBuffer`,
//! *transferred* after the chunk was copied into Wasm memory, so the file is read once and no
//! byte is copied twice on the JS side. The hash worker hashes on the other core while the
//! analysis worker parses, acknowledges each chunk (at most [`WINDOW`] chunks are in flight, so
//! a slow hasher never makes chunks pile up in memory) and answers each file's end with its
//! SHA-256. The digest is the same [`Fingerprinter`] the CLI uses, so `sha256sum` agrees.
//!
//! Failures lose nothing: if the hash worker cannot start or dies, the analysis worker hashes
//! itself ([`rehash`] reads the same bytes of the `File` again), so the fingerprint is always a
//! real SHA-256 of the bytes read.
//!
//! Messages, as plain JS objects: to the hash worker `{ id, chunk: ArrayBuffer }` and
//! `{ id, end: true }`; from it `{ ready: true }`, `{ id, ack: true }`,
//! `{ id, bytes, sha256 }` and `{ error }`. `id` numbers a file; a chunk of a new `id` drops any
//! unfinished file (a cancelled or replaced read).

use crate::core::export::Fingerprinter;
use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DedicatedWorkerGlobalScope, ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};

/// Chunks sent to the hash worker and not yet hashed, at most (4 MiB each).
pub const WINDOW: u32 = 4;

/// The script that starts the hash worker (next to `worker-loader.js`).
const LOADER: &str = "worker-hash-loader.js";

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
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

/// Entry point of the `worker_hash` binary.
pub fn start_hash_worker() {
    fn scope() -> DedicatedWorkerGlobalScope {
        js_sys::global().unchecked_into()
    }
    std::panic::set_hook(Box::new(|info| {
        let _ = scope().post_message(&object(&[("error", &JsValue::from_str(&info.to_string()))]));
    }));
    let state = RefCell::new(Hashing::default());
    let mut buf = Vec::new();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let Some(id) = get(&data, "id").as_f64().map(|f| f as u32) else { return };
        let chunk = get(&data, "chunk");
        if let Some(chunk) = chunk.dyn_ref::<ArrayBuffer>() {
            let arr = Uint8Array::new(chunk);
            buf.resize(arr.length() as usize, 0);
            arr.copy_to(&mut buf);
            state.borrow_mut().chunk(id, &buf);
            let _ = scope().post_message(&object(&[("id", &id.into()), ("ack", &JsValue::TRUE)]));
        } else if get(&data, "end").is_truthy() {
            let (bytes, sha256) = state.borrow_mut().end(id);
            let _ = scope().post_message(&object(&[
                ("id", &id.into()),
                ("bytes", &(bytes as f64).into()),
                ("sha256", &sha256.into()),
            ]));
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let _ = scope().post_message(&object(&[("ready", &JsValue::TRUE)]));
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
    /// Chunks acknowledged, of the file `acked.0`.
    acked: (u32, u32),
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
                if get(&data, "ack").is_truthy() {
                    s.acked = if s.acked.0 == id { (id, s.acked.1 + 1) } else { (id, 1) };
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

    /// Start hashing a file.
    pub fn begin(self: &Rc<Self>) -> HashJob {
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        HashJob { worker: self.clone(), id, sent: 0 }
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

/// One file being hashed by the hash worker.
pub struct HashJob {
    worker: Rc<HashWorker>,
    id: u32,
    sent: u32,
}

impl HashJob {
    /// Hand over a chunk (transferred: `chunk` is detached afterwards).
    pub fn send(&mut self, chunk: ArrayBuffer) {
        let msg = object(&[("id", &self.id.into()), ("chunk", &chunk)]);
        self.worker.post(msg, Some(chunk));
        self.sent += 1;
    }

    /// Wait until at most [`WINDOW`] chunks are unhashed. `Err` if the hash worker failed.
    pub async fn room(&self) -> Result<(), String> {
        loop {
            {
                let s = self.worker.shared.borrow();
                if let Some(e) = &s.failed {
                    return Err(e.clone());
                }
                let acked = if s.acked.0 == self.id { s.acked.1 } else { 0 };
                if self.sent.saturating_sub(acked) <= WINDOW {
                    return Ok(());
                }
            }
            self.worker.wait().await;
        }
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
