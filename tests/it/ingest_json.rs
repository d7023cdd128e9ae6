//! JSON-lines parsers: twarc2 API pages, twarc2 flattened tweets, v1.1 tweets — field by field,
//! and identical results for every chunking (via `check_all`).

use crate::ingest_stream::{check_all, data, messages, opts};
use chorus::core::ingest::json::client_name;
use chorus::core::ingest::{Format, IngestOptions};
use chorus::core::model::{post_key, Dataset, DiagKind, Kind};

fn post(ds: &Dataset, id: &str) -> usize {
    let key = post_key(id);
    ds.posts.id.iter().position(|&k| k == key).unwrap_or_else(|| panic!("post {id} not kept"))
}

fn acc(ds: &Dataset, idx: u32) -> &str {
    ds.accounts.ids.resolve(idx)
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

const ORIG: &str = "1577331119823224833";

#[test]
fn twarc2_pages() {
    let (ds, reps) = check_all("pages.jsonl", &data("json/twarc2_pages.jsonl"), &opts());
    let r = &reps[0];
    assert_eq!(r.format, Some(Format::Twarc2Jsonl));
    assert_eq!((r.records_read, r.records_kept, r.records_rejected), (5, 5, 0), "{}", messages(r));
    // the error page is a note, not a record
    let m = messages(r);
    assert!(
        m.contains("line 2: an API error response without tweets (1 error(s); first: Authorization Error: Sorry"),
        "{m}"
    );
    // the retweet: author joined through includes.users, target author through includes.tweets
    let rt = post(&ds, "1577332378009575424");
    assert_eq!(ds.posts.kind[rt], Kind::Retweet);
    assert_eq!(acc(&ds, ds.posts.account[rt]), "1262374658003689472");
    assert_eq!(ds.posts.target_post(rt), post_key(ORIG));
    assert_eq!(acc(&ds, ds.posts.target_account(rt)), "1187226470718181376");
    assert_eq!(ds.posts.time_ms(rt), 1664897105000); // 2022-10-04T15:25:05Z
    assert_eq!(ds.posts.text_fp(rt), 0, "a retweet has no own text");
    assert_eq!(tags(&ds, rt), ["election2022"]);
    assert_eq!(urls(&ds, rt), ["https://example.org/news/2022/10/04/story?utm=x"]);
    assert_eq!(mentions(&ds, rt), ["newsdeskdaily"]);
    // the reply
    let re = post(&ds, "1577333000000000001");
    assert_eq!(ds.posts.kind[re], Kind::Reply);
    assert_eq!(acc(&ds, ds.posts.target_account(re)), "1187226470718181376");
    assert_ne!(ds.posts.text_fp(re), 0);
    // the quote
    let q = post(&ds, "1577334100000000002");
    assert_eq!(ds.posts.kind[q], Kind::Quote);
    assert_eq!(ds.posts.target_post(q), post_key(ORIG));
    // the original and a single-tweet lookup page (`data` is an object)
    let o = post(&ds, ORIG);
    assert_eq!(ds.posts.kind[o], Kind::Post);
    let one = post(&ds, "1577335000000000003");
    assert_eq!(tags(&ds, one), ["one"]);
    // author attributes
    let a = account(&ds, "1262374658003689472");
    assert_eq!(&*ds.accounts.screen_name[a], "patriot_voice88");
    assert_eq!(&*ds.accounts.display_name[a], "Voice of the People");
    assert_eq!(ds.accounts.created_at[a], 1589806931000); // 2020-05-18T13:02:11Z
    assert_eq!((ds.accounts.followers[a], ds.accounts.following[a]), (12, 431));
    assert_eq!(ds.accounts.description_empty[a], 1);
    assert!(ds.accounts.has_profile[a]);
    let b = account(&ds, "1187226470718181376");
    assert_eq!(ds.accounts.description_empty[b], 0);
    let old = account(&ds, "998877");
    assert_eq!(ds.clients.resolve(ds.accounts.client[old]), "Twitter for Android");
}

#[test]
fn twarc2_flattened_equals_pages() {
    let (flat, reps) = check_all("flat.jsonl", &data("json/twarc2_flat.jsonl"), &opts());
    let r = &reps[0];
    assert_eq!(r.format, Some(Format::Twarc2Jsonl));
    assert_eq!((r.records_read, r.records_kept), (4, 4), "{}", messages(r));
    assert!(r.diagnostics.is_empty(), "{}", messages(r));
    let rt = post(&flat, "1577332378009575424");
    assert_eq!(flat.posts.kind[rt], Kind::Retweet);
    assert_eq!(acc(&flat, flat.posts.target_account(rt)), "1187226470718181376");
    let re = post(&flat, "1577333000000000001");
    assert_eq!(flat.posts.kind[re], Kind::Reply);
    let a = account(&flat, "1262374658003689472");
    assert_eq!(&*flat.accounts.screen_name[a], "patriot_voice88");
    assert_eq!(flat.accounts.followers[a], 12);
}

#[test]
fn v1_tweets() {
    let (ds, reps) = check_all("v1.jsonl", &data("json/v1.jsonl"), &opts());
    let r = &reps[0];
    assert_eq!(r.format, Some(Format::V1Jsonl));
    // 7 lines: 5 tweets (one a duplicate) and 2 stream notices
    assert_eq!((r.records_read, r.records_kept, r.duplicates, r.records_rejected), (5, 4, 1, 0), "{}", messages(r));
    let m = messages(r);
    assert!(m.contains("skipped 2 stream notice line(s) (delete, limit, warning…)"), "{m}");
    assert!(m.contains("post 1050118621198921728 was already read"), "{m}");
    assert_eq!(crate::ingest_stream::count(r, DiagKind::Duplicate), 1);
    let o = post(&ds, "1050118621198921728");
    assert_eq!(ds.posts.time_ms(o), 1539202764000); // Wed Oct 10 20:19:24 +0000 2018
    assert_eq!(tags(&ds, o), ["border"]);
    assert_eq!(urls(&ds, o), ["https://www.example.com/border-plan"]);
    let rt = post(&ds, "1050119031162712064");
    assert_eq!(ds.posts.kind[rt], Kind::Retweet);
    assert_eq!(ds.posts.target_post(rt), post_key("1050118621198921728"));
    assert_eq!(acc(&ds, ds.posts.target_account(rt)), "25073877");
    assert_eq!(mentions(&ds, rt), ["realnewsoutlet"]);
    // a streaming tweet whose full text and entities are in extended_tweet, replying
    let long = post(&ds, "1050121288000000000");
    assert_eq!(ds.posts.kind[long], Kind::Reply);
    assert_eq!(acc(&ds, ds.posts.target_account(long)), "25073877");
    assert_eq!(tags(&ds, long), ["border", "maga"]);
    let q = post(&ds, "1050125103000000000");
    assert_eq!(ds.posts.kind[q], Kind::Quote);
    assert_eq!(acc(&ds, ds.posts.target_account(q)), "25073877");
    // account attributes from v1.1 user objects; `description: null` is an empty description
    let a = account(&ds, "1045617519216513024");
    assert_eq!(&*ds.accounts.screen_name[a], "amplifier_0042");
    assert_eq!(ds.accounts.created_at[a], 1538129472000); // Fri Sep 28 10:11:12 +0000 2018
    assert_eq!((ds.accounts.followers[a], ds.accounts.following[a]), (3, 1200));
    assert_eq!(ds.accounts.description_empty[a], 1);
    assert_eq!(ds.clients.resolve(ds.accounts.client[a]), "Twitter Web App");
    let b = account(&ds, "25073877");
    assert_eq!(ds.languages.resolve(ds.accounts.language[b]), "en");
}

#[test]
fn forced_format_and_mixed_shapes() {
    // a v1.1 file read with the v2 format forced still reads every tweet (shapes are per line)
    let o = IngestOptions { format: Some(Format::Twarc2Jsonl), ..opts() };
    let (ds, reps) = check_all("v1.jsonl", &data("json/v1.jsonl"), &o);
    assert_eq!(reps[0].format, Some(Format::Twarc2Jsonl));
    assert_eq!(ds.n_posts(), 4);
    // concatenated collections: v2 pages then v1.1 lines
    let mut both = data("json/twarc2_pages.jsonl");
    both.extend(data("json/v1.jsonl"));
    let (ds, reps) = check_all("both.jsonl", &both, &opts());
    assert_eq!(ds.n_posts(), 9, "{}", messages(&reps[0]));
}

#[test]
fn snowflake_time_when_created_at_is_missing() {
    let line = b"{\"id\":\"1577331119823224833\",\"author_id\":\"1\",\"text\":\"t\"}\n";
    let (ds, _) = check_all("x.jsonl", line, &opts());
    // (1577331119823224833 >> 22) + 1288834974657
    assert_eq!(ds.posts.time_ms(0), (1577331119823224833u64 >> 22) as i64 + 1288834974657);
}

#[test]
fn rt_text_gives_the_target_when_no_user_is_known() {
    let line = br#"{"id":"1577331119823224835","author_id":"1","created_at":"2022-10-04T15:20:01Z","text":"RT @Someone: hi","referenced_tweets":[{"type":"retweeted","id":"5"}]}"#;
    let (ds, _) = check_all("x.jsonl", line, &opts());
    let t = ds.posts.target_account(0);
    assert_eq!(&*ds.accounts.screen_name[t as usize], "someone");
}

#[test]
fn source_html_to_client_name() {
    assert_eq!(
        client_name(r#"<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>"#),
        "Twitter for iPhone"
    );
    assert_eq!(client_name("Tweet&amp;Deck"), "Tweet&Deck");
    assert_eq!(client_name("plain"), "plain");
}

#[test]
fn bom_blank_lines_and_crlf() {
    let mut f = b"\xEF\xBB\xBF\r\n\r\n".to_vec();
    f.extend(data("json/twarc2_flat.jsonl").split(|&b| b == b'\n').flat_map(|l| {
        let mut l = l.to_vec();
        l.extend_from_slice(b"\r\n\r\n");
        l
    }));
    let (ds, reps) = check_all("bom.jsonl", &f, &opts());
    assert_eq!(ds.n_posts(), 4, "{}", messages(&reps[0]));
    assert!(reps[0].diagnostics.is_empty(), "{}", messages(&reps[0]));
}

#[test]
fn positions_of_rejected_lines() {
    let f = b"{\"id\":\"1577331119823224833\",\"author_id\":\"1\",\"created_at\":\"2022-10-04T15:20:01Z\"}\n\n{oops\n";
    let (_, reps) = check_all("pos.jsonl", f, &opts());
    let d = &reps[0].diagnostics[0];
    assert_eq!(d.kind, DiagKind::Syntax);
    assert_eq!((d.at.record, d.at.line, d.at.byte), (2, 3, 82));
    assert!(d.rejected);
}

#[test]
fn forced_generic_csv_without_mapping_says_what_to_do() {
    let o = IngestOptions { format: Some(Format::GenericCsv), ..opts() };
    let (_, reps) = check_all("x.csv", b"a,b\n1,2\n", &o);
    let f = reps[0].fatal.clone().unwrap_or_default();
    assert!(f.contains("no mapping was given: map the columns"), "{f}");
}
