//! `chorus network TYPE …`: one coordination network exactly as coordination-network-toolkit
//! 1.5.2 computes it, written as its `output_gephi_csv` does.
//!
//! Toolkit CSV files take the light path ([`crate::core::peer::light`]) on two threads: one reads
//! and splits the CSV, the other (this one) de-duplicates, interns and collects the network's
//! events while the next batch is parsed. Other inputs are read into the full dataset.
use super::input::read_inputs;
use crate::core::ingest::sniff::{self, Container, Sniffed};
use crate::core::ingest::{FileReport, Format, IngestOptions};
use crate::core::peer::light::{Batch, Collector, Splitter};
use crate::core::peer::toolkit::{self, Actions, NetworkType, Params};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// Arguments of `chorus network` (see the `Network` subcommand's help).
pub struct Args {
    pub network_type: String,
    pub time_window: f64,
    pub min_edge_weight: i64,
    pub similarity_threshold: f64,
    pub min_document_size: f64,
    pub pair_budget: u64,
    pub input_format: Option<String>,
    pub files: Vec<PathBuf>,
    pub output: PathBuf,
}

pub fn run(a: Args) -> i32 {
    match execute(&a) {
        Ok(()) => 0,
        Err(msg) => {
            eprintln!("chorus network: {msg}");
            1
        }
    }
}

fn execute(a: &Args) -> Result<(), String> {
    let kind = NetworkType::from_name(&a.network_type)
        .ok_or_else(|| format!("unknown network type {:?}; valid types: {}", a.network_type, NetworkType::names()))?;
    let format = match &a.input_format {
        None => None,
        Some(name) => Some(Format::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown input format {name:?}; valid formats: {}", names.join(", "))
        })?),
    };
    if !a.time_window.is_finite() {
        return Err(format!("--time-window must be a finite number of seconds, not {}", a.time_window));
    }
    let params = Params {
        time_window: a.time_window,
        min_edge_weight: a.min_edge_weight,
        similarity_threshold: a.similarity_threshold,
        min_document_size: a.min_document_size,
        pair_budget: a.pair_budget,
    };
    let max_listed = IngestOptions::default().max_listed_diagnostics;
    let net = if all_toolkit_csv(&a.files, format) {
        let (actions, reports) = read_light(&a.files, kind, max_listed)?;
        check_reports(&reports)?;
        toolkit::compute_actions(actions, &params)
    } else {
        // Verbatim texts and source values; no fingerprints or samples (the toolkit does not use them).
        let opts = IngestOptions { keep_text: true, format, text_fingerprints: false, ..Default::default() };
        let inputs = read_inputs(&a.files, &opts)?;
        check_reports(&inputs.reports)?;
        toolkit::compute(&inputs.dataset, kind, &params)
    }
    .map_err(|e| e.to_string())?;
    write_csv(&net, &a.output)?;
    eprintln!(
        "{}: {} messages, {} users, {} co-action pairs, {} edges -> {}",
        kind.name(),
        net.messages,
        net.users.len(),
        net.pairs,
        net.edges.len(),
        a.output.display()
    );
    Ok(())
}

fn write_csv(net: &toolkit::Network, path: &Path) -> Result<(), String> {
    let name = path.display();
    let f = std::fs::File::create(path).map_err(|e| format!("cannot create {name}: {e}"))?;
    let mut w = std::io::BufWriter::new(f);
    toolkit::write_gephi_csv(net, &mut w).and_then(|_| w.flush()).map_err(|e| format!("error writing {name}: {e}"))
}

/// Stop on a file that could not be read; summarise skipped rows.
fn check_reports(reports: &[FileReport]) -> Result<(), String> {
    for r in reports {
        if let Some(fatal) = &r.fatal {
            return Err(format!("{}: {fatal}", r.name));
        }
        if r.records_rejected > 0 || r.duplicates > 0 {
            eprintln!(
                "{}: {} rows read, {} kept, {} duplicate message ids, {} rejected",
                r.name, r.records_read, r.records_kept, r.duplicates, r.records_rejected
            );
            for d in r.diagnostics.iter().filter(|d| d.rejected).take(5) {
                eprintln!("  record {} (line {}): {}", d.at.record, d.at.line, d.message);
            }
        }
    }
    Ok(())
}

/// Whether every file is a plain (uncompressed) toolkit CSV, detected as the full path would
/// (or forced with `--input-format toolkit`). Anything else, or any doubt, takes the full path.
fn all_toolkit_csv(paths: &[PathBuf], format: Option<Format>) -> bool {
    !paths.is_empty() && paths.iter().all(|p| is_toolkit_csv(p, format))
}

fn is_toolkit_csv(path: &Path, format: Option<Format>) -> bool {
    if sniff::unreadable_by_name(&path.display().to_string()).is_some() || path.is_dir() {
        return false;
    }
    let Ok(f) = std::fs::File::open(path) else { return false };
    let mut head = Vec::with_capacity(sniff::MAX_HEAD);
    if f.take(sniff::MAX_HEAD as u64).read_to_end(&mut head).is_err() {
        return false;
    }
    let complete = head.len() < sniff::MAX_HEAD;
    if sniff::sniff_container(&head, true) != Some(Container::None) {
        return false;
    }
    matches!(sniff::sniff_text(&head, complete, format), Some(Sniffed::Csv { format: Some(Format::Toolkit), .. }))
}

/// What the reading thread sends.
enum Msg {
    Begin(String),
    Batch(Batch),
    End { bytes: u64, fatal: Option<String> },
}

/// Read toolkit CSV files on the light path: this thread collects while a second one reads and
/// splits (batches go back to the reader for reuse, so memory stays at a few batches).
fn read_light(paths: &[PathBuf], kind: NetworkType, max_listed: usize) -> Result<(Actions, Vec<FileReport>), String> {
    let total: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let (tx, rx) = mpsc::sync_channel::<Msg>(8);
    let (back, spares) = mpsc::channel::<Batch>();
    let paths = paths.to_vec();
    let reader = std::thread::Builder::new().name("chorus-read".into()).spawn(move || -> Result<(), String> {
        let mut buf = vec![0u8; 256 << 10];
        for path in &paths {
            let name = path.display().to_string();
            let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
            if tx.send(Msg::Begin(name.clone())).is_err() {
                return Ok(());
            }
            let mut sp = Splitter::new(kind);
            let mut bytes = 0u64;
            loop {
                let n = match f.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(format!("error reading {name}: {e}")),
                };
                bytes += n as u64;
                sp.feed(&buf[..n]);
                let batch = sp.take_batch(spares.try_recv().unwrap_or_default());
                if tx.send(Msg::Batch(batch)).is_err() {
                    return Ok(());
                }
            }
            sp.finish();
            let batch = sp.take_batch(Batch::default());
            let fatal = sp.fatal().map(String::from);
            if tx.send(Msg::Batch(batch)).is_err() || tx.send(Msg::End { bytes, fatal }).is_err() {
                return Ok(());
            }
        }
        Ok(())
    });
    let reader = reader.map_err(|e| format!("cannot start the reading thread: {e}"))?;
    let mut c = Collector::new(kind, max_listed, total);
    for msg in rx {
        match msg {
            Msg::Begin(name) => c.begin_file(&name),
            Msg::Batch(b) => {
                c.push(&b);
                let _ = back.send(b);
            }
            Msg::End { bytes, fatal } => c.end_file(bytes, fatal.as_deref()),
        }
    }
    reader.join().map_err(|_| "the reading thread failed".to_string())??;
    Ok(c.finish())
}
