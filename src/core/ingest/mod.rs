//! Ingest: push parsers for every supported format, all feeding one [`DatasetBuilder`].
//!
//! Shape (after BurntSushi's csv-core): a parser is fed bytes in any chunking with
//! `feed(chunk, &mut builder)` and closed with `finish(&mut builder)`; the result never depends
//! on the chunking. Every record read is either kept, reported as a duplicate, or rejected with a
//! [`Diagnostic`] carrying its record number, line and byte offset:
//! `records_read == records_kept + duplicates + records_rejected` for every file.

pub mod builder;
pub mod csv;
pub mod csv_detect;
pub mod gz;
pub mod io_archive;
pub mod json;
pub mod sniff;
pub mod stream;
pub mod tables;
pub mod text;
pub mod time;
pub mod zip;

pub use builder::{AccountRecord, DatasetBuilder, FileReport, IngestOptions, PostRecord};
pub use csv_detect::{auto_csv_parser, csv_parser, detect_csv_format, guess_mapping, preview, CsvPreview};
pub use stream::FileIngest;

use serde::{Deserialize, Serialize};

/// The formats Chorus reads (see shared FORMATS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// Twitter information-operations archive, tweets file (`*_tweets_csv_hashed.csv`).
    IoTweets,
    /// Twitter information-operations archive, users file (`*_users_csv_hashed.csv`).
    IoUsers,
    /// Twitter API v2 JSON lines (twarc2): API response pages or one tweet per line.
    Twarc2Jsonl,
    /// twarc-csv flattened v2 CSV.
    TwarcCsv,
    /// Twitter API v1.1 JSON lines (twarc1).
    V1Jsonl,
    /// CooRTweet input table: `object_id, account_id, content_id, timestamp_share`.
    Coortweet,
    /// coordination-network-toolkit CSV: `message_id, user_id, username, repost_id, reply_id,
    /// message, timestamp, urls`.
    Toolkit,
    /// Any other CSV, read through a user-given [`ColumnMapping`].
    GenericCsv,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::IoTweets,
        Format::IoUsers,
        Format::Twarc2Jsonl,
        Format::TwarcCsv,
        Format::V1Jsonl,
        Format::Coortweet,
        Format::Toolkit,
        Format::GenericCsv,
    ];
    /// Stable short name (CLI `--input-format`, report.json).
    pub fn name(self) -> &'static str {
        match self {
            Format::IoTweets => "io-tweets",
            Format::IoUsers => "io-users",
            Format::Twarc2Jsonl => "twarc2",
            Format::TwarcCsv => "twarc-csv",
            Format::V1Jsonl => "v1",
            Format::Coortweet => "coortweet",
            Format::Toolkit => "toolkit",
            Format::GenericCsv => "csv",
        }
    }
    /// Human-readable name for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Format::IoTweets => "Twitter IO archive — tweets",
            Format::IoUsers => "Twitter IO archive — users",
            Format::Twarc2Jsonl => "Twitter API v2 JSON lines (twarc2)",
            Format::TwarcCsv => "twarc-csv (flattened v2)",
            Format::V1Jsonl => "Twitter API v1.1 JSON lines (twarc1)",
            Format::Coortweet => "CooRTweet table",
            Format::Toolkit => "coordination-network-toolkit CSV",
            Format::GenericCsv => "CSV with a column mapping",
        }
    }
    pub fn from_name(s: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(s))
    }
}

/// A mapping from an unknown CSV's header names to Chorus's fields. `None` = not present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub account: Option<String>,
    pub screen_name: Option<String>,
    pub time: Option<String>,
    pub post_id: Option<String>,
    pub repost_of: Option<String>,
    pub reply_to: Option<String>,
    pub quoted: Option<String>,
    pub text: Option<String>,
    pub urls: Option<String>,
    pub hashtags: Option<String>,
    pub mentions: Option<String>,
}

/// A push parser: bytes in, records into the builder.
pub trait PushParser {
    /// Consume `chunk` (any size, any boundary).
    fn feed(&mut self, chunk: &[u8], out: &mut DatasetBuilder);
    /// The input ended: flush the last record and report a truncated one.
    fn finish(&mut self, out: &mut DatasetBuilder);
}
