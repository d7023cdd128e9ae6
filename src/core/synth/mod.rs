//! Synthetic datasets with planted coordinated operations and ground truth.
//!
//! [`generate`] builds, from a seed and [`SynthParams`] alone (no clock, no global random number
//! generator), an organic population — heavy-tailed activity and follower counts, creation dates
//! spread over years, diurnal rhythm in several time zones, retweets of popular accounts, replies,
//! quotes, hashtags, URLs over many domains — plus planted operations of different styles
//! ([`OpSpec`]: retweet rings, copy-paste text networks, stealthy amplifiers that also boost
//! organic content, slow and fast boosting, creation bursts, generated handles, office hours in one
//! time zone, campaign spikes) and organic confounders ([`Confounders`]: viral storms, a hashtag
//! trending during a live event, a famous quote pasted by many, fans of one celebrity).
//!
//! The result ([`SynthOutput`]) keeps posts compactly (a text *recipe* per post, rendered on
//! demand), so it can be streamed as a Twitter information-operations archive
//! ([`write_tweets`], [`write_users`], ground truth with [`write_truth`]) or turned into a
//! [`Dataset`](crate::core::model::Dataset) directly with [`to_dataset`].
//!
//! Presets: [`scenarios()`] (named scenarios for the quality benchmark: `mixed`, `stealthy`,
//! `copy-paste`, `slow`, `hard`, `organic-only`, `large`) and [`demo`] (the app's built-in demo dataset).
//! [`eval`] scores an analysis against the ground truth.
//!
//! ```text
//! let params = synth::scenario("mixed", seed, 1.0).ok_or("unknown scenario")?;
//! let data = synth::generate(&params)?;             // Result<SynthOutput, String>
//! synth::write_tweets(&data, BufWriter::new(file))?; // also write_users, write_truth
//! let ds = synth::to_dataset(&data);                 // account i of ds == data.accounts[i]
//! let analysis = detect::analyze(&ds, &DetectParams::default(), &mut |_, _| {}, &|| false)?;
//! let report = eval::evaluate(&data.truth(), &eval::predictions_from_analysis(&ds, &analysis));
//! ```

pub mod eval;
mod gen;
pub mod scenarios;
mod text;
mod time;
mod write;

pub use gen::generate;
pub use scenarios::{demo, scenario, scenarios, Scenario};
pub use text::RenderedPost;
pub use time::{format_date, format_minute};
pub use write::{
    to_dataset, write_truth, write_tweets, write_tweets_in, write_users, RowOrder, TWEET_COLUMNS, USER_COLUMNS,
};

use crate::core::model::{Kind, NONE};
use serde::{Deserialize, Serialize};

/// Twitter's snowflake epoch (ms since the Unix epoch): `ms = (id >> 22) + TWITTER_EPOCH_MS`.
pub const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;
/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// How an operation's amplifiers boost its core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpStyle {
    /// Amplifiers retweet (and sometimes quote or reply to) the core's posts.
    RetweetRing,
    /// Amplifiers re-post the core's texts verbatim or with small edits (and retweet some).
    CopyPaste,
}

/// A log-normal delay: half of the values are below `median_s` seconds; `sigma` is the spread of
/// the natural logarithm (0.5 = tight, 1.5 = hours to days).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delay {
    pub median_s: f64,
    pub sigma: f64,
}

/// One planted operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpSpec {
    /// Name in the ground truth (`operation` column).
    pub name: String,
    pub style: OpStyle,
    pub n_core: u32,
    pub n_amplifiers: u32,
    /// Narrative posts per core account per active day (before spikes and weekends).
    pub core_posts_per_day: f64,
    /// Probability that an (average) amplifier boosts a given core post.
    pub boost_prob: f64,
    /// Delay between a core post and its boosts.
    pub boost_delay: Delay,
    /// Share of the amplifiers' boosts that go to organic content (0 = pure ring; 0.3–0.5 =
    /// stealthy).
    pub organic_boost_share: f64,
    /// Probability that a core account retweets another core account's post (echo chamber).
    pub core_echo: f64,
    /// UTC offset (hours) of the operators' office.
    pub utc_offset_h: i32,
    /// Office hours (local, `[start, end)`) in which the core posts.
    pub office_hours: (u32, u32),
    /// Active days, relative to the dataset start (`[first, last)`).
    pub active_days: (u32, u32),
    /// Campaign spikes: (day relative to the start, activity multiplier); each lasts ~3 days.
    pub spikes: Vec<(u32, f64)>,
    /// Number of account-creation bursts (each 1–4 days wide, months before the campaign).
    pub creation_bursts: u32,
    /// Share of accounts created outside the bursts (aged or bought accounts).
    pub aged_share: f64,
    /// Share of accounts with a generated handle (name + long digit string).
    pub generated_handle_share: f64,
    /// Share of accounts with an empty profile description.
    pub empty_profile_share: f64,
    /// The client application most of the operation's posts come from.
    pub client: String,
    /// Language of the narratives: `en`, `es`, `ar` or `zh`.
    pub language: String,
    /// Campaign hashtags (without `#`).
    pub hashtags: Vec<String>,
    /// Domains of the campaign's websites.
    pub domains: Vec<String>,
}

/// Organic look-alikes of coordination that must not be flagged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confounders {
    /// Posts retweeted by thousands of organic accounts within minutes.
    pub viral_storms: u32,
    /// Retweets per storm (capped at half the organic population).
    pub storm_size: u32,
    /// Live events during which a hashtag trends for a few hours.
    pub trending_events: u32,
    /// Accounts posting with the event hashtag.
    pub event_size: u32,
    /// Famous quotes pasted by many people within hours.
    pub pasted_quotes: u32,
    /// Accounts pasting each quote.
    pub quote_size: u32,
    /// Celebrities each with a group of fans who retweet most of their posts.
    pub fan_groups: u32,
    /// Fans per group.
    pub fan_group_size: u32,
    /// How fast fans retweet their celebrity (median seconds; 900 = within the quarter hour,
    /// 60 = a fan army retweeting within a minute).
    pub fan_delay_median_s: f64,
}

impl Confounders {
    /// No confounders at all.
    pub fn none() -> Self {
        Confounders {
            viral_storms: 0,
            storm_size: 0,
            trending_events: 0,
            event_size: 0,
            pasted_quotes: 0,
            quote_size: 0,
            fan_groups: 0,
            fan_group_size: 0,
            fan_delay_median_s: 900.0,
        }
    }
}

/// How account identities appear in the files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Identities {
    /// Numeric user ids (snowflakes for recent accounts) and real-looking handles, as in the
    /// `_unhashed` releases and in research collections.
    Unhashed,
    /// Like the `_hashed` releases from 2019 on: accounts with fewer than 5,000 followers get a
    /// base64-like 44-character id, and their display and screen names equal that id.
    Hashed,
}

/// Everything that determines a synthetic dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthParams {
    pub seed: u64,
    /// Organic accounts.
    pub n_organic: u32,
    pub n_days: u32,
    /// First moment of the dataset (ms since the Unix epoch, after 2010-11-04).
    pub start_ms: i64,
    /// Mean original posts per organic account per day (heavy-tailed across accounts).
    pub organic_posts_per_day: f64,
    /// Organic retweets per organic original post.
    pub retweet_ratio: f64,
    /// Organic replies per organic original post.
    pub reply_ratio: f64,
    pub operations: Vec<OpSpec>,
    pub confounders: Confounders,
    pub identities: Identities,
}

/// Ground-truth role of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TruthRole {
    Core,
    Amplifier,
    Organic,
}

impl TruthRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TruthRole::Core => "core",
            TruthRole::Amplifier => "amplifier",
            TruthRole::Organic => "organic",
        }
    }
    pub fn from_name(s: &str) -> Option<TruthRole> {
        match s.trim().to_ascii_lowercase().as_str() {
            "core" => Some(TruthRole::Core),
            "amplifier" => Some(TruthRole::Amplifier),
            "organic" => Some(TruthRole::Organic),
            _ => None,
        }
    }
}

/// Language of an account's or a post's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    En,
    Es,
    Ar,
    Zh,
}

impl Lang {
    /// `tweet_language` code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Ar => "ar",
            Lang::Zh => "zh",
        }
    }
    /// `account_language` code (as Twitter's settings wrote it).
    pub fn account_code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Ar => "ar",
            Lang::Zh => "zh-cn",
        }
    }
    pub fn from_code(s: &str) -> Lang {
        match s {
            "es" => Lang::Es,
            "ar" => Lang::Ar,
            "zh" | "zh-cn" => Lang::Zh,
            _ => Lang::En,
        }
    }
}

/// One account of the synthetic population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthAccount {
    /// `userid` as written in the files.
    pub user_id: String,
    pub screen_name: String,
    pub display_name: String,
    pub location: String,
    pub description: String,
    pub profile_url: String,
    pub followers: u32,
    pub following: u32,
    /// Account creation (ms since the Unix epoch).
    pub created_ms: i64,
    pub language: Lang,
    /// Client application of the account's posts.
    pub client: String,
    /// UTC offset (hours) of the account's daily rhythm.
    pub utc_offset_h: i32,
    pub role: TruthRole,
    /// Index into [`SynthOutput::operation_names`] for operation accounts.
    pub operation: Option<u16>,
    /// Which organic confounders the account took part in ([`confounder`] bits), for
    /// explaining false positives; not written to the files.
    pub confounders: u8,
}

/// Bits of [`SynthAccount::confounders`].
pub mod confounder {
    /// A celebrity (very many followers, posts a lot).
    pub const CELEBRITY: u8 = 1;
    /// A fan who retweets most of one celebrity's posts.
    pub const FAN: u8 = 2;
    /// Retweeted a viral post within minutes.
    pub const STORM: u8 = 4;
    /// Posted with a live event's trending hashtag.
    pub const EVENT: u8 = 8;
    /// Pasted a famous quote.
    pub const QUOTE: u8 = 16;
    /// (bit, name) pairs.
    pub const ALL: [(u8, &str); 5] =
        [(CELEBRITY, "celebrity"), (FAN, "fan"), (STORM, "storm"), (EVENT, "event"), (QUOTE, "quote")];
}

/// How a post's text is made (rendered on demand by [`SynthOutput::render`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextRecipe {
    /// A retweet: the text is `RT @author: ` + the target's text.
    Retweet,
    /// An everyday post in the author's language.
    Organic(u32),
    /// A reply to the target post (starts with `@author`).
    Reply(u32),
    /// A narrative of operation `op`; variant 0 is the base text, others are small edits of it.
    Narrative { op: u16, narrative: u16, variant: u32 },
    /// A short approving text an amplifier adds when quoting / replying to the core.
    Boost { op: u16, seed: u32 },
    /// An innocuous post by an operation account ("good morning").
    Filler(u32),
    /// A post about live event `event` with its trending hashtag.
    Event { event: u16, seed: u32 },
    /// Famous quote `quote` pasted, with variation `seed`.
    Quote { quote: u16, seed: u32 },
}

/// One post of the synthetic dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynthPost {
    /// Snowflake id, consistent with `time_ms`.
    pub id: u64,
    pub time_ms: i64,
    /// Index into [`SynthOutput::accounts`].
    pub account: u32,
    pub kind: Kind,
    /// Index into [`SynthOutput::posts`] of the retweeted / replied-to / quoted post, or
    /// [`NONE`].
    pub target: u32,
    pub text: TextRecipe,
}

/// A generated dataset with its ground truth. Posts are sorted by time.
#[derive(Clone, Debug)]
pub struct SynthOutput {
    pub params: SynthParams,
    pub accounts: Vec<SynthAccount>,
    pub posts: Vec<SynthPost>,
    /// Operation names (`SynthAccount::operation` indexes them).
    pub operation_names: Vec<String>,
    /// Accounts that organic posts mention (popular accounts), by index.
    pub(crate) popular: Vec<u32>,
}

/// One ground-truth row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthRow {
    pub account_id: String,
    pub role: TruthRole,
    /// Operation name, empty for organic accounts.
    pub operation: String,
}

impl SynthOutput {
    /// The ground truth, one row per account, in account order.
    pub fn truth(&self) -> Vec<TruthRow> {
        self.accounts
            .iter()
            .map(|a| TruthRow {
                account_id: a.user_id.clone(),
                role: a.role,
                operation: a.operation.map(|o| self.operation_names[o as usize].clone()).unwrap_or_default(),
            })
            .collect()
    }

    /// Number of accounts with each truth role: (core, amplifier, organic).
    pub fn role_counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for a in &self.accounts {
            match a.role {
                TruthRole::Core => c.0 += 1,
                TruthRole::Amplifier => c.1 += 1,
                TruthRole::Organic => c.2 += 1,
            }
        }
        c
    }

    /// The target post of post `i`, if any.
    pub fn target_of(&self, i: usize) -> Option<&SynthPost> {
        let t = self.posts[i].target;
        if t == NONE {
            None
        } else {
            self.posts.get(t as usize)
        }
    }
}
