//! `report.json`: what was computed, from what, with which parameters — enough to reproduce it.
//!
//! Holds the Chorus version, every detection parameter (`DetectParams` as it is), each input's
//! fingerprint (path, bytes, SHA-256), a summary of what ingest read and rejected, counts, the
//! per-method statistics and the warnings. No time of the run: the same input and parameters
//! give a byte-identical report.

use super::*;
use crate::core::detect::{DetectParams, MethodStats};
use crate::core::model::{DiagKind, Diagnostic};

/// How many diagnostics per input file are listed in the report (all are counted).
pub const LISTED_DIAGNOSTICS: usize = 20;

/// The document written to report.json (public so tools and tests can read it back).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Identifies this document's layout.
    pub schema: String,
    pub chorus_version: String,
    pub params: DetectParams,
    /// Input format forced by the user (short name); null when detected per file.
    pub input_format: Option<String>,
    pub inputs: Vec<InputFingerprint>,
    pub ingest: Vec<IngestSummary>,
    pub counts: Counts,
    pub methods: Vec<MethodStats>,
    pub warnings: Vec<String>,
}

/// What ingest made of one file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngestSummary {
    pub name: String,
    /// Format short name (`io-tweets`, `twarc2`, …), null when not recognised.
    pub format: Option<String>,
    pub bytes: u64,
    pub records_read: u64,
    pub records_kept: u64,
    pub duplicates: u64,
    pub records_rejected: u64,
    pub records_repaired: u64,
    /// Diagnostics by kind (all of them), e.g. `{"kind": "bad value", "count": 3}`.
    pub diagnostics_by_kind: Vec<KindCount>,
    /// The first [`LISTED_DIAGNOSTICS`] diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// A file-level error that stopped reading.
    pub fatal: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: String,
    pub code: DiagKind,
    pub count: u64,
}

/// Sizes of the dataset and of the result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub posts: u64,
    pub posts_by_kind: Vec<(String, u64)>,
    pub accounts: u64,
    pub accounts_with_profile: u64,
    /// First and last post time (ISO 8601 UTC), null when no post has a time.
    pub first_post: Option<String>,
    pub last_post: Option<String>,
    pub core: u64,
    pub amplifiers: u64,
    pub unflagged: u64,
    pub clusters: u64,
    pub edges: u64,
}

/// Build the report document.
pub fn report(ds: &Dataset, an: &Analysis, run: &RunInfo) -> Report {
    let mut by_kind = [0u64; 4];
    for &k in &ds.posts.kind {
        by_kind[k as usize] += 1;
    }
    let span = ds.time_span();
    let ingest = run
        .ingest
        .iter()
        .map(|r| IngestSummary {
            name: r.name.clone(),
            format: r.format.map(|f| f.name().to_string()),
            bytes: r.bytes,
            records_read: r.records_read,
            records_kept: r.records_kept,
            duplicates: r.duplicates,
            records_rejected: r.records_rejected,
            records_repaired: r.records_repaired,
            diagnostics_by_kind: r
                .by_kind
                .iter()
                .map(|&(k, n)| KindCount { kind: k.as_str().to_string(), code: k, count: n })
                .collect(),
            diagnostics: r.diagnostics.iter().take(LISTED_DIAGNOSTICS).cloned().collect(),
            fatal: r.fatal.clone(),
        })
        .collect();
    let mut methods = an.methods.clone();
    methods.sort_by_key(|m| m.kind);
    Report {
        schema: "chorus-report/1".into(),
        chorus_version: env!("CARGO_PKG_VERSION").into(),
        params: an.params.clone(),
        input_format: run.input_format.clone(),
        inputs: run.inputs.clone(),
        ingest,
        counts: Counts {
            posts: ds.n_posts() as u64,
            posts_by_kind: Kind::ALL.iter().map(|&k| (k.as_str().to_string(), by_kind[k as usize])).collect(),
            accounts: ds.n_accounts() as u64,
            accounts_with_profile: ds.accounts.has_profile.iter().filter(|&&h| h).count() as u64,
            first_post: span.map(|s| iso_time(s.0)),
            last_post: span.map(|s| iso_time(s.1)),
            core: (0..ds.n_accounts()).filter(|&i| role_of(an, i) == Role::Core).count() as u64,
            amplifiers: (0..ds.n_accounts()).filter(|&i| role_of(an, i) == Role::Amplifier).count() as u64,
            unflagged: (0..ds.n_accounts()).filter(|&i| role_of(an, i) == Role::Unflagged).count() as u64,
            clusters: an.clusters.len() as u64,
            edges: valid_edges(ds, an).len() as u64,
        },
        methods,
        warnings: an.warnings.clone(),
    }
}

/// Write `report.json` (pretty-printed, UTF-8, trailing newline).
pub fn report_json(ds: &Dataset, an: &Analysis, run: &RunInfo, w: &mut impl Write) -> io::Result<()> {
    let doc = report(ds, an, run);
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(io::Error::other)?;
    w.write_all(b"\n")
}
