//! The Yew app: the analyst's workspace. Runs on the UI thread and only renders; every heavy
//! step (reading, detection, layout, exports) runs in the worker (see [`bridge`]).
//!
//! Flow: landing (drop zone, demo) → preview (unknown CSV → column mapping) → reading (progress,
//! cancel) → detection (parameters from the URL fragment) → results (summary, clusters, network,
//! timeline, narratives, accounts table, account panel, exports).
//!
//! CSP: nothing here renders an inline `style` attribute; sizes that depend on data are set
//! through the CSSOM in [`Component::rendered`]. Every string from the data is rendered as a
//! text node (Yew escapes it), URLs are shown as text and never linked or fetched.

pub mod bridge;
pub mod charts;
pub mod gl;
pub mod link_view;
pub mod mapping;
pub mod network_view;
pub mod params;
pub mod table;

use crate::core::detect::{DetectParams, Role};
use crate::core::ingest::{ColumnMapping, IngestOptions};
use crate::protocol::{
    AccountDetail, AnalysisSummary, ClusterSummary, FileMeta, FilePreview, IngestProgress, IngestSummary, LaidOut,
    LayoutScope, Request, Response,
};
use bridge::WorkerBridge;
use charts::{HourProfile, Series, Timeline};
use network_view::{GraphData, NetworkView};
use std::rc::Rc;
use table::{SortKey, TableData, TableQuery};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, FileList, HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Mount the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}

/// Height of one accounts-table row in CSS pixels (must match `.trow` in style.css).
pub const ROW_HEIGHT: f64 = 30.0;
/// Height of the accounts table's scrolling area (must match `.table-scroll`).
pub const TABLE_VIEWPORT: f64 = 420.0;
/// Rejected rows listed per file in the ingest summary.
pub const LISTED_REJECTS: usize = 20;

#[derive(Clone, PartialEq)]
enum Phase {
    Landing,
    /// Waiting for the worker to say what the files are.
    Previewing,
    Mapping {
        previews: Rc<Vec<FilePreview>>,
        mapping: ColumnMapping,
    },
    Reading {
        progress: Option<IngestProgress>,
        started_ms: f64,
        demo: bool,
    },
    Analyzing {
        stage: String,
        fraction: f32,
    },
    Results,
    Failed(String),
}

/// The two tabs: one dataset's workspace, or several datasets linked ([`link_view`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Workspace,
    Link,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ColorBy {
    Role,
    Cluster,
}

pub enum Msg {
    Files(FileList),
    Demo,
    Cancel,
    Worker(Response),
    MapChange(ColumnMapping),
    MapConfirm(ColumnMapping),
    Params(DetectParams),
    RunAnalysis,
    ResetParams,
    ShowCluster(Option<u32>),
    ColorBy(ColorBy),
    SelectNode(Option<u32>),
    SelectAccount(u32),
    CloseAccount,
    TableScroll(f64),
    TableSort(SortKey),
    TableRole(Option<u8>),
    TableCluster(Option<u32>),
    TableSearch(String),
    Export(String),
    ExportPng,
    DismissNotice,
    Mode(Mode),
}

pub struct App {
    bridge: Option<WorkerBridge>,
    worker_ready: bool,
    pending: Vec<(Request, Option<js_sys::Array>)>,
    phase: Phase,
    /// Files waiting for the mapping form.
    staged_files: Option<js_sys::Array>,
    staged_metas: Vec<FileMeta>,
    ingest: Option<Rc<IngestSummary>>,
    read_elapsed_ms: f64,
    params: DetectParams,
    analysis: Option<Rc<AnalysisSummary>>,
    analysis_elapsed_ms: f64,
    analysis_started_ms: f64,
    layout: Option<Rc<LaidOut>>,
    graph: Option<Rc<GraphData>>,
    graph_nodes: Rc<Vec<u32>>,
    layout_progress: Option<f32>,
    scope: LayoutScope,
    color_by: ColorBy,
    table: Option<Rc<TableData>>,
    query: TableQuery,
    rows: Rc<Vec<u32>>,
    scroll_top: f64,
    selected: Option<u32>,
    detail: Option<Rc<AccountDetail>>,
    exporting: Option<String>,
    notice: Option<String>,
    /// The notice that an export waits for the input files' fingerprints, cleared when the
    /// export arrives if it is still shown.
    wait_notice: Option<String>,
    table_body: NodeRef,
    table_window: NodeRef,
    mode: Mode,
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Write the parameters into the URL fragment (no history entry per change).
fn set_hash(fragment: &str) {
    if let Some(w) = web_sys::window() {
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("#{fragment}")));
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (bridge, phase) = match WorkerBridge::spawn(ctx.link().callback(Msg::Worker)) {
            Ok(b) => (Some(b), Phase::Landing),
            Err(e) => (None, Phase::Failed(e)),
        };
        App {
            bridge,
            worker_ready: false,
            pending: Vec::new(),
            phase,
            staged_files: None,
            staged_metas: Vec::new(),
            ingest: None,
            read_elapsed_ms: 0.0,
            params: params::from_fragment(&location_hash()),
            analysis: None,
            analysis_elapsed_ms: 0.0,
            analysis_started_ms: 0.0,
            layout: None,
            graph: None,
            graph_nodes: Rc::new(Vec::new()),
            layout_progress: None,
            scope: LayoutScope::Coordinated,
            color_by: ColorBy::Role,
            table: None,
            query: TableQuery::default(),
            rows: Rc::new(Vec::new()),
            scroll_top: 0.0,
            selected: None,
            detail: None,
            exporting: None,
            notice: None,
            wait_notice: None,
            table_body: NodeRef::default(),
            table_window: NodeRef::default(),
            mode: Mode::Workspace,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
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
                self.reset_results();
                self.staged_files = Some(files.clone());
                self.staged_metas = metas.clone();
                self.phase = Phase::Previewing;
                self.send(Request::Preview { files: metas }, Some(files));
                true
            }
            Msg::Demo => {
                self.reset_results();
                self.phase = Phase::Reading { progress: None, started_ms: now_ms(), demo: true };
                self.send(Request::Demo, None);
                true
            }
            Msg::Cancel => self.cancel(ctx),
            Msg::Worker(resp) => self.on_response(ctx, resp),
            Msg::MapChange(m) => {
                if let Phase::Mapping { mapping, .. } = &mut self.phase {
                    *mapping = m;
                    return true;
                }
                false
            }
            Msg::MapConfirm(mapping) => {
                if matches!(self.phase, Phase::Mapping { .. }) && mapping::missing_required(&mapping).is_empty() {
                    self.start_ingest(Some(mapping));
                    return true;
                }
                false
            }
            Msg::Params(p) => {
                self.params = p;
                true
            }
            Msg::ResetParams => {
                self.params = DetectParams::default();
                true
            }
            Msg::RunAnalysis => {
                self.run_analysis();
                true
            }
            Msg::ShowCluster(c) => {
                self.scope = match c {
                    Some(c) => LayoutScope::Cluster(c),
                    None => LayoutScope::Coordinated,
                };
                self.query.cluster = c;
                self.refresh_rows();
                self.request_layout();
                true
            }
            Msg::ColorBy(c) => {
                self.color_by = c;
                self.rebuild_graph();
                true
            }
            Msg::SelectNode(node) => match node.and_then(|n| self.graph_nodes.get(n as usize).copied()) {
                Some(acc) => {
                    ctx.link().send_message(Msg::SelectAccount(acc));
                    false
                }
                None => {
                    self.selected = None;
                    self.detail = None;
                    true
                }
            },
            Msg::SelectAccount(idx) => {
                self.selected = Some(idx);
                self.send(Request::Account { idx }, None);
                true
            }
            Msg::CloseAccount => {
                self.selected = None;
                self.detail = None;
                true
            }
            Msg::TableScroll(top) => {
                let (a, b) = table::visible_window(self.rows.len(), ROW_HEIGHT, self.scroll_top, TABLE_VIEWPORT, 10);
                let (c, d) = table::visible_window(self.rows.len(), ROW_HEIGHT, top, TABLE_VIEWPORT, 10);
                self.scroll_top = top;
                (a, b) != (c, d)
            }
            Msg::TableSort(key) => {
                if self.query.sort == key {
                    self.query.descending = !self.query.descending;
                } else {
                    self.query.sort = key;
                    self.query.descending = !matches!(key, SortKey::Name);
                }
                self.refresh_rows();
                true
            }
            Msg::TableRole(r) => {
                self.query.role = r;
                self.refresh_rows();
                true
            }
            Msg::TableCluster(c) => {
                self.query.cluster = c;
                self.refresh_rows();
                true
            }
            Msg::TableSearch(s) => {
                self.query.search = s;
                self.refresh_rows();
                true
            }
            Msg::Export(name) => {
                self.exporting = Some(name.clone());
                self.send(Request::Export { name }, None);
                true
            }
            Msg::ExportPng => {
                match network_view::export_view_png() {
                    Ok(url) => download_url(&url, "network.png"),
                    Err(e) => self.notice = Some(format!("The PNG could not be made: {e}")),
                }
                true
            }
            Msg::DismissNotice => {
                self.notice = None;
                true
            }
            Msg::Mode(m) => {
                let changed = self.mode != m;
                self.mode = m;
                changed
            }
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        // Data-dependent sizes go through the CSSOM (allowed by the CSP), never a style attribute.
        if let Some(body) = self.table_body.cast::<HtmlElement>() {
            let _ = body.style().set_property("height", &format!("{}px", self.rows.len() as f64 * ROW_HEIGHT));
        }
        if let Some(win) = self.table_window.cast::<HtmlElement>() {
            let (first, _) = table::visible_window(self.rows.len(), ROW_HEIGHT, self.scroll_top, TABLE_VIEWPORT, 10);
            let _ = win.style().set_property("transform", &format!("translateY({}px)", first as f64 * ROW_HEIGHT));
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        html! {
            <div class="shell">
                <header class="topbar">
                    <div class="brand">
                        <h1>{"Chorus"}</h1>
                        <p class="tagline">{"Find coordinated networks — core accounts and their amplifiers — in social-media dumps."}</p>
                    </div>
                    <p class="privacy-badge" title="Open the browser's developer tools, Network tab: after the page loads, no request is made. You can also go offline and keep working.">
                        {"Runs entirely in your browser — your files never leave this machine."}
                    </p>
                </header>
                <nav class="tabs" aria-label="Mode">
                    { self.view_tab(ctx, Mode::Workspace, "workspace-tab", "One dataset") }
                    { self.view_tab(ctx, Mode::Link, "link-tab", "Link datasets") }
                </nav>
                <main class="app">
                  <div class={classes!((self.mode != Mode::Workspace).then_some("hidden"))}>
                    { self.view_intake(ctx) }
                    if let Some(n) = &self.notice {
                        <div class="notice" role="status">
                            <span>{n}</span>
                            <button class="button secondary small" onclick={ctx.link().callback(|_| Msg::DismissNotice)}>{"Dismiss"}</button>
                        </div>
                    }
                    { self.view_phase(ctx) }
                    if let Some(s) = &self.ingest {
                        { self.view_ingest(s) }
                    }
                    if self.ingest.as_ref().is_some_and(|s| s.posts > 0) {
                        { self.view_params(ctx) }
                    }
                    if let Some(a) = &self.analysis {
                        { self.view_results(ctx, a) }
                    }
                  </div>
                  <div class={classes!((self.mode != Mode::Link).then_some("hidden"))}>
                    <link_view::LinkView active={self.mode == Mode::Link} workspace_params={self.params.clone()} />
                  </div>
                </main>
            </div>
        }
    }
}

impl App {
    fn view_tab(&self, ctx: &Context<Self>, mode: Mode, testid: &'static str, label: &'static str) -> Html {
        let on = self.mode == mode;
        html! {
            <button class={classes!("tab", on.then_some("on"))} data-testid={testid} aria-pressed={on.to_string()} onclick={ctx.link().callback(move |_| Msg::Mode(mode))}>{label}</button>
        }
    }

    fn send(&mut self, req: Request, files: Option<js_sys::Array>) {
        if !self.worker_ready {
            self.pending.push((req, files));
            return;
        }
        if let Some(b) = &self.bridge {
            if let Err(e) = b.send(&req, files.as_ref()) {
                self.phase = Phase::Failed(e);
            }
        }
    }

    fn respawn(&mut self, ctx: &Context<Self>) {
        self.bridge = None; // drop terminates the old worker
        self.worker_ready = false;
        self.pending.clear();
        match WorkerBridge::spawn(ctx.link().callback(Msg::Worker)) {
            Ok(b) => self.bridge = Some(b),
            Err(e) => self.phase = Phase::Failed(e),
        }
    }

    fn reset_results(&mut self) {
        self.ingest = None;
        self.analysis = None;
        self.layout = None;
        self.graph = None;
        self.graph_nodes = Rc::new(Vec::new());
        self.layout_progress = None;
        self.table = None;
        self.rows = Rc::new(Vec::new());
        self.selected = None;
        self.detail = None;
        self.scope = LayoutScope::Coordinated;
        self.query = TableQuery::default();
        self.scroll_top = 0.0;
        self.notice = None;
    }

    fn start_ingest(&mut self, mapping: Option<ColumnMapping>) {
        let Some(files) = self.staged_files.take() else { return };
        let metas = std::mem::take(&mut self.staged_metas);
        let options = IngestOptions { mapping, ..IngestOptions::default() };
        self.phase = Phase::Reading { progress: None, started_ms: now_ms(), demo: false };
        self.send(Request::Ingest { files: metas, options }, Some(files));
    }

    fn cancel(&mut self, ctx: &Context<Self>) -> bool {
        match &self.phase {
            Phase::Reading { .. } => {
                // cooperative: the worker stops between chunks and answers Cancelled
                self.send(Request::Cancel, None);
                false
            }
            Phase::Analyzing { .. } => {
                // detection is one long synchronous step in the worker: stop the worker itself
                self.respawn(ctx);
                self.reset_results();
                self.phase = Phase::Landing;
                self.notice = Some(
                    "Detection was cancelled and the analysis worker restarted, so the loaded data was discarded: load the files again to continue."
                        .into(),
                );
                true
            }
            Phase::Mapping { .. } | Phase::Previewing => {
                self.staged_files = None;
                self.phase = Phase::Landing;
                true
            }
            _ => {
                if self.layout_progress.is_some() {
                    // a layout in progress: restart the worker, keep what is shown
                    self.respawn(ctx);
                    self.layout_progress = None;
                    self.notice = Some(
                        "The layout was cancelled and the analysis worker restarted: the results shown stay, but load the files again to change parameters, draw another cluster or export."
                            .into(),
                    );
                    return true;
                }
                false
            }
        }
    }

    fn run_analysis(&mut self) {
        set_hash(&params::to_fragment(&self.params));
        self.analysis_started_ms = now_ms();
        self.phase = Phase::Analyzing { stage: "starting".into(), fraction: 0.0 };
        self.selected = None;
        self.detail = None;
        self.send(Request::Analyze { params: self.params.clone() }, None);
    }

    fn request_layout(&mut self) {
        self.layout_progress = Some(0.0);
        self.send(Request::Layout { scope: self.scope }, None);
    }

    fn refresh_rows(&mut self) {
        if let Some(t) = &self.table {
            self.rows = Rc::new(table::query(t, &self.query));
        }
        self.scroll_top = 0.0;
        if let Some(body) = self.table_body.cast::<HtmlElement>() {
            if let Some(p) = body.parent_element() {
                p.set_scroll_top(0);
            }
        }
    }

    fn rebuild_graph(&mut self) {
        let Some(l) = &self.layout else { return };
        let nodes: Vec<u32> = table::cast_vec(&l.nodes);
        let positions: Vec<f32> = table::cast_vec(&l.positions);
        let clusters: Vec<u32> = table::cast_vec(&l.clusters);
        let activity: Vec<u32> = table::cast_vec(&l.activity);
        let edges: Vec<u32> = table::cast_vec(&l.edges);
        let mut colors = Vec::with_capacity(nodes.len() * 4);
        for (k, _) in nodes.iter().enumerate() {
            let rgb = match self.color_by {
                ColorBy::Role => role_rgb(l.roles.get(k).copied().unwrap_or(0)),
                ColorBy::Cluster => cluster_rgb(clusters.get(k).copied().unwrap_or(u32::MAX)),
            };
            colors.extend_from_slice(&[rgb[0], rgb[1], rgb[2], 230]);
        }
        let sizes: Vec<f32> = activity.iter().map(|&a| (3.0 + 2.2 * (1.0 + a as f32).ln()).min(18.0)).collect();
        let labels: Vec<String> = match &self.table {
            Some(t) => nodes
                .iter()
                .map(|&a| if (a as usize) < t.len() { t.label(a as usize) } else { format!("#{a}") })
                .collect(),
            None => Vec::new(),
        };
        self.graph = Some(Rc::new(GraphData { positions, colors, sizes, edges, labels }));
        self.graph_nodes = Rc::new(nodes);
    }

    fn on_response(&mut self, ctx: &Context<Self>, resp: Response) -> bool {
        match resp {
            Response::Ready => {
                self.worker_ready = true;
                for (req, files) in std::mem::take(&mut self.pending) {
                    self.send(req, files);
                }
                false
            }
            Response::Previewed(previews) => {
                if !matches!(self.phase, Phase::Previewing) {
                    return false;
                }
                if let Some(mapping) = mapping::initial(&previews) {
                    self.phase = Phase::Mapping { previews: Rc::new(previews), mapping };
                } else {
                    self.start_ingest(None);
                }
                true
            }
            Response::IngestProgress(p) => {
                if let Phase::Reading { progress, .. } = &mut self.phase {
                    *progress = Some(p);
                    return true;
                }
                false
            }
            Response::Ingested(summary) => {
                if let Phase::Reading { started_ms, .. } = &self.phase {
                    self.read_elapsed_ms = now_ms() - started_ms;
                }
                let n_posts = summary.posts;
                self.ingest = Some(Rc::new(summary));
                if n_posts == 0 {
                    let reasons: Vec<String> = summary_fatal(self.ingest.as_deref());
                    self.phase = Phase::Failed(if reasons.is_empty() {
                        "No posts could be read from these files: see the ingest summary below for what each file is and why its rows were rejected."
                            .into()
                    } else {
                        format!("No posts could be read. {}", reasons.join(" "))
                    });
                } else {
                    self.run_analysis();
                }
                true
            }
            Response::AnalysisProgress { stage, fraction } => {
                if let Phase::Analyzing { stage: s, fraction: f } = &mut self.phase {
                    *s = stage;
                    *f = fraction;
                    return true;
                }
                false
            }
            Response::Analyzed(summary) => {
                self.analysis_elapsed_ms = now_ms() - self.analysis_started_ms;
                self.analysis = Some(Rc::new(summary));
                self.phase = Phase::Results;
                self.scope = LayoutScope::Coordinated;
                self.query = TableQuery::default();
                self.layout = None;
                self.graph = None;
                self.send(Request::Table, None);
                self.request_layout();
                true
            }
            Response::Table(t) => match TableData::from_table(&t) {
                Ok(d) => {
                    self.table = Some(Rc::new(d));
                    self.refresh_rows();
                    self.rebuild_graph();
                    true
                }
                Err(e) => {
                    self.notice = Some(e);
                    true
                }
            },
            Response::LayoutProgress { fraction } => {
                self.layout_progress = Some(fraction);
                true
            }
            Response::Laid(l) => {
                self.layout_progress = None;
                self.layout = Some(Rc::new(l));
                self.rebuild_graph();
                true
            }
            Response::Account(d) => {
                if self.selected == Some(d.idx) {
                    self.detail = Some(Rc::new(d));
                    return true;
                }
                false
            }
            Response::Waiting { message } => {
                self.notice = Some(message.clone());
                self.wait_notice = Some(message);
                true
            }
            Response::Exported { name, mime, bytes } => {
                self.exporting = None;
                if self.wait_notice.is_some() && self.wait_notice.take() == self.notice {
                    self.notice = None;
                }
                if let Err(e) = download_bytes(&bytes, &mime, &name) {
                    self.notice = Some(format!("{name} could not be downloaded: {e}"));
                }
                true
            }
            // the link view has its own worker: these never answer the workspace's requests
            Response::LinkDatasets(_) | Response::Linked(_) | Response::LinkEvidence(_) => false,
            Response::Cancelled => {
                self.phase = Phase::Landing;
                self.notice = Some("Reading was cancelled; nothing was kept.".into());
                true
            }
            Response::Error { message } => {
                let crashed = message.contains("crashed") || message.contains("failed");
                if crashed {
                    // a panicked or dead worker cannot be trusted: start a fresh one so the user
                    // can load another file at once
                    self.respawn(ctx);
                }
                if matches!(self.phase, Phase::Results) && !crashed {
                    self.exporting = None;
                    self.layout_progress = None;
                    self.notice = Some(message);
                } else {
                    self.layout_progress = None;
                    self.exporting = None;
                    if crashed {
                        self.analysis = None;
                        self.graph = None;
                        self.table = None;
                    }
                    self.phase = Phase::Failed(message);
                }
                true
            }
        }
    }

    fn busy(&self) -> bool {
        matches!(self.phase, Phase::Previewing | Phase::Reading { .. } | Phase::Analyzing { .. })
    }

    fn view_intake(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let onchange = link.batch_callback(|e: Event| {
            let input: HtmlInputElement = e.target()?.dyn_into().ok()?;
            let files = input.files()?;
            let msg = Msg::Files(files);
            Some(msg)
        });
        let ondrop = link.batch_callback(|e: DragEvent| {
            e.prevent_default();
            e.data_transfer().and_then(|dt| dt.files()).map(Msg::Files)
        });
        let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
        let compact = self.ingest.is_some() || self.busy();
        let ondemo = link.callback(|_| Msg::Demo);
        html! {
            <section class={classes!("intake", compact.then_some("compact"))} aria-label="Load data">
                <div class="dropzone" {ondrop} {ondragover}>
                    <label class="file-label">
                        <span class="drop-title">{"Drop a dump here"}</span>
                        <span class="button">{"Choose files…"}</span>
                        <input type="file" multiple=true data-testid="file-input" class="visually-hidden" {onchange} disabled={self.busy()} />
                    </label>
                    <p class="hint">{"Several files at once: Twitter IO archives (tweets + users CSV), twarc / twarc2 JSON lines, twarc-csv, CooRTweet and coordination-network-toolkit tables, any CSV with a column mapping — also inside .zip or .gz."}</p>
                </div>
                <div class="demo-box">
                    <button class="button secondary" data-testid="demo-button" onclick={ondemo} disabled={self.busy()}>{"Try the demo dataset"}</button>
                    <p class="hint">{"A synthetic dump with planted networks, generated in your browser."}</p>
                </div>
                if !compact {
                    <div class="privacy">
                        <h2>{"Your data stays here"}</h2>
                        <p>{"Files are read by this page inside your browser. Nothing is uploaded: there is no server doing the analysis, and the page's security policy forbids connections to any other site."}</p>
                        <p>{"Check it yourself: open the developer tools (F12), Network tab, then load a file — no request is made. Or load the page, switch the browser or machine offline, and keep working."}</p>
                    </div>
                }
            </section>
        }
    }

    fn view_phase(&self, ctx: &Context<Self>) -> Html {
        let oncancel = ctx.link().callback(|_| Msg::Cancel);
        match &self.phase {
            Phase::Landing | Phase::Results => html! {},
            Phase::Previewing => html! {
                <section class="panel" data-testid="progress"><p>{"Looking at the files…"}</p></section>
            },
            Phase::Mapping { previews, mapping } => self.view_mapping(ctx, previews, mapping),
            Phase::Reading { progress, started_ms, demo } => {
                let (done, total) = progress.as_ref().map(|p| (p.bytes_done, p.bytes_total)).unwrap_or((0, 1));
                let elapsed_s = ((now_ms() - started_ms) / 1000.0).max(1e-3);
                let rate = done as f64 / elapsed_s;
                let eta = if rate > 0.0 && done > 0 { Some((total.saturating_sub(done)) as f64 / rate) } else { None };
                html! {
                    <section class="panel progress-panel" data-testid="progress" aria-live="polite">
                        <h2>{ if *demo { "Generating and reading the demo dataset" } else { "Reading" } }</h2>
                        <progress max={total.max(1).to_string()} value={done.to_string()}></progress>
                        <div class="stats-row">
                            <span><strong>{format!("{} / {}", human_bytes(done), human_bytes(total))}</strong>{" read"}</span>
                            <span><strong>{format!("{}/s", human_bytes(rate as u64))}</strong></span>
                            if let Some(p) = progress {
                                <span><strong>{group(p.records)}</strong>{" records"}</span>
                                <span><strong>{group(p.posts)}</strong>{" posts"}</span>
                                <span><strong>{group(p.accounts)}</strong>{" accounts"}</span>
                                if p.rejected > 0 { <span class="warning"><strong>{group(p.rejected)}</strong>{" rejected"}</span> }
                                <span>{format!("file {} of {}: ", p.file_index + 1, p.n_files)}<span class="mono">{&p.file_name}</span></span>
                            }
                            <span>{ match eta { Some(s) => format!("about {} left", human_duration(s)), None => "estimating time left…".into() } }</span>
                        </div>
                        <button class="button secondary" data-testid="cancel-button" onclick={oncancel}>{"Cancel"}</button>
                    </section>
                }
            }
            Phase::Analyzing { stage, fraction } => html! {
                <section class="panel progress-panel" data-testid="progress" aria-live="polite">
                    <h2>{"Looking for coordination"}</h2>
                    <progress max="1" value={fraction.to_string()}></progress>
                    <p>{format!("Stage: {stage}")}</p>
                    <button class="button secondary" data-testid="cancel-button" onclick={oncancel}>{"Cancel"}</button>
                </section>
            },
            Phase::Failed(msg) => html! {
                <section class="panel error" data-testid="error-message" role="alert">
                    <h2>{"Something went wrong"}</h2>
                    <p>{msg}</p>
                    <p class="hint">{"You can load another file or try the demo dataset."}</p>
                </section>
            },
        }
    }

    fn view_mapping(&self, ctx: &Context<Self>, previews: &Rc<Vec<FilePreview>>, mapping: &ColumnMapping) -> Html {
        let link = ctx.link();
        html! {
            <mapping::MappingForm previews={previews.clone()} mapping={mapping.clone()} on_change={link.callback(Msg::MapChange)}
                on_confirm={link.callback(Msg::MapConfirm)} on_cancel={link.callback(|_| Msg::Cancel)} />
        }
    }

    fn view_ingest(&self, s: &IngestSummary) -> Html {
        let rejected: u64 = s.files.iter().map(|f| f.records_rejected).sum();
        let span = s
            .time_span_ms
            .map(|(a, b)| format!("{} – {}", iso_day(a), iso_day(b)))
            .unwrap_or_else(|| "no timestamps".into());
        html! {
            <details class="panel ingest-summary" data-testid="ingest-summary" open={rejected > 0 || s.posts == 0}>
                <summary>
                    <h2 class="inline">{"Data read"}</h2>
                    <span class="muted" data-testid="read-time" data-ms={format!("{:.0}", self.read_elapsed_ms)}>{format!(" · {} posts · {} accounts · {} · {:.1} s · ", group(s.posts), group(s.accounts), span, self.read_elapsed_ms / 1000.0)}</span>
                    <span class="mono">{file_list(&s.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>())}</span>
                    if rejected > 0 { <span class="warning">{format!(" · {} rows rejected", group(rejected))}</span> }
                </summary>
                <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>{"File"}</th><th>{"Format"}</th><th class="num">{"Bytes"}</th><th class="num">{"Records"}</th><th class="num">{"Kept"}</th><th class="num">{"Duplicates"}</th><th class="num">{"Rejected"}</th></tr></thead>
                    <tbody>
                    { for s.files.iter().map(|f| html!{
                        <tr>
                            <td class="mono">{&f.name}</td>
                            <td>{f.format.map(|x| x.label()).unwrap_or("not recognised")}</td>
                            <td class="num">{human_bytes(f.bytes)}</td>
                            <td class="num">{group(f.records_read)}</td>
                            <td class="num">{group(f.records_kept)}</td>
                            <td class="num">{group(f.duplicates)}</td>
                            <td class="num">{group(f.records_rejected)}</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
                </div>
                { for s.files.iter().filter_map(|f| f.fatal.as_ref().map(|m| html!{ <p class="warning"><span class="mono">{&f.name}</span>{": "}{m}</p> })) }
                { for s.files.iter().filter(|f| !f.diagnostics.is_empty()).map(|f| html!{
                    <div class="rejects">
                        <h3>{format!("{}: first {} of {} problems", f.name, f.diagnostics.len().min(LISTED_REJECTS), f.by_kind.iter().map(|k| k.1).sum::<u64>())}</h3>
                        <table class="table">
                            <thead><tr><th class="num">{"Record"}</th><th class="num">{"Line"}</th><th class="num">{"Byte"}</th><th>{"Kind"}</th><th>{"Message"}</th><th>{"Outcome"}</th></tr></thead>
                            <tbody>
                            { for f.diagnostics.iter().take(LISTED_REJECTS).map(|d| html!{
                                <tr>
                                    <td class="num">{d.at.record}</td><td class="num">{d.at.line}</td><td class="num">{d.at.byte}</td>
                                    <td>{d.kind.as_str()}</td><td>{&d.message}</td>
                                    <td>{ if d.at.record == 0 { "whole file" } else if d.rejected { "rejected" } else { "repaired, kept" } }</td>
                                </tr>
                            }) }
                            </tbody>
                        </table>
                    </div>
                }) }
            </details>
        }
    }

    fn view_params(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let disabled = self.busy();
        html! {
            <details class="panel params" data-testid="parameters" open={false}>
                <summary><h2 class="inline">{"Parameters"}</h2><span class="muted">{" · detection settings (kept in the page address so a view can be shared; never any data)"}</span></summary>
                <params::ParamsForm params={self.params.clone()} on_change={link.callback(Msg::Params)} />
                <div class="actions">
                    <button class="button" data-testid="run-analysis" onclick={link.callback(|_| Msg::RunAnalysis)} {disabled}>{"Re-run detection"}</button>
                    <button class="button secondary" onclick={link.callback(|_| Msg::ResetParams)} {disabled}>{"Defaults"}</button>
                    <span class="hint">{"Re-running uses the data already read: files are not read again."}</span>
                </div>
            </details>
        }
    }

    fn view_results(&self, ctx: &Context<Self>, a: &Rc<AnalysisSummary>) -> Html {
        let link = ctx.link();
        let card = |label: &str, value: String, class: &str| {
            html! {
                <div class={classes!("card", class.to_string())}><div class="card-value">{value}</div><div class="card-label">{label.to_string()}</div></div>
            }
        };
        let echo = a.echo_share.map(|e| format!("{:.0}%", e * 100.0)).unwrap_or_else(|| "—".into());
        html! {
            <>
            <section class="panel results" data-testid="results-summary" aria-label="Results summary">
                <div class="results-head">
                    <h2 class="inline">{"Results"}</h2>
                    <span class="muted">{format!(" · detection took {:.1} s", self.analysis_elapsed_ms / 1000.0)}</span>
                    if a.memory_bytes > 0 {
                        <span class="muted" data-testid="memory-use" data-bytes={a.memory_bytes.to_string()}>{format!(" · worker memory {} of 4 GB", human_bytes(a.memory_bytes))}</span>
                    }
                </div>
                <div class="cards">
                    { card("accounts", group(a.accounts), "") }
                    { card("posts", group(a.posts), "") }
                    { card("clusters", group(a.clusters), "") }
                    { card("core accounts", group(a.core), "core") }
                    { card("amplifiers", group(a.amplifiers), "amp") }
                    { card("echo-chamber share", echo, "") }
                </div>
                { for a.warnings.iter().map(|w| html!{ <p class="warning">{w}</p> }) }
                if a.clusters == 0 {
                    <p class="muted">{"No coordinated network was found with these parameters. Lowering the minimum repetitions or edge weight, or enabling more methods, may reveal weaker coordination (with more false positives)."}</p>
                }
                { self.view_exports(ctx) }
            </section>
            <div class="workspace">
                { self.view_clusters(ctx, a) }
                <div class="main-col">
                    { self.view_network(ctx, a) }
                    { self.view_cluster_detail(a) }
                </div>
            </div>
            { self.view_table(ctx, a) }
            if let Some(d) = &self.detail {
                { view_account(d, link.callback(|_| Msg::CloseAccount), link.callback(Msg::SelectAccount), link.batch_callback(|e: KeyboardEvent| (e.key() == "Escape").then_some(Msg::CloseAccount))) }
            }
            </>
        }
    }

    fn view_exports(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let b = |name: &'static str, testid: &'static str| {
            let busy = self.exporting.as_deref() == Some(name);
            html! {
                <button class="button secondary small" data-testid={testid} disabled={self.exporting.is_some()} onclick={link.callback(move |_| Msg::Export(name.to_string()))}>
                    { if busy { format!("{name}…") } else { name.to_string() } }
                </button>
            }
        };
        html! {
            <div class="exports" role="group" aria-label="Exports">
                <span class="muted">{"Export: "}</span>
                { b("accounts.csv", "export-accounts-csv") }
                { b("clusters.csv", "export-clusters-csv") }
                { b("edges.csv", "export-edges-csv") }
                { b("network.gexf", "export-gexf") }
                { b("network.graphml", "export-graphml") }
                { b("report.json", "export-report-json") }
                <button class="button secondary small" data-testid="export-png" disabled={self.graph.is_none()} onclick={link.callback(|_| Msg::ExportPng)}>{"network.png"}</button>
            </div>
        }
    }

    fn view_clusters(&self, ctx: &Context<Self>, a: &Rc<AnalysisSummary>) -> Html {
        let link = ctx.link();
        let current = match self.scope {
            LayoutScope::Cluster(c) => Some(c),
            LayoutScope::Coordinated => None,
        };
        html! {
            <section class="panel clusters" data-testid="cluster-list" aria-label="Clusters">
                <h2>{format!("Clusters ({})", a.clusters_list.len())}</h2>
                <button class={classes!("cluster-item", current.is_none().then_some("active"))} onclick={link.callback(|_| Msg::ShowCluster(None))}>
                    <span class="cl-name">{"All coordinated accounts"}</span>
                    <span class="muted">{format!("{} core · {} amplifiers", group(a.core), group(a.amplifiers))}</span>
                </button>
                <ol class="cluster-ol">
                { for a.clusters_list.iter().map(|c| {
                    let id = c.id;
                    let active = current == Some(id);
                    html! {
                        <li>
                        <button class={classes!("cluster-item", active.then_some("active"))} onclick={link.callback(move |_| Msg::ShowCluster(Some(id)))} aria-pressed={active.to_string()}>
                            <span class="cl-name"><span class={classes!("swatch", format!("c{}", id % 12))}></span>{format!("Cluster {}", c.id)}<span class="muted">{format!(" · {} accounts", group(c.size as u64))}</span></span>
                            <span class="cl-stats">
                                <span class="core-t">{format!("{} core", c.n_core)}</span>{" · "}
                                <span class="amp-t">{format!("{} amp.", c.n_amplifiers)}</span>{" · "}
                                {format!("strength {:.1}", c.strength)}
                                { c.echo_share.map(|e| format!(" · echo {:.0}%", e * 100.0)).unwrap_or_default() }
                            </span>
                            <span class="cl-tags">
                                { for c.top_hashtags.iter().take(3).map(|(h, _)| html!{ <span class="tag">{format!("#{h}")}</span> }) }
                                { for c.top_domains.iter().take(2).map(|(d, _)| html!{ <span class="tag domain">{d}</span> }) }
                            </span>
                        </button>
                        </li>
                    }
                }) }
                </ol>
            </section>
        }
    }

    fn view_network(&self, ctx: &Context<Self>, a: &Rc<AnalysisSummary>) -> Html {
        let link = ctx.link();
        let title = match self.scope {
            LayoutScope::Coordinated => "Network of coordinated accounts".to_string(),
            LayoutScope::Cluster(c) => format!("Network of cluster {c}"),
        };
        let n_edges = self.graph.as_ref().map(|g| g.edges.len() / 2).unwrap_or(0);
        let selected_node =
            self.selected.and_then(|acc| self.graph_nodes.iter().position(|&x| x == acc).map(|p| p as u32));
        html! {
            <section class="panel network" aria-label="Network">
                <div class="panel-head">
                    <h2 class="inline">{title}</h2>
                    if let Some(g) = &self.graph {
                        <span class="muted">{format!(" · {} accounts · {} links", group(g.n_nodes() as u64), group(n_edges as u64))}</span>
                    }
                    <div class="spacer"></div>
                    <div class="seg" role="group" aria-label="Colour by">
                        <button class={classes!("seg-b", (self.color_by == ColorBy::Role).then_some("on"))} aria-pressed={(self.color_by == ColorBy::Role).to_string()} onclick={link.callback(|_| Msg::ColorBy(ColorBy::Role))}>{"Colour by role"}</button>
                        <button class={classes!("seg-b", (self.color_by == ColorBy::Cluster).then_some("on"))} aria-pressed={(self.color_by == ColorBy::Cluster).to_string()} onclick={link.callback(|_| Msg::ColorBy(ColorBy::Cluster))}>{"by cluster"}</button>
                    </div>
                </div>
                if let Some(f) = self.layout_progress {
                    <div class="layout-progress">
                        <progress max="1" value={f.to_string()}></progress>
                        <span>{format!("Laying out the network… {:.0}%", f * 100.0)}</span>
                        <button class="button secondary small" onclick={link.callback(|_| Msg::Cancel)}>{"Cancel"}</button>
                    </div>
                }
                if let Some(g) = &self.graph {
                    if g.n_nodes() == 0 {
                        <div class="network-empty" data-testid="network-view">{ if a.clusters == 0 { "No coordinated accounts to draw." } else { "No accounts in this selection." } }</div>
                    } else {
                        <NetworkView graph={g.clone()} selected={selected_node} on_select={link.callback(Msg::SelectNode)} class={classes!("network-canvas")} />
                    }
                } else if self.layout_progress.is_none() {
                    <div class="network-empty">{"The network is being prepared…"}</div>
                }
                <div class="legend">
                    if self.color_by == ColorBy::Role {
                        <span><span class="dot core"></span>{"core"}</span>
                        <span><span class="dot amp"></span>{"amplifier"}</span>
                    } else {
                        <span>{"colour = cluster"}</span>
                    }
                    <span class="muted">{"size = posts · scroll to zoom, drag to pan, click a node for the account · keyboard: + − arrows 0"}</span>
                    if let Some(l) = &self.layout {
                        if l.edges_dropped > 0 { <span class="warning">{format!("{} weakest links not drawn", group(l.edges_dropped))}</span> }
                    }
                </div>
            </section>
        }
    }

    fn view_cluster_detail(&self, a: &Rc<AnalysisSummary>) -> Html {
        let clusters: Vec<&ClusterSummary> = match self.scope {
            LayoutScope::Cluster(c) => a.clusters_list.iter().filter(|x| x.id == c).collect(),
            LayoutScope::Coordinated => a.clusters_list.iter().take(6).collect(),
        };
        if clusters.is_empty() {
            return html! {};
        }
        let series: Rc<Vec<Series>> = Rc::new(
            clusters
                .iter()
                .map(|c| Series {
                    name: format!("Cluster {}", c.id),
                    color: CLUSTER_HEX[(c.id % 12) as usize].to_string(),
                    daily: c.daily.clone(),
                    spikes: c.spikes.clone(),
                })
                .collect(),
        );
        let single = clusters.len() == 1;
        html! {
            <section class="panel cluster-detail" data-testid="cluster-detail">
                <h2>{ if single { format!("Cluster {} — activity and narratives", clusters[0].id) } else { "Daily activity of the largest clusters".to_string() } }</h2>
                <Timeline series={series} height={220} />
                if single {
                    { view_narratives(clusters[0]) }
                }
            </section>
        }
    }

    fn view_table(&self, ctx: &Context<Self>, a: &Rc<AnalysisSummary>) -> Html {
        let link = ctx.link();
        let Some(t) = &self.table else {
            return html! { <section class="panel"><p class="muted">{"Loading the accounts table…"}</p></section> };
        };
        let (first, last) = table::visible_window(self.rows.len(), ROW_HEIGHT, self.scroll_top, TABLE_VIEWPORT, 10);
        let onscroll = link.batch_callback(|e: Event| {
            let el: web_sys::Element = e.target()?.dyn_into().ok()?;
            Some(Msg::TableScroll(el.scroll_top() as f64))
        });
        let onsearch = link.batch_callback(|e: InputEvent| {
            let i: HtmlInputElement = e.target()?.dyn_into().ok()?;
            Some(Msg::TableSearch(i.value()))
        });
        let onrole = link.batch_callback(|e: Event| {
            let s: HtmlSelectElement = e.target()?.dyn_into().ok()?;
            Some(Msg::TableRole(s.value().parse::<u8>().ok()))
        });
        let oncluster = link.batch_callback(|e: Event| {
            let s: HtmlSelectElement = e.target()?.dyn_into().ok()?;
            Some(Msg::TableCluster(s.value().parse::<u32>().ok()))
        });
        let head = |key: SortKey, label: &str, class: &str| {
            let arrow = if self.query.sort == key {
                if self.query.descending {
                    " ▼"
                } else {
                    " ▲"
                }
            } else {
                ""
            };
            html! { <button class={classes!("th", class.to_string())} onclick={link.callback(move |_| Msg::TableSort(key))}>{format!("{label}{arrow}")}</button> }
        };
        html! {
            <section class="panel accounts" data-testid="accounts-table" aria-label="Accounts">
                <div class="panel-head">
                    <h2 class="inline">{"Accounts"}</h2>
                    <span class="muted">{format!(" · {} of {} shown", group(self.rows.len() as u64), group(t.len() as u64))}</span>
                    <div class="spacer"></div>
                    <input type="search" class="search" placeholder="Search name or id" aria-label="Search accounts by name or id" value={self.query.search.clone()} oninput={onsearch} />
                    <select aria-label="Filter by role" onchange={onrole}>
                        <option value="" selected={self.query.role.is_none()}>{"All roles"}</option>
                        <option value="1" selected={self.query.role == Some(1)}>{"Core"}</option>
                        <option value="2" selected={self.query.role == Some(2)}>{"Amplifier"}</option>
                        <option value="0" selected={self.query.role == Some(0)}>{"Unflagged"}</option>
                    </select>
                    <select aria-label="Filter by cluster" onchange={oncluster}>
                        <option value="" selected={self.query.cluster.is_none()}>{"All clusters"}</option>
                        { for a.clusters_list.iter().map(|c| html!{ <option value={c.id.to_string()} selected={self.query.cluster == Some(c.id)}>{format!("Cluster {}", c.id)}</option> }) }
                    </select>
                </div>
                <div class="trow thead">
                    { head(SortKey::Name, "Account", "c-name") }
                    { head(SortKey::Role, "Role", "c-role") }
                    { head(SortKey::Cluster, "Cluster", "c-cl") }
                    { head(SortKey::Score, "Score", "c-num") }
                    { head(SortKey::Posts, "Posts", "c-num") }
                </div>
                <div class="table-scroll" {onscroll} tabindex="-1">
                    <div class="table-body" ref={self.table_body.clone()}>
                        <div class="table-window" ref={self.table_window.clone()}>
                        { for self.rows[first..last].iter().map(|&r| {
                            let i = r as usize;
                            let (screen, id) = t.name(i);
                            let role = t.roles[i];
                            let cl = t.clusters[i];
                            let selected = self.selected == Some(r);
                            html! {
                                <button key={r} class={classes!("trow", selected.then_some("selected"))} onclick={link.callback(move |_| Msg::SelectAccount(r))}>
                                    <span class="c-name">
                                        if !screen.is_empty() { <span class="screen">{format!("@{screen}")}</span> }
                                        <span class="mono muted">{id}</span>
                                    </span>
                                    <span class={classes!("c-role", "role-pill", role_class(role))}>{role_name(role)}</span>
                                    <span class="c-cl">{ if cl == u32::MAX { "—".to_string() } else { cl.to_string() } }</span>
                                    <span class="c-num">{format!("{:.2}", t.scores[i])}</span>
                                    <span class="c-num">{group(t.posts[i] as u64)}</span>
                                </button>
                            }
                        }) }
                        </div>
                    </div>
                </div>
            </section>
        }
    }
}

fn view_narratives(c: &ClusterSummary) -> Html {
    let list = |title: &str, items: &[(String, u32)], prefix: &str| {
        html! {
            <div class="narr">
                <h3>{title.to_string()}</h3>
                if items.is_empty() { <p class="muted">{"—"}</p> }
                <ol>
                    { for items.iter().map(|(s, n)| html!{ <li><span class="narr-text">{format!("{prefix}{}", truncate(s, 200))}</span><span class="muted">{format!(" ×{}", group(*n as u64))}</span></li> }) }
                </ol>
            </div>
        }
    };
    let hours: [u32; 24] = std::array::from_fn(|h| c.hour_profile.get(h).copied().unwrap_or(0));
    html! {
        <>
        <div class="cluster-facts">
            <span>{format!("{} accounts: {} core, {} amplifiers", c.size, c.n_core, c.n_amplifiers)}</span>
            <span>{format!("strength {:.2} · density {:.2}", c.strength, c.density)}</span>
            if let Some(d) = c.median_boost_delay_s { <span>{format!("median boost delay {}", human_duration(d))}</span> }
            if let Some(e) = c.echo_share { <span>{format!("echo-chamber share {:.0}%", e * 100.0)}</span> }
            if let Some(o) = c.implied_utc_offset { <span>{format!("activity fits office hours at UTC{o:+}")}</span> }
            <span>{format!("methods: {}", c.methods.iter().map(|(m, s)| format!("{m} {:.0}%", s * 100.0)).collect::<Vec<_>>().join(", "))}</span>
            { for c.creation_bursts.iter().map(|(a, b, n)| html!{ <span class="warning">{format!("{n} accounts created {} – {}", charts::format_day(*a), charts::format_day(*b))}</span> }) }
        </div>
        <div class="narratives">
            { list("Top hashtags", &c.top_hashtags, "#") }
            { list("Top domains", &c.top_domains, "") }
            { list("Top URLs", &c.top_urls, "") }
            { list("Repeated texts", &c.top_texts, "") }
            <div class="narr">
                <h3>{"Posts by hour (UTC)"}</h3>
                <HourProfile hours={hours} implied_utc_offset={c.implied_utc_offset} width={320} height={140} />
            </div>
        </div>
        </>
    }
}

fn view_account(
    d: &Rc<AccountDetail>,
    onclose: Callback<MouseEvent>,
    onselect: Callback<u32>,
    onkeydown: Callback<KeyboardEvent>,
) -> Html {
    let fmt_opt = |x: Option<u32>| x.map(|v| group(v as u64)).unwrap_or_else(|| "unknown".into());
    html! {
        <aside class="account-panel" data-testid="account-panel" aria-label="Account details" tabindex="-1" {onkeydown}>
            <div class="panel-head">
                <h2 class="inline">
                    if !d.screen_name.is_empty() { {format!("@{}", d.screen_name)} } else { {d.id.clone()} }
                </h2>
                <div class="spacer"></div>
                <button class="button secondary small" onclick={onclose}>{"Close"}</button>
            </div>
            <p><span class={classes!("role-pill", role_class(d.role))}>{role_name(d.role)}</span>
               { d.cluster.map(|c| format!(" in cluster {c}")).unwrap_or_default() }
               {format!(" · score {:.2}", d.score)}</p>
            if !d.display_name.is_empty() { <p class="display-name">{&d.display_name}</p> }
            <dl class="attrs">
                <dt>{"Account id"}</dt><dd class="mono">{&d.id}</dd>
                <dt>{"Created"}</dt><dd>{ d.created_at_ms.map(iso_day).unwrap_or_else(|| "unknown".into()) }</dd>
                <dt>{"Followers / following"}</dt><dd>{format!("{} / {}", fmt_opt(d.followers), fmt_opt(d.following))}</dd>
                <dt>{"Posts (retweets)"}</dt><dd>{format!("{} ({})", group(d.posts as u64), group(d.retweets as u64))}</dd>
                <dt>{"Active"}</dt><dd>{ match (d.first_post_ms, d.last_post_ms) { (Some(a), Some(b)) => format!("{} – {}", iso_day(a), iso_day(b)), _ => "—".into() } }</dd>
                if !d.language.is_empty() { <dt>{"Language"}</dt><dd>{&d.language}</dd> }
                if !d.client.is_empty() { <dt>{"Client"}</dt><dd>{&d.client}</dd> }
            </dl>
            <h3>{"Why"}</h3>
            if d.reasons.is_empty() { <p class="muted">{"No evidence of coordination with these parameters."}</p> }
            <ul class="reasons">
                { for d.reasons.iter().map(|r| html!{ <li>{&r.text}<span class="muted mono">{format!(" [{}]", r.code)}</span></li> }) }
            </ul>
            if !d.partners.is_empty() {
                <h3>{"Strongest links"}</h3>
                <ul class="partners">
                    { for d.partners.iter().map(|(idx, name, w)| {
                        let idx = *idx;
                        let cb = onselect.clone();
                        html!{ <li><button class="linkish" onclick={Callback::from(move |_| cb.emit(idx))}>{name}</button><span class="muted">{format!(" weight {w:.1}")}</span></li> }
                    }) }
                </ul>
            }
            <h3>{"Sample posts"}</h3>
            if d.samples.is_empty() { <p class="muted">{"No post text kept for this account."}</p> }
            <ul class="samples">
                { for d.samples.iter().map(|(t, text)| html!{ <li><span class="muted">{ if *t == crate::core::model::NO_TIME { String::new() } else { format!("{} ", iso_time(*t)) } }</span><span class="sample-text">{text}</span></li> }) }
            </ul>
        </aside>
    }
}

/// Colours of clusters (cycled), also used as `.c0`…`.c11` swatches in style.css.
pub const CLUSTER_HEX: [&str; 12] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#393b79",
    "#637939", "#7b4173",
];

fn hex_rgb(h: &str) -> [u8; 3] {
    let v = u32::from_str_radix(h.trim_start_matches('#'), 16).unwrap_or(0x888888);
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

pub fn role_rgb(role: u8) -> [u8; 3] {
    match role {
        1 => [0xe4, 0x57, 0x2e],
        2 => [0xf3, 0xa7, 0x12],
        _ => [0x9a, 0xa5, 0xb1],
    }
}

pub fn cluster_rgb(c: u32) -> [u8; 3] {
    if c == u32::MAX {
        [0x9a, 0xa5, 0xb1]
    } else {
        hex_rgb(CLUSTER_HEX[(c % 12) as usize])
    }
}

pub fn role_name(r: u8) -> &'static str {
    match r {
        1 => Role::Core.as_str(),
        2 => Role::Amplifier.as_str(),
        _ => Role::Unflagged.as_str(),
    }
}

fn role_class(r: u8) -> &'static str {
    match r {
        1 => "core",
        2 => "amp",
        _ => "none",
    }
}

/// Download bytes as a file through a Blob object URL (nothing leaves the browser).
pub(crate) fn download_bytes(bytes: &[u8], mime: &str, name: &str) -> Result<(), String> {
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    download_url(&url, name);
    // revoke after the click has been handled
    let u = url.clone();
    gloo::timers::callback::Timeout::new(30_000, move || {
        let _ = web_sys::Url::revoke_object_url(&u);
    })
    .forget();
    Ok(())
}

fn download_url(url: &str, name: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(a) = doc.create_element("a") else { return };
    let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() else { return };
    a.set_href(url);
    a.set_download(name);
    a.click();
}

/// The file-level problems of an ingest, as "name: message." sentences.
fn summary_fatal(s: Option<&IngestSummary>) -> Vec<String> {
    s.map(|s| {
        s.files
            .iter()
            .filter_map(|f| f.fatal.as_ref().map(|m| format!("{}: {}.", f.name, m.trim_end_matches('.'))))
            .collect()
    })
    .unwrap_or_default()
}

/// "a.csv, b.csv and 3 more" for a summary line.
pub fn file_list(names: &[&str]) -> String {
    match names.len() {
        0..=3 => names.join(", "),
        n => format!("{} and {} more", names[..3].join(", "), n - 3),
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

/// "12,345" style counts.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "3 min 20 s" style durations.
pub fn human_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "—".into();
    }
    let s = seconds.round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

/// At most `max` characters, with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

pub fn iso_day(ms: i64) -> String {
    charts::format_day(ms.div_euclid(86_400_000))
}

pub fn iso_time(ms: i64) -> String {
    let day = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000) / 1000;
    format!("{} {:02}:{:02}", charts::format_day(day), rem / 3600, (rem % 3600) / 60)
}
