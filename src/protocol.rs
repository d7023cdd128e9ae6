//! The one closed protocol between the UI thread and the worker.
//!
//! The UI sends a [`Request`]; the worker answers with [`Response`]s. [`Session::handle`] is pure
//! (no web types, no clock): the worker shell only moves bytes and messages. File contents arrive
//! through [`Session::ingest_chunk`] as the shell streams each `File`, so the same code is driven
//! by native tests with byte slices. Large arrays travel as bytes (`serde_bytes`), which
//! serde-wasm-bindgen turns into one `Uint8Array` instead of per-item objects.

use crate::core::detect::{self, Analysis, DetectParams, Reason, Role};
use crate::core::export::{self, Fingerprinter, InputFingerprint, RunInfo};
pub use crate::core::ingest::builder::{RecordedCalls, WireBatch, WireCall};
use crate::core::ingest::sniff::{self, Sniffed};
use crate::core::ingest::{
    csv_detect, ColumnMapping, CsvPreview, DatasetBuilder, FileIngest, FileReport, IngestOptions,
};
use crate::core::layout::{self, LayoutParams};
use crate::core::link::LinkParams;
use crate::core::model::{Dataset, Kind, NONE, NO_TIME};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::cell::Cell;

pub mod link;
pub use link::{ClusterLabel, LinkDatasetInfo, LinkDatasets, LinkEvidence, LinkRow, LinkSummary, TieRow};

/// A file the UI hands to the worker (the `File` object travels beside the message).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileMeta {
    pub name: String,
    pub size: u64,
}

/// UI -> worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Read these files (streamed by the worker shell) into a new dataset.
    Ingest { files: Vec<FileMeta>, options: IngestOptions },
    /// Stop the current ingest (between chunks); what was read is discarded.
    Cancel,
    /// Run detection on the loaded dataset (re-run with new parameters without re-reading).
    Analyze { params: DetectParams },
    /// Generate the built-in synthetic demo dump (IO-archive tweets and users CSV) and read it
    /// through the same ingest path as a dropped file.
    Demo,
    /// Look at the first bytes of each file (sent beside the request) and say what they are; for
    /// a CSV with an unknown header, preview its first rows and guess a column mapping.
    Preview { files: Vec<FileMeta> },
    /// Lay out the coordinated accounts (or one cluster) of the last analysis.
    Layout { scope: LayoutScope },
    /// The accounts table of the last analysis, as typed arrays.
    Table,
    /// Everything about one account (index into the dataset's accounts).
    Account { idx: u32 },
    /// One export file (a name of `core::export::FILE_NAMES`).
    Export { name: String },
    /// Linking: read these files (streamed like `Ingest`) into one more named dataset of the
    /// link workspace (the single-dataset workspace is left alone).
    LinkAdd { name: String, files: Vec<FileMeta>, options: IngestOptions },
    /// Linking: replace the link datasets with the built-in demo (an operation A, its
    /// re-emergence B, an unrelated C).
    LinkDemo,
    /// Linking: drop dataset `index`.
    LinkRemove { index: u32 },
    /// Linking: rename dataset `index` (names stay unique).
    LinkRename { index: u32, name: String },
    /// Linking: detect in every dataset (those not yet analysed with `detect`), then link them.
    LinkRun { detect: DetectParams, params: LinkParams },
    /// Linking: link `index` of the last result with the accounts behind it.
    LinkEvidence { index: u32 },
    /// Linking: one link export file (a name of `core::link::export::LINK_FILE_NAMES`).
    LinkExport { name: String },
}

/// Which accounts a layout covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LayoutScope {
    /// Every account with a role (core or amplifier) and the edges among them.
    Coordinated,
    /// The members of one cluster.
    Cluster(u32),
}

/// What the first bytes of one file are (answer to [`Request::Preview`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilePreview {
    pub name: String,
    pub sniffed: Sniffed,
    /// For a CSV whose header names no known format: its first rows and a guessed mapping.
    pub csv: Option<CsvPreview>,
    pub guess: Option<ColumnMapping>,
}

/// The accounts table as typed arrays (one entry per account of the dataset, same order).
/// `roles` are `Role as u8`, `clusters` u32 (`u32::MAX` = none), `scores` f32, `posts` u32;
/// `names` holds every "screen_name\u{1f}account_id" back to back, `name_offsets` (u32,
/// n + 1 entries) delimits them. Built for 100,000+ rows: one allocation per column.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountTable {
    pub n: u32,
    pub roles: ByteBuf,
    pub clusters: ByteBuf,
    pub scores: ByteBuf,
    pub posts: ByteBuf,
    pub names: String,
    pub name_offsets: ByteBuf,
}

/// A laid-out graph: `nodes` (u32 account indices), `positions` (f32 x, y per node), `roles`
/// (u8 per node), `clusters` (u32 per node), `activity` (u32 posts per node), `edges` (u32
/// pairs of node positions, not account indices).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LaidOut {
    pub scope: Option<LayoutScope>,
    pub n_nodes: u32,
    pub nodes: ByteBuf,
    pub positions: ByteBuf,
    pub roles: ByteBuf,
    pub clusters: ByteBuf,
    pub activity: ByteBuf,
    pub edges: ByteBuf,
    /// Edges left out to keep the drawing readable (the heaviest are kept).
    pub edges_dropped: u64,
}

/// Everything about one account, for the account panel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub idx: u32,
    pub id: String,
    pub screen_name: String,
    pub display_name: String,
    pub created_at_ms: Option<i64>,
    pub followers: Option<u32>,
    pub following: Option<u32>,
    pub language: String,
    pub client: String,
    pub role: u8,
    pub cluster: Option<u32>,
    pub score: f32,
    pub reasons: Vec<Reason>,
    pub posts: u32,
    pub retweets: u32,
    pub first_post_ms: Option<i64>,
    pub last_post_ms: Option<i64>,
    /// Sample posts: (time ms, text).
    pub samples: Vec<(i64, String)>,
    /// Strongest coordination partners: (account index, screen name or id, edge weight).
    pub partners: Vec<(u32, String, f32)>,
}

/// One cluster, as the cluster list and the cluster panel show it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    pub id: u32,
    pub size: u32,
    pub n_core: u32,
    pub n_amplifiers: u32,
    pub strength: f64,
    pub density: f64,
    pub median_boost_delay_s: Option<f64>,
    pub echo_share: Option<f64>,
    pub implied_utc_offset: Option<i32>,
    pub hour_profile: Vec<u32>,
    pub top_hashtags: Vec<(String, u32)>,
    pub top_domains: Vec<(String, u32)>,
    pub top_urls: Vec<(String, u32)>,
    pub top_texts: Vec<(String, u32)>,
    pub daily: Vec<(i64, u32)>,
    pub spikes: Vec<i64>,
    /// (method name, share of internal weight).
    pub methods: Vec<(String, f64)>,
    pub creation_bursts: Vec<(i64, i64, u32)>,
    pub n_posts: u64,
}

/// Counts shown while reading.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestProgress {
    pub file_index: u32,
    pub n_files: u32,
    pub file_name: String,
    pub format: Option<String>,
    /// Bytes of all files consumed so far / in total.
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub records: u64,
    pub posts: u64,
    pub accounts: u64,
    pub rejected: u64,
    pub time_span_ms: Option<(i64, i64)>,
    /// WebAssembly memory of the worker in bytes (filled by the worker shell; 0 natively).
    #[serde(default)]
    pub memory_bytes: u64,
}

/// What was read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestSummary {
    pub files: Vec<FileReport>,
    pub posts: u64,
    pub accounts: u64,
    pub time_span_ms: Option<(i64, i64)>,
    pub model_bytes: u64,
    /// WebAssembly memory of the worker in bytes (filled by the worker shell; 0 natively).
    #[serde(default)]
    pub memory_bytes: u64,
}

/// Headline numbers of an analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSummary {
    pub accounts: u64,
    pub posts: u64,
    pub clusters: u64,
    pub core: u64,
    pub amplifiers: u64,
    pub edges: u64,
    pub warnings: Vec<String>,
    /// Share of the engagement received by core accounts that comes from inside their own
    /// cluster, over all clusters (None when no core account was engaged with).
    pub echo_share: Option<f64>,
    pub clusters_list: Vec<ClusterSummary>,
    /// (method, edges, budget hit) per co-action method that ran.
    pub methods: Vec<(String, u64, bool)>,
    /// WebAssembly memory of the worker in bytes (filled by the worker shell; 0 natively).
    #[serde(default)]
    pub memory_bytes: u64,
}

/// Worker -> UI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// The worker is loaded and listening.
    Ready,
    IngestProgress(IngestProgress),
    Ingested(IngestSummary),
    AnalysisProgress {
        stage: String,
        fraction: f32,
    },
    Analyzed(AnalysisSummary),
    Previewed(Vec<FilePreview>),
    LayoutProgress {
        fraction: f32,
    },
    Laid(LaidOut),
    Table(AccountTable),
    Account(AccountDetail),
    /// One export file's bytes, for a download.
    Exported {
        name: String,
        mime: String,
        bytes: ByteBuf,
    },
    /// The link datasets changed (added, removed, renamed, demo).
    LinkDatasets(LinkDatasets),
    /// What ties the link datasets.
    Linked(LinkSummary),
    LinkEvidence(LinkEvidence),
    /// A request waits before it runs; `message` says for what (an export waits for the input
    /// files' fingerprints, taken after their read). Its answer follows when the wait is over.
    Waiting {
        message: String,
    },
    Cancelled,
    /// Something went wrong; `message` is specific and says what to do.
    Error {
        message: String,
    },
}

/// The worker's state: the dataset being read or loaded, and the last analysis.
#[derive(Default)]
pub struct Session {
    reading: Option<Reading>,
    pub dataset: Option<Dataset>,
    pub reports: Vec<FileReport>,
    pub analysis: Option<Analysis>,
    /// Input fingerprints (for report.json) of the loaded dataset's files.
    pub inputs: Vec<InputFingerprint>,
    /// Posts and retweets per account of the loaded dataset (computed once per dataset).
    activity: Vec<(u32, u32)>,
    /// The datasets loaded side by side for linking, apart from the dataset above.
    pub link: link::LinkSession,
    /// The last ticket of a fingerprint given later ([`Session::ingest_file_end_hash_later`]).
    last_ticket: u64,
}

/// Largest number of edges sent for drawing (the heaviest are kept).
pub const MAX_DRAWN_EDGES: usize = 200_000;
/// Rows previewed for the column-mapping form.
pub const PREVIEW_ROWS: usize = 8;

/// The most WebAssembly memory the worker plans to reach (wasm32 stops at 4 GiB; the rest is room
/// for the layout, the tables and the exports).
pub const MEMORY_PLAN_BYTES: u64 = 3_700 * 1024 * 1024;

/// Detection's working memory on top of what reading has used is taken as this much plus
/// [`DETECT_BYTES_PER_POST`] per post read. Measured peak heap above the dataset
/// (`examples/detect_memory.rs`, BENCHMARKS.md "At IRA scale"): 113 MiB at 1.03M posts (the
/// co-retweet stage: its 64 MiB candidate slice is the fixed part) and 502 MiB at 9.7M (the
/// roles stage, 54 bytes a post); in the browser the worker's WebAssembly memory after
/// detecting 10M posts was 1,498 MiB where reading alone peaks at 1,042 MiB (natively), so
/// detection added at most about 460 MiB there (memory freed by reading is little reused). At
/// 10M posts these constants plan 891 MiB: a margin of about 1.7×.
pub const DETECT_BASE_BYTES: u64 = 128 * 1024 * 1024;

/// See [`DETECT_BASE_BYTES`].
pub const DETECT_BYTES_PER_POST: u64 = 80;

/// Whether reading must stop now so that detecting the `posts` read so far still fits beside the
/// `used` bytes of memory: without this a dump that reads within the limit could exhaust memory
/// during detection, where nothing read could be kept.
pub fn detection_would_not_fit(used: u64, posts: u64) -> bool {
    used.saturating_add(DETECT_BASE_BYTES).saturating_add(posts.saturating_mul(DETECT_BYTES_PER_POST))
        >= MEMORY_PLAN_BYTES
}

struct Reading {
    builder: DatasetBuilder,
    file: Option<FileIngest>,
    files: Vec<FileMeta>,
    file_index: usize,
    bytes_done: u64,
    options: IngestOptions,
    fingerprint: Option<Fingerprinter>,
    inputs: Vec<InputFingerprint>,
    /// Set when the files become a link dataset of this name (`LinkAdd`).
    link_name: Option<String>,
    /// The time span of the first `.0` posts (progress reports extend it with the posts read
    /// since: posts are only added while reading, so a report costs the new posts only).
    span: Cell<(usize, Option<(i64, i64)>)>,
}

impl Reading {
    /// (min, max) post time so far.
    fn time_span(&self) -> Option<(i64, i64)> {
        let (from, before) = self.span.get();
        let n = self.builder.n_posts();
        let span = match (before, self.builder.time_span_since(from)) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, y) => x.or(y),
        };
        self.span.set((n, span));
        span
    }

    /// A read of `files` that has not started; `link_name` makes it a link dataset.
    fn new(files: Vec<FileMeta>, options: IngestOptions, link_name: Option<String>) -> Self {
        Reading {
            builder: DatasetBuilder::new(options.clone()),
            file: None,
            files,
            file_index: 0,
            bytes_done: 0,
            options,
            fingerprint: None,
            inputs: Vec::new(),
            link_name,
            span: Cell::new((0, None)),
        }
    }
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answer a request. Ingest requests only set up reading: the shell then calls
    /// [`Session::ingest_file_start`], [`Session::ingest_chunk`], [`Session::ingest_file_end`]
    /// for each file and [`Session::ingest_end`].
    pub fn handle(&mut self, req: Request, out: &mut dyn FnMut(Response)) {
        match req {
            Request::Ingest { files, options } => {
                self.dataset = None;
                self.analysis = None;
                self.reports.clear();
                self.inputs.clear();
                self.activity.clear();
                self.reading = Some(Reading::new(files, options, None));
            }
            Request::LinkAdd { name, files, options } => {
                self.reading = Some(Reading::new(files, options, Some(name)));
            }
            Request::LinkDemo => {
                self.link.demo();
                out(Response::LinkDatasets(self.link.datasets()));
            }
            Request::LinkRemove { index } => match self.link.remove(index) {
                Ok(()) => out(Response::LinkDatasets(self.link.datasets())),
                Err(message) => out(Response::Error { message }),
            },
            Request::LinkRename { index, name } => match self.link.rename(index, &name) {
                Ok(()) => out(Response::LinkDatasets(self.link.datasets())),
                Err(message) => out(Response::Error { message }),
            },
            Request::LinkRun { detect, params } => {
                let mut progress =
                    |stage: &str, fraction: f32| out(Response::AnalysisProgress { stage: stage.to_string(), fraction });
                let done = self.link.run(&detect, &params, &mut progress);
                match done {
                    Ok(summary) => {
                        out(Response::LinkDatasets(self.link.datasets()));
                        out(Response::Linked(summary));
                    }
                    Err(message) => out(Response::Error { message }),
                }
            }
            Request::LinkEvidence { index } => match self.link.evidence(index) {
                Ok(e) => out(Response::LinkEvidence(e)),
                Err(message) => out(Response::Error { message }),
            },
            Request::LinkExport { name } => match self.link.export(&name) {
                Ok((mime, bytes)) => out(Response::Exported { name, mime: mime.into(), bytes: ByteBuf::from(bytes) }),
                Err(message) => out(Response::Error { message }),
            },
            Request::Cancel => {
                if self.reading.take().is_some() {
                    out(Response::Cancelled);
                }
            }
            Request::Analyze { params } => {
                let Some(ds) = &self.dataset else {
                    out(Response::Error {
                        message: "No dataset is loaded: drop a file or load the demo first.".into(),
                    });
                    return;
                };
                let mut progress =
                    |stage: &str, fraction: f32| out(Response::AnalysisProgress { stage: stage.to_string(), fraction });
                match detect::analyze(ds, &params, &mut progress, &|| false) {
                    Ok(an) => {
                        let summary = summarize(ds, &an);
                        self.analysis = Some(an);
                        out(Response::Analyzed(summary));
                    }
                    Err(e) => out(Response::Error { message: e.to_string() }),
                }
            }
            // The shell handles these itself (they need the File objects or stream the demo
            // through the ingest steps); reaching here means a programming error in the shell.
            Request::Demo | Request::Preview { .. } => {
                out(Response::Error { message: "internal error: the worker shell must handle Demo and Preview".into() })
            }
            Request::Layout { scope } => {
                match self.layout(scope, &mut |f| out(Response::LayoutProgress { fraction: f })) {
                    Ok(l) => out(Response::Laid(l)),
                    Err(message) => out(Response::Error { message }),
                }
            }
            Request::Table => match self.table() {
                Ok(t) => out(Response::Table(t)),
                Err(message) => out(Response::Error { message }),
            },
            Request::Account { idx } => match self.account(idx) {
                Ok(d) => out(Response::Account(d)),
                Err(message) => out(Response::Error { message }),
            },
            Request::Export { name } => match self.export(&name) {
                Ok((mime, bytes)) => out(Response::Exported { name, mime: mime.into(), bytes: ByteBuf::from(bytes) }),
                Err(message) => out(Response::Error { message }),
            },
        }
    }

    fn loaded(&self) -> Result<(&Dataset, &Analysis), String> {
        let ds = self.dataset.as_ref().ok_or("No dataset is loaded: drop a file or load the demo first.")?;
        let an = self.analysis.as_ref().ok_or("No analysis yet: run the detection first.")?;
        Ok((ds, an))
    }

    /// Posts and retweets per account (cached per dataset).
    fn activity(&mut self) -> &[(u32, u32)] {
        if let Some(ds) = &self.dataset {
            if self.activity.len() != ds.n_accounts() {
                let mut act = vec![(0u32, 0u32); ds.n_accounts()];
                for (i, &a) in ds.posts.account.iter().enumerate() {
                    if let Some(x) = act.get_mut(a as usize) {
                        x.0 += 1;
                        if ds.posts.kind[i] == Kind::Retweet {
                            x.1 += 1;
                        }
                    }
                }
                self.activity = act;
            }
        }
        &self.activity
    }

    /// Lay out the accounts of `scope` with the edges among them (positions in the worker).
    pub fn layout(&mut self, scope: LayoutScope, progress: &mut dyn FnMut(f32)) -> Result<LaidOut, String> {
        self.activity();
        let (ds, an) = self.loaded()?;
        let nodes: Vec<u32> = match scope {
            LayoutScope::Coordinated => {
                (0..an.accounts.len() as u32).filter(|&i| an.accounts[i as usize].role != Role::Unflagged).collect()
            }
            LayoutScope::Cluster(c) => {
                let cl =
                    an.clusters.get(c as usize).ok_or_else(|| format!("There is no cluster {c} in this analysis."))?;
                let mut v = cl.accounts.clone();
                v.sort_unstable();
                v.dedup();
                v
            }
        };
        let mut local = vec![NONE; ds.n_accounts()];
        for (k, &a) in nodes.iter().enumerate() {
            if let Some(x) = local.get_mut(a as usize) {
                *x = k as u32;
            }
        }
        let mut edges: Vec<(u32, u32, f32)> = an
            .edges
            .iter()
            .filter_map(|e| {
                let (a, b) = (*local.get(e.a as usize)?, *local.get(e.b as usize)?);
                (a != NONE && b != NONE).then_some((a, b, e.weight))
            })
            .collect();
        let mut edges_dropped = 0;
        if edges.len() > MAX_DRAWN_EDGES {
            // keep the heaviest; ties by endpoints so the choice is deterministic
            edges.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
            edges_dropped = (edges.len() - MAX_DRAWN_EDGES) as u64;
            edges.truncate(MAX_DRAWN_EDGES);
        }
        let groups: Vec<u32> = nodes.iter().map(|&a| an.accounts[a as usize].cluster).collect();
        // Coordination edges are heavy (tens to hundreds) inside a cluster: a damped weight
        // influence and a stronger repulsion keep clusters apart without collapsing each one
        // into a single dot.
        let params = LayoutParams { edge_weight_influence: 0.5, scaling: 10.0, ..LayoutParams::default() };
        let pos = layout::layout(nodes.len(), &edges, &groups, &params, progress, &|| false);
        let positions: Vec<f32> = pos.iter().flat_map(|p| [p[0], p[1]]).collect();
        let roles: Vec<u8> = nodes.iter().map(|&a| an.accounts[a as usize].role as u8).collect();
        let activity: Vec<u32> = nodes.iter().map(|&a| self.activity.get(a as usize).map_or(0, |x| x.0)).collect();
        let pairs: Vec<u32> = edges.iter().flat_map(|e| [e.0, e.1]).collect();
        Ok(LaidOut {
            scope: Some(scope),
            n_nodes: nodes.len() as u32,
            nodes: ByteBuf::from(bytemuck::cast_slice::<u32, u8>(&nodes).to_vec()),
            positions: ByteBuf::from(bytemuck::cast_slice::<f32, u8>(&positions).to_vec()),
            roles: ByteBuf::from(roles),
            clusters: ByteBuf::from(bytemuck::cast_slice::<u32, u8>(&groups).to_vec()),
            activity: ByteBuf::from(bytemuck::cast_slice::<u32, u8>(&activity).to_vec()),
            edges: ByteBuf::from(bytemuck::cast_slice::<u32, u8>(&pairs).to_vec()),
            edges_dropped,
        })
    }

    /// The accounts table as columns of bytes.
    pub fn table(&mut self) -> Result<AccountTable, String> {
        self.activity();
        let (ds, an) = self.loaded()?;
        let n = ds.n_accounts();
        let roles: Vec<u8> = an.accounts.iter().map(|v| v.role as u8).collect();
        let clusters: Vec<u32> = an.accounts.iter().map(|v| v.cluster).collect();
        let scores: Vec<f32> = an.accounts.iter().map(|v| v.score).collect();
        let posts: Vec<u32> = self.activity.iter().map(|x| x.0).collect();
        let mut names = String::new();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0u32);
        for i in 0..n {
            names.push_str(&ds.accounts.screen_name[i]);
            names.push('\u{1f}');
            names.push_str(ds.accounts.ids.resolve(i as u32));
            offsets.push(names.len() as u32);
        }
        Ok(AccountTable {
            n: n as u32,
            roles: ByteBuf::from(roles),
            clusters: ByteBuf::from(bytemuck::cast_slice::<u32, u8>(&clusters).to_vec()),
            scores: ByteBuf::from(bytemuck::cast_slice::<f32, u8>(&scores).to_vec()),
            posts: ByteBuf::from(bytemuck::cast_slice::<u32, u8>(&posts).to_vec()),
            names,
            name_offsets: ByteBuf::from(bytemuck::cast_slice::<u32, u8>(&offsets).to_vec()),
        })
    }

    /// Detail of one account for the account panel.
    pub fn account(&mut self, idx: u32) -> Result<AccountDetail, String> {
        self.activity();
        let (ds, an) = self.loaded()?;
        let i = idx as usize;
        if i >= ds.n_accounts() {
            return Err(format!("There is no account {idx} in this dataset."));
        }
        let a = &ds.accounts;
        let v = an.accounts.get(i).ok_or("The analysis does not cover this account.")?;
        let known = |x: u32| (x != u32::MAX).then_some(x);
        let interned = |int: &crate::core::model::Interner, id: u32| {
            if id == NONE || id as usize >= int.len() {
                String::new()
            } else {
                int.resolve(id).to_string()
            }
        };
        let (mut first, mut last) = (None::<i64>, None::<i64>);
        for (p, &acc) in ds.posts.account.iter().enumerate() {
            if acc == idx {
                let t = ds.posts.time_ms(p);
                if t != NO_TIME {
                    first = Some(first.map_or(t, |f| f.min(t)));
                    last = Some(last.map_or(t, |l| l.max(t)));
                }
            }
        }
        let mut samples: Vec<(i64, String)> = ds
            .samples
            .of_account(idx)
            .map(|(p, text)| {
                (if (p as usize) < ds.n_posts() { ds.posts.time_ms(p as usize) } else { NO_TIME }, text.to_string())
            })
            .collect();
        samples.sort();
        let mut partners: Vec<(u32, String, f32)> = an
            .edges
            .iter()
            .filter_map(|e| {
                let other = if e.a == idx {
                    e.b
                } else if e.b == idx {
                    e.a
                } else {
                    return None;
                };
                let name = display_name_of(ds, other);
                Some((other, name, e.weight))
            })
            .collect();
        partners.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)));
        partners.truncate(12);
        let (posts, retweets) = self.activity.get(i).copied().unwrap_or((0, 0));
        Ok(AccountDetail {
            idx,
            id: a.ids.resolve(idx).to_string(),
            screen_name: a.screen_name[i].to_string(),
            display_name: a.display_name[i].to_string(),
            created_at_ms: (a.created_at[i] != NO_TIME).then_some(a.created_at[i]),
            followers: known(a.followers[i]),
            following: known(a.following[i]),
            language: interned(&ds.languages, a.language[i]),
            client: interned(&ds.clients, a.client[i]),
            role: v.role as u8,
            cluster: (v.cluster != NONE).then_some(v.cluster),
            score: v.score,
            reasons: v.reasons.clone(),
            posts,
            retweets,
            first_post_ms: first,
            last_post_ms: last,
            samples,
            partners,
        })
    }

    /// What report.json says about the inputs.
    pub fn run_info(&self) -> RunInfo {
        RunInfo { inputs: self.inputs.clone(), ingest: self.reports.clone(), input_format: None }
    }

    /// One export file: (MIME type, bytes).
    pub fn export(&self, name: &str) -> Result<(&'static str, Vec<u8>), String> {
        let (ds, an) = self.loaded()?;
        let mime = mime_of(name);
        match export::export_file(name, ds, an, &self.run_info()) {
            Some(Ok(bytes)) => Ok((mime, bytes)),
            Some(Err(e)) => Err(format!("{name} could not be written: {e}")),
            None => Err(format!("internal error: there is no export called {name}")),
        }
    }

    /// Whether an ingest is under way.
    pub fn is_reading(&self) -> bool {
        self.reading.is_some()
    }

    /// File `index` of the ingest under way and the read's options (for a shell that has the
    /// file parsed elsewhere, see [`ParseSide`]).
    pub fn ingest_file(&self, index: usize) -> Option<(FileMeta, IngestOptions)> {
        let r = self.reading.as_ref()?;
        Some((r.files.get(index)?.clone(), r.options.clone()))
    }

    /// The shell starts streaming file `index` of the ingest request.
    pub fn ingest_file_start(&mut self, index: usize) {
        if let Some(r) = &mut self.reading {
            r.file_index = index;
            let name = r.files.get(index).map(|f| f.name.clone()).unwrap_or_default();
            r.file = Some(FileIngest::new(&name, &r.options, &mut r.builder));
            r.fingerprint = Some(Fingerprinter::new(&name));
        }
    }

    /// Like [`Session::ingest_file_start`], but the file is read, parsed and hashed elsewhere
    /// (the browser: by the reading worker, with a [`ParseSide`], and the analysis worker): the
    /// session builds the dataset from the batches of builder calls the parser recorded
    /// ([`Session::ingest_batch`]), the first of which begins the file. End it with
    /// [`Session::ingest_file_end_hashed`].
    pub fn ingest_file_start_parsed_elsewhere(&mut self, index: usize) {
        if let Some(r) = &mut self.reading {
            r.file_index = index;
            r.file = None;
            r.fingerprint = None;
        }
    }

    /// The next batch of builder calls of the current file's parser ([`ParseSide`]), made
    /// from `bytes` bytes of the file (0 for the batch that ends it); `batch` is left empty.
    pub fn ingest_batch(&mut self, batch: &mut RecordedCalls, bytes: u64) {
        if let Some(r) = &mut self.reading {
            r.builder.apply(batch);
            r.bytes_done += bytes;
        }
    }

    /// [`Self::ingest_batch`] of a batch as it crossed from the reading worker, applied where it
    /// is (see [`DatasetBuilder::apply_wire`]).
    pub fn ingest_wire_batch(&mut self, batch: &WireBatch, bytes: u64) {
        if let Some(r) = &mut self.reading {
            r.builder.apply_wire(batch);
            r.bytes_done += bytes;
        }
    }

    /// Whether the posts still to come need their texts (see
    /// [`DatasetBuilder::texts_unneeded`]): when not, the side that parses them is told to
    /// leave the texts out ([`ParseSide::drop_texts`]).
    pub fn ingest_texts_unneeded(&self) -> bool {
        self.reading.as_ref().is_some_and(|r| r.builder.texts_unneeded())
    }

    /// The next chunk of the current file.
    pub fn ingest_chunk(&mut self, chunk: &[u8]) {
        if let Some(r) = &mut self.reading {
            if let Some(f) = &mut r.file {
                f.feed(chunk, &mut r.builder);
            }
            if let Some(fp) = &mut r.fingerprint {
                fp.update(chunk);
            }
            r.bytes_done += chunk.len() as u64;
        }
    }

    /// The current file ended.
    /// Stop reading because memory is nearly exhausted: the current file's report says so (with
    /// `message`), and the ingest then ends normally with everything read so far.
    pub fn ingest_stop(&mut self, message: String) {
        if let Some(r) = &mut self.reading {
            r.builder.fatal(message);
        }
    }

    pub fn ingest_file_end(&mut self) {
        if let Some(r) = &mut self.reading {
            if let Some(f) = r.file.take() {
                f.finish(&mut r.builder);
            }
            if let Some(fp) = r.fingerprint.take() {
                r.inputs.push(fp.finish());
            }
        }
    }

    /// The current file ended and the shell hashed it: `sha256` (lower-case hex) of its first
    /// `bytes` bytes, exactly the bytes its batches were made from ([`Session::ingest_batch`]).
    pub fn ingest_file_end_hashed(&mut self, bytes: u64, sha256: String) {
        self.end_file_fingerprinted(|path| InputFingerprint { path, bytes, sha256, ..Default::default() });
    }

    /// The current file ended, and its fingerprint — the SHA-256 of its first `bytes` bytes,
    /// exactly the bytes its batches were made from — is computed after the read, beside the
    /// analysis (the browser app: the reading worker reads the file again and hashes it): it is
    /// given to [`Session::input_hashed`] with the ticket returned here. Until then the input's
    /// `sha256` is empty, so the shell must not let report.json be written before it arrives.
    pub fn ingest_file_end_hash_later(&mut self, bytes: u64) -> Option<u64> {
        self.reading.as_ref()?;
        self.last_ticket += 1;
        let ticket = self.last_ticket;
        self.end_file_fingerprinted(|path| InputFingerprint {
            path,
            bytes,
            pending: Some(ticket),
            ..Default::default()
        });
        Some(ticket)
    }

    /// End the current file with the input fingerprint `input` makes from its name (the shell
    /// fingerprints it, not the session).
    fn end_file_fingerprinted(&mut self, input: impl FnOnce(String) -> InputFingerprint) {
        if let Some(r) = &mut self.reading {
            let path = r.files.get(r.file_index).map(|f| f.name.clone()).unwrap_or_default();
            r.fingerprint = None;
            self.ingest_file_end();
            if let Some(r) = &mut self.reading {
                r.inputs.push(input(path));
            }
        }
    }

    /// The fingerprint of ticket `ticket` ([`Session::ingest_file_end_hash_later`]): its SHA-256
    /// (lower-case hex), or why the file could not be hashed. Whether an input still waited for
    /// it (not when its dataset was replaced since).
    pub fn input_hashed(&mut self, ticket: u64, sha256: Result<String, String>) -> bool {
        let reading = self.reading.iter_mut().flat_map(|r| r.inputs.iter_mut());
        let linked = self.link.entries.iter_mut().flat_map(|e| e.inputs.iter_mut());
        let Some(input) = reading.chain(self.inputs.iter_mut()).chain(linked).find(|i| i.pending == Some(ticket))
        else {
            return false;
        };
        input.pending = None;
        match sha256 {
            Ok(hex) => input.sha256 = hex,
            Err(why) => input.note = Some(why),
        }
        true
    }

    /// Whether an input (being read, loaded, or of a link dataset) still waits for the
    /// fingerprint of `ticket`.
    pub fn awaits_fingerprint(&self, ticket: u64) -> bool {
        let reading = self.reading.iter().flat_map(|r| r.inputs.iter());
        let linked = self.link.entries.iter().flat_map(|e| e.inputs.iter());
        reading.chain(self.inputs.iter()).chain(linked).any(|i| i.pending == Some(ticket))
    }

    /// Posts read so far (cheap: the shell asks after every chunk, for its memory check).
    pub fn ingest_posts(&self) -> u64 {
        self.reading.as_ref().map_or(0, |r| r.builder.n_posts() as u64)
    }

    /// Progress counts now (the shell throttles how often it sends them). Costs a pass over
    /// the posts read (the time span).
    pub fn ingest_progress(&self) -> Option<IngestProgress> {
        let r = self.reading.as_ref()?;
        let cur = r.builder.current_report();
        let rejected = r.builder.reports().iter().map(|f| f.records_rejected).sum();
        let records = r.builder.reports().iter().map(|f| f.records_read).sum();
        Some(IngestProgress {
            file_index: r.file_index as u32,
            n_files: r.files.len() as u32,
            file_name: r.files.get(r.file_index).map(|f| f.name.clone()).unwrap_or_default(),
            format: cur.and_then(|c| c.format).map(|f| f.label().to_string()),
            bytes_done: r.bytes_done,
            bytes_total: r.files.iter().map(|f| f.size).sum(),
            records,
            posts: r.builder.n_posts() as u64,
            accounts: r.builder.n_accounts() as u64,
            rejected,
            time_span_ms: r.time_span(),
            memory_bytes: 0,
        })
    }

    /// All files ended: build the dataset and answer with the summary.
    pub fn ingest_end(&mut self) -> Response {
        let Some(mut r) = self.reading.take() else {
            return Response::Cancelled;
        };
        if let Some(f) = r.file.take() {
            f.finish(&mut r.builder);
        }
        if let Some(fp) = r.fingerprint.take() {
            r.inputs.push(fp.finish());
        }
        if let Some(name) = r.link_name.take() {
            let (ds, reports) = r.builder.finish();
            let files = r.files.iter().map(|f| f.name.clone()).collect();
            return match self.link.add(&name, files, ds, reports, std::mem::take(&mut r.inputs)) {
                Ok(()) => Response::LinkDatasets(self.link.datasets()),
                Err(message) => Response::Error { message },
            };
        }
        self.inputs = std::mem::take(&mut r.inputs);
        let (ds, reports) = r.builder.finish();
        let summary = IngestSummary {
            files: reports.clone(),
            posts: ds.n_posts() as u64,
            accounts: ds.n_accounts() as u64,
            time_span_ms: ds.time_span(),
            model_bytes: ds.heap_bytes() as u64,
            memory_bytes: 0,
        };
        self.reports = reports;
        self.dataset = Some(ds);
        Response::Ingested(summary)
    }
}

/// The parsing half of a read split across two workers, the way `chorus` splits it across two
/// threads: the browser's reading worker feeds each chunk of a file to the file's parser over a
/// recording [`DatasetBuilder`], and sends the calls it recorded, as one [`RecordedCalls`] batch
/// per chunk, to the analysis worker, whose [`Session::ingest_batch`] builds the dataset from
/// them. The dataset and reports are the same as if the session had parsed the chunks itself.
pub struct ParseSide {
    file: Option<FileIngest>,
    recorder: DatasetBuilder,
}

impl ParseSide {
    /// Start parsing a file called `name` (its first batch begins the file). `_size`, the file's
    /// size, is not used to reserve the dataset's columns ahead (`expect_input_bytes`, which the
    /// CLI does): at 10M posts that raised the browser worker's memory high-water mark from
    /// 1,424 to 1,518 MiB, a reservation short of the final size being grown once more.
    pub fn new(name: &str, _size: u64, options: &IngestOptions) -> Self {
        let mut recorder = DatasetBuilder::recording(options.clone());
        let file = FileIngest::new(name, options, &mut recorder);
        ParseSide { file: Some(file), recorder }
    }

    /// Parse the next chunk: the calls it made, in a batch that takes the place of `spare` (an
    /// applied, hence empty, batch whose buffers are reused).
    pub fn feed(&mut self, chunk: &[u8], spare: RecordedCalls) -> RecordedCalls {
        if let Some(f) = &mut self.file {
            f.feed(chunk, &mut self.recorder);
        }
        self.recorder.take_recorded(spare)
    }

    /// The building side said it needs no more texts ([`Session::ingest_texts_unneeded`]): the
    /// posts parsed from now on are sent without them.
    pub fn drop_texts(&mut self) {
        self.recorder.drop_texts();
    }

    /// The file ended: the last calls (a record cut by the end, the file's last diagnostics).
    pub fn finish(&mut self, spare: RecordedCalls) -> RecordedCalls {
        if let Some(f) = self.file.take() {
            f.finish(&mut self.recorder);
        }
        self.recorder.take_recorded(spare)
    }
}

/// The MIME type of an export file, by its extension.
pub fn mime_of(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("csv") => "text/csv;charset=utf-8",
        Some("gexf") => "application/gexf+xml",
        Some("graphml") => "application/graphml+xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Read a small synthetic IO archive (about 6,000 posts, in archive order) the way the browser
/// reads a file, and keep nothing of it: parsed by a [`ParseSide`] and, with `apply`, sent as a
/// batch's wire parts and applied where they are ([`WireBatch`]) to a builder that is then
/// dropped. The workers run it once when they start: a WebAssembly engine compiles a function
/// to optimised code only once it has run hot, and on a first visit that compilation otherwise
/// runs during the first file's read, on the cores the read needs (a return visit, whose
/// optimised code the browser had cached, read 10-15% faster). Returns the calls recorded and
/// the posts built.
pub fn warm_up(apply: bool) -> (usize, usize) {
    use crate::core::synth;
    let Some(params) = synth::scenario("mixed", 7, 0.03) else { return (0, 0) };
    let Ok(data) = synth::generate(&params) else { return (0, 0) };
    let mut tweets = Vec::new();
    if synth::write_tweets_in(&data, synth::RowOrder::Archive, &mut tweets).is_err() {
        return (0, 0);
    }
    let options = IngestOptions::default();
    let mut parse = ParseSide::new("warm_up_tweets_csv_hashed.csv", tweets.len() as u64, &options);
    let mut builder = DatasetBuilder::new(options.clone());
    let mut wire = Vec::new();
    let mut calls = 0;
    let mut take = |batch: &RecordedCalls, builder: &mut DatasetBuilder| {
        calls += batch.len();
        if apply {
            batch.wire_calls(&mut wire);
            if let Ok(b) = WireBatch::new(batch.text(), batch.lens(), &wire) {
                builder.apply_wire(&b);
            }
        }
    };
    let mut spare = RecordedCalls::default();
    for chunk in tweets.chunks(256 << 10) {
        let batch = parse.feed(chunk, spare);
        take(&batch, &mut builder);
        spare = batch;
    }
    let last = parse.finish(spare);
    take(&last, &mut builder);
    (calls, builder.n_posts())
}

/// The bytes of the built-in demo dump: (file name, IO-archive CSV bytes), users file first.
pub fn demo_files() -> Result<Vec<(String, Vec<u8>)>, String> {
    use crate::core::synth;
    let data = synth::generate(&synth::demo())
        .map_err(|e| format!("internal error: the demo dataset could not be generated ({e})"))?;
    let mut users = Vec::new();
    let mut tweets = Vec::new();
    synth::write_users(&data, &mut users).map_err(|e| format!("internal error: demo users ({e})"))?;
    synth::write_tweets(&data, &mut tweets).map_err(|e| format!("internal error: demo tweets ({e})"))?;
    Ok(vec![("demo_users_csv_hashed.csv".to_string(), users), ("demo_tweets_csv_hashed.csv".to_string(), tweets)])
}

/// What the first bytes (`head`, up to [`sniff::MAX_HEAD`]) of file `name` are.
pub fn preview_file(name: &str, head: &[u8]) -> FilePreview {
    let sniffed = sniff::sniff(name, head);
    let (csv, guess) = match &sniffed {
        Sniffed::Csv { format: None, .. } => {
            let p = csv_detect::preview(head, PREVIEW_ROWS);
            let g = csv_detect::guess_mapping(&p.headers);
            (Some(p), Some(g))
        }
        _ => (None, None),
    };
    FilePreview { name: name.to_string(), sniffed, csv, guess }
}

/// "@name" when the account has a screen name, else its id.
pub fn display_name_of(ds: &Dataset, idx: u32) -> String {
    match ds.accounts.screen_name.get(idx as usize) {
        Some(s) if !s.is_empty() => format!("@{s}"),
        _ => ds.accounts.ids.resolve(idx).to_string(),
    }
}

fn cluster_summary(c: &detect::Cluster) -> ClusterSummary {
    ClusterSummary {
        id: c.id,
        size: c.accounts.len() as u32,
        n_core: c.n_core,
        n_amplifiers: c.n_amplifiers,
        strength: c.strength,
        density: c.density,
        median_boost_delay_s: c.median_boost_delay_s,
        echo_share: c.echo_share,
        implied_utc_offset: c.implied_utc_offset,
        hour_profile: c.hour_profile.to_vec(),
        top_hashtags: c.top_hashtags.iter().take(8).cloned().collect(),
        top_domains: c.top_domains.iter().take(8).cloned().collect(),
        top_urls: c.top_urls.iter().take(5).cloned().collect(),
        top_texts: c.top_texts.iter().take(5).cloned().collect(),
        daily: c.daily.clone(),
        spikes: c.spikes.clone(),
        methods: c.methods.iter().map(|(m, s)| (m.name().to_string(), *s)).collect(),
        creation_bursts: c.creation_bursts.iter().map(|b| (b.first_day, b.last_day, b.n_accounts)).collect(),
        n_posts: c.n_posts,
    }
}

fn summarize(ds: &Dataset, an: &Analysis) -> AnalysisSummary {
    // echo-chamber share over all clusters, weighted by each cluster's core size
    let (mut num, mut den) = (0.0, 0.0);
    for c in &an.clusters {
        if let Some(e) = c.echo_share {
            num += e * c.n_core.max(1) as f64;
            den += c.n_core.max(1) as f64;
        }
    }
    AnalysisSummary {
        accounts: ds.n_accounts() as u64,
        posts: ds.n_posts() as u64,
        clusters: an.clusters.len() as u64,
        core: an.n_role(Role::Core) as u64,
        amplifiers: an.n_role(Role::Amplifier) as u64,
        edges: an.edges.len() as u64,
        warnings: an.warnings.clone(),
        echo_share: (den > 0.0).then(|| num / den),
        clusters_list: an.clusters.iter().map(cluster_summary).collect(),
        methods: an.methods.iter().map(|m| (m.kind.name().to_string(), m.edges, m.budget_hit)).collect(),
        memory_bytes: 0,
    }
}
