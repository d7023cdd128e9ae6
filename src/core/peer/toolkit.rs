//! coordination-network-toolkit 1.5.2, reproduced exactly.
//!
//! The toolkit stores each message in SQLite and computes every network with one self-join:
//!
//! ```sql
//! select e_1.user_id as user_1, e_2.user_id as user_2, count(distinct e_1.message_id) as weight
//! from T e_1 join T e_2 on <same object> and e_2.timestamp between e_1.timestamp - W and e_1.timestamp + W
//! group by e_1.user_id, e_2.user_id having weight >= MIN
//! ```
//!
//! and `output_gephi_csv` writes the rows with `user_1 != user_2`, in primary-key order
//! (`user_1, user_2`, byte order of the id strings), every field quoted, `\r\n` line ends.
//! So the directed weight from A to B is the number of distinct messages of A that have at least
//! one partner message of B on the same object within `W` seconds, both ends inclusive, where the
//! bounds are computed in floating point exactly as SQLite does (`t1 - W <= t2 <= t1 + W`).
//!
//! Objects per network type (the `edge` table's columns, "repost" = `repost_id` not empty):
//! - `co_retweet`: the reposted message id (reposts only).
//! - `co_tweet`: the normalised text of non-reposts: lowercased, `@` and everything up to the
//!   next whitespace removed, whitespace runs collapsed (Python `str.split`). Empty normalised
//!   texts are identical too.
//! - `co_reply`: the replied-to message id (non-reposts with a reply id).
//! - `co_link`: each distinct URL string of a non-repost message, verbatim (in the toolkit's CSV
//!   input the `urls` column is split on single spaces, so an empty column is the URL `""`).
//! - `co_similar_tweet`: any non-repost message whose word set has Jaccard similarity
//!   `>= threshold` (word sets: UAX #29 word segments of the lowercased, mention-stripped text,
//!   minus whitespace and a leading apostrophe; documents with fewer than
//!   `min_document_size` words have similarity 0).
//! - `co_post`: any message.
//!
//! Here: every message becomes an event `(object, time, user, message)`; events are sorted by
//! object and time and a window slides over each object's run; for each event the distinct
//! partner users of its window give `(user_1, user_2)` keys, which are sorted and counted. No
//! per-pair hash map; memory is bounded by the pair budget.

use crate::core::model::{Dataset, Interner, Kind, Ragged};
use rustc_hash::FxHashSet;
use std::fmt;
use std::io::Write;
use unicode_segmentation::UnicodeSegmentation;

/// The toolkit's network types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetworkType {
    CoRetweet,
    CoTweet,
    CoReply,
    CoLink,
    CoSimilarTweet,
    CoPost,
}

impl NetworkType {
    pub const ALL: [NetworkType; 6] = [
        NetworkType::CoRetweet,
        NetworkType::CoTweet,
        NetworkType::CoReply,
        NetworkType::CoLink,
        NetworkType::CoSimilarTweet,
        NetworkType::CoPost,
    ];
    /// The toolkit's name (also its `edge_type` column).
    pub fn name(self) -> &'static str {
        match self {
            NetworkType::CoRetweet => "co_retweet",
            NetworkType::CoTweet => "co_tweet",
            NetworkType::CoReply => "co_reply",
            NetworkType::CoLink => "co_link",
            NetworkType::CoSimilarTweet => "co_similar_tweet",
            NetworkType::CoPost => "co_post",
        }
    }
    pub fn from_name(s: &str) -> Option<NetworkType> {
        NetworkType::ALL.iter().copied().find(|t| t.name() == s)
    }
    /// "co_retweet, co_tweet, …" for error messages.
    pub fn names() -> String {
        NetworkType::ALL.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
    }
}

/// Parameters, with the toolkit CLI's meaning (its defaults in [`Params::default`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Seconds; partners at `|t2 - t1| <= time_window` (computed as SQLite does, in f64).
    pub time_window: f64,
    /// Edges with `weight >= min_edge_weight` are kept.
    pub min_edge_weight: i64,
    /// `co_similar_tweet`: Jaccard similarity `>= similarity_threshold`.
    pub similarity_threshold: f64,
    /// `co_similar_tweet`: documents with fewer words have similarity 0 (the toolkit CLI's
    /// `--min_document_size_similarity`; `<= 0` means plain Jaccard).
    pub min_document_size: f64,
    /// Most `(message, partner user)` co-actions generated before giving up.
    pub pair_budget: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            time_window: 1.0,
            min_edge_weight: 2,
            similarity_threshold: 0.8,
            min_document_size: 1.0,
            pair_budget: 200_000_000,
        }
    }
}

/// A directed edge between two users (indices into [`Network::users`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub source: u32,
    pub target: u32,
    pub weight: u64,
}

/// A computed network.
#[derive(Clone, Debug)]
pub struct Network {
    pub kind: NetworkType,
    /// Distinct user id strings, sorted by bytes (so index order is the toolkit's output order).
    pub users: Vec<Box<str>>,
    /// Edges without loops, sorted by (source, target), weight >= min_edge_weight.
    pub edges: Vec<Edge>,
    /// Messages considered (after the toolkit's de-duplication by message id).
    pub messages: usize,
    /// `(message, partner user)` co-actions generated.
    pub pairs: u64,
}

/// Why a network could not be computed.
#[derive(Clone, Debug, PartialEq)]
pub enum PeerError {
    /// The dataset was read without `keep_text`, so the verbatim source values are missing.
    NoExactColumns,
    /// More co-actions than the budget: the window or the data is too large for this run.
    PairBudget { budget: u64, kind: NetworkType },
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::NoExactColumns => write!(
                f,
                "the dataset lacks the verbatim source values (read it with keep_text) needed to reproduce coordination-network-toolkit"
            ),
            PeerError::PairBudget { budget, kind } => write!(
                f,
                "{}: more than {budget} co-action pairs; use a smaller --time-window or raise --pair-budget",
                kind.name()
            ),
        }
    }
}

impl std::error::Error for PeerError {}

/// The toolkit's view of the dataset: one row per distinct message id (first row wins, as with
/// its `insert or ignore`), users interned in byte order.
struct Messages {
    users: Vec<Box<str>>,
    /// Dataset post index of each message.
    post: Vec<u32>,
    user: Vec<u32>,
    time: Vec<f64>,
    /// Reposted message id (interned in `ids`), `u32::MAX` when not a repost.
    repost: Vec<u32>,
    /// Replied-to message id (interned in `ids`), `u32::MAX` when none.
    reply: Vec<u32>,
}

const NULL: u32 = u32::MAX;

impl Messages {
    fn from_dataset(ds: &Dataset) -> Result<Messages, PeerError> {
        let x = ds.exact.as_ref().ok_or(PeerError::NoExactColumns)?;
        let n = ds.posts.len().min(x.message_id.len());
        // The builder already keeps one post per id key, and equal id strings have equal keys; only
        // posts without a key (empty ids) may repeat a string, and the toolkit keeps the first.
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        let mut keep: Vec<u32> = Vec::with_capacity(n);
        for i in 0..n {
            if ds.posts.id[i] != 0 || seen.insert(x.message_id.get(i)) {
                keep.push(i as u32);
            }
        }
        drop(seen);
        // Users in byte order of their id strings (the toolkit's output order). A user is an
        // account index, or `n_accounts + k` for the k-th verbatim id that differs from its account's.
        let n_acc = ds.accounts.ids.len();
        let user_of = |i: usize| -> usize {
            match x.user_id[i] {
                NULL => ds.posts.account[i] as usize,
                k => n_acc + k as usize,
            }
        };
        let name_of = |u: usize| -> &str {
            if u < n_acc {
                ds.accounts.ids.resolve(u as u32)
            } else {
                x.user_strings.resolve((u - n_acc) as u32)
            }
        };
        let mut used = vec![false; n_acc + x.user_strings.len()];
        for &i in &keep {
            used[user_of(i as usize)] = true;
        }
        // Account ids are trimmed by the builder and a verbatim id is kept only when it differs
        // from its trimmed account id, so the two sources never hold the same string.
        let mut names: Vec<(&str, u32)> =
            (0..used.len()).filter(|&u| used[u]).map(|u| (name_of(u), u as u32)).collect();
        names.sort_unstable();
        let mut index = vec![NULL; used.len()];
        for (r, &(_, u)) in names.iter().enumerate() {
            index[u as usize] = r as u32;
        }
        let mut ids = Interner::new();
        let mut m = Messages {
            users: names.iter().map(|&(s, _)| s.into()).collect(),
            post: Vec::with_capacity(keep.len()),
            user: Vec::with_capacity(keep.len()),
            time: Vec::with_capacity(keep.len()),
            repost: Vec::with_capacity(keep.len()),
            reply: Vec::with_capacity(keep.len()),
        };
        for &i in &keep {
            let i = i as usize;
            let target = x.target_id.get(i);
            let kind = ds.posts.kind[i];
            m.post.push(i as u32);
            m.user.push(index[user_of(i)]);
            m.time.push(x.time_s[i]);
            let is_repost = kind == Kind::Retweet && !target.is_empty();
            m.repost.push(if is_repost { ids.intern(target) } else { NULL });
            let is_reply = kind == Kind::Reply && !target.is_empty();
            m.reply.push(if is_reply { ids.intern(target) } else { NULL });
        }
        Ok(m)
    }
    fn len(&self) -> usize {
        self.post.len()
    }
}

/// One message taking part in one object's co-actions. Objects are compared for equality only
/// (their numbering is free); `co_similar_tweet` puts every message in object 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub object: u64,
    pub time: f64,
    pub user: u32,
    pub msg: u32,
}

/// Sort events by (object, time) and call `f(i, lo..hi)` for each event with the range of events
/// of the same object within the window (the event itself included).
fn slide(
    events: &mut [Event],
    w: f64,
    mut f: impl FnMut(&[Event], usize, usize, usize) -> Result<(), PeerError>,
) -> Result<(), PeerError> {
    events.sort_unstable_by(|a, b| a.object.cmp(&b.object).then(a.time.total_cmp(&b.time)).then(a.msg.cmp(&b.msg)));
    let mut start = 0;
    while start < events.len() {
        let obj = events[start].object;
        let mut end = start;
        while end < events.len() && events[end].object == obj {
            end += 1;
        }
        let (mut lo, mut hi) = (start, start);
        for i in start..end {
            // Rounding is monotone, so both bounds only move forward as t1 grows.
            let t1 = events[i].time;
            let (low, high) = (t1 - w, t1 + w);
            while lo < end && events[lo].time < low {
                lo += 1;
            }
            if hi < lo {
                hi = lo;
            }
            while hi < end && events[hi].time <= high {
                hi += 1;
            }
            if lo < hi {
                f(events, i, lo, hi)?;
            }
        }
        start = end;
    }
    Ok(())
}

/// Counts `(user_1, user_2)` keys of co-actions under a budget.
///
/// Two modes. When each `(key, message)` is pushed at most once (`co_retweet`, `co_tweet`,
/// `co_reply`, `co_post`: a message is in one object's run and its partner users are
/// de-duplicated per event), only keys are buffered and the buffer is folded into sorted
/// `(key, count)` runs whenever it fills, so memory follows the number of distinct edges, not of
/// co-actions. Otherwise (`co_link`, `co_similar_tweet`) `(key, message)` pairs are kept and
/// de-duplicated at the end.
struct PairSink {
    unique: bool,
    keys: Vec<u64>,
    runs: Vec<(u64, u64)>,
    /// `(user_1 << 32 | user_2, message of user_1)` when not `unique`.
    pairs: Vec<(u64, u32)>,
    generated: u64,
    budget: u64,
    kind: NetworkType,
    fold_at: usize,
}

/// Keys buffered before folding them into runs (128 MiB).
const FOLD_AT: usize = 1 << 24;

impl PairSink {
    fn new(kind: NetworkType, budget: u64) -> PairSink {
        let unique = !matches!(kind, NetworkType::CoLink | NetworkType::CoSimilarTweet);
        PairSink {
            unique,
            keys: Vec::new(),
            runs: Vec::new(),
            pairs: Vec::new(),
            generated: 0,
            budget,
            kind,
            fold_at: FOLD_AT,
        }
    }
    fn push(&mut self, u1: u32, u2: u32, msg: u32) -> Result<(), PeerError> {
        if self.generated >= self.budget {
            return Err(PeerError::PairBudget { budget: self.budget, kind: self.kind });
        }
        self.generated += 1;
        let key = (u1 as u64) << 32 | u2 as u64;
        if self.unique {
            self.keys.push(key);
            if self.keys.len() >= self.fold_at {
                self.fold();
            }
        } else {
            self.pairs.push((key, msg));
        }
        Ok(())
    }
    /// Merge the buffered keys into the sorted runs.
    fn fold(&mut self) {
        self.keys.sort_unstable();
        let mut fresh: Vec<(u64, u64)> = Vec::new();
        for &k in &self.keys {
            match fresh.last_mut() {
                Some((last, n)) if *last == k => *n += 1,
                _ => fresh.push((k, 1)),
            }
        }
        self.keys.clear();
        if self.runs.is_empty() {
            self.runs = fresh;
            return;
        }
        let old = std::mem::take(&mut self.runs);
        let mut merged = Vec::with_capacity(old.len() + fresh.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < fresh.len() {
            if j == fresh.len() || (i < old.len() && old[i].0 < fresh[j].0) {
                merged.push(old[i]);
                i += 1;
            } else if i == old.len() || fresh[j].0 < old[i].0 {
                merged.push(fresh[j]);
                j += 1;
            } else {
                merged.push((old[i].0, old[i].1 + fresh[j].1));
                i += 1;
                j += 1;
            }
        }
        self.runs = merged;
    }
    /// Weight per key = distinct messages; keep `weight >= min`.
    fn finish(mut self, min: i64) -> (Vec<Edge>, u64) {
        let keep = |key: u64, weight: u64, edges: &mut Vec<Edge>| {
            if weight as i128 >= min as i128 {
                edges.push(Edge { source: (key >> 32) as u32, target: key as u32, weight });
            }
        };
        let mut edges = Vec::new();
        if self.unique {
            self.fold();
            for &(key, n) in &self.runs {
                keep(key, n, &mut edges);
            }
            return (edges, self.generated);
        }
        self.pairs.sort_unstable();
        self.pairs.dedup();
        let mut i = 0;
        while i < self.pairs.len() {
            let key = self.pairs[i].0;
            let mut j = i;
            while j < self.pairs.len() && self.pairs[j].0 == key {
                j += 1;
            }
            keep(key, (j - i) as u64, &mut edges);
            i = j;
        }
        (edges, self.generated)
    }
}

/// For every event, each distinct other user in its window is one co-action.
fn co_action_pairs(events: &mut [Event], w: f64, n_users: usize, sink: &mut PairSink) -> Result<(), PeerError> {
    let mut stamp: Vec<u32> = vec![NULL; n_users];
    let mut round: u32 = 0;
    slide(events, w, |ev, i, lo, hi| {
        // `slide` calls once per event: a new stamp value marks "seen for this event".
        round += 1;
        if round == NULL {
            stamp.iter_mut().for_each(|s| *s = NULL);
            round = 0;
        }
        let e1 = ev[i];
        for e2 in &ev[lo..hi] {
            if e2.user != e1.user && stamp[e2.user as usize] != round {
                stamp[e2.user as usize] = round;
                sink.push(e1.user, e2.user, e1.msg)?;
            }
        }
        Ok(())
    })
}

/// What a network is computed from: one event per co-action candidate, the users in byte order,
/// and (`co_similar_tweet`) each message's word set. Built from a [`Dataset`] by [`compute`], or
/// straight from the toolkit's CSV by [`super::light`].
pub struct Actions {
    pub kind: NetworkType,
    /// Distinct user id strings of the messages considered, sorted by bytes.
    pub users: Vec<Box<str>>,
    /// Co-action candidates: users are indices into `users`, messages `0..messages`.
    pub events: Vec<Event>,
    /// `co_similar_tweet`: row `m` is message `m`'s word set (token ids `< n_tokens`; empty for
    /// messages without events). Empty for the other types.
    pub tokens: Ragged,
    pub n_tokens: usize,
    /// Messages considered (after the toolkit's de-duplication by message id).
    pub messages: usize,
}

/// Compute the toolkit's `kind` network on `ds` (which must have been read with `keep_text`).
pub fn compute(ds: &Dataset, kind: NetworkType, p: &Params) -> Result<Network, PeerError> {
    compute_actions(actions_of(ds, kind)?, p)
}

/// The events of `kind` from a dataset.
fn actions_of(ds: &Dataset, kind: NetworkType) -> Result<Actions, PeerError> {
    let m = Messages::from_dataset(ds)?;
    let timed = |i: usize| !m.time[i].is_nan(); // SQLite stores NaN as NULL: it never matches
    let mut events = Vec::new();
    let mut tokens = Ragged::default();
    let mut n_tokens = 0;
    let text_of = |i: usize| ds.texts.as_ref().and_then(|t| t.get(m.post[i] as usize)).map(|t| &**t).unwrap_or("");
    match kind {
        NetworkType::CoRetweet | NetworkType::CoReply | NetworkType::CoPost | NetworkType::CoTweet => {
            let mut texts = Interner::new();
            let mut text = String::new();
            for i in 0..m.len() {
                if !timed(i) {
                    continue;
                }
                let object = match kind {
                    NetworkType::CoRetweet => m.repost[i],
                    NetworkType::CoReply if m.repost[i] == NULL => m.reply[i],
                    NetworkType::CoPost => 0,
                    NetworkType::CoTweet if m.repost[i] == NULL => {
                        co_tweet_text_into(text_of(i), &mut text);
                        texts.intern(&text)
                    }
                    _ => NULL,
                };
                if object != NULL {
                    events.push(Event { object: object as u64, time: m.time[i], user: m.user[i], msg: i as u32 });
                }
            }
        }
        NetworkType::CoLink => {
            let x = ds.exact.as_ref().ok_or(PeerError::NoExactColumns)?;
            let mut row: Vec<u32> = Vec::new();
            for i in 0..m.len() {
                if !timed(i) || m.repost[i] != NULL {
                    continue;
                }
                row.clear();
                row.extend_from_slice(x.urls.row(m.post[i] as usize));
                row.sort_unstable();
                row.dedup();
                for &u in &row {
                    events.push(Event { object: u as u64, time: m.time[i], user: m.user[i], msg: i as u32 });
                }
            }
        }
        NetworkType::CoSimilarTweet => {
            let mut vocab = Interner::new();
            let mut ids: Vec<u32> = Vec::new();
            for i in 0..m.len() {
                ids.clear();
                if timed(i) && m.repost[i] == NULL {
                    ids.extend(token_set(text_of(i)).iter().map(|t| vocab.intern(t)));
                    // All messages are one group: only time separates them.
                    events.push(Event { object: 0, time: m.time[i], user: m.user[i], msg: i as u32 });
                }
                // Row `i` of `tokens` is message `i`'s word set (empty for reposts).
                tokens.push_row(ids.iter().copied());
            }
            n_tokens = vocab.len();
        }
    }
    let messages = m.len();
    Ok(Actions { kind, users: m.users, events, tokens, n_tokens, messages })
}

/// Compute the network of `a` (see [`Actions`]).
pub fn compute_actions(mut a: Actions, p: &Params) -> Result<Network, PeerError> {
    let kind = a.kind;
    let mut sink = PairSink::new(kind, p.pair_budget);
    match kind {
        NetworkType::CoSimilarTweet => co_similar(&mut a, p, &mut sink)?,
        _ => co_action_pairs(&mut a.events, p.time_window, a.users.len(), &mut sink)?,
    }
    let (edges, pairs) = sink.finish(p.min_edge_weight);
    Ok(Network { kind, users: a.users, edges, messages: a.messages, pairs })
}

fn co_similar(a: &mut Actions, p: &Params, sink: &mut PairSink) -> Result<(), PeerError> {
    let t = p.similarity_threshold;
    let min_doc = p.min_document_size;
    if t > 0.0 {
        let tokens = std::mem::take(&mut a.tokens);
        return co_similar_prefix(&mut a.events, tokens, a.n_tokens, p, sink);
    }
    // A threshold <= 0 accepts every pair in the window (even similarity 0): all pairs.
    let tokens = &a.tokens;
    let mut matched: Vec<u32> = vec![NULL; a.users.len()];
    slide(&mut a.events, p.time_window, |ev, i, lo, hi| {
        let e1 = ev[i];
        let a = tokens.row(e1.msg as usize);
        for e2 in &ev[lo..hi] {
            if e2.user == e1.user || matched[e2.user as usize] == e1.msg {
                continue;
            }
            let b = tokens.row(e2.msg as usize);
            if similar(a, b, t, min_doc) {
                matched[e2.user as usize] = e1.msg;
                sink.push(e1.user, e2.user, e1.msg)?;
            }
        }
        Ok(())
    })
}

/// Candidates for a positive threshold by prefix filtering, then the exact check.
///
/// Tokens are re-numbered by increasing document frequency and each set sorted in that order.
/// If `fl(i/u) >= t` then `i/u >= t' = t·(1 - 1e-12)` (f64 division is within 2^-53 relative),
/// so `i >= t'·u >= t'·|A|`, i.e. `i >= o_A = ceil(t'·|A| - 1e-9)` (rounded down to be safe).
/// Two sets sharing at least `o_A` tokens share one among the first `|A| - o_A + 1` tokens of A
/// and the first `|B| - o_B + 1` of B (the classic prefix-filter argument, with the per-set
/// bound only making prefixes longer). So indexing the prefixes loses no pair above the
/// threshold; every candidate then gets the exact [`similar`] test and the exact directed window
/// tests (`t2 ∈ [t1 - w, t1 + w]` rounded, which is not symmetric in floating point).
fn co_similar_prefix(
    events: &mut [Event],
    mut tokens: Ragged,
    n_tokens: usize,
    p: &Params,
    sink: &mut PairSink,
) -> Result<(), PeerError> {
    let (t, min_doc, w) = (p.similarity_threshold, p.min_document_size, p.time_window);
    // Re-number tokens by (document frequency, id).
    let mut df = vec![0u32; n_tokens];
    for &tok in &tokens.items {
        df[tok as usize] += 1;
    }
    let mut order: Vec<u32> = (0..n_tokens as u32).collect();
    order.sort_unstable_by_key(|&k| (df[k as usize], k));
    let mut rank = vec![0u32; n_tokens];
    for (r, &k) in order.iter().enumerate() {
        rank[k as usize] = r as u32;
    }
    for row in 0..tokens.rows() {
        let (a, b) = (tokens.offsets[row] as usize, tokens.offsets[row + 1] as usize);
        let items = &mut tokens.items[a..b];
        items.iter_mut().for_each(|x| *x = rank[*x as usize]);
        items.sort_unstable();
    }
    let t_low = t * (1.0 - 1e-12);
    let prefix_len = |size: usize| -> usize {
        let need = ((t_low * size as f64) - 1e-9).ceil().max(1.0) as usize;
        (size + 1).saturating_sub(need).min(size)
    };
    // Only sets that can reach a positive threshold: at least one token and `min_doc` tokens.
    events.sort_unstable_by(|a, b| a.time.total_cmp(&b.time).then(a.msg.cmp(&b.msg)));
    let mut postings: Vec<std::collections::VecDeque<u32>> = vec![Default::default(); n_tokens];
    let mut checked: Vec<u32> = vec![NULL; events.len()];
    for j in 0..events.len() {
        let ej = events[j];
        let b = tokens.row(ej.msg as usize);
        if b.is_empty() || (min_doc > 0.0 && (b.len() as f64) < min_doc) {
            continue;
        }
        let low = ej.time - w;
        for &tok in &b[..prefix_len(b.len())] {
            let list = &mut postings[tok as usize];
            // Drop messages that can no longer be partners of j or of any later message.
            while let Some(&front) = list.front() {
                let ti = events[front as usize].time;
                if ti < low && ti + w < ej.time {
                    list.pop_front();
                } else {
                    break;
                }
            }
            for &i in list.iter() {
                let i = i as usize;
                if checked[i] == j as u32 {
                    continue;
                }
                checked[i] = j as u32;
                let ei = events[i];
                if ei.user == ej.user {
                    continue;
                }
                let a = tokens.row(ei.msg as usize);
                if !similar(a, b, t, min_doc) {
                    continue;
                }
                if ej.time >= ei.time - w && ej.time <= ei.time + w {
                    sink.push(ei.user, ej.user, ei.msg)?;
                }
                if ei.time >= ej.time - w && ei.time <= ej.time + w {
                    sink.push(ej.user, ei.user, ej.msg)?;
                }
            }
            list.push_back(j as u32);
        }
    }
    Ok(())
}

/// The toolkit's `similarity(...) >= threshold` on two sorted, distinct token-id sets, with its
/// `MinDocSizeSimilarity` when `min_doc > 0`. Pruning by the size ratio is exact: the
/// intersection is at most the smaller size and the union at least the larger, and f64 division
/// is monotone, so `fl(min/max) < t` implies `fl(inter/union) < t`.
pub fn similar(a: &[u32], b: &[u32], t: f64, min_doc: f64) -> bool {
    if min_doc > 0.0 && ((a.len() as f64) < min_doc || (b.len() as f64) < min_doc) {
        return 0.0 >= t;
    }
    if a.is_empty() && b.is_empty() {
        // The toolkit divides 0 by 0 here and fails; no edge is the only sound answer.
        return false;
    }
    let (small, large) = if a.len() <= b.len() { (a.len(), b.len()) } else { (b.len(), a.len()) };
    if t > 0.0 && (small as f64) / (large as f64) < t {
        return false;
    }
    let inter = intersection(a, b);
    let union = a.len() + b.len() - inter;
    (inter as f64) / (union as f64) >= t
}

fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Python's `float(s)`: surrounding whitespace ignored, `_` allowed between digits, `inf`,
/// `infinity`, `nan` in any case, correctly rounded like Rust's parser.
pub fn py_float(s: &str) -> Option<f64> {
    let t = s.trim_matches(py_isspace);
    if t.contains('_') {
        let b = t.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c == b'_' && !(i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()) {
                return None;
            }
        }
        return t.replace('_', "").parse().ok();
    }
    t.parse().ok()
}

/// Python's `str.isspace` (what `str.split()` splits on): Unicode White_Space plus U+001C..U+001F.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The toolkit's `social_media_cleaner.sub("", s)`: regex `@.*?(?=(?:\s|$))` removes every `@`
/// and what follows it up to (not including) the next whitespace (`\s` of the `regex` module is
/// Unicode White_Space, which is Rust's `char::is_whitespace`).
pub fn strip_mentions(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut skipping = false;
    for c in s.chars() {
        if skipping {
            if c.is_whitespace() {
                skipping = false;
                out.push(c);
            }
        } else if c == '@' {
            skipping = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// The toolkit's co-tweet `message_preprocessor`: `" ".join(cleaner.sub("", text.lower()).split())`.
pub fn co_tweet_text(text: &str) -> String {
    let cleaned = strip_mentions(&text.to_lowercase());
    let mut out = String::with_capacity(cleaned.len());
    for word in cleaned.split(py_isspace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`co_tweet_text`] into `out` (cleared first); ASCII texts (the usual case) in one pass without
/// allocating. On ASCII, lowercasing is per byte and leaves `@` and whitespace alone,
/// `char::is_whitespace` (where a mention ends) is `\t \n \x0b \x0c \r` and space, and
/// `py_isspace` (what `split` splits on) adds `\x1c..=\x1f`.
pub fn co_tweet_text_into(text: &str, out: &mut String) {
    out.clear();
    if !text.is_ascii() {
        out.push_str(&co_tweet_text(text));
        return;
    }
    let mut skipping = false;
    let mut space = false;
    for &b in text.as_bytes() {
        let ws = matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
        if skipping {
            if !ws {
                continue;
            }
            skipping = false;
        } else if b == b'@' {
            skipping = true;
            continue;
        }
        if ws || (0x1c..=0x1f).contains(&b) {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(b.to_ascii_lowercase() as char);
    }
}

/// Word_Break=WSegSpace.
fn is_wsegspace(c: char) -> bool {
    matches!(c, ' ' | '\u{1680}' | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200a}' | '\u{205f}' | '\u{3000}')
}

/// The toolkit's co-similarity word set: `tokenize` (split the lowercased, mention-stripped text
/// with `\b\p{Word_Break=WSegSpace}*'?` under the `regex` module's WORD flag, i.e. at UAX #29 word
/// boundaries, dropping the spaces and one apostrophe after each boundary), then the
/// `similarity` function's `set(token_set.split())`. Sorted, distinct.
pub fn token_set(text: &str) -> Vec<String> {
    let s = strip_mentions(&text.to_lowercase());
    let mut joined = String::with_capacity(s.len() + 8);
    let mut piece_start = 0;
    let mut pos = 0;
    let bounds = s.split_word_bound_indices().map(|(b, _)| b).chain(if s.is_empty() { None } else { Some(s.len()) });
    for b in bounds {
        if b < pos {
            continue;
        }
        let mut e = b;
        for c in s[b..].chars() {
            if is_wsegspace(c) {
                e += c.len_utf8();
            } else {
                break;
            }
        }
        if s[e..].starts_with('\'') {
            e += 1;
        }
        joined.push_str(&s[piece_start..b]);
        joined.push(' ');
        piece_start = e;
        pos = e;
    }
    joined.push_str(&s[piece_start.min(s.len())..]);
    let mut words: Vec<String> = joined.split(py_isspace).filter(|w| !w.is_empty()).map(String::from).collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Write `net` as `output_gephi_csv` does: `"source","target","weight","edge_type"`, every field
/// quoted (inner quotes doubled), `\r\n` line ends, rows in (source, target) byte order.
pub fn write_gephi_csv<W: Write>(net: &Network, out: &mut W) -> std::io::Result<()> {
    fn field<W: Write>(out: &mut W, s: &str) -> std::io::Result<()> {
        out.write_all(b"\"")?;
        if s.contains('"') {
            out.write_all(s.replace('"', "\"\"").as_bytes())?;
        } else {
            out.write_all(s.as_bytes())?;
        }
        out.write_all(b"\"")
    }
    out.write_all(b"\"source\",\"target\",\"weight\",\"edge_type\"\r\n")?;
    let kind = net.kind.name();
    for e in &net.edges {
        field(out, &net.users[e.source as usize])?;
        out.write_all(b",")?;
        field(out, &net.users[e.target as usize])?;
        write!(out, ",\"{}\",", e.weight)?;
        field(out, kind)?;
        out.write_all(b"\r\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folding the key buffer into runs early gives the same weights as folding once.
    #[test]
    fn folding_keys_into_runs_keeps_the_counts() {
        let pushes: Vec<(u32, u32)> = (0..200u32).map(|i| ((i * 7) % 5, (i * 11) % 3 + 5)).collect();
        let run = |fold_at: usize| {
            let mut sink = PairSink::new(NetworkType::CoRetweet, 1_000);
            sink.fold_at = fold_at;
            for (m, &(a, b)) in pushes.iter().enumerate() {
                sink.push(a, b, m as u32).expect("within budget");
            }
            sink.finish(1)
        };
        let (once, n) = run(usize::MAX);
        assert_eq!(n, 200);
        assert_eq!(once.iter().map(|e| e.weight).sum::<u64>(), 200);
        for fold_at in [1, 3, 7, 64] {
            assert_eq!(run(fold_at).0, once, "fold_at {fold_at}");
        }
        // Minimum weight applies after folding.
        let mut sink = PairSink::new(NetworkType::CoRetweet, 1_000);
        sink.fold_at = 2;
        for m in 0..5 {
            sink.push(1, 2, m).expect("within budget");
        }
        sink.push(2, 1, 9).expect("within budget");
        assert_eq!(sink.finish(2).0, vec![Edge { source: 1, target: 2, weight: 5 }]);
    }

    /// The one-pass ASCII normalisation is the general one.
    #[test]
    fn co_tweet_text_into_agrees_on_ascii() {
        let alphabet: &[u8] = b"aZ9!@@  \t\n\r\x0b\x0c\x1c\x1f\x1e.#";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut out = String::new();
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 12) as usize;
            let text: String = (0..len)
                .map(|k| alphabet[((state >> (5 * k % 60)) % alphabet.len() as u64) as usize] as char)
                .collect();
            co_tweet_text_into(&text, &mut out);
            assert_eq!(out, co_tweet_text(&text), "{text:?}");
        }
        co_tweet_text_into("Ünï @x  Y", &mut out);
        assert_eq!(out, "ünï y");
    }

    #[test]
    fn linked_messages_count_once_per_partner() {
        let mut sink = PairSink::new(NetworkType::CoLink, 10);
        for _ in 0..3 {
            sink.push(0, 1, 4).expect("within budget");
        }
        sink.push(0, 1, 5).expect("within budget");
        assert_eq!(sink.finish(1).0, vec![Edge { source: 0, target: 1, weight: 2 }]);
    }
}
