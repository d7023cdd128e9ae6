//! Output: the Twitter information-operations archive (tweets and users files, 2019+ layout),
//! the ground-truth CSV, and a [`Dataset`] built directly through [`DatasetBuilder`].

use super::text::RenderedPost;
use super::time::{format_date, format_minute};
use super::{SynthAccount, SynthOutput};
use crate::core::ingest::{AccountRecord, DatasetBuilder, IngestOptions, PostRecord};
use crate::core::model::{Dataset, Kind, Position, NONE};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Tweets-file header, 2019+ order (`in_reply_to_userid` before `in_reply_to_tweetid`).
pub const TWEET_COLUMNS: [&str; 31] = [
    "tweetid",
    "userid",
    "user_display_name",
    "user_screen_name",
    "user_reported_location",
    "user_profile_description",
    "user_profile_url",
    "follower_count",
    "following_count",
    "account_creation_date",
    "account_language",
    "tweet_language",
    "tweet_text",
    "tweet_time",
    "tweet_client_name",
    "in_reply_to_userid",
    "in_reply_to_tweetid",
    "quoted_tweet_tweetid",
    "is_retweet",
    "retweet_userid",
    "retweet_tweetid",
    "latitude",
    "longitude",
    "quote_count",
    "reply_count",
    "like_count",
    "retweet_count",
    "hashtags",
    "urls",
    "user_mentions",
    "poll_choices",
];

/// Users-file header.
pub const USER_COLUMNS: [&str; 10] = [
    "userid",
    "user_display_name",
    "user_screen_name",
    "user_reported_location",
    "user_profile_description",
    "user_profile_url",
    "follower_count",
    "following_count",
    "account_creation_date",
    "account_language",
];

/// Append one CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF).
fn field(row: &mut String, first: bool, v: &str) {
    if !first {
        row.push(',');
    }
    if v.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        row.push('"');
        for c in v.chars() {
            if c == '"' {
                row.push('"');
            }
            row.push(c);
        }
        row.push('"');
    } else {
        row.push_str(v);
    }
}

/// Python `repr` of a string, as pandas wrote list cells (`'a'`, or `"it's"`).
fn py_repr(s: &str, out: &mut String) {
    let q = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(q);
}

/// A Python-repr list `['a', 'b']` (empty list `[]`).
fn py_list<'a>(items: impl Iterator<Item = &'a str>, out: &mut String) {
    out.push('[');
    for (k, s) in items.enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        py_repr(s, out);
    }
    out.push(']');
}

fn header(row: &mut String, cols: &[&str]) {
    for (k, c) in cols.iter().enumerate() {
        field(row, k == 0, c);
    }
    row.push('\n');
}

fn account_fields(row: &mut String, a: &SynthAccount, scratch: &mut String) {
    field(row, false, &a.display_name);
    field(row, false, &a.screen_name);
    field(row, false, &a.location);
    field(row, false, &a.description);
    field(row, false, &a.profile_url);
    scratch.clear();
    let _ = write!(scratch, "{}", a.followers);
    field(row, false, scratch);
    scratch.clear();
    let _ = write!(scratch, "{}", a.following);
    field(row, false, scratch);
    scratch.clear();
    format_date(a.created_ms, scratch);
    field(row, false, scratch);
    field(row, false, a.language.account_code());
}

/// Write the users file (header + one row per account, in account order).
pub fn write_users<W: Write>(out: &SynthOutput, mut w: W) -> io::Result<()> {
    let mut row = String::with_capacity(512);
    let mut scratch = String::new();
    header(&mut row, &USER_COLUMNS);
    for a in &out.accounts {
        field(&mut row, true, &a.user_id);
        account_fields(&mut row, a, &mut scratch);
        row.push('\n');
        if row.len() > 1 << 16 {
            w.write_all(row.as_bytes())?;
            row.clear();
        }
    }
    w.write_all(row.as_bytes())?;
    w.flush()
}

/// Engagement counts per post (quotes, replies, retweets received in the dataset).
fn engagement(out: &SynthOutput) -> Vec<[u32; 3]> {
    let mut c = vec![[0u32; 3]; out.posts.len()];
    for p in &out.posts {
        if p.target == NONE {
            continue;
        }
        let k = match p.kind {
            Kind::Quote => 0,
            Kind::Reply => 1,
            Kind::Retweet => 2,
            Kind::Post => continue,
        };
        if let Some(e) = c.get_mut(p.target as usize) {
            e[k] = e[k].saturating_add(1);
        }
    }
    c
}

/// The order of the tweets file's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOrder {
    /// In time order (as the posts are generated).
    Time,
    /// In no time order, as in the published archives: the first rows of the IRA and Iran files
    /// (2018) hold tweets years apart, and a 2020–21 file runs from a tweet of November 2020 to
    /// one of May 2018. A fixed permutation (the posts sorted by a hash of their id), so the
    /// same scenario and seed give the same file.
    Archive,
}

impl RowOrder {
    pub fn parse(s: &str) -> Option<RowOrder> {
        match s {
            "time" => Some(RowOrder::Time),
            "archive" => Some(RowOrder::Archive),
            _ => None,
        }
    }
}

/// Write the tweets file: header + one row per post in time order, streamed (texts are rendered
/// one at a time, never all held).
pub fn write_tweets<W: Write>(out: &SynthOutput, w: W) -> io::Result<()> {
    write_tweets_in(out, RowOrder::Time, w)
}

/// [`write_tweets`] with its rows in `order`.
pub fn write_tweets_in<W: Write>(out: &SynthOutput, order: RowOrder, mut w: W) -> io::Result<()> {
    let counts = engagement(out);
    let mut row = String::with_capacity(1 << 17);
    let mut s = String::new();
    let mut r = RenderedPost::default();
    header(&mut row, &TWEET_COLUMNS);
    let mut rows: Vec<u32> = (0..out.posts.len() as u32).collect();
    if order == RowOrder::Archive {
        rows.sort_unstable_by_key(|&i| (super::gen::mix64(out.posts[i as usize].id), i));
    }
    for i in rows {
        let (i, p) = (i as usize, &out.posts[i as usize]);
        out.render(i, &mut r);
        let a = &out.accounts[p.account as usize];
        s.clear();
        let _ = write!(s, "{}", p.id);
        field(&mut row, true, &s);
        field(&mut row, false, &a.user_id);
        account_fields(&mut row, a, &mut s);
        field(&mut row, false, r.lang.map(|l| l.code()).unwrap_or("und"));
        field(&mut row, false, &r.text);
        s.clear();
        format_minute(p.time_ms, &mut s);
        field(&mut row, false, &s);
        field(&mut row, false, &a.client);
        let target = out.target_of(i);
        let (reply_user, reply_tweet) = match (p.kind, target) {
            (Kind::Reply, Some(t)) => (out.accounts[t.account as usize].user_id.as_str(), t.id.to_string()),
            _ => ("", String::new()),
        };
        field(&mut row, false, reply_user);
        field(&mut row, false, &reply_tweet);
        let quoted = match (p.kind, target) {
            (Kind::Quote, Some(t)) => t.id.to_string(),
            _ => String::new(),
        };
        field(&mut row, false, &quoted);
        let is_rt = p.kind == Kind::Retweet;
        field(&mut row, false, if is_rt { "True" } else { "False" });
        match (is_rt, target) {
            (true, Some(t)) => {
                field(&mut row, false, &out.accounts[t.account as usize].user_id);
                field(&mut row, false, &t.id.to_string());
            }
            _ => {
                field(&mut row, false, "");
                field(&mut row, false, "");
            }
        }
        field(&mut row, false, "absent");
        field(&mut row, false, "absent");
        let [q, rep, rt] = if is_rt { [0, 0, 0] } else { counts[i] };
        // likes: a few per retweet plus a little noise derived from the id (deterministic)
        let likes = if is_rt { 0 } else { rt * 3 + rep + (p.id >> 12 & 3) as u32 };
        for v in [q, rep, likes, rt] {
            s.clear();
            let _ = write!(s, "{v}");
            field(&mut row, false, &s);
        }
        s.clear();
        py_list(r.hashtags.iter().map(|h| h.as_str()), &mut s);
        field(&mut row, false, &s);
        s.clear();
        py_list(r.urls.iter().map(|u| u.as_str()), &mut s);
        field(&mut row, false, &s);
        s.clear();
        py_list(r.mentions.iter().map(|&m| out.accounts[m as usize].user_id.as_str()), &mut s);
        field(&mut row, false, &s);
        field(&mut row, false, "");
        row.push('\n');
        if row.len() > 1 << 16 {
            w.write_all(row.as_bytes())?;
            row.clear();
        }
    }
    w.write_all(row.as_bytes())?;
    w.flush()
}

/// Write the ground truth: `account_id,truth_role,operation`, one row per account.
pub fn write_truth<W: Write>(out: &SynthOutput, mut w: W) -> io::Result<()> {
    let mut row = String::with_capacity(1 << 17);
    header(&mut row, &["account_id", "truth_role", "operation"]);
    for a in &out.accounts {
        field(&mut row, true, &a.user_id);
        field(&mut row, false, a.role.as_str());
        field(&mut row, false, a.operation.map(|o| out.operation_names[o as usize].as_str()).unwrap_or(""));
        row.push('\n');
        if row.len() > 1 << 16 {
            w.write_all(row.as_bytes())?;
            row.clear();
        }
    }
    w.write_all(row.as_bytes())?;
    w.flush()
}

fn account_record(a: &SynthAccount, rec: &mut AccountRecord) {
    rec.clear();
    rec.id.push_str(&a.user_id);
    rec.screen_name.push_str(&a.screen_name);
    rec.display_name.push_str(&a.display_name);
    rec.created_at_ms = Some(a.created_ms.div_euclid(super::DAY_MS) * super::DAY_MS);
    rec.followers = Some(a.followers);
    rec.following = Some(a.following);
    rec.language.push_str(a.language.account_code());
    rec.description_empty = Some(a.description.is_empty());
}

/// Build the [`Dataset`] the files describe, directly (no parsing): first the users (so account
/// indices equal `SynthOutput::accounts` indices), then the posts in time order. Account
/// attributes are what the files show (creation day, not time).
pub fn to_dataset(out: &SynthOutput) -> Dataset {
    let mut b = DatasetBuilder::new(IngestOptions::default());
    b.begin_file("synthetic_users_csv_hashed.csv");
    let mut rec = AccountRecord::default();
    for (k, a) in out.accounts.iter().enumerate() {
        account_record(a, &mut rec);
        let at = Position { record: k as u64 + 1, line: k as u64 + 2, byte: 0 };
        b.add_account(&rec, &at);
    }
    b.begin_file("synthetic_tweets_csv_hashed.csv");
    let mut post = PostRecord::default();
    let mut r = RenderedPost::default();
    for (i, p) in out.posts.iter().enumerate() {
        out.render(i, &mut r);
        post.clear();
        let a = &out.accounts[p.account as usize];
        account_record(a, &mut post.author);
        post.author.client.push_str(&a.client);
        let _ = write!(post.id, "{}", p.id);
        post.time_ms = p.time_ms;
        post.kind = p.kind;
        if let Some(t) = out.target_of(i) {
            let _ = write!(post.target_post, "{}", t.id);
            post.target_account_id.push_str(&out.accounts[t.account as usize].user_id);
        }
        post.text.push_str(&r.text);
        post.hashtags.extend(r.hashtags.iter().cloned());
        post.urls.extend(r.urls.iter().cloned());
        post.mentions.extend(r.mentions.iter().map(|&m| out.accounts[m as usize].user_id.clone()));
        let at = Position { record: i as u64 + 1, line: i as u64 + 2, byte: 0 };
        b.add_post(&post, &at);
    }
    b.finish().0
}
