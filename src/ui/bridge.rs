//! The UI side of the worker boundary: spawns `worker.js`, sends [`Request`]s (with `File`
//! handles beside them) and delivers every [`Response`] to a Yew callback. A worker error
//! (failed load, uncaught exception) becomes a `Response::Error`, and the worker can be
//! terminated and respawned (hard cancel) without reloading the page.

use crate::protocol::{Request, Response};
use js_sys::{Array, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};
use yew::Callback;

/// A running worker and the closures that keep its handlers alive.
pub struct WorkerBridge {
    worker: Worker,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(Event)>,
}

impl WorkerBridge {
    /// Spawn the worker script (relative URL, so the app works under any sub-path).
    pub fn spawn(on_response: Callback<Response>) -> Result<WorkerBridge, String> {
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Classic);
        let worker = Worker::new_with_options("worker-loader.js", &opts).map_err(|e| {
            format!("The analysis worker could not be started ({e:?}). This browser may block Web Workers.")
        })?;
        let cb = on_response.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            match serde_wasm_bindgen::from_value::<Response>(ev.data()) {
                Ok(resp) => cb.emit(resp),
                Err(e) => {
                    cb.emit(Response::Error { message: format!("internal error: unreadable worker message ({e})") })
                }
            }
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        let cb = on_response;
        // A worker script that fails to load fires a plain `Event`; an uncaught exception an `ErrorEvent`.
        let onerror = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
            ev.prevent_default();
            let msg = ev.dyn_ref::<ErrorEvent>().map(|e| e.message()).unwrap_or_default();
            cb.emit(Response::Error {
                message: if msg.is_empty() {
                    "The analysis worker failed to load or crashed. Reload the page and try again.".into()
                } else {
                    format!("The analysis worker failed: {msg}")
                },
            });
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(WorkerBridge { worker, _onmessage: onmessage, _onerror: onerror })
    }

    /// Send a request; `files` (JS `File` objects) travel beside it.
    pub fn send(&self, req: &Request, files: Option<&Array>) -> Result<(), String> {
        let serializer = crate::worker::js_serializer();
        let value = req.serialize(&serializer).map_err(|e| format!("internal error: request not encodable ({e})"))?;
        let msg = Object::new();
        let _ = Reflect::set(&msg, &JsValue::from_str("req"), &value);
        if let Some(files) = files {
            let _ = Reflect::set(&msg, &JsValue::from_str("files"), files);
        }
        self.worker.post_message(&msg).map_err(|e| format!("could not reach the worker ({e:?})"))
    }

    /// Stop the worker at once (used to cancel a long computation).
    pub fn terminate(&self) {
        self.worker.terminate();
    }
}

impl Drop for WorkerBridge {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
