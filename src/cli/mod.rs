//! The `chorus` command line (native only).
//! Each subcommand lives in its own file; this file only lists them.
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod analyze;
pub mod input;
mod inspect;
mod link;
mod synth;
mod eval;

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
    /// Link datasets: `chorus link A… -- B… [-- C…] --out DIR [--names a,b,c]` writes
    /// links.csv, link_accounts.csv, overlap.csv, joint.gexf, joint.graphml, link_report.json.
    Link(link::LinkArgs),
    /// Write a synthetic IO archive (tweets, users) with planted operations and ground truth.
    Synth {
        /// Scenario: mixed, stealthy, copy-paste, slow, hard, organic-only, large, demo
        #[arg(long, default_value = "mixed")]
        scenario: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Multiply the populations by this factor
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Output directory
        #[arg(long)]
        out: PathBuf,
    },
    /// Score an accounts.csv (account_id, role) against a ground-truth CSV.
    Eval {
        #[arg(long)]
        truth: PathBuf,
        #[arg(long)]
        accounts: PathBuf,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Link(args) => link::run(&args),
        Command::Synth { scenario, seed, scale, out } => synth::run(&scenario, seed, scale, &out),
        Command::Eval { truth, accounts, json } => eval::run(&truth, &accounts, json),
    }
}

