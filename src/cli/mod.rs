//! The `chorus` command line (native only).
//! Each subcommand lives in its own file; this file only lists them.
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod analyze;
mod eval;
pub mod input;
mod inspect;
mod link;
mod network;
pub mod pipeline;
mod synth;

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
    /// Link datasets: `chorus link A… -- B… [-- C…] --out DIR [--names a,b,c] [--param NAME=VALUE]…` writes
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
        /// Order of the tweets file's rows: `time`, or `archive` (in no time order, as in the
        /// published archives)
        #[arg(long, default_value = "time")]
        rows: String,
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
    /// One coordination network exactly as coordination-network-toolkit 1.5.2 computes it,
    /// written as its `output_gephi_csv` (source,target,weight,edge_type).
    Network {
        /// co_retweet, co_tweet, co_reply, co_link, co_similar_tweet or co_post
        network_type: String,
        /// Seconds: partner messages at most this far apart (inclusive)
        #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
        time_window: f64,
        /// Keep edges whose weight (distinct messages of the source) is at least this
        #[arg(long, default_value_t = 2, allow_negative_numbers = true)]
        min_edge_weight: i64,
        /// co_similar_tweet: Jaccard similarity threshold
        #[arg(long, default_value_t = 0.8)]
        similarity_threshold: f64,
        /// co_similar_tweet: documents with fewer words have similarity 0
        #[arg(long, default_value_t = 1.0)]
        min_document_size: f64,
        /// Most co-action pairs to generate before stopping with a message
        #[arg(long, default_value_t = 200_000_000)]
        pair_budget: u64,
        /// Input format name (toolkit, io-tweets, twarc2, twarc-csv, v1, coortweet, csv, ...); detected when absent
        #[arg(long)]
        input_format: Option<String>,
        /// Output CSV
        #[arg(short = 'o', long = "output", required = true)]
        output: PathBuf,
        /// Input files
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Link(args) => link::run(&args),
        Command::Synth { scenario, seed, scale, out, rows } => synth::run(&scenario, seed, scale, &out, &rows),
        Command::Eval { truth, accounts, json } => eval::run(&truth, &accounts, json),
        Command::Network {
            network_type,
            time_window,
            min_edge_weight,
            similarity_threshold,
            min_document_size,
            pair_budget,
            input_format,
            output,
            files,
        } => network::run(network::Args {
            network_type,
            time_window,
            min_edge_weight,
            similarity_threshold,
            min_document_size,
            pair_budget,
            input_format,
            files,
            output,
        }),
    }
}
