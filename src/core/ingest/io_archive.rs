//! Twitter information-operations archives: the tweets file (31 columns) and the users file
//! (10 columns), read by header name so the 2018 and the 2019+ column orders both work.
//!
//! Quirks handled (see shared FORMATS.md §1): second-level times recovered from the snowflake
//! `tweetid` (falling back to the minute-resolution `tweet_time`), `is_retweet` in any case,
//! lists as `[a, b]`, `['a', 'b']`, `[]` or empty, hashtags with or without `#`, `0` entries in
//! `user_mentions`, blank counts, `absent`/`present` coordinates (not read), a retweet whose
//! `retweet_userid` is empty (the target comes from the `RT @name:` text).
//!
//! Required tweets columns: `tweetid`, `userid`, `tweet_time` (their absence is fatal for the file,
//! naming them). Required users column: `userid`. Everything else is optional.

use super::builder::{AccountView, DatasetBuilder, PostCells};
use super::csv::{fast_trim, parse_bool, parse_count, require, rt_target, Fields, Header, RowCtx, RowHandler};
use super::time::{parse_time_ms, snowflake_ms};
use crate::core::model::{DiagKind, Kind};

/// Column indices of the account attributes, shared by both files.
#[derive(Clone, Debug, Default)]
struct AccountCols {
    userid: usize,
    display_name: Option<usize>,
    screen_name: Option<usize>,
    description: Option<usize>,
    followers: Option<usize>,
    following: Option<usize>,
    created: Option<usize>,
    language: Option<usize>,
}

impl AccountCols {
    fn new(h: &Header, userid: usize) -> Self {
        AccountCols {
            userid,
            display_name: h.find("user_display_name"),
            screen_name: h.find("user_screen_name"),
            description: h.find("user_profile_description"),
            followers: h.find("follower_count"),
            following: h.find("following_count"),
            created: h.find("account_creation_date"),
            language: h.find("account_language"),
        }
    }

    /// The account of a row, borrowed from its fields (the id is trimmed; attributes that are
    /// blank stay unknown; no client). With it, the creation date when it is given but not a
    /// date (it is then left unknown).
    fn view<'a>(&self, f: &Fields<'a>) -> (AccountView<'a>, Option<&'a str>) {
        let created = fast_trim(f.opt(self.created));
        let created_at_ms = parse_time_ms(created);
        let a = AccountView {
            id: fast_trim(f.get(self.userid)),
            screen_name: fast_trim(f.opt(self.screen_name)),
            display_name: fast_trim(f.opt(self.display_name)),
            created_at_ms,
            followers: parse_count(f.opt(self.followers)),
            following: parse_count(f.opt(self.following)),
            language: fast_trim(f.opt(self.language)),
            description_empty: self.description.map(|i| fast_trim(f.get(i)).is_empty()),
            client: "",
        };
        (a, (created_at_ms.is_none() && !created.is_empty()).then_some(created))
    }
}

/// Handler of a `*_tweets_csv_*.csv` file.
#[derive(Default)]
pub struct IoTweets {
    account: AccountCols,
    tweetid: usize,
    tweet_time: usize,
    text: Option<usize>,
    client: Option<usize>,
    reply_tweet: Option<usize>,
    reply_user: Option<usize>,
    quoted: Option<usize>,
    is_retweet: Option<usize>,
    rt_user: Option<usize>,
    rt_tweet: Option<usize>,
    hashtags: Option<usize>,
    urls: Option<usize>,
    mentions: Option<usize>,
}

impl IoTweets {
    pub fn new() -> Self {
        Self::default()
    }
}

/// The post time: the snowflake time of `tweetid` when it agrees with the minute-resolution
/// `tweet_time` (same minute, with a minute of slack either side), else `tweet_time` itself.
/// An empty `tweet_time` falls back to the snowflake alone.
fn post_time(tweetid: &str, tweet_time: &str) -> Result<i64, String> {
    let snow = parse_u64(tweetid).and_then(snowflake_ms);
    let tt = fast_trim(tweet_time);
    if tt.is_empty() {
        return snow.ok_or_else(|| "empty tweet_time and a tweetid that is not a snowflake".to_string());
    }
    let minute = parse_time_ms(tt).ok_or_else(|| format!("tweet_time `{}` is not a time", clip(tt)))?;
    Ok(match snow {
        Some(s) if s >= minute - 60_000 && s < minute + 120_000 => s,
        _ => minute,
    })
}

/// `s.parse::<u64>().ok()`, without checking every step for up to 19 digits (which cannot
/// overflow): eight digits at a time.
fn parse_u64(s: &str) -> Option<u64> {
    if !s.is_empty() && s.len() <= 19 {
        if let Some(v) = parse_digits19(s.as_bytes()) {
            return Some(v);
        }
    }
    s.parse().ok()
}

/// The value of `b` when it is 1 to 19 ASCII digits (which cannot overflow a `u64`), else
/// `None`: eight digits at a time, then one at a time. `Some` exactly when `b` is 1 to 19
/// bytes `0`–`9`, with the value `str::parse` gives (also the numeric case of
/// [`crate::core::model::post_key`]).
#[inline]
pub(crate) fn parse_digits19(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v = 0u64;
    let mut blocks = b.chunks_exact(8);
    for block in &mut blocks {
        let mut w = [0u8; 8];
        w.copy_from_slice(block);
        v = v * 100_000_000 + eight_digits(u64::from_le_bytes(w))?;
    }
    for &c in blocks.remainder() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    Some(v)
}

/// The value of eight ASCII digits (the first one in the lowest byte of `x`), or `None` when
/// a byte is not a digit: the digits checked and combined in pairs, quads and halves.
#[inline(always)]
fn eight_digits(x: u64) -> Option<u64> {
    const HIGH_NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // Every byte 0x30..=0x3F, and still 0x3? with 6 added (so ≤ 0x39; no carry between bytes).
    if x & HIGH_NIBBLES != ZEROS || x.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES != ZEROS {
        return None;
    }
    let d = x - ZEROS;
    let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
    let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((d.wrapping_mul(10_000) + (d >> 32)) & 0xFFFF_FFFF)
}

fn bad_date_message(value: &str) -> String {
    format!("account_creation_date `{}` is not a date; left unknown", clip(value))
}

/// At most 40 characters of a value, for messages.
pub(crate) fn clip(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl RowHandler for IoTweets {
    fn header(&mut self, h: &Header, out: &mut DatasetBuilder) -> Result<(), String> {
        let req = h.require("IO archive tweets", &["tweetid", "userid", "tweet_time"])?;
        let _ = out;
        self.tweetid = req[0];
        self.account = AccountCols::new(h, req[1]);
        self.tweet_time = req[2];
        self.text = h.find("tweet_text");
        self.client = h.find("tweet_client_name");
        self.reply_tweet = h.find("in_reply_to_tweetid");
        self.reply_user = h.find("in_reply_to_userid");
        self.quoted = h.find("quoted_tweet_tweetid");
        self.is_retweet = h.find("is_retweet");
        self.rt_user = h.find("retweet_userid");
        self.rt_tweet = h.find("retweet_tweetid");
        self.hashtags = h.find("hashtags");
        self.urls = h.find("urls");
        self.mentions = h.find("user_mentions");
        Ok(())
    }

    fn row(&mut self, f: &Fields, ctx: &RowCtx, out: &mut DatasetBuilder) {
        let Some(tweetid) = require(out, ctx, "tweetid", f.get(self.tweetid)) else {
            return;
        };
        if fast_trim(f.get(self.account.userid)).is_empty() {
            out.reject(ctx.at.clone(), DiagKind::MissingField, format!("tweet {tweetid}: empty `userid`"));
            return;
        }
        let time_ms = match post_time(tweetid, f.get(self.tweet_time)) {
            Ok(t) => t,
            Err(m) => {
                out.reject(ctx.at.clone(), DiagKind::BadValue, format!("tweet {}: {m}", clip(tweetid)));
                return;
            }
        };
        let (mut author, bad_created) = self.account.view(f);
        author.client = fast_trim(f.opt(self.client));
        let text = f.opt(self.text);
        let reply_tweet = fast_trim(f.opt(self.reply_tweet));
        let reply_user = fast_trim(f.opt(self.reply_user));
        let quoted = fast_trim(f.opt(self.quoted));
        let rt_tweet = fast_trim(f.opt(self.rt_tweet));
        let rt_user = fast_trim(f.opt(self.rt_user));
        // Without an `is_retweet` column, a `retweet_tweetid` marks a retweet.
        let is_retweet = match self.is_retweet {
            Some(i) => parse_bool(f.get(i)),
            None => !rt_tweet.is_empty(),
        };
        let (kind, target_post, target_account_id, target_screen_name) = if is_retweet {
            (Kind::Retweet, rt_tweet, rt_user, rt_target(text).unwrap_or(""))
        } else if !reply_tweet.is_empty() || !reply_user.is_empty() {
            (Kind::Reply, reply_tweet, reply_user, "")
        } else if !quoted.is_empty() {
            (Kind::Quote, quoted, "", "")
        } else {
            (Kind::Post, "", "", "")
        };
        let post = PostCells {
            id: tweetid,
            author,
            time_ms,
            kind,
            target_post,
            target_account_id,
            target_screen_name,
            text,
            hashtags: f.opt(self.hashtags),
            urls: f.opt(self.urls),
            // (its `0` entries, no account, are dropped)
            mentions: f.opt(self.mentions),
        };
        ctx.report_repair(out);
        if let Some(c) = bad_created {
            out.repaired(ctx.at.clone(), DiagKind::BadValue, bad_date_message(c));
        }
        out.add_post_cells(&post, &ctx.at);
    }
}

/// Handler of a `*_users_csv_*.csv` file.
#[derive(Default)]
pub struct IoUsers {
    account: AccountCols,
}

impl IoUsers {
    pub fn new() -> Self {
        Self::default()
    }
}

impl RowHandler for IoUsers {
    fn header(&mut self, h: &Header, _out: &mut DatasetBuilder) -> Result<(), String> {
        let req = h.require("IO archive users", &["userid"])?;
        self.account = AccountCols::new(h, req[0]);
        Ok(())
    }

    fn row(&mut self, f: &Fields, ctx: &RowCtx, out: &mut DatasetBuilder) {
        if require(out, ctx, "userid", f.get(self.account.userid)).is_none() {
            return;
        }
        let (account, bad_created) = self.account.view(f);
        ctx.report_repair(out);
        if let Some(c) = bad_created {
            out.repaired(ctx.at.clone(), DiagKind::BadValue, bad_date_message(c));
        }
        out.add_account_view(&account, &ctx.at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::csv::CsvParser;
    use crate::core::ingest::PushParser;

    #[test]
    fn minimal_columns_and_no_is_retweet_column() {
        let csv = "TWEET_TIME,tweetid,userid,retweet_tweetid,tweet_text\n\
                   2018-10-10 20:19,1050118621198921728,u1,,hello\n\
                   2018-10-10 20:21,1050119035569569799,u2,1050118621198921728,RT @u1name: hello\n";
        let mut b = DatasetBuilder::default();
        b.begin_file("t.csv");
        let mut p = CsvParser::new(Box::new(IoTweets::new()));
        p.feed(csv.as_bytes(), &mut b);
        p.finish(&mut b);
        let (ds, reports) = b.finish();
        assert_eq!(reports[0].records_kept, 2, "{reports:#?}");
        assert_eq!(ds.posts.kind, [Kind::Post, Kind::Retweet]);
        assert_eq!(ds.posts.target_post(1), 1_050_118_621_198_921_728);
        assert_eq!(&*ds.accounts.screen_name[ds.posts.target_account(1) as usize], "u1name");
        assert_eq!(ds.accounts.description_empty[0], 2); // no description column: unknown
    }

    #[test]
    fn ids_parse_as_str_parse_does() {
        for s in [
            "",
            "0",
            "1050118621198921728",
            "9999999999999999999",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "+12",
            "-1",
            "1 ",
            "12a",
            "00000000000000000000001",
        ] {
            assert_eq!(parse_u64(s), s.parse::<u64>().ok(), "{s:?}");
        }
        // Random strings of up to 22 digits, some with one other byte.
        let mut next = crate::core::test_rng(0x6A09_E667_F3BC_C908);
        let mut parsed = 0;
        for _ in 0..300_000 {
            let mut b: Vec<u8> = (0..next(23)).map(|_| b'0' + next(10) as u8).collect();
            if !b.is_empty() && next(3) == 0 {
                let i = next(b.len());
                b[i] = b"/:+- a\xC3\x00\xFF9"[next(10)];
            }
            let s = String::from_utf8_lossy(&b);
            let want = s.parse::<u64>().ok();
            assert_eq!(parse_u64(&s), want, "{s:?}");
            parsed += want.is_some() as u32;
        }
        assert!(parsed > 100_000, "{parsed} parsed");
    }

    #[test]
    fn snowflake_time_recovery() {
        // 1050118621198921728 -> 2018-10-10T20:19:24.211Z
        assert_eq!(post_time("1050118621198921728", "2018-10-10 20:19"), Ok(1_539_202_764_211));
        // A tweet_time that disagrees with the id wins.
        assert_eq!(post_time("1050118621198921728", "2018-10-11 20:19"), Ok(1_539_289_140_000));
        // Pre-snowflake ids: tweet_time.
        assert_eq!(post_time("12345", "2009-01-01 00:00"), Ok(1_230_768_000_000));
        assert_eq!(post_time("1050118621198921728", ""), Ok(1_539_202_764_211));
        assert!(post_time("12345", "").is_err());
        assert_eq!(post_time("1", "yesterday"), Err("tweet_time `yesterday` is not a time".into()));
    }
}
