//! `chorus network TYPE …`: one coordination network exactly as coordination-network-toolkit
//! 1.5.2 computes it, written as its `output_gephi_csv` does.
use super::input::read_inputs;
use crate::core::ingest::{Format, IngestOptions};
use crate::core::peer::toolkit::{self, NetworkType, Params};
use std::io::Write;
use std::path::{Path, PathBuf};

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
    let kind = NetworkType::from_name(&a.network_type).ok_or_else(|| {
        format!("unknown network type {:?}; valid types: {}", a.network_type, NetworkType::names())
    })?;
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
    // Verbatim texts and source values; no fingerprints or samples (the toolkit does not use them).
    let opts = IngestOptions { keep_text: true, format, text_fingerprints: false, ..Default::default() };
    let inputs = read_inputs(&a.files, &opts)?;
    for r in &inputs.reports {
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
    let params = Params {
        time_window: a.time_window,
        min_edge_weight: a.min_edge_weight,
        similarity_threshold: a.similarity_threshold,
        min_document_size: a.min_document_size,
        pair_budget: a.pair_budget,
    };
    let net = toolkit::compute(&inputs.dataset, kind, &params).map_err(|e| e.to_string())?;
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
