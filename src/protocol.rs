//! The one closed protocol between the UI thread and the worker.
//!
//! The UI sends a [`Request`]; the worker answers with [`Response`]s. [`Session::handle`] is pure
//! (no web types, no clock): the worker shell only moves bytes and messages. File contents arrive
//! through [`Session::ingest_chunk`] as the shell streams each `File`, so the same code is driven
//! by native tests with byte slices. Large arrays travel as bytes (`serde_bytes`), which
//! serde-wasm-bindgen turns into one `Uint8Array` instead of per-item objects.

use crate::core::detect::{self, Analysis, DetectParams};
use crate::core::ingest::{DatasetBuilder, FileIngest, FileReport, IngestOptions};
use crate::core::model::Dataset;
use serde::{Deserialize, Serialize};

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
}

/// What was read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestSummary {
    pub files: Vec<FileReport>,
    pub posts: u64,
    pub accounts: u64,
    pub time_span_ms: Option<(i64, i64)>,
    pub model_bytes: u64,
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
}

/// Worker -> UI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// The worker is loaded and listening.
    Ready,
    IngestProgress(IngestProgress),
    Ingested(IngestSummary),
    AnalysisProgress { stage: String, fraction: f32 },
    Analyzed(AnalysisSummary),
    Cancelled,
    /// Something went wrong; `message` is specific and says what to do.
    Error { message: String },
}

/// The worker's state: the dataset being read or loaded, and the last analysis.
#[derive(Default)]
pub struct Session {
    reading: Option<Reading>,
    pub dataset: Option<Dataset>,
    pub reports: Vec<FileReport>,
    pub analysis: Option<Analysis>,
}

struct Reading {
    builder: DatasetBuilder,
    file: Option<FileIngest>,
    files: Vec<FileMeta>,
    file_index: usize,
    bytes_done: u64,
    options: IngestOptions,
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
                self.reading = Some(Reading {
                    builder: DatasetBuilder::new(options.clone()),
                    file: None,
                    files,
                    file_index: 0,
                    bytes_done: 0,
                    options,
                });
            }
            Request::Cancel => {
                if self.reading.take().is_some() {
                    out(Response::Cancelled);
                }
            }
            Request::Analyze { params } => {
                let Some(ds) = &self.dataset else {
                    out(Response::Error { message: "No dataset is loaded: drop a file or load the demo first.".into() });
                    return;
                };
                let mut progress = |stage: &str, fraction: f32| {
                    out(Response::AnalysisProgress { stage: stage.to_string(), fraction })
                };
                match detect::analyze(ds, &params, &mut progress, &|| false) {
                    Ok(an) => {
                        let summary = summarize(ds, &an);
                        self.analysis = Some(an);
                        out(Response::Analyzed(summary));
                    }
                    Err(e) => out(Response::Error { message: e.to_string() }),
                }
            }
        }
    }

    /// Whether an ingest is under way.
    pub fn is_reading(&self) -> bool {
        self.reading.is_some()
    }

    /// The shell starts streaming file `index` of the ingest request.
    pub fn ingest_file_start(&mut self, index: usize) {
        if let Some(r) = &mut self.reading {
            r.file_index = index;
            let name = r.files.get(index).map(|f| f.name.clone()).unwrap_or_default();
            r.file = Some(FileIngest::new(&name, &r.options, &mut r.builder));
        }
    }

    /// The next chunk of the current file.
    pub fn ingest_chunk(&mut self, chunk: &[u8]) {
        if let Some(r) = &mut self.reading {
            if let Some(f) = &mut r.file {
                f.feed(chunk, &mut r.builder);
            }
            r.bytes_done += chunk.len() as u64;
        }
    }

    /// The current file ended.
    pub fn ingest_file_end(&mut self) {
        if let Some(r) = &mut self.reading {
            if let Some(f) = r.file.take() {
                f.finish(&mut r.builder);
            }
        }
    }

    /// Progress counts now (the shell throttles how often it sends them).
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
            time_span_ms: r.builder.time_span(),
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
        let (ds, reports) = r.builder.finish();
        let summary = IngestSummary {
            files: reports.clone(),
            posts: ds.n_posts() as u64,
            accounts: ds.n_accounts() as u64,
            time_span_ms: ds.time_span(),
            model_bytes: ds.heap_bytes() as u64,
        };
        self.reports = reports;
        self.dataset = Some(ds);
        Response::Ingested(summary)
    }
}

fn summarize(ds: &Dataset, an: &Analysis) -> AnalysisSummary {
    use detect::Role;
    AnalysisSummary {
        accounts: ds.n_accounts() as u64,
        posts: ds.n_posts() as u64,
        clusters: an.clusters.len() as u64,
        core: an.n_role(Role::Core) as u64,
        amplifiers: an.n_role(Role::Amplifier) as u64,
        edges: an.edges.len() as u64,
        warnings: an.warnings.clone(),
    }
}
