//! Container and format detection from a file's name and first bytes.
//!
//! [`sniff`] is the UI's entry point (it has the first bytes of a dropped file). The streaming
//! reader uses [`sniff_container`] and [`sniff_text`], which say "need more bytes" until they can
//! decide, and look only at a window of the head that does not depend on how the bytes were
//! chunked: up to the end of the first line but at least 4 KiB, at most 64 KiB.

use super::{csv_detect, Format};
use serde::{Deserialize, Serialize};

/// How many bytes of a file detection may look at.
pub const MAX_HEAD: usize = 64 << 10;
/// Detection waits for at least this many bytes (or the end of the file) even after a first line.
pub const MIN_HEAD: usize = 4 << 10;

/// What the first bytes of a file are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sniffed {
    /// gzip-compressed (`.gz`): the content is detected after decompression.
    Gzip,
    /// A zip archive: each entry is detected on its own.
    Zip,
    /// JSON lines of the given format ([`Format::Twarc2Jsonl`] or [`Format::V1Jsonl`]).
    Json(Format),
    /// A CSV file: its header fields and the format they identify (`None`: unknown header, the
    /// user must map its columns).
    Csv { format: Option<Format>, header: Vec<String> },
    /// Not readable: the message says what the file is and what to do.
    Unreadable(String),
}

/// A compressed container, recognised by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Gzip,
    Zip,
    /// Not a container: read as text.
    None,
}

/// Detect a container from the first bytes. `None`: need more bytes (fewer than 4 and more to
/// come).
pub fn sniff_container(head: &[u8], complete: bool) -> Option<Container> {
    if head.len() < 4 && !complete {
        // a gzip or zip magic can only be confirmed with its first bytes
        let could_be = |magic: &[u8]| magic.starts_with(head);
        if could_be(&[0x1f, 0x8b]) || could_be(b"PK\x03\x04") || could_be(b"PK\x05\x06") {
            return None;
        }
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Container::Gzip)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(Container::Zip)
    } else {
        Some(Container::None)
    }
}

/// Detect what a text (decompressed) stream is. `forced` skips format detection (but not the
/// checks for empty, UTF-16 and binary files). `None`: need more bytes.
///
/// The bytes looked at (the window) depend only on the file: from the start to the end of the
/// first non-blank line, but at least [`MIN_HEAD`] and at most [`MAX_HEAD`] bytes.
pub fn sniff_text(head: &[u8], complete: bool, forced: Option<Format>) -> Option<Sniffed> {
    if head.is_empty() {
        return complete.then(|| Sniffed::Unreadable("the file is empty".into()));
    }
    if head.len() < 4 && !complete {
        return None;
    }
    if let Some(msg) = unicode_bom(head) {
        return Some(Sniffed::Unreadable(msg));
    }
    let bom = if head.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let capped = &head[..head.len().min(MAX_HEAD)];
    let Some(start) = capped[bom.min(capped.len())..].iter().position(|b| !b.is_ascii_whitespace()).map(|i| i + bom)
    else {
        return if head.len() >= MAX_HEAD {
            Some(Sniffed::Unreadable(format!("the file starts with more than {} KiB of blank space", MAX_HEAD >> 10)))
        } else if complete {
            Some(Sniffed::Unreadable("the file holds only blank lines".into()))
        } else {
            None
        };
    };
    let bound = match memchr::memchr(b'\n', &capped[start..]) {
        Some(i) => (start + i + 1).clamp(MIN_HEAD, MAX_HEAD),
        None => MAX_HEAD,
    };
    let w = if head.len() >= bound {
        &head[..bound]
    } else if complete {
        head
    } else {
        return None;
    };
    if let Some(msg) = unreadable(w) {
        return Some(Sniffed::Unreadable(msg));
    }
    let body = &w[start..];
    if let Some(f) = forced {
        return Some(match f {
            Format::Twarc2Jsonl | Format::V1Jsonl => Sniffed::Json(f),
            _ => Sniffed::Csv { format: Some(f), header: csv_header(body) },
        });
    }
    match body[0] {
        b'{' => Some(json_kind(body)),
        b'[' => Some(Sniffed::Unreadable(
            "a JSON array, not JSON lines: convert it to one object per line (for example `jq -c '.[]' file.json > file.jsonl`)"
                .into(),
        )),
        b'<' => {
            let lower: Vec<u8> = body.iter().take(256).map(|b| b.to_ascii_lowercase()).collect();
            let what = if lower.starts_with(b"<?xml") {
                "an XML document"
            } else if lower.windows(5).any(|x| x == b"<html") || lower.starts_with(b"<!doctype html") {
                "an HTML web page (did a download fail or save a page instead of the file?)"
            } else {
                "markup (HTML/XML)"
            };
            Some(Sniffed::Unreadable(format!("this is {what}, not a CSV or JSON-lines file")))
        }
        _ => {
            let header = csv_header(body);
            let fields: Vec<&str> = header.iter().map(String::as_str).collect();
            let format = csv_detect::detect_csv_format(&fields).or_else(|| near_csv_format(&fields));
            Some(Sniffed::Csv { format, header })
        }
    }
}

/// Detect a file from its name and first bytes (as many as the caller has; at most
/// [`MAX_HEAD`] are looked at). For the UI's "what is this file" before streaming.
pub fn sniff(name: &str, head: &[u8]) -> Sniffed {
    if let Some(msg) = unreadable_by_name(name) {
        return Sniffed::Unreadable(msg);
    }
    match sniff_container(head, true) {
        Some(Container::Gzip) => Sniffed::Gzip,
        Some(Container::Zip) => Sniffed::Zip,
        _ => sniff_text(head, true, None).unwrap_or_else(|| Sniffed::Unreadable("the file is empty".into())),
    }
}

/// Files we know by their extension that we cannot read (spreadsheets are zip or binary
/// containers whose bytes would only say "zip" or "binary"): what to do instead.
pub fn unreadable_by_name(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    let what = match ext {
        "xlsx" | "xlsm" | "xls" => "an Excel workbook",
        "ods" => "an OpenDocument spreadsheet",
        "numbers" => "an Apple Numbers spreadsheet",
        _ => return None,
    };
    Some(format!("the file is {what}: export the sheet as CSV (UTF-8) and load that"))
}

/// A name without its `.gz` suffix (the name of the compressed content).
pub fn strip_gz(name: &str) -> &str {
    let n = name.len();
    if n > 3 && name[n - 3..].eq_ignore_ascii_case(".gz") {
        &name[..n - 3]
    } else {
        name
    }
}

/// A UTF-16 / UTF-32 byte-order mark.
fn unicode_bom(w: &[u8]) -> Option<String> {
    if w.starts_with(&[0xFF, 0xFE, 0, 0]) || w.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some("the file is UTF-32 text: re-save it as UTF-8 and load it again".into());
    }
    if w.starts_with(&[0xFF, 0xFE]) || w.starts_with(&[0xFE, 0xFF]) {
        return Some(
            "the file is UTF-16 text (it starts with a UTF-16 byte-order mark): re-save it as UTF-8 and load it again"
                .into(),
        );
    }
    None
}

/// Why the window is not text we can read, if it is not.
fn unreadable(w: &[u8]) -> Option<String> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"BZh", "bzip2-compressed: decompress it first (for example `bunzip2`)"),
        (b"\xFD7zXZ\x00", "xz-compressed: decompress it first (for example `unxz`)"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive: extract it first"),
        (b"Rar!", "a RAR archive: extract it first"),
        (b"\x28\xB5\x2F\xFD", "Zstandard-compressed: decompress it first (for example `unzstd`)"),
        (b"PAR1", "a Parquet file: export it as CSV"),
        (b"SQLite format 3\x00", "an SQLite database: export the table as CSV"),
        (b"\xD0\xCF\x11\xE0", "an old Excel/Office document: export the sheet as CSV"),
    ];
    for (magic, what) in MAGIC {
        if w.starts_with(magic) {
            return Some(format!("the file is {what}, not a CSV or JSON-lines file"));
        }
    }
    if w.len() >= 262 && &w[257..262] == b"ustar" {
        return Some("the file is a tar archive: extract it first and load the files inside".into());
    }
    let nuls = w.iter().filter(|&&b| b == 0).count();
    if nuls > 0 {
        // UTF-16 without a byte-order mark: every other byte is zero in mostly-ASCII text
        let odd_zero = w.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let even_zero = w.iter().step_by(2).filter(|&&b| b == 0).count();
        let half = w.len() / 2;
        if half >= 4 && (odd_zero * 10 >= half * 8 || even_zero * 10 >= half * 8) {
            return Some(
                "the file looks like UTF-16 text (every other byte is zero): re-save it as UTF-8 and load it again"
                    .into(),
            );
        }
        return Some("the file holds binary data (zero bytes): it is not a CSV or JSON-lines file".into());
    }
    let control = w.iter().filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f).count();
    if control * 20 > w.len() {
        return Some("the file holds binary data (control bytes): it is not a CSV or JSON-lines file".into());
    }
    None
}

/// The first CSV record of the window, fields trimmed (a BOM removed).
pub fn csv_header(w: &[u8]) -> Vec<String> {
    let w = w.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(w);
    let mut rdr = csv_core::Reader::new();
    let mut fields = Vec::new();
    let mut input = w;
    let mut field = vec![0u8; 4096];
    let mut len = 0;
    loop {
        let (res, nin, nout) = rdr.read_field(input, &mut field[len..]);
        input = &input[nin..];
        len += nout;
        match res {
            csv_core::ReadFieldResult::OutputFull => {
                let n = field.len();
                field.resize(n * 2, 0);
            }
            csv_core::ReadFieldResult::Field { record_end } => {
                fields.push(String::from_utf8_lossy(&field[..len]).trim().to_string());
                len = 0;
                if record_end {
                    break;
                }
            }
            csv_core::ReadFieldResult::InputEmpty => {
                if input.is_empty() {
                    // the window ends inside the header: close the last field
                    let (res, _, nout) = rdr.read_field(&[], &mut field[len..]);
                    len += nout;
                    if let csv_core::ReadFieldResult::Field { .. } = res {
                        fields.push(String::from_utf8_lossy(&field[..len]).trim().to_string());
                    }
                    break;
                }
            }
            csv_core::ReadFieldResult::End => break,
        }
    }
    fields
}

/// A known CSV format that a header resembles although it lacks required columns (at least two
/// of the format's distinctive columns): its parser then names exactly what is missing, which is
/// more useful than "unknown header".
pub fn near_csv_format(header: &[&str]) -> Option<Format> {
    const DISTINCTIVE: &[(Format, &[&str])] = &[
        (
            Format::IoTweets,
            &[
                "tweetid",
                "tweet_text",
                "tweet_time",
                "is_retweet",
                "retweet_tweetid",
                "tweet_client_name",
                "quoted_tweet_tweetid",
            ],
        ),
        (Format::IoUsers, &["user_screen_name", "account_creation_date", "user_profile_description", "follower_count"]),
        (Format::Coortweet, &["object_id", "account_id", "content_id", "timestamp_share"]),
        (Format::Toolkit, &["message_id", "repost_id", "reply_id", "user_id"]),
    ];
    let names: Vec<String> =
        header.iter().map(|h| h.trim_start_matches('\u{feff}').trim().trim_matches('"').to_lowercase()).collect();
    DISTINCTIVE.iter().find_map(|(f, cols)| {
        let n = cols.iter().filter(|c| names.iter().any(|h| h == *c)).count();
        (n >= 2).then_some(*f)
    })
}

/// Which Twitter JSON a first object is, from its top-level keys.
fn json_kind(body: &[u8]) -> Sniffed {
    let (keys, closed) = top_level_keys(body, 64);
    for k in &keys {
        match k.as_str() {
            "data"
            | "includes"
            | "meta"
            | "errors"
            | "author_id"
            | "author"
            | "edit_history_tweet_ids"
            | "referenced_tweets"
            | "conversation_id"
            | "__twarc" => return Sniffed::Json(Format::Twarc2Jsonl),
            "id_str"
            | "user"
            | "retweeted_status"
            | "full_text"
            | "in_reply_to_status_id_str"
            | "favorite_count"
            | "extended_tweet"
            | "delete"
            | "limit"
            | "timestamp_ms" => return Sniffed::Json(Format::V1Jsonl),
            _ => {}
        }
    }
    if closed {
        let shown: Vec<&str> = keys.iter().take(12).map(String::as_str).collect();
        Sniffed::Unreadable(format!(
            "JSON lines, but the first object is not a Twitter API v1.1 or v2 tweet or response page (its keys: {})",
            shown.join(", ")
        ))
    } else {
        // the first object is longer than the window and shows no telling key yet
        Sniffed::Json(Format::Twarc2Jsonl)
    }
}

/// Keys at depth 1 of the JSON object starting `body` (up to `max`), and whether the object
/// closed within `body`.
fn top_level_keys(body: &[u8], max: usize) -> (Vec<String>, bool) {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < body.len() && body[j] != b'"' {
                    j += if body[j] == b'\\' { 2 } else { 1 };
                }
                if j >= body.len() {
                    return (keys, false);
                }
                if depth == 1 {
                    let next = body[j + 1..].iter().find(|b| !b.is_ascii_whitespace());
                    if next == Some(&b':') && keys.len() < max {
                        keys.push(String::from_utf8_lossy(&body[start..j]).into_owned());
                    }
                }
                i = j + 1;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (keys, true);
                }
            }
            _ => {}
        }
        i += 1;
    }
    (keys, false)
}
