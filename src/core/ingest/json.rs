//! JSON-lines push parsers: Twitter API v2 (twarc2: API response pages and flattened tweets, one
//! per line) and Twitter API v1.1 (twarc1, streaming and REST collections).
//!
//! Framing: one JSON value per line (`\n` or `\r\n`), a line may span any number of chunks, blank
//! lines are skipped, a line longer than [`MAX_LINE`] is rejected as `TooLong` without being held
//! in memory. Every line gets a [`Position`] (record, line, byte of the line start).
//!
//! Decoding uses typed serde structs where every field is optional and unknown fields are ignored.
//! One superset struct ([`Tweet`]) reads all shapes, so a line is classified by what it holds:
//! - an API response page (`data` / `errors` at the top): each tweet in `data` is one record, its
//!   author joined through `author_id` and `includes.users`, referenced tweets' authors through
//!   `includes.tweets`; a page with `errors` and no `data` is a note, not a record;
//! - a v2 tweet (`author_id` / `author`): one record (twarc2 `--flatten` output);
//! - a v1.1 tweet (`user`): one record;
//! - a v1.1 stream notice (`delete`, `limit`, …): counted in one note, not a record.
//!
//! A malformed line is rejected with a `Syntax` (or `BadValue` for a well-formed value of the
//! wrong type) diagnostic and never stops the file. Invalid UTF-8 is repaired lossily (U+FFFD)
//! and reported as `InvalidUtf8` on the records that are kept.

use super::time::{parse_time_ms, snowflake_ms};
use super::{DatasetBuilder, Format, PostRecord, PushParser};
use crate::core::model::{DiagKind, Kind, Position};
use rustc_hash::FxHashMap;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use std::fmt;

/// Longest JSON line accepted (bytes). A twarc2 page of 500 tweets with expansions is a few MB;
/// anything beyond this is rejected (`TooLong`) and skipped without being buffered.
pub const MAX_LINE: usize = 32 << 20;

/// A JSON-lines push parser for [`Format::Twarc2Jsonl`] and [`Format::V1Jsonl`].
pub struct JsonLinesParser {
    format: Format,
    /// Bytes of the current, incomplete line.
    buf: Vec<u8>,
    /// The current line is over [`MAX_LINE`]: drop bytes until its end.
    skipping: bool,
    /// 1-based number of the current line.
    line: u64,
    /// Byte offset where the current line starts.
    line_start: u64,
    /// Bytes seen so far.
    offset: u64,
    /// Records numbered so far (tweets, rejected lines).
    record: u64,
    /// v1.1 stream notices skipped (`delete`, `limit`, …).
    notices: u64,
    /// v2 error pages seen (the first few are noted individually).
    error_pages: u64,
    rec: PostRecord,
}

impl JsonLinesParser {
    pub fn new(format: Format) -> Self {
        JsonLinesParser {
            format,
            buf: Vec::new(),
            skipping: false,
            line: 1,
            line_start: 0,
            offset: 0,
            record: 0,
            notices: 0,
            error_pages: 0,
            rec: PostRecord::default(),
        }
    }

    /// The format label this parser reports (both flavours read every shape).
    pub fn format(&self) -> Format {
        self.format
    }

    fn next_position(&mut self) -> Position {
        self.record += 1;
        Position { record: self.record, line: self.line, byte: self.line_start }
    }

    fn end_line(&mut self, out: &mut DatasetBuilder, at_eof: bool) {
        if self.skipping {
            self.skipping = false;
        } else {
            let line = std::mem::take(&mut self.buf);
            self.process_line(&line, out, at_eof);
            self.buf = line;
            self.buf.clear();
            if self.buf.capacity() > (1 << 20) {
                // do not keep a huge page's buffer for the rest of the file
                self.buf = Vec::new();
            }
        }
    }

    fn process_line(&mut self, raw: &[u8], out: &mut DatasetBuilder, at_eof: bool) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        // a UTF-8 BOM at the start of the file (or of a concatenated part)
        let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        let (text, repaired) = match std::str::from_utf8(raw) {
            Ok(s) => (std::borrow::Cow::Borrowed(s), false),
            Err(_) => (String::from_utf8_lossy(raw), true),
        };
        let parsed: Result<Tweet, serde_json::Error> = serde_json::from_str(&text);
        let tweet = match parsed {
            Ok(t) => t,
            Err(e) => {
                let at = self.next_position();
                let (kind, what) = match e.classify() {
                    serde_json::error::Category::Eof if at_eof => {
                        (DiagKind::Truncated, "the file ends in the middle of a JSON object")
                    }
                    serde_json::error::Category::Data => (DiagKind::BadValue, "unexpected JSON value"),
                    _ => (DiagKind::Syntax, "malformed JSON"),
                };
                let msg = format!("line {}: {what} ({e}); line skipped", self.line);
                out.reject(at, kind, msg);
                return;
            }
        };
        let utf8_note = |this: &mut Self, out: &mut DatasetBuilder, at: &Position| {
            if repaired {
                out.repaired(
                    at.clone(),
                    DiagKind::InvalidUtf8,
                    format!("line {}: bytes that are not UTF-8 were replaced with U+FFFD", this.line),
                );
            }
        };
        if tweet.data.is_some() || tweet.includes.is_some() || (tweet.errors.is_some() && !tweet.is_tweet()) {
            self.process_page(tweet, out, &utf8_note);
        } else if tweet.is_notice() {
            self.notices += 1;
        } else if tweet.author.is_some() || tweet.author_id.is_some() || tweet.referenced_tweets.is_some() {
            let at = self.next_position();
            let ok = fill_v2(&mut self.rec, &tweet, None);
            self.emit(ok, &at, out, &utf8_note);
        } else if tweet.user.is_some() || tweet.id_str.is_some() {
            let at = self.next_position();
            let ok = fill_v1(&mut self.rec, &tweet);
            self.emit(ok, &at, out, &utf8_note);
        } else {
            let at = self.next_position();
            out.reject(
                at,
                DiagKind::MissingField,
                format!(
                    "line {}: a JSON object that is neither a tweet (no author_id, author or user) nor an API response page (no data)",
                    self.line
                ),
            );
        }
    }

    fn emit(
        &mut self,
        ok: Result<(), String>,
        at: &Position,
        out: &mut DatasetBuilder,
        utf8_note: &dyn Fn(&mut Self, &mut DatasetBuilder, &Position),
    ) {
        match ok {
            Ok(()) => {
                utf8_note(self, out, at);
                out.add_post(&self.rec, at);
            }
            Err(msg) => out.reject(at.clone(), DiagKind::BadValue, format!("line {}: {msg}", self.line)),
        }
    }

    fn process_page(
        &mut self,
        page: Tweet,
        out: &mut DatasetBuilder,
        utf8_note: &dyn Fn(&mut Self, &mut DatasetBuilder, &Position),
    ) {
        let data = page.data.map(|d| d.0).unwrap_or_default();
        if data.is_empty() {
            if let Some(errors) = &page.errors {
                self.error_pages += 1;
                if self.error_pages <= 20 {
                    let first = errors.first().map(ApiError::describe).unwrap_or_default();
                    out.note(
                        DiagKind::Unsupported,
                        format!(
                            "line {}: an API error response without tweets ({} error(s); first: {first})",
                            self.line,
                            errors.len()
                        ),
                    );
                }
            }
            return;
        }
        let includes = page.includes.unwrap_or_default();
        let users: FxHashMap<&str, &User> =
            includes.users.iter().filter_map(|u| u.id.as_deref().map(|id| (id, u))).collect();
        let tweets: FxHashMap<&str, &Tweet> =
            includes.tweets.iter().filter_map(|t| t.id.as_deref().map(|id| (id, t))).collect();
        let ctx = PageCtx { users, tweets };
        for t in &data {
            let at = self.next_position();
            let ok = fill_v2(&mut self.rec, t, Some(&ctx));
            self.emit(ok, &at, out, utf8_note);
        }
    }
}

impl PushParser for JsonLinesParser {
    fn feed(&mut self, mut chunk: &[u8], out: &mut DatasetBuilder) {
        while !chunk.is_empty() {
            let nl = memchr::memchr(b'\n', chunk);
            let piece = match nl {
                Some(i) => &chunk[..i],
                None => chunk,
            };
            if !self.skipping {
                if self.buf.len() + piece.len() > MAX_LINE {
                    let at = self.next_position();
                    out.reject(
                        at,
                        DiagKind::TooLong,
                        format!(
                            "line {} is longer than {} MiB (the longest Twitter API page is a few MiB); line skipped",
                            self.line,
                            MAX_LINE >> 20
                        ),
                    );
                    self.skipping = true;
                    self.buf = Vec::new();
                } else {
                    self.buf.extend_from_slice(piece);
                }
            }
            match nl {
                Some(i) => {
                    self.offset += i as u64 + 1;
                    self.end_line(out, false);
                    self.line += 1;
                    self.line_start = self.offset;
                    chunk = &chunk[i + 1..];
                }
                None => {
                    self.offset += chunk.len() as u64;
                    chunk = &[];
                }
            }
        }
    }

    fn finish(&mut self, out: &mut DatasetBuilder) {
        if !self.buf.is_empty() || self.skipping {
            self.end_line(out, true);
        }
        if self.notices > 0 {
            out.note(
                DiagKind::Unsupported,
                format!(
                    "skipped {} stream notice line(s) (delete, limit, warning…): they are not tweets",
                    self.notices
                ),
            );
            self.notices = 0;
        }
        if self.error_pages > 20 {
            out.note(
                DiagKind::Unsupported,
                format!("{} API error responses without tweets in all (first 20 listed)", self.error_pages),
            );
        }
    }
}

struct PageCtx<'a> {
    users: FxHashMap<&'a str, &'a User>,
    tweets: FxHashMap<&'a str, &'a Tweet>,
}

/// Time of a tweet: its `created_at`, else `timestamp_ms` (v1.1 streaming), else its snowflake id.
fn tweet_time(created_at: Option<&str>, timestamp_ms: Option<u64>, id: &str) -> Result<i64, String> {
    if let Some(c) = created_at.map(str::trim).filter(|c| !c.is_empty()) {
        return parse_time_ms(c).ok_or_else(|| format!("created_at \"{}\" is not a date", clip(c)));
    }
    if let Some(ms) = timestamp_ms {
        if let Ok(ms) = i64::try_from(ms) {
            return Ok(ms);
        }
    }
    if let Ok(n) = id.trim().parse::<u64>() {
        if let Some(ms) = snowflake_ms(n) {
            return Ok(ms);
        }
    }
    Err("tweet without created_at (and no snowflake id to recover the time from)".into())
}

/// At most 60 chars of a value, for messages.
fn clip(s: &str) -> &str {
    super::builder::truncate_at_char(s, 60)
}

fn fill_user(acc: &mut super::AccountRecord, u: &User) {
    if acc.id.is_empty() {
        if let Some(id) = u.id_str.as_deref().or(u.id.as_deref()) {
            acc.id.push_str(id);
        }
    }
    if let Some(s) = u.username.as_deref().or(u.screen_name.as_deref()) {
        acc.screen_name.clear();
        acc.screen_name.push_str(s);
    }
    if let Some(s) = &u.name {
        acc.display_name.clear();
        acc.display_name.push_str(s);
    }
    acc.created_at_ms = u.created_at.as_deref().and_then(parse_time_ms);
    let pm = u.public_metrics.as_ref();
    acc.followers = pm.and_then(|m| m.followers_count).or(u.followers_count).map(clamp_u32);
    acc.following = pm.and_then(|m| m.following_count).or(u.friends_count).map(clamp_u32);
    if let Some(l) = &u.lang {
        acc.language.clear();
        acc.language.push_str(l);
    }
    // v1.1 gives `"description": null` for an empty profile; v2 gives "" (or omits it unless
    // requested, which we cannot tell from an empty one: only a present field counts).
    acc.description_empty = u.description.as_deref().map(|d| d.trim().is_empty());
}

fn clamp_u32(v: u64) -> u32 {
    v.min(u32::MAX as u64 - 1) as u32
}

/// The screen name in a leading `RT @name:`.
fn rt_screen_name(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix("RT @")?;
    let end = rest.find(':')?;
    let name = &rest[..end];
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some(name)
}

/// Fill `rec` from a v2 tweet; `ctx` joins authors and referenced tweets of an API page.
fn fill_v2(rec: &mut PostRecord, t: &Tweet, ctx: Option<&PageCtx>) -> Result<(), String> {
    rec.clear();
    let id = t.id.as_deref().unwrap_or("");
    rec.id.push_str(id);
    rec.time_ms = tweet_time(t.created_at.as_deref(), None, id)?;
    // author: attached (flattened) or joined through includes.users
    if let Some(a) = t.author_id.as_deref() {
        rec.author.id.push_str(a);
    }
    let joined = ctx.and_then(|c| t.author_id.as_deref().and_then(|a| c.users.get(a).copied()));
    if let Some(u) = t.author.as_ref().or(joined) {
        fill_user(&mut rec.author, u);
    }
    if let Some(src) = &t.source {
        rec.author.client.push_str(&client_name(src));
    }
    // what it does: retweet > reply > quote (one target per post in the model)
    let refs = t.referenced_tweets.as_deref().unwrap_or(&[]);
    let pick = ["retweeted", "replied_to", "quoted"]
        .iter()
        .find_map(|ty| refs.iter().find(|r| r.kind.as_deref() == Some(*ty)).map(|r| (*ty, r)));
    if let Some((ty, r)) = pick {
        rec.kind = match ty {
            "retweeted" => Kind::Retweet,
            "replied_to" => Kind::Reply,
            _ => Kind::Quote,
        };
        let rid = r.id.as_deref().unwrap_or("");
        rec.target_post.push_str(rid);
        let included = ctx.and_then(|c| c.tweets.get(rid).copied());
        let target_author = r
            .author_id
            .as_deref()
            .or_else(|| r.author.as_ref().and_then(|u| u.id.as_deref()))
            .or_else(|| included.and_then(|it| it.author_id.as_deref()))
            .or(if ty == "replied_to" { t.in_reply_to_user_id.as_deref() } else { None });
        if let Some(a) = target_author {
            rec.target_account_id.push_str(a);
            let user = r.author.as_ref().or_else(|| ctx.and_then(|c| c.users.get(a).copied()));
            if let Some(name) = user.and_then(|u| u.username.as_deref()) {
                rec.target_screen_name.push_str(name);
            }
        }
    }
    // text: a long post's full text is in note_tweet
    let text = t.note_tweet.as_ref().and_then(|n| n.text.as_deref()).or(t.text.as_deref()).unwrap_or("");
    rec.text.push_str(text);
    if rec.kind == Kind::Retweet && rec.target_account_id.is_empty() && rec.target_screen_name.is_empty() {
        if let Some(name) = rt_screen_name(text) {
            rec.target_screen_name.push_str(name);
        }
    }
    let ents = t.note_tweet.as_ref().and_then(|n| n.entities.as_ref()).or(t.entities.as_ref());
    if let Some(e) = ents {
        fill_entities(rec, e);
    }
    Ok(())
}

/// Fill `rec` from a v1.1 tweet.
fn fill_v1(rec: &mut PostRecord, t: &Tweet) -> Result<(), String> {
    rec.clear();
    let id = t.id_str.as_deref().or(t.id.as_deref()).unwrap_or("");
    rec.id.push_str(id);
    rec.time_ms = tweet_time(t.created_at.as_deref(), t.timestamp_ms, id)?;
    if let Some(u) = &t.user {
        fill_user(&mut rec.author, u);
    }
    if let Some(src) = &t.source {
        rec.author.client.push_str(&client_name(src));
    }
    if let Some(rt) = &t.retweeted_status {
        rec.kind = Kind::Retweet;
        rec.target_post.push_str(rt.id_str.as_deref().or(rt.id.as_deref()).unwrap_or(""));
        if let Some(u) = &rt.user {
            rec.target_account_id.push_str(u.id_str.as_deref().or(u.id.as_deref()).unwrap_or(""));
            rec.target_screen_name.push_str(u.screen_name.as_deref().unwrap_or(""));
        }
    } else if let Some(reply_to) =
        t.in_reply_to_status_id_str.as_deref().or(t.in_reply_to_status_id.as_deref()).filter(|s| !s.is_empty())
    {
        rec.kind = Kind::Reply;
        rec.target_post.push_str(reply_to);
        rec.target_account_id
            .push_str(t.in_reply_to_user_id_str.as_deref().or(t.in_reply_to_user_id.as_deref()).unwrap_or(""));
        rec.target_screen_name.push_str(t.in_reply_to_screen_name.as_deref().unwrap_or(""));
    } else if let Some(q) = t
        .quoted_status_id_str
        .as_deref()
        .or_else(|| t.quoted_status.as_ref().and_then(|q| q.id_str.as_deref()))
        .filter(|s| !s.is_empty())
    {
        rec.kind = Kind::Quote;
        rec.target_post.push_str(q);
        if let Some(u) = t.quoted_status.as_ref().and_then(|q| q.user.as_ref()) {
            rec.target_account_id.push_str(u.id_str.as_deref().or(u.id.as_deref()).unwrap_or(""));
            rec.target_screen_name.push_str(u.screen_name.as_deref().unwrap_or(""));
        }
    }
    let ext = t.extended_tweet.as_ref();
    let text =
        t.full_text.as_deref().or_else(|| ext.and_then(|e| e.full_text.as_deref())).or(t.text.as_deref()).unwrap_or("");
    rec.text.push_str(text);
    if rec.kind == Kind::Retweet && rec.target_account_id.is_empty() && rec.target_screen_name.is_empty() {
        if let Some(name) = rt_screen_name(text) {
            rec.target_screen_name.push_str(name);
        }
    }
    if let Some(e) = ext.and_then(|e| e.entities.as_ref()).or(t.entities.as_ref()) {
        fill_entities(rec, e);
    }
    Ok(())
}

fn fill_entities(rec: &mut PostRecord, e: &Entities) {
    for h in &e.hashtags {
        if let Some(tag) = h.tag.as_deref().or(h.text.as_deref()) {
            rec.hashtags.push(tag.to_string());
        }
    }
    for u in &e.urls {
        if let Some(url) = u.expanded_url.as_deref().or(u.url.as_deref()) {
            rec.urls.push(url.to_string());
        }
    }
    for m in &e.mentions {
        if let Some(name) = m.username.as_deref().or(m.id.as_deref()) {
            rec.mentions.push(name.to_string());
        }
    }
    for m in &e.user_mentions {
        if let Some(name) = m.screen_name.as_deref().or(m.id_str.as_deref()) {
            rec.mentions.push(name.to_string());
        }
    }
}

/// The client name from a v1.1 `source` (`<a href="…" rel="nofollow">Twitter for iPhone</a>`),
/// or a v2 plain `source`.
pub fn client_name(source: &str) -> String {
    let mut text = String::with_capacity(source.len());
    let mut in_tag = false;
    for c in source.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.trim().to_string()
}

// ---------------------------------------------------------------------------------------------
// Typed JSON shapes. Every field is optional; unknown fields are ignored. Ids and counts accept a
// string or a number (v1.1 gives numbers, v2 strings).
// ---------------------------------------------------------------------------------------------

/// A tweet in any shape (v2 / v1.1), or an API response page, or a stream notice.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Tweet {
    #[serde(deserialize_with = "flex_id")]
    id: Option<String>,
    id_str: Option<String>,
    created_at: Option<String>,
    #[serde(deserialize_with = "flex_u64")]
    timestamp_ms: Option<u64>,
    text: Option<String>,
    full_text: Option<String>,
    extended_tweet: Option<Extended>,
    note_tweet: Option<NoteTweet>,
    entities: Option<Entities>,
    source: Option<String>,
    // v2
    #[serde(deserialize_with = "flex_id")]
    author_id: Option<String>,
    author: Option<User>,
    referenced_tweets: Option<Vec<RefTweet>>,
    #[serde(deserialize_with = "flex_id")]
    in_reply_to_user_id: Option<String>,
    // v1.1
    user: Option<User>,
    retweeted_status: Option<Box<Tweet>>,
    quoted_status: Option<Box<Tweet>>,
    #[serde(deserialize_with = "flex_id")]
    in_reply_to_status_id: Option<String>,
    in_reply_to_status_id_str: Option<String>,
    in_reply_to_user_id_str: Option<String>,
    in_reply_to_screen_name: Option<String>,
    quoted_status_id_str: Option<String>,
    // API response page
    data: Option<OneOrMany<Tweet>>,
    includes: Option<Includes>,
    errors: Option<Vec<ApiError>>,
    // v1.1 stream notices
    delete: Option<IgnoredAny>,
    limit: Option<IgnoredAny>,
    scrub_geo: Option<IgnoredAny>,
    status_withheld: Option<IgnoredAny>,
    user_withheld: Option<IgnoredAny>,
    disconnect: Option<IgnoredAny>,
    warning: Option<IgnoredAny>,
}

impl Tweet {
    fn is_tweet(&self) -> bool {
        self.author_id.is_some() || self.author.is_some() || self.user.is_some() || self.id_str.is_some()
    }
    fn is_notice(&self) -> bool {
        !self.is_tweet()
            && (self.delete.is_some()
                || self.limit.is_some()
                || self.scrub_geo.is_some()
                || self.status_withheld.is_some()
                || self.user_withheld.is_some()
                || self.disconnect.is_some()
                || self.warning.is_some())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User {
    #[serde(deserialize_with = "flex_id")]
    id: Option<String>,
    id_str: Option<String>,
    username: Option<String>,
    screen_name: Option<String>,
    name: Option<String>,
    created_at: Option<String>,
    #[serde(deserialize_with = "flex_desc")]
    description: Option<String>,
    public_metrics: Option<UserMetrics>,
    #[serde(deserialize_with = "flex_u64")]
    followers_count: Option<u64>,
    #[serde(deserialize_with = "flex_u64")]
    friends_count: Option<u64>,
    lang: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserMetrics {
    #[serde(deserialize_with = "flex_u64")]
    followers_count: Option<u64>,
    #[serde(deserialize_with = "flex_u64")]
    following_count: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RefTweet {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(deserialize_with = "flex_id")]
    id: Option<String>,
    /// twarc2 `--flatten` expands the referenced tweet in place (with its author).
    #[serde(deserialize_with = "flex_id")]
    author_id: Option<String>,
    author: Option<User>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Extended {
    full_text: Option<String>,
    entities: Option<Entities>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteTweet {
    text: Option<String>,
    entities: Option<Entities>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entities {
    hashtags: Vec<Hashtag>,
    urls: Vec<UrlEntity>,
    mentions: Vec<Mention>,
    user_mentions: Vec<UserMention>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Hashtag {
    tag: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UrlEntity {
    expanded_url: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Mention {
    username: Option<String>,
    #[serde(deserialize_with = "flex_id")]
    id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserMention {
    screen_name: Option<String>,
    id_str: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Includes {
    users: Vec<User>,
    tweets: Vec<Tweet>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiError {
    title: Option<String>,
    detail: Option<String>,
    message: Option<String>,
}

impl ApiError {
    fn describe(&self) -> String {
        let parts: Vec<&str> = [&self.title, &self.detail, &self.message].iter().filter_map(|s| s.as_deref()).collect();
        clip(&parts.join(": ")).to_string()
    }
}

/// `data` is an array of tweets in search/timeline pages and a single tweet in lookups.
struct OneOrMany<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tweet or an array of tweets")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(t) = seq.next_element()? {
                    v.push(t);
                }
                Ok(OneOrMany(v))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let t = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![t]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// An id given as a string or a number (null → None).
fn flex_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an id (string or number)")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // a numeric id that went through a float (precision already lost upstream)
            if v.is_finite() && v.fract() == 0.0 && v >= 0.0 {
                Ok(Some(format!("{v:.0}")))
            } else {
                Err(E::custom(format!("id {v} is not an integer")))
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A count given as a number or a numeric string; anything unreadable → None (counts are
/// optional attributes: a bad one does not reject the tweet).
fn flex_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a count")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim().parse().ok())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(v).ok())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((v.is_finite() && v >= 0.0).then_some(v as u64))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A profile description: v1.1 `null` means "empty", which we record as `Some("")`.
fn flex_desc<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?.unwrap_or_default()))
}
