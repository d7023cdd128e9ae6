//! Detection: co-action networks, communities, roles (core / amplifier) and their evidence.
//!
//! Contract used by export, the worker protocol, the UI and the quality benchmark:
//! [`analyze`] takes a [`Dataset`] and [`DetectParams`] and returns an [`Analysis`] with one
//! [`AccountVerdict`] per account (same indexing as `Dataset::accounts`), the clusters, and the
//! combined coordination edges. Deterministic: same input and parameters, same output.

use crate::core::model::*;
use serde::{Deserialize, Serialize};

/// A kind of co-action (what two accounts did alike within a time window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
pub enum CoAction {
    /// Retweeted the same post.
    CoRetweet = 0,
    /// Posted the same normalised text.
    CoTweet = 1,
    /// Posted near-identical text (SimHash / Jaccard above a threshold).
    CoSimilarTweet = 2,
    /// Shared the same URL.
    CoLink = 3,
    /// Shared a URL of the same domain (rare domains only: IDF weighting).
    CoDomain = 4,
    /// Used the same hashtag, or the same sequence of hashtags.
    CoHashtag = 5,
    /// Replied to the same post.
    CoReply = 6,
    /// Mentioned the same account.
    CoMention = 7,
}

impl CoAction {
    pub const ALL: [CoAction; 8] = [
        CoAction::CoRetweet,
        CoAction::CoTweet,
        CoAction::CoSimilarTweet,
        CoAction::CoLink,
        CoAction::CoDomain,
        CoAction::CoHashtag,
        CoAction::CoReply,
        CoAction::CoMention,
    ];
    pub fn name(self) -> &'static str {
        match self {
            CoAction::CoRetweet => "co_retweet",
            CoAction::CoTweet => "co_tweet",
            CoAction::CoSimilarTweet => "co_similar_tweet",
            CoAction::CoLink => "co_link",
            CoAction::CoDomain => "co_domain",
            CoAction::CoHashtag => "co_hashtag",
            CoAction::CoReply => "co_reply",
            CoAction::CoMention => "co_mention",
        }
    }
    pub fn from_name(s: &str) -> Option<CoAction> {
        CoAction::ALL.iter().copied().find(|c| c.name() == s)
    }
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Settings of one co-action method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodParams {
    pub kind: CoAction,
    pub enabled: bool,
    /// Two actions on the same object count when at most this many seconds apart.
    pub time_window_s: f64,
}

/// All detection parameters (every one goes into report.json).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectParams {
    pub methods: Vec<MethodParams>,
    /// A pair of accounts must co-act on at least this many distinct objects (repetition).
    pub min_repetitions: u32,
    /// Minimum combined (IDF-weighted) edge weight to keep an edge.
    pub min_edge_weight: f64,
    /// Objects acted on by more than this many distinct accounts within one window are treated as
    /// popular (viral) and contribute with inverse-frequency weight only.
    pub max_pairs: u64,
    /// Near-duplicate threshold (Jaccard similarity estimate, 0..1).
    pub similarity_threshold: f64,
    /// Smallest cluster reported.
    pub min_cluster_size: u32,
    /// Share of an outside account's retweets that must go to one cluster's core to call it an
    /// amplifier of that cluster.
    pub amplifier_min_share: f64,
    /// Minimum number of boosts of a cluster's core for an outside amplifier.
    pub amplifier_min_boosts: u32,
    /// Resolution of community detection (1.0 = modularity).
    pub resolution: f64,
    /// Seed for tie-breaking (deterministic).
    pub seed: u64,
}

impl Default for DetectParams {
    fn default() -> Self {
        let w = |kind, enabled, time_window_s| MethodParams { kind, enabled, time_window_s };
        DetectParams {
            methods: vec![
                w(CoAction::CoRetweet, true, 60.0),
                w(CoAction::CoTweet, true, 300.0),
                w(CoAction::CoSimilarTweet, true, 300.0),
                w(CoAction::CoLink, true, 300.0),
                w(CoAction::CoDomain, false, 300.0),
                w(CoAction::CoHashtag, true, 300.0),
                w(CoAction::CoReply, true, 300.0),
                w(CoAction::CoMention, false, 300.0),
            ],
            min_repetitions: 3,
            min_edge_weight: 2.0,
            max_pairs: 200_000_000,
            similarity_threshold: 0.8,
            min_cluster_size: 3,
            amplifier_min_share: 0.5,
            amplifier_min_boosts: 3,
            resolution: 1.0,
            seed: 0x00C0_4A05,
        }
    }
}

/// An account's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
pub enum Role {
    Unflagged = 0,
    Core = 1,
    Amplifier = 2,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Unflagged => "unflagged",
            Role::Core => "core",
            Role::Amplifier => "amplifier",
        }
    }
}

/// One piece of evidence behind a verdict, with its number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable machine code, e.g. `boosts_core`, `co_retweet`, `creation_burst`.
    pub code: String,
    /// The number behind it (count, share, seconds...).
    pub value: f64,
    /// A full sentence with the numbers, e.g. "retweeted 41 posts of this cluster's core,
    /// median 38 s after posting".
    pub text: String,
}

/// The verdict on one account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountVerdict {
    pub role: Role,
    /// Cluster id (index into `Analysis::clusters`), `NONE` when not in a cluster.
    pub cluster: u32,
    /// Confidence / strength of the verdict, 0..1 (0 for unflagged).
    pub score: f32,
    pub reasons: Vec<Reason>,
}

/// An account-creation burst inside a cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreationBurst {
    /// First and last day (days since epoch) of the burst.
    pub first_day: i64,
    pub last_day: i64,
    pub n_accounts: u32,
}

/// A cluster (coordinated network) and its measures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub id: u32,
    /// Members of the co-action cluster plus outside amplifiers attached to it, sorted.
    pub accounts: Vec<AccountIdx>,
    pub n_core: u32,
    pub n_amplifiers: u32,
    /// Mean combined edge weight inside the cluster (coordination strength).
    pub strength: f64,
    /// Density of co-action edges inside the cluster (0..1).
    pub density: f64,
    /// Median seconds between a core post and its boosts by cluster members.
    pub median_boost_delay_s: Option<f64>,
    /// Share of the engagement the core receives that comes from inside the cluster.
    pub echo_share: Option<f64>,
    pub creation_bursts: Vec<CreationBurst>,
    /// Posts per UTC hour of day.
    pub hour_profile: [u32; 24],
    /// UTC offset (hours) that puts the activity in office hours, when pronounced.
    pub implied_utc_offset: Option<i32>,
    pub top_hashtags: Vec<(String, u32)>,
    pub top_urls: Vec<(String, u32)>,
    pub top_domains: Vec<(String, u32)>,
    pub top_texts: Vec<(String, u32)>,
    /// (day since epoch, posts) for every day with activity, sorted.
    pub daily: Vec<(i64, u32)>,
    /// Days whose activity is a spike (well above the cluster's typical day).
    pub spikes: Vec<i64>,
    /// Which co-actions tie the cluster, with their share of the internal edge weight.
    pub methods: Vec<(CoAction, f64)>,
    pub n_posts: u64,
}

/// A combined coordination edge between two accounts (a < b).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub a: AccountIdx,
    pub b: AccountIdx,
    /// Combined (inverse-frequency weighted) weight.
    pub weight: f32,
    /// Distinct objects co-acted on, summed over methods.
    pub n_objects: u32,
    /// Bit set of [`CoAction::bit`] of the methods that tie them.
    pub methods: u16,
}

/// What one co-action method produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodStats {
    pub kind: CoAction,
    pub objects: u64,
    pub candidate_pairs: u64,
    pub edges: u64,
    /// True when the pair budget stopped the method early (results are partial).
    pub budget_hit: bool,
}

/// The result of [`analyze`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub params: DetectParams,
    /// One per account of the dataset.
    pub accounts: Vec<AccountVerdict>,
    pub clusters: Vec<Cluster>,
    pub edges: Vec<Edge>,
    pub methods: Vec<MethodStats>,
    /// Things the user should know (budget hit, no timestamps, ...).
    pub warnings: Vec<String>,
}

impl Analysis {
    pub fn n_role(&self, role: Role) -> usize {
        self.accounts.iter().filter(|v| v.role == role).count()
    }
}

/// Progress of a long computation: stage name and fraction done (0..1).
pub type Progress<'a> = &'a mut dyn FnMut(&str, f32);

/// Why an analysis stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DetectError {
    Cancelled,
    /// A resource limit (pairs, memory) with what to do about it.
    Limit(String),
}

impl std::fmt::Display for DetectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DetectError::Cancelled => write!(f, "cancelled"),
            DetectError::Limit(m) => write!(f, "{m}"),
        }
    }
}

/// Run the whole detection (foundation placeholder until the detection module lands: every
/// account unflagged).
pub fn analyze(
    ds: &Dataset,
    params: &DetectParams,
    _progress: Progress<'_>,
    _cancelled: &dyn Fn() -> bool,
) -> Result<Analysis, DetectError> {
    Ok(Analysis {
        params: params.clone(),
        accounts: (0..ds.n_accounts())
            .map(|_| AccountVerdict { role: Role::Unflagged, cluster: NONE, score: 0.0, reasons: vec![] })
            .collect(),
        clusters: vec![],
        edges: vec![],
        methods: vec![],
        warnings: vec![],
    })
}
