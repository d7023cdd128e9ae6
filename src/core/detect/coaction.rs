//! Co-action networks: which pairs of accounts did the same thing within a short time, repeatedly,
//! beyond what popularity and their own activity explain.
//!
//! For each method, every action becomes an event `(object, time, account)`. Events are sorted by
//! `(object, time, account)`; one pass slides over each object's run and emits a candidate
//! `(pair, object)` for every two **distinct** accounts whose actions are at most the window apart
//! (a gap exactly equal to the window counts). Pair counts grow with the square of a burst's size,
//! so each action is linked only to its nearest [`DetectParams::max_partners`] following actions
//! inside the window: a viral post retweeted by 16,000 accounts in a minute yields about
//! `16,000 × K` candidates instead of 128M, deterministically (the order is fixed by the sort).
//! Candidates are packed into `u128` keys `(pair << 32 | object)`, sorted and counted: the number
//! of distinct objects per pair, and their inverse-frequency weight. No hash map of pairs.
//!
//! Accounts are identified here by their *rank* (position in the order of account id strings),
//! objects by keys derived from their content (post ids, text fingerprints, hashes of hashtag /
//! URL / mention strings), so results do not depend on the order posts were read in.
//!
//! Popularity is not coordination:
//! - each object weighs `idf = ln((1 + N) / n)`, `N` accounts active in the method, `n` accounts
//!   that acted on the object: a trending hashtag or a viral post weighs almost nothing;
//! - a pair must co-act on at least `min_repetitions` distinct objects on as many distinct
//!   occasions (time slots of `occasion_s`, a day by default): the three hashtags of one post, or
//!   one evening's live event, are one occasion, not three repetitions;
//! - a pair's count is compared with what chance predicts from the two accounts' activity. In a
//!   configuration null model where account `a` makes `k_a` of the method's `M` actions and the
//!   method produced `P` in-window candidate pairs, the expected number of co-actions of `a` and
//!   `b` is `E = 2 k_a k_b P / M²`; the pair is kept only when `P(X ≥ count) ≤ max_chance_p` for
//!   `X ~ Poisson(E)`. Heavy users meet by chance on popular objects; a ring meets far more often.

use super::chunked::Chunked;
use super::{CoAction, DetectError, DetectParams, MethodStats};
use crate::core::model::*;

/// A kept pair of one method (ranks `a < b`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PairStat {
    pub a: u32,
    pub b: u32,
    /// Distinct objects co-acted on within the window.
    pub n_objects: u32,
    /// Sum of the objects' inverse-frequency weights.
    pub weight: f64,
    /// Expected co-actions by chance (null model).
    pub expected: f64,
    /// Kept for slow coordination (rare objects within the slow window), not the method's window.
    pub slow: bool,
}

/// The slow window of a method: co-retweet, co-tweet and near-duplicates are also examined over
/// `DetectParams::slow_window_s` (on rare objects only); 0 for the other methods.
pub(crate) fn slow_window_ms(kind: CoAction, params: &DetectParams) -> i64 {
    match kind {
        CoAction::CoRetweet | CoAction::CoTweet | CoAction::CoSimilarTweet => {
            (params.slow_window_s.max(0.0) * 1000.0).round() as i64
        }
        _ => 0,
    }
}

/// A kept pair as the rest of detection needs it (ranks `a < b`): 24 bytes instead of the 40
/// of a [`PairStat`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct KeptPair {
    pub a: u32,
    pub b: u32,
    pub n_objects: u32,
    pub weight: f64,
}

/// What one method produced.
pub(crate) struct MethodResult {
    pub kind: CoAction,
    pub window_ms: i64,
    /// The slow window (0 when the method has none).
    pub slow_ms: i64,
    /// The kept pairs, sorted by `(a, b)`, each pair once (in chunks: their number is only
    /// known at the end, and a doubling `Vec` would hold up to twice as many).
    pub pairs: Chunked<KeptPair>,
    pub stats: MethodStats,
}

/// One action: the object acted on, when, by whom (rank), and the post (for near-duplicates, its
/// SimHash and text fingerprint are read from the dataset). 24 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    pub obj: u64,
    pub time: i64,
    pub rank: u32,
    pub post: u32,
}

/// Hash of a string for object keys (stable, independent of interning order).
fn key_of(s: &str) -> u64 {
    fnv1a64(s.as_bytes())
}

/// Number of LSH bands over the 64-bit SimHash (4 bands of 16 bits).
const BANDS: u32 = 4;

/// Largest Hamming distance between two SimHashes accepted as near-duplicate at `similarity`.
/// SimHash bits disagree with probability θ/π for texts at angle θ; a Jaccard similarity `J` of
/// equal-sized shingle sets is a cosine of `2J / (1 + J)`, so θ = acos(2J / (1 + J)). With 4 bands of 16 bits, any pair within 3 bits shares a band for sure;
/// pairs a few bits further still share one with high probability.
pub(crate) fn max_hamming(similarity: f64) -> u32 {
    let j = similarity.clamp(0.0, 1.0);
    // Jaccard J of two equal-sized word sets ↔ cosine 2J / (1 + J)
    let cos = 2.0 * j / (1.0 + j);
    let theta = cos.clamp(-1.0, 1.0).acos();
    ((theta / std::f64::consts::PI) * 64.0).floor() as u32
}

/// Near-duplicate events held at once (24 bytes each: 96 MiB) above which they are built one
/// LSH band at a time (see [`n_parts`]).
pub(crate) const PART_EVENTS: usize = 1 << 22;

/// In how many parts of its object keys a method's events are built and used, one part at a
/// time: near-duplicates have an event in each of the four LSH bands for every own-text post (96
/// bytes a post), so beyond `part_events` events they are built one band at a time (the band is
/// the top of the key, so the parts in order are the events in order), each band again for every
/// slice of accounts; below it, and for every other method, in one part.
pub(crate) fn n_parts(ds: &Dataset, kind: CoAction, part_events: usize) -> u64 {
    if kind != CoAction::CoSimilarTweet {
        return 1;
    }
    let mut n = 0usize;
    actions(ds, kind, |_, _| n += 1);
    if n > part_events {
        BANDS as u64
    } else {
        1
    }
}

/// The events of one method in part `part` of `n_parts` of its object keys (see [`n_parts`]) by
/// ranks with `keep_rank`, sorted by (object, time, rank). Retweets take part only in co-retweet:
/// their hashtags, links and mentions are the original's, not the account's own.
pub(crate) fn events(
    ds: &Dataset,
    kind: CoAction,
    rank: &[u32],
    (part, n_parts): (u64, u64),
    keep_rank: &dyn Fn(u32) -> bool,
) -> Vec<Event> {
    let p = &ds.posts;
    let in_part = |obj: u64| n_parts == 1 || obj >> 16 == part;
    let keep = |i: usize, obj: u64| in_part(obj) && keep_rank(rank[p.account[i] as usize]);
    // counted first, so the events take exactly their room (at 10M posts, tens of millions)
    let mut n_events = 0usize;
    actions(ds, kind, |i, obj| n_events += keep(i, obj) as usize);
    let mut ev = Vec::with_capacity(n_events);
    actions(ds, kind, |i, obj| {
        if keep(i, obj) {
            ev.push(Event { obj, time: p.time_ms(i), rank: rank[p.account[i] as usize], post: i as u32 })
        }
    });
    // (object, time, rank), then for near-duplicates (SimHash, fingerprint): the order does not
    // depend on the order posts were read in; identical actions count once
    if kind == CoAction::CoSimilarTweet {
        let text = |e: &Event| (p.simhash(e.post as usize), p.text_fp(e.post as usize));
        ev.sort_unstable_by(|x, y| {
            (x.obj, x.time, x.rank).cmp(&(y.obj, y.time, y.rank)).then_with(|| text(x).cmp(&text(y)))
        });
        ev.dedup_by(|x, y| (x.obj, x.time, x.rank) == (y.obj, y.time, y.rank) && text(x) == text(y));
    } else {
        ev.sort_unstable_by_key(|e| (e.obj, e.time, e.rank));
        ev.dedup_by_key(|e| (e.obj, e.time, e.rank));
    }
    ev
}

/// Every action of one method as (post index, object key), in post order.
fn actions(ds: &Dataset, kind: CoAction, mut f: impl FnMut(usize, u64)) {
    let p = &ds.posts;
    let n = p.len();
    // Stable keys of interned vocabularies (computed once per method).
    let keys = |int: &Interner| -> Vec<u64> { int.iter().map(|(_, s)| key_of(s)).collect() };
    match kind {
        CoAction::CoRetweet | CoAction::CoReply => {
            let want = if kind == CoAction::CoRetweet { Kind::Retweet } else { Kind::Reply };
            for i in 0..n {
                if p.kind[i] == want && p.target_post(i) != 0 {
                    f(i, p.target_post(i));
                }
            }
        }
        CoAction::CoTweet => {
            for i in 0..n {
                if p.kind[i] != Kind::Retweet && p.text_fp(i) != 0 {
                    f(i, p.text_fp(i));
                }
            }
        }
        CoAction::CoSimilarTweet => {
            for i in 0..n {
                let sh = p.simhash(i);
                if p.kind[i] == Kind::Retweet || sh == 0 || p.text_fp(i) == 0 {
                    continue;
                }
                for band in 0..BANDS {
                    let bits = (sh >> (16 * band)) & 0xFFFF;
                    f(i, (band as u64) << 16 | bits);
                }
            }
        }
        CoAction::CoLink => {
            let k = keys(&ds.urls);
            for i in 0..n {
                if p.kind[i] == Kind::Retweet {
                    continue; // a retweet carries the original's entities: co-retweet counts it
                }
                for &u in p.urls.row(i) {
                    f(i, k[u as usize]);
                }
            }
        }
        CoAction::CoDomain => {
            let k = keys(&ds.domains);
            for i in 0..n {
                if p.kind[i] == Kind::Retweet {
                    continue; // a retweet carries the original's entities: co-retweet counts it
                }
                let row = p.urls.row(i);
                let mut ds_ids: Vec<u32> = row.iter().filter_map(|&u| ds.url_domain.get(u as usize).copied()).collect();
                ds_ids.sort_unstable();
                ds_ids.dedup();
                for d in ds_ids {
                    f(i, k[d as usize]);
                }
            }
        }
        CoAction::CoHashtag => {
            let k = keys(&ds.hashtags);
            for i in 0..n {
                if p.kind[i] == Kind::Retweet {
                    continue; // a retweet carries the original's entities: co-retweet counts it
                }
                let row = p.hashtags.row(i);
                for &h in row {
                    f(i, k[h as usize] & !(1 << 63));
                }
                if row.len() >= 2 {
                    // the identical hashtag sequence is an object of its own
                    let mut seq = 0xcbf2_9ce4_8422_2325u64;
                    for &h in row {
                        seq = (seq ^ k[h as usize]).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(7);
                    }
                    f(i, seq | (1 << 63));
                }
            }
        }
        CoAction::CoMention => {
            let k = keys(&ds.mentions);
            for i in 0..n {
                if p.kind[i] == Kind::Retweet {
                    continue; // a retweet carries the original's entities: co-retweet counts it
                }
                for &m in p.mentions.row(i) {
                    f(i, k[m as usize]);
                }
            }
        }
    }
}

/// ln P(X ≥ c) for X ~ Poisson(lambda), c ≥ 1 (an upper bound tight for c > lambda).
pub(crate) fn ln_poisson_tail(c: u32, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let c_f = c as f64;
    if c_f <= lambda {
        return 0.0;
    }
    // term(c) * sum_{j>=0} (lambda/(c+1))^j  ≥ tail
    let ln_term = -lambda + c_f * lambda.ln() - ln_factorial(c);
    let r = lambda / (c_f + 1.0);
    (ln_term - (1.0 - r).ln()).min(0.0)
}

fn ln_factorial(n: u32) -> f64 {
    if n < 32 {
        (2..=n).map(|k| (k as f64).ln()).sum()
    } else {
        let x = n as f64 + 1.0;
        // Stirling series for ln Γ(x)
        (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x * x)
    }
}

/// Most `(pair, object)` candidates held at once: the accounts are cut into slices (contiguous
/// ranks, by the lower rank of each pair) so that one slice emits at most this many (16 bytes
/// each: 64 MiB; it was 128 MiB, the largest single block of detection at 10M posts). Every
/// slice scans the events again, skipping the actions of ranks below the slice (they cannot be
/// the lower rank of its pairs), so results do not depend on it.
pub(crate) const SLICE_CANDIDATES: u64 = 1 << 22;

/// An object's run of events with at least two distinct accounts, its inverse-frequency weight
/// and whether it is rare (examined over the slow window).
struct Group {
    start: u32,
    end: u32,
    idf: f64,
    rare: bool,
}

/// The partners of action `i` in one object's actions `g` (in time order): the following actions
/// of other accounts at most `max_gap_ms` later, the first `k_partners` of them. Co-action
/// candidates and cluster evidence walk the same bounded partners.
#[inline]
fn partners(g: &[Event], i: usize, max_gap_ms: i64, k_partners: usize) -> impl Iterator<Item = usize> + '_ {
    let (time, rank) = (g[i].time, g[i].rank);
    (i + 1..g.len())
        .take_while(move |&j| g[j].time - time <= max_gap_ms)
        .filter(move |&j| g[j].rank != rank)
        .take(k_partners)
}

/// Whether posts `a` and `b` are near-duplicates (different texts whose SimHashes differ in at
/// most `max_d` bits), and then the smaller of their text fingerprints: the narrative they share.
#[inline]
fn near_duplicate(posts: &Posts, a: u32, b: u32, max_d: u32) -> Option<u64> {
    let (a, b) = (a as usize, b as usize);
    let (fa, fb) = (posts.text_fp(a), posts.text_fp(b));
    (fa != fb && (posts.simhash(a) ^ posts.simhash(b)).count_ones() <= max_d).then(|| fa.min(fb))
}

/// Every candidate of one object's run, as `(a, b, low 64 bits of the key)` with ranks `a < b`.
/// Each action is linked to at most `k_partners` following actions of other accounts within
/// `scan_ms`. Only candidates whose lower rank `a` may be at least `min_rank` are made: the actions
/// of ranks below it are skipped (a slice of accounts from `min_rank` on needs no others). Low bits: object group (32) | occasion (31) | fast (1); for near-duplicates text key
/// (24) | LSH bucket (19) | occasion (20) | fast (1).
#[allow(clippy::too_many_arguments)]
fn group_candidates(
    g: &[Event],
    group_id: u64,
    kind: CoAction,
    posts: &Posts,
    window_ms: i64,
    scan_ms: i64,
    k_partners: usize,
    max_d: u32,
    occasion_ms: i64,
    min_rank: u32,
    mut f: impl FnMut(u32, u32, u64),
) {
    let similar = kind == CoAction::CoSimilarTweet;
    for i in 0..g.len() {
        if g[i].rank < min_rank {
            continue; // every pair of this action has its lower rank below `min_rank`
        }
        for j in partners(g, i, scan_ms, k_partners) {
            let fast = (g[j].time - g[i].time <= window_ms) as u64;
            let (a, b) = if g[i].rank < g[j].rank { (g[i].rank, g[j].rank) } else { (g[j].rank, g[i].rank) };
            if similar {
                let Some(fp) = near_duplicate(posts, g[i].post, g[j].post, max_d) else { continue };
                // the object is the narrative: the smaller of the two texts' fingerprints (24 bits
                // of it), so a pair of posts that meets in several bands counts once; the group
                // (its idf) is kept beside it
                let text_key = fp & 0xFF_FFFF;
                let day = (g[i].time.div_euclid(occasion_ms).clamp(0, 0xF_FFFF) as u64) << 1 | fast;
                f(a, b, (text_key << 40) | ((group_id & 0x7_FFFF) << 21) | day);
            } else {
                let day = ((g[i].time.div_euclid(occasion_ms) + (1 << 30)).clamp(0, 0x7FFF_FFFF) as u64) << 1 | fast;
                f(a, b, (group_id << 32) | day);
            }
        }
    }
}

/// Pairs held for the chance test before a second pass is preferred (40 bytes each: 80 MB).
const HELD_PAIRS: usize = 2_000_000;

/// A pair's tallies before the chance test (only pairs that repeat enough to pass are held).
struct Held {
    a: u32,
    b: u32,
    /// Fast window: distinct objects, repetitions (objects on distinct occasions), weight.
    n_obj: u32,
    reps: u32,
    weight: f64,
    /// Slow window on rare objects: distinct objects, repetitions, weight.
    s_obj: u32,
    s_reps: u32,
    s_weight: f64,
}

/// Run one method: candidates slice by slice of accounts, sort-and-count, null model, filters.
pub(crate) fn run_method(
    ds: &Dataset,
    kind: CoAction,
    window_s: f64,
    params: &DetectParams,
    rank: &[u32],
    cancelled: &dyn Fn() -> bool,
) -> Result<MethodResult, DetectError> {
    run_method_sliced(ds, kind, window_s, params, rank, cancelled, SLICE_CANDIDATES, HELD_PAIRS, PART_EVENTS)
}

/// [`run_method`] with the slice size, the held pairs and the events held at once as parameters
/// (tests check that they change nothing).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_method_sliced(
    ds: &Dataset,
    kind: CoAction,
    window_s: f64,
    params: &DetectParams,
    rank: &[u32],
    cancelled: &dyn Fn() -> bool,
    slice_candidates: u64,
    held_pairs: usize,
    part_events: usize,
) -> Result<MethodResult, DetectError> {
    let window_ms = (window_s.max(0.0) * 1000.0).round() as i64;
    let slow_ms = slow_window_ms(kind, params).max(window_ms);
    let scan_ms = slow_ms;
    // the events of one part of the object keys at a time (near-duplicates: an LSH band), part 0 first
    let n_parts = n_parts(ds, kind, part_events);
    let part_events = |part: u64| events(ds, kind, rank, (part, n_parts), &|_| true);
    let mut ev = part_events(0);
    let mut ev_part = 0u64;
    let n_ranks = rank.len();
    let mut stats = MethodStats { kind, objects: 0, candidate_pairs: 0, edges: 0, budget_hit: false };
    // Activity per account: actions (distinct (object, time) events; for near-duplicates one per
    // post, counted on band 0, which is part 0).
    let mut activity = vec![0u32; n_ranks];
    for e in &ev {
        if kind != CoAction::CoSimilarTweet || e.obj >> 16 == 0 {
            activity[e.rank as usize] += 1;
        }
    }
    let n_active = activity.iter().filter(|&&k| k > 0).count() as f64;
    let total_actions: f64 = activity.iter().map(|&k| k as f64).sum();
    let max_d = max_hamming(params.similarity_threshold);
    let k_partners = params.max_partners.max(1) as usize;
    let occasion_ms = ((params.occasion_s.max(1.0)) * 1000.0).round() as i64;
    let similar = kind == CoAction::CoSimilarTweet;
    let posts = &ds.posts;
    let emit = |ev: &[Event], g: &Group, id: usize, min_rank: u32, f: &mut dyn FnMut(u32, u32, u64)| {
        let run = &ev[g.start as usize..g.end as usize];
        group_candidates(run, id as u64, kind, posts, window_ms, scan_ms, k_partners, max_d, occasion_ms, min_rank, f)
    };

    // The objects acted on by at least two accounts, and how many candidates each lower rank of
    // a pair emits (to cut the accounts into slices).
    let rare_max = (n_active / 100.0).max(20.0) as usize;
    let mut groups: Vec<Group> = Vec::new();
    // groups of part `p`: `part_groups[p]..part_groups[p + 1]` (a group's start and end index
    // its part's events)
    let mut part_groups: Vec<usize> = vec![0];
    let mut per_rank = vec![0u64; n_ranks];
    let mut scratch: Vec<u32> = Vec::new();
    for part in 0..n_parts {
        if part != ev_part {
            drop(std::mem::take(&mut ev)); // the previous part's events are freed before the next is built
            ev = part_events(part);
            ev_part = part;
        }
        let mut start = 0usize;
        while start < ev.len() {
            if groups.len().is_multiple_of(4096) && cancelled() {
                return Err(DetectError::Cancelled);
            }
            let obj = ev[start].obj;
            let mut end = start + 1;
            while end < ev.len() && ev[end].obj == obj {
                end += 1;
            }
            if end - start >= 2 {
                scratch.clear();
                scratch.extend(ev[start..end].iter().map(|e| e.rank));
                scratch.sort_unstable();
                scratch.dedup();
                if scratch.len() >= 2 {
                    let idf = ((1.0 + n_active) / scratch.len() as f64).ln().max(0.0);
                    let g = Group { start: start as u32, end: end as u32, idf, rare: scratch.len() <= rare_max };
                    emit(&ev, &g, groups.len(), 0, &mut |a, _, _| per_rank[a as usize] += 1);
                    groups.push(g);
                }
            }
            start = end;
        }
        part_groups.push(groups.len());
    }
    drop(scratch);
    stats.objects = groups.len() as u64;
    // slices of contiguous ranks, each emitting at most `slice_candidates` (or one rank)
    let mut slices: Vec<(u32, u32)> = Vec::new();
    let (mut lo, mut acc) = (0usize, 0u64);
    for (r, &c) in per_rank.iter().enumerate() {
        if acc > 0 && acc + c > slice_candidates {
            slices.push((lo as u32, r as u32));
            lo = r;
            acc = 0;
        }
        acc += c;
    }
    if acc > 0 {
        slices.push((lo as u32, n_ranks as u32));
    }
    let largest = slices.iter().map(|&(l, h)| per_rank[l as usize..h as usize].iter().sum::<u64>()).max().unwrap_or(0);
    drop(per_rank);

    // Count distinct objects and distinct occasions per pair and sum the objects' weights; keep
    // the pairs that repeat enough to pass (the others only add to the null model's total).
    let obj_of = |c: u128| -> u64 {
        if similar {
            ((c >> 40) & 0xFF_FFFF) as u64
        } else {
            ((c >> 32) & 0xFFFF_FFFF) as u64
        }
    };
    let group_of =
        |c: u128| -> usize { (if similar { (c >> 21) & 0x7_FFFF } else { (c >> 32) & 0xFFFF_FFFF }) as usize };
    let occasion_of = |c: u128| -> u32 { (if similar { (c & 0x1F_FFFF) >> 1 } else { (c & 0xFFFF_FFFF) >> 1 }) as u32 };
    let is_fast = |c: u128| c & 1 == 1;
    #[derive(Default, Clone, Copy)]
    struct Tally {
        n_obj: u32,
        weight: f64,
        last_obj: Option<u64>,
        best_idf: f64,
    }
    impl Tally {
        fn add(&mut self, o: u64, w: f64) {
            if self.last_obj != Some(o) {
                if self.last_obj.is_some() {
                    self.weight += self.best_idf;
                }
                self.n_obj += 1;
                self.last_obj = Some(o);
                self.best_idf = w;
            } else if w > self.best_idf {
                self.best_idf = w;
            }
        }
        fn close(&mut self) {
            self.weight += self.best_idf;
            self.best_idf = 0.0;
        }
    }
    let min_rep = params.min_repetitions.max(1);
    let slow_enabled = slow_ms > window_ms;
    let mut occ_fast: Vec<u32> = Vec::new();
    let mut occ_slow: Vec<u32> = Vec::new();
    let mut cand: Vec<u128> = Vec::with_capacity(largest as usize);
    // One pass over the slices: every pair's tallies go to `visit` (which returns false to stop).
    let mut pass = |visit: &mut dyn FnMut(Held) -> bool, candidates: &mut u64| -> Result<(), DetectError> {
        for &(lo, hi) in &slices {
            cand.clear();
            // every part's candidates (the one whose events are held first: the order of emission
            // does not matter, the candidates are sorted)
            let held_part = ev_part;
            for part in std::iter::once(held_part).chain((0..n_parts).filter(|&q| q != held_part)) {
                if part != ev_part {
                    drop(std::mem::take(&mut ev));
                    ev = part_events(part);
                    ev_part = part;
                }
                let (first, end) = (part_groups[part as usize], part_groups[part as usize + 1]);
                for (id, g) in groups.iter().enumerate().take(end).skip(first) {
                    if id % 4096 == 0 && cancelled() {
                        return Err(DetectError::Cancelled);
                    }
                    emit(&ev, g, id, lo, &mut |a, b, low| {
                        if a >= lo && a < hi {
                            cand.push(((a as u128) << 96) | ((b as u128) << 64) | low as u128);
                        }
                    });
                }
            }
            *candidates += cand.len() as u64;
            cand.sort_unstable();
            let mut i = 0usize;
            while i < cand.len() {
                let pair = (cand[i] >> 64) as u64;
                let (mut tf, mut ts) = (Tally::default(), Tally::default());
                occ_fast.clear();
                occ_slow.clear();
                while i < cand.len() && (cand[i] >> 64) as u64 == pair {
                    let c = cand[i];
                    let g = &groups[group_of(c)];
                    let o = obj_of(c);
                    if is_fast(c) {
                        occ_fast.push(occasion_of(c));
                        tf.add(o, g.idf);
                    }
                    if slow_enabled && g.rare {
                        occ_slow.push(occasion_of(c));
                        ts.add(o, g.idf);
                    }
                    i += 1;
                }
                tf.close();
                ts.close();
                occ_fast.sort_unstable();
                occ_fast.dedup();
                occ_slow.sort_unstable();
                occ_slow.dedup();
                // repetition: distinct objects on distinct occasions (several hashtags of one
                // post, or one afternoon's live event, are one occasion)
                let held = Held {
                    a: (pair >> 32) as u32,
                    b: pair as u32,
                    n_obj: tf.n_obj,
                    reps: tf.n_obj.min(occ_fast.len() as u32),
                    weight: tf.weight,
                    s_obj: ts.n_obj,
                    s_reps: ts.n_obj.min(occ_slow.len() as u32),
                    s_weight: ts.weight,
                };
                if !visit(held) {
                    return Ok(());
                }
            }
        }
        Ok(())
    };

    // The null model needs totals over every pair (pairs tested, co-actions in both windows);
    // the pairs that repeat enough to be tested are held meanwhile, up to HELD_PAIRS. Beyond
    // that, a second pass tests each pair as it comes, with the totals known.
    let repeats = |h: &Held| h.reps >= min_rep || (slow_enabled && h.s_reps > min_rep);
    let (mut n_pairs, mut n_fast) = (0u64, 0u64);
    // (in chunks: a growing Vec would hold up to twice its rows, and copy them as it grows)
    let mut held: Chunked<Held> = Chunked::new();
    let mut overflow = false;
    pass(
        &mut |h| {
            n_pairs += 1;
            n_fast += h.n_obj as u64;
            if !overflow && repeats(&h) {
                if held.len() >= held_pairs {
                    overflow = true;
                    held.clear();
                } else {
                    held.push(h);
                }
            }
            true
        },
        &mut stats.candidate_pairs,
    )?;

    // Null model and filters.
    let expected_of = |h: &Held| {
        if total_actions > 0.0 {
            2.0 * activity[h.a as usize] as f64 * activity[h.b as usize] as f64 * n_fast as f64
                / (total_actions * total_actions)
        } else {
            0.0
        }
    };
    let ln_alpha = chance_threshold(params, n_pairs);
    let test = |h: &Held| -> Option<PairStat> {
        let expected = expected_of(h);
        if h.reps >= min_rep && ln_poisson_tail(h.reps, expected) <= ln_alpha {
            return Some(PairStat { a: h.a, b: h.b, n_objects: h.n_obj, weight: h.weight, expected, slow: false });
        }
        // slow coordination: the same rare objects (acted on by at most 1% of the active
        // accounts) within the slow window on at least min_repetitions + 1 occasions (no chance
        // test: when one operation makes most of a method's actions, the null model of its own
        // activity predicts its co-actions)
        if slow_enabled && h.s_reps > min_rep {
            return Some(PairStat {
                a: h.a,
                b: h.b,
                n_objects: h.s_obj,
                weight: 0.5 * h.s_weight,
                expected,
                slow: true,
            });
        }
        None
    };
    // kept pairs come in (a, b) order (slices by ascending lower rank, each sorted), each once
    let mut pairs: Chunked<KeptPair> = Chunked::new();
    let mut budget_hit = false;
    let mut keep = |p: PairStat| {
        if pairs.len() as u64 >= params.max_pairs {
            budget_hit = true;
            return false;
        }
        pairs.push(KeptPair { a: p.a, b: p.b, n_objects: p.n_objects, weight: p.weight });
        true
    };
    if overflow {
        let mut again = 0u64;
        pass(&mut |h| test(&h).is_none_or(&mut keep), &mut again)?;
    } else {
        for h in held.iter() {
            if let Some(p) = test(h) {
                if !keep(p) {
                    break;
                }
            }
        }
    }
    drop(held);
    stats.budget_hit = budget_hit;
    stats.edges = pairs.len() as u64;
    debug_assert!(pairs.iter().zip(pairs.iter().skip(1)).all(|(x, y)| (x.a, x.b) < (y.a, y.b)));
    Ok(MethodResult { kind, window_ms, slow_ms: if slow_enabled { slow_ms } else { 0 }, pairs, stats })
}

/// ln of the largest chance probability a pair may have and be kept: `max_chance_p`, and at most
/// `max_chance_pairs` divided by the number of pairs tested (every pair that co-acted at least
/// once), so that the pairs expected to pass by chance alone stay few however many accounts the
/// dataset holds (Bonferroni over the pairs tested).
fn chance_threshold(params: &DetectParams, n_pairs: u64) -> f64 {
    let per_pair = params.max_chance_p.clamp(1e-300, 1.0);
    let family = params.max_chance_pairs.max(0.0) / n_pairs.max(1) as f64;
    per_pair.min(family).clamp(1e-300, 1.0).ln()
}

/// For each rank, the number of distinct objects on which it acted within the window (and within
/// the same nearest-partner bound) of another account of the same cluster, and how many distinct
/// cluster partners it had. Used for the evidence sentences.
pub(crate) fn cluster_coaction_counts(
    ds: &Dataset,
    kind: CoAction,
    window_ms: i64,
    params: &DetectParams,
    rank: &[u32],
    cluster_of_rank: &[u32],
) -> Vec<u32> {
    let max_d = max_hamming(params.similarity_threshold);
    let k_partners = params.max_partners.max(1) as usize;
    // (rank, object) hits, deduplicated; an event is a hit when it is linked to a cluster partner
    let mut hits: Vec<(u32, u64)> = Vec::new();
    let mut hit = Vec::new();
    // the cluster members' events, one part of the object keys at a time
    let n_parts = n_parts(ds, kind, PART_EVENTS);
    for part in 0..n_parts {
        let ev = events(ds, kind, rank, (part, n_parts), &|r| cluster_of_rank[r as usize] != NONE);
        let mut start = 0;
        while start < ev.len() {
            let obj = ev[start].obj;
            let mut end = start + 1;
            while end < ev.len() && ev[end].obj == obj {
                end += 1;
            }
            let g = &ev[start..end];
            hit.clear();
            hit.resize(g.len(), None);
            for i in 0..g.len() {
                for j in partners(g, i, window_ms, k_partners) {
                    if cluster_of_rank[g[i].rank as usize] != cluster_of_rank[g[j].rank as usize] {
                        continue;
                    }
                    let o = if kind == CoAction::CoSimilarTweet {
                        let Some(fp) = near_duplicate(&ds.posts, g[i].post, g[j].post, max_d) else { continue };
                        fp
                    } else {
                        obj
                    };
                    if hit[i].is_none() {
                        hit[i] = Some(o);
                        hits.push((g[i].rank, o));
                    }
                    if hit[j].is_none() {
                        hit[j] = Some(o);
                        hits.push((g[j].rank, o));
                    }
                }
            }
            start = end;
        }
    }
    hits.sort_unstable();
    hits.dedup();
    let mut out = vec![0u32; rank.len()];
    for (r, _) in hits {
        out[r as usize] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_tail_is_sane() {
        // P(X >= 1 | 1e-9) ~ 1e-9
        let v = ln_poisson_tail(1, 1e-9);
        assert!((v - (1e-9f64).ln()).abs() < 0.01, "{v}");
        assert_eq!(ln_poisson_tail(2, 5.0), 0.0);
        // P(X >= 10 | 1) ≈ 1.1e-7
        let p = ln_poisson_tail(10, 1.0).exp();
        assert!(p > 1.0e-7 && p < 1.3e-7, "{p}");
        // Stirling branch agrees with the exact sum near the switch
        let exact: f64 = (2..=40u32).map(|k| (k as f64).ln()).sum();
        assert!((ln_factorial(40) - exact).abs() < 1e-6);
    }

    /// Cutting the accounts into slices, or testing in a second pass, changes nothing.
    #[test]
    fn slices_give_the_same_pairs() {
        let sp = crate::core::synth::scenario("mixed", 3, 0.2).expect("scenario");
        let out = crate::core::synth::generate(&sp).expect("generates");
        let ds = crate::core::synth::to_dataset(&out);
        let ctx = super::super::Ctx::new(&ds);
        let params = DetectParams::default();
        for m in params.methods.iter().filter(|m| m.enabled) {
            let run = |slice, held, parts| {
                run_method_sliced(&ds, m.kind, m.time_window_s, &params, &ctx.rank, &|| false, slice, held, parts)
                    .unwrap()
            };
            let one = run(u64::MAX, usize::MAX, usize::MAX);
            // (near-duplicates: one LSH band at a time, rebuilt for every slice)
            let many = run(2_000, usize::MAX, 0);
            assert_eq!(one.pairs, many.pairs, "{}", m.kind.name());
            assert_eq!(one.stats, many.stats, "{}", m.kind.name());
            // too many repeated pairs to hold: a second pass tests them with the totals known
            let twice = run(2_000, 10, 0);
            assert_eq!(one.pairs, twice.pairs, "{}", m.kind.name());
            assert_eq!(one.stats, twice.stats, "{}", m.kind.name());
            if m.kind == CoAction::CoRetweet {
                assert!(one.stats.candidate_pairs > 20_000 && one.pairs.len() > 0, "{:?}", one.stats);
            }
            // kept pairs come out sorted by (a, b), each once (the combined network relies on it)
            let mut next = one.pairs.iter().skip(1);
            assert!(one.pairs.iter().all(|x| next.next().is_none_or(|y| (x.a, x.b) < (y.a, y.b))), "{}", m.kind.name());
        }
    }

    /// Events built one part of the object keys at a time (near-duplicates: one LSH band each)
    /// are, part after part, every action sorted by (object, time, rank).
    #[test]
    fn parts_in_order_are_the_sorted_events() {
        let sp = crate::core::synth::scenario("copy-paste", 2, 0.2).expect("scenario");
        let ds = crate::core::synth::to_dataset(&crate::core::synth::generate(&sp).expect("generates"));
        let ctx = super::super::Ctx::new(&ds);
        for kind in [CoAction::CoSimilarTweet, CoAction::CoRetweet] {
            let parts = n_parts(&ds, kind, 0);
            let all: Vec<Event> =
                (0..parts).flat_map(|q| events(&ds, kind, &ctx.rank, (q, parts), &|_| true)).collect();
            assert_eq!(all, events(&ds, kind, &ctx.rank, (0, 1), &|_| true));
            assert!(all.windows(2).all(|w| (w[0].obj, w[0].time, w[0].rank) <= (w[1].obj, w[1].time, w[1].rank)));
            let mut n_actions = 0usize;
            actions(&ds, kind, |_, _| n_actions += 1);
            // identical actions (same object, time, account and text) count once
            assert!(all.len() <= n_actions && all.len() * 100 >= n_actions * 95, "{} of {n_actions}", all.len());
            if kind == CoAction::CoSimilarTweet {
                assert_eq!((parts, n_parts(&ds, kind, usize::MAX)), (4, 1));
                assert!((0..4).all(|q| all.iter().filter(|e| e.obj >> 16 == q).count() * 4 >= all.len() / 2));
            }
        }
    }

    /// The chance threshold tightens with the number of pairs tested, never above max_chance_p.
    #[test]
    fn chance_threshold_scales_with_pairs_tested() {
        let p = DetectParams::default();
        let few = chance_threshold(&p, 1_000).exp();
        let many = chance_threshold(&p, 500_000_000).exp();
        assert!((few - p.max_chance_p).abs() < 1e-12, "{few}");
        assert!((many - p.max_chance_pairs / 5e8).abs() < 1e-15 && many < few, "{many}");
    }

    #[test]
    fn hamming_threshold_maps_similarity() {
        assert_eq!(max_hamming(1.0), 0);
        assert!(max_hamming(0.8) >= 3 && max_hamming(0.8) <= 14);
        assert!(max_hamming(0.9) < max_hamming(0.8));
    }
}
