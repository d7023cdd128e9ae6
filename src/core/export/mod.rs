//! Exports: the files a researcher takes away from an analysis.
//!
//! `accounts.csv`, `clusters.csv`, `edges.csv`, `network.gexf`, `network.graphml` and
//! `report.json`. The same functions serve the native CLI (`chorus analyze --out DIR`) and the
//! browser's download buttons: each writes to any `std::io::Write` (or returns a `Vec<u8>` through
//! [`to_vec`] / [`export_file`] / [`export_all`]). The writers issue many small writes: give
//! them a `Vec<u8>` or a `BufWriter`, not a bare `File`.
//!
//! The files (columns in `csv::ACCOUNTS_COLUMNS`, `csv::CLUSTERS_COLUMNS`, `csv::EDGES_COLUMNS`):
//! - `accounts.csv`: one row per account of the dataset: `account_id,screen_name,role,cluster,
//!   score,reasons` (role `core|amplifier|unflagged`, cluster empty when none, reasons joined by
//!   `; `), then `reason_codes,posts,retweets,created_at,followers,following`;
//! - `clusters.csv`: one row per cluster with its measures, top lists as `item (count); …`, days
//!   as ISO dates;
//! - `edges.csv`: `source,target,weight,n_objects,methods` (account ids, the lower id as source;
//!   heaviest first; methods joined by `;`);
//! - `network.gexf` (GEXF 1.3) and `network.graphml`: flagged accounts and every account in an
//!   edge, node id = account id, attributes role/cluster/score/screen_name/posts, weighted
//!   undirected edges; both carry the provenance (version, parameters, input fingerprints);
//! - `report.json`: [`report::Report`].
//!
//! An account id that would start a formula appears as `'id` in every CSV (the same in
//! accounts.csv and edges.csv, so joins still work); the network files carry ids as they are
//! (characters illegal in XML become U+FFFD, and such an id gets a `~N` suffix to stay unique).
//!
//! Invariants:
//! - deterministic: the output depends only on the dataset, the analysis and the [`RunInfo`]
//!   (no clock, no hash-map order); the same input and parameters give byte-identical files;
//!   nodes and edges are ordered, and edges oriented (source < target), by account id, not by
//!   the account indices, so the same rows in another order give the same accounts.csv,
//!   edges.csv and network files (but for the inputs' fingerprints they record);
//! - hostile content is inert: every string that comes from the data goes through [`csv_text`]
//!   (formula neutralisation, control characters replaced by U+FFFD, RFC 4180 quoting) or [`xml_text`] /
//!   [`xml_attr`] (escaping, characters illegal in XML 1.0 replaced by U+FFFD). Bidi overrides and zero-width
//!   characters are kept as data: they cannot break a CSV or XML structure.

pub mod csv;
pub mod gexf;
pub mod graphml;
pub mod report;

use crate::core::detect::{AccountVerdict, Analysis, CoAction, Role};
pub use crate::core::ingest::time::civil_from_days;
use crate::core::ingest::FileReport;
use crate::core::model::{AccountIdx, Dataset, Kind, NONE, NO_TIME};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

pub use self::csv::{accounts_csv, clusters_csv, edges_csv};
pub use gexf::gexf;
pub use graphml::graphml;
pub use report::report_json;

/// An input file's identity (for report.json): as given, its size and its SHA-256 (hex).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFingerprint {
    pub path: String,
    pub bytes: u64,
    /// Lower-case hex; empty when the file could not be fingerprinted (`note` says why).
    pub sha256: String,
    /// Why there is no fingerprint (the browser could not read the file again after reading it:
    /// it changed or was removed in between).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The browser app fingerprints a file after reading it, beside the analysis: until the
    /// digest arrives this is its ticket (the protocol's `Session::input_hashed`) and
    /// `sha256` is empty. Never written out.
    #[serde(skip)]
    pub pending: Option<u64>,
}

/// Computes an [`InputFingerprint`] while a file streams by (the CLI and the worker feed it the
/// same chunks they feed the parser).
pub struct Fingerprinter {
    path: String,
    bytes: u64,
    hasher: sha2::Sha256,
}

impl Fingerprinter {
    pub fn new(path: &str) -> Self {
        use sha2::Digest;
        Fingerprinter { path: path.to_string(), bytes: 0, hasher: sha2::Sha256::new() }
    }
    pub fn update(&mut self, chunk: &[u8]) {
        use sha2::Digest;
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
    }
    pub fn finish(self) -> InputFingerprint {
        use sha2::Digest;
        let digest = self.hasher.finalize();
        let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
        InputFingerprint { path: self.path, bytes: self.bytes, sha256, ..Default::default() }
    }
}

/// What report.json says about the run besides the analysis: the inputs and what ingest made of
/// them. Nothing here may depend on the clock.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub inputs: Vec<InputFingerprint>,
    pub ingest: Vec<FileReport>,
    /// The input format the user forced (short name, e.g. `toolkit`); `None` = detected.
    pub input_format: Option<String>,
}

/// One exported file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFile {
    /// File name, e.g. `accounts.csv`.
    pub name: &'static str,
    /// MIME type for a browser download.
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// Names of the six exports, in the order [`export_all`] returns them.
pub const FILE_NAMES: [&str; 6] =
    ["accounts.csv", "clusters.csv", "edges.csv", "network.gexf", "network.graphml", "report.json"];

/// All six exports, in memory, in the order of [`FILE_NAMES`].
pub fn export_all(ds: &Dataset, an: &Analysis, run: &RunInfo) -> io::Result<Vec<ExportFile>> {
    let csv = "text/csv;charset=utf-8";
    Ok(vec![
        ExportFile { name: FILE_NAMES[0], mime: csv, bytes: to_vec(|w| accounts_csv(ds, an, w))? },
        ExportFile { name: FILE_NAMES[1], mime: csv, bytes: to_vec(|w| clusters_csv(ds, an, w))? },
        ExportFile { name: FILE_NAMES[2], mime: csv, bytes: to_vec(|w| edges_csv(ds, an, w))? },
        ExportFile { name: FILE_NAMES[3], mime: "application/gexf+xml", bytes: to_vec(|w| gexf(ds, an, run, w))? },
        ExportFile {
            name: FILE_NAMES[4],
            mime: "application/graphml+xml",
            bytes: to_vec(|w| graphml(ds, an, run, w))?,
        },
        ExportFile { name: FILE_NAMES[5], mime: "application/json", bytes: to_vec(|w| report_json(ds, an, run, w))? },
    ])
}

/// One export by file name (one of [`FILE_NAMES`]), e.g. for a single download button;
/// `None` for an unknown name.
pub fn export_file(name: &str, ds: &Dataset, an: &Analysis, run: &RunInfo) -> Option<io::Result<Vec<u8>>> {
    let mut out = Vec::new();
    write_file(name, ds, an, run, &mut out).map(|r| r.map(|()| out))
}

/// Write one export by file name (one of [`FILE_NAMES`]) to `w` without holding it in memory
/// (the CLI streams each file to disk this way); `None` for an unknown name.
pub fn write_file(
    name: &str,
    ds: &Dataset,
    an: &Analysis,
    run: &RunInfo,
    w: &mut impl Write,
) -> Option<io::Result<()>> {
    Some(match name {
        "accounts.csv" => accounts_csv(ds, an, w),
        "clusters.csv" => clusters_csv(ds, an, w),
        "edges.csv" => edges_csv(ds, an, w),
        "network.gexf" => gexf(ds, an, run, w),
        "network.graphml" => graphml(ds, an, run, w),
        "report.json" => report_json(ds, an, run, w),
        _ => return None,
    })
}

/// Run one writer function into a fresh buffer.
pub fn to_vec(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    f(&mut out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Shared views of the dataset and the analysis.
// ---------------------------------------------------------------------------------------------

/// The verdict on account `i`; an analysis shorter than the dataset (never produced by
/// `detect::analyze`) reads as "unflagged" rather than panicking.
pub(crate) fn verdict(an: &Analysis, i: usize) -> Option<&AccountVerdict> {
    an.accounts.get(i)
}

pub(crate) fn role_of(an: &Analysis, i: usize) -> Role {
    verdict(an, i).map_or(Role::Unflagged, |v| v.role)
}

/// Cluster id of account `i`, `None` when not in a cluster.
pub(crate) fn cluster_of(an: &Analysis, i: usize) -> Option<u32> {
    verdict(an, i).map(|v| v.cluster).filter(|&c| c != NONE)
}

/// Per-account activity counts: (all posts, retweets).
pub(crate) fn activity(ds: &Dataset) -> (Vec<u32>, Vec<u32>) {
    let n = ds.n_accounts();
    let (mut posts, mut retweets) = (vec![0u32; n], vec![0u32; n]);
    for (&a, &k) in ds.posts.account.iter().zip(&ds.posts.kind) {
        if let Some(p) = posts.get_mut(a as usize) {
            *p += 1;
            if k == Kind::Retweet {
                retweets[a as usize] += 1;
            }
        }
    }
    (posts, retweets)
}

/// The accounts drawn in the network files: every flagged account and every account in an edge,
/// in account-id order (so that the files do not depend on the order of the input rows, which
/// sets the account indices).
pub(crate) fn graph_nodes(ds: &Dataset, an: &Analysis) -> Vec<AccountIdx> {
    let n = ds.n_accounts();
    let mut keep = vec![false; n];
    for (i, k) in keep.iter_mut().enumerate() {
        *k = role_of(an, i) != Role::Unflagged;
    }
    for e in &an.edges {
        for x in [e.a, e.b] {
            if let Some(k) = keep.get_mut(x as usize) {
                *k = true;
            }
        }
    }
    let mut nodes: Vec<AccountIdx> = (0..n as u32).filter(|&i| keep[i as usize]).collect();
    nodes.sort_by(|&x, &y| ds.accounts.ids.resolve(x).cmp(ds.accounts.ids.resolve(y)).then(x.cmp(&y)));
    nodes
}

/// An edge whose both ends are accounts of the dataset, with its ends in account-id order.
pub(crate) struct ValidEdge<'a> {
    pub edge: &'a crate::core::detect::Edge,
    /// The end with the lower account id, and the other.
    pub lo: AccountIdx,
    pub hi: AccountIdx,
}

/// Edges whose both ends are accounts of the dataset, oriented and sorted by account id.
pub(crate) fn valid_edges<'a>(ds: &Dataset, an: &'a Analysis) -> Vec<ValidEdge<'a>> {
    let n = ds.n_accounts() as u32;
    let (_, rank) = ds.accounts_by_id();
    let mut edges: Vec<ValidEdge<'a>> = an
        .edges
        .iter()
        .filter(|e| e.a < n && e.b < n && e.a != e.b)
        .map(|edge| {
            let (lo, hi) =
                if rank[edge.a as usize] < rank[edge.b as usize] { (edge.a, edge.b) } else { (edge.b, edge.a) };
            ValidEdge { edge, lo, hi }
        })
        .collect();
    edges.sort_by_key(|e| (rank[e.lo as usize], rank[e.hi as usize]));
    edges
}

/// Provenance carried inside the network files (DETECTION.md, Reproducibility): the Chorus
/// version, every detection parameter and the input fingerprints, as compact JSON strings
/// `(version, params, inputs)`.
pub(crate) fn provenance(an: &Analysis, run: &RunInfo) -> (String, String, String) {
    let params = serde_json::to_string(&an.params).unwrap_or_default();
    let inputs = serde_json::to_string(&run.inputs).unwrap_or_default();
    (env!("CARGO_PKG_VERSION").to_string(), params, inputs)
}

/// Names of the methods in a [`CoAction::bit`] set, in their canonical order, joined by `;`.
pub fn method_names(bits: u16) -> String {
    let names: Vec<&str> = CoAction::ALL.iter().filter(|m| bits & m.bit() != 0).map(|m| m.name()).collect();
    names.join(";")
}

/// What both graph writers need: the exported nodes, their XML ids, each account's node
/// position (`u32::MAX` when not a node) and posts per account.
pub(crate) struct GraphNodes {
    pub nodes: Vec<AccountIdx>,
    pub ids: Vec<String>,
    pub pos: Vec<u32>,
    pub posts: Vec<u32>,
}

impl GraphNodes {
    pub(crate) fn new(ds: &Dataset, an: &Analysis) -> Self {
        let nodes = graph_nodes(ds, an);
        let ids = node_ids(ds, &nodes);
        let mut pos = vec![u32::MAX; ds.n_accounts()];
        for (k, &i) in nodes.iter().enumerate() {
            pos[i as usize] = k as u32;
        }
        let (posts, _) = activity(ds);
        GraphNodes { nodes, ids, pos, posts }
    }
}

/// Node ids of the network files for `nodes`: the account id, made XML-safe; an id that had to be
/// changed (illegal characters replaced) gets `~index` appended, and more `~` until it is unique, so two
/// accounts can never share a node.
pub(crate) fn node_ids(ds: &Dataset, nodes: &[AccountIdx]) -> Vec<String> {
    let raw: Vec<&str> = nodes.iter().map(|&i| ds.accounts.ids.resolve(i)).collect();
    let clean: Vec<String> = raw.iter().map(|s| xml_clean(s)).collect();
    let mut taken: std::collections::BTreeSet<String> =
        raw.iter().zip(&clean).filter(|(r, c)| **r == c.as_str()).map(|(_, c)| c.clone()).collect();
    let mut out = Vec::with_capacity(nodes.len());
    for ((&idx, r), c) in nodes.iter().zip(&raw).zip(clean) {
        if *r == c.as_str() {
            out.push(c);
            continue;
        }
        let mut id = format!("{c}~{idx}");
        while taken.contains(&id) {
            id.push('~');
        }
        taken.insert(id.clone());
        out.push(id);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Making hostile strings inert.
// ---------------------------------------------------------------------------------------------

/// Characters that start a formula in spreadsheet software (OWASP "CSV injection").
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell for CSV: C0/C1 control characters other than tab, LF and CR (NUL, ESC, …, which
/// break readers or terminals) become U+FFFD, so the cell shows that something was there; a
/// cell that would start a formula gets a leading `'` (OWASP). Quoting is the CSV writer's job.
/// Use only for text columns: numbers are written as they are, so `-3` stays a number.
pub fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    let is_bad = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let cleaned: std::borrow::Cow<str> = if s.chars().any(is_bad) {
        s.chars().map(|c| if is_bad(c) { '\u{fffd}' } else { c }).collect::<String>().into()
    } else {
        s.into()
    };
    if cleaned.starts_with(FORMULA_START) {
        format!("'{cleaned}").into()
    } else {
        cleaned
    }
}

/// Whether `c` may appear in an XML 1.0 document (`Char` production), minus the C1 controls
/// and DEL, which are legal but only ever noise or an attack in our data.
fn xml_allowed(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => false,
        '\u{fffe}' | '\u{ffff}' => false,
        _ => true,
    }
}

/// `s` with the characters illegal in XML 1.0 (and C1 controls) replaced by U+FFFD.
pub fn xml_clean(s: &str) -> String {
    s.chars().map(|c| if xml_allowed(c) { c } else { '\u{fffd}' }).collect()
}

/// Append `s` escaped for XML element content.
pub fn xml_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if xml_allowed(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
}

/// Append `s` escaped for a double-quoted XML attribute value (whitespace kept as character
/// references, so attribute normalisation does not change it).
pub fn xml_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if xml_allowed(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers and dates.
// ---------------------------------------------------------------------------------------------

/// An `f32` for a numeric cell: its own shortest round-trip form (not the widened `f64`'s),
/// empty when not finite.
pub(crate) fn num32(v: f32) -> String {
    if v.is_finite() {
        let s = format!("{v}");
        if s == "-0" {
            "0".into()
        } else {
            s
        }
    } else {
        String::new()
    }
}

/// `v` rounded to `digits` decimals, for scores and shares (stable, readable).
pub(crate) fn num_fixed(v: f64, digits: usize) -> String {
    if v.is_finite() {
        let s = format!("{v:.digits$}");
        let t = s.trim_end_matches('0').trim_end_matches('.');
        match t {
            "" | "-0" => "0".into(),
            t => t.into(),
        }
    } else {
        String::new()
    }
}

/// ISO 8601 date (`YYYY-MM-DD`) of a day count since the epoch.
pub fn iso_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// ISO 8601 UTC time (`YYYY-MM-DDTHH:MM:SSZ`) of milliseconds since the epoch; empty for
/// [`NO_TIME`].
pub fn iso_time(ms: i64) -> String {
    if ms == NO_TIME {
        return String::new();
    }
    let s = ms.div_euclid(1000);
    let (days, sod) = (s.div_euclid(86_400), s.rem_euclid(86_400));
    format!("{}T{:02}:{:02}:{:02}Z", iso_day(days), sod / 3600, sod % 3600 / 60, sod % 60)
}

/// Write a whole buffer (helper for the XML writers, which build text in memory per chunk).
pub(crate) fn flush(w: &mut impl Write, buf: &mut String) -> io::Result<()> {
    w.write_all(buf.as_bytes())?;
    buf.clear();
    Ok(())
}
