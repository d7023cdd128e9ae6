//! Detection: co-action networks, communities, roles (core / amplifier) and their evidence.
//!
//! Contract used by export, the worker protocol, the UI and the quality benchmark:
//! [`analyze`] takes a [`Dataset`] and [`DetectParams`] and returns an [`Analysis`] with one
//! [`AccountVerdict`] per account (same indexing as `Dataset::accounts`), the clusters, and the
//! combined coordination edges. Deterministic: same input and parameters, same output; the
//! verdicts do not depend on the order in which posts were read (accounts are handled in the
//! order of their id strings, objects by content-derived keys).
//!
//! Pipeline (each stage reports progress and checks `cancelled`):
//! 1. `coaction`: per method, events sorted by (object, time, account), a sliding window with a
//!    bounded number of partners per action, sort-and-count of `(pair, object)` candidates one
//!    slice of accounts at a time, a budget on the pairs kept; inverse-frequency object weights,
//!    repetition on distinct objects and distinct occasions, and a chance null model from the two
//!    accounts' activity with a threshold corrected for the number of pairs tested. Co-retweet, co-tweet and
//!    near-duplicates are also examined over a slow window on rare objects.
//! 2. the combined network: per-method weights summed per pair, `min_edge_weight`.
//! 3. `community`: Louvain with a connectivity refinement on CSR arrays; communities of at least
//!    `min_cluster_size`. Pieces of one operation that boost the same accounts are merged.
//! 4. `roles`: core (boosted echo chambers, copied originators, publishers), amplifiers (members
//!    and outside accounts whose boosts mostly go to the core, and members whose core boosts are
//!    beyond the core's popularity), audiences left alone.
//! 5. `clusters`: the measures of every [`Cluster`].
//! 6. `evidence`: the reasons, with their numbers, and a score per flagged account.

use crate::core::model::*;
use chunked::Chunked;
use coaction::KeptPair;
use serde::{Deserialize, Serialize};

mod chunked;
mod clusters;
mod coaction;
mod community;
mod evidence;
mod roles;

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
    /// A pair of accounts must co-act on at least this many distinct objects, on as many distinct
    /// occasions (see `occasion_s`) (repetition).
    pub min_repetitions: u32,
    /// Minimum combined (IDF-weighted) edge weight to keep an edge.
    pub min_edge_weight: f64,
    /// Pair budget: most pairs of accounts one method may keep (pairs that pass its repetition and
    /// chance tests). Candidate co-actions are processed in slices of accounts of bounded size,
    /// so memory grows with the kept pairs, not the raw candidates. When hit, the method's results
    /// are partial and `MethodStats::budget_hit` and a warning say so.
    pub max_pairs: u64,
    /// Near-duplicate threshold (Jaccard similarity estimate, 0..1).
    pub similarity_threshold: f64,
    /// Smallest cluster reported.
    pub min_cluster_size: u32,
    /// Share of an account's boosts (retweets, quotes, replies) that must go to one cluster's core
    /// to call it an amplifier of that cluster (outside accounts; a co-action member is also an
    /// amplifier when its core boosts are beyond what the core's popularity explains, at
    /// `max_chance_p`).
    pub amplifier_min_share: f64,
    /// Minimum number of boosts of a cluster's core for an outside amplifier.
    pub amplifier_min_boosts: u32,
    /// Resolution of community detection (1.0 = modularity).
    pub resolution: f64,
    /// Seed for tie-breaking (deterministic).
    pub seed: u64,
    /// Each action is linked to at most this many following actions on the same object inside
    /// the window (bounds the quadratic cost of bursts, deterministically).
    #[serde(default = "default_max_partners")]
    pub max_partners: u32,
    /// A pair is kept only when chance (the null model of its two accounts' activity) would give
    /// its number of co-actions with probability at most this.
    #[serde(default = "default_max_chance_p")]
    pub max_chance_p: f64,
    /// Multiple testing: at most this many pairs of a method should pass the chance test by
    /// chance alone. The per-pair threshold is the smaller of `max_chance_p` and this divided by
    /// the number of pairs tested (pairs that co-acted at least once), so it tightens as the
    /// dataset grows (Bonferroni).
    #[serde(default = "default_max_chance_pairs")]
    pub max_chance_pairs: f64,
    /// An account boosted by a cluster is its core when at least this share of all the boosts it
    /// receives come from the cluster (echo chamber); popular organic accounts fall below.
    #[serde(default = "default_core_min_echo_share")]
    pub core_min_echo_share: f64,
    /// Amplifiers outside the co-action clusters must boost the core with a median delay of at
    /// most this many seconds (when the boosted posts are in the dataset).
    #[serde(default = "default_amplifier_max_delay_s")]
    pub amplifier_max_delay_s: f64,
    /// Repetitions are counted on distinct occasions: time slots of this many seconds (a pair's
    /// co-actions within one slot count once towards `min_repetitions`).
    #[serde(default = "default_occasion_s")]
    pub occasion_s: f64,
    /// Slow coordination: co-retweet, co-tweet and near-duplicate pairs are also looked for within
    /// this many seconds, on rare objects only (acted on by at most 1% of the active accounts,
    /// or 20), and must then repeat on one occasion more than `min_repetitions`. 0 disables.
    #[serde(default = "default_slow_window_s")]
    pub slow_window_s: f64,
}

fn default_slow_window_s() -> f64 {
    21_600.0
}

fn default_occasion_s() -> f64 {
    86_400.0
}

fn default_max_partners() -> u32 {
    32
}
fn default_max_chance_p() -> f64 {
    1e-6
}
fn default_max_chance_pairs() -> f64 {
    5.0
}
fn default_core_min_echo_share() -> f64 {
    0.5
}
fn default_amplifier_max_delay_s() -> f64 {
    86_400.0
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
            max_pairs: 10_000_000,
            similarity_threshold: 0.8,
            min_cluster_size: 3,
            amplifier_min_share: 0.4,
            amplifier_min_boosts: 3,
            resolution: 1.0,
            seed: 0x00C0_4A05,
            max_partners: default_max_partners(),
            max_chance_p: default_max_chance_p(),
            max_chance_pairs: default_max_chance_pairs(),
            core_min_echo_share: default_core_min_echo_share(),
            amplifier_max_delay_s: default_amplifier_max_delay_s(),
            occasion_s: default_occasion_s(),
            slow_window_s: default_slow_window_s(),
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

/// Shared indexes of one analysis. Accounts are handled by *rank*: their position in the order
/// of account id strings, so that nothing depends on the order in which posts were read.
pub(crate) struct Ctx {
    /// Account index -> rank.
    pub rank: Vec<u32>,
    /// Rank -> account index.
    pub by_rank: Vec<AccountIdx>,
    /// Posts of each rank, by (time, post id): `posts[off[r]..off[r + 1]]`.
    posts_off: Vec<usize>,
    posts: Vec<PostIdx>,
    /// Indices of the posts with an id, sorted by (post id, index), for resolving retweet /
    /// reply / quote targets (4 bytes a post; the ids are read from the dataset's column).
    post_keys: Vec<PostIdx>,
}

impl Ctx {
    fn new(ds: &Dataset) -> Ctx {
        let n = ds.n_accounts();
        let (by_rank, rank) = ds.accounts_by_id();
        let p = &ds.posts;
        let mut order: Vec<PostIdx> = (0..p.len() as u32).collect();
        // the key ends with the index: unique, so an unstable sort (no buffer) gives the same order
        order.sort_unstable_by_key(|&i| {
            (rank[p.account[i as usize] as usize], p.time_ms(i as usize), p.id[i as usize], i)
        });
        let mut posts_off = vec![0usize; n + 1];
        for &i in &order {
            posts_off[rank[p.account[i as usize] as usize] as usize + 1] += 1;
        }
        for r in 0..n {
            posts_off[r + 1] += posts_off[r];
        }
        let mut post_keys: Vec<PostIdx> =
            chunked::collect_exact(|| (0..p.len() as PostIdx).filter(|&i| p.id[i as usize] != 0));
        post_keys.sort_unstable_by_key(|&i| (p.id[i as usize], i));
        Ctx { rank, by_rank, posts_off, posts: order, post_keys }
    }
    pub fn posts_of(&self, r: u32) -> &[PostIdx] {
        &self.posts[self.posts_off[r as usize]..self.posts_off[r as usize + 1]]
    }
    /// `(post id, post index)` of every post of `ds` with an id, by post id then index: for
    /// resolving retweet / reply / quote targets by a merge with their ids in ascending order
    /// (the first of equal ids is the one resolved).
    pub fn ids_in_order<'a>(&'a self, ds: &'a Dataset) -> impl Iterator<Item = (u64, PostIdx)> + 'a {
        self.post_keys.iter().map(move |&i| (ds.posts.id[i as usize], i))
    }
}

/// Run the whole detection: co-action networks per method, the combined network and its
/// communities, roles (core / amplifier, including amplifiers outside the co-action clusters),
/// cluster measures and the evidence for every flagged account.
pub fn analyze(
    ds: &Dataset,
    params: &DetectParams,
    progress: Progress<'_>,
    cancelled: &dyn Fn() -> bool,
) -> Result<Analysis, DetectError> {
    let check = || if cancelled() { Err(DetectError::Cancelled) } else { Ok(()) };
    let mut warnings = Vec::new();
    progress("indexing", 0.0);
    let ctx = Ctx::new(ds);
    let n = ctx.rank.len();
    check()?;

    // 1. co-action networks
    let enabled: Vec<&MethodParams> = params.methods.iter().filter(|m| m.enabled).collect();
    let mut results = Vec::new();
    // each method's kept pairs, as the combined network needs them (24 bytes), sorted by (a, b)
    let mut kept: Vec<Chunked<KeptPair>> = Vec::new();
    for (k, m) in enabled.iter().enumerate() {
        progress(&format!("co-action: {}", m.kind.name()), k as f32 / enabled.len().max(1) as f32);
        let mut r = coaction::run_method(ds, m.kind, m.time_window_s, params, &ctx.rank, cancelled)?;
        if r.stats.budget_hit {
            warnings.push(format!(
                "{}: the pair budget of {} kept pairs was reached, so this method's network is partial \
                 (pairs of accounts later in id order were not examined). Shorten its time window, raise \
                 min_repetitions, or raise max_pairs if memory allows.",
                m.kind.name(),
                params.max_pairs
            ));
        }
        // already in (a, b) order, each pair once
        kept.push(std::mem::replace(&mut r.pairs, Chunked::new()));
        results.push(r);
    }
    if ds.n_posts() > 0 && enabled.is_empty() {
        warnings.push("no co-action method is enabled: nothing can be detected".into());
    }
    check()?;

    // 2. combined network: the methods' pairs merged by (a, b), each pair's contributions summed
    // in method order; only the edges of at least `min_edge_weight` are stored, 24 bytes each,
    // with the per-method weights of edges tied by several methods in `multi_w` (in edge order,
    // then method order; an edge of one method has its weight as its only per-method weight).
    progress("combining networks", 0.0);
    let kinds: Vec<CoAction> = results.iter().map(|r| r.kind).collect();
    let (combined, multi_w) = combine(&kinds, &kept, params.min_edge_weight);
    // what the evidence needs of each method's pairs: the two accounts (8 bytes)
    let method_pairs: Vec<Vec<(u32, u32)>> = kept
        .into_iter()
        .map(|k| {
            let mut v = Vec::with_capacity(k.len());
            v.extend(k.iter().map(|p| (p.a, p.b)));
            v
        })
        .collect();
    check()?;

    // 3. communities over the accounts that have edges (node order = rank order)
    progress("communities", 0.0);
    let mut node_of = vec![NONE; n];
    let mut nodes: Vec<u32> = Vec::new();
    for e in &combined {
        nodes.push(e.a);
        nodes.push(e.b);
    }
    nodes.sort_unstable();
    nodes.dedup();
    for (i, &r) in nodes.iter().enumerate() {
        node_of[r as usize] = i as u32;
    }
    let csr = community::Csr::from_fn(nodes.len(), combined.len(), |i| {
        let e = &combined[i];
        (node_of[e.a as usize], node_of[e.b as usize], e.weight)
    });
    drop(node_of);
    let comm = community::communities(&csr, params.resolution, params.seed, cancelled).ok_or(DetectError::Cancelled)?;
    drop(csr);
    // communities of at least min_cluster_size, numbered by their smallest rank
    let n_comm = comm.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut comm_size = vec![0u32; n_comm];
    for &c in &comm {
        comm_size[c as usize] += 1;
    }
    let mut coaction_cluster = vec![NONE; n];
    let mut comm_to_cluster = vec![NONE; n_comm];
    let mut n_clusters = 0u32;
    for (i, &r) in nodes.iter().enumerate() {
        let c = comm[i] as usize;
        if comm_size[c] < params.min_cluster_size.max(2) {
            continue;
        }
        if comm_to_cluster[c] == NONE {
            comm_to_cluster[c] = n_clusters;
            n_clusters += 1;
        }
        coaction_cluster[r as usize] = comm_to_cluster[c];
    }
    drop((nodes, comm, comm_size, comm_to_cluster));
    // pieces of one operation boosting the same accounts are merged
    let all_boosts = roles::boosts(ds, &ctx);
    let (coaction_cluster, n_clusters) = roles::merge_by_targets(&coaction_cluster, n_clusters as usize, &all_boosts);
    // clusters tied only by co-boosting (co-retweet / co-reply)
    let boost_bits = CoAction::CoRetweet.bit() | CoAction::CoReply.bit();
    let mut boost_only = vec![true; n_clusters];
    for e in &combined {
        let (ca, cb) = (coaction_cluster[e.a as usize], coaction_cluster[e.b as usize]);
        if ca != NONE && ca == cb && e.methods & !boost_bits != 0 {
            boost_only[ca as usize] = false;
        }
    }
    check()?;

    // 4. roles
    progress("roles", 0.0);
    // members tied to their cluster by a text, link or hashtag co-action (publishers)
    let mut text_ties = vec![false; n];
    for e in &combined {
        let (ca, cb) = (coaction_cluster[e.a as usize], coaction_cluster[e.b as usize]);
        if ca != NONE && ca == cb && e.methods & !boost_bits != 0 {
            text_ties[e.a as usize] = true;
            text_ties[e.b as usize] = true;
        }
    }
    let rr = roles::assign(ds, &ctx, params, &coaction_cluster, n_clusters, &boost_only, &all_boosts, &text_ties);
    if rr.audiences > 0 {
        warnings.push(format!(
            "{} group(s) of accounts that repeatedly retweeted or replied to the same posts were not flagged: \
             the accounts they boost receive most of their engagement from elsewhere (an audience, e.g. fans or a \
             viral storm, not an echo chamber). Lower core_min_echo_share to inspect them.",
            rr.audiences
        ));
    }
    check()?;

    // 5. final clusters: renumber by size (desc), then smallest rank; measures
    progress("cluster measures", 0.0);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); n_clusters];
    for r in 0..n {
        if rr.cluster[r] != NONE {
            members[rr.cluster[r] as usize].push(r as u32);
        }
    }
    let mut order: Vec<usize> =
        (0..members.len()).filter(|&c| members[c].len() >= params.min_cluster_size.max(2) as usize).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(members[c].len()), members[c][0]));
    let mut final_id = vec![NONE; members.len()];
    for (i, &c) in order.iter().enumerate() {
        final_id[c] = i as u32;
    }
    let cluster_of: Vec<u32> =
        rr.cluster.iter().map(|&c| if c == NONE { NONE } else { final_id[c as usize] }).collect();
    // internal edges of each cluster, summed in edge order (what the measures need of them)
    let mut internal = vec![clusters::Internal::default(); order.len()];
    let mut next_w = 0usize; // cursor into multi_w
    for e in &combined {
        let k = e.methods.count_ones() as usize;
        let per = if k > 1 { &multi_w[next_w..next_w + k] } else { &[] };
        if k > 1 {
            next_w += k;
        }
        let (ca, cb) = (cluster_of[e.a as usize], cluster_of[e.b as usize]);
        if ca != NONE && ca == cb {
            internal[ca as usize].add(e.weight, e.methods, per);
        }
    }
    drop(multi_w);
    let role: Vec<Role> = (0..n).map(|r| if cluster_of[r] == NONE { Role::Unflagged } else { rr.role[r] }).collect();
    let mut clusters = Vec::with_capacity(order.len());
    for (i, &c) in order.iter().enumerate() {
        check()?;
        progress("cluster measures", i as f32 / order.len().max(1) as f32);
        let input =
            clusters::ClusterInput { ranks: &members[c], role: &role, member: &rr.member, internal: &internal[i] };
        let id = i as u32;
        let in_cluster = |r: u32| cluster_of[r as usize] == id;
        clusters.push(clusters::measure(ds, &ctx, id, &input, &all_boosts, &in_cluster));
    }
    drop((all_boosts, internal, members));

    // edges out, in account indices (a < b), sorted; the combined network is no longer needed
    let mut edges: Vec<Edge> = combined
        .iter()
        .map(|e| {
            let (x, y) = (ctx.by_rank[e.a as usize], ctx.by_rank[e.b as usize]);
            let (a, b) = if x < y { (x, y) } else { (y, x) };
            Edge { a, b, weight: e.weight as f32, n_objects: e.n_objects, methods: e.methods }
        })
        .collect();
    drop(combined);
    edges.sort_by_key(|e| (e.a, e.b));

    // 6. evidence
    progress("evidence", 0.0);
    let accounts = evidence::verdicts(ds, &ctx, params, &results, &method_pairs, &cluster_of, &role, &rr, &clusters);
    check()?;

    if ds.n_posts() == 0 {
        warnings.push("the dataset has no posts: nothing to analyse".into());
    }
    progress("done", 1.0);
    Ok(Analysis {
        params: params.clone(),
        accounts,
        clusters,
        edges,
        methods: results.into_iter().map(|r| r.stats).collect(),
        warnings,
    })
}

/// An edge of the combined network (ranks, a < b): 24 bytes.
struct CombinedEdge {
    a: u32,
    b: u32,
    /// Sum of the methods' weights, in method order.
    weight: f64,
    n_objects: u32,
    methods: u16,
}

/// Merge the methods' pairs (each sorted by (a, b)) into the combined network: per pair, the
/// contributions summed in method order (a pair repeated in one method in its order there);
/// pairs below `min_edge_weight` are dropped. Returns the edges, sorted by (a, b), and the
/// per-method weights of the edges tied by more than one method (in edge order, each edge's
/// weights in `CoAction` order, one per bit of `methods`).
fn combine(kinds: &[CoAction], kept: &[Chunked<KeptPair>], min_edge_weight: f64) -> (Vec<CombinedEdge>, Vec<f64>) {
    // two passes over the merge, counting then filling, so both vectors have their exact size
    let (mut n_edges, mut n_multi) = (0usize, 0usize);
    merge_pairs(kinds, kept, min_edge_weight, &mut |e, _| {
        n_edges += 1;
        if e.methods.count_ones() > 1 {
            n_multi += e.methods.count_ones() as usize;
        }
    });
    let mut edges: Vec<CombinedEdge> = Vec::with_capacity(n_edges);
    let mut multi_w: Vec<f64> = Vec::with_capacity(n_multi);
    merge_pairs(kinds, kept, min_edge_weight, &mut |e, per| {
        if e.methods.count_ones() > 1 {
            multi_w.extend(CoAction::ALL.iter().filter(|m| e.methods & m.bit() != 0).map(|&m| per[m as usize]));
        }
        edges.push(e);
    });
    (edges, multi_w)
}

fn merge_pairs(
    kinds: &[CoAction],
    kept: &[Chunked<KeptPair>],
    min_edge_weight: f64,
    out: &mut dyn FnMut(CombinedEdge, &[f64; 8]),
) {
    let mut heads: Vec<_> = kept.iter().map(|k| k.iter().peekable()).collect();
    loop {
        let mut next: Option<(u32, u32)> = None;
        for head in heads.iter_mut() {
            if let Some(p) = head.peek() {
                if next.is_none_or(|x| (p.a, p.b) < x) {
                    next = Some((p.a, p.b));
                }
            }
        }
        let Some((a, b)) = next else { break };
        let mut e = CombinedEdge { a, b, weight: 0.0, n_objects: 0, methods: 0 };
        let mut per = [0.0f64; 8];
        let mut first = true;
        for (head, &kind) in heads.iter_mut().zip(kinds) {
            while let Some(p) = head.next_if(|p| p.a == a && p.b == b) {
                if first {
                    e.weight = p.weight;
                    e.n_objects = p.n_objects;
                    first = false;
                } else {
                    e.weight += p.weight;
                    e.n_objects += p.n_objects;
                }
                per[kind as usize] += p.weight;
                e.methods |= kind.bit();
            }
        }
        if e.weight >= min_edge_weight {
            out(e, &per);
        }
    }
}
