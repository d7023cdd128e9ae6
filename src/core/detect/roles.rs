//! Roles inside each coordinated cluster: **core** accounts (whose content the cluster amplifies,
//! or who publish the cluster's narratives) and **amplifiers** (whose activity is mostly boosting
//! the core), including amplifiers outside the co-action clusters.
//!
//! A *boost* is a retweet, quote or reply of another account's post. For a co-action cluster `c`:
//! 1. Core candidates are the accounts its members boost: at least `amplifier_min_boosts` boosts
//!    from at least two members.
//! 2. Dedicated outside boosters are accounts in no cluster whose activity is mostly
//!    (`amplifier_min_share`) boosting those candidates, on at least `amplifier_min_boosts`
//!    distinct posts, with a median delay after the post of at most `amplifier_max_delay_s`.
//! 3. A candidate is core when the share of all the boosts it receives that come from the
//!    cluster's members and dedicated boosters is at least `core_min_echo_share` — the echo
//!    chamber. A popular organic account that a network also boosts receives most of its
//!    engagement from elsewhere and is not core.
//! 4. Members: core when they are core targets; otherwise amplifier when most of their activity
//!    is retweets or boosts of the core, else core (they publish the narratives: a copy-paste
//!    network with no retweets is all core).
//! 5. Outside accounts whose activity is mostly boosting the final core (same tests as 2) are the
//!    cluster's amplifiers.
//!
//! A cluster tied only by co-boosting (co-retweet / co-reply) that boosts nobody's echo chamber
//! is an audience, not an operation (fans of a celebrity, a viral storm): it is not flagged.

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
}

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
#[derive(Clone, Copy, Debug)]
pub(crate) struct Boost {
    pub booster: u32,
    pub target: u32,
    pub target_post: u64,
    pub delay_ms: Option<i64>,
    pub kind: Kind,
}

/// Every boost in the dataset (ranks), sorted by (booster, target, post, delay).
pub(crate) fn boosts(ds: &Dataset, ctx: &Ctx) -> Vec<Boost> {
    let p = &ds.posts;
    let mut out = Vec::new();
    for i in 0..p.len() {
        if p.kind[i] == Kind::Post {
            continue;
        }
        let booster = ctx.rank[p.account[i] as usize];
        let tp = p.target_post[i];
        let found = ctx.lookup(tp);
        let target_acc = if p.target_account[i] != NONE {
            Some(p.target_account[i])
        } else {
            found.map(|j| p.account[j as usize])
        };
        let Some(ta) = target_acc else { continue };
        let target = ctx.rank[ta as usize];
        if target == booster {
            continue;
        }
        let delay_ms = found.map(|j| p.time_ms[i] - p.time_ms[j as usize]).filter(|&d| d >= 0);
        out.push(Boost { booster, target, target_post: tp, delay_ms, kind: p.kind[i] });
    }
    out.sort_by_key(|b| (b.booster, b.target, b.target_post, b.delay_ms, b.kind));
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
            if let Some(d) = b.delay_ms {
                delays.push(d);
            }
        }
    }
    posts.sort_unstable();
    posts.dedup();
    (n, posts.len() as u32, median_i64(&mut delays).map(|ms| ms / 1000.0))
}

pub(crate) fn assign(
    ds: &Dataset,
    ctx: &Ctx,
    params: &DetectParams,
    coaction_cluster: &[u32],
    n_clusters: usize,
    boost_only: &[bool],
    all_boosts: &[Boost],
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
            _ if p.text_fp[i] != 0 => facts[r].original += 1,
            _ => {}
        }
    }
    let activity: Vec<u32> = facts.iter().map(|f| f.activity).collect();
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
    let mut member_boosts: Vec<(u32, u32, u32)> = all_boosts
        .iter()
        .filter(|b| coaction_cluster[b.booster as usize] != NONE)
        .map(|b| (coaction_cluster[b.booster as usize], b.target, b.booster))
        .collect();
    member_boosts.sort_unstable();
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
        if nb >= min_boosts && boosters >= 2 && (own == NONE || own == c) && nb > candidate_of[t as usize].1 {
            candidate_of[t as usize] = (c, nb);
        }
        i = j;
    }

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
            let share = nb as f64 / activity[r as usize].max(1) as f64;
            let fast = delay.is_none_or(|d| d <= params.amplifier_max_delay_s);
            if nb >= min_boosts && posts >= min_boosts && share >= params.amplifier_min_share && fast {
                out.push((r, best_c, nb, delay));
            }
        }
        out
    };
    let cand_core = |t: u32| candidate_of[t as usize].0;
    let pre = dedicated(&cand_core, &candidate_of);
    let mut booster_cluster: Vec<u32> = coaction_cluster.to_vec();
    for &(r, c, _, _) in &pre {
        booster_cluster[r as usize] = c;
    }
    // 3. echo test
    let mut core_cluster = vec![NONE; n];
    let mut recv_from_cluster = vec![(0u32, 0u32); n];
    {
        let mut rows: Vec<(u32, u32)> = all_boosts
            .iter()
            .filter(|b| {
                let c = candidate_of[b.target as usize].0;
                c != NONE && booster_cluster[b.booster as usize] == c
            })
            .map(|b| (b.target, b.booster))
            .collect();
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
    let mut has_core = vec![false; n_clusters];
    for &c in &core_cluster {
        if c != NONE {
            has_core[c as usize] = true;
        }
    }
    let mut audience = vec![false; n_clusters];
    let mut audiences = 0;
    for c in 0..n_clusters {
        if boost_only[c] && !has_core[c] {
            audience[c] = true;
            audiences += 1;
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
        // amplifying = retweets + quotes/replies of the core
        let quotes_replies_core = slice(r as u32).iter().filter(|b| b.kind != Kind::Retweet && core_of(b.target) == c).count() as u32;
        let amplifying = facts[r].retweets + quotes_replies_core;
        role[r] = if amplifying as f64 >= 0.5 * facts[r].activity.max(1) as f64 { Role::Amplifier } else { Role::Core };
    }
    // attach outside core accounts
    for t in 0..n {
        let c = core_cluster[t];
        if c != NONE && coaction_cluster[t] == NONE && !audience[c as usize] {
            cluster[t] = c;
            role[t] = Role::Core;
        }
    }
    // 5. outside amplifiers of the final core
    let final_core = |t: u32| {
        let c = core_cluster[t as usize];
        if c != NONE && !audience[c as usize] {
            c
        } else {
            NONE
        }
    };
    let mut cand_after = candidate_of.clone();
    for t in 0..n {
        if core_cluster[t] != NONE {
            cand_after[t] = (core_cluster[t], 0);
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
    RoleResult { cluster, role, member, facts, audiences }
}
