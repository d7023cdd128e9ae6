//! `chorus inspect FILE…`: read files and summarise what was read and what was rejected, why,
//! and where (record, line, byte). `--json` prints the same for machines.
use super::analyze::{clean_line, format_from, print_out};
use super::input::{read_inputs, InputFingerprint};
use crate::core::export::iso_time;
use crate::core::ingest::{FileReport, IngestOptions};
use crate::core::model::{Dataset, DiagKind, Kind};
use serde::Serialize;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct InspectArgs {
    /// Input files (CSV, JSON lines, .gz, .zip)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
    /// How many rejected rows to list per file (all are counted)
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_listed: usize,
    /// Input format instead of detecting it (see `chorus analyze --help`)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

/// The summary (`--json` prints it as is).
#[derive(Debug, Serialize)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    pub inputs: Vec<InputFingerprint>,
    pub totals: Totals,
}

#[derive(Debug, Serialize)]
pub struct FileSummary {
    pub name: String,
    /// Short format name, null when not recognised.
    pub format: Option<String>,
    pub format_label: Option<String>,
    pub bytes: u64,
    pub records_read: u64,
    pub records_kept: u64,
    pub duplicates: u64,
    pub records_rejected: u64,
    pub records_repaired: u64,
    /// read == kept + duplicates + rejected.
    pub balanced: bool,
    pub by_reason: Vec<ReasonCount>,
    /// The first N rejected records.
    pub rejected_rows: Vec<Row>,
    /// File-level notes (not about one record), e.g. ignored columns.
    pub notes: Vec<String>,
    /// The error that stopped reading the file, if any.
    pub fatal: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub code: DiagKind,
    pub count: u64,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub record: u64,
    pub line: u64,
    pub byte: u64,
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct Totals {
    pub files: usize,
    pub bytes: u64,
    pub records_read: u64,
    pub records_kept: u64,
    pub duplicates: u64,
    pub records_rejected: u64,
    pub posts: usize,
    pub posts_by_kind: Vec<(String, u64)>,
    pub accounts: usize,
    pub first_post: Option<String>,
    pub last_post: Option<String>,
}

/// Build the summary of what was read.
pub fn summarize(ds: &Dataset, reports: &[FileReport], inputs: &[InputFingerprint], max_listed: usize) -> Summary {
    let files: Vec<FileSummary> = reports
        .iter()
        .map(|r| FileSummary {
            name: r.name.clone(),
            format: r.format.map(|f| f.name().to_string()),
            format_label: r.format.map(|f| f.label().to_string()),
            bytes: r.bytes,
            records_read: r.records_read,
            records_kept: r.records_kept,
            duplicates: r.duplicates,
            records_rejected: r.records_rejected,
            records_repaired: r.records_repaired,
            balanced: r.balanced(),
            by_reason: r
                .by_kind
                .iter()
                .map(|&(k, n)| ReasonCount { reason: k.as_str().into(), code: k, count: n })
                .collect(),
            rejected_rows: r
                .diagnostics
                .iter()
                .filter(|d| d.rejected)
                .take(max_listed)
                .map(|d| Row {
                    record: d.at.record,
                    line: d.at.line,
                    byte: d.at.byte,
                    reason: d.kind.as_str().into(),
                    message: d.message.clone(),
                })
                .collect(),
            notes: r
                .diagnostics
                .iter()
                .filter(|d| !d.rejected && d.at.record == 0)
                .take(max_listed)
                .map(|d| format!("{}: {}", d.kind.as_str(), d.message))
                .collect(),
            fatal: r.fatal.clone(),
        })
        .collect();
    let mut by_kind = [0u64; 4];
    for &k in &ds.posts.kind {
        by_kind[k as usize] += 1;
    }
    let span = ds.time_span();
    let totals = Totals {
        files: inputs.len(),
        bytes: inputs.iter().map(|f| f.bytes).sum(),
        records_read: reports.iter().map(|r| r.records_read).sum(),
        records_kept: reports.iter().map(|r| r.records_kept).sum(),
        duplicates: reports.iter().map(|r| r.duplicates).sum(),
        records_rejected: reports.iter().map(|r| r.records_rejected).sum(),
        posts: ds.n_posts(),
        posts_by_kind: Kind::ALL.iter().map(|&k| (k.as_str().to_string(), by_kind[k as usize])).collect(),
        accounts: ds.n_accounts(),
        first_post: span.map(|s| iso_time(s.0)),
        last_post: span.map(|s| iso_time(s.1)),
    };
    Summary { files, inputs: inputs.to_vec(), totals }
}

/// The summary as text for a terminal (data strings cleaned of control characters).
pub fn render(s: &Summary) -> String {
    let mut o = String::new();
    for f in &s.files {
        let format = f.format_label.as_deref().unwrap_or("format not recognised");
        o.push_str(&format!("{} — {format}, {} bytes\n", clean_line(&f.name), f.bytes));
        o.push_str(&format!(
            "  {} records read: {} kept ({} repaired), {} duplicates, {} rejected{}\n",
            f.records_read,
            f.records_kept,
            f.records_repaired,
            f.duplicates,
            f.records_rejected,
            if f.balanced { "" } else { "  [ACCOUNTING MISMATCH: read ≠ kept + duplicates + rejected]" }
        ));
        if !f.by_reason.is_empty() {
            let parts: Vec<String> = f.by_reason.iter().map(|r| format!("{} {}", r.count, r.reason)).collect();
            o.push_str(&format!("  diagnostics: {}\n", parts.join(", ")));
        }
        for r in &f.rejected_rows {
            o.push_str(&format!(
                "  rejected record {} (line {}, byte {}): {}: {}\n",
                r.record,
                r.line,
                r.byte,
                r.reason,
                clean_line(&r.message)
            ));
        }
        if (f.rejected_rows.len() as u64) < f.records_rejected {
            o.push_str(&format!("  … {} more rejected records\n", f.records_rejected - f.rejected_rows.len() as u64));
        }
        for n in &f.notes {
            o.push_str(&format!("  note: {}\n", clean_line(n)));
        }
        if let Some(e) = &f.fatal {
            o.push_str(&format!("  stopped: {}\n", clean_line(e)));
        }
    }
    let t = &s.totals;
    let kinds: Vec<String> = t.posts_by_kind.iter().filter(|k| k.1 > 0).map(|(k, n)| format!("{n} {k}s")).collect();
    o.push_str(&format!(
        "total: {} files, {} bytes; {} records read, {} kept, {} duplicates, {} rejected\n",
        t.files, t.bytes, t.records_read, t.records_kept, t.duplicates, t.records_rejected
    ));
    o.push_str(&format!(
        "dataset: {} posts{}, {} accounts",
        t.posts,
        if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) },
        t.accounts
    ));
    match (&t.first_post, &t.last_post) {
        (Some(a), Some(b)) => o.push_str(&format!(", {a} to {b}\n")),
        _ => o.push('\n'),
    }
    o
}

/// Run `chorus inspect`; returns the exit code: 0 when every file was read to its end, 1 when a
/// file could not be opened or reading one stopped early.
pub fn run(args: &InspectArgs) -> i32 {
    let format = match format_from(args.format.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("chorus inspect: {e}");
            return 2;
        }
    };
    let opts = IngestOptions { format, ..IngestOptions::default() };
    let inputs = match read_inputs(&args.files, &opts) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("chorus inspect: {e}");
            return 1;
        }
    };
    let s = summarize(&inputs.dataset, &inputs.reports, &inputs.fingerprints, args.max_listed);
    let text = if args.json {
        match serde_json::to_string_pretty(&s) {
            Ok(j) => j + "\n",
            Err(e) => {
                eprintln!("chorus inspect: cannot write JSON: {e}");
                return 1;
            }
        }
    } else {
        render(&s)
    };
    if print_out(&text) != 0 {
        return 1;
    }
    if s.files.iter().any(|f| f.fatal.is_some()) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{AccountRecord, DatasetBuilder, Format, PostRecord};
    use crate::core::model::Position;

    /// A file with 4 good posts, a duplicate, 3 rejected rows (one with a hostile message) and a
    /// file-level note; a second file that stopped early.
    fn reports() -> (Dataset, Vec<FileReport>) {
        let mut b = DatasetBuilder::default();
        b.begin_file("tweets.csv");
        b.set_format(Format::Toolkit);
        b.add_bytes(1234);
        b.note(DiagKind::Unsupported, "column \"extra\" is not used");
        let at = |r: u64| Position { record: r, line: r + 1, byte: r * 40 };
        for i in 0..5u64 {
            let rec = PostRecord {
                id: format!("{}", 100 + i.min(3)),
                author: AccountRecord { id: format!("u{}", i % 2), ..Default::default() },
                time_ms: 1_580_000_000_000 + i as i64 * 60_000,
                kind: if i == 2 { Kind::Retweet } else { Kind::Post },
                ..Default::default()
            };
            b.add_post(&rec, &at(i + 1));
        }
        b.reject(at(6), DiagKind::BadValue, "timestamp \"soon\" is not a time");
        b.reject(at(7), DiagKind::MissingField, "post without an account id");
        b.reject(at(8), DiagKind::BadValue, "bad \u{1b}[31mred\u{1b}[0m value");
        b.begin_file("part2.csv.gz");
        b.add_bytes(10);
        b.fatal("truncated gzip stream");
        b.finish()
    }

    #[test]
    fn summary_counts_every_record_and_lists_the_first_rejected() {
        let (ds, reports) = reports();
        let inputs = vec![
            InputFingerprint { path: "tweets.csv".into(), bytes: 1234, sha256: "a".repeat(64), ..Default::default() },
            InputFingerprint { path: "part2.csv.gz".into(), bytes: 10, sha256: "b".repeat(64), ..Default::default() },
        ];
        let s = summarize(&ds, &reports, &inputs, 2);
        let f = &s.files[0];
        assert_eq!(f.format.as_deref(), Some("toolkit"));
        assert_eq!((f.records_read, f.records_kept, f.duplicates, f.records_rejected), (8, 4, 1, 3));
        assert!(f.balanced);
        assert_eq!(f.rejected_rows.len(), 2, "first N listed");
        assert_eq!((f.rejected_rows[0].record, f.rejected_rows[0].line, f.rejected_rows[0].byte), (6, 7, 240));
        let reasons: Vec<(&str, u64)> = f.by_reason.iter().map(|r| (r.reason.as_str(), r.count)).collect();
        assert!(reasons.contains(&("bad value", 2)) && reasons.contains(&("duplicate post", 1)), "{reasons:?}");
        assert_eq!(f.notes, ["unsupported input: column \"extra\" is not used"]);
        assert_eq!(s.files[1].fatal.as_deref(), Some("truncated gzip stream"));
        assert_eq!((s.totals.files, s.totals.bytes, s.totals.posts, s.totals.accounts), (2, 1244, 4, 2));
        assert_eq!(s.totals.records_read, 8);
        assert_eq!(s.totals.first_post.as_deref(), Some("2020-01-26T00:53:20Z"));
        assert_eq!(s.totals.last_post.as_deref(), Some("2020-01-26T00:56:20Z"));

        let text = render(&s);
        assert!(text.contains("tweets.csv — coordination-network-toolkit CSV, 1234 bytes"), "{text}");
        assert!(text.contains("8 records read: 4 kept (0 repaired), 1 duplicates, 3 rejected"), "{text}");
        assert!(
            text.contains("rejected record 6 (line 7, byte 240): bad value: timestamp \"soon\" is not a time"),
            "{text}"
        );
        assert!(text.contains("… 1 more rejected records"), "{text}");
        assert!(text.contains("part2.csv.gz — format not recognised"), "{text}");
        assert!(text.contains("stopped: truncated gzip stream"), "{text}");
        assert!(text.contains("dataset: 4 posts (3 posts, 1 retweets), 2 accounts, 2020-01-26T00:53:20Z to"), "{text}");

        let all = summarize(&ds, &reports, &inputs, 10);
        let text = render(&all);
        assert!(text.contains("bad �[31mred�[0m value"), "no escape sequence reaches the terminal: {text}");
        let json = serde_json::to_value(&all).unwrap();
        assert_eq!(json["files"][0]["rejected_rows"][2]["message"], "bad \u{1b}[31mred\u{1b}[0m value");
    }
}
