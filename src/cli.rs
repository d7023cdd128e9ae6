//! The `chorus` command line (native only).
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "chorus", version, about = "Find coordinated inauthentic networks in social-media dumps")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read files and print what was read: bytes, records, accounts, rejected rows.
    Inspect {
        /// Input files (CSV, JSON lines, .gz, .zip)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect { files } => inspect(&files),
    }
}

fn inspect(files: &[PathBuf]) -> i32 {
    use crate::core::ingest::{DatasetBuilder, FileIngest, IngestOptions};
    use std::io::Read;
    let opts = IngestOptions::default();
    let mut b = DatasetBuilder::new(opts.clone());
    for path in files {
        let name = path.display().to_string();
        let mut f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("chorus: cannot open {name}: {e}");
                return 1;
            }
        };
        let mut ing = FileIngest::new(&name, &opts, &mut b);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => ing.feed(&buf[..n], &mut b),
                Err(e) => {
                    eprintln!("chorus: error reading {name}: {e}");
                    return 1;
                }
            }
        }
        ing.finish(&mut b);
    }
    let (ds, reports) = b.finish();
    for r in &reports {
        println!("{}: {} bytes, {} records ({} kept, {} duplicates, {} rejected)", r.name, r.bytes, r.records_read, r.records_kept, r.duplicates, r.records_rejected);
    }
    println!("{} posts, {} accounts", ds.n_posts(), ds.n_accounts());
    0
}
