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
        CoAction::CoRetweet | CoAction::CoTweet | CoAction::CoSimilarTweet => (params.slow_window_s.max(0.0) * 1000.0).round() as i64,
        _ => 0,
    }
}

/// What one method produced.
pub(crate) struct MethodResult {
    pub kind: CoAction,
    pub window_ms: i64,
    /// The slow window (0 when the method has none).
    pub slow_ms: i64,
    pub pairs: Vec<PairStat>,
    pub stats: MethodStats,
}

/// One action: the object acted on, when, by whom (rank), and for near-duplicates the SimHash and
/// text fingerprint of the post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Event {
    pub obj: u64,
    pub time: i64,
    pub rank: u32,
    pub simhash: u64,
    pub fp: u64,
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

/// The events of one method, sorted by (object, time, rank). Retweets take part only in
/// co-retweet: their hashtags, links and mentions are the original's, not the account's own.
pub(crate) fn events(ds: &Dataset, kind: CoAction, rank: &[u32]) -> Vec<Event> {
    let p = &ds.posts;
    let n = p.len();
    let mut ev = Vec::new();
    let push = |ev: &mut Vec<Event>, i: usize, obj: u64| {
        ev.push(Event { obj, time: p.time_ms(i), rank: rank[p.account[i] as usize], simhash: 0, fp: 0 });
    };
    // Stable keys of interned vocabularies (computed once per method).
    let keys = |int: &Interner| -> Vec<u64> { int.iter().map(|(_, s)| key_of(s)).collect() };
    match kind {
        CoAction::CoRetweet | CoAction::CoReply => {
            let want = if kind == CoAction::CoRetweet { Kind::Retweet } else { Kind::Reply };
            for i in 0..n {
                if p.kind[i] == want && p.target_post(i) != 0 {
                    push(&mut ev, i, p.target_post(i));
                }
            }
        }
        CoAction::CoTweet => {
            for i in 0..n {
                if p.kind[i] != Kind::Retweet && p.text_fp(i) != 0 {
                    push(&mut ev, i, p.text_fp(i));
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
                    ev.push(Event {
                        obj: (band as u64) << 16 | bits,
                        time: p.time_ms(i),
                        rank: rank[p.account[i] as usize],
                        simhash: sh,
                        fp: p.text_fp(i),
                    });
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
                    push(&mut ev, i, k[u as usize]);
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
                    push(&mut ev, i, k[d as usize]);
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
                    push(&mut ev, i, k[h as usize] & !(1 << 63));
                }
                if row.len() >= 2 {
                    // the identical hashtag sequence is an object of its own
                    let mut seq = 0xcbf2_9ce4_8422_2325u64;
                    for &h in row {
                        seq = (seq ^ k[h as usize]).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(7);
                    }
                    push(&mut ev, i, seq | (1 << 63));
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
                    push(&mut ev, i, k[m as usize]);
                }
            }
        }
    }
    ev.sort_unstable();
    ev.dedup();
    ev
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

/// Run one method: candidates, sort-and-count, null model, filters.
pub(crate) fn run_method(
    ds: &Dataset,
    kind: CoAction,
    window_s: f64,
    params: &DetectParams,
    rank: &[u32],
    cancelled: &dyn Fn() -> bool,
) -> Result<MethodResult, DetectError> {
    let window_ms = (window_s.max(0.0) * 1000.0).round() as i64;
    let slow_ms = slow_window_ms(kind, params).max(window_ms);
    let scan_ms = slow_ms;
    let ev = events(ds, kind, rank);
    let n_ranks = rank.len();
    let mut stats = MethodStats { kind, objects: 0, candidate_pairs: 0, edges: 0, budget_hit: false };
    // Activity per account: actions (distinct (object, time) events; for near-duplicates one per
    // post, counted on band 0).
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

    // Candidates: (pair << 32 | group) in u128; object weights per group.
    let mut cand: Vec<u128> = Vec::new();
    let mut group_idf: Vec<f64> = Vec::new();
    let mut group_rare: Vec<bool> = Vec::new();
    let rare_max = (n_active / 100.0).max(20.0) as usize;
    let mut scratch: Vec<u32> = Vec::new();
    let mut start = 0usize;
    let budget = params.max_pairs;
    'groups: while start < ev.len() {
        if start.is_multiple_of(4096) && cancelled() {
            return Err(DetectError::Cancelled);
        }
        let obj = ev[start].obj;
        let mut end = start + 1;
        while end < ev.len() && ev[end].obj == obj {
            end += 1;
        }
        let g = &ev[start..end];
        if g.len() >= 2 {
            scratch.clear();
            scratch.extend(g.iter().map(|e| e.rank));
            scratch.sort_unstable();
            scratch.dedup();
            if scratch.len() >= 2 {
                let idf = ((1.0 + n_active) / scratch.len() as f64).ln().max(0.0);
                let group_id = group_idf.len() as u64;
                group_idf.push(idf);
                group_rare.push(scratch.len() <= rare_max);
                for i in 0..g.len() {
                    let mut linked = 0usize;
                    for j in i + 1..g.len() {
                        if g[j].time - g[i].time > scan_ms || linked >= k_partners {
                            break;
                        }
                        if g[j].rank == g[i].rank {
                            continue;
                        }
                        linked += 1;
                        let fast = (g[j].time - g[i].time <= window_ms) as u128;
                        let (a, b) = if g[i].rank < g[j].rank { (g[i].rank, g[j].rank) } else { (g[j].rank, g[i].rank) };
                        if kind == CoAction::CoSimilarTweet {
                            if g[i].fp == g[j].fp || (g[i].simhash ^ g[j].simhash).count_ones() > max_d {
                                continue;
                            }
                            // the object is the narrative: the smaller of the two texts'
                            // fingerprints (32 bits of it), so a pair of posts that meets in
                            // several bands counts once; the low 32 bits keep the group (its idf)
                            let text_key = (g[i].fp.min(g[j].fp) & 0xFF_FFFF) as u128;
                            let day = (g[i].time.div_euclid(occasion_ms).clamp(0, 0xF_FFFF) as u128) << 1 | fast;
                            cand.push(
                                ((a as u128) << 96)
                                    | ((b as u128) << 64)
                                    | (text_key << 40)
                                    | ((group_id as u128 & 0x7_FFFF) << 21)
                                    | day,
                            );
                        } else {
                            let day = ((g[i].time.div_euclid(occasion_ms) + (1 << 30)).clamp(0, 0x7FFF_FFFF) as u128) << 1 | fast;
                            cand.push(((a as u128) << 96) | ((b as u128) << 64) | ((group_id as u128) << 32) | day);
                        }
                        if cand.len() as u64 >= budget {
                            stats.budget_hit = true;
                            stats.objects += 1;
                            break 'groups;
                        }
                    }
                }
                stats.objects += 1;
            }
        }
        start = end;
    }
    stats.candidate_pairs = cand.len() as u64;
    if cancelled() {
        return Err(DetectError::Cancelled);
    }
    cand.sort_unstable();

    // Count distinct objects and distinct occasions per pair and sum the objects' weights. Low
    // 64 bits: object group (32) | occasion (32); for near-duplicates text key (24) | LSH bucket
    // (19, its idf) | occasion (21), deduplicated on the text key.
    let similar = kind == CoAction::CoSimilarTweet;
    let obj_of = |c: u128| -> u64 { if similar { ((c >> 40) & 0xFF_FFFF) as u64 } else { ((c >> 32) & 0xFFFF_FFFF) as u64 } };
    let idf_of = |c: u128| -> f64 {
        let g = if similar { (c >> 21) & 0x7_FFFF } else { (c >> 32) & 0xFFFF_FFFF };
        group_idf.get(g as usize).copied().unwrap_or(0.0)
    };
    let group_of = |c: u128| -> usize { (if similar { (c >> 21) & 0x7_FFFF } else { (c >> 32) & 0xFFFF_FFFF }) as usize };
    let occasion_of = |c: u128| -> u32 { (if similar { (c & 0x1F_FFFF) >> 1 } else { (c & 0xFFFF_FFFF) >> 1 }) as u32 };
    let is_fast = |c: u128| c & 1 == 1;
    // per pair, for the fast window and for the slow window on rare objects:
    // (distinct objects, distinct occasions, weight)
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
    let mut occ_fast: Vec<u32> = Vec::new();
    let mut occ_slow: Vec<u32> = Vec::new();
    // (a, b, fast objects, fast occasions, fast weight, slow objects, slow occasions, slow weight)
    type Raw = (u32, u32, u32, u32, f64, u32, u32, f64);
    let mut raw: Vec<Raw> = Vec::new();
    let mut i = 0usize;
    let mut n_fast_pairs_objects: u64 = 0;
    let slow_enabled = slow_ms > window_ms;
    while i < cand.len() {
        let pair = (cand[i] >> 64) as u64;
        let (mut tf, mut ts) = (Tally::default(), Tally::default());
        occ_fast.clear();
        occ_slow.clear();
        while i < cand.len() && (cand[i] >> 64) as u64 == pair {
            let c = cand[i];
            let (o, w) = (obj_of(c), idf_of(c));
            if is_fast(c) {
                occ_fast.push(occasion_of(c));
                tf.add(o, w);
            }
            if slow_enabled && group_rare.get(group_of(c)).copied().unwrap_or(false) {
                occ_slow.push(occasion_of(c));
                ts.add(o, w);
            }
            i += 1;
        }
        tf.close();
        ts.close();
        n_fast_pairs_objects += tf.n_obj as u64;
        occ_fast.sort_unstable();
        occ_fast.dedup();
        occ_slow.sort_unstable();
        occ_slow.dedup();
        raw.push(((pair >> 32) as u32, pair as u32, tf.n_obj, occ_fast.len() as u32, tf.weight, ts.n_obj, occ_slow.len() as u32, ts.weight));
    }
    drop(cand);

    // Null model and filters.
    let p_total = n_fast_pairs_objects as f64;
    let ln_alpha = params.max_chance_p.clamp(1e-300, 1.0).ln();
    let min_rep = params.min_repetitions.max(1);
    let mut pairs = Vec::new();
    for (a, b, n_obj, n_occasions, weight, s_obj, s_occasions, s_weight) in raw {
        // repetition: distinct objects on distinct occasions (several hashtags of one post, or one
        // afternoon's live event, are one occasion)
        let repetitions = n_obj.min(n_occasions);
        let expected = if total_actions > 0.0 {
            2.0 * activity[a as usize] as f64 * activity[b as usize] as f64 * p_total / (total_actions * total_actions)
        } else {
            0.0
        };
        if repetitions >= min_rep && ln_poisson_tail(repetitions, expected) <= ln_alpha {
            pairs.push(PairStat { a, b, n_objects: n_obj, weight, expected, slow: false });
            continue;
        }
        // slow coordination: the same rare objects (acted on by at most 1% of the active
        // accounts) within the slow window on at least min_repetitions + 1 occasions
        if slow_enabled && s_obj.min(s_occasions) > min_rep {
            pairs.push(PairStat { a, b, n_objects: s_obj, weight: 0.5 * s_weight, expected, slow: true });
        }
    }
    stats.edges = pairs.len() as u64;
    Ok(MethodResult { kind, window_ms, slow_ms: if slow_enabled { slow_ms } else { 0 }, pairs, stats })
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
    let mut ev = events(ds, kind, rank);
    ev.retain(|e| cluster_of_rank[e.rank as usize] != NONE);
    // (rank, object) hits, deduplicated; an event is a hit when it is linked to a cluster partner
    let mut hits: Vec<(u32, u64)> = Vec::new();
    let mut hit = Vec::new();
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
            let mut linked = 0;
            for j in i + 1..g.len() {
                if g[j].time - g[i].time > window_ms || linked >= k_partners {
                    break;
                }
                if g[j].rank == g[i].rank {
                    continue;
                }
                linked += 1;
                if cluster_of_rank[g[i].rank as usize] != cluster_of_rank[g[j].rank as usize] {
                    continue;
                }
                let o = if kind == CoAction::CoSimilarTweet {
                    if g[i].fp == g[j].fp || (g[i].simhash ^ g[j].simhash).count_ones() > max_d {
                        continue;
                    }
                    g[i].fp.min(g[j].fp)
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

    #[test]
    fn hamming_threshold_maps_similarity() {
        assert_eq!(max_hamming(1.0), 0);
        assert!(max_hamming(0.8) >= 3 && max_hamming(0.8) <= 14);
        assert!(max_hamming(0.9) < max_hamming(0.8));
    }
}
