//! Evidence: the reasons, with their numbers, behind every flagged account, and its score.
//!
//! Co-action and amplification reasons decide the verdict; provenance (creation bursts, handle
//! shape, empty profile, few followers) and rhythm (office hours of one time zone) are reported
//! as supporting evidence and raise the score a little, but never flag an account on their own.

use super::clusters::{date_string, day_of, implied_offset, BURST_DAYS};
use super::coaction::{cluster_coaction_counts, MethodResult};
use super::roles::RoleResult;
use super::{AccountVerdict, Cluster, CoAction, Ctx, DetectParams, Reason, Role};
use crate::core::model::*;

fn reason(code: &str, value: f64, text: String) -> Reason {
    Reason { code: code.to_string(), value, text }
}

fn secs(s: f64) -> String {
    if s < 120.0 {
        format!("{:.0} s", s)
    } else if s < 7200.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

fn window(ms: i64) -> String {
    secs(ms as f64 / 1000.0)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// "name + 8 digits": a handle of letters / underscores followed by at least 6 digits.
/// Returns the number of trailing digits.
pub(crate) fn generated_handle(name: &str) -> Option<usize> {
    let digits = name.bytes().rev().take_while(|b| b.is_ascii_digit()).count();
    let head = &name[..name.len() - digits];
    (digits >= 6 && head.len() >= 2 && head.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')).then_some(digits)
}

fn what(kind: CoAction, n: u32) -> String {
    match kind {
        CoAction::CoRetweet => format!("co-retweeted {n} posts"),
        CoAction::CoTweet => format!("posted {n} identical texts"),
        CoAction::CoSimilarTweet => format!("posted {n} near-identical texts"),
        CoAction::CoLink => format!("shared {n} identical links"),
        CoAction::CoDomain => format!("shared links to {n} domains"),
        CoAction::CoHashtag => format!("used {n} hashtags or hashtag sequences"),
        CoAction::CoReply => format!("replied to {n} posts"),
        CoAction::CoMention => format!("mentioned {n} accounts"),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn verdicts(
    ds: &Dataset,
    ctx: &Ctx,
    params: &DetectParams,
    results: &[MethodResult],
    method_pairs: &[Vec<(u32, u32)>],
    cluster_of: &[u32],
    role: &[Role],
    rr: &RoleResult,
    clusters: &[Cluster],
) -> Vec<AccountVerdict> {
    let n = ctx.rank.len();
    // co-action facts per rank and method: (objects with a cluster partner, partners)
    let mut co: Vec<Vec<(CoAction, i64, u32, u32)>> = vec![Vec::new(); n];
    for (r, pairs) in results.iter().zip(method_pairs) {
        let mut partners = vec![0u32; n];
        let mut any = false;
        for &(a, b) in pairs {
            let (ca, cb) = (cluster_of[a as usize], cluster_of[b as usize]);
            if ca != NONE && ca == cb {
                partners[a as usize] += 1;
                partners[b as usize] += 1;
                any = true;
            }
        }
        if !any {
            continue;
        }
        let objects = cluster_coaction_counts(ds, r.kind, r.window_ms, params, &ctx.rank, cluster_of);
        let slow = if r.slow_ms > r.window_ms {
            cluster_coaction_counts(ds, r.kind, r.slow_ms, params, &ctx.rank, cluster_of)
        } else {
            vec![0; n]
        };
        for i in 0..n {
            if partners[i] == 0 {
                continue;
            }
            // the method's window when at least half of the account's co-actions fall in it, else
            // the slow window
            if objects[i] > 0 && 2 * objects[i] >= slow[i] {
                co[i].push((r.kind, r.window_ms, objects[i], partners[i]));
            } else if slow[i] > 0 {
                co[i].push((r.kind, r.slow_ms, slow[i], partners[i]));
            }
        }
    }
    // hour range of each cluster's implied office hours
    let offsets: Vec<Option<i32>> = clusters.iter().map(|c| implied_offset(&c.hour_profile).map(|x| x.0)).collect();

    let mut out = Vec::with_capacity(n);
    for a in 0..n as u32 {
        let r = ctx.rank[a as usize] as usize;
        let c = cluster_of[r];
        if c == NONE {
            out.push(AccountVerdict { role: Role::Unflagged, cluster: NONE, score: 0.0, reasons: vec![] });
            continue;
        }
        let f = &rr.facts[r];
        let mut reasons = Vec::new();
        let mut evidence = 0.0f64; // 1 - prod(1 - s_i)
        let mut add = |s: f64| evidence = 1.0 - (1.0 - evidence) * (1.0 - s.clamp(0.0, 0.99));
        // co-action
        for &(kind, w, objects, partners) in &co[r] {
            reasons.push(reason(
                kind.name(),
                objects as f64,
                format!(
                    "{} with {} cluster member{} within {}",
                    what(kind, objects),
                    partners,
                    if partners == 1 { "" } else { "s" },
                    window(w)
                ),
            ));
            add(1.0 - (-(objects as f64) / 10.0).exp());
        }
        match role[r] {
            Role::Core => {
                if f.recv_boosts > 0 {
                    reasons.push(reason(
                        "boosted_by_cluster",
                        f.recv_boosts as f64,
                        format!(
                            "boosted {} times by {} accounts of this cluster; {} of all the boosts it receives come from inside the cluster",
                            f.recv_boosts,
                            f.recv_boosters,
                            pct(f.recv_echo)
                        ),
                    ));
                    add(f.recv_echo * (1.0 - (-(f.recv_boosts as f64) / 10.0).exp()));
                }
                if f.copies_received > 0 && f.copied_by >= 2 {
                    reasons.push(reason(
                        "copied_by_cluster",
                        f.copies_received as f64,
                        format!(
                            "its texts were re-posted {} times by {} accounts of this cluster",
                            f.copies_received, f.copied_by
                        ),
                    ));
                    add(1.0 - (-(f.copies_received as f64) / 10.0).exp());
                }
                if f.original > 0 {
                    let share = f.original as f64 / f.activity.max(1) as f64;
                    reasons.push(reason(
                        "original_content",
                        f.original as f64,
                        format!("published {} posts of its own text ({} of its activity)", f.original, pct(share)),
                    ));
                }
            }
            Role::Amplifier => {
                if f.core_boosts > 0 {
                    let share = f.core_boosts as f64 / f.activity.max(1) as f64;
                    let delay =
                        f.core_delay_s.map(|d| format!(", median {} after posting", secs(d))).unwrap_or_default();
                    // a member called an amplifier because its core boosts are beyond the core's
                    // popularity, not by their share of its boosts
                    let beyond = f
                        .beyond_popularity
                        .map(|(boosts, expected)| {
                            format!(
                                "; that is {} of its {} boosts, but far beyond the core's popularity: {} boosts picking their targets the way accounts outside the cluster do would land on the core about {:.1} times",
                                f.core_boosts,
                                boosts,
                                boosts,
                                expected
                            )
                        })
                        .unwrap_or_default();
                    reasons.push(reason(
                        "boosts_core",
                        f.core_posts as f64,
                        format!(
                            "boosted {} posts of this cluster's core ({} boosts, {} of its activity){}{}",
                            f.core_posts,
                            f.core_boosts,
                            pct(share),
                            delay,
                            beyond
                        ),
                    ));
                    add(share * (1.0 - (-(f.core_posts as f64) / 5.0).exp()));
                }
                if f.copies_made > 0 {
                    let share = f.copies_made as f64 / f.activity.max(1) as f64;
                    reasons.push(reason(
                        "copies_cluster",
                        f.copies_made as f64,
                        format!(
                            "{} of its posts ({}) repeat earlier posts of this cluster's accounts",
                            f.copies_made,
                            pct(share)
                        ),
                    ));
                    add(share * (1.0 - (-(f.copies_made as f64) / 5.0).exp()));
                }
                if f.retweets > 0 {
                    let share = f.retweets as f64 / f.activity.max(1) as f64;
                    reasons.push(reason(
                        "retweet_share",
                        share,
                        format!("{} of its {} posts are retweets", pct(share), f.activity),
                    ));
                }
            }
            Role::Unflagged => {}
        }
        // a co-boosting cluster whose pooled boosts go mostly elsewhere, kept as an amplifier network
        if let Some(a) = f.amplified {
            reasons.push(reason(
                "amplifier_network",
                a.amplifying as f64,
                format!(
                    "its cluster is tied only by co-boosting and gives {} of its boosts to its core (an audience, such as fans or a viral storm, would give it that little), but {} of its {} members outside the core each boost the core on {} or more posts, a quarter or more of their activity and beyond the core's popularity: an amplifier network among accounts that also boost popular posts",
                    pct(a.core_share),
                    a.amplifying,
                    a.others,
                    params.amplifier_min_boosts.max(1)
                ),
            ));
        }
        // provenance
        let acc = &ds.accounts;
        let cl = &clusters[c as usize];
        let created = acc.created_at[a as usize];
        if created != NO_TIME {
            let d = day_of(created);
            if let Some(b) = cl.creation_bursts.iter().find(|b| d >= b.first_day && d <= b.last_day) {
                reasons.push(reason(
                    "creation_burst",
                    b.n_accounts as f64,
                    format!(
                        "created within a {}-day burst of {} accounts of this cluster ({} – {})",
                        (b.last_day - b.first_day + 1).min(BURST_DAYS),
                        b.n_accounts,
                        date_string(b.first_day),
                        date_string(b.last_day)
                    ),
                ));
                add(0.05);
            }
        }
        let name = &*acc.screen_name[a as usize];
        if let Some(digits) = generated_handle(name) {
            reasons.push(reason(
                "generated_handle",
                digits as f64,
                format!("handle of a generated shape (name + {digits} digits)"),
            ));
            add(0.05);
        }
        if acc.description_empty[a as usize] == 1 {
            reasons.push(reason("empty_profile", 1.0, "empty profile description".into()));
            add(0.03);
        }
        let followers = acc.followers[a as usize];
        if followers != u32::MAX && followers < 10 {
            reasons.push(reason("few_followers", followers as f64, format!("{followers} followers")));
            add(0.03);
        }
        if let Some(off) = offsets[c as usize] {
            let posts = ctx.posts_of(r as u32);
            if posts.len() >= 10 {
                let inside = posts
                    .iter()
                    .filter(|&&i| {
                        let h = (ds.posts.time_ms(i as usize).div_euclid(3_600_000) + off as i64).rem_euclid(24);
                        (9..18).contains(&h)
                    })
                    .count();
                let share = inside as f64 / posts.len() as f64;
                if share >= 0.7 {
                    reasons.push(reason(
                        "office_hours",
                        share,
                        format!("{} of its posts fall in 09–18 h at UTC{:+}, like its cluster", pct(share), off),
                    ));
                    add(0.03);
                }
            }
        }
        out.push(AccountVerdict { role: role[r], cluster: c, score: evidence.clamp(0.01, 1.0) as f32, reasons });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles() {
        assert_eq!(generated_handle("maria48213377"), Some(8));
        assert_eq!(generated_handle("john_smith"), None);
        assert_eq!(generated_handle("ab12"), None);
        assert_eq!(generated_handle("12345678"), None);
    }
}
