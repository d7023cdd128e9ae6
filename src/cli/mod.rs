//! The `chorus` command line (native only).
//! Each subcommand lives in its own file; this file only lists them.
use clap::{Parser, Subcommand};

mod analyze;
pub mod input;
mod inspect;

#[derive(Parser, Debug)]
#[command(name = "chorus", version, about = "Find coordinated inauthentic networks in social-media dumps")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read files and print what was read: bytes, records, accounts, rejected rows.
    Inspect(inspect::InspectArgs),
    /// Find coordinated networks and write accounts.csv, clusters.csv, edges.csv,
    /// network.gexf, network.graphml and report.json into --out DIR.
    Analyze(analyze::AnalyzeArgs),
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Analyze(args) => analyze::run(&args),
    }
}

