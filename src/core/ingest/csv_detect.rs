//! CSV format detection from the header, the parser factory, and the preview / mapping guess for
//! the column-mapping interface.
//!
//! - [`detect_csv_format`]: which CSV format a header row is (IO tweets / users, CooRTweet,
//!   coordination-network-toolkit, twarc-csv), tolerant to BOM, case, quotes and whitespace.
//! - [`csv_parser`]: a [`PushParser`] for a CSV format; the parser reads the header row itself.
//! - [`auto_csv_parser`]: a parser that detects the format from the header (and falls back to a
//!   mapping from the options, else reports the header so the user can map it).
//! - [`preview`] / [`guess_mapping`]: the first rows and a first guess at the mapping.

use super::builder::{DatasetBuilder, IngestOptions};
use super::csv::{normalise_name, CsvEvent, CsvParser, CsvReader, Header, RowHandler};
use super::io_archive::{IoTweets, IoUsers};
use super::tables::{Coortweet, Generic, Toolkit, TwarcCsv};
use super::{ColumnMapping, Format, PushParser};
use serde::{Deserialize, Serialize};

/// The CSV format of a header row, or None when it is none of the known ones.
pub fn detect_csv_format(header: &[&str]) -> Option<Format> {
    let names: Vec<String> = header.iter().map(|h| normalise_name(h)).collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("tweetid") && has("userid") && has("tweet_time") {
        return Some(Format::IoTweets);
    }
    if has("userid") && !has("tweetid") && (has("user_screen_name") || has("account_creation_date")) {
        return Some(Format::IoUsers);
    }
    if has("object_id") && has("account_id") && has("timestamp_share") {
        return Some(Format::Coortweet);
    }
    if has("message_id") && has("user_id") && has("timestamp") && (has("repost_id") || has("reply_id")) {
        return Some(Format::Toolkit);
    }
    if has("id") && has("created_at") && (has("author_id") || has("author.id")) {
        return Some(Format::TwarcCsv);
    }
    None
}

/// The row handler of a CSV format (None for non-CSV formats, or GenericCsv without a mapping).
fn handler(format: Format, mapping: Option<&ColumnMapping>) -> Option<Box<dyn RowHandler>> {
    Some(match format {
        Format::IoTweets => Box::new(IoTweets::new()),
        Format::IoUsers => Box::new(IoUsers::new()),
        Format::Coortweet => Box::<Coortweet>::default(),
        Format::Toolkit => Box::<Toolkit>::default(),
        Format::TwarcCsv => Box::<TwarcCsv>::default(),
        Format::GenericCsv => Box::new(Generic::new(mapping?.clone())),
        Format::Twarc2Jsonl | Format::V1Jsonl => return None,
    })
}

/// A push parser for a CSV `format` (it reads the header row from its input). None for the JSON
/// formats, and for [`Format::GenericCsv`] when `opts.mapping` is None.
pub fn csv_parser(format: Format, opts: &IngestOptions) -> Option<Box<dyn PushParser>> {
    let h = handler(format, opts.mapping.as_ref())?;
    Some(Box::new(CsvParser::new(h)))
}

/// A push parser that detects the CSV format from the header row (calling
/// `DatasetBuilder::set_format`). An unknown header is read with `opts.mapping` when given,
/// else it is fatal with a message listing the columns (the user maps them in the interface).
pub fn auto_csv_parser(opts: &IngestOptions) -> Box<dyn PushParser> {
    let mapping = opts.mapping.clone();
    Box::new(CsvParser::with_factory(Box::new(move |h: &Header, out: &mut DatasetBuilder| {
        let names: Vec<&str> = h.names.iter().map(String::as_str).collect();
        let format = match detect_csv_format(&names) {
            Some(f) => f,
            None if mapping.is_some() => Format::GenericCsv,
            None => {
                return Err(format!(
                    "unrecognised CSV header; map its columns to read it (columns: {})",
                    h.names.join(", ")
                ))
            }
        };
        out.set_format(format);
        handler(format, mapping.as_ref()).ok_or_else(|| format!("no CSV reader for {}", format.label()))
    })))
}

/// The first rows of a CSV, for the column-mapping interface.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvPreview {
    /// Header names as written (trimmed, BOM removed).
    pub headers: Vec<String>,
    /// Up to `max_rows` complete data rows.
    pub rows: Vec<Vec<String>>,
    pub delimiter: char,
    pub detected: Option<Format>,
}

/// Preview the head of a CSV file (the first bytes; a row cut at the end is left out).
pub fn preview(head: &[u8], max_rows: usize) -> CsvPreview {
    let mut reader = CsvReader::new(None);
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    reader.feed(head, &mut |ev| {
        if let CsvEvent::Record { fields, .. } = ev {
            match &headers {
                None => {
                    headers = Some(fields.iter().map(|s| s.trim_start_matches('\u{feff}').trim().to_string()).collect())
                }
                Some(_) if rows.len() < max_rows => rows.push(fields.iter().map(str::to_string).collect()),
                Some(_) => {}
            }
        }
    });
    let headers = headers.unwrap_or_default();
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    CsvPreview {
        detected: detect_csv_format(&names),
        delimiter: reader.delimiter().unwrap_or(b',') as char,
        headers,
        rows,
    }
}

/// A first guess at the mapping of `headers` (common column names), for the user to correct.
pub fn guess_mapping(headers: &[String]) -> ColumnMapping {
    // Compare names without case and punctuation: "User ID" == "user_id" == "userid".
    let keys: Vec<String> =
        headers.iter().map(|h| normalise_name(h).chars().filter(|c| c.is_alphanumeric()).collect()).collect();
    let pick = |candidates: &[&str]| -> Option<String> {
        candidates.iter().find_map(|c| keys.iter().position(|k| k == c).map(|i| headers[i].trim().to_string()))
    };
    ColumnMapping {
        account: pick(&[
            "userid",
            "accountid",
            "authorid",
            "user",
            "account",
            "author",
            "userscreenname",
            "screenname",
            "username",
            "handle",
        ]),
        screen_name: pick(&["userscreenname", "screenname", "username", "authorusername", "handle"]),
        time: pick(&[
            "createdat",
            "tweettime",
            "timestamp",
            "timestampshare",
            "time",
            "date",
            "datetime",
            "publishedat",
            "posted",
        ]),
        post_id: pick(&["tweetid", "postid", "messageid", "contentid", "statusid", "idstr", "id"]),
        repost_of: pick(&[
            "retweettweetid",
            "retweetid",
            "repostid",
            "repostof",
            "sharedid",
            "retweetedid",
            "referencedtweetsretweetedid",
        ]),
        reply_to: pick(&["inreplytotweetid", "inreplytostatusid", "replyid", "replyto", "referencedtweetsrepliedtoid"]),
        quoted: pick(&["quotedtweettweetid", "quotedstatusid", "quotedid", "quoteid", "referencedtweetsquotedid"]),
        text: pick(&["tweettext", "text", "fulltext", "message", "content", "body", "post"]),
        urls: pick(&["urls", "url", "links", "entitiesurls", "expandedurl"]),
        hashtags: pick(&["hashtags", "hashtag", "tags", "entitieshashtags"]),
        mentions: pick(&["usermentions", "mentions", "mention", "entitiesmentions"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        let io2018 = "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,tweet_text,tweet_time,tweet_client_name,in_reply_to_tweetid,in_reply_to_userid,quoted_tweet_tweetid,is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,retweet_count,hashtags,urls,user_mentions,poll_choices";
        let cases: &[(&str, Option<Format>)] = &[
            (io2018, Some(Format::IoTweets)),
            ("\u{feff}\"TweetID\", UserID ,tweet_time", Some(Format::IoTweets)),
            ("userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,user_profile_url,follower_count,following_count,account_creation_date,account_language", Some(Format::IoUsers)),
            ("object_id,account_id,content_id,timestamp_share", Some(Format::Coortweet)),
            ("\u{feff}message_id,user_id,username,repost_id,reply_id,message,timestamp,urls", Some(Format::Toolkit)),
            ("id,conversation_id,referenced_tweets.replied_to.id,referenced_tweets.retweeted.id,author_id,created_at,text", Some(Format::TwarcCsv)),
            ("user,date,text", None),
            ("", None),
        ];
        for (h, want) in cases {
            let names: Vec<&str> = h.split(',').collect();
            assert_eq!(detect_csv_format(&names), *want, "{h}");
        }
    }

    #[test]
    fn previews() {
        let p = preview(b"\xEF\xBB\xBFuser;when;text\nalice;2020-01-01;\"hi; there\"\nbob;2020-01-02;x\ncarol;2020", 5);
        assert_eq!(p.headers, ["user", "when", "text"]);
        assert_eq!(p.rows, vec![vec!["alice", "2020-01-01", "hi; there"], vec!["bob", "2020-01-02", "x"]]);
        assert_eq!(p.delimiter, ';');
        assert_eq!(p.detected, None);
        let p = preview(b"object_id,account_id,content_id,timestamp_share\na,b,c,1\n", 0);
        assert_eq!(p.detected, Some(Format::Coortweet));
        assert!(p.rows.is_empty());
    }

    #[test]
    fn mapping_guess() {
        let h: Vec<String> = ["User ID", "Screen Name", "Created At", "ID", "Text", "URLs", "Hashtags"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = guess_mapping(&h);
        assert_eq!(m.account.as_deref(), Some("User ID"));
        assert_eq!(m.screen_name.as_deref(), Some("Screen Name"));
        assert_eq!(m.time.as_deref(), Some("Created At"));
        assert_eq!(m.post_id.as_deref(), Some("ID"));
        assert_eq!(m.text.as_deref(), Some("Text"));
        assert_eq!(m.urls.as_deref(), Some("URLs"));
        assert_eq!(m.hashtags.as_deref(), Some("Hashtags"));
        assert_eq!(m.repost_of, None);
        assert_eq!(guess_mapping(&[]), ColumnMapping::default());
    }
}
