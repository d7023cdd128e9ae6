//! Roles inside each coordinated cluster: **core** accounts (whose content the cluster amplifies,
//! or who publish the cluster's narratives) and **amplifiers** (whose activity is mostly boosting
//! the core), including amplifiers outside the co-action clusters.
//!
//! A *boost* is a retweet, quote or reply of another account's post. For a co-action cluster `c`:
//! 1. Core candidates are the accounts its members boost: at least `amplifier_min_boosts` boosts
//!    from at least two members.
//! 2. (reserved)
//! 3. A candidate is core when the share of all the boosts it receives that come from the
//!    cluster's members is at least `core_min_echo_share` — the echo chamber. A popular organic
//!    account that a network also boosts receives most of its engagement from elsewhere and is
//!    not core.
//! 4. Members: core when they are core targets; amplifier when their boosts of the core are at
//!    least `amplifier_min_share` of their boosts, or more than the core's popularity explains (see
//!    below), and those boosts are a quarter of their activity; members that
//!    mostly retweet other content are left unflagged; the rest publish own text: core when they
//!    are copied or tied by text, link or hashtag co-actions, except in a *led* copy-paste cluster
//!    (a fifth of the members receive 70% of the copies of member texts) where those who copy more
//!    than they are copied are amplifiers. A leaderless copy-paste network is all core.
//! 5. Outside accounts (in no cluster) are the cluster's amplifiers when at least
//!    `amplifier_min_share` of their boosts go to its core, on at least `amplifier_min_boosts`
//!    distinct posts of two or more core accounts (fans of one account are not a network), boosts
//!    of the core are at least a quarter of all they do, and the median delay after the post is at
//!    most `amplifier_max_delay_s`.
//!
//! *More than the core's popularity explains*, for a member of cluster `c` that made `n` boosts of
//! which `k` went to `c`'s core: under the null that its boosts pick their targets the way the
//! boosts of everyone outside `c` do, each lands on the core with probability
//! `q = (o_core + ½) / (o + 1)`, `o` the boosts made by accounts outside `c` and `o_core` those of
//! them that went to `c`'s core; `k` is then Binomial(n, q), taken as Poisson(n·q), whose upper
//! tail is the larger one above the mean (`q` is small: the core is an echo chamber, most of its
//! boosts come from `c`). The member is an amplifier when `P(X ≥ k) ≤ max_chance_p`. An account
//! of a disguised operation that spends most of its boosts on popular organic content still
//! boosts a core that nobody else boosts, far beyond chance; a member boosting a core that is
//! popular outside the cluster needs a share instead. Only co-action members are tested this way
//! (they are already tied to the cluster beyond chance); outside amplifiers (5.) still need the
//! share.
//!
//! A cluster tied only by co-boosting (co-retweet / co-reply) whose core has fewer than two
//! accounts, or which spends less than 40% of its boosts on its core and is not an amplifier
//! network (below), is an audience, not an operation (fans of a celebrity, a viral storm, heavy
//! retweeters of popular accounts): it is not flagged.
//!
//! *Amplifier network.* The pooled share of the members' boosts is a poor measure of a community
//! that co-boosting builds: an operation whose amplifiers spend most of their boosts on popular
//! organic posts (to look organic) co-retweets those posts with ordinary accounts that retweet
//! them too, and those accounts join its community. They dilute the pooled share (in our
//! synthetic "hard" scenario, about 110 organic accounts in a community of 290 bring it to 24%,
//! when the operation's own amplifiers give its core about 40%), and their number grows with the
//! popularity of what the operation mimics, not with the operation. So the community is judged
//! member by member instead: it is an operation when at least [`AMPLIFIED_MIN_MEMBERS`] (a
//! quarter) of its members outside the core, and at least `min_cluster_size`, each *amplify* the
//! core — step 4's member test (core boosts beyond the core's popularity or at least
//! `amplifier_min_share` of its boosts, and a quarter of its activity) on at least
//! `amplifier_min_boosts` distinct core posts. An audience boosts the accounts it follows in
//! proportion to their appeal: a storm crowd's members touch the obscure accounts that happen to
//! be boosted mostly by that crowd once or twice among dozens of viral retweets, so almost none
//! passes (none in the 106–155-member storm communities with two to four core accounts seen on
//! synthetic seeds 1–5), while an amplifier network is built of such members (56% of the non-core
//! members of the disguised operation's community: 158 of 281, 155 of 277). The members that do not amplify the core stay unflagged as before (step 4); the
//! audience rule for fans of one account is unchanged (a fan club amplifies its idol by this
//! test, so it needs two core accounts). The reason `amplifier_network` on every flagged account
//! of such a cluster gives its numbers.

use super::chunked::collect_exact;
use super::{Ctx, DetectParams, Role};
use crate::core::model::*;

/// Per-rank evidence gathered while assigning roles.
#[derive(Clone, Debug, Default)]
pub(crate) struct RoleFacts {
    /// Boosts received from the cluster (members and its amplifiers) / distinct boosters / share
    /// of all boosts received that come from the cluster.
    pub recv_boosts: u32,
    pub recv_boosters: u32,
    pub recv_echo: f64,
    /// Boosts of the cluster's core made, distinct core posts boosted, median delay (s).
    pub core_boosts: u32,
    pub core_posts: u32,
    pub core_delay_s: Option<f64>,
    /// Posts of the account (all kinds), retweets, own-text posts.
    pub activity: u32,
    pub retweets: u32,
    pub original: u32,
    /// Own-text posts repeating an earlier post of another member (copy-paste boosting).
    pub copies_made: u32,
    /// Copies of its posts made by other members, and by how many members.
    pub copies_received: u32,
    pub copied_by: u32,
    /// Amplifiers called so by the popularity test (their core boosts are less than
    /// `amplifier_min_share` of their boosts): their boosts, and the core boosts the core's
    /// popularity outside the cluster explains (boosts × the share of outside boosts it receives).
    pub beyond_popularity: Option<(u32, f64)>,
    /// Flagged accounts of a cluster kept by the amplifier-network test although tied only by
    /// co-boosting and giving its core less than `AUDIENCE_MAX_CORE_SHARE` of its boosts.
    pub amplified: Option<AmplifiedCore>,
}

/// Why a cluster tied only by co-boosting, whose members give less than
/// [`AUDIENCE_MAX_CORE_SHARE`] of their boosts to its core, is an operation and not an audience.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AmplifiedCore {
    /// Share of the members' boosts that go to the core.
    pub core_share: f64,
    /// Members (not core) that each amplify the core (see [`AMPLIFIED_MIN_MEMBERS`]).
    pub amplifying: u32,
    /// Members that are not core.
    pub others: u32,
}

/// A cluster tied only by co-boosting whose members give less than this share of their boosts to
/// its core is an audience, unless it is an amplifier network by [`AMPLIFIED_MIN_MEMBERS`].
pub(crate) const AUDIENCE_MAX_CORE_SHARE: f64 = 0.4;

/// Share of a co-boosting cluster's non-core members that must each amplify its core (step 4's
/// member test, on at least `amplifier_min_boosts` distinct core posts) for the cluster to be an
/// operation although its members' pooled boosts go mostly elsewhere.
pub(crate) const AMPLIFIED_MIN_MEMBERS: f64 = 0.25;

pub(crate) struct RoleResult {
    /// Cluster of each rank (`NONE` when unflagged), after attaching core and amplifiers.
    pub cluster: Vec<u32>,
    pub role: Vec<Role>,
    /// Whether each rank is a co-action member (else attached from outside).
    pub member: Vec<bool>,
    pub facts: Vec<RoleFacts>,
    /// Number of co-action clusters that were audiences, not operations (not flagged).
    pub audiences: u32,
}

/// A boost: who, whom, which post (index when in the dataset), delay in ms (when known).
/// 24 bytes: the delay is stored as `-1` when unknown (known delays are `>= 0`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Boost {
    pub booster: u32,
    pub target: u32,
    pub target_post: u64,
    delay: i64,
}

impl Boost {
    /// Delay from the boosted post to the boost, in ms, when the boosted post is in the dataset.
    pub fn delay_ms(&self) -> Option<i64> {
        (self.delay >= 0).then_some(self.delay)
    }
}

/// Every boost in the dataset (ranks), sorted by (booster, target, post, delay): by every field,
/// so the order does not depend on the order of the posts.
pub(crate) fn boosts(ds: &Dataset, ctx: &Ctx) -> Vec<Boost> {
    let p = &ds.posts;
    // Every post that may be a boost, with what is needed of it, read in one pass in post order
    // (`target` holds the target's author, `NONE` when unknown, and `delay` the boost's time, for
    // now); then their target posts are looked up in target id order, walking the sorted post
    // ids once, and each entry is rewritten in place. (One binary search per boost costs two
    // cache misses per step when the rows come in archive order, where consecutive boosts aim
    // at posts far apart: at 1M posts 0.2 s became 1-1.4 s.) Room for every post that may be a
    // boost is taken at once: a doubling Vec would hold up to twice the boosts, and copy them.
    let mut out = Vec::with_capacity(p.kind.iter().filter(|&&k| k != Kind::Post).count());
    for i in 0..p.len() {
        if p.kind[i] == Kind::Post {
            continue;
        }
        out.push(Boost {
            booster: ctx.rank[p.account[i] as usize],
            target: p.target_account(i),
            target_post: p.target_post(i),
            delay: p.time_ms(i),
        });
    }
    out.sort_unstable_by_key(|b| b.target_post);
    let mut ids = ctx.ids_in_order(ds).peekable();
    let mut kept = 0;
    for k in 0..out.len() {
        let Boost { booster, target: target_account, target_post, delay: time_ms } = out[k];
        let found = if target_post == 0 {
            None
        } else {
            while ids.next_if(|&(id, _)| id < target_post).is_some() {}
            ids.peek().filter(|&&(id, _)| id == target_post).map(|&(_, j)| j)
        };
        let target_acc =
            if target_account != NONE { Some(target_account) } else { found.map(|j| p.account[j as usize]) };
        let Some(ta) = target_acc else { continue };
        let target = ctx.rank[ta as usize];
        if target == booster {
            continue;
        }
        let delay = found.map(|j| time_ms - p.time_ms(j as usize)).filter(|&d| d >= 0).unwrap_or(-1);
        out[kept] = Boost { booster, target, target_post, delay };
        kept += 1;
    }
    out.truncate(kept);
    // (-1 sorts before every known delay, as `None` did before `Some`). The key is every field,
    // so boosts that compare equal are identical and an unstable sort (in place, no buffer) gives
    // the order a stable one would, whatever order they were found in.
    out.sort_unstable_by_key(|b| (b.booster, b.target, b.target_post, b.delay));
    out
}

fn median_i64(v: &mut [i64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0 })
}

/// Boosts of `booster` (its slice of the sorted boosts) aimed at ranks with `is_core(target)`:
/// (boosts, distinct posts, median delay s).
fn boosts_to(slice: &[Boost], is_core: impl Fn(u32) -> bool) -> (u32, u32, Option<f64>) {
    let mut n = 0u32;
    let mut posts: Vec<u64> = Vec::new();
    let mut delays: Vec<i64> = Vec::new();
    for b in slice {
        if is_core(b.target) {
            n += 1;
            posts.push(b.target_post);
            if let Some(d) = b.delay_ms() {
                delays.push(d);
            }
        }
    }
    posts.sort_unstable();
    posts.dedup();
    (n, posts.len() as u32, median_i64(&mut delays).map(|ms| ms / 1000.0))
}

/// Copies: an own-text post that repeats, identically or nearly, an earlier post of another
/// account. For a co-action member the source must be in its cluster or in no cluster. Returns
/// (source rank, copier rank, source post) per copy, sorted. Copying a text is boosting it (the copy-paste
/// amplifier); the copied author is the narrative's originator (core).
pub(crate) fn copies(ds: &Dataset, ctx: &Ctx, params: &DetectParams, coaction_cluster: &[u32]) -> Vec<(u32, u32, u32)> {
    let p = &ds.posts;
    // own-text posts (each band's rows are made from the columns, not from a list of them)
    let own = |i: usize| p.kind[i] == Kind::Post && p.text_fp(i) != 0;
    let mut source: Vec<(u32, i64, u32, u32)> = Vec::new(); // (copy post, source time, source rank, source post)
    let max_d = super::coaction::max_hamming(params.similarity_threshold);
    let mut keyed: Vec<(u64, i64, u32, u32)> = Vec::with_capacity((0..p.len()).filter(|&i| own(i)).count());
    // exact copies: key = fp; near copies: key = band | bits, checked by Hamming distance
    for band in 0..5u32 {
        keyed.clear();
        for i in (0..p.len()).filter(|&i| own(i)) {
            let key =
                if band == 4 { p.text_fp(i) } else { (band as u64) << 16 | (p.simhash(i) >> (16 * band)) & 0xFFFF };
            keyed.push((key, p.time_ms(i), ctx.rank[p.account[i] as usize], i as u32));
        }
        keyed.sort_unstable();
        let mut a = 0;
        while a < keyed.len() {
            let mut b = a + 1;
            while b < keyed.len() && keyed[b].0 == keyed[a].0 {
                b += 1;
            }
            for j in a + 1..b {
                let (_, tj, rj, ij) = keyed[j];
                let cj = coaction_cluster[rj as usize];
                // the earliest earlier matching post of an eligible account (bounded scan)
                for &(_, ti, ri, ii) in keyed[a..j].iter().take(64) {
                    if ti >= tj || ri == rj {
                        continue;
                    }
                    let ci = coaction_cluster[ri as usize];
                    if cj != NONE && ci != NONE && ci != cj {
                        continue;
                    }
                    let same = p.text_fp(ii as usize) == p.text_fp(ij as usize);
                    if band == 4 || same || (p.simhash(ii as usize) ^ p.simhash(ij as usize)).count_ones() <= max_d {
                        source.push((ij, ti, ri, ii));
                        break;
                    }
                }
            }
            a = b;
        }
    }
    // one source per copy: the earliest
    source.sort_unstable();
    source.dedup_by_key(|x| x.0);
    let author = |i: u32| ctx.rank[p.account[i as usize] as usize];
    let mut out: Vec<(u32, u32, u32)> =
        source.iter().map(|&(i, _, src, src_post)| (src, author(i), src_post)).collect();
    out.sort_unstable();
    out
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn assign(
    ds: &Dataset,
    ctx: &Ctx,
    params: &DetectParams,
    coaction_cluster: &[u32],
    n_clusters: usize,
    boost_only: &[bool],
    all_boosts: &[Boost],
    text_ties_of: &[bool],
) -> RoleResult {
    let n = ctx.rank.len();
    let min_boosts = params.amplifier_min_boosts.max(1);
    // per-rank activity
    let mut facts = vec![RoleFacts::default(); n];
    let p = &ds.posts;
    for i in 0..p.len() {
        let r = ctx.rank[p.account[i] as usize] as usize;
        facts[r].activity += 1;
        match p.kind[i] {
            Kind::Retweet => facts[r].retweets += 1,
            _ if p.text_fp(i) != 0 => facts[r].original += 1,
            _ => {}
        }
    }
    let activity: Vec<u32> = facts.iter().map(|f| f.activity).collect();
    let copy_pairs = copies(ds, ctx, params, coaction_cluster);
    let mut copied = vec![(0u32, 0u32); n]; // members: (copies by own-cluster members, copiers)
    let mut copy_core_of: Vec<(u32, u32)> = vec![(NONE, 0); n]; // outsiders copied by a cluster
    {
        let mut total_copies = vec![0u32; n];
        for &(src, _, _) in &copy_pairs {
            total_copies[src as usize] += 1;
        }
        let mut rows: Vec<(u32, u32, u32, u32)> = copy_pairs
            .iter()
            .filter(|&&(s, c, _)| {
                let cc = coaction_cluster[c as usize];
                cc != NONE && (coaction_cluster[s as usize] == cc || coaction_cluster[s as usize] == NONE)
            })
            .map(|&(s, c, sp)| (coaction_cluster[c as usize], s, c, sp))
            .collect();
        rows.sort_unstable();
        let mut i = 0;
        while i < rows.len() {
            let (c, src, _, _) = rows[i];
            let mut j = i;
            let mut copiers = 0;
            let mut last = u32::MAX;
            while j < rows.len() && rows[j].0 == c && rows[j].1 == src {
                if rows[j].2 != last {
                    copiers += 1;
                    last = rows[j].2;
                }
                facts[rows[j].2 as usize].copies_made += 1;
                j += 1;
            }
            let nc = (j - i) as u32;
            let mut posts: Vec<u32> = rows[i..j].iter().map(|x| x.3).collect();
            posts.sort_unstable();
            posts.dedup();
            if coaction_cluster[src as usize] == c {
                copied[src as usize] = (nc, copiers);
            } else if nc >= min_boosts
                && copiers >= 2
                && posts.len() as u32 >= min_boosts
                && nc as f64 >= params.core_min_echo_share * total_copies[src as usize] as f64
                && nc > copy_core_of[src as usize].1
            {
                copy_core_of[src as usize] = (c, nc);
            }
            facts[src as usize].copied_by = facts[src as usize].copied_by.max(copiers);
            facts[src as usize].copies_received = facts[src as usize].copies_received.max(nc);
            i = j;
        }
    }
    // slices of boosts per booster
    let mut boost_off = vec![0usize; n + 1];
    for b in all_boosts {
        boost_off[b.booster as usize + 1] += 1;
    }
    for i in 0..n {
        boost_off[i + 1] += boost_off[i];
    }
    let slice = |r: u32| &all_boosts[boost_off[r as usize]..boost_off[r as usize + 1]];
    // boosts received, from anyone
    let mut recv_total = vec![0u32; n];
    for b in all_boosts {
        recv_total[b.target as usize] += 1;
    }

    // 1. candidates per cluster: (cluster, target) -> boosts, distinct members
    let mut member_boosts: Vec<(u32, u32, u32)> = collect_exact(|| {
        all_boosts
            .iter()
            .filter(|b| coaction_cluster[b.booster as usize] != NONE)
            .map(|b| (coaction_cluster[b.booster as usize], b.target, b.booster))
    });
    member_boosts.sort_unstable();
    // a core account is boosted by a real part of the cluster: at least 2 members, and 5% of them
    let mut min_boosters = vec![0u32; n_clusters];
    for &c in coaction_cluster {
        if c != NONE {
            min_boosters[c as usize] += 1;
        }
    }
    for m in min_boosters.iter_mut() {
        *m = (*m / 20).max(2);
    }
    // candidate_of[target] = (cluster, boosts) best cluster
    let mut candidate_of: Vec<(u32, u32)> = vec![(NONE, 0); n];
    let mut i = 0;
    while i < member_boosts.len() {
        let (c, t, _) = member_boosts[i];
        let mut j = i;
        let mut boosters = 0u32;
        let mut last = u32::MAX;
        while j < member_boosts.len() && member_boosts[j].0 == c && member_boosts[j].1 == t {
            if member_boosts[j].2 != last {
                boosters += 1;
                last = member_boosts[j].2;
            }
            j += 1;
        }
        let nb = (j - i) as u32;
        let own = coaction_cluster[t as usize];
        if nb >= min_boosts
            && boosters >= min_boosters[c as usize]
            && (own == NONE || own == c)
            && nb > candidate_of[t as usize].1
        {
            candidate_of[t as usize] = (c, nb);
        }
        i = j;
    }
    drop(member_boosts);

    let outside = |r: u32, cand: &[(u32, u32)]| coaction_cluster[r as usize] == NONE && cand[r as usize].0 == NONE;
    // 2./5. dedicated outside boosters of a target set
    let dedicated = |core_of: &dyn Fn(u32) -> u32, cand: &[(u32, u32)]| -> Vec<(u32, u32, u32, Option<f64>)> {
        // (rank, cluster, boosts, ...) for outside ranks passing the amplifier tests
        let mut out = Vec::new();
        for r in 0..n as u32 {
            if !outside(r, cand) {
                continue;
            }
            let s = slice(r);
            if s.is_empty() {
                continue;
            }
            // which cluster gets most of its boosts
            let mut per: Vec<u32> = s.iter().map(|b| core_of(b.target)).filter(|&c| c != NONE).collect();
            if per.is_empty() {
                continue;
            }
            per.sort_unstable();
            let (mut best_c, mut best_n, mut k) = (NONE, 0usize, 0usize);
            while k < per.len() {
                let mut e = k;
                while e < per.len() && per[e] == per[k] {
                    e += 1;
                }
                if e - k > best_n {
                    best_n = e - k;
                    best_c = per[k];
                }
                k = e;
            }
            let (nb, posts, delay) = boosts_to(s, |t| core_of(t) == best_c);
            // fans of one account are not a network's amplifiers: boost two or more core accounts
            let mut authors: Vec<u32> = s.iter().filter(|b| core_of(b.target) == best_c).map(|b| b.target).collect();
            authors.dedup();
            if authors.len() < 2 {
                continue;
            }
            // share of its boosts that go to this core, and boosting is a large part of what it does
            let share = nb as f64 / s.len().max(1) as f64;
            let activity_share = nb as f64 / activity[r as usize].max(1) as f64;
            let fast = delay.is_none_or(|d| d <= params.amplifier_max_delay_s);
            if nb >= min_boosts
                && posts >= min_boosts
                && share >= params.amplifier_min_share
                && activity_share >= 0.25
                && fast
            {
                out.push((r, best_c, nb, delay));
            }
        }
        out
    };
    // echo is measured against the co-action members only: counting outside boosters would let
    // the fans of one celebrity turn it into a "core"
    let booster_cluster: Vec<u32> = coaction_cluster.to_vec();
    // 3. echo test
    let mut core_cluster = vec![NONE; n];
    let mut recv_from_cluster = vec![(0u32, 0u32); n];
    {
        let mut rows: Vec<(u32, u32)> = collect_exact(|| {
            all_boosts
                .iter()
                .filter(|b| {
                    let c = candidate_of[b.target as usize].0;
                    c != NONE && booster_cluster[b.booster as usize] == c
                })
                .map(|b| (b.target, b.booster))
        });
        rows.sort_unstable();
        let mut i = 0;
        while i < rows.len() {
            let t = rows[i].0;
            let mut j = i;
            let mut boosters = 0;
            let mut last = u32::MAX;
            while j < rows.len() && rows[j].0 == t {
                if rows[j].1 != last {
                    boosters += 1;
                    last = rows[j].1;
                }
                j += 1;
            }
            recv_from_cluster[t as usize] = ((j - i) as u32, boosters);
            i = j;
        }
    }
    for t in 0..n {
        let c = candidate_of[t].0;
        if c == NONE {
            continue;
        }
        let (nb, boosters) = recv_from_cluster[t];
        let echo = nb as f64 / recv_total[t].max(1) as f64;
        facts[t].recv_boosts = nb;
        facts[t].recv_boosters = boosters;
        facts[t].recv_echo = echo;
        if echo >= params.core_min_echo_share {
            core_cluster[t] = c;
        }
    }
    // audiences: clusters tied only by co-boosting whose boosted accounts are not echo chambers
    let mut n_core = vec![0u32; n_clusters];
    for &c in &core_cluster {
        if c != NONE {
            n_core[c as usize] += 1;
        }
    }
    // share of the members' boosts that go to the cluster's core
    let mut to_core = vec![(0u64, 0u64); n_clusters];
    for b in all_boosts {
        let c = coaction_cluster[b.booster as usize];
        if c != NONE {
            to_core[c as usize].1 += 1;
            if core_cluster[b.target as usize] == c {
                to_core[c as usize].0 += 1;
            }
        }
    }
    // the core's popularity outside each cluster: the share of the boosts made by non-members
    // that go to the cluster's core (the null of the member test of step 4 and of the audience
    // test; ½ and 1 keep it above 0)
    let mut outside_to_core = vec![0u64; n_clusters];
    for t in 0..n {
        let c = core_cluster[t];
        if c != NONE {
            outside_to_core[c as usize] += recv_total[t].saturating_sub(recv_from_cluster[t].0) as u64;
        }
    }
    let core_popularity: Vec<f64> = (0..n_clusters)
        .map(|c| {
            let outside_boosts = (all_boosts.len() as u64).saturating_sub(to_core[c].1);
            (outside_to_core[c] as f64 + 0.5) / (outside_boosts as f64 + 1.0)
        })
        .collect();
    // whether a member's boosts of its cluster's core make it an amplifier (step 4): at least
    // `amplifier_min_boosts` of them, a quarter of its activity, and most of its boosting or more
    // than the core's popularity outside the cluster explains
    let ln_max_chance_p = params.max_chance_p.clamp(1e-300, 1.0).ln();
    let amplifies = |core_boosts: u32, boosts: usize, activity: u32, c: usize| {
        let n_boosts = boosts as f64;
        let beyond_popularity =
            || super::coaction::ln_poisson_tail(core_boosts, n_boosts * core_popularity[c]) <= ln_max_chance_p;
        core_boosts >= min_boosts
            && (core_boosts as f64 >= params.amplifier_min_share * n_boosts || beyond_popularity())
            && core_boosts as f64 >= 0.25 * activity.max(1) as f64
    };
    // per cluster: members other than its core, and those of them that amplify the core on at
    // least `amplifier_min_boosts` distinct core posts (the audience test below)
    let mut others = vec![0u32; n_clusters];
    let mut amplifying = vec![0u32; n_clusters];
    for r in 0..n {
        let c = coaction_cluster[r];
        if c == NONE || core_cluster[r] == c || !boost_only[c as usize] {
            continue;
        }
        others[c as usize] += 1;
        let s = slice(r as u32);
        let (nb, posts, _) = boosts_to(s, |t| core_cluster[t as usize] == c);
        if posts >= min_boosts && amplifies(nb, s.len(), facts[r].activity, c as usize) {
            amplifying[c as usize] += 1;
        }
    }
    let mut audience = vec![false; n_clusters];
    let mut audiences = 0;
    let mut amplified = vec![None; n_clusters];
    for c in 0..n_clusters {
        if !boost_only[c] {
            continue;
        }
        // fans of one account, or a crowd whose boosts mostly go to accounts whose engagement
        // comes from elsewhere — unless a real part of the crowd amplifies the core, each member
        // beyond what the core's popularity explains (an amplifier network that also boosts
        // popular content, joined by organic accounts boosting the same popular posts)
        let core_share = to_core[c].0 as f64 / to_core[c].1.max(1) as f64;
        let network = amplifying[c] >= params.min_cluster_size.max(2)
            && amplifying[c] as f64 >= AMPLIFIED_MIN_MEMBERS * others[c].max(1) as f64;
        if n_core[c] < 2 || (core_share < AUDIENCE_MAX_CORE_SHARE && !network) {
            audience[c] = true;
            audiences += 1;
        } else if core_share < AUDIENCE_MAX_CORE_SHARE {
            amplified[c] = Some(AmplifiedCore { core_share, amplifying: amplifying[c], others: others[c] });
        }
    }
    // a cluster is led when a fifth of its members receive at least 70% of the copies of member
    // texts; in a leaderless copy-paste network everyone publishes (all core)
    let mut led = vec![false; n_clusters];
    {
        let mut per: Vec<Vec<u32>> = vec![Vec::new(); n_clusters];
        for r in 0..n {
            let c = coaction_cluster[r];
            if c != NONE {
                per[c as usize].push(copied[r].0);
            } else if copy_core_of[r].0 != NONE {
                per[copy_core_of[r].0 as usize].push(copy_core_of[r].1);
            }
        }
        for (c, v) in per.iter_mut().enumerate() {
            let total: u64 = v.iter().map(|&x| x as u64).sum();
            // copying must be a real part of the cluster's activity: half a copy per member
            if total < (min_boosts as u64).max(v.len() as u64 / 2) {
                continue;
            }
            v.sort_unstable_by(|a, b| b.cmp(a));
            let top = v.len().div_ceil(5);
            let top_sum: u64 = v[..top].iter().map(|&x| x as u64).sum();
            led[c] = top_sum as f64 >= 0.7 * total as f64;
        }
    }
    // 4. member roles
    let mut cluster = vec![NONE; n];
    let mut role = vec![Role::Unflagged; n];
    let mut member = vec![false; n];
    let core_of = |t: u32| core_cluster[t as usize];
    for r in 0..n {
        let c = coaction_cluster[r];
        if c == NONE || audience[c as usize] {
            continue;
        }
        cluster[r] = c;
        member[r] = true;
        let (nb, posts, delay) = boosts_to(slice(r as u32), |t| core_of(t) == c);
        facts[r].core_boosts = nb;
        facts[r].core_posts = posts;
        facts[r].core_delay_s = delay;
        if core_cluster[r] == c {
            role[r] = Role::Core;
            continue;
        }
        // boosting the core is most of its boosting, or far more than the core's popularity
        // explains, and a real part of what it does
        let n_boosts = slice(r as u32).len();
        if amplifies(nb, n_boosts, facts[r].activity, c as usize) {
            if (nb as f64) < params.amplifier_min_share * n_boosts as f64 {
                facts[r].beyond_popularity = Some((n_boosts as u32, n_boosts as f64 * core_popularity[c as usize]));
            }
            role[r] = Role::Amplifier;
            continue;
        }
        // a member that mostly retweets, but not the core: it co-acts with the cluster on other
        // people's posts (organic content the network also boosts) — not evidence enough
        if facts[r].retweets as f64 >= 0.5 * facts[r].activity.max(1) as f64 && !text_ties_of[r] {
            role[r] = Role::Unflagged;
            cluster[r] = NONE;
            member[r] = false;
            continue;
        }
        // publishes own text: an originator (copied by members) or, in a copy-paste network, a
        // publisher of its narratives is core; a copier in a led cluster is an amplifier; a member
        // tied only by co-boosting that neither boosts the core nor is boosted is peripheral
        let (n_copied, copiers) = copied[r];
        let text_ties = text_ties_of[r];
        role[r] = if led[c as usize] && facts[r].copies_made >= min_boosts && facts[r].copies_made > n_copied {
            Role::Amplifier
        } else if (n_copied >= min_boosts && copiers >= 2) || text_ties {
            Role::Core
        } else {
            Role::Unflagged
        };
        if role[r] == Role::Unflagged {
            cluster[r] = NONE;
            member[r] = false;
        }
    }
    // outsiders whose texts the cluster copies are its core
    for t in 0..n {
        let c = copy_core_of[t].0;
        if c != NONE && coaction_cluster[t] == NONE && core_cluster[t] == NONE {
            core_cluster[t] = c;
        }
    }
    // attach outside core accounts
    for t in 0..n {
        let c = core_cluster[t];
        if c != NONE && coaction_cluster[t] == NONE && !audience[c as usize] {
            cluster[t] = c;
            role[t] = Role::Core;
        }
    }
    // 5. outside amplifiers of the final core (boosted core and core members)
    let final_core_of: Vec<u32> =
        (0..n).map(|t| if role[t] == Role::Core && cluster[t] != NONE { cluster[t] } else { NONE }).collect();
    let final_core = |t: u32| final_core_of[t as usize];
    let mut cand_after = candidate_of.clone();
    for t in 0..n {
        if final_core_of[t] != NONE {
            cand_after[t] = (final_core_of[t], 0);
        }
    }
    for (r, c, _, _) in dedicated(&final_core, &cand_after) {
        let (nb, posts, delay) = boosts_to(slice(r), |t| final_core(t) == c);
        let f = &mut facts[r as usize];
        f.core_boosts = nb;
        f.core_posts = posts;
        f.core_delay_s = delay;
        cluster[r as usize] = c;
        role[r as usize] = Role::Amplifier;
    }
    // the reason a low-share co-boosting cluster was kept, on each of its flagged accounts
    for r in 0..n {
        if cluster[r] != NONE {
            facts[r].amplified = amplified[cluster[r] as usize];
        }
    }
    RoleResult { cluster, role, member, facts, audiences }
}

/// Co-action communities that boost the same accounts in the same proportions are one
/// operation seen in pieces (a large amplifier pool whose members co-act with only some of the
/// others): merge clusters whose boost-target vectors have a cosine similarity of at least
/// `MERGE_COSINE`. A fan club and a ring that both boost one celebrity among much else stay apart.
/// Returns the new cluster of each rank and the number of clusters (renumbered by first rank).
pub(crate) fn merge_by_targets(coaction_cluster: &[u32], n_clusters: usize, all_boosts: &[Boost]) -> (Vec<u32>, usize) {
    const MERGE_COSINE: f64 = 0.5;
    if n_clusters < 2 {
        return (coaction_cluster.to_vec(), n_clusters);
    }
    // (target, cluster) -> boosts
    let mut tc: Vec<(u32, u32)> = collect_exact(|| {
        all_boosts
            .iter()
            .filter(|b| coaction_cluster[b.booster as usize] != NONE)
            .map(|b| (b.target, coaction_cluster[b.booster as usize]))
    });
    tc.sort_unstable();
    let mut counts: Vec<(u32, u32, f64)> = Vec::new();
    for (t, c) in tc {
        match counts.last_mut() {
            Some(last) if last.0 == t && last.1 == c => last.2 += 1.0,
            _ => counts.push((t, c, 1.0)),
        }
    }
    let mut norm = vec![0.0f64; n_clusters];
    for &(_, c, w) in &counts {
        norm[c as usize] += w * w;
    }
    // dot products over shared targets
    let mut dots: Vec<(u32, u32, f64)> = Vec::new();
    let mut i = 0;
    while i < counts.len() {
        let mut j = i;
        while j < counts.len() && counts[j].0 == counts[i].0 {
            j += 1;
        }
        let run = &counts[i..j];
        if run.len() <= 256 {
            for x in 0..run.len() {
                for y in x + 1..run.len() {
                    dots.push((run[x].1, run[y].1, run[x].2 * run[y].2));
                }
            }
        }
        i = j;
    }
    dots.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
    let mut uf = petgraph::unionfind::UnionFind::<u32>::new(n_clusters);
    let mut k = 0;
    while k < dots.len() {
        let (a, b) = (dots[k].0, dots[k].1);
        let mut dot = 0.0;
        while k < dots.len() && dots[k].0 == a && dots[k].1 == b {
            dot += dots[k].2;
            k += 1;
        }
        let cos = dot / (norm[a as usize].sqrt() * norm[b as usize].sqrt()).max(f64::MIN_POSITIVE);
        if cos >= MERGE_COSINE {
            uf.union(a, b);
        }
    }
    let mut map = vec![NONE; n_clusters];
    let mut next = 0u32;
    let out: Vec<u32> = coaction_cluster
        .iter()
        .map(|&c| {
            if c == NONE {
                return NONE;
            }
            let root = uf.find(c) as usize;
            if map[root] == NONE {
                map[root] = next;
                next += 1;
            }
            map[root]
        })
        .collect();
    (out, next as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{DatasetBuilder, PostRecord};
    use crate::core::model::Position;

    /// [`boosts`] resolves every target as a search of each boost's target id among all posts
    /// would (the first post with that id), whatever the order of the rows: retweets and replies
    /// of posts in the dataset and not, with and without their target's author, self-boosts,
    /// boosts that come before their target and targets with several boosts.
    #[test]
    fn boosts_resolve_targets_as_a_search_would() {
        let mut rng = crate::core::test_rng(7);
        let mut b = DatasetBuilder::default();
        let mut rec = PostRecord::default();
        for i in 0..3000usize {
            rec.clear();
            rec.id = format!("{}", 1000 + (i * 7919) % 3000);
            rec.author.id = format!("a{}", rng(60));
            rec.time_ms = 1_580_000_000_000 + rng(1_000_000) as i64 * 1000;
            match rng(4) {
                0 => rec.kind = Kind::Post,
                k => {
                    rec.kind = if k == 1 { Kind::Retweet } else { Kind::Reply };
                    // in the dataset (ids 1000..4000) or not (4000..4400)
                    rec.target_post = format!("{}", 1000 + rng(3400));
                    if rng(3) == 0 {
                        rec.target_account_id = format!("a{}", rng(60));
                    }
                }
            }
            b.add_post(&rec, &Position { record: i as u64 + 1, line: i as u64 + 2, byte: 0 });
        }
        let ds = b.finish().0;
        let ctx = Ctx::new(&ds);
        let p = &ds.posts;
        let mut expected = Vec::new();
        for i in 0..p.len() {
            if p.kind[i] == Kind::Post {
                continue;
            }
            let tp = p.target_post(i);
            let found = (0..p.len()).find(|&j| tp != 0 && p.id[j] == tp);
            let ta = if p.target_account(i) != NONE { Some(p.target_account(i)) } else { found.map(|j| p.account[j]) };
            let Some(ta) = ta else { continue };
            let (booster, target) = (ctx.rank[p.account[i] as usize], ctx.rank[ta as usize]);
            if booster == target {
                continue;
            }
            let delay = found.map(|j| p.time_ms(i) - p.time_ms(j)).filter(|&d| d >= 0).unwrap_or(-1);
            expected.push((booster, target, tp, delay));
        }
        expected.sort_unstable();
        let got: Vec<_> = boosts(&ds, &ctx).iter().map(|b| (b.booster, b.target, b.target_post, b.delay)).collect();
        assert_eq!(got, expected);
        // what the checks are about happened
        assert!(got.iter().filter(|b| b.3 >= 0).count() > 300, "boosts of posts in the dataset, with a delay");
        assert!(got.iter().any(|b| b.3 == -1), "boosts of posts not in the dataset, or before them");
    }
}
