//! `chorus inspect FILE…`: read files and print what was read.
use super::input::read_inputs;
use crate::core::ingest::IngestOptions;
use std::path::PathBuf;

pub fn run(files: &[PathBuf]) -> i32 {
    let inputs = match read_inputs(files, &IngestOptions::default()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("chorus: {e}");
            return 1;
        }
    };
    for r in &inputs.reports {
        println!(
            "{}: {} bytes, {} records ({} kept, {} duplicates, {} rejected)",
            r.name, r.bytes, r.records_read, r.records_kept, r.duplicates, r.records_rejected
        );
        if let Some(f) = &r.fatal {
            println!("  stopped: {f}");
        }
    }
    println!("{} posts, {} accounts", inputs.dataset.n_posts(), inputs.dataset.n_accounts());
    0
}
