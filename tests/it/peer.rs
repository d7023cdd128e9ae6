//! `core::peer::toolkit`: coordination-network-toolkit 1.5.2 networks on hand-made datasets with
//! hand-computed edges (the agreement with the real toolkit is scripts/peer-check.sh).
use chorus::core::ingest::{DatasetBuilder, FileIngest, FileReport, Format, IngestOptions, PostRecord};
use chorus::core::model::{Dataset, Kind, Position};
use chorus::core::peer::light;
use chorus::core::peer::toolkit::{
    co_tweet_text, compute, compute_actions, py_float, similar, token_set, write_gephi_csv, Network, NetworkType,
    Params, PeerError,
};

/// One toolkit CSV row: (message_id, user_id, repost_id, reply_id, message, timestamp, urls).
type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, f64, &'a str);

fn dataset(rows: &[Row], keep_text: bool) -> Dataset {
    let mut b = DatasetBuilder::new(IngestOptions { keep_text, ..Default::default() });
    b.begin_file("rows");
    let mut rec = PostRecord::default();
    for (i, &(id, user, repost, reply, text, t, urls)) in rows.iter().enumerate() {
        rec.clear();
        rec.id.push_str(id);
        rec.author.id.push_str(user);
        rec.time_ms = (t * 1000.0).round() as i64;
        rec.time_s = Some(t);
        rec.text.push_str(text);
        if !repost.is_empty() {
            rec.kind = Kind::Retweet;
            rec.target_post.push_str(repost);
        } else if !reply.is_empty() {
            rec.kind = Kind::Reply;
            rec.target_post.push_str(reply);
        }
        rec.urls.extend(urls.split_whitespace().map(String::from));
        rec.exact_urls = Some(urls.split(' ').map(String::from).collect());
        let at = Position { record: i as u64 + 1, line: i as u64 + 2, byte: 0 };
        b.add_post(&rec, &at);
    }
    b.finish().0
}

fn params(window: f64, min: i64) -> Params {
    Params { time_window: window, min_edge_weight: min, ..Params::default() }
}

/// Edges as (source, target, weight) strings, in output order.
fn edges(rows: &[Row], kind: NetworkType, p: &Params) -> Vec<(String, String, u64)> {
    let net = compute(&dataset(rows, true), kind, p).expect("network");
    net.edges
        .iter()
        .map(|e| (net.users[e.source as usize].to_string(), net.users[e.target as usize].to_string(), e.weight))
        .collect()
}

fn e(s: &str, t: &str, w: u64) -> (String, String, u64) {
    (s.to_string(), t.to_string(), w)
}

#[test]
fn co_retweet_window_is_inclusive_in_float_arithmetic() {
    let rows = [
        ("1", "a", "O", "", "RT", 0.0, ""),
        ("2", "b", "O", "", "RT", 60.0, ""),   // exactly at the window from a
        ("3", "c", "O", "", "RT", 61.0, ""),   // just over from a, 1 s from b
        ("4", "d", "O", "", "RT", 60.001, ""), // just over from a
        ("5", "x", "P", "", "RT", 0.0, ""),    // another object at the same time
    ];
    let got = edges(&rows, NetworkType::CoRetweet, &params(60.0, 1));
    let want = vec![
        e("a", "b", 1),
        e("b", "a", 1),
        e("b", "c", 1),
        e("b", "d", 1),
        e("c", "b", 1),
        e("c", "d", 1),
        e("d", "b", 1),
        e("d", "c", 1),
    ];
    assert_eq!(got, want);
    // Bounds are rounded like SQLite's: 0.1 + 60 rounds to the double of 60.1, so b is a partner
    // of a; but 60.1 - 60 = 0.10000000000000142 > 0.1, so a is not one of b (checked with the
    // real toolkit: it writes only a -> b).
    let rows = [("1", "a", "O", "", "", 0.1, ""), ("2", "b", "O", "", "", 60.1, "")];
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(60.0, 1)), vec![e("a", "b", 1)]);
    // Window 0: only simultaneous reposts.
    let rows = [("1", "a", "O", "", "", 5.0, ""), ("2", "b", "O", "", "", 5.0, ""), ("3", "c", "O", "", "", 5.5, "")];
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(0.0, 1)), vec![e("a", "b", 1), e("b", "a", 1)]);
}

#[test]
fn weight_counts_distinct_messages_of_the_source() {
    let rows = [
        // a reposts O twice, b once between: a has 2 messages with a partner of b, b has 1.
        ("1", "a", "O", "", "", 0.0, ""),
        ("2", "a", "O", "", "", 10.0, ""),
        ("3", "b", "O", "", "", 5.0, ""),
        // a second object shared by a and b adds one message on each side.
        ("4", "a", "Q", "", "", 100.0, ""),
        ("5", "b", "Q", "", "", 100.0, ""),
        ("6", "b", "Q", "", "", 101.0, ""),
        // the author of O reposting it alone, and a user reposting twice with no partner.
        ("7", "o", "O", "", "", 1000.0, ""),
        ("8", "z", "R", "", "", 0.0, ""),
        ("9", "z", "R", "", "", 1.0, ""),
    ];
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(60.0, 1)), vec![e("a", "b", 3), e("b", "a", 3)]);
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(60.0, 3)), vec![e("a", "b", 3), e("b", "a", 3)]);
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(60.0, 4)), vec![]);
    // With a 5 s window: a's message 1 (t=0) and 2 (t=10) both meet b's t=5; Q: a@100 meets both b.
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(4.0, 1)), vec![e("a", "b", 1), e("b", "a", 2)]);
}

#[test]
fn output_order_is_byte_order_of_the_ids() {
    let rows = [
        ("1", "10", "O", "", "", 0.0, ""),
        ("2", "9", "O", "", "", 0.0, ""),
        ("3", "Zed", "O", "", "", 0.0, ""),
        ("4", "ü", "O", "", "", 0.0, ""),
    ];
    let got: Vec<(String, String)> =
        edges(&rows, NetworkType::CoRetweet, &params(1.0, 1)).into_iter().map(|(s, t, _)| (s, t)).collect();
    let ids = ["10", "9", "Zed", "ü"];
    let want: Vec<(String, String)> = ids
        .iter()
        .flat_map(|s| ids.iter().filter(move |t| *t != s).map(move |t| (s.to_string(), t.to_string())))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn co_tweet_normalises_case_mentions_and_whitespace_and_skips_reposts() {
    let rows = [
        ("1", "a", "", "", "Stop the STEAL @bob", 0.0, ""),
        ("2", "b", "", "", "stop  the\tsteal\u{1f}", 10.0, ""),
        ("3", "c", "X", "", "stop the steal", 10.0, ""), // a repost: not a co-tweet
        ("4", "d", "", "", "stop the steal!", 10.0, ""), // different text
        ("5", "e", "", "", "@only @mentions", 0.0, ""),  // normalises to ""
        ("6", "f", "", "", "", 5.0, ""),                 // "" too: the toolkit pairs them
    ];
    assert_eq!(
        edges(&rows, NetworkType::CoTweet, &params(60.0, 1)),
        vec![e("a", "b", 1), e("b", "a", 1), e("e", "f", 1), e("f", "e", 1)]
    );
    assert_eq!(co_tweet_text("Hello, World!! it's 3.5 e-mail @bob x@y #tag"), "hello, world!! it's 3.5 e-mail x #tag");
    assert_eq!(co_tweet_text("ΟΔΟΣ İ\u{a0}x"), "οδος i\u{307} x");
}

#[test]
fn co_reply_needs_the_same_target_and_no_repost() {
    let rows = [
        ("1", "a", "", "T", "r1", 0.0, ""),
        ("2", "b", "", "T", "r2", 60.0, ""),
        ("3", "c", "", "T", "r3", 61.0, ""),
        ("4", "d", "T", "T", "repost with a reply id", 1.0, ""), // a repost: excluded
        ("5", "e", "", "U", "other target", 0.0, ""),
    ];
    assert_eq!(
        edges(&rows, NetworkType::CoReply, &params(60.0, 1)),
        vec![e("a", "b", 1), e("b", "a", 1), e("b", "c", 1), e("c", "b", 1)]
    );
}

#[test]
fn co_link_uses_verbatim_urls_of_non_reposts() {
    let rows = [
        ("1", "a", "", "", "l1", 0.0, "http://x.co/1 http://x.co/1 http://y.co/2"),
        ("2", "b", "", "", "l2", 30.0, "http://y.co/2  http://x.co/1"), // double space: URL "" too
        ("3", "c", "", "", "l3", 200.0, ""),                            // empty cell: URL ""
        ("4", "d", "", "", "l4", 230.0, ""),
        ("5", "r", "O", "", "RT", 0.0, "http://x.co/1"), // repost: URLs ignored
        ("6", "h", "", "", "l6", 0.0, "HTTP://X.CO/1"),  // verbatim: another URL
    ];
    assert_eq!(
        edges(&rows, NetworkType::CoLink, &params(60.0, 1)),
        vec![e("a", "b", 1), e("b", "a", 1), e("c", "d", 1), e("d", "c", 1)]
    );
    // b's message shares both x.co/1 and y.co/2 with a's message: still one message.
    assert_eq!(edges(&rows, NetworkType::CoLink, &params(60.0, 2)), vec![]);
}

#[test]
fn co_similar_tweet_threshold_is_inclusive() {
    let rows = [
        ("1", "a", "", "", "alpha beta gamma delta", 0.0, ""),
        ("2", "b", "", "", "Alpha beta gamma delta epsilon @x", 10.0, ""), // 4/5 = 0.8
        ("3", "c", "", "", "one two three", 0.0, ""),
        ("4", "d", "", "", "one two three four", 10.0, ""), // 3/4 with c; 0/… with a, b
        ("5", "e", "", "", "", 0.0, ""),                    // no words: similarity 0
        ("6", "f", "", "", "@only", 0.0, ""),
        ("7", "g", "R", "", "alpha beta gamma delta", 0.0, ""), // a repost: excluded
    ];
    assert_eq!(edges(&rows, NetworkType::CoSimilarTweet, &params(60.0, 1)), vec![e("a", "b", 1), e("b", "a", 1)]);
    let p = Params { similarity_threshold: 0.75, ..params(60.0, 1) };
    assert_eq!(
        edges(&rows, NetworkType::CoSimilarTweet, &p),
        vec![e("a", "b", 1), e("b", "a", 1), e("c", "d", 1), e("d", "c", 1)]
    );
    // Minimum document size 5: "alpha beta gamma delta" (4 words) is too short.
    let p = Params { min_document_size: 5.0, ..params(60.0, 1) };
    assert_eq!(edges(&rows, NetworkType::CoSimilarTweet, &p), vec![]);
    assert!(similar(&[1, 2, 3, 4], &[1, 2, 3, 4, 5], 0.8, 1.0));
    assert!(!similar(&[1, 2, 3], &[1, 2, 3, 4], 0.8, 1.0));
    assert!(!similar(&[], &[], 0.8, 0.0));
}

#[test]
fn token_sets_match_the_toolkit_tokeniser() {
    // Expected values printed by coordination_network_toolkit.similarity.tokenize (1.5.2).
    assert_eq!(token_set("'orange' rock 'n roll"), ["n", "orange", "rock", "roll"]);
    assert_eq!(
        token_set("Hello, world!! it's 3.5 e-mail @bob x@y #tag http://t.co/abc"),
        ["!", "#", ",", "-", "/", "3.5", ":", "abc", "e", "hello", "http", "it's", "mail", "t.co", "tag", "world", "x"]
    );
    assert_eq!(token_set("a  b\tc\nd"), ["a", "b", "c", "d"]);
    assert_eq!(token_set("ΣΑΣ İstanbul"), ["i\u{307}stanbul", "σας"]);
    assert!(token_set("").is_empty());
}

#[test]
fn co_post_pairs_any_messages_in_the_window() {
    let rows = [
        ("1", "a", "", "", "x", 0.0, ""),
        ("2", "b", "O", "", "RT", 30.0, ""),
        ("3", "c", "", "T", "reply", 91.0, ""),
        ("4", "a", "", "", "y", 20.0, ""),
    ];
    assert_eq!(
        edges(&rows, NetworkType::CoPost, &params(60.0, 1)),
        vec![e("a", "b", 2), e("b", "a", 1)] // c is 61 s after b
    );
}

#[test]
fn duplicate_message_ids_count_once_first_row_wins() {
    let rows = [
        ("1", "a", "O", "", "", 0.0, ""),
        ("2", "b", "O", "", "", 1.0, ""),
        ("1", "c", "O", "", "", 2.0, ""), // the same message id again: ignored
    ];
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(60.0, 1)), vec![e("a", "b", 1), e("b", "a", 1)]);
}

#[test]
fn gephi_csv_bytes() {
    let rows = [("1", "a\"q", "O", "", "", 0.0, ""), ("2", "b,1", "O", "", "", 0.0, "")];
    let net = compute(&dataset(&rows, true), NetworkType::CoRetweet, &params(1.0, 1)).expect("network");
    let mut out = Vec::new();
    write_gephi_csv(&net, &mut out).expect("write");
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        "\"source\",\"target\",\"weight\",\"edge_type\"\r\n\"a\"\"q\",\"b,1\",\"1\",\"co_retweet\"\r\n\"b,1\",\"a\"\"q\",\"1\",\"co_retweet\"\r\n"
    );
}

#[test]
fn errors_are_specific() {
    let rows = [("1", "a", "O", "", "", 0.0, ""), ("2", "b", "O", "", "", 0.0, ""), ("3", "c", "O", "", "", 0.0, "")];
    let err = compute(&dataset(&rows, false), NetworkType::CoRetweet, &params(1.0, 1)).unwrap_err();
    assert_eq!(err, PeerError::NoExactColumns);
    let p = Params { pair_budget: 5, ..params(1.0, 1) };
    let err = compute(&dataset(&rows, true), NetworkType::CoRetweet, &p).unwrap_err();
    assert_eq!(err, PeerError::PairBudget { budget: 5, kind: NetworkType::CoRetweet });
    assert!(err.to_string().contains("--pair-budget"));
    assert_eq!(NetworkType::from_name("co_link"), Some(NetworkType::CoLink));
    assert_eq!(NetworkType::from_name("co_hashtag"), None);
}

#[test]
fn python_float_timestamps() {
    assert_eq!(py_float(" 12 "), Some(12.0));
    assert_eq!(py_float("1_000.5"), Some(1000.5));
    assert_eq!(py_float("1e3"), Some(1000.0));
    assert_eq!(py_float("1__0"), None);
    assert_eq!(py_float("_1"), None);
    assert_eq!(py_float(""), None);
    assert_eq!(py_float("2020-01-01"), None);
    assert!(py_float("NaN").is_some_and(f64::is_nan));
}

#[test]
fn empty_message_ids_are_one_message_like_in_the_toolkit() {
    // The toolkit keys messages by the id string: a second empty id is ignored.
    let rows = [("", "a", "O", "", "", 0.0, ""), ("", "b", "O", "", "", 1.0, ""), ("2", "c", "O", "", "", 2.0, "")];
    assert_eq!(edges(&rows, NetworkType::CoRetweet, &params(60.0, 1)), vec![e("a", "c", 1), e("c", "a", 1)]);
}

#[test]
fn verbatim_user_ids_are_kept() {
    // A record whose author id has surrounding spaces: the account is "a", the toolkit's user is " a".
    let rows = [("1", " a", "O", "", "", 0.0, ""), ("2", "b", "O", "", "", 1.0, ""), ("3", "a", "O", "", "", 2.0, "")];
    assert_eq!(
        edges(&rows, NetworkType::CoRetweet, &params(60.0, 1)),
        vec![e(" a", "a", 1), e(" a", "b", 1), e("a", " a", 1), e("a", "b", 1), e("b", " a", 1), e("b", "a", 1)]
    );
}

// ---------------------------------------------------------------------------------------------
// The light reading path of `chorus network` against the full dataset path.
// ---------------------------------------------------------------------------------------------

/// A toolkit CSV with rows of every network type, shuffled ids, and the bad rows of the full
/// path: wrong field counts, empty user, unreadable and date timestamps, a repeated header,
/// quoted newlines, invalid UTF-8, repeated numeric and string ids, and an unterminated quote.
fn tricky_csv() -> Vec<u8> {
    let mut s = String::from("\u{feff}message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\r\n");
    let users = ["10", "9", "Zed", "ü,1", "u\"q", " 7 ", "123456789012345678"];
    let texts = [
        "Stop the STEAL @bob",
        "stop  the\tsteal",
        "alpha beta gamma delta",
        "Alpha beta gamma delta epsilon",
        "",
        "@only",
    ];
    let urls = ["http://x.co/1 http://y.co/2", "", "http://y.co/2  http://x.co/1", "HTTP://X.CO/1"];
    let quote = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    for i in 0..400u64 {
        let id = (i * 7919) % 1009 + 1; // distinct, not in order
        let user = users[(i % 7) as usize];
        let (repost, reply) = match i % 5 {
            0 | 1 => (format!("{}", 5000 + i % 4), String::new()),
            2 => (String::new(), format!("r{}", i % 3)),
            _ => (String::new(), String::new()),
        };
        let t = if i % 9 == 0 { format!("{}.5", i * 20) } else { format!("{}", i * 20) };
        let text = if i % 11 == 0 { "multi\nline".to_string() } else { texts[(i % 6) as usize].to_string() };
        s += &format!("{id},{},name,{repost},{reply},{},{t},{}\n", quote(user), quote(&text), urls[(i % 4) as usize]);
    }
    s += "1,a,name,,,x,0,\n"; // repeats id 1 (numeric), later in the file
    s += "s1,a,name,5000,,x,3,\n";
    s += "s1,b,name,5000,,x,4,\n"; // repeats a string id
    s += "2900,b,name,5000,,x,5\n"; // 7 fields
    s += "2901,,name,5000,,x,5,\n"; // empty user
    s += "2902,b,name,5000,,x,soon,\n"; // not a time
    s += "2903,b,name,5000,,x,,\n"; // empty time
    s += "2904,c,name,5000,,x,2020-01-01T00:00:00Z,\n"; // a date
    s += "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"; // header again
    s += "2905,d,name,5001,,x,7,\n";
    let mut bytes = s.into_bytes();
    bytes.extend_from_slice(b"2906,e\xff,name,5001,,x,8,\n"); // invalid UTF-8 in the user
    bytes.extend_from_slice(b"2907,f,name,5001,,\"never closed,9,\n");
    bytes
}

fn full_path(files: &[(&str, &[u8])], kind: NetworkType, p: &Params) -> (Network, Vec<FileReport>) {
    let opts = IngestOptions {
        keep_text: true,
        format: Some(Format::Toolkit),
        text_fingerprints: false,
        ..Default::default()
    };
    let mut b = DatasetBuilder::new(opts.clone());
    for &(name, bytes) in files {
        let mut ing = FileIngest::new(name, &opts, &mut b);
        ing.feed(bytes, &mut b);
        ing.finish(&mut b);
    }
    let (ds, reports) = b.finish();
    (compute(&ds, kind, p).expect("network"), reports)
}

fn light_path(files: &[(&str, &[u8])], kind: NetworkType, p: &Params, chunk: usize) -> (Network, Vec<FileReport>) {
    let (actions, reports) = light::read_files(kind, files, chunk, 200);
    (compute_actions(actions, p).expect("network"), reports)
}

fn csv_of(net: &Network) -> String {
    let mut out = Vec::new();
    write_gephi_csv(net, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn light_path_gives_the_full_paths_networks_and_reports() {
    let csv = tricky_csv();
    let second = b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n857,late,n,5000,,x,40,\n5555,late,n,5000,,x,41,\n";
    let files: [(&str, &[u8]); 2] = [("a.csv", &csv), ("b.csv", second)];
    let mut edges = 0;
    for kind in NetworkType::ALL {
        for p in [params(60.0, 1), params(1.0, 2), Params { similarity_threshold: 0.0, ..params(30.0, 1) }] {
            let (want, want_reports) = full_path(&files, kind, &p);
            for chunk in [1 << 20, 7] {
                let (got, reports) = light_path(&files, kind, &p, chunk);
                assert_eq!(csv_of(&got), csv_of(&want), "{kind:?} {p:?} chunk {chunk}");
                assert_eq!(got.users, want.users, "{kind:?}");
                assert_eq!((got.messages, got.pairs), (want.messages, want.pairs), "{kind:?}");
                assert_eq!(reports.len(), 2);
                for (r, w) in reports.iter().zip(&want_reports) {
                    assert!(r.balanced(), "{r:?}");
                    assert_eq!(
                        (r.records_read, r.records_kept, r.duplicates, r.records_rejected, r.records_repaired),
                        (w.records_read, w.records_kept, w.duplicates, w.records_rejected, w.records_repaired),
                        "{}",
                        r.name
                    );
                    assert_eq!(r.by_kind, w.by_kind);
                    assert_eq!(r.fatal, w.fatal);
                    let diags = |r: &FileReport| -> Vec<String> {
                        r.diagnostics
                            .iter()
                            .map(|d| format!("{:?} {:?} {} {}", d.kind, d.at, d.rejected, d.message))
                            .collect()
                    };
                    assert_eq!(diags(r), diags(w), "{}", r.name);
                }
            }
            edges += want.edges.len();
        }
    }
    assert!(edges > 50, "the input must make edges ({edges})");
    // The bad rows are there: 6 rejected in the first file, 2 repeated ids, 1 repaired.
    let (_, reports) = light_path(&files, NetworkType::CoRetweet, &params(60.0, 1), 1 << 20);
    assert_eq!((reports[0].records_rejected, reports[0].duplicates, reports[0].records_repaired), (6, 2, 1));
    assert_eq!(reports[1].duplicates, 1, "id 857 of the second file repeats the first file's");
}

#[test]
fn light_path_compares_ids_as_strings_like_the_toolkit() {
    // "01" and "1" are two messages for the toolkit (its key is the id string); a second empty id
    // is a repeat of the first.
    let csv = b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,a,,O,,,0,\n01,b,,O,,,1,\n,c,,O,,,2,\n,d,,O,,,3,\n";
    let (net, reports) = light_path(&[("x.csv", csv)], NetworkType::CoRetweet, &params(60.0, 1), 5);
    let got: Vec<(String, String)> = net
        .edges
        .iter()
        .map(|e| (net.users[e.source as usize].to_string(), net.users[e.target as usize].to_string()))
        .collect();
    let pairs = [("a", "b"), ("a", "c"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "b")];
    assert_eq!(got, pairs.map(|(s, t)| (s.to_string(), t.to_string())));
    assert_eq!(net.messages, 3);
    assert_eq!((reports[0].records_kept, reports[0].duplicates), (3, 1));
}

#[test]
fn light_path_reports_unreadable_files_like_the_full_path() {
    let cases: [&[u8]; 4] = [
        b"",
        b"message_id,user_id,repost_id\n1,a,O\n", // no timestamp column
        b"message_id,user_id,repost_id,timestamp,\"open\n1,a,O,0\n", // the header never ends
        b"\xff\xfem\x00e\x00",                    // UTF-16
    ];
    for csv in cases {
        let (_, want) = full_path(&[("f.csv", csv)], NetworkType::CoRetweet, &params(60.0, 1));
        let (_, got) = light_path(&[("f.csv", csv)], NetworkType::CoRetweet, &params(60.0, 1), 3);
        let fatal = got[0].fatal.as_deref().expect("fatal");
        // The full path sniffs first: an empty or UTF-16 file is refused before its CSV reader.
        if !csv.is_empty() && !csv.starts_with(b"\xff\xfe") {
            assert_eq!(Some(fatal), want[0].fatal.as_deref());
        }
        assert!(!fatal.is_empty());
    }
}
