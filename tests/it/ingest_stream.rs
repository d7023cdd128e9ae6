//! FileIngest over every container and the bad-input corpus: every input whole, in 1-byte chunks
//! and in random chunkings gives the same dataset and reports; accounting balances for every file.

use chorus::core::ingest::gz::{GzDecoder, GzOut};
use chorus::core::ingest::sniff::{self, Sniffed};
use chorus::core::ingest::zip::ZipLimits;
use chorus::core::ingest::{DatasetBuilder, FileIngest, FileReport, Format, IngestOptions};
use chorus::core::model::{Dataset, DiagKind};
use std::fmt::Write as _;
use std::path::PathBuf;

pub fn data(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/data").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// A deterministic LCG (no RNG crates, no clock).
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Ingest `bytes` as file `name`, chunked by `sizes`.
pub fn ingest_with(
    name: &str,
    bytes: &[u8],
    opts: &IngestOptions,
    limits: ZipLimits,
    sizes: &mut dyn FnMut() -> usize,
) -> (Dataset, Vec<FileReport>) {
    let mut b = DatasetBuilder::new(opts.clone());
    let mut f = FileIngest::with_limits(name, opts, limits, &mut b);
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = sizes().clamp(1, rest.len());
        f.feed(&rest[..n], &mut b);
        rest = &rest[n..];
    }
    f.finish(&mut b);
    b.finish()
}

/// Everything observable of a dataset, as text (for comparing chunkings).
pub fn snapshot(ds: &Dataset) -> String {
    let mut s = String::new();
    let p = &ds.posts;
    let acc = |i: u32| if i == u32::MAX { "-".to_string() } else { ds.accounts.ids.resolve(i).to_string() };
    for i in 0..p.len() {
        let tags: Vec<&str> = p.hashtags.row(i).iter().map(|&h| ds.hashtags.resolve(h)).collect();
        let urls: Vec<&str> = p.urls.row(i).iter().map(|&h| ds.urls.resolve(h)).collect();
        let ments: Vec<&str> = p.mentions.row(i).iter().map(|&h| ds.mentions.resolve(h)).collect();
        writeln!(
            s,
            "post {} by {} at {} {:?} -> {} by {} fp {:x} tags {:?} urls {:?} mentions {:?}",
            p.id[i],
            acc(p.account[i]),
            p.time_ms(i),
            p.kind[i],
            p.target_post(i),
            acc(p.target_account(i)),
            p.text_fp(i),
            tags,
            urls,
            ments
        )
        .unwrap();
    }
    let a = &ds.accounts;
    for i in 0..a.len() {
        let client = if a.client[i] == u32::MAX { "-" } else { ds.clients.resolve(a.client[i]) };
        writeln!(
            s,
            "account {} @{} {:?} created {} followers {} following {} desc {} client {} profile {}",
            a.ids.resolve(i as u32),
            a.screen_name[i],
            a.display_name[i],
            a.created_at[i],
            a.followers[i],
            a.following[i],
            a.description_empty[i],
            client,
            a.has_profile[i]
        )
        .unwrap();
    }
    s
}

/// Ingest whole, byte by byte and in 4 random chunkings; assert identical results and balanced
/// accounting; return the whole-input result.
pub fn check_all(name: &str, bytes: &[u8], opts: &IngestOptions) -> (Dataset, Vec<FileReport>) {
    check_all_limits(name, bytes, opts, ZipLimits::default())
}

pub fn check_all_limits(
    name: &str,
    bytes: &[u8],
    opts: &IngestOptions,
    limits: ZipLimits,
) -> (Dataset, Vec<FileReport>) {
    let whole = ingest_with(name, bytes, opts, limits.clone(), &mut || usize::MAX);
    let snap = snapshot(&whole.0);
    for r in &whole.1 {
        assert!(r.balanced(), "unbalanced accounting in {}: {r:?}", r.name);
    }
    let total: u64 = whole.1.iter().map(|r| r.bytes).sum();
    assert_eq!(total, bytes.len() as u64, "bytes consumed must add up to the file size: {:?}", whole.1);
    let mut chunkings: Vec<(String, Box<dyn FnMut() -> usize>)> = vec![("1-byte".into(), Box::new(|| 1))];
    for seed in [1u64, 7, 42, 2024] {
        let mut lcg = Lcg(seed);
        // mostly small chunks, sometimes large ones
        chunkings.push((
            format!("random seed {seed}"),
            Box::new(move || {
                let r = lcg.next();
                if r.is_multiple_of(4) {
                    (r % 9000) as usize + 1
                } else {
                    (r % 17) as usize + 1
                }
            }),
        ));
    }
    for (label, mut sizes) in chunkings {
        let other = ingest_with(name, bytes, opts, limits.clone(), &mut *sizes);
        assert_eq!(snapshot(&other.0), snap, "{name}: dataset differs when fed in {label} chunks");
        assert_eq!(other.1, whole.1, "{name}: reports differ when fed in {label} chunks");
    }
    whole
}

pub fn opts() -> IngestOptions {
    IngestOptions::default()
}

/// All diagnostic messages and the fatal message of a report, for asserting on.
pub fn messages(r: &FileReport) -> String {
    let mut s: Vec<String> = r.diagnostics.iter().map(|d| format!("[{:?}] {}", d.kind, d.message)).collect();
    if let Some(f) = &r.fatal {
        s.push(format!("[fatal] {f}"));
    }
    s.join("\n")
}

pub fn count(r: &FileReport, kind: DiagKind) -> u64 {
    r.by_kind.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n)
}

// ------------------------------------------------------------------------------------------
// Test archive builders (a tiny zip writer, so every zip feature can be exercised)
// ------------------------------------------------------------------------------------------

pub fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

#[derive(Clone, Copy)]
pub struct ZipOpt {
    pub method: u16,
    /// None: sizes in the local header; Some(sig): data descriptor, with or without signature.
    pub descriptor: Option<bool>,
    pub zip64: bool,
    pub encrypted: bool,
}

pub const DEFLATE: ZipOpt = ZipOpt { method: 8, descriptor: None, zip64: false, encrypted: false };
pub const STORED: ZipOpt = ZipOpt { method: 0, descriptor: None, zip64: false, encrypted: false };

pub fn zip_entry(name: &str, data: &[u8], o: ZipOpt) -> Vec<u8> {
    let body = if o.method == 8 { deflate(data) } else { data.to_vec() };
    let crc = crc32(data);
    let mut v = Vec::new();
    v.extend_from_slice(b"PK\x03\x04");
    v.extend_from_slice(&20u16.to_le_bytes());
    let flags: u16 = (o.descriptor.is_some() as u16) << 3 | o.encrypted as u16 | 1 << 11;
    v.extend_from_slice(&flags.to_le_bytes());
    v.extend_from_slice(&o.method.to_le_bytes());
    v.extend_from_slice(&[0, 0, 0x21, 0]);
    let (c, cs, us) = if o.descriptor.is_some() {
        (0, 0, 0)
    } else if o.zip64 {
        (crc, 0xFFFF_FFFFu32, 0xFFFF_FFFFu32)
    } else {
        (crc, body.len() as u32, data.len() as u32)
    };
    v.extend_from_slice(&c.to_le_bytes());
    v.extend_from_slice(&cs.to_le_bytes());
    v.extend_from_slice(&us.to_le_bytes());
    v.extend_from_slice(&(name.len() as u16).to_le_bytes());
    let extra: Vec<u8> = if o.zip64 {
        let mut e = vec![1, 0, 16, 0];
        e.extend_from_slice(&(data.len() as u64).to_le_bytes());
        e.extend_from_slice(&(body.len() as u64).to_le_bytes());
        e
    } else {
        Vec::new()
    };
    v.extend_from_slice(&(extra.len() as u16).to_le_bytes());
    v.extend_from_slice(name.as_bytes());
    v.extend_from_slice(&extra);
    v.extend_from_slice(&body);
    if let Some(sig) = o.descriptor {
        if sig {
            v.extend_from_slice(b"PK\x07\x08");
        }
        v.extend_from_slice(&crc.to_le_bytes());
        if o.zip64 {
            v.extend_from_slice(&(body.len() as u64).to_le_bytes());
            v.extend_from_slice(&(data.len() as u64).to_le_bytes());
        } else {
            v.extend_from_slice(&(body.len() as u32).to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        }
    }
    v
}

/// A (minimal) end-of-central-directory record: where a streaming reader stops.
pub fn zip_end() -> Vec<u8> {
    let mut v = b"PK\x05\x06".to_vec();
    v.extend_from_slice(&[0; 18]);
    v
}

const V2_LINE: &str = r#"{"id":"1577331119823224833","text":"hello #Tag","author_id":"42","created_at":"2022-10-04T15:20:01.000Z","author":{"id":"42","username":"alice"},"entities":{"hashtags":[{"tag":"Tag"}]}}"#;

fn v2_lines(n: usize) -> String {
    (0..n)
        .map(|i| V2_LINE.replace("1577331119823224833", &(1577331119823224833u64 + i as u64).to_string()) + "\n")
        .collect()
}

// ------------------------------------------------------------------------------------------
// Containers
// ------------------------------------------------------------------------------------------

#[test]
fn gzip_fixture_equals_plain() {
    let plain = check_all("v1.jsonl", &data("json/v1.jsonl"), &opts());
    let gz = check_all("v1.jsonl.gz", &data("json/v1.jsonl.gz"), &opts());
    assert_eq!(snapshot(&gz.0), snapshot(&plain.0));
    assert_eq!(gz.1[0].format, Some(Format::V1Jsonl));
    assert_eq!(gz.1[0].records_kept, plain.1[0].records_kept);
    assert_eq!(gz.1[0].bytes, data("json/v1.jsonl.gz").len() as u64);
}

#[test]
fn gzip_multi_member_with_header_fields() {
    let text = v2_lines(6);
    let (a, b) = text.split_at(text.len() / 2 + 7); // the split falls inside a line
    let mut file = gzip(a.as_bytes());
    // a second member with FEXTRA, FNAME, FCOMMENT and FHCRC
    let body = deflate(b.as_bytes());
    let mut m2 = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3];
    m2.extend_from_slice(&[5, 0, b'A', b'B', 1, 0, 9]);
    m2.extend_from_slice(b"part2.jsonl\0a comment\0");
    m2.extend_from_slice(&[0xAB, 0xCD]);
    m2.extend_from_slice(&body);
    m2.extend_from_slice(&crc32(b.as_bytes()).to_le_bytes());
    m2.extend_from_slice(&(b.len() as u32).to_le_bytes());
    file.extend_from_slice(&m2);
    file.extend_from_slice(&[0; 5]); // zero padding after the last member
    let (ds, reps) = check_all("x.jsonl.gz", &file, &opts());
    assert_eq!(ds.n_posts(), 6, "{}", messages(&reps[0]));
    assert_eq!(reps[0].records_rejected, 0, "{}", messages(&reps[0]));
    assert!(reps[0].diagnostics.is_empty(), "{}", messages(&reps[0]));
}

#[test]
fn gzip_crc_mismatch_is_reported_and_rows_kept() {
    let text = v2_lines(3);
    let mut file = gzip(text.as_bytes());
    let n = file.len();
    file[n - 8] ^= 0xFF; // damage the stored CRC
    let (ds, reps) = check_all("x.jsonl.gz", &file, &opts());
    assert_eq!(ds.n_posts(), 3);
    let m = messages(&reps[0]);
    assert!(m.contains("CRC-32 mismatch"), "{m}");
}

#[test]
fn gzip_streaming_decoder_direct() {
    // the decoder alone: output identical for any chunking
    let text = v2_lines(50);
    let file = gzip(text.as_bytes());
    let mut lcg = Lcg(9);
    let mut d = GzDecoder::new();
    let mut outb = Vec::new();
    let mut rest = &file[..];
    while !rest.is_empty() {
        let n = ((lcg.next() % 13) as usize + 1).min(rest.len());
        d.feed(&rest[..n], &mut |o| {
            if let GzOut::Data(b) = o {
                outb.extend_from_slice(b)
            }
        })
        .unwrap();
        rest = &rest[n..];
    }
    d.finish().unwrap();
    assert_eq!(outb, text.as_bytes());
}

#[test]
fn zip_fixture_entries_are_separate_files() {
    let (ds, reps) = check_all("archive.zip", &data("json/archive.zip"), &opts());
    let names: Vec<&str> = reps.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["archive.zip", "archive.zip/campaign/twarc2_pages.jsonl", "archive.zip/campaign/v1.jsonl"]);
    assert_eq!(reps[1].format, Some(Format::Twarc2Jsonl));
    assert_eq!(reps[2].format, Some(Format::V1Jsonl));
    assert_eq!(reps[1].records_kept, 5, "{}", messages(&reps[1]));
    assert_eq!(reps[2].records_kept, 4, "{}", messages(&reps[2]));
    // the README.pdf is skipped with a note; junk (__MACOSX, .DS_Store, the folder) silently
    let m = messages(&reps[2]);
    assert!(m.contains("skipped 1 entry that is not a data file: campaign/README.pdf"), "{m}");
    assert!(!m.contains("DS_Store") && !m.contains("__MACOSX"), "{m}");
    assert!(ds.n_posts() > 0);
}

#[test]
fn zip_streamed_with_descriptors_and_zip64() {
    let (_, reps) = check_all("s.zip", &data("json/archive_streamed.zip"), &opts());
    assert_eq!(reps.len(), 3);
    assert_eq!(reps[1].name, "s.zip/flat.jsonl");
    assert_eq!(reps[1].records_kept, 4, "{}", messages(&reps[1]));
    assert_eq!(reps[2].records_kept, 4, "{}", messages(&reps[2]));
    assert!(reps.iter().all(|r| r.fatal.is_none()), "{reps:?}");
    assert!(reps.iter().all(|r| count(r, DiagKind::Truncated) == 0 && count(r, DiagKind::Syntax) == 0), "{reps:?}");
}

#[test]
fn zip_every_entry_kind() {
    let a = v2_lines(3);
    let mut z = Vec::new();
    z.extend(zip_entry("a.jsonl", a.as_bytes(), DEFLATE));
    z.extend(zip_entry("b.jsonl", a.as_bytes(), STORED)); // duplicates of a: counted once
    z.extend(zip_entry("c.jsonl", v2_lines(5).as_bytes(), ZipOpt { descriptor: Some(false), ..DEFLATE }));
    z.extend(zip_entry("d.jsonl", v2_lines(2).as_bytes(), ZipOpt { zip64: true, ..DEFLATE }));
    z.extend(zip_entry("e.jsonl", v2_lines(2).as_bytes(), ZipOpt { zip64: true, descriptor: Some(true), ..DEFLATE }));
    z.extend(zip_entry("secret.jsonl", a.as_bytes(), ZipOpt { encrypted: true, ..STORED }));
    z.extend(zip_entry("bz.jsonl", a.as_bytes(), ZipOpt { method: 12, ..STORED }));
    z.extend(zip_entry("dir/", b"", STORED));
    z.extend(zip_entry("f.jsonl", v2_lines(1).as_bytes(), STORED));
    z.extend(zip_end());
    z.extend(b"central directory bytes are ignored");
    let (ds, reps) = check_all("t.zip", &z, &opts());
    let by = |n: &str| reps.iter().find(|r| r.name == format!("t.zip/{n}")).unwrap_or_else(|| panic!("{n}: {reps:?}"));
    assert_eq!(by("a.jsonl").records_kept, 3);
    assert_eq!(by("b.jsonl").duplicates, 3);
    assert_eq!(by("c.jsonl").records_read, 5, "{}", messages(by("c.jsonl")));
    assert_eq!(by("d.jsonl").records_read, 2);
    assert_eq!(by("e.jsonl").records_read, 2);
    let s = messages(by("secret.jsonl"));
    assert!(s.contains("encrypted (password-protected)"), "{s}");
    let s = messages(by("bz.jsonl"));
    assert!(s.contains("compression method 12 (bzip2), which is not supported"), "{s}");
    assert_eq!(by("f.jsonl").records_read, 1, "entries after skipped ones are read");
    assert_eq!(ds.n_posts(), 5);
    assert!(!reps.iter().any(|r| r.name.ends_with("dir/")));
}

#[test]
fn sniff_for_the_ui() {
    assert_eq!(sniff::sniff("a.jsonl", &data("json/twarc2_pages.jsonl")[..300]), Sniffed::Json(Format::Twarc2Jsonl));
    assert_eq!(sniff::sniff("a.jsonl", &data("json/twarc2_flat.jsonl")), Sniffed::Json(Format::Twarc2Jsonl));
    assert_eq!(sniff::sniff("a.jsonl", &data("json/v1.jsonl")[..200]), Sniffed::Json(Format::V1Jsonl));
    assert_eq!(sniff::sniff("a.gz", &data("json/v1.jsonl.gz")), Sniffed::Gzip);
    assert_eq!(sniff::sniff("a.zip", &data("json/archive.zip")), Sniffed::Zip);
    match sniff::sniff("x.csv", b"\xEF\xBB\xBFa,\"b c\",d\r\n1,2,3\r\n") {
        Sniffed::Csv { header, .. } => assert_eq!(header, ["a", "b c", "d"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(sniff::strip_gz("x.CSV.GZ"), "x.CSV");
}

// ------------------------------------------------------------------------------------------
// The bad-input corpus: each file gets a clear, specific message; good rows are kept.
// ------------------------------------------------------------------------------------------

fn fatal_of(name: &str, bytes: &[u8]) -> String {
    let (_, reps) = check_all(name, bytes, &opts());
    reps.last().and_then(|r| r.fatal.clone()).unwrap_or_else(|| panic!("{name}: no fatal message: {reps:?}"))
}

#[test]
fn bad_empty_file() {
    assert_eq!(fatal_of("empty.csv", &data("bad/empty.csv")), "the file is empty");
    assert_eq!(fatal_of("blank.jsonl", b"\n\r\n  \n"), "the file holds only blank lines");
    // an empty gzip member decompresses to nothing
    assert_eq!(fatal_of("e.csv.gz", &gzip(b"")), "the file is empty");
}

#[test]
fn bad_binary_garbage() {
    let f = fatal_of("garbage.csv", &data("bad/garbage.bin"));
    assert!(f.contains("binary data") && f.contains("not a CSV or JSON-lines file"), "{f}");
    // random bytes too, whatever they start with
    let mut lcg = Lcg(5);
    let noise: Vec<u8> = (0..20_000).map(|_| (lcg.next() & 0xFF) as u8 | 1).collect();
    let f = fatal_of("noise.csv", &noise);
    assert!(f.contains("binary data"), "{f}");
}

#[test]
fn bad_wrong_format() {
    let f = fatal_of("report.csv", &data("bad/wrong_format.pdf"));
    assert_eq!(f, "the file is a PDF document, not a CSV or JSON-lines file");
    let f = fatal_of("page.csv", b"<!DOCTYPE html>\n<html><body>Rate limit</body></html>\n");
    assert!(f.contains("HTML web page"), "{f}");
    let f = fatal_of("tweets.json", b"[{\"id\": \"1\"}]\n");
    assert!(f.contains("a JSON array, not JSON lines"), "{f}");
    let f = fatal_of("other.jsonl", b"{\"name\": \"x\", \"value\": 3}\n");
    assert!(f.contains("not a Twitter API v1.1 or v2 tweet") && f.contains("name, value"), "{f}");
    let f = fatal_of("x.tar", &{
        let mut t = vec![b'a'; 512];
        t[257..262].copy_from_slice(b"ustar");
        t
    });
    assert!(f.contains("tar archive"), "{f}");
    let mut xlsx = zip_entry("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types/>", DEFLATE);
    xlsx.extend(zip_end());
    let f = fatal_of("tweets.xlsx", &xlsx);
    assert_eq!(f, "the file is an Excel workbook: export the sheet as CSV (UTF-8) and load that");
    assert_eq!(sniff::sniff("tweets.xlsx", &xlsx), Sniffed::Unreadable(f));
    // the same workbook under a .zip name: read as an archive, its XML parts skipped
    let (_, reps) = check_all("tweets.zip", &xlsx, &opts());
    let m = messages(&reps[0]);
    assert!(m.contains("Excel workbook: export the sheet as CSV"), "{m}");
    assert_eq!(reps[0].fatal.as_deref(), Some("tweets.zip: the archive holds no CSV or JSON-lines file"));
}

#[test]
fn long_first_line_in_tiny_chunks_is_not_quadratic() {
    // a twarc2 page line of ~1 MiB fed in 7-byte chunks: detection looks at 64 KiB once
    let mut page = String::from("{\"data\":[");
    for i in 0..4000 {
        page.push_str(&V2_LINE.replace("1577331119823224833", &(1577331119823224833u64 + i).to_string()));
        page.push(',');
    }
    page.pop();
    page.push_str("]}\n");
    let (ds, reps) = ingest_with("page.jsonl", page.as_bytes(), &opts(), ZipLimits::default(), &mut || 7);
    assert_eq!(reps[0].format, Some(Format::Twarc2Jsonl));
    assert_eq!(ds.n_posts(), 4000, "{}", messages(&reps[0]));
}

#[test]
fn bad_truncated_zip() {
    let full = data("json/archive.zip");
    // cut inside the deflated twarc2 entry
    let cut = &full[..full.len() / 3];
    let (ds, reps) = check_all("cut.zip", cut, &opts());
    let m: String = reps.iter().map(messages).collect::<Vec<_>>().join("\n");
    assert!(m.contains("is truncated: the archive ends inside its data"), "{m}");
    assert!(reps.iter().any(|r| count(r, DiagKind::Truncated) > 0));
    assert!(ds.n_posts() > 0, "complete lines before the cut are kept: {m}");
    // cut between entries (no central directory)
    let one = zip_entry("a.jsonl", v2_lines(2).as_bytes(), DEFLATE);
    let (ds, reps) = check_all("cut2.zip", &one, &opts());
    assert_eq!(ds.n_posts(), 2);
    let m = messages(reps.last().unwrap());
    assert!(m.contains("the archive ends without its central directory"), "{m}");
}

#[test]
fn bad_truncated_gzip() {
    let text = v2_lines(40);
    let file = gzip(text.as_bytes());
    let cut = &file[..file.len() * 2 / 3];
    let (ds, reps) = check_all("cut.jsonl.gz", cut, &opts());
    let r = &reps[0];
    let m = messages(r);
    assert!(m.contains("the gzip file is truncated: it ends inside the compressed data"), "{m}");
    assert!(ds.n_posts() > 5 && ds.n_posts() < 40, "{}", ds.n_posts());
    // the partial last line is a Truncated rejection, not a silent loss
    assert_eq!(r.records_read, r.records_kept + r.records_rejected);
    // cut inside the trailer
    let (_, reps) = check_all("cut.jsonl.gz", &file[..file.len() - 3], &opts());
    assert!(messages(&reps[0]).contains("ends inside the trailer"), "{}", messages(&reps[0]));
}

#[test]
fn bad_zip_bomb_ratio_and_total_limits() {
    // 80 MiB of zeros deflate to ~80 KiB (ratio ~1000:1); a good entry follows
    // (a good first line, then 80 MiB of spaces)
    let mut bomb = v2_lines(1).replace("1577331119823224833", "1577331119823220000").into_bytes();
    bomb.resize(80 << 20, b' ');
    let mut z = zip_entry("bomb.jsonl", &bomb, DEFLATE);
    z.extend(zip_entry("good.jsonl", v2_lines(2).as_bytes(), DEFLATE));
    z.extend(zip_end());
    assert!(z.len() < 1 << 20);
    let (ds, reps) = ingest_with("bomb.zip", &z, &opts(), ZipLimits::default(), &mut || 1 << 16);
    let bomb = reps.iter().find(|r| r.name == "bomb.zip/bomb.jsonl").expect("bomb entry report");
    let f = bomb.fatal.clone().unwrap_or_default();
    assert!(f.contains("(ratio over 200:1, a zip bomb?); the entry was stopped"), "{f}");
    assert_eq!(count(bomb, DiagKind::Limit), 1);
    assert_eq!(bomb.records_kept, 1, "the good line before the bomb is kept");
    assert_eq!(ds.n_posts(), 3, "the entry after the bomb is read: {reps:?}");
    // a total limit across entries (small, configurable)
    let limits = ZipLimits { max_total_out: 10_000, ..ZipLimits::default() };
    let mut z = zip_entry("a.jsonl", v2_lines(40).as_bytes(), DEFLATE);
    z.extend(zip_entry("b.jsonl", v2_lines(40).as_bytes(), DEFLATE));
    let (_, reps) = check_all_limits("big.zip", &z, &opts(), limits);
    let m: String = reps.iter().map(messages).collect::<Vec<_>>().join("\n");
    assert!(m.contains("decompresses to more than 10000 bytes in all"), "{m}");
}

#[test]
fn bad_100mb_single_line_is_rejected_without_buffering() {
    // one 100 MB JSON string field, streamed in 1 MiB chunks, between good lines
    let mut b = DatasetBuilder::new(opts());
    let mut f = FileIngest::new("huge.jsonl", &opts(), &mut b);
    f.feed(v2_lines(1).as_bytes(), &mut b);
    f.feed(br#"{"id":"1","text":""#, &mut b);
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..100 {
        f.feed(&chunk, &mut b);
    }
    f.feed(b"\"}\n", &mut b);
    f.feed(V2_LINE.replace("1577331119823224833", "1577331119823224999").as_bytes(), &mut b);
    f.feed(b"\n", &mut b);
    f.finish(&mut b);
    let (ds, reps) = b.finish();
    let r = &reps[0];
    assert_eq!(ds.n_posts(), 2, "{}", messages(r));
    assert_eq!(r.records_rejected, 1);
    assert_eq!(count(r, DiagKind::TooLong), 1);
    assert!(messages(r).contains("line 2 is longer than 32 MiB"), "{}", messages(r));
    assert!(r.balanced());
}

#[test]
fn bad_invalid_utf8_is_repaired_and_kept() {
    let (ds, reps) = check_all("latin1.jsonl", &data("bad/invalid_utf8.jsonl"), &opts());
    let r = &reps[0];
    assert_eq!(ds.n_posts(), 2, "{}", messages(r));
    assert_eq!(r.records_repaired, 1);
    assert!(messages(r).contains("line 1: bytes that are not UTF-8 were replaced with U+FFFD"), "{}", messages(r));
}

#[test]
fn bad_utf16_file() {
    let f = fatal_of("utf16.csv", &data("bad/utf16.csv"));
    assert!(f.contains("UTF-16") && f.contains("re-save it as UTF-8"), "{f}");
    // without a byte-order mark
    let no_bom: Vec<u8> = "tweetid,userid\n1,2\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let f = fatal_of("utf16.csv", &no_bom);
    assert!(f.contains("looks like UTF-16"), "{f}");
}

#[test]
fn bad_malformed_json_lines_keep_the_good_ones() {
    let (ds, reps) = check_all("mixed.jsonl", &data("bad/mixed_bad.jsonl"), &opts());
    let r = &reps[0];
    let m = messages(r);
    assert_eq!(ds.n_posts(), 3, "{m}");
    assert!(m.contains("line 2: malformed JSON"), "{m}");
    assert!(m.contains("line 4: unexpected JSON value (invalid type"), "{m}");
    assert!(m.contains("line 5: created_at \"yesterday\" is not a date"), "{m}");
    assert!(m.contains("line 6: a JSON object that is neither a tweet"), "{m}");
    assert!(m.contains("line 8: the file ends in the middle of a JSON object"), "{m}");
    assert_eq!(r.records_read, 8);
    assert_eq!(r.records_rejected, 5);
}

#[test]
fn unknown_csv_header_asks_for_a_mapping() {
    let f = fatal_of("mine.csv", b"who,when,what\nalice,2020-01-01,hi\n");
    assert!(f.starts_with("unrecognised CSV header (3 columns: \"who\", \"when\", \"what\")"), "{f}");
    assert!(f.contains("map its columns"), "{f}");
}

// ------------------------------------------------------------------------------------------
// CSV cases of the bad-input corpus, through FileIngest (detection + the CSV parsers)
// ------------------------------------------------------------------------------------------

const IO_HEADER: &str = "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,tweet_text,tweet_time,tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,retweet_count,hashtags,urls,user_mentions,poll_choices";

fn io_row(id: u64, user: &str, text: &str) -> String {
    format!("{id},{user},{user},{user},,,,10,20,2019-01-01,en,en,{text},2020-03-01 10:00,Twitter Web App,,,,false,,,absent,absent,0,0,0,0,[],[],[],\n")
}

#[test]
fn bad_csv_missing_required_columns() {
    let (ds, reps) = check_all("missing.csv", &data("bad/missing_columns.csv"), &opts());
    let r = &reps[0];
    let f = r.fatal.clone().unwrap_or_default();
    assert_eq!(r.format, Some(Format::IoTweets), "{}", messages(r));
    assert!(f.contains("required column") && f.contains("`userid`"), "{f}");
    assert_eq!(ds.n_posts(), 0);
}

#[test]
fn bad_csv_duplicated_headers() {
    let (ds, reps) = check_all("dup.csv", &data("bad/duplicated_headers.csv"), &opts());
    let r = &reps[0];
    let m = messages(r);
    assert!(
        m.contains(
            "the header names a column more than once: `tweet_text` (columns 13, 32); the first of each is read"
        ),
        "{m}"
    );
    assert!(r.balanced());
    assert_eq!(ds.n_posts(), 2, "{m}");
    assert_ne!(ds.posts.text_fp(0), ds.posts.text_fp(1), "the first tweet_text column is read");
}

#[test]
fn bad_csv_mixed_types_in_a_column() {
    let (ds, reps) = check_all("mixed.csv", &data("bad/mixed_types.csv"), &opts());
    let r = &reps[0];
    let m = messages(r);
    assert!(m.contains("tweet 1577331119823224835: tweet_time `12345abc` is not a time"), "{m}");
    assert_eq!(r.records_rejected, 1, "{m}");
    assert!(r.balanced());
    // a word in a count column leaves the count unknown; letters in an id are a (hashed) id
    assert_eq!(ds.n_posts(), 4, "{m}");
    let b = ds.accounts.ids.get("b").unwrap() as usize;
    assert_eq!(ds.accounts.followers[b], u32::MAX);
}

#[test]
fn bad_csv_100mb_single_field() {
    let mut b = DatasetBuilder::new(opts());
    let mut f = FileIngest::new("huge.csv", &opts(), &mut b);
    f.feed(IO_HEADER.as_bytes(), &mut b);
    f.feed(b"\n", &mut b);
    f.feed(io_row(1577331119823224833, "u1", "good before").as_bytes(), &mut b);
    f.feed(b"1577331119823224834,u2,u2,u2,,,,1,1,2019-01-01,en,en,\"", &mut b);
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..100 {
        f.feed(&chunk, &mut b);
    }
    f.feed(b"\",2020-03-01 10:00,Web,,,,false,,,absent,absent,0,0,0,0,[],[],[],\n", &mut b);
    f.feed(io_row(1577331119823224835, "u3", "good after").as_bytes(), &mut b);
    f.finish(&mut b);
    let (ds, reps) = b.finish();
    let r = &reps[0];
    assert!(messages(r).contains("exceeds the row size limit; skipped"), "{}", messages(r));
    assert_eq!(ds.n_posts(), 2, "{}", messages(r));
    assert_eq!(count(r, DiagKind::TooLong), 1, "{}", messages(r));
    assert!(r.balanced());
}

#[test]
fn csv_inside_gzip_and_zip() {
    let mut csv = format!("{IO_HEADER}\n");
    for i in 0..20 {
        csv.push_str(&io_row(1577331119823224833 + i, &format!("u{}", i % 3), "same text #tag"));
    }
    let plain = check_all("io_tweets_csv_hashed.csv", csv.as_bytes(), &opts());
    assert_eq!(plain.1[0].format, Some(Format::IoTweets));
    assert_eq!(plain.0.n_posts(), 20, "{}", messages(&plain.1[0]));
    let gz = check_all("io_tweets_csv_hashed.csv.gz", &gzip(csv.as_bytes()), &opts());
    assert_eq!(snapshot(&gz.0), snapshot(&plain.0));
    let mut z = zip_entry("io_tweets_csv_hashed.csv", csv.as_bytes(), DEFLATE);
    z.extend(zip_end());
    let zz = check_all("io.zip", &z, &opts());
    assert_eq!(snapshot(&zz.0), snapshot(&plain.0));
    assert_eq!(zz.1[1].format, Some(Format::IoTweets));
}
