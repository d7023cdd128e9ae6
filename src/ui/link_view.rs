//! The link view: several datasets side by side and what ties them.
//!
//! Its own component with its own worker (spawned the first time the tab is opened), so the
//! single-dataset workspace and its worker are untouched. Each dataset is one or more files read
//! by the worker through the same streamed ingest (`LinkAdd`), named by its files or by the user;
//! the link demo generates planted datasets in the worker. Detection on each and the linking run
//! in the worker (`LinkRun`); this component only renders the small summaries it answers with:
//! the dataset × dataset and cluster × cluster matrices (heat by the size-normalised score, the
//! absolute strength beside it, linked pairs marked by the core's `linked`; heat levels are CSS
//! classes, no inline style), the strongest links with both scores, what they are linked on and
//! their evidence, shared and re-emergent accounts, and the link exports, downloaded like the
//! workspace's.
//!
//! Shared with the workspace: the column-mapping form ([`super::mapping::MappingForm`]; files are
//! previewed first, and a CSV of no known format is mapped before it is added) and the detection
//! parameters form ([`super::params::ParamsForm`]; `LinkRun` carries them, the result says which
//! were used).
//!
//! Cancelling a link run stops its worker at once (detection and linking are one synchronous call
//! there, which no message can interrupt) and keeps the datasets: this view keeps where each came
//! from (the `File` handles, which hold no bytes, with the names and mappings; or the demo), and
//! after respawning the worker it adds them again, one after the other, with progress
//! (`Phase::Restoring`).

use super::bridge::WorkerBridge;
use super::{download_bytes, group, human_bytes, iso_day, mapping, params, role_name};
use crate::core::detect::DetectParams;
use crate::core::ingest::{ColumnMapping, IngestOptions};
use crate::core::link::LinkParams;
use crate::protocol::link::{default_dataset_name, DEMO_NAMES};
use crate::protocol::{ClusterLabel, FileMeta, FilePreview};
use crate::protocol::{IngestProgress, LinkDatasetInfo, LinkEvidence, LinkRow, LinkSummary, Request, Response, TieRow};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement};
use yew::prelude::*;

/// The six link exports: (file name, data-testid suffix).
const EXPORTS: [(&str, &str); 6] = [
    ("links.csv", "links-csv"),
    ("link_accounts.csv", "accounts-csv"),
    ("overlap.csv", "overlap-csv"),
    ("joint.gexf", "gexf"),
    ("joint.graphml", "graphml"),
    ("link_report.json", "report-json"),
];

/// Readable label of a tie kind name (`TieKind::name`).
fn kind_label(name: &str) -> &'static str {
    match name {
        "shared_id" => "shared accounts (id)",
        "shared_screen_name" => "same screen names",
        "shared_text" => "identical texts",
        "near_text" => "near-identical texts",
        "shared_url" => "shared URLs",
        "shared_domain" => "shared domains",
        "shared_hashtag" => "shared hashtags",
        "amplification" => "amplification",
        "co_action" => "co-actions",
        _ => "other ties",
    }
}

/// Heat level 0..=5 of a normalised score against its linking threshold (`min_normalised`):
/// 1 below a quarter of it, 3 just below it, 4 from it, 5 from four times it.
fn heat_level(normalised: f64, threshold: f64) -> u8 {
    if normalised.is_nan() || normalised <= 0.0 {
        return 0;
    }
    let t = threshold.max(1e-9);
    match normalised / t {
        r if r < 0.25 => 1,
        r if r < 0.5 => 2,
        r if r < 1.0 => 3,
        r if r < 4.0 => 4,
        _ => 5,
    }
}

/// Why a link is linked: "identity", "content", both, or "" when it is not.
fn linked_on(l: &LinkRow) -> &'static str {
    match (l.linked, l.by_identity, l.by_content) {
        (false, _, _) => "",
        (true, true, true) => "identity + content",
        (true, true, false) => "identity",
        (true, false, true) => "content",
        // the criteria are recomputed from the link's figures: should a rounding edge ever
        // disagree with the core, the core's `linked` still shows
        (true, false, false) => "linked",
    }
}

#[derive(Properties, PartialEq)]
pub struct LinkViewProps {
    /// The tab is shown (the worker is spawned the first time it is).
    pub active: bool,
    /// The workspace's detection parameters (from the page address, or as the user set them
    /// there): the tab starts with them and follows them until its own are changed.
    pub workspace_params: DetectParams,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Idle,
    /// Waiting for the worker to say what the chosen files are.
    Previewing {
        name: String,
    },
    /// A CSV of no known format: the mapping form, before the dataset is added.
    Mapping {
        name: String,
        previews: Rc<Vec<FilePreview>>,
        mapping: ColumnMapping,
    },
    Reading {
        name: String,
        progress: Option<IngestProgress>,
    },
    Running {
        stage: String,
        fraction: f32,
    },
    /// Adding the kept datasets again to a respawned worker: step `step` of `total`.
    Restoring {
        step: usize,
        total: usize,
        label: String,
        progress: Option<IngestProgress>,
    },
}

/// Where a loaded dataset came from, so it can be added again to a fresh worker.
#[derive(Clone)]
enum Source {
    /// Dataset `k` of the link demo (see [`DEMO_NAMES`]).
    Demo(usize),
    /// Files read with these options (`files` are the JS `File` handles: references to the
    /// user's files, not their bytes).
    Files { files: js_sys::Array, metas: Vec<FileMeta>, options: IngestOptions },
}

/// What the next `LinkDatasets` answer adds.
enum Adding {
    Demo,
    Files(Source),
}

/// One request of a restore, and what it adds.
struct Step {
    req: Request,
    files: Option<js_sys::Array>,
    label: String,
    adding: Option<Adding>,
}

pub enum LinkMsg {
    Worker(Response),
    Files(Vec<web_sys::File>),
    MapChange(ColumnMapping),
    MapConfirm(ColumnMapping),
    Params(DetectParams),
    NextName(String),
    Demo,
    Remove(u32),
    Rename(u32, String),
    AllAccounts(bool),
    Run,
    Cancel,
    Evidence(u32),
    CloseEvidence,
    Export(&'static str),
    Dismiss,
}

pub struct LinkView {
    bridge: Option<WorkerBridge>,
    ready: bool,
    pending: Vec<(Request, Option<js_sys::Array>)>,
    datasets: Vec<LinkDatasetInfo>,
    phase: Phase,
    error: Option<String>,
    notice: Option<String>,
    /// The notice that an export waits for the input files' fingerprints, cleared when the
    /// export arrives if it is still shown.
    wait_notice: Option<String>,
    summary: Option<Rc<LinkSummary>>,
    evidence: Option<Rc<LinkEvidence>>,
    next_name: String,
    all_accounts: bool,
    /// Run the link as soon as the demo's datasets are in.
    auto_run: bool,
    exporting: Option<String>,
    started_ms: f64,
    run_ms: f64,
    evidence_ref: NodeRef,
    /// Detection parameters of the next run.
    params: DetectParams,
    /// The user changed `params` on this tab: they no longer follow the workspace's.
    params_own: bool,
    /// Where each loaded dataset came from (same order as `datasets`).
    sources: Vec<Source>,
    /// What the request in flight adds once the worker answers with the dataset list.
    adding: Option<Adding>,
    /// Files chosen and waiting for their preview or mapping: (files, metas).
    staged: Option<(js_sys::Array, Vec<FileMeta>)>,
    /// The rest of a restore, and the datasets it could not add again.
    restore: VecDeque<Step>,
    restore_lost: Vec<String>,
    /// Renames sent and not answered yet: answers to earlier ones do not overwrite names typed
    /// since, and the table is `aria-busy` until the last is in.
    renames_pending: u32,
}

/// The error says the worker itself crashed or failed (a panic, or its `onerror`), not that a
/// request was refused: its state cannot be trusted.
fn worker_died(message: &str) -> bool {
    message.starts_with("The analysis worker crashed") || message.starts_with("The analysis worker failed")
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

impl LinkView {
    fn spawn(&mut self, ctx: &Context<Self>) {
        self.ready = false;
        self.pending.clear();
        self.renames_pending = 0;
        match WorkerBridge::spawn(ctx.link().callback(LinkMsg::Worker)) {
            Ok(b) => self.bridge = Some(b),
            Err(e) => self.error = Some(e),
        }
    }

    fn send(&mut self, ctx: &Context<Self>, req: Request, files: Option<js_sys::Array>) {
        if self.bridge.is_none() {
            self.spawn(ctx);
        }
        if !self.ready {
            self.pending.push((req, files));
            return;
        }
        if let Some(b) = &self.bridge {
            if let Err(e) = b.send(&req, files.as_ref()) {
                self.error = Some(e);
                self.phase = Phase::Idle;
            }
        }
    }

    fn busy(&self) -> bool {
        !matches!(self.phase, Phase::Idle)
    }

    fn clear_result(&mut self) {
        self.summary = None;
        self.evidence = None;
    }

    fn run(&mut self, ctx: &Context<Self>) {
        self.error = None;
        self.evidence = None;
        self.started_ms = now_ms();
        self.phase = Phase::Running { stage: "starting".into(), fraction: 0.0 };
        let params = LinkParams { content_from_all_accounts: self.all_accounts, ..LinkParams::default() };
        self.send(ctx, Request::LinkRun { detect: self.params.clone(), params }, None);
    }

    /// Read the staged files as the next dataset (with `mapping` for a CSV of no known format).
    fn start_add(&mut self, ctx: &Context<Self>, name: String, mapping: Option<ColumnMapping>) {
        let Some((files, metas)) = self.staged.take() else {
            self.phase = Phase::Idle;
            return;
        };
        let options = IngestOptions { mapping, ..IngestOptions::default() };
        self.phase = Phase::Reading { name: name.clone(), progress: None };
        self.adding =
            Some(Adding::Files(Source::Files { files: files.clone(), metas: metas.clone(), options: options.clone() }));
        self.send(ctx, Request::LinkAdd { name, files: metas, options }, Some(files));
    }

    /// Stop the worker and start a fresh one, then add the kept datasets to it again (under
    /// their current names), one request after the other.
    fn restart_and_restore(&mut self, ctx: &Context<Self>, why: &str) {
        self.bridge = None; // drop terminates the old worker
        self.spawn(ctx);
        self.clear_result();
        self.auto_run = false;
        self.exporting = None;
        self.staged = None;
        self.adding = None;
        let names: Vec<String> = self.datasets.iter().map(|d| d.name.clone()).collect();
        let sources = std::mem::take(&mut self.sources);
        self.datasets.clear();
        self.restore = restore_steps(&sources, &names);
        self.restore_lost.clear();
        if self.restore.is_empty() {
            self.phase = Phase::Idle;
            self.notice = Some(format!("{why} No dataset was loaded."));
            return;
        }
        self.notice = Some(why.to_string());
        self.started_ms = now_ms();
        self.next_restore_step(ctx, 0);
    }

    /// Send the next restore step (`done` steps are behind), or end the restore.
    fn next_restore_step(&mut self, ctx: &Context<Self>, done: usize) {
        let total = done + self.restore.len();
        match self.restore.pop_front() {
            Some(step) => {
                self.phase = Phase::Restoring { step: done + 1, total, label: step.label.clone(), progress: None };
                self.adding = step.adding;
                self.send(ctx, step.req, step.files);
            }
            None => {
                self.phase = Phase::Idle;
                let secs = (now_ms() - self.started_ms) / 1000.0;
                let n = self.datasets.len();
                let kept = format!(
                    "The {n} dataset{} {} added again from the same files ({secs:.1} s).",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "was" } else { "were" }
                );
                let why = self.notice.take().unwrap_or_default();
                self.notice = Some(if self.restore_lost.is_empty() {
                    format!("{why} {kept}")
                } else {
                    format!("{why} {kept} Not added again: {}.", self.restore_lost.join("; "))
                });
            }
        }
    }

    /// Steps done so far of a restore in progress.
    fn restore_done(&self) -> Option<usize> {
        match self.phase {
            Phase::Restoring { step, .. } => Some(step),
            _ => None,
        }
    }

    /// A `LinkDatasets` answer: the worker's list, and what the request in flight added.
    fn apply_datasets(&mut self, datasets: Vec<LinkDatasetInfo>) {
        match self.adding.take() {
            Some(Adding::Demo) => self.sources = (0..datasets.len()).map(Source::Demo).collect(),
            Some(Adding::Files(src)) if datasets.len() == self.sources.len() + 1 => self.sources.push(src),
            _ => {}
        }
        self.datasets = datasets;
    }

    fn on_response(&mut self, ctx: &Context<Self>, resp: Response) -> bool {
        if let Some(done) = self.restore_done() {
            return self.on_restore_response(ctx, done, resp);
        }
        match resp {
            Response::Ready => self.on_ready(ctx),
            Response::Previewed(previews) => {
                let Phase::Previewing { name } = &self.phase else { return false };
                let name = name.clone();
                match mapping::initial(&previews) {
                    Some(mapping) => self.phase = Phase::Mapping { name, previews: Rc::new(previews), mapping },
                    None => self.start_add(ctx, name, None),
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
            Response::LinkDatasets(mut d) => {
                if self.renames_pending > 0 {
                    self.renames_pending -= 1;
                    if self.renames_pending > 0 {
                        // an answer to an earlier rename: the names shown (maybe typed since) stay
                        for (new, shown) in d.datasets.iter_mut().zip(&self.datasets) {
                            new.name = shown.name.clone();
                        }
                    }
                }
                self.apply_datasets(d.datasets);
                if !d.result_current {
                    self.clear_result();
                } else if let Some(s) = &mut self.summary {
                    // a rename keeps the result: show the new names in it
                    let s = Rc::make_mut(s);
                    for (x, d) in s.datasets.iter_mut().zip(&self.datasets) {
                        x.name = d.name.clone();
                    }
                }
                if matches!(self.phase, Phase::Reading { .. }) {
                    self.phase = Phase::Idle;
                }
                if self.auto_run && !d.result_current && self.datasets.len() >= 2 {
                    self.auto_run = false;
                    self.run(ctx);
                }
                true
            }
            Response::AnalysisProgress { stage, fraction } => {
                if let Phase::Running { stage: s, fraction: f } = &mut self.phase {
                    *s = stage;
                    *f = fraction;
                    return true;
                }
                false
            }
            Response::Linked(s) => {
                self.run_ms = now_ms() - self.started_ms;
                self.summary = Some(Rc::new(s));
                self.evidence = None;
                self.phase = Phase::Idle;
                true
            }
            Response::LinkEvidence(e) => {
                self.evidence = Some(Rc::new(e));
                true
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
            Response::Cancelled => {
                self.adding = None;
                self.phase = Phase::Idle;
                self.notice = Some("Reading was cancelled; that dataset was not added.".into());
                true
            }
            Response::Error { message } => {
                self.renames_pending = self.renames_pending.saturating_sub(1);
                let crashed = worker_died(&message);
                self.auto_run = false;
                self.exporting = None;
                self.adding = None;
                self.staged = None;
                self.phase = Phase::Idle;
                self.error = Some(message);
                if crashed {
                    // the worker's state cannot be trusted: a fresh one, with the datasets added again
                    self.restart_and_restore(ctx, "The link worker was restarted.");
                }
                true
            }
            // single-dataset answers never come from this view's requests
            _ => false,
        }
    }
}

impl LinkView {
    /// The worker is up: send what waited for it.
    fn on_ready(&mut self, ctx: &Context<Self>) -> bool {
        self.ready = true;
        for (req, files) in std::mem::take(&mut self.pending) {
            self.send(ctx, req, files);
        }
        false
    }

    /// An answer during a restore (step `done` in flight).
    fn on_restore_response(&mut self, ctx: &Context<Self>, done: usize, resp: Response) -> bool {
        let label = match &self.phase {
            Phase::Restoring { label, .. } => label.clone(),
            _ => String::new(),
        };
        match resp {
            Response::Ready => self.on_ready(ctx),
            Response::IngestProgress(p) => {
                if let Phase::Restoring { progress, .. } = &mut self.phase {
                    *progress = Some(p);
                }
                true
            }
            Response::LinkDatasets(d) => {
                self.apply_datasets(d.datasets);
                self.next_restore_step(ctx, done);
                true
            }
            Response::Cancelled => {
                // the user stopped the restore: what is not added yet stays out
                self.adding = None;
                self.restore_lost.push(format!("{label} (cancelled)"));
                let rest: Vec<String> =
                    self.restore.drain(..).filter(|s| s.adding.is_some()).map(|s| s.label).collect();
                self.restore_lost.extend(rest);
                self.next_restore_step(ctx, done);
                true
            }
            Response::Error { message } => {
                self.adding = None;
                if worker_died(&message) {
                    // no second restore from a restore: a fresh, empty worker
                    self.bridge = None;
                    self.spawn(ctx);
                    self.datasets.clear();
                    self.sources.clear();
                    self.restore.clear();
                    self.phase = Phase::Idle;
                    self.error = Some(format!("{message} The datasets could not be added again: add them again."));
                    return true;
                }
                self.restore_lost.push(format!("{label} ({})", message.trim_end_matches('.')));
                self.next_restore_step(ctx, done);
                true
            }
            _ => false,
        }
    }
}

/// The requests that add `sources` (named `names` now) to a fresh worker, in order: the demo
/// first (it replaces all datasets, so demo datasets always come first), minus the demo datasets
/// removed since, with their current names, then each dataset of files under its current name
/// with its mapping.
fn restore_steps(sources: &[Source], names: &[String]) -> VecDeque<Step> {
    let mut steps = VecDeque::new();
    let demo: Vec<(usize, &String)> = sources
        .iter()
        .zip(names)
        .filter_map(|(s, n)| if let Source::Demo(k) = s { Some((*k, n)) } else { None })
        .collect();
    if !demo.is_empty() {
        steps.push_back(Step {
            req: Request::LinkDemo,
            files: None,
            label: "the link demo".into(),
            adding: Some(Adding::Demo),
        });
        for k in (0..DEMO_NAMES.len()).rev().filter(|k| !demo.iter().any(|(d, _)| d == k)) {
            steps.push_back(Step {
                req: Request::LinkRemove { index: k as u32 },
                files: None,
                label: format!("removing {}", DEMO_NAMES[k]),
                adding: None,
            });
        }
        let renamed: Vec<(usize, usize, &String)> = demo
            .iter()
            .enumerate()
            .filter(|(_, (k, name))| DEMO_NAMES.get(*k).is_some_and(|d| d != *name))
            .map(|(i, (k, name))| (i, *k, *name))
            .collect();
        // names kept unique: a new name still held by another demo dataset (names swapped) gets a
        // suffix in the first pass and its own name in a second one, once the other has moved
        let swapped =
            renamed.iter().any(|(_, k, name)| DEMO_NAMES.iter().enumerate().any(|(j, d)| j != *k && d == name));
        for pass in 0..if swapped { 2 } else { 1 } {
            for &(i, k, name) in &renamed {
                steps.push_back(Step {
                    req: Request::LinkRename { index: i as u32, name: name.clone() },
                    files: None,
                    label: format!(
                        "renaming {} to {name}{}",
                        DEMO_NAMES[k],
                        if pass > 0 { " (names swapped)" } else { "" }
                    ),
                    adding: None,
                });
            }
        }
    }
    for (s, name) in sources.iter().zip(names) {
        if let Source::Files { files, metas, options } = s {
            steps.push_back(Step {
                req: Request::LinkAdd { name: name.clone(), files: metas.clone(), options: options.clone() },
                files: Some(files.clone()),
                label: name.clone(),
                adding: Some(Adding::Files(s.clone())),
            });
        }
    }
    steps
}

impl Component for LinkView {
    type Message = LinkMsg;
    type Properties = LinkViewProps;

    fn create(ctx: &Context<Self>) -> Self {
        let mut v = LinkView {
            bridge: None,
            ready: false,
            pending: Vec::new(),
            datasets: Vec::new(),
            phase: Phase::Idle,
            error: None,
            notice: None,
            wait_notice: None,
            summary: None,
            evidence: None,
            next_name: String::new(),
            all_accounts: false,
            auto_run: false,
            exporting: None,
            started_ms: 0.0,
            run_ms: 0.0,
            evidence_ref: NodeRef::default(),
            params: ctx.props().workspace_params.clone(),
            params_own: false,
            sources: Vec::new(),
            adding: None,
            staged: None,
            restore: VecDeque::new(),
            restore_lost: Vec::new(),
            renames_pending: 0,
        };
        if ctx.props().active {
            v.spawn(ctx);
        }
        v
    }

    fn changed(&mut self, ctx: &Context<Self>, _old: &Self::Properties) -> bool {
        if ctx.props().active && self.bridge.is_none() {
            self.spawn(ctx);
        }
        if !self.params_own {
            self.params = ctx.props().workspace_params.clone();
        }
        true
    }

    fn update(&mut self, ctx: &Context<Self>, msg: LinkMsg) -> bool {
        match msg {
            LinkMsg::Worker(resp) => self.on_response(ctx, resp),
            LinkMsg::Files(files) => {
                if files.is_empty() || self.busy() {
                    return false;
                }
                let metas: Vec<FileMeta> =
                    files.iter().map(|f| FileMeta { name: f.name(), size: f.size() as u64 }).collect();
                let names: Vec<String> = metas.iter().map(|m| m.name.clone()).collect();
                let name = match self.next_name.trim() {
                    "" => default_dataset_name(&names),
                    n => n.to_string(),
                };
                self.next_name.clear();
                let array = js_sys::Array::new();
                for f in &files {
                    array.push(f);
                }
                self.error = None;
                self.notice = None;
                // what the files are first: a CSV of no known format gets the mapping form
                self.staged = Some((array.clone(), metas.clone()));
                self.phase = Phase::Previewing { name };
                self.send(ctx, Request::Preview { files: metas }, Some(array));
                true
            }
            LinkMsg::MapChange(m) => {
                if let Phase::Mapping { mapping, .. } = &mut self.phase {
                    *mapping = m;
                    return true;
                }
                false
            }
            LinkMsg::MapConfirm(m) => {
                let Phase::Mapping { name, .. } = &self.phase else { return false };
                if !mapping::missing_required(&m).is_empty() {
                    return false;
                }
                let name = name.clone();
                self.start_add(ctx, name, Some(m));
                true
            }
            LinkMsg::Params(p) => {
                self.params = p;
                self.params_own = true;
                true
            }
            LinkMsg::NextName(n) => {
                self.next_name = n;
                false
            }
            LinkMsg::Demo => {
                self.error = None;
                self.notice = None;
                self.auto_run = true;
                self.clear_result();
                self.started_ms = now_ms();
                self.phase = Phase::Running { stage: "generating the demo datasets".into(), fraction: 0.0 };
                self.adding = Some(Adding::Demo);
                self.send(ctx, Request::LinkDemo, None);
                true
            }
            LinkMsg::Remove(i) => {
                if (i as usize) < self.sources.len() {
                    self.sources.remove(i as usize);
                }
                self.send(ctx, Request::LinkRemove { index: i }, None);
                false
            }
            LinkMsg::Rename(i, name) => {
                self.renames_pending += 1;
                self.send(ctx, Request::LinkRename { index: i, name }, None);
                true
            }
            LinkMsg::AllAccounts(on) => {
                self.all_accounts = on;
                true
            }
            LinkMsg::Run => {
                self.run(ctx);
                true
            }
            LinkMsg::Cancel => match &self.phase {
                Phase::Reading { .. } => {
                    self.send(ctx, Request::Cancel, None);
                    false
                }
                Phase::Restoring { .. } => {
                    // a file being read again stops between chunks (Cancelled ends the restore)
                    if matches!(self.adding, Some(Adding::Files(_))) {
                        self.send(ctx, Request::Cancel, None);
                    }
                    false
                }
                Phase::Previewing { name } | Phase::Mapping { name, .. } => {
                    self.notice = Some(format!("“{name}” was not added."));
                    self.staged = None;
                    self.phase = Phase::Idle;
                    true
                }
                Phase::Running { .. } => {
                    // detection and linking are one synchronous call in the worker, which no
                    // message reaches: stop the worker, and add the datasets again to a new one
                    self.restart_and_restore(ctx, "Linking was cancelled and its worker restarted.");
                    true
                }
                Phase::Idle => false,
            },
            LinkMsg::Evidence(index) => {
                self.send(ctx, Request::LinkEvidence { index }, None);
                false
            }
            LinkMsg::CloseEvidence => {
                self.evidence = None;
                true
            }
            LinkMsg::Export(name) => {
                self.exporting = Some(name.to_string());
                self.send(ctx, Request::LinkExport { name: name.to_string() }, None);
                true
            }
            LinkMsg::Dismiss => {
                self.notice = None;
                self.error = None;
                true
            }
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        // bring a newly opened evidence panel into view once
        if let Some(el) = self.evidence_ref.cast::<web_sys::Element>() {
            if el.get_attribute("data-seen").is_none() {
                let _ = el.set_attribute("data-seen", "1");
                el.scroll_into_view();
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        html! {
            <div class="link-view" data-testid="link-view">
                { self.view_intake(ctx) }
                if let Some(n) = &self.notice {
                    <div class="notice" role="status">
                        <span>{n}</span>
                        <button class="button secondary small" onclick={ctx.link().callback(|_| LinkMsg::Dismiss)}>{"Dismiss"}</button>
                    </div>
                }
                if let Some(e) = &self.error {
                    <section class="panel error" data-testid="link-error" role="alert">
                        <h2>{"Something went wrong"}</h2>
                        <p>{e}</p>
                        <button class="button secondary small" onclick={ctx.link().callback(|_| LinkMsg::Dismiss)}>{"Dismiss"}</button>
                    </section>
                }
                { self.view_progress(ctx) }
                if let Some(s) = &self.summary {
                    { self.view_results(ctx, s) }
                }
            </div>
        }
    }
}

impl LinkView {
    fn name_of(&self, d: u16) -> String {
        self.summary
            .as_ref()
            .and_then(|s| s.datasets.get(d as usize))
            .map(|x| x.name.clone())
            .or_else(|| self.datasets.get(d as usize).map(|x| x.name.clone()))
            .unwrap_or_else(|| format!("dataset {}", d + 1))
    }

    fn side_label(&self, d: u16, c: Option<u32>) -> String {
        match c {
            Some(c) => format!("{} · cluster {c}", self.name_of(d)),
            None => self.name_of(d),
        }
    }

    fn view_intake(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let busy = self.busy();
        let onchange = link.batch_callback(|e: Event| {
            let input: HtmlInputElement = e.target()?.dyn_into().ok()?;
            let list = input.files()?;
            let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.item(i)).collect();
            input.set_value(""); // the same files can be chosen again
            Some(LinkMsg::Files(files))
        });
        let ondrop = link.batch_callback(|e: DragEvent| {
            e.prevent_default();
            let list = e.data_transfer()?.files()?;
            Some(LinkMsg::Files((0..list.length()).filter_map(|i| list.item(i)).collect()))
        });
        let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
        let oninput = link.batch_callback(|e: InputEvent| {
            let input: HtmlInputElement = e.target()?.dyn_into().ok()?;
            Some(LinkMsg::NextName(input.value()))
        });
        let onall = link.batch_callback(|e: Event| {
            let input: HtmlInputElement = e.target()?.dyn_into().ok()?;
            Some(LinkMsg::AllAccounts(input.checked()))
        });
        let n = self.datasets.len();
        html! {
            <section class="panel link-intake" aria-label="Datasets to link">
                <h2>{"Link datasets"}</h2>
                <p class="hint">{"Load two or more datasets side by side — a new dump and earlier ones, or operations released the same day — and see what ties them: shared accounts, identical or near-identical texts, rare URLs and hashtags, amplification and co-action across datasets, and accounts that re-emerge after a takedown. Each dataset is one or more files (e.g. tweets + users CSV), read in this browser."}</p>
                <div class="link-add">
                    <label class="link-name">
                        <span class="muted">{"Name of the next dataset"}</span>
                        <input type="text" data-testid="link-name-input" placeholder="from its file name" value={self.next_name.clone()} {oninput} disabled={busy} maxlength="80" />
                    </label>
                    <div class="dropzone link-drop" {ondrop} {ondragover}>
                        <label class="file-label">
                            <span class="button">{"Add files as one dataset…"}</span>
                            <input type="file" multiple=true data-testid="link-file-input" class="visually-hidden" {onchange} disabled={busy} />
                        </label>
                        <span class="hint">{"or drop them here"}</span>
                    </div>
                    <div class="link-demo">
                        <button class="button secondary" data-testid="link-demo-button" disabled={busy} onclick={link.callback(|_| LinkMsg::Demo)}>{"Try the link demo"}</button>
                        <span class="hint">{"An operation A, its re-emergence B and an unrelated C, generated here."}</span>
                    </div>
                </div>
                if n > 0 {
                    <div class="table-wrap">
                    <table class="table" data-testid="link-datasets" aria-busy={(self.renames_pending > 0).to_string()}>
                        <thead><tr>
                            <th>{"Name"}</th><th>{"Files"}</th><th class="num">{"Posts"}</th><th class="num">{"Accounts"}</th>
                            <th>{"Period"}</th><th class="num">{"Clusters"}</th><th class="num">{"Flagged accounts"}</th><th></th>
                        </tr></thead>
                        <tbody>
                        { for self.datasets.iter().enumerate().map(|(i, d)| {
                            let i = i as u32;
                            let onrename = link.batch_callback(move |e: Event| {
                                let input: HtmlInputElement = e.target()?.dyn_into().ok()?;
                                Some(LinkMsg::Rename(i, input.value()))
                            });
                            html! {
                                <tr data-testid="link-dataset">
                                    <td><input type="text" class="link-rename" data-testid="link-dataset-name" aria-label="Dataset name" value={d.name.clone()} onchange={onrename} disabled={busy} maxlength="80" /></td>
                                    <td class="mono link-files">{ d.files.join(", ") }
                                        { for d.problems.iter().map(|p| html! { <div class="warning">{p}</div> }) }
                                        if d.rejected > 0 { <div class="warning">{format!("{} rows rejected", group(d.rejected))}</div> }
                                    </td>
                                    <td class="num">{group(d.posts)}</td>
                                    <td class="num">{group(d.accounts)}</td>
                                    <td>{ d.time_span_ms.map(|(a, b)| format!("{} – {}", iso_day(a), iso_day(b))).unwrap_or_else(|| "—".into()) }</td>
                                    <td class="num">{ d.clusters.map(group).unwrap_or_else(|| "—".into()) }</td>
                                    <td class="num">{ d.flagged.map(group).unwrap_or_else(|| "—".into()) }</td>
                                    <td><button class="button secondary small" data-testid="link-remove" disabled={busy} onclick={link.callback(move |_| LinkMsg::Remove(i))}>{"Remove"}</button></td>
                                </tr>
                            }
                        }) }
                        </tbody>
                    </table>
                    </div>
                }
                <div class="actions">
                    <button class="button" data-testid="link-run" disabled={busy || n < 2} onclick={link.callback(|_| LinkMsg::Run)}>
                        { if n < 2 { "Link (add at least two datasets)".to_string() } else { format!("Link {n} datasets") } }
                    </button>
                    <label class="check">
                        <input type="checkbox" data-testid="link-all-accounts" checked={self.all_accounts} onchange={onall} disabled={busy} />
                        {" Count the content of every account, not only flagged ones (takedown archives, where every account belongs to the operation)"}
                    </label>
                </div>
                <details class="params link-params" data-testid="link-parameters">
                    <summary><strong>{"Detection parameters"}</strong><span class="muted" data-testid="link-params-line">{format!(" · {}", params::describe(&self.params))}</span></summary>
                    <params::ParamsForm params={self.params.clone()} on_change={link.callback(LinkMsg::Params)} disabled={busy} />
                    <div class="actions">
                        <button class="button secondary small" data-testid="link-params-defaults" disabled={busy || self.params == DetectParams::default()} onclick={link.callback(|_| LinkMsg::Params(DetectParams::default()))}>{"Defaults"}</button>
                        <span class="hint">{"Detection runs on each dataset with these before linking; a dataset already analysed with the same ones is not analysed again. They start as the workspace's (and the page address's) and follow them until changed here."}</span>
                    </div>
                </details>
            </section>
        }
    }

    fn view_progress(&self, ctx: &Context<Self>) -> Html {
        let oncancel = ctx.link().callback(|_| LinkMsg::Cancel);
        match &self.phase {
            Phase::Idle => html! {},
            Phase::Previewing { name } => html! {
                <section class="panel progress-panel" data-testid="link-progress" aria-live="polite">
                    <h2>{format!("Looking at the files of “{name}”")}</h2>
                </section>
            },
            Phase::Mapping { name, previews, mapping } => {
                let link = ctx.link();
                html! {
                    <mapping::MappingForm previews={previews.clone()} mapping={mapping.clone()} on_change={link.callback(LinkMsg::MapChange)}
                        on_confirm={link.callback(LinkMsg::MapConfirm)} on_cancel={link.callback(|_| LinkMsg::Cancel)}
                        context={AttrValue::from(format!("for dataset “{name}”"))} />
                }
            }
            Phase::Restoring { step, total, label, progress } => {
                let (done, all) = progress.as_ref().map(|p| (p.bytes_done, p.bytes_total)).unwrap_or((0, 1));
                html! {
                    <section class="panel progress-panel" data-testid="link-restore" aria-live="polite">
                        <h2>{format!("Adding the datasets again: step {step} of {total}, {label}")}</h2>
                        <progress max={all.max(1).to_string()} value={done.to_string()}></progress>
                        if let Some(p) = progress {
                            <div class="stats-row">
                                <span><strong>{format!("{} / {}", human_bytes(done), human_bytes(all))}</strong>{" read"}</span>
                                <span><strong>{group(p.posts)}</strong>{" posts"}</span>
                                <span>{format!("file {} of {}: ", p.file_index + 1, p.n_files)}<span class="mono">{&p.file_name}</span></span>
                            </div>
                        }
                        <p class="hint">{"The worker was restarted; the datasets are read again from the same files (nothing is uploaded)."}</p>
                        <button class="button secondary" data-testid="link-cancel" onclick={oncancel}>{"Stop"}</button>
                    </section>
                }
            }
            Phase::Reading { name, progress } => {
                let (done, total) = progress.as_ref().map(|p| (p.bytes_done, p.bytes_total)).unwrap_or((0, 1));
                html! {
                    <section class="panel progress-panel" data-testid="link-progress" aria-live="polite">
                        <h2>{format!("Reading “{name}”")}</h2>
                        <progress max={total.max(1).to_string()} value={done.to_string()}></progress>
                        <div class="stats-row">
                            <span><strong>{format!("{} / {}", human_bytes(done), human_bytes(total))}</strong>{" read"}</span>
                            if let Some(p) = progress {
                                <span><strong>{group(p.posts)}</strong>{" posts"}</span>
                                <span><strong>{group(p.accounts)}</strong>{" accounts"}</span>
                                if p.rejected > 0 { <span class="warning"><strong>{group(p.rejected)}</strong>{" rejected"}</span> }
                                <span>{format!("file {} of {}: ", p.file_index + 1, p.n_files)}<span class="mono">{&p.file_name}</span></span>
                            }
                        </div>
                        <button class="button secondary" data-testid="link-cancel" onclick={oncancel}>{"Cancel"}</button>
                    </section>
                }
            }
            Phase::Running { stage, fraction } => html! {
                <section class="panel progress-panel" data-testid="link-progress" aria-live="polite">
                    <h2>{"Detecting in each dataset, then linking"}</h2>
                    <progress max="1" value={fraction.to_string()}></progress>
                    <p>{format!("Stage: {stage}")}</p>
                    <button class="button secondary" data-testid="link-cancel" onclick={oncancel}>{"Cancel"}</button>
                </section>
            },
        }
    }

    fn view_results(&self, ctx: &Context<Self>, s: &Rc<LinkSummary>) -> Html {
        let link = ctx.link();
        let n_linked = s.dataset_links.iter().filter(|l| l.linked).count();
        let export = |(name, testid): (&'static str, &'static str)| {
            let busy = self.exporting.as_deref() == Some(name);
            html! {
                <button class="button secondary small" data-testid={format!("link-export-{testid}")} disabled={self.exporting.is_some()} onclick={link.callback(move |_| LinkMsg::Export(name))}>
                    { if busy { format!("{name}…") } else { name.to_string() } }
                </button>
            }
        };
        html! {
            <>
            <section class="panel" data-testid="link-results" aria-label="Link results">
                <div class="results-head">
                    <h2 class="inline">{"What ties them"}</h2>
                    <span class="muted">{format!(" · {} linked pair{} of {} · {} linked cluster pairs · {} accounts tie datasets, {} re-emergent · {:.1} s",
                        n_linked, if n_linked == 1 { "" } else { "s" }, s.dataset_links.len(), group(s.n_linked_cluster_pairs), group(s.n_account_ties), group(s.n_re_emergent), self.run_ms / 1000.0)}</span>
                    if s.memory_bytes > 0 {
                        <span class="muted">{format!(" · worker memory {}", human_bytes(s.memory_bytes))}</span>
                    }
                </div>
                <p class="hint" data-testid="link-detect-params">
                    {format!("Detected with: {}.", params::describe(&s.detect))}
                    if s.detect != self.params { <span class="warning">{" The parameters above have changed since: link again to use them."}</span> }
                </p>
                <div class="link-matrices">
                    { self.view_overlap(s) }
                    { self.view_cluster_matrix(s) }
                </div>
                <div class="exports" role="group" aria-label="Link exports">
                    <span class="muted">{"Export: "}</span>
                    { for EXPORTS.iter().copied().map(export) }
                </div>
            </section>
            { self.view_links(ctx, s) }
            if let Some(e) = &self.evidence {
                { self.view_evidence(ctx, s, e) }
            }
            { self.view_accounts(s, &s.shared_accounts, s.n_shared_accounts, "link-shared-accounts", "Shared accounts",
                "The same account id, or the same screen name under another id, in two datasets (flagged accounts for names).") }
            { self.view_accounts(s, &s.re_emergent, s.n_re_emergent, "link-re-emergence", "Re-emergence",
                "Accounts created after the other (earlier) dataset's last post that carry its narratives or join its co-actions.") }
            </>
        }
    }

    /// A matrix cell: heat and first line by the normalised score, the strength on a second line
    /// and in the title, the linked mark by `linked`.
    fn heat_cell(&self, s: &LinkSummary, cell: Cell, sides: (String, String), attrs: (String, String)) -> Html {
        let Cell { strength, normalised, linked } = cell;
        let level = heat_level(normalised, s.min_normalised);
        let title = format!(
            "{} – {}: normalised {normalised:.3} (content links need ≥ {:.2}), strength {strength:.2} (≥ {:.1}){}",
            sides.0,
            sides.1,
            s.min_normalised,
            s.min_strength,
            if linked { " · linked" } else { " · not linked" }
        );
        html! {
            <td class={classes!("heat", format!("heat-{level}"), linked.then_some("linked"))} data-a={attrs.0} data-b={attrs.1}
                data-linked={linked.to_string()} data-strength={format!("{strength:.3}")} data-normalised={format!("{normalised:.6}")} {title}>
                if strength > 0.0 {
                    <span class="mx-norm">{format!("{normalised:.2}")}</span>
                    if linked { <span class="link-mark" aria-label="linked">{" ●"}</span> }
                    <span class="mx-strength">{format!("s {strength:.1}")}</span>
                } else {
                    {"·"}
                }
            </td>
        }
    }

    fn view_overlap(&self, s: &LinkSummary) -> Html {
        html! {
            <div class="matrix-box">
                <h3>{"Datasets × datasets"}</h3>
                <div class="table-wrap">
                <table class="matrix" data-testid="link-overlap-matrix">
                    <thead><tr><th></th>{ for s.datasets.iter().map(|d| html! { <th scope="col" class="mx-col">{&d.name}</th> }) }</tr></thead>
                    <tbody>
                    { for s.datasets.iter().enumerate().map(|(i, d)| html! {
                        <tr>
                            <th scope="row" title={format!("{}: {} accounts that post, {} of them flagged (the accounts whose content the linking counts); rare-content mass {:.1}", d.name, group(d.n_active_accounts as u64), group(d.n_flagged_accounts as u64), d.content_mass)}>
                                {&d.name}
                                <span class="mx-sub muted">{format!("{} flagged posting", group(d.n_flagged_accounts as u64))}</span>
                            </th>
                            { for (0..s.datasets.len()).map(|j| {
                                if i == j {
                                    html! { <td class="heat diag">{"—"}</td> }
                                } else {
                                    let at = |m: &Vec<Vec<f64>>| m.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0.0);
                                    let linked = s.dataset_links.iter().any(|l| l.linked && ((l.dataset_a as usize, l.dataset_b as usize) == (i.min(j), i.max(j))));
                                    let cell = Cell { strength: at(&s.overlap), normalised: at(&s.normalised_overlap), linked };
                                    let names = (d.name.clone(), s.datasets[j].name.clone());
                                    self.heat_cell(s, cell, names.clone(), names)
                                }
                            }) }
                        </tr>
                    }) }
                    </tbody>
                </table>
                </div>
                { legend(s) }
            </div>
        }
    }

    fn cluster_short(&self, c: &ClusterLabel) -> String {
        let name = self.name_of(c.dataset);
        let short: String = name.chars().take(10).collect();
        format!("{short}{}·c{}", if name.chars().count() > 10 { "…" } else { "" }, c.cluster)
    }

    fn view_cluster_matrix(&self, s: &LinkSummary) -> Html {
        let n = s.cluster_labels.len();
        html! {
            <div class="matrix-box">
                <h3>{format!("Clusters × clusters ({n} clusters, those with the strongest ties first; {} cluster pairs share anything)", group(s.n_cluster_links))}</h3>
                if n == 0 {
                    <p class="muted" data-testid="link-cluster-matrix">{"No cluster of one dataset shares anything rare with a cluster of another."}</p>
                } else {
                    <div class="table-wrap">
                    <table class="matrix small" data-testid="link-cluster-matrix">
                        <thead><tr><th></th>{ for s.cluster_labels.iter().map(|c| html! { <th scope="col" class="mx-col" title={self.side_label(c.dataset, Some(c.cluster))}>{self.cluster_short(c)}</th> }) }</tr></thead>
                        <tbody>
                        { for s.cluster_labels.iter().enumerate().map(|(i, a)| html! {
                            <tr>
                                <th scope="row" class="mx-row">
                                    {format!("{} · cluster {}", self.name_of(a.dataset), a.cluster)}
                                    <span class="muted">{format!(" ({}{})", a.size, a.top_hashtag.as_ref().map(|h| format!(", #{h}")).unwrap_or_default())}</span>
                                </th>
                                { for s.cluster_labels.iter().enumerate().map(|(j, b)| {
                                    if a.dataset == b.dataset {
                                        html! { <td class="heat diag">{""}</td> }
                                    } else {
                                        let k = i * n + j;
                                        let cell = Cell {
                                            strength: s.cluster_matrix.get(k).copied().unwrap_or(0.0),
                                            normalised: s.cluster_normalised.get(k).copied().unwrap_or(0.0),
                                            linked: s.cluster_linked.get(k).copied().unwrap_or(false),
                                        };
                                        self.heat_cell(s, cell, (self.side_label(a.dataset, Some(a.cluster)), self.side_label(b.dataset, Some(b.cluster))),
                                            (format!("{}#{}", self.name_of(a.dataset), a.cluster), format!("{}#{}", self.name_of(b.dataset), b.cluster)))
                                    }
                                }) }
                            </tr>
                        }) }
                        </tbody>
                    </table>
                    </div>
                }
            </div>
        }
    }

    fn kinds_summary(&self, s: &LinkSummary, l: &LinkRow) -> String {
        let mut k: Vec<(usize, f64)> =
            l.scores.iter().copied().enumerate().filter(|(i, _)| l.counts.get(*i).copied().unwrap_or(0) > 0).collect();
        k.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let parts: Vec<String> = k
            .iter()
            .take(4)
            .map(|&(i, _)| {
                format!("{} {}", group(l.counts[i] as u64), kind_label(s.kinds.get(i).map_or("", |x| x.as_str())))
            })
            .collect();
        if parts.is_empty() {
            "nothing shared".into()
        } else {
            parts.join(" · ")
        }
    }

    fn view_links(&self, ctx: &Context<Self>, s: &LinkSummary) -> Html {
        let link = ctx.link();
        let mut rows: Vec<&LinkRow> = s.dataset_links.iter().chain(s.cluster_links.iter()).collect();
        rows.sort_by(|a, b| {
            b.linked.cmp(&a.linked).then(b.strength.total_cmp(&a.strength)).then(a.index.cmp(&b.index))
        });
        let selected = self.evidence.as_ref().map(|e| e.row.index);
        html! {
            <section class="panel" data-testid="link-list" aria-label="Strongest links">
                <h2>{"Strongest links"}</h2>
                <p class="hint">{format!("Dataset pairs and cluster pairs, linked ones first, then by strength. Linked on identity: shared account ids, or screen names beyond those chance predicts, reach {min:.1}; on content: strength (chance screen names taken off) ≥ {min:.1} and normalised ≥ {nmin:.2}. Normalised is about the share of the smaller side's rare content that the other side's operation uses too; strength is absolute and grows with the datasets' sizes. Shared items count only when rare across all datasets and used by a flagged account.", min = s.min_strength, nmin = s.min_normalised)}</p>
                <div class="table-wrap">
                <table class="table link-table">
                    <thead><tr><th>{"Between"}</th><th>{"And"}</th><th class="num">{"Normalised"}</th><th class="num">{"Strength"}</th><th>{"Linked on"}</th><th>{"Ties"}</th><th></th></tr></thead>
                    <tbody>
                    { for rows.iter().map(|l| {
                        let index = l.index;
                        html! {
                            <tr class={classes!(l.linked.then_some("is-linked"), (selected == Some(index)).then_some("selected"))} data-testid="link-row"
                                data-a={self.name_of(l.dataset_a)} data-b={self.name_of(l.dataset_b)} data-linked={l.linked.to_string()} data-cluster={l.cluster_a.is_some().to_string()}
                                data-normalised={format!("{:.6}", l.normalised)} data-strength={format!("{:.3}", l.strength)} data-linked-on={linked_on(l)}>
                                <td>{self.side_label(l.dataset_a, l.cluster_a)}</td>
                                <td>{self.side_label(l.dataset_b, l.cluster_b)}</td>
                                <td class="num" data-testid="link-row-normalised">{format!("{:.2}", l.normalised)}</td>
                                <td class="num" data-testid="link-row-strength">{format!("{:.1}", l.strength)}</td>
                                <td data-testid="link-row-on">
                                    if l.linked { <span class="badge linked">{linked_on(l)}</span> } else { <span class="muted">{"not linked"}</span> }
                                </td>
                                <td class="muted">{self.kinds_summary(s, l)}</td>
                                <td><button class="button secondary small" data-testid="link-evidence-button" onclick={link.callback(move |_| LinkMsg::Evidence(index))}>{"Evidence"}</button></td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
                </div>
                if (s.n_cluster_links as usize) > s.cluster_links.len() {
                    <p class="hint">{format!("{} more cluster pairs with weaker ties are in links.csv.", group(s.n_cluster_links - s.cluster_links.len() as u64))}</p>
                }
            </section>
        }
    }

    fn view_evidence(&self, ctx: &Context<Self>, s: &LinkSummary, e: &Rc<LinkEvidence>) -> Html {
        let l = &e.row;
        html! {
            <section class="panel evidence" data-testid="link-evidence" ref={self.evidence_ref.clone()} aria-label="Evidence">
                <div class="panel-head">
                    <h2 class="inline">{format!("{} — {}", self.side_label(l.dataset_a, l.cluster_a), self.side_label(l.dataset_b, l.cluster_b))}</h2>
                    <span class="muted" data-testid="link-evidence-scores">{format!(" · normalised {:.3} (≥ {:.2} for content) · strength {:.1} (≥ {:.1}) · chance screen names {:.1}", l.normalised, s.min_normalised, l.strength, s.min_strength, l.expected)}</span>
                    if l.linked { <span class="badge linked">{format!("linked on {}", linked_on(l))}</span> } else { <span class="badge off">{"not linked"}</span> }
                    <div class="spacer"></div>
                    <button class="button secondary small" onclick={ctx.link().callback(|_| LinkMsg::CloseEvidence)}>{"Close"}</button>
                </div>
                <div class="evidence-grid">
                    <div>
                        <h3>{"Ties by kind"}</h3>
                        <table class="table" data-testid="link-evidence-kinds">
                            <thead><tr><th>{"Kind"}</th><th class="num">{"Count"}</th><th class="num">{"Score"}</th></tr></thead>
                            <tbody>
                            { for s.kinds.iter().enumerate().filter(|(i, _)| l.counts.get(*i).copied().unwrap_or(0) > 0).map(|(i, k)| html! {
                                <tr><td>{kind_label(k)}</td><td class="num">{group(l.counts[i] as u64)}</td><td class="num">{format!("{:.2}", l.scores.get(i).copied().unwrap_or(0.0))}</td></tr>
                            }) }
                            </tbody>
                        </table>
                    </div>
                    <div>
                        <h3>{"Evidence"}</h3>
                        if l.evidence.is_empty() {
                            <p class="muted">{"Nothing rare is shared."}</p>
                        } else {
                            <ul class="evidence-list">{ for l.evidence.iter().map(|x| html! { <li class="narr-text">{x}</li> }) }</ul>
                        }
                        if !e.pairs.is_empty() {
                            <h3>{format!("Account pairs ({} of {})", e.pairs.len(), group(e.n_pairs))}</h3>
                            <ul class="evidence-list">{ for e.pairs.iter().map(|(a, b, k)| html! {
                                <li><span class="narr-text">{a}</span>{" ↔ "}<span class="narr-text">{b}</span><span class="muted">{format!(" · {}", kind_label(k))}</span></li>
                            }) }</ul>
                        }
                    </div>
                </div>
                <h3>{format!("Accounts tying them ({} of {})", e.accounts.len(), group(e.n_accounts))}</h3>
                { self.tie_table(&e.accounts) }
            </section>
        }
    }

    fn tie_table(&self, rows: &[TieRow]) -> Html {
        if rows.is_empty() {
            return html! { <p class="muted">{"None."}</p> };
        }
        html! {
            <div class="table-wrap tie-scroll">
            <table class="table">
                <thead><tr><th>{"Account"}</th><th>{"Dataset"}</th><th>{"Tied to"}</th><th>{"Role"}</th><th>{"Created"}</th><th>{"Ties"}</th><th class="num">{"Weight"}</th><th>{"Evidence"}</th></tr></thead>
                <tbody>
                { for rows.iter().map(|t| html! {
                    <tr data-testid="link-account-row">
                        <td class="c-name-cell">
                            if !t.screen_name.is_empty() { <span class="screen">{format!("@{}", t.screen_name)}</span>{" "} }
                            <span class="mono muted">{&t.account_id}</span>
                            if t.re_emergent { <span class="badge re">{"re-emergent"}</span> }
                        </td>
                        <td>{self.name_of(t.dataset)}{ t.cluster.map(|c| format!(" · cluster {c}")).unwrap_or_default() }</td>
                        <td>{self.name_of(t.other)}</td>
                        <td>{role_name(t.role)}</td>
                        <td>{ t.created_at_ms.map(iso_day).unwrap_or_else(|| "—".into()) }</td>
                        <td>{ t.kinds.iter().map(|k| kind_label(k)).collect::<Vec<_>>().join(", ") }</td>
                        <td class="num">{format!("{:.2}", t.weight)}</td>
                        <td class="narr-text evidence-cell">{&t.evidence}</td>
                    </tr>
                }) }
                </tbody>
            </table>
            </div>
        }
    }

    fn view_accounts(
        &self,
        _s: &LinkSummary,
        rows: &[TieRow],
        total: u64,
        testid: &'static str,
        title: &'static str,
        hint: &'static str,
    ) -> Html {
        html! {
            <section class="panel" data-testid={testid} aria-label={title}>
                <h2>{format!("{title} ({})", group(total))}</h2>
                <p class="hint">{hint}{ if (total as usize) > rows.len() { format!(" The {} heaviest are listed; all are in link_accounts.csv.", rows.len()) } else { String::new() } }</p>
                { self.tie_table(rows) }
            </section>
        }
    }
}

/// One matrix cell's figures.
struct Cell {
    strength: f64,
    normalised: f64,
    linked: bool,
}

fn legend(s: &LinkSummary) -> Html {
    html! {
        <div class="heat-legend" aria-hidden="true">
            <span class="muted">{"normalised: lower"}</span>
            { for (1..=5).map(|k| html! { <span class={classes!("heat", "swatch-h", format!("heat-{k}"))}></span> }) }
            <span class="muted">{format!("higher (the 4th shade from {:.2}) · s: strength · ● linked (on identity, or strength ≥ {:.1} and normalised ≥ {:.2})", s.min_normalised, s.min_strength, s.min_normalised)}</span>
        </div>
    }
}
