//! Platform-neutral and flattened CSV tables: CooRTweet input, coordination-network-toolkit CSV,
//! twarc-csv (flattened Twitter API v2) and any other CSV through a [`ColumnMapping`].
//! All read their columns by header name (see shared FORMATS.md §3 and §5).

use super::builder::{DatasetBuilder, PostRecord};
use super::csv::{parse_count, parse_list, require, rt_target, Fields, Header, RowCtx, RowHandler};
use super::io_archive::clip;
use super::time::parse_time_ms;
use super::ColumnMapping;
use crate::core::model::{DiagKind, Kind};
use crate::core::peer::toolkit::py_float;

/// Reject the row unless `time` parses; `what` names the column in the message.
fn row_time(out: &mut DatasetBuilder, ctx: &RowCtx, column: &str, value: &str) -> Option<i64> {
    let v = value.trim();
    match parse_time_ms(v) {
        Some(t) => Some(t),
        None if v.is_empty() => {
            out.reject(ctx.at.clone(), DiagKind::MissingField, format!("empty `{column}`"));
            None
        }
        None => {
            out.reject(ctx.at.clone(), DiagKind::BadValue, format!("`{column}` value `{}` is not a time", clip(v)));
            None
        }
    }
}

/// Whether an object id is a URL (CooRTweet objects can be URLs).
fn looks_like_url(s: &str) -> bool {
    let b = s.trim_start().as_bytes();
    let starts = |p: &[u8]| b.len() > p.len() && b[..p.len()].eq_ignore_ascii_case(p);
    starts(b"http://") || starts(b"https://") || starts(b"www.")
}

/// Split a list cell: a JSON array (of strings, numbers, or objects, from which the first of
/// `keys` present is taken), else the forms [`parse_list`] reads (Python repr, `[a, b]`, bare
/// comma- or space-separated).
pub fn split_list(cell: &str, keys: &[&str], out: &mut Vec<String>) {
    let c = cell.trim();
    if c.starts_with('[') {
        if let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(c) {
            for item in items {
                let v = match item {
                    serde_json::Value::Object(mut o) => keys.iter().find_map(|k| o.remove(*k)),
                    other => Some(other),
                };
                match v {
                    Some(serde_json::Value::String(s)) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                    Some(serde_json::Value::Number(n)) => out.push(n.to_string()),
                    _ => {}
                }
            }
            return;
        }
    }
    parse_list(c, out);
}

// ---------------------------------------------------------------------------------------------

/// CooRTweet input: `object_id, account_id, content_id, timestamp_share`. Each row is a share of
/// `object_id` by `account_id`: kind Retweet with target post `object_id` (so co-share detection
/// works on the object), and the object also as a URL when it is one, or a hashtag when it
/// starts with `#`. `content_id` (the sharing post) is the post id.
#[derive(Default)]
pub struct Coortweet {
    object: usize,
    account: usize,
    time: usize,
    content: Option<usize>,
    rec: PostRecord,
}

impl RowHandler for Coortweet {
    fn header(&mut self, h: &Header, _out: &mut DatasetBuilder) -> Result<(), String> {
        let req = h.require("CooRTweet", &["object_id", "account_id", "timestamp_share"])?;
        (self.object, self.account, self.time) = (req[0], req[1], req[2]);
        self.content = h.find("content_id");
        Ok(())
    }

    fn row(&mut self, f: &Fields, ctx: &RowCtx, out: &mut DatasetBuilder) {
        let Some(object) = require(out, ctx, "object_id", f.get(self.object)) else { return };
        if require(out, ctx, "account_id", f.get(self.account)).is_none() {
            return;
        }
        let Some(t) = row_time(out, ctx, "timestamp_share", f.get(self.time)) else { return };
        let r = &mut self.rec;
        r.clear();
        r.id.push_str(f.opt(self.content).trim());
        r.author.id.push_str(f.get(self.account).trim());
        r.time_ms = t;
        r.kind = Kind::Retweet;
        r.target_post.push_str(object);
        if looks_like_url(object) {
            r.urls.push(object.to_string());
        } else if object.starts_with('#') {
            r.hashtags.push(object.to_string());
        }
        ctx.report_repair(out);
        out.add_post(&self.rec, &ctx.at);
    }
}

// ---------------------------------------------------------------------------------------------

/// coordination-network-toolkit CSV: `message_id, user_id, username, repost_id, reply_id,
/// message, timestamp, urls` (urls space-separated; timestamp Unix seconds, maybe a float).
#[derive(Default)]
pub struct Toolkit {
    id: usize,
    user: usize,
    time: usize,
    username: Option<usize>,
    repost: Option<usize>,
    reply: Option<usize>,
    message: Option<usize>,
    urls: Option<usize>,
    rec: PostRecord,
}

impl RowHandler for Toolkit {
    fn header(&mut self, h: &Header, _out: &mut DatasetBuilder) -> Result<(), String> {
        let req = h.require("coordination-network-toolkit", &["message_id", "user_id", "timestamp"])?;
        (self.id, self.user, self.time) = (req[0], req[1], req[2]);
        self.username = h.find("username");
        self.repost = h.find("repost_id");
        self.reply = h.find("reply_id");
        self.message = h.find("message");
        self.urls = h.find("urls");
        Ok(())
    }

    fn row(&mut self, f: &Fields, ctx: &RowCtx, out: &mut DatasetBuilder) {
        if require(out, ctx, "user_id", f.get(self.user)).is_none() {
            return;
        }
        // The toolkit's timestamp is Python's `float(cell)` in seconds (any offset): read it so,
        // keeping the exact value for `chorus network`; other notations fall back to row_time.
        let secs = py_float(f.get(self.time)).filter(|s| s.is_finite() && s.abs() < 9.0e15);
        let t = match secs {
            Some(s) => (s * 1000.0).round() as i64,
            None => match row_time(out, ctx, "timestamp", f.get(self.time)) {
                Some(t) => t,
                None => return,
            },
        };
        let keep_exact = out.options().keep_text;
        let r = &mut self.rec;
        r.clear();
        r.time_s = secs;
        r.id.push_str(f.get(self.id).trim());
        r.author.id.push_str(f.get(self.user).trim());
        r.author.screen_name.push_str(f.opt(self.username).trim());
        r.time_ms = t;
        r.text.push_str(f.opt(self.message));
        let repost = f.opt(self.repost).trim();
        let reply = f.opt(self.reply).trim();
        if !repost.is_empty() {
            r.kind = Kind::Retweet;
            r.target_post.push_str(repost);
            if let Some(name) = rt_target(&r.text) {
                r.target_screen_name.push_str(name);
            }
        } else if !reply.is_empty() {
            r.kind = Kind::Reply;
            r.target_post.push_str(reply);
        }
        r.urls.extend(f.opt(self.urls).split_whitespace().map(str::to_string));
        if keep_exact {
            // The toolkit stores `urls.split(" ")`: an empty cell is the URL "".
            r.exact_urls = Some(f.opt(self.urls).split(' ').map(str::to_string).collect());
        }
        ctx.report_repair(out);
        out.add_post(&self.rec, &ctx.at);
    }
}

// ---------------------------------------------------------------------------------------------

/// twarc-csv: flattened Twitter API v2 tweets. Reads `referenced_tweets.{retweeted,replied_to,
/// quoted}.id` or the older JSON `referenced_tweets` column, `author.*` attributes, JSON-array
/// entity cells, and JSON-encoded text cells (`--json-encode-text`).
#[derive(Default)]
pub struct TwarcCsv {
    id: usize,
    created: usize,
    author: usize,
    text: Option<usize>,
    rt: Option<usize>,
    reply: Option<usize>,
    quote: Option<usize>,
    refs: Option<usize>,
    reply_user: Option<usize>,
    rt_user: Option<usize>,
    quote_user: Option<usize>,
    source: Option<usize>,
    hashtags: Option<usize>,
    mentions: Option<usize>,
    urls: Option<usize>,
    username: Option<usize>,
    name: Option<usize>,
    author_created: Option<usize>,
    followers: Option<usize>,
    following: Option<usize>,
    description: Option<usize>,
    rec: PostRecord,
}

/// A cell written as a JSON string (`"…"` with escapes) decoded; other cells as they are.
fn json_text(cell: &str) -> std::borrow::Cow<'_, str> {
    let t = cell.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(t) {
            return s.into();
        }
    }
    cell.into()
}

impl RowHandler for TwarcCsv {
    fn header(&mut self, h: &Header, _out: &mut DatasetBuilder) -> Result<(), String> {
        let req = h.require("twarc-csv", &["id", "created_at"])?;
        (self.id, self.created) = (req[0], req[1]);
        self.author = match h.find("author_id").or_else(|| h.find("author.id")) {
            Some(i) => i,
            None => return Err(h.require("twarc-csv", &["author_id"]).err().unwrap_or_default()),
        };
        self.text = h.find("text");
        self.rt = h.find("referenced_tweets.retweeted.id");
        self.reply = h.find("referenced_tweets.replied_to.id");
        self.quote = h.find("referenced_tweets.quoted.id");
        self.refs = h.find("referenced_tweets");
        self.reply_user = h.find("in_reply_to_user_id");
        self.rt_user = h.find("retweeted_user_id");
        self.quote_user = h.find("quoted_user_id");
        self.source = h.find("source");
        self.hashtags = h.find("entities.hashtags");
        self.mentions = h.find("entities.mentions");
        self.urls = h.find("entities.urls");
        self.username = h.find("author.username");
        self.name = h.find("author.name");
        self.author_created = h.find("author.created_at");
        self.followers = h.find("author.public_metrics.followers_count");
        self.following = h.find("author.public_metrics.following_count");
        self.description = h.find("author.description");
        Ok(())
    }

    fn row(&mut self, f: &Fields, ctx: &RowCtx, out: &mut DatasetBuilder) {
        let Some(id) = require(out, ctx, "id", f.get(self.id)) else { return };
        if require(out, ctx, "author_id", f.get(self.author)).is_none() {
            return;
        }
        let Some(t) = row_time(out, ctx, "created_at", f.get(self.created)) else { return };
        let r = &mut self.rec;
        r.clear();
        r.id.push_str(id);
        r.time_ms = t;
        let a = &mut r.author;
        a.id.push_str(f.get(self.author).trim());
        a.screen_name.push_str(f.opt(self.username).trim());
        a.display_name.push_str(f.opt(self.name).trim());
        a.created_at_ms = parse_time_ms(f.opt(self.author_created));
        a.followers = parse_count(f.opt(self.followers));
        a.following = parse_count(f.opt(self.following));
        if self.description.is_some() {
            a.description_empty = Some(json_text(f.opt(self.description)).trim().is_empty());
        }
        a.client.push_str(f.opt(self.source).trim());
        r.text.push_str(&json_text(f.opt(self.text)));

        let (mut rt, mut reply, mut quote) = (
            f.opt(self.rt).trim().to_string(),
            f.opt(self.reply).trim().to_string(),
            f.opt(self.quote).trim().to_string(),
        );
        if let Some(refs) = self.refs {
            // Older exports: `[{"type": "quoted", "id": "…"}]`.
            if let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(f.get(refs).trim()) {
                for item in items {
                    let id = item.get("id").and_then(|v| v.as_str()).unwrap_or("").to_string();
                    match item.get("type").and_then(|v| v.as_str()) {
                        Some("retweeted") if rt.is_empty() => rt = id,
                        Some("replied_to") if reply.is_empty() => reply = id,
                        Some("quoted") if quote.is_empty() => quote = id,
                        _ => {}
                    }
                }
            }
        }
        if !rt.is_empty() {
            r.kind = Kind::Retweet;
            r.target_post = rt;
            r.target_account_id.push_str(f.opt(self.rt_user).trim());
            if let Some(name) = rt_target(&r.text) {
                r.target_screen_name.push_str(name);
            }
        } else if !reply.is_empty() {
            r.kind = Kind::Reply;
            r.target_post = reply;
            r.target_account_id.push_str(f.opt(self.reply_user).trim());
        } else if !quote.is_empty() {
            r.kind = Kind::Quote;
            r.target_post = quote;
            r.target_account_id.push_str(f.opt(self.quote_user).trim());
        }
        split_list(f.opt(self.hashtags), &["tag", "text"], &mut r.hashtags);
        split_list(f.opt(self.mentions), &["username", "screen_name", "id"], &mut r.mentions);
        split_list(f.opt(self.urls), &["expanded_url", "url"], &mut r.urls);
        ctx.report_repair(out);
        out.add_post(&self.rec, &ctx.at);
    }
}

// ---------------------------------------------------------------------------------------------

/// Any CSV through a user-given [`ColumnMapping`]: `account` and `time` are required; the rest is
/// optional. Lists are JSON arrays, Python lists, or comma/space separated.
pub struct Generic {
    mapping: ColumnMapping,
    account: usize,
    time: usize,
    screen_name: Option<usize>,
    post_id: Option<usize>,
    repost_of: Option<usize>,
    reply_to: Option<usize>,
    quoted: Option<usize>,
    text: Option<usize>,
    urls: Option<usize>,
    hashtags: Option<usize>,
    mentions: Option<usize>,
    account_name: String,
    time_name: String,
    rec: PostRecord,
}

impl Generic {
    pub fn new(mapping: ColumnMapping) -> Self {
        Generic {
            mapping,
            account: 0,
            time: 0,
            screen_name: None,
            post_id: None,
            repost_of: None,
            reply_to: None,
            quoted: None,
            text: None,
            urls: None,
            hashtags: None,
            mentions: None,
            account_name: String::new(),
            time_name: String::new(),
            rec: PostRecord::default(),
        }
    }
}

impl RowHandler for Generic {
    fn header(&mut self, h: &Header, _out: &mut DatasetBuilder) -> Result<(), String> {
        let m = &self.mapping;
        let (Some(account), Some(time)) = (m.account.as_deref(), m.time.as_deref()) else {
            return Err("the column mapping must name the account column and the time column".into());
        };
        let req = h.require("mapped CSV", &[account, time])?;
        (self.account, self.time) = (req[0], req[1]);
        self.account_name = account.to_string();
        self.time_name = time.to_string();
        let mut missing = Vec::new();
        let mut find = |name: &Option<String>| -> Option<usize> {
            let n = name.as_deref()?.trim();
            if n.is_empty() {
                return None;
            }
            let i = h.find(n);
            if i.is_none() {
                missing.push(format!("`{n}`"));
            }
            i
        };
        self.screen_name = find(&m.screen_name);
        self.post_id = find(&m.post_id);
        self.repost_of = find(&m.repost_of);
        self.reply_to = find(&m.reply_to);
        self.quoted = find(&m.quoted);
        self.text = find(&m.text);
        self.urls = find(&m.urls);
        self.hashtags = find(&m.hashtags);
        self.mentions = find(&m.mentions);
        if !missing.is_empty() {
            return Err(format!(
                "the column mapping names column(s) {} that this file does not have (header has: {})",
                missing.join(", "),
                h.names.join(", ")
            ));
        }
        Ok(())
    }

    fn row(&mut self, f: &Fields, ctx: &RowCtx, out: &mut DatasetBuilder) {
        if require(out, ctx, &self.account_name, f.get(self.account)).is_none() {
            return;
        }
        let Some(t) = row_time(out, ctx, &self.time_name, f.get(self.time)) else { return };
        let r = &mut self.rec;
        r.clear();
        r.id.push_str(f.opt(self.post_id).trim());
        r.author.id.push_str(f.get(self.account).trim());
        r.author.screen_name.push_str(f.opt(self.screen_name).trim());
        r.time_ms = t;
        r.text.push_str(f.opt(self.text));
        let (repost, reply, quoted) =
            (f.opt(self.repost_of).trim(), f.opt(self.reply_to).trim(), f.opt(self.quoted).trim());
        if !repost.is_empty() {
            r.kind = Kind::Retweet;
            r.target_post.push_str(repost);
            if let Some(name) = rt_target(&r.text) {
                r.target_screen_name.push_str(name);
            }
        } else if !reply.is_empty() {
            r.kind = Kind::Reply;
            r.target_post.push_str(reply);
        } else if !quoted.is_empty() {
            r.kind = Kind::Quote;
            r.target_post.push_str(quoted);
        }
        split_list(f.opt(self.urls), &["expanded_url", "url"], &mut r.urls);
        split_list(f.opt(self.hashtags), &["tag", "text"], &mut r.hashtags);
        split_list(f.opt(self.mentions), &["username", "screen_name", "id"], &mut r.mentions);
        ctx.report_repair(out);
        out.add_post(&self.rec, &ctx.at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_cells() {
        let cases: &[(&str, &[&str])] = &[
            (r#"[{"start": 1, "end": 5, "tag": "Vote"}, {"tag": "x"}]"#, &["Vote", "x"]),
            (r#"["a", "b"]"#, &["a", "b"]),
            ("[1, 2]", &["1", "2"]),
            ("a, b", &["a", "b"]),
            ("['a', 'b']", &["a", "b"]),
            ("", &[]),
        ];
        for (cell, want) in cases {
            let mut got = Vec::new();
            split_list(cell, &["tag"], &mut got);
            assert_eq!(got, *want, "{cell}");
        }
    }

    #[test]
    fn urls_and_text_cells() {
        assert!(looks_like_url("https://example.com/x"));
        assert!(looks_like_url("HTTP://example.com"));
        assert!(!looks_like_url("1234567890123"));
        assert!(!looks_like_url("#tag"));
        assert!(!looks_like_url("24f682\u{fffd}769992022dba3cf"));
        assert!(!looks_like_url("https://"));
        assert!(!looks_like_url("abcdef\u{20ac}xyz")); // the ingest-json fuzzers' known crash
        assert!(looks_like_url("https://\u{20ac}.example"));
        assert_eq!(json_text(r#""a \u2019 \"q\"""#), "a \u{2019} \"q\"");
        assert_eq!(json_text("plain \"text\""), "plain \"text\"");
    }
}
