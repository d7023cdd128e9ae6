//! CSV ingest: every fixture under `data/csv/` read whole, byte by byte and in pseudo-random
//! chunkings must give the same dataset and report; each case checks the accounting
//! (read = kept + duplicates + rejected), the kept/rejected counts and the position of every
//! diagnostic, plus what the rows mean (kinds, targets, times, account attributes).

use chorus::core::ingest::{
    auto_csv_parser, csv_parser, ColumnMapping, DatasetBuilder, FileReport, Format, IngestOptions,
};
use chorus::core::model::{post_key, Dataset, DiagKind, Kind, NONE, NO_TIME};
use std::fmt::Write;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/it/data/csv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A tiny deterministic LCG (Numerical Recipes constants) for chunk sizes.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, max: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        1 + (self.0 >> 33) as usize % max
    }
}

/// Chunk sizes: whole, 1-byte, and pseudo-random chunkings.
fn chunkings(len: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![len.max(1)], vec![1; len]];
    for (seed, max) in [(1u64, 7usize), (2, 64), (3, 1000), (4, 3)] {
        let mut rng = Lcg(seed);
        let mut sizes = Vec::new();
        let mut total = 0;
        while total < len {
            let n = rng.next(max);
            sizes.push(n);
            total += n;
        }
        out.push(sizes);
    }
    out
}

/// Read `bytes` as one file with the given chunk sizes.
fn ingest(bytes: &[u8], format: Option<Format>, opts: &IngestOptions, chunks: &[usize]) -> (Dataset, Vec<FileReport>) {
    let mut b = DatasetBuilder::new(opts.clone());
    b.begin_file("input.csv");
    let mut p = match format {
        Some(f) => {
            b.set_format(f);
            csv_parser(f, opts).expect("a CSV parser")
        }
        None => auto_csv_parser(opts),
    };
    let mut i = 0;
    for &n in chunks {
        let end = (i + n).min(bytes.len());
        p.feed(&bytes[i..end], &mut b);
        i = end;
    }
    p.finish(&mut b);
    b.finish()
}

/// Everything a reader decides, as text (datasets have no `PartialEq`).
fn render(ds: &Dataset, reports: &[FileReport]) -> String {
    let mut s = String::new();
    let acc = |i: u32| if i == NONE { "-".to_string() } else { ds.accounts.ids.resolve(i).to_string() };
    let p = &ds.posts;
    for i in 0..p.len() {
        let names = |r: &chorus::core::model::Ragged, v: &chorus::core::model::Interner| {
            r.row(i).iter().map(|&x| v.resolve(x).to_string()).collect::<Vec<_>>().join("|")
        };
        writeln!(
            s,
            "post {} {} {} {:?} {} {} {:x} {:x} [{}] [{}] [{}]",
            p.id[i],
            acc(p.account[i]),
            p.time_ms(i),
            p.kind[i],
            p.target_post(i),
            acc(p.target_account(i)),
            p.text_fp(i),
            p.simhash(i),
            names(&p.hashtags, &ds.hashtags),
            names(&p.urls, &ds.urls),
            names(&p.mentions, &ds.mentions)
        )
        .unwrap();
    }
    let a = &ds.accounts;
    for i in 0..a.len() {
        let lang = if a.language[i] == NONE { "-" } else { ds.languages.resolve(a.language[i]) };
        let client = if a.client[i] == NONE { "-" } else { ds.clients.resolve(a.client[i]) };
        writeln!(
            s,
            "account {} {} {} {} {} {} {} {} {} {}",
            a.ids.resolve(i as u32),
            a.screen_name[i],
            a.display_name[i],
            a.created_at[i],
            a.followers[i],
            a.following[i],
            lang,
            a.description_empty[i],
            client,
            a.has_profile[i]
        )
        .unwrap();
    }
    writeln!(s, "{reports:#?}").unwrap();
    s
}

/// Where the line holding the first `marker` begins: (line, byte), counted independently of the
/// reader (LF, CRLF and lone CR end a line).
fn locate(bytes: &[u8], marker: &str) -> (u64, u64) {
    let m = marker.as_bytes();
    let mut at =
        bytes.windows(m.len()).position(|w| w == m).unwrap_or_else(|| panic!("marker {marker:?} not in fixture"));
    while at > 0 && bytes[at - 1] != b'\n' && bytes[at - 1] != b'\r' {
        at -= 1;
    }
    let mut line = 1;
    let mut i = 0;
    while i < at {
        if bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
        i += 1;
    }
    (line, at as u64)
}

struct Case {
    file: &'static str,
    /// None: detect from the header.
    format: Option<Format>,
    mapping: Option<ColumnMapping>,
    detected: Option<Format>,
    kept: u64,
    duplicates: u64,
    rejected: u64,
    repaired: u64,
    /// (kind, record, marker at the start of the record's line or record, rejected)
    diags: &'static [(DiagKind, u64, &'static str, bool)],
    fatal: Option<&'static str>,
    check: fn(&Dataset),
}

fn run(case: &Case) {
    let bytes = fixture(case.file);
    let opts = IngestOptions { mapping: case.mapping.clone(), ..Default::default() };
    let mut first: Option<String> = None;
    for chunks in chunkings(bytes.len()) {
        let (ds, reports) = ingest(&bytes, case.format, &opts, &chunks);
        let text = render(&ds, &reports);
        match &first {
            None => {
                let r = &reports[0];
                assert!(r.balanced(), "{}: unbalanced {r:#?}", case.file);
                assert_eq!(
                    (r.records_kept, r.duplicates, r.records_rejected, r.records_repaired),
                    (case.kept, case.duplicates, case.rejected, case.repaired),
                    "{}: kept/duplicates/rejected/repaired {r:#?}",
                    case.file
                );
                assert_eq!(r.records_read, case.kept + case.duplicates + case.rejected);
                assert_eq!(r.format, case.detected.or(case.format), "{}", case.file);
                match (case.fatal, &r.fatal) {
                    (None, None) => {}
                    (Some(want), Some(got)) => assert!(got.contains(want), "{}: fatal {got:?}", case.file),
                    (want, got) => panic!("{}: fatal {got:?}, want {want:?}", case.file),
                }
                let got: Vec<(DiagKind, u64, u64, u64, bool)> =
                    r.diagnostics.iter().map(|d| (d.kind, d.at.record, d.at.line, d.at.byte, d.rejected)).collect();
                let want: Vec<(DiagKind, u64, u64, u64, bool)> = case
                    .diags
                    .iter()
                    .map(|&(kind, record, marker, rejected)| {
                        let (line, byte) = if record == 0 { (0, 0) } else { locate(&bytes, marker) };
                        (kind, record, line, byte, rejected)
                    })
                    .collect();
                assert_eq!(got, want, "{}: diagnostics {:#?}", case.file, r.diagnostics);
                for d in &r.diagnostics {
                    assert!(!d.message.is_empty() && d.file == "input.csv");
                }
                (case.check)(&ds);
                first = Some(text);
            }
            Some(f) => {
                assert_eq!(&text, f, "{}: chunking {:?}… changed the result", case.file, &chunks[..chunks.len().min(8)])
            }
        }
    }
}

fn post(ds: &Dataset, id: &str) -> usize {
    let key = post_key(id);
    ds.posts.id.iter().position(|&k| k == key).unwrap_or_else(|| panic!("post {id} not kept"))
}
fn account(ds: &Dataset, id: &str) -> usize {
    ds.accounts.ids.get(id).unwrap_or_else(|| panic!("account {id} missing")) as usize
}
fn tags(ds: &Dataset, i: usize) -> Vec<&str> {
    ds.posts.hashtags.row(i).iter().map(|&h| ds.hashtags.resolve(h)).collect()
}
fn urls(ds: &Dataset, i: usize) -> Vec<&str> {
    ds.posts.urls.row(i).iter().map(|&h| ds.urls.resolve(h)).collect()
}
fn mentions(ds: &Dataset, i: usize) -> Vec<&str> {
    ds.posts.mentions.row(i).iter().map(|&h| ds.mentions.resolve(h)).collect()
}

fn check_io_2018(ds: &Dataset) {
    let a = ds.accounts.ids.iter().find(|(_, s)| s.len() == 64).map(|(_, s)| s.to_string()).unwrap_or_default();
    // Original: snowflake time to the millisecond, Arabic hashtags, URL list.
    let p1 = post(ds, "1050118621197500416");
    assert_eq!(ds.posts.time_ms(p1), 1_539_202_764_211);
    assert_eq!(ds.posts.kind[p1], Kind::Post);
    assert_eq!(tags(ds, p1), ["تويتر", "news"]);
    assert_eq!(urls(ds, p1), ["http://example.com/a?x=1"]);
    assert_ne!(ds.posts.text_fp(p1), 0);
    let author = ds.posts.account[p1] as usize;
    assert_eq!(ds.accounts.ids.resolve(author as u32), a);
    assert_eq!(&*ds.accounts.screen_name[author], a);
    assert_eq!(ds.accounts.followers[author], 1520);
    assert_eq!(ds.accounts.created_at[author], 1_488_240_000_000); // 2017-02-28
    assert_eq!(ds.accounts.description_empty[author], 0);
    assert_eq!(ds.clients.resolve(ds.accounts.client[author]), "Twitter for Android");
    // Retweet with retweet_userid.
    let p2 = post(ds, "1050119035569569799");
    assert_eq!(ds.posts.kind[p2], Kind::Retweet);
    assert_eq!(ds.posts.target_post(p2), 1_050_118_621_197_500_416);
    assert_eq!(ds.posts.target_account(p2) as usize, author);
    assert_eq!(ds.posts.text_fp(p2), 0);
    assert_eq!(mentions(ds, p2), [a.as_str()]);
    let b = ds.posts.account[p2] as usize;
    assert_eq!(ds.accounts.description_empty[b], 1);
    assert_eq!(ds.accounts.following[b], 4000);
    // Retweet without retweet_userid: the retweeted post is in the file, so its author is the
    // target (by post id, more reliable than the "RT @SomeNews_24:" text); otherwise the name.
    let p3 = post(ds, "1050120281252691969");
    assert_eq!(ds.posts.kind[p3], Kind::Retweet);
    let t = ds.posts.target_account(p3);
    assert_ne!(t, NONE);
    match (0..ds.n_posts()).find(|&i| ds.posts.id[i] == ds.posts.target_post(p3)) {
        Some(orig) => assert_eq!(t, ds.posts.account[orig]),
        None => assert_eq!(&*ds.accounts.screen_name[t as usize], "somenews_24"),
    }
    let c = ds.posts.account[p3] as usize;
    assert_eq!((ds.accounts.followers[c], ds.accounts.following[c]), (u32::MAX, u32::MAX));
    // Reply by a numeric (unhashed) account; mention `0` dropped.
    let p4 = post(ds, "1050294936269750272");
    assert_eq!(ds.posts.kind[p4], Kind::Reply);
    assert_eq!(ds.posts.target_post(p4), 1_050_118_621_197_500_416);
    assert_eq!(ds.posts.target_account(p4) as usize, author);
    assert_eq!(mentions(ds, p4), ["1234567"]);
    assert_eq!(&*ds.accounts.screen_name[account(ds, "2722354677")], "real_person");
    // Quote; hashtags with `#` and case folded to one.
    let p5 = post(ds, "1050317707146166272");
    assert_eq!(ds.posts.kind[p5], Kind::Quote);
    assert_eq!(ds.posts.target_post(p5), 1_050_294_936_269_750_272);
    assert_eq!(tags(ds, p5), ["vote"]);
    // Pre-snowflake id: minute time from tweet_time; `FALSE` is not a retweet.
    let p9 = post(ds, "12345678");
    assert_eq!(ds.posts.time_ms(p9), 1_241_181_240_000);
    assert_eq!(ds.posts.kind[p9], Kind::Post);
    assert_eq!(ds.n_posts(), 6);
}

fn check_io_2019(ds: &Dataset) {
    let p1 = post(ds, "1220905149422108672");
    assert_eq!(ds.posts.time_ms(p1), 1_579_921_445_600);
    assert_eq!(tags(ds, p1), ["hongkong", "china"]);
    assert_eq!(urls(ds, p1), ["https://www.youtube.com/watch?v=abc,def"]);
    assert_eq!(mentions(ds, p1), ["1234567"]);
    let d = ds.posts.account[p1] as usize;
    let d_id = ds.accounts.ids.resolve(d as u32);
    assert!(d_id.len() == 44 && d_id.ends_with('='), "{d_id}");
    assert_eq!(ds.accounts.followers[d], 0);
    assert_eq!(ds.languages.resolve(ds.accounts.language[d]), "zh-cn");
    let p2 = post(ds, "1220905164102172675");
    assert_eq!(ds.posts.kind[p2], Kind::Retweet);
    assert_eq!(ds.posts.target_account(p2) as usize, d);
    // The row with invalid bytes is kept, repaired.
    let p3 = post(ds, "1234448365777846272");
    assert_ne!(ds.posts.text_fp(p3), 0);
    assert_eq!(ds.accounts.created_at[ds.posts.account[p3] as usize], 1_582_934_400_000); // 2020-02-29
                                                                                          // 2019 order: in_reply_to_userid / in_reply_to_tweetid swapped, read by name.
    let p4 = post(ds, "1234448491606966272");
    assert_eq!(ds.posts.kind[p4], Kind::Reply);
    assert_eq!(ds.posts.target_post(p4), 1_220_905_149_422_108_672);
    assert_eq!(ds.posts.target_account(p4) as usize, d);
    assert_eq!(ds.n_posts(), 4);
}

fn check_users(ds: &Dataset) {
    assert_eq!(ds.n_posts(), 0);
    assert_eq!(ds.n_accounts(), 3);
    let n = account(ds, "1014567890123456789");
    assert_eq!(&*ds.accounts.display_name[n], "名字");
    assert_eq!(ds.accounts.created_at[n], NO_TIME);
    assert_eq!((ds.accounts.followers[n], ds.accounts.following[n]), (7, 8));
    assert!(ds.accounts.has_profile[n]);
    let d = ds.accounts.ids.iter().find(|(_, s)| s.len() == 44).map(|(i, _)| i as usize).unwrap_or(usize::MAX);
    assert_eq!(ds.accounts.description_empty[d], 1);
    assert_eq!(ds.accounts.followers[d], u32::MAX);
}

fn check_coortweet(ds: &Dataset) {
    assert_eq!(ds.n_posts(), 4);
    assert!(ds.posts.kind.iter().all(|&k| k == Kind::Retweet));
    assert_eq!(ds.posts.target_post(0), ds.posts.target_post(1));
    assert_eq!(ds.posts.time_ms(1) - ds.posts.time_ms(0), 3000);
    assert_eq!(ds.posts.time_ms(2), 1_580_000_100_500);
    assert_eq!(urls(ds, 2), ["https://example.org/story?id=7"]);
    assert_eq!(ds.domains.resolve(ds.url_domain[ds.posts.urls.row(2)[0] as usize]), "example.org");
    assert_eq!(tags(ds, 3), ["hashtag"]);
    assert_eq!(ds.posts.target_post(2), post_key("https://example.org/story?id=7"));
}

fn check_toolkit(ds: &Dataset) {
    assert_eq!(ds.n_posts(), 3);
    let p1 = post(ds, "1001");
    assert_eq!(ds.posts.time_ms(p1), 1_580_000_000_250);
    assert_eq!(urls(ds, p1), ["https://a.example/x", "https://b.example/y"]);
    assert_eq!(&*ds.accounts.screen_name[account(ds, "11")], "alice");
    let p2 = post(ds, "1002");
    assert_eq!((ds.posts.kind[p2], ds.posts.target_post(p2)), (Kind::Retweet, 1001));
    assert_eq!(ds.posts.target_account(p2) as usize, account(ds, "11"));
    let p3 = post(ds, "1003");
    assert_eq!((ds.posts.kind[p3], ds.posts.target_post(p3)), (Kind::Reply, 1001));
}

fn check_twarc(ds: &Dataset) {
    assert_eq!(ds.n_posts(), 3);
    let p1 = post(ds, "1577676163349196800");
    assert_eq!(ds.posts.time_ms(p1), 1_664_897_105_000);
    assert_eq!(tags(ds, p1), ["launch"]);
    assert_eq!(urls(ds, p1), ["https://blog.example.com/launch"]);
    let a = account(ds, "783214");
    assert_eq!(&*ds.accounts.screen_name[a], "Twitter");
    assert_eq!(ds.accounts.followers[a], 65_000_000);
    assert_eq!(ds.accounts.description_empty[a], 0);
    let p2 = post(ds, "1577676200000000000");
    assert_eq!((ds.posts.kind[p2], ds.posts.target_post(p2)), (Kind::Retweet, 1_577_676_163_349_196_800));
    assert_eq!(ds.posts.target_account(p2) as usize, a);
    assert_eq!(mentions(ds, p2), ["twitter"]);
    assert_eq!(ds.accounts.description_empty[account(ds, "999")], 1);
    let p3 = post(ds, "1577676300000000000");
    assert_eq!(ds.posts.kind[p3], Kind::Reply);
    assert_eq!(ds.posts.target_account(p3) as usize, a);
}

fn check_generic(ds: &Dataset) {
    assert_eq!(ds.n_posts(), 2);
    let p1 = post(ds, "p1");
    assert_eq!(tags(ds, p1), ["a", "b"]);
    assert_eq!(urls(ds, p1), ["https://x.example/1"]);
    let p2 = post(ds, "p2");
    assert_eq!((ds.posts.kind[p2], ds.posts.target_post(p2)), (Kind::Retweet, post_key("p1")));
    assert_eq!(ds.posts.time_ms(p2) - ds.posts.time_ms(p1), 5000);
}

fn no_check(_: &Dataset) {}

#[test]
fn csv_fixtures() {
    use DiagKind::*;
    let cases = [
        Case {
            file: "io_tweets_2018.csv",
            format: None,
            mapping: None,
            detected: Some(Format::IoTweets),
            kept: 6,
            duplicates: 1,
            rejected: 3,
            repaired: 0,
            diags: &[
                (BadValue, 6, "bad time row", true),
                (MissingField, 7, "no user", true),
                (Duplicate, 8, "duplicate of the first", false),
                (FieldCount, 10, "short row", true),
            ],
            fatal: None,
            check: check_io_2018,
        },
        Case {
            file: "io_tweets_2019.csv",
            format: Some(Format::IoTweets),
            mapping: None,
            detected: None,
            kept: 4,
            duplicates: 0,
            rejected: 1,
            repaired: 1,
            diags: &[(InvalidUtf8, 3, "1234448365777846272,", false), (Truncated, 5, "1234629559710646272,", true)],
            fatal: None,
            check: check_io_2019,
        },
        Case {
            file: "io_users.csv",
            format: None,
            mapping: None,
            detected: Some(Format::IoUsers),
            kept: 3,
            duplicates: 0,
            rejected: 1,
            repaired: 1,
            diags: &[(BadValue, 3, "1014567890123456789,", false), (MissingField, 4, ",nobody,", true)],
            fatal: None,
            check: check_users,
        },
        Case {
            file: "io_tweets_missing_columns.csv",
            format: Some(Format::IoTweets),
            mapping: None,
            detected: None,
            kept: 0,
            duplicates: 0,
            rejected: 0,
            repaired: 0,
            diags: &[],
            fatal: Some("required columns `userid`, `tweet_time` missing"),
            check: no_check,
        },
        Case {
            file: "coortweet.csv",
            format: None,
            mapping: None,
            detected: Some(Format::Coortweet),
            kept: 4,
            duplicates: 0,
            rejected: 2,
            repaired: 0,
            diags: &[(BadValue, 5, "not-a-time", true), (MissingField, 6, ",,", true)],
            fatal: None,
            check: check_coortweet,
        },
        Case {
            file: "toolkit.csv",
            format: None,
            mapping: None,
            detected: Some(Format::Toolkit),
            kept: 3,
            duplicates: 0,
            rejected: 2,
            repaired: 0,
            diags: &[(MissingField, 4, "1004,", true), (BadValue, 5, "1005,", true)],
            fatal: None,
            check: check_toolkit,
        },
        Case {
            file: "twarc.csv",
            format: None,
            mapping: None,
            detected: Some(Format::TwarcCsv),
            kept: 3,
            duplicates: 0,
            rejected: 1,
            repaired: 0,
            diags: &[(BadValue, 4, "1577676400000000000,", true)],
            fatal: None,
            check: check_twarc,
        },
        Case {
            file: "generic_semicolon.csv",
            format: None,
            mapping: Some(ColumnMapping {
                account: Some("User".into()),
                time: Some("Posted at".into()),
                post_id: Some("Post ID".into()),
                repost_of: Some("Shared post".into()),
                text: Some("Body".into()),
                urls: Some("Links".into()),
                hashtags: Some("Tags".into()),
                ..Default::default()
            }),
            detected: Some(Format::GenericCsv),
            kept: 2,
            duplicates: 0,
            rejected: 1,
            repaired: 0,
            diags: &[(MissingField, 3, "u3;", true)],
            fatal: None,
            check: check_generic,
        },
        Case {
            file: "generic_semicolon.csv",
            format: None,
            mapping: None,
            detected: None,
            kept: 0,
            duplicates: 0,
            rejected: 0,
            repaired: 0,
            diags: &[],
            fatal: Some("unrecognised CSV header; map its columns to read it (columns: user, posted at,"),
            check: no_check,
        },
    ];
    for case in &cases {
        run(case);
    }
}

/// UTF-16 input is fatal with a clear message; nothing is read.
#[test]
fn utf16_is_fatal_and_clear() {
    let text = "tweetid,userid,tweet_time\n1,2,2020-01-01 00:00\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
    let no_bom: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    for bytes in [le, be, no_bom] {
        for chunks in chunkings(bytes.len()) {
            let (ds, reports) = ingest(&bytes, None, &IngestOptions::default(), &chunks);
            assert_eq!(ds.n_posts(), 0);
            let r = &reports[0];
            assert_eq!(r.records_read, 0);
            let fatal = r.fatal.as_deref().unwrap_or("");
            assert!(fatal.contains("UTF-16") && fatal.contains("re-save"), "{fatal}");
        }
    }
}

/// A row over the 16 MiB limit is rejected as too long; the rows around it are kept and memory
/// stays bounded by the limit.
#[test]
fn oversized_row_is_rejected_and_reading_resumes() {
    let mut bytes = b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n".to_vec();
    bytes.extend_from_slice(b"1,11,a,,,short,1580000000,\n2,12,b,,,\"");
    bytes.extend(std::iter::repeat_n(b'x', 17 << 20));
    bytes.extend_from_slice(b"\",1580000001,\n3,13,c,,,after,1580000002,\n");
    for chunks in [vec![bytes.len()], vec![65_536; bytes.len() / 65_536 + 1], vec![1_000_003; 20]] {
        let (ds, reports) = ingest(&bytes, None, &IngestOptions::default(), &chunks);
        let r = &reports[0];
        assert!(r.balanced());
        assert_eq!((r.records_kept, r.records_rejected), (2, 1), "{r:#?}");
        let d = &r.diagnostics[0];
        let (line, byte) = locate(&bytes, "2,12,b");
        assert_eq!((d.kind, d.at.record, d.at.line, d.at.byte), (DiagKind::TooLong, 2, line, byte));
        assert_eq!(ds.n_posts(), 2);
    }
}

/// The same campaign's tweets in two parts plus its users file join into one dataset; a tweet
/// repeated across parts counts once.
#[test]
fn parts_and_users_join() {
    let opts = IngestOptions::default();
    let mut b = DatasetBuilder::new(opts.clone());
    for name in ["io_users.csv", "io_tweets_2018.csv", "io_tweets_2019.csv", "io_tweets_2018.csv"] {
        b.begin_file(name);
        let mut p = auto_csv_parser(&opts);
        p.feed(&fixture(name), &mut b);
        p.finish(&mut b);
    }
    let (ds, reports) = b.finish();
    assert_eq!(ds.n_posts(), 10);
    assert!(reports.iter().all(FileReport::balanced));
    assert_eq!(reports[3].duplicates, 7);
    assert_eq!(reports[3].records_kept, 0);
    // The users file's attributes and the tweets' agree on one account.
    let a = ds.accounts.ids.iter().find(|(_, s)| s.len() == 64).map(|(i, _)| i as usize).unwrap_or(usize::MAX);
    assert!(ds.accounts.has_profile[a]);
}

/// Parts concatenated with `cat` repeat the header: that row is reported, the rest read (the
/// second part's posts are duplicates of the first's).
#[test]
fn concatenated_parts_repeat_the_header() {
    let part = fixture("coortweet.csv");
    let mut bytes = part.clone();
    bytes.extend_from_slice(&part);
    let mut first = None;
    for chunks in chunkings(bytes.len()) {
        let (ds, reports) = ingest(&bytes, None, &IngestOptions::default(), &chunks);
        let r = &reports[0];
        assert!(r.balanced());
        assert_eq!((r.records_kept, r.duplicates, r.records_rejected), (4, 4, 5));
        let d = r.diagnostics.iter().find(|d| d.kind == DiagKind::Syntax).expect("repeated header reported");
        assert_eq!((d.at.record, d.at.line, d.at.byte), (7, 8, part.len() as u64));
        let text = render(&ds, &reports);
        assert_eq!(first.get_or_insert_with(|| text.clone()), &text);
    }
}

/// Mutated fixtures (bytes flipped, inserted, deleted; quotes, line ends, NULs, invalid UTF-8):
/// no panic, balanced accounting, and the same result whatever the chunking. A longer run:
/// `FUZZ_SEED=n FUZZ_ROUNDS=10000 cargo test --test it mutated`.
#[test]
fn mutated_fixtures_never_panic_and_stay_balanced() {
    let files =
        ["io_tweets_2018.csv", "io_tweets_2019.csv", "io_users.csv", "coortweet.csv", "toolkit.csv", "twarc.csv"];
    let specials: &[u8] = b"\",\r\n\0\xff\xc3;\t[]'#@";
    let mut rng = Lcg(std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7));
    let env = |k: &str, d: u64| std::env::var(k).ok().and_then(|s| s.parse().ok()).unwrap_or(d);
    for round in 0..env("FUZZ_ROUNDS", 240) as usize {
        let mut bytes = fixture(files[round % files.len()]);
        for _ in 0..rng.next(6) {
            let at = rng.next(bytes.len()) - 1;
            let b = if rng.next(2) == 1 { specials[rng.next(specials.len()) - 1] } else { (rng.next(256) - 1) as u8 };
            match rng.next(3) {
                1 => bytes[at] = b,
                2 => bytes.insert(at, b),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let opts = IngestOptions::default();
        let (ds, reports) = ingest(&bytes, None, &opts, &[bytes.len()]);
        let whole = render(&ds, &reports);
        assert!(reports[0].balanced(), "round {round}: {:#?}", reports[0]);
        let mut sizes = Vec::new();
        let mut total = 0;
        while total < bytes.len() {
            let n = rng.next(50);
            sizes.push(n);
            total += n;
        }
        let (ds, reports) = ingest(&bytes, None, &opts, &sizes);
        assert_eq!(render(&ds, &reports), whole, "round {round}: chunking changed the result");
    }
}
