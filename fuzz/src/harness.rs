//! Fuzz harness shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and the stable
//! mutation fuzzer (`tests/it/fuzz_smoke.rs`, run by `scripts/fuzz-smoke.sh`).
//!
//! Each `fuzz_*` function runs one layer on arbitrary bytes and checks the ingest invariants, so
//! a violation panics just like a crash:
//! - no panic, whatever the bytes;
//! - every file report balances (read = kept + duplicates + rejected);
//! - the bytes credited to the reports add up to the input's length;
//! - the result does not depend on the chunking (whole vs. split at input-derived points);
//! - a gzip or zip wrapping of a text gives the same dataset as the text itself.

use chorus::core::detect::{analyze, DetectParams};
use chorus::core::ingest::zip::ZipLimits;
use chorus::core::ingest::{
    AccountRecord, ColumnMapping, DatasetBuilder, FileIngest, FileReport, Format, IngestOptions, PostRecord,
};
use chorus::core::model::{Dataset, Kind, Position, NO_TIME};

/// A fuzz target: its cargo-fuzz name and the function it runs.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("ingest_auto", fuzz_auto),
    ("ingest_twarc2", |d| fuzz_format(Format::Twarc2Jsonl, d)),
    ("ingest_v1", |d| fuzz_format(Format::V1Jsonl, d)),
    ("ingest_io_tweets", |d| fuzz_format(Format::IoTweets, d)),
    ("ingest_io_users", |d| fuzz_format(Format::IoUsers, d)),
    ("ingest_twarc_csv", |d| fuzz_format(Format::TwarcCsv, d)),
    ("ingest_coortweet", |d| fuzz_format(Format::Coortweet, d)),
    ("ingest_toolkit", |d| fuzz_format(Format::Toolkit, d)),
    ("ingest_generic_csv", |d| fuzz_format(Format::GenericCsv, d)),
    ("ingest_gz", fuzz_gz),
    ("ingest_zip", fuzz_zip),
    ("detect", fuzz_detect),
];

/// Small limits so that a fuzzer-made bomb costs little.
fn limits() -> ZipLimits {
    ZipLimits { max_total_out: 8 << 20, max_ratio: 200, ratio_after: 1 << 20 }
}

fn options(format: Option<Format>) -> IngestOptions {
    let mapping = (format == Some(Format::GenericCsv)).then(|| ColumnMapping {
        account: Some("user".into()),
        screen_name: Some("name".into()),
        time: Some("time".into()),
        post_id: Some("id".into()),
        repost_of: Some("rt".into()),
        reply_to: Some("reply".into()),
        quoted: None,
        text: Some("text".into()),
        urls: Some("urls".into()),
        hashtags: Some("tags".into()),
        mentions: None,
    });
    IngestOptions { format, mapping, max_listed_diagnostics: 20, ..IngestOptions::default() }
}

/// Ingest `data` as file `name`, split at `cuts` (sorted offsets).
pub fn ingest(name: &str, data: &[u8], opts: &IngestOptions, cuts: &[usize]) -> (Dataset, Vec<FileReport>) {
    let mut b = DatasetBuilder::new(opts.clone());
    let mut f = FileIngest::with_limits(name, opts, limits(), &mut b);
    let mut last = 0;
    for &c in cuts.iter().chain(std::iter::once(&data.len())) {
        let c = c.clamp(last, data.len());
        f.feed(&data[last..c], &mut b);
        last = c;
    }
    f.finish(&mut b);
    b.finish()
}

/// Split points derived from the data (deterministic), including 1-byte pieces at the start.
fn cuts_for(data: &[u8]) -> Vec<usize> {
    let n = data.len();
    if n < 4 {
        return (1..n).collect();
    }
    let seed = data.iter().take(64).fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(b as u64));
    let mut cuts = vec![1, 2, 3];
    let mut x = seed | 1;
    for _ in 0..6 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        cuts.push(3 + (x as usize) % (n - 3));
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// A compact, order-sensitive digest of a dataset.
pub fn digest(ds: &Dataset) -> Vec<(u64, u32, i64, u8, u64, u32, u64)> {
    let p = &ds.posts;
    (0..p.len())
        .map(|i| {
            (p.id[i], p.account[i], p.time_ms(i), p.kind[i] as u8, p.target_post(i), p.target_account(i), p.text_fp(i))
        })
        .collect()
}

fn check(name: &str, data: &[u8], opts: &IngestOptions) -> (Dataset, Vec<FileReport>) {
    let whole = ingest(name, data, opts, &[]);
    for r in &whole.1 {
        assert!(r.balanced(), "unbalanced report: {r:?}");
    }
    let bytes: u64 = whole.1.iter().map(|r| r.bytes).sum();
    assert_eq!(bytes, data.len() as u64, "consumed bytes do not add up: {:?}", whole.1);
    let split = ingest(name, data, opts, &cuts_for(data));
    assert_eq!(split.1, whole.1, "reports depend on the chunking");
    assert_eq!(digest(&split.0), digest(&whole.0), "dataset depends on the chunking");
    whole
}

/// Detection of the format, then its parser.
pub fn fuzz_auto(data: &[u8]) {
    check("input", data, &options(None));
}

/// One parser, forced.
pub fn fuzz_format(format: Format, data: &[u8]) {
    check("input", data, &options(Some(format)));
}

/// The gzip layer: raw bytes as a .gz, and the text wrapped in gzip (must equal the text).
pub fn fuzz_gz(data: &[u8]) {
    check("input.gz", data, &options(None));
    let mut framed = vec![0x1f, 0x8b];
    framed.extend_from_slice(data);
    check("input.gz", &framed, &options(None));
    let plain = ingest("input", data, &options(None), &[]);
    let gz = gzip(data);
    let wrapped = check("input.gz", &gz, &options(None));
    if !data.starts_with(&[0x1f, 0x8b]) && !data.starts_with(b"PK") {
        assert_eq!(digest(&wrapped.0), digest(&plain.0), "gzip changes the result");
        let strip = |r: &FileReport| (r.records_read, r.records_kept, r.records_rejected, r.fatal.clone());
        assert_eq!(strip(&wrapped.1[0]), strip(&plain.1[0]));
    }
}

/// The zip layer: raw bytes as a .zip, and the text as a stored and a deflated entry.
pub fn fuzz_zip(data: &[u8]) {
    check("input.zip", data, &options(None));
    let mut framed = b"PK\x03\x04".to_vec();
    framed.extend_from_slice(data);
    check("input.zip", &framed, &options(None));
    let plain = ingest("entry.jsonl", data, &options(None), &[]);
    for (method, descriptor) in [(0u16, false), (8, false), (8, true)] {
        let z = zip_one("entry.jsonl", data, method, descriptor);
        let zipped = check("input.zip", &z, &options(None));
        if !data.starts_with(&[0x1f, 0x8b]) && !data.starts_with(b"PK") {
            assert_eq!(digest(&zipped.0), digest(&plain.0), "zip (method {method}) changes the result");
        }
    }
}

/// Detection on an arbitrary small dataset built from the bytes.
pub fn fuzz_detect(data: &[u8]) {
    let mut b = DatasetBuilder::new(IngestOptions::default());
    b.begin_file("fuzz");
    let mut rec = PostRecord::default();
    for (i, w) in data.chunks(6).enumerate() {
        let byte = |k: usize| w.get(k).copied().unwrap_or(0);
        rec.clear();
        rec.id = format!("{}", 1_000 + (byte(0) as u64) * 7 + i as u64 % 3);
        rec.author.id = format!("a{}", byte(1) % 24);
        rec.time_ms = 1_600_000_000_000 + (byte(2) as i64) * 60_000 + (byte(3) as i64) * 1_000;
        rec.kind = Kind::from_u8(byte(4) % 4);
        if rec.kind != Kind::Post {
            rec.target_post = format!("{}", 1_000 + (byte(5) % 16) as u64);
            rec.target_account_id = format!("a{}", byte(5) % 24);
        }
        rec.text = ["same text", "other words here", "", "same text!"][(byte(3) % 4) as usize].to_string();
        if byte(4) & 0x10 != 0 {
            rec.hashtags.push(format!("t{}", byte(5) % 5));
        }
        if byte(4) & 0x20 != 0 {
            rec.urls.push(format!("https://d{}.example/x", byte(2) % 4));
        }
        if byte(4) & 0x40 != 0 {
            rec.mentions.push(format!("a{}", byte(0) % 24));
        }
        let at = Position { record: i as u64 + 1, line: i as u64 + 2, byte: 0 };
        if byte(1) & 0x80 != 0 {
            rec.time_ms = NO_TIME; // rejected: exercises the accounting
        }
        b.add_post(&rec, &at);
        if byte(0) & 0x80 != 0 {
            let acc =
                AccountRecord { id: rec.author.id.clone(), followers: Some(byte(2) as u32), ..Default::default() };
            b.add_account(&acc, &at);
        }
    }
    let (ds, reports) = b.finish();
    assert!(reports.iter().all(FileReport::balanced));
    let params = DetectParams::default();
    if let Ok(an) = analyze(&ds, &params, &mut |_, _| {}, &|| false) {
        assert_eq!(an.accounts.len(), ds.n_accounts(), "one verdict per account");
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("writing to a Vec cannot fail");
    e.finish().expect("writing to a Vec cannot fail")
}

/// A one-entry zip (local header, data, optional descriptor, end record).
pub fn zip_one(name: &str, data: &[u8], method: u16, descriptor: bool) -> Vec<u8> {
    use std::io::Write;
    let body = if method == 8 {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).expect("writing to a Vec cannot fail");
        e.finish().expect("writing to a Vec cannot fail")
    } else {
        data.to_vec()
    };
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let crc = crc.sum();
    let mut v = b"PK\x03\x04\x14\x00".to_vec();
    v.extend_from_slice(&((descriptor as u16) << 3).to_le_bytes());
    v.extend_from_slice(&method.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    let (c, cs, us) = if descriptor { (0, 0, 0) } else { (crc, body.len() as u32, data.len() as u32) };
    for x in [c, cs, us] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(&(name.len() as u16).to_le_bytes());
    v.extend_from_slice(&0u16.to_le_bytes());
    v.extend_from_slice(name.as_bytes());
    v.extend_from_slice(&body);
    if descriptor {
        v.extend_from_slice(b"PK\x07\x08");
        for x in [crc, body.len() as u32, data.len() as u32] {
            v.extend_from_slice(&x.to_le_bytes());
        }
    }
    v.extend_from_slice(b"PK\x05\x06");
    v.extend_from_slice(&[0; 18]);
    v
}
