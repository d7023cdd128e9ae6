//! The Yew app: upload, progress, results. Runs on the UI thread and only renders; every heavy
//! step runs in the worker (see [`bridge`]).

pub mod bridge;

use crate::core::ingest::IngestOptions;
use crate::protocol::{FileMeta, IngestProgress, IngestSummary, Request, Response};
use bridge::WorkerBridge;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, FileList, HtmlInputElement};
use yew::prelude::*;

/// Mount the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}

#[derive(Clone, PartialEq)]
enum Phase {
    Idle,
    Reading { progress: Option<IngestProgress>, started_ms: f64 },
    Read { summary: Rc<IngestSummary>, elapsed_ms: f64 },
    Failed(String),
}

pub enum Msg {
    Files(FileList),
    Cancel,
    Worker(Response),
}

pub struct App {
    bridge: Option<WorkerBridge>,
    worker_ready: bool,
    phase: Phase,
    pending: Option<(Request, js_sys::Array)>,
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (bridge, phase) = match WorkerBridge::spawn(ctx.link().callback(Msg::Worker)) {
            Ok(b) => (Some(b), Phase::Idle),
            Err(e) => (None, Phase::Failed(e)),
        };
        App { bridge, worker_ready: false, phase, pending: None }
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Files(list) => {
                let files = js_sys::Array::new();
                let mut metas = Vec::new();
                for i in 0..list.length() {
                    if let Some(f) = list.item(i) {
                        metas.push(FileMeta { name: f.name(), size: f.size() as u64 });
                        files.push(&f);
                    }
                }
                if metas.is_empty() {
                    return false;
                }
                let req = Request::Ingest { files: metas, options: IngestOptions::default() };
                self.phase = Phase::Reading { progress: None, started_ms: now_ms() };
                if self.worker_ready {
                    self.send(&req, Some(&files));
                } else {
                    self.pending = Some((req, files));
                }
                true
            }
            Msg::Cancel => {
                self.send(&Request::Cancel, None);
                false
            }
            Msg::Worker(resp) => self.on_response(resp),
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let onchange = link.batch_callback(|e: Event| {
            let input: HtmlInputElement = e.target()?.dyn_into().ok()?;
            let files = input.files()?;
            Some(Msg::Files(files))
        });
        let ondrop = link.batch_callback(|e: DragEvent| {
            e.prevent_default();
            e.data_transfer().and_then(|dt| dt.files()).map(Msg::Files)
        });
        let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
        html! {
            <main class="app">
                <header class="topbar">
                    <h1>{"Chorus"}</h1>
                    <p class="tagline">{"Find coordinated networks in social-media dumps. Your files never leave this browser."}</p>
                </header>
                <section class="dropzone" {ondrop} {ondragover}>
                    <label class="file-label">
                        {"Drop files here or "}<span class="button">{"choose files"}</span>
                        <input type="file" multiple=true data-testid="file-input" class="visually-hidden" {onchange} />
                    </label>
                    <p class="hint">{"Twitter IO archives (tweets and users CSV), twarc JSON lines, twarc-csv, CooRTweet and coordination-network-toolkit tables, .zip and .gz."}</p>
                </section>
                { self.view_phase(ctx) }
            </main>
        }
    }
}

impl App {
    fn send(&mut self, req: &Request, files: Option<&js_sys::Array>) {
        if let Some(b) = &self.bridge {
            if let Err(e) = b.send(req, files) {
                self.phase = Phase::Failed(e);
            }
        }
    }

    fn on_response(&mut self, resp: Response) -> bool {
        match resp {
            Response::Ready => {
                self.worker_ready = true;
                if let Some((req, files)) = self.pending.take() {
                    self.send(&req, Some(&files));
                }
                false
            }
            Response::IngestProgress(p) => {
                if let Phase::Reading { progress, .. } = &mut self.phase {
                    *progress = Some(p);
                    return true;
                }
                false
            }
            Response::Ingested(summary) => {
                let elapsed_ms = match &self.phase {
                    Phase::Reading { started_ms, .. } => now_ms() - started_ms,
                    _ => 0.0,
                };
                self.phase = Phase::Read { summary: Rc::new(summary), elapsed_ms };
                true
            }
            Response::Cancelled => {
                self.phase = Phase::Idle;
                true
            }
            Response::Error { message } => {
                self.phase = Phase::Failed(message);
                true
            }
            Response::AnalysisProgress { .. } | Response::Analyzed(_) => false,
        }
    }

    fn view_phase(&self, ctx: &Context<Self>) -> Html {
        match &self.phase {
            Phase::Idle => html! {},
            Phase::Reading { progress, started_ms } => {
                let (done, total) = progress.as_ref().map(|p| (p.bytes_done, p.bytes_total)).unwrap_or((0, 1));
                let elapsed_s = ((now_ms() - started_ms) / 1000.0).max(1e-3);
                let rate = done as f64 / elapsed_s;
                let oncancel = ctx.link().callback(|_| Msg::Cancel);
                html! {
                    <section class="panel" data-testid="progress">
                        <progress max={total.max(1).to_string()} value={done.to_string()}></progress>
                        <p>{format!("{} of {} read · {}/s", human_bytes(done), human_bytes(total), human_bytes(rate as u64))}</p>
                        if let Some(p) = progress {
                            <p>{format!("{} records · {} posts · {} accounts", p.records, p.posts, p.accounts)}</p>
                        }
                        <button class="button" data-testid="cancel-button" onclick={oncancel}>{"Cancel"}</button>
                    </section>
                }
            }
            Phase::Read { summary, elapsed_ms } => html! {
                <section class="panel" data-testid="results-summary">
                    <h2>{"Read"}</h2>
                    <p>{format!("{} posts, {} accounts in {:.1} s", summary.posts, summary.accounts, elapsed_ms / 1000.0)}</p>
                    <table class="table">
                        <thead><tr><th>{"File"}</th><th>{"Format"}</th><th>{"Bytes"}</th><th>{"Records"}</th><th>{"Kept"}</th><th>{"Rejected"}</th></tr></thead>
                        <tbody>
                        { for summary.files.iter().map(|f| html!{
                            <tr>
                                <td>{&f.name}</td>
                                <td>{f.format.map(|x| x.label()).unwrap_or("—")}</td>
                                <td>{human_bytes(f.bytes)}</td>
                                <td>{f.records_read}</td>
                                <td>{f.records_kept}</td>
                                <td>{f.records_rejected}</td>
                            </tr>
                        }) }
                        </tbody>
                    </table>
                    { for summary.files.iter().filter_map(|f| f.fatal.as_ref().map(|m| html!{ <p class="warning">{format!("{}: {}", f.name, m)}</p> })) }
                </section>
            },
            Phase::Failed(msg) => html! { <section class="panel error" data-testid="error-message" role="alert">{msg}</section> },
        }
    }
}

/// "1.2 MB" style sizes.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
